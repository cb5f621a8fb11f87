//! The server's last words, read from the bytes it sent when redis-rs
//! only says the connection went away. redis-rs drops a connection on a
//! reply it cannot parse and reports the drop, not the reply; and a Redis
//! at `maxclients` writes `-ERR max number of clients reached` and closes
//! before any command is read. Both are decided here from the bytes: a
//! malformed reply is `protocol_error` (it will not heal by waiting), an
//! error line before the close is what the server said.

use crate::i18n::{Message, msg};
use crate::model::{Code, Failure};

use super::messages;

/// redis-rs refuses replies nested deeper than this (its parser's limit).
const MAX_DEPTH: usize = 100;

/// What the bytes received say, when they say something.
pub(crate) fn last_words(bytes: &[u8]) -> Option<Failure> {
    let mut at = 0;
    while at < bytes.len() {
        match value(bytes, at, 0) {
            Ok(Some((next, error))) => {
                if let Some(text) = error {
                    return Some(said(&text));
                }
                at = next;
            }
            // Cut short: what was seen is well formed.
            Ok(None) => return None,
            Err(what) => {
                return Some(Failure::new(
                    Code::ProtocolError,
                    messages::redis_malformed(&what, &bytes[at..]),
                ));
            }
        }
    }
    None
}

/// An error line the server sent before closing.
fn said(text: &str) -> Failure {
    let code = match text.split(' ').next().unwrap_or_default() {
        // Only the fixed text tells it apart: "-ERR max number of clients
        // reached" (Redis networking.c) has the generic ERR code.
        _ if text.contains("max number of clients") => Code::TooManyConnections,
        "LOADING" => Code::ServerStarting,
        "NOAUTH" => Code::AuthRequired,
        "WRONGPASS" => Code::AuthFailed,
        "NOPERM" | "DENIED" => Code::AccessDenied,
        _ => Code::ConnectionClosed,
    };
    Failure::new(code, messages::redis_last_words(text))
}

/// One reply starting at `at`: `Ok(None)` when the bytes end inside it,
/// else where the next one starts and, for an error reply, its text.
type Parsed = Result<Option<(usize, Option<String>)>, Message>;

fn value(bytes: &[u8], at: usize, depth: usize) -> Parsed {
    if depth > MAX_DEPTH {
        return Err(msg::redis_nested_too_deep(MAX_DEPTH));
    }
    let Some((line, next)) = line(bytes, at + 1) else {
        return Ok(None);
    };
    let kind = bytes[at];
    match kind {
        b'+' | b'-' => {
            let text = std::str::from_utf8(line).map_err(|_| messages::redis_not_utf8(kind))?;
            let error = (kind == b'-').then(|| text.to_string());
            Ok(Some((next, error)))
        }
        b':' => {
            integer(line, kind)?;
            Ok(Some((next, None)))
        }
        b'$' => {
            let len = integer(line, kind)?;
            if len < 0 {
                return Ok(Some((next, None)));
            }
            let end = next + usize::try_from(len).unwrap_or(usize::MAX);
            match bytes.get(end..end + 2) {
                None => Ok(None),
                Some(b"\r\n") => Ok(Some((end + 2, None))),
                Some(_) => Err(msg::redis_bulk_length_wrong()),
            }
        }
        b'*' => {
            let count = integer(line, kind)?;
            let mut at = next;
            for _ in 0..count.max(0) {
                match value(bytes, at, depth + 1)? {
                    Some((after, _)) => at = after,
                    None => return Ok(None),
                }
            }
            Ok(Some((at, None)))
        }
        _ => Err(messages::redis_unknown_type(kind)),
    }
}

/// The line after a type byte, up to CRLF, and where the next one starts.
fn line(bytes: &[u8], from: usize) -> Option<(&[u8], usize)> {
    let rest = bytes.get(from..)?;
    let end = rest.windows(2).position(|w| w == b"\r\n")?;
    Some((&rest[..end], from + end + 2))
}

fn integer(line: &[u8], kind: u8) -> Result<i64, Message> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or_else(|| messages::redis_not_a_number(kind, &String::from_utf8_lossy(line)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(bytes: &[u8]) -> Option<Code> {
        last_words(bytes).map(|f| f.code)
    }

    #[test]
    fn malformed_replies_are_protocol_errors() {
        assert_eq!(code(b":notanumber\r\n"), Some(Code::ProtocolError));
        assert_eq!(code(b"-ERR \xff\xfe bad\r\n"), Some(Code::ProtocolError));
        assert_eq!(code(b"?what\r\n"), Some(Code::ProtocolError));
        assert_eq!(code(b"$3\r\nabcdef\r\n"), Some(Code::ProtocolError));
        let nested = [b"*1\r\n".repeat(101), b":1\r\n".to_vec()].concat();
        assert_eq!(code(&nested), Some(Code::ProtocolError));
        let fine = [b"*1\r\n".repeat(100), b":1\r\n".to_vec()].concat();
        assert_eq!(code(&fine), None);
    }

    #[test]
    fn well_formed_or_cut_short_replies_say_nothing() {
        assert_eq!(code(b"+OK\r\n+PONG\r\n$5\r\nab"), None);
        assert_eq!(code(b"*2\r\n:1\r\n"), None);
        assert_eq!(code(b""), None);
    }

    #[test]
    fn an_error_before_the_close_decides() {
        assert_eq!(
            code(b"-ERR max number of clients reached\r\n"),
            Some(Code::TooManyConnections)
        );
        assert_eq!(
            code(b"-LOADING Redis is loading\r\n"),
            Some(Code::ServerStarting)
        );
        assert_eq!(code(b"-ERR something\r\n"), Some(Code::ConnectionClosed));
    }
}
