//! One stream over TCP or a Unix-domain socket, so that a protocol runs the
//! same steps over either: libpq dials a socket file when the host is a
//! path and TCP otherwise (libpq-connect.html, "host"), and the PostgreSQL
//! probe follows it.
//!
//! A socket has no name to resolve: the dns step is skipped with the
//! socket's path as its detail, and the tcp step (the step names are the
//! report's schema) connects to the socket file and names it.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

use super::sniff::{SniffStream, Sniffed};
use super::{Budget, Opened, within};
use crate::i18n::{Message, msg};
use crate::model::{Code, Failure, Ladder, StepName};

/// A connected stream: TCP or a Unix-domain socket.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

/// Where a connection went, to dial the same place again (libpq's
/// `allow` and `prefer` retries open a new connection there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Peer {
    Tcp(SocketAddr),
    /// The socket file; an abstract name starts with a NUL byte.
    Unix(PathBuf),
}

/// An open connection: the stream, what the peer sent first, and where.
pub(crate) struct Link {
    pub stream: SniffStream<Stream>,
    pub sniffed: Sniffed,
    pub peer: Peer,
}

impl From<Opened> for Link {
    fn from(opened: Opened) -> Self {
        Self {
            stream: opened.stream.map(Stream::Tcp),
            sniffed: opened.sniffed,
            peer: Peer::Tcp(opened.addr),
        }
    }
}

/// The dns and tcp steps for a socket file: nothing to resolve, then the
/// connect, each recorded with the socket's path.
pub(crate) async fn open_socket(path: &Path, budget: &Budget, ladder: &mut Ladder) -> Option<Link> {
    let shown = shown(path);
    ladder.skip(StepName::Dns, msg::socket_no_dns(shown.clone()));
    let started = Instant::now();
    match connect(path, budget).await {
        Ok(stream) => {
            ladder.pass(StepName::Tcp, started, msg::socket_connected(shown));
            Some(link(stream, path))
        }
        Err(failure) => {
            ladder.fail(StepName::Tcp, Some(started), failure);
            None
        }
    }
}

/// A new connection to a peer that already answered.
pub(crate) async fn redial(peer: &Peer, budget: &Budget) -> Result<Link, Failure> {
    match peer {
        Peer::Tcp(addr) => super::redial(*addr, budget).await.map(Link::from),
        Peer::Unix(path) => Ok(link(connect(path, budget).await?, path)),
    }
}

fn link(stream: UnixStream, path: &Path) -> Link {
    let (stream, sniffed) = SniffStream::new(Stream::Unix(stream));
    Link {
        stream,
        sniffed,
        peer: Peer::Unix(path.to_path_buf()),
    }
}

/// connect(2) on the socket file, within the connect timeout (a listener
/// whose backlog is full makes a client wait).
async fn connect(path: &Path, budget: &Budget) -> Result<UnixStream, Failure> {
    let limit = budget.connect_limit();
    match within(limit, UnixStream::connect(path)).await {
        None => Err(Failure::new(
            Code::ConnectTimeout,
            msg::tcp_timeout(shown(path), limit),
        )),
        Some(Ok(stream)) => Ok(stream),
        Some(Err(error)) => Err(classify(path, &error)),
    }
}

/// What a failed connect to a socket file means. libpq says "No such file
/// or directory ... Is the server running locally and accepting
/// connections on that socket?" for ENOENT (fe-connect.c
/// `emitHostIdentityInfo`, `CONNECTION_STARTED`): nothing listens there,
/// as ECONNREFUSED (a socket file left by a stopped server) means too, so
/// both are `connection_refused`. EACCES is the socket file's or its
/// directory's permissions refusing this user: `access_denied`.
fn classify(path: &Path, error: &io::Error) -> Failure {
    let shown = shown(path);
    if let Some(errno) = super::tcp::exhausted(error) {
        return Failure::new(
            Code::LocalResources,
            super::local_resources_failed(&shown, errno),
        );
    }
    let (code, message): (Code, Message) = match error.raw_os_error() {
        Some(libc::ENOENT | libc::ENOTDIR) => (Code::ConnectionRefused, msg::socket_missing(shown)),
        Some(libc::ECONNREFUSED) => (Code::ConnectionRefused, msg::socket_refused(shown)),
        Some(libc::EACCES | libc::EPERM) => (Code::AccessDenied, msg::socket_denied(shown)),
        _ => (
            Code::ConnectionRefused,
            msg::tcp_failed(shown, error.to_string()),
        ),
    };
    Failure::new(code, message)
}

/// The socket's path as libpq writes it: an abstract name with `@` for its
/// leading NUL byte.
pub(crate) fn shown(path: &Path) -> String {
    let text = path.to_string_lossy();
    match text.strip_prefix('\0') {
        Some(name) => format!("@{name}"),
        None => text.into_owned(),
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Self::Unix(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_write(cx, data),
            Self::Unix(s) => Pin::new(s).poll_write(cx, data),
        }
    }

    /// One `writev` for rustls's several records (see `SniffStream`).
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Self::Unix(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Tcp(s) => s.is_write_vectored(),
            Self::Unix(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_flush(cx),
            Self::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Self::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_errors_say_what_is_missing() {
        let path = Path::new("/run/x/.s.PGSQL.5432");
        let code = |errno| classify(path, &io::Error::from_raw_os_error(errno)).code;
        assert_eq!(code(libc::ENOENT), Code::ConnectionRefused);
        assert_eq!(code(libc::ECONNREFUSED), Code::ConnectionRefused);
        assert_eq!(code(libc::EACCES), Code::AccessDenied);
        assert_eq!(code(libc::EMFILE), Code::LocalResources);
        let missing = classify(path, &io::Error::from_raw_os_error(libc::ENOENT));
        assert_eq!(missing.message.id(), "socket_missing");
        assert_eq!(shown(Path::new("\0pg/.s.PGSQL.1")), "@pg/.s.PGSQL.1");
    }
}
