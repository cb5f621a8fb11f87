//! What the terminal a report goes to can show: colour (`--color` and the
//! variables people set for it) and the width prose wraps at. The decisions
//! are pure functions of the flag, the variables and the stream's state, so
//! a table tests them; the commands ask once per stream, because stdout and
//! stderr can be a terminal and a pipe at the same time.

use std::io::IsTerminal;
use std::sync::OnceLock;

use unicode_width::UnicodeWidthStr;

/// `--color`: `always` and `never` beat every variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// Prose is kept at most this wide even on a wider terminal: lines much
/// longer than ~100 characters are hard to read (issue 23).
pub(crate) const MAX_WIDTH: usize = 100;

static CHOICE: OnceLock<ColorChoice> = OnceLock::new();

impl ColorChoice {
    /// Fixes the run's `--color`, once, at start-up (as the language is).
    pub(crate) fn set_for_run(self) {
        let _ = CHOICE.set(self);
    }

    fn for_run() -> ColorChoice {
        CHOICE.get().copied().unwrap_or_default()
    }

    /// Whether a stream gets colour. Under `auto`, in this order:
    /// `NO_COLOR` set and non-empty (<https://no-color.org>) → none;
    /// `FORCE_COLOR` (<https://force-color.org>) or `CLICOLOR_FORCE`
    /// (<https://bixense.com/clicolors/>) set and not `0` → colour, for CI
    /// logs that render colour without being terminals; `TERM=dumb` → none;
    /// else colour only on a terminal.
    pub(crate) fn colors(self, var: impl Fn(&str) -> Option<String>, terminal: bool) -> bool {
        let set = |name: &str| var(name).filter(|v| !v.is_empty());
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto if set("NO_COLOR").is_some() => false,
            ColorChoice::Auto
                if ["FORCE_COLOR", "CLICOLOR_FORCE"]
                    .iter()
                    .any(|name| set(name).is_some_and(|v| v != "0")) =>
            {
                true
            }
            ColorChoice::Auto if set("TERM").as_deref() == Some("dumb") => false,
            ColorChoice::Auto => terminal,
        }
    }
}

/// Whether stdout gets colour in this run.
pub(crate) fn stdout_colors() -> bool {
    process_colors(std::io::stdout().is_terminal())
}

/// Whether stderr gets colour in this run, decided apart from stdout.
pub(crate) fn stderr_colors() -> bool {
    process_colors(std::io::stderr().is_terminal())
}

fn process_colors(terminal: bool) -> bool {
    ColorChoice::for_run().colors(|name| std::env::var(name).ok(), terminal)
}

/// The width the text report wraps at: only when stdout is a terminal
/// (pipes and files stay unwrapped, one line per sentence, for grep); then
/// `COLUMNS` when it is a positive number, else the terminal's own size
/// (ioctl `TIOCGWINSZ`, through `terminal_size`), at most [`MAX_WIDTH`].
pub(crate) fn stdout_width() -> Option<usize> {
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return None;
    }
    let columns = std::env::var("COLUMNS").ok();
    let size = || terminal_size::terminal_size_of(&stdout).map(|(w, _)| usize::from(w.0));
    width(columns.as_deref(), size)
}

/// [`stdout_width`]'s choice, given the variable and the terminal's size.
fn width(columns: Option<&str>, size: impl Fn() -> Option<usize>) -> Option<usize> {
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or_else(size)
        .filter(|&c| c > 0)
        .map(|c| c.min(MAX_WIDTH))
}

/// Display width of `text` in terminal columns: a Cyrillic letter takes
/// one, an emoji or a CJK character two, and the escape sequences of
/// colour none (ECMA-48 CSI: `ESC [` parameters, then a final byte in
/// `@`..`~`).
pub(crate) fn display_width(text: &str) -> usize {
    let mut width = 0;
    let mut rest = text;
    while let Some(start) = rest.find('\u{1b}') {
        width += rest[..start].width();
        let after = &rest[start + 1..];
        let end = after
            .strip_prefix('[')
            .and_then(|csi| csi.find(|c: char| ('@'..='~').contains(&c)).map(|i| i + 2))
            .unwrap_or(0);
        rest = &after[end..];
    }
    width + rest.width()
}

/// `prefix` then `text` broken at spaces so that no line is wider than
/// `width` (when a word alone is not wider), each line after the first
/// indented by `hang` columns: the hanging indent under `cause` and `fix`.
/// A word wider than the room (a URL) keeps its line rather than being cut.
/// Without a width, `prefix` and `text` as they are.
pub(crate) fn wrap(prefix: &str, text: &str, hang: usize, width: Option<usize>) -> String {
    let Some(width) = width else {
        return format!("{prefix}{text}");
    };
    // Never fewer than 20 columns of text, however narrow the terminal.
    let width = width.max(hang + 20);
    let mut out = prefix.to_string();
    let mut column = display_width(prefix);
    let mut at_start = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let needed = display_width(word);
        if !at_start && column + 1 + needed > width {
            out.push('\n');
            out.push_str(&" ".repeat(hang));
            column = hang;
            at_start = true;
        }
        if !at_start {
            out.push(' ');
            column += 1;
        }
        out.push_str(word);
        column += needed;
        at_start = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{ColorChoice, display_width, width, wrap};

    /// The flag, the variables, whether the stream is a terminal, and
    /// whether it gets colour.
    type Row = (
        ColorChoice,
        &'static [(&'static str, &'static str)],
        bool,
        bool,
    );

    /// Every row of issue 23's precedence: (flag, variables, terminal) →
    /// colour.
    #[test]
    fn colour_follows_the_flag_then_the_variables_then_the_terminal() {
        use ColorChoice::{Always, Auto, Never};
        let rows: &[Row] = &[
            (Always, &[("NO_COLOR", "1")], false, true),
            (Always, &[("TERM", "dumb")], false, true),
            (Never, &[("FORCE_COLOR", "1")], true, false),
            (Never, &[("CLICOLOR_FORCE", "1")], true, false),
            (Auto, &[], true, true),
            (Auto, &[], false, false),
            (Auto, &[("NO_COLOR", "1")], true, false),
            (Auto, &[("NO_COLOR", "")], true, true),
            (
                Auto,
                &[("NO_COLOR", "1"), ("FORCE_COLOR", "1")],
                false,
                false,
            ),
            (Auto, &[("FORCE_COLOR", "1")], false, true),
            (Auto, &[("FORCE_COLOR", "3")], false, true),
            (Auto, &[("FORCE_COLOR", "0")], false, false),
            (Auto, &[("FORCE_COLOR", "")], false, false),
            (Auto, &[("CLICOLOR_FORCE", "1")], false, true),
            (Auto, &[("CLICOLOR_FORCE", "0")], false, false),
            (Auto, &[("FORCE_COLOR", "1"), ("TERM", "dumb")], false, true),
            (Auto, &[("TERM", "dumb")], true, false),
            (Auto, &[("TERM", "xterm-256color")], true, true),
            (Auto, &[("TERM", "xterm-256color")], false, false),
        ];
        for &(choice, vars, terminal, expected) in rows {
            let var = |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_string())
            };
            assert_eq!(
                choice.colors(var, terminal),
                expected,
                "{choice:?} {vars:?} terminal={terminal}"
            );
        }
    }

    #[test]
    fn the_width_is_columns_else_the_terminal_at_most_100() {
        assert_eq!(width(Some("60"), || Some(200)), Some(60));
        assert_eq!(width(Some("300"), || None), Some(100));
        assert_eq!(width(None, || Some(80)), Some(80));
        assert_eq!(width(Some("wide"), || Some(72)), Some(72));
        assert_eq!(width(Some("0"), || None), None);
        assert_eq!(width(None, || Some(0)), None);
    }

    #[test]
    fn width_counts_columns_not_bytes() {
        assert_eq!(display_width("причина"), 7);
        assert_eq!(display_width("✅ ok"), 5);
        assert_eq!(display_width("\u{1b}[1mcode\u{1b}[0m!"), 5);
        assert_eq!(display_width("\u{1b}[2m\u{1b}[0m"), 0);
    }

    #[test]
    fn wrapping_hangs_under_the_label() {
        let text = "Сверьте хост с указанным в панели управления провайдера";
        let wrapped = wrap("  fix ", text, 6, Some(30));
        assert_eq!(
            wrapped,
            "  fix Сверьте хост с указанным\n      в панели управления\n      провайдера"
        );
        for line in wrapped.lines() {
            assert!(display_width(line) <= 30, "{line}");
        }
        assert_eq!(wrap("> ", "a b", 2, None), "> a b");
        let url = "postgresql://app:***@db.internal.example.com:5432/app";
        assert_eq!(
            wrap("", &format!("see {url} now"), 0, Some(20)),
            format!("see\n{url}\nnow")
        );
    }
}
