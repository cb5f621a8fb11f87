//! Backend messages read from the bytes the server sent, when the codec
//! only reports a closed connection or a bare parse error.
//! A malformed message — an MD5 request whose salt is not 4 bytes, an
//! `ErrorResponse` with no fields, a length below 4 — is `protocol_error`
//! (PostgreSQL docs, "Message Formats"), which waiting will not heal.

use crate::i18n::{Message, msg};
use crate::model::{Code, Failure};

/// `AuthenticationMD5Password`: the request code 5 and a 4-byte salt.
const MD5_REQUEST: i32 = 5;

/// The first malformed backend message in `bytes`, if any.
pub(crate) fn malformed(bytes: &[u8]) -> Option<Failure> {
    // The one-byte answer to `SSLRequest` (`N`) may come first; a real
    // message of type `N` has a length whose first byte is 0.
    let mut at =
        usize::from(bytes.first() == Some(&b'N') && matches!(bytes.get(1), Some(b'R' | b'E')));
    while let Some(header) = bytes.get(at..at + 5) {
        let kind = header[0];
        let len = i32::from_be_bytes([header[1], header[2], header[3], header[4]]);
        let Ok(len) = usize::try_from(len) else {
            return Some(protocol_error(&pg_bad_length(kind, len), &bytes[at..]));
        };
        if len < 4 {
            return Some(protocol_error(
                &pg_bad_length(kind, i32::try_from(len).unwrap_or(0)),
                &bytes[at..],
            ));
        }
        let Some(body) = bytes.get(at + 5..at + 1 + len) else {
            // Cut short: what was seen is well formed.
            return None;
        };
        if let Some(what) = check(kind, body) {
            return Some(protocol_error(&what, &bytes[at..]));
        }
        at += 1 + len;
    }
    None
}

fn protocol_error(what: &Message, bytes: &[u8]) -> Failure {
    Failure::new(Code::ProtocolError, pg_malformed(what, bytes))
}

/// What is wrong with one message, if anything.
fn check(kind: u8, body: &[u8]) -> Option<Message> {
    match kind {
        b'R' => {
            let request = i32::from_be_bytes(body.get(..4)?.try_into().ok()?);
            let salt = body.len() - 4;
            (request == MD5_REQUEST && salt != 4).then(|| msg::pg_md5_salt(salt))
        }
        b'E' | b'N' => {
            let fields: Vec<u8> = body
                .split(|&b| b == 0)
                .filter(|f| !f.is_empty())
                .map(|f| f[0])
                .collect();
            if fields.is_empty() {
                Some(pg_empty_error(kind))
            } else {
                None
            }
        }
        _ => None,
    }
}

pub(crate) fn pg_malformed(what: &Message, bytes: &[u8]) -> Message {
    msg::pg_malformed(what.clone(), crate::net::sniff::escaped(bytes))
}

pub(crate) fn pg_bad_length(kind: u8, len: i32) -> Message {
    msg::pg_bad_length(kind.escape_ascii().to_string(), i64::from(len))
}

pub(crate) fn pg_empty_error(kind: u8) -> Message {
    if kind == b'E' {
        msg::pg_empty_error_response()
    } else {
        msg::pg_empty_notice_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(bytes: &[u8]) -> Option<Code> {
        malformed(bytes).map(|f| f.code)
    }

    #[test]
    fn malformed_messages_are_protocol_errors() {
        assert_eq!(
            code(b"R\0\0\0\x09\0\0\0\x05\x01"),
            Some(Code::ProtocolError)
        );
        assert_eq!(code(b"E\0\0\0\x04"), Some(Code::ProtocolError));
        assert_eq!(code(b"E\0\0\0\x05\0"), Some(Code::ProtocolError));
        assert_eq!(code(b"NE\0\0\0\x04"), Some(Code::ProtocolError));
        assert_eq!(code(b"R\0\0\0\x02"), Some(Code::ProtocolError));
        assert_eq!(code(b"R\xff\xff\xff\xff"), Some(Code::ProtocolError));
    }

    #[test]
    fn well_formed_or_cut_short_messages_say_nothing() {
        assert_eq!(code(b"R\0\0\0\x0c\0\0\0\x05salt"), None);
        assert_eq!(code(b"R\0\0\0\x08\0\0\0\0"), None);
        assert_eq!(code(b"E\0\0\0\x20SFATAL\0C53300\0Mtoo many\0\0"), None);
        assert_eq!(code(b"R\0\0\0\x0c\0\0"), None);
        assert_eq!(code(b""), None);
    }
}
