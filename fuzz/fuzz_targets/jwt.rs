//! The JWT check on arbitrary settings: algorithm names, secrets, PEM text
//! and lifetimes of any shape end in a report, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use railconn::{EnvSource, JwtSettings, probe_jwt};

fuzz_target!(|input: (&str, &str, &str, &str)| {
    let (algorithm, secret, key, lifetime) = input;
    let env = EnvSource::from_pairs([
        ("JWT_ALGORITHM", algorithm),
        ("JWT_SECRET_KEY", secret),
        ("JWT_PRIVATE_KEY", key),
        ("JWT_PUBLIC_KEY", key),
        ("ACCESS_TOKEN_EXPIRE_MINUTES", lifetime),
    ]);
    let _ = probe_jwt(&JwtSettings::from_env(&env));
});
