//! MariaDB for the tests: the machine's shared server (127.0.0.1:3306,
//! root without a password), on which each test creates its own users and
//! databases and drops them; and a throw-away `mariadbd` with TLS and the
//! `ed25519` authentication plugin (`mariadb_tls`), its own datadir in a
//! scratch directory, certificates from the test PKI, on a free loopback
//! port, stopped by the watchdog (the shared server gets no `INSTALL
//! SONAME`: nothing global changes there).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::lifecycle;
use super::pki::pki;

/// The machine's MariaDB.
pub const SHARED_PORT: u16 = 3306;

/// A running MariaDB reachable as root without a password over TCP.
pub struct MariaDb {
    pub port: u16,
    pub log: PathBuf,
}

impl MariaDb {
    /// SQL as root (`mysql` client over TCP); panics with its output.
    pub fn admin(&self, sql: &str) -> String {
        lifecycle::run_checked(
            "mysql as root",
            Command::new("mysql")
                .args(["-uroot", "-h127.0.0.1", "--protocol=TCP", "-N", "-B"])
                .arg(format!("-P{}", self.port))
                .args(["-e", sql]),
        )
    }

    /// A user with a password and a database of its own, both named
    /// `NAME_PID` so parallel test processes do not collide; dropped when
    /// the value is.
    pub fn account(&self, name: &str, extra: &str) -> Account<'_> {
        let name = format!("rc_{name}_{}", std::process::id());
        let password = format!("pw-{name}");
        let how = format!("IDENTIFIED BY '{password}' {extra}");
        self.create(name, password, &how)
    }

    /// Like `account`, for a user `IDENTIFIED VIA ed25519` with `password`
    /// (only on `mariadb_tls`, which loads the plugin).
    pub fn ed25519_account(&self, name: &str, password: &str) -> Account<'_> {
        let name = format!("rc_{name}_{}", std::process::id());
        let how = format!("IDENTIFIED VIA ed25519 USING PASSWORD('{password}')");
        self.create(name, password.to_string(), &how)
    }

    fn create(&self, name: String, password: String, how: &str) -> Account<'_> {
        self.admin(&format!(
            "DROP USER IF EXISTS '{name}'@'%'; DROP DATABASE IF EXISTS `{name}`; \
             CREATE DATABASE `{name}`; \
             CREATE USER '{name}'@'%' {how}; \
             GRANT ALL ON `{name}`.* TO '{name}'@'%';"
        ));
        Account {
            server: self,
            name,
            password,
        }
    }
}

/// A test's own user and database.
pub struct Account<'a> {
    server: &'a MariaDb,
    pub name: String,
    pub password: String,
}

impl Account<'_> {
    /// `mysql://NAME:PASSWORD@127.0.0.1:PORT/DB[?QUERY]` (no `:PASSWORD`
    /// when it is empty).
    pub fn url(&self, db: &str, query: &str) -> String {
        let password = if self.password.is_empty() {
            String::new()
        } else {
            format!(":{}", self.password)
        };
        let base = format!(
            "mysql://{}{password}@127.0.0.1:{}/{db}",
            self.name, self.server.port
        );
        if query.is_empty() {
            base
        } else {
            format!("{base}?{query}")
        }
    }
}

impl Drop for Account<'_> {
    fn drop(&mut self) {
        let name = &self.name;
        let _ = Command::new("mysql")
            .args(["-uroot", "-h127.0.0.1", "--protocol=TCP"])
            .arg(format!("-P{}", self.server.port))
            .arg("-e")
            .arg(format!(
                "DROP USER IF EXISTS '{name}'@'%'; DROP DATABASE IF EXISTS `{name}`;"
            ))
            .output();
    }
}

/// The machine's MariaDB (the project's machines run it; `.ci/run` starts
/// it when it is stopped).
pub fn mariadb_shared() -> &'static MariaDb {
    static SHARED: OnceLock<MariaDb> = OnceLock::new();
    SHARED.get_or_init(|| MariaDb {
        port: SHARED_PORT,
        log: PathBuf::from("/dev/null"),
    })
}

/// A `mariadbd` of the tests' own with TLS (the PKI's server certificate
/// for localhost and 127.0.0.1) and MariaDB's `ed25519` authentication
/// plugin loaded, shared by the tests of the process.
pub fn mariadb_tls() -> &'static MariaDb {
    static SERVER: OnceLock<MariaDb> = OnceLock::new();
    SERVER.get_or_init(start_tls)
}

/// Run by the watchdog: `mariadb-install-db`, then the server itself, so a
/// test process that dies mid-install still has its directory removed.
const INSTALL_AND_RUN: &str = r#"
dir=$1 port=$2 cert=$3 key=$4
mariadb-install-db --no-defaults --datadir="$dir/data" --user=root \
  --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 &&
exec mariadbd --no-defaults --datadir="$dir/data" --user=root \
  --port="$port" --bind-address=127.0.0.1 --socket="$dir/sock" \
  --pid-file="$dir/mariadbd.pid" --skip-name-resolve \
  --ssl-cert="$cert" --ssl-key="$key" --max-connections=30 \
  --innodb-buffer-pool-size=16M --skip-log-bin --plugin-load-add=auth_ed25519
"#;

/// `mariadbd` (the shell exec'd into it) stops cleanly on SIGTERM.
const STOP: &str = r#"kill -TERM "$spid" 2>/dev/null"#;

fn start_tls() -> MariaDb {
    let dir = lifecycle::scratch_dir("railconn-mariadb-tls-");
    let port = lifecycle::free_port();
    let log = dir.join("mariadbd.log");
    let pki = pki();
    let port_text = port.to_string();
    let argv: Vec<&OsStr> = vec![
        OsStr::new("sh"),
        OsStr::new("-c"),
        OsStr::new(INSTALL_AND_RUN),
        OsStr::new("sh"),
        dir.as_os_str(),
        OsStr::new(&port_text),
        pki.server_cert.as_os_str(),
        pki.server_key.as_os_str(),
    ];
    lifecycle::supervise(&dir, &log, STOP, &argv);
    let server = MariaDb { port, log };
    let what = format!("mariadbd on port {port}");
    lifecycle::wait_ready(&what, &dir, &server.log, || is_ready(port, &dir));
    server
}

fn is_ready(port: u16, dir: &Path) -> bool {
    dir.join("mariadbd.pid").exists()
        && Command::new("mysql")
            .args(["-uroot", "-h127.0.0.1", "--protocol=TCP", "-e", "SELECT 1"])
            .arg(format!("-P{port}"))
            .output()
            .is_ok_and(|o| o.status.success())
}
