//! GitHub Actions workflow commands: `::error` for a failed required check,
//! `::warning` for a failed optional one and for warn findings, `::notice`
//! for an accepted failure and for findings that only inform, each with a
//! title; then a notice with the verdict. Values are escaped as the runner
//! expects (<https://docs.github.com/actions/reference/workflow-commands>).

use std::io::{self, Write};

use super::{CheckReport, Report};
use crate::i18n::{Lang, msg};
use crate::model::{FindingCode, Severity};

pub(crate) fn render(report: &Report, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    for check in &report.checks {
        write_check(check, report.fails_gate(check), lang, out)?;
    }
    let verdict = lang.render(&super::text::verdict(report));
    let level = if report.ready { "notice" } else { "error" };
    writeln!(
        out,
        "::{level} title={}::{}",
        property("railconn"),
        data(&verdict)
    )
}

fn write_check(
    check: &CheckReport,
    fails_gate: bool,
    lang: Lang,
    out: &mut dyn Write,
) -> io::Result<()> {
    if let Some(error) = &check.error {
        let level = if fails_gate { "error" } else { "warning" };
        let title = lang.render(&msg::annotation_title_at(
            check.name.as_str(),
            error.code.as_str(),
            error.step.as_str(),
        ));
        let body = [
            Some(&error.message),
            check.cause.as_ref(),
            check.fix.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(|m| lang.render(m))
        .collect::<Vec<_>>()
        .join("\n");
        writeln!(out, "::{level} title={}::{}", property(&title), data(&body))?;
    }
    // Passing the gate is not working: the accepted failure is a notice.
    if let Some(allowed) = check.allowed_failure() {
        let title = lang.render(&msg::annotation_title(
            check.name.as_str(),
            allowed.code.as_str(),
        ));
        writeln!(
            out,
            "::notice title={}::{}",
            property(&title),
            data(&lang.render(&allowed.message))
        )?;
    }
    // Every limitation the verdict counts is an annotation: a warning, or
    // a notice for a finding that is only information.
    for finding in check
        .findings
        .iter()
        .filter(|f| f.code != FindingCode::Allowed)
    {
        let level = if finding.severity == Severity::Warn {
            "warning"
        } else {
            "notice"
        };
        let title = lang.render(&msg::annotation_title(
            check.name.as_str(),
            finding.code.as_str(),
        ));
        writeln!(
            out,
            "::{level} title={}::{}",
            property(&title),
            data(&lang.render(&finding.message))
        )?;
    }
    Ok(())
}

/// Message escaping: `%`, CR and LF.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Property escaping: as data, plus `:` and `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::{data, property};

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(data("100%\nok"), "100%25%0Aok");
        assert_eq!(property("a: b, c"), "a%3A b%2C c");
    }
}
