//! `railconn wait`: rounds of checks until every required check passes,
//! with exponential backoff and jitter between rounds. It stops at once on a
//! failure that waiting cannot fix (a wrong password does not heal), which
//! is what wait4x gets wrong: it retries everything until its timeout.

use crate::i18n::{Message, msg, say};
use crate::model::provenance::list;
use std::collections::hash_map::RandomState;
use std::ffi::OsString;
use std::hash::{BuildHasher, Hasher};
use std::io::IsTerminal;
use std::pin::pin;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::cli::WaitArgs;
use crate::config::Config;
use crate::error::AppError;
use crate::model::{Code, FindingCode};
use crate::model::{Status, StepName};
use crate::net::{self, Budget, Reach};
use crate::report::{CheckReport, Report};
use crate::service::Kind;
use crate::source::EnvSource;
use crate::{diagnose, exit, runner};

use super::{Stream, config, emit, load_env, runtime};

/// The shortest round worth starting before the deadline.
const MIN_ROUND: Duration = Duration::from_millis(500);

/// How the waiting ended.
enum Ending {
    Ready,
    TimedOut,
    /// A required check failed with a code that cannot heal.
    Hopeless(String, Code),
    /// Only warnings stand in the way (`--strict`), and they do not heal.
    Warnings,
    Interrupted,
}

pub(crate) fn run(args: &WaitArgs) -> Result<ExitCode, AppError> {
    super::check_outputs(&args.output)?;
    // --timeout bounds the whole wait, a slow `--env-file <(…)` included.
    let started = Instant::now();
    let env = load_env(&args.source, args.timeout)?;
    let runtime = runtime()?;
    let shutdown = exit::Shutdown::default();
    let result = runtime.block_on(wait(args, &env, started, &shutdown));
    runtime.shutdown_background();
    let (report, ending) = result?;
    let stream = if args.command.is_empty() {
        Stream::Stdout
    } else {
        Stream::Stderr
    };
    if matches!(ending, Ending::Interrupted) {
        exit::exit_after(super::check::SIGNAL_GRACE, &shutdown);
    }
    emit(&report, &args.output, stream)?;
    match ending {
        Ending::Ready if !args.command.is_empty() => Ok(exec(&args.command)),
        Ending::Ready => Ok(exit::READY.into()),
        Ending::TimedOut => {
            exit::stderr_line(&say(&msg::wait_timed_out(args.timeout)));
            Ok(exit::NOT_READY.into())
        }
        Ending::Hopeless(check, code) => {
            exit::stderr_line(&say(&wait_stopped_early(&check, code)));
            Ok(exit::NOT_READY.into())
        }
        Ending::Warnings => {
            exit::stderr_line(&say(&msg::wait_stopped_on_warnings()));
            Ok(exit::NOT_READY.into())
        }
        Ending::Interrupted => Ok(shutdown.code().into()),
    }
}

async fn wait(
    args: &WaitArgs,
    env: &EnvSource,
    started: Instant,
    shutdown: &exit::Shutdown,
) -> Result<(Report, Ending), AppError> {
    let deadline = started + args.timeout;
    let mut ctrl_c = pin!(shutdown.listen());
    let progress = Progress::new(started, args.timeout);
    let mut attempt = 0u32;
    loop {
        let remaining = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        let timeouts = (
            args.check_timeout.min(remaining),
            args.deadlines.connect_timeout,
        );
        let config = config(&args.source, &args.select, env, timeouts)?;
        let round = runner::run(&config, &mut ctrl_c).await;
        let report = diagnose::report(round.runs, &config, round.duration, shutdown);
        if round.interrupted {
            return Ok(progress.done(report, Ending::Interrupted));
        }
        if let Some(ending) = verdict(&report, deadline) {
            return Ok(progress.done(report, ending));
        }
        progress.show(&report);
        let pause = backoff(args, attempt).min(deadline.saturating_duration_since(Instant::now()));
        let targets = probe_targets(&report, &config);
        tokio::select! {
            () = pause_or_reachable(&targets, pause, args.deadlines.connect_timeout) => {}
            () = &mut ctrl_c => return Ok(progress.done(report, Ending::Interrupted)),
        }
        // A round squeezed into the last milliseconds would only report its
        // own lack of time ("timeout" on a healthy server): end with the
        // last complete round instead.
        if deadline.saturating_duration_since(Instant::now()) < MIN_ROUND.min(args.check_timeout) {
            return Ok(progress.done(report, Ending::TimedOut));
        }
        attempt = attempt.saturating_add(1);
    }
}

/// How often the cheap probe runs between full rounds. A bare resolve or
/// TCP connect four times a second costs a server nothing worth noticing
/// (no TLS, no auth, no backend process), and a healed target is then
/// seen within about a quarter of a second, not after a backoff of up to
/// `--max-interval`.
const PROBE_EVERY: Duration = Duration::from_millis(250);

/// One failing target worth a cheap probe: where to dial, and how far.
struct ProbeTarget<'a> {
    host: &'a str,
    port: u16,
    pinned: &'a [std::net::IpAddr],
    reach: Reach,
}

/// The failing checks whose failure a bare resolve or connect can see
/// heal: those that failed at dns (probe: resolve) or tcp (probe:
/// connect). A check that failed later (auth, a server starting) needs the
/// full check, so it waits for the next round.
fn probe_targets<'a>(report: &Report, config: &'a Config) -> Vec<ProbeTarget<'a>> {
    report
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .filter_map(|c| {
            let reach = match c.error.as_ref()?.step {
                StepName::Dns => Reach::Resolve,
                StepName::Tcp => Reach::Connect,
                _ => return None,
            };
            let (host, port, pinned) = config.dialed(c.name)?;
            Some(ProbeTarget {
                host,
                port,
                pinned,
                reach,
            })
        })
        .collect()
}

/// Sleeps for `pause`, but returns as soon as a cheap probe of one of
/// `targets` succeeds, so that the full round confirming it starts at once.
async fn pause_or_reachable(targets: &[ProbeTarget<'_>], pause: Duration, connect: Duration) {
    if targets.is_empty() {
        return tokio::time::sleep(pause).await;
    }
    let until = Instant::now() + pause;
    let probes = targets
        .iter()
        .map(|t| Box::pin(until_reachable(t, until, connect)));
    // Each target on its own clock: a silent one, whose connect runs until
    // the connect timeout, does not hold up the others' probes.
    let _ = tokio::time::timeout(pause, futures_util::future::select_all(probes)).await;
}

/// Probes `target` every [`PROBE_EVERY`] until it answers (or `until`).
async fn until_reachable(target: &ProbeTarget<'_>, until: Instant, connect: Duration) {
    loop {
        let tick = Instant::now() + PROBE_EVERY;
        let budget = Budget::new(until.saturating_duration_since(Instant::now()), connect);
        if net::reachable(
            target.host,
            target.port,
            target.pinned,
            target.reach,
            &budget,
        )
        .await
        {
            return;
        }
        tokio::time::sleep_until(tick.into()).await;
    }
}

/// `Some` when waiting is over: ready, hopeless, or out of time.
fn verdict(report: &Report, deadline: Instant) -> Option<Ending> {
    if report.ready {
        return Some(Ending::Ready);
    }
    let hopeless = report
        .checks
        .iter()
        .filter(|c| c.required && c.status == Status::Fail)
        .find_map(|c| {
            c.error
                .as_ref()
                .filter(|e| !can_heal(c, e.code))
                .map(|e| (c.name.as_str(), e.code))
        });
    if let Some((check, code)) = hopeless {
        return Some(Ending::Hopeless(check.to_string(), code));
    }
    if report.critical() == 0 && !optional_may_heal(report) {
        return Some(Ending::Warnings);
    }
    (Instant::now() >= deadline).then_some(Ending::TimedOut)
}

/// With `--strict`, a failed optional check that can heal is worth waiting
/// for; findings (a weak lifetime, an evicting policy) are not.
fn optional_may_heal(report: &Report) -> bool {
    let optional_failure = report
        .checks
        .iter()
        .filter(|c| !c.required && c.status == Status::Fail)
        .any(|c| c.error.as_ref().is_some_and(|e| can_heal(c, e.code)));
    // Headroom changes as other clients come and go; the rest does not.
    let passing_finding = report.checks.iter().flat_map(|c| &c.findings).any(|f| {
        matches!(
            f.code,
            FindingCode::ConnectionHeadroom | FindingCode::MemoryHeadroom
        )
    });
    optional_failure || passing_finding
}

/// Whether the failure of a check in the report may heal by waiting: its
/// provider decides where it knows better (a public name that does not
/// resolve will not start resolving, an allow-list does not open by
/// itself, a compute waking up does answer), else its kind, from the
/// code's default.
fn can_heal(check: &CheckReport, code: Code) -> bool {
    if let Some(heals) = check.provider.as_ref().and_then(|p| p.row.heals(code)) {
        return heals;
    }
    Kind::from_name(check.kind).map_or(code.can_heal(), |kind| kind.can_heal(code))
}

/// `interval × 2^attempt`, capped, times a jitter in [0.75, 1.25) so that
/// many containers started together do not probe in lockstep.
fn backoff(args: &WaitArgs, attempt: u32) -> Duration {
    let doubled = args.interval.saturating_mul(1u32 << attempt.min(16));
    let capped = doubled.min(args.max_interval);
    let random = RandomState::new().build_hasher().finish();
    let jitter = 0.75 + (random % 1000) as f64 / 2000.0;
    capped.mul_f64(jitter)
}

/// One status line on stderr, rewritten in place — only on a terminal.
struct Progress {
    started: Instant,
    timeout: Duration,
    enabled: bool,
}

impl Progress {
    fn new(started: Instant, timeout: Duration) -> Self {
        Self {
            started,
            timeout,
            enabled: std::io::stderr().is_terminal(),
        }
    }

    fn show(&self, report: &Report) {
        if !self.enabled {
            return;
        }
        let failing: Vec<(&str, Code)> = report
            .checks
            .iter()
            .filter_map(|c| c.error.as_ref().map(|e| (c.name.as_str(), e.code)))
            .collect();
        let line = wait_progress(&failing, self.started.elapsed(), self.timeout);
        exit::stderr_text(&format!("\r\x1b[2K{}", say(&line)));
    }

    fn done(&self, report: Report, ending: Ending) -> (Report, Ending) {
        if self.enabled {
            exit::stderr_text("\r\x1b[2K");
        }
        (report, ending)
    }
}

/// Replaces railconn with the command, so its exit code is the result and
/// signals reach it directly (as `exec` in an entrypoint script would).
fn exec(command: &[OsString]) -> ExitCode {
    use std::os::unix::process::CommandExt;
    let error = std::process::Command::new(&command[0])
        .args(&command[1..])
        .exec();
    exit::stderr_line(&say(&command_not_started(
        &command[0].to_string_lossy(),
        &error.to_string(),
    )));
    exit::COMMAND_NOT_STARTED.into()
}

pub(crate) fn wait_stopped_early(check: &str, code: Code) -> Message {
    msg::wait_stopped_early(check, code.as_str())
}

pub(crate) fn command_not_started(command: &str, error: &str) -> Message {
    msg::command_not_started(command.to_string(), error.to_string())
}

pub(crate) fn wait_progress(
    failing: &[(&str, Code)],
    elapsed: Duration,
    timeout: Duration,
) -> Message {
    let failing = list(
        failing
            .iter()
            .map(|&(check, code)| msg::wait_failing(check, code.as_str())),
    );
    msg::wait_progress(failing, elapsed, timeout)
}
