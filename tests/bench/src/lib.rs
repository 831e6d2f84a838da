//! `juzhu-bench`: the station's speed figures against their targets, and the
//! native builds of the five in-tree modules.
//!
//! This crate, not the station, links policy code: the `juzhu` binary that
//! operators run contains no rule. Here the native builds serve as the
//! benchmark's baseline and as the certification kit's cross-check
//! (`juzhu-bench certify`), which the test suite runs for every in-tree module.
//!
//! A benchmark, not a timed test: it prints what it measured next to the
//! target and writes the same table to `BENCHMARKS.md` with a description of
//! the machine. A missed target is reported, never hidden, and fails nothing.
//!
//! - [`decision`]: per-decision latency, wasm against native, and sandbox
//!   instantiation, in process;
//! - [`rego`]: the wasm decision against the same Gongshu rules in Rego,
//!   evaluated by regorus, in process;
//! - [`http`]: evaluate throughput with p50/p99 latency beside a trivial
//!   route's (`GET /health`), the station's peak memory, and durable
//!   submissions per second, against a real `juzhu serve` driven by `wrk`
//!   with 64 connections on loopback;
//! - [`hot_swap`]: a new module version published and certified in a signed
//!   registry while the station is under load;
//! - [`ranking`]: ranking a million synthetic applicants for a limited
//!   service through the service layer.

pub mod decision;
pub mod hot_swap;
pub mod http;
pub mod native;
pub mod postgres;
pub mod ranking;
pub mod rego;

use std::fmt::Write as _;
use std::path::PathBuf;

pub use decision::realistic_application;

/// A group of figures, as `--only` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Part {
    /// Per-decision latency, wasm against native, and instantiation.
    Decision,
    /// The wasm decision against the same rules in Rego (regorus).
    Rego,
    /// HTTP evaluate and trivial-route throughput, peak memory, durable submissions.
    Http,
    /// A hot swap under load.
    HotSwap,
    /// The ranking of synthetic applicants.
    Ranking,
    /// Durable submissions on PostgreSQL, one station and two.
    Postgres,
}

/// What to measure and where to write it.
pub struct BenchOptions {
    /// Where the built components are.
    pub modules: PathBuf,
    /// The report to write (BENCHMARKS.md); `None`: print only.
    pub out: Option<PathBuf>,
    /// The figures to measure; empty: all.
    pub only: Vec<Part>,
    /// Timed runs per in-process latency figure.
    pub iterations: usize,
    /// Seconds of load per HTTP figure.
    pub seconds: u64,
    /// Concurrent connections of the load generator.
    pub connections: usize,
    /// Synthetic applicants in the ranking figure.
    pub applicants: usize,
}

/// One row of the results table.
pub struct Figure {
    name: String,
    measured: String,
    /// `None` for a figure reported for context, with no target.
    target: Option<(&'static str, bool)>,
}

impl Figure {
    /// A figure with a target, and whether it was met.
    pub fn target(name: impl Into<String>, measured: String, target: &'static str, met: bool) -> Self {
        Figure { name: name.into(), measured, target: Some((target, met)) }
    }

    /// A figure reported for context.
    pub fn info(name: impl Into<String>, measured: String) -> Self {
        Figure { name: name.into(), measured, target: None }
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse::<u64>().unwrap_or(0)))
        .map(|kb| format!("{:.0} GiB", kb as f64 / (1 << 20) as f64))
        .unwrap_or_else(|| "unknown memory".into());
    format!("{cpu}, {cores} cores, {memory}; {} {}", std::env::consts::OS, std::env::consts::ARCH)
}

fn table(figures: &[Figure]) -> String {
    let mut table = String::new();
    let _ = writeln!(table, "| figure | measured | target | met |");
    let _ = writeln!(table, "|---|---|---|---|");
    for f in figures {
        let (target, met) = match f.target {
            Some((target, true)) => (target, "yes"),
            Some((target, false)) => (target, "NO"),
            None => ("—", ""),
        };
        let _ = writeln!(table, "| {} | {} | {target} | {met} |", f.name, f.measured);
    }
    table
}

impl BenchOptions {
    fn wants(&self, part: Part) -> bool {
        self.only.is_empty() || self.only.contains(&part)
    }
}

/// Runs the chosen figures, prints the table and writes the report.
pub fn run(options: &BenchOptions) -> anyhow::Result<()> {
    let mut figures = Vec::new();
    let mut method = Vec::new();
    let mut add = |(f, setup): (Vec<Figure>, String)| {
        figures.extend(f);
        method.push(setup);
    };

    if options.wants(Part::Decision) {
        println!("measuring per-decision latency and instantiation ({} runs each)…", options.iterations);
        add(decision::measure(&options.modules, options.iterations)?);
    }
    if options.wants(Part::Rego) {
        println!("measuring the same rules in Rego against the wasm decision ({} runs each)…", options.iterations);
        add(rego::measure(&options.modules, options.iterations)?);
    }
    if options.wants(Part::Http) {
        println!(
            "measuring HTTP throughput, a trivial route and durable submissions ({} s each, {} connections)…",
            options.seconds, options.connections
        );
        add(http::measure(&options.modules, options.seconds, options.connections)?);
    }
    if options.wants(Part::HotSwap) {
        println!("measuring a hot swap under load…");
        add(hot_swap::measure(&options.modules, options.seconds, options.connections)?);
    }
    if options.wants(Part::Postgres) {
        println!("measuring durable submissions on PostgreSQL, one station and two ({} s each)…", options.seconds);
        add(postgres::measure(&options.modules, options.seconds, options.connections)?);
    }
    if options.wants(Part::Ranking) {
        println!("measuring the ranking of {} applicants…", options.applicants);
        add(ranking::measure(&options.modules, options.applicants)?);
    }

    let table = table(&figures);
    let profile = if cfg!(debug_assertions) {
        "dev profile (numbers are not representative; use scripts/bench.sh)"
    } else {
        "release profile"
    };
    let mut report = format!(
        "# juzhu benchmarks\n\nWritten by `juzhu bench` (`scripts/bench.sh`); do not edit by hand.\n\n- machine: {}\n- build: {profile}\n",
        machine()
    );
    for m in &method {
        let _ = writeln!(report, "- {m}");
    }
    let _ = write!(report, "\n{table}");
    print!("{table}");
    if let Some(out) = &options.out {
        std::fs::write(out, report).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
        println!("written to {}", out.display());
    }
    Ok(())
}
