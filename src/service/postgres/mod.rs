//! PostgreSQL: the URL with libpq's rules, the probe (dns → tcp → tls →
//! auth → query), the facts read from the server, and the advice.

pub mod advice;
pub mod facts;
pub mod libpq_uri;
pub mod probe;
pub mod url;
pub mod wire;
