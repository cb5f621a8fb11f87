//! What SQLAlchemy's `mysql+pymysql://` and `mysql+aiomysql://` URLs may
//! carry. The dialect moves `ssl_ca`, `ssl_key`, `ssl_cert`, `ssl_capath`,
//! `ssl_cipher` and `ssl_check_hostname` into an `ssl` dict and passes every
//! other query parameter to the DBAPI's `connect` as a keyword
//! (`sqlalchemy/dialects/mysql/mysqldb.py`, `create_connect_args`, 2.1.9):
//! a keyword the DBAPI does not take is a `TypeError` before any packet.
//! PyMySQL's `ssl` must be a dict, so a string fails in `_create_ssl_ctx`
//! before any packet. aiomysql takes `ssl` (an `SSLContext`): the text or
//! dict a URL gives it fails in `wrap_bio` only where the server offers TLS
//! (`reading.rs`). All of these were seen in the differential matrix.

use crate::i18n::msg;
use crate::model::Code;
use crate::source::url::{self, UrlError};

/// The `ssl_*` parameters SQLAlchemy's dialect turns into the `ssl` dict.
pub(crate) const SSL_DICT: &[&str] = &[
    "ssl_ca",
    "ssl_key",
    "ssl_cert",
    "ssl_capath",
    "ssl_cipher",
    "ssl_check_hostname",
];

/// PyMySQL 1.2's `Connection.__init__` keywords a URL can sensibly carry
/// (`pymysql/connections.py`).
const PYMYSQL: &[&str] = &[
    "user",
    "password",
    "host",
    "database",
    "port",
    "unix_socket",
    "charset",
    "collation",
    "sql_mode",
    "read_default_file",
    "read_default_group",
    "use_unicode",
    "client_flag",
    "init_command",
    "connect_timeout",
    "read_timeout",
    "write_timeout",
    "autocommit",
    "local_infile",
    "max_allowed_packet",
    "defer_connect",
    "bind_address",
    "binary_prefix",
    "program_name",
    "server_public_key",
    "ssl_disabled",
    "ssl_key_password",
    "ssl_verify_cert",
    "ssl_verify_identity",
    "db",
    "passwd",
];

/// aiomysql 0.3's `connect` keywords (`aiomysql/connection.py`).
const AIOMYSQL: &[&str] = &[
    "user",
    "password",
    "host",
    "db",
    "port",
    "unix_socket",
    "charset",
    "sql_mode",
    "read_default_file",
    "read_default_group",
    "use_unicode",
    "client_flag",
    "init_command",
    "connect_timeout",
    "autocommit",
    "echo",
    "local_infile",
    "auth_plugin",
    "program_name",
    "server_public_key",
];

/// Refuses what the URL's DBAPI would refuse; other schemes pass.
pub(crate) fn check(scheme: &str, query: &[(String, String)]) -> Result<(), UrlError> {
    let Some((_, dbapi)) = scheme.split_once('+') else {
        return Ok(());
    };
    let takes: &[&str] = match dbapi {
        "pymysql" => PYMYSQL,
        "aiomysql" => AIOMYSQL,
        _ => return Ok(()),
    };
    for (key, _) in query {
        // aiomysql takes `ssl` (an `SSLContext`): the text or dict the URL
        // gives fails only where the server offers TLS (`reading.rs`).
        let refused = if SSL_DICT.contains(&key.as_str()) {
            false
        } else if key == "ssl" {
            dbapi == "pymysql"
        } else {
            !takes.contains(&key.as_str())
        };
        if refused {
            return Err(UrlError {
                code: Code::InvalidUrl,
                message: msg::mysql_dbapi_refuses(dbapi.to_string(), url::printable(key)),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn each_dbapi_refuses_what_it_does_not_take() {
        // (scheme, key, refused)
        let cases = [
            ("mysql+pymysql", "ssl-mode", true),
            ("mysql+pymysql", "ssl_mode", true),
            ("mysql+pymysql", "ssl", true),
            ("mysql+pymysql", "ssl_ca", false),
            ("mysql+pymysql", "charset", false),
            ("mysql+pymysql", "ssl_verify_identity", false),
            ("mysql+aiomysql", "ssl_ca", false),
            ("mysql+aiomysql", "ssl", false),
            ("mysql+aiomysql", "ssl_verify_cert", true),
            ("mysql+aiomysql", "charset", false),
            ("mariadb+pymysql", "allowPublicKeyRetrieval", true),
            // mysqlclient reads `ssl_mode`; plain URLs are every stack's.
            ("mysql+mysqldb", "ssl_mode", false),
            ("mysql", "ssl-mode", false),
        ];
        for (scheme, key, refused) in cases {
            let result = check(scheme, &query(&[(key, "x")]));
            assert_eq!(result.is_err(), refused, "{scheme} {key}");
        }
    }
}
