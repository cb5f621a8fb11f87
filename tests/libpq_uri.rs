//! PostgreSQL URLs through libpq itself and through railconn's parser: the
//! libpq URI regression list (vendored from PostgreSQL under
//! `tests/libpq/`, with its licence), the cases of the issue that asked for
//! it, and generated URLs. libpq is the C library of `libpq-dev` (15 on
//! Debian 12), driven by `tests/libpq/uri_reference.c`, built here with `cc`.
//!
//! The two must agree: both refuse, or both accept with the same host,
//! address, port, user, password, database, sslmode, options and
//! application name. The only differences allowed are docs/urls-and-tls.md's
//! documented ones, each named below.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use railconn::{EnvSource, Lang, NEWER_KEYWORDS, PgTarget};

/// What libpq made of one URI.
#[derive(Debug)]
enum Libpq {
    /// `PQconninfoParse` refused it, or connecting stopped at a check of
    /// the values (before any network use).
    Refused(String),
    /// Parsed; `socket` when it names a Unix socket (not connected, so
    /// the values libpq checks when connecting are not checked).
    Accepted {
        options: BTreeMap<String, Vec<u8>>,
        socket: bool,
    },
}

/// How railconn and libpq compare on one URI.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Agree,
    /// A difference docs/urls-and-tls.md documents, by name.
    Documented(&'static str),
    Disagree(String),
}

fn reference_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/libpq/uri_reference.c");
        let binary = Path::new(env!("CARGO_TARGET_TMPDIR")).join("libpq_uri_reference");
        let include = Command::new("pg_config")
            .arg("--includedir")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map_or_else(
                || "/usr/include/postgresql".to_string(),
                |o| String::from_utf8_lossy(&o.stdout).trim().to_string(),
            );
        let status = Command::new("cc")
            .args(["-O", "-Wall", "-o"])
            .arg(&binary)
            .arg(&source)
            .arg(format!("-I{include}"))
            .arg("-lpq")
            .status()
            .expect("cc runs (install build-essential)");
        assert!(
            status.success(),
            "building the libpq reference failed: install libpq-dev"
        );
        binary
    })
}

/// Runs `uris` through libpq; returns its keyword list and one verdict per URI.
fn libpq(uris: &[String], env: &[(&str, &str)]) -> (Vec<String>, Vec<Libpq>) {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(reference_binary())
        .env_clear()
        .env("HOME", home.path())
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let text: String = uris.iter().flat_map(|u| [u.as_str(), "\n"]).collect();
    let writer = std::thread::spawn(move || input.write_all(text.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut lines = stdout.lines();
    let keywords = lines
        .next()
        .and_then(|l| l.strip_prefix("KEYWORDS "))
        .expect("keyword line")
        .split(' ')
        .map(str::to_string)
        .collect();
    let verdicts: Vec<Libpq> = lines.map(parse_line).collect();
    assert_eq!(verdicts.len(), uris.len(), "one answer per URI");
    (keywords, verdicts)
}

fn parse_line(line: &str) -> Libpq {
    if let Some(hex) = line.strip_prefix("ERR ") {
        return Libpq::Refused(unhex_text(hex));
    }
    let body = line.strip_prefix("OK").expect("OK or ERR");
    let (options, connect) = body.split_once(" CONN ").expect("CONN");
    let options = options
        .split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_string(), unhex(v))
        })
        .collect();
    match connect {
        "socket" => Libpq::Accepted {
            options,
            socket: true,
        },
        "-" => Libpq::Accepted {
            options,
            socket: false,
        },
        hex => {
            let message = unhex_text(hex);
            if is_value_check(&message) {
                Libpq::Refused(message)
            } else {
                Libpq::Accepted {
                    options,
                    socket: false,
                }
            }
        }
    }
}

/// libpq 15's messages for values it refuses when connecting (as opposed
/// to a name that does not resolve or a refused connection).
fn is_value_check(message: &str) -> bool {
    [
        "invalid integer value",
        "invalid port number",
        "value: \"",
        "invalid SSL protocol version range",
        "could not match ",
        "definition of service",
        "could not parse network address",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn unhex_text(hex: &str) -> String {
    String::from_utf8_lossy(&unhex(hex)).trim().to_string()
}

fn railconn(uri: &str, env: &[(&str, &str)]) -> Result<PgTarget, String> {
    let mut target = PgTarget::parse(uri).map_err(|e| Lang::En.render(&e.message))?;
    if !env.is_empty() {
        target
            .fill_from_env(&EnvSource::from_pairs(env.iter().copied()))
            .map_err(|e| Lang::En.render(&e.message))?;
    }
    Ok(target)
}

fn compare(uri: &str, libpq: &Libpq, ours: &Result<PgTarget, String>) -> Outcome {
    match (libpq, ours) {
        (Libpq::Refused(_), Err(_)) => Outcome::Agree,
        (Libpq::Refused(reason), Ok(_)) => {
            let newer = NEWER_KEYWORDS
                .iter()
                .any(|k| reason == &format!("invalid URI query parameter: \"{k}\""));
            if newer {
                Outcome::Documented("keyword of libpq 16 or 17")
            } else {
                Outcome::Disagree(format!("{uri}: libpq refuses ({reason}), railconn accepts"))
            }
        }
        (Libpq::Accepted { options, socket }, Err(message)) => {
            documented_refusal(options, *socket, message).map_or_else(
                || Outcome::Disagree(format!("{uri}: libpq accepts, railconn refuses: {message}")),
                Outcome::Documented,
            )
        }
        (Libpq::Accepted { options, .. }, Ok(target)) => same_parts(uri, options, target),
    }
}

/// The documented refusals (docs/urls-and-tls.md), recognised from libpq's own parse.
fn documented_refusal(
    options: &BTreeMap<String, Vec<u8>>,
    socket: bool,
    message: &str,
) -> Option<&'static str> {
    let text = |k: &str| {
        options
            .get(k)
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
    let has_comma = ["host", "hostaddr", "port"]
        .iter()
        .any(|k| text(k).is_some_and(|v| v.contains(',')));
    // Each refusal by design says so.
    if has_comma && message.contains("several") {
        return Some("several hosts or ports");
    }
    if text("host").unwrap_or_default().is_empty() && message.contains("reference") {
        return Some("an empty host before a port");
    }
    // libpq checks values when it connects, and the reference does not
    // dial sockets: a value railconn refuses there libpq would refuse too.
    if socket {
        return Some("a value libpq checks when connecting to a socket");
    }
    if options.values().any(|v| std::str::from_utf8(v).is_err()) {
        return Some("not UTF-8");
    }
    if text("host").is_some_and(|h| {
        h.chars()
            .any(|c| c == '@' || c.is_whitespace() || c.is_control())
    }) {
        return Some("host no resolver accepts");
    }
    if options.contains_key("service") || options.contains_key("passfile") {
        return Some("service or passfile");
    }
    if message.contains("sslrootcert=system") {
        return Some("sslrootcert=system (libpq 16)");
    }
    None
}

fn same_parts(uri: &str, options: &BTreeMap<String, Vec<u8>>, target: &PgTarget) -> Outcome {
    let get = |k: &str| {
        options
            .get(k)
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .filter(|v| !v.is_empty())
    };
    let mut differences = Vec::new();
    let mut differ = |what: &str, libpq: String, ours: String| {
        if libpq != ours {
            differences.push(format!("{what}: libpq {libpq:?}, railconn {ours:?}"));
        }
    };
    let hostaddr = get("hostaddr");
    // A host list is every host, in order (issue 20).
    let hosts = if target.hosts.len() > 1 {
        let names: Vec<&str> = target.hosts.iter().map(|(h, _)| h.as_str()).collect();
        names.join(",")
    } else {
        target.host.clone()
    };
    // An empty host, or an empty entry of a list, is libpq's default
    // socket directory, Debian's `/var/run/postgresql` (issue 20).
    let default_dir = |h: &str| {
        if h.is_empty() {
            "/var/run/postgresql"
        } else {
            h
        }
        .to_string()
    };
    let libpq_hosts = get("host").map(|list| {
        list.split(',')
            .map(default_dir)
            .collect::<Vec<_>>()
            .join(",")
    });
    differ(
        "host",
        libpq_hosts
            .or_else(|| hostaddr.clone())
            .unwrap_or_else(|| default_dir("")),
        hosts,
    );
    if let Some(addr) = hostaddr
        .as_deref()
        .and_then(|a| a.parse::<std::net::IpAddr>().ok())
    {
        differ(
            "hostaddr",
            addr.to_string(),
            target.hostaddr.map(|a| a.to_string()).unwrap_or_default(),
        );
    }
    let ports: Vec<u16> = get("port").map_or(vec![5432], |list| {
        list.split(',')
            .map(|p| match p.trim() {
                "" => 5432,
                p => p.trim_start_matches('+').parse::<u16>().unwrap_or(0),
            })
            .collect()
    });
    let ours: Vec<u16> = if ports.len() > 1 {
        target.hosts.iter().map(|(_, p)| *p).collect()
    } else {
        vec![target.port]
    };
    differ("port", format!("{ports:?}"), format!("{ours:?}"));
    differ(
        "user",
        format!("{:?}", get("user")),
        format!("{:?}", target.user),
    );
    differ(
        "password",
        format!("{:?}", get("password")),
        format!(
            "{:?}",
            target.password.as_ref().map(|p| p.expose().to_string())
        ),
    );
    differ(
        "dbname",
        format!("{:?}", get("dbname")),
        format!("{:?}", target.dbname),
    );
    differ(
        "options",
        format!("{:?}", get("options")),
        format!("{:?}", target.options),
    );
    differ(
        "application_name",
        format!("{:?}", get("application_name")),
        format!("{:?}", target.application_name),
    );
    if let Some(mode) = get("sslmode") {
        differ("sslmode", mode, target.sslmode.as_str().to_string());
    }
    if differences.is_empty() {
        Outcome::Agree
    } else {
        Outcome::Disagree(format!("{uri}: {}", differences.join("; ")))
    }
}

/// Runs `uris` through both and returns the outcomes, in order.
fn run(uris: &[String], env: &[(&str, &str)]) -> Vec<Outcome> {
    let (_, verdicts) = libpq(uris, env);
    uris.iter()
        .zip(&verdicts)
        .map(|(uri, verdict)| compare(uri, verdict, &railconn(uri, env)))
        .collect()
}

fn summary(name: &str, outcomes: &[Outcome]) -> Vec<String> {
    let agree = outcomes.iter().filter(|o| **o == Outcome::Agree).count();
    let mut documented: BTreeMap<&str, usize> = BTreeMap::new();
    for outcome in outcomes {
        if let Outcome::Documented(why) = outcome {
            *documented.entry(why).or_default() += 1;
        }
    }
    let disagreements: Vec<String> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Disagree(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    eprintln!(
        "{name}: {agree} of {} agree with libpq, documented differences {documented:?}, {} disagreements",
        outcomes.len(),
        disagreements.len()
    );
    disagreements
}

fn vendored(file: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/libpq")
            .join(file),
    )
    .unwrap()
}

#[test]
fn libpq_regression_uris_agree() {
    let uris: Vec<String> = vendored("regress.in").lines().map(str::to_string).collect();
    let outcomes = run(&uris, &[]);
    let disagreements = summary("libpq regress.in", &outcomes);
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

#[test]
fn libpq_001_uri_environment_cases_agree() {
    let mut outcomes = Vec::new();
    for line in vendored("001_uri.cases").lines() {
        let (assignment, uri) = line.split_once('\t').unwrap();
        let (name, value) = assignment.split_once('=').unwrap();
        outcomes.extend(run(&[uri.to_string()], &[(name, value)]));
    }
    let disagreements = summary("libpq t/001_uri.pl (environment)", &outcomes);
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

#[test]
fn the_issue_cases_agree() {
    let uris: Vec<String> = vendored("railconn.cases")
        .lines()
        .map(str::to_string)
        .collect();
    let outcomes = run(&uris, &[]);
    let disagreements = summary("issue 10 cases", &outcomes);
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

#[test]
fn libpq_knows_the_keywords_railconn_calls_libpq_15() {
    let (keywords, _) = libpq(&[], &[]);
    let ours: Vec<String> = railconn::LIBPQ_15_KEYWORDS
        .iter()
        .map(|k| (*k).to_string())
        .collect();
    assert_eq!(keywords, ours);
}

/// URLs built from the pieces that trip parsers: credentials with
/// delimiters, bracketed and listed hosts, odd ports, broken escapes, and
/// query pairs with missing, doubled or empty parts. Hosts are loopback,
/// `localhost` or `.invalid`; libpq runs in its own network namespace.
fn generated_uri() -> impl Strategy<Value = String> {
    let prefix = prop_oneof![
        8 => Just("postgresql://"),
        4 => Just("postgres://"),
        1 => Just("Postgres://"),
        1 => Just("postgre://"),
    ];
    let credentials = prop_oneof![
        3 => Just(String::new()),
        4 => "[a-z%:?#@/0-9A-F]{0,6}@",
    ];
    let host = prop_oneof![
        Just("127.0.0.1"),
        Just("localhost"),
        Just("[::1]"),
        Just("db.invalid"),
        Just(""),
        Just("%2Ftmp"),
        Just("h%zz"),
        Just("%31%32%37.0.0.1"),
        Just("["),
        Just("[]"),
        Just("[::1]x"),
        Just("a.invalid,b.invalid"),
        Just("a b.invalid"),
    ];
    let port = prop_oneof![
        3 => Just(""),
        1 => Just(":"),
        2 => Just(":5432"),
        1 => Just(":0"),
        1 => Just(":65536"),
        1 => Just(":+5432"),
        1 => Just(":abc"),
        1 => Just(":5432,5433"),
        1 => Just(":%35%34"),
    ];
    let path = prop_oneof![
        2 => Just(String::new()),
        3 => "/[a-z%#?/=0-9A-F]{0,5}",
    ];
    let query = generated_query();
    (prefix, credentials, host, port, path, query)
        .prop_map(|(p, c, h, o, d, q)| format!("{p}{c}{h}{o}{d}{q}"))
}

/// A query string: known, unknown and empty keywords, values with `=`,
/// broken escapes and `%00`, pairs without `=`, `&&` and a trailing `&`.
fn generated_query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("user"),
        Just("password"),
        Just("dbname"),
        Just("host"),
        Just("hostaddr"),
        Just("port"),
        Just("sslmode"),
        Just("application_name"),
        Just("options"),
        Just("connect_timeout"),
        Just("keepalives"),
        Just("keepalives_idle"),
        Just("target_session_attrs"),
        Just("channel_binding"),
        Just("gssencmode"),
        Just("ssl"),
        Just("requiressl"),
        Just("uzer"),
        Just("u%73er"),
        Just("require_auth"),
        Just("schema"),
        Just("service"),
        Just(""),
    ];
    let value = prop_oneof![
        Just(""),
        Just("x"),
        Just("disable"),
        Just("require"),
        Just("verify-full"),
        Just("prefer"),
        Just("allow"),
        Just("1"),
        Just("0"),
        Just("abc"),
        Just("127.0.0.1"),
        Just("::1"),
        Just("/tmp"),
        Just("a=b"),
        Just("%zz"),
        Just("%41"),
        Just("%00"),
        Just("true"),
        Just("any"),
        Just("read-write"),
        Just("a%20b"),
    ];
    let pair = (
        key,
        prop_oneof![5 => value.prop_map(|v| format!("={v}")), 1 => Just(String::new())],
    )
        .prop_map(|(k, v)| format!("{k}{v}"));
    prop_oneof![
        2 => Just(String::new()),
        1 => Just("?".to_string()),
        4 => (prop::collection::vec(pair, 1..4), prop_oneof![Just("&"), Just("&&")], any::<bool>())
            .prop_map(|(pairs, sep, trailing)| {
                format!("?{}{}", pairs.join(sep), if trailing { "&" } else { "" })
            }),
    ]
}

/// How many generated URLs a run compares (`RAILCONN_GENERATED_URIS`
/// raises it for a longer local run).
fn generated_count() -> usize {
    std::env::var("RAILCONN_GENERATED_URIS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

#[test]
fn generated_uris_agree() {
    let mut runner = TestRunner::deterministic();
    let strategy = generated_uri();
    let uris: Vec<String> = (0..generated_count())
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect();
    let outcomes = run(&uris, &[]);
    let disagreements = summary("generated URIs", &outcomes);
    assert!(
        disagreements.is_empty(),
        "{} disagreements, first ones: {:#?}",
        disagreements.len(),
        &disagreements[..disagreements.len().min(25)]
    );
}
