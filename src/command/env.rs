//! `railconn env`: every variable railconn would use, redacted, with where
//! its value came from (process environment, which `.env` file, a flag, a
//! default), which are missing or shadowed, and the targets a check would
//! dial. Secrets show only their length; URLs show with `***` for the
//! password.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use crate::cli::EnvArgs;
use crate::config;
use crate::error::AppError;
use crate::i18n::{Lang, Message, msg};
use crate::model::{Parts, Provenance};
use crate::report::NotChecked;
use crate::report::env::{EnvReport, Target, VarState, Variable, render};
use crate::service::jwt::settings as jwt;
use crate::service::postgres::url::PgTarget;
use crate::service::redis::url::RedisTarget;
use crate::service::setting::Setting;
use crate::service::sqlite::url::SqliteTarget;
use crate::source::{EnvSource, Var, vars};
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
/// first one set wins (names from their declaration, `source::vars`).
const GROUPS: &[(&[&str], Kind)] = &[
    (config::DATABASE_URL_VARS, Kind::Url),
    (config::REDIS_URL_VARS, Kind::Url),
    (config::DATABASE_PUBLIC_URL_VARS, Kind::Url),
    (config::REDIS_PUBLIC_URL_VARS, Kind::Url),
    (&[vars::PGHOST.name], Kind::Plain),
    (&[vars::PGPORT.name], Kind::Plain),
    (&[vars::PGUSER.name], Kind::Plain),
    (&[vars::PGPASSWORD.name], Kind::Secret),
    (&[vars::PGDATABASE.name], Kind::Plain),
    (&[vars::PGSSLMODE.name], Kind::Plain),
    (&[vars::PGSSLROOTCERT.name], Kind::Plain),
    (&[vars::REDISHOST.name], Kind::Plain),
    (&[vars::REDISPORT.name], Kind::Plain),
    (&[vars::REDISUSER.name], Kind::Plain),
    (&[vars::REDISPASSWORD.name], Kind::Secret),
    (jwt::SECRET_VARS, Kind::Secret),
    (jwt::ALGORITHM_VARS, Kind::Plain),
    (&[jwt::PRIVATE_KEY_VAR], Kind::Key),
    (&[jwt::PUBLIC_KEY_VAR], Kind::Key),
    (jwt::LIFETIME_VARS, Kind::Plain),
];

/// How long a pipe among the `--env-file`s may take: `env` connects nowhere
/// and has no `--timeout`, so it waits as long as `check` does by default.
const PIPE_LIMIT: Duration = Duration::from_secs(10);

pub(crate) fn run(args: &EnvArgs) -> Result<ExitCode, AppError> {
    let env = super::load_env(&args.source, PIPE_LIMIT)?;
    let config = super::resolved(
        &args.source,
        config::Selection::default(),
        &env,
        (Duration::default(), Duration::default()),
    )?;
    let (targets, not_checked) = targets(config, &env);
    let report = EnvReport {
        variables: GROUPS
            .iter()
            .flat_map(|(names, kind)| group(&env, names, *kind))
            .collect(),
        targets,
        not_checked,
    };
    let mut out = std::io::stdout().lock();
    render(&report, args.format, Lang::for_run(), &mut out)
        .and_then(|()| out.flush())
        .map_err(AppError::Output)?;
    Ok(exit::READY.into())
}

fn group(env: &EnvSource, names: &[&'static str], kind: Kind) -> Vec<Variable> {
    let mut winner_seen = false;
    names
        .iter()
        .map(|&name| match env.get(name) {
            Some(var) => {
                let state = if winner_seen {
                    VarState::Shadowed
                } else {
                    VarState::Set
                };
                winner_seen = true;
                Variable {
                    name,
                    state,
                    value: Some(shown(&var, kind)),
                    source: Some(var.origin),
                }
            }
            None => Variable {
                name,
                state: VarState::Missing,
                value: None,
                source: None,
            },
        })
        .collect()
}

/// A value as it may be shown: never a secret, never key material.
fn shown(var: &Var, kind: Kind) -> Message {
    match kind {
        Kind::Url if !var.utf8 => words::env_invalid_url(&words::value_not_utf8(var.name)),
        Kind::Url => {
            let clean = config::normalize::postgres(&var.value, var.name).value;
            if let Some(sqlite) = SqliteTarget::parse(&clean, Provenance::Default, None) {
                // A SQLite URL names a file; a SQLCipher passphrase is masked.
                return msg::verbatim(sqlite.url);
            }
            // The URL as given, secrets masked, nothing re-encoded; invalid
            // exactly when `check` calls it invalid.
            let shown = if clean.starts_with("redis") {
                let clean = config::normalize::redis(&var.value, var.name).value;
                RedisTarget::parse(&clean).map(|t| t.redacted)
            } else {
                PgTarget::parse(&clean).map(|t| t.redacted)
            };
            shown.map_or_else(|e| words::env_invalid_url(&e.message), msg::verbatim)
        }
        Kind::Secret => words::env_secret(var.value.len()),
        Kind::Key => words::env_key(&var.value),
        Kind::Plain => msg::verbatim(
            var.value
                .chars()
                .filter(|c| !c.is_control())
                .take(40)
                .collect(),
        ),
    }
}

/// Every target a check would dial, defaults first, and the URLs that no
/// check reads.
fn targets(config: config::Config, env: &EnvSource) -> (Vec<Target>, Vec<NotChecked>) {
    let settings = jwt::JwtSettings::from_env(env);
    let postgres = match &config.sqlite {
        Some(sqlite) => Target {
            check: "postgres".to_string(),
            dialed: msg::verbatim(sqlite.url.clone()),
            source: Some(sqlite.source.clone()),
            provider: None,
            parts: None,
        },
        None => target(
            "postgres",
            &config.postgres,
            |t: &PgTarget| (t.redacted.clone(), t.host.clone(), t.parts()),
            config.hints,
        ),
    };
    let extra = config.extra.iter().map(|e| match &e.setting {
        config::ExtraSetting::Postgresql(setting) => target(
            e.name.as_str(),
            setting,
            |t: &PgTarget| (t.redacted.clone(), t.host.clone(), t.parts()),
            config.hints,
        ),
        config::ExtraSetting::Redis(setting) => target(
            e.name.as_str(),
            setting,
            |t: &RedisTarget| (t.redacted.clone(), t.host.clone(), t.parts()),
            config.hints,
        ),
    });
    let defaults = [
        postgres,
        target(
            "redis",
            &config.redis,
            |t: &RedisTarget| (t.redacted.clone(), t.host.clone(), t.parts()),
            config.hints,
        ),
        Target {
            check: "jwt".to_string(),
            dialed: crate::service::jwt::probe::target(&settings),
            source: Some(
                settings
                    .algorithm
                    .as_ref()
                    .map_or(Provenance::Default, |a| {
                        Provenance::variable(a.name, a.origin.clone())
                    }),
            ),
            provider: None,
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
    let source = setting.source().cloned();
    let (target, place, parts) = match setting {
        Setting::Ready { target, .. } => {
            let (url, host, parts) = describe(target);
            let place = provider::identify(&host, hints);
            (msg::verbatim(url), Some(place), Some(parts))
        }
        Setting::Invalid { source, .. } => (words::target_invalid(source), None, None),
        Setting::Missing { vars, .. } => (words::target_missing(vars), None, None),
    };
    Target {
        check: check.to_string(),
        dialed: target,
        source,
        provider: place.map(|p| p.id),
        parts,
    }
}

#[cfg(test)]
mod tests {
    use super::{GROUPS, Kind};
    use crate::source::vars::{ALL, VarKind};

    /// `env` shows each variable as its declaration says it may be shown:
    /// the reference page and `env` cannot disagree about a secret.
    #[test]
    fn every_variable_env_shows_is_declared_with_its_kind() {
        for (names, kind) in GROUPS {
            for name in *names {
                let declared = ALL.iter().find(|v| v.name == *name);
                let declared = declared.unwrap_or_else(|| panic!("{name} is not declared"));
                let agrees = match kind {
                    Kind::Url => declared.kind == VarKind::Url,
                    Kind::Secret => declared.kind == VarKind::Secret,
                    Kind::Key => matches!(declared.kind, VarKind::Key | VarKind::Secret),
                    Kind::Plain => declared.kind == VarKind::Plain,
                };
                assert!(
                    agrees,
                    "{name}: env shows it as {kind:?}, declared {:?}",
                    declared.kind
                );
            }
        }
    }
}
