//! A stream wrapper that remembers the first bytes the peer sent, and caps
//! how much a peer may send at all.
//!
//! Libraries report a confused peer as "corrupt message" or "unexpected
//! EOF"; the bytes themselves say what is really on the port: `H` for an
//! HTTP server, `0x15`/`0x16` for a TLS record, `-` or `+` for Redis, `E`
//! or `R` for PostgreSQL. The sniffed prefix survives the stream being
//! consumed by a TLS or protocol library, so diagnosis can use it afterwards.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::i18n::{Message, msg};

/// Enough for the first replies and a server's last words (an error line
/// before it closes), read by diagnosis after the library gave up.
const KEEP: usize = 1024;

/// The most a peer may send on one connection. A healthy check reads a few
/// kilobytes (startup parameters, `INFO server`); a hostile or broken peer
/// that streams an endless reply is cut off here instead of growing memory
/// until the deadline.
pub(crate) const MAX_READ: usize = 1024 * 1024;

/// The first bytes received, shared with whoever owns the stream.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sniffed(Arc<Mutex<Seen>>);

#[derive(Debug, Default)]
struct Seen {
    first: Vec<u8>,
    cut_off: bool,
}

impl Sniffed {
    pub(crate) fn bytes(&self) -> Vec<u8> {
        self.0.lock().map(|s| s.first.clone()).unwrap_or_default()
    }

    /// Whether the stream was cut off at [`MAX_READ`]. Libraries wrap or
    /// replace the I/O error, so this is the reliable way to tell.
    pub(crate) fn cut_off(&self) -> bool {
        self.0.lock().is_ok_and(|s| s.cut_off)
    }

    /// Forgets the bytes seen so far, so the next ones are judged alone:
    /// PostgreSQL's one-byte `S` must not make the TLS handshake that
    /// follows look like plaintext.
    pub(crate) fn restart(&self) {
        if let Ok(mut seen) = self.0.lock() {
            seen.first.clear();
        }
    }

    fn mark_cut_off(&self) {
        if let Ok(mut seen) = self.0.lock() {
            seen.cut_off = true;
        }
    }

    /// What the first byte says the peer speaks, if it says anything.
    pub(crate) fn peer_kind(&self) -> Option<PeerKind> {
        self.bytes().first().map(|&b| PeerKind::from_first_byte(b))
    }

    fn record(&self, data: &[u8]) {
        if let Ok(mut seen) = self.0.lock() {
            let room = KEEP.saturating_sub(seen.first.len());
            seen.first.extend_from_slice(&data[..room.min(data.len())]);
        }
    }
}

/// A protocol guessed from a peer's first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PeerKind {
    Http,
    Tls,
    Redis,
    Postgres,
    Unknown,
}

impl PeerKind {
    fn from_first_byte(byte: u8) -> Self {
        match byte {
            b'H' => Self::Http,
            // TLS record types: alert (21) and handshake (22), RFC 8446 §5.1.
            0x15 | 0x16 => Self::Tls,
            b'-' | b'+' | b'$' | b'*' | b':' => Self::Redis,
            b'E' | b'R' | b'N' | b'S' => Self::Postgres,
            _ => Self::Unknown,
        }
    }
}

/// The error a capped stream returns once the peer sent [`MAX_READ`] bytes.
#[derive(Debug, thiserror::Error)]
#[error("the peer sent more than {MAX_READ} bytes")]
pub(crate) struct TooMuchData;

/// A stream that records the first bytes read through it.
#[derive(Debug)]
pub(crate) struct SniffStream<S> {
    inner: S,
    sniffed: Sniffed,
    read: usize,
}

impl<S> SniffStream<S> {
    pub(crate) fn new(inner: S) -> (Self, Sniffed) {
        let sniffed = Sniffed::default();
        let stream = Self {
            inner,
            sniffed: sniffed.clone(),
            read: 0,
        };
        (stream, sniffed)
    }

    /// The same stream under another type, its sniffer and count kept: a
    /// TCP stream becomes a [`super::stream::Stream`] for a protocol that
    /// also runs over Unix-domain sockets.
    pub(crate) fn map<T>(self, wrap: impl FnOnce(S) -> T) -> SniffStream<T> {
        SniffStream {
            inner: wrap(self.inner),
            sniffed: self.sniffed,
            read: self.read,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for SniffStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.read >= MAX_READ {
            self.sniffed.mark_cut_off();
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, TooMuchData)));
        }
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = poll {
            let fresh = &buf.filled()[before..];
            self.sniffed.record(fresh);
            self.read += fresh.len();
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for SniffStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    /// rustls hands its records over as several buffers (a TLS 1.3
    /// client's `ChangeCipherSpec`, `Finished` and the first application
    /// data): passed on whole they leave in one `writev`, not one write
    /// each (tokio's default writes only the first non-empty buffer).
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The first bytes of a reply, printable: non-ASCII and control bytes as
/// `\xNN` escapes, so nothing raw reaches a terminal or a CI log.
pub(crate) fn escaped(bytes: &[u8]) -> String {
    let shown: String = bytes
        .iter()
        .take(48)
        .flat_map(|b| b.escape_ascii())
        .map(char::from)
        .collect();
    if bytes.len() > 48 {
        format!("{shown}…")
    } else {
        shown
    }
}

/// A peer that kept sending, more than `limit` bytes without completing a
/// reply (said in KiB): a hostile or confused server.
pub(crate) fn peer_too_much(limit: usize) -> Message {
    msg::peer_too_much(limit / 1024)
}
