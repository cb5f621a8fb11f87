//! The `SSLRequest` (protocol §55.2.10, "SSL Session Encryption") and the
//! one byte the server answers it with, `S` or `N`, before any TLS byte.
//!
//! The TLS client's first flight costs CPU: a key share to generate, the
//! `ClientHello` to build. Done after the `S` arrives, that time sits on
//! the check's critical path; done while the `SSLRequest` is in flight, it
//! costs nothing. So the handshake starts right after the request is
//! written, over [`Answered`]: its first read or write waits for the
//! server's byte and lets TLS through only after an `S`. A server may not
//! receive a TLS byte before it said `S` (PostgreSQL ≥ 14.1 refuses data
//! that arrives with the request, CVE-2021-23214), and none is sent: the
//! `ClientHello` waits in rustls until the gate opens. An `N` or another
//! byte fails the handshake and hands the stream back, so `sslmode=prefer`
//! goes on in plaintext on the same connection, as libpq does.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::net::sniff::Sniffed;

/// The request: length 8, code 80877103.
pub(crate) const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// What the server said to the `SSLRequest`, as far as it got.
#[derive(Debug, Default)]
pub(crate) enum Answer {
    /// Nothing yet (a handshake that timed out here never got an answer).
    #[default]
    Waiting,
    /// The server's byte.
    Byte(u8),
    /// Reading the byte failed (a closed or reset connection).
    Failed(io::Error),
}

/// The shared record of the answer, readable after the handshake gave up.
#[derive(Debug, Clone, Default)]
pub(crate) struct Heard(Arc<Mutex<Answer>>);

impl Heard {
    pub(crate) fn take(&self) -> Answer {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn set(&self, answer: Answer) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = answer;
    }
}

/// A stream whose traffic waits for the server's `S`.
#[derive(Debug)]
pub(crate) struct Answered<S> {
    inner: S,
    sniffed: Sniffed,
    heard: Heard,
    gate: Gate,
}

/// Where the gate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    Waiting,
    Open,
    /// Any other answer: every later read or write fails the same way and
    /// touches nothing, so the stream handed back starts right after the
    /// answer.
    Shut(io::ErrorKind),
}

impl<S> Answered<S> {
    /// `sniffed` watches `inner`'s bytes: it forgets the `S`, so that
    /// what it shows next is the server's TLS.
    pub(crate) fn new(inner: S, sniffed: Sniffed) -> (Self, Heard) {
        let heard = Heard::default();
        let gate = Self {
            inner,
            sniffed,
            heard: heard.clone(),
            gate: Gate::Waiting,
        };
        (gate, heard)
    }

    /// The plain stream, past the server's answer.
    pub(crate) fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: AsyncRead + Unpin> Answered<S> {
    /// Reads the answer now, for a handshake that ended before it read
    /// anything (a server name rustls cannot use): the answer still says
    /// more (`N`: no TLS at all) than the handshake's own failure.
    pub(crate) async fn listen(&mut self) {
        let _ = std::future::poll_fn(|cx| self.poll_answer(cx)).await;
    }

    /// Ready once the answer is an `S`; an error (which rustls passes up)
    /// for any other answer, then and ever after.
    fn poll_answer(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.gate {
            Gate::Open => return Poll::Ready(Ok(())),
            Gate::Shut(kind) => return Poll::Ready(Err(refusal(kind))),
            Gate::Waiting => {}
        }
        let mut byte = [0u8; 1];
        let mut buf = ReadBuf::new(&mut byte);
        let answer = match ready!(Pin::new(&mut self.inner).poll_read(cx, &mut buf)) {
            Ok(()) if buf.filled().is_empty() => {
                Answer::Failed(io::ErrorKind::UnexpectedEof.into())
            }
            Ok(()) => Answer::Byte(byte[0]),
            Err(error) => Answer::Failed(error),
        };
        let passed = matches!(answer, Answer::Byte(b'S'));
        let kind = match &answer {
            Answer::Failed(error) => error.kind(),
            _ => io::ErrorKind::Other,
        };
        self.heard.set(answer);
        if passed {
            self.gate = Gate::Open;
            self.sniffed.restart();
            Poll::Ready(Ok(()))
        } else {
            self.gate = Gate::Shut(kind);
            Poll::Ready(Err(refusal(kind)))
        }
    }
}

/// What the TLS client is told when the answer was not an `S`; the
/// answer itself is in [`Heard`].
fn refusal(kind: io::ErrorKind) -> io::Error {
    io::Error::new(kind, "the server did not answer S to the SSLRequest")
}

impl<S: AsyncRead + Unpin> AsyncRead for Answered<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_answer(cx))?;
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Answered<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_answer(cx))?;
        Pin::new(&mut this.inner).poll_write(cx, data)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_answer(cx))?;
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

    /// Nothing the client writes reaches the server before its `S`; after
    /// it, everything does, and the server's next bytes are readable.
    #[tokio::test]
    async fn writes_wait_for_the_servers_s() {
        let (client, mut server) = duplex(64);
        let (mut gate, heard) = Answered::new(client, Sniffed::default());
        let writer = tokio::spawn(async move { gate.write_all(b"hello").await.map(|()| gate) });
        tokio::task::yield_now().await;
        let mut early = [0u8; 5];
        let nothing = tokio::time::timeout(
            std::time::Duration::from_millis(20),
            server.read(&mut early),
        )
        .await;
        assert!(nothing.is_err(), "a byte crossed the gate before the S");
        server.write_all(b"S").await.unwrap();
        server.read_exact(&mut early).await.unwrap();
        assert_eq!(&early, b"hello");
        let mut gate = writer.await.unwrap().unwrap();
        server.write_all(b"tls").await.unwrap();
        let mut back = [0u8; 3];
        gate.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"tls");
        assert!(matches!(heard.take(), Answer::Byte(b'S')));
    }

    /// Any other answer fails the first write and leaves the stream, past
    /// the answer, to the caller; a closed connection is told apart.
    #[tokio::test]
    async fn other_answers_fail_and_hand_the_stream_back() {
        for (reply, expected) in [(&b"N"[..], Some(b'N')), (b"E", Some(b'E')), (b"", None)] {
            let (client, mut server) = duplex(64);
            let (mut gate, heard) = Answered::new(client, Sniffed::default());
            server.write_all(reply).await.unwrap();
            if reply.is_empty() {
                drop(server);
                assert!(gate.write_all(b"x").await.is_err());
                assert!(
                    matches!(heard.take(), Answer::Failed(e) if e.kind() == io::ErrorKind::UnexpectedEof)
                );
                continue;
            }
            assert!(gate.write_all(b"x").await.is_err());
            // Shut for good: a second try reads nothing more.
            server.write_all(b"Q").await.unwrap();
            assert!(gate.write_all(b"x").await.is_err());
            let answer = heard.take();
            assert!(
                matches!(answer, Answer::Byte(b) if Some(b) == expected),
                "{answer:?}"
            );
            let mut plain = gate.into_inner();
            let mut next = [0u8; 1];
            plain.read_exact(&mut next).await.unwrap();
            assert_eq!(&next, b"Q", "the gate read past the answer");
            plain.write_all(b"startup").await.unwrap();
            let mut seen = [0u8; 7];
            server.read_exact(&mut seen).await.unwrap();
            assert_eq!(&seen, b"startup");
        }
    }
}
