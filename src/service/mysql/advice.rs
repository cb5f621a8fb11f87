//! Cause and fix for a failed MySQL check: the kind's own words for each
//! code (Railway's private name and TCP proxy, MariaDB's answers), then
//! the network's.

use crate::i18n::Advice;
use crate::i18n::{Message, msg};
use crate::model::{Code, StepName};

/// Cause and fix for `code` at `step` (a provider's own words, from
/// `provider::table`, come before these).
pub(crate) fn advise(_step: StepName, code: Code, said: &Message) -> Option<Advice> {
    if code == Code::DnsNotFound && crate::net::dns::is_zoned_address(said) {
        return Some(msg::advice_dns_zoned_address());
    }
    // The app's driver stops where the check's login went on.
    match said.id() {
        "mysql_driver_lacks_ed25519" => return Some(msg::advice_mysql_driver_lacks_ed25519()),
        "mysql2_key_retrieval_refused" => return Some(msg::advice_mysql2_key_retrieval()),
        _ => {}
    }
    mysql_advice(code).or_else(|| crate::net::network_advice(code))
}

fn mysql_advice(code: Code) -> Option<Advice> {
    use Code::{
        AccessDenied, AuthFailed, CertificateInvalid, ConnectionClosed, ConnectionRefused,
        DatabaseNotFound, DnsNotFound, MissingConfig, ProtocolError, QueryFailed, ServerStarting,
        TlsRequired, TlsUnsupported, TooManyConnections, UnsupportedScheme,
    };
    Some(match code {
        MissingConfig => msg::advice_mysql_missing_config(),
        UnsupportedScheme => msg::advice_mysql_unsupported_scheme(),
        DnsNotFound => msg::advice_mysql_dns_not_found(),
        ConnectionRefused => msg::advice_mysql_connection_refused(),
        TlsUnsupported => msg::advice_mysql_tls_unsupported(),
        TlsRequired => msg::advice_mysql_tls_required(),
        CertificateInvalid => msg::advice_mysql_certificate_invalid(),
        ConnectionClosed => msg::advice_mysql_connection_closed(),
        ProtocolError => msg::advice_mysql_protocol_error(),
        AuthFailed => msg::advice_mysql_auth_failed(),
        AccessDenied => msg::advice_mysql_access_denied(),
        DatabaseNotFound => msg::advice_mysql_database_not_found(),
        TooManyConnections => msg::advice_mysql_too_many_connections(),
        ServerStarting => msg::advice_mysql_server_starting(),
        QueryFailed => msg::advice_mysql_query_failed(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code a MySQL probe can fail with has advice.
    #[test]
    fn every_code_the_probe_raises_has_advice() {
        let said = Message::default();
        for code in [
            Code::AuthFailed,
            Code::AccessDenied,
            Code::DatabaseNotFound,
            Code::TooManyConnections,
            Code::TlsRequired,
            Code::TlsUnsupported,
            Code::ProtocolError,
            Code::ConnectionClosed,
            Code::Timeout,
            Code::ConnectionRefused,
        ] {
            assert!(advise(StepName::Auth, code, &said).is_some(), "{code:?}");
        }
    }
}
