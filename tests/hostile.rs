//! Hostile input (issue 10): peers that echo what railconn sent, files that
//! would block, signals during output, malformed replies. Every test here
//! failed before the fix it names.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use crate::harness::{check_json, failure};
use crate::support::{Railconn, railconn, stderr, stdout};

/// How a hostile Redis answers `AUTH`.
#[derive(Clone, Copy)]
enum Echo {
    /// Redis with `AUTH` renamed: "unknown command 'AUTH', with args
    /// beginning with: 'arg' 'arg' ".
    RedisFormat,
    /// A peer of unknown kind that repeats the arguments in its own words.
    Unknown,
}

/// A fake Redis on 127.0.0.1 that answers each command of the pipeline:
/// AUTH with an echo of its arguments, PING with PONG, anything else with
/// an empty bulk string.
fn echo_peer(echo: Echo) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || serve_echo(echo, stream));
        }
    });
    port
}

fn serve_echo(echo: Echo, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut input = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let Ok(n) = stream.read(&mut buf) else { return };
        if n == 0 {
            return;
        }
        input.extend_from_slice(&buf[..n]);
        while let Some((command, used)) = parse_command(&input) {
            input.drain(..used);
            let _ = stream.write_all(&reply(echo, &command));
        }
    }
}

/// One RESP array of bulk strings, and the bytes it took.
fn parse_command(input: &[u8]) -> Option<(Vec<Vec<u8>>, usize)> {
    let line = |at: usize| -> Option<(&[u8], usize)> {
        let end = input[at..].windows(2).position(|w| w == b"\r\n")? + at;
        Some((&input[at + 1..end], end + 2))
    };
    let (count, mut at) = line(0)?;
    let count: usize = std::str::from_utf8(count).ok()?.parse().ok()?;
    let mut args = Vec::new();
    for _ in 0..count {
        let (len, start) = line(at)?;
        let len: usize = std::str::from_utf8(len).ok()?.parse().ok()?;
        if input.len() < start + len + 2 {
            return None;
        }
        args.push(input[start..start + len].to_vec());
        at = start + len + 2;
    }
    Some((args, at))
}

fn reply(echo: Echo, command: &[Vec<u8>]) -> Vec<u8> {
    let name = String::from_utf8_lossy(&command[0]).to_ascii_uppercase();
    match name.as_str() {
        "AUTH" => {
            let mut out = match echo {
                Echo::RedisFormat => {
                    b"-ERR unknown command 'AUTH', with args beginning with: ".to_vec()
                }
                Echo::Unknown => b"-ERR you sent ".to_vec(),
            };
            for arg in &command[1..] {
                // Redis turns CR and LF into spaces in an error line.
                let arg: Vec<u8> = arg
                    .iter()
                    .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
                    .collect();
                out.extend_from_slice(b"'");
                out.extend_from_slice(&arg);
                out.extend_from_slice(b"' ");
            }
            out.extend_from_slice(b"\r\n");
            out
        }
        "PING" => b"+PONG\r\n".to_vec(),
        _ => b"$0\r\n\r\n".to_vec(),
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Runs check against the echoing peer; returns everything printed.
fn echoed_output(echo: Echo, user: &str, password: &str, jwt_secret: Option<&str>) -> String {
    let port = echo_peer(echo);
    let url = format!(
        "redis://{}:{}@127.0.0.1:{port}",
        encode(user),
        encode(password)
    );
    let mut run = railconn();
    if let Some(secret) = jwt_secret {
        run.env("JWT_SECRET_KEY", secret);
    }
    let only = if jwt_secret.is_some() {
        "redis,jwt"
    } else {
        "redis"
    };
    let (report, output) = check_json(&mut run, &["--only", only, "--redis-url", &url]);
    assert_eq!(
        failure(&report, "redis").map(|(_, code)| code).as_deref(),
        Some("auth_failed"),
        "{report:#}"
    );
    format!("{}{}", stdout(&output), stderr(&output))
}

#[test]
fn an_echo_of_auth_never_shows_the_password() {
    let passwords = [
        "a",
        "ab",
        "tab\there-secret",
        "new\nline-secret",
        "1234567\u{e9}-multibyte",
        "127",
    ];
    for echo in [Echo::RedisFormat, Echo::Unknown] {
        for password in passwords {
            let printed = echoed_output(echo, "default", password, None);
            let flat = password.replace(['\n', '\t'], " ");
            for shown in [password, flat.as_str()] {
                assert!(
                    !printed.contains(&format!("'{shown}'")),
                    "{password:?} shown:\n{printed}"
                );
            }
            if password.len() > 3 {
                assert!(
                    !printed.contains(&flat[..4]),
                    "{password:?} shown:\n{printed}"
                );
            }
        }
    }
}

#[test]
fn one_secret_inside_another_leaves_no_tail() {
    for echo in [Echo::RedisFormat, Echo::Unknown] {
        let printed = echoed_output(echo, "default", "hunter2", Some("hunter2-Redis-Tail-77"));
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("Redis-Tail-77"), "{printed}");
    }
}

#[test]
fn a_sqlcipher_passphrase_is_never_printed() {
    for url in [
        "sqlite+pysqlcipher://:passphrase-42@/app.db",
        "sqlite:///app.db?password=passphrase-42",
    ] {
        let mut run = railconn();
        let output = run
            .env("RUST_LOG", "debug")
            .env("DATABASE_URL", url)
            .args(["check", "--no-env-file", "--only", "postgres"])
            .run();
        let printed = format!("{}{}", stdout(&output), stderr(&output));
        assert!(!printed.contains("passphrase-42"), "{printed}");
        assert!(printed.contains("app.db"), "{printed}");
        let output = railconn()
            .env("DATABASE_URL", url)
            .args(["env", "--no-env-file"])
            .run();
        let printed = format!("{}{}", stdout(&output), stderr(&output));
        assert!(!printed.contains("passphrase-42"), "{printed}");
        assert!(printed.contains("app.db"), "{printed}");
    }
}

fn mkfifo(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let status = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    path
}

#[test]
fn a_fifo_as_output_env_file_or_step_summary_never_blocks() {
    let mut run = railconn();
    let fifo = mkfifo(run.dir.path(), "out.json");
    let output = run
        .env("JWT_SECRET_KEY", crate::harness::JWT_SECRET)
        .args(["check", "--no-env-file", "--only", "jwt", "--output"])
        .args([&fifo])
        .run_with_timeout(Duration::from_secs(20));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("FIFO"), "{}", stderr(&output));

    // Nothing writes the FIFO: an error after --timeout, not an empty file
    // that would let the gate pass on the process environment alone.
    let mut run = railconn();
    let fifo = mkfifo(run.dir.path(), "vars.env");
    let output = run
        .env("JWT_SECRET_KEY", crate::harness::JWT_SECRET)
        .args(["check", "--only", "jwt", "--timeout", "1s", "--env-file"])
        .args([&fifo])
        .run_with_timeout(Duration::from_secs(20));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("FIFO"), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("nothing wrote"),
        "{}",
        stderr(&output)
    );

    let mut run = railconn();
    let fifo = mkfifo(run.dir.path(), "summary.md");
    let output = run
        .env("JWT_SECRET_KEY", crate::harness::JWT_SECRET)
        .env("GITHUB_STEP_SUMMARY", &fifo)
        .args([
            "check",
            "--no-env-file",
            "--only",
            "jwt",
            "--format",
            "github",
        ])
        .run_with_timeout(Duration::from_secs(20));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn help_and_version_into_a_full_disk_or_closed_pipe_do_not_panic() {
    for args in [["--help"], ["--version"]] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let output = railconn()
            .args(args)
            .cmd
            .stdout(full)
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("run");
        assert_ne!(output.status.code(), Some(101), "{}", stderr(&output));
        assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));

        let mut child = railconn()
            .args(args)
            .cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("wait");
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    }
}

#[test]
fn a_report_that_cannot_be_written_is_exit_2() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let output = railconn()
        .env("JWT_SECRET_KEY", crate::harness::JWT_SECRET)
        .args(["check", "--no-env-file", "--only", "jwt"])
        .cmd
        .stdout(full)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

/// `watch --format json` into a pipe nobody reads: once the pipe is full,
/// SIGINT and SIGTERM still end it, with 130 and 143.
#[test]
fn watch_into_an_unread_pipe_obeys_signals() {
    for (signal, code) in [("-INT", 130), ("-TERM", 143)] {
        let mut run = railconn();
        run.env("JWT_SECRET_KEY", crate::harness::JWT_SECRET).args([
            "watch",
            "--no-env-file",
            "--only",
            "jwt",
            "--format",
            "json",
            "--interval",
            "1ms",
        ]);
        let mut child = run
            .cmd
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn watch");
        // Enough rounds to fill a 64 KiB pipe buffer.
        thread::sleep(Duration::from_secs(3));
        let _ = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = child.try_wait().expect("poll") {
                break Some(status);
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                break None;
            }
            thread::sleep(Duration::from_millis(20));
        };
        let status = status.expect("watch ignored the signal while its output was blocked");
        assert_eq!(status.code(), Some(code));
    }
}

#[test]
fn watch_count_zero_is_a_usage_error() {
    let output = railconn()
        .args(["watch", "--no-env-file", "--count", "0"])
        .run();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--count"), "{}", stderr(&output));
}

/// (check, step, code, message, cause) of the failed check.
fn failed(report: &serde_json::Value, name: &str) -> (String, String, String) {
    let check = crate::harness::check(report, name);
    (
        check["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        check["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        check["cause"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn malformed_redis_replies_are_protocol_errors() {
    use crate::support::{Fault, fault};
    let nested: &'static [u8] = Box::leak(
        [b"*1\r\n".repeat(101), b":1\r\n".to_vec()]
            .concat()
            .into_boxed_slice(),
    );
    for (bytes, says) in [
        (&b":notanumber\r\n"[..], "notanumber"),
        (&b"-ERR \xff\xfe bad\r\n"[..], "not UTF-8"),
        (nested, "nested deeper than 100"),
    ] {
        let url = format!(
            "redis://:pw@127.0.0.1:{}",
            fault(Fault::RespondAfterRead(bytes))
        );
        let (report, _) = check_json(&mut railconn(), &["--only", "redis", "--redis-url", &url]);
        let (code, message, _) = failed(&report, "redis");
        assert_eq!(code, "protocol_error", "{report:#}");
        assert!(message.contains(says), "{report:#}");
    }
}

#[test]
fn malformed_postgres_messages_are_protocol_errors() {
    use crate::support::{Fault, fault};
    for (bytes, says) in [
        (&b"R\0\0\0\x09\0\0\0\x05\x01"[..], "1-byte salt"),
        (&b"E\0\0\0\x04"[..], "without any field"),
        (&b"E\0\0\0\x05\0"[..], "without any field"),
    ] {
        let url = format!(
            "postgresql://app:pw@127.0.0.1:{}/db?sslmode=disable",
            fault(Fault::RespondAfterRead(bytes))
        );
        let (report, _) = check_json(
            &mut railconn(),
            &["--only", "postgres", "--database-url", &url],
        );
        let (code, message, _) = failed(&report, "postgres");
        assert_eq!(code, "protocol_error", "{report:#}");
        assert!(message.contains(says), "{report:#}");
    }
}

#[test]
fn wait_does_not_retry_a_malformed_reply() {
    use crate::support::{Fault, fault};
    let url = format!(
        "redis://:pw@127.0.0.1:{}",
        fault(Fault::RespondAfterRead(b":nan\r\n"))
    );
    let started = std::time::Instant::now();
    let output = railconn()
        .args([
            "wait",
            "--no-env-file",
            "--only",
            "redis",
            "--timeout",
            "30s",
            "--redis-url",
            &url,
        ])
        .run();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn redis_at_maxclients_is_too_many_connections() {
    // What Redis does at maxclients: write the error on accept, then close.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.write_all(b"-ERR max number of clients reached\r\n");
        }
    });
    let url = format!("redis://:pw@127.0.0.1:{port}");
    let (report, _) = check_json(&mut railconn(), &["--only", "redis", "--redis-url", &url]);
    let (code, message, _) = failed(&report, "redis");
    assert_eq!(code, "too_many_connections", "{report:#}");
    assert!(message.contains("max number of clients"), "{report:#}");
}

#[test]
fn per_role_and_per_database_refusals_get_their_own_causes() {
    let pg = crate::support::pg_plain();
    // One statement per call: CREATE DATABASE refuses a transaction block.
    for sql in [
        "CREATE ROLE capped LOGIN PASSWORD 'capped-pw' CONNECTION LIMIT 0",
        "CREATE ROLE onlyone LOGIN PASSWORD 'onlyone-pw' CONNECTION LIMIT 1",
        "CREATE DATABASE closeddb ALLOW_CONNECTIONS false",
        "CREATE DATABASE fulldb CONNECTION LIMIT 0",
    ] {
        pg.admin_psql(sql);
    }
    let db = crate::support::postgres::DB;
    let app = crate::support::postgres::APP_PASSWORD;
    let cases = [
        (
            pg.url("capped", "capped-pw", db, ""),
            "too_many_connections",
            "role's own connection limit",
        ),
        (
            pg.url("app", app, "fulldb", ""),
            "too_many_connections",
            "database's own connection limit",
        ),
        (
            pg.url("app", app, "closeddb", ""),
            "access_denied",
            "ALLOW_CONNECTIONS false",
        ),
        // Counted in the headroom facts: its one slot is the check's own.
        (
            pg.url("onlyone", "onlyone-pw", db, ""),
            "too_many_connections",
            "",
        ),
    ];
    for (url, want, cause) in cases {
        let (report, _) = check_json(
            &mut railconn(),
            &["--only", "postgres", "--database-url", &url],
        );
        let (code, message, said) = failed(&report, "postgres");
        assert_eq!(code, want, "{report:#}");
        assert!(said.contains(cause), "{report:#}");
        if cause.is_empty() {
            assert!(message.contains("CONNECTION LIMIT"), "{report:#}");
        }
    }
}

/// A shell that writes `text` to `fifo` after `delay_s` seconds, as
/// `railway variables --kv` writes after its API call.
fn slow_writer(fifo: &std::path::Path, delay_s: &str, text: &str) -> std::process::Child {
    std::process::Command::new("sh")
        .args([
            "-c",
            "sleep \"$1\"; printf '%s\\n' \"$2\" > \"$3\"",
            "sh",
            delay_s,
            text,
        ])
        .arg(fifo)
        .spawn()
        .expect("spawn sh")
}

#[test]
fn an_env_file_fifo_or_pipe_is_waited_for_within_the_timeout() {
    // 3 s: longer than the fixed 2 s railconn used to allow.
    let mut run = railconn();
    let fifo = mkfifo(run.dir.path(), "vars.env");
    let secret = format!("JWT_SECRET_KEY={}", crate::harness::JWT_SECRET);
    let mut writer = slow_writer(&fifo, "3", &secret);
    let output = run
        .args(["check", "--only", "jwt", "--json", "--env-file"])
        .args([&fifo])
        .run_with_timeout(Duration::from_secs(30));
    let _ = writer.kill();
    let _ = writer.wait();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    // bash's `<(…)`: an anonymous pipe whose writer is slow.
    let bin = env!("CARGO_BIN_EXE_railconn");
    let script = format!(
        "exec \"$0\" check --only jwt --json --env-file <(sleep 3; printf '%s\\n' '{secret}')"
    );
    let output = Railconn::new("bash")
        .args(["-c", &script, bin])
        .run_with_timeout(Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

/// A URL typed where a check name, code or driver belongs is quoted back
/// by the warning or error about it: the password must not be (walkthrough
/// of 2026-12-02: `--only`, `--allow CODE@CHECK` and `--driver NAME@VERSION`
/// printed it, cut at the `@` where redaction could not see it).
#[test]
fn a_url_typed_as_a_name_code_or_driver_is_not_echoed() {
    let url = "redis://:S3cretPW_zz@h";
    let query = "postgresql://db/x?password=S3cretPW_zz";
    for flag in ["--only", "--skip", "--optional", "--allow", "--driver"] {
        for value in [url, query, "app:S3cretPW_zz@db"] {
            let output = railconn()
                .env("JWT_SECRET_KEY", crate::harness::JWT_SECRET)
                .args(["check", "--no-env-file", flag, value])
                .run();
            let printed = format!("{}{}", stdout(&output), stderr(&output));
            assert!(
                !printed.contains("S3cretPW_zz"),
                "{flag} {value}: {printed}"
            );
            assert_ne!(output.status.code(), Some(101), "{printed}");
        }
    }
    for value in [url, query] {
        let output = railconn()
            .args(["check", "--no-env-file", "--only", &format!("kind:{value}")])
            .run();
        assert!(
            !stderr(&output).contains("S3cretPW_zz"),
            "{}",
            stderr(&output)
        );
    }
}

/// Exit 2 means nothing was judged: an `--output` in a missing directory
/// used to come after a complete report on stdout (walkthrough of
/// 2026-12-02).
#[test]
fn an_output_in_a_missing_directory_is_refused_before_the_checks() {
    let output = railconn()
        .env("JWT_SECRET_KEY", crate::harness::JWT_SECRET)
        .args(["check", "--no-env-file", "--only", "jwt", "--json"])
        .args(["--output", "/nonexistent-railconn-dir/report.json"])
        .run();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("/nonexistent-railconn-dir/report.json"),
        "{}",
        stderr(&output)
    );
}

/// `<(false)`: the command behind the pipe wrote nothing (say, `railway
/// variables --kv` while logged out). That is exit 2 at once, not an empty
/// file that leaves the gate to the process environment alone; a named FIFO
/// whose writer closes without writing is exit 2 at the deadline.
#[test]
fn an_env_file_pipe_that_delivers_nothing_is_exit_2() {
    let bin = env!("CARGO_BIN_EXE_railconn");
    let output = Railconn::new("bash")
        .env("JWT_SECRET_KEY", crate::harness::JWT_SECRET)
        .args([
            "-c",
            "exec \"$0\" check --only jwt --env-file <(false)",
            bin,
        ])
        .run_with_timeout(Duration::from_secs(20));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("wrote nothing"),
        "{}",
        stderr(&output)
    );
    assert!(
        !stderr(&output).contains("--env-file /dev/fd"),
        "{}",
        stderr(&output)
    );

    let mut run = railconn();
    let fifo = mkfifo(run.dir.path(), "vars.env");
    // Opens the FIFO for writing and closes it without a byte.
    let mut writer = std::process::Command::new("sh")
        .args(["-c", ": > \"$1\"", "sh"])
        .arg(&fifo)
        .spawn()
        .expect("spawn sh");
    let output = run
        .env("JWT_SECRET_KEY", crate::harness::JWT_SECRET)
        .args(["check", "--only", "jwt", "--timeout", "1s", "--env-file"])
        .args([&fifo])
        .run_with_timeout(Duration::from_secs(20));
    let _ = writer.kill();
    let _ = writer.wait();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

/// `wait --timeout` bounds the whole wait: a slow `--env-file` pipe is
/// part of it, not added to it (review of 2026-12-02: 2 s became 3.9 s).
#[test]
fn wait_timeout_includes_reading_a_slow_env_file_pipe() {
    let port = crate::support::fault::closed_port();
    let bin = env!("CARGO_BIN_EXE_railconn");
    let script = format!(
        "exec \"$0\" wait --only redis --timeout 3s --env-file \
         <(sleep 2.5; echo REDIS_URL=redis://127.0.0.1:{port})"
    );
    let started = std::time::Instant::now();
    let output = Railconn::new("bash")
        .args(["-c", &script, bin])
        .run_with_timeout(Duration::from_secs(30));
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    // Before: 2.5 s of pipe, then 3 s of waiting. The bound leaves 2 s of
    // slack for a loaded machine.
    assert!(
        took < Duration::from_secs(5),
        "{took:?}: {}",
        stderr(&output)
    );
}

/// An `--output` that names a directory is refused before the checks, as
/// a missing directory is.
#[test]
fn an_output_that_is_a_directory_is_refused_before_the_checks() {
    let run = railconn();
    let dir = run.dir.path().to_path_buf();
    let dash = std::path::PathBuf::from("-");
    for target in [dir.clone(), dir.join("missing/"), dash] {
        let output = railconn()
            .env("JWT_SECRET_KEY", crate::harness::JWT_SECRET)
            .args(["check", "--no-env-file", "--only", "jwt", "--output"])
            .args([&target])
            .run();
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    }
}

// Issue 18: with no descriptor left, a probe's socket() and getaddrinfo
// fail with EMFILE, which was reported as `network_unreachable` with IPv6
// advice. Thirty checks under a limit of 16 descriptors run out for sure.
#[test]
fn running_out_of_descriptors_is_local_resources_not_the_network() {
    let port = crate::support::redis_open().port;
    let mut run = Railconn::new("prlimit");
    run.args([
        "--nofile=16:16",
        env!("CARGO_BIN_EXE_railconn"),
        "check",
        "--no-env-file",
        "--only",
        "kind:redis",
        "--format",
        "json",
    ]);
    for i in 0..30 {
        run.args(["--target", &format!("R{i}=redis://localhost:{port}")]);
    }
    let out = run.run();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(text.contains("\"local_resources\""), "{text}");
    assert!(text.contains("EMFILE"), "{text}");
    assert!(!text.contains("network_unreachable"), "{text}");
}

/// A `uv.lock` of just under 16 MiB (railconn's limit) as uv writes it:
/// thousands of packages with sdists and wheels, `asyncpg` last.
fn huge_uv_lock(dir: &std::path::Path) -> u64 {
    let mut text = String::from("version = 1\nrequires-python = \">=3.11\"\n\n");
    let hash = "0".repeat(64);
    for i in 0.. {
        let block = format!(
            "[[package]]\nname = \"pkg-{i}\"\nversion = \"1.{i}.0\"\n\
             source = {{ registry = \"https://pypi.org/simple\" }}\n\
             dependencies = [\n    {{ name = \"pkg-{next}\" }},\n]\n\
             sdist = {{ url = \"https://files.example/pkg-{i}-1.{i}.0.tar.gz\", hash = \"sha256:{hash}\", size = 123456 }}\n\
             wheels = [\n    {{ url = \"https://files.example/pkg_{i}-1.{i}.0-py3-none-any.whl\", hash = \"sha256:{hash}\", size = 65432 }},\n]\n\n",
            next = i + 1
        );
        if text.len() + block.len() > 16 * 1024 * 1024 - 4096 {
            break;
        }
        text.push_str(&block);
    }
    text.push_str("[[package]]\nname = \"asyncpg\"\nversion = \"0.30.0\"\n");
    std::fs::write(dir.join("uv.lock"), &text).unwrap();
    std::fs::write(dir.join("requirements.txt"), "asyncpg\n").unwrap();
    text.len() as u64
}

/// Peak RSS in bytes of `railconn check` over the app in `dir`, and its
/// JSON report (`/usr/bin/time -f %M`: KiB).
fn check_peak_rss(dir: &std::path::Path) -> (u64, String) {
    let mut run = Railconn::new("/usr/bin/time");
    run.args(["-f", "peak=%M", env!("CARGO_BIN_EXE_railconn")])
        .args([
            "check",
            "--no-env-file",
            "--only",
            "jwt",
            "--format",
            "json",
        ])
        .args([std::ffi::OsStr::new("--app-dir"), dir.as_os_str()])
        .env(
            "JWT_SECRET_KEY",
            "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
        );
    let out = run.run();
    let err = stderr(&out);
    let kib: u64 = err
        .rsplit("peak=")
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS in {err}"));
    (kib * 1024, stdout(&out))
}

// Issue 18: a 16 MiB uv.lock parsed into a TOML tree cost 740 MB of RSS.
#[test]
fn a_16_mib_lockfile_costs_less_than_four_times_its_size() {
    let dir = tempfile::TempDir::new().unwrap();
    let size = huge_uv_lock(dir.path());
    let (peak, report) = check_peak_rss(dir.path());
    assert!(report.contains("\"0.30.0\""), "{report}");
    assert!(
        peak < 4 * size,
        "peak RSS {} MiB for a {} MiB uv.lock",
        peak >> 20,
        size >> 20
    );
}
