//! PostgreSQL over Unix-domain sockets (issue 20), against the test
//! clusters' own socket directory: libpq's forms connect, without TLS as
//! libpq does there; a socket nobody listens on says so; host lists mix
//! sockets and TCP in order; node-postgres asks for TLS over a socket and
//! fails as it does.

use std::path::PathBuf;

use crate::harness::{assert_failure, assert_passed, check, check_json, detail, status};
use crate::support::{pg_plain, pg_tls, railconn};

fn socket_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.parent().expect("scratch dir").join("sock")
}

fn pg(url: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--only", "postgres", "--database-url", url];
    args.extend_from_slice(extra);
    check_json(&mut railconn(), &args).0
}

fn encoded(path: &std::path::Path) -> String {
    path.display().to_string().replace('/', "%2F")
}

#[test]
fn a_socket_directory_connects_without_tls_as_libpq_does() {
    let server = pg_tls();
    let dir = socket_dir(&server.data_dir);
    let url = format!(
        "postgresql://app:app-secret-pw-1@/appdb?host={}&port={}&sslmode=require",
        dir.display(),
        server.port
    );
    let r = pg(&url, &[]);
    assert_passed(&r, "postgres");
    let file = format!("{}/.s.PGSQL.{}", dir.display(), server.port);
    assert_eq!(status(&r, "postgres", "dns"), "skip");
    assert!(detail(&r, "postgres", "tcp").contains(&file), "{r:#}");
    assert_eq!(status(&r, "postgres", "tls"), "skip");
    let parts = &check(&r, "postgres")["parts"];
    assert_eq!(parts["host"], dir.display().to_string());
    assert_eq!(parts["hosts"][0]["socket"], file.as_str());
    let warned = check(&r, "postgres")["findings"].to_string();
    assert!(
        !warned.contains("unencrypted"),
        "a socket is local: {warned}"
    );
}

#[test]
fn a_percent_encoded_socket_directory_connects() {
    let server = pg_plain();
    let dir = socket_dir(&server.data_dir);
    let url = format!(
        "postgresql://app:app-secret-pw-1@{}:{}/appdb",
        encoded(&dir),
        server.port
    );
    assert_passed(&pg(&url, &[]), "postgres");
}

#[test]
fn a_socket_nobody_listens_on_is_connection_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "postgresql://app@/appdb?host={}&port=5999",
        dir.path().display()
    );
    let r = pg(&url, &[]);
    assert_failure(&r, "postgres", "tcp", "connection_refused");
    let c = check(&r, "postgres");
    let message = c["error"]["message"].as_str().unwrap();
    assert!(message.contains(".s.PGSQL.5999"), "{message}");
    assert!(
        c["cause"]
            .as_str()
            .unwrap()
            .contains("unix_socket_directories"),
        "{c:#}"
    );
}

#[test]
fn a_host_list_tries_a_missing_socket_then_tcp_in_order() {
    let server = pg_plain();
    let missing = tempfile::tempdir().unwrap();
    let url = format!(
        "postgresql://app:app-secret-pw-1@/appdb?host={},127.0.0.1&port=5999,{}",
        missing.path().display(),
        server.port
    );
    let r = pg(&url, &[]);
    assert_passed(&r, "postgres");
    let findings = check(&r, "postgres")["findings"].to_string();
    assert!(findings.contains(".s.PGSQL.5999"), "{findings}");
    let hosts = &check(&r, "postgres")["parts"]["hosts"];
    assert_eq!(hosts[1]["socket"], serde_json::Value::Null);
}

#[test]
fn node_postgres_asks_for_tls_over_a_socket_and_fails_as_it_does() {
    let server = pg_plain();
    let dir = socket_dir(&server.data_dir);
    let url = format!(
        "postgresql://app:app-secret-pw-1@/appdb?host={}&port={}&sslmode=require",
        dir.display(),
        server.port
    );
    let r = pg(&url, &["--driver", "pg@8.23.1"]);
    assert_failure(&r, "postgres", "tls", "tls_unsupported");
    assert_passed(&pg(&url, &["--driver", "psycopg2@2.9.13"]), "postgres");
}
