//! The README and the pages in `docs/` stay true (issue 23): every relative
//! link resolves to a file and, with an `#anchor`, to a heading of it; and
//! every example marked `<!-- example: … -->` just before its ```` ```console````
//! block is run, as lychee runs the examples of its README, and what it
//! prints must be what the block shows, up to timings and ports.
//!
//! Examples run in a mount namespace whose `nsswitch.conf` reads
//! `/etc/hosts` only (as `support::without_dns` does), so a name such as
//! `cache.invalid` fails there without a query to the machine's resolver;
//! `postgres@127.0.0.1:5432` and `127.0.0.1:6379` in a command are the test
//! support's own PostgreSQL (`trustuser` on `pg_plain`) and Redis
//! (`redis_open`), and their real ports are written back before comparing.
//! `UPDATE_EXAMPLES=1 cargo test --test integration docs` rewrites the
//! shown output that differs beyond timings from a run; review the diff.
//! Last, the README stays a front door: at most 400 lines, with a docs
//! index that links every page in `docs/`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{Railconn, pg_plain, redis_open, stdout};

/// The repository's root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The pages this test holds to: the README, CONTRIBUTING.md and docs/*.md.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![root().join("README.md"), root().join("CONTRIBUTING.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(root().join("docs"))
        .expect("read docs/")
        .map(|entry| entry.expect("docs/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// Whether `line` opens or closes a fenced code block.
fn is_fence(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("```") || line.starts_with("~~~")
}

/// The lines of `text` outside fenced code blocks.
fn prose(text: &str) -> Vec<&str> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if is_fence(line) {
            fenced = !fenced;
        } else if !fenced {
            lines.push(line);
        }
    }
    lines
}

/// `line` without its code spans, whose brackets are not links.
fn without_code(line: &str) -> String {
    line.split('`').step_by(2).collect::<Vec<_>>().join(" ")
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces
/// as hyphens (letters of any script, digits, `-` and `_` kept).
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown page's headings, a repeated one numbered as
/// GitHub numbers it (`name`, `name-1`, …).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for line in prose(text) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = slug(&line[hashes..].replace('`', ""));
        let mut anchor = base.clone();
        let mut n = 0;
        while seen.contains(&anchor) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        seen.insert(anchor);
    }
    seen
}

/// The targets of the inline links (`[text](target)`) in `text`'s prose.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    for line in prose(text) {
        let line = without_code(line);
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let end = rest.find(')').unwrap_or(rest.len());
            targets.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    targets
}

/// Why `target`, linked from `page`, does not resolve (`None` when it does).
fn broken(page: &Path, target: &str) -> Option<String> {
    if target.contains("://") || target.starts_with("mailto:") {
        return None;
    }
    let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
    let file = if path.is_empty() {
        page.to_path_buf()
    } else {
        page.parent().expect("page's folder").join(path)
    };
    if !file.exists() {
        return Some(format!("{target}: no such file"));
    }
    if anchor.is_empty() {
        return None;
    }
    if file.extension().is_none_or(|ext| ext != "md") {
        return Some(format!(
            "{target}: an anchor into a file that is not Markdown"
        ));
    }
    let text = fs::read_to_string(&file).expect("read the linked page");
    (!anchors(&text).contains(anchor)).then(|| format!("{target}: no heading `#{anchor}`"))
}

#[test]
fn docs_links_resolve_to_files_and_headings() {
    let mut problems = Vec::new();
    for page in pages() {
        let text = fs::read_to_string(&page).expect("read page");
        for target in link_targets(&text) {
            if let Some(why) = broken(&page, &target) {
                problems.push(format!("{}: {why}", page.display()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn docs_link_checker_sees_anchors_as_github_does() {
    let text = "# Run a check\n## PostgreSQL TLS\n## `wait` and providers\n## Exit codes\n## Exit codes\n```sh\n# not a heading\n```\n## Что работает\n";
    let anchors = anchors(text);
    for anchor in [
        "run-a-check",
        "postgresql-tls",
        "wait-and-providers",
        "exit-codes",
        "exit-codes-1",
        "что-работает",
    ] {
        assert!(anchors.contains(anchor), "{anchor}: {anchors:?}");
    }
    assert!(!anchors.contains("not-a-heading"));
    assert_eq!(
        link_targets("see [a](b.md#c) and `[x](y)`\n```\n[no](link)\n```\n"),
        ["b.md#c"]
    );
}

/// One marked example: where it sits, its commands and the output shown.
struct Example {
    page: PathBuf,
    /// Index of the block's first line after the opening fence.
    first: usize,
    /// Index of the closing fence.
    end: usize,
    commands: Vec<String>,
    /// What the block shows after each command.
    shown: Vec<String>,
}

/// The examples marked `<!-- example` right before a ```` ```console ````
/// block in `page`.
fn examples(page: &Path) -> Vec<Example> {
    let text = fs::read_to_string(page).expect("read page");
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        if !line.starts_with("<!-- example") {
            continue;
        }
        assert_eq!(
            lines.get(at + 1).copied(),
            Some("```console"),
            "{}:{}: an example marker must sit right before a ```console block",
            page.display(),
            at + 1
        );
        let first = at + 2;
        let end = first
            + lines[first..]
                .iter()
                .position(|l| is_fence(l))
                .expect("the example's closing fence");
        let (commands, shown) = split_session(&lines[first..end]);
        found.push(Example {
            page: page.to_path_buf(),
            first,
            end,
            commands,
            shown,
        });
    }
    found
}

/// A console session's commands (`$ …`, a trailing `\` continuing it on
/// the next line), each with the output shown after it.
fn split_session(lines: &[&str]) -> (Vec<String>, Vec<String>) {
    let mut commands: Vec<String> = Vec::new();
    let mut shown: Vec<String> = Vec::new();
    let mut continued = false;
    for line in lines {
        if continued {
            let last = commands.last_mut().expect("a command to continue");
            last.push('\n');
            last.push_str(line);
        } else if let Some(command) = line.strip_prefix("$ ") {
            commands.push(command.to_string());
            shown.push(String::new());
        } else {
            let output = shown.last_mut().expect("a command before the output");
            output.push_str(line);
            output.push('\n');
            continue;
        }
        continued = line.ends_with('\\');
    }
    (commands, shown)
}

/// The example's loopback addresses and the test support's servers that
/// stand in for them, longest first (a user and an address, then the
/// address alone), in both directions.
fn servers(script: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    if script.contains("postgres@127.0.0.1:5432") {
        let port = pg_plain().port;
        pairs.push((
            "postgres@127.0.0.1:5432".to_string(),
            format!("trustuser@127.0.0.1:{port}"),
        ));
        pairs.push(("127.0.0.1:5432".to_string(), format!("127.0.0.1:{port}")));
    }
    if script.contains("127.0.0.1:6379") {
        let port = redis_open().port;
        pairs.push(("127.0.0.1:6379".to_string(), format!("127.0.0.1:{port}")));
    }
    pairs
}

/// Marks the end of one command's output in a session's run.
const NEXT: &str = "@@railconn-docs-next-command@@\n";

/// Runs `commands` in one `sh` where names resolve from `/etc/hosts` only,
/// the freshly built railconn first on `PATH`, stderr into stdout; returns
/// what each printed. `None` when this machine cannot make mount
/// namespaces.
fn run_without_dns(commands: &[String]) -> Option<Vec<String>> {
    let script = commands.iter().fold(String::new(), |mut script, c| {
        let _ = writeln!(
            script,
            "{c}\nstatus=$?; printf '%s' '{NEXT}'; (exit $status)"
        );
        script
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let nss = dir.path().join("nsswitch.conf");
    let resolv = dir.path().join("resolv.conf");
    fs::write(&nss, "hosts: files\n").expect("write nsswitch.conf");
    fs::write(
        &resolv,
        "nameserver 127.0.0.9\noptions timeout:1 attempts:1\n",
    )
    .expect("write resolv.conf");
    let bin = Path::new(env!("CARGO_BIN_EXE_railconn"))
        .parent()
        .expect("the binary's folder")
        .to_path_buf();
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".to_string());
    let wrapper = r#"mount --bind "$1" /etc/nsswitch.conf && mount --bind "$2" /etc/resolv.conf && echo ready && exec sh -c "exec 2>&1; $3""#;
    let mut run = Railconn::new("unshare");
    run.args(["--mount", "sh", "-c", wrapper, "sh"])
        .args([nss.as_os_str(), resolv.as_os_str()])
        .args([script.as_str()])
        .env("PATH", format!("{}:{path}", bin.display()));
    let out = stdout(&run.run());
    let Some(out) = out.strip_prefix("ready\n") else {
        eprintln!("skipped: no mount namespace here: {out}");
        return None;
    };
    let mut printed: Vec<String> = out.split(NEXT).map(str::to_string).collect();
    printed.pop();
    assert_eq!(printed.len(), commands.len(), "{out}");
    Some(printed)
}

/// What may differ between two runs of the same example: timings (`1.5 ms`,
/// `3,0 мс`, `"duration_ms": 0.3`, JUnit's `time="0.001"`), the alignment
/// that follows their width, and the servers' versions (`Redis 7.0.15,`).
fn normalise(text: &str) -> String {
    let units = ["ms", "s", "мс", "с"];
    let mut lines = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split(' ').filter(|w| !w.is_empty()).collect();
        let mut out: Vec<String> = Vec::new();
        let mut skip = false;
        for (i, word) in words.iter().enumerate() {
            if skip {
                skip = false;
                continue;
            }
            let number = word.trim_start_matches('(');
            let unit = words.get(i + 1).map_or("", |next| {
                next.trim_end_matches(|c: char| !c.is_alphanumeric())
            });
            let after_key = i > 0 && words[i - 1].ends_with("\"duration_ms\":");
            if after_key && is_number(word.trim_end_matches(',')) {
                out.push(format!(
                    "<number>{}",
                    if word.ends_with(',') { "," } else { "" }
                ));
            } else if is_version(word.trim_end_matches(',')) {
                out.push(format!(
                    "<version>{}",
                    if word.ends_with(',') { "," } else { "" }
                ));
            } else if is_number(number) && units.contains(&unit) {
                let next = words[i + 1];
                let prefix = &word[..word.len() - number.len()];
                out.push(format!("{prefix}<time>{}", &next[unit.len()..]));
                skip = true;
            } else {
                out.push(duration_ms(word));
            }
        }
        lines.push(out.join(" "));
    }
    lines.join("\n")
}

/// `word` with any number after `"duration_ms":` (JSON) or `time="`
/// (JUnit) replaced.
fn duration_ms(word: &str) -> String {
    let Some((at, key)) = ["\"duration_ms\":", "time=\""]
        .iter()
        .find_map(|key| word.find(key).map(|at| (at, key.len())))
    else {
        return word.to_string();
    };
    let value = &word[at + key..];
    let len = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(value.len());
    if len == 0 {
        return word.to_string();
    }
    format!("{}<number>{}", &word[..at + key], &value[len..])
}

/// A server's version, `7.0.15`: three dotted numbers (an IPv4 address
/// has four), which differ between the machines the tests run on.
fn is_version(word: &str) -> bool {
    let parts: Vec<&str> = word.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// Digits with at most one `.` or `,` between them.
fn is_number(word: &str) -> bool {
    let mut parts = word.splitn(2, ['.', ',']);
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    parts.next().is_some_and(digits) && parts.next().is_none_or(digits)
}

#[test]
fn docs_example_normalising_keeps_what_matters() {
    assert_eq!(
        normalise(
            "  ✓ redis    redis://127.0.0.1:6391  1.5 ms\n  checked in 3,0 мс (exp in 15 min)"
        ),
        "✓ redis redis://127.0.0.1:6391 <time>\nchecked in <time> (exp in 15 min)"
    );
    assert_eq!(
        normalise("\"duration_ms\": 56.784,\n{\"duration_ms\":1.24}"),
        "\"duration_ms\": <number>,\n{\"duration_ms\":<number>}"
    );
    assert_eq!(normalise("(0.4 ms)"), "(<time>)");
    assert_eq!(
        normalise("PONG, Redis 7.0.15, db 0 via 127.0.0.1"),
        "PONG, Redis <version>, db 0 via 127.0.0.1"
    );
    assert_eq!(
        normalise("<testcase name=\"redis\" time=\"0.001\">"),
        "<testcase name=\"redis\" time=\"<number>\">"
    );
}

#[test]
fn docs_examples_print_what_they_show() {
    let update = std::env::var_os("UPDATE_EXAMPLES").is_some();
    let mut failures = Vec::new();
    let mut ran = 0;
    for page in pages() {
        let mut rewritten: Vec<(usize, usize, String)> = Vec::new();
        for example in examples(&page) {
            let pairs = servers(&example.commands.join("\n"));
            let local: Vec<String> = example
                .commands
                .iter()
                .map(|c| {
                    pairs
                        .iter()
                        .fold(c.clone(), |c, (shown, real)| c.replace(shown, real))
                })
                .collect();
            let Some(printed) = run_without_dns(&local) else {
                return;
            };
            ran += 1;
            let printed: Vec<String> = printed
                .iter()
                .map(|p| {
                    pairs
                        .iter()
                        .fold(p.clone(), |p, (shown, real)| p.replace(real, shown))
                })
                .collect();
            if update {
                // Only what changed beyond timings, so a rewrite leaves
                // no churn.
                let kept: Vec<String> = example
                    .shown
                    .iter()
                    .zip(printed)
                    .map(|(shown, printed)| {
                        if normalise(shown) == normalise(&printed) {
                            shown.clone()
                        } else {
                            printed
                        }
                    })
                    .collect();
                rewritten.push((example.first, example.end, session(&example, &kept)));
                continue;
            }
            for ((command, shown), printed) in
                example.commands.iter().zip(&example.shown).zip(&printed)
            {
                if normalise(printed) != normalise(shown) {
                    failures.push(format!(
                        "{}:{}: `{command}`\n--- shown\n{shown}--- printed\n{printed}",
                        example.page.display(),
                        example.first,
                    ));
                }
            }
        }
        if update && !rewritten.is_empty() {
            rewrite(&page, &rewritten);
        }
    }
    assert!(ran > 0, "no marked example found");
    assert!(
        failures.is_empty(),
        "examples that no longer print what they show (UPDATE_EXAMPLES=1 rewrites them):\n{}",
        failures.join("\n\n")
    );
}

/// The block's new text: each command followed by what it printed.
fn session(example: &Example, printed: &[String]) -> String {
    example
        .commands
        .iter()
        .zip(printed)
        .fold(String::new(), |mut block, (command, output)| {
            let _ = write!(block, "$ {command}\n{output}");
            block
        })
}

/// Replaces the blocks' lines `first..end` of `page` with new text.
fn rewrite(page: &Path, blocks: &[(usize, usize, String)]) {
    let text = fs::read_to_string(page).expect("read page");
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let mut at = 0;
    for (first, end, body) in blocks {
        for line in &lines[at..*first] {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(body);
        at = *end;
    }
    for line in &lines[at..] {
        out.push_str(line);
        out.push('\n');
    }
    fs::write(page, out).expect("rewrite page");
}

/// The README is a front door (issue 23): it fits on a screen or two, and
/// its docs index links every page in `docs/`, so nothing that moved out
/// of it is lost. A new page (a new kind's, say) gets a line in the index,
/// where the README's comment says.
#[test]
fn docs_readme_stays_short_and_indexes_every_page() {
    let readme = fs::read_to_string(root().join("README.md")).expect("read README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= 400,
        "README.md has {lines} lines; move reference material to docs/"
    );
    let linked: BTreeSet<String> = link_targets(&readme)
        .into_iter()
        .map(|t| t.split('#').next().unwrap_or_default().to_string())
        .collect();
    let unlisted: Vec<String> = pages()
        .into_iter()
        .filter_map(|page| {
            let name = page.strip_prefix(root()).ok()?.to_str()?.to_string();
            (name.starts_with("docs/") && !linked.contains(&name)).then_some(name)
        })
        .collect();
    assert!(
        unlisted.is_empty(),
        "docs pages the README's docs index does not link: {unlisted:?}"
    );
}
