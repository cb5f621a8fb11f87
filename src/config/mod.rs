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
pub(crate) mod scan;
pub(crate) mod select;

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::time::Duration;

use crate::i18n::{Message, msg};
use crate::model::{CheckName, Finding, Provenance};
use crate::service::Target;
use crate::service::jwt::settings::JwtSettings;
use crate::service::postgres::url::{self as postgres, PgTarget};
use crate::service::redis::url::{self as redis, RedisTarget};
use crate::service::setting::Setting;
use crate::service::sqlite::url as sqlite;
use crate::source::EnvSource;
use crate::source::secret::Secret;
use crate::source::url::UrlError;

pub(crate) use self::select::{Selected, Selection, Selector};

/// URL variables, first set wins. `*_PRIVATE_URL` are the names Railway
/// used before October 2024; `--public` checks the TCP-proxy variants.
pub(crate) const DATABASE_URL_VARS: &[&str] = &["DATABASE_URL", "DATABASE_PRIVATE_URL"];
pub(crate) const DATABASE_PUBLIC_URL_VARS: &[&str] = &["DATABASE_PUBLIC_URL"];
pub(crate) const REDIS_URL_VARS: &[&str] = &["REDIS_URL", "REDIS_PRIVATE_URL"];
pub(crate) const REDIS_PUBLIC_URL_VARS: &[&str] = &["REDIS_PUBLIC_URL"];

/// Everything a run needs, resolved and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Config {
    pub postgres: Setting<PgTarget>,
    pub redis: Setting<RedisTarget>,
    pub jwt: JwtSettings,
    /// Targets beyond the defaults: discovered in the variables, then those
    /// of `--target`, in report order.
    pub extra: Vec<Extra>,
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
    /// Set when `DATABASE_URL` names SQLite; `postgres` is then `Missing`.
    pub sqlite: Option<sqlite::SqliteTarget>,
    /// What the environment says about where the app runs (for provider
    /// rules that host names cannot decide).
    pub hints: crate::provider::Hints,
    /// The app's drivers and the rules they changed the targets by
    /// (issue 11); empty until `driver::apply`.
    pub(crate) drivers: crate::driver::Drivers,
    /// The index in `extra` of each extra check, by name: the report asks
    /// for each check's target by name, and a search per check was
    /// quadratic in the checks (issue 18).
    extra_index: HashMap<CheckName, usize>,
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

/// A check beyond the defaults: a discovered variable or a `--target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Extra {
    pub name: CheckName,
    pub setting: ExtraSetting,
}

/// An extra check's target, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExtraSetting {
    Postgresql(Setting<PgTarget>),
    Redis(Setting<RedisTarget>),
}

impl Extra {
    fn url_setting(&self) -> UrlSetting<'_> {
        match &self.setting {
            ExtraSetting::Postgresql(s) => UrlSetting::Postgresql(self.name, s),
            ExtraSetting::Redis(s) => UrlSetting::Redis(self.name, s),
        }
    }

    fn target(&self) -> Target<'_> {
        match &self.setting {
            ExtraSetting::Postgresql(setting) => Target::Postgresql(setting),
            ExtraSetting::Redis(setting) => Target::Redis(setting),
        }
    }
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
    /// node-postgres is the app's only PostgreSQL driver: its own URL
    /// parameters (`uselibpqcompat`, `sslmode=no-verify`) are read as it
    /// reads them instead of refused as libpq refuses them (issue 11).
    pub(crate) node_postgres: bool,
}

/// One `--target NAME=URL`: a PostgreSQL or Redis URL to check under NAME.
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
        // A SQLite DATABASE_URL is a file to look at, not a PostgreSQL
        // target: resolve it first and leave postgres unconfigured then.
        let sqlite = resolve_sqlite(overrides, env);
        let postgres = match sqlite {
            Some(_) => Setting::Missing {
                vars: DATABASE_URL_VARS,
                flag: POSTGRES.flag,
            },
            None => resolve_url(
                postgres_kind(overrides),
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
            extra: Vec::new(),
            unchecked: Vec::new(),
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
            extra_index: HashMap::new(),
            renamed: Vec::new(),
        };
        if overrides.discover {
            config.discover(overrides, env);
        }
        for target in &overrides.targets {
            config.extra.push(Extra {
                name: target.name,
                setting: parse_extra(
                    target.kind,
                    postgres_kind(overrides),
                    &target.url,
                    Provenance::Flag("--target"),
                    target.name.as_str(),
                    env,
                ),
            });
        }
        config.renamed = name_uniquely(&mut config.extra);
        pin(&mut config.postgres, &overrides.resolve);
        pin(&mut config.redis, &overrides.resolve);
        for extra in &mut config.extra {
            match &mut extra.setting {
                ExtraSetting::Postgresql(setting) => pin(setting, &overrides.resolve),
                ExtraSetting::Redis(setting) => pin(setting, &overrides.resolve),
            }
        }
        config.notes = hygiene::notes(&config, env);
        config.extra_index = config
            .extra
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name, i))
            .collect();
        config
    }
}

/// Gives every extra check a name of its own. A variable keeps its own
/// name, then a URL of a failover list (`VAR.1`, which a variable may be
/// called too: `.` is allowed), then a `--target`, so that the app's own
/// configuration is named the same whatever the command line adds; a check
/// whose name is taken gets `#2`, `#3`… (a `#` no variable or `--target`
/// NAME holds). Returns the checks renamed, in report order.
fn name_uniquely(extra: &mut [Extra]) -> Vec<Renamed> {
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
        let source = |e: &Extra| e.target().source().cloned().unwrap_or(Provenance::Default);
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
fn claim(extra: &Extra) -> u8 {
    match extra.target().source() {
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

/// Dials the `--resolve` addresses for a target's host and port.
fn pin<T: Dialed>(setting: &mut Setting<T>, pins: &[Pin]) {
    if let Setting::Ready { target, .. } = setting {
        let addrs = pinned(pins, target.host(), target.port());
        target.set_dial(addrs);
    }
}

/// A target that dials a host and port (PostgreSQL, Redis).
trait Dialed {
    fn host(&self) -> &str;
    fn port(&self) -> u16;
    fn set_dial(&mut self, addrs: Vec<IpAddr>);
}

impl Dialed for PgTarget {
    fn host(&self) -> &str {
        &self.host
    }
    fn port(&self) -> u16 {
        self.port
    }
    fn set_dial(&mut self, addrs: Vec<IpAddr>) {
        self.dial = addrs;
    }
}

impl Dialed for RedisTarget {
    fn host(&self) -> &str {
        &self.host
    }
    fn port(&self) -> u16 {
        self.port
    }
    fn set_dial(&mut self, addrs: Vec<IpAddr>) {
        self.dial = addrs;
    }
}

/// How PostgreSQL URLs are read: as node-postgres reads its own
/// parameters when it is the app's only PostgreSQL driver, on every
/// PostgreSQL check (a second database is read by the same driver).
fn postgres_kind(overrides: &Overrides) -> &'static UrlKind<PgTarget> {
    if overrides.node_postgres {
        &POSTGRES_NODE
    } else {
        &POSTGRES
    }
}

/// An extra target's setting, parsed as its kind's URLs are.
fn parse_extra(
    kind: crate::service::Kind,
    postgres: &UrlKind<PgTarget>,
    raw: &str,
    source: Provenance,
    var: &str,
    env: &EnvSource,
) -> ExtraSetting {
    match kind {
        crate::service::Kind::Redis => {
            ExtraSetting::Redis(parse_value(&REDIS, var, source, raw, env))
        }
        _ => ExtraSetting::Postgresql(parse_value(postgres, var, source, raw, env)),
    }
}

impl Config {
    /// Adds the targets discovered in every variable, and the URLs of
    /// kinds railconn does not check (see `scan`).
    fn discover(&mut self, overrides: &Overrides, env: &EnvSource) {
        let public = overrides.public;
        let raw = |picked: Option<(&str, Provenance, String)>| picked.map(|(_, _, raw)| raw);
        let postgres = raw(pick_value(
            &POSTGRES,
            overrides.database_url.as_deref(),
            env,
            public,
        ));
        let redis = raw(pick_value(
            &REDIS,
            overrides.redis_url.as_deref(),
            env,
            public,
        ));
        let defaults: Vec<(CheckName, &str)> =
            [(CheckName::POSTGRES, &postgres), (CheckName::REDIS, &redis)]
                .into_iter()
                .filter_map(|(name, raw)| raw.as_deref().map(|raw| (name, raw)))
                .collect();
        let found = scan::scan(env, overrides.public, &defaults);
        for (check, alias) in found.aliases {
            match check {
                CheckName::POSTGRES => self.postgres.add_source(alias),
                _ => self.redis.add_source(alias),
            }
        }
        self.extra.extend(found.targets.iter().map(|t| Extra {
            name: t.name,
            setting: parse_extra(
                t.kind,
                postgres_kind(overrides),
                &t.raw,
                Provenance::Variables(t.sources.clone()),
                t.name.as_str(),
                env,
            ),
        }));
        self.unchecked = found.unchecked;
    }

    /// The first variable a default check that is not set was looked for in.
    pub(crate) fn missing_from(&self, name: CheckName) -> Option<&'static str> {
        let ((CheckName::POSTGRES, Setting::Missing { vars, .. }, _)
        | (CheckName::REDIS, _, Setting::Missing { vars, .. })) =
            (name, &self.postgres, &self.redis)
        else {
            return None;
        };
        vars.first().copied()
    }

    /// The checks of a run, in report order: the defaults, then the rest.
    pub(crate) fn checks(&self) -> Vec<Check<'_>> {
        let defaults = CheckName::DEFAULTS
            .into_iter()
            .map(|name| (name, self.default_target(name)));
        let extra = self.extra.iter().map(|e| (e.name, e.target()));
        defaults
            .chain(extra)
            .map(|(name, target)| {
                let also = target.source().map(Provenance::variable_names);
                Check {
                    name,
                    selected: self.selection.select(
                        name,
                        also.as_deref().unwrap_or_default(),
                        target.kind(),
                    ),
                    target,
                }
            })
            .collect()
    }

    fn default_target(&self, name: CheckName) -> Target<'_> {
        match name {
            // A SQLite DATABASE_URL takes the database check's place.
            CheckName::POSTGRES => match &self.sqlite {
                Some(sqlite) => Target::Sqlite(sqlite),
                None => Target::Postgresql(&self.postgres),
            },
            CheckName::REDIS => Target::Redis(&self.redis),
            _ => Target::Jwt(&self.jwt),
        }
    }

    /// The PostgreSQL and Redis settings of every check, defaults first.
    fn url_settings(&self) -> impl Iterator<Item = UrlSetting<'_>> {
        let extra = self.extra.iter().map(Extra::url_setting);
        [
            UrlSetting::Postgresql(CheckName::POSTGRES, &self.postgres),
            UrlSetting::Redis(CheckName::REDIS, &self.redis),
        ]
        .into_iter()
        .chain(extra)
    }

    /// The PostgreSQL or Redis setting of check `name`, if it has one.
    fn url_setting(&self, name: CheckName) -> Option<UrlSetting<'_>> {
        match name {
            CheckName::POSTGRES => Some(UrlSetting::Postgresql(name, &self.postgres)),
            CheckName::REDIS => Some(UrlSetting::Redis(name, &self.redis)),
            _ => self
                .extra_index
                .get(&name)
                .and_then(|&i| self.extra.get(i))
                .map(Extra::url_setting),
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
        for setting in self.url_settings() {
            match setting {
                UrlSetting::Postgresql(_, s) => {
                    if let Some(t) = s.target() {
                        words.extend([t.redacted.as_str(), t.host.as_str()]);
                        words.extend(t.user.as_deref());
                        words.extend(t.dbname.as_deref());
                    }
                }
                UrlSetting::Redis(_, s) => {
                    if let Some(t) = s.target() {
                        words.extend([t.redacted.as_str(), t.host.as_str()]);
                        words.extend(t.username.as_deref());
                    }
                }
            }
        }
        words
    }

    /// The PostgreSQL and Redis passwords of the usable targets.
    pub(crate) fn service_passwords(&self) -> Vec<&str> {
        self.url_settings()
            .filter_map(|setting| match setting {
                UrlSetting::Postgresql(_, s) => s.target().and_then(|t| t.password.as_ref()),
                UrlSetting::Redis(_, s) => s.target().and_then(|t| t.password.as_ref()),
            })
            .map(Secret::expose)
            .collect()
    }

    /// The parsed parts check `name` dials, when it dials a URL target.
    pub(crate) fn parts(&self, name: CheckName) -> Option<crate::model::Parts> {
        match self.url_setting(name)? {
            UrlSetting::Postgresql(_, s) => s.target().map(PgTarget::parts),
            UrlSetting::Redis(_, s) => s.target().map(RedisTarget::parts),
        }
    }

    /// The host and port check `name` dials, when it dials one.
    /// The redacted URL of Redis check `name` (its query survives
    /// redaction; ioredis reads `family` from it).
    pub(crate) fn redis_url_of(&self, name: CheckName) -> Option<&str> {
        match self.url_setting(name)? {
            UrlSetting::Redis(_, s) => s.target().map(|t| t.redacted.as_str()),
            UrlSetting::Postgresql(..) => None,
        }
    }

    pub(crate) fn endpoint(&self, name: CheckName) -> Option<(&str, u16)> {
        self.dialed(name).map(|(host, port, _)| (host, port))
    }

    /// The host, port and `--resolve` addresses check `name` dials.
    pub(crate) fn dialed(&self, name: CheckName) -> Option<(&str, u16, &[IpAddr])> {
        match self.url_setting(name)? {
            UrlSetting::Postgresql(_, s) => s
                .target()
                .map(|t| (t.host.as_str(), t.port, t.dial.as_slice())),
            UrlSetting::Redis(_, s) => s
                .target()
                .map(|t| (t.host.as_str(), t.port, t.dial.as_slice())),
        }
    }

    /// Whether a selected check may do TLS or sign with a key pair, the
    /// operations that need aws-lc's random generator.
    pub(crate) fn may_need_randomness(&self) -> bool {
        // The selection once, not once per setting (quadratic, issue 18).
        let selected: HashSet<CheckName> = self
            .checks()
            .iter()
            .filter(|c| c.selected.is_some())
            .map(|c| c.name)
            .collect();
        let selected = |name: CheckName| selected.contains(&name);
        let tls = self.url_settings().any(|setting| match setting {
            UrlSetting::Postgresql(name, s) => {
                selected(name)
                    && s.target()
                        .is_some_and(|t| t.sslmode != postgres::SslMode::Disable)
            }
            UrlSetting::Redis(name, s) => {
                selected(name) && s.target().is_some_and(|t| t.tls != redis::RedisTls::Off)
            }
        });
        let jwt_keys = !self.jwt.algorithm_name().starts_with("HS");
        tls || (selected(CheckName::JWT) && jwt_keys)
    }
}

/// A PostgreSQL or Redis setting with its check's name.
#[derive(Clone, Copy)]
enum UrlSetting<'a> {
    Postgresql(CheckName, &'a Setting<PgTarget>),
    Redis(CheckName, &'a Setting<RedisTarget>),
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
    normalize: normalize::postgres,
    parse: PgTarget::parse,
    fill: PgTarget::fill_from_env,
    show_query: PgTarget::show_query_as_given,
};

/// A PostgreSQL URL of an app whose driver is node-postgres.
const POSTGRES_NODE: UrlKind<PgTarget> = UrlKind {
    normalize: normalize::postgres_node,
    fill: PgTarget::fill_from_env_node,
    ..POSTGRES
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
    if !env.is_utf8(var) {
        return Setting::Invalid {
            source,
            error: UrlError {
                code: crate::model::Code::InvalidUrl,
                message: crate::words::value_not_utf8(var),
            },
            findings: Vec::new(),
        };
    }
    let mut normalized = (kind.normalize)(raw, var);
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
        let names: Vec<&str> = config.extra.iter().map(|e| e.name.as_str()).collect();
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
