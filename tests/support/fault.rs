//! Misbehaving TCP listeners on 127.0.0.1 for testing how the CLI reports
//! broken peers: each `fault()` call gets its own port and accept thread that
//! serves any number of connections until the test process exits.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

/// How long a fault connection is held open at most, so threads of a
/// forgotten client do not pile up forever.
const HOLD: Duration = Duration::from_secs(90);

/// What the listener does with each accepted connection.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// Close right after accepting.
    AcceptClose,
    /// Read the client's first chunk, then close.
    ReadClose,
    /// Never write; keep the socket open until the client closes (or 90 s).
    Silent,
    /// Write these bytes at once, then discard input until the client closes.
    Garbage(&'static [u8]),
    /// Read the first chunk, write these bytes, then discard input until the
    /// client closes (e.g. `b"N"` answers a PostgreSQL `SSLRequest`).
    RespondAfterRead(&'static [u8]),
    /// Read the first chunk, write these bytes, then close (e.g. `b"S"`
    /// accepts a PostgreSQL `SSLRequest` and then drops the TLS handshake).
    RespondClose(&'static [u8]),
    /// Read the first chunk, then send these bytes one every 500 ms.
    Trickle(&'static [u8]),
    /// Read the first chunk, send these bytes, then an endless stream of
    /// filler (bounded by `HOLD` or the client closing).
    Flood(&'static [u8]),
}

/// Starts a listener for `kind` and returns its port.
pub fn fault(kind: Fault) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind fault listener");
    let port = listener.local_addr().expect("local addr").port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || serve(kind, stream));
        }
    });
    port
}

/// A port with nothing listening on it: 1 (tcpmux), privileged, so no
/// listener of the suite (they all bind port 0, i.e. an ephemeral port) can
/// take it between the lookup and the test, as a bound-then-released
/// ephemeral port could.
pub fn closed_port() -> u16 {
    1
}

/// I/O errors are ignored throughout: a client that resets the connection is
/// exactly what some tests provoke.
fn serve(kind: Fault, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(HOLD));
    match kind {
        Fault::AcceptClose => {}
        Fault::ReadClose => {
            read_chunk(&mut stream);
        }
        Fault::Silent => drain(&mut stream),
        Fault::Garbage(bytes) => {
            let _ = stream.write_all(bytes);
            drain(&mut stream);
        }
        Fault::RespondAfterRead(bytes) => {
            read_chunk(&mut stream);
            let _ = stream.write_all(bytes);
            drain(&mut stream);
        }
        Fault::RespondClose(bytes) => {
            read_chunk(&mut stream);
            let _ = stream.write_all(bytes);
            read_chunk(&mut stream);
        }
        Fault::Trickle(bytes) => {
            read_chunk(&mut stream);
            trickle(&mut stream, bytes);
        }
        Fault::Flood(prefix) => {
            read_chunk(&mut stream);
            let _ = stream.write_all(prefix);
            flood(&mut stream);
        }
    }
}

fn trickle(stream: &mut TcpStream, bytes: &[u8]) {
    for byte in bytes {
        if stream.write_all(&[*byte]).is_err() {
            return;
        }
        thread::sleep(Duration::from_millis(500));
    }
}

/// Writes filler until the client goes away or `HOLD` passes.
fn flood(stream: &mut TcpStream) {
    let filler = [b'x'; 16 * 1024];
    let started = std::time::Instant::now();
    while started.elapsed() < HOLD && stream.write_all(&filler).is_ok() {}
}

fn read_chunk(stream: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    let _ = stream.read(&mut buf);
}

/// Discards input until EOF, an error, or the read timeout.
fn drain(stream: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
}

/// A real TLS peer (`openssl s_server`) on 127.0.0.1 with the given
/// certificate, for certificate facts no database server here will show.
/// Killed when dropped.
pub struct TlsServer {
    child: std::process::Child,
    pub port: u16,
}

impl TlsServer {
    pub fn start(cert: &std::path::Path, key: &std::path::Path) -> Self {
        let port = super::lifecycle::free_port();
        let child = std::process::Command::new("openssl")
            .args([
                "s_server",
                "-quiet",
                "-accept",
                &format!("127.0.0.1:{port}"),
                "-cert",
            ])
            .arg(cert)
            .arg("-key")
            .arg(key)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("openssl s_server");
        super::lifecycle::wait_for_port(port);
        Self { child, port }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
