//! railconn's benchmark: is `railconn check` ever slower than checking the
//! slowest service with its reference client, over a network where every
//! round trip costs something?
//!
//! Starts PostgreSQL (TLS, SCRAM) and Redis (requirepass) from
//! `tests/support`, puts each behind a delaying loopback proxy, then times
//! `railconn check`, `psql`, `redis-cli` and a sequential
//! `pg_isready && psql && redis-cli` script in interleaved rounds, plus
//! railconn's local costs. Prints Markdown tables, then a per-connection
//! round-trip trace of each command. Run it with `bench/run` (see
//! bench/README.md).

// An example binary exports nothing (see tests/integration.rs).
#![allow(unreachable_pub)]

mod measure;
mod proxy;
mod report;
mod support;
mod trace;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;

use measure::{Cmd, Expect, Stats};
use proxy::{Delay, Proxy};
use report::{Ratio, Results, Row};
use support::postgres::{APP_PASSWORD, DB, percent_encode, pg_tls};
use support::redis::{REDIS_PASSWORD, redis_auth};

/// Command-line options.
#[derive(Parser, Debug)]
#[command(about = "Benchmark railconn against psql and redis-cli over a delayed loopback")]
struct Args {
    /// One-way latency the proxy adds to every chunk, in milliseconds.
    #[arg(long, default_value_t = 25)]
    latency_ms: u64,
    /// Timed rounds; each round runs every command once.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    rounds: u32,
    /// Untimed rounds first (warms caches and the servers).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=10))]
    warmup: u32,
    /// Runs of each local (proxy-less) measurement.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    local_runs: u32,
    /// Do not charge a round trip for each TCP connect.
    #[arg(long)]
    no_connect_rtt: bool,
    /// The railconn binary [default: target/release/railconn].
    #[arg(long)]
    railconn: Option<PathBuf>,
}

/// The servers as the clients see them: through the proxies.
struct Endpoints {
    pg: Proxy,
    redis: Proxy,
}

impl Endpoints {
    fn pg_url(&self, sslmode: &str) -> String {
        let (user, password) = (percent_encode("app"), percent_encode(APP_PASSWORD));
        let port = self.pg.port;
        format!("postgresql://{user}:{password}@127.0.0.1:{port}/{DB}?sslmode={sslmode}")
    }

    fn redis_url(&self) -> String {
        let password = percent_encode(REDIS_PASSWORD);
        format!("redis://default:{password}@127.0.0.1:{}", self.redis.port)
    }
}

/// The sequential reference: what a deploy script does without railconn.
const SCRIPT: &str = r#"pg_isready -q -d "$1" && psql "$1" -X -c 'select 1' && redis-cli --no-auth-warning -u "$2" ping"#;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let bin = railconn_binary(args)?;
    let home = tempfile::TempDir::with_prefix("railconn-bench-").map_err(|e| e.to_string())?;
    let delay = Delay {
        one_way: Duration::from_millis(args.latency_ms),
        connect_rtt: !args.no_connect_rtt,
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let endpoints = start_servers(runtime.handle(), delay);
    let commands = network_commands(&bin, &endpoints);
    let samples = interleave(&commands, args, home.path())?;
    let results = Results {
        setup: setup_lines(args, &bin, home.path()),
        network: rows(&commands, &samples),
        ratios: ratios(&commands, &samples),
        local: local_rows(&bin, args.local_runs, home.path())?,
        peak_rss_kib: peak_rss(&commands[0], home.path())?,
        binary_bytes: std::fs::metadata(&bin).map_err(|e| e.to_string())?.len(),
    };
    println!("{}", report::markdown(&results));
    print_traces(&commands, &endpoints, home.path())?;
    runtime.shutdown_background();
    Ok(())
}

fn railconn_binary(args: &Args) -> Result<PathBuf, String> {
    let default = || {
        let exe = std::env::current_exe().ok()?;
        Some(exe.parent()?.parent()?.join("railconn"))
    };
    let bin = args.railconn.clone().or_else(default).unwrap_or_default();
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!(
            "no railconn binary at {}; run `cargo build --release` (bench/run does)",
            bin.display()
        ))
    }
}

/// PostgreSQL and Redis (started in parallel), each behind its proxy.
fn start_servers(runtime: &tokio::runtime::Handle, delay: Delay) -> Endpoints {
    eprintln!("bench: starting PostgreSQL (TLS, SCRAM) and Redis (requirepass)…");
    let redis = thread::spawn(|| redis_auth().port);
    let pg_port = pg_tls().port;
    let redis_port = redis.join().expect("redis start");
    Endpoints {
        pg: Proxy::start(runtime, pg_port, delay),
        redis: Proxy::start(runtime, redis_port, delay),
    }
}

/// The benchmarked commands; railconn (TLS) first.
fn network_commands(bin: &Path, ep: &Endpoints) -> Vec<Cmd> {
    let bin = bin.to_str().expect("UTF-8 path");
    let (tls, plain, redis) = (ep.pg_url("require"), ep.pg_url("disable"), ep.redis_url());
    let railconn = |name: &str, pg: &str| {
        Cmd::new(
            name,
            &[bin, "check", "--no-env-file", "--json"],
            Expect::Ready,
        )
        .env("DATABASE_URL", pg)
        .env("REDIS_URL", &redis)
        .env("JWT_SECRET_KEY", &"0123456789abcdef".repeat(4))
    };
    let psql = |name: &str, url: &str| {
        Cmd::new(
            name,
            &["psql", url, "-X", "-c", "select 1"],
            Expect::Prints("1 row"),
        )
    };
    let sequential = |name: &str, url: &str| {
        let argv = ["sh", "-c", SCRIPT, "sh", url, &redis];
        Cmd::new(name, &argv, Expect::Prints("PONG"))
    };
    vec![
        railconn("railconn check (pg TLS)", &tls),
        railconn("railconn check (pg plain)", &plain),
        psql("psql select 1 (TLS)", &tls),
        psql("psql select 1 (plain)", &plain),
        Cmd::new(
            "redis-cli ping",
            &["redis-cli", "--no-auth-warning", "-u", &redis, "ping"],
            Expect::Prints("PONG"),
        ),
        sequential("pg_isready && psql && redis-cli (TLS)", &tls),
        sequential("pg_isready && psql && redis-cli (plain)", &plain),
    ]
}

/// Round r runs every command once, in order; warm-up rounds are not kept.
fn interleave(commands: &[Cmd], args: &Args, home: &Path) -> Result<Vec<Vec<Duration>>, String> {
    let mut samples = vec![Vec::new(); commands.len()];
    for round in 0..args.warmup + args.rounds {
        let warm = round < args.warmup;
        eprintln!(
            "bench: round {}{}",
            round + 1,
            if warm { " (warm-up)" } else { "" }
        );
        for (i, cmd) in commands.iter().enumerate() {
            let (elapsed, _) = cmd.run(home)?;
            if !warm {
                samples[i].push(elapsed);
            }
        }
    }
    Ok(samples)
}

fn rows(commands: &[Cmd], samples: &[Vec<Duration>]) -> Vec<Row> {
    commands
        .iter()
        .zip(samples)
        .map(|(cmd, s)| Row {
            name: format!("`{}`", cmd.name),
            stats: Stats::of(s),
            target: None,
        })
        .collect()
}

/// railconn against psql (≤ 1.1) and against the sequential script (≤ 0.6),
/// with and without TLS; indices follow [`network_commands`].
fn ratios(commands: &[Cmd], samples: &[Vec<Duration>]) -> Vec<Ratio> {
    let median = |i: usize| Stats::of(&samples[i]).median;
    [(0, 2, 1.1), (1, 3, 1.1), (0, 5, 0.6), (1, 6, 0.6)]
        .into_iter()
        .map(|(num, den, max)| Ratio {
            label: format!("`{}` / `{}`", commands[num].name, commands[den].name),
            value: median(num) / median(den),
            max,
        })
        .collect()
}

/// `--version` and a check with nothing configured, without any proxy,
/// next to the cost of spawning `true`; interleaved like the rounds.
fn local_rows(bin: &Path, runs: u32, home: &Path) -> Result<Vec<Row>, String> {
    eprintln!("bench: local runs ({runs} each)");
    let bin = bin.to_str().expect("UTF-8 path");
    let local = [
        (
            Cmd::new(
                "true (the harness's own spawn cost)",
                &["true"],
                Expect::Exit(0),
            ),
            None,
        ),
        (
            Cmd::new("railconn --version", &[bin, "--version"], Expect::Exit(0)),
            Some(5.0),
        ),
        (
            Cmd::new(
                "railconn check --no-env-file, nothing configured (exit 1)",
                &[bin, "check", "--no-env-file"],
                Expect::Exit(1),
            ),
            Some(20.0),
        ),
    ];
    let mut samples = vec![Vec::new(); local.len()];
    for _ in 0..runs {
        for ((cmd, _), series) in local.iter().zip(&mut samples) {
            series.push(cmd.run(home)?.0);
        }
    }
    Ok(local
        .iter()
        .zip(&samples)
        .map(|((cmd, max), series)| Row {
            name: format!("`{}`", cmd.name),
            stats: Stats::of(series),
            target: *max,
        })
        .collect())
}

/// The highest peak RSS of three full checks, if /usr/bin/time exists.
fn peak_rss(check: &Cmd, home: &Path) -> Result<Option<u64>, String> {
    if !Path::new("/usr/bin/time").is_file() {
        return Ok(None);
    }
    let timed = check.under_time();
    let mut peak = None;
    for _ in 0..3 {
        let (_, output) = timed.run(home)?;
        peak = peak.max(measure::max_rss_kib(&output));
    }
    Ok(peak)
}

fn setup_lines(args: &Args, bin: &Path, home: &Path) -> Vec<String> {
    let connect = if args.no_connect_rtt {
        "TCP connect not charged"
    } else {
        "each TCP connect charged one extra round trip"
    };
    vec![
        format!("Machine: {}", report::machine()),
        format!(
            "Network: loopback proxy, {} ms one way ({} ms round trip), {connect}",
            args.latency_ms,
            2 * args.latency_ms
        ),
        format!(
            "Runs: {} interleaved rounds after {} warm-up round(s); wall time per run",
            args.rounds, args.warmup
        ),
        clients_line(bin, home),
        "Servers: PostgreSQL (TLS, SCRAM-SHA-256) and Redis (requirepass) from tests/support"
            .to_string(),
    ]
}

/// The versions of the three clients.
fn clients_line(bin: &Path, home: &Path) -> String {
    let version = |argv: &[&str]| {
        Cmd::new(argv[0], argv, Expect::Exit(0))
            .run(home)
            .map_or_else(
                |e| e,
                |(_, o)| String::from_utf8_lossy(&o.stdout).trim().to_string(),
            )
    };
    let bin = bin.to_str().expect("UTF-8 path");
    let versions = [
        [bin, "--version"],
        ["psql", "--version"],
        ["redis-cli", "--version"],
    ];
    let versions: Vec<String> = versions.iter().map(|argv| version(argv)).collect();
    format!("Clients: {}", versions.join(", "))
}

/// Runs each networked command once more and prints, per connection it
/// opened, the flights of bytes and the round trips they cost.
fn print_traces(commands: &[Cmd], ep: &Endpoints, home: &Path) -> Result<(), String> {
    println!("## Round trips per connection (one traced run each)\n");
    println!(
        "`→n` client sent n bytes, `←n` server sent n bytes, `(k)` in k chunks. \
         Think time: from a flight's delivery to the answer.\n"
    );
    for cmd in commands {
        let marks = (ep.pg.accepted(), ep.redis.accepted());
        let (elapsed, _) = cmd.run(home)?;
        println!(
            "- `{}` ({:.0} ms)",
            cmd.name,
            elapsed.as_secs_f64() * 1000.0
        );
        for (label, proxy, from) in [("pg", &ep.pg, marks.0), ("redis", &ep.redis, marks.1)] {
            for connection in settled(proxy, from) {
                let s = trace::summarize(&connection);
                println!(
                    "  - {label}: **{} round trips**, chunks {}↑ {}↓; first byte after {:.1} ms, \
                     then client think {:.1} ms, server think {:.1} ms: {}",
                    s.round_trips,
                    s.chunks_up,
                    s.chunks_down,
                    s.first_byte_ms,
                    s.client_ms,
                    s.server_ms,
                    s.flights
                );
            }
        }
    }
    Ok(())
}

/// The proxy's connections since `from`, once all are closed (or after 5 s).
fn settled(proxy: &Proxy, from: usize) -> Vec<proxy::Connection> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let connections = proxy.connections_since(from);
        if connections.iter().all(|c| c.closed) || Instant::now() > deadline {
            return connections;
        }
        thread::sleep(Duration::from_millis(20));
    }
}
