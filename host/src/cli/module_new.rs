//! `juzhu module new <name> --division <code>`: a policy-module crate ready to
//! work. It has a clause-table skeleton, one route, a vector file and a
//! README; it builds with `juzhu module build` and `juzhu certify` passes on
//! it straight away, so an author starts from a module that works and
//! changes it clause by clause.
//!
//! The crate is its own workspace and depends on this repository's SDK by
//! path, so it can live in a district's own repository. It gets a copy of
//! this repository's `Cargo.lock`, so it builds with the dependency versions
//! juzhu is tested with.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

const FILES: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("module_template/Cargo.toml.in")),
    ("build.rs", include_str!("module_template/build.rs.in")),
    ("clauses.toml", include_str!("module_template/clauses.toml.in")),
    ("src/clauses.rs", include_str!("module_template/clauses.rs.in")),
    ("src/lib.rs", include_str!("module_template/lib.rs.in")),
    ("vectors/evaluate.yaml", include_str!("module_template/vectors.yaml.in")),
    ("README.md", include_str!("module_template/README.md.in")),
];

/// Create a policy-module crate that builds and certifies as it is.
#[derive(clap::Args)]
pub struct New {
    /// The module's name: lowercase letters, digits and `-`, starting with a
    /// letter (e.g. `wenzhou-lucheng`).
    pub name: String,
    /// The jurisdiction's GB/T 2260 division code (six digits).
    #[arg(long)]
    pub division: String,
    /// The directory to create the crate in [default: the current directory].
    #[arg(long)]
    pub into: Option<PathBuf>,
    /// This repository's `sdk/` [default: found from the current directory].
    #[arg(long)]
    pub sdk: Option<PathBuf>,
}

fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-');
    if !ok {
        bail!(
            "module name `{name}` is not usable: use lowercase letters, digits and `-`, starting with a letter and at most 40 characters (e.g. `wenzhou-lucheng`)"
        );
    }
    Ok(())
}

fn check_division(code: &str) -> anyhow::Result<()> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) || code.starts_with('0') {
        bail!("division `{code}` is not a GB/T 2260 code: expected six digits, e.g. 330105");
    }
    Ok(())
}

pub fn run(New { name, division, into, sdk }: New) -> anyhow::Result<ExitCode> {
    check_name(&name)?;
    check_division(&division)?;
    let root = super::module::workspace_root().ok();
    let sdk = match (sdk, &root) {
        (Some(sdk), _) => sdk,
        (None, Some(root)) => root.join("sdk"),
        (None, None) => bail!("cannot find juzhu's sdk/: run inside the juzhu repository or give --sdk <path to sdk/>"),
    };
    let sdk = std::path::absolute(&sdk).with_context(|| format!("cannot resolve {}", sdk.display()))?;
    if !sdk.join("Cargo.toml").exists() || !sdk.join("build/Cargo.toml").exists() {
        bail!("{} is not juzhu's sdk/ (it has no Cargo.toml and build/Cargo.toml)", sdk.display());
    }
    let into = std::path::absolute(into.unwrap_or_else(|| PathBuf::from(".")))?;
    if let Some(root) = &root {
        // A crate with its own [workspace] under a members glob of this
        // workspace would break the workspace's build.
        for glob in ["plugins", "tests/fixtures"] {
            if into.starts_with(root.join(glob)) {
                bail!(
                    "{} is inside this repository's {glob}/, whose crates are members of its workspace; create the module elsewhere (e.g. --into ../modules)",
                    into.display()
                );
            }
        }
    }
    let target = into.join(&name);
    if target.exists() {
        bail!("{} already exists; nothing was written", target.display());
    }
    // Everything is written beside the target and renamed into place: an
    // interrupted run leaves no half-made crate.
    let partial = into.join(format!(".{name}.partial-{}", std::process::id()));
    let written = write_crate(&partial, &name, &division, &sdk, &target, root.as_deref());
    if let Err(e) =
        written.and_then(|()| std::fs::rename(&partial, &target).context("renaming the new crate into place"))
    {
        let _ = std::fs::remove_dir_all(&partial);
        return Err(e);
    }
    println!("created {} (module {name} for {division})", target.display());
    println!("build it:   juzhu module build {}", target.display());
    println!("certify it: juzhu certify target/modules/{name}.wasm --vectors {}", target.join("vectors").display());
    Ok(ExitCode::SUCCESS)
}

fn write_crate(
    dir: &Path,
    name: &str,
    division: &str,
    sdk: &Path,
    target: &Path,
    root: Option<&Path>,
) -> anyhow::Result<()> {
    let sdk_text = sdk.to_str().context("the sdk path is not UTF-8")?;
    let target_text = target.to_str().context("the target path is not UTF-8")?;
    for (file, template) in FILES {
        let text = template
            .replace("{{name}}", name)
            .replace("{{division}}", division)
            .replace("{{sdk}}", sdk_text)
            .replace("{{dir}}", target_text);
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().expect("template files are in the crate"))
            .with_context(|| format!("cannot create {}", dir.display()))?;
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(lock) = root.map(|r| r.join("Cargo.lock")).filter(|l| l.exists()) {
        std::fs::copy(&lock, dir.join("Cargo.lock")).with_context(|| format!("cannot copy {}", lock.display()))?;
    }
    Ok(())
}
