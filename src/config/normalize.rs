//! What real deployments put in URL variables, made checkable — each change
//! reported as a finding, because the app may not make it (SQLAlchemy issue #6083, asyncpg issue #737):
//! quotes and stray whitespace around the value, SQLAlchemy dialect
//! prefixes (`postgresql+asyncpg://`), `postgres://` (SQLAlchemy ≥ 1.4
//! rejects it), and Prisma-only query parameters that libpq refuses.

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
    Normalized {
        value,
        findings,
        query_as_given: None,
    }
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
