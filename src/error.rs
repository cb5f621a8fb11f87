//! Errors that stop railconn before or instead of checking (exit code 2).
//! A failed *probe* is not an error: it is data in the report (exit code 1).
//! The words are in the catalogs, like every other message; `Display`
//! renders them in the run's language.

use std::fmt;
use std::path::PathBuf;

use crate::i18n::{Message, msg, say};

/// A problem that prevents railconn from running its checks.
#[derive(Debug)]
pub enum AppError {
    EnvFile {
        path: PathBuf,
        reason: Message,
        /// Named by `--env-file` (the fix is to leave it out), rather than
        /// the default `./.env` (the fix is `--no-env-file`).
        named: bool,
    },
    NothingSelected,
    /// A `--resolve` value that is not HOST:PORT:ADDR.
    Resolve {
        value: String,
        problem: Message,
    },
    /// A value of `--target`, `--only`, `--skip`, `--optional` or
    /// `--allow` that cannot be read.
    Flag {
        flag: &'static str,
        value: String,
        problem: Message,
    },
    Runtime(std::io::Error),
    Output(std::io::Error),
    OutputFile {
        path: PathBuf,
        reason: Message,
    },
    /// `serve` could not bind its address.
    Listen {
        addr: String,
        reason: String,
    },
    /// `serve`: `$PORT` is not a port number (its value is not a secret).
    Port(String),
    /// `serve --token-file` unreadable or empty (the token is never shown).
    TokenFile {
        path: PathBuf,
        reason: Message,
    },
    /// `serve`: `RAILCONN_SERVE_TOKEN` is no token an HTTP client can send.
    TokenVar(Message),
    /// `--app-dir` is not a directory.
    AppDir(PathBuf),
    /// A `--driver` value railconn does not know.
    Driver(Message),
}

impl AppError {
    /// What went wrong, as a message.
    pub fn message(&self) -> Message {
        match self {
            Self::EnvFile {
                path,
                reason,
                named,
            } => error_env_file(&path.display().to_string(), reason, *named),
            Self::NothingSelected => msg::error_nothing_selected(),
            Self::Resolve { value, problem } => msg::error_resolve(value.clone(), problem.clone()),
            Self::Flag {
                flag,
                value,
                problem,
            } => msg::error_flag(flag, value.clone(), problem.clone()),
            Self::Runtime(e) => error_runtime(&e.to_string()),
            Self::Output(e) => error_output(&e.to_string()),
            Self::OutputFile { path, reason } => {
                error_output_file(&path.display().to_string(), reason)
            }
            Self::Listen { addr, reason } => error_listen(addr, reason),
            Self::Port(value) => error_port(value),
            Self::TokenFile { path, reason } => {
                error_token_file(&path.display().to_string(), reason)
            }
            Self::TokenVar(reason) => error_token_var(reason),
            Self::AppDir(path) => msg::error_app_dir(path.display().to_string()),
            Self::Driver(problem) => problem.clone(),
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&say(&self.message()))
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Runtime(e) | Self::Output(e) => Some(e),
            _ => None,
        }
    }
}

pub(crate) fn error_env_file(path: &str, reason: &Message, named: bool) -> Message {
    // `<(command)` reaches us as /dev/fd/N: a path the user never typed,
    // whose fix is in the command (the reason says so), not in a flag.
    if path.starts_with("/dev/fd/") || path.starts_with("/proc/self/fd/") {
        msg::error_env_pipe(path.to_string(), reason.clone())
    } else if named {
        msg::error_env_file_named(path.to_string(), reason.clone())
    } else {
        msg::error_env_file(path.to_string(), reason.clone())
    }
}

pub(crate) fn error_runtime(error: &str) -> Message {
    msg::error_runtime(error.to_string())
}

pub(crate) fn error_output(error: &str) -> Message {
    msg::error_output(error.to_string())
}

pub(crate) fn error_output_file(path: &str, reason: &Message) -> Message {
    msg::error_output_file(path.to_string(), reason.clone())
}

pub(crate) fn error_listen(addr: &str, reason: &str) -> Message {
    msg::error_listen(addr.to_string(), reason.to_string())
}

pub(crate) fn error_port(value: &str) -> Message {
    msg::error_port(format!("{value:?}"))
}

pub(crate) fn error_token_file(path: &str, reason: &Message) -> Message {
    msg::error_token_file(path.to_string(), reason.clone())
}

pub(crate) fn error_token_var(reason: &Message) -> Message {
    msg::error_token_var(reason.clone())
}
