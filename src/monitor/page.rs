//! `/`: the latest round and the last ones before it as a small HTML page
//! for people (issues 14 and 22): a headline with the overall state, then
//! per check its state in words and a shape, a row of cells for the
//! remembered rounds (time, code and step of each failure on hover and
//! focus), the uptime over them, the median and 95th percentile duration,
//! since when it fails or when it last failed; then a section per problem
//! with its cause and fix, and the limitations. One self-contained
//! document: inline CSS and SVG, no script, font or anything else to load
//! (the server's CSP forbids it), light and dark by `prefers-color-scheme`,
//! a card per check on a narrow screen. Colour never carries meaning alone:
//! states have a word and a shape, failed cells are taller. Everything
//! shown comes from the report and the history, which hold hosts and codes
//! but never a secret; every string is escaped.

use std::fmt::Write;

use super::history::{Cell, Track};
use super::metrics::rfc3339;
use super::{Round, Settings};
use crate::i18n::{Arg, Lang, Message, msg};
use crate::model::Status;
use crate::report::{CheckReport, Report};

const STYLE: &str = ":root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#59636e;--line:#d1d9e0;\
--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--skip:#818b98;--empty:#eff2f5}\
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#3d444d;\
--pass:#3fb950;--warn:#d29922;--fail:#f85149;--skip:#6e7681;--empty:#21262d}}\
body{font-family:system-ui,sans-serif;margin:1rem auto;padding:0 1rem;max-width:72rem;\
color:var(--fg);background:var(--bg);line-height:1.4}\
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.1rem;margin-top:1.5rem}\
.meta,small{color:var(--muted)}\
table{border-collapse:collapse;width:100%}\
td,th{border-bottom:1px solid var(--line);padding:.4rem .5rem;text-align:left;vertical-align:top}\
th{font-weight:600;color:var(--muted)}\
.pass{color:var(--pass)}.warn{color:var(--warn)}.fail{color:var(--fail)}.skip{color:var(--skip)}\
.shape{width:.8em;height:.8em;margin-right:.3em;vertical-align:-.05em;fill:currentColor}\
.cells{display:block;width:100%;min-width:9rem;height:1.4rem}\
.cells .p{fill:var(--pass)}.cells .w{fill:var(--warn)}.cells .f{fill:var(--fail)}.cells .e{fill:var(--empty)}\
.cells [tabindex]:focus{outline:2px solid var(--fg);outline-offset:1px}\
code{font-size:.95em;overflow-wrap:anywhere}\
@media (max-width:40rem){thead{display:none}tr,td{display:block;border:0}\
tr{border-bottom:1px solid var(--line);padding:.6rem 0}td{padding:.15rem 0}}";

/// Width of one round's cell in the row, and the gap after it (SVG units).
const CELL: usize = 6;
const GAP: usize = 1;
const ROW_HEIGHT: usize = 20;
const WARN_HEIGHT: usize = 16;
const PASS_HEIGHT: usize = 12;

pub(crate) fn render(round: Option<&Round>, settings: &Settings, lang: Lang) -> String {
    let say = |m: &Message| escape(&lang.render(m));
    let refresh = settings.interval.as_secs().max(1);
    let title = round.map_or_else(msg::page_title, |r| msg::page_title_of(headline(&r.report)));
    let mut html = String::with_capacity(16 * 1024);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"{refresh}\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n",
        html_lang(lang),
        say(&title)
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
        "<p class=\"meta\"><a href=\"metrics\">/metrics</a> · <a href=\"healthz\">/healthz</a></p>\n</body></html>\n",
    );
    html
}

/// The overall state in a few words, without the report's `Verdict:`
/// prefix: it leads the page and its title.
fn headline(report: &Report) -> Message {
    if report.ready {
        msg::page_headline_ready(report.warnings())
    } else if report.critical() == 0 {
        msg::page_headline_strict(report.warnings())
    } else {
        msg::page_headline_not_ready(report.critical())
    }
}

fn overall(report: &Report) -> Status {
    match (report.ready, report.status) {
        (false, _) => Status::Fail,
        (true, Status::Pass) => Status::Pass,
        (true, _) => Status::Warn,
    }
}

fn body(html: &mut String, round: &Round, settings: &Settings, lang: Lang) {
    let report = &round.report;
    let updated = msg::page_updated(
        rfc3339(round.finished),
        crate::i18n::msg::every(settings.interval),
    );
    let state = overall(report);
    let _ = write!(
        html,
        "<header><h1 class=\"{class}\">{shape}{headline}</h1>\n<p class=\"meta\">{updated}</p></header>\n",
        class = state.as_str(),
        shape = shape(state),
        headline = escape(&lang.render(&headline(report))),
        updated = escape(&lang.render(&updated)),
    );
    table(html, round, settings.history, lang);
    for check in report.checks.iter().filter(|c| c.error.is_some()) {
        problem(html, check, lang);
    }
    limitations(html, report, lang);
}

fn table(html: &mut String, round: &Round, capacity: usize, lang: Lang) {
    html.push_str("<table><thead><tr>");
    for column in [
        msg::page_column_check(),
        msg::page_column_status(),
        msg::page_column_history(),
        msg::page_column_uptime(),
        msg::page_column_duration(),
        msg::page_column_target(),
        msg::page_column_result(),
    ] {
        let _ = write!(html, "<th>{}</th>", escape(&lang.render(&column)));
    }
    html.push_str("</tr></thead><tbody>\n");
    for check in &round.report.checks {
        let track = round.history.iter().find(|t| t.name == check.name);
        let _ = writeln!(
            html,
            "<tr id=\"{name}\"><td><b>{name}</b></td><td class=\"{class}\">{shape}{status}</td>\
             <td>{cells}</td><td>{uptime}</td><td>{latency}</td>\
             <td><code>{target}</code></td><td>{result}</td></tr>",
            name = escape(check.name.as_str()),
            class = check.status.as_str(),
            shape = shape(check.status),
            status = escape(&lang.render(&state_word(check.status))),
            cells = track.map(|t| cells(t, capacity, lang)).unwrap_or_default(),
            uptime = track.map(|t| uptime(t, lang)).unwrap_or_default(),
            latency = track.map(|t| latency(t, lang)).unwrap_or_default(),
            target = escape(&lang.render(&check.target)),
            result = inline_code(&result(check, lang)),
        );
    }
    html.push_str("</tbody></table>\n");
}

/// The remembered rounds as a row of cells, newest on the right, in a box
/// as wide as `capacity` rounds so rows line up while they fill. A failure
/// is a cell of its own that takes the keyboard's focus, its `<title>` (the
/// tooltip, and what a screen reader says) naming its time, code and step;
/// a run of rounds without a failure is one shape with one title, which
/// keeps a page of 50 checks × 90 rounds small.
fn cells(track: &Track, capacity: usize, lang: Lang) -> String {
    let width = capacity * (CELL + GAP);
    let label = lang.render(&msg::page_history_label(track.cells.len()));
    let mut svg = format!(
        "<svg class=\"cells\" viewBox=\"0 0 {width} {ROW_HEIGHT}\" preserveAspectRatio=\"none\" \
         role=\"img\" aria-label=\"{}\">",
        escape(&label)
    );
    let first = capacity.saturating_sub(track.cells.len());
    if first > 0 {
        let _ = write!(
            svg,
            "<rect class=\"e\" x=\"0\" y=\"{y}\" width=\"{w}\" height=\"4\"/>",
            y = ROW_HEIGHT - 4,
            w = first * (CELL + GAP),
        );
    }
    let mut i = 0;
    while let Some(cell) = track.cells.get(i) {
        let x = (first + i) * (CELL + GAP);
        if let Some((step, code)) = cell.failure {
            svg.push_str(&failed(cell, step.as_str(), code.as_str(), x, lang));
            i += 1;
            continue;
        }
        let run: Vec<&Cell> = track
            .cells
            .iter()
            .skip(i)
            .take_while(|c| c.failure.is_none() && c.status == cell.status)
            .collect();
        svg.push_str(&streak(&run, x, lang));
        i += run.len();
    }
    svg.push_str("</svg>");
    svg
}

/// A round that failed (or warned with an error code): the full height, or
/// nearly for a warning, so the row reads without colour.
fn failed(cell: &Cell, step: &str, code: &str, x: usize, lang: Lang) -> String {
    let (class, height) = if cell.status == Status::Fail {
        ("f", ROW_HEIGHT)
    } else {
        ("w", WARN_HEIGHT)
    };
    let words = msg::page_cell_failed(rfc3339(cell.at), code, step);
    format!(
        "<rect class=\"{class}\" x=\"{x}\" y=\"{y}\" width=\"{CELL}\" height=\"{height}\" tabindex=\"0\">\
         <title>{title}</title></rect>",
        y = ROW_HEIGHT - height,
        title = escape(&lang.render(&words)),
    )
}

/// Consecutive rounds of one state without a failure, from `x`: short
/// cells for passes, taller ones for warnings (which can take the focus).
fn streak(run: &[&Cell], x: usize, lang: Lang) -> String {
    let (Some(first), Some(last)) = (run.first(), run.last()) else {
        return String::new();
    };
    let (from, to) = (rfc3339(first.at), rfc3339(last.at));
    let (class, height, tab, words) = if first.status == Status::Pass {
        (
            "p",
            PASS_HEIGHT,
            "",
            msg::page_cells_pass(from, to, run.len()),
        )
    } else {
        (
            "w",
            WARN_HEIGHT,
            " tabindex=\"0\"",
            msg::page_cells_warn(from, to, run.len()),
        )
    };
    let mut path = String::with_capacity(run.len() * 20);
    for n in 0..run.len() {
        let _ = write!(
            path,
            "M{} {}h{CELL}v{height}h-{CELL}z",
            x + n * (CELL + GAP),
            ROW_HEIGHT - height
        );
    }
    format!(
        "<path class=\"{class}\" d=\"{path}\"{tab}><title>{}</title></path>",
        escape(&lang.render(&words))
    )
}

/// The uptime over the remembered rounds, and since when the check fails
/// or when it last did.
fn uptime(track: &Track, lang: Lang) -> String {
    let share = msg::page_uptime(Arg::fixed(track.uptime_percent(), 1), track.cells.len());
    let mut out = escape(&lang.render(&share));
    let note = match (track.failing_since, track.last_failure) {
        (Some(since), _) => Some(msg::page_failing_since(rfc3339(since))),
        (None, Some(last)) => Some(msg::page_last_failure(rfc3339(last))),
        (None, None) => None,
    };
    if let Some(note) = note {
        let _ = write!(out, "<br><small>{}</small>", escape(&lang.render(&note)));
    }
    out
}

fn latency(track: &Track, lang: Lang) -> String {
    track
        .latency()
        .map(|(median, p95)| escape(&lang.render(&msg::page_latency(median, p95))))
        .unwrap_or_default()
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

/// A state in words, without an emoji: systems without an emoji font
/// showed the old badges as empty boxes.
fn state_word(status: Status) -> Message {
    match status {
        Status::Pass => msg::page_state_pass(),
        Status::Warn => msg::page_state_warn(),
        Status::Fail => msg::page_state_fail(),
        Status::Skip => msg::page_state_skip(),
    }
}

/// A state's shape beside its word (a circle, a triangle, a square, a
/// bar), in the state's colour; hidden from screen readers, which read the
/// word.
fn shape(status: Status) -> &'static str {
    match status {
        Status::Pass => {
            "<svg class=\"shape\" viewBox=\"0 0 10 10\" aria-hidden=\"true\"><circle cx=\"5\" cy=\"5\" r=\"5\"/></svg>"
        }
        Status::Warn => {
            "<svg class=\"shape\" viewBox=\"0 0 10 10\" aria-hidden=\"true\"><path d=\"M5 0L10 10H0Z\"/></svg>"
        }
        Status::Fail => {
            "<svg class=\"shape\" viewBox=\"0 0 10 10\" aria-hidden=\"true\"><rect width=\"10\" height=\"10\"/></svg>"
        }
        Status::Skip => {
            "<svg class=\"shape\" viewBox=\"0 0 10 10\" aria-hidden=\"true\"><rect y=\"4\" width=\"10\" height=\"2\"/></svg>"
        }
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
    use std::time::SystemTime;

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
    fn failed_cells_say_when_and_why_and_take_focus() {
        use crate::model::{CheckName, Code, StepName};
        let at = SystemTime::UNIX_EPOCH;
        let failed = Cell {
            at,
            status: Status::Fail,
            failure: Some((StepName::Tcp, Code::ConnectionRefused)),
            duration_ms: 1.0,
        };
        let passed = Cell {
            status: Status::Pass,
            failure: None,
            ..failed
        };
        let track = Track {
            name: CheckName::REDIS,
            cells: [passed, failed].into_iter().collect(),
            failing_since: Some(at),
            last_failure: Some(at),
        };
        let svg = cells(&track, 4, Lang::En);
        assert!(svg.contains("viewBox=\"0 0 28 20\""), "{svg}");
        assert!(
            svg.contains("aria-label=\"the last 2 rounds, oldest on the left\""),
            "{svg}"
        );
        assert!(
            svg.contains(
                "<rect class=\"f\" x=\"21\" y=\"0\" width=\"6\" height=\"20\" tabindex=\"0\">\
                 <title>1970-01-01T00:00:00Z — connection_refused at tcp</title></rect>"
            ),
            "{svg}"
        );
        assert_eq!(svg.matches("tabindex").count(), 1, "{svg}");
        assert!(
            svg.contains(
                "<path class=\"p\" d=\"M14 8h6v12h-6z\"><title>1970-01-01T00:00:00Z — passed</title></path>"
            ),
            "{svg}"
        );
        let russian = cells(&track, 4, Lang::Ru);
        assert!(
            russian.contains("connection_refused на шаге tcp"),
            "{russian}"
        );
        let uptime = uptime(&track, Lang::Ru);
        assert!(uptime.starts_with("50,0 % за 2 раунда"), "{uptime}");
        assert!(
            uptime.contains("не работает с 1970-01-01T00:00:00Z"),
            "{uptime}"
        );
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
