//! The report's language (issue 13): the same failing run in English and
//! Russian has the same codes, verdict and exit code; `--lang` beats the
//! locale, and `LC_ALL` beats `LC_MESSAGES` and `LANG`.

use crate::support::pgbouncer::pgbouncer;
use crate::support::{Fault, closed_port, fault, railconn, stderr, stdout};

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
        "Предупреждения",
        "Итог: деплоить нельзя — 2 критические проблемы",
    ] {
        assert!(ru.contains(section), "{section} missing:\n{ru}");
    }
    for word in ["connection_refused", "dns_not_found", "Причина", "Решение"] {
        assert!(ru.contains(word), "{word} missing:\n{ru}");
    }
    assert!(
        en.contains("Verdict: not ready — 2 critical problems"),
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

/// The failures whose words reached Russian reports in English before the
/// provider tips, the pooler's words, redis-rs's URL refusals and
/// `--resolve` moved to the catalogs: a Russian report of them has no
/// English sentence. English may remain only in names, identifiers,
/// commands, URLs, code spans, «quotes» and the servers' own words, which
/// each run lists.
#[test]
fn russian_reports_have_no_english_sentences() {
    let port = fault(Fault::ReadClose);
    let host = "roundhouse.proxy.rlwy.net";
    let proxy = format!("postgresql://postgres:pw@{host}:{port}/railway");
    let proxy_pin = format!("{host}:{port}:127.0.0.1");
    let bouncer = pgbouncer();
    let neon = "ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech";
    let neon_pin = format!("{neon}:{}:127.0.0.1", bouncer.port);
    let neon_url = bouncer.url("appdb").replace("127.0.0.1", neon);
    let shop = bouncer.url("shop");
    let runs: [(&[&str], &[&str]); 3] = [
        // Railway's proxy closing (a provider tip), a wildcard Redis host.
        (
            &[
                "--database-url",
                &proxy,
                "--resolve",
                &proxy_pin,
                "--redis-url",
                "redis://0.0.0.0:6379",
            ],
            &[],
        ),
        // PgBouncer without the database (a pooler tip), a RESP version
        // redis-rs does not know.
        (
            &[
                "--database-url",
                &shop,
                "--redis-url",
                "redis://127.0.0.1:6379/?protocol=resp9",
            ],
            &["no such database"],
        ),
        // A healthy check through Neon's pooler: the pooler note.
        (
            &[
                "--only",
                "postgres",
                "--database-url",
                &neon_url,
                "--resolve",
                &neon_pin,
            ],
            &[],
        ),
    ];
    for (args, server_words) in runs {
        let out = railconn()
            .args(["check", "--no-env-file", "--lang", "ru"])
            .args(args)
            .run();
        let mut text = stdout(&out);
        for words in server_words {
            assert!(text.contains(words), "{words}:\n{text}");
            text = text.replace(words, "");
        }
        let english = english_runs(&text);
        assert!(english.is_empty(), "{english:?} in:\n{text}");
        assert!(text.contains("Итог"), "{text}");
    }
    // JSON names the provider in the report's language too; the id stays.
    let out = railconn()
        .args(["check", "--no-env-file", "--lang", "ru", "--format", "json"])
        .args([
            "--only",
            "postgres",
            "--database-url",
            &proxy,
            "--resolve",
            &proxy_pin,
        ])
        .run();
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON report");
    let place = &crate::harness::check(&report, "postgres")["provider"];
    assert_eq!(place["id"], "railway_proxy");
    assert_eq!(place["name"], "TCP-прокси Railway");
    let out = railconn()
        .args(["check", "--no-env-file", "--lang", "ru"])
        .args(["--resolve", "db.example.com:5432"])
        .run();
    assert_eq!(out.status.code(), Some(2));
    let error = stderr(&out);
    assert!(error.contains("укажите HOST:PORT:ADDR"), "{error}");
    assert!(english_runs(&error).is_empty(), "{error}");
}

/// Every Russian golden file (text, quiet, Markdown, GitHub, JUnit, JSON,
/// env, watch) is Russian by the same rule.
#[test]
fn russian_golden_files_have_no_english_sentences() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/golden") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if !name.contains(".ru.") {
            continue;
        }
        seen += 1;
        let text = std::fs::read_to_string(&path).expect("golden file");
        let english = english_runs(&text);
        assert!(english.is_empty(), "{name}: {english:?}");
    }
    assert!(seen >= 3, "only {seen} Russian golden files");
}

/// Runs of three or more English words, one of them a function word,
/// outside code spans and «quotes»; tokens with a digit or a character
/// such as `_./:=@$%<>` (identifiers, hosts, URLs) break a run. The same
/// rule as the catalog test in `src/i18n/tests.rs`.
fn english_runs(text: &str) -> Vec<String> {
    const FUNCTION_WORDS: &[&str] = &[
        "a", "an", "the", "is", "are", "was", "were", "be", "been", "to", "of", "in", "on", "for",
        "with", "not", "no", "and", "or", "but", "by", "from", "at", "as", "if", "it", "its",
        "this", "that", "these", "has", "have", "does", "do", "can", "cannot", "will", "would",
        "should", "must", "than", "then", "there", "which", "who", "what", "when", "where",
        "while", "you", "your", "we", "they", "their",
    ];
    let mut plain = String::new();
    let mut closing: Option<char> = None;
    for c in text.chars() {
        match closing {
            Some(end) if c == end => closing = None,
            Some(_) => {}
            None if c == '`' => closing = Some('`'),
            None if c == '«' => closing = Some('»'),
            None => plain.push(c),
        }
    }
    let mut runs = Vec::new();
    for line in plain.lines() {
        let mut run: Vec<&str> = Vec::new();
        for token in line.split_whitespace().chain([""]) {
            let word = token.trim_matches(|c: char| ",;:!?()[]\"'.—".contains(c));
            let english = word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && word.len() > 1
                && word.chars().any(|c| c.is_ascii_lowercase())
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphabetic() || c == '\'' || c == '-');
            if english {
                run.push(word);
                continue;
            }
            let sentence = run
                .iter()
                .any(|w| FUNCTION_WORDS.contains(&w.to_ascii_lowercase().as_str()));
            if run.len() >= 3 && sentence {
                runs.push(run.join(" "));
            }
            run.clear();
        }
    }
    runs
}
