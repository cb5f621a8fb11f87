//! The HTTP side of `serve` (axum on the command's tokio runtime): the
//! listening socket, the routes, and the bearer-token guard. Handlers only
//! read the [`Board`]; none of them starts a check.
//!
//! Connections are served by our own accept loop over hyper's HTTP/1
//! builder rather than `axum::serve`, which sets neither a header timeout
//! nor a connection cap: a client that sends half a request head and waits
//! would otherwise hold its descriptor forever, and about a thousand of
//! them starved the rounds' own probes (issue 18). Here a request head must
//! arrive within [`HEADER_TIMEOUT`], and at most [`Limits::connections`]
//! connections are open at once: the newest evicts the oldest, so `/livez`
//! still answers while a flood holds the rest.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use socket2::{Domain, Protocol, Socket, Type};
use subtle::ConstantTimeEq;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use super::metrics::Exposition;
use super::{Board, health, metrics, page};
use crate::i18n::Lang;
use crate::i18n::msg;
use crate::i18n::say;
use crate::runner::MAX_IN_FLIGHT;

/// How long a client may take to send a request head, counted from the
/// moment the connection waits for one. hyper starts that timer whenever
/// it waits for a head (`proto/h1/conn.rs`, `poll_read_head`), so it is
/// also how long a kept-alive connection may sit idle between requests.
pub(crate) const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest request head read (hyper's default is about 400 KiB per
/// connection): serve's requests carry a path and a bearer token, and 128
/// connections each filling 400 KiB would hold 50 MB.
const MAX_HEAD: usize = 16 * 1024;

/// Descriptors kept for everything but HTTP: stdio, the runtime's epoll
/// and wakers, the listener, signal pipes, the files a round reads.
const BASE_RESERVE: u64 = 32;

/// Descriptors one check may hold at once: its socket, getaddrinfo's
/// (it opens `/etc/hosts`, `/etc/resolv.conf` and a UDP socket), a CA file.
const PER_CHECK: u64 = 4;

/// Never more connections than this, whatever the descriptor limit: a
/// scrape target needs a handful (Prometheus keeps one, a browser six),
/// and each open connection costs about 20 KiB (hyper's buffers, the
/// task), which glibc's heap keeps after the connection closes: with 512,
/// a flood left RSS 12 MiB above where it was; 128 bounds that near 3 MiB
/// (bench/serve-flood).
const MAX_CONNECTIONS: usize = 128;

/// Never fewer: under a tiny descriptor limit the probes' reserve would
/// leave nothing, and a few connections still serve `/livez`.
const MIN_CONNECTIONS: usize = 8;

/// The descriptor limit in force and the connection cap derived from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub descriptors: u64,
    pub connections: usize,
}

impl Limits {
    /// Raises the soft `RLIMIT_NOFILE` to the hard one, as servers do at
    /// start (the soft limit is often 1024 for compatibility with
    /// `select(2)`, which tokio does not use), then leaves room for
    /// `checks` probes in flight.
    pub(crate) fn raise(checks: usize) -> Self {
        let descriptors = rlimit::increase_nofile_limit(u64::MAX)
            .or_else(|_| rlimit::getrlimit(rlimit::Resource::NOFILE).map(|(soft, _)| soft))
            .unwrap_or(1024);
        Self::derive(descriptors, checks)
    }

    fn derive(descriptors: u64, checks: usize) -> Self {
        let in_flight = u64::try_from(checks.min(MAX_IN_FLIGHT)).unwrap_or(u64::MAX);
        let reserve = BASE_RESERVE + PER_CHECK * in_flight;
        let free = usize::try_from(descriptors.saturating_sub(reserve)).unwrap_or(usize::MAX);
        Self {
            descriptors,
            connections: free.clamp(MIN_CONNECTIONS, MAX_CONNECTIONS),
        }
    }
}

/// Serves `app` on `listener` until the future is dropped.
pub(crate) async fn serve(listener: TcpListener, app: Router, cap: usize) {
    let open = Arc::new(Open::new(cap));
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let Some(slot) = open.admit().await else {
                    return;
                };
                tokio::spawn(connection(stream, app.clone(), slot));
            }
            // EMFILE and the like: the cap should prevent them, but if the
            // rounds take more than their reserve, pause rather than spin
            // (axum::serve does the same).
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// One connection, until it ends, times out, or is evicted.
async fn connection(stream: TcpStream, app: Router, slot: Slot) {
    let service = TowerToHyperService::new(app);
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(MAX_HEAD)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        () = slot.evicted.notified() => {}
    }
}

/// The open connections: one permit each, and, oldest first, the signal
/// that closes each one.
struct Open {
    permits: Arc<Semaphore>,
    state: Mutex<(u64, BTreeMap<u64, Arc<Notify>>)>,
}

impl Open {
    fn new(cap: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(cap)),
            state: Mutex::new((0, BTreeMap::new())),
        }
    }

    /// A place for a new connection. At the cap the oldest is told to close
    /// (a `Notify` keeps the signal if its task is not waiting yet), and
    /// the new one waits until a connection has really ended: counting
    /// signals instead of ended tasks let a fast flood hold ten times the
    /// cap in descriptors while the evicted tasks waited for their turn.
    async fn admit(self: &Arc<Self>) -> Option<Slot> {
        let permit = if let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() {
            permit
        } else {
            self.evict_oldest();
            Arc::clone(&self.permits).acquire_owned().await.ok()?
        };
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let id = state.0;
        state.0 += 1;
        let evicted = Arc::new(Notify::new());
        state.1.insert(id, Arc::clone(&evicted));
        Some(Slot {
            id,
            evicted,
            open: Arc::clone(self),
            _permit: permit,
        })
    }

    fn evict_oldest(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, oldest)) = state.1.pop_first() {
            oldest.notify_one();
        }
    }
}

/// A connection's place in [`Open`], given back when its task ends.
struct Slot {
    id: u64,
    evicted: Arc<Notify>,
    open: Arc<Open>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut state = self
            .open
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        state.1.remove(&self.id);
    }
}

/// The expected bearer token, kept only as its SHA-256 digest: comparing
/// digests in constant time reveals neither the token's bytes nor its
/// length through timing.
#[derive(Clone)]
pub(crate) struct Token([u8; 32]);

impl Token {
    pub(crate) fn new(token: &str) -> Self {
        Self(sha256(token.as_bytes()))
    }

    fn admits(&self, headers: &HeaderMap) -> bool {
        let Some(presented) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer)
        else {
            return false;
        };
        sha256(presented.as_bytes()).ct_eq(&self.0).into()
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

/// The credentials of `Bearer <token>`; the scheme is case-insensitive
/// (RFC 9110 §11.1).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// Binds `addr`. An unspecified IPv6 address (`[::]`) accepts IPv4 too
/// (`IPV6_V6ONLY` off), whatever the system default: Railway's private
/// network is IPv6, a laptop's browser is often IPv4.
pub(crate) fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() && addr.ip().is_unspecified() {
        socket.set_only_v6(false)?;
    }
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// `[::]` on `port`, or `0.0.0.0` where the kernel has no IPv6 at all
/// (some containers): the second value says the fallback happened.
pub(crate) fn bind_default(port: u16) -> std::io::Result<(std::net::TcpListener, bool)> {
    if Socket::new(Domain::IPV6, Type::STREAM, Some(Protocol::TCP)).is_ok() {
        let any = SocketAddr::from((std::net::Ipv6Addr::UNSPECIFIED, port));
        return bind(any).map(|listener| (listener, false));
    }
    bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, port))).map(|listener| (listener, true))
}

/// The routes: `/livez` always open; `/`, `/metrics`, `/healthz` (and 404s)
/// behind the token when there is one.
pub(crate) fn router(board: Arc<Board>, token: Option<Token>) -> Router {
    let guarded = Router::new()
        .route("/", get(status_page))
        .route("/metrics", get(metrics_exposition))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .with_state(board);
    let guarded = match token {
        Some(token) => guarded.layer(middleware::from_fn_with_state(Arc::new(token), guard)),
        None => guarded,
    };
    Router::new().route("/livez", get(livez)).merge(guarded)
}

async fn guard(State(token): State<Arc<Token>>, request: Request, next: Next) -> Response {
    if token.admits(request.headers()) {
        return next.run(request).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        [
            (header::WWW_AUTHENTICATE, "Bearer realm=\"railconn\""),
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        ],
        format!("{}\n", say(&msg::http_unauthorized())),
    )
        .into_response()
}

async fn livez() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "ok\n",
    )
        .into_response()
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{}\n", say(&msg::http_not_found())),
    )
        .into_response()
}

async fn metrics_exposition(State(board): State<Arc<Board>>, headers: HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let exposition = Exposition::negotiate(accept);
    let round = board.latest();
    match metrics::render(round.as_deref(), &board.settings.labels, exposition) {
        Ok(body) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(exposition.content_type()),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            body,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn healthz(State(board): State<Arc<Board>>) -> Response {
    let round = board.latest();
    let health = health::health(round.as_deref(), &board.settings, SystemTime::now());
    let status =
        StatusCode::from_u16(health.http_status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let body = serde_json::to_string(&health).unwrap_or_default();
    (
        status,
        [
            (header::CONTENT_TYPE, health::CONTENT_TYPE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

async fn status_page(State(board): State<Arc<Board>>) -> Response {
    let round = board.latest();
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            // Nothing to load, nothing to run: only the inline style.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        page::render(round.as_deref(), &board.settings, Lang::for_run()),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(header::AUTHORIZATION, value.parse().unwrap());
        map
    }

    #[test]
    fn the_cap_leaves_room_for_the_probes() {
        let cap = |descriptors, checks| Limits::derive(descriptors, checks).connections;
        assert_eq!(cap(128, 1), 128 - 32 - 4);
        assert_eq!(cap(256, 1000), MIN_CONNECTIONS);
        assert_eq!(cap(256, 1), MAX_CONNECTIONS);
        assert_eq!(cap(1 << 20, 3), MAX_CONNECTIONS);
        assert_eq!(cap(0, 0), MIN_CONNECTIONS);
    }

    impl Open {
        fn len(&self) -> usize {
            self.state.lock().unwrap().1.len()
        }
    }

    #[tokio::test]
    async fn at_the_cap_the_oldest_connection_is_evicted_and_waited_for() {
        let open = Arc::new(Open::new(2));
        let first = open.admit().await.unwrap();
        let second = open.admit().await.unwrap();
        let third = open.admit();
        let mut third = std::pin::pin!(third);
        let notified = |slot: &Slot| {
            let waiter = slot.evicted.notified();
            let mut waiter = std::pin::pin!(waiter);
            waiter.as_mut().enable()
        };
        // The third waits, and the first (only) was told to close.
        assert!(futures_util::FutureExt::now_or_never(third.as_mut()).is_none());
        assert!(notified(&first));
        assert!(!notified(&second));
        assert_eq!(open.len(), 1);
        // Once the first has ended, the third gets its place.
        drop(first);
        let third = third.await.unwrap();
        assert!(!notified(&third));
        assert_eq!(open.len(), 2);
    }

    #[test]
    fn the_token_is_checked_exactly() {
        let token = Token::new("s3cret");
        assert!(token.admits(&headers("Bearer s3cret")));
        assert!(token.admits(&headers("bearer  s3cret ")));
        assert!(!token.admits(&headers("Bearer s3cre")));
        assert!(!token.admits(&headers("Bearer s3cret2")));
        assert!(!token.admits(&headers("Basic s3cret")));
        assert!(!token.admits(&headers("Bearer ")));
        assert!(!token.admits(&HeaderMap::new()));
        assert_eq!(format!("{token:?}"), "Token(***)");
    }
}
