//! `juzhu backup` and `juzhu restore`: copy the station's SQLite store while
//! it serves, and put a verified copy back while it is stopped.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use juzhu_station::issuance::CardLock;
use juzhu_store::Location;
use juzhu_store::backup::BackupError;

use super::station;

#[derive(Args)]
pub struct Backup {
    /// The backup file to create (never overwritten).
    pub file: PathBuf,
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Args)]
pub struct Restore {
    /// A file written by `juzhu backup`.
    pub file: PathBuf,
    #[arg(long)]
    pub config: Option<PathBuf>,
}

pub fn backup(args: Backup) -> anyhow::Result<ExitCode> {
    let config = station(&args.config)?;
    if let Location::Postgres { .. } = juzhu_station::server::store_location(&config) {
        let location = juzhu_station::server::store_location(&config);
        return failed(BackupError::Postgres(location.describe()));
    }
    let store = juzhu_station::server::open_store(&config)?;
    match juzhu_store::backup::backup(&store, &args.file) {
        Ok(r) => {
            println!(
                "backed up {} to {}: schema version {}, audit trail of {} entries verified",
                store.path().display(),
                args.file.display(),
                r.schema_version,
                r.entries
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => failed(e),
    }
}

pub fn restore(args: Restore) -> anyhow::Result<ExitCode> {
    let config = station(&args.config)?;
    let target = match juzhu_station::server::store_location(&config) {
        Location::Sqlite(path) => path,
        location @ Location::Postgres { .. } => {
            eprintln!(
                "error: this station's store is PostgreSQL ({}); restore it with PostgreSQL's tools (pg_restore of a pg_dump, or a base backup), as the README's operators section describes; nothing was changed",
                location.describe()
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    // `juzhu serve` holds the station's card lock for its lifetime: holding
    // it here means no station is running on this data directory.
    let _lock = match CardLock::acquire(&config.data_dir) {
        Ok(lock) => lock,
        Err(e) => {
            eprintln!("error: the station appears to be running, stop it before restoring: {e}");
            eprintln!("nothing was changed");
            return Ok(ExitCode::FAILURE);
        }
    };
    match juzhu_store::backup::restore(&args.file, &target) {
        Ok(r) => {
            println!(
                "restored {} to {}: schema version {}, audit trail of {} entries verified",
                args.file.display(),
                target.display(),
                r.schema_version,
                r.entries
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => failed(e),
    }
}

fn failed(e: BackupError) -> anyhow::Result<ExitCode> {
    eprintln!("error: {e}");
    eprintln!("nothing was changed");
    Ok(ExitCode::FAILURE)
}
