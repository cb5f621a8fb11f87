//! What `railconn serve` shows (issue 14): the latest round of checks, kept
//! in a [`Board`] that the round loop writes and HTTP handlers only read, so
//! a scrape never starts a check. Each view renders that round its own way:
//! Prometheus metrics ([`metrics`]), a health document ([`health`]) and a
//! status page ([`page`]); [`server`] routes requests to them behind the
//! optional bearer token.

pub(crate) mod health;
pub(crate) mod metrics;
pub(crate) mod page;
pub(crate) mod server;

use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use crate::report::Report;

/// One finished round of checks.
#[derive(Debug)]
pub(crate) struct Round {
    pub report: Report,
    pub finished: SystemTime,
    /// 1 for the first round since the start.
    pub number: u64,
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
}

impl Settings {
    /// Three intervals plus the longest a round may take (its checks run
    /// concurrently, each under `check_timeout`).
    pub(crate) fn new(interval: Duration, check_timeout: Duration) -> Self {
        Self {
            interval,
            stale_after: interval.saturating_mul(3).saturating_add(check_timeout),
            labels: Vec::new(),
        }
    }
}

/// The latest round, shared between the round loop and the HTTP handlers.
#[derive(Debug)]
pub(crate) struct Board {
    pub settings: Settings,
    latest: RwLock<Option<Arc<Round>>>,
}

impl Board {
    pub(crate) fn new(settings: Settings) -> Self {
        Self {
            settings,
            latest: RwLock::new(None),
        }
    }

    /// Replaces the latest round; the previous one is freed once no
    /// request holds it any more.
    pub(crate) fn publish(&self, round: Round) {
        let round = Arc::new(round);
        // A poisoned lock only means a reader panicked; the data is whole.
        *self
            .latest
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(round);
    }

    pub(crate) fn latest(&self) -> Option<Arc<Round>> {
        self.latest
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}
