//! The client side of SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802 §3
//! with SHA-256 as RFC 7677 names it), as PostgreSQL speaks it (docs
//! "SASL Authentication": the user name of the client-first-message is
//! ignored for the startup's, so it is sent empty; `-PLUS` binds to the
//! TLS session with RFC 5929 `tls-server-end-point`). It replaces
//! postgres-protocol's `sasl::ScramSha256` call for call; that one's
//! `Hi()` keys a fresh HMAC in each of the 4096 iterations, four SHA-256
//! compressions where two do, and the client's proof is on the check's
//! critical path (issue 24). Here `Hi()` is aws-lc's PBKDF2-HMAC-SHA-256,
//! which is exactly `Hi()` for a 32-byte output (RFC 5802 §2.2), and the
//! HMACs, hash and nonce are aws-lc's too.

use std::io;
use std::num::NonZeroU32;

use aws_lc_rs::{digest, hmac, pbkdf2, rand};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The mechanism without channel binding (RFC 7677 §4).
pub(crate) const SCRAM_SHA_256: &str = "SCRAM-SHA-256";
/// The mechanism bound to the TLS session (RFC 5802 §6, RFC 7677 §4).
pub(crate) const SCRAM_SHA_256_PLUS: &str = "SCRAM-SHA-256-PLUS";

/// Printable characters in the client nonce, as libpq and
/// postgres-protocol send (`SCRAM_RAW_NONCE_LEN` is 18 raw bytes in
/// libpq, 24 characters once encoded).
const NONCE_LEN: usize = 24;

/// The most PBKDF2 iterations a server may ask of us. The count comes
/// from the server's first message and sets the client's work before it
/// can answer, so without a bound an impostor could make a check spin for
/// minutes: bad input must not cause unbounded work. PostgreSQL's default
/// is 4096 (`scram_iterations`, which allows up to `INT_MAX`); ten million
/// costs about 1.3 s here (4096 take about 0.55 ms), far past any sane
/// setting and still bounded. postgres-protocol 0.6.12 stops at 100 000,
/// as pgjdbc does, but libpq (`read_server_first_message`) takes any
/// positive count, and a low cap would fail logins the app's libpq
/// completes.
const MAX_ITERATIONS: u32 = 10_000_000;

/// The gs2 header's channel-binding flag (RFC 5802 §7 `gs2-cbind-flag`)
/// and, for `p`, the binding data sent in the client-final-message.
pub(crate) struct ChannelBinding(Flag);

enum Flag {
    /// `y`: the client can bind but the server offered no `-PLUS`.
    Unrequested,
    /// `n`: the client does not bind.
    Unsupported,
    /// `p=tls-server-end-point`: the hash of the server's certificate
    /// (RFC 5929 §4.1).
    TlsServerEndPoint(Vec<u8>),
}

impl ChannelBinding {
    /// We could bind but the server did not offer to (`y,,`): a server
    /// whose `-PLUS` was stripped in transit then refuses (RFC 5802 §6).
    pub(crate) fn unrequested() -> Self {
        Self(Flag::Unrequested)
    }

    /// No binding from this client (`n,,`).
    pub(crate) fn unsupported() -> Self {
        Self(Flag::Unsupported)
    }

    /// Binding to the TLS session by the certificate's `hash`.
    pub(crate) fn tls_server_end_point(hash: Vec<u8>) -> Self {
        Self(Flag::TlsServerEndPoint(hash))
    }

    /// The gs2 header, with no authzid (PostgreSQL ignores one).
    fn gs2_header(&self) -> &'static str {
        match self.0 {
            Flag::Unrequested => "y,,",
            Flag::Unsupported => "n,,",
            Flag::TlsServerEndPoint(_) => "p=tls-server-end-point,,",
        }
    }

    /// The `c=` attribute's value: the gs2 header and the binding data,
    /// in base64 (RFC 5802 §5.1).
    fn cbind_input(&self) -> String {
        let mut input = self.gs2_header().as_bytes().to_vec();
        if let Flag::TlsServerEndPoint(hash) = &self.0 {
            input.extend_from_slice(hash);
        }
        STANDARD.encode(input)
    }
}

enum State {
    /// Waiting for the server-first-message.
    Update {
        nonce: String,
        client_first_bare: String,
        password: Vec<u8>,
        binding: ChannelBinding,
    },
    /// Waiting for the server-final-message.
    Finish {
        salted_password: [u8; 32],
        auth_message: String,
    },
    Done,
}

/// One SCRAM exchange: `message()` is the client-first-message for the
/// `SASLInitialResponse`; `update()` takes the server-first-message and
/// leaves the client-final-message in `message()` for the `SASLResponse`;
/// `finish()` verifies the server's signature, and only its `Ok` means the
/// server knew the password.
pub(crate) struct ScramSha256 {
    message: String,
    state: State,
}

impl ScramSha256 {
    /// A new exchange for `password`, with a fresh random nonce.
    pub(crate) fn new(password: &[u8], binding: ChannelBinding) -> io::Result<Self> {
        Ok(Self::with_nonce(password, binding, "", nonce()?))
    }

    /// An exchange with a chosen user name and nonce: `new`'s body, and
    /// the way the tests replay RFC 7677's example.
    fn with_nonce(password: &[u8], binding: ChannelBinding, user: &str, nonce: String) -> Self {
        let client_first_bare = format!("n={user},r={nonce}");
        Self {
            message: format!("{}{client_first_bare}", binding.gs2_header()),
            state: State::Update {
                nonce,
                client_first_bare,
                password: normalize(password),
                binding,
            },
        }
    }

    /// The message to send next: the client-first-message, then after
    /// `update()` the client-final-message.
    pub(crate) fn message(&self) -> &[u8] {
        self.message.as_bytes()
    }

    /// Reads the server-first-message (`AuthenticationSASLContinue`) and
    /// computes the client's proof (RFC 5802 §3).
    pub(crate) fn update(&mut self, message: &[u8]) -> io::Result<()> {
        let State::Update {
            nonce,
            client_first_bare,
            password,
            binding,
        } = std::mem::replace(&mut self.state, State::Done)
        else {
            return Err(out_of_order());
        };
        let server_first = utf8(message)?;
        let parsed = ServerFirst::parse(server_first, &nonce)?;
        let mut salted_password = [0; 32];
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            parsed.iterations,
            &parsed.salt,
            &password,
            &mut salted_password,
        );
        let without_proof = format!("c={},r={}", binding.cbind_input(), parsed.nonce);
        let auth_message = format!("{client_first_bare},{server_first},{without_proof}");
        let proof = client_proof(&salted_password, &auth_message);
        self.message = format!("{without_proof},p={}", STANDARD.encode(proof));
        self.state = State::Finish {
            salted_password,
            auth_message,
        };
        Ok(())
    }

    /// Reads the server-final-message (`AuthenticationSASLFinal`) and
    /// checks the server's signature in constant time.
    pub(crate) fn finish(&mut self, message: &[u8]) -> io::Result<()> {
        let State::Finish {
            salted_password,
            auth_message,
        } = std::mem::replace(&mut self.state, State::Done)
        else {
            return Err(out_of_order());
        };
        let signature = server_signature(utf8(message)?)?;
        let server_key = hmac::sign(&hmac_key(&salted_password), b"Server Key");
        hmac::verify(
            &hmac_key(server_key.as_ref()),
            auth_message.as_bytes(),
            &signature,
        )
        .map_err(|_| invalid("the server's signature does not verify".to_string()))
    }
}

/// The server-first-message's attributes (RFC 5802 §7
/// `server-first-message`), checked.
struct ServerFirst<'a> {
    nonce: &'a str,
    salt: Vec<u8>,
    iterations: NonZeroU32,
}

impl<'a> ServerFirst<'a> {
    /// `r=`, `s=`, `i=` in that order and nothing else: a mandatory
    /// extension (`m=`) or a trailing one is refused, as libpq refuses
    /// them (`read_server_first_message`).
    fn parse(message: &'a str, client_nonce: &str) -> io::Result<Self> {
        let mut parts = message.split(',');
        let nonce = attribute(parts.next(), 'r')?;
        let salt = attribute(parts.next(), 's')?;
        let iterations = attribute(parts.next(), 'i')?;
        if parts.next().is_some() {
            return Err(invalid(
                "unexpected data after the server's iteration count".to_string(),
            ));
        }
        Ok(Self {
            nonce: server_nonce(nonce, client_nonce)?,
            salt: STANDARD
                .decode(salt)
                .map_err(|e| invalid(format!("the server's salt is not base64: {e}")))?,
            iterations: iteration_count(iterations)?,
        })
    }
}

/// The value of attribute `name` in `part`.
fn attribute(part: Option<&str>, name: char) -> io::Result<&str> {
    part.and_then(|p| p.strip_prefix(name))
        .and_then(|p| p.strip_prefix('='))
        .ok_or_else(|| {
            invalid(format!(
                "the server's message has no {name}= where expected"
            ))
        })
}

/// The combined nonce: ours with the server's part appended (RFC 5802
/// §5.1 `r`). Ours alone passes, as libpq and postgres-protocol let it.
fn server_nonce<'a>(nonce: &'a str, client_nonce: &str) -> io::Result<&'a str> {
    if !nonce.starts_with(client_nonce) {
        return Err(invalid(
            "the server's nonce does not extend the client's".to_string(),
        ));
    }
    if !nonce.bytes().all(printable) {
        return Err(invalid(
            "the server's nonce has unprintable characters".to_string(),
        ));
    }
    Ok(nonce)
}

/// `i=`: digits making a number from 1 to `MAX_ITERATIONS`.
/// Above this many iterations (PostgreSQL's default is 4096) the key is
/// derived off the async thread: 100 000 take about 14 ms here, the
/// bound above about 1.3 s, which would hold up the run's other checks
/// and outlast a short `--timeout`.
const INLINE_ITERATIONS: u32 = 100_000;

/// Whether `server_first` asks for more iterations than are worth
/// deriving inline (an unreadable message is not: `update` refuses it).
pub(crate) fn costly(server_first: &[u8]) -> bool {
    std::str::from_utf8(server_first)
        .ok()
        .and_then(|message| message.rsplit(',').next())
        .and_then(|last| last.strip_prefix("i="))
        .and_then(|count| count.parse::<u64>().ok())
        .is_some_and(|count| count > u64::from(INLINE_ITERATIONS))
}

fn iteration_count(value: &str) -> io::Result<NonZeroU32> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!(
            "the server's iteration count {value:?} is not a number"
        )));
    }
    // All digits, so a parse error is an overflow: too many as well.
    match value.parse::<u32>().ok().map(NonZeroU32::new) {
        Some(Some(count)) if count.get() <= MAX_ITERATIONS => Ok(count),
        Some(None) => Err(invalid(
            "the server's iteration count is 0, not a positive number".to_string(),
        )),
        _ => Err(invalid(format!(
            "the server's iteration count {value} is above the limit of {MAX_ITERATIONS}"
        ))),
    }
}

/// The server-final-message's verifier (`v=`), or the server's error
/// (`e=`, RFC 5802 §7 `server-error`).
fn server_signature(message: &str) -> io::Result<Vec<u8>> {
    if let Some(error) = message.strip_prefix("e=") {
        let error = error.split(',').next().unwrap_or_default();
        return Err(io::Error::other(format!(
            "the server reports SCRAM error {error}"
        )));
    }
    let verifier = attribute(Some(message), 'v')?;
    STANDARD
        .decode(verifier)
        .map_err(|e| invalid(format!("the server's signature is not base64: {e}")))
}

/// `ClientProof := ClientKey XOR HMAC(H(ClientKey), AuthMessage)`, with
/// `ClientKey := HMAC(SaltedPassword, "Client Key")` (RFC 5802 §3).
fn client_proof(salted_password: &[u8], auth_message: &str) -> [u8; 32] {
    let client_key = hmac::sign(&hmac_key(salted_password), b"Client Key");
    let stored_key = digest::digest(&digest::SHA256, client_key.as_ref());
    let signature = hmac::sign(&hmac_key(stored_key.as_ref()), auth_message.as_bytes());
    let mut proof = [0; 32];
    for ((p, k), s) in proof
        .iter_mut()
        .zip(client_key.as_ref())
        .zip(signature.as_ref())
    {
        *p = k ^ s;
    }
    proof
}

fn hmac_key(key: &[u8]) -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, key)
}

/// `SASLprep` (RFC 4013) when the password is UTF-8 it allows, else its raw
/// bytes: PostgreSQL does not require passwords to be either, and the
/// server normalizes the same way (`pg_saslprep` keeps a password it
/// cannot prepare); postgres-protocol's `normalize` does the same.
fn normalize(password: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(password).map(stringprep::saslprep) {
        Ok(Ok(prepared)) => prepared.into_owned().into_bytes(),
        _ => password.to_vec(),
    }
}

/// `NONCE_LEN` random printable characters other than `,` (RFC 5802 §7
/// `printable`), drawn uniformly by rejecting the other byte values.
fn nonce() -> io::Result<String> {
    let mut nonce = String::with_capacity(NONCE_LEN);
    let mut bytes = [0; 64];
    while nonce.len() < NONCE_LEN {
        rand::fill(&mut bytes)
            .map_err(|_| io::Error::other("no random bytes for the SCRAM nonce"))?;
        let wanted = NONCE_LEN - nonce.len();
        let drawn = bytes.iter().map(|b| b & 0x7f).filter(|&b| printable(b));
        nonce.extend(drawn.take(wanted).map(char::from));
    }
    Ok(nonce)
}

fn printable(b: u8) -> bool {
    matches!(b, 0x21..=0x2b | 0x2d..=0x7e)
}

fn utf8(message: &[u8]) -> io::Result<&str> {
    std::str::from_utf8(message)
        .map_err(|e| invalid(format!("the server's SCRAM message is not UTF-8: {e}")))
}

fn invalid(text: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, text)
}

fn out_of_order() -> io::Error {
    io::Error::other("SCRAM messages out of order")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 §3's exchange, and postgres-protocol's recording of psql
    /// (`authentication/sasl.rs`, test `exchange`) with PostgreSQL's empty
    /// user name.
    #[test]
    fn exchanges_match_the_recorded_ones() {
        struct Exchange {
            user: &'static str,
            password: &'static str,
            nonce: &'static str,
            client_first: &'static str,
            server_first: &'static str,
            client_final: &'static str,
            server_final: &'static str,
        }
        let cases = [
            Exchange {
                user: "user",
                password: "pencil",
                nonce: "rOprNGfwEbeRWgbNEkqO",
                client_first: "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
                server_first: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                               s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                client_final: "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                               p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                server_final: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
            },
            Exchange {
                user: "",
                password: "foobar",
                nonce: "9IZ2O01zb9IgiIZ1WJ/zgpJB",
                client_first: "n,,n=,r=9IZ2O01zb9IgiIZ1WJ/zgpJB",
                server_first: "r=9IZ2O01zb9IgiIZ1WJ/zgpJBjx/oIRLs02gGSHcw1KEty3eY,\
                               s=fs3IXBy7U7+IvVjZ,i=4096",
                client_final: "c=biws,r=9IZ2O01zb9IgiIZ1WJ/zgpJBjx/oIRLs02gGSHcw1KEty3eY,\
                               p=AmNKosjJzS31NTlQYNs5BTeQjdHdk7lOflDo5re2an8=",
                server_final: "v=U+ppxD5XUKtradnv8e2MkeupiA8FU87Sg8CXzXHDAzw=",
            },
        ];
        for case in cases {
            let mut scram = ScramSha256::with_nonce(
                case.password.as_bytes(),
                ChannelBinding::unsupported(),
                case.user,
                case.nonce.to_string(),
            );
            assert_eq!(scram.message(), case.client_first.as_bytes());
            scram.update(case.server_first.as_bytes()).expect("update");
            assert_eq!(scram.message(), case.client_final.as_bytes());
            scram.finish(case.server_final.as_bytes()).expect("finish");
        }
    }

    /// The gs2 header opens the client-first-message and, with the
    /// binding data, makes the client-final-message's `c=`.
    #[test]
    fn channel_bindings_encode_their_header_and_data() {
        let cases = [
            (ChannelBinding::unsupported(), "n,,", "c=biws,"),
            (ChannelBinding::unrequested(), "y,,", "c=eSws,"),
            (
                ChannelBinding::tls_server_end_point(vec![0xde, 0xad, 0xbe, 0xef]),
                "p=tls-server-end-point,,",
                // base64 of "p=tls-server-end-point,," and the four bytes.
                "c=cD10bHMtc2VydmVyLWVuZC1wb2ludCws3q2+7w==,",
            ),
        ];
        for (binding, header, cbind) in cases {
            let mut scram = ScramSha256::with_nonce(b"pencil", binding, "", "abc".to_string());
            assert_eq!(scram.message(), format!("{header}n=,r=abc").as_bytes());
            scram
                .update(b"r=abcdef,s=QSXCR+Q6sek8bf92,i=4096")
                .expect("update");
            let client_final = String::from_utf8(scram.message().to_vec()).expect("UTF-8");
            assert!(client_final.starts_with(cbind), "{client_final}");
        }
    }

    const NONCE: &str = "rOprNGfwEbeRWgbNEkqO";

    /// RFC 7677 §3's server-final-message with its last 16 characters
    /// changed: well-formed base64 of the right length, a wrong signature.
    const FORGED_V: &str = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dOxSGzMZ62QSbXY=";

    fn rfc_exchange() -> ScramSha256 {
        ScramSha256::with_nonce(
            b"pencil",
            ChannelBinding::unsupported(),
            "user",
            NONCE.to_string(),
        )
    }

    /// Each malformed server-first-message fails `update` with
    /// `InvalidInput` and a reason, before any PBKDF2 work.
    #[test]
    fn malformed_server_first_messages_fail_cleanly() {
        let cases: [(&[u8], &str); 13] = [
            (b"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "no r="),
            (b"m=ext,r=rOprNGfwEbeRWgbNEkqO%hv,s=QQ==,i=4096", "no r="),
            (
                b"r=XOprNGfwEbeRWgbNEkqO%hv,s=QQ==,i=4096",
                "does not extend",
            ),
            (b"r=rOprNGfwEbeRWgbNEkq,s=QQ==,i=4096", "does not extend"),
            (b"r=rOprNGfwEbeRWgbNEkqO\x01,s=QQ==,i=4096", "unprintable"),
            (b"r=rOprNGfwEbeRWgbNEkqO%hv,i=4096", "no s="),
            (b"r=rOprNGfwEbeRWgbNEkqO%hv,s=W22*aJ0S,i=4096", "not base64"),
            (b"r=rOprNGfwEbeRWgbNEkqO%hv,s=QQ==,i=0", "is 0"),
            (b"r=rOprNGfwEbeRWgbNEkqO%hv,s=QQ==,i=abc", "not a number"),
            (b"r=rOprNGfwEbeRWgbNEkqO%hv,s=QQ==,i=", "not a number"),
            (
                b"r=rOprNGfwEbeRWgbNEkqO%hv,s=QQ==,i=10000001",
                "above the limit",
            ),
            (
                b"r=rOprNGfwEbeRWgbNEkqO%hv,s=QQ==,i=4096,x=1",
                "unexpected data",
            ),
            (b"r=rOprNGfwEbeRWgbNEkqO\xff,s=QQ==,i=4096", "not UTF-8"),
        ];
        for (message, reason) in cases {
            let error = rfc_exchange().update(message).expect_err(reason);
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{error}");
            assert!(error.to_string().contains(reason), "{error}");
        }
        let overflow = b"r=rOprNGfwEbeRWgbNEkqO%hv,s=QQ==,i=99999999999999999999";
        let error = rfc_exchange().update(overflow).expect_err("overflow");
        assert!(error.to_string().contains("above the limit"), "{error}");
    }

    /// A wrong or malformed signature fails `finish`; so does a server's
    /// `e=`, as the server's own refusal.
    #[test]
    fn bad_server_final_messages_fail_finish() {
        let cases: [(&str, io::ErrorKind, &str); 5] = [
            (FORGED_V, io::ErrorKind::InvalidInput, "does not verify"),
            ("v=", io::ErrorKind::InvalidInput, "does not verify"),
            ("v=6rri*TRBi", io::ErrorKind::InvalidInput, "not base64"),
            ("x=1", io::ErrorKind::InvalidInput, "no v="),
            ("e=invalid-proof", io::ErrorKind::Other, "invalid-proof"),
        ];
        for (message, kind, reason) in cases {
            let mut scram = rfc_exchange();
            scram
                .update(
                    b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                      s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                )
                .expect("update");
            let error = scram.finish(message.as_bytes()).expect_err(reason);
            assert_eq!(error.kind(), kind, "{error}");
            assert!(error.to_string().contains(reason), "{error}");
        }
    }

    #[test]
    fn only_large_iteration_counts_are_derived_off_the_async_thread() {
        for (first, costly) in [
            ("r=abc,s=c2FsdA==,i=4096", false),
            ("r=abc,s=c2FsdA==,i=100000", false),
            ("r=abc,s=c2FsdA==,i=100001", true),
            ("r=abc,s=c2FsdA==,i=99999999999", true),
            ("r=abc,s=c2FsdA==,i=abc", false),
            ("r=abc,s=c2FsdA==", false),
            ("", false),
        ] {
            assert_eq!(super::costly(first.as_bytes()), costly, "{first}");
        }
        assert!(!super::costly(b"\xff,i=200000\xff"));
    }

    #[test]
    fn steps_out_of_order_fail() {
        let mut scram = rfc_exchange();
        assert!(scram.finish(b"v=QQ==").is_err());
        let mut scram = rfc_exchange();
        assert!(scram.update(b"r=x").is_err());
        assert!(scram.update(b"r=rOprNGfwEbeRWgbNEkqOx,s=QQ==,i=1").is_err());
    }

    /// An empty password and an empty salt are still an exchange.
    #[test]
    fn empty_password_and_salt_derive() {
        let mut scram =
            ScramSha256::with_nonce(b"", ChannelBinding::unsupported(), "", "n".to_string());
        scram.update(b"r=nx,s=,i=1").expect("update");
        assert!(scram.message().starts_with(b"c=biws,r=nx,p="));
    }

    /// `SASLprep` maps what RFC 4013 maps; a prohibited character or bytes
    /// that are not UTF-8 go through unchanged.
    #[test]
    fn passwords_are_saslprepped_when_they_can_be() {
        assert_eq!(normalize("I\u{00AD}X".as_bytes()), b"IX");
        assert_eq!(normalize("a\u{00A0}b".as_bytes()), b"a b");
        assert_eq!(normalize("a\u{0007}b".as_bytes()), "a\u{0007}b".as_bytes());
        assert_eq!(normalize(b"\xff\xfe"), b"\xff\xfe");
    }

    #[test]
    fn nonces_are_printable_without_commas_and_fresh() {
        let (a, b) = (nonce().expect("nonce"), nonce().expect("nonce"));
        assert_eq!(a.len(), NONCE_LEN);
        assert!(a.bytes().all(printable) && !a.contains(','), "{a}");
        assert_ne!(a, b);
    }
}
