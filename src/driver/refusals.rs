//! URLs a PostgreSQL driver refuses at engine creation or at its first
//! connect although libpq reads them (issue 20, the matrix's
//! READY-BUT-DRIVER-FAILS cases). Each rule is what that driver does, seen
//! with the real one:
//!
//! - SQLAlchemy 2.1.9 (`dialects/postgresql/asyncpg.py`,
//!   `create_connect_args`: `opts.update(url.query)`) hands every query
//!   parameter to `asyncpg.connect()` as a keyword argument; asyncpg 0.32.0
//!   (`connection.py`, `connect`) has none named `sslmode`,
//!   `application_name`, `connect_timeout`, … : `TypeError: connect() got
//!   an unexpected keyword argument` at the first connect. Its own `ssl=`
//!   and `prepared_statement_cache_size=` are accepted.
//! - SQLAlchemy's psycopg2 and psycopg dialects pass `ssl` to libpq as a
//!   connection option: `invalid connection option "ssl"`.
//! - SQLAlchemy ≥ 1.4 has no `postgres` dialect: `postgres://` raises
//!   `NoSuchModuleError` in `create_engine()`.
//! - asyncpg 0.32.0 (`connect_utils.py`, `_parse_connect_dsn_and_args`)
//!   sends every query parameter it does not read to the server as a
//!   setting: libpq's own keywords are no server settings
//!   (`unrecognized configuration parameter "connect_timeout"`, `parameter
//!   "ssl" cannot be changed now`).
//! - psycopg 3.3.9 (its wheels bundle libpq 18) refuses an unencoded
//!   space in the password: "unexpected spaces found"; psycopg2 2.9.13
//!   (libpq 17) reads it.
//! - postgres.js 4.2.0 sends the query parameters it does not read to
//!   the server as settings too: libpq's keywords are refused there.
//! - Prisma's own parameters (`schema`, `pgbouncer`, `connection_limit`…,
//!   which the normalizer takes out of the check's URL) are read by
//!   Prisma alone: libpq refuses them (`invalid URI query parameter`),
//!   SQLAlchemy passes them on as keywords (`TypeError` under asyncpg,
//!   `invalid connection option` under libpq), asyncpg and postgres.js
//!   send them to the server (`unrecognized configuration parameter
//!   "schema"`); node-postgres 8.23.1 ignores them (every driver seen
//!   with `?schema=public`).
//! - asyncpg (`urllib.parse`) and node-postgres (`new URL()`) read an
//!   unencoded `#` in the password as the start of the fragment: asyncpg
//!   raises `ValueError` (the port becomes the password's head),
//!   node-postgres `ERR_INVALID_URL`, both before dialing.

use super::{Driver, Drivers};
use crate::i18n::{Arg, Message, msg};
use crate::model::{Finding, FindingCode};
use crate::service::postgres::libpq_uri::Portability;
use crate::service::postgres::url::{PgTarget, SslMode};

/// asyncpg 0.32.0 `connect()`'s keyword arguments a URL can name, and
/// SQLAlchemy's own (`AsyncAdapt_asyncpg_dbapi.connect` pops
/// `prepared_statement_cache_size` and `prepared_statement_name_func`).
const SA_ASYNCPG_KWARGS: &[&str] = &[
    "host",
    "port",
    "user",
    "password",
    "passfile",
    "service",
    "servicefile",
    "database",
    "timeout",
    "statement_cache_size",
    "max_cached_statement_lifetime",
    "max_cacheable_statement_size",
    "command_timeout",
    "ssl",
    "direct_tls",
    "target_session_attrs",
    "krbsrvname",
    "gsslib",
    "prepared_statement_cache_size",
    "prepared_statement_name_func",
];

/// libpq keywords (PostgreSQL 17 docs, "Parameter Key Words", plus its
/// `ssl=true` alias) that asyncpg's URL parser does not read and that are
/// no server settings, so the server refuses them as asyncpg sends them.
/// `application_name`, `options` and `client_encoding` are server
/// settings too and work.
const ASYNCPG_NOT_SETTINGS: &[&str] = &[
    "ssl",
    "requiressl",
    "hostaddr",
    "connect_timeout",
    "channel_binding",
    "require_auth",
    "fallback_application_name",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "gssencmode",
    "gssdelegation",
    "sslcompression",
    "sslcertmode",
    "sslcrldir",
    "sslsni",
    "sslkeylogfile",
    "requirepeer",
    "load_balance_hosts",
];

/// libpq keywords postgres.js 4.2.0 does not read (`src/index.js`,
/// `parseOptions`: neither a key of its `defaults` nor `host`, `port` or
/// a certificate file) and that are no server settings: it sends them in
/// the startup message (`connection`), and the server refuses them
/// (`unrecognized configuration parameter "keepalives"`, seen with the
/// real driver for `keepalives`, `dbname`, `hostaddr` and
/// `fallback_application_name`).
const POSTGRESJS_NOT_SETTINGS: &[&str] = &[
    "hostaddr",
    "dbname",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "fallback_application_name",
    "gssencmode",
    "sslcompression",
    "sslsni",
    "sslcrl",
    "sslcrldir",
    "sslpassword",
    "sslcertmode",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "krbsrvname",
    "gsslib",
    "requirepeer",
    "load_balance_hosts",
];

/// A refusal: what the driver does, its cause and its fix.
pub(super) struct Refusal {
    pub(super) does: Message,
    pub(super) cause: Message,
    pub(super) fix: Message,
}

/// The first refusal of the app's drivers for `target`, whose
/// normalization left `findings` (the SQLAlchemy dialect it stripped).
pub(super) fn refusal(
    drivers: &Drivers,
    target: &PgTarget,
    findings: &[Finding],
) -> Option<Refusal> {
    let dialect = dialect(findings);
    let sqlalchemy = dialect.is_some() || drivers.get(Driver::Sqlalchemy).is_some();
    if sqlalchemy
        && findings
            .iter()
            .any(|f| f.code == FindingCode::SqlalchemyScheme)
    {
        return Some(postgres_scheme());
    }
    if let Some(refused) = prisma_params(drivers, dialect.as_deref(), findings) {
        return Some(refused);
    }
    let asyncpg = dialect.as_deref() == Some("asyncpg");
    if let Some(refused) = host_list(drivers, target, (sqlalchemy, asyncpg)) {
        return Some(refused);
    }
    match dialect.as_deref() {
        Some("asyncpg") => sa_asyncpg(target, findings),
        Some(_) => sa_libpq(target),
        None if sqlalchemy => sa_libpq(target).or_else(|| plain(drivers, target)),
        None => plain(drivers, target),
    }
}

/// The drivers' own readings of a URL with no SQLAlchemy in between.
fn plain(drivers: &Drivers, target: &PgTarget) -> Option<Refusal> {
    let hash = target.portability.iter().any(|p| {
        matches!(
            p,
            Portability::Credential {
                password: true,
                special: '#'
            }
        )
    });
    let raw_hash = [Driver::Asyncpg, Driver::NodePostgres]
        .into_iter()
        .filter(|_| hash)
        .find_map(|d| drivers.get(d));
    if let Some(found) = raw_hash {
        return Some(Refusal {
            does: msg::driver_raw_hash(found.to_string()),
            cause: msg::driver_raw_hash_cause(found.to_string()),
            fix: msg::driver_raw_hash_fix(),
        });
    }
    let space = target.portability.contains(&Portability::Space);
    if let Some(psycopg) = drivers.get(Driver::Psycopg).filter(|_| space) {
        return Some(Refusal {
            does: msg::driver_psycopg_space(psycopg.to_string()),
            cause: msg::driver_psycopg_space_cause(psycopg.to_string()),
            fix: msg::driver_psycopg_space_fix(),
        });
    }
    if let Some(refused) = postgres_js_setting(drivers, target) {
        return Some(refused);
    }
    let asyncpg = drivers.get(Driver::Asyncpg)?;
    let param = query_keys(target).find(|k| ASYNCPG_NOT_SETTINGS.contains(&k.as_str()))?;
    let fix = if param == "ssl" {
        msg::driver_asyncpg_setting_fix_ssl()
    } else {
        msg::driver_asyncpg_setting_fix(param.clone())
    };
    Some(Refusal {
        does: msg::driver_asyncpg_setting(asyncpg.to_string(), param.clone()),
        cause: msg::driver_asyncpg_setting_cause(asyncpg.to_string(), param),
        fix,
    })
}

/// postgres.js with a libpq keyword it sends to the server as a setting.
fn postgres_js_setting(drivers: &Drivers, target: &PgTarget) -> Option<Refusal> {
    let js = drivers.get(Driver::PostgresJs)?;
    let param = query_keys(target).find(|k| POSTGRESJS_NOT_SETTINGS.contains(&k.as_str()))?;
    Some(Refusal {
        does: msg::driver_asyncpg_setting(js.to_string(), param.clone()),
        cause: msg::driver_asyncpg_setting_cause(js.to_string(), param.clone()),
        fix: msg::reading_postgresjs_setting_fix(param),
    })
}

/// Prisma's parameters, taken out of the check's URL by the normalizer
/// (its `prisma_parameter` finding names them), in an app with a
/// PostgreSQL driver that does not ignore them: the first such driver
/// (SQLAlchemy before the DBAPI it wraps) is named. A URL whose scheme
/// names a SQLAlchemy `dialect` (`postgresql+asyncpg://`) is SQLAlchemy's
/// whatever drivers were found, and every dialect fails on them.
fn prisma_params(
    drivers: &Drivers,
    dialect: Option<&str>,
    findings: &[Finding],
) -> Option<Refusal> {
    let names = findings
        .iter()
        .filter(|f| f.code == FindingCode::PrismaParameter)
        .find_map(|f| {
            f.message.args().iter().find_map(|(key, arg)| match arg {
                Arg::Text(text) if *key == "names" => Some(text.clone()),
                _ => None,
            })
        })?;
    let mut readers = drivers.of(crate::model::CheckName::POSTGRES);
    let driver = readers
        .find(|f| !matches!(f.driver, Driver::Prisma | Driver::NodePostgres))
        .map(ToString::to_string)
        .or_else(|| dialect.map(|d| format!("SQLAlchemy ({d})")))?;
    Some(Refusal {
        does: msg::driver_prisma_param(driver.clone(), names.clone()),
        cause: msg::driver_prisma_param_cause(driver.clone(), names.clone()),
        fix: msg::driver_prisma_param_fix(driver, names),
    })
}

/// A host list where a driver reads one host. SQLAlchemy 2.1.9
/// (`engine/url.py`, `make_url`) reads `h1:p1,h2:p2` in the authority as
/// one host and the port `p1,h2:p2`: `ValueError: invalid literal for
/// int()` in `create_engine()`; `?host=h1,h2&port=p1,p2` reaches the driver
/// as written and works. An authority list without ports (`h1,h2`) is the
/// host `h1,h2`, which libpq splits (and, given no port, dials `PGPORT`
/// there, `driver::postgres`) and asyncpg looks up as one name. node-postgres 8.23.1 reads neither: `new URL()`
/// refuses the authority list (`ERR_INVALID_URL`) and the query's
/// `h1,h2` is looked up as one name (`ENOTFOUND`).
fn host_list(
    drivers: &Drivers,
    target: &PgTarget,
    (sqlalchemy, asyncpg): (bool, bool),
) -> Option<Refusal> {
    if target.hosts.len() < 2 {
        return None;
    }
    if let Some(node) = drivers.get(Driver::NodePostgres) {
        return Some(Refusal {
            does: msg::driver_node_pg_host_list(node.to_string()),
            cause: msg::driver_node_pg_host_list_cause(node.to_string()),
            fix: msg::driver_node_pg_host_list_fix(),
        });
    }
    let authority = target.redacted.split_once("://").map_or("", |(_, rest)| {
        rest.split(['/', '?']).next().unwrap_or_default()
    });
    // A `:` in the hosts part (a port, or an IPv6 literal) is refused
    // as a whole: the port is read as the text after the first `:`.
    let ported = authority
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .contains(':');
    (sqlalchemy && authority.contains(',') && (ported || asyncpg)).then(|| Refusal {
        does: msg::driver_sa_host_list(),
        cause: msg::driver_sa_host_list_cause(),
        fix: msg::driver_sa_host_list_fix(),
    })
}

/// SQLAlchemy with `postgres://` (or `postgres+DIALECT://`).
fn postgres_scheme() -> Refusal {
    Refusal {
        does: msg::driver_sa_postgres_scheme(),
        cause: msg::driver_sa_postgres_scheme_cause(),
        fix: msg::driver_sa_postgres_scheme_fix(),
    }
}

/// SQLAlchemy's asyncpg dialect: a query parameter `asyncpg.connect()` does
/// not take. `sslmode` counts only when the URL wrote it: the normalizer
/// reads asyncpg's `ssl=MODE` as `sslmode` and says so with
/// `norm_asyncpg_sslmode` when the URL had `sslmode=` itself.
/// `ssl=true` (or `false`) reaches asyncpg as the string: asyncpg 0.32.0
/// (`connect_utils.py`, `_parse_connect_dsn_and_args`: `SSLMode.parse`) takes a string
/// `ssl` only as a mode name and raises "`sslmode` parameter must be one
/// of: disable, allow, prefer, require, verify-ca, verify-full".
fn sa_asyncpg(target: &PgTarget, findings: &[Finding]) -> Option<Refusal> {
    if let Some((_, value)) =
        query_pairs(target).find(|(k, v)| *k == "ssl" && SslMode::parse(v).is_none())
    {
        return Some(Refusal {
            does: msg::driver_sa_asyncpg_ssl_value(value.to_string()),
            cause: msg::driver_sa_asyncpg_ssl_value_cause(value.to_string()),
            fix: msg::driver_sa_asyncpg_ssl_value_fix(value.to_string()),
        });
    }
    let sslmode_written = findings
        .iter()
        .any(|f| f.message.id() == "norm_asyncpg_sslmode");
    let param = query_keys(target).find(|k| {
        if k == "sslmode" {
            sslmode_written
        } else {
            !SA_ASYNCPG_KWARGS.contains(&k.as_str())
        }
    })?;
    let fix = if param == "sslmode" {
        msg::driver_sa_asyncpg_kwarg_fix_sslmode()
    } else {
        msg::driver_sa_asyncpg_kwarg_fix(param.clone())
    };
    Some(Refusal {
        does: msg::driver_sa_asyncpg_kwarg(param.clone()),
        cause: msg::driver_sa_asyncpg_kwarg_cause(param),
        fix,
    })
}

/// SQLAlchemy's psycopg2 and psycopg dialects: `ssl` is no libpq
/// connection option once it is a keyword (libpq reads it only inside a
/// URI).
fn sa_libpq(target: &PgTarget) -> Option<Refusal> {
    query_keys(target).find(|k| k == "ssl")?;
    Some(Refusal {
        does: msg::driver_sa_ssl_option(),
        cause: msg::driver_sa_ssl_option_cause(),
        fix: msg::driver_sa_ssl_option_fix(),
    })
}

/// The SQLAlchemy dialect the URL's scheme named (`postgresql+asyncpg`),
/// lower-case, from the normalizer's finding.
pub(super) fn dialect(findings: &[Finding]) -> Option<String> {
    findings
        .iter()
        .filter(|f| f.message.id() == "norm_driver")
        .find_map(|f| {
            f.message.args().iter().find_map(|(key, arg)| match arg {
                Arg::Text(text) if *key == "driver" => Some(text.to_ascii_lowercase()),
                _ => None,
            })
        })
}

/// The query's parameter names in URL order.
fn query_keys(target: &PgTarget) -> impl Iterator<Item = String> + '_ {
    query_pairs(target).map(|(key, _)| key.to_string())
}

/// The query's pairs in URL order, as written (the redacted URL keeps the
/// query, a secret value as `***`).
pub(super) fn query_pairs(target: &PgTarget) -> impl Iterator<Item = (&str, &str)> + '_ {
    target
        .redacted
        .split_once('?')
        .map(|(_, query)| query)
        .unwrap_or_default()
        .split('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .filter(|(key, _)| !key.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drivers(list: &[Driver]) -> Drivers {
        let list: Vec<_> = list.iter().map(|d| (*d, None)).collect();
        Drivers::named(&list)
    }

    /// What `config::normalize::postgres` leaves of `url` for the check:
    /// the dialect stripped and named, asyncpg's `ssl=MODE` read as
    /// `sslmode=` (`ssl=true` and `ssl=false` stay).
    fn normalized(url: &str) -> (String, Vec<Finding>) {
        let mut findings = Vec::new();
        let (scheme, rest) = url.split_once("://").unwrap();
        let (base, dialect) = scheme.split_once('+').unwrap_or((scheme, ""));
        if !dialect.is_empty() {
            findings.push(Finding::info(
                FindingCode::SqlalchemyDriver,
                crate::config::normalize::norm_driver(dialect),
            ));
        }
        if base == "postgres" {
            let said = msg::norm_postgres_scheme("DATABASE_URL");
            findings.push(Finding::info(FindingCode::SqlalchemyScheme, said));
        }
        let mut rest = rest.to_string();
        if dialect == "asyncpg" {
            if rest.contains("sslmode=") {
                let said = msg::norm_asyncpg_sslmode();
                findings.push(Finding::warn(FindingCode::SqlalchemyDriver, said));
            }
            if !rest.contains("ssl=true") && !rest.contains("ssl=false") {
                rest = rest.replace("ssl=", "sslmode=");
            }
        }
        (format!("{base}://{rest}"), findings)
    }

    /// The fix a URL gets, as a message id.
    fn refused(list: &[Driver], url: &str) -> Option<&'static str> {
        let (url, findings) = normalized(url);
        let target = PgTarget::parse(&url).ok()?;
        refusal(&drivers(list), &target, &findings).map(|r| r.fix.id())
    }

    #[test]
    fn sqlalchemy_asyncpg_refuses_libpq_keywords_but_takes_its_own() {
        let url = "postgresql+asyncpg://u:p@h/d";
        for (query, fix) in [
            (
                "sslmode=require",
                Some("driver_sa_asyncpg_kwarg_fix_sslmode"),
            ),
            ("application_name=x", Some("driver_sa_asyncpg_kwarg_fix")),
            ("connect_timeout=3", Some("driver_sa_asyncpg_kwarg_fix")),
            (
                "channel_binding=require",
                Some("driver_sa_asyncpg_kwarg_fix"),
            ),
            ("ssl=require", None),
            ("ssl=true", Some("driver_sa_asyncpg_ssl_value_fix")),
            ("prepared_statement_cache_size=0", None),
        ] {
            assert_eq!(
                refused(&[Driver::Asyncpg], &format!("{url}?{query}")),
                fix,
                "{query}"
            );
        }
        assert_eq!(refused(&[Driver::Asyncpg], url), None);
    }

    #[test]
    fn sqlalchemy_refuses_postgres_scheme_and_ssl_keyword() {
        let scheme = Some("driver_sa_postgres_scheme_fix");
        assert_eq!(refused(&[Driver::Sqlalchemy], "postgres://u@h/d"), scheme);
        assert_eq!(
            refused(&[Driver::Psycopg2], "postgres+psycopg2://u@h/d"),
            scheme
        );
        assert_eq!(
            refused(&[Driver::Psycopg2], "postgres://u@h/d"),
            None,
            "no SQLAlchemy"
        );
        let ssl = Some("driver_sa_ssl_option_fix");
        assert_eq!(
            refused(&[Driver::Psycopg], "postgresql+psycopg://u@h/d?ssl=true"),
            ssl
        );
        assert_eq!(
            refused(&[Driver::Psycopg2], "postgresql://u@h/d?ssl=true"),
            None
        );
    }

    #[test]
    fn asyncpg_refuses_libpq_keywords_it_sends_as_settings() {
        let asyncpg = [Driver::Asyncpg];
        let fix = Some("driver_asyncpg_setting_fix");
        assert_eq!(
            refused(&asyncpg, "postgresql://u@h/d?connect_timeout=3"),
            fix
        );
        assert_eq!(
            refused(&asyncpg, "postgresql://u@h/d?channel_binding=require"),
            fix
        );
        assert_eq!(
            refused(&asyncpg, "postgresql://u@h/d?ssl=true"),
            Some("driver_asyncpg_setting_fix_ssl")
        );
        for fine in [
            "application_name=x",
            "sslmode=require",
            "options=-c%20a%3Db",
        ] {
            assert_eq!(
                refused(&asyncpg, &format!("postgresql://u@h/d?{fine}")),
                None,
                "{fine}"
            );
        }
    }

    /// postgres.js sends what it does not read to the server: a libpq
    /// keyword there is refused (seen with postgres.js 4.2.0).
    #[test]
    fn postgres_js_refuses_libpq_keywords_it_sends_as_settings() {
        let js = [Driver::PostgresJs];
        let fix = Some("reading_postgresjs_setting_fix");
        assert_eq!(refused(&js, "postgresql://u@h/d?keepalives=1"), fix);
        assert_eq!(refused(&js, "postgresql://u@h/d?dbname=d"), fix);
        for fine in [
            "application_name=x",
            "sslmode=require",
            "options=-c%20a%3Db",
        ] {
            assert_eq!(
                refused(&js, &format!("postgresql://u@h/d?{fine}")),
                None,
                "{fine}"
            );
        }
    }

    #[test]
    fn a_raw_hash_in_the_password_stops_asyncpg_and_node_postgres() {
        let url = "postgresql://u:ab#cd@h:5432/d";
        for driver in [Driver::Asyncpg, Driver::NodePostgres] {
            assert_eq!(refused(&[driver], url), Some("driver_raw_hash_fix"));
        }
        assert_eq!(refused(&[Driver::Psycopg2], url), None);
        assert_eq!(
            refused(&[Driver::Asyncpg], "postgresql://u:ab%23cd@h/d"),
            None
        );
    }

    /// node-postgres reads one host; SQLAlchemy cannot read a host list in
    /// the authority, but passes one in the query on (issue 20).
    #[test]
    fn host_lists_stop_node_postgres_and_sqlalchemys_authority() {
        let authority = "postgresql://u:p@h1:5432,h2:5433/d";
        let query = "postgresql://u:p@/d?host=h1,h2&port=5432,5433";
        for url in [authority, query] {
            assert_eq!(
                refused(&[Driver::NodePostgres], url),
                Some("driver_node_pg_host_list_fix"),
                "{url}"
            );
            for fine in [Driver::Psycopg2, Driver::Asyncpg, Driver::PostgresJs] {
                assert_eq!(refused(&[fine], url), None, "{fine:?} {url}");
            }
        }
        let sa = |url: &str| url.replace("postgresql://", "postgresql+psycopg2://");
        assert_eq!(
            refused(&[Driver::Psycopg2], &sa(authority)),
            Some("driver_sa_host_list_fix")
        );
        assert_eq!(refused(&[Driver::Psycopg2], &sa(query)), None);
    }

    /// Prisma's `schema` stops every driver but Prisma and node-postgres
    /// (matrix case `plain_prisma_schema`).
    #[test]
    fn prisma_parameters_stop_the_drivers_that_do_not_ignore_them() {
        let url = "postgresql://u@h/d?schema=public&sslmode=require";
        let (clean, findings) = normalized(url);
        let mut findings = findings;
        let prisma = crate::config::normalize::postgres(url, "DATABASE_URL");
        findings.extend(prisma.findings);
        let target = PgTarget::parse(&clean.replace("schema=public&", "")).unwrap();
        for driver in [Driver::Psycopg2, Driver::Asyncpg, Driver::PostgresJs] {
            let refused = refusal(&drivers(&[driver]), &target, &findings);
            assert_eq!(
                refused.map(|r| r.fix.id()),
                Some("driver_prisma_param_fix"),
                "{driver:?}"
            );
        }
        for fine in [&[Driver::Prisma][..], &[Driver::NodePostgres], &[]] {
            assert!(refusal(&drivers(fine), &target, &findings).is_none());
        }
        // The scheme names SQLAlchemy's asyncpg dialect: TypeError, with
        // no driver found.
        let url = "postgresql+asyncpg://u@h/d?schema=public";
        let (_, mut findings) = normalized(url);
        findings.extend(crate::config::normalize::postgres(url, "DATABASE_URL").findings);
        let target = PgTarget::parse("postgresql://u@h/d").unwrap();
        assert!(refusal(&drivers(&[]), &target, &findings).is_some());
    }

    #[test]
    fn psycopg_3_refuses_a_raw_space_in_the_password() {
        let url = "postgresql://u:ab cd@h/d";
        assert_eq!(
            refused(&[Driver::Psycopg], url),
            Some("driver_psycopg_space_fix")
        );
        assert_eq!(refused(&[Driver::Psycopg2], url), None);
        assert_eq!(
            refused(&[Driver::Psycopg], "postgresql://u:ab%20cd@h/d"),
            None
        );
    }
}
