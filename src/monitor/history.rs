//! What `serve` remembers between rounds (issue 22): per check, a ring of
//! the last `--history` results (a [`Track`]), and when it started failing
//! and last failed. The ring has a fixed capacity and a check that leaves
//! the configuration takes its track with it, so memory does not grow
//! with uptime. Comparing a round with the previous one also yields the
//! state changes that `serve` logs and counts.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, SystemTime};

use crate::model::{CheckName, Code, Status, StepName};
use crate::report::{CheckReport, Report};

/// Rounds kept per check unless `--history` says otherwise: Gatus' and
/// Uptime Kuma's bars show about as many.
pub(crate) const DEFAULT_HISTORY: usize = 90;

/// The most `--history` accepts: a day of rounds at one a minute. The page
/// draws one cell per round, and beyond this it would no longer be a row.
pub(crate) const MAX_HISTORY: usize = 1440;

/// One round of one check.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cell {
    pub at: SystemTime,
    pub status: Status,
    /// The step and code of a failure (also of a warning that is one).
    pub failure: Option<(StepName, Code)>,
    pub duration_ms: f64,
}

/// One check's remembered rounds, oldest first.
#[derive(Debug, Clone)]
pub(crate) struct Track {
    pub name: CheckName,
    pub cells: VecDeque<Cell>,
    /// When the current run of failed rounds began.
    pub failing_since: Option<SystemTime>,
    /// When the check last failed, even outside the ring.
    pub last_failure: Option<SystemTime>,
}

/// A check's state in a round, when it is the first known or differs from
/// the previous round's: one log line each.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub check: CheckName,
    pub status: Status,
    pub failure: Option<(StepName, Code)>,
    pub duration_ms: f64,
    /// `None` in the first round a check is seen.
    pub was: Option<Status>,
}

/// Every check's [`Track`], bounded by `capacity` rounds each.
#[derive(Debug)]
pub(crate) struct History {
    capacity: usize,
    tracks: BTreeMap<CheckName, Track>,
}

impl History {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.clamp(1, MAX_HISTORY),
            tracks: BTreeMap::new(),
        }
    }

    /// Adds a finished round and returns its state changes. Skipped checks
    /// are not remembered: they did not run.
    pub(crate) fn record(&mut self, report: &Report, at: SystemTime) -> Vec<Change> {
        let ran: Vec<&CheckReport> = report
            .checks
            .iter()
            .filter(|c| c.status != Status::Skip)
            .collect();
        self.tracks
            .retain(|name, _| ran.iter().any(|c| c.name == *name));
        ran.into_iter()
            .filter_map(|check| self.record_check(check, at))
            .collect()
    }

    fn record_check(&mut self, check: &CheckReport, at: SystemTime) -> Option<Change> {
        let cell = Cell {
            at,
            status: check.status,
            failure: check.error.as_ref().map(|e| (e.step, e.code)),
            duration_ms: check.duration_ms,
        };
        let capacity = self.capacity;
        let track = self.tracks.entry(check.name).or_insert_with(|| Track {
            name: check.name,
            cells: VecDeque::with_capacity(capacity),
            failing_since: None,
            last_failure: None,
        });
        let was = track.cells.back().map(|c| c.status);
        track.push(cell, capacity);
        (was != Some(cell.status)).then_some(Change {
            check: check.name,
            status: cell.status,
            failure: cell.failure,
            duration_ms: cell.duration_ms,
            was,
        })
    }

    /// The tracks in the order of `report`'s checks, for a page or a scrape
    /// to read without holding the history.
    pub(crate) fn snapshot(&self, report: &Report) -> Vec<Track> {
        report
            .checks
            .iter()
            .filter_map(|c| self.tracks.get(&c.name).cloned())
            .collect()
    }
}

impl Track {
    fn push(&mut self, cell: Cell, capacity: usize) {
        if self.cells.len() == capacity {
            self.cells.pop_front();
        }
        if cell.status == Status::Fail {
            self.last_failure = Some(cell.at);
            self.failing_since.get_or_insert(cell.at);
        } else {
            self.failing_since = None;
        }
        self.cells.push_back(cell);
    }

    /// The share of remembered rounds that did not fail, in percent (a
    /// warning is up: the check reached its service).
    pub(crate) fn uptime_percent(&self) -> f64 {
        let up = self
            .cells
            .iter()
            .filter(|c| c.status != Status::Fail)
            .count();
        #[allow(clippy::cast_precision_loss, reason = "at most MAX_HISTORY cells")]
        let share = up as f64 / self.cells.len().max(1) as f64;
        share * 100.0
    }

    /// The median and 95th percentile of the remembered durations
    /// (nearest-rank method), `None` before the first round.
    pub(crate) fn latency(&self) -> Option<(Duration, Duration)> {
        let mut ms: Vec<f64> = self.cells.iter().map(|c| c.duration_ms).collect();
        if ms.is_empty() {
            return None;
        }
        ms.sort_by(f64::total_cmp);
        let at = |p: usize| {
            // Nearest rank: the smallest value with at least p % at or below it.
            let rank = (p * ms.len()).div_ceil(100).max(1);
            Duration::from_secs_f64(ms[rank - 1].max(0.0) / 1000.0)
        };
        Some((at(50), at(95)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(status: Status, ms: f64) -> Cell {
        Cell {
            at: SystemTime::UNIX_EPOCH,
            status,
            failure: None,
            duration_ms: ms,
        }
    }

    fn track() -> Track {
        Track {
            name: CheckName::REDIS,
            cells: VecDeque::new(),
            failing_since: None,
            last_failure: None,
        }
    }

    #[test]
    fn the_ring_keeps_its_capacity_and_failure_times() {
        let mut track = track();
        let at = |s| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        for (second, status) in [(1, Status::Pass), (2, Status::Fail), (3, Status::Fail)] {
            track.push(
                Cell {
                    at: at(second),
                    ..cell(status, 1.0)
                },
                2,
            );
        }
        assert_eq!(track.cells.len(), 2);
        assert_eq!(track.failing_since, Some(at(2)));
        assert!(track.uptime_percent().abs() < f64::EPSILON);
        track.push(
            Cell {
                at: at(4),
                ..cell(Status::Warn, 1.0)
            },
            2,
        );
        assert_eq!(track.failing_since, None);
        assert_eq!(track.last_failure, Some(at(3)));
        assert!((track.uptime_percent() - 50.0).abs() < f64::EPSILON);
    }

    #[test]
    fn median_and_p95_by_nearest_rank() {
        let mut track = track();
        assert_eq!(track.latency(), None);
        for ms in (1..=100).rev() {
            track.push(cell(Status::Pass, f64::from(ms)), 100);
        }
        let (median, p95) = track.latency().unwrap();
        assert_eq!(median, Duration::from_millis(50));
        assert_eq!(p95, Duration::from_millis(95));
    }

    #[test]
    fn history_is_bounded() {
        assert_eq!(History::new(0).capacity, 1);
        assert_eq!(History::new(usize::MAX).capacity, MAX_HISTORY);
    }
}
