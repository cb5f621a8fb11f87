//! Cause and fix for a failed PostgreSQL check: the layer or the network
//! changes the meaning of some codes; the rest come from the code alone.

use crate::model::{Code, StepName};
use crate::net::is_railway_private;
use crate::words::{self, Advice};

/// Cause and fix for `code` at `step`, dialing `host`.
pub fn advise(step: StepName, code: Code, host: &str) -> Option<Advice> {
    if code == Code::DnsNotFound && is_railway_private(host) {
        return Some(words::postgres_private_network_advice());
    }
    match (step, code) {
        (StepName::Tls, Code::Timeout) => Some(words::postgres_tls_timeout_advice()),
        (StepName::Tls, Code::ConnectionClosed) => Some(words::postgres_tls_closed_advice()),
        _ => None,
    }
    .or_else(|| words::postgres_advice(code))
    .or_else(|| words::network_advice(code))
}
