//! `juzhu-bench`: the figures against their targets, and certification with
//! the native cross-check. Run by `scripts/bench.sh`; not part of the station.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use juzhu_runtime::{Runtime, SandboxLimits};

#[derive(Parser)]
#[command(name = "juzhu-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Measure decision latency (wasm vs native, and against the same rules
    /// in Rego), sandbox instantiation, HTTP throughput beside a trivial
    /// route, the station's peak memory, durable submissions, a hot swap and
    /// a ranking, against their targets; writes BENCHMARKS.md.
    Bench {
        /// Where the built components are.
        #[arg(long, default_value = juzhu_runtime::module_build::OUTPUT_DIR)]
        modules: PathBuf,
        /// The report to write [default: BENCHMARKS.md, unless --only is given,
        /// when the table is only printed].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Measure only these figures (comma-separated), e.g. `--only rego`
        /// for a quick look; the full report needs them all.
        #[arg(long, value_enum, value_delimiter = ',')]
        only: Vec<juzhu_bench::Part>,
        /// Timed runs per in-process latency figure.
        #[arg(long, default_value_t = 2000)]
        iterations: usize,
        /// Seconds of load per HTTP figure.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Connections the load generator keeps open.
        #[arg(long, default_value_t = 64)]
        connections: usize,
        /// Synthetic applicants in the ranking figure.
        #[arg(long, default_value_t = 1_000_000)]
        applicants: usize,
    },
    /// Run an in-tree module's vectors through its wasm component and its
    /// native build, and require identical results.
    Certify {
        /// The component to certify.
        module: PathBuf,
        /// The directory of YAML vectors.
        #[arg(long)]
        vectors: PathBuf,
        /// Generated applications for the invariants.
        #[arg(long, default_value_t = juzhu_runtime::certify::DEFAULT_CASES)]
        cases: u32,
        /// Write report.json and report.html here.
        #[arg(long)]
        report: Option<PathBuf>,
    },
}

fn main() -> anyhow::Result<ExitCode> {
    match Cli::parse().command {
        Command::Bench { modules, out, only, iterations, seconds, connections, applicants } => {
            let out = out.or_else(|| only.is_empty().then(|| PathBuf::from("BENCHMARKS.md")));
            let options = juzhu_bench::BenchOptions {
                modules,
                out,
                only,
                iterations: iterations.max(10),
                seconds: seconds.max(1),
                connections: connections.max(1),
                applicants: applicants.max(1),
            };
            juzhu_bench::run(&options)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Certify { module, vectors, cases, report: report_dir } => {
            let runtime = Runtime::new(SandboxLimits::default(), None)?;
            let loaded = runtime.load(&module.display().to_string(), &std::fs::read(&module)?)?;
            let native = juzhu_bench::native::module(&loaded.info().id);
            if native.is_none() {
                anyhow::bail!(
                    "{} is not an in-tree module; juzhu-bench links only the five in plugins/",
                    loaded.label()
                );
            }
            let options = juzhu_runtime::certify::CertifyOptions {
                native: native.as_ref().map(|n| n as &dyn juzhu_sdk::vectors::Subject),
                cases,
                ..Default::default()
            };
            let report = juzhu_runtime::certify::certify(&runtime, &module, &vectors, &options)?;
            if let Some(dir) = report_dir {
                let written = juzhu_runtime::certify::report::write(&report, &dir)?;
                println!(
                    "report: {} (sha256 {}) and {}",
                    written.json.display(),
                    written.sha256,
                    written.html.display()
                );
            }
            Ok(if juzhu_runtime::certify::print(&report) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
    }
}
