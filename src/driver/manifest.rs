//! Reading an app's manifests for its drivers: `package.json` with
//! `package-lock.json` (npm), `requirements*.txt`, `pyproject.toml` (PEP 621
//! `project.dependencies` and Poetry's `tool.poetry.dependencies`),
//! `Pipfile`, and the lockfiles `poetry.lock`, `uv.lock` and
//! `Pipfile.lock`. Manifests say which drivers the app depends on; a
//! lockfile says which version it gets. Every file is read with the
//! bounded, non-blocking reader of `crate::file`, so a FIFO or a huge file
//! cannot hang the check.
//!
//! Memory stays near the file's own size (issue 18: a 16 MiB `uv.lock`
//! parsed into a `toml` tree cost 740 MB). JSON files are streamed through
//! `serde_json` keeping only the entries that name a driver; `poetry.lock`
//! and `uv.lock` are scanned line by line for each `[[package]]`'s `name`
//! and `version` (both tools write one key per line), not validated; only
//! the hand-written `pyproject.toml` and `Pipfile` are parsed whole, and
//! are refused above [`MAX_TREE`]. What each file says is kept with its
//! size and modification time, so `serve` parses it again only when it
//! changes.
//!
//! pnpm-lock.yaml and yarn.lock are not read (YAML and yarn's own format
//! have no well-kept parser among railconn's dependencies): with them the
//! drivers come from package.json, without versions.

use std::collections::HashMap;
use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::SystemTime;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use toml::{Table, Value as Toml};

use super::{Driver, Drivers, Ecosystem, Found};
use crate::i18n::{Message, msg};

/// The largest manifest or lockfile read (a large app's package-lock.json
/// is a few MiB).
const MAX_MANIFEST: u64 = 16 * 1024 * 1024;

/// The largest file parsed into a whole TOML tree (about 45 bytes of memory
/// per byte of text): `pyproject.toml` and `Pipfile` are written by hand
/// and weigh a few KiB.
const MAX_TREE: u64 = 256 * 1024;

/// The drivers named by the manifests in `dir`, with lockfile versions.
pub(super) fn read(dir: &Path) -> Drivers {
    let mut reader = Reader {
        dir,
        drivers: Drivers::default(),
    };
    reader.file("package.json", MAX_MANIFEST, package_json);
    reader.requirements_files();
    reader.file("pyproject.toml", MAX_TREE, pyproject);
    reader.file("Pipfile", MAX_TREE, pipfile);
    reader.file("package-lock.json", MAX_MANIFEST, package_lock);
    reader.file("poetry.lock", MAX_MANIFEST, package_blocks);
    reader.file("uv.lock", MAX_MANIFEST, package_blocks);
    reader.file("Pipfile.lock", MAX_MANIFEST, pipfile_lock);
    reader.drivers
}

/// One thing a file says about a driver package, in the file's order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Said {
    /// The app depends on the package (a manifest), maybe pinned.
    Name(Ecosystem, String, Option<String>),
    /// The package's locked version (a lockfile).
    Version(Ecosystem, String, String),
}

/// How a file's text becomes what it says; `Err` is why it is malformed.
type Parse = fn(&str) -> Result<Vec<Said>, Message>;

/// What a file said, or why it could not be read.
type Outcome = Result<Vec<Said>, Message>;

struct Reader<'a> {
    dir: &'a Path,
    drivers: Drivers,
}

impl Reader<'_> {
    /// Reads `file` (at most `limit` bytes) with `parse`, and applies what
    /// it says. A missing file says nothing.
    fn file(&mut self, file: &str, limit: u64, parse: Parse) {
        match cached(&self.dir.join(file), limit, parse) {
            None => {}
            Some(Ok(said)) => self.apply(&said, file),
            Some(Err(why)) => self.unreadable(file, why),
        }
    }

    fn apply(&mut self, said: &[Said], file: &str) {
        for item in said {
            match item {
                Said::Name(ecosystem, name, version) => {
                    self.name(*ecosystem, name, version.clone(), file);
                }
                Said::Version(ecosystem, name, version) => {
                    self.version(*ecosystem, name, version, file);
                }
            }
        }
    }

    /// Notes a package `name` of `ecosystem` named in `file`; only drivers
    /// are kept, each once (the first file naming it wins).
    fn name(&mut self, ecosystem: Ecosystem, name: &str, version: Option<String>, file: &str) {
        let name = normalize(ecosystem, name);
        let Some(driver) = Driver::from_package(ecosystem, &name) else {
            return;
        };
        if self.drivers.get(driver).is_none() {
            self.drivers.found.push(Found {
                driver,
                version,
                file: file.to_string(),
                lockfile: None,
            });
        }
    }

    /// Sets the version of `name`'s driver from `lockfile`, when a manifest
    /// named it (a lockfile also lists what the app only depends on
    /// indirectly) — or, for `Pipfile.lock` read alone, names it.
    fn version(&mut self, ecosystem: Ecosystem, name: &str, version: &str, lockfile: &str) {
        let name = normalize(ecosystem, name);
        let Some(driver) = Driver::from_package(ecosystem, &name) else {
            return;
        };
        let unversioned = self
            .drivers
            .found
            .iter_mut()
            .find(|f| f.driver == driver && f.lockfile.is_none());
        if let Some(found) = unversioned {
            found.version = Some(version.trim_start_matches("==").to_string());
            found.lockfile = Some(lockfile.to_string());
        }
    }

    /// `requirements.txt`, `requirements-prod.txt`, … in name order.
    fn requirements_files(&mut self) {
        for file in requirements_names(self.dir) {
            self.file(&file, MAX_MANIFEST, requirements);
        }
    }

    fn unreadable(&mut self, file: &str, why: Message) {
        self.drivers.unreadable.push((file.to_string(), why));
    }
}

/// A regular file's size and modification time: while both stay the same,
/// what it said is reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

type Cache = Mutex<HashMap<PathBuf, (Stamp, Outcome)>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Cache::default)
}

/// What `path` says, parsed again only when its size or modification time
/// changed; `None` when it does not exist. `stat` opens nothing, so a FIFO
/// is still refused by the reader without blocking, and is not cached.
fn cached(path: &Path, limit: u64, parse: Parse) -> Option<Outcome> {
    let stamp = std::fs::metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|meta| Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        });
    let Some(stamp) = stamp else {
        return outcome(path, limit, parse);
    };
    let lock = |c: &'static Cache| c.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, said)) = lock(cache()).get(path).filter(|(seen, _)| *seen == stamp) {
        return Some(said.clone());
    }
    let said = outcome(path, limit, parse)?;
    lock(cache()).insert(path.to_path_buf(), (stamp, said.clone()));
    Some(said)
}

/// Reads and parses `path`; `None` when it does not exist.
fn outcome(path: &Path, limit: u64, parse: Parse) -> Option<Outcome> {
    match crate::file::read_regular(path, limit) {
        Ok(bytes) => Some(
            String::from_utf8(bytes)
                .map_err(|_| msg::driver_manifest_not_utf8())
                .and_then(|text| parse(&text)),
        ),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => Some(Err(crate::i18n::io_reason(&e))),
    }
}

/// Whether a package name (npm's or `PyPI`'s) is one of the drivers: only
/// those are kept from a lockfile of thousands.
fn is_driver(name: &str) -> bool {
    Driver::from_package(Ecosystem::Npm, name).is_some()
        || Driver::from_package(Ecosystem::PyPi, &normalize(Ecosystem::PyPi, name)).is_some()
}

#[allow(clippy::unnecessary_wraps, reason = "a `Parse`, as every file's is")]
fn requirements(text: &str) -> Outcome {
    Ok(text
        .lines()
        .filter_map(requirement)
        .filter(|(name, _)| is_driver(name))
        .map(|(name, version)| Said::Name(Ecosystem::PyPi, name, version))
        .collect())
}

/// `dependencies` and `optionalDependencies` of `package.json`.
fn package_json(text: &str) -> Outcome {
    #[derive(Deserialize)]
    struct PackageJson {
        #[serde(default)]
        dependencies: Picked,
        #[serde(default, rename = "optionalDependencies")]
        optional: Picked,
    }
    let json: PackageJson = json(text)?;
    Ok([json.dependencies, json.optional]
        .into_iter()
        .flat_map(|picked| picked.0)
        .map(|(name, _)| Said::Name(Ecosystem::Npm, name, None))
        .collect())
}

/// lockfileVersion 2 and 3: `packages["node_modules/NAME"]`; version 1:
/// `dependencies[NAME]`.
fn package_lock(text: &str) -> Outcome {
    #[derive(Deserialize)]
    struct PackageLock {
        #[serde(default)]
        packages: Picked,
        #[serde(default)]
        dependencies: Picked,
    }
    let json: PackageLock = json(text)?;
    let packages = json
        .packages
        .0
        .into_iter()
        .filter_map(|(path, v)| Some((path.strip_prefix("node_modules/")?.to_string(), v)));
    Ok(packages
        .chain(json.dependencies.0)
        .filter_map(|(name, version)| Some(Said::Version(Ecosystem::Npm, name, version?)))
        .collect())
}

/// `default` is what a deployment installs (`develop` is not); read
/// alone, it names the drivers too.
fn pipfile_lock(text: &str) -> Outcome {
    #[derive(Deserialize)]
    struct PipfileLock {
        #[serde(default)]
        default: Picked,
    }
    let json: PipfileLock = json(text)?;
    let mut said = Vec::new();
    for (name, version) in json.default.0 {
        said.push(Said::Name(Ecosystem::PyPi, name.clone(), None));
        if let Some(version) = version {
            said.push(Said::Version(Ecosystem::PyPi, name, version));
        }
    }
    Ok(said)
}

fn json<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, Message> {
    serde_json::from_str(text)
        .map_err(|e| msg::driver_manifest_malformed(first_line(&e.to_string())))
}

/// The entries of a JSON object whose key names a driver (after npm's
/// `node_modules/`), each with its `version` when the value is an object
/// that has a string one. Everything else is skipped as it streams by
/// (`IgnoredAny`), and a value that is no object picks nothing, as
/// `Value::as_object` did.
#[derive(Debug, Default)]
struct Picked(Vec<(String, Option<String>)>);

impl<'de> Deserialize<'de> for Picked {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Pick)
    }
}

struct Pick;

impl<'de> Visitor<'de> for Pick {
    type Value = Picked;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Picked, A::Error> {
        let mut picked = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let name = key.strip_prefix("node_modules/").unwrap_or(&key);
            if is_driver(name) {
                let Version(version) = map.next_value()?;
                picked.push((key, version));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Picked(picked))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Picked, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Picked::default())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Picked, E> {
        Ok(Picked::default())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Picked, E> {
        Ok(Picked::default())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Picked, E> {
        Ok(Picked::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Picked, E> {
        Ok(Picked::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Picked, E> {
        Ok(Picked::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Picked, E> {
        Ok(Picked::default())
    }
}

/// An entry's `"version": "…"`, from an object; any other value (a
/// `package.json` range such as `"^8"`) has none.
struct Version(Option<String>);

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let version = value.get("version").and_then(serde_json::Value::as_str);
        Ok(Version(version.map(str::to_string)))
    }
}

/// `[[package]]` blocks of `poetry.lock` and `uv.lock`: each block's own
/// `name = "…"` and `version = "…"` lines, before any sub-table
/// (`[package.dependencies]`). Lines inside multi-line strings are skipped.
#[allow(clippy::unnecessary_wraps, reason = "a `Parse`, as every file's is")]
fn package_blocks(text: &str) -> Outcome {
    let mut said = Vec::new();
    let mut block: Option<(Option<String>, Option<String>)> = None;
    let mut in_string = false;
    for line in text.lines() {
        let toggles = line.matches("\"\"\"").count() + line.matches("'''").count();
        if in_string || toggles % 2 == 1 {
            in_string ^= toggles % 2 == 1;
            continue;
        }
        let line = line.trim();
        if line.starts_with('[') {
            said.extend(block.take().and_then(locked));
            block = (line == "[[package]]").then_some((None, None));
        } else if let Some((name, version)) = block.as_mut() {
            let slot = |key: &str| string_value(line, key);
            if name.is_none() {
                *name = slot("name");
            }
            if version.is_none() {
                *version = slot("version");
            }
        }
    }
    said.extend(block.and_then(locked));
    Ok(said)
}

fn locked((name, version): (Option<String>, Option<String>)) -> Option<Said> {
    let name = name.filter(|n| is_driver(n))?;
    Some(Said::Version(Ecosystem::PyPi, name, version?))
}

/// The string of a `key = "value"` (or `'value'`) line; `None` for any
/// other key, or a value with escapes (no package name or version has any).
fn string_value(line: &str, key: &str) -> Option<String> {
    let rest = line
        .strip_prefix(key)?
        .trim_start()
        .strip_prefix('=')?
        .trim();
    let quote = rest.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let inner = rest[1..].split(quote).next()?;
    (!inner.contains('\\') && rest[1..].len() > inner.len()).then(|| inner.to_string())
}

/// PEP 621 `project.dependencies` and Poetry's dependency table.
fn pyproject(text: &str) -> Outcome {
    let toml = toml_table(text)?;
    let pep621 = toml
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(Toml::as_array);
    let mut said: Vec<Said> = pep621
        .into_iter()
        .flatten()
        .filter_map(Toml::as_str)
        .filter_map(requirement)
        .map(|(name, version)| Said::Name(Ecosystem::PyPi, name, version))
        .collect();
    let poetry = toml
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.get("dependencies"))
        .and_then(Toml::as_table);
    said.extend(poetry.into_iter().flatten().map(|(name, spec)| {
        // `dramatiq = { version = "^1.17", extras = ["rabbitmq"] }`
        let extras = spec.get("extras").and_then(Toml::as_array);
        let extras = extras.into_iter().flatten().filter_map(Toml::as_str);
        let name = driver_by_extra(name, extras).map_or_else(|| name.clone(), str::to_string);
        Said::Name(Ecosystem::PyPi, name, None)
    }));
    Ok(said)
}

/// Pipfile's `[packages]`.
fn pipfile(text: &str) -> Outcome {
    let toml = toml_table(text)?;
    let packages = toml.get("packages").and_then(Toml::as_table);
    Ok(packages
        .into_iter()
        .flatten()
        .map(|(name, _)| Said::Name(Ecosystem::PyPi, name.clone(), None))
        .collect())
}

fn toml_table(text: &str) -> Result<Table, Message> {
    text.parse::<Table>()
        .map_err(|e| msg::driver_manifest_malformed(first_line(e.message())))
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

/// npm names are case-sensitive and kept; `PyPI` names are compared in
/// their normalized form (PEP 503: lowercase, runs of `-_.` as `-`).
fn normalize(ecosystem: Ecosystem, name: &str) -> String {
    match ecosystem {
        Ecosystem::Npm => name.to_string(),
        Ecosystem::PyPi => {
            let mut out = String::with_capacity(name.len());
            for c in name.trim().chars() {
                if matches!(c, '-' | '_' | '.') {
                    if !out.ends_with('-') {
                        out.push('-');
                    }
                } else {
                    out.push(c.to_ascii_lowercase());
                }
            }
            out
        }
    }
}

/// The driver a package brings in through an extra: Dramatiq's RabbitMQ
/// broker is pika (`dramatiq[rabbitmq]`, or `[all]`; Dramatiq's
/// `setup.py` `extras_require`, `brokers/rabbitmq.py` imports pika), which
/// then reads the broker URL (`URLParameters`). Its version is pika's own,
/// not the one pinned for Dramatiq.
fn driver_by_extra<'a>(
    name: &str,
    mut extras: impl Iterator<Item = &'a str>,
) -> Option<&'static str> {
    (normalize(Ecosystem::PyPi, name) == "dramatiq"
        && extras.any(|e| matches!(e.trim().to_ascii_lowercase().as_str(), "rabbitmq" | "all")))
    .then_some("pika")
}

/// The project name and, when pinned with `==`, the version of one
/// requirement line (PEP 508: `name[extras] (op version)…; marker`).
/// Options (`-r`, `-e`, `--hash`), URLs and comments name no package.
fn requirement(line: &str) -> Option<(String, Option<String>)> {
    let line = line.split(" #").next().unwrap_or_default().trim();
    if line.is_empty() || line.starts_with(['#', '-']) {
        return None;
    }
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(line.len());
    let (name, rest) = line.split_at(end);
    if name.is_empty() || rest.starts_with(':') {
        return None;
    }
    let (extras, rest) = match rest.trim_start().strip_prefix('[') {
        Some(extras) => extras.split_once(']').unwrap_or((extras, "")),
        None => ("", rest),
    };
    if let Some(driver) = driver_by_extra(name, extras.split(',')) {
        return Some((driver.to_string(), None));
    }
    let version = rest
        .split(';')
        .next()
        .and_then(|spec| spec.trim().strip_prefix("=="))
        .map(|v| v.split(',').next().unwrap_or_default().trim().to_string())
        .filter(|v| !v.is_empty() && !v.contains('*'));
    Some((name.to_string(), version))
}

/// The pip requirement files in `dir` (`requirements.txt`,
/// `requirements-prod.txt`, …), in name order; none when `dir` cannot be
/// listed.
pub(crate) fn requirements_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| {
            n.starts_with("requirements")
                && Path::new(n)
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("txt"))
        })
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    fn ids(drivers: &Drivers) -> Vec<String> {
        drivers.found.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn requirement_lines_give_names_and_pins() {
        let pin = |n: &str, v: &str| Some((n.to_string(), Some(v.to_string())));
        assert_eq!(
            requirement("psycopg2-binary==2.9.13"),
            pin("psycopg2-binary", "2.9.13")
        );
        assert_eq!(
            requirement("psycopg[binary] == 3.3.9 ; python_version>'3.8'"),
            pin("psycopg", "3.3.9")
        );
        assert_eq!(
            requirement("redis>=5  # cache"),
            Some(("redis".into(), None))
        );
        assert_eq!(requirement("asyncpg"), Some(("asyncpg".into(), None)));
        assert_eq!(requirement("-r base.txt"), None);
        assert_eq!(requirement("--hash=sha256:abc"), None);
        assert_eq!(requirement("# psycopg2"), None);
        assert_eq!(requirement("https://example.invalid/x.whl"), None);
        assert_eq!(requirement("PyJWT==2.*"), Some(("PyJWT".into(), None)));
        // Dramatiq's RabbitMQ broker is pika, whatever Dramatiq's pin.
        for line in [
            "dramatiq[rabbitmq]==1.17.1",
            "Dramatiq[redis, all]>=1",
            "dramatiq [ rabbitmq ]",
        ] {
            assert_eq!(requirement(line), Some(("pika".into(), None)), "{line}");
        }
        assert_eq!(
            requirement("dramatiq[redis]"),
            Some(("dramatiq".into(), None))
        );
        let said = pyproject("[tool.poetry.dependencies]\ndramatiq = { version = \"^1.17\", extras = [\"rabbitmq\"] }\n").unwrap();
        assert_eq!(said, [Said::Name(Ecosystem::PyPi, "pika".into(), None)]);
    }

    /// The AMQP drivers: Celery (whose broker URL kombu reads), kombu,
    /// pika on `PyPI`, amqplib on npm, with versions as the others.
    #[test]
    fn amqp_drivers_are_named() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "requirements.txt",
            "celery[redis]==5.7.0\npika==1.4.4\nkombu\n",
        );
        write(
            dir.path(),
            "package.json",
            r#"{"dependencies": {"amqplib": "^2.3.1"}}"#,
        );
        let drivers = read(dir.path());
        assert_eq!(
            ids(&drivers),
            [
                "amqplib (package.json)",
                "celery 5.7.0 (requirements.txt)",
                "pika 1.4.4 (requirements.txt)",
                "kombu (requirements.txt)"
            ]
        );
        assert!(!drivers.only_amqp(Driver::Amqplib));
        let npm = Drivers::named(&[(Driver::Amqplib, None), (Driver::Ioredis, None)]);
        assert!(npm.only_amqp(Driver::Amqplib));
        assert!(!Drivers::default().only_amqp(Driver::Amqplib));
    }

    #[test]
    fn pypi_names_are_normalized() {
        assert_eq!(
            normalize(Ecosystem::PyPi, "Psycopg2_Binary"),
            "psycopg2-binary"
        );
        assert_eq!(normalize(Ecosystem::PyPi, "python.jose"), "python-jose");
        assert_eq!(
            normalize(Ecosystem::Npm, "@prisma/client"),
            "@prisma/client"
        );
    }

    #[test]
    fn npm_manifest_and_lockfile() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "package.json",
            r#"{"dependencies": {"pg": "^8.11.0", "express": "4"}, "optionalDependencies": {"ioredis": "5"}, "devDependencies": {"jsonwebtoken": "9"}}"#,
        );
        write(
            dir.path(),
            "package-lock.json",
            r#"{"lockfileVersion": 3, "packages": {"": {}, "node_modules/pg": {"version": "8.23.1"}, "node_modules/ioredis": {"version": "5.8.1"}, "node_modules/redis": {"version": "4.0.0"}}}"#,
        );
        let drivers = read(dir.path());
        assert_eq!(
            ids(&drivers),
            [
                "node-postgres 8.23.1 (package-lock.json)",
                "ioredis 5.8.1 (package-lock.json)"
            ]
        );
        assert_eq!(drivers.found[0].file, "package.json");
    }

    #[test]
    fn python_manifests_and_lockfiles() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "requirements.txt",
            "Django==5.0\npsycopg2-binary==2.9.13\n",
        );
        write(dir.path(), "requirements-worker.txt", "redis\n");
        write(
            dir.path(),
            "pyproject.toml",
            "[project]\nname = \"app\"\ndependencies = [\"asyncpg>=0.29\", \"PyJWT\"]\n[tool.poetry.dependencies]\npython = \"^3.11\"\npython-jose = \"^3\"\n",
        );
        write(
            dir.path(),
            "uv.lock",
            "version = 1\n[[package]]\nname = \"asyncpg\"\nversion = \"0.32.0\"\n[[package]]\nname = \"pyjwt\"\nversion = \"2.10.1\"\n",
        );
        let drivers = read(dir.path());
        assert_eq!(
            ids(&drivers),
            [
                "redis-py (requirements-worker.txt)",
                "psycopg2 2.9.13 (requirements.txt)",
                "asyncpg 0.32.0 (uv.lock)",
                "pyjwt 2.10.1 (uv.lock)",
                "python-jose (pyproject.toml)",
            ]
        );
    }

    #[test]
    fn pipfile_lock_alone_names_and_versions() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "Pipfile.lock",
            r#"{"default": {"psycopg": {"version": "==3.3.9"}, "flask": {"version": "==3.0.0"}}, "develop": {"redis": {"version": "==5.0.0"}}}"#,
        );
        assert_eq!(ids(&read(dir.path())), ["psycopg 3.3.9 (Pipfile.lock)"]);
    }

    #[test]
    fn malformed_and_special_files_are_noted_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "package.json", "{\"dependencies\": ");
        write(dir.path(), "pyproject.toml", "[project\n");
        std::fs::create_dir(dir.path().join("poetry.lock")).unwrap();
        let fifo = dir.path().join("requirements.txt");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let started = std::time::Instant::now();
        let drivers = read(dir.path());
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "a FIFO must not block"
        );
        assert!(drivers.found.is_empty());
        let files: Vec<&str> = drivers.unreadable.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            files,
            [
                "package.json",
                "requirements.txt",
                "pyproject.toml",
                "poetry.lock"
            ]
        );
    }

    #[test]
    fn lockfiles_are_scanned_block_by_block() {
        let uv = r#"version = 1
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "asyncpg" },
    { name = "redis", specifier = "==9.9.9" },
]

[[package]]
name = "asyncpg"
version = "0.30.0"
sdist = { url = "https://files.example/asyncpg-0.30.0.tar.gz", size = 957746 }
wheels = [
    { url = "https://files.example/asyncpg-0.30.0-cp312.whl", size = 645231 },
]

[package.optional-dependencies]
name = "not-a-package"
version = "6.6.6"

[[package]]
name = 'Redis'
description = """
name = "psycopg2"
version = "1.0"
"""
version = "5.2.1"
"#;
        assert_eq!(
            package_blocks(uv).unwrap(),
            [
                Said::Version(Ecosystem::PyPi, "asyncpg".into(), "0.30.0".into()),
                Said::Version(Ecosystem::PyPi, "Redis".into(), "5.2.1".into()),
            ]
        );
        assert_eq!(string_value(r#"name = "a\"b""#, "name"), None);
        assert_eq!(string_value(r#"name = "open"#, "name"), None);
        assert_eq!(string_value(r#"names = "x""#, "name"), None);
    }

    #[test]
    fn json_lockfiles_keep_only_driver_entries() {
        let lock = r#"{"lockfileVersion": 1, "packages": {"node_modules/express": {"version": "4"}, "node_modules/pg": {"version": "8.1.0", "dependencies": {"x": "1"}}},
            "dependencies": {"ioredis": {"version": "5.0.0", "requires": {}}, "lodash": {"version": "4"}, "pg": "not an object"}}"#;
        assert_eq!(
            package_lock(lock).unwrap(),
            [
                Said::Version(Ecosystem::Npm, "pg".into(), "8.1.0".into()),
                Said::Version(Ecosystem::Npm, "ioredis".into(), "5.0.0".into()),
            ]
        );
        assert_eq!(
            package_json(r#"{"dependencies": [], "optionalDependencies": {"redis": "^4"}}"#)
                .unwrap(),
            [Said::Name(Ecosystem::Npm, "redis".into(), None)]
        );
        assert!(package_json("{").is_err());
    }

    #[test]
    fn a_file_is_parsed_again_only_when_its_size_or_mtime_changes() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "requirements.txt", "asyncpg\n");
        let lock = dir.path().join("uv.lock");
        let version = |dir: &Path| read(dir).found[0].version.clone().unwrap();
        write(
            dir.path(),
            "uv.lock",
            "[[package]]\nname = \"asyncpg\"\nversion = \"0.29.0\"\n",
        );
        let stamp = std::fs::metadata(&lock).unwrap().modified().unwrap();
        assert_eq!(version(dir.path()), "0.29.0");
        // Same size, same mtime: what it said before is reused.
        write(
            dir.path(),
            "uv.lock",
            "[[package]]\nname = \"asyncpg\"\nversion = \"0.30.0\"\n",
        );
        let file = std::fs::File::options().write(true).open(&lock).unwrap();
        file.set_modified(stamp).unwrap();
        assert_eq!(version(dir.path()), "0.29.0");
        // A new mtime: parsed again.
        file.set_modified(stamp + std::time::Duration::from_secs(1))
            .unwrap();
        assert_eq!(version(dir.path()), "0.30.0");
    }

    #[test]
    fn nothing_there_is_nothing_found() {
        let dir = tempfile::tempdir().unwrap();
        let drivers = read(dir.path());
        assert!(drivers.found.is_empty() && drivers.unreadable.is_empty());
    }
}
