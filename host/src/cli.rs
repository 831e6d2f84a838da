//! The `juzhu` command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::runtime::{Runtime, SandboxLimits};

#[derive(Parser)]
#[command(name = "juzhu", version, about = "Residence-permit policy as sandboxed WebAssembly modules")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the station's HTTP API.
    Serve {
        /// The station file (TOML); every key has a default, so it may be absent.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Create, list and revoke API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Build, inspect and check policy modules.
    #[command(subcommand)]
    Module(ModuleCommand),
    /// Run a module's vectors through its wasm component (and native build).
    Certify {
        /// The component to certify.
        module: PathBuf,
        /// The directory of YAML vectors.
        #[arg(long)]
        vectors: PathBuf,
    },
    /// Measure decision latency (wasm vs native), sandbox instantiation, HTTP
    /// throughput, durable submissions and ranking against their targets, and
    /// write BENCHMARKS.md. Run it from the repository root, in release
    /// (`scripts/bench.sh`); the HTTP figures need `wrk`.
    Bench {
        /// Where the built components are.
        #[arg(long, default_value = crate::module_build::OUTPUT_DIR)]
        modules: PathBuf,
        /// The report to write.
        #[arg(long, default_value = "BENCHMARKS.md")]
        out: PathBuf,
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
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it (once; only its hash is kept).
    Create {
        /// A name for the token's holder, e.g. `clerk-li`.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: crate::auth::Role,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// List tokens (never their secrets).
    List {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Revoke the active token with this name.
    Revoke {
        #[arg(long)]
        name: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the hash chain: detects any edited, deleted or reordered entry.
    Verify {
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ModuleCommand {
    /// Compile policy crates to components in target/modules/.
    Build {
        /// Module crate directories, e.g. plugins/jiaxing.
        #[arg(required = true)]
        crates: Vec<PathBuf>,
    },
    /// Check a component and print its metadata, digest and size.
    Inspect {
        module: PathBuf,
    },
}

/// The workspace root: the nearest ancestor of the current directory whose
/// Cargo.toml declares a workspace.
fn workspace_root() -> anyhow::Result<PathBuf> {
    let mut dir = std::env::current_dir()?;
    loop {
        let manifest = dir.join("Cargo.toml");
        if manifest.exists() && std::fs::read_to_string(&manifest)?.contains("[workspace]") {
            return Ok(dir);
        }
        if !dir.pop() {
            anyhow::bail!("not inside the juzhu workspace (no Cargo.toml with [workspace] above the current directory)");
        }
    }
}

fn load(path: &Path) -> anyhow::Result<(Runtime, crate::runtime::LoadedModule)> {
    let runtime = Runtime::new(SandboxLimits::default(), None)?;
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let module = runtime.load(&path.display().to_string(), &bytes)?;
    Ok((runtime, module))
}

fn station(config: &Option<PathBuf>) -> anyhow::Result<crate::config::StationConfig> {
    Ok(match config {
        Some(path) => crate::config::StationConfig::load(path)?,
        None => crate::config::StationConfig::default(),
    })
}

pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { config } => {
            crate::server::serve(station(&config)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(TokenCommand::Create { name, role, config }) => {
            let mut store = crate::server::open_store(&station(&config)?)?;
            let token = crate::auth::create(&mut store, "cli", &name, role)?;
            println!("created {} token `{name}` (shown once; only its hash is kept):", role.as_str());
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(TokenCommand::List { config }) => {
            let store = crate::server::open_store(&station(&config)?)?;
            for t in crate::auth::list(&store)? {
                let state = t.revoked_at.map(|r| format!("revoked {r}")).unwrap_or_else(|| "active".into());
                println!("{:<24} {:<10} created {} {state}", t.name, t.role.as_str(), t.created_at);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(TokenCommand::Revoke { name, config }) => {
            let mut store = crate::server::open_store(&station(&config)?)?;
            crate::auth::revoke(&mut store, "cli", &name)?;
            println!("revoked token `{name}`");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Verify { config }) => {
            let store = crate::server::open_store(&station(&config)?)?;
            match store.verify_audit() {
                Ok(n) => {
                    println!("audit log intact: {n} entries, hash chain verified");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: audit log broken: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Module(ModuleCommand::Build { crates }) => {
            let root = workspace_root()?;
            for dir in crates {
                let dir = if dir.is_absolute() { dir } else { std::env::current_dir()?.join(dir) };
                let out = crate::module_build::build(&root, &dir, &root.join(crate::module_build::OUTPUT_DIR))?;
                let (_, module) = load(&out)?;
                println!("built {} -> {} ({} bytes, sha256 {})", module.label(), out.display(), module.length(), module.sha256());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Module(ModuleCommand::Inspect { module }) => {
            let (_, loaded) = load(&module)?;
            println!("{}", serde_json::to_string_pretty(&serde_json::json!({
                "module": loaded.info(),
                "sha256": loaded.sha256(),
                "length": loaded.length(),
                "imports": [],
            }))?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { modules, out, iterations, seconds, connections, applicants } => {
            let options = crate::bench::BenchOptions { modules, out, iterations: iterations.max(10), seconds: seconds.max(1), connections: connections.max(1), applicants: applicants.max(1) };
            crate::bench::run(&options)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Certify { module, vectors } => {
            let runtime = Runtime::new(SandboxLimits::default(), None)?;
            let report = crate::certify::certify(&runtime, &module, &vectors)?;
            match crate::certify::print(&report) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e) => {
                    eprintln!("error: certification of {} failed: {e}", module.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
