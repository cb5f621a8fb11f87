//! What `railconn watch` writes: in text, a line per change of a check's
//! state, a heartbeat line every N quiet rounds and a summary line per
//! check; in JSON (NDJSON), one object per round (the report, flattened,
//! with `round` and `time`) and a last `{"summary": …}` object. The watch
//! loop decides what happened; these functions only write it.

use crate::i18n::{self, Lang, Message, msg};
use crate::model::Code;
use crate::model::provenance::list;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::Duration;

use serde::Serialize;

use super::{CheckReport, Report};
use crate::model::Status;

/// The formats `watch` can write; `--format` accepts only these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// A line per change, a heartbeat, a summary.
    Text,
    /// One JSON object per round, then the summary (NDJSON).
    Json,
}

/// One round as `watch` shows it.
#[derive(Debug)]
pub(crate) struct Round<'a> {
    pub(crate) number: u64,
    /// RFC 3339, to the second.
    pub(crate) time: &'a str,
    pub(crate) report: &'a Report,
    /// The checks whose state changed, each with the status it had the
    /// round before (`None`: the first round that ran it).
    pub(crate) changes: Vec<(&'a CheckReport, Option<Status>)>,
}

/// One check over the whole watch.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CheckSummary {
    pub(crate) rounds: u64,
    /// Passed rounds in percent (not rounded).
    #[serde(rename = "availability_percent", serialize_with = "one_decimal")]
    pub(crate) availability: f64,
    /// Failed rounds by code.
    pub(crate) failures: BTreeMap<&'static str, u64>,
    #[serde(rename = "latency_ms")]
    pub(crate) latency: Latency,
}

/// Check durations in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Latency {
    pub(crate) min: f64,
    pub(crate) median: f64,
    pub(crate) max: f64,
}

/// The summary: each check by name, in report order.
pub(crate) type Summary = Vec<(&'static str, CheckSummary)>;

#[derive(Serialize)]
struct RoundRecord<'a> {
    round: u64,
    time: &'a str,
    #[serde(flatten)]
    report: &'a Report,
}

#[derive(Serialize)]
struct SummaryRecord<'a> {
    /// By name, sorted.
    summary: BTreeMap<&'static str, &'a CheckSummary>,
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's serialize_with passes a reference"
)]
fn one_decimal<S: serde::Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64((value * 10.0).round() / 10.0)
}

/// Writes one round: its changes (text) or the whole round (JSON).
pub(crate) fn round(
    round: &Round<'_>,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => {
            for (check, before) in &round.changes {
                let line = watch_change(
                    round.time,
                    check.name.as_str(),
                    *before,
                    check.status,
                    check.error.as_ref().map(|e| e.code),
                    check.duration_ms,
                );
                writeln!(out, "{}", lang.render(&line))?;
            }
            Ok(())
        }
        Format::Json => {
            let record = RoundRecord {
                round: round.number,
                time: round.time,
                report: round.report,
            };
            json_line(&record, lang, out)
        }
    }
}

/// The text heartbeat after quiet rounds: every check's state and time.
pub(crate) fn heartbeat(round: &Round<'_>, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let states: Vec<(&str, Status, f64)> = ran(round.report)
        .map(|c| (c.name.as_str(), c.status, c.duration_ms))
        .collect();
    let line = watch_heartbeat(round.time, round.number, &states);
    writeln!(out, "{}", lang.render(&line))
}

/// The summary at the end: a line per check (text) or one object (JSON).
pub(crate) fn summary(
    summary: &Summary,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => {
            for (name, check) in summary {
                let failures: Vec<(&str, u64)> =
                    check.failures.iter().map(|(k, v)| (*k, *v)).collect();
                let latency = check.latency;
                let line = watch_summary(
                    name,
                    check.rounds,
                    check.availability,
                    &failures,
                    (latency.min, latency.median, latency.max),
                );
                writeln!(out, "{}", lang.render(&line))?;
            }
            Ok(())
        }
        Format::Json => {
            let summary = summary.iter().map(|(name, check)| (*name, check)).collect();
            json_line(&SummaryRecord { summary }, lang, out)
        }
    }
}

/// The checks a round ran (a skipped check has no state to watch).
pub(crate) fn ran(report: &Report) -> impl Iterator<Item = &CheckReport> {
    report.checks.iter().filter(|c| c.status != Status::Skip)
}

/// One compact JSON object and a newline, messages in `lang`.
fn json_line(value: &impl Serialize, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    i18n::serialize_in(lang, || serde_json::to_writer(&mut *out, value))?;
    writeln!(out)
}

fn took(millis: f64) -> Duration {
    Duration::from_secs_f64(millis.max(0.0) / 1000.0)
}

pub(crate) fn watch_heartbeat(time: &str, round: u64, checks: &[(&str, Status, f64)]) -> Message {
    let states = list(checks.iter().map(|&(check, status, millis)| {
        msg::watch_check_state(check, status.as_str(), took(millis))
    }));
    msg::watch_heartbeat(time.to_string(), round, states)
}

pub(crate) fn watch_change(
    time: &str,
    check: &str,
    before: Option<Status>,
    now: Status,
    code: Option<Code>,
    millis: f64,
) -> Message {
    let code = code.map(|c| format!(" {}", c.as_str())).unwrap_or_default();
    match before {
        Some(before) => msg::watch_change(
            time.to_string(),
            check,
            before.as_str(),
            now.as_str(),
            code,
            took(millis),
        ),
        None => msg::watch_first(time.to_string(), check, now.as_str(), code, took(millis)),
    }
}

pub(crate) fn watch_summary(
    check: &str,
    rounds: u64,
    availability: f64,
    failures: &[(&str, u64)],
    latency: (f64, f64, f64),
) -> Message {
    let failures = if failures.is_empty() {
        msg::watch_no_failures()
    } else {
        msg::watch_failures(list(
            failures
                .iter()
                .map(|&(code, n)| msg::watch_failure_count(code, n)),
        ))
    };
    msg::watch_summary(
        check,
        crate::i18n::Arg::fixed(availability, 1),
        rounds,
        failures,
        took(latency.0),
        took(latency.1),
        took(latency.2),
    )
}
