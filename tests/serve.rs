//! `railconn serve` (issue 14) with real parts: a real Prometheus scrapes it
//! and sees a real Redis stop and come back; `promtool` checks the
//! exposition and the example rules; headless Chromium renders the status
//! page; the bearer token guards every endpoint but `/livez`; SIGTERM stops
//! it at once; no secret appears anywhere.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::JWT_SECRET;
use crate::support::lifecycle::{free_port, wait_for_port};
use crate::support::redis::OwnRedis;
use crate::support::{Fault, fault, pg_tls, railconn, redis_auth};

const REDIS_PASSWORD: &str = "serve-secret-redis-pw";
const TOKEN: &str = "serve-secret-bearer-token";

/// A running `railconn serve` on 127.0.0.1 (port chosen by the kernel),
/// killed when dropped; its stderr is collected as it comes.
pub(crate) struct Serve {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
    _run: crate::support::Railconn,
}

impl Serve {
    pub(crate) fn start(args: &[&str], env: &[(&str, &str)]) -> Serve {
        Serve::spawn(railconn(), args, env)
    }

    /// As [`Serve::start`], under a descriptor limit of `nofile` (soft and
    /// hard, so serve cannot raise it).
    fn start_limited(nofile: u32, args: &[&str], env: &[(&str, &str)]) -> Serve {
        let mut run = crate::support::Railconn::new("prlimit");
        run.args([
            format!("--nofile={nofile}:{nofile}"),
            env!("CARGO_BIN_EXE_railconn").to_string(),
        ]);
        Serve::spawn(run, args, env)
    }

    fn spawn(mut run: crate::support::Railconn, args: &[&str], env: &[(&str, &str)]) -> Serve {
        run.args(["serve", "--no-env-file", "--listen", "127.0.0.1:0"])
            .args(args);
        for (key, value) in env {
            run.env(key, value);
        }
        let mut child = run
            .cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn railconn serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let pipe = child.stderr.take().expect("stderr");
        let sink = Arc::clone(&stderr);
        thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                // Kept before the address is announced, so a test that
                // starts once it is known already sees this line.
                {
                    let mut all = sink.lock().unwrap();
                    all.push_str(&line);
                    all.push('\n');
                }
                if let Some(rest) = line.split("http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or_default();
                    let _ = tx.send(addr.parse::<SocketAddr>().ok());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(20))
            .ok()
            .flatten()
            .unwrap_or_else(|| {
                panic!(
                    "serve did not say where it listens: {}",
                    stderr.lock().unwrap()
                )
            });
        Serve {
            child,
            addr,
            stderr,
            _run: run,
        }
    }

    pub(crate) fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        http_get(self.addr, path, headers)
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// stderr once it holds `needle` (bounded): serve writes its start-up
    /// lines one by one, and a loaded machine may read them after the
    /// test's first request.
    pub(crate) fn stderr_with(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.stderr();
            if log.contains(needle) || Instant::now() > deadline {
                return log;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits (bounded) until `/healthz` answers `status`.
    pub(crate) fn wait_health(&self, status: u16, headers: &[(&str, &str)]) -> Response {
        let mut last = None;
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let response = self.get("/healthz", headers);
            if response.status == status {
                return response;
            }
            last = Some(response);
            thread::sleep(Duration::from_millis(50));
        }
        panic!("/healthz never answered {status}: {last:?}");
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: String,
    pub(crate) body: String,
}

/// One HTTP/1.1 GET with `Connection: close`, read to the end (bounded).
pub(crate) fn http_get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let fields = headers.iter().fold(String::new(), |mut all, (key, value)| {
        let _ = write!(all, "{key}: {value}\r\n");
        all
    });
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{fields}\r\n");
    stream.write_all(request.as_bytes()).expect("send request");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read response");
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Response {
        status,
        headers: head.to_ascii_lowercase(),
        body: body.to_string(),
    }
}

/// A Prometheus server of the test's own, scraping `target` every 200 ms,
/// killed (and its data deleted) when dropped.
pub(crate) struct Prometheus {
    child: Child,
    pub(crate) addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    pub(crate) fn start(target: SocketAddr) -> Prometheus {
        let dir = tempfile::TempDir::with_prefix("railconn-prometheus-").unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 200ms\n  scrape_timeout: 150ms\n\
                 scrape_configs:\n  - job_name: railconn\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let port = free_port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("log")).unwrap())
            .spawn()
            .expect("start prometheus (apt-get install prometheus)");
        let prometheus = Prometheus {
            child,
            addr,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        wait_for_port(port);
        while http_get_quiet(addr, "/-/ready").is_none_or(|r| r.status != 200) {
            assert!(Instant::now() < deadline, "prometheus did not become ready");
            thread::sleep(Duration::from_millis(100));
        }
        prometheus
    }

    /// The value of an instant query's first sample, if any.
    pub(crate) fn query(&self, promql: &str) -> Option<f64> {
        let path = format!("/api/v1/query?query={}", encode(promql));
        let response = http_get(self.addr, &path, &[]);
        let json: serde_json::Value = serde_json::from_str(&response.body).ok()?;
        json["data"]["result"][0]["value"][1]
            .as_str()
            .and_then(|v| v.parse().ok())
    }

    /// Waits (bounded) until `promql` evaluates to `value`.
    pub(crate) fn wait_for(&self, promql: &str, value: f64) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = None;
        while Instant::now() < deadline {
            last = self.query(promql);
            if last == Some(value) {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
        panic!("Prometheus: {promql} never became {value} (last: {last:?})");
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_get_quiet(addr: SocketAddr, path: &str) -> Option<Response> {
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    Some(http_get(addr, path, &[]))
}

/// Percent-encodes a query string value.
pub(crate) fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Runs `promtool` with `args` and `stdin`; panics with its output unless
/// it succeeds.
pub(crate) fn promtool(args: &[&str], stdin: &str) {
    let mut child = Command::new("promtool")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool (apt-get install prometheus)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool {args:?} failed:\n{}{}\ninput:\n{stdin}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) fn assert_no_secret(what: &str, text: &str) {
    for secret in [REDIS_PASSWORD, TOKEN, JWT_SECRET, "app-secret-pw-1"] {
        assert!(!text.contains(secret), "{what} shows a secret:\n{text}");
    }
}

#[test]
fn prometheus_sees_a_redis_outage_and_its_recovery() {
    let port = free_port();
    let mut redis = Some(OwnRedis::start(port, &["--requirepass", REDIS_PASSWORD]));
    wait_for_port(port);
    let url = format!("redis://:{REDIS_PASSWORD}@127.0.0.1:{port}");
    let serve = Serve::start(
        &[
            "--only",
            "redis",
            "--redis-url",
            &url,
            "--interval",
            "200ms",
            "--check-timeout",
            "2s",
        ],
        &[("RAILWAY_ENVIRONMENT_NAME", "staging")],
    );
    let prometheus = Prometheus::start(serve.addr);
    let success =
        r#"railconn_check_success{check="redis",kind="redis",railway_environment="staging"}"#;
    prometheus.wait_for(success, 1.0);
    serve.wait_health(200, &[]);

    redis.take();
    prometheus.wait_for(success, 0.0);
    prometheus.wait_for(
        r#"railconn_check_failure_info{check="redis",step="tcp",code="connection_refused"}"#,
        1.0,
    );
    let down = serve.wait_health(503, &[]);
    assert!(down.headers.contains("application/health+json"), "{down:?}");
    let json: serde_json::Value = serde_json::from_str(&down.body).unwrap();
    assert_eq!(json["status"], "fail", "{json}");
    assert_eq!(json["checks"]["redis"][0]["output"], "connection_refused");

    let _back = OwnRedis::start(port, &["--requirepass", REDIS_PASSWORD]);
    wait_for_port(port);
    prometheus.wait_for(success, 1.0);
    serve.wait_health(200, &[]);

    // promtool reads both expositions (OpenMetrics is what Prometheus asked for).
    let text = serve.get("/metrics", &[]);
    assert!(
        text.headers.contains("text/plain; version=0.0.4"),
        "{text:?}"
    );
    promtool(&["check", "metrics"], &text.body);
    let open = serve.get(
        "/metrics",
        &[("Accept", "application/openmetrics-text;version=1.0.0")],
    );
    assert!(
        open.headers.contains("application/openmetrics-text"),
        "{open:?}"
    );
    assert!(open.body.ends_with("# EOF\n"), "{}", open.body);
    for body in [&text.body, &open.body, &serve.get("/", &[]).body] {
        assert_no_secret("an endpoint", body);
    }
    assert_no_secret("serve's log", &serve.stderr());
}

#[test]
fn the_status_page_shows_every_check_in_a_real_browser() {
    let serve = Serve::start(
        &[
            "--database-url",
            &pg_tls().url("app", "app-secret-pw-1", "appdb", "sslmode=require"),
            "--redis-url",
            &format!("redis://127.0.0.1:{}", crate::support::closed_port()),
            "--interval",
            "300ms",
        ],
        &[("JWT_SECRET_KEY", JWT_SECRET)],
    );
    serve.wait_health(503, &[]);
    // Wait for a finished round: the page then lists every check.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !serve.get("/healthz", &[]).body.contains("\"redis\"") {
        assert!(Instant::now() < deadline, "no round finished");
        thread::sleep(Duration::from_millis(50));
    }
    let profile = tempfile::TempDir::with_prefix("railconn-chromium-").unwrap();
    let url = format!("http://{}/", serve.addr);
    let out = Command::new("timeout")
        .args([
            "60",
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--dump-dom", &url])
        .env("HOME", profile.path())
        .stdin(Stdio::null())
        .output()
        .expect("run chromium (apt-get install chromium)");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // jwt warns: with Redis down its revocation list would fall back to memory.
    for (check, status) in [("postgres", "pass"), ("redis", "fail"), ("jwt", "warn")] {
        let row = dom
            .split("<tr ")
            .find(|row| row.starts_with(&format!("id=\"{check}\"")))
            .unwrap_or_else(|| panic!("no row for {check}:\n{dom}"));
        assert!(
            row.contains(&format!("class=\"{status}\"")),
            "{check} is not {status}: {row}"
        );
    }
    assert!(dom.contains("connection_refused"), "{dom}");
    assert!(dom.contains("Not ready — 1 critical problem"), "{dom}");
    assert_no_secret("the page", &dom);
    assert_no_secret("/metrics", &serve.get("/metrics", &[]).body);
    assert_no_secret("/healthz", &serve.get("/healthz", &[]).body);
    assert_no_secret("serve's log", &serve.stderr());
}

#[test]
fn a_token_guards_every_endpoint_but_livez() {
    let url = format!("redis://:redis-secret-pw@127.0.0.1:{}", redis_auth().port);
    let serve = Serve::start(
        &[
            "--only",
            "redis",
            "--redis-url",
            &url,
            "--interval",
            "200ms",
        ],
        &[("RAILCONN_SERVE_TOKEN", TOKEN)],
    );
    let bearer = format!("Bearer {TOKEN}");
    let good = [("Authorization", bearer.as_str())];
    serve.wait_health(200, &good);
    for path in ["/", "/metrics", "/healthz", "/nowhere"] {
        let response = serve.get(path, &[]);
        assert_eq!(response.status, 401, "{path}: {response:?}");
        assert!(
            response.headers.contains("www-authenticate: bearer"),
            "{response:?}"
        );
        let wrong = serve.get(
            path,
            &[("Authorization", "Bearer serve-secret-bearer-tokeN")],
        );
        assert_eq!(wrong.status, 401, "{path}");
        assert_no_secret(path, &response.body);
    }
    for path in ["/", "/metrics", "/healthz"] {
        assert_eq!(serve.get(path, &good).status, 200, "{path}");
    }
    assert_eq!(serve.get("/nowhere", &good).status, 404);
    assert_eq!(serve.get("/livez", &[]).status, 200);
    let log = serve.stderr();
    assert!(log.contains("bearer token is required"), "{log}");
    assert!(!log.contains("is open"), "{log}");
    assert!(
        !log.contains("redis-secret-pw") && !log.contains(TOKEN),
        "{log}"
    );
}

#[test]
fn a_token_file_works_and_no_token_warns() {
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, format!("{TOKEN}\n")).unwrap();
    let url = format!("redis://:redis-secret-pw@127.0.0.1:{}", redis_auth().port);
    let args = ["--only", "redis", "--redis-url", &url];
    let guarded = Serve::start(
        &[&args[..], &["--token-file", file.to_str().unwrap()]].concat(),
        &[],
    );
    assert_eq!(guarded.get("/metrics", &[]).status, 401);
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(
        guarded
            .get("/metrics", &[("Authorization", &bearer)])
            .status,
        200
    );

    let open = Serve::start(&args, &[]);
    assert_eq!(open.get("/metrics", &[]).status, 200);
    let log = open.stderr_with("every endpoint is open");
    assert!(log.contains("every endpoint is open"), "{log}");

    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let out = railconn()
        .args([
            "serve",
            "--no-env-file",
            "--token-file",
            empty.to_str().unwrap(),
        ])
        .run();
    assert_eq!(out.status.code(), Some(2));
    assert!(crate::support::stderr(&out).contains("it is empty"));
}

#[test]
fn healthz_fails_before_the_first_round_and_sigterm_stops_a_stuck_round() {
    let silent = fault(Fault::Silent);
    let url = format!("redis://127.0.0.1:{silent}");
    let mut serve = Serve::start(
        &[
            "--only",
            "redis",
            "--redis-url",
            &url,
            "--check-timeout",
            "20s",
        ],
        &[],
    );
    let response = serve.get("/healthz", &[]);
    assert_eq!(response.status, 503, "{response:?}");
    assert!(
        response
            .body
            .contains("no round of checks has finished yet"),
        "{response:?}"
    );
    assert_eq!(serve.get("/livez", &[]).status, 200);
    assert!(
        serve
            .get("/metrics", &[])
            .body
            .contains("railconn_rounds_total 0")
    );

    let stopped = Instant::now();
    let _ = Command::new("kill")
        .args(["-TERM", &serve.child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = serve.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "serve ignored SIGTERM");
        thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(0));
    assert!(
        stopped.elapsed() < Duration::from_secs(1),
        "SIGTERM took {:?}",
        stopped.elapsed()
    );
}

/// `railconn_rounds_total` from `/metrics`.
fn rounds(serve: &Serve) -> u64 {
    let body = serve.get("/metrics", &[]).body;
    body.lines()
        .find_map(|l| l.strip_prefix("railconn_rounds_total "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no railconn_rounds_total in {body}"))
}

/// Whether the server closed `stream` (EOF or reset) within `within`.
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut sink = Vec::new();
    match stream.read_to_end(&mut sink) {
        Ok(_) => true,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

// Issue 18: a thousand clients that send half a request head and wait
// exhausted serve's descriptors: /livez stopped answering and the round's
// own Redis probe failed with EMFILE.
#[test]
fn a_thousand_idle_half_requests_neither_starve_livez_nor_the_rounds() {
    let url = format!("redis://:redis-secret-pw@127.0.0.1:{}", redis_auth().port);
    let serve = Serve::start_limited(
        256,
        &[
            "--only",
            "redis",
            "--redis-url",
            &url,
            "--interval",
            "200ms",
        ],
        &[],
    );
    serve.wait_health(200, &[]);
    let mut flood: Vec<TcpStream> = (0..1000)
        .filter_map(|_| {
            let mut s = TcpStream::connect_timeout(&serve.addr, Duration::from_secs(5)).ok()?;
            let _ = s.write_all(b"GET /livez HTTP/1.1\r\nHost: x\r\n");
            Some(s)
        })
        .collect();
    assert!(flood.len() > 900, "only {} connections opened", flood.len());
    let started = Instant::now();
    assert_eq!(serve.get("/livez", &[]).status, 200);
    assert!(started.elapsed() < Duration::from_secs(2));

    // A kept-alive connection that asked once and then idles.
    let mut idle = TcpStream::connect(serve.addr).unwrap();
    idle.write_all(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");

    // Rounds go on, and the Redis check still passes.
    let before = rounds(&serve);
    let deadline = Instant::now() + Duration::from_secs(10);
    while rounds(&serve) < before + 3 {
        assert!(Instant::now() < deadline, "rounds stopped under the flood");
        thread::sleep(Duration::from_millis(50));
    }
    let health = serve.get("/healthz", &[]);
    assert_eq!(health.status, 200, "{health:?}");

    // The header timeout (10 s) closes the newest half requests (the cap
    // evicted the older ones at once) and the idle kept-alive connection.
    let newest = flood.last_mut().unwrap();
    assert!(closed_within(newest, Duration::from_secs(12)));
    assert!(closed_within(&mut idle, Duration::from_secs(2)));
    let log = serve.stderr();
    assert!(!log.to_lowercase().contains("too many open files"), "{log}");

    // A request head over 16 KiB is refused, not buffered.
    let big = "a".repeat(64 * 1024);
    let response = http_get(serve.addr, "/livez", &[("X-Big", &big)]);
    assert_ne!(response.status, 200, "{}", response.headers);
}

#[test]
fn promtool_accepts_the_example_rules_and_config() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/prometheus");
    let rules = dir.join("alerts.yml");
    let config = dir.join("prometheus.yml");
    promtool(&["check", "rules", rules.to_str().unwrap()], "");
    promtool(&["check", "config", config.to_str().unwrap()], "");
    // The rules fire when they should: failing for 2 minutes, 80 %
    // connections, a certificate within 14 days of expiry.
    let unit = dir.join("alerts_test.yml");
    promtool(&["test", "rules", unit.to_str().unwrap()], "");
}

/// The page and the log say the interval in the run's language, and the
/// durations on `/metrics` are whole microseconds without float noise
/// (`0.0023450000000000003` was `2.345 / 1000.0`).
#[test]
fn russian_page_and_log_say_the_interval_in_russian_and_metrics_are_exact() {
    let serve = Serve::start(
        &[
            "--lang",
            "ru",
            "--interval",
            "5s",
            "--redis-url",
            &format!("redis://127.0.0.1:{}", crate::support::redis_open().port),
            "--only",
            "redis",
        ],
        &[],
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !serve.get("/healthz", &[]).body.contains("\"redis\"") {
        assert!(Instant::now() < deadline, "no round finished");
        thread::sleep(Duration::from_millis(50));
    }
    let page = serve.get("/", &[]).body;
    assert!(page.contains("каждые 5 с"), "{page}");
    assert!(serve.stderr().contains("каждые 5 с"), "{}", serve.stderr());
    let metrics = serve.get("/metrics", &[]).body;
    let durations: Vec<&str> = metrics
        .lines()
        .filter(|l| {
            l.starts_with("railconn_check_last_duration_seconds{")
                || l.starts_with("railconn_step_duration_seconds{")
        })
        .collect();
    assert!(!durations.is_empty(), "{metrics}");
    for line in durations {
        let value = line.rsplit(' ').next().unwrap();
        let decimals = value.split_once('.').map_or(0, |(_, f)| f.len());
        assert!(decimals <= 6, "not whole microseconds: {line}");
    }
}

/// `railconn serve` with `args`, expected to stop at start with exit 2;
/// returns its stderr.
fn refused_at_start(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut run = railconn();
    run.args(["serve", "--no-env-file", "--listen", "127.0.0.1:0"])
        .args(args);
    for (key, value) in env {
        run.env(key, value);
    }
    let started = Instant::now();
    let out = run.run_with_timeout(Duration::from_secs(10));
    let err = crate::support::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{args:?} took long"
    );
    assert!(!err.contains("listening"), "{err}");
    err
}

// Issue 18: a FIFO nobody writes blocked serve before it listened, a huge
// file was read whole, and a token no HTTP client can send was accepted.
#[test]
fn a_token_file_must_be_a_small_regular_file_with_a_sendable_token() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    assert!(
        Command::new("mkfifo")
            .arg(path("fifo"))
            .status()
            .unwrap()
            .success()
    );
    let err = refused_at_start(&["--token-file", &path("fifo")], &[]);
    assert!(err.contains("not a regular file"), "{err}");

    let big = std::fs::File::create(path("big")).unwrap();
    big.set_len(8 * 1024 * 1024 * 1024).unwrap(); // sparse: costs no disk
    let err = refused_at_start(&["--token-file", &path("big")], &[]);
    assert!(err.contains("larger than 4 KiB"), "{err}");

    for (text, why) in [
        ("two words\n", "space, tab or line break (byte 4)"),
        ("line\nbreak\n", "space, tab or line break (byte 5)"),
        ("cl\u{e9}-token\n", "not visible ASCII (byte 3)"),
    ] {
        std::fs::write(path("bad"), text).unwrap();
        let err = refused_at_start(&["--token-file", &path("bad")], &[]);
        assert!(err.contains(why), "{text:?}: {err}");
        assert!(!err.contains(text.trim()), "the token is shown: {err}");
    }
    let err = refused_at_start(&[], &[("RAILCONN_SERVE_TOKEN", "has space")]);
    assert!(err.contains("RAILCONN_SERVE_TOKEN"), "{err}");
    assert!(err.contains("byte 4"), "{err}");
    let err = refused_at_start(&[], &[("RAILCONN_SERVE_TOKEN", "ключ")]);
    assert!(err.contains("not visible ASCII (byte 1)"), "{err}");
    assert!(!err.contains("ключ"), "{err}");
}

// Issue 18: `PORT=abc railconn serve --listen …` exited 2 although
// --listen named the address; $PORT is only the default for it.
#[test]
fn port_is_read_only_without_listen() {
    let url = format!("redis://:redis-secret-pw@127.0.0.1:{}", redis_auth().port);
    let serve = Serve::start(
        &["--only", "redis", "--redis-url", &url],
        &[("PORT", "abc")],
    );
    assert_eq!(serve.get("/livez", &[]).status, 200);

    let mut run = railconn();
    run.args([
        "serve",
        "--no-env-file",
        "--only",
        "redis",
        "--redis-url",
        &url,
    ])
    .env("PORT", "abc");
    let out = run.run_with_timeout(Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(2));
    assert!(crate::support::stderr(&out).contains("fix PORT or pass --listen"));
}

// Issue 18: a round's diagnosis ran on serve's one runtime thread, so
// scrubbing 300 passwords held /livez and SIGTERM for 21 s. 256 Redis
// URLs with passwords on a closed port: the probes fail at once, the rest
// of the round is configuration and diagnosis.
#[test]
fn a_long_round_blocks_neither_livez_nor_sigterm() {
    let closed = crate::support::closed_port();
    let vars: Vec<(String, String)> = (0..256)
        .map(|i| {
            (
                format!("TARGET_{i:03}_URL"),
                format!("redis://:pw-{i:03}-secret@127.0.0.1:{closed}"),
            )
        })
        .collect();
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut serve = Serve::start(&["--only", "kind:redis", "--interval", "1s"], &env);
    thread::sleep(Duration::from_millis(1500));
    for _ in 0..5 {
        let asked = Instant::now();
        assert_eq!(serve.get("/livez", &[]).status, 200);
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "/livez took {:?}",
            asked.elapsed()
        );
        thread::sleep(Duration::from_millis(200));
    }
    let stopped = Instant::now();
    let _ = Command::new("kill")
        .args(["-TERM", &serve.child.id().to_string()])
        .status();
    while serve.child.try_wait().unwrap().is_none() {
        assert!(
            stopped.elapsed() < Duration::from_secs(1),
            "SIGTERM took over 1 s"
        );
        thread::sleep(Duration::from_millis(10));
    }
}

/// The MySQL and RabbitMQ checks export their own gauges (issue 21): the
/// shared MariaDB's connections and `max_connections`, and whether a
/// broker blocks publishers — 0 at the machine's RabbitMQ, 1 at a node of
/// our own held in a memory alarm. No password shows.
#[test]
fn mysql_and_rabbitmq_readings_are_gauges() {
    let maria = crate::support::mariadb_shared();
    let account = maria.account("serve_gauges", "");
    let rabbit = crate::support::rabbitmq::RabbitScratch::new();
    let alarmed = crate::support::rabbitmq::rabbit_alarmed();
    let alarmed_url = format!("amqp://guest:guest@127.0.0.1:{}/", alarmed.port);
    let serve = Serve::start(
        &["--only", "kind:mysql,kind:amqp", "--interval", "200ms"],
        &[
            ("MYSQL_URL", &account.url("", "")),
            ("RABBITMQ_URL", &rabbit.url(&rabbit.vhost)),
            ("CLOUDAMQP_URL", &alarmed_url),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let body = loop {
        let body = serve.get("/metrics", &[]).body;
        if body.contains("railconn_amqp_blocked{check=\"CLOUDAMQP_URL\"}") {
            break body;
        }
        assert!(Instant::now() < deadline, "no AMQP gauges:\n{body}");
        thread::sleep(Duration::from_millis(100));
    };
    let value = |series: &str| {
        body.lines()
            .find_map(|line| line.strip_prefix(series))
            .and_then(|rest| rest.trim().parse::<f64>().ok())
            .unwrap_or_else(|| panic!("no {series} in\n{body}"))
    };
    assert!(value("railconn_mysql_connections{check=\"postgres\"}") >= 1.0);
    assert!(value("railconn_mysql_connections_allowed{check=\"postgres\"}") >= 1.0);
    assert!(value("railconn_amqp_blocked{check=\"RABBITMQ_URL\"}") < 0.5);
    assert!(value("railconn_amqp_blocked{check=\"CLOUDAMQP_URL\"}") > 0.5);
    promtool(&["check", "metrics"], &body);
    assert!(!body.contains(&account.password), "{body}");
    assert!(!body.contains(&rabbit.password), "{body}");
}
