//! The JWT check: config → key → roundtrip.
//!
//! It judges the settings the app signs tokens with: the algorithm exists,
//! an HMAC secret is at least as long as the hash (RFC 7518 §3.2) and not a
//! published placeholder (FastAPI's tutorial key, jwt.io's default, `changethis`…), PEM keys parse and RSA keys have
//! at least 2048 bits (RFC 7518 §3.3), and a token signed with the private
//! key verifies with the public one.

use std::str::FromStr;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rustls::pki_types::PrivateKeyDer;
use rustls::pki_types::pem::PemObject;
use serde::{Deserialize, Serialize};

use super::settings::{self as jwt, JwtSettings, SecretVar};
use crate::i18n::{Message, msg};
use crate::model::{Code, FindingCode};
use crate::model::{Failure, Finding, Ladder, ProbeOutcome, Provenance, StepName};

/// Published secrets: tutorial defaults and placeholders copied into real
/// apps. Compared case-insensitively after trimming.
const PLACEHOLDERS: &[&str] = &[
    "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
    "changethis",
    "your-256-bit-secret",
    "secret",
    "secretkey",
    "secret-key",
    "supersecret",
    "supersecretkey",
    "mysecret",
    "changeme",
    "change-me",
    "change_me",
    "change_me_in_production",
    "your-secret-key",
    "your_secret_key",
    "your_secret_key_here",
    "keyboard cat",
    "test",
    "dev",
    "password",
];

/// A day, the longest access-token lifetime that does not draw a warning.
const MAX_LIFETIME_MINUTES: i64 = 24 * 60;
const DEFAULT_LIFETIME_MINUTES: i64 = 15;

pub fn probe(settings: &JwtSettings) -> ProbeOutcome {
    let mut ladder = Ladder::new(crate::service::Kind::Jwt.steps());
    run(settings, &mut ladder);
    ladder.finish(target(settings), source(settings))
}

/// The check's target, `JWT HS256`: the algorithm as written when it looks
/// like one (around spaces trimmed; the error names them), else only its
/// length, as the error says it: a secret pasted into `JWT_ALGORITHM`
/// must not reach the report.
pub(crate) fn target(settings: &JwtSettings) -> Message {
    let name = settings.algorithm_name();
    match shown_value(name.trim()) {
        Some(shown) => msg::jwt_target(shown),
        None => jwt_target_hidden(name.chars().count()),
    }
}

/// The variable the app signs with: the secret for HS*, the private key
/// otherwise. An algorithm the libraries refuse is what the check fails
/// on, so its variable is named instead (`JWT_ALGORITHM="HS256 "`).
fn source(settings: &JwtSettings) -> Option<Provenance> {
    let algorithm = Algorithm::from_str(settings.algorithm_name());
    if let (Err(_), Some(var)) = (&algorithm, settings.algorithm.as_ref()) {
        return Some(Provenance::variable(var.name, var.origin.clone()));
    }
    let asymmetric = algorithm.is_ok_and(|a| !is_hmac(a));
    let var = if asymmetric {
        settings.private_key.as_ref()
    } else {
        settings.secret.as_ref().or(settings.private_key.as_ref())
    }?;
    Some(Provenance::variable(var.name, var.origin.clone()))
}

fn run(settings: &JwtSettings, ladder: &mut Ladder) -> Option<()> {
    let started = Instant::now();
    let plan = match plan(settings) {
        Ok(plan) => plan,
        Err(failure) => return fail(ladder, StepName::Config, started, failure),
    };
    ladder.pass(
        StepName::Config,
        started,
        msg::jwt_config_detail(settings.algorithm_name(), plan.key_var()),
    );
    note_lifetime(plan.lifetime, ladder);
    let started = Instant::now();
    let keys = match keys(&plan) {
        Ok(keys) => keys,
        Err(failure) => return fail(ladder, StepName::Key, started, failure),
    };
    ladder.pass(StepName::Key, started, keys.detail.clone());
    for note in &keys.notes {
        ladder.finding(note.clone());
    }
    let started = Instant::now();
    match roundtrip(&plan, &keys) {
        Ok(detail) => ladder.pass(StepName::Roundtrip, started, detail),
        Err(failure) => return fail(ladder, StepName::Roundtrip, started, failure),
    }
    if keys.decoding.is_none() {
        ladder.finding(Finding::info(
            FindingCode::PublicKeyMissing,
            msg::jwt_public_key_missing(),
        ));
    }
    Some(())
}

fn fail(ladder: &mut Ladder, step: StepName, started: Instant, failure: Failure) -> Option<()> {
    ladder.fail(step, Some(started), failure);
    None
}

/// What the config step settled: the algorithm, its key material, the lifetime.
struct Plan<'a> {
    algorithm: Algorithm,
    material: Material<'a>,
    public_key: Option<&'a SecretVar>,
    lifetime: i64,
}

enum Material<'a> {
    Secret(&'a SecretVar),
    PrivateKey(&'a SecretVar),
}

impl<'a> Material<'a> {
    fn var(&self) -> &'a SecretVar {
        match self {
            Material::Secret(var) | Material::PrivateKey(var) => var,
        }
    }
}

impl Plan<'_> {
    fn key_var(&self) -> &str {
        self.material.var().name
    }
}

fn plan(settings: &JwtSettings) -> Result<Plan<'_>, Failure> {
    let algorithm = parse_algorithm(settings)?;
    let material = if is_hmac(algorithm) {
        Material::Secret(settings.secret.as_ref().ok_or_else(missing_secret)?)
    } else {
        Material::PrivateKey(
            settings
                .private_key
                .as_ref()
                .ok_or_else(|| missing_private_key(algorithm))?,
        )
    };
    Ok(Plan {
        algorithm,
        material,
        public_key: settings.public_key.as_ref(),
        lifetime: parse_lifetime(settings)?,
    })
}

/// The name exactly as written: PyJWT and Node's jsonwebtoken look it up
/// as is, so `"HS256 "` is "Algorithm not supported" there and here.
fn parse_algorithm(settings: &JwtSettings) -> Result<Algorithm, Failure> {
    let name = settings.algorithm_name();
    Algorithm::from_str(name).map_err(|_| {
        let var = settings
            .algorithm
            .as_ref()
            .map_or("JWT_ALGORITHM", |a| a.name);
        let message = match Algorithm::from_str(name.trim()) {
            Ok(_) => msg::jwt_algorithm_whitespace(var, name.trim()),
            Err(_) => jwt_bad_algorithm(var, shown_value(name), name.chars().count()),
        };
        Failure::new(Code::UnsupportedAlgorithm, message)
    })
}

fn is_hmac(algorithm: Algorithm) -> bool {
    matches!(
        algorithm,
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
    )
}

fn missing_secret() -> Failure {
    Failure::new(Code::MissingConfig, jwt_missing_secret(jwt::SECRET_VARS))
}

fn missing_private_key(algorithm: Algorithm) -> Failure {
    Failure::new(
        Code::MissingConfig,
        msg::jwt_missing_private_key(&format!("{algorithm:?}"), jwt::PRIVATE_KEY_VAR),
    )
}

fn parse_lifetime(settings: &JwtSettings) -> Result<i64, Failure> {
    let Some(var) = &settings.lifetime_minutes else {
        return Ok(DEFAULT_LIFETIME_MINUTES);
    };
    let text = var.value.trim();
    let digits = text.strip_prefix('-').unwrap_or(text);
    let whole = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    match text.parse::<i64>() {
        Ok(minutes) if minutes <= minutes_to_year_9999() => Ok(minutes),
        Ok(_) => Err(lifetime_overflow(var.name)),
        Err(_) if whole && !text.starts_with('-') => Err(lifetime_overflow(var.name)),
        Err(_) => Err(Failure::new(
            Code::InvalidValue,
            jwt_bad_lifetime(var.name, shown_value(&var.value), var.value.chars().count()),
        )),
    }
}

/// Python's `datetime` ends at 9999-12-31: an app doing `datetime.now() +
/// timedelta(minutes=…)` past it raises `OverflowError` and makes no token
/// (PyJWT's own examples compute `exp` that way).
fn minutes_to_year_9999() -> i64 {
    const END_OF_9999: u64 = 253_402_300_799;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(END_OF_9999.saturating_sub(now) / 60).unwrap_or(i64::MAX)
}

fn lifetime_overflow(var: &str) -> Failure {
    Failure::new(Code::InvalidValue, msg::jwt_lifetime_overflow(var))
}

fn note_lifetime(minutes: i64, ladder: &mut Ladder) {
    if minutes <= 0 || minutes > MAX_LIFETIME_MINUTES {
        ladder.finding(Finding::warn(
            FindingCode::TokenLifetime,
            jwt_lifetime(minutes),
        ));
    }
}

/// Parsed keys for signing and (when possible) verifying.
struct Keys {
    encoding: EncodingKey,
    decoding: Option<DecodingKey>,
    detail: Message,
    /// Key values railconn could read but the app's libraries cannot.
    notes: Vec<Finding>,
}

fn keys(plan: &Plan<'_>) -> Result<Keys, Failure> {
    // PyJWT's os.environ holds such bytes as surrogates that do not encode
    // back; Node replaces them: either way the app signs with something
    // else than what was meant.
    let vars = [Some(plan.material.var()), plan.public_key];
    if let Some(var) = vars.into_iter().flatten().find(|var| !var.utf8) {
        return Err(Failure::new(
            Code::InvalidKey,
            msg::value_not_utf8(var.name),
        ));
    }
    match plan.material {
        Material::Secret(var) => hmac_keys(plan.algorithm, var),
        Material::PrivateKey(var) => pem_keys(plan, var),
    }
}

fn hmac_keys(algorithm: Algorithm, var: &SecretVar) -> Result<Keys, Failure> {
    let secret = var.value.expose().as_bytes();
    if is_asymmetric_key(secret) {
        return Err(Failure::new(
            Code::InvalidKey,
            msg::jwt_secret_is_key(var.name),
        ));
    }
    check_secret_strength(algorithm, var)?;
    Ok(Keys {
        encoding: EncodingKey::from_secret(secret),
        decoding: Some(DecodingKey::from_secret(secret)),
        detail: msg::jwt_secret_detail(secret.len()),
        notes: Vec::new(),
    })
}

/// PyJWT's algorithm-confusion guard (`HMACAlgorithm.prepare_key`): a PEM
/// block or an OpenSSH public key is refused as an HMAC secret, because a
/// verifier handed the public key as the "secret" would accept tokens
/// anyone can make. Node's jsonwebtoken refuses it when verifying.
fn is_asymmetric_key(secret: &[u8]) -> bool {
    const SSH: &[&[u8]] = &[
        b"ssh-ed25519",
        b"ssh-rsa",
        b"ssh-dss",
        b"ecdsa-sha2-nistp256",
        b"ecdsa-sha2-nistp384",
        b"ecdsa-sha2-nistp521",
    ];
    (contains(secret, b"-----BEGIN ") && contains(secret, b"-----END "))
        || SSH.iter().any(|p| secret.starts_with(p))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// RFC 7518 §3.2: "A key of the same size as the hash output … or larger
/// MUST be used". Length is counted in bytes of the value as given.
fn check_secret_strength(algorithm: Algorithm, var: &SecretVar) -> Result<(), Failure> {
    let value = var.value.expose();
    let needed = match algorithm {
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        _ => 32,
    };
    if is_placeholder(value) {
        return Err(Failure::new(
            Code::WeakSecret,
            msg::jwt_placeholder(var.name),
        ));
    }
    if value.len() < needed {
        let alg = format!("{algorithm:?}");
        return Err(Failure::new(
            Code::WeakSecret,
            msg::jwt_short_secret(var.name, value.len(), &alg, needed),
        ));
    }
    Ok(())
}

fn is_placeholder(value: &str) -> bool {
    let normalized = value.trim().to_ascii_lowercase();
    PLACEHOLDERS.contains(&normalized.as_str()) || normalized.starts_with("django-insecure-")
}

fn pem_keys(plan: &Plan<'_>, private: &SecretVar) -> Result<Keys, Failure> {
    let mut notes = Vec::new();
    let private_pem = load_pem(private, &mut notes)?;
    let encoding = encoding_key(plan.algorithm, &private_pem, private.name)?;
    let bits = rsa_bits(plan.algorithm, &private_pem, private.name)?;
    let decoding = plan
        .public_key
        .map(|var| {
            let pem = load_pem(var, &mut notes)?;
            if contains(&pem, b"-----BEGIN CERTIFICATE-----") {
                // Node's crypto takes a certificate as a public key; PyJWT
                // does not ("Could not parse the provided public key").
                notes.push(Finding::warn(
                    FindingCode::KeyFormat,
                    msg::jwt_key_certificate(var.name),
                ));
            }
            decoding_key(plan.algorithm, &pem, var.name)
        })
        .transpose()?;
    Ok(Keys {
        encoding,
        detail: jwt_key_detail(&format!("{:?}", plan.algorithm), bits, decoding.is_some()),
        decoding,
        notes,
    })
}

/// The largest key file read: an RSA 16384-bit PEM is about 13 KiB.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// A key variable holds PEM text. Two other forms are read so the rest of
/// the check still means something, each with a warning, because PyJWT
/// (`Could not parse the provided public key`) and Node's jsonwebtoken
/// (`ERR_OSSL_UNSUPPORTED`) take the value itself as the key and refuse
/// both: a PEM pasted on one line with literal `\n` (restored here), and a
/// path to a PEM file (read here). An app that does either step itself is
/// fine, which railconn cannot see — hence a warning, not a failure.
fn load_pem(var: &SecretVar, notes: &mut Vec<Finding>) -> Result<Vec<u8>, Failure> {
    let value = var.value.expose().trim();
    if value.contains("-----BEGIN") {
        if !value.contains("\\n") {
            return Ok(value.as_bytes().to_vec());
        }
        notes.push(Finding::warn(
            FindingCode::KeyFormat,
            msg::jwt_key_escaped_newlines(var.name),
        ));
        return Ok(value.replace("\\n", "\n").into_bytes());
    }
    let pem = crate::source::read_setting_file(std::path::Path::new(value), MAX_KEY_FILE).map_err(
        |e| {
            Failure::new(
                Code::InvalidKey,
                jwt_key_file(var.name, &crate::i18n::io_reason(&e)),
            )
        },
    )?;
    notes.push(Finding::warn(
        FindingCode::KeyFormat,
        msg::jwt_key_path(var.name),
    ));
    Ok(pem)
}

fn encoding_key(algorithm: Algorithm, pem: &[u8], var: &str) -> Result<EncodingKey, Failure> {
    let key = match algorithm {
        Algorithm::ES256 | Algorithm::ES384 => ec_encoding_key(algorithm, pem),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(pem).ok(),
        _ => EncodingKey::from_rsa_pem(pem).ok(),
    };
    key.ok_or_else(|| {
        Failure::new(
            Code::InvalidKey,
            msg::jwt_bad_private_key(var, &format!("{algorithm:?}")),
        )
    })
}

/// jsonwebtoken reads EC private keys only as PKCS#8, while OpenSSL's
/// `ecparam -genkey` writes SEC1 (`BEGIN EC PRIVATE KEY`), which PyJWT
/// (`cryptography`) and Node's `crypto` load alike: a SEC1 key is rewrapped
/// as PKCS#8 with aws-lc, so it passes here as it works in the app.
fn ec_encoding_key(algorithm: Algorithm, pem: &[u8]) -> Option<EncodingKey> {
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair,
    };
    let Ok(PrivateKeyDer::Sec1(sec1)) = PrivateKeyDer::from_pem_slice(pem) else {
        return EncodingKey::from_ec_pem(pem).ok();
    };
    let curve = if algorithm == Algorithm::ES384 {
        &ECDSA_P384_SHA384_FIXED_SIGNING
    } else {
        &ECDSA_P256_SHA256_FIXED_SIGNING
    };
    let pair = EcdsaKeyPair::from_private_key_der(curve, sec1.secret_sec1_der()).ok()?;
    let pkcs8 = pair.to_pkcs8v1().ok()?;
    Some(EncodingKey::from_ec_der(pkcs8.as_ref()))
}

fn decoding_key(algorithm: Algorithm, pem: &[u8], var: &str) -> Result<DecodingKey, Failure> {
    let key = match algorithm {
        Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(pem),
        Algorithm::EdDSA => DecodingKey::from_ed_pem(pem),
        _ => DecodingKey::from_rsa_pem(pem),
    };
    key.map_err(|_| {
        Failure::new(
            Code::InvalidKey,
            msg::jwt_bad_public_key(var, &format!("{algorithm:?}")),
        )
    })
}

/// The RSA modulus size, read with aws-lc; below 2048 bits is refused.
fn rsa_bits(algorithm: Algorithm, pem: &[u8], var: &str) -> Result<Option<usize>, Failure> {
    if matches!(
        algorithm,
        Algorithm::ES256 | Algorithm::ES384 | Algorithm::EdDSA
    ) {
        return Ok(None);
    }
    let der = PrivateKeyDer::from_pem_slice(pem)
        .map_err(|_| Failure::new(Code::InvalidKey, msg::jwt_bad_private_key(var, "RSA")))?;
    let parsed = match &der {
        PrivateKeyDer::Pkcs1(key) => aws_lc_rs::rsa::KeyPair::from_der(key.secret_pkcs1_der()),
        PrivateKeyDer::Pkcs8(key) => aws_lc_rs::rsa::KeyPair::from_pkcs8(key.secret_pkcs8_der()),
        _ => {
            return Err(Failure::new(
                Code::InvalidKey,
                msg::jwt_bad_private_key(var, "RSA"),
            ));
        }
    };
    match parsed {
        Ok(pair) => Ok(Some(pair.public_modulus_len() * 8)),
        Err(rejected) if rejected.description_() == "TooSmall" => {
            Err(Failure::new(Code::InvalidKey, msg::jwt_rsa_too_small(var)))
        }
        Err(_) => Err(Failure::new(
            Code::InvalidKey,
            msg::jwt_bad_private_key(var, "RSA"),
        )),
    }
}

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: u64,
    exp: u64,
}

/// Signs a token like the app would and verifies it with the public side.
fn roundtrip(plan: &Plan<'_>, keys: &Keys) -> Result<Message, Failure> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Lifetimes come from user input: saturate rather than overflow.
    let lifetime = u64::try_from(plan.lifetime.max(1))
        .unwrap_or(1)
        .saturating_mul(60);
    let claims = Claims {
        sub: "railconn-check".to_string(),
        iat: now,
        exp: now.saturating_add(lifetime),
    };
    let token = jsonwebtoken::encode(&Header::new(plan.algorithm), &claims, &keys.encoding)
        .map_err(|e| {
            Failure::new(
                Code::RoundtripFailed,
                jwt_sign_failed(&format!("{:?}", e.kind())),
            )
        })?;
    let Some(decoding) = &keys.decoding else {
        return Ok(msg::jwt_signed_only());
    };
    let validation = Validation::new(plan.algorithm);
    match jsonwebtoken::decode::<Claims>(&token, decoding, &validation) {
        // A lifetime of 0 or less cannot make a token that verifies: the
        // probe signs with a minute of its own and says so, rather than
        // "exp in 1 min" beside the warning "live 0 minutes" (issue 23).
        Ok(_) if plan.lifetime < 1 => Ok(msg::jwt_roundtrip_detail_own_exp(plan.lifetime)),
        Ok(_) => Ok(msg::jwt_roundtrip_detail(plan.lifetime)),
        Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::InvalidSignature) => {
            Err(Failure::new(Code::InvalidKey, msg::jwt_key_mismatch()))
        }
        Err(e) => Err(Failure::new(
            Code::RoundtripFailed,
            jwt_verify_failed(&format!("{:?}", e.kind())),
        )),
    }
}
/// A setting's value, shown only when it looks like a setting (short,
/// plain characters): a secret pasted into the wrong variable is not.
fn shown_value(value: &str) -> Option<&str> {
    let plain = !value.is_empty()
        && value.len() <= 12
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '+');
    plain.then_some(value)
}

pub(crate) fn jwt_target_hidden(chars: usize) -> Message {
    msg::jwt_target_hidden(msg::hidden_value(chars))
}

/// `shown` is the value when it looks like a setting, `None` when it
/// may be a secret pasted into the wrong variable.
pub(crate) fn jwt_bad_algorithm(var: &str, shown: Option<&str>, chars: usize) -> Message {
    msg::jwt_bad_algorithm(var, value_or_length(shown, chars))
}

pub(crate) fn jwt_missing_secret(vars: &[&str]) -> Message {
    msg::jwt_missing_secret(vars.join(", "))
}

/// `shown` as for [`jwt_bad_algorithm`].
pub(crate) fn jwt_bad_lifetime(var: &str, shown: Option<&str>, chars: usize) -> Message {
    msg::jwt_bad_lifetime(var, value_or_length(shown, chars))
}

fn value_or_length(shown: Option<&str>, chars: usize) -> Message {
    match shown {
        Some(value) => msg::shown_value(value),
        None => msg::hidden_value(chars),
    }
}

pub(crate) fn jwt_lifetime(minutes: i64) -> Message {
    if minutes <= 0 {
        msg::jwt_lifetime_expired(minutes)
    } else {
        msg::jwt_lifetime_long(minutes)
    }
}

pub(crate) fn jwt_key_file(var: &str, error: &Message) -> Message {
    msg::jwt_key_file(var, error.clone())
}

pub(crate) fn jwt_key_detail(algorithm: &str, bits: Option<usize>, has_public: bool) -> Message {
    msg::jwt_key_detail(algorithm, bits.unwrap_or(0), msg::yes_no(has_public))
}

pub(crate) fn jwt_sign_failed(kind: &str) -> Message {
    msg::jwt_sign_failed(kind.to_string())
}

pub(crate) fn jwt_verify_failed(kind: &str) -> Message {
    msg::jwt_verify_failed(kind.to_string())
}
