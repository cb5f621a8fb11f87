//! The platform traps of issue 4, against real servers: URL forms other
//! clients produce (SQLAlchemy, Prisma, quoted values), variables Railway
//! and libpq use, capacity headroom, and TLS facts.

use crate::harness::{assert_failure, assert_passed, check, check_json};
use crate::support::{pg_tls, railconn, without_dns};

fn finding_codes(report: &serde_json::Value, name: &str) -> Vec<String> {
    check(report, name)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn sqlalchemy_prisma_and_quoted_urls_are_checked_with_findings() {
    let url = pg_tls().url(
        "app",
        "app-secret-pw-1",
        "appdb",
        "schema=public&pgbouncer=true",
    );
    let mut run = railconn();
    run.env("DATABASE_URL", format!("\"{url}\"\r\n"));
    let (r, _) = check_json(&mut run, &["--only", "postgres"]);
    assert_passed(&r, "postgres");
    let codes = finding_codes(&r, "postgres");
    for code in ["trimmed", "prisma_parameter"] {
        assert!(
            codes.iter().any(|c| c == code),
            "{code} missing in {codes:?}"
        );
    }
    assert_eq!(check(&r, "postgres")["status"], "warn");
    // SQLAlchemy hands Prisma's parameters to its driver, which refuses
    // them (asyncpg: TypeError; matrix case
    // sa_asyncpg_prisma_schema_type_error): not ready, naming it.
    let sqlalchemy = url.replace("postgresql://", "postgresql+asyncpg://");
    let mut run = railconn();
    run.env("DATABASE_URL", format!("\"{sqlalchemy}\"\r\n"));
    let (r, _) = check_json(&mut run, &["--only", "postgres"]);
    assert_eq!(check(&r, "postgres")["error"]["code"], "invalid_url");
    assert!(finding_codes(&r, "postgres").contains(&"sqlalchemy_driver".to_string()));
}

#[test]
fn postgres_scheme_draws_the_sqlalchemy_warning() {
    let url = pg_tls()
        .url("app", "app-secret-pw-1", "appdb", "")
        .replace("postgresql://", "postgres://");
    let (r, _) = check_json(
        &mut railconn(),
        &["--only", "postgres", "--database-url", &url],
    );
    assert!(finding_codes(&r, "postgres").contains(&"sqlalchemy_scheme".to_string()));
}

#[test]
fn an_empty_host_from_a_broken_reference_is_named() {
    let (r, _) = check_json(
        &mut railconn(),
        &[
            "--only",
            "postgres",
            "--database-url",
            "postgresql://postgres:pw@:5432/railway",
        ],
    );
    assert_failure(&r, "postgres", "config", "invalid_url");
    assert!(
        check(&r, "postgres")["error"]["message"]
            .as_str()
            .unwrap()
            .contains("reference"),
        "{r:#}"
    );
}

#[test]
fn an_empty_database_is_a_finding_and_a_migrated_one_is_not() {
    let server = pg_tls();
    let (r, _) = check_json(
        &mut railconn(),
        &[
            "--only",
            "postgres",
            "--database-url",
            &server.url("app", "app-secret-pw-1", "appdb", ""),
        ],
    );
    assert!(
        !finding_codes(&r, "postgres").contains(&"no_tables".to_string()),
        "{r:#}"
    );
    let url = server.url("app", "app-secret-pw-1", "postgres", "");
    let (r, _) = check_json(
        &mut railconn(),
        &["--only", "postgres", "--database-url", &url],
    );
    assert!(
        finding_codes(&r, "postgres").contains(&"no_tables".to_string()),
        "{r:#}"
    );
}

/// The shared server allows 20 connections (3 reserved for superusers):
/// holding most of them open must show in the facts, then fail the check.
#[test]
fn connection_headroom_warns_then_fails() {
    use std::process::{Command, Stdio};
    let server = crate::support::pg_crowded();
    let url = server.url("app", "app-secret-pw-1", "appdb", "");
    let hold = |n: usize| -> Vec<std::process::Child> {
        (0..n)
            .map(|_| {
                Command::new("psql")
                    .args([url.as_str(), "-X", "-q", "-c", "select pg_sleep(20)"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("psql")
            })
            .collect()
    };
    let mut clients = hold(14);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let (r, _) = check_json(
        &mut railconn(),
        &["--only", "postgres", "--database-url", &url],
    );
    assert!(
        finding_codes(&r, "postgres").contains(&"connection_headroom".to_string()),
        "{r:#}"
    );
    clients.extend(hold(2));
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let (r, _) = check_json(
        &mut railconn(),
        &["--only", "postgres", "--database-url", &url],
    );
    for mut child in clients {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert_failure(&r, "postgres", "query", "too_many_connections");
}

fn redis_at(port: u16) -> serde_json::Value {
    crate::support::lifecycle::wait_for_port(port);
    let url = format!("redis://127.0.0.1:{port}");
    check_json(&mut railconn(), &["--only", "redis", "--redis-url", &url]).0
}

#[test]
fn an_evicting_redis_is_a_finding_and_a_replica_fails() {
    use crate::support::lifecycle::free_port;
    use crate::support::redis::OwnRedis;
    let port = free_port();
    let _evicting = OwnRedis::start(
        port,
        &["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"],
    );
    let r = redis_at(port);
    assert!(
        finding_codes(&r, "redis").contains(&"memory_headroom".to_string()),
        "{r:#}"
    );
    let replica_port = free_port();
    let _replica = OwnRedis::start(
        replica_port,
        &["--replicaof", "127.0.0.1", &port.to_string()],
    );
    let r = redis_at(replica_port);
    assert_failure(&r, "redis", "ping", "read_only");
}

#[test]
fn libpq_and_railway_component_variables_are_discovered() {
    let pg = pg_tls();
    let redis = crate::support::redis_auth();
    let mut run = railconn();
    run.env("PGHOST", "127.0.0.1")
        .env("PGPORT", pg.port.to_string())
        .env("PGUSER", "special")
        .env("PGPASSWORD", "p@ss:w/rd#1%?")
        .env("PGDATABASE", "appdb")
        .env("REDISHOST", "127.0.0.1")
        .env("REDISPORT", redis.port.to_string())
        .env("REDISUSER", "alice")
        .env("REDISPASSWORD", "alice-secret-pw");
    let (r, out) = check_json(&mut run, &["--skip", "jwt"]);
    assert_eq!(out.status.code(), Some(0), "{r:#}");
    assert_eq!(
        check(&r, "postgres")["source"],
        "PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE (environment)"
    );
    assert!(!r.to_string().contains("alice-secret-pw"));
}

#[test]
fn public_urls_with_the_flag_and_pgpassword_filling_a_url() {
    let pg = pg_tls();
    let mut run = railconn();
    run.env("DATABASE_URL", "postgresql://app@db.railconn.invalid/appdb")
        .env(
            "DATABASE_PUBLIC_URL",
            format!("postgresql://app@127.0.0.1:{}/appdb", pg.port),
        )
        .env("PGPASSWORD", "app-secret-pw-1");
    let (r, _) = check_json(&mut run, &["--only", "postgres", "--public"]);
    assert_passed(&r, "postgres");
    assert_eq!(
        check(&r, "postgres")["source"],
        "DATABASE_PUBLIC_URL (environment)"
    );
    assert!(
        finding_codes(&r, "postgres").contains(&"env_defaults".to_string()),
        "{r:#}"
    );
}

/// Certificate facts from real TLS peers: an expired certificate under a
/// mode that does not verify is still a warning; one expiring in three
/// days is a warning with the date; names and days are in the detail.
#[test]
fn certificate_expiry_findings() {
    use crate::support::fault::TlsServer;
    let pki = crate::support::pki();
    for (cert, key) in [
        (&pki.expired_cert, &pki.expired_key),
        (&pki.expiring_cert, &pki.expiring_key),
    ] {
        let server = TlsServer::start(cert, key);
        let url = format!("rediss://localhost:{}#insecure", server.port);
        let (r, _) = check_json(
            &mut railconn(),
            &["--only", "redis", "--redis-url", &url, "--timeout", "2s"],
        );
        assert!(
            finding_codes(&r, "redis").contains(&"certificate_expiry".to_string()),
            "{r:#}"
        );
        let tls = check(&r, "redis")["steps"][3]["detail"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            tls.contains("names [localhost, 127.0.0.1]") && tls.contains("days)"),
            "{tls}"
        );
    }
}

/// A real private name, made unresolvable without asking any DNS server
/// (see `support::without_dns`); an `.invalid` look-alike is just an
/// unknown host now.
#[test]
fn private_railway_names_get_their_own_cause() {
    let url = "postgresql://u:p@postgres.railway.internal:5432/railway";
    let Some((r, _)) = without_dns("check", &["--only", "postgres", "--database-url", url]) else {
        return;
    };
    crate::harness::validate(&r);
    assert_failure(&r, "postgres", "dns", "dns_not_found");
    let fix = check(&r, "postgres")["fix"].as_str().unwrap();
    assert!(fix.contains("DATABASE_PUBLIC_URL"), "{r:#}");
    let (r, _) = check_json(
        &mut railconn(),
        &[
            "--only",
            "postgres",
            "--database-url",
            &url.replace("internal", "internal.invalid"),
        ],
    );
    let fix = check(&r, "postgres")["fix"].as_str().unwrap();
    assert!(!fix.contains("DATABASE_PUBLIC_URL"), "{r:#}");
}

#[test]
fn a_committable_dotenv_is_a_finding_and_an_ignored_one_is_not() {
    let good = pg_tls().url("app", "app-secret-pw-1", "appdb", "");
    for ignored in [false, true] {
        let mut run = railconn();
        let dir = run.dir.path().to_path_buf();
        let git = |args: &[&str]| {
            std::process::Command::new("git")
                .arg("-C")
                .arg(&dir)
                .args(args)
                .output()
        };
        if git(&["init", "-q"]).is_err() {
            eprintln!("skipped: no git");
            return;
        }
        if ignored {
            std::fs::write(dir.join(".gitignore"), ".env\n").unwrap();
        }
        run.env_file(&format!("DATABASE_URL={good}\n"));
        let out = run.args(["check", "--json", "--only", "postgres"]).run();
        let r: serde_json::Value = serde_json::from_str(&crate::support::stdout(&out)).unwrap();
        let flagged = finding_codes(&r, "postgres").contains(&"hygiene".to_string());
        assert_eq!(flagged, !ignored, "ignored={ignored}: {r:#}");
    }
}

#[test]
fn a_reused_secret_and_localhost_on_railway_are_findings() {
    let redis = crate::support::redis_auth();
    let mut run = railconn();
    run.env(
        "REDIS_URL",
        format!("redis://:redis-secret-pw@127.0.0.1:{}", redis.port),
    )
    .env("JWT_SECRET_KEY", "redis-secret-pw")
    .env("RAILWAY_ENVIRONMENT", "production");
    let (r, _) = check_json(&mut run, &["--only", "redis,jwt"]);
    assert!(
        finding_codes(&r, "redis").contains(&"hygiene".to_string()),
        "{r:#}"
    );
    let jwt = check(&r, "jwt").to_string();
    assert!(jwt.contains("also a database or Redis password"), "{jwt}");
    assert!(!r.to_string().contains("redis-secret-pw"));
}

/// A role that may not read the activity statistics (the function
/// `pg_stat_get_activity`, which the `pg_stat_activity` view and the
/// check's facts query read) still logs in and queries: the check passes
/// without headroom, and says why.
#[test]
fn locked_down_catalogs_do_not_fail_the_check() {
    let server = pg_tls();
    if server
        .admin_psql("SELECT count(*) FROM pg_database WHERE datname = 'lockeddb'")
        .trim()
        == "0"
    {
        server.admin_psql("CREATE DATABASE lockeddb");
    }
    let sock = server.data_dir.parent().unwrap().join("sock");
    let status = std::process::Command::new("runuser")
        .args(["-u", "postgres", "--", "psql", "-X", "-q", "-h"])
        .arg(&sock)
        .args([
            "-p",
            &server.port.to_string(),
            "-d",
            "lockeddb",
            "-c",
            "REVOKE EXECUTE ON FUNCTION pg_catalog.pg_stat_get_activity(integer) FROM PUBLIC",
        ])
        .current_dir("/")
        .status()
        .expect("psql");
    assert!(status.success());
    let (r, _) = check_json(
        &mut railconn(),
        &[
            "--only",
            "postgres",
            "--database-url",
            &server.url("app", "app-secret-pw-1", "lockeddb", ""),
        ],
    );
    assert_passed(&r, "postgres");
    assert!(
        check(&r, "postgres")
            .to_string()
            .contains("may not read pg_stat_activity"),
        "{r:#}"
    );
}

/// A SQLite `DATABASE_URL`: the file is read, not dialed; outside Railway's
/// volume its data would vanish on every redeploy.
#[test]
fn a_sqlite_database_url_is_checked_as_a_file() {
    let run = railconn();
    let dir = run.dir.path().to_path_buf();
    let mut header = b"SQLite format 3\0".to_vec();
    header.resize(4096, 0);
    std::fs::write(dir.join("app.db"), &header).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a database").unwrap();
    let db = format!("sqlite:///{}", dir.join("app.db").display());
    let (r, _) = check_json(
        &mut railconn(),
        &["--only", "postgres", "--database-url", &db],
    );
    assert_eq!(check(&r, "postgres")["kind"], "sqlite");
    assert_passed(&r, "postgres");
    assert!(
        finding_codes(&r, "postgres").contains(&"sqlite".to_string()),
        "{r:#}"
    );
    let mut on_volume = railconn();
    on_volume.env("RAILWAY_VOLUME_MOUNT_PATH", &dir);
    let (r, _) = check_json(
        &mut on_volume,
        &["--only", "postgres", "--database-url", &db],
    );
    assert!(finding_codes(&r, "postgres").is_empty(), "{r:#}");
    let bad = format!("sqlite:///{}", dir.join("notes.txt").display());
    let (r, _) = check_json(
        &mut railconn(),
        &["--only", "postgres", "--database-url", &bad],
    );
    assert_failure(&r, "postgres", "query", "query_failed");
}
