//! The command line itself: help, version, usage errors, exit codes.

use std::process::Command;

fn railconn() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_railconn"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd
}

#[test]
fn help_lists_exit_codes_and_no_values() {
    let out = railconn()
        .args(["check", "--help"])
        .env("DATABASE_URL", "postgresql://u:hunter2@h/d")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("Exit codes"), "{text}");
    assert!(!text.contains("hunter2"));
}

/// `--help` speaks to users, whole: notes for developers (which module
/// checks a flag) stay in the source, and no flag is masked away.
#[test]
fn help_names_no_internal_modules() {
    for command in ["check", "wait", "watch", "serve", "env"] {
        let out = railconn().args([command, "--help"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{command}: {text}");
        for internal in ["command::", "crate::", "Read as text"] {
            assert!(!text.contains(internal), "{command} --help: {text}");
        }
        // The usage-error masking once took "Railway's … app's" for a
        // quoted value and hid the flags between them.
        assert!(!text.contains("not shown"), "{command} --help: {text}");
    }
}

#[test]
fn usage_errors_exit_2_and_redact() {
    let out = railconn()
        .args(["check", "postgresql://u:hunter2@h/d"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("hunter2"), "{err}");
    let out = railconn()
        .args(["check", "--only", "mysql"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `watch` and `env` write text or JSON only: any other `--format` is a
/// usage error from the parser (exit 2, before anything runs), listing
/// what the command takes.
#[test]
fn a_format_the_command_cannot_write_is_a_usage_error() {
    for (command, format) in [
        ("watch", "junit"),
        ("watch", "markdown"),
        ("watch", "github"),
        ("env", "junit"),
        ("env", "markdown"),
        ("env", "github"),
    ] {
        let out = railconn()
            .args([command, "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{command} --format {format}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("invalid value") && err.contains("[possible values: text, json]"),
            "{command} --format {format}: {err}"
        );
        assert!(out.stdout.is_empty());
    }
}
