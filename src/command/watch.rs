//! `railconn watch`: a monitoring loop. Text mode prints one line per state
//! change (and a heartbeat every N quiet rounds); JSON mode prints one
//! object per round (NDJSON). Ctrl-C or `--count` ends it with a summary
//! per check: availability, failures by code, latency.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::pin::pin;
use std::process::ExitCode;
use std::time::SystemTime;

use crate::cli::WatchArgs;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::model::Code;
use crate::model::{CheckName, Status};
use crate::report::watch::{self as render, CheckSummary, Format, Latency, Round, Summary};
use crate::report::{CheckReport, Report};
use crate::source::EnvSource;
use crate::{diagnose, exit, runner};

use super::{config, load_env, runtime};

pub(crate) fn run(args: &WatchArgs) -> Result<ExitCode, AppError> {
    let env = load_env(&args.source, args.check_timeout)?;
    let mut out = io::stdout();
    let runtime = runtime()?;
    let result = runtime.block_on(watch(args, &env, &mut out));
    runtime.shutdown_background();
    let history = result?;
    write_out(&mut out, |out| {
        render::summary(&history.summary(), args.format(), Lang::for_run(), out)
    })?;
    Ok(exit::READY.into())
}

/// One check's state in one round: what a change is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    status: Status,
    code: Option<Code>,
}

async fn watch(
    args: &WatchArgs,
    env: &EnvSource,
    out: &mut dyn Write,
) -> Result<History, AppError> {
    let shutdown = exit::Shutdown::default();
    let mut ctrl_c = pin!(shutdown.listen());
    let mut history = History::default();
    let mut previous: BTreeMap<&'static str, State> = BTreeMap::new();
    let mut quiet_rounds = 0u64;
    let (format, lang) = (args.format(), Lang::for_run());
    for number in 1u64.. {
        let config = config(
            &args.source,
            &args.select,
            env,
            (args.check_timeout, args.deadlines.connect_timeout),
        )?;
        let result = runner::run(&config, &mut ctrl_c).await;
        if result.interrupted {
            break;
        }
        let result_duration = result.duration;
        let report = diagnose::report(result.runs, &config, result.duration, &shutdown);
        history.record(&report);
        let time = timestamp();
        let round = Round {
            number,
            time: &time,
            report: &report,
            changes: changes(&report, &mut previous),
        };
        write_out(out, |out| render::round(&round, format, lang, out))?;
        quiet_rounds = if round.changes.is_empty() {
            quiet_rounds + 1
        } else {
            0
        };
        if format == Format::Text && args.heartbeat > 0 && quiet_rounds >= args.heartbeat {
            write_out(out, |out| render::heartbeat(&round, lang, out))?;
            quiet_rounds = 0;
        }
        if args.count.is_some_and(|count| number >= count) {
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

/// The checks whose state changed since the previous round, with the
/// status each had then; `previous` becomes this round's states.
fn changes<'a>(
    report: &'a Report,
    previous: &mut BTreeMap<&'static str, State>,
) -> Vec<(&'a CheckReport, Option<Status>)> {
    render::ran(report)
        .filter_map(|check| {
            let state = State {
                status: check.status,
                code: check.error.as_ref().map(|e| e.code),
            };
            let before = previous.insert(check.name.as_str(), state);
            (before != Some(state)).then(|| (check, before.map(|b| b.status)))
        })
        .collect()
}

fn timestamp() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// Writes with `write` and flushes; a reader that stops reading cannot
/// hold the process: SIGINT and SIGTERM end it during the write.
fn write_out(
    out: &mut dyn Write,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), AppError> {
    exit::exiting_on_signal(|| write(&mut *out).and_then(|()| out.flush()))
        .map_err(AppError::Output)
}

/// Latencies kept per check for the summary (a ring over the latest rounds).
const MAX_SAMPLES: usize = 10_000;

/// Per-check statistics over the whole watch, in the order the checks
/// first reported (report order), not by name.
#[derive(Debug, Default)]
struct History {
    checks: Vec<(CheckName, Stats)>,
}

#[derive(Debug, Default)]
struct Stats {
    rounds: u64,
    passed: u64,
    failures: BTreeMap<&'static str, u64>,
    latencies_ms: Vec<f64>,
}

impl History {
    fn record(&mut self, report: &Report) {
        for check in render::ran(report) {
            let stats = self.stats_of(check.name);
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

    fn stats_of(&mut self, name: CheckName) -> &mut Stats {
        let at = self.checks.iter().position(|(n, _)| *n == name);
        let at = at.unwrap_or_else(|| {
            self.checks.push((name, Stats::default()));
            self.checks.len() - 1
        });
        &mut self.checks[at].1
    }

    /// Every check watched, in report order.
    fn summary(&self) -> Summary {
        self.checks
            .iter()
            .map(|(name, stats)| (name.as_str(), stats.summary()))
            .collect()
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

    fn summary(&self) -> CheckSummary {
        CheckSummary {
            rounds: self.rounds,
            availability: self.availability(),
            failures: self.failures.clone(),
            latency: self.latency(),
        }
    }

    fn latency(&self) -> Latency {
        let mut sorted = self.latencies_ms.clone();
        sorted.sort_by(f64::total_cmp);
        let at = |i: usize| sorted.get(i).copied().unwrap_or(0.0);
        let n = sorted.len();
        let median = if n.is_multiple_of(2) && n > 0 {
            f64::midpoint(at(n / 2 - 1), at(n / 2))
        } else {
            at(n / 2)
        };
        Latency {
            min: at(0),
            // Durations are whole microseconds; the midpoint of two has at
            // most one more decimal, which the rounding keeps while
            // dropping binary noise (0.6255000000000001).
            median: (median * 10_000.0).round() / 10_000.0,
            max: at(n.saturating_sub(1)),
        }
    }
}
