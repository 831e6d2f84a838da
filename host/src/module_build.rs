//! `juzhu module build`: turns a policy-module crate into a component.
//!
//! The crate is compiled for `wasm32-unknown-unknown` in release, then the
//! core module (which carries the contract's component-type section, put there
//! by wit-bindgen) is made a component with wit-component. The result is
//! checked to import nothing before it is written.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// Where jurisdiction components go, relative to the workspace root.
pub const OUTPUT_DIR: &str = "target/modules";
/// The cargo target dir for wasm builds: separate from the host's, so a build
/// started while tests hold the host's target dir never waits on its lock.
pub const WASM_TARGET_DIR: &str = "target/wasm";

/// Makes a core wasm module built with the juzhu SDK into a component.
pub fn componentize(core: &[u8]) -> anyhow::Result<Vec<u8>> {
    let component = wit_component::ComponentEncoder::default()
        .module(core)
        .context("the module carries no juzhu contract section; was it built with juzhu-sdk and `juzhu_sdk::export!`?")?
        .validate(true)
        .encode()
        .context("wit-component could not encode the component")?;
    Ok(component)
}

/// The crate name in `dir/Cargo.toml`.
fn package_name(dir: &Path) -> anyhow::Result<String> {
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).with_context(|| format!("cannot read {}", manifest.display()))?;
    let mut in_package = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            if let Some(value) = line.strip_prefix("name").map(str::trim).and_then(|l| l.strip_prefix('=')) {
                return Ok(value.trim().trim_matches('"').to_string());
            }
        }
    }
    bail!("{} has no [package] name", manifest.display())
}

/// Builds the module crate in `dir` and writes `<out_dir>/<name>.wasm`, where
/// `<name>` is the crate name without its `juzhu-plugin-` prefix.
/// Jurisdiction modules go to [`OUTPUT_DIR`], where a station loads them from.
pub fn build(workspace: &Path, dir: &Path, out_dir: &Path) -> anyhow::Result<PathBuf> {
    let package = package_name(dir)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace)
        .args(["build", "--release", "--target", "wasm32-unknown-unknown", "-p", &package])
        .env("CARGO_TARGET_DIR", workspace.join(WASM_TARGET_DIR))
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!(
            "cargo could not build {package} for wasm32-unknown-unknown (is the target installed? `rustup target add wasm32-unknown-unknown`)"
        );
    }
    let artifact = package.replace('-', "_");
    let core_path =
        workspace.join(WASM_TARGET_DIR).join("wasm32-unknown-unknown/release").join(format!("{artifact}.wasm"));
    let core = std::fs::read(&core_path).with_context(|| format!("cannot read {}", core_path.display()))?;
    let component = componentize(&core).with_context(|| format!("{}", core_path.display()))?;
    crate::runtime::check_no_imports(&package, &component)?;
    let name = package.strip_prefix("juzhu-plugin-").unwrap_or(&package);
    std::fs::create_dir_all(out_dir)?;
    let out = out_dir.join(format!("{name}.wasm"));
    // Written aside and renamed into place: test processes build and read
    // the same components in parallel, and must never read half a file.
    let partial = out.with_extension(format!("wasm.partial-{}", std::process::id()));
    std::fs::write(&partial, component).with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, &out)
        .with_context(|| format!("cannot move {} to {}", partial.display(), out.display()))?;
    Ok(out)
}
