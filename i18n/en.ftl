# railconn's English messages. Every id here exists in ru.ftl too, with
# the same variables (the catalog tests in src/i18n compare them with the
# ids and arguments the code declares in src/i18n/msg.rs).

## Formatting pieces

decimal_point = .
duration_ms = { $value } ms
duration_s = { $value } s
duration_min = { $value } min
duration_h = { $value } h
either = { $first } or { $second }
verbatim = { $text }

## URL validation

url_empty = the value is empty
url_whitespace = the value has leading or trailing whitespace (a space, tab or newline, often from copy-paste or a Windows .env); remove it
url_quoted = the value is wrapped in quotes, which become part of the URL; remove them
url_unresolved_reference = the value contains an unresolved Railway reference `${"{{"}…{"}}"}`: it is only filled in on Railway (or by `railway run`); paste the resolved URL or run through `railway run`
url_no_scheme = the value is not a URL: it should start with { $schemes }
url_bad_scheme = scheme `{ $scheme }://` is not supported here: use { $schemes }
url_unencoded_char = the { $part ->
    [user] user name
    [password] password
    [host] host
    [port] port
    [dbname] database name
    [query_key] name of a query parameter
    [query_value] value of a query parameter
    [query_secret] value of a secret query parameter
    [path] path
   *[query] query
} contains an unencoded `{ $special }`, which ends that part of the URL early; write it as `{ $encoded }` (percent-encode every special character in credentials)
url_not_utf8 = the { $part ->
    [user] user name
    [password] password
    [host] host
    [port] port
    [dbname] database name
    [query_key] name of a query parameter
    [query_value] value of a query parameter
    [query_secret] value of a secret query parameter
    [path] path
   *[query] query
} is not valid UTF-8 after percent-decoding
url_no_host = the URL has no host (`@:port` or `@/`): a Railway reference variable probably resolved to nothing; re-create the reference to the service
url_bad_host_chars = the host contains spaces, control characters or one of @ / ? # (a stray newline, or an unencoded special character in the credentials?)
url_many_hosts = the URL lists several hosts; railconn checks one host per URL: pass each host's URL separately
url_bad_ipv6 = the IPv6 address is malformed: write it in brackets, e.g. `[::1]:5432`
url_empty_port = the port after `:` is empty: a reference variable probably resolved to nothing
url_port_range = port `{ $port }` is out of range (1-65535)
url_port_not_number = the port is not a number (not shown: with the host missing, `user:PASSWORD` reads as `host:port`; an unencoded `/` or `?` in the password also splits the URL there)
url_nul = the { $part ->
    [user] user name
    [password] password
    [host] host
    [port] port
    [dbname] database name
    [query_key] name of a query parameter
    [query_value] value of a query parameter
    [query_secret] value of a secret query parameter
    [path] path
   *[query] query
} contains %00, which libpq refuses (forbidden value %00 in percent-encoded value)
url_socket = the URL has no host: it names a Unix socket (postgresql:///db), which railconn does not check; give the TCP host and port the app will use
pg_env_defaults = the URL leaves parts out; { $vars } filled them in, as libpq and node-postgres do (an app that only reads the URL will not have them)
pg_bad_param_value = parameter `{ $key }` has a value libpq refuses (see the libpq connection parameter docs for the allowed values)
pg_bad_env_sslmode = PGSSLMODE is not a valid sslmode (libpq refuses it): use disable, allow, prefer, require, verify-ca or verify-full
pg_scheme_case = the scheme must be lowercase: libpq only recognises postgresql:// and postgres://
pg_param_unsupported = parameter `{ $key }` makes libpq read a file railconn does not read (refused by design): put the host, port, user and password in the URL itself
pg_no_host = the URL has no host before the port (`@:5432`): a Railway reference variable probably resolved to nothing; re-create the reference to the service (without a host libpq dials its default Unix socket, where a hosted app has no server; for a socket on purpose, write ?host=/path)
pg_many_ports = the URL lists several hosts or ports that do not pair up: libpq takes one port for all the hosts or one port for each (could not match the port numbers to the hosts)
pg_bad_hostaddr = `hostaddr` is not an IP address (libpq: could not parse network address); put a name in `host` instead
pg_uri_prefix = the URL must start with postgresql:// or postgres://
pg_uri_ipv6_unterminated = the IPv6 address has no closing `]` (libpq refuses the URL)
pg_uri_ipv6_empty = the IPv6 address between `[` and `]` is empty (libpq refuses the URL)
pg_uri_after_ipv6 = unexpected character at position { $position }, after the IPv6 address: libpq expects `:`, `/`, `?` or `,` there
pg_uri_missing_equals = query parameter { $pair } has no `=` (libpq: missing key/value separator); write it as `name=value`
pg_uri_extra_equals = query parameter `{ $keyword }` has a second `=` in its value (libpq: extra key/value separator); write `=` inside a value as `%3D`
pg_uri_bad_percent = the { $part ->
    [user] user name
    [password] password
    [host] host
    [port] port
    [dbname] database name
    [query_key] name of a query parameter
    [query_value] value of a query parameter
    [query_secret] value of a secret query parameter
    [path] path
   *[query] query
} contains a `%` not followed by two hex digits (libpq: invalid percent-encoded token); write a literal `%` as `%25`
pg_portability_credential = the { $part ->
    [user] user name
    [password] password
    [host] host
    [port] port
    [dbname] database name
    [query_key] name of a query parameter
    [query_value] value of a query parameter
    [query_secret] value of a secret query parameter
    [path] path
   *[query] query
} contains an unencoded `{ $special }`: libpq reads it, but node-postgres, asyncpg, SQLAlchemy and other URL parsers end the URL part there; write it as `{ $encoded }`
pg_portability_hash = the URL contains `#`: libpq reads it as part of the value, other URL parsers cut the URL there; write it as `%23`
pg_param_unknown = libpq rejects the unknown parameter `{ $key }` (`invalid URI query parameter`); ORM-only options such as Prisma's `schema` or `pgbouncer` must be removed for other clients
pg_bad_sslmode = sslmode `{ $value }` is not valid: use disable, allow, prefer, require, verify-ca or verify-full
pg_bad_channel_binding = channel_binding `{ $value }` is not valid: use disable, prefer or require
pg_system_root_needs_verify_full = sslrootcert=system requires sslmode=verify-full (libpq refuses sslmode={ $mode } with it)
redis_socket_refused = the URL names a Unix socket: railconn checks TCP connections only (refused by design); give the host and port the app will use over the network
redis_unparsable = redis-rs cannot parse this URL (WHATWG URL rules): check the host and port, and percent-encode special characters in the credentials
redis_bad_protocol = protocol `{ $value }` is not one redis-rs accepts (`Invalid protocol version`): use resp2 (or 2) or resp3 (or 3)
redis_wildcard_host = the host is a wildcard address (0.0.0.0 or ::), which a server listens on but a client cannot connect to (redis-rs refuses it): use the server's real address, e.g. 127.0.0.1
redis_rs_refuses = redis-rs refuses this URL: { $reason }
redis_no_resp3 = the server does not speak RESP3 ({ $reply }): an app with protocol=resp3 cannot connect; use protocol=resp2, or Redis 6 or later
redis_bad_fragment = only `#insecure` is allowed after `#` in a Redis URL; if `#` is part of the password, write it as `%23`
redis_bad_db = database `/{ $path }` must be a number, e.g. `/0`

## Normalisation

norm_whitespace = { $var } has whitespace or a line break around it; railconn trimmed it, but your app may not (a trailing newline ends up in the password or database name): remove it from the variable
norm_quotes = { $var } is wrapped in quotes; railconn removed them, but a platform or docker --env-file may keep them in the value: store it without quotes
norm_driver = SQLAlchemy URL: the app uses the `{ $driver }` driver; railconn checked the same server with `postgresql://`. psql, pg_dump and other libpq tools need the prefix removed
norm_asyncpg_sslmode = asyncpg does not accept `sslmode` (TypeError: connect() got an unexpected keyword argument 'sslmode'): use `?ssl=require` or connect_args={"{"}"ssl": ...{"}"}
norm_postgres_scheme = { $var } starts with postgres://, which SQLAlchemy 1.4+ rejects (NoSuchModuleError: ...dialects:postgres): use postgresql:// if a SQLAlchemy app reads it
norm_prisma = Prisma-only parameter(s) { $names } removed for the check: libpq, psql and psycopg reject them (`invalid URI query parameter`)

## Config step

config_from = from { $source }
config_missing = { $count ->
    [one] { $vars } is not set (nor { $flag })
   *[other] none of { $vars } is set (nor { $flag })
}
config_invalid = { $source }: { $message }
target_missing = not configured ({ $vars })
target_invalid = invalid URL in { $source }

## DNS and TCP

dns_timeout = no answer for { $host } within { $limit }
dns_failed = { $host }: { $error ->
    [EAI_NONAME] no such name (EAI_NONAME)
    [EAI_NODATA] the name exists but has no addresses (EAI_NODATA)
    [EAI_AGAIN] temporary failure in name resolution (EAI_AGAIN)
    [EAI_FAIL] the resolver failed and will not recover (EAI_FAIL)
    [EAI_MEMORY] the resolver ran out of memory (EAI_MEMORY)
    [EAI_SYSTEM] system error during name resolution (EAI_SYSTEM)
   *[other] the resolver failed ({ $error })
}
dns_zoned_address = { $host } is an IPv6 address with a zone the resolver refuses: getaddrinfo (as libpq and redis-py call it) takes an interface name only for a link-local address (fe80::/10), a zone number otherwise
dns_no_addresses = { $host } has no addresses
dns_family = { $family } { $addrs }
joined = { $first }; { $second }
listed = { $first }, { $second }
source_variable = { $variable } ({ $origin })
ipv6_only = { $host } has only IPv6 addresses: clients that look up IPv4 only fail with ENOTFOUND (ioredis/BullMQ before 5.8.2: add ?family=0 to the URL; Railway's legacy private network is IPv6-only)
ipv6_unreachable = { $host }: IPv6 has no route from here while IPv4 works; clients that try IPv6 first without falling back fail (on Railway, outbound IPv6 is off unless enabled)
tcp_timeout = { $addr }: no answer within { $limit }
tcp_failed = { $addr }: { $error ->
    [ECONNREFUSED] connection refused (ECONNREFUSED)
    [ENETUNREACH] network unreachable (ENETUNREACH)
    [EHOSTUNREACH] no route to host (EHOSTUNREACH)
    [ECONNRESET] connection reset (ECONNRESET)
    [ETIMEDOUT] connection timed out (ETIMEDOUT)
    [EADDRNOTAVAIL] address not available here (EADDRNOTAVAIL)
    [EACCES] connection not permitted (EACCES)
   *[other] { $error }
}
tcp_connected = connected to { $addr }
tcp_connected_after = connected to { $addr } (after { $earlier })

## TLS

tls_timeout = TLS handshake not finished within { $limit }
tls_bad_server_name = `{ $host }` is not a valid TLS server name
tls_alert = the server aborted the TLS handshake with alert { $alert }
tls_reset = the connection was reset during the TLS handshake
tls_closed = the server closed the connection during the TLS handshake
tls_peer_plaintext = the server answered the TLS handshake in plaintext: it does not speak TLS on this port
tls_failed = TLS handshake failed: { $error }
peer_too_much = the peer kept sending: more than { $kib } KiB without completing a reply
peer_is_http = the peer answered like an HTTP server
cert_unknown_issuer = issued by an unknown authority (self-signed or private CA)
cert_expired = expired
cert_not_yet_valid = not valid yet (check this machine's clock)
cert_wrong_name = issued for another host name
cert_other = rejected ({ $reason })
cert_failure = certificate { $reason }
cert_failure_with = certificate { $reason }: subject { $subject }, issuer { $issuer }, expires { $expires }
root_file_unreadable = cannot read root certificate file { $path }: { $error }
roots_empty_system = no trusted root certificates found on this system (install ca-certificates or set SSL_CERT_FILE)
roots_empty_file = { $path } contains no certificate
tls_detail = { $version }, certificate { $verified ->
    [yes] verified
   *[no] not verified
}
tls_detail_cert = { $version }, certificate { $verified ->
    [yes] verified
   *[no] not verified
}: subject { $subject }, issuer { $issuer }, { $named ->
    [yes] names [{ $names }]
   *[no] no subjectAltName names
}, expires { $expires } ({ $days } days)
cert_expired_unverified = the server's certificate expired on { $not_after }: this connection does not verify it, but any client that does (verify-ca, verify-full, rediss://) fails
cert_expires_soon = the server's certificate expires in { $days } days ({ $not_after }): renew it before clients that verify start failing
cert_self_signed = the server's certificate is self-signed (for [{ $names }]): encryption works, but clients that verify (PostgreSQL verify-ca/verify-full, rediss://) accept it only with that very certificate as their trusted root and a matching host name; Railway's PostgreSQL certificate is self-signed for localhost
connection_reset = the connection was reset by the peer

## PostgreSQL

pg_tls_not_tried = sslmode={ $mode }: connecting without TLS
pg_tls_declined = the server does not offer TLS; sslmode=prefer continues unencrypted
pg_prefer_fallback = TLS failed ({ $code }: { $message }); sslmode=prefer connected again without TLS, as libpq does
pg_server_refused_tls = the server answered the SSLRequest with `N`: it does not support TLS
pg_no_answer_to_ssl_request = no answer to the SSLRequest
pg_peer_is_redis = the peer answered like a Redis server
pg_peer_is_tls = the peer expects TLS from the first byte (a TLS-only port or proxy), not PostgreSQL's SSLRequest
pg_peer_unknown = the peer sent bytes that are not PostgreSQL protocol ({ $bytes })
pg_no_root_cert = sslmode={ $mode } needs a root certificate: none given in sslrootcert and ~/.postgresql/root.crt does not exist
pg_cert_not_verified = sslmode={ $mode } encrypts but does not verify the server's certificate
pg_unencrypted = the connection to { $host } is not encrypted: passwords and data cross the network in plaintext
pg_auth_detail = authenticated as { $user }
pg_auth_detail_anonymous = authenticated
pg_auth_timeout = no startup reply within { $limit }
pg_closed_during_startup = the server closed the connection before any PostgreSQL reply
pg_closed_during_query = the server closed the connection during the query
pg_server_said = { $severity } { $sqlstate }: { $message }
pg_refused_role_limit = { $said }
pg_refused_database_limit = { $said }
pg_refused_database_closed = { $said }
pg_query_timeout = no query result within { $limit }
pg_no_row = the facts query returned no row
pg_query_detail = PostgreSQL { $version }, database { $database }, user { $user }
pg_connections = { $used } of { $usable } connection slots are in use (max_connections minus reserved): the next deploy's pool, or a second replica, may get `sorry, too many clients already`
pg_facts_denied = this role may not read pg_stat_activity or the catalogs: connection headroom and the table count are not available (the login and the query work)
pg_no_tables = database { $database } has no tables: migrations have not run (run them in the pre-deploy or start command, e.g. `alembic upgrade head`, `prisma migrate deploy`)
pg_facts_detail = { $detail }, { $used }/{ $usable } connections
pg_read_only = { $facts }: the server is a read-only replica, or the database defaults to read-only transactions
pg_ignored_parameter = parameter `{ $key }` is accepted but not used by this check
pg_role_limit = { $used } of { $limit } connections allowed by this role's CONNECTION LIMIT are in use (ALTER ROLE … CONNECTION LIMIT): the next deploy's pool may get `too many connections for role`
pg_database_limit = { $used } of { $limit } connections allowed by this database's CONNECTION LIMIT are in use (ALTER DATABASE … CONNECTION LIMIT): the next deploy's pool may get `too many connections for database`
pg_malformed = the server sent a malformed PostgreSQL message ({ $what }): { $bytes }
pg_bad_length = a `{ $kind }` message with length { $len }
pg_md5_salt = an MD5 password request with a { $len }-byte salt, not 4
pg_empty_error_response = an ErrorResponse without any field: no severity, code or message
pg_empty_notice_response = a NoticeResponse without any field
redis_malformed = the server sent a malformed Redis reply ({ $what }): { $bytes }
redis_last_words = the server said `{ $text }` and closed the connection
redis_nested_too_deep = arrays nested deeper than { $limit }
redis_not_utf8 = a `{ $kind }` line that is not UTF-8
redis_bulk_length_wrong = a bulk string longer than its declared length
redis_unknown_type = unknown reply type byte { $kind }
redis_not_a_number = `{ $kind }` followed by `{ $line }`, not a number

## Redis

redis_tls_off = redis:// is unencrypted
redis_unencrypted = the connection to { $host } is not encrypted (redis://); fine on a private network, not across the internet
redis_insecure = #insecure: the server's certificate is not verified
redis_timeout = no Redis reply within { $limit }
redis_auth_detail = AUTH as { $user }
redis_auth_detail_default = AUTH with password (user default)
redis_no_credentials = no credentials in the URL
redis_ping_detail = PONG, Redis { $version }, db { $db }
redis_ping_detail_no_version = PONG, db { $db }
redis_replica = { $detail }: the server is a replica (role:slave): every write, such as storing a revoked token, fails with READONLY
redis_evicts_all = maxmemory-policy is { $policy }: when memory fills, Redis may evict any key, including revoked tokens and sessions (use volatile-lru with TTLs on cache keys only, or noeviction)
redis_memory_full = Redis uses { $used_mib } of { $max_mib } MiB maxmemory: once full, writes fail with OOM (noeviction, or volatile-* with too few keys that expire)
redis_clients = { $clients } of { $max } clients are connected (maxclients): new connections will get `max number of clients reached`
redis_peer_is_tls = the server answered with a TLS record: this port expects TLS
redis_port_speaks_tls = the server closed the plaintext connection without a reply, and the same port answers a TLS handshake: it expects TLS
redis_peer_unknown = the peer sent bytes that are not Redis protocol ({ $bytes })
redis_closed = the server closed the connection without a Redis reply
first_bytes = first bytes { $bytes }
no_bytes = nothing

## JWT

jwt_target = JWT { $algorithm }
jwt_target_hidden = JWT { $value }
jwt_config_detail = { $algorithm } with { $key_var }
jwt_public_key_missing = JWT_PUBLIC_KEY is not set: tokens were signed but verification with the public key was not checked
jwt_bad_algorithm = { $var }={ $value } is not a supported algorithm (HS256/384/512, RS256/384/512, PS256/384/512, ES256/384, EdDSA; names are case-sensitive)
shown_value = `{ $value }`
hidden_value = (a { $chars }-character value, not shown)
jwt_missing_secret = no HMAC secret: none of { $vars } is set
jwt_missing_private_key = { $algorithm } needs a private key in { $var } (PEM text or a path to a PEM file)
jwt_bad_lifetime = { $var }={ $value } is not a whole number of minutes
jwt_lifetime_expired = access tokens live { $minutes } minutes: they expire at once and every request fails
jwt_lifetime_long = access tokens live { $minutes } minutes (over a day): a stolen token stays valid that long
jwt_lifetime_overflow = { $var } reaches past the year 9999: an app computing exp with Python's datetime gets OverflowError and makes no token; set it in minutes, e.g. 30
value_not_utf8 = { $var } holds bytes that are not UTF-8: the app's driver or JWT library cannot read it as meant (Python keeps them as surrogates that do not encode, Node replaces them); write the value in UTF-8 (in a URL, percent-encode other bytes)
jwt_secret_detail = { $bytes }-byte secret
jwt_placeholder = { $var } is a well-known placeholder or tutorial value: anyone can forge tokens with it
jwt_short_secret = { $var } is { $bytes } bytes; { $algorithm } needs at least { $needed } (RFC 7518 §3.2)
jwt_key_file = { $var } is neither PEM text nor a readable file: { $error }
jwt_bad_private_key = { $var } is not a valid { $algorithm } private key in PEM
jwt_bad_public_key = { $var } is not a valid { $algorithm } public key in PEM
jwt_rsa_too_small = { $var } is an RSA key below 2048 bits (RFC 7518 §3.3 requires 2048 or more)
jwt_algorithm_whitespace = { $var } has spaces or line breaks around { $algorithm }: PyJWT and Node's jsonwebtoken look the name up as written and refuse it ("Algorithm not supported"); set { $var }={ $algorithm } with nothing around it
jwt_secret_is_key = { $var } holds a PEM or SSH key, not a secret: PyJWT refuses an asymmetric key as an HMAC secret ("should not be used as an HMAC secret") and Node's jsonwebtoken will not verify with it; use a random secret (openssl rand -hex 32), or an RS*/ES* algorithm with JWT_PRIVATE_KEY
jwt_key_escaped_newlines = { $var } is PEM with literal \n instead of line breaks: railconn read it, but PyJWT ("Could not parse the provided key") and Node's jsonwebtoken refuse the value as it is, unless the app replaces \n itself; store the PEM with real line breaks (in .env, a double-quoted value turns \n into line breaks)
jwt_key_certificate = { $var } is an X.509 certificate, not a public key: Node's jsonwebtoken verifies with it, but PyJWT refuses it ("Could not parse the provided public key"); for a Python app put the public key in { $var }: openssl x509 -in cert.pem -pubkey -noout
jwt_key_path = { $var } is a path, not PEM text: railconn read the file, but PyJWT and Node's jsonwebtoken take the value itself as the key and refuse it, unless the app reads the file itself; put the PEM text in { $var }
jwt_key_detail = { $algorithm }{ $bits ->
    [0] {""}
   *[other] {" "}{ $bits }-bit
} private key{ $public ->
    [yes] , public key present
   *[no] {""}
}
jwt_sign_failed = signing a token failed: { $kind }
jwt_signed_only = signed a token (no public key to verify it)
jwt_roundtrip_detail = signed and verified a token (exp in { $minutes } min)
jwt_key_mismatch = JWT_PUBLIC_KEY does not belong to JWT_PRIVATE_KEY: tokens signed by the app will not verify
jwt_verify_failed = the signed token did not verify: { $kind }

## Findings across checks

memory_fallback = Redis is { $state ->
    [failing] failing
   *[unset] not configured
}: the token revocation list (blacklist) and the cache fall back to process memory, lost on every restart and not shared between instances or workers, so a logged-out token keeps working elsewhere
steps_not_run = { $steps }: not run{ $count ->
    [one] {""}
   *[other] {""}
}
optional_failed = { $check } failed ({ $code }) but is optional: it does not block the deploy
jwt_secret_reused = the JWT secret is also a database or Redis password: one leak opens both, and rotating one breaks the other
pooled_url = DATABASE_UNPOOLED_URL is set, so DATABASE_URL goes through PgBouncer (transaction pooling): run migrations, LISTEN and advisory locks over DATABASE_UNPOOLED_URL
loopback_on_railway = the { $check } target is localhost while Railway's variables are set: inside a Railway deployment nothing listens there (use the service's reference variable); under `railway run` on a laptop this is fine

## SQLite

sqlite_no_network = SQLite: a local file, nothing to dial
sqlite_in_memory_target = in-memory SQLite database
sqlite_in_memory = DATABASE_URL is an in-memory SQLite database: every process has its own, empty at each start
sqlite_missing = SQLite file { $path } does not exist here: the app creates it on first write, empty
sqlite_not_a_file = { $path } is not a regular file
sqlite_not_sqlite = { $path } is not a SQLite database (its header is not `SQLite format 3`)
sqlite_unreadable = cannot read { $path }: { $error }
sqlite_ok = SQLite file { $path }, { $kib } KiB
sqlite_outside_volume = the SQLite file is outside the Railway volume ({ $volume }): its data vanishes on every redeploy; move it under the volume or use PostgreSQL
sqlite_no_volume = on Railway a SQLite file vanishes with the container on every redeploy unless it lives under a volume (RAILWAY_VOLUME_MOUNT_PATH); production apps usually want PostgreSQL here

## wait, watch, env

wait_timed_out = railconn wait: not ready after { $timeout }; the last report is above
wait_stopped_early = railconn wait: stopped early: { $check } failed with { $code }, which waiting cannot fix; see the report above
wait_stopped_on_warnings = railconn wait: stopped early: only warnings remain (--strict), and waiting does not change them; see the report above
wait_failing = { $check } ({ $code })
wait_progress = waiting for { $failing } — { $elapsed } / { $timeout }
command_not_started = railconn wait: cannot run { $command }: { $error }
watch_change = { $time } { $check }: { $before } -> { $now }{ $code } ({ $took })
watch_first = { $time } { $check }: { $now }{ $code } ({ $took })
watch_check_state = { $check } { $status } { $took }
watch_heartbeat = { $time } heartbeat (round { $round }): { $states }
watch_no_failures = no failures
watch_failure_count = { $code } ×{ $count }
watch_failures = failures: { $list }
watch_summary = { $check }: available { $availability }% of { $rounds } rounds, { $failures }; latency min { $min }, median { $median }, max { $max }
env_variables = Variables (first set in each group wins; the process environment overrides .env files)
env_targets = Targets
env_default = default
env_invalid_url = (invalid URL: { $message })
env_secret = *** ({ $bytes } bytes)
env_key_pem = *** (PEM text, { $bytes } bytes)
env_key_path = *** (not PEM text: railconn reads it as a file path; PyJWT and jsonwebtoken take it as the key and refuse it)
env_key_escaped = *** (PEM text with literal \n, { $bytes } bytes: PyJWT and jsonwebtoken refuse it as it is)
env_file_committable = { $path } is inside a git work tree and not ignored: real credentials in it may get committed (add it to .gitignore; keep placeholders in .env.example)
origin_environment = environment
env_value_too_large = entry { $entry }: the value expands to more than { $kib } KiB
env_file_too_large = larger than { $kib } KiB
env_too_many_dollars = more than { $limit } `$` substitutions
env_entry = entry { $entry }: { $problem }
env_line_not_pair = a line is not KEY=VALUE (the line is not shown: it may hold a secret)
env_unclosed_quote = a quoted value has no closing quote, so it runs to the end of the file: add the closing quote (the line is not shown: it may hold a secret)
env_not_utf8 = not valid UTF-8
env_unparsable = could not be parsed

## --resolve HOST:PORT:ADDR

resolve_form = write HOST:PORT:ADDR, e.g. db.example.com:5432:127.0.0.1 (an IPv6 ADDR may be in brackets)
resolve_bad_port = `{ $port }` is not a port (1-65535): write HOST:PORT:ADDR
resolve_bad_addr = `{ $addr }` is not an IP address: write HOST:PORT:ADDR with ADDR like 127.0.0.1 or [::1]

## Errors that stop a run (exit 2)

error_prefix = railconn: error: { $error }
error_resolve = --resolve { $value }: { $problem }
error_nothing_selected = nothing to check: --only/--skip leave no check to run
error_app_dir = --app-dir { $path } is not a directory: give the directory that holds the app's package.json, requirements.txt or pyproject.toml
driver_unknown = unknown driver `{ $name }`: use one of { $known }, optionally with @VERSION (e.g. pg@8.23.1)
driver_bad_version = `{ $arg }`: the version after @ must start with a number (e.g. pg@8.23.1)
drivers_found = Judged as the app's drivers: { $list }
drivers_none = No PostgreSQL, Redis, MySQL, AMQP or JWT driver found in the app's manifests: judged as libpq, redis-rs, kombu and PyJWT, and MySQL URLs by their own parameters (see --app-dir, --driver)
driver_manifest_unreadable = could not read { $file } for the app's drivers: { $reason }
driver_manifest_malformed = not valid: { $error }
driver_manifest_not_utf8 = not UTF-8 text
driver_node_pg_verify_full = { $driver } reads sslmode={ $mode } as verify-full (pg-connection-string 2.x): checked with the certificate chain and host name verified, as it connects
driver_node_pg_cause = { $driver } reads sslmode={ $mode } as verify-full: it verifies the server's certificate against Node's CA store (or sslrootcert) and checks the host name. This server's certificate does not pass, so the app will fail to connect, although libpq, psql and psycopg connect without verifying.
driver_node_pg_fix = Give node-postgres the server's CA: add sslrootcert=/path/to/ca.pem to the URL. Or keep libpq's meaning of sslmode=require (encrypted, not verified) with uselibpqcompat=true, or use sslmode=no-verify; both let anyone on the path impersonate the server.
driver_node_pg_compat = node-postgres with uselibpqcompat=true reads sslmode as libpq does: checked with libpq's rules
driver_node_pg_plaintext = { $driver } uses TLS only when the URL has sslmode (or PGSSLMODE is set): without it, it connects unencrypted, and so did the check
driver_node_pg_plaintext_cause = { $driver } uses TLS only when the URL has sslmode (or PGSSLMODE is set): without it, it connects unencrypted, and this server refuses unencrypted connections, although libpq, psql and psycopg connect (they prefer TLS).
driver_node_pg_plaintext_fix = Add sslmode to the URL: sslmode=verify-full&sslrootcert=/path/to/ca.pem to verify the server, or sslmode=no-verify to encrypt without verifying.
driver_node_pg_no_verify = node-postgres with sslmode=no-verify encrypts but does not verify the server's certificate: anyone on the path can impersonate the server
driver_node_pg_verifies = { $driver } verifies the certificate chain and the host name for this URL, against Node's CA store (or sslrootcert): checked the same way
driver_node_pg_verifies_cause = { $driver } verifies the server's certificate against Node's CA store (or sslrootcert) and checks the host name. This server's certificate does not pass, so the app will fail to connect; sslmode=require would not help, node-postgres verifies under it too.
driver_node_pg_system_root = { $driver } reads sslrootcert=system as a file named "system" and throws before connecting (ENOENT)
driver_node_pg_system_root_cause = { $driver } takes sslrootcert as a file path only (pg-connection-string reads it with fs.readFileSync): sslrootcert=system (libpq, PostgreSQL 16+) makes it open the file "system", which does not exist, so the app throws before it connects.
driver_node_pg_term_refused = { $term } is read only by { $node }; the app's other PostgreSQL drivers ({ $others }) read URLs as libpq does and refuse it, so the code that uses them fails.
driver_node_pg_term_refused_fix = Use a URL every driver reads: sslmode=verify-full&sslrootcert=/path/to/ca.pem verifies in all of them. To encrypt without verifying, leave sslmode out of the URL (libpq then prefers TLS without verifying) and give node-postgres ssl: { "{" } rejectUnauthorized: false { "}" } in its Client options.
driver_node_pg_system_root_fix = Remove sslrootcert=system: with sslmode=verify-full node-postgres already verifies against Node's CA store. For a private CA, point sslrootcert at its file (sslrootcert=/path/to/ca.pem).
driver_asyncpg_system_root = { $driver } reads sslrootcert=system as a file named "system" and fails before connecting (FileNotFoundError)
driver_asyncpg_system_root_cause = { $driver } takes sslrootcert as a file path only: sslrootcert=system (libpq, PostgreSQL 16+) makes it load the file "system", which does not exist, so the app fails before it connects.
driver_asyncpg_system_root_fix = Give asyncpg a file: sslrootcert=/etc/ssl/certs/ca-certificates.crt (the system bundle on Debian and Ubuntu) with sslmode=verify-full, or pass ssl=ssl.create_default_context() to asyncpg.connect.
driver_asyncpg_prefer = { $driver } reads sslrootcert=system without sslmode as sslmode=prefer, without verifying the certificate (libpq would verify in full): checked as asyncpg connects
driver_ioredis_ipv4_only = { $driver } looks up { $host } for IPv4 only (family 4), and it has only IPv6 addresses: getaddrinfo ENOTFOUND
driver_ioredis_cause = { $driver } resolves host names for IPv4 only (family 4, its default before 5.8.2), and this name has only IPv6 addresses (Railway's legacy private network is IPv6-only): the app will fail with ENOTFOUND, although redis-py, node-redis and redis-rs connect.
driver_ioredis_fix = Add family=0 to the URL (redis://…?family=0), pass family: 0 in the ioredis options, or upgrade ioredis to 5.8.2 or later.
driver_redis_query_password_read = The password in ?password= is read by { $drivers }: railconn sends it too. redis-rs and node-redis ignore it; a password in the userinfo (redis://:PASSWORD@host) works with every client.
driver_redis_query_password_ignored = ?password= in the URL is ignored by { $drivers }: the app connects without a password (only redis-py and ioredis read it). Move the password into the userinfo part: redis://:PASSWORD@host:port/0 (redis://USER:PASSWORD@… for an ACL user).
error_env_file = cannot read env file { $path }: { $reason }. Fix the file or pass --no-env-file
error_env_file_named = cannot read env file { $path }: { $reason }. Fix the file or leave out --env-file { $path }
error_env_pipe = cannot read the variables from { $path } (a pipe such as <(railway variable list --kv)): { $reason }
error_runtime = cannot start the async runtime: { $error }
error_output = cannot write the report: { $error }
error_output_file = cannot write the report to { $path }: { $reason }
url_not_shown = <a URL, not shown: it may hold a password>
duration_zero = must be greater than zero
duration_too_long = must be at most 24h
bad_duration = { $error }: write a duration such as 500ms, 10s or 1m
not_a_regular_file = not a regular file
file_too_large = larger than { $kib } KiB
arguments_not_shown = <the arguments railconn sent, not shown>
message_withheld = <the message is not shown: it contains a configured secret, echoed by the peer>
fifo_without_reader = it is a FIFO (named pipe) that nobody is reading
pipe_stalled = it is a pipe or device that did not take or deliver the bytes within { $limit }
fifo_without_writer = it is a FIFO (named pipe) that nothing wrote to within { $limit }: first start the program that writes to it
output_dash = `-` is not stdout here: the report already goes to stdout; give --output a file name
pipe_empty = the pipe ended before a single byte: the command behind it wrote nothing (run it on its own to see why)

## Targets and selection

selector_bad_kind = `kind:{ $kind }` is not a kind: write kind:postgresql, kind:sqlite, kind:redis, kind:mysql, kind:amqp or kind:jwt
selector_empty = an empty check name: write a check name (postgres, redis, jwt or a variable such as CELERY_BROKER_URL) or kind:KIND
target_form = write NAME=URL, e.g. --target replica=postgresql://replica.example:5432/app (NAME: letters, digits, _ - .)
target_name_space = NAME (before the =) holds a space: use letters, digits, _ - and . only, e.g. --target read_replica=postgresql://replica.example:5432/app
target_name_char = NAME (before the =) holds `{ $char }`: use letters, digits, _ - and . only, e.g. --target read_replica=postgresql://replica.example:5432/app
target_default_name = `{ $name }` is a default check: use --database-url or --redis-url to check another URL for it, or choose another NAME
target_bad_scheme = the URL of `{ $name }` is not a PostgreSQL, MySQL, Redis or AMQP URL: write postgresql://…, mysql://…, redis://… (rediss:// for TLS) or amqp://… (amqps:// for TLS)
warning_unknown_check = railconn: warning: no check is called `{ $name }` here, so it selects nothing (checks: { $checks })
warning_unknown_check_near = railconn: warning: no check is called `{ $name }` here, so it selects nothing; did you mean `{ $meant }`? (checks: { $checks })
warning_merged_name = railconn: warning: { $name } holds the same URL as the `{ $check }` check and is checked as part of it; --skip, --optional and --allow act on check names, so this one changes nothing: write `{ $check }` to change how that URL gates the deploy
error_flag = { $flag } { $value }: { $problem }
allow_form = write --allow CODE or --allow CODE@CHECK, e.g. --allow no_tables or --allow connection_refused@CACHE_URL
allow_bad_code = `{ $code }` is not an error or finding code: write --allow CODE[@CHECK] with a code the report shows (railconn explain --list lists them), e.g. no_tables or connection_refused@CACHE_URL
allowed = { $message } — allowed by --allow { $code }
label_not_checked = Other services, not checked
not_checked = { $variable } ({ $origin }): { $scheme }:// URL, a kind railconn does not check

## Report labels

header = railconn { $version }: checked in { $took }
label_works = Works
label_allowed = Allowed failures (--allow) — they do not stop the deploy, yet do not work
label_problems = Problems
label_limitations = Limitations
label_skipped = Not checked
label_error = error
label_cause = cause
label_fix = fix
label_source = from
label_provider = where
# The names of the provider table's rows (src/provider/table.rs keeps their ids and doc links).
provider_name = { $id ->
    [railway_private] Railway private network
    [railway_proxy] Railway TCP proxy
    [neon] Neon
    [supabase_direct] Supabase direct connection
    [supabase_pooler] Supabase pooler (Supavisor)
    [upstash] Upstash
    [redis_cloud] Redis Cloud
    [render_internal] Render internal network
    [render] Render
    [heroku] Heroku
    [aiven] Aiven
    [fly_private] Fly.io private network
    [fly_flycast] Fly.io Flycast
    [aws_rds] AWS RDS
    [aws_elasticache] AWS ElastiCache
    [digitalocean] DigitalOcean Managed Databases
    [planetscale] PlanetScale
    [cloudamqp] CloudAMQP
   *[other] { $id }
}
provider_with_doc = { $name } ({ $doc })
provider_tls_only_redis = the URL is not encrypted (redis://), but { $provider } accepts only TLS: it will cut this connection off; use rediss://
provider_tls_only_pg = the connection is not encrypted, but { $provider } accepts only TLS: it will refuse it; use sslmode=require or stricter
pooler_transaction = { $name } in transaction mode is in front of the database (told by { $evidence }): prepared statements, LISTEN/NOTIFY, session SET and advisory locks do not outlive a transaction (asyncpg: statement_cache_size=0; psycopg 3: prepare_threshold=None; Prisma: ?pgbouncer=true); run migrations over a direct or session-mode URL
pooler_session = { $name } in session mode is in front of the database (told by { $evidence }): each client holds a database connection while it is connected
pooler_unknown_mode = { $name } is in front of the database (told by { $evidence }): in transaction mode, prepared statements, LISTEN/NOTIFY and session SET do not outlive a transaction
pooler_by_port = its port
pooler_by_host = its host name
pooler_by_error = its error
dns_pinned = { $addresses } (from --resolve, not DNS)
label_critical = critical
label_optional = optional
skipped_by_flag = skipped (--skip/--only)
interrupted = interrupted ({ $signal ->
    [SIGTERM] SIGTERM
   *[other] Ctrl-C
}) before it finished
junit_suite = railconn check
junit_strict_warning = warning under --strict: { $codes }
markdown_table_header = | check | status | target | result |
annotation_title = railconn { $check }: { $code }
annotation_title_at = railconn { $check }: { $code } at { $step }
code_at_step = `{ $code }` at { $step }
error_at_step = { $code } at { $step }: { $message }
badge_pass = ✅ pass
badge_warn = ⚠️ warn
badge_fail = ❌ fail
badge_skip = ⏭️ skip
badge_allowed = ☑️ allowed
verdict_ready = { $limitations ->
    [0] Verdict: ready to deploy
    [one] Verdict: ready to deploy, with 1 limitation
   *[other] Verdict: ready to deploy, with { $limitations } limitations
}
verdict_not_ready = { $critical ->
    [one] Verdict: not ready — 1 critical problem
   *[other] Verdict: not ready — { $critical } critical problems
}
verdict_not_ready_strict = { $limitations ->
    [one] Verdict: not ready — 1 limitation (--strict)
   *[other] Verdict: not ready — { $limitations } limitations (--strict)
}
verdict_interrupted = Verdict: not ready — interrupted ({ $signal ->
    [SIGTERM] SIGTERM
   *[other] Ctrl-C
}) before every check finished

## serve: logs, health, HTTP answers

serve_listening = railconn serve: listening on http://{ $addr } (/metrics, /healthz, /livez, /); checks { $interval }
serve_open = railconn serve: no token (RAILCONN_SERVE_TOKEN or --token-file): every endpoint is open to whoever can reach this port; keep it on a private network or set a token
serve_token_on = railconn serve: a bearer token is required on every endpoint but /livez
serve_ipv4_only = railconn serve: IPv6 is unavailable here, listening on IPv4 only ({ $addr })
health_no_round = no round of checks has finished yet
health_stale = the latest results are stale: the last round finished { $age } ago
http_unauthorized = 401 unauthorized: send Authorization: Bearer <token>
http_not_found = 404 not found: try /, /metrics, /healthz or /livez
error_listen = cannot listen on { $addr }: { $reason }. Pick another --listen address or port
error_port = PORT must be a port number (1-65535), not { $value }: fix PORT or pass --listen
error_token_file = cannot use the token file { $path }: { $reason }
token_empty = it is empty

## serve's status page

page_title = railconn status
page_waiting = No round of checks has finished yet; this page reloads itself.
page_updated = Last round finished { $time }; checks run { $interval }, and this page reloads itself as often.
page_column_check = check
page_column_status = status
page_column_target = target
page_column_result = result

## Causes and fixes

advice_redis_tls_timeout =
    .cause = The server accepted the connection but never answered the TLS handshake: it most likely speaks plaintext Redis (Railway's Redis and a plain redis-server have no TLS).
    .fix = Use redis:// instead of rediss://.
advice_pg_tls_timeout =
    .cause = The port accepted the connection but never answered PostgreSQL's 8-byte SSLRequest: it most likely belongs to another kind of server that waits for more input (Redis does), not to PostgreSQL.
    .fix = Check the host and port in { $variable }: copy them together from the database's connection details (on Railway its DATABASE_URL, or DATABASE_PUBLIC_URL from outside).
advice_pg_tls_closed =
    .cause = Something accepts connections on this port, but it closed the connection at the first PostgreSQL message: no database answers behind it (the service is stopped, sleeping or removed), or the port belongs to another kind of server.
    .fix = Copy the current URL from the database's dashboard and check the database's logs.
advice_pg_missing_config =
    .cause = No PostgreSQL URL is set: the variables it is read from (the error names them) are absent or empty, in the environment and in every .env file read.
    .fix = { $variable ->
        [DATABASE_PUBLIC_URL] Set DATABASE_PUBLIC_URL to the database's public URL (railway variable list --service Postgres --kv prints it), or pass --database-url; without --public railconn checks DATABASE_URL, the URL the app uses inside Railway.
       *[other] Set { $variable } (on Railway a reference: { $variable }=${"{{"}Postgres.DATABASE_URL{"}}"}; from a laptop or CI the database's DATABASE_PUBLIC_URL), or pass --database-url. If the app has no database, use --skip postgres.
    }
advice_pg_unsupported_scheme =
    .cause = The URL does not start with postgresql:// or postgres://, so libpq-based clients reject it.
    .fix = Use the postgresql:// URL from the database service's Variables.
advice_pg_dns_not_found =
    .cause = The host name does not exist for this machine's resolver: a typo, a database or service that was renamed or deleted, or a private name that resolves only inside its own network.
    .fix = Compare the host with the one in the database's dashboard and copy the URL again; from a laptop or CI use the database's public URL.
advice_pg_connection_refused =
    .cause = The host answered, but nothing listens on that port: the database is stopped, crashing or restarting, or the port does not belong to this host (on Railway: a proxy port with the private host, or 5432 with the proxy host).
    .fix = Check that the database is running (its logs in the provider's dashboard); copy host and port together into { $variable } from the database's connection details.
advice_pg_tls_unsupported =
    .cause = The server does not support TLS, but the URL's sslmode requires it (a local or docker PostgreSQL, or PgBouncer without TLS).
    .fix = Enable TLS on the server, or use sslmode=prefer (or disable) on a trusted private network.
advice_pg_tls_required =
    .cause = The server accepts this user only over TLS (pg_hba.conf has only hostssl entries for it), and the connection was unencrypted.
    .fix = Add ?sslmode=require to { $variable }.
advice_pg_certificate_invalid =
    .cause = The server's certificate fails the verification sslmode asks for: self-signed or a private CA, expired, or issued for another name. Railway's PostgreSQL certificate is self-signed for `localhost`, so verify-ca and verify-full cannot pass with the system roots.
    .fix = Use sslmode=require (encrypts without verifying, as libpq does), or give the server's CA with sslrootcert=/path/root.crt and sslmode=verify-ca.
advice_pg_connection_closed =
    .cause = Something accepts connections on this port, but no database answers behind it: the service is stopped, sleeping or removed, or the URL points at an old deployment.
    .fix = Copy the current URL from the database's dashboard and check the database's logs.
advice_pg_protocol_error =
    .cause = The peer on this port does not speak PostgreSQL: an HTTP endpoint (the app's *.up.railway.app domain), a Redis server, or a TLS-only port.
    .fix = Put the database's own host and port in { $variable }, copied from its connection details (on Railway its DATABASE_URL, or DATABASE_PUBLIC_URL from outside).
advice_pg_auth_failed =
    .cause = The server rejected the credentials: a wrong or stale password (a URL copied before the password changed; POSTGRES_PASSWORD edited after the volume was initialised, which changes nothing), a wrong user, or a role stored with MD5 while the server wants SCRAM.
    .fix = Use the reference variable { $variable }=${"{{"}Postgres.DATABASE_URL{"}}"} instead of a copied value, or reset the password: ALTER ROLE <user> PASSWORD '…'.
advice_pg_auth_required =
    .cause = The server asks for a password and the URL has none (e.g. a URL built from a reference that resolved empty).
    .fix = Put the password in the URL, percent-encoded: postgresql://user:PASSWORD@host:5432/db.
advice_pg_access_denied =
    .cause = The server refuses this user, database or client address (no matching pg_hba.conf entry, or no CONNECT privilege).
    .fix = Use the credentials the platform generated, or grant access (pg_hba.conf, GRANT CONNECT ON DATABASE …).
advice_pg_database_not_found =
    .cause = The database named in the URL path does not exist on this server (Railway's is named `railway`; a missing path defaults to the user name).
    .fix = Fix the /dbname part of the URL, or create the database: createdb <name>.
advice_pg_too_many_connections =
    .cause = All connection slots are taken (max_connections): pool size × workers × replicas, overlapping deploys, or leaked connections.
    .fix = Lower the app's pool size, put PgBouncer in front, or end idle sessions: SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle';
advice_pg_server_starting =
    .cause = The database is starting up, shutting down or recovering (SQLSTATE 57P03), as right after a redeploy or a crash.
    .fix = Wait a few seconds and check again; if it persists, check the volume's free space and the service logs.
advice_pg_read_only =
    .cause = The server accepts connections but not writes: it is a replica in recovery (a read endpoint, or a standby after failover), or default_transaction_read_only is on. The app's first INSERT fails with SQLSTATE 25006.
    .fix = Point { $variable } at the primary (read-write) endpoint; after a failover, copy the new primary's URL.
advice_pg_invalid_value =
    .cause = The server refused a startup parameter from the URL (an options=-c setting or another parameter), so the app's connection fails the same way.
    .fix = Fix or remove the parameter the server's message names.
advice_pg_query_failed =
    .cause = Connected and authenticated, but the facts query failed.
    .fix = Read the server's message above; check the user's privileges.
advice_pg_prepared_statements =
    .cause = The URL leads to a connection pooler in transaction mode (PgBouncer before 1.21 or without max_prepared_statements, Supavisor's transaction port), and the app's driver prepares statements: a prepared statement does not outlive its transaction there, so the app's queries fail with "prepared statement … does not exist" although the connection works.
    .fix = Use the pooler's session port or the direct URL in { $variable }, or turn statement preparation off in the driver (asyncpg: statement_cache_size=0; SQLAlchemy with asyncpg: ?prepared_statement_cache_size=0; psycopg 3: prepare_threshold=None), then --allow prepared_statements@CHECK.
advice_pg_role_limit =
    .cause = The role's own connection limit is reached (ALTER ROLE … CONNECTION LIMIT, pg_roles.rolconnlimit), even if max_connections has room.
    .fix = Lower the app's pool size for this role, or raise the limit: ALTER ROLE <user> CONNECTION LIMIT <n>; (-1 removes it).
advice_pg_database_limit =
    .cause = The database's own connection limit is reached (ALTER DATABASE … CONNECTION LIMIT, pg_database.datconnlimit), even if max_connections has room.
    .fix = Lower the app's pool size, or raise the limit: ALTER DATABASE <db> CONNECTION LIMIT <n>; (-1 removes it).
advice_pg_database_closed =
    .cause = The database does not accept connections at all (ALLOW_CONNECTIONS false, pg_database.datallowconn), as for template0 or a database being migrated or retired.
    .fix = Point { $variable } at the app's database, or reopen this one: ALTER DATABASE <db> ALLOW_CONNECTIONS true;
advice_malformed_reply =
    .cause = The peer speaks the protocol but sent a reply no client can parse: a broken proxy or tunnel in front of the server, an incompatible fork, or a test double on this port. Waiting will not change it.
    .fix = Check what listens on this host and port (the provider's URL, not a local tunnel), and connect to the server directly to compare.
advice_redis_missing_config =
    .cause = No Redis URL is set: the variables it is read from (the error names them) are absent or empty, in the environment and in every .env file read.
    .fix = { $variable ->
        [REDIS_PUBLIC_URL] Set REDIS_PUBLIC_URL to the Redis service's public URL (railway variable list --service Redis --kv prints it), or pass --redis-url; without --public railconn checks REDIS_URL, the URL the app uses inside Railway.
       *[other] Set { $variable } (on Railway a reference: { $variable }=${"{{"}Redis.REDIS_URL{"}}"}; from a laptop or CI the service's REDIS_PUBLIC_URL), or pass --redis-url. If the app can run without Redis, accept the in-memory fallback with --optional redis.
    }
advice_redis_unsupported_scheme =
    .cause = The URL does not start with redis:// or rediss://.
    .fix = Use the redis:// URL from the Redis service's Variables (rediss:// for TLS providers such as Upstash).
advice_redis_dns_not_found =
    .cause = The host name does not exist for this machine's resolver: a typo, a Redis or service that was renamed or deleted, or a private name that resolves only inside its own network.
    .fix = Compare the host with the one in the Redis provider's dashboard and copy the URL into { $variable } again; from a laptop or CI use the public URL.
advice_redis_connection_refused =
    .cause = The host answered, but nothing listens on that port: Redis is stopped, crashing or restarting, or the port is wrong.
    .fix = Check that Redis is running (its logs in the provider's dashboard); copy host and port together into { $variable } from its connection details.
advice_redis_tls_unsupported =
    .cause = The URL asks for TLS (rediss://) but the server speaks plaintext Redis (Railway's Redis and a plain redis-server have no TLS).
    .fix = Use redis:// instead of rediss://.
advice_redis_tls_required =
    .cause = The server speaks TLS on this port but the URL is plaintext redis:// (Upstash and TLS-enabled Redis Cloud accept only TLS).
    .fix = Use rediss:// instead of redis://.
advice_redis_certificate_invalid =
    .cause = The server's certificate could not be verified against this machine's trusted roots: self-signed or a private CA, expired, or issued for another name.
    .fix = Point SSL_CERT_FILE at the provider's CA bundle (Redis Cloud publishes one); only for testing, append #insecure to the rediss:// URL.
advice_redis_connection_closed =
    .cause = Something accepts connections on this port but closed the connection without a Redis reply: the service behind a proxy is down or removed, the server's client limit is reached, or it expects TLS.
    .fix = Check the Redis service's logs and copy the current REDIS_URL from its Variables; if the provider requires TLS, use rediss://.
advice_redis_protocol_error =
    .cause = The peer on this port does not speak Redis: an HTTP endpoint (a REST URL, the app's *.up.railway.app domain) or another kind of server.
    .fix = Use the Redis host and port from REDIS_URL (for Upstash the rediss:// endpoint, not the REST URL).
advice_redis_auth_failed =
    .cause = Redis rejected the credentials: a wrong or stale password, a wrong user name, or a password sent to a server that has none (the server's reply above says which).
    .fix = Copy the URL from the Redis service's Variables (REDIS_URL: redis://default:PASSWORD@host:port) into { $variable }; if the server has no password, remove it from the URL.
advice_redis_auth_required =
    .cause = The server requires a password (NOAUTH) and the URL has none, e.g. a URL built from REDISHOST and REDISPORT only.
    .fix = Use the full URL with credentials: redis://default:PASSWORD@host:port.
advice_redis_access_denied =
    .cause = The ACL user may not run a command the check sends (NOPERM names it: PING, INFO, or SELECT for a /db other than 0), or the server is in protected mode (DENIED).
    .fix = Grant the command the reply names (e.g. ACL SETUSER <user> +ping +info +select), use /0, or set a password on the server.
advice_redis_database_not_found =
    .cause = The database index in the URL path is out of range for this server (many managed Redis offer only database 0).
    .fix = Use /0 or remove the path from the URL.
advice_redis_too_many_connections =
    .cause = Redis reached maxclients: clients created per request or leaked.
    .fix = Share one client (pool) per process and close idle clients; raise maxclients or the plan's limit.
advice_redis_server_starting =
    .cause = Redis is loading its dataset into memory (LOADING), as after a restart.
    .fix = Wait a few seconds and check again.
advice_redis_read_only =
    .cause = Connected to a Redis replica (role:slave): writes such as storing a revoked token fail with READONLY. This happens after a failover, or with a read-only endpoint.
    .fix = Point { $variable } at the primary (write) endpoint.
advice_redis_query_failed =
    .cause = Connected, but PING failed.
    .fix = Read the server's reply above.
advice_jwt_missing_config =
    .cause = No signing key is configured: JWT_SECRET_KEY, JWT_SECRET and SECRET_KEY (HS*) or JWT_PRIVATE_KEY (RS*, PS*, ES*, EdDSA) are unset. An app that falls back to a random secret per boot logs everyone out on each deploy and fails across replicas.
    .fix = Generate a secret and set it: railway variable set JWT_SECRET_KEY=$(openssl rand -hex 32)
advice_jwt_invalid_value =
    .cause = A JWT setting has a value the app cannot use.
    .fix = Set ACCESS_TOKEN_EXPIRE_MINUTES to a whole number of minutes, e.g. 30.
advice_jwt_weak_secret =
    .cause = The HMAC secret is shorter than the hash output (RFC 7518 §3.2: 32, 48, 64 bytes for HS256, HS384, HS512) or a published placeholder: tokens can be forged.
    .fix = Replace it with a random value: railway variable set JWT_SECRET_KEY=$(openssl rand -hex 32), then redeploy (existing tokens become invalid).
advice_jwt_invalid_key =
    .cause = The key cannot be used: the PEM does not parse for this algorithm, is an RSA key under 2048 bits, the public key does not belong to the private key, an HMAC secret is a PEM or SSH key, or the value is not UTF-8.
    .fix = Store the PEM with its BEGIN/END lines and real line breaks (not literal \n); generate RSA keys with: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048
advice_jwt_unsupported_algorithm =
    .cause = The algorithm name is not one JWT libraries accept (names are case-sensitive; `none` is refused).
    .fix = Set JWT_ALGORITHM=HS256, or RS256/ES256/EdDSA with a key pair.
advice_jwt_roundtrip_failed =
    .cause = A token signed with these settings could not be verified with them.
    .fix = Make the app sign and verify with the same algorithm and key pair.
advice_net_invalid_url =
    .cause = The URL is malformed, so the app's driver would reject it or connect somewhere else.
    .fix = Correct the value as the error says. To percent-encode a password: python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' 'PASSWORD'
advice_dns_zoned_address =
    .cause = The URL names an IPv6 address with a zone (`%25` and an interface) that this machine's resolver refuses; libpq and the app's driver refuse it the same way. It is not a missing host name.
    .fix = Drop the zone (`[::1]`), give it as a number (`[::1%251]`), or use an interface name only with a link-local fe80:: address.
advice_net_dns_timeout =
    .cause = The resolver did not answer within the connect timeout.
    .fix = Check this machine's DNS (/etc/resolv.conf) and retry; raise --connect-timeout on slow networks.
advice_net_dns_error =
    .cause = Name resolution failed temporarily: the resolver is unreachable or not ready yet (as in the first seconds of a Railway deploy).
    .fix = Retry in a few seconds; check this machine's DNS configuration.
advice_net_connect_timeout =
    .cause = No answer within the connect timeout: a firewall or IP allow-list drops the packets, the address is not reachable from this network, or the service is waking from sleep.
    .fix = Check allow lists and the network path; retry, or raise --connect-timeout.
advice_net_network_unreachable =
    .cause = This machine has no route to the address: usually an IPv6-only address on a network without IPv6 (Railway services have outbound IPv6 off by default).
    .fix = Use an endpoint with an IPv4 address (such as a pooler host), or enable outbound IPv6.
advice_net_tls_handshake_failed =
    .cause = The TLS handshake did not complete: a proxy cut it, or client and server share no protocol version or cipher.
    .fix = Check the server's TLS settings and whether a proxy sits in between.
advice_net_connection_reset =
    .cause = The connection was reset: a proxy or firewall cut it, or the server crashed.
    .fix = Check the service's logs and retry.
advice_net_timeout =
    .cause = The server accepted the connection but did not answer in time: it is overloaded or starting, or the port belongs to something that waits for the client.
    .fix = Retry; raise --timeout; check that the port is the service's own.

## Provider and pooler tips: causes and fixes that name where the database lives
## (the provider table in src/provider/table.rs says which applies where)

tip_railway_private_dns_postgres =
    .cause = A *.railway.internal name resolves only inside a running deployment of the same Railway project and environment: not from a laptop, CI, or the build (Dockerfile RUN, postinstall).
    .fix = Outside Railway use DATABASE_PUBLIC_URL (railconn check --public); run migrations in the pre-deploy or start command, not the build.
tip_railway_private_dns_redis =
    .cause = A *.railway.internal name resolves only inside a running deployment of the same Railway project and environment: not from a laptop, CI, or the build (Dockerfile RUN, postinstall).
    .fix = Outside Railway use REDIS_PUBLIC_URL (railconn check --public); inside, keep the private URL and connect at runtime, not during the build.
tip_railway_private_refused =
    .cause = The private name resolved, but the service refused the connection: it is not running, or it listens on IPv4 only (0.0.0.0) while Railway's private network reaches it over IPv6 (environments created before 16 October 2025 are IPv6-only).
    .fix = Make the service listen on `::` (e.g. `uvicorn --host ::`, `redis-server --bind '* -::*'`) and check its deploy logs.
tip_railway_proxy_closed_postgres =
    .cause = Railway's TCP proxy (*.proxy.rlwy.net) accepted the connection and closed it without a PostgreSQL reply: the proxy is up, but no database answers behind it. The PostgreSQL service is stopped, crashed, redeploying, or deleted (a URL kept from a removed service or project ends here too); it is not a password problem, which PostgreSQL would have said.
    .fix = Open the project in Railway and check the PostgreSQL service's deployment and logs (railway logs --service Postgres). If it is gone, add a database and copy its DATABASE_PUBLIC_URL again (railway variable list --service Postgres --kv); inside Railway use { $variable ->
        [DATABASE_PUBLIC_URL] DATABASE_URL
       *[other] { $variable }
    }=${"{{"}Postgres.DATABASE_URL{"}}"}.
tip_railway_proxy_closed_redis =
    .cause = Railway's TCP proxy (*.proxy.rlwy.net) accepted the connection and closed it without a Redis reply: the proxy is up, but no Redis answers behind it. The Redis service is stopped, crashed, redeploying, or deleted.
    .fix = Open the project in Railway and check the Redis service's deployment and logs (railway logs --service Redis). If it is gone, add a Redis and copy its REDIS_PUBLIC_URL again (railway variable list --service Redis --kv); inside Railway use { $variable ->
        [REDIS_PUBLIC_URL] REDIS_URL
       *[other] { $variable }
    }=${"{{"}Redis.REDIS_URL{"}}"}.
tip_railway_proxy_refused =
    .cause = Railway's TCP proxy refused this port: each proxy has its own random port, which changes when Public Networking is removed and added again.
    .fix = Copy host and port together from the service's *_PUBLIC_URL variable (railway variable list --service <name> --kv).
tip_railway_proxy_gone =
    .cause = This *.proxy.rlwy.net name does not exist: the service's Public Networking (TCP proxy) was removed, or the service or project was deleted. Waiting does not bring the name back.
    .fix = Enable Public Networking on the service (Settings → Networking → TCP Proxy) and copy the new *_PUBLIC_URL; if the service is gone, create it again.
tip_render_internal_only =
    .cause = Render's internal host names (dpg-…-a, red-…) resolve only inside Render services in the same region and workspace.
    .fix = Outside Render use the External Database URL (…<region>-postgres.render.com) or the Key Value's external URL.
tip_render_expired =
    .cause = Render's free databases expire 30 days after creation and are deleted after a grace period; an expired or suspended database stops answering and a deleted one's name stops resolving.
    .fix = Check the database in the Render dashboard: upgrade it to a paid plan, or create a new one and copy its External Database URL.
tip_render_allow_list =
    .cause = Render accepts external connections only from the addresses in the database's access control list.
    .fix = Add this machine's address under the database's Networking → Access Control (or use the internal URL from a Render service).
tip_render_tls =
    .cause = Render requires TLS on external connections.
    .fix = Add ?sslmode=require to the PostgreSQL URL; use rediss:// for Key Value.
tip_heroku_rotated =
    .cause = Heroku rotates the credentials of its data add-ons (maintenance, heroku pg:credentials:rotate) and updates DATABASE_URL/REDIS_URL of the attached apps: a copied URL goes stale.
    .fix = Read the variable at runtime instead of copying it; outside the dyno get the current one: heroku config:get { $variable } -a <app>.
tip_heroku_tls =
    .cause = Heroku Postgres accepts only TLS connections.
    .fix = Add ?sslmode=require to { $variable }.
tip_heroku_redis_certificate =
    .cause = Heroku Redis serves a self-signed certificate, so verifying it against public roots fails.
    .fix = Keep rediss:// but skip verification as Heroku documents (ssl_cert_reqs=none in redis-py, tls.rejectUnauthorized=false in Node; #insecure here).
tip_fly_private_only =
    .cause = Fly.io's .internal and .flycast names resolve only on the organisation's private network: inside Fly machines, or over a WireGuard tunnel.
    .fix = From a laptop run `fly proxy 5432 -a <db-app>` (or `fly mpg proxy`) and check localhost, or connect through `fly wireguard`.
tip_fly_listen_ipv6 =
    .cause = Fly's private network is IPv6: the name resolved, but nothing listens on that port over IPv6 — the app listens on 0.0.0.0 (IPv4) only, or is stopped.
    .fix = Make the service listen on `::` (or fly-local-6pn), and check `fly status -a <app>`.
tip_flycast_no_service =
    .cause = Flycast goes through Fly's proxy: it refuses when no [[services]] entry in fly.toml has this port, and closes while it starts a stopped machine.
    .fix = Add a service for the port (internal_port, with auto_start_machines) and retry; railconn wait rides out a machine starting.
tip_neon_tls_and_sni =
    .cause = Neon accepts only TLS connections, and finds the compute by the endpoint ID (the ep-… first label of the host) in the TLS server name (SNI): a plaintext connection, or a client without SNI (libpq before 14, some old drivers), is refused.
    .fix = Use ?sslmode=require (Neon's connection string has it); with a client that sends no SNI add options=endpoint%3D<endpoint-id> to the URL.
tip_neon_cold_start =
    .cause = A Neon compute suspended after inactivity (scale to zero) starts on the next connection; the first connection waits for it, usually a few hundred milliseconds, longer on a busy region.
    .fix = Retry, or run railconn wait, which rides it out; give the app a connect timeout of 10 s or more.
tip_neon_gone =
    .cause = This Neon host name does not exist: the endpoint ID is mistyped, or its branch or project was deleted. Waiting does not bring it back.
    .fix = Copy the connection string again from the Neon console (Connect); if the project is gone, create one and update { $variable }.
tip_neon_too_many_connections =
    .cause = The Neon compute's max_connections (set by its size) is used up by direct connections.
    .fix = Connect through Neon's pooler: add -pooler to the endpoint ID in the host (ep-…-pooler.<region>.aws.neon.tech); keep the direct host for migrations.
tip_supabase_ipv6_only =
    .cause = Supabase's direct host db.<ref>.supabase.co has only an IPv6 address (unless the project has the IPv4 add-on), and this network has no IPv6 route. Railway's outbound traffic is IPv4 unless outbound IPv6 is enabled.
    .fix = Use the Supavisor session pooler instead: postgresql://postgres.<ref>:PASSWORD@aws-0-<region>.pooler.supabase.com:5432/postgres (dashboard → Connect → Session pooler); or enable outbound IPv6 on Railway (service Settings → Networking).
tip_supabase_paused_or_gone =
    .cause = The Supabase project does not answer: a free project is paused after a week without activity, a deleted project's names stop resolving, and the direct host is IPv6-only (an IPv4-only resolver or network finds nothing).
    .fix = Restore the project in the Supabase dashboard (paused projects show a Restore button); from an IPv4-only network use the session pooler URL (dashboard → Connect); if the project is gone, create one.
tip_supabase_tenant =
    .cause = Supavisor, Supabase's shared pooler, finds the project by the user name: it must be postgres.<project-ref>, and the aws-N-<region> host must be the project's. "Tenant or user not found" means one of them is wrong; a wrong password would be reported as such.
    .fix = Copy the pooler connection string from the dashboard (Connect): postgresql://postgres.<ref>:PASSWORD@aws-0-<region>.pooler.supabase.com:6543/postgres.
tip_supabase_session_full =
    .cause = The Supavisor session pooler (port 5432) gives each client its own database connection, up to the pool size (15 on small computes): the app's pools, workers and replicas together hold them all.
    .fix = Use transaction mode (port 6543) for many short-lived clients, or lower the app's pool size per process.
tip_supabase_pooler_database =
    .cause = Supabase's pooler serves the project's database, named `postgres`.
    .fix = Use /postgres as the database in the URL.
tip_aiven_ip_filter =
    .cause = Aiven drops connections from addresses outside the service's allowed IP addresses (IP filter), which looks like a timeout.
    .fix = Add this machine's address to the service's allowed IP addresses (console → Service settings → Networking, or avn service update --ip-filter).
tip_aiven_tls =
    .cause = Aiven requires TLS, with certificates signed by the project's own CA.
    .fix = Download the project CA (ca.pem) and use ?sslmode=verify-full&sslrootcert=ca.pem (or sslmode=require to encrypt without verifying); rediss:// for Valkey/Redis.
tip_aiven_gone =
    .cause = This Aiven host name does not exist: the service was deleted, or it is powered off.
    .fix = Power the service on (or recreate it) in the Aiven console and copy its Service URI again.
tip_rds_security_group =
    .cause = RDS drops packets that the instance's security groups do not allow, which looks like a timeout; an instance that is not publicly accessible is reachable only inside its VPC.
    .fix = Add an inbound rule for the port from this address to the instance's security group, and set Publicly accessible when connecting from outside the VPC.
tip_rds_tls =
    .cause = The AWS database requires TLS (rds.force_ssl, on by default since PostgreSQL 15), and its certificate is signed by Amazon's RDS CA, not a public root.
    .fix = Add ?sslmode=require; to verify, download global-bundle.pem from AWS and use sslmode=verify-full&sslrootcert=global-bundle.pem.
tip_rds_gone =
    .cause = The provider's endpoint name does not exist: the database or cluster was deleted or renamed, or the name is mistyped. Waiting does not bring it back.
    .fix = Copy the endpoint again from the provider's console; if the database is gone, restore it from a snapshot or create one.
tip_digitalocean_trusted_sources =
    .cause = DigitalOcean drops connections from addresses outside the cluster's trusted sources, which looks like a timeout.
    .fix = Add this machine or app under the cluster's Settings → Trusted sources.
tip_digitalocean_tls =
    .cause = DigitalOcean Managed Databases accept only TLS connections.
    .fix = Add ?sslmode=require (rediss:// for Valkey/Redis); to verify, download the cluster's CA certificate and use sslrootcert.
tip_digitalocean_pool_name =
    .cause = On port 25061 the URL path names a connection pool (PgBouncer), not a database: this pool does not exist.
    .fix = Copy the pool's connection string from the cluster's Connection Pools tab, or use port 25060 with the database name.
tip_upstash_tls =
    .cause = Upstash accepts only TLS connections; a plaintext redis:// client has its connection closed or reset.
    .fix = Use rediss:// with the endpoint and token from the Upstash console: rediss://default:TOKEN@<name>.upstash.io:6379.
tip_upstash_gone =
    .cause = This *.upstash.io name does not exist: the database was deleted (or the endpoint was mistyped). Waiting does not bring it back.
    .fix = Open the Upstash console: copy the endpoint again, or create a database and update { $variable }.
tip_upstash_token =
    .cause = Upstash rejected the password: it is the database's token, which changes when the token is reset or the database is recreated.
    .fix = Copy the current token from the Upstash console: rediss://default:TOKEN@<name>.upstash.io:6379.
tip_upstash_rest_url =
    .cause = This is Upstash's REST (HTTPS) endpoint, not the Redis protocol one.
    .fix = Use the rediss:// endpoint on port 6379 from the console, not UPSTASH_REDIS_REST_URL.
tip_upstash_no_answer =
    .cause = Upstash answers at once, with TLS, on its endpoint's port: a server that stays silent is not Upstash's endpoint (a wrong port, a local tunnel or proxy, or a firewall dropping the traffic). Switching to redis:// will not help: Upstash accepts only TLS.
    .fix = Copy the endpoint and port again from the Upstash console into { $variable } (rediss://default:TOKEN@<name>.upstash.io:6379), and check that nothing on this network blocks outgoing port 6379.
tip_redis_cloud_gone =
    .cause = Redis Cloud gives each database its own endpoint name (redis-<port>.<cluster>.redis-cloud.com). A name that does not resolve means the database or its subscription was deleted (free databases included), or the endpoint was copied wrong; a wrong password would still resolve. Waiting does not bring it back.
    .fix = Open the Redis Cloud console (cloud.redis.io) → Databases: if the database exists, copy its public endpoint and the default user's password again; if not, create one and set { $variable }=redis://default:PASSWORD@<endpoint>:<port> (on Railway: railway variable set { $variable }=…).
tip_redis_cloud_allow_list =
    .cause = Redis Cloud drops connections from addresses outside the database's CIDR allow list, which looks like a timeout.
    .fix = Add this machine's public address (or your platform's egress addresses) to the database's CIDR allow list (Security), or remove the list.
tip_redis_cloud_tls =
    .cause = TLS is enabled on this Redis Cloud database: a plaintext client is cut off, and the certificate is signed by Redis Cloud's own CA, not a public one.
    .fix = Use rediss:// and point SSL_CERT_FILE at the CA bundle downloaded from the database's Security settings.
tip_elasticache_vpc_only =
    .cause = ElastiCache has no public endpoint: it is reachable only from inside its VPC (and through its security group), so from anywhere else the connection times out.
    .fix = Run the check from inside the VPC, or through a tunnel (e.g. ssh -L 6379:<endpoint>:6379 bastion, then --resolve <endpoint>:6379:127.0.0.1).
tip_elasticache_tls =
    .cause = The cluster has in-transit encryption on: it speaks only TLS, and a plaintext client is cut off.
    .fix = Use rediss:// (the endpoint and port stay the same).
tip_pooler_no_such_database =
    .cause = A connection pooler (PgBouncer) answers on this port and has no entry for the database in the URL: PgBouncer serves only the databases in its [databases] section (or those its `*` fallback allows), whatever exists on the server behind it.
    .fix = Use a database name the pooler knows (on Railway's PgBouncer, the one in its DATABASE_URL), or add it to pgbouncer.ini [databases] and reload the pooler.
tip_pooler_full =
    .cause = The connection pooler refused a new client: its own client limit (PgBouncer's max_client_conn, Supavisor's pool size) is reached by the app's pools, workers and replicas; the database behind it may have room.
    .fix = Lower the app's pool size per process, or raise the pooler's limit (PgBouncer: max_client_conn, with the file-descriptor limit to match).
tip_pooler_auth =
    .cause = The connection pooler checks passwords itself (PgBouncer's auth_file or auth_query): the user is missing there, or a password changed on the server was not changed in the pooler.
    .fix = Update the pooler's user list (auth_file) or auth_query, or use the credentials the platform generated for the pooled URL.
tip_pooler_cannot_reach_server =
    .cause = The connection pooler answers, but cannot open a connection to the database behind it: the database is down or restarting, or the pooler's own credentials for it are wrong.
    .fix = Check the database service's logs, then the pooler's (its server_login_retry message repeats while it fails); railconn wait rides out a database that is starting.

## Report wording: variable states, JWT and certificate details, timestamps
env_state_set = set
env_state_missing = missing
env_state_shadowed = shadowed
jwt_roundtrip_detail_own_exp = signed and verified a token with an exp 1 min ahead of railconn's own: the configured { $minutes } min would have expired it at once
cert_self_signed_unnamed = the server's certificate is self-signed and names no host (no subjectAltName): encryption works, but clients that verify (PostgreSQL verify-ca/verify-full, rediss://) accept it only with that very certificate as their trusted root, and their host name check has no name to match
moment = { $year }-{ $month }-{ $day } { $hour }:{ $minute } UTC

## PostgreSQL: startup, authentication, direct TLS
pg_password_missing = the server asks for a password and the URL has none (nor PGPASSWORD)
pg_channel_binding_not_used = channel_binding=require, but the server authenticated without channel binding (only SCRAM-SHA-256-PLUS over TLS provides it)
pg_auth_unsupported = the server asks for { $method } authentication, which railconn does not speak (it speaks trust, password, md5 and SCRAM-SHA-256)
pg_scram_failed = SCRAM authentication failed on the client side: { $error }
pg_unexpected_message = the server sent a message of type `{ $kind }` where PostgreSQL's startup or query protocol allows none
pg_error_fields_missing = the server sent an ErrorResponse without its severity, SQLSTATE or message
pg_direct_needs_require = sslnegotiation=direct needs sslmode=require, verify-ca or verify-full (libpq 17 refuses it with sslmode={ $mode }, so that a server without direct TLS cannot get the password in plaintext)
pg_direct_tls_unsupported = the server closed the connection at the first TLS byte: it does not accept direct TLS (sslnegotiation=direct), which needs PostgreSQL 17 or later
pg_direct_tls_no_alpn = the server completed the direct TLS handshake without choosing the ALPN protocol `postgresql`, which libpq 17 requires
advice_pg_direct_tls =
    .cause = The URL or PGSSLNEGOTIATION asks for direct TLS (sslnegotiation=direct, libpq 17): the client starts TLS at once instead of sending an SSLRequest first. PostgreSQL before 17 reads the TLS ClientHello as a malformed startup packet and closes the connection; the same happens with a pooler or proxy in front that does not support it. Waiting does not help.
    .fix = Remove sslnegotiation=direct from the URL and PGSSLNEGOTIATION=direct from the environment (the default, sslnegotiation=postgres, costs one more round trip and works with every server), or upgrade the server to PostgreSQL 17 or later.

## serve: railconn's own sockets and the access token

local_resources_failed = { $target }: railconn could not open a socket: { $error ->
    [EMFILE] this process has no file descriptor left (EMFILE)
    [ENFILE] the system has no file descriptor left (ENFILE)
   *[other] the system is out of socket buffers or memory ({ $error })
}
advice_net_local_resources =
    .cause = railconn itself ran out of file descriptors (EMFILE: its own limit, ulimit -n; ENFILE: the whole system's) or of socket buffers, so it could not open a socket: this says nothing about the server or the network.
    .fix = Raise the descriptor limit (ulimit -n, or LimitNOFILE= for a systemd service) or find what holds the descriptors (ls /proc/PID/fd | wc -l), then check again.
error_token_var = cannot use RAILCONN_SERVE_TOKEN: { $reason }
token_whitespace = it contains a space, tab or line break (byte { $at }): a token is one word of visible ASCII characters
token_not_visible_ascii = it contains a byte that is not visible ASCII (byte { $at }): no HTTP client can send it in an Authorization header, so every request would be refused with 401

## serve's status page, its history and log lines

page_title_of = { $headline } · railconn
page_headline_ready = { $limitations ->
    [0] Ready to deploy
    [one] Ready to deploy, with 1 limitation
   *[other] Ready to deploy, with { $limitations } limitations
}
page_headline_not_ready = { $critical ->
    [one] Not ready — 1 critical problem
   *[other] Not ready — { $critical } critical problems
}
page_headline_strict = { $limitations ->
    [one] Not ready — 1 limitation (--strict)
   *[other] Not ready — { $limitations } limitations (--strict)
}
page_state_pass = passing
page_state_warn = passing with a warning
page_state_fail = failing
page_state_skip = skipped
page_column_history = last rounds
page_column_uptime = uptime
page_column_duration = duration
page_history_label = { $rounds ->
    [one] the last round
   *[other] the last { $rounds } rounds, oldest on the left
}
page_cells_pass = { $rounds ->
    [1] { $from } — passed
   *[other] { $from } to { $to } — passed { $rounds } times
}
page_cells_warn = { $rounds ->
    [1] { $from } — passed with a warning
   *[other] { $from } to { $to } — passed with a warning { $rounds } times
}
page_cell_failed = { $time } — { $code } at { $step }
page_uptime = { $rounds ->
    [one] { $percent } % of 1 round
   *[other] { $percent } % of { $rounds } rounds
}
page_latency = median { $median }, p95 { $p95 }
page_failing_since = failing since { $time }
page_last_failure = last failure { $time }
log_pass = railconn serve: { $check } passes ({ $duration })
log_warn = railconn serve: { $check } passes with a warning ({ $duration })
log_warn_failed = railconn serve: { $check } fails with { $code } at { $step } ({ $duration }); it is optional, so deploys are not blocked
log_fail = railconn serve: { $check } fails with { $code } at { $step } ({ $duration })

## railconn explain, and the variables railconn reads (docs/environment.md)
explain_heading = { $code } — { $meaning }
explain_steps = Occurs at: { $steps }
explain_heals = railconn wait keeps trying: this failure can pass by itself (a service starting, a network coming up).
explain_does_not_heal = railconn wait stops at once: waiting does not fix this failure.
explain_allow_error = --allow { $code } (or { $code }@CHECK) accepts this failure: it stays in the report as a note and no longer fails the check.
explain_finding_note = A finding: it never fails a step. A warning turns the check's status into warn (and fails the gate under --strict); a note changes nothing. --allow { $code } accepts it.
explain_example = Example, as the text report shows it:
explain_said = (the server's or the system's own words)
explain_list_errors = Error codes: the check fails
explain_list_findings = Finding codes: warnings and notes
explain_list_more = railconn explain CODE tells more about one of them.
explain_unknown = unknown code { $code } (railconn explain --list lists every code)
explain_unknown_near = unknown code { $code }; did you mean { $near }? (railconn explain --list lists every code)
explain_missing_config = Nothing to check: no URL or setting for this check is set and no flag gave one.
explain_invalid_url = The URL is malformed: the app's driver would reject it or connect somewhere else.
explain_unsupported_scheme = The URL's scheme is not one this kind of service uses.
explain_invalid_value = A setting's value cannot be used: a JWT lifetime that is not a whole number, or a startup parameter PostgreSQL refused.
explain_dns_not_found = The host name does not exist for this machine's resolver.
explain_dns_timeout = The resolver gave no answer within --connect-timeout.
explain_dns_error = Name resolution failed temporarily: the resolver is unreachable or not ready.
explain_connection_refused = The host answered, but nothing listens on the port.
explain_connect_timeout = No answer to the TCP connection within --connect-timeout.
explain_network_unreachable = There is no route to the address (typically IPv6 on a network without IPv6).
explain_local_resources = railconn itself ran out of a local resource (open files, sockets, memory) before it could reach the server: the network was never tried.
explain_tls_unsupported = TLS was required, but the server does not speak it.
explain_tls_required = The server insists on TLS, but the connection was plaintext.
explain_tls_handshake_failed = The TLS handshake did not complete.
explain_certificate_invalid = The server's certificate fails the verification asked for.
explain_connection_closed = Something accepted the connection but closed it without a reply in the service's protocol (PostgreSQL, MySQL, Redis or AMQP).
explain_connection_reset = The connection was reset in the middle of the conversation.
explain_timeout = Connected, but the server did not answer before --timeout.
explain_protocol_error = The peer does not speak the expected protocol (PostgreSQL, MySQL, Redis or AMQP).
explain_auth_failed = The server rejected the credentials.
explain_auth_required = The server wants a password and the URL has none.
explain_access_denied = The credentials are right, but this user may not connect here or run this command.
explain_database_not_found = The database in the URL does not exist (PostgreSQL, MySQL), the Redis db index cannot be selected, or the RabbitMQ vhost does not exist.
explain_too_many_connections = The server's connection slots are exhausted.
explain_server_starting = The server is starting, stopping or loading its data.
explain_query_failed = Logged in, but the check's query (PostgreSQL) or PING (Redis) failed.
explain_read_only = Logged in, but writes would fail: the server is a read-only replica.
explain_prepared_statements = The app's driver prepares statements, and the connection pooler in front of the database runs in transaction mode, where a prepared statement does not outlive its transaction: the app's first queries fail although the connection works.
explain_weak_secret = The HMAC secret is shorter than the hash or is a published placeholder.
explain_invalid_key = The JWT key cannot be used: unreadable, for another algorithm, too short, or not the pair of the private key.
explain_unsupported_algorithm = The JWT algorithm is not one railconn and the usual libraries accept.
explain_roundtrip_failed = Signing or verifying a test token failed.
explain_memory_fallback = Redis is failing or not set: the JWT revocation list and cache live in process memory.
explain_unencrypted = Traffic to a host that is not loopback is not encrypted.
explain_token_lifetime = The access-token lifetime is zero or less, or longer than a day.
explain_public_key_missing = Only a private JWT key is set: the token was signed, but not verified with a public key.
explain_ignored_parameter = A URL parameter railconn accepts but does not act on.
explain_certificate_expiry = The server's certificate expires within 14 days, or has expired.
explain_self_signed = The server's certificate is self-signed.
explain_hygiene = A secret at risk or a setting out of place: a .env file git would commit, a reused secret, a loopback target on Railway.
explain_sqlite = DATABASE_URL names a SQLite file that is in memory, not created yet, or outside the volume.
explain_pooler = A connection pooler (PgBouncer, Supavisor) stands in front of the database.
explain_ipv6 = The host has only IPv6 addresses, or IPv6 had no route while IPv4 connected.
explain_env_defaults = Parts missing from the URL were taken from the PG* environment variables.
explain_tls_fallback = With sslmode=prefer, TLS failed and the connection was made again without it.
explain_trimmed = Quotes or whitespace around the value were removed for the check; the app may not remove them.
explain_sqlalchemy_driver = A SQLAlchemy postgresql+DRIVER:// URL, checked as postgresql://.
explain_sqlalchemy_scheme = The URL starts with postgres://, which SQLAlchemy 1.4 and later reject.
explain_prisma_parameter = Prisma-only URL parameters were removed for the check; libpq-based clients reject them.
explain_url_portability = A character that libpq reads literally but other URL parsers treat as a delimiter (? or # in the password, # in the database name).
explain_connection_headroom = Connections (PostgreSQL) or clients (Redis) are near the server's limit.
explain_no_tables = The database has no tables: migrations have not run.
explain_memory_headroom = Redis memory is near maxmemory, or its eviction policy can drop revoked tokens and sessions.
explain_certificate_not_verified = TLS is used, but the server's certificate is not verified.
explain_key_format = A JWT key railconn could read, but PyJWT or Node's jsonwebtoken refuse as given.
explain_allowed = A failure or finding accepted with --allow: still shown, but it no longer fails the check.
explain_driver = A rule of the app's own driver changed how the check was judged.
var_database_url = The PostgreSQL URL the postgres check probes (a SQLite URL is checked as a file).
var_database_private_url = Railway's private-network PostgreSQL URL, used when DATABASE_URL is not set.
var_database_public_url = Railway's public PostgreSQL URL (TCP proxy), probed instead of the private one with --public.
var_database_unpooled_url = Set beside DATABASE_URL, it says DATABASE_URL goes through PgBouncer (a pooler note).
var_pghost = With no DATABASE_URL, the PostgreSQL host: libpq's variables then make the URL.
var_pgport = PostgreSQL port, for a URL built from PGHOST or a URL without a port, as libpq and the drivers read it.
var_pguser = PostgreSQL user: fills in a URL without one, as libpq does.
var_user = The operating-system user: node-postgres logs in as $USER when neither the URL nor PGUSER names a user (libpq and the other drivers take the account the process runs as).
var_pgpassword = PostgreSQL password: fills in a URL without one, as libpq does.
var_pgdatabase = PostgreSQL database: fills in a URL without one, as libpq does.
var_pgsslmode = PostgreSQL sslmode when the URL has none, as libpq does; drivers that ignore it are named.
var_pgsslrootcert = Root certificate file for PostgreSQL when the URL has none, as libpq does.
var_redis_url = The Redis URL the redis check probes.
var_redis_private_url = Railway's private-network Redis URL, used when REDIS_URL is not set.
var_redis_public_url = Railway's public Redis URL (TCP proxy), probed instead of the private one with --public.
var_redishost = With no REDIS_URL, the Redis host: Railway's REDIS* variables then make the URL.
var_redisport = Redis port, for a URL built from REDISHOST.
var_redisuser = Redis user, for a URL built from REDISHOST.
var_redispassword = Redis password, for a URL built from REDISHOST.
var_jwt_secret = The HMAC secret of the jwt check (the first one set is used).
var_jwt_algorithm = The JWT algorithm (default HS256).
var_jwt_private_key = The private key (PEM, or a path to it) for RS*, PS*, ES* and EdDSA.
var_jwt_public_key = The public key (PEM, or a path to it) that verifies the test token.
var_token_lifetime = The access-token lifetime in minutes, checked for sense.
var_railway_marker = Says the run is on Railway: a loopback target is then worth a note.
var_railway_name = Railway's environment and service names: labels of serve's metrics and status page.
var_railway_volume = Where Railway mounts the volume: a SQLite file outside it is lost on redeploy.
var_heroku = Says the run is on Heroku: its tips then apply.
var_node_options = Node's options: --use-openssl-ca and --use-system-ca change how node drivers verify certificates.
var_node_extra_ca_certs = Extra root certificates for Node drivers.
var_ssl_cert_file = Root certificates to verify TLS with instead of the system's.
var_home = Home directory: libpq's default root certificate is ~/.postgresql/root.crt.
var_port = The port serve listens on when --listen is not given (default 8740).
var_serve_token = The bearer token serve requires (or --token-file).
var_github_step_summary = With --format github, the file the Markdown summary is appended to.
var_no_color = Set and not empty: no colour (under --color auto).
var_force_color = Set and not 0: colour even off a terminal (under --color auto).
var_term = dumb: no colour (under --color auto).
var_columns = The width the text report wraps at on a terminal (at most 100).
var_locale = The language when --lang is not given: the first one set of LC_ALL, LC_MESSAGES, LANG.
var_rust_log = Debug logs on stderr (e.g. RUST_LOG=railconn=debug); off by default.

## Input checks: target names, driver versions, terminals, kinds
target_twice = `{ $name }` is given to --target twice: give each target a NAME of its own
warning_renamed_check = railconn: warning: two checks are called { $name }: { $kept } keeps the name, and { $other } is checked as { $renamed }
driver_version_too_large = `{ $arg }`: a number in the version after @ is too large (e.g. pg@8.23.1)
tty_without_terminal = it is a terminal device, and this process has no terminal (cron, CI or a service manager started it): give --output a file name
selector_unknown_kind = the kind after kind: is unknown: write kind:postgresql, kind:sqlite, kind:redis, kind:mysql, kind:amqp or kind:jwt

## What a driver refuses or reads its own way: SQLAlchemy, asyncpg, Node, psycopg
driver_sa_asyncpg_kwarg = SQLAlchemy's asyncpg dialect passes `{ $param }` from the URL to asyncpg.connect() as a keyword argument, which it does not take: the first connect raises TypeError: connect() got an unexpected keyword argument '{ $param }'
driver_sa_asyncpg_kwarg_cause = With postgresql+asyncpg:// SQLAlchemy hands every query parameter to asyncpg.connect() as a keyword argument; asyncpg has no argument named `{ $param }` (libpq's name), so the app fails at its first connect although the server is fine.
driver_sa_asyncpg_kwarg_fix = Remove `{ $param }` from the URL and give the setting to asyncpg in code: create_async_engine(url, connect_args={"{"}…{"}"}) with asyncpg's names (timeout= for connect_timeout, server_settings={"{"}"application_name": …{"}"} for application_name and options).
driver_sa_asyncpg_kwarg_fix_sslmode = Write ssl= instead of sslmode= in the URL (e.g. ssl=require, or ssl=disable): SQLAlchemy passes it to asyncpg.connect(ssl=…), which takes libpq's mode names.
driver_sa_ssl_option = SQLAlchemy passes `ssl` from the URL to libpq as a connection option, which libpq refuses: invalid connection option "ssl"
driver_sa_ssl_option_cause = libpq reads ssl=true only inside a URI; SQLAlchemy's psycopg2 and psycopg dialects pass query parameters as separate options, and libpq has no option named ssl, so the app fails at its first connect.
driver_sa_ssl_option_fix = Write sslmode=require instead of ssl=true (sslmode=disable instead of ssl=false).
driver_sa_postgres_scheme = SQLAlchemy has no dialect named `postgres`: create_engine() raises NoSuchModuleError: Can't load plugin: sqlalchemy.dialects:postgres
driver_sa_postgres_scheme_cause = SQLAlchemy 1.4 removed the `postgres` alias: a postgres:// URL (as Heroku and Render hand them out) stops the app when it creates its engine, before any connection.
driver_sa_postgres_scheme_fix = Write postgresql:// (or postgresql+asyncpg://, postgresql+psycopg://) instead of postgres://; where the platform sets the variable, replace the scheme in code before create_engine().
driver_asyncpg_setting = { $driver } sends `{ $param }` from the URL to the server as a setting, and the server refuses it at the first connect
driver_asyncpg_setting_cause = { $driver } reads only its own parameters from the URL and sends every other one to the server as a run-time setting; `{ $param }` is a libpq connection option, not a server setting, so the server refuses it (unrecognized configuration parameter, or cannot be changed now).
driver_asyncpg_setting_fix = Remove `{ $param }` from the URL; give asyncpg the setting in code if it has one (connect_timeout is asyncpg.connect(timeout=…)).
driver_asyncpg_setting_fix_ssl = Write sslmode=require instead of ssl=true (asyncpg reads sslmode from the URL; sslmode=disable instead of ssl=false).
driver_raw_hash = { $driver } reads an unencoded # in the password as the start of the URL's fragment and fails before connecting
driver_raw_hash_cause = { $driver } parses the URL by the WHATWG/RFC 3986 rules, where # ends the address: the rest of the password is lost and the URL is invalid (asyncpg: ValueError, node-postgres: TypeError Invalid URL). libpq reads the same URL.
driver_raw_hash_fix = Percent-encode # in the password as %23 (and @ : / ? % the same way).
driver_redis_fragment_ignored = { $drivers } ignore the #insecure fragment and verify the server's certificate: railconn verified it too
driver_redis_fragment_cause = #insecure is redis-rs's own switch: { $drivers } do not read the URL's fragment, verify the certificate against their trust store, and fail on a self-signed or private CA.
driver_redis_fragment_fix_node = Remove #insecure and let Node trust the CA: NODE_EXTRA_CA_CERTS=/path/to/ca.pem in the app's environment (Node reads it at start; SSL_CERT_FILE is not read).
driver_redis_fragment_fix_python = Remove #insecure and give redis-py the CA in the URL: rediss://…?ssl_ca_certs=/path/to/ca.pem (ssl_cert_reqs=none turns verification off); Node drivers need NODE_EXTRA_CA_CERTS=/path/to/ca.pem instead.
driver_prepared_transaction = { $driver } prepares statements, and { $pooler } runs in transaction mode here: the app's next query can land on another server connection, where the statement does not exist (prepared statement "…" does not exist)
driver_prepared_cause = { $pooler } in transaction mode hands the server connection to another client after each transaction; { $driver } prepares its queries on one connection and runs them later, when the pooler may have switched it: the connect check passes, the app's queries fail.
driver_prepared_unknown_mode = { $driver } prepares statements, and { $pooler } answers here in a mode railconn cannot tell: in transaction mode the app's queries fail (prepared statement "…" does not exist). If it runs in transaction mode: { $fix }
driver_prepared_fix_asyncpg = Turn asyncpg's statement cache off in code: asyncpg.connect(url, statement_cache_size=0) or asyncpg.create_pool(url, statement_cache_size=0) (the URL cannot carry it: asyncpg sends unknown parameters to the server); or connect to the session port or the direct URL. railconn cannot see code: once it is set, --allow prepared_statements@CHECK.
driver_prepared_fix_sa_asyncpg = Add prepared_statement_cache_size=0 to the URL (postgresql+asyncpg://…?prepared_statement_cache_size=0), or connect to the session port or the direct URL.
driver_prepared_fix_psycopg = Turn psycopg's statement preparation off in code: psycopg.connect(url, prepare_threshold=None) (psycopg 3 does not read it from the URL); or connect to the session port or the direct URL. railconn cannot see code: once it is set, --allow prepared_statements@CHECK.
pg_portability_space = the password contains an unencoded space: libpq 17 (psycopg2) reads it, libpq 18 (psycopg 3's wheels) refuses it with `unexpected spaces found`; write it as `%20`
driver_psycopg_space = { $driver } refuses the unencoded space in the password before connecting: unexpected spaces found, use percent-encoded spaces (%20) instead
driver_psycopg_space_cause = { $driver } parses the URL with the libpq its wheels bundle (libpq 18), which refuses a raw space in a URI; psycopg2 and older libpq read the same URL.
driver_psycopg_space_fix = Write each space in the password as %20.

## Operating system errors, named by errno
os_error = { $error ->
    [ENOENT] no such file or directory (ENOENT)
    [EACCES] permission denied (EACCES)
    [EPERM] operation not permitted (EPERM)
    [EISDIR] it is a directory (EISDIR)
    [ENOTDIR] a part of the path is not a directory (ENOTDIR)
    [ELOOP] too many levels of symbolic links (ELOOP)
    [ENAMETOOLONG] file name too long (ENAMETOOLONG)
    [EROFS] read-only file system (EROFS)
    [ENOSPC] no space left on device (ENOSPC)
    [EADDRINUSE] address already in use (EADDRINUSE)
    [EADDRNOTAVAIL] address not available here (EADDRNOTAVAIL)
    [ENOEXEC] not an executable format (ENOEXEC)
   *[other] { $error }
}

## MySQL and MariaDB check (issue 21)
mysql_bad_parameter = the URL's { $key }={ $value } is not a value the MySQL drivers accept
mysql_refused_before_tls = not tried: the server refused the connection in its first packet
mysql_tls_off = not requested (ssl-mode={ $mode })
mysql_tls_not_offered = the server offers no TLS; with no TLS parameter in the URL the drivers go on in plaintext (ssl-mode=PREFERRED)
mysql_server_without_tls = ssl-mode={ $mode } needs TLS, and the server does not offer it (no SSL capability in its greeting)
mysql_no_greeting = no MySQL greeting within { $limit }
mysql_cert_not_verified = ssl-mode={ $mode } encrypts but does not verify the server's certificate
mysql_unencrypted = the connection to { $host } is not encrypted: passwords and data cross the network in plaintext
mysql_auth_timeout = no answer to the login within { $limit }
mysql_auth_detail = authenticated as { $user } ({ $plugin })
mysql_public_key_retrieval = the server wanted caching_sha2_password's full authentication over plaintext and railconn fetched its RSA public key, as PyMySQL does; mysql2 and Connector/J refuse that with "Public Key Retrieval is not allowed" unless the URL says allowPublicKeyRetrieval=true (better: connect over TLS, ssl-mode=REQUIRED)
mysql_unsupported_plugin = the account authenticates with { $plugin }, which railconn does not speak (it speaks mysql_native_password, caching_sha2_password, sha256_password and MariaDB's client_ed25519)
mysql_bad_public_key = the server's RSA public key could not be read
mysql_auth_rounds = the server kept asking for more authentication data than any plugin needs
mysql_denied_plaintext = { $said } (over plaintext: besides a wrong password or user, MariaDB answers this way to an account created with REQUIRE SSL)
mysql_server_said = ERROR { $number } ({ $sqlstate }): { $message }
mysql_closed_silently = the server closed the connection without sending a MySQL greeting
mysql_closed = the server closed the connection before the MySQL login finished
mysql_closed_during_query = the server closed the connection during the query
mysql_peer_is_tls = the peer expects TLS from the first byte (a TLS-only port or proxy), not the MySQL greeting
mysql_peer_unknown = the peer sent bytes that are not the MySQL protocol ({ $bytes })
mysql_query_timeout = no query result within { $limit }
mysql_query_detail = { $version }, { $used }/{ $max } connections
mysql_query_version = { $version }
mysql_connections_high = { $used } of { $max } connections are in use (max_connections): the next deploy's pool, or a second replica, may get ERROR 1040 Too many connections
mysql_tls_only_account = the server refused this login over plaintext (ERROR 1045) and accepted the same user and password over TLS: the account requires TLS (REQUIRE SSL) or the server runs with require_secure_transport=ON
var_mysql_url = A MySQL or MariaDB URL (Railway's private one): it fills the database check when no PostgreSQL variable is set, and is a check of its own otherwise.
var_mysql_public_url = Railway MySQL's URL through the TCP proxy: read with --public, in place of MYSQL_URL.
var_jawsdb_url = Heroku JawsDB's MySQL URL, checked as MYSQL_URL is.
var_cleardb_database_url = Heroku ClearDB's MySQL URL, checked as MYSQL_URL is.
var_mysqlhost = With no MySQL URL, the MySQL host: Railway's MYSQL* variables then make the URL.
var_mysqlport = With MYSQLHOST, the MySQL port (3306 when unset).
var_mysqluser = With MYSQLHOST, the MySQL user name.
var_mysqlpassword = With MYSQLHOST, the MySQL password.
var_mysqldatabase = With MYSQLHOST, the MySQL database.
mysql_tls_not_asked = not requested: the URL has no TLS parameter, and mysql2 and aiomysql then connect in plaintext (PyMySQL and mysqlclient would try TLS when the server offers it)
mysql_dbapi_refuses = SQLAlchemy passes the URL's { $key } to { $dbapi }, which does not take it: the app fails before connecting (TypeError, or AttributeError for an ssl value that is not what { $dbapi } expects)
advice_mysql_missing_config =
    .cause = No MySQL URL is set for this check.
    .fix = Set { $variable } to the database's URL: on Railway, the reference variable ${"{{"}MySQL.MYSQL_URL{"}}"} (private network) or ${"{{"}MySQL.MYSQL_PUBLIC_URL{"}}"} (from outside Railway); on Heroku, JAWSDB_URL or CLEARDB_DATABASE_URL.
advice_mysql_unsupported_scheme =
    .cause = The URL's scheme is not one the MySQL drivers read.
    .fix = Write mysql:// (or mariadb://, or SQLAlchemy's mysql+pymysql://); mysqlx:// is the X Protocol on port 33060, which the app's driver does not speak.
advice_mysql_dns_not_found =
    .cause = The database's host name does not resolve here. mysql.railway.internal exists only inside the project's private network: a build, a CI runner or a laptop cannot resolve it.
    .fix = From outside Railway use MYSQL_PUBLIC_URL (the TCP proxy, *.proxy.rlwy.net with its own port); inside, check the service name in { $variable } and that the app runs in the same project and environment.
advice_mysql_connection_refused =
    .cause = Nothing listens on that port: the server is down or restarting, or the port is not the server's (Railway's TCP proxy has its own port, not 3306).
    .fix = Check that the MySQL service is running, and take host and port together from MYSQL_PUBLIC_URL (or MYSQLHOST and MYSQLPORT) rather than writing 3306.
advice_mysql_tls_unsupported =
    .cause = The URL asks for TLS (ssl-mode REQUIRED or stricter, ssl=…, ssl_ca=…) and the server was started without it.
    .fix = Enable TLS on the server (ssl_cert and ssl_key), or, on a private network only, relax the URL: ssl-mode=PREFERRED.
advice_mysql_tls_required =
    .cause = The server refuses unencrypted connections (require_secure_transport=ON, or an account created with REQUIRE SSL).
    .fix = Ask for TLS in { $variable }: ssl-mode=REQUIRED for mysqlclient and the MySQL tools, ssl={"{"}"rejectUnauthorized":true{"}"} for mysql2, ssl_ca=/path/to/ca.pem for SQLAlchemy with PyMySQL.
advice_mysql_certificate_invalid =
    .cause = The server's certificate did not verify: a private CA or self-signed certificate, or a host name that is not in it.
    .fix = Give the CA in the URL (ssl_ca=/path/to/ca.pem), or use ssl-mode=VERIFY_CA when the certificate does not name the host you dial.
advice_mysql_connection_closed =
    .cause = The server, or a proxy in front of it, closed the connection before the MySQL login finished: a proxy whose backend is down, or a server that blocks this address after too many failed connections (max_connect_errors).
    .fix = Check the MySQL service's logs; if it blocked the host, run FLUSH HOSTS on the server.
advice_mysql_protocol_error =
    .cause = Something other than a MySQL server answered on that port, or it said something railconn could not read (the message above says what).
    .fix = Check the host and port in { $variable }: 3306 for MySQL; X Protocol (33060), an HTTP port, or another service's proxy port will not do.
advice_mysql_auth_failed =
    .cause = The server rejected the user name or the password (ERROR 1045). MariaDB gives the same answer to an account created with REQUIRE SSL when the connection is not encrypted.
    .fix = Take the password from the MySQL service's variables (on Railway the reference variable ${"{{"}MySQL.MYSQLPASSWORD{"}}"} or the whole ${"{{"}MySQL.MYSQL_URL{"}}"}), not a copied value; if the account requires TLS, ask for it in the URL (ssl-mode=REQUIRED for mysqlclient, ssl={"{"}{"}"} for mysql2, ssl_ca=… for SQLAlchemy with PyMySQL).
advice_mysql_access_denied =
    .cause = The server knows the account but refuses it here: the host it connects from is not allowed (user@'host'), it has no grant on the database (MariaDB also answers this way for a database that does not exist), or the account is locked.
    .fix = As an admin: GRANT ALL ON <database>.* TO '<user>'@'%' (or the host that connects), CREATE DATABASE if it is missing, ALTER USER … ACCOUNT UNLOCK.
advice_mysql_database_not_found =
    .cause = The database named in the URL's path does not exist on this server (ERROR 1049).
    .fix = Create it (CREATE DATABASE <name>) or correct the path in { $variable }; Railway's MySQL creates one database, named railway.
advice_mysql_too_many_connections =
    .cause = The server has no connection to spare: max_connections is reached (ERROR 1040), or this account's max_user_connections (ERROR 1203/1226).
    .fix = Lower the app's pool size (every replica opens its own pool), close idle connections, or raise max_connections on the server.
advice_mysql_server_starting =
    .cause = The server is starting or shutting down.
    .fix = Wait and retry: railconn wait retries this.
advice_mysql_query_failed =
    .cause = The login worked, but the server refused the facts query (the message above says why).
    .fix = Check the account's privileges; SELECT 1 and SHOW GLOBAL STATUS need none on MySQL 8 or MariaDB.

## RabbitMQ (AMQP 0-9-1) check (issue 21)
amqp_vhost_too_long = the vhost is { $length } bytes long; AMQP carries at most 255
amqp_bad_heartbeat = heartbeat={ $value } is not a number of seconds from 0 to 65535
amqp_tls_off = not used (amqp://)
amqp_unencrypted = the broker connection to { $host } is not encrypted: the password crosses the network in plain text (use amqps:// where the broker offers it)
amqp_timeout = no AMQP answer within { $limit }
amqp_auth_detail = PLAIN as { $user }, { $server }
amqp_default_credentials = the URL names no credentials: kombu, pika and amqplib log in as guest/guest, which RabbitMQ accepts only from localhost
amqp_no_plain = the server does not offer the PLAIN mechanism (it offers: { $mechanisms })
amqp_unexpected = the server answered with an unexpected AMQP method ({ $method })
amqp_vhost_refused = vhost { $vhost }: { $said }
amqp_other_version = the server answered with its own protocol header: it speaks AMQP { $version }, not 0-9-1
amqp_frame_too_large = the server sent a frame of { $size } bytes, more than the negotiated limit
amqp_peer_is_tls = the port answers with TLS: the URL is amqp://, the broker expects amqps://
amqp_not_amqp = the peer does not speak AMQP ({ $bytes })
amqp_closed_after_credentials = the server closed the connection right after the credentials, without a word: RabbitMQ does this when it refuses them
amqp_closed = the server closed the connection without an AMQP answer
amqp_open_detail = vhost { $vhost } open, channel 1 open; frame_max { $frame_max }, channel_max { $channel_max }, server heartbeat { $heartbeat } s
amqp_blocked = the broker blocks publishing: { $reason } (a memory or disk alarm); Celery's delay() and every publish will hang until it clears
advice_amqp_unsupported_scheme =
    .cause = The URL does not start with amqp://, amqps://, pyamqp:// or librabbitmq://.
    .fix = Use the broker's amqp:// URL (amqps:// for TLS, as CloudAMQP gives it).
advice_amqp_dns_not_found =
    .cause = The broker's host name does not exist for this machine's resolver: a typo, a service that was renamed or deleted, or a private name that resolves only inside its own network.
    .fix = Copy the URL into { $variable } again from the broker's dashboard or Variables; from a laptop or CI use the public URL.
advice_amqp_connection_refused =
    .cause = The host answered, but nothing listens on that port: RabbitMQ is stopped or restarting, or the port is wrong (5672 for amqp://, 5671 for amqps://; 15672 is the management UI, not AMQP).
    .fix = Check that the broker is running (its logs), and copy host and port together into { $variable } from its connection details.
advice_amqp_auth_failed =
    .cause = RabbitMQ refused the user name or password (ACCESS_REFUSED): a wrong or stale password, or the user guest connecting from another machine — RabbitMQ lets guest in only from localhost.
    .fix = Copy the URL with its current user and password into { $variable } (on Railway from the RabbitMQ service's Variables, on CloudAMQP from the instance's AMQP URL); percent-encode @ : / in the password.
advice_amqp_vhost_not_found =
    .cause = The vhost the URL names does not exist on this broker. kombu (Celery) opens the path without its first slash: amqp://host/ and amqp://host// open "/", amqp://host/name opens "name"; on CloudAMQP the vhost is the user name.
    .fix = Put the existing vhost into the path of { $variable } (%2F or an empty path for "/"), or create it and let the user in: rabbitmqctl add_vhost NAME, then rabbitmqctl set_permissions -p NAME USER ".*" ".*" ".*" (a new vhost has no permissions, so the next check would fail access_denied).
advice_amqp_vhost_denied =
    .cause = The user logged in but has no permissions on this vhost, or the vhost refuses it.
    .fix = Grant them (rabbitmqctl set_permissions -p VHOST USER ".*" ".*" ".*"), or put the vhost the user may use into { $variable }.
advice_amqp_connection_limit =
    .cause = The vhost's or the user's connection limit is reached: workers × concurrency × replicas, overlapping deploys, or connections that were never closed.
    .fix = Raise the limit (rabbitmqctl set_vhost_limits) or your plan's, or open fewer connections (Celery: broker_pool_limit).
advice_amqp_tls_required =
    .cause = The broker speaks TLS on this port but the URL is plaintext amqp://.
    .fix = Use amqps:// (port 5671 unless the provider says otherwise).
advice_amqp_protocol_error =
    .cause = The peer on this port does not speak AMQP 0-9-1: the management UI (port 15672), an HTTP endpoint, an AMQP 1.0 broker (Azure Service Bus, ActiveMQ Artemis) or another kind of server.
    .fix = Use the broker's AMQP host and port in { $variable } (5672, or 5671 with amqps://).
advice_amqp_connection_closed =
    .cause = Something accepts connections on this port but closed the connection without an AMQP answer: the broker behind a proxy is down or removed, or it expects TLS.
    .fix = Check the broker's logs and copy its current URL into { $variable }; if it requires TLS, use amqps://.
advice_amqp_server_starting =
    .cause = The broker closed the connection itself (CONNECTION_FORCED): it is starting, stopping or being restarted.
    .fix = Wait a few seconds and check again.
amqp_alarm_unknown = the user may not publish to the default exchange, so whether a memory or disk alarm blocks publishing is unknown
var_celery_broker_url = Celery's broker URL: an amqp:// URL there is a RabbitMQ check named CELERY_BROKER_URL, a redis:// URL a Redis check (found by discovery, as any variable holding such a URL).
redis_not_named = not checked: REDIS_URL is unset and the app's manifests ({ $files }) name no Redis client, so the app does not seem to use Redis (a Celery app on RabbitMQ, say); set REDIS_URL if it does
amqp_unknown_parameter = kombu (Celery) refuses the URL parameter `{ $name }`: Connection() takes no such argument (TypeError when the app connects); remove it
amqp_pika_vhost = kombu (Celery) and amqplib open the vhost "{ $vhost }", pika opens "{ $pika }" (it keeps only the first path segment); percent-encode the vhost (%2F for a slash) so that every client reads it alike
advice_amqp_tls_unsupported =
    .cause = The URL asks for TLS (amqps:// or ?ssl=…) but the broker speaks plaintext AMQP on this port. kombu takes any non-empty ssl= value as true, even ssl=false.
    .fix = Use amqp:// and remove ssl= from { $variable }, or use the broker's TLS port (5671).
advice_amqp_certificate_invalid =
    .cause = The broker's certificate does not lead to a trusted root: a self-signed or private CA. Celery (py-amqp) verifies the chain against the system's roots, though not the host name.
    .fix = Use the provider's amqps:// endpoint with a public certificate, or give the app the CA (Celery's broker_use_ssl with ca_certs set to the CA file); ?ssl_cert_reqs=CERT_NONE encrypts without verifying.

## How often serve checks (issue 23)
every_whole = every { $count ->
    [1] { $unit ->
        [h] hour
        [min] minute
       *[s] second
    }
   *[other] { $count } { $unit ->
        [h] h
        [min] min
       *[s] s
    }
}
every_amount = every { $amount }

## Each driver's connection plan: TLS, sslmode=prefer's retry, host lists, Redis auth (issue 20)
driver_redis_node_roots = { $drivers } verify the server's certificate against Node's CA store (its bundled list and NODE_EXTRA_CA_CERTS): railconn verified against the same store
driver_redis_node_roots_cause = { $drivers } verify the certificate against Node's CA store only: its bundled list of public CAs and the file in NODE_EXTRA_CA_CERTS. Node reads neither SSL_CERT_FILE nor the system's store, so a private or self-signed CA the app's environment does not name there fails the handshake.
driver_redis_py_cert_reqs_none = { $driver } reads ssl_cert_reqs=none from the URL and does not verify the certificate: railconn did not verify it either
driver_redis_py_ca_certs = { $driver } verifies the certificate against the file in the URL's ssl_ca_certs: railconn verified against it too
driver_node_redis_ipv6 = { $driver } looks up { $host } with its brackets (the host of new URL()) and fails with getaddrinfo ENOTFOUND before connecting
driver_node_redis_ipv6_cause = { $driver } passes the URL's host to the name lookup as new URL() writes it, with the brackets of an IPv6 literal; no name is spelled that way, so the app fails with ENOTFOUND, although redis-py, ioredis and redis-rs connect.
driver_node_redis_ipv6_fix = Use a host name that resolves to the IPv6 address, or pass the address without brackets in the client's options: createClient({"{"} socket: {"{"} host: '::1', port: 6379 {"}"} {"}"}).
driver_sa_asyncpg_ssl_value = SQLAlchemy's asyncpg dialect passes ssl={ $value } to asyncpg.connect() as the string "{ $value }", which asyncpg reads only as a mode name: the first connect raises `sslmode` parameter must be one of: disable, allow, prefer, require, verify-ca, verify-full
driver_sa_asyncpg_ssl_value_cause = With postgresql+asyncpg:// SQLAlchemy hands the URL's ssl={ $value } to asyncpg.connect(ssl="{ $value }"); asyncpg takes a string there only as one of libpq's sslmode names, so the app fails at its first connect although libpq reads ssl=true as sslmode=require.
driver_postgresjs_plaintext = { $driver } uses TLS only when asked (sslmode or ssl in the URL, or PGSSLMODE): without it, it connects unencrypted, and so did the check
driver_postgresjs_plaintext_cause = { $driver } uses TLS only when the URL has sslmode or ssl, or PGSSLMODE is set; otherwise it connects unencrypted, and this server refuses unencrypted connections, although libpq, psql and psycopg connect (they prefer TLS).
driver_postgresjs_plaintext_fix = Add sslmode=require to the URL to encrypt without verifying the certificate, or sslmode=verify-full to verify it against Node's CA store (a private CA: NODE_EXTRA_CA_CERTS=/path/to/ca.pem in the app's environment).
driver_postgresjs_verifies = { $driver } verifies the certificate chain and the host name for this URL against Node's CA store (its bundled list and NODE_EXTRA_CA_CERTS; PGSSLROOTCERT is not read): checked the same way
driver_postgresjs_verifies_cause = { $driver } reads ssl=true, sslmode=verify-full or verify-ca (in the URL or PGSSLMODE) as Node's default TLS: the chain against Node's CA store and the host name. It never reads PGSSLROOTCERT or ~/.postgresql/root.crt, so a private or self-signed CA fails the handshake unless Node's store has it.
driver_postgresjs_verifies_fix = Let Node trust the CA: NODE_EXTRA_CA_CERTS=/path/to/ca.pem in the app's environment, or sslrootcert=/path/to/ca.pem in the URL; sslmode=require encrypts without verifying.
pg_prefer_retry = the server refused the TLS connection ({ $code }: { $message }); sslmode=prefer connected again without TLS, as libpq and asyncpg do
driver_redis_nopass = the server's default user has no password and refused the URL's ({ $said }); the app's Redis drivers connect anyway (redis-py and node-redis send the user name with it, ioredis only warns): remove the password from the URL, or set one on the server
driver_sa_asyncpg_ssl_value_fix = Write ssl=require instead of ssl={ $value } in the URL (ssl=verify-full verifies the certificate too): asyncpg takes libpq's mode names there.
pg_next_host = the URL lists several hosts: { $failed } could not be reached, so the connection went to the next one, { $host }, as libpq does
driver_node_pg_host_list = { $driver } reads one host per URL and fails on this host list before connecting (Invalid URL, or ENOTFOUND for the list looked up as one name)
driver_node_pg_host_list_cause = { $driver } takes one host from the URL: new URL() refuses host:port,host:port in the authority, and ?host=a,b is looked up as the single name "a,b". libpq, psycopg, asyncpg and postgres.js try the hosts in turn.
driver_node_pg_host_list_fix = Give node-postgres one host per URL (the primary, or a name that fails over, such as a provider's cluster endpoint), and try the others in code if the app needs failover.
driver_sa_host_list = SQLAlchemy reads host:port,host:port in the URL's authority as one host and a port that is not a number: create_engine() raises ValueError before connecting
driver_sa_host_list_cause = SQLAlchemy's URL parser (make_url) takes everything after the first colon of the authority as the port, so a host list there makes the port "5432,host:5433", not a number; the same hosts in the query reach the driver as written.
driver_sa_host_list_fix = Put the hosts in the query instead: postgresql+DRIVER://USER:PASSWORD@/DBNAME?host=HOST1,HOST2&port=PORT1,PORT2.
driver_redis_node_roots_fix = Let Node trust the CA: NODE_EXTRA_CA_CERTS=/path/to/ca.pem in the app's environment (Node reads it at start; SSL_CERT_FILE is not read).
driver_node_pg_channel_binding = { $driver } does not read channel_binding from the URL: it authenticates without channel binding unless the code sets enableChannelBinding, and so did the check
driver_node_pg_channel_binding_fix = To bind the channel with node-postgres, set enableChannelBinding: true in the client's options (with TLS); channel_binding in the URL changes nothing for it.

## AMQP drivers: pika's reading of the vhost
driver_pika_vhost = { $driver } opens the vhost "{ $pika }" (it keeps only the first segment of the URL's path; kombu reads "{ $kombu }"): railconn opened pika's
driver_pika_vhost_cause = { $driver } reads the vhost as the first segment of the URL's path, percent-decoded (URLParameters), so this URL opens "{ $pika }", which the broker refuses; kombu (Celery) and amqplib read the whole path.
driver_pika_vhost_fix = Percent-encode the vhost as one path segment, which pika, kombu and amqplib read alike: { $url }
driver_amqp_vhost_unchecked = To { $drivers } this URL means the vhost "{ $vhost }", which this check did not open (one connection opens one vhost, and railconn opened pika's); percent-encode the vhost (%2F for a slash) so that every driver opens the same one

## Provider tips for MySQL and RabbitMQ (issue 21)
tip_railway_private_dns_mysql =
    .cause = A *.railway.internal name resolves only inside a running deployment of the same Railway project and environment: not from a laptop, CI, or the build (Dockerfile RUN, postinstall).
    .fix = Outside Railway use MYSQL_PUBLIC_URL (railconn check --public); inside, keep MYSQL_URL and connect at runtime, not during the build.
tip_railway_private_dns_amqp =
    .cause = A *.railway.internal name resolves only inside a running deployment of the same Railway project and environment: not from a laptop, CI, or the build (Dockerfile RUN, postinstall).
    .fix = Outside Railway add Public Networking (TCP proxy) to the RabbitMQ service and use its public URL (the template's *_PUBLIC_URL variable, railconn check --public); inside, connect at runtime, not during the build.
tip_railway_mysql_database =
    .cause = Railway's MySQL service creates one database, named railway (MYSQLDATABASE); another name in the URL's path does not exist there until the app creates it.
    .fix = Use /railway in the URL (or ${"{{"}MySQL.MYSQLDATABASE{"}}"}), or create the database first (CREATE DATABASE name) as the service's root user.
tip_planetscale_tls =
    .cause = PlanetScale accepts only TLS connections, verified against the system's public CA roots; an unencrypted MySQL connection is refused.
    .fix = Add ?ssl-mode=VERIFY_IDENTITY (mysql2: ssl={"{"}"rejectUnauthorized":true{"}"}; PyMySQL/mysqlclient: ssl_ca=/etc/ssl/certs/ca-certificates.crt) and make sure the image has CA certificates installed.
tip_planetscale_database =
    .cause = A PlanetScale connection reaches the database of one branch, which already exists; other databases cannot be created over the MySQL protocol (CREATE DATABASE is refused).
    .fix = Use the database name shown with the branch's password in the PlanetScale console; create databases and branches there or with the pscale CLI.
tip_aiven_mysql_tls =
    .cause = Aiven for MySQL requires TLS, with a certificate signed by the project's own CA.
    .fix = Add ?ssl-mode=REQUIRED to encrypt, or download the project CA (ca.pem) and use ssl-mode=VERIFY_CA with ssl-ca=ca.pem (PyMySQL/mysqlclient: ssl_ca=ca.pem).
tip_aiven_mysql_port =
    .cause = Aiven services listen on their own port, shown in the Service URI, not on MySQL's 3306; nothing answers on the port in this URL.
    .fix = Copy host and port together from the service's Service URI in the Aiven console (avn service get <name> --format '{"{"}service_uri{"}"}').
tip_rds_mysql_tls =
    .cause = The RDS MySQL or MariaDB instance refuses unencrypted connections (require_secure_transport=ON in its parameter group), and its certificate is signed by Amazon's RDS CA, not a public root.
    .fix = Add ?ssl-mode=REQUIRED; to verify, download global-bundle.pem from AWS and use ssl-mode=VERIFY_IDENTITY with ssl-ca=global-bundle.pem (mysql2: ssl={"{"}"ca":…{"}"}; PyMySQL/mysqlclient: ssl_ca=global-bundle.pem).
tip_cloudamqp_vhost =
    .cause = On CloudAMQP's shared plans the vhost is named like the user, and the user may open only that vhost; the URL's path names another.
    .fix = Copy the URL again from the instance's details page (CLOUDAMQP_URL): its path is the vhost (amqps://user:password@host/user).
tip_cloudamqp_connection_limit =
    .cause = CloudAMQP caps concurrent connections per plan (the free and shared plans allow few); the broker closes new connections beyond the cap.
    .fix = Share one connection per process and open channels on it; close the connections of stopped workers; check the count on the instance's overview or move to a larger plan.
tip_cloudamqp_ports =
    .cause = CloudAMQP listens for amqp:// on 5672 and amqps:// (TLS) on 5671; this URL mixes the scheme and the port.
    .fix = Use amqps://…:5671 (or amqps:// without a port), or amqp://…:5672.
provider_tls_only_mysql = the connection is not encrypted, but { $provider } accepts only TLS: it will refuse it; use ssl-mode=REQUIRED or stricter (mysql2: ssl={"{"}"rejectUnauthorized":true{"}"})

## PGSSLNEGOTIATION
pg_bad_env_sslnegotiation = PGSSLNEGOTIATION is not a valid sslnegotiation (libpq refuses it): use postgres or direct
var_pgsslnegotiation = PostgreSQL sslnegotiation (postgres or direct, libpq 17) when the URL has none, as libpq does.

## How each MySQL driver reads the URL's TLS parameters (issue 21)
mysql_ignored_parameter = { $driver } does not read { $key } from the URL: it is ignored (mysql2 reads only ssl={"{"}…{"}"}; PyMySQL under SQLAlchemy only ssl_ca, ssl_cert, ssl_key, ssl_check_hostname, ssl_disabled, ssl_verify_cert, ssl_verify_identity)
mysql_mysql2_ssl = mysql2 throws before connecting on ssl={ $value } ({ $error }): it takes a JSON object such as ssl={"{"}"rejectUnauthorized":true{"}"}, false, or the profile name Amazon RDS
mysql_aiomysql_ssl_text = the server offers TLS, and aiomysql was given ssl from the URL as text (SQLAlchemy passes the query as strings): it fails to start TLS (AttributeError: … object has no attribute 'wrap_bio'); aiomysql's ssl must be an SSLContext, given in code (connect_args={"{"}"ssl": ssl.create_default_context(){"}"})
driver_mysql2_ignores_tls = { $driver } ignores { $keys } (it reads TLS settings only from ssl={"{"}…{"}"}): it connects unencrypted, and so did the check
driver_mysql2_ignores_tls_cause = { $driver } does not read { $keys }: it prints "Ignoring invalid configuration option" and connects without TLS, and this server refuses this account over an unencrypted connection.
driver_mysql2_ssl_fix = Give mysql2 its own TLS parameter: ssl={"{"}"rejectUnauthorized":true{"}"} (percent-encoded: ssl=%7B%22rejectUnauthorized%22%3Atrue%7D) verifies the chain against Node's CA store; add "verifyIdentity":true to check the host name too.
driver_mysql2_verifies = { $driver } verifies the certificate chain against Node's CA store (its bundled list plus NODE_EXTRA_CA_CERTS), and the host name only with verifyIdentity: checked the same way
driver_mysql2_verifies_cause = { $driver } verifies the server's certificate against Node's CA store, not the system's and not a file named in the URL; this certificate's issuer is not in it, so the app will fail to connect.
driver_mysql2_verifies_fix = Let Node trust the server's CA: NODE_EXTRA_CA_CERTS=/path/to/ca.pem in the app's environment (Node reads it at start), or pass ssl: {"{"} ca: fs.readFileSync('/path/to/ca.pem') {"}"} in the connection options.
driver_pymysql_preferred = { $driver } encrypts when the server offers TLS and no TLS parameter is given (PREFERRED), without verifying the certificate: checked the same way
driver_pymysql_preferred_cause = { $driver } starts TLS whenever the server offers it (PREFERRED) and does not fall back to plaintext when the TLS handshake fails.
driver_pymysql_preferred_fix = Fix the server's TLS setup, or turn TLS off for this connection with ssl_disabled=true in the URL (SQLAlchemy passes it to PyMySQL).
driver_pymysql_ca_dropped = { $driver } drops the URL's ssl_ca when ssl_verify_cert or ssl_verify_identity is given through SQLAlchemy, and verifies the chain against Python's default CA store instead: checked the same way
driver_pymysql_ca_dropped_cause = SQLAlchemy moves ssl_ca into the ssl dict of { $driver }, and PyMySQL replaces that dict when ssl_verify_cert or ssl_verify_identity is given: the CA file is never read, and this certificate does not verify against Python's default store.
driver_pymysql_ca_dropped_fix = Remove ssl_verify_cert and ssl_verify_identity from the URL: ssl_ca alone verifies the chain and the host name (add ssl_check_hostname=false to skip the name).

## PostgreSQL over Unix sockets (issue 20)
socket_no_dns = Unix socket { $path }: no name to resolve
socket_connected = connected to the Unix socket { $path }
socket_missing = { $path }: no such socket file (ENOENT): no server listens on this socket
socket_refused = { $path }: connection refused (ECONNREFUSED): the socket file is there, but no server accepts on it
socket_denied = { $path }: permission denied (EACCES): this user may not open the socket file or its directory
pg_tls_not_on_socket = not tried over a Unix socket: libpq and asyncpg connect without TLS there, whatever the sslmode ({ $mode })
driver_sa_encoded_host = SQLAlchemy does not decode the URL's host: `%2F…` reaches the driver as a host name to look up, not a socket directory, and the connection fails
driver_sa_encoded_host_cause = SQLAlchemy's URL parser (make_url) decodes the user, password and database but not the host, so a percent-encoded socket directory is looked up in DNS as written.
driver_sa_encoded_host_fix = Put the socket directory in the query instead: postgresql+DRIVER://USER@/DBNAME?host=/var/run/postgresql.
driver_abstract_socket = { $driver } does not read `@name` as an abstract Unix socket: it looks the name up as a host, and the connection fails
driver_abstract_socket_cause = Only libpq reads a host that starts with `@` as an abstract socket (PostgreSQL 14, Linux); { $driver } takes a socket only as a path starting with `/`.
driver_abstract_socket_fix = Give the socket's directory as a path (?host=/var/run/postgresql), or the server's TCP host and port.
driver_default_host = with no host in the URL, { $driver } tries { $hosts } in this order
driver_default_host_fix = Name the host (or the socket directory, ?host=/path) in the URL, so every driver dials the same place.
advice_pg_socket_missing =
    .cause = No PostgreSQL server listens on this Unix socket: the server is not running on this machine, or it puts its socket in another directory (unix_socket_directories) or listens on another port (the file is .s.PGSQL.PORT).
    .fix = Start the server, or point the URL at the directory and port it uses (?host=/path&port=PORT; psql -c 'SHOW unix_socket_directories' tells), or use its TCP host and port.
advice_pg_socket_denied =
    .cause = The socket file or its directory does not let this user in: the server's unix_socket_permissions or unix_socket_group, or the directory's own permissions, keep this process out.
    .fix = Run the app as a user the socket admits (for example a member of unix_socket_group), or widen unix_socket_permissions (postgresql.conf), or connect over TCP.

## URL parameters a driver reads its own way (issue 20)
reading_ignored = { $driver } does not read { $names } from the URL: left out of the check, as the app leaves it out
reading_own = { $driver } reads { $names } itself (libpq does not know them): checked as { $driver } reads them
reading_last_at = { $driver } reads the user name and password up to the last `@` before the host, libpq (psql, psycopg) up to the first: checked as { $driver } reads them; percent-encode `@` in the password as %40 so that every client reads the same URL
reading_redis_db = { $drivers } read the database `{ $path }`, which is not a number, as database { $db } (redis-rs refuses it): checked on database { $db }; write the number you mean, e.g. `/0`
reading_ioredis_select_ignored = the server refused SELECT { $db } ({ $said }); ioredis ignores the error and stays on database 0, where the app's commands then go: use a database the server has (0–15 by default), e.g. `/0`
reading_postgresjs_setting_fix = Remove `{ $param }` from the URL: postgres.js does not read it and the server has no such setting; give postgres.js its own options in code instead (postgres(url, {"{"} … {"}"})).
## ed25519
mysql_ed25519_drivers = the account authenticates with MariaDB's ed25519 plugin (client_ed25519): PyMySQL speaks it only with PyNaCl installed (pip install "PyMySQL[ed25519]") and MariaDB's own connectors speak it, but mysql2 and aiomysql do not ("unknown plugin client_ed25519", "not configured"); for an app on those, give the account mysql_native_password (ALTER USER … IDENTIFIED VIA mysql_native_password USING PASSWORD('…'))
mysql_public_key_retrieval_sha256 = the account uses sha256_password over plaintext and railconn fetched the server's RSA public key, as PyMySQL does; mysql2 and Connector/J refuse that with "Public Key Retrieval is not allowed" unless the URL says allowPublicKeyRetrieval=true (better: connect over TLS, ssl-mode=REQUIRED)

## The MySQL drivers that stop where the check's login went on (issue 21)
mysql_driver_lacks_ed25519 = the account authenticates with MariaDB's ed25519 plugin (client_ed25519), which { $driver } does not have: it fails at login where railconn logged in
mysql2_key_retrieval_refused = the account needed { $plugin }'s full authentication over plaintext, and mysql2 will not fetch the server's RSA public key for it: "Public Key Retrieval is not allowed"
advice_mysql_driver_lacks_ed25519 =
    .cause = The account is IDENTIFIED VIA ed25519, and the app's driver has no client_ed25519 plugin (mysql2 fails with "unknown plugin client_ed25519", aiomysql with "not configured"). The password is right: PyMySQL with PyNaCl and MariaDB's own connectors log in with it.
    .fix = Give the account a plugin the driver speaks: ALTER USER 'user'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('…'); or connect with PyMySQL and PyNaCl (pip install "PyMySQL[ed25519]").
advice_mysql2_key_retrieval =
    .cause = The server wanted the full caching_sha2_password (or sha256_password) exchange, which over plaintext sends the password encrypted with the server's RSA key; mysql2 refuses to fetch that key unless allowed, so the login fails. It happens when the server has not cached this account's password since its last restart, so it comes and goes.
    .fix = Connect over TLS (mysql2: ssl={"{"}"rejectUnauthorized":true{"}"} in the URL, or ssl={"{"}{"}"} with the server's CA), where the password goes inside the encrypted connection; or add allowPublicKeyRetrieval=true to the URL.

## node-postgres at a server without TLS (issue 20)
driver_node_pg_no_tls_cause = The server does not support TLS, and { $driver } asks for it under sslmode={ $mode } (every mode but disable) with no plaintext retry: it fails with "The server does not support SSL connections". No certificate setting changes that.
driver_node_pg_no_tls_fix = Remove sslmode from the URL (node-postgres then connects without TLS) or set sslmode=disable, on a trusted private network; or enable TLS on the server.
## hunt
driver_prisma_param = { $driver } does not read Prisma's parameters ({ $names }): it refuses the URL or sends them on, and the connection fails
driver_prisma_param_cause = { $names } are Prisma's own URL parameters; only Prisma reads them. libpq (psql, psycopg2, psycopg 3) refuses them as unknown URI parameters, SQLAlchemy passes them to its driver as keywords it does not take, asyncpg and postgres.js send them to the server as settings it does not have; node-postgres alone ignores them. { $driver } reads this URL too.
driver_prisma_param_fix = Give { $driver } a URL without { $names } (a variable of its own, or the parameters removed in code), and keep them in the URL only Prisma reads.
driver_postgresjs_session_attrs = { $driver } does not take target_session_attrs={ $value }: it throws "target_session_attrs { $value } is not supported" when the client is made, before connecting
driver_postgresjs_session_attrs_cause = { $driver } knows only read-write, read-only, primary, standby and prefer-standby, from the URL or PGTARGETSESSIONATTRS; libpq's default `any` and every other value throw.
driver_postgresjs_session_attrs_fix = Remove target_session_attrs from the URL (and PGTARGETSESSIONATTRS from the environment) to connect to any server, or use one of read-write, read-only, primary, standby, prefer-standby.
var_pgtargetsessionattrs = target_session_attrs for PostgreSQL when the URL has none: libpq, asyncpg and postgres.js check each host against it (postgres.js refuses values it does not know, libpq's `any` too); node-postgres ignores it.

## The user a driver logs in as when the URL names none (issue 20)
pg_default_user = the URL and PGUSER name no user: the driver logs in as { $user }, the operating-system user it runs as

## SQLAlchemy's default MySQL DBAPI (issue 21)
driver_sa_mysqldb = { $sqlalchemy } reads mysql:// as mysql+mysqldb://, which needs mysqlclient; the app's manifests name { $pymysql } and not mysqlclient, so create_engine() fails: "No module named 'MySQLdb'"
driver_sa_mysqldb_cause = SQLAlchemy's default DBAPI for mysql:// is mysqlclient (MySQLdb), not PyMySQL: a plain mysql:// URL only works with mysqlclient installed, or when the app's code calls pymysql.install_as_MySQLdb().
driver_sa_mysqldb_fix = Name the DBAPI in the URL: mysql+pymysql://… (or install mysqlclient). If the app calls pymysql.install_as_MySQLdb(), keep the URL and pass --allow invalid_url@{ $check }.

## target_session_attrs and require_auth (issue 20)
pg_session_attrs_next = { $host } does not fit target_session_attrs={ $wanted }, so the connection went on to the next host of the URL, as the driver does
pg_session_attrs_read_only = target_session_attrs={ $wanted } asks for a writable primary, and this server is read-only (a standby, or default_transaction_read_only is on): the driver closes the session and fails ("session is read-only", "server is in hot standby mode")
pg_session_attrs_writable = target_session_attrs={ $wanted } asks for a read-only session or a standby, and this server is neither: the driver closes the session and fails ("session is not read-only", "server is not in hot standby mode")
explain_not_read_only = Logged in, but target_session_attrs asks for a read-only session or a standby, and no host of the URL is one, so the driver gives up.
advice_pg_not_read_only =
    .cause = The URL (or PGTARGETSESSIONATTRS) sets target_session_attrs=read-only or standby, and every server of the URL is a writable primary: libpq, asyncpg and postgres.js check each host after logging in and fail when none fits (node-postgres ignores the parameter).
    .fix = Point { $variable } at the read replica's endpoint, or drop target_session_attrs (or set it to any or prefer-standby) when the primary will do.
pg_require_auth_refused = require_auth={ $required } excludes the method the server asked for ({ $method }): libpq 16+ and postgres.js close the connection ("authentication method requirement … failed"); node-postgres ignores the parameter
var_pgrequireauth = require_auth for PostgreSQL when the URL has none: the authentication methods libpq 16+ and postgres.js accept from the server; asyncpg and node-postgres ignore it.
## AMQP over TLS as each driver verifies it (issue 21)
amqp_ssl_parameter = py-amqp (Celery, kombu) refuses the URL parameter `{ $name }`: kombu hands ssl_* parameters to py-amqp's TLS wrapper under their own names, which it does not take (TypeError when the app connects); remove it and set TLS options in code (Celery: broker_use_ssl)
driver_amqplib_tls = { $driver } verifies the broker's certificate chain and its name (the URL's host) against Node's CA store (its bundled list and NODE_EXTRA_CA_CERTS): railconn verified the same way
driver_amqplib_tls_cause = { $driver } connects with Node's tls.connect and the URL's host as servername: the certificate must lead to a CA in Node's store (its bundled list of public CAs and the file in NODE_EXTRA_CA_CERTS; SSL_CERT_FILE and the system's store are not read) and name the host the URL gives (an IP address must be among its IP addresses).
driver_amqplib_tls_fix = Let Node trust the CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem in the app's environment, and connect by a name the certificate lists (or pass ca and servername in amqplib's socket options).
driver_pika_tls = { $driver } verifies the broker's certificate chain and its name (the URL's host) against the system's CA store (or SSL_CERT_FILE): railconn verified the same way
driver_pika_tls_cause = { $driver } wraps amqps:// connections in ssl.create_default_context() with the URL's host as server_hostname: the certificate must lead to a CA in the system's store (or the file in SSL_CERT_FILE) and name that host.
driver_pika_tls_fix = Connect by a name the certificate lists, and make the CA trusted: SSL_CERT_FILE=/path/to/ca.pem in the app's environment, or an ssl.SSLContext with the CA loaded, passed as pika.SSLOptions in code.
driver_pika_parameter = { $driver } refuses the URL parameter `{ $name }` before connecting: ValueError from URLParameters (no such parameter, or given twice)
driver_pika_parameter_cause = { $driver } reads each query parameter through a setter of its own (heartbeat, frame_max, channel_max, ssl_options, socket_timeout, …) and raises ValueError for any other name and for a name given more than once; kombu's ssl, ssl_* and connect_timeout are not among them.
driver_pika_parameter_fix = Remove `{ $name }` from the URL pika reads (or give it once), or give pika a URL of its own.
amqp_pika_ssl_options = railconn reads pika's ssl_options only as {"{"}'ca_certs': '/path/to/ca.pem'{"}"} (or cafile) and nothing else; other keys or forms are not checked: write it so, or set the TLS options in code (pika.SSLOptions)
amqp_pika_ssl_options_none = pika refuses ssl_options=None with amqps:// (ValueError: inconsistent with the amqps URI scheme); remove one of them

## A password the server never asked for (PostgreSQL trust)
pg_password_not_checked = the server let { $user } in without asking for a password (trust, or peer on a socket, in pg_hba.conf): the password given (URL or PGPASSWORD) was not checked, and a server that asks for it (Railway's always does) may refuse it
explain_password_not_checked = The server accepted the login without asking for the password given in the URL or PGPASSWORD (trust, or peer on a socket), so the password itself was not checked.
