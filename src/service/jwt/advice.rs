//! Cause and fix for a failed JWT check.

use crate::model::Code;
use crate::words::{self, Advice};

/// Cause and fix for `code`.
pub(crate) fn advise(code: Code) -> Option<Advice> {
    words::jwt_advice(code).or_else(|| words::network_advice(code))
}
