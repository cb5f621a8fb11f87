//! Exit codes, the contract with CI pipelines (README "Exit codes"):
//! 0 ready, 1 not ready, 2 could not run, 127 command not started, 130
//! interrupted.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::i18n::{Lang, msg};
use crate::report::Report;

/// Every required check passed (and, with `--strict`, nothing warned).
pub(crate) const READY: u8 = 0;
/// A required check failed, or `--strict` and something warned.
pub(crate) const NOT_READY: u8 = 1;
/// Bad usage, unreadable env file, internal error: nothing was judged.
pub(crate) const COULD_NOT_RUN: u8 = 2;
/// `wait -- COMMAND`: the command could not be started (as in `env`).
pub(crate) const COMMAND_NOT_STARTED: u8 = 127;
/// Ctrl-C: 128 + SIGINT, the shell convention.
pub(crate) const INTERRUPTED: u8 = 130;
/// SIGTERM (`docker stop`): 128 + 15.
pub(crate) const TERMINATED: u8 = 143;

/// Whether SIGINT and SIGTERM end the process at once. True except while a
/// round's own listener handles them (`check` prints what finished, `watch`
/// its summary): before the round, while reading files, and while writing
/// output, where a pipe nobody reads could otherwise hold the process
/// forever with the signals swallowed.
static EXIT_ON_SIGNAL: AtomicBool = AtomicBool::new(true);

/// Installed first thing: SIGINT exits 130 and SIGTERM 143 whenever no
/// round is listening (`_exit`, async-signal-safe, in the handler itself).
pub(crate) fn install_signal_exits() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag::register_conditional_shutdown;
    // Registration only fails for forbidden signals; these two are not.
    let _ = register_conditional_shutdown(SIGINT, INTERRUPTED.into(), &EXIT_ON_SIGNAL);
    let _ = register_conditional_shutdown(SIGTERM, TERMINATED.into(), &EXIT_ON_SIGNAL);
}

/// While alive, SIGINT and SIGTERM are left to the round's listener.
#[must_use]
pub(crate) struct SignalsListened(bool);

impl SignalsListened {
    pub(crate) fn start() -> Self {
        Self(EXIT_ON_SIGNAL.swap(false, Ordering::SeqCst))
    }
}

impl Drop for SignalsListened {
    fn drop(&mut self) {
        EXIT_ON_SIGNAL.store(self.0, Ordering::SeqCst);
    }
}

/// Runs `write` with SIGINT and SIGTERM ending the process at once (a
/// `watch` printing into a pipe nobody reads).
pub(crate) fn exiting_on_signal<T>(write: impl FnOnce() -> T) -> T {
    let before = EXIT_ON_SIGNAL.swap(true, Ordering::SeqCst);
    let result = write();
    EXIT_ON_SIGNAL.store(before, Ordering::SeqCst);
    result
}

/// After a signal already ended the round, the report still gets written;
/// if the output does not take it within `grace`, the process ends anyway
/// with the signal's code.
pub(crate) fn exit_after(grace: std::time::Duration, shutdown: &Shutdown) {
    let code = shutdown.code();
    std::thread::spawn(move || {
        std::thread::sleep(grace);
        std::process::exit(code.into());
    });
}

/// What stopped a run, handed down as a value — as mini-redis hands its
/// `Shutdown` to each task (`src/shutdown.rs`) — rather than read from a
/// process-wide flag: the command makes one, its [`Shutdown::listen`] ends
/// the round, and the diagnosis and the exit code ask it which signal it
/// was. Clones share what they saw.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shutdown {
    terminated: Arc<AtomicBool>,
}

impl Shutdown {
    /// Completes on Ctrl-C (SIGINT) or SIGTERM — `docker stop` sends the
    /// latter to an entrypoint — and remembers which, for the exit code.
    pub(crate) async fn listen(&self) {
        use tokio::signal::unix::{SignalKind, signal};
        // Both listeners are registered before the process-wide exit on
        // signal is suspended, so no signal falls between the two.
        let mut terminate_stream = signal(SignalKind::terminate()).ok();
        let mut interrupt_stream = signal(SignalKind::interrupt()).ok();
        let _listened = SignalsListened::start();
        let terminate = async {
            match terminate_stream.as_mut() {
                Some(stream) => {
                    stream.recv().await;
                    self.terminated.store(true, Ordering::Relaxed);
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

    /// The exit code of an interrupted run: 130 for SIGINT, 143 for SIGTERM.
    pub(crate) fn code(&self) -> u8 {
        if self.terminated.load(Ordering::Relaxed) {
            TERMINATED
        } else {
            INTERRUPTED
        }
    }

    /// The signal's name, `SIGINT` or `SIGTERM`, as the catalogs select on it.
    pub(crate) fn signal(&self) -> &'static str {
        if self.code() == TERMINATED {
            "SIGTERM"
        } else {
            "SIGINT"
        }
    }
}

/// Writes `text` and a line break to stderr. What goes there is
/// commentary (warnings, progress, why `wait` gave up), so a write that
/// fails — `2>/dev/full`, a closed descriptor — is dropped and never
/// changes the exit code; `eprintln!` would panic instead (exit 101,
/// issue 18).
pub(crate) fn stderr_line(text: &str) {
    stderr_text(&format!("{text}\n"));
}

/// [`stderr_line`] without the line break (`wait`'s progress line,
/// rewritten in place), flushed.
pub(crate) fn stderr_text(text: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// The log writer (`RUST_LOG`): stderr, a failed write dropped. The
/// subscriber would otherwise report the failure with `eprintln!`, which
/// panics on the same full stderr.
pub(crate) struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = std::io::stderr().lock().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub(crate) fn for_report(report: &Report) -> ExitCode {
    if report.ready { READY } else { NOT_READY }.into()
}

/// Prints a clap error (usage, `--help`, `--version`) and returns its code:
/// 0 for help and version, 2 for usage errors. The text is redacted first:
/// clap echoes unexpected arguments, which may be a URL with a password.
pub(crate) fn usage_error(error: &clap::Error) -> ExitCode {
    use std::io::Write;
    let text = redact_urls(&error.render().to_string());
    let (written, code) = if error.use_stderr() {
        (
            std::io::stderr()
                .lock()
                .write_all(mask_quoted_urls(&text).as_bytes()),
            COULD_NOT_RUN,
        )
    } else {
        let mut out = std::io::stdout().lock();
        (
            out.write_all(text.as_bytes()).and_then(|()| out.flush()),
            READY,
        )
    };
    match written {
        // `railconn --help | head -1`: the reader had what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => code.into(),
        // A full disk: nothing more can be said there; no panic.
        Err(_) => COULD_NOT_RUN.into(),
        Ok(()) => code.into(),
    }
}

/// clap quotes the values it complains about. A quoted value holding a URL
/// may carry a password in places `redact_urls` cannot see (a query
/// `password=`, a space inside the password), so it is not shown at all.
/// Only for usage errors: `--help` holds no value of the user's, and its
/// apostrophes ("Railway's … app's") would pair up and hide whole flags.
fn mask_quoted_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, part) in text.split('\'').enumerate() {
        if i > 0 {
            out.push('\'');
        }
        let quoted = i % 2 == 1;
        if quoted && part.contains("://") {
            out.push_str(&Lang::for_run().render(&msg::url_not_shown()));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Replaces the password of every `scheme://user:password@` in `text`.
pub(crate) fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("://") {
        let (head, tail) = rest.split_at(start + 3);
        out.push_str(head);
        let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        let (authority, after) = tail.split_at(end);
        out.push_str(&redact_authority(authority));
        rest = after;
    }
    out.push_str(rest);
    out
}

fn redact_authority(url_tail: &str) -> String {
    let Some(at) = url_tail.rfind('@') else {
        return url_tail.to_string();
    };
    let userinfo = &url_tail[..at];
    match userinfo.find(':') {
        Some(colon) => format!("{}:***{}", &userinfo[..colon], &url_tail[at..]),
        None => url_tail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::{INTERRUPTED, Shutdown, TERMINATED, redact_urls};

    /// The interrupt is a value: a clone handed to the diagnosis answers
    /// what the listening one heard, and nothing heard reads as Ctrl-C.
    #[test]
    fn a_shutdown_handle_and_its_clones_know_which_signal_ended_the_round() {
        let shutdown = Shutdown::default();
        let handed_down = shutdown.clone();
        assert_eq!(
            (handed_down.code(), handed_down.signal()),
            (INTERRUPTED, "SIGINT")
        );
        shutdown.terminated.store(true, Ordering::Relaxed);
        assert_eq!(
            (handed_down.code(), handed_down.signal()),
            (TERMINATED, "SIGTERM")
        );
    }

    #[test]
    fn quoted_urls_in_usage_errors_are_not_shown() {
        let text = "error: unexpected argument 'postgresql://db/x?password=hunter2' found";
        assert!(!super::mask_quoted_urls(text).contains("hunter2"));
    }

    #[test]
    fn passwords_in_free_text_are_redacted() {
        assert_eq!(
            redact_urls("unexpected argument 'postgresql://app:hunter2@db:5432/x' found"),
            "unexpected argument 'postgresql://app:***@db:5432/x' found"
        );
        assert_eq!(redact_urls("redis://h:6379 ok"), "redis://h:6379 ok");
    }
}
