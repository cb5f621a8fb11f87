//! `/metrics`: the latest round as Prometheus metrics, encoded by
//! `prometheus-client`. The classic text format (0.0.4) by default, which
//! every scraper and `promtool check metrics` read; `OpenMetrics` only when
//! the scraper's `Accept` header prefers it (Prometheus itself does).
//!
//! The gauges describe the latest round, rebuilt per request from the
//! [`Round`]: a check that recovers drops its `check_failure_info` series
//! instead of leaving a stale one behind. The counters and the duration
//! histogram ([`Tally`], issue 22) count every round since the start, so an
//! outage between two scrapes still shows and an availability SLO is a
//! ratio of two counters, as Gatus' `gatus_results_total` makes it
//! (`blackbox_exporter` cannot: its probes are stateless, its issue 925).
//! Their series are bounded by checks × steps × codes, not by uptime.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use prometheus_client::encoding::{prometheus_text, text};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

use super::Round;
use super::history::Change;
use crate::model::Status;
use crate::report::{CheckReport, Report};
use crate::service::Kind;

/// The two expositions `/metrics` speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exposition {
    /// Prometheus text format 0.0.4.
    Text,
    /// `OpenMetrics` 1.0 text.
    OpenMetrics,
}

const OPENMETRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

impl Exposition {
    /// Picks the format an `Accept` header prefers: `OpenMetrics` only when
    /// it is listed with a weight at least that of plain text (RFC 9110
    /// §12.5.1 weights; a missing `q` is 1).
    pub(crate) fn negotiate(accept: Option<&str>) -> Self {
        let Some(accept) = accept else {
            return Exposition::Text;
        };
        let mut openmetrics = 0.0_f64;
        let mut text = 0.0_f64;
        for range in accept.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default().to_ascii_lowercase();
            let weight = parts
                .filter_map(|p| p.strip_prefix("q="))
                .find_map(|q| q.parse::<f64>().ok())
                .unwrap_or(1.0);
            match media.as_str() {
                "application/openmetrics-text" => openmetrics = openmetrics.max(weight),
                "text/plain" | "text/*" | "*/*" => text = text.max(weight),
                _ => {}
            }
        }
        if openmetrics > 0.0 && openmetrics >= text {
            Exposition::OpenMetrics
        } else {
            Exposition::Text
        }
    }

    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Exposition::Text => prometheus_text::CONTENT_TYPE,
            Exposition::OpenMetrics => OPENMETRICS_CONTENT_TYPE,
        }
    }
}

/// The metrics of `round` (only build information before the first one),
/// with `labels` on every series.
pub(crate) fn render(
    round: Option<&Round>,
    labels: &[(&'static str, String)],
    exposition: Exposition,
) -> Result<String, std::fmt::Error> {
    let registry = registry(round, labels);
    let mut out = String::new();
    match exposition {
        Exposition::Text => prometheus_text::encode(&mut out, &registry)?,
        Exposition::OpenMetrics => text::encode(&mut out, &registry)?,
    }
    Ok(out)
}

type Labels = Vec<(&'static str, String)>;
type Gauges = Family<Labels, Gauge<f64, AtomicU64>>;

fn registry(round: Option<&Round>, labels: &[(&'static str, String)]) -> Registry {
    let constant = labels
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), Cow::Owned(v.clone())));
    let mut registry = Registry::with_prefix_and_labels("railconn", constant);
    registry.register(
        "build",
        "railconn's version (always 1)",
        Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
    );
    registry.register(
        "rounds",
        "Rounds of checks finished since serve started",
        ConstCounter::new(round.map_or(0, |r| r.number)),
    );
    if let Some(round) = round {
        Checks::register(&mut registry).fill(round);
        round.tally.register(&mut registry);
    }
    registry
}

type Counters = Family<Labels, Counter>;
type Histograms = Family<Labels, Histogram, fn() -> Histogram>;

/// Upper bounds of the check-duration buckets, in seconds: 1 ms (a
/// loopback Redis) to 10 s (the default `--check-timeout`), about three
/// per decade, as Prometheus' own default buckets space them.
const DURATION_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

/// What every round since the start adds up to. The families are shared
/// (`Clone` shares them), so the board keeps one and each request's
/// registry encodes the same counts.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    runs: Counters,
    failures: Counters,
    transitions: Counters,
    duration: Histograms,
}

impl Default for Tally {
    fn default() -> Self {
        Self {
            runs: Counters::default(),
            failures: Counters::default(),
            transitions: Counters::default(),
            duration: Histograms::new_with_constructor(duration_histogram),
        }
    }
}

impl Tally {
    /// Counts one round: its checks that ran and the state changes
    /// against the previous round (the first sight of a check is none).
    pub(crate) fn count(&self, report: &Report, changes: &[Change]) {
        for check in report.checks.iter().filter(|c| c.status != Status::Skip) {
            let name = check.name.as_str().to_string();
            let result = match check.status {
                Status::Fail => "fail",
                Status::Warn => "warn",
                Status::Pass | Status::Skip => "pass",
            };
            self.runs
                .get_or_create(&vec![("check", name.clone()), ("result", result.into())])
                .inc();
            self.duration
                .get_or_create(&vec![("check", name.clone())])
                .observe(seconds_from_ms(check.duration_ms));
            // An optional check's failure is a warning, and still a failure
            // of its service: counted by code like a required one.
            if let Some(error) = &check.error {
                let labels = vec![
                    ("check", name),
                    ("step", error.step.as_str().to_string()),
                    ("code", error.code.as_str().to_string()),
                ];
                self.failures.get_or_create(&labels).inc();
            }
        }
        for change in changes.iter().filter(|c| c.was.is_some()) {
            self.transitions
                .get_or_create(&vec![("check", change.check.as_str().to_string())])
                .inc();
        }
    }

    fn register(&self, registry: &mut Registry) {
        registry.register(
            "check_runs",
            "Rounds each check ran since serve started, by result (pass, warn, fail)",
            self.runs.clone(),
        );
        registry.register(
            "check_failures",
            "Rounds of each check that ended in an error since serve started, by step and error code",
            self.failures.clone(),
        );
        registry.register(
            "check_transitions",
            "Times each check changed state (pass, warn, fail) since serve started",
            self.transitions.clone(),
        );
        registry.register(
            "check_duration_seconds",
            "How long each round of the check took, since serve started",
            self.duration.clone(),
        );
    }
}

/// The per-check families, registered once per request.
struct Checks {
    ready: Gauge<f64, AtomicU64>,
    success: Gauges,
    duration: Gauges,
    step_duration: Gauges,
    failure: Gauges,
    last_run: Gauges,
    cert_expiry: Gauges,
    /// The kinds' own gauges (`postgres_connections`, ...), as each kind
    /// folder declares them.
    read: BTreeMap<&'static str, Gauges>,
}

impl Checks {
    fn register(registry: &mut Registry) -> Self {
        // Every kind's declared gauges, in registry order: the families are
        // there whether or not this round read them, as the fixed ones are.
        let declared = Kind::ALL
            .iter()
            .flat_map(|kind| kind.description().gauges.iter().copied());
        let mut gauges = |name: &str, help: &str| {
            let family = Gauges::default();
            registry.register(name, help, family.clone());
            family
        };
        let checks = Checks {
            success: gauges(
                "check_success",
                "1 when the check passed (or only warned) in the latest round, 0 when it failed",
            ),
            duration: gauges(
                "check_last_duration_seconds",
                "How long the check took in the latest round",
            ),
            step_duration: gauges(
                "step_duration_seconds",
                "How long each step (dns, tcp, tls, auth, query, ping, ...) took in the latest round",
            ),
            failure: gauges(
                "check_failure_info",
                "1 for the step and error code of each failing check's current failure",
            ),
            last_run: gauges(
                "check_last_run_timestamp_seconds",
                "When the check last finished, in seconds since the Unix epoch",
            ),
            cert_expiry: gauges(
                "tls_certificate_expiry_timestamp_seconds",
                "The server certificate's notAfter, in seconds since the Unix epoch",
            ),
            read: declared
                .map(|gauge| (gauge.name, gauges(gauge.name, gauge.help)))
                .collect(),
            ready: Gauge::default(),
        };
        registry.register(
            "ready",
            "1 when the latest round would let a deploy through (railconn check's exit code 0)",
            checks.ready.clone(),
        );
        checks
    }

    fn fill(&self, round: &Round) {
        self.ready.set(if round.report.ready { 1.0 } else { 0.0 });
        let finished = seconds(
            round
                .finished
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default(),
        );
        for check in round
            .report
            .checks
            .iter()
            .filter(|c| c.status != Status::Skip)
        {
            self.fill_check(check, finished);
        }
    }

    fn fill_check(&self, check: &CheckReport, finished: f64) {
        let name = check.name.as_str();
        let by_check = || vec![("check", name.to_string())];
        let success = if check.status == Status::Fail {
            0.0
        } else {
            1.0
        };
        let labels = vec![
            ("check", name.to_string()),
            ("kind", check.kind.to_string()),
        ];
        self.success.get_or_create(&labels).set(success);
        self.duration
            .get_or_create(&by_check())
            .set(seconds_from_ms(check.duration_ms));
        self.last_run.get_or_create(&by_check()).set(finished);
        for step in &check.steps {
            if let Some(ms) = step.duration_ms {
                let labels = vec![
                    ("check", name.to_string()),
                    ("step", step.name.as_str().to_string()),
                ];
                self.step_duration
                    .get_or_create(&labels)
                    .set(seconds_from_ms(ms));
            }
        }
        if let Some(error) = &check.error {
            let labels = vec![
                ("check", name.to_string()),
                ("step", error.step.as_str().to_string()),
                ("code", error.code.as_str().to_string()),
            ];
            self.failure.get_or_create(&labels).set(1.0);
        }
        self.fill_readings(check, &by_check());
    }

    fn fill_readings(&self, check: &CheckReport, labels: &Labels) {
        let readings = &check.readings;
        let set = |family: &Gauges, value: Option<u64>| {
            if let Some(value) = value {
                family.get_or_create(labels).set(value as f64);
            }
        };
        set(&self.cert_expiry, readings.cert_not_after);
        for (gauge, value) in &readings.gauges {
            set(&self.read[gauge.name], Some(*value));
        }
    }
}

/// The report's milliseconds (whole microseconds, `report::millis`) as
/// seconds without float noise: `2.345 / 1000.0` is
/// `0.0023450000000000003`, whereas the whole microseconds divided once
/// give the double nearest to `0.002345`.
fn seconds_from_ms(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1_000_000.0
}

fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

/// When a round finished, for people: RFC 3339 in UTC, to the second.
pub(crate) fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_unless_openmetrics_is_preferred() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(
            Exposition::negotiate(Some(prometheus)),
            Exposition::OpenMetrics
        );
        assert_eq!(Exposition::negotiate(None), Exposition::Text);
        assert_eq!(Exposition::negotiate(Some("*/*")), Exposition::Text);
        assert_eq!(
            Exposition::negotiate(Some("text/plain, application/openmetrics-text;q=0.5")),
            Exposition::Text
        );
        assert_eq!(
            Exposition::negotiate(Some("application/openmetrics-text;q=0")),
            Exposition::Text
        );
    }

    #[test]
    fn seconds_have_no_float_noise() {
        for (ms, shown) in [(2.345, "0.002345"), (0.4, "0.0004"), (1234.567, "1.234567")] {
            assert_eq!(seconds_from_ms(ms).to_string(), shown);
        }
    }

    #[test]
    fn before_the_first_round_only_build_info_and_rounds() {
        let text = render(None, &[("railway_service", "api".into())], Exposition::Text).unwrap();
        assert!(text.contains("# TYPE railconn_build_info gauge"), "{text}");
        assert!(
            text.contains(&format!(
                "railconn_build_info{{railway_service=\"api\",version=\"{}\"}} 1",
                env!("CARGO_PKG_VERSION")
            )) || text.contains(&format!(
                "railconn_build_info{{version=\"{}\",railway_service=\"api\"}} 1",
                env!("CARGO_PKG_VERSION")
            )),
            "{text}"
        );
        assert!(text.contains("railconn_rounds_total"), "{text}");
        assert!(!text.contains("# EOF"), "{text}");
        let open = render(None, &[], Exposition::OpenMetrics).unwrap();
        assert!(open.ends_with("# EOF\n"), "{open}");
    }
}
