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
    Issue {
        /// The permit number, e.g. 330105-2026-000001.
        #[arg(long)]
        permit: String,
        /// The encoder's name from the station file.
        #[arg(long)]
        encoder: String,
        /// The legal date of the card content (default: today in the jurisdiction).
        #[arg(long)]
        legal_date: Option<String>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Replace a lost card: write a new blank card; the old card's serial is
    /// revoked when the new one verifies.
    Reissue {
        #[arg(long)]
        permit: String,
        #[arg(long)]
        encoder: String,
        #[arg(long)]
        legal_date: Option<String>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Append the permit's endorsements to its card (the card must be in the encoder).
    Endorse {
        #[arg(long)]
        permit: String,
        #[arg(long)]
        encoder: String,
        #[arg(long)]
        legal_date: Option<String>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
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
    let mut line = format!("card issuance {} ({} of permit {} on encoder {}): {}", i.id, i.kind.as_str(), i.permit_number, i.encoder, i.state.as_str());
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
fn trusted_keys(config: &crate::config::StationConfig, extra: &[String]) -> anyhow::Result<Vec<ed25519_dalek::VerifyingKey>> {
    let desk = crate::issuance::Desk::from_config(&config.card, &[])?;
    let mut keys = desk.trusted().to_vec();
    for k in extra {
        keys.push(juzhu_card::security::public_key_from_hex(k).with_context(|| format!("--key {k}"))?);
    }
    if keys.is_empty() {
        anyhow::bail!("no trusted authority key: give --key <64 hex digits>, or set card.authority_key / card.trusted_keys in the station file");
    }
    Ok(keys)
}

fn card(command: CardCommand) -> anyhow::Result<ExitCode> {
    use crate::issuance::{Kind, State};
    let run_kind = |kind: Kind, permit: String, encoder: String, legal_date: Option<String>, config: Option<PathBuf>| -> anyhow::Result<ExitCode> {
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
                println!("encoder {}: driver {:?}{}", e.name, e.driver, e.reader.as_ref().map(|r| format!(", reader {r:?}")).unwrap_or_default());
            }
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::Issue { permit, encoder, legal_date, config } => run_kind(Kind::Issue, permit, encoder, legal_date, config),
        CardCommand::Reissue { permit, encoder, legal_date, config } => run_kind(Kind::Reissue, permit, encoder, legal_date, config),
        CardCommand::Endorse { permit, encoder, legal_date, config } => run_kind(Kind::Endorse, permit, encoder, legal_date, config),
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
                        anyhow::bail!("encoder `{name}` uses the memory driver; its cards live inside a running station, not in a reader");
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
            let Some(e) = config.encoders.iter().find(|e| e.name == encoder && e.driver == crate::config::EncoderDriver::Pcsc) else {
                anyhow::bail!("no PC/SC encoder named `{encoder}` in the station file");
            };
            let mut enc = juzhu_card::pcsc_driver::PcscEncoder::new(&e.name, e.reader.as_deref());
            let dump = juzhu_card::Encoder::read_back(&mut enc)?;
            std::fs::write(&out, dump.encode()).with_context(|| format!("cannot write {}", out.display()))?;
            println!("read chip {} ({} files) into {}", hex::encode_upper(&dump.chip_uid), dump.files.len(), out.display());
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
            let fault = fault.map(|v| v.parse::<juzhu_card::sim::Fault>()).transpose().map_err(|e| anyhow::anyhow!("--fault: {e}"))?;
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
