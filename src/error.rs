//! Errors that stop railconn before or instead of checking (exit code 2).
//! A failed *probe* is not an error: it is data in the report (exit code 1).

use std::path::PathBuf;

/// A problem that prevents railconn from running its checks.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cannot read env file {}: {reason}. Fix the file or pass --no-env-file", path.display())]
    EnvFile { path: PathBuf, reason: String },
    #[error("nothing to check: --only/--skip leave no check to run")]
    NothingSelected,
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot write the report: {0}")]
    Output(std::io::Error),
    #[error("cannot write the report to {}: {reason}", path.display())]
    OutputFile { path: PathBuf, reason: String },
    #[error("{command} supports --format {supported}")]
    FormatNotSupported {
        command: &'static str,
        supported: &'static str,
    },
}
