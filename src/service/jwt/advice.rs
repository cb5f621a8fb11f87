//! Cause and fix for a failed JWT check.

use crate::i18n::{Advice, msg};
use crate::model::Code;

/// Cause and fix for `code`.
pub(crate) fn advise(code: Code) -> Option<Advice> {
    jwt_advice(code).or_else(|| crate::net::network_advice(code))
}

/// The JWT check's cause and fix for each code it can fail with.
fn jwt_advice(code: Code) -> Option<Advice> {
    use Code::*;
    Some(match code {
        MissingConfig => msg::advice_jwt_missing_config(),
        InvalidValue => msg::advice_jwt_invalid_value(),
        WeakSecret => msg::advice_jwt_weak_secret(),
        InvalidKey => msg::advice_jwt_invalid_key(),
        UnsupportedAlgorithm => msg::advice_jwt_unsupported_algorithm(),
        RoundtripFailed => msg::advice_jwt_roundtrip_failed(),
        _ => return None,
    })
}
