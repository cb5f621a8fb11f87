//! One integration-test binary (faster to build than one per file), with a
//! module per area. Servers are real PostgreSQL and Redis processes started
//! on random loopback ports by `support`; failures servers cannot produce on
//! demand come from fault listeners there.

// A test binary exports nothing, and the compiler already reports its
// unused items whatever their visibility: `unreachable_pub` (on for the
// library, Cargo.toml) would only rename `pub` here.
#![allow(unreachable_pub)]

mod amqp;
mod bad_input;
mod cli;
mod discovery;
mod docs;
mod drivers;
mod env_parts;
mod explain;
mod faults;
mod gate;
mod harness;
mod hostile;
mod jwt;
mod jwt_reference;
mod lang;
mod libpq_uri;
mod many;
mod matrix;
mod mysql;
mod ops;
mod output_safety;
mod platform;
mod postgres;
mod providers;
mod redis;
mod redis_url;
mod report_face;
mod serve;
mod serve_history;
mod sockets;
mod support;
