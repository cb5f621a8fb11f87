//! The command line, as clap sees it. Parsing only: no environment is read
//! here (that is `config::Config::resolve`), so `--help` can never show a
//! secret and tests can parse argv without touching the host.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::i18n::{Lang, Message, msg};
use crate::report::term::ColorChoice;
use crate::report::{Format, env, watch};
use crate::source::vars;

/// `railconn --version`: the version and the target it was built for, e.g.
/// `railconn 0.1.0 (x86_64-unknown-linux-gnu)` (see build.rs).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("RAILCONN_BUILD_TARGET"),
    ")"
);

const EXIT_CODES: &str = "\
Exit codes:
  0    ready: every required check passed (with --strict: and nothing warned)
  1    not ready: a required check failed (or, with --strict, something warned);
       for wait: the timeout passed, or a failure that waiting cannot fix
  2    could not run: bad usage, unreadable --env-file, internal error
  127  wait -- COMMAND: the command could not be started
  130  interrupted (Ctrl-C); check prints what had finished
  143  stopped by SIGTERM (e.g. docker stop), otherwise as 130";

/// `--help` (and the man page): the exit codes, then every environment
/// variable railconn reads, from its one declaration (`source::vars`).
fn after_long_help() -> String {
    let mut text = format!("{EXIT_CODES}\n\nEnvironment variables (docs/environment.md):\n");
    for var in vars::ALL {
        let meaning = Lang::En.render(&(var.meaning)());
        let read_by = var.commands.join(", ");
        let kind = var.kind.as_str();
        let _ = writeln!(text, "  {} ({kind}; {read_by})\n      {meaning}", var.name);
    }
    text
}

#[derive(Debug, Parser)]
#[command(
    name = "railconn",
    version = VERSION,
    about = "Checks, before you deploy, that your app will reach its PostgreSQL, Redis and JWT settings",
    long_about = "Checks, before you deploy, that your app will reach its PostgreSQL, its Redis \
and its JWT settings. Each service is probed layer by layer (DNS, TCP, TLS, auth, query), \
concurrently and under a deadline; a failure names the broken layer, a stable error code, \
the likely cause and the fix.",
    after_help = EXIT_CODES,
    after_long_help = after_long_help()
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "LANG",
        help = "Language of reports and messages [default: from LC_ALL, LC_MESSAGES or LANG; English when unset, C, POSIX or without a catalog]. Codes, check names, JSON keys and exit codes stay the same"
    )]
    pub lang: Option<crate::i18n::Lang>,
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value_t = ColorChoice::Auto,
        help = "Colour in the text report: always, never, or auto: none when NO_COLOR is set; \
                colour when FORCE_COLOR or CLICOLOR_FORCE is set and not 0; none when TERM=dumb; \
                else only on a terminal (stdout and stderr each for itself). JSON, JUnit, GitHub \
                and Markdown never have colour"
    )]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Probe PostgreSQL, Redis and the JWT settings once and print a report.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Check until every required check passes (for container entrypoints
    /// and pipelines), then exit 0 or run a command.
    #[command(after_help = EXIT_CODES)]
    Wait(WaitArgs),
    /// Check every interval and print one line per change; Ctrl-C prints a
    /// summary per check.
    Watch(WatchArgs),
    /// Check every interval and serve the latest results: Prometheus
    /// metrics, a health endpoint and a status page.
    Serve(ServeArgs),
    /// Show every variable railconn would use (redacted), where it came
    /// from, and the targets it would check.
    Env(EnvArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout.
    Man,
    /// Explain an error or finding code: what it means, at which steps it
    /// occurs, its usual causes and fixes, and an example.
    Explain(ExplainArgs),
}

/// Where the targets come from.
#[derive(Debug, Clone, Args)]
pub(crate) struct SourceArgs {
    #[arg(
        long,
        value_name = "URL",
        help = "PostgreSQL URL to check instead of DATABASE_URL"
    )]
    pub database_url: Option<String>,

    #[arg(
        long,
        value_name = "URL",
        help = "Redis URL to check instead of REDIS_URL"
    )]
    pub redis_url: Option<String>,

    /// Read variables from this file (repeatable; later files override
    /// earlier ones; the process environment overrides all). Default: ./.env
    /// if it exists.
    #[arg(long = "env-file", value_name = "PATH")]
    pub env_files: Vec<PathBuf>,

    /// Read no .env file at all.
    #[arg(long, conflicts_with = "env_files")]
    pub no_env_file: bool,

    #[arg(
        long,
        help = "Check DATABASE_PUBLIC_URL and REDIS_PUBLIC_URL (Railway's TCP proxy, \
                reachable from a laptop or CI) instead of the private URLs"
    )]
    pub public: bool,

    /// Dial ADDR for HOST:PORT instead of resolving HOST, keeping HOST for
    /// TLS (SNI, certificate names) and provider rules, as curl --resolve
    /// does (repeatable; e.g. db.example.com:5432:127.0.0.1 for a tunnel).
    // Read as text here and checked by `command::pins`, so a mistake is
    // reported in the run's language (not a doc comment: clap would print
    // it in --help).
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,

    #[arg(
        long,
        help = "Check only DATABASE_URL, REDIS_URL and the JWT settings, not every other \
                variable holding a PostgreSQL, MySQL, Redis or AMQP URL"
    )]
    pub no_discover: bool,

    /// Also check this PostgreSQL, MySQL, Redis or AMQP URL under NAME
    /// (repeatable), e.g. replica=postgresql://replica.example:5432/app.
    #[arg(long = "target", value_name = "NAME=URL")]
    pub targets: Vec<String>,

    /// The app's directory: its manifests and lockfiles (package.json,
    /// requirements*.txt, pyproject.toml, poetry.lock, uv.lock,
    /// Pipfile.lock) name the drivers the URLs are judged by. Default: the
    /// working directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) app_dir: Option<PathBuf>,

    /// Judge the URLs as this driver does, instead of the manifests
    /// (repeatable): e.g. pg@8.23.1, psycopg2, asyncpg, ioredis@5.8.1,
    /// libpq.
    // Read as text here and checked by `command::driver_args`, as --resolve.
    #[arg(long = "driver", value_name = "NAME[@VERSION]")]
    pub(crate) drivers: Vec<String>,
}

/// Which checks run and how they gate.
#[derive(Debug, Clone, Args)]
pub(crate) struct SelectArgs {
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        help = "Run only these checks (comma-separated): check names (postgres, redis, jwt, \
                or a discovered variable such as CELERY_BROKER_URL) or \
                kind:postgresql|sqlite|redis|mysql|jwt for every check of a kind. A name no check \
                has here is a warning, not an error"
    )]
    pub only: Vec<String>,

    /// Do not run these checks (comma-separated, as --only).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub skip: Vec<String>,

    /// These checks may fail without failing the gate: their failure is a
    /// warning (e.g. Redis when the app falls back to memory). As --only.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub optional: Vec<String>,

    #[arg(
        long,
        value_name = "CODE[@CHECK]",
        help = "Accept a known failure or finding (repeatable): CODE as the report shows it, \
                on every check or only on CHECK. It stays in the report as a note and no \
                longer fails or warns, e.g. no_tables or connection_refused@CACHE_URL"
    )]
    pub allow: Vec<String>,

    /// Warnings fail the gate too.
    #[arg(long)]
    pub strict: bool,
}

/// How the report is written.
#[derive(Debug, Clone, Args)]
pub(crate) struct OutputArgs {
    #[arg(
        long,
        value_enum,
        default_value_t = Format::Text,
        help = "Report format: text, json, junit (JUnit XML), github (GitHub Actions workflow \
                commands, plus a Markdown summary in $GITHUB_STEP_SUMMARY), markdown (or md)"
    )]
    pub format: Format,

    /// Short for --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Print only the verdict line (text format).
    #[arg(short, long, conflicts_with = "json")]
    pub quiet: bool,

    /// Also write the report to this file (repeatable). The format follows
    /// the extension: .json, .xml (JUnit), .md (Markdown summary), anything
    /// else text.
    #[arg(long, value_name = "FILE")]
    pub output: Vec<PathBuf>,
}

impl OutputArgs {
    pub(crate) fn format(&self) -> Format {
        if self.json { Format::Json } else { self.format }
    }
}

/// Deadlines of one round of checks.
#[derive(Debug, Clone, Args)]
pub(crate) struct DeadlineArgs {
    /// Bound on DNS resolution and on each TCP connect.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub connect_timeout: Duration,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub output: OutputArgs,

    /// Deadline of each check, e.g. 500ms, 10s.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    #[command(flatten)]
    pub deadlines: DeadlineArgs,
}

#[derive(Debug, Args)]
pub(crate) struct WaitArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub output: OutputArgs,

    /// Give up after this long (exit 1 with the last report).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// First pause between full rounds; it doubles each round (with jitter)
    /// up to --max-interval. While a target fails at dns or tcp, a bare
    /// resolve or connect also runs every 250 ms, and its success starts
    /// the full round at once.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub interval: Duration,

    /// Longest pause between full rounds (the 250 ms resolve/connect probe
    /// of a target failing at dns or tcp goes on meanwhile).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub max_interval: Duration,

    /// Deadline of each check in one round (never past --timeout).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub check_timeout: Duration,
    #[command(flatten)]
    pub deadlines: DeadlineArgs,

    /// Run this command once ready (replaces railconn: its exit code is the
    /// result). The report then goes to stderr.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub select: SelectArgs,

    /// text: a line per change; json: one JSON object per round (NDJSON).
    #[arg(long, value_enum, default_value_t = watch::Format::Text)]
    pub format: watch::Format,

    /// Short for --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Pause between rounds.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub interval: Duration,

    /// Print a heartbeat line every N rounds without changes (0: never).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub heartbeat: u64,

    /// Stop after N rounds, at least 1 (default: until Ctrl-C).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,

    /// Deadline of each check in one round.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub check_timeout: Duration,
    #[command(flatten)]
    pub deadlines: DeadlineArgs,
}

impl WatchArgs {
    pub(crate) fn format(&self) -> watch::Format {
        if self.json {
            watch::Format::Json
        } else {
            self.format
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub select: SelectArgs,

    /// Pause between rounds of checks; scrapes never start one.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub interval: Duration,

    /// Deadline of each check in one round.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub check_timeout: Duration,
    #[command(flatten)]
    pub deadlines: DeadlineArgs,

    /// Address to listen on. Default: [::] (IPv6 and IPv4) on $PORT when
    /// set, else port 8740.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,

    #[arg(
        long,
        value_name = "PATH",
        help = "Read the bearer token from this file instead of RAILCONN_SERVE_TOKEN"
    )]
    pub token_file: Option<PathBuf>,

    /// Rounds of each check the status page remembers (its row of cells,
    /// uptime and percentiles); at most 1440.
    #[arg(long, value_name = "N", default_value_t = crate::monitor::history::DEFAULT_HISTORY,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new()
              .range(1..=crate::monitor::history::MAX_HISTORY as u64))]
    pub history: usize,

    /// How stderr lines are written: sentences, or one JSON object per line.
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t)]
    pub log_format: crate::monitor::log::LogFormat,
}

#[derive(Debug, Args)]
pub(crate) struct EnvArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    /// text or json.
    #[arg(long, value_enum, default_value_t = env::Format::Text)]
    pub format: env::Format,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    #[arg(
        value_name = "CODE",
        required_unless_present_any = ["list", "format"],
        help = "The code, as the report shows it (e.g. auth_failed, no_tables)"
    )]
    pub code: Option<String>,

    /// List every code with its one-line meaning.
    #[arg(long, conflicts_with = "code")]
    pub list: bool,

    /// text, or json: without a CODE, the whole catalog.
    #[arg(long, value_enum)]
    pub format: Option<ExplainFormat>,
}

/// What `explain` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ExplainFormat {
    Text,
    Json,
}

/// A day: longer waits are typos, and far-future deadlines overflow clocks.
const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

/// A duration flag's value. What is wrong with it is said in the run's
/// language, which [`lang_in_argv`] fixed before clap parsed; the frame
/// around it ("invalid value … for '--timeout'") is clap's and stays
/// English (docs/languages.md).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let say = |message: Message| Lang::for_run().render(&message);
    let duration =
        humantime::parse_duration(text).map_err(|e| say(bad_duration(&e.to_string())))?;
    if duration.is_zero() {
        return Err(say(msg::duration_zero()));
    }
    if duration > MAX_DURATION {
        return Err(say(msg::duration_too_long()));
    }
    Ok(duration)
}

/// The `--lang` of a command line, read before clap parses it (`--lang ru`
/// or `--lang=ru`, anywhere before `--`), so that the values clap checks
/// are complained about in that language. A value clap would refuse is
/// ignored here; clap then says so.
pub(crate) fn lang_in_argv(args: impl IntoIterator<Item = OsString>) -> Option<Lang> {
    use clap::ValueEnum;
    let mut args = args.into_iter().skip(1);
    let mut found = None;
    while let Some(arg) = args.next() {
        let value = match arg.to_str() {
            Some("--") => break,
            Some("--lang") => args.next(),
            Some(other) => other.strip_prefix("--lang=").map(OsString::from),
            None => None,
        };
        if let Some(lang) = value
            .as_ref()
            .and_then(|v| v.to_str())
            .and_then(|v| Lang::from_str(v, false).ok())
        {
            found = Some(lang);
        }
    }
    found
}

pub(crate) fn bad_duration(error: &str) -> Message {
    msg::bad_duration(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<CheckArgs, clap::Error> {
        let full = ["railconn", "check"].iter().chain(args);
        Cli::try_parse_from(full).map(|cli| match cli.command {
            Command::Check(args) => args,
            _ => unreachable!("parsed `check`"),
        })
    }

    #[test]
    fn defaults() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.timeout, Duration::from_secs(10));
        assert_eq!(args.deadlines.connect_timeout, Duration::from_secs(5));
        assert_eq!(args.output.format(), Format::Text);
    }

    #[test]
    fn lists_durations_and_json() {
        let args = parse(&["--only", "postgres,redis", "--timeout", "500ms", "--json"]).unwrap();
        assert_eq!(args.select.only, ["postgres", "redis"]);
        assert_eq!(args.timeout, Duration::from_millis(500));
        assert_eq!(args.output.format(), Format::Json);
    }

    #[test]
    fn bad_values_are_usage_errors() {
        assert!(parse(&["--timeout", "soon"]).is_err());
        assert!(parse(&["--timeout", "0s"]).is_err());
        assert!(parse(&["--json", "--format", "text"]).is_err());
    }

    /// Each command's `--format` takes what it can write, no more.
    #[test]
    fn formats_are_per_command() {
        let parse = |args: &[&str]| Cli::try_parse_from(["railconn"].iter().chain(args));
        for format in ["text", "json", "junit", "github", "markdown"] {
            assert!(parse(&["check", "--format", format]).is_ok(), "{format}");
            assert!(parse(&["wait", "--format", format]).is_ok(), "{format}");
        }
        for command in ["watch", "env"] {
            assert!(parse(&[command, "--format", "json"]).is_ok());
            for format in ["junit", "github", "markdown"] {
                let error = parse(&[command, "--format", format]).unwrap_err();
                assert_eq!(error.kind(), clap::error::ErrorKind::InvalidValue);
            }
        }
        let Command::Watch(args) = parse(&["watch", "--json"]).unwrap().command else {
            panic!("watch")
        };
        assert_eq!(args.format(), watch::Format::Json);
    }

    #[test]
    fn wait_takes_a_command_after_double_dash() {
        let cli = Cli::try_parse_from([
            "railconn",
            "wait",
            "--timeout",
            "5s",
            "--",
            "app",
            "--port",
            "80",
        ])
        .unwrap();
        let Command::Wait(args) = cli.command else {
            panic!("wait")
        };
        assert_eq!(args.command, ["app", "--port", "80"]);
    }

    #[test]
    fn the_language_is_read_before_parsing() {
        let argv = |args: &[&str]| {
            ["railconn"]
                .iter()
                .chain(args)
                .map(OsString::from)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            lang_in_argv(argv(&["check", "--lang", "ru"])),
            Some(Lang::Ru)
        );
        assert_eq!(lang_in_argv(argv(&["--lang=ru", "check"])), Some(Lang::Ru));
        assert_eq!(lang_in_argv(argv(&["check", "--lang", "xx"])), None);
        assert_eq!(
            lang_in_argv(argv(&["wait", "--", "app", "--lang", "ru"])),
            None
        );
        assert_eq!(lang_in_argv(argv(&["check"])), None);
    }

    #[test]
    fn md_is_markdown() {
        let cli = Cli::try_parse_from(["railconn", "check", "--format", "md"]).unwrap();
        let Command::Check(args) = cli.command else {
            panic!("check")
        };
        assert_eq!(args.output.format(), Format::Markdown);
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
