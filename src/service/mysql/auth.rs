//! Authentication: the `HandshakeResponse41` and what follows it, for
//! `mysql_native_password` and `caching_sha2_password` (fast path, and the
//! full path: the password in clear over TLS, else RSA-OAEP with the
//! server's public key), with `AuthSwitchRequest` to either
//! (<https://dev.mysql.com/doc/dev/mysql-server/latest/page_caching_sha2_authentication_exchanges.html>),
//! or to MariaDB's `client_ed25519` (an Ed25519 signature of the server's
//! nonce, <https://mariadb.com/kb/en/authentication-plugin-ed25519/>), or
//! to MySQL's older `sha256_password` (the password in clear over TLS,
//! else the same RSA exchange as `caching_sha2_password`'s full path, the
//! key asked for with `1`:
//! <https://dev.mysql.com/doc/refman/8.0/en/sha256-pluggable-authentication.html>).
//!
//! The responses are the ones PyMySQL computes (`pymysql/_auth.py`:
//! `scramble_native_password`, `scramble_caching_sha2`,
//! `sha2_rsa_encrypt`, `ed25519_password`), and the exchange spends no
//! round trip PyMySQL does not: the public key is asked for only when the
//! server wants the full path over plaintext.

use aws_lc_rs::digest::{self, SHA1_FOR_LEGACY_USE_ONLY, SHA256};
use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OaepPublicEncryptingKey, PublicEncryptingKey};
use ed25519_dalek::hazmat::{self, ExpandedSecretKey};
use ed25519_dalek::{Digest, Sha512, VerifyingKey};
use tokio::io::{AsyncRead, AsyncWrite};

use super::wire::{self, PacketReader, Packets, ServerError, WireError};
use crate::source::secret::Secret;

pub(crate) const NATIVE: &str = "mysql_native_password";
pub(crate) const CACHING_SHA2: &str = "caching_sha2_password";
pub(crate) const SHA256_PASSWORD: &str = "sha256_password";
/// The client side's name of MariaDB's `ed25519` plugin, as the server's
/// `AuthSwitchRequest` spells it (`plugin/auth_ed25519/server_ed25519.c`).
pub(crate) const ED25519: &str = "client_ed25519";

/// Server round trips after the response: switch, more data, key, result.
const MAX_ROUNDS: usize = 6;

/// How authentication went, for the step's detail and the findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authenticated {
    /// The plugin that finally accepted the client.
    pub(crate) plugin: String,
    /// How the password itself travelled, when the plugin sent it rather
    /// than a scramble (`caching_sha2_password`'s full path,
    /// `sha256_password`).
    pub(crate) full: Option<FullPath>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FullPath {
    /// In clear, inside TLS.
    OverTls,
    /// RSA-encrypted with the key the server sent on request: what mysql2
    /// and Connector/J refuse without `allowPublicKeyRetrieval=true`.
    RetrievedKey,
}

#[derive(Debug)]
pub(crate) enum AuthError {
    Server(ServerError),
    Wire(WireError),
    /// A plugin the check cannot speak (PAM's `dialog`, GSSAPI, ...).
    Unsupported(String),
    /// The server's public key could not be used.
    BadKey,
    /// The server went on asking for more than any plugin needs.
    TooManyRounds,
}

impl From<WireError> for AuthError {
    fn from(error: WireError) -> Self {
        Self::Wire(error)
    }
}

/// What the exchange needs from the target.
pub(crate) struct Login<'a> {
    pub(crate) user: &'a str,
    pub(crate) password: Option<&'a Secret>,
    pub(crate) database: Option<&'a str>,
}

/// Sends the `HandshakeResponse41` and follows the server until `OK` or
/// `ERR`.
pub(crate) async fn authenticate<S>(
    packets: &mut Packets<S>,
    greeting: &wire::Greeting,
    capabilities: u32,
    credentials: &Login<'_>,
    tls: bool,
) -> Result<Authenticated, AuthError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let password = credentials
        .password
        .map_or(&[][..], |p| p.expose().as_bytes());
    // Any other default plugin gets a native response; the server then
    // switches to the account's. ed25519 never answers the greeting: its
    // nonce comes in a packet of its own (server_ed25519.c `auth` writes
    // it first), and PyMySQL too answers an unknown greeting plugin with
    // a switch in view (`_request_authentication`).
    let mut plugin = if answers_greeting(&greeting.plugin) {
        greeting.plugin.clone()
    } else {
        NATIVE.to_string()
    };
    let mut nonce = greeting.scramble.clone();
    let first = response(&plugin, password, &nonce, tls);
    packets
        .write(&wire::handshake_response(
            capabilities,
            credentials.user,
            &first,
            credentials.database,
            &plugin,
        ))
        .await?;
    let mut full = None;
    for _ in 0..MAX_ROUNDS {
        let packet = packets.read().await?;
        match packet.first() {
            Some(0x00) => return Ok(Authenticated { plugin, full }),
            Some(0xFF) => return Err(AuthError::Server(wire::parse_error(&packet)?)),
            Some(0xFE) => {
                let mut r = PacketReader::new(&packet[1..]);
                plugin = String::from_utf8_lossy(r.nul_str()).into_owned();
                nonce = switch_nonce(&plugin, r.rest());
                if !is_supported(&plugin) {
                    return Err(AuthError::Unsupported(plugin));
                }
                packets
                    .write(&response(&plugin, password, &nonce, tls))
                    .await?;
            }
            Some(0x01) if plugin == CACHING_SHA2 => {
                full = more_data(packets, &packet[1..], password, &nonce, tls, full).await?;
            }
            Some(0x01) if plugin == SHA256_PASSWORD => {
                // The key we asked for with `1` (PyMySQL
                // `sha256_password_auth`: `sha2_rsa_encrypt` with the salt).
                let sealed =
                    rsa_encrypt(&packet[1..], password, &nonce).ok_or(AuthError::BadKey)?;
                packets.write(&sealed).await?;
                full = Some(FullPath::RetrievedKey);
            }
            _ => return Err(WireError::Malformed.into()),
        }
    }
    Err(AuthError::TooManyRounds)
}

/// `caching_sha2_password`'s `AuthMoreData`: `3` (fast path done, `OK`
/// follows), `4` (full authentication wanted), or the public key we asked
/// for.
async fn more_data<S>(
    packets: &mut Packets<S>,
    data: &[u8],
    password: &[u8],
    nonce: &[u8],
    tls: bool,
    full: Option<FullPath>,
) -> Result<Option<FullPath>, AuthError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match (data, full) {
        ([3], _) => Ok(full),
        ([4], _) if tls => {
            packets.write(&nul_terminated(password)).await?;
            Ok(Some(FullPath::OverTls))
        }
        ([4], _) => {
            // Request the public key (PyMySQL sends `\x02`).
            packets.write(&[2]).await?;
            Ok(Some(FullPath::RetrievedKey))
        }
        (pem, Some(FullPath::RetrievedKey)) => {
            let sealed = rsa_encrypt(pem, password, nonce).ok_or(AuthError::BadKey)?;
            packets.write(&sealed).await?;
            Ok(full)
        }
        _ => Err(WireError::Malformed.into()),
    }
}

fn answers_greeting(plugin: &str) -> bool {
    plugin == NATIVE || plugin == CACHING_SHA2 || plugin == SHA256_PASSWORD
}

fn is_supported(plugin: &str) -> bool {
    answers_greeting(plugin) || plugin == ED25519
}

/// The plugin data of an `AuthSwitchRequest`. The scrambles of the MySQL
/// plugins end with a NUL that is not part of them; ed25519's nonce is 32
/// random bytes and nothing after (`server_ed25519.c`: `write_packet(vio,
/// reply + CRYPTO_BYTES, NONCE_BYTES)`; PyMySQL signs `read_all()`), so a
/// last zero byte there is the nonce's own.
fn switch_nonce(plugin: &str, data: &[u8]) -> Vec<u8> {
    if plugin == ED25519 {
        data.to_vec()
    } else {
        data.strip_suffix(&[0]).unwrap_or(data).to_vec()
    }
}

/// What the client sends first for `plugin`, in the handshake response or
/// after a switch. `sha256_password` never scrambles: the password in
/// clear inside TLS, else `1` to ask for the server's RSA key (PyMySQL
/// `_request_authentication` and `sha256_password_auth`); no password is
/// an empty response, which the server reads as none
/// (`sha256_password_authenticate` in MySQL's `sql_authentication.cc`).
fn response(plugin: &str, password: &[u8], nonce: &[u8], tls: bool) -> Vec<u8> {
    if plugin != SHA256_PASSWORD {
        scramble(plugin, password, nonce)
    } else if password.is_empty() {
        Vec::new()
    } else if tls {
        nul_terminated(password)
    } else {
        vec![1]
    }
}

fn nul_terminated(password: &[u8]) -> Vec<u8> {
    let mut clear = password.to_vec();
    clear.push(0);
    clear
}

/// The auth response of `plugin` for `password` and the server's nonce.
pub(crate) fn scramble(plugin: &str, password: &[u8], nonce: &[u8]) -> Vec<u8> {
    // An empty password signs all the same: PyMySQL hashes `b""`, and the
    // server reads exactly 64 bytes (server_ed25519.c).
    if plugin == ED25519 {
        return sign_ed25519(password, nonce).to_vec();
    }
    if password.is_empty() {
        return Vec::new();
    }
    if plugin == CACHING_SHA2 {
        scramble_caching_sha2(password, nonce)
    } else {
        scramble_native(password, nonce)
    }
}

/// SHA1(password) XOR SHA1(nonce + SHA1(SHA1(password))).
pub(crate) fn scramble_native(password: &[u8], nonce: &[u8]) -> Vec<u8> {
    let sha1 = |data: &[u8]| digest::digest(&SHA1_FOR_LEGACY_USE_ONLY, data);
    let stage1 = sha1(password);
    let stage2 = sha1(stage1.as_ref());
    let mut salted = nonce.to_vec();
    salted.extend_from_slice(stage2.as_ref());
    xor(stage1.as_ref(), sha1(&salted).as_ref())
}

/// SHA256(password) XOR SHA256(SHA256(SHA256(password)) + nonce).
pub(crate) fn scramble_caching_sha2(password: &[u8], nonce: &[u8]) -> Vec<u8> {
    let sha256 = |data: &[u8]| digest::digest(&SHA256, data);
    let p1 = sha256(password);
    let p2 = sha256(p1.as_ref());
    let mut salted = p2.as_ref().to_vec();
    salted.extend_from_slice(nonce);
    xor(p1.as_ref(), sha256(&salted).as_ref())
}

/// MariaDB's `client_ed25519`: an RFC 8032 Ed25519 signature of the
/// nonce whose secret key "seed" is the password, of any length. The
/// server stores the public key of `SHA-512(password)` expanded the
/// standard way (`crypto_sign_keypair(pk, pw, pwlen)` in
/// `server_ed25519.c`'s `compute_password_digest`); PyMySQL's
/// `ed25519_password` and libmariadb's `plugins/auth/ed25519.c` sign with
/// that expanded key: scalar = clamp(h[0..32]), nonce prefix = h[32..64].
/// `ExpandedSecretKey::from_bytes` clamps, and `raw_sign` is the standard
/// signing from such a key.
pub(crate) fn sign_ed25519(password: &[u8], nonce: &[u8]) -> [u8; 64] {
    let h: [u8; 64] = Sha512::digest(password).into();
    let key = ExpandedSecretKey::from_bytes(&h);
    let public = VerifyingKey::from(&key);
    hazmat::raw_sign::<Sha512>(&key, nonce, &public).to_bytes()
}

fn xor(a: &[u8], b: &[u8]) -> Vec<u8> {
    a.iter().zip(b).map(|(x, y)| x ^ y).collect()
}

/// RSA-OAEP (SHA-1, the server's `RSA_PKCS1_OAEP_PADDING`) of the
/// NUL-terminated password XOR the nonce, repeated.
pub(crate) fn rsa_encrypt(pem: &[u8], password: &[u8], nonce: &[u8]) -> Option<Vec<u8>> {
    if nonce.is_empty() {
        return None;
    }
    let der = pem_body(pem)?;
    let key = OaepPublicEncryptingKey::new(PublicEncryptingKey::from_der(&der).ok()?).ok()?;
    let masked: Vec<u8> = nul_terminated(password)
        .iter()
        .zip(nonce.iter().cycle())
        .map(|(p, n)| p ^ n)
        .collect();
    let mut out = vec![0u8; key.ciphertext_size()];
    let sealed = key
        .encrypt(&OAEP_SHA1_MGF1SHA1, &masked, &mut out, None)
        .ok()?;
    Some(sealed.to_vec())
}

/// The DER inside a `-----BEGIN PUBLIC KEY-----` block.
fn pem_body(pem: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(pem).ok()?;
    let body: String = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("-----"))
        .collect();
    base64_decode(&body)
}

/// Standard base64 with padding (RFC 4648 §4), as PEM writes it.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }
    let bytes = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = acc << 6 | value(c)?;
        }
        let bits = chunk.len() * 6;
        acc <<= 24 - bits;
        let full = acc.to_be_bytes();
        out.extend_from_slice(&full[1..=bits / 8]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().fold(String::new(), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
    }

    /// Values computed with PyMySQL 1.2.4's `_auth.scramble_native_password`
    /// and `_auth.scramble_caching_sha2` for password `secret` and the
    /// nonce `0123456789abcdefghij`.
    #[test]
    fn scrambles_match_pymysql() {
        let nonce = b"0123456789abcdefghij";
        assert_eq!(
            hex(&scramble(NATIVE, b"secret", nonce)),
            "f5cac3f3b3df2133feb57db682c71e6ed433a988"
        );
        assert_eq!(
            hex(&scramble(CACHING_SHA2, b"secret", nonce)),
            "7e4adda2f2d5ef09b4147518becb0cee2939376203650a8c2bb2815959364bd0"
        );
        assert!(scramble(NATIVE, b"", nonce).is_empty());
    }

    /// Signatures computed with PyMySQL 1.2.4's `_auth.ed25519_password`
    /// (`PyNaCl` 1.6.2): a short password, an empty one (still signed), and
    /// one longer than a 32-byte seed, in UTF-8.
    #[test]
    fn ed25519_signatures_match_pymysql() {
        let cases: [(&[u8], Vec<u8>, &str); 3] = [
            (
                b"secret",
                b"0123456789abcdefghij0123456789ab".to_vec(),
                "8aa9e32b8aa91c386dd7786fac112a5bf1255017d3c9118ea6df96a90c9417c8\
                 11aa33859f530ca8dc1ce46f633ab57a00121cdd0d2ce940f95255a58792d605",
            ),
            (
                b"",
                vec![0; 32],
                "ef1f54f720a3280ce28bd63041e8710a5ec141c77a6f2cc7a1130d7f82147858\
                 c493469158a3499bd529908ef454326a196fadff372865801e9895b9f7ca190e",
            ),
            (
                "пароль-with-a-long-tail-beyond-thirty-two-bytes".as_bytes(),
                (0..32).collect(),
                "792df24d13dc5d6a93d9b28cae87dfdc40fe209b6886a16f25e64ec05a3c2127\
                 5f8770813a1a74d3729f43fc350ab0a0e87982e955fc503d76b05d35eb1bfc01",
            ),
        ];
        for (password, nonce, expected) in cases {
            assert_eq!(hex(&scramble(ED25519, password, &nonce)), expected);
        }
    }

    /// A switch to ed25519 keeps a nonce's last zero byte; the MySQL
    /// plugins' scrambles lose their terminating NUL.
    #[test]
    fn switch_nonces_keep_only_their_own_bytes() {
        let mut nonce = vec![7; 31];
        nonce.push(0);
        assert_eq!(switch_nonce(ED25519, &nonce), nonce);
        assert_eq!(switch_nonce(NATIVE, &nonce), &nonce[..31]);
        assert_eq!(switch_nonce(CACHING_SHA2, b"abc"), b"abc");
    }

    #[test]
    fn decodes_base64() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVsbG8h").unwrap(), b"hello!");
        assert_eq!(base64_decode("aGk=").unwrap(), b"hi");
        assert!(base64_decode("a*b=").is_none());
    }

    #[test]
    fn a_bad_key_is_refused_not_panicked_on() {
        assert!(
            rsa_encrypt(
                b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                b"pw",
                b"n"
            )
            .is_none()
        );
        assert!(rsa_encrypt(b"\xff\xfe", b"pw", b"n").is_none());
    }
}
