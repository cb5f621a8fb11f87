//! Cause and fix for a failed Redis check: the layer or the network
//! changes the meaning of some codes; the rest come from the code alone.

use crate::i18n::{Advice, Message, msg};
use crate::model::{Code, StepName};

/// Cause and fix for `code` at `step` (a provider's own words, from
/// `provider::table`, come before these).
pub(crate) fn advise(step: StepName, code: Code, said: &Message) -> Option<Advice> {
    match (step, code) {
        (StepName::Tls, Code::Timeout) => Some(redis_tls_timeout_advice()),
        (_, Code::DnsNotFound) if crate::net::dns::is_zoned_address(said) => {
            Some(msg::advice_dns_zoned_address())
        }
        (_, Code::ProtocolError) if said.id() == "redis_malformed" => {
            Some(msg::advice_malformed_reply())
        }
        _ => None,
    }
    .or_else(|| redis_advice(code))
    .or_else(|| crate::net::network_advice(code))
}

/// The Redis check's cause and fix for each code, whatever the step.
pub(crate) fn redis_advice(code: Code) -> Option<Advice> {
    use Code::*;
    Some(match code {
        MissingConfig => msg::advice_redis_missing_config(),
        UnsupportedScheme => msg::advice_redis_unsupported_scheme(),
        DnsNotFound => msg::advice_redis_dns_not_found(),
        ConnectionRefused => msg::advice_redis_connection_refused(),
        TlsUnsupported => msg::advice_redis_tls_unsupported(),
        TlsRequired => msg::advice_redis_tls_required(),
        CertificateInvalid => msg::advice_redis_certificate_invalid(),
        ConnectionClosed => msg::advice_redis_connection_closed(),
        ProtocolError => msg::advice_redis_protocol_error(),
        AuthFailed => msg::advice_redis_auth_failed(),
        AuthRequired => msg::advice_redis_auth_required(),
        AccessDenied => msg::advice_redis_access_denied(),
        DatabaseNotFound => msg::advice_redis_database_not_found(),
        TooManyConnections => msg::advice_redis_too_many_connections(),
        ServerStarting => msg::advice_redis_server_starting(),
        ReadOnly => msg::advice_redis_read_only(),
        QueryFailed => msg::advice_redis_query_failed(),
        _ => return None,
    })
}

/// A TLS handshake to a plaintext Redis that never answers.
fn redis_tls_timeout_advice() -> Advice {
    // A plaintext Redis reads a TLS ClientHello as an unfinished inline
    // command and waits for its end: the handshake just times out.
    msg::advice_redis_tls_timeout()
}
