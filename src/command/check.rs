//! `railconn check`: one round of checks, one report, an exit code. Ctrl-C
//! ends the round early and prints what had finished (exit 130).

use std::process::ExitCode;

use crate::cli::CheckArgs;
use crate::error::AppError;
use crate::{diagnose, exit, runner};

use super::{Stream, config, emit, load_env, runtime};

/// How long the report of an interrupted round may take to write before
/// the process ends anyway.
pub(crate) const SIGNAL_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

pub(crate) fn run(args: &CheckArgs) -> Result<ExitCode, AppError> {
    super::check_outputs(&args.output)?;
    let env = load_env(&args.source, args.timeout)?;
    let config = config(
        &args.source,
        &args.select,
        &env,
        (args.timeout, args.deadlines.connect_timeout),
    )?;
    let runtime = runtime()?;
    let shutdown = exit::Shutdown::default();
    let round = runtime.block_on(runner::run(&config, shutdown.listen()));
    runtime.shutdown_background();
    let report = diagnose::report(round.runs, &config, round.duration, &shutdown);
    if round.interrupted {
        exit::exit_after(SIGNAL_GRACE, &shutdown);
    }
    emit(&report, &args.output, Stream::Stdout)?;
    if round.interrupted {
        return Ok(shutdown.code().into());
    }
    Ok(exit::for_report(&report))
}
