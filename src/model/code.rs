//! Stable error codes. A code names *what* went wrong at which layer; scripts
//! match on it, so existing codes never change meaning and new ones are only
//! added (docs/checks.md "Error codes"). The words that explain a code are each
//! kind's advice (`service/<kind>/advice.rs`, with `net::network_advice`
//! for the layers they share), keyed by this enum.

use serde::Serialize;

/// Why a step failed. Serialised as its wire name (`as_str`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    // config
    MissingConfig,
    InvalidUrl,
    UnsupportedScheme,
    InvalidValue,
    // dns
    DnsNotFound,
    DnsTimeout,
    DnsError,
    // tcp
    ConnectionRefused,
    ConnectTimeout,
    NetworkUnreachable,
    /// railconn itself had no descriptor or buffer left to open a socket
    /// (EMFILE, ENFILE, ENOBUFS): nothing is known about the server.
    LocalResources,
    // tls
    TlsUnsupported,
    TlsRequired,
    TlsHandshakeFailed,
    CertificateInvalid,
    // handshake and auth
    ConnectionClosed,
    ConnectionReset,
    Timeout,
    ProtocolError,
    AuthFailed,
    AuthRequired,
    AccessDenied,
    DatabaseNotFound,
    TooManyConnections,
    ServerStarting,
    // query
    QueryFailed,
    ReadOnly,
    /// `target_session_attrs` wants a read-only session or a standby, and
    /// no host of the URL is one.
    NotReadOnly,
    /// The app's driver prepares statements behind a transaction pooler.
    PreparedStatements,
    // jwt
    WeakSecret,
    InvalidKey,
    UnsupportedAlgorithm,
    RoundtripFailed,
}

impl Code {
    /// Every code, for documentation and schema tests.
    pub const ALL: &[Code] = &[
        Code::MissingConfig,
        Code::InvalidUrl,
        Code::UnsupportedScheme,
        Code::InvalidValue,
        Code::DnsNotFound,
        Code::DnsTimeout,
        Code::DnsError,
        Code::ConnectionRefused,
        Code::ConnectTimeout,
        Code::NetworkUnreachable,
        Code::LocalResources,
        Code::TlsUnsupported,
        Code::TlsRequired,
        Code::TlsHandshakeFailed,
        Code::CertificateInvalid,
        Code::ConnectionClosed,
        Code::ConnectionReset,
        Code::Timeout,
        Code::ProtocolError,
        Code::AuthFailed,
        Code::AuthRequired,
        Code::AccessDenied,
        Code::DatabaseNotFound,
        Code::TooManyConnections,
        Code::ServerStarting,
        Code::QueryFailed,
        Code::ReadOnly,
        Code::NotReadOnly,
        Code::PreparedStatements,
        Code::WeakSecret,
        Code::InvalidKey,
        Code::UnsupportedAlgorithm,
        Code::RoundtripFailed,
    ];

    /// Whether a failure may heal by waiting, for `wait`: a service
    /// starting, sleeping or being redeployed, or a private network still
    /// coming up (Railway's docs: the private network can take seconds to
    /// come up after a deploy). Configuration, credentials and certificates
    /// do not change by waiting. A kind may override this
    /// (`service::Kind::can_heal`).
    pub fn can_heal(self) -> bool {
        use Code::*;
        matches!(
            self,
            DnsNotFound
                | DnsTimeout
                | DnsError
                | ConnectionRefused
                | ConnectTimeout
                | NetworkUnreachable
                | LocalResources
                | ConnectionClosed
                | ConnectionReset
                | Timeout
                | ServerStarting
                | TooManyConnections
        )
    }

    /// The wire name, identical to the JSON serialisation.
    pub fn as_str(self) -> &'static str {
        use Code::*;
        match self {
            MissingConfig => "missing_config",
            InvalidUrl => "invalid_url",
            UnsupportedScheme => "unsupported_scheme",
            InvalidValue => "invalid_value",
            DnsNotFound => "dns_not_found",
            DnsTimeout => "dns_timeout",
            DnsError => "dns_error",
            ConnectionRefused => "connection_refused",
            ConnectTimeout => "connect_timeout",
            NetworkUnreachable => "network_unreachable",
            LocalResources => "local_resources",
            TlsUnsupported => "tls_unsupported",
            TlsRequired => "tls_required",
            TlsHandshakeFailed => "tls_handshake_failed",
            CertificateInvalid => "certificate_invalid",
            ConnectionClosed => "connection_closed",
            ConnectionReset => "connection_reset",
            Timeout => "timeout",
            ProtocolError => "protocol_error",
            AuthFailed => "auth_failed",
            AuthRequired => "auth_required",
            AccessDenied => "access_denied",
            DatabaseNotFound => "database_not_found",
            TooManyConnections => "too_many_connections",
            ServerStarting => "server_starting",
            QueryFailed => "query_failed",
            ReadOnly => "read_only",
            NotReadOnly => "not_read_only",
            PreparedStatements => "prepared_statements",
            WeakSecret => "weak_secret",
            InvalidKey => "invalid_key",
            UnsupportedAlgorithm => "unsupported_algorithm",
            RoundtripFailed => "roundtrip_failed",
        }
    }
}

/// Why a finding (a warning or a note that does not fail a step) was raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingCode {
    /// JWT revocation list and cache live in process memory (Redis unusable).
    MemoryFallback,
    /// Traffic to a non-loopback host is not encrypted.
    Unencrypted,
    /// Access-token lifetime is zero, negative or longer than a day.
    TokenLifetime,
    /// Only a private key is configured: verification used the key pair itself.
    PublicKeyMissing,
    /// A URL parameter railconn does not act on (it is ignored for the check).
    IgnoredParameter,
    /// The server's certificate expires within 14 days, or has expired
    /// (reported when the mode does not verify and so did not fail).
    CertificateExpiry,
    /// The server's certificate is self-signed.
    SelfSigned,
    /// Secret hygiene or platform sanity: a committable `.env`, a reused
    /// secret, a loopback target on Railway.
    Hygiene,
    /// A SQLite database: in memory, not created yet, or outside Railway's
    /// volume (its data vanishes on every redeploy).
    Sqlite,
    /// `DATABASE_URL` goes through PgBouncer: migrations need the unpooled URL.
    Pooler,
    /// IPv6 trouble: a name with only IPv6 addresses, or no IPv6 route.
    Ipv6,
    /// Parts missing from the URL were taken from `PG*` variables.
    EnvDefaults,
    /// TLS failed and `sslmode=prefer` connected again without it.
    TlsFallback,
    /// Quotes or whitespace around a value were removed before checking.
    Trimmed,
    /// A SQLAlchemy `+driver` dialect prefix (and what it implies).
    SqlalchemyDriver,
    /// `postgres://`, which SQLAlchemy ≥ 1.4 rejects.
    SqlalchemyScheme,
    /// Prisma-only URL parameters, removed for the check.
    PrismaParameter,
    /// A character libpq reads literally that other URL parsers treat as a
    /// delimiter (`?` or `#` in the password, `#` in the database name).
    UrlPortability,
    /// Connections (PostgreSQL) or clients (Redis) near the server's limit.
    ConnectionHeadroom,
    /// The database has no tables: migrations have not run.
    NoTables,
    /// Redis memory near `maxmemory`, or an eviction policy that can drop
    /// revoked tokens and sessions.
    MemoryHeadroom,
    /// A TLS certificate is not verified (`#insecure`, `sslmode=require`).
    CertificateNotVerified,
    /// A JWT key railconn could read but PyJWT and Node's jsonwebtoken
    /// refuse as given: PEM with literal `\n`, or a path to a PEM file; or
    /// a certificate as the public key, which PyJWT refuses.
    KeyFormat,
    /// A failure the run was told to accept (`--allow CODE[@CHECK]`): still
    /// shown, but it no longer fails the check.
    Allowed,
    /// How one of the app's drivers reads the target (issue 11).
    Driver,
    /// The server let the user in without asking for the URL's password
    /// (PostgreSQL `trust`): the password was not checked.
    PasswordNotChecked,
}

impl FindingCode {
    /// Every finding code, for documentation and schema tests.
    pub const ALL: &[FindingCode] = &[
        FindingCode::MemoryFallback,
        FindingCode::Unencrypted,
        FindingCode::TokenLifetime,
        FindingCode::PublicKeyMissing,
        FindingCode::IgnoredParameter,
        FindingCode::CertificateExpiry,
        FindingCode::SelfSigned,
        FindingCode::Hygiene,
        FindingCode::Sqlite,
        FindingCode::Pooler,
        FindingCode::Ipv6,
        FindingCode::EnvDefaults,
        FindingCode::TlsFallback,
        FindingCode::Trimmed,
        FindingCode::SqlalchemyDriver,
        FindingCode::SqlalchemyScheme,
        FindingCode::PrismaParameter,
        FindingCode::UrlPortability,
        FindingCode::ConnectionHeadroom,
        FindingCode::NoTables,
        FindingCode::MemoryHeadroom,
        FindingCode::CertificateNotVerified,
        FindingCode::KeyFormat,
        FindingCode::Allowed,
        FindingCode::Driver,
        FindingCode::PasswordNotChecked,
    ];

    pub fn as_str(self) -> &'static str {
        use FindingCode::*;
        match self {
            MemoryFallback => "memory_fallback",
            Unencrypted => "unencrypted",
            TokenLifetime => "token_lifetime",
            PublicKeyMissing => "public_key_missing",
            IgnoredParameter => "ignored_parameter",
            CertificateExpiry => "certificate_expiry",
            SelfSigned => "self_signed",
            Hygiene => "hygiene",
            Sqlite => "sqlite",
            Pooler => "pooler",
            Ipv6 => "ipv6",
            EnvDefaults => "env_defaults",
            TlsFallback => "tls_fallback",
            Trimmed => "trimmed",
            SqlalchemyDriver => "sqlalchemy_driver",
            SqlalchemyScheme => "sqlalchemy_scheme",
            PrismaParameter => "prisma_parameter",
            UrlPortability => "url_portability",
            ConnectionHeadroom => "connection_headroom",
            NoTables => "no_tables",
            MemoryHeadroom => "memory_headroom",
            CertificateNotVerified => "certificate_not_verified",
            KeyFormat => "key_format",
            Allowed => "allowed",
            Driver => "driver",
            PasswordNotChecked => "password_not_checked",
        }
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Serialize for FindingCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod heal_tests {
    use super::Code;

    #[test]
    fn credentials_and_config_do_not_heal_but_outages_do() {
        assert!(Code::ConnectionRefused.can_heal());
        assert!(Code::ServerStarting.can_heal());
        assert!(!Code::AuthFailed.can_heal());
        assert!(!Code::InvalidUrl.can_heal());
        assert!(!Code::CertificateInvalid.can_heal());
    }
}
