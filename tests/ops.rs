//! Pipelines and operations: `wait` against servers that come late, never
//! come, or reject the password; `watch` seeing a server stop and restart;
//! JUnit (parsed as XML), GitHub and Markdown output; `env`; completions;
//! Ctrl-C.

use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::JWT_SECRET;
use crate::support::lifecycle::{free_port, wait_for_port};
use crate::support::redis::OwnRedis;
use crate::support::{Fault, closed_port, fault, pg_tls, railconn, redis_auth, stderr, stdout};

#[test]
fn wait_succeeds_once_a_late_redis_comes_up() {
    let port = free_port();
    let late = thread::spawn(move || {
        thread::sleep(Duration::from_secs(2));
        OwnRedis::start(port, &[])
    });
    let started = Instant::now();
    let url = format!("redis://127.0.0.1:{port}");
    let out = railconn()
        .args([
            "wait",
            "--no-env-file",
            "--only",
            "redis",
            "--redis-url",
            &url,
            "--timeout",
            "20s",
            "--interval",
            "200ms",
            "--max-interval",
            "500ms",
        ])
        .run();
    let elapsed = started.elapsed();
    let _redis = late.join().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        elapsed >= Duration::from_millis(1500) && elapsed < Duration::from_secs(15),
        "{elapsed:?}"
    );
}

#[test]
fn wait_gives_up_at_the_timeout_with_the_last_report() {
    let started = Instant::now();
    let url = format!("redis://127.0.0.1:{}", closed_port());
    let out = railconn()
        .args([
            "wait",
            "--no-env-file",
            "--only",
            "redis",
            "--redis-url",
            &url,
            "--timeout",
            "2s",
            "--interval",
            "200ms",
            "--json",
        ])
        .run();
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    // It may end up to one short round (500 ms) early, when no round fits.
    assert!(
        elapsed >= Duration::from_millis(1400) && elapsed < Duration::from_secs(8),
        "{elapsed:?}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&stdout(&out)).expect("last report as JSON");
    crate::harness::validate(&report);
    assert!(stderr(&out).contains("not ready after"), "{}", stderr(&out));
}

#[test]
fn wait_stops_early_on_a_wrong_password() {
    let started = Instant::now();
    let url = format!("redis://:wrong-pw-xyz@127.0.0.1:{}", redis_auth().port);
    let out = railconn()
        .args([
            "wait",
            "--no-env-file",
            "--only",
            "redis",
            "--redis-url",
            &url,
            "--timeout",
            "30s",
        ])
        .run();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(
        stderr(&out).contains("stopped early") && stderr(&out).contains("auth_failed"),
        "{}",
        stderr(&out)
    );
    assert!(!format!("{}{}", stdout(&out), stderr(&out)).contains("wrong-pw-xyz"));
}

#[test]
fn wait_then_runs_the_command_and_returns_its_exit_code() {
    let url = pg_tls().url("app", "app-secret-pw-1", "appdb", "");
    let out = railconn()
        .args([
            "wait",
            "--no-env-file",
            "--only",
            "postgres",
            "--database-url",
            &url,
            "--",
            "sh",
            "-c",
            "echo started; exit 7",
        ])
        .run();
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(
        stdout(&out),
        "started\n",
        "the report must not mix into the command's stdout"
    );
    assert!(stderr(&out).contains("ready to deploy"), "{}", stderr(&out));
    let out = railconn()
        .args([
            "wait",
            "--no-env-file",
            "--only",
            "postgres",
            "--database-url",
            &url,
            "--",
            "/nonexistent/app",
        ])
        .run();
    assert_eq!(out.status.code(), Some(127));
}

#[test]
fn watch_sees_a_server_stop_and_come_back() {
    let port = free_port();
    let mut redis = Some(OwnRedis::start(port, &[]));
    wait_for_port(port);
    let url = format!("redis://127.0.0.1:{port}");
    let mut run = railconn();
    run.args([
        "watch",
        "--no-env-file",
        "--only",
        "redis",
        "--redis-url",
        &url,
        "--interval",
        "150ms",
        "--heartbeat",
        "0",
    ]);
    run.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = run.cmd.spawn().expect("spawn watch");
    thread::sleep(Duration::from_millis(1200));
    redis.take();
    thread::sleep(Duration::from_millis(1200));
    let _back = OwnRedis::start(port, &[]);
    wait_for_port(port);
    thread::sleep(Duration::from_millis(1200));
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().expect("watch output");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("redis: pass -> fail connection_refused"),
        "{text}"
    );
    assert!(text.contains("redis: fail -> pass"), "{text}");
    assert!(
        text.contains("redis: available") && text.contains("connection_refused ×"),
        "{text}"
    );
}

#[test]
fn watch_json_is_one_object_per_round_then_a_summary() {
    let url = format!("redis://:redis-secret-pw@127.0.0.1:{}", redis_auth().port);
    let out = railconn()
        .args([
            "watch",
            "--no-env-file",
            "--only",
            "redis",
            "--redis-url",
            &url,
            "--interval",
            "50ms",
            "--count",
            "3",
            "--format",
            "json",
        ])
        .run();
    let text = stdout(&out);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("NDJSON"))
        .collect();
    assert_eq!(lines.len(), 4, "{text}");
    for (i, round) in lines[..3].iter().enumerate() {
        assert_eq!(round["round"], i as u64 + 1);
        crate::harness::validate(round);
    }
    assert_eq!(lines[3]["summary"]["redis"]["availability_percent"], 100.0);
    assert!(!text.contains("redis-secret-pw"));
}

#[test]
fn junit_parses_as_xml_with_a_failure_per_failed_check() {
    let run = railconn();
    let xml_path = run.dir.path().join("railconn.xml");
    let mut run = run;
    run.env(
        "DATABASE_URL",
        pg_tls().url("app", "app-secret-pw-1", "appdb", ""),
    )
    .env("REDIS_URL", format!("redis://127.0.0.1:{}", closed_port()))
    .env("JWT_SECRET_KEY", JWT_SECRET);
    let out = run
        .args([
            "check",
            "--format",
            "junit",
            "--output",
            &xml_path.display().to_string(),
        ])
        .run();
    assert_eq!(out.status.code(), Some(1));
    let xml = stdout(&out);
    assert_eq!(
        std::fs::read_to_string(&xml_path).unwrap(),
        xml,
        "--output writes the same report"
    );
    let (cases, failures) = junit_cases(&xml);
    assert_eq!(cases, ["postgres", "redis", "jwt"]);
    assert_eq!(failures, [("connection_refused".to_string(), true)]);
    assert!(!xml.contains("app-secret-pw-1") && !xml.contains(JWT_SECRET));
}

/// Test case names, and for each failure its type and whether its message
/// carries the cause.
fn junit_cases(xml: &str) -> (Vec<String>, Vec<(String, bool)>) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut cases, mut failures) = (Vec::new(), Vec::new());
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let attr = |name: &str| {
                    e.try_get_attribute(name).ok().flatten().map(|a| {
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .unwrap()
                            .into_owned()
                    })
                };
                match e.name().as_ref() {
                    b"testcase" => cases.push(attr("name").unwrap()),
                    b"failure" => {
                        failures.push((attr("type").unwrap(), attr("message").unwrap().len() > 30));
                    }
                    _ => {}
                }
            }
            Event::Eof => return (cases, failures),
            _ => {}
        }
    }
}

#[test]
fn github_format_annotates_and_writes_the_step_summary() {
    let run = railconn();
    let summary = run.dir.path().join("summary.md");
    std::fs::write(&summary, "previous step\n").unwrap();
    let mut run = run;
    run.env("GITHUB_STEP_SUMMARY", &summary)
        .env("JWT_SECRET_KEY", "short");
    let out = run
        .args(["check", "--format", "github", "--only", "jwt"])
        .run();
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("::error title=railconn jwt%3A weak_secret at key::")),
        "{text}"
    );
    let markdown = std::fs::read_to_string(&summary).unwrap();
    assert!(
        markdown.starts_with("previous step\n"),
        "appends: {markdown}"
    );
    assert!(
        markdown.contains("| jwt |") && markdown.contains("weak_secret"),
        "{markdown}"
    );
}

#[test]
fn env_shows_sources_and_redacts() {
    let mut run = railconn();
    run.env_file("DATABASE_URL=postgresql://app:dotenv-secret@db.example/app\nJWT_SECRET=file-secret-value\n");
    run.env("JWT_SECRET_KEY", JWT_SECRET)
        .env("REDIS_URL", "redis://:redis-secret-pw@cache.example:6379");
    let out = run.args(["env", "--format", "json"]).run();
    let text = stdout(&out);
    for secret in [
        "dotenv-secret",
        "file-secret-value",
        JWT_SECRET,
        "redis-secret-pw",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let var = |name: &str| {
        report["variables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(var("DATABASE_URL")["source"], ".env");
    assert_eq!(
        var("DATABASE_URL")["value"],
        "postgresql://app:***@db.example/app"
    );
    assert_eq!(var("JWT_SECRET_KEY")["state"], "set");
    assert_eq!(var("JWT_SECRET")["state"], "shadowed");
    assert_eq!(var("JWT_PRIVATE_KEY")["state"], "missing");
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = railconn().args(["completions", shell]).run();
        assert!(
            out.status.success() && stdout(&out).contains("railconn"),
            "{shell}"
        );
    }
    let out = railconn().args(["man"]).run();
    assert!(stdout(&out).contains(".TH railconn"), "{}", stdout(&out));
}

#[test]
fn ctrl_c_during_check_prints_what_finished_and_exits_130() {
    let started = Instant::now();
    let out = signal_a_stuck_check("-INT", "redis");
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(out.status.code(), Some(130));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("partial report");
    crate::harness::validate(&report);
    assert_eq!(crate::harness::check(&report, "jwt")["status"], "pass");
    assert_eq!(crate::harness::check(&report, "postgres")["status"], "skip");
    assert_eq!(
        (report["ready"].as_bool(), report["interrupted"].as_bool()),
        (Some(false), Some(true))
    );
}

/// Runs `check` against a PostgreSQL port that never answers (skipping
/// `skip`), sends it `signal` after 800 ms, and returns its output.
fn signal_a_stuck_check(signal: &str, skip: &str) -> std::process::Output {
    let url = format!("postgresql://app:pw@127.0.0.1:{}/db", fault(Fault::Silent));
    let mut run = railconn();
    run.env("JWT_SECRET_KEY", JWT_SECRET);
    run.args([
        "check",
        "--no-env-file",
        "--skip",
        skip,
        "--database-url",
        &url,
        "--timeout",
        "60s",
        "--json",
    ]);
    run.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = run.cmd.spawn().expect("spawn check");
    thread::sleep(Duration::from_millis(800));
    let _ = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status();
    child.wait_with_output().expect("output")
}

#[test]
fn wait_strict_stops_early_when_only_lasting_warnings_remain() {
    let started = Instant::now();
    let mut run = railconn();
    run.env("JWT_SECRET_KEY", JWT_SECRET)
        .env("ACCESS_TOKEN_EXPIRE_MINUTES", "99999");
    let out = run
        .args([
            "wait",
            "--no-env-file",
            "--only",
            "jwt",
            "--strict",
            "--timeout",
            "30s",
        ])
        .run();
    assert_eq!(out.status.code(), Some(1));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        stderr(&out).contains("only warnings remain"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn junit_and_exit_code_agree_under_strict_with_an_optional_failure() {
    let mut run = railconn();
    run.env("REDIS_URL", format!("redis://127.0.0.1:{}", closed_port()))
        .env("JWT_SECRET_KEY", JWT_SECRET);
    let out = run
        .args([
            "check",
            "--no-env-file",
            "--skip",
            "postgres",
            "--optional",
            "redis",
            "--strict",
            "--format",
            "junit",
        ])
        .run();
    assert_eq!(out.status.code(), Some(1));
    let (_, failures) = junit_cases(&stdout(&out));
    assert!(!failures.is_empty(), "{}", stdout(&out));
}

#[test]
fn sigterm_stops_a_check_with_143() {
    let out = signal_a_stuck_check("-TERM", "redis,jwt");
    assert_eq!(out.status.code(), Some(143));
}
