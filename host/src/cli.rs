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
    /// IC cards: list readers, issue, reissue, endorse, follow, verify.
    #[command(subcommand)]
    Card(CardCommand),
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
    Inspect { module: PathBuf },
}

/// What `card issue`, `card reissue` and `card endorse` write, and where.
#[derive(clap::Args)]
struct CardWrite {
    /// The permit number, e.g. 330105-2026-000001.
    #[arg(long)]
    permit: String,
    /// The encoder's name from the station file.
    #[arg(long)]
    encoder: String,
    /// The legal date of the card content (default: today in the jurisdiction).
    #[arg(long)]
    legal_date: Option<String>,
    /// The station file (TOML).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum CardCommand {
    /// List the PC/SC readers attached (with the card in each) and the
    /// station's configured encoders.
    Readers {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Write a permit onto a blank card in an encoder, then read it back and
    /// verify it. Prints each step as the journal commits it.
    Issue(CardWrite),
    /// Replace a lost card: write a new blank card; the old card's serial is
    /// revoked when the new one verifies.
    Reissue(CardWrite),
    /// Append the permit's endorsements to its card (the card must be in the encoder).
    Endorse(CardWrite),
    /// A permit's cards and card issuances (JSON).
    Status {
        #[arg(long)]
        permit: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Resolve card issuances a crash interrupted, by reading back the card
    /// in each encoder.
    Recover {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Check a card offline: from a card image file, or the card in an
    /// encoder. Exits 1 and names every finding when the card is not valid.
    Verify {
        /// A card image file (`juzhu card read --out`).
        #[arg(long, conflicts_with = "encoder")]
        image: Option<PathBuf>,
        /// The encoder holding the card.
        #[arg(long)]
        encoder: Option<String>,
        /// A trusted authority public key (64 hex digits); repeatable. The
        /// station's keys (card.authority_key, card.trusted_keys) are trusted too.
        #[arg(long = "key")]
        keys: Vec<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Read the card in an encoder into a card image file.
    Read {
        #[arg(long)]
        encoder: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Make an issuing-authority signing key; prints its public key.
    Keygen {
        /// Where to write the key (refuses to overwrite).
        #[arg(long)]
        out: PathBuf,
    },
    /// Run a test card for pcscd's virtual reader (vsmartcard vpcd): try a
    /// station without hardware.
    Emulate {
        /// vpcd's address.
        #[arg(long, default_value = "127.0.0.1:35963")]
        vpcd: String,
        /// The chip UID, in hex.
        #[arg(long, default_value = "044A5A00000001")]
        uid: String,
        /// The card image file: loaded if it exists, saved after each write.
        #[arg(long)]
        state: Option<PathBuf>,
        /// A fault to inject: pull, 6581 or wrong-sw, at write N (`pull@40`;
        /// a trailing `!` repeats it on every later write).
        #[arg(long)]
        fault: Option<String>,
        /// A pause before each write, in milliseconds.
        #[arg(long, default_value_t = 0)]
        write_delay_ms: u64,
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
            anyhow::bail!(
                "not inside the juzhu workspace (no Cargo.toml with [workspace] above the current directory)"
            );
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
                println!(
                    "created registry {}; stations trust {}",
                    signing.registry.display(),
                    signing.registry.join("metadata/1.root.json").display()
                );
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
                return refused(format!(
                    "--module {module:?} is not <code>/<module-id>@<version>, e.g. 330105/hangzhou-gongshu@1.1.0"
                ));
            };
            let Some((id, version)) = rest.split_once('@') else {
                return refused(format!(
                    "--module {module:?} is not <code>/<module-id>@<version>, e.g. 330105/hangzhou-gongshu@1.1.0"
                ));
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
            signed(open_repo(&signing.registry)?.publish(
                &district,
                &description,
                &bytes,
                &effective_from,
                today,
                &ring,
            ))
        }
        Command::Attest { module, vectors, signing } => {
            let bytes = std::fs::read(&module).with_context(|| format!("cannot read {}", module.display()))?;
            let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
            let published =
                open_repo(&signing.registry)?.modules().into_iter().find(|m| m.file.sha256() == Some(sha256.as_str()));
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
        Command::Pin { division, version, config } => {
            pin_outcome(station_service(&config)?.pin("cli", &division, &version))
        }
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
        Command::Module(ModuleCommand::Inspect { module }) => {
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
        Command::Bench { modules, out, iterations, seconds, connections, applicants } => {
            let options = crate::bench::BenchOptions {
                modules,
                out,
                iterations: iterations.max(10),
                seconds: seconds.max(1),
                connections: connections.max(1),
                applicants: applicants.max(1),
            };
            crate::bench::run(&options)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Card(command) => card(command),
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

fn print_issuance(i: &crate::issuance::Issuance) {
    let mut line = format!(
        "card issuance {} ({} of permit {} on encoder {}): {}",
        i.id,
        i.kind.as_str(),
        i.permit_number,
        i.encoder,
        i.state.as_str()
    );
    if i.attempt > 0 {
        line += &format!(", attempt {}", i.attempt);
    }
    if let Some(uid) = &i.chip_uid {
        line += &format!(", chip {uid}");
    }
    if let Some(serial) = &i.card_serial {
        line += &format!(", serial {serial}");
    }
    if let Some(e) = &i.error {
        line += &format!(" — {e}");
    }
    println!("{line}");
}

/// The station's trusted keys and any given on the command line.
fn trusted_keys(
    config: &crate::config::StationConfig,
    extra: &[String],
) -> anyhow::Result<Vec<ed25519_dalek::VerifyingKey>> {
    let desk = crate::issuance::Desk::from_config(&config.card, &[])?;
    let mut keys = desk.trusted().to_vec();
    for k in extra {
        keys.push(juzhu_card::security::public_key_from_hex(k).with_context(|| format!("--key {k}"))?);
    }
    if keys.is_empty() {
        anyhow::bail!(
            "no trusted authority key: give --key <64 hex digits>, or set card.authority_key / card.trusted_keys in the station file"
        );
    }
    Ok(keys)
}

fn card(command: CardCommand) -> anyhow::Result<ExitCode> {
    use crate::issuance::{Kind, State};
    let run_kind =
        |kind: Kind, CardWrite { permit, encoder, legal_date, config }: CardWrite| -> anyhow::Result<ExitCode> {
            let config = station(&config)?;
            let service = crate::server::service(&config, crate::server::open_store(&config)?)?;
            let _cards = crate::issuance::CardLock::acquire(&config.data_dir)?;
            for i in service.card_recover("cli")? {
                print_issuance(&i);
            }
            let started = service.card_start("cli", &permit, kind, &encoder, legal_date)?;
            print_issuance(&started);
            let end = service.card_run("cli", started.id, &print_issuance)?;
            Ok(if end.state == State::Done { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        };
    match command {
        CardCommand::Readers { config } => {
            let config = station(&config)?;
            match juzhu_card::pcsc_driver::list_readers() {
                Ok(readers) if readers.is_empty() => println!("no PC/SC reader attached"),
                Ok(readers) => {
                    for r in readers {
                        match r.card {
                            Some(c) => println!(
                                "{}: card ATR {} chip UID {}{}",
                                r.name,
                                hex::encode_upper(&c.atr),
                                hex::encode_upper(&c.chip_uid),
                                if c.has_application { " (carries a juzhu application)" } else { " (blank)" }
                            ),
                            None => println!("{}: no card", r.name),
                        }
                    }
                }
                Err(e) => println!("PC/SC: {e}"),
            }
            for e in &config.encoders {
                println!(
                    "encoder {}: driver {:?}{}",
                    e.name,
                    e.driver,
                    e.reader.as_ref().map(|r| format!(", reader {r:?}")).unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::Issue(write) => run_kind(Kind::Issue, write),
        CardCommand::Reissue(write) => run_kind(Kind::Reissue, write),
        CardCommand::Endorse(write) => run_kind(Kind::Endorse, write),
        CardCommand::Status { permit, config } => {
            let config = station(&config)?;
            let service = crate::server::service(&config, crate::server::open_store(&config)?)?;
            println!("{}", serde_json::to_string_pretty(&service.card_status(&permit)?)?);
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::Recover { config } => {
            let config = station(&config)?;
            let service = crate::server::service(&config, crate::server::open_store(&config)?)?;
            let _cards = crate::issuance::CardLock::acquire(&config.data_dir)?;
            let resolved = service.card_recover("cli")?;
            if resolved.is_empty() {
                println!("no unfinished card issuance");
            }
            resolved.iter().for_each(print_issuance);
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::Verify { image, encoder, keys, json, config } => {
            let config = station(&config)?;
            let trusted = trusted_keys(&config, &keys)?;
            let (dump, source) = match (image, encoder) {
                (Some(path), _) => {
                    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
                    match juzhu_card::CardDump::decode(&bytes) {
                        Ok(d) => (d, path.display().to_string()),
                        Err(e) => {
                            eprintln!("INVALID {}: {e}", path.display());
                            return Ok(ExitCode::FAILURE);
                        }
                    }
                }
                (None, Some(name)) => {
                    let desk = crate::issuance::Desk::from_config(&config.card, &config.encoders)?;
                    desk.check_encoder(&name)?;
                    let e = config.encoders.iter().find(|e| e.name == name).expect("checked");
                    if e.driver != crate::config::EncoderDriver::Pcsc {
                        anyhow::bail!(
                            "encoder `{name}` uses the memory driver; its cards live inside a running station, not in a reader"
                        );
                    }
                    let mut enc = juzhu_card::pcsc_driver::PcscEncoder::new(&e.name, e.reader.as_deref());
                    (juzhu_card::Encoder::read_back(&mut enc)?, format!("the card in encoder {name}"))
                }
                (None, None) => anyhow::bail!("give --image FILE or --encoder NAME"),
            };
            let report = juzhu_card::verify(&dump, &trusted);
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if report.ok() {
                let c = report.content.as_ref().expect("a valid card has content");
                println!(
                    "VALID {source}: chip {}, serial {}, issuance {}, permit {} of {} ({}), {} endorsement(s)",
                    report.chip_uid,
                    report.card_serial.clone().unwrap_or_default(),
                    report.issuance_id.clone().unwrap_or_default(),
                    c.permit_number,
                    c.holder_name,
                    c.citizen_id,
                    c.endorsements.len()
                );
            } else {
                println!("INVALID {source} (chip {}):", report.chip_uid);
                for f in &report.findings {
                    println!("  - {f}");
                }
            }
            Ok(if report.ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        CardCommand::Read { encoder, out, config } => {
            let config = station(&config)?;
            let Some(e) =
                config.encoders.iter().find(|e| e.name == encoder && e.driver == crate::config::EncoderDriver::Pcsc)
            else {
                anyhow::bail!("no PC/SC encoder named `{encoder}` in the station file");
            };
            let mut enc = juzhu_card::pcsc_driver::PcscEncoder::new(&e.name, e.reader.as_deref());
            let dump = juzhu_card::Encoder::read_back(&mut enc)?;
            std::fs::write(&out, dump.encode()).with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "read chip {} ({} files) into {}",
                hex::encode_upper(&dump.chip_uid),
                dump.files.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::Keygen { out } => {
            if out.exists() {
                anyhow::bail!("{} exists; refusing to overwrite a key", out.display());
            }
            let key = juzhu_card::Authority::generate();
            std::fs::write(&out, key.seed_hex() + "\n").with_context(|| format!("cannot write {}", out.display()))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600))?;
            }
            println!("wrote the signing key to {} (keep it secret); its public key:", out.display());
            println!("{}", hex::encode(key.public().as_bytes()));
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::Emulate { vpcd, uid, state, fault, write_delay_ms } => {
            let fault = fault
                .map(|v| v.parse::<juzhu_card::sim::Fault>())
                .transpose()
                .map_err(|e| anyhow::anyhow!("--fault: {e}"))?;
            let options = juzhu_card::vpcd::Options {
                vpcd,
                uid: hex::decode(&uid).with_context(|| format!("--uid {uid} must be hex"))?,
                state,
                fault,
                reinsert_after: Some(std::time::Duration::from_millis(1200)),
                write_delay: std::time::Duration::from_millis(write_delay_ms),
            };
            juzhu_card::vpcd::run(&options).map_err(anyhow::Error::msg)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
