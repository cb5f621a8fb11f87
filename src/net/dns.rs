//! DNS: resolve the host exactly as the app will, with getaddrinfo (as
//! libpq, redis-py, tokio-postgres and redis-rs do), so /etc/hosts,
//! nsswitch and search domains apply as they do for them. Every address is
//! reported, IPv4 and IPv6 alike.
//!
//! The call goes through `dns-lookup` rather than std, because std keeps
//! only getaddrinfo's English text while the `EAI_*` code is what holds on
//! musl and in every locale (issue 10). getaddrinfo cannot be cancelled: it
//! runs on the blocking pool, and on timeout that thread lives on, which is
//! why the runtime is shut down with `shutdown_background`.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use dns_lookup::{AddrInfoHints, LookupError, LookupErrorKind};

use super::within;
use crate::i18n::{Message, msg};
use crate::model::Code;
use crate::model::Failure;

/// Resolves `host` to socket addresses, in the resolver's order.
pub(crate) async fn resolve(
    host: &str,
    port: u16,
    limit: Duration,
) -> Result<Vec<SocketAddr>, Failure> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let name = host.to_string();
    let lookup = tokio::task::spawn_blocking(move || getaddrinfo(&name, port));
    match within(limit, lookup).await {
        None => Err(Failure::new(
            Code::DnsTimeout,
            msg::dns_timeout(host, limit),
        )),
        Some(Err(_)) => Err(Failure::new(Code::DnsError, dns_failed(host, "EAI_SYSTEM"))),
        Some(Ok(Err(Lookup::Exhausted(errno)))) => Err(Failure::new(
            Code::LocalResources,
            crate::net::local_resources_failed(host, errno),
        )),
        Some(Ok(Err(_))) if is_zoned_ipv6(host) => Err(Failure::new(
            Code::DnsNotFound,
            msg::dns_zoned_address(host),
        )),
        Some(Ok(Err(Lookup::Failed(error)))) => Err(classify(host, &error)),
        Some(Ok(Ok(addrs))) => {
            let addrs = dedup(addrs.into_iter());
            if addrs.is_empty() {
                return Err(Failure::new(Code::DnsNotFound, msg::dns_no_addresses(host)));
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

/// Why getaddrinfo gave no addresses.
enum Lookup {
    Failed(LookupError),
    /// This process or the system had no descriptor left (the errno's
    /// name): the resolver could not even read `/etc/hosts`.
    Exhausted(&'static str),
}

/// getaddrinfo with std's hints (any family, stream sockets), the port
/// set on each address as `ToSocketAddrs` does.
fn getaddrinfo(host: &str, port: u16) -> Result<Vec<SocketAddr>, Lookup> {
    let hints = AddrInfoHints {
        socktype: libc::SOCK_STREAM,
        ..AddrInfoHints::default()
    };
    let found = dns_lookup::getaddrinfo(Some(host), None, Some(hints)).map_err(|error| {
        // glibc reports a failed fopen or socket inside the resolver as
        // EAI_SYSTEM, EAI_AGAIN or even EAI_NONAME depending on the NSS
        // module, so its code cannot tell: try for a descriptor ourselves.
        match descriptors_exhausted() {
            Some(errno) => Lookup::Exhausted(errno),
            None => Lookup::Failed(error),
        }
    })?;
    Ok(found
        .filter_map(Result::ok)
        .map(|info| SocketAddr::new(info.sockaddr.ip(), port))
        .collect())
}

/// Whether this process can open a descriptor right now.
fn descriptors_exhausted() -> Option<&'static str> {
    std::fs::File::open("/dev/null")
        .err()
        .and_then(|e| super::tcp::exhausted(&e))
}

/// `fe80::1%eth0`: an IPv6 literal with a zone (RFC 6874's `%25` in a URL).
/// getaddrinfo takes an interface name only for a link-local address, a
/// number otherwise; what it refuses is no DNS name that could be mistyped.
fn is_zoned_ipv6(host: &str) -> bool {
    host.split_once('%')
        .is_some_and(|(addr, _)| addr.parse::<std::net::Ipv6Addr>().is_ok())
}

/// `EAI_NONAME` and `EAI_NODATA` mean the name (or its addresses) does not
/// exist: the host is wrong. `EAI_AGAIN`, `EAI_FAIL` and the rest are
/// resolver trouble (getaddrinfo(3), POSIX.1-2017).
fn classify(host: &str, error: &LookupError) -> Failure {
    let (code, name) = match error.kind() {
        LookupErrorKind::NoName => (Code::DnsNotFound, "EAI_NONAME"),
        LookupErrorKind::NoData => (Code::DnsNotFound, "EAI_NODATA"),
        LookupErrorKind::Again => (Code::DnsError, "EAI_AGAIN"),
        LookupErrorKind::Fail => (Code::DnsError, "EAI_FAIL"),
        LookupErrorKind::Memory => (Code::DnsError, "EAI_MEMORY"),
        LookupErrorKind::System => (Code::DnsError, "EAI_SYSTEM"),
        LookupErrorKind::Family => (Code::DnsError, "EAI_FAMILY"),
        LookupErrorKind::Service => (Code::DnsError, "EAI_SERVICE"),
        LookupErrorKind::Socktype => (Code::DnsError, "EAI_SOCKTYPE"),
        LookupErrorKind::Badflags => (Code::DnsError, "EAI_BADFLAGS"),
        LookupErrorKind::Unknown | LookupErrorKind::IO => (Code::DnsError, "EAI_OTHER"),
    };
    Failure::new(code, dns_failed(host, name))
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
    dns_addresses(&family(false), &family(true))
}

/// `eai` is getaddrinfo's error name (`EAI_NONAME`…): the catalogs say
/// it in words, the same on glibc and musl and in every locale.
pub(crate) fn dns_failed(host: &str, eai: &str) -> Message {
    msg::dns_failed(host, eai.to_string())
}

pub(crate) fn dns_addresses(v4: &[String], v6: &[String]) -> Message {
    let list = |family: &str, addrs: &[String]| {
        (!addrs.is_empty()).then(|| msg::dns_family(family, addrs.join(", ")))
    };
    match (list("IPv4", v4), list("IPv6", v6)) {
        (Some(v4), Some(v6)) => msg::joined(v4, v6),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => Message::default(),
    }
}

pub(crate) fn is_zoned_address(said: &Message) -> bool {
    said.id() == "dns_zoned_address"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(eai: i32) -> (Code, String) {
        let failure = classify("db.invalid", &LookupError::new(eai));
        let name = failure
            .message
            .args()
            .iter()
            .find(|(k, _)| *k == "error")
            .map(|(_, v)| format!("{v:?}"))
            .unwrap_or_default();
        (failure.code, name)
    }

    #[test]
    fn zoned_ipv6_literals_are_told_apart() {
        assert!(is_zoned_ipv6("::1%lo"));
        assert!(is_zoned_ipv6("fe80::1%eth0"));
        assert!(!is_zoned_ipv6("db%host"));
        assert!(!is_zoned_ipv6("::1"));
    }

    #[tokio::test]
    async fn a_zone_the_resolver_refuses_is_not_called_a_missing_name() {
        let failure = resolve("::1%lo", 5432, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert_eq!(failure.code, Code::DnsNotFound);
        assert!(is_zoned_address(&failure.message));
    }

    #[test]
    fn resolver_codes_decide_not_their_text() {
        for (eai, code, name) in [
            (libc::EAI_NONAME, Code::DnsNotFound, "EAI_NONAME"),
            (libc::EAI_NODATA, Code::DnsNotFound, "EAI_NODATA"),
            (libc::EAI_AGAIN, Code::DnsError, "EAI_AGAIN"),
            (libc::EAI_FAIL, Code::DnsError, "EAI_FAIL"),
            (libc::EAI_SYSTEM, Code::DnsError, "EAI_SYSTEM"),
            (libc::EAI_MEMORY, Code::DnsError, "EAI_MEMORY"),
            (12345, Code::DnsError, "EAI_OTHER"),
        ] {
            let (got, message) = code_of(eai);
            assert_eq!(got, code, "{eai}");
            assert!(message.contains(name), "{eai}: {message}");
        }
    }
}
