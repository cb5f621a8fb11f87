//! The catalogs (`i18n/en.ftl`, `i18n/ru.ftl`, compiled into the binary)
//! and the one function that turns a [`Message`] into words. Fluent picks
//! plural forms by the language's CLDR rules; bidi isolation marks are off
//! because the output is a terminal, a CI log or a file, never a page that
//! mixes scripts of both directions.

use std::sync::OnceLock;
use std::time::Duration;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use super::Lang;
use super::escape::{self, Piece};
use super::message::{Arg, Message};
use super::msg;

/// The Fluent source of each catalog.
pub(super) const SOURCES: [(Lang, &str); 2] = [
    (Lang::En, include_str!("../../i18n/en.ftl")),
    (Lang::Ru, include_str!("../../i18n/ru.ftl")),
];

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> &'static Bundle {
    static EN: OnceLock<Bundle> = OnceLock::new();
    static RU: OnceLock<Bundle> = OnceLock::new();
    let cell = match lang {
        Lang::En => &EN,
        Lang::Ru => &RU,
    };
    cell.get_or_init(|| build(lang))
}

fn build(lang: Lang) -> Bundle {
    let source = SOURCES
        .iter()
        .find(|(l, _)| *l == lang)
        .map_or("", |(_, s)| s);
    // A syntax error loses only the broken entry; the catalog tests fail
    // on any.
    let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(res, _)| res);
    let tag = lang.tag().parse().unwrap_or_default();
    let mut bundle = Bundle::new_concurrent(vec![tag]);
    bundle.set_use_isolating(false);
    bundle.set_formatter(Some(mark_argument));
    let _ = bundle.add_resource(resource);
    bundle
}

impl Lang {
    /// `message` in this language. A message missing from the catalog
    /// (the tests forbid it) falls back to English, then to its id.
    pub fn render(self, message: &Message) -> String {
        self.render_in(message, Mark::Off)
    }

    /// `message` in this language, cut into the catalog's words and its
    /// arguments (escaped, each with its name; empty inside a nested
    /// message): a renderer styles or fences an argument only after it is
    /// escaped, never before.
    pub(crate) fn pieces(self, message: &Message) -> Vec<Piece> {
        escape::pieces(&self.render_in(message, Mark::Top))
    }

    fn render_in(self, message: &Message, mark: Mark) -> String {
        self.try_render(message, mark)
            .or_else(|| Lang::En.try_render(message, mark))
            .unwrap_or_else(|| message.id().to_string())
    }

    fn try_render(self, message: &Message, mark: Mark) -> Option<String> {
        let bundle = bundle(self);
        // Advice lives in attributes: `advice_pg_auth_failed.cause`.
        let (id, attribute) = match message.id().split_once('.') {
            Some((id, attribute)) => (id, Some(attribute)),
            None => (message.id(), None),
        };
        let entry = bundle.get_message(id)?;
        let pattern = match attribute {
            Some(attribute) => entry.get_attribute(attribute)?.value(),
            None => entry.value()?,
        };
        let mut args = FluentArgs::new();
        let mut marked = Vec::new();
        for (name, arg) in message.args() {
            let value = self.value(arg, mark.nested());
            if let (FluentValue::String(text), Arg::Text(_) | Arg::AnyOf(_)) = (&value, arg) {
                let name = if mark == Mark::Top { name } else { "" };
                marked.push((name.to_string(), text.to_string()));
            }
            args.set(*name, value);
        }
        let marking = (mark != Mark::Off).then_some(marked);
        let before = MARKED.replace(marking);
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
        let text = text.into_owned();
        MARKED.set(before);
        Some(text)
    }

    /// A text argument is data: a path, host, value or a server's words.
    /// Its control and invisible format characters are shown escaped (`\n`
    /// as `\\n`, U+202E as `\u{202e}`, [`escape`]), so no argument starts
    /// a new line (a `::warning` workflow command in a GitHub log, a forged
    /// report line), a terminal sequence or a reordered line, in any format.
    fn value(self, arg: &Arg, mark: Mark) -> FluentValue<'static> {
        match arg {
            Arg::Text(text) => escape::shown(text).into(),
            Arg::Int(n) => FluentValue::from(*n),
            Arg::Fixed { scaled, digits } => self.decimal(*scaled, *digits).into(),
            Arg::Duration(duration) => self.duration(*duration).into(),
            Arg::Time(unix) => self.moment(*unix).into(),
            Arg::Msg(inner) => self.render_in(inner, mark).into(),
            Arg::AnyOf(items) => self.any_of(items).into(),
        }
    }

    /// A decimal with the language's separator (`1.5`, `1,5`).
    fn decimal(self, scaled: i64, digits: u32) -> String {
        let value = scaled as f64 / 10f64.powi(digits.cast_signed());
        let digits = digits as usize;
        let text = format!("{value:.digits$}");
        let point = self.render(&msg::decimal_point());
        text.replace('.', &point)
    }

    /// A duration as people read it in a report: `0.4 ms`, `12 ms`,
    /// `1.50 s`; a setting such as `--interval 1500ms` as `1.5 s` (a
    /// measurement is never a whole tenth of a second to the nanosecond,
    /// and «раз в 1,50 с» reads as a measurement, issue 23).
    pub fn duration(self, duration: Duration) -> String {
        let millis = duration.as_secs_f64() * 1000.0;
        let whole = duration.subsec_nanos() == 0 && duration.as_secs() > 0;
        let tenths = duration.subsec_nanos().is_multiple_of(100_000_000) && millis >= 1000.0;
        let message = if let Some(message) = whole.then(|| whole_units(duration.as_secs())) {
            message
        } else if tenths {
            msg::duration_s(Arg::fixed(millis / 1000.0, 1))
        } else if millis < 10.0 {
            msg::duration_ms(Arg::fixed(millis, 1))
        } else if millis < 1000.0 {
            msg::duration_ms(Arg::fixed(millis, 0))
        } else {
            msg::duration_s(Arg::fixed(millis / 1000.0, 2))
        };
        self.render(&message)
    }

    /// A moment as the language writes it inside a sentence, UTC, to the
    /// minute (`2026-12-28 04:09 UTC`, `28.12.2026 04:09 UTC`); one the
    /// calendar cannot hold (past the year 9999) as its Unix seconds.
    pub(crate) fn moment(self, unix: i64) -> String {
        let Ok(at) = time::OffsetDateTime::from_unix_timestamp(unix) else {
            return unix.to_string();
        };
        let two = |n: u8| format!("{n:02}");
        self.render(&msg::moment(
            format!("{:04}", at.year()),
            two(u8::from(at.month())),
            two(at.day()),
            two(at.hour()),
            two(at.minute()),
        ))
    }

    fn any_of(self, items: &[String]) -> String {
        let mut items = items.iter();
        let first = items.next().cloned().unwrap_or_default();
        items.fold(first, |acc, next| {
            self.render(&msg::either(acc, next.as_str()))
        })
    }
}

/// A whole number of seconds — a setting such as `--interval 5m` or
/// `--timeout 30s`, not a measurement — in its largest exact unit, without
/// fraction digits: `5 s`, `2 min`, `1 h`.
fn whole_units(secs: u64) -> Message {
    let value = |n: u64| Arg::Int(i64::try_from(n).unwrap_or(i64::MAX));
    if secs.is_multiple_of(3600) {
        msg::duration_h(value(secs / 3600))
    } else if secs.is_multiple_of(60) {
        msg::duration_min(value(secs / 60))
    } else {
        msg::duration_s(value(secs))
    }
}

thread_local! {
    /// The language `Serialize` renders messages in: serde offers no way
    /// to pass context to a serializer, so the JSON renderer sets it for
    /// the duration of one write ([`serialize_in`]).
    static SERIALIZE_LANG: std::cell::Cell<Lang> = const { std::cell::Cell::new(Lang::En) };
}

/// Runs `write` with messages serializing in `lang`.
pub(crate) fn serialize_in<T>(lang: Lang, write: impl FnOnce() -> T) -> T {
    let before = SERIALIZE_LANG.replace(lang);
    let result = write();
    SERIALIZE_LANG.set(before);
    result
}

/// A message in JSON is its text in the run's language (the schema says
/// so); the id stays in the code.
impl serde::Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&SERIALIZE_LANG.get().render(self))
    }
}

/// Unit tests read messages in English.
#[cfg(test)]
impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&Lang::En.render(self))
    }
}

#[cfg(test)]
impl Message {
    /// Whether the English text contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        Lang::En.render(self).contains(needle)
    }
}

/// Whether, and how, a rendering marks its arguments ([`Lang::pieces`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Off,
    /// The message's own arguments, by name.
    Top,
    /// The arguments of a message inside it, without a name.
    Nested,
}

impl Mark {
    fn nested(self) -> Mark {
        match self {
            Mark::Off => Mark::Off,
            Mark::Top | Mark::Nested => Mark::Nested,
        }
    }
}

thread_local! {
    /// The text arguments of the message being rendered with marks, with
    /// their names: Fluent hands the formatter a value without its name.
    static MARKED: std::cell::RefCell<Option<Vec<(String, String)>>> =
        const { std::cell::RefCell::new(None) };
}

/// Fluent's formatter, called as a value is written out — after a select
/// expression has compared it (`[EAI_NONAME] no such name`), so the marks
/// never change which variant is chosen. It marks a text argument of the
/// message being rendered with marks, and nothing else.
fn mark_argument<M>(value: &FluentValue<'_>, _: &M) -> Option<String> {
    let FluentValue::String(text) = value else {
        return None;
    };
    MARKED.with_borrow(|marked| {
        let (name, _) = marked.as_ref()?.iter().find(|(_, t)| t == text)?;
        Some(escape::marked(name, text))
    })
}
