//! The `railconn` binary: parse the command line, hand it to the library,
//! turn the outcome into a process exit code. Everything else lives in the
//! library so that tests and future front-ends share it.

use std::process::ExitCode;

fn main() -> ExitCode {
    railconn::main_entry()
}
