//! The MySQL check against real MariaDB servers: the machine's shared one
//! (each test with a user and database of its own, dropped afterwards)
//! and a `mariadbd` of the tests' own with TLS. MySQL 8's
//! `caching_sha2_password` full path, which MariaDB lacks, is tested
//! against a protocol-level fake peer in `src/service/mysql/tests.rs`.

use serde_json::Value;

use crate::harness::{assert_failure, assert_passed, check_json, detail};
use crate::support::{mariadb_shared, mariadb_tls, pki, railconn, stdout};

/// `railconn check --only postgres` with `DATABASE_URL` set to `url`.
fn database_url(url: &str) -> (Value, String) {
    let (report, output) = check_json(railconn().env("DATABASE_URL", url), &["--only", "postgres"]);
    (report, stdout(&output))
}

fn kind(report: &Value, check: &str) -> String {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["name"] == check))
        .map(|c| c["kind"].as_str().unwrap_or_default().to_string())
        .unwrap_or_default()
}

#[test]
fn a_mysql_database_url_fills_the_database_check() {
    let server = mariadb_shared();
    let account = server.account("healthy", "");
    let (report, text) = database_url(&account.url(&account.name, ""));
    assert_passed(&report, "postgres");
    assert_eq!(kind(&report, "postgres"), "mysql", "{report:#}");
    let query = detail(&report, "postgres", "query");
    assert!(
        query.contains("MariaDB") && query.contains("connections"),
        "{query}"
    );
    assert!(
        !text.contains(&account.password),
        "the password leaked:\n{text}"
    );
}

#[test]
fn wrong_password_and_unknown_database() {
    let server = mariadb_shared();
    let account = server.account("wrong", "");
    let url = format!(
        "mysql://{}:not-the-password@127.0.0.1:{}/{}",
        account.name, server.port, account.name
    );
    let (report, _) = database_url(&url);
    assert_failure(&report, "postgres", "auth", "auth_failed");
    let url = format!(
        "mysql://root@127.0.0.1:{}/{}_missing",
        server.port, account.name
    );
    let (report, _) = database_url(&url);
    assert_failure(&report, "postgres", "auth", "database_not_found");
}

/// MariaDB answers a `REQUIRE SSL` account over plaintext with the same
/// 1045 as a wrong password; the shared server has no TLS to try, so the
/// failure says both are possible.
#[test]
fn a_require_ssl_account_over_plaintext() {
    let server = mariadb_shared();
    let account = server.account("reqssl", "REQUIRE SSL");
    let (report, text) = database_url(&account.url(&account.name, ""));
    assert_failure(&report, "postgres", "auth", "auth_failed");
    assert!(text.contains("REQUIRE SSL"), "{report:#}");
}

#[test]
fn tls_verified_with_the_ca_and_a_tls_only_account() {
    let server = mariadb_tls();
    let account = server.account("tls", "REQUIRE SSL");
    let ca = pki().ca_cert.display().to_string();
    let verified = account
        .url(&account.name, &format!("ssl_ca={ca}"))
        .replace("127.0.0.1", "localhost");
    let (report, _) = database_url(&verified);
    assert_passed(&report, "postgres");
    assert!(
        detail(&report, "postgres", "tls").contains("verified"),
        "{report:#}"
    );
    // PREFERRED encrypts when the server offers TLS.
    let (report, _) = database_url(&account.url(&account.name, "ssl-mode=PREFERRED"));
    assert_passed(&report, "postgres");
    // No TLS parameter (mysql2 and aiomysql then stay in plaintext), or
    // told not to encrypt: MariaDB says 1045, a login over TLS tells why.
    for query in ["", "ssl-mode=DISABLED"] {
        let (report, _) = database_url(&account.url(&account.name, query));
        assert_failure(&report, "postgres", "auth", "tls_required");
    }
    // Verifying against a CA that signed nothing here fails at tls.
    let other = pki().other_ca_cert.display().to_string();
    let (report, _) = database_url(&account.url(&account.name, &format!("ssl_ca={other}")));
    assert_failure(&report, "postgres", "tls", "certificate_invalid");
}

/// With no PostgreSQL variable, `MYSQL_URL` fills the database check, and
/// `kind:mysql` selects it (the other defaults are not run).
#[test]
fn mysql_url_fills_the_database_check_and_kind_mysql_selects_it() {
    let server = mariadb_shared();
    let account = server.account("kind", "");
    let (report, _) = check_json(
        railconn().env("MYSQL_URL", account.url(&account.name, "")),
        &["--only", "kind:mysql"],
    );
    let checks = report["checks"].as_array().expect("checks");
    let run: Vec<&Value> = checks.iter().filter(|c| c["status"] != "skip").collect();
    assert_eq!(run.len(), 1, "{report:#}");
    assert_eq!(run[0]["name"], "postgres", "{report:#}");
    assert_eq!(run[0]["kind"], "mysql", "{report:#}");
    assert_eq!(run[0]["status"], "pass", "{report:#}");
}

/// MariaDB's `ed25519` plugin (loaded on our own server only): the right
/// password signs the server's nonce and is accepted, with a note on the
/// drivers that lack the plugin; a wrong one gets MariaDB's 1045. MariaDB
/// 10.11 stores no key for `USING PASSWORD('')`, so nobody logs in to such
/// an account: PyMySQL 1.2.4 and the `mariadb` client get 1045 (tried by
/// hand), and so does the check, which signs the empty password as
/// PyMySQL does.
#[test]
fn an_ed25519_account_right_wrong_and_empty_password() {
    let server = mariadb_tls();
    let account = server.ed25519_account("ed", "ed-s3cret-пароль");
    let (report, text) = database_url(&account.url(&account.name, ""));
    assert_passed(&report, "postgres");
    assert!(
        detail(&report, "postgres", "auth").contains("client_ed25519"),
        "{report:#}"
    );
    assert!(text.contains("PyNaCl"), "{text}");
    assert!(
        !text.contains(&account.password),
        "the password leaked:\n{text}"
    );
    let wrong = format!(
        "mysql://{}:not-the-password@127.0.0.1:{}/{}",
        account.name, server.port, account.name
    );
    let (report, text) = database_url(&wrong);
    assert_failure(&report, "postgres", "auth", "auth_failed");
    assert!(text.contains("1045"), "{text}");
    let empty = server.ed25519_account("edempty", "");
    let (report, _) = database_url(&empty.url(&empty.name, ""));
    assert_failure(&report, "postgres", "auth", "auth_failed");
}
