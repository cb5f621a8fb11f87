//! Configuration: command line + environment + `.env` files → [`Config`].
//!
//! This is the only place that combines the three sources. Precedence:
//! a command-line flag, then the process environment, then `.env` files
//! (see `src/source`). A `Config` is a list of checks, the defaults
//! included, each holding its kind's `service::Setup`: what depends on a
//! kind is asked of the registry. Invalid or missing targets are not
//! errors here: they become a failed `config` step in the report, so one
//! bad URL does not hide what the other checks would have found.

pub(crate) mod discover;
pub(crate) mod hygiene;
pub(crate) mod normalize;
pub(crate) mod reading;
pub(crate) mod scan;
pub(crate) mod select;

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use crate::i18n::{Message, msg};
use crate::model::{CheckName, Finding, Provenance};
use crate::service::amqp::url::AmqpTarget;
use crate::service::jwt::settings::JwtSettings;
use crate::service::mysql::url::MysqlTarget;
use crate::service::postgres::url::PgTarget;
use crate::service::redis::url::RedisTarget;
use crate::service::setting::Setting;
use crate::service::sqlite::url as sqlite;
use crate::service::{Kind, Setup, Target};
use crate::source::EnvSource;
use crate::source::url::UrlError;

pub(crate) use self::select::{Selected, Selection, Selector};

/// URL variables, first set wins. `*_PRIVATE_URL` are the names Railway
/// used before October 2024; `--public` checks the TCP-proxy variants.
pub(crate) const DATABASE_URL_VARS: &[&str] = &["DATABASE_URL", "DATABASE_PRIVATE_URL"];
pub(crate) const DATABASE_PUBLIC_URL_VARS: &[&str] = &["DATABASE_PUBLIC_URL"];
pub(crate) const REDIS_URL_VARS: &[&str] = &["REDIS_URL", "REDIS_PRIVATE_URL"];
pub(crate) const REDIS_PUBLIC_URL_VARS: &[&str] = &["REDIS_PUBLIC_URL"];
/// MySQL URLs that fill the database check when no PostgreSQL variable is
/// set: Railway's private URL, then Heroku's add-ons' (`JawsDB`, `ClearDB`).
pub(crate) const MYSQL_URL_VARS: &[&str] = &["MYSQL_URL", "JAWSDB_URL", "CLEARDB_DATABASE_URL"];
pub(crate) const MYSQL_PUBLIC_URL_VARS: &[&str] = &["MYSQL_PUBLIC_URL"];

/// Everything a run needs, resolved and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Config {
    /// Every check, in report order: the defaults (`postgres`, `redis`,
    /// `jwt`, in `CheckName::DEFAULTS` order), then the targets discovered
    /// in the variables, then those of `--target`.
    pub configured: Vec<Configured>,
    /// URLs of kinds railconn does not check, listed in the report.
    pub unchecked: Vec<scan::Unchecked>,
    pub selection: Selection,
    /// Deadline of each check.
    pub timeout: Duration,
    /// Bound on DNS and on each TCP connect.
    pub connect_timeout: Duration,
    /// Warnings fail the gate.
    pub strict: bool,
    /// Findings from the configuration itself (hygiene), per check.
    pub notes: Vec<hygiene::Note>,
    /// What the environment says about where the app runs (for provider
    /// rules that host names cannot decide).
    pub hints: crate::provider::Hints,
    /// The app's drivers and the rules they changed the targets by
    /// (issue 11); empty until `driver::apply`.
    pub(crate) drivers: crate::driver::Drivers,
    /// The index in `configured` of each check, by name: the report asks
    /// for each check's target by name, and a search per check was
    /// quadratic in the checks (issue 18).
    index: HashMap<CheckName, usize>,
    /// Checks that found their name taken and were renamed (issue 18).
    pub renamed: Vec<Renamed>,
}

/// A check whose name another check has, checked as `now` instead: a
/// name shared by two checks made `/healthz` and the metrics show one of
/// them while the report said the other failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Renamed {
    pub name: CheckName,
    pub now: CheckName,
    /// Where the check that kept the name comes from.
    pub kept: Provenance,
    /// Where the renamed check comes from.
    pub other: Provenance,
}

/// One check as configuration made it: its name and its kind's setup
/// (which says where its value came from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Configured {
    pub name: CheckName,
    pub setup: Setup,
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
    /// Look for targets in every variable (off with `--no-discover`).
    pub discover: bool,
    /// `--target NAME=URL`: targets that are in no variable.
    pub targets: Vec<NamedUrl>,
    /// Whose reading PostgreSQL URLs get: node-postgres's or postgres.js's
    /// when it is the app's only PostgreSQL driver (its own parameters read
    /// as it reads them instead of refused as libpq refuses them, issues
    /// 11 and 20), else libpq's.
    pub(crate) postgres: reading::PgReading,
    /// Whose reading a Redis URL's database gets (issue 20).
    pub(crate) redis: reading::RedisReading,
    /// Whose reading of broker URLs the AMQP checks take.
    pub(crate) amqp: AmqpReading,
    /// Whose reading of plain `mysql://` URLs the MySQL checks take.
    pub(crate) mysql: crate::service::mysql::reading::MysqlReading,
}

/// How broker URLs are read: as kombu (Celery) reads them, or, when
/// amqplib is the app's only AMQP driver, as amqplib does (its query
/// parameters are never refused, `ssl=` is not read), or, when pika is,
/// as pika does (its `ssl_options=` read).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum AmqpReading {
    #[default]
    Kombu,
    Amqplib,
    Pika,
}

/// One `--target NAME=URL`: a PostgreSQL, MySQL, Redis or AMQP URL to check
/// under NAME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NamedUrl {
    pub name: CheckName,
    pub kind: crate::service::Kind,
    pub url: String,
}

impl NamedUrl {
    /// Reads one `--target` value; the problem in the run's language.
    pub(crate) fn parse(text: &str) -> Result<Self, crate::i18n::Message> {
        use crate::i18n::msg;
        let Some((name, url)) = text.split_once('=') else {
            return Err(msg::target_form());
        };
        let name = name.trim();
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        if name.is_empty() || name.contains("://") {
            return Err(msg::target_form());
        }
        // One character is named, never the NAME: it may be a URL's start.
        match name.chars().find(|&c| !allowed(c)) {
            Some(c) if c.is_whitespace() => return Err(msg::target_name_space()),
            Some(c) if c.is_control() => return Err(msg::target_form()),
            Some(c) => return Err(msg::target_name_char(c.to_string())),
            None => {}
        }
        let name = CheckName::named(name);
        if name.is_default() {
            return Err(msg::target_default_name(name.to_string()));
        }
        match scan::classify(url) {
            scan::Classified::Service(kind) => Ok(NamedUrl {
                name,
                kind,
                url: url.to_string(),
            }),
            _ => Err(msg::target_bad_scheme(name.to_string())),
        }
    }
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
        // Each default's value is picked once: its check reads it, and
        // discovery merges the variables that hold the same value.
        let public = overrides.public;
        // A MySQL URL stands in the database's place only when no
        // PostgreSQL variable is set (issue 21): the check keeps its name.
        let database = pick_value(&POSTGRES, overrides.database_url.as_deref(), env, public)
            .or_else(|| pick_value(&MYSQL, None, env, public));
        let cache = pick_value(&REDIS, overrides.redis_url.as_deref(), env, public);
        let defaults = [
            (
                CheckName::POSTGRES,
                database_setup(overrides, database.clone(), env),
            ),
            (
                CheckName::REDIS,
                Setup::Redis(resolve_url(
                    redis_kind(overrides),
                    cache.clone(),
                    env,
                    public,
                )),
            ),
            (CheckName::JWT, Setup::Jwt(JwtSettings::from_env(env))),
        ];
        let mut config = Self {
            configured: defaults
                .into_iter()
                .map(|(name, setup)| Configured { name, setup })
                .collect(),
            unchecked: Vec::new(),
            selection,
            timeout,
            connect_timeout,
            strict: false,
            notes: Vec::new(),
            hints: crate::provider::Hints {
                heroku: env.get("DYNO").is_some() || env.any_prefixed("HEROKU_"),
            },
            drivers: crate::driver::Drivers::default(),
            index: HashMap::new(),
            renamed: Vec::new(),
        };
        if overrides.discover {
            let raw = |picked: Option<(&str, Provenance, String)>| picked.map(|(_, _, raw)| raw);
            config.discover(overrides, env, [raw(database), raw(cache)]);
        }
        for target in &overrides.targets {
            let setup = parse_extra(
                target.kind,
                overrides,
                &target.url,
                Provenance::Flag("--target"),
                target.name.as_str(),
                env,
            );
            config.configured.extend(setup.map(|setup| Configured {
                name: target.name,
                setup,
            }));
        }
        config.renamed = name_uniquely(config.extra_mut());
        let pins = &overrides.resolve;
        for check in &mut config.configured {
            check.setup.pin(|host, port| pinned(pins, host, port));
        }
        config.notes = hygiene::notes(&config, env);
        config.index = config
            .configured
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name, i))
            .collect();
        config
    }

    /// The checks beyond the defaults: discovered, then `--target`.
    fn extra_mut(&mut self) -> &mut [Configured] {
        &mut self.configured[CheckName::DEFAULTS.len()..]
    }

    /// The setup of check `name`.
    fn setup(&self, name: CheckName) -> Option<&Setup> {
        self.index
            .get(&name)
            .and_then(|&i| self.configured.get(i))
            .map(|c| &c.setup)
    }
}

/// Gives every extra check a name of its own. A variable keeps its own
/// name, then a URL of a failover list (`VAR.1`, which a variable may be
/// called too: `.` is allowed), then a `--target`, so that the app's own
/// configuration is named the same whatever the command line adds; a check
/// whose name is taken gets `#2`, `#3`… (a `#` no variable or `--target`
/// NAME holds). Returns the checks renamed, in report order.
fn name_uniquely(extra: &mut [Configured]) -> Vec<Renamed> {
    let mut order: Vec<usize> = (0..extra.len()).collect();
    order.sort_by_key(|&i| claim(&extra[i]));
    let mut owner: HashMap<CheckName, usize> = HashMap::new();
    let mut next: HashMap<CheckName, u32> = HashMap::new();
    let mut renamed = Vec::new();
    for i in order {
        let name = extra[i].name;
        let Some(&first) = owner.get(&name) else {
            owner.insert(name, i);
            continue;
        };
        let suffix = next.entry(name).or_insert(2);
        let new = CheckName::named(&format!("{name}#{suffix}"));
        *suffix += 1;
        owner.insert(new, i);
        extra[i].name = new;
        let source = |e: &Configured| e.setup.source().cloned().unwrap_or(Provenance::Default);
        renamed.push((
            i,
            Renamed {
                name,
                now: new,
                kept: source(&extra[first]),
                other: source(&extra[i]),
            },
        ));
    }
    renamed.sort_by_key(|(i, _)| *i);
    renamed.into_iter().map(|(_, r)| r).collect()
}

/// Who keeps a name shared by several checks: lowest first.
fn claim(extra: &Configured) -> u8 {
    match extra.setup.source() {
        Some(Provenance::Variables(vars))
            if vars
                .first()
                .is_some_and(|v| v.variable == extra.name.as_str()) =>
        {
            0
        }
        Some(Provenance::Flag(_)) => 2,
        _ => 1,
    }
}

/// How PostgreSQL URLs are read: as node-postgres reads its own
/// parameters when it is the app's only PostgreSQL driver, on every
/// PostgreSQL check (a second database is read by the same driver).
fn postgres_kind(overrides: &Overrides) -> &'static UrlKind<PgTarget> {
    match overrides.postgres {
        reading::PgReading::Libpq => &POSTGRES,
        reading::PgReading::NodePostgres => &POSTGRES_NODE,
        reading::PgReading::PostgresJs => &POSTGRES_JS,
    }
}

/// How Redis URLs are read: a database that is not a number as the app's
/// redis-py or ioredis reads it, when those are its only Redis drivers.
fn redis_kind(overrides: &Overrides) -> &'static UrlKind<RedisTarget> {
    match overrides.redis {
        reading::RedisReading::RedisRs => &REDIS,
        reading::RedisReading::RedisPy => &REDIS_PY,
        reading::RedisReading::Ioredis => &REDIS_IOREDIS,
        reading::RedisReading::RedisPyAndIoredis => &REDIS_PY_IOREDIS,
    }
}

/// How MySQL URLs are read: as the app's one MySQL driver reads them when
/// it is mysql2 or PyMySQL (`service/mysql/reading.rs`).
fn mysql_kind(overrides: &Overrides) -> &'static UrlKind<MysqlTarget> {
    use crate::service::mysql::reading::MysqlReading;
    match overrides.mysql {
        MysqlReading::Kind => &MYSQL,
        MysqlReading::Mysql2 => &MYSQL_MYSQL2,
        MysqlReading::Pymysql => &MYSQL_PYMYSQL,
    }
}

/// An extra target's setting, parsed as its kind's URLs are.
fn parse_extra(
    kind: crate::service::Kind,
    overrides: &Overrides,
    raw: &str,
    source: Provenance,
    var: &str,
    env: &EnvSource,
) -> Option<Setup> {
    match kind {
        Kind::Redis => Some(Setup::Redis(parse_value(
            redis_kind(overrides),
            var,
            source,
            raw,
            env,
        ))),
        Kind::Mysql => Some(Setup::Mysql(parse_value(
            mysql_kind(overrides),
            var,
            source,
            raw,
            env,
        ))),
        Kind::Amqp => {
            let amqp = match overrides.amqp {
                AmqpReading::Kombu => &AMQP,
                AmqpReading::Amqplib => &AMQP_AMQPLIB,
                AmqpReading::Pika => &AMQP_PIKA,
            };
            Some(Setup::Amqp(parse_value(amqp, var, source, raw, env)))
        }
        Kind::Postgresql => Some(Setup::Postgresql(parse_value(
            postgres_kind(overrides),
            var,
            source,
            raw,
            env,
        ))),
        // Discovery and `--target` find only kinds with a URL scheme of
        // their own (`Kind::is_scheme_of`).
        Kind::Sqlite | Kind::Jwt => None,
    }
}

impl Config {
    /// Adds the targets discovered in every variable, and the URLs of
    /// kinds railconn does not check (see `scan`).
    /// `defaults` are the values the `postgres` and `redis` checks read.
    fn discover(&mut self, overrides: &Overrides, env: &EnvSource, defaults: [Option<String>; 2]) {
        let [postgres, redis] = defaults;
        let defaults: Vec<(CheckName, &str)> =
            [(CheckName::POSTGRES, &postgres), (CheckName::REDIS, &redis)]
                .into_iter()
                .filter_map(|(name, raw)| raw.as_deref().map(|raw| (name, raw)))
                .collect();
        let found = scan::scan(env, overrides.public, &defaults);
        for (check, alias) in found.aliases {
            if let Some(merged) = self.configured.iter_mut().find(|c| c.name == check) {
                merged.setup.add_source(alias);
            }
        }
        self.configured.extend(found.targets.iter().filter_map(|t| {
            let setup = parse_extra(
                t.kind,
                overrides,
                &t.raw,
                Provenance::Variables(t.sources.clone()),
                t.name.as_str(),
                env,
            );
            setup.map(|setup| Configured {
                name: t.name,
                setup,
            })
        }));
        self.unchecked = found.unchecked;
    }

    /// The first variable a default check that is not set was looked for in.
    pub(crate) fn missing_from(&self, name: CheckName) -> Option<&'static str> {
        self.setup(name).and_then(Setup::missing_from)
    }

    /// The checks of a run, in report order: the defaults, then the rest.
    pub(crate) fn checks(&self) -> Vec<Check<'_>> {
        self.configured
            .iter()
            .map(|c| {
                let target = c.setup.target();
                let also = target.source().map(Provenance::variable_names);
                Check {
                    name: c.name,
                    selected: self.selection.select(
                        c.name,
                        also.as_deref().unwrap_or_default(),
                        target.kind(),
                    ),
                    target,
                }
            })
            .collect()
    }

    /// Every secret value in the configuration, for masking what servers
    /// and libraries echo back.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        self.configured
            .iter()
            .flat_map(|c| c.setup.secrets())
            .collect()
    }

    /// What the report shows of the targets anyway — user names, hosts,
    /// databases — so that a secret equal to one of them is not mistaken
    /// for an echo of it.
    pub(crate) fn public_words(&self) -> Vec<&str> {
        self.configured
            .iter()
            .flat_map(|c| c.setup.public_words())
            .collect()
    }

    /// The passwords of the usable URL targets.
    pub(crate) fn service_passwords(&self) -> Vec<&str> {
        self.configured
            .iter()
            .filter_map(|c| c.setup.password())
            .collect()
    }

    /// The parsed parts check `name` dials, when it dials a URL target.
    pub(crate) fn parts(&self, name: CheckName) -> Option<crate::model::Parts> {
        self.setup(name)?.shown().map(|(_, _, parts)| parts)
    }

    /// The redacted URL of Redis check `name` (its query survives
    /// redaction; ioredis reads `family` from it).
    pub(crate) fn redis_url_of(&self, name: CheckName) -> Option<&str> {
        self.setup(name)?.redis_url()
    }

    /// The host and port check `name` dials, when it dials one.
    pub(crate) fn endpoint(&self, name: CheckName) -> Option<(&str, u16)> {
        self.dialed(name).map(|(host, port, _)| (host, port))
    }

    /// The host, port and `--resolve` addresses check `name` dials.
    pub(crate) fn dialed(&self, name: CheckName) -> Option<(&str, u16, &[IpAddr])> {
        self.setup(name)?.dialed()
    }
}

/// A URL variable's value as `env` shows it: as given with its secrets
/// masked and nothing re-encoded, invalid exactly when `check` calls it
/// invalid. A SQLite URL names a file (its passphrase masked).
pub(crate) fn redacted_url(value: &str, var: &str) -> Result<String, UrlError> {
    let clean = reading::postgres(value, var).value;
    if let Some(sqlite) = sqlite::SqliteTarget::parse(&clean, Provenance::Default, None) {
        return Ok(sqlite.url);
    }
    match scan::classify(&clean) {
        scan::Classified::Service(Kind::Redis) => {
            RedisTarget::parse(&normalize::redis(value, var).value).map(|t| t.redacted)
        }
        scan::Classified::Service(Kind::Mysql) => {
            MysqlTarget::parse(&normalize::mysql(value, var).value).map(|t| t.redacted)
        }
        scan::Classified::Service(Kind::Amqp) => {
            AmqpTarget::parse(&normalize::redis(value, var).value).map(|t| t.redacted)
        }
        // The URL variables `env` lists are the database's and Redis's:
        // what is not a Redis URL is read as the database URL, which
        // `check` reads it as.
        scan::Classified::Service(Kind::Postgresql | Kind::Sqlite | Kind::Jwt)
        | scan::Classified::Unchecked(_)
        | scan::Classified::Other => PgTarget::parse(&clean).map(|t| t.redacted),
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
    /// Shows the query as given when normalizing rewrote it.
    show_query: fn(&mut T, &str),
}

const POSTGRES: UrlKind<PgTarget> = UrlKind {
    flag: "--database-url",
    vars: DATABASE_URL_VARS,
    public_vars: DATABASE_PUBLIC_URL_VARS,
    compose: discover::postgres,
    normalize: reading::postgres,
    parse: PgTarget::parse,
    fill: PgTarget::fill_from_env,
    show_query: PgTarget::show_query_as_given,
};

/// A PostgreSQL URL of an app whose driver is node-postgres.
const POSTGRES_NODE: UrlKind<PgTarget> = UrlKind {
    normalize: reading::postgres_node,
    fill: PgTarget::fill_from_env_node,
    ..POSTGRES
};

/// A PostgreSQL URL of an app whose driver is postgres.js.
const POSTGRES_JS: UrlKind<PgTarget> = UrlKind {
    normalize: reading::postgres_js,
    fill: PgTarget::fill_from_env_postgres_js,
    ..POSTGRES
};

/// MySQL and MariaDB: the database check's `--database-url` may hold one.
const MYSQL: UrlKind<MysqlTarget> = UrlKind {
    flag: "--database-url",
    vars: MYSQL_URL_VARS,
    public_vars: MYSQL_PUBLIC_URL_VARS,
    compose: discover::mysql,
    normalize: normalize::mysql,
    parse: MysqlTarget::parse,
    fill: |_, _| Ok(Vec::new()),
    show_query: |_, _| {},
};

/// A MySQL URL in an app whose one MySQL driver is mysql2.
const MYSQL_MYSQL2: UrlKind<MysqlTarget> = UrlKind {
    parse: MysqlTarget::parse_mysql2,
    ..MYSQL
};

/// A MySQL URL in an app whose one MySQL driver is PyMySQL.
const MYSQL_PYMYSQL: UrlKind<MysqlTarget> = UrlKind {
    parse: MysqlTarget::parse_pymysql,
    ..MYSQL
};

const REDIS: UrlKind<RedisTarget> = UrlKind {
    flag: "--redis-url",
    vars: REDIS_URL_VARS,
    public_vars: REDIS_PUBLIC_URL_VARS,
    compose: discover::redis,
    normalize: normalize::redis,
    parse: RedisTarget::parse,
    fill: |_, _| Ok(Vec::new()),
    show_query: |_, _| {},
};

/// A Redis URL of an app whose Redis drivers are redis-py, ioredis, or
/// both: a database that is not a number is read as they read it.
const REDIS_PY: UrlKind<RedisTarget> = UrlKind {
    parse: |raw| {
        RedisTarget::parse_with_db(raw, |p, q| reading::agreed_db(reading::REDIS_PY, p, q))
    },
    ..REDIS
};
const REDIS_IOREDIS: UrlKind<RedisTarget> = UrlKind {
    parse: |raw| RedisTarget::parse_with_db(raw, |p, q| reading::agreed_db(reading::IOREDIS, p, q)),
    ..REDIS
};
const REDIS_PY_IOREDIS: UrlKind<RedisTarget> = UrlKind {
    parse: |raw| {
        RedisTarget::parse_with_db(raw, |p, q| {
            reading::agreed_db(reading::REDIS_PY_IOREDIS, p, q)
        })
    },
    ..REDIS
};

/// An AMQP broker URL (issue 21): no default check, so no flag or
/// variables of its own; discovery finds it in any variable
/// (`CELERY_BROKER_URL`, `RABBITMQ_URL`, `AMQP_URL`, `CLOUDAMQP_URL`…).
const AMQP: UrlKind<AmqpTarget> = UrlKind {
    flag: "--target",
    vars: &[],
    public_vars: &[],
    compose: |_| None,
    // Quotes and whitespace around the value, as for any URL.
    normalize: normalize::redis,
    parse: AmqpTarget::parse,
    fill: |_, _| Ok(Vec::new()),
    show_query: |_, _| {},
};

/// An AMQP broker URL in an app whose only AMQP driver is amqplib.
const AMQP_AMQPLIB: UrlKind<AmqpTarget> = UrlKind {
    parse: AmqpTarget::parse_amqplib,
    ..AMQP
};

const AMQP_PIKA: UrlKind<AmqpTarget> = UrlKind {
    parse: AmqpTarget::parse_pika,
    ..AMQP
};

/// Where a target's value comes from, highest precedence first: the flag,
/// the URL variables, then (not with `--public`) component variables.
fn pick_value<T>(
    kind: &UrlKind<T>,
    flag_value: Option<&str>,
    env: &EnvSource,
    public: bool,
) -> Option<(&'static str, Provenance, String)> {
    if let Some(value) = flag_value {
        return Some((kind.flag, Provenance::Flag(kind.flag), value.to_string()));
    }
    let vars = if public { kind.public_vars } else { kind.vars };
    if let Some(var) = env.first(vars) {
        return Some((
            var.name,
            Provenance::variable(var.name, var.origin),
            var.value,
        ));
    }
    let composed = (!public).then(|| (kind.compose)(env)).flatten()?;
    Some(("component variables", composed.source, composed.url))
}

/// The database check's setup: a SQLite `DATABASE_URL` is a file to look
/// at, not a PostgreSQL target.
fn database_setup(
    overrides: &Overrides,
    picked: Option<(&str, Provenance, String)>,
    env: &EnvSource,
) -> Setup {
    let kind = postgres_kind(overrides);
    let Some((name, source, raw)) = picked else {
        return Setup::Postgresql(missing(kind, overrides.public));
    };
    // Cleaned once, for the SQLite test and the PostgreSQL parser alike
    // (node-postgres' own parameters are in the query, which a SQLite
    // path does not depend on).
    if scan::classify(&raw) == scan::Classified::Service(Kind::Mysql) {
        return Setup::Mysql(parse_value(mysql_kind(overrides), name, source, &raw, env));
    }
    let normalized = (kind.normalize)(&raw, name);
    let volume = env
        .get("RAILWAY_VOLUME_MOUNT_PATH")
        .map(|v| std::path::PathBuf::from(v.value));
    match sqlite::SqliteTarget::parse(&normalized.value, source.clone(), volume) {
        Some(sqlite) => Setup::Sqlite(sqlite),
        None => Setup::Postgresql(parse_normalized(kind, name, source, normalized, env)),
    }
}

/// A default check that no flag or variable sets.
fn missing<T>(kind: &UrlKind<T>, public: bool) -> Setting<T> {
    Setting::Missing {
        vars: if public { kind.public_vars } else { kind.vars },
        flag: kind.flag,
    }
}

/// A default check's setting from its picked value.
fn resolve_url<T>(
    kind: &UrlKind<T>,
    picked: Option<(&str, Provenance, String)>,
    env: &EnvSource,
    public: bool,
) -> Setting<T> {
    let Some((name, source, raw)) = picked else {
        return missing(kind, public);
    };
    parse_value(kind, name, source, &raw, env)
}

/// Cleans, parses and completes one value read from `var` (or a flag).
fn parse_value<T>(
    kind: &UrlKind<T>,
    var: &str,
    source: Provenance,
    raw: &str,
    env: &EnvSource,
) -> Setting<T> {
    parse_normalized(kind, var, source, (kind.normalize)(raw, var), env)
}

/// Parses and completes one value already cleaned by the kind's normalizer.
fn parse_normalized<T>(
    kind: &UrlKind<T>,
    var: &str,
    source: Provenance,
    mut normalized: normalize::Normalized,
    env: &EnvSource,
) -> Setting<T> {
    if !env.is_utf8(var) {
        return Setting::Invalid {
            source,
            error: UrlError {
                code: crate::model::Code::InvalidUrl,
                message: msg::value_not_utf8(var),
            },
            findings: Vec::new(),
        };
    }
    match (kind.parse)(&normalized.value) {
        Ok(mut target) => match (kind.fill)(&mut target, env) {
            Ok(filled) => {
                if let Some(query) = &normalized.query_as_given {
                    (kind.show_query)(&mut target, query);
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::Kind;

    /// A variable keeps its name, then a failover URL, then `--target`
    /// (issue 18); each renamed check says whose name it found.
    #[test]
    fn a_name_is_kept_by_the_variable_and_suffixed_for_the_rest() {
        let env = EnvSource::from_pairs([
            ("BROKER.1", "redis://own/0"),
            ("BROKER", "redis://a/1;redis://b/2"),
        ]);
        let overrides = Overrides {
            discover: true,
            targets: vec![NamedUrl {
                name: CheckName::named("BROKER.1"),
                kind: Kind::Redis,
                url: "redis://flag/3".to_string(),
            }],
            ..Overrides::default()
        };
        let config = Config::resolve(
            &overrides,
            &env,
            Selection::default(),
            Duration::ZERO,
            Duration::ZERO,
        );
        let names: Vec<&str> = config.configured[CheckName::DEFAULTS.len()..]
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(names, ["BROKER.1#2", "BROKER.2", "BROKER.1", "BROKER.1#3"]);
        let renamed: Vec<(&str, &str)> = config
            .renamed
            .iter()
            .map(|r| (r.name.as_str(), r.now.as_str()))
            .collect();
        assert_eq!(
            renamed,
            [("BROKER.1", "BROKER.1#2"), ("BROKER.1", "BROKER.1#3")]
        );
        assert_eq!(config.renamed[1].other, Provenance::Flag("--target"));
        assert_eq!(
            config.redis_url_of(CheckName::named("BROKER.1#3")),
            Some("redis://flag/3")
        );
    }
}
