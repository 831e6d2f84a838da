//! Per-decision latency, wasm against native, and sandbox instantiation.
//!
//! The same realistic application goes through the wasm component (a fresh
//! sandbox per call, as served) and through the native build of the same
//! crate; target: wasm at most 3× native. Instantiation alone: at most 20 µs.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use juzhu_sdk::types as sdk;

use super::Figure;
use juzhu_runtime::certify::transcode;
use juzhu_runtime::{Runtime, SandboxLimits};

/// The module and legal date the figures use.
pub(super) const MODULE: &str = "hangzhou-gongshu";
pub const LEGAL_DATE: &str = "2017-06-15";

/// A realistic Gongshu applicant: 24 monthly insurance records, a labour
/// contract, a rented home with its safety check, and six materials.
pub fn realistic_application() -> sdk::Application {
    let insurance = (0..24)
        .map(|i| {
            let (year, month) = (2015 + (6 + i) / 12, (6 + i) % 12 + 1);
            let m = format!("{year:04}-{month:02}");
            sdk::InsurancePeriod {
                from: m.clone(),
                to: m,
                division: "330105".into(),
                scope: sdk::InsuranceScope::Full,
                back_paid: false,
            }
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
            hukou_division: Some("340100".into()),
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
                    non_residential_space: Some(false),
                    partitioned: Some(false),
                    occupants: vec![
                        sdk::Occupant { duty_of_support: Some(true) },
                        sdk::Occupant { duty_of_support: Some(true) },
                    ],
                    living_area_m2: Some(18.0),
                    safety_kit_complete: Some(true),
                    other_serious_hazard: Some(false),
                    structural_hazard: Some(false),
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
            family_planning_compliant: None,
            assigned: vec![],
            rental_registration_receipt: None,
            tax_receipts: None,
        },
        tier_requested: None,
        tier_held: None,
        events: Some(vec![]),
    }
}

/// Measures the decision figures with the component in `modules_dir`.
pub fn measure(modules_dir: &Path, iterations: usize) -> anyhow::Result<(Vec<Figure>, String)> {
    // The station serves without fuel (deadline only); certification meters
    // fuel. Both are timed; the headline is what the station runs.
    let runtime = Runtime::serving(SandboxLimits::default(), None)?;
    let metered_runtime = Runtime::new(SandboxLimits::default(), None)?;
    let path = modules_dir.join(format!("{MODULE}.wasm"));
    let bytes = std::fs::read(&path)
        .with_context(|| format!("cannot read {} (run scripts/build-modules.sh first)", path.display()))?;
    let module = runtime.load(&path.display().to_string(), &bytes)?;
    let metered = metered_runtime.load(&path.display().to_string(), &bytes)?;
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
    let decision = from_native.map_err(|e| anyhow::anyhow!("the module refused: {e:?}"))?;
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
    let wasm_fuel = median_of(iterations, || {
        metered.evaluate(&host_application, LEGAL_DATE).expect("wasm call").0.expect("decision");
    });
    let instantiate = median_of(iterations, || module.instantiate_only().expect("instantiate"));
    let (_, stats) = metered.evaluate(&host_application, LEGAL_DATE)?;
    let ratio = wasm.as_secs_f64() / native_time.as_secs_f64();
    // Where the served call's time goes besides the module's own work: the
    // result-size limit counts the decision's JSON bytes on every call.
    let counting = median_of(iterations, || {
        serde_json::to_writer(std::io::sink(), &from_wasm).expect("contract types serialize");
    });
    let json = serde_json::to_value(&from_wasm)?;
    let (json_bytes, text_bytes) = (serde_json::to_vec(&json)?.len(), bilingual_text_bytes(&json));
    let figures = vec![
        Figure::info(
            "per-decision latency, wasm as served (fresh sandbox per call, deadline only)",
            format!("{:.1} µs", micros(wasm)),
        ),
        Figure::info(
            "per-decision latency, wasm with fuel metering (as certified)",
            format!("{:.1} µs", micros(wasm_fuel)),
        ),
        Figure::target(
            "per-decision latency, native build of the same crate",
            format!("{:.1} µs", micros(native_time)),
            "≤ 5 µs",
            micros(native_time) <= 5.0,
        ),
        Figure::target("wasm as served ÷ native", format!("{ratio:.2}×"), "≤ 1.5×", ratio <= 1.5),
        Figure::target(
            "sandbox instantiation per call",
            format!("{:.1} µs", micros(instantiate)),
            "≤ 20 µs",
            micros(instantiate) <= 20.0,
        ),
        Figure::info("fuel used by one decision", stats.fuel_used.to_string()),
        Figure::info(
            "of a served call: counting the decision's JSON bytes (the result-size limit)",
            format!("{:.1} µs", micros(counting)),
        ),
        Figure::info(
            "the decision as JSON; of which reason texts (`zh`, `en`)",
            format!("{json_bytes} bytes; {text_bytes} bytes ({:.0}%)", 100.0 * text_bytes as f64 / json_bytes as f64),
        ),
    ];
    let setup = format!(
        "decision figures: module {} ({} bytes, sha256 {}); application: 24 monthly insurance records, labour contract, rented home with safety check, 6 materials; legal date {LEGAL_DATE}; median of {iterations} runs after warm-up",
        module.label(),
        module.length(),
        module.sha256()
    );
    Ok((figures, setup))
}

/// The bytes of every `zh` and `en` string in `value`: the messages a module
/// builds in two languages on every call.
fn bilingual_text_bytes(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(key, v)| match v {
                serde_json::Value::String(text) if key == "zh" || key == "en" => text.len(),
                other => bilingual_text_bytes(other),
            })
            .sum(),
        serde_json::Value::Array(items) => items.iter().map(bilingual_text_bytes).sum(),
        _ => 0,
    }
}

/// Times `f` over `iterations` runs after a warm-up; returns the median per run.
pub(super) fn median_of(iterations: usize, mut f: impl FnMut()) -> Duration {
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

pub(super) fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
