//! A message as data: an id from the catalogs and its arguments. Probes,
//! config and diagnosis build these; only a renderer turns one into words,
//! in the language the run chose (issue 13). This file imports nothing
//! from the crate, so every layer may use it.

use std::net::SocketAddr;
use std::time::Duration;

/// One sentence (or label) to show, not yet in any language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    id: &'static str,
    args: Vec<(&'static str, Arg)>,
}

/// An argument of a message. Numbers stay numbers so the catalog can
/// choose plural forms (1 проблема, 2 проблемы, 5 проблем); durations and
/// decimals are formatted by the renderer (`1.50 s`, `1,50 с`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Words that are the same in every language: names, hosts, codes,
    /// server replies.
    Text(String),
    Int(i64),
    /// A decimal: `scaled` / 10^`digits`, shown with `digits` fraction
    /// digits (kept as an integer so messages compare exactly).
    Fixed {
        scaled: i64,
        digits: u32,
    },
    Duration(Duration),
    /// A moment, in seconds since the Unix epoch, shown in UTC to the
    /// minute as the language writes dates (`2026-12-28 04:09 UTC`,
    /// `28.12.2026 04:09 UTC`); JSON fields keep RFC 3339.
    Time(i64),
    /// A nested message, rendered in the same language.
    Msg(Message),
    /// Alternatives joined with the language's "or".
    AnyOf(Vec<String>),
}

impl Message {
    /// Only the declared constructors in `i18n::msg` call this, so the
    /// list of ids and arguments the code can build is enumerable.
    pub(super) fn new(id: &'static str, args: Vec<(&'static str, Arg)>) -> Self {
        Self { id, args }
    }

    pub fn id(&self) -> &'static str {
        self.id
    }

    pub fn args(&self) -> &[(&'static str, Arg)] {
        &self.args
    }

    /// Applies `f` to every text argument, nested ones included: the
    /// redaction pass masks secrets a server echoed back.
    pub fn map_text(&mut self, f: &mut dyn FnMut(&str) -> String) {
        for (_, arg) in &mut self.args {
            match arg {
                Arg::Text(text) => *text = f(text),
                Arg::Msg(inner) => inner.map_text(f),
                Arg::AnyOf(items) => items.iter_mut().for_each(|t| *t = f(t)),
                Arg::Int(_) | Arg::Fixed { .. } | Arg::Duration(_) | Arg::Time(_) => {}
            }
        }
    }

    /// Whether any text argument satisfies `pred` (tests look for leaks).
    pub fn any_text(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        self.args.iter().any(|(_, arg)| match arg {
            Arg::Text(text) => pred(text),
            Arg::Msg(inner) => inner.any_text(pred),
            Arg::AnyOf(items) => items.iter().any(|t| pred(t)),
            Arg::Int(_) | Arg::Fixed { .. } | Arg::Duration(_) | Arg::Time(_) => false,
        })
    }
}

impl Arg {
    /// `value` rounded to `digits` fraction digits.
    pub fn fixed(value: f64, digits: u32) -> Arg {
        #[allow(clippy::cast_possible_truncation)]
        let scaled = (value * 10f64.powi(digits.cast_signed())).round() as i64;
        Arg::Fixed { scaled, digits }
    }
}

/// No words at all (an empty target, a list with nothing in it).
impl Default for Message {
    fn default() -> Self {
        // `msg::verbatim` with no text.
        Message::new("verbatim", vec![("text", Arg::Text(String::new()))])
    }
}

// There is deliberately no `From<String>` or `From<&str>` for `Message`:
// text becomes a message only through a catalog constructor in `msg`, or
// through `msg::verbatim` for words that are the same in every language
// (a server's reply, an operating-system error, a path), so the compiler
// finds every sentence that would otherwise reach a report untranslated.

impl From<&str> for Arg {
    fn from(text: &str) -> Self {
        Arg::Text(text.to_string())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Arg::Text(text)
    }
}

impl From<&String> for Arg {
    fn from(text: &String) -> Self {
        Arg::Text(text.clone())
    }
}

impl From<char> for Arg {
    fn from(c: char) -> Self {
        Arg::Text(c.to_string())
    }
}

impl From<SocketAddr> for Arg {
    fn from(addr: SocketAddr) -> Self {
        Arg::Text(addr.to_string())
    }
}

impl From<Duration> for Arg {
    fn from(duration: Duration) -> Self {
        Arg::Duration(duration)
    }
}

impl From<Message> for Arg {
    fn from(message: Message) -> Self {
        Arg::Msg(message)
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}

impl From<u64> for Arg {
    fn from(n: u64) -> Self {
        Arg::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<u32> for Arg {
    fn from(n: u32) -> Self {
        Arg::Int(i64::from(n))
    }
}

/// The most likely cause and the concrete fix for a failed check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Advice {
    pub cause: Message,
    pub fix: Message,
}

impl Advice {
    /// Gives the cause and the fix the check's own variable as `$variable`
    /// (`CACHE_URL`, not `REDIS_URL`, on a discovered check); the advice
    /// that speaks of the check's value names it with that.
    pub(crate) fn naming(mut self, variable: &str) -> Self {
        for message in [&mut self.cause, &mut self.fix] {
            message
                .args
                .push((ADVICE_VARIABLE, Arg::Text(variable.to_string())));
        }
        self
    }
}

/// The one argument every advice message may use (the catalog tests
/// declare it for each).
pub(crate) const ADVICE_VARIABLE: &str = "variable";
