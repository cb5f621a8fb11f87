//! The Redis target: a `redis://` or `rediss://` URL read by redis-rs
//! itself (`redis::IntoConnectionInfo`, the crate railconn links), so the
//! host, port, database, credentials and protocol are what a redis-rs app
//! gets: WHATWG URL rules (the credentials end at the last `@`, an empty
//! port is 6379), `?protocol=` 2/3/resp2/resp3, `#insecure` on `rediss://`
//! only (a fragment on `redis://` is ignored), wildcard hosts refused.
//!
//! When redis-rs refuses a URL, railconn says why in plain words; Unix
//! sockets (`unix://`, `redis+unix://`) are refused by design.

use std::collections::BTreeMap;

use redis::{ConnectionAddr, IntoConnectionInfo, ProtocolVersion};

use crate::i18n::{Message, msg};
use crate::model::{Code, Database, Parts};
use crate::net::tls::Roots;
use crate::source::secret::Secret;
use crate::source::url::{self, UrlError};

pub(crate) const SCHEMES: &[&str] = &["redis", "rediss", "valkey", "valkeys"];

/// How (and whether) the connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisTls {
    /// `redis://`: plaintext.
    Off,
    /// `rediss://`: TLS, certificate verified against the system roots.
    Verified,
    /// `rediss://…#insecure`: TLS without certificate verification.
    Insecure,
}

/// The RESP version the app's client speaks (`?protocol=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Resp2,
    /// `HELLO 3` opens the connection: Redis 6 or later is needed.
    Resp3,
}

/// A validated Redis target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisTarget {
    /// The URL as given, the password replaced by `***`, nothing re-encoded.
    pub redacted: String,
    pub host: String,
    pub port: u16,
    pub tls: RedisTls,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// `?password=` when the userinfo has no password: redis-py
    /// (`parse_url` in `redis/connection.py` reads the query, then a
    /// non-empty userinfo password replaces it) and ioredis (`parseURL`
    /// fills unset options from the query) send it; redis-rs
    /// (`url_to_tcp_connection_info` reads only `protocol` from a TCP
    /// URL's query) and node-redis (only the userinfo) do not. Which is
    /// sent is the drivers' call (`driver::apply_redis`).
    pub query_password: Option<Secret>,
    /// As redis-rs reads it: any integer; the server refuses what it lacks.
    pub db: i64,
    pub protocol: Protocol,
    /// Addresses to dial instead of resolving `host` (`--resolve`).
    pub dial: Vec<std::net::IpAddr>,
    /// The trust store a `rediss://` certificate is verified against: the
    /// operating system's (redis-rs, and redis-py's default SSL context,
    /// which reads `SSL_CERT_FILE`) unless the app's drivers trust another
    /// one (Node's bundled list, a CA file named in the URL; set by
    /// `driver::redis::apply`).
    pub(crate) roots: Roots,
    /// What the client does when it sends a password and the server's
    /// `default` user has none (set by `driver::redis::apply`).
    pub(crate) nopass: NoPassword,
    /// The URL's path, when the app's driver read a database there that
    /// redis-rs refuses (`/abc`): `db` is what the driver selects
    /// (`config::reading`).
    pub(crate) db_given: Option<String>,
    /// What the client does when the server refuses its `SELECT` (set by
    /// `driver::redis::apply`).
    pub(crate) bad_db: BadDb,
}

/// A `SELECT` the server refuses (`ERR DB index is out of range`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BadDb {
    /// The connection fails (redis-rs, redis-py, node-redis).
    Fails,
    /// The connection goes on, on database 0: ioredis 6.0.0
    /// (`redis/event_handler.js`, `getHandshakeCommands`) handles a
    /// failed `SELECT` with `silentEmit("error", err)` and becomes ready.
    Ignored,
}

/// A password sent to a server whose `default` user needs none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoPassword {
    /// The connection fails: redis-rs sends `AUTH password` and returns
    /// the server's "called without any password configured" error.
    Fails,
    /// The connection goes on: redis-py 8 and node-redis 6 send the user
    /// `default` with the password (HELLO 3 AUTH), which a `nopass` user
    /// accepts; ioredis (`event_handler.js`, `handleAuthError`) only warns
    /// about the error.
    Connects,
}

impl RedisTarget {
    /// What the Redis probe will dial.
    pub(crate) fn parts(&self) -> Parts {
        let protocol = match self.protocol {
            Protocol::Resp2 => "resp2",
            Protocol::Resp3 => "resp3",
        };
        Parts {
            hosts: Vec::new(),
            host: self.host.clone(),
            hostaddr: None,
            port: self.port,
            user: self.username.clone(),
            password: self.password.is_some(),
            database: Some(Database::Number(self.db)),
            tls: match self.tls {
                RedisTls::Off => "off",
                RedisTls::Verified => "verify",
                RedisTls::Insecure => "insecure",
            },
            options: BTreeMap::from([("protocol", protocol.to_string())]),
            ignored: Vec::new(),
            resolve: self.dial.iter().map(ToString::to_string).collect(),
        }
    }

    pub fn parse(raw: &str) -> Result<Self, UrlError> {
        url::check_wrapping(raw)?;
        check_scheme(raw)?;
        let info = raw
            .into_connection_info()
            .map_err(|error| explain(raw, &error))?;
        let (host, port, tls) = match info.addr() {
            ConnectionAddr::Tcp(host, port) => (host.clone(), *port, RedisTls::Off),
            ConnectionAddr::TcpTls {
                host,
                port,
                insecure,
                ..
            } => {
                let tls = if *insecure {
                    RedisTls::Insecure
                } else {
                    RedisTls::Verified
                };
                (host.clone(), *port, tls)
            }
            _ => return Err(invalid(msg::redis_socket_refused())),
        };
        let settings = info.redis_settings();
        Ok(Self {
            redacted: shown(raw),
            host,
            port,
            tls,
            username: settings.username().map(str::to_string),
            password: settings.password().map(Secret::new),
            query_password: settings
                .password()
                .is_none()
                .then(|| query_password(raw))
                .flatten(),
            db: settings.db(),
            protocol: match settings.protocol() {
                ProtocolVersion::RESP2 => Protocol::Resp2,
                _ => Protocol::Resp3,
            },
            dial: Vec::new(),
            roots: Roots::System,
            nopass: NoPassword::Fails,
            db_given: None,
            bad_db: BadDb::Fails,
        })
    }

    /// As [`Self::parse`], except that a path redis-rs refuses as a
    /// database is read by `db` (the path with its `/`, the query), the
    /// app's drivers' reading (`config::reading`); where `db` reads
    /// nothing, redis-rs's refusal stands. The target shows the URL as
    /// given.
    pub(crate) fn parse_with_db(
        raw: &str,
        db: impl Fn(&str, &str) -> Option<i64>,
    ) -> Result<Self, UrlError> {
        let refused = match Self::parse(raw) {
            Err(error) if error.message.id() == "redis_bad_db" => error,
            other => return other,
        };
        let Some((base, path, tail)) = split_path(raw) else {
            return Err(refused);
        };
        let query = tail
            .strip_prefix('?')
            .map_or("", |q| q.split('#').next().unwrap_or_default());
        let Some(number) = db(path, query) else {
            return Err(refused);
        };
        let mut target = Self::parse(&format!("{base}{tail}")).map_err(|_| refused)?;
        target.db = number;
        target.db_given = Some(url::printable(path));
        target.redacted = shown(raw);
        Ok(target)
    }

    pub fn is_loopback(&self) -> bool {
        crate::net::is_loopback_host(&self.host)
    }
}

/// The first non-empty `password` in the query, decoded as Python's
/// `parse_qs` decodes it (`+` is a space, then percent-decoding).
fn query_password(raw: &str) -> Option<Secret> {
    let query = raw.split_once('?')?.1.split('#').next()?;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| *key == "password")
        .map(|(_, value)| {
            let plus = value.replace('+', " ");
            percent_encoding::percent_decode_str(&plus)
                .decode_utf8_lossy()
                .into_owned()
        })
        .find(|value| !value.is_empty())
        .map(Secret::new)
}

/// `raw` cut around its path: before it, the path, and the query and
/// fragment after it.
fn split_path(raw: &str) -> Option<(&str, &str, &str)> {
    let after_scheme = raw.find("://")? + 3;
    let start = after_scheme + raw[after_scheme..].find(['/', '?', '#'])?;
    if !raw[start..].starts_with('/') {
        return None;
    }
    let end = raw[start..]
        .find(['?', '#'])
        .map_or(raw.len(), |i| start + i);
    Some((&raw[..start], &raw[start..end], &raw[end..]))
}

fn invalid(message: Message) -> UrlError {
    UrlError {
        code: Code::InvalidUrl,
        message,
    }
}

/// Unix sockets are refused by design; other schemes by the shared parser.
fn check_scheme(raw: &str) -> Result<(), UrlError> {
    let scheme = raw
        .split_once(':')
        .map(|(s, _)| s.to_ascii_lowercase())
        .unwrap_or_default();
    if matches!(scheme.as_str(), "unix" | "redis+unix" | "valkey+unix") {
        return Err(invalid(msg::redis_socket_refused()));
    }
    if SCHEMES.contains(&scheme.as_str()) && raw[scheme.len()..].starts_with("://") {
        return Ok(());
    }
    url::parse(raw, SCHEMES).map(|_| ())
}

/// Why redis-rs refused `raw`, in plain words: the shared pre-parser names
/// unencoded characters and missing parts; the rest is read from the URL
/// as redis-rs saw it.
fn explain(raw: &str, error: &redis::RedisError) -> UrlError {
    if let Err(explained) = url::parse(raw, SCHEMES) {
        return explained;
    }
    let Some(parsed) = redis::parse_redis_url(raw) else {
        return invalid(msg::redis_unparsable());
    };
    if let Some((_, value)) = parsed
        .query_pairs()
        .find(|(k, _)| k == "protocol")
        .filter(|(_, v)| !matches!(v.as_ref(), "2" | "3" | "resp2" | "resp3"))
    {
        return invalid(msg::redis_bad_protocol(&url::printable(&value)));
    }
    if matches!(parsed.host_str(), Some("0.0.0.0" | "[::]")) {
        return invalid(msg::redis_wildcard_host());
    }
    let path = parsed.path().trim_matches('/');
    if !path.is_empty() && path.parse::<i64>().is_err() {
        return invalid(msg::redis_bad_db(&url::printable(path)));
    }
    if parsed.fragment().is_some() {
        return invalid(msg::redis_bad_fragment());
    }
    invalid(msg::redis_rs_refuses(&url::printable(&error.to_string())))
}

/// `raw` with the password replaced by `***`. The password is where WHATWG
/// URL parsing (redis-rs, node-redis, ioredis) puts it: after the first `:`
/// of the user-info, which ends at the last `@` before any `/ ? #`.
fn shown(raw: &str) -> String {
    let without_password = url::without_userinfo_password(raw);
    url::escape_controls(&mask_query_passwords(&without_password))
}

/// The value of every `password=` query parameter replaced by `***`:
/// redis-py reads `?password=` as the password, so it is one, whether or
/// not redis-rs looks at it (docs/security.md).
fn mask_query_passwords(url: &str) -> String {
    let Some(question) = url.find('?') else {
        return url.to_string();
    };
    let end = url[question..]
        .find('#')
        .map_or(url.len(), |i| question + i);
    let pairs: Vec<String> = url[question + 1..end]
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{}{}{}", &url[..=question], pairs.join("&"), &url[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_forms() {
        let t = RedisTarget::parse("redis://:pw@cache.example").unwrap();
        assert_eq!((t.port, t.db, t.tls), (6379, 0, RedisTls::Off));
        assert_eq!(t.username, None);
        assert_eq!(t.password.unwrap().expose(), "pw");
        let t = RedisTarget::parse("rediss://default:pw@cache.example:6380/3#insecure").unwrap();
        assert_eq!((t.port, t.db, t.tls), (6380, 3, RedisTls::Insecure));
        assert_eq!(
            t.redacted,
            "rediss://default:***@cache.example:6380/3#insecure"
        );
    }

    #[test]
    fn query_password_is_read_as_redis_py_reads_it() {
        let query = |raw: &str| {
            RedisTarget::parse(raw)
                .unwrap()
                .query_password
                .map(|p| p.expose().to_string())
        };
        assert_eq!(
            query("redis://h/0?password=a%2Fb+c").as_deref(),
            Some("a/b c")
        );
        assert_eq!(
            query("redis://h?password=&password=x").as_deref(),
            Some("x")
        );
        // redis-py: a non-empty userinfo password wins over the query.
        assert_eq!(query("redis://:pw@h?password=x"), None);
        assert_eq!(query("redis://h?passwordx=1#password=2"), None);
    }

    /// Issue 20: a driver's reading of a database redis-rs refuses; the
    /// URL is shown as given.
    #[test]
    fn a_path_redis_rs_refuses_may_be_read_by_the_drivers() {
        let t = RedisTarget::parse_with_db("redis://:pw@h:6379/abc?x=1", |path, query| {
            assert_eq!((path, query), ("/abc", "x=1"));
            Some(0)
        })
        .unwrap();
        assert_eq!((t.db, t.db_given.as_deref()), (0, Some("/abc")));
        assert_eq!(t.redacted, "redis://:***@h:6379/abc?x=1");
        assert!(RedisTarget::parse_with_db("redis://h/abc", |_, _| None).is_err());
        let t = RedisTarget::parse_with_db("redis://h/3", |_, _| Some(0)).unwrap();
        assert_eq!(t.db, 3, "redis-rs reads it");
    }

    #[test]
    fn bad_db_and_fragment() {
        assert!(
            RedisTarget::parse("redis://h/abc")
                .unwrap_err()
                .message
                .contains("abc")
        );
        assert!(RedisTarget::parse("rediss://h#other").is_err());
    }

    /// Issue 10: as redis-rs reads them.
    #[test]
    fn protocol_wildcards_ports_fragments_and_db_follow_redis_rs() {
        let t = RedisTarget::parse("redis://h/?protocol=resp3").unwrap();
        assert_eq!(t.protocol, Protocol::Resp3);
        let t = RedisTarget::parse("redis://h?protocol=2").unwrap();
        assert_eq!(t.protocol, Protocol::Resp2);
        let e = RedisTarget::parse("redis://h/?protocol=4").unwrap_err();
        assert!(e.message.contains("protocol"), "{}", e.message);
        for wildcard in ["redis://0.0.0.0", "redis://[::]:6379"] {
            let e = RedisTarget::parse(wildcard).unwrap_err();
            assert!(e.message.contains("wildcard"), "{wildcard}: {}", e.message);
        }
        assert_eq!(RedisTarget::parse("redis://h:/").unwrap().port, 6379);
        // redis-rs ignores a fragment on redis:// and takes any integer db;
        // the server refuses SELECT -1 (database_not_found at the probe).
        assert_eq!(
            RedisTarget::parse("redis://h#x").unwrap().tls,
            RedisTls::Off
        );
        assert_eq!(RedisTarget::parse("redis://h/-1").unwrap().db, -1);
        let e = RedisTarget::parse("unix:///run/redis.sock").unwrap_err();
        assert!(e.message.contains("Unix socket"), "{}", e.message);
    }

    /// Issue 10: the target is shown as given.
    #[test]
    fn the_target_is_shown_as_given() {
        let t = RedisTarget::parse("redis://us%65r:p@ss%3D@h:6379/0?protocol=resp3&x=%41").unwrap();
        assert_eq!(
            t.redacted,
            "redis://us%65r:***@h:6379/0?protocol=resp3&x=%41"
        );
        assert_eq!(t.password.unwrap().expose(), "p@ss=");
    }

    /// redis-py takes `?password=` as the password: it is masked too.
    #[test]
    fn a_password_in_the_query_is_not_shown() {
        let t = RedisTarget::parse("redis://h:6379/0?password=hunter2&protocol=resp2#x").unwrap();
        assert_eq!(t.redacted, "redis://h:6379/0?password=***&protocol=resp2#x");
        let t = RedisTarget::parse("redis://:pw@h?x=1&Password=hunter2").unwrap();
        assert_eq!(t.redacted, "redis://:***@h?x=1&Password=***");
    }
}
