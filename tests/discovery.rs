//! Every connection the app makes (issue 9): each variable holding a
//! PostgreSQL or Redis URL is a check of its own, named after it; identical
//! values are one check; `kind:` selectors; `--target`; `--no-discover`;
//! URLs of kinds railconn does not check are listed.

use serde_json::Value;

use crate::harness::{JWT_SECRET, assert_failure, assert_passed, check, check_json, validate};
use crate::support::{Fault, closed_port, fault, pg_plain, railconn, redis_auth, stderr, stdout};

fn good_redis() -> String {
    format!("redis://:redis-secret-pw@127.0.0.1:{}", redis_auth().port)
}

fn good_pg() -> String {
    pg_plain().url("app", "app-secret-pw-1", "appdb", "sslmode=disable")
}

fn names(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn a_broker_at_a_stopped_redis_fails_the_gate_under_its_own_name() {
    let stopped = format!("redis://:redis-secret-pw@127.0.0.1:{}/1", closed_port());
    let mut run = railconn();
    run.env("DATABASE_URL", good_pg())
        .env("REDIS_URL", good_redis())
        .env("CELERY_BROKER_URL", &stopped)
        .env("JWT_SECRET_KEY", JWT_SECRET);
    let (r, out) = check_json(&mut run, &[]);
    assert_eq!(out.status.code(), Some(1), "{r:#}");
    assert_eq!(names(&r), ["postgres", "redis", "jwt", "CELERY_BROKER_URL"]);
    assert_passed(&r, "redis");
    assert_failure(&r, "CELERY_BROKER_URL", "tcp", "connection_refused");
    let broker = check(&r, "CELERY_BROKER_URL");
    assert_eq!(broker["kind"], "redis");
    assert_eq!(broker["required"], true);
    assert_eq!(broker["source"], "CELERY_BROKER_URL (environment)");
    // Its advice names its own variable, not the default's.
    let fix = broker["fix"].as_str().expect("fix");
    assert!(fix.contains("into CELERY_BROKER_URL"), "{fix}");
    assert!(!fix.contains("REDIS_URL"), "{fix}");
    let target = format!("cache=redis://127.0.0.1:{}", closed_port());
    let mut run = railconn();
    let (r, _) = check_json(&mut run, &["--target", &target, "--only", "cache"]);
    let fix = check(&r, "cache")["fix"].as_str().expect("fix").to_string();
    assert!(fix.contains("into cache"), "{fix}");
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!all.contains("redis-secret-pw"), "{all}");

    // The text report names it too, under problems.
    let out = railconn()
        .env("REDIS_URL", good_redis())
        .env("CELERY_BROKER_URL", &stopped)
        .args(["check", "--no-env-file", "--only", "kind:redis"])
        .run();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("CELERY_BROKER_URL"), "{text}");
    assert!(!text.contains("redis-secret-pw"), "{text}");
}

#[test]
fn twenty_silent_targets_time_out_together_within_the_deadline() {
    let mut run = railconn();
    run.env("REDIS_URL", good_redis());
    for i in 0..20 {
        let port = fault(Fault::Silent);
        run.env(
            &format!("SILENT_{i:02}_URL"),
            format!("redis://127.0.0.1:{port}"),
        );
    }
    let (r, out) = check_json(&mut run, &["--only", "kind:redis", "--timeout", "1s"]);
    assert_eq!(out.status.code(), Some(1), "{r:#}");
    assert_passed(&r, "redis");
    let silent: Vec<&Value> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"].as_str().unwrap().starts_with("SILENT_"))
        .collect();
    assert_eq!(silent.len(), 20);
    for c in &silent {
        assert_eq!(c["error"]["code"], "timeout", "{c:#}");
    }
    // One deadline for the round: checks one after another would take 20 s.
    let took = r["duration_ms"].as_f64().unwrap();
    assert!(took < 5000.0, "the round took {took} ms");
}

#[test]
fn identical_values_are_one_check_naming_every_variable() {
    let broker = format!("redis://127.0.0.1:{}/2", closed_port());
    let mut run = railconn();
    run.env("REDIS_URL", good_redis())
        .env("CACHE_URL", good_redis())
        .env("CELERY_BROKER_URL", &broker)
        .env("CELERY_RESULT_BACKEND", &broker);
    let (r, _) = check_json(&mut run, &["--only", "kind:redis"]);
    assert_eq!(names(&r), ["postgres", "redis", "jwt", "CELERY_BROKER_URL"]);
    assert_eq!(
        check(&r, "redis")["source"],
        "REDIS_URL (environment), CACHE_URL (environment)"
    );
    assert_eq!(
        check(&r, "CELERY_BROKER_URL")["source"],
        "CELERY_BROKER_URL (environment), CELERY_RESULT_BACKEND (environment)"
    );
}

#[test]
fn driver_forms_in_a_dotenv_file_are_discovered() {
    let mut run = railconn();
    run.env_file(&format!(
        "ANALYTICS_DATABASE_URL={}\nCELERY_RESULT_BACKEND=db+{}\nAPP_NAME=demo\nSENTRY_DSN=https://k@sentry.invalid/1\n",
        good_pg().replace("postgresql://", "postgresql+psycopg2://"),
        good_pg().replace("appdb", "postgres"),
    ));
    let out = run
        .args(["check", "--json", "--only", "kind:postgresql"])
        .run();
    let r: Value = serde_json::from_str(&stdout(&out)).expect("json");
    validate(&r);
    assert_eq!(
        names(&r),
        [
            "postgres",
            "redis",
            "jwt",
            "ANALYTICS_DATABASE_URL",
            "CELERY_RESULT_BACKEND"
        ]
    );
    assert_passed(&r, "ANALYTICS_DATABASE_URL");
    assert_passed(&r, "CELERY_RESULT_BACKEND");
    assert_eq!(
        check(&r, "ANALYTICS_DATABASE_URL")["source"],
        "ANALYTICS_DATABASE_URL (.env)"
    );
}

#[test]
fn kind_selectors_and_unknown_names() {
    let broker = format!("redis://127.0.0.1:{}", closed_port());
    let mut run = railconn();
    run.env("REDIS_URL", good_redis())
        .env("CELERY_BROKER_URL", &broker)
        .env("JWT_SECRET_KEY", JWT_SECRET);
    let (r, out) = check_json(
        &mut run,
        &[
            "--skip",
            "kind:postgresql",
            "--optional",
            "CELERY_BROKER_URL,NOT_SET_HERE_URL",
            "--only",
            "celery_broker_url,redis,jwt,CELERY_BROKER_URL,postgres",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{r:#}");
    assert_eq!(check(&r, "postgres")["status"], "skip");
    assert_eq!(check(&r, "CELERY_BROKER_URL")["required"], false);
    assert_eq!(check(&r, "CELERY_BROKER_URL")["status"], "fail");
    let err = stderr(&out);
    assert!(
        err.contains("warning") && err.contains("NOT_SET_HERE_URL"),
        "{err}"
    );
    // A name in the wrong case is no check, but the warning says which.
    assert!(
        err.contains("`celery_broker_url`") && err.contains("did you mean `CELERY_BROKER_URL`?"),
        "{err}"
    );

    let out = railconn()
        .args(["check", "--no-env-file", "--only", "kind:mongodb"])
        .run();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("kind:postgresql"), "{}", stderr(&out));
}

#[test]
fn no_discover_keeps_the_three_defaults_and_targets_add_checks() {
    let broker = format!("redis://127.0.0.1:{}", closed_port());
    let mut run = railconn();
    run.env("REDIS_URL", good_redis())
        .env("CELERY_BROKER_URL", &broker)
        .env("MONGO_URL", "mongodb://127.0.0.1:1/app");
    let (r, _) = check_json(&mut run, &["--no-discover", "--only", "redis"]);
    assert_eq!(names(&r), ["postgres", "redis", "jwt"]);
    assert_eq!(r["not_checked"], serde_json::json!([]));

    let mut run = railconn();
    run.env("REDIS_URL", good_redis());
    let replica = format!("replica={}", good_pg());
    let (r, out) = check_json(&mut run, &["--target", &replica, "--only", "replica,redis"]);
    assert_eq!(out.status.code(), Some(0), "{r:#}");
    assert_eq!(names(&r), ["postgres", "redis", "jwt", "replica"]);
    assert_passed(&r, "replica");
    assert_eq!(check(&r, "replica")["source"], "--target");
    assert!(!stdout(&out).contains("app-secret-pw-1"));

    for bad in [
        "replica",
        "=redis://h",
        "postgres=postgresql://h/d",
        "x=mongodb://h/d",
        "redis://:target-secret@h/?db=1",
        "x=mongodb://u:target-secret@h/d",
    ] {
        let out = railconn()
            .args(["check", "--no-env-file", "--target", bad])
            .run();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = stderr(&out);
        assert!(err.contains("--target"), "{bad}: {err}");
        assert!(!err.contains("target-secret"), "{bad}: {err}");
    }
    // Said in the run's language, as every usage mistake read after clap.
    let out = railconn()
        .args([
            "--lang",
            "ru",
            "check",
            "--no-env-file",
            "--target",
            "replica",
        ])
        .run();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("укажите ИМЯ=URL"), "{}", stderr(&out));
}

#[test]
fn urls_of_unchecked_kinds_are_listed_not_dropped() {
    let mut run = railconn();
    run.env("REDIS_URL", good_redis())
        .env(
            "MONGO_URL",
            "mongodb+srv://user:mongo-pw@cluster.invalid/app",
        )
        .env("KAFKA_URL", "kafka://127.0.0.1:1");
    let (r, out) = check_json(&mut run, &["--only", "redis"]);
    assert_eq!(out.status.code(), Some(0), "{r:#}");
    let listed: Vec<(&str, &str)> = r["not_checked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["variable"].as_str().unwrap(),
                u["scheme"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [("KAFKA_URL", "kafka"), ("MONGO_URL", "mongodb+srv")]
    );
    assert!(!stdout(&out).contains("mongo-pw"));

    let out = railconn()
        .env("MONGO_URL", "mongodb://user:mongo-pw@127.0.0.1:1/app")
        .env("CELERY_BROKER_URL", "redis://127.0.0.1:1")
        .env("REDIS_URL", "redis://127.0.0.1:2")
        .args(["env", "--no-env-file"])
        .run();
    let text = stdout(&out);
    assert!(
        text.contains("MONGO_URL") && text.contains("mongodb"),
        "{text}"
    );
    assert!(text.contains("CELERY_BROKER_URL"), "{text}");
    assert!(!text.contains("mongo-pw"), "{text}");
    // Each target's URL starts in one column, a long discovered name's too,
    // and its parts line sits under it.
    let column = |line: &str| line.find("redis://").or_else(|| line.find("host="));
    let targets: Vec<usize> = text
        .lines()
        .skip_while(|l| !l.starts_with("Targets"))
        .filter(|l| l.contains("redis://") || l.contains("host="))
        .filter_map(column)
        .collect();
    assert_eq!(targets.len(), 4, "{text}");
    assert!(
        targets.windows(2).all(|w| w[0] == w[1]),
        "{targets:?}\n{text}"
    );
}

#[test]
fn allow_turns_a_known_failure_or_finding_into_a_note() {
    let stopped = format!("redis://127.0.0.1:{}", closed_port());
    let mut run = railconn();
    run.env("REDIS_URL", format!(" {} ", good_redis()))
        .env("CELERY_BROKER_URL", &stopped);
    let args = ["--only", "kind:redis", "--strict"];
    let (r, out) = check_json(&mut run, &args);
    assert_eq!(out.status.code(), Some(1), "{r:#}");
    assert_eq!(check(&r, "redis")["status"], "warn");

    let mut run = railconn();
    run.env("REDIS_URL", format!(" {} ", good_redis()))
        .env("CELERY_BROKER_URL", &stopped);
    let allowed = [
        &args[..],
        &[
            "--allow",
            "connection_refused@CELERY_BROKER_URL",
            "--allow",
            "trimmed",
        ],
    ]
    .concat();
    let (r, out) = check_json(&mut run, &allowed);
    assert_eq!(out.status.code(), Some(0), "{r:#}");
    assert_eq!(r["ready"], true);
    let broker = check(&r, "CELERY_BROKER_URL");
    assert_eq!(broker["status"], "pass", "{broker:#}");
    assert!(broker["error"].is_null());
    let tcp = broker["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "tcp")
        .unwrap();
    assert_eq!(tcp["status"], "fail", "the failure is still shown");
    let note = broker["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "allowed")
        .expect("an allowed note");
    assert_eq!(note["severity"], "info");
    assert!(
        note["message"]
            .as_str()
            .unwrap()
            .contains("--allow connection_refused"),
        "{note:#}"
    );
    let redis = check(&r, "redis");
    assert_eq!(redis["status"], "pass", "{redis:#}");
    assert!(
        redis["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "info")
    );

    // Allowed on another check, the failure still fails the gate.
    let mut run = railconn();
    run.env("REDIS_URL", good_redis())
        .env("CELERY_BROKER_URL", &stopped);
    let (r, out) = check_json(
        &mut run,
        &[
            "--only",
            "kind:redis",
            "--allow",
            "connection_refused@redis",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{r:#}");

    for bad in ["nope", "@redis", "timeout@"] {
        let out = railconn()
            .args(["check", "--no-env-file", "--allow", bad])
            .run();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(stderr(&out).contains("--allow"), "{bad}: {}", stderr(&out));
    }
}

#[test]
fn wait_runs_the_full_check_as_soon_as_a_late_redis_listens() {
    use std::time::{Duration, Instant};

    use crate::support::lifecycle::free_port;
    use crate::support::redis::OwnRedis;

    let port = free_port();
    let late = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        let redis = OwnRedis::start(port, &[]);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            std::thread::sleep(Duration::from_millis(5));
        }
        (redis, Instant::now())
    });
    let url = format!("redis://127.0.0.1:{port}");
    // The backoff alone would pause 7.5 s or more after the first round.
    let out = railconn()
        .args([
            "wait",
            "--no-env-file",
            "--only",
            "redis",
            "--redis-url",
            &url,
        ])
        .args([
            "--timeout",
            "30s",
            "--interval",
            "10s",
            "--max-interval",
            "20s",
        ])
        .run();
    let exited = Instant::now();
    let (_redis, listening) = late.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reaction = exited.saturating_duration_since(listening);
    assert!(
        reaction < Duration::from_secs(3),
        "wait exited {reaction:?} after Redis listened"
    );
}

/// Celery's failover list (`redis://a;redis://b`, read by kombu) is one
/// check per URL, named `VAR.1`, `VAR.2`; the variable's name selects them
/// all.
#[test]
fn a_celery_failover_list_is_one_check_per_url() {
    let stopped = format!("redis://:redis-secret-pw@127.0.0.1:{}/1", closed_port());
    let list = format!("{};{stopped}", good_redis());
    let mut run = railconn();
    run.env("CELERY_BROKER_URL", &list);
    let (r, out) = check_json(&mut run, &["--only", "CELERY_BROKER_URL"]);
    assert_eq!(out.status.code(), Some(1), "{r:#}");
    // The defaults stay first (skipped by --only), then one check per URL.
    assert_eq!(
        names(&r)[3..],
        ["CELERY_BROKER_URL.1", "CELERY_BROKER_URL.2"]
    );
    assert_passed(&r, "CELERY_BROKER_URL.1");
    assert_failure(&r, "CELERY_BROKER_URL.2", "tcp", "connection_refused");
    assert_eq!(
        check(&r, "CELERY_BROKER_URL.2")["source"],
        "CELERY_BROKER_URL (environment)"
    );
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!all.contains("redis-secret-pw"), "{all}");

    // One broker down is still a failed gate, unless it is made optional.
    let mut run = railconn();
    run.env("CELERY_BROKER_URL", &list);
    let (r, out) = check_json(
        &mut run,
        &[
            "--only",
            "CELERY_BROKER_URL",
            "--optional",
            "CELERY_BROKER_URL.2",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{r:#}");
}

/// `CACHE_URL` equal to `REDIS_URL` is one check, `redis`: `--only
/// CACHE_URL` selects it (it was "nothing to check"), while `--optional`
/// and `--allow` with that name leave the required `redis` check alone and
/// say so (walkthrough and review of 2026-12-02).
#[test]
fn a_variable_merged_into_a_check_selects_it() {
    let stopped = format!("redis://127.0.0.1:{}", closed_port());
    let run = |args: &[&str]| {
        let mut run = railconn();
        run.env("REDIS_URL", &stopped).env("CACHE_URL", &stopped);
        let mut all = vec!["--skip", "postgres,jwt"];
        all.extend_from_slice(args);
        check_json(&mut run, &all)
    };
    let (r, out) = run(&["--only", "CACHE_URL"]);
    assert_eq!(out.status.code(), Some(1), "{r:#}");
    assert_eq!(names(&r), ["postgres", "redis", "jwt"]);
    assert_failure(&r, "redis", "tcp", "connection_refused");
    for flag in [
        ["--optional", "CACHE_URL"],
        ["--allow", "connection_refused@CACHE_URL"],
    ] {
        let (_, out) = run(&flag);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let said = stderr(&out);
        assert!(!said.contains("no check is called"), "{said}");
        assert!(
            said.contains("CACHE_URL holds the same URL as the `redis` check"),
            "{said}"
        );
    }
    let (_, out) = run(&["--optional", "redis"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Issue 18: a variable called `CELERY_BROKER_URL.1` (`.` is allowed) and
/// the first URL of `CELERY_BROKER_URL` were two checks with one name, and
/// `/healthz` showed the passing one. The variable keeps its name, the
/// failover URL becomes `CELERY_BROKER_URL.1#2`, and a warning names both.
#[test]
fn a_variable_and_a_failover_url_of_one_name_are_two_checks() {
    let stopped = format!("redis://127.0.0.1:{}/1", closed_port());
    let (report, output) = check_json(
        railconn()
            .env("CELERY_BROKER_URL.1", good_redis())
            .env("CELERY_BROKER_URL", format!("{stopped};{}/2", good_redis())),
        &["--only", "kind:redis", "--skip", "redis"],
    );
    let mut got = names(&report);
    got.sort();
    assert_eq!(
        got,
        [
            "CELERY_BROKER_URL.1",
            "CELERY_BROKER_URL.1#2",
            "CELERY_BROKER_URL.2",
            "jwt",
            "postgres",
            "redis"
        ]
    );
    assert_passed(&report, "CELERY_BROKER_URL.1");
    assert_eq!(check(&report, "CELERY_BROKER_URL.1#2")["status"], "fail");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let warning = stderr(&output);
    assert!(
        warning.contains(
            "two checks are called CELERY_BROKER_URL.1: CELERY_BROKER_URL.1 (environment) \
             keeps the name, and CELERY_BROKER_URL (environment) is checked as \
             CELERY_BROKER_URL.1#2"
        ),
        "{warning}"
    );
}

/// Issue 18, item 9: a `--target` NAME that a variable has replaced the
/// variable silently, so the app's own URL was never checked. Both run:
/// the variable keeps its name, the flag's check is `NAME#2`, a warning
/// says so; `--only NAME` selects both. Two `--target` flags with one
/// NAME are a usage error (exit 2), whatever the environment holds.
#[test]
fn a_target_named_like_a_variable_runs_beside_it() {
    let stopped = format!("redis://127.0.0.1:{}/1", closed_port());
    let (report, output) = check_json(
        railconn().env("CACHE_URL", &stopped),
        &[
            "--only",
            "CACHE_URL",
            "--target",
            &format!("CACHE_URL={}", good_redis()),
        ],
    );
    let selected: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] != "skip")
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(selected, ["CACHE_URL", "CACHE_URL#2"], "{report:#}");
    assert_eq!(check(&report, "CACHE_URL")["status"], "fail");
    assert_passed(&report, "CACHE_URL#2");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(
            "CACHE_URL (environment) keeps the name, and --target is checked as CACHE_URL#2"
        ),
        "{}",
        stderr(&output)
    );

    let twice = railconn()
        .args(["check", "--no-env-file", "--target", "A=redis://h1"])
        .args(["--target", "A=redis://h2"])
        .run();
    assert_eq!(twice.status.code(), Some(2));
    assert!(
        stderr(&twice).contains("`A` is given to --target twice"),
        "{}",
        stderr(&twice)
    );
    assert!(stdout(&twice).is_empty());
}
