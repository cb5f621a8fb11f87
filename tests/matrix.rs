//! Issue 20's differential matrix: every case of `tests/matrix/cases.tsv`
//! (URL shape × server condition × environment × driver) runs with the
//! real driver and with railconn told that driver (`--driver NAME@VER`),
//! against the shared test servers: PostgreSQL 15 with and without TLS,
//! PgBouncer 1.18 in transaction mode, MariaDB 10.11 without TLS (the
//! machine's) and with TLS and the ed25519 plugin (our own), Redis 7 with a password and an ACL
//! user, without one, and TLS-only.
//!
//! Agreement means railconn exits 0 exactly when the app works: the driver
//! connects and runs `SELECT 1` (ten times, so a transaction pooler's
//! prepared-statement failure shows) or `PING`, or the JWT library signs
//! and verifies. The drivers run in one long-lived process per language
//! (`tests/support/matrix_driver.{py,js}`, one JSON case per line), and
//! railconn once per case, a few at a time.
//!
//! The test is a ratchet: today's disagreements are listed in
//! `tests/matrix/known_gaps.tsv`, a disagreement not listed fails, and so
//! does a listed case that now agrees (take it out: the list only
//! shrinks). `tests/matrix/deliberate.tsv` holds the reasoned differences
//! (at most 10, never one where railconn says ready and the driver fails).
//! `UPDATE_MATRIX=1` rewrites `known_gaps.tsv` from the run.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Instant;

use serde_json::{Value, json};

use crate::support::drivers::fixtures;
use crate::support::mariadb::Account;
use crate::support::pgbouncer::pgbouncer_reset_always;
use crate::support::postgres::percent_encode;
use crate::support::rabbitmq::{RABBITMQ_PORT, RabbitScratch, rabbit_tls};
use crate::support::{
    Railconn, closed_port, mariadb_shared, mariadb_tls, pg_plain, pg_tls, pki, redis_auth,
    redis_open, redis_tls,
};

/// How many railconn processes run at once: a run mostly waits on its
/// servers, so more than the 2 cores of CI.
const RAILCONN_PARALLEL: usize = 8;
/// The most deliberate differences the matrix may carry (issue 20).
const MAX_DELIBERATE: usize = 10;

/// A driver under test: its matrix id, the language process that runs it,
/// the check it feeds, and the `--driver` railconn is given.
struct Driver {
    id: &'static str,
    node: bool,
    /// The table's group (`pg`, `mysql`, `redis`, `jwt`).
    family: &'static str,
    check: &'static str,
    railconn: &'static str,
    /// SQLAlchemy's dialect: `postgresql://` (`mysql://`) in the table
    /// becomes `postgresql+DIALECT://` (`mysql+DIALECT://`).
    dialect: Option<&'static str>,
}

const DRIVERS: &[Driver] = &[
    pg("psycopg2", false, "psycopg2@2.9.13", None),
    pg("psycopg", false, "psycopg@3.3.9", None),
    pg("asyncpg", false, "asyncpg@0.32.0", None),
    pg(
        "sa_psycopg2",
        false,
        "sqlalchemy@2.1.9,psycopg2@2.9.13",
        Some("psycopg2"),
    ),
    pg(
        "sa_psycopg",
        false,
        "sqlalchemy@2.1.9,psycopg@3.3.9",
        Some("psycopg"),
    ),
    pg(
        "sa_asyncpg",
        false,
        "sqlalchemy@2.1.9,asyncpg@0.32.0",
        Some("asyncpg"),
    ),
    pg("node_pg", true, "pg@8.23.1", None),
    pg("postgresjs", true, "postgres@4.2.0", None),
    other("redis_py", false, "redis", "redis-py@8.1.0"),
    other("ioredis", true, "redis", "ioredis@6.0.0"),
    other("node_redis", true, "redis", "node-redis@6.4.0"),
    mysql(
        "sa_pymysql",
        false,
        "sqlalchemy@2.1.9,pymysql@1.2.4",
        Some("pymysql"),
    ),
    mysql(
        "sa_aiomysql",
        false,
        "sqlalchemy@2.1.9,aiomysql@0.3.2",
        Some("aiomysql"),
    ),
    mysql("mysql2", true, "mysql2@3.26.1", None),
    other("celery", false, "amqp", "celery@5.7.0"),
    other("pika", false, "amqp", "pika@1.4.4"),
    other("amqplib", true, "amqp", "amqplib@2.3.1"),
    other("pyjwt", false, "jwt", "pyjwt@2.15.1"),
    other("jsonwebtoken", true, "jwt", "jsonwebtoken@9.0.3"),
];

const fn pg(
    id: &'static str,
    node: bool,
    railconn: &'static str,
    dialect: Option<&'static str>,
) -> Driver {
    Driver {
        id,
        node,
        family: "pg",
        check: "postgres",
        railconn,
        dialect,
    }
}

/// A MySQL driver: its URL fills the database check (`DATABASE_URL`).
const fn mysql(
    id: &'static str,
    node: bool,
    railconn: &'static str,
    dialect: Option<&'static str>,
) -> Driver {
    Driver {
        id,
        node,
        family: "mysql",
        check: "postgres",
        railconn,
        dialect,
    }
}

const fn other(
    id: &'static str,
    node: bool,
    check: &'static str,
    railconn: &'static str,
) -> Driver {
    Driver {
        id,
        node,
        family: check,
        check,
        railconn,
        dialect: None,
    }
}

/// The drivers a table row's `drivers` column names.
fn drivers_of(column: &str) -> Vec<&'static Driver> {
    let ids: Vec<&str> = match column {
        "pg" | "mysql" | "redis" | "amqp" | "jwt" => DRIVERS
            .iter()
            .filter(|d| d.family == column)
            .map(|d| d.id)
            .collect(),
        list => list.split(',').collect(),
    };
    ids.iter()
        .map(|id| {
            DRIVERS
                .iter()
                .find(|d| d.id == *id)
                .unwrap_or_else(|| panic!("cases.tsv: unknown driver {id}"))
        })
        .collect()
}

/// One case: a driver, the URL (empty for JWT) and the environment.
struct Case {
    name: String,
    driver: &'static Driver,
    url: String,
    env: Vec<(String, String)>,
}

/// The values the table's placeholders stand for, the RabbitMQ user and
/// vhosts they name, and the MariaDB accounts the run created (both
/// deleted when the run ends).
struct Places(
    Vec<(&'static str, String)>,
    #[expect(dead_code, reason = "held for its Drop, which deletes them")] RabbitScratch,
    #[expect(
        dead_code,
        reason = "held only so that the accounts are dropped after the run"
    )]
    Vec<Account<'static>>,
);

impl Places {
    /// Starts every server the table names, and installs the drivers, in
    /// parallel (initdb and a first install are the slow parts).
    fn start(scratch: &Path) -> Places {
        let (tls, plain, bouncer, auth, open, tls_redis, tls_rabbit) = thread::scope(|s| {
            s.spawn(mariadb_tls);
            let tls = s.spawn(|| pg_tls().port);
            let plain = s.spawn(|| pg_plain().port);
            let bouncer = s.spawn(|| pgbouncer_reset_always().port);
            let auth = s.spawn(|| redis_auth().port);
            let open = s.spawn(|| redis_open().port);
            let tls_redis = s.spawn(|| redis_tls().port);
            let tls_rabbit = s.spawn(|| rabbit_tls().port);
            s.spawn(fixtures);
            let j = |h: thread::ScopedJoinHandle<'_, u16>| h.join().expect("server start");
            (
                j(tls),
                j(plain),
                j(bouncer),
                j(auth),
                j(open),
                j(tls_redis),
                j(tls_rabbit),
            )
        });
        let sock = pg_plain()
            .data_dir
            .parent()
            .expect("scratch dir")
            .join("sock")
            .display()
            .to_string();
        let pki = pki();
        let rabbit = RabbitScratch::new();
        let (shared, tls_mariadb) = (mariadb_shared(), mariadb_tls());
        let accounts = vec![
            shared.account("matrix", ""),
            tls_mariadb.account("matrix", ""),
            tls_mariadb.account("matrixssl", "REQUIRE SSL"),
            tls_mariadb.ed25519_account("matrixed", "ed-pw-matrix"),
        ];
        let mysql = vec![
            ("{MT}", tls_mariadb.port.to_string()),
            ("{M}", shared.port.to_string()),
            ("{MEP}", accounts[3].password.clone()),
            ("{ME}", accounts[3].name.clone()),
            ("{MSP}", accounts[2].password.clone()),
            ("{MS}", accounts[2].name.clone()),
            ("{MP}", accounts[0].password.clone()),
            ("{MU}", accounts[0].name.clone()),
        ];
        let mut places = Places(
            vec![
                ("{ru}", rabbit.user.clone()),
                ("{rp}", rabbit.password.clone()),
                ("{rv}", rabbit.vhost.clone()),
                ("{rf}", rabbit.forbidden.clone()),
                ("{R}", RABBITMQ_PORT.to_string()),
                ("{RT}", tls_rabbit.to_string()),
                ("{T}", tls.to_string()),
                ("{P}", plain.to_string()),
                ("{B}", bouncer.to_string()),
                ("{C}", closed_port().to_string()),
                ("{A}", auth.to_string()),
                ("{O}", open.to_string()),
                ("{S}", tls_redis.to_string()),
                ("{ca}", pki.ca_cert.display().to_string()),
                ("{other_ca}", pki.other_ca_cert.display().to_string()),
                (
                    "{missing}",
                    scratch.join("missing.crt").display().to_string(),
                ),
                ("{psock_enc}", percent_encode(&sock)),
                ("{psock}", sock),
                ("{pooler}", POOLER_HOST.to_string()),
            ],
            rabbit,
            accounts,
        );
        places.0.extend(mysql);
        places
    }

    /// `text` with the run's ports and paths put back as placeholders, so
    /// that what the ratchet file records is the same from run to run.
    /// (`{C}` is port 1: replacing it would rewrite every digit 1.)
    fn unfill(&self, text: &str) -> String {
        self.0
            .iter()
            .filter(|(key, _)| *key != "{C}")
            .fold(text.to_string(), |text, (key, value)| {
                text.replace(value, key)
            })
    }

    fn fill(&self, text: &str) -> String {
        self.0.iter().fold(text.to_string(), |text, (key, value)| {
            text.replace(key, value)
        })
    }
}

fn matrix_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/matrix")
}

/// The table's rows, expanded to one case per driver.
fn cases(places: &Places) -> Vec<Case> {
    let text = std::fs::read_to_string(matrix_dir().join("cases.tsv")).expect("read cases.tsv");
    let mut cases = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 4, "cases.tsv: four columns in {line:?}");
        let drivers = drivers_of(cols[1]);
        for driver in &drivers {
            let name = if drivers.len() == 1 {
                cols[0].to_string()
            } else {
                format!("{}_{}", driver.id, cols[0])
            };
            cases.push(Case {
                name,
                driver,
                url: url_for(driver, &places.fill(cols[2])),
                env: env_of(&places.fill(cols[3])),
            });
        }
    }
    cases
}

/// The row's URL as the driver's app writes it (SQLAlchemy's dialect
/// prefix); `-` is no URL.
fn url_for(driver: &Driver, url: &str) -> String {
    match (url, driver.dialect) {
        ("-", _) => String::new(),
        (url, Some(dialect)) => ["postgresql", "mysql"]
            .iter()
            .find_map(|scheme| {
                let rest = url.strip_prefix(scheme)?.strip_prefix("://")?;
                Some(format!("{scheme}+{dialect}://{rest}"))
            })
            .unwrap_or_else(|| url.to_string()),
        (url, None) => url.to_string(),
    }
}

fn env_of(column: &str) -> Vec<(String, String)> {
    if column == "-" {
        return Vec::new();
    }
    column
        .split(" | ")
        .map(|pair| {
            let (key, value) = pair.split_once('=').expect("cases.tsv: KEY=VALUE");
            (key.to_string(), value.replace("\\n", "\n"))
        })
        .collect()
}

/// A private mount namespace where name lookups read the namespace's own
/// hosts file only (its own nsswitch.conf, and a resolv.conf naming a
/// loopback resolver that does not exist), as `support::without_dns`
/// makes for one run: a mangled URL can make a driver (or railconn) look
/// up a name such as `[::1]` or `127.0.0.1,127.0.0.1`, and no such query
/// may leave the machine. The hosts file is the machine's plus
/// [`POOLER_HOST`] on loopback.
struct HostsOnly {
    dir: tempfile::TempDir,
}

/// The name the matrix's PgBouncer answers at: a Neon pooler endpoint's
/// shape (`ep-…-pooler.REGION.aws.neon.tech`, PgBouncer in transaction
/// mode by Neon's docs, "Connection pooling"), so railconn knows the
/// pooler the way it knows a real provider's — by its name, without a
/// round trip — while the drivers and railconn reach the loopback
/// PgBouncer through the namespace's hosts file. No lookup of it leaves
/// the machine.
const POOLER_HOST: &str = "ep-railconn-matrix-000000-pooler.us-east-2.aws.neon.tech";

const HOSTS_ONLY: &str = r#"mount --bind "$1" /etc/nsswitch.conf && mount --bind "$2" /etc/resolv.conf && mount --bind "$3" /etc/hosts && shift 3 && exec "$@""#;

impl HostsOnly {
    /// `None` when this machine cannot make mount namespaces.
    fn new() -> Option<HostsOnly> {
        let dir = tempfile::tempdir().expect("hosts-only dir");
        std::fs::write(dir.path().join("nsswitch.conf"), "hosts: files\n").expect("nsswitch.conf");
        std::fs::write(
            dir.path().join("resolv.conf"),
            "nameserver 127.0.0.9\noptions timeout:1 attempts:1\n",
        )
        .expect("resolv.conf");
        let machine = std::fs::read_to_string("/etc/hosts")
            .unwrap_or_else(|_| "127.0.0.1 localhost\n::1 localhost\n".to_string());
        std::fs::write(
            dir.path().join("hosts"),
            format!("{machine}\n127.0.0.1 {POOLER_HOST}\n"),
        )
        .expect("hosts");
        let hosts = HostsOnly { dir };
        let works = hosts
            .command(Path::new("true"))
            .output()
            .is_ok_and(|o| o.status.success());
        works.then_some(hosts)
    }

    /// The arguments that run a program inside the namespace.
    fn prefix(&self) -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = ["--mount", "sh", "-c", HOSTS_ONLY, "sh"]
            .iter()
            .map(Into::into)
            .collect();
        args.push(self.dir.path().join("nsswitch.conf").into());
        args.push(self.dir.path().join("resolv.conf").into());
        args.push(self.dir.path().join("hosts").into());
        args
    }

    /// `program` run inside the namespace.
    fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new("unshare");
        cmd.args(self.prefix()).arg(program);
        cmd
    }
}

/// What one side said about a case: whether the app would work, and why
/// not (the driver's error, or railconn's code and message).
#[derive(Clone)]
struct Verdict {
    ok: bool,
    said: String,
    /// How long the side took on the case, in milliseconds.
    ms: u64,
}

/// Runs `cases` through one driver process; its answers by case name.
fn run_language(
    hosts: &HostsOnly,
    program: &Path,
    script: &str,
    cases: &[&Case],
    env: &[(String, String)],
) -> HashMap<String, Verdict> {
    let home = tempfile::tempdir().expect("driver home");
    let mut child = hosts
        .command(program)
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/support")
                .join(script),
        )
        .env("HOME", home.path())
        .env("NODE_PATH", &fixtures().node_modules)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {script}: {e}"));
    let mut stdin = child.stdin.take().expect("driver stdin");
    let lines: Vec<String> = cases.iter().map(|c| case_json(c).to_string()).collect();
    let writer = thread::spawn(move || {
        for line in lines {
            writeln!(stdin, "{line}").expect("write a case");
        }
    });
    let answers = BufReader::new(child.stdout.take().expect("driver stdout"))
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(&line.expect("driver line")).expect("driver JSON");
            let verdict = Verdict {
                ok: v["ok"] == true,
                said: v["said"].as_str().unwrap_or_default().to_string(),
                ms: v["ms"].as_u64().unwrap_or_default(),
            };
            (v["name"].as_str().unwrap_or_default().to_string(), verdict)
        })
        .collect();
    writer.join().expect("case writer");
    child.wait().expect("driver process");
    answers
}

fn case_json(case: &Case) -> Value {
    let env: serde_json::Map<String, Value> = case
        .env
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    json!({"name": case.name, "driver": case.driver.id, "url": case.url, "env": env})
}

/// Every case through its real driver: one Python process, and one Node
/// process per value of `NODE_EXTRA_CA_CERTS` (Node reads it at start).
fn run_drivers(hosts: &HostsOnly, cases: &[Case]) -> HashMap<String, Verdict> {
    let python: Vec<&Case> = cases.iter().filter(|c| !c.driver.node).collect();
    let mut node_groups: BTreeMap<Option<String>, Vec<&Case>> = BTreeMap::new();
    for case in cases.iter().filter(|c| c.driver.node) {
        let extra = case
            .env
            .iter()
            .find(|(k, _)| k == "NODE_EXTRA_CA_CERTS")
            .map(|(_, v)| v.clone());
        node_groups.entry(extra).or_default().push(case);
    }
    thread::scope(|s| {
        let py =
            s.spawn(|| run_language(hosts, &fixtures().python, "matrix_driver.py", &python, &[]));
        let nodes: Vec<_> = node_groups
            .iter()
            .map(|(extra, group)| {
                let env: Vec<(String, String)> = extra
                    .iter()
                    .map(|v| ("NODE_EXTRA_CA_CERTS".to_string(), v.clone()))
                    .collect();
                s.spawn(move || {
                    run_language(hosts, Path::new("node"), "matrix_driver.js", group, &env)
                })
            })
            .collect();
        let mut all = py.join().expect("python driver");
        for node in nodes {
            all.extend(node.join().expect("node driver"));
        }
        all
    })
}

/// railconn's verdict on one case: `check --only CHECK --driver NAME@VER`
/// with the case's URL and environment.
fn run_railconn(hosts: &HostsOnly, case: &Case) -> Verdict {
    let started = Instant::now();
    let mut run = Railconn::new("unshare");
    run.args(hosts.prefix())
        .args([env!("CARGO_BIN_EXE_railconn")]);
    // A Celery app's broker URL is a check named after its variable.
    let check = match case.driver.check {
        "amqp" => "CELERY_BROKER_URL",
        other => other,
    };
    match check {
        "postgres" => run.env("DATABASE_URL", &case.url),
        "redis" => run.env("REDIS_URL", &case.url),
        "CELERY_BROKER_URL" => run.env(check, &case.url),
        _ => &mut run,
    };
    for (k, v) in &case.env {
        run.env(k, v);
    }
    run.args(["check", "--json", "--no-env-file", "--only", check]);
    for driver in case.driver.railconn.split(',').filter(|d| !d.is_empty()) {
        run.args(["--driver", driver]);
    }
    let out = run.run();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let said = report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["name"] == check))
        .map_or_else(
            || String::from_utf8_lossy(&out.stderr).trim().to_string(),
            railconn_said,
        );
    Verdict {
        ok: out.status.code() == Some(0),
        said,
        ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

/// A check's decisive error (`code: message`), or its status and the codes
/// of its warnings when it passed.
fn railconn_said(check: &Value) -> String {
    if let Some(code) = check["error"]["code"].as_str() {
        let message = check["error"]["message"].as_str().unwrap_or_default();
        return format!("{code}: {message}");
    }
    let warnings: Vec<&str> = check["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["severity"] == "warn")
        .filter_map(|f| f["code"].as_str())
        .collect();
    format!(
        "{} [{}]",
        check["status"].as_str().unwrap_or("?"),
        warnings.join(", ")
    )
}

/// railconn on every case, [`RAILCONN_PARALLEL`] at a time.
fn run_railconns(hosts: &HostsOnly, cases: &[Case]) -> HashMap<String, Verdict> {
    let next = AtomicUsize::new(0);
    let answers = Mutex::new(HashMap::new());
    thread::scope(|s| {
        for _ in 0..RAILCONN_PARALLEL {
            s.spawn(|| {
                while let Some(case) = cases.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let verdict = run_railconn(hosts, case);
                    answers
                        .lock()
                        .expect("answers")
                        .insert(case.name.clone(), verdict);
                }
            });
        }
    });
    answers.into_inner().expect("answers")
}

/// Every case with both verdicts, for reading a run (not committed).
fn all_cases(
    cases: &[Case],
    places: &Places,
    drivers: &HashMap<String, Verdict>,
    railconns: &HashMap<String, Verdict>,
) -> String {
    let mut out =
        String::from("case\tdriver ok\tms\trailconn ok\tms\tdriver said\trailconn said\n");
    for case in cases {
        let (real, ours) = (&drivers[&case.name], &railconns[&case.name]);
        let _ = writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            case.name,
            real.ok,
            real.ms,
            ours.ok,
            ours.ms,
            one_line(&redact(&real.said, case, places)),
            one_line(&redact(&ours.said, case, places))
        );
    }
    out
}

/// The slowest cases of one side, for the time budget.
fn slowest(side: &str, verdicts: &HashMap<String, Verdict>) -> String {
    let mut all: Vec<(&String, u64)> = verdicts.iter().map(|(n, v)| (n, v.ms)).collect();
    all.sort_by_key(|(_, ms)| std::cmp::Reverse(*ms));
    let top: Vec<String> = all
        .iter()
        .take(5)
        .map(|(n, ms)| format!("{n} {ms} ms"))
        .collect();
    format!("slowest {side}: {}\n", top.join(", "))
}

/// `work()`'s result and the seconds it took.
fn timed<T>(work: impl FnOnce() -> T) -> (T, f64) {
    let started = Instant::now();
    let result = work();
    (result, started.elapsed().as_secs_f64())
}

/// The two kinds of disagreement; the first is the dangerous one.
const READY_BUT_FAILS: &str = "READY-BUT-DRIVER-FAILS";
const NOT_READY_BUT_CONNECTS: &str = "NOT-READY-BUT-DRIVER-CONNECTS";

/// A case where railconn and the driver disagree.
struct Gap {
    name: String,
    driver: &'static str,
    direction: &'static str,
    driver_said: String,
    railconn_said: String,
}

/// The listed gaps of a ratchet file: name → (direction, reason).
fn listed(file: &str) -> Listed {
    let text = std::fs::read_to_string(matrix_dir().join(file)).unwrap_or_default();
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut cols = l.splitn(3, '\t');
            let name = cols.next().unwrap_or_default().to_string();
            let direction = cols.next().unwrap_or_default().to_string();
            (
                name,
                (direction, cols.next().unwrap_or_default().to_string()),
            )
        })
        .collect()
}

/// Secrets of the table, hidden from what the test prints and writes.
fn redact(text: &str, case: &Case, places: &Places) -> String {
    const SECRETS: &[&str] = &[
        "app-secret-pw-1",
        "tlsonly-secret-pw",
        "nossl-secret-pw",
        "md5-secret-pw",
        "hash#secret-pw",
        "hash%23secret-pw",
        "space secret-pw",
        "space%20secret-pw",
        "at@colon:secret-pw",
        "at%40colon%3Asecret-pw",
        "redis-secret-pw",
        "alice-secret-pw",
    ];
    let env_values = case
        .env
        .iter()
        .filter(|(k, _)| k.contains("SECRET"))
        .map(|(_, v)| v.as_str());
    SECRETS
        .iter()
        .copied()
        .chain(env_values.filter(|v| v.trim().len() >= 6))
        .fold(places.unfill(text), |text, secret| {
            text.replace(secret, "***")
        })
}

fn gaps(
    cases: &[Case],
    places: &Places,
    drivers: &HashMap<String, Verdict>,
    railconns: &HashMap<String, Verdict>,
) -> Vec<Gap> {
    cases
        .iter()
        .filter_map(|case| {
            let real = drivers
                .get(&case.name)
                .unwrap_or_else(|| panic!("no driver answer for {}", case.name));
            let ours = &railconns[&case.name];
            if real.ok == ours.ok {
                return None;
            }
            Some(Gap {
                name: case.name.clone(),
                driver: case.driver.id,
                direction: if ours.ok {
                    READY_BUT_FAILS
                } else {
                    NOT_READY_BUT_CONNECTS
                },
                driver_said: redact(&real.said, case, places),
                railconn_said: redact(&ours.said, case, places),
            })
        })
        .collect()
}

/// The agreement per driver and overall, then every disagreement.
fn summary(cases: &[Case], gaps: &[Gap]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "driver\tcases\tagree\t%\tready-but-fails\tnot-ready-but-connects"
    );
    let mut rows: Vec<(&str, usize, usize, usize)> = DRIVERS
        .iter()
        .map(|d| {
            let n = cases.iter().filter(|c| c.driver.id == d.id).count();
            let fails = gaps
                .iter()
                .filter(|g| g.driver == d.id && g.direction == READY_BUT_FAILS)
                .count();
            let connects = gaps
                .iter()
                .filter(|g| g.driver == d.id && g.direction == NOT_READY_BUT_CONNECTS)
                .count();
            (d.id, n, fails, connects)
        })
        .collect();
    let total = rows
        .iter()
        .fold((0, 0, 0), |(n, f, c), r| (n + r.1, f + r.2, c + r.3));
    rows.push(("overall", total.0, total.1, total.2));
    for (id, n, fails, connects) in rows {
        let agree = n - fails - connects;
        #[allow(clippy::cast_precision_loss)]
        let pct = 100.0 * agree as f64 / n.max(1) as f64;
        let _ = writeln!(out, "{id}\t{n}\t{agree}\t{pct:.1}\t{fails}\t{connects}");
    }
    let _ = writeln!(out, "\ndisagreements:");
    for g in gaps {
        let _ = writeln!(
            out,
            "{}\t{}\tdriver: {}\trailconn: {}",
            g.direction, g.name, g.driver_said, g.railconn_said
        );
    }
    out
}

/// One line per gap for `known_gaps.tsv`: what each side said.
fn known_gaps_file(gaps: &[Gap]) -> String {
    let deliberate = listed("deliberate.tsv");
    let mut out = String::from(
        "# Today's disagreements of the differential matrix (tests/matrix.rs):\n\
         # case, direction, reason (what the driver and railconn said). The test\n\
         # fails when a case here agrees again: remove its line. Regenerate with\n\
         # UPDATE_MATRIX=1 cargo test --test integration matrix::\n",
    );
    for g in gaps.iter().filter(|g| !deliberate.contains_key(&g.name)) {
        let reason = format!(
            "driver: {} / railconn: {}",
            one_line(&g.driver_said),
            one_line(&g.railconn_said)
        );
        let _ = writeln!(out, "{}\t{}\t{reason}", g.name, g.direction);
    }
    out
}

fn one_line(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.chars().take(160).collect()
}

/// A ratchet file read: case name → (direction, reason).
type Listed = BTreeMap<String, (String, String)>;

/// The ratchet: what is wrong with the run, given `names` (every case's
/// name), its gaps, and the two lists.
fn ratchet_errors(
    names: &[&str],
    gaps: &[Gap],
    known: &Listed,
    deliberate: &Listed,
) -> Vec<String> {
    let mut errors = deliberate_errors(deliberate);
    for g in gaps {
        match deliberate.get(&g.name).or_else(|| known.get(&g.name)) {
            None => errors.push(format!(
                "new disagreement {} {}: driver: {} / railconn: {}",
                g.direction, g.name, g.driver_said, g.railconn_said
            )),
            Some((direction, _)) if direction != g.direction => {
                errors.push(format!(
                    "{}: listed as {direction}, now {}",
                    g.name, g.direction
                ));
            }
            Some(_) => {}
        }
    }
    for name in known.keys().chain(deliberate.keys()) {
        if !names.contains(&name.as_str()) {
            errors.push(format!("{name}: listed but not a case of cases.tsv"));
        } else if !gaps.iter().any(|g| &g.name == name) {
            errors.push(format!(
                "{name}: listed as a gap but railconn now agrees with the driver: remove it from the list"
            ));
        }
    }
    errors
}

/// The deliberate table's own rules (issue 20): at most ten rows, and never
/// one where railconn says ready while the driver fails.
fn deliberate_errors(deliberate: &Listed) -> Vec<String> {
    let mut errors = Vec::new();
    if deliberate.len() > MAX_DELIBERATE {
        errors.push(format!(
            "deliberate.tsv has {} rows; at most {MAX_DELIBERATE}",
            deliberate.len()
        ));
    }
    for (name, (direction, _)) in deliberate {
        if direction != NOT_READY_BUT_CONNECTS {
            errors.push(format!(
                "deliberate.tsv: {name}: only {NOT_READY_BUT_CONNECTS} may be deliberate"
            ));
        }
    }
    errors
}

#[test]
fn railconn_agrees_with_the_real_drivers() {
    let started = Instant::now();
    let Some(hosts) = HostsOnly::new() else {
        eprintln!("skipped: no mount namespace here, so no way to keep the drivers off DNS");
        return;
    };
    let scratch = tempfile::tempdir().expect("scratch dir");
    let places = Places::start(scratch.path());
    let cases = cases(&places);
    assert!(
        cases.len() >= 300,
        "the matrix has {} cases; issue 20 asks for 300",
        cases.len()
    );
    for d in DRIVERS {
        let n = cases.iter().filter(|c| c.driver.id == d.id).count();
        assert!(
            n >= 20,
            "{} has {n} cases; issue 20 asks for 20 per driver",
            d.id
        );
    }
    let servers = started.elapsed();
    let (drivers, railconns) = thread::scope(|s| {
        let drivers = s.spawn(|| timed(|| run_drivers(&hosts, &cases)));
        let railconns = timed(|| run_railconns(&hosts, &cases));
        (drivers.join().expect("drivers"), railconns)
    });
    let gaps = gaps(&cases, &places, &drivers.0, &railconns.0);
    let mut report = summary(&cases, &gaps);
    let _ = writeln!(
        report,
        "\nwall time {:.1} s: servers and driver install {:.1} s, then drivers {:.1} s alongside railconn {:.1} s",
        started.elapsed().as_secs_f64(),
        servers.as_secs_f64(),
        drivers.1,
        railconns.1
    );
    report.push_str(&slowest("drivers", &drivers.0));
    report.push_str(&slowest("railconn", &railconns.0));
    println!("{report}");
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let _ = std::fs::write(tmp.join("matrix-report.tsv"), &report);
    let _ = std::fs::write(
        tmp.join("matrix-cases.tsv"),
        all_cases(&cases, &places, &drivers.0, &railconns.0),
    );
    let page = matrix_page(&cases, &gaps, &drivers.0);
    let page_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/driver-matrix.md");
    if std::env::var_os("UPDATE_MATRIX").is_some() {
        std::fs::write(matrix_dir().join("known_gaps.tsv"), known_gaps_file(&gaps))
            .expect("write known_gaps.tsv");
        std::fs::write(&page_path, &page).expect("write docs/driver-matrix.md");
        return;
    }
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    let errors = ratchet_errors(
        &names,
        &gaps,
        &listed("known_gaps.tsv"),
        &listed("deliberate.tsv"),
    );
    assert!(
        errors.is_empty(),
        "the matrix changed:\n{}",
        errors.join("\n")
    );
    let committed = std::fs::read_to_string(&page_path).unwrap_or_default();
    assert!(
        committed == page,
        "docs/driver-matrix.md is not what this run saw: run \
         UPDATE_MATRIX=1 cargo test --test integration matrix:: and commit it"
    );
}

/// docs/driver-matrix.md (issue 20 item 6, "Your driver decides"): the
/// table the test runs, with what each real driver did on each row and
/// whether railconn agreed, generated from this run so that the page
/// cannot say what the drivers no longer do.
fn matrix_page(cases: &[Case], gaps: &[Gap], drivers: &HashMap<String, Verdict>) -> String {
    let mut out = String::from(
        "# Your driver decides: the differential matrix\n\n\
         <!-- Generated by tests/matrix.rs from tests/matrix/cases.tsv and a run of the real \
         drivers; rewrite it with `UPDATE_MATRIX=1 cargo test --test integration matrix::`. -->\n\n\
         Every row of [`tests/matrix/cases.tsv`](../tests/matrix/cases.tsv) is a URL shape, a \
         server condition and an environment; every column a real driver, pinned. Each case runs \
         the driver (connect and `SELECT 1` ten times, `PING`, or sign and verify a token) and \
         `railconn check --driver` on the same URL, environment and servers \
         ([drivers.md](drivers.md) says what each driver does differently). A cell is what the \
         driver did: **ok** it connected, **fails** it did not; railconn agreed unless the cell \
         says otherwise. *railconn stricter* marks a case where the driver connects and railconn \
         says not ready: a listed gap ([`known_gaps.tsv`](../tests/matrix/known_gaps.tsv)) or a \
         deliberate difference ([`deliberate.tsv`](../tests/matrix/deliberate.tsv), with its \
         reason). The test fails on any other disagreement, and a case where railconn says \
         ready while the driver fails can never be listed.\n\n\
         Placeholders: `{T}` PostgreSQL 15 with TLS (a private CA), `{P}` without TLS, `{B}` \
         PgBouncer 1.18 in transaction mode, `{A}`/`{O}`/`{S}` Redis 7 with a password, without, \
         TLS-only, `{M}`/`{MT}` MariaDB 10.11 without and with TLS, `{R}` RabbitMQ 3.10, `{RT}` a RabbitMQ \
         node of the test's own that speaks only TLS (the private CA); the \
         table's header says the rest.\n\n## Agreement\n\n\
         | driver | version | cases | agree | railconn stricter |\n| --- | --- | ---: | ---: | ---: |\n",
    );
    let stricter = |name: &str| gaps.iter().any(|g| g.name == name);
    for d in DRIVERS {
        let mine: Vec<&Case> = cases.iter().filter(|c| c.driver.id == d.id).collect();
        let apart = mine.iter().filter(|c| stricter(&c.name)).count();
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {apart} |",
            d.id,
            d.railconn,
            mine.len(),
            mine.len() - apart
        );
    }
    let text = std::fs::read_to_string(matrix_dir().join("cases.tsv")).expect("read cases.tsv");
    let rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
        .collect();
    for (family, title) in [
        ("pg", "PostgreSQL"),
        ("mysql", "MySQL and MariaDB"),
        ("redis", "Redis"),
        ("amqp", "RabbitMQ"),
        ("jwt", "JWT"),
    ] {
        let columns: Vec<&Driver> = DRIVERS.iter().filter(|d| d.family == family).collect();
        let _ = write!(out, "\n## {title}\n\n| case | URL | environment |");
        for d in &columns {
            let _ = write!(out, " {} |", d.id);
        }
        let _ = write!(
            out,
            "\n| --- | --- | --- |{}\n",
            " --- |".repeat(columns.len())
        );
        for row in rows.iter().filter(|r| drivers_of(r[1])[0].family == family) {
            let of_row = drivers_of(row[1]);
            let _ = write!(
                out,
                "| {} | {} | {} |",
                row[0],
                cell_code(row[2]),
                cell_code(row[3])
            );
            for d in &columns {
                let cell = if of_row.iter().any(|o| o.id == d.id) {
                    let name = if of_row.len() == 1 {
                        row[0].to_string()
                    } else {
                        format!("{}_{}", d.id, row[0])
                    };
                    match (drivers[&name].ok, stricter(&name)) {
                        (true, false) => "ok",
                        (true, true) => "ok, *railconn stricter*",
                        (false, _) => "fails",
                    }
                } else {
                    ""
                };
                let _ = write!(out, " {cell} |");
            }
            out.push('\n');
        }
    }
    out
}

/// A table cell showing `text` as code (`-`: nothing), its pipes escaped
/// as GitHub's tables need even inside code.
fn cell_code(text: &str) -> String {
    if text == "-" {
        return String::new();
    }
    format!("`{}`", text.replace('|', "\\|"))
}

/// A gap of `name` in `direction`, as the ratchet sees it.
#[cfg(test)]
fn gap(name: &str, direction: &'static str) -> Gap {
    Gap {
        name: name.to_string(),
        driver: "asyncpg",
        direction,
        driver_said: String::new(),
        railconn_said: String::new(),
    }
}

#[cfg(test)]
fn list(rows: &[(&str, &str)]) -> Listed {
    rows.iter()
        .map(|(name, direction)| (name.to_string(), (direction.to_string(), String::new())))
        .collect()
}

#[test]
fn the_ratchet_fails_on_a_new_gap_and_on_a_listed_case_that_agrees() {
    let names = ["a", "b", "c"];
    let known = list(&[("a", READY_BUT_FAILS), ("b", NOT_READY_BUT_CONNECTS)]);
    let none = Listed::new();
    // Today's gaps exactly: nothing to say.
    let today = [gap("a", READY_BUT_FAILS), gap("b", NOT_READY_BUT_CONNECTS)];
    assert!(ratchet_errors(&names, &today, &known, &none).is_empty());
    // c disagrees now, and b agrees now: both fail the run.
    let errors = ratchet_errors(
        &names,
        &[gap("a", READY_BUT_FAILS), gap("c", READY_BUT_FAILS)],
        &known,
        &none,
    );
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].starts_with("new disagreement READY-BUT-DRIVER-FAILS c"));
    assert!(errors[1].starts_with("b: listed as a gap but railconn now agrees"));
    // A gap that turned around is not the listed one.
    let flipped = [
        gap("a", NOT_READY_BUT_CONNECTS),
        gap("b", NOT_READY_BUT_CONNECTS),
    ];
    assert_eq!(ratchet_errors(&names, &flipped, &known, &none).len(), 1);
}

#[test]
fn a_deliberate_difference_is_never_ready_but_driver_fails_and_at_most_ten() {
    let names = ["a"];
    let unsafe_row = list(&[("a", READY_BUT_FAILS)]);
    let errors = ratchet_errors(
        &names,
        &[gap("a", READY_BUT_FAILS)],
        &Listed::new(),
        &unsafe_row,
    );
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let eleven: Vec<(String, &str)> = (0..11)
        .map(|i| (format!("c{i}"), NOT_READY_BUT_CONNECTS))
        .collect();
    let rows: Vec<(&str, &str)> = eleven.iter().map(|(n, d)| (n.as_str(), *d)).collect();
    assert!(deliberate_errors(&list(&rows))[0].contains("at most 10"));
}
