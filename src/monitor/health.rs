//! `/healthz`: the latest round as an `application/health+json` document
//! (draft-inadarei-api-health-check-06): `status` pass, warn or fail, and
//! `checks` keyed by check name with the error code as `output`. HTTP 200
//! when the round would let a deploy through and is fresh, 503 otherwise —
//! also before the first round has finished and when the latest is stale,
//! so a load balancer never trusts results nobody is refreshing.

use crate::i18n::{Message, msg, say};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::{Round, Settings};
use crate::model::Status;
use crate::report::CheckReport;

pub(crate) const CONTENT_TYPE: &str = "application/health+json";

/// The health document and its HTTP status code.
#[derive(Debug, Serialize)]
pub(crate) struct Health {
    pub status: &'static str,
    #[serde(rename = "releaseId")]
    release_id: &'static str,
    description: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<String>,
    checks: BTreeMap<&'static str, [Component; 1]>,
    #[serde(skip)]
    pub http_status: u16,
}

#[derive(Debug, Serialize)]
struct Component {
    #[serde(rename = "componentType")]
    kind: &'static str,
    status: &'static str,
    #[serde(rename = "observedValue")]
    observed_value: f64,
    #[serde(rename = "observedUnit")]
    observed_unit: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<&'static str>,
    time: String,
}

pub(crate) fn health(round: Option<&Round>, settings: &Settings, now: SystemTime) -> Health {
    let Some(round) = round else {
        return unhealthy(say(&msg::health_no_round()), BTreeMap::new());
    };
    let time = super::metrics::rfc3339(round.finished);
    let checks = round
        .report
        .checks
        .iter()
        .filter(|c| c.status != Status::Skip)
        .map(|c| (c.name.as_str(), [component(c, &time)]))
        .collect();
    let age = now.duration_since(round.finished).unwrap_or(Duration::ZERO);
    if age > settings.stale_after {
        return unhealthy(say(&health_stale(age)), checks);
    }
    let status = match (round.report.ready, round.report.status) {
        (false, _) => "fail",
        (true, Status::Pass) => "pass",
        (true, _) => "warn",
    };
    Health {
        status,
        release_id: env!("CARGO_PKG_VERSION"),
        description: "railconn serve",
        output: None,
        checks,
        http_status: if round.report.ready { 200 } else { 503 },
    }
}

fn unhealthy(output: String, checks: BTreeMap<&'static str, [Component; 1]>) -> Health {
    Health {
        status: "fail",
        release_id: env!("CARGO_PKG_VERSION"),
        description: "railconn serve",
        output: Some(output),
        checks,
        http_status: 503,
    }
}

fn component(check: &CheckReport, time: &str) -> Component {
    Component {
        kind: if check.kind == "jwt" {
            "component"
        } else {
            "datastore"
        },
        status: match check.status {
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Pass | Status::Skip => "pass",
        },
        observed_value: check.duration_ms,
        observed_unit: "ms",
        output: check.error.as_ref().map(|e| e.code.as_str()),
        time: time.to_string(),
    }
}

pub(crate) fn health_stale(age: Duration) -> Message {
    msg::health_stale(Duration::from_secs(age.as_secs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_round_yet_is_a_503() {
        let settings = Settings::new(Duration::from_secs(30), Duration::from_secs(10));
        let health = health(None, &settings, SystemTime::now());
        assert_eq!(health.http_status, 503);
        assert_eq!(health.status, "fail");
        let json = serde_json::to_value(&health).unwrap();
        assert_eq!(json["output"], say(&msg::health_no_round()));
        assert!(json.get("http_status").is_none());
    }
}
