//! Cause and fix for a failed PostgreSQL check: the layer or the network
//! changes the meaning of some codes; the rest come from the code alone.

use crate::i18n::{Advice, Message, msg};
use crate::model::{Code, StepName};

/// Cause and fix for `code` at `step` (a provider's own words, from
/// `provider::table`, come before these).
pub(crate) fn advise(step: StepName, code: Code, said: &Message) -> Option<Advice> {
    // The probe named which limit refused the connection (by the server's
    // routine field, postinit.c or miscinit.c).
    let refusal = pg_refusal_of(said);
    match (step, code) {
        (_, Code::DnsNotFound) if crate::net::dns::is_zoned_address(said) => {
            Some(msg::advice_dns_zoned_address())
        }
        (_, Code::ProtocolError) if said.id() == "pg_malformed" => {
            Some(msg::advice_malformed_reply())
        }
        (_, Code::TooManyConnections) if refusal == Some(Refusal::RoleLimit) => {
            Some(msg::advice_pg_role_limit())
        }
        (_, Code::TooManyConnections) if refusal == Some(Refusal::DatabaseLimit) => {
            Some(msg::advice_pg_database_limit())
        }
        (_, Code::AccessDenied) if refusal == Some(Refusal::DatabaseClosed) => {
            Some(msg::advice_pg_database_closed())
        }
        (StepName::Tls, Code::TlsHandshakeFailed) if said.id() == "pg_direct_tls_unsupported" => {
            Some(crate::i18n::msg::advice_pg_direct_tls())
        }
        // The probe named a Unix socket's errno (`net::stream`).
        (StepName::Tcp, Code::ConnectionRefused)
            if matches!(said.id(), "socket_missing" | "socket_refused") =>
        {
            Some(msg::advice_pg_socket_missing())
        }
        (StepName::Tcp, Code::AccessDenied) if said.id() == "socket_denied" => {
            Some(msg::advice_pg_socket_denied())
        }
        (StepName::Tls, Code::Timeout) => Some(msg::advice_pg_tls_timeout()),
        (StepName::Tls, Code::ConnectionClosed) => Some(msg::advice_pg_tls_closed()),
        _ => None,
    }
    .or_else(|| postgres_advice(code))
    .or_else(|| crate::net::network_advice(code))
}

/// The PostgreSQL check's cause and fix for each code, whatever the step.
fn postgres_advice(code: Code) -> Option<Advice> {
    use Code::*;
    Some(match code {
        MissingConfig => msg::advice_pg_missing_config(),
        UnsupportedScheme => msg::advice_pg_unsupported_scheme(),
        DnsNotFound => msg::advice_pg_dns_not_found(),
        ConnectionRefused => msg::advice_pg_connection_refused(),
        TlsUnsupported => msg::advice_pg_tls_unsupported(),
        TlsRequired => msg::advice_pg_tls_required(),
        CertificateInvalid => msg::advice_pg_certificate_invalid(),
        ConnectionClosed => msg::advice_pg_connection_closed(),
        ProtocolError => msg::advice_pg_protocol_error(),
        AuthFailed => msg::advice_pg_auth_failed(),
        AuthRequired => msg::advice_pg_auth_required(),
        AccessDenied => msg::advice_pg_access_denied(),
        DatabaseNotFound => msg::advice_pg_database_not_found(),
        TooManyConnections => msg::advice_pg_too_many_connections(),
        ServerStarting => msg::advice_pg_server_starting(),
        ReadOnly => msg::advice_pg_read_only(),
        NotReadOnly => msg::advice_pg_not_read_only(),
        InvalidValue => msg::advice_pg_invalid_value(),
        QueryFailed => msg::advice_pg_query_failed(),
        PreparedStatements => msg::advice_pg_prepared_statements(),
        _ => return None,
    })
}

/// Which of PostgreSQL's per-role or per-database refusals a server
/// message is; the advice is chosen by the message id, not its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    RoleLimit,
    DatabaseLimit,
    DatabaseClosed,
}

/// The server's words, unchanged in every language, under an id that says
/// which refusal they are.
pub(crate) fn pg_refusal(refusal: Option<Refusal>, said: Message) -> Message {
    match refusal {
        Some(Refusal::RoleLimit) => msg::pg_refused_role_limit(said),
        Some(Refusal::DatabaseLimit) => msg::pg_refused_database_limit(said),
        Some(Refusal::DatabaseClosed) => msg::pg_refused_database_closed(said),
        None => said,
    }
}

/// The refusal a message built by [`pg_refusal`] names, if any.
fn pg_refusal_of(said: &Message) -> Option<Refusal> {
    match said.id() {
        "pg_refused_role_limit" => Some(Refusal::RoleLimit),
        "pg_refused_database_limit" => Some(Refusal::DatabaseLimit),
        "pg_refused_database_closed" => Some(Refusal::DatabaseClosed),
        _ => None,
    }
}
