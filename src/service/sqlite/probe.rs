//! The `DATABASE_URL` check when it names SQLite: no network steps, the
//! query step reads the file's header instead. On Railway a container's
//! disk is replaced on every deploy, so a file outside the volume loses its
//! data each time.

use crate::i18n::{Message, msg};
use std::path::Path;
use std::time::Instant;

use crate::model::{Code, FindingCode};
use crate::model::{Failure, Finding, Ladder, ProbeOutcome, StepName};
use crate::service::sqlite::url::SqliteTarget;

/// The first 16 bytes of every SQLite 3 database file.
const HEADER: &[u8; 16] = b"SQLite format 3\0";

pub(crate) fn probe(target: &SqliteTarget) -> ProbeOutcome {
    let mut ladder = Ladder::new(crate::service::Kind::Sqlite.steps());
    let started = Instant::now();
    ladder.pass(
        StepName::Config,
        started,
        crate::service::setting::config_from(&target.source),
    );
    for step in [StepName::Dns, StepName::Tcp, StepName::Tls, StepName::Auth] {
        ladder.skip(step, msg::sqlite_no_network());
    }
    let started = Instant::now();
    match &target.path {
        None => {
            ladder.finding(Finding::warn(FindingCode::Sqlite, msg::sqlite_in_memory()));
            ladder.pass(StepName::Query, started, msg::sqlite_in_memory_target());
        }
        Some(path) => check_file(path, started, &mut ladder),
    }
    note_volume(target, &mut ladder);
    ladder.finish(
        msg::verbatim(target.url.clone()),
        Some(target.source.clone()),
    )
}

fn check_file(path: &Path, started: Instant, ladder: &mut Ladder) {
    let shown = path.display().to_string();
    let meta = match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => meta,
        Ok(_) => {
            return ladder.fail(
                StepName::Query,
                Some(started),
                Failure::new(Code::QueryFailed, sqlite_not_a_file(&shown)),
            );
        }
        Err(_) => {
            ladder.finding(Finding::warn(FindingCode::Sqlite, sqlite_missing(&shown)));
            return ladder.pass(StepName::Query, started, sqlite_missing(&shown));
        }
    };
    // Read without blocking: the path was a regular file a moment ago, but
    // a FIFO swapped in must not hang the check.
    let read = crate::file::read_prefix(path, HEADER.len() as u64).and_then(|header| {
        if header.len() == HEADER.len() {
            Ok(header)
        } else {
            Err(std::io::ErrorKind::UnexpectedEof.into())
        }
    });
    match read {
        Ok(header) if header == HEADER => {
            ladder.pass(StepName::Query, started, sqlite_ok(&shown, meta.len()));
        }
        Ok(_) => ladder.fail(
            StepName::Query,
            Some(started),
            Failure::new(Code::QueryFailed, sqlite_not_sqlite(&shown)),
        ),
        Err(e) if meta.len() == 0 => {
            let _ = e;
            ladder.pass(StepName::Query, started, sqlite_ok(&shown, 0));
        }
        Err(e) => ladder.fail(
            StepName::Query,
            Some(started),
            Failure::new(
                Code::QueryFailed,
                sqlite_unreadable(&shown, &crate::i18n::io_reason(&e)),
            ),
        ),
    }
}

/// Data survives a Railway redeploy only under `RAILWAY_VOLUME_MOUNT_PATH`.
fn note_volume(target: &SqliteTarget, ladder: &mut Ladder) {
    let inside_volume = match (&target.path, &target.volume) {
        (Some(path), Some(volume)) => path.starts_with(volume),
        _ => false,
    };
    if !inside_volume {
        ladder.finding(Finding::warn(
            FindingCode::Sqlite,
            sqlite_ephemeral(target.volume.as_deref()),
        ));
    }
}

pub(crate) fn sqlite_missing(path: &str) -> Message {
    msg::sqlite_missing(path.to_string())
}

pub(crate) fn sqlite_not_a_file(path: &str) -> Message {
    msg::sqlite_not_a_file(path.to_string())
}

pub(crate) fn sqlite_not_sqlite(path: &str) -> Message {
    msg::sqlite_not_sqlite(path.to_string())
}

pub(crate) fn sqlite_unreadable(path: &str, error: &Message) -> Message {
    msg::sqlite_unreadable(path.to_string(), error.clone())
}

pub(crate) fn sqlite_ok(path: &str, bytes: u64) -> Message {
    msg::sqlite_ok(path.to_string(), bytes.div_ceil(1024))
}

pub(crate) fn sqlite_ephemeral(volume: Option<&Path>) -> Message {
    match volume {
        Some(volume) => msg::sqlite_outside_volume(volume.display().to_string()),
        None => msg::sqlite_no_volume(),
    }
}
