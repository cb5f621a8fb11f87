//! PostgreSQL and Redis target parsing (sslmode, sslrootcert, database
//! numbers, fragments) on arbitrary input: errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use railconn::{PgTarget, RedisTarget};

fuzz_target!(|raw: &str| {
    let _ = PgTarget::parse(raw);
    let _ = RedisTarget::parse(raw);
});
