//! A check: which service it looks at, the layers it climbs, and what it
//! hands back (its steps and findings). The ladder records the steps as a
//! probe climbs them.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::code::Code;
use super::finding::Finding;
use super::step::{Failure, Status, Step, StepName};
use crate::i18n::Message;

/// The three checks, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub(crate) enum CheckName {
    Postgres,
    Redis,
    Jwt,
}

impl CheckName {
    pub(crate) const ALL: [CheckName; 3] = [CheckName::Postgres, CheckName::Redis, CheckName::Jwt];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CheckName::Postgres => "postgres",
            CheckName::Redis => "redis",
            CheckName::Jwt => "jwt",
        }
    }

    /// What is being checked, for the report's `kind`.
    pub(crate) fn kind(self) -> &'static str {
        match self {
            CheckName::Postgres => "postgresql",
            CheckName::Redis => "redis",
            CheckName::Jwt => "jwt",
        }
    }

    /// The layers of this check, in order.
    pub(crate) fn steps(self) -> &'static [StepName] {
        use StepName::*;
        match self {
            CheckName::Postgres => &[Config, Dns, Tcp, Tls, Auth, Query],
            CheckName::Redis => &[Config, Dns, Tcp, Tls, Auth, Ping],
            CheckName::Jwt => &[Config, Key, Roundtrip],
        }
    }
}

/// What a probe hands back: its steps in order and its findings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProbeOutcome {
    /// The redacted URL, or what was checked instead.
    pub target: Message,
    pub source: Option<String>,
    pub steps: Vec<Step>,
    pub findings: Vec<Finding>,
    /// The host dialed, for advice that depends on the network a name
    /// belongs to (empty when nothing was dialed).
    pub host: String,
    pub readings: Readings,
}

/// Numbers a check read on its way, as numbers rather than words: `serve`
/// exports them as metrics (issue 14). Unknown stays `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Readings {
    /// The server certificate's notAfter, in seconds since the Unix epoch.
    pub cert_not_after: Option<u64>,
    /// PostgreSQL client connections in use, and the slots the role may use.
    pub pg_connections: Option<(u64, u64)>,
    /// Redis `used_memory` and `maxmemory` in bytes (`maxmemory` 0: no limit).
    pub redis_memory: (Option<u64>, Option<u64>),
    /// Redis `connected_clients` and `maxclients`.
    pub redis_clients: (Option<u64>, Option<u64>),
}

/// Collects a check's steps; steps never recorded come out as `skip`.
#[derive(Debug)]
pub(crate) struct Ladder {
    check: CheckName,
    steps: Vec<Step>,
    findings: Vec<Finding>,
    readings: Readings,
}

impl Ladder {
    pub(crate) fn new(check: CheckName) -> Self {
        Self {
            check,
            steps: Vec::new(),
            findings: Vec::new(),
            readings: Readings::default(),
        }
    }

    /// Where the probe notes the numbers it read.
    pub(crate) fn readings(&mut self) -> &mut Readings {
        &mut self.readings
    }

    /// Records a passing step that started at `started`.
    pub(crate) fn pass(&mut self, name: StepName, started: Instant, detail: impl Into<Message>) {
        self.push(
            name,
            Status::Pass,
            Some(started.elapsed()),
            Some(detail.into()),
            None,
        );
    }

    /// Records a step that passed with a reservation.
    pub(crate) fn warn(&mut self, name: StepName, started: Instant, detail: impl Into<Message>) {
        self.push(
            name,
            Status::Warn,
            Some(started.elapsed()),
            Some(detail.into()),
            None,
        );
    }

    /// Records a step that was deliberately not performed, with why.
    pub(crate) fn skip(&mut self, name: StepName, detail: impl Into<Message>) {
        self.push(name, Status::Skip, None, Some(detail.into()), None);
    }

    /// Records the decisive failure; later steps will be `skip`.
    pub(crate) fn fail(&mut self, name: StepName, started: Option<Instant>, failure: Failure) {
        self.fail_with(name, started.map(|s| s.elapsed()), failure);
    }

    /// Records the decisive failure with an explicit duration.
    pub(crate) fn fail_with(
        &mut self,
        name: StepName,
        duration: Option<Duration>,
        failure: Failure,
    ) {
        self.push(name, Status::Fail, duration, None, Some(failure));
    }

    /// Records a step with an explicit duration (e.g. pipelined round trips).
    pub(crate) fn pass_with(
        &mut self,
        name: StepName,
        duration: Option<Duration>,
        detail: impl Into<Message>,
    ) {
        self.push(name, Status::Pass, duration, Some(detail.into()), None);
    }

    /// Drops earlier records of these steps (a retry or a closer look is
    /// about to replace them).
    pub(crate) fn forget(&mut self, names: &[StepName]) {
        self.steps.retain(|s| !names.contains(&s.name));
    }

    /// The code of the decisive failure so far.
    pub(crate) fn failure_code(&self) -> Option<Code> {
        self.steps
            .iter()
            .find_map(|s| s.error.as_ref().map(|e| e.code))
    }

    pub(crate) fn findings(&mut self, findings: &[Finding]) {
        self.findings.extend_from_slice(findings);
    }

    pub(crate) fn finding(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    fn push(
        &mut self,
        name: StepName,
        status: Status,
        duration: Option<Duration>,
        detail: Option<Message>,
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
    pub(crate) fn finish(self, target: impl Into<Message>, source: Option<String>) -> ProbeOutcome {
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
            target: target.into(),
            source,
            steps,
            findings: self.findings,
            readings: self.readings,
            host: String::new(),
        }
    }
}
