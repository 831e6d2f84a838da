//! `juzhu audit`: check the hash-chained audit log.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::station;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain: detects any edited, deleted or reordered entry.
    Verify {
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

pub fn run(command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify { config } => {
            let store = juzhu_station::server::open_store(&station(&config)?)?;
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
    }
}
