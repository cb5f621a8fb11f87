//! The subcommands: each turns its arguments into a [`Config`], runs rounds
//! of checks through the runner, and writes reports. What they share lives
//! here: loading variables, building the runtime, writing a report to
//! stdout, to `--output` files and to `$GITHUB_STEP_SUMMARY`.

pub(crate) mod check;
pub(crate) mod env;
pub(crate) mod explain;
pub(crate) mod serve;
pub(crate) mod wait;
pub(crate) mod watch;

use std::io::{BufWriter, Write, stderr, stdout};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::{OutputArgs, SelectArgs, SourceArgs};
use crate::config::reading::{PgReading, RedisReading};
use crate::config::select::Allowance;
use crate::config::{Config, NamedUrl, Overrides, Pin, Selection, Selector};
use crate::driver::{DriverArg, Drivers};
use crate::error::AppError;
use crate::i18n::{Lang, Message, msg, say, typed_value};
use crate::model::{CheckName, Finding, FindingCode, Provenance};
use crate::report::{self, Format, Report, TextStyle};
use crate::service::Setup;
use crate::source::{EnvFiles, EnvSource};

/// A single-threaded runtime: the work is waiting on sockets. Dropped with
/// `shutdown_background` by the callers, because a getaddrinfo call that
/// hangs cannot be cancelled and must not hold the process.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(AppError::Runtime)
}

/// Loads `--env-file`s and the process environment. `pipe_limit` bounds a
/// pipe or FIFO among the files (`--env-file <(railway variables --kv)`
/// calls an API): the command's own deadline, so a slow source is waited
/// for as long as a slow server would be.
pub(crate) fn load_env(source: &SourceArgs, pipe_limit: Duration) -> Result<EnvSource, AppError> {
    EnvSource::load(&EnvFiles {
        paths: source.env_files.clone(),
        disabled: source.no_env_file,
        pipe_limit,
    })
}

/// The `--resolve` values, each checked: a bad one stops the run (exit 2).
pub(crate) fn pins(source: &SourceArgs) -> Result<Vec<Pin>, AppError> {
    source
        .resolve
        .iter()
        .map(|value| {
            Pin::parse(value).map_err(|problem| {
                // HOST:PORT:ADDR holds colons, so `typed_value` cannot tell;
                // an `@` or a scheme means a URL went to the wrong flag, and
                // neither it nor the part the problem quotes is shown.
                if value.contains('@') || value.contains("://") {
                    AppError::Resolve {
                        value: say(&msg::url_not_shown()),
                        problem: msg::resolve_form(),
                    }
                } else {
                    AppError::Resolve {
                        value: value.clone(),
                        problem,
                    }
                }
            })
        })
        .collect()
}

/// The `--target NAME=URL` values, each checked. A mistake names only
/// the NAME, and only when it looks like one: the URL (or a URL given
/// without `NAME=`) may hold a password.
pub(crate) fn targets(source: &SourceArgs) -> Result<Vec<NamedUrl>, AppError> {
    let targets = parsed_targets(source)?;
    // Two `--target` flags with one NAME: the command line alone is wrong,
    // whatever the environment holds (issue 18).
    let mut seen = std::collections::HashSet::new();
    match targets.iter().find(|t| !seen.insert(t.name)) {
        Some(twice) => Err(AppError::Flag {
            flag: "--target",
            value: twice.name.to_string(),
            problem: msg::target_twice(twice.name.to_string()),
        }),
        None => Ok(targets),
    }
}

fn parsed_targets(source: &SourceArgs) -> Result<Vec<NamedUrl>, AppError> {
    source
        .targets
        .iter()
        .map(|value| {
            NamedUrl::parse(value).map_err(|problem| {
                let name = value.split_once('=').map(|(name, _)| name.trim());
                // A NAME with a space is shown; one that could be the start
                // of a URL or of `user:password@` is not.
                let shown = name
                    .filter(|n| !n.chars().any(|c| ":@/".contains(c) || c.is_control()))
                    .map_or_else(|| say(&msg::url_not_shown()), str::to_string);
                AppError::Flag {
                    flag: "--target",
                    value: shown,
                    problem,
                }
            })
        })
        .collect()
}

/// Each value of a flag read by `parse`; the first bad one stops the run
/// (exit 2), said in the run's language.
fn each<T>(
    flag: &'static str,
    values: &[String],
    parse: fn(&str) -> Result<T, Message>,
) -> Result<Vec<T>, AppError> {
    values
        .iter()
        .map(|value| {
            parse(value).map_err(|problem| AppError::Flag {
                flag,
                value: typed_value(value),
                problem,
            })
        })
        .collect()
}

/// The `--driver` values, each checked: a bad one stops the run (exit 2).
fn driver_args(source: &SourceArgs) -> Result<Vec<DriverArg>, AppError> {
    source
        .drivers
        .iter()
        .map(|value| DriverArg::parse(value).map_err(AppError::Driver))
        .collect()
}

/// The validated configuration of one round; refuses a selection that
/// leaves nothing to check.
pub(crate) fn config(
    source: &SourceArgs,
    select: &SelectArgs,
    env: &EnvSource,
    timeouts: (Duration, Duration),
) -> Result<Config, AppError> {
    let selection = Selection {
        only: each("--only", &select.only, Selector::parse)?,
        skip: each("--skip", &select.skip, Selector::parse)?,
        optional: each("--optional", &select.optional, Selector::parse)?,
        allow: each("--allow", &select.allow, Allowance::parse)?,
    };
    let mut config = resolved(source, selection, env, timeouts)?;
    config.strict = select.strict;
    let checks = config.checks();
    warn_unknown_names(&config.selection, &checks);
    warn_renamed(&config.renamed);
    if checks.iter().all(|c| c.selected.is_none()) {
        return Err(AppError::NothingSelected);
    }
    tracing::debug!(?config, "resolved configuration");
    Ok(config)
}

/// The configuration the sources, the flags and the app's drivers give:
/// `check` and `env` both build it here, so that `env` shows the parts
/// `check` dials (`--driver` and `--app-dir` included, issue 19).
pub(crate) fn resolved(
    source: &SourceArgs,
    selection: Selection,
    env: &EnvSource,
    (timeout, connect_timeout): (Duration, Duration),
) -> Result<Config, AppError> {
    let dir = source.app_dir.clone().unwrap_or_else(|| PathBuf::from("."));
    if !dir.is_dir() {
        return Err(AppError::AppDir(dir));
    }
    let flags = driver_args(source)?;
    let drivers = Drivers::find(&dir, &flags);
    let overrides = Overrides {
        postgres: pg_reading(&drivers),
        redis: redis_reading(&drivers),
        amqp: amqp_reading(&drivers),
        mysql: crate::driver::mysql::reading(&drivers),
        database_url: source.database_url.clone(),
        redis_url: source.redis_url.clone(),
        public: source.public,
        resolve: pins(source)?,
        discover: !source.no_discover,
        targets: targets(source)?,
    };
    let mut config = Config::resolve(&overrides, env, selection, timeout, connect_timeout);
    let driver_env = crate::driver::DriverEnv::read(env);
    // The driver rules hook: `driver` sits above `service`, so the kinds
    // whose drivers have rules are named here. PostgreSQL checks first,
    // then Redis, then AMQP, then MySQL, each in report order (the rules are listed so).
    let mut drivers = drivers;
    for check in &mut config.configured {
        if let Setup::Postgresql(setting) = &mut check.setup {
            drivers = crate::driver::apply(drivers, check.name, setting, &driver_env);
        }
    }
    for check in &mut config.configured {
        if let Setup::Redis(setting) = &mut check.setup {
            crate::driver::redis::apply(&mut drivers, check.name, setting, &driver_env);
        }
    }
    for check in &mut config.configured {
        if let Setup::Amqp(setting) = &mut check.setup {
            crate::driver::amqp::apply(&mut drivers, check.name, setting, &driver_env);
        }
    }
    for check in &mut config.configured {
        if let Setup::Mysql(setting) = &mut check.setup {
            crate::driver::mysql::apply(&mut drivers, check.name, setting, &driver_env);
        }
    }
    config.drivers = drivers;
    if flags.is_empty() {
        redis_not_needed(&mut config, &dir);
    }
    Ok(config)
}

/// Whose reading the app's broker URLs get: its one AMQP driver's when
/// that is amqplib or pika, else kombu's.
fn amqp_reading(drivers: &Drivers) -> crate::config::AmqpReading {
    use crate::config::AmqpReading;
    use crate::driver::Driver;
    if drivers.only_amqp(Driver::Amqplib) {
        AmqpReading::Amqplib
    } else if drivers.only_amqp(Driver::Pika) {
        AmqpReading::Pika
    } else {
        AmqpReading::Kombu
    }
}

/// Whose reading the app's PostgreSQL URLs get: its one driver's, when
/// that driver reads URLs its own way (`config::reading`).
fn pg_reading(drivers: &Drivers) -> PgReading {
    use crate::driver::Driver;
    if drivers.only(CheckName::POSTGRES, &[Driver::NodePostgres]) {
        PgReading::NodePostgres
    } else if drivers.only(CheckName::POSTGRES, &[Driver::PostgresJs]) {
        PgReading::PostgresJs
    } else {
        PgReading::Libpq
    }
}

/// Whose reading the app's Redis URLs get: redis-py's and ioredis's
/// database when they are its only Redis drivers.
fn redis_reading(drivers: &Drivers) -> RedisReading {
    use crate::driver::Driver;
    let has = |driver| drivers.of(CheckName::REDIS).any(|f| f.driver == driver);
    if !drivers.only(CheckName::REDIS, &[Driver::RedisPy, Driver::Ioredis]) {
        return RedisReading::RedisRs;
    }
    match (has(Driver::RedisPy), has(Driver::Ioredis)) {
        (true, true) => RedisReading::RedisPyAndIoredis,
        (true, false) => RedisReading::RedisPy,
        _ => RedisReading::Ioredis,
    }
}

/// A missing `REDIS_URL` is not checked when the app's manifests name no
/// Redis client (a Celery app on RabbitMQ, issue 21): the `redis` check is
/// skipped, so neither it nor the JWT check's memory-fallback warning says
/// anything about a Redis the app does not use, and a note says why.
fn redis_not_needed(config: &mut Config, dir: &Path) {
    if config.missing_from(CheckName::REDIS).is_none() {
        return;
    }
    if let Some(files) = crate::driver::needs::without_redis(dir) {
        let redis = Selector::Name(CheckName::REDIS.as_str().to_string());
        config.selection.skip.push(redis);
        config.notes.push((
            CheckName::REDIS,
            Finding::info(FindingCode::Driver, msg::redis_not_named(files)),
        ));
    }
}

/// Says on stderr, once per process (`wait` and `watch` resolve the
/// configuration every round), which names in `--only`, `--skip` and
/// `--optional` no check has: not an error, because the same command line
/// runs where other variables are set. A variable merged into a check
/// (`CACHE_URL` equal to `REDIS_URL`) gets its own warning naming the check.
fn warn_unknown_names(selection: &Selection, checks: &[crate::config::Check<'_>]) {
    static SAID: std::sync::Once = std::sync::Once::new();
    let names: Vec<_> = checks.iter().map(|c| c.name).collect();
    let with_vars: Vec<(CheckName, Vec<&str>)> = checks
        .iter()
        .map(|c| {
            let vars = c.target.source().map(Provenance::variable_names);
            (c.name, vars.unwrap_or_default())
        })
        .collect();
    let unknown = selection.unknown_names(&with_vars);
    let merged = selection.merged_names(&with_vars);
    if unknown.is_empty() && merged.is_empty() {
        return;
    }
    let known: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
    let all = known.join(", ");
    SAID.call_once(|| {
        let lang = Lang::for_run();
        for (name, check) in merged {
            let warning = crate::i18n::msg::warning_merged_name(name.to_string(), check.as_str());
            crate::exit::stderr_line(&lang.render(&warning));
        }
        for name in unknown {
            let warning = match crate::config::select::nearest(name, &known) {
                Some(meant) => crate::i18n::msg::warning_unknown_check_near(
                    typed_value(name),
                    meant,
                    all.clone(),
                ),
                None => crate::i18n::msg::warning_unknown_check(typed_value(name), all.clone()),
            };
            crate::exit::stderr_line(&lang.render(&warning));
        }
    });
}

/// Says on stderr, once per process, which checks found their name taken
/// and what they are called instead, naming where both come from.
fn warn_renamed(renamed: &[crate::config::Renamed]) {
    static SAID: std::sync::Once = std::sync::Once::new();
    if renamed.is_empty() {
        return;
    }
    SAID.call_once(|| {
        let lang = Lang::for_run();
        let mut err = std::io::stderr().lock();
        for r in renamed {
            let warning = msg::warning_renamed_check(
                r.name.as_str(),
                r.kept.message(),
                r.other.message(),
                r.now.as_str(),
            );
            let _ = writeln!(err, "{}", lang.render(&warning));
        }
    });
}

/// Where the main report goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    Stdout,
    /// `wait -- COMMAND` keeps stdout for the command.
    Stderr,
}

/// Refuses, before any check runs, an `--output` whose directory is missing
/// or not a directory: exit 2 must mean that nothing was judged, not a
/// full report on stdout followed by a failed write (walkthrough of
/// 2026-12-02).
pub(crate) fn check_outputs(output: &OutputArgs) -> Result<(), AppError> {
    use std::io::{Error, ErrorKind};
    for path in &output.output {
        if path.as_os_str() == "-" {
            return Err(AppError::OutputFile {
                path: path.clone(),
                reason: msg::output_dash(),
            });
        }
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let names_a_dir = path.is_dir() || path.as_os_str().as_encoded_bytes().ends_with(b"/");
        let problem = match std::fs::metadata(dir) {
            _ if names_a_dir => Error::from(ErrorKind::IsADirectory),
            Ok(meta) if meta.is_dir() => continue,
            Ok(_) => Error::from(ErrorKind::NotADirectory),
            Err(e) => e,
        };
        return Err(AppError::OutputFile {
            path: path.clone(),
            reason: crate::i18n::io_reason(&problem),
        });
    }
    Ok(())
}

/// Writes `report` in the chosen format to every `--output` file, then to
/// the stream, and, for the github format, to `$GITHUB_STEP_SUMMARY`. The
/// files go first so that a write that fails (exit 2) leaves no report on
/// the stream for a pipeline to read as a verdict.
pub(crate) fn emit(report: &Report, output: &OutputArgs, stream: Stream) -> Result<(), AppError> {
    let format = output.format();
    let style = TextStyle {
        color: use_color(stream),
        quiet: output.quiet,
        lang: Lang::for_run(),
        // Prose wraps only on a terminal's stdout, never in a pipe or file.
        width: (stream == Stream::Stdout && format == Format::Text)
            .then(report::term::stdout_width)
            .flatten(),
    };
    for path in &output.output {
        write_file(report, path, Format::for_path(path), false)?;
    }
    // Buffered whole: Rust's stdout flushes at every newline, which made
    // a JSON report some 300 `write` calls (strace, issue 24).
    match stream {
        Stream::Stdout => write_to(report, format, style, &mut BufWriter::new(stdout().lock()))?,
        // `wait -- COMMAND`: the report on stderr is commentary before the
        // command runs; a stderr that takes nothing must not stop it.
        Stream::Stderr => {
            let _ = write_to(report, format, style, &mut BufWriter::new(stderr().lock()));
        }
    }
    let summary =
        std::env::var_os(crate::source::vars::GITHUB_STEP_SUMMARY.name).filter(|v| !v.is_empty());
    if let Some(summary) = summary.filter(|_| format == Format::Github) {
        // The step summary is a courtesy: failing to append to it must not
        // turn a verdict into exit 2 (or keep `wait -- CMD` from running).
        if let Err(error) = write_file(report, Path::new(&summary), Format::Markdown, true) {
            crate::exit::stderr_line(&format!("railconn: {error}"));
        }
    }
    Ok(())
}

fn write_to(
    report: &Report,
    format: Format,
    style: TextStyle,
    out: &mut dyn Write,
) -> Result<(), AppError> {
    report::render(report, format, style, out)
        .and_then(|()| out.flush())
        .map_err(AppError::Output)
}

fn write_file(report: &Report, path: &Path, format: Format, append: bool) -> Result<(), AppError> {
    let failed = |e: std::io::Error| AppError::OutputFile {
        path: path.to_path_buf(),
        reason: crate::i18n::io_reason(&e),
    };
    let style = TextStyle {
        lang: Lang::for_run(),
        ..TextStyle::default()
    };
    // Rendered first, then written without blocking: a FIFO or a stalled
    // pipe as `--output` must not hold the process past its deadline.
    let mut text = Vec::new();
    report::render(report, format, style, &mut text).map_err(failed)?;
    crate::file::write(path, &text, append).map_err(failed)
}

/// Colour for the stream the report goes to, by `--color` and the
/// variables (`report::term`): each stream is judged by itself.
pub(crate) fn use_color(stream: Stream) -> bool {
    match stream {
        Stream::Stdout => report::term::stdout_colors(),
        Stream::Stderr => report::term::stderr_colors(),
    }
}

/// Shell completions on stdout, generated into a buffer first: `clap_complete`
/// panics on a write error, and `| head` closes the pipe early.
pub(crate) fn completions(shell: clap_complete::Shell) -> Result<(), AppError> {
    use clap::CommandFactory;
    let mut command = crate::cli::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "railconn", &mut script);
    write_stdout(&script)
}

/// Writes to stdout; a closed pipe (`| head`) is the reader's choice, not
/// an error.
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), AppError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(AppError::Output(e)),
        _ => Ok(()),
    }
}

/// The man page (roff) on stdout.
pub(crate) fn man() -> Result<(), AppError> {
    use clap::CommandFactory;
    let mut page = Vec::new();
    clap_mangen::Man::new(crate::cli::Cli::command())
        .render(&mut page)
        .map_err(AppError::Output)?;
    write_stdout(&page)
}
