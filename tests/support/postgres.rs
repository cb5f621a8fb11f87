//! Throw-away PostgreSQL clusters: one with TLS (`pg_tls`) and one without
//! (`pg_plain`), each initdb'd into its own scratch directory as the
//! `postgres` OS user, listening on a random loopback port, and shared by all
//! tests of the process. The first call starts both in parallel, since
//! initdb is the slowest step of any server start.

use std::ffi::OsStr;
use std::fs;
use std::net::TcpStream;
use std::os::unix::fs::chown;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Once, OnceLock};
use std::thread;

use super::lifecycle;
use super::pki::pki;

/// Database owned by `app`.
pub const DB: &str = "appdb";
/// `app` owns `appdb`; SCRAM password.
pub const APP_PASSWORD: &str = "app-secret-pw-1";
/// `special`'s SCRAM password, full of URL-reserved characters.
pub const SPECIAL_PASSWORD: &str = "p@ss:w/rd#1%?";
/// `tlsonly` may only connect over TLS (hostssl lines only).
pub const TLSONLY_PASSWORD: &str = "tlsonly-secret-pw";
/// `md5user`'s password, stored as an MD5 hash and checked with `md5`.
pub const MD5_PASSWORD: &str = "md5-secret-pw";
/// `nossl` may only connect without TLS on the TLS cluster: its hostssl
/// lines `reject`, its hostnossl lines take SCRAM (the `pg_hba` shape that
/// makes libpq's `prefer` retry in plaintext).
pub const NOSSL_PASSWORD: &str = "nossl-secret-pw";
/// `hashpw`'s password has a `#`, which node-postgres's WHATWG URL parser
/// reads as the fragment when unencoded (libpq does not).
pub const HASH_PASSWORD: &str = "hash#secret-pw";
/// `spacepw`'s password has a space, which psycopg 3's conninfo parser
/// refuses unencoded (psycopg2 passes it to libpq).
pub const SPACE_PASSWORD: &str = "space secret-pw";
/// `atcolon`'s password has a raw `@` and `:`, which each driver's URL
/// parser splits by its own rules when unencoded.
pub const ATCOLON_PASSWORD: &str = "at@colon:secret-pw";
/// `readonly` logs in with `default_transaction_read_only` on, as on a
/// read replica: libpq's `target_session_attrs=read-write` refuses its
/// sessions and `read-only` takes them (a real standby cannot be made here).
const READONLY_PASSWORD: &str = "readonly-secret-pw";

/// A running cluster.
pub struct PgServer {
    pub port: u16,
    pub data_dir: PathBuf,
    pub log: PathBuf,
}

impl PgServer {
    /// `postgresql://USER:PASSWORD@127.0.0.1:PORT/DB[?QUERY]` with the user
    /// and password percent-encoded.
    pub fn url(&self, user: &str, password: &str, db: &str, query: &str) -> String {
        let (user, password, port) = (percent_encode(user), percent_encode(password), self.port);
        let base = format!("postgresql://{user}:{password}@127.0.0.1:{port}/{db}");
        if query.is_empty() {
            base
        } else {
            format!("{base}?{query}")
        }
    }

    /// Runs `sql` as superuser over the unix socket and returns psql's
    /// unaligned, tuples-only output (for ad hoc setup or assertions).
    pub fn admin_psql(&self, sql: &str) -> String {
        let sock = self.data_dir.parent().expect("scratch dir").join("sock");
        run_sql(self.port, &sock, &[sql])
    }
}

/// Percent-encodes everything except RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The cluster with `ssl = on`, serving the pki server certificate.
pub fn pg_tls() -> &'static PgServer {
    static SERVER: OnceLock<PgServer> = OnceLock::new();
    start_both_in_background();
    SERVER.get_or_init(|| start(true))
}

/// The cluster with `ssl = off`.
pub fn pg_plain() -> &'static PgServer {
    static SERVER: OnceLock<PgServer> = OnceLock::new();
    start_both_in_background();
    SERVER.get_or_init(|| start(false))
}

/// A plain cluster of its own for tests that use up its connection slots,
/// so they cannot starve the tests sharing `pg_plain`.
pub fn pg_crowded() -> &'static PgServer {
    static SERVER: OnceLock<PgServer> = OnceLock::new();
    SERVER.get_or_init(|| start(false))
}

/// Kicks off both clusters once, so the second is (nearly) ready by the time
/// a test asks for it. Callers still block in their own `get_or_init`, which
/// waits for the background start or retries it if it panicked.
fn start_both_in_background() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        thread::spawn(pg_tls);
        thread::spawn(pg_plain);
    });
}

/// Server binaries of the newest installed major version.
fn bin_dir() -> PathBuf {
    let majors = fs::read_dir("/usr/lib/postgresql").expect("PostgreSQL installed");
    let newest = majors
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .max()
        .expect("a version under /usr/lib/postgresql");
    PathBuf::from(format!("/usr/lib/postgresql/{newest}/bin"))
}

/// Prepares the scratch dir, then hands initdb + postmaster to a watchdog
/// in one go: if the test process exits mid-initdb (a background start), the
/// watchdog still removes the directory.
fn start(ssl: bool) -> PgServer {
    let prefix = if ssl {
        "railconn-pg-tls-"
    } else {
        "railconn-pg-plain-"
    };
    let dir = lifecycle::scratch_dir(prefix);
    let server = PgServer {
        port: lifecycle::free_port(),
        data_dir: dir.join("data"),
        log: dir.join("postgres.log"),
    };
    let sock = dir.join("sock");
    for owned in [&server.data_dir, &sock] {
        fs::create_dir(owned).expect("create cluster dir");
        chown_to_postgres(owned);
    }
    fs::write(dir.join("pg_hba.conf"), hba(ssl)).expect("write pg_hba.conf");
    if ssl {
        install_tls_files(&dir);
    }
    launch(&dir, &server, &settings(&dir, server.port, ssl));
    create_roles(&server, &sock);
    server
}

/// Server settings, passed as `-c` options so initdb's postgresql.conf
/// stays untouched; files live outside the data dir (which initdb needs
/// empty).
fn settings(dir: &Path, port: u16, ssl: bool) -> Vec<String> {
    let listen = if lifecycle::ipv6_available() {
        "127.0.0.1,::1"
    } else {
        "127.0.0.1"
    };
    let file = |name: &str| dir.join(name).display().to_string();
    let mut settings = vec![
        format!("listen_addresses={listen}"),
        format!("port={port}"),
        format!("unix_socket_directories={}", file("sock")),
        format!("hba_file={}", file("pg_hba.conf")),
        "max_connections=20".into(),
        "fsync=off".into(),
        "synchronous_commit=off".into(),
        "full_page_writes=off".into(),
        "password_encryption=scram-sha-256".into(),
        "log_connections=on".into(),
        format!("ssl={}", if ssl { "on" } else { "off" }),
    ];
    if ssl {
        settings.push(format!("ssl_cert_file={}", file("tls/server.crt")));
        settings.push(format!("ssl_key_file={}", file("tls/server.key")));
    }
    settings
}

/// `pg_hba.conf`; first match wins. With TLS, `tlsonly` has hostssl lines
/// only, so plaintext gets the real-world "no `pg_hba.conf` entry ..., no
/// encryption"; that is also why the plaintext catch-all names the `pwlogin`
/// group (app, special) instead of `all`, which would admit `tlsonly`. Over
/// TLS, and on the plain server, the catch-all is `all`, so unknown users get
/// "password authentication failed" as on a typical server.
fn hba(ssl: bool) -> String {
    let mut lines = vec!["local all all trust".to_string()];
    let rules: &[(&str, &str, &str)] = if ssl {
        &[
            ("hostssl", "tlsonly", "scram-sha-256"),
            ("hostssl", "nossl", "reject"),
            ("hostnossl", "nossl", "scram-sha-256"),
            ("host", "md5user", "md5"),
            ("host", "trustuser", "trust"),
            ("hostssl", "all", "scram-sha-256"),
            ("host", "+pwlogin", "scram-sha-256"),
        ]
    } else {
        &[
            ("host", "md5user", "md5"),
            ("host", "trustuser", "trust"),
            ("host", "all", "scram-sha-256"),
        ]
    };
    for (kind, user, method) in rules {
        for net in ["127.0.0.1/32", "::1/128"] {
            lines.push(format!("{kind} all {user} {net} {method}"));
        }
    }
    lines.join("\n") + "\n"
}

/// PostgreSQL insists the key belongs to the server user with mode 0600,
/// so the server gets its own copies.
fn install_tls_files(dir: &Path) {
    let pki = pki();
    let tls = dir.join("tls");
    fs::create_dir(&tls).expect("create tls dir");
    for (src, name, mode) in [
        (&pki.server_cert, "server.crt", 0o644),
        (&pki.server_key, "server.key", 0o600),
    ] {
        let dst = tls.join(name);
        fs::copy(src, &dst).expect("copy TLS file");
        lifecycle::set_mode(&dst, mode);
        chown_to_postgres(&dst);
    }
}

/// Run as `postgres`: initdb, then become the postmaster. Output goes to the
/// log, so a failing initdb explains itself in the readiness panic.
const INIT_AND_RUN: &str = r#"
initdb=$1 postgres=$2 data=$3
shift 3
"$initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C --no-sync --no-instructions &&
exec "$postgres" -D "$data" "$@"
"#;

/// A fast shutdown of the postmaster, escalating to an immediate one after
/// 5 s. If we died mid-initdb there is no postmaster yet (initdb's bootstrap
/// backends write a negative pid to postmaster.pid), so first wait, bounded,
/// for a real postmaster pid; signalling runuser instead would not reliably
/// stop the chain.
const STOP: &str = r#"
pm() { head -n1 "$dir/data/postmaster.pid" 2>/dev/null | grep -x '[0-9][0-9]*'; }
n=0
while [ -z "$(pm)" ] && kill -0 "$spid" 2>/dev/null && [ "$n" -lt 120 ]; do
  sleep 0.25
  n=$((n + 1))
done
pid=$(pm)
if [ -n "$pid" ]; then
  kill -INT "$pid"
  n=0
  while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 20 ]; do
    sleep 0.25
    n=$((n + 1))
  done
  kill -QUIT "$pid" 2>/dev/null
fi
"#;

/// Starts initdb + postmaster under a watchdog and waits until the server
/// accepts connections.
fn launch(dir: &Path, server: &PgServer, settings: &[String]) {
    let bin = bin_dir();
    let (initdb, postgres) = (bin.join("initdb"), bin.join("postgres"));
    let mut argv: Vec<&OsStr> = ["runuser", "-u", "postgres", "--", "sh", "-c", INIT_AND_RUN]
        .map(OsStr::new)
        .to_vec();
    argv.extend(["sh".as_ref(), initdb.as_os_str(), postgres.as_os_str()]);
    argv.push(server.data_dir.as_os_str());
    for setting in settings {
        argv.extend(["-c".as_ref(), OsStr::new(setting)]);
    }
    lifecycle::supervise(dir, &server.log, STOP, &argv);
    let what = format!("postgres on port {}", server.port);
    let sock = dir.join("sock");
    lifecycle::wait_ready(&what, dir, &server.log, || is_ready(server.port, &sock));
}

/// TCP accepts, and `pg_isready` over the unix socket (as `postgres`, which
/// `local all all trust` admits) says startup is complete. Probing over TCP
/// as root would log a FATAL "no `pg_hba.conf` entry" into every log.
fn is_ready(port: u16, sock: &Path) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
        && Command::new(bin_dir().join("pg_isready"))
            .arg("-h")
            .arg(sock)
            .args([
                "-q",
                "-p",
                &port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
            ])
            .status()
            .is_ok_and(|s| s.success())
}

fn create_roles(server: &PgServer, sock: &Path) {
    let statements = [
        "CREATE ROLE pwlogin NOLOGIN".to_string(),
        format!(
            "CREATE ROLE app LOGIN PASSWORD {} IN ROLE pwlogin",
            quote(APP_PASSWORD)
        ),
        format!("CREATE DATABASE {DB} OWNER app"),
        format!(
            "CREATE ROLE special LOGIN PASSWORD {} IN ROLE pwlogin",
            quote(SPECIAL_PASSWORD)
        ),
        format!(
            "CREATE ROLE tlsonly LOGIN PASSWORD {}",
            quote(TLSONLY_PASSWORD)
        ),
        "CREATE ROLE trustuser LOGIN".to_string(),
        format!("CREATE ROLE nossl LOGIN PASSWORD {}", quote(NOSSL_PASSWORD)),
        format!(
            "CREATE ROLE hashpw LOGIN PASSWORD {} IN ROLE pwlogin",
            quote(HASH_PASSWORD)
        ),
        format!(
            "CREATE ROLE spacepw LOGIN PASSWORD {} IN ROLE pwlogin",
            quote(SPACE_PASSWORD)
        ),
        format!(
            "CREATE ROLE atcolon LOGIN PASSWORD {} IN ROLE pwlogin",
            quote(ATCOLON_PASSWORD)
        ),
        format!(
            "CREATE ROLE readonly LOGIN PASSWORD {} IN ROLE pwlogin",
            quote(READONLY_PASSWORD)
        ),
        "ALTER ROLE readonly SET default_transaction_read_only = on".to_string(),
        // Only this session stores MD5, so md5user exercises the md5 method.
        "SET password_encryption = 'md5'".to_string(),
        format!("CREATE ROLE md5user LOGIN PASSWORD {}", quote(MD5_PASSWORD)),
    ];
    run_sql(server.port, sock, &statements);
    // An app database with a table, as after migrations (an empty one is a
    // finding of its own).
    run_sql_in(
        server.port,
        sock,
        DB,
        &[
            "CREATE TABLE app_users (id int)",
            "ALTER TABLE app_users OWNER TO app",
        ],
    );
}

/// Runs statements in one psql session as `postgres`, stopping at the first
/// error.
fn run_sql(port: u16, sock: &Path, statements: &[impl AsRef<str>]) -> String {
    run_sql_in(port, sock, "postgres", statements)
}

fn run_sql_in(port: u16, sock: &Path, db: &str, statements: &[impl AsRef<str>]) -> String {
    let mut cmd = as_postgres(&bin_dir().join("psql"));
    cmd.arg("-h").arg(sock).args(["-p", &port.to_string()]);
    cmd.args(["-d", db, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]);
    for sql in statements {
        cmd.args(["-c", sql.as_ref()]);
    }
    lifecycle::run_checked("psql", &mut cmd)
}

/// A SQL string literal.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn as_postgres(program: &Path) -> Command {
    let mut cmd = Command::new("runuser");
    cmd.args(["-u", "postgres", "--"]).arg(program);
    cmd
}

fn chown_to_postgres(path: &Path) {
    let (uid, gid) = postgres_ids();
    chown(path, Some(uid), Some(gid))
        .unwrap_or_else(|e| panic!("chown postgres {}: {e}", path.display()));
}

/// uid/gid of the `postgres` OS user, from /etc/passwd.
fn postgres_ids() -> (u32, u32) {
    let passwd = fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
    let line = passwd
        .lines()
        .find(|l| l.starts_with("postgres:"))
        .expect("a postgres user in /etc/passwd");
    let fields: Vec<&str> = line.split(':').collect();
    (
        fields[2].parse().expect("uid"),
        fields[3].parse().expect("gid"),
    )
}

/// A protocol-level PostgreSQL peer (not a server): it answers one login
/// only if the check's `Query` is already waiting behind the last
/// authentication message, i.e. if the client pipelined it (issue 24).
/// `password`: ask for a cleartext password first, else trust.
pub fn pipelining_peer(password: bool) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind peer");
    let port = listener.local_addr().expect("peer addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
                let _ = serve_pipelined(stream, password);
            });
        }
    });
    port
}

fn serve_pipelined<S: std::io::Read + std::io::Write>(
    mut stream: S,
    password: bool,
) -> std::io::Result<()> {
    let startup = read_startup(&mut stream)?;
    assert!(!startup.is_empty());
    if password {
        // AuthenticationCleartextPassword, then the PasswordMessage.
        stream.write_all(&message(b'R', &3_u32.to_be_bytes()))?;
        let (kind, _) = read_message(&mut stream)?;
        assert_eq!(kind, b'p');
    }
    // The query must already be here (the caller set a read timeout): a
    // client that waits for ReadyForQuery before sending it gets nothing.
    let (kind, _) = read_message(&mut stream)?;
    if kind != b'Q' {
        return Ok(());
    }
    let mut reply = message(b'R', &0_u32.to_be_bytes());
    reply.extend(message(b'Z', b"I"));
    let cells = ["17.0", DB, "app", "f", "off"];
    let mut row = u16::try_from(cells.len())
        .expect("few")
        .to_be_bytes()
        .to_vec();
    for cell in cells {
        row.extend_from_slice(&u32::try_from(cell.len()).expect("short").to_be_bytes());
        row.extend_from_slice(cell.as_bytes());
    }
    reply.extend(message(b'D', &row));
    reply.extend(message(b'C', b"SELECT 1\0"));
    reply.extend(message(b'Z', b"I"));
    stream.write_all(&reply)?;
    stream.flush()
}

/// A backend message: type, length, body.
fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(body.len() + 4).expect("short message");
    let mut bytes = vec![kind];
    bytes.extend_from_slice(&len.to_be_bytes());
    bytes.extend_from_slice(body);
    bytes
}

/// A protocol-level peer for PostgreSQL 17's direct TLS
/// (`sslnegotiation=direct`): a rustls server, self-signed for
/// `localhost`, that accepts only ALPN `postgresql`, then logs in under
/// trust as [`pipelining_peer`] does.
pub fn direct_tls_peer() -> u16 {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("cert");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .expect("server config");
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    let config = std::sync::Arc::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind peer");
    let port = listener.local_addr().expect("peer addr").port();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let _ = tcp.set_read_timeout(Some(std::time::Duration::from_secs(2)));
                let tls = rustls::ServerConnection::new(config).expect("server connection");
                let _ = serve_pipelined(rustls::StreamOwned::new(tls, tcp), false);
            });
        }
    });
    port
}

/// The `StartupMessage` (no type byte): its body.
fn read_startup(stream: &mut impl std::io::Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0; 4];
    stream.read_exact(&mut len)?;
    let mut body = vec![0; (u32::from_be_bytes(len) as usize).saturating_sub(4)];
    stream.read_exact(&mut body)?;
    Ok(body)
}

fn read_message(stream: &mut impl std::io::Read) -> std::io::Result<(u8, Vec<u8>)> {
    let mut kind = [0; 1];
    stream.read_exact(&mut kind)?;
    Ok((kind[0], read_startup(stream)?))
}

/// A forwarding proxy in front of `upstream` that counts the client's
/// flights: runs of client bytes with no server bytes in between. A client
/// that pipelines its query sends one flight per round trip it waits for,
/// plus its `Terminate`.
pub struct FlightCounter {
    pub port: u16,
    log: std::sync::Arc<std::sync::Mutex<Vec<bool>>>,
}

impl FlightCounter {
    pub fn start(upstream: u16) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind counter");
        let port = listener.local_addr().expect("counter addr").port();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let shared = log.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let server =
                    std::net::TcpStream::connect(("127.0.0.1", upstream)).expect("upstream");
                pipe(
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                    true,
                    shared.clone(),
                );
                pipe(server, client, false, shared.clone());
            }
        });
        Self { port, log }
    }

    /// Client flights so far, over every connection (use one at a time).
    pub fn client_flights(&self) -> usize {
        self.client_flight_chunks().len()
    }

    /// How many reads each client flight took: a flight written at once
    /// (one `writev` on loopback) arrives as one chunk.
    pub fn client_flight_chunks(&self) -> Vec<usize> {
        let log = self.log.lock().expect("log");
        let mut flights = Vec::new();
        for (i, &up) in log.iter().enumerate() {
            match (up, i > 0 && log[i - 1]) {
                (true, true) => *flights.last_mut().expect("a flight") += 1,
                (true, false) => flights.push(1),
                (false, _) => {}
            }
        }
        flights
    }
}

/// Copies `from` to `to`, logging each chunk's direction before it is
/// forwarded (so an answer is always logged after what it answers).
fn pipe(
    mut from: std::net::TcpStream,
    mut to: std::net::TcpStream,
    up: bool,
    log: std::sync::Arc<std::sync::Mutex<Vec<bool>>>,
) {
    use std::io::{Read, Write};
    std::thread::spawn(move || {
        let mut buf = [0; 16 * 1024];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            log.lock().expect("log").push(up);
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(std::net::Shutdown::Write);
    });
}
