//! The command line, as clap sees it. Parsing only: no environment is read
//! here (that is `config::Config::resolve`), so `--help` can never show a
//! secret and tests can parse argv without touching the host.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::probe::CheckName;
use crate::report::Format;

const EXIT_CODES: &str = "\
Exit codes:
  0  ready: every required check passed (with --strict: and nothing warned)
  1  not ready: a required check failed (or, with --strict, something warned)
  2  could not run: bad usage, unreadable --env-file, internal error";

#[derive(Debug, Parser)]
#[command(
    name = "railconn",
    version,
    about = "Checks, before you deploy, that your app will reach its PostgreSQL, Redis and JWT settings",
    long_about = "Checks, before you deploy, that your app will reach its PostgreSQL, its Redis \
and its JWT settings. Each service is probed layer by layer (DNS, TCP, TLS, auth, query), \
concurrently and under a deadline; a failure names the broken layer, a stable error code, \
the likely cause and the fix.",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Probe PostgreSQL, Redis and the JWT settings and print a report.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// PostgreSQL URL to check instead of DATABASE_URL.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,

    /// Redis URL to check instead of REDIS_URL.
    #[arg(long, value_name = "URL")]
    pub redis_url: Option<String>,

    /// Read variables from this file (repeatable; later files override
    /// earlier ones; the process environment overrides all). Default: ./.env
    /// if it exists.
    #[arg(long = "env-file", value_name = "PATH")]
    pub env_files: Vec<PathBuf>,

    /// Read no .env file at all.
    #[arg(long, conflicts_with = "env_files")]
    pub no_env_file: bool,

    /// Deadline of each check, e.g. 500ms, 10s.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Bound on DNS resolution and on each TCP connect.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub connect_timeout: Duration,

    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Short for --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Print only the verdict line (text format).
    #[arg(short, long, conflicts_with = "json")]
    pub quiet: bool,

    /// Run only these checks (comma-separated).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub only: Vec<CheckName>,

    /// Do not run these checks (comma-separated).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub skip: Vec<CheckName>,

    /// These checks may fail without failing the gate: their failure is a
    /// warning (e.g. Redis when the app falls back to memory).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub optional: Vec<CheckName>,

    /// Warnings fail the gate too.
    #[arg(long)]
    pub strict: bool,
}

impl CheckArgs {
    pub fn format(&self) -> Format {
        if self.json { Format::Json } else { self.format }
    }
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text)
        .map_err(|e| format!("{e}: write a duration such as 500ms, 10s or 1m"))?;
    if duration.is_zero() {
        return Err("must be greater than zero".into());
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<CheckArgs, clap::Error> {
        let argv = ["railconn", "check"].iter().chain(args);
        Cli::try_parse_from(argv).map(|cli| match cli.command {
            Command::Check(args) => args,
        })
    }

    #[test]
    fn defaults() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.timeout, Duration::from_secs(10));
        assert_eq!(args.connect_timeout, Duration::from_secs(5));
        assert_eq!(args.format(), Format::Text);
    }

    #[test]
    fn lists_durations_and_json() {
        let args = parse(&["--only", "postgres,redis", "--timeout", "500ms", "--json"]).unwrap();
        assert_eq!(args.only, vec![CheckName::Postgres, CheckName::Redis]);
        assert_eq!(args.timeout, Duration::from_millis(500));
        assert_eq!(args.format(), Format::Json);
    }

    #[test]
    fn bad_values_are_usage_errors() {
        assert!(parse(&["--only", "mysql"]).is_err());
        assert!(parse(&["--timeout", "soon"]).is_err());
        assert!(parse(&["--timeout", "0s"]).is_err());
        assert!(parse(&["--json", "--format", "text"]).is_err());
    }
}
