//! What real deployments put in URL variables, made checkable — each change
//! reported as a finding, because the app may not make it (SQLAlchemy issue #6083, asyncpg issue #737):
//! quotes and stray whitespace around the value, SQLAlchemy dialect
//! prefixes (`postgresql+asyncpg://`), `postgres://` (SQLAlchemy ≥ 1.4
//! rejects it), and Prisma-only query parameters that libpq refuses.

use super::reading;
use crate::i18n::{Message, msg};
use crate::model::Finding;
use crate::model::FindingCode;

/// A value ready for the URL parser and what was done to it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Normalized {
    pub value: String,
    pub findings: Vec<Finding>,
    /// The query as given, when a driver's reading rewrote it in `value`:
    /// the report shows this one.
    pub query_as_given: Option<String>,
}

/// Prisma's own URL parameters (prisma.io docs, "Connection URLs"); libpq
/// rejects them as unknown (`invalid URI query parameter`).
const PRISMA_PARAMS: &[&str] = &[
    "schema",
    "pgbouncer",
    "connection_limit",
    "pool_timeout",
    "connect_timeout_ms",
    "socket_timeout",
    "sslaccept",
    "sslidentity",
    "statement_cache_size",
];

/// Normalizes a PostgreSQL URL from variable `var`.
pub(crate) fn postgres(raw: &str, var: &str) -> Normalized {
    let mut findings = Vec::new();
    let value = unwrap(raw, var, &mut findings);
    let value = strip_celery_prefix(&value);
    let value = strip_dialect(value, &mut findings);
    if value.starts_with("postgres://") {
        // Info, not a warning: many apps never go through SQLAlchemy.
        findings.push(Finding::info(
            FindingCode::SqlalchemyScheme,
            msg::norm_postgres_scheme(var),
        ));
    }
    let value = strip_prisma(&value, &mut findings);
    // SQLAlchemy's asyncpg dialect, as `strip_dialect` named it.
    let asyncpg = findings.iter().any(|f| {
        f.message.id() == "norm_driver"
            && f.message.any_text(&|t| t.eq_ignore_ascii_case("asyncpg"))
    });
    if let Some((value, given, read)) = asyncpg
        .then(|| super::reading::sqlalchemy_asyncpg(&value))
        .flatten()
    {
        findings.extend(read);
        return Normalized {
            value,
            findings,
            query_as_given: Some(given),
        };
    }
    Normalized {
        value,
        findings,
        query_as_given: None,
    }
}

/// Normalizes a PostgreSQL URL of an app whose driver is node-postgres:
/// its own parameters are read as pg-connection-string 2.x reads them
/// (`index.js`, `parse`): `uselibpqcompat=true` keeps libpq's meaning of
/// `sslmode` and is removed for the check; `sslmode=no-verify` is TLS
/// without verification, libpq's `require`. The credentials end at the
/// last `@` (`new URL()`), and what node-postgres never reads is left out
/// (`config::reading`).
pub(crate) fn postgres_node(raw: &str, var: &str) -> Normalized {
    const DRIVER: &str = "node-postgres";
    let mut normalized = postgres(raw, var);
    if let Some(value) = reading::last_at_credentials(&normalized.value, &['/', '?', '#']) {
        normalized.value = value;
        normalized.findings.push(reading::last_at_finding(DRIVER));
    }
    let Some((base, query)) = normalized.value.split_once('?') else {
        return normalized;
    };
    let given = query.to_string();
    let mut read = reading::QueryReading::default();
    // With uselibpqcompat=true pg-connection-string (2.14.1, `parse`) has
    // no `no-verify` case: the mode falls through to `ssl = {}`, which
    // verifies.
    let compat = query.split('&').any(|pair| pair == "uselibpqcompat=true");
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("uselibpqcompat", value)) => {
                if value == "true" {
                    normalized.findings.push(Finding::info(
                        FindingCode::Driver,
                        msg::driver_node_pg_compat(),
                    ));
                }
            }
            Some(("sslmode", "no-verify")) if compat => read.kept.push("sslmode=verify-full"),
            Some(("sslmode", "no-verify")) => {
                normalized.findings.push(Finding::warn(
                    FindingCode::CertificateNotVerified,
                    msg::driver_node_pg_no_verify(),
                ));
                read.kept.push("sslmode=require");
            }
            _ => reading::node_postgres_pair(pair, &mut read),
        }
    }
    normalized
        .findings
        .extend(reading::query_findings(DRIVER, &read));
    let value = reading::with_query(base, &read.kept);
    if value != normalized.value {
        normalized.query_as_given = Some(given);
    }
    normalized.value = value;
    normalized
}

/// Normalizes a Redis URL from variable `var`.
pub(crate) fn redis(raw: &str, var: &str) -> Normalized {
    let mut findings = Vec::new();
    let value = unwrap(raw, var, &mut findings);
    Normalized {
        value,
        findings,
        query_as_given: None,
    }
}

/// Normalizes a MySQL URL: whitespace and quotes only; its `+DBAPI`
/// schemes are the drivers' own and read as written
/// (`service/mysql/url.rs`).
pub(crate) fn mysql(raw: &str, var: &str) -> Normalized {
    redis(raw, var)
}

/// Strips surrounding whitespace and one pair of matching quotes. The app
/// probably does not, so it is a warning, not a silent fix.
fn unwrap(raw: &str, var: &str, findings: &mut Vec<Finding>) -> String {
    let trimmed = raw.trim();
    if trimmed != raw {
        findings.push(Finding::warn(
            FindingCode::Trimmed,
            msg::norm_whitespace(var),
        ));
    }
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|&q| trimmed.strip_prefix(q).and_then(|t| t.strip_suffix(q)))
        .filter(|_| trimmed.len() >= 2);
    match unquoted {
        Some(inner) => {
            findings.push(Finding::warn(FindingCode::Trimmed, msg::norm_quotes(var)));
            inner.trim().to_string()
        }
        None => trimmed.to_string(),
    }
}

/// Celery's result backend names a SQLAlchemy URL as `db+URL` (Celery docs,
/// "Database backend settings"); Celery itself strips the prefix, so the
/// app connects to the URL behind it and nothing is worth a finding.
fn strip_celery_prefix(value: &str) -> &str {
    match value.get(..3) {
        Some(prefix) if prefix.eq_ignore_ascii_case("db+") => &value[3..],
        _ => value,
    }
}

/// `postgresql+asyncpg://` → `postgresql://`, noting the driver; asyncpg
/// with `sslmode` fails at connect time (`unexpected keyword argument
/// 'sslmode'`, asyncpg issue #737).
fn strip_dialect(value: &str, findings: &mut Vec<Finding>) -> String {
    let Some((scheme, rest)) = value.split_once("://") else {
        return value.to_string();
    };
    let Some((base, driver)) = scheme.split_once('+') else {
        return value.to_string();
    };
    if !matches!(
        base.to_ascii_lowercase().as_str(),
        "postgresql" | "postgres"
    ) {
        return value.to_string();
    }
    findings.push(Finding::info(
        FindingCode::SqlalchemyDriver,
        norm_driver(driver),
    ));
    if !driver.eq_ignore_ascii_case("asyncpg") {
        return format!("{base}://{rest}");
    }
    if rest.contains("sslmode=") {
        findings.push(Finding::warn(
            FindingCode::SqlalchemyDriver,
            msg::norm_asyncpg_sslmode(),
        ));
    }
    format!("{base}://{}", asyncpg_ssl_as_sslmode(rest))
}

/// asyncpg spells libpq's `sslmode` as `ssl` (`ssl=require`); the check
/// reads it as the sslmode it means. `ssl=true` and `ssl=false` stay as
/// written: SQLAlchemy hands the string to `asyncpg.connect(ssl=…)`, which
/// refuses it (`sslmode` parameter must be one of …), and the driver rules
/// say so (`driver::refusals`).
fn asyncpg_ssl_as_sslmode(rest: &str) -> String {
    let Some((before, query)) = rest.split_once('?') else {
        return rest.to_string();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("ssl", mode)) if mode != "true" && mode != "false" => format!("sslmode={mode}"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{before}?{}", pairs.join("&"))
}

/// Removes Prisma-only parameters from the query string.
fn strip_prisma(value: &str, findings: &mut Vec<Finding>) -> String {
    let Some((base, query)) = value.split_once('?') else {
        return value.to_string();
    };
    let (kept, dropped): (Vec<&str>, Vec<&str>) = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .partition(|pair| !PRISMA_PARAMS.contains(&pair.split('=').next().unwrap_or_default()));
    if dropped.is_empty() {
        return value.to_string();
    }
    let names: Vec<&str> = dropped
        .iter()
        .map(|p| p.split('=').next().unwrap_or_default())
        .collect();
    findings.push(Finding::warn(
        FindingCode::PrismaParameter,
        norm_prisma(&names),
    ));
    if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

pub(crate) fn norm_driver(driver: &str) -> Message {
    msg::norm_driver(driver.chars().take(20).collect())
}

pub(crate) fn norm_prisma(names: &[&str]) -> Message {
    msg::norm_prisma(names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(n: &Normalized) -> Vec<&'static str> {
        n.findings.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn node_postgres_parameters_are_read_as_node_postgres_reads_them() {
        let n = postgres_node(
            "postgresql://u@h/d?uselibpqcompat=true&sslmode=require",
            "DATABASE_URL",
        );
        assert_eq!(n.value, "postgresql://u@h/d?sslmode=require");
        assert_eq!(codes(&n), ["driver"]);
        let n = postgres_node("postgresql://u@h/d?sslmode=no-verify", "DATABASE_URL");
        assert_eq!(n.value, "postgresql://u@h/d?sslmode=require");
        assert_eq!(codes(&n), ["certificate_not_verified"]);
        let n = postgres("postgresql://u@h/d?sslmode=no-verify", "DATABASE_URL");
        assert_eq!(
            n.value, "postgresql://u@h/d?sslmode=no-verify",
            "libpq refuses it"
        );
    }

    /// Issue 20: what pg never reads is left out (the redacted query shows
    /// it as given), and the credentials end at the last `@`.
    #[test]
    fn node_postgres_leaves_out_what_it_never_reads() {
        let n = postgres_node(
            "postgresql://u:a@b@h/d?connect_timeout=abc&foo=1&sslmode=require",
            "DATABASE_URL",
        );
        assert_eq!(n.value, "postgresql://u:a%40b@h/d?sslmode=require");
        assert_eq!(codes(&n), ["url_portability", "driver"]);
        assert_eq!(
            n.query_as_given.as_deref(),
            Some("connect_timeout=abc&foo=1&sslmode=require")
        );
        let n = postgres_node("postgresql://u@h/d?application_name=a", "DATABASE_URL");
        assert_eq!(n.value, "postgresql://u@h/d?application_name=a");
        assert_eq!(n.query_as_given, None);
    }

    #[test]
    fn quotes_and_whitespace_are_removed_and_reported() {
        let n = postgres(" \"postgresql://u@h/d\"\r\n", "DATABASE_URL");
        assert_eq!(n.value, "postgresql://u@h/d");
        assert_eq!(codes(&n), ["trimmed", "trimmed"]);
    }

    #[test]
    fn sqlalchemy_and_prisma_forms_become_libpq_urls() {
        let n = postgres(
            "postgresql+asyncpg://u@h/d?sslmode=require&schema=public",
            "DATABASE_URL",
        );
        assert_eq!(n.value, "postgresql://u@h/d?sslmode=require");
        assert_eq!(
            codes(&n),
            ["sqlalchemy_driver", "sqlalchemy_driver", "prisma_parameter"]
        );
        let n = postgres(
            "postgres://u@h/d?pgbouncer=true&connection_limit=1",
            "DATABASE_URL",
        );
        assert_eq!(n.value, "postgres://u@h/d");
        assert_eq!(codes(&n), ["sqlalchemy_scheme", "prisma_parameter"]);
        let n = postgres("db+postgresql+psycopg2://u@h/d", "CELERY_RESULT_BACKEND");
        assert_eq!(n.value, "postgresql://u@h/d");
    }
}
