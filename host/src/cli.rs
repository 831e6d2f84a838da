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
    /// Create an ed25519 signing key (private file 0600, public `.pub` beside it).
    #[command(subcommand)]
    Key(KeyCommand),
    /// Create and maintain a signed module registry (TUF 1.0).
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// Publish a module for a district, signed by the district's keys.
    Publish {
        /// The component to publish.
        module: PathBuf,
        /// The six-digit division the module is written for, e.g. 330105.
        #[arg(long)]
        district: String,
        /// The legal date from which it applies (YYYY-MM-DD), today or later
        /// in the jurisdiction's time zone.
        #[arg(long)]
        effective_from: String,
        #[command(flatten)]
        signing: Signing,
    },
    /// Certify a published module: run its vectors, then sign an attestation
    /// with the certification keys. A failing module is refused, unsigned.
    Attest {
        /// The component, byte for byte as published.
        module: PathBuf,
        /// The module's directory of YAML vectors.
        #[arg(long)]
        vectors: PathBuf,
        #[command(flatten)]
        signing: Signing,
    },
    /// Hold a jurisdiction at a certified version (written to the audit log).
    Pin {
        /// The division whose module is pinned, e.g. 330105.
        division: String,
        /// A certified, non-revoked version, e.g. 1.0.0.
        version: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Lift a jurisdiction's pin (written to the audit log).
    Unpin {
        division: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Pin a jurisdiction to the certified version before the one in force
    /// today (written to the audit log).
    Rollback {
        division: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Measure per-decision latency (wasm vs native) and sandbox instantiation
    /// against their targets, and write BENCHMARKS.md.
    Bench {
        /// Where the built components are.
        #[arg(long, default_value = crate::module_build::OUTPUT_DIR)]
        modules: PathBuf,
        /// The report to write.
        #[arg(long, default_value = "BENCHMARKS.md")]
        out: PathBuf,
        /// Timed runs per figure.
        #[arg(long, default_value_t = 2000)]
        iterations: usize,
    },
}

/// Where the registry is and which keys sign.
#[derive(clap::Args)]
struct Signing {
    /// The registry directory.
    #[arg(long, default_value = "registry")]
    registry: PathBuf,
    /// A private key file to sign with; repeat for each key. Each role is
    /// signed by the keys given that belong to it. A passphrase-protected key
    /// reads its passphrase from JUZHU_KEY_PASSPHRASE.
    #[arg(long = "key", value_name = "KEY_FILE")]
    keys: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Write a new private key to PATH (0600) and its public key to PATH.pub.
    New {
        path: PathBuf,
        /// Encrypt the private key with the passphrase in JUZHU_KEY_PASSPHRASE.
        #[arg(long)]
        encrypt: bool,
    },
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// Create a registry: root, targets, snapshot and timestamp, and the
    /// certification role (delegated attestations/*/*).
    Init {
        /// Public (.pub) or private key files for each role; repeat for m-of-n.
        #[arg(long = "root", required = true)]
        root: Vec<PathBuf>,
        #[arg(long, default_value_t = 1)]
        root_threshold: u32,
        #[arg(long = "targets", required = true)]
        targets: Vec<PathBuf>,
        #[arg(long, default_value_t = 1)]
        targets_threshold: u32,
        #[arg(long = "snapshot", required = true)]
        snapshot: Vec<PathBuf>,
        #[arg(long = "timestamp", required = true)]
        timestamp: Vec<PathBuf>,
        #[arg(long = "certification", required = true)]
        certification: Vec<PathBuf>,
        #[arg(long, default_value_t = 1)]
        certification_threshold: u32,
        #[command(flatten)]
        signing: Signing,
    },
    /// Delegate districts/<code>/* to a new terminating role for the district.
    Delegate {
        /// The six-digit division code.
        code: String,
        /// The district's public keys; repeat for m-of-n.
        #[arg(long = "district-key", required = true)]
        district_keys: Vec<PathBuf>,
        #[arg(long, default_value_t = 1)]
        threshold: u32,
        #[command(flatten)]
        signing: Signing,
    },
    /// Revoke a module version (signed by its district, or else by
    /// certification) or a delegated key (signed by targets).
    Revoke {
        /// The version to revoke: <code>/<module-id>@<version>, e.g. 330105/hangzhou-gongshu@1.1.0.
        #[arg(long, conflicts_with = "key_id", required_unless_present = "key_id")]
        module: Option<String>,
        /// Why; recorded in the signed metadata.
        #[arg(long, requires = "module")]
        reason: Option<String>,
        /// The id (or a unique prefix) of a delegated key to remove.
        #[arg(long)]
        key_id: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Replace top-level roles' keys (a revoked or lost key, a new holder):
    /// a new root version signed by the old root's keys and the new ones,
    /// then each changed role re-signed with its new keys.
    Rotate {
        /// New root keys (public or private key files); omit to keep them.
        #[arg(long = "root")]
        root: Vec<PathBuf>,
        #[arg(long, default_value_t = 1)]
        root_threshold: u32,
        #[arg(long = "targets")]
        targets: Vec<PathBuf>,
        #[arg(long, default_value_t = 1)]
        targets_threshold: u32,
        #[arg(long = "snapshot")]
        snapshot: Vec<PathBuf>,
        #[arg(long = "timestamp")]
        timestamp: Vec<PathBuf>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Sign a new timestamp (stations freeze when it expires).
    RefreshTimestamp {
        /// Days the new timestamp is valid.
        #[arg(long, default_value_t = 7)]
        days: i64,
        #[command(flatten)]
        signing: Signing,
    },
    /// Each role's version, expiry and keys, and each module's state.
    Status {
        #[arg(long, default_value = "registry")]
        registry: PathBuf,
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

fn passphrase() -> Option<String> {
    std::env::var("JUZHU_KEY_PASSPHRASE").ok()
}

fn keyring(keys: &[PathBuf]) -> anyhow::Result<juzhu_registry::Keyring> {
    let mut ring = juzhu_registry::Keyring::default();
    for path in keys {
        ring.add(juzhu_registry::SigningKey::read(path, passphrase().as_deref())?);
    }
    Ok(ring)
}

fn role_spec(files: &[PathBuf], threshold: u32) -> anyhow::Result<juzhu_registry::repo::RoleSpec> {
    let keys = files
        .iter()
        .map(|p| juzhu_registry::keys::read_public(p, passphrase().as_deref()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(juzhu_registry::repo::RoleSpec { keys, threshold })
}

/// Prints what was signed, or the refusal, and sets the exit code.
fn signed(result: Result<Vec<String>, juzhu_registry::Error>) -> anyhow::Result<ExitCode> {
    match result {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{}", if e.to_string().starts_with("refused") { e.to_string() } else { format!("refused: {e}") });
            eprintln!("nothing was signed or written");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn refused(message: String) -> anyhow::Result<ExitCode> {
    eprintln!("refused: {message}");
    eprintln!("nothing was signed or written");
    Ok(ExitCode::FAILURE)
}

fn open_repo(path: &Path) -> anyhow::Result<juzhu_registry::Repository> {
    Ok(juzhu_registry::Repository::open(path, jiff::Timestamp::now())?)
}

/// Today in a module's time zone: the publication date that an effective date may not precede.
fn today_in(zone: &str) -> anyhow::Result<jiff::civil::Date> {
    let tz = jiff::tz::TimeZone::get(zone).with_context(|| format!("the module names time zone {zone}"))?;
    Ok(jiff::Timestamp::now().to_zoned(tz).date())
}

fn print_pin(report: &crate::service::PinReport) {
    println!(
        "{} {}: pinned {}; in force today was {}, is now {} (audit seq {})",
        report.division,
        report.module_id,
        report.pinned.as_deref().unwrap_or("nothing"),
        report.in_force_before.as_deref().unwrap_or("none"),
        report.in_force_now.as_deref().unwrap_or("none"),
        report.audit_seq.map(|s| s.to_string()).unwrap_or_else(|| "-".into())
    );
}

/// A station's service, for pin and rollback from the command line. A
/// running station applies the pin at its next poll, or at once on
/// `POST /v1/registry/refresh`.
fn station_service(config: &Option<PathBuf>) -> anyhow::Result<std::sync::Arc<crate::service::Service>> {
    let (service, admin) = crate::server::build(&station(config)?)?;
    if let Some(token) = admin {
        println!("admin token (shown once; keep it safe): {token}");
    }
    Ok(service)
}

fn pin_outcome(result: Result<crate::service::PinReport, crate::service::ServiceError>) -> anyhow::Result<ExitCode> {
    match result {
        Ok(report) => {
            print_pin(&report);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("refused: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Key(KeyCommand::New { path, encrypt }) => {
            let pass = if encrypt {
                match passphrase() {
                    Some(p) => Some(p),
                    None => return refused("--encrypt needs the passphrase in JUZHU_KEY_PASSPHRASE".into()),
                }
            } else {
                None
            };
            let key = juzhu_registry::SigningKey::generate();
            match key.write(&path, pass.as_deref()) {
                Ok(public) => {
                    println!(
                        "wrote private key {} (0600{}) and public key {}; key id {}",
                        path.display(),
                        if encrypt { ", passphrase-protected" } else { "" },
                        public.display(),
                        key.keyid()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e.to_string()),
            }
        }
        Command::Registry(RegistryCommand::Init {
            root,
            root_threshold,
            targets,
            targets_threshold,
            snapshot,
            timestamp,
            certification,
            certification_threshold,
            signing,
        }) => {
            let spec = juzhu_registry::repo::InitSpec {
                root: role_spec(&root, root_threshold)?,
                targets: role_spec(&targets, targets_threshold)?,
                snapshot: role_spec(&snapshot, 1)?,
                timestamp: role_spec(&timestamp, 1)?,
                certification: role_spec(&certification, certification_threshold)?,
            };
            let ring = keyring(&signing.keys)?;
            let result = juzhu_registry::Repository::init(&signing.registry, &spec, &ring, jiff::Timestamp::now());
            if result.is_ok() {
                println!("created registry {}; stations trust {}", signing.registry.display(), signing.registry.join("metadata/1.root.json").display());
            }
            signed(result)
        }
        Command::Registry(RegistryCommand::Delegate { code, district_keys, threshold, signing }) => {
            let spec = role_spec(&district_keys, threshold)?;
            let ring = keyring(&signing.keys)?;
            signed(open_repo(&signing.registry)?.delegate(&code, &spec, &ring))
        }
        Command::Registry(RegistryCommand::Revoke { module, reason, key_id, signing }) => {
            let ring = keyring(&signing.keys)?;
            let mut repo = open_repo(&signing.registry)?;
            if let Some(key_id) = key_id {
                return signed(repo.revoke_key(&key_id, &ring));
            }
            let module = module.expect("clap requires --module or --key-id");
            let Some((code, rest)) = module.split_once('/') else {
                return refused(format!("--module {module:?} is not <code>/<module-id>@<version>, e.g. 330105/hangzhou-gongshu@1.1.0"));
            };
            let Some((id, version)) = rest.split_once('@') else {
                return refused(format!("--module {module:?} is not <code>/<module-id>@<version>, e.g. 330105/hangzhou-gongshu@1.1.0"));
            };
            let Some(reason) = reason else {
                return refused("give --reason; a revocation says why".into());
            };
            let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
            signed(repo.revoke_module(code, id, version, &reason, today, &ring))
        }
        Command::Registry(RegistryCommand::Rotate {
            root,
            root_threshold,
            targets,
            targets_threshold,
            snapshot,
            timestamp,
            signing,
        }) => {
            let spec = |files: &[PathBuf], threshold: u32| -> anyhow::Result<Option<juzhu_registry::repo::RoleSpec>> {
                if files.is_empty() { Ok(None) } else { Ok(Some(role_spec(files, threshold)?)) }
            };
            let rotation = juzhu_registry::repo::Rotation {
                root: spec(&root, root_threshold)?,
                targets: spec(&targets, targets_threshold)?,
                snapshot: spec(&snapshot, 1)?,
                timestamp: spec(&timestamp, 1)?,
            };
            let ring = keyring(&signing.keys)?;
            signed(open_repo(&signing.registry)?.rotate_keys(&rotation, &ring))
        }
        Command::Registry(RegistryCommand::RefreshTimestamp { days, signing }) => {
            if days < 1 {
                return refused(format!("--days {days}: a timestamp is valid for at least 1 day"));
            }
            let ring = keyring(&signing.keys)?;
            let mut repo = open_repo(&signing.registry)?;
            repo.lifetimes.timestamp_days = days;
            signed(repo.refresh_timestamp(&ring))
        }
        Command::Registry(RegistryCommand::Status { registry }) => {
            for line in open_repo(&registry)?.status() {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Publish { module, district, effective_from, signing } => {
            let (_, loaded) = load(&module)?;
            let info = loaded.info();
            if info.jurisdiction != district {
                return refused(format!(
                    "{} is written for division {}, not {district}; publish it with --district {}",
                    loaded.label(),
                    info.jurisdiction,
                    info.jurisdiction
                ));
            }
            let description = juzhu_registry::repo::ModuleDescription {
                module_id: info.id.clone(),
                version: info.version.clone(),
                contract_version: info.contract_version.clone(),
            };
            let today = today_in(&info.time_zone)?;
            let bytes = std::fs::read(&module).with_context(|| format!("cannot read {}", module.display()))?;
            let ring = keyring(&signing.keys)?;
            signed(open_repo(&signing.registry)?.publish(&district, &description, &bytes, &effective_from, today, &ring))
        }
        Command::Attest { module, vectors, signing } => {
            let bytes = std::fs::read(&module).with_context(|| format!("cannot read {}", module.display()))?;
            let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
            let published = open_repo(&signing.registry)?.modules().into_iter().find(|m| m.file.sha256() == Some(sha256.as_str()));
            match published {
                None => {
                    return refused(format!(
                        "no district has published {} (sha256 {sha256}) in {}; publish it with `juzhu publish` before attesting",
                        module.display(),
                        signing.registry.display()
                    ));
                }
                Some(m) if m.attestation.is_some() => return refused(format!("{} is already attested", m.target)),
                Some(_) => {}
            }
            let runtime = Runtime::new(SandboxLimits::default(), None)?;
            let report = crate::certify::certify(&runtime, &module, &vectors)?;
            if let Err(e) = crate::certify::print(&report) {
                return refused(format!("{} failed certification, so it is not attested: {e}", module.display()));
            }
            let ring = keyring(&signing.keys)?;
            signed(open_repo(&signing.registry)?.attest(&bytes, report.vectors as u64, &ring))
        }
        Command::Pin { division, version, config } => pin_outcome(station_service(&config)?.pin("cli", &division, &version)),
        Command::Unpin { division, config } => pin_outcome(station_service(&config)?.unpin("cli", &division)),
        Command::Rollback { division, config } => pin_outcome(station_service(&config)?.rollback("cli", &division)),
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
        Command::Bench { modules, out, iterations } => {
            crate::bench::run(&modules, &out, iterations.max(10))?;
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
