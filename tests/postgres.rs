//! The PostgreSQL check against real servers: SCRAM, md5 and trust auth,
//! every sslmode, certificate verification, channel binding, and the
//! server-side failures a URL can run into.

use crate::harness::{assert_failure, assert_passed, check, check_json, detail, status};
use crate::support::{pg_plain, pg_tls, pki, railconn};

fn pg(url: &str) -> serde_json::Value {
    check_json(
        &mut railconn(),
        &["--only", "postgres", "--database-url", url],
    )
    .0
}

#[test]
fn scram_over_tls_by_default_reports_server_facts() {
    let r = pg(&pg_tls().url("app", "app-secret-pw-1", "appdb", ""));
    assert_passed(&r, "postgres");
    assert_eq!(status(&r, "postgres", "tls"), "pass");
    assert!(detail(&r, "postgres", "tls").starts_with("TLSv1."), "{r:#}");
    let facts = detail(&r, "postgres", "query");
    assert!(
        facts.contains("database appdb") && facts.contains("user app"),
        "{facts}"
    );
    assert_eq!(r["ready"], true);
}

#[test]
fn channel_binding_survives_our_tls() {
    let r = pg(&pg_tls().url(
        "app",
        "app-secret-pw-1",
        "appdb",
        "sslmode=require&channel_binding=require",
    ));
    assert_passed(&r, "postgres");
}

#[test]
fn channel_binding_required_without_tls_fails_auth() {
    let r = pg(&pg_tls().url(
        "app",
        "app-secret-pw-1",
        "appdb",
        "sslmode=disable&channel_binding=require",
    ));
    assert_failure(&r, "postgres", "auth", "auth_failed");
}

#[test]
fn disable_and_allow_connect_unencrypted() {
    for mode in ["disable", "allow"] {
        let r = pg(&pg_tls().url(
            "app",
            "app-secret-pw-1",
            "appdb",
            &format!("sslmode={mode}"),
        ));
        assert_passed(&r, "postgres");
        assert_eq!(status(&r, "postgres", "tls"), "skip", "{mode}");
    }
}

#[test]
fn allow_retries_with_tls_when_the_server_insists() {
    let r = pg(&pg_tls().url("tlsonly", "tlsonly-secret-pw", "appdb", "sslmode=allow"));
    assert_passed(&r, "postgres");
    assert_eq!(status(&r, "postgres", "tls"), "pass");
}

#[test]
fn hostssl_only_user_without_tls_is_tls_required() {
    let r = pg(&pg_tls().url("tlsonly", "tlsonly-secret-pw", "appdb", "sslmode=disable"));
    assert_failure(&r, "postgres", "auth", "tls_required");
}

#[test]
fn prefer_falls_back_to_plaintext_and_require_fails_on_a_server_without_tls() {
    let plain = pg_plain();
    let r = pg(&plain.url("app", "app-secret-pw-1", "appdb", ""));
    assert_passed(&r, "postgres");
    assert_eq!(status(&r, "postgres", "tls"), "skip");
    let r = pg(&plain.url("app", "app-secret-pw-1", "appdb", "sslmode=require"));
    assert_failure(&r, "postgres", "tls", "tls_unsupported");
}

#[test]
fn verify_modes_with_the_right_ca_pass() {
    let ca = pki().ca_cert.display().to_string();
    for mode in ["require", "verify-ca", "verify-full"] {
        let url = pg_tls().url(
            "app",
            "app-secret-pw-1",
            "appdb",
            &format!("sslmode={mode}&sslrootcert={ca}"),
        );
        let r = pg(&url.replace("127.0.0.1", "localhost"));
        assert_passed(&r, "postgres");
        assert!(
            detail(&r, "postgres", "tls").contains("certificate verified"),
            "{mode}: {r:#}"
        );
    }
}

#[test]
fn verify_modes_with_a_foreign_ca_fail_with_certificate_invalid() {
    let other = pki().other_ca_cert.display().to_string();
    for mode in ["require", "verify-ca", "verify-full"] {
        let url = pg_tls().url(
            "app",
            "app-secret-pw-1",
            "appdb",
            &format!("sslmode={mode}&sslrootcert={other}"),
        );
        let r = pg(&url);
        assert_failure(&r, "postgres", "tls", "certificate_invalid");
        let message = check(&r, "postgres")["error"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            message.contains("unknown authority") && message.contains("expires"),
            "{message}"
        );
    }
}

#[test]
fn verify_without_any_root_certificate_says_so() {
    let r = pg(&pg_tls().url("app", "app-secret-pw-1", "appdb", "sslmode=verify-full"));
    assert_failure(&r, "postgres", "tls", "certificate_invalid");
    let message = check(&r, "postgres")["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("root.crt"), "{message}");
}

#[test]
fn credentials_and_database_failures() {
    let server = pg_tls();
    let r = pg(&server.url("app", "wrong-password", "appdb", ""));
    assert_failure(&r, "postgres", "auth", "auth_failed");
    let r = pg(&server.url("app", "app-secret-pw-1", "nodb", ""));
    assert_failure(&r, "postgres", "auth", "database_not_found");
    let r = pg(&format!("postgresql://app@127.0.0.1:{}/appdb", server.port));
    assert_failure(&r, "postgres", "auth", "auth_required");
}

#[test]
fn percent_encoded_special_password_md5_and_trust_users_connect() {
    let server = pg_tls();
    assert_passed(
        &pg(&server.url("special", "p@ss:w/rd#1%?", "appdb", "")),
        "postgres",
    );
    assert_passed(
        &pg(&server.url("md5user", "md5-secret-pw", "appdb", "sslmode=disable")),
        "postgres",
    );
    assert_passed(
        &pg(&format!(
            "postgresql://trustuser@127.0.0.1:{}/appdb",
            server.port
        )),
        "postgres",
    );
}

/// A trust server lets any password in: the check passes, as the app's
/// driver connects, and says the password was not checked; a server that
/// asked for it (SCRAM, md5) has nothing to add, nor a URL without one.
#[test]
fn a_password_trust_never_asked_for_is_said_unchecked() {
    let server = pg_tls();
    let unchecked = |r: &serde_json::Value| {
        check(r, "postgres")["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "password_not_checked")
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let r = pg(&server.url("trustuser", "any-wrong-password", "appdb", ""));
    assert_passed(&r, "postgres");
    let said = unchecked(&r);
    assert_eq!(said.len(), 1, "{r:#}");
    assert!(said[0].contains("trustuser") && !said[0].contains("any-wrong-password"));
    for url in [
        server.url("app", "app-secret-pw-1", "appdb", ""),
        server.url("md5user", "md5-secret-pw", "appdb", "sslmode=disable"),
        format!("postgresql://trustuser@127.0.0.1:{}/appdb", server.port),
    ] {
        let r = pg(&url);
        assert_passed(&r, "postgres");
        assert!(unchecked(&r).is_empty(), "{r:#}");
    }
}

#[test]
fn unencoded_special_character_is_named_before_dialing() {
    let r = pg(&format!(
        "postgresql://special:p@ss#1@127.0.0.1:{}/appdb",
        pg_tls().port
    ));
    assert_failure(&r, "postgres", "config", "invalid_url");
    let message = check(&r, "postgres")["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("%40") || message.contains("%23"),
        "{message}"
    );
    assert!(!r.to_string().contains("p@ss"), "{r:#}");
}

#[test]
fn prefer_reconnects_without_tls_when_the_handshake_fails_like_libpq() {
    let other = pki().other_ca_cert.display().to_string();
    let r = pg(&pg_tls().url(
        "app",
        "app-secret-pw-1",
        "appdb",
        &format!("sslrootcert={other}"),
    ));
    assert_passed(&r, "postgres");
    assert_eq!(status(&r, "postgres", "tls"), "warn", "{r:#}");
    assert!(
        detail(&r, "postgres", "tls").contains("certificate_invalid"),
        "{r:#}"
    );
}

#[test]
fn the_server_certificate_itself_can_be_the_root_like_libpq() {
    let cert = pki().server_cert.display().to_string();
    let url = pg_tls().url(
        "app",
        "app-secret-pw-1",
        "appdb",
        &format!("sslmode=verify-full&sslrootcert={cert}"),
    );
    let r = pg(&url.replace("127.0.0.1", "localhost"));
    assert_passed(&r, "postgres");
}

#[test]
fn a_read_only_database_fails_the_query_step() {
    let server = pg_tls();
    let exists = server.admin_psql("SELECT count(*) FROM pg_database WHERE datname = 'rodb'");
    if exists.trim() == "0" {
        server.admin_psql("CREATE DATABASE rodb");
        server.admin_psql("ALTER DATABASE rodb SET default_transaction_read_only = on");
    }
    let r = pg(&server.url("app", "app-secret-pw-1", "rodb", ""));
    assert_failure(&r, "postgres", "query", "read_only");
}

/// libpq uses `sslrootcert` below verify-ca only when the file exists.
#[test]
fn a_missing_root_file_is_ignored_below_verify_ca_like_libpq() {
    let r = pg(&pg_tls().url(
        "app",
        "app-secret-pw-1",
        "appdb",
        "sslmode=require&sslrootcert=/nonexistent/root.crt",
    ));
    assert_passed(&r, "postgres");
    assert_eq!(status(&r, "postgres", "tls"), "pass");
}

/// libpq applies `PGSSLMODE` to a URL that does not set `sslmode`.
#[test]
fn pgsslmode_applies_to_a_url_without_sslmode() {
    let url = crate::support::pg_plain().url("app", "app-secret-pw-1", "appdb", "");
    let (r, _) = check_json(
        railconn().env("PGSSLMODE", "require"),
        &["--only", "postgres", "--database-url", &url],
    );
    assert_failure(&r, "postgres", "tls", "tls_unsupported");
    let with_mode = format!("{url}?sslmode=prefer");
    let (r, _) = check_json(
        railconn().env("PGSSLMODE", "require"),
        &["--only", "postgres", "--database-url", &with_mode],
    );
    assert_passed(&r, "postgres");
}

/// Issue 24: the query rides the last authentication message. The peer
/// answers only if the `Query` is already waiting when authentication
/// ends: under trust behind the `StartupMessage`, else behind the
/// `PasswordMessage`.
#[test]
fn the_query_rides_the_last_authentication_message_at_a_protocol_level_peer() {
    use crate::support::postgres::pipelining_peer;
    let trust = format!(
        "postgresql://app@127.0.0.1:{}/appdb?sslmode=disable",
        pipelining_peer(false)
    );
    assert_passed(&pg(&trust), "postgres");
    let cleartext = format!(
        "postgresql://app:pw@127.0.0.1:{}/appdb?sslmode=disable",
        pipelining_peer(true)
    );
    let r = pg(&cleartext);
    assert_passed(&r, "postgres");
    assert!(
        detail(&r, "postgres", "query").contains("PostgreSQL 17.0"),
        "{r:#}"
    );
}

/// Issue 24, against the real server: SCRAM sends startup, the first SASL
/// message and the proof with the query behind it, then `Terminate`: four
/// client flights (three round trips); md5 three, trust two. A query sent
/// after `ReadyForQuery` would add a flight to each.
#[test]
fn scram_md5_and_trust_spend_the_protocol_floor_of_flights() {
    use crate::support::postgres::{FlightCounter, MD5_PASSWORD};
    let server = pg_plain();
    for (user, password, flights) in [
        ("app", Some("app-secret-pw-1"), 4),
        ("md5user", Some(MD5_PASSWORD), 3),
        ("trustuser", None, 2),
    ] {
        let counter = FlightCounter::start(server.port);
        let login = password.map_or_else(|| user.to_string(), |p| format!("{user}:{p}"));
        let url = format!(
            "postgresql://{login}@127.0.0.1:{}/appdb?sslmode=disable",
            counter.port
        );
        assert_passed(&pg(&url), "postgres");
        // The proxy logs the last chunk (Terminate) on its own thread.
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert_eq!(counter.client_flights(), flights, "{user}");
    }
}

/// Issue 24 over TLS: `SSLRequest`, `ClientHello`, then the client's
/// `Finished` with the `StartupMessage` in the same write (one chunk, not
/// three), the two SCRAM messages (the query behind the last): five
/// awaited flights of one write each. The goodbye follows (`Terminate`,
/// then TLS `close_notify`, which the server's own `close_notify` can
/// split into two flights).
#[test]
fn over_tls_the_startup_message_leaves_with_the_clients_finished() {
    use crate::support::postgres::FlightCounter;
    let server = pg_tls();
    let counter = FlightCounter::start(server.port);
    let url = format!(
        "postgresql://app:app-secret-pw-1@127.0.0.1:{}/appdb?sslmode=require",
        counter.port
    );
    let r = pg(&url);
    assert_passed(&r, "postgres");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let chunks = counter.client_flight_chunks();
    assert!(matches!(chunks.len(), 6 | 7), "{chunks:?}");
    assert_eq!(&chunks[..5], &[1; 5], "{chunks:?}");
}

/// Issue 24: `sslnegotiation=direct` starts TLS at once with ALPN
/// `postgresql`, at a protocol-level peer that speaks PostgreSQL 17's
/// direct TLS (no `SSLRequest` accepted).
#[test]
fn direct_tls_at_a_protocol_level_peer_passes() {
    let port = crate::support::postgres::direct_tls_peer();
    let url =
        format!("postgresql://app@localhost:{port}/appdb?sslmode=require&sslnegotiation=direct");
    let r = pg(&url);
    assert_passed(&r, "postgres");
    assert_eq!(status(&r, "postgres", "tls"), "pass");
}

/// PostgreSQL 15 (the test cluster) has no direct TLS: a clear error that
/// names the version it takes; libpq 17's rule on weak sslmodes holds.
#[test]
fn direct_tls_against_postgresql_15_says_it_needs_17() {
    let r = pg(&pg_tls().url(
        "app",
        "app-secret-pw-1",
        "appdb",
        "sslmode=require&sslnegotiation=direct",
    ));
    assert_failure(&r, "postgres", "tls", "tls_handshake_failed");
    let message = check(&r, "postgres")["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("PostgreSQL 17"), "{message}");
    let r = pg(&pg_tls().url("app", "app-secret-pw-1", "appdb", "sslnegotiation=direct"));
    assert_failure(&r, "postgres", "config", "invalid_url");
}

/// libpq 17 judges direct TLS by the mode it ends up with, `PGSSLMODE`
/// included: a URL without `sslmode` reaches the handshake under
/// `PGSSLMODE=require` (and PostgreSQL 15's lack of direct TLS), and is
/// refused under `PGSSLMODE=prefer` (checked with libpq 18 as psycopg
/// 3.3.9 bundles it).
#[test]
fn direct_tls_takes_its_sslmode_from_pgsslmode_as_libpq_does() {
    let url = pg_tls().url("app", "app-secret-pw-1", "appdb", "sslnegotiation=direct");
    let run = |mode: &str| {
        let args = ["--only", "postgres", "--database-url", &url];
        check_json(railconn().env("PGSSLMODE", mode), &args).0
    };
    let r = run("require");
    assert_failure(&r, "postgres", "tls", "tls_handshake_failed");
    let message = check(&r, "postgres")["error"]["message"].to_string();
    assert!(message.contains("PostgreSQL 17"), "{message}");
    assert_failure(&run("prefer"), "postgres", "config", "invalid_url");
}

/// `PGSSLNEGOTIATION=direct` is libpq 17's `sslnegotiation=direct` when the
/// URL has none (psycopg2-binary 2.9.13 bundles libpq 17, psycopg 3.3.9
/// libpq 18: both read it): against PostgreSQL 15, which has no direct
/// TLS, the app fails in the handshake, and so does the check; the URL's
/// own `sslnegotiation=postgres` wins, and a value libpq refuses is
/// refused before connecting.
#[test]
fn pgsslnegotiation_direct_is_read_as_libpq_reads_it() {
    let run = |query: &str, negotiation: &str| {
        let url = pg_tls().url("app", "app-secret-pw-1", "appdb", query);
        let args = ["--only", "postgres", "--database-url", &url];
        check_json(railconn().env("PGSSLNEGOTIATION", negotiation), &args).0
    };
    let r = run("sslmode=require", "direct");
    assert_failure(&r, "postgres", "tls", "tls_handshake_failed");
    let message = check(&r, "postgres")["error"]["message"].to_string();
    assert!(message.contains("PostgreSQL 17"), "{message}");
    let r = run("sslmode=require&sslnegotiation=postgres", "direct");
    assert_eq!(check(&r, "postgres")["status"], "pass", "{r}");
    assert_failure(
        &run("sslmode=require", "tls"),
        "postgres",
        "config",
        "invalid_url",
    );
    assert_failure(&run("", "direct"), "postgres", "config", "invalid_url");
}
