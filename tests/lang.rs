//! The report's language (issue 13): the same failing run in English and
//! Russian has the same codes, verdict and exit code; `--lang` beats the
//! locale, and `LC_ALL` beats `LC_MESSAGES` and `LANG`.

use crate::support::{closed_port, railconn};

/// A stopped PostgreSQL (nothing listens on its port) and a Redis whose
/// name does not resolve.
fn failing_run(locale: &[(&str, &str)], extra: &[&str]) -> (String, i32) {
    let mut cmd = railconn();
    let database = format!("postgresql://postgres@127.0.0.1:{}/app", closed_port());
    cmd.args(["check", "--no-env-file", "--database-url", &database])
        .args(["--redis-url", "redis://cache.invalid:6379"])
        .args(extra)
        .env(
            "JWT_SECRET_KEY",
            "3f6c1e0a9b7d4c2e8f1a6b3d5c7e9f0a2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a",
        );
    for (key, value) in locale {
        cmd.env(key, value);
    }
    let out = cmd.run();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (text, out.status.code().unwrap_or(-1))
}

fn json_run(locale: &[(&str, &str)]) -> serde_json::Value {
    let (text, _) = failing_run(locale, &["--format", "json"]);
    serde_json::from_str(&text).expect("JSON report")
}

#[test]
fn russian_report_has_the_english_codes_verdict_and_exit_code() {
    let (en, en_code) = failing_run(&[], &[]);
    let (ru, ru_code) = failing_run(&[("LANG", "ru_RU.UTF-8")], &[]);
    assert_eq!(en_code, 1, "{en}");
    assert_eq!(ru_code, en_code, "{ru}");
    for section in [
        "Что работает",
        "Проблемы",
        "Ограничения",
        "Итог: деплоить нельзя: 2 критические проблемы",
    ] {
        assert!(ru.contains(section), "{section} missing:\n{ru}");
    }
    for word in ["connection_refused", "dns_not_found", "причина", "решение"] {
        assert!(ru.contains(word), "{word} missing:\n{ru}");
    }
    assert!(
        en.contains("Verdict: not ready: 2 critical problems"),
        "{en}"
    );
    assert!(!ru.contains("Verdict") && !ru.contains("cause "), "{ru}");

    let en = json_run(&[]);
    let ru = json_run(&[("LANG", "ru_RU.UTF-8")]);
    for key in ["ready", "status", "schema_version"] {
        assert_eq!(en[key], ru[key], "{key}");
    }
    let codes = |report: &serde_json::Value| -> Vec<(String, String)> {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["name"].to_string(), c["error"]["code"].to_string()))
            .collect()
    };
    assert_eq!(codes(&en), codes(&ru));
    assert_ne!(en["checks"][0]["cause"], ru["checks"][0]["cause"]);
}

#[test]
fn the_flag_beats_the_locale_and_lc_all_beats_lang() {
    let (text, _) = failing_run(&[("LC_ALL", "ru_RU.UTF-8")], &["--lang", "en"]);
    assert!(text.contains("Verdict: not ready"), "{text}");
    let (text, _) = failing_run(&[("LC_ALL", "C.UTF-8"), ("LANG", "ru_RU.UTF-8")], &[]);
    assert!(text.contains("Verdict: not ready"), "{text}");
    let (text, _) = failing_run(&[("LC_ALL", "ru_RU.UTF-8"), ("LANG", "en_US.UTF-8")], &[]);
    assert!(text.contains("Итог: деплоить нельзя"), "{text}");
    let (text, _) = failing_run(&[("LANG", "de_DE.UTF-8")], &[]);
    assert!(text.contains("Verdict: not ready"), "{text}");
}
