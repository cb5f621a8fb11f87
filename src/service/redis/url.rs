//! The Redis target: `redis://` and `rediss://` URLs as redis-rs reads them
//! (`redis::IntoConnectionInfo`): the database from the path, `#insecure` on `rediss://`
//! to skip certificate verification, default port 6379.

use crate::model::Code;
use crate::source::secret::Secret;
use crate::source::url::{self, UrlError};
use crate::words;

pub const SCHEMES: &[&str] = &["redis", "rediss"];
const DEFAULT_PORT: u16 = 6379;

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

/// A validated Redis target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisTarget {
    pub redacted: String,
    pub host: String,
    pub port: u16,
    pub tls: RedisTls,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub db: u32,
}

impl RedisTarget {
    pub fn parse(raw: &str) -> Result<Self, UrlError> {
        let url = url::parse(raw, SCHEMES)?;
        Ok(Self {
            redacted: url.redacted(),
            tls: tls_mode(&url.scheme, url.fragment.as_deref())?,
            db: parse_db(&url.path)?,
            host: url.host,
            port: url.port.unwrap_or(DEFAULT_PORT),
            username: url.user,
            password: url.password,
        })
    }

    pub fn is_loopback(&self) -> bool {
        crate::net::is_loopback_host(&self.host)
    }
}

fn invalid(message: String) -> UrlError {
    UrlError {
        code: Code::InvalidUrl,
        message,
    }
}

fn tls_mode(scheme: &str, fragment: Option<&str>) -> Result<RedisTls, UrlError> {
    match (scheme, fragment) {
        ("redis", None) => Ok(RedisTls::Off),
        ("rediss", None) => Ok(RedisTls::Verified),
        ("rediss", Some("insecure")) => Ok(RedisTls::Insecure),
        ("redis", Some("insecure")) => Err(invalid(words::redis_insecure_without_tls())),
        _ => Err(invalid(words::redis_bad_fragment())),
    }
}

fn parse_db(path: &str) -> Result<u32, UrlError> {
    // redis-rs and redis-cli accept a trailing slash (`/3/`).
    let path = path.trim_end_matches('/');
    if path.is_empty() {
        return Ok(0);
    }
    path.parse::<u32>()
        .map_err(|_| invalid(words::redis_bad_db(path)))
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
    fn bad_db_and_fragment() {
        assert!(
            RedisTarget::parse("redis://h/abc")
                .unwrap_err()
                .message
                .contains("abc")
        );
        assert!(RedisTarget::parse("rediss://h#other").is_err());
        assert!(RedisTarget::parse("redis://h#insecure").is_err());
    }
}
