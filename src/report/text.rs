//! The text report, shaped like the diagnosis a person would write: what
//! works, the problems (each with its error, cause, fix and the step
//! ladder with timings), the limitations, and a verdict line. Colour only
//! when the caller says so (a terminal without `NO_COLOR`).

use std::io::{self, Write};
use std::time::Duration;

use anstyle::{AnsiColor, Style};

use super::{CheckReport, Report, StepReport, TextStyle};
use crate::model::{Severity, Status};
use crate::words;

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    fn status(&self, status: Status) -> String {
        let (mark, color) = match status {
            Status::Pass => ("✓", AnsiColor::Green),
            Status::Warn => ("!", AnsiColor::Yellow),
            Status::Fail => ("✗", AnsiColor::Red),
            Status::Skip => ("-", AnsiColor::BrightBlack),
        };
        self.paint(Style::new().fg_color(Some(color.into())).bold(), mark)
    }

    fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }
}

pub fn render(report: &Report, style: TextStyle, out: &mut dyn Write) -> io::Result<()> {
    let painter = Painter { color: style.color };
    if !style.quiet {
        write_sections(report, &painter, out)?;
    }
    writeln!(out, "{}", painter.bold(&verdict(report)))
}

fn write_sections(report: &Report, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    let duration = Duration::from_secs_f64(report.duration_ms / 1000.0);
    writeln!(out, "{}\n", p.dim(&words::header(report.version, duration)))?;
    let works: Vec<&CheckReport> = report
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Pass | Status::Warn))
        .collect();
    let problems: Vec<&CheckReport> = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .collect();
    let skipped: Vec<&CheckReport> = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Skip)
        .collect();
    if !works.is_empty() {
        writeln!(out, "{}", p.bold(words::LABEL_WORKS))?;
        for check in works {
            write_working(check, p, out)?;
        }
        writeln!(out)?;
    }
    if !problems.is_empty() {
        writeln!(out, "{}", p.bold(words::LABEL_PROBLEMS))?;
        for check in problems {
            write_problem(check, p, out)?;
        }
    }
    write_limitations(report, p, out)?;
    if !skipped.is_empty() {
        let names: Vec<&str> = skipped.iter().map(|c| c.name.as_str()).collect();
        writeln!(
            out,
            "{}: {}\n",
            p.bold(words::LABEL_SKIPPED),
            names.join(", ")
        )?;
    }
    Ok(())
}

fn write_working(check: &CheckReport, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "  {} {:<8} {}  {}",
        p.status(check.status),
        check.name.as_str(),
        check.target,
        p.dim(&ms(check.duration_ms))
    )?;
    let facts: Vec<&str> = check
        .steps
        .iter()
        .filter(|s| s.status != Status::Skip)
        .filter_map(|s| s.detail.as_deref())
        .skip(1)
        .collect();
    if let Some(last) = facts.last() {
        writeln!(out, "             {last}")?;
    }
    Ok(())
}

fn write_problem(check: &CheckReport, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    let weight = words::weight(check.required);
    writeln!(
        out,
        "  {} {:<8} {}  {}",
        p.status(check.status),
        check.name.as_str(),
        weight,
        check.target
    )?;
    if let Some(source) = &check.source {
        writeln!(out, "      {:<6} {source}", words::LABEL_SOURCE)?;
    }
    if let Some(error) = &check.error {
        writeln!(
            out,
            "      {:<6} {} at {}: {}",
            words::LABEL_ERROR,
            p.bold(error.code.as_str()),
            error.step.as_str(),
            error.message
        )?;
    }
    for (label, text) in [
        (words::LABEL_CAUSE, &check.cause),
        (words::LABEL_FIX, &check.fix),
    ] {
        if let Some(text) = text.as_deref().filter(|t| !t.is_empty()) {
            writeln!(out, "      {label:<6} {text}")?;
        }
    }
    let (ran, not_run): (Vec<&StepReport>, Vec<&StepReport>) = check
        .steps
        .iter()
        .partition(|s| s.status != Status::Skip || s.duration_ms.is_some() || s.detail.is_some());
    for step in ran {
        write_step(step, p, out)?;
    }
    let not_run: Vec<&str> = not_run.iter().map(|s| s.name.as_str()).collect();
    if !not_run.is_empty() {
        writeln!(
            out,
            "        {} {}",
            p.status(Status::Skip),
            p.dim(&words::steps_not_run(&not_run))
        )?;
    }
    writeln!(out)
}

fn write_step(step: &StepReport, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    let duration = step.duration_ms.map_or_else(|| "-".to_string(), ms);
    let detail = match (&step.error, &step.detail) {
        (Some(error), _) => error.code.as_str().to_string(),
        (None, Some(detail)) => detail.clone(),
        (None, None) => String::new(),
    };
    writeln!(
        out,
        "        {} {:<9} {:>8}  {}",
        p.status(step.status),
        step.name.as_str(),
        p.dim(&duration),
        detail
    )
}

fn write_limitations(report: &Report, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    let mut lines = Vec::new();
    for check in &report.checks {
        if let Some(error) = check.error.as_ref().filter(|_| !check.required) {
            lines.push((
                Status::Warn,
                words::optional_failed(check.name.as_str(), error.code),
            ));
        }
        for finding in &check.findings {
            let status = if finding.severity == Severity::Warn {
                Status::Warn
            } else {
                Status::Skip
            };
            lines.push((
                status,
                format!("{}: {}", check.name.as_str(), finding.message),
            ));
        }
    }
    if lines.is_empty() {
        return Ok(());
    }
    writeln!(out, "{}", p.bold(words::LABEL_LIMITATIONS))?;
    for (status, line) in lines {
        writeln!(out, "  {} {line}", p.status(status))?;
    }
    writeln!(out)
}

/// The verdict line, shared by every human-facing format.
pub fn verdict(report: &Report) -> String {
    if report.interrupted {
        words::verdict_interrupted()
    } else if report.ready {
        words::verdict_ready(report.warnings())
    } else {
        words::verdict_not_ready(report.critical(), report.warnings())
    }
}

fn ms(millis: f64) -> String {
    words::ms(Duration::from_secs_f64(millis / 1000.0))
}
