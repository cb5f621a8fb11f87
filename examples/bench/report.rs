//! The Markdown the benchmark prints: machine, network, one table of
//! timings, the ratios against their targets, and startup costs. Ready to
//! paste into the README.

use std::fmt::Write;
use std::fs;

use super::measure::Stats;

/// A timed command and its statistics.
pub struct Row {
    pub name: String,
    pub stats: Stats,
    /// e.g. `< 5 ms`, with the bound in ms; `None` when there is no target.
    pub target: Option<f64>,
}

/// `numerator / denominator` (by median) against an upper bound.
pub struct Ratio {
    pub label: String,
    pub value: f64,
    pub max: f64,
}

/// Everything that goes into the report.
pub struct Results {
    pub setup: Vec<String>,
    pub network: Vec<Row>,
    pub ratios: Vec<Ratio>,
    pub local: Vec<Row>,
    pub peak_rss_kib: Option<u64>,
    pub binary_bytes: u64,
}

/// `15 × AMD EPYC, Linux 6.1.0` from /proc.
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim());
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cpus} × {model}, Linux {}", kernel.trim())
}

pub fn markdown(results: &Results) -> String {
    let mut out = String::new();
    for line in &results.setup {
        let _ = writeln!(out, "- {line}");
    }
    out += "\n| Command (through the proxy) | median | min | max |\n|---|---:|---:|---:|\n";
    for row in &results.network {
        out += &stats_row(row);
    }
    out += "\n| Ratio (medians) | value | target | met |\n|---|---:|---:|:-:|\n";
    for ratio in &results.ratios {
        let met = ratio.value <= ratio.max;
        let _ = writeln!(
            out,
            "| {} | {:.2} | ≤ {:.2} | {} |",
            ratio.label,
            ratio.value,
            ratio.max,
            yes_no(met)
        );
    }
    out += &local_table(results);
    out
}

fn stats_row(row: &Row) -> String {
    let s = row.stats;
    format!(
        "| {} | {:.1} ms | {:.1} ms | {:.1} ms |\n",
        row.name, s.median, s.min, s.max
    )
}

fn local_table(results: &Results) -> String {
    let mut out = String::from("\n| Local cost (no proxy) | median | min | max | target | met |\n");
    out += "|---|---:|---:|---:|---:|:-:|\n";
    for row in &results.local {
        let s = row.stats;
        let (target, met) = match row.target {
            Some(max) => (format!("< {max:.0} ms"), yes_no(s.median < max)),
            None => (String::new(), ""),
        };
        let _ = writeln!(
            out,
            "| {} | {:.1} ms | {:.1} ms | {:.1} ms | {target} | {met} |",
            row.name, s.median, s.min, s.max
        );
    }
    let rss = results
        .peak_rss_kib
        .map_or("n/a (no /usr/bin/time)".to_string(), |k| mib(k * 1024));
    let _ = writeln!(out, "| Peak RSS, full `railconn check` | {rss} | | | | |");
    let _ = writeln!(
        out,
        "| Release binary size | {} | | | | |",
        mib(results.binary_bytes)
    );
    out
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn yes_no(met: bool) -> &'static str {
    if met { "yes" } else { "**no**" }
}
