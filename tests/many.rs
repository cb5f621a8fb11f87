//! Many targets, many secrets, many variables (issue 18): what an
//! attacker's or a large app's configuration costs must grow linearly,
//! and nothing may recurse as deep as the input is long.

use std::time::{Duration, Instant};

use std::process::Output;

use serde_json::Value;

use crate::harness::validate;
use crate::support::{railconn, stderr, stdout};

/// The JSON report on stdout, checked against the schema.
fn report_of(output: &Output) -> Value {
    let report =
        serde_json::from_str(&stdout(output)).unwrap_or_else(|e| panic!("{e}: {}", stderr(output)));
    validate(&report);
    report
}

/// 256 Redis targets, each with its own password, at a port that refuses:
/// scrubbing the report took 24 s (cubic in the targets) and must take a
/// fraction of the 5 s bound now.
#[test]
fn two_hundred_fifty_six_targets_with_passwords_take_under_five_seconds() {
    let port = crate::support::fault::closed_port();
    let targets: Vec<String> = (0..256)
        .map(|i| format!("T{i:03}=redis://:pw-{i}-secret-value@127.0.0.1:{port}"))
        .collect();
    let mut args = vec!["check", "--json", "--no-env-file", "--only", "kind:redis"];
    args.extend(["--timeout", "3s"]);
    for target in &targets {
        args.extend(["--target", target.as_str()]);
    }
    let started = Instant::now();
    let output = railconn().args(&args).run();
    let took = started.elapsed();
    let report = report_of(&output);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let checks = report["checks"].as_array().expect("checks");
    assert_eq!(
        checks
            .iter()
            .filter(|c| c["name"].as_str().is_some_and(|n| n.starts_with('T')))
            .count(),
        256
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
    let text = report.to_string();
    assert!(!text.contains("-secret-value"), "a password leaked");
}

/// A `.env` of 20,000 variables sharing one URL (about 900 KB, under the
/// 1 MiB limit): the list of the check's variables nested one message per
/// variable, and rendering it overflowed the stack (exit 134). `env` and
/// `check` now finish with a normal report naming them all.
#[test]
fn twenty_thousand_variables_sharing_one_url_make_a_normal_report() {
    let port = crate::support::fault::closed_port();
    let line = format!("_URL=redis://:pw@127.0.0.1:{port}/3\n");
    let contents: String = (0..20_000)
        .flat_map(|i| ["APP_CACHE_".to_string(), format!("{i:05}"), line.clone()])
        .collect();
    for (command, code) in [("env", 0), ("check", 1)] {
        let mut run = railconn();
        let file = run.env_file(&contents);
        let started = Instant::now();
        let output = run
            .args([command, "--env-file"])
            .args([&file])
            .run_with_timeout(Duration::from_secs(120));
        let took = started.elapsed();
        assert_eq!(
            output.status.code(),
            Some(code),
            "{command}: {}",
            stderr(&output)
        );
        let text = stdout(&output);
        assert!(text.contains("APP_CACHE_00000_URL"), "{command}");
        assert!(text.contains("APP_CACHE_19999_URL"), "{command}");
        assert!(took < Duration::from_secs(60), "{command}: {took:?}");
    }
}
