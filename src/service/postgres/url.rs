//! The PostgreSQL target: a `postgres://` / `postgresql://` URL read with
//! libpq's rules (<https://www.postgresql.org/docs/current/libpq-connect.html>).
//!
//! tokio-postgres only knows `sslmode` disable/prefer/require and rejects
//! `sslrootcert` (tokio-postgres `Config` docs), so the TLS parameters are interpreted here
//! and the rest is passed on as settings the probe applies itself.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::ops::Range;
use std::path::PathBuf;

use super::libpq_uri::{self, Conninfo, Portability};
use super::messages;
use crate::i18n::{Message, msg};
use crate::model::{Code, Database, HostPart, Parts};
use crate::source::secret::Secret;
use crate::source::url::{self, UrlError};

pub(crate) const SCHEMES: &[&str] = &["postgresql", "postgres"];
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
    /// libpq's six names, exactly (`fe-connect.c` compares them with
    /// `strcmp`).
    pub(crate) fn parse(text: &str) -> Option<Self> {
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
    /// Node.js's own store, which node-postgres verifies against when the
    /// URL names no CA: Mozilla's list bundled in Node, plus the PEM file
    /// of `NODE_EXTRA_CA_CERTS`.
    Node(Option<PathBuf>),
}

/// libpq `channel_binding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelBinding {
    Disable,
    Prefer,
    Require,
}

/// libpq `target_session_attrs` (libpq-connect.html): which server of the
/// host list the session must land on, judged after logging in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionAttrs {
    Any,
    ReadWrite,
    ReadOnly,
    Primary,
    Standby,
    PreferStandby,
}

impl SessionAttrs {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "any" => Self::Any,
            "read-write" => Self::ReadWrite,
            "read-only" => Self::ReadOnly,
            "primary" => Self::Primary,
            "standby" => Self::Standby,
            "prefer-standby" => Self::PreferStandby,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::ReadWrite => "read-write",
            Self::ReadOnly => "read-only",
            Self::Primary => "primary",
            Self::Standby => "standby",
            Self::PreferStandby => "prefer-standby",
        }
    }
}

/// libpq 16's `require_auth` (libpq-connect.html): the authentication
/// methods the client accepts from the server, or with `!` the ones it
/// refuses; `none` is a login the server completes without asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequireAuth {
    /// The value as given, for messages.
    pub value: String,
    negated: bool,
    methods: Vec<String>,
}

impl RequireAuth {
    /// The methods libpq 17 knows (fe-connect.c `pqConnectOptions2`;
    /// postgres.js 4.2.0 `src/index.js`, `authMethods`, the same list).
    const METHODS: &[&str] = &["password", "md5", "gss", "sspi", "scram-sha-256", "none"];

    /// libpq refuses an unknown method, a method listed twice, and a list
    /// that mixes `!method` with `method` ("invalid `require_auth` value").
    fn parse(value: &str) -> Option<Self> {
        let items: Vec<&str> = value.split(',').map(str::trim).collect();
        let negated = items.first()?.starts_with('!');
        let mut methods: Vec<String> = Vec::new();
        for item in items {
            let name = if negated {
                item.strip_prefix('!')?
            } else {
                item
            };
            if item.starts_with('!') != negated
                || !Self::METHODS.contains(&name)
                || methods.iter().any(|m| m == name)
            {
                return None;
            }
            methods.push(name.to_string());
        }
        Some(Self {
            value: value.to_string(),
            negated,
            methods,
        })
    }

    /// Whether the server may use `method` (`password`, `md5`, `gss`,
    /// `sspi`, `scram-sha-256`, or `none` for a login it completes without
    /// asking).
    pub fn allows(&self, method: &str) -> bool {
        self.methods.iter().any(|m| m == method) != self.negated
    }
}

/// A validated PostgreSQL target.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent libpq settings, and whether the URL or the environment gave each"
)]
pub struct PgTarget {
    /// The URL as given, secrets replaced by `***`, nothing re-encoded.
    pub redacted: String,
    /// The host name (TLS server name); the address when only `hostaddr`
    /// is given.
    pub host: String,
    /// `hostaddr`: the address to connect to instead of resolving `host`.
    pub hostaddr: Option<IpAddr>,
    pub port: u16,
    pub user: Option<String>,
    /// The user the driver logs in as when neither the URL nor `PGUSER`
    /// names one: a connect-time default (libpq's conninfo leaves `user`
    /// unset), see [`default_user`].
    pub default_user: Option<String>,
    pub password: Option<Secret>,
    pub dbname: Option<String>,
    pub sslmode: SslMode,
    pub sslrootcert: Option<RootCert>,
    pub channel_binding: ChannelBinding,
    /// `sslnegotiation=direct` (libpq 17): TLS from the first byte, with
    /// ALPN `postgresql`, instead of an `SSLRequest` first.
    pub direct_tls: bool,
    pub application_name: Option<String>,
    pub options: Option<String>,
    /// Parameters libpq knows that railconn does not act on.
    pub ignored: Vec<String>,
    /// Whether the URL itself set `sslmode` (else `PGSSLMODE` may).
    pub sslmode_given: bool,
    /// Whether the URL itself set `sslnegotiation` (else
    /// `PGSSLNEGOTIATION` may).
    pub sslnegotiation_given: bool,
    /// Whether the URL itself set `sslrootcert` (else `PGSSLROOTCERT`
    /// may; node-postgres never reads that variable).
    pub sslrootcert_given: bool,
    /// Addresses to dial instead of resolving `host` (`--resolve`).
    pub dial: Vec<std::net::IpAddr>,
    /// What libpq accepts here that other URL parsers read differently.
    pub portability: Vec<Portability>,
    /// Whether `sslmode=prefer` connects again without TLS when the TLS
    /// attempt fails or the server refuses it before authentication
    /// succeeds: libpq does (fe-connect.c, `CONNECTION_AWAITING_RESPONSE`
    /// drops to plaintext for `prefer`), asyncpg does (`connect_utils.py`,
    /// `_connect_addr`: `_RetryConnectSignal`); postgres.js does not (its
    /// plan says so, `driver::postgres`).
    pub prefer_fallback: PreferFallback,
    /// Every host and port of a host list (`h1:p1,h2:p2`, or `?host=h1,h2
    /// &port=p1,p2`), in the order libpq tries them: the next one after a
    /// failure to connect, none after a server refused (libpq-connect.html,
    /// "Specifying Multiple Hosts"). `host` and `port` are the first. A
    /// host that is a path (or `@name`) is a Unix-socket directory
    /// ([`is_socket`]).
    pub hosts: Vec<(String, u16)>,
    /// The URL names no host, so `host` is libpq's default socket
    /// directory: `PGHOST` replaces it, and a driver with another default
    /// (asyncpg's list, node-postgres's `localhost`) its own.
    pub default_host: bool,
    /// Whether the URL names a port (its authority or `?port=`): else
    /// `PGPORT` applies (libpq-envars.html), for every host of the list.
    pub port_given: bool,
    /// Whether TLS is tried over a Unix socket. libpq never tries it there
    /// (fe-connect.c `init_allowed_encryption_methods`: "Don't request SSL
    /// or GSSAPI over Unix sockets"), nor does asyncpg (`connect_utils.py`
    /// `__connect_addr`: a socket gets `create_unix_connection`, no SSL);
    /// node-postgres and postgres.js send the `SSLRequest` anyway, which
    /// the server declines on a socket (`driver::postgres`).
    pub tls_over_sockets: bool,
    /// `target_session_attrs` (else `PGTARGETSESSIONATTRS`): libpq,
    /// asyncpg and postgres.js check each host after logging in and try
    /// the next one when it does not fit (the probe does the same,
    /// `probe::session_misfit`); node-postgres never reads it.
    pub session_attrs: SessionAttrs,
    /// Whether the URL itself set `target_session_attrs`.
    pub session_attrs_given: bool,
    /// For a host list, which hosts the URL gives no port of their own
    /// (`h1,h2`, `h1:5433,h2`): libpq dials 5432 there, never `PGPORT`,
    /// since the URL's `port` is set (`,`); asyncpg and postgres.js dial
    /// `PGPORT` ([`Self::fill_blank_ports`]).
    pub blank_ports: Vec<bool>,
    /// `require_auth` (else `PGREQUIREAUTH`), which libpq 16+ and
    /// postgres.js enforce as the server asks for a method (the probe does
    /// too, `startup.rs`); node-postgres never reads it, and asyncpg sends
    /// it to the server as a setting (`driver::refusals`).
    pub require_auth: Option<RequireAuth>,
}

/// libpq's default socket directory, `DEFAULT_PGSOCKET_DIR`: Debian's
/// libpq and the libpq that psycopg2-binary 2.9.13 and psycopg 3.3.9's
/// wheels bundle use `/var/run/postgresql` (their error for
/// `postgresql:///x?port=1` names `/var/run/postgresql/.s.PGSQL.1`);
/// PostgreSQL's own build default is `/tmp`.
pub(crate) const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";

/// libpq's `is_unixsock_path` (fe-connect.c): a host that is an absolute
/// path names a socket directory, and `@name` an abstract socket
/// (PostgreSQL 14, Linux).
pub(crate) fn is_socket(host: &str) -> bool {
    host.starts_with('/') || host.starts_with('@')
}

/// The socket file libpq dials for a socket directory and a port,
/// `UNIXSOCK_PATH` (pqcomm.h): `<dir>/.s.PGSQL.<port>`; for `@name` the
/// abstract name, its `@` a NUL byte (fe-connect.c, `getaddrinfo_unix`).
pub(crate) fn socket_file(dir: &str, port: u16) -> PathBuf {
    let file = format!("{}/.s.PGSQL.{port}", dir.trim_end_matches('/'));
    match file.strip_prefix('@') {
        Some(name) => PathBuf::from(format!("\0{name}")),
        None => PathBuf::from(file),
    }
}

/// Whose reading of the `PG*` variables fills a target: they differ in
/// `PGSSLMODE` and `PGSSLROOTCERT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EnvReader {
    Libpq,
    NodePostgres,
    PostgresJs,
}

/// The user a driver logs in as when neither the URL nor `PGUSER` names
/// one. libpq takes the name of the process's account (`pg_fe_getusername`:
/// `getpwuid_r(geteuid())`), as do psycopg, postgres.js (`src/index.js`,
/// `osUsername`: `os.userInfo().username`) and, unless `LOGNAME`/`USER`
/// say otherwise, asyncpg (`getpass.getuser()`); node-postgres reads only
/// `$USER` (`lib/defaults.js`), which a container may not set. Without one
/// the server refuses the startup ("no PostgreSQL user name specified").
fn default_user(env: &crate::source::EnvSource, reader: EnvReader) -> Option<String> {
    let from_env = || env.get("USER").map(|v| v.value).filter(|v| !v.is_empty());
    match reader {
        EnvReader::NodePostgres => from_env(),
        EnvReader::Libpq | EnvReader::PostgresJs => os_account().or_else(from_env),
    }
}

/// The name of the account this process runs as, from `/etc/passwd` (the
/// files source every container has; no `unsafe` for `getpwuid`): the
/// owner of `/proc/self` is the effective uid. Reads at most 1 MiB.
fn os_account() -> Option<String> {
    use std::io::Read as _;
    use std::os::unix::fs::MetadataExt as _;
    let uid = std::fs::metadata("/proc/self").ok()?.uid().to_string();
    let mut passwd = String::new();
    std::fs::File::open("/etc/passwd")
        .ok()?
        .take(1 << 20)
        .read_to_string(&mut passwd)
        .ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid).then(|| name.to_string())
    })
}

/// What `sslmode=prefer` does when its TLS attempt fails or is refused
/// before authentication succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreferFallback {
    /// A new connection without TLS (libpq, asyncpg).
    Plaintext,
    /// Nothing: plaintext only when the server answers the `SSLRequest`
    /// with `N` (postgres.js).
    Nothing,
}

/// libpq parameters railconn accepts but does not act on: they change
/// nothing about whether the connection can be made. Their values are
/// still checked where libpq checks them.
const IGNORED_PARAMS: &[&str] = &[
    "connect_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "load_balance_hosts",
    "gssencmode",
    "sslcompression",
    "sslsni",
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
    "client_encoding",
    "requirepeer",
];

/// Keywords railconn refuses by design: they read files railconn does not
/// read (`service`, `passfile`). docs/urls-and-tls.md lists them.
const REFUSED_PARAMS: &[&str] = &["service", "passfile"];

impl PgTarget {
    /// The user the startup message names: the URL's (or `PGUSER`'s), else
    /// the driver's default.
    pub(crate) fn login_user(&self) -> Option<&str> {
        self.user.as_deref().or(self.default_user.as_deref())
    }

    /// What the PostgreSQL probe will dial.
    pub(crate) fn parts(&self) -> Parts {
        let mut options = BTreeMap::new();
        if let Some(root) = &self.sslrootcert {
            let shown = match root {
                RootCert::File(path) => path.display().to_string(),
                RootCert::System => "system".to_string(),
                RootCert::Node(None) => "node".to_string(),
                RootCert::Node(Some(extra)) => format!("node+{}", extra.display()),
            };
            options.insert("sslrootcert", shown);
        }
        let binding = match self.channel_binding {
            ChannelBinding::Disable => "disable",
            ChannelBinding::Prefer => "prefer",
            ChannelBinding::Require => "require",
        };
        options.insert("channel_binding", binding.to_string());
        if let Some(name) = &self.application_name {
            options.insert("application_name", name.clone());
        }
        if let Some(value) = &self.options {
            options.insert("options", value.clone());
        }
        Parts {
            hosts: self.host_parts(),
            host: self.host.clone(),
            hostaddr: self.hostaddr.map(|a| a.to_string()),
            port: self.port,
            user: self.user.clone(),
            password: self.password.is_some(),
            database: self.dbname.clone().map(Database::Name),
            tls: self.sslmode.as_str(),
            options,
            ignored: self.ignored.clone(),
            resolve: self.dial.iter().map(ToString::to_string).collect(),
        }
    }

    /// Every host of the list with its port, and the socket file each
    /// socket directory means.
    fn host_parts(&self) -> Vec<HostPart> {
        self.hosts
            .iter()
            .map(|(host, port)| HostPart {
                host: host.clone(),
                port: *port,
                socket: (self.hostaddr.is_none() && is_socket(host))
                    .then(|| crate::net::stream::shown(&socket_file(host, *port))),
            })
            .collect()
    }

    /// The socket file this target dials, when its host is a socket
    /// directory (`hostaddr`, when given, is dialed over TCP instead, as
    /// libpq does).
    pub(crate) fn socket(&self) -> Option<PathBuf> {
        (self.hostaddr.is_none() && is_socket(&self.host))
            .then(|| socket_file(&self.host, self.port))
    }

    /// Parses and validates a URL as libpq would: first its grammar
    /// (`PQconninfoParse`), then the values libpq checks when it connects.
    pub fn parse(raw: &str) -> Result<Self, UrlError> {
        url::check_wrapping(raw)?;
        check_scheme(raw)?;
        let info = libpq_uri::parse(raw).map_err(|e| invalid(e.message()))?;
        for key in REFUSED_PARAMS {
            if info.get(key).is_some() {
                return Err(invalid(msg::pg_param_unsupported(key)));
            }
        }
        let hosts = host_list(&info)?;
        let (host, hostaddr) = match hosts.first() {
            Some((first, _)) if hosts.len() > 1 => (first.clone(), None),
            _ => endpoint(raw, &info)?,
        };
        let default_host = hosts.is_empty()
            && info.get("host").unwrap_or_default().is_empty()
            && hostaddr.is_none();
        let port = match hosts.first() {
            Some((_, first)) if hosts.len() > 1 => *first,
            _ => parse_port(info.get("port"))?,
        };
        let blank_ports = if hosts.len() > 1 {
            let ports: Vec<&str> = info.get("port").unwrap_or_default().split(',').collect();
            (0..hosts.len())
                .map(|i| ports.get(i).unwrap_or(&ports[0]).is_empty())
                .collect()
        } else {
            Vec::new()
        };
        let mut target = Self {
            redacted: shown(raw, &info.secret_spans),
            hosts: if hosts.len() > 1 {
                hosts
            } else {
                vec![(host.clone(), port)]
            },
            host,
            hostaddr,
            port,
            user: non_empty(info.get("user")),
            default_user: None,
            password: non_empty(info.get("password")).map(Secret::new),
            dbname: non_empty(info.get("dbname")),
            sslmode: SslMode::Prefer,
            sslrootcert: non_empty(info.get("sslrootcert")).map(|v| parse_rootcert(&v)),
            channel_binding: match info.get("channel_binding") {
                Some(value) => parse_channel_binding(value)?,
                None => ChannelBinding::Prefer,
            },
            direct_tls: parse_negotiation(info.get("sslnegotiation"))?,
            application_name: non_empty(info.get("application_name")),
            options: non_empty(info.get("options")),
            ignored: Vec::new(),
            sslmode_given: false,
            sslnegotiation_given: info.get("sslnegotiation").is_some(),
            sslrootcert_given: non_empty(info.get("sslrootcert")).is_some(),
            portability: info.portability.clone(),
            dial: Vec::new(),
            prefer_fallback: PreferFallback::Plaintext,
            default_host,
            port_given: info.get("port").is_some(),
            tls_over_sockets: false,
            session_attrs: SessionAttrs::Any,
            session_attrs_given: false,
            blank_ports,
            require_auth: None,
        };
        let sslmode = info.get("sslmode").map(parse_sslmode).transpose()?;
        // With keepalives off, libpq never reads the other keepalive values.
        let keepalives_off = info.get("keepalives").and_then(parse_int_param) == Some(0);
        for (key, value) in &info.options {
            if IGNORED_PARAMS.contains(&key.as_str()) {
                if !(keepalives_off && key.starts_with("keepalives_")) {
                    check_ignored_value(key, value)?;
                }
                target.ignored.push(key.clone());
            }
        }
        check_protocol_range(&info)?;
        if let Some(value) = info.get("require_auth").filter(|v| !v.is_empty()) {
            target.require_auth = Some(parse_require_auth(value)?);
        }
        if let Some(value) = info.get("target_session_attrs") {
            target.session_attrs = parse_session_attrs(value)?;
            target.session_attrs_given = true;
        }
        target.sslmode_given = sslmode.is_some();
        target.sslmode = resolve_sslmode(sslmode, target.sslrootcert.as_ref())?;
        // Without `sslmode` in the URL, `PGSSLMODE` may still make direct
        // TLS legal: libpq judges the mode after reading the environment
        // (fe-connect.c `pqConnectOptions2`), so `fill` judges it then.
        if target.sslmode_given {
            check_direct(&target)?;
        }
        Ok(target)
    }

    /// Where the probe connects: `hostaddr` when given (libpq then skips
    /// the DNS lookup), else the host name.
    pub fn dial_host(&self) -> String {
        self.hostaddr
            .map_or_else(|| self.host.clone(), |addr| addr.to_string())
    }

    /// libpq takes what a URL leaves out from `PGUSER`, `PGPASSWORD` and
    /// `PGDATABASE` (libpq-envars.html); apps on libpq or node-postgres
    /// connect with them, so the check does too, and says so.
    pub fn fill_from_env(
        &mut self,
        env: &crate::source::EnvSource,
    ) -> Result<Vec<crate::model::Finding>, UrlError> {
        self.fill(env, EnvReader::Libpq)
    }

    /// As [`Self::fill_from_env`], for an app whose driver is node-postgres:
    /// it reads `PGSSLMODE` but never `PGSSLROOTCERT` (pg
    /// `connection-parameters.js`).
    pub(crate) fn fill_from_env_node(
        &mut self,
        env: &crate::source::EnvSource,
    ) -> Result<Vec<crate::model::Finding>, UrlError> {
        self.fill(env, EnvReader::NodePostgres)
    }

    /// As [`Self::fill_from_env`], for an app whose driver is postgres.js:
    /// `PGSSLMODE` is its `ssl` option whatever the value (4.2.0,
    /// `src/index.js`, `parseOptions`: `k === 'ssl' && env.PGSSLMODE`), so
    /// a value libpq refuses (`no-verify`) is Node's verifying default
    /// there (`src/socket.js`, `secureOptions`), which the driver's TLS
    /// plan (`driver::postgres`) reads from the variable.
    pub(crate) fn fill_from_env_postgres_js(
        &mut self,
        env: &crate::source::EnvSource,
    ) -> Result<Vec<crate::model::Finding>, UrlError> {
        self.fill(env, EnvReader::PostgresJs)
    }

    fn fill(
        &mut self,
        env: &crate::source::EnvSource,
        reader: EnvReader,
    ) -> Result<Vec<crate::model::Finding>, UrlError> {
        use crate::model::Finding;
        use crate::model::FindingCode;
        let mut findings: Vec<Finding> = self
            .portability
            .iter()
            .map(|&p| Finding::warn(FindingCode::UrlPortability, p.message()))
            .collect();
        let mut used = Vec::new();
        self.fill_host_from_env(env, &mut used);
        self.fill_port_from_env(env, &mut used)?;
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
        if self.user.is_none() {
            self.default_user = default_user(env, reader);
            if let Some(user) = &self.default_user {
                findings.push(Finding::info(
                    FindingCode::EnvDefaults,
                    crate::i18n::msg::pg_default_user(user.clone()),
                ));
            }
        }
        if self.dbname.is_none() {
            self.dbname = env.get("PGDATABASE").map(|v| {
                used.push("PGDATABASE");
                v.value
            });
        }
        self.fill_session_attrs_from_env(env, reader, &mut used)?;
        self.fill_require_auth_from_env(env, reader, &mut used)?;
        if self.fill_tls_from_env(env, reader, &mut used)? {
            findings.push(Finding::warn(
                FindingCode::CertificateNotVerified,
                crate::i18n::msg::driver_node_pg_no_verify(),
            ));
        }
        if !used.is_empty() {
            findings.push(Finding::info(
                FindingCode::EnvDefaults,
                messages::pg_env_defaults(&used),
            ));
        }
        Ok(findings)
    }

    /// A URL without a host takes `PGHOST` (a list too, each with the
    /// URL's port): libpq does (libpq-envars.html), and so do asyncpg
    /// (`connect_utils.py`, `os.environ.get('PGHOST')`), node-postgres
    /// (`connection-parameters.js`, `val('host', config)`) and postgres.js
    /// (`src/index.js`, `hosts`: `env.PGHOST`).
    fn fill_host_from_env(&mut self, env: &crate::source::EnvSource, used: &mut Vec<&'static str>) {
        let Some(var) = env.get("PGHOST").filter(|_| self.default_host) else {
            return;
        };
        let port = self.port;
        self.hosts = var
            .value
            .split(',')
            .map(|h| {
                (
                    if h.is_empty() { DEFAULT_SOCKET_DIR } else { h }.to_string(),
                    port,
                )
            })
            .collect();
        self.host.clone_from(&self.hosts[0].0);
        self.default_host = false;
        used.push("PGHOST");
    }

    /// A URL without a port takes `PGPORT`: one port for every host, or
    /// one each (libpq-envars.html; fe-connect.c `conninfo_add_defaults`
    /// reads the variable only when the `port` option is absent, and
    /// `pqConnectOptions2` pairs the list with the hosts). The drivers
    /// read it the same way: asyncpg 0.32.0 (`connect_utils.py`,
    /// `os.environ.get('PGPORT')` when no port is given), node-postgres
    /// 8.23.1 (`defaults.js`, `port: process.env.PGPORT`…), postgres.js
    /// 4.2.0 (`src/index.js`, `parseOptions`: `o.port || query.port ||
    /// env.PGPORT || 5432`), and SQLAlchemy passes no port of its own when
    /// the URL has none (seen with every dialect: `PGPORT` is dialed).
    fn fill_port_from_env(
        &mut self,
        env: &crate::source::EnvSource,
        used: &mut Vec<&'static str>,
    ) -> Result<(), UrlError> {
        let Some(var) = env.get("PGPORT").filter(|_| !self.port_given) else {
            return Ok(());
        };
        let ports: Vec<&str> = var.value.split(',').collect();
        if ports.len() != 1 && ports.len() != self.hosts.len() {
            return Err(invalid(msg::pg_many_ports()));
        }
        for (i, (_, port)) in self.hosts.iter_mut().enumerate() {
            *port = parse_port(Some(ports.get(i).unwrap_or(&ports[0])))?;
        }
        self.port = self.hosts[0].1;
        self.port_given = true;
        used.push("PGPORT");
        Ok(())
    }

    /// `PGTARGETSESSIONATTRS` applies when the URL does not set
    /// `target_session_attrs`: libpq reads it (libpq-envars.html) and
    /// refuses a value it does not know, as does asyncpg 0.32.0
    /// (`connect_utils.py`, `os.environ.get("PGTARGETSESSIONATTRS",
    /// SessionAttribute.any)`, "`target_session_attrs` is expected to be one
    /// of") and postgres.js 4.2.0 (`src/index.js`, `tsa`); node-postgres
    /// never reads it.
    fn fill_session_attrs_from_env(
        &mut self,
        env: &crate::source::EnvSource,
        reader: EnvReader,
        used: &mut Vec<&'static str>,
    ) -> Result<(), UrlError> {
        let Some(var) = env
            .get("PGTARGETSESSIONATTRS")
            .filter(|_| !self.session_attrs_given && reader != EnvReader::NodePostgres)
        else {
            return Ok(());
        };
        self.session_attrs = parse_session_attrs(var.value.trim())?;
        used.push("PGTARGETSESSIONATTRS");
        Ok(())
    }

    /// `PGREQUIREAUTH` applies when the URL does not set `require_auth`:
    /// libpq 16+ reads it (libpq-envars.html), as does postgres.js 4.2.0
    /// (`src/index.js`, `requireAuth`: `env.PGREQUIREAUTH`); node-postgres
    /// never does.
    fn fill_require_auth_from_env(
        &mut self,
        env: &crate::source::EnvSource,
        reader: EnvReader,
        used: &mut Vec<&'static str>,
    ) -> Result<(), UrlError> {
        let Some(var) = env
            .get("PGREQUIREAUTH")
            .filter(|_| self.require_auth.is_none() && reader != EnvReader::NodePostgres)
        else {
            return Ok(());
        };
        self.require_auth = Some(parse_require_auth(&var.value)?);
        used.push("PGREQUIREAUTH");
        Ok(())
    }

    /// asyncpg 0.32.0 (`connect_utils.py`, `_parse_hostlist`: a host
    /// without its own port gets `PGPORT`, one for all or one each) and
    /// postgres.js 4.2.0 (`src/index.js`, `ports`: `x[1] || p`, `p` from
    /// `env.PGPORT`) give each host of a list that names no port `PGPORT`,
    /// where libpq dials 5432. Returns whether a port changed; a `PGPORT`
    /// that does not fit the list changes nothing.
    pub(crate) fn fill_blank_ports(&mut self, pgport: &str) -> bool {
        let ports: Vec<Option<u16>> = pgport
            .split(',')
            .map(|p| parse_port(Some(p.trim())).ok())
            .collect();
        if ports.len() != 1 && ports.len() != self.hosts.len() {
            return false;
        }
        let mut changed = false;
        for (i, ((_, port), blank)) in self.hosts.iter_mut().zip(&self.blank_ports).enumerate() {
            let Some(Some(new)) = ports.get(i).or(ports.first()).copied().filter(|_| *blank) else {
                continue;
            };
            changed |= *port != new;
            *port = new;
        }
        if let Some((_, first)) = self.hosts.first() {
            self.port = *first;
        }
        changed
    }

    /// `PGSSLMODE` and `PGSSLROOTCERT` apply when the URL does not set
    /// them; an invalid `PGSSLMODE` is refused, as libpq refuses it. For
    /// node-postgres `PGSSLROOTCERT` is not read and
    /// `PGSSLMODE=no-verify`, its own mode (TLS without verification, pg
    /// `connection-parameters.js`), is libpq's `require`: the return value
    /// says it was read. For postgres.js any other value verifies.
    fn fill_tls_from_env(
        &mut self,
        env: &crate::source::EnvSource,
        reader: EnvReader,
        used: &mut Vec<&'static str>,
    ) -> Result<bool, UrlError> {
        let libpq = reader != EnvReader::NodePostgres;
        if let Some(var) = env
            .get("PGSSLROOTCERT")
            .filter(|_| libpq && self.sslrootcert.is_none())
        {
            self.sslrootcert = Some(parse_rootcert(&var.value));
            used.push("PGSSLROOTCERT");
        }
        let mut no_verify = false;
        let env_mode = match env.get("PGSSLMODE").filter(|_| !self.sslmode_given) {
            Some(var) => {
                used.push("PGSSLMODE");
                let value = var.value.trim();
                Some(match SslMode::parse(value) {
                    Some(mode) => mode,
                    None if reader == EnvReader::NodePostgres && value == "no-verify" => {
                        no_verify = true;
                        SslMode::Require
                    }
                    None if reader == EnvReader::PostgresJs => SslMode::VerifyFull,
                    None => return Err(invalid(msg::pg_bad_env_sslmode())),
                })
            }
            None => None,
        };
        let explicit = if self.sslmode_given {
            Some(self.sslmode)
        } else {
            env_mode
        };
        self.sslmode = resolve_sslmode(explicit, self.sslrootcert.as_ref())?;
        self.fill_negotiation_from_env(env, used)?;
        check_direct(self)?;
        Ok(no_verify)
    }

    /// `PGSSLNEGOTIATION` applies when the URL does not set
    /// `sslnegotiation`: libpq 17 reads it (libpq-envars.html; fe-connect.c
    /// `PQconninfoOptions`, envvar of `sslnegotiation`) and refuses any
    /// value but `postgres` or `direct` (`pqConnectOptions2`, "invalid
    /// sslnegotiation value"). The drivers beside libpq read it too: pg
    /// 8.23.1 (`connection-parameters.js`, `val('sslnegotiation', config,
    /// 'PGSSLNEGOTIATION')`), postgres.js 4.2.0 (`src/index.js`,
    /// `env['PG' + k.toUpperCase()]`) and asyncpg 0.32.0
    /// (`connect_utils.py`, `os.environ.get("PGSSLNEGOTIATION")`), so it is
    /// read whatever the driver. An empty value is unset, as every
    /// variable is here (`EnvSource::get`).
    fn fill_negotiation_from_env(
        &mut self,
        env: &crate::source::EnvSource,
        used: &mut Vec<&'static str>,
    ) -> Result<(), UrlError> {
        let Some(var) = env
            .get("PGSSLNEGOTIATION")
            .filter(|_| !self.sslnegotiation_given)
        else {
            return Ok(());
        };
        used.push("PGSSLNEGOTIATION");
        self.direct_tls = match var.value.trim() {
            "postgres" => false,
            "direct" => true,
            _ => return Err(invalid(msg::pg_bad_env_sslnegotiation())),
        };
        Ok(())
    }

    /// Shows `query` — the URL's query before a driver's own parameters
    /// (node-postgres's `sslmode=no-verify`, `uselibpqcompat`) were read
    /// into libpq's terms — in place of the rewritten one: the target is
    /// the URL as given. Secret values (`password`, `sslpassword`, however
    /// their names are percent-encoded or cased) stay masked.
    pub(crate) fn show_query_as_given(&mut self, query: &str) {
        let base = self
            .redacted
            .split_once('?')
            .map_or(self.redacted.as_str(), |(base, _)| base);
        let shown: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if libpq_uri::is_secret_key(key) => format!("{key}=***"),
                _ => pair.to_string(),
            })
            .collect();
        self.redacted = format!("{base}?{}", url::escape_controls(&shown.join("&")));
    }

    /// Whether the host is a loopback name or address, or a Unix socket
    /// (plaintext is fine there: the traffic never leaves the machine).
    pub fn is_loopback(&self) -> bool {
        self.socket().is_some() || crate::net::is_loopback_host(&self.host)
    }
}

/// libpq recognises the URI prefixes case-sensitively: `POSTGRESQL://…`
/// is not a URI to it at all.
fn check_scheme(raw: &str) -> Result<(), UrlError> {
    if libpq_uri::PREFIXES.iter().any(|p| raw.starts_with(p)) {
        return Ok(());
    }
    let lowercase = raw.to_ascii_lowercase();
    if libpq_uri::PREFIXES.iter().any(|p| lowercase.starts_with(p)) {
        return Err(UrlError {
            code: Code::UnsupportedScheme,
            message: msg::pg_scheme_case(),
        });
    }
    // Not a PostgreSQL URI: let the shared parser name the problem.
    url::parse(raw, SCHEMES).map(|_| ())
}

fn non_empty(value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.is_empty()).map(str::to_string)
}

/// The URL as given with every secret span replaced by `***`; control
/// characters are escaped so the value cannot forge output lines.
fn shown(raw: &str, secrets: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut at = 0;
    let mut spans = secrets.to_vec();
    spans.sort_by_key(|r| r.start);
    for span in spans {
        out.push_str(&raw[at..span.start]);
        out.push_str("***");
        at = span.end;
    }
    out.push_str(&raw[at..]);
    url::escape_controls(&out)
}

/// A host list's hosts and ports, as libpq pairs them (one port for every
/// host, or one port each; an empty port is 5432). Empty when the URL
/// names one host. An empty entry is the default socket directory, as in
/// libpq's `pqConnectOptions2`; `hostaddr` lists are refused by design.
fn host_list(info: &Conninfo) -> Result<Vec<(String, u16)>, UrlError> {
    let host = info.get("host").unwrap_or_default();
    let ports = info.get("port").unwrap_or_default();
    if !host.contains(',') && !ports.contains(',') {
        return Ok(Vec::new());
    }
    if info.get("hostaddr").is_some_and(|a| !a.is_empty()) {
        return Err(invalid(msg::url_many_hosts()));
    }
    let names: Vec<&str> = host.split(',').collect();
    let ports: Vec<&str> = ports.split(',').collect();
    if ports.len() != 1 && ports.len() != names.len() {
        return Err(invalid(msg::pg_many_ports()));
    }
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let port = parse_port(Some(ports.get(i).unwrap_or(&ports[0])))?;
            if name.is_empty() {
                return Ok((DEFAULT_SOCKET_DIR.to_string(), port));
            }
            if !is_socket(name) {
                check_host_chars(name, info)?;
            }
            Ok(((*name).to_string(), port))
        })
        .collect()
}

/// The host to dial: a name, an address, or a socket directory (a path,
/// `@name`, or none at all: libpq's default directory). `raw` tells an
/// empty host before a port in the authority.
fn endpoint(raw: &str, info: &Conninfo) -> Result<(String, Option<IpAddr>), UrlError> {
    let host = info.get("host").unwrap_or_default();
    let hostaddr = info.get("hostaddr").filter(|a| !a.is_empty());
    if hostaddr.is_some_and(|a| a.contains(',')) {
        return Err(invalid(msg::url_many_hosts()));
    }
    let hostaddr = hostaddr
        .map(|a| parse_hostaddr(a).ok_or_else(|| invalid(msg::pg_bad_hostaddr())))
        .transpose()?;
    match (host, hostaddr) {
        // `user:pw@:5432`: the mark of a reference that resolved to nothing
        // (libpq would dial its default socket, where a hosted app has no
        // server); `postgresql:///db?port=5432` is a socket on purpose.
        ("", None) if empty_host_before_port(raw) => Err(invalid(msg::pg_no_host())),
        ("", None) => Ok((DEFAULT_SOCKET_DIR.to_string(), None)),
        ("", Some(addr)) => Ok((addr.to_string(), Some(addr))),
        (host, addr) if is_socket(host) => Ok((host.to_string(), addr)),
        (host, addr) => {
            check_host_chars(host, info)?;
            Ok((host.to_string(), addr))
        }
    }
}

/// Whether the authority is an empty host and a port (`user:pw@:5432`,
/// `postgresql://:5432`).
fn empty_host_before_port(raw: &str) -> bool {
    let rest = raw.split_once("://").map_or("", |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    host_port.starts_with(':')
}

/// A numeric address as libpq's `getaddrinfo(AI_NUMERICHOST)` reads it:
/// IPv6, or IPv4 in every form `inet_aton` takes (`127.1`, `0x7f.0.0.1`).
fn parse_hostaddr(text: &str) -> Option<IpAddr> {
    if text.contains(':') {
        return text.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let parts: Vec<u32> = text.split('.').map(inet_aton_part).collect::<Option<_>>()?;
    let (last, leading) = parts.split_last()?;
    if leading.len() > 3 || leading.iter().any(|&p| p > 255) {
        return None;
    }
    let room = 8 * (4 - u32::try_from(leading.len()).ok()?);
    if room < 32 && *last >> room != 0 {
        return None;
    }
    let value = leading
        .iter()
        .enumerate()
        .fold(*last, |acc, (i, &p)| acc | (p << (24 - 8 * i)));
    Some(IpAddr::V4(value.into()))
}

/// One `inet_aton` number: decimal, `0` octal or `0x` hex.
fn inet_aton_part(part: &str) -> Option<u32> {
    let (digits, radix) = match part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None if part.len() > 1 && part.starts_with('0') => (&part[1..], 8),
        None => (part, 10),
    };
    if digits.is_empty() && radix != 16 {
        return None;
    }
    if digits.is_empty() {
        return Some(0);
    }
    u32::from_str_radix(digits, radix).ok()
}

/// libpq would look these names up and fail; the likely cause is an
/// unencoded character in the password, so say that.
fn check_host_chars(host: &str, info: &Conninfo) -> Result<(), UrlError> {
    if host.contains('@') && info.get("user").is_some() {
        return Err(invalid(crate::source::url::url_unencoded_char(
            "password", '@',
        )));
    }
    if host
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '@')
    {
        return Err(invalid(msg::url_bad_host_chars()));
    }
    Ok(())
}

/// libpq's `parse_int_param` (leading and trailing whitespace, a sign)
/// and its 1-65535 check; an empty port is the default.
fn parse_port(port: Option<&str>) -> Result<u16, UrlError> {
    let Some(text) = port.filter(|p| !p.is_empty()) else {
        return Ok(DEFAULT_PORT);
    };
    let number = parse_int_param(text).ok_or_else(|| invalid(msg::url_port_not_number()))?;
    u16::try_from(number)
        .ok()
        .filter(|&p| p != 0)
        .ok_or_else(|| invalid(msg::url_port_range(&url::printable(text))))
}

/// `strtol` as libpq's `parse_int_param` uses it: whitespace before, an
/// optional sign, decimal digits, whitespace after, fits in an `int`.
fn parse_int_param(text: &str) -> Option<i64> {
    let trimmed = text.trim_start_matches(is_c_space);
    let trimmed = trimmed.trim_end_matches(is_c_space);
    let digits = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number: i64 = trimmed.strip_prefix('+').unwrap_or(trimmed).parse().ok()?;
    i32::try_from(number).ok().map(i64::from)
}

/// C's `isspace` in the C locale.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// `ssl_min_protocol_version` must not exceed `ssl_max_protocol_version`.
fn check_protocol_range(info: &Conninfo) -> Result<(), UrlError> {
    let rank = |key: &str| {
        info.get(key)
            .filter(|v| !v.is_empty())
            .and_then(tls_version_rank)
    };
    match (
        rank("ssl_min_protocol_version"),
        rank("ssl_max_protocol_version"),
    ) {
        (Some(min), Some(max)) if min > max => {
            Err(invalid(msg::pg_bad_param_value("ssl_min_protocol_version")))
        }
        _ => Ok(()),
    }
}

fn tls_version_rank(value: &str) -> Option<u8> {
    ["tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3"]
        .iter()
        .position(|v| value.eq_ignore_ascii_case(v))
        .and_then(|i| u8::try_from(i).ok())
}

/// Parameters railconn does not act on still have to be valid: libpq
/// refuses the URL otherwise (`invalid integer value`, `invalid
/// gssencmode value`), and so would the app.
fn check_ignored_value(key: &str, value: &str) -> Result<(), UrlError> {
    let allowed: &[&str] = match key {
        "connect_timeout"
        | "keepalives"
        | "keepalives_idle"
        | "keepalives_interval"
        | "keepalives_count"
        | "tcp_user_timeout" => {
            return parse_int_param(value)
                .map(|_| ())
                .ok_or_else(|| invalid(msg::pg_bad_param_value(key)));
        }
        "ssl_min_protocol_version" | "ssl_max_protocol_version" => {
            return if value.is_empty() || tls_version_rank(value).is_some() {
                Ok(())
            } else {
                Err(invalid(msg::pg_bad_param_value(key)))
            };
        }
        "sslcertmode" => &["disable", "allow", "require"],
        "gssencmode" => &["disable", "prefer", "require"],
        "sslnegotiation" => &["postgres", "direct"],
        "load_balance_hosts" => &["disable", "random"],
        _ => return Ok(()),
    };
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(invalid(msg::pg_bad_param_value(key)))
    }
}

fn invalid(message: Message) -> UrlError {
    UrlError {
        code: Code::InvalidUrl,
        message,
    }
}

fn parse_sslmode(value: &str) -> Result<SslMode, UrlError> {
    SslMode::parse(value).ok_or_else(|| invalid(msg::pg_bad_sslmode(&url::printable(value))))
}

/// libpq refuses a value it does not know (fe-connect.c
/// `pqConnectOptions2`, "invalid `target_session_attrs` value").
fn parse_session_attrs(value: &str) -> Result<SessionAttrs, UrlError> {
    SessionAttrs::parse(value)
        .ok_or_else(|| invalid(msg::pg_bad_param_value("target_session_attrs")))
}

fn parse_require_auth(value: &str) -> Result<RequireAuth, UrlError> {
    RequireAuth::parse(value).ok_or_else(|| invalid(msg::pg_bad_param_value("require_auth")))
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
        other => Err(invalid(msg::pg_bad_channel_binding(&url::printable(other)))),
    }
}

/// `sslrootcert=system` makes verify-full the default and forbids weaker
/// modes (PostgreSQL 16 libpq docs, "sslrootcert").
/// libpq 17 `sslnegotiation`: `postgres` (the default) or `direct`.
fn parse_negotiation(value: Option<&str>) -> Result<bool, UrlError> {
    match value {
        None | Some("" | "postgres") => Ok(false),
        Some("direct") => Ok(true),
        Some(_) => Err(invalid(msg::pg_bad_param_value("sslnegotiation"))),
    }
}

/// libpq 17 refuses direct TLS below `sslmode=require`: a server without
/// it could otherwise get the password in plaintext after a fallback
/// (fe-connect.c, "weak sslmode ... may not be used with
/// sslnegotiation=direct").
fn check_direct(target: &PgTarget) -> Result<(), UrlError> {
    let weak = matches!(
        target.sslmode,
        SslMode::Disable | SslMode::Allow | SslMode::Prefer
    );
    if target.direct_tls && weak {
        return Err(invalid(crate::i18n::msg::pg_direct_needs_require(
            target.sslmode.as_str(),
        )));
    }
    Ok(())
}

fn resolve_sslmode(
    explicit: Option<SslMode>,
    root: Option<&RootCert>,
) -> Result<SslMode, UrlError> {
    match (explicit, root) {
        (None, Some(RootCert::System)) => Ok(SslMode::VerifyFull),
        (Some(mode), Some(RootCert::System)) if mode != SslMode::VerifyFull => Err(invalid(
            msg::pg_system_root_needs_verify_full(mode.as_str()),
        )),
        (mode, _) => Ok(mode.unwrap_or(SslMode::Prefer)),
    }
}

impl From<&RootCert> for crate::net::tls::Roots {
    fn from(root: &RootCert) -> Self {
        match root {
            RootCert::System => crate::net::tls::Roots::System,
            RootCert::File(path) => crate::net::tls::Roots::File(path.clone()),
            RootCert::Node(extra) => crate::net::tls::Roots::Node(extra.clone()),
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
        // libpq reads `#` literally; other parsers cut there (a finding).
        let t = PgTarget::parse("postgresql://u@h/d#x").unwrap();
        assert_eq!(t.dbname.as_deref(), Some("d#x"));
        assert_eq!(t.portability, [Portability::Hash]);
        // An empty user is the default user; an empty sslmode is invalid
        // (libpq: invalid sslmode value: "").
        let t = PgTarget::parse("postgresql://u@h/d?user=").unwrap();
        assert_eq!(t.user, None);
        assert!(PgTarget::parse("postgresql://u@h/d?sslmode=").is_err());
    }

    /// `require_auth` as libpq 16 reads it: known methods, all negated or
    /// none, each once.
    #[test]
    fn require_auth_lists_are_read_as_libpq_reads_them() {
        use crate::source::EnvSource;
        let read = |v: &str| {
            PgTarget::parse(&format!("postgres://u@h/d?require_auth={v}"))
                .map(|t| t.require_auth.unwrap())
        };
        let scram = read("scram-sha-256").unwrap();
        assert!(scram.allows("scram-sha-256") && !scram.allows("md5") && !scram.allows("none"));
        let not_none = read("!none").unwrap();
        assert!(not_none.allows("md5") && !not_none.allows("none"));
        assert!(read("password,md5").unwrap().allows("password"));
        for bad in ["scram", "md5,!none", "md5,md5", "!md5,none"] {
            assert!(read(bad).is_err(), "{bad}");
        }
        let env = EnvSource::from_pairs([("PGREQUIREAUTH", "md5")]);
        let mut target = PgTarget::parse("postgres://u@h/d").unwrap();
        target.fill_from_env(&env).unwrap();
        assert!(target.require_auth.is_some_and(|r| r.allows("md5")));
    }

    /// `PGTARGETSESSIONATTRS` fills a URL without the parameter, except
    /// for node-postgres, which reads neither.
    #[test]
    fn session_attrs_come_from_the_url_or_the_environment() {
        use crate::source::EnvSource;
        let env = EnvSource::from_pairs([("PGTARGETSESSIONATTRS", "standby")]);
        let mut target = PgTarget::parse("postgres://u@h/d").unwrap();
        target.fill_from_env(&env).unwrap();
        assert_eq!(target.session_attrs, SessionAttrs::Standby);
        let mut node = PgTarget::parse("postgres://u@h/d").unwrap();
        node.fill_from_env_node(&env).unwrap();
        assert_eq!(node.session_attrs, SessionAttrs::Any);
        let mut given = PgTarget::parse("postgres://u@h/d?target_session_attrs=primary").unwrap();
        given.fill_from_env(&env).unwrap();
        assert_eq!(given.session_attrs, SessionAttrs::Primary);
        let bad = EnvSource::from_pairs([("PGTARGETSESSIONATTRS", "replica")]);
        assert!(
            PgTarget::parse("postgres://u@h/d")
                .unwrap()
                .fill_from_env(&bad)
                .is_err()
        );
    }

    /// The hosts of a list without their own port get `PGPORT` for
    /// asyncpg and postgres.js; the others keep theirs.
    #[test]
    fn blank_ports_of_a_host_list_take_pgport() {
        let mut target = PgTarget::parse("postgres://u@h1:6000,h2/d").unwrap();
        assert_eq!(target.hosts[1].1, 5432, "libpq dials 5432");
        assert!(target.fill_blank_ports("7000"));
        assert_eq!(target.hosts, [("h1".into(), 6000), ("h2".into(), 7000)]);
        let mut both = PgTarget::parse("postgres://u@h1,h2/d").unwrap();
        assert!(both.fill_blank_ports("7000,7001"));
        assert_eq!((both.port, both.hosts[1].1), (7000, 7001));
        assert!(!both.fill_blank_ports("1,2,3"), "a list that does not fit");
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

    /// Issue 10: what libpq 15 refuses, railconn refused too little of.
    #[test]
    fn what_libpq_refuses_is_invalid() {
        for raw in [
            "postgresql://h/db?application_name=%zz",
            "postgresql://h/db?zzz",
            "postgresql://h/db?uzer=",
            "postgresql://h/db?sslmode=",
            "postgresql://h/db?application_name=a=b",
            "postgresql://%zz/db",
            "postgresql://h/d%zz",
        ] {
            let error = PgTarget::parse(raw).unwrap_err();
            assert_eq!(error.code, Code::InvalidUrl, "{raw}");
        }
        let e = PgTarget::parse("postgresql://h/db?application_name=%zz").unwrap_err();
        assert!(
            e.message.contains("invalid percent-encoded token"),
            "{}",
            e.message
        );
    }

    /// Issue 10: what libpq accepts dials where libpq dials.
    #[test]
    fn what_libpq_accepts_dials_the_same_place() {
        let t = PgTarget::parse("postgres://host:/").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("host", 5432));
        let t = PgTarget::parse("postgresql://db.example/app?hostaddr=127.0.0.1").unwrap();
        assert_eq!(
            (t.host.as_str(), t.dial_host().as_str()),
            ("db.example", "127.0.0.1")
        );
        let t = PgTarget::parse("postgresql://?hostaddr=127.1").unwrap();
        assert_eq!(t.dial_host(), "127.0.0.1");
        let t = PgTarget::parse("postgresql://h/db?port=6543&host=other").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("other", 6543));
    }

    /// Issue 20: a host list is every host and its port, in order, as
    /// libpq pairs them; what libpq would refuse when connecting is
    /// refused, and sockets in a list are refused as a socket alone is.
    #[test]
    fn host_lists_are_every_host_in_order() {
        let t = PgTarget::parse("postgresql://u@h1:5433,h2/db").unwrap();
        let pairs = |list: &[(&str, u16)]| -> Vec<(String, u16)> {
            list.iter().map(|(h, p)| ((*h).to_string(), *p)).collect()
        };
        assert_eq!(t.hosts, pairs(&[("h1", 5433), ("h2", 5432)]));
        assert_eq!((t.host.as_str(), t.port), ("h1", 5433));
        let t = PgTarget::parse("postgresql://u@/db?host=a,b&port=1,2").unwrap();
        assert_eq!(t.hosts, pairs(&[("a", 1), ("b", 2)]));
        let t = PgTarget::parse("postgresql://u@/db?host=a,b&port=6432").unwrap();
        assert_eq!(t.hosts, pairs(&[("a", 6432), ("b", 6432)]));
        let t = PgTarget::parse("postgresql://u@h:6432/db").unwrap();
        assert_eq!(t.hosts, pairs(&[("h", 6432)]));
        for refused in [
            "postgresql://u@/db?host=a,b&port=1,2,3",
            "postgresql://u@a,b/db?hostaddr=127.0.0.1,127.0.0.2",
        ] {
            assert!(PgTarget::parse(refused).is_err(), "{refused}");
        }
    }

    /// Issue 20: libpq's Unix-socket forms, each with the socket file it
    /// dials: a path host in the query or percent-encoded, no host at all
    /// (the default directory), `@name` (abstract), sockets in a list, and
    /// an empty entry of a list (the default directory too).
    #[test]
    fn unix_sockets_are_read_as_libpq_reads_them() {
        let socket = |raw: &str| {
            let t = PgTarget::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e:?}"));
            t.socket().map(|p| crate::net::stream::shown(&p))
        };
        let cases = [
            (
                "postgresql://u@/db?host=/tmp/pg&port=6000",
                "/tmp/pg/.s.PGSQL.6000",
            ),
            (
                "postgres://%2Fvar%2Flib%2Fpostgresql/dbname",
                "/var/lib/postgresql/.s.PGSQL.5432",
            ),
            ("postgresql://%2Ftmp%2F:5433/db", "/tmp/.s.PGSQL.5433"),
            ("postgresql:///db", "/var/run/postgresql/.s.PGSQL.5432"),
            ("postgresql://user@/db", "/var/run/postgresql/.s.PGSQL.5432"),
            (
                "postgresql:///db?port=5433",
                "/var/run/postgresql/.s.PGSQL.5433",
            ),
            (
                "postgresql://h/db?host=/var/run/postgresql",
                "/var/run/postgresql/.s.PGSQL.5432",
            ),
            ("postgresql:///db?host=@pg", "@pg/.s.PGSQL.5432"),
            ("postgresql://u@/db?host=/a/b%20c", "/a/b c/.s.PGSQL.5432"),
        ];
        for (raw, file) in cases {
            assert_eq!(socket(raw).as_deref(), Some(file), "{raw}");
        }
        assert!(PgTarget::parse("postgresql:///db").unwrap().default_host);
        assert!(
            !PgTarget::parse("postgresql:///db?host=/x")
                .unwrap()
                .default_host
        );
        // hostaddr wins: libpq dials it over TCP.
        assert_eq!(socket("postgresql:///db?host=/x&hostaddr=127.0.0.1"), None);
        // `@:5432` stays the broken reference it almost always is.
        let e = PgTarget::parse("postgresql://u:pw@:5432/db").unwrap_err();
        assert!(e.message.contains("reference"), "{}", e.message);
        let t = PgTarget::parse("postgresql://u@/db?host=/s,h,&port=1,2,3").unwrap();
        let hosts: Vec<_> = t.hosts.iter().map(|(h, p)| (h.as_str(), *p)).collect();
        assert_eq!(hosts, [("/s", 1), ("h", 2), (DEFAULT_SOCKET_DIR, 3)]);
        let parts = t.parts();
        assert_eq!(parts.hosts[0].socket.as_deref(), Some("/s/.s.PGSQL.1"));
        assert_eq!(parts.hosts[1].socket, None);
        assert!(t.is_loopback(), "a socket never leaves the machine");
    }

    /// Issue 20: an empty host is `PGHOST` when it is set, a list too.
    #[test]
    fn an_empty_host_takes_pghost() {
        use crate::source::EnvSource;
        let mut t = PgTarget::parse("postgresql:///db?port=6000").unwrap();
        let env = EnvSource::from_pairs([("PGHOST", "/run/pg,db.example")]);
        t.fill_from_env(&env).unwrap();
        assert_eq!(t.host, "/run/pg");
        assert_eq!(t.hosts[1], ("db.example".to_string(), 6000));
        let mut given = PgTarget::parse("postgresql://h/db").unwrap();
        given.fill_from_env(&env).unwrap();
        assert_eq!(given.host, "h");
    }

    /// postgres.js takes any `PGSSLMODE` as its `ssl` option: `no-verify`,
    /// which libpq refuses, is Node's verifying default there.
    #[test]
    fn postgres_js_reads_any_pgsslmode() {
        use crate::source::EnvSource;
        let env = EnvSource::from_pairs([("PGSSLMODE", "no-verify")]);
        let mut t = PgTarget::parse("postgresql://h/db").unwrap();
        assert!(t.clone().fill_from_env(&env).is_err(), "libpq refuses it");
        t.fill_from_env_postgres_js(&env).unwrap();
        assert_eq!(t.sslmode, SslMode::VerifyFull);
    }

    /// `PGPORT` fills a URL without a port, as libpq and every driver
    /// read it (the matrix's `env_pgport_*` cases); a URL's port wins.
    #[test]
    fn a_url_without_a_port_takes_pgport() {
        use crate::source::EnvSource;
        let env = EnvSource::from_pairs([("PGPORT", "6000")]);
        let mut t = PgTarget::parse("postgresql://u@h/db").unwrap();
        let findings = t.fill_from_env(&env).unwrap();
        assert_eq!((t.port, t.hosts[0].1), (6000, 6000));
        assert_eq!(findings.len(), 1, "PGPORT is named");
        for given in ["postgresql://h:5433/db", "postgresql://h/db?port=5433"] {
            let mut t = PgTarget::parse(given).unwrap();
            t.fill_from_env(&env).unwrap();
            assert_eq!(t.port, 5433, "{given}");
        }
        // An authority list has a port option even without numbers (`,`),
        // so libpq dials 5432 there; the query's host list has none.
        let mut list = PgTarget::parse("postgresql:///db?host=a,b").unwrap();
        list.fill_from_env(&EnvSource::from_pairs([("PGPORT", "6000,6001")]))
            .unwrap();
        assert_eq!(list.hosts[1], ("b".to_string(), 6001));
        let mut bad = PgTarget::parse("postgresql://h/db").unwrap();
        assert!(
            bad.fill_from_env(&EnvSource::from_pairs([("PGPORT", "x")]))
                .is_err()
        );
    }

    /// Issue 10: the target is shown as given, only secrets masked.
    #[test]
    fn the_target_is_shown_as_given() {
        let t = PgTarget::parse(
            "postgresql://us%65r:p%40ss@h/d%C3%A9?options=-c%20a%3Db&password=x&sslpassword=y",
        )
        .unwrap();
        assert_eq!(
            t.redacted,
            "postgresql://us%65r:***@h/d%C3%A9?options=-c%20a%3Db&password=***&sslpassword=***"
        );
    }

    /// A driver's query shown as given keeps every secret masked, however
    /// its name is written (review of 2026-12-02).
    #[test]
    fn a_query_shown_as_given_masks_secrets() {
        let mut t = PgTarget::parse("postgresql://u:pw@h/d?sslmode=require").unwrap();
        t.show_query_as_given("sslmode=no-verify&sslpassword=S1&%70assword=S2&PassWord=S3&a=b");
        assert_eq!(
            t.redacted,
            "postgresql://u:***@h/d?sslmode=no-verify&sslpassword=***&%70assword=***&PassWord=***&a=b"
        );
    }

    /// libpq 17 judges `sslnegotiation=direct` against the mode it ends up
    /// with, `PGSSLMODE` included (checked with the libpq 18 that psycopg
    /// 3.3.9 bundles: `PGSSLMODE=require` reaches the handshake, `prefer`
    /// and `disable` are refused as weak, a URL's own `sslmode` wins).
    #[test]
    fn direct_tls_takes_its_sslmode_from_pgsslmode_too() {
        use crate::source::EnvSource;
        let url = "postgresql://u@h/d?sslnegotiation=direct";
        let filled = |env: &[(&str, &str)]| {
            let mut t = PgTarget::parse(url).expect("judged after the environment");
            t.fill_from_env(&EnvSource::from_pairs(env.iter().copied()))
                .map(|_| t.sslmode)
        };
        assert_eq!(
            filled(&[("PGSSLMODE", "require")]).ok(),
            Some(SslMode::Require)
        );
        assert_eq!(
            filled(&[("PGSSLMODE", "verify-full")]).ok(),
            Some(SslMode::VerifyFull)
        );
        for weak in [
            &[][..],
            &[("PGSSLMODE", "prefer")],
            &[("PGSSLMODE", "disable")],
        ] {
            assert!(filled(weak).is_err(), "{weak:?}");
        }
        let given = "postgresql://u@h/d?sslnegotiation=direct&sslmode=prefer";
        assert!(PgTarget::parse(given).is_err());
        let mut t = PgTarget::parse(&format!("{url}&sslmode=require")).unwrap();
        let env = EnvSource::from_pairs([("PGSSLMODE", "disable")]);
        assert!(t.fill_from_env(&env).is_ok());
    }

    /// `PGSSLNEGOTIATION` is `sslnegotiation` when the URL has none, as
    /// libpq 17 reads it (psycopg2-binary 2.9.13 bundles libpq 17.0.11,
    /// psycopg 3.3.9 libpq 18.0.6: both read it): `direct` below
    /// `sslmode=require` is refused as the URL's own would be, the URL's
    /// parameter wins, and a value libpq refuses is refused.
    #[test]
    fn pgsslnegotiation_is_read_as_libpq_reads_it() {
        use crate::source::EnvSource;
        let filled = |url: &str, env: &[(&str, &str)]| {
            let mut t = PgTarget::parse(url).unwrap();
            t.fill_from_env(&EnvSource::from_pairs(env.iter().copied()))
                .map(|_| t.direct_tls)
        };
        let plain = "postgresql://u@h/d";
        let direct = [("PGSSLNEGOTIATION", "direct")];
        assert!(filled(plain, &direct).is_err(), "weak default sslmode");
        let require = "postgresql://u@h/d?sslmode=require";
        assert_eq!(filled(require, &direct).ok(), Some(true));
        let both = [("PGSSLNEGOTIATION", "direct"), ("PGSSLMODE", "verify-full")];
        assert_eq!(filled(plain, &both).ok(), Some(true));
        let url_wins = "postgresql://u@h/d?sslnegotiation=postgres";
        assert_eq!(filled(url_wins, &direct).ok(), Some(false));
        let url_direct = "postgresql://u@h/d?sslmode=require&sslnegotiation=direct";
        let postgres = [("PGSSLNEGOTIATION", "postgres")];
        assert_eq!(filled(url_direct, &postgres).ok(), Some(true));
        assert_eq!(filled(plain, &postgres).ok(), Some(false));
        for bad in ["Direct", "tls", " "] {
            let err = filled(require, &[("PGSSLNEGOTIATION", bad)]).unwrap_err();
            assert!(
                format!("{err:?}").contains("pg_bad_env_sslnegotiation"),
                "{bad:?}"
            );
        }
        let mut t = PgTarget::parse(require).unwrap();
        let findings = t.fill_from_env(&EnvSource::from_pairs(direct)).unwrap();
        assert!(
            findings
                .iter()
                .any(|f| format!("{:?}", f.message).contains("PGSSLNEGOTIATION")),
            "the report says the variable was read: {findings:?}"
        );
    }

    /// No user in the URL nor `PGUSER`: node-postgres takes `$USER` (none
    /// when unset), libpq and postgres.js the process's account.
    #[test]
    fn the_default_user_is_each_drivers() {
        let env = crate::source::EnvSource::from_pairs([("USER", "from-env")]);
        assert_eq!(
            default_user(&env, EnvReader::NodePostgres).as_deref(),
            Some("from-env")
        );
        let empty = crate::source::EnvSource::from_pairs([("LANG", "C")]);
        assert_eq!(default_user(&empty, EnvReader::NodePostgres), None);
        assert_eq!(default_user(&empty, EnvReader::Libpq), os_account());
        let mut target = PgTarget::parse("postgresql://127.0.0.1/db").unwrap();
        let pguser =
            crate::source::EnvSource::from_pairs([("PGUSER", "app"), ("USER", "from-env")]);
        target.fill_from_env_node(&pguser).unwrap();
        assert_eq!(target.user.as_deref(), Some("app"));
    }

    /// node-postgres 8.23.1 reads `PGSSLNEGOTIATION` too
    /// (`connection-parameters.js`, `val`); empty is unset to it as here.
    #[test]
    fn node_postgres_reads_pgsslnegotiation() {
        use crate::source::EnvSource;
        let node = |value: &str| {
            let mut t = PgTarget::parse("postgresql://u@h/d?sslmode=require").unwrap();
            t.fill_from_env_node(&EnvSource::from_pairs([("PGSSLNEGOTIATION", value)]))
                .map(|_| t.direct_tls)
        };
        assert_eq!(node("direct").ok(), Some(true));
        assert_eq!(node("").ok(), Some(false));
        assert!(node("tls").is_err());
    }
}
