//! A stream wrapper that remembers the first bytes the peer sent.
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

const KEEP: usize = 16;

/// The first bytes received, shared with whoever owns the stream.
#[derive(Debug, Clone, Default)]
pub struct Sniffed(Arc<Mutex<Vec<u8>>>);

impl Sniffed {
    pub fn bytes(&self) -> Vec<u8> {
        self.0.lock().map(|b| b.clone()).unwrap_or_default()
    }

    /// What the first byte says the peer speaks, if it says anything.
    pub fn peer_kind(&self) -> Option<PeerKind> {
        PeerKind::from_first_byte(*self.bytes().first()?)
    }

    fn record(&self, data: &[u8]) {
        if let Ok(mut kept) = self.0.lock() {
            let room = KEEP.saturating_sub(kept.len());
            kept.extend_from_slice(&data[..room.min(data.len())]);
        }
    }
}

/// A protocol guessed from a peer's first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerKind {
    Http,
    Tls,
    Redis,
    Postgres,
    Unknown,
}

impl PeerKind {
    fn from_first_byte(byte: u8) -> Option<Self> {
        Some(match byte {
            b'H' => Self::Http,
            // TLS record types: alert (21) and handshake (22), RFC 8446 §5.1.
            0x15 | 0x16 => Self::Tls,
            b'-' | b'+' | b'$' | b'*' | b':' => Self::Redis,
            b'E' | b'R' | b'N' | b'S' => Self::Postgres,
            _ => Self::Unknown,
        })
    }
}

/// A stream that records the first bytes read through it.
#[derive(Debug)]
pub struct SniffStream<S> {
    inner: S,
    sniffed: Sniffed,
}

impl<S> SniffStream<S> {
    pub fn new(inner: S) -> (Self, Sniffed) {
        let sniffed = Sniffed::default();
        let stream = Self {
            inner,
            sniffed: sniffed.clone(),
        };
        (stream, sniffed)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for SniffStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = poll {
            let fresh = &buf.filled()[before..];
            self.sniffed.record(fresh);
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

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
