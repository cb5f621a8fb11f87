//! The service kinds railconn checks, one folder each: its URL or settings
//! parsing, its probe, the facts it reads from the server, and the advice
//! for its failures. [`Kind`] is the registry that lists them; adding a
//! kind is its folder plus one line in [`Kind::ALL`] and the match arms
//! that the compiler then asks for.

#[allow(
    dead_code,
    reason = "its registry line waits for the reshape of issue 19"
)]
pub(crate) mod amqp;
pub(crate) mod jwt;
pub(crate) mod postgres;
pub(crate) mod redis;
pub(crate) mod setting;
pub(crate) mod sqlite;

use crate::i18n::Message;
use crate::model::{Code, ProbeOutcome, Provenance, StepName};
use crate::net::Budget;
use crate::words::Advice;

use self::jwt::settings::JwtSettings;
use self::postgres::url::PgTarget;
use self::redis::url::RedisTarget;
use self::setting::Setting;
use self::sqlite::url::SqliteTarget;

// The kind's name (the enum, `ALL`, `as_str`) is in `model`; here the
// registry's answers for each kind.
pub(crate) use crate::model::Kind;

impl Kind {
    /// Whether a variable holding a URL with this (lowercase) scheme is a
    /// check of this kind (discovery, `config/scan.rs`).
    pub(crate) fn is_scheme_of(self, scheme: &str) -> bool {
        match self {
            // SQLAlchemy's and asyncpg's `postgresql+asyncpg://` name the
            // driver after a `+`: still a PostgreSQL URL.
            Kind::Postgresql => matches!(scheme.split('+').next(), Some("postgres" | "postgresql")),
            // `redis+sentinel://` and the like are not URLs redis-rs reads.
            Kind::Redis => matches!(scheme, "redis" | "rediss"),
            // A SQLite DATABASE_URL stays the postgres check; JWT has no URL.
            Kind::Sqlite | Kind::Jwt => false,
        }
    }

    /// The layers a check of this kind climbs, in order.
    pub(crate) fn steps(self) -> &'static [StepName] {
        use StepName::{Auth, Config, Dns, Key, Ping, Query, Roundtrip, Tcp, Tls};
        match self {
            // A SQLite DATABASE_URL keeps the database check's ladder.
            Kind::Postgresql | Kind::Sqlite => &[Config, Dns, Tcp, Tls, Auth, Query],
            Kind::Redis => &[Config, Dns, Tcp, Tls, Auth, Ping],
            Kind::Jwt => &[Config, Key, Roundtrip],
        }
    }

    /// Whether a failure with `code` may heal by waiting (for `wait`):
    /// the code's default, unless the kind knows better.
    #[expect(
        clippy::unused_self,
        reason = "the hook where a kind overrides the code's default (issue 9); none does yet"
    )]
    pub(crate) fn can_heal(self, code: Code) -> bool {
        code.can_heal()
    }

    /// Cause and fix for a failure with `code` at `step` (a provider's own
    /// words, from `provider::table`, come first; see `diagnose`). `said` is the failure's message: what the server said can narrow
    /// the cause (a per-role limit rather than `max_connections`).
    pub(crate) fn advise(self, step: StepName, code: Code, said: &Message) -> Option<Advice> {
        match self {
            // A SQLite DATABASE_URL stands in the database's place: the
            // remedies that apply are the database's.
            Kind::Postgresql | Kind::Sqlite => postgres::advice::advise(step, code, said),
            Kind::Redis => redis::advice::advise(step, code, said),
            Kind::Jwt => jwt::advice::advise(code),
        }
    }
}

/// What one check probes: a target of one of the kinds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'a> {
    Postgresql(&'a Setting<PgTarget>),
    Sqlite(&'a SqliteTarget),
    Redis(&'a Setting<RedisTarget>),
    Jwt(&'a JwtSettings),
}

impl<'a> Target<'a> {
    pub(crate) fn kind(self) -> Kind {
        match self {
            Target::Postgresql(_) => Kind::Postgresql,
            Target::Sqlite(_) => Kind::Sqlite,
            Target::Redis(_) => Kind::Redis,
            Target::Jwt(_) => Kind::Jwt,
        }
    }

    /// Where a PostgreSQL or Redis target's value came from.
    pub(crate) fn source(self) -> Option<&'a Provenance> {
        match self {
            Target::Postgresql(setting) => setting.source(),
            Target::Redis(setting) => setting.source(),
            Target::Sqlite(_) | Target::Jwt(_) => None,
        }
    }

    /// Runs the kind's probe within `budget`.
    pub(crate) async fn probe(self, budget: Budget) -> ProbeOutcome {
        match self {
            Target::Postgresql(setting) => postgres::probe::probe(setting, budget).await,
            Target::Sqlite(target) => sqlite::probe::probe(target),
            Target::Redis(setting) => redis::probe::probe(setting, budget).await,
            Target::Jwt(settings) => jwt::probe::probe(settings),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report schema lists every kind of the registry, and only those.
    #[test]
    fn the_schema_lists_every_kind() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../schema/report.schema.json")).unwrap();
        let listed = schema["$defs"]["check"]["properties"]["kind"]["enum"]
            .as_array()
            .expect("the check's kind is an enum in the schema")
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect::<Vec<_>>();
        let registry: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(listed, registry);
    }
}
