//! Turns the proxy's per-connection chunk log into round-trip counts.
//!
//! Chunks are grouped into *flights*: maximal runs of chunks in one
//! direction, in the order the proxy read them. Because the proxy delays
//! everything, a client chunk read after a server flight was (almost
//! certainly) sent in response to it. A round trip is a client flight that
//! a server flight follows; a trailing client flight with no answer (e.g.
//! PostgreSQL's Terminate) costs no waiting.
//!
//! *Think time* is what each side spends between receiving a flight (when
//! the proxy delivered its last chunk) and sending the next one: the local
//! cost that the round trips do not explain.

use std::fmt::Write as _;
use std::time::Duration;

use tokio::time::Instant;

use super::proxy::{Connection, Dir};

/// One run of chunks in one direction.
#[derive(Debug)]
struct Flight {
    dir: Dir,
    chunks: usize,
    bytes: usize,
    /// When the proxy read its first and its last chunk.
    first_at: Instant,
    last_at: Instant,
    /// When the proxy delivered (or was due to deliver) its last chunk.
    last_due: Instant,
}

/// What one connection cost.
pub struct Summary {
    pub round_trips: usize,
    pub chunks_up: usize,
    pub chunks_down: usize,
    /// e.g. `→8 ←1 →517 ←1.2k …`, bytes per flight.
    pub flights: String,
    /// From accept to the client's first byte.
    pub first_byte_ms: f64,
    /// Client think time after the first flight, summed.
    pub client_ms: f64,
    /// Server think time, summed.
    pub server_ms: f64,
}

pub fn summarize(connection: &Connection) -> Summary {
    let flights = flights(connection);
    let count = |dir| connection.chunks.iter().filter(|c| c.dir == dir).count();
    let first_byte = flights
        .first()
        .map_or(Duration::ZERO, |f| f.first_at - connection.accepted);
    Summary {
        round_trips: round_trips(&flights),
        chunks_up: count(Dir::Up),
        chunks_down: count(Dir::Down),
        flights: describe_all(&flights),
        first_byte_ms: ms(first_byte),
        client_ms: ms(think(&flights, Dir::Up)),
        server_ms: ms(think(&flights, Dir::Down)),
    }
}

fn flights(connection: &Connection) -> Vec<Flight> {
    let mut flights: Vec<Flight> = Vec::new();
    for chunk in &connection.chunks {
        match flights.last_mut() {
            Some(last) if last.dir == chunk.dir => {
                last.chunks += 1;
                last.bytes += chunk.bytes;
                last.last_at = chunk.at;
                last.last_due = last.last_due.max(chunk.due);
            }
            _ => flights.push(Flight {
                dir: chunk.dir,
                chunks: 1,
                bytes: chunk.bytes,
                first_at: chunk.at,
                last_at: chunk.at,
                last_due: chunk.due,
            }),
        }
    }
    flights
}

fn round_trips(flights: &[Flight]) -> usize {
    flights
        .windows(2)
        .filter(|w| w[0].dir == Dir::Up && w[1].dir == Dir::Down)
        .count()
}

/// Sum of the gaps before `dir`'s flights, each from the delivery of the
/// flight it answers.
fn think(flights: &[Flight], dir: Dir) -> Duration {
    flights
        .windows(2)
        .filter(|w| w[1].dir == dir)
        .map(|w| w[1].first_at.saturating_duration_since(w[0].last_due))
        .sum()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Every flight, with its think time when that is 0.1 ms or more.
fn describe_all(flights: &[Flight]) -> String {
    let Some(first) = flights.first() else {
        return "(no bytes)".to_string();
    };
    let mut out = describe(first);
    for pair in flights.windows(2) {
        let think = ms(pair[1].first_at.saturating_duration_since(pair[0].last_due));
        out.push(' ');
        out += &describe(&pair[1]);
        if think >= 0.1 {
            let _ = write!(out, "[+{think:.1}ms]");
        }
    }
    out
}

/// `→517` for 517 bytes up in one chunk, `←1.3k(3)` for three chunks down,
/// `→60(2 over 40ms)` when its chunks were read more than 1 ms apart.
fn describe(flight: &Flight) -> String {
    let arrow = match flight.dir {
        Dir::Up => '→',
        Dir::Down => '←',
    };
    let size = if flight.bytes >= 1000 {
        format!("{:.1}k", flight.bytes as f64 / 1000.0)
    } else {
        flight.bytes.to_string()
    };
    let spread = ms(flight.last_at - flight.first_at);
    match flight.chunks {
        1 => format!("{arrow}{size}"),
        n if spread > 1.0 => format!("{arrow}{size}({n} over {spread:.0}ms)"),
        n => format!("{arrow}{size}({n})"),
    }
}
