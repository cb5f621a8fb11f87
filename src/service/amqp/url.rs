//! The AMQP target: an `amqp://`, `amqps://`, or Celery's `pyamqp://` and
//! `librabbitmq://` URL, read as kombu reads it (Celery's broker URL goes
//! through `kombu.Connection`; kombu 5.7 `utils/url.py::url_to_parts` and
//! `connection.py::Connection._init_params`/`_info`):
//!
//! - credentials are percent-decoded; a missing or empty user or password
//!   becomes `guest` (`Connection._info` takes the transport's
//!   `default_connection_params`, `transport/pyamqp.py`), so
//!   `amqp://bob@h` logs in as bob with the password `guest`;
//! - the vhost is the path without its first `/`, percent-decoded, and `/`
//!   when that is empty: `amqp://h`, `amqp://h/`, `amqp://h//` and
//!   `amqp://h/%2F` all open `/`; `amqp://h/a/b` opens `a/b`;
//! - the port is 5672, or 5671 for `amqps://` (`default_ssl_port`);
//! - query parameters become `Connection` arguments (`parse_url`, then
//!   `Connection._init_params(**params)`): a name `_init_params` does not
//!   take (`frame_max`, a typo) is a `TypeError` when Celery connects, so
//!   it is refused here too;
//! - `ssl_*` names are refused as well: kombu (`utils/url.py::parse_url`)
//!   gathers them into the `ssl` dict under their own names, and py-amqp
//!   5.4 passes that dict as keywords to `SSLTransport._wrap_socket_sni`,
//!   which has `ca_certs` and `cert_reqs` but no `ssl_ca_certs` or
//!   `ssl_cert_reqs`: `TypeError: _wrap_socket_sni() got an unexpected
//!   keyword argument 'ssl_cert_reqs'` (run against the matrix's TLS
//!   RabbitMQ). Celery takes TLS options from `broker_use_ssl` instead;
//! - TLS is `amqps://`, or any non-empty `ssl=` (kombu passes the query
//!   string as it is, and Python takes a non-empty string as true, even
//!   `ssl=false`); py-amqp (`_wrap_socket_sni` with no `server_hostname`)
//!   then verifies the chain against OpenSSL's default store
//!   (`load_default_certs`: the system's, or `SSL_CERT_FILE`) but not the
//!   host name.
//!
//! The other drivers read some URLs differently: pika 1.4
//! (`connection.py::URLParameters`) keeps only the first path segment
//! (`amqp://h/a/b` opens `a`, `amqp://h//` opens the empty vhost) and
//! refuses a user without a password; amqplib 2.3 (`lib/connect.js`,
//! `credentialsFromUrl`) sends an empty password rather than `guest`.
//!
//! When amqplib is the app's only AMQP driver, [`AmqpTarget::parse_amqplib`]
//! reads the URL as amqplib 2.3.1 does (`lib/connect.js::connect`): only
//! `amqp:` and `amqps:` (anything else throws "Expected amqp: or amqps: as
//! the protocol"), TLS only with `amqps:` (the query's `ssl` is not read),
//! `heartbeat` the only query parameter acted on (the first value wins;
//! `frameMax`, `channelMax`, `locale` and unknown names are taken or
//! ignored, never refused), and a user named without a password logs in
//! with the empty one. Its TLS is Node's `tls.connect` with the URL's host
//! as `servername` and `rejectUnauthorized` left true: chain and host name
//! are both verified, against Node's store (`driver::amqp` puts it in).
//!
//! When pika is the app's only AMQP driver, [`AmqpTarget::parse_pika`]
//! reads it as pika 1.4 does (`connection.py::URLParameters`): `amqp` and
//! `amqps` only; the query's names are pika's (`driver::amqp` refuses the
//! others, as pika does); TLS with `amqps` (`ssl.create_default_context()`:
//! the system's store, or `SSL_CERT_FILE`) or with `ssl_options=`, a
//! Python literal (`ast.literal_eval`): `None` turns TLS off (pika raises
//! `ValueError` with `amqps`), a dict builds a context that trusts only
//! its `ca_certs` (or `cafile`). railconn reads that dict when it names
//! the CA file and nothing else; any other `ssl_options` is refused, not
//! guessed. Port: 5671 only for `amqps` (pika picks it before reading the
//! query). pika verifies the host name in both cases (`driver::amqp`).

use std::collections::BTreeMap;

use crate::model::{Database, Parts};
use crate::net::tls::Roots;
use crate::source::secret::Secret;
use crate::source::url::{self, UrlError};

pub(crate) const SCHEMES: &[&str] = &["amqp", "amqps", "pyamqp", "librabbitmq"];

/// RabbitMQ's ports (`rabbitmq.com/networking.html`): plain and TLS.
const PORT: u16 = 5672;
const TLS_PORT: u16 = 5671;

/// The query names kombu 5.7 takes (`Connection._init_params`' own
/// arguments that a URL may set; `ssl_*` are gathered into `ssl`).
const KOMBU_PARAMETERS: &[&str] = &[
    "heartbeat",
    "ssl",
    "connect_timeout",
    "login_method",
    "insist",
    "credential_provider",
];

/// kombu's (and pika's and amqplib's) default credentials.
const DEFAULT_USER: &str = "guest";

/// How the connection is encrypted and what of the certificate is
/// verified (against [`AmqpTarget::roots`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AmqpTls {
    Off,
    /// The chain is verified, the name is not (py-amqp).
    CaOnly,
    /// Chain and host name are verified (amqplib, pika).
    Full,
}

/// A validated AMQP target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AmqpTarget {
    /// The URL as given, the password replaced by `***`.
    pub redacted: String,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Secret,
    /// Whether the URL named the credentials (otherwise guest/guest).
    pub default_credentials: bool,
    pub vhost: String,
    pub tls: AmqpTls,
    /// The trust anchors the certificate is verified against.
    pub roots: Roots,
    /// `?heartbeat=` in seconds, as the app asks for it.
    pub heartbeat: Option<u16>,
    /// Query parameters the check does not act on.
    pub ignored: Vec<String>,
    /// The path reads as another vhost in pika (`//`, `/a/b`): what pika
    /// would open, for a warning.
    pub pika_vhost: Option<String>,
    /// Addresses to dial instead of resolving `host` (`--resolve`).
    pub dial: Vec<std::net::IpAddr>,
}

/// The schemes amqplib and pika connect with.
const AMQPLIB_SCHEMES: &[&str] = &["amqp", "amqps"];

/// Whose reading of the URL the target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    Kombu,
    Amqplib,
    Pika,
}

impl AmqpTarget {
    /// The URL as kombu (Celery) reads it.
    pub(crate) fn parse(raw: &str) -> Result<Self, UrlError> {
        Self::read(raw, Reader::Kombu)
    }

    /// The URL as amqplib reads it (see the module's comment).
    pub(crate) fn parse_amqplib(raw: &str) -> Result<Self, UrlError> {
        Self::read(raw, Reader::Amqplib)
    }

    /// The URL as pika reads it (see the module's comment).
    pub(crate) fn parse_pika(raw: &str) -> Result<Self, UrlError> {
        let mut target = Self::read(raw, Reader::Pika)?;
        let Some(options) = query_value(&url::parse(raw, AMQPLIB_SCHEMES)?.query, "ssl_options")
            .map(str::to_string)
        else {
            return Ok(target);
        };
        match pika_ssl_ca(&options) {
            PikaSsl::Off if target.tls != AmqpTls::Off => {
                Err(invalid(crate::i18n::msg::amqp_pika_ssl_options_none()))
            }
            PikaSsl::Off => Ok(target),
            PikaSsl::Ca(ca) => {
                target.tls = AmqpTls::Full;
                target.roots = Roots::File(ca.into());
                Ok(target)
            }
            PikaSsl::Unread => Err(invalid(crate::i18n::msg::amqp_pika_ssl_options())),
        }
    }

    fn read(raw: &str, reader: Reader) -> Result<Self, UrlError> {
        let parsed = match reader {
            Reader::Kombu => url::parse(raw, SCHEMES)?,
            Reader::Amqplib | Reader::Pika => url::parse(raw, AMQPLIB_SCHEMES)?,
        };
        let pika_vhost = pika_vhost(raw).filter(|v| *v != parsed.path);
        let (tls, user, password) = match reader {
            Reader::Kombu => {
                refuse_unknown(&parsed.query)?;
                let user = parsed.user.filter(|u| !u.is_empty());
                let password = parsed.password.filter(|p| !p.expose().is_empty());
                (tls_of(&parsed.scheme, &parsed.query), user, password)
            }
            // pika's query names are judged in `driver::amqp`; its
            // credentials are read as kombu reads them (a user without a
            // password fails with both).
            Reader::Pika => {
                let user = parsed.user.filter(|u| !u.is_empty());
                let password = parsed.password.filter(|p| !p.expose().is_empty());
                let tls = if parsed.scheme == "amqps" {
                    AmqpTls::Full
                } else {
                    AmqpTls::Off
                };
                (tls, user, password)
            }
            // `credentialsFromUrl`: guest/guest only when both are empty;
            // otherwise what is there, the missing part empty.
            Reader::Amqplib => {
                let user = parsed.user.unwrap_or_default();
                let password = parsed.password.filter(|p| !p.expose().is_empty());
                let named = !user.is_empty() || password.is_some();
                let tls = if parsed.scheme == "amqps" {
                    AmqpTls::Full
                } else {
                    AmqpTls::Off
                };
                (
                    tls,
                    named.then_some(user),
                    named.then(|| password.unwrap_or_else(|| Secret::new(""))),
                )
            }
        };
        let vhost = if parsed.path.is_empty() {
            "/".to_string()
        } else {
            parsed.path
        };
        if vhost.len() > 255 {
            return Err(invalid(crate::i18n::msg::amqp_vhost_too_long(vhost.len())));
        }
        let heartbeat = match reader {
            Reader::Kombu | Reader::Pika => match query_value(&parsed.query, "heartbeat") {
                None => None,
                Some(value) => Some(parse_heartbeat(value)?),
            },
            // `intOrDefault(query.heartbeat, 0)` on the first value: what
            // is not a number is 0, no heartbeat.
            Reader::Amqplib => parsed
                .query
                .iter()
                .find(|(k, _)| k == "heartbeat")
                .map(|(_, v)| v.trim().parse().unwrap_or(0)),
        };
        Ok(Self {
            redacted: shown(raw),
            host: parsed.host,
            port: parsed.port.unwrap_or(match tls {
                AmqpTls::Off => PORT,
                _ => TLS_PORT,
            }),
            default_credentials: user.is_none() && password.is_none(),
            user: user.unwrap_or_else(|| DEFAULT_USER.to_string()),
            password: password.unwrap_or_else(|| Secret::new(DEFAULT_USER)),
            vhost,
            tls,
            roots: match reader {
                Reader::Kombu | Reader::Pika => Roots::System,
                Reader::Amqplib => Roots::Node(None),
            },
            heartbeat,
            ignored: ignored(&parsed.query, reader),
            pika_vhost,
            dial: Vec::new(),
        })
    }

    /// What the AMQP probe will dial.
    pub(crate) fn parts(&self) -> Parts {
        let mut options = BTreeMap::new();
        if let Some(heartbeat) = self.heartbeat {
            options.insert("heartbeat", heartbeat.to_string());
        }
        Parts {
            hosts: Vec::new(),
            host: self.host.clone(),
            hostaddr: None,
            port: self.port,
            user: Some(self.user.clone()),
            password: true,
            database: Some(Database::Name(self.vhost.clone())),
            tls: match self.tls {
                AmqpTls::Off => "off",
                AmqpTls::CaOnly => "verify-ca",
                AmqpTls::Full => "verify-full",
            },
            options,
            ignored: self.ignored.clone(),
            resolve: self.dial.iter().map(ToString::to_string).collect(),
        }
    }

    pub(crate) fn is_loopback(&self) -> bool {
        crate::net::is_loopback_host(&self.host)
    }
}

fn invalid(message: crate::i18n::Message) -> UrlError {
    UrlError {
        code: crate::model::Code::InvalidUrl,
        message,
    }
}

fn query_value<'a>(query: &'a [(String, String)], key: &str) -> Option<&'a str> {
    // kombu builds a dict from `parse_qsl`: the last value wins.
    query
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn tls_of(scheme: &str, query: &[(String, String)]) -> AmqpTls {
    let ssl = query_value(query, "ssl").is_some_and(|v| !v.is_empty());
    if scheme != "amqps" && !ssl {
        return AmqpTls::Off;
    }
    AmqpTls::CaOnly
}

/// kombu takes `float(heartbeat)`; RabbitMQ negotiates whole seconds in
/// a 16-bit field (spec §1.4.2.6).
fn parse_heartbeat(value: &str) -> Result<u16, UrlError> {
    value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0 && *s <= f64::from(u16::MAX))
        .map(|s| {
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "checked above: 0 ≤ s ≤ u16::MAX"
            )]
            let seconds = s.round() as u16;
            seconds
        })
        .ok_or_else(|| invalid(crate::i18n::msg::amqp_bad_heartbeat(&url::printable(value))))
}

/// A query name kombu would pass to `Connection._init_params`, which
/// has no such argument, or an `ssl_*` name py-amqp's TLS wrapper does
/// not take (see the module's comment).
fn refuse_unknown(query: &[(String, String)]) -> Result<(), UrlError> {
    match query
        .iter()
        .map(|(k, _)| k)
        .find(|k| !KOMBU_PARAMETERS.contains(&k.as_str()))
    {
        Some(name) if name.starts_with("ssl_") => Err(invalid(
            crate::i18n::msg::amqp_ssl_parameter(&url::printable(name)),
        )),
        Some(name) => Err(invalid(crate::i18n::msg::amqp_unknown_parameter(
            &url::printable(name),
        ))),
        None => Ok(()),
    }
}

/// The vhost pika 1.4 opens (`URLParameters`: the first path segment,
/// percent-decoded), when the path has more than one segment.
fn pika_vhost(raw: &str) -> Option<String> {
    let rest = &raw[raw.find("://")? + 3..];
    let path = &rest[rest.find('/')?..];
    let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
    let segments: Vec<&str> = path.split('/').collect();
    (segments.len() > 2).then(|| {
        percent_encoding::percent_decode_str(segments[1])
            .decode_utf8_lossy()
            .into_owned()
    })
}

/// What pika makes of `ssl_options=`, as far as railconn reads it.
#[derive(Debug, PartialEq, Eq)]
enum PikaSsl {
    /// `None`: no TLS.
    Off,
    /// `{'ca_certs': PATH}` (or `cafile`): TLS trusting that file alone.
    Ca(String),
    /// Any other literal: pika may take it, railconn does not guess.
    Unread,
}

/// Reads the Python literal of `ssl_options=` when it is `None` or a dict
/// whose one entry is a quoted `ca_certs` or `cafile` path (no escapes).
fn pika_ssl_ca(literal: &str) -> PikaSsl {
    let literal = literal.trim();
    if literal == "None" {
        return PikaSsl::Off;
    }
    let entry = literal
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .map(|s| s.trim().trim_end_matches(','))
        .filter(|s| !s.contains(','))
        .and_then(|s| s.split_once(':'));
    match entry.and_then(|(k, v)| Some((quoted(k)?, quoted(v)?))) {
        Some(("ca_certs" | "cafile", path)) if !path.is_empty() => PikaSsl::Ca(path.to_string()),
        _ => PikaSsl::Unread,
    }
}

/// A Python string literal's text, when it is quoted and has no escape.
fn quoted(s: &str) -> Option<&str> {
    let s = s.trim();
    let inner = s
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .or_else(|| s.strip_prefix('"').and_then(|s| s.strip_suffix('"')))?;
    (!inner.contains(['\\', '\'', '"'])).then_some(inner)
}

/// Parameters the driver passes on (or ignores) that the check does not
/// act on.
fn ignored(query: &[(String, String)], reader: Reader) -> Vec<String> {
    let read: &[&str] = match reader {
        Reader::Kombu => &["heartbeat", "ssl"],
        Reader::Amqplib => &["heartbeat"],
        Reader::Pika => &["heartbeat", "ssl_options"],
    };
    let mut names: Vec<String> = query
        .iter()
        .map(|(k, _)| k.clone())
        .filter(|k| !read.contains(&k.as_str()))
        .map(|k| url::printable(&k))
        .collect();
    names.dedup();
    names
}

/// `raw` with the password replaced by `***`: the user-info ends at the
/// last `@` before the path, as the shared pre-parser reads it.
fn shown(raw: &str) -> String {
    let shown = url::without_userinfo_password(raw);
    url::escape_controls(&shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> AmqpTarget {
        AmqpTarget::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e:?}"))
    }

    /// The vhost as kombu reads it (`Connection(url).virtual_host`, run
    /// with kombu 5.7).
    #[test]
    fn vhosts_as_kombu_reads_them() {
        for (raw, vhost) in [
            ("amqp://h", "/"),
            ("amqp://h/", "/"),
            ("amqp://h//", "/"),
            ("amqp://h/%2F", "/"),
            ("amqp://h/app", "app"),
            ("amqp://h/a/b", "a/b"),
            ("amqp://h/%2Fapp", "/app"),
            ("amqp://h:5673/app?heartbeat=10", "app"),
        ] {
            assert_eq!(parse(raw).vhost, vhost, "{raw}");
        }
    }

    /// pika keeps the first path segment: `//` is the empty vhost to it.
    #[test]
    fn where_pika_opens_another_vhost() {
        assert_eq!(parse("amqp://h//").pika_vhost.as_deref(), Some(""));
        assert_eq!(parse("amqp://h/a/b").pika_vhost.as_deref(), Some("a"));
        for same in ["amqp://h", "amqp://h/", "amqp://h/%2F", "amqp://h/app"] {
            assert_eq!(parse(same).pika_vhost, None, "{same}");
        }
    }

    #[test]
    fn credentials_default_to_guest_per_part() {
        let t = parse("amqp://h");
        assert_eq!((t.user.as_str(), t.password.expose()), ("guest", "guest"));
        assert!(t.default_credentials);
        // kombu: `amqp://bob@h` is bob with the password guest.
        let t = parse("amqp://bob@h");
        assert_eq!((t.user.as_str(), t.password.expose()), ("bob", "guest"));
        assert!(!t.default_credentials);
        let t = parse("amqp://b%40b:p%3Aw%2Fd@h");
        assert_eq!((t.user.as_str(), t.password.expose()), ("b@b", "p:w/d"));
    }

    #[test]
    fn schemes_ports_and_tls() {
        for (raw, port, tls) in [
            ("amqp://h", 5672, AmqpTls::Off),
            ("pyamqp://h", 5672, AmqpTls::Off),
            ("librabbitmq://h:1234", 1234, AmqpTls::Off),
            ("amqps://h", 5671, AmqpTls::CaOnly),
            ("amqp://h?ssl=1", 5671, AmqpTls::CaOnly),
            // A non-empty string is true in Python: kombu encrypts.
            ("amqp://h?ssl=false", 5671, AmqpTls::CaOnly),
            ("AMQPS://h:443", 443, AmqpTls::CaOnly),
        ] {
            let t = parse(raw);
            assert_eq!((t.port, t.tls), (port, tls), "{raw}");
        }
        let e = AmqpTarget::parse("mqtt://h").unwrap_err();
        assert_eq!(e.code, crate::model::Code::UnsupportedScheme);
    }

    #[test]
    fn query_parameters() {
        let t = parse("amqp://h/?heartbeat=30&connect_timeout=5&heartbeat=10.4");
        assert_eq!(t.heartbeat, Some(10));
        assert_eq!(t.ignored, ["connect_timeout"]);
        // kombu: `TypeError: Connection._init_params() got an unexpected
        // keyword argument` (run with kombu 5.7).
        for refused in ["amqp://h/?frame_max=4096", "amqp://h/?password=x"] {
            let e = AmqpTarget::parse(refused).unwrap_err();
            assert_eq!(e.code, crate::model::Code::InvalidUrl, "{refused}");
        }
        // py-amqp: `TypeError: SSLTransport._wrap_socket_sni() got an
        // unexpected keyword argument 'ssl_cert_reqs'` (the matrix's
        // `amqps_tls_cert_none`, `amqps_tls_ssl_ca_certs`).
        for refused in [
            "amqps://h/?ssl_cert_reqs=CERT_NONE",
            "amqps://h/?ssl_ca_certs=/ca.pem",
            "amqp://h/?ssl=1&ssl_ca_certs=/ca.pem",
        ] {
            let e = AmqpTarget::parse(refused).unwrap_err();
            assert_eq!(e.message.id(), "amqp_ssl_parameter", "{refused}");
        }
        for bad in ["amqp://h?heartbeat=x", "amqp://h?heartbeat=-1"] {
            let e = AmqpTarget::parse(bad).unwrap_err();
            assert_eq!(e.code, crate::model::Code::InvalidUrl, "{bad}");
        }
        let long = format!("amqp://h/{}", "v".repeat(256));
        assert!(AmqpTarget::parse(&long).is_err());
    }

    /// The password never shows; the rest is shown as given.
    #[test]
    fn redacted_form() {
        let t = parse("amqp://app:s3cr%40t@rabbit.internal:5672/%2F?heartbeat=10");
        assert_eq!(
            t.redacted,
            "amqp://app:***@rabbit.internal:5672/%2F?heartbeat=10"
        );
        assert!(!format!("{t:?}").contains("s3cr"));
        assert_eq!(parse("amqp://app@h/").redacted, "amqp://app@h/");
        let parts = parse("amqps://u:p@h/v").parts();
        assert_eq!(parts.database, Some(Database::Name("v".into())));
        assert_eq!(parts.tls, "verify-ca");
        assert_eq!(parse("amqps://h").roots, Roots::System);
    }

    /// amqplib 2.3.1 (run against the matrix's RabbitMQ): `ssl=false` and
    /// unknown parameters change nothing, TLS is `amqps:` alone.
    #[test]
    fn as_amqplib_reads_it() {
        let amqplib = |raw: &str| AmqpTarget::parse_amqplib(raw).unwrap();
        let t = amqplib("amqp://h/?ssl=false&railconn_unknown=1&heartbeat=7&heartbeat=9");
        assert_eq!((t.tls, t.port, t.heartbeat), (AmqpTls::Off, 5672, Some(7)));
        assert_eq!(t.ignored, ["ssl", "railconn_unknown"]);
        // `tls.connect` with `servername`: chain and name, Node's store.
        let t = amqplib("amqps://h");
        assert_eq!((t.tls, t.roots), (AmqpTls::Full, Roots::Node(None)));
        assert_eq!(amqplib("amqp://h?heartbeat=x").heartbeat, Some(0));
        let t = amqplib("amqp://bob@h");
        assert_eq!((t.user.as_str(), t.password.expose()), ("bob", ""));
        let t = amqplib("amqp://h//");
        assert!(t.default_credentials);
        assert_eq!((t.user.as_str(), t.vhost.as_str()), ("guest", "/"));
        let e = AmqpTarget::parse_amqplib("pyamqp://h").unwrap_err();
        assert_eq!(e.code, crate::model::Code::UnsupportedScheme);
    }

    /// pika 1.4 (run against the matrix's TLS RabbitMQ): `ssl_options`
    /// with a CA file encrypts and trusts that file alone.
    #[test]
    fn as_pika_reads_it() {
        let pika = |raw: &str| AmqpTarget::parse_pika(raw);
        let t = pika("amqps://h/?ssl_options=%7B%27ca_certs%27%3A%27%2Fca.pem%27%7D").unwrap();
        assert_eq!((t.tls, t.port), (AmqpTls::Full, 5671));
        assert_eq!(t.roots, Roots::File("/ca.pem".into()));
        let t = pika("amqp://h/?ssl_options={\"cafile\": \"/ca.pem\"}").unwrap();
        assert_eq!((t.tls, t.port), (AmqpTls::Full, 5672));
        let t = pika("amqps://h/?heartbeat=5").unwrap();
        assert_eq!((t.tls, &t.roots), (AmqpTls::Full, &Roots::System));
        assert_eq!(
            pika("amqp://h/?ssl_options=None").unwrap().tls,
            AmqpTls::Off
        );
        let e = pika("amqps://h/?ssl_options=None").unwrap_err();
        assert_eq!(e.message.id(), "amqp_pika_ssl_options_none");
        for unread in [
            "{}",
            "{'ca_certs': '/a', 'certfile': '/b'}",
            "x",
            "{'verify': '/a'}",
        ] {
            let e = pika(&format!("amqps://h/?ssl_options={unread}")).unwrap_err();
            assert_eq!(e.message.id(), "amqp_pika_ssl_options", "{unread}");
        }
        assert!(pika("pyamqp://h").is_err());
    }

    #[test]
    fn unencoded_characters_are_named() {
        let e = AmqpTarget::parse("amqp://u:p#w@h/").unwrap_err();
        assert_eq!(e.code, crate::model::Code::InvalidUrl);
        assert!(AmqpTarget::parse("amqp://").is_err());
    }
}
