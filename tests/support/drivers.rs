//! The apps' real drivers, for the differential tests of issue 11 and the
//! matrix of issue 20 (`tests/matrix.rs`): node-postgres (`pg`),
//! postgres.js, ioredis, node-redis, amqplib, jsonwebtoken and mysql2 from
//! npm, psycopg 3, psycopg2, asyncpg, SQLAlchemy, redis-py, PyJWT, Celery
//! (kombu, py-amqp), pika, PyMySQL and aiomysql from `PyPI`, pinned,
//! installed once into `target/driver-fixtures` with their download caches
//! beside them, so a re-run needs no network.
//! Each helper runs one connection attempt the way an app makes it and
//! says whether it connected, with what the driver printed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Versions under test: today's releases, and the last ioredis that looks
/// names up for IPv4 only.
pub const NPM_PACKAGES: &[(&str, &str)] = &[
    ("pg", "8.23.1"),
    ("pg-connection-string", "2.14.1"),
    ("ioredis", "6.0.0"),
    ("ioredis-5.8.1", "npm:ioredis@5.8.1"),
    ("postgres", "4.2.0"),
    ("redis", "6.4.0"),
    ("jsonwebtoken", "9.0.3"),
    ("mysql2", "3.26.1"),
    ("amqplib", "2.3.1"),
];
pub const PIP_PACKAGES: &[&str] = &[
    "psycopg[binary]==3.3.9",
    "psycopg2-binary==2.9.13",
    "asyncpg==0.32.0",
    "redis==8.1.0",
    "SQLAlchemy==2.1.9",
    // SQLAlchemy's asyncio engine (`postgresql+asyncpg://`) needs it.
    "greenlet==3.5.6",
    "PyJWT==2.15.1",
    // MySQL: PyMySQL (alone and under SQLAlchemy) and aiomysql; mysqlclient
    // needs the MySQL C client's headers to build, which the machines lack.
    "PyMySQL==1.2.4",
    // PyMySQL signs MariaDB's client_ed25519 with PyNaCl's bindings
    // (`pymysql/_auth.py` `_init_nacl`): the `PyMySQL[ed25519]` extra.
    "PyNaCl==1.6.2",
    "aiomysql==0.3.2",
    // Celery reads the broker URL through kombu, which speaks py-amqp.
    "celery==5.7.0",
    "kombu==5.7.0",
    "amqp==5.4.2",
    "pika==1.4.4",
];

pub struct Fixtures {
    pub node_modules: PathBuf,
    pub python: PathBuf,
}

/// Installs the drivers on first use (in this target directory).
pub fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/driver-fixtures");
        std::fs::create_dir_all(&root).expect("create target/driver-fixtures");
        Fixtures {
            node_modules: install_npm(&root.join("node")),
            python: install_pip(&root.join("venv"), &root.join("pip-cache")),
        }
    })
}

fn install_npm(dir: &Path) -> PathBuf {
    let deps: Vec<String> = NPM_PACKAGES
        .iter()
        .map(|(name, version)| format!("\"{name}\": \"{version}\""))
        .collect();
    let manifest = format!(
        "{{\"name\": \"railconn-driver-fixtures\", \"private\": true, \"dependencies\": {{{}}}}}\n",
        deps.join(", ")
    );
    let marker = dir.join("installed");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(manifest.as_str()) {
        return dir.join("node_modules");
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("package.json"), &manifest).unwrap();
    let cache = dir.join("../npm-cache");
    let status = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--prefer-offline",
            "--cache",
        ])
        .arg(&cache)
        .current_dir(dir)
        .status()
        .expect("run npm (scripts/test installs Node.js and npm)");
    assert!(
        status.success(),
        "npm install of the driver fixtures failed"
    );
    std::fs::write(&marker, &manifest).unwrap();
    dir.join("node_modules")
}

fn install_pip(venv: &Path, cache: &Path) -> PathBuf {
    let python = venv.join("bin/python");
    let wanted = PIP_PACKAGES.join("\n");
    let marker = venv.join("installed");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return python;
    }
    if !python.exists() {
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(venv)
            .status()
            .expect("run python3 (scripts/test installs python3-venv)");
        assert!(status.success(), "python3 -m venv failed");
    }
    // `python -m pip`, not `bin/pip`: a copied target directory keeps
    // `bin/pip`'s shebang pointing at the venv it was copied from.
    let status = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--cache-dir",
        ])
        .arg(cache)
        .args(PIP_PACKAGES)
        .status()
        .expect("run pip");
    assert!(
        status.success(),
        "pip install of the driver fixtures failed"
    );
    std::fs::write(&marker, &wanted).unwrap();
    python
}

/// What a driver did: connected, or failed with what it printed.
#[derive(Debug)]
pub struct Attempt {
    pub connected: bool,
    pub said: String,
}

/// Runs `script` with `program`, `URL` in its environment, an empty HOME
/// (no `~/.postgresql/root.crt`), in a fresh working directory.
pub fn attempt(mut cmd: Command, url: &str) -> Attempt {
    let home = tempfile::tempdir().unwrap();
    let out = cmd
        .env("URL", url)
        .env("HOME", home.path())
        .current_dir(home.path())
        .output()
        .expect("run the driver");
    Attempt {
        connected: out.status.success(),
        said: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// node-postgres: `new Client({ connectionString })`, connect, `SELECT 1`.
pub fn node_postgres(url: &str) -> Attempt {
    node_postgres_with_env(url, &[])
}

/// node-postgres as [`node_postgres`], with `env` set (`PGSSLMODE`…).
pub fn node_postgres_with_env(url: &str, env: &[(&str, &str)]) -> Attempt {
    const SCRIPT: &str = "const { Client } = require('pg');
const c = new Client({ connectionString: process.env.URL, connectionTimeoutMillis: 10000 });
c.connect().then(() => c.query('SELECT 1')).then(
  () => { console.log('connected'); process.exit(0); },
  (e) => { console.log('failed: ' + (e.code || e.message)); process.exit(1); });";
    node_with_env(SCRIPT, url, env)
}

/// ioredis (`package`: `ioredis` or the 5.8.1 alias): connect, `PING`.
pub fn ioredis(package: &str, url: &str) -> Attempt {
    node(&ioredis_script(package), url)
}

/// The script [`ioredis`] runs, for running it elsewhere (a namespace).
pub fn ioredis_script(package: &str) -> String {
    format!(
        "const Redis = require('{package}');
const r = new Redis(process.env.URL, {{ lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000 }});
let seen = null;
r.on('error', (e) => {{ seen = seen || e; }});
r.connect().then(() => r.ping()).then(
  (pong) => {{ console.log('connected: ' + pong); process.exit(0); }},
  (e) => {{ const first = seen || e; console.log('failed: ' + (first.code || first.message)); process.exit(1); }});"
    )
}

fn node(script: &str, url: &str) -> Attempt {
    node_with_env(script, url, &[])
}

/// Runs `script` with Node.js, the fixtures' packages on `NODE_PATH`,
/// `env` set.
pub fn node_with_env(script: &str, url: &str, env: &[(&str, &str)]) -> Attempt {
    let mut cmd = Command::new("node");
    cmd.args(["-e", script])
        .env("NODE_PATH", &fixtures().node_modules)
        .envs(env.iter().copied());
    attempt(cmd, url)
}

/// psycopg2 (libpq): `psycopg2.connect(URL)`.
pub fn psycopg2(url: &str) -> Attempt {
    python(
        "import os, psycopg2\npsycopg2.connect(os.environ['URL']).close()\nprint('connected')",
        url,
    )
}

/// psycopg 3 (libpq): `psycopg.connect(URL)`.
pub fn psycopg(url: &str) -> Attempt {
    python(
        "import os, psycopg\npsycopg.connect(os.environ['URL']).close()\nprint('connected')",
        url,
    )
}

/// redis-py: `redis.Redis.from_url(URL).ping()`.
pub fn redis_py(url: &str) -> Attempt {
    python(
        "import os, redis\nredis.Redis.from_url(os.environ['URL'], socket_timeout=5).ping()\nprint('connected')",
        url,
    )
}

/// asyncpg: `await asyncpg.connect(URL)`.
pub fn asyncpg(url: &str) -> Attempt {
    python(
        "import asyncio, os, asyncpg\n\
async def main():\n    c = await asyncpg.connect(os.environ['URL'], timeout=10)\n    await c.close()\n\
asyncio.run(main())\nprint('connected')",
        url,
    )
}

fn python(script: &str, url: &str) -> Attempt {
    let mut cmd = Command::new(&fixtures().python);
    cmd.args(["-c", script]);
    attempt(cmd, url)
}
