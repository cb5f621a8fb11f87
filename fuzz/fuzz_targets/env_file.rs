//! `.env` parsing: arbitrary bytes give pairs or an error that never
//! quotes the input back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use railconn::{Lang, parse_env};

fuzz_target!(|data: &[u8]| {
    if let Err(message) = parse_env(data) {
        assert!(Lang::En.render(&message).len() < 200);
    }
});
