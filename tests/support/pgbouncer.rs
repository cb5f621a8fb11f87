//! Real `PgBouncer`s (Debian's `pgbouncer`) in front of the plain test
//! cluster: the engine of Railway's pooler template and of Neon's
//! `-pooler` endpoints. `pgbouncer()` serves `appdb` in transaction mode
//! and `appdb_session` (the same database) in session mode;
//! `pgbouncer_full()` admits a single client, for the "no more connections
//! allowed" refusal. Both listen on a random loopback port; PgBouncer is
//! started as root and drops to the `postgres` user itself (`user =`).

use std::fs;
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::OnceLock;

use super::lifecycle;
use super::postgres::{APP_PASSWORD, DB, pg_plain};

/// A running PgBouncer.
pub struct Bouncer {
    pub port: u16,
    pub log: PathBuf,
}

impl Bouncer {
    /// `postgresql://app:…@127.0.0.1:PORT/DB?sslmode=disable` (PgBouncer
    /// has no client TLS here).
    pub fn url(&self, db: &str) -> String {
        self.url_as("app", APP_PASSWORD, db)
    }

    pub fn url_as(&self, user: &str, password: &str, db: &str) -> String {
        format!(
            "postgresql://{user}:{password}@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }
}

/// The shared pooler: `appdb` in transaction mode, `appdb_session` in
/// session mode.
pub fn pgbouncer() -> &'static Bouncer {
    static BOUNCER: OnceLock<Bouncer> = OnceLock::new();
    BOUNCER.get_or_init(|| start("railconn-pgbouncer-", 100))
}

/// A pooler that admits one client at a time.
pub fn pgbouncer_full() -> &'static Bouncer {
    static BOUNCER: OnceLock<Bouncer> = OnceLock::new();
    BOUNCER.get_or_init(|| start("railconn-pgbouncer-full-", 1))
}

/// A transaction-mode pooler that runs `DISCARD ALL` after every
/// transaction (`server_reset_query_always = 1`), so a prepared statement
/// never outlives the transaction that made it: the failure of a driver
/// that prepares statements behind PgBouncer < 1.21 becomes deterministic
/// instead of depending on which server connection the next query gets.
pub fn pgbouncer_reset_always() -> &'static Bouncer {
    static BOUNCER: OnceLock<Bouncer> = OnceLock::new();
    BOUNCER.get_or_init(|| {
        start_with(
            "railconn-pgbouncer-reset-",
            100,
            "server_reset_query_always = 1\n",
        )
    })
}

/// The PgBouncer binary: Debian installs it in /usr/sbin.
fn binary() -> PathBuf {
    ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("pgbouncer installed (apt-get install pgbouncer)")
}

fn start(prefix: &str, max_client_conn: u32) -> Bouncer {
    start_with(prefix, max_client_conn, "")
}

/// As [`start`], with `extra` lines appended to the `[pgbouncer]` section.
fn start_with(prefix: &str, max_client_conn: u32, extra: &str) -> Bouncer {
    let server = pg_plain();
    let dir = lifecycle::scratch_dir(prefix);
    let bouncer = Bouncer {
        port: lifecycle::free_port(),
        log: dir.join("pgbouncer.log"),
    };
    let ini = dir.join("pgbouncer.ini");
    let users = dir.join("userlist.txt");
    fs::write(&users, format!("\"app\" \"{APP_PASSWORD}\"\n")).expect("write userlist");
    let backend = format!("host=127.0.0.1 port={} dbname={DB}", server.port);
    fs::write(
        &ini,
        format!(
            "[databases]\n\
             {DB} = {backend}\n\
             {DB}_session = {backend} pool_mode=session\n\
             [pgbouncer]\n\
             listen_addr = 127.0.0.1\n\
             listen_port = {port}\n\
             unix_socket_dir =\n\
             user = postgres\n\
             auth_type = scram-sha-256\n\
             auth_file = {users}\n\
             pool_mode = transaction\n\
             max_client_conn = {max_client_conn}\n\
             default_pool_size = 4\n\
             ignore_startup_parameters = extra_float_digits\n\
             {extra}",
            port = bouncer.port,
            users = users.display(),
        ),
    )
    .expect("write pgbouncer.ini");
    let binary = binary();
    lifecycle::supervise(
        &dir,
        &bouncer.log,
        r#"kill -TERM "$spid""#,
        &[binary.as_os_str(), ini.as_os_str()],
    );
    let what = format!("pgbouncer on port {}", bouncer.port);
    let port = bouncer.port;
    lifecycle::wait_ready(&what, &dir, &bouncer.log, || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    bouncer
}
