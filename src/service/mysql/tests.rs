//! The probe end to end: against the machine's MariaDB (127.0.0.1:3306,
//! root without a password; skipped with a message when it is not there),
//! each test with its own user and database, dropped afterwards; and
//! against a protocol-level fake MySQL 8 peer for what MariaDB does not
//! implement: `caching_sha2_password`'s full path with the RSA key
//! exchange, and `sha256_password`.

use std::process::Command;
use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeySize, OAEP_SHA1_MGF1SHA1, OaepPrivateDecryptingKey, PrivateDecryptingKey};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::auth::{CACHING_SHA2, SHA256_PASSWORD};
use super::probe::probe;
use super::url::MysqlTarget;
use super::wire::{self, Packets};
use crate::model::{Code, Origin, ProbeOutcome, Provenance, Status, StepName};
use crate::net::Budget;
use crate::service::setting::Setting;

fn setting(url: &str) -> Setting<MysqlTarget> {
    Setting::Ready {
        source: Provenance::variable("DATABASE_URL", Origin::Process),
        target: MysqlTarget::parse(url).unwrap(),
        findings: Vec::new(),
    }
}

async fn check(url: &str) -> ProbeOutcome {
    let budget = Budget::new(Duration::from_secs(10), Duration::from_secs(3));
    probe(&setting(url), budget).await
}

fn failure(outcome: &ProbeOutcome) -> Option<(StepName, Code)> {
    outcome
        .steps
        .iter()
        .find_map(|s| s.error.as_ref().map(|e| (s.name, e.code)))
}

fn rendered(outcome: &ProbeOutcome) -> String {
    let steps = outcome.steps.iter().map(|s| {
        let detail = s.detail.as_ref().map(|d| crate::i18n::Lang::En.render(d));
        let error = s
            .error
            .as_ref()
            .map(|e| crate::i18n::Lang::En.render(&e.message));
        format!("{:?} {:?} {detail:?} {error:?}", s.name, s.status)
    });
    steps.collect::<Vec<_>>().join("\n")
}

/// SQL as root through the `mysql` client; `None` when the server or the
/// client is not there (the live tests then say so and pass).
fn admin(sql: &str) -> Option<()> {
    let output = Command::new("mysql")
        .args([
            "-uroot",
            "-h127.0.0.1",
            "-P3306",
            "--protocol=TCP",
            "-e",
            sql,
        ])
        .output()
        .ok()?;
    if output.status.success() {
        Some(())
    } else {
        eprintln!(
            "mysql as root failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        None
    }
}

/// A user and a database of this test's own, dropped on drop.
struct Account {
    name: String,
}

impl Account {
    fn create(tag: &str, extra: &str) -> Option<Self> {
        let name = format!("rc_{tag}_{}", std::process::id());
        admin(&format!(
            "CREATE DATABASE `{name}`; CREATE USER '{name}'@'%' IDENTIFIED BY 'pw-{name}' {extra}; \
             GRANT ALL ON `{name}`.* TO '{name}'@'%';"
        ))?;
        Some(Self { name })
    }
}

impl Drop for Account {
    fn drop(&mut self) {
        let name = &self.name;
        let _ = admin(&format!(
            "DROP USER IF EXISTS '{name}'@'%'; DROP DATABASE IF EXISTS `{name}`;"
        ));
    }
}

fn skip_message() {
    eprintln!("skipped: no MariaDB at 127.0.0.1:3306 reachable as root (mysql client)");
}

#[tokio::test]
async fn mariadb_healthy_wrong_password_unknown_database() {
    let Some(account) = Account::create("basic", "") else {
        return skip_message();
    };
    let name = &account.name;
    let good = check(&format!("mysql://{name}:pw-{name}@127.0.0.1:3306/{name}")).await;
    assert_eq!(failure(&good), None, "{}", rendered(&good));
    let query = good
        .steps
        .iter()
        .find(|s| s.name == StepName::Query)
        .unwrap();
    assert_eq!(query.status, Status::Pass);
    let detail = crate::i18n::Lang::En.render(query.detail.as_ref().unwrap());
    assert!(
        detail.contains("MariaDB") && detail.contains("connections"),
        "{detail}"
    );

    let wrong = check(&format!("mysql://{name}:nope@127.0.0.1:3306/{name}")).await;
    assert_eq!(failure(&wrong), Some((StepName::Auth, Code::AuthFailed)));
    assert!(!rendered(&wrong).contains(&format!("pw-{name}")));

    let missing = check(&format!("mysql://root@127.0.0.1:3306/{name}_missing")).await;
    assert_eq!(
        failure(&missing),
        Some((StepName::Auth, Code::DatabaseNotFound)),
        "{}",
        rendered(&missing)
    );
    // Without privileges, MariaDB hides whether the database exists.
    let hidden = check(&format!(
        "mysql://{name}:pw-{name}@127.0.0.1/{name}_missing"
    ))
    .await;
    assert_eq!(failure(&hidden), Some((StepName::Auth, Code::AccessDenied)));
}

#[tokio::test]
async fn mariadb_require_ssl_over_plaintext_and_tls_demanded() {
    let Some(account) = Account::create("ssl", "REQUIRE SSL") else {
        return skip_message();
    };
    let name = &account.name;
    let plain = check(&format!("mysql://{name}:pw-{name}@127.0.0.1/{name}")).await;
    assert_eq!(failure(&plain), Some((StepName::Auth, Code::AuthFailed)));
    assert!(
        rendered(&plain).contains("REQUIRE SSL"),
        "{}",
        rendered(&plain)
    );
    // The shared server has no TLS: a URL that demands it fails at tls.
    let demanded = check(&format!(
        "mysql://{name}:pw-{name}@127.0.0.1/{name}?ssl-mode=REQUIRED"
    ))
    .await;
    assert_eq!(
        failure(&demanded),
        Some((StepName::Tls, Code::TlsUnsupported)),
        "{}",
        rendered(&demanded)
    );
}

/// The fake MySQL 8 (a protocol-level peer, not a server): greets with
/// `plugin` and no TLS; for `caching_sha2_password` it asks for full
/// authentication and waits for the key request `2`, for
/// `sha256_password` it wants the key request `1` as the handshake
/// response's auth data; then it hands out its RSA key, decrypts what
/// comes back and accepts it only if it is the password, and answers the
/// two queries.
async fn fake_mysql8(listener: TcpListener, password: &'static str, plugin: &'static str) {
    let (socket, _) = listener.accept().await.unwrap();
    let mut packets = Packets::new(socket);
    let nonce = *b"abcdefghij0123456789";
    let mut greeting = vec![10];
    greeting.extend_from_slice(b"8.0.36\0");
    greeting.extend_from_slice(&7u32.to_le_bytes());
    greeting.extend_from_slice(&nonce[..8]);
    greeting.push(0);
    let caps: u32 = wire::cap::PROTOCOL_41
        | wire::cap::SECURE_CONNECTION
        | wire::cap::PLUGIN_AUTH
        | wire::cap::PLUGIN_AUTH_LENENC_DATA
        | wire::cap::CONNECT_WITH_DB;
    greeting.extend_from_slice(&caps.to_le_bytes()[..2]);
    greeting.extend_from_slice(&[45, 2, 0]);
    greeting.extend_from_slice(&caps.to_le_bytes()[2..]);
    greeting.push(21);
    greeting.extend_from_slice(&[0; 10]);
    greeting.extend_from_slice(&nonce[8..]);
    greeting.push(0);
    greeting.extend_from_slice(plugin.as_bytes());
    greeting.push(0);
    packets.write(&greeting).await.unwrap();
    let response = packets.read().await.unwrap();
    if plugin == SHA256_PASSWORD {
        assert_eq!(auth_data(&response), [1]);
    } else {
        packets.write(&[1, 4]).await.unwrap();
        assert_eq!(packets.read().await.unwrap(), vec![2]);
    }
    let key = PrivateDecryptingKey::generate(KeySize::Rsa2048).unwrap();
    let der = key.public_key().as_der().unwrap();
    let mut pem = b"\x01-----BEGIN PUBLIC KEY-----\n".to_vec();
    pem.extend_from_slice(base64(der.as_ref()).as_bytes());
    pem.extend_from_slice(b"\n-----END PUBLIC KEY-----\n");
    packets.write(&pem).await.unwrap();
    let sealed = packets.read().await.unwrap();
    let key = OaepPrivateDecryptingKey::new(key).unwrap();
    let mut out = vec![0; key.min_output_size()];
    let plain = key
        .decrypt(&OAEP_SHA1_MGF1SHA1, &sealed, &mut out, None)
        .unwrap();
    let clear: Vec<u8> = plain
        .iter()
        .zip(nonce.iter().cycle())
        .map(|(p, n)| p ^ n)
        .collect();
    let mut expected = password.as_bytes().to_vec();
    expected.push(0);
    if clear != expected {
        packets
            .write(
                b"\xff\x15\x04#28000Access denied for user 'app'@'localhost' (using password: YES)",
            )
            .await
            .unwrap();
        return;
    }
    packets.write(&[0, 0, 0, 2, 0, 0, 0]).await.unwrap();
    answer_queries(packets.stream).await;
}

/// The auth data of a `HandshakeResponse41`: after capabilities, max
/// packet, charset and filler (32 bytes), the NUL-terminated user, then
/// a length byte (short data) and the data.
fn auth_data(response: &[u8]) -> &[u8] {
    let rest = &response[32..];
    let user = rest.iter().position(|&b| b == 0).unwrap();
    let len = usize::from(rest[user + 1]);
    &rest[user + 2..user + 2 + len]
}

/// Answers the facts and status queries, each with one row.
async fn answer_queries(mut socket: tokio::net::TcpStream) {
    let mut buf = vec![0; 4096];
    let _ = socket.read(&mut buf).await;
    let mut flight = result_set(4, b"\x011\x068.0.36\x03151\x011");
    flight.extend(result_set(2, b"\x11Threads_connected\x0212"));
    socket.write_all(&flight).await.unwrap();
    let _ = socket.read(&mut buf).await;
}

/// A text result set without `CLIENT_DEPRECATE_EOF`: column count,
/// definitions (the probe skips their content), EOF, the row, EOF.
fn result_set(columns: u8, row: &[u8]) -> Vec<u8> {
    const EOF: &[u8] = b"\xfe\x00\x00\x02\x00";
    let mut flight = wire::frame(&[columns], 1);
    let mut seq = 2;
    for _ in 0..columns {
        flight.extend(wire::frame(b"\x03def", seq));
        seq += 1;
    }
    for payload in [EOF, row, EOF] {
        flight.extend(wire::frame(payload, seq));
        seq += 1;
    }
    flight
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn caching_sha2_full_path_over_plaintext_with_the_servers_key() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = tokio::spawn(fake_mysql8(listener, "s3cret", CACHING_SHA2));
    let outcome = check(&format!("mysql://app:s3cret@127.0.0.1:{port}/app")).await;
    peer.await.unwrap();
    assert_eq!(failure(&outcome), None, "{}", rendered(&outcome));
    let text = rendered(&outcome);
    assert!(text.contains("caching_sha2_password"), "{text}");
    assert!(text.contains("8.0.36, 12/151 connections"), "{text}");
    // mysql2 would have refused to fetch the key: a finding says so.
    assert!(
        outcome
            .findings
            .iter()
            .any(|f| f.code == crate::model::FindingCode::Driver),
        "{:?}",
        outcome.findings
    );
}

#[tokio::test]
async fn caching_sha2_full_path_with_a_wrong_password() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = tokio::spawn(fake_mysql8(listener, "s3cret", CACHING_SHA2));
    let outcome = check(&format!("mysql://app:wrong@127.0.0.1:{port}/app")).await;
    peer.await.unwrap();
    assert_eq!(failure(&outcome), Some((StepName::Auth, Code::AuthFailed)));
}

/// `sha256_password` as the server's default over plaintext: the key is
/// asked for in the handshake response itself, the password goes
/// RSA-encrypted, and mysql2's refusal to fetch the key is noted; a wrong
/// password is refused.
#[tokio::test]
async fn sha256_password_over_plaintext_with_the_servers_key() {
    for (password, expected) in [
        ("s3cret", None),
        ("wrong", Some((StepName::Auth, Code::AuthFailed))),
    ] {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let peer = tokio::spawn(fake_mysql8(listener, "s3cret", SHA256_PASSWORD));
        let outcome = check(&format!("mysql://app:{password}@127.0.0.1:{port}/app")).await;
        peer.await.unwrap();
        let text = rendered(&outcome);
        assert_eq!(failure(&outcome), expected, "{text}");
        if expected.is_none() {
            assert!(text.contains("(sha256_password)"), "{text}");
            let notes: Vec<&str> = outcome.findings.iter().map(|f| f.message.id()).collect();
            assert_eq!(notes, ["mysql_public_key_retrieval_sha256"]);
        }
    }
}

/// A peer that sends `bytes` to the first client and closes (a
/// protocol-level fake: a server cannot be made to say these on demand).
async fn saying(bytes: &'static [u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let _ = socket.write_all(bytes).await;
        let mut sink = [0; 256];
        let _ = tokio::time::timeout(Duration::from_millis(300), socket.read(&mut sink)).await;
    });
    port
}

/// What a server or an impostor may say first, and the step and code
/// railconn names for it.
#[tokio::test]
async fn first_words_of_a_peer() {
    let cases: [(&'static [u8], StepName, Code); 5] = [
        // MySQL refusing before the greeting: `ERR` 1040 without SQLSTATE.
        (
            b"\x17\x00\x00\x00\xff\x10\x04Too many connections",
            StepName::Auth,
            Code::TooManyConnections,
        ),
        (
            b"HTTP/1.1 400 Bad Request\r\n\r\n",
            StepName::Tls,
            Code::ProtocolError,
        ),
        // A frame longer than any greeting: refused before it is read.
        (b"\xff\xff\xff\x00\x0a", StepName::Tls, Code::ProtocolError),
        // Protocol version 9.
        (
            b"\x05\x00\x00\x00\x093.23",
            StepName::Tls,
            Code::ProtocolError,
        ),
        (b"", StepName::Tls, Code::ConnectionClosed),
    ];
    for (bytes, step, code) in cases {
        let port = saying(bytes).await;
        let outcome = check(&format!("mysql://app:pw@127.0.0.1:{port}/app")).await;
        assert_eq!(
            failure(&outcome),
            Some((step, code)),
            "{bytes:?}\n{}",
            rendered(&outcome)
        );
    }
}

/// The full path over plaintext with the app's one MySQL driver known:
/// mysql2 refuses to fetch the key and fails the login (the check says so
/// as `tls_required`), unless the URL allows it; PyMySQL fetches it.
#[tokio::test]
async fn mysql2_fails_the_full_path_without_key_retrieval() {
    for (query, parse, expected) in [
        (
            "",
            MysqlTarget::parse_mysql2 as fn(&str) -> _,
            Some((StepName::Auth, Code::TlsRequired)),
        ),
        (
            "?allowPublicKeyRetrieval=true",
            MysqlTarget::parse_mysql2,
            None,
        ),
        ("", MysqlTarget::parse_pymysql, None),
    ] {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let peer = tokio::spawn(fake_mysql8(listener, "s3cret", CACHING_SHA2));
        let url = format!("mysql://app:s3cret@127.0.0.1:{port}/app{query}");
        let setting = Setting::Ready {
            target: parse(&url).unwrap(),
            source: Provenance::variable("DATABASE_URL", Origin::Process),
            findings: Vec::new(),
        };
        let budget = Budget::new(Duration::from_secs(10), Duration::from_secs(3));
        let outcome = probe(&setting, budget).await;
        let _ = peer.await;
        assert_eq!(failure(&outcome), expected, "{url}: {}", rendered(&outcome));
    }
}
