//! `juzhu key`, `juzhu registry`, `juzhu publish`, `juzhu attest`: the
//! district authors' and certification testers' side of the signed registry.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use super::{load, refused};

/// Where the registry is and which keys sign.
#[derive(clap::Args)]
pub struct Signing {
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
pub enum KeyCommand {
    /// Write a new private key to PATH (0600) and its public key to PATH.pub.
    New {
        path: PathBuf,
        /// Encrypt the private key with the passphrase in JUZHU_KEY_PASSPHRASE.
        #[arg(long)]
        encrypt: bool,
    },
}

#[derive(Subcommand)]
pub enum RegistryCommand {
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

/// Publish a module for a district, signed by the district's keys.
#[derive(clap::Args)]
pub struct Publish {
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
}

/// Certify a published module: run its vectors, then sign an attestation
/// with the certification keys. A failing module is refused, unsigned.
#[derive(clap::Args)]
pub struct Attest {
    /// The component, byte for byte as published.
    module: PathBuf,
    #[command(flatten)]
    kit: super::module::KitArgs,
    #[command(flatten)]
    signing: Signing,
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
        // A refusal already says "refused: …"; any other error gets the word.
        Err(e @ juzhu_registry::Error::Refused(_)) => {
            eprintln!("{e}");
            eprintln!("nothing was signed or written");
            Ok(ExitCode::FAILURE)
        }
        Err(e) => refused(e.to_string()),
    }
}

fn open_repo(path: &Path) -> anyhow::Result<juzhu_registry::Repository> {
    Ok(juzhu_registry::Repository::open(path, jiff::Timestamp::now())?)
}

/// Today in a module's time zone: the publication date that an effective date may not precede.
fn today_in(zone: &str) -> anyhow::Result<jiff::civil::Date> {
    let tz = jiff::tz::TimeZone::get(zone).with_context(|| format!("the module names time zone {zone}"))?;
    Ok(jiff::Timestamp::now().to_zoned(tz).date())
}

pub fn key(command: KeyCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeyCommand::New { path, encrypt } => {
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
    }
}

pub fn registry(command: RegistryCommand) -> anyhow::Result<ExitCode> {
    match command {
        RegistryCommand::Init {
            root,
            root_threshold,
            targets,
            targets_threshold,
            snapshot,
            timestamp,
            certification,
            certification_threshold,
            signing,
        } => {
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
        RegistryCommand::Delegate { code, district_keys, threshold, signing } => {
            let spec = role_spec(&district_keys, threshold)?;
            let ring = keyring(&signing.keys)?;
            signed(open_repo(&signing.registry)?.delegate(&code, &spec, &ring))
        }
        RegistryCommand::Revoke { module, reason, key_id, signing } => {
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
        RegistryCommand::Rotate { root, root_threshold, targets, targets_threshold, snapshot, timestamp, signing } => {
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
        RegistryCommand::RefreshTimestamp { days, signing } => {
            if days < 1 {
                return refused(format!("--days {days}: a timestamp is valid for at least 1 day"));
            }
            let ring = keyring(&signing.keys)?;
            let mut repo = open_repo(&signing.registry)?;
            repo.lifetimes.timestamp_days = days;
            signed(repo.refresh_timestamp(&ring))
        }
        RegistryCommand::Status { registry } => {
            for line in open_repo(&registry)?.status() {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn publish(Publish { module, district, effective_from, signing }: Publish) -> anyhow::Result<ExitCode> {
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

pub fn attest(Attest { module, mut kit, signing }: Attest) -> anyhow::Result<ExitCode> {
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
    // The attestation signs the report's digest, so a report is always
    // written: where asked, or beside the module.
    let report_dir = kit.report.get_or_insert_with(|| module.with_extension("certification")).clone();
    let (report, digest) = kit.run(&module)?;
    if !report.passed() {
        return refused(format!(
            "{} failed certification, so it is not attested: {} failures (see {})",
            module.display(),
            report.failures().len(),
            report_dir.join("report.html").display()
        ));
    }
    let digest = digest.expect("the report was written");
    let ring = keyring(&signing.keys)?;
    signed(open_repo(&signing.registry)?.attest_report(
        &bytes,
        report.vectors as u64,
        Some((digest, report.kit_version.clone())),
        &ring,
    ))
}
