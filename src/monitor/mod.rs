//! What `railconn serve` shows (issue 14): the latest round of checks, kept
//! in a [`Board`] that the round loop writes and HTTP handlers only read, so
//! a scrape never starts a check. Each view renders that round its own way:
//! Prometheus metrics ([`metrics`]), a health document ([`health`]) and a
//! status page ([`page`]); [`server`] routes requests to them behind the
//! optional bearer token. The board also remembers the last rounds of each
//! check ([`history`]) and counts every round ([`metrics::Tally`]); a
//! published round carries a copy of both, so a view reads one consistent
//! state without holding a lock. [`log`] writes serve's stderr lines.

pub(crate) mod health;
pub(crate) mod history;
pub(crate) mod log;
pub(crate) mod metrics;
pub(crate) mod page;
pub(crate) mod server;

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use self::history::{Change, History, Track};
use self::metrics::Tally;
use crate::report::Report;

/// One finished round of checks.
#[derive(Debug)]
pub(crate) struct Round {
    pub report: Report,
    pub finished: SystemTime,
    /// 1 for the first round since the start.
    pub number: u64,
    /// Each check's remembered rounds, this one last, in the report's order.
    pub history: Vec<Track>,
    /// The counts of every round so far, this one included.
    pub tally: Tally,
}

impl Round {
    /// A round as the round loop finishes it; [`Board::publish`] adds the
    /// history and the counts.
    pub(crate) fn new(report: Report, finished: SystemTime, number: u64) -> Self {
        Self {
            report,
            finished,
            number,
            history: Vec::new(),
            tally: Tally::default(),
        }
    }
}

/// How serve was started, as the views need it.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub interval: Duration,
    /// Results older than this make `/healthz` fail: the round loop is
    /// stuck or far behind.
    pub stale_after: Duration,
    /// Labels on every metric (`railway_environment`, `railway_service`).
    pub labels: Vec<(&'static str, String)>,
    /// Rounds remembered per check (`--history`).
    pub history: usize,
}

impl Settings {
    /// Three intervals plus the longest a round may take (its checks run
    /// concurrently, each under `check_timeout`).
    pub(crate) fn new(interval: Duration, check_timeout: Duration) -> Self {
        Self {
            interval,
            stale_after: interval.saturating_mul(3).saturating_add(check_timeout),
            labels: Vec::new(),
            history: history::DEFAULT_HISTORY,
        }
    }
}

/// The latest round, shared between the round loop and the HTTP handlers.
#[derive(Debug)]
pub(crate) struct Board {
    pub settings: Settings,
    latest: RwLock<Option<Arc<Round>>>,
    history: Mutex<History>,
    tally: Tally,
}

impl Board {
    pub(crate) fn new(settings: Settings) -> Self {
        Self {
            history: Mutex::new(History::new(settings.history)),
            settings,
            latest: RwLock::new(None),
            tally: Tally::default(),
        }
    }

    /// Remembers and counts `round`, then makes it the latest; the previous
    /// one is freed once no request holds it any more. Returns the checks'
    /// state changes, for the log.
    pub(crate) fn publish(&self, mut round: Round) -> Vec<Change> {
        let changes = {
            let mut history = self
                .history
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let changes = history.record(&round.report, round.finished);
            round.history = history.snapshot(&round.report);
            changes
        };
        self.tally.count(&round.report, &changes);
        round.tally = self.tally.clone();
        let round = Arc::new(round);
        // A poisoned lock only means a reader panicked; the data is whole.
        *self
            .latest
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(round);
        changes
    }

    pub(crate) fn latest(&self) -> Option<Arc<Round>> {
        self.latest
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}
