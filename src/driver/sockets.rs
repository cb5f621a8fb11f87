//! Unix-socket hosts as each PostgreSQL driver reads them (issue 20). The
//! URL is read as libpq reads it (`service::postgres::url`); these rules
//! change what a driver does differently, read in its own source:
//!
//! - An empty host: libpq dials its default socket directory; asyncpg
//!   0.32.0 tries `/run/postgresql`, `/var/run/postgresql`, `/tmp`,
//!   `/private/tmp`, then `localhost` (`connect_utils.py`,
//!   `_parse_connect_dsn_and_args`); node-postgres 8.23.1 dials `localhost`
//!   (`connection-parameters.js`, `val('host')` falls back to
//!   `defaults.host`), and so does postgres.js 4.2.0 (`src/index.js`,
//!   `hosts`: `env.PGHOST || 'localhost'`).
//! - TLS: node-postgres sends the `SSLRequest` over a socket whenever its
//!   `ssl` is set (`lib/client.js`, `con.requestSsl()`), postgres.js too
//!   (`src/startup.js`, `negotiate`), and the server declines it there
//!   (postmaster: no SSL on `AF_UNIX`), so both fail ("The server does not
//!   support SSL connections") where libpq and asyncpg go on in
//!   plaintext.
//! - postgres.js takes a socket only as the first host and then dials that
//!   socket alone (`src/index.js`, `path` from `targets[0]`;
//!   `src/startup.js`, `open`: `options.path ? [null]`); a socket later in
//!   the list is looked up as a host name and fails.
//! - SQLAlchemy 2.1.9 does not decode the host (`engine/url.py`,
//!   `_parse_url` unquotes only user, password and database): `%2Fpath`
//!   reaches the driver as a host name to look up, and fails.
//! - An abstract socket (`@name`) is libpq's alone (`is_unixsock_path`);
//!   asyncpg, node-postgres and postgres.js take only a path (`/…`) for a
//!   socket, and look `@name` up as a host name.

use super::refusals::Refusal;
use super::{Driver, Drivers, Rule};
use crate::i18n::msg;
use crate::model::{CheckName, Finding};
use crate::service::postgres::url::{PgTarget, is_socket};

/// asyncpg's hosts for a URL without one (`connect_utils.py`, not on
/// Windows).
const ASYNCPG_DEFAULT_HOSTS: &[&str] = &[
    "/run/postgresql",
    "/var/run/postgresql",
    "/tmp",
    "/private/tmp",
    "localhost",
];

/// A driver that refuses the URL's socket host before connecting.
pub(super) fn refusal(
    drivers: &Drivers,
    target: &PgTarget,
    findings: &[Finding],
) -> Option<Refusal> {
    let sqlalchemy =
        super::refusals::dialect(findings).is_some() || drivers.get(Driver::Sqlalchemy).is_some();
    if sqlalchemy && authority_host(&target.redacted).contains('%') {
        return Some(Refusal {
            does: msg::driver_sa_encoded_host(),
            cause: msg::driver_sa_encoded_host_cause(),
            fix: msg::driver_sa_encoded_host_fix(),
        });
    }
    let abstract_socket = target.hosts.iter().any(|(host, _)| host.starts_with('@'));
    let reader = [Driver::Asyncpg, Driver::NodePostgres, Driver::PostgresJs]
        .into_iter()
        .find_map(|d| drivers.get(d))
        .filter(|_| abstract_socket)?;
    Some(Refusal {
        does: msg::driver_abstract_socket(reader.to_string()),
        cause: msg::driver_abstract_socket_cause(reader.to_string()),
        fix: msg::driver_abstract_socket_fix(),
    })
}

/// The host part of a URL's authority, as written.
fn authority_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or("", |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
}

/// What the app's drivers do with the URL's sockets: TLS tried over them,
/// their own default host, postgres.js's one socket.
pub(super) fn plan(drivers: &Drivers, target: &mut PgTarget, check: CheckName) -> Vec<Rule> {
    let node = [Driver::NodePostgres, Driver::PostgresJs]
        .into_iter()
        .find_map(|d| drivers.get(d));
    target.tls_over_sockets = node.is_some();
    if drivers.get(Driver::PostgresJs).is_some() {
        postgres_js_socket(target);
    }
    default_host(drivers, target, check).into_iter().collect()
}

/// postgres.js dials a first socket alone, and never a later one.
fn postgres_js_socket(target: &mut PgTarget) {
    let first_is_socket = target
        .hosts
        .first()
        .is_some_and(|(host, _)| is_socket(host));
    if first_is_socket {
        target.hosts.truncate(1);
    } else if target.hosts.len() > 1 {
        target.hosts.retain(|(host, _)| !is_socket(host));
    }
}

/// A URL without a host, read by drivers that agree on another default
/// than libpq's socket directory.
fn default_host(drivers: &Drivers, target: &mut PgTarget, check: CheckName) -> Option<Rule> {
    if !target.default_host {
        return None;
    }
    let wire: Vec<_> = drivers
        .of(CheckName::POSTGRES)
        .filter(|f| f.driver != Driver::Sqlalchemy)
        .collect();
    let all =
        |pick: &dyn Fn(Driver) -> bool| !wire.is_empty() && wire.iter().all(|f| pick(f.driver));
    let hosts: &[&str] = if all(&|d| d == Driver::Asyncpg) {
        ASYNCPG_DEFAULT_HOSTS
    } else if all(&|d| matches!(d, Driver::NodePostgres | Driver::PostgresJs)) {
        &["localhost"]
    } else {
        return None;
    };
    let port = target.port;
    target.hosts = hosts.iter().map(|h| ((*h).to_string(), port)).collect();
    target.host.clone_from(&target.hosts[0].0);
    target.default_host = false;
    let driver = wire[0].to_string();
    let does = msg::driver_default_host(driver, hosts.join(", "));
    Some(Rule {
        check,
        does: does.clone(),
        fails_with: Vec::new(),
        cause: does,
        fix: msg::driver_default_host_fix(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> PgTarget {
        PgTarget::parse(url).unwrap()
    }

    #[test]
    fn each_driver_has_its_default_host() {
        let run = |drivers: &[(Driver, Option<&str>)]| {
            let mut t = target("postgresql:///db?port=5433");
            plan(&Drivers::named(drivers), &mut t, CheckName::POSTGRES);
            (t.hosts, t.tls_over_sockets)
        };
        let (hosts, tls) = run(&[(Driver::Psycopg2, None)]);
        assert_eq!(hosts, [("/var/run/postgresql".to_string(), 5433)]);
        assert!(!tls);
        let (hosts, _) = run(&[(Driver::Asyncpg, None)]);
        assert_eq!(hosts.len(), 5);
        assert_eq!(hosts[4], ("localhost".to_string(), 5433));
        let (hosts, tls) = run(&[(Driver::NodePostgres, None)]);
        assert_eq!(hosts, [("localhost".to_string(), 5433)]);
        assert!(tls);
        let (hosts, _) = run(&[(Driver::Asyncpg, None), (Driver::Psycopg, None)]);
        assert_eq!(hosts, [("/var/run/postgresql".to_string(), 5433)]);
    }

    #[test]
    fn postgres_js_dials_a_first_socket_alone_and_never_a_later_one() {
        let js = Drivers::named(&[(Driver::PostgresJs, None)]);
        let mut t = target("postgresql://u@/db?host=/s,127.0.0.1&port=1,2");
        plan(&js, &mut t, CheckName::POSTGRES);
        assert_eq!(t.hosts, [("/s".to_string(), 1)]);
        let mut t = target("postgresql://u@/db?host=127.0.0.1,/s&port=1,2");
        plan(&js, &mut t, CheckName::POSTGRES);
        assert_eq!(t.hosts, [("127.0.0.1".to_string(), 1)]);
    }

    #[test]
    fn encoded_hosts_and_abstract_sockets_are_refused_where_the_driver_fails() {
        let sa = Drivers::named(&[(Driver::Sqlalchemy, None), (Driver::Psycopg2, None)]);
        let encoded = target("postgresql://u@%2Ftmp%2Fpg:5432/db");
        assert!(refusal(&sa, &encoded, &[]).is_some());
        let query = target("postgresql://u@/db?host=/tmp/pg");
        assert!(refusal(&sa, &query, &[]).is_none());
        let libpq = Drivers::named(&[(Driver::Psycopg2, None)]);
        assert!(refusal(&libpq, &encoded, &[]).is_none());
        let abstract_socket = target("postgresql://u@/db?host=@pg");
        assert!(refusal(&libpq, &abstract_socket, &[]).is_none());
        let node = Drivers::named(&[(Driver::NodePostgres, None)]);
        assert!(refusal(&node, &abstract_socket, &[]).is_some());
    }
}
