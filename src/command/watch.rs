//! `railconn watch`: a monitoring loop. Text mode prints one line per state
//! change (and a heartbeat every N quiet rounds); JSON mode prints one
//! object per round (NDJSON). Ctrl-C or `--count` ends it with a summary
//! per check: availability, failures by code, latency.

use std::collections::BTreeMap;
use std::io::Write;
use std::pin::pin;
use std::process::ExitCode;
use std::time::SystemTime;

use serde::Serialize;

use crate::cli::WatchArgs;
use crate::error::AppError;
use crate::i18n::{Message, say};
use crate::model::Code;
use crate::model::{CheckName, Status};
use crate::report::{Format, Report};
use crate::source::EnvSource;
use crate::{diagnose, exit, runner, words};

use super::check::interrupted;
use super::{config, load_env, runtime, warm_up_crypto};

pub(crate) fn run(args: &WatchArgs) -> Result<ExitCode, AppError> {
    if !matches!(args.format(), Format::Text | Format::Json) {
        return Err(AppError::FormatNotSupported {
            command: "watch",
            supported: "text or json",
        });
    }
    let env = load_env(&args.source)?;
    let runtime = runtime()?;
    let result = runtime.block_on(watch(args, &env));
    runtime.shutdown_background();
    let history = result?;
    print_summary(&history, args.format())?;
    Ok(exit::READY.into())
}

/// One check's state in one round: what a change is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    status: Status,
    code: Option<Code>,
}

async fn watch(args: &WatchArgs, env: &EnvSource) -> Result<History, AppError> {
    let mut ctrl_c = pin!(interrupted());
    let mut history = History::default();
    let mut previous: BTreeMap<&'static str, State> = BTreeMap::new();
    let mut quiet_rounds = 0u64;
    for round in 1u64.. {
        let config = config(
            &args.source,
            &args.select,
            env,
            (args.check_timeout, args.deadlines.connect_timeout),
        )?;
        if round == 1 {
            warm_up_crypto(&config);
        }
        let result = runner::run(&config, &mut ctrl_c).await;
        if result.interrupted {
            break;
        }
        let result_duration = result.duration;
        let report = diagnose::report(result.runs, &config, result.duration);
        history.record(&report);
        let changed = print_round(&report, round, args.format(), &mut previous)?;
        quiet_rounds = if changed { 0 } else { quiet_rounds + 1 };
        if args.format() == Format::Text && args.heartbeat > 0 && quiet_rounds >= args.heartbeat {
            println_out(&words::watch_heartbeat(
                &timestamp(),
                round,
                &heartbeat(&report),
            ))?;
            quiet_rounds = 0;
        }
        if args.count.is_some_and(|count| round >= count) {
            break;
        }
        // Rounds start every --interval: the round's own time counts.
        let pause = args.interval.saturating_sub(result_duration);
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = &mut ctrl_c => break,
        }
    }
    Ok(history)
}

/// Prints the round; returns whether any check changed state.
fn print_round(
    report: &Report,
    round: u64,
    format: Format,
    previous: &mut BTreeMap<&'static str, State>,
) -> Result<bool, AppError> {
    let mut changed = false;
    let time = timestamp();
    for check in report.checks.iter().filter(|c| c.status != Status::Skip) {
        let state = State {
            status: check.status,
            code: check.error.as_ref().map(|e| e.code),
        };
        let before = previous.insert(check.name.as_str(), state);
        if before == Some(state) {
            continue;
        }
        changed = true;
        if format == Format::Text {
            let line = words::watch_change(
                &time,
                check.name.as_str(),
                before.map(|b| b.status),
                state.status,
                state.code,
                check.duration_ms,
            );
            println_out(&line)?;
        }
    }
    if format == Format::Json {
        let line = serde_json::to_string(&RoundRecord {
            round,
            time,
            report,
        })
        .map_err(|e| AppError::Output(e.into()))?;
        println_out(&crate::i18n::msg::verbatim(line))?;
    }
    Ok(changed)
}

#[derive(Serialize)]
struct RoundRecord<'a> {
    round: u64,
    time: String,
    #[serde(flatten)]
    report: &'a Report,
}

fn heartbeat(report: &Report) -> Vec<(&'static str, Status, f64)> {
    report
        .checks
        .iter()
        .filter(|c| c.status != Status::Skip)
        .map(|c| (c.name.as_str(), c.status, c.duration_ms))
        .collect()
}

fn timestamp() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// Writes one line; a reader that stops reading cannot hold the process:
/// SIGINT and SIGTERM end it during the write.
fn println_out(line: &Message) -> Result<(), AppError> {
    let line = say(line);
    exit::exiting_on_signal(|| {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(AppError::Output)
    })
}

/// Latencies kept per check for the summary (a ring over the latest rounds).
const MAX_SAMPLES: usize = 10_000;

/// Per-check statistics over the whole watch.
#[derive(Debug, Default)]
struct History {
    checks: BTreeMap<CheckName, Stats>,
}

#[derive(Debug, Default, Serialize)]
struct Stats {
    rounds: u64,
    passed: u64,
    failures: BTreeMap<&'static str, u64>,
    #[serde(skip)]
    latencies_ms: Vec<f64>,
}

impl History {
    fn record(&mut self, report: &Report) {
        for check in report.checks.iter().filter(|c| c.status != Status::Skip) {
            let stats = self.checks.entry(check.name).or_default();
            stats.rounds += 1;
            // A bounded sample: the summary of a week-long watch must not
            // hold a week of numbers.
            if stats.latencies_ms.len() < MAX_SAMPLES {
                stats.latencies_ms.push(check.duration_ms);
            } else {
                let slot = usize::try_from(stats.rounds).unwrap_or(0) % MAX_SAMPLES;
                stats.latencies_ms[slot] = check.duration_ms;
            }
            match &check.error {
                Some(error) => *stats.failures.entry(error.code.as_str()).or_default() += 1,
                None => stats.passed += 1,
            }
        }
    }
}

impl Stats {
    fn availability(&self) -> f64 {
        if self.rounds == 0 {
            0.0
        } else {
            100.0 * self.passed as f64 / self.rounds as f64
        }
    }

    /// (min, median, max) in milliseconds.
    fn latency(&self) -> (f64, f64, f64) {
        let mut sorted = self.latencies_ms.clone();
        sorted.sort_by(f64::total_cmp);
        let at = |i: usize| sorted.get(i).copied().unwrap_or(0.0);
        let n = sorted.len();
        let median = if n.is_multiple_of(2) && n > 0 {
            f64::midpoint(at(n / 2 - 1), at(n / 2))
        } else {
            at(n / 2)
        };
        (at(0), median, at(n.saturating_sub(1)))
    }
}

#[derive(Serialize)]
struct SummaryRecord<'a> {
    summary: BTreeMap<&'static str, SummaryEntry<'a>>,
}

#[derive(Serialize)]
struct SummaryEntry<'a> {
    rounds: u64,
    availability_percent: f64,
    failures: &'a BTreeMap<&'static str, u64>,
    latency_ms: LatencyRecord,
}

#[derive(Serialize)]
struct LatencyRecord {
    min: f64,
    median: f64,
    max: f64,
}

fn print_summary(history: &History, format: Format) -> Result<(), AppError> {
    if format == Format::Json {
        let summary = history
            .checks
            .iter()
            .map(|(name, stats)| (name.as_str(), summary_entry(stats)))
            .collect();
        let line = serde_json::to_string(&SummaryRecord { summary })
            .map_err(|e| AppError::Output(e.into()))?;
        return println_out(&crate::i18n::msg::verbatim(line));
    }
    for (name, stats) in &history.checks {
        let failures: Vec<(&str, u64)> = stats.failures.iter().map(|(k, v)| (*k, *v)).collect();
        println_out(&words::watch_summary(
            name.as_str(),
            stats.rounds,
            stats.availability(),
            &failures,
            stats.latency(),
        ))?;
    }
    Ok(())
}

fn summary_entry(stats: &Stats) -> SummaryEntry<'_> {
    let (min, median, max) = stats.latency();
    SummaryEntry {
        rounds: stats.rounds,
        availability_percent: (stats.availability() * 10.0).round() / 10.0,
        failures: &stats.failures,
        latency_ms: LatencyRecord { min, median, max },
    }
}
