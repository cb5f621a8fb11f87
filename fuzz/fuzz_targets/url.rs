//! URLs: no input may panic the pre-parser, and what reports show of a
//! PostgreSQL or Redis URL does not depend on its password at all (so it
//! cannot reveal any of it).
#![no_main]

use std::fmt::Write as _;

use libfuzzer_sys::fuzz_target;
use railconn::{PgTarget, RedisTarget, parse_url};

fuzz_target!(|input: (&str, &str, &str)| {
    let (first, second, rest) = input;
    let _ = parse_url(rest, &["postgresql", "postgres", "redis", "rediss"]);
    // An empty password shows as empty; a control character is refused
    // before anything is shown.
    let usable = |p: &str| !p.is_empty() && !p.chars().any(char::is_control);
    if !usable(first) || !usable(second) {
        return;
    }
    let url = |scheme: &str, password: &str| {
        let encoded = password.bytes().fold(String::new(), |mut out, b| {
            let _ = write!(out, "%{b:02X}");
            out
        });
        format!("{scheme}://app:{encoded}@{rest}")
    };
    let pg = |raw: String| PgTarget::parse(&raw).map(|t| t.redacted).ok();
    assert_eq!(pg(url("postgresql", first)), pg(url("postgresql", second)));
    let redis = |raw: String| RedisTarget::parse(&raw).map(|t| t.redacted).ok();
    assert_eq!(redis(url("redis", first)), redis(url("redis", second)));
});
