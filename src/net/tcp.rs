//! TCP: try each resolved address in order, as libpq does, and keep what
//! happened to every one of them (tokio-postgres would only return the
//! last error, which hides "IPv6 unreachable, IPv4 refused").

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;

use super::{Budget, within};
use crate::i18n::Message;
use crate::i18n::msg;
use crate::model::Code;
use crate::model::Failure;

/// A connected stream and the story of the attempts before it.
pub(crate) struct Connected {
    pub stream: TcpStream,
    pub addr: SocketAddr,
    pub detail: Message,
    /// An IPv6 address had no route while an IPv4 one connected: this
    /// network has no outbound IPv6, which clients that try AAAA first (or
    /// only) run into.
    pub ipv6_unreachable: bool,
}

/// Connects to the first address that accepts.
pub(crate) async fn connect(addrs: &[SocketAddr], budget: &Budget) -> Result<Connected, Failure> {
    let mut failures: Vec<(SocketAddr, Failure)> = Vec::new();
    for &addr in addrs {
        match connect_one(addr, budget).await {
            Ok(stream) => return Ok(connected(stream, addr, &failures)),
            Err(failure) => failures.push((addr, failure)),
        }
    }
    Err(decisive(&failures))
}

async fn connect_one(addr: SocketAddr, budget: &Budget) -> Result<TcpStream, Failure> {
    let limit = budget.connect_limit();
    match within(limit, TcpStream::connect(addr)).await {
        None => Err(Failure::new(Code::ConnectTimeout, tcp_timeout(addr, limit))),
        Some(Err(error)) => Err(classify(addr, &error)),
        Some(Ok(stream)) => {
            // Small request/response exchanges: don't let Nagle delay them
            // (libpq sets TCP_NODELAY too).
            let _ = stream.set_nodelay(true);
            Ok(stream)
        }
    }
}

fn connected(stream: TcpStream, addr: SocketAddr, failures: &[(SocketAddr, Failure)]) -> Connected {
    let earlier: Vec<(SocketAddr, &str)> = failures
        .iter()
        .map(|(failed, failure)| (*failed, failure.code.as_str()))
        .collect();
    let detail = tcp_connected_after(addr, &earlier);
    let ipv6_unreachable = addr.is_ipv4()
        && failures
            .iter()
            .any(|(a, f)| a.is_ipv6() && f.code == Code::NetworkUnreachable);
    Connected {
        stream,
        addr,
        detail,
        ipv6_unreachable,
    }
}

fn classify(addr: SocketAddr, error: &io::Error) -> Failure {
    use io::ErrorKind::*;
    if let Some(errno) = exhausted(error) {
        return Failure::new(
            Code::LocalResources,
            crate::net::local_resources_failed(&addr.to_string(), errno),
        );
    }
    let code = match error.kind() {
        ConnectionRefused => Code::ConnectionRefused,
        TimedOut => Code::ConnectTimeout,
        // Unreachable routes, an address family this host lacks, and the
        // rest of the connect errors: no path to the server from here.
        _ => Code::NetworkUnreachable,
    };
    Failure::new(code, tcp_failed(addr, error))
}

/// The errno's name when `error` says this machine, not the network, ran
/// out of something needed for a socket: descriptors of the process
/// (EMFILE) or of the system (ENFILE), or kernel buffers (ENOBUFS,
/// ENOMEM). socket(2) and connect(2) return these before any packet is
/// sent; calling them `network_unreachable` sent people after IPv6
/// (issue 18).
pub(crate) fn exhausted(error: &io::Error) -> Option<&'static str> {
    match error.raw_os_error()? {
        libc::EMFILE => Some("EMFILE"),
        libc::ENFILE => Some("ENFILE"),
        libc::ENOBUFS => Some("ENOBUFS"),
        libc::ENOMEM => Some("ENOMEM"),
        _ => None,
    }
}

/// With several addresses, the most actionable failure decides: a refusal
/// proves a host answered, so it beats a timeout or an unreachable route.
fn decisive(failures: &[(SocketAddr, Failure)]) -> Failure {
    // An exhausted machine explains every other failure it caused.
    let rank = |code: Code| match code {
        Code::LocalResources => 0,
        Code::ConnectionRefused => 1,
        Code::ConnectTimeout => 2,
        _ => 3,
    };
    let code = failures
        .iter()
        .map(|(_, f)| f.code)
        .min_by_key(|&c| rank(c))
        .unwrap_or(Code::NetworkUnreachable);
    // One message per address, nested log2 deep (`--resolve` may give
    // thousands of addresses; a fold nested once per address).
    let messages = failures.iter().map(|(_, f)| f.message.clone());
    Failure::new(
        code,
        crate::model::provenance::balanced(messages, msg::joined),
    )
}

pub(crate) fn tcp_timeout(addr: SocketAddr, limit: Duration) -> Message {
    msg::tcp_timeout(addr.to_string(), limit)
}

/// A failed connect, named by its errno where the catalogs know it (as
/// `dns_failed` names getaddrinfo's codes), else in the system's words.
pub(crate) fn tcp_failed(addr: SocketAddr, error: &std::io::Error) -> Message {
    use std::io::ErrorKind::*;
    let errno = match error.kind() {
        ConnectionRefused => "ECONNREFUSED",
        NetworkUnreachable => "ENETUNREACH",
        HostUnreachable => "EHOSTUNREACH",
        ConnectionReset => "ECONNRESET",
        TimedOut => "ETIMEDOUT",
        AddrNotAvailable => "EADDRNOTAVAIL",
        PermissionDenied => "EACCES",
        _ => return msg::tcp_failed(addr.to_string(), error.to_string()),
    };
    msg::tcp_failed(addr.to_string(), errno.to_string())
}

/// Connected to `addr` after the addresses in `earlier` failed.
pub(crate) fn tcp_connected_after(addr: SocketAddr, earlier: &[(SocketAddr, &str)]) -> Message {
    if earlier.is_empty() {
        return msg::tcp_connected(addr.to_string());
    }
    let earlier: Vec<String> = earlier
        .iter()
        .map(|(failed, code)| format!("{failed}: {code}"))
        .collect();
    msg::tcp_connected_after(addr.to_string(), earlier.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_out_of_descriptors_is_not_a_network_failure() {
        let addr = SocketAddr::from(([127, 0, 0, 1], 6379));
        for (errno, name) in [(libc::EMFILE, "EMFILE"), (libc::ENFILE, "ENFILE")] {
            let failure = classify(addr, &io::Error::from_raw_os_error(errno));
            assert_eq!(failure.code, Code::LocalResources);
            assert!(format!("{:?}", failure.message).contains(name));
        }
        let unreachable = classify(addr, &io::Error::from_raw_os_error(libc::ENETUNREACH));
        assert_eq!(unreachable.code, Code::NetworkUnreachable);
        let both = decisive(&[
            (addr, unreachable),
            (
                addr,
                classify(addr, &io::Error::from_raw_os_error(libc::EMFILE)),
            ),
        ]);
        assert_eq!(both.code, Code::LocalResources);
    }
}
