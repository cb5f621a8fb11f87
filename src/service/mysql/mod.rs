//! MySQL and MariaDB: the URL as the apps' drivers read it (PyMySQL,
//! mysqlclient through SQLAlchemy, Node's mysql2), our own client side of
//! the wire protocol (handshake, the in-handshake TLS upgrade,
//! `mysql_native_password` and `caching_sha2_password`, one query), the
//! facts the query reads, and the advice for each failure.

pub(crate) mod advice;
pub(crate) mod auth;
pub(crate) mod dbapi;
pub(crate) mod facts;
pub(crate) mod probe;
pub(crate) mod reading;
pub(crate) mod url;
pub(crate) mod wire;

use super::Description;

/// MySQL as the registry lists it.
pub(crate) const KIND: Description = Description {
    // `mysql://`, `mariadb://` and SQLAlchemy's `mysql+DBAPI://`.
    is_scheme: |scheme| url::SCHEMES.contains(&scheme),
    // SQLAlchemy dialects railconn does not read (`mysql+mysqlconnector://`,
    // `mariadb+mariadbconnector://`) and the X Protocol (`mysqlx://`).
    is_unread_scheme: |base| matches!(base, "mysql" | "mariadb" | "mysqlx"),
    steps: probe::STEPS,
    advise: advice::advise,
    can_heal: crate::model::Code::can_heal,
    gauges: facts::GAUGES,
};

#[cfg(test)]
mod tests;
