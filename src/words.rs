//! From domain values to messages: joins lists, hides values that may be
//! secrets, picks the variant a case needs, and maps codes to causes and
//! fixes. The words themselves are in `i18n/en.ftl` and `i18n/ru.ftl`;
//! every function here returns a [`Message`] that a renderer turns into
//! the run's language.
//!
//! Messages never contain a secret: callers pass only names, hosts, codes,
//! lengths and server replies.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

pub(crate) use crate::i18n::Advice;
use crate::i18n::{Message, msg};
use crate::model::provenance::list;
use crate::model::{Code, Provenance, Status, Tip};

// ---- URL validation -------------------------------------------------------

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
fn part_key(part: &str) -> &'static str {
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

pub(crate) fn pg_env_defaults(vars: &[&str]) -> Message {
    msg::pg_env_defaults(vars.join(", "))
}

pub(crate) fn pg_uri_bad_percent(part: &str) -> Message {
    msg::pg_uri_bad_percent(part_key(part))
}

pub(crate) fn pg_portability_credential(part: &str, special: char, encoded: &str) -> Message {
    msg::pg_portability_credential(part_key(part), special, encoded.to_string())
}

// ---- normalisation ----------------------------------------------------------

pub(crate) fn norm_driver(driver: &str) -> Message {
    msg::norm_driver(driver.chars().take(20).collect())
}

pub(crate) fn norm_prisma(names: &[&str]) -> Message {
    msg::norm_prisma(names.join(", "))
}

// ---- config step ----------------------------------------------------------

pub(crate) fn config_from(source: &Provenance) -> Message {
    msg::config_from(source.message())
}

pub(crate) fn config_missing(vars: &[&str], flag: &str) -> Message {
    msg::config_missing(vars.join(", "), vars.len(), flag)
}

pub(crate) fn config_invalid(source: &Provenance, message: &Message) -> Message {
    msg::config_invalid(source.message(), message.clone())
}

pub(crate) fn target_missing(vars: &[&str]) -> Message {
    msg::target_missing(vars.join(", "))
}

pub(crate) fn target_invalid(source: &Provenance) -> Message {
    msg::target_invalid(source.message())
}

// ---- dns / tcp --------------------------------------------------------------

/// `eai` is getaddrinfo's error name (`EAI_NONAME`…): the catalogs say
/// it in words, the same on glibc and musl and in every locale.
pub(crate) fn dns_failed(host: &str, eai: &str) -> Message {
    msg::dns_failed(host, eai.to_string())
}

pub(crate) fn dns_addresses(v4: &[String], v6: &[String]) -> Message {
    let list = |family: &str, addrs: &[String]| {
        (!addrs.is_empty()).then(|| msg::dns_family(family, addrs.join(", ")))
    };
    match (list("IPv4", v4), list("IPv6", v6)) {
        (Some(v4), Some(v6)) => msg::joined(v4, v6),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => Message::default(),
    }
}

pub(crate) fn tcp_timeout(addr: SocketAddr, limit: Duration) -> Message {
    msg::tcp_timeout(addr.to_string(), limit)
}

/// A failed connect, named by its errno where the catalogs know it (as
/// `dns_failed` names getaddrinfo's codes), else in the system's words.
pub(crate) fn tcp_failed(addr: SocketAddr, error: &std::io::Error) -> Message {
    use std::io::ErrorKind::*;
    let errno = match error.kind() {
        ConnectionRefused => "ECONNREFUSED",
        NetworkUnreachable => "ENETUNREACH",
        HostUnreachable => "EHOSTUNREACH",
        ConnectionReset => "ECONNRESET",
        TimedOut => "ETIMEDOUT",
        AddrNotAvailable => "EADDRNOTAVAIL",
        PermissionDenied => "EACCES",
        _ => return msg::tcp_failed(addr.to_string(), error.to_string()),
    };
    msg::tcp_failed(addr.to_string(), errno.to_string())
}

/// No socket could be opened for `target` (an address or a host name):
/// `errno` says which resource this process or the system lacked.
pub(crate) fn local_resources_failed(target: &str, errno: &str) -> Message {
    msg::local_resources_failed(target.to_string(), errno.to_string())
}

/// Connected to `addr` after the addresses in `earlier` failed.
pub(crate) fn tcp_connected_after(addr: SocketAddr, earlier: &[(SocketAddr, &str)]) -> Message {
    if earlier.is_empty() {
        return msg::tcp_connected(addr.to_string());
    }
    let earlier: Vec<String> = earlier
        .iter()
        .map(|(failed, code)| format!("{failed}: {code}"))
        .collect();
    msg::tcp_connected_after(addr.to_string(), earlier.join(", "))
}

// ---- tls --------------------------------------------------------------------

/// rustls names versions `TLSv1_3`; people and libpq write `TLSv1.3`.
pub(crate) fn tls_version(raw: &str) -> String {
    raw.replace("TLSv1_", "TLSv1.")
}

pub(crate) fn tls_alert(alert: &str) -> Message {
    msg::tls_alert(alert.to_string())
}

pub(crate) fn tls_failed(error: &str) -> Message {
    msg::tls_failed(error.to_string())
}

pub(crate) fn peer_too_much(limit: usize) -> Message {
    msg::peer_too_much(limit / 1024)
}

pub(crate) fn cert_other(reason: &str) -> Message {
    msg::cert_other(reason.to_string())
}

pub(crate) fn cert_failure(reason: &Message) -> Message {
    msg::cert_failure(reason.clone())
}

pub(crate) fn cert_failure_of(
    reason: &Message,
    subject: &str,
    issuer: &str,
    not_after_unix: u64,
) -> Message {
    msg::cert_failure_with(
        reason.clone(),
        subject.to_string(),
        issuer.to_string(),
        moment(not_after_unix),
    )
}

pub(crate) fn root_file_unreadable(path: &Path, error: &Message) -> Message {
    msg::root_file_unreadable(path.display().to_string(), error.clone())
}

pub(crate) fn root_file_empty(path: &Path) -> Message {
    msg::roots_empty_file(path.display().to_string())
}

fn yes_no(yes: bool) -> &'static str {
    if yes { "yes" } else { "no" }
}

pub(crate) fn tls_detail(version: &str, verified: bool) -> Message {
    msg::tls_detail(version.to_string(), yes_no(verified))
}

/// The negotiated TLS version and the server's leaf certificate.
pub(crate) struct CertDetail<'a> {
    pub subject: &'a str,
    pub issuer: &'a str,
    pub names: &'a [String],
    pub not_after_unix: u64,
    pub days_left: i64,
}

pub(crate) fn tls_cert_detail(version: &str, verified: bool, cert: &CertDetail<'_>) -> Message {
    msg::tls_detail_cert(
        version.to_string(),
        yes_no(verified),
        cert.subject.to_string(),
        cert.issuer.to_string(),
        cert.names.join(", "),
        yes_no(!cert.names.is_empty()),
        moment(cert.not_after_unix),
        cert.days_left,
    )
}

pub(crate) fn cert_expired_unverified(not_after_unix: u64) -> Message {
    msg::cert_expired_unverified(moment(not_after_unix))
}

pub(crate) fn cert_expires_soon(days: i64, not_after_unix: u64) -> Message {
    msg::cert_expires_soon(days, moment(not_after_unix))
}

/// A certificate's moment, shown in the run's language inside a sentence
/// (`2026-12-28 04:09 UTC`, `28.12.2026 04:09 UTC`).
fn moment(unix: u64) -> crate::i18n::Arg {
    crate::i18n::Arg::Time(i64::try_from(unix).unwrap_or(i64::MAX))
}

/// A certificate without subjectAltName names gets its own sentence: an
/// empty list printed as "(for [])" (issue 23).
pub(crate) fn cert_self_signed(names: &[String]) -> Message {
    if names.is_empty() {
        msg::cert_self_signed_unnamed()
    } else {
        msg::cert_self_signed(names.join(", "))
    }
}

// ---- postgres -----------------------------------------------------------------

pub(crate) fn pg_peer_unknown(bytes: &[u8]) -> Message {
    msg::pg_peer_unknown(msg::peer_bytes(bytes))
}

pub(crate) fn pg_auth_detail(user: Option<&str>) -> Message {
    match user {
        Some(user) => msg::pg_auth_detail(user),
        None => msg::pg_auth_detail_anonymous(),
    }
}

pub(crate) fn pg_server_said(severity: &str, sqlstate: &str, message: &str) -> Message {
    msg::pg_server_said(
        severity.to_string(),
        sqlstate.to_string(),
        message.to_string(),
    )
}

pub(crate) fn pg_query_detail(version: &str, database: &str, user: &str) -> Message {
    msg::pg_query_detail(version.to_string(), database.to_string(), user.to_string())
}

pub(crate) fn pg_no_tables(database: &str) -> Message {
    msg::pg_no_tables(database.to_string())
}

pub(crate) fn pg_facts_detail(detail: &Message, connections: Option<(u64, u64)>) -> Message {
    match connections {
        Some((used, usable)) => msg::pg_facts_detail(detail.clone(), used, usable),
        None => detail.clone(),
    }
}

pub(crate) fn pg_read_only(facts: &Message) -> Message {
    msg::pg_read_only(facts.clone())
}

// ---- redis --------------------------------------------------------------------

pub(crate) fn redis_auth_detail(user: Option<&str>) -> Message {
    match user {
        Some(user) => msg::redis_auth_detail(user),
        None => msg::redis_auth_detail_default(),
    }
}

pub(crate) fn redis_ping_detail(version: Option<&str>, db: i64) -> Message {
    match version {
        Some(version) => msg::redis_ping_detail(version.to_string(), db),
        None => msg::redis_ping_detail_no_version(db),
    }
}

pub(crate) fn redis_replica(detail: &Message) -> Message {
    msg::redis_replica(detail.clone())
}

pub(crate) fn redis_evicts_all(policy: &str) -> Message {
    msg::redis_evicts_all(policy.to_string())
}

pub(crate) fn redis_memory_full(used: u64, max: u64) -> Message {
    msg::redis_memory_full(used / (1024 * 1024), max / (1024 * 1024))
}

pub(crate) fn redis_peer_unknown(bytes: &[u8]) -> Message {
    msg::redis_peer_unknown(msg::peer_bytes(bytes))
}

// ---- jwt ------------------------------------------------------------------------

pub(crate) fn jwt_target_hidden(chars: usize) -> Message {
    msg::jwt_target_hidden(msg::hidden_value(chars))
}

/// `shown` is the value when it looks like a setting, `None` when it
/// may be a secret pasted into the wrong variable.
pub(crate) fn jwt_bad_algorithm(var: &str, shown: Option<&str>, chars: usize) -> Message {
    msg::jwt_bad_algorithm(var, value_or_length(shown, chars))
}

pub(crate) fn jwt_missing_secret(vars: &[&str]) -> Message {
    msg::jwt_missing_secret(vars.join(", "))
}

/// `shown` as for [`jwt_bad_algorithm`].
pub(crate) fn jwt_bad_lifetime(var: &str, shown: Option<&str>, chars: usize) -> Message {
    msg::jwt_bad_lifetime(var, value_or_length(shown, chars))
}

fn value_or_length(shown: Option<&str>, chars: usize) -> Message {
    match shown {
        Some(value) => msg::shown_value(value),
        None => msg::hidden_value(chars),
    }
}

pub(crate) fn jwt_lifetime(minutes: i64) -> Message {
    if minutes <= 0 {
        msg::jwt_lifetime_expired(minutes)
    } else {
        msg::jwt_lifetime_long(minutes)
    }
}

pub(crate) fn jwt_key_file(var: &str, error: &Message) -> Message {
    msg::jwt_key_file(var, error.clone())
}

pub(crate) fn jwt_key_detail(algorithm: &str, bits: Option<usize>, has_public: bool) -> Message {
    msg::jwt_key_detail(algorithm, bits.unwrap_or(0), yes_no(has_public))
}

pub(crate) fn jwt_sign_failed(kind: &str) -> Message {
    msg::jwt_sign_failed(kind.to_string())
}

pub(crate) fn jwt_verify_failed(kind: &str) -> Message {
    msg::jwt_verify_failed(kind.to_string())
}

// ---- findings across checks -----------------------------------------------------

pub(crate) fn memory_fallback(redis_configured: bool) -> Message {
    msg::memory_fallback(if redis_configured { "failing" } else { "unset" })
}

// ---- wait, watch, env -----------------------------------------------------------

pub(crate) fn wait_stopped_early(check: &str, code: Code) -> Message {
    msg::wait_stopped_early(check, code.as_str())
}

pub(crate) fn wait_progress(
    failing: &[(&str, Code)],
    elapsed: Duration,
    timeout: Duration,
) -> Message {
    let failing = list(
        failing
            .iter()
            .map(|&(check, code)| msg::wait_failing(check, code.as_str())),
    );
    msg::wait_progress(failing, elapsed, timeout)
}

pub(crate) fn command_not_started(command: &str, error: &str) -> Message {
    msg::command_not_started(command.to_string(), error.to_string())
}

fn took(millis: f64) -> Duration {
    Duration::from_secs_f64(millis.max(0.0) / 1000.0)
}

pub(crate) fn watch_change(
    time: &str,
    check: &str,
    before: Option<Status>,
    now: Status,
    code: Option<Code>,
    millis: f64,
) -> Message {
    let code = code.map(|c| format!(" {}", c.as_str())).unwrap_or_default();
    match before {
        Some(before) => msg::watch_change(
            time.to_string(),
            check,
            before.as_str(),
            now.as_str(),
            code,
            took(millis),
        ),
        None => msg::watch_first(time.to_string(), check, now.as_str(), code, took(millis)),
    }
}

pub(crate) fn watch_heartbeat(time: &str, round: u64, checks: &[(&str, Status, f64)]) -> Message {
    let states = list(checks.iter().map(|&(check, status, millis)| {
        msg::watch_check_state(check, status.as_str(), took(millis))
    }));
    msg::watch_heartbeat(time.to_string(), round, states)
}

pub(crate) fn watch_summary(
    check: &str,
    rounds: u64,
    availability: f64,
    failures: &[(&str, u64)],
    latency: (f64, f64, f64),
) -> Message {
    let failures = if failures.is_empty() {
        msg::watch_no_failures()
    } else {
        msg::watch_failures(list(
            failures
                .iter()
                .map(|&(code, n)| msg::watch_failure_count(code, n)),
        ))
    };
    msg::watch_summary(
        check,
        crate::i18n::Arg::fixed(availability, 1),
        rounds,
        failures,
        took(latency.0),
        took(latency.1),
        took(latency.2),
    )
}

pub(crate) fn env_invalid_url(message: &Message) -> Message {
    msg::env_invalid_url(message.clone())
}

/// A key variable's value as `env` may show it: how much PEM text, or why
/// the app's JWT library will not take it as it is.
pub(crate) fn env_key(value: &str) -> Message {
    if !value.contains("-----BEGIN") {
        msg::env_key_path()
    } else if value.contains("\\n") {
        msg::env_key_escaped(value.len())
    } else {
        msg::env_key_pem(value.len())
    }
}

pub(crate) fn env_file_committable(path: &str) -> Message {
    msg::env_file_committable(path.to_string())
}

// ---- errors that stop a run (exit 2) ---------------------------------------------

pub(crate) fn error_env_file(path: &str, reason: &Message, named: bool) -> Message {
    // `<(command)` reaches us as /dev/fd/N: a path the user never typed,
    // whose fix is in the command (the reason says so), not in a flag.
    if path.starts_with("/dev/fd/") || path.starts_with("/proc/self/fd/") {
        msg::error_env_pipe(path.to_string(), reason.clone())
    } else if named {
        msg::error_env_file_named(path.to_string(), reason.clone())
    } else {
        msg::error_env_file(path.to_string(), reason.clone())
    }
}

pub(crate) fn error_runtime(error: &str) -> Message {
    msg::error_runtime(error.to_string())
}

pub(crate) fn error_output(error: &str) -> Message {
    msg::error_output(error.to_string())
}

pub(crate) fn error_output_file(path: &str, reason: &Message) -> Message {
    msg::error_output_file(path.to_string(), reason.clone())
}

pub(crate) fn env_value_too_large(entry: usize, limit: usize) -> Message {
    msg::env_value_too_large(entry, limit / 1024)
}

pub(crate) fn env_file_too_large(limit: usize) -> Message {
    msg::env_file_too_large(limit / 1024)
}

pub(crate) fn env_entry(entry: usize, problem: &Message) -> Message {
    msg::env_entry(entry, problem.clone())
}

// ---- sqlite -----------------------------------------------------------------------

pub(crate) fn sqlite_missing(path: &str) -> Message {
    msg::sqlite_missing(path.to_string())
}

pub(crate) fn sqlite_not_a_file(path: &str) -> Message {
    msg::sqlite_not_a_file(path.to_string())
}

pub(crate) fn sqlite_not_sqlite(path: &str) -> Message {
    msg::sqlite_not_sqlite(path.to_string())
}

pub(crate) fn sqlite_unreadable(path: &str, error: &Message) -> Message {
    msg::sqlite_unreadable(path.to_string(), error.clone())
}

pub(crate) fn sqlite_ok(path: &str, bytes: u64) -> Message {
    msg::sqlite_ok(path.to_string(), bytes.div_ceil(1024))
}

pub(crate) fn sqlite_ephemeral(volume: Option<&Path>) -> Message {
    match volume {
        Some(volume) => msg::sqlite_outside_volume(volume.display().to_string()),
        None => msg::sqlite_no_volume(),
    }
}

// ---- causes and fixes -------------------------------------------------------------

/// A TLS handshake to a plaintext Redis that never answers.
pub(crate) fn redis_tls_timeout_advice() -> Advice {
    // A plaintext Redis reads a TLS ClientHello as an unfinished inline
    // command and waits for its end: the handshake just times out.
    msg::advice_redis_tls_timeout()
}

/// An `SSLRequest` that nobody answers.
pub(crate) fn postgres_tls_timeout_advice() -> Advice {
    msg::advice_pg_tls_timeout()
}

/// A connection closed at the first PostgreSQL message.
pub(crate) fn postgres_tls_closed_advice() -> Advice {
    msg::advice_pg_tls_closed()
}

pub(crate) fn postgres_advice(code: Code) -> Option<Advice> {
    use Code::*;
    Some(match code {
        MissingConfig => msg::advice_pg_missing_config(),
        UnsupportedScheme => msg::advice_pg_unsupported_scheme(),
        DnsNotFound => msg::advice_pg_dns_not_found(),
        ConnectionRefused => msg::advice_pg_connection_refused(),
        TlsUnsupported => msg::advice_pg_tls_unsupported(),
        TlsRequired => msg::advice_pg_tls_required(),
        CertificateInvalid => msg::advice_pg_certificate_invalid(),
        ConnectionClosed => msg::advice_pg_connection_closed(),
        ProtocolError => msg::advice_pg_protocol_error(),
        AuthFailed => msg::advice_pg_auth_failed(),
        AuthRequired => msg::advice_pg_auth_required(),
        AccessDenied => msg::advice_pg_access_denied(),
        DatabaseNotFound => msg::advice_pg_database_not_found(),
        TooManyConnections => msg::advice_pg_too_many_connections(),
        ServerStarting => msg::advice_pg_server_starting(),
        ReadOnly => msg::advice_pg_read_only(),
        InvalidValue => msg::advice_pg_invalid_value(),
        QueryFailed => msg::advice_pg_query_failed(),
        PreparedStatements => msg::advice_pg_prepared_statements(),
        _ => return None,
    })
}

pub(crate) fn redis_advice(code: Code) -> Option<Advice> {
    use Code::*;
    Some(match code {
        MissingConfig => msg::advice_redis_missing_config(),
        UnsupportedScheme => msg::advice_redis_unsupported_scheme(),
        DnsNotFound => msg::advice_redis_dns_not_found(),
        ConnectionRefused => msg::advice_redis_connection_refused(),
        TlsUnsupported => msg::advice_redis_tls_unsupported(),
        TlsRequired => msg::advice_redis_tls_required(),
        CertificateInvalid => msg::advice_redis_certificate_invalid(),
        ConnectionClosed => msg::advice_redis_connection_closed(),
        ProtocolError => msg::advice_redis_protocol_error(),
        AuthFailed => msg::advice_redis_auth_failed(),
        AuthRequired => msg::advice_redis_auth_required(),
        AccessDenied => msg::advice_redis_access_denied(),
        DatabaseNotFound => msg::advice_redis_database_not_found(),
        TooManyConnections => msg::advice_redis_too_many_connections(),
        ServerStarting => msg::advice_redis_server_starting(),
        ReadOnly => msg::advice_redis_read_only(),
        QueryFailed => msg::advice_redis_query_failed(),
        _ => return None,
    })
}

pub(crate) fn jwt_advice(code: Code) -> Option<Advice> {
    use Code::*;
    Some(match code {
        MissingConfig => msg::advice_jwt_missing_config(),
        InvalidValue => msg::advice_jwt_invalid_value(),
        WeakSecret => msg::advice_jwt_weak_secret(),
        InvalidKey => msg::advice_jwt_invalid_key(),
        UnsupportedAlgorithm => msg::advice_jwt_unsupported_algorithm(),
        RoundtripFailed => msg::advice_jwt_roundtrip_failed(),
        _ => return None,
    })
}

pub(crate) fn network_advice(code: Code) -> Option<Advice> {
    use Code::*;
    Some(match code {
        InvalidUrl => msg::advice_net_invalid_url(),
        DnsTimeout => msg::advice_net_dns_timeout(),
        DnsError => msg::advice_net_dns_error(),
        ConnectTimeout => msg::advice_net_connect_timeout(),
        NetworkUnreachable => msg::advice_net_network_unreachable(),
        LocalResources => msg::advice_net_local_resources(),
        TlsHandshakeFailed => msg::advice_net_tls_handshake_failed(),
        ConnectionReset => msg::advice_net_connection_reset(),
        Timeout => msg::advice_net_timeout(),
        _ => return None,
    })
}
// ---- values checked before a run --------------------------------------------------

pub(crate) fn bad_duration(error: &str) -> Message {
    msg::bad_duration(error.to_string())
}

// ---- values railconn withholds ------------------------------------------------------

pub(crate) fn file_too_large(limit: u64) -> Message {
    msg::file_too_large(limit / 1024)
}

// ---- serve: logs, health, status page (issue 14) ---------------------------------

pub(crate) fn serve_listening(addr: SocketAddr, interval: Duration) -> Message {
    msg::serve_listening(addr.to_string(), every(interval))
}

/// How often a setting such as `--interval` repeats: a whole number of
/// hours, minutes or seconds goes by its count and unit, so that Russian
/// can say «раз в минуту» and «каждые 5 мин» rather than «раз в 1 мин»
/// (issue 23); any other interval (`1.5 s`, `250 ms`) as the duration.
pub(crate) fn every(interval: Duration) -> Message {
    let secs = interval.as_secs();
    if secs == 0 || interval.subsec_nanos() != 0 {
        return msg::every_amount(interval);
    }
    let (count, unit) = if secs.is_multiple_of(3600) {
        (secs / 3600, "h")
    } else if secs.is_multiple_of(60) {
        (secs / 60, "min")
    } else {
        (secs, "s")
    };
    msg::every_whole(count, unit)
}

pub(crate) fn serve_ipv4_only(addr: SocketAddr) -> Message {
    msg::serve_ipv4_only(addr.to_string())
}

pub(crate) fn health_stale(age: Duration) -> Message {
    msg::health_stale(Duration::from_secs(age.as_secs()))
}

pub(crate) fn error_listen(addr: &str, reason: &str) -> Message {
    msg::error_listen(addr.to_string(), reason.to_string())
}

pub(crate) fn error_port(value: &str) -> Message {
    msg::error_port(format!("{value:?}"))
}

pub(crate) fn error_token_file(path: &str, reason: &Message) -> Message {
    msg::error_token_file(path.to_string(), reason.clone())
}

pub(crate) fn error_token_var(reason: &Message) -> Message {
    msg::error_token_var(reason.clone())
}

/// The token's byte at `at` (from 1) is not visible ASCII; `space` when it
/// is a space, tab or line break.
pub(crate) fn token_unusable(at: usize, space: bool) -> Message {
    if space {
        msg::token_whitespace(at)
    } else {
        msg::token_not_visible_ascii(at)
    }
}

// ---- limits and malformed replies ------------------------------------------------

pub(crate) fn pg_own_limit(role: bool, used: u64, limit: u64) -> Message {
    if role {
        msg::pg_role_limit(used, limit)
    } else {
        msg::pg_database_limit(used, limit)
    }
}

/// The first bytes of a reply, printable: non-ASCII and control bytes as
/// `\xNN` escapes, so nothing raw reaches a terminal or a CI log.
pub(crate) fn escaped(bytes: &[u8]) -> String {
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

pub(crate) fn redis_malformed(what: &Message, bytes: &[u8]) -> Message {
    msg::redis_malformed(what.clone(), escaped(bytes))
}

pub(crate) fn redis_last_words(text: &str) -> Message {
    msg::redis_last_words(text.to_string())
}

pub(crate) fn redis_not_utf8(kind: u8) -> Message {
    msg::redis_not_utf8(char::from(kind))
}

pub(crate) fn redis_unknown_type(kind: u8) -> Message {
    msg::redis_unknown_type(format!("0x{kind:02x}"))
}

pub(crate) fn redis_not_a_number(kind: u8, line: &str) -> Message {
    msg::redis_not_a_number(char::from(kind), line.to_string())
}

pub(crate) fn pg_malformed(what: &Message, bytes: &[u8]) -> Message {
    msg::pg_malformed(what.clone(), escaped(bytes))
}

pub(crate) fn is_zoned_address(said: &Message) -> bool {
    said.id() == "dns_zoned_address"
}

pub(crate) fn zoned_address_advice() -> Advice {
    msg::advice_dns_zoned_address()
}

pub(crate) fn is_malformed_reply(said: &Message) -> bool {
    matches!(said.id(), "pg_malformed" | "redis_malformed")
}

pub(crate) fn pg_bad_length(kind: u8, len: i32) -> Message {
    msg::pg_bad_length(kind.escape_ascii().to_string(), i64::from(len))
}

pub(crate) fn pg_empty_error(kind: u8) -> Message {
    if kind == b'E' {
        msg::pg_empty_error_response()
    } else {
        msg::pg_empty_notice_response()
    }
}

pub(crate) fn malformed_reply_advice() -> Advice {
    msg::advice_malformed_reply()
}

/// Which of PostgreSQL's per-role or per-database refusals a server
/// message is; the advice is chosen by the message id, not its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    RoleLimit,
    DatabaseLimit,
    DatabaseClosed,
}

/// The server's words, unchanged in every language, under an id that says
/// which refusal they are.
pub(crate) fn pg_refusal(refusal: Option<Refusal>, said: Message) -> Message {
    match refusal {
        Some(Refusal::RoleLimit) => msg::pg_refused_role_limit(said),
        Some(Refusal::DatabaseLimit) => msg::pg_refused_database_limit(said),
        Some(Refusal::DatabaseClosed) => msg::pg_refused_database_closed(said),
        None => said,
    }
}

pub(crate) fn pg_refusal_of(said: &Message) -> Option<Refusal> {
    match said.id() {
        "pg_refused_role_limit" => Some(Refusal::RoleLimit),
        "pg_refused_database_limit" => Some(Refusal::DatabaseLimit),
        "pg_refused_database_closed" => Some(Refusal::DatabaseClosed),
        _ => None,
    }
}

pub(crate) fn postgres_role_limit_advice() -> Advice {
    msg::advice_pg_role_limit()
}

pub(crate) fn postgres_database_limit_advice() -> Advice {
    msg::advice_pg_database_limit()
}

pub(crate) fn postgres_database_closed_advice() -> Advice {
    msg::advice_pg_database_closed()
}

// ---- providers ------------------------------------------------------------------------

/// A provider's own cause and fix (the table in `provider/table.rs` says
/// which tip applies to which host, check and code).
pub(crate) fn provider_tip(tip: Tip) -> Advice {
    use Tip::*;
    match tip {
        RailwayPrivateDnsPostgres => msg::tip_railway_private_dns_postgres(),
        RailwayPrivateDnsRedis => msg::tip_railway_private_dns_redis(),
        RailwayPrivateRefused => msg::tip_railway_private_refused(),
        RailwayProxyClosedPostgres => msg::tip_railway_proxy_closed_postgres(),
        RailwayProxyClosedRedis => msg::tip_railway_proxy_closed_redis(),
        RailwayProxyRefused => msg::tip_railway_proxy_refused(),
        RailwayProxyGone => msg::tip_railway_proxy_gone(),
        RenderInternalOnly => msg::tip_render_internal_only(),
        RenderExpired => msg::tip_render_expired(),
        RenderAllowList => msg::tip_render_allow_list(),
        RenderTls => msg::tip_render_tls(),
        HerokuRotated => msg::tip_heroku_rotated(),
        HerokuTls => msg::tip_heroku_tls(),
        HerokuRedisCertificate => msg::tip_heroku_redis_certificate(),
        FlyPrivateOnly => msg::tip_fly_private_only(),
        FlyListenIpv6 => msg::tip_fly_listen_ipv6(),
        FlycastNoService => msg::tip_flycast_no_service(),
        NeonTlsAndSni => msg::tip_neon_tls_and_sni(),
        NeonColdStart => msg::tip_neon_cold_start(),
        NeonGone => msg::tip_neon_gone(),
        NeonTooManyConnections => msg::tip_neon_too_many_connections(),
        SupabaseIpv6Only => msg::tip_supabase_ipv6_only(),
        SupabasePausedOrGone => msg::tip_supabase_paused_or_gone(),
        SupabaseTenant => msg::tip_supabase_tenant(),
        SupabaseSessionFull => msg::tip_supabase_session_full(),
        SupabasePoolerDatabase => msg::tip_supabase_pooler_database(),
        AivenIpFilter => msg::tip_aiven_ip_filter(),
        AivenTls => msg::tip_aiven_tls(),
        AivenGone => msg::tip_aiven_gone(),
        RdsSecurityGroup => msg::tip_rds_security_group(),
        RdsTls => msg::tip_rds_tls(),
        RdsGone => msg::tip_rds_gone(),
        DigitalOceanTrustedSources => msg::tip_digitalocean_trusted_sources(),
        DigitalOceanTls => msg::tip_digitalocean_tls(),
        DigitalOceanPoolName => msg::tip_digitalocean_pool_name(),
        UpstashTls => msg::tip_upstash_tls(),
        UpstashGone => msg::tip_upstash_gone(),
        UpstashToken => msg::tip_upstash_token(),
        UpstashRestUrl => msg::tip_upstash_rest_url(),
        UpstashNoAnswer => msg::tip_upstash_no_answer(),
        RedisCloudGone => msg::tip_redis_cloud_gone(),
        RedisCloudAllowList => msg::tip_redis_cloud_allow_list(),
        RedisCloudTls => msg::tip_redis_cloud_tls(),
        ElastiCacheVpcOnly => msg::tip_elasticache_vpc_only(),
        ElastiCacheTls => msg::tip_elasticache_tls(),
        PoolerNoSuchDatabase => msg::tip_pooler_no_such_database(),
        PoolerFull => msg::tip_pooler_full(),
        PoolerAuth => msg::tip_pooler_auth(),
        PoolerCannotReachServer => msg::tip_pooler_cannot_reach_server(),
    }
}

#[cfg(test)]
mod tests {
    use crate::i18n::Lang;

    /// A certificate without names showed `names []` in the tls detail.
    #[test]
    fn the_tls_detail_of_a_certificate_without_names_has_no_empty_list() {
        let cert = super::CertDetail {
            subject: "CN=db",
            issuer: "CN=db",
            names: &[],
            not_after_unix: 1_798_430_968,
            days_left: 20,
        };
        for lang in [Lang::En, Lang::Ru] {
            let said = lang.render(&super::tls_cert_detail("TLSv1.3", false, &cert));
            assert!(!said.contains("[]"), "{said}");
            assert!(said.contains("subjectAltName"), "{said}");
        }
        let named = super::CertDetail {
            names: &["db.example".to_string()],
            ..cert
        };
        let said = Lang::Ru.render(&super::tls_cert_detail("TLSv1.3", true, &named));
        assert!(said.contains("имена [db.example]"), "{said}");
        assert!(said.contains("28.12.2026 04:09 UTC"), "{said}");
    }

    /// A self-signed certificate without names printed «(для [])».
    #[test]
    fn a_certificate_without_names_is_not_an_empty_list() {
        for lang in [Lang::En, Lang::Ru] {
            let said = lang.render(&super::cert_self_signed(&[]));
            assert!(!said.contains("[]"), "{said}");
            assert!(said.contains("subjectAltName"), "{said}");
            let named = lang.render(&super::cert_self_signed(&["localhost".to_string()]));
            assert!(named.contains("[localhost]"), "{named}");
        }
    }
}
