//! JWT: the signing settings from the environment, the key checks and a
//! sign-and-verify round trip, and the advice.

pub(crate) mod advice;
pub(crate) mod probe;
pub(crate) mod settings;
