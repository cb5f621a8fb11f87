//! PostgreSQL drivers that read a URL differently from libpq. The target
//! the check probes becomes the one the app's strictest driver makes of
//! the URL; the rule says which driver and why.
//!
//! - node-postgres (`pg` ≥ 8, pg-connection-string 2.x): `sslmode=prefer`,
//!   `require` and `verify-ca` are aliases of `verify-full` (and `allow`, which it has no case for) — the chain is
//!   verified against Node's CA store (or `sslrootcert`) and the host name
//!   checked — unless `uselibpqcompat=true` (pg-connection-string
//!   `index.js`, `parse`: the non-compat `switch (config.sslmode)` leaves
//!   `ssl = {}`, i.e. `rejectUnauthorized` true, and prints "SECURITY
//!   WARNING: The SSL modes 'prefer', 'require', and 'verify-ca' are treated
//!   as aliases for 'verify-full'"). `prefer` gets no plaintext retry:
//!   node-postgres fails when the server declines TLS
//!   (pg `lib/connection.js`, "The server does not support SSL connections").
//!   Before pg 8.0 `ssl` without `rejectUnauthorized` did not verify (pg
//!   CHANGELOG 8.0.0), so older versions read the URL as libpq does.
//! - asyncpg (`connect_utils.py`, `_parse_connect_dsn_and_args`): `sslmode`
//!   from the URL, but `sslrootcert` is always a file name — libpq's
//!   `sslrootcert=system` (PostgreSQL 16) becomes
//!   `load_verify_locations(cafile="system")`, a `FileNotFoundError` at
//!   connect time once the mode is `require` or stricter. With no `sslmode`
//!   asyncpg's default is `prefer` without verification, where libpq makes
//!   `sslrootcert=system` mean `verify-full`.

use super::{Driver, DriverEnv, Drivers, Found, Rule};
use crate::i18n::{Message, msg};
use crate::model::{CheckName, Code};
use crate::service::postgres::url::{
    ChannelBinding, PgTarget, PreferFallback, RootCert, SessionAttrs, SslMode,
};
use crate::service::setting::Setting;
use crate::source::url::UrlError;

/// Judges the PostgreSQL target by the app's PostgreSQL drivers.
/// `env`: what node-postgres reads from the environment.
/// `check`: the check whose target `setting` is.
pub(super) fn judge(
    drivers: &Drivers,
    check: CheckName,
    setting: &mut Setting<PgTarget>,
    env: &DriverEnv,
) -> Vec<Rule> {
    if let Setting::Invalid { error, .. } = setting {
        return node_postgres_terms_refused(drivers, check, error)
            .into_iter()
            .collect();
    }
    let Setting::Ready {
        target, findings, ..
    } = setting
    else {
        return Vec::new();
    };
    let refused = super::refusals::refusal(drivers, target, findings)
        .or_else(|| super::sockets::refusal(drivers, target, findings))
        .map(|r| refused_before_connecting(check, r.does, r.cause, r.fix))
        .or_else(|| {
            drivers
                .get(Driver::Asyncpg)
                .and_then(|asyncpg| asyncpg_system_root(asyncpg, target, check))
        })
        .or_else(|| {
            drivers
                .get(Driver::NodePostgres)
                .and_then(|node| node_postgres_unreadable_root(node, target, check))
        })
        .or_else(|| {
            drivers
                .get(Driver::PostgresJs)
                .and_then(|js| postgres_js_session_attrs(js, target, env, check))
        });
    if let Some((error, rule)) = refused {
        setting.refuse(error);
        return vec![rule];
    }
    let mut rules: Vec<Rule> = super::prepared::judge(drivers, check, target, findings)
        .into_iter()
        .collect();
    rules.extend(super::sockets::plan(drivers, target, check));
    // `uselibpqcompat=true` and `sslmode=no-verify` were read into libpq's
    // terms already (config::reading::postgres_node).
    let libpq_terms = findings.iter().any(|f| {
        matches!(
            f.message.id(),
            "driver_node_pg_compat" | "driver_node_pg_no_verify"
        )
    });
    let compat = findings
        .iter()
        .any(|f| f.message.id() == "driver_node_pg_compat");
    if compat && target.sslmode == SslMode::VerifyFull {
        // Compat `verify-full` is `ssl = {}`: Node's CA store, not libpq's
        // `~/.postgresql/root.crt`.
        verify_full_with(target, &env.node_roots);
    }
    if let Some(node) = drivers.get(Driver::NodePostgres).filter(|_| !libpq_terms) {
        rules.extend(node_postgres(node, target, env, check));
    }
    if drivers.only_node_postgres() && target.channel_binding == ChannelBinding::Require {
        // pg 8.23.1 (`lib/client.js`) binds the channel only when the code
        // sets `enableChannelBinding`; the URL's `channel_binding` is not
        // read: SCRAM-SHA-256 without binding.
        target.channel_binding = ChannelBinding::Disable;
        let does = msg::driver_node_pg_channel_binding(
            drivers
                .get(Driver::NodePostgres)
                .map(ToString::to_string)
                .unwrap_or_default(),
        );
        rules.push(Rule {
            check,
            does: does.clone(),
            fails_with: Vec::new(),
            cause: does,
            fix: msg::driver_node_pg_channel_binding_fix(),
        });
    }
    session_plan(drivers, target, env);
    if let Some(js) = drivers.get(Driver::PostgresJs) {
        rules.extend(postgres_js(js, target, env, check));
    }
    // SQLAlchemy is a layer over the wire driver, not a reader of its own.
    let only_asyncpg = drivers
        .of(CheckName::POSTGRES)
        .all(|f| matches!(f.driver, Driver::Asyncpg | Driver::Sqlalchemy));
    if let Some(asyncpg) = drivers.get(Driver::Asyncpg).filter(|_| only_asyncpg) {
        rules.extend(asyncpg_default_prefer(asyncpg, target, check));
    }
    rules
}

/// What each driver makes of the session parameters: `PGPORT` for the
/// hosts of a list that name no port, `require_auth` and
/// `target_session_attrs` (libpq's reading stays when a libpq driver is
/// among the app's).
fn session_plan(drivers: &Drivers, target: &mut PgTarget, env: &DriverEnv) {
    let not_libpq = drivers.of(CheckName::POSTGRES).all(|f| {
        matches!(
            f.driver,
            Driver::Asyncpg | Driver::Sqlalchemy | Driver::PostgresJs
        )
    });
    let reads_pgport =
        drivers.get(Driver::Asyncpg).is_some() || drivers.get(Driver::PostgresJs).is_some();
    // SQLAlchemy hands an authority list without ports to libpq as the
    // host `h1,h2` and no port, so libpq reads `PGPORT` for every host
    // (`driver::refusals`, `host_list`).
    let sa_unported = drivers.get(Driver::Sqlalchemy).is_some()
        && !target.blank_ports.is_empty()
        && target.blank_ports.iter().all(|blank| *blank);
    if let Some(pgport) = env
        .pgport
        .as_deref()
        .filter(|_| (not_libpq && reads_pgport) || sa_unported)
    {
        target.fill_blank_ports(pgport);
    }
    let only_asyncpg =
        drivers.get(Driver::PostgresJs).is_none() && drivers.get(Driver::Asyncpg).is_some();
    if not_libpq && only_asyncpg {
        // asyncpg 0.32.0 reads no `PGREQUIREAUTH` (`connect_utils.py`), and
        // `require_auth` in its URL is refused before (`driver::refusals`).
        target.require_auth = None;
    }
    if drivers.only_node_postgres() {
        // pg 8.23.1 has no `target_session_attrs`: pg-connection-string
        // copies the query into the config and `lib/client.js` never reads
        // it, so the first host that accepts the login is the session.
        target.session_attrs = SessionAttrs::Any;
        // Nor `require_auth`: pg answers whatever method the server asks
        // for (`lib/client.js`, `_handleAuth*`).
        target.require_auth = None;
    }
}

/// postgres.js's TLS plan (4.2.0: `src/index.js` `parseOptions`,
/// `certificates`, `withCertificates`; `src/socket.js` `secureOptions`;
/// `src/startup.js` `negotiate`, `open`). Its `ssl` option is the URL's `sslmode`,
/// else its `ssl`, else `PGSSLMODE`, else `false`: no TLS unless asked.
/// `disable` and `false` are no TLS; `require` is TLS without
/// verification, and `prefer` and `allow` the same with a plaintext
/// connection when the server answers the `SSLRequest` with `N` (no retry
/// after a failure over TLS); any other value (`true`, `verify-full`,
/// `verify-ca`) is Node's default: chain and host name against Node's
/// store. `PGSSLROOTCERT` is never read. `sslrootcert=system` means
/// `verify-full`; a CA file alone makes the mode `PGSSLMODE` or `require`,
/// and with a file `true`/`verify-full` verify chain and name against it,
/// every other mode the chain only (`checkServerIdentity` is a no-op).
fn postgres_js(
    js: &Found,
    target: &mut PgTarget,
    env: &DriverEnv,
    check: CheckName,
) -> Option<Rule> {
    let last = |name: &str| {
        super::refusals::query_pairs(target)
            .filter(|(key, _)| *key == name)
            .last()
            .map(|(_, value)| value.to_string())
    };
    let mut ssl = last("sslmode").or_else(|| last("ssl"));
    let root = target
        .sslrootcert
        .clone()
        .filter(|_| target.sslrootcert_given);
    let (system, file) = match root {
        Some(RootCert::System) => (true, None),
        Some(RootCert::File(path)) => (false, Some(path)),
        _ => (false, None),
    };
    if system {
        ssl = Some("verify-full".to_string());
    }
    if file.is_some() && ssl.is_none() {
        ssl = Some(
            env.pgsslmode
                .clone()
                .unwrap_or_else(|| "require".to_string()),
        );
    }
    let ssl = ssl.or_else(|| env.pgsslmode.clone()).unwrap_or_default();
    let before = (target.sslmode, target.sslrootcert.clone());
    target.prefer_fallback = PreferFallback::Nothing;
    let driver = js.to_string();
    let rule = match (ssl.as_str(), file) {
        ("" | "disable" | "false", _) => {
            target.sslmode = SslMode::Disable;
            target.sslrootcert = None;
            Some(Rule {
                check,
                does: msg::driver_postgresjs_plaintext(driver.clone()),
                fails_with: vec![Code::TlsRequired],
                cause: msg::driver_postgresjs_plaintext_cause(driver),
                fix: msg::driver_postgresjs_plaintext_fix(),
            })
        }
        ("true" | "verify-full", Some(path)) => {
            target.sslmode = SslMode::VerifyFull;
            target.sslrootcert = Some(RootCert::File(path));
            None
        }
        (_, Some(path)) => {
            target.sslmode = SslMode::VerifyCa;
            target.sslrootcert = Some(RootCert::File(path));
            None
        }
        ("require", None) => {
            target.sslmode = SslMode::Require;
            target.sslrootcert = None;
            None
        }
        ("prefer" | "allow", None) => {
            target.sslmode = SslMode::Prefer;
            target.sslrootcert = None;
            None
        }
        (_, None) => {
            target.sslmode = SslMode::VerifyFull;
            target.sslrootcert = Some(env.node_roots.clone());
            Some(Rule {
                check,
                does: msg::driver_postgresjs_verifies(driver.clone()),
                fails_with: vec![Code::CertificateInvalid, Code::TlsHandshakeFailed],
                cause: msg::driver_postgresjs_verifies_cause(driver),
                fix: msg::driver_postgresjs_verifies_fix(),
            })
        }
    };
    // Said only when postgres.js reads the URL otherwise than libpq does.
    rule.filter(|_| before != (target.sslmode, target.sslrootcert.clone()))
}

/// postgres.js 4.2.0 (`src/index.js`, `tsa`) reads `target_session_attrs`
/// from the URL, else `PGTARGETSESSIONATTRS`, and throws
/// "`target_session_attrs` any is not supported" for any value but `read-write`, `read-only`,
/// `primary`, `standby` and `prefer-standby` — libpq's default `any`
/// included — when the client is made, before dialing.
fn postgres_js_session_attrs(
    js: &Found,
    target: &PgTarget,
    env: &DriverEnv,
    check: CheckName,
) -> Option<(UrlError, Rule)> {
    const READS: &[&str] = &[
        "read-write",
        "read-only",
        "primary",
        "standby",
        "prefer-standby",
    ];
    let value = super::refusals::query_pairs(target)
        .find(|(key, _)| *key == "target_session_attrs")
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty())
        .or_else(|| env.pgtargetsessionattrs.clone())?;
    if READS.contains(&value.as_str()) {
        return None;
    }
    let (driver, value) = (js.to_string(), crate::source::url::printable(&value));
    Some(refused_before_connecting(
        check,
        msg::driver_postgresjs_session_attrs(driver.clone(), value.clone()),
        msg::driver_postgresjs_session_attrs_cause(driver),
        msg::driver_postgresjs_session_attrs_fix(),
    ))
}

/// node-postgres's reading of `sslmode`: anything but `disable` and
/// `no-verify` verifies the certificate and the host name; no `sslmode`
/// at all (nor `PGSSLMODE`) is no TLS.
fn node_postgres(
    node: &Found,
    target: &mut PgTarget,
    env: &DriverEnv,
    check: CheckName,
) -> Vec<Rule> {
    // pg < 8: `ssl: true` did not set rejectUnauthorized (pg 8.0.0 changelog).
    if node.older_than(&[8]) {
        return Vec::new();
    }
    if !target.sslmode_given {
        if target.sslrootcert_given || env.pgsslmode.is_none() {
            return node_postgres_plaintext(node, target, &env.node_roots, check);
        }
        // PGSSLMODE alone: pg reads every mode but `disable` as `ssl: true`,
        // which verifies (`connection-parameters.js`,
        // `readSSLConfigFromEnvironment`); `no-verify` was read in
        // `PgTarget::fill_from_env_node`.
        if target.sslmode == SslMode::Disable {
            return Vec::new();
        }
        return node_postgres_verifies(node, target, &env.node_roots, check);
    }
    let mode = target.sslmode;
    if mode == SslMode::VerifyFull {
        return node_postgres_verifies(node, target, &env.node_roots, check);
    }
    // `allow` too: pg-connection-string 2.14.1 has no case for it, so it
    // falls to `ssl = {}` (verify-full), with no plaintext retry.
    if !matches!(
        mode,
        SslMode::Allow | SslMode::Prefer | SslMode::Require | SslMode::VerifyCa
    ) {
        return Vec::new();
    }
    verify_full_with(target, &env.node_roots);
    let driver = node.to_string();
    let does = msg::driver_node_pg_verify_full(driver.clone(), mode.as_str());
    vec![
        Rule {
            check,
            does: does.clone(),
            fails_with: vec![Code::CertificateInvalid, Code::TlsHandshakeFailed],
            cause: msg::driver_node_pg_cause(driver.clone(), mode.as_str()),
            fix: msg::driver_node_pg_fix(),
        },
        without_tls(check, does, driver, mode),
    ]
}

/// A server without TLS: pg fails "The server does not support SSL
/// connections" (`lib/connection.js`) under every `sslmode` but `disable`,
/// with no plaintext retry; no certificate setting helps, only asking for
/// no TLS.
fn without_tls(check: CheckName, does: Message, driver: String, mode: SslMode) -> Rule {
    Rule {
        check,
        does,
        fails_with: vec![Code::TlsUnsupported],
        cause: msg::driver_node_pg_no_tls_cause(driver, mode.as_str()),
        fix: msg::driver_node_pg_no_tls_fix(),
    }
}

/// node-postgres with `sslmode=verify-full`: the same verification as
/// libpq's, but against Node's CA store when `sslrootcert` is absent, and
/// a failure's fix is not libpq's "use `require`" (node-postgres verifies
/// under it too).
fn node_postgres_verifies(
    node: &Found,
    target: &mut PgTarget,
    roots: &RootCert,
    check: CheckName,
) -> Vec<Rule> {
    verify_full_with(target, roots);
    let driver = node.to_string();
    let does = msg::driver_node_pg_verifies(driver.clone());
    vec![
        Rule {
            check,
            does: does.clone(),
            fails_with: vec![Code::CertificateInvalid, Code::TlsHandshakeFailed],
            cause: msg::driver_node_pg_verifies_cause(driver.clone()),
            fix: msg::driver_node_pg_fix(),
        },
        without_tls(check, does, driver, target.sslmode),
    ]
}

/// node-postgres's verifying reading: the chain and the host name, against
/// the URL's CA file or else `roots` (Node's store).
fn verify_full_with(target: &mut PgTarget, roots: &RootCert) {
    target.sslmode = SslMode::VerifyFull;
    if target.sslrootcert.is_none() {
        target.sslrootcert = Some(roots.clone());
    }
}

/// node-postgres with the URL's `sslrootcert` naming no readable file:
/// pg-connection-string (2.14.1, `index.js`, `parse`) reads any
/// `sslrootcert` with `fs.readFileSync`, so `system` — libpq's keyword for
/// the OS roots — or a missing file makes `new Client()` throw ENOENT
/// before connecting (seen with pg 8.23.1).
fn node_postgres_unreadable_root(
    node: &Found,
    target: &PgTarget,
    check: CheckName,
) -> Option<(UrlError, Rule)> {
    let unreadable = match &target.sslrootcert {
        Some(RootCert::System) => true,
        Some(RootCert::File(path)) => !path.is_file(),
        Some(RootCert::Node(_)) | None => false,
    };
    if !target.sslrootcert_given || !unreadable {
        return None;
    }
    let driver = node.to_string();
    Some(refused_before_connecting(
        check,
        msg::driver_node_pg_system_root(driver.clone()),
        msg::driver_node_pg_system_root_cause(driver),
        msg::driver_node_pg_system_root_fix(),
    ))
}

/// A URL the driver refuses before it connects: `invalid_url` at the
/// config step, with the driver's own cause and fix.
pub(super) fn refused_before_connecting(
    check: CheckName,
    does: crate::i18n::Message,
    cause: crate::i18n::Message,
    fix: crate::i18n::Message,
) -> (UrlError, Rule) {
    let error = UrlError {
        code: Code::InvalidUrl,
        message: does.clone(),
    };
    let rule = Rule {
        check,
        does,
        fails_with: vec![Code::InvalidUrl],
        cause,
        fix,
    };
    (error, rule)
}

/// node-postgres's own terms (`sslmode=no-verify`, `uselibpqcompat`) in an
/// app whose other PostgreSQL driver reads the same URL as libpq does
/// (psycopg, asyncpg): that driver refuses it, so the URL is invalid — and
/// the fix is one URL both read, not libpq's generic "correct the value".
fn node_postgres_terms_refused(
    drivers: &Drivers,
    check: CheckName,
    error: &UrlError,
) -> Option<Rule> {
    let node = drivers.get(Driver::NodePostgres)?;
    let term = node_postgres_term(&error.message)?;
    let others: Vec<String> = drivers
        .of(CheckName::POSTGRES)
        .filter(|f| f.driver != Driver::NodePostgres)
        .map(ToString::to_string)
        .collect();
    if others.is_empty() {
        return None;
    }
    let (node, others) = (node.to_string(), others.join(", "));
    let cause = msg::driver_node_pg_term_refused(node, term, others);
    Some(Rule {
        check,
        does: cause.clone(),
        fails_with: vec![Code::InvalidUrl],
        cause,
        fix: msg::driver_node_pg_term_refused_fix(),
    })
}

/// The node-postgres-only term a libpq refusal names, if it names one.
fn node_postgres_term(refusal: &crate::i18n::Message) -> Option<&'static str> {
    use crate::i18n::Arg;
    let text = |name: &str| {
        refusal.args().iter().find_map(|(key, arg)| match arg {
            Arg::Text(text) if *key == name => Some(text.as_str()),
            _ => None,
        })
    };
    match refusal.id() {
        "pg_bad_sslmode" if text("value") == Some("no-verify") => Some("sslmode=no-verify"),
        "pg_param_unknown" if text("key") == Some("uselibpqcompat") => Some("uselibpqcompat"),
        _ => None,
    }
}

/// node-postgres without `sslmode` in the URL or `PGSSLMODE`: `ssl` stays
/// undefined, then `false` (pg `lib/connection-parameters.js`,
/// `readSSLConfigFromEnvironment`), so it connects without TLS where libpq
/// would prefer TLS — and a server that insists on TLS refuses it.
fn node_postgres_plaintext(
    node: &Found,
    target: &mut PgTarget,
    roots: &RootCert,
    check: CheckName,
) -> Vec<Rule> {
    if target.sslrootcert_given {
        // pg-connection-string turns `sslrootcert` alone into `ssl = { ca }`:
        // the chain against that file and the host name, as verify-full.
        return node_postgres_verifies(node, target, roots, check);
    }
    target.sslmode = SslMode::Disable;
    let driver = node.to_string();
    vec![Rule {
        check,
        does: msg::driver_node_pg_plaintext(driver.clone()),
        fails_with: vec![Code::TlsRequired],
        cause: msg::driver_node_pg_plaintext_cause(driver),
        fix: msg::driver_node_pg_plaintext_fix(),
    }]
}

/// asyncpg with `sslrootcert=system` and a verifying mode: a file named
/// `system` is looked for, and the connection fails before it is made.
fn asyncpg_system_root(
    asyncpg: &Found,
    target: &PgTarget,
    check: CheckName,
) -> Option<(UrlError, Rule)> {
    let system = target.sslrootcert == Some(RootCert::System);
    if !system || !target.sslmode_given {
        return None;
    }
    let driver = asyncpg.to_string();
    Some(refused_before_connecting(
        check,
        msg::driver_asyncpg_system_root(driver.clone()),
        msg::driver_asyncpg_system_root_cause(driver),
        msg::driver_asyncpg_system_root_fix(),
    ))
}

/// asyncpg alone with `sslrootcert=system` and no `sslmode`: `prefer`
/// without verification, not libpq's `verify-full`.
fn asyncpg_default_prefer(
    asyncpg: &Found,
    target: &mut PgTarget,
    check: CheckName,
) -> Option<Rule> {
    if target.sslrootcert != Some(RootCert::System) || target.sslmode_given {
        return None;
    }
    target.sslmode = SslMode::Prefer;
    target.sslrootcert = None;
    let does = msg::driver_asyncpg_prefer(asyncpg.to_string());
    Some(Rule {
        check,
        does: does.clone(),
        fails_with: Vec::new(),
        cause: does,
        fix: msg::driver_asyncpg_system_root_fix(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many behaviours the rules describe: one behaviour may carry a
    /// rule per failure it explains.
    fn behaviours(rules: &[Rule]) -> usize {
        let mut does: Vec<&crate::i18n::Message> = rules.iter().map(|r| &r.does).collect();
        does.dedup();
        does.len()
    }

    fn ready(url: &str) -> Setting<PgTarget> {
        Setting::Ready {
            source: crate::model::Provenance::Flag("--database-url"),
            target: PgTarget::parse(url).unwrap(),
            findings: Vec::new(),
        }
    }

    fn drivers(list: &[(Driver, Option<&str>)]) -> Drivers {
        Drivers::named(list)
    }

    /// The environment of a test run: Node's own store, no extra CA.
    fn env(pgsslmode: bool) -> DriverEnv {
        DriverEnv {
            pgsslmode: pgsslmode.then(|| "prefer".to_string()),
            pgtargetsessionattrs: None,
            pgport: None,
            node_roots: RootCert::Node(None),
        }
    }

    fn judge_(drivers: &Drivers, setting: &mut Setting<PgTarget>) -> Vec<Rule> {
        judge(drivers, CheckName::POSTGRES, setting, &env(false))
    }

    /// A CA file that exists (node-postgres reads it when the client is
    /// made; its contents do not matter to the rules).
    fn ca_file() -> std::path::PathBuf {
        let ca = std::env::temp_dir().join("railconn-unit-ca.pem");
        std::fs::write(&ca, "not read here").unwrap();
        ca
    }

    fn mode(setting: &Setting<PgTarget>) -> (SslMode, Option<RootCert>) {
        let target = setting.target().unwrap();
        (target.sslmode, target.sslrootcert.clone())
    }

    #[test]
    fn node_postgres_reads_require_prefer_and_verify_ca_as_verify_full() {
        for given in ["allow", "require", "prefer", "verify-ca"] {
            let mut setting = ready(&format!("postgresql://u@db.example/d?sslmode={given}"));
            let rules = judge_(
                &drivers(&[(Driver::NodePostgres, Some("8.23.1"))]),
                &mut setting,
            );
            assert_eq!(behaviours(&rules), 1, "{given}");
            assert_eq!(
                mode(&setting),
                (SslMode::VerifyFull, Some(RootCert::Node(None)))
            );
        }
        let ca = ca_file();
        let mut setting = ready(&format!(
            "postgresql://u@db.example/d?sslmode=require&sslrootcert={}",
            ca.display()
        ));
        judge_(&drivers(&[(Driver::NodePostgres, None)]), &mut setting);
        assert_eq!(
            mode(&setting),
            (SslMode::VerifyFull, Some(RootCert::File(ca)))
        );
    }

    #[test]
    fn node_postgres_leaves_disable_and_old_versions_alone() {
        let mut setting = ready("postgresql://u@db.example/d?sslmode=disable");
        let before = mode(&setting);
        assert!(judge_(&drivers(&[(Driver::NodePostgres, None)]), &mut setting).is_empty());
        assert_eq!(mode(&setting), before);
        let mut setting = ready("postgresql://u@db.example/d?sslmode=require");
        assert!(
            judge_(
                &drivers(&[(Driver::NodePostgres, Some("7.18.2"))]),
                &mut setting
            )
            .is_empty()
        );
        assert_eq!(mode(&setting).0, SslMode::Require);
    }

    /// verify-full is libpq's, but against Node's CA store when no
    /// `sslrootcert` is given (libpq would want `~/.postgresql/root.crt`),
    /// and a failure gets node-postgres's fix, not "use require".
    #[test]
    fn node_postgres_verify_full_uses_nodes_ca_store() {
        let node = drivers(&[(Driver::NodePostgres, Some("8.23.1"))]);
        let mut setting = ready("postgresql://u@db.example/d?sslmode=verify-full");
        let rules = judge_(&node, &mut setting);
        assert_eq!(behaviours(&rules), 1);
        assert!(rules[0].fails_with.contains(&Code::CertificateInvalid));
        assert_eq!(
            mode(&setting),
            (SslMode::VerifyFull, Some(RootCert::Node(None)))
        );
        let mut setting = ready(&format!(
            "postgresql://u@db.example/d?sslmode=verify-full&sslrootcert={}",
            ca_file().display()
        ));
        judge_(&node, &mut setting);
        assert_eq!(mode(&setting).1, Some(RootCert::File(ca_file())));
    }

    /// pg-connection-string reads `sslrootcert` as a file, whatever the
    /// mode: `system` throws ENOENT in `new Client()` (pg 8.23.1).
    #[test]
    fn node_postgres_refuses_sslrootcert_system() {
        let node = drivers(&[(Driver::NodePostgres, Some("8.23.1"))]);
        for query in [
            "sslmode=verify-full&sslrootcert=system",
            "sslrootcert=system",
        ] {
            let mut setting = ready(&format!("postgresql://u@db.example/d?{query}"));
            let rules = judge_(&node, &mut setting);
            assert_eq!(behaviours(&rules), 1, "{query}");
            assert!(
                matches!(&setting, Setting::Invalid { error, .. } if error.code == Code::InvalidUrl),
                "{query}"
            );
        }
    }

    /// `sslrootcert` alone is verify-full against it; one that is not a
    /// file throws ENOENT in `new Client()` (pg 8.23.1).
    #[test]
    fn node_postgres_reads_a_root_file_alone_as_verify_full() {
        let node = drivers(&[(Driver::NodePostgres, Some("8.23.1"))]);
        let ca = ca_file();
        let mut setting = ready(&format!(
            "postgresql://u@db.example/d?sslrootcert={}",
            ca.display()
        ));
        assert_eq!(behaviours(&judge_(&node, &mut setting)), 1);
        assert_eq!(
            mode(&setting),
            (SslMode::VerifyFull, Some(RootCert::File(ca)))
        );
        let mut setting =
            ready("postgresql://u@db.example/d?sslrootcert=/nonexistent-railconn.pem");
        judge_(&node, &mut setting);
        assert!(matches!(setting, Setting::Invalid { .. }));
    }

    #[test]
    fn node_postgres_without_sslmode_does_not_use_tls() {
        let node = drivers(&[(Driver::NodePostgres, None)]);
        let mut setting = ready("postgresql://u@db.example/d");
        assert_eq!(
            judge(&node, CheckName::POSTGRES, &mut setting, &env(false)).len(),
            1
        );
        assert_eq!(mode(&setting).0, SslMode::Disable);
        // PGSSLMODE=prefer (the target's mode once filled): pg reads it as
        // `ssl: true`, which verifies.
        let mut setting = ready("postgresql://u@db.example/d");
        assert_eq!(
            behaviours(&judge(&node, CheckName::POSTGRES, &mut setting, &env(true))),
            1,
            "PGSSLMODE is read"
        );
        assert_eq!(mode(&setting).0, SslMode::VerifyFull);
    }

    #[test]
    fn libpq_drivers_change_nothing() {
        let mut setting = ready("postgresql://u@db.example/d?sslmode=require");
        let list = [
            (Driver::Psycopg2, None),
            (Driver::Psycopg, None),
            (Driver::Libpq, None),
        ];
        assert!(judge_(&drivers(&list), &mut setting).is_empty());
        assert_eq!(mode(&setting).0, SslMode::Require);
    }

    #[test]
    fn the_strictest_driver_judges_a_mixed_app() {
        let mut setting = ready("postgresql://u@db.example/d?sslmode=require");
        let list = [
            (Driver::Psycopg2, None),
            (Driver::NodePostgres, Some("8.23.1")),
        ];
        let rules = judge_(&drivers(&list), &mut setting);
        assert_eq!(behaviours(&rules), 1);
        assert_eq!(mode(&setting).0, SslMode::VerifyFull);
    }

    #[test]
    fn asyncpg_cannot_read_sslrootcert_system() {
        let mut setting =
            ready("postgresql://u@db.example/d?sslmode=verify-full&sslrootcert=system");
        let rules = judge_(&drivers(&[(Driver::Asyncpg, Some("0.32.0"))]), &mut setting);
        assert_eq!(rules[0].fails_with, [Code::InvalidUrl]);
        assert!(matches!(setting, Setting::Invalid { .. }));
        let mut setting = ready("postgresql://u@db.example/d?sslrootcert=system");
        let rules = judge_(&drivers(&[(Driver::Asyncpg, None)]), &mut setting);
        assert_eq!(behaviours(&rules), 1);
        assert_eq!(mode(&setting), (SslMode::Prefer, None));
        let mut setting = ready("postgresql://u@db.example/d?sslrootcert=system");
        let list = [(Driver::Asyncpg, None), (Driver::Psycopg, None)];
        assert!(
            judge_(&drivers(&list), &mut setting).is_empty(),
            "psycopg is stricter"
        );
        assert_eq!(mode(&setting).0, SslMode::VerifyFull);
    }

    fn js(url: &str, pgsslmode: Option<&str>) -> (Vec<Rule>, (SslMode, Option<RootCert>)) {
        let mut setting = ready(url);
        let env = DriverEnv {
            pgsslmode: pgsslmode.map(str::to_string),
            pgtargetsessionattrs: None,
            pgport: None,
            node_roots: RootCert::Node(None),
        };
        let found = drivers(&[(Driver::PostgresJs, Some("4.2.0"))]);
        let rules = judge(&found, CheckName::POSTGRES, &mut setting, &env);
        (rules, mode(&setting))
    }

    /// postgres.js: no TLS unless asked, whatever libpq would prefer.
    #[test]
    fn postgres_js_uses_no_tls_unless_asked() {
        let (rules, plan) = js("postgresql://u@db.example/d", None);
        assert_eq!(plan, (SslMode::Disable, None));
        assert_eq!(rules[0].fails_with, [Code::TlsRequired]);
        let (rules, plan) = js("postgresql://u@db.example/d?sslmode=disable", None);
        assert_eq!(plan.0, SslMode::Disable);
        assert!(rules.is_empty(), "libpq reads it the same way");
    }

    /// `ssl=true`, `verify-full` and `verify-ca` verify against Node's
    /// store, from the URL or PGSSLMODE; PGSSLROOTCERT is not read.
    #[test]
    fn postgres_js_verifies_against_nodes_store() {
        for (url, env) in [
            ("postgresql://u@db.example/d?ssl=true", None),
            ("postgresql://u@db.example/d?sslmode=verify-ca", None),
            ("postgresql://u@db.example/d", Some("verify-full")),
        ] {
            let (rules, plan) = js(url, env);
            assert_eq!(
                plan,
                (SslMode::VerifyFull, Some(RootCert::Node(None))),
                "{url}"
            );
            assert_eq!(rules[0].does.id(), "driver_postgresjs_verifies", "{url}");
        }
        let (rules, plan) = js("postgresql://u@db.example/d?sslmode=require", None);
        assert_eq!(plan, (SslMode::Require, None));
        assert!(rules.is_empty());
        let (_, plan) = js("postgresql://u@db.example/d?sslmode=prefer", None);
        assert_eq!(plan.0, SslMode::Prefer);
    }

    /// postgres.js throws on `target_session_attrs` values it does not
    /// know, libpq's `any` among them (matrix case
    /// `plain_target_session_attrs_any`), from the URL or the environment.
    #[test]
    fn postgres_js_refuses_target_session_attrs_any() {
        let found = drivers(&[(Driver::PostgresJs, Some("4.2.0"))]);
        let judged = |url: &str, tsa: Option<&str>| {
            let mut setting = ready(url);
            let env = DriverEnv {
                pgsslmode: None,
                pgtargetsessionattrs: tsa.map(str::to_string),
                pgport: None,
                node_roots: RootCert::Node(None),
            };
            judge(&found, CheckName::POSTGRES, &mut setting, &env);
            matches!(setting, Setting::Invalid { .. })
        };
        assert!(judged(
            "postgresql://u@db.example/d?target_session_attrs=any",
            None
        ));
        assert!(judged("postgresql://u@db.example/d", Some("any")));
        assert!(!judged(
            "postgresql://u@db.example/d?target_session_attrs=primary",
            Some("any")
        ));
        assert!(!judged("postgresql://u@db.example/d", None));
    }

    /// Each driver's session plan: node-postgres reads neither
    /// `target_session_attrs` nor `require_auth`, asyncpg no
    /// `PGREQUIREAUTH`, and asyncpg and postgres.js dial `PGPORT` for the
    /// hosts of a list without ports; an app with no known driver keeps
    /// libpq's reading.
    #[test]
    fn each_driver_plans_its_session() {
        let url = "postgresql://u@h1,h2/d?target_session_attrs=read-only&require_auth=md5";
        let planned = |list: &[(Driver, Option<&str>)]| {
            let mut target = PgTarget::parse(url).unwrap();
            let env = DriverEnv {
                pgport: Some("6000".to_string()),
                ..env(false)
            };
            session_plan(&drivers(list), &mut target, &env);
            (
                target.session_attrs,
                target.require_auth.is_some(),
                target.port,
            )
        };
        assert_eq!(planned(&[]), (SessionAttrs::ReadOnly, true, 5432));
        assert_eq!(
            planned(&[(Driver::NodePostgres, None)]),
            (SessionAttrs::Any, false, 5432)
        );
        assert_eq!(
            planned(&[(Driver::Asyncpg, None)]),
            (SessionAttrs::ReadOnly, false, 6000)
        );
        assert_eq!(
            planned(&[(Driver::PostgresJs, None)]),
            (SessionAttrs::ReadOnly, true, 6000)
        );
        assert_eq!(
            planned(&[(Driver::Psycopg2, None), (Driver::Asyncpg, None)]),
            (SessionAttrs::ReadOnly, true, 5432)
        );
    }

    /// A CA file in the URL: verify-full with `true`/`verify-full`, the
    /// chain only with any other mode (`require` when none is given).
    #[test]
    fn postgres_js_reads_a_root_file() {
        let ca = ca_file();
        let (_, plan) = js(
            &format!("postgresql://u@db.example/d?sslrootcert={}", ca.display()),
            None,
        );
        assert_eq!(plan, (SslMode::VerifyCa, Some(RootCert::File(ca.clone()))));
        let (_, plan) = js(
            &format!(
                "postgresql://u@db.example/d?sslmode=verify-full&sslrootcert={}",
                ca.display()
            ),
            None,
        );
        assert_eq!(plan, (SslMode::VerifyFull, Some(RootCert::File(ca))));
    }

    /// node-postgres does not read `channel_binding`: `require` in the URL
    /// binds nothing, and the check does not ask for it either.
    #[test]
    fn node_postgres_ignores_channel_binding() {
        let mut setting =
            ready("postgresql://u@db.example/d?sslmode=disable&channel_binding=require");
        let rules = judge_(
            &drivers(&[(Driver::NodePostgres, Some("8.23.1"))]),
            &mut setting,
        );
        assert_eq!(
            setting.target().unwrap().channel_binding,
            ChannelBinding::Disable
        );
        assert_eq!(rules[0].does.id(), "driver_node_pg_channel_binding");
        let mut setting = ready("postgresql://u@db.example/d?channel_binding=require");
        let list = [(Driver::NodePostgres, None), (Driver::Psycopg, None)];
        judge_(&drivers(&list), &mut setting);
        assert_eq!(
            setting.target().unwrap().channel_binding,
            ChannelBinding::Require,
            "psycopg binds"
        );
    }
}
