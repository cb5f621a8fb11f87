//! `railconn serve` (issue 14): a round of checks every `--interval`, the
//! latest results served over HTTP as Prometheus metrics, a health
//! document and a status page (`monitor`). Requests only read the latest
//! round, so a hundred scrapes a second cost the database nothing.
//! SIGTERM or Ctrl-C stops it at once, mid-round if need be.

use std::net::SocketAddr;
use std::pin::pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::SystemTime;

use crate::cli::ServeArgs;
use crate::error::AppError;
use crate::monitor::log::{Level, LogFormat};
use crate::monitor::server::{self, Token};
use crate::monitor::{Board, Round, Settings};
use crate::source::EnvSource;
use crate::{diagnose, exit, runner, words};

use super::check::interrupted;
use super::{config, load_env, runtime, warm_up_crypto};
use crate::i18n::Message;

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
    config(
        &args.source,
        &args.select,
        &env,
        (args.check_timeout, args.deadlines.connect_timeout),
    )?;
    let port = port()?;
    let runtime = runtime()?;
    let result = runtime.block_on(serve(args, &env, token, port));
    // A check stuck in getaddrinfo must not hold the exit.
    runtime.shutdown_background();
    result.map(|()| exit::READY.into())
}

async fn serve(
    args: &ServeArgs,
    env: &EnvSource,
    token: Option<Token>,
    port: u16,
) -> Result<(), AppError> {
    let log = args.log_format;
    let listener = listen(args.listen, port, log)?;
    let local = listener.local_addr().map_err(AppError::Runtime)?;
    log.say(Level::Info, &words::serve_listening(local, args.interval));
    if token.is_some() {
        log.say(Level::Info, &words::serve_token_on());
    } else {
        log.say(Level::Warn, &words::serve_open());
    }
    let listener = tokio::net::TcpListener::from_std(listener).map_err(AppError::Runtime)?;
    let mut settings = Settings::new(args.interval, args.check_timeout);
    settings.labels = railway_labels(env);
    settings.history = args.history;
    let board = Arc::new(Board::new(settings));
    let app = server::router(Arc::clone(&board), token);
    let mut stop = pin!(interrupted());
    tokio::select! {
        () = &mut stop => Ok(()),
        result = rounds(args, env, &board) => result,
        result = axum::serve(listener, app).into_future() => result.map_err(AppError::Runtime),
    }
}

/// Runs rounds forever; each replaces the board's latest.
async fn rounds(args: &ServeArgs, env: &EnvSource, board: &Board) -> Result<(), AppError> {
    for number in 1u64.. {
        let config = config(
            &args.source,
            &args.select,
            env,
            (args.check_timeout, args.deadlines.connect_timeout),
        )?;
        if number == 1 {
            warm_up_crypto(&config);
        }
        let round = runner::run(&config, std::future::pending::<()>()).await;
        let duration = round.duration;
        let report = diagnose::report(round.runs, &config, duration);
        let changes = board.publish(Round::new(report, SystemTime::now(), number));
        args.log_format.changes(&changes);
        // Rounds start every --interval: the round's own time counts.
        tokio::time::sleep(args.interval.saturating_sub(duration)).await;
    }
    Ok(())
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
        log.say(Level::Warn, &words::serve_ipv4_only(addr));
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

/// `--token-file` wins over `RAILCONN_SERVE_TOKEN`; surrounding whitespace
/// (a file's final newline) is not part of the token.
fn token(args: &ServeArgs, env: &EnvSource) -> Result<Option<Token>, AppError> {
    if let Some(path) = &args.token_file {
        let failed = |reason: Message| AppError::TokenFile {
            path: path.clone(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| failed(crate::i18n::io_reason(&e)))?;
        let text = text.trim();
        if text.is_empty() {
            return Err(failed(words::token_empty()));
        }
        return Ok(Some(Token::new(text)));
    }
    Ok(env
        .get("RAILCONN_SERVE_TOKEN")
        .map(|var| Token::new(var.value.trim())))
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
