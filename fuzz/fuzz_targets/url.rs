//! The URL pre-parser: no input may panic it, and a password that parsed
//! never appears in the redacted form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use railconn::config::url;

fuzz_target!(|raw: &str| {
    if let Ok(parsed) = url::parse(raw, &["postgresql", "postgres", "redis", "rediss"]) {
        let shown = parsed.redacted();
        if let Some(password) = &parsed.password {
            let secret = password.expose();
            assert!(secret.len() < 4 || !shown.contains(secret) || parsed.host.contains(secret));
        }
    }
});
