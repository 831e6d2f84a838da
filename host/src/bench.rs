//! `juzhu bench`: the runtime's speed figures against their targets.
//!
//! A benchmark, not a timed test: it prints what it measured next to the
//! target and writes the same table to `BENCHMARKS.md` with a description of
//! the machine. Nothing here fails a test run.
//!
//! Figures measured so far (issue 3 adds the HTTP, durability and ranking
//! figures once `juzhu serve` exists):
//! - per-decision latency of one realistic application through the wasm
//!   component (fresh sandbox per call, as served) and through the native
//!   build of the same crate; target: wasm at most 3× native;
//! - sandbox instantiation per call; target: at most 20 µs.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use juzhu_sdk::types as sdk;

use crate::certify::transcode;
use crate::runtime::{Runtime, SandboxLimits};

/// The module and legal date the figures use.
const MODULE: &str = "hangzhou-gongshu";
const LEGAL_DATE: &str = "2017-06-15";

/// A realistic Gongshu applicant: 24 monthly insurance records, a labour
/// contract, a rented home with its safety check, and six materials.
pub fn realistic_application() -> sdk::Application {
    let insurance = (0..24)
        .map(|i| {
            let (year, month) = (2015 + (6 + i) / 12, (6 + i) % 12 + 1);
            let m = format!("{year:04}-{month:02}");
            sdk::InsurancePeriod { from: m.clone(), to: m, division: "330105".into(), scope: sdk::InsuranceScope::Full, back_paid: false }
        })
        .collect();
    let material = |kind| sdk::Material { kind, source: sdk::MaterialSource::Submitted };
    sdk::Application {
        jurisdiction: "330105".into(),
        identity: sdk::Identity {
            name: "王伟".into(),
            citizen_id: "340102198503150012".into(),
            sex: Some(sdk::Sex::Male),
            ethnicity: Some("汉".into()),
            birth_date: Some("1985-03-15".into()),
            hukou_address: Some("安徽省合肥市".into()),
            current_address: Some("杭州市拱墅区湖墅南路1号".into()),
            photo_ref: Some("photo:0001".into()),
        },
        registrations: vec![sdk::Registration {
            registered_on: "2015-06-01".into(),
            ended_on: None,
            division: "330105".into(),
            address: "拱墅区湖墅南路1号".into(),
            changes: vec![],
        }],
        insurance,
        employment: vec![sdk::Employment {
            kind: sdk::EmploymentKind::LabourContract,
            division: "330105".into(),
            started_on: "2015-06-01".into(),
            ended_on: None,
            contract_months: Some(36),
            registered: Some(true),
        }],
        housing: vec![sdk::Housing {
            kind: sdk::HousingKind::Rented,
            division: "330105".into(),
            since: Some("2015-06-01".into()),
            rental: Some(sdk::Rental {
                lease_start: Some("2016-06-01".into()),
                lease_end: Some("2018-05-31".into()),
                title: Some(sdk::TitleCertificate::Ownership),
                police_registered: Some(true),
                commercial_housing: Some(false),
                housing_filing: None,
                compliant: Some(true),
                safety: Some(sdk::RentalSafety {
                    non_residential_space: false,
                    partitioned: false,
                    occupants: 2,
                    occupants_are_family: true,
                    living_area_m2: 18.0,
                    safety_kit_complete: true,
                    other_serious_hazard: false,
                    structural_hazard: false,
                }),
            }),
        }],
        schooling: vec![],
        guardians: vec![],
        special_statuses: vec![],
        materials: vec![
            material(sdk::MaterialKind::ApplicationForm),
            material(sdk::MaterialKind::IdCard),
            material(sdk::MaterialKind::Photo),
            material(sdk::MaterialKind::InsuranceCertificate),
            material(sdk::MaterialKind::LabourContract),
            material(sdk::MaterialKind::LeaseContract),
        ],
        points: sdk::PointsFacts {
            education: Some(sdk::EducationLevel::Bachelor),
            title: None,
            skill: None,
            patents: None,
            awards: vec![],
            annual_tax_yuan: None,
            investment_yuan: None,
            social_service_hours: Some(20),
            violations: vec![],
            false_materials: Some(false),
            family_planning_compliant: None,
            assigned: vec![],
            rental_registration_receipt: None,
            tax_receipts: None,
        },
        tier_requested: None,
        tier_held: None,
        converted_to_local_hukou: Some(false),
    }
}

/// Times `f` over `iterations` runs after a warm-up; returns the median per run.
fn median_of(iterations: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..iterations / 10 + 1 {
        f();
    }
    let mut samples: Vec<Duration> = (0..iterations)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// One row of the results table.
struct Figure {
    name: &'static str,
    measured: String,
    target: &'static str,
    met: bool,
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse::<u64>().unwrap_or(0)))
        .map(|kb| format!("{:.0} GiB", kb as f64 / (1 << 20) as f64))
        .unwrap_or_else(|| "unknown memory".into());
    format!("{cpu}, {cores} cores, {memory}; {} {}", std::env::consts::OS, std::env::consts::ARCH)
}

/// Runs the benchmark against the component in `modules_dir` and writes
/// `out` (BENCHMARKS.md).
pub fn run(modules_dir: &Path, out: &Path, iterations: usize) -> anyhow::Result<()> {
    let runtime = Runtime::new(SandboxLimits::default(), None)?;
    let path = modules_dir.join(format!("{MODULE}.wasm"));
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {} (run scripts/build-modules.sh first)", path.display()))?;
    let module = runtime.load(&path.display().to_string(), &bytes)?;
    let native = crate::native::module(MODULE).context("the native build of the benchmark module is not linked in")?;

    let application = realistic_application();
    let host_application = transcode(&application);
    let legal_date = LEGAL_DATE.to_string();

    // Both builds must give the same eligible decision before anything is timed.
    let (from_wasm, _) = module.evaluate(&host_application, LEGAL_DATE)?;
    let from_native = (native.evaluate)(application.clone(), legal_date.clone());
    anyhow::ensure!(
        serde_json::to_value(&from_wasm)? == serde_json::to_value(&from_native)?,
        "the wasm and native builds disagree on the benchmark application"
    );
    let decision = from_native.map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.message))?;
    anyhow::ensure!(
        decision.outcome == sdk::Outcome::Eligible,
        "the benchmark application should be eligible; the module says: {}",
        serde_json::to_string(&decision)?
    );

    let wasm = median_of(iterations, || {
        module.evaluate(&host_application, LEGAL_DATE).expect("wasm call").0.expect("decision");
    });
    let native_time = median_of(iterations, || {
        (native.evaluate)(application.clone(), legal_date.clone()).expect("decision");
    });
    let instantiate = median_of(iterations, || module.instantiate_only().expect("instantiate"));
    let (_, stats) = module.evaluate(&host_application, LEGAL_DATE)?;
    let ratio = wasm.as_secs_f64() / native_time.as_secs_f64();

    let figures = [
        Figure {
            name: "per-decision latency, wasm (fresh sandbox per call)",
            measured: format!("{:.1} µs", micros(wasm)),
            target: "—",
            met: true,
        },
        Figure {
            name: "per-decision latency, native build of the same crate",
            measured: format!("{:.1} µs", micros(native_time)),
            target: "—",
            met: true,
        },
        Figure { name: "wasm ÷ native", measured: format!("{ratio:.2}×"), target: "≤ 3×", met: ratio <= 3.0 },
        Figure {
            name: "sandbox instantiation per call",
            measured: format!("{:.1} µs", micros(instantiate)),
            target: "≤ 20 µs",
            met: micros(instantiate) <= 20.0,
        },
        Figure { name: "fuel used by one decision", measured: format!("{}", stats.fuel_used), target: "—", met: true },
    ];

    let mut table = String::new();
    writeln!(table, "| figure | measured | target | met |")?;
    writeln!(table, "|---|---|---|---|")?;
    for f in &figures {
        let met = if f.target == "—" { "" } else if f.met { "yes" } else { "NO" };
        writeln!(table, "| {} | {} | {} | {} |", f.name, f.measured, f.target, met)?;
    }
    let report = format!(
        "# juzhu benchmarks\n\nWritten by `juzhu bench`; do not edit by hand.\n\n\
         - machine: {}\n- module: {} ({} bytes, sha256 {})\n- application: 24 monthly insurance records, labour contract, rented home with safety check, 6 materials; legal date {LEGAL_DATE}\n\
         - method: median of {iterations} runs after warm-up; dev-profile host with optimised dependencies unless built with --release\n\n{table}\n\
         HTTP throughput, durable submissions and ranking arrive with `juzhu serve` (issue 3).\n",
        machine(),
        module.label(),
        module.length(),
        module.sha256()
    );
    print!("{table}");
    std::fs::write(out, report).with_context(|| format!("cannot write {}", out.display()))?;
    println!("written to {}", out.display());
    Ok(())
}
