//! The PostgreSQL check's messages that need logic to build: what the
//! authentication and query steps say, the server's own words with their
//! severity and SQLSTATE, and the limits a role or database is under.
//! The words are in the catalogs; the probe, its facts and its URL parser
//! call these.

use crate::i18n::{Message, msg};

pub(crate) fn pg_env_defaults(vars: &[&str]) -> Message {
    msg::pg_env_defaults(vars.join(", "))
}

pub(crate) fn pg_peer_unknown(bytes: &[u8]) -> Message {
    msg::pg_peer_unknown(msg::peer_bytes(bytes))
}

pub(crate) fn pg_auth_detail(user: Option<&str>) -> Message {
    match user {
        Some(user) => msg::pg_auth_detail(user),
        None => msg::pg_auth_detail_anonymous(),
    }
}

pub(crate) fn pg_server_said(severity: &str, sqlstate: &str, message: &str) -> Message {
    msg::pg_server_said(
        severity.to_string(),
        sqlstate.to_string(),
        message.to_string(),
    )
}

pub(crate) fn pg_query_detail(version: &str, database: &str, user: &str) -> Message {
    msg::pg_query_detail(version.to_string(), database.to_string(), user.to_string())
}

pub(crate) fn pg_no_tables(database: &str) -> Message {
    msg::pg_no_tables(database.to_string())
}

pub(crate) fn pg_facts_detail(detail: &Message, connections: Option<(u64, u64)>) -> Message {
    match connections {
        Some((used, usable)) => msg::pg_facts_detail(detail.clone(), used, usable),
        None => detail.clone(),
    }
}

pub(crate) fn pg_read_only(facts: &Message) -> Message {
    msg::pg_read_only(facts.clone())
}

pub(crate) fn pg_own_limit(role: bool, used: u64, limit: u64) -> Message {
    if role {
        msg::pg_role_limit(used, limit)
    } else {
        msg::pg_database_limit(used, limit)
    }
}
