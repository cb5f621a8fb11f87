//! Shared support for railconn's integration tests: throw-away PostgreSQL and
//! Redis servers, a test PKI, misbehaving TCP listeners, and a hermetic way to
//! run the `railconn` binary. Everything binds to loopback only and is cleaned
//! up by watchdog processes after the test process exits.

// One support module compiled into one test binary: not every test uses every
// helper or re-export, and rustc would flag the unused ones as dead code.
#![allow(dead_code, unused_imports)]

pub mod drivers;
pub mod fault;
pub mod lifecycle;
pub mod mariadb;
pub mod pgbouncer;
pub mod pki;
pub mod postgres;
pub mod rabbitmq;
pub mod redis;

use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub use fault::{Fault, closed_port, fault};
pub use mariadb::{MariaDb, mariadb_shared, mariadb_tls};
pub use pki::{Pki, pki};
pub use postgres::{PgServer, pg_crowded, pg_plain, pg_tls};
pub use redis::{RedisServer, redis_auth, redis_open, redis_tls};

/// How long `Railconn::run` lets the binary run before killing it, so a hung
/// probe fails its test instead of hanging the whole suite.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// The `railconn` binary in a hermetic environment: only `PATH`, `HOME` (an
/// empty temp dir, so no `~/.postgresql/root.crt` leaks in) and `NO_COLOR=1`,
/// run in an empty temp dir (so no stray `.env` is read). The temp dirs live
/// as long as this value.
pub struct Railconn {
    pub cmd: Command,
    /// The working directory; write a `.env` here with [`Railconn::env_file`].
    pub dir: TempDir,
    pub home: TempDir,
}

/// `railconn` as built by cargo for this test binary.
pub fn railconn() -> Railconn {
    Railconn::new(env!("CARGO_BIN_EXE_railconn"))
}

impl Railconn {
    /// A hermetic command for the binary at `bin`.
    pub fn new(bin: impl AsRef<OsStr>) -> Railconn {
        let dir = TempDir::with_prefix("railconn-cwd-").expect("create cwd temp dir");
        let home = TempDir::with_prefix("railconn-home-").expect("create home temp dir");
        let mut cmd = Command::new(bin);
        cmd.env_clear()
            .env(
                "PATH",
                std::env::var_os("PATH").unwrap_or("/usr/bin:/bin".into()),
            )
            .env("HOME", home.path())
            .env("NO_COLOR", "1")
            .current_dir(dir.path());
        Railconn { cmd, dir, home }
    }

    /// Appends command-line arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Sets one environment variable for the run.
    pub fn env(&mut self, key: &str, value: impl AsRef<OsStr>) -> &mut Self {
        self.cmd.env(key, value);
        self
    }

    /// Writes `contents` to `.env` in the working directory; returns its path.
    pub fn env_file(&self, contents: &str) -> PathBuf {
        let path = self.dir.path().join(".env");
        fs::write(&path, contents).expect("write .env");
        path
    }

    /// Runs to completion (stdin closed) within [`RUN_TIMEOUT`].
    pub fn run(&mut self) -> Output {
        self.run_with_timeout(RUN_TIMEOUT)
    }

    /// Runs to completion, killing the process and panicking with what it
    /// printed so far if it takes longer than `timeout`.
    pub fn run_with_timeout(&mut self, timeout: Duration) -> Output {
        let mut child = self
            .cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn railconn");
        // Both pipes are drained concurrently so a chatty child can't block.
        let out = collect(child.stdout.take());
        let err = collect(child.stderr.take());
        let timed_out = !wait_for(&mut child, timeout);
        let output = Output {
            status: child.wait().expect("wait for railconn"),
            stdout: out.join().expect("stdout reader"),
            stderr: err.join().expect("stderr reader"),
        };
        assert!(
            !timed_out,
            "railconn did not finish within {timeout:?}; killed it.\nstdout:\n{}\nstderr:\n{}",
            stdout(&output),
            stderr(&output)
        );
        output
    }
}

/// Reads a child pipe to its end on a separate thread.
fn collect(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    })
}

/// Waits up to `timeout` for `child` to exit; kills it and returns false if
/// it does not.
fn wait_for(child: &mut Child, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if child.try_wait().expect("poll railconn").is_some() {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    false
}

/// The process's stdout as (lossy) UTF-8.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The process's stderr as (lossy) UTF-8.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs railconn where name resolution reads /etc/hosts only (a private
/// mount namespace with its own nsswitch.conf, and a resolv.conf naming
/// a loopback resolver that does not exist): a real provider name does not
/// resolve, and no DNS query leaves the machine. `None` when this machine
/// cannot make mount namespaces.
pub fn without_dns(command: &str, args: &[&str]) -> Option<(serde_json::Value, String)> {
    let dir = tempfile::tempdir().unwrap();
    let nss = dir.path().join("nsswitch.conf");
    let resolv = dir.path().join("resolv.conf");
    std::fs::write(&nss, "hosts: files\n").unwrap();
    std::fs::write(
        &resolv,
        "nameserver 127.0.0.9\noptions timeout:1 attempts:1\n",
    )
    .unwrap();
    let script = r#"mount --bind "$1" /etc/nsswitch.conf && mount --bind "$2" /etc/resolv.conf && shift 2 && exec "$@""#;
    let mut run = Railconn::new("unshare");
    run.args(["--mount", "sh", "-c", script, "sh"])
        .args([nss.as_os_str(), resolv.as_os_str()])
        .args([
            env!("CARGO_BIN_EXE_railconn"),
            command,
            "--json",
            "--no-env-file",
        ])
        .args(args);
    let out = run.run();
    let text = stdout(&out);
    if text.is_empty() {
        eprintln!(
            "skipped: no mount namespace here: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let report: serde_json::Value = serde_json::from_str(&text).expect("JSON report");
    Some((report, String::from_utf8_lossy(&out.stderr).into_owned()))
}
