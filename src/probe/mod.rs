//! Probes: one async sequence of timed steps per service.
//!
//! Every step has a status, a duration and a detail; the first failed step
//! is decisive and the ones after it are `skip`. Failures are data
//! ([`Failure`]), never Rust errors, and every step runs under a deadline
//! taken from the check's [`Budget`], so nothing can hang.

pub mod dns;
pub mod jwt;
pub mod pg_facts;
pub mod postgres;
pub mod redis;
pub mod redis_facts;
pub mod sniff;
pub mod sqlite;
pub mod tcp;
pub mod tls;

use std::future::Future;
use std::time::{Duration, Instant};

use serde::Serialize;

use self::sniff::{SniffStream, Sniffed};
use crate::code::{Code, FindingCode};
use crate::config::Setting;
use crate::words;

/// The three checks, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CheckName {
    Postgres,
    Redis,
    Jwt,
}

impl CheckName {
    pub const ALL: [CheckName; 3] = [CheckName::Postgres, CheckName::Redis, CheckName::Jwt];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckName::Postgres => "postgres",
            CheckName::Redis => "redis",
            CheckName::Jwt => "jwt",
        }
    }

    /// What is being checked, for the report's `kind`.
    pub fn kind(self) -> &'static str {
        match self {
            CheckName::Postgres => "postgresql",
            CheckName::Redis => "redis",
            CheckName::Jwt => "jwt",
        }
    }

    /// The layers of this check, in order.
    pub fn steps(self) -> &'static [StepName] {
        use StepName::*;
        match self {
            CheckName::Postgres => &[Config, Dns, Tcp, Tls, Auth, Query],
            CheckName::Redis => &[Config, Dns, Tcp, Tls, Auth, Ping],
            CheckName::Jwt => &[Config, Key, Roundtrip],
        }
    }
}

/// Outcome of a step, a check, or the whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Skip,
    Pass,
    Warn,
    Fail,
}

impl Status {
    /// The wire name, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

/// The layer a step checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepName {
    Config,
    Dns,
    Tcp,
    Tls,
    Auth,
    Query,
    Ping,
    Key,
    Roundtrip,
}

impl StepName {
    pub fn as_str(self) -> &'static str {
        use StepName::*;
        match self {
            Config => "config",
            Dns => "dns",
            Tcp => "tcp",
            Tls => "tls",
            Auth => "auth",
            Query => "query",
            Ping => "ping",
            Key => "key",
            Roundtrip => "roundtrip",
        }
    }
}

/// Why a step failed: a stable code and the evidence (never a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub code: Code,
    pub message: String,
}

impl Failure {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// One layer's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub name: StepName,
    pub status: Status,
    pub duration: Option<Duration>,
    pub detail: Option<String>,
    pub error: Option<Failure>,
}

/// Something worth knowing that does not fail a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub code: FindingCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warn,
    Info,
}

impl Finding {
    pub fn warn(code: FindingCode, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warn,
            code,
            message: message.into(),
        }
    }

    pub fn info(code: FindingCode, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Info,
            code,
            message: message.into(),
        }
    }
}

/// What a probe hands back: its steps in order and its findings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProbeOutcome {
    pub target: String,
    pub source: Option<String>,
    pub steps: Vec<Step>,
    pub findings: Vec<Finding>,
    /// What was checked, when not the check's usual kind (`sqlite` for a
    /// SQLite `DATABASE_URL`).
    pub kind: Option<&'static str>,
}

/// The time a check may still spend.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    deadline: Instant,
    connect_timeout: Duration,
}

impl Budget {
    pub fn new(timeout: Duration, connect_timeout: Duration) -> Self {
        let now = Instant::now();
        Self {
            deadline: now.checked_add(timeout).unwrap_or(now),
            connect_timeout,
        }
    }

    /// Time left before the check's deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Bound for DNS or one TCP connect: the connect timeout, or less.
    pub fn connect_limit(&self) -> Duration {
        self.connect_timeout.min(self.remaining())
    }
}

/// Runs `fut` for at most `limit`; `None` means it timed out.
pub async fn within<F: Future>(limit: Duration, fut: F) -> Option<F::Output> {
    tokio::time::timeout(limit, fut).await.ok()
}

/// Collects a check's steps; steps never recorded come out as `skip`.
#[derive(Debug)]
pub struct Ladder {
    check: CheckName,
    steps: Vec<Step>,
    findings: Vec<Finding>,
}

impl Ladder {
    pub fn new(check: CheckName) -> Self {
        Self {
            check,
            steps: Vec::new(),
            findings: Vec::new(),
        }
    }

    /// Records a passing step that started at `started`.
    pub fn pass(&mut self, name: StepName, started: Instant, detail: impl Into<String>) {
        self.push(
            name,
            Status::Pass,
            Some(started.elapsed()),
            Some(detail.into()),
            None,
        );
    }

    /// Records a step that passed with a reservation.
    pub fn warn(&mut self, name: StepName, started: Instant, detail: impl Into<String>) {
        self.push(
            name,
            Status::Warn,
            Some(started.elapsed()),
            Some(detail.into()),
            None,
        );
    }

    /// Records a step that was deliberately not performed, with why.
    pub fn skip(&mut self, name: StepName, detail: impl Into<String>) {
        self.push(name, Status::Skip, None, Some(detail.into()), None);
    }

    /// Records the decisive failure; later steps will be `skip`.
    pub fn fail(&mut self, name: StepName, started: Option<Instant>, failure: Failure) {
        self.fail_with(name, started.map(|s| s.elapsed()), failure);
    }

    /// Records the decisive failure with an explicit duration.
    pub fn fail_with(&mut self, name: StepName, duration: Option<Duration>, failure: Failure) {
        self.push(name, Status::Fail, duration, None, Some(failure));
    }

    /// Records a step with an explicit duration (e.g. pipelined round trips).
    pub fn pass_with(&mut self, name: StepName, duration: Option<Duration>, detail: String) {
        self.push(name, Status::Pass, duration, Some(detail), None);
    }

    /// Drops earlier records of these steps (a retry or a closer look is
    /// about to replace them).
    pub fn forget(&mut self, names: &[StepName]) {
        self.steps.retain(|s| !names.contains(&s.name));
    }

    /// The code of the decisive failure so far.
    pub fn failure_code(&self) -> Option<Code> {
        self.steps
            .iter()
            .find_map(|s| s.error.as_ref().map(|e| e.code))
    }

    pub fn findings(&mut self, findings: &[Finding]) {
        self.findings.extend_from_slice(findings);
    }

    pub fn finding(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    fn push(
        &mut self,
        name: StepName,
        status: Status,
        duration: Option<Duration>,
        detail: Option<String>,
        error: Option<Failure>,
    ) {
        self.steps.push(Step {
            name,
            status,
            duration,
            detail,
            error,
        });
    }

    /// All steps in the check's order, unrecorded ones as `skip`.
    pub fn finish(self, target: String, source: Option<String>) -> ProbeOutcome {
        let mut recorded = self.steps;
        let steps = self
            .check
            .steps()
            .iter()
            .map(|&name| match recorded.iter().position(|s| s.name == name) {
                Some(i) => recorded.swap_remove(i),
                None => Step {
                    name,
                    status: Status::Skip,
                    duration: None,
                    detail: None,
                    error: None,
                },
            })
            .collect();
        ProbeOutcome {
            target,
            source,
            steps,
            findings: self.findings,
            kind: None,
        }
    }
}

/// The config step for a URL target: passes with the source, or fails with
/// `missing_config` / `invalid_url` / `unsupported_scheme`.
pub fn accept_setting<'a, T>(
    setting: &'a Setting<T>,
    ladder: &mut Ladder,
) -> Option<(&'a T, String)> {
    let started = Instant::now();
    match setting {
        Setting::Ready {
            source,
            target,
            findings,
        } => {
            ladder.findings(findings);
            ladder.pass(StepName::Config, started, words::config_from(source));
            Some((target, source.clone()))
        }
        Setting::Missing { vars, flag } => {
            let failure = Failure::new(Code::MissingConfig, words::config_missing(vars, flag));
            ladder.fail(StepName::Config, Some(started), failure);
            None
        }
        Setting::Invalid {
            source,
            error,
            findings,
        } => {
            ladder.findings(findings);
            let failure = Failure::new(error.code, words::config_invalid(source, &error.message));
            ladder.fail(StepName::Config, Some(started), failure);
            None
        }
    }
}

/// The report's `target` for a setting that cannot be dialed. The raw
/// value is never shown: an invalid URL may still hold a password.
pub fn unusable_target<T>(setting: &Setting<T>) -> String {
    match setting {
        Setting::Missing { vars, .. } => words::target_missing(vars),
        Setting::Invalid { source, .. } => words::target_invalid(source),
        Setting::Ready { .. } => String::new(),
    }
}

/// An open connection: the stream, what the peer sent first, and where.
pub struct Opened {
    pub stream: SniffStream<tokio::net::TcpStream>,
    pub sniffed: Sniffed,
    pub addr: std::net::SocketAddr,
}

/// The dns and tcp steps: resolve once (or take the `--resolve`
/// addresses), connect to the first address that accepts, and wrap the
/// socket so the peer's first bytes are kept.
pub async fn open(
    host: &str,
    port: u16,
    pinned: &[std::net::IpAddr],
    budget: &Budget,
    ladder: &mut Ladder,
) -> Option<Opened> {
    let started = Instant::now();
    let addrs = if pinned.is_empty() {
        match dns::resolve(host, port, budget.connect_limit()).await {
            Ok(addrs) => addrs,
            Err(failure) => {
                ladder.fail(StepName::Dns, Some(started), failure);
                return None;
            }
        }
    } else {
        pinned.iter().map(|&ip| (ip, port).into()).collect()
    };
    let mut detail = dns::describe(&addrs);
    if !pinned.is_empty() {
        detail.push_str(words::RESOLVE_PINNED);
    }
    ladder.pass(StepName::Dns, started, detail);
    if pinned.is_empty() {
        note_address_families(host, &addrs, ladder);
    }
    let started = Instant::now();
    match tcp::connect(&addrs, budget).await {
        Ok(connected) => {
            if connected.ipv6_unreachable {
                ladder.finding(Finding::warn(
                    FindingCode::Ipv6,
                    words::ipv6_unreachable(host),
                ));
            }
            ladder.pass(StepName::Tcp, started, connected.detail);
            let (stream, sniffed) = SniffStream::new(connected.stream);
            Some(Opened {
                stream,
                sniffed,
                addr: connected.addr,
            })
        }
        Err(failure) => {
            ladder.fail(StepName::Tcp, Some(started), failure);
            None
        }
    }
}

/// A name with only IPv6 addresses fails for IPv4-only clients: Railway's
/// legacy private network is AAAA-only, and ioredis before 5.8.2 looks up
/// IPv4 alone (`family: 4`).
fn note_address_families(host: &str, addrs: &[std::net::SocketAddr], ladder: &mut Ladder) {
    let literal = host.parse::<std::net::IpAddr>().is_ok();
    if !literal && addrs.iter().all(std::net::SocketAddr::is_ipv6) {
        ladder.finding(Finding::warn(FindingCode::Ipv6, words::ipv6_only(host)));
    }
}

/// A new connection to an address that already answered: libpq's `allow`
/// and `prefer` fallbacks dial again, and the name is not resolved twice.
pub async fn redial(addr: std::net::SocketAddr, budget: &Budget) -> Result<Opened, Failure> {
    let connected = tcp::connect(&[addr], budget).await?;
    let _ = connected.ipv6_unreachable;
    let (stream, sniffed) = SniffStream::new(connected.stream);
    Ok(Opened {
        stream,
        sniffed,
        addr,
    })
}
