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
pub mod msg;

pub use self::catalog::serialize_in;
pub use self::lang::{LOCALE_VARS, Lang};
pub use self::message::{Advice, Arg, Message};

#[cfg(test)]
mod tests;
