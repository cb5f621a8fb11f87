//! Each driver's own reading of a URL, before any driver rule judges the
//! target (issue 20): what the app's driver accepts, ignores or reads
//! itself where libpq (or redis-rs) would refuse. The reading is chosen
//! per check from the app's drivers (`command::resolved`) when every
//! driver of the kind reads the URL the same way; an app with several
//! readers keeps the strictest, libpq's or redis-rs's, and the rules in
//! `driver/` name the driver that refuses. A reading produces the target
//! the probe runs: a URL libpq (redis-rs) reads as the driver does, and
//! findings that say what was read otherwise.

use super::normalize::Normalized;
use crate::i18n::msg;
use crate::model::{Finding, FindingCode};

/// Whose reading a PostgreSQL URL gets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum PgReading {
    /// libpq's (psql, psycopg2, psycopg 3; and the strictest when the
    /// app's drivers read differently).
    #[default]
    Libpq,
    /// node-postgres is the app's only PostgreSQL driver.
    NodePostgres,
    /// postgres.js is the app's only PostgreSQL driver.
    PostgresJs,
}

/// Whose reading a Redis URL's database gets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum RedisReading {
    /// redis-rs's: a database that is not a number is refused.
    #[default]
    RedisRs,
    /// redis-py is the app's only Redis driver.
    RedisPy,
    /// ioredis is the app's only Redis driver.
    Ioredis,
    /// The app's Redis drivers are redis-py and ioredis.
    RedisPyAndIoredis,
}

/// A Redis driver that reads a database that is not a number without
/// refusing the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DbReader {
    /// redis-py 8.1.0 (`connection.py`, `parse_url`): `int(unquote(path)
    /// .replace("/", ""))`, and on `ValueError` no `db` at all, i.e. 0.
    RedisPy,
    /// ioredis 6.0.0 (`utils/index.js`, `parseURL`: `db =
    /// pathname.slice(1)`; `Redis.js`: `parseInt(db, 10)`), and
    /// `redis/event_handler.js` sends `SELECT` only when the number is
    /// truthy: `NaN` and 0 stay on database 0.
    Ioredis,
}

/// The readers the Redis check gets for the app's Redis drivers.
pub(crate) const REDIS_PY: &[DbReader] = &[DbReader::RedisPy];
pub(crate) const IOREDIS: &[DbReader] = &[DbReader::Ioredis];
pub(crate) const REDIS_PY_IOREDIS: &[DbReader] = &[DbReader::RedisPy, DbReader::Ioredis];

/// Query parameters node-postgres reads (pg-connection-string 2.14.1
/// `index.js` `parse`; pg 8.23.1 `connection-parameters.js` and
/// `client.js` `getStartupConf`) and libpq judges as well: they stay in
/// the URL the check reads. Every other parameter libpq knows or refuses
/// is never read by node-postgres (`connect_timeout` only through
/// `connectionTimeoutMillis` or `PGCONNECT_TIMEOUT`, the database only
/// from the path, no `hostaddr`), so it is left out of the check.
/// `channel_binding` stays for the rule that says it is not read
/// (`driver::postgres`), and so do the parameters node-postgres passes to
/// the server (`statement_timeout`…), which libpq refuses as the server
/// may.
const NODE_PG_READS: &[&str] = &[
    "user",
    "password",
    "host",
    "port",
    "ssl",
    "sslmode",
    "sslcert",
    "sslkey",
    "sslrootcert",
    "sslnegotiation",
    "uselibpqcompat",
    "options",
    "application_name",
    "fallback_application_name",
    "client_encoding",
    "replication",
    "statement_timeout",
    "lock_timeout",
    "idle_in_transaction_session_timeout",
    "channel_binding",
];

/// node-postgres's own options that change nothing about connecting
/// (`query_timeout`, `binary`): read by it, unknown to libpq.
const NODE_PG_OWN: &[&str] = &["query_timeout", "binary"];

/// postgres.js 4.2.0's own options read from the query (`src/index.js`,
/// `parseOptions`: the keys of `defaults`, which never reach the server;
/// `sslmode` is read as `ssl`). `ssl` and `sslmode` are read by the TLS
/// plan (`driver::postgres::postgres_js`) from the query as given; a
/// string where a number is wanted (`connect_timeout=abc`) becomes `NaN`,
/// which turns the timer off (`src/startup.js`: `connect_timeout &&
/// setTimeout(…)`). `sslnegotiation`, `channel_binding`, `require_auth`
/// and `target_session_attrs` are read too, and stay for libpq to judge.
/// Every other parameter is sent to the server as a setting
/// (`connection`), which libpq's refusal stands for.
const POSTGRESJS_OWN: &[&str] = &[
    "ssl",
    "max",
    "min",
    "idle_timeout",
    "connect_timeout",
    "queue_timeout",
    "query_timeout",
    "cancel_timeout",
    "max_lifetime",
    "max_pipeline",
    "scheduler",
    "backoff",
    "keep_alive",
    "prepare",
    "debug",
    "fetch_types",
    "infer",
    "publications",
    "slot",
];

/// libpq's `sslmode` values: another one postgres.js reads as its `ssl`
/// (Node's verifying default), where libpq refuses it.
const LIBPQ_SSLMODES: &[&str] = &[
    "disable",
    "allow",
    "prefer",
    "require",
    "verify-ca",
    "verify-full",
];

/// What a driver's reading did to a PostgreSQL URL's query: the pairs it
/// leaves for libpq, and the names it ignores or reads itself.
#[derive(Debug, Default)]
pub(crate) struct QueryReading<'a> {
    pub(crate) kept: Vec<&'a str>,
    pub(crate) ignored: Vec<String>,
    pub(crate) own: Vec<String>,
}

/// node-postgres's reading of one query pair (`key` decoded).
pub(crate) fn node_postgres_pair<'a>(pair: &'a str, reading: &mut QueryReading<'a>) {
    let key = decoded_key(pair);
    // An empty pair is libpq's to judge (node-postgres skips it).
    if pair.is_empty() || NODE_PG_READS.contains(&key.as_str()) {
        reading.kept.push(pair);
    } else if NODE_PG_OWN.contains(&key.as_str()) {
        reading.own.push(key);
    } else {
        reading.ignored.push(key);
    }
}

/// postgres.js's reading of one query pair.
fn postgres_js_pair<'a>(pair: &'a str, reading: &mut QueryReading<'a>) {
    let key = decoded_key(pair);
    let value = pair.split_once('=').map_or("", |(_, v)| v);
    let foreign_mode = key == "sslmode" && !LIBPQ_SSLMODES.contains(&value);
    if POSTGRESJS_OWN.contains(&key.as_str()) || foreign_mode {
        reading.own.push(key);
    } else {
        reading.kept.push(pair);
    }
}

/// A query pair's name, percent-decoded as WHATWG `URLSearchParams` and
/// libpq both decode it.
fn decoded_key(pair: &str) -> String {
    let key = pair.split_once('=').map_or(pair, |(key, _)| key);
    percent_encoding::percent_decode_str(key)
        .decode_utf8_lossy()
        .into_owned()
}

/// The findings a query reading leaves: what `driver` ignores, and what it
/// reads itself.
pub(crate) fn query_findings(driver: &str, reading: &QueryReading<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    if !reading.ignored.is_empty() {
        let names = reading.ignored.join(", ");
        findings.push(Finding::info(
            FindingCode::Driver,
            msg::reading_ignored(driver.to_string(), names),
        ));
    }
    if !reading.own.is_empty() {
        let names = reading.own.join(", ");
        findings.push(Finding::info(
            FindingCode::Driver,
            msg::reading_own(driver.to_string(), names),
        ));
    }
    findings
}

/// `value` with `query` in place of its query (none when empty).
pub(crate) fn with_query(value: &str, kept: &[&str]) -> String {
    let base = value.split_once('?').map_or(value, |(base, _)| base);
    if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

/// The user name and password as a driver that ends them at the *last*
/// `@` of the authority reads them, written so that libpq (which ends them
/// at the first) reads the same: each `@` in them percent-encoded. WHATWG
/// `new URL()` (node-postgres) ends the authority at `/`, `?` or `#`;
/// postgres.js 4.2.0 (`src/index.js`, `parseUrl`: `rest.search(/[/?]/)`,
/// `authority.lastIndexOf('@')`) at `/` or `?`. `None` when the URL has
/// at most one `@` there.
pub(crate) fn last_at_credentials(value: &str, ends: &[char]) -> Option<String> {
    let (scheme, rest) = value.split_once("://")?;
    let end = rest.find(ends).unwrap_or(rest.len());
    let authority = &rest[..end];
    let last = authority.rfind('@')?;
    let userinfo = &authority[..last];
    if !userinfo.contains('@') {
        return None;
    }
    let encoded = userinfo.replace('@', "%40");
    Some(format!("{scheme}://{encoded}{}", &rest[last..]))
}

/// The finding for credentials read up to the last `@`.
pub(crate) fn last_at_finding(driver: &str) -> Finding {
    Finding::warn(
        FindingCode::UrlPortability,
        msg::reading_last_at(driver.to_string()),
    )
}

/// Normalizes a PostgreSQL URL as libpq reads it (`config::normalize`),
/// then as SQLAlchemy's asyncpg dialect reads its own parameter when the
/// URL names that dialect.
pub(crate) fn postgres(raw: &str, var: &str) -> Normalized {
    let mut normalized = super::normalize::postgres(raw, var);
    // SQLAlchemy's asyncpg dialect, as `normalize` named it.
    let asyncpg = normalized.findings.iter().any(|f| {
        f.message.id() == "norm_driver"
            && f.message.any_text(&|t| t.eq_ignore_ascii_case("asyncpg"))
    });
    if let Some((value, given, read)) = asyncpg
        .then(|| sqlalchemy_asyncpg(&normalized.value))
        .flatten()
    {
        normalized.findings.extend(read);
        normalized.value = value;
        normalized.query_as_given = Some(given);
    }
    normalized
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
    if let Some(value) = last_at_credentials(&normalized.value, &['/', '?', '#']) {
        normalized.value = value;
        normalized.findings.push(last_at_finding(DRIVER));
    }
    let Some((base, query)) = normalized.value.split_once('?') else {
        return normalized;
    };
    let given = query.to_string();
    let mut read = QueryReading::default();
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
            _ => node_postgres_pair(pair, &mut read),
        }
    }
    normalized.findings.extend(query_findings(DRIVER, &read));
    let value = with_query(base, &read.kept);
    if value != normalized.value {
        normalized.query_as_given = Some(given);
    }
    normalized.value = value;
    normalized
}

/// Normalizes a PostgreSQL URL of an app whose driver is postgres.js: its
/// own options are read by it (and left out of libpq's reading), the
/// credentials end at the last `@`; the rest is libpq's reading.
pub(crate) fn postgres_js(raw: &str, var: &str) -> Normalized {
    const DRIVER: &str = "postgres.js";
    let mut normalized = postgres(raw, var);
    if let Some(value) = last_at_credentials(&normalized.value, &['/', '?']) {
        normalized.value = value;
        normalized.findings.push(last_at_finding(DRIVER));
    }
    let Some((_, query)) = normalized.value.split_once('?') else {
        return normalized;
    };
    let given = query.to_string();
    let mut reading = QueryReading::default();
    for pair in query.split('&') {
        postgres_js_pair(pair, &mut reading);
    }
    if reading.own.is_empty() {
        return normalized;
    }
    normalized.findings.extend(query_findings(DRIVER, &reading));
    normalized.value = with_query(&normalized.value, &reading.kept);
    normalized.query_as_given = Some(given);
    normalized
}

/// SQLAlchemy's asyncpg dialect reads `prepared_statement_cache_size`
/// itself (2.1.9, `dialects/postgresql/asyncpg.py`, `create_connect_args`:
/// `util.coerce_kw_type(opts, "prepared_statement_cache_size", int)`,
/// popped by `AsyncAdapt_asyncpg_dbapi.connect`): an integer is left out
/// of libpq's reading (the rules read it from the query as given,
/// `driver::prepared`); anything else fails in `int()`, as libpq's refusal
/// says.
pub(crate) fn sqlalchemy_asyncpg(value: &str) -> Option<(String, String, Vec<Finding>)> {
    let (_, query) = value.split_once('?')?;
    let mut reading = QueryReading::default();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("prepared_statement_cache_size", n)) if python_int(n).is_some() => {
                reading
                    .own
                    .push("prepared_statement_cache_size".to_string());
            }
            _ => reading.kept.push(pair),
        }
    }
    if reading.own.is_empty() {
        return None;
    }
    let findings = query_findings("SQLAlchemy (asyncpg)", &reading);
    Some((
        with_query(value, &reading.kept),
        query.to_string(),
        findings,
    ))
}

/// Python's `int(text)` for ASCII text: whitespace around, a sign, digits
/// with single `_` between them. `None` where Python raises, and for
/// anything not ASCII or beyond `i64` (not read here).
fn python_int(text: &str) -> Option<i64> {
    if !text.is_ascii() {
        return None;
    }
    let trimmed =
        text.trim_matches(|c: char| c.is_ascii_whitespace() || ('\x1c'..='\x1f').contains(&c));
    let (sign, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let well_formed = !digits.is_empty()
        && digits
            .split('_')
            .all(|run| !run.is_empty() && run.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed {
        return None;
    }
    digits
        .replace('_', "")
        .parse::<i64>()
        .ok()
        .map(|n| sign * n)
}

/// JavaScript's `parseInt(text, 10)`: whitespace skipped, a sign, the
/// leading digits; `None` is `NaN`.
fn js_parse_int(text: &str) -> Option<i64> {
    let trimmed = text.trim_start();
    let (sign, rest) = match trimmed.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse::<i64>().ok().map(|n| sign * n)
}

impl DbReader {
    /// The database this driver selects for the URL path `path` (after
    /// the host, with its `/`), or `None` when it is not read here.
    fn db(self, path: &str, query: &str) -> Option<i64> {
        // Both read `?db=` too, differently (redis-py prefers it, ioredis
        // the path): not read here. A percent-escape is decoded by
        // redis-py only.
        if query.split('&').any(|p| p.split('=').next() == Some("db")) || path.contains('%') {
            return None;
        }
        match self {
            DbReader::RedisPy => Some(python_int(&path.replace('/', "")).unwrap_or(0)),
            DbReader::Ioredis => {
                let text = path.strip_prefix('/').unwrap_or(path);
                // `SELECT` only for a truthy number; a number beyond what
                // JavaScript holds exactly is not read here.
                js_parse_int(text).map_or(Some(0), |n| (n.abs() < 1 << 53).then_some(n))
            }
        }
    }
}

/// The database every one of `readers` selects for a URL whose path
/// (after the host, with its `/`) redis-rs refuses as a database, when
/// they agree; `None` otherwise, and redis-rs's refusal stands
/// (the Redis target's `parse_with_db`).
pub(crate) fn agreed_db(readers: &[DbReader], path: &str, query: &str) -> Option<i64> {
    let mut dbs = readers.iter().map(|r| r.db(path, query));
    let db = dbs.next()??;
    dbs.all(|other| other == Some(db)).then_some(db)
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
    fn credentials_end_at_the_last_at_sign_for_node_drivers() {
        let url = "postgresql://u:at@colon:pw@127.0.0.1:5432/d";
        assert_eq!(
            last_at_credentials(url, &['/', '?', '#']).as_deref(),
            Some("postgresql://u:at%40colon:pw@127.0.0.1:5432/d")
        );
        assert_eq!(
            last_at_credentials("postgresql://u:pw@h/d?x=a@b", &['/', '?']),
            None
        );
        assert_eq!(last_at_credentials("postgresql://h/d", &['/', '?']), None);
    }

    #[test]
    fn postgres_js_reads_its_own_options() {
        let n = postgres_js(
            "postgresql://u@h/d?ssl=require&prepare=false&connect_timeout=abc&sslmode=no-verify&application_name=a",
            "DATABASE_URL",
        );
        assert_eq!(n.value, "postgresql://u@h/d?application_name=a");
        assert!(n.query_as_given.is_some());
        let n = postgres_js("postgresql://u@h/d?sslmode=require&foo=bar", "DATABASE_URL");
        assert_eq!(
            n.value, "postgresql://u@h/d?sslmode=require&foo=bar",
            "foo goes to the server"
        );
        assert_eq!(n.query_as_given, None);
    }

    #[test]
    fn sqlalchemy_asyncpg_reads_an_integer_cache_size() {
        let (value, given, _) = sqlalchemy_asyncpg(
            "postgresql://u@h/d?prepared_statement_cache_size=0&sslmode=require",
        )
        .unwrap();
        assert_eq!(value, "postgresql://u@h/d?sslmode=require");
        assert_eq!(given, "prepared_statement_cache_size=0&sslmode=require");
        assert!(sqlalchemy_asyncpg("postgresql://u@h/d?prepared_statement_cache_size=x").is_none());
    }

    #[test]
    fn python_and_javascript_integers() {
        assert_eq!(python_int(" +1_0 "), Some(10));
        assert_eq!(python_int("1__0"), None);
        assert_eq!(python_int("abc"), None);
        assert_eq!(js_parse_int(" 5abc"), Some(5));
        assert_eq!(js_parse_int("abc"), None);
    }

    #[test]
    fn a_database_that_is_not_a_number_is_read_by_redis_py_and_ioredis() {
        assert_eq!(agreed_db(REDIS_PY_IOREDIS, "/abc", ""), Some(0));
        // redis-py reads 0, ioredis 5: they disagree, redis-rs refuses.
        assert_eq!(agreed_db(REDIS_PY_IOREDIS, "/5abc", ""), None);
        assert_eq!(agreed_db(IOREDIS, "/5abc", ""), Some(5));
        assert_eq!(agreed_db(REDIS_PY, "/abc", "db=2"), None);
        assert_eq!(agreed_db(REDIS_PY, "/%35", ""), None);
    }
}
