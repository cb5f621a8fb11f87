//! Cause and fix for a failed PostgreSQL check: the layer or the network
//! changes the meaning of some codes; the rest come from the code alone.

use crate::i18n::Message;
use crate::model::{Code, StepName};
use crate::words::{self, Advice, Refusal};

/// Cause and fix for `code` at `step` (a provider's own words, from
/// `provider::table`, come before these).
pub(crate) fn advise(step: StepName, code: Code, said: &Message) -> Option<Advice> {
    // The probe named which limit refused the connection (by the server's
    // routine field, postinit.c or miscinit.c).
    let refusal = words::pg_refusal_of(said);
    match (step, code) {
        (_, Code::DnsNotFound) if words::is_zoned_address(said) => {
            Some(words::zoned_address_advice())
        }
        (_, Code::ProtocolError) if words::is_malformed_reply(said) => {
            Some(words::malformed_reply_advice())
        }
        (_, Code::TooManyConnections) if refusal == Some(Refusal::RoleLimit) => {
            Some(words::postgres_role_limit_advice())
        }
        (_, Code::TooManyConnections) if refusal == Some(Refusal::DatabaseLimit) => {
            Some(words::postgres_database_limit_advice())
        }
        (_, Code::AccessDenied) if refusal == Some(Refusal::DatabaseClosed) => {
            Some(words::postgres_database_closed_advice())
        }
        (StepName::Tls, Code::TlsHandshakeFailed) if said.id() == "pg_direct_tls_unsupported" => {
            Some(crate::i18n::msg::advice_pg_direct_tls())
        }
        (StepName::Tls, Code::Timeout) => Some(words::postgres_tls_timeout_advice()),
        (StepName::Tls, Code::ConnectionClosed) => Some(words::postgres_tls_closed_advice()),
        _ => None,
    }
    .or_else(|| words::postgres_advice(code))
    .or_else(|| words::network_advice(code))
}
