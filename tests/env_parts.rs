//! `railconn env`: targets shown as given and their parsed parts, the JSON
//! validated against `schema/env.schema.json` (issue 10, item 4).

use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{railconn, stdout};

fn validate(report: &Value) {
    static SCHEMA: OnceLock<jsonschema::Validator> = OnceLock::new();
    let validator = SCHEMA.get_or_init(|| {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/env.schema.json"
        ))
        .expect("read env schema");
        let schema: Value = serde_json::from_str(&text).expect("env schema is JSON");
        jsonschema::validator_for(&schema).expect("env schema compiles")
    });
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "env report does not match the schema: {errors:#?}\n{report:#}"
    );
}

fn env_json(args: &[&str]) -> Value {
    let out = railconn()
        .args(["env", "--no-env-file", "--format", "json"])
        .args(args)
        .run();
    let report: Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
    validate(&report);
    report
}

const PG: &str = "postgresql://us%65r:p%40ss-word@db.invalid:6543/d%C3%A9=x?options=-c%20a%3Db&application_name=a%3Db&sslmode=require&connect_timeout=5";
const REDIS: &str = "rediss://default:redis-pw@cache.invalid:6380/3?protocol=resp3";

#[test]
fn env_shows_targets_as_given_with_their_parts() {
    let r = env_json(&["--database-url", PG, "--redis-url", REDIS]);
    let text = r.to_string();
    assert!(
        !text.contains("p%40ss-word") && !text.contains("redis-pw"),
        "{r:#}"
    );
    let pg = &r["targets"][0];
    // Nothing re-encoded: `%65` stays `%65`, `=` stays `=`.
    assert_eq!(
        pg["target"],
        "postgresql://us%65r:***@db.invalid:6543/d%C3%A9=x?options=-c%20a%3Db&application_name=a%3Db&sslmode=require&connect_timeout=5"
    );
    let parts = &pg["parts"];
    assert_eq!(parts["host"], "db.invalid");
    assert_eq!(parts["port"], 6543);
    assert_eq!(parts["user"], "user");
    assert_eq!(parts["password"], true);
    assert_eq!(parts["database"], "dé=x");
    assert_eq!(parts["tls"], "require");
    assert_eq!(parts["options"]["options"], "-c a=b");
    assert_eq!(parts["options"]["application_name"], "a=b");
    assert_eq!(parts["ignored"], serde_json::json!(["connect_timeout"]));
    let redis = &r["targets"][1];
    assert_eq!(
        redis["target"],
        "rediss://default:***@cache.invalid:6380/3?protocol=resp3"
    );
    assert_eq!(redis["parts"]["database"], 3);
    assert_eq!(redis["parts"]["tls"], "verify");
    assert_eq!(redis["parts"]["options"]["protocol"], "resp3");
    assert_eq!(r["targets"][2]["parts"], Value::Null);
}

#[test]
fn env_variables_show_urls_as_given_and_invalid_as_check_does() {
    let out = railconn()
        .args(["env", "--no-env-file", "--format", "json"])
        .env(
            "DATABASE_URL",
            "postgresql://u:s3cret@db.invalid/a%3Db?application_name=x%3Dy",
        )
        .env("REDIS_URL", "redis://cache.invalid:6379/0?protocol=4")
        .run();
    let r: Value = serde_json::from_str(&stdout(&out)).unwrap();
    validate(&r);
    let value = |name: &str| {
        r["variables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap()["value"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        value("DATABASE_URL"),
        "postgresql://u:***@db.invalid/a%3Db?application_name=x%3Dy"
    );
    // redis-rs refuses protocol=4, so `check` calls it invalid: so does env.
    assert!(value("REDIS_URL").starts_with("(invalid URL"), "{r:#}");
    assert_eq!(r["targets"][1]["parts"], Value::Null);
}

#[test]
fn env_text_shows_the_parts_escaped() {
    let out = railconn()
        .args([
            "env",
            "--no-env-file",
            "--database-url",
            "postgresql://u@db.invalid/shop?application_name=a%0Ab",
        ])
        .run();
    let text = stdout(&out);
    assert!(
        text.contains("host=db.invalid port=5432 user=u database=shop tls=prefer"),
        "{text}"
    );
    assert!(text.contains("application_name=a\\nb"), "{text}");
}

#[test]
fn check_shows_the_same_parts_as_env() {
    let url = "postgresql://app@127.0.0.1:1/d%3Db?sslmode=disable&application_name=a%20b";
    let env = env_json(&["--database-url", url]);
    let mut run = railconn();
    let (report, _) =
        crate::harness::check_json(&mut run, &["--only", "postgres", "--database-url", url]);
    let check = crate::harness::check(&report, "postgres");
    assert_eq!(check["target"], url, "{report:#}");
    assert_eq!(check["parts"], env["targets"][0]["parts"], "{report:#}");
    assert_eq!(check["parts"]["database"], "d=b");
    assert_eq!(crate::harness::check(&report, "jwt")["parts"], Value::Null);
}

/// `env` builds its configuration as `check` does: `--driver` and
/// `--app-dir` change the parts it shows exactly as they change the parts
/// `check` dials (issue 19, item 2). node-postgres reads
/// `sslmode=require` as `verify-full`.
#[test]
fn env_reads_the_drivers_as_check_does() {
    let url = "postgresql://app@127.0.0.1:1/shop?sslmode=require";
    let check_parts = |extra: &[&str]| {
        let mut run = railconn();
        let mut args = vec!["--only", "postgres", "--database-url", url];
        args.extend_from_slice(extra);
        let (report, _) = crate::harness::check_json(&mut run, &args);
        crate::harness::check(&report, "postgres")["parts"].clone()
    };
    let plain = env_json(&["--database-url", url]);
    assert_eq!(plain["targets"][0]["parts"]["tls"], "require", "{plain:#}");

    let env = env_json(&["--database-url", url, "--driver", "pg@8.23.1"]);
    let parts = &env["targets"][0]["parts"];
    assert_ne!(parts["tls"], "require", "{env:#}");
    assert_eq!(*parts, check_parts(&["--driver", "pg@8.23.1"]), "{env:#}");

    let app = tempfile::tempdir().unwrap();
    std::fs::write(
        app.path().join("package.json"),
        r#"{"dependencies":{"pg":"8.23.1"}}"#,
    )
    .unwrap();
    let dir = app.path().display().to_string();
    let env = env_json(&["--database-url", url, "--app-dir", &dir]);
    let parts = &env["targets"][0]["parts"];
    assert_ne!(parts["tls"], "require", "{env:#}");
    assert_eq!(*parts, check_parts(&["--app-dir", &dir]), "{env:#}");
}

/// MySQL and AMQP targets' parts match the schema too (their TLS values
/// are not PostgreSQL's or Redis's), and no password shows.
#[test]
fn mysql_and_amqp_parts_match_the_schema() {
    let r = env_json(&[
        "--database-url",
        "mysql://app:mysql-pw@db.invalid:3306/shop?ssl-mode=VERIFY_IDENTITY",
        "--target",
        "broker=amqps://guest:amqp-pw@mq.invalid/jobs",
    ]);
    let text = r.to_string();
    assert!(
        !text.contains("mysql-pw") && !text.contains("amqp-pw"),
        "{r:#}"
    );
    let targets = r["targets"].as_array().expect("targets");
    let parts = |check: &str| {
        targets.iter().find(|t| t["check"] == check).map_or_else(
            || panic!("no {check} target in {r:#}"),
            |t| t["parts"].clone(),
        )
    };
    assert_eq!(parts("postgres")["tls"], "VERIFY_IDENTITY", "{r:#}");
    assert_eq!(parts("broker")["tls"], "verify-ca", "{r:#}");
}
