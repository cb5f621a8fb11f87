//! Cause and fix for a failed Redis check: the layer or the network
//! changes the meaning of some codes; the rest come from the code alone.

use crate::i18n::Message;
use crate::model::{Code, StepName};
use crate::words::{self, Advice};

/// Cause and fix for `code` at `step` (a provider's own words, from
/// `provider::table`, come before these).
pub(crate) fn advise(step: StepName, code: Code, said: &Message) -> Option<Advice> {
    match (step, code) {
        (StepName::Tls, Code::Timeout) => Some(words::redis_tls_timeout_advice()),
        (_, Code::DnsNotFound) if words::is_zoned_address(said) => {
            Some(words::zoned_address_advice())
        }
        (_, Code::ProtocolError) if words::is_malformed_reply(said) => {
            Some(words::malformed_reply_advice())
        }
        _ => None,
    }
    .or_else(|| words::redis_advice(code))
    .or_else(|| words::network_advice(code))
}
