//! Lifecycle of the throw-away servers and files the tests share: scratch
//! directories, free loopback ports, the detached watchdog that stops a server
//! and deletes its directory once the test process is gone, and bounded
//! readiness polling. Test binaries exit without dropping statics, so cleanup
//! cannot live in `Drop`; it lives in a process that outlives us instead.

use std::ffi::OsStr;
use std::fs;
use std::net::{Ipv6Addr, SocketAddr, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// How long a server may take to accept connections before we give up.
pub const READY_DEADLINE: Duration = Duration::from_secs(30);

/// The watchdog, as a POSIX `sh` script. Arguments: test pid, directory to
/// delete, log file, stop command (eval'd, may use `$spid` and `$dir`), then
/// the optional server command. The server is started by the watchdog, not by
/// us, so that it is reaped by its parent: PID 1 on some machines does not
/// reap orphans, which would leave `<defunct>` servers behind.
const WATCHDOG: &str = r#"
testpid=$1 dir=$2 log=$3 stop=$4
shift 4
spid=
if [ "$#" -gt 0 ]; then
  "$@" </dev/null >>"$log" 2>&1 &
  spid=$!
  echo "$spid" >"$dir/server.pid"
fi
while kill -0 "$testpid" 2>/dev/null; do sleep 0.5; done
if [ -n "$spid" ]; then
  eval "$stop"
  n=0
  while [ "$n" -lt 40 ] && kill -0 "$spid" 2>/dev/null; do
    sleep 0.25
    n=$((n + 1))
  done
  kill -KILL "$spid" 2>/dev/null
  wait "$spid"
fi
rm -rf "$dir"
"#;

/// A fresh directory under the system temp dir that survives this process
/// (the watchdog deletes it). Mode 0755 so the `postgres` user can reach
/// files we place inside it.
pub fn scratch_dir(prefix: &str) -> PathBuf {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("create scratch dir")
        .keep();
    set_mode(&dir, 0o755);
    dir
}

/// Sets unix permission bits, panicking with the path on failure.
pub fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {mode:o} {}: {e}", path.display()));
}

/// Whether `::1` can be bound here; containers often run without IPv6.
pub fn ipv6_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_ok())
}

/// A port free on 127.0.0.1 (and on `::1` when available, since servers listen
/// on both). Racy by nature: the port is released before the server binds it.
pub fn free_port() -> u16 {
    loop {
        let v4 = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = v4.local_addr().expect("local addr").port();
        let v6_free = !ipv6_available()
            || TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port))).is_ok();
        if v6_free {
            return port;
        }
    }
}

/// Starts the detached watchdog for `dir`, optionally launching `server`
/// under it. The watchdog gets its own process group so a Ctrl-C aimed at
/// `cargo test` does not kill it before it has cleaned up.
// Never waited on by design: the watchdog only exits after we do, so it can't
// become our zombie.
#[allow(clippy::zombie_processes)]
pub fn supervise(dir: &Path, log: &Path, stop: &str, server: &[&OsStr]) {
    Command::new("sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg("railconn-watchdog")
        .arg(std::process::id().to_string())
        .args([dir.as_os_str(), log.as_os_str(), OsStr::new(stop)])
        .args(server)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("spawn watchdog");
}

/// Polls `probe` until it succeeds; panics with the server log if the server
/// (whose pid the watchdog wrote to `dir/server.pid`) dies or the deadline
/// passes.
pub fn wait_ready(what: &str, dir: &Path, log: &Path, mut probe: impl FnMut() -> bool) {
    let start = Instant::now();
    loop {
        if probe() {
            return;
        }
        if start.elapsed() > READY_DEADLINE {
            fail(what, "not ready after 30 s", log);
        }
        if server_exited(dir) {
            fail(what, "exited during startup", log);
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// Panics with the server's log so a CI failure explains itself.
pub fn fail(what: &str, why: &str, log: &Path) -> ! {
    let text = fs::read_to_string(log).unwrap_or_else(|e| format!("<unreadable: {e}>"));
    panic!("{what} {why}; log {}:\n{text}", log.display());
}

/// True once the pid the watchdog recorded is gone or a zombie.
fn server_exited(dir: &Path) -> bool {
    let Ok(pid) = fs::read_to_string(dir.join("server.pid")) else {
        return false; // watchdog has not launched it yet
    };
    match fs::read_to_string(format!("/proc/{}/stat", pid.trim())) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, s)| s.starts_with('Z')),
        Err(_) => true,
    }
}

/// Runs a setup command to completion, panicking with its output on failure.
pub fn run_checked(what: &str, cmd: &mut Command) -> String {
    // From "/": the `postgres` user may not be able to enter the cwd, and
    // psql's warning about it must not end up in the returned stdout.
    let out = cmd
        .current_dir("/")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: spawn failed: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{text}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// Waits (at most 10 s) until something accepts connections on
/// 127.0.0.1:`port`, e.g. a server a test started itself.
pub fn wait_for_port(port: u16) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
        && std::time::Instant::now() < deadline
    {
        thread::sleep(Duration::from_millis(20));
    }
}
