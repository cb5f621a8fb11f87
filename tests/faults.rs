//! Failures no real server produces on demand: a closed port, a name that
//! does not exist, and fault listeners that close, stay silent or answer
//! with something that is not the protocol.

use std::time::{Duration, Instant};

use crate::harness::{assert_failure, check_json};
use crate::support::{Fault, closed_port, fault, railconn};

fn both(port: u16, extra: &[&str]) -> serde_json::Value {
    let pg = format!("postgresql://app:pw@127.0.0.1:{port}/db");
    let redis = format!("redis://:pw@127.0.0.1:{port}");
    let mut args = vec![
        "--skip",
        "jwt",
        "--database-url",
        &pg,
        "--redis-url",
        &redis,
    ];
    args.extend_from_slice(extra);
    check_json(&mut railconn(), &args).0
}

#[test]
fn closed_port_is_connection_refused() {
    let r = both(closed_port(), &[]);
    assert_failure(&r, "postgres", "tcp", "connection_refused");
    assert_failure(&r, "redis", "tcp", "connection_refused");
    assert_eq!(r["ready"], false);
}

#[test]
fn unknown_host_is_dns_not_found() {
    let (r, _) = check_json(
        &mut railconn(),
        &[
            "--skip",
            "jwt",
            "--database-url",
            "postgresql://u:pw@db.railconn.invalid/x",
            "--redis-url",
            "redis://cache.railconn.invalid",
        ],
    );
    assert_failure(&r, "postgres", "dns", "dns_not_found");
    assert_failure(&r, "redis", "dns", "dns_not_found");
}

#[test]
fn accept_then_close_is_connection_closed() {
    let r = both(fault(Fault::AcceptClose), &[]);
    assert_failure(&r, "postgres", "tls", "connection_closed");
    assert_failure(&r, "redis", "auth", "connection_closed");
}

#[test]
fn read_then_close_is_connection_closed() {
    let r = both(fault(Fault::ReadClose), &[]);
    assert_failure(&r, "postgres", "tls", "connection_closed");
    assert_failure(&r, "redis", "auth", "connection_closed");
}

#[test]
fn silent_peer_times_out_within_the_deadline() {
    let started = Instant::now();
    let r = both(fault(Fault::Silent), &["--timeout", "700ms"]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_failure(&r, "postgres", "tls", "timeout");
    assert_failure(&r, "redis", "auth", "timeout");
}

#[test]
fn http_and_garbage_peers_are_protocol_errors() {
    let r = both(
        fault(Fault::Garbage(b"HTTP/1.1 400 Bad Request\r\n\r\n")),
        &[],
    );
    assert_failure(&r, "postgres", "tls", "protocol_error");
    assert_failure(&r, "redis", "auth", "protocol_error");
    let r = both(fault(Fault::RespondAfterRead(b"\x00\x01garbage")), &[]);
    assert_failure(&r, "postgres", "tls", "protocol_error");
    assert_failure(&r, "redis", "auth", "protocol_error");
}

#[test]
fn server_refusing_tls_with_sslmode_require() {
    let port = fault(Fault::RespondAfterRead(b"N"));
    let url = format!("postgresql://app:pw@127.0.0.1:{port}/db?sslmode=require");
    let (r, _) = check_json(
        &mut railconn(),
        &["--only", "postgres", "--database-url", &url],
    );
    assert_failure(&r, "postgres", "tls", "tls_unsupported");
}

/// A byte every 500 ms never completes a reply: the deadline ends it.
#[test]
fn trickling_peer_times_out_within_the_deadline() {
    let started = Instant::now();
    let r = both(
        fault(Fault::Trickle(b"N-ERR this reply never ends")),
        &["--timeout", "1s"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let (_, pg_code) = crate::harness::failure(&r, "postgres").expect("postgres fails");
    let (_, redis_code) = crate::harness::failure(&r, "redis").expect("redis fails");
    assert_eq!(
        (pg_code.as_str(), redis_code.as_str()),
        ("timeout", "timeout"),
        "{r:#}"
    );
}

/// A peer that streams an endless reply is cut off, not buffered.
#[test]
fn flooding_peer_is_a_protocol_error_not_unbounded_memory() {
    let pg_port = fault(Fault::Flood(b"NE\x7f\xff\xff\xff"));
    let redis_port = fault(Fault::Flood(b"$999999999\r\n"));
    let pg = format!("postgresql://app:pw@127.0.0.1:{pg_port}/db");
    let redis = format!("redis://:pw@127.0.0.1:{redis_port}");
    let (r, _) = check_json(
        &mut railconn(),
        &[
            "--skip",
            "jwt",
            "--database-url",
            &pg,
            "--redis-url",
            &redis,
        ],
    );
    assert_failure(&r, "postgres", "auth", "protocol_error");
    assert_failure(&r, "redis", "auth", "protocol_error");
}

/// The server agrees to TLS, then drops the connection mid-handshake.
#[test]
fn close_during_the_tls_handshake() {
    let pg_port = fault(Fault::RespondClose(b"S"));
    let url = format!("postgresql://app:pw@127.0.0.1:{pg_port}/db?sslmode=require");
    let redis = format!("rediss://127.0.0.1:{}", fault(Fault::ReadClose));
    let (r, _) = check_json(
        &mut railconn(),
        &[
            "--skip",
            "jwt",
            "--database-url",
            &url,
            "--redis-url",
            &redis,
        ],
    );
    assert_failure(&r, "postgres", "tls", "tls_handshake_failed");
    assert_failure(&r, "redis", "tls", "tls_handshake_failed");
}

/// getaddrinfo cannot be cancelled. Against a resolver that never answers
/// (a silent UDP socket on 127.0.0.1:53, made this process's resolver by a
/// private mount namespace), the check still ends at its deadline and the
/// process exits at once instead of waiting for glibc's retries.
#[test]
fn hanging_dns_does_not_delay_the_exit() {
    let Ok(resolver) = std::net::UdpSocket::bind("127.0.0.1:53") else {
        eprintln!("skipped: cannot bind 127.0.0.1:53 (not root, or port taken)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("resolv.conf");
    std::fs::write(
        &conf,
        "nameserver 127.0.0.1\noptions timeout:30 attempts:2\n",
    )
    .unwrap();
    let script = format!(
        "mount --bind {} /etc/resolv.conf && exec {} check --json --no-env-file --only postgres \
         --connect-timeout 500ms --timeout 1s --database-url postgresql://u@db.railconn.invalid/x",
        conf.display(),
        env!("CARGO_BIN_EXE_railconn")
    );
    let started = Instant::now();
    let out = std::process::Command::new("unshare")
        .args(["--mount", "sh", "-c", &script])
        .output()
        .expect("run unshare");
    let elapsed = started.elapsed();
    drop(resolver);
    if out.stdout.is_empty() {
        eprintln!(
            "skipped: no mount namespace here: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_failure(&r, "postgres", "dns", "dns_timeout");
    assert!(elapsed < Duration::from_secs(4), "exit took {elapsed:?}");
}
