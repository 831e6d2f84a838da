//! `juzhu module` and `juzhu certify`: build, inspect and certify policy
//! modules. The station binary links no policy code, so `certify` runs the
//! wasm component only; `juzhu-bench certify` adds the native cross-check for
//! the in-tree modules.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use juzhu_runtime::{Runtime, SandboxLimits};

use super::load;

#[derive(Subcommand)]
pub enum ModuleCommand {
    /// Compile policy crates to components in target/modules/.
    Build {
        /// Module crate directories, e.g. plugins/jiaxing.
        #[arg(required = true)]
        crates: Vec<PathBuf>,
    },
    /// Check a component and print its metadata, digest and size.
    Inspect { module: PathBuf },
    /// Create a policy-module crate that builds and certifies as it is.
    New(super::module_new::New),
}

/// Run the certification kit on a module's wasm component.
#[derive(clap::Args)]
pub struct Certify {
    /// The component to certify.
    module: PathBuf,
    #[command(flatten)]
    kit: KitArgs,
}

/// What the certification kit runs on, shared by `certify` and `attest`.
#[derive(clap::Args)]
pub struct KitArgs {
    /// The module's directory of YAML vectors.
    #[arg(long)]
    pub vectors: PathBuf,
    /// Write report.json and a self-contained report.html into this directory.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// The previous version of the module: list every case whose answer changed.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// The module's declared departures [default: departures.yaml beside the vectors].
    #[arg(long)]
    pub departures: Option<PathBuf>,
    /// Generated applications for the invariants and the comparison.
    #[arg(long, default_value_t = juzhu_runtime::certify::DEFAULT_CASES)]
    pub cases: u32,
    /// The generator's seed (a report names the one it used).
    #[arg(long, default_value_t = juzhu_runtime::certify::invariants::DEFAULT_SEED)]
    pub seed: u64,
}

impl KitArgs {
    /// Runs the kit on `module`, prints the report and writes its files when
    /// asked; returns the report and, when written, the sha256 of report.json.
    pub fn run(
        &self,
        module: &std::path::Path,
    ) -> anyhow::Result<(juzhu_runtime::certify::CertifyReport, Option<String>)> {
        let runtime = Runtime::new(SandboxLimits::default(), None)?;
        let options = juzhu_runtime::certify::CertifyOptions {
            native: None,
            departures: self.departures.clone(),
            seed: self.seed,
            cases: self.cases,
            baseline: self.baseline.clone(),
        };
        let report = juzhu_runtime::certify::certify(&runtime, module, &self.vectors, &options)?;
        juzhu_runtime::certify::print(&report);
        let digest = match &self.report {
            Some(dir) => {
                let written = juzhu_runtime::certify::report::write(&report, dir)?;
                println!(
                    "report: {} (sha256 {}) and {}",
                    written.json.display(),
                    written.sha256,
                    written.html.display()
                );
                Some(written.sha256)
            }
            None => None,
        };
        Ok((report, digest))
    }
}

/// The workspace root: the nearest ancestor of the current directory whose
/// Cargo.toml declares a workspace.
pub(super) fn workspace_root() -> anyhow::Result<PathBuf> {
    let mut dir = std::env::current_dir()?;
    loop {
        let manifest = dir.join("Cargo.toml");
        if manifest.exists() && std::fs::read_to_string(&manifest)?.contains("[workspace]") {
            return Ok(dir);
        }
        if !dir.pop() {
            anyhow::bail!(
                "not inside the juzhu workspace (no Cargo.toml with [workspace] above the current directory)"
            );
        }
    }
}

pub fn run(command: ModuleCommand) -> anyhow::Result<ExitCode> {
    match command {
        ModuleCommand::Build { crates } => {
            let root = workspace_root()?;
            for dir in crates {
                let dir = if dir.is_absolute() { dir } else { std::env::current_dir()?.join(dir) };
                let out = juzhu_runtime::module_build::build(
                    &root,
                    &dir,
                    &root.join(juzhu_runtime::module_build::OUTPUT_DIR),
                )?;
                let (_, module) = load(&out)?;
                println!(
                    "built {} -> {} ({} bytes, sha256 {})",
                    module.label(),
                    out.display(),
                    module.length(),
                    module.sha256()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ModuleCommand::New(args) => super::module_new::run(args),
        ModuleCommand::Inspect { module } => {
            let (_, loaded) = load(&module)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "module": loaded.info(),
                    "sha256": loaded.sha256(),
                    "length": loaded.length(),
                    "imports": [],
                }))?
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn certify(Certify { module, kit }: Certify) -> anyhow::Result<ExitCode> {
    let (report, _) = kit.run(&module)?;
    if report.passed() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: certification of {} failed: {} failures", module.display(), report.failures().len());
        Ok(ExitCode::FAILURE)
    }
}
