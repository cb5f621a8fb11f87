//! MySQL and MariaDB: the URL as the apps' drivers read it (PyMySQL,
//! mysqlclient through SQLAlchemy, Node's mysql2), our own client side of
//! the wire protocol (handshake, the in-handshake TLS upgrade,
//! `mysql_native_password` and `caching_sha2_password`, one query), the
//! facts the query reads, and the advice for each failure.

pub(crate) mod advice;
pub(crate) mod auth;
pub(crate) mod facts;
pub(crate) mod probe;
pub(crate) mod url;
pub(crate) mod wire;

#[cfg(test)]
mod tests;
