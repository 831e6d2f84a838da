//! `juzhu compare`: one application decided by every module in a directory,
//! side by side, offline. The same comparison as `POST /v1/compare`
//! (`Service::compare`); nothing is recorded.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use juzhu_runtime::Runtime;
use juzhu_runtime::contract::types::Application;
use juzhu_runtime::module_set::ModuleSet;
use juzhu_station::http::error::ApiError;
use juzhu_station::service::Service;
use juzhu_store::Store;
use serde_json::{Value, json};

#[derive(Args)]
pub struct Compare {
    /// The application as JSON: the body of `POST /v1/evaluate`
    /// (`{"application": …, "legal_date": …}`) or the application alone.
    application: PathBuf,
    /// The legal date (YYYY-MM-DD); defaults to the file's `legal_date`, then
    /// to today in each jurisdiction's time zone.
    #[arg(long)]
    legal_date: Option<String>,
    /// A directory of module components (.wasm); defaults to the station
    /// file's `modules.dir`.
    #[arg(long)]
    modules: Option<PathBuf>,
    /// The station file, for its module directory and sandbox limits.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Print the comparison as JSON, as `POST /v1/compare` answers it.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Compare) -> anyhow::Result<ExitCode> {
    let config = super::station(&args.config)?;
    let text = std::fs::read_to_string(&args.application)
        .with_context(|| format!("cannot read {}", args.application.display()))?;
    let body: Value = serde_json::from_str(&text).with_context(|| {
        format!("{} is not JSON; expected an application or {{\"application\": …}}", args.application.display())
    })?;
    let (application, file_date) = match body.get("application") {
        Some(a) => (a.clone(), body.get("legal_date").and_then(Value::as_str).map(String::from)),
        None => (body, None),
    };
    let application: Application = serde_path_to_error::deserialize(application)
        .map_err(|e| anyhow::anyhow!("{}: application.{}: {}", args.application.display(), e.path(), e.inner()))?;
    let dir = args.modules.unwrap_or(config.modules.dir.clone());
    let runtime = Runtime::new(config.sandbox.clone(), None)?;
    let set =
        ModuleSet::load_dir(&runtime, &dir).with_context(|| format!("loading the modules in {}", dir.display()))?;
    anyhow::ensure!(
        !set.is_empty(),
        "{} holds no .wasm components; build them with scripts/build-modules.sh",
        dir.display()
    );
    // The service wants a store; a comparison writes nothing, so a
    // throw-away one will do.
    let scratch = tempfile::tempdir()?;
    let service = Service::new(runtime, set, Store::open(scratch.path().join("compare.db"))?)?;
    let columns = match service.compare(&application, args.legal_date.or(file_date)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    if args.json {
        let columns: Vec<Value> = columns
            .into_iter()
            .map(|c| {
                let mut out = json!({ "division": c.division, "name": c.name, "own": c.own });
                match c.result {
                    Ok(e) => {
                        let e = serde_json::to_value(e).expect("evaluations serialize");
                        out.as_object_mut().expect("an object").extend(e.as_object().cloned().unwrap_or_default());
                    }
                    Err(e) => out["refusal"] = serde_json::to_value(ApiError::from(e)).expect("errors serialize"),
                }
                out
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&json!({ "jurisdictions": columns }))?);
        return Ok(ExitCode::SUCCESS);
    }
    for c in columns {
        let mark = if c.own { " (the application's own)" } else { "" };
        println!("{} {}{mark}", c.division, c.name);
        match c.result {
            Ok(e) => {
                let tier = e.decision.tier.map(|t| format!(" ({})", name(t)));
                println!(
                    "  {}{} by {}@{} on {}",
                    name(e.decision.outcome),
                    tier.unwrap_or_default(),
                    e.module.id,
                    e.module.version,
                    e.legal_date
                );
                for route in &e.decision.routes {
                    println!("  route {}: {}", name(route.route), name(route.status));
                }
                for r in &e.decision.reasons {
                    println!("  - {} [{} {}]", r.zh, r.citation.document, r.citation.clause);
                }
                for m in &e.decision.missing {
                    let (doc, clause) = (&m.reason.citation.document, &m.reason.citation.clause);
                    println!("  missing {} [{doc} {clause}]", name(m.material));
                }
            }
            Err(e) => println!("  not decided: {e}"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A contract enum as the API spells it, in lower case: `Eligible` → `eligible`.
fn name(value: impl serde::Serialize) -> String {
    let json = serde_json::to_value(value).expect("contract enums serialize");
    json.as_str().unwrap_or_default().to_lowercase()
}
