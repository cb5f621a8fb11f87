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
use crate::model::NotChecked;
use crate::report::env::{EnvReport, Target, VarState, Variable, render};
use crate::service::jwt::settings as jwt;
use crate::source::{EnvSource, Var, vars};
use crate::{exit, provider};

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
    (&[vars::PGSSLNEGOTIATION.name], Kind::Plain),
    (&[vars::PGSSLROOTCERT.name], Kind::Plain),
    (&[vars::REDISHOST.name], Kind::Plain),
    (&[vars::REDISPORT.name], Kind::Plain),
    (&[vars::REDISUSER.name], Kind::Plain),
    (&[vars::REDISPASSWORD.name], Kind::Secret),
    (config::MYSQL_URL_VARS, Kind::Url),
    (config::MYSQL_PUBLIC_URL_VARS, Kind::Url),
    (&[vars::MYSQLHOST.name], Kind::Plain),
    (&[vars::MYSQLPORT.name], Kind::Plain),
    (&[vars::MYSQLUSER.name], Kind::Plain),
    (&[vars::MYSQLPASSWORD.name], Kind::Secret),
    (&[vars::MYSQLDATABASE.name], Kind::Plain),
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
    let (targets, not_checked) = targets(config);
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
        Kind::Url if !var.utf8 => env_invalid_url(&msg::value_not_utf8(var.name)),
        // The URL as given, secrets masked, nothing re-encoded; invalid
        // exactly when `check` calls it invalid.
        Kind::Url => config::redacted_url(&var.value, var.name)
            .map_or_else(|e| env_invalid_url(&e.message), msg::verbatim),
        Kind::Secret => msg::env_secret(var.value.len()),
        Kind::Key => env_key(&var.value),
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
fn targets(config: config::Config) -> (Vec<Target>, Vec<NotChecked>) {
    let hints = config.hints;
    let targets = config
        .configured
        .iter()
        .map(|c| {
            let shown = c.setup.shown();
            Target {
                check: c.name.to_string(),
                dialed: c.setup.dialed_words(),
                source: c.setup.shown_source(),
                provider: shown
                    .as_ref()
                    .map(|(_, host, _)| provider::identify(host, hints).id),
                parts: shown.map(|(_, _, parts)| parts),
            }
        })
        .collect();
    (targets, config.unchecked)
}

pub(crate) fn env_invalid_url(message: &Message) -> Message {
    msg::env_invalid_url(message.clone())
}

/// A key variable's value as `env` may show it: how much PEM text, or why
/// the app's JWT library will not take it as it is.
pub(crate) fn env_key(value: &str) -> Message {
    if !value.contains("-----BEGIN") {
        msg::env_key_path()
    } else if value.contains("\\n") {
        msg::env_key_escaped(value.len())
    } else {
        msg::env_key_pem(value.len())
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
