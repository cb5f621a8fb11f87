//! `railconn env`: every variable railconn would use, redacted, with where
//! its value came from (process environment, which `.env` file, a flag, a
//! default), which are missing or shadowed, and the targets a check would
//! dial. Secrets show only their length; URLs show with `***` for the
//! password.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use serde::Serialize;

use crate::cli::EnvArgs;
use crate::config;
use crate::error::AppError;
use crate::i18n::{Lang, msg, say};
use crate::report::Format;
use crate::service::jwt::settings as jwt;
use crate::service::postgres::url::{ChannelBinding, PgTarget, RootCert};
use crate::service::redis::url::{Protocol, RedisTarget, RedisTls};
use crate::service::setting::Setting;
use crate::service::sqlite::url::SqliteTarget;
use crate::source::url;
use crate::source::{EnvSource, Var};
use crate::{exit, provider, words};

/// How a variable's value may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Url,
    Secret,
    Key,
    Plain,
}

/// The variables railconn reads from env and `.env`, in groups where the
/// first one set wins.
const GROUPS: &[(&[&str], Kind)] = &[
    (config::DATABASE_URL_VARS, Kind::Url),
    (config::REDIS_URL_VARS, Kind::Url),
    (config::DATABASE_PUBLIC_URL_VARS, Kind::Url),
    (config::REDIS_PUBLIC_URL_VARS, Kind::Url),
    (&["PGHOST"], Kind::Plain),
    (&["PGPORT"], Kind::Plain),
    (&["PGUSER"], Kind::Plain),
    (&["PGPASSWORD"], Kind::Secret),
    (&["PGDATABASE"], Kind::Plain),
    (&["PGSSLMODE"], Kind::Plain),
    (&["PGSSLROOTCERT"], Kind::Plain),
    (&["REDISHOST"], Kind::Plain),
    (&["REDISPORT"], Kind::Plain),
    (&["REDISUSER"], Kind::Plain),
    (&["REDISPASSWORD"], Kind::Secret),
    (jwt::SECRET_VARS, Kind::Secret),
    (jwt::ALGORITHM_VARS, Kind::Plain),
    (&[jwt::PRIVATE_KEY_VAR], Kind::Key),
    (&[jwt::PUBLIC_KEY_VAR], Kind::Key),
    (jwt::LIFETIME_VARS, Kind::Plain),
];

#[derive(Debug, Serialize)]
struct Entry {
    name: &'static str,
    /// `set`, `missing`, or `shadowed` (an earlier variable of its group wins).
    state: &'static str,
    value: Option<String>,
    source: Option<String>,
}

#[derive(Debug, Serialize)]
struct Target {
    check: String,
    #[serde(rename = "target")]
    dialed: String,
    source: String,
    /// The provider's id (`unknown` when no row matches); `null` when
    /// nothing would be dialed.
    provider: Option<&'static str>,
    /// What the probe will dial, part by part; `null` when nothing is.
    parts: Option<Parts>,
    #[serde(skip)]
    provider_name: Option<&'static str>,
}

/// A target's parsed parts (issue 10): exactly what the probe uses, after
/// every clean-up, `PG*` default and `--resolve`. `schema/env.schema.json`
/// documents them.
#[derive(Debug, Serialize)]
struct Parts {
    host: String,
    /// PostgreSQL `hostaddr`: dialed instead of resolving `host`.
    hostaddr: Option<String>,
    port: u16,
    user: Option<String>,
    /// Whether a password is set (never the password).
    password: bool,
    /// The PostgreSQL database name, or the Redis database number.
    database: Option<Database>,
    /// PostgreSQL: the sslmode; Redis: `off`, `verify` or `insecure`.
    tls: &'static str,
    /// Every other option the probe acts on, by its URL name.
    options: BTreeMap<&'static str, String>,
    /// libpq parameters accepted and not acted on.
    ignored: Vec<String>,
    /// Addresses given with `--resolve`, dialed instead of DNS.
    resolve: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Database {
    Name(String),
    Number(i64),
}

impl Parts {
    fn postgres(t: &PgTarget) -> Self {
        let mut options = BTreeMap::new();
        if let Some(root) = &t.sslrootcert {
            let shown = match root {
                RootCert::File(path) => path.display().to_string(),
                RootCert::System => "system".to_string(),
            };
            options.insert("sslrootcert", shown);
        }
        let binding = match t.channel_binding {
            ChannelBinding::Disable => "disable",
            ChannelBinding::Prefer => "prefer",
            ChannelBinding::Require => "require",
        };
        options.insert("channel_binding", binding.to_string());
        if let Some(name) = &t.application_name {
            options.insert("application_name", name.clone());
        }
        if let Some(value) = &t.options {
            options.insert("options", value.clone());
        }
        Self {
            host: t.host.clone(),
            hostaddr: t.hostaddr.map(|a| a.to_string()),
            port: t.port,
            user: t.user.clone(),
            password: t.password.is_some(),
            database: t.dbname.clone().map(Database::Name),
            tls: t.sslmode.as_str(),
            options,
            ignored: t.ignored.clone(),
            resolve: t.dial.iter().map(ToString::to_string).collect(),
        }
    }

    fn redis(t: &RedisTarget) -> Self {
        let protocol = match t.protocol {
            Protocol::Resp2 => "resp2",
            Protocol::Resp3 => "resp3",
        };
        Self {
            host: t.host.clone(),
            hostaddr: None,
            port: t.port,
            user: t.username.clone(),
            password: t.password.is_some(),
            database: Some(Database::Number(t.db)),
            tls: match t.tls {
                RedisTls::Off => "off",
                RedisTls::Verified => "verify",
                RedisTls::Insecure => "insecure",
            },
            options: BTreeMap::from([("protocol", protocol.to_string())]),
            ignored: Vec::new(),
            resolve: t.dial.iter().map(ToString::to_string).collect(),
        }
    }

    /// `host=… port=…`, each value escaped, for the text report.
    fn line(&self) -> String {
        let mut pairs = vec![("host", self.host.clone())];
        if let Some(addr) = &self.hostaddr {
            pairs.push(("hostaddr", addr.clone()));
        }
        pairs.push(("port", self.port.to_string()));
        if let Some(user) = &self.user {
            pairs.push(("user", user.clone()));
        }
        match &self.database {
            Some(Database::Name(name)) => pairs.push(("database", name.clone())),
            Some(Database::Number(n)) => pairs.push(("database", n.to_string())),
            None => {}
        }
        pairs.push(("tls", self.tls.to_string()));
        pairs.extend(self.options.iter().map(|(k, v)| (*k, v.clone())));
        if !self.resolve.is_empty() {
            pairs.push(("resolve", self.resolve.join(",")));
        }
        if !self.ignored.is_empty() {
            pairs.push(("ignored", self.ignored.join(",")));
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", url::escape_controls(v)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Debug, Serialize)]
struct EnvReport {
    variables: Vec<Entry>,
    targets: Vec<Target>,
    /// URLs of kinds railconn does not check.
    not_checked: Vec<config::scan::Unchecked>,
}

pub(crate) fn run(args: &EnvArgs) -> Result<ExitCode, AppError> {
    if !matches!(args.format, Format::Text | Format::Json) {
        return Err(AppError::FormatNotSupported {
            command: "env",
            supported: "text or json",
        });
    }
    let env = super::load_env(&args.source)?;
    let pins = super::pins(&args.source)?;
    let (targets, not_checked) = targets(args, &env, pins);
    let report = EnvReport {
        variables: GROUPS
            .iter()
            .flat_map(|(names, kind)| group(&env, names, *kind))
            .collect(),
        targets,
        not_checked,
    };
    let mut out = std::io::stdout().lock();
    let written = match args.format {
        Format::Json => serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        _ => write_text(&report, &mut out),
    };
    written
        .and_then(|()| out.flush())
        .map_err(AppError::Output)?;
    Ok(exit::READY.into())
}

fn group(env: &EnvSource, names: &[&'static str], kind: Kind) -> Vec<Entry> {
    let mut winner_seen = false;
    names
        .iter()
        .map(|&name| match env.get(name) {
            Some(var) => {
                let state = if winner_seen { "shadowed" } else { "set" };
                winner_seen = true;
                Entry {
                    name,
                    state,
                    value: Some(shown(&var, kind)),
                    source: Some(var.origin.describe()),
                }
            }
            None => Entry {
                name,
                state: "missing",
                value: None,
                source: None,
            },
        })
        .collect()
}

/// A value as it may be shown: never a secret, never key material.
fn shown(var: &Var, kind: Kind) -> String {
    match kind {
        Kind::Url => {
            let clean = config::normalize::postgres(&var.value, var.name).value;
            if let Some(sqlite) = SqliteTarget::parse(&clean, String::new(), None) {
                // A SQLite URL names a file; a SQLCipher passphrase is masked.
                return sqlite.url;
            }
            // The URL as given, secrets masked, nothing re-encoded; invalid
            // exactly when `check` calls it invalid.
            let shown = if clean.starts_with("redis") {
                let clean = config::normalize::redis(&var.value, var.name).value;
                RedisTarget::parse(&clean).map(|t| t.redacted)
            } else {
                PgTarget::parse(&clean).map(|t| t.redacted)
            };
            shown.unwrap_or_else(|e| say(&words::env_invalid_url(&e.message)))
        }
        Kind::Secret => say(&words::env_secret(var.value.len())),
        Kind::Key => say(&words::env_key(&var.value)),
        Kind::Plain => var
            .value
            .chars()
            .filter(|c| !c.is_control())
            .take(40)
            .collect(),
    }
}

/// Every target a check would dial, defaults first, and the URLs that no
/// check reads.
fn targets(
    args: &EnvArgs,
    env: &EnvSource,
    pins: Vec<config::Pin>,
) -> (Vec<Target>, Vec<config::scan::Unchecked>) {
    let overrides = config::Overrides {
        database_url: args.source.database_url.clone(),
        redis_url: args.source.redis_url.clone(),
        public: args.source.public,
        resolve: pins,
        discover: !args.source.no_discover,
        targets: args.source.targets.clone(),
    };
    let config = config::Config::resolve(
        &overrides,
        env,
        config::Selection::default(),
        Duration::default(),
        Duration::default(),
    );
    let settings = jwt::JwtSettings::from_env(env);
    let postgres = match &config.sqlite {
        Some(sqlite) => Target {
            check: "postgres".to_string(),
            dialed: sqlite.url.clone(),
            source: sqlite.source.clone(),
            provider: None,
            provider_name: None,
            parts: None,
        },
        None => target(
            "postgres",
            &config.postgres,
            |t: &PgTarget| (t.redacted.clone(), t.host.clone(), Parts::postgres(t)),
            config.hints,
        ),
    };
    let extra = config.extra.iter().map(|e| match &e.setting {
        config::ExtraSetting::Postgresql(setting) => target(
            e.name.as_str(),
            setting,
            |t: &PgTarget| (t.redacted.clone(), t.host.clone(), Parts::postgres(t)),
            config.hints,
        ),
        config::ExtraSetting::Redis(setting) => target(
            e.name.as_str(),
            setting,
            |t: &RedisTarget| (t.redacted.clone(), t.host.clone(), Parts::redis(t)),
            config.hints,
        ),
    });
    let defaults = [
        postgres,
        target(
            "redis",
            &config.redis,
            |t: &RedisTarget| (t.redacted.clone(), t.host.clone(), Parts::redis(t)),
            config.hints,
        ),
        Target {
            check: "jwt".to_string(),
            dialed: say(&words::jwt_target(settings.algorithm_name())),
            source: settings
                .algorithm
                .as_ref()
                .map_or_else(|| say(&msg::env_default()), |a| a.name.to_string()),
            provider: None,
            provider_name: None,
            parts: None,
        },
    ];
    let targets = defaults.into_iter().chain(extra).collect();
    (targets, config.unchecked)
}

/// `describe` gives a ready target's redacted URL, host and parts.
fn target<T>(
    check: &str,
    setting: &Setting<T>,
    describe: fn(&T) -> (String, String, Parts),
    hints: provider::Hints,
) -> Target {
    let source = setting.source().unwrap_or_default().to_string();
    let (target, place, parts) = match setting {
        Setting::Ready { target, .. } => {
            let (url, host, parts) = describe(target);
            (url, Some(provider::identify(&host, hints)), Some(parts))
        }
        Setting::Invalid { source, .. } => (say(&words::target_invalid(source)), None, None),
        Setting::Missing { vars, .. } => (say(&words::target_missing(vars)), None, None),
    };
    Target {
        check: check.to_string(),
        dialed: target,
        source,
        provider: place.map(|p| p.id),
        provider_name: place.filter(|p| !p.is_unknown()).map(|p| p.name),
        parts,
    }
}

fn write_text(report: &EnvReport, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}", Lang::for_run().render(&msg::env_variables()))?;
    for entry in &report.variables {
        let value = entry.value.as_deref().unwrap_or("-");
        let source = entry.source.as_deref().unwrap_or("");
        writeln!(
            out,
            "  {:<34} {:<9} {value}  {source}",
            entry.name, entry.state
        )?;
    }
    writeln!(out, "\n{}", Lang::for_run().render(&msg::env_targets()))?;
    for target in &report.targets {
        write!(
            out,
            "  {:<9} {}  {}",
            target.check, target.dialed, target.source
        )?;
        match target.provider_name {
            Some(name) => writeln!(out, "  [{name}]")?,
            None => writeln!(out)?,
        }
        if let Some(parts) = &target.parts {
            writeln!(out, "  {:<9} {}", "", parts.line())?;
        }
    }
    if !report.not_checked.is_empty() {
        writeln!(
            out,
            "\n{}:",
            Lang::for_run().render(&msg::label_not_checked())
        )?;
    }
    for url in &report.not_checked {
        let line = msg::not_checked(url.variable.clone(), url.scheme.clone(), url.origin.clone());
        writeln!(out, "  {}", Lang::for_run().render(&line))?;
    }
    Ok(())
}
