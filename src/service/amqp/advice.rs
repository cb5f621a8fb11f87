//! Cause and fix for a failed AMQP check: the broker's refusals (wrong
//! credentials, a vhost that does not exist or is not the user's) in
//! RabbitMQ's terms, the rest from the network's advice.

use crate::i18n::Advice;
use crate::i18n::{Message, msg};
use crate::model::{Code, StepName};

/// Cause and fix for `code` at `step` (a provider's own words, from
/// `provider::table`, come before these).
pub(crate) fn advise(step: StepName, code: Code, said: &Message) -> Option<Advice> {
    match (step, code) {
        (_, Code::DnsNotFound) if crate::net::dns::is_zoned_address(said) => {
            Some(msg::advice_dns_zoned_address())
        }
        (StepName::Config, Code::UnsupportedScheme) => Some(msg::advice_amqp_unsupported_scheme()),
        (_, Code::DnsNotFound) => Some(msg::advice_amqp_dns_not_found()),
        (_, Code::ConnectionRefused) => Some(msg::advice_amqp_connection_refused()),
        (_, Code::AuthFailed) => Some(msg::advice_amqp_auth_failed()),
        (_, Code::DatabaseNotFound) => Some(msg::advice_amqp_vhost_not_found()),
        (_, Code::AccessDenied) => Some(msg::advice_amqp_vhost_denied()),
        (_, Code::TooManyConnections) => Some(msg::advice_amqp_connection_limit()),
        (_, Code::TlsRequired) => Some(msg::advice_amqp_tls_required()),
        (_, Code::TlsUnsupported) => Some(msg::advice_amqp_tls_unsupported()),
        (_, Code::CertificateInvalid) => Some(msg::advice_amqp_certificate_invalid()),
        (_, Code::ProtocolError) => Some(msg::advice_amqp_protocol_error()),
        (_, Code::ConnectionClosed) => Some(msg::advice_amqp_connection_closed()),
        (_, Code::ServerStarting) => Some(msg::advice_amqp_server_starting()),
        _ => None,
    }
    .or_else(|| crate::net::network_advice(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_advice() {
        let said = msg::verbatim(String::new());
        for code in [
            Code::AuthFailed,
            Code::DatabaseNotFound,
            Code::AccessDenied,
            Code::TooManyConnections,
            Code::ProtocolError,
            Code::ConnectionRefused,
            Code::CertificateInvalid,
            Code::TlsUnsupported,
        ] {
            assert!(advise(StepName::Open, code, &said).is_some(), "{code:?}");
        }
    }
}
