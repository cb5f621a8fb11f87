//! Redis: the URL with redis-rs' rules, the probe (dns → tcp → tls →
//! auth → ping), the facts read from INFO, and the advice.

pub mod advice;
pub mod facts;
pub mod probe;
pub mod reply;
pub mod url;
