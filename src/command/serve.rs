//! `railconn serve` (issue 14): a round of checks every `--interval`, the
//! latest results served over HTTP as Prometheus metrics, a health
//! document and a status page (`monitor`). Requests only read the latest
//! round, so a hundred scrapes a second cost the database nothing.
//! SIGTERM or Ctrl-C stops it at once, mid-round if need be: a round's
//! own work (configuration, manifests, diagnosis) runs on the blocking
//! pool, so the one runtime thread always answers `/livez` and signals.

use std::net::SocketAddr;
use std::pin::pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::cli::{SelectArgs, ServeArgs, SourceArgs};
use crate::config::Config;
use crate::error::AppError;
use crate::i18n::{Message, msg};
use crate::monitor::log::{Level, LogFormat};
use crate::monitor::server::{self, Limits, Token};
use crate::monitor::{Board, Round, Settings};
use crate::source::EnvSource;
use crate::{diagnose, exit, runner};

use super::{config, load_env, runtime};

/// The port when neither `--listen` nor `$PORT` names one: outside the
/// 9100–9999 range Prometheus' exporter list has handed out.
pub(crate) const DEFAULT_PORT: u16 = 8740;

pub(crate) fn run(args: &ServeArgs) -> Result<ExitCode, AppError> {
    // With --log-format json, the error that stops serve is a JSON line too.
    match start(args) {
        Err(error) if args.log_format.fatal(error.message()) => Ok(exit::COULD_NOT_RUN.into()),
        result => result,
    }
}

fn start(args: &ServeArgs) -> Result<ExitCode, AppError> {
    let env = load_env(&args.source, args.check_timeout)?;
    let token = token(args, &env)?;
    // Refuse a selection that leaves nothing to check before listening.
    let first = config(
        &args.source,
        &args.select,
        &env,
        (args.check_timeout, args.deadlines.connect_timeout),
    )?;
    let limits = Limits::raise(first.checks().len());
    // $PORT is the platform's default for --listen, not a setting of its own.
    let port = if args.listen.is_some() {
        DEFAULT_PORT
    } else {
        port()?
    };
    let runtime = runtime()?;
    let result = runtime.block_on(serve(args, &env, token, (port, limits)));
    // A check stuck in getaddrinfo must not hold the exit.
    runtime.shutdown_background();
    result.map(|()| exit::READY.into())
}

async fn serve(
    args: &ServeArgs,
    env: &EnvSource,
    token: Option<Token>,
    (port, limits): (u16, Limits),
) -> Result<(), AppError> {
    let log = args.log_format;
    let listener = listen(args.listen, port, log)?;
    let local = listener.local_addr().map_err(AppError::Runtime)?;
    log.say(Level::Info, &serve_listening(local, args.interval));
    if token.is_some() {
        log.say(Level::Info, &msg::serve_token_on());
    } else {
        log.say(Level::Warn, &msg::serve_open());
    }
    let listener = tokio::net::TcpListener::from_std(listener).map_err(AppError::Runtime)?;
    let mut settings = Settings::new(args.interval, args.check_timeout);
    settings.labels = railway_labels(env);
    settings.history = args.history;
    let board = Arc::new(Board::new(settings));
    let app = server::router(Arc::clone(&board), token);
    let shutdown = exit::Shutdown::default();
    let mut stop = pin!(shutdown.listen());
    tokio::select! {
        () = &mut stop => Ok(()),
        result = rounds(Inputs::of(args, env), args.interval, &board, log) => result,
        () = server::serve(listener, app, limits.connections) => Ok(()),
    }
}

/// What each round's configuration is built from, owned so that the
/// blocking pool can have it.
struct Inputs {
    source: SourceArgs,
    select: SelectArgs,
    env: EnvSource,
    timeouts: (Duration, Duration),
}

impl Inputs {
    fn of(args: &ServeArgs, env: &EnvSource) -> Arc<Self> {
        Arc::new(Self {
            source: args.source.clone(),
            select: args.select.clone(),
            env: env.clone(),
            timeouts: (args.check_timeout, args.deadlines.connect_timeout),
        })
    }

    fn config(&self) -> Result<Config, AppError> {
        config(&self.source, &self.select, &self.env, self.timeouts)
    }
}

/// Runs rounds forever; each replaces the board's latest. Only the probes
/// run on the runtime thread; building the configuration (reading
/// manifests) and the diagnosis (scrubbing secrets) are CPU work that
/// would hold `/livez` and SIGTERM for as long as they take.
async fn rounds(
    inputs: Arc<Inputs>,
    interval: Duration,
    board: &Board,
    log: LogFormat,
) -> Result<(), AppError> {
    for number in 1u64.. {
        let config = off_thread({
            let inputs = Arc::clone(&inputs);
            move || inputs.config()
        })
        .await??;
        let round = runner::run(&config, std::future::pending::<()>()).await;
        let duration = round.duration;
        // A signal ends serve itself, never a round (its rounds listen to
        // nothing), so the diagnosis is handed a handle that never fires.
        let quiet = exit::Shutdown::default();
        let report =
            off_thread(move || diagnose::report(round.runs, &config, duration, &quiet)).await?;
        let changes = board.publish(Round::new(report, SystemTime::now(), number));
        log.changes(&changes);
        // Rounds start every --interval: the round's own time counts.
        tokio::time::sleep(interval.saturating_sub(duration)).await;
    }
    Ok(())
}

/// `work` on the blocking pool. It cannot be cancelled: on SIGTERM the
/// runtime is shut down without waiting for it.
async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Runtime(std::io::Error::other(e.to_string())))
}

/// `--listen`, else `[::]` (with an IPv4 fallback) on `port`.
fn listen(
    address: Option<SocketAddr>,
    port: u16,
    log: LogFormat,
) -> Result<std::net::TcpListener, AppError> {
    let failed = |addr: String, e: std::io::Error| AppError::Listen {
        addr,
        reason: e.to_string(),
    };
    if let Some(addr) = address {
        return server::bind(addr).map_err(|e| failed(addr.to_string(), e));
    }
    let (listener, ipv4_only) =
        server::bind_default(port).map_err(|e| failed(format!("[::]:{port}"), e))?;
    if ipv4_only {
        let addr = SocketAddr::from((std::net::Ipv4Addr::UNSPECIFIED, port));
        log.say(Level::Warn, &serve_ipv4_only(addr));
    }
    Ok(listener)
}

/// `$PORT` from the process environment (Railway sets it for the service;
/// a `.env` file's `PORT` belongs to the app), else [`DEFAULT_PORT`].
fn port() -> Result<u16, AppError> {
    match std::env::var("PORT") {
        Ok(value) if !value.trim().is_empty() => value
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|&p| p > 0)
            .ok_or(AppError::Port(value)),
        _ => Ok(DEFAULT_PORT),
    }
}

/// The largest `--token-file` read: a bearer token is tens of bytes.
const MAX_TOKEN_FILE: u64 = 4096;

/// `--token-file` wins over `RAILCONN_SERVE_TOKEN`; both follow [`usable`].
/// The file must be a regular file of at most [`MAX_TOKEN_FILE`] bytes,
/// checked before reading: a FIFO nobody writes would block serve before
/// it listens, and a multi-GB file would be read whole (issue 18).
fn token(args: &ServeArgs, env: &EnvSource) -> Result<Option<Token>, AppError> {
    if let Some(path) = &args.token_file {
        let failed = |reason: Message| AppError::TokenFile {
            path: path.clone(),
            reason,
        };
        let bytes = crate::file::read_regular(path, MAX_TOKEN_FILE)
            .map_err(|e| failed(crate::i18n::io_reason(&e)))?;
        return usable(&bytes).map(|t| Some(Token::new(t))).map_err(failed);
    }
    match env.get("RAILCONN_SERVE_TOKEN") {
        Some(var) => usable(var.value.as_bytes())
            .map(|t| Some(Token::new(t)))
            .map_err(AppError::TokenVar),
        None => Ok(None),
    }
}

/// The token in `bytes`: one final line break (an editor's, `echo`'s) is
/// dropped, then every byte must be visible ASCII. A header field value
/// carries nothing else intact (RFC 9110 §5.5), and the guard compares the
/// credentials word after `Bearer ` (RFC 6750 §2.1): a token with a space,
/// a line break or a UTF-8 character was accepted at start and then every
/// request got 401.
fn usable(bytes: &[u8]) -> Result<&str, Message> {
    let bytes = match bytes.strip_suffix(b"\n") {
        Some(line) => line.strip_suffix(b"\r").unwrap_or(line),
        None => bytes,
    };
    if bytes.is_empty() {
        return Err(msg::token_empty());
    }
    if let Some(at) = bytes.iter().position(|b| !b.is_ascii_graphic()) {
        let space = bytes[at].is_ascii_whitespace();
        return Err(token_unusable(at + 1, space));
    }
    std::str::from_utf8(bytes).map_err(|_| token_unusable(1, false))
}

/// Railway's environment and service names, when set, as labels on every
/// metric, so one Prometheus can tell many deployments apart.
fn railway_labels(env: &EnvSource) -> Vec<(&'static str, String)> {
    [
        ("railway_environment", "RAILWAY_ENVIRONMENT_NAME"),
        ("railway_service", "RAILWAY_SERVICE_NAME"),
    ]
    .into_iter()
    .filter_map(|(label, var)| env.get(var).map(|v| (label, v.value)))
    .collect()
}

pub(crate) fn serve_listening(addr: SocketAddr, interval: Duration) -> Message {
    msg::serve_listening(addr.to_string(), crate::i18n::msg::every(interval))
}

pub(crate) fn serve_ipv4_only(addr: SocketAddr) -> Message {
    msg::serve_ipv4_only(addr.to_string())
}

/// The token's byte at `at` (from 1) is not visible ASCII; `space` when it
/// is a space, tab or line break.
pub(crate) fn token_unusable(at: usize, space: bool) -> Message {
    if space {
        msg::token_whitespace(at)
    } else {
        msg::token_not_visible_ascii(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_one_word_of_visible_ascii() {
        assert_eq!(usable(b"s3cret-T0ken_~+/=").unwrap(), "s3cret-T0ken_~+/=");
        assert_eq!(usable(b"s3cret\n").unwrap(), "s3cret");
        assert_eq!(usable(b"s3cret\r\n").unwrap(), "s3cret");
        let refused = |bytes: &[u8]| usable(bytes).unwrap_err();
        assert_eq!(refused(b"\n"), msg::token_empty());
        assert_eq!(refused(b""), msg::token_empty());
        assert_eq!(refused(b"two words"), token_unusable(4, true));
        assert_eq!(refused(b"line\nbreak"), token_unusable(5, true));
        assert_eq!(refused(b" lead"), token_unusable(1, true));
        assert_eq!(refused(b"s3cret\n\n"), token_unusable(7, true));
        assert_eq!(refused("clé".as_bytes()), token_unusable(3, false));
        assert_eq!(refused(b"nul\0"), token_unusable(4, false));
    }
}
