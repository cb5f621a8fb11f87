//! Runs a round of checks concurrently — the only concurrent part of
//! railconn — at most [`MAX_IN_FLIGHT`] at a time, all under one deadline
//! (`--timeout` from the start of the round), and times each one. The wall
//! time of a round is that of the slowest check, not the sum. A round can
//! be interrupted (Ctrl-C): the checks that finished are kept.

use std::cell::RefCell;
use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use futures_util::stream;

use crate::config::{Check, Config, Selected};
use crate::model::{CheckName, ProbeOutcome};
use crate::net::Budget;
use crate::service::Kind;

/// Checks probed at once. Each holds one or two sockets; the bound keeps a
/// long list of targets within the default open-file limit (1024) while
/// every check of a realistic app still starts at once, so silent targets
/// time out together rather than in waves.
pub(crate) const MAX_IN_FLIGHT: usize = 64;

/// The result of one round of checks.
#[derive(Debug, Clone)]
pub(crate) struct Round {
    pub runs: Vec<Ran>,
    pub duration: Duration,
    /// Whether `interrupt` fired before every check finished.
    pub interrupted: bool,
}

/// One check's result as the round leaves it, for the diagnosis.
#[derive(Debug, Clone)]
pub(crate) struct Ran {
    pub name: CheckName,
    pub kind: Kind,
    /// `None` when the check was not selected.
    pub selected: Option<Selected>,
    pub outcome: ProbeOutcome,
    pub duration: Duration,
    /// Selected, but the round was interrupted before it finished.
    pub unfinished: bool,
}

type Slot = RefCell<Option<(ProbeOutcome, Duration)>>;

/// Runs one round; `interrupt` completing ends it early.
pub(crate) async fn run(config: &Config, interrupt: impl Future<Output = ()>) -> Round {
    let started = Instant::now();
    let checks = config.checks();
    let slots: Vec<Slot> = checks.iter().map(|_| Slot::default()).collect();
    let budget = Budget::new(config.timeout, config.connect_timeout);
    let all = stream::iter(checks.iter().zip(&slots))
        .filter(|(check, _)| std::future::ready(check.selected.is_some()))
        .map(|(check, slot)| fill(slot, check.target.probe(budget)))
        .buffer_unordered(MAX_IN_FLIGHT)
        .for_each(|()| std::future::ready(()));
    let interrupted = tokio::select! {
        () = all => false,
        () = interrupt => true,
    };
    let runs = checks
        .iter()
        .zip(slots)
        .map(|(check, slot)| ran(check, slot.take()))
        .collect();
    Round {
        runs,
        duration: started.elapsed(),
        interrupted,
    }
}

/// Measures `probe` and stores its outcome where an interrupted round can
/// still find it.
async fn fill(slot: &Slot, probe: impl Future<Output = ProbeOutcome>) {
    let started = Instant::now();
    let outcome = probe.await;
    slot.replace(Some((outcome, started.elapsed())));
}

fn ran(check: &Check<'_>, result: Option<(ProbeOutcome, Duration)>) -> Ran {
    let unfinished = check.selected.is_some() && result.is_none();
    let (outcome, duration) = result.unwrap_or_default();
    Ran {
        name: check.name,
        kind: check.target.kind(),
        selected: check.selected,
        outcome,
        duration,
        unfinished,
    }
}
