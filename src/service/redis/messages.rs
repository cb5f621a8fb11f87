//! The Redis check's messages that need logic to build: what the
//! authentication and ping steps say, the server's state (replica,
//! eviction, memory), and a malformed RESP reply shown escaped. The words
//! are in the catalogs; the probe, its facts and its reply reader call
//! these.

use crate::i18n::{Message, msg};

pub(crate) fn redis_auth_detail(user: Option<&str>) -> Message {
    match user {
        Some(user) => msg::redis_auth_detail(user),
        None => msg::redis_auth_detail_default(),
    }
}

pub(crate) fn redis_ping_detail(version: Option<&str>, db: i64) -> Message {
    match version {
        Some(version) => msg::redis_ping_detail(version.to_string(), db),
        None => msg::redis_ping_detail_no_version(db),
    }
}

pub(crate) fn redis_replica(detail: &Message) -> Message {
    msg::redis_replica(detail.clone())
}

pub(crate) fn redis_evicts_all(policy: &str) -> Message {
    msg::redis_evicts_all(policy.to_string())
}

pub(crate) fn redis_memory_full(used: u64, max: u64) -> Message {
    msg::redis_memory_full(used / (1024 * 1024), max / (1024 * 1024))
}

pub(crate) fn redis_peer_unknown(bytes: &[u8]) -> Message {
    msg::redis_peer_unknown(msg::peer_bytes(bytes))
}

pub(crate) fn redis_malformed(what: &Message, bytes: &[u8]) -> Message {
    msg::redis_malformed(what.clone(), crate::net::sniff::escaped(bytes))
}

pub(crate) fn redis_last_words(text: &str) -> Message {
    msg::redis_last_words(text.to_string())
}

pub(crate) fn redis_not_utf8(kind: u8) -> Message {
    msg::redis_not_utf8(char::from(kind))
}

pub(crate) fn redis_unknown_type(kind: u8) -> Message {
    msg::redis_unknown_type(format!("0x{kind:02x}"))
}

pub(crate) fn redis_not_a_number(kind: u8, line: &str) -> Message {
    msg::redis_not_a_number(char::from(kind), line.to_string())
}
