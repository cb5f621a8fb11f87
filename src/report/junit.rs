//! JUnit XML (via quick-junit, the format nextest writes): one test suite,
//! one test case per check. A failure's message is its code and cause, its
//! description the evidence; the fix and the step ladder go to system-out,
//! where CI viewers show them next to the failure. A failed optional check
//! is `skipped`, since it does not fail the gate.

use std::io::{self, Write};
use std::time::Duration;

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use super::{CheckReport, Report};
use crate::i18n::{Arg, Lang, msg};
use crate::model::Status;

pub(crate) fn render(report: &Report, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let mut suite = TestSuite::new(lang.render(&msg::junit_suite()));
    suite.set_time(seconds(report.duration_ms));
    suite.add_test_cases(report.checks.iter().map(|c| test_case(c, report, lang)));
    let mut junit = quick_junit::Report::new("railconn");
    junit.add_test_suite(suite);
    let xml = junit.to_string().map_err(io::Error::other)?;
    out.write_all(xml.as_bytes())
}

fn test_case(check: &CheckReport, report: &Report, lang: Lang) -> TestCase {
    let fails = report.fails_gate(check);
    let status = match (check.status, fails) {
        (Status::Warn, true) => strict_warning(check, lang),
        (Status::Skip, true) => interrupted(report.signal, lang),
        _ => status(check, fails, lang),
    };
    let mut case = TestCase::new(check.name.as_str(), status);
    case.set_classname(format!("railconn.{}", check.kind));
    case.set_time(seconds(check.duration_ms));
    case.set_system_out(system_out(check, lang));
    case
}

fn interrupted(signal: &str, lang: Lang) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
    status.set_message(lang.render(&msg::interrupted(signal)));
    status
}

fn status(check: &CheckReport, fails_gate: bool, lang: Lang) -> TestCaseStatus {
    let Some(error) = &check.error else {
        return match check.status {
            Status::Skip => TestCaseStatus::skipped(),
            _ => TestCaseStatus::success(),
        };
    };
    let mut status = if fails_gate {
        TestCaseStatus::non_success(NonSuccessKind::Failure)
    } else {
        TestCaseStatus::skipped()
    };
    let cause = check
        .cause
        .as_ref()
        .map(|c| lang.render(c))
        .unwrap_or_default();
    status.set_message(format!("{}: {cause}", error.code.as_str()));
    status.set_type(error.code.as_str());
    let at = msg::error_at_step(
        error.code.as_str().to_string(),
        error.step.as_str(),
        error.message.clone(),
    );
    status.set_description(lang.render(&at));
    status
}

/// Under `--strict` a warning fails the gate, so it fails the test case.
fn strict_warning(check: &CheckReport, lang: Lang) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    let codes: Vec<&str> = check.findings.iter().map(|f| f.code.as_str()).collect();
    status.set_message(lang.render(&msg::junit_strict_warning(codes.join(", "))));
    status.set_type("warning");
    status
}

/// The target, the fix, the findings and the step ladder, as plain text.
fn system_out(check: &CheckReport, lang: Lang) -> String {
    let mut lines = vec![lang.render(&check.target)];
    if let Some(fix) = &check.fix {
        let label = lang.render(&msg::label_fix());
        lines.push(format!("{label}: {}", lang.render(fix)));
    }
    lines.extend(
        check
            .findings
            .iter()
            .map(|f| format!("{}: {}", f.code.as_str(), lang.render(&f.message))),
    );
    for step in &check.steps {
        let duration = step.duration_ms.map_or_else(
            || "-".to_string(),
            |ms| lang.render(&msg::duration_ms(Arg::fixed(ms, 1))),
        );
        let detail = step
            .error
            .as_ref()
            .map(|e| &e.message)
            .or(step.detail.as_ref())
            .map(|m| lang.render(m))
            .unwrap_or_default();
        lines.push(format!(
            "{:<9} {:<4} {duration:>10}  {detail}",
            step.name.as_str(),
            step.status.as_str()
        ));
    }
    lines.join("\n")
}

fn seconds(millis: f64) -> Duration {
    Duration::from_secs_f64(millis.max(0.0) / 1000.0)
}
