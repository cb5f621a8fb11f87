//! The throw-away servers of `tests/support`, reused file by file (see
//! `examples/bench/support.rs` for why not `tests/support/mod.rs`):
//! PostgreSQL with TLS, trust, md5 and SCRAM users, and PgBouncer.

// Shared with the test suite: the benchmark uses only some of the helpers.
#![allow(dead_code)]

#[path = "../../tests/support/lifecycle.rs"]
pub mod lifecycle;
#[path = "../../tests/support/pgbouncer.rs"]
pub mod pgbouncer;
#[path = "../../tests/support/pki.rs"]
pub mod pki;
#[path = "../../tests/support/postgres.rs"]
pub mod postgres;
