//! `railconn check`: one round of checks, one report, an exit code. Ctrl-C
//! ends the round early and prints what had finished (exit 130).

use std::process::ExitCode;

use crate::cli::CheckArgs;
use crate::error::AppError;
use crate::{diagnose, exit, runner};

use super::{Stream, config, emit, load_env, runtime, warm_up_crypto};

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
    warm_up_crypto(&config);
    let round = runtime.block_on(runner::run(&config, interrupted()));
    runtime.shutdown_background();
    let report = diagnose::report(round.runs, &config, round.duration);
    if round.interrupted {
        exit::exit_after(SIGNAL_GRACE);
    }
    emit(&report, &args.output, Stream::Stdout)?;
    if round.interrupted {
        return Ok(exit::interrupted().into());
    }
    Ok(exit::for_report(&report))
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM — `docker stop` sends the
/// latter to an entrypoint — and remembers which, for the exit code.
pub(crate) async fn interrupted() {
    use tokio::signal::unix::{SignalKind, signal};
    // Both listeners are registered before the process-wide exit on signal
    // is suspended, so no signal falls between the two.
    let mut terminate_stream = signal(SignalKind::terminate()).ok();
    let mut interrupt_stream = signal(SignalKind::interrupt()).ok();
    let _listened = exit::SignalsListened::start();
    let terminate = async {
        match terminate_stream.as_mut() {
            Some(stream) => {
                stream.recv().await;
                exit::note_terminated();
            }
            None => std::future::pending::<()>().await,
        }
    };
    let ctrl_c = async {
        match interrupt_stream.as_mut() {
            Some(stream) => {
                stream.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = terminate => {}
        () = ctrl_c => {}
    }
}
