//! Reading an app's manifests for its drivers: `package.json` with
//! `package-lock.json` (npm), `requirements*.txt`, `pyproject.toml` (PEP 621
//! `project.dependencies` and Poetry's `tool.poetry.dependencies`),
//! `Pipfile`, and the lockfiles `poetry.lock`, `uv.lock` and
//! `Pipfile.lock`. Manifests say which drivers the app depends on; a
//! lockfile says which version it gets. JSON and TOML are parsed by
//! `serde_json` and `toml`; every file is read with the bounded, non-blocking
//! reader of `crate::file`, so a FIFO or a huge file cannot hang the check.
//!
//! pnpm-lock.yaml and yarn.lock are not read (YAML and yarn's own format
//! have no well-kept parser among railconn's dependencies): with them the
//! drivers come from package.json, without versions.

use std::io::ErrorKind;
use std::path::Path;

use serde_json::Value as Json;
use toml::{Table, Value as Toml};

use super::{Driver, Drivers, Ecosystem, Found};
use crate::i18n::{Message, msg};

/// The largest manifest or lockfile read (a large app's package-lock.json
/// is a few MiB).
const MAX_MANIFEST: u64 = 16 * 1024 * 1024;

/// The drivers named by the manifests in `dir`, with lockfile versions.
pub(super) fn read(dir: &Path) -> Drivers {
    let mut reader = Reader {
        dir,
        drivers: Drivers::default(),
    };
    if let Some(json) = reader.json("package.json") {
        for section in ["dependencies", "optionalDependencies"] {
            for name in json
                .get(section)
                .and_then(Json::as_object)
                .into_iter()
                .flatten()
            {
                reader.name(Ecosystem::Npm, name.0, None, "package.json");
            }
        }
    }
    reader.requirements_files();
    if let Some(toml) = reader.toml("pyproject.toml") {
        reader.pyproject(&toml);
    }
    if let Some(toml) = reader.toml("Pipfile") {
        for name in toml
            .get("packages")
            .and_then(Toml::as_table)
            .into_iter()
            .flatten()
        {
            reader.name(Ecosystem::PyPi, name.0, None, "Pipfile");
        }
    }
    reader.lockfiles();
    reader.drivers
}

struct Reader<'a> {
    dir: &'a Path,
    drivers: Drivers,
}

impl Reader<'_> {
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
        let Ok(entries) = std::fs::read_dir(self.dir) else {
            return;
        };
        let mut names: Vec<String> = entries
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
        for file in names {
            let Some(text) = self.text(&file) else {
                continue;
            };
            for line in text.lines() {
                if let Some((name, version)) = requirement(line) {
                    self.name(Ecosystem::PyPi, &name, version, &file);
                }
            }
        }
    }

    /// PEP 621 `project.dependencies` and Poetry's dependency table.
    fn pyproject(&mut self, toml: &Table) {
        let pep621 = toml
            .get("project")
            .and_then(|p| p.get("dependencies"))
            .and_then(Toml::as_array);
        for line in pep621.into_iter().flatten().filter_map(Toml::as_str) {
            if let Some((name, version)) = requirement(line) {
                self.name(Ecosystem::PyPi, &name, version, "pyproject.toml");
            }
        }
        let poetry = toml
            .get("tool")
            .and_then(|t| t.get("poetry"))
            .and_then(|p| p.get("dependencies"))
            .and_then(Toml::as_table);
        for name in poetry.into_iter().flatten() {
            self.name(Ecosystem::PyPi, name.0, None, "pyproject.toml");
        }
    }

    fn lockfiles(&mut self) {
        if let Some(json) = self.json("package-lock.json") {
            // lockfileVersion 2 and 3: `packages["node_modules/NAME"]`;
            // version 1: `dependencies[NAME]`.
            let packages = json.get("packages").and_then(Json::as_object);
            for (path, entry) in packages.into_iter().flatten() {
                let Some(name) = path.strip_prefix("node_modules/") else {
                    continue;
                };
                if let Some(version) = entry.get("version").and_then(Json::as_str) {
                    self.version(Ecosystem::Npm, name, version, "package-lock.json");
                }
            }
            let v1 = json.get("dependencies").and_then(Json::as_object);
            for (name, entry) in v1.into_iter().flatten() {
                if let Some(version) = entry.get("version").and_then(Json::as_str) {
                    self.version(Ecosystem::Npm, name, version, "package-lock.json");
                }
            }
        }
        for lockfile in ["poetry.lock", "uv.lock"] {
            let Some(toml) = self.toml(lockfile) else {
                continue;
            };
            let packages = toml.get("package").and_then(Toml::as_array);
            for package in packages.into_iter().flatten() {
                let name = package.get("name").and_then(Toml::as_str);
                let version = package.get("version").and_then(Toml::as_str);
                if let (Some(name), Some(version)) = (name, version) {
                    self.version(Ecosystem::PyPi, name, version, lockfile);
                }
            }
        }
        if let Some(json) = self.json("Pipfile.lock") {
            // `default` is what a deployment installs (`develop` is not).
            let default = json.get("default").and_then(Json::as_object);
            for (name, entry) in default.into_iter().flatten() {
                let version = entry.get("version").and_then(Json::as_str);
                self.name(Ecosystem::PyPi, name, None, "Pipfile.lock");
                if let Some(version) = version {
                    self.version(Ecosystem::PyPi, name, version, "Pipfile.lock");
                }
            }
        }
    }

    fn json(&mut self, file: &str) -> Option<Json> {
        let text = self.text(file)?;
        serde_json::from_str(&text)
            .map_err(|e| {
                self.unreadable(
                    file,
                    msg::driver_manifest_malformed(first_line(&e.to_string())),
                );
            })
            .ok()
    }

    fn toml(&mut self, file: &str) -> Option<Table> {
        let text = self.text(file)?;
        text.parse::<Table>()
            .map_err(|e| {
                self.unreadable(
                    file,
                    msg::driver_manifest_malformed(first_line(e.message())),
                );
            })
            .ok()
    }

    /// The file's text; a missing file is `None` and says nothing, any
    /// other failure is noted.
    fn text(&mut self, file: &str) -> Option<String> {
        match crate::file::read_regular(&self.dir.join(file), MAX_MANIFEST) {
            Ok(bytes) => {
                let text = String::from_utf8(bytes).ok();
                if text.is_none() {
                    self.unreadable(file, msg::driver_manifest_not_utf8());
                }
                text
            }
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => {
                self.unreadable(file, crate::i18n::io_reason(&e));
                None
            }
        }
    }

    fn unreadable(&mut self, file: &str, why: Message) {
        self.drivers.unreadable.push((file.to_string(), why));
    }
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
    let rest = match rest.trim_start().strip_prefix('[') {
        Some(extras) => extras.split_once(']').map_or("", |(_, after)| after),
        None => rest,
    };
    let version = rest
        .split(';')
        .next()
        .and_then(|spec| spec.trim().strip_prefix("=="))
        .map(|v| v.split(',').next().unwrap_or_default().trim().to_string())
        .filter(|v| !v.is_empty() && !v.contains('*'));
    Some((name.to_string(), version))
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
    fn nothing_there_is_nothing_found() {
        let dir = tempfile::tempdir().unwrap();
        let drivers = read(dir.path());
        assert!(drivers.found.is_empty() && drivers.unreadable.is_empty());
    }
}
