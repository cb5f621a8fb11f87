//! railconn tells a team, before they deploy, whether their app will reach
//! its PostgreSQL, its Redis and its JWT settings — and if not, which layer
//! is broken, why, and what to type to fix it.
//!
//! The data flow, one module per arrow:
//!
//! ```text
//! argv ─cli─▶ CheckArgs;  process env + .env ─config::source─▶ EnvSource
//!   ─config::Config::resolve─▶ Config (targets validated, secrets redacted)
//!   ─runner::run─▶ probes (dns, tcp, tls, postgres, redis, jwt) concurrently
//!   ─diagnose::report─▶ Report (status, code, cause, fix, findings)
//!   ─report::render─▶ text | json on the given writer ─▶ exit code
//! ```
//!
//! All prose lives in `words`; all stable codes in `code`.

pub mod cli;
pub mod code;
pub mod config;
pub mod diagnose;
pub mod error;
pub mod exit;
pub mod probe;
pub mod report;
pub mod runner;
pub mod words;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;

use crate::cli::{CheckArgs, Cli, Command};
use crate::config::source::{EnvFiles, EnvSource};
use crate::config::{Config, Overrides, Selection};
use crate::error::AppError;
use crate::report::{Report, TextStyle};

/// The binary's `main`: parse, run, map to an exit code, report fatal
/// errors on stderr.
pub fn main_entry() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return exit::usage_error(&error),
    };
    init_logging();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("railconn: error: {}", exit::redact_urls(&error.to_string()));
            exit::COULD_NOT_RUN.into()
        }
    }
}

/// Logs go to stderr only, filtered by `RUST_LOG` (default: off).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

pub fn run(cli: Cli) -> Result<ExitCode, AppError> {
    match cli.command {
        Command::Check(args) => check(&args),
    }
}

fn check(args: &CheckArgs) -> Result<ExitCode, AppError> {
    let env = EnvSource::load(&EnvFiles {
        paths: args.env_files.clone(),
        disabled: args.no_env_file,
    })?;
    let config = config_from(args, &env);
    if config
        .selection
        .resolve()
        .iter()
        .all(|(_, selected)| selected.is_none())
    {
        return Err(AppError::NothingSelected);
    }
    tracing::debug!(?config, "resolved configuration");
    let report = run_checks(&config)?;
    let style = TextStyle {
        color: use_color(),
        quiet: args.quiet,
    };
    let mut stdout = std::io::stdout().lock();
    report::render(&report, args.format(), style, &mut stdout)
        .and_then(|()| stdout.flush())
        .map_err(AppError::Output)?;
    Ok(exit::for_report(&report))
}

fn config_from(args: &CheckArgs, env: &EnvSource) -> Config {
    let overrides = Overrides {
        database_url: args.database_url.clone(),
        redis_url: args.redis_url.clone(),
    };
    let selection = Selection {
        only: args.only.clone(),
        skip: args.skip.clone(),
        optional: args.optional.clone(),
    };
    let mut config = Config::resolve(
        &overrides,
        env,
        selection,
        args.timeout,
        args.connect_timeout,
    );
    config.strict = args.strict;
    config
}

/// Runs the checks on a fresh runtime. A single thread is plenty: the work
/// is waiting on sockets. The runtime is dropped with
/// `shutdown_background` because a getaddrinfo call that hangs cannot be
/// cancelled, and must not hold the process past its deadline.
pub fn run_checks(config: &Config) -> Result<Report, AppError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(AppError::Runtime)?;
    let started = Instant::now();
    if config.may_need_randomness() {
        warm_up_crypto();
    }
    let runs = runtime.block_on(runner::run(config));
    let duration: Duration = started.elapsed();
    runtime.shutdown_background();
    Ok(diagnose::report(runs, config.strict, duration))
}

/// aws-lc seeds its random generator from CPU jitter the first time it is
/// used: about 30 ms of CPU that would otherwise sit on the critical path of
/// the first TLS handshake. Starting it on a spare thread overlaps it with
/// the DNS, TCP and SSLRequest round trips that come first.
fn warm_up_crypto() {
    std::thread::spawn(|| {
        let _ = aws_lc_rs::rand::fill(&mut [0u8; 1]);
    });
}

/// Colour on a terminal, unless `NO_COLOR` is set (https://no-color.org).
fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
