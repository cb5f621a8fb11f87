//! Bad input gets a clear message and its documented code (issue 10, item
//! 11): values that are not UTF-8, control characters in paths, an empty
//! name in a check list, a zoned IPv6 literal, a lifetime past the year
//! 9999, and SIGTERM's verdict.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use crate::harness::{JWT_SECRET, check, check_json, failure};
use crate::support::{Fault, fault, railconn, stderr, stdout};

fn message(report: &serde_json::Value, name: &str) -> String {
    check(report, name)["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn values_that_are_not_utf8_are_invalid_not_unset() {
    let mut run = railconn();
    run.env(
        "DATABASE_URL",
        OsStr::from_bytes(b"postgresql://app:p\xffss@db.invalid/app"),
    )
    .env(
        "JWT_SECRET_KEY",
        OsStr::from_bytes(b"0123456789abcdef\xfe0123456789abcdef0123456789"),
    );
    let (r, _) = check_json(&mut run, &["--only", "postgres,jwt"]);
    assert_eq!(
        failure(&r, "postgres"),
        Some(("config".into(), "invalid_url".into())),
        "{r:#}"
    );
    assert_eq!(
        failure(&r, "jwt"),
        Some(("key".into(), "invalid_key".into())),
        "{r:#}"
    );
    for name in ["postgres", "jwt"] {
        assert!(message(&r, name).contains("not UTF-8"), "{r:#}");
        assert!(!message(&r, name).contains("not set"), "{r:#}");
    }
    let out = railconn()
        .env(
            "DATABASE_URL",
            OsStr::from_bytes(b"postgresql://app:p\xffss@db.invalid/app"),
        )
        .args(["env", "--no-env-file"])
        .run();
    let text = stdout(&out);
    assert!(text.contains("not UTF-8"), "{text}");
    assert!(!text.contains("p\u{fffd}ss"), "{text}");
}

#[test]
fn a_path_with_a_line_break_cannot_inject_a_workflow_command() {
    let run = railconn();
    let path = run.dir.path().join("evil\n::warning title=pwn::injected");
    std::fs::write(
        &path,
        format!("DATABASE_URL=postgresql://app@127.0.0.1:1/app\nJWT_SECRET_KEY={JWT_SECRET}\n"),
    )
    .unwrap();
    for format in ["text", "github", "markdown", "junit", "json"] {
        let mut run = railconn();
        let out = run
            .args(["check", "--only", "postgres,jwt", "--format", format])
            .arg_path("--env-file", &path)
            .run();
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            !all.lines().any(|l| l.starts_with("::warning title=pwn")),
            "{format}:\n{all}"
        );
    }
    let out = railconn().arg_path("--env-file", &path).args(["env"]).run();
    assert!(
        !stdout(&out).lines().any(|l| l.starts_with("::warning")),
        "{}",
        stdout(&out)
    );
}

trait ArgPath {
    fn arg_path(&mut self, flag: &str, path: &std::path::Path) -> &mut Self;
}

impl ArgPath for crate::support::Railconn {
    fn arg_path(&mut self, flag: &str, path: &std::path::Path) -> &mut Self {
        self.args([OsStr::new(flag), path.as_os_str()])
    }
}

#[test]
fn an_empty_name_in_a_check_list_is_named() {
    let out = railconn()
        .args(["check", "--no-env-file", "--only", "postgres,,redis"])
        .run();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("empty check name"), "{err}");
    assert!(!err.contains("a value is required"), "{err}");
}

#[test]
fn a_zone_the_resolver_refuses_gets_its_own_cause() {
    let mut run = railconn();
    let (r, _) = check_json(
        &mut run,
        &[
            "--only",
            "postgres",
            "--database-url",
            "postgresql://app@[::1%25lo]:1/app",
        ],
    );
    assert_eq!(
        failure(&r, "postgres"),
        Some(("dns".into(), "dns_not_found".into())),
        "{r:#}"
    );
    let cause = check(&r, "postgres")["cause"].as_str().unwrap().to_string();
    assert!(cause.contains("zone"), "{cause}");
    assert!(
        !cause.contains("typo") && !cause.contains("Railway"),
        "{cause}"
    );
}

#[test]
fn a_lifetime_past_the_year_9999_is_invalid() {
    for minutes in ["99999999999999999", "99999999999999999999999"] {
        let mut run = railconn();
        run.env("JWT_SECRET_KEY", JWT_SECRET)
            .env("ACCESS_TOKEN_EXPIRE_MINUTES", minutes);
        let (r, _) = check_json(&mut run, &["--only", "jwt"]);
        assert_eq!(
            failure(&r, "jwt"),
            Some(("config".into(), "invalid_value".into())),
            "{r:#}"
        );
        assert!(message(&r, "jwt").contains("9999"), "{r:#}");
        assert!(!r.to_string().contains(minutes), "{r:#}");
    }
}

#[test]
fn sigterm_is_not_called_ctrl_c() {
    let url = format!("postgresql://app:pw@127.0.0.1:{}/db", fault(Fault::Silent));
    let mut run = railconn();
    run.args([
        "check",
        "--no-env-file",
        "--only",
        "postgres",
        "--database-url",
        &url,
        "--timeout",
        "60s",
    ]);
    run.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = run.cmd.spawn().expect("spawn check");
    thread::sleep(Duration::from_millis(800));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().expect("output");
    assert_eq!(out.status.code(), Some(143));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("SIGTERM"), "{text}");
    assert!(!text.contains("Ctrl-C"), "{text}");
}

/// Issue 18: the smaller messages say what happened. `--output /dev/tty`
/// in a process without a terminal (`setsid`: no controlling terminal)
/// spoke of a FIFO nobody reads.
#[test]
fn output_to_dev_tty_without_a_terminal_says_there_is_none() {
    let bin = env!("CARGO_BIN_EXE_railconn");
    let output = crate::support::Railconn::new("setsid")
        .env("JWT_SECRET_KEY", JWT_SECRET)
        .args([bin, "check", "--no-env-file", "--only", "jwt"])
        .args(["--output", "/dev/tty"])
        .run();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let said = stderr(&output);
    assert!(said.contains("this process has no terminal"), "{said}");
    assert!(!said.contains("FIFO"), "{said}");
}

/// `KIND:redis` is a kind selector (it was a name "no check is called
/// <a URL…>"), and a `kind:` with a colon in it is an unknown kind, with
/// the kinds listed, not "kind:<a URL…> is not a kind".
#[test]
fn kind_selectors_in_any_case_and_unknown_kinds_say_so() {
    let output = railconn()
        .env("JWT_SECRET_KEY", JWT_SECRET)
        .args([
            "check",
            "--no-env-file",
            "--only",
            "jwt",
            "--skip",
            "KIND:redis",
        ])
        .run();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));

    let output = railconn()
        .args(["check", "--no-env-file", "--only", "kind:redis:extra"])
        .run();
    assert_eq!(output.status.code(), Some(2));
    let said = stderr(&output);
    assert!(said.contains("the kind after kind: is unknown"), "{said}");
    assert!(said.contains("kind:amqp or kind:jwt"), "{said}");
    assert!(!said.contains("URL"), "{said}");
}

/// A version number too large for a comparison is said to be too large,
/// not "must start with a number".
#[test]
fn a_driver_version_too_large_says_so() {
    let output = railconn()
        .args([
            "check",
            "--no-env-file",
            "--driver",
            "pg@99999999999999999999",
        ])
        .run();
    assert_eq!(output.status.code(), Some(2));
    let said = stderr(&output);
    assert!(said.contains("is too large"), "{said}");
    assert!(!said.contains("must start with a number"), "{said}");
}
