//! What a message argument may not carry as it is. An argument is data —
//! a host, a path, a server's reply, a certificate's name — and is shown
//! in a terminal, a CI log, a Markdown summary and a status page. Its
//! control characters (Cc) would start a line or a terminal sequence; its
//! invisible format characters (Cf: the bidirectional overrides and
//! isolates, zero-width spaces and joiners, the byte-order mark, the soft
//! hyphen…) would reorder or hide words ("Trojan Source", CVE-2021-42574),
//! so that a reply reads as something it does not say. Both are shown as
//! Rust escapes (`\n`, `\u{1b}`, `\u{202e}`): visible, and unambiguous.
//!
//! The same pass marks where each argument starts and ends when a renderer
//! asks for the pieces of a sentence ([`Piece`]): the text report styles a
//! code after escaping it, and the Markdown report fences a server's words
//! as code.

use std::fmt::Write;

/// Unicode's general category Cf (format characters), Unicode 16.0
/// (`DerivedGeneralCategory.txt`).
const FORMAT: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{0600}', '\u{0605}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{06DD}', '\u{06DD}'),
    ('\u{070F}', '\u{070F}'),
    ('\u{0890}', '\u{0891}'),
    ('\u{08E2}', '\u{08E2}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFF9}', '\u{FFFB}'),
    ('\u{110BD}', '\u{110BD}'),
    ('\u{110CD}', '\u{110CD}'),
    ('\u{13430}', '\u{1343F}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0001}', '\u{E0001}'),
    ('\u{E0020}', '\u{E007F}'),
];

/// Where a marked argument starts, where its name ends, and where it ends:
/// private-use characters, escaped like the others when an argument holds
/// one, so no argument can forge a boundary.
const START: char = '\u{E000}';
const NAME_END: char = '\u{E001}';
const END: char = '\u{E002}';

/// Whether `c` is shown escaped: a control or format character, a line or
/// paragraph separator (U+2028, U+2029: line breaks to browsers and
/// editors), or one of the markers above.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | START | NAME_END | END)
        || FORMAT.iter().any(|&(from, to)| (from..=to).contains(&c))
}

/// `text` with every hidden character shown as its escape.
pub(super) fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if hidden(c) {
            // `escape_default` writes `\n`, `\t` or `\u{202e}`.
            let _ = write!(out, "{}", c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// An argument's text, already escaped, between markers naming it (an
/// empty name inside a nested message).
pub(super) fn marked(name: &str, escaped: &str) -> String {
    format!("{START}{name}{NAME_END}{escaped}{END}")
}

/// One piece of a rendered sentence: the catalog's words, or an argument
/// (escaped) with its name (empty for an argument of a nested message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Words(String),
    Arg { name: String, text: String },
}

/// Splits a sentence rendered with marked arguments into its pieces.
pub(super) fn pieces(rendered: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = rendered;
    while let Some(at) = rest.find(START) {
        push_words(&mut out, &rest[..at]);
        let after = &rest[at + START.len_utf8()..];
        let (name, tail) = after.split_once(NAME_END).unwrap_or(("", after));
        let (text, tail) = tail.split_once(END).unwrap_or((tail, ""));
        out.push(Piece::Arg {
            name: name.to_string(),
            text: text.to_string(),
        });
        rest = tail;
    }
    push_words(&mut out, rest);
    out
}

fn push_words(out: &mut Vec<Piece>, words: &str) {
    if !words.is_empty() {
        out.push(Piece::Words(words.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::{Piece, marked, pieces, shown};

    #[test]
    fn bidi_and_invisible_characters_are_shown_escaped() {
        assert_eq!(shown("a\u{202E}b"), "a\\u{202e}b");
        assert_eq!(shown("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(
            shown("zw\u{200B}sp\u{FEFF}\u{AD}"),
            "zw\\u{200b}sp\\u{feff}\\u{ad}"
        );
        assert_eq!(shown("tag\u{E0041}"), "tag\\u{e0041}");
        assert_eq!(shown("line\nbreak\u{2028}"), "line\\nbreak\\u{2028}");
    }

    #[test]
    fn ordinary_text_in_any_script_is_kept() {
        let text = "соединение 接続 مرحبا é ü <b>";
        assert_eq!(shown(text), text);
    }

    #[test]
    fn an_argument_cannot_forge_a_marker() {
        let forged = shown("x\u{E002}y\u{E000}z");
        let rendered = format!("said {}.", marked("text", &forged));
        assert_eq!(
            pieces(&rendered),
            [
                Piece::Words("said ".into()),
                Piece::Arg {
                    name: "text".into(),
                    text: "x\\u{e002}y\\u{e000}z".into()
                },
                Piece::Words(".".into()),
            ]
        );
    }

    /// The marks are put on as a value is written out, after a select
    /// expression compared it: `[EAI_NONAME] no such name` still matches.
    #[test]
    fn pieces_read_as_the_plain_rendering_and_select_the_same_variant() {
        use crate::i18n::{Lang, msg};
        let message = msg::dns_failed("cache.invalid", "EAI_NONAME".to_string());
        for lang in [Lang::En, Lang::Ru] {
            let joined: String = lang
                .pieces(&message)
                .into_iter()
                .map(|piece| match piece {
                    Piece::Words(text) | Piece::Arg { text, .. } => text,
                })
                .collect();
            assert_eq!(joined, lang.render(&message));
        }
        assert!(Lang::En.render(&message).contains("no such name"));
        assert!(Lang::En.pieces(&message).contains(&Piece::Arg {
            name: "host".into(),
            text: "cache.invalid".into()
        }));
    }
}
