//! `juzhu token`: create, list and revoke API tokens.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::station;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it (once; only its hash is kept).
    Create {
        /// A name for the token's holder, e.g. `clerk-li`.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: juzhu_station::auth::Role,
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

pub fn run(command: TokenCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Create { name, role, config } => {
            let mut store = juzhu_station::server::open_store(&station(&config)?)?;
            let token = juzhu_station::auth::create(&mut store, "cli", &name, role)?;
            println!("created {} token `{name}` (shown once; only its hash is kept):", role.as_str());
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::List { config } => {
            let store = juzhu_station::server::open_store(&station(&config)?)?;
            for t in juzhu_station::auth::list(&store)? {
                let state = t.revoked_at.map(|r| format!("revoked {r}")).unwrap_or_else(|| "active".into());
                println!("{:<24} {:<10} created {} {state}", t.name, t.role.as_str(), t.created_at);
            }
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::Revoke { name, config } => {
            let mut store = juzhu_station::server::open_store(&station(&config)?)?;
            juzhu_station::auth::revoke(&mut store, "cli", &name)?;
            println!("revoked token `{name}`");
            Ok(ExitCode::SUCCESS)
        }
    }
}
