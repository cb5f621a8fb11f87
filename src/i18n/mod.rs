//! The language layer: which language a run speaks ([`Lang`]), messages
//! as data ([`Message`]: an id and its arguments), the constructors of
//! every message ([`msg`]), and the Fluent catalogs that turn them into
//! English or Russian at report time (`i18n/en.ftl`, `i18n/ru.ftl`).
//!
//! Error codes, check and step names, JSON keys, statuses and exit codes
//! are not messages: they stay the same in every language (issue 13).

mod catalog;
mod lang;
mod message;
pub(crate) mod msg;

pub(crate) use self::catalog::serialize_in;
pub use self::lang::Lang;
pub(crate) use self::message::{Advice, Arg, Message};

#[cfg(test)]
mod tests;

/// `message` in the run's language, for the lines commands write outside
/// a report (wait's progress, watch's changes, `env`, fatal errors).
pub(crate) fn say(message: &Message) -> String {
    Lang::for_run().render(message)
}
