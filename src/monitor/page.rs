//! `/`: the latest round as a small HTML page for people — the content of
//! the Markdown report (a verdict, a table of checks, a section per
//! problem, the limitations), in the report's words, reloaded by the
//! browser every interval. Everything shown comes from the report, which
//! holds hosts and codes but never a secret; every string is escaped.

use std::fmt::Write;

use super::{Round, Settings};
use crate::i18n::{Lang, Message, msg};
use crate::model::Status;
use crate::report::{CheckReport, Report};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}\
.pass{color:#1a7f37}.warn{color:#9a6700}.fail{color:#cf222e}.skip{color:#57606a}code{font-size:.95em}";

pub(crate) fn render(round: Option<&Round>, settings: &Settings, lang: Lang) -> String {
    let say = |m: &Message| escape(&lang.render(m));
    let refresh = settings.interval.as_secs().max(1);
    let mut html = String::with_capacity(4096);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"{refresh}\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n",
        html_lang(lang),
        say(&msg::page_title())
    );
    match round {
        Some(round) => body(&mut html, round, settings, lang),
        None => {
            let _ = write!(
                html,
                "<h1>{}</h1>\n<p>{}</p>\n",
                say(&msg::page_title()),
                say(&msg::page_waiting())
            );
        }
    }
    html.push_str(
        "<p><a href=\"metrics\">/metrics</a> · <a href=\"healthz\">/healthz</a></p>\n</body></html>\n",
    );
    html
}

fn body(html: &mut String, round: &Round, settings: &Settings, lang: Lang) {
    let report = &round.report;
    let updated = msg::page_updated(super::metrics::rfc3339(round.finished), settings.interval);
    let _ = write!(
        html,
        "<h1>railconn: {}</h1>\n<p>{}</p>\n",
        escape(&lang.render(&crate::report::text::verdict(report))),
        escape(&lang.render(&updated))
    );
    table(html, report, lang);
    for check in report.checks.iter().filter(|c| c.error.is_some()) {
        problem(html, check, lang);
    }
    limitations(html, report, lang);
}

fn table(html: &mut String, report: &Report, lang: Lang) {
    html.push_str("<table><thead><tr>");
    for column in [
        msg::page_column_check(),
        msg::page_column_status(),
        msg::page_column_target(),
        msg::page_column_result(),
    ] {
        let _ = write!(html, "<th>{}</th>", escape(&lang.render(&column)));
    }
    html.push_str("</tr></thead><tbody>\n");
    for check in &report.checks {
        let _ = writeln!(
            html,
            "<tr id=\"{name}\"><td>{name}</td><td class=\"{class}\">{status}</td>\
             <td><code>{target}</code></td><td>{result}</td></tr>",
            name = check.name.as_str(),
            class = check.status.as_str(),
            status = escape(&lang.render(&badge(check.status))),
            target = escape(&lang.render(&check.target)),
            result = inline_code(&result(check, lang)),
        );
    }
    html.push_str("</tbody></table>\n");
}

fn problem(html: &mut String, check: &CheckReport, lang: Lang) {
    let Some(error) = &check.error else {
        return;
    };
    let say = |m: &Message| lang.render(m);
    let at = msg::code_at_step(error.code.as_str(), error.step.as_str());
    let _ = write!(
        html,
        "<h2>{} ({}): {}</h2>\n<ul>\n<li>{}: {}</li>\n",
        check.name.as_str(),
        escape(&say(&crate::report::text::weight(check.required))),
        inline_code(&say(&at)),
        escape(&say(&msg::label_error())),
        escape(&say(&error.message))
    );
    for (label, text) in [
        (msg::label_cause(), &check.cause),
        (msg::label_fix(), &check.fix),
    ] {
        if let Some(text) = text {
            let _ = writeln!(
                html,
                "<li>{}: {}</li>",
                escape(&say(&label)),
                inline_code(&say(text))
            );
        }
    }
    html.push_str("</ul>\n");
}

fn limitations(html: &mut String, report: &Report, lang: Lang) {
    let findings: Vec<String> = report
        .checks
        .iter()
        .flat_map(|c| {
            c.findings.iter().map(move |f| {
                format!(
                    "<li>{} <code>{}</code>: {}</li>",
                    c.name.as_str(),
                    f.code.as_str(),
                    inline_code(&lang.render(&f.message))
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
        escape(&lang.render(&msg::label_limitations())),
        findings.join("\n")
    );
}

/// The table's last column, as in the Markdown report: the failure, or the
/// last thing the check learned.
fn result(check: &CheckReport, lang: Lang) -> String {
    match &check.error {
        Some(error) => lang.render(&msg::code_at_step(error.code.as_str(), error.step.as_str())),
        None if check.status == Status::Skip => String::new(),
        None => check
            .steps
            .iter()
            .rev()
            .find_map(|s| s.detail.as_ref())
            .map(|d| lang.render(d))
            .unwrap_or_default(),
    }
}

/// The page's `lang` attribute (BCP 47), for screen readers and hyphenation.
fn html_lang(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Ru => "ru",
    }
}

fn badge(status: Status) -> Message {
    match status {
        Status::Pass => msg::badge_pass(),
        Status::Warn => msg::badge_warn(),
        Status::Fail => msg::badge_fail(),
        Status::Skip => msg::badge_skip(),
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
        let html = render(None, &settings, Lang::En);
        assert!(html.contains("content=\"30\""), "{html}");
        assert!(
            html.contains("No round of checks has finished yet"),
            "{html}"
        );
        let russian = render(None, &settings, Lang::Ru);
        assert!(russian.contains("<html lang=\"ru\">"), "{russian}");
    }
}
