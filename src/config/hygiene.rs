//! Secret hygiene and platform sanity, judged from the configuration alone:
//! a `.env` file with real credentials that git would commit, a JWT secret
//! that is also a database password, and a loopback target in a process
//! that Railway's variables say runs on Railway (nothing listens on
//! localhost in the app's container).

use crate::i18n::{Message, msg};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::Config;
use crate::model::FindingCode;
use crate::model::{CheckName, Finding};
use crate::source::EnvSource;

/// Variables Railway injects at runtime (and `railway run` on a laptop).
const RAILWAY_MARKERS: &[&str] = &[
    "RAILWAY_ENVIRONMENT",
    "RAILWAY_ENVIRONMENT_NAME",
    "RAILWAY_PROJECT_ID",
    "RAILWAY_SERVICE_ID",
];

/// A finding and the check it belongs to.
pub(crate) type Note = (CheckName, Finding);

pub(crate) fn notes(config: &Config, env: &EnvSource) -> Vec<Note> {
    let mut notes = Vec::new();
    // One budget for every env file, inside the run's own deadline.
    let git_deadline = Instant::now() + GIT_TIMEOUT.min(config.timeout);
    for file in env.files().iter().filter(|f| committable(f, git_deadline)) {
        let shown = file.display().to_string();
        let finding = Finding::warn(FindingCode::Hygiene, env_file_committable(&shown));
        notes.extend(
            checks_using(config, file)
                .into_iter()
                .map(|check| (check, finding.clone())),
        );
    }
    notes.extend(shared_secret(config));
    // `railway run` sets the same variables on a laptop, where localhost is
    // fine: an info note, not a warning.
    if env.first(RAILWAY_MARKERS).is_some() {
        notes.extend(loopback_on_railway(config));
    }
    if env.get("DATABASE_UNPOOLED_URL").is_some() {
        notes.push((
            CheckName::POSTGRES,
            Finding::info(FindingCode::Pooler, msg::pooled_url()),
        ));
    }
    notes
}

/// The checks whose values came from `file` (at least one, so the
/// warning is said once even when no check used the file).
fn checks_using(config: &Config, file: &Path) -> Vec<CheckName> {
    let using: Vec<CheckName> = config
        .configured
        .iter()
        .filter(|c| c.setup.origins().iter().any(|o| o.is_file(file)))
        .map(|c| c.name)
        .collect();
    if using.is_empty() {
        vec![CheckName::POSTGRES]
    } else {
        using
    }
}

/// Whether git would track `file`: inside a work tree and not ignored.
/// `git check-ignore` exits 0 when ignored, 1 when not, 128 outside a
/// repository; no git at all means nothing to say.
fn committable(file: &Path, deadline: Instant) -> bool {
    static SEEN: OnceLock<Mutex<HashMap<PathBuf, bool>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Mutex::default);
    if let Some(&known) = seen.lock().ok().and_then(|m| m.get(file).copied()).as_ref() {
        return known;
    }
    let answer = ask_git(file, deadline);
    if let Ok(mut map) = seen.lock() {
        map.insert(file.to_path_buf(), answer);
    }
    answer
}

/// Runs `git check-ignore` once, defanged and bounded: no fsmonitor or
/// hook of the repository runs, no lock is taken, and a git that does not
/// answer by `deadline` (a second at most, and never past `--timeout`) is
/// killed: the answer is then "don't know".
fn ask_git(file: &Path, deadline: Instant) -> bool {
    if Instant::now() >= deadline {
        return false;
    }
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let child = Command::new("git")
        .args([
            "-c",
            "core.fsmonitor=",
            "-c",
            "core.hooksPath=/dev/null",
            "-C",
        ])
        .arg(dir)
        .args(["check-ignore", "-q", "--"])
        .arg(file.file_name().unwrap_or_default())
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else { return false };
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.code() == Some(1),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

const GIT_TIMEOUT: Duration = Duration::from_secs(1);

/// The JWT secret reused as a database or Redis password: one leak opens
/// both, and rotating one breaks the other.
fn shared_secret(config: &Config) -> Option<Note> {
    let jwt = config
        .configured
        .iter()
        .find(|c| c.name == CheckName::JWT)?;
    let secret = *jwt.setup.secrets().first()?;
    let reused = config.service_passwords().contains(&secret);
    reused.then(|| {
        (
            CheckName::JWT,
            Finding::warn(FindingCode::Hygiene, msg::jwt_secret_reused()),
        )
    })
}

fn loopback_on_railway(config: &Config) -> Vec<Note> {
    // The defaults are named by their kind (`the redis target`), the
    // others by their variable.
    config
        .configured
        .iter()
        .filter(|c| c.setup.is_loopback())
        .map(|c| {
            let said = if c.name.is_default() {
                c.setup.kind().as_str()
            } else {
                c.name.as_str()
            };
            (c.name, said)
        })
        .map(|(check, said)| {
            let note = msg::loopback_on_railway(said);
            (check, Finding::info(FindingCode::Hygiene, note))
        })
        .collect()
}

pub(crate) fn env_file_committable(path: &str) -> Message {
    msg::env_file_committable(path.to_string())
}
