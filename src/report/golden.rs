//! Golden files: every renderer on fixed, hand-built reports (no server),
//! in English and in Russian wherever it prints words: the check report as
//! text, JSON, JUnit, GitHub annotations and Markdown
//! (`tests/golden/report.*`), `env`'s text and JSON (`env.*`) and
//! `watch`'s lines and NDJSON (`watch.*`). `UPDATE_GOLDEN=1 cargo test
//! golden` rewrites them after a deliberate change to a renderer or a
//! catalog; the diff is then the review.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::env::{EnvReport, Target, VarState, Variable};
use super::watch::{CheckSummary, Latency, Round};
use super::{CheckReport, ErrorReport, Format, Report, StepReport, TextStyle};
use crate::i18n::{Lang, Message, msg};
use crate::model::{
    CheckName, Code, Database, Failure, Finding, FindingCode, NotChecked, Origin, Parts,
    Provenance, Readings, Status, StepName,
};

fn step(
    name: StepName,
    status: Status,
    detail: Option<Message>,
    error: Option<Failure>,
) -> StepReport {
    StepReport {
        name,
        status,
        duration_ms: (status != Status::Skip).then_some(1.5),
        detail,
        error,
    }
}

fn redis_url() -> Provenance {
    Provenance::variable("REDIS_URL", Origin::Process)
}

fn redis_failed() -> CheckReport {
    let message = crate::net::dns::dns_failed("cache.invalid", "EAI_NONAME");
    let advice = crate::service::redis::advice::redis_advice(Code::DnsNotFound)
        .expect("advice")
        .naming("REDIS_URL");
    CheckReport {
        name: CheckName::REDIS,
        kind: "redis",
        required: true,
        target: msg::verbatim("redis://cache.invalid:6379".to_string()),
        source: Some(redis_url()),
        status: Status::Fail,
        duration_ms: 3.0,
        steps: vec![
            step(
                StepName::Config,
                Status::Pass,
                Some(crate::service::setting::config_from(&redis_url())),
                None,
            ),
            step(
                StepName::Dns,
                Status::Fail,
                None,
                Some(Failure::new(Code::DnsNotFound, message.clone())),
            ),
            step(StepName::Tcp, Status::Skip, None, None),
        ],
        error: Some(ErrorReport {
            step: StepName::Dns,
            code: Code::DnsNotFound,
            message,
        }),
        cause: Some(advice.cause),
        fix: Some(advice.fix),
        findings: Vec::new(),
        parts: None,
        provider: None,
        readings: Readings::default(),
    }
}

fn jwt_passed() -> CheckReport {
    CheckReport {
        name: CheckName::JWT,
        kind: "jwt",
        required: true,
        target: msg::jwt_target("HS256"),
        source: None,
        status: Status::Warn,
        duration_ms: 0.4,
        steps: vec![
            step(
                StepName::Config,
                Status::Pass,
                Some(msg::jwt_config_detail("HS256", "JWT_SECRET_KEY")),
                None,
            ),
            step(
                StepName::Roundtrip,
                Status::Pass,
                Some(msg::jwt_roundtrip_detail(15)),
                None,
            ),
        ],
        error: None,
        cause: None,
        fix: None,
        findings: vec![Finding::warn(
            FindingCode::MemoryFallback,
            msg::memory_fallback("failing"),
        )],
        parts: None,
        provider: None,
        readings: Readings::default(),
    }
}

fn postgres_parts() -> Parts {
    Parts {
        hosts: Vec::new(),
        host: "db.invalid".to_string(),
        hostaddr: None,
        port: 5432,
        user: Some("app".to_string()),
        password: true,
        database: Some(Database::Name("app".to_string())),
        tls: "prefer",
        options: BTreeMap::from([("channel_binding", "prefer".to_string())]),
        ignored: Vec::new(),
        resolve: Vec::new(),
    }
}

fn postgres_passed() -> CheckReport {
    let source = Provenance::variable("DATABASE_URL", Origin::File(PathBuf::from(".env")));
    CheckReport {
        name: CheckName::POSTGRES,
        kind: "postgresql",
        required: true,
        target: msg::verbatim("postgresql://app:***@db.invalid:5432/app".to_string()),
        status: Status::Pass,
        duration_ms: 8.25,
        steps: vec![
            step(
                StepName::Config,
                Status::Pass,
                Some(crate::service::setting::config_from(&source)),
                None,
            ),
            step(
                StepName::Dns,
                Status::Pass,
                Some(crate::net::dns::dns_addresses(
                    &["192.0.2.10".to_string()],
                    &[],
                )),
                None,
            ),
            step(
                StepName::Tcp,
                Status::Pass,
                Some(crate::net::tcp::tcp_connected_after(
                    "192.0.2.10:5432".parse().unwrap(),
                    &[],
                )),
                None,
            ),
            step(
                StepName::Auth,
                Status::Pass,
                Some(crate::service::postgres::messages::pg_auth_detail(Some(
                    "app",
                ))),
                None,
            ),
            step(
                StepName::Query,
                Status::Pass,
                Some(crate::service::postgres::messages::pg_query_detail(
                    "16.4", "app", "app",
                )),
                None,
            ),
        ],
        source: Some(source),
        error: None,
        cause: None,
        fix: None,
        findings: vec![Finding::warn(
            FindingCode::Hygiene,
            crate::config::hygiene::env_file_committable(".env"),
        )],
        provider: None,
        parts: Some(postgres_parts()),
        readings: Readings::default(),
    }
}

fn report() -> Report {
    Report {
        not_checked: vec![NotChecked {
            variable: "ANALYTICS_URL".to_string(),
            scheme: "mongodb".to_string(),
            origin: Origin::File(PathBuf::from(".env")),
        }],
        schema_version: super::SCHEMA_VERSION,
        version: "0.1.0",
        ready: false,
        status: Status::Fail,
        strict: false,
        interrupted: false,
        signal: "SIGINT",
        duration_ms: millis(Duration::from_millis(12)),
        checks: vec![postgres_passed(), jwt_passed(), redis_failed()],
        drivers: super::DriversReport::default(),
    }
}

fn millis(duration: Duration) -> f64 {
    super::millis(duration)
}

/// Compares `rendered` with `tests/golden/<file>`; `UPDATE_GOLDEN=1`
/// writes it there instead.
fn check_golden(file: &str, rendered: Vec<u8>) {
    let text = String::from_utf8(rendered).unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(file);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        text,
        expected,
        "{} differs (UPDATE_GOLDEN=1 rewrites it)",
        path.display()
    );
}

const LANGS: [(Lang, &str); 2] = [(Lang::En, "en"), (Lang::Ru, "ru")];

/// The check report in every format and both languages: `report.en.txt`,
/// `report.ru.json`, `report.en.xml` (JUnit), `report.ru.github.txt`,
/// `report.en.md`…
#[test]
fn the_check_report_in_every_format_and_language() {
    let formats = [
        (Format::Text, "txt"),
        (Format::Json, "json"),
        (Format::Junit, "xml"),
        (Format::Github, "github.txt"),
        (Format::Markdown, "md"),
    ];
    for (lang, code) in LANGS {
        for (format, extension) in formats {
            let style = TextStyle {
                lang,
                ..TextStyle::default()
            };
            let mut out = Vec::new();
            super::render(&report(), format, style, &mut out).unwrap();
            check_golden(&format!("report.{code}.{extension}"), out);
        }
    }
}

/// `--quiet` keeps the verdict line alone.
#[test]
fn the_quiet_text_report() {
    for (lang, code) in LANGS {
        let style = TextStyle {
            lang,
            quiet: true,
            ..TextStyle::default()
        };
        let mut out = Vec::new();
        super::text::render(&report(), style, &mut out).unwrap();
        check_golden(&format!("report.{code}.quiet.txt"), out);
    }
}

/// The text report as a colour terminal gets it (`report.en.color.txt`):
/// the golden files ran without colour, so a code styled before it was
/// escaped showed as `\u{1b}[1mdns_not_found\u{1b}[0m` unnoticed (issue
/// 18). The files hold the real escape sequences.
#[test]
fn the_coloured_text_report() {
    for (lang, code) in LANGS {
        let style = TextStyle {
            lang,
            color: true,
            ..TextStyle::default()
        };
        let mut out = Vec::new();
        super::text::render(&report(), style, &mut out).unwrap();
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("\\u{1b}"), "{text}");
        assert!(text.contains("\x1b[1mdns_not_found\x1b[0m"), "{text}");
        check_golden(&format!("report.{code}.color.txt"), out);
    }
}

/// The text report on an 80-column terminal (`report.en.w80.txt`): prose
/// wrapped by display width with hanging indents under the labels, no line
/// wider than 80 columns in either language (Russian is longer).
#[test]
fn the_text_report_wrapped_at_80_columns() {
    for (lang, code) in LANGS {
        let style = TextStyle {
            lang,
            width: Some(80),
            ..TextStyle::default()
        };
        let mut out = Vec::new();
        super::text::render(&report(), style, &mut out).unwrap();
        let text = String::from_utf8_lossy(&out);
        for line in text.lines() {
            let long_word = line.split(' ').any(|w| super::term::display_width(w) > 40);
            assert!(
                super::term::display_width(line) <= 80 || long_word,
                "{code}: {line}"
            );
        }
        check_golden(&format!("report.{code}.w80.txt"), out);
    }
}

fn env_report() -> EnvReport {
    let dotenv = Origin::File(PathBuf::from(".env"));
    let variable = |name, state, value: Option<Message>, source: Option<Origin>| Variable {
        name,
        state,
        value,
        source,
    };
    EnvReport {
        variables: vec![
            variable(
                "DATABASE_URL",
                VarState::Set,
                Some(msg::verbatim(
                    "postgresql://app:***@db.invalid:5432/app".to_string(),
                )),
                Some(dotenv.clone()),
            ),
            variable("DATABASE_PRIVATE_URL", VarState::Missing, None, None),
            variable(
                "REDIS_URL",
                VarState::Set,
                Some(msg::verbatim("redis://cache.invalid:6379".to_string())),
                Some(Origin::Process),
            ),
            variable(
                "JWT_SECRET_KEY",
                VarState::Set,
                Some(msg::env_secret(40)),
                Some(Origin::Process),
            ),
            variable(
                "SECRET_KEY",
                VarState::Shadowed,
                Some(msg::env_secret(12)),
                Some(dotenv.clone()),
            ),
        ],
        targets: vec![
            Target {
                check: "postgres".to_string(),
                dialed: msg::verbatim("postgresql://app:***@db.invalid:5432/app".to_string()),
                source: Some(Provenance::variable("DATABASE_URL", dotenv.clone())),
                provider: Some("unknown"),
                parts: Some(postgres_parts()),
            },
            Target {
                check: "redis".to_string(),
                dialed: crate::service::setting::target_missing(&[
                    "REDIS_URL",
                    "REDIS_PRIVATE_URL",
                ]),
                source: None,
                provider: None,
                parts: None,
            },
            Target {
                check: "jwt".to_string(),
                dialed: msg::jwt_target("HS256"),
                source: Some(Provenance::Default),
                provider: None,
                parts: None,
            },
        ],
        not_checked: report().not_checked,
    }
}

/// `railconn env` as text and JSON: `env.en.txt`, `env.ru.json`…
#[test]
fn the_env_report_as_text_and_json() {
    for (lang, code) in LANGS {
        for (format, extension) in [
            (super::env::Format::Text, "txt"),
            (super::env::Format::Json, "json"),
        ] {
            let mut out = Vec::new();
            super::env::render(&env_report(), format, lang, &mut out).unwrap();
            let text = String::from_utf8_lossy(&out);
            assert!(
                text.lines().all(|line| !line.ends_with(' ')),
                "trailing spaces in env.{code}.{extension}"
            );
            check_golden(&format!("env.{code}.{extension}"), out);
        }
    }
}

/// `railconn watch`: two rounds (the first names every check, the second
/// one change), a heartbeat, the summary; as lines and as NDJSON.
fn watch_output(format: super::watch::Format, lang: Lang) -> Vec<u8> {
    let first = report();
    let mut second = report();
    second.checks[2].status = Status::Pass;
    second.checks[2].error = None;
    second.ready = true;
    let mut out = Vec::new();
    let rounds = [
        Round {
            number: 1,
            time: "2026-12-02T01:00:00Z",
            report: &first,
            changes: first.checks.iter().map(|c| (c, None)).collect(),
        },
        Round {
            number: 2,
            time: "2026-12-02T01:00:30Z",
            report: &second,
            changes: vec![(&second.checks[2], Some(Status::Fail))],
        },
    ];
    for round in &rounds {
        super::watch::round(round, format, lang, &mut out).unwrap();
    }
    if format == super::watch::Format::Text {
        super::watch::heartbeat(&rounds[1], lang, &mut out).unwrap();
    }
    let summary = |rounds, passed: u64, failures: &[(&'static str, u64)]| CheckSummary {
        rounds,
        availability: 100.0 * passed as f64 / rounds as f64,
        failures: failures.iter().copied().collect(),
        latency: Latency {
            min: 3.0,
            median: 5.5,
            max: 8.25,
        },
    };
    let summary = vec![
        ("postgres", summary(2, 2, &[])),
        ("jwt", summary(2, 2, &[])),
        ("redis", summary(3, 1, &[("dns_not_found", 2)])),
    ];
    super::watch::summary(&summary, format, lang, &mut out).unwrap();
    out
}

#[test]
fn the_watch_lines_and_ndjson() {
    for (lang, code) in LANGS {
        check_golden(
            &format!("watch.{code}.txt"),
            watch_output(super::watch::Format::Text, lang),
        );
        check_golden(
            &format!("watch.{code}.ndjson"),
            watch_output(super::watch::Format::Json, lang),
        );
    }
}

/// A Redis check whose `connection_refused` was accepted with `--allow`;
/// a discovered variable's long name, so the columns must widen for it.
fn redis_allowed() -> CheckReport {
    let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
    let message = crate::net::tcp::tcp_failed("127.0.0.1:6379".parse().unwrap(), &refused);
    let allowed = msg::allowed("connection_refused".to_string(), message.clone());
    CheckReport {
        target: msg::verbatim("redis://127.0.0.1:6379".to_string()),
        status: Status::Pass,
        steps: vec![
            step(
                StepName::Config,
                Status::Pass,
                Some(crate::service::setting::config_from(&redis_url())),
                None,
            ),
            step(
                StepName::Dns,
                Status::Pass,
                Some(crate::net::dns::dns_addresses(
                    &["127.0.0.1".to_string()],
                    &[],
                )),
                None,
            ),
            step(
                StepName::Tcp,
                Status::Fail,
                None,
                Some(Failure::new(Code::ConnectionRefused, message)),
            ),
        ],
        error: None,
        cause: None,
        fix: None,
        findings: vec![Finding::info(FindingCode::Allowed, allowed)],
        name: CheckName::named("CELERY_BROKER_URL"),
        ..redis_failed()
    }
}

/// An allowed failure is not listed under what works, in any human format:
/// `allowed.en.txt`, `allowed.ru.md`, `allowed.en.github.txt`…
#[test]
fn an_allowed_failure_stands_apart_from_what_works() {
    let report = Report {
        ready: true,
        status: Status::Pass,
        not_checked: Vec::new(),
        checks: vec![postgres_passed(), redis_allowed()],
        ..report()
    };
    let formats = [
        (Format::Text, "txt"),
        (Format::Github, "github.txt"),
        (Format::Markdown, "md"),
    ];
    for (lang, code) in LANGS {
        for (format, extension) in formats {
            let style = TextStyle {
                lang,
                ..TextStyle::default()
            };
            let mut out = Vec::new();
            super::render(&report, format, style, &mut out).unwrap();
            check_golden(&format!("allowed.{code}.{extension}"), out);
        }
    }
}

/// No English status word in a Russian report a person reads: the text
/// report, Markdown and the step summary, GitHub annotations, `env`'s
/// states and `watch`'s lines (issue 23; JSON, NDJSON and JUnit keep the
/// English statuses, the contract scripts match on). Codes such as
/// `dns_not_found` are one word with their underscores and stay, and so
/// does the code in an annotation's title.
#[test]
fn a_russian_report_has_no_english_status_word() {
    const STATUS_WORDS: [&str; 8] = [
        "pass", "warn", "fail", "skip", "allowed", "set", "missing", "shadowed",
    ];
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut read = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let human = [".txt", ".md"].iter().any(|e| name.ends_with(e));
        if !name.contains(".ru.") || !human {
            continue;
        }
        read += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        // An annotation's title names the check and its code (`allowed`
        // is a finding code, as `hygiene` is): only the message after it.
        let text: String = text
            .lines()
            .map(|line| line.rsplit("::").next().unwrap_or(line))
            .collect::<Vec<_>>()
            .join("\n");
        let words = text.split(|c: char| !(c.is_alphanumeric() || c == '_'));
        for word in words {
            let lower = word.to_lowercase();
            assert!(!STATUS_WORDS.contains(&lower.as_str()), "{name}: {word}");
        }
    }
    assert!(read >= 8, "only {read} Russian golden files");
}

/// The verdict's count is the number of limitations the section lists, in
/// text, Markdown and GitHub annotations: two findings on one check, a
/// note that only informs and a failed optional check are four, where the
/// verdict counted two checks (issue 23).
#[test]
fn the_verdict_counts_what_the_limitations_list() {
    let mut postgres = postgres_passed();
    postgres
        .findings
        .push(Finding::info(FindingCode::Pooler, msg::pooled_url()));
    let report = Report {
        ready: true,
        status: Status::Warn,
        checks: vec![
            postgres,
            jwt_passed(),
            CheckReport {
                required: false,
                ..redis_failed()
            },
        ],
        ..report()
    };
    assert_eq!(report.limitations(), 4);
    let render = |format, lang| {
        let mut out = Vec::new();
        let style = TextStyle {
            lang,
            ..TextStyle::default()
        };
        super::render(&report, format, style, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    let text = render(Format::Text, Lang::En);
    let section = text.split("Limitations\n").nth(1).unwrap();
    let listed = section.lines().take_while(|l| !l.is_empty()).count();
    assert_eq!(listed, 4, "{text}");
    assert!(
        text.contains("ready to deploy, with 4 limitations"),
        "{text}"
    );
    assert!(render(Format::Text, Lang::Ru).contains("есть 4 предупреждения"));
    let markdown = render(Format::Markdown, Lang::En);
    let section = markdown.split("#### Limitations\n\n").nth(1).unwrap();
    let listed = section.lines().filter(|l| l.starts_with("- ")).count();
    assert_eq!(listed, 4, "{markdown}");
    assert!(markdown.contains("with 4 limitations"), "{markdown}");
    let github = render(Format::Github, Lang::En);
    let annotations = github
        .lines()
        .filter(|l| !l.contains("title=railconn::"))
        .count();
    assert_eq!(annotations, 4, "{github}");
}
