//! `railconn check`: one round of checks, one report, an exit code. Ctrl-C
//! ends the round early and prints what had finished (exit 130).

use std::process::ExitCode;

use crate::cli::CheckArgs;
use crate::error::AppError;
use crate::{diagnose, exit, runner};

use super::{Stream, config, emit, load_env, runtime, warm_up_crypto};

pub fn run(args: &CheckArgs) -> Result<ExitCode, AppError> {
    let env = load_env(&args.source)?;
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
    emit(&report, &args.output, Stream::Stdout)?;
    if round.interrupted {
        return Ok(exit::interrupted().into());
    }
    Ok(exit::for_report(&report))
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM — `docker stop` sends the
/// latter to an entrypoint — and remembers which, for the exit code.
pub async fn interrupted() {
    use tokio::signal::unix::{SignalKind, signal};
    let terminate = async {
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
                exit::note_terminated();
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = terminate => {}
        () = ctrl_c => {}
    }
}
