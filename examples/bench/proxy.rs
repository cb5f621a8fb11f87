//! A loopback TCP proxy that makes 127.0.0.1 look like a distant server.
//!
//! Every chunk read from either side is forwarded after a fixed one-way
//! latency, in order, so each request/response exchange costs one round
//! trip (2 × latency). A real TCP handshake costs a round trip too, which a
//! loopback `connect()` does not: with `connect_rtt`, the first chunk a
//! client sends waits one extra round trip, as it would behind a real
//! SYN/SYN-ACK. Every chunk is logged per connection (time, direction,
//! size) so that round trips can be counted afterwards.
//!
//! The proxy lives on the runtime it was started on and stops with it.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Which way a chunk travelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// Client to server.
    Up,
    /// Server to client.
    Down,
}

/// One chunk as the proxy read it.
#[derive(Clone, Copy, Debug)]
pub struct Chunk {
    /// When the proxy read it.
    pub at: Instant,
    /// When the proxy is due to write it to the other side.
    pub due: Instant,
    pub dir: Dir,
    pub bytes: usize,
}

/// Everything that crossed one proxied connection.
#[derive(Clone, Debug)]
pub struct Connection {
    pub accepted: Instant,
    pub chunks: Vec<Chunk>,
    /// Both directions have seen end-of-stream (or an error).
    pub closed: bool,
}

/// How chunks are delayed.
#[derive(Clone, Copy, Debug)]
pub struct Delay {
    pub one_way: Duration,
    /// Emulate the TCP handshake's round trip on the first client chunk.
    pub connect_rtt: bool,
}

type Log = Arc<Mutex<Vec<Connection>>>;

/// A running proxy in front of `127.0.0.1:upstream`.
pub struct Proxy {
    pub port: u16,
    log: Log,
}

impl Proxy {
    /// Binds a random loopback port and serves on `runtime` until it stops.
    pub fn start(runtime: &Handle, upstream: u16, delay: Delay) -> Proxy {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind proxy");
        let port = listener.local_addr().expect("proxy addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let log = Log::default();
        let upstream = SocketAddr::from((Ipv4Addr::LOCALHOST, upstream));
        let accept_log = log.clone();
        runtime.spawn(async move {
            let listener = TcpListener::from_std(listener).expect("tokio listener");
            accept_loop(listener, upstream, delay, accept_log).await;
        });
        Proxy { port, log }
    }

    /// How many connections have been accepted so far.
    pub fn accepted(&self) -> usize {
        self.log.lock().expect("proxy log").len()
    }

    /// The connections accepted since the `from`-th one.
    pub fn connections_since(&self, from: usize) -> Vec<Connection> {
        self.log.lock().expect("proxy log")[from..].to_vec()
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, delay: Delay, log: Log) {
    while let Ok((client, _)) = listener.accept().await {
        let id = {
            let mut log = log.lock().expect("proxy log");
            log.push(Connection {
                accepted: Instant::now(),
                chunks: Vec::new(),
                closed: false,
            });
            log.len() - 1
        };
        tokio::spawn(serve(
            client,
            upstream,
            delay,
            Conn {
                log: log.clone(),
                id,
            },
        ));
    }
}

/// A connection's entry in the log.
#[derive(Clone)]
struct Conn {
    log: Log,
    id: usize,
}

impl Conn {
    fn record(&self, (at, due): (Instant, Instant), dir: Dir, bytes: usize) {
        let chunk = Chunk {
            at,
            due,
            dir,
            bytes,
        };
        self.log.lock().expect("proxy log")[self.id]
            .chunks
            .push(chunk);
    }

    fn close(&self) {
        self.log.lock().expect("proxy log")[self.id].closed = true;
    }
}

async fn serve(client: TcpStream, upstream: SocketAddr, delay: Delay, conn: Conn) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        conn.close();
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let first_extra = if delay.connect_rtt {
        2 * delay.one_way
    } else {
        Duration::ZERO
    };
    let up = pipe(
        client_read,
        server_write,
        Dir::Up,
        (delay.one_way, first_extra),
        &conn,
    );
    let down = pipe(
        server_read,
        client_write,
        Dir::Down,
        (delay.one_way, Duration::ZERO),
        &conn,
    );
    tokio::join!(up, down);
    conn.close();
}

/// Waits until `due` to within a few microseconds. tokio's timer wheel
/// ticks in whole milliseconds and wakes a sleeper up to one tick late
/// (tokio `time::sleep` docs: "granularity of one millisecond"), which
/// would add up to 1 ms of emulated latency to every flight — ~0.2 round
/// trip over a TLS + SCRAM check's eleven flights at 25 ms. So the timer
/// sleeps to a tick short of `due` and the rest is spent yielding.
async fn deliver_at(due: Instant) {
    const TICK: Duration = Duration::from_millis(2);
    if let Some(early) = due.checked_sub(TICK) {
        tokio::time::sleep_until(early).await;
    }
    while Instant::now() < due {
        tokio::task::yield_now().await;
    }
}

/// Forwards one direction: a reader stamps each chunk with its due time,
/// a writer sleeps until then and writes; the queue keeps the order. End of
/// stream is forwarded (as a write shutdown) with the same delay.
async fn pipe(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    dir: Dir,
    (one_way, first_extra): (Duration, Duration),
    conn: &Conn,
) {
    let (queue, mut queued) = mpsc::unbounded_channel::<(Instant, Option<Vec<u8>>)>();
    let reader = async move {
        let mut buf = vec![0u8; 64 * 1024];
        let mut extra = first_extra;
        loop {
            let n = from.read(&mut buf).await.unwrap_or(0);
            let at = Instant::now();
            let due = at + one_way + std::mem::take(&mut extra);
            if n == 0 {
                let _ = queue.send((due, None));
                return;
            }
            conn.record((at, due), dir, n);
            let _ = queue.send((due, Some(buf[..n].to_vec())));
        }
    };
    let writer = async move {
        while let Some((at, data)) = queued.recv().await {
            deliver_at(at).await;
            let Some(data) = data else { break };
            if to.write_all(&data).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(reader, writer);
}
