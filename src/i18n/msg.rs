//! Every message the code can build, declared once: the function name is
//! the catalog id and its parameters are the Fluent variables. The
//! declaration also yields [`DECLARED`], the list the catalog tests
//! compare against `i18n/en.ftl` and `i18n/ru.ftl`, so a message missing
//! from a catalog, or a variable the code does not pass, fails a test.
//!
//! Messages never contain a secret: callers pass only names, hosts, codes,
//! lengths and server replies.

use std::time::Duration;

use super::message::{Advice, Arg, Message};

macro_rules! messages {
    ($( $(#[$meta:meta])* $name:ident ( $($arg:ident : $ty:ty),* $(,)? ); )*) => {
        $(
            $(#[$meta])*
            pub(crate) fn $name($($arg: $ty),*) -> Message {
                Message::new(
                    stringify!($name),
                    vec![$((stringify!($arg), Arg::from($arg))),*],
                )
            }
        )*

        /// Every message id with the variables the code passes to it.
        #[cfg(test)]
        pub(crate) const DECLARED: &[(&str, &[&str])] = &[
            $((stringify!($name), &[$(stringify!($arg)),*])),*
        ];
    };
}

/// Causes and fixes: one Fluent message per advice, with `.cause` and
/// `.fix` attributes and no variables.
macro_rules! advice {
    ($( $name:ident ),* $(,)?) => {
        $(
            pub(crate) fn $name() -> Advice {
                Advice {
                    cause: Message::new(concat!(stringify!($name), ".cause"), Vec::new()),
                    fix: Message::new(concat!(stringify!($name), ".fix"), Vec::new()),
                }
            }
        )*

        /// Every advice id; each has a `.cause` and a `.fix`.
        #[cfg(test)]
        pub(crate) const ADVICE: &[&str] = &[$(stringify!($name)),*];
    };
}

messages! {
    // ---- formatting pieces used by the renderer itself ----------------
    decimal_point();
    duration_ms(value: Arg);
    duration_s(value: Arg);
    duration_min(value: Arg);
    duration_h(value: Arg);
    either(first: String, second: &str);
    /// A server's or the operating system's own words, shown as they are.
    verbatim(text: String);
    /// An operating-system error named by its errno (`ENOENT`), so that a
    /// Russian sentence does not quote "No such file or directory (os
    /// error 2)".
    os_error(error: &str);

    // ---- URL validation ------------------------------------------------
    url_empty();
    url_whitespace();
    url_quoted();
    url_unresolved_reference();
    url_no_scheme(schemes: Arg);
    url_bad_scheme(scheme: &str, schemes: Arg);
    /// `part`: user, password, host, port, dbname, `query_key`,
    /// `query_value`, `query_secret`, path or query.
    url_unencoded_char(part: &str, special: char, encoded: String);
    url_not_utf8(part: &str);
    url_no_host();
    url_bad_host_chars();
    url_many_hosts();
    url_bad_ipv6();
    url_empty_port();
    url_port_range(port: &str);
    url_port_not_number();
    url_nul(part: &str);
    url_socket();
    pg_env_defaults(vars: String);
    pg_bad_param_value(key: &str);
    pg_bad_env_sslmode();
    pg_scheme_case();
    pg_param_unsupported(key: &str);
    pg_param_unknown(key: &str);
    pg_no_host();
    pg_many_ports();
    pg_bad_hostaddr();
    pg_uri_prefix();
    pg_uri_ipv6_unterminated();
    pg_uri_ipv6_empty();
    pg_uri_after_ipv6(position: usize);
    pg_uri_missing_equals(pair: usize);
    pg_uri_extra_equals(keyword: &str);
    /// `part` as for `url_unencoded_char`.
    pg_uri_bad_percent(part: &str);
    pg_portability_credential(part: &str, special: char, encoded: String);
    pg_portability_hash();
    pg_bad_sslmode(value: &str);
    pg_bad_channel_binding(value: &str);
    pg_system_root_needs_verify_full(mode: &str);
    redis_socket_refused();
    redis_unparsable();
    redis_bad_protocol(value: &str);
    redis_wildcard_host();
    redis_rs_refuses(reason: &str);
    redis_no_resp3(reply: &str);
    redis_bad_fragment();
    redis_bad_db(path: &str);

    // ---- normalisation -------------------------------------------------
    norm_whitespace(var: &str);
    norm_quotes(var: &str);
    norm_driver(driver: String);
    norm_asyncpg_sslmode();
    norm_postgres_scheme(var: &str);
    norm_prisma(names: String);

    // ---- config step ---------------------------------------------------
    config_from(source: Message);
    /// `count` selects "X is not set" or "none of X, Y is set".
    config_missing(vars: String, count: usize, flag: &str);
    config_invalid(source: Message, message: Message);
    target_missing(vars: String);
    target_invalid(source: Message);

    // ---- dns / tcp -----------------------------------------------------
    dns_timeout(host: &str, limit: Duration);
    dns_failed(host: &str, error: String);
    dns_zoned_address(host: &str);
    dns_no_addresses(host: &str);
    dns_family(family: &str, addrs: String);
    /// Two messages as one, separated by a semicolon.
    joined(first: Message, second: Message);
    /// Two items of a list, comma-separated.
    listed(first: Message, second: Message);
    /// Where a value came from: a variable (or several names) and its origin.
    source_variable(variable: Message, origin: Message);
    ipv6_only(host: &str);
    ipv6_unreachable(host: &str);
    tcp_timeout(addr: String, limit: Duration);
    /// `error`: an errno name (ECONNREFUSED…) or the system's words.
    tcp_failed(addr: String, error: String);
    local_resources_failed(target: String, error: String);
    tcp_connected(addr: String);
    /// `earlier`: the addresses that failed first, each with its code.
    tcp_connected_after(addr: String, earlier: String);

    // ---- tls -----------------------------------------------------------
    tls_timeout(limit: Duration);
    tls_bad_server_name(host: &str);
    tls_alert(alert: String);
    tls_reset();
    tls_closed();
    tls_peer_plaintext();
    tls_failed(error: String);
    peer_too_much(kib: usize);
    peer_is_http();
    cert_unknown_issuer();
    cert_expired();
    cert_not_yet_valid();
    cert_wrong_name();
    cert_other(reason: String);
    cert_failure(reason: Message);
    cert_failure_with(reason: Message, subject: String, issuer: String, expires: Arg);
    root_file_unreadable(path: String, error: Message);
    roots_empty_system();
    roots_empty_file(path: String);
    /// `verified`: yes or no.
    tls_detail(version: String, verified: &str);
    /// `verified` and `named` (the certificate has subjectAltName names):
    /// yes or no.
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per Fluent variable of the sentence"
    )]
    tls_detail_cert(
        version: String,
        verified: &str,
        subject: String,
        issuer: String,
        names: String,
        named: &str,
        expires: Arg,
        days: i64,
    );
    cert_expired_unverified(not_after: Arg);
    cert_expires_soon(days: i64, not_after: Arg);
    cert_self_signed(names: String);
    connection_reset();

    // ---- postgres ------------------------------------------------------
    pg_tls_not_tried(mode: &str);
    pg_tls_declined();
    pg_prefer_fallback(code: &str, message: Message);
    pg_server_refused_tls();
    pg_no_answer_to_ssl_request();
    pg_peer_is_redis();
    pg_peer_is_tls();
    pg_peer_unknown(bytes: Message);
    pg_no_root_cert(mode: &str);
    pg_cert_not_verified(mode: &str);
    pg_unencrypted(host: &str);
    pg_auth_detail(user: &str);
    pg_auth_detail_anonymous();
    pg_auth_timeout(limit: Duration);
    pg_closed_during_startup();
    pg_closed_during_query();
    pg_server_said(severity: String, sqlstate: String, message: String);
    /// The server's words (`said`) under an id naming the limit.
    pg_refused_role_limit(said: Message);
    pg_refused_database_limit(said: Message);
    pg_refused_database_closed(said: Message);
    pg_query_timeout(limit: Duration);
    pg_no_row();
    pg_query_detail(version: String, database: String, user: String);
    pg_connections(used: u64, usable: u64);
    pg_facts_denied();
    pg_no_tables(database: String);
    pg_facts_detail(detail: Message, used: u64, usable: u64);
    pg_read_only(facts: Message);
    pg_ignored_parameter(key: &str);
    pg_role_limit(used: u64, limit: u64);
    pg_database_limit(used: u64, limit: u64);
    /// `bytes`: the first bytes, escaped.
    pg_malformed(what: Message, bytes: String);
    pg_bad_length(kind: String, len: i64);
    pg_md5_salt(len: usize);
    pg_empty_error_response();
    pg_empty_notice_response();
    redis_malformed(what: Message, bytes: String);
    redis_last_words(text: String);
    redis_nested_too_deep(limit: usize);
    redis_not_utf8(kind: char);
    redis_bulk_length_wrong();
    redis_unknown_type(kind: String);
    redis_not_a_number(kind: char, line: String);

    // ---- redis ---------------------------------------------------------
    redis_tls_off();
    redis_unencrypted(host: &str);
    redis_insecure();
    redis_timeout(limit: Duration);
    redis_auth_detail(user: &str);
    redis_auth_detail_default();
    redis_no_credentials();
    redis_ping_detail(version: String, db: i64);
    redis_ping_detail_no_version(db: i64);
    redis_replica(detail: Message);
    redis_evicts_all(policy: String);
    redis_memory_full(used_mib: u64, max_mib: u64);
    redis_clients(clients: u64, max: u64);
    redis_peer_is_tls();
    redis_port_speaks_tls();
    redis_peer_unknown(bytes: Message);
    redis_closed();

    // ---- bytes a peer sent ---------------------------------------------
    first_bytes(bytes: String);
    no_bytes();

    // ---- jwt -----------------------------------------------------------
    jwt_target(algorithm: &str);
    jwt_target_hidden(value: Message);
    jwt_config_detail(algorithm: &str, key_var: &str);
    jwt_public_key_missing();
    jwt_bad_algorithm(var: &str, value: Message);
    /// A setting's value when it is short and plain enough to show.
    shown_value(value: &str);
    /// A setting's value that may be a secret pasted into the wrong place.
    hidden_value(chars: usize);
    jwt_missing_secret(vars: String);
    jwt_missing_private_key(algorithm: &str, var: &str);
    jwt_bad_lifetime(var: &str, value: Message);
    jwt_lifetime_expired(minutes: i64);
    jwt_lifetime_long(minutes: i64);
    jwt_lifetime_overflow(var: &str);
    value_not_utf8(var: &str);
    jwt_secret_detail(bytes: usize);
    jwt_placeholder(var: &str);
    jwt_short_secret(var: &str, bytes: usize, algorithm: &str, needed: usize);
    jwt_key_file(var: &str, error: Message);
    jwt_bad_private_key(var: &str, algorithm: &str);
    jwt_bad_public_key(var: &str, algorithm: &str);
    jwt_rsa_too_small(var: &str);
    jwt_algorithm_whitespace(var: &str, algorithm: &str);
    jwt_secret_is_key(var: &str);
    jwt_key_escaped_newlines(var: &str);
    jwt_key_path(var: &str);
    jwt_key_certificate(var: &str);
    /// `bits` 0 means unknown; `public` is yes or no.
    jwt_key_detail(algorithm: &str, bits: usize, public: &str);
    jwt_sign_failed(kind: String);
    jwt_signed_only();
    jwt_roundtrip_detail(minutes: i64);
    jwt_key_mismatch();
    jwt_verify_failed(kind: String);

    // ---- findings across checks ----------------------------------------
    /// `state`: failing or unset.
    memory_fallback(state: &str);
    steps_not_run(steps: String, count: usize);
    optional_failed(check: &str, code: &str);
    jwt_secret_reused();
    pooled_url();
    loopback_on_railway(check: &str);

    // ---- sqlite --------------------------------------------------------
    sqlite_no_network();
    sqlite_in_memory_target();
    sqlite_in_memory();
    sqlite_missing(path: String);
    sqlite_not_a_file(path: String);
    sqlite_not_sqlite(path: String);
    sqlite_unreadable(path: String, error: Message);
    sqlite_ok(path: String, kib: u64);
    sqlite_outside_volume(volume: String);
    sqlite_no_volume();

    // ---- wait, watch, env ----------------------------------------------
    wait_timed_out(timeout: Duration);
    wait_stopped_early(check: &str, code: &str);
    wait_stopped_on_warnings();
    wait_failing(check: &str, code: &str);
    wait_progress(failing: Message, elapsed: Duration, timeout: Duration);
    command_not_started(command: String, error: String);
    watch_change(time: String, check: &str, before: &str, now: &str, code: String, took: Duration);
    watch_first(time: String, check: &str, now: &str, code: String, took: Duration);
    watch_check_state(check: &str, status: &str, took: Duration);
    watch_heartbeat(time: String, round: u64, states: Message);
    watch_no_failures();
    watch_failure_count(code: &str, count: u64);
    watch_failures(list: Message);
    watch_summary(
        check: &str,
        availability: Arg,
        rounds: u64,
        failures: Message,
        min: Duration,
        median: Duration,
        max: Duration,
    );
    env_variables();
    env_targets();
    env_default();
    env_invalid_url(message: Message);
    env_secret(bytes: usize);
    env_key_pem(bytes: usize);
    env_key_path();
    env_key_escaped(bytes: usize);
    env_file_committable(path: String);
    origin_environment();
    env_value_too_large(entry: usize, kib: usize);
    env_file_too_large(kib: usize);
    env_too_many_dollars(limit: usize);
    env_entry(entry: usize, problem: Message);
    env_line_not_pair();
    env_unclosed_quote();
    env_not_utf8();
    env_unparsable();

    // ---- --resolve HOST:PORT:ADDR ------------------------------------------
    resolve_form();
    resolve_bad_port(port: &str);
    resolve_bad_addr(addr: &str);

    // ---- errors that stop a run (exit 2) -------------------------------
    error_prefix(error: Message);
    error_nothing_selected();
    /// `value`: the `--resolve` argument as given (a host, a port, an
    /// address: no secret).
    error_resolve(value: String, problem: Message);
    error_app_dir(path: String);

    // ---- the app's drivers (issue 11) --------------------------------
    driver_unknown(name: &str, known: String);
    driver_bad_version(arg: &str);
    /// A number in `--driver NAME@VERSION` beyond u64 (issue 18).
    driver_version_too_large(arg: &str);
    drivers_found(list: String);
    drivers_none();
    driver_manifest_unreadable(file: &str, reason: Message);
    driver_manifest_malformed(error: String);
    driver_manifest_not_utf8();
    driver_node_pg_verify_full(driver: String, mode: &str);
    driver_node_pg_cause(driver: String, mode: &str);
    driver_node_pg_fix();
    driver_node_pg_compat();
    driver_node_pg_plaintext(driver: String);
    driver_node_pg_plaintext_cause(driver: String);
    driver_node_pg_plaintext_fix();
    driver_node_pg_no_verify();
    driver_node_pg_verifies(driver: String);
    driver_node_pg_verifies_cause(driver: String);
    driver_node_pg_system_root(driver: String);
    driver_node_pg_system_root_cause(driver: String);
    driver_node_pg_system_root_fix();
    driver_node_pg_term_refused(node: String, term: &str, others: String);
    driver_node_pg_term_refused_fix();
    driver_asyncpg_system_root(driver: String);
    driver_asyncpg_system_root_cause(driver: String);
    driver_asyncpg_system_root_fix();
    driver_asyncpg_prefer(driver: String);
    driver_ioredis_ipv4_only(driver: String, host: &str);
    driver_ioredis_cause(driver: String);
    driver_ioredis_fix();
    driver_redis_query_password_read(drivers: String);
    driver_redis_query_password_ignored(drivers: String);
    error_env_file(path: String, reason: Message);
    error_env_file_named(path: String, reason: Message);
    error_env_pipe(path: String, reason: Message);
    error_runtime(error: String);
    error_output(error: String);
    error_output_file(path: String, reason: Message);
    url_not_shown();
    duration_zero();
    duration_too_long();
    bad_duration(error: String);
    not_a_regular_file();
    file_too_large(kib: u64);
    arguments_not_shown();
    message_withheld();
    fifo_without_reader();
    /// `--output /dev/tty` in a process without a terminal (issue 18).
    tty_without_terminal();
    pipe_stalled(limit: Duration);
    fifo_without_writer(limit: Duration);
    pipe_empty();
    output_dash();

    // ---- targets and selection (issue 9) -------------------------------
    selector_bad_kind(kind: String);
    /// `kind:` followed by what may be a URL: not shown (issue 18).
    selector_unknown_kind();
    selector_empty();
    target_form();
    target_name_space();
    target_name_char(char: String);
    target_default_name(name: String);
    target_bad_scheme(name: String);
    /// Two `--target` flags with one NAME (issue 18).
    target_twice(name: String);
    /// A warning on stderr: two checks had one name; the second is
    /// checked under `renamed` (issue 18).
    warning_renamed_check(name: &str, kept: Message, other: Message, renamed: &str);
    /// A warning on stderr: `--only`/`--skip`/`--optional` name no check.
    warning_unknown_check(name: String, checks: String);
    /// The same, with the check it probably meant (`select::nearest`).
    warning_unknown_check_near(name: String, meant: &str, checks: String);
    warning_merged_name(name: String, check: &str);
    /// The report's list of URLs railconn does not check.
    label_not_checked();
    not_checked(variable: String, scheme: String, origin: Message);
    error_flag(flag: &str, value: String, problem: Message);
    allow_form();
    allow_bad_code(code: String);
    /// A failure or finding accepted with `--allow`.
    allowed(code: String, message: Message);

    // ---- report labels -------------------------------------------------
    header(version: &str, took: Duration);
    label_works();
    /// The text report's section of failures `--allow` accepted.
    label_allowed();
    label_problems();
    label_limitations();
    label_skipped();
    label_error();
    label_cause();
    label_fix();
    label_source();
    /// Where the target lives: the text report's `where` line.
    label_provider();
    /// A provider table row's name, by its id.
    provider_name(id: &str);
    provider_tls_only_redis(provider: Message);
    provider_tls_only_pg(provider: Message);
    provider_tls_only_mysql(provider: Message);
    provider_with_doc(name: Message, doc: &str);
    /// A pooler in front of PostgreSQL, and how railconn knows.
    pooler_transaction(name: &str, evidence: Message);
    pooler_session(name: &str, evidence: Message);
    pooler_unknown_mode(name: &str, evidence: Message);
    pooler_by_port();
    pooler_by_host();
    pooler_by_error();
    /// The dns step when `--resolve` gave the addresses.
    dns_pinned(addresses: Message);
    label_critical();
    label_optional();
    skipped_by_flag();
    /// `signal` is SIGINT or SIGTERM.
    interrupted(signal: &str);
    junit_suite();
    junit_strict_warning(codes: String);
    markdown_table_header();
    annotation_title(check: &str, code: &str);
    annotation_title_at(check: &str, code: &str, step: &str);
    code_at_step(code: &str, step: &str);
    error_at_step(code: String, step: &str, message: Message);
    badge_pass();
    badge_warn();
    badge_fail();
    badge_skip();
    badge_allowed();
    verdict_ready(limitations: usize);
    verdict_not_ready(critical: usize);
    verdict_not_ready_strict(limitations: usize);
    verdict_interrupted(signal: &str);

    // ---- serve: logs, health, HTTP answers (issue 14) ------------------
    /// `interval` as humantime writes it (`30s`).
    serve_listening(addr: String, interval: Message);
    serve_open();
    serve_token_on();
    serve_ipv4_only(addr: String);
    health_no_round();
    /// `age` as humantime writes it (`2m 5s`).
    health_stale(age: Duration);
    http_unauthorized();
    http_not_found();
    error_listen(addr: String, reason: String);
    /// `value` already quoted.
    error_port(value: String);
    error_token_file(path: String, reason: Message);
    token_empty();
    error_token_var(reason: Message);
    token_whitespace(at: usize);
    token_not_visible_ascii(at: usize);

    // ---- serve's status page (issue 14) --------------------------------
    page_title();
    page_waiting();
    page_updated(time: String, interval: Message);
    page_column_check();
    page_column_status();
    page_column_target();
    page_column_result();

    // ---- the report a person reads (issue 23) --------------------------
    /// `railconn env`'s state column; JSON keeps `set`, `missing`,
    /// `shadowed`.
    env_state_set();
    env_state_missing();
    env_state_shadowed();
    /// The JWT roundtrip when the configured lifetime (`minutes`, 0 or
    /// less) cannot make a token that verifies.
    jwt_roundtrip_detail_own_exp(minutes: i64);
    /// A self-signed certificate without subjectAltName names.
    cert_self_signed_unnamed();
    /// A moment inside a sentence, UTC, to the minute: each part
    /// zero-padded, ordered as the language writes dates.
    moment(year: String, month: String, day: String, hour: String, minute: String);
    // ---- pg-floor: our own PostgreSQL startup (issue 24) ---------------
    pg_password_missing();
    pg_channel_binding_not_used();
    pg_auth_unsupported(method: &str);
    pg_scram_failed(error: String);
    /// `kind`: the message's type byte, as a character.
    pg_unexpected_message(kind: String);
    pg_error_fields_missing();
    pg_direct_needs_require(mode: &str);
    pg_direct_tls_unsupported();
    pg_direct_tls_no_alpn();
    // ---- serve's history, headline and log lines (issue 22) -------------
    page_title_of(headline: Message);
    page_headline_ready(limitations: usize);
    page_headline_not_ready(critical: usize);
    page_headline_strict(limitations: usize);
    page_state_pass();
    page_state_warn();
    page_state_fail();
    page_state_skip();
    page_column_history();
    page_column_uptime();
    page_column_duration();
    page_history_label(rounds: usize);
    page_cells_pass(from: String, to: String, rounds: usize);
    page_cells_warn(from: String, to: String, rounds: usize);
    page_cell_failed(time: String, code: &str, step: &str);
    page_uptime(percent: Arg, rounds: usize);
    page_latency(median: Duration, p95: Duration);
    page_failing_since(time: String);
    page_last_failure(time: String);
    log_pass(check: &str, duration: Duration);
    log_warn(check: &str, duration: Duration);
    log_warn_failed(check: &str, code: &str, step: &str, duration: Duration);
    log_fail(check: &str, code: &str, step: &str, duration: Duration);

    // ---- `railconn explain` (issue 23) -----------------------------------
    /// The heading: a code and its one-line meaning.
    explain_heading(code: &str, meaning: Message);
    /// The steps (layers) a code occurs at, joined by the caller.
    explain_steps(steps: String);
    /// Whether `wait` keeps trying after this failure (`Code::can_heal`).
    explain_heals();
    explain_does_not_heal();
    /// `--allow` for a failure and for a finding.
    explain_allow_error(code: &str);
    explain_finding_note(code: &str);
    /// Above the sample line of the text report.
    explain_example();
    /// Stands for the failure's own message in the sample line.
    explain_said();
    /// `explain --list`: the two groups and the last line.
    explain_list_errors();
    explain_list_findings();
    explain_list_more();
    /// An unknown code (exit 2), with the nearest known one when close.
    explain_unknown(code: String);
    explain_unknown_near(code: String, near: &str);
    /// One-line meanings: `explain_` and the code's wire name.
    explain_missing_config();
    explain_invalid_url();
    explain_unsupported_scheme();
    explain_invalid_value();
    explain_dns_not_found();
    explain_dns_timeout();
    explain_dns_error();
    explain_connection_refused();
    explain_connect_timeout();
    explain_network_unreachable();
    explain_local_resources();
    explain_tls_unsupported();
    explain_tls_required();
    explain_tls_handshake_failed();
    explain_certificate_invalid();
    explain_connection_closed();
    explain_connection_reset();
    explain_timeout();
    explain_protocol_error();
    explain_auth_failed();
    explain_auth_required();
    explain_access_denied();
    explain_database_not_found();
    explain_too_many_connections();
    explain_server_starting();
    explain_query_failed();
    explain_read_only();
    explain_prepared_statements();
    explain_weak_secret();
    explain_invalid_key();
    explain_unsupported_algorithm();
    explain_roundtrip_failed();
    explain_memory_fallback();
    explain_unencrypted();
    explain_token_lifetime();
    explain_public_key_missing();
    explain_ignored_parameter();
    explain_certificate_expiry();
    explain_self_signed();
    explain_hygiene();
    explain_sqlite();
    explain_pooler();
    explain_ipv6();
    explain_env_defaults();
    explain_tls_fallback();
    explain_trimmed();
    explain_sqlalchemy_driver();
    explain_sqlalchemy_scheme();
    explain_prisma_parameter();
    explain_url_portability();
    explain_connection_headroom();
    explain_no_tables();
    explain_memory_headroom();
    explain_certificate_not_verified();
    explain_key_format();
    explain_allowed();
    explain_driver();
    /// Meanings of the environment variables (`source::vars`).
    var_database_url();
    var_database_private_url();
    var_database_public_url();
    var_database_unpooled_url();
    var_pghost();
    var_pgport();
    var_pguser();
    var_user();
    var_pgpassword();
    var_pgdatabase();
    var_pgsslmode();
    var_pgsslrootcert();
    var_redis_url();
    var_redis_private_url();
    var_redis_public_url();
    var_redishost();
    var_redisport();
    var_redisuser();
    var_redispassword();
    var_jwt_secret();
    var_jwt_algorithm();
    var_jwt_private_key();
    var_jwt_public_key();
    var_token_lifetime();
    var_railway_marker();
    var_railway_name();
    var_railway_volume();
    var_heroku();
    var_node_options();
    var_node_extra_ca_certs();
    var_ssl_cert_file();
    var_home();
    var_port();
    var_serve_token();
    var_github_step_summary();
    var_no_color();
    var_force_color();
    var_term();
    var_columns();
    var_locale();
    var_rust_log();
    // ---- driver-refusals: URLs a driver refuses (issue 20) ---------------
    driver_sa_asyncpg_kwarg(param: String);
    driver_sa_asyncpg_kwarg_cause(param: String);
    driver_sa_asyncpg_kwarg_fix(param: String);
    driver_sa_asyncpg_kwarg_fix_sslmode();
    driver_sa_ssl_option();
    driver_sa_ssl_option_cause();
    driver_sa_ssl_option_fix();
    driver_sa_postgres_scheme();
    driver_sa_postgres_scheme_cause();
    driver_sa_postgres_scheme_fix();
    driver_asyncpg_setting(driver: String, param: String);
    driver_asyncpg_setting_cause(driver: String, param: String);
    driver_asyncpg_setting_fix(param: String);
    driver_asyncpg_setting_fix_ssl();
    driver_raw_hash(driver: String);
    driver_raw_hash_cause(driver: String);
    driver_raw_hash_fix();
    driver_redis_fragment_ignored(drivers: String);
    driver_redis_fragment_cause(drivers: String);
    driver_redis_fragment_fix_node();
    driver_redis_fragment_fix_python();
    driver_prepared_transaction(driver: String, pooler: String);
    driver_prepared_cause(driver: String, pooler: String);
    driver_prepared_unknown_mode(driver: String, pooler: String, fix: Message);
    driver_prepared_fix_asyncpg();
    driver_prepared_fix_sa_asyncpg();
    driver_prepared_fix_psycopg();
    pg_portability_space();
    driver_psycopg_space(driver: String);
    driver_psycopg_space_cause(driver: String);
    driver_psycopg_space_fix();

    // ---- mysql: MySQL and MariaDB (issue 21) ---------------------------
    mysql_bad_parameter(key: String, value: String);
    mysql_refused_before_tls();
    mysql_tls_off(mode: &str);
    mysql_tls_not_offered();
    mysql_server_without_tls(mode: &str);
    mysql_no_greeting(limit: Duration);
    mysql_cert_not_verified(mode: &str);
    mysql_unencrypted(host: String);
    mysql_auth_timeout(limit: Duration);
    mysql_auth_detail(user: String, plugin: String);
    mysql_public_key_retrieval();
    mysql_unsupported_plugin(plugin: String);
    mysql_bad_public_key();
    mysql_auth_rounds();
    /// `said` is [`mysql_server_said`]: the number, SQLSTATE and text.
    mysql_denied_plaintext(said: Message);
    mysql_server_said(number: u32, sqlstate: String, message: String);
    mysql_closed_silently();
    mysql_closed();
    mysql_closed_during_query();
    mysql_peer_is_tls();
    mysql_peer_unknown(bytes: Message);
    mysql_query_timeout(limit: Duration);
    mysql_query_detail(version: String, used: u64, max: u64);
    mysql_query_version(version: String);
    mysql_connections_high(used: u64, max: u64);
    mysql_tls_only_account();
    mysql_tls_not_asked();
    mysql_dbapi_refuses(dbapi: String, key: String);
    var_mysql_url();
    var_mysql_public_url();
    var_jawsdb_url();
    var_cleardb_database_url();
    var_mysqlhost();
    var_mysqlport();
    var_mysqluser();
    var_mysqlpassword();
    var_mysqldatabase();
    // ---- amqp (issue 21) -------------------------------------------------
    amqp_vhost_too_long(length: usize);
    amqp_bad_heartbeat(value: &str);
    amqp_tls_off();
    amqp_unencrypted(host: &str);
    amqp_timeout(limit: Duration);
    amqp_auth_detail(user: String, server: String);
    amqp_default_credentials();
    amqp_no_plain(mechanisms: String);
    amqp_unexpected(method: String);
    amqp_vhost_refused(vhost: String, said: String);
    amqp_other_version(version: String);
    amqp_frame_too_large(size: u32);
    amqp_peer_is_tls();
    amqp_not_amqp(bytes: Message);
    amqp_closed_after_credentials();
    amqp_closed();
    amqp_open_detail(vhost: String, frame_max: u64, channel_max: u64, heartbeat: u64);
    amqp_blocked(reason: String);
    amqp_alarm_unknown();
    var_celery_broker_url();
    redis_not_named(files: String);
    amqp_unknown_parameter(name: &str);
    amqp_pika_vhost(vhost: String, pika: String);
    // ---- readme: how often, as each language says it (issue 23) -------------
    every_whole(count: u64, unit: &str);
    every_amount(amount: Duration);
    // ---- plans: each driver's connection plan (issue 20) -----------------
    driver_redis_node_roots(drivers: String);
    driver_redis_node_roots_cause(drivers: String);
    driver_redis_py_cert_reqs_none(driver: String);
    driver_redis_py_ca_certs(driver: String);
    driver_node_redis_ipv6(driver: String, host: &str);
    driver_node_redis_ipv6_cause(driver: String);
    driver_node_redis_ipv6_fix();
    driver_sa_asyncpg_ssl_value(value: String);
    driver_sa_asyncpg_ssl_value_cause(value: String);
    driver_sa_asyncpg_ssl_value_fix(value: String);
    driver_postgresjs_plaintext(driver: String);
    driver_postgresjs_plaintext_cause(driver: String);
    driver_postgresjs_plaintext_fix();
    driver_postgresjs_verifies(driver: String);
    driver_postgresjs_verifies_cause(driver: String);
    driver_postgresjs_verifies_fix();
    pg_prefer_retry(code: &str, message: Message);
    driver_redis_nopass(said: Message);
    pg_next_host(failed: String, host: String);
    driver_node_pg_host_list(driver: String);
    driver_node_pg_host_list_cause(driver: String);
    driver_node_pg_host_list_fix();
    driver_sa_host_list();
    driver_sa_host_list_cause();
    driver_sa_host_list_fix();
    driver_redis_node_roots_fix();
    driver_node_pg_channel_binding(driver: String);
    driver_node_pg_channel_binding_fix();
    // ---- amqpdrv: the AMQP drivers' readings of a URL ---------------------
    driver_pika_vhost(driver: String, pika: String, kombu: String);
    driver_pika_vhost_cause(driver: String, pika: String);
    driver_pika_vhost_fix(url: String);
    driver_amqp_vhost_unchecked(drivers: String, vhost: String);
    // ---- sslneg: PGSSLNEGOTIATION read as libpq 17 reads it ---------------
    pg_bad_env_sslnegotiation();
    var_pgsslnegotiation();
    // ---- mysqlrules: the MySQL drivers' readings of a URL (issue 21) ------
    mysql_ignored_parameter(driver: &str, key: String);
    mysql_mysql2_ssl(value: String, error: String);
    mysql_aiomysql_ssl_text();
    driver_mysql2_ignores_tls(driver: String, keys: String);
    driver_mysql2_ignores_tls_cause(driver: String, keys: String);
    driver_mysql2_ssl_fix();
    driver_mysql2_verifies(driver: String);
    driver_mysql2_verifies_cause(driver: String);
    driver_mysql2_verifies_fix();
    driver_pymysql_preferred(driver: String);
    driver_pymysql_preferred_cause(driver: String);
    driver_pymysql_preferred_fix();
    driver_pymysql_ca_dropped(driver: String);
    driver_pymysql_ca_dropped_cause(driver: String);
    driver_pymysql_ca_dropped_fix();
    // ---- sockets: PostgreSQL over Unix-domain sockets ---------------------
    socket_no_dns(path: String);
    socket_connected(path: String);
    socket_missing(path: String);
    socket_refused(path: String);
    socket_denied(path: String);
    pg_tls_not_on_socket(mode: &str);
    driver_sa_encoded_host();
    driver_sa_encoded_host_cause();
    driver_sa_encoded_host_fix();
    driver_abstract_socket(driver: String);
    driver_abstract_socket_cause(driver: String);
    driver_abstract_socket_fix();
    driver_default_host(driver: String, hosts: String);
    driver_default_host_fix();
    // ---- readings: each driver's own reading of a URL (issue 20) ------
    reading_ignored(driver: String, names: String);
    reading_own(driver: String, names: String);
    reading_last_at(driver: String);
    reading_redis_db(drivers: String, path: String, db: i64);
    reading_ioredis_select_ignored(db: i64, said: Message);
    reading_postgresjs_setting_fix(param: String);
    // ---- ed25519: MariaDB's client_ed25519 authentication -----------------
    mysql_ed25519_drivers();
    mysql_public_key_retrieval_sha256();
    // ---- the MySQL drivers that stop where the check's login went on ---
    mysql_driver_lacks_ed25519(driver: &str);
    mysql2_key_retrieval_refused(plugin: String);
    // ---- node-postgres at a server without TLS -----------------------
    driver_node_pg_no_tls_cause(driver: String, mode: &str);
    driver_node_pg_no_tls_fix();
    // ---- hunt: URL shapes and PG* variables the matrix lacked (issue 20)
    driver_prisma_param(driver: String, names: String);
    driver_prisma_param_cause(driver: String, names: String);
    driver_prisma_param_fix(driver: String, names: String);
    driver_postgresjs_session_attrs(driver: String, value: String);
    driver_postgresjs_session_attrs_cause(driver: String);
    driver_postgresjs_session_attrs_fix();
    var_pgtargetsessionattrs();
    // ---- the user a driver logs in as when the URL names none ----------
    pg_default_user(user: String);
    // ---- SQLAlchemy's default MySQL DBAPI (issue 21) -------------------
    driver_sa_mysqldb(sqlalchemy: String, pymysql: String);
    driver_sa_mysqldb_cause();
    driver_sa_mysqldb_fix(check: String);
    // ---- attrs: target_session_attrs and require_auth (issue 20) -------
    pg_session_attrs_next(host: String, wanted: &str);
    pg_session_attrs_read_only(wanted: &str);
    pg_session_attrs_writable(wanted: &str);
    explain_not_read_only();
    pg_require_auth_refused(required: String, method: &str);
    var_pgrequireauth();
    // ---- AMQP over TLS as each driver verifies it (issue 21) -----------
    amqp_ssl_parameter(name: &str);
    driver_amqplib_tls(driver: String);
    driver_amqplib_tls_cause(driver: String);
    driver_amqplib_tls_fix();
    driver_pika_tls(driver: String);
    driver_pika_tls_cause(driver: String);
    driver_pika_tls_fix();
    driver_pika_parameter(driver: String, name: String);
    driver_pika_parameter_cause(driver: String);
    driver_pika_parameter_fix(name: String);
    amqp_pika_ssl_options();
    amqp_pika_ssl_options_none();
    // A password the server never asked for (trust)
    pg_password_not_checked(user: String);
    explain_password_not_checked();
}

advice! {
    // Where the layer changes the meaning of a code.
    advice_dns_zoned_address,
    advice_redis_tls_timeout,
    advice_pg_tls_timeout,
    advice_pg_tls_closed,
    advice_pg_direct_tls,
    // PostgreSQL.
    advice_pg_missing_config,
    advice_pg_unsupported_scheme,
    advice_pg_dns_not_found,
    advice_pg_connection_refused,
    advice_pg_tls_unsupported,
    advice_pg_tls_required,
    advice_pg_certificate_invalid,
    advice_pg_connection_closed,
    advice_pg_protocol_error,
    advice_pg_auth_failed,
    advice_pg_auth_required,
    advice_pg_access_denied,
    advice_pg_database_not_found,
    advice_pg_too_many_connections,
    advice_pg_server_starting,
    advice_pg_read_only,
    advice_pg_invalid_value,
    advice_pg_query_failed,
    advice_pg_prepared_statements,
    advice_pg_role_limit,
    advice_pg_database_limit,
    advice_pg_database_closed,
    // A reply no client can parse, PostgreSQL or Redis.
    advice_malformed_reply,
    // Redis.
    advice_redis_missing_config,
    advice_redis_unsupported_scheme,
    advice_redis_dns_not_found,
    advice_redis_connection_refused,
    advice_redis_tls_unsupported,
    advice_redis_tls_required,
    advice_redis_certificate_invalid,
    advice_redis_connection_closed,
    advice_redis_protocol_error,
    advice_redis_auth_failed,
    advice_redis_auth_required,
    advice_redis_access_denied,
    advice_redis_database_not_found,
    advice_redis_too_many_connections,
    advice_redis_server_starting,
    advice_redis_read_only,
    advice_redis_query_failed,
    // JWT.
    advice_jwt_missing_config,
    advice_jwt_invalid_value,
    advice_jwt_weak_secret,
    advice_jwt_invalid_key,
    advice_jwt_unsupported_algorithm,
    advice_jwt_roundtrip_failed,
    // Any network check.
    advice_net_invalid_url,
    advice_net_dns_timeout,
    advice_net_dns_error,
    advice_net_connect_timeout,
    advice_net_network_unreachable,
    advice_net_local_resources,
    advice_net_tls_handshake_failed,
    advice_net_connection_reset,
    advice_net_timeout,
    // Providers and poolers (`provider::provider_tip`; the table in
    // `provider/table.rs` says which applies where).
    tip_railway_private_dns_postgres,
    tip_railway_private_dns_redis,
    tip_railway_private_refused,
    tip_railway_proxy_closed_postgres,
    tip_railway_proxy_closed_redis,
    tip_railway_proxy_refused,
    tip_railway_proxy_gone,
    tip_render_internal_only,
    tip_render_expired,
    tip_render_allow_list,
    tip_render_tls,
    tip_heroku_rotated,
    tip_heroku_tls,
    tip_heroku_redis_certificate,
    tip_fly_private_only,
    tip_fly_listen_ipv6,
    tip_flycast_no_service,
    tip_neon_tls_and_sni,
    tip_neon_cold_start,
    tip_neon_gone,
    tip_neon_too_many_connections,
    tip_supabase_ipv6_only,
    tip_supabase_paused_or_gone,
    tip_supabase_tenant,
    tip_supabase_session_full,
    tip_supabase_pooler_database,
    tip_aiven_ip_filter,
    tip_aiven_tls,
    tip_aiven_gone,
    tip_rds_security_group,
    tip_rds_tls,
    tip_rds_gone,
    tip_digitalocean_trusted_sources,
    tip_digitalocean_tls,
    tip_digitalocean_pool_name,
    tip_upstash_tls,
    tip_upstash_gone,
    tip_upstash_token,
    tip_upstash_rest_url,
    tip_upstash_no_answer,
    tip_redis_cloud_gone,
    tip_redis_cloud_allow_list,
    tip_redis_cloud_tls,
    tip_elasticache_vpc_only,
    tip_elasticache_tls,
    tip_pooler_no_such_database,
    tip_pooler_full,
    tip_pooler_auth,
    tip_pooler_cannot_reach_server,
    // MySQL and MariaDB (issue 21).
    advice_mysql_missing_config,
    advice_mysql_unsupported_scheme,
    advice_mysql_dns_not_found,
    advice_mysql_connection_refused,
    advice_mysql_tls_unsupported,
    advice_mysql_tls_required,
    advice_mysql_certificate_invalid,
    advice_mysql_connection_closed,
    advice_mysql_protocol_error,
    advice_mysql_auth_failed,
    advice_mysql_access_denied,
    advice_mysql_database_not_found,
    advice_mysql_too_many_connections,
    advice_mysql_server_starting,
    advice_mysql_query_failed,
    // amqp (issue 21).
    advice_amqp_unsupported_scheme,
    advice_amqp_dns_not_found,
    advice_amqp_connection_refused,
    advice_amqp_auth_failed,
    advice_amqp_vhost_not_found,
    advice_amqp_vhost_denied,
    advice_amqp_connection_limit,
    advice_amqp_tls_required,
    advice_amqp_protocol_error,
    advice_amqp_connection_closed,
    advice_amqp_server_starting,
    advice_amqp_tls_unsupported,
    advice_amqp_certificate_invalid,
    // provrows: provider tips for MySQL and AMQP checks.
    tip_railway_private_dns_mysql,
    tip_railway_private_dns_amqp,
    tip_railway_mysql_database,
    tip_planetscale_tls,
    tip_planetscale_database,
    tip_aiven_mysql_tls,
    tip_aiven_mysql_port,
    tip_rds_mysql_tls,
    tip_cloudamqp_vhost,
    tip_cloudamqp_connection_limit,
    tip_cloudamqp_ports,
    // sockets: a PostgreSQL Unix socket nobody listens on, or that refuses
    // this user.
    advice_pg_socket_missing,
    advice_pg_socket_denied,
    // A MySQL driver that cannot log in where the check could.
    advice_mysql_driver_lacks_ed25519,
    advice_mysql2_key_retrieval,
    // attrs: a server that does not fit target_session_attrs.
    advice_pg_not_read_only,
}

/// A list of alternatives (`postgresql:// or postgres://`).
pub(crate) fn any_of<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Arg {
    Arg::AnyOf(items.into_iter().map(Into::into).collect())
}

/// The first bytes a peer sent, in hex, for a protocol mismatch.
pub(crate) fn peer_bytes(bytes: &[u8]) -> Message {
    let shown: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
    if shown.is_empty() {
        no_bytes()
    } else {
        first_bytes(shown.join(" "))
    }
}

/// How often a setting such as `--interval` repeats: a whole number of
/// hours, minutes or seconds goes by its count and unit, so that Russian
/// can say «раз в минуту» and «каждые 5 мин» rather than «раз в 1 мин»
/// (issue 23); any other interval (`1.5 s`, `250 ms`) as the duration.
pub(crate) fn every(interval: Duration) -> Message {
    let secs = interval.as_secs();
    if secs == 0 || interval.subsec_nanos() != 0 {
        return every_amount(interval);
    }
    let (count, unit) = if secs.is_multiple_of(3600) {
        (secs / 3600, "h")
    } else if secs.is_multiple_of(60) {
        (secs / 60, "min")
    } else {
        (secs, "s")
    };
    every_whole(count, unit)
}

/// The catalogs' selector for a yes-or-no variable (`verified`,
/// `has_public`): Fluent selects on the string, not on a boolean.
pub(crate) fn yes_no(yes: bool) -> &'static str {
    if yes { "yes" } else { "no" }
}
