//! The conformance kit: `juzhu certify <module.wasm> --vectors <dir>`.
//!
//! Every vector runs through the wasm component in the sandbox and, where the
//! caller hands it the module's native build (`juzhu-bench` links the five
//! in-tree modules; the station binary links none), through the native build
//! too. A run fails on any mismatch with the vector's expectations, on any
//! reason that does not cite a clause of the module's documents, and on any
//! difference between the wasm and native results. It then runs the generated
//! cases of [`crate::extreme_dates`] against the component: legal dates at and
//! beyond the ends of the calendar, which must never make a module fail.

use std::path::Path;

use juzhu_sdk::types as sdk;
use juzhu_sdk::vectors::{self, Actual, Call, Mismatch, Subject, Vector};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{CallError, LoadError, LoadedModule, Runtime};

/// Why a certification run could not be completed (a failing vector is not
/// an error: it is in the report).
#[derive(Debug, thiserror::Error)]
pub enum CertifyError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: std::path::PathBuf, source: std::io::Error },
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("vectors: {0}")]
    Vectors(#[source] vectors::LoadError),
    #[error("running a vector: {0}")]
    Run(String),
}

/// Moves a value between the SDK's and the host's bindings. Both are generated
/// from the same WIT with the same serde derives, so the JSON forms agree.
pub fn transcode<A: Serialize, B: DeserializeOwned>(value: &A) -> B {
    let json = serde_json::to_value(value).expect("contract types serialize");
    serde_json::from_value(json).expect("the SDK's and the host's bindings come from one WIT")
}

/// A loaded wasm component as a vector subject.
pub struct WasmSubject<'a>(pub &'a LoadedModule);

impl Subject for WasmSubject<'_> {
    fn info(&self) -> Result<sdk::ModuleInfo, String> {
        Ok(transcode(self.0.info()))
    }

    fn run(&self, v: &Vector) -> Result<Result<Actual, sdk::Refusal>, String> {
        let facts = transcode(&v.facts);
        let permit: Option<crate::contract::types::Permit> = v.permit.as_ref().map(transcode);
        let need_permit = || permit.as_ref().ok_or_else(|| "vector has no permit".to_string());
        let date = v.legal_date.as_str();
        let m = self.0;
        let err = |e: CallError| e.to_string();
        fn back<H: Serialize, S: DeserializeOwned, E: Serialize>(
            r: Result<H, E>,
            wrap: fn(S) -> Actual,
        ) -> Result<Actual, sdk::Refusal> {
            r.map(|h| wrap(transcode(&h))).map_err(|e| transcode(&e))
        }
        Ok(match v.call {
            Call::Evaluate => back(m.evaluate(&facts, date).map_err(err)?.0, Actual::Decision),
            Call::Endorsement => back(m.endorsement(need_permit()?, &facts, date).map_err(err)?.0, Actual::Endorsement),
            Call::Services => back(m.services(need_permit()?, &facts, date).map_err(err)?.0, Actual::Services),
            Call::Points => back(m.points(permit.as_ref(), &facts, date).map_err(err)?.0, Actual::Points),
            Call::Card => back(m.card(need_permit()?, &facts, date).map_err(err)?.0, Actual::Card),
        })
    }
}

/// What a certification run found.
#[derive(Debug, Default)]
pub struct CertifyReport {
    pub module: String,
    pub sha256: String,
    pub vectors: usize,
    pub wasm_passed: usize,
    pub native_passed: Option<usize>,
    /// Generated cases run (extreme legal dates).
    pub generated: usize,
    pub mismatches: Vec<(String, Mismatch)>,
}

impl CertifyReport {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// Runs every vector in `vectors_dir` against the component at `module_path`.
/// `native`, when given, is the same module's native build: every vector
/// must give it the same result, to the last field.
pub fn certify(
    runtime: &Runtime,
    module_path: &Path,
    vectors_dir: &Path,
    native: Option<&dyn Subject>,
) -> Result<CertifyReport, CertifyError> {
    let bytes =
        std::fs::read(module_path).map_err(|source| CertifyError::Read { path: module_path.to_path_buf(), source })?;
    let module = runtime.load(&module_path.display().to_string(), &bytes)?;
    let vectors = vectors::load_dir(vectors_dir).map_err(CertifyError::Vectors)?;
    let mut report = CertifyReport {
        module: module.label().to_string(),
        sha256: module.sha256().to_string(),
        vectors: vectors.len(),
        ..Default::default()
    };
    let wasm = WasmSubject(&module);
    let wasm_report = vectors::run(&wasm, &vectors).map_err(CertifyError::Run)?;
    report.wasm_passed = wasm_report.passed;
    report.mismatches.extend(wasm_report.mismatches.into_iter().map(|m| ("wasm".to_string(), m)));
    let (generated, failed) = crate::extreme_dates::check(&wasm, &vectors);
    report.generated = generated;
    report.mismatches.extend(failed.into_iter().map(|m| ("wasm, generated".to_string(), m)));

    if let Some(native) = native {
        let native_report = vectors::run(native, &vectors).map_err(CertifyError::Run)?;
        report.native_passed = Some(native_report.passed);
        report.mismatches.extend(native_report.mismatches.into_iter().map(|m| ("native".to_string(), m)));
        // The two builds of one source must agree to the last field.
        for v in &vectors {
            let json = |r: Result<Result<Actual, sdk::Refusal>, String>| {
                r.map(|r| serde_json::to_value(r).expect("results serialize")).map_err(CertifyError::Run)
            };
            let from_wasm = json(wasm.run(v))?;
            let from_native = json(native.run(v))?;
            if from_wasm != from_native {
                report.mismatches.push((
                    "wasm vs native".into(),
                    Mismatch {
                        vector: v.id.clone(),
                        field: "result".into(),
                        expected: format!("the native result {from_native}"),
                        actual: from_wasm.to_string(),
                    },
                ));
            }
        }
    }
    Ok(report)
}

/// Prints a report the way `juzhu certify` shows it; returns whether it passed.
pub fn print(report: &CertifyReport) -> bool {
    println!("module {} sha256 {}", report.module, report.sha256);
    println!("wasm:   {} of {} vectors passed", report.wasm_passed, report.vectors);
    match report.native_passed {
        Some(n) => println!("native: {n} of {} vectors passed", report.vectors),
        None => println!(
            "native: not run (the station binary links no policy code; `juzhu-bench certify` adds the native cross-check)"
        ),
    }
    println!("generated: {} cases at extreme legal dates", report.generated);
    for (build, m) in &report.mismatches {
        println!("FAIL [{build}] {m}");
    }
    if !report.passed() {
        println!("{} mismatches", report.mismatches.len());
        return false;
    }
    println!("{} passed, 0 failed", report.vectors);
    true
}
