//! The text report, shaped like the diagnosis a person would write: what
//! works, the problems (each with its error, cause, fix and the step
//! ladder with timings), the limitations, and a verdict line. Colour only
//! when the caller says so (`--color`, `report::term`); prose wrapped, with
//! hanging indents, only when the caller gives a width (a terminal).

use std::io::{self, Write};
use std::time::Duration;

use anstyle::{AnsiColor, Style};

use super::term::{display_width, wrap};
use super::{CheckReport, FoundDriver, Report, StepReport, TextStyle};
use crate::i18n::{Lang, Message, Piece, msg};
use crate::model::{CheckName, FindingCode, Severity, Status};

struct Painter {
    color: bool,
    lang: Lang,
    /// Check names are padded to the longest in the report (at least 8,
    /// `postgres`), so `CELERY_BROKER_URL` keeps the columns aligned.
    name_width: usize,
    /// The terminal's width, when prose wraps.
    width: Option<usize>,
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

    /// Writes `prefix` and `text` as one line, or, on a terminal, as
    /// lines no wider than it, the later ones indented as wide as the
    /// prefix (the hanging indent under a label).
    fn line(&self, out: &mut dyn Write, prefix: &str, text: &str) -> io::Result<()> {
        writeln!(
            out,
            "{}",
            wrap(prefix, text, display_width(prefix), self.width)
        )
    }

    /// A message in the run's language.
    fn say(&self, message: &Message) -> String {
        self.lang.render(message)
    }

    /// A message with its `code` argument in bold. The style is put on
    /// after the argument is escaped: an escape sequence inside an argument
    /// is shown as text (`\u{1b}`), so styling the code before rendering
    /// printed `\u{1b}[1mconnection_refused\u{1b}[0m` (issue 18).
    fn say_bold_code(&self, message: &Message) -> String {
        self.lang
            .pieces(message)
            .into_iter()
            .map(|piece| match piece {
                Piece::Arg { name, text } if name == "code" => self.bold(&text),
                Piece::Arg { text, .. } | Piece::Words(text) => text,
            })
            .collect()
    }
}

pub(crate) fn render(report: &Report, style: TextStyle, out: &mut dyn Write) -> io::Result<()> {
    let name_width = report
        .checks
        .iter()
        .map(|c| shown_name(c).chars().count())
        .fold(8, usize::max);
    let painter = Painter {
        color: style.color,
        lang: style.lang,
        name_width,
        width: style.width,
    };
    if !style.quiet {
        write_sections(report, &painter, out)?;
    }
    painter.line(out, "", &painter.bold(&painter.say(&verdict(report))))
}

fn write_sections(report: &Report, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    let duration = Duration::from_secs_f64(report.duration_ms / 1000.0);
    p.line(
        out,
        "",
        &p.dim(&p.say(&msg::header(report.version, duration))),
    )?;
    write_drivers(report, p, out)?;
    let works: Vec<&CheckReport> = report
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Pass | Status::Warn))
        .filter(|c| c.allowed_failure().is_none())
        .collect();
    let allowed: Vec<&CheckReport> = report
        .checks
        .iter()
        .filter(|c| c.allowed_failure().is_some())
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
        writeln!(out, "{}", p.bold(&p.say(&msg::label_works())))?;
        for check in works {
            write_working(check, p, out)?;
        }
        writeln!(out)?;
    }
    if !allowed.is_empty() {
        writeln!(out, "{}", p.bold(&p.say(&msg::label_allowed())))?;
        for check in allowed {
            write_allowed(check, p, out)?;
        }
        writeln!(out)?;
    }
    if !problems.is_empty() {
        writeln!(out, "{}", p.bold(&p.say(&msg::label_problems())))?;
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
            p.bold(&p.say(&msg::label_skipped())),
            names.join(", ")
        )?;
    }
    if !report.not_checked.is_empty() {
        writeln!(out, "{}:", p.bold(&p.say(&msg::label_not_checked())))?;
        for url in &report.not_checked {
            let line = msg::not_checked(
                url.variable.clone(),
                url.scheme.clone(),
                url.origin.message(),
            );
            p.line(out, "  ", &p.say(&line))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The drivers line of a report: what was found, or that nothing was and
/// railconn judged as libpq, redis-rs, kombu and PyJWT would (and MySQL
/// URLs by their own parameters).
fn drivers_line(found: &[FoundDriver]) -> Message {
    if found.is_empty() {
        return msg::drivers_none();
    }
    let names: Vec<&str> = found.iter().map(|f| f.label.as_str()).collect();
    msg::drivers_found(names.join(", "))
}

/// Which drivers the checks were judged by, said once.
fn write_drivers(report: &Report, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    let drivers = &report.drivers;
    p.line(out, "", &p.dim(&p.say(&drivers_line(&drivers.found))))?;
    for unreadable in &drivers.unreadable {
        let line = msg::driver_manifest_unreadable(&unreadable.file, unreadable.reason.clone());
        p.line(out, "", &p.dim(&p.say(&line)))?;
    }
    writeln!(out)
}

fn write_working(check: &CheckReport, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "  {} {:<width$} {}  {}",
        p.status(check.status),
        shown_name(check),
        p.say(&check.target),
        p.dim(&ms(p.lang, check.duration_ms)),
        width = p.name_width,
    )?;
    let facts: Vec<&Message> = check
        .steps
        .iter()
        .filter(|s| s.status != Status::Skip)
        .filter_map(|s| s.detail.as_ref())
        .skip(1)
        .collect();
    if let Some(last) = facts.last() {
        p.line(out, DETAIL_INDENT, &p.say(last))?;
    }
    if let Some(place) = known_provider(check) {
        p.line(out, DETAIL_INDENT, &p.dim(&p.say(&place)))?;
    }
    Ok(())
}

/// A check whose failure `--allow` accepted: it passes the gate, yet it
/// does not work, so it gets its own mark and says what failed.
fn write_allowed(check: &CheckReport, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    let mark = p.paint(
        Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold(),
        "~",
    );
    writeln!(
        out,
        "  {mark} {:<width$} {}  {}",
        shown_name(check),
        p.say(&check.target),
        p.dim(&ms(p.lang, check.duration_ms)),
        width = p.name_width,
    )?;
    if let Some(allowed) = check.allowed_failure() {
        p.line(out, DETAIL_INDENT, &p.say(&allowed.message))?;
    }
    Ok(())
}

/// The check's name, and its kind when the database check holds another
/// kind's URL (`postgres (mysql)`, `postgres (sqlite)`): the name stays
/// `postgres` within `schema_version` 1 (issue 21), and the reader still sees
/// what was checked.
fn shown_name(check: &CheckReport) -> String {
    if check.name == CheckName::POSTGRES && check.kind != "postgresql" {
        format!("{} ({})", check.name.as_str(), check.kind)
    } else {
        check.name.as_str().to_string()
    }
}

/// The provider of a check's target, when railconn knows it.
fn known_provider(check: &CheckReport) -> Option<Message> {
    let place = check.provider.as_ref().filter(|p| p.id != "unknown")?;
    let name = place.name.clone();
    Some(match place.doc {
        Some(doc) => msg::provider_with_doc(name, doc),
        None => name,
    })
}

fn write_problem(check: &CheckReport, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "  {} {:<width$} {}  {}",
        p.status(check.status),
        shown_name(check),
        p.say(&weight(check.required)),
        p.say(&check.target),
        width = p.name_width,
    )?;
    // Labels are padded to the widest one in this language (at least 6).
    let labels = [
        msg::label_source(),
        msg::label_error(),
        msg::label_cause(),
        msg::label_fix(),
    ]
    .map(|m| p.say(&m));
    let width = labels.iter().map(|l| l.chars().count()).fold(6, usize::max);
    let [source_label, error_label, cause_label, fix_label] = labels;
    let labelled = |label: &str| format!("      {label:<width$} ");
    if let Some(source) = &check.source {
        p.line(out, &labelled(&source_label), &p.say(&source.message()))?;
    }
    if let Some(place) = known_provider(check) {
        let label = p.say(&msg::label_provider());
        p.line(out, &labelled(&label), &p.say(&place))?;
    }
    if let Some(error) = &check.error {
        let at = msg::error_at_step(
            error.code.as_str().to_string(),
            error.step.as_str(),
            error.message.clone(),
        );
        p.line(out, &labelled(&error_label), &p.say_bold_code(&at))?;
    }
    for (label, text) in [(cause_label, &check.cause), (fix_label, &check.fix)] {
        if let Some(text) = text.as_ref().map(|t| p.say(t)).filter(|t| !t.is_empty()) {
            p.line(out, &labelled(&label), &text)?;
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
            p.dim(&p.say(&msg::steps_not_run(not_run.join(", "), not_run.len())))
        )?;
    }
    writeln!(out)
}

fn write_step(step: &StepReport, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    let duration = step
        .duration_ms
        .map_or_else(|| "-".to_string(), |millis| ms(p.lang, millis));
    let detail = match (&step.error, &step.detail) {
        (Some(error), _) => error.code.as_str().to_string(),
        (None, Some(detail)) => p.say(detail),
        (None, None) => String::new(),
    };
    let prefix = format!(
        "        {} {:<9} {:>8}  ",
        p.status(step.status),
        step.name.as_str(),
        p.dim(&duration),
    );
    p.line(out, &prefix, &detail)
}

fn write_limitations(report: &Report, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    let mut lines = Vec::new();
    for check in &report.checks {
        if let Some(error) = check.error.as_ref().filter(|_| !check.required) {
            let line = msg::optional_failed(check.name.as_str(), error.code.as_str());
            lines.push((Status::Warn, p.say(&line)));
        }
        // An allowed failure is said on its check's own line.
        let findings = check
            .findings
            .iter()
            .filter(|f| f.code != FindingCode::Allowed);
        for finding in findings {
            let status = if finding.severity == Severity::Warn {
                Status::Warn
            } else {
                Status::Skip
            };
            lines.push((
                status,
                format!("{}: {}", check.name.as_str(), p.say(&finding.message)),
            ));
        }
    }
    if lines.is_empty() {
        return Ok(());
    }
    writeln!(out, "{}", p.bold(&p.say(&msg::label_limitations())))?;
    for (status, line) in lines {
        p.line(out, &format!("  {} ", p.status(status)), &line)?;
    }
    writeln!(out)
}

/// The verdict line, shared by every human-facing format.
pub(crate) fn verdict(report: &Report) -> Message {
    if report.interrupted {
        msg::verdict_interrupted(report.signal)
    } else if report.ready {
        msg::verdict_ready(report.limitations())
    } else if report.critical() == 0 {
        msg::verdict_not_ready_strict(report.limitations())
    } else {
        msg::verdict_not_ready(report.critical())
    }
}

/// How much a problem matters: it fails the gate, or it does not.
pub(crate) fn weight(required: bool) -> Message {
    if required {
        msg::label_critical()
    } else {
        msg::label_optional()
    }
}

/// Where a working check's facts start: under its target.
const DETAIL_INDENT: &str = "             ";

fn ms(lang: Lang, millis: f64) -> String {
    lang.duration(Duration::from_secs_f64(millis.max(0.0) / 1000.0))
}
