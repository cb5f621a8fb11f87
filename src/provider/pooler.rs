//! Connection poolers in front of PostgreSQL: PgBouncer (Railway's pooler
//! template, Neon's `-pooler` endpoints, `DigitalOcean`'s connection pools)
//! and Supavisor (Supabase's shared pooler). A pooler answers the startup
//! itself, so its refusals are its own texts, mostly under SQLSTATE 08P01
//! (PgBouncer) or XX000 (Supavisor), which would otherwise read as "not
//! PostgreSQL". Texts are PgBouncer's (src/client.c, src/objects.c; read
//! against the real 1.18 in the tests) and Supavisor's
//! (`lib/supavisor/client_handler.ex`, as its users quote them).

use serde::Serialize;

use crate::i18n::{Arg, Message};
use crate::model::{Code, Tip};

/// Which pooler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PoolerKind {
    Pgbouncer,
    Supavisor,
    /// A pooler port whose software the port does not tell.
    Unknown,
}

impl PoolerKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            PoolerKind::Pgbouncer => "PgBouncer",
            PoolerKind::Supavisor => "Supavisor",
            PoolerKind::Unknown => "a connection pooler",
        }
    }
}

/// When the pooler hands a server connection to another client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PoolMode {
    /// After each transaction: no prepared statements, `LISTEN`, session
    /// `SET` or advisory locks across transactions.
    Transaction,
    /// When the client disconnects: behaves like a direct connection.
    Session,
}

/// How railconn knows a pooler is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Evidence {
    /// The provider's pooler port (Supabase 6543/5432, `DigitalOcean` 25061),
    /// or a port poolers conventionally use (6432, 6543).
    Port,
    /// The host name (Neon's `-pooler`, Supabase's `pooler.supabase.com`).
    Host,
    /// The pooler's own error text.
    Error,
}

/// A pooler in front of the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Pooler {
    pub kind: PoolerKind,
    pub mode: Option<PoolMode>,
    pub evidence: Evidence,
}

impl Pooler {
    /// The pooler's cause and fix for a refusal it sent itself (a known
    /// pooler port alone proves nothing: a server may listen there).
    pub(crate) fn tip(self, code: Code) -> Option<Tip> {
        if self.evidence != Evidence::Error {
            return None;
        }
        Some(match code {
            Code::DatabaseNotFound => Tip::PoolerNoSuchDatabase,
            Code::TooManyConnections => Tip::PoolerFull,
            Code::AuthFailed if self.kind == PoolerKind::Pgbouncer => Tip::PoolerAuth,
            Code::ConnectionClosed => Tip::PoolerCannotReachServer,
            _ => return None,
        })
    }
}

/// Ports poolers listen on by convention, whatever the provider: PgBouncer's
/// default 6432 (pgbouncer.ini `listen_port`) and 6543, the transaction
/// pooler port Supabase made common.
pub(crate) fn conventional(port: u16) -> Option<Pooler> {
    let (kind, mode) = match port {
        6432 => (PoolerKind::Pgbouncer, None),
        6543 => (PoolerKind::Unknown, Some(PoolMode::Transaction)),
        _ => return None,
    };
    Some(Pooler {
        kind,
        mode,
        evidence: Evidence::Port,
    })
}

/// The pooler in front of `host:port` as far as its name and port tell
/// (the provider's rules, then the conventional ports), before anything is
/// dialled: what a driver's verdict can use without a round trip.
pub(crate) fn at(host: &str, port: u16) -> Option<Pooler> {
    super::identify(host, super::Hints::default())
        .pooler_at(host, port)
        .or_else(|| conventional(port))
}

/// A pooler's refusal at startup: its code, and which pooler said it.
/// `None` for anything a pooler would not say.
pub(crate) fn classify(sqlstate: &str, message: &str) -> Option<(Code, PoolerKind)> {
    use PoolerKind::{Pgbouncer, Supavisor};
    let pgbouncer = sqlstate == "08P01" || sqlstate == "28P01" || sqlstate == "08006";
    let text = message.to_ascii_lowercase();
    let said = |needle: &str| text.contains(needle);
    if pgbouncer && said("no such database") {
        Some((Code::DatabaseNotFound, Pgbouncer))
    } else if pgbouncer && said("no more connections allowed") {
        // "(max_client_conn)", "(max_db_client_connections)", …
        Some((Code::TooManyConnections, Pgbouncer))
    } else if pgbouncer
        && (said("no such user")
            || said("sasl authentication failed")
            || said("password authentication failed"))
    {
        // PgBouncer's own auth failures go out as 08P01 (client.c,
        // `disconnect_client(client, true, "password authentication
        // failed")` for md5 and plain; "SASL authentication failed" for
        // SCRAM), not PostgreSQL's 28P01.
        Some((Code::AuthFailed, Pgbouncer))
    } else if pgbouncer
        && (said("pgbouncer cannot connect") || said("server login has been failing"))
    {
        // The pooler answers; the database behind it does not, for now.
        Some((Code::ConnectionClosed, Pgbouncer))
    } else if pgbouncer && said("unsupported startup parameter") {
        Some((Code::InvalidValue, Pgbouncer))
    } else if said("tenant or user not found") || (said("tenant/user") && said("not found")) {
        Some((Code::AuthFailed, Supavisor))
    } else if said("emaxconnsession")
        || said("max client connections reached")
        || said("max clients reached")
    {
        Some((Code::TooManyConnections, Supavisor))
    } else if said("edbhandlerexited") || said("echeckoutfailed") {
        Some((Code::ConnectionClosed, Supavisor))
    } else {
        None
    }
}

/// Which pooler wrote a report's error message, if one did: the message
/// holds the server's severity, SQLSTATE and text, as arguments or as one
/// verbatim text.
pub(crate) fn from_message(message: &Message) -> Option<Pooler> {
    let text = |name: &str| {
        message.args().iter().find_map(|(n, arg)| match arg {
            Arg::Text(text) if *n == name => Some(text.as_str()),
            _ => None,
        })
    };
    let (sqlstate, said) = if let (Some(state), Some(said)) = (text("sqlstate"), text("message")) {
        (state, said)
    } else {
        let whole = text("text")?;
        let state = whole.split_whitespace().nth(1).unwrap_or_default();
        (state.trim_end_matches(':'), whole)
    };
    classify(sqlstate, said).map(|(_, kind)| Pooler {
        kind,
        mode: None,
        evidence: Evidence::Error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PgBouncer's texts as its 1.18 sends them (the integration tests
    /// read the same from a real PgBouncer).
    #[test]
    fn pgbouncer_refusals_get_their_codes() {
        let cases = [
            ("08P01", "no such database: shop", Code::DatabaseNotFound),
            (
                "08P01",
                "no more connections allowed (max_client_conn)",
                Code::TooManyConnections,
            ),
            (
                "08P01",
                "pgbouncer cannot connect to server",
                Code::ConnectionClosed,
            ),
            (
                "08P01",
                "server login has been failing, try again later (server_login_retry)",
                Code::ConnectionClosed,
            ),
            (
                "08P01",
                "unsupported startup parameter: search_path",
                Code::InvalidValue,
            ),
            ("28P01", "SASL authentication failed", Code::AuthFailed),
        ];
        for (state, text, code) in cases {
            assert_eq!(
                classify(state, text),
                Some((code, PoolerKind::Pgbouncer)),
                "{text}"
            );
        }
    }

    /// Supavisor cannot run here: its texts as Supabase users quote them.
    #[test]
    fn supavisor_refusals_get_their_codes() {
        let cases = [
            ("XX000", "Tenant or user not found", Code::AuthFailed),
            (
                "XX000",
                "(ENOTFOUND) tenant/user postgres.abcdefgh not found",
                Code::AuthFailed,
            ),
            (
                "XX000",
                "(EMAXCONNSESSION) max clients reached in session mode - max clients are limited to pool_size: 15",
                Code::TooManyConnections,
            ),
            (
                "XX000",
                "Max client connections reached",
                Code::TooManyConnections,
            ),
            (
                "XX000",
                "(EDBHANDLEREXITED) connection to database closed. Check logs for more information",
                Code::ConnectionClosed,
            ),
        ];
        for (state, text, code) in cases {
            assert_eq!(
                classify(state, text),
                Some((code, PoolerKind::Supavisor)),
                "{text}"
            );
        }
    }

    #[test]
    fn postgres_own_errors_are_not_a_poolers() {
        assert_eq!(classify("3D000", "database \"shop\" does not exist"), None);
        assert_eq!(classify("53300", "sorry, too many clients already"), None);
        assert_eq!(classify("08P01", "invalid startup packet layout"), None);
    }

    #[test]
    fn the_report_message_names_the_pooler() {
        let said = crate::i18n::msg::verbatim("FATAL 08P01: no such database: shop".to_string());
        let pooler = from_message(&said).unwrap();
        assert_eq!(pooler.kind, PoolerKind::Pgbouncer);
        assert_eq!(pooler.evidence, Evidence::Error);
        let said =
            crate::i18n::msg::verbatim("FATAL 3D000: database \"shop\" does not exist".to_string());
        assert_eq!(from_message(&said), None);
    }

    #[test]
    fn conventional_ports() {
        assert_eq!(conventional(6432).unwrap().kind, PoolerKind::Pgbouncer);
        assert_eq!(
            conventional(6543).unwrap().mode,
            Some(PoolMode::Transaction)
        );
        assert_eq!(conventional(5432), None);
    }
}
