//! The test PKI: one CA that issues a valid and an expired server
//! certificate, plus an unrelated CA for "untrusted issuer" cases. Generated
//! with rcgen once per test process and written as PEM files to a scratch
//! directory that the watchdog deletes after the process exits.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

use super::lifecycle;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Paths of the generated PEM files.
pub struct Pki {
    pub dir: PathBuf,
    /// "railconn test CA": the issuer of `server_cert` and `expired_cert`.
    pub ca_cert: PathBuf,
    /// Valid for about a year; SANs `localhost`, `127.0.0.1`, `::1`.
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    /// A self-signed CA that signed nothing we serve.
    pub other_ca_cert: PathBuf,
    /// Signed by `ca_cert`, expired yesterday; SANs `localhost`, `127.0.0.1`.
    pub expired_cert: PathBuf,
    pub expired_key: PathBuf,
    /// A server certificate that expires in three days.
    pub expiring_cert: PathBuf,
    pub expiring_key: PathBuf,
}

/// The process-wide PKI, generated on first use.
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(generate)
}

fn generate() -> Pki {
    let dir = lifecycle::scratch_dir("railconn-pki-");
    lifecycle::supervise(&dir, Path::new("/dev/null"), "", &[]);
    let now = now();
    let ca = Ca::new("railconn test CA");
    let other_ca = Ca::new("railconn unrelated CA");
    let valid = ca.issue(
        &["localhost", "127.0.0.1", "::1"],
        (now.checked_sub(DAY).unwrap(), now + 365 * DAY),
    );
    let expired = ca.issue(
        &["localhost", "127.0.0.1"],
        (
            now.checked_sub(60 * DAY).unwrap(),
            now.checked_sub(DAY).unwrap(),
        ),
    );
    let expiring = ca.issue(
        &["localhost", "127.0.0.1"],
        (now.checked_sub(DAY).unwrap(), now + 3 * DAY),
    );
    Pki {
        expiring_cert: write(&dir, "expiring.crt", &expiring.cert_pem, 0o644),
        expiring_key: write(&dir, "expiring.key", &expiring.key_pem, 0o600),
        ca_cert: write(&dir, "ca.crt", &ca.pem, 0o644),
        server_cert: write(&dir, "server.crt", &valid.cert_pem, 0o644),
        server_key: write(&dir, "server.key", &valid.key_pem, 0o600),
        other_ca_cert: write(&dir, "other-ca.crt", &other_ca.pem, 0o644),
        expired_cert: write(&dir, "expired.crt", &expired.cert_pem, 0o644),
        expired_key: write(&dir, "expired.key", &expired.key_pem, 0o600),
        dir,
    }
}

/// rcgen takes `time::OffsetDateTime`; we build it from the Unix epoch plus a
/// std `Duration` so this crate needs no direct `time` dependency.
fn now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
}

/// A certificate authority that can sign server certificates.
struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

/// A signed server certificate and its private key.
struct Leaf {
    cert_pem: String,
    key_pem: String,
}

impl Ca {
    /// A self-signed CA valid from yesterday for ten years.
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::new()).expect("empty SAN list");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        set_validity(
            &mut params,
            (now().checked_sub(DAY).unwrap(), now() + 3650 * DAY),
        );
        let key = KeyPair::generate().expect("generate CA key");
        let pem = params.self_signed(&key).expect("self-sign CA").pem();
        Ca {
            issuer: Issuer::new(params, key),
            pem,
        }
    }

    /// A non-CA server certificate for `sans`, valid over `validity`.
    fn issue(&self, sans: &[&str], validity: (Duration, Duration)) -> Leaf {
        let sans: Vec<String> = sans.iter().map(std::string::ToString::to_string).collect();
        let mut params = CertificateParams::new(sans).expect("valid SANs");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        set_validity(&mut params, validity);
        let key = KeyPair::generate().expect("generate server key");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("sign server cert");
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// Sets `not_before/not_after` from offsets since the Unix epoch.
fn set_validity(params: &mut CertificateParams, (from, until): (Duration, Duration)) {
    let epoch = rcgen::date_time_ymd(1970, 1, 1);
    params.not_before = epoch + from;
    params.not_after = epoch + until;
}

fn write(dir: &Path, name: &str, pem: &str, mode: u32) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, pem).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    lifecycle::set_mode(&path, mode);
    path
}
