//! `juzhu module build`: turns a policy-module crate into a component.
//!
//! The crate is compiled for `wasm32-unknown-unknown` in release, then the
//! core module (which carries the contract's component-type section, put there
//! by wit-bindgen) is made a component with wit-component. The result is
//! checked to import nothing before it is written.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::LoadError;

/// Why a module crate could not be built into a component.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{} has no [package] name", .0.display())]
    NoPackageName(PathBuf),
    #[error("cannot run cargo: {0}")]
    Cargo(#[source] std::io::Error),
    #[error(
        "cargo could not build {0} for wasm32-unknown-unknown (is the target installed? `rustup target add wasm32-unknown-unknown`)"
    )]
    CargoFailed(String),
    #[error(
        "the module carries no juzhu contract section; was it built with juzhu-sdk and `juzhu_sdk::export!`? ({0})"
    )]
    NoContract(String),
    #[error("wit-component could not encode the component: {0}")]
    Encode(String),
    #[error(transparent)]
    Refused(#[from] LoadError),
}

/// Where jurisdiction components go, relative to the workspace root.
pub const OUTPUT_DIR: &str = "target/modules";
/// The cargo target dir for wasm builds: separate from the host's, so a build
/// started while tests hold the host's target dir never waits on its lock.
pub const WASM_TARGET_DIR: &str = "target/wasm";

/// Makes a core wasm module built with the juzhu SDK into a component.
pub fn componentize(core: &[u8]) -> Result<Vec<u8>, BuildError> {
    wit_component::ComponentEncoder::default()
        .module(core)
        .map_err(|e| BuildError::NoContract(format!("{e:#}")))?
        .validate(true)
        .encode()
        .map_err(|e| BuildError::Encode(format!("{e:#}")))
}

/// The crate name in `dir/Cargo.toml`.
fn package_name(dir: &Path) -> Result<String, BuildError> {
    let manifest = dir.join("Cargo.toml");
    let text =
        std::fs::read_to_string(&manifest).map_err(|source| BuildError::Read { path: manifest.clone(), source })?;
    let mut in_package = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package
            && let Some(value) = line.strip_prefix("name").map(str::trim).and_then(|l| l.strip_prefix('='))
        {
            return Ok(value.trim().trim_matches('"').to_string());
        }
    }
    Err(BuildError::NoPackageName(manifest))
}

/// Whether the crate in `dir` declares its own `[workspace]`.
fn is_own_workspace(dir: &Path) -> Result<bool, BuildError> {
    let manifest = dir.join("Cargo.toml");
    let text =
        std::fs::read_to_string(&manifest).map_err(|source| BuildError::Read { path: manifest.clone(), source })?;
    Ok(text.lines().any(|l| l.trim() == "[workspace]"))
}

/// Builds the module crate in `dir` and writes `<out_dir>/<name>.wasm`, where
/// `<name>` is the crate name without its `juzhu-plugin-` prefix.
/// Jurisdiction modules go to [`OUTPUT_DIR`], where a station loads them from.
///
/// A crate that is its own workspace (as `juzhu module new` makes them, to
/// live outside this repository) is built by its manifest; it shares the wasm
/// target directory, so the SDK is compiled once for all modules.
pub fn build(workspace: &Path, dir: &Path, out_dir: &Path) -> Result<PathBuf, BuildError> {
    let package = package_name(dir)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(["build", "--release", "--target", "wasm32-unknown-unknown"]);
    if is_own_workspace(dir)? {
        command.current_dir(dir).arg("--manifest-path").arg(dir.join("Cargo.toml"));
    } else {
        command.current_dir(workspace).args(["-p", &package]);
    }
    let status =
        command.env("CARGO_TARGET_DIR", workspace.join(WASM_TARGET_DIR)).status().map_err(BuildError::Cargo)?;
    if !status.success() {
        return Err(BuildError::CargoFailed(package));
    }
    let artifact = package.replace('-', "_");
    let core_path =
        workspace.join(WASM_TARGET_DIR).join("wasm32-unknown-unknown/release").join(format!("{artifact}.wasm"));
    let core = std::fs::read(&core_path).map_err(|source| BuildError::Read { path: core_path.clone(), source })?;
    let component = componentize(&core)?;
    crate::check_no_imports(&package, &component)?;
    let name = package.strip_prefix("juzhu-plugin-").unwrap_or(&package);
    std::fs::create_dir_all(out_dir).map_err(|source| BuildError::Write { path: out_dir.to_path_buf(), source })?;
    let out = out_dir.join(format!("{name}.wasm"));
    // Durable and atomic: test processes build and read the same components
    // in parallel, and must never read half a file.
    juzhu_durable::write_atomic(&out, &component).map_err(|source| BuildError::Write { path: out.clone(), source })?;
    Ok(out)
}
