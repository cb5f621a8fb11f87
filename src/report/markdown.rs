//! A Markdown summary: a table of the checks and a section per problem.
//! Used for `$GITHUB_STEP_SUMMARY` and for `--output report.md`.

use std::io::{self, Write};

use super::{CheckReport, Report};
use crate::i18n::{Lang, Message, msg};
use crate::model::{FindingCode, Status};

pub(crate) fn render(report: &Report, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let say = |m: &Message| lang.render(m);
    writeln!(
        out,
        "### railconn: {}\n",
        say(&super::text::verdict(report))
    )?;
    writeln!(out, "{}", say(&msg::markdown_table_header()))?;
    writeln!(out, "|---|---|---|---|")?;
    for check in &report.checks {
        writeln!(
            out,
            "| {} | {} | `{}` | {} |",
            check.name.as_str(),
            say(&badge(check)),
            code_cell(&say(&check.target)),
            cell(&result(check, lang))
        )?;
    }
    for check in report.checks.iter().filter(|c| c.error.is_some()) {
        write_problem(check, lang, out)?;
    }
    write_findings(report, lang, out)?;
    writeln!(out)
}

fn write_problem(check: &CheckReport, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let Some(error) = &check.error else {
        return Ok(());
    };
    let say = |m: &Message| lang.render(m);
    let weight = say(&super::text::weight(check.required));
    let at = msg::code_at_step(error.code.as_str(), error.step.as_str());
    writeln!(
        out,
        "\n#### {} ({weight}): {}\n",
        check.name.as_str(),
        say(&at)
    )?;
    writeln!(
        out,
        "- {}: {}",
        say(&msg::label_error()),
        say(&error.message)
    )?;
    for (label, text) in [
        (msg::label_cause(), &check.cause),
        (msg::label_fix(), &check.fix),
    ] {
        if let Some(text) = text {
            writeln!(out, "- {}: {}", say(&label), say(text))?;
        }
    }
    Ok(())
}

fn write_findings(report: &Report, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let findings: Vec<String> = report
        .checks
        .iter()
        .flat_map(|c| {
            // An allowed failure is said in its check's row.
            let findings = c.findings.iter().filter(|f| f.code != FindingCode::Allowed);
            findings.map(move |f| {
                let text = lang.render(&f.message);
                format!("- {} `{}`: {text}", c.name.as_str(), f.code.as_str())
            })
        })
        .collect();
    if findings.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\n#### {}\n\n{}",
        lang.render(&msg::label_limitations()),
        findings.join("\n")
    )
}

fn result(check: &CheckReport, lang: Lang) -> String {
    if let Some(allowed) = check.allowed_failure() {
        return lang.render(&allowed.message);
    }
    match &check.error {
        Some(error) => lang.render(&msg::code_at_step(error.code.as_str(), error.step.as_str())),
        None => check
            .steps
            .iter()
            .rev()
            .find_map(|s| s.detail.as_ref())
            .map(|d| lang.render(d))
            .unwrap_or_default(),
    }
}

/// A status with a symbol, for Markdown tables; a failure `--allow`
/// accepted is not a pass.
fn badge(check: &CheckReport) -> Message {
    if check.allowed_failure().is_some() {
        return msg::badge_allowed();
    }
    match check.status {
        Status::Pass => msg::badge_pass(),
        Status::Warn => msg::badge_warn(),
        Status::Fail => msg::badge_fail(),
        Status::Skip => msg::badge_skip(),
    }
}

/// Table cells cannot hold `|` or line breaks. Backticks stay: the result
/// column marks its code as a code span (`` `dns_not_found` at dns ``), as
/// the problem headings do.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A cell inside a code span (the target): a backtick would end the span.
fn code_cell(text: &str) -> String {
    cell(text).replace('`', "'")
}

#[cfg(test)]
mod tests {
    use super::{cell, code_cell};

    #[test]
    fn a_result_cell_keeps_its_code_span_and_a_target_cell_cannot_end_its_own() {
        assert_eq!(cell("`dns_not_found` at dns"), "`dns_not_found` at dns");
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(code_cell("redis://h`x|y"), "redis://h'x\\|y");
    }
}
