//! libpq's connection-URI grammar, step for step as `PQconninfoParse` reads
//! it (PostgreSQL 15, `fe-connect.c`, `conninfo_uri_parse_options`; the
//! docs' "Connection URIs" section). The result is libpq's keyword/value
//! list; what those values mean is `postgres.rs`'s business.
//!
//! Being literal matters because the app's libpq is the reference: the
//! credentials end at the first `@` seen before any `/` (so `?` and `#`
//! are ordinary characters to libpq), hosts and ports are cut at `: / ? ,`,
//! every part is percent-decoded with `%00` and broken escapes refused,
//! each query pair needs exactly one `=`, and unknown keywords are errors.
//! `tests/libpq_uri.rs` runs the same URLs through libpq itself.

use std::ops::Range;

use percent_encoding::percent_decode;

use crate::i18n::{Message, msg};
use crate::source::url::printable;

/// The URI prefixes libpq recognises, case-sensitively.
pub(crate) const PREFIXES: &[&str] = &["postgresql://", "postgres://"];

/// Every keyword libpq 15 knows (`PQconndefaults()`).
pub const LIBPQ_15_KEYWORDS: &[&str] = &[
    "service",
    "user",
    "password",
    "passfile",
    "channel_binding",
    "connect_timeout",
    "dbname",
    "host",
    "hostaddr",
    "port",
    "client_encoding",
    "options",
    "application_name",
    "fallback_application_name",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "sslmode",
    "sslcompression",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "requirepeer",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "gssencmode",
    "krbsrvname",
    "gsslib",
    "replication",
    "target_session_attrs",
];

/// Keywords of newer libpq releases that railconn accepts too (an app's
/// driver may bundle libpq 16 or 17: psycopg's binary wheels do). A libpq
/// 15 refuses them; docs/urls-and-tls.md lists this difference.
pub const NEWER_KEYWORDS: &[&str] = &[
    "require_auth",
    "sslcertmode",
    "load_balance_hosts",
    "sslnegotiation",
];

/// Keywords whose values are secrets.
const SECRET_KEYWORDS: &[&str] = &["password", "sslpassword"];

/// A parsed URI: libpq's options, in the order first set. A later setting
/// of the same keyword replaces the value, as `conninfo_storeval` does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Conninfo {
    pub options: Vec<(String, String)>,
    /// Byte ranges of the URI holding secrets (the password and the values
    /// of `password=` / `sslpassword=`), for showing the URI as given.
    pub secret_spans: Vec<Range<usize>>,
    /// Characters libpq reads literally that other URL parsers treat as
    /// delimiters (`?` or `#` in the credentials, `#` anywhere).
    pub portability: Vec<Portability>,
}

/// Something libpq accepts that other URL parsers read differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Portability {
    /// An unencoded character in the user name or password.
    Credential { password: bool, special: char },
    /// A `#` outside the credentials.
    Hash,
    /// An unencoded space in the password: libpq 17 reads it, libpq 18
    /// (`conninfo_uri_decode`: "unexpected spaces found") refuses it, and
    /// psycopg 3.3.9's wheels bundle libpq 18.
    Space,
}

/// Why libpq refuses a URI. Values are never carried: they may be secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UriError {
    /// Not `postgresql://` or `postgres://` (case-sensitive).
    Prefix,
    /// `[` without `]`.
    Ipv6Unterminated,
    /// `[]`.
    Ipv6Empty,
    /// Something other than `:`, `/`, `?` or `,` after `]`; 1-based position.
    AfterIpv6 { position: usize },
    /// A query pair without `=`; which pair, counting from 1.
    MissingEquals { pair: usize },
    /// A query pair with a second `=`.
    ExtraEquals { keyword: String },
    /// `%` not followed by two hex digits.
    BadPercent { part: Part },
    /// `%00`.
    Nul { part: Part },
    /// Bytes that are not UTF-8 after decoding (libpq passes them on;
    /// railconn's drivers need text).
    NotUtf8 { part: Part },
    /// A keyword libpq does not know.
    UnknownKeyword { keyword: String },
}

/// Which part of the URI an error is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    User,
    Password,
    Host,
    Port,
    Dbname,
    QueryKey,
    QueryValue { secret: bool },
}

impl Part {
    /// The part's name in messages.
    fn name(self) -> &'static str {
        match self {
            Part::User => "user name",
            Part::Password => "password",
            Part::Host => "host",
            Part::Port => "port",
            Part::Dbname => "database name",
            Part::QueryKey => "name of a query parameter",
            Part::QueryValue { secret: true } => "value of a secret query parameter",
            Part::QueryValue { secret: false } => "value of a query parameter",
        }
    }
}

impl UriError {
    /// libpq's reason, in plain words; never a value, only names.
    pub(crate) fn message(&self) -> Message {
        match self {
            UriError::Prefix => msg::pg_uri_prefix(),
            UriError::Ipv6Unterminated => msg::pg_uri_ipv6_unterminated(),
            UriError::Ipv6Empty => msg::pg_uri_ipv6_empty(),
            UriError::AfterIpv6 { position } => msg::pg_uri_after_ipv6(*position),
            UriError::MissingEquals { pair } => msg::pg_uri_missing_equals(*pair),
            UriError::ExtraEquals { keyword } => msg::pg_uri_extra_equals(&printable(keyword)),
            UriError::BadPercent { part } => pg_uri_bad_percent(part.name()),
            UriError::Nul { part } => crate::source::url::url_nul(part.name()),
            UriError::NotUtf8 { part } => crate::source::url::url_not_utf8(part.name()),
            UriError::UnknownKeyword { keyword } => msg::pg_param_unknown(&printable(keyword)),
        }
    }
}

impl Portability {
    /// The finding's message.
    pub fn message(self) -> Message {
        match self {
            Portability::Credential { password, special } => pg_portability_credential(
                if password { "password" } else { "user name" },
                special,
                &format!("%{:02X}", special as u32),
            ),
            Portability::Hash => msg::pg_portability_hash(),
            Portability::Space => msg::pg_portability_space(),
        }
    }
}

impl Conninfo {
    /// The value libpq holds for `keyword`, if the URI set it.
    pub(crate) fn get(&self, keyword: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k == keyword)
            .map(|(_, v)| v.as_str())
    }

    fn store(&mut self, keyword: &str, value: String) {
        match self.options.iter_mut().find(|(k, _)| k == keyword) {
            Some(slot) => slot.1 = value,
            None => self.options.push((keyword.to_string(), value)),
        }
    }
}

/// Parses `raw` as libpq parses a connection URI.
pub(crate) fn parse(raw: &str) -> Result<Conninfo, UriError> {
    let prefix = PREFIXES
        .iter()
        .find(|p| raw.starts_with(*p))
        .ok_or(UriError::Prefix)?;
    let mut out = Conninfo::default();
    let mut at = prefix.len();
    at = parse_credentials(raw, at, &mut out)?;
    let (after_hosts, terminator) = parse_hosts(raw, at, &mut out)?;
    at = after_hosts;
    let mut terminator = terminator;
    if terminator == Some('/') {
        let start = at + 1;
        let end = raw[start..].find('?').map_or(raw.len(), |i| start + i);
        let dbname = decode(&raw[start..end], Part::Dbname)?;
        // An empty dbname is not stored: libpq would then use the user name
        // instead of $PGDATABASE.
        if !dbname.is_empty() {
            out.store("dbname", dbname);
        }
        at = end;
        terminator = raw[end..].chars().next();
    }
    if terminator == Some('?') {
        parse_params(raw, at + 1, &mut out)?;
    }
    let hash_in_credentials = out
        .portability
        .iter()
        .any(|p| matches!(p, Portability::Credential { special: '#', .. }));
    if raw[prefix.len()..].contains('#') && !hash_in_credentials {
        out.portability.push(Portability::Hash);
    }
    Ok(out)
}

/// `user[:password]@`, if an `@` comes before any `/`. Returns where the
/// host part starts.
fn parse_credentials(raw: &str, start: usize, out: &mut Conninfo) -> Result<usize, UriError> {
    let rest = &raw[start..];
    let Some(at_sign) = rest
        .find(['@', '/'])
        .filter(|&i| rest.as_bytes()[i] == b'@')
    else {
        return Ok(start);
    };
    let credentials = &rest[..at_sign];
    let (user, password) = match credentials.split_once(':') {
        Some((user, password)) => (user, Some(password)),
        None => (credentials, None),
    };
    note_portability(user, false, out);
    let user = decode(user, Part::User)?;
    if !user.is_empty() {
        out.store("user", user);
    }
    if let Some(password) = password {
        note_portability(password, true, out);
        if password.contains(' ') {
            out.portability.push(Portability::Space);
        }
        let begin = start + credentials.len() - password.len();
        let decoded = decode(password, Part::Password)?;
        if !decoded.is_empty() {
            out.secret_spans.push(begin..begin + password.len());
            out.store("password", decoded);
        }
    }
    Ok(start + at_sign + 1)
}

/// `?` and `#` end the credentials in WHATWG URL (node-postgres), Python's
/// `urlsplit` (asyncpg, SQLAlchemy) and the `url` crate; libpq does not care.
fn note_portability(text: &str, password: bool, out: &mut Conninfo) {
    for special in ['?', '#'] {
        if text.contains(special) {
            out.portability
                .push(Portability::Credential { password, special });
        }
    }
}

/// The host list: `host[:port]` pairs separated by commas, IPv6 literals in
/// brackets. Returns the position of the terminator and the terminator.
fn parse_hosts(
    raw: &str,
    mut at: usize,
    out: &mut Conninfo,
) -> Result<(usize, Option<char>), UriError> {
    let bytes = raw.as_bytes();
    let mut hosts = String::new();
    let mut ports = String::new();
    loop {
        let host_end;
        if bytes.get(at) == Some(&b'[') {
            let inner = at + 1;
            let close = raw[inner..]
                .find(']')
                .map(|i| inner + i)
                .ok_or(UriError::Ipv6Unterminated)?;
            if close == inner {
                return Err(UriError::Ipv6Empty);
            }
            hosts.push_str(&raw[inner..close]);
            at = close + 1;
            if bytes.get(at).is_some_and(|b| !b":/?,".contains(b)) {
                return Err(UriError::AfterIpv6 { position: at + 1 });
            }
            host_end = at;
        } else {
            host_end = find_from(raw, at, ":/?,");
            hosts.push_str(&raw[at..host_end]);
        }
        at = host_end;
        if bytes.get(at) == Some(&b':') {
            let port_end = find_from(raw, at + 1, "/?,");
            ports.push_str(&raw[at + 1..port_end]);
            at = port_end;
        }
        if bytes.get(at) != Some(&b',') {
            break;
        }
        at += 1;
        hosts.push(',');
        ports.push(',');
    }
    if !hosts.is_empty() {
        out.store("host", decode(&hosts, Part::Host)?);
    }
    if !ports.is_empty() {
        out.store("port", decode(&ports, Part::Port)?);
    }
    Ok((at, raw[at..].chars().next()))
}

fn find_from(raw: &str, start: usize, stops: &str) -> usize {
    raw[start..]
        .find(|c| stops.contains(c))
        .map_or(raw.len(), |i| start + i)
}

/// `key=value&…`: every pair needs exactly one `=`; an empty pair (`&&`)
/// is a pair without `=`. A trailing `&` ends the list.
fn parse_params(raw: &str, start: usize, out: &mut Conninfo) -> Result<(), UriError> {
    let mut at = start;
    let mut pair_number = 0;
    while at < raw.len() {
        pair_number += 1;
        let end = find_from(raw, at, "&");
        let pair = &raw[at..end];
        let Some((key, value)) = pair.split_once('=') else {
            return Err(UriError::MissingEquals { pair: pair_number });
        };
        let keyword = decode(key, Part::QueryKey)?;
        if value.contains('=') {
            return Err(UriError::ExtraEquals { keyword });
        }
        let secret = SECRET_KEYWORDS.contains(&keyword.as_str());
        let value_start = at + key.len() + 1;
        let decoded = decode(value, Part::QueryValue { secret })?;
        store_param(keyword, decoded, out)?;
        if secret && !value.is_empty() {
            out.secret_spans.push(value_start..end);
        }
        at = if end < raw.len() { end + 1 } else { end };
    }
    Ok(())
}

/// libpq's special cases: `ssl=true` is JDBC's `sslmode=require`, and the
/// old `requiressl` becomes `sslmode` (`1…` = require, else prefer).
fn store_param(keyword: String, value: String, out: &mut Conninfo) -> Result<(), UriError> {
    if keyword == "ssl" && value == "true" {
        out.store("sslmode", "require".into());
        return Ok(());
    }
    if keyword == "requiressl" {
        let mode = if value.starts_with('1') {
            "require"
        } else {
            "prefer"
        };
        out.store("sslmode", mode.into());
        return Ok(());
    }
    if !is_known_keyword(&keyword) {
        return Err(UriError::UnknownKeyword { keyword });
    }
    out.store(&keyword, value);
    Ok(())
}

/// Whether a query key, as written, names a secret: decoded as libpq
/// decodes it, and compared without case (a name libpq would refuse must
/// not show its value either).
pub(crate) fn is_secret_key(raw_key: &str) -> bool {
    let key = percent_decode(raw_key.as_bytes()).decode_utf8_lossy();
    SECRET_KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(&key))
}

pub(crate) fn is_known_keyword(keyword: &str) -> bool {
    LIBPQ_15_KEYWORDS.contains(&keyword) || NEWER_KEYWORDS.contains(&keyword)
}

/// libpq's `conninfo_uri_decode`: `%XX` with two hex digits, never `%00`.
fn decode(text: &str, part: Part) -> Result<String, UriError> {
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'%' {
            continue;
        }
        let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
        if !(hex(i + 1) && hex(i + 2)) {
            return Err(UriError::BadPercent { part });
        }
        if &bytes[i + 1..i + 3] == b"00" {
            return Err(UriError::Nul { part });
        }
    }
    percent_decode(bytes)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| UriError::NotUtf8 { part })
}

pub(crate) fn pg_uri_bad_percent(part: &str) -> Message {
    msg::pg_uri_bad_percent(crate::source::url::part_key(part))
}

pub(crate) fn pg_portability_credential(part: &str, special: char, encoded: &str) -> Message {
    msg::pg_portability_credential(
        crate::source::url::part_key(part),
        special,
        encoded.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(raw: &str) -> Vec<(String, String)> {
        parse(raw).unwrap().options
    }

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn the_credentials_end_at_the_first_at_sign_before_a_slash() {
        assert_eq!(
            options("postgresql://u:p?x#y@h/db"),
            kv(&[
                ("user", "u"),
                ("password", "p?x#y"),
                ("host", "h"),
                ("dbname", "db")
            ])
        );
        // The second `@` belongs to the host, as libpq reads it.
        assert_eq!(
            options("postgresql://u:a@b@h"),
            kv(&[("user", "u"), ("password", "a"), ("host", "b@h")])
        );
        // A `/` first: no credentials at all.
        assert_eq!(
            options("postgresql://u:p/x@h"),
            kv(&[("host", "u"), ("port", "p"), ("dbname", "x@h")])
        );
    }

    #[test]
    fn hosts_ports_and_the_database() {
        assert_eq!(options("postgres://host:/"), kv(&[("host", "host")]));
        assert_eq!(
            options("postgresql://h1:1,[::1]:2/db"),
            kv(&[("host", "h1,::1"), ("port", "1,2"), ("dbname", "db")])
        );
        assert_eq!(
            options("postgres://%2Fvar%2Flib%2Fpostgresql/dbname"),
            kv(&[("host", "/var/lib/postgresql"), ("dbname", "dbname")])
        );
        assert_eq!(
            options("postgres://h/d#x"),
            kv(&[("host", "h"), ("dbname", "d#x")])
        );
        assert_eq!(
            parse("postgres://[::1").unwrap_err(),
            UriError::Ipv6Unterminated
        );
        assert_eq!(parse("postgres://[]").unwrap_err(), UriError::Ipv6Empty);
        assert_eq!(
            parse("postgres://[::1]z").unwrap_err(),
            UriError::AfterIpv6 { position: 17 }
        );
    }

    #[test]
    fn query_pairs_follow_libpq() {
        assert_eq!(
            parse("postgresql://host?zzz").unwrap_err(),
            UriError::MissingEquals { pair: 1 }
        );
        assert_eq!(
            parse("postgresql://host?user=b&&dbname=d").unwrap_err(),
            UriError::MissingEquals { pair: 2 }
        );
        assert_eq!(
            parse("postgresql://host?key=key=value").unwrap_err(),
            UriError::ExtraEquals {
                keyword: "key".into()
            }
        );
        assert_eq!(
            parse("postgresql://host?uzer=").unwrap_err(),
            UriError::UnknownKeyword {
                keyword: "uzer".into()
            }
        );
        assert_eq!(
            options("postgresql://h?u%73er=x&ssl=true&sslmode=disable&"),
            kv(&[("host", "h"), ("user", "x"), ("sslmode", "disable")])
        );
        assert_eq!(options("postgresql://host?"), kv(&[("host", "host")]));
    }

    #[test]
    fn percent_escapes_are_checked_everywhere() {
        for (raw, part) in [
            ("postgresql://%zz", Part::Host),
            ("postgresql://%1", Part::Host),
            ("postgresql://%", Part::Host),
            (
                "postgres://host?dbname=%XXfoo",
                Part::QueryValue { secret: false },
            ),
            (
                "postgres://h?application_name=%zz",
                Part::QueryValue { secret: false },
            ),
            ("postgres://u:p%zz@h", Part::Password),
            ("postgres://h/d%", Part::Dbname),
        ] {
            assert_eq!(
                parse(raw).unwrap_err(),
                UriError::BadPercent { part },
                "{raw}"
            );
        }
        assert_eq!(
            parse("postgresql://a%00b").unwrap_err(),
            UriError::Nul { part: Part::Host }
        );
    }

    #[test]
    fn secrets_are_located_for_masking() {
        let raw = "postgresql://u:hunter2@h/d?password=x%41y&sslpassword=&application_name=a";
        let parsed = parse(raw).unwrap();
        let shown: Vec<&str> = parsed
            .secret_spans
            .iter()
            .map(|r| &raw[r.clone()])
            .collect();
        assert_eq!(shown, ["hunter2", "x%41y"]);
    }
}
