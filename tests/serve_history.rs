//! `railconn serve` for operators (issue 22), with real parts: a real Redis
//! stops for several rounds and comes back while a real Prometheus scrapes;
//! headless Chromium renders the page's row of cells; `/metrics` counts the
//! failures by code; stderr says when Redis went down and came back; every
//! query of the shipped Grafana dashboard returns data from that
//! Prometheus. Uses `serve`'s helpers (the process, Prometheus, promtool).

use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::JWT_SECRET;
use crate::serve::{Prometheus, Serve, assert_no_secret, encode, http_get, promtool};
use crate::support::lifecycle::{free_port, wait_for_port};
use crate::support::redis::OwnRedis;
use crate::support::{pg_tls, railconn};

const REDIS_PASSWORD: &str = "serve-secret-redis-pw";
/// A password and a memory limit, so the dashboard's maxmemory line has data.
const REDIS_ARGS: [&str; 4] = ["--requirepass", REDIS_PASSWORD, "--maxmemory", "64mb"];

/// The value of the first series `/metrics` shows for `series` (name and
/// labels exactly as written), or 0.
fn metric(serve: &Serve, series: &str) -> f64 {
    let body = serve.get("/metrics", &[]).body;
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Waits (bounded) until `series` on `/metrics` reaches `at_least`.
fn wait_metric(serve: &Serve, series: &str, at_least: f64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while metric(serve, series) < at_least {
        assert!(
            Instant::now() < deadline,
            "{series} never reached {at_least}:\n{}",
            serve.get("/metrics", &[]).body
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// The page as headless Chromium builds it (flags as serve's page test).
fn dump_dom(url: &str) -> String {
    let profile = tempfile::TempDir::with_prefix("railconn-chromium-").unwrap();
    let out = Command::new("timeout")
        .args([
            "60",
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--dump-dom", url])
        .env("HOME", profile.path())
        .stdin(Stdio::null())
        .output()
        .expect("run chromium (apt-get install chromium)");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The uptime in percent the page shows in `row` (the number before ` %`).
fn uptime_in(row: &str) -> f64 {
    let before = row
        .split(" %")
        .next()
        .unwrap_or_else(|| panic!("no uptime in {row}"));
    let number = before.rsplit('>').next().unwrap_or_default();
    number
        .parse()
        .unwrap_or_else(|_| panic!("uptime {number:?} in {row}"))
}

/// How many series an instant query returns.
fn series_count(prometheus: &Prometheus, promql: &str) -> usize {
    let path = format!("/api/v1/query?query={}", encode(promql));
    let response = http_get(prometheus.addr, &path, &[]);
    let json: serde_json::Value = serde_json::from_str(&response.body).unwrap_or_default();
    assert_ne!(json["status"], "error", "{promql}: {json}");
    json["data"]["result"].as_array().map_or(0, Vec::len)
}

/// Every panel query of the shipped dashboard, with Grafana's interval
/// variables as Grafana would fill them for a short range.
fn dashboard_queries() -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/grafana/railconn.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut queries = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        let title = panel["title"].as_str().unwrap().to_string();
        let targets = panel["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "{title} has no query");
        for target in targets {
            let expr = target["expr"]
                .as_str()
                .unwrap()
                .replace("$__rate_interval", "1m")
                .replace("$__range", "1h");
            assert!(!expr.contains('$'), "{title}: unknown variable in {expr}");
            queries.push((title.clone(), expr));
        }
    }
    queries
}

#[test]
fn a_redis_outage_shows_on_the_page_the_counters_the_log_and_the_dashboard() {
    let port = free_port();
    let mut redis = Some(OwnRedis::start(port, &REDIS_ARGS));
    wait_for_port(port);
    let serve = Serve::start(
        &[
            "--database-url",
            &pg_tls().url("app", "app-secret-pw-1", "appdb", "sslmode=require"),
            "--redis-url",
            &format!("redis://:{REDIS_PASSWORD}@127.0.0.1:{port}"),
            "--interval",
            "200ms",
            "--history",
            "60",
        ],
        &[("JWT_SECRET_KEY", JWT_SECRET)],
    );
    let prometheus = Prometheus::start(serve.addr);
    let redis_pass = r#"railconn_check_runs_total{check="redis",result="pass"}"#;
    let redis_fail = r#"railconn_check_runs_total{check="redis",result="fail"}"#;
    wait_metric(&serve, redis_pass, 3.0);

    redis.take();
    wait_metric(&serve, redis_fail, 3.0);
    let _back = OwnRedis::start(port, &REDIS_ARGS);
    wait_for_port(port);
    let passes = metric(&serve, redis_pass);
    wait_metric(&serve, redis_pass, passes + 2.0);

    // The page: failed cells with their code, uptime under 100 %.
    let dom = dump_dom(&format!("http://{}/", serve.addr));
    let row = dom
        .split("<tr ")
        .find(|row| row.starts_with("id=\"redis\""))
        .unwrap_or_else(|| panic!("no row for redis:\n{dom}"));
    assert!(row.contains("class=\"pass\""), "{row}");
    let failed_cells = row
        .split("<rect class=\"f\"")
        .skip(1)
        .filter(|cell| {
            let cell = cell.split("</rect>").next().unwrap_or_default();
            cell.contains("tabindex=\"0\"") && cell.contains("connection_refused at tcp")
        })
        .count();
    assert!(failed_cells >= 3, "{failed_cells} failed cells: {row}");
    let uptime = uptime_in(row.split("</svg>").nth(2).unwrap_or_default());
    assert!(uptime > 0.0 && uptime < 100.0, "uptime {uptime}: {row}");
    assert!(row.contains("last failure "), "{row}");
    // The title reads as a headline (the other checks may be slow under
    // load: their state is not this test's business).
    let title = dom
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or_default();
    assert!(
        title.ends_with(" · railconn") && !title.contains(':'),
        "{title}"
    );

    // /metrics: failures by code, promtool-clean.
    let failures =
        r#"railconn_check_failures_total{check="redis",step="tcp",code="connection_refused"}"#;
    assert!(metric(&serve, failures) >= 3.0);
    assert!(metric(&serve, r#"railconn_check_transitions_total{check="redis"}"#) >= 2.0);
    let text = serve.get("/metrics", &[]).body;
    assert!(
        text.contains("# TYPE railconn_check_duration_seconds histogram"),
        "{text}"
    );
    assert!(
        text.contains("railconn_check_duration_seconds_bucket{check=\"redis\",le=\"0.001\"}"),
        "{text}"
    );
    promtool(&["check", "metrics"], &text);

    // stderr: every check's first state, then Redis going down and back.
    let log = serve.stderr();
    let first = log.find("redis passes").expect(&log);
    let down = log[first..]
        .find("redis fails with connection_refused at tcp (")
        .expect(&log);
    assert!(
        log[first + down..].contains("redis passes ("),
        "no recovery line:\n{log}"
    );
    for check in ["postgres passes", "jwt passes"] {
        assert!(log.contains(check), "{log}");
    }

    // The dashboard: every panel query returns data.
    for (title, expr) in dashboard_queries() {
        let deadline = Instant::now() + Duration::from_secs(30);
        while series_count(&prometheus, &expr) == 0 {
            assert!(
                Instant::now() < deadline,
                "panel {title:?}: no data for {expr}"
            );
            thread::sleep(Duration::from_millis(250));
        }
    }
    for body in [&dom, &text, &log] {
        assert_no_secret("serve", body);
    }
}

/// `--log-format json`: every stderr line, the start-up lines included, is
/// one JSON object; a check's lines carry its fields.
#[test]
fn json_logs_are_one_object_per_line() {
    let serve = Serve::start(
        &[
            "--only",
            "redis",
            "--redis-url",
            &format!("redis://127.0.0.1:{}", crate::support::closed_port()),
            "--interval",
            "200ms",
            "--log-format",
            "json",
        ],
        &[],
    );
    serve.wait_health(503, &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !serve.stderr().contains("\"check\"") {
        assert!(
            Instant::now() < deadline,
            "no check line:\n{}",
            serve.stderr()
        );
        thread::sleep(Duration::from_millis(50));
    }
    let log = serve.stderr();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(lines.len() >= 3, "{log}");
    assert!(lines[0]["message"].as_str().unwrap().contains("http://"));
    let redis = lines.iter().find(|l| l["check"] == "redis").unwrap();
    assert_eq!(redis["level"], "error", "{redis}");
    assert_eq!(redis["code"], "connection_refused", "{redis}");
    assert_eq!(redis["step"], "tcp", "{redis}");
    assert!(redis["duration_ms"].is_number(), "{redis}");
}

/// An error that stops serve at start is a JSON line too, with no secret.
#[test]
fn a_start_up_error_is_a_json_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = railconn()
        .args([
            "serve",
            "--no-env-file",
            "--only",
            "redis",
            "--redis-url",
            &format!("redis://:{REDIS_PASSWORD}@127.0.0.1:1"),
            "--log-format",
            "json",
            "--listen",
            &addr,
        ])
        .run();
    assert_eq!(out.status.code(), Some(2));
    let err = crate::support::stderr(&out);
    let lines: Vec<serde_json::Value> = err
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert_eq!(lines[0]["level"], "error");
    assert!(
        lines[0]["message"].as_str().unwrap().contains(&addr),
        "{err}"
    );
    assert!(!err.contains(REDIS_PASSWORD), "{err}");
}

#[test]
fn history_has_an_upper_bound() {
    let out = railconn()
        .args(["serve", "--no-env-file", "--history", "100000"])
        .run();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        crate::support::stderr(&out).contains("1..=1440"),
        "{}",
        crate::support::stderr(&out)
    );
}
