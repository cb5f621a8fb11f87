//! A check: which service it looks at, the layers it climbs, and what it
//! hands back (its steps and findings). The ladder records the steps as a
//! probe climbs them.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::code::Code;
use super::finding::Finding;
use super::provenance::Provenance;
use super::step::{Failure, Status, Step, StepName};
use crate::i18n::Message;

/// A check's name: `postgres`, `redis` and `jwt` for the three defaults,
/// the variable's name (`CELERY_BROKER_URL`) for a discovered target, or
/// the name given with `--target NAME=URL`. Names are interned, so a name is
/// `Copy` and compares as cheaply as the enum it replaced; a process only
/// ever sees the few names its environment and command line hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub(crate) struct CheckName(&'static str);

impl CheckName {
    pub(crate) const POSTGRES: CheckName = CheckName("postgres");
    pub(crate) const REDIS: CheckName = CheckName("redis");
    pub(crate) const JWT: CheckName = CheckName("jwt");
    /// The default checks, first in every report, in this order.
    pub(crate) const DEFAULTS: [CheckName; 3] =
        [CheckName::POSTGRES, CheckName::REDIS, CheckName::JWT];

    /// The check called `name`.
    pub(crate) fn named(name: &str) -> CheckName {
        if let Some(known) = CheckName::DEFAULTS.into_iter().find(|c| c.0 == name) {
            return known;
        }
        CheckName(intern(name))
    }

    pub(crate) fn as_str(self) -> &'static str {
        self.0
    }

    /// Whether this is one of the three default checks.
    pub(crate) fn is_default(self) -> bool {
        CheckName::DEFAULTS.contains(&self)
    }
}

impl std::fmt::Display for CheckName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// One `&'static str` per distinct name, leaked once: names come from the
/// environment and the command line, which `watch` and `serve` re-read each
/// round, so leaking per call would grow without bound.
fn intern(name: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(known) = names.get(name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// What a probe hands back: its steps in order and its findings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProbeOutcome {
    /// The redacted URL, or what was checked instead.
    pub target: Message,
    pub source: Option<Provenance>,
    pub steps: Vec<Step>,
    pub findings: Vec<Finding>,
    /// The host dialed, for advice that depends on the network a name
    /// belongs to (empty when nothing was dialed).
    pub host: String,
    pub readings: Readings,
}

/// Numbers a check read on its way, as numbers rather than words: `serve`
/// exports them as metrics (issue 14). Unknown stays unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Readings {
    /// The server certificate's notAfter, in seconds since the Unix epoch
    /// (any kind that speaks TLS).
    pub cert_not_after: Option<u64>,
    /// What the kind read from its server, each under the gauge its folder
    /// declares (`postgres_connections`, `redis_clients`, ...).
    pub gauges: Vec<(&'static Gauge, u64)>,
}

impl Readings {
    /// Notes `value` under `gauge`, when it is known.
    pub(crate) fn set(&mut self, gauge: &'static Gauge, value: Option<u64>) {
        if let Some(value) = value {
            self.gauges.push((gauge, value));
        }
    }
}

/// A number a kind reads from its server, exported by `serve` as the
/// gauge `railconn_<name>` with the label `check`. Each kind folder
/// declares its own (`service::<kind>::facts`) and lists them in its
/// description, which docs/monitoring.md is held to.
#[derive(Debug, PartialEq, Eq)]
pub struct Gauge {
    /// Without the `railconn_` prefix.
    pub name: &'static str,
    /// Prometheus' `# HELP` text (English, like every metric name).
    pub help: &'static str,
}

/// Collects a check's steps; steps never recorded come out as `skip`.
#[derive(Debug)]
pub(crate) struct Ladder {
    order: &'static [StepName],
    steps: Vec<Step>,
    findings: Vec<Finding>,
    readings: Readings,
}

impl Ladder {
    /// A ladder over `order`, the kind's layers from first to last.
    pub(crate) fn new(order: &'static [StepName]) -> Self {
        Self {
            order,
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
        self.failure().map(|e| e.code)
    }

    /// The first failure recorded, with its message.
    pub(crate) fn failure(&self) -> Option<&Failure> {
        self.steps.iter().find_map(|s| s.error.as_ref())
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
    pub(crate) fn finish(
        self,
        target: impl Into<Message>,
        source: Option<Provenance>,
    ) -> ProbeOutcome {
        let mut recorded = self.steps;
        let steps = self
            .order
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
