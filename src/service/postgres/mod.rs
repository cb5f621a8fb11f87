//! PostgreSQL: the URL with libpq's rules, the probe (dns → tcp → tls →
//! auth → query), the facts read from the server, and the advice.

pub(crate) mod advice;
pub(crate) mod facts;
pub(crate) mod libpq_uri;
pub(crate) mod probe;
pub(crate) mod startup;
pub(crate) mod url;
pub(crate) mod wire;
