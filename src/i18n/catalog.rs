//! The catalogs (`i18n/en.ftl`, `i18n/ru.ftl`, compiled into the binary)
//! and the one function that turns a [`Message`] into words. Fluent picks
//! plural forms by the language's CLDR rules; bidi isolation marks are off
//! because the output is a terminal, a CI log or a file, never a page that
//! mixes scripts of both directions.

use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::Duration;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use super::Lang;
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
    let _ = bundle.add_resource(resource);
    bundle
}

impl Lang {
    /// `message` in this language. A message missing from the catalog
    /// (the tests forbid it) falls back to English, then to its id.
    pub fn render(self, message: &Message) -> String {
        self.try_render(message)
            .or_else(|| Lang::En.try_render(message))
            .unwrap_or_else(|| message.id().to_string())
    }

    fn try_render(self, message: &Message) -> Option<String> {
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
        for (name, arg) in message.args() {
            args.set(*name, self.value(arg));
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
        Some(text.into_owned())
    }

    /// A text argument is data: a path, host, value or a server's words.
    /// Its control characters are shown escaped (`\n` as `\\n`), so no
    /// argument starts a new line (a `::warning` workflow command in a
    /// GitHub log, a forged report line) or a terminal sequence, in any
    /// format.
    fn value(self, arg: &Arg) -> FluentValue<'static> {
        match arg {
            Arg::Text(text) => FluentValue::String(escape_controls(text)),
            Arg::Int(n) => FluentValue::from(*n),
            Arg::Fixed { scaled, digits } => self.decimal(*scaled, *digits).into(),
            Arg::Duration(duration) => self.duration(*duration).into(),
            Arg::Msg(inner) => self.render(inner).into(),
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
    /// `1.50 s`.
    pub fn duration(self, duration: Duration) -> String {
        let millis = duration.as_secs_f64() * 1000.0;
        let whole = duration.subsec_nanos() == 0 && duration.as_secs() > 0;
        let message = if let Some(message) = whole.then(|| whole_units(duration.as_secs())) {
            message
        } else if millis < 10.0 {
            msg::duration_ms(Arg::fixed(millis, 1))
        } else if millis < 1000.0 {
            msg::duration_ms(Arg::fixed(millis, 0))
        } else {
            msg::duration_s(Arg::fixed(millis / 1000.0, 2))
        };
        self.render(&message)
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

fn escape_controls(text: &str) -> Cow<'static, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Owned(text.to_string());
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}
