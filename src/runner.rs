//! Runs the selected checks concurrently — the only concurrent part of
//! railconn — each under its own deadline, and times each one. The wall
//! time of a run is that of the slowest check, not the sum.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::config::{Config, Selected};
use crate::diagnose::Ran;
use crate::probe::{self, Budget, CheckName, ProbeOutcome};

pub async fn run(config: &Config) -> Vec<Ran> {
    let selection = config.selection.resolve();
    let selected = |name: CheckName| {
        selection
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, s)| s.clone())
    };
    let budget = || Budget::new(config.timeout, config.connect_timeout);
    let (postgres, redis, jwt) = tokio::join!(
        timed(
            selected(CheckName::Postgres),
            probe::postgres::probe(&config.postgres, budget())
        ),
        timed(
            selected(CheckName::Redis),
            probe::redis::probe(&config.redis, budget())
        ),
        timed(selected(CheckName::Jwt), async {
            probe::jwt::probe(&config.jwt)
        }),
    );
    vec![
        ran(CheckName::Postgres, selected(CheckName::Postgres), postgres),
        ran(CheckName::Redis, selected(CheckName::Redis), redis),
        ran(CheckName::Jwt, selected(CheckName::Jwt), jwt),
    ]
}

/// Runs `probe` only when the check is selected, and measures it.
async fn timed<F>(selected: Option<Selected>, probe: F) -> Option<(ProbeOutcome, Duration)>
where
    F: Future<Output = ProbeOutcome>,
{
    selected?;
    let started = Instant::now();
    let outcome = probe.await;
    Some((outcome, started.elapsed()))
}

fn ran(
    name: CheckName,
    selected: Option<Selected>,
    result: Option<(ProbeOutcome, Duration)>,
) -> Ran {
    let (outcome, duration) = result.unwrap_or_default();
    Ran {
        name,
        selected,
        outcome,
        duration,
    }
}
