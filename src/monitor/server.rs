//! The HTTP side of `serve` (axum on the command's tokio runtime): the
//! listening socket, the routes, and the bearer-token guard. Handlers only
//! read the [`Board`]; none of them starts a check.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use socket2::{Domain, Protocol, Socket, Type};
use subtle::ConstantTimeEq;

use super::metrics::Exposition;
use super::{Board, health, metrics, page};
use crate::i18n::Lang;
use crate::i18n::say;
use crate::words;

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
        format!("{}\n", say(&words::unauthorized())),
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
        format!("{}\n", say(&words::not_found())),
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
