//! The TLS layer's messages that need logic to build: the handshake's
//! version and alert, a certificate's failure with whose certificate it
//! was, and the detail of a verified or unverified session (dates in the
//! run's language, names as a list or said to be absent). The words are
//! in the catalogs; the TLS layer (`tls.rs`) calls these.

use std::path::Path;

use crate::i18n::{Message, msg};

/// rustls names versions `TLSv1_3`; people and libpq write `TLSv1.3`.
pub(crate) fn tls_version(raw: &str) -> String {
    raw.replace("TLSv1_", "TLSv1.")
}

pub(crate) fn tls_alert(alert: &str) -> Message {
    msg::tls_alert(alert.to_string())
}

pub(crate) fn tls_failed(error: &str) -> Message {
    msg::tls_failed(error.to_string())
}

pub(crate) fn cert_other(reason: &str) -> Message {
    msg::cert_other(reason.to_string())
}

pub(crate) fn cert_failure(reason: &Message) -> Message {
    msg::cert_failure(reason.clone())
}

pub(crate) fn root_file_unreadable(path: &Path, error: &Message) -> Message {
    msg::root_file_unreadable(path.display().to_string(), error.clone())
}

pub(crate) fn root_file_empty(path: &Path) -> Message {
    msg::roots_empty_file(path.display().to_string())
}

pub(crate) fn tls_detail(version: &str, verified: bool) -> Message {
    msg::tls_detail(version.to_string(), msg::yes_no(verified))
}

/// The negotiated TLS version and the server's leaf certificate.
pub(crate) struct CertDetail<'a> {
    pub subject: &'a str,
    pub issuer: &'a str,
    pub names: &'a [String],
    pub not_after_unix: u64,
    pub days_left: i64,
}

pub(crate) fn tls_cert_detail(version: &str, verified: bool, cert: &CertDetail<'_>) -> Message {
    msg::tls_detail_cert(
        version.to_string(),
        msg::yes_no(verified),
        cert.subject.to_string(),
        cert.issuer.to_string(),
        cert.names.join(", "),
        msg::yes_no(!cert.names.is_empty()),
        moment(cert.not_after_unix),
        cert.days_left,
    )
}

pub(crate) fn cert_expired_unverified(not_after_unix: u64) -> Message {
    msg::cert_expired_unverified(moment(not_after_unix))
}

pub(crate) fn cert_expires_soon(days: i64, not_after_unix: u64) -> Message {
    msg::cert_expires_soon(days, moment(not_after_unix))
}

/// A certificate's moment, shown in the run's language inside a sentence
/// (`2026-12-28 04:09 UTC`, `28.12.2026 04:09 UTC`).
fn moment(unix: u64) -> crate::i18n::Arg {
    crate::i18n::Arg::Time(i64::try_from(unix).unwrap_or(i64::MAX))
}

/// A certificate without subjectAltName names gets its own sentence: an
/// empty list printed as "(for [])" (issue 23).
pub(crate) fn cert_self_signed(names: &[String]) -> Message {
    if names.is_empty() {
        msg::cert_self_signed_unnamed()
    } else {
        msg::cert_self_signed(names.join(", "))
    }
}

pub(crate) fn cert_failure_of(
    reason: &Message,
    subject: &str,
    issuer: &str,
    not_after_unix: u64,
) -> Message {
    msg::cert_failure_with(
        reason.clone(),
        subject.to_string(),
        issuer.to_string(),
        moment(not_after_unix),
    )
}

#[cfg(test)]
mod tests {
    use crate::i18n::Lang;

    /// A certificate without names showed `names []` in the tls detail.
    #[test]
    fn the_tls_detail_of_a_certificate_without_names_has_no_empty_list() {
        let cert = super::CertDetail {
            subject: "CN=db",
            issuer: "CN=db",
            names: &[],
            not_after_unix: 1_798_430_968,
            days_left: 20,
        };
        for lang in [Lang::En, Lang::Ru] {
            let said = lang.render(&super::tls_cert_detail("TLSv1.3", false, &cert));
            assert!(!said.contains("[]"), "{said}");
            assert!(said.contains("subjectAltName"), "{said}");
        }
        let named = super::CertDetail {
            names: &["db.example".to_string()],
            ..cert
        };
        let said = Lang::Ru.render(&super::tls_cert_detail("TLSv1.3", true, &named));
        assert!(said.contains("имена [db.example]"), "{said}");
        assert!(said.contains("28.12.2026 04:09 UTC"), "{said}");
    }

    /// A self-signed certificate without names printed «(для [])».
    #[test]
    fn a_certificate_without_names_is_not_an_empty_list() {
        for lang in [Lang::En, Lang::Ru] {
            let said = lang.render(&super::cert_self_signed(&[]));
            assert!(!said.contains("[]"), "{said}");
            assert!(said.contains("subjectAltName"), "{said}");
            let named = lang.render(&super::cert_self_signed(&["localhost".to_string()]));
            assert!(named.contains("[localhost]"), "{named}");
        }
    }
}
