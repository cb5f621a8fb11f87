//! Files the user names — `--env-file`, `--output`, `$GITHUB_STEP_SUMMARY`,
//! key and CA files — opened so that nothing can block past a deadline.
//! Opening a FIFO blocks until the other end shows up (forever, for a FIFO
//! nobody uses), and writing to a pipe nobody reads blocks once its buffer
//! is full: every open here is `O_NONBLOCK`, and reads and writes of
//! anything but a regular file are retried only until a deadline.

use crate::i18n::{Message, io_error, msg};
use std::fs::{File, OpenOptions};
use std::io::{self, ErrorKind, Read, Write};
#[cfg(target_os = "linux")]
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a pipe, FIFO or terminal named as an output may take to accept
/// its bytes.
pub(crate) const PIPE_DEADLINE: Duration = Duration::from_secs(2);

/// Pause between attempts on a pipe that is not ready.
const RETRY: Duration = Duration::from_millis(5);

/// Reads a file a setting names (a PEM key, a CA bundle): only a regular
/// file, at most `limit` bytes (`/dev/zero` would fill memory).
pub(crate) fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let file = open_read(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io_error(ErrorKind::InvalidInput, msg::not_a_regular_file()));
    }
    if meta.len() > limit {
        return Err(io_error(ErrorKind::InvalidInput, file_too_large(limit)));
    }
    // Sized up front: `Take` hides the file's length from `read_to_end`,
    // which then reads 32, 32, 64, … bytes at a time (a syscall each).
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
    file.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The first `n` bytes of a regular file (a SQLite header), or fewer.
pub(crate) fn read_prefix(path: &Path, n: u64) -> io::Result<Vec<u8>> {
    let file = open_read(path)?;
    if !file.metadata()?.is_file() {
        return Err(io_error(ErrorKind::InvalidInput, msg::not_a_regular_file()));
    }
    let mut bytes = Vec::new();
    file.take(n).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads at most `limit` bytes of a file, a FIFO or a pipe (`--env-file
/// <(railway variables --kv)`, whose command may call an API); a pipe or
/// FIFO must deliver everything within `within` (the run's `--timeout`).
///
/// A pipe or FIFO that ends without a byte is an error, never an empty
/// file: the gate would judge the process environment alone. An anonymous
/// pipe (`<(…)`) had its writer when it was made, so an end-of-file before
/// any byte means its command wrote nothing (`railway variables --kv` when
/// not logged in) and fails at once. A named FIFO that no writer has opened
/// reads as end-of-file too (fifo(7): a non-blocking open for reading
/// succeeds without a writer), so it is waited on until `within`.
pub(crate) fn read_stream(path: &Path, limit: u64, within: Duration) -> io::Result<Vec<u8>> {
    let file = open_read(path)?;
    let pipe = file.metadata()?.file_type().is_fifo();
    let anonymous = pipe && is_anonymous_pipe(&file);
    let mut reader = file.take(limit);
    let deadline = Instant::now() + within;
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) if anonymous && bytes.is_empty() => {
                return Err(io_error(ErrorKind::UnexpectedEof, msg::pipe_empty()));
            }
            Ok(0) if pipe && bytes.is_empty() => {
                if Instant::now() >= deadline {
                    return Err(io_error(
                        ErrorKind::TimedOut,
                        msg::fifo_without_writer(within),
                    ));
                }
                std::thread::sleep(RETRY);
            }
            Ok(0) => return Ok(bytes),
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => wait_or_give_up(deadline, within)?,
            Err(e) => return Err(e),
        }
    }
}

/// A pipe made by `pipe(2)` — bash's `<(…)` as `/dev/fd/63` — rather than
/// a FIFO in the file system: Linux names it `pipe:[inode]` in
/// `/proc/self/fd` (proc(5)).
#[cfg(target_os = "linux")]
fn is_anonymous_pipe(file: &File) -> bool {
    std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd()))
        .is_ok_and(|target| target.to_string_lossy().starts_with("pipe:"))
}

/// Elsewhere (macOS has no `/proc`) every pipe is taken for a named FIFO:
/// an empty `<(…)` then fails at the deadline instead of at once.
#[cfg(not(target_os = "linux"))]
fn is_anonymous_pipe(_file: &File) -> bool {
    false
}

/// Whether `path` is a character device (a terminal, `/dev/tty`).
fn is_char_device(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

/// Writes `bytes` to `path` (created, truncated unless `append`). A FIFO
/// without a reader is refused at once; a pipe or terminal that does not
/// take the bytes within [`PIPE_DEADLINE`] is an error, not a hang.
pub(crate) fn write(path: &Path, bytes: &[u8], append: bool) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append && !is_special(path))
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            // open(2): O_NONBLOCK | O_WRONLY on a FIFO with no reader; on
            // /dev/tty, a process without a controlling terminal (tty(4)).
            Some(libc::ENXIO) if is_char_device(path) => {
                io_error(ErrorKind::NotFound, msg::tty_without_terminal())
            }
            Some(libc::ENXIO) => io_error(ErrorKind::BrokenPipe, msg::fifo_without_reader()),
            _ => e,
        })?;
    let deadline = Instant::now() + PIPE_DEADLINE;
    let mut rest = bytes;
    while !rest.is_empty() {
        match file.write(rest) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                wait_or_give_up(deadline, PIPE_DEADLINE)?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn open_read(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

/// A FIFO, socket or device: truncating one means nothing.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| {
        let t = m.file_type();
        t.is_fifo() || t.is_char_device() || t.is_socket() || t.is_block_device()
    })
}

fn wait_or_give_up(deadline: Instant, limit: Duration) -> io::Result<()> {
    if Instant::now() >= deadline {
        return Err(io_error(ErrorKind::TimedOut, msg::pipe_stalled(limit)));
    }
    std::thread::sleep(RETRY);
    Ok(())
}

pub(crate) fn file_too_large(limit: u64) -> Message {
    msg::file_too_large(limit / 1024)
}
