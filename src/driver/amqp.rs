//! AMQP drivers that open another vhost than kombu for the same URL.
//!
//! The AMQP check reads a URL as kombu does (Celery's broker URL): the
//! vhost is the whole path without its first `/`, percent-decoded, and `/`
//! when that is empty. pika 1.4 (`connection.py::URLParameters.__init__`:
//! `url_unquote(parts.path.split('/')[1])` when the path is longer than
//! `/`) keeps only the first path segment: `amqp://h//` opens the empty vhost
//! (RabbitMQ: `530 NOT_ALLOWED - vhost  not found`) and `amqp://h/a/b`
//! opens `a`. amqplib 2.3 (`lib/connect.js`) reads the path as kombu does
//! for these URLs.
//!
//! TLS, as each driver does it (run against the matrix's TLS RabbitMQ):
//! py-amqp under kombu verifies the chain against OpenSSL's default store
//! and not the name (`service::amqp::url`); pika 1.4 (`URLParameters`:
//! `ssl.create_default_context()` for `amqps`, the URL's host as
//! `server_hostname`) verifies chain and name against the same store;
//! amqplib 2.3 (`lib/connect.js`: `tls.connect` with the host as
//! `servername`, `rejectUnauthorized` true) verifies chain and name
//! against Node's store (its bundled Mozilla list and
//! `NODE_EXTRA_CA_CERTS`, not `SSL_CERT_FILE`). The check verifies as the
//! strictest of the app's drivers does: amqplib's plan when it is among
//! them, else pika's, else kombu's. pika refuses a query parameter it has
//! no setter for (`ValueError: Unknown URL parameter`) or one given twice.
//!
//! When pika is among the app's AMQP drivers and reads another vhost, the
//! check opens pika's: it then fails exactly where pika fails, and the fix
//! is the vhost percent-encoded as one segment (`amqp://h/%2F`), which
//! every driver reads alike. With no driver known the probe keeps its note;
//! with AMQP drivers known and pika not among them, the note goes.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::{Driver, DriverEnv, Drivers, Found, Rule};
use crate::i18n::msg;
use crate::model::{CheckName, Code, Finding, FindingCode};
use crate::net::tls::Roots;
use crate::service::amqp::url::{AmqpTarget, AmqpTls};
use crate::service::postgres::url::RootCert;
use crate::service::setting::Setting;

/// The query names pika 1.4 has a `_set_url_*` setter for
/// (`connection.py::URLParameters`).
const PIKA_PARAMETERS: &[&str] = &[
    "blocked_connection_timeout",
    "channel_max",
    "client_properties",
    "connection_attempts",
    "frame_max",
    "heartbeat",
    "locale",
    "retry_delay",
    "socket_timeout",
    "stack_timeout",
    "ssl_options",
    "tcp_options",
];

/// What stays as it is in a path segment (RFC 3986 `unreserved`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Judges an AMQP target by the app's AMQP drivers: a URL pika refuses is
/// invalid, the certificate is verified as the strictest driver does, and
/// with pika among them the vhost the check opens is pika's when the two
/// readings differ.
pub(crate) fn apply(
    drivers: &mut Drivers,
    check: CheckName,
    setting: &mut Setting<AmqpTarget>,
    env: &DriverEnv,
) {
    if let Some(rule) = pika_parameters(drivers, check, setting) {
        drivers.rules.push(rule);
        return;
    }
    drivers.rules.extend(tls_plan(drivers, check, setting, env));
    if drivers.get(Driver::Pika).is_none() && drivers.amqp().next().is_some() {
        // The app's AMQP drivers are known and pika is not one of them:
        // how pika would read the path concerns no client of this app, so
        // the probe's note about it would only be noise (a Celery app's
        // `amqp://h//` is the usual way to write the default vhost).
        if let Setting::Ready { target, .. } = setting {
            target.pika_vhost = None;
        }
        return;
    }
    if let Some(rule) = pika_vhost(drivers, check, setting) {
        drivers.rules.push(rule);
    }
}

/// A query name pika has no setter for, or one given twice: pika raises
/// `ValueError` in `URLParameters`, before it connects.
fn pika_parameters(
    drivers: &Drivers,
    check: CheckName,
    setting: &mut Setting<AmqpTarget>,
) -> Option<Rule> {
    let pika = drivers.get(Driver::Pika)?.to_string();
    let Setting::Ready { target, .. } = setting else {
        return None;
    };
    let names = query_names(&target.redacted);
    let refused = names
        .iter()
        .enumerate()
        .find(|(i, name)| !PIKA_PARAMETERS.contains(&name.as_str()) || names[..*i].contains(name));
    let (_, name) = refused?;
    let name = crate::source::url::printable(name);
    let (error, rule) = super::postgres::refused_before_connecting(
        check,
        msg::driver_pika_parameter(pika.clone(), name.clone()),
        msg::driver_pika_parameter_cause(pika),
        msg::driver_pika_parameter_fix(name),
    );
    setting.refuse(error);
    Some(rule)
}

/// The percent-decoded names of the URL's query, in order.
fn query_names(url: &str) -> Vec<String> {
    let url = &url[..url.find('#').unwrap_or(url.len())];
    let Some((_, query)) = url.split_once('?') else {
        return Vec::new();
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name);
            percent_encoding::percent_decode_str(&name.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

/// The certificate verified as the strictest of the app's drivers does:
/// amqplib's chain and name against Node's store, else pika's chain and
/// name against the system's; kombu's chain alone is the target's as read.
fn tls_plan(
    drivers: &Drivers,
    check: CheckName,
    setting: &mut Setting<AmqpTarget>,
    env: &DriverEnv,
) -> Option<Rule> {
    let Setting::Ready { target, .. } = setting else {
        return None;
    };
    if target.tls == AmqpTls::Off {
        return None;
    }
    if let Some(amqplib) = drivers.get(Driver::Amqplib) {
        target.tls = AmqpTls::Full;
        target.roots = match &env.node_roots {
            RootCert::Node(extra) => Roots::Node(extra.clone()),
            RootCert::File(path) => Roots::File(path.clone()),
            RootCert::System => Roots::System,
        };
        let driver = amqplib.to_string();
        return Some(Rule {
            check,
            does: msg::driver_amqplib_tls(driver.clone()),
            fails_with: vec![Code::CertificateInvalid, Code::TlsHandshakeFailed],
            cause: msg::driver_amqplib_tls_cause(driver),
            fix: msg::driver_amqplib_tls_fix(),
        });
    }
    // Without pika too, py-amqp's plan stands as the URL was read.
    let pika = drivers.get(Driver::Pika)?;
    target.tls = AmqpTls::Full;
    let driver = pika.to_string();
    Some(Rule {
        check,
        does: msg::driver_pika_tls(driver.clone()),
        fails_with: vec![Code::CertificateInvalid, Code::TlsHandshakeFailed],
        cause: msg::driver_pika_tls_cause(driver),
        fix: msg::driver_pika_tls_fix(),
    })
}

/// pika's vhost in place of kombu's; the other AMQP drivers of the app,
/// which open kombu's, are named in a warning (one connection opens one
/// vhost: theirs is not checked).
fn pika_vhost(
    drivers: &Drivers,
    check: CheckName,
    setting: &mut Setting<AmqpTarget>,
) -> Option<Rule> {
    let pika = drivers.get(Driver::Pika)?;
    let Setting::Ready {
        target, findings, ..
    } = setting
    else {
        return None;
    };
    let opened = target.pika_vhost.take()?;
    let kombu = std::mem::replace(&mut target.vhost, opened.clone());
    let shown = |v: &str| crate::source::url::escape_controls(v);
    let others: Vec<String> = drivers
        .amqp()
        .filter(|f| f.driver != Driver::Pika)
        .map(Found::to_string)
        .collect();
    if !others.is_empty() {
        findings.push(Finding::warn(
            FindingCode::Driver,
            msg::driver_amqp_vhost_unchecked(others.join(", "), shown(&kombu)),
        ));
    }
    let driver = pika.to_string();
    Some(Rule {
        check,
        does: msg::driver_pika_vhost(driver.clone(), shown(&opened), shown(&kombu)),
        fails_with: vec![Code::DatabaseNotFound, Code::AccessDenied],
        cause: msg::driver_pika_vhost_cause(driver, shown(&opened)),
        fix: msg::driver_pika_vhost_fix(with_vhost(&target.redacted, &kombu)),
    })
}

/// `url` (redacted) with its path replaced by `vhost` as one
/// percent-encoded segment, so that pika, kombu and amqplib all open it.
fn with_vhost(url: &str, vhost: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[start..];
    let authority_end = start + rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let tail = &url[authority_end..];
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    format!(
        "{}/{}{}",
        &url[..authority_end],
        utf8_percent_encode(vhost, SEGMENT),
        &tail[path_end..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(url: &str) -> Setting<AmqpTarget> {
        Setting::Ready {
            source: crate::model::Provenance::Flag("--target"),
            target: AmqpTarget::parse(url).unwrap(),
            findings: Vec::new(),
        }
    }

    fn env(node_roots: RootCert) -> DriverEnv {
        DriverEnv {
            pgsslmode: None,
            pgtargetsessionattrs: None,
            pgport: None,
            node_roots,
        }
    }

    fn judged_in(drivers: &[Driver], url: &str, env: &DriverEnv) -> (Drivers, Setting<AmqpTarget>) {
        let list: Vec<(Driver, Option<&str>)> = drivers.iter().map(|d| (*d, None)).collect();
        let mut drivers = Drivers::named(&list);
        let mut setting = ready(url);
        apply(
            &mut drivers,
            CheckName::named("CELERY_BROKER_URL"),
            &mut setting,
            env,
        );
        (drivers, setting)
    }

    fn judged(drivers: &[Driver], url: &str) -> (Drivers, Setting<AmqpTarget>) {
        judged_in(drivers, url, &env(RootCert::Node(None)))
    }

    /// amqplib verifies chain and name against Node's store, with
    /// `NODE_EXTRA_CA_CERTS` (the matrix's `amqps_tls_node_extra_ca_certs`
    /// connects, `amqps_tls_ssl_cert_file` and `amqps_tls_other_name`
    /// fail); it decides beside kombu.
    #[test]
    fn amqplib_verifies_the_name_against_nodes_store() {
        let extra = env(RootCert::Node(Some("/ca.pem".into())));
        for drivers in [
            &[Driver::Amqplib][..],
            &[Driver::Celery, Driver::Amqplib][..],
        ] {
            let (rules, setting) = judged_in(drivers, "amqps://h/", &extra);
            let target = setting.target().unwrap();
            assert_eq!(target.tls, AmqpTls::Full);
            assert_eq!(target.roots, Roots::Node(Some("/ca.pem".into())));
            assert_eq!(rules.rules[0].does.id(), "driver_amqplib_tls");
        }
        let (_, setting) = judged_in(&[Driver::Amqplib], "amqps://h/", &env(RootCert::System));
        assert_eq!(setting.target().unwrap().roots, Roots::System);
        let (rules, setting) = judged(&[Driver::Amqplib], "amqp://h/");
        assert!(rules.rules.is_empty());
        assert_eq!(setting.target().unwrap().tls, AmqpTls::Off);
    }

    /// pika checks the name too (`amqps_tls_other_name` fails with
    /// "Hostname mismatch"); kombu alone does not.
    #[test]
    fn pika_verifies_the_name_kombu_does_not() {
        let (rules, setting) = judged(&[Driver::Pika], "amqps://h/");
        let target = setting.target().unwrap();
        assert_eq!((target.tls, &target.roots), (AmqpTls::Full, &Roots::System));
        assert_eq!(rules.rules[0].does.id(), "driver_pika_tls");
        for drivers in [&[Driver::Celery][..], &[][..]] {
            let (rules, setting) = judged(drivers, "amqps://h/");
            assert!(rules.rules.is_empty());
            assert_eq!(setting.target().unwrap().tls, AmqpTls::CaOnly);
        }
    }

    /// pika's `URLParameters` raises `ValueError` for a name it has no
    /// setter for (kombu's `ssl=1`, `connect_timeout`) and for a repeated
    /// one; kombu takes both.
    #[test]
    fn pika_refuses_names_it_has_no_setter_for() {
        for url in [
            "amqps://h/?ssl=1",
            "amqp://h/?connect_timeout=5",
            "amqp://h/?heartbeat=5&heartbeat=6",
        ] {
            let (rules, setting) = judged(&[Driver::Celery, Driver::Pika], url);
            assert!(matches!(setting, Setting::Invalid { .. }), "{url}");
            assert_eq!(rules.rules[0].fails_with, [Code::InvalidUrl]);
            let (_, celery) = judged(&[Driver::Celery], url);
            assert!(celery.target().is_some(), "{url}");
        }
        let (_, setting) = judged(&[Driver::Pika], "amqp://h/?heartbeat=5#f");
        assert!(setting.target().is_some());
    }

    #[test]
    fn query_names_are_decoded_in_order() {
        assert_eq!(
            query_names("amqp://h/?a=1&b%5Fc&&d=#e=f"),
            ["a", "b_c", "d"]
        );
        assert!(query_names("amqp://h/v").is_empty());
    }

    /// pika opens the empty vhost for `//`: the check opens it too, and
    /// the fix names the default vhost as pika reads it.
    #[test]
    fn pika_opens_its_own_vhost() {
        let (drivers, setting) = judged(&[Driver::Pika], "amqp://guest:pw@h:5672//");
        let target = setting.target().unwrap();
        assert_eq!(target.vhost, "");
        assert_eq!(target.pika_vhost, None, "the rule replaces the note");
        let rule = &drivers.rules[0];
        assert_eq!(
            rule.fails_with,
            [Code::DatabaseNotFound, Code::AccessDenied]
        );
        let fix = crate::i18n::Lang::En.render(&rule.fix);
        assert!(fix.contains("amqp://guest:***@h:5672/%2F"), "{fix}");
        assert!(!fix.contains("pw"));
        let (_, setting) = judged(&[Driver::Pika], "amqp://h/a/b?heartbeat=5");
        assert_eq!(setting.target().unwrap().vhost, "a");
    }

    /// Where pika and kombu agree, or pika is not the app's, nothing
    /// changes (with no driver the probe's note stays).
    #[test]
    fn other_readings_are_left_alone() {
        for url in ["amqp://h", "amqp://h/", "amqp://h/%2F", "amqp://h/app"] {
            let (drivers, setting) = judged(&[Driver::Pika], url);
            assert!(drivers.rules.is_empty(), "{url}");
            assert_eq!(setting.target().unwrap(), &AmqpTarget::parse(url).unwrap());
        }
        let (judged, setting) = judged(&[], "amqp://h//");
        assert!(judged.rules.is_empty());
        let target = setting.target().unwrap();
        assert_eq!(
            (target.vhost.as_str(), target.pika_vhost.as_deref()),
            ("/", Some(""))
        );
    }

    /// Known AMQP drivers without pika: pika's reading is no concern of
    /// the app, and the probe's note about it goes.
    #[test]
    fn without_pika_among_known_drivers_the_note_goes() {
        for drivers in [
            &[Driver::Celery][..],
            &[Driver::Celery, Driver::Amqplib][..],
        ] {
            let (judged, setting) = judged(drivers, "amqp://h//");
            assert!(judged.rules.is_empty());
            let target = setting.target().unwrap();
            assert_eq!(
                (target.vhost.as_str(), target.pika_vhost.as_deref()),
                ("/", None)
            );
        }
    }

    /// pika with kombu: pika's vhost is the strictest reading of `//` (the
    /// empty vhost), and a warning says kombu's was not opened.
    #[test]
    fn several_drivers_pika_decides_and_the_others_are_named() {
        let (drivers, setting) = judged(&[Driver::Celery, Driver::Pika], "amqp://h//");
        assert_eq!(drivers.rules.len(), 1);
        let Setting::Ready {
            target, findings, ..
        } = &setting
        else {
            panic!("ready")
        };
        assert_eq!(target.vhost, "");
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].message.id(), "driver_amqp_vhost_unchecked");
    }

    #[test]
    fn the_fix_encodes_the_vhost_as_one_segment() {
        assert_eq!(with_vhost("amqp://h//", "/"), "amqp://h/%2F");
        assert_eq!(
            with_vhost("amqp://u:***@h:1/a/b?x=1#f", "a/b"),
            "amqp://u:***@h:1/a%2Fb?x=1#f"
        );
        assert_eq!(with_vhost("amqp://h", "/"), "amqp://h/%2F");
        assert_eq!(
            with_vhost("amqp://h?heartbeat=5", "my vhost"),
            "amqp://h/my%20vhost?heartbeat=5"
        );
    }
}
