//! DNS: resolve the host exactly as the app will, with getaddrinfo
//! (`tokio::net::lookup_host`), so /etc/hosts, nsswitch and search domains
//! apply as they do for libpq and redis-py (tokio-postgres and redis-rs resolve through the same call). Every address is
//! reported, IPv4 and IPv6 alike.
//!
//! getaddrinfo cannot be cancelled: on timeout the blocking thread lives on,
//! which is why the runtime is shut down with `shutdown_background`.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::within;
use crate::i18n::Message;
use crate::model::Code;
use crate::model::Failure;
use crate::words;

/// Resolves `host` to socket addresses, in the resolver's order.
pub(crate) async fn resolve(
    host: &str,
    port: u16,
    limit: Duration,
) -> Result<Vec<SocketAddr>, Failure> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    match within(limit, tokio::net::lookup_host((host, port))).await {
        None => Err(Failure::new(
            Code::DnsTimeout,
            words::dns_timeout(host, limit),
        )),
        Some(Err(error)) => Err(classify(host, &error)),
        Some(Ok(addrs)) => {
            let addrs = dedup(addrs);
            if addrs.is_empty() {
                return Err(Failure::new(
                    Code::DnsNotFound,
                    words::dns_no_addresses(host),
                ));
            }
            Ok(addrs)
        }
    }
}

fn dedup(addrs: impl Iterator<Item = SocketAddr>) -> Vec<SocketAddr> {
    let mut unique: Vec<SocketAddr> = Vec::new();
    for addr in addrs {
        if !unique.contains(&addr) {
            unique.push(addr);
        }
    }
    unique
}

/// std exposes only getaddrinfo's text, not its EAI code, so the message is
/// matched: `EAI_NONAME` / `EAI_NODATA` mean the name does not exist, anything
/// else (`EAI_AGAIN` "Temporary failure", `EAI_FAIL`) is a resolver problem.
fn classify(host: &str, error: &io::Error) -> Failure {
    let text = error.to_string();
    let not_found = [
        "Name or service not known",
        "No address associated",
        "nodename nor servname",
    ]
    .iter()
    .any(|needle| text.contains(needle));
    let code = if not_found {
        Code::DnsNotFound
    } else {
        Code::DnsError
    };
    Failure::new(code, words::dns_failed(host, &text))
}

/// "IPv4 127.0.0.1; IPv6 `::1`": each address once, by family, no port.
pub(crate) fn describe(addrs: &[SocketAddr]) -> Message {
    let family = |v6: bool| -> Vec<String> {
        addrs
            .iter()
            .filter(|a| a.is_ipv6() == v6)
            .map(|a| a.ip().to_string())
            .collect()
    };
    words::dns_addresses(&family(false), &family(true))
}
