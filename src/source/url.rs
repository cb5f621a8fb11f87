//! A tolerant pre-parser for service URLs, shared by PostgreSQL and Redis.
//!
//! It runs before anything is dialed and names the exact problem in a value:
//! quotes or whitespace around it, an unknown scheme, a missing host, a bad
//! port, and unencoded `@ / ? # %` in the credentials. Those characters end
//! the user-info part early in libpq, WHATWG and Python's `urlsplit`, so the
//! app would connect somewhere else (libpq splits at the first `@`; a password with `#` truncates the URL in WHATWG and Python parsers). The message shows the
//! percent-encoded form of the offending character, never the password.

use percent_encoding::percent_decode_str;

use super::secret::Secret;
use crate::i18n::{Message, msg};
use crate::model::Code;

/// A URL split into parts, credentials decoded and the password wrapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedUrl {
    pub scheme: String,
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub host: String,
    pub port: Option<u16>,
    /// Path without the leading `/`, percent-decoded.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub fragment: Option<String>,
}

/// Why a URL was rejected: a config-step code plus an exact message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlError {
    pub code: Code,
    pub message: Message,
}

impl UrlError {
    fn invalid(message: Message) -> Self {
        Self {
            code: Code::InvalidUrl,
            message,
        }
    }
}

/// Parses `raw` if its scheme is one of `schemes` (lowercase).
pub fn parse(raw: &str, schemes: &[&str]) -> Result<ParsedUrl, UrlError> {
    check_wrapping(raw)?;
    let (scheme, rest) = split_scheme(raw, schemes)?;
    let (userinfo, after_userinfo) = split_userinfo(rest);
    let (after_userinfo, fragment) = split_once_opt(after_userinfo, '#');
    let (user, password) = match userinfo {
        Some(info) => parse_userinfo(info)?,
        None => (None, None),
    };
    let (authority, path_and_query) = split_authority(after_userinfo);
    if authority.is_empty() && userinfo.is_none() {
        return Err(UrlError::invalid(msg::url_socket()));
    }
    let (host, port) = parse_host_port(authority)?;
    let (path, query) = split_once_opt(path_and_query, '?');
    Ok(ParsedUrl {
        scheme,
        user,
        password,
        host,
        port,
        path: decode(path.strip_prefix('/').unwrap_or(path), "path")?,
        query: parse_query(query.unwrap_or(""))?,
        fragment: fragment.map(str::to_string),
    })
}

/// `raw` with the user-info password replaced by `***`, escaping left to
/// the caller. The user-info ends at the last `@` before any `/ ? #`, as
/// WHATWG URL parsing reads it (node-redis, ioredis, mysql2, amqplib) and
/// the shared pre-parser above does; the password starts after its first
/// `:`. An empty password stays as written (there is nothing to hide).
pub(crate) fn without_userinfo_password(raw: &str) -> String {
    let Some(start) = raw.find("://").map(|i| i + 3) else {
        return raw.to_string();
    };
    let rest = &raw[start..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let masked = authority
        .rfind('@')
        .and_then(|at| authority[..at].find(':').map(|colon| (colon, at)))
        .filter(|(colon, at)| at > &(colon + 1));
    match masked {
        Some((colon, at)) => format!("{}***{}", &raw[..=start + colon], &raw[start + at..]),
        None => raw.to_string(),
    }
}

/// Escapes control characters (`\n` → `\\n`, others as `\\u{..}`) so a
/// value shown in a report cannot start a new line or a terminal sequence.
pub(crate) fn escape_controls(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

pub(crate) fn check_wrapping(raw: &str) -> Result<(), UrlError> {
    if raw.is_empty() {
        return Err(UrlError::invalid(msg::url_empty()));
    }
    if raw.trim() != raw {
        return Err(UrlError::invalid(msg::url_whitespace()));
    }
    let quoted = |q: char| raw.len() >= 2 && raw.starts_with(q) && raw.ends_with(q);
    if quoted('"') || quoted('\'') {
        return Err(UrlError::invalid(msg::url_quoted()));
    }
    if raw.contains("${{") {
        return Err(UrlError::invalid(msg::url_unresolved_reference()));
    }
    Ok(())
}

fn split_scheme<'a>(raw: &'a str, schemes: &[&str]) -> Result<(String, &'a str), UrlError> {
    let Some((scheme, rest)) = raw.split_once("://") else {
        return Err(UrlError::invalid(url_no_scheme(schemes)));
    };
    let lower = scheme.to_ascii_lowercase();
    if !schemes.contains(&lower.as_str()) {
        return Err(UrlError {
            code: Code::UnsupportedScheme,
            message: url_bad_scheme(&printable(scheme), schemes),
        });
    }
    Ok((lower, rest))
}

/// Keeps a user-supplied fragment short and free of control characters
/// before it is echoed in a message.
pub(crate) fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(40).collect()
}

fn split_once_opt(text: &str, sep: char) -> (&str, Option<&str>) {
    match text.split_once(sep) {
        Some((a, b)) => (a, Some(b)),
        None => (text, None),
    }
}

/// The user-info ends at the *last* `@` that is not inside a query value
/// (`?application_name=a@b`). Taking the last one (rather than the first,
/// as libpq does) lets us see an unencoded `@`, `/`, `?` or `#` in a
/// password and say so, instead of dialing a host named `ss@db.example`.
fn split_userinfo(rest: &str) -> (Option<&str>, &str) {
    let at = rest
        .match_indices('@')
        .rev()
        .map(|(i, _)| i)
        .find(|&i| !inside_query(&rest[..i]));
    match at {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    }
}

fn inside_query(before_at: &str) -> bool {
    before_at
        .split_once('?')
        .is_some_and(|(_, query)| query.contains('='))
}

fn parse_userinfo(info: &str) -> Result<(Option<String>, Option<Secret>), UrlError> {
    let (user, password) = split_once_opt(info, ':');
    check_credential_chars(user, "user name")?;
    if let Some(password) = password {
        check_credential_chars(password, "password")?;
    }
    let user = decode(user, "user name")?;
    let password = password
        .map(decode_secret)
        .transpose()?
        .filter(|p| !p.expose().is_empty());
    Ok(((!user.is_empty()).then_some(user), password))
}

fn check_credential_chars(part: &str, what: &str) -> Result<(), UrlError> {
    for special in ['@', '/', '?', '#'] {
        if part.contains(special) {
            return Err(UrlError::invalid(url_unencoded_char(what, special)));
        }
    }
    if has_bad_percent(part) {
        return Err(UrlError::invalid(url_unencoded_char(what, '%')));
    }
    Ok(())
}

/// A `%` not followed by two hex digits is a literal percent sign that the
/// app's URL parser would misread or reject.
fn has_bad_percent(part: &str) -> bool {
    let bytes = part.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

/// Percent-decodes one part. `%00` is refused, as libpq does ("forbidden
/// value %00"): no driver can pass a NUL byte on.
fn decode(text: &str, what: &str) -> Result<String, UrlError> {
    let decoded = percent_decode_str(text)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| UrlError::invalid(url_not_utf8(what)))?;
    if decoded.contains('\0') {
        return Err(UrlError::invalid(url_nul(what)));
    }
    Ok(decoded)
}

fn decode_secret(text: &str) -> Result<Secret, UrlError> {
    decode(text, "password").map(Secret::new)
}

fn split_authority(rest: &str) -> (&str, &str) {
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    (&rest[..end], &rest[end..])
}

fn parse_host_port(authority: &str) -> Result<(String, Option<u16>), UrlError> {
    let (host, port) = split_host_port(authority)?;
    if host.is_empty() {
        return Err(UrlError::invalid(msg::url_no_host()));
    }
    if host.contains(',') {
        return Err(UrlError::invalid(msg::url_many_hosts()));
    }
    if host
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || "@/?#".contains(c))
    {
        return Err(UrlError::invalid(msg::url_bad_host_chars()));
    }
    let port = port.map(parse_port).transpose()?;
    Ok((decode(host, "host")?, port))
}

fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), UrlError> {
    if let Some(inner) = authority.strip_prefix('[') {
        let Some((host, after)) = inner.split_once(']') else {
            return Err(UrlError::invalid(msg::url_bad_ipv6()));
        };
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err(UrlError::invalid(msg::url_bad_ipv6())),
            },
        };
    }
    Ok(split_once_opt(authority, ':'))
}

fn parse_port(text: &str) -> Result<u16, UrlError> {
    if text.is_empty() {
        return Err(UrlError::invalid(msg::url_empty_port()));
    }
    // Only digits are echoed: text that is not a number may be a password
    // (`redis://default:PASSWORD` with the host missing).
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UrlError::invalid(msg::url_port_not_number()));
    }
    match text.parse::<u32>() {
        Ok(port @ 1..=65535) => Ok(u16::try_from(port).unwrap_or(u16::MAX)),
        _ => Err(UrlError::invalid(msg::url_port_range(&printable(text)))),
    }
}

fn parse_query(query: &str) -> Result<Vec<(String, String)>, UrlError> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = split_once_opt(pair, '=');
            Ok((decode(key, "query")?, decode(value.unwrap_or(""), "query")?))
        })
        .collect()
}

pub(crate) fn url_no_scheme(schemes: &[&str]) -> Message {
    msg::url_no_scheme(scheme_list(schemes))
}

pub(crate) fn url_bad_scheme(scheme: &str, schemes: &[&str]) -> Message {
    msg::url_bad_scheme(scheme, scheme_list(schemes))
}

fn scheme_list(schemes: &[&str]) -> crate::i18n::Arg {
    msg::any_of(schemes.iter().map(|s| format!("{s}://")))
}

/// `part` names a URL part for the catalogs: user, password, host, path
/// or query.
pub(crate) fn part_key(part: &str) -> &'static str {
    match part {
        "user name" | "user" => "user",
        "password" => "password",
        "host" => "host",
        "port" => "port",
        "database name" => "dbname",
        "name of a query parameter" => "query_key",
        "value of a query parameter" => "query_value",
        "value of a secret query parameter" => "query_secret",
        "path" => "path",
        _ => "query",
    }
}

pub(crate) fn url_unencoded_char(part: &str, special: char) -> Message {
    let encoded = format!("%{:02X}", special as u32);
    msg::url_unencoded_char(part_key(part), special, encoded)
}

pub(crate) fn url_not_utf8(part: &str) -> Message {
    msg::url_not_utf8(part_key(part))
}

pub(crate) fn url_nul(part: &str) -> Message {
    msg::url_nul(part_key(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PG: &[&str] = &["postgres", "postgresql"];

    fn err(raw: &str) -> UrlError {
        parse(raw, PG).unwrap_err()
    }

    #[test]
    fn parses_a_full_url() {
        let u = parse(
            "postgresql://app:p%40ss@db.example:6543/appdb?sslmode=require",
            PG,
        )
        .unwrap();
        assert_eq!(u.user.as_deref(), Some("app"));
        assert_eq!(u.password.as_ref().unwrap().expose(), "p@ss");
        assert_eq!((u.host.as_str(), u.port), ("db.example", Some(6543)));
        assert_eq!(u.path, "appdb");
        assert_eq!(u.query, vec![("sslmode".into(), "require".into())]);
    }

    #[test]
    fn ipv6_literals_lose_their_brackets() {
        let u = parse("postgres://u@[::1]:5432/db", PG).unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", Some(5432)));
    }

    #[test]
    fn unencoded_specials_are_named_with_their_encoding() {
        for (raw, shown) in [
            ("postgresql://app:zq@xj@db:5432/x", "%40"),
            ("postgresql://app:zq/xj@db:5432/x", "%2F"),
            ("postgresql://app:zq?xj@db:5432/x", "%3F"),
            ("postgresql://app:zq#xj@db:5432/x", "%23"),
            ("postgresql://app:zq%xj@db:5432/x", "%25"),
        ] {
            let e = err(raw);
            assert_eq!(e.code, Code::InvalidUrl, "{raw}");
            assert!(e.message.contains(shown), "{raw}: {}", e.message);
            assert!(e.message.contains("password"), "{raw}: {}", e.message);
            assert!(!e.message.contains("zq"), "leaks: {}", e.message);
        }
    }

    #[test]
    fn wrapping_scheme_host_and_port_problems() {
        assert!(err("\"postgresql://a@b/c\"").message.contains("quotes"));
        assert!(err("postgresql://a@b/c\n").message.contains("whitespace"));
        assert_eq!(err("mysql://a@b/c").code, Code::UnsupportedScheme);
        assert!(err("db.example:5432").message.contains("should start with"));
        assert!(err("postgresql://u:p@:5432/db").message.contains("host"));
        assert!(err("postgresql://u:p@db:/db").message.contains("port"));
        assert!(
            err("postgresql://u:p@db:99999/db")
                .message
                .contains("99999")
        );
        assert!(
            err("postgresql://u:p@db:abc/db")
                .message
                .contains("not a number")
        );
        assert!(!err("redis://default:hunter2").message.contains("hunter2"));
        assert!(
            err("postgresql://u:p@${{Postgres.PGHOST}}:5432/db")
                .message
                .contains("reference")
        );
    }

    #[test]
    fn an_at_sign_in_a_query_value_does_not_end_the_credentials() {
        let u = parse("postgresql://app:pw@127.0.0.1/db?application_name=x@y", PG).unwrap();
        assert_eq!(
            (u.host.as_str(), u.user.as_deref()),
            ("127.0.0.1", Some("app"))
        );
        assert_eq!(u.query, vec![("application_name".into(), "x@y".into())]);
        let e = err("postgresql://app:hunter2@127.0.0.1:5x/db?application_name=x@y");
        assert!(!e.message.contains("hunter2"), "{}", e.message);
    }

    #[test]
    fn paths_nul_and_socket_urls_follow_libpq() {
        assert_eq!(parse("postgresql://u@h//db", PG).unwrap().path, "/db");
        assert!(err("postgresql://post%00gres@h/db").message.contains("%00"));
        assert!(err("postgresql:///db").message.contains("socket"));
    }
}

#[cfg(test)]
mod properties {
    //! Whatever the input, the pre-parser returns a value or an error —
    //! never a panic — and neither its output nor its error ever contains
    //! the password.

    use std::fmt::Write as _;

    use proptest::prelude::*;

    use super::*;
    use crate::service::postgres::url::PgTarget;
    use crate::service::redis::url::RedisTarget;

    const SCHEMES: &[&str] = &["postgresql", "postgres", "redis", "rediss"];

    proptest! {
        #[test]
        fn never_panics(raw in "\\PC{0,80}") {
            let _ = parse(&raw, SCHEMES);
        }

        #[test]
        fn never_panics_on_url_shaped_input(
            scheme in "(postgresql|redis|rediss|http|)",
            user in "[a-z@:/?#%]{0,8}",
            host in "[a-z0-9.:\\[\\]@,]{0,16}",
            rest in "[/?#=&a-z0-9%@]{0,16}",
        ) {
            let _ = parse(&format!("{scheme}://{user}@{host}{rest}"), SCHEMES);
        }

        #[test]
        fn the_password_never_shows(password in "[A-Za-z0-9!$&'()*+,;=@:/?#%~-]{6,24}") {
            let marker = format!("Zx{password}");
            for raw in [
                format!("postgresql://app:{marker}@db.example:5432/app"),
                format!("postgresql://app:{marker}@db.example/app?application_name=a@b"),
                format!("redis://default:{marker}"),
                format!("redis://default:{marker}/0?x=a@b"),
            ] {
                if let Err(error) = parse(&raw, SCHEMES) {
                    prop_assert!(!error.message.contains(&marker), "{}", error.message);
                }
            }
        }

        /// What reports show of a URL does not depend on its password at
        /// all (so it cannot reveal any of it): the PostgreSQL and Redis
        /// targets' redacted forms, for any password, percent-encoded.
        #[test]
        fn redaction_ignores_the_password(
            first in "\\PC{1,16}",
            second in "\\PC{1,16}",
            rest in "[a-z0-9.]{1,12}(:[0-9]{1,5})?(/[a-z0-9]{0,8})?(\\?[a-z_]{1,8}=[a-z0-9]{0,6})?",
        ) {
            let url = |scheme: &str, password: &str| {
                let encoded = password.bytes().fold(String::new(), |mut out, b| {
                    let _ = write!(out, "%{b:02X}");
                    out
                });
                format!("{scheme}://app:{encoded}@{rest}")
            };
            let pg = |raw: String| PgTarget::parse(&raw).map(|t| t.redacted).ok();
            prop_assert_eq!(pg(url("postgresql", &first)), pg(url("postgresql", &second)));
            let redis = |raw: String| RedisTarget::parse(&raw).map(|t| t.redacted).ok();
            prop_assert_eq!(redis(url("redis", &first)), redis(url("redis", &second)));
        }
    }
}
