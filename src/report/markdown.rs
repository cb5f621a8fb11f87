//! A Markdown summary: a table of the checks and a section per problem.
//! Used for `$GITHUB_STEP_SUMMARY` and for `--output report.md`.
//!
//! What a server or a certificate says is not Markdown: GitHub renders the
//! step summary with inline HTML, links, images and emphasis, so a Redis
//! error `-ERR <a href=…>Click here</a>` would be a live link on the run's
//! page. Every argument of a message that Markdown or HTML could read is
//! therefore a code span, fenced longer than any backtick run inside it
//! (`CommonMark` 0.31 §6.1), and so is the catalog's own code span around
//! an argument; the catalog's words are ours and stay as written.

use std::io::{self, Write};

use super::{CheckReport, Report};
use crate::i18n::{Lang, Message, Piece, msg};
use crate::model::{FindingCode, Status};

pub(crate) fn render(report: &Report, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let say = |m: &Message| lang.render(m);
    writeln!(
        out,
        "### railconn · {}\n",
        say(&super::text::verdict(report))
    )?;
    writeln!(out, "{}", say(&msg::markdown_table_header()))?;
    writeln!(out, "|---|---|---|---|")?;
    for check in &report.checks {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
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
        markdown(lang, &at)
    )?;
    writeln!(
        out,
        "- {}: {}",
        say(&msg::label_error()),
        markdown(lang, &error.message)
    )?;
    for (label, text) in [
        (msg::label_cause(), &check.cause),
        (msg::label_fix(), &check.fix),
    ] {
        if let Some(text) = text {
            writeln!(out, "- {}: {}", say(&label), markdown(lang, text))?;
        }
    }
    Ok(())
}

fn write_findings(report: &Report, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let findings: Vec<String> = report
        .checks
        .iter()
        .flat_map(|c| {
            // A failed optional check is a limitation too, as in the text
            // report, so the list has as many lines as the verdict counts.
            let optional = c.error.as_ref().filter(|_| !c.required).map(|e| {
                let line = msg::optional_failed(c.name.as_str(), e.code.as_str());
                format!(
                    "- {} `{}`: {}",
                    c.name.as_str(),
                    e.code.as_str(),
                    markdown(lang, &line)
                )
            });
            // An allowed failure is said in its check's row.
            let findings = c.findings.iter().filter(|f| f.code != FindingCode::Allowed);
            optional.into_iter().chain(findings.map(move |f| {
                let text = markdown(lang, &f.message);
                format!("- {} `{}`: {text}", c.name.as_str(), f.code.as_str())
            }))
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
        return markdown(lang, &allowed.message);
    }
    match &check.error {
        Some(error) => markdown(
            lang,
            &msg::code_at_step(error.code.as_str(), error.step.as_str()),
        ),
        None => check
            .steps
            .iter()
            .rev()
            .find_map(|s| s.detail.as_ref())
            .map(|d| markdown(lang, d))
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

/// The target, as a code span in a cell.
fn code_cell(text: &str) -> String {
    cell(&code_span(text))
}

/// `message` as Markdown: the catalog's words as written, its code spans
/// fenced anew around what the arguments put inside them, and each other
/// argument that could be read as markup made a code span of its own.
fn markdown(lang: Lang, message: &Message) -> String {
    let mut out = String::new();
    // Inside one of the catalog's code spans: what it holds so far.
    let mut span: Option<String> = None;
    for piece in lang.pieces(message) {
        match (piece, span.as_mut()) {
            (Piece::Arg { text, .. }, Some(inside)) => inside.push_str(&text),
            (Piece::Arg { text, .. }, None) if is_markup(&text) => out.push_str(&code_span(&text)),
            (Piece::Arg { text, .. }, None) => out.push_str(&text),
            (Piece::Words(words), _) => {
                for c in words.chars() {
                    match (c, span.take()) {
                        ('`', Some(inside)) => out.push_str(&code_span(&inside)),
                        ('`', None) => span = Some(String::new()),
                        (c, Some(mut inside)) => {
                            inside.push(c);
                            span = Some(inside);
                        }
                        (c, None) => out.push(c),
                    }
                }
            }
        }
    }
    if let Some(inside) = span {
        out.push_str(&code_span(&inside));
    }
    out
}

/// Whether Markdown (GitHub's: tables, autolinks, strikethrough, math) or
/// HTML could read something into `text`: a tag or entity, a link or an
/// image, emphasis, a code span, a cell boundary, an escape, or a bare
/// URL or address that GitHub links by itself.
fn is_markup(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let lower = text.to_ascii_lowercase();
    let loose_underscore = chars.iter().enumerate().any(|(i, &c)| {
        let word = |at: Option<usize>| {
            at.and_then(|at| chars.get(at))
                .is_some_and(|c| c.is_alphanumeric())
        };
        c == '_' && !(word(i.checked_sub(1)) && word(Some(i + 1)))
    });
    loose_underscore
        || chars.iter().any(|c| "`*[]<>&|!~\\$@".contains(*c))
        || lower.contains("://")
        || lower.contains("www.")
}

/// `text` as one code span: the fence is one backtick longer than the
/// longest run inside, and a space pads a span that starts or ends with a
/// backtick or a space (`CommonMark` strips one from each side).
fn code_span(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let edge = |c: Option<char>| matches!(c, Some('`' | ' '));
    let pad = if edge(text.chars().next()) || edge(text.chars().last()) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::{cell, code_cell, code_span, is_markup, markdown};
    use crate::i18n::{Lang, msg};

    #[test]
    fn a_result_cell_keeps_its_code_span_and_a_target_cell_cannot_end_its_own() {
        assert_eq!(cell("`dns_not_found` at dns"), "`dns_not_found` at dns");
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(code_cell("redis://h`x|y"), "``redis://h`x\\|y``");
    }

    #[test]
    fn a_code_span_is_fenced_longer_than_any_backtick_run_inside() {
        assert_eq!(code_span("a ``` b"), "````a ``` b````");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(code_span("<b>"), "`<b>`");
    }

    #[test]
    fn only_text_markdown_could_read_is_fenced() {
        for plain in [
            "connection_refused",
            "db.railway.internal:5432",
            "EAI_NONAME",
            "x (y)",
        ] {
            assert!(!is_markup(plain), "{plain}");
        }
        for markup in [
            "<b>",
            "[a](b)",
            "*em*",
            "_em_",
            "a|b",
            "https://x",
            "www.x.y",
            "a@b.c",
            "&amp;",
        ] {
            assert!(is_markup(markup), "{markup}");
        }
    }

    #[test]
    fn the_catalogs_own_code_span_is_fenced_around_what_a_server_put_in_it() {
        let said = msg::redis_last_words("a `` b <img src=x>".to_string());
        assert_eq!(
            markdown(Lang::En, &said),
            "the server said ```a `` b <img src=x>``` and closed the connection"
        );
        let plain = msg::verbatim("<b>bold</b> [x](y) and a\u{202E}b".to_string());
        assert_eq!(
            markdown(Lang::En, &plain),
            "`<b>bold</b> [x](y) and a\\u{202e}b`"
        );
    }
}
