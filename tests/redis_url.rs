//! Redis URLs through redis-rs's `IntoConnectionInfo` (the crate railconn
//! links) and through railconn's parser: a case list from the issue and
//! the clients' own tests, and generated URLs. Both refuse, or both accept
//! with the same host, port, TLS mode, database, credentials and protocol.
//! The only documented difference: Unix sockets are refused by design.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use railconn::{Lang, Protocol, RedisTarget, RedisTls};
use redis::{ConnectionAddr, IntoConnectionInfo, ProtocolVersion};

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Agree,
    Documented(&'static str),
    Disagree(String),
}

/// The parts both sides are compared on.
#[derive(Debug, PartialEq, Eq)]
struct Parts {
    host: String,
    port: u16,
    tls: &'static str,
    db: i64,
    user: Option<String>,
    password: Option<String>,
    resp3: bool,
}

fn reference(uri: &str) -> Result<Option<Parts>, String> {
    let info = uri.into_connection_info().map_err(|e| e.to_string())?;
    let (host, port, tls) = match info.addr() {
        ConnectionAddr::Tcp(host, port) => (host.clone(), *port, "off"),
        ConnectionAddr::TcpTls {
            host,
            port,
            insecure,
            ..
        } => (
            host.clone(),
            *port,
            if *insecure { "insecure" } else { "verified" },
        ),
        _ => return Ok(None),
    };
    let settings = info.redis_settings();
    Ok(Some(Parts {
        host,
        port,
        tls,
        db: settings.db(),
        user: settings.username().map(str::to_string),
        password: settings.password().map(str::to_string),
        resp3: settings.protocol() != ProtocolVersion::RESP2,
    }))
}

fn ours(target: &RedisTarget) -> Parts {
    Parts {
        host: target.host.clone(),
        port: target.port,
        tls: match target.tls {
            RedisTls::Off => "off",
            RedisTls::Verified => "verified",
            RedisTls::Insecure => "insecure",
        },
        db: target.db,
        user: target.username.clone(),
        password: target.password.as_ref().map(|p| p.expose().to_string()),
        resp3: target.protocol == Protocol::Resp3,
    }
}

fn compare(uri: &str) -> Outcome {
    match (reference(uri), RedisTarget::parse(uri)) {
        (Err(_), Err(_)) => Outcome::Agree,
        (Ok(None), Err(e)) if Lang::En.render(&e.message).contains("Unix socket") => {
            Outcome::Documented("Unix socket")
        }
        (Ok(Some(theirs)), Ok(target)) if theirs == ours(&target) => Outcome::Agree,
        (Ok(Some(theirs)), Ok(target)) => Outcome::Disagree(format!(
            "{uri}: redis-rs {theirs:?}, railconn {:?}",
            ours(&target)
        )),
        (Ok(None), Ok(_)) => Outcome::Disagree(format!("{uri}: a socket, railconn accepts")),
        (Err(reason), Ok(_)) => Outcome::Disagree(format!(
            "{uri}: redis-rs refuses ({reason}), railconn accepts"
        )),
        (Ok(_), Err(e)) => Outcome::Disagree(format!(
            "{uri}: redis-rs accepts, railconn refuses: {}",
            Lang::En.render(&e.message)
        )),
    }
}

fn assert_agreement(name: &str, uris: &[String]) {
    let outcomes: Vec<Outcome> = uris.iter().map(|u| compare(u)).collect();
    let agree = outcomes.iter().filter(|o| **o == Outcome::Agree).count();
    let documented = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Documented(_)))
        .count();
    let disagreements: Vec<&String> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Disagree(d) => Some(d),
            _ => None,
        })
        .collect();
    eprintln!(
        "{name}: {agree} of {} agree with redis-rs, {documented} documented refusals, {} disagreements",
        uris.len(),
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{:#?}",
        &disagreements[..disagreements.len().min(25)]
    );
}

/// The findings and the forms the clients' own tests exercise.
const CASES: &[&str] = &[
    "redis://127.0.0.1",
    "redis://127.0.0.1:6379",
    "redis://:pw@127.0.0.1:6380/3",
    "redis://user:pw@127.0.0.1/0",
    "redis://user@127.0.0.1",
    "rediss://127.0.0.1",
    "rediss://127.0.0.1/#insecure",
    "rediss://127.0.0.1#other",
    "redis://127.0.0.1#insecure",
    "redis://127.0.0.1#x",
    "redis://127.0.0.1/?protocol=resp3",
    "redis://127.0.0.1/?protocol=3",
    "redis://127.0.0.1/?protocol=resp2",
    "redis://127.0.0.1/?protocol=2",
    "redis://127.0.0.1/?protocol=4",
    "redis://127.0.0.1/?protocol=RESP3",
    "redis://127.0.0.1/?protocol=",
    "redis://127.0.0.1/?other=1&protocol=resp3",
    "redis://0.0.0.0",
    "redis://[::]",
    "redis://[::]:6379",
    "redis://[::1]:6379",
    "redis://127.0.0.1:",
    "redis://127.0.0.1:/2",
    "redis://127.0.0.1/-1",
    "redis://127.0.0.1/+3",
    "redis://127.0.0.1//3//",
    "redis://127.0.0.1/3/",
    "redis://127.0.0.1/abc",
    "redis://127.0.0.1/1/2",
    "redis://127.0.0.1/%33",
    "redis://127.0.0.1/99999999999",
    "redis://127.0.0.1:65536",
    "redis://127.0.0.1:0",
    "redis://127.0.0.1:abc",
    "redis://:p@ss@127.0.0.1",
    "redis://:p%40ss@127.0.0.1",
    "redis://:p%zz@127.0.0.1",
    "redis://:p%FF@127.0.0.1",
    "redis://us%65r:pw@127.0.0.1",
    "redis://:pa#ss@127.0.0.1",
    "redis://:pa/ss@127.0.0.1",
    "redis://:pa?ss@127.0.0.1",
    "redis://default:hunter2",
    "redis://default:pw@:6379",
    "redis://",
    "redis:///0",
    "redis://LOCALHOST",
    "REDIS://127.0.0.1",
    "redis://127.1",
    "redis://%6Cocalhost",
    "redis://h_o.invalid",
    "redis://cache.invalid:6379/0?protocol=resp3",
    "unix:///run/redis.sock",
    "redis+unix:///run/redis.sock?db=1",
    "valkey://127.0.0.1:6379/1",
    "valkeys://127.0.0.1#insecure",
    "http://127.0.0.1:6379",
];

#[test]
fn the_case_list_agrees_with_redis_rs() {
    let uris: Vec<String> = CASES.iter().map(|c| (*c).to_string()).collect();
    assert_agreement("redis case list", &uris);
}

fn generated_uri() -> impl Strategy<Value = String> {
    let scheme = prop_oneof![
        6 => Just("redis://"),
        3 => Just("rediss://"),
        1 => Just("valkey://"),
        1 => Just("Redis://"),
    ];
    let credentials = prop_oneof![
        3 => Just(String::new()),
        4 => "[a-z%:@/?#0-9A-F]{0,6}@",
    ];
    let host = prop_oneof![
        Just("127.0.0.1"),
        Just("localhost"),
        Just("[::1]"),
        Just("cache.invalid"),
        Just(""),
        Just("0.0.0.0"),
        Just("[::]"),
        Just("127.1"),
        Just("%6Cocalhost"),
        Just("["),
        Just("a b"),
    ];
    let port = prop_oneof![
        3 => Just(""),
        1 => Just(":"),
        2 => Just(":6379"),
        1 => Just(":0"),
        1 => Just(":65536"),
        1 => Just(":x"),
    ];
    let path = prop_oneof![
        3 => Just(String::new()),
        3 => "/[0-9/+-]{0,4}",
        1 => "/[a-z%]{1,3}",
    ];
    let query = prop_oneof![
        3 => Just(String::new()),
        2 => prop_oneof![
            Just("resp2"), Just("resp3"), Just("2"), Just("3"), Just("4"), Just(""), Just("RESP3")
        ]
        .prop_map(|p| format!("?protocol={p}")),
        1 => "\\?[a-z=&%]{0,8}",
    ];
    let fragment = prop_oneof![
        4 => Just(""),
        2 => Just("#insecure"),
        1 => Just("#x"),
    ];
    (scheme, credentials, host, port, path, query, fragment)
        .prop_map(|(s, c, h, p, d, q, f)| format!("{s}{c}{h}{p}{d}{q}{f}"))
}

#[test]
fn generated_uris_agree_with_redis_rs() {
    let mut runner = TestRunner::deterministic();
    let strategy = generated_uri();
    let uris: Vec<String> = (0..3000)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect();
    assert_agreement("generated redis URLs", &uris);
}
