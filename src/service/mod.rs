//! The service kinds railconn checks, one folder each: its URL or settings
//! parsing, its probe, the facts it reads from the server, the advice for
//! its failures, and its `KIND` description. This is the registry:
//! [`Kind::description`] is one line a kind, [`Setup`] and [`Target`] one
//! variant a kind, and every match over kinds is exhaustive, so that the
//! compiler asks a new kind for each answer (ARCHITECTURE.md, "Adding a
//! service kind"; `boundary.rs` holds the line).

pub(crate) mod amqp;
#[cfg(test)]
mod boundary;
pub(crate) mod jwt;
pub(crate) mod mysql;
pub(crate) mod postgres;
pub(crate) mod redis;
pub(crate) mod setting;
pub(crate) mod sqlite;

use std::net::IpAddr;

use crate::i18n::Advice;
use crate::i18n::Message;
use crate::model::{Code, Gauge, Origin, Parts, ProbeOutcome, Provenance, StepName, Variable};
use crate::net::Budget;
use crate::source::secret::Secret;

use self::amqp::url::AmqpTarget;
use self::jwt::settings::JwtSettings;
use self::mysql::url::MysqlTarget;
use self::postgres::url::PgTarget;
use self::redis::url::RedisTarget;
use self::setting::Setting;
use self::sqlite::url::SqliteTarget;

// The kind's name (the enum, `ALL`, `as_str`) is in `model`; here the
// registry's answers for each kind, read from its description.
pub(crate) use crate::model::Kind;

/// What a kind says of itself, from its own folder (`KIND` in each
/// `src/service/<kind>/mod.rs`): the registry's answers read from it.
pub(crate) struct Description {
    /// Whether a variable holding a URL with this (lowercase) scheme is a
    /// check of this kind (discovery, `config/scan.rs`; `--target`).
    pub is_scheme: fn(&str) -> bool,
    /// Whether a scheme (before any `+`) is of the kind's family but not a
    /// URL its reference driver reads (`redis+sentinel://`): such a URL is
    /// named in the report as not checked.
    pub is_unread_scheme: fn(&str) -> bool,
    /// The layers a check of this kind climbs, in order.
    pub steps: &'static [StepName],
    /// Cause and fix for a failure with a code at a step; the failure's
    /// message narrows the cause (a per-role limit rather than
    /// `max_connections`).
    pub advise: fn(StepName, Code, &Message) -> Option<Advice>,
    /// Whether a failure with a code may heal by waiting (for `wait`): the
    /// hook where a kind overrides the code's default (issue 9).
    pub can_heal: fn(Code) -> bool,
    /// The numbers a check of this kind reads, which `serve` exports.
    pub gauges: &'static [&'static Gauge],
}

impl Kind {
    /// The registry: each kind's description, one line a kind.
    pub(crate) fn description(self) -> &'static Description {
        match self {
            Kind::Postgresql => &postgres::KIND,
            Kind::Sqlite => &sqlite::KIND,
            Kind::Redis => &redis::KIND,
            Kind::Mysql => &mysql::KIND,
            Kind::Amqp => &amqp::KIND,
            Kind::Jwt => &jwt::KIND,
        }
    }

    /// Whether a variable holding a URL with this (lowercase) scheme is a
    /// check of this kind (discovery, `config/scan.rs`).
    pub(crate) fn is_scheme_of(self, scheme: &str) -> bool {
        (self.description().is_scheme)(scheme)
    }

    /// Whether a URL with this scheme base is of the kind's family but one
    /// railconn does not check (discovery lists it as not checked).
    pub(crate) fn is_unread_scheme_of(self, base: &str) -> bool {
        (self.description().is_unread_scheme)(base)
    }

    /// The layers a check of this kind climbs, in order.
    pub(crate) fn steps(self) -> &'static [StepName] {
        self.description().steps
    }

    /// Whether a failure with `code` may heal by waiting (for `wait`):
    /// the code's default, unless the kind knows better.
    pub(crate) fn can_heal(self, code: Code) -> bool {
        (self.description().can_heal)(code)
    }

    /// Cause and fix for a failure with `code` at `step` (a provider's own
    /// words, from `provider::table`, come first; see `diagnose`). `said`
    /// is the failure's message: what the server said can narrow the cause.
    pub(crate) fn advise(self, step: StepName, code: Code, said: &Message) -> Option<Advice> {
        (self.description().advise)(step, code, said)
    }
}

/// What configuration made of one check: its kind's target, owned. A
/// `Config` is a list of these (the default checks included); every answer
/// that depends on the kind is asked here, so that no room above names a
/// kind's own types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Setup {
    Postgresql(Setting<PgTarget>),
    /// A SQLite `DATABASE_URL`: it takes the database check's place.
    Sqlite(SqliteTarget),
    Redis(Setting<RedisTarget>),
    /// MySQL or MariaDB: the database check when `DATABASE_URL` holds a
    /// MySQL URL, or a check of its own.
    Mysql(Setting<MysqlTarget>),
    Amqp(Setting<AmqpTarget>),
    Jwt(JwtSettings),
}

impl Setup {
    /// The target a probe reads.
    pub(crate) fn target(&self) -> Target<'_> {
        match self {
            Setup::Postgresql(setting) => Target::Postgresql(setting),
            Setup::Sqlite(target) => Target::Sqlite(target),
            Setup::Redis(setting) => Target::Redis(setting),
            Setup::Mysql(setting) => Target::Mysql(setting),
            Setup::Amqp(setting) => Target::Amqp(setting),
            Setup::Jwt(settings) => Target::Jwt(settings),
        }
    }

    pub(crate) fn kind(&self) -> Kind {
        self.target().kind()
    }

    /// Where a URL target's value came from.
    pub(crate) fn source(&self) -> Option<&Provenance> {
        self.target().source()
    }

    /// The places every value of the check came from (a `.env` file's
    /// hygiene is judged by them).
    pub(crate) fn origins(&self) -> Vec<&Origin> {
        match self {
            Setup::Jwt(jwt) => jwt
                .secret
                .as_ref()
                .or(jwt.private_key.as_ref())
                .map(|v| vec![&v.origin])
                .unwrap_or_default(),
            Setup::Postgresql(_)
            | Setup::Sqlite(_)
            | Setup::Redis(_)
            | Setup::Mysql(_)
            | Setup::Amqp(_) => self.source().map(Provenance::origins).unwrap_or_default(),
        }
    }

    /// Names one more variable holding the same value.
    pub(crate) fn add_source(&mut self, also: Variable) {
        match self {
            Setup::Postgresql(setting) => setting.add_source(also),
            Setup::Redis(setting) => setting.add_source(also),
            Setup::Mysql(setting) => setting.add_source(also),
            Setup::Amqp(setting) => setting.add_source(also),
            Setup::Sqlite(_) | Setup::Jwt(_) => {}
        }
    }

    /// The first variable an unset URL check was looked for in.
    pub(crate) fn missing_from(&self) -> Option<&'static str> {
        match self {
            Setup::Postgresql(Setting::Missing { vars, .. })
            | Setup::Redis(Setting::Missing { vars, .. })
            | Setup::Mysql(Setting::Missing { vars, .. })
            | Setup::Amqp(Setting::Missing { vars, .. }) => vars.first().copied(),
            Setup::Postgresql(_)
            | Setup::Redis(_)
            | Setup::Mysql(_)
            | Setup::Amqp(_)
            | Setup::Sqlite(_)
            | Setup::Jwt(_) => None,
        }
    }

    /// Dials the addresses `pinned` gives for the target's host and port
    /// (`--resolve`).
    pub(crate) fn pin(&mut self, pinned: impl Fn(&str, u16) -> Vec<IpAddr>) {
        match self {
            Setup::Postgresql(Setting::Ready { target, .. }) => {
                target.dial = pinned(&target.host, target.port);
            }
            Setup::Redis(Setting::Ready { target, .. }) => {
                target.dial = pinned(&target.host, target.port);
            }
            Setup::Mysql(Setting::Ready { target, .. }) => {
                target.dial = pinned(&target.host, target.port);
            }
            Setup::Amqp(Setting::Ready { target, .. }) => {
                target.dial = pinned(&target.host, target.port);
            }
            Setup::Postgresql(_)
            | Setup::Redis(_)
            | Setup::Mysql(_)
            | Setup::Amqp(_)
            | Setup::Sqlite(_)
            | Setup::Jwt(_) => {}
        }
    }

    /// The redacted URL, host and parsed parts of a ready URL target.
    pub(crate) fn shown(&self) -> Option<(&str, &str, Parts)> {
        match self {
            Setup::Postgresql(s) => s
                .target()
                .map(|t| (t.redacted.as_str(), t.host.as_str(), t.parts())),
            Setup::Redis(s) => s
                .target()
                .map(|t| (t.redacted.as_str(), t.host.as_str(), t.parts())),
            Setup::Mysql(s) => s
                .target()
                .map(|t| (t.redacted.as_str(), t.host.as_str(), t.parts())),
            Setup::Amqp(s) => s
                .target()
                .map(|t| (t.redacted.as_str(), t.host.as_str(), t.parts())),
            Setup::Sqlite(_) | Setup::Jwt(_) => None,
        }
    }

    /// What `env` shows the check dials: the redacted URL, the SQLite
    /// file, the JWT algorithm, or why there is none.
    pub(crate) fn dialed_words(&self) -> Message {
        match self {
            Setup::Postgresql(s) => url_words(s, |t| &t.redacted),
            Setup::Redis(s) => url_words(s, |t| &t.redacted),
            Setup::Mysql(s) => url_words(s, |t| &t.redacted),
            Setup::Amqp(s) => url_words(s, |t| &t.redacted),
            Setup::Sqlite(sqlite) => crate::i18n::msg::verbatim(sqlite.url.clone()),
            Setup::Jwt(settings) => jwt::probe::target(settings),
        }
    }

    /// Where `env` says the check's value came from: a SQLite file's URL
    /// variable, a JWT check's algorithm variable (or the default).
    pub(crate) fn shown_source(&self) -> Option<Provenance> {
        match self {
            Setup::Postgresql(_) | Setup::Redis(_) | Setup::Mysql(_) | Setup::Amqp(_) => {
                self.source().cloned()
            }
            Setup::Sqlite(sqlite) => Some(sqlite.source.clone()),
            Setup::Jwt(settings) => Some(
                settings
                    .algorithm
                    .as_ref()
                    .map_or(Provenance::Default, |a| {
                        Provenance::variable(a.name, a.origin.clone())
                    }),
            ),
        }
    }

    /// The redacted URL of a Redis target (its query survives redaction;
    /// ioredis reads `family` from it).
    pub(crate) fn redis_url(&self) -> Option<&str> {
        match self {
            Setup::Redis(s) => s.target().map(|t| t.redacted.as_str()),
            Setup::Postgresql(_)
            | Setup::Mysql(_)
            | Setup::Amqp(_)
            | Setup::Sqlite(_)
            | Setup::Jwt(_) => None,
        }
    }

    /// The host, port and `--resolve` addresses the check dials.
    pub(crate) fn dialed(&self) -> Option<(&str, u16, &[IpAddr])> {
        match self {
            Setup::Postgresql(s) => s
                .target()
                .map(|t| (t.host.as_str(), t.port, t.dial.as_slice())),
            Setup::Redis(s) => s
                .target()
                .map(|t| (t.host.as_str(), t.port, t.dial.as_slice())),
            Setup::Mysql(s) => s
                .target()
                .map(|t| (t.host.as_str(), t.port, t.dial.as_slice())),
            Setup::Amqp(s) => s
                .target()
                .map(|t| (t.host.as_str(), t.port, t.dial.as_slice())),
            Setup::Sqlite(_) | Setup::Jwt(_) => None,
        }
    }

    /// The password of a usable URL target.
    pub(crate) fn password(&self) -> Option<&str> {
        match self {
            Setup::Postgresql(s) => s.target().and_then(|t| t.password.as_ref()),
            Setup::Redis(s) => s.target().and_then(|t| t.password.as_ref()),
            Setup::Mysql(s) => s.target().and_then(|t| t.password.as_ref()),
            // guest/guest by default: the well-known password is no secret.
            Setup::Amqp(s) => s
                .target()
                .filter(|t| !t.default_credentials)
                .map(|t| &t.password),
            Setup::Sqlite(_) | Setup::Jwt(_) => None,
        }
        .map(Secret::expose)
    }

    /// Every secret value of the check, for masking what servers and
    /// libraries echo back.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        match self {
            Setup::Postgresql(_) | Setup::Redis(_) | Setup::Mysql(_) | Setup::Amqp(_) => {
                self.password().into_iter().collect()
            }
            Setup::Jwt(jwt) => jwt.secret.iter().map(|s| s.value.expose()).collect(),
            Setup::Sqlite(sqlite) => sqlite.passphrase.iter().map(Secret::expose).collect(),
        }
    }

    /// What the report shows of the target anyway (user, host, database),
    /// so that a secret equal to one of them is not taken for an echo.
    pub(crate) fn public_words(&self) -> Vec<&str> {
        let mut words = Vec::new();
        match self {
            Setup::Postgresql(s) => {
                if let Some(t) = s.target() {
                    words.extend([t.redacted.as_str(), t.host.as_str()]);
                    words.extend(t.user.as_deref());
                    words.extend(t.dbname.as_deref());
                }
            }
            Setup::Redis(s) => {
                if let Some(t) = s.target() {
                    words.extend([t.redacted.as_str(), t.host.as_str()]);
                    words.extend(t.username.as_deref());
                }
            }
            Setup::Mysql(s) => {
                if let Some(t) = s.target() {
                    words.extend([t.redacted.as_str(), t.host.as_str(), t.user.as_str()]);
                    words.extend(t.database.as_deref());
                }
            }
            Setup::Amqp(s) => {
                if let Some(t) = s.target() {
                    words.extend([t.redacted.as_str(), t.host.as_str()]);
                    words.extend([t.user.as_str(), t.vhost.as_str()]);
                }
            }
            Setup::Sqlite(_) | Setup::Jwt(_) => {}
        }
        words
    }

    /// Whether the target dials this machine's loopback.
    pub(crate) fn is_loopback(&self) -> bool {
        match self {
            Setup::Postgresql(s) => s.target().is_some_and(PgTarget::is_loopback),
            Setup::Redis(s) => s.target().is_some_and(RedisTarget::is_loopback),
            Setup::Mysql(s) => s.target().is_some_and(MysqlTarget::is_loopback),
            Setup::Amqp(s) => s.target().is_some_and(AmqpTarget::is_loopback),
            Setup::Sqlite(_) | Setup::Jwt(_) => false,
        }
    }
}

/// A URL setting as `env` shows it: redacted, or why it is not usable.
fn url_words<T>(setting: &Setting<T>, redacted: fn(&T) -> &String) -> Message {
    match setting {
        Setting::Ready { target, .. } => crate::i18n::msg::verbatim(redacted(target).clone()),
        Setting::Invalid { source, .. } => crate::service::setting::target_invalid(source),
        Setting::Missing { vars, .. } => crate::service::setting::target_missing(vars),
    }
}

/// What one check probes: a target of one of the kinds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'a> {
    Postgresql(&'a Setting<PgTarget>),
    Sqlite(&'a SqliteTarget),
    Redis(&'a Setting<RedisTarget>),
    Mysql(&'a Setting<MysqlTarget>),
    Amqp(&'a Setting<AmqpTarget>),
    Jwt(&'a JwtSettings),
}

impl<'a> Target<'a> {
    pub(crate) fn kind(self) -> Kind {
        match self {
            Target::Postgresql(_) => Kind::Postgresql,
            Target::Sqlite(_) => Kind::Sqlite,
            Target::Redis(_) => Kind::Redis,
            Target::Mysql(_) => Kind::Mysql,
            Target::Amqp(_) => Kind::Amqp,
            Target::Jwt(_) => Kind::Jwt,
        }
    }

    /// Where a URL target's value came from.
    pub(crate) fn source(self) -> Option<&'a Provenance> {
        match self {
            Target::Postgresql(setting) => setting.source(),
            Target::Redis(setting) => setting.source(),
            Target::Mysql(setting) => setting.source(),
            Target::Amqp(setting) => setting.source(),
            Target::Sqlite(_) | Target::Jwt(_) => None,
        }
    }

    /// Runs the kind's probe within `budget`.
    pub(crate) async fn probe(self, budget: Budget) -> ProbeOutcome {
        match self {
            Target::Postgresql(setting) => postgres::probe::probe(setting, budget).await,
            Target::Sqlite(target) => sqlite::probe::probe(target),
            Target::Redis(setting) => redis::probe::probe(setting, budget).await,
            Target::Mysql(setting) => mysql::probe::probe(setting, budget).await,
            Target::Amqp(setting) => amqp::probe::probe(setting, budget).await,
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
