//! The MySQL target: `mysql://`, `mariadb://` and SQLAlchemy's
//! `mysql+<dbapi>://` URLs, read the way the apps' drivers read them.
//!
//! The user-info, host, port (3306) and database are common ground: mysql2
//! (`ConnectionConfig.parseUrl`, WHATWG `URL` then `decodeURIComponent`),
//! SQLAlchemy (`make_url`, percent-decoding) and Prisma agree. TLS is not:
//! each stack reads its own query parameter, listed on [`SslMode::from_query`].
//! With no TLS parameter at all, PyMySQL 1.2 (`Connection.__init__`: "No
//! explicit SSL options specified: use PREFERRED mode") and mysqlclient
//! (libmysqlclient's default `--ssl-mode=PREFERRED`) encrypt when the server
//! offers it; mysql2 and aiomysql do not encrypt at all. With the driver
//! unknown railconn takes the plaintext reading: a server that insists on
//! TLS then fails the check (`tls_required`), where PyMySQL might still
//! connect, rather than pass where mysql2 fails (the differential matrix
//! showed both). When the scheme names the DBAPI (`mysql+pymysql://`) or
//! the app's one MySQL driver is known, the URL is read as that driver
//! reads it (`reading.rs`).
//!
//! SQLAlchemy hands every other query parameter to the DBAPI as a keyword
//! (`create_connect_args`: `opts.update(url.query)`): a keyword PyMySQL's
//! `Connection` or aiomysql's `connect` does not take is their `TypeError`,
//! so such a URL is refused here as the app's driver refuses it.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use super::dbapi;
use super::reading::{self, MysqlReader, MysqlReading, TlsReading};
use crate::i18n::msg;
use crate::model::{Code, Database, Parts};
use crate::net::tls::Roots;
use crate::source::secret::Secret;
use crate::source::url::{self, UrlError};

/// The schemes of a MySQL URL: the plain ones and SQLAlchemy's dialect +
/// DBAPI names (`mariadb+` is SQLAlchemy's MariaDB dialect over the same
/// DBAPIs).
pub(crate) const SCHEMES: &[&str] = &[
    "mysql",
    "mariadb",
    "mysql+pymysql",
    "mysql+mysqldb",
    "mysql+aiomysql",
    "mysql+asyncmy",
    "mariadb+pymysql",
    "mariadb+mysqldb",
    "mariadb+aiomysql",
    "mariadb+asyncmy",
];
const DEFAULT_PORT: u16 = 3306;

/// Query parameters whose value is a password (redacted wherever the URL
/// is shown): SQLAlchemy passes the query to the DBAPI as keywords, and
/// PyMySQL takes `password`/`passwd`, mysql2 `password1`..`password3`.
const SECRET_KEYS: &[&str] = &["password", "passwd", "password1", "password2", "password3"];

pub(crate) use super::reading::SslMode;

/// The TLS settings the query carries, by the parameter each stack reads:
///
/// - `ssl-mode` (MySQL's client programs and option files, sqlx, the URLs
///   Aiven and `DigitalOcean` print), `ssl_mode` (mysqlclient's `ssl_mode`
///   keyword, which SQLAlchemy's mysqldb dialect passes from the query,
///   `create_connect_args`: `opts.update(url.query)`), `sslmode`/`sslMode`
///   (Connector/J): libmysqlclient's five values, any case.
/// - `ssl` (mysql2: `parseUrl` JSON-parses every value; an object turns TLS
///   on with `rejectUnauthorized` defaulting to true, a string names one of
///   its SSL profiles, e.g. `Amazon RDS`); `true`/`1` and `false`/`0` as the
///   stacks that take a boolean read them.
/// - `ssl_ca` (SQLAlchemy's mysqldb and pymysql dialects move it into the
///   DBAPI's `ssl` dict; PyMySQL's `_create_ssl_ctx` then verifies the chain
///   and, unless `ssl_check_hostname=false`, the host name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct TlsQuery {
    mode: Option<SslMode>,
    ssl: Option<SslMode>,
    ca: Option<PathBuf>,
    check_hostname: Option<bool>,
}

impl SslMode {
    fn from_query(tls: &TlsQuery) -> Self {
        let by_ca = tls.ca.as_ref().map(|_| match tls.check_hostname {
            Some(false) => Self::VerifyCa,
            _ => Self::VerifyIdentity,
        });
        tls.mode.or(tls.ssl).or(by_ca).unwrap_or(Self::Disabled)
    }
}

/// A validated MySQL target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MysqlTarget {
    /// The URL as given, passwords replaced by `***`, nothing re-encoded.
    pub(crate) redacted: String,
    pub(crate) host: String,
    pub(crate) port: u16,
    /// Empty when the URL names none: the drivers then send an empty user
    /// name (mysql2 `user || undefined` becomes `''` on the wire).
    pub(crate) user: String,
    pub(crate) password: Option<Secret>,
    pub(crate) database: Option<String>,
    pub(crate) ssl_mode: SslMode,
    /// Whether the URL says anything about TLS (else `ssl_mode` is the
    /// plaintext default).
    pub(crate) ssl_asked: bool,
    /// A CA file to verify against instead of the system roots.
    pub(crate) ssl_ca: Option<PathBuf>,
    /// mysql2's and Connector/J's `allowPublicKeyRetrieval=true`: without
    /// it, and without TLS, they refuse to fetch the server's RSA key for
    /// `caching_sha2_password`'s full authentication.
    pub(crate) allow_public_key_retrieval: bool,
    /// Whose reading this is (`reading.rs`).
    pub(crate) reader: MysqlReader,
    /// What a verifying mode checks the chain against: the URL's CA, the
    /// system's store (Python's default context), or Node's.
    pub(crate) roots: Roots,
    /// The driver fails when the server offers TLS (aiomysql given `ssl`
    /// as text by SQLAlchemy).
    pub(crate) tls_fails_if_offered: bool,
    /// TLS parameters of the URL its driver does not read.
    pub(crate) ignored: Vec<String>,
    /// Addresses to dial instead of resolving `host` (`--resolve`).
    pub(crate) dial: Vec<IpAddr>,
}

impl MysqlTarget {
    /// The kind's own reading, or the one the URL's scheme names.
    pub(crate) fn parse(raw: &str) -> Result<Self, UrlError> {
        Self::parse_as(raw, MysqlReading::Kind)
    }

    /// As mysql2 reads a plain `mysql://` URL (the app's one MySQL driver).
    pub(crate) fn parse_mysql2(raw: &str) -> Result<Self, UrlError> {
        Self::parse_as(raw, MysqlReading::Mysql2)
    }

    /// As SQLAlchemy over `PyMySQL` reads a plain `mysql://` URL.
    pub(crate) fn parse_pymysql(raw: &str) -> Result<Self, UrlError> {
        Self::parse_as(raw, MysqlReading::Pymysql)
    }

    fn parse_as(raw: &str, reading: MysqlReading) -> Result<Self, UrlError> {
        let parsed = url::parse(raw, SCHEMES)?;
        let reader = MysqlReader::of(&parsed.scheme, reading);
        let dbapi = match (reader, parsed.scheme.contains('+')) {
            (MysqlReader::SaPymysql, false) => "mysql+pymysql",
            _ => parsed.scheme.as_str(),
        };
        dbapi::check(dbapi, &parsed.query)?;
        let tls = match reader {
            MysqlReader::Kind => kind_tls(&parsed.query)?,
            MysqlReader::Mysql2 => reading::mysql2(&parsed.query)?,
            MysqlReader::SaPymysql => reading::sa_pymysql(&parsed.query)?,
            MysqlReader::SaAiomysql => reading::sa_aiomysql(&parsed.query),
        };
        let database = Some(parsed.path.clone()).filter(|path| !path.is_empty());
        Ok(Self {
            redacted: shown(raw),
            host: parsed.host,
            port: parsed.port.unwrap_or(DEFAULT_PORT),
            user: parsed.user.unwrap_or_default(),
            password: parsed.password.filter(|p| !p.expose().is_empty()),
            database,
            ssl_mode: tls.mode,
            ssl_asked: tls.asked,
            ssl_ca: tls.ca,
            allow_public_key_retrieval: tls.allow_public_key_retrieval,
            reader,
            roots: tls.roots,
            tls_fails_if_offered: tls.fails_if_offered,
            ignored: tls.ignored,
            dial: Vec::new(),
        })
    }

    /// What the MySQL probe will dial.
    pub(crate) fn parts(&self) -> Parts {
        let mut options = BTreeMap::new();
        if let Some(ca) = &self.ssl_ca {
            options.insert("ssl_ca", ca.display().to_string());
        }
        if self.allow_public_key_retrieval {
            options.insert("allowPublicKeyRetrieval", "true".to_string());
        }
        Parts {
            hosts: Vec::new(),
            host: self.host.clone(),
            hostaddr: None,
            port: self.port,
            user: Some(self.user.clone()).filter(|u| !u.is_empty()),
            password: self.password.is_some(),
            database: self.database.clone().map(Database::Name),
            tls: self.ssl_mode.as_str(),
            options,
            ignored: self.ignored.clone(),
            resolve: self.dial.iter().map(ToString::to_string).collect(),
        }
    }

    pub(crate) fn is_loopback(&self) -> bool {
        crate::net::is_loopback_host(&self.host)
    }
}

/// The kind's own reading of the TLS parameters: every stack's names
/// (see [`TlsQuery`]), verified against the system's roots or the URL's CA.
fn kind_tls(query: &[(String, String)]) -> Result<TlsReading, UrlError> {
    let mut tls = TlsQuery::default();
    let mut allow_public_key_retrieval = false;
    for (key, value) in query {
        match key.to_ascii_lowercase().replace('-', "_").as_str() {
            "ssl_mode" | "sslmode" => {
                tls.mode = Some(SslMode::parse(value).ok_or_else(|| bad_value(key, value))?);
            }
            "ssl" => tls.ssl = Some(ssl_value(key, value)?),
            "ssl_ca" => tls.ca = Some(PathBuf::from(value)),
            "ssl_check_hostname" => tls.check_hostname = Some(boolean(key, value)?),
            "allowpublickeyretrieval" => allow_public_key_retrieval = boolean(key, value)?,
            _ => {}
        }
    }
    Ok(TlsReading {
        mode: SslMode::from_query(&tls),
        asked: tls != TlsQuery::default(),
        roots: tls.ca.clone().map_or(Roots::System, Roots::File),
        ca: tls.ca,
        fails_if_offered: false,
        ignored: Vec::new(),
        allow_public_key_retrieval,
    })
}

fn bad_value(key: &str, value: &str) -> UrlError {
    UrlError {
        code: Code::InvalidUrl,
        message: msg::mysql_bad_parameter(url::printable(key), url::printable(value)),
    }
}

/// `true`/`false` as mysql2's `parseSecurityFlag` accepts them, plus the
/// `1`/`0` Python's and Java's stacks take.
fn boolean(key: &str, value: &str) -> Result<bool, UrlError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(bad_value(key, value)),
    }
}

/// mysql2's `ssl`: a JSON object (TLS, verified unless
/// `"rejectUnauthorized": false`), a JSON boolean, or a profile name.
fn ssl_value(key: &str, value: &str) -> Result<SslMode, UrlError> {
    match serde_json::from_str::<serde_json::Value>(value) {
        Ok(serde_json::Value::Object(fields)) => {
            let reject = fields.get("rejectUnauthorized");
            if reject == Some(&serde_json::Value::Bool(false)) {
                Ok(SslMode::Required)
            } else {
                Ok(SslMode::VerifyIdentity)
            }
        }
        Ok(serde_json::Value::Bool(on)) => Ok(on_or_off(on)),
        Ok(serde_json::Value::Number(n)) if n.as_u64() == Some(1) => Ok(SslMode::Required),
        Ok(serde_json::Value::Number(n)) if n.as_u64() == Some(0) => Ok(SslMode::Disabled),
        // A profile name (`ssl=Amazon RDS`): TLS verified against the
        // profile's CA, which the system roots stand in for.
        Err(_) if !value.is_empty() => Ok(SslMode::VerifyIdentity),
        _ => Err(bad_value(key, value)),
    }
}

fn on_or_off(on: bool) -> SslMode {
    if on {
        SslMode::Required
    } else {
        SslMode::Disabled
    }
}

/// The URL with the user-info password and every password-valued query
/// parameter replaced by `***`. The user-info ends at the last `@` before
/// any `/ ? #`, as WHATWG (mysql2) reads it.
fn shown(raw: &str) -> String {
    let without_password = url::without_userinfo_password(raw);
    url::escape_controls(&mask_query(&without_password))
}

fn mask_query(text: &str) -> String {
    let Some((head, query)) = text.split_once('?') else {
        return text.to_string();
    };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if SECRET_KEYS.contains(&key.to_ascii_lowercase().as_str()) => {
                format!("{key}=***")
            }
            _ => pair.to_string(),
        })
        .collect();
    let mut out = format!("{head}?{}", pairs.join("&"));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> MysqlTarget {
        MysqlTarget::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e:?}"))
    }

    #[test]
    fn parts_of_each_scheme() {
        // (url, host, port, user, password, database)
        let cases = [
            (
                "mysql://app:s3cret@db.example:3307/shop",
                "db.example",
                3307,
                "app",
                Some("s3cret"),
                Some("shop"),
            ),
            (
                "mariadb://root@localhost/",
                "localhost",
                3306,
                "root",
                None,
                None,
            ),
            (
                "mysql+pymysql://u:p%40ss%2Fw%3Ard@h/db",
                "h",
                3306,
                "u",
                Some("p@ss/w:rd"),
                Some("db"),
            ),
            (
                "mysql+mysqldb://u:pw@h:1/d",
                "h",
                1,
                "u",
                Some("pw"),
                Some("d"),
            ),
            (
                "mysql+aiomysql://u@h/d?charset=utf8mb4",
                "h",
                3306,
                "u",
                None,
                Some("d"),
            ),
            (
                "MYSQL+ASYNCMY://u:@[::1]:3306/d",
                "::1",
                3306,
                "u",
                None,
                Some("d"),
            ),
            (
                "mysql://root:pw@mysql.railway.internal:3306/railway",
                "mysql.railway.internal",
                3306,
                "root",
                Some("pw"),
                Some("railway"),
            ),
        ];
        for (raw, host, port, user, password, database) in cases {
            let target = parse(raw);
            assert_eq!(target.host, host, "{raw}");
            assert_eq!(target.port, port, "{raw}");
            assert_eq!(target.user, user, "{raw}");
            assert_eq!(
                target.password.as_ref().map(Secret::expose),
                password,
                "{raw}"
            );
            assert_eq!(target.database.as_deref(), database, "{raw}");
        }
    }

    #[test]
    fn tls_parameters_as_each_driver_reads_them() {
        use SslMode::{Disabled, Preferred, Required, VerifyCa, VerifyIdentity};
        let cases = [
            ("", Disabled),
            ("?ssl-mode=PREFERRED", Preferred),
            ("?ssl-mode=REQUIRED", Required),
            ("?ssl_mode=verify_ca", VerifyCa),
            ("?sslmode=disabled", Disabled),
            ("?sslMode=VERIFY_IDENTITY", VerifyIdentity),
            ("?ssl-mode=verify-identity", VerifyIdentity),
            ("?ssl={\"rejectUnauthorized\":true}", VerifyIdentity),
            ("?ssl=%7B%22rejectUnauthorized%22%3Afalse%7D", Required),
            ("?ssl={}", VerifyIdentity),
            ("?ssl=Amazon%20RDS", VerifyIdentity),
            ("?ssl=true", Required),
            ("?ssl=false", Disabled),
            ("?ssl=0", Disabled),
            ("?ssl_ca=/etc/ca.pem", VerifyIdentity),
            ("?ssl_ca=/etc/ca.pem&ssl_check_hostname=false", VerifyCa),
            // The explicit mode wins over what the other parameters imply.
            ("?ssl_ca=/etc/ca.pem&ssl-mode=REQUIRED", Required),
            ("?ssl=true&ssl-mode=DISABLED", Disabled),
        ];
        for (query, expected) in cases {
            let raw = format!("mysql://u:p@h/d{query}");
            assert_eq!(parse(&raw).ssl_mode, expected, "{raw}");
        }
        let target = parse("mysql://u@h/d?ssl_ca=/etc/ca.pem&allowPublicKeyRetrieval=true");
        assert_eq!(target.ssl_ca, Some(PathBuf::from("/etc/ca.pem")));
        assert!(target.allow_public_key_retrieval);
    }

    #[test]
    fn refuses_what_the_drivers_refuse() {
        let cases = [
            ("mysql://u@h/d?ssl-mode=sometimes", Code::InvalidUrl),
            ("mysql://u@h/d?ssl_check_hostname=maybe", Code::InvalidUrl),
            ("mysql://u@h/d?ssl=", Code::InvalidUrl),
            ("mysqlx://u@h/d", Code::UnsupportedScheme),
            ("mysql+mysqlconnector://u@h/d", Code::UnsupportedScheme),
            ("mysql://u:p@ss@h/d", Code::InvalidUrl),
            ("mysql://u@h:99999/d", Code::InvalidUrl),
        ];
        for (raw, code) in cases {
            let error = MysqlTarget::parse(raw).expect_err(raw);
            assert_eq!(error.code, code, "{raw}");
        }
    }

    #[test]
    fn the_shown_form_hides_every_password() {
        let cases = [
            (
                "mysql://app:s3cret@h:3306/d?ssl-mode=REQUIRED",
                "mysql://app:***@h:3306/d?ssl-mode=REQUIRED",
            ),
            (
                "mysql+pymysql://app@h/d?password=s3cret&charset=utf8",
                "mysql+pymysql://app@h/d?password=***&charset=utf8",
            ),
            (
                "mysql://app:s3cret@h/d?passwd=x#frag",
                "mysql://app:***@h/d?passwd=***#frag",
            ),
            ("mysql://app@h/d", "mysql://app@h/d"),
        ];
        for (raw, redacted) in cases {
            assert_eq!(parse(raw).redacted, redacted, "{raw}");
            assert!(!format!("{:?}", parse(raw).parts()).contains("s3cret"));
        }
    }

    #[test]
    fn parts_name_the_mode_and_options() {
        let parts = parse("mysql://app:pw@h/d?ssl_ca=/ca.pem").parts();
        assert_eq!(parts.tls, "VERIFY_IDENTITY");
        assert!(parts.password);
        assert_eq!(parts.database, Some(Database::Name("d".into())));
        assert_eq!(
            parts.options.get("ssl_ca").map(String::as_str),
            Some("/ca.pem")
        );
    }
}
