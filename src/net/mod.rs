//! The network layers every service shares: dns, tcp, tls and the sniffer
//! that keeps a peer's first bytes, plus the check's time [`Budget`];
//! `stream` adds Unix-domain sockets for PostgreSQL.
//!
//! Every step runs under a deadline taken from the check's budget, so
//! nothing can hang; failures are data ([`Failure`]), never Rust errors.

pub(crate) mod dns;
pub(crate) mod sniff;
pub(crate) mod stream;
pub(crate) mod tcp;
pub(crate) mod tls;
pub(crate) mod tls_messages;

use std::future::Future;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use self::sniff::{SniffStream, Sniffed};
use crate::i18n::{Advice, Message, msg};
use crate::model::{Code, Failure, Finding, FindingCode, Ladder, StepName};

/// The time a check may still spend.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    deadline: Instant,
    connect_timeout: Duration,
}

impl Budget {
    pub(crate) fn new(timeout: Duration, connect_timeout: Duration) -> Self {
        let now = Instant::now();
        Self {
            deadline: now.checked_add(timeout).unwrap_or(now),
            connect_timeout,
        }
    }

    /// Time left before the check's deadline.
    pub(crate) fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Bound for DNS or one TCP connect: the connect timeout, or less.
    pub(crate) fn connect_limit(&self) -> Duration {
        self.connect_timeout.min(self.remaining())
    }
}

/// Runs `fut` for at most `limit`; `None` means it timed out.
pub(crate) async fn within<F: Future>(limit: Duration, fut: F) -> Option<F::Output> {
    tokio::time::timeout(limit, fut).await.ok()
}

/// An open connection: the stream, what the peer sent first, and where.
pub(crate) struct Opened {
    pub stream: SniffStream<tokio::net::TcpStream>,
    pub sniffed: Sniffed,
    pub addr: std::net::SocketAddr,
}

/// The dns and tcp steps: resolve once (or take the `--resolve`
/// addresses), connect to the first address that accepts, and wrap the
/// socket so the peer's first bytes are kept.
pub(crate) async fn open(
    host: &str,
    port: u16,
    pinned: &[std::net::IpAddr],
    budget: &Budget,
    ladder: &mut Ladder,
) -> Option<Opened> {
    let started = Instant::now();
    let addrs = if pinned.is_empty() {
        match dns::resolve(host, port, budget.connect_limit()).await {
            Ok(addrs) => addrs,
            Err(failure) => {
                ladder.fail(StepName::Dns, Some(started), failure);
                return None;
            }
        }
    } else {
        pinned.iter().map(|&ip| (ip, port).into()).collect()
    };
    let detail = dns::describe(&addrs);
    if pinned.is_empty() {
        ladder.pass(StepName::Dns, started, detail);
    } else {
        ladder.pass(StepName::Dns, started, msg::dns_pinned(detail));
    }
    if pinned.is_empty() {
        note_address_families(host, &addrs, ladder);
    }
    let started = Instant::now();
    match tcp::connect(&addrs, budget).await {
        Ok(connected) => {
            if connected.ipv6_unreachable {
                ladder.finding(Finding::warn(
                    FindingCode::Ipv6,
                    msg::ipv6_unreachable(host),
                ));
            }
            ladder.pass(StepName::Tcp, started, connected.detail);
            let (stream, sniffed) = SniffStream::new(connected.stream);
            Some(Opened {
                stream,
                sniffed,
                addr: connected.addr,
            })
        }
        Err(failure) => {
            ladder.fail(StepName::Tcp, Some(started), failure);
            None
        }
    }
}

/// A name with only IPv6 addresses fails for IPv4-only clients: Railway's
/// legacy private network is AAAA-only, and ioredis before 5.8.2 looks up
/// IPv4 alone (`family: 4`).
fn note_address_families(host: &str, addrs: &[std::net::SocketAddr], ladder: &mut Ladder) {
    let literal = host.parse::<std::net::IpAddr>().is_ok();
    if !literal && addrs.iter().all(std::net::SocketAddr::is_ipv6) {
        ladder.finding(Finding::warn(FindingCode::Ipv6, msg::ipv6_only(host)));
    }
}

/// How far a cheap probe goes: resolving the name, or connecting too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    Resolve,
    Connect,
}

/// `wait`'s cheap probe between full rounds: does the name resolve (or,
/// with [`Reach::Connect`], does a TCP connect succeed, closed at once)?
/// A connect alone proves nothing behind a proxy or a pooler that accepts
/// before its server is up, so a `true` only starts a full check.
pub(crate) async fn reachable(
    host: &str,
    port: u16,
    pinned: &[IpAddr],
    reach: Reach,
    budget: &Budget,
) -> bool {
    let addrs = if pinned.is_empty() {
        match dns::resolve(host, port, budget.connect_limit()).await {
            Ok(addrs) => addrs,
            Err(_) => return false,
        }
    } else {
        pinned.iter().map(|&ip| (ip, port).into()).collect()
    };
    reach == Reach::Resolve || tcp::connect(&addrs, budget).await.is_ok()
}

/// A new connection to an address that already answered: libpq's `allow`
/// and `prefer` fallbacks dial again, and the name is not resolved twice.
pub(crate) async fn redial(addr: std::net::SocketAddr, budget: &Budget) -> Result<Opened, Failure> {
    let connected = tcp::connect(&[addr], budget).await?;
    let _ = connected.ipv6_unreachable;
    let (stream, sniffed) = SniffStream::new(connected.stream);
    Ok(Opened {
        stream,
        sniffed,
        addr,
    })
}

/// `localhost`, `*.localhost` and loopback addresses: traffic that never
/// leaves the machine, where plaintext is acceptable.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// No socket could be opened for `target` (an address or a host name):
/// `errno` says which resource this process or the system lacked.
pub(crate) fn local_resources_failed(target: &str, errno: &str) -> Message {
    msg::local_resources_failed(target.to_string(), errno.to_string())
}

pub(crate) fn network_advice(code: Code) -> Option<Advice> {
    use Code::*;
    Some(match code {
        InvalidUrl => msg::advice_net_invalid_url(),
        DnsTimeout => msg::advice_net_dns_timeout(),
        DnsError => msg::advice_net_dns_error(),
        ConnectTimeout => msg::advice_net_connect_timeout(),
        NetworkUnreachable => msg::advice_net_network_unreachable(),
        LocalResources => msg::advice_net_local_resources(),
        TlsHandshakeFailed => msg::advice_net_tls_handshake_failed(),
        ConnectionReset => msg::advice_net_connection_reset(),
        Timeout => msg::advice_net_timeout(),
        _ => return None,
    })
}
