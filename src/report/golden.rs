//! Golden files: one fixed failing report, rendered as text in English and
//! in Russian (`tests/golden/report.*.txt`). `UPDATE_GOLDEN=1 cargo test`
//! rewrites them after a deliberate change to a renderer or a catalog.

use std::time::Duration;

use super::{CheckReport, ErrorReport, Report, StepReport, TextStyle};
use crate::i18n::{Lang, Message, msg};
use crate::model::{
    CheckName, Code, Failure, Finding, FindingCode, Origin, Provenance, Readings, Status, StepName,
};
use crate::words;

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
    let message = words::dns_failed("cache.invalid", "EAI_NONAME");
    let advice = words::redis_advice(Code::DnsNotFound).expect("advice");
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
                Some(words::config_from(&redis_url())),
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
        target: words::jwt_target("HS256"),
        source: None,
        status: Status::Warn,
        duration_ms: 0.4,
        steps: vec![
            step(
                StepName::Config,
                Status::Pass,
                Some(words::jwt_config_detail("HS256", "JWT_SECRET_KEY")),
                None,
            ),
            step(
                StepName::Roundtrip,
                Status::Pass,
                Some(words::jwt_roundtrip_detail(15)),
                None,
            ),
        ],
        error: None,
        cause: None,
        fix: None,
        findings: vec![Finding::warn(
            FindingCode::MemoryFallback,
            words::memory_fallback(true),
        )],
        parts: None,
        provider: None,
        readings: Readings::default(),
    }
}

fn report() -> Report {
    Report {
        not_checked: Vec::new(),
        schema_version: super::SCHEMA_VERSION,
        version: "0.1.0",
        ready: false,
        status: Status::Fail,
        strict: false,
        interrupted: false,
        signal: "SIGINT",
        duration_ms: millis(Duration::from_millis(12)),
        checks: vec![jwt_passed(), redis_failed()],
        drivers: super::DriversReport::default(),
    }
}

fn millis(duration: Duration) -> f64 {
    super::millis(duration)
}

fn check_golden(lang: Lang, file: &str) {
    let style = TextStyle {
        lang,
        ..TextStyle::default()
    };
    let mut out = Vec::new();
    super::text::render(&report(), style, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
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

#[test]
fn the_same_failing_report_in_english() {
    check_golden(Lang::En, "report.en.txt");
}

#[test]
fn the_same_failing_report_in_russian() {
    check_golden(Lang::Ru, "report.ru.txt");
}
