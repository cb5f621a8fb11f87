//! The Redis check against real servers: requirepass, ACL users, database
//! selection, TLS with and without verification, and the wrong-scheme
//! mistakes in both directions.

use std::time::Instant;

use crate::harness::{assert_failure, assert_passed, check, check_json, detail, status};
use crate::support::{pki, railconn, redis_auth, redis_open, redis_tls, stderr, stdout};

fn redis(url: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--only", "redis", "--redis-url", url];
    args.extend_from_slice(extra);
    check_json(&mut railconn(), &args).0
}

#[test]
fn password_only_and_acl_user_authenticate() {
    let port = redis_auth().port;
    let r = redis(&format!("redis://:redis-secret-pw@127.0.0.1:{port}"), &[]);
    assert_passed(&r, "redis");
    assert!(detail(&r, "redis", "ping").contains("Redis 7"), "{r:#}");
    let r = redis(
        &format!("redis://alice:alice-secret-pw@127.0.0.1:{port}/5"),
        &[],
    );
    assert_passed(&r, "redis");
    assert!(detail(&r, "redis", "auth").contains("alice"), "{r:#}");
    assert!(detail(&r, "redis", "ping").contains("db 5"), "{r:#}");
}

#[test]
fn wrong_missing_and_unexpected_passwords() {
    let port = redis_auth().port;
    let r = redis(&format!("redis://:nope@127.0.0.1:{port}"), &[]);
    assert_failure(&r, "redis", "auth", "auth_failed");
    let r = redis(&format!("redis://alice:nope@127.0.0.1:{port}"), &[]);
    assert_failure(&r, "redis", "auth", "auth_failed");
    let r = redis(&format!("redis://127.0.0.1:{port}"), &[]);
    assert_failure(&r, "redis", "auth", "auth_required");
    let r = redis(
        &format!("redis://:unexpected@127.0.0.1:{}", redis_open().port),
        &[],
    );
    assert_failure(&r, "redis", "auth", "auth_failed");
}

/// `?password=` is a password to redis-py and ioredis, nothing to redis-rs
/// and node-redis: railconn sends it only when every Redis driver of the
/// app reads it, and otherwise names the drivers that ignore it.
#[test]
fn query_password_is_sent_only_when_the_apps_drivers_read_it() {
    let port = redis_auth().port;
    let url = format!("redis://127.0.0.1:{port}/0?password=redis-secret-pw");
    let finding = |r: &serde_json::Value| check(r, "redis")["findings"].to_string();
    for driver in ["redis-py@8.1.0", "ioredis"] {
        let r = redis(&url, &["--driver", driver]);
        assert_passed(&r, "redis");
        assert!(finding(&r).contains("?password="), "{r:#}");
        assert!(!r.to_string().contains("redis-secret-pw"), "{r:#}");
    }
    let r = redis(&url, &[]);
    assert_failure(&r, "redis", "auth", "auth_required");
    assert!(finding(&r).contains("ignored by redis-rs"), "{r:#}");
    let r = redis(
        &url,
        &["--driver", "redis-py@8.1.0", "--driver", "node-redis"],
    );
    assert_failure(&r, "redis", "auth", "auth_required");
    assert!(finding(&r).contains("node-redis"), "{r:#}");
    assert!(finding(&r).contains("userinfo"), "{r:#}");
    let out = railconn()
        .args(["check", "--only", "redis", "--redis-url", &url])
        .run();
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!text.contains("redis-secret-pw"), "{text}");
    assert!(text.contains("redis://:PASSWORD@"), "{text}");
}

#[test]
fn out_of_range_database_fails() {
    let r = redis(
        &format!(
            "redis://:redis-secret-pw@127.0.0.1:{}/99",
            redis_auth().port
        ),
        &[],
    );
    assert_failure(&r, "redis", "auth", "database_not_found");
    // redis-rs takes `/-1` as database -1; the server refuses SELECT -1.
    let r = redis(
        &format!(
            "redis://:redis-secret-pw@127.0.0.1:{}/-1",
            redis_auth().port
        ),
        &[],
    );
    assert_failure(&r, "redis", "auth", "database_not_found");
}

#[test]
fn rediss_verifies_with_the_ca_from_ssl_cert_file() {
    let url = format!("rediss://:redis-secret-pw@localhost:{}", redis_tls().port);
    let (r, _) = check_json(
        railconn().env("SSL_CERT_FILE", &pki().ca_cert),
        &["--only", "redis", "--redis-url", &url],
    );
    assert_passed(&r, "redis");
    assert!(
        detail(&r, "redis", "tls").contains("certificate verified"),
        "{r:#}"
    );
}

#[test]
fn rediss_without_trust_fails_and_insecure_passes_with_a_finding() {
    let port = redis_tls().port;
    let r = redis(&format!("rediss://:redis-secret-pw@localhost:{port}"), &[]);
    assert_failure(&r, "redis", "tls", "certificate_invalid");
    let r = redis(
        &format!("rediss://:redis-secret-pw@localhost:{port}#insecure"),
        &[],
    );
    assert_passed(&r, "redis");
    let findings = check(&r, "redis")["findings"].to_string();
    assert!(findings.contains("certificate_not_verified"), "{findings}");
}

#[test]
fn plaintext_url_to_a_tls_port_says_use_rediss() {
    let r = redis(
        &format!("redis://:redis-secret-pw@127.0.0.1:{}", redis_tls().port),
        &[],
    );
    let (step, code) = crate::harness::failure(&r, "redis").expect("fails");
    assert!(
        code == "tls_required" || code == "connection_closed",
        "{step} {code}: {r:#}"
    );
    assert!(
        check(&r, "redis")["fix"]
            .as_str()
            .unwrap()
            .contains("rediss://"),
        "{r:#}"
    );
}

#[test]
fn tls_url_to_a_plaintext_server_says_use_redis_within_the_deadline() {
    let started = Instant::now();
    let r = redis(
        &format!("rediss://127.0.0.1:{}", redis_open().port),
        &["--timeout", "1s"],
    );
    assert!(started.elapsed().as_secs() < 10);
    assert_eq!(status(&r, "redis", "tls"), "fail", "{r:#}");
    assert!(
        check(&r, "redis")["fix"]
            .as_str()
            .unwrap()
            .contains("redis://"),
        "{r:#}"
    );
}

/// An expired certificate, served by `openssl s_server` (a real TLS peer).
#[test]
fn expired_certificate_is_named() {
    let pki = pki();
    let server = crate::support::fault::TlsServer::start(&pki.expired_cert, &pki.expired_key);
    let url = format!("rediss://localhost:{}", server.port);
    let (r, _) = check_json(
        railconn().env("SSL_CERT_FILE", &pki.ca_cert),
        &["--only", "redis", "--redis-url", &url, "--timeout", "3s"],
    );
    assert_failure(&r, "redis", "tls", "certificate_invalid");
    let message = check(&r, "redis")["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("expired"), "{message}");
}

/// Issue 10: `?protocol=resp3` opens with `HELLO 3`, as redis-rs does, in
/// the same round trip; a server without RESP3 is noticed.
#[test]
fn resp3_sends_hello_and_a_resp2_only_server_is_noticed() {
    use crate::support::lifecycle::{free_port, wait_for_port};
    use crate::support::redis::OwnRedis;
    let port = redis_auth().port;
    let r = redis(
        &format!("redis://alice:alice-secret-pw@127.0.0.1:{port}/5?protocol=resp3"),
        &[],
    );
    assert_passed(&r, "redis");
    assert!(detail(&r, "redis", "ping").contains("Redis 7"), "{r:#}");
    let r = redis(
        &format!("redis://:nope@127.0.0.1:{port}?protocol=resp3"),
        &[],
    );
    assert_failure(&r, "redis", "auth", "auth_failed");
    let r = redis(&format!("redis://127.0.0.1:{port}?protocol=resp3"), &[]);
    assert_failure(&r, "redis", "auth", "auth_required");
    let r = redis(
        &format!("redis://127.0.0.1:{}/?protocol=3", redis_open().port),
        &[],
    );
    assert_passed(&r, "redis");
    let old = free_port();
    let _server = OwnRedis::start(old, &["--rename-command", "HELLO", ""]);
    wait_for_port(old);
    let r = redis(&format!("redis://127.0.0.1:{old}?protocol=resp3"), &[]);
    assert_failure(&r, "redis", "auth", "protocol_error");
    assert!(
        check(&r, "redis")["error"]["message"]
            .as_str()
            .unwrap()
            .contains("RESP3"),
        "{r:#}"
    );
    let r = redis(&format!("redis://127.0.0.1:{old}"), &[]);
    assert_passed(&r, "redis");
}
