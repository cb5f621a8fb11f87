//! The language layer: which language a run speaks ([`Lang`]), messages
//! as data ([`Message`]: an id and its arguments), the constructors of
//! every message ([`msg`]), and the Fluent catalogs that turn them into
//! English or Russian at report time (`i18n/en.ftl`, `i18n/ru.ftl`).
//!
//! Error codes, check and step names, JSON keys, statuses and exit codes
//! are not messages: they stay the same in every language (issue 13).

mod catalog;
mod escape;
mod lang;
mod message;
pub(crate) mod msg;

pub(crate) use self::catalog::serialize_in;
pub(crate) use self::escape::Piece;
pub use self::lang::Lang;
pub(crate) use self::message::{Advice, Arg, Message};

#[cfg(test)]
mod tests;

/// An I/O error whose reason is one of railconn's messages (a FIFO nobody
/// reads, a file over the limit): it travels inside `io::Error` as a
/// message and is rendered only when shown ([`io_reason`]).
#[derive(Debug)]
struct MessageError(Message);

impl std::fmt::Display for MessageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&say(&self.0))
    }
}

impl std::error::Error for MessageError {}

/// An `io::Error` of `kind` whose reason is `message`.
pub(crate) fn io_error(kind: std::io::ErrorKind, message: Message) -> std::io::Error {
    std::io::Error::new(kind, MessageError(message))
}

/// What an I/O error says, as a message: railconn's own reasons stay
/// messages, the errors of file and socket calls a user meets are named by
/// their errno in the run's language, and any other system words are shown
/// as they are.
pub(crate) fn io_reason(error: &std::io::Error) -> Message {
    if let Some(ours) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<MessageError>())
    {
        return ours.0.clone();
    }
    error
        .raw_os_error()
        .and_then(errno_name)
        .map_or_else(|| msg::verbatim(error.to_string()), msg::os_error)
}

/// The errnos open(2), read(2), bind(2) and execve(2) return for a path, a
/// file or an address the user gave (the names as in errno(3)).
fn errno_name(errno: i32) -> Option<&'static str> {
    Some(match errno {
        libc::ENOENT => "ENOENT",
        libc::EACCES => "EACCES",
        libc::EPERM => "EPERM",
        libc::EISDIR => "EISDIR",
        libc::ENOTDIR => "ENOTDIR",
        libc::ELOOP => "ELOOP",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::EROFS => "EROFS",
        libc::ENOSPC => "ENOSPC",
        libc::EADDRINUSE => "EADDRINUSE",
        libc::EADDRNOTAVAIL => "EADDRNOTAVAIL",
        libc::ENOEXEC => "ENOEXEC",
        _ => return None,
    })
}

/// `message` in the run's language, for the lines commands write outside
/// a report (wait's progress, watch's changes, `env`, fatal errors).
pub(crate) fn say(message: &Message) -> String {
    Lang::for_run().render(message)
}

/// A check name, code, driver or kind the user typed, as a warning or an
/// error quotes it back. None of those holds a `:` (past a `kind:` prefix),
/// so a value that does is a URL or `user:password@host` typed in the wrong
/// place and is not shown at all: cut at an `@` (`--allow CODE@CHECK`,
/// `--driver NAME@VERSION`) or holding a query `password=`, its password
/// sits where no later redaction finds it.
pub(crate) fn typed_value(text: &str) -> String {
    // `kind:` in any case (`KIND:redis`) starts a selector, never a URL:
    // what follows is shown unless it may be one (issue 18).
    let kind = text
        .get(..5)
        .filter(|prefix| prefix.eq_ignore_ascii_case("kind:"));
    match (kind, text.get(5..)) {
        (Some(prefix), Some(rest)) if rest.contains(':') => format!("{prefix}…"),
        (Some(_), _) => text.to_string(),
        _ if text.contains(':') => say(&msg::url_not_shown()),
        _ => text.to_string(),
    }
}
