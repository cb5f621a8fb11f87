//! A target's parsed parts: what a probe will dial, as `env` and `check`
//! show it beside the URL (issue 10). Plain data; each service kind fills
//! it from its own target.

use std::collections::BTreeMap;

use serde::Serialize;

/// A target's parsed parts (issue 10): exactly what the probe uses, after
/// every clean-up, `PG*` default and `--resolve`. `schema/env.schema.json` and
/// `schema/report.schema.json` document them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Parts {
    pub(crate) host: String,
    /// PostgreSQL: every host (or Unix-socket directory) with its port, in
    /// the order the probe tries them; `host` is the first. Empty, and not
    /// written, for the other kinds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) hosts: Vec<HostPart>,
    /// PostgreSQL `hostaddr`: dialed instead of resolving `host`.
    pub(crate) hostaddr: Option<String>,
    pub(crate) port: u16,
    pub(crate) user: Option<String>,
    /// Whether a password is set (never the password).
    pub(crate) password: bool,
    /// The PostgreSQL database name, or the Redis database number.
    pub(crate) database: Option<Database>,
    /// PostgreSQL: the sslmode; Redis: `off`, `verify` or `insecure`.
    pub(crate) tls: &'static str,
    /// Every other option the probe acts on, by its URL name.
    pub(crate) options: BTreeMap<&'static str, String>,
    /// libpq parameters accepted and not acted on.
    pub(crate) ignored: Vec<String>,
    /// Addresses given with `--resolve`, dialed instead of DNS.
    pub(crate) resolve: Vec<String>,
}

/// One entry of a PostgreSQL host list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct HostPart {
    /// The host name or address, or the socket directory, as parsed.
    pub(crate) host: String,
    pub(crate) port: u16,
    /// The socket file dialed for a socket directory (`@name` for an
    /// abstract one); `None` for TCP.
    pub(crate) socket: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum Database {
    Name(String),
    Number(i64),
}
