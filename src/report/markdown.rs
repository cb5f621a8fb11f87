//! A Markdown summary: a table of the checks and a section per problem.
//! Used for `$GITHUB_STEP_SUMMARY` and for `--output report.md`.

use std::io::{self, Write};

use super::{CheckReport, Report};
use crate::model::Status;
use crate::words;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### railconn: {}\n", super::text::verdict(report))?;
    writeln!(out, "{}", words::MARKDOWN_TABLE_HEADER)?;
    writeln!(out, "|---|---|---|---|")?;
    for check in &report.checks {
        writeln!(
            out,
            "| {} | {} | `{}` | {} |",
            check.name.as_str(),
            emoji(check.status),
            cell(&check.target),
            cell(&result(check))
        )?;
    }
    for check in report.checks.iter().filter(|c| c.error.is_some()) {
        write_problem(check, out)?;
    }
    write_findings(report, out)?;
    writeln!(out)
}

fn write_problem(check: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
    let Some(error) = &check.error else {
        return Ok(());
    };
    let weight = words::weight(check.required);
    writeln!(
        out,
        "\n#### {} ({weight}): `{}` at {}\n",
        check.name.as_str(),
        error.code.as_str(),
        error.step.as_str()
    )?;
    writeln!(out, "- {}: {}", words::LABEL_ERROR, error.message)?;
    for (label, text) in [
        (words::LABEL_CAUSE, &check.cause),
        (words::LABEL_FIX, &check.fix),
    ] {
        if let Some(text) = text {
            writeln!(out, "- {label}: {text}")?;
        }
    }
    Ok(())
}

fn write_findings(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let findings: Vec<String> = report
        .checks
        .iter()
        .flat_map(|c| {
            c.findings
                .iter()
                .map(move |f| format!("- {} `{}`: {}", c.name.as_str(), f.code.as_str(), f.message))
        })
        .collect();
    if findings.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\n#### {}\n\n{}",
        words::LABEL_LIMITATIONS,
        findings.join("\n")
    )
}

fn result(check: &CheckReport) -> String {
    match &check.error {
        Some(error) => words::code_at_step(error.code.as_str(), error.step.as_str()),
        None => check
            .steps
            .iter()
            .rev()
            .find_map(|s| s.detail.clone())
            .unwrap_or_default(),
    }
}

fn emoji(status: Status) -> &'static str {
    words::status_badge(status)
}

/// Table cells cannot hold `|` or line breaks.
fn cell(text: &str) -> String {
    // Backticks would end the code span a target sits in.
    text.replace('|', "\\|")
        .replace(['\n', '\r'], " ")
        .replace('`', "'")
}
