//! The URL pre-parser: no input may panic it, and the redacted form does
//! not depend on the password at all (so it cannot reveal any of it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use railconn::{Secret, parse_url};

fuzz_target!(|raw: &str| {
    if let Ok(parsed) = parse_url(raw, &["postgresql", "postgres", "redis", "rediss"]) {
        let mut other = parsed.clone();
        other.password = parsed.password.as_ref().map(|_| Secret::new("a different password"));
        assert_eq!(parsed.redacted(), other.redacted());
    }
});
