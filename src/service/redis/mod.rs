//! Redis: the URL with redis-rs' rules, the probe (dns → tcp → tls →
//! auth → ping), the facts read from INFO, and the advice.

pub(crate) mod advice;
pub(crate) mod facts;
pub(crate) mod probe;
pub(crate) mod reply;
pub(crate) mod url;
