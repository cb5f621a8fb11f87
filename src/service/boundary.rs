//! The boundary of a kind, enforced (issue 19, item 5): a kind is its
//! folder under `src/service/`, its registry line (`src/service/mod.rs`)
//! and its variant of `Kind` (`src/model/kind.rs`). These tests fail when
//! the registry misses a kind, and when another file of `src/` names a
//! kind, one of the registry's per-kind variants, or a type of a kind
//! folder, so that a new kind's author is told where the core still needs
//! them, by name, instead of finding out from a silent fallback.

use std::path::{Path, PathBuf};

use super::Kind;

/// Files outside the kind folders that still name kinds, each with why.
/// Phase A of issue 19 leaves them; each is a place a new kind's author
/// must read (ARCHITECTURE.md, "Adding a service kind"). Shrink, never grow.
const EXCEPTIONS: &[(&str, &str)] = &[
    // How each kind's URL is read (flags, variables, component variables,
    // normalizer, parser) and `env`'s view of a URL variable: the URL
    // readers live in `config/normalize.rs` and `config/discover.rs`,
    // above the service floor, until each kind's folder owns its own.
    ("src/config/mod.rs", "UrlKind per kind, parse_extra"),
    // The driver rules hook: `driver` imports `service`, so the registry
    // cannot call the drivers; the rules are applied per kind here.
    ("src/command/mod.rs", "driver rules hook"),
    // The app's drivers and their rules are per kind by nature, and their
    // files are not moved in this phase.
    ("src/driver/amqp.rs", "drivers"),
    ("src/driver/mod.rs", "drivers"),
    ("src/driver/mysql.rs", "drivers"),
    ("src/driver/postgres.rs", "drivers"),
    ("src/driver/prepared.rs", "drivers"),
    ("src/driver/redis.rs", "drivers"),
    ("src/driver/refusals.rs", "drivers"),
    ("src/driver/sockets.rs", "drivers"),
    // Provider rows are keyed by kind (the table's `postgres(…)` and
    // `redis(…)` row builders).
    ("src/provider/mod.rs", "provider rows by kind"),
    (
        "src/diagnose.rs",
        "poolers are PostgreSQL's; a TLS-only tip is Redis's",
    ),
    // Docs generator: `explain` names each kind's variable and ladder.
    ("src/command/explain.rs", "docs generator"),
    // What the fuzz targets and integration tests may reach.
    ("src/lib.rs", "exports for fuzz targets"),
];

/// Names a kind folder declares that another crate's type shares, so a
/// file naming them does not name the kind: `socket2::Protocol` is TCP's
/// (`monitor/server.rs`), Redis's `Protocol` is RESP's.
const SHARED_NAMES: &[&str] = &["Protocol"];

/// The names that identify one kind: its variants and its folder's types.
fn kind_names() -> Vec<String> {
    let mut names = Vec::new();
    for kind in Kind::ALL {
        for owner in ["Kind", "Setup", "Target"] {
            names.push(format!("{owner}::{kind:?}"));
        }
    }
    for dir in ["amqp", "jwt", "mysql", "postgres", "redis", "sqlite"] {
        for file in rust_files(&root().join("src/service").join(dir)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for line in text.lines() {
                let line = line.trim_start();
                let Some(rest) = ["pub(crate) ", "pub "]
                    .iter()
                    .find_map(|p| line.strip_prefix(p))
                else {
                    continue;
                };
                let Some(rest) = ["struct ", "enum "]
                    .iter()
                    .find_map(|p| rest.strip_prefix(p))
                else {
                    continue;
                };
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !SHARED_NAMES.contains(&name.as_str()) {
                    names.push(name);
                }
            }
        }
    }
    names
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// A file's code without its test module (`#[cfg(test)] mod tests {`,
/// at the end of a file by the project's habit); other `#[cfg(test)]`
/// items (a test-only `impl`, `mod docs;`) stay in.
fn without_tests(text: &str) -> &str {
    let mut at = 0;
    while let Some(found) = text[at..].find("\n#[cfg(test)]\nmod ") {
        let start = at + found;
        let line = text[start + "\n#[cfg(test)]\n".len()..].lines().next();
        if line.is_some_and(|l| l.trim_end().ends_with('{')) {
            return &text[..start];
        }
        at = start + 1;
    }
    text
}

/// Whether `text` holds `name` as a whole word (`Kind::Redis` is not in
/// `PeerKind::Redis`, `Kind::Redis` not in `Kind::RedisX`).
fn names(text: &str, name: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// The registry lists every kind exactly once: a new variant does not
/// compile until it is matched here, and then fails until `Kind::ALL`
/// lists it.
#[test]
fn the_registry_lists_every_kind_once() {
    let variants = [
        Kind::Postgresql,
        Kind::Sqlite,
        Kind::Redis,
        Kind::Mysql,
        Kind::Amqp,
        Kind::Jwt,
    ];
    for kind in variants {
        match kind {
            Kind::Postgresql
            | Kind::Sqlite
            | Kind::Redis
            | Kind::Mysql
            | Kind::Amqp
            | Kind::Jwt => {}
        }
        let listed = Kind::ALL.iter().filter(|k| **k == kind).count();
        assert_eq!(listed, 1, "{kind:?} is listed {listed} times in Kind::ALL");
    }
    assert_eq!(Kind::ALL.len(), variants.len());
}

/// No file outside the kind folders, the registry and the kind enum names
/// a kind, but for the listed exceptions (test modules aside: a test may
/// name the kind it tests).
#[test]
fn only_the_kind_folders_and_the_registry_name_a_kind() {
    let names_of_kinds = kind_names();
    let allowed = |path: &str| {
        path.starts_with("src/service/")
            && (path == "src/service/mod.rs"
                || path == "src/service/boundary.rs"
                || path.matches('/').count() == 3)
            || path == "src/model/kind.rs"
            || EXCEPTIONS.iter().any(|(p, _)| *p == path)
    };
    let mut offenders = Vec::new();
    for file in rust_files(&root().join("src")) {
        let path = file
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .to_string();
        if allowed(&path) || path.ends_with("/tests.rs") || path.ends_with("/golden.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = without_tests(&text);
        for name in &names_of_kinds {
            if names(code, name) {
                offenders.push(format!("{path} names {name}"));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "a kind is named outside its folder and the registry \
         (ARCHITECTURE.md, \"Adding a service kind\"):\n{}",
        offenders.join("\n")
    );
    // An exception that no longer names a kind is taken off the list.
    for (path, why) in EXCEPTIONS {
        let text = std::fs::read_to_string(root().join(path)).unwrap();
        let code = without_tests(&text);
        assert!(
            names_of_kinds.iter().any(|n| names(code, n)),
            "{path} ({why}) names no kind any more: take it off EXCEPTIONS"
        );
    }
}
