//! Runs the selected checks concurrently — the only concurrent part of
//! railconn — each under its own deadline, and times each one. The wall
//! time of a round is that of the slowest check, not the sum. A round can
//! be interrupted (Ctrl-C): the checks that finished are kept.

use std::cell::RefCell;
use std::future::Future;
use std::time::{Duration, Instant};

use crate::config::{Config, Selected};
use crate::diagnose::Ran;
use crate::model::{CheckName, ProbeOutcome};
use crate::probe::{self, Budget};

/// The result of one round of checks.
#[derive(Debug, Clone)]
pub struct Round {
    pub runs: Vec<Ran>,
    pub duration: Duration,
    /// Whether `interrupt` fired before every check finished.
    pub interrupted: bool,
}

/// Runs one round; `interrupt` completing ends it early.
pub async fn run(config: &Config, interrupt: impl Future<Output = ()>) -> Round {
    let started = Instant::now();
    let selection = config.selection.resolve();
    let selected = |name: CheckName| {
        selection
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, s)| s.clone())
    };
    let slots: [RefCell<Option<(ProbeOutcome, Duration)>>; 3] = Default::default();
    let budget = || Budget::new(config.timeout, config.connect_timeout);
    let all = async {
        tokio::join!(
            fill(
                &slots[0],
                selected(CheckName::Postgres),
                database(config, budget())
            ),
            fill(
                &slots[1],
                selected(CheckName::Redis),
                probe::redis::probe(&config.redis, budget())
            ),
            fill(&slots[2], selected(CheckName::Jwt), async {
                probe::jwt::probe(&config.jwt)
            }),
        )
    };
    let interrupted = tokio::select! {
        _ = all => false,
        () = interrupt => true,
    };
    let runs = CheckName::ALL
        .iter()
        .zip(&slots)
        .map(|(&name, slot)| ran(name, selected(name), slot.take()))
        .collect();
    Round {
        runs,
        duration: started.elapsed(),
        interrupted,
    }
}

/// The `DATABASE_URL` check: PostgreSQL, or a SQLite file.
async fn database(config: &Config, budget: Budget) -> ProbeOutcome {
    match &config.sqlite {
        Some(sqlite) => probe::sqlite::probe(sqlite),
        None => probe::postgres::probe(&config.postgres, budget).await,
    }
}

/// Runs `probe` only when the check is selected, measures it, and stores
/// the outcome where an interrupted round can still find it.
async fn fill<F>(
    slot: &RefCell<Option<(ProbeOutcome, Duration)>>,
    selected: Option<Selected>,
    probe: F,
) where
    F: Future<Output = ProbeOutcome>,
{
    if selected.is_none() {
        return;
    }
    let started = Instant::now();
    let outcome = probe.await;
    slot.replace(Some((outcome, started.elapsed())));
}

fn ran(
    name: CheckName,
    selected: Option<Selected>,
    result: Option<(ProbeOutcome, Duration)>,
) -> Ran {
    let unfinished = selected.is_some() && result.is_none();
    let (outcome, duration) = result.unwrap_or_default();
    Ran {
        name,
        selected,
        outcome,
        duration,
        unfinished,
    }
}
