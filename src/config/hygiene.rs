//! Secret hygiene and platform sanity, judged from the configuration alone:
//! a `.env` file with real credentials that git would commit, a JWT secret
//! that is also a database password, and a loopback target in a process
//! that Railway's variables say runs on Railway (nothing listens on
//! localhost in the app's container).

use std::path::Path;
use std::process::{Command, Stdio};

use super::source::EnvSource;
use super::{Config, Setting};
use crate::code::FindingCode;
use crate::probe::{CheckName, Finding};
use crate::words;

/// Variables Railway injects at runtime (and `railway run` on a laptop).
const RAILWAY_MARKERS: &[&str] = &[
    "RAILWAY_ENVIRONMENT",
    "RAILWAY_ENVIRONMENT_NAME",
    "RAILWAY_PROJECT_ID",
    "RAILWAY_SERVICE_ID",
];

/// A finding and the check it belongs to.
pub type Note = (CheckName, Finding);

pub fn notes(config: &Config, env: &EnvSource) -> Vec<Note> {
    let mut notes = Vec::new();
    for file in env.files().iter().filter(|f| committable(f)) {
        let shown = file.display().to_string();
        let finding = Finding::warn(FindingCode::Hygiene, words::env_file_committable(&shown));
        notes.extend(
            checks_using(config, &shown)
                .into_iter()
                .map(|check| (check, finding.clone())),
        );
    }
    notes.extend(shared_secret(config));
    if env.first(RAILWAY_MARKERS).is_some() {
        notes.extend(loopback_on_railway(config));
    }
    if env.get("DATABASE_UNPOOLED_URL").is_some() {
        notes.push((
            CheckName::Postgres,
            Finding::info(FindingCode::Pooler, words::pooled_url()),
        ));
    }
    notes
}

/// The checks whose values came from the file shown as `shown` (at least
/// one, so the warning is said once even when no check used the file).
fn checks_using(config: &Config, shown: &str) -> Vec<CheckName> {
    let from_file = |source: Option<&str>| source.is_some_and(|s| s.contains(shown));
    let jwt_source = config
        .jwt
        .secret
        .as_ref()
        .or(config.jwt.private_key.as_ref())
        .map(|v| v.origin.as_str());
    let sources = [
        (CheckName::Postgres, setting_source(&config.postgres)),
        (CheckName::Redis, setting_source(&config.redis)),
        (CheckName::Jwt, jwt_source),
    ];
    let using: Vec<CheckName> = sources
        .iter()
        .filter(|(_, s)| from_file(*s))
        .map(|(c, _)| *c)
        .collect();
    if using.is_empty() {
        vec![CheckName::Postgres]
    } else {
        using
    }
}

fn setting_source<T>(setting: &Setting<T>) -> Option<&str> {
    match setting {
        Setting::Ready { source, .. } | Setting::Invalid { source, .. } => Some(source),
        Setting::Missing { .. } => None,
    }
}

/// Whether git would track `file`: inside a work tree and not ignored.
/// `git check-ignore` exits 0 when ignored, 1 when not, 128 outside a
/// repository; no git at all means nothing to say.
fn committable(file: &Path) -> bool {
    let Some(dir) = file.parent().map(|d| {
        if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d
        }
    }) else {
        return false;
    };
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["check-ignore", "-q", "--"])
        .arg(file.file_name().unwrap_or_default())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    status.is_ok_and(|s| s.code() == Some(1))
}

/// The JWT secret reused as a database or Redis password: one leak opens
/// both, and rotating one breaks the other.
fn shared_secret(config: &Config) -> Option<Note> {
    let secret = config.jwt.secret.as_ref()?.value.expose();
    let passwords = [
        ready_password(&config.postgres, |t| t.password.as_ref()),
        ready_password(&config.redis, |t| t.password.as_ref()),
    ];
    let reused = passwords.iter().flatten().any(|p| *p == secret);
    reused.then(|| {
        (
            CheckName::Jwt,
            Finding::warn(FindingCode::Hygiene, words::jwt_secret_reused()),
        )
    })
}

fn ready_password<'a, T>(
    setting: &'a Setting<T>,
    get: fn(&'a T) -> Option<&'a super::secret::Secret>,
) -> Option<&'a str> {
    match setting {
        Setting::Ready { target, .. } => get(target).map(super::secret::Secret::expose),
        _ => None,
    }
}

fn loopback_on_railway(config: &Config) -> Vec<Note> {
    let postgres =
        matches!(&config.postgres, Setting::Ready { target, .. } if target.is_loopback());
    let redis = matches!(&config.redis, Setting::Ready { target, .. } if target.is_loopback());
    [
        (postgres, CheckName::Postgres, "DATABASE_URL"),
        (redis, CheckName::Redis, "REDIS_URL"),
    ]
    .into_iter()
    .filter(|(loopback, _, _)| *loopback)
    .map(|(_, check, var)| {
        (
            check,
            Finding::warn(FindingCode::Hygiene, words::loopback_on_railway(var)),
        )
    })
    .collect()
}
