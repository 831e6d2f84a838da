//! `juzhu store migrate`: move a SQLite station's record into PostgreSQL.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use juzhu_store::Location;
use juzhu_store::migrate::{self, Outcome};

use super::station;

#[derive(Subcommand)]
pub enum StoreCommand {
    /// Copy this station's SQLite record (applications, decisions, permits,
    /// endorsements, tokens, pins, card journal and cards, audit trail) into
    /// an empty PostgreSQL database, verifying the trail before and after.
    /// One transaction: an interrupted run changes nothing and may be run
    /// again; a run after a completed one changes nothing and says so.
    Migrate {
        /// The PostgreSQL database, postgres://user:password@host:port/database.
        #[arg(long)]
        to: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

pub fn run(command: StoreCommand) -> anyhow::Result<ExitCode> {
    let StoreCommand::Migrate { to, config } = command;
    let config = station(&config)?;
    if let Err(e) = juzhu_store::pg::parse_url(&to) {
        eprintln!("error: --to: {e}");
        return Ok(ExitCode::FAILURE);
    }
    // `juzhu serve` holds the card lock for its lifetime: records written
    // after the copy would stay behind in SQLite.
    let _lock = match juzhu_station::issuance::CardLock::acquire(&config.data_dir) {
        Ok(lock) => lock,
        Err(e) => {
            eprintln!("error: the station appears to be running, stop it before migrating: {e}");
            eprintln!("nothing was changed");
            return Ok(ExitCode::FAILURE);
        }
    };
    let source = juzhu_station::server::open_store(&config)?;
    let target = Location::Postgres { url: to, files: source.path().to_path_buf() };
    match migrate::migrate(&source, &target) {
        Ok(Outcome::Migrated { rows, entries }) => {
            let counts: Vec<String> = rows.iter().map(|(t, n)| format!("{n} {t}")).collect();
            println!("migrated {} to {}: {}", source.path().display(), target.describe(), counts.join(", "));
            println!("audit trail of {entries} entries verified on PostgreSQL");
            println!("set [store] url in the station file to serve from it");
            Ok(ExitCode::SUCCESS)
        }
        Ok(Outcome::AlreadyDone { entries }) => {
            println!(
                "{} already holds this station's record (audit trail of {entries} entries, same head); nothing was changed",
                target.describe()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ migrate::MigrateError::TargetBroken { .. }) => {
            eprintln!("error: {e}");
            Ok(ExitCode::FAILURE)
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("nothing was changed in PostgreSQL");
            Ok(ExitCode::FAILURE)
        }
    }
}
