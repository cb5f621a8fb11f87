//! Whether the app's manifests name a Redis client at all (issue 21,
//! item 4): a Celery app on RabbitMQ has no Redis, and a missing
//! `REDIS_URL` is then no reason to stop its deploy.
//!
//! Deliberately coarse, so that it errs toward keeping Redis required: a
//! manifest names Redis when its text says `redis` anywhere (`redis`,
//! `ioredis`, `django-redis`, `celery[redis]`, `dramatiq[redis]`…) or
//! names a queue library that needs Redis without saying so (`rq`, `arq`,
//! `huey`, `bull`, `bullmq`, `bee-queue`, `kue`). Each file is read with
//! the bounded, non-blocking reader of `crate::file`.

use std::path::Path;

/// The manifests read: the ones that list an app's dependencies by hand.
const MANIFESTS: &[&str] = &["package.json", "pyproject.toml", "Pipfile"];

/// Queue libraries backed by Redis whose names do not say so.
const REDIS_BACKED: &[&str] = &["rq", "arq", "huey", "bull", "bullmq", "bee-queue", "kue"];

/// The most of a manifest read (as `manifest::MAX_MANIFEST`).
const LIMIT: u64 = 16 * 1024 * 1024;

/// The manifests in `dir`, comma-separated, when there is at least one
/// and none of them names a Redis client; `None` otherwise (no manifest,
/// an unreadable one, or Redis named).
pub(crate) fn without_redis(dir: &Path) -> Option<String> {
    let mut read = Vec::new();
    for name in manifest_names(dir) {
        let path = dir.join(&name);
        if !path.is_file() {
            continue;
        }
        let bytes = crate::file::read_regular(&path, LIMIT).ok()?;
        if names_redis(&String::from_utf8_lossy(&bytes)) {
            return None;
        }
        read.push(name);
    }
    (!read.is_empty()).then(|| read.join(", "))
}

/// `package.json`, `pyproject.toml`, `Pipfile` and `requirements*.txt`.
fn manifest_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = MANIFESTS.iter().map(|n| (*n).to_string()).collect();
    names.extend(super::manifest::requirements_names(dir));
    names
}

fn names_redis(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("redis")
        || lower
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .any(|word| {
                // `django-rq` names `rq`; `bee-queue` is one name.
                REDIS_BACKED.contains(&word)
                    || word
                        .split(['-', '_'])
                        .any(|part| REDIS_BACKED.contains(&part))
            })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_is_named_by_any_mention_or_a_redis_backed_queue() {
        for named in [
            "celery[redis]==5.4",
            "redis>=5",
            "\"ioredis\": \"^5\"",
            "django-rq==2",
            "rq==1.16",
            "\"bullmq\": \"^5\"",
        ] {
            assert!(names_redis(named), "{named}");
        }
        for free in [
            "celery==5.4\nkombu\npsycopg2-binary",
            "\"amqplib\": \"^0.10\"",
            "requests",
        ] {
            assert!(!names_redis(free), "{free}");
        }
    }

    #[test]
    fn no_manifest_says_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(without_redis(dir.path()), None);
        std::fs::write(dir.path().join("requirements.txt"), "celery==5.4\n").unwrap();
        assert_eq!(
            without_redis(dir.path()).as_deref(),
            Some("requirements.txt")
        );
        std::fs::write(
            dir.path().join("package.json"),
            "{\"dependencies\":{\"redis\":\"4\"}}",
        )
        .unwrap();
        assert_eq!(without_redis(dir.path()), None);
    }
}
