//! Every user-facing word in one place: causes and fixes keyed by check and
//! code, step details, finding messages and report labels. Nothing else in
//! the crate writes prose, so a translation (a Russian report is planned)
//! replaces this module and nothing more.
//!
//! Messages never contain a secret: callers pass only names, hosts, codes,
//! lengths and server replies.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use crate::model::{Code, Status, Tip};

// ---- URL validation -------------------------------------------------------

pub fn url_empty() -> String {
    "the value is empty".into()
}

pub fn url_whitespace() -> String {
    "the value has leading or trailing whitespace (a space, tab or newline, often from copy-paste or a Windows .env); remove it".into()
}

pub fn url_quoted() -> String {
    "the value is wrapped in quotes, which become part of the URL; remove them".into()
}

pub fn url_unresolved_reference() -> String {
    "the value contains an unresolved Railway reference `${{…}}`: it is only filled in on Railway (or by `railway run`); paste the resolved URL or run through `railway run`".into()
}

pub fn url_no_scheme(schemes: &[&str]) -> String {
    format!(
        "the value is not a URL: it should start with {}",
        scheme_list(schemes)
    )
}

pub fn url_bad_scheme(scheme: &str, schemes: &[&str]) -> String {
    format!(
        "scheme `{scheme}://` is not supported here: use {}",
        scheme_list(schemes)
    )
}

fn scheme_list(schemes: &[&str]) -> String {
    schemes
        .iter()
        .map(|s| format!("{s}://"))
        .collect::<Vec<_>>()
        .join(" or ")
}

pub fn url_unencoded_char(part: &str, special: char) -> String {
    let encoded = format!("%{:02X}", special as u32);
    format!(
        "the {part} contains an unencoded `{special}`, which ends that part of the URL early; write it as `{encoded}` (percent-encode every special character in credentials)"
    )
}

pub fn url_not_utf8(part: &str) -> String {
    format!("the {part} is not valid UTF-8 after percent-decoding")
}

pub fn url_no_host() -> String {
    "the URL has no host (`@:port` or `@/`): a Railway reference variable probably resolved to nothing; re-create the reference to the service".into()
}

pub fn url_bad_host_chars() -> String {
    "the host contains spaces, control characters or one of @ / ? # (a stray newline, or an unencoded special character in the credentials?)".into()
}

pub fn url_many_hosts() -> String {
    "the URL lists several hosts; railconn checks one host per URL: pass each host's URL separately"
        .into()
}

pub fn url_bad_ipv6() -> String {
    "the IPv6 address is malformed: write it in brackets, e.g. `[::1]:5432`".into()
}

pub fn url_empty_port() -> String {
    "the port after `:` is empty: a reference variable probably resolved to nothing".into()
}

pub fn url_port_range(port: &str) -> String {
    format!("port `{port}` is out of range (1-65535)")
}

pub fn url_port_not_number() -> String {
    "the port is not a number (not shown: with the host missing, `user:PASSWORD` reads as `host:port`; an unencoded `/` or `?` in the password also splits the URL there)".into()
}

pub fn url_nul(part: &str) -> String {
    format!(
        "the {part} contains %00, which libpq refuses (forbidden value %00 in percent-encoded value)"
    )
}

pub fn url_socket() -> String {
    "the URL has no host: it names a Unix socket (postgresql:///db), which railconn does not check; give the TCP host and port the app will use".into()
}

pub fn pg_env_defaults(vars: &[&str]) -> String {
    format!(
        "the URL leaves parts out; {} filled them in, as libpq and node-postgres do (an app that only reads the URL will not have them)",
        vars.join(", ")
    )
}

pub fn pg_bad_param_value(key: &str) -> String {
    format!(
        "parameter `{key}` has a value libpq refuses (see the libpq connection parameter docs for the allowed values)"
    )
}

pub fn pg_bad_env_sslmode() -> String {
    "PGSSLMODE is not a valid sslmode (libpq refuses it): use disable, allow, prefer, require, verify-ca or verify-full".into()
}

pub fn pg_fragment() -> String {
    "the URL contains `#`: libpq makes it part of the database name, other parsers cut the URL there; if it is part of the password, write it as %23".into()
}

pub fn pg_scheme_case() -> String {
    "the scheme must be lowercase: libpq only recognises postgresql:// and postgres://".into()
}

pub fn pg_param_unsupported(key: &str) -> String {
    format!(
        "parameter `{key}` makes libpq read a file railconn does not read (refused by design): put the host, port, user and password in the URL itself"
    )
}

pub fn pg_socket_refused() -> String {
    "the URL names a Unix socket (no host, a `/path` host or `%2F…`): railconn checks TCP connections only (refused by design); give the host and port the app will use over the network".into()
}

pub fn pg_no_host() -> String {
    "the URL has no host before the port (`@:5432`): a Railway reference variable probably resolved to nothing; re-create the reference to the service (without a host libpq would use a Unix socket, which railconn does not check)".into()
}

pub fn pg_many_ports() -> String {
    "the URL lists several ports: railconn checks one host and one port per URL (refused by design); pass each host's URL separately".into()
}

pub fn pg_bad_hostaddr() -> String {
    "`hostaddr` is not an IP address (libpq: could not parse network address); put a name in `host` instead".into()
}

pub fn pg_uri_prefix() -> String {
    "the URL must start with postgresql:// or postgres://".into()
}

pub fn pg_uri_ipv6_unterminated() -> String {
    "the IPv6 address has no closing `]` (libpq refuses the URL)".into()
}

pub fn pg_uri_ipv6_empty() -> String {
    "the IPv6 address between `[` and `]` is empty (libpq refuses the URL)".into()
}

pub fn pg_uri_after_ipv6(position: usize) -> String {
    format!(
        "unexpected character at position {position}, after the IPv6 address: libpq expects `:`, `/`, `?` or `,` there"
    )
}

pub fn pg_uri_missing_equals(pair: usize) -> String {
    format!(
        "query parameter {pair} has no `=` (libpq: missing key/value separator); write it as `name=value`"
    )
}

pub fn pg_uri_extra_equals(keyword: &str) -> String {
    format!(
        "query parameter `{keyword}` has a second `=` in its value (libpq: extra key/value separator); write `=` inside a value as `%3D`"
    )
}

pub fn pg_uri_bad_percent(part: &str) -> String {
    format!(
        "the {part} contains a `%` not followed by two hex digits (libpq: invalid percent-encoded token); write a literal `%` as `%25`"
    )
}

pub fn pg_portability_credential(part: &str, special: char, encoded: &str) -> String {
    format!(
        "the {part} contains an unencoded `{special}`: libpq reads it, but node-postgres, asyncpg, SQLAlchemy and other URL parsers end the URL part there; write it as `{encoded}`"
    )
}

pub fn pg_portability_hash() -> String {
    "the URL contains `#`: libpq reads it as part of the value, other URL parsers cut the URL there; write it as `%23`".into()
}

pub fn pg_param_unknown(key: &str) -> String {
    format!(
        "libpq rejects the unknown parameter `{key}` (`invalid URI query parameter`); ORM-only options such as Prisma's `schema` or `pgbouncer` must be removed for other clients"
    )
}

pub fn pg_bad_sslmode(value: &str) -> String {
    format!(
        "sslmode `{value}` is not valid: use disable, allow, prefer, require, verify-ca or verify-full"
    )
}

pub fn pg_bad_channel_binding(value: &str) -> String {
    format!("channel_binding `{value}` is not valid: use disable, prefer or require")
}

pub fn pg_system_root_needs_verify_full(mode: &str) -> String {
    format!(
        "sslrootcert=system requires sslmode=verify-full (libpq refuses sslmode={mode} with it)"
    )
}

pub fn redis_socket_refused() -> String {
    "the URL names a Unix socket: railconn checks TCP connections only (refused by design); give the host and port the app will use over the network".into()
}

pub fn redis_unparsable() -> String {
    "redis-rs cannot parse this URL (WHATWG URL rules): check the host and port, and percent-encode special characters in the credentials".into()
}

pub fn redis_bad_protocol(value: &str) -> String {
    format!(
        "protocol `{value}` is not one redis-rs accepts (`Invalid protocol version`): use resp2 (or 2) or resp3 (or 3)"
    )
}

pub fn redis_wildcard_host() -> String {
    "the host is a wildcard address (0.0.0.0 or ::), which a server listens on but a client cannot connect to (redis-rs refuses it): use the server's real address, e.g. 127.0.0.1".into()
}

pub fn redis_rs_refuses(reason: &str) -> String {
    format!("redis-rs refuses this URL: {reason}")
}

pub fn redis_no_resp3(reply: &str) -> String {
    format!(
        "the server does not speak RESP3 ({reply}): an app with protocol=resp3 cannot connect; use protocol=resp2, or Redis 6 or later"
    )
}

pub fn redis_bad_fragment() -> String {
    "only `#insecure` is allowed after `#` in a Redis URL; if `#` is part of the password, write it as `%23`".into()
}

pub fn redis_bad_db(path: &str) -> String {
    format!("database `/{path}` must be a number, e.g. `/0`")
}

// ---- normalisation ----------------------------------------------------------

pub fn norm_whitespace(var: &str) -> String {
    format!(
        "{var} has whitespace or a line break around it; railconn trimmed it, but your app may not (a trailing newline ends up in the password or database name): remove it from the variable"
    )
}

pub fn norm_quotes(var: &str) -> String {
    format!(
        "{var} is wrapped in quotes; railconn removed them, but a platform or docker --env-file may keep them in the value: store it without quotes"
    )
}

pub fn norm_driver(driver: &str) -> String {
    let shown: String = driver.chars().take(20).collect();
    format!(
        "SQLAlchemy URL: the app uses the `{shown}` driver; railconn checked the same server with `postgresql://`. psql, pg_dump and other libpq tools need the prefix removed"
    )
}

pub fn norm_asyncpg_sslmode() -> String {
    "asyncpg does not accept `sslmode` (TypeError: connect() got an unexpected keyword argument 'sslmode'): use `?ssl=require` or connect_args={\"ssl\": ...}".into()
}

pub fn norm_postgres_scheme(var: &str) -> String {
    format!(
        "{var} starts with postgres://, which SQLAlchemy 1.4+ rejects (NoSuchModuleError: ...dialects:postgres): use postgresql:// if a SQLAlchemy app reads it"
    )
}

pub fn norm_prisma(names: &[&str]) -> String {
    format!(
        "Prisma-only parameter(s) {} removed for the check: libpq, psql and psycopg reject them (`invalid URI query parameter`)",
        names.join(", ")
    )
}

// ---- config step ----------------------------------------------------------

pub fn config_from(source: &str) -> String {
    format!("from {source}")
}

pub fn config_missing(vars: &[&str], flag: &str) -> String {
    match vars {
        [one] => format!("{one} is not set (nor {flag})"),
        many => format!("none of {} is set (nor {flag})", many.join(", ")),
    }
}

pub fn config_invalid(source: &str, message: &str) -> String {
    format!("{source}: {message}")
}

pub fn target_missing(vars: &[&str]) -> String {
    format!("not configured ({})", vars.join(", "))
}

pub fn target_invalid(source: &str) -> String {
    format!("invalid URL in {source}")
}

// ---- dns / tcp --------------------------------------------------------------

pub fn dns_timeout(host: &str, limit: Duration) -> String {
    format!("no answer for {host} within {}", ms(limit))
}

pub fn dns_failed(host: &str, error: &str) -> String {
    format!("{host}: {error}")
}

pub fn dns_no_addresses(host: &str) -> String {
    format!("{host} has no addresses")
}

pub fn dns_addresses(v4: &[String], v6: &[String]) -> String {
    let list = |label: &str, addrs: &[String]| {
        (!addrs.is_empty()).then(|| format!("{label} {}", addrs.join(", ")))
    };
    [list("IPv4", v4), list("IPv6", v6)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn ipv6_only(host: &str) -> String {
    format!(
        "{host} has only IPv6 addresses: clients that look up IPv4 only fail with ENOTFOUND (ioredis/BullMQ before 5.8.2: add ?family=0 to the URL; Railway's legacy private network is IPv6-only)"
    )
}

pub fn ipv6_unreachable(host: &str) -> String {
    format!(
        "{host}: IPv6 has no route from here while IPv4 works; clients that try IPv6 first without falling back fail (on Railway, outbound IPv6 is off unless enabled)"
    )
}

pub fn tcp_timeout(addr: SocketAddr, limit: Duration) -> String {
    format!("{addr}: no answer within {}", ms(limit))
}

pub fn tcp_failed(addr: SocketAddr, error: &str) -> String {
    format!("{addr}: {error}")
}

pub fn tcp_connected(addr: SocketAddr) -> String {
    format!("connected to {addr}")
}

pub fn tcp_earlier_failure(addr: SocketAddr, code: &str) -> String {
    format!(" (after {addr}: {code})")
}

// ---- tls --------------------------------------------------------------------

pub fn tls_timeout(limit: Duration) -> String {
    format!("TLS handshake not finished within {}", ms(limit))
}

pub fn tls_bad_server_name(host: &str) -> String {
    format!("`{host}` is not a valid TLS server name")
}

pub fn tls_version(raw: &str) -> String {
    raw.replace("TLSv1_", "TLSv1.")
}

pub fn tls_alert(alert: &str) -> String {
    format!("the server aborted the TLS handshake with alert {alert}")
}

pub fn tls_reset() -> String {
    "the connection was reset during the TLS handshake".into()
}

pub fn tls_closed() -> String {
    "the server closed the connection during the TLS handshake".into()
}

pub fn tls_peer_plaintext() -> String {
    "the server answered the TLS handshake in plaintext: it does not speak TLS on this port".into()
}

pub fn tls_failed(error: &str) -> String {
    format!("TLS handshake failed: {error}")
}

pub fn peer_too_much(limit: usize) -> String {
    format!(
        "the peer kept sending: more than {} KiB without completing a reply",
        limit / 1024
    )
}

pub fn peer_is_http() -> String {
    "the peer answered like an HTTP server".into()
}

pub fn cert_unknown_issuer() -> String {
    "issued by an unknown authority (self-signed or private CA)".into()
}

pub fn cert_expired() -> String {
    "expired".into()
}

pub fn cert_not_yet_valid() -> String {
    "not valid yet (check this machine's clock)".into()
}

pub fn cert_wrong_name() -> String {
    "issued for another host name".into()
}

pub fn cert_other(reason: &str) -> String {
    format!("rejected ({reason})")
}

pub fn cert_failure(reason: &str) -> String {
    format!("certificate {reason}")
}

pub fn cert_failure_of(reason: &str, subject: &str, issuer: &str, not_after: &str) -> String {
    format!("certificate {reason}: subject {subject}, issuer {issuer}, expires {not_after}")
}

pub fn root_file_unreadable(path: &Path, error: &str) -> String {
    format!(
        "cannot read root certificate file {}: {error}",
        path.display()
    )
}

pub fn system_roots_empty() -> String {
    "no trusted root certificates found on this system (install ca-certificates or set SSL_CERT_FILE)".into()
}

pub fn root_file_empty(path: &Path) -> String {
    format!("{} contains no certificate", path.display())
}

fn verified_word(verified: bool) -> &'static str {
    if verified { "verified" } else { "not verified" }
}

pub fn tls_detail(version: &str, verified: bool) -> String {
    format!("{version}, certificate {}", verified_word(verified))
}

/// The negotiated TLS version and the server's leaf certificate.
pub struct CertDetail<'a> {
    pub subject: &'a str,
    pub issuer: &'a str,
    pub names: &'a [String],
    pub not_after: &'a str,
    pub days_left: i64,
}

pub fn tls_cert_detail(version: &str, verified: bool, cert: &CertDetail<'_>) -> String {
    format!(
        "{version}, certificate {}: subject {}, issuer {}, names [{}], expires {} ({} days)",
        verified_word(verified),
        cert.subject,
        cert.issuer,
        cert.names.join(", "),
        cert.not_after,
        cert.days_left
    )
}

pub fn cert_expired_unverified(not_after: &str) -> String {
    format!(
        "the server's certificate expired on {not_after}: this connection does not verify it, but any client that does (verify-ca, verify-full, rediss://) fails"
    )
}

pub fn cert_expires_soon(days: i64, not_after: &str) -> String {
    format!(
        "the server's certificate expires in {days} days ({not_after}): renew it before clients that verify start failing"
    )
}

pub fn cert_self_signed(names: &[String]) -> String {
    format!(
        "the server's certificate is self-signed (for [{}]): encryption works, but clients that verify (PostgreSQL verify-ca/verify-full, rediss://) accept it only with that very certificate as their trusted root and a matching host name; Railway's PostgreSQL certificate is self-signed for localhost",
        names.join(", ")
    )
}

pub fn connection_reset() -> String {
    "the connection was reset by the peer".into()
}

// ---- postgres -----------------------------------------------------------------

pub fn pg_tls_not_tried(mode: &str) -> String {
    format!("sslmode={mode}: connecting without TLS")
}

pub fn pg_tls_declined() -> String {
    "the server does not offer TLS; sslmode=prefer continues unencrypted".into()
}

pub fn pg_prefer_fallback(code: &str, message: &str) -> String {
    format!(
        "TLS failed ({code}: {message}); sslmode=prefer connected again without TLS, as libpq does"
    )
}

pub fn pg_server_refused_tls() -> String {
    "the server answered the SSLRequest with `N`: it does not support TLS".into()
}

pub fn pg_no_answer_to_ssl_request() -> String {
    "no answer to the SSLRequest".into()
}

pub fn pg_peer_is_redis() -> String {
    "the peer answered like a Redis server".into()
}

pub fn pg_peer_is_tls() -> String {
    "the peer expects TLS from the first byte (a TLS-only port or proxy), not PostgreSQL's SSLRequest".into()
}

pub fn pg_peer_unknown(bytes: &[u8]) -> String {
    format!(
        "the peer sent bytes that are not PostgreSQL protocol ({})",
        hex(bytes)
    )
}

pub fn pg_no_root_cert(mode: &str) -> String {
    format!(
        "sslmode={mode} needs a root certificate: none given in sslrootcert and ~/.postgresql/root.crt does not exist"
    )
}

pub fn pg_cert_not_verified(mode: &str) -> String {
    format!("sslmode={mode} encrypts but does not verify the server's certificate")
}

pub fn pg_unencrypted(host: &str) -> String {
    format!(
        "the connection to {host} is not encrypted: passwords and data cross the network in plaintext"
    )
}

pub fn pg_auth_detail(user: Option<&str>) -> String {
    match user {
        Some(user) => format!("authenticated as {user}"),
        None => "authenticated".into(),
    }
}

pub fn pg_auth_timeout(limit: Duration) -> String {
    format!("no startup reply within {}", ms(limit))
}

pub fn pg_closed_during_startup() -> String {
    "the server closed the connection during startup, before any PostgreSQL reply".into()
}

pub fn pg_closed_during_query() -> String {
    "the server closed the connection during the query".into()
}

pub fn pg_server_said(severity: &str, sqlstate: &str, message: &str) -> String {
    format!("{severity} {sqlstate}: {message}")
}

pub fn pg_query_timeout(limit: Duration) -> String {
    format!("no query result within {}", ms(limit))
}

pub fn pg_no_row() -> String {
    "the facts query returned no row".into()
}

pub fn pg_query_detail(version: &str, database: &str, user: &str) -> String {
    format!("PostgreSQL {version}, database {database}, user {user}")
}

pub fn pg_connections(used: u64, usable: u64) -> String {
    format!(
        "{used} of {usable} connection slots are in use (max_connections minus reserved): the next deploy's pool, or a second replica, may get `sorry, too many clients already`"
    )
}

pub fn pg_own_limit(role: bool, used: u64, limit: u64) -> String {
    let (what, sql) = if role {
        ("this role's CONNECTION LIMIT", "ALTER ROLE")
    } else {
        ("this database's CONNECTION LIMIT", "ALTER DATABASE")
    };
    format!(
        "{used} of {limit} connections allowed by {what} are in use ({sql} … CONNECTION LIMIT): the next deploy's pool may get `too many connections for {}`",
        if role { "role" } else { "database" }
    )
}

pub fn pg_facts_denied() -> String {
    "this role may not read pg_stat_activity or the catalogs: connection headroom and the table count are not available (the login and the query work)".into()
}

pub fn pg_no_tables(database: &str) -> String {
    format!(
        "database {database} has no tables: migrations have not run (run them in the pre-deploy or start command, e.g. `alembic upgrade head`, `prisma migrate deploy`)"
    )
}

pub fn pg_facts_detail(detail: &str, connections: Option<(u64, u64)>) -> String {
    match connections {
        Some((used, usable)) => format!("{detail}, {used}/{usable} connections"),
        None => detail.to_string(),
    }
}

pub fn pg_read_only(facts: &str) -> String {
    format!(
        "{facts}: the server is a read-only replica, or the database defaults to read-only transactions"
    )
}

// ---- redis --------------------------------------------------------------------

pub fn redis_tls_off() -> String {
    "redis:// is unencrypted".into()
}

pub fn redis_unencrypted(host: &str) -> String {
    format!(
        "the connection to {host} is not encrypted (redis://); fine on a private network, not across the internet"
    )
}

pub fn redis_insecure() -> String {
    "#insecure: the server's certificate is not verified".into()
}

pub fn redis_timeout(limit: Duration) -> String {
    format!("no Redis reply within {}", ms(limit))
}

pub fn redis_auth_detail(user: Option<&str>) -> String {
    match user {
        Some(user) => format!("AUTH as {user}"),
        None => "AUTH with password (user default)".into(),
    }
}

pub fn redis_no_credentials() -> String {
    "no credentials in the URL".into()
}

pub fn redis_ping_detail(version: Option<&str>, db: i64) -> String {
    match version {
        Some(version) => format!("PONG, Redis {version}, db {db}"),
        None => format!("PONG, db {db}"),
    }
}

pub fn redis_replica(detail: &str) -> String {
    format!(
        "{detail}: the server is a replica (role:slave): every write, such as storing a revoked token, fails with READONLY"
    )
}

pub fn redis_evicts_all(policy: &str) -> String {
    format!(
        "maxmemory-policy is {policy}: when memory fills, Redis may evict any key, including revoked tokens and sessions (use volatile-lru with TTLs on cache keys only, or noeviction)"
    )
}

pub fn redis_memory_full(used: u64, max: u64) -> String {
    format!(
        "Redis uses {} of {} MiB maxmemory: once full, writes fail with OOM (noeviction, or volatile-* with too few keys that expire)",
        used / (1024 * 1024),
        max / (1024 * 1024)
    )
}

pub fn redis_clients(clients: u64, max: u64) -> String {
    format!(
        "{clients} of {max} clients are connected (maxclients): new connections will get `max number of clients reached`"
    )
}

pub fn redis_peer_is_tls() -> String {
    "the server answered with a TLS record: this port expects TLS".into()
}

pub fn redis_port_speaks_tls() -> String {
    "the server closed the plaintext connection without a reply, and the same port answers a TLS handshake: it expects TLS".into()
}

pub fn redis_peer_unknown(bytes: &[u8]) -> String {
    format!(
        "the peer sent bytes that are not Redis protocol ({})",
        hex(bytes)
    )
}

pub fn redis_malformed(what: &str, bytes: &[u8]) -> String {
    format!("{REDIS_MALFORMED_MARK} ({what}): {}", escaped(bytes))
}

pub fn redis_last_words(text: &str) -> String {
    format!("the server said `{text}` and closed the connection")
}

pub fn redis_nested_too_deep(limit: usize) -> String {
    format!("arrays nested deeper than {limit}")
}

pub fn redis_not_utf8(kind: u8) -> String {
    format!("a `{}` line that is not UTF-8", kind as char)
}

pub fn redis_bulk_length_wrong() -> String {
    "a bulk string longer than its declared length".into()
}

pub fn redis_unknown_type(kind: u8) -> String {
    format!("unknown reply type byte 0x{kind:02x}")
}

pub fn redis_not_a_number(kind: u8, line: &str) -> String {
    format!("`{}` followed by `{line}`, not a number", kind as char)
}

/// The first bytes of a reply, printable: non-ASCII and control bytes as
/// `\xNN` escapes, so nothing raw reaches a terminal or a CI log.
pub fn escaped(bytes: &[u8]) -> String {
    let shown: String = bytes
        .iter()
        .take(48)
        .flat_map(|b| b.escape_ascii())
        .map(char::from)
        .collect();
    if bytes.len() > 48 {
        format!("{shown}…")
    } else {
        shown
    }
}

pub fn pg_malformed(what: &str, bytes: &[u8]) -> String {
    format!("{PG_MALFORMED_MARK} ({what}): {}", escaped(bytes))
}

pub fn pg_bad_length(kind: u8, len: i32) -> String {
    format!("a `{}` message with length {len}", kind.escape_ascii())
}

pub fn pg_md5_salt(len: usize) -> String {
    format!("an MD5 password request with a {len}-byte salt, not 4")
}

pub fn pg_empty_error(kind: u8) -> String {
    if kind == b'E' {
        "an ErrorResponse without any field: no severity, code or message".into()
    } else {
        "a NoticeResponse without any field".into()
    }
}

pub fn redis_closed() -> String {
    "the server closed the connection without a Redis reply".into()
}

// ---- jwt ------------------------------------------------------------------------

pub fn jwt_target(algorithm: &str) -> String {
    format!("JWT {algorithm}")
}

pub fn jwt_config_detail(algorithm: &str, key_var: &str) -> String {
    format!("{algorithm} with {key_var}")
}

pub fn jwt_public_key_missing() -> String {
    "JWT_PUBLIC_KEY is not set: tokens were signed but verification with the public key was not checked".into()
}

/// `shown` is the value when it looks like a setting, `None` when it
/// may be a secret pasted into the wrong variable.
pub fn jwt_bad_algorithm(var: &str, shown: Option<&str>, chars: usize) -> String {
    let value = value_or_length(shown, chars);
    format!(
        "{var}={value} is not a supported algorithm (HS256/384/512, RS256/384/512, PS256/384/512, ES256/384, EdDSA; names are case-sensitive)"
    )
}

pub fn jwt_missing_secret(vars: &[&str]) -> String {
    format!("no HMAC secret: none of {} is set", vars.join(", "))
}

pub fn jwt_missing_private_key(algorithm: &str, var: &str) -> String {
    format!("{algorithm} needs a private key in {var} (PEM text or a path to a PEM file)")
}

/// `shown` as for [`jwt_bad_algorithm`].
pub fn jwt_bad_lifetime(var: &str, shown: Option<&str>, chars: usize) -> String {
    format!(
        "{var}={} is not a whole number of minutes",
        value_or_length(shown, chars)
    )
}

fn value_or_length(shown: Option<&str>, chars: usize) -> String {
    match shown {
        Some(value) => format!("`{value}`"),
        None => format!("(a {chars}-character value, not shown)"),
    }
}

pub fn jwt_lifetime(minutes: i64) -> String {
    if minutes <= 0 {
        format!("access tokens live {minutes} minutes: they expire at once and every request fails")
    } else {
        format!(
            "access tokens live {minutes} minutes (over a day): a stolen token stays valid that long"
        )
    }
}

pub fn jwt_secret_detail(len: usize) -> String {
    format!("{len}-byte secret")
}

pub fn jwt_placeholder(var: &str) -> String {
    format!("{var} is a well-known placeholder or tutorial value: anyone can forge tokens with it")
}

pub fn jwt_short_secret(var: &str, len: usize, algorithm: &str, needed: usize) -> String {
    format!("{var} is {len} bytes; {algorithm} needs at least {needed} (RFC 7518 §3.2)")
}

pub fn jwt_key_file(var: &str, error: &str) -> String {
    format!("{var} is neither PEM text nor a readable file: {error}")
}

pub fn jwt_bad_private_key(var: &str, algorithm: &str, sec1: bool) -> String {
    if sec1 {
        format!(
            "{var} is an EC key in SEC1 form (`BEGIN EC PRIVATE KEY`); convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in key.pem"
        )
    } else {
        format!("{var} is not a valid {algorithm} private key in PEM")
    }
}

pub fn jwt_bad_public_key(var: &str, algorithm: &str) -> String {
    format!("{var} is not a valid {algorithm} public key in PEM")
}

pub fn jwt_rsa_too_small(var: &str) -> String {
    format!("{var} is an RSA key below 2048 bits (RFC 7518 §3.3 requires 2048 or more)")
}

pub fn jwt_key_detail(algorithm: &str, bits: Option<usize>, has_public: bool) -> String {
    let size = bits.map(|b| format!(" {b}-bit")).unwrap_or_default();
    let public = if has_public {
        ", public key present"
    } else {
        ""
    };
    format!("{algorithm}{size} private key{public}")
}

pub fn jwt_sign_failed(kind: &str) -> String {
    format!("signing a token failed: {kind}")
}

pub fn jwt_signed_only() -> String {
    "signed a token (no public key to verify it)".into()
}

pub fn jwt_roundtrip_detail(minutes: i64) -> String {
    format!("signed and verified a token (exp in {minutes} min)")
}

pub fn jwt_key_mismatch() -> String {
    "JWT_PUBLIC_KEY does not belong to JWT_PRIVATE_KEY: tokens signed by the app will not verify"
        .into()
}

pub fn jwt_verify_failed(kind: &str) -> String {
    format!("the signed token did not verify: {kind}")
}

// ---- findings across checks -----------------------------------------------------

pub fn memory_fallback(redis_configured: bool) -> String {
    let state = if redis_configured {
        "failing"
    } else {
        "not configured"
    };
    format!(
        "Redis is {state}: the token revocation list (blacklist) and the cache fall back to process memory, lost on every restart and not shared between instances or workers, so a logged-out token keeps working elsewhere"
    )
}

pub fn pg_ignored_parameter(key: &str) -> String {
    format!("parameter `{key}` is accepted but not used by this check")
}

pub fn steps_not_run(names: &[&str]) -> String {
    format!("{}: not run", names.join(", "))
}

pub fn optional_failed(check: &str, code: Code) -> String {
    format!(
        "{check} failed ({}) but is optional: it does not block the deploy",
        code.as_str()
    )
}

// ---- wait, watch, env -----------------------------------------------------------

pub fn wait_timed_out(timeout: Duration) -> String {
    format!(
        "railconn wait: not ready after {}; the last report is above",
        ms(timeout)
    )
}

pub fn wait_stopped_early(check: &str, code: Code) -> String {
    format!(
        "railconn wait: stopped early: {check} failed with {}, which waiting cannot fix; see the report above",
        code.as_str()
    )
}

pub fn wait_stopped_on_warnings() -> String {
    "railconn wait: stopped early: only warnings remain (--strict), and waiting does not change them; see the report above".into()
}

pub fn wait_progress(failing: &[(&str, Code)], elapsed: Duration, timeout: Duration) -> String {
    let list: Vec<String> = failing
        .iter()
        .map(|(check, code)| format!("{check} ({})", code.as_str()))
        .collect();
    format!(
        "waiting for {} — {} / {}",
        list.join(", "),
        ms(elapsed),
        ms(timeout)
    )
}

pub fn command_not_started(command: &str, error: &str) -> String {
    format!("railconn wait: cannot run {command}: {error}")
}

pub fn watch_change(
    time: &str,
    check: &str,
    before: Option<Status>,
    now: Status,
    code: Option<Code>,
    millis: f64,
) -> String {
    let code = code.map(|c| format!(" {}", c.as_str())).unwrap_or_default();
    let took = ms(Duration::from_secs_f64(millis.max(0.0) / 1000.0));
    match before {
        Some(before) => format!(
            "{time} {check}: {} -> {}{code} ({took})",
            before.as_str(),
            now.as_str()
        ),
        None => format!("{time} {check}: {}{code} ({took})", now.as_str()),
    }
}

pub fn watch_heartbeat(time: &str, round: u64, checks: &[(&str, Status, f64)]) -> String {
    let states: Vec<String> = checks
        .iter()
        .map(|(check, status, millis)| {
            format!(
                "{check} {} {}",
                status.as_str(),
                ms(Duration::from_secs_f64(millis.max(0.0) / 1000.0))
            )
        })
        .collect();
    format!("{time} heartbeat (round {round}): {}", states.join(", "))
}

pub fn watch_summary(
    check: &str,
    rounds: u64,
    availability: f64,
    failures: &[(&str, u64)],
    latency: (f64, f64, f64),
) -> String {
    let failures = if failures.is_empty() {
        "no failures".to_string()
    } else {
        let list: Vec<String> = failures
            .iter()
            .map(|(code, n)| format!("{code} ×{n}"))
            .collect();
        format!("failures: {}", list.join(", "))
    };
    let at = |millis: f64| ms(Duration::from_secs_f64(millis.max(0.0) / 1000.0));
    format!(
        "{check}: available {availability:.1}% of {rounds} rounds, {failures}; latency min {}, median {}, max {}",
        at(latency.0),
        at(latency.1),
        at(latency.2)
    )
}

pub const ENV_VARIABLES: &str =
    "Variables (first set in each group wins; the process environment overrides .env files)";
pub const ENV_TARGETS: &str = "Targets";
pub const ENV_DEFAULT: &str = "default";

pub fn env_invalid_url(message: &str) -> String {
    format!("(invalid URL: {message})")
}

pub fn env_secret(len: usize) -> String {
    format!("*** ({len} bytes)")
}

pub fn env_key(pem: bool, len: usize) -> String {
    if pem {
        format!("*** (PEM text, {len} bytes)")
    } else {
        "*** (not PEM text: read as a file path)".into()
    }
}

pub fn env_file_committable(path: &str) -> String {
    format!(
        "{path} is inside a git work tree and not ignored: real credentials in it may get committed (add it to .gitignore; keep placeholders in .env.example)"
    )
}

pub fn jwt_secret_reused() -> String {
    "the JWT secret is also a database or Redis password: one leak opens both, and rotating one breaks the other".into()
}

pub fn pooled_url() -> String {
    "DATABASE_UNPOOLED_URL is set, so DATABASE_URL goes through PgBouncer (transaction pooling): run migrations, LISTEN and advisory locks over DATABASE_UNPOOLED_URL".into()
}

pub fn loopback_on_railway(check: &str) -> String {
    format!(
        "the {check} target is localhost while Railway's variables are set: inside a Railway deployment nothing listens there (use the service's reference variable); under `railway run` on a laptop this is fine"
    )
}

// ---- errors that stop a run (exit 2) ---------------------------------------------

pub const ERROR_NOTHING_SELECTED: &str = "nothing to check: --only/--skip leave no check to run";

pub fn error_env_file(path: &str, reason: &str) -> String {
    format!("cannot read env file {path}: {reason}. Fix the file or pass --no-env-file")
}

pub fn error_runtime(error: &str) -> String {
    format!("cannot start the async runtime: {error}")
}

pub fn error_output(error: &str) -> String {
    format!("cannot write the report: {error}")
}

pub fn error_output_file(path: &str, reason: &str) -> String {
    format!("cannot write the report to {path}: {reason}")
}

pub fn error_format(command: &str, supported: &str) -> String {
    format!("{command} supports --format {supported}")
}

pub const ORIGIN_ENVIRONMENT: &str = "environment";

pub fn env_value_too_large(entry: usize, limit: usize) -> String {
    format!(
        "entry {entry}: the value expands to more than {} KiB",
        limit / 1024
    )
}

pub fn env_file_too_large(limit: usize) -> String {
    format!("larger than {} KiB", limit / 1024)
}

pub fn env_too_many_dollars(limit: usize) -> String {
    format!("more than {limit} `$` substitutions")
}

pub fn env_entry(entry: usize, problem: &str) -> String {
    format!("entry {entry}: {problem}")
}

pub const ENV_LINE_NOT_PAIR: &str =
    "a line is not KEY=VALUE (the line is not shown: it may hold a secret)";
pub const ENV_NOT_UTF8: &str = "not valid UTF-8";
pub const ENV_UNPARSABLE: &str = "could not be parsed";

// ---- sqlite -----------------------------------------------------------------------

pub const SQLITE_NO_NETWORK: &str = "SQLite: a local file, nothing to dial";
pub const SQLITE_IN_MEMORY: &str = "in-memory SQLite database";

pub fn sqlite_in_memory() -> String {
    "DATABASE_URL is an in-memory SQLite database: every process has its own, empty at each start"
        .into()
}

pub fn sqlite_missing(path: &str) -> String {
    format!("SQLite file {path} does not exist here: the app creates it on first write, empty")
}

pub fn sqlite_not_a_file(path: &str) -> String {
    format!("{path} is not a regular file")
}

pub fn sqlite_not_sqlite(path: &str) -> String {
    format!("{path} is not a SQLite database (its header is not `SQLite format 3`)")
}

pub fn sqlite_unreadable(path: &str, error: &str) -> String {
    format!("cannot read {path}: {error}")
}

pub fn sqlite_ok(path: &str, bytes: u64) -> String {
    format!("SQLite file {path}, {} KiB", bytes.div_ceil(1024))
}

pub fn sqlite_ephemeral(volume: Option<&std::path::Path>) -> String {
    match volume {
        Some(volume) => format!("the SQLite file is outside the Railway volume ({}): its data vanishes on every redeploy; move it under the volume or use PostgreSQL", volume.display()),
        None => "on Railway a SQLite file vanishes with the container on every redeploy unless it lives under a volume (RAILWAY_VOLUME_MOUNT_PATH); production apps usually want PostgreSQL here".into(),
    }
}

// ---- causes and fixes -------------------------------------------------------------

/// The most likely cause and the concrete fix for a failed check.
pub struct Advice {
    pub cause: &'static str,
    pub fix: &'static str,
}

const fn advice(cause: &'static str, fix: &'static str) -> Advice {
    Advice { cause, fix }
}

/// A TLS handshake to a plaintext Redis that never answers.
pub fn redis_tls_timeout_advice() -> Advice {
    // A plaintext Redis reads a TLS ClientHello as an unfinished inline
    // command and waits for its end: the handshake just times out.
    advice(
        "The server accepted the connection but never answered the TLS handshake: it most likely speaks plaintext Redis (Railway's Redis and a plain redis-server have no TLS).",
        "Use redis:// instead of rediss://.",
    )
}

/// An `SSLRequest` that nobody answers.
pub fn postgres_tls_timeout_advice() -> Advice {
    advice(
        "The port accepted the connection but never answered PostgreSQL's 8-byte SSLRequest: it most likely belongs to another kind of server that waits for more input (Redis does), not to PostgreSQL.",
        "Check the host and port: use the database's own from DATABASE_URL or DATABASE_PUBLIC_URL.",
    )
}

/// A connection closed at the first PostgreSQL message.
pub const REDIS_MALFORMED_MARK: &str = "the server sent a malformed Redis reply";
pub const PG_MALFORMED_MARK: &str = "the server sent a malformed PostgreSQL message";

pub fn malformed_reply_advice() -> Advice {
    advice(
        "The peer speaks the protocol but sent a reply no client can parse: a broken proxy or tunnel in front of the server, an incompatible fork, or a test double on this port. Waiting will not change it.",
        "Check what listens on this host and port (the provider's URL, not a local tunnel), and connect to the server directly to compare.",
    )
}

pub fn postgres_role_limit_advice() -> Advice {
    advice(
        "The role's own connection limit is reached (ALTER ROLE … CONNECTION LIMIT, pg_roles.rolconnlimit), even if max_connections has room.",
        "Lower the app's pool size for this role, or raise the limit: ALTER ROLE <user> CONNECTION LIMIT <n>; (-1 removes it).",
    )
}

pub fn postgres_database_limit_advice() -> Advice {
    advice(
        "The database's own connection limit is reached (ALTER DATABASE … CONNECTION LIMIT, pg_database.datconnlimit), even if max_connections has room.",
        "Lower the app's pool size, or raise the limit: ALTER DATABASE <db> CONNECTION LIMIT <n>; (-1 removes it).",
    )
}

pub fn postgres_database_closed_advice() -> Advice {
    advice(
        "The database does not accept connections at all (ALLOW_CONNECTIONS false, pg_database.datallowconn), as for template0 or a database being migrated or retired.",
        "Point DATABASE_URL at the app's database, or reopen this one: ALTER DATABASE <db> ALLOW_CONNECTIONS true;",
    )
}

pub fn postgres_tls_closed_advice() -> Advice {
    advice(
        "Something accepts connections on this port, but it closed the connection at the first PostgreSQL message: no database answers behind it (the service is stopped, sleeping or removed), or the port belongs to another kind of server.",
        "Copy the current URL from the database service's Variables (railway variables set DATABASE_URL=…) and check its deploy logs.",
    )
}

pub fn postgres_advice(code: Code) -> Option<Advice> {
    use Code::*;
    Some(match code {
        MissingConfig => advice(
            "No PostgreSQL URL is set: DATABASE_URL is absent or empty in the environment and in .env.",
            "Set DATABASE_URL (on Railway a reference: DATABASE_URL=${{Postgres.DATABASE_URL}}; from a laptop or CI the database's DATABASE_PUBLIC_URL), or pass --database-url. If the app has no database, use --skip postgres.",
        ),
        UnsupportedScheme => advice(
            "The URL does not start with postgresql:// or postgres://, so libpq-based clients reject it.",
            "Use the postgresql:// URL from the database service's Variables.",
        ),
        DnsNotFound => advice(
            "The host name does not exist for this machine's resolver: a typo, a database or service that was renamed or deleted, or a private name that resolves only inside its own network.",
            "Compare the host with the one in the database's dashboard and copy the URL again; from a laptop or CI use the database's public URL.",
        ),
        ConnectionRefused => advice(
            "The host answered, but nothing listens on that port: the database is stopped, crashing or restarting, or the port does not belong to this host (a proxy port with the private host, or 5432 with the proxy host).",
            "Check the database service's deploy logs; copy host and port together from the service's Variables (DATABASE_URL or DATABASE_PUBLIC_URL).",
        ),
        TlsUnsupported => advice(
            "The server does not support TLS, but the URL's sslmode requires it (a local or docker PostgreSQL, or PgBouncer without TLS).",
            "Enable TLS on the server, or use sslmode=prefer (or disable) on a trusted private network.",
        ),
        TlsRequired => advice(
            "The server accepts this user only over TLS (pg_hba.conf has only hostssl entries for it), and the connection was unencrypted.",
            "Add ?sslmode=require to DATABASE_URL.",
        ),
        CertificateInvalid => advice(
            "The server's certificate fails the verification sslmode asks for: self-signed or a private CA, expired, or issued for another name. Railway's PostgreSQL certificate is self-signed for `localhost`, so verify-ca and verify-full cannot pass with the system roots.",
            "Use sslmode=require (encrypts without verifying, as libpq does), or give the server's CA with sslrootcert=/path/root.crt and sslmode=verify-ca.",
        ),
        ConnectionClosed => advice(
            "Something accepts connections on this port, but no database answers behind it: the service is stopped, sleeping or removed, or the URL points at an old deployment.",
            "Copy the current URL from the database's dashboard and check the database's logs.",
        ),
        ProtocolError => advice(
            "The peer on this port does not speak PostgreSQL: an HTTP endpoint (the app's *.up.railway.app domain), a Redis server, or a TLS-only port.",
            "Use the database's own host and port from DATABASE_URL or DATABASE_PUBLIC_URL.",
        ),
        AuthFailed => advice(
            "The server rejected the credentials: a wrong or stale password (a URL copied before the password changed; POSTGRES_PASSWORD edited after the volume was initialised, which changes nothing), a wrong user, or a role stored with MD5 while the server wants SCRAM.",
            "Use the reference variable DATABASE_URL=${{Postgres.DATABASE_URL}} instead of a copied value, or reset the password: ALTER ROLE <user> PASSWORD '…'.",
        ),
        AuthRequired => advice(
            "The server asks for a password and the URL has none (e.g. a URL built from a reference that resolved empty).",
            "Put the password in the URL, percent-encoded: postgresql://user:PASSWORD@host:5432/db.",
        ),
        AccessDenied => advice(
            "The server refuses this user, database or client address (no matching pg_hba.conf entry, or no CONNECT privilege).",
            "Use the credentials the platform generated, or grant access (pg_hba.conf, GRANT CONNECT ON DATABASE …).",
        ),
        DatabaseNotFound => advice(
            "The database named in the URL path does not exist on this server (Railway's is named `railway`; a missing path defaults to the user name).",
            "Fix the /dbname part of the URL, or create the database: createdb <name>.",
        ),
        TooManyConnections => advice(
            "All connection slots are taken (max_connections): pool size × workers × replicas, overlapping deploys, or leaked connections.",
            "Lower the app's pool size, put PgBouncer in front, or end idle sessions: SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle';",
        ),
        ServerStarting => advice(
            "The database is starting up, shutting down or recovering (SQLSTATE 57P03), as right after a redeploy or a crash.",
            "Wait a few seconds and check again; if it persists, check the volume's free space and the service logs.",
        ),
        ReadOnly => advice(
            "The server accepts connections but not writes: it is a replica in recovery (a read endpoint, or a standby after failover), or default_transaction_read_only is on. The app's first INSERT fails with SQLSTATE 25006.",
            "Point DATABASE_URL at the primary (read-write) endpoint; after a failover, copy the new primary's URL.",
        ),
        InvalidValue => advice(
            "The server refused a startup parameter from the URL (an options=-c setting or another parameter), so the app's connection fails the same way.",
            "Fix or remove the parameter the server's message names.",
        ),
        QueryFailed => advice(
            "Connected and authenticated, but the facts query failed.",
            "Read the server's message above; check the user's privileges.",
        ),
        _ => return None,
    })
}

pub fn redis_advice(code: Code) -> Option<Advice> {
    use Code::*;
    Some(match code {
        MissingConfig => advice(
            "No Redis URL is set: REDIS_URL is absent or empty in the environment and in .env.",
            "Set REDIS_URL (on Railway a reference: REDIS_URL=${{Redis.REDIS_URL}}; from a laptop or CI the service's REDIS_PUBLIC_URL), or pass --redis-url. If the app can run without Redis, accept the in-memory fallback with --optional redis.",
        ),
        UnsupportedScheme => advice(
            "The URL does not start with redis:// or rediss://.",
            "Use the redis:// URL from the Redis service's Variables (rediss:// for TLS providers such as Upstash).",
        ),
        DnsNotFound => advice(
            "The host name does not exist for this machine's resolver: a typo, a Redis or service that was renamed or deleted, or a private name that resolves only inside its own network.",
            "Compare the host with the one in the Redis provider's dashboard and copy REDIS_URL again; from a laptop or CI use the public URL.",
        ),
        ConnectionRefused => advice(
            "The host answered, but nothing listens on that port: Redis is stopped, crashing or restarting, the port is wrong, or REDIS_URL is unset and a library default (localhost:6379) is used.",
            "Check the Redis service's deploy logs; copy host and port together from its Variables.",
        ),
        TlsUnsupported => advice(
            "The URL asks for TLS (rediss://) but the server speaks plaintext Redis (Railway's Redis and a plain redis-server have no TLS).",
            "Use redis:// instead of rediss://.",
        ),
        TlsRequired => advice(
            "The server speaks TLS on this port but the URL is plaintext redis:// (Upstash and TLS-enabled Redis Cloud accept only TLS).",
            "Use rediss:// instead of redis://.",
        ),
        CertificateInvalid => advice(
            "The server's certificate could not be verified against this machine's trusted roots: self-signed or a private CA, expired, or issued for another name.",
            "Point SSL_CERT_FILE at the provider's CA bundle (Redis Cloud publishes one); only for testing, append #insecure to the rediss:// URL.",
        ),
        ConnectionClosed => advice(
            "Something accepts connections on this port but closed the connection without a Redis reply: the service behind a proxy is down or removed, the server's client limit is reached, or it expects TLS.",
            "Check the Redis service's logs and copy the current REDIS_URL from its Variables; if the provider requires TLS, use rediss://.",
        ),
        ProtocolError => advice(
            "The peer on this port does not speak Redis: an HTTP endpoint (a REST URL, the app's *.up.railway.app domain) or another kind of server.",
            "Use the Redis host and port from REDIS_URL (for Upstash the rediss:// endpoint, not the REST URL).",
        ),
        AuthFailed => advice(
            "Redis rejected the credentials: a wrong or stale password, a wrong user name, or a password sent to a server that has none (the server's reply above says which).",
            "Copy REDIS_URL from the Redis service's Variables (redis://default:PASSWORD@host:port); if the server has no password, remove it from the URL.",
        ),
        AuthRequired => advice(
            "The server requires a password (NOAUTH) and the URL has none, e.g. a URL built from REDISHOST and REDISPORT only.",
            "Use the full URL with credentials: redis://default:PASSWORD@host:port.",
        ),
        AccessDenied => advice(
            "The ACL user may not run a command the check sends (NOPERM names it: PING, INFO, or SELECT for a /db other than 0), or the server is in protected mode (DENIED).",
            "Grant the command the reply names (e.g. ACL SETUSER <user> +ping +info +select), use /0, or set a password on the server.",
        ),
        DatabaseNotFound => advice(
            "The database index in the URL path is out of range for this server (many managed Redis offer only database 0).",
            "Use /0 or remove the path from the URL.",
        ),
        TooManyConnections => advice(
            "Redis reached maxclients: clients created per request or leaked.",
            "Share one client (pool) per process and close idle clients; raise maxclients or the plan's limit.",
        ),
        ServerStarting => advice(
            "Redis is loading its dataset into memory (LOADING), as after a restart.",
            "Wait a few seconds and check again.",
        ),
        ReadOnly => advice(
            "Connected to a Redis replica (role:slave): writes such as storing a revoked token fail with READONLY. This happens after a failover, or with a read-only endpoint.",
            "Point REDIS_URL at the primary (write) endpoint.",
        ),
        QueryFailed => advice(
            "Connected, but PING failed.",
            "Read the server's reply above.",
        ),
        _ => return None,
    })
}

pub fn jwt_advice(code: Code) -> Option<Advice> {
    use Code::*;
    Some(match code {
        MissingConfig => advice(
            "No signing key is configured: JWT_SECRET_KEY, JWT_SECRET and SECRET_KEY (HS*) or JWT_PRIVATE_KEY (RS*, PS*, ES*, EdDSA) are unset. An app that falls back to a random secret per boot logs everyone out on each deploy and fails across replicas.",
            "Generate a secret and set it: railway variables set JWT_SECRET_KEY=$(openssl rand -hex 32)",
        ),
        InvalidValue => advice(
            "A JWT setting has a value the app cannot use.",
            "Set ACCESS_TOKEN_EXPIRE_MINUTES to a whole number of minutes, e.g. 30.",
        ),
        WeakSecret => advice(
            "The HMAC secret is shorter than the hash output (RFC 7518 §3.2: 32, 48, 64 bytes for HS256, HS384, HS512) or a published placeholder: tokens can be forged.",
            "Replace it with a random value: railway variables set JWT_SECRET_KEY=$(openssl rand -hex 32), then redeploy (existing tokens become invalid).",
        ),
        InvalidKey => advice(
            "The PEM key cannot be used: it does not parse for this algorithm, is an RSA key under 2048 bits, or the public key does not belong to the private key.",
            "Check the PEM's BEGIN/END lines and line breaks (\\n in a one-line value is fine); generate RSA keys with: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048",
        ),
        UnsupportedAlgorithm => advice(
            "The algorithm name is not one JWT libraries accept (names are case-sensitive; `none` is refused).",
            "Set JWT_ALGORITHM=HS256, or RS256/ES256/EdDSA with a key pair.",
        ),
        RoundtripFailed => advice(
            "A token signed with these settings could not be verified with them.",
            "Make the app sign and verify with the same algorithm and key pair.",
        ),
        _ => return None,
    })
}

pub fn network_advice(code: Code) -> Option<Advice> {
    use Code::*;
    Some(match code {
        InvalidUrl => advice(
            "The URL is malformed, so the app's driver would reject it or connect somewhere else.",
            "Correct the value as the error says. To percent-encode a password: python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=\"\"))' 'PASSWORD'",
        ),
        DnsTimeout => advice(
            "The resolver did not answer within the connect timeout.",
            "Check this machine's DNS (/etc/resolv.conf) and retry; raise --connect-timeout on slow networks.",
        ),
        DnsError => advice(
            "Name resolution failed temporarily: the resolver is unreachable or not ready yet (as in the first seconds of a Railway deploy).",
            "Retry in a few seconds; check this machine's DNS configuration.",
        ),
        ConnectTimeout => advice(
            "No answer within the connect timeout: a firewall or IP allow-list drops the packets, the address is not reachable from this network, or the service is waking from sleep.",
            "Check allow lists and the network path; retry, or raise --connect-timeout.",
        ),
        NetworkUnreachable => advice(
            "This machine has no route to the address: usually an IPv6-only address on a network without IPv6 (Railway services have outbound IPv6 off by default).",
            "Use an endpoint with an IPv4 address (such as a pooler host), or enable outbound IPv6.",
        ),
        TlsHandshakeFailed => advice(
            "The TLS handshake did not complete: a proxy cut it, or client and server share no protocol version or cipher.",
            "Check the server's TLS settings and whether a proxy sits in between.",
        ),
        ConnectionReset => advice(
            "The connection was reset: a proxy or firewall cut it, or the server crashed.",
            "Check the service's logs and retry.",
        ),
        Timeout => advice(
            "The server accepted the connection but did not answer in time: it is overloaded or starting, or the port belongs to something that waits for the client.",
            "Retry; raise --timeout; check that the port is the service's own.",
        ),
        _ => return None,
    })
}

// ---- report labels ------------------------------------------------------------------

/// Replaces the arguments a server echoed back (they are what railconn sent,
/// password included).
pub const ARGUMENTS_NOT_SHOWN: &str = "<the arguments railconn sent, not shown>";

/// Replaces a peer's message that contains a configured secret.
pub fn message_withheld() -> String {
    "<the message is not shown: it contains a configured secret, echoed by the peer>".into()
}

pub const FIFO_WITHOUT_READER: &str = "it is a FIFO (named pipe) that nobody is reading";

pub fn pipe_stalled(limit: Duration) -> String {
    format!(
        "it is a pipe or device that did not take or deliver the bytes within {}",
        humantime::format_duration(limit)
    )
}

pub const URL_NOT_SHOWN: &str = "<a URL, not shown: it may hold a password>";
pub const DURATION_ZERO: &str = "must be greater than zero";
pub const DURATION_TOO_LONG: &str = "must be at most 24h";

pub fn bad_duration(error: &str) -> String {
    format!("{error}: write a duration such as 500ms, 10s or 1m")
}

pub const NOT_A_REGULAR_FILE: &str = "not a regular file";

pub fn file_too_large(limit: u64) -> String {
    format!("larger than {} KiB", limit / 1024)
}

pub fn junit_strict_warning(codes: &[&str]) -> String {
    format!("warning under --strict: {}", codes.join(", "))
}

pub const LABEL_WORKS: &str = "Works";
pub const LABEL_PROBLEMS: &str = "Problems";
pub const LABEL_LIMITATIONS: &str = "Limitations";
pub const LABEL_SKIPPED: &str = "Not checked";
pub const LABEL_ERROR: &str = "error";
pub const LABEL_CAUSE: &str = "cause";
pub const LABEL_FIX: &str = "fix";
pub const LABEL_SOURCE: &str = "from";
pub const LABEL_CRITICAL: &str = "critical";
pub const LABEL_OPTIONAL: &str = "optional";
pub const SKIPPED_BY_FLAG: &str = "skipped (--skip/--only)";
pub const INTERRUPTED: &str = "interrupted (Ctrl-C) before it finished";

/// How much a problem matters: it fails the gate, or it does not.
pub fn weight(required: bool) -> &'static str {
    if required {
        LABEL_CRITICAL
    } else {
        LABEL_OPTIONAL
    }
}

pub const JUNIT_SUITE: &str = "railconn check";
pub const MARKDOWN_TABLE_HEADER: &str = "| check | status | target | result |";

pub fn annotation_title(check: &str, code: &str, step: Option<&str>) -> String {
    match step {
        Some(step) => format!("railconn {check}: {code} at {step}"),
        None => format!("railconn {check}: {code}"),
    }
}

pub fn code_at_step(code: &str, step: &str) -> String {
    format!("`{code}` at {step}")
}

/// A status with a symbol, for Markdown tables.
pub fn status_badge(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅ pass",
        Status::Warn => "⚠️ warn",
        Status::Fail => "❌ fail",
        Status::Skip => "⏭️ skip",
    }
}

pub fn verdict_ready(warnings: usize) -> String {
    match warnings {
        0 => "Verdict: ready to deploy".into(),
        1 => "Verdict: ready to deploy, with 1 limitation".into(),
        n => format!("Verdict: ready to deploy, with {n} limitations"),
    }
}

pub fn verdict_not_ready(critical: usize, strict_warnings: usize) -> String {
    match (critical, strict_warnings) {
        (0, 1) => "Verdict: not ready: 1 limitation (--strict)".into(),
        (0, n) => format!("Verdict: not ready: {n} limitations (--strict)"),
        (1, _) => "Verdict: not ready: 1 critical problem".into(),
        (n, _) => format!("Verdict: not ready: {n} critical problems"),
    }
}

pub fn verdict_interrupted() -> String {
    "Verdict: not ready: interrupted (Ctrl-C) before every check finished".into()
}

pub fn header(version: &str, duration: Duration) -> String {
    format!("railconn {version}: checked in {}", ms(duration))
}

// ---- serve: logs, health, status page (issue 14) ---------------------------------

pub fn serve_listening(addr: SocketAddr, interval: Duration) -> String {
    format!(
        "railconn serve: listening on http://{addr} (/metrics, /healthz, /livez, /); checks every {}",
        humantime::format_duration(interval)
    )
}

pub const SERVE_OPEN: &str = "railconn serve: no token (RAILCONN_SERVE_TOKEN or --token-file): every endpoint is open to whoever can reach this port; keep it on a private network or set a token";

pub const SERVE_TOKEN_ON: &str =
    "railconn serve: a bearer token is required on every endpoint but /livez";

pub fn serve_ipv4_only(addr: SocketAddr) -> String {
    format!("railconn serve: IPv6 is unavailable here, listening on IPv4 only ({addr})")
}

pub const HEALTH_NO_ROUND: &str = "no round of checks has finished yet";

pub fn health_stale(age: Duration) -> String {
    format!(
        "the latest results are stale: the last round finished {} ago",
        humantime::format_duration(Duration::from_secs(age.as_secs()))
    )
}

pub const UNAUTHORIZED: &str = "401 unauthorized: send Authorization: Bearer <token>\n";
pub const NOT_FOUND: &str = "404 not found: try /, /metrics, /healthz or /livez\n";

pub const PAGE_TITLE: &str = "railconn status";
pub const PAGE_WAITING: &str = "No round of checks has finished yet; this page refreshes itself.";
pub const PAGE_COLUMNS: [&str; 4] = ["check", "status", "target", "result"];

pub fn page_updated(time: &str, interval: Duration) -> String {
    format!(
        "Last round finished {time}; checks run every {}, and this page reloads itself as often.",
        humantime::format_duration(interval)
    )
}

pub fn error_listen(addr: &str, reason: &str) -> String {
    format!("cannot listen on {addr}: {reason}. Pick another --listen address or port")
}

pub fn error_port(value: &str) -> String {
    format!("PORT must be a port number (1-65535), not {value:?}: fix PORT or pass --listen")
}

pub fn error_token_file(path: &str, reason: &str) -> String {
    format!("cannot use the token file {path}: {reason}")
}

pub const TOKEN_EMPTY: &str = "it is empty";

// ---- small formatting helpers ---------------------------------------------------------

/// A duration as people read it in a report: `0.4 ms`, `12 ms`, `1.50 s`.
pub fn ms(duration: Duration) -> String {
    let millis = duration.as_secs_f64() * 1000.0;
    if millis < 10.0 {
        format!("{millis:.1} ms")
    } else if millis < 1000.0 {
        format!("{millis:.0} ms")
    } else {
        format!("{:.2} s", millis / 1000.0)
    }
}

fn hex(bytes: &[u8]) -> String {
    let shown: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
    if shown.is_empty() {
        "nothing".into()
    } else {
        format!("first bytes {}", shown.join(" "))
    }
}

// ---- providers ------------------------------------------------------------------------

/// A provider's own cause and fix (the table in `provider/table.rs` says
/// which tip applies to which host, check and code). Each family's words
/// are in a function of their own; the last arm of each hands over to the
/// next family, and a test checks that every tip has words of its own.
pub fn provider_tip(tip: Tip) -> Advice {
    platform_tip(tip)
}

/// Railway, Render, Heroku and Fly.io: the platforms apps run on.
fn platform_tip(tip: Tip) -> Advice {
    use Tip::*;
    match tip {
        RailwayPrivateDnsPostgres => advice(
            "A *.railway.internal name resolves only inside a running deployment of the same Railway project and environment: not from a laptop, CI, or the build (Dockerfile RUN, postinstall).",
            "Outside Railway use DATABASE_PUBLIC_URL (railconn check --public); run migrations in the pre-deploy or start command, not the build.",
        ),
        RailwayPrivateDnsRedis => advice(
            "A *.railway.internal name resolves only inside a running deployment of the same Railway project and environment: not from a laptop, CI, or the build (Dockerfile RUN, postinstall).",
            "Outside Railway use REDIS_PUBLIC_URL (railconn check --public); inside, keep the private URL and connect at runtime, not during the build.",
        ),
        RailwayPrivateRefused => advice(
            "The private name resolved, but the service refused the connection: it is not running, or it listens on IPv4 only (0.0.0.0) while Railway's private network reaches it over IPv6 (environments created before 16 October 2025 are IPv6-only).",
            "Make the service listen on `::` (e.g. `uvicorn --host ::`, `redis-server --bind '* -::*'`) and check its deploy logs.",
        ),
        RailwayProxyClosedPostgres => advice(
            "Railway's TCP proxy (*.proxy.rlwy.net) accepted the connection and closed it without a PostgreSQL reply: the proxy is up, but no database answers behind it. The PostgreSQL service is stopped, crashed, redeploying, or deleted (a URL kept from a removed service or project ends here too); it is not a password problem, which PostgreSQL would have said.",
            "Open the project in Railway and check the PostgreSQL service's deployment and logs (railway logs --service Postgres). If it is gone, add a database and copy its DATABASE_PUBLIC_URL again (railway variables --service Postgres --kv); inside Railway use DATABASE_URL=${{Postgres.DATABASE_URL}}.",
        ),
        RailwayProxyClosedRedis => advice(
            "Railway's TCP proxy (*.proxy.rlwy.net) accepted the connection and closed it without a Redis reply: the proxy is up, but no Redis answers behind it. The Redis service is stopped, crashed, redeploying, or deleted.",
            "Open the project in Railway and check the Redis service's deployment and logs (railway logs --service Redis). If it is gone, add a Redis and copy its REDIS_PUBLIC_URL again (railway variables --service Redis --kv); inside Railway use REDIS_URL=${{Redis.REDIS_URL}}.",
        ),
        RailwayProxyRefused => advice(
            "Railway's TCP proxy refused this port: each proxy has its own random port, which changes when Public Networking is removed and added again.",
            "Copy host and port together from the service's *_PUBLIC_URL variable (railway variables --service <name> --kv).",
        ),
        RailwayProxyGone => advice(
            "This *.proxy.rlwy.net name does not exist: the service's Public Networking (TCP proxy) was removed, or the service or project was deleted. Waiting does not bring the name back.",
            "Enable Public Networking on the service (Settings → Networking → TCP Proxy) and copy the new *_PUBLIC_URL; if the service is gone, create it again.",
        ),
        RenderInternalOnly => advice(
            "Render's internal host names (dpg-…-a, red-…) resolve only inside Render services in the same region and workspace.",
            "Outside Render use the External Database URL (…<region>-postgres.render.com) or the Key Value's external URL.",
        ),
        RenderExpired => advice(
            "Render's free databases expire 30 days after creation and are deleted after a grace period; an expired or suspended database stops answering and a deleted one's name stops resolving.",
            "Check the database in the Render dashboard: upgrade it to a paid plan, or create a new one and copy its External Database URL.",
        ),
        RenderAllowList => advice(
            "Render accepts external connections only from the addresses in the database's access control list.",
            "Add this machine's address under the database's Networking → Access Control (or use the internal URL from a Render service).",
        ),
        RenderTls => advice(
            "Render requires TLS on external connections.",
            "Add ?sslmode=require to the PostgreSQL URL; use rediss:// for Key Value.",
        ),
        HerokuRotated => advice(
            "Heroku rotates the credentials of its data add-ons (maintenance, heroku pg:credentials:rotate) and updates DATABASE_URL/REDIS_URL of the attached apps: a copied URL goes stale.",
            "Read the variable at runtime instead of copying it; outside the dyno get the current one: heroku config:get DATABASE_URL -a <app>.",
        ),
        HerokuTls => advice(
            "Heroku Postgres accepts only TLS connections.",
            "Add ?sslmode=require to DATABASE_URL.",
        ),
        HerokuRedisCertificate => advice(
            "Heroku Redis serves a self-signed certificate, so verifying it against public roots fails.",
            "Keep rediss:// but skip verification as Heroku documents (ssl_cert_reqs=none in redis-py, tls.rejectUnauthorized=false in Node; #insecure here).",
        ),
        FlyPrivateOnly => advice(
            "Fly.io's .internal and .flycast names resolve only on the organisation's private network: inside Fly machines, or over a WireGuard tunnel.",
            "From a laptop run `fly proxy 5432 -a <db-app>` (or `fly mpg proxy`) and check localhost, or connect through `fly wireguard`.",
        ),
        FlyListenIpv6 => advice(
            "Fly's private network is IPv6: the name resolved, but nothing listens on that port over IPv6 — the app listens on 0.0.0.0 (IPv4) only, or is stopped.",
            "Make the service listen on `::` (or fly-local-6pn), and check `fly status -a <app>`.",
        ),
        FlycastNoService => advice(
            "Flycast goes through Fly's proxy: it refuses when no [[services]] entry in fly.toml has this port, and closes while it starts a stopped machine.",
            "Add a service for the port (internal_port, with auto_start_machines) and retry; railconn wait rides out a machine starting.",
        ),
        _ => postgres_host_tip(tip),
    }
}

/// Neon, Supabase, AWS, Aiven and `DigitalOcean`: where databases live.
fn postgres_host_tip(tip: Tip) -> Advice {
    use Tip::*;
    match tip {
        NeonTlsAndSni => advice(
            "Neon accepts only TLS connections, and finds the compute by the endpoint ID (the ep-… first label of the host) in the TLS server name (SNI): a plaintext connection, or a client without SNI (libpq before 14, some old drivers), is refused.",
            "Use ?sslmode=require (Neon's connection string has it); with a client that sends no SNI add options=endpoint%3D<endpoint-id> to the URL.",
        ),
        NeonColdStart => advice(
            "A Neon compute suspended after inactivity (scale to zero) starts on the next connection; the first connection waits for it, usually a few hundred milliseconds, longer on a busy region.",
            "Retry, or run railconn wait, which rides it out; give the app a connect timeout of 10 s or more.",
        ),
        NeonGone => advice(
            "This Neon host name does not exist: the endpoint ID is mistyped, or its branch or project was deleted. Waiting does not bring it back.",
            "Copy the connection string again from the Neon console (Connect); if the project is gone, create one and update DATABASE_URL.",
        ),
        NeonTooManyConnections => advice(
            "The Neon compute's max_connections (set by its size) is used up by direct connections.",
            "Connect through Neon's pooler: add -pooler to the endpoint ID in the host (ep-…-pooler.<region>.aws.neon.tech); keep the direct host for migrations.",
        ),
        SupabaseIpv6Only => advice(
            "Supabase's direct host db.<ref>.supabase.co has only an IPv6 address (unless the project has the IPv4 add-on), and this network has no IPv6 route. Railway's outbound traffic is IPv4 unless outbound IPv6 is enabled.",
            "Use the Supavisor session pooler instead: postgresql://postgres.<ref>:PASSWORD@aws-0-<region>.pooler.supabase.com:5432/postgres (dashboard → Connect → Session pooler); or enable outbound IPv6 on Railway (service Settings → Networking).",
        ),
        SupabasePausedOrGone => advice(
            "The Supabase project does not answer: a free project is paused after a week without activity, a deleted project's names stop resolving, and the direct host is IPv6-only (an IPv4-only resolver or network finds nothing).",
            "Restore the project in the Supabase dashboard (paused projects show a Restore button); from an IPv4-only network use the session pooler URL (dashboard → Connect); if the project is gone, create one.",
        ),
        SupabaseTenant => advice(
            "Supavisor, Supabase's shared pooler, finds the project by the user name: it must be postgres.<project-ref>, and the aws-N-<region> host must be the project's. \"Tenant or user not found\" means one of them is wrong; a wrong password would be reported as such.",
            "Copy the pooler connection string from the dashboard (Connect): postgresql://postgres.<ref>:PASSWORD@aws-0-<region>.pooler.supabase.com:6543/postgres.",
        ),
        SupabaseSessionFull => advice(
            "The Supavisor session pooler (port 5432) gives each client its own database connection, up to the pool size (15 on small computes): the app's pools, workers and replicas together hold them all.",
            "Use transaction mode (port 6543) for many short-lived clients, or lower the app's pool size per process.",
        ),
        SupabasePoolerDatabase => advice(
            "Supabase's pooler serves the project's database, named `postgres`.",
            "Use /postgres as the database in the URL.",
        ),
        AivenIpFilter => advice(
            "Aiven drops connections from addresses outside the service's allowed IP addresses (IP filter), which looks like a timeout.",
            "Add this machine's address to the service's allowed IP addresses (console → Service settings → Networking, or avn service update --ip-filter).",
        ),
        AivenTls => advice(
            "Aiven requires TLS, with certificates signed by the project's own CA.",
            "Download the project CA (ca.pem) and use ?sslmode=verify-full&sslrootcert=ca.pem (or sslmode=require to encrypt without verifying); rediss:// for Valkey/Redis.",
        ),
        AivenGone => advice(
            "This Aiven host name does not exist: the service was deleted, or it is powered off.",
            "Power the service on (or recreate it) in the Aiven console and copy its Service URI again.",
        ),
        RdsSecurityGroup => advice(
            "RDS drops packets that the instance's security groups do not allow, which looks like a timeout; an instance that is not publicly accessible is reachable only inside its VPC.",
            "Add an inbound rule for the port from this address to the instance's security group, and set Publicly accessible when connecting from outside the VPC.",
        ),
        RdsTls => advice(
            "The AWS database requires TLS (rds.force_ssl, on by default since PostgreSQL 15), and its certificate is signed by Amazon's RDS CA, not a public root.",
            "Add ?sslmode=require; to verify, download global-bundle.pem from AWS and use sslmode=verify-full&sslrootcert=global-bundle.pem.",
        ),
        RdsGone => advice(
            "The provider's endpoint name does not exist: the database or cluster was deleted or renamed, or the name is mistyped. Waiting does not bring it back.",
            "Copy the endpoint again from the provider's console; if the database is gone, restore it from a snapshot or create one.",
        ),
        DigitalOceanTrustedSources => advice(
            "DigitalOcean drops connections from addresses outside the cluster's trusted sources, which looks like a timeout.",
            "Add this machine or app under the cluster's Settings → Trusted sources.",
        ),
        DigitalOceanTls => advice(
            "DigitalOcean Managed Databases accept only TLS connections.",
            "Add ?sslmode=require (rediss:// for Valkey/Redis); to verify, download the cluster's CA certificate and use sslrootcert.",
        ),
        DigitalOceanPoolName => advice(
            "On port 25061 the URL path names a connection pool (PgBouncer), not a database: this pool does not exist.",
            "Copy the pool's connection string from the cluster's Connection Pools tab, or use port 25060 with the database name.",
        ),
        _ => redis_host_tip(tip),
    }
}

/// Upstash, Redis Cloud and `ElastiCache`.
fn redis_host_tip(tip: Tip) -> Advice {
    use Tip::*;
    match tip {
        UpstashTls => advice(
            "Upstash accepts only TLS connections; a plaintext redis:// client has its connection closed or reset.",
            "Use rediss:// with the endpoint and token from the Upstash console: rediss://default:TOKEN@<name>.upstash.io:6379.",
        ),
        UpstashGone => advice(
            "This *.upstash.io name does not exist: the database was deleted (or the endpoint was mistyped). Waiting does not bring it back.",
            "Open the Upstash console: copy the endpoint again, or create a database and update REDIS_URL.",
        ),
        UpstashToken => advice(
            "Upstash rejected the password: it is the database's token, which changes when the token is reset or the database is recreated.",
            "Copy the current token from the Upstash console: rediss://default:TOKEN@<name>.upstash.io:6379.",
        ),
        UpstashRestUrl => advice(
            "This is Upstash's REST (HTTPS) endpoint, not the Redis protocol one.",
            "Use the rediss:// endpoint on port 6379 from the console, not UPSTASH_REDIS_REST_URL.",
        ),
        RedisCloudGone => advice(
            "Redis Cloud gives each database its own endpoint name (redis-<port>.<cluster>.redis-cloud.com). A name that does not resolve means the database or its subscription was deleted (free databases included), or the endpoint was copied wrong; a wrong password would still resolve. Waiting does not bring it back.",
            "Open the Redis Cloud console (cloud.redis.io) → Databases: if the database exists, copy its public endpoint and the default user's password again; if not, create one and set REDIS_URL=redis://default:PASSWORD@<endpoint>:<port> (on Railway: railway variables --set \"REDIS_URL=…\").",
        ),
        RedisCloudAllowList => advice(
            "Redis Cloud drops connections from addresses outside the database's CIDR allow list, which looks like a timeout.",
            "Add this machine's public address (or your platform's egress addresses) to the database's CIDR allow list (Security), or remove the list.",
        ),
        RedisCloudTls => advice(
            "TLS is enabled on this Redis Cloud database: a plaintext client is cut off, and the certificate is signed by Redis Cloud's own CA, not a public one.",
            "Use rediss:// and point SSL_CERT_FILE at the CA bundle downloaded from the database's Security settings.",
        ),
        ElastiCacheVpcOnly => advice(
            "ElastiCache has no public endpoint: it is reachable only from inside its VPC (and through its security group), so from anywhere else the connection times out.",
            "Run the check from inside the VPC, or through a tunnel (e.g. ssh -L 6379:<endpoint>:6379 bastion, then --resolve <endpoint>:6379:127.0.0.1).",
        ),
        ElastiCacheTls => advice(
            "The cluster has in-transit encryption on: it speaks only TLS, and a plaintext client is cut off.",
            "Use rediss:// (the endpoint and port stay the same).",
        ),
        _ => pooler_tip(tip),
    }
}

/// Connection poolers, whoever runs them.
fn pooler_tip(tip: Tip) -> Advice {
    use Tip::*;
    match tip {
        PoolerNoSuchDatabase => advice(
            "A connection pooler (PgBouncer) answers on this port and has no entry for the database in the URL: PgBouncer serves only the databases in its [databases] section (or those its `*` fallback allows), whatever exists on the server behind it.",
            "Use a database name the pooler knows (on Railway's PgBouncer, the one in its DATABASE_URL), or add it to pgbouncer.ini [databases] and reload the pooler.",
        ),
        PoolerFull => advice(
            "The connection pooler refused a new client: its own client limit (PgBouncer's max_client_conn, Supavisor's pool size) is reached by the app's pools, workers and replicas; the database behind it may have room.",
            "Lower the app's pool size per process, or raise the pooler's limit (PgBouncer: max_client_conn, with the file-descriptor limit to match).",
        ),
        PoolerAuth => advice(
            "The connection pooler checks passwords itself (PgBouncer's auth_file or auth_query): the user is missing there, or a password changed on the server was not changed in the pooler.",
            "Update the pooler's user list (auth_file) or auth_query, or use the credentials the platform generated for the pooled URL.",
        ),
        // PoolerCannotReachServer, the last tip.
        _ => advice(
            "The connection pooler answers, but cannot open a connection to the database behind it: the database is down or restarting, or the pooler's own credentials for it are wrong.",
            "Check the database service's logs, then the pooler's (its server_login_retry message repeats while it fails); railconn wait rides out a database that is starting.",
        ),
    }
}

// ---- --resolve ------------------------------------------------------------------------

pub const RESOLVE_FORM: &str =
    "write HOST:PORT:ADDR, e.g. db.example.com:5432:127.0.0.1 (an IPv6 ADDR may be in brackets)";

pub fn resolve_bad_port(port: &str) -> String {
    format!("`{port}` is not a port (1-65535): write HOST:PORT:ADDR")
}

pub fn resolve_bad_addr(addr: &str) -> String {
    format!("`{addr}` is not an IP address: write HOST:PORT:ADDR with ADDR like 127.0.0.1 or [::1]")
}
