//! Issue 12, "know the provider", tried as a new user would: real provider
//! host names put on loopback servers with `--resolve` (nothing outside
//! loopback is dialed), real `PgBouncer`s in front of the real PostgreSQL,
//! and a real provider name made unresolvable inside a private mount
//! namespace whose resolver reads /etc/hosts only.

use serde_json::Value;

use crate::harness::{assert_failure, assert_passed, check, check_json};
use crate::support::pgbouncer::{pgbouncer, pgbouncer_full};
use crate::support::{Fault, fault, railconn, stdout, without_dns};

fn provider(report: &Value, name: &str) -> Value {
    check(report, name)["provider"].clone()
}

fn cause_and_fix(report: &Value, name: &str) -> String {
    let c = check(report, name);
    format!(
        "{} {}",
        c["cause"].as_str().unwrap(),
        c["fix"].as_str().unwrap()
    )
}

/// The seed report's PostgreSQL: Railway's TCP proxy accepting and then
/// closing, because no database answers behind it any more.
#[test]
fn railway_proxy_closing_names_railway_and_the_dead_service() {
    let port = fault(Fault::ReadClose);
    let host = "roundhouse.proxy.rlwy.net";
    let url = format!("postgresql://postgres:pw@{host}:{port}/railway");
    let pin = format!("{host}:{port}:127.0.0.1");
    let (r, _) = check_json(
        &mut railconn(),
        &[
            "--only",
            "postgres",
            "--database-url",
            &url,
            "--resolve",
            &pin,
        ],
    );
    assert_failure(&r, "postgres", "tls", "connection_closed");
    assert_eq!(provider(&r, "postgres")["id"], "railway_proxy");
    let words = cause_and_fix(&r, "postgres");
    assert!(words.contains("Railway's TCP proxy"), "{words}");
    assert!(words.contains("DATABASE_PUBLIC_URL"), "{words}");
    // The dns step says where the address came from.
    let dns = check(&r, "postgres")["steps"][1]["detail"]
        .as_str()
        .unwrap();
    assert!(
        dns.contains("127.0.0.1") && dns.contains("--resolve"),
        "{dns}"
    );
}

/// The seed report's Redis: a Redis Cloud endpoint that does not resolve
/// got Railway-private advice; now it names Redis Cloud, and `wait` does
/// not wait for a deleted database's name to come back.
#[test]
fn unresolvable_redis_cloud_endpoint_names_redis_cloud() {
    let url = "redis://default:pw@redis-12821.c14.us-east-1-3.ec2.redns.redis-cloud.com:12821";
    let Some((r, _)) = without_dns("check", &["--only", "redis", "--redis-url", url]) else {
        return;
    };
    crate::harness::validate(&r);
    assert_failure(&r, "redis", "dns", "dns_not_found");
    assert_eq!(provider(&r, "redis")["id"], "redis_cloud");
    let words = cause_and_fix(&r, "redis");
    assert!(words.contains("Redis Cloud"), "{words}");
    assert!(!words.contains("railway.internal"), "{words}");
}

/// Tips are keyed by kind (issue 12 on issue 9's discovered checks): a
/// Celery broker at Railway's TCP proxy gets the same words as `REDIS_URL`
/// there.
#[test]
fn a_discovered_redis_url_gets_its_providers_tip() {
    let port = fault(Fault::ReadClose);
    let (cache, broker) = ("cache.proxy.rlwy.net", "broker.proxy.rlwy.net");
    let mut run = railconn();
    run.env("REDIS_URL", format!("redis://default:pw@{cache}:{port}"))
        .env(
            "CELERY_BROKER_URL",
            format!("redis://default:pw@{broker}:{port}/1"),
        );
    let (r, _) = check_json(
        &mut run,
        &[
            "--only",
            "kind:redis",
            "--resolve",
            &format!("{cache}:{port}:127.0.0.1"),
            "--resolve",
            &format!("{broker}:{port}:127.0.0.1"),
        ],
    );
    for name in ["redis", "CELERY_BROKER_URL"] {
        assert_eq!(provider(&r, name)["id"], "railway_proxy", "{name}");
        let words = cause_and_fix(&r, name);
        assert!(words.contains("Railway's TCP proxy"), "{name}: {words}");
    }
    // The same words, each naming its own variable.
    assert_eq!(
        cause_and_fix(&r, "redis").replace("use REDIS_URL=", "use CELERY_BROKER_URL="),
        cause_and_fix(&r, "CELERY_BROKER_URL")
    );
}

/// An unknown host keeps the generic words: no invented provider.
#[test]
fn an_unknown_host_gets_generic_words() {
    let (r, _) = check_json(
        &mut railconn(),
        &[
            "--only",
            "redis",
            "--redis-url",
            "redis://cache.railconn.invalid:6379",
        ],
    );
    assert_failure(&r, "redis", "dns", "dns_not_found");
    assert_eq!(provider(&r, "redis")["id"], "unknown");
    assert_eq!(provider(&r, "redis")["doc"], Value::Null);
    let words = cause_and_fix(&r, "redis");
    assert!(!words.contains("Railway"), "{words}");
}

#[test]
fn wait_does_not_wait_for_a_deleted_databases_name() {
    let url = "redis://default:pw@redis-12821.c14.us-east-1-3.ec2.redns.redis-cloud.com:12821";
    let started = std::time::Instant::now();
    let Some((r, stderr)) = without_dns(
        "wait",
        &["--only", "redis", "--timeout", "30s", "--redis-url", url],
    ) else {
        return;
    };
    // dns_not_found heals by default (a private network coming up); a
    // public provider's name does not come back by waiting.
    assert_failure(&r, "redis", "dns", "dns_not_found");
    assert!(stderr.contains("waiting cannot fix"), "{stderr}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn resolve_keeps_the_name_for_tls() {
    // The test CA's certificate is for localhost: pinned under another
    // name, verify-full must fail on the name, proving SNI and
    // verification used HOST, not ADDR.
    let pg = crate::support::pg_tls();
    let pki = crate::support::pki();
    let host = "db.abcdefghijklmnop.supabase.co";
    let url = format!(
        "postgresql://app:app-secret-pw-1@{host}:{}/appdb?sslmode=verify-full&sslrootcert={}",
        pg.port,
        pki.ca_cert.display()
    );
    let pin = format!("{host}:{}:127.0.0.1", pg.port);
    let (r, _) = check_json(
        &mut railconn(),
        &[
            "--only",
            "postgres",
            "--database-url",
            &url,
            "--resolve",
            &pin,
        ],
    );
    assert_failure(&r, "postgres", "tls", "certificate_invalid");
    assert_eq!(provider(&r, "postgres")["id"], "supabase_direct");
    // Under localhost itself the same server verifies.
    let url = url.replace(host, "localhost");
    let pin = format!("localhost:{}:127.0.0.1", pg.port);
    let (r, _) = check_json(
        &mut railconn(),
        &[
            "--only",
            "postgres",
            "--database-url",
            &url,
            "--resolve",
            &pin,
        ],
    );
    assert_passed(&r, "postgres");
}

#[test]
fn a_bad_resolve_is_a_usage_error() {
    for bad in [
        "db.example.com:5432",
        "db.example.com:port:127.0.0.1",
        "db.example.com:5432:nowhere",
    ] {
        let out = railconn()
            .args(["check", "--no-env-file", "--resolve", bad])
            .run();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("HOST:PORT:ADDR"),
            "{bad}"
        );
    }
}

// ---- poolers ------------------------------------------------------------------------

#[test]
fn healthy_through_pgbouncer_in_both_modes() {
    let bouncer = pgbouncer();
    for db in ["appdb", "appdb_session"] {
        let (r, _) = check_json(
            &mut railconn(),
            &["--only", "postgres", "--database-url", &bouncer.url(db)],
        );
        assert_passed(&r, "postgres");
    }
}

/// A Neon pooler name on the real PgBouncer: the host says a pooler in
/// transaction mode is in front, and the report says what that means.
#[test]
fn a_pooler_host_is_named_with_its_mode() {
    let bouncer = pgbouncer();
    let host = "ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech";
    let url = bouncer.url("appdb").replace("127.0.0.1", host);
    let pin = format!("{host}:{}:127.0.0.1", bouncer.port);
    let (r, _) = check_json(
        &mut railconn(),
        &[
            "--only",
            "postgres",
            "--database-url",
            &url,
            "--resolve",
            &pin,
        ],
    );
    assert_passed(&r, "postgres");
    let place = provider(&r, "postgres");
    assert_eq!(place["id"], "neon");
    assert_eq!(place["pooler"]["kind"], "pgbouncer");
    assert_eq!(place["pooler"]["mode"], "transaction");
    assert_eq!(place["pooler"]["evidence"], "host");
    let notes: Vec<&str> = check(&r, "postgres")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "pooler")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("prepared statements")),
        "{notes:?}"
    );
}

#[test]
fn unknown_database_behind_pgbouncer_is_database_not_found() {
    for db in ["shop", "shop_session"] {
        let (r, _) = check_json(
            &mut railconn(),
            &["--only", "postgres", "--database-url", &pgbouncer().url(db)],
        );
        assert_failure(&r, "postgres", "auth", "database_not_found");
        let pooler = &provider(&r, "postgres")["pooler"];
        assert_eq!(pooler["kind"], "pgbouncer");
        assert_eq!(pooler["evidence"], "error");
        let words = cause_and_fix(&r, "postgres");
        assert!(
            words.contains("PgBouncer") && words.contains("[databases]"),
            "{words}"
        );
    }
}

#[test]
fn wrong_password_behind_pgbouncer_is_auth_failed() {
    let url = pgbouncer().url_as("app", "not-the-password", "appdb");
    let (r, _) = check_json(
        &mut railconn(),
        &["--only", "postgres", "--database-url", &url],
    );
    assert_failure(&r, "postgres", "auth", "auth_failed");
}

#[test]
fn a_full_pgbouncer_is_too_many_connections() {
    let bouncer = pgbouncer_full();
    // A logged-in client (psql, sleeping in a query) holds the only slot:
    // PgBouncer counts clients at login, not at accept.
    let mut holder = std::process::Command::new("psql")
        .args([
            "-X",
            "-q",
            "-c",
            "select pg_sleep(5)",
            &bouncer.url("appdb"),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run psql");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !std::fs::read_to_string(&bouncer.log)
        .is_ok_and(|l| l.contains("new connection to server"))
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (r, _) = check_json(
        &mut railconn(),
        &[
            "--only",
            "postgres",
            "--database-url",
            &bouncer.url("appdb"),
        ],
    );
    assert_failure(&r, "postgres", "auth", "too_many_connections");
    let message = check(&r, "postgres")["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("max_client_conn"), "{message}");
    let words = cause_and_fix(&r, "postgres");
    assert!(words.contains("max_client_conn"), "{words}");
    let _ = holder.kill();
    let _ = holder.wait();
}

#[test]
fn env_names_the_provider() {
    let out = railconn()
        .args(["env", "--no-env-file", "--format", "json"])
        .args([
            "--database-url",
            "postgresql://u:pw@roundhouse.proxy.rlwy.net:22841/railway",
        ])
        .args(["--redis-url", "redis://cache.railconn.invalid:6379"])
        .run();
    let r: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let targets = r["targets"].as_array().unwrap();
    assert_eq!(targets[0]["provider"], "railway_proxy");
    assert_eq!(targets[1]["provider"], "unknown");
    assert_eq!(targets[2]["provider"], Value::Null);
    let text = railconn()
        .args(["env", "--no-env-file"])
        .args([
            "--database-url",
            "postgresql://u:pw@roundhouse.proxy.rlwy.net:22841/railway",
        ])
        .run();
    assert!(
        stdout(&text).contains("[Railway TCP proxy]"),
        "{}",
        stdout(&text)
    );
}

#[test]
fn heroku_is_told_by_the_dyno_environment() {
    let url = "postgresql://u:pw@ec2-54-0-0-1.compute-1.amazonaws.com.invalid:5432/d";
    let mut run = railconn();
    run.env("DYNO", "web.1");
    let out = run
        .args([
            "env",
            "--no-env-file",
            "--format",
            "json",
            "--database-url",
            url,
        ])
        .run();
    let r: Value = serde_json::from_str(&stdout(&out)).unwrap();
    // `.invalid` is not an AWS name: no hint makes it Heroku's.
    assert_eq!(r["targets"][0]["provider"], "unknown");
    let url = "postgresql://u:pw@ec2-54-0-0-1.compute-1.amazonaws.com:5432/d";
    let mut run = railconn();
    run.env("DYNO", "web.1");
    let out = run
        .args([
            "env",
            "--no-env-file",
            "--format",
            "json",
            "--database-url",
            url,
        ])
        .run();
    let r: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(r["targets"][0]["provider"], "heroku");
}

/// Upstash accepts only TLS (walkthrough of 2026-12-02): a `redis://` URL
/// for it is a warning naming Upstash, not "fine on a private network";
/// a `rediss://` one whose port stays silent is not told to drop TLS.
#[test]
fn upstash_urls_are_held_to_tls() {
    let host = "fit-kite-12345.upstash.io";
    let port = crate::support::redis::redis_open().port;
    let resolve = format!("{host}:{port}:127.0.0.1");
    let plain = format!("redis://default:tok@{host}:{port}");
    let (r, out) = check_json(
        &mut railconn(),
        &[
            "--only",
            "redis",
            "--redis-url",
            &plain,
            "--resolve",
            &resolve,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{r:#}");
    let findings = check(&r, "redis")["findings"].clone();
    let unencrypted = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "unencrypted")
        .unwrap_or_else(|| panic!("{r:#}"));
    assert_eq!(unencrypted["severity"], "warn");
    let message = unencrypted["message"].as_str().unwrap();
    assert!(message.contains("Upstash accepts only TLS"), "{message}");

    let silent = fault(Fault::Silent);
    let resolve = format!("{host}:{silent}:127.0.0.1");
    let tls = format!("rediss://default:tok@{host}:{silent}");
    let (r, _) = check_json(
        &mut railconn(),
        &[
            "--only",
            "redis",
            "--timeout",
            "1s",
            "--redis-url",
            &tls,
            "--resolve",
            &resolve,
        ],
    );
    let words = cause_and_fix(&r, "redis");
    assert!(words.contains("not Upstash's endpoint"), "{words}");
    assert!(!words.contains("Use redis://"), "{words}");
}

/// A `PlanetScale` name put on the shared `MariaDB`: a database that does
/// not exist gets the provider's words (the branch's database, no `CREATE
/// DATABASE`), and the unencrypted URL is a warning in `MySQL`'s terms.
#[test]
fn planetscale_names_its_database_and_tls_in_mysql_terms() {
    let server = crate::support::mariadb::mariadb_shared();
    let host = "aws.connect.psdb.cloud";
    let resolve = format!("{host}:{}:127.0.0.1", server.port);
    let url = format!(
        "mysql://root@{host}:{}/rc_provrows_missing_{}",
        server.port,
        std::process::id()
    );
    let (r, _) = check_json(
        railconn().env("DATABASE_URL", &url),
        &["--only", "postgres", "--resolve", &resolve],
    );
    assert_failure(&r, "postgres", "auth", "database_not_found");
    assert_eq!(provider(&r, "postgres")["id"], "planetscale");
    let words = cause_and_fix(&r, "postgres");
    assert!(
        words.contains("PlanetScale") && words.contains("CREATE DATABASE"),
        "{words}"
    );
    let unencrypted = check(&r, "postgres")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "unencrypted")
        .cloned()
        .unwrap_or_else(|| panic!("{r:#}"));
    assert_eq!(unencrypted["severity"], "warn");
    let message = unencrypted["message"].as_str().unwrap();
    assert!(
        message.contains("PlanetScale") && message.contains("ssl-mode=REQUIRED"),
        "{message}"
    );
}

/// A `CloudAMQP` name put on the shared `RabbitMQ`: a vhost that does not
/// exist is told that the provider's vhost is the user name.
#[test]
fn cloudamqp_says_the_vhost_is_the_user() {
    let port = crate::support::rabbitmq::RABBITMQ_PORT;
    let host = "hawk.rmq.cloudamqp.com";
    let resolve = format!("{host}:{port}:127.0.0.1");
    let url = format!("amqp://guest:guest@{host}:{port}/railconn_provrows_no_such_vhost");
    let (r, _) = check_json(
        railconn().env("CLOUDAMQP_URL", &url),
        &["--only", "CLOUDAMQP_URL", "--resolve", &resolve],
    );
    assert_failure(&r, "CLOUDAMQP_URL", "open", "database_not_found");
    assert_eq!(provider(&r, "CLOUDAMQP_URL")["id"], "cloudamqp");
    let words = cause_and_fix(&r, "CLOUDAMQP_URL");
    assert!(
        words.contains("CloudAMQP") && words.contains("vhost"),
        "{words}"
    );
}
