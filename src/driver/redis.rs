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

use super::{Driver, Drivers, Found, Rule};
use crate::i18n::msg;
use crate::model::{
    CheckName, Code, Failure, Finding, FindingCode, ProbeOutcome, Status, StepName,
};
use crate::service::redis::url::{RedisTarget, RedisTls};
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

/// The app's Redis drivers' readings of a Redis URL: `?password=`, and
/// the `#insecure` fragment that none of them reads.
pub(crate) fn apply(drivers: &mut Drivers, check: CheckName, setting: &mut Setting<RedisTarget>) {
    apply_query_password(drivers, setting);
    if let Some(rule) = fragment_ignored(drivers, check, setting) {
        drivers.rules.push(rule);
    }
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
    failed.then(|| Rule {
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
        apply(&mut node, CheckName::REDIS, &mut setting);
        assert_eq!(tls(&setting), RedisTls::Verified, "ioredis verifies");
        assert_eq!(node.rules[0].fix.id(), "driver_redis_fragment_fix_node");
        let mut unknown = Drivers::default();
        let mut setting = insecure();
        apply(&mut unknown, CheckName::REDIS, &mut setting);
        assert_eq!(tls(&setting), RedisTls::Insecure, "redis-rs reads it");
        assert!(unknown.rules.is_empty());
    }
}
