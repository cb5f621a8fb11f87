//! JWT: the signing settings from the environment, the key checks and a
//! sign-and-verify round trip, and the advice.

pub mod advice;
pub mod probe;
pub mod settings;
