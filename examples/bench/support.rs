//! The throw-away servers of `tests/support`, reused file by file: the
//! PKI, PostgreSQL with TLS and SCRAM, and Redis with `requirepass`.
//!
//! `tests/support/mod.rs` itself cannot be compiled into an example: its
//! `railconn()` uses `env!("CARGO_BIN_EXE_railconn")`, which cargo only sets
//! for integration tests and benches. Its submodules need nothing from it
//! but each other, so they are included here directly.

// Shared with the test suite: the benchmark uses only some of the helpers.
#![allow(dead_code)]

#[path = "../../tests/support/lifecycle.rs"]
pub mod lifecycle;
#[path = "../../tests/support/pki.rs"]
pub mod pki;
#[path = "../../tests/support/postgres.rs"]
pub mod postgres;
#[path = "../../tests/support/redis.rs"]
pub mod redis;
