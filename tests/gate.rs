//! The gate a pipeline relies on: exit codes, --only/--skip/--optional/
//! --strict, where variables come from, and that no secret reaches any
//! output.

use crate::harness::{JWT_SECRET, assert_failure, assert_passed, check, check_json};
use crate::support::{closed_port, pg_tls, railconn, redis_auth, stderr, stdout};

fn good_pg() -> String {
    pg_tls().url("app", "app-secret-pw-1", "appdb", "")
}

fn good_redis() -> String {
    format!("redis://:redis-secret-pw@127.0.0.1:{}", redis_auth().port)
}

#[test]
fn all_good_is_ready_and_exits_0() {
    let mut run = railconn();
    run.env("DATABASE_URL", good_pg())
        .env("REDIS_URL", good_redis())
        .env("JWT_SECRET_KEY", JWT_SECRET);
    let (r, out) = check_json(&mut run, &[]);
    assert_eq!(out.status.code(), Some(0), "{r:#}");
    assert_eq!(
        (r["ready"].as_bool(), r["status"].as_str()),
        (Some(true), Some("pass")),
        "{r:#}"
    );
    for name in ["postgres", "redis", "jwt"] {
        assert_passed(&r, name);
    }
}

#[test]
fn a_failing_required_check_exits_1_and_optional_turns_it_into_a_warning() {
    let broken = format!("redis://127.0.0.1:{}", closed_port());
    let mut run = railconn();
    run.env("DATABASE_URL", good_pg())
        .env("REDIS_URL", &broken)
        .env("JWT_SECRET_KEY", JWT_SECRET);
    let (r, out) = check_json(&mut run, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(r["status"], "fail");
    let jwt_findings = check(&r, "jwt")["findings"].to_string();
    assert!(jwt_findings.contains("memory_fallback"), "{jwt_findings}");

    let mut run = railconn();
    run.env("DATABASE_URL", good_pg())
        .env("REDIS_URL", &broken)
        .env("JWT_SECRET_KEY", JWT_SECRET);
    let (r, out) = check_json(&mut run, &["--optional", "redis"]);
    assert_eq!(out.status.code(), Some(0), "{r:#}");
    assert_eq!(
        (r["ready"].as_bool(), r["status"].as_str()),
        (Some(true), Some("warn"))
    );
    assert_eq!(check(&r, "redis")["required"], false);

    let mut run = railconn();
    run.env("DATABASE_URL", good_pg())
        .env("REDIS_URL", &broken)
        .env("JWT_SECRET_KEY", JWT_SECRET);
    let (r, out) = check_json(&mut run, &["--optional", "redis", "--strict"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(r["ready"], false);
}

#[test]
fn only_and_skip_select_checks() {
    let (r, out) = check_json(
        &mut railconn(),
        &["--only", "postgres", "--database-url", &good_pg()],
    );
    assert_eq!(out.status.code(), Some(0), "{r:#}");
    assert_eq!(check(&r, "redis")["status"], "skip");
    assert_eq!(check(&r, "jwt")["status"], "skip");
    let (r, _) = check_json(
        &mut railconn(),
        &["--skip", "redis,jwt", "--database-url", &good_pg()],
    );
    assert_eq!(r["ready"], true);
}

#[test]
fn dotenv_is_read_and_the_process_environment_wins() {
    let mut run = railconn();
    run.env_file(&format!(
        "DATABASE_URL={}\nREDIS_URL=redis://127.0.0.1:{}\nJWT_SECRET_KEY={JWT_SECRET}\n",
        good_pg(),
        closed_port()
    ));
    run.env("REDIS_URL", good_redis());
    let out = run.args(["check", "--json"]).run();
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(out.status.code(), Some(0), "{r:#}");
    assert_eq!(check(&r, "postgres")["source"], "DATABASE_URL (.env)");
    assert_eq!(check(&r, "redis")["source"], "REDIS_URL (environment)");
}

#[test]
fn later_env_files_override_earlier_and_unreadable_files_exit_2() {
    let run = railconn();
    let first = run.dir.path().join("first.env");
    let second = run.dir.path().join("second.env");
    std::fs::write(
        &first,
        format!(
            "DATABASE_URL=postgresql://x@127.0.0.1:{}/x\n",
            closed_port()
        ),
    )
    .unwrap();
    std::fs::write(&second, format!("DATABASE_URL={}\n", good_pg())).unwrap();
    let mut run = run;
    let (first, second) = (first.display().to_string(), second.display().to_string());
    let out = run
        .args([
            "check",
            "--only",
            "postgres",
            "--env-file",
            &first,
            "--env-file",
            &second,
        ])
        .run();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    let out = railconn()
        .args(["check", "--env-file", "/nonexistent/railconn.env"])
        .run();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/railconn.env"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn quiet_prints_only_the_verdict() {
    let out = railconn()
        .args([
            "check",
            "-q",
            "--no-env-file",
            "--only",
            "postgres",
            "--database-url",
            &good_pg(),
        ])
        .run();
    assert_eq!(stdout(&out).trim(), "Verdict: ready to deploy");
}

/// The leak matrix: every secret of the suite, raw and percent-encoded,
/// through every command and format, with trace logging, against targets
/// that fail at each layer (config, dns, tcp, tls, auth, query) and succeed.
#[test]
fn no_secret_in_any_output() {
    let secrets = [
        "app-secret-pw-1",
        "redis-secret-pw",
        "wrong-pw-xyz",
        JWT_SECRET,
        "p%40ss",
        "p@ss:w/rd",
        "dotenv-only-secret",
    ];
    let ca = crate::support::pki().other_ca_cert.display().to_string();
    let scenarios = [
        (good_pg(), good_redis()),
        (
            pg_tls().url("app", "wrong-pw-xyz", "appdb", ""),
            format!("redis://:wrong-pw-xyz@127.0.0.1:{}", redis_auth().port),
        ),
        (
            pg_tls().url(
                "special",
                "p@ss:w/rd#1%?",
                "appdb",
                &format!("sslmode=verify-full&sslrootcert={ca}"),
            ),
            "redis://:redis-secret-pw@cache.railconn.invalid".to_string(),
        ),
        (
            "postgresql://app:p@ss:w/rd@127.0.0.1:1/x".to_string(),
            "rediss://:redis-secret-pw@127.0.0.1:1#bad".to_string(),
        ),
        (
            pg_tls().url("app", "app-secret-pw-1", "nodb", ""),
            format!("redis://:redis-secret-pw@127.0.0.1:{}", closed_port()),
        ),
    ];
    let commands: [&[&str]; 11] = [
        &["check", "--format", "text"],
        &["check", "--format", "json"],
        &["check", "--format", "junit"],
        &["check", "--format", "github"],
        &["check", "--format", "markdown"],
        &["env"],
        &["env", "--format", "json"],
        &["wait", "--timeout", "300ms", "--interval", "100ms"],
        &[
            "wait",
            "--timeout",
            "300ms",
            "--interval",
            "100ms",
            "--json",
        ],
        &["watch", "--count", "1"],
        &["watch", "--count", "1", "--format", "json"],
    ];
    for (pg, redis) in &scenarios {
        for command in commands {
            let mut run = railconn();
            run.env_file("SECRET_KEY=dotenv-only-secret\n");
            run.env("DATABASE_URL", pg)
                .env("REDIS_URL", redis)
                .env("JWT_SECRET_KEY", JWT_SECRET)
                .env("RUST_LOG", "trace");
            let out = run.args(command).run();
            let all = format!("{}{}", stdout(&out), stderr(&out));
            for secret in secrets {
                assert!(
                    !all.contains(secret),
                    "{secret} leaked by {command:?}:\n{all}"
                );
            }
        }
    }
}

#[test]
fn text_report_names_problem_cause_and_fix() {
    let mut run = railconn();
    run.env(
        "DATABASE_URL",
        pg_tls().url("app", "app-secret-pw-1", "nodb", ""),
    )
    .env("JWT_SECRET_KEY", "short");
    let out = run.args(["check", "--optional", "redis"]).run();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for expected in [
        "Problems",
        "database_not_found",
        "cause",
        "fix",
        "weak_secret",
        "Limitations",
        "not ready — 2 critical problems",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(
        !text.contains('\u{1b}'),
        "colour with NO_COLOR set:\n{text}"
    );
}

#[test]
fn jwt_weak_and_placeholder_secrets_fail() {
    for (secret, alg) in [
        ("too-short", "HS256"),
        ("secret", "HS256"),
        ("0123456789abcdef0123456789abcdef0123456789", "HS512"),
    ] {
        let mut run = railconn();
        run.env("JWT_SECRET", secret).env("JWT_ALGORITHM", alg);
        let (r, _) = check_json(&mut run, &["--only", "jwt"]);
        assert_failure(&r, "jwt", "key", "weak_secret");
    }
    let mut run = railconn();
    run.env("SECRET_KEY", JWT_SECRET).env("ALGORITHM", "none");
    let (r, _) = check_json(&mut run, &["--only", "jwt"]);
    assert_failure(&r, "jwt", "config", "unsupported_algorithm");
}

#[test]
fn skipping_every_check_is_a_usage_error() {
    let out = railconn()
        .args(["check", "--skip", "postgres,redis,jwt"])
        .run();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("nothing to check"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_railway_reference_in_dotenv_is_named() {
    let mut run = railconn();
    run.env_file("DATABASE_URL=${{Postgres.DATABASE_URL}}\n");
    let out = run.args(["check", "--json", "--only", "postgres"]).run();
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_failure(&r, "postgres", "config", "invalid_url");
    let message = check(&r, "postgres")["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("Railway reference"), "{message}");
}

/// Shapes that leaked before (review of 2026-11-26), each a regression test.
#[test]
fn review_leak_regressions() {
    // An `@` in a query value must not turn the password into a "port".
    let url = format!(
        "postgresql://app:app-secret-pw-1@127.0.0.1:{}/appdb?application_name=x@y",
        pg_tls().port
    );
    let (r, _) = crate::harness::check_json(
        &mut railconn(),
        &["--only", "postgres", "--database-url", &url],
    );
    assert_passed(&r, "postgres");
    // A host forgotten after the password.
    let out = railconn()
        .args([
            "check",
            "--only",
            "redis",
            "--redis-url",
            "redis://default:hunter2-secret",
        ])
        .run();
    assert!(!format!("{}{}", stdout(&out), stderr(&out)).contains("hunter2-secret"));
    // A usage error quoting a URL with a query password.
    let out = railconn()
        .args(["check", "postgresql://db/x?password=hunter2-secret"])
        .run();
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains("hunter2-secret"), "{}", stderr(&out));
}

#[test]
fn a_redis_without_auth_echoing_the_password_is_masked() {
    use crate::support::lifecycle::{free_port, wait_for_port};
    use crate::support::redis::OwnRedis;
    let port = free_port();
    let _redis = OwnRedis::start(port, &["--rename-command", "AUTH", ""]);
    wait_for_port(port);
    let url = format!("redis://default:echoed-secret-pw@127.0.0.1:{port}");
    let out = railconn()
        .args([
            "check",
            "--no-env-file",
            "--only",
            "redis",
            "--redis-url",
            &url,
            "--json",
        ])
        .run();
    let text = stdout(&out);
    assert!(text.contains("unknown command"), "{text}");
    assert!(!text.contains("echoed-secret-pw"), "{text}");
}

#[test]
fn absurd_durations_and_unreadable_key_files_do_not_hang_or_panic() {
    let out = railconn()
        .args(["check", "--only", "jwt", "--timeout", "500000000000years"])
        .run();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let run = railconn();
    let fifo = run.dir.path().join("key.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if made {
        let mut run = run;
        run.env("JWT_ALGORITHM", "RS256")
            .env("JWT_PRIVATE_KEY", &fifo);
        let (r, _) = crate::harness::check_json(&mut run, &["--only", "jwt"]);
        assert_failure(&r, "jwt", "key", "invalid_key");
    }
}

/// With `--public`, the missing variable is `DATABASE_PUBLIC_URL`: the
/// cause must not blame `DATABASE_URL`, which is not even read then.
#[test]
fn a_missing_url_under_public_blames_the_variables_that_were_read() {
    let mut run = railconn();
    run.env("DATABASE_URL", "postgresql://app@127.0.0.1:1/appdb");
    let (r, out) = check_json(&mut run, &["--public", "--only", "postgres"]);
    assert_eq!(out.status.code(), Some(1), "{r:#}");
    let pg = check(&r, "postgres");
    assert_eq!(pg["error"]["code"], "missing_config", "{pg:#}");
    assert!(
        pg["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("DATABASE_PUBLIC_URL")),
        "{pg:#}"
    );
    let cause = pg["cause"].as_str().unwrap_or_default();
    assert!(!cause.contains("DATABASE_URL"), "{cause}");
}
