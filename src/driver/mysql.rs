//! MySQL drivers: which reading of a `mysql://` URL the check takes, and
//! the trust store each driver verifies against (issue 21).
//!
//! A URL whose scheme names the DBAPI (`mysql+pymysql://`) is read as that
//! DBAPI reads it whatever the manifests say; a plain `mysql://` URL is
//! read as the app's one MySQL driver reads it when that is mysql2 or
//! `PyMySQL` (`service/mysql/reading.rs` cites their sources), and as the
//! kind reads it otherwise. mysql2 verifies a certificate against Node's
//! store — its bundled Mozilla list plus `NODE_EXTRA_CA_CERTS`, or the
//! system's with `--use-openssl-ca`/`--use-system-ca` — not the system's
//! (`lib/tls_secure_context.js` builds the context from the `ssl` object,
//! which names no CA); `PyMySQL` uses `ssl.create_default_context()`,
//! OpenSSL's default paths, which honour `SSL_CERT_FILE`.

use super::{Driver, DriverEnv, Drivers, Rule};
use crate::i18n::msg;
use crate::model::{CheckName, Code};
use crate::net::tls::Roots;
use crate::service::mysql::reading::{MysqlReader, MysqlReading};
use crate::service::mysql::url::{MysqlTarget, SslMode};
use crate::service::postgres::url::RootCert;
use crate::service::setting::Setting;

/// How the app's plain `mysql://` URLs are read: as mysql2 or `PyMySQL`
/// when that is its one MySQL driver (aiomysql under SQLAlchemy comes with
/// `PyMySQL` and reads like it for a plain URL), else as the kind reads them.
pub(crate) fn reading(drivers: &Drivers) -> MysqlReading {
    let mut kinds = drivers.mysql().map(|f| match f.driver {
        Driver::Mysql2 => MysqlReading::Mysql2,
        Driver::Pymysql => MysqlReading::Pymysql,
        _ => MysqlReading::Kind,
    });
    let Some(first) = kinds.next() else {
        return MysqlReading::Kind;
    };
    if kinds.all(|k| k == first) {
        first
    } else {
        MysqlReading::Kind
    }
}

/// The trust store of the driver that reads the target, and the rules the
/// check was judged by.
pub(crate) fn apply(
    drivers: &mut Drivers,
    check: CheckName,
    setting: &mut Setting<MysqlTarget>,
    env: &DriverEnv,
) {
    let Setting::Ready { target, .. } = setting else {
        return;
    };
    if let Some((error, rule)) = sqlalchemy_default_dbapi(drivers, check, target) {
        setting.refuse(error);
        drivers.rules.push(rule);
        return;
    }
    if matches!(target.roots, Roots::Node(_)) {
        target.roots = match &env.node_roots {
            RootCert::System => Roots::System,
            RootCert::Node(extra) => Roots::Node(extra.clone()),
            RootCert::File(file) => Roots::File(file.clone()),
        };
    }
    let rule = match target.reader {
        MysqlReader::Mysql2 => mysql2_rule(drivers, check, target),
        MysqlReader::SaPymysql => pymysql_rule(drivers, check, target),
        MysqlReader::SaAiomysql | MysqlReader::Kind => None,
    };
    drivers.rules.extend(rule);
}

/// SQLAlchemy reads a plain `mysql://` as `mysql+mysqldb://`: its default
/// DBAPI is mysqlclient (`dialects/mysql/mysqldb.py`, `dialect =
/// MySQLDialect_mysqldb`), so an app that has `PyMySQL` and not mysqlclient
/// fails in `create_engine()` with `No module named 'MySQLdb'` — unless its
/// code calls `pymysql.install_as_MySQLdb()`, which railconn cannot see
/// (the fix says how to keep the old verdict then).
fn sqlalchemy_default_dbapi(
    drivers: &Drivers,
    check: CheckName,
    target: &MysqlTarget,
) -> Option<(crate::source::url::UrlError, Rule)> {
    let plain = target.redacted.starts_with("mysql://");
    let sqlalchemy = drivers.get(Driver::Sqlalchemy)?;
    let pymysql = drivers.get(Driver::Pymysql)?;
    if !plain || drivers.get(Driver::Mysqlclient).is_some() {
        return None;
    }
    Some(super::postgres::refused_before_connecting(
        check,
        msg::driver_sa_mysqldb(sqlalchemy.to_string(), pymysql.to_string()),
        msg::driver_sa_mysqldb_cause(),
        msg::driver_sa_mysqldb_fix(check.as_str().to_string()),
    ))
}

/// mysql2's reading: TLS parameters it ignores (the connection is then
/// unencrypted), or a certificate verified against Node's store.
fn mysql2_rule(drivers: &Drivers, check: CheckName, target: &MysqlTarget) -> Option<Rule> {
    let driver = drivers.get(Driver::Mysql2)?.to_string();
    if target.ssl_mode == SslMode::Disabled && !target.ignored.is_empty() {
        let keys = target.ignored.join(", ");
        return Some(Rule {
            check,
            does: msg::driver_mysql2_ignores_tls(driver.clone(), keys.clone()),
            fails_with: vec![Code::TlsRequired, Code::AuthFailed, Code::AccessDenied],
            cause: msg::driver_mysql2_ignores_tls_cause(driver, keys),
            fix: msg::driver_mysql2_ssl_fix(),
        });
    }
    matches!(target.ssl_mode, SslMode::VerifyCa | SslMode::VerifyIdentity).then(|| Rule {
        check,
        does: msg::driver_mysql2_verifies(driver.clone()),
        fails_with: vec![Code::CertificateInvalid],
        cause: msg::driver_mysql2_verifies_cause(driver),
        fix: msg::driver_mysql2_verifies_fix(),
    })
}

/// `PyMySQL`'s own reading where it changed the check: TLS preferred
/// when the URL asks nothing, or the URL's CA dropped.
fn pymysql_rule(drivers: &Drivers, check: CheckName, target: &MysqlTarget) -> Option<Rule> {
    let driver = drivers.get(Driver::Pymysql)?.to_string();
    if !target.ignored.is_empty() {
        return Some(Rule {
            check,
            does: msg::driver_pymysql_ca_dropped(driver.clone()),
            fails_with: vec![Code::CertificateInvalid],
            cause: msg::driver_pymysql_ca_dropped_cause(driver),
            fix: msg::driver_pymysql_ca_dropped_fix(),
        });
    }
    (target.ssl_mode == SslMode::Preferred).then(|| Rule {
        check,
        does: msg::driver_pymysql_preferred(driver.clone()),
        fails_with: vec![Code::TlsHandshakeFailed],
        cause: msg::driver_pymysql_preferred_cause(driver),
        fix: msg::driver_pymysql_preferred_fix(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Provenance;

    fn judged(drivers: &[Driver], url: &str, env: &DriverEnv) -> (Drivers, MysqlTarget) {
        let list: Vec<(Driver, Option<&str>)> = drivers.iter().map(|d| (*d, None)).collect();
        let mut drivers = Drivers::named(&list);
        let target = match reading(&drivers) {
            MysqlReading::Mysql2 => MysqlTarget::parse_mysql2(url),
            MysqlReading::Pymysql => MysqlTarget::parse_pymysql(url),
            MysqlReading::Kind => MysqlTarget::parse(url),
        };
        let mut setting = Setting::Ready {
            source: Provenance::Flag("--target"),
            target: target.unwrap(),
            findings: Vec::new(),
        };
        apply(&mut drivers, CheckName::POSTGRES, &mut setting, env);
        (drivers, setting.target().unwrap().clone())
    }

    fn env() -> DriverEnv {
        DriverEnv {
            pgsslmode: None,
            pgtargetsessionattrs: None,
            pgport: None,
            node_roots: RootCert::Node(Some("/extra.pem".into())),
        }
    }

    /// SQLAlchemy reads a plain `mysql://` as mysqlclient's: with `PyMySQL`
    /// and no mysqlclient the engine cannot be created; `mysql+pymysql://`
    /// or mysqlclient in the manifests is fine.
    #[test]
    fn sqlalchemy_with_pymysql_alone_refuses_a_plain_mysql_url() {
        let refused = |list: &[Driver], url: &str| {
            let named: Vec<(Driver, Option<&str>)> = list.iter().map(|d| (*d, None)).collect();
            let mut drivers = Drivers::named(&named);
            let mut setting = Setting::Ready {
                source: Provenance::Flag("--target"),
                target: MysqlTarget::parse(url).unwrap(),
                findings: Vec::new(),
            };
            apply(&mut drivers, CheckName::POSTGRES, &mut setting, &env());
            matches!(setting, Setting::Invalid { .. })
        };
        let sa = [Driver::Sqlalchemy, Driver::Pymysql];
        assert!(refused(&sa, "mysql://u:p@db.example/app"));
        assert!(!refused(&sa, "mysql+pymysql://u:p@db.example/app"));
        let both = [Driver::Sqlalchemy, Driver::Pymysql, Driver::Mysqlclient];
        assert!(!refused(&both, "mysql://u:p@db.example/app"));
        assert!(!refused(&[Driver::Pymysql], "mysql://u:p@db.example/app"));
    }

    #[test]
    fn one_driver_decides_the_reading_of_plain_urls() {
        let of = |list: &[Driver]| {
            let named: Vec<(Driver, Option<&str>)> = list.iter().map(|d| (*d, None)).collect();
            reading(&Drivers::named(&named))
        };
        assert_eq!(of(&[]), MysqlReading::Kind);
        assert_eq!(of(&[Driver::Mysql2]), MysqlReading::Mysql2);
        assert_eq!(
            of(&[Driver::Sqlalchemy, Driver::Pymysql]),
            MysqlReading::Pymysql
        );
        assert_eq!(of(&[Driver::Pymysql, Driver::Mysql2]), MysqlReading::Kind);
        assert_eq!(of(&[Driver::Mysqlclient]), MysqlReading::Kind);
    }

    #[test]
    fn mysql2_ignores_ssl_mode_and_verifies_against_nodes_store() {
        let (drivers, target) =
            judged(&[Driver::Mysql2], "mysql://u@h/d?ssl-mode=REQUIRED", &env());
        assert_eq!(target.ssl_mode, SslMode::Disabled);
        assert_eq!(drivers.rules[0].does.id(), "driver_mysql2_ignores_tls");
        let (drivers, target) = judged(&[Driver::Mysql2], "mysql://u@h/d?ssl={}", &env());
        assert_eq!(target.ssl_mode, SslMode::VerifyCa);
        assert_eq!(target.roots, Roots::Node(Some("/extra.pem".into())));
        assert_eq!(drivers.rules[0].fails_with, [Code::CertificateInvalid]);
    }

    #[test]
    fn pymysql_prefers_tls_and_the_kind_reading_stays_without_drivers() {
        let (drivers, target) = judged(&[Driver::Pymysql], "mysql://u@h/d", &env());
        assert_eq!(target.ssl_mode, SslMode::Preferred);
        assert_eq!(drivers.rules[0].does.id(), "driver_pymysql_preferred");
        let (drivers, target) = judged(&[], "mysql://u@h/d?ssl-mode=REQUIRED", &env());
        assert_eq!(target.ssl_mode, SslMode::Required);
        assert!(drivers.rules.is_empty());
        let (_, target) = judged(&[], "mysql+pymysql://u@h/d", &env());
        assert_eq!(
            target.ssl_mode,
            SslMode::Preferred,
            "the scheme names PyMySQL"
        );
    }
}
