//! One integration-test binary (faster to build than one per file), with a
//! module per area. Servers are real: see `support`.

mod cli;
