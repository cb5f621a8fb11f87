//! `.env` parsing: arbitrary bytes give pairs or an error that never
//! quotes the input back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use railconn::source::parse_env;

fuzz_target!(|data: &[u8]| {
    if let Err(message) = parse_env(data) {
        assert!(message.len() < 200);
    }
});
