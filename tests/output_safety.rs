//! Issue 18, what railconn writes under abuse: no panic on a full stderr
//! in any command (a report that cannot be written is exit 2, a failed
//! write to stderr changes nothing); a server's or a certificate's words
//! are no live markup in Markdown, the step summary, JUnit or the status
//! page, and their bidirectional controls are shown escaped; a colour
//! terminal gets real escape sequences around an error's code.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::support::lifecycle::{free_port, wait_for_port};
use crate::support::{Fault, Railconn, closed_port, fault, railconn, redis_open, stdout};

/// What a hostile Redis answers to PING and INFO: HTML, a link, an image,
/// emphasis, a pipe, a backtick run and a right-to-left override.
const HOSTILE: &[u8] = "-ERR <a href=x>Click here</a> <img src=y> [link](z) *em* | pipe ``tick`` \u{202E}evil\r\n\
                        -ERR <a href=x>Click here</a> <img src=y> [link](z) *em* | pipe ``tick`` \u{202E}evil\r\n"
    .as_bytes();

fn dev_full() -> Stdio {
    File::options()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full")
        .into()
}

/// Runs `run` with the given stdout and stderr (stdin closed), killed after
/// 60 s.
fn status(run: &mut Railconn, out: Stdio, err: Stdio) -> ExitStatus {
    let mut child = run
        .cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("spawn railconn");
    wait(&mut child, Duration::from_secs(60))
}

fn wait(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("poll railconn") {
            return status;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    panic!("railconn did not finish within {limit:?}");
}

/// A run that fails a check (a refused port) and warns on stderr (an
/// unknown name in `--only`), so both streams have something to say.
fn failing(command: &[&str]) -> Railconn {
    let mut run = railconn();
    let url = format!("redis://127.0.0.1:{}", closed_port());
    run.args(command)
        .args(["--redis-url", &url, "--only", "redis,nosuchcheck"])
        .env("RUST_LOG", "debug");
    run
}

/// `check`, `wait` (with and without a command), `watch` and `env` with
/// stderr on a full disk: the exit code they have with a working stderr,
/// never a panic (101); `wait` and `eprintln!` panicked before, and so did
/// any command with `RUST_LOG` set.
#[test]
fn a_full_stderr_changes_no_exit_code() {
    let commands: [&[&str]; 5] = [
        &["check"],
        &["wait", "--timeout", "1s"],
        &["wait", "--timeout", "1s", "--", "true"],
        &["watch", "--count", "1"],
        &["env"],
    ];
    for command in commands {
        let normal = status(&mut failing(command), Stdio::null(), Stdio::null());
        let full = status(&mut failing(command), Stdio::null(), dev_full());
        assert_ne!(full.code(), Some(101), "{command:?} panicked");
        assert_eq!(full.code(), normal.code(), "{command:?}");
    }
}

/// A report (or `env`'s listing, or `watch`'s lines) that cannot be
/// written is exit 2, as the README says, and no panic.
#[test]
fn a_report_that_cannot_be_written_is_exit_2() {
    let commands: [&[&str]; 4] = [
        &["check"],
        &["wait", "--timeout", "1s"],
        &["watch", "--count", "1"],
        &["env"],
    ];
    for command in commands {
        let full = status(&mut failing(command), dev_full(), Stdio::null());
        assert_eq!(full.code(), Some(2), "{command:?}");
    }
}

/// `serve` with stderr on a full disk listens, runs its rounds, answers,
/// and stops on SIGTERM as it does with a working stderr (its first log
/// line panicked before).
#[test]
fn serve_runs_and_stops_with_a_full_stderr() {
    let port = free_port();
    let url = format!("redis://127.0.0.1:{}", redis_open().port);
    let mut run = railconn();
    run.args([
        "serve",
        "--no-env-file",
        "--interval",
        "1s",
        "--only",
        "redis",
    ])
    .args([
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--redis-url",
        &url,
    ])
    .env("RUST_LOG", "debug");
    let mut child = run
        .cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(dev_full())
        .spawn()
        .expect("spawn railconn serve");
    wait_for_port(port);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(20);
    while get(addr, "/healthz").0 != 200 {
        assert!(Instant::now() < deadline, "no passing round");
        assert!(child.try_wait().unwrap().is_none(), "serve died");
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill -TERM");
    let code = wait(&mut child, Duration::from_secs(10)).code();
    assert_eq!(code, Some(0));
}

/// One GET with `Connection: close`: the status and the body.
fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(5)) else {
        return (0, String::new());
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let _ = stream.write_all(request.as_bytes());
    let mut raw = String::new();
    let _ = stream.read_to_string(&mut raw);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok());
    (status.unwrap_or(0), body.to_string())
}

/// Markdown with its code spans taken out (`CommonMark` §6.1: a backtick
/// run opens a span that the next run of the same length closes): what is
/// left is what GitHub would read as markup.
fn outside_code_spans(markdown: &str) -> String {
    let mut out = String::new();
    let mut rest = markdown;
    while let Some(at) = rest.find('`') {
        out.push_str(&rest[..at]);
        let run = rest[at..].len() - rest[at..].trim_start_matches('`').len();
        let after = &rest[at + run..];
        if let Some(end) = closing(after, run) {
            rest = &after[end + run..];
        } else {
            out.push_str(&rest[at..at + run]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Where a backtick run of exactly `run` starts in `text`.
fn closing(text: &str, run: usize) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = text[from..].find('`') {
        let start = from + at;
        let len = text[start..].len() - text[start..].trim_start_matches('`').len();
        if len == run {
            return Some(start);
        }
        from = start + len;
    }
    None
}

fn assert_no_live_markup(what: &str, markdown: &str) {
    let live = outside_code_spans(markdown);
    for markup in ["<a ", "<img", "<b>", "](", "*em*", "\u{202E}"] {
        assert!(
            !live.contains(markup),
            "{what}: live {markup:?} in\n{markdown}"
        );
    }
}

/// A hostile Redis error reaches Markdown, the step summary, JUnit, JSON
/// and the text report as words, never as markup or a reordered line.
#[test]
fn a_hostile_redis_error_is_no_live_markup_anywhere() {
    let url = format!(
        "redis://127.0.0.1:{}",
        fault(Fault::RespondAfterRead(HOSTILE))
    );
    let args = [
        "check",
        "--only",
        "redis",
        "--redis-url",
        &url,
        "--timeout",
        "3s",
    ];
    let markdown = stdout(&railconn().args(args).args(["--format", "markdown"]).run());
    assert!(markdown.contains("Click here"), "{markdown}");
    assert!(markdown.contains("\\u{202e}evil"), "{markdown}");
    assert_no_live_markup("--format markdown", &markdown);

    let mut run = railconn();
    let summary = run.dir.path().join("summary.md");
    run.env("GITHUB_STEP_SUMMARY", &summary)
        .args(args)
        .args(["--format", "github"]);
    let github = stdout(&run.run());
    assert!(!github.contains('\u{202E}'), "{github}");
    let summary = std::fs::read_to_string(&summary).expect("step summary written");
    assert!(summary.contains("Click here"), "{summary}");
    assert_no_live_markup("step summary", &summary);

    let junit = stdout(&railconn().args(args).args(["--format", "junit"]).run());
    assert!(junit.contains("&lt;a href=x&gt;Click here"), "{junit}");
    assert!(
        !junit.contains("<a ") && !junit.contains('\u{202E}'),
        "{junit}"
    );

    for format in ["text", "json"] {
        let text = stdout(&railconn().args(args).args(["--format", format]).run());
        assert!(text.contains("\\u{202e}evil"), "{format}: {text}");
        assert!(!text.contains('\u{202E}'), "{format}: {text}");
    }
}

/// The status page escapes the same error (HTML escaping held before;
/// this keeps it so, and the override is shown escaped there too).
#[test]
fn the_status_page_shows_a_hostile_error_as_text() {
    let port = free_port();
    let url = format!(
        "redis://127.0.0.1:{}",
        fault(Fault::RespondAfterRead(HOSTILE))
    );
    let mut run = railconn();
    run.args([
        "serve",
        "--no-env-file",
        "--interval",
        "1s",
        "--only",
        "redis",
    ])
    .args([
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--redis-url",
        &url,
    ])
    .args(["--check-timeout", "2s"]);
    let mut child = run
        .cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn railconn serve");
    wait_for_port(port);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut page = String::new();
    while !page.contains("Click here") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        page = get(addr, "/").1;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(page.contains("&lt;a href=x&gt;Click here"), "{page}");
    assert!(
        !page.contains("<a href=x>") && !page.contains('\u{202E}'),
        "{page}"
    );
}

/// A certificate whose names and subject hold HTML: the self-signed
/// finding lists the names, as words.
#[test]
fn certificate_names_with_html_are_no_live_markup() {
    use crate::support::fault::TlsServer;
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "30", "-subj", "/CN=<i>x"])
        .args([
            "-addext",
            "subjectAltName=DNS:localhost,DNS:<b>bold</b>.test",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl");
    assert!(made.status.success(), "{made:?}");
    let server = TlsServer::start(&cert, &key);
    let url = format!("rediss://localhost:{}#insecure", server.port);
    let args = [
        "check",
        "--only",
        "redis",
        "--redis-url",
        &url,
        "--timeout",
        "3s",
    ];
    let markdown = stdout(&railconn().args(args).args(["--format", "markdown"]).run());
    assert!(markdown.contains("bold</b>.test"), "{markdown}");
    assert_no_live_markup("certificate names", &markdown);
}

/// In a terminal (a pty from util-linux `script`), with colour on, the
/// error's code is bold with real escape sequences; it was printed as the
/// text `\u{1b}[1mconnection_refused\u{1b}[0m` (issue 18).
#[test]
fn a_colour_terminal_gets_real_escapes_around_the_code() {
    let bin = env!("CARGO_BIN_EXE_railconn");
    for lang in ["en", "ru"] {
        let command = format!(
            "{bin} check --lang {lang} --no-env-file --only redis --redis-url redis://127.0.0.1:{}",
            closed_port()
        );
        let mut run = Railconn::new("script");
        run.cmd.env_remove("NO_COLOR").env("TERM", "xterm-256color");
        run.args(["-qec", &command, "/dev/null"]);
        let out = stdout(&run.run());
        assert!(
            out.contains("\u{1b}[1mconnection_refused\u{1b}[0m"),
            "{lang}: {out}"
        );
        assert!(!out.contains("\\u{1b}"), "{lang}: {out}");
    }
}
