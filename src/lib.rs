//! railconn tells a team, before they deploy, whether their app will reach
//! its PostgreSQL, its Redis and its JWT settings — and if not, which layer
//! is broken, why, and what to type to fix it.
//!
//! The data flow, one module per arrow:
//!
//! ```text
//! argv ─cli─▶ CheckArgs;  process env + .env ─source─▶ EnvSource
//!   ─config::Config::resolve─▶ Config (targets validated, secrets redacted)
//!   ─runner::run─▶ probes (each kind's ladder) concurrently, until the
//!                  command's `exit::Shutdown` hears SIGINT or SIGTERM
//!   ─diagnose::report─▶ Report (status, code, cause, fix, findings)
//!   ─report::render─▶ text | json on the given writer ─▶ exit code
//! ```
//!
//! Words are data: code builds `i18n::Message` values (an id and its
//! arguments) and only a renderer turns one into text, from the Fluent
//! catalogs `i18n/en.ftl` and `i18n/ru.ftl`; stable codes are
//! `model::Code`.

// Every module is crate-private (`unreachable_pub` is on): the compiler
// can then report dead code. What stays public is the list below — what
// the binary, the integration tests and the fuzz targets use, nothing more.
mod cli;
mod command;
mod config;
mod diagnose;
#[cfg(test)]
mod docs;
mod driver;
mod error;
mod exit;
mod file;
mod i18n;
mod model;
mod monitor;
mod net;
mod provider;
mod report;
mod runner;
mod service;
mod source;

pub use crate::i18n::Lang;
pub use crate::model::code::{Code, FindingCode};
pub use crate::service::jwt::probe::probe as probe_jwt;
pub use crate::service::jwt::settings::JwtSettings;
pub use crate::service::postgres::libpq_uri::{LIBPQ_15_KEYWORDS, NEWER_KEYWORDS};
pub use crate::service::postgres::url::PgTarget;
pub use crate::service::redis::url::{Protocol, RedisTarget, RedisTls};
pub use crate::source::url::parse as parse_url;
pub use crate::source::{EnvSource, parse_env};

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::AppError;

/// The binary's `main`: parse, run, map to an exit code, report fatal
/// errors on stderr.
pub fn main_entry() -> ExitCode {
    exit::install_signal_exits();
    // The language first: a flag's bad value is said in it (issue 23).
    let lang = cli::lang_in_argv(std::env::args_os());
    i18n::Lang::set_for_run(i18n::Lang::choose(lang, |var| std::env::var(var).ok()));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return exit::usage_error(&error),
    };
    init_logging();
    cli.color.set_for_run();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            // `let _`: with stderr closed too there is nowhere left to say it.
            // Rendered once, in the run's language, then redacted: a
            // server's or the system's words may quote a URL.
            let text = i18n::say(&i18n::msg::error_prefix(error.message()));
            exit::stderr_line(&exit::redact_urls(&text));
            exit::COULD_NOT_RUN.into()
        }
    }
}

/// Logs go to stderr only, filtered by `RUST_LOG` (default: off); a log
/// line that cannot be written is dropped.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| exit::LogWriter)
        .with_ansi(false)
        .try_init();
}

fn run(cli: Cli) -> Result<ExitCode, AppError> {
    match cli.command {
        Command::Check(args) => command::check::run(&args),
        Command::Wait(args) => command::wait::run(&args),
        Command::Watch(args) => command::watch::run(&args),
        Command::Serve(args) => command::serve::run(&args),
        Command::Env(args) => command::env::run(&args),
        Command::Completions { shell } => command::completions(shell).map(|()| exit::READY.into()),
        Command::Man => command::man().map(|()| exit::READY.into()),
        Command::Explain(args) => command::explain::run(&args),
    }
}
