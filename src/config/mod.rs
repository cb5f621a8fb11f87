//! Configuration: command line + environment + `.env` files → [`Config`].
//!
//! This is the only place that combines the three sources. Precedence:
//! a command-line flag, then the process environment, then `.env` files
//! (see `source.rs`). Invalid or missing targets are not errors here: they
//! become a failed `config` step in the report, so one bad URL does not
//! hide what the other checks would have found.

pub(crate) mod discover;
pub(crate) mod hygiene;
pub(crate) mod normalize;

use std::net::IpAddr;
use std::time::Duration;

use crate::i18n::{Message, msg};
use crate::model::{CheckName, Finding};
use crate::service::Target;
use crate::service::jwt::settings::JwtSettings;
use crate::service::postgres::url::{self as postgres, PgTarget};
use crate::service::redis::url::{self as redis, RedisTarget};
use crate::service::setting::Setting;
use crate::service::sqlite::url as sqlite;
use crate::source::EnvSource;
use crate::source::secret::Secret;
use crate::source::url::UrlError;

/// URL variables, first set wins. `*_PRIVATE_URL` are the names Railway
/// used before October 2024; `--public` checks the TCP-proxy variants.
pub(crate) const DATABASE_URL_VARS: &[&str] = &["DATABASE_URL", "DATABASE_PRIVATE_URL"];
pub(crate) const DATABASE_PUBLIC_URL_VARS: &[&str] = &["DATABASE_PUBLIC_URL"];
pub(crate) const REDIS_URL_VARS: &[&str] = &["REDIS_URL", "REDIS_PRIVATE_URL"];
pub(crate) const REDIS_PUBLIC_URL_VARS: &[&str] = &["REDIS_PUBLIC_URL"];

/// One check to run, with whether its failure fails the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Selected {
    pub name: CheckName,
    pub required: bool,
}

/// Which checks run and how their results gate the deploy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Selection {
    pub only: Vec<CheckName>,
    pub skip: Vec<CheckName>,
    pub optional: Vec<CheckName>,
}

impl Selection {
    /// Every check in report order, `None` when it is not run.
    pub(crate) fn resolve(&self) -> Vec<(CheckName, Option<Selected>)> {
        CheckName::ALL
            .iter()
            .map(|&name| {
                let runs = (self.only.is_empty() || self.only.contains(&name))
                    && !self.skip.contains(&name);
                let selected = runs.then(|| Selected {
                    name,
                    required: !self.optional.contains(&name),
                });
                (name, selected)
            })
            .collect()
    }
}

/// Everything a run needs, resolved and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Config {
    pub postgres: Setting<PgTarget>,
    pub redis: Setting<RedisTarget>,
    pub jwt: JwtSettings,
    pub selection: Selection,
    /// Deadline of each check.
    pub timeout: Duration,
    /// Bound on DNS and on each TCP connect.
    pub connect_timeout: Duration,
    /// Warnings fail the gate.
    pub strict: bool,
    /// Findings from the configuration itself (hygiene), per check.
    pub notes: Vec<hygiene::Note>,
    /// Set when `DATABASE_URL` names SQLite; `postgres` is then `Missing`.
    pub sqlite: Option<sqlite::SqliteTarget>,
    /// What the environment says about where the app runs (for provider
    /// rules that host names cannot decide).
    pub hints: crate::provider::Hints,
    /// The app's drivers and the rules they changed the targets by
    /// (issue 11); empty until `driver::apply`.
    pub(crate) drivers: crate::driver::Drivers,
}

/// One check of a run: its name, whether it runs and gates, and what it
/// probes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Check<'a> {
    pub name: CheckName,
    /// `None` when the check is not run.
    pub selected: Option<Selected>,
    pub target: Target<'a>,
}

/// Values given on the command line that override the environment.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides {
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    /// Check `DATABASE_PUBLIC_URL` / `REDIS_PUBLIC_URL` instead.
    pub public: bool,
    /// `--resolve HOST:PORT:ADDR`: dial ADDR for HOST:PORT.
    pub resolve: Vec<Pin>,
}

/// One `--resolve HOST:PORT:ADDR` (as curl has it): connections to HOST on
/// PORT go to ADDR, while HOST stays the name for TLS (SNI, certificate
/// verification) and for provider rules. Repeat it for several addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pin {
    pub host: String,
    pub port: u16,
    pub addr: IpAddr,
}

impl Pin {
    /// Reads one `--resolve` value. Done after the command line parsed,
    /// not as a clap value parser, so the error speaks the run's language.
    pub(crate) fn parse(text: &str) -> Result<Self, Message> {
        let mut parts = text.splitn(3, ':');
        let (Some(host), Some(port), Some(addr)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(msg::resolve_form());
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() {
            return Err(msg::resolve_form());
        }
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| msg::resolve_bad_port(port))?;
        let bare = addr.trim_start_matches('[').trim_end_matches(']');
        let addr = bare
            .parse::<IpAddr>()
            .map_err(|_| msg::resolve_bad_addr(addr))?;
        Ok(Pin { host, port, addr })
    }
}

/// The addresses `--resolve` gives for `host:port`, in the given order.
fn pinned(pins: &[Pin], host: &str, port: u16) -> Vec<IpAddr> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    pins.iter()
        .filter(|p| p.host == host && p.port == port)
        .map(|p| p.addr)
        .collect()
}

impl Config {
    pub(crate) fn resolve(
        overrides: &Overrides,
        env: &EnvSource,
        selection: Selection,
        timeout: Duration,
        connect_timeout: Duration,
    ) -> Self {
        // A SQLite DATABASE_URL is a file to look at, not a PostgreSQL
        // target: resolve it first and leave postgres unconfigured then.
        let sqlite = resolve_sqlite(overrides, env);
        let postgres = match sqlite {
            Some(_) => Setting::Missing {
                vars: DATABASE_URL_VARS,
                flag: POSTGRES.flag,
            },
            None => resolve_url(
                &POSTGRES,
                overrides.database_url.as_deref(),
                env,
                overrides.public,
            ),
        };
        let mut config = Self {
            postgres,
            redis: resolve_url(
                &REDIS,
                overrides.redis_url.as_deref(),
                env,
                overrides.public,
            ),
            jwt: JwtSettings::from_env(env),
            selection,
            timeout,
            connect_timeout,
            strict: false,
            notes: Vec::new(),
            sqlite,
            hints: crate::provider::Hints {
                heroku: env.get("DYNO").is_some() || env.any_prefixed("HEROKU_"),
            },
            drivers: crate::driver::Drivers::default(),
        };
        if let Setting::Ready { target, .. } = &mut config.postgres {
            target.dial = pinned(&overrides.resolve, &target.host, target.port);
        }
        if let Setting::Ready { target, .. } = &mut config.redis {
            target.dial = pinned(&overrides.resolve, &target.host, target.port);
        }
        config.notes = hygiene::notes(&config, env);
        config
    }
}

impl Config {
    /// The checks of a run, in report order.
    pub(crate) fn checks(&self) -> Vec<Check<'_>> {
        self.selection
            .resolve()
            .into_iter()
            .map(|(name, selected)| Check {
                name,
                selected,
                target: self.target(name),
            })
            .collect()
    }

    fn target(&self, name: CheckName) -> Target<'_> {
        match name {
            // A SQLite DATABASE_URL takes the database check's place.
            CheckName::Postgres => match &self.sqlite {
                Some(sqlite) => Target::Sqlite(sqlite),
                None => Target::Postgresql(&self.postgres),
            },
            CheckName::Redis => Target::Redis(&self.redis),
            CheckName::Jwt => Target::Jwt(&self.jwt),
        }
    }

    /// Every secret value in the configuration, for masking what servers
    /// and libraries echo back.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        let mut secrets = self.service_passwords();
        secrets.extend(self.jwt.secret.as_ref().map(|s| s.value.expose()));
        secrets.extend(
            self.sqlite
                .as_ref()
                .and_then(|s| s.passphrase.as_ref())
                .map(Secret::expose),
        );
        secrets
    }

    /// What the report shows of the targets anyway — user names, hosts,
    /// databases — so that a secret equal to one of them is not mistaken
    /// for an echo of it.
    pub(crate) fn public_words(&self) -> Vec<&str> {
        let mut words = Vec::new();
        if let Some(t) = self.postgres.target() {
            words.extend([t.redacted.as_str(), t.host.as_str()]);
            words.extend(t.user.as_deref());
            words.extend(t.dbname.as_deref());
        }
        if let Some(t) = self.redis.target() {
            words.extend([t.redacted.as_str(), t.host.as_str()]);
            words.extend(t.username.as_deref());
        }
        words
    }

    /// The PostgreSQL and Redis passwords of the usable targets.
    pub(crate) fn service_passwords(&self) -> Vec<&str> {
        let postgres = self.postgres.target().and_then(|t| t.password.as_ref());
        let redis = self.redis.target().and_then(|t| t.password.as_ref());
        [postgres, redis]
            .into_iter()
            .flatten()
            .map(Secret::expose)
            .collect()
    }

    /// Whether a selected check may do TLS or sign with a key pair, the
    /// operations that need aws-lc's random generator.
    pub(crate) fn may_need_randomness(&self) -> bool {
        let selected = |name: CheckName| {
            self.selection
                .resolve()
                .iter()
                .any(|(n, s)| *n == name && s.is_some())
        };
        let postgres_tls = self
            .postgres
            .target()
            .is_some_and(|t| t.sslmode != postgres::SslMode::Disable);
        let redis_tls = self
            .redis
            .target()
            .is_some_and(|t| t.tls != redis::RedisTls::Off);
        let jwt_keys = !self.jwt.algorithm_name().starts_with("HS");
        (selected(CheckName::Postgres) && postgres_tls)
            || (selected(CheckName::Redis) && redis_tls)
            || (selected(CheckName::Jwt) && jwt_keys)
    }
}

/// How a URL target is read: its variables, its flag, how to build it from
/// component variables, and how to clean and parse its value.
struct UrlKind<T> {
    flag: &'static str,
    vars: &'static [&'static str],
    public_vars: &'static [&'static str],
    compose: fn(&EnvSource) -> Option<discover::Composed>,
    normalize: fn(&str, &str) -> normalize::Normalized,
    parse: fn(&str) -> Result<T, UrlError>,
    /// Defaults from the environment for what the URL leaves out.
    fill: fn(&mut T, &EnvSource) -> Result<Vec<Finding>, UrlError>,
}

const POSTGRES: UrlKind<PgTarget> = UrlKind {
    flag: "--database-url",
    vars: DATABASE_URL_VARS,
    public_vars: DATABASE_PUBLIC_URL_VARS,
    compose: discover::postgres,
    normalize: normalize::postgres,
    parse: PgTarget::parse,
    fill: PgTarget::fill_from_env,
};

const REDIS: UrlKind<RedisTarget> = UrlKind {
    flag: "--redis-url",
    vars: REDIS_URL_VARS,
    public_vars: REDIS_PUBLIC_URL_VARS,
    compose: discover::redis,
    normalize: normalize::redis,
    parse: RedisTarget::parse,
    fill: |_, _| Ok(Vec::new()),
};

/// Where a target's value comes from, highest precedence first: the flag,
/// the URL variables, then (not with `--public`) component variables.
fn pick_value<T>(
    kind: &UrlKind<T>,
    flag_value: Option<&str>,
    env: &EnvSource,
    public: bool,
) -> Option<(&'static str, String, String)> {
    if let Some(value) = flag_value {
        return Some((kind.flag, kind.flag.to_string(), value.to_string()));
    }
    let vars = if public { kind.public_vars } else { kind.vars };
    if let Some(var) = env.first(vars) {
        return Some((
            var.name,
            format!("{} ({})", var.name, var.origin.describe()),
            var.value,
        ));
    }
    let composed = (!public).then(|| (kind.compose)(env)).flatten()?;
    Some(("component variables", composed.source, composed.url))
}

/// A SQLite `DATABASE_URL` (from the flag or the URL variables).
fn resolve_sqlite(overrides: &Overrides, env: &EnvSource) -> Option<sqlite::SqliteTarget> {
    let (name, source, raw) = pick_value(
        &POSTGRES,
        overrides.database_url.as_deref(),
        env,
        overrides.public,
    )?;
    let value = normalize::postgres(&raw, name).value;
    let volume = env
        .get("RAILWAY_VOLUME_MOUNT_PATH")
        .map(|v| std::path::PathBuf::from(v.value));
    sqlite::SqliteTarget::parse(&value, source, volume)
}

fn resolve_url<T>(
    kind: &UrlKind<T>,
    flag_value: Option<&str>,
    env: &EnvSource,
    public: bool,
) -> Setting<T> {
    let Some((name, source, raw)) = pick_value(kind, flag_value, env, public) else {
        return Setting::Missing {
            vars: if public { kind.public_vars } else { kind.vars },
            flag: kind.flag,
        };
    };
    let mut normalized = (kind.normalize)(&raw, name);
    match (kind.parse)(&normalized.value) {
        Ok(mut target) => match (kind.fill)(&mut target, env) {
            Ok(filled) => {
                normalized.findings.extend(filled);
                Setting::Ready {
                    source,
                    target,
                    findings: normalized.findings,
                }
            }
            Err(error) => Setting::Invalid {
                source,
                error,
                findings: normalized.findings,
            },
        },
        Err(error) => Setting::Invalid {
            source,
            error,
            findings: normalized.findings,
        },
    }
}
