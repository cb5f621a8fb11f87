//! Running one command: hermetic environment, wall time on a monotonic
//! clock, a hard timeout, and a check that it really succeeded. A command
//! that fails aborts the benchmark: its time would mean nothing.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// No single run may take longer than this.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// What counts as success.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// Exit 0 and stdout contains this text.
    Prints(&'static str),
    /// Exit 0 and railconn's JSON report says `"ready": true`.
    Ready,
    /// Exactly this exit code (e.g. 1: "not ready" with nothing configured).
    Exit(i32),
}

/// A benchmarked command.
#[derive(Clone, Debug)]
pub struct Cmd {
    pub name: String,
    pub argv: Vec<OsString>,
    pub env: Vec<(String, String)>,
    pub expect: Expect,
}

impl Cmd {
    pub fn new(name: &str, argv: &[&str], expect: Expect) -> Cmd {
        Cmd {
            name: name.to_string(),
            argv: argv.iter().map(OsString::from).collect(),
            env: Vec::new(),
            expect,
        }
    }

    pub fn env(mut self, key: &str, value: &str) -> Cmd {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// The same command run under `/usr/bin/time -v` (peak RSS).
    pub fn under_time(&self) -> Cmd {
        let mut timed = self.clone();
        timed
            .argv
            .splice(0..0, ["/usr/bin/time".into(), "-v".into()]);
        timed
    }

    /// Runs once in `home` (also the working directory) with only `PATH`,
    /// `HOME`, `NO_COLOR` and the command's own variables set.
    pub fn run(&self, home: &Path) -> Result<(Duration, Output), String> {
        let mut command = Command::new(&self.argv[0]);
        command
            .args(&self.argv[1..])
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", home)
            .env("NO_COLOR", "1")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(home)
            .stdin(Stdio::null());
        let (elapsed, output) = timed_output(command, &self.name)?;
        self.verify(&output)?;
        Ok((elapsed, output))
    }

    fn verify(&self, output: &Output) -> Result<(), String> {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let ok = match self.expect {
            Expect::Prints(text) => output.status.success() && stdout.contains(text),
            Expect::Ready => output.status.success() && is_ready(&stdout),
            Expect::Exit(code) => output.status.code() == Some(code),
        };
        if ok {
            return Ok(());
        }
        Err(format!(
            "{} did not succeed ({}, expected {:?})\nstdout:\n{stdout}\nstderr:\n{}",
            self.name,
            output.status,
            self.expect,
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn is_ready(json: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(json).is_ok_and(|v| v["ready"] == true)
}

/// Spawns, collects the output and times it on a worker thread; kills the
/// child (by its pid) if it outlives [`RUN_TIMEOUT`].
fn timed_output(mut command: Command, name: &str) -> Result<(Duration, Output), String> {
    let (done, result) = mpsc::channel();
    let (pid_tx, pid_rx) = mpsc::channel();
    thread::spawn(move || {
        let started = Instant::now();
        let child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let outcome = child.and_then(|child| {
            let _ = pid_tx.send(child.id());
            child.wait_with_output()
        });
        let _ = done.send(outcome.map(|output| (started.elapsed(), output)));
    });
    if let Ok(outcome) = result.recv_timeout(RUN_TIMEOUT) {
        outcome.map_err(|e| format!("{name}: could not run: {e}"))
    } else {
        if let Ok(pid) = pid_rx.try_recv() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        Err(format!("{name}: no exit within {RUN_TIMEOUT:?}; killed"))
    }
}

/// Median, min and max of a series, in milliseconds.
#[derive(Clone, Copy, Debug)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Stats {
    pub fn of(samples: &[Duration]) -> Stats {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        let n = ms.len();
        assert!(n > 0, "no samples");
        let median = if n % 2 == 1 {
            ms[n / 2]
        } else {
            f64::midpoint(ms[n / 2 - 1], ms[n / 2])
        };
        Stats {
            median,
            min: ms[0],
            max: ms[n - 1],
        }
    }
}

/// Peak RSS in KiB from `/usr/bin/time -v`'s report on stderr.
pub fn max_rss_kib(output: &Output) -> Option<u64> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
}
