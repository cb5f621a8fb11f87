//! Cause and fix for a failed Redis check: the layer or the network
//! changes the meaning of some codes; the rest come from the code alone.

use crate::i18n::Message;
use crate::model::{Code, StepName};
use crate::net::is_railway_private;
use crate::words::{self, Advice};

/// Cause and fix for `code` at `step`, dialing `host`.
pub fn advise(step: StepName, code: Code, host: &str, said: &Message) -> Option<Advice> {
    if code == Code::DnsNotFound && is_railway_private(host) {
        return Some(words::redis_private_network_advice());
    }
    let says = |needle: &str| said.any_text(&|t| t.contains(needle));
    match (step, code) {
        (StepName::Tls, Code::Timeout) => Some(words::redis_tls_timeout_advice()),
        (_, Code::ProtocolError) if says(words::REDIS_MALFORMED_MARK) => {
            Some(words::malformed_reply_advice())
        }
        _ => None,
    }
    .or_else(|| words::redis_advice(code))
    .or_else(|| words::network_advice(code))
}
