//! Helpers for reading railconn's JSON report in tests, and the schema
//! check every JSON report in the suite goes through.

use std::process::Output;
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{Railconn, stderr, stdout};

/// A secret-looking value every test can grep outputs for.
pub const JWT_SECRET: &str = "jwt-secret-0123456789abcdef0123456789abcdef";

/// Runs `railconn check --json` with the given extra args, validates the
/// document against the schema, and returns it with the raw output.
pub fn check_json(run: &mut Railconn, args: &[&str]) -> (Value, Output) {
    let mut full = vec!["check", "--json", "--no-env-file"];
    full.extend_from_slice(args);
    let output = run.args(full).run();
    let text = stdout(&output);
    let report: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{text}\nstderr:\n{}",
            stderr(&output)
        )
    });
    validate(&report);
    (report, output)
}

/// Validates a report against `schema/report.schema.json`.
pub fn validate(report: &Value) {
    static SCHEMA: OnceLock<jsonschema::Validator> = OnceLock::new();
    let validator = SCHEMA.get_or_init(|| {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/report.schema.json"
        ))
        .expect("read schema");
        let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        jsonschema::validator_for(&schema).expect("schema compiles")
    });
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match the schema: {errors:#?}\n{report:#}"
    );
}

/// The check named `name` in a report.
pub fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no check {name} in {report:#}"))
}

/// `(step, code)` of a check's decisive error, or `None` when it passed.
pub fn failure(report: &Value, name: &str) -> Option<(String, String)> {
    let error = &check(report, name)["error"];
    if error.is_null() {
        return None;
    }
    Some((
        error["step"].as_str()?.to_string(),
        error["code"].as_str()?.to_string(),
    ))
}

/// A step's status, e.g. `status(&r, "postgres", "tls") == "pass"`.
pub fn status(report: &Value, name: &str, step: &str) -> String {
    let steps = check(report, name)["steps"].as_array().expect("steps");
    let step = steps
        .iter()
        .find(|s| s["name"] == step)
        .unwrap_or_else(|| panic!("no step {step}"));
    step["status"].as_str().unwrap_or_default().to_string()
}

/// A step's detail text.
pub fn detail(report: &Value, name: &str, step: &str) -> String {
    let steps = check(report, name)["steps"].as_array().expect("steps");
    let step = steps.iter().find(|s| s["name"] == step).expect("step");
    step["detail"].as_str().unwrap_or_default().to_string()
}

/// Asserts a check failed at `step` with `code`, showing the report if not.
pub fn assert_failure(report: &Value, name: &str, step: &str, code: &str) {
    let got = failure(report, name);
    assert_eq!(
        got,
        Some((step.to_string(), code.to_string())),
        "{:#}",
        check(report, name)
    );
    let c = check(report, name);
    assert!(
        c["cause"].as_str().is_some_and(|t| !t.is_empty()),
        "no cause: {c:#}"
    );
    assert!(
        c["fix"].as_str().is_some_and(|t| !t.is_empty()),
        "no fix: {c:#}"
    );
}

/// Asserts a check passed (status pass or warn).
pub fn assert_passed(report: &Value, name: &str) {
    let c = check(report, name);
    assert!(
        matches!(c["status"].as_str(), Some("pass" | "warn")),
        "{c:#}"
    );
}

/// The schema's code lists are the contract scripts match on: they must
/// list exactly the codes the binary can emit.
#[test]
fn schema_lists_every_code() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/report.schema.json"
    ))
    .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let listed = |name: &str| -> Vec<String> {
        let list = schema["$defs"][name]["enum"].as_array().expect("enum");
        let mut names: Vec<String> = list
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    let sorted = |codes: Vec<&str>| -> Vec<String> {
        let mut names: Vec<String> = codes.into_iter().map(str::to_string).collect();
        names.sort();
        names
    };
    assert_eq!(
        listed("code"),
        sorted(railconn::Code::ALL.iter().map(|c| c.as_str()).collect())
    );
    assert_eq!(
        listed("finding_code"),
        sorted(
            railconn::FindingCode::ALL
                .iter()
                .map(|c| c.as_str())
                .collect()
        )
    );
}
