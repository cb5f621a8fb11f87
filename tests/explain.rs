//! `railconn explain` (issue 23 item 5): a code looked up in the run's
//! language, the list, the whole catalog as JSON against its schema, and
//! every code the report schema allows explainable — the list comes from
//! `schema/report.schema.json`, so codes other work adds are covered too.

use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{railconn, stderr, stdout};

fn schema(name: &str) -> Value {
    let path = format!("{}/schema/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("read schema");
    serde_json::from_str(&text).expect("schema is JSON")
}

fn validate(document: &Value) {
    static SCHEMA: OnceLock<jsonschema::Validator> = OnceLock::new();
    let validator = SCHEMA.get_or_init(|| {
        jsonschema::validator_for(&schema("explain.schema.json")).expect("explain schema compiles")
    });
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "explain JSON does not match its schema: {errors:#?}"
    );
}

/// Every value of the report schema's `code` and `finding_code` enums.
fn report_codes() -> Vec<String> {
    let report = schema("report.schema.json");
    ["code", "finding_code"]
        .iter()
        .flat_map(|def| {
            report["$defs"][def]["enum"]
                .as_array()
                .unwrap_or_else(|| panic!("$defs.{def}.enum in the report schema"))
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn explain(args: &[&str]) -> std::process::Output {
    railconn().args(["explain"]).args(args).run()
}

/// The same codes, whatever the order each list keeps.
fn sorted<S: AsRef<str>>(codes: &[S]) -> Vec<String> {
    let mut codes: Vec<String> = codes.iter().map(|c| c.as_ref().to_string()).collect();
    codes.sort();
    codes
}

#[test]
fn auth_failed_is_explained_in_russian() {
    let out = explain(&["auth_failed", "--lang", "ru"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("auth_failed — Сервер отверг учётные данные."),
        "{text}"
    );
    for part in [
        "Где возникает: auth",
        "postgresql",
        "redis",
        "Причина",
        "Решение",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    assert!(text.contains("Ошибка  auth_failed на шаге auth"), "{text}");
}

#[test]
fn the_language_comes_from_the_locale_too() {
    let out = railconn()
        .args(["explain", "connection_refused"])
        .env("LANG", "ru_RU.UTF-8")
        .run();
    assert!(
        stdout(&out).contains("на этом порту никто не слушает"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn causes_and_fixes_come_per_kind_and_step() {
    let text = stdout(&explain(&["timeout"]));
    for kinds in [
        "postgresql (tls)",
        "redis (tls)",
        "postgresql (auth, query), redis (auth, ping), mysql, amqp",
    ] {
        assert!(text.contains(&format!("\n{kinds}\n")), "{kinds}: {text}");
    }
    // The kind's own variable, as the report would name it.
    assert!(text.contains("DATABASE_URL"), "{text}");
}

#[test]
fn a_finding_code_is_explained() {
    let out = explain(&["no_tables"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.starts_with("no_tables — The database has no tables"),
        "{text}"
    );
    assert!(text.contains("--allow no_tables"), "{text}");
}

#[test]
fn an_unknown_code_is_exit_2_with_a_suggestion() {
    let out = explain(&["auth_faild"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).contains("did you mean auth_failed?"),
        "{}",
        stderr(&out)
    );
    let out = explain(&["conection-refused", "--lang", "ru"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("имелся в виду connection_refused?"),
        "{}",
        stderr(&out)
    );
}

/// A URL pasted where a code belongs is not quoted back.
#[test]
fn an_unknown_code_never_echoes_a_secret() {
    let out = explain(&["postgresql://app:hunter2pw@db.example:5432/app"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains("hunter2pw"), "{}", stderr(&out));
}

#[test]
fn the_list_has_every_code_of_the_report_schema() {
    let out = explain(&["--list"]);
    assert_eq!(out.status.code(), Some(0));
    let listed: Vec<String> = stdout(&out)
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert_eq!(sorted(&listed), sorted(&report_codes()));
}

/// Every code the report may carry explains itself, in both languages,
/// and the whole catalog matches its schema and lists exactly those codes.
#[test]
fn every_report_code_is_explainable_and_the_catalog_matches_its_schema() {
    let codes = report_codes();
    for lang in ["en", "ru"] {
        let out = explain(&["--format", "json", "--lang", lang]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let catalog: Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
        validate(&catalog);
        assert_eq!(catalog["lang"], lang);
        let explained: Vec<&str> = catalog["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["code"].as_str().unwrap())
            .collect();
        assert_eq!(sorted(&explained), sorted(&codes));
    }
    for code in &codes {
        let out = explain(&[code, "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{code}: {}", stderr(&out));
        let entry: Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
        validate(&entry);
        assert_eq!(entry["code"], code.as_str());
    }
}

/// `--help` lists the variables from their declaration; `explain -h` is
/// a command of its own.
#[test]
fn help_lists_the_environment_variables() {
    let out = railconn().args(["--help"]).run();
    let text = stdout(&out);
    assert!(text.contains("Environment variables"), "{text}");
    for name in [
        "DATABASE_URL",
        "PGPASSWORD (secret;",
        "RAILCONN_SERVE_TOKEN",
        "NO_COLOR",
    ] {
        assert!(text.contains(name), "{name}: {text}");
    }
    let man = stdout(&railconn().args(["man"]).run());
    assert!(man.contains("RAILCONN_SERVE_TOKEN"));
}
