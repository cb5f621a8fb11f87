//! Redis drivers that reach a host differently from redis-rs.
//!
//! ioredis before 5.8.2 looks names up with `family: 4` (its
//! `RedisOptions` default, passed to `net.connect` by
//! `StandaloneConnector`): a name with only AAAA records — Railway's
//! legacy private network — fails with `ENOTFOUND`, where redis-py,
//! node-redis and redis-rs resolve both families. 5.8.2 made the lookup
//! family-agnostic (ioredis CHANGELOG 5.8.2).
//!
//! `?password=` is a password to redis-py (`parse_url`) and to ioredis
//! (`parseURL` fills unset options from the query), and nothing to
//! redis-rs and node-redis (`@redis/client` `parseURL` reads only the
//! userinfo): it is sent only when every Redis driver of the app reads it.
//!
//! `#insecure` is redis-rs's own: redis-py 8.2.0 (`parse_url` reads only
//! the query), ioredis 6.1.0 and node-redis 6.4.0 (`new URL()`, the
//! fragment unread) verify the certificate whatever the fragment says.
//!
//! Each driver verifies a `rediss://` certificate against its own trust
//! store, which is part of its connection plan as much as the URL:
//! ioredis and node-redis use Node's (its bundled Mozilla list plus
//! `NODE_EXTRA_CA_CERTS`; `SSL_CERT_FILE` is not read — Node.js docs,
//! "Environment variables"); redis-py uses `ssl.create_default_context()`
//! (OpenSSL's default paths, which honour `SSL_CERT_FILE`) plus the
//! query's `ssl_ca_certs=`, and `ssl_cert_reqs=none` turns verification
//! off (redis-py 8.1.0 `connection.py`: `parse_url` passes unknown query
//! parameters as keyword arguments, `SSLConnection._wrap_socket_with_ssl`).
//! node-redis 6.4.0 hands `new URL()`'s `hostname` to `net.connect`, so an
//! IPv6 literal is looked up with its brackets, `[::1]`, and fails
//! `ENOTFOUND` (seen with the real driver).
//!
//! A database that is not a number (`/abc`) is database 0 to redis-py and
//! ioredis (read in `config::reading`); a `SELECT` the server refuses
//! stops redis-rs, redis-py and node-redis, and not ioredis, which stays
//! on database 0 (`read_db`).

use super::{Driver, DriverEnv, Drivers, Found, Rule};
use crate::i18n::msg;
use crate::model::{
    CheckName, Code, Failure, Finding, FindingCode, ProbeOutcome, Status, StepName,
};
use crate::net::tls::Roots;
use crate::service::postgres::url::RootCert;
use crate::service::redis::url::{BadDb, NoPassword, RedisTarget, RedisTls};
use crate::service::setting::Setting;

/// The password in `?password=` becomes the one railconn sends when every
/// Redis driver the app has reads it; otherwise it stays unsent and a
/// finding names the drivers that ignore it (redis-rs when none is known)
/// and the fix that works for all of them.
fn apply_query_password(drivers: &Drivers, setting: &mut Setting<RedisTarget>) {
    let Setting::Ready {
        target, findings, ..
    } = setting
    else {
        return;
    };
    let Some(password) = target.query_password.clone() else {
        return;
    };
    let known: Vec<_> = drivers.of(CheckName::REDIS).collect();
    let reads = |driver: Driver| match driver {
        Driver::RedisPy => true,
        Driver::Ioredis => target.username.is_none(),
        _ => false,
    };
    let ignoring: Vec<String> = if known.is_empty() {
        vec!["redis-rs".to_string()]
    } else {
        known
            .iter()
            .filter(|f| !reads(f.driver))
            .map(ToString::to_string)
            .collect()
    };
    if ignoring.is_empty() {
        target.password = Some(password);
        let readers: Vec<String> = known.iter().map(ToString::to_string).collect();
        findings.push(Finding::info(
            FindingCode::Driver,
            msg::driver_redis_query_password_read(readers.join(", ")),
        ));
    } else {
        findings.push(Finding::warn(
            FindingCode::Driver,
            msg::driver_redis_query_password_ignored(ignoring.join(", ")),
        ));
    }
}

/// The app's Redis drivers' readings of a Redis URL: `?password=`, the
/// `#insecure` fragment that none of them reads, and the trust store each
/// verifies a certificate against (`env`: Node's store).
pub(crate) fn apply(
    drivers: &mut Drivers,
    check: CheckName,
    setting: &mut Setting<RedisTarget>,
    env: &DriverEnv,
) {
    apply_query_password(drivers, setting);
    if let Some(rule) = fragment_ignored(drivers, check, setting) {
        drivers.rules.push(rule);
    }
    if let Some(rule) = trust_store(drivers, check, setting, env) {
        drivers.rules.push(rule);
    }
    if let Setting::Ready { target, .. } = setting
        && tolerate_no_password(drivers)
    {
        target.nopass = NoPassword::Connects;
    }
    read_db(drivers, setting);
}

/// The database as the app's Redis drivers read it: a path redis-rs
/// refuses that they read as a number is said (`config::reading` read
/// it), and an app whose only Redis driver is ioredis goes on when the
/// server refuses its `SELECT` (`BadDb::Ignored`; ioredis 6.0.0
/// `redis/event_handler.js`, `getHandshakeCommands`: the `SELECT`'s error
/// handler is `silentEmit("error", err)`, seen with the real ioredis
/// against Redis 7 and `/99`).
fn read_db(drivers: &Drivers, setting: &mut Setting<RedisTarget>) {
    let Setting::Ready {
        target, findings, ..
    } = setting
    else {
        return;
    };
    if drivers.only(CheckName::REDIS, &[Driver::Ioredis]) {
        target.bad_db = BadDb::Ignored;
    }
    if let Some(path) = &target.db_given {
        let readers: Vec<String> = drivers
            .of(CheckName::REDIS)
            .map(ToString::to_string)
            .collect();
        findings.push(Finding::warn(
            FindingCode::Driver,
            msg::reading_redis_db(readers.join(", "), path.clone(), target.db),
        ));
    }
}

/// Whether every Redis driver of the app connects when it sends a password
/// the server does not need: ioredis ignores the error (`handleAuthError`
/// in `event_handler.js`); redis-py 8.1.0 and node-redis 6.4.0 speak RESP3
/// by default, and `HELLO 3 AUTH default PASSWORD` succeeds for a
/// `nopass` user (seen with the real drivers against Redis 7). Releases
/// before those defaults sent `AUTH PASSWORD` and failed as redis-rs does.
fn tolerate_no_password(drivers: &Drivers) -> bool {
    let mut redis = drivers.of(CheckName::REDIS).peekable();
    redis.peek().is_some()
        && redis.all(|f| match f.driver {
            Driver::Ioredis => true,
            Driver::RedisPy => !f.older_than(&[8]),
            Driver::NodeRedis => !f.older_than(&[6]),
            _ => false,
        })
}

/// The app's Redis drivers that run on Node.js.
fn node_drivers(drivers: &Drivers) -> Vec<&Found> {
    drivers
        .of(CheckName::REDIS)
        .filter(|f| matches!(f.driver, Driver::Ioredis | Driver::NodeRedis))
        .collect()
}

/// The trust store of the app's Redis drivers for a `rediss://` target.
/// A Node driver decides when there is one (Node's store is the narrower
/// for a private CA unless `NODE_EXTRA_CA_CERTS` names it); redis-py alone
/// reads `ssl_cert_reqs=` and `ssl_ca_certs=` from the query.
fn trust_store(
    drivers: &Drivers,
    check: CheckName,
    setting: &mut Setting<RedisTarget>,
    env: &DriverEnv,
) -> Option<Rule> {
    let Setting::Ready {
        target, findings, ..
    } = setting
    else {
        return None;
    };
    if target.tls == RedisTls::Off {
        return None;
    }
    let node = node_drivers(drivers);
    if !node.is_empty() {
        if target.tls != RedisTls::Verified {
            return None;
        }
        target.roots = match &env.node_roots {
            RootCert::Node(extra) => Roots::Node(extra.clone()),
            RootCert::File(path) => Roots::File(path.clone()),
            RootCert::System => Roots::System,
        };
        let names: Vec<String> = node.iter().map(ToString::to_string).collect();
        let names = names.join(", ");
        return Some(Rule {
            check,
            does: msg::driver_redis_node_roots(names.clone()),
            fails_with: vec![Code::CertificateInvalid, Code::TlsHandshakeFailed],
            cause: msg::driver_redis_node_roots_cause(names),
            fix: msg::driver_redis_node_roots_fix(),
        });
    }
    let python = drivers.get(Driver::RedisPy)?;
    let query = query_value(&target.redacted);
    if query("ssl_cert_reqs").as_deref() == Some("none") {
        target.tls = RedisTls::Insecure;
        findings.push(Finding::info(
            FindingCode::Driver,
            msg::driver_redis_py_cert_reqs_none(python.to_string()),
        ));
        return None;
    }
    let ca = query("ssl_ca_certs").filter(|v| !v.is_empty())?;
    target.tls = RedisTls::Verified;
    target.roots = Roots::File(ca.into());
    findings.push(Finding::info(
        FindingCode::Driver,
        msg::driver_redis_py_ca_certs(python.to_string()),
    ));
    None
}

/// A reader of `url`'s query values, percent-decoded as `parse_qs` does
/// (the last value of a repeated key is not what redis-py reads: it takes
/// the first).
fn query_value(url: &str) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| {
        let query = url.split_once('?')?.1.split('#').next()?;
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| {
                percent_encoding::percent_decode_str(&value.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            })
    }
}

/// node-redis with an IPv6 literal: the name it looks up keeps its
/// brackets, and the lookup fails before anything is dialled. The dns
/// step fails as the driver's would; the later steps did not happen.
fn node_redis_ipv6_literal(
    drivers: &Drivers,
    check: CheckName,
    outcome: &mut ProbeOutcome,
) -> Option<Rule> {
    let node_redis = drivers.get(Driver::NodeRedis)?;
    let literal = outcome.host.trim_start_matches('[').trim_end_matches(']');
    if literal.parse::<std::net::Ipv6Addr>().is_err() {
        return None;
    }
    let driver = node_redis.to_string();
    let looked_up = format!("[{literal}]");
    let does = msg::driver_node_redis_ipv6(driver.clone(), &looked_up);
    fail_dns(outcome, &Failure::new(Code::DnsNotFound, does.clone())).then(|| Rule {
        check,
        does,
        fails_with: vec![Code::DnsNotFound],
        cause: msg::driver_node_redis_ipv6_cause(driver),
        fix: msg::driver_node_redis_ipv6_fix(),
    })
}

/// The dns step fails with `failure`, and every later step is skipped:
/// the driver never got past its lookup. Whether there was a dns step.
fn fail_dns(outcome: &mut ProbeOutcome, failure: &Failure) -> bool {
    let mut failed = false;
    for step in &mut outcome.steps {
        if step.name == StepName::Dns {
            step.status = Status::Fail;
            step.detail = None;
            step.error = Some(failure.clone());
            failed = true;
        } else if failed {
            step.status = Status::Skip;
            step.duration = None;
            step.detail = None;
            step.error = None;
        }
    }
    failed
}

/// `rediss://…#insecure` in an app whose Redis drivers verify anyway: the
/// check verifies too, and a certificate failure names them and the way
/// each trusts a private CA (Node: `NODE_EXTRA_CA_CERTS`; redis-py: the
/// URL's `ssl_ca_certs=`).
fn fragment_ignored(
    drivers: &Drivers,
    check: CheckName,
    setting: &mut Setting<RedisTarget>,
) -> Option<Rule> {
    let Setting::Ready { target, .. } = setting else {
        return None;
    };
    let verifying: Vec<&Found> = drivers
        .of(CheckName::REDIS)
        .filter(|f| {
            matches!(
                f.driver,
                Driver::RedisPy | Driver::Ioredis | Driver::NodeRedis
            )
        })
        .collect();
    if target.tls != RedisTls::Insecure || verifying.is_empty() {
        return None;
    }
    target.tls = RedisTls::Verified;
    let names: Vec<String> = verifying.iter().map(ToString::to_string).collect();
    let names = names.join(", ");
    let python = verifying.iter().any(|f| f.driver == Driver::RedisPy);
    Some(Rule {
        check,
        does: msg::driver_redis_fragment_ignored(names.clone()),
        fails_with: vec![Code::CertificateInvalid, Code::TlsHandshakeFailed],
        cause: msg::driver_redis_fragment_cause(names),
        fix: if python {
            msg::driver_redis_fragment_fix_python()
        } else {
            msg::driver_redis_fragment_fix_node()
        },
    })
}

/// The first ioredis release that resolves IPv6-only names.
const IOREDIS_ANY_FAMILY: [u64; 3] = [5, 8, 2];

/// An IPv6-only name that an old ioredis cannot resolve: the dns step fails
/// as ioredis's lookup would, and the later steps did not happen for it.
/// `url`'s `family` query parameter is ioredis's own option (`parseURL` in
/// ioredis `utils/index.js` reads it as a number).
pub(super) fn judge(
    drivers: &Drivers,
    check: CheckName,
    outcome: &mut ProbeOutcome,
    url: &str,
) -> Option<Rule> {
    node_redis_ipv6_literal(drivers, check, outcome)
        .or_else(|| ioredis_ipv4(drivers, check, outcome, url))
}

/// An old ioredis (or `family=4`) on a name with only IPv6 addresses.
fn ioredis_ipv4(
    drivers: &Drivers,
    check: CheckName,
    outcome: &mut ProbeOutcome,
    url: &str,
) -> Option<Rule> {
    let ioredis = drivers.get(Driver::Ioredis)?;
    let family = family_param(url).unwrap_or(if ioredis.older_than(&IOREDIS_ANY_FAMILY) {
        4
    } else {
        0
    });
    if family != 4 {
        return None;
    }
    let ipv6_only = outcome
        .findings
        .iter()
        .any(|f| f.code == FindingCode::Ipv6 && f.message.id() == "ipv6_only");
    if !ipv6_only {
        return None;
    }
    let driver = ioredis.to_string();
    let failure = Failure::new(
        Code::DnsNotFound,
        msg::driver_ioredis_ipv4_only(driver.clone(), &outcome.host),
    );
    fail_dns(outcome, &failure).then(|| Rule {
        check,
        does: msg::driver_ioredis_ipv4_only(driver.clone(), &outcome.host),
        fails_with: vec![Code::DnsNotFound],
        cause: msg::driver_ioredis_cause(driver),
        fix: msg::driver_ioredis_fix(),
    })
}

/// The `family` in the URL's query, as ioredis reads it.
fn family_param(url: &str) -> Option<i64> {
    let query = url.split_once('?')?.1.split('#').next()?;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "family")
        .and_then(|(_, value)| value.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::Found;
    use crate::model::{Finding, Step};

    fn outcome(ipv6_only: bool) -> ProbeOutcome {
        let pass = |name| Step {
            name,
            status: Status::Pass,
            duration: Some(std::time::Duration::from_millis(1)),
            detail: None,
            error: None,
        };
        let mut findings = Vec::new();
        if ipv6_only {
            findings.push(Finding::warn(
                FindingCode::Ipv6,
                msg::ipv6_only("redis.railway.internal"),
            ));
        }
        ProbeOutcome {
            steps: [
                StepName::Config,
                StepName::Dns,
                StepName::Tcp,
                StepName::Ping,
            ]
            .into_iter()
            .map(pass)
            .collect(),
            findings,
            host: "redis.railway.internal".into(),
            ..ProbeOutcome::default()
        }
    }

    fn with(version: &str) -> Drivers {
        Drivers {
            found: vec![Found {
                driver: Driver::Ioredis,
                version: Some(version.into()),
                file: "package.json".into(),
                lockfile: Some("package-lock.json".into()),
            }],
            ..Drivers::default()
        }
    }

    #[test]
    fn old_ioredis_fails_an_ipv6_only_name_at_dns() {
        let mut seen = outcome(true);
        let rule = judge(
            &with("5.8.1"),
            CheckName::REDIS,
            &mut seen,
            "redis://h:6379",
        )
        .unwrap();
        assert_eq!(rule.fails_with, [Code::DnsNotFound]);
        let statuses: Vec<Status> = seen.steps.iter().map(|s| s.status).collect();
        assert_eq!(
            statuses,
            [Status::Pass, Status::Fail, Status::Skip, Status::Skip]
        );
    }

    #[test]
    fn new_ioredis_and_dual_stack_names_are_left_alone() {
        let mut seen = outcome(true);
        assert!(judge(&with("5.8.2"), CheckName::REDIS, &mut seen, "redis://h").is_none());
        let mut seen = outcome(true);
        assert!(
            judge(
                &with("5.8.1"),
                CheckName::REDIS,
                &mut seen,
                "redis://h?family=0"
            )
            .is_none()
        );
        let mut seen = outcome(false);
        assert!(judge(&with("5.8.1"), CheckName::REDIS, &mut seen, "redis://h").is_none());
        assert!(seen.steps.iter().all(|s| s.status == Status::Pass));
        let mut seen = outcome(true);
        assert!(
            judge(
                &with("6.0.0"),
                CheckName::REDIS,
                &mut seen,
                "redis://h/0?family=4"
            )
            .is_some(),
            "family=4 in the URL is IPv4-only in every version"
        );
    }

    fn insecure() -> Setting<RedisTarget> {
        Setting::Ready {
            source: crate::model::Provenance::Flag("--redis-url"),
            target: RedisTarget::parse("rediss://:pw@cache.example:6380/0#insecure").unwrap(),
            findings: Vec::new(),
        }
    }

    #[test]
    fn the_insecure_fragment_is_redis_rs_alone() {
        let tls = |s: &Setting<RedisTarget>| s.target().unwrap().tls;
        let mut node = with("6.1.0");
        let mut setting = insecure();
        apply(&mut node, CheckName::REDIS, &mut setting, &node_env());
        assert_eq!(tls(&setting), RedisTls::Verified, "ioredis verifies");
        assert_eq!(node.rules[0].fix.id(), "driver_redis_fragment_fix_node");
        let mut unknown = Drivers::default();
        let mut setting = insecure();
        apply(&mut unknown, CheckName::REDIS, &mut setting, &node_env());
        assert_eq!(tls(&setting), RedisTls::Insecure, "redis-rs reads it");
        assert!(unknown.rules.is_empty());
    }

    /// The environment of a run: Node's own store, no extra CA.
    fn node_env() -> DriverEnv {
        DriverEnv {
            pgsslmode: None,
            pgtargetsessionattrs: None,
            pgport: None,
            node_roots: RootCert::Node(None),
        }
    }

    fn ready(url: &str) -> Setting<RedisTarget> {
        Setting::Ready {
            source: crate::model::Provenance::Flag("--redis-url"),
            target: RedisTarget::parse(url).unwrap(),
            findings: Vec::new(),
        }
    }

    fn named(driver: Driver) -> Drivers {
        Drivers::named(&[(driver, Some("6.4.0"))])
    }

    /// ioredis and node-redis verify against Node's store, whatever
    /// `SSL_CERT_FILE` says; `NODE_EXTRA_CA_CERTS` is part of it.
    #[test]
    fn node_drivers_verify_against_nodes_store() {
        for driver in [Driver::Ioredis, Driver::NodeRedis] {
            let mut drivers = named(driver);
            let mut setting = ready("rediss://:pw@cache.example:6380/0");
            let env = DriverEnv {
                node_roots: RootCert::Node(Some("/ca.pem".into())),
                ..node_env()
            };
            apply(&mut drivers, CheckName::REDIS, &mut setting, &env);
            let target = setting.target().unwrap();
            assert_eq!(target.roots, Roots::Node(Some("/ca.pem".into())));
            assert_eq!(drivers.rules[0].does.id(), "driver_redis_node_roots");
        }
        let mut drivers = named(Driver::Ioredis);
        let mut setting = ready("redis://:pw@cache.example:6379/0");
        apply(&mut drivers, CheckName::REDIS, &mut setting, &node_env());
        assert!(drivers.rules.is_empty(), "no TLS, no store");
        let mut unknown = Drivers::default();
        let mut setting = ready("rediss://:pw@cache.example:6380/0");
        apply(&mut unknown, CheckName::REDIS, &mut setting, &node_env());
        assert_eq!(setting.target().unwrap().roots, Roots::System, "redis-rs");
    }

    /// redis-py reads `ssl_cert_reqs` and `ssl_ca_certs` from the query.
    #[test]
    fn redis_py_reads_its_tls_switches_from_the_query() {
        let mut drivers = named(Driver::RedisPy);
        let mut setting = ready("rediss://:pw@cache.example:6380/0?ssl_cert_reqs=none");
        apply(&mut drivers, CheckName::REDIS, &mut setting, &node_env());
        assert_eq!(setting.target().unwrap().tls, RedisTls::Insecure);
        let mut setting = ready("rediss://:pw@cache.example:6380/0?ssl_ca_certs=%2Fetc%2Fca.pem");
        apply(&mut drivers, CheckName::REDIS, &mut setting, &node_env());
        let target = setting.target().unwrap();
        assert_eq!(target.tls, RedisTls::Verified);
        assert_eq!(target.roots, Roots::File("/etc/ca.pem".into()));
        let mut setting = ready("rediss://:pw@cache.example:6380/0");
        apply(&mut drivers, CheckName::REDIS, &mut setting, &node_env());
        assert_eq!(
            setting.target().unwrap().roots,
            Roots::System,
            "Python's default context"
        );
    }

    /// node-redis looks `[::1]` up with its brackets: the dns step fails.
    #[test]
    fn node_redis_fails_an_ipv6_literal_at_dns() {
        let mut seen = ProbeOutcome {
            host: "::1".into(),
            ..outcome(false)
        };
        let rule = judge(
            &named(Driver::NodeRedis),
            CheckName::REDIS,
            &mut seen,
            "redis://[::1]:6379",
        )
        .unwrap();
        assert_eq!(rule.fails_with, [Code::DnsNotFound]);
        assert_eq!(seen.steps[1].status, Status::Fail);
        let mut seen = ProbeOutcome {
            host: "::1".into(),
            ..outcome(false)
        };
        assert!(
            judge(
                &named(Driver::RedisPy),
                CheckName::REDIS,
                &mut seen,
                "redis://[::1]"
            )
            .is_none()
        );
        let mut seen = outcome(false);
        assert!(
            judge(
                &named(Driver::NodeRedis),
                CheckName::REDIS,
                &mut seen,
                "redis://h"
            )
            .is_none()
        );
    }
}
