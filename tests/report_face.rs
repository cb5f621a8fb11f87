//! Issue 23, the report a person reads: colour by `--color` and the
//! variables people set for it (`FORCE_COLOR` for CI logs, `NO_COLOR`,
//! `TERM=dumb`), each stream judged by itself; prose wrapped to a
//! terminal's width with hanging indents, and never in a pipe.

use crate::support::{Railconn, closed_port, railconn, stderr, stdout};

const ESC: char = '\u{1b}';

/// A check that fails (a refused Redis port), so the report has a bold
/// code, a cause and a fix.
fn failing(args: &[&str]) -> Railconn {
    let mut run = railconn();
    let url = format!("redis://127.0.0.1:{}", closed_port());
    run.args([
        "check",
        "--no-env-file",
        "--only",
        "redis",
        "--redis-url",
        &url,
    ])
    .args(args);
    run.cmd.env_remove("NO_COLOR");
    run
}

/// `FORCE_COLOR=1 railconn check | cat` is coloured (a CI log renders
/// colour without being a terminal); `NO_COLOR` beats it.
#[test]
fn force_color_colours_a_pipe_and_no_color_beats_it() {
    let coloured = stdout(&failing(&[]).env("FORCE_COLOR", "1").run());
    assert!(
        coloured.contains("\u{1b}[1mconnection_refused\u{1b}[0m"),
        "{coloured}"
    );
    let clicolor = stdout(&failing(&[]).env("CLICOLOR_FORCE", "1").run());
    assert!(clicolor.contains(ESC), "{clicolor}");
    let plain = stdout(
        &failing(&[])
            .env("NO_COLOR", "1")
            .env("FORCE_COLOR", "1")
            .run(),
    );
    assert!(!plain.contains(ESC), "{plain}");
    let zero = stdout(&failing(&[]).env("FORCE_COLOR", "0").run());
    assert!(!zero.contains(ESC), "{zero}");
}

/// `--color always` and `--color never` beat every variable, and the flag
/// is global: it goes before or after the command.
#[test]
fn the_flag_beats_the_variables() {
    let always = stdout(&failing(&["--color", "always"]).env("NO_COLOR", "1").run());
    assert!(always.contains(ESC), "{always}");
    let never = stdout(
        &failing(&["--color=never"])
            .env("FORCE_COLOR", "1")
            .env("CLICOLOR_FORCE", "1")
            .run(),
    );
    assert!(!never.contains(ESC), "{never}");
    let mut first = railconn();
    first.args(["--color", "always", "env", "--no-env-file"]);
    assert!(first.run().status.success());
    let bad = stderr(&railconn().args(["--color", "sometimes", "env"]).run());
    assert!(bad.contains("sometimes"), "{bad}");
}

/// The JSON, JUnit, GitHub and Markdown formats never hold an escape code,
/// whatever forces colour.
#[test]
fn machine_formats_have_no_colour() {
    for format in ["json", "junit", "github", "markdown"] {
        let out = stdout(
            &failing(&["--format", format, "--color", "always"])
                .env("FORCE_COLOR", "1")
                .run(),
        );
        assert!(!out.contains(ESC), "{format}: {out}");
    }
}

/// Runs `command` in a pty (util-linux `script`) with `vars` set; returns
/// what the terminal showed.
fn in_terminal(command: &str, vars: &[(&str, &str)]) -> String {
    let mut run = Railconn::new("script");
    run.cmd.env_remove("NO_COLOR").env("TERM", "xterm-256color");
    for (name, value) in vars {
        run.cmd.env(name, value);
    }
    run.args(["-qec", command, "/dev/null"]);
    stdout(&run.run())
}

fn check_command(lang: &str) -> String {
    format!(
        "{} check --lang {lang} --no-env-file --only redis --redis-url redis://127.0.0.1:{}",
        env!("CARGO_BIN_EXE_railconn"),
        closed_port()
    )
}

/// `TERM=dumb` turns colour off even on a terminal; on a terminal without
/// it, stdout is coloured.
#[test]
fn a_dumb_terminal_gets_no_colour() {
    let command = check_command("en");
    let dumb = in_terminal(&command, &[("TERM", "dumb")]);
    assert!(!dumb.contains(ESC), "{dumb}");
    let colour = in_terminal(&command, &[]);
    assert!(colour.contains(ESC), "{colour}");
}

/// stdout and stderr are decided apart: `wait -- true` writes its report
/// on stderr, which is the terminal here while stdout is a pipe.
#[test]
fn stderr_is_judged_by_itself() {
    let url = format!("redis://127.0.0.1:{}", closed_port());
    let bin = env!("CARGO_BIN_EXE_railconn");
    let wait = format!(
        "{bin} wait --timeout 1s --no-env-file --only redis --redis-url {url} -- true | cat"
    );
    let shown = in_terminal(&wait, &[]);
    assert!(
        shown.contains("\u{1b}[1mconnection_refused\u{1b}[0m"),
        "{shown}"
    );
    // The same report on a stderr that is a pipe has no colour.
    let mut run = railconn();
    run.args([
        "wait",
        "--timeout",
        "1s",
        "--no-env-file",
        "--only",
        "redis",
    ])
    .args(["--redis-url", &url, "--", "true"]);
    let err = stderr(&run.run());
    assert!(!err.contains(ESC), "{err}");
}

/// In a 60-column terminal the report wraps, in both languages: no line
/// is wider than 60 columns (counted by characters: the report has no
/// wide characters), the text under `cause` and `fix` hangs under its
/// first word, and the same report in a pipe keeps its long lines.
#[test]
fn a_terminal_report_wraps_at_its_width() {
    for (lang, label) in [("en", "cause"), ("ru", "Причина")] {
        let shown = in_terminal(
            &check_command(lang),
            &[("COLUMNS", "60"), ("NO_COLOR", "1")],
        );
        let lines: Vec<&str> = shown.lines().map(|l| l.trim_end_matches('\r')).collect();
        for line in &lines {
            assert!(line.chars().count() <= 60, "{lang}: {line:?}\n{shown}");
        }
        let cause = lines
            .iter()
            .position(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("{lang}: no {label}\n{shown}"));
        let line = lines[cause];
        let after_label = line.find(label).unwrap() + label.len();
        let text_column = line[..after_label].chars().count()
            + line[after_label..]
                .chars()
                .take_while(|c| *c == ' ')
                .count();
        let hang = lines[cause + 1];
        let indent = hang.chars().take_while(|c| *c == ' ').count();
        assert_eq!(indent, text_column, "{lang}:\n{shown}");

        let mut piped = failing(&["--lang", lang]);
        piped.env("COLUMNS", "60");
        let out = stdout(&piped.run());
        assert!(out.lines().any(|l| l.chars().count() > 60), "{lang}: {out}");
    }
}

/// A flag's bad value is explained in the run's language, `--lang` or the
/// locale (`duration_zero` was forced into English); clap's frame around it
/// stays English.
#[test]
fn a_bad_duration_is_explained_in_the_runs_language() {
    let by_flag = railconn()
        .args(["check", "--timeout", "0s", "--lang", "ru"])
        .run();
    assert_eq!(by_flag.status.code(), Some(2));
    assert!(
        stderr(&by_flag).contains("должно быть больше нуля"),
        "{}",
        stderr(&by_flag)
    );
    let by_locale = railconn()
        .env("LANG", "ru_RU.UTF-8")
        .args(["wait", "--timeout", "25h"])
        .run();
    assert!(
        stderr(&by_locale).contains("не больше 24h"),
        "{}",
        stderr(&by_locale)
    );
    let english = railconn().args(["check", "--timeout", "0s"]).run();
    assert!(stderr(&english).contains("must be greater than zero"));
}

/// `--format md` is Markdown, as `--output x.md` already was, with the
/// status words in the run's language.
#[test]
fn md_is_a_format_and_its_badges_are_translated() {
    let out = stdout(&failing(&["--format", "md", "--lang", "ru"]).run());
    assert!(out.starts_with("### railconn"), "{out}");
    assert!(out.contains("❌ не пройдена"), "{out}");
    assert!(!out.contains(ESC), "{out}");
}

/// `ACCESS_TOKEN_EXPIRE_MINUTES=0` warns that tokens live 0 minutes; the
/// roundtrip's detail said "exp in 1 min" beside it. It now says the
/// minute is railconn's own.
#[test]
fn a_zero_lifetime_is_not_contradicted_by_the_roundtrip() {
    let mut run = railconn();
    run.args([
        "check",
        "--no-env-file",
        "--only",
        "jwt",
        "--format",
        "json",
    ])
    .env(
        "JWT_SECRET_KEY",
        "0123456789abcdef0123456789abcdef-railconn",
    )
    .env("ACCESS_TOKEN_EXPIRE_MINUTES", "0");
    let out = stdout(&run.run());
    assert!(out.contains("live 0 minutes"), "{out}");
    assert!(!out.contains("exp in 1 min"), "{out}");
    assert!(
        out.contains("the configured 0 min would have expired it"),
        "{out}"
    );
}

/// A PostgreSQL server that closes at the `SSLRequest` is closed at the
/// tls step; the message said "during startup" («при запуске сессии»,
/// when the session starts), a step that never began.
#[test]
fn a_close_at_the_tls_step_does_not_speak_of_the_session() {
    use crate::support::{Fault, fault};
    for (lang, wrong) in [("en", "startup"), ("ru", "сесси")] {
        let url = format!(
            "postgresql://app:pw@127.0.0.1:{}/db?sslmode=require",
            fault(Fault::ReadClose)
        );
        let mut run = railconn();
        run.args([
            "check",
            "--no-env-file",
            "--only",
            "postgres",
            "--lang",
            lang,
        ])
        .args(["--database-url", &url]);
        let out = stdout(&run.run());
        let error = out
            .lines()
            .find(|l| l.contains("connection_closed"))
            .unwrap_or_else(|| panic!("{lang}: {out}"));
        assert!(error.contains(" tls"), "{lang}: {error}");
        assert!(!error.contains(wrong), "{lang}: {error}");
    }
}
