//! Throw-away Redis servers, each with its own config file, scratch directory
//! and random loopback port, shared by all tests of the process:
//! `redis_auth` (requirepass plus an ACL user), `redis_open` (no password)
//! and `redis_tls` (TLS-only, requirepass).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::lifecycle;
use super::pki::pki;

/// The `default` user's password on `redis_auth` and `redis_tls`.
pub const REDIS_PASSWORD: &str = "redis-secret-pw";
/// ACL user `alice` (all keys, channels and commands) on `redis_auth`.
pub const ALICE_PASSWORD: &str = "alice-secret-pw";

/// A running server; `port` is the TLS port for `redis_tls`.
pub struct RedisServer {
    pub port: u16,
    pub log: PathBuf,
}

/// The flavours we run; each decides its config lines and readiness probe.
#[derive(Clone, Copy)]
enum Kind {
    Auth,
    Open,
    Tls,
}

/// requirepass plus ACL user `alice`, 16 databases.
pub fn redis_auth() -> &'static RedisServer {
    static SERVER: OnceLock<RedisServer> = OnceLock::new();
    SERVER.get_or_init(|| start(Kind::Auth))
}

/// No password at all.
pub fn redis_open() -> &'static RedisServer {
    static SERVER: OnceLock<RedisServer> = OnceLock::new();
    SERVER.get_or_init(|| start(Kind::Open))
}

/// TLS only (no plaintext port), pki server cert, requirepass.
pub fn redis_tls() -> &'static RedisServer {
    static SERVER: OnceLock<RedisServer> = OnceLock::new();
    SERVER.get_or_init(|| start(Kind::Tls))
}

fn start(kind: Kind) -> RedisServer {
    let dir = lifecycle::scratch_dir("railconn-redis-");
    let server = RedisServer {
        port: lifecycle::free_port(),
        log: dir.join("redis.log"),
    };
    let conf = dir.join("redis.conf");
    fs::write(&conf, config(kind, server.port, &dir)).expect("write redis.conf");
    // SIGTERM makes redis shut down cleanly (nothing to save: `save ""`).
    let stop = r#"kill -TERM "$spid""#;
    lifecycle::supervise(
        &dir,
        &server.log,
        stop,
        &["redis-server".as_ref(), conf.as_os_str()],
    );
    let what = format!("redis-server on port {}", server.port);
    lifecycle::wait_ready(&what, &dir, &server.log, || ping(kind, server.port));
    server
}

/// The config file. Logging goes to stdout, which the watchdog appends to
/// the log file, so startup errors printed before logging starts land there
/// too.
fn config(kind: Kind, port: u16, dir: &Path) -> String {
    let bind = if lifecycle::ipv6_available() {
        "127.0.0.1 ::1"
    } else {
        "127.0.0.1"
    };
    let conf = format!(
        "bind {bind}\ndatabases 16\nsave \"\"\nappendonly no\n\
         dir {}\nlogfile \"\"\ndaemonize no\n",
        dir.display()
    );
    let role = match kind {
        Kind::Open => format!("port {port}\n"),
        Kind::Auth => format!(
            "port {port}\nrequirepass {REDIS_PASSWORD}\n\
             user alice on >{ALICE_PASSWORD} ~* &* +@all\n"
        ),
        Kind::Tls => tls_config(port),
    };
    conf + &role
}

fn tls_config(port: u16) -> String {
    let pki = pki();
    format!(
        "port 0\ntls-port {port}\nrequirepass {REDIS_PASSWORD}\n\
         tls-cert-file {}\ntls-key-file {}\ntls-ca-cert-file {}\n\
         tls-auth-clients no\n",
        pki.server_cert.display(),
        pki.server_key.display(),
        pki.ca_cert.display()
    )
}

/// `redis-cli ping` with the credentials and transport `kind` needs.
fn ping(kind: Kind, port: u16) -> bool {
    let mut cli = Command::new("redis-cli");
    cli.args(["-h", "127.0.0.1", "-p", &port.to_string()]);
    if let Kind::Tls = kind {
        cli.arg("--tls").arg("--cacert").arg(&pki().ca_cert);
    }
    if let Kind::Auth | Kind::Tls = kind {
        cli.args(["--no-auth-warning", "-a", REDIS_PASSWORD]);
    }
    cli.arg("ping")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "PONG")
}

/// A redis-server of a test's own (to stop, restart or configure oddly),
/// killed when dropped. Plain, on 127.0.0.1 only, nothing saved.
pub struct OwnRedis(std::process::Child);

impl OwnRedis {
    pub fn start(port: u16, extra: &[&str]) -> Self {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .args(extra)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start redis-server");
        Self(child)
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
