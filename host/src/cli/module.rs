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
}

/// Run a module's vectors through its wasm component.
#[derive(clap::Args)]
pub struct Certify {
    /// The component to certify.
    module: PathBuf,
    /// The directory of YAML vectors.
    #[arg(long)]
    vectors: PathBuf,
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

pub fn certify(Certify { module, vectors }: Certify) -> anyhow::Result<ExitCode> {
    let runtime = Runtime::new(SandboxLimits::default(), None)?;
    let report = juzhu_runtime::certify::certify(&runtime, &module, &vectors, None)?;
    if juzhu_runtime::certify::print(&report) {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: certification of {} failed", module.display());
        Ok(ExitCode::FAILURE)
    }
}
