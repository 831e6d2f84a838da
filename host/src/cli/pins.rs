//! `juzhu pin`, `juzhu unpin`, `juzhu rollback`: hold a jurisdiction at a
//! certified version, from the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use super::station;

/// Hold a jurisdiction at a certified version (written to the audit log).
#[derive(clap::Args)]
pub struct Pin {
    /// The division whose module is pinned, e.g. 330105.
    division: String,
    /// A certified, non-revoked version, e.g. 1.0.0.
    version: String,
    #[arg(long)]
    config: Option<PathBuf>,
}

/// A division and the station file, for unpin and rollback.
#[derive(clap::Args)]
pub struct DivisionArgs {
    division: String,
    #[arg(long)]
    config: Option<PathBuf>,
}

fn print_pin(report: &juzhu_station::service::PinReport) {
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
fn station_service(config: &Option<PathBuf>) -> anyhow::Result<std::sync::Arc<juzhu_station::service::Service>> {
    let (service, admin) = juzhu_station::server::build(&station(config)?)?;
    if let Some(token) = admin {
        println!("admin token (shown once; keep it safe): {token}");
    }
    Ok(service)
}

fn pin_outcome(
    result: Result<juzhu_station::service::PinReport, juzhu_station::service::ServiceError>,
) -> anyhow::Result<ExitCode> {
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

pub fn pin(Pin { division, version, config }: Pin) -> anyhow::Result<ExitCode> {
    pin_outcome(station_service(&config)?.pin("cli", &division, &version))
}

pub fn unpin(DivisionArgs { division, config }: DivisionArgs) -> anyhow::Result<ExitCode> {
    pin_outcome(station_service(&config)?.unpin("cli", &division))
}

pub fn rollback(DivisionArgs { division, config }: DivisionArgs) -> anyhow::Result<ExitCode> {
    pin_outcome(station_service(&config)?.rollback("cli", &division))
}
