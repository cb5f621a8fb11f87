//! What the PostgreSQL check learns in its one query: version, database,
//! user, whether writes are possible, connection headroom, and whether the
//! app's tables exist. One round trip with the simple query protocol (no
//! Parse/Describe, safe through transaction-mode poolers); the numbers come
//! from settings and catalogs every role may read.

use std::time::Instant;

use crate::i18n::msg;
use crate::model::{Code, FindingCode};
use crate::model::{Failure, Finding, Gauge, Ladder, StepName};

use super::messages;

/// `reserved_connections` exists from PostgreSQL 16 on; `missing_ok`
/// (the second argument) makes it NULL before that.
///
/// The query runs in a backend that has just started, whose catalog caches
/// are empty, so its cost is parsing, rewriting and planning rather than
/// rows — and it is server time on the check's last flight, which the
/// round-trip floor of issue 24 has no room for. Measured in fresh
/// backends of PostgreSQL 15 with `log_parser_stats`, `log_planner_stats`
/// and `log_executor_stats` (`bench/pg-facts`, medians of 15–21):
///
/// - three subqueries over `pg_stat_activity` rewrote and planned the
///   view three times: 3.9 ms; its three counts as aggregate filters over
///   one scan: 2.3 ms;
/// - the view itself is a large rule (`pg_stat_get_activity(NULL)` joined
///   with `pg_database` and `pg_authid` for names, `system_views.sql`), of
///   which the counts need nothing: the function, filtered by the oids of
///   the current role and database, 1.6 ms (`SELECT 1`: 0.15 ms);
/// - the table count needs no join with `pg_namespace`: user tables are
///   `r`/`p` outside `pg_catalog` and `information_schema` (TOAST tables
///   are `t`, so `pg_toast` needs no filter).
///
/// The function is what the view reads, executable by `PUBLIC` like the
/// view is readable; a role an administrator denied it (function
/// privileges are checked for the caller, through the view too) gets the
/// basic facts and the note why. `to_regrole(quote_ident(…))` reads any
/// role name, quoted or not.
pub(crate) const SQL: &str = "SELECT current_setting('server_version'), current_database(), current_user, \
     pg_is_in_recovery(), current_setting('default_transaction_read_only'), \
     current_setting('max_connections'), current_setting('superuser_reserved_connections'), \
     current_setting('reserved_connections', true), a.clients, \
     (SELECT count(*) FROM pg_class WHERE relkind IN ('r', 'p') \
      AND relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)), \
     current_setting('is_superuser'), \
     (SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user), a.mine, \
     (SELECT datconnlimit FROM pg_database WHERE datname = current_database()), a.here \
     FROM (SELECT count(*) AS clients, \
     count(*) FILTER (WHERE usesysid = to_regrole(quote_ident(current_user))) AS mine, \
     count(*) FILTER (WHERE datid = (SELECT oid FROM pg_database WHERE datname = current_database())) AS here \
     FROM pg_stat_get_activity(NULL) WHERE backend_type = 'client backend') a";

/// The facts any role can read, for when the full query is denied.
pub(crate) const BASIC_SQL: &str = "SELECT current_setting('server_version'), current_database(), current_user, \
     pg_is_in_recovery(), current_setting('default_transaction_read_only')";

/// Whether the full query failed for lack of rights on the catalogs
/// (insufficient privilege, undefined table or function on poolers and
/// forks), rather than because the database is unusable.
pub(crate) fn is_denied(sqlstate: &str) -> bool {
    matches!(sqlstate, "42501" | "42P01" | "42883")
}

/// Share of usable connection slots in use that draws a warning, and that
/// fails the check (the next deploy's pool will not fit).
const WARN_USAGE: f64 = 0.80;
const FAIL_USAGE: f64 = 0.95;

/// A per-role or per-database connection limit and its use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OwnLimit {
    pub scope: LimitScope,
    pub used: u64,
    pub limit: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimitScope {
    Role,
    Database,
}

/// What the facts query found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Facts {
    pub version: String,
    pub database: String,
    pub user: String,
    pub read_only: bool,
    /// `pg_is_in_recovery()`: a standby (what libpq's `in_hot_standby`
    /// reports from PostgreSQL 14 on).
    pub standby: bool,
    /// Client connections in use and slots available to the checked role
    /// (a superuser may use the reserved slots too).
    pub connections: Option<(u64, u64)>,
    /// A tighter limit of the role (`rolconnlimit`) or the database
    /// (`datconnlimit`), with the connections it counts; superusers are
    /// exempt from both (postinit.c).
    pub own_limit: Option<OwnLimit>,
    pub user_tables: Option<u64>,
}

/// The facts from the query's first row, its cells in text format.
pub(crate) fn parse(row: &[Option<String>]) -> Facts {
    // get: a peer that returns fewer columns must not panic us.
    let cell = |i: usize| row.get(i).and_then(Option::as_deref);
    let text = |i: usize| cell(i).unwrap_or_default().to_string();
    let number = |i: usize| cell(i).and_then(|v| v.parse::<u64>().ok());
    // A superuser (Railway's `postgres`) may also use the reserved slots.
    let superuser = text(10) == "on";
    let reserved = if superuser {
        0
    } else {
        number(6).unwrap_or(0) + number(7).unwrap_or(0)
    };
    let usable = number(5).map(|max| max.saturating_sub(reserved));
    // -1 (no limit) does not parse as u64: only real limits remain.
    let own = |scope, limit: usize, used: usize| {
        Some(OwnLimit {
            scope,
            used: number(used)?,
            limit: number(limit)?,
        })
    };
    let own_limit = [
        own(LimitScope::Role, 11, 12),
        own(LimitScope::Database, 13, 14),
    ]
    .into_iter()
    .flatten()
    .filter(|_| !superuser)
    .min_by_key(|l| l.limit.saturating_sub(l.used));
    Facts {
        version: text(0),
        database: text(1),
        user: text(2),
        read_only: text(3) == "t" || text(4) == "on",
        standby: text(3) == "t",
        connections: number(8).zip(usable),
        user_tables: number(9),
        own_limit,
    }
}

/// Records the query step: read-only and exhausted connections fail it;
/// tight headroom and an empty database are findings.
/// PgBouncer's usual port, and Supavisor's transaction-mode port: behind a
/// pooler, a full `max_connections` is by design, not a problem ahead.
const POOLER_PORTS: &[u16] = &[6432, 6543];

/// `serve`'s gauges of the PostgreSQL check.
pub(crate) const CONNECTIONS: Gauge = Gauge {
    name: "postgres_connections",
    help: "PostgreSQL client connections in use",
};
pub(crate) const CONNECTIONS_ALLOWED: Gauge = Gauge {
    name: "postgres_connections_allowed",
    help: "PostgreSQL connection slots the checked role may use (max_connections minus the reserved slots; a superuser may use those too)",
};
pub(crate) const GAUGES: &[&Gauge] = &[&CONNECTIONS, &CONNECTIONS_ALLOWED];

/// `wants_read_only`: the driver asked for a read-only session or a
/// standby (`target_session_attrs`), so a read-only server is no failure.
pub(crate) fn record(
    facts: &Facts,
    (port, wants_read_only): (u16, bool),
    started: Instant,
    ladder: &mut Ladder,
) {
    let pooled = POOLER_PORTS.contains(&port);
    let readings = ladder.readings();
    readings.set(&CONNECTIONS, facts.connections.map(|c| c.0));
    readings.set(&CONNECTIONS_ALLOWED, facts.connections.map(|c| c.1));
    let detail = messages::pg_query_detail(&facts.version, &facts.database, &facts.user);
    if facts.read_only && !wants_read_only {
        let failure = Failure::new(Code::ReadOnly, messages::pg_read_only(&detail));
        return ladder.fail(StepName::Query, Some(started), failure);
    }
    if let Some((used, usable)) = facts.connections {
        let share = if usable == 0 {
            1.0
        } else {
            used as f64 / usable as f64
        };
        if share >= FAIL_USAGE && !pooled {
            let failure = Failure::new(Code::TooManyConnections, msg::pg_connections(used, usable));
            return ladder.fail(StepName::Query, Some(started), failure);
        }
        if share >= WARN_USAGE {
            ladder.finding(Finding::warn(
                FindingCode::ConnectionHeadroom,
                msg::pg_connections(used, usable),
            ));
        }
    }
    if let Some(own) = &facts.own_limit {
        let tight = own.limit.saturating_sub(own.used)
            < facts
                .connections
                .map_or(u64::MAX, |(used, usable)| usable.saturating_sub(used));
        let share = if own.limit == 0 {
            1.0
        } else {
            own.used as f64 / own.limit as f64
        };
        if tight && share >= WARN_USAGE {
            let message =
                messages::pg_own_limit(own.scope == LimitScope::Role, own.used, own.limit);
            if share >= FAIL_USAGE && !pooled {
                let failure = Failure::new(Code::TooManyConnections, message);
                return ladder.fail(StepName::Query, Some(started), failure);
            }
            ladder.finding(Finding::warn(FindingCode::ConnectionHeadroom, message));
        }
    }
    if facts.user_tables == Some(0) {
        ladder.finding(Finding::warn(
            FindingCode::NoTables,
            messages::pg_no_tables(&facts.database),
        ));
    }
    ladder.pass(
        StepName::Query,
        started,
        messages::pg_facts_detail(&detail, facts.connections),
    );
}
