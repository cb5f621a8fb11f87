//! How each driver reads a MySQL URL's TLS parameters (issue 21): the
//! readers that differ from the kind's own reading ([`super::url`]).
//!
//! - **mysql2** 3.26 (`lib/connection_config.js`, `parseUrl`): every query
//!   value is `JSON.parse`d when it can be, and only its own option names
//!   are read; `ssl-mode`, `ssl_ca` and the like are "invalid configuration
//!   options", printed and ignored: such a URL connects unencrypted. `ssl`
//!   must be an object (`SSL profile must be an object`, a `TypeError` for
//!   `true` or `1`) or the name of a profile (`Amazon RDS`; any other name
//!   is `Unknown SSL profile`). With an object the chain is verified
//!   against Node's store unless `rejectUnauthorized` is `false`, and the
//!   host name only with `verifyIdentity` (`lib/base/connection.js`,
//!   `startTLS`: `checkServerIdentity` is a no-op otherwise).
//! - **SQLAlchemy over `PyMySQL`** 1.2 (`mysql+pymysql://`, or `mysql://`
//!   when `PyMySQL` is the app's MySQL driver): the dialect moves `ssl_ca`,
//!   `ssl_capath`, `ssl_cert`, `ssl_key`, `ssl_cipher` and
//!   `ssl_check_hostname` into an `ssl` dict (`mysqldb.py`,
//!   `create_connect_args`) and passes the rest as keywords, as text. `PyMySQL`
//!   (`connections.py`, `Connection.__init__`) then: encrypts when the server
//!   offers TLS and no TLS option is given (PREFERRED, not verified);
//!   takes any non-empty `ssl_disabled` (even `false`) as true; and, given
//!   `ssl_verify_cert` or `ssl_verify_identity`, builds a new dict from its
//!   own `ssl_ca` keyword — empty, since the dialect moved it — so the CA of
//!   the URL is dropped and Python's default store verifies the chain
//!   (`_create_ssl_ctx`: no CA, so no host name check).
//! - **SQLAlchemy over aiomysql** 0.3 (`mysql+aiomysql://`): no TLS unless
//!   `ssl` is given, and `ssl` must be an `SSLContext`. The URL can only give
//!   text (or the dialect's dict), which aiomysql uses only when the server
//!   offers TLS: then `asyncio` calls `wrap_bio` on it and fails
//!   (`AttributeError`); a server without TLS is talked to in plaintext.

use std::path::PathBuf;

use crate::i18n::msg;
use crate::model::Code;
use crate::net::tls::Roots;
use crate::source::url::{self, UrlError};

/// How the connection is encrypted, in libmysqlclient's `--ssl-mode` words
/// (<https://dev.mysql.com/doc/refman/8.0/en/connection-options.html#option_general_ssl-mode>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    Disabled,
    /// TLS when the server offers it, without verification.
    Preferred,
    /// TLS or nothing, without verification.
    Required,
    /// TLS, the chain verified, the name not.
    VerifyCa,
    /// TLS, chain and host name verified.
    VerifyIdentity,
}

impl SslMode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Disabled => "DISABLED",
            Self::Preferred => "PREFERRED",
            Self::Required => "REQUIRED",
            Self::VerifyCa => "VERIFY_CA",
            Self::VerifyIdentity => "VERIFY_IDENTITY",
        }
    }

    pub(super) fn parse(value: &str) -> Option<Self> {
        Some(
            match value.to_ascii_uppercase().replace('-', "_").as_str() {
                "DISABLED" => Self::Disabled,
                "PREFERRED" => Self::Preferred,
                "REQUIRED" => Self::Required,
                "VERIFY_CA" => Self::VerifyCa,
                "VERIFY_IDENTITY" => Self::VerifyIdentity,
                _ => return None,
            },
        )
    }
}

/// Whose reading of a plain `mysql://` URL the check takes; the
/// `mysql+DBAPI://` schemes name their reader themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum MysqlReading {
    /// The kind's own reading, when the app's MySQL driver is not known.
    #[default]
    Kind,
    /// mysql2 is the app's one MySQL driver.
    Mysql2,
    /// `PyMySQL` is the app's one MySQL driver (through SQLAlchemy).
    Pymysql,
}

/// Who reads this URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MysqlReader {
    Kind,
    Mysql2,
    SaPymysql,
    SaAiomysql,
}

impl MysqlReader {
    /// The reader of a URL with `scheme` in an app read as `reading`.
    pub(crate) fn of(scheme: &str, reading: MysqlReading) -> Self {
        match scheme.split_once('+').map(|(_, dbapi)| dbapi) {
            Some("pymysql") => Self::SaPymysql,
            Some("aiomysql") => Self::SaAiomysql,
            Some(_) => Self::Kind,
            None => match reading {
                MysqlReading::Kind => Self::Kind,
                MysqlReading::Mysql2 => Self::Mysql2,
                MysqlReading::Pymysql => Self::SaPymysql,
            },
        }
    }

    /// The driver's name as findings say it.
    pub(crate) fn driver(self) -> &'static str {
        match self {
            Self::Kind => "MySQL",
            Self::Mysql2 => "mysql2",
            Self::SaPymysql => "PyMySQL",
            Self::SaAiomysql => "aiomysql",
        }
    }
}

/// What a reader makes of the URL's TLS parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TlsReading {
    pub(crate) mode: SslMode,
    /// Whether the URL's TLS parameters are read at all (else `mode` is
    /// the driver's default).
    pub(crate) asked: bool,
    /// The trust anchors a verifying mode checks against.
    pub(crate) roots: Roots,
    /// The CA file the URL names and the driver reads.
    pub(crate) ca: Option<PathBuf>,
    /// The driver fails when the server offers TLS (aiomysql given text).
    pub(crate) fails_if_offered: bool,
    /// TLS parameters of the URL the driver does not read.
    pub(crate) ignored: Vec<String>,
    /// mysql2's and Connector/J's `allowPublicKeyRetrieval=true`.
    pub(crate) allow_public_key_retrieval: bool,
}

impl TlsReading {
    fn default_for(mode: SslMode, roots: Roots) -> Self {
        Self {
            mode,
            asked: false,
            roots,
            ca: None,
            fails_if_offered: false,
            ignored: Vec::new(),
            allow_public_key_retrieval: false,
        }
    }
}

/// The TLS parameter names some MySQL stack reads: a reader that reads
/// none of them ignores them, and a finding says so.
fn is_tls_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase().replace('-', "_");
    key.starts_with("ssl") || key == "tls" || key == "allowpublickeyretrieval"
}

fn bad_value(key: &str, value: &str) -> UrlError {
    UrlError {
        code: Code::InvalidUrl,
        message: msg::mysql_bad_parameter(url::printable(key), url::printable(value)),
    }
}

/// mysql2's reading: `ssl` and `allowPublicKeyRetrieval`, by their exact
/// names; later duplicates win (`options[key] = …` in `parseUrl`).
pub(crate) fn mysql2(query: &[(String, String)]) -> Result<TlsReading, UrlError> {
    let mut tls = TlsReading::default_for(SslMode::Disabled, Roots::Node(None));
    for (key, value) in query {
        match key.as_str() {
            "ssl" => {
                tls.mode = mysql2_ssl(value)?;
                tls.asked = true;
            }
            "allowPublicKeyRetrieval" => {
                tls.allow_public_key_retrieval = security_flag(key, value)?;
            }
            other if is_tls_key(other) => tls.ignored.push(other.to_string()),
            _ => {}
        }
    }
    Ok(tls)
}

/// `ssl` as `ConnectionConfig` takes the JSON-parsed value.
fn mysql2_ssl(value: &str) -> Result<SslMode, UrlError> {
    use serde_json::Value;
    let refused = |error: &str| UrlError {
        code: Code::InvalidUrl,
        message: msg::mysql_mysql2_ssl(url::printable(value), error.to_string()),
    };
    match serde_json::from_str::<Value>(value) {
        Ok(Value::Object(fields)) => Ok(mysql2_ssl_object(&fields)),
        // `typeof [] === 'object'`: an array is taken as an object.
        Ok(Value::Array(_)) => Ok(SslMode::VerifyCa),
        Ok(Value::Null | Value::Bool(false)) => Ok(SslMode::Disabled),
        Ok(Value::Number(n)) if is_zero(&n) => Ok(SslMode::Disabled),
        Ok(Value::Bool(true)) => Err(refused(
            "SSL profile must be an object, instead it's a boolean",
        )),
        Ok(Value::Number(_)) => Err(refused(
            "SSL profile must be an object, instead it's a number",
        )),
        Ok(Value::String(name)) => profile(&name).ok_or_else(|| refused("Unknown SSL profile")),
        Err(_) => profile(value).ok_or_else(|| refused("Unknown SSL profile")),
    }
}

/// mysql2's one SSL profile (`lib/constants/ssl_profiles.js`): Amazon's
/// CA bundle, the chain verified, the name not. railconn verifies against
/// the system's roots in its place, which do not hold Amazon's RDS CA: a
/// check may fail where mysql2 connects, never the other way round.
fn profile(name: &str) -> Option<SslMode> {
    (name == "Amazon RDS").then_some(SslMode::VerifyCa)
}

fn mysql2_ssl_object(fields: &serde_json::Map<String, serde_json::Value>) -> SslMode {
    use serde_json::Value;
    let truthy = |v: Option<&Value>| match v {
        None | Some(Value::Null | Value::Bool(false)) => false,
        Some(Value::Number(n)) => !is_zero(n),
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    };
    if fields.get("rejectUnauthorized") == Some(&Value::Bool(false)) {
        SslMode::Required
    } else if truthy(fields.get("verifyIdentity")) {
        SslMode::VerifyIdentity
    } else {
        SslMode::VerifyCa
    }
}

/// A JSON number JavaScript reads as falsy (`0`, `-0`, `0.0`).
fn is_zero(n: &serde_json::Number) -> bool {
    n.as_f64().is_some_and(|f| f.abs() < f64::MIN_POSITIVE)
}

/// `parseSecurityFlag`: `true`/`false`, as JSON or as text.
fn security_flag(key: &str, value: &str) -> Result<bool, UrlError> {
    match value {
        "true" => Ok(true),
        "false" | "null" => Ok(false),
        _ => Err(bad_value(key, value)),
    }
}

/// SQLAlchemy over `PyMySQL`; the keywords `PyMySQL` refuses were refused
/// before (`dbapi::check`).
pub(crate) fn sa_pymysql(query: &[(String, String)]) -> Result<TlsReading, UrlError> {
    let get = |name: &str| {
        query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let ssl_dict = |name: &str| get(name).is_some();
    let mut tls = TlsReading::default_for(SslMode::Preferred, Roots::System);
    tls.asked = query.iter().any(|(k, _)| is_tls_key(k));
    if get("ssl_disabled").is_some_and(|v| !v.is_empty()) {
        tls.mode = SslMode::Disabled;
        return Ok(tls);
    }
    let check_hostname = match get("ssl_check_hostname") {
        Some(v) => sqlalchemy_bool("ssl_check_hostname", v)?,
        None => true,
    };
    let identity = get("ssl_verify_identity").filter(|v| !v.is_empty());
    let cert = get("ssl_verify_cert").filter(|v| !v.is_empty());
    if identity.is_some() || cert.is_some() {
        // PyMySQL's own dict replaces the dialect's: its `ca` is the
        // `ssl_ca` keyword, which the dialect moved away.
        tls.ignored.extend(
            ["ssl_ca", "ssl_capath"]
                .iter()
                .filter(|k| ssl_dict(k))
                .map(ToString::to_string),
        );
        tls.mode = if identity.is_some() || cert.is_some_and(verifies) {
            SslMode::VerifyCa
        } else {
            SslMode::Required
        };
        return Ok(tls);
    }
    let dict = ["ssl_ca", "ssl_capath", "ssl_cert", "ssl_key", "ssl_cipher"]
        .iter()
        .any(|k| ssl_dict(k))
        || ssl_dict("ssl_check_hostname");
    if !dict {
        return Ok(tls);
    }
    tls.ca = get("ssl_ca").map(PathBuf::from);
    let verified = tls.ca.is_some() || ssl_dict("ssl_capath");
    if let Some(ca) = &tls.ca {
        tls.roots = Roots::File(ca.clone());
    }
    tls.mode = match (verified, check_hostname) {
        (false, _) => SslMode::Required,
        (true, true) => SslMode::VerifyIdentity,
        (true, false) => SslMode::VerifyCa,
    };
    Ok(tls)
}

/// `_create_ssl_ctx`'s reading of a text `verify_mode`: these verify
/// (`CERT_REQUIRED`, or `CERT_OPTIONAL`, which a client verifies alike);
/// anything else, with no CA, does not.
fn verifies(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "required" | "1" | "true" | "yes" | "optional"
    )
}

/// SQLAlchemy's `asbool` (`util.coerce_kw_type(..., bool)`); other text
/// is its `ValueError`.
fn sqlalchemy_bool(key: &str, value: &str) -> Result<bool, UrlError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "y" | "t" | "1" => Ok(true),
        "false" | "no" | "off" | "n" | "f" | "0" => Ok(false),
        _ => Err(bad_value(key, value)),
    }
}

/// SQLAlchemy over aiomysql: plaintext; an `ssl` (or the dialect's dict)
/// fails where the server offers TLS.
pub(crate) fn sa_aiomysql(query: &[(String, String)]) -> TlsReading {
    let mut tls = TlsReading::default_for(SslMode::Disabled, Roots::System);
    tls.fails_if_offered = query.iter().any(|(key, value)| {
        (key == "ssl" && !value.is_empty()) || super::dbapi::SSL_DICT.contains(&key.as_str())
    });
    tls.asked = tls.fails_if_offered;
    tls
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &str) -> Vec<(String, String)> {
        text.split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    #[test]
    fn mysql2_reads_only_ssl_and_ignores_the_other_tls_parameters() {
        use SslMode::{Disabled, Required, VerifyCa, VerifyIdentity};
        let cases = [
            ("", Disabled),
            ("ssl-mode=REQUIRED", Disabled),
            ("ssl_ca=/ca.pem", Disabled),
            ("ssl={}", VerifyCa),
            ("ssl={\"verifyIdentity\":true}", VerifyIdentity),
            ("ssl={\"rejectUnauthorized\":false}", Required),
            ("ssl=false", Disabled),
            ("ssl=0", Disabled),
            ("ssl=null", Disabled),
            ("ssl=Amazon RDS", VerifyCa),
        ];
        for (q, mode) in cases {
            assert_eq!(mysql2(&query(q)).unwrap().mode, mode, "{q}");
        }
        let tls = mysql2(&query("ssl-mode=REQUIRED&ssl_ca=/x")).unwrap();
        assert_eq!(tls.ignored, ["ssl-mode", "ssl_ca"]);
        assert_eq!(mysql2(&query("ssl={}")).unwrap().roots, Roots::Node(None));
        for refused in [
            "ssl=true",
            "ssl=1",
            "ssl=",
            "ssl=Azure",
            "allowPublicKeyRetrieval=1",
        ] {
            assert!(mysql2(&query(refused)).is_err(), "{refused}");
        }
    }

    #[test]
    fn pymysql_prefers_tls_and_reads_sqlalchemys_dict() {
        use SslMode::{Disabled, Preferred, Required, VerifyCa, VerifyIdentity};
        let cases = [
            ("", Preferred),
            ("charset=utf8mb4", Preferred),
            ("ssl_disabled=true", Disabled),
            ("ssl_disabled=false", Disabled),
            ("ssl_ca=/ca.pem", VerifyIdentity),
            ("ssl_ca=/ca.pem&ssl_check_hostname=false", VerifyCa),
            ("ssl_cert=/c.pem&ssl_key=/k.pem", Required),
            ("ssl_check_hostname=true", Required),
            ("ssl_verify_identity=true", VerifyCa),
            ("ssl_verify_identity=false", VerifyCa),
            ("ssl_verify_cert=false", Required),
            ("ssl_verify_cert=true", VerifyCa),
        ];
        for (q, mode) in cases {
            assert_eq!(sa_pymysql(&query(q)).unwrap().mode, mode, "{q}");
        }
        let dropped = sa_pymysql(&query("ssl_ca=/ca.pem&ssl_verify_identity=true")).unwrap();
        assert_eq!(
            (dropped.roots, dropped.ignored),
            (Roots::System, vec!["ssl_ca".to_string()])
        );
        let file = sa_pymysql(&query("ssl_ca=/ca.pem")).unwrap();
        assert_eq!(file.roots, Roots::File("/ca.pem".into()));
        assert!(sa_pymysql(&query("ssl_ca=/x&ssl_check_hostname=maybe")).is_err());
    }

    #[test]
    fn aiomysql_fails_only_where_tls_is_offered() {
        assert!(!sa_aiomysql(&query("charset=utf8mb4")).fails_if_offered);
        assert!(sa_aiomysql(&query("ssl=true")).fails_if_offered);
        assert!(sa_aiomysql(&query("ssl_ca=/ca.pem")).fails_if_offered);
        assert_eq!(sa_aiomysql(&query("ssl={}")).mode, SslMode::Disabled);
    }

    #[test]
    fn the_scheme_names_its_reader_before_the_apps_drivers() {
        assert_eq!(
            MysqlReader::of("mysql+pymysql", MysqlReading::Mysql2),
            MysqlReader::SaPymysql
        );
        assert_eq!(
            MysqlReader::of("mysql+aiomysql", MysqlReading::Kind),
            MysqlReader::SaAiomysql
        );
        assert_eq!(
            MysqlReader::of("mysql+mysqldb", MysqlReading::Pymysql),
            MysqlReader::Kind
        );
        assert_eq!(
            MysqlReader::of("mysql", MysqlReading::Mysql2),
            MysqlReader::Mysql2
        );
        assert_eq!(
            MysqlReader::of("mariadb", MysqlReading::Pymysql),
            MysqlReader::SaPymysql
        );
    }
}
