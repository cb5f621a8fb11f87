//! The app's own drivers (issue 11). railconn answers "will my app
//! connect?", and the app connects with its driver, not with psql: the same
//! URL means different things to libpq, node-postgres, asyncpg or ioredis.
//! This room finds the drivers an app uses — from its manifests and
//! lockfiles in the working directory or `--app-dir`, or from `--driver`
//! — and turns their documented semantics into verdicts: a target judged
//! the way the strictest driver of the app reads it, and a failure that
//! names the driver, what it does with this URL, and the fix in its terms.
//!
//! No driver found: libpq, redis-rs, kombu and PyJWT semantics, as before,
//! and the MySQL kind's own reading (or the DBAPI its scheme names).

pub(crate) mod amqp;
mod manifest;
pub(crate) mod mysql;
pub(crate) mod needs;
mod postgres;
mod prepared;
pub(crate) mod redis;
mod refusals;
mod sockets;

use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::i18n::{Message, msg, typed_value};
use crate::model::{CheckName, Code, ProbeOutcome};
use crate::service::Kind;
use crate::service::postgres::url::{PgTarget, RootCert};
use crate::service::setting::Setting;

/// A client library an app may connect with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Driver {
    /// psql and libpq itself (`--driver libpq`).
    Libpq,
    /// psycopg2 (libpq-based).
    Psycopg2,
    /// psycopg 3 (libpq-based).
    Psycopg,
    Asyncpg,
    /// node-postgres, the npm package `pg`.
    NodePostgres,
    /// postgres.js, the npm package `postgres`.
    PostgresJs,
    /// `prisma` / `@prisma/client`.
    Prisma,
    /// SQLAlchemy, over one of the drivers above (its dialect).
    Sqlalchemy,
    /// redis-py, the `PyPI` package `redis`.
    RedisPy,
    /// node-redis, the npm package `redis`.
    NodeRedis,
    Ioredis,
    PyJwt,
    PythonJose,
    /// The npm package `jsonwebtoken`.
    JsonWebToken,
    /// pika, the `PyPI` package: reads an AMQP URL its own way
    /// (`URLParameters`, see `amqp.rs`).
    Pika,
    /// Celery, whose broker URL kombu reads (and py-amqp speaks).
    Celery,
    /// kombu used directly (py-amqp underneath).
    Kombu,
    /// amqplib, the npm package.
    Amqplib,
    /// `PyMySQL`, the `PyPI` package (alone or under SQLAlchemy).
    Pymysql,
    /// mysqlclient, the `PyPI` package (`MySQLdb`, over the C client).
    Mysqlclient,
    /// aiomysql, the `PyPI` package (`PyMySQL` underneath).
    Aiomysql,
    /// asyncmy, the `PyPI` package.
    Asyncmy,
    /// mysql2, the npm package.
    Mysql2,
}

impl Driver {
    pub(crate) const ALL: [Driver; 23] = [
        Driver::Libpq,
        Driver::Psycopg2,
        Driver::Psycopg,
        Driver::Asyncpg,
        Driver::NodePostgres,
        Driver::PostgresJs,
        Driver::Prisma,
        Driver::Sqlalchemy,
        Driver::RedisPy,
        Driver::NodeRedis,
        Driver::Ioredis,
        Driver::PyJwt,
        Driver::PythonJose,
        Driver::JsonWebToken,
        Driver::Pika,
        Driver::Celery,
        Driver::Kombu,
        Driver::Amqplib,
        Driver::Pymysql,
        Driver::Mysqlclient,
        Driver::Aiomysql,
        Driver::Asyncmy,
        Driver::Mysql2,
    ];

    /// The stable id (JSON `drivers[].id`, `--driver`).
    pub(crate) fn id(self) -> &'static str {
        match self {
            Driver::Libpq => "libpq",
            Driver::Psycopg2 => "psycopg2",
            Driver::Psycopg => "psycopg",
            Driver::Asyncpg => "asyncpg",
            Driver::NodePostgres => "node-postgres",
            Driver::PostgresJs => "postgres.js",
            Driver::Prisma => "prisma",
            Driver::Sqlalchemy => "sqlalchemy",
            Driver::RedisPy => "redis-py",
            Driver::NodeRedis => "node-redis",
            Driver::Ioredis => "ioredis",
            Driver::PyJwt => "pyjwt",
            Driver::PythonJose => "python-jose",
            Driver::JsonWebToken => "jsonwebtoken",
            Driver::Pika => "pika",
            Driver::Celery => "celery",
            Driver::Kombu => "kombu",
            Driver::Amqplib => "amqplib",
            Driver::Pymysql => "pymysql",
            Driver::Mysqlclient => "mysqlclient",
            Driver::Aiomysql => "aiomysql",
            Driver::Asyncmy => "asyncmy",
            Driver::Mysql2 => "mysql2",
        }
    }

    /// The default check whose target this driver connects to; none for
    /// the AMQP drivers, whose checks are named after the broker's
    /// variable (`CELERY_BROKER_URL`), and for the MySQL drivers, whose
    /// URL is in the database check or in a check of its own (`MYSQL_URL`).
    pub(crate) fn check(self) -> Option<CheckName> {
        Some(match self {
            Driver::Libpq
            | Driver::Psycopg2
            | Driver::Psycopg
            | Driver::Asyncpg
            | Driver::NodePostgres
            | Driver::PostgresJs
            | Driver::Prisma
            | Driver::Sqlalchemy => CheckName::POSTGRES,
            Driver::RedisPy | Driver::NodeRedis | Driver::Ioredis => CheckName::REDIS,
            Driver::PyJwt | Driver::PythonJose | Driver::JsonWebToken => CheckName::JWT,
            Driver::Pika
            | Driver::Celery
            | Driver::Kombu
            | Driver::Amqplib
            | Driver::Pymysql
            | Driver::Mysqlclient
            | Driver::Aiomysql
            | Driver::Asyncmy
            | Driver::Mysql2 => return None,
        })
    }

    /// Whether this driver connects to AMQP brokers.
    pub(crate) fn is_amqp(self) -> bool {
        matches!(
            self,
            Driver::Pika | Driver::Celery | Driver::Kombu | Driver::Amqplib
        )
    }

    /// Whether this driver connects to MySQL and MariaDB.
    pub(crate) fn is_mysql(self) -> bool {
        matches!(
            self,
            Driver::Pymysql
                | Driver::Mysqlclient
                | Driver::Aiomysql
                | Driver::Asyncmy
                | Driver::Mysql2
        )
    }

    /// The driver a package of `ecosystem` is, by its (normalized) name.
    fn from_package(ecosystem: Ecosystem, name: &str) -> Option<Driver> {
        Some(match (ecosystem, name) {
            (Ecosystem::Npm, "pg") => Driver::NodePostgres,
            (Ecosystem::Npm, "postgres") => Driver::PostgresJs,
            (Ecosystem::Npm, "prisma" | "@prisma/client") => Driver::Prisma,
            (Ecosystem::Npm, "redis") => Driver::NodeRedis,
            (Ecosystem::Npm, "ioredis") => Driver::Ioredis,
            (Ecosystem::Npm, "jsonwebtoken") => Driver::JsonWebToken,
            (Ecosystem::Npm, "amqplib") => Driver::Amqplib,
            (Ecosystem::Npm, "mysql2") => Driver::Mysql2,
            (Ecosystem::PyPi, "psycopg2" | "psycopg2-binary") => Driver::Psycopg2,
            (Ecosystem::PyPi, "psycopg" | "psycopg-binary" | "psycopg-c") => Driver::Psycopg,
            (Ecosystem::PyPi, "asyncpg") => Driver::Asyncpg,
            (Ecosystem::PyPi, "sqlalchemy") => Driver::Sqlalchemy,
            (Ecosystem::PyPi, "redis") => Driver::RedisPy,
            (Ecosystem::PyPi, "pyjwt") => Driver::PyJwt,
            (Ecosystem::PyPi, "python-jose") => Driver::PythonJose,
            (Ecosystem::PyPi, "pika") => Driver::Pika,
            (Ecosystem::PyPi, "celery") => Driver::Celery,
            (Ecosystem::PyPi, "kombu") => Driver::Kombu,
            (Ecosystem::PyPi, "pymysql") => Driver::Pymysql,
            (Ecosystem::PyPi, "mysqlclient") => Driver::Mysqlclient,
            (Ecosystem::PyPi, "aiomysql") => Driver::Aiomysql,
            (Ecosystem::PyPi, "asyncmy") => Driver::Asyncmy,
            _ => return None,
        })
    }

    /// `--driver` names: the ids, and the package names people type.
    fn from_flag(name: &str) -> Option<Driver> {
        let name = name.to_ascii_lowercase();
        Driver::ALL
            .into_iter()
            .find(|d| d.id() == name)
            .or_else(|| match name.as_str() {
                "psql" => Some(Driver::Libpq),
                "pg" | "node-pg" => Some(Driver::NodePostgres),
                "postgres" | "postgresjs" => Some(Driver::PostgresJs),
                "psycopg3" => Some(Driver::Psycopg),
                "py-amqp" | "pyamqp" => Some(Driver::Kombu),
                "mysqldb" => Some(Driver::Mysqlclient),
                "redis" => None,
                other => Driver::from_package(Ecosystem::PyPi, other)
                    .or_else(|| Driver::from_package(Ecosystem::Npm, other)),
            })
    }
}

/// Where a package name comes from: its registry decides what it means
/// (`redis` is redis-py on `PyPI` and node-redis on npm).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ecosystem {
    Npm,
    PyPi,
}

/// A driver the app uses: which, which version when a lockfile (or
/// `--driver NAME@VERSION`) says, and the file that named it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Found {
    #[serde(rename = "id")]
    pub(crate) driver: Driver,
    pub(crate) version: Option<String>,
    /// The manifest that names the driver, or `--driver`.
    pub(crate) file: String,
    /// The lockfile the version was read from.
    pub(crate) lockfile: Option<String>,
}

/// A driver is its stable id in JSON.
impl Serialize for Driver {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl Found {
    /// Whether the version is known to be below `floor` (unknown is not).
    pub(crate) fn older_than(&self, floor: &[u64]) -> bool {
        self.version
            .as_deref()
            .and_then(numbers)
            .is_some_and(|v| v.as_slice() < floor)
    }
}

/// "node-postgres 8.23.1 (package-lock.json)": the driver as reports name it.
impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.driver.id())?;
        if let Some(version) = &self.version {
            write!(f, " {version}")?;
        }
        write!(f, " ({})", self.lockfile.as_deref().unwrap_or(&self.file))
    }
}

/// The leading numbers of a version (`8.23.1` → [8, 23, 1], `5.8.2rc1` →
/// [5, 8, 2]); enough to compare against the releases that changed a
/// behaviour.
fn numbers(version: &str) -> Option<Vec<u64>> {
    let version = version.trim().trim_start_matches(['v', '=', '^', '~']);
    let parts: Vec<u64> = version
        .split('.')
        .map_while(|part| {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect();
    (!parts.is_empty()).then_some(parts)
}

/// Whether a number of `version` does not fit the comparison (u64): it
/// starts with digits, so "must start with a number" would be wrong.
fn too_large(version: &str) -> bool {
    version
        .trim()
        .trim_start_matches(['v', '=', '^', '~'])
        .split('.')
        .map(|part| {
            part.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .any(|digits| !digits.is_empty() && digits.parse::<u64>().is_err())
}

/// `--driver NAME[@VERSION]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DriverArg {
    pub(crate) driver: Driver,
    pub(crate) version: Option<String>,
}

impl DriverArg {
    /// Reads `NAME[@VERSION]`; the error says what is wrong, in the run's
    /// language.
    pub(crate) fn parse(text: &str) -> Result<Self, Message> {
        let (name, version) = match text.rsplit_once('@').filter(|(name, _)| !name.is_empty()) {
            Some((name, version)) => (name, Some(version.to_string())),
            None => (text, None),
        };
        let driver = Driver::from_flag(name).ok_or_else(|| {
            let known: Vec<&str> = Driver::ALL.iter().map(|d| d.id()).collect();
            msg::driver_unknown(&typed_value(name), known.join(", "))
        })?;
        if let Some(version) = version.as_deref() {
            if too_large(version) {
                return Err(msg::driver_version_too_large(&typed_value(text)));
            }
            if numbers(version).is_none() {
                return Err(msg::driver_bad_version(&typed_value(text)));
            }
        }
        Ok(Self { driver, version })
    }
}

/// The drivers of the app, and the manifests that could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Drivers {
    pub(crate) found: Vec<Found>,
    /// Manifests present but unreadable or malformed, with why.
    #[serde(skip)]
    pub(crate) unreadable: Vec<(String, Message)>,
    /// What the checks were judged by because of these drivers.
    #[serde(skip)]
    pub(crate) rules: Vec<Rule>,
}

#[cfg(test)]
impl Drivers {
    /// Drivers as if named with `--driver` (tests of the rules).
    pub(crate) fn named(list: &[(Driver, Option<&str>)]) -> Self {
        Self {
            found: list
                .iter()
                .map(|(driver, version)| Found {
                    driver: *driver,
                    version: version.map(str::to_string),
                    file: "--driver".into(),
                    lockfile: None,
                })
                .collect(),
            ..Self::default()
        }
    }
}

impl Drivers {
    /// `--driver` values when given, else the manifests in `dir`.
    pub(crate) fn find(dir: &Path, flags: &[DriverArg]) -> Drivers {
        if !flags.is_empty() {
            let found = flags
                .iter()
                .map(|arg| Found {
                    driver: arg.driver,
                    version: arg.version.clone(),
                    file: "--driver".to_string(),
                    lockfile: None,
                })
                .collect();
            return Drivers {
                found,
                ..Drivers::default()
            };
        }
        manifest::read(dir)
    }

    /// The drivers that connect to `check`'s target.
    pub(crate) fn of(&self, check: CheckName) -> impl Iterator<Item = &Found> {
        self.found
            .iter()
            .filter(move |f| f.driver.check() == Some(check))
    }

    /// The app's AMQP drivers.
    pub(crate) fn amqp(&self) -> impl Iterator<Item = &Found> {
        self.found.iter().filter(|f| f.driver.is_amqp())
    }

    /// The app's MySQL drivers.
    pub(crate) fn mysql(&self) -> impl Iterator<Item = &Found> {
        self.found.iter().filter(|f| f.driver.is_mysql())
    }

    /// Whether node-postgres is the app's one PostgreSQL driver: only then
    /// are its own URL parameters read, since libpq and asyncpg refuse
    /// them (`invalid sslmode value`, `unrecognized configuration
    /// parameter`).
    pub(crate) fn only_node_postgres(&self) -> bool {
        let mut drivers = self.of(CheckName::POSTGRES).peekable();
        drivers.peek().is_some() && drivers.all(|f| f.driver == Driver::NodePostgres)
    }

    /// Whether the drivers that connect to `check`'s target are some, and
    /// all of them among `set`.
    pub(crate) fn only(&self, check: CheckName, set: &[Driver]) -> bool {
        let mut drivers = self.of(check).peekable();
        drivers.peek().is_some() && drivers.all(|f| set.contains(&f.driver))
    }

    /// Whether `driver` (amqplib or pika) is the app's one AMQP driver:
    /// only then are broker URLs read as that driver reads them, since
    /// kombu refuses query parameters they take.
    pub(crate) fn only_amqp(&self, driver: Driver) -> bool {
        let mut drivers = self.amqp().peekable();
        drivers.peek().is_some() && drivers.all(|f| f.driver == driver)
    }

    /// The first found driver that is `driver`.
    pub(crate) fn get(&self, driver: Driver) -> Option<&Found> {
        self.found.iter().find(|f| f.driver == driver)
    }
}

/// How a driver's semantics changed the judgement of a check: what the
/// driver does with this URL, and, when the check fails with `code`, the
/// cause and fix in that driver's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    pub(crate) check: CheckName,
    pub(crate) does: Message,
    pub(crate) fails_with: Vec<Code>,
    pub(crate) cause: Message,
    pub(crate) fix: Message,
}

/// What the drivers read from the environment beside the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DriverEnv {
    /// `PGSSLMODE` as set (libpq, node-postgres and postgres.js read it;
    /// postgres.js takes its value as its `ssl` option).
    pub(crate) pgsslmode: Option<String>,
    /// `PGTARGETSESSIONATTRS` as set: postgres.js refuses values it does
    /// not know (`driver::postgres`).
    pub(crate) pgtargetsessionattrs: Option<String>,
    /// `PGPORT` as set: asyncpg and postgres.js dial it for the hosts of
    /// a list that name no port, where libpq dials 5432.
    pub(crate) pgport: Option<String>,
    /// The store node-postgres verifies against when the URL names no CA:
    /// Node's own (its bundled Mozilla list plus `NODE_EXTRA_CA_CERTS`),
    /// or the system's with `--use-openssl-ca` / `--use-system-ca` in
    /// `NODE_OPTIONS` (Node.js docs, "Command-line options").
    pub(crate) node_roots: RootCert,
}

impl DriverEnv {
    pub(crate) fn read(env: &crate::source::EnvSource) -> Self {
        let system = env.get("NODE_OPTIONS").is_some_and(|v| {
            v.value
                .split_whitespace()
                .any(|o| o == "--use-openssl-ca" || o == "--use-system-ca")
        });
        let extra = env
            .get("NODE_EXTRA_CA_CERTS")
            .map(|v| std::path::PathBuf::from(v.value));
        Self {
            pgsslmode: env.get("PGSSLMODE").map(|v| v.value.trim().to_string()),
            pgtargetsessionattrs: env.get("PGTARGETSESSIONATTRS").map(|v| v.value),
            pgport: env.get("PGPORT").map(|v| v.value),
            node_roots: if system {
                RootCert::System
            } else {
                RootCert::Node(extra)
            },
        }
    }
}

/// Judges the configured targets by the app's drivers: the target each
/// check probes becomes the one the strictest driver makes of the URL. The
/// drivers come back with the rules they judged by.
/// `check` is the check whose target `postgres` is (the default one or a
/// discovered one).
pub(crate) fn apply(
    mut drivers: Drivers,
    check: CheckName,
    postgres: &mut Setting<PgTarget>,
    env: &DriverEnv,
) -> Drivers {
    let rules = postgres::judge(&drivers, check, postgres, env);
    drivers.rules.extend(rules);
    drivers
}

/// Verdicts that need what a probe saw (the addresses a name has): the
/// outcome is changed to what the driver would meet, and the rules that
/// did it are returned.
/// `url` is the check's redacted URL (its query survives redaction).
pub(crate) fn judge_outcome(
    drivers: &Drivers,
    (check, kind): (CheckName, Kind),
    outcome: &mut ProbeOutcome,
    url: Option<&str>,
) -> Vec<Rule> {
    match kind {
        Kind::Redis => redis::judge(drivers, check, outcome, url.unwrap_or_default())
            .into_iter()
            .collect(),
        Kind::Postgresql => {
            // The rule itself was made with the configuration.
            prepared::fail_outcome(&drivers.rules, check, outcome);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report schema lists every driver id (`drivers.found[].id`), so
    /// a report naming a new driver never fails validation.
    #[test]
    fn the_report_schema_lists_every_driver_id() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json");
        let schema = std::fs::read_to_string(path).unwrap();
        for driver in Driver::ALL {
            let quoted = format!("\"{}\"", driver.id());
            assert!(
                schema.contains(&quoted),
                "schema/report.schema.json lacks {quoted}"
            );
        }
    }

    #[test]
    fn driver_flags_name_drivers_and_versions() {
        let arg = DriverArg::parse("pg@8.23.1").unwrap();
        assert_eq!(arg.driver, Driver::NodePostgres);
        assert_eq!(arg.version.as_deref(), Some("8.23.1"));
        let arg = DriverArg::parse("@prisma/client").unwrap();
        assert_eq!(arg.driver, Driver::Prisma);
        assert_eq!(arg.version, None);
        assert_eq!(
            DriverArg::parse("psycopg2-binary").unwrap().driver,
            Driver::Psycopg2
        );
        assert_eq!(
            DriverArg::parse("IOREDIS@5.8.1").unwrap().driver,
            Driver::Ioredis
        );
        assert!(
            DriverArg::parse("redis").is_err(),
            "ambiguous: redis-py or node-redis"
        );
        assert!(DriverArg::parse("mysql").is_err());
        assert_eq!(DriverArg::parse("pika@1.4.4").unwrap().driver, Driver::Pika);
        assert_eq!(DriverArg::parse("celery").unwrap().driver, Driver::Celery);
        assert_eq!(DriverArg::parse("py-amqp").unwrap().driver, Driver::Kombu);
        assert_eq!(DriverArg::parse("amqplib").unwrap().driver, Driver::Amqplib);
        assert_eq!(DriverArg::parse("PyMySQL").unwrap().driver, Driver::Pymysql);
        assert_eq!(
            DriverArg::parse("mysqldb").unwrap().driver,
            Driver::Mysqlclient
        );
        assert_eq!(
            DriverArg::parse("mysql2@3.26.1").unwrap().driver,
            Driver::Mysql2
        );
        assert!(DriverArg::parse("pg@latest").is_err());
    }

    #[test]
    fn versions_compare_by_their_numbers() {
        let found = |v: &str| Found {
            driver: Driver::Ioredis,
            version: Some(v.to_string()),
            file: "package.json".into(),
            lockfile: None,
        };
        assert!(found("5.8.1").older_than(&[5, 8, 2]));
        assert!(found("4.28.5").older_than(&[5, 8, 2]));
        assert!(!found("5.8.2").older_than(&[5, 8, 2]));
        assert!(!found("6.0.0").older_than(&[5, 8, 2]));
        assert!(found("5.8").older_than(&[5, 8, 2]));
        let unknown = Found {
            version: None,
            ..found("1")
        };
        assert!(!unknown.older_than(&[5, 8, 2]));
    }
}
