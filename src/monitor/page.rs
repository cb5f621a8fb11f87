//! `/`: the latest round as a small HTML page for people — the content of
//! the Markdown report (a verdict, a table of checks, a section per
//! problem, the limitations), in the report's words, reloaded by the
//! browser every interval. Everything shown comes from the report, which
//! holds hosts and codes but never a secret; every string is escaped.

use std::fmt::Write;

use super::{Round, Settings};
use crate::model::Status;
use crate::report::{CheckReport, Report};
use crate::words;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}\
.pass{color:#1a7f37}.warn{color:#9a6700}.fail{color:#cf222e}.skip{color:#57606a}code{font-size:.95em}";

pub fn render(round: Option<&Round>, settings: &Settings) -> String {
    let refresh = settings.interval.as_secs().max(1);
    let mut html = String::with_capacity(4096);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"{refresh}\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n",
        escape(words::PAGE_TITLE)
    );
    match round {
        Some(round) => body(&mut html, round, settings),
        None => {
            let _ = write!(
                html,
                "<h1>{}</h1>\n<p>{}</p>\n",
                escape(words::PAGE_TITLE),
                escape(words::PAGE_WAITING)
            );
        }
    }
    html.push_str(
        "<p><a href=\"metrics\">/metrics</a> · <a href=\"healthz\">/healthz</a></p>\n</body></html>\n",
    );
    html
}

fn body(html: &mut String, round: &Round, settings: &Settings) {
    let report = &round.report;
    let _ = write!(
        html,
        "<h1>railconn: {}</h1>\n<p>{}</p>\n",
        escape(&crate::report::text::verdict(report)),
        escape(&words::page_updated(
            &super::metrics::rfc3339(round.finished),
            settings.interval
        ))
    );
    table(html, report);
    for check in report.checks.iter().filter(|c| c.error.is_some()) {
        problem(html, check);
    }
    limitations(html, report);
}

fn table(html: &mut String, report: &Report) {
    html.push_str("<table><thead><tr>");
    for column in words::PAGE_COLUMNS {
        let _ = write!(html, "<th>{}</th>", escape(column));
    }
    html.push_str("</tr></thead><tbody>\n");
    for check in &report.checks {
        let _ = writeln!(
            html,
            "<tr id=\"{name}\"><td>{name}</td><td class=\"{class}\">{status}</td>\
             <td><code>{target}</code></td><td>{result}</td></tr>",
            name = check.name.as_str(),
            class = check.status.as_str(),
            status = escape(words::status_badge(check.status)),
            target = escape(&check.target),
            result = inline_code(&result(check)),
        );
    }
    html.push_str("</tbody></table>\n");
}

fn problem(html: &mut String, check: &CheckReport) {
    let Some(error) = &check.error else {
        return;
    };
    let _ = write!(
        html,
        "<h2>{} ({}): {}</h2>\n<ul>\n<li>{}: {}</li>\n",
        check.name.as_str(),
        escape(words::weight(check.required)),
        inline_code(&words::code_at_step(
            error.code.as_str(),
            error.step.as_str()
        )),
        escape(words::LABEL_ERROR),
        escape(&error.message)
    );
    for (label, text) in [
        (words::LABEL_CAUSE, &check.cause),
        (words::LABEL_FIX, &check.fix),
    ] {
        if let Some(text) = text {
            let _ = writeln!(html, "<li>{}: {}</li>", escape(label), inline_code(text));
        }
    }
    html.push_str("</ul>\n");
}

fn limitations(html: &mut String, report: &Report) {
    let findings: Vec<String> = report
        .checks
        .iter()
        .flat_map(|c| {
            c.findings.iter().map(move |f| {
                format!(
                    "<li>{} <code>{}</code>: {}</li>",
                    c.name.as_str(),
                    f.code.as_str(),
                    inline_code(&f.message)
                )
            })
        })
        .collect();
    if findings.is_empty() {
        return;
    }
    let _ = write!(
        html,
        "<h2>{}</h2>\n<ul>\n{}\n</ul>\n",
        escape(words::LABEL_LIMITATIONS),
        findings.join("\n")
    );
}

/// The table's last column, as in the Markdown report: the failure, or the
/// last thing the check learned.
fn result(check: &CheckReport) -> String {
    match &check.error {
        Some(error) => words::code_at_step(error.code.as_str(), error.step.as_str()),
        None if check.status == Status::Skip => String::new(),
        None => check
            .steps
            .iter()
            .rev()
            .find_map(|s| s.detail.clone())
            .unwrap_or_default(),
    }
}

/// Escapes `text` and turns the report's `backtick` spans into `<code>`.
fn inline_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, part) in escape(text).split('`').enumerate() {
        if i > 0 {
            out.push_str(if i % 2 == 1 { "<code>" } else { "</code>" });
        }
        out.push_str(part);
    }
    // An unpaired backtick would leave a <code> open.
    if text.matches('`').count() % 2 == 1 {
        out.push_str("</code>");
    }
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_marks_code() {
        assert_eq!(
            inline_code("run `a <b>` & go"),
            "run <code>a &lt;b&gt;</code> &amp; go"
        );
        assert_eq!(inline_code("odd ` tick"), "odd <code> tick</code>");
    }

    #[test]
    fn waits_for_the_first_round() {
        let settings = Settings::new(
            std::time::Duration::from_secs(30),
            std::time::Duration::from_secs(10),
        );
        let html = render(None, &settings);
        assert!(html.contains("content=\"30\""), "{html}");
        assert!(html.contains(words::PAGE_WAITING), "{html}");
    }
}
