//! The `juzhu` command line: one module per command group, each holding its
//! own arguments and handler. Handlers parse arguments, call the station's
//! crates and print; no domain work happens here.

mod audit;
mod backup;
mod card;
mod compare;
mod module;
mod module_new;
mod pins;
mod registry;
mod shadow;
mod store;
mod token;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use juzhu_runtime::{Runtime, SandboxLimits};

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
        /// Create a new station even where the data directory shows an
        /// earlier one (compiled cache, registry trust state, card lock,
        /// audit checkpoints) but its database is missing or empty. Without
        /// it, such a start is refused; the first start on an empty data
        /// directory needs no flag.
        #[arg(long)]
        init: bool,
    },
    /// Create, list and revoke API tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Copy the station's SQLite store to a new file, safely while it serves
    /// (PostgreSQL: use pg_dump or base backups).
    Backup(backup::Backup),
    /// Replace the station's SQLite store with a backup whose schema and
    /// audit trail verify; the station must be stopped.
    Restore(backup::Restore),
    /// Move the station's store between engines.
    #[command(subcommand)]
    Store(store::StoreCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Build, inspect and check policy modules.
    #[command(subcommand)]
    Module(module::ModuleCommand),
    /// IC cards: list readers, issue, reissue, endorse, follow, verify.
    #[command(subcommand)]
    Card(card::CardCommand),
    /// Run the certification kit on a module's wasm component: vectors,
    /// clause coverage, framework invariants, resource profile, and with
    /// --baseline the changes from a previous version.
    Certify(module::Certify),
    /// What a new module version would do to a station's recorded cases,
    /// offline; nothing is written.
    Shadow(shadow::Shadow),
    /// Decide one application in every jurisdiction whose module is in a
    /// directory, side by side (as `POST /v1/compare`); nothing is recorded.
    Compare(compare::Compare),
    /// Create an ed25519 signing key (private file 0600, public `.pub` beside it).
    #[command(subcommand)]
    Key(registry::KeyCommand),
    /// Create and maintain a signed module registry (TUF 1.0).
    #[command(subcommand)]
    Registry(registry::RegistryCommand),
    /// Publish a module for a district, signed by the district's keys.
    Publish(registry::Publish),
    /// Certify a published module: run the certification kit, then sign an
    /// attestation (with the report's sha256) with the certification keys. A
    /// failing module is refused, unsigned.
    Attest(registry::Attest),
    /// Hold a jurisdiction at a certified version (written to the audit log).
    Pin(pins::Pin),
    /// Lift a jurisdiction's pin (written to the audit log).
    Unpin(pins::DivisionArgs),
    /// Pin a jurisdiction to the certified version before the one in force
    /// today (written to the audit log).
    Rollback(pins::DivisionArgs),
}

pub fn run() -> anyhow::Result<ExitCode> {
    match Cli::parse().command {
        Command::Serve { config, init } => {
            juzhu_station::server::serve_with(station(&config)?, init, juzhu_console::mount)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(command) => token::run(command),
        Command::Backup(args) => backup::backup(args),
        Command::Restore(args) => backup::restore(args),
        Command::Store(command) => store::run(command),
        Command::Audit(command) => audit::run(command),
        Command::Module(command) => module::run(command),
        Command::Card(command) => card::run(command),
        Command::Certify(args) => module::certify(args),
        Command::Compare(args) => compare::run(args),
        Command::Shadow(args) => shadow::run(args),
        Command::Key(command) => registry::key(command),
        Command::Registry(command) => registry::registry(command),
        Command::Publish(args) => registry::publish(args),
        Command::Attest(args) => registry::attest(args),
        Command::Pin(args) => pins::pin(args),
        Command::Unpin(args) => pins::unpin(args),
        Command::Rollback(args) => pins::rollback(args),
    }
}

pub(crate) fn load(path: &Path) -> anyhow::Result<(Runtime, juzhu_runtime::LoadedModule)> {
    let runtime = Runtime::new(SandboxLimits::default(), None)?;
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let module = runtime.load(&path.display().to_string(), &bytes)?;
    Ok((runtime, module))
}

pub(crate) fn station(config: &Option<PathBuf>) -> anyhow::Result<juzhu_station::config::StationConfig> {
    Ok(match config {
        Some(path) => juzhu_station::config::StationConfig::load(path)?,
        None => juzhu_station::config::StationConfig::default(),
    })
}

/// Prints a refusal and that nothing was written, and fails.
pub(crate) fn refused(message: String) -> anyhow::Result<ExitCode> {
    eprintln!("refused: {message}");
    eprintln!("nothing was signed or written");
    Ok(ExitCode::FAILURE)
}
