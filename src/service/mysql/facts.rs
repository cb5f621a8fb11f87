//! What the MySQL check reads from the server, in one flight of two
//! commands: `SELECT 1` with the version, `max_connections` and
//! `require_secure_transport`, then `SHOW GLOBAL STATUS LIKE
//! 'Threads_connected'` (the statement every MySQL and MariaDB answers
//! without a privilege: `information_schema.GLOBAL_STATUS` is gone in
//! MySQL 8 and `performance_schema` is off by default in MariaDB).

use std::time::Instant;

use super::wire::Answer;
use crate::i18n::msg;
use crate::model::{Finding, FindingCode, Gauge, Ladder, StepName};

/// The facts statement. `@@require_secure_transport` is MySQL 5.7+ and
/// MariaDB 10.5.2+; older servers answer 1193 and get [`BASIC_SQL`].
pub(crate) const SQL: &str = "SELECT 1, @@version, @@max_connections, @@require_secure_transport";
pub(crate) const BASIC_SQL: &str = "SELECT 1, @@version, @@max_connections";
pub(crate) const STATUS_SQL: &str = "SHOW GLOBAL STATUS LIKE 'Threads_connected'";

/// `ER_UNKNOWN_SYSTEM_VARIABLE`: the server predates a variable we read.
pub(crate) const UNKNOWN_VARIABLE: u16 = 1193;

/// Connections in use at or above this share of `max_connections` draw a
/// warning.
const WARN_CONNECTIONS: f64 = 0.80;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Facts {
    pub(crate) version: Option<String>,
    pub(crate) max_connections: Option<u64>,
    pub(crate) threads_connected: Option<u64>,
    pub(crate) require_secure_transport: Option<bool>,
}

/// Reads the facts row and the status row; what is missing stays `None`.
pub(crate) fn parse(facts: &Answer, status: Option<&Answer>) -> Facts {
    let row = match facts {
        Answer::Rows(rows) => rows.first().cloned().unwrap_or_default(),
        Answer::Error(_) => Vec::new(),
    };
    let cell = |i: usize| row.get(i).cloned().flatten();
    let threads = match status {
        Some(Answer::Rows(rows)) => rows
            .iter()
            .find(|r| {
                r.first()
                    .and_then(Option::as_deref)
                    .is_some_and(|name| name.eq_ignore_ascii_case("Threads_connected"))
            })
            .and_then(|r| r.get(1).cloned().flatten())
            .and_then(|v| v.parse().ok()),
        _ => None,
    };
    Facts {
        version: cell(1),
        max_connections: cell(2).and_then(|v| v.parse().ok()),
        threads_connected: threads,
        require_secure_transport: cell(3).map(|v| v == "1" || v.eq_ignore_ascii_case("ON")),
    }
}

/// `serve`'s gauges of the MySQL check.
pub(crate) const CONNECTIONS: Gauge = Gauge {
    name: "mysql_connections",
    help: "MySQL/MariaDB connections in use (Threads_connected)",
};
pub(crate) const CONNECTIONS_ALLOWED: Gauge = Gauge {
    name: "mysql_connections_allowed",
    help: "MySQL/MariaDB max_connections",
};
pub(crate) const GAUGES: &[&Gauge] = &[&CONNECTIONS, &CONNECTIONS_ALLOWED];

/// Records the query step and the findings the facts call for.
pub(crate) fn record(facts: &Facts, started: Instant, ladder: &mut Ladder) {
    let readings = ladder.readings();
    readings.set(&CONNECTIONS, facts.threads_connected);
    readings.set(&CONNECTIONS_ALLOWED, facts.max_connections);
    let version = facts.version.clone().unwrap_or_else(|| "?".to_string());
    if let (Some(used), Some(max)) = (facts.threads_connected, facts.max_connections) {
        #[expect(
            clippy::cast_precision_loss,
            reason = "connection counts are far below 2^52"
        )]
        if max > 0 && used as f64 >= WARN_CONNECTIONS * max as f64 {
            ladder.finding(Finding::warn(
                FindingCode::ConnectionHeadroom,
                msg::mysql_connections_high(used, max),
            ));
        }
        ladder.pass(
            StepName::Query,
            started,
            msg::mysql_query_detail(version, used, max),
        );
    } else {
        ladder.pass(StepName::Query, started, msg::mysql_query_version(version));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(values: &[&str]) -> Vec<Option<String>> {
        values.iter().map(|v| Some((*v).to_string())).collect()
    }

    #[test]
    fn reads_the_row_and_the_status() {
        let facts = Answer::Rows(vec![text(&["1", "10.11.19-MariaDB", "151", "0"])]);
        let status = Answer::Rows(vec![text(&["Threads_connected", "3"])]);
        let read = parse(&facts, Some(&status));
        assert_eq!(read.version.as_deref(), Some("10.11.19-MariaDB"));
        assert_eq!(read.max_connections, Some(151));
        assert_eq!(read.threads_connected, Some(3));
        assert_eq!(read.require_secure_transport, Some(false));
    }

    #[test]
    fn missing_values_stay_unknown() {
        let facts = Answer::Rows(vec![vec![Some("1".into()), None]]);
        let read = parse(&facts, None);
        assert_eq!(read, Facts::default());
    }
}
