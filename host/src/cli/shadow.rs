//! `juzhu shadow <module.wasm> --data <dir>`: what a new module version would
//! do to a station's recorded cases, offline (the same run as `GET
//! /v1/modules/{division}/shadow`, `juzhu_station::service::shadow`). Run it
//! on a copy of the store or a backup: it reads the decisions and writes
//! nothing to them.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use juzhu_station::service::shadow::{self, Comparison};
use juzhu_store::Store;

#[derive(Args)]
pub struct Shadow {
    /// The new version's component.
    module: PathBuf,
    /// The station's data directory, holding juzhu.db (a copy or a backup will do).
    #[arg(long)]
    data: PathBuf,
    /// Also decide every case on this date (the new version's effective
    /// date), with the new version and with `--against`.
    #[arg(long, requires = "against")]
    effective_from: Option<String>,
    /// The version in force the day before the effective date.
    #[arg(long, requires = "effective_from")]
    against: Option<PathBuf>,
    /// Print the report as JSON, as the API answers it.
    #[arg(long)]
    json: bool,
}

fn print(c: &Comparison) {
    println!("at {}: {} cases, {} unchanged", c.at, c.cases, c.unchanged);
    for change in &c.changes {
        let examples: Vec<String> = change
            .examples
            .iter()
            .map(|e| format!("decision {} ({}, {})", e.decision_id, e.citizen_id, e.legal_date))
            .collect();
        println!("  {} -> {}: {} cases, e.g. {}", change.from, change.to, change.count, examples.join("; "));
    }
}

pub fn run(args: Shadow) -> anyhow::Result<ExitCode> {
    let db = args.data.join("juzhu.db");
    if !db.exists() {
        bail!(
            "{} holds no juzhu.db; give the station's data directory (data_dir in station.toml)",
            args.data.display()
        );
    }
    let (_runtime, new) = super::load(&args.module)?;
    let store = Store::open(&db).with_context(|| format!("opening {}", db.display()))?;
    let effective = match (&args.effective_from, &args.against) {
        (Some(date), Some(path)) => {
            let date = juzhu_domain::parse_legal_date("--effective-from", date)?;
            Some((date, super::load(path)?.1))
        }
        _ => None,
    };
    let report = shadow::compare(&store, &new, effective.as_ref().map(|(d, m)| (*d, m)))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{} {} (sha256 {}) on the cases of {}:",
            report.module_id,
            report.version,
            report.sha256,
            args.data.display()
        );
        print(&report.at_legal_date);
        if let Some(c) = &report.at_effective_date {
            print(c);
        }
    }
    Ok(ExitCode::SUCCESS)
}
