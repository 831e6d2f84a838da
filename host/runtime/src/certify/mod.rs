//! The certification kit: `juzhu certify <module.wasm> --vectors <dir>`.
//!
//! Certification is the check a tester signs, so it runs checks the module's
//! authors did not write:
//! 1. **conformance**: every vector through the wasm component in the
//!    sandbox and, where the caller hands it the native build
//!    (`juzhu-bench` links the five in-tree modules; the station binary links
//!    none), through that too, to the last field;
//! 2. **clause coverage** ([`coverage`]), measured from the answers;
//! 3. **framework invariants** ([`invariants`]) on generated applications,
//!    and the generated cases at the calendar's edges ([`extreme_dates`]);
//! 4. the **resource profile** ([`profile`]) of every call against the
//!    station's limits;
//! 5. with a baseline, the **version comparison** ([`baseline`]).
//!
//! The result is a [`CertifyReport`], written as `report.json` and a
//! self-contained `report.html` ([`report`]). `juzhu attest` runs the same
//! kit and signs the report's digest.

pub mod baseline;
pub mod coverage;
pub mod extreme_dates;
pub mod invariants;
pub mod profile;
pub mod report;

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use juzhu_sdk::types as sdk;
use juzhu_sdk::vectors::{self, Actual, Call, Mismatch, Subject, Vector};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{CallError, CallStats, LoadError, LoadedModule, Runtime};

/// The kit's version, signed into every attestation with the report.
pub const KIT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Generated cases per invariant run unless told otherwise.
pub const DEFAULT_CASES: u32 = 10_000;

/// Why a certification run could not be completed (a failing check is not
/// an error: it is in the report).
#[derive(Debug, thiserror::Error)]
pub enum CertifyError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("vectors: {0}")]
    Vectors(#[source] vectors::LoadError),
    #[error("departures: {0}")]
    Departures(String),
    #[error("running a vector: {0}")]
    Run(String),
}

/// Moves a value between the SDK's and the host's bindings. Both are generated
/// from the same WIT with the same serde derives, so the JSON forms agree.
pub fn transcode<A: Serialize, B: DeserializeOwned>(value: &A) -> B {
    let json = serde_json::to_value(value).expect("contract types serialize");
    serde_json::from_value(json).expect("the SDK's and the host's bindings come from one WIT")
}

/// A loaded wasm component as a vector subject. It keeps what each call
/// cost, for the resource profile.
pub struct WasmSubject<'a> {
    module: &'a LoadedModule,
    costs: RefCell<Vec<CallStats>>,
}

impl<'a> WasmSubject<'a> {
    pub fn new(module: &'a LoadedModule) -> Self {
        WasmSubject { module, costs: RefCell::new(Vec::new()) }
    }

    /// What every call so far cost.
    pub fn costs(&self) -> Vec<CallStats> {
        self.costs.borrow().clone()
    }
}

impl Subject for WasmSubject<'_> {
    fn info(&self) -> Result<sdk::ModuleInfo, String> {
        Ok(transcode(self.module.info()))
    }

    fn run(&self, v: &Vector) -> Result<Result<Actual, sdk::Refusal>, String> {
        let facts = transcode(&v.facts);
        let permit: Option<crate::contract::types::Permit> = v.permit.as_ref().map(transcode);
        let need_permit = || permit.as_ref().ok_or_else(|| "vector has no permit".to_string());
        let date = v.legal_date.as_str();
        let m = self.module;
        fn back<H: Serialize, S: DeserializeOwned, E: Serialize>(
            r: Result<H, E>,
            wrap: fn(S) -> Actual,
        ) -> Result<Actual, sdk::Refusal> {
            r.map(|h| wrap(transcode(&h))).map_err(|e| transcode(&e))
        }
        let cost = |stats: CallStats| self.costs.borrow_mut().push(stats);
        let err = |e: CallError| e.to_string();
        Ok(match v.call {
            Call::Evaluate => {
                let (r, stats) = m.evaluate(&facts, date).map_err(err)?;
                cost(stats);
                back(r, Actual::Decision)
            }
            Call::Endorsement => {
                let (r, stats) = m.endorsement(need_permit()?, &facts, date).map_err(err)?;
                cost(stats);
                back(r, Actual::Endorsement)
            }
            Call::Services => {
                let (r, stats) = m.services(need_permit()?, &facts, date).map_err(err)?;
                cost(stats);
                back(r, Actual::Services)
            }
            Call::Points => {
                let (r, stats) = m.points(permit.as_ref(), &facts, date).map_err(err)?;
                cost(stats);
                back(r, Actual::Points)
            }
            Call::Card => {
                let (r, stats) = m.card(need_permit()?, &facts, date).map_err(err)?;
                cost(stats);
                back(r, Actual::Card)
            }
        })
    }
}

/// One failing conformance case.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    /// Which run found it: `wasm`, `native`, `wasm vs native`, `wasm, generated`.
    pub build: String,
    pub vector: String,
    pub field: String,
    pub expected: String,
    pub actual: String,
}

impl Failure {
    fn new(build: &str, m: Mismatch) -> Self {
        Failure { build: build.into(), vector: m.vector, field: m.field, expected: m.expected, actual: m.actual }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}: {}: expected {}, got {}", self.build, self.vector, self.field, self.expected, self.actual)
    }
}

/// What a certification run found.
#[derive(Debug, Default, Serialize)]
pub struct CertifyReport {
    pub kit_version: String,
    pub module: String,
    pub sha256: String,
    pub vectors: usize,
    pub wasm_passed: usize,
    pub native_passed: Option<usize>,
    /// Generated cases run at the calendar's edges.
    pub generated: usize,
    pub mismatches: Vec<Failure>,
    pub coverage: coverage::Coverage,
    pub invariants: invariants::InvariantReport,
    pub profile: profile::Profile,
    pub baseline: Option<baseline::BaselineDiff>,
}

impl CertifyReport {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty() && self.invariants.violations.is_empty() && self.profile.within_limits()
    }

    /// Every reason the run fails, one line each.
    pub fn failures(&self) -> Vec<String> {
        let mut all: Vec<String> = self.mismatches.iter().map(|m| format!("FAIL {m}")).collect();
        all.extend(self.invariants.violations.iter().map(|v| {
            format!(
                "FAIL [invariant {}] {} at {} after {:?}: {}",
                v.invariant, v.vector, v.legal_date, v.mutations, v.detail
            )
        }));
        all.extend(self.profile.measures.iter().filter(|m| !m.within).map(|m| {
            format!(
                "FAIL [profile] {}: maximum {} is {:.1}% of the station's limit {} (the kit allows {:.0}%)",
                m.name,
                m.max,
                m.share_of_limit * 100.0,
                m.limit,
                self.profile.ceiling * 100.0
            )
        }));
        all
    }
}

/// How to run the kit.
pub struct CertifyOptions<'a> {
    /// The module's native build, for the cross-check.
    pub native: Option<&'a dyn Subject>,
    /// The module's declared departures; by default `departures.yaml` beside
    /// the vector directory.
    pub departures: Option<PathBuf>,
    pub seed: u64,
    /// Generated applications for the invariants and the comparison.
    pub cases: u32,
    /// The previous version, to compare with.
    pub baseline: Option<PathBuf>,
}

impl Default for CertifyOptions<'_> {
    fn default() -> Self {
        CertifyOptions {
            native: None,
            departures: None,
            seed: invariants::DEFAULT_SEED,
            cases: DEFAULT_CASES,
            baseline: None,
        }
    }
}

fn load(runtime: &Runtime, path: &Path) -> Result<LoadedModule, CertifyError> {
    let bytes = std::fs::read(path).map_err(|source| CertifyError::Read { path: path.to_path_buf(), source })?;
    Ok(runtime.load(&path.display().to_string(), &bytes)?)
}

/// Runs the whole kit on the component at `module_path` with the vectors in
/// `vectors_dir`.
pub fn certify(
    runtime: &Runtime,
    module_path: &Path,
    vectors_dir: &Path,
    options: &CertifyOptions<'_>,
) -> Result<CertifyReport, CertifyError> {
    let module = load(runtime, module_path)?;
    let vectors = vectors::load_dir(vectors_dir).map_err(CertifyError::Vectors)?;
    let departures_path = options.departures.clone().unwrap_or_else(|| vectors_dir.join("../departures.yaml"));
    let departures = invariants::load_departures(&departures_path).map_err(CertifyError::Departures)?;
    let mut report = CertifyReport {
        kit_version: KIT_VERSION.to_string(),
        module: module.label().to_string(),
        sha256: module.sha256().to_string(),
        vectors: vectors.len(),
        ..Default::default()
    };
    let wasm = WasmSubject::new(&module);
    let info = wasm.info().map_err(CertifyError::Run)?;

    // 1. Conformance.
    let wasm_report = vectors::run(&wasm, &vectors).map_err(CertifyError::Run)?;
    report.wasm_passed = wasm_report.passed;
    report.mismatches.extend(wasm_report.mismatches.into_iter().map(|m| Failure::new("wasm", m)));
    let mut answers = Vec::new();
    for v in &vectors {
        if let Ok(Ok(actual)) = wasm.run(v) {
            answers.push(actual);
        }
    }
    if let Some(native) = options.native {
        let native_report = vectors::run(native, &vectors).map_err(CertifyError::Run)?;
        report.native_passed = Some(native_report.passed);
        report.mismatches.extend(native_report.mismatches.into_iter().map(|m| Failure::new("native", m)));
        // The two builds of one source must agree to the last field.
        for v in &vectors {
            let json = |r: Result<Result<Actual, sdk::Refusal>, String>| {
                r.map(|r| serde_json::to_value(r).expect("results serialize")).map_err(CertifyError::Run)
            };
            let from_wasm = json(wasm.run(v))?;
            let from_native = json(native.run(v))?;
            if from_wasm != from_native {
                report.mismatches.push(Failure {
                    build: "wasm vs native".into(),
                    vector: v.id.clone(),
                    field: "result".into(),
                    expected: format!("the native result {from_native}"),
                    actual: from_wasm.to_string(),
                });
            }
        }
    }

    // 2. Coverage, from the answers the vectors got.
    report.coverage = coverage::measure(&info, &answers);

    // 3. Invariants, and the calendar's edges.
    report.invariants =
        invariants::check(&wasm, options.native, &info, &vectors, &departures, options.seed, options.cases);
    let (generated, failed) = extreme_dates::check(&wasm, &vectors);
    report.generated = generated;
    report.mismatches.extend(failed.into_iter().map(|m| Failure::new("wasm, generated", m)));

    // 5. The comparison with the previous version.
    if let Some(path) = &options.baseline {
        let previous = load(runtime, path)?;
        let previous_subject = WasmSubject::new(&previous);
        let mut cases = vectors.clone();
        cases.extend(invariants::generate(&vectors, options.seed, options.cases));
        report.baseline =
            Some(baseline::compare(&wasm, &previous_subject, previous.label(), previous.sha256(), &cases));
    }

    // 4. The profile of every call made through the component.
    report.profile = profile::profile(&wasm.costs(), runtime.limits());
    Ok(report)
}

/// Prints a report the way `juzhu certify` shows it; returns whether it passed.
pub fn print(report: &CertifyReport) -> bool {
    println!("module {} sha256 {} (kit {})", report.module, report.sha256, report.kit_version);
    println!("wasm:   {} of {} vectors passed", report.wasm_passed, report.vectors);
    match report.native_passed {
        Some(n) => println!("native: {n} of {} vectors passed", report.vectors),
        None => println!(
            "native: not run (the station binary links no policy code; `juzhu-bench certify` adds the native cross-check)"
        ),
    }
    println!(
        "coverage: {:.1}% ({} of {} clauses cited where met and where not)",
        report.coverage.percent, report.coverage.covered, report.coverage.total
    );
    let inv = &report.invariants;
    println!(
        "invariants: {} generated cases, {} invariants, {} violations (seed {:#x})",
        inv.cases,
        inv.invariants.len(),
        inv.violations.len(),
        inv.seed
    );
    for d in &inv.departures {
        println!(
            "departure declared, for the tester to accept: {} at {} ({}): {}",
            d.invariant, d.field, d.clause, d.ground
        );
    }
    println!("generated: {} cases at extreme legal dates", report.generated);
    for m in &report.profile.measures {
        println!(
            "profile: {} max {} p99 {} = {:.2}% of limit {}",
            m.name,
            m.max,
            m.p99,
            m.share_of_limit * 100.0,
            m.limit
        );
    }
    if let Some(b) = &report.baseline {
        println!("baseline {}: {} of {} cases changed", b.baseline, b.changed, b.cases);
        for g in &b.groups {
            println!(
                "  {} cases: {}",
                g.count,
                if g.reasons.is_empty() { "same reasons".into() } else { g.reasons.join(" ") }
            );
        }
    }
    let failures = report.failures();
    for f in &failures {
        println!("{f}");
    }
    if !report.passed() {
        println!("{} failures", failures.len());
        return false;
    }
    println!("{} passed, 0 failed", report.vectors);
    true
}
