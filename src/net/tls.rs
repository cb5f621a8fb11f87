//! TLS with rustls (aws-lc-rs), shared by the PostgreSQL and Redis probes.
//!
//! libpq's `sslmode` decides how much of the certificate is checked, so the
//! verifier has three modes: none (encrypt only, `require`/`prefer`), CA
//! only (`verify-ca`: chain must verify, any name), and full (`verify-full`,
//! `rediss://`). The verifier captures the server's certificate *before*
//! judging it, so a failure can still say whose certificate it was and when
//! it expires.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;
use x509_cert::der::Decode;

use super::sniff::{self, PeerKind, Sniffed};
use super::tls_messages;
use super::within;
use crate::i18n::{Message, msg};
use crate::model::{Code, FindingCode};
use crate::model::{Failure, Finding};

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verify {
    /// Encrypt only; the certificate is recorded but not judged.
    Nothing,
    /// The chain must lead to one of `roots`; the name is not checked.
    CaOnly(Roots),
    /// Chain and host name (RFC 6125) are both checked.
    Full(Roots),
}

/// Where trust anchors come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Roots {
    System,
    File(std::path::PathBuf),
    /// Mozilla's list as Node.js bundles it, plus an extra PEM file
    /// (`NODE_EXTRA_CA_CERTS`).
    Node(Option<std::path::PathBuf>),
}

/// What a successful handshake established.
#[derive(Debug, Clone)]
pub(crate) struct TlsInfo {
    pub version: String,
    pub verified: bool,
    pub certificate: Option<CertInfo>,
    /// RFC 5929 `tls-server-end-point` data for SCRAM channel binding.
    pub end_point: Option<Vec<u8>>,
    /// The application protocol the server chose (RFC 7301 ALPN), if any.
    pub alpn: Option<Vec<u8>>,
    /// Whether [`Extras::early`] went out with the client's `Finished`.
    pub early_sent: bool,
}

impl TlsInfo {
    /// The tls step's detail: version, verification and certificate.
    pub(crate) fn detail(&self) -> Message {
        match &self.certificate {
            Some(c) => tls_messages::tls_cert_detail(
                &self.version,
                self.verified,
                &tls_messages::CertDetail {
                    subject: &c.subject,
                    issuer: &c.issuer,
                    names: &c.names,
                    not_after_unix: c.not_after_unix,
                    days_left: c.days_left,
                },
            ),
            None => tls_messages::tls_detail(&self.version, self.verified),
        }
    }
}

/// The facts of the server's leaf certificate that users ask about.
#[derive(Debug, Clone)]
pub(crate) struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// `notAfter` in seconds since the Unix epoch: a renderer shows it in
    /// the run's language (`28.12.2026 04:09 UTC`).
    pub not_after_unix: u64,
    /// DNS names and IP addresses the certificate is valid for.
    pub names: Vec<String>,
    /// Whole days until `not_after`; negative once expired.
    pub days_left: i64,
    /// Issued by itself (subject = issuer), as Railway's PostgreSQL
    /// certificate for `localhost` is.
    pub self_signed: bool,
}

/// The process-wide crypto provider (aws-lc-rs), built once.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .clone()
}

/// Which key share the `ClientHello` carries. rustls sends one for its first
/// group only; a server that does not accept it answers with a
/// `HelloRetryRequest`, which costs a whole round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyShares {
    /// rustls's order (post-quantum hybrid, then X25519): right for most
    /// servers, e.g. Redis built with OpenSSL 3.
    Default,
    /// P-256 first. PostgreSQL up to 17 accepts only `ssl_ecdh_curve`,
    /// default `prime256v1` (runtime-config-connection.html), so any other
    /// first share costs a `HelloRetryRequest`; PostgreSQL 18's `ssl_groups`
    /// still includes it.
    P256First,
}

fn provider_for(shares: KeyShares) -> Arc<CryptoProvider> {
    static P256_FIRST: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    match shares {
        KeyShares::Default => provider(),
        KeyShares::P256First => P256_FIRST
            .get_or_init(|| {
                use rustls::crypto::aws_lc_rs::kx_group;
                let mut provider = rustls::crypto::aws_lc_rs::default_provider();
                provider.kx_groups = vec![
                    kx_group::SECP256R1,
                    kx_group::X25519,
                    kx_group::X25519MLKEM768,
                    kx_group::SECP384R1,
                ];
                Arc::new(provider)
            })
            .clone(),
    }
}

/// Performs a TLS handshake over `stream` within `limit`.
pub(crate) async fn handshake<S>(
    stream: S,
    host: &str,
    how: (&Verify, KeyShares),
    sniffed: &Sniffed,
    limit: Duration,
) -> Result<(TlsStream<S>, TlsInfo), Failure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    handshake_returning(stream, host, how, Extras::default(), sniffed, limit)
        .await
        .map_err(|(failure, _)| failure)
}

/// The most [`Extras::early`] may carry: well inside rustls's 64 KiB
/// buffer for data written before the handshake completes.
const EARLY_LIMIT: usize = 16 * 1024;

/// What a [`handshake_returning`] adds to the plain handshake.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Extras<'a> {
    /// One application protocol offered by ALPN (RFC 7301): PostgreSQL
    /// 17's direct TLS requires `postgresql` (protocol docs, "Requesting
    /// SSL Session Encryption").
    pub alpn: Option<&'a [u8]>,
    /// The protocol's first bytes, sent in the same write as the client's
    /// `Finished` instead of one write later (TLS 1.3; with TLS 1.2 right
    /// after the server's `Finished`). rustls holds data written
    /// before the handshake completes and encrypts it only once the
    /// server's certificate was judged and its `Finished` verified
    /// (`ConnectionCommon::writer`, "buffered until the handshake
    /// completes"), so nothing reaches a server the verifier refused.
    pub early: Option<&'a [u8]>,
}

/// [`handshake`] with [`Extras`], handing the stream back when the
/// handshake fails before its time is up: a stream that refuses TLS on
/// purpose (see `postgres::sslrequest`) can go on in plaintext.
pub(crate) async fn handshake_returning<S>(
    stream: S,
    host: &str,
    how: (&Verify, KeyShares),
    extras: Extras<'_>,
    sniffed: &Sniffed,
    limit: Duration,
) -> Result<(TlsStream<S>, TlsInfo), (Failure, Option<S>)>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (verify, shares) = how;
    let seen = Arc::new(Mutex::new(None));
    let prepared = CapturingVerifier::new(verify, seen.clone())
        .and_then(|verifier| client_config(verifier, shares))
        .and_then(|config| Ok((config, server_name(host)?)));
    let (mut config, name) = match prepared {
        Ok(prepared) => prepared,
        Err(failure) => return Err((failure, Some(stream))),
    };
    if let Some(protocol) = extras.alpn {
        Arc::make_mut(&mut config).alpn_protocols = vec![protocol.to_vec()];
    }
    let connector = tokio_rustls::TlsConnector::from(config);
    let mut early_sent = false;
    let queue_early = |connection: &mut rustls::ClientConnection| {
        // rustls buffers up to 64 KiB before the handshake completes and
        // would take a prefix of more; a startup message is a few hundred
        // bytes (PostgreSQL refuses one over 10,000). All or nothing: what
        // is not queued whole the caller sends itself (`early_sent`).
        early_sent = extras
            .early
            .filter(|bytes| bytes.len() <= EARLY_LIMIT)
            .is_some_and(|bytes| connection.writer().write(bytes).ok() == Some(bytes.len()));
    };
    let connecting = connector.connect_with(name, stream, queue_early);
    let result = within(limit, connecting.into_fallible()).await;
    let leaf = seen.lock().ok().and_then(|s| s.clone());
    match result {
        None => Err((Failure::new(Code::Timeout, msg::tls_timeout(limit)), None)),
        Some(Err((error, stream))) => {
            Err((classify(&error, sniffed, leaf.as_deref()), Some(stream)))
        }
        Some(Ok(tls)) => {
            let mut info = info(&tls, verify, leaf.as_deref());
            info.early_sent = early_sent;
            Ok((tls, info))
        }
    }
}

fn client_config(
    verifier: CapturingVerifier,
    shares: KeyShares,
) -> Result<Arc<ClientConfig>, Failure> {
    let config = ClientConfig::builder_with_provider(provider_for(shares))
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::new(Code::TlsHandshakeFailed, msg::verbatim(e.to_string())))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// IP literals are verified against IP SANs and send no SNI (RFC 6066 §3).
fn server_name(host: &str) -> Result<ServerName<'static>, Failure> {
    ServerName::try_from(host.to_string())
        .map_err(|_| Failure::new(Code::InvalidUrl, msg::tls_bad_server_name(host)))
}

fn info<S>(tls: &TlsStream<S>, verify: &Verify, leaf: Option<&[u8]>) -> TlsInfo {
    let connection = tls.get_ref().1;
    let version = connection.protocol_version().map_or_else(
        || "TLS".to_string(),
        |v| tls_messages::tls_version(v.as_str().unwrap_or("TLS")),
    );
    TlsInfo {
        version,
        verified: *verify != Verify::Nothing,
        certificate: leaf.and_then(cert_info),
        end_point: leaf.and_then(end_point_hash),
        alpn: connection.alpn_protocol().map(<[u8]>::to_vec),
        early_sent: false,
    }
}

/// Subject, issuer and expiry of a DER certificate.
pub(crate) fn cert_info(der: &[u8]) -> Option<CertInfo> {
    let Ok(cert) = x509_cert::Certificate::from_der(der) else {
        return cert_info_before_1970(der);
    };
    let tbs = &cert.tbs_certificate;
    let expires = tbs.validity.not_after.to_unix_duration().as_secs();
    Some(CertInfo {
        subject: tbs.subject.to_string(),
        issuer: tbs.issuer.to_string(),
        not_after_unix: expires,
        names: subject_alt_names(&cert),
        days_left: days_until(i64::try_from(expires).unwrap_or(i64::MAX)),
        self_signed: tbs.subject == tbs.issuer,
    })
}

/// Whole days from now until `unix` seconds; negative once past.
fn days_until(unix: i64) -> i64 {
    let now = i64::try_from(UnixTime::now().as_secs()).unwrap_or(0);
    unix.saturating_sub(now).div_euclid(86_400)
}

/// der's `DateTime` starts at 1970, so a certificate whose validity starts
/// earlier (`UTCTime` reaches back to 1950, RFC 5280 §4.1.2.5.1) does not
/// decode as a whole: its names and `notAfter` are read field by field.
fn cert_info_before_1970(der: &[u8]) -> Option<CertInfo> {
    use x509_cert::der::asn1::AnyRef;
    use x509_cert::der::{Reader, SliceReader, Tag, TagNumber};
    use x509_cert::name::Name;
    let cert = AnyRef::from_der(der).ok()?;
    let mut cert = SliceReader::new(cert.value()).ok()?;
    let tbs: AnyRef<'_> = cert.decode().ok()?;
    let mut tbs = SliceReader::new(tbs.value()).ok()?;
    let version = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber::N0,
    };
    if tbs.peek_tag().ok()? == version {
        let _version: AnyRef<'_> = tbs.decode().ok()?;
    }
    let _serial: AnyRef<'_> = tbs.decode().ok()?;
    let _signature: AnyRef<'_> = tbs.decode().ok()?;
    let issuer: Name = tbs.decode().ok()?;
    let validity: AnyRef<'_> = tbs.decode().ok()?;
    let subject: Name = tbs.decode().ok()?;
    let mut validity = SliceReader::new(validity.value()).ok()?;
    let _not_before: AnyRef<'_> = validity.decode().ok()?;
    let not_after: AnyRef<'_> = validity.decode().ok()?;
    let expires = asn1_time(x509_cert::der::Tagged::tag(&not_after), not_after.value())?;
    Some(CertInfo {
        subject: subject.to_string(),
        issuer: issuer.to_string(),
        not_after_unix: u64::try_from(expires).unwrap_or(0),
        names: Vec::new(),
        days_left: days_until(expires),
        self_signed: subject == issuer,
    })
}

/// A `UTCTime` (`YYMMDDHHMMSSZ`, 1950–2049) or `GeneralizedTime`
/// (`YYYYMMDDHHMMSSZ`) as Unix seconds, before 1970 too.
fn asn1_time(tag: x509_cert::der::Tag, text: &[u8]) -> Option<i64> {
    use x509_cert::der::Tag;
    let text = std::str::from_utf8(text).ok()?.strip_suffix('Z')?;
    let number = |at: usize, len: usize| text.get(at..at + len)?.parse::<u16>().ok();
    let (year, rest) = match tag {
        Tag::UtcTime if text.len() == 12 => {
            let yy = number(0, 2)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        Tag::GeneralizedTime if text.len() == 14 => (number(0, 4)?, 4),
        _ => return None,
    };
    let part = |i: usize| number(rest + 2 * i, 2).and_then(|n| u8::try_from(n).ok());
    let (month, day, hour, minute, second) = (part(0)?, part(1)?, part(2)?, part(3)?, part(4)?);
    let date =
        time::Date::from_calendar_date(i32::from(year), time::Month::try_from(month).ok()?, day)
            .ok()?;
    let at = time::Time::from_hms(hour, minute, second).ok()?;
    Some(
        time::PrimitiveDateTime::new(date, at)
            .assume_utc()
            .unix_timestamp(),
    )
}

fn subject_alt_names(cert: &x509_cert::Certificate) -> Vec<String> {
    use x509_cert::ext::pkix::SubjectAltName;
    use x509_cert::ext::pkix::name::GeneralName;
    let Ok(Some((_, SubjectAltName(names)))) = cert.tbs_certificate.get::<SubjectAltName>() else {
        return Vec::new();
    };
    names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DnsName(dns) => Some(dns.to_string()),
            GeneralName::IpAddress(ip) => ip_text(ip.as_bytes()),
            _ => None,
        })
        .collect()
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    let ip = match bytes.len() {
        4 => std::net::IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?),
        16 => std::net::IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?),
        _ => return None,
    };
    Some(ip.to_string())
}

/// The leaf certificate's expiry (seconds since the Unix epoch), if read.
pub(crate) fn not_after(info: &TlsInfo) -> Option<u64> {
    info.certificate.as_ref().map(|cert| cert.not_after_unix)
}

/// Findings about the certificate itself, whatever the verification mode:
/// close to or past expiry, or self-signed (which verify-full can never
/// accept from a public host name).
pub(crate) fn certificate_findings(info: &TlsInfo) -> Vec<Finding> {
    let Some(cert) = &info.certificate else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    if cert.days_left < 0 {
        findings.push(Finding::warn(
            FindingCode::CertificateExpiry,
            tls_messages::cert_expired_unverified(cert.not_after_unix),
        ));
    } else if cert.days_left < EXPIRY_WARNING_DAYS {
        findings.push(Finding::warn(
            FindingCode::CertificateExpiry,
            tls_messages::cert_expires_soon(cert.days_left, cert.not_after_unix),
        ));
    }
    if cert.self_signed {
        findings.push(Finding::info(
            FindingCode::SelfSigned,
            tls_messages::cert_self_signed(&cert.names),
        ));
    }
    findings
}

/// Fewer days than this left is a warning: time to renew before clients
/// that verify start failing.
const EXPIRY_WARNING_DAYS: i64 = 14;

/// RFC 5929 §4.1: hash the certificate with its signature's hash, using
/// SHA-256 where that hash is MD5 or SHA-1. PostgreSQL does the same
/// (`be_tls_get_certificate_hash`); with no usable hash (Ed25519) there is
/// no channel binding and SCRAM falls back to plain SCRAM-SHA-256.
fn end_point_hash(der: &[u8]) -> Option<Vec<u8>> {
    use aws_lc_rs::digest;
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    let algorithm = match cert.signature_algorithm.oid.to_string().as_str() {
        "1.2.840.113549.1.1.4"
        | "1.2.840.113549.1.1.5"
        | "1.2.840.113549.1.1.11"
        | "1.2.840.10045.4.1"
        | "1.2.840.10045.4.3.2"
        | "1.2.840.113549.1.1.10" => &digest::SHA256,
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => &digest::SHA384,
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => &digest::SHA512,
        _ => return None,
    };
    Some(digest::digest(algorithm, der).as_ref().to_vec())
}

fn classify(error: &io::Error, sniffed: &Sniffed, leaf: Option<&[u8]>) -> Failure {
    if sniffed.cut_off() {
        return Failure::new(Code::ProtocolError, sniff::peer_too_much(sniff::MAX_READ));
    }
    let rustls_error = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    match rustls_error {
        Some(rustls::Error::InvalidCertificate(cert_error)) => {
            certificate_failure(cert_error, leaf)
        }
        Some(rustls::Error::AlertReceived(alert)) => Failure::new(
            Code::TlsHandshakeFailed,
            tls_messages::tls_alert(&format!("{alert:?}")),
        ),
        Some(other) => not_tls_or(sniffed, &other.to_string()),
        None => io_failure(error, sniffed),
    }
}

fn io_failure(error: &io::Error, sniffed: &Sniffed) -> Failure {
    match error.kind() {
        io::ErrorKind::ConnectionReset => Failure::new(Code::ConnectionReset, msg::tls_reset()),
        io::ErrorKind::UnexpectedEof => match sniffed.peer_kind() {
            Some(PeerKind::Redis | PeerKind::Postgres) => not_tls_or(sniffed, ""),
            _ => Failure::new(Code::TlsHandshakeFailed, msg::tls_closed()),
        },
        _ => not_tls_or(sniffed, &error.to_string()),
    }
}

/// A handshake that failed on bytes that are not TLS: say what they were.
fn not_tls_or(sniffed: &Sniffed, fallback: &str) -> Failure {
    match sniffed.peer_kind() {
        Some(PeerKind::Redis | PeerKind::Postgres) => {
            Failure::new(Code::TlsUnsupported, msg::tls_peer_plaintext())
        }
        Some(PeerKind::Http) => Failure::new(Code::ProtocolError, msg::peer_is_http()),
        _ => Failure::new(Code::TlsHandshakeFailed, tls_messages::tls_failed(fallback)),
    }
}

fn certificate_failure(error: &CertificateError, leaf: Option<&[u8]>) -> Failure {
    let whose = leaf.and_then(cert_info);
    let reason = match error {
        CertificateError::UnknownIssuer => msg::cert_unknown_issuer(),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => msg::cert_expired(),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            msg::cert_not_yet_valid()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            msg::cert_wrong_name()
        }
        other => tls_messages::cert_other(&format!("{other:?}")),
    };
    Failure::new(
        Code::CertificateInvalid,
        match &whose {
            Some(c) => {
                tls_messages::cert_failure_of(&reason, &c.subject, &c.issuer, c.not_after_unix)
            }
            None => tls_messages::cert_failure(&reason),
        },
    )
}

/// The largest CA bundle read (the Mozilla bundle is about 220 KiB).
const MAX_ROOTS_FILE: u64 = 4 * 1024 * 1024;

fn read_roots(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, Failure> {
    let unreadable = |e: crate::i18n::Message| {
        Failure::new(
            Code::CertificateInvalid,
            tls_messages::root_file_unreadable(path, &e),
        )
    };
    let bytes = crate::source::read_setting_file(path, MAX_ROOTS_FILE)
        .map_err(|e| unreadable(crate::i18n::io_reason(&e)))?;
    CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| unreadable(msg::verbatim(e.to_string())))
}

/// The operating system's roots, loaded once per process. `SSL_CERT_FILE`
/// is honoured by rustls-native-certs; it must be a regular file, since a
/// FIFO there would block the runtime thread.
fn system_roots() -> Vec<CertificateDer<'static>> {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let unsafe_override = std::env::var_os("SSL_CERT_FILE")
                .is_some_and(|path| !std::fs::metadata(path).is_ok_and(|m| m.is_file()));
            if unsafe_override {
                return Vec::new();
            }
            rustls_native_certs::load_native_certs().certs
        })
        .clone()
}

/// Loads trust anchors; an empty store is a failure, not a panic later.
fn load_roots(roots: &Roots) -> Result<(RootCertStore, Vec<CertificateDer<'static>>), Failure> {
    if let Roots::Node(extra) = roots {
        return Ok(node_roots(extra.as_deref()));
    }
    let certs = match roots {
        Roots::File(path) => read_roots(path)?,
        _ => system_roots(),
    };
    let mut store = RootCertStore::empty();
    let (added, _ignored) = store.add_parsable_certificates(certs.iter().cloned());
    if added == 0 {
        return Err(Failure::new(
            Code::CertificateInvalid,
            match roots {
                Roots::File(path) => tls_messages::root_file_empty(path),
                _ => msg::roots_empty_system(),
            },
        ));
    }
    Ok((store, certs))
}

/// Node.js's default store: its bundled Mozilla list (`webpki-roots` is the
/// same list, from the CCADB) plus `NODE_EXTRA_CA_CERTS`, whose unreadable
/// file Node only warns about. Nothing is pinned: Node trusts a server
/// certificate only through a chain.
fn node_roots(extra: Option<&std::path::Path>) -> (RootCertStore, Vec<CertificateDer<'static>>) {
    let mut store = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(certs) = extra.and_then(|path| read_roots(path).ok()) {
        store.add_parsable_certificates(certs);
    }
    (store, Vec::new())
}

/// Wraps webpki verification, records the leaf first, and relaxes what the
/// mode does not require.
#[derive(Debug)]
struct CapturingVerifier {
    inner: Option<Arc<WebPkiServerVerifier>>,
    check_name: bool,
    /// Roots given as files: a server certificate identical to one of them
    /// is trusted as pinned. rustls rejects a self-signed CA certificate used
    /// as the server's own (`CaUsedAsEndEntity`); libpq accepts it.
    pinned: Vec<CertificateDer<'static>>,
    seen: Arc<Mutex<Option<Vec<u8>>>>,
}

impl CapturingVerifier {
    fn new(verify: &Verify, seen: Arc<Mutex<Option<Vec<u8>>>>) -> Result<Self, Failure> {
        let (roots, check_name) = match verify {
            Verify::Nothing => (None, false),
            Verify::CaOnly(roots) => (Some(roots), false),
            Verify::Full(roots) => (Some(roots), true),
        };
        let (inner, pinned) = match roots {
            None => (None, Vec::new()),
            Some(roots) => webpki_verifier(roots)?,
        };
        Ok(Self {
            inner,
            check_name,
            pinned,
            seen,
        })
    }

    /// A pinned certificate is trusted without a chain, but it must be
    /// within its validity period, and `verify-full` still wants the host
    /// name to match it (as OpenSSL checks for libpq).
    fn pinned(
        &self,
        end_entity: &CertificateDer<'_>,
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        check_validity(end_entity, now)?;
        if self.check_name {
            let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_name(&parsed, server_name)?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn name_only_error(&self, error: &rustls::Error) -> bool {
        !self.check_name
            && matches!(
                error,
                rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName
                        | CertificateError::NotValidForNameContext { .. }
                )
            )
    }
}

/// A verifier and the certificates pinned beside it.
type Verifier = (
    Option<Arc<WebPkiServerVerifier>>,
    Vec<CertificateDer<'static>>,
);

/// The verifier for `roots`. The operating system's store (read once per
/// process, `system_roots`) and Node's bundled list never change while the
/// process runs, so their verifiers are built once: parsing some 140
/// anchors into a `RootCertStore` cost about 640,000 instructions per
/// check (callgrind, issue 24), paid by every target and every `serve`
/// round. A root file (`sslrootcert`, `NODE_EXTRA_CA_CERTS`) is read again
/// for each check, as libpq reads it for each connection: a CA rotated on
/// disk under a running `serve` is seen at its next round.
fn webpki_verifier(roots: &Roots) -> Result<Verifier, Failure> {
    static SYSTEM: OnceLock<Result<Verifier, Failure>> = OnceLock::new();
    static NODE: OnceLock<Result<Verifier, Failure>> = OnceLock::new();
    let once = match roots {
        Roots::System => &SYSTEM,
        Roots::Node(None) => &NODE,
        Roots::File(_) | Roots::Node(Some(_)) => return build_verifier(roots),
    };
    once.get_or_init(|| build_verifier(roots)).clone()
}

fn build_verifier(roots: &Roots) -> Result<Verifier, Failure> {
    let (store, certs) = load_roots(roots)?;
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider())
        .build()
        .map_err(|e| Failure::new(Code::CertificateInvalid, msg::verbatim(e.to_string())))?;
    let pinned = if matches!(roots, Roots::File(_)) {
        certs
    } else {
        Vec::new()
    };
    Ok((Some(verifier), pinned))
}

fn check_validity(der: &CertificateDer<'_>, now: UnixTime) -> Result<(), rustls::Error> {
    let bad = || rustls::Error::InvalidCertificate(CertificateError::BadEncoding);
    let cert = x509_cert::Certificate::from_der(der.as_ref()).map_err(|_| bad())?;
    let validity = &cert.tbs_certificate.validity;
    let now = now.as_secs();
    if now < validity.not_before.to_unix_duration().as_secs() {
        return Err(rustls::Error::InvalidCertificate(
            CertificateError::NotValidYet,
        ));
    }
    if now > validity.not_after.to_unix_duration().as_secs() {
        return Err(rustls::Error::InvalidCertificate(CertificateError::Expired));
    }
    Ok(())
}

impl ServerCertVerifier for CapturingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(end_entity.as_ref().to_vec());
        }
        let Some(inner) = &self.inner else {
            return Ok(ServerCertVerified::assertion());
        };
        if self
            .pinned
            .iter()
            .any(|p| p.as_ref() == end_entity.as_ref())
        {
            return self.pinned(end_entity, server_name, now);
        }
        match inner.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(error) if self.name_only_error(&error) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_valid_from_before_1970_still_has_its_expiry() {
        let mut params = rcgen::CertificateParams::new(vec!["db.example".to_string()]).unwrap();
        params.not_before = rcgen::date_time_ymd(1950, 1, 1);
        params.not_after = rcgen::date_time_ymd(2049, 12, 31);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        // The whole-certificate decoder refuses it: the case this is for.
        assert!(x509_cert::Certificate::from_der(cert.der()).is_err());
        let info = cert_info(cert.der()).expect("expiry facts");
        // 2049-12-31T00:00:00Z
        assert_eq!(info.not_after_unix, 2_524_521_600);
        assert!(info.days_left > 365, "{}", info.days_left);
        assert!(info.self_signed);
    }

    #[test]
    fn asn1_times_before_1970_count_back() {
        use x509_cert::der::Tag;
        assert_eq!(asn1_time(Tag::UtcTime, b"691231235959Z"), Some(-1));
        assert_eq!(asn1_time(Tag::GeneralizedTime, b"19700101000000Z"), Some(0));
        assert_eq!(asn1_time(Tag::UtcTime, b"691331235959Z"), None);
    }

    /// Issue 24: the system's and Node's verifiers are built once per
    /// process; a root file is read again for every check, so a CA file
    /// replaced on disk under a running `serve` is what the next round
    /// trusts.
    #[test]
    fn fixed_stores_are_built_once_and_root_files_read_per_check() {
        let node = |v: Verifier| v.0.expect("a verifier");
        let first = node(webpki_verifier(&Roots::Node(None)).unwrap());
        let again = node(webpki_verifier(&Roots::Node(None)).unwrap());
        assert!(Arc::ptr_eq(&first, &again));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.crt");
        let pem = |name: &str| {
            let params = rcgen::CertificateParams::new(vec![name.to_string()]).unwrap();
            let key = rcgen::KeyPair::generate().unwrap();
            params.self_signed(&key).unwrap().pem()
        };
        let file = Roots::File(path.clone());
        std::fs::write(&path, pem("old.example")).unwrap();
        let (_, old) = webpki_verifier(&file).unwrap();
        std::fs::write(&path, pem("new.example")).unwrap();
        let (_, new) = webpki_verifier(&file).unwrap();
        assert_eq!((old.len(), new.len()), (1, 1));
        assert_ne!(old, new, "the file is read again");
    }
}
