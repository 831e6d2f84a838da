//! `juzhu audit`: check the hash-chained audit log, the records its entries
//! commit to, and that it still reaches the station's newest signed checkpoint.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use ed25519_dalek::VerifyingKey;
use juzhu_station::checkpoint;

use super::station;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Verify the audit log: the hash chain (any edited, deleted or reordered
    /// entry), the records each entry commits to (an edited application,
    /// decision, permit or card), and the newest signed checkpoint (deleted
    /// newest entries).
    Verify {
        #[arg(long)]
        config: Option<PathBuf>,
        /// Checkpoint log to check against, e.g. a copy kept off the station
        /// (default: the one beside the database).
        #[arg(long)]
        checkpoints: Option<PathBuf>,
        /// The station's checkpoint public key, 64 hex digits (default: the
        /// key in the data directory).
        #[arg(long)]
        public_key: Option<String>,
    },
}

fn broken(message: impl std::fmt::Display) -> anyhow::Result<ExitCode> {
    eprintln!("error: audit log broken: {message}");
    Ok(ExitCode::FAILURE)
}

pub fn run(command: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify { config, checkpoints, public_key } = command;
    let config = station(&config)?;
    let trusted = match public_key {
        Some(hex_key) => Some(parse_key(&hex_key)?),
        None => checkpoint::read_key(&config.data_dir)?.map(|k| k.verifying_key()),
    };
    let store = juzhu_station::server::open_store(&config)?;
    let log = checkpoints.unwrap_or_else(|| checkpoint::log_path(store.path()));
    let all = match checkpoint::read_log(&log) {
        Ok(all) => all,
        Err(e) => return broken(e),
    };
    // The checkpoint first: after a truncation the records the deleted
    // entries wrote no longer match, and "truncated" is the finding to report.
    let newest = match (all.is_empty(), trusted) {
        (true, _) => None,
        (false, None) => anyhow::bail!(
            "{} holds checkpoints but there is no key to check them with: {} is missing; pass --public-key with the station's checkpoint key (64 hex digits)",
            log.display(),
            config.data_dir.join(checkpoint::KEY_FILE).display()
        ),
        (false, Some(key)) => {
            let newest = match checkpoint::verify_log(&log, &all, &key) {
                Ok(newest) => newest.cloned(),
                Err(e) => return broken(e),
            };
            if let Some(cp) = &newest
                && let Err(e) = checkpoint::check_chain(&store, cp)
            {
                return broken(e);
            }
            newest
        }
    };
    let report = match store.verify_audit_report() {
        Ok(r) => r,
        Err(e) => return broken(e),
    };
    println!(
        "audit log intact: {} entries, hash chain verified; {} records match the entries that wrote them",
        report.entries, report.records
    );
    if report.before_commitments > 0 {
        println!(
            "{} entries were written before record commitments (schema 5): their chain is verified, the records they wrote are not",
            report.before_commitments
        );
    }
    match newest {
        Some(cp) => println!(
            "reaches the newest checkpoint: seq {} signed by {} at {} ({} checkpoints checked in {})",
            cp.seq,
            cp.station,
            cp.at,
            all.len(),
            log.display()
        ),
        None => eprintln!(
            "warning: no checkpoint found in {}; deleting the newest entries cannot be detected until the station signs one",
            log.display()
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_key(text: &str) -> anyhow::Result<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow::anyhow!("--public-key {text:?} is not an Ed25519 public key; expected 64 hex digits"))?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|e| anyhow::anyhow!("--public-key {text:?} is not a valid Ed25519 point: {e}"))
}
