//! Discovery: every variable whose value is a PostgreSQL, Redis or AMQP URL is a
//! target of its own (issue 9), so a broken `CELERY_BROKER_URL` fails the
//! gate instead of the first background job. The rules:
//!
//! - the defaults' own variables (`DATABASE_URL`, `REDIS_URL`, their
//!   `*_PRIVATE_URL` fallbacks and `*_PUBLIC_URL` twins) and the `PG*` /
//!   `REDIS*` components are the defaults' business, never extra targets;
//! - `X_PRIVATE_URL` is a fallback of `X_URL` (Railway's names before
//!   October 2024), so it is a target only when `X_URL` is not set;
//! - `X_PUBLIC_URL` is read only with `--public`, and then in place of its
//!   private twins `X_URL` and `X_PRIVATE_URL`;
//! - a value identical to one already taken is one target naming all its
//!   variables;
//! - a failover list (`redis://a;redis://b`, Celery's broker URL as kombu
//!   reads it) is one target per URL, `VAR.1`, `VAR.2`…;
//! - a URL of a kind railconn does not check (`mysql://`, `mongodb://`…) is
//!   listed as not checked; anything else (a path, a word, `https://`) is
//!   not a service URL and never a target.

use std::collections::{BTreeSet, HashMap};

use crate::model::CheckName;
use crate::service::Kind;
use crate::source::EnvSource;

/// Variables that belong to the default checks.
const DEFAULTS_OWN: &[&str] = &[
    "DATABASE_URL",
    "DATABASE_PRIVATE_URL",
    "DATABASE_PUBLIC_URL",
    "REDIS_URL",
    "REDIS_PRIVATE_URL",
    "REDIS_PUBLIC_URL",
    "PGHOST",
    "PGPORT",
    "PGUSER",
    "PGPASSWORD",
    "PGDATABASE",
    "PGSSLMODE",
    "PGSSLNEGOTIATION",
    "PGSSLROOTCERT",
    "REDISHOST",
    "REDISPORT",
    "REDISUSER",
    "REDISPASSWORD",
];

/// Schemes of services railconn does not check (yet): listed, so that a
/// reader of the report knows they were seen and not tested. Compared on
/// the part before `+` (`mysql+pymysql`, `mongodb+srv`).
const UNCHECKED_SCHEMES: &[&str] = &[
    "mongodb",
    "sqlserver",
    "mssql",
    "oracle",
    "memcached",
    "memcache",
    "kafka",
    "nats",
    "clickhouse",
    "cassandra",
    "couchbase",
    "neo4j",
    "sqs",
    "sentinel",
    "sqlite",
];

/// One variable a target's value was read from.
pub(crate) use crate::model::Variable as Source;

/// A target found in the variables, before its URL is parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Discovered {
    pub name: CheckName,
    pub kind: Kind,
    /// The value as the first variable holds it.
    pub raw: String,
    /// Every variable holding this value, the check's own first.
    pub sources: Vec<Source>,
}

/// A URL of a service kind railconn does not check.
pub(crate) use crate::model::NotChecked as Unchecked;

/// What discovery found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Scan {
    pub targets: Vec<Discovered>,
    /// Variables whose value equals a default check's: (that check, the
    /// variable), to be named among the default's sources.
    pub aliases: Vec<(CheckName, Source)>,
    pub unchecked: Vec<Unchecked>,
}

/// What a value is, judged by its scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Classified {
    Service(Kind),
    /// A URL of a kind railconn does not check, with its scheme.
    Unchecked(String),
    /// Not a service URL at all.
    Other,
}

/// Classifies a variable's value by its scheme (after the trimming and
/// unquoting `normalize` reports).
pub(crate) fn classify(value: &str) -> Classified {
    let Some((scheme, _)) = comparable(value).split_once("://") else {
        return Classified::Other;
    };
    let scheme = scheme.to_ascii_lowercase();
    // Celery's `db+postgresql://` result backend (see normalize.rs).
    let scheme = scheme.strip_prefix("db+").unwrap_or(&scheme);
    if let Some(kind) = Kind::ALL.into_iter().find(|k| k.is_scheme_of(scheme)) {
        return Classified::Service(kind);
    }
    let base = scheme.split('+').next().unwrap_or_default();
    if UNCHECKED_SCHEMES.contains(&base)
        || Kind::ALL.into_iter().any(|k| k.is_unread_scheme_of(base))
    {
        Classified::Unchecked(scheme.to_string())
    } else {
        Classified::Other
    }
}

/// The value as it is compared for identity: trimmed and unquoted, as
/// `normalize` reads it.
pub(crate) fn comparable(value: &str) -> &str {
    let trimmed = value.trim();
    ['"', '\'']
        .iter()
        .find_map(|&q| trimmed.strip_prefix(q).and_then(|t| t.strip_suffix(q)))
        .map_or(trimmed, str::trim)
}

impl Scan {
    /// Adds the value of variable `name` (or of one URL of its failover
    /// list, then `name` is `VAR.N`) as a target, an alias of a default, a
    /// source of an identical target, or a URL not checked.
    fn take(&mut self, name: &str, value: &str, source: Source, known: &mut Known<'_>) {
        let kind = match classify(value) {
            Classified::Service(kind) => kind,
            Classified::Unchecked(scheme) => {
                self.unchecked.push(Unchecked {
                    variable: name.to_string(),
                    scheme,
                    origin: source.origin,
                });
                return;
            }
            Classified::Other => return,
        };
        let key = comparable(value);
        if let Some((check, _)) = known.defaults.iter().find(|(_, v)| comparable(v) == key) {
            self.aliases.push((*check, source));
        } else if let Some(&same) = known.targets.get(key) {
            self.targets[same].sources.push(source);
        } else {
            known.targets.insert(key.to_string(), self.targets.len());
            self.targets.push(Discovered {
                name: CheckName::named(name),
                kind,
                raw: value.to_string(),
                sources: vec![source],
            });
        }
    }
}

/// The values already taken: the defaults' and, by comparable value, the
/// index of each target found so far (a lookup, not a search: a `.env`
/// of 16,000 URLs made the search quadratic, issue 18).
struct Known<'a> {
    defaults: &'a [(CheckName, &'a str)],
    targets: HashMap<String, usize>,
}

/// The URLs of a failover list, when `value` is one: Celery hands its
/// broker URL to kombu, which reads `redis://a;redis://b` as brokers to
/// try in turn (<https://docs.celeryq.dev/projects/kombu/en/stable/userguide/failover.html>),
/// so each URL is a target of its own, named `VAR.1`, `VAR.2`… (a `.`
/// no variable name has, and the schema's `check_name` allows). Only a
/// list whose every part has a scheme is split: a lone `;` may be a
/// password's (RFC 3986 allows it unencoded in userinfo). A trailing `;`
/// ends the list.
fn failover_list(value: &str) -> Option<Vec<&str>> {
    let value = comparable(value);
    let parts: Vec<&str> = value
        .trim_end_matches(';')
        .split(';')
        .map(str::trim)
        .collect();
    (parts.len() > 1 && parts.iter().all(|p| p.contains("://"))).then_some(parts)
}

/// Scans `env` for targets beyond the defaults. `defaults` are the default
/// checks' raw values, so that an identical value joins them instead.
pub(crate) fn scan(env: &EnvSource, public: bool, defaults: &[(CheckName, &str)]) -> Scan {
    let names: BTreeSet<&str> = env.all().map(|(name, _, _)| name).collect();
    let mut scan = Scan::default();
    let mut known = Known {
        defaults,
        targets: HashMap::new(),
    };
    for (name, value, origin) in env.all() {
        if !considered(name, public, &names) {
            continue;
        }
        let source = Source {
            variable: name.to_string(),
            origin: origin.clone(),
        };
        match failover_list(value) {
            Some(urls) => {
                for (i, url) in urls.into_iter().enumerate() {
                    let part = format!("{name}.{}", i + 1);
                    scan.take(&part, url, source.clone(), &mut known);
                }
            }
            None => scan.take(name, value, source, &mut known),
        }
    }
    scan
}

/// Whether variable `name` may be an extra target, given every set name.
fn considered(name: &str, public: bool, names: &BTreeSet<&str>) -> bool {
    // A check is named after its variable, so the name must be one a
    // report can carry (schema: `check_name`); names outside the portable
    // set (POSIX: letters, digits, `_`) plus `.` and `-` are no app's
    // configuration.
    let portable = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !portable || DEFAULTS_OWN.contains(&name) || CheckName::named(name).is_default() {
        return false;
    }
    if let Some(stem) = name.strip_suffix("_PUBLIC_URL") {
        return public && !stem.is_empty();
    }
    let stem = name
        .strip_suffix("_PRIVATE_URL")
        .or_else(|| name.strip_suffix("_URL"));
    let Some(stem) = stem else { return true };
    if public && names.contains(format!("{stem}_PUBLIC_URL").as_str()) {
        return false;
    }
    // `X_PRIVATE_URL` falls back to nothing when `X_URL` is set.
    !(name.ends_with("_PRIVATE_URL") && names.contains(format!("{stem}_URL").as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(scan: &Scan) -> Vec<&str> {
        scan.targets.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn schemes_decide_the_kind() {
        use Classified::{Other, Service, Unchecked};
        for url in [
            "postgresql://h/d",
            "postgres://h",
            "postgresql+psycopg2://h/d",
            "postgresql+asyncpg://h/d",
            "db+postgresql://h/d",
            " 'postgresql://h/d' ",
            "POSTGRESQL://h",
        ] {
            assert_eq!(classify(url), Service(Kind::Postgresql), "{url}");
        }
        for url in ["redis://h:6379/0", "rediss://h"] {
            assert_eq!(classify(url), Service(Kind::Redis), "{url}");
        }
        for url in ["mysql://h/d", "mariadb://h", "mysql+pymysql://h/d"] {
            assert_eq!(classify(url), Service(Kind::Mysql), "{url}");
        }
        assert_eq!(classify("mysqlx://h/d"), Unchecked("mysqlx".into()));
        assert_eq!(classify("mongodb+srv://h"), Unchecked("mongodb+srv".into()));
        for url in ["amqp://h", "AMQPS://h", "pyamqp://h//", "librabbitmq://h"] {
            assert_eq!(classify(url), Service(Kind::Amqp), "{url}");
        }
        assert_eq!(
            classify("redis+sentinel://h"),
            Unchecked("redis+sentinel".into())
        );
        for other in ["https://example.com", "true", "/var/run/x", "", "postgres"] {
            assert_eq!(classify(other), Other, "{other}");
        }
    }

    #[test]
    fn every_url_variable_is_a_target_but_the_defaults_own() {
        let env = EnvSource::from_pairs([
            ("DATABASE_URL", "postgresql://main/db"),
            ("DATABASE_PRIVATE_URL", "postgresql://other/db"),
            ("REDIS_URL", "redis://cache"),
            ("CELERY_BROKER_URL", "redis://broker"),
            (
                "ANALYTICS_DATABASE_URL",
                "postgresql+asyncpg://analytics/db",
            ),
            ("PGHOST", "postgresql://not-a-host"),
            ("APP_NAME", "demo"),
            ("SENTRY_DSN", "https://key@sentry.example/1"),
            ("MONGO_URL", "mongodb://m"),
        ]);
        let scan = scan(&env, false, &[]);
        assert_eq!(
            names(&scan),
            ["ANALYTICS_DATABASE_URL", "CELERY_BROKER_URL"]
        );
        assert_eq!(scan.targets[0].kind, Kind::Postgresql);
        assert_eq!(scan.targets[1].kind, Kind::Redis);
        assert_eq!(scan.unchecked.len(), 1);
        assert_eq!(scan.unchecked[0].variable, "MONGO_URL");
        assert_eq!(scan.unchecked[0].scheme, "mongodb");
    }

    #[test]
    fn identical_values_are_one_target_naming_every_variable() {
        let env = EnvSource::from_pairs([
            ("REDIS_URL", "redis://cache"),
            ("CACHE_URL", "redis://cache"),
            ("CELERY_BROKER_URL", "redis://broker"),
            ("CELERY_RESULT_BACKEND", " redis://broker "),
        ]);
        let scan = scan(&env, false, &[(CheckName::REDIS, "redis://cache")]);
        assert_eq!(names(&scan), ["CELERY_BROKER_URL"]);
        let vars: Vec<&str> = scan.targets[0]
            .sources
            .iter()
            .map(|s| s.variable.as_str())
            .collect();
        assert_eq!(vars, ["CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"]);
        assert_eq!(scan.aliases.len(), 1);
        assert_eq!(scan.aliases[0].0, CheckName::REDIS);
        assert_eq!(scan.aliases[0].1.variable, "CACHE_URL");
    }

    #[test]
    fn public_twins_replace_private_ones_only_with_public() {
        let env = EnvSource::from_pairs([
            ("QUEUE_URL", "redis://queue.internal"),
            ("QUEUE_PRIVATE_URL", "redis://queue-old.internal"),
            ("QUEUE_PUBLIC_URL", "redis://proxy.example:1234"),
            ("REPLICA_PRIVATE_URL", "postgresql://replica.internal/d"),
        ]);
        assert_eq!(
            names(&scan(&env, false, &[])),
            ["QUEUE_URL", "REPLICA_PRIVATE_URL"]
        );
        assert_eq!(
            names(&scan(&env, true, &[])),
            ["QUEUE_PUBLIC_URL", "REPLICA_PRIVATE_URL"]
        );
    }

    #[test]
    fn a_failover_list_is_one_target_per_url() {
        let env = EnvSource::from_pairs([
            ("REDIS_URL", "redis://cache"),
            (
                "CELERY_BROKER_URL",
                "redis://a:6379/0; redis://b:6379/0;redis://cache;",
            ),
            ("SESSION_URL", "redis://:pa;ss@host"),
        ]);
        let scan = scan(&env, false, &[(CheckName::REDIS, "redis://cache")]);
        assert_eq!(
            names(&scan),
            ["CELERY_BROKER_URL.1", "CELERY_BROKER_URL.2", "SESSION_URL"]
        );
        assert_eq!(scan.targets[1].raw, "redis://b:6379/0");
        assert_eq!(scan.targets[1].sources[0].variable, "CELERY_BROKER_URL");
        // The third URL is REDIS_URL's: the broker is one of its sources.
        assert_eq!(scan.aliases[0].0, CheckName::REDIS);
        assert_eq!(failover_list("redis://:pa;ss@host"), None);
    }
}
