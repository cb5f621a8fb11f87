//! The PostgreSQL target: a `postgres://` / `postgresql://` URL read with
//! libpq's rules (<https://www.postgresql.org/docs/current/libpq-connect.html>).
//!
//! tokio-postgres only knows `sslmode` disable/prefer/require and rejects
//! `sslrootcert` (tokio-postgres `Config` docs), so the TLS parameters are interpreted here
//! and the rest is passed on as settings the probe applies itself.

use std::path::PathBuf;

use crate::model::Code;
use crate::source::secret::Secret;
use crate::source::url::{self, ParsedUrl, UrlError};
use crate::words;

pub const SCHEMES: &[&str] = &["postgresql", "postgres"];
const DEFAULT_PORT: u16 = 5432;

/// libpq `sslmode`, all six values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "disable" => Self::Disable,
            "allow" => Self::Allow,
            "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Allow => "allow",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }
}

/// Trust anchors for certificate verification (`sslrootcert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCert {
    /// A PEM file of CA certificates.
    File(PathBuf),
    /// `sslrootcert=system` (PostgreSQL 16+): the operating system's roots.
    System,
}

/// libpq `channel_binding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelBinding {
    Disable,
    Prefer,
    Require,
}

/// A validated PostgreSQL target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgTarget {
    pub redacted: String,
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub dbname: Option<String>,
    pub sslmode: SslMode,
    pub sslrootcert: Option<RootCert>,
    pub channel_binding: ChannelBinding,
    pub application_name: Option<String>,
    pub options: Option<String>,
    /// Parameters libpq knows that railconn does not act on.
    pub ignored: Vec<String>,
    /// Whether the URL itself set `sslmode` (else `PGSSLMODE` may).
    pub sslmode_given: bool,
}

/// libpq parameters railconn accepts but does not use: they change nothing
/// about whether the connection can be made.
const IGNORED_PARAMS: &[&str] = &[
    "connect_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "target_session_attrs",
    "load_balance_hosts",
    "gssencmode",
    "sslcompression",
    "sslsni",
    "sslnegotiation",
    "sslcrl",
    "sslcrldir",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcertmode",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "krbsrvname",
    "gsslib",
    "fallback_application_name",
    "replication",
    "require_auth",
    "client_encoding",
];

impl PgTarget {
    /// Parses and validates a URL the way libpq would accept it.
    pub fn parse(raw: &str) -> Result<Self, UrlError> {
        check_scheme_case(raw)?;
        let url = url::parse(raw, SCHEMES)?;
        if url.fragment.is_some() {
            return Err(invalid(words::pg_fragment()));
        }
        let mut target = Self::from_url(&url);
        let mut sslmode = None;
        for (key, value) in &url.query {
            target.apply_param(key, value, &mut sslmode)?;
        }
        target.sslmode_given = sslmode.is_some();
        target.sslmode = resolve_sslmode(sslmode, target.sslrootcert.as_ref())?;
        Ok(target)
    }

    fn from_url(url: &ParsedUrl) -> Self {
        Self {
            redacted: url.redacted(),
            host: url.host.clone(),
            port: url.port.unwrap_or(DEFAULT_PORT),
            user: url.user.clone(),
            password: url.password.clone(),
            dbname: (!url.path.is_empty()).then(|| url.path.clone()),
            sslmode: SslMode::Prefer,
            sslrootcert: None,
            channel_binding: ChannelBinding::Prefer,
            application_name: None,
            options: None,
            ignored: Vec::new(),
            sslmode_given: false,
        }
    }

    fn apply_param(
        &mut self,
        key: &str,
        value: &str,
        sslmode: &mut Option<SslMode>,
    ) -> Result<(), UrlError> {
        // libpq treats an empty value as "not given" (the default applies).
        if value.is_empty() {
            return Ok(());
        }
        match key {
            "sslmode" => *sslmode = Some(parse_sslmode(value)?),
            // libpq translates the JDBC-style `ssl=true` to sslmode=require.
            "ssl" if value == "true" => *sslmode = Some(SslMode::Require),
            "sslrootcert" => self.sslrootcert = Some(parse_rootcert(value)),
            "channel_binding" => self.channel_binding = parse_channel_binding(value)?,
            "user" => self.user = Some(value.to_string()),
            "password" => self.password = Some(Secret::new(value)),
            "dbname" => self.dbname = Some(value.to_string()),
            "application_name" => self.application_name = Some(value.to_string()),
            "options" => self.options = Some(value.to_string()),
            "host" | "hostaddr" | "port" | "service" | "passfile" => {
                return Err(invalid(words::pg_param_unsupported(key)));
            }
            known if IGNORED_PARAMS.contains(&known) => {
                check_ignored_value(known, value)?;
                self.ignored.push(known.to_string());
            }
            unknown => return Err(invalid(words::pg_param_unknown(unknown))),
        }
        Ok(())
    }

    /// libpq takes what a URL leaves out from `PGUSER`, `PGPASSWORD` and
    /// `PGDATABASE` (libpq-envars.html); apps on libpq or node-postgres
    /// connect with them, so the check does too, and says so.
    pub fn fill_from_env(
        &mut self,
        env: &crate::source::EnvSource,
    ) -> Result<Vec<crate::model::Finding>, UrlError> {
        use crate::model::Finding;
        use crate::model::FindingCode;
        let mut used = Vec::new();
        if self.password.is_none() {
            self.password = env.get("PGPASSWORD").map(|v| {
                used.push("PGPASSWORD");
                Secret::new(v.value)
            });
        }
        if self.user.is_none() {
            self.user = env.get("PGUSER").map(|v| {
                used.push("PGUSER");
                v.value
            });
        }
        if self.dbname.is_none() {
            self.dbname = env.get("PGDATABASE").map(|v| {
                used.push("PGDATABASE");
                v.value
            });
        }
        self.fill_tls_from_env(env, &mut used)?;
        if used.is_empty() {
            return Ok(Vec::new());
        }
        Ok(vec![Finding::info(
            FindingCode::EnvDefaults,
            words::pg_env_defaults(&used),
        )])
    }

    /// `PGSSLMODE` and `PGSSLROOTCERT` apply when the URL does not set
    /// them; an invalid `PGSSLMODE` is refused, as libpq refuses it.
    fn fill_tls_from_env(
        &mut self,
        env: &crate::source::EnvSource,
        used: &mut Vec<&'static str>,
    ) -> Result<(), UrlError> {
        if let Some(var) = env
            .get("PGSSLROOTCERT")
            .filter(|_| self.sslrootcert.is_none())
        {
            self.sslrootcert = Some(parse_rootcert(&var.value));
            used.push("PGSSLROOTCERT");
        }
        let env_mode = match env.get("PGSSLMODE").filter(|_| !self.sslmode_given) {
            Some(var) => {
                used.push("PGSSLMODE");
                Some(
                    SslMode::parse(var.value.trim())
                        .ok_or_else(|| invalid(words::pg_bad_env_sslmode()))?,
                )
            }
            None => None,
        };
        let explicit = if self.sslmode_given {
            Some(self.sslmode)
        } else {
            env_mode
        };
        self.sslmode = resolve_sslmode(explicit, self.sslrootcert.as_ref())?;
        Ok(())
    }

    /// Whether the host is a loopback name or address (plaintext is fine there).
    pub fn is_loopback(&self) -> bool {
        crate::net::is_loopback_host(&self.host)
    }
}

/// libpq recognises the URI prefixes case-sensitively: `POSTGRESQL://…`
/// is not a URI to it at all.
fn check_scheme_case(raw: &str) -> Result<(), UrlError> {
    let lowercase = raw.to_ascii_lowercase();
    let prefix = SCHEMES
        .iter()
        .find(|s| lowercase.starts_with(&format!("{s}://")));
    match prefix {
        Some(scheme) if !raw.starts_with(&format!("{scheme}://")) => Err(UrlError {
            code: Code::UnsupportedScheme,
            message: words::pg_scheme_case(),
        }),
        _ => Ok(()),
    }
}

/// Parameters railconn does not act on still have to be valid: libpq
/// refuses the URL otherwise (`invalid integer value`, `invalid
/// target_session_attrs value`), and so would the app.
fn check_ignored_value(key: &str, value: &str) -> Result<(), UrlError> {
    let allowed: &[&str] = match key {
        "connect_timeout"
        | "keepalives"
        | "keepalives_idle"
        | "keepalives_interval"
        | "keepalives_count"
        | "tcp_user_timeout" => {
            return value
                .trim()
                .parse::<i64>()
                .map(|_| ())
                .map_err(|_| invalid(words::pg_bad_param_value(key)));
        }
        "target_session_attrs" => &[
            "any",
            "read-write",
            "read-only",
            "primary",
            "standby",
            "prefer-standby",
        ],
        "gssencmode" => &["disable", "prefer", "require"],
        "sslnegotiation" => &["postgres", "direct"],
        "load_balance_hosts" => &["disable", "random"],
        _ => return Ok(()),
    };
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(invalid(words::pg_bad_param_value(key)))
    }
}

fn invalid(message: String) -> UrlError {
    UrlError {
        code: Code::InvalidUrl,
        message,
    }
}

fn parse_sslmode(value: &str) -> Result<SslMode, UrlError> {
    SslMode::parse(value).ok_or_else(|| invalid(words::pg_bad_sslmode(value)))
}

fn parse_rootcert(value: &str) -> RootCert {
    match value {
        "system" => RootCert::System,
        path => RootCert::File(PathBuf::from(path)),
    }
}

fn parse_channel_binding(value: &str) -> Result<ChannelBinding, UrlError> {
    match value {
        "disable" => Ok(ChannelBinding::Disable),
        "prefer" => Ok(ChannelBinding::Prefer),
        "require" => Ok(ChannelBinding::Require),
        other => Err(invalid(words::pg_bad_channel_binding(other))),
    }
}

/// `sslrootcert=system` makes verify-full the default and forbids weaker
/// modes (PostgreSQL 16 libpq docs, "sslrootcert").
fn resolve_sslmode(
    explicit: Option<SslMode>,
    root: Option<&RootCert>,
) -> Result<SslMode, UrlError> {
    match (explicit, root) {
        (None, Some(RootCert::System)) => Ok(SslMode::VerifyFull),
        (Some(mode), Some(RootCert::System)) if mode != SslMode::VerifyFull => Err(invalid(
            words::pg_system_root_needs_verify_full(mode.as_str()),
        )),
        (mode, _) => Ok(mode.unwrap_or(SslMode::Prefer)),
    }
}

impl From<&RootCert> for crate::net::tls::Roots {
    fn from(root: &RootCert) -> Self {
        match root {
            RootCert::System => crate::net::tls::Roots::System,
            RootCert::File(path) => crate::net::tls::Roots::File(path.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_libpq() {
        let t = PgTarget::parse("postgresql://app:pw@db.example/appdb").unwrap();
        assert_eq!((t.port, t.sslmode), (5432, SslMode::Prefer));
        assert_eq!(t.dbname.as_deref(), Some("appdb"));
        assert_eq!(t.redacted, "postgresql://app:***@db.example/appdb");
    }

    #[test]
    fn all_sslmodes_and_rootcert() {
        for mode in [
            "disable",
            "allow",
            "prefer",
            "require",
            "verify-ca",
            "verify-full",
        ] {
            let t = PgTarget::parse(&format!("postgres://u@h/d?sslmode={mode}")).unwrap();
            assert_eq!(t.sslmode.as_str(), mode);
        }
        let t = PgTarget::parse("postgres://u@h/d?sslrootcert=system").unwrap();
        assert_eq!(t.sslmode, SslMode::VerifyFull);
        assert!(PgTarget::parse("postgres://u@h/d?sslrootcert=system&sslmode=require").is_err());
        assert!(PgTarget::parse("postgres://u@h/d?sslmode=verify").is_err());
    }

    #[test]
    fn case_fragments_and_empty_values_follow_libpq() {
        assert_eq!(
            PgTarget::parse("POSTGRESQL://u@h/d").unwrap_err().code,
            Code::UnsupportedScheme
        );
        assert!(PgTarget::parse("postgresql://u@h/d#x").is_err());
        let t = PgTarget::parse("postgresql://u@h/d?user=&sslmode=").unwrap();
        assert_eq!((t.user.as_deref(), t.sslmode), (Some("u"), SslMode::Prefer));
    }

    #[test]
    fn accepted_parameters_must_still_have_valid_values() {
        assert!(PgTarget::parse("postgres://u@h/d?connect_timeout=abc").is_err());
        assert!(PgTarget::parse("postgres://u@h/d?target_session_attrs=standbyish").is_err());
        assert!(
            PgTarget::parse("postgres://u@h/d?connect_timeout=10&target_session_attrs=read-write")
                .is_ok()
        );
    }

    #[test]
    fn unknown_parameters_are_rejected_like_libpq() {
        let e = PgTarget::parse("postgres://u@h/d?schema=public").unwrap_err();
        assert!(e.message.contains("schema"), "{}", e.message);
    }
}
