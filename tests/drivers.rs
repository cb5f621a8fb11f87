//! Issue 11: the app's own driver decides. Each difference railconn
//! applies is proven against the real driver (installed by
//! `support::drivers`) and the real test servers: the driver fails or
//! connects exactly as railconn says it will.

use serde_json::Value;

use crate::harness::{check, check_json};
use crate::support::drivers::{self, Attempt};
use crate::support::lifecycle;
use crate::support::{Railconn, pg_tls, pki, railconn, stdout};

/// `railconn check --json --only postgres` in an app directory holding
/// `files`.
fn check_app(files: &[(&str, &str)], url: &str) -> Value {
    let mut run = railconn();
    for (name, text) in files {
        std::fs::write(run.dir.path().join(name), text).unwrap();
    }
    check_json(&mut run, &["--only", "postgres", "--database-url", url]).0
}

fn url(query: &str) -> String {
    pg_tls().url("app", "app-secret-pw-1", "appdb", query)
}

const PACKAGE_JSON_PG: &str =
    r#"{"name": "app", "dependencies": {"pg": "^8.23.1", "express": "^5.0.0"}}"#;
const REQUIREMENTS_PSYCOPG2: &str = "Django==5.2\npsycopg2-binary==2.9.13\n";

fn passed(report: &Value) -> bool {
    check(report, "postgres")["status"] != "fail"
}

fn assert_agree(report: &Value, real: &Attempt, what: &str) {
    assert_eq!(
        passed(report),
        real.connected,
        "{what}: railconn and the real driver disagree.\ndriver said: {}\nreport: {report:#}",
        real.said
    );
}

#[test]
fn node_postgres_fails_require_on_an_untrusted_certificate_where_psycopg2_connects() {
    let url = url("sslmode=require");
    // node-postgres: the real driver fails, railconn says so and names it.
    let node = drivers::node_postgres(&url);
    assert!(!node.connected, "{}", node.said);
    assert!(
        node.said.contains("UNABLE_TO_VERIFY_LEAF_SIGNATURE") || node.said.contains("SELF_SIGNED"),
        "{}",
        node.said
    );
    assert!(
        node.said.contains("aliases for 'verify-full'"),
        "{}",
        node.said
    );
    let report = check_app(&[("package.json", PACKAGE_JSON_PG)], &url);
    assert_agree(&report, &node, "node-postgres, sslmode=require");
    let pg = check(&report, "postgres");
    assert_eq!(pg["error"]["step"], "tls", "{report:#}");
    assert_eq!(pg["error"]["code"], "certificate_invalid", "{report:#}");
    let cause = pg["cause"].as_str().unwrap();
    assert!(
        cause.starts_with("node-postgres (package.json) reads sslmode=require as verify-full"),
        "{cause}"
    );
    let fix = pg["fix"].as_str().unwrap();
    assert!(
        fix.contains("sslrootcert=")
            && fix.contains("uselibpqcompat=true")
            && fix.contains("sslmode=no-verify"),
        "{fix}"
    );
    assert_eq!(report["drivers"]["found"][0]["id"], "node-postgres");
    assert_eq!(report["drivers"]["found"][0]["file"], "package.json");
    assert_eq!(report["ready"], false);

    // psycopg2 (libpq): the same URL connects, and railconn passes it.
    let psycopg2 = drivers::psycopg2(&url);
    assert!(psycopg2.connected, "{}", psycopg2.said);
    let report = check_app(&[("requirements.txt", REQUIREMENTS_PSYCOPG2)], &url);
    assert_agree(&report, &psycopg2, "psycopg2, sslmode=require");
    assert_eq!(report["drivers"]["found"][0]["id"], "psycopg2");
    assert_eq!(report["drivers"]["found"][0]["version"], "2.9.13");
    assert_eq!(report["ready"], true, "{report:#}");

    // Both in one app: the strictest (node-postgres) decides.
    let report = check_app(
        &[
            ("package.json", PACKAGE_JSON_PG),
            ("requirements.txt", REQUIREMENTS_PSYCOPG2),
        ],
        &url,
    );
    assert_eq!(report["ready"], false, "{report:#}");
}

#[test]
fn node_postgres_verifies_prefer_require_and_verify_ca_and_connects_with_the_ca() {
    let ca = pki().ca_cert.display().to_string();
    for query in [
        "sslmode=prefer".to_string(),
        "sslmode=verify-ca".to_string(),
        "sslmode=disable".to_string(),
        format!("sslmode=require&sslrootcert={ca}"),
        format!("sslmode=verify-ca&sslrootcert={ca}"),
        format!("sslmode=verify-full&sslrootcert={ca}"),
        // sslrootcert alone: node-postgres verifies chain and host name.
        format!("sslrootcert={ca}"),
        format!("sslrootcert={}", pki().other_ca_cert.display()),
        // A CA file that is not there: `new Client()` throws ENOENT.
        "sslrootcert=/nonexistent-railconn-ca.pem".to_string(),
        "sslmode=no-verify&sslrootcert=/nonexistent-railconn-ca.pem".to_string(),
        // Compat mode: libpq's meanings, but `no-verify` falls through to
        // a verifying `ssl = {}` and `verify-full` uses Node's CA store.
        "uselibpqcompat=true&sslmode=no-verify".to_string(),
        "uselibpqcompat=true&sslmode=verify-full".to_string(),
        "uselibpqcompat=true&sslmode=require".to_string(),
        format!("uselibpqcompat=true&sslmode=verify-full&sslrootcert={ca}"),
    ] {
        let url = url(&query);
        let node = drivers::node_postgres(&url);
        let report = check_app(&[("package.json", PACKAGE_JSON_PG)], &url);
        assert_agree(&report, &node, &query);
    }
}

#[test]
fn the_driver_flag_overrides_the_manifests() {
    let url = url("sslmode=require");
    let mut run = railconn();
    std::fs::write(run.dir.path().join("package.json"), PACKAGE_JSON_PG).unwrap();
    let (report, _) = check_json(
        &mut run,
        &[
            "--only",
            "postgres",
            "--database-url",
            &url,
            "--driver",
            "psycopg@3.3.9",
        ],
    );
    assert_eq!(report["ready"], true, "{report:#}");
    assert_eq!(report["drivers"]["found"][0]["file"], "--driver");
    let report = check_app_in(&url, &["--driver", "pg@8.23.1"]);
    assert_eq!(report["ready"], false, "{report:#}");
}

/// `railconn check` with `--app-dir` pointing elsewhere than the cwd.
fn check_app_in(url: &str, extra: &[&str]) -> Value {
    let mut run = railconn();
    let mut args = vec!["--only", "postgres", "--database-url", url];
    args.extend_from_slice(extra);
    check_json(&mut run, &args).0
}

#[test]
fn app_dir_is_read_and_no_drivers_is_said_once() {
    let app = tempfile::tempdir().unwrap();
    std::fs::write(app.path().join("package.json"), PACKAGE_JSON_PG).unwrap();
    let url = url("sslmode=require");
    let dir = app.path().display().to_string();
    let report = check_app_in(&url, &["--app-dir", &dir]);
    assert_eq!(report["ready"], false, "{report:#}");

    let mut run: Railconn = railconn();
    let out = run
        .args([
            "check",
            "--no-env-file",
            "--only",
            "postgres",
            "--database-url",
            &url,
        ])
        .run();
    let text = stdout(&out);
    assert_eq!(
        text.matches("No PostgreSQL, Redis, MySQL, AMQP or JWT driver found")
            .count(),
        1,
        "{text}"
    );
    let out = railconn()
        .args([
            "check",
            "--no-env-file",
            "--app-dir",
            "/nonexistent.invalid",
            "--database-url",
            &url,
        ])
        .run();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn node_postgres_own_parameters_connect_as_it_says_and_libpq_refuses_them() {
    for query in ["uselibpqcompat=true&sslmode=require", "sslmode=no-verify"] {
        let url = url(query);
        let node = drivers::node_postgres(&url);
        assert!(node.connected, "{query}: {}", node.said);
        let report = check_app(&[("package.json", PACKAGE_JSON_PG)], &url);
        assert_agree(&report, &node, query);
        // psycopg2 (libpq) refuses both; in an app with both drivers the
        // check fails as psycopg2 does.
        let psycopg2 = drivers::psycopg2(&url);
        assert!(!psycopg2.connected, "{query}: {}", psycopg2.said);
        let report = check_app(
            &[
                ("package.json", PACKAGE_JSON_PG),
                ("requirements.txt", REQUIREMENTS_PSYCOPG2),
            ],
            &url,
        );
        assert_agree(&report, &psycopg2, query);
        let pg = check(&report, "postgres");
        assert_eq!(pg["error"]["code"], "invalid_url");
        // The cause names both drivers; the fix is a URL both read.
        let cause = pg["cause"].as_str().unwrap();
        assert!(cause.contains("node-postgres (package.json)"), "{cause}");
        assert!(cause.contains("psycopg2"), "{cause}");
        let fix = pg["fix"].as_str().unwrap();
        assert!(fix.contains("rejectUnauthorized: false"), "{fix}");
    }
}

/// node-postgres's own parameters on a second database, its reading of
/// `sslrootcert=system` and of `verify-full`, each against the real pg
/// 8.23.1 (walkthrough of 2026-12-02: the fix for a discovered URL said
/// `sslmode=no-verify`, which railconn then refused; the report showed
/// the rewritten query; `verify-full&sslrootcert=system` passed where
/// `new Client()` throws).
#[test]
fn node_postgres_reads_every_postgres_check_and_sslrootcert_as_a_file() {
    let app = |url: &str| {
        let mut run = railconn();
        std::fs::write(run.dir.path().join("package.json"), PACKAGE_JSON_PG).unwrap();
        run.env("ANALYTICS_DATABASE_URL", url);
        let (report, _) = check_json(&mut run, &["--only", "ANALYTICS_DATABASE_URL"]);
        check(&report, "ANALYTICS_DATABASE_URL").clone()
    };
    let agree = |check: &Value, real: &Attempt, what: &str| {
        assert_eq!(
            check["status"] != "fail",
            real.connected,
            "{what}: driver said {}
check: {check:#}",
            real.said
        );
    };
    for query in ["sslmode=no-verify", "uselibpqcompat=true&sslmode=require"] {
        let url = url(query);
        let result = app(&url);
        agree(&result, &drivers::node_postgres(&url), query);
        let target = result["target"].as_str().unwrap();
        assert!(target.ends_with(&format!("?{query}")), "{target}");
        assert!(!target.contains("app-secret-pw-1"), "{target}");
    }
    let system = url("sslmode=verify-full&sslrootcert=system");
    let real = drivers::node_postgres(&system);
    assert!(real.said.contains("ENOENT"), "{}", real.said);
    let result = app(&system);
    agree(&result, &real, "sslrootcert=system");
    assert_eq!(result["error"]["code"], "invalid_url", "{result:#}");
    let full = url("sslmode=verify-full");
    let result = app(&full);
    agree(&result, &drivers::node_postgres(&full), "verify-full");
    let fix = result["fix"].as_str().unwrap();
    assert!(
        fix.starts_with("Give node-postgres the server's CA"),
        "{fix}"
    );
}

/// `PGSSLMODE` with no `sslmode` in the URL: pg reads every mode but
/// `disable` as `ssl: true`, which verifies, and its own `no-verify`
/// (review of 2026-12-02: railconn skipped node-postgres's reading, so
/// `PGSSLMODE=require` passed and `no-verify` was invalid). `PGSSLROOTCERT`
/// is not read by pg at all.
#[test]
fn node_postgres_reads_pgsslmode_but_not_pgsslrootcert() {
    let url = &url("");
    for (mode, rootcert) in [
        ("require", None),
        ("verify-full", None),
        ("no-verify", None),
        ("no-verify", Some("system")),
        ("require", Some(pki().ca_cert.to_str().unwrap())),
    ] {
        let mut env = vec![("PGSSLMODE", mode)];
        env.extend(rootcert.map(|r| ("PGSSLROOTCERT", r)));
        let real = drivers::node_postgres_with_env(url, &env);
        let mut run = railconn();
        std::fs::write(run.dir.path().join("package.json"), PACKAGE_JSON_PG).unwrap();
        for (key, value) in &env {
            run.env(key, value);
        }
        let (report, _) = check_json(&mut run, &["--only", "postgres", "--database-url", url]);
        assert_agree(&report, &real, &format!("{env:?}"));
    }
}

/// Without a CA in the URL node-postgres verifies against Node's own
/// store — its bundled Mozilla list plus `NODE_EXTRA_CA_CERTS` — not the
/// system's (review of 2026-12-02). The test CA is in neither until
/// `NODE_EXTRA_CA_CERTS` names it; then both connect.
#[test]
fn node_postgres_trusts_node_extra_ca_certs() {
    let ca = pki().ca_cert.display().to_string();
    for query in ["sslmode=verify-full", "sslmode=require"] {
        let url = url(query);
        for extra in [None, Some(ca.as_str())] {
            let env: Vec<(&str, &str)> = match extra {
                Some(ca) => vec![("NODE_EXTRA_CA_CERTS", ca)],
                // Not the runner's: the test decides what Node trusts.
                None => vec![("NODE_EXTRA_CA_CERTS", "/nonexistent-railconn-ca.pem")],
            };
            let real = drivers::node_postgres_with_env(&url, &env);
            assert_eq!(
                real.connected,
                extra.is_some(),
                "{query} {env:?}: {}",
                real.said
            );
            let mut run = railconn();
            std::fs::write(run.dir.path().join("package.json"), PACKAGE_JSON_PG).unwrap();
            for (key, value) in &env {
                run.env(key, value);
            }
            let (report, _) = check_json(&mut run, &["--only", "postgres", "--database-url", &url]);
            assert_agree(&report, &real, &format!("{query} {env:?}"));
        }
    }
}

#[test]
fn asyncpg_reads_sslrootcert_system_as_a_file_name() {
    let requirements = "asyncpg==0.32.0\n";
    // A verifying sslmode: asyncpg opens a file named `system` and fails
    // before connecting; railconn says so at the config step.
    let url_system = url("sslmode=verify-full&sslrootcert=system");
    let real = drivers::asyncpg(&url_system);
    assert!(
        !real.connected && real.said.contains("FileNotFoundError"),
        "{}",
        real.said
    );
    let report = check_app(&[("requirements.txt", requirements)], &url_system);
    assert_agree(&report, &real, "asyncpg, verify-full with system roots");
    let pg = check(&report, "postgres");
    assert_eq!(pg["error"]["code"], "invalid_url", "{report:#}");
    let cause = pg["cause"].as_str().unwrap();
    assert!(
        cause.contains("asyncpg 0.32.0 (requirements.txt)"),
        "{cause}"
    );
    assert!(pg["fix"].as_str().unwrap().contains("ca-certificates.crt"));

    // No sslmode: asyncpg's `prefer` does not verify, so it connects to
    // the test server, whose CA no system trusts; railconn agrees.
    let url_prefer = url("sslrootcert=system");
    let real = drivers::asyncpg(&url_prefer);
    assert!(real.connected, "{}", real.said);
    let report = check_app(&[("requirements.txt", requirements)], &url_prefer);
    assert_agree(&report, &real, "asyncpg, system roots without sslmode");

    // psycopg (libpq 16+) reads the same URL as verify-full with the
    // system roots: it fails, and so does railconn, even with asyncpg
    // in the same app (the strictest decides).
    let real = drivers::psycopg(&url_prefer);
    assert!(!real.connected, "{}", real.said);
    let both = "asyncpg==0.32.0\npsycopg[binary]==3.3.9\n";
    let report = check_app(&[("requirements.txt", both)], &url_prefer);
    assert_agree(&report, &real, "psycopg, system roots without sslmode");
}

/// A name with only IPv6 addresses, as Railway's legacy private network
/// has: a network namespace of the test's own, a Redis on a unique local
/// address in it (`fd00:7261:696c::1`; a `::1` hosts entry would not do,
/// since glibc answers an IPv4 lookup of it with 127.0.0.1), and a hosts
/// file that names it `cache6.invalid`, bind-mounted over `/etc/hosts` in
/// the private mount namespace `ip netns exec` makes.
struct Ipv6OnlyName {
    netns: String,
    redis: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

const ULA: &str = "fd00:7261:696c::1";

impl Ipv6OnlyName {
    /// `None` when this machine does not let us make network namespaces.
    fn start() -> Option<Self> {
        let netns = format!("railconn-drv-{}", std::process::id());
        let ip = |args: &[&str]| {
            std::process::Command::new("ip")
                .args(args)
                .status()
                .is_ok_and(|s| s.success())
        };
        if !ip(&["netns", "add", &netns]) {
            return None;
        }
        let up = ip(&["-n", &netns, "link", "set", "lo", "up"])
            && ip(&[
                "-n",
                &netns,
                "addr",
                "add",
                &format!("{ULA}/128"),
                "dev",
                "lo",
                "nodad",
            ]);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("hosts"),
            format!("127.0.0.1 localhost\n{ULA} cache6.invalid\n"),
        )
        .unwrap();
        std::fs::write(dir.path().join("nsswitch.conf"), "hosts: files\n").unwrap();
        let port = lifecycle::free_port();
        let redis = std::process::Command::new("ip")
            .args([
                "netns",
                "exec",
                &netns,
                "redis-server",
                "--port",
                &port.to_string(),
            ])
            .args([
                "--bind",
                ULA,
                "--protected-mode",
                "no",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start redis-server in the namespace");
        let name = Self {
            netns,
            redis,
            port,
            dir,
        };
        assert!(up, "could not set up the namespace's loopback");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !name
            .command("redis-cli", &["-h", ULA, "-p", &port.to_string(), "ping"])
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"PONG"))
        {
            assert!(
                std::time::Instant::now() < deadline,
                "redis in the namespace did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Some(name)
    }

    fn url(&self, query: &str) -> String {
        format!("redis://cache6.invalid:{}{query}", self.port)
    }

    /// `program args…` in the namespace, with its hosts file.
    fn command(&self, program: &str, args: &[&str]) -> std::process::Command {
        let script = r#"mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/nsswitch.conf && shift 2 && exec "$@""#;
        let mut cmd = std::process::Command::new("ip");
        cmd.args(["netns", "exec", &self.netns, "sh", "-c", script, "sh"])
            .arg(self.dir.path().join("hosts"))
            .arg(self.dir.path().join("nsswitch.conf"))
            .arg(program)
            .args(args);
        cmd
    }

    /// The real ioredis `package` connecting to `url` in the namespace.
    fn ioredis(&self, package: &str, url: &str) -> Attempt {
        let script = drivers::ioredis_script(package);
        let mut cmd = self.command("node", &["-e", &script]);
        cmd.env("NODE_PATH", &drivers::fixtures().node_modules);
        drivers::attempt(cmd, url)
    }

    /// railconn, in the namespace, in an app whose lockfile pins ioredis.
    fn railconn(&self, ioredis: &str, url: &str) -> Value {
        let app = tempfile::tempdir().unwrap();
        std::fs::write(
            app.path().join("package.json"),
            r#"{"dependencies": {"ioredis": "*"}}"#,
        )
        .unwrap();
        std::fs::write(
            app.path().join("package-lock.json"),
            format!(r#"{{"lockfileVersion": 3, "packages": {{"node_modules/ioredis": {{"version": "{ioredis}"}}}}}}"#),
        )
        .unwrap();
        let app_dir = app.path().display().to_string();
        let mut run = Railconn::new("ip");
        run.cmd = self.command(
            env!("CARGO_BIN_EXE_railconn"),
            &[
                "check",
                "--json",
                "--no-env-file",
                "--only",
                "redis",
                "--redis-url",
                url,
                "--app-dir",
                &app_dir,
            ],
        );
        run.cmd
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1");
        let out = run.run();
        let report: Value = serde_json::from_str(&stdout(&out)).expect("JSON report");
        crate::harness::validate(&report);
        report
    }
}

impl Drop for Ipv6OnlyName {
    fn drop(&mut self) {
        let _ = self.redis.kill();
        let _ = self.redis.wait();
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.netns])
            .status();
    }
}

fn redis_passed(report: &Value) -> bool {
    check(report, "redis")["status"] != "fail"
}

#[test]
fn ioredis_before_5_8_2_cannot_resolve_an_ipv6_only_name() {
    let Some(name) = Ipv6OnlyName::start() else {
        eprintln!(
            "skipped: no network namespaces here (unit tests in src/driver/redis.rs cover the rule)"
        );
        return;
    };
    let url = name.url("");
    for (package, version) in [("ioredis-5.8.1", "5.8.1"), ("ioredis", "6.0.0")] {
        let real = name.ioredis(package, &url);
        let report = name.railconn(version, &url);
        assert_eq!(
            redis_passed(&report),
            real.connected,
            "ioredis {version}: railconn and the driver disagree.\ndriver said: {}\nreport: {report:#}",
            real.said
        );
        if version == "5.8.1" {
            assert!(real.said.contains("ENOTFOUND"), "{}", real.said);
            let redis = check(&report, "redis");
            assert_eq!(redis["error"]["code"], "dns_not_found", "{report:#}");
            assert!(
                redis["cause"]
                    .as_str()
                    .unwrap()
                    .contains("ioredis 5.8.1 (package-lock.json)")
            );
            assert!(redis["fix"].as_str().unwrap().contains("family=0"));
        } else {
            assert!(real.connected, "{}", real.said);
        }
    }
    // The fix: `?family=0` in the URL, read by ioredis itself.
    let fixed = name.url("?family=0");
    let real = name.ioredis("ioredis-5.8.1", &fixed);
    assert!(real.connected, "{}", real.said);
    assert!(redis_passed(&name.railconn("5.8.1", &fixed)));
}

#[test]
fn node_postgres_without_sslmode_connects_unencrypted() {
    // A role the server admits over TLS only (hostssl): libpq prefers TLS
    // and connects; node-postgres, with no sslmode, does not try TLS.
    let tlsonly = pg_tls().url(
        "tlsonly",
        crate::support::postgres::TLSONLY_PASSWORD,
        "appdb",
        "",
    );
    let node = drivers::node_postgres(&tlsonly);
    assert!(!node.connected, "{}", node.said);
    let report = check_app(&[("package.json", PACKAGE_JSON_PG)], &tlsonly);
    assert_agree(&report, &node, "node-postgres, no sslmode, hostssl only");
    let pg = check(&report, "postgres");
    assert_eq!(pg["error"]["code"], "tls_required", "{report:#}");
    assert!(
        pg["cause"]
            .as_str()
            .unwrap()
            .starts_with("node-postgres (package.json)")
    );
    assert!(pg["fix"].as_str().unwrap().contains("sslmode=no-verify"));
    let psycopg2 = drivers::psycopg2(&tlsonly);
    assert!(psycopg2.connected, "{}", psycopg2.said);
    let report = check_app(&[("requirements.txt", REQUIREMENTS_PSYCOPG2)], &tlsonly);
    assert_agree(&report, &psycopg2, "psycopg2, no sslmode, hostssl only");
    // A role admitted without TLS: both connect, node-postgres unencrypted.
    let url = url("");
    let node = drivers::node_postgres(&url);
    let report = check_app(&[("package.json", PACKAGE_JSON_PG)], &url);
    assert_agree(&report, &node, "node-postgres, no sslmode");
    assert_eq!(crate::harness::status(&report, "postgres", "tls"), "skip");
}

#[test]
fn the_text_report_names_the_driver_and_the_fix() {
    let mut run = railconn();
    std::fs::write(run.dir.path().join("package.json"), PACKAGE_JSON_PG).unwrap();
    let url = url("sslmode=require");
    let out = run
        .args([
            "check",
            "--no-env-file",
            "--only",
            "postgres",
            "--database-url",
            &url,
        ])
        .run();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    for expected in [
        "Judged as the app's drivers: node-postgres (package.json)",
        "certificate_invalid at tls",
        "node-postgres (package.json) reads sslmode=require as verify-full",
        "Give node-postgres the server's CA: add sslrootcert=",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
}

#[test]
fn discovered_targets_are_judged_by_the_same_drivers() {
    let mut run = railconn();
    std::fs::write(run.dir.path().join("package.json"), PACKAGE_JSON_PG).unwrap();
    let replica = format!("replica={}", url("sslmode=require"));
    let (report, _) = check_json(
        &mut run,
        &[
            "--skip",
            "redis,jwt",
            "--database-url",
            &url("sslmode=disable"),
            "--target",
            &replica,
        ],
    );
    assert_eq!(check(&report, "postgres")["status"], "pass", "{report:#}");
    let replica = check(&report, "replica");
    assert_eq!(
        replica["error"]["code"], "certificate_invalid",
        "{report:#}"
    );
    assert!(
        replica["cause"]
            .as_str()
            .unwrap()
            .starts_with("node-postgres (package.json)")
    );
}

/// `?password=`: the real redis-py and ioredis authenticate with it, and
/// railconn judging by them passes; with no driver known railconn judges
/// as redis-rs, which ignores it, as node-redis does.
#[test]
fn redis_py_and_ioredis_read_the_query_password() {
    let port = crate::support::redis_auth().port;
    let url = format!("redis://127.0.0.1:{port}/0?password=redis-secret-pw");
    for (real, driver) in [
        (drivers::redis_py(&url), "redis-py@8.1.0"),
        (drivers::ioredis("ioredis", &url), "ioredis@6.0.0"),
    ] {
        assert!(real.connected, "{driver}: {}", real.said);
        let (report, _) = check_json(
            &mut railconn(),
            &["--only", "redis", "--redis-url", &url, "--driver", driver],
        );
        assert!(redis_passed(&report), "{driver}: {report:#}");
    }
}

/// SQLAlchemy's asyncpg dialect: `create_async_engine(URL)`, connect,
/// `SELECT 1`.
fn sqlalchemy_asyncpg(url: &str) -> Attempt {
    let mut cmd = std::process::Command::new(&drivers::fixtures().python);
    cmd.args([
        "-c",
        "import asyncio, os, sqlalchemy\n\
from sqlalchemy.ext.asyncio import create_async_engine\n\
async def main():\n    e = create_async_engine(os.environ['URL'])\n    async with e.connect() as c:\n        await c.execute(sqlalchemy.text('SELECT 1'))\n    await e.dispose()\n\
asyncio.run(main())\nprint('connected')",
    ]);
    drivers::attempt(cmd, url)
}

/// The fix railconn printed for `url`, applied as printed: "Write NEW
/// instead of OLD" replaces OLD, "Remove `P` from the URL" removes the
/// parameter, "… as %23" encodes the `#`.
fn apply_fix(url: &str, fix: &str) -> String {
    if let Some((new, old)) = fix
        .strip_prefix("Write ")
        .and_then(|rest| rest.split_once(" instead of "))
    {
        let old = old.split([' ', ';', '(']).next().unwrap();
        let new = new.split(' ').next().unwrap();
        return url.replace(old, new);
    }
    if let Some(param) = fix
        .strip_prefix("Remove `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(param, _)| param)
    {
        let (base, query) = url.split_once('?').unwrap();
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.starts_with(&format!("{param}=")))
            .collect();
        return if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
    }
    assert!(
        fix.contains("as %23"),
        "a fix this test cannot apply: {fix}"
    );
    let (scheme, rest) = url.split_once("://").unwrap();
    let at = rest.rfind('@').unwrap();
    format!(
        "{scheme}://{}{}",
        rest[..at].replace('#', "%23"),
        &rest[at..]
    )
}

/// Issue 20, item 4: each URL fails with the real driver and with railconn,
/// naming the driver; railconn's fix, applied as printed, makes the real
/// driver connect and railconn pass.
fn refused_then_fixed(driver: &str, real: fn(&str) -> Attempt, url: &str) {
    let before = real(url);
    assert!(!before.connected, "{url}: {}", before.said);
    let report = check_app_in(url, &["--driver", driver]);
    assert!(!passed(&report), "{url}: {report:#}");
    let pg = check(&report, "postgres");
    assert_eq!(pg["error"]["code"], "invalid_url", "{report:#}");
    let fixed = apply_fix(url, pg["fix"].as_str().unwrap());
    let after = real(&fixed);
    assert!(after.connected, "{fixed}: {}", after.said);
    let report = check_app_in(&fixed, &["--driver", driver]);
    assert!(passed(&report), "{fixed}: {report:#}");
}

#[test]
fn sqlalchemy_asyncpg_and_asyncpg_refusals_are_fixed_by_their_own_fix() {
    let tls = |query: &str| url(query).replace("postgresql://", "postgresql+asyncpg://");
    for query in [
        "sslmode=require",
        "application_name=railconn&ssl=require",
        "connect_timeout=3",
        "ssl=true",
    ] {
        refused_then_fixed("asyncpg@0.32.0", sqlalchemy_asyncpg, &tls(query));
    }
    for query in ["ssl=true", "connect_timeout=3", "channel_binding=prefer"] {
        refused_then_fixed("asyncpg@0.32.0", drivers::asyncpg, &url(query));
    }
    let port = crate::support::pg_plain().port;
    let hash = format!("postgresql://hashpw:hash#secret-pw@127.0.0.1:{port}/appdb");
    refused_then_fixed("asyncpg@0.32.0", drivers::asyncpg, &hash);
    refused_then_fixed("pg@8.23.1", drivers::node_postgres, &hash);
}

/// postgres.js 4: `postgres(URL)`, `SELECT 1`, with `env` set.
fn postgres_js(url: &str, env: &[(&str, &str)]) -> Attempt {
    const SCRIPT: &str = "const postgres = require('postgres').default;
const sql = postgres(process.env.URL, { max: 1, connect_timeout: 10, onnotice: () => {} });
sql`SELECT 1`.then(
  () => { console.log('connected'); process.exit(0); },
  (e) => { console.log('failed: ' + (e.code || e.message)); process.exit(1); });";
    drivers::node_with_env(SCRIPT, url, env)
}

/// postgres.js's own plan (issue 20): no TLS unless asked, and Node's CA
/// store when it verifies. Each failure railconn reports names
/// postgres.js, and the fix it prints — applied as printed — makes the real
/// driver connect and railconn pass.
#[test]
fn postgres_js_failures_are_fixed_by_the_printed_fix() {
    let ca = pki().ca_cert.display().to_string();
    let js = ["--driver", "postgres@4.2.0"];
    // A hostssl-only role: postgres.js connects unencrypted and is refused.
    let tlsonly = pg_tls().url("tlsonly", "tlsonly-secret-pw", "appdb", "");
    assert!(!postgres_js(&tlsonly, &[]).connected);
    let report = check_app_in(&tlsonly, &js);
    assert!(!passed(&report), "{report:#}");
    let fix = check(&report, "postgres")["fix"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(fix.starts_with("Add sslmode=require to the URL"), "{fix}");
    let fixed = format!("{tlsonly}?sslmode=require");
    let after = postgres_js(&fixed, &[]);
    assert!(after.connected, "{fixed}: {}", after.said);
    assert!(passed(&check_app_in(&fixed, &js)));
    // ssl=true verifies against Node's store: PGSSLROOTCERT is not read,
    // NODE_EXTRA_CA_CERTS (the printed fix) is.
    let verifying = url("ssl=true");
    assert!(!postgres_js(&verifying, &[("PGSSLROOTCERT", &ca)]).connected);
    let mut run = railconn();
    run.env("PGSSLROOTCERT", &ca);
    let (report, _) = check_json(
        &mut run,
        &[
            "--only",
            "postgres",
            "--database-url",
            &verifying,
            js[0],
            js[1],
        ],
    );
    assert!(!passed(&report), "{report:#}");
    let fix = check(&report, "postgres")["fix"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(fix.contains("NODE_EXTRA_CA_CERTS=/path/to/ca.pem"), "{fix}");
    let after = postgres_js(&verifying, &[("NODE_EXTRA_CA_CERTS", &ca)]);
    assert!(after.connected, "{}", after.said);
    let mut run = railconn();
    run.env("NODE_EXTRA_CA_CERTS", &ca);
    let (report, _) = check_json(
        &mut run,
        &[
            "--only",
            "postgres",
            "--database-url",
            &verifying,
            js[0],
            js[1],
        ],
    );
    assert!(passed(&report), "{report:#}");
}

/// ioredis 6 (`ioredis`) connecting to `url` and `PING`, with `env` set.
fn ioredis_with_env(url: &str, env: &[(&str, &str)]) -> Attempt {
    drivers::node_with_env(&drivers::ioredis_script("ioredis"), url, env)
}

/// ioredis verifies `rediss://` against Node's store: the CA in
/// `SSL_CERT_FILE` (which railconn itself reads) does not make it connect,
/// and railconn, told the driver, fails as it does; the printed fix,
/// `NODE_EXTRA_CA_CERTS`, applied as printed, makes both pass (issue 20).
#[test]
fn ioredis_private_ca_is_fixed_by_node_extra_ca_certs() {
    let ca = pki().ca_cert.display().to_string();
    let url = format!(
        "rediss://:redis-secret-pw@localhost:{}/0",
        crate::support::redis::redis_tls().port
    );
    let ssl_cert_file = [("SSL_CERT_FILE", ca.as_str())];
    assert!(!ioredis_with_env(&url, &ssl_cert_file).connected);
    let args = [
        "--only",
        "redis",
        "--redis-url",
        &url,
        "--driver",
        "ioredis@6.1.0",
    ];
    let mut run = railconn();
    run.env("SSL_CERT_FILE", &ca);
    let (report, _) = check_json(&mut run, &args);
    assert!(!redis_passed(&report), "{report:#}");
    let fix = check(&report, "redis")["fix"].as_str().unwrap().to_string();
    assert!(fix.contains("NODE_EXTRA_CA_CERTS=/path/to/ca.pem"), "{fix}");
    let extra = [("NODE_EXTRA_CA_CERTS", ca.as_str())];
    let after = ioredis_with_env(&url, &extra);
    assert!(after.connected, "{}", after.said);
    let mut run = railconn();
    run.env("NODE_EXTRA_CA_CERTS", &ca);
    let (report, _) = check_json(&mut run, &args);
    assert!(redis_passed(&report), "{report:#}");
}

/// pika 1.4: `BlockingConnection(URLParameters(URL))`, then close.
fn pika(url: &str) -> Attempt {
    let mut cmd = std::process::Command::new(&drivers::fixtures().python);
    cmd.args([
        "-c",
        "import os, pika\n\
c = pika.BlockingConnection(pika.URLParameters(os.environ['URL']))\n\
c.close()\nprint('connected')",
    ]);
    drivers::attempt(cmd, url)
}

/// An app naming pika in its requirements, checking `CELERY_BROKER_URL`.
fn check_pika_app(url: &str) -> Value {
    let mut run = railconn();
    std::fs::write(run.dir.path().join("requirements.txt"), "pika==1.4.4\n").unwrap();
    run.env("CELERY_BROKER_URL", url);
    check_json(&mut run, &["--only", "CELERY_BROKER_URL"]).0
}

/// `amqp://h//` is the default vhost to kombu and the empty one to pika:
/// with pika in the app railconn fails where pika fails, naming pika, and
/// the printed fix (the password put back) makes pika connect.
#[test]
fn pika_opens_its_own_vhost_and_the_printed_fix_connects_it() {
    let port = crate::support::rabbitmq::RABBITMQ_PORT;
    let url = format!("amqp://guest:guest@127.0.0.1:{port}//");
    let before = pika(&url);
    assert!(!before.connected, "{url}: {}", before.said);
    assert!(before.said.contains("not found"), "{}", before.said);
    let report = check_pika_app(&url);
    let broker = check(&report, "CELERY_BROKER_URL");
    assert_eq!(broker["error"]["step"], "open", "{report:#}");
    assert_eq!(broker["error"]["code"], "database_not_found", "{report:#}");
    assert!(
        broker["cause"].as_str().unwrap().contains("pika 1.4.4"),
        "{report:#}"
    );
    let fix = broker["fix"].as_str().unwrap();
    let printed = fix.rsplit(' ').next().unwrap();
    assert_eq!(printed, format!("amqp://guest:***@127.0.0.1:{port}/%2F"));
    let fixed = printed.replace("***", "guest");
    let after = pika(&fixed);
    assert!(after.connected, "{fixed}: {}", after.said);
    let report = check_pika_app(&fixed);
    assert_ne!(
        check(&report, "CELERY_BROKER_URL")["status"],
        "fail",
        "{report:#}"
    );
    assert_eq!(report["drivers"]["found"][0]["id"], "pika", "{report:#}");
}

/// `PGSSLNEGOTIATION` (libpq 17's environment form of `sslnegotiation`)
/// against PostgreSQL 15, which has no direct TLS: psycopg2 (libpq
/// 17.0.11), psycopg 3 (libpq 18.0.6) and asyncpg 0.32.0 all read it,
/// fail under `direct`, connect under `postgres`, and refuse any other
/// value; railconn agrees with each, on the same URL and server. (pg
/// 8.23.1 reads it too, but verifies the test CA under `sslmode=require`:
/// its reading is the unit test's.)
#[test]
fn pgsslnegotiation_is_read_as_the_real_drivers_read_it() {
    const PYTHON: &[(&str, &str)] = &[
        (
            "psycopg2",
            "import os, psycopg2\npsycopg2.connect(os.environ['URL']).close()\nprint('connected')",
        ),
        (
            "psycopg",
            "import os, psycopg\npsycopg.connect(os.environ['URL']).close()\nprint('connected')",
        ),
        (
            "asyncpg",
            "import asyncio, os, asyncpg\n\
async def main():\n    c = await asyncpg.connect(os.environ['URL'], timeout=10)\n    await c.close()\n\
asyncio.run(main())\nprint('connected')",
        ),
    ];
    let url = url("sslmode=require");
    for value in ["direct", "postgres", "tls"] {
        let env = [("PGSSLNEGOTIATION", value)];
        let mut run = railconn();
        run.env("PGSSLNEGOTIATION", value);
        let report = check_json(&mut run, &["--only", "postgres", "--database-url", &url]).0;
        assert_eq!(passed(&report), value == "postgres", "{value}: {report:#}");
        for (name, script) in PYTHON {
            let mut cmd = std::process::Command::new(&drivers::fixtures().python);
            cmd.args(["-c", script]).envs(env);
            let real = drivers::attempt(cmd, &url);
            assert_agree(&report, &real, &format!("{name}, PGSSLNEGOTIATION={value}"));
        }
    }
}

/// mysql2 3.26.1 connecting to `url` (its own URL reading) and `SELECT 1`.
fn mysql2(url: &str) -> Attempt {
    mysql2_with_env(url, &[])
}

/// A MariaDB account IDENTIFIED VIA ed25519: mysql2 has no plugin for it
/// and fails with the right password; railconn told the driver fails
/// `auth_failed` and prints `mysql_native_password` as the fix. The fix,
/// applied as printed, makes the real mysql2 connect and railconn pass
/// (issue 21; issue 20's "fixes that fix").
#[test]
fn mysql2_on_an_ed25519_account_is_fixed_by_the_printed_fix() {
    let server = crate::support::mariadb_tls();
    let account = server.ed25519_account("fixme", "ed-secret-pw");
    let url = account.url(&account.name, "");
    let before = mysql2(&url);
    assert!(!before.connected, "{}", before.said);
    assert!(
        before.said.contains("AUTH_SWITCH_PLUGIN_ERROR"),
        "{}",
        before.said
    );
    let js = ["--driver", "mysql2@3.26.1"];
    let report = check_app_in(&url, &js);
    assert!(!passed(&report), "{report:#}");
    assert_eq!(
        check(&report, "postgres")["error"]["code"],
        "auth_failed",
        "{report:#}"
    );
    let fix = check(&report, "postgres")["fix"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        fix.contains("IDENTIFIED VIA mysql_native_password USING PASSWORD('…')"),
        "{fix}"
    );
    server.admin(&format!(
        "ALTER USER '{}'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('{}')",
        account.name, account.password
    ));
    let after = mysql2(&url);
    assert!(after.connected, "{}", after.said);
    assert!(passed(&check_app_in(&url, &js)));
    assert!(!report.to_string().contains("ed-secret-pw"), "{report:#}");
}

/// node-postgres with `sslmode=require` at a server without TLS fails
/// ("The server does not support SSL connections"); railconn told the
/// driver says `tls_unsupported` with node-postgres's own fix, not a
/// certificate setting, and that fix, applied as printed (the `sslmode`
/// removed), makes the real driver and railconn pass (issue 20, seen by a
/// new user).
#[test]
fn node_postgres_at_a_server_without_tls_is_fixed_by_removing_sslmode() {
    let plain = crate::support::pg_plain();
    let url = plain.url("app", "app-secret-pw-1", "appdb", "sslmode=require");
    let before = drivers::node_postgres(&url);
    assert!(!before.connected, "{}", before.said);
    let js = ["--driver", "pg@8.23.1"];
    let report = check_app_in(&url, &js);
    assert_eq!(
        check(&report, "postgres")["error"]["code"],
        "tls_unsupported",
        "{report:#}"
    );
    let fix = check(&report, "postgres")["fix"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(fix.starts_with("Remove sslmode from the URL"), "{fix}");
    let fixed = plain.url("app", "app-secret-pw-1", "appdb", "");
    let after = drivers::node_postgres(&fixed);
    assert!(after.connected, "{}", after.said);
    assert!(passed(&check_app_in(&fixed, &js)));
}

/// asyncpg 0.32.0 connecting to `url` and running `SELECT 1` ten times
/// (the queries an app's requests make), with its statement cache of
/// `cache` entries (asyncpg's default is 100; 0 turns preparing off).
fn asyncpg_queries(url: &str, cache: u32) -> Attempt {
    let script = format!(
        "import asyncio, os, asyncpg\n\
async def main():\n    c = await asyncpg.connect(os.environ['URL'], timeout=10, statement_cache_size={cache})\n    \
for _ in range(10):\n        await c.fetchval('SELECT 1')\n    await c.close()\n\
asyncio.run(main())\nprint('connected')"
    );
    let mut cmd = std::process::Command::new(&drivers::fixtures().python);
    cmd.args(["-c", &script]);
    drivers::attempt(cmd, url)
}

/// Issue 20's "done when": a FastAPI + asyncpg app behind a PgBouncer in
/// transaction mode (known by a Neon pooler endpoint's name) gets a
/// failure naming `statement_cache_size=0`, as the real asyncpg fails
/// ("prepared statement … does not exist"); asyncpg with that setting,
/// as the fix prints it, runs every query, and the check then passes with
/// the `--allow` the fix names.
#[test]
fn fastapi_asyncpg_behind_a_transaction_pooler_is_told_statement_cache_size() {
    let bouncer = crate::support::pgbouncer::pgbouncer_reset_always();
    let direct = bouncer.url("appdb");
    let before = asyncpg_queries(&direct, 100);
    assert!(!before.connected, "{}", before.said);
    let host = "ep-railconn-fastapi-000000-pooler.us-east-2.aws.neon.tech";
    let url = direct.replace("127.0.0.1", host);
    let pin = format!("{host}:{}:127.0.0.1", bouncer.port);
    let app = tempfile::tempdir().unwrap();
    std::fs::write(
        app.path().join("requirements.txt"),
        "fastapi==0.115.0\nasyncpg==0.32.0\n",
    )
    .unwrap();
    let dir = app.path().display().to_string();
    let args = ["--app-dir", dir.as_str(), "--resolve", pin.as_str()];
    let report = check_app_in(&url, &args);
    assert_eq!(
        check(&report, "postgres")["error"]["code"],
        "prepared_statements",
        "{report:#}"
    );
    let fix = check(&report, "postgres")["fix"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(fix.contains("statement_cache_size=0"), "{fix}");
    let after = asyncpg_queries(&direct, 0);
    assert!(after.connected, "{}", after.said);
    assert!(fix.contains("--allow prepared_statements@CHECK"), "{fix}");
    let mut allowed = args.to_vec();
    allowed.extend(["--allow", "prepared_statements@postgres"]);
    assert!(passed(&check_app_in(&url, &allowed)));
}

/// mysql2 3.26.1 as [`mysql2`], with `env` set (`NODE_EXTRA_CA_CERTS`).
fn mysql2_with_env(url: &str, env: &[(&str, &str)]) -> Attempt {
    const SCRIPT: &str = "const mysql = require('mysql2/promise');
mysql.createConnection(process.env.URL).then(async (c) => {
  await c.query('SELECT 1'); console.log('connected'); await c.end(); process.exit(0);
}, (e) => { console.log('failed: ' + (e.code || e.message)); process.exit(1); });";
    drivers::node_with_env(SCRIPT, url, env)
}

/// mysql2 does not read `ssl-mode`: it connects without TLS, and a
/// REQUIRE SSL account refuses it. railconn told the driver says so and
/// prints mysql2's own parameter; the URL with that parameter, as
/// printed, makes the real mysql2 and railconn pass (Node trusting the
/// test CA through `NODE_EXTRA_CA_CERTS`, as a private CA needs).
#[test]
fn mysql2_ignoring_ssl_mode_is_fixed_by_its_own_ssl_parameter() {
    let server = crate::support::mariadb_tls();
    let account = server.account("ssl_only", "REQUIRE SSL");
    let ca = pki().ca_cert.display().to_string();
    let env = [("NODE_EXTRA_CA_CERTS", ca.as_str())];
    let url = account
        .url(&account.name, "ssl-mode=REQUIRED")
        .replace("127.0.0.1", "localhost");
    let before = mysql2_with_env(&url, &env);
    assert!(!before.connected, "{}", before.said);
    let check_mysql2 = |url: &str| {
        let mut run = railconn();
        run.env("NODE_EXTRA_CA_CERTS", &ca);
        let args = ["--only", "postgres", "--database-url", url];
        check_json(
            &mut run,
            &[&args[..], &["--driver", "mysql2@3.26.1"]].concat(),
        )
        .0
    };
    let report = check_mysql2(&url);
    assert!(!passed(&report), "{report:#}");
    let fix = check(&report, "postgres")["fix"]
        .as_str()
        .unwrap()
        .to_string();
    let printed = "ssl=%7B%22rejectUnauthorized%22%3Atrue%7D";
    assert!(fix.contains(printed), "{fix}");
    let fixed = url.replace("ssl-mode=REQUIRED", printed);
    let after = mysql2_with_env(&fixed, &env);
    assert!(after.connected, "{fixed}: {}", after.said);
    assert!(passed(&check_mysql2(&fixed)), "{fixed}");
}
