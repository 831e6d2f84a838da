//! The conformance kit: `juzhu certify <module.wasm> --vectors <dir>`.
//!
//! Every vector runs through the wasm component in the sandbox and, where the
//! module's native build is linked into this binary, through the native build
//! too. A run fails on any mismatch with the vector's expectations, on any
//! reason that does not cite a clause of the module's documents, and on any
//! difference between the wasm and native results.

use std::path::Path;

use anyhow::{Context, bail};
use juzhu_sdk::types as sdk;
use juzhu_sdk::vectors::{self, Actual, Call, Mismatch, Subject, Vector};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::runtime::{LoadedModule, Runtime};

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

    fn run(&self, v: &Vector) -> Result<Result<Actual, sdk::InputError>, String> {
        let facts = transcode(&v.facts);
        let permit: Option<crate::runtime::contract::types::Permit> = v.permit.as_ref().map(transcode);
        let need_permit = || permit.as_ref().ok_or_else(|| "vector has no permit".to_string());
        let date = v.legal_date.as_str();
        let m = self.0;
        let err = |e: crate::runtime::CallError| e.to_string();
        fn back<H: Serialize, S: DeserializeOwned, E: Serialize>(
            r: Result<H, E>,
            wrap: fn(S) -> Actual,
        ) -> Result<Actual, sdk::InputError> {
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
    pub mismatches: Vec<(String, Mismatch)>,
}

impl CertifyReport {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// Runs every vector in `vectors_dir` against the component at `module_path`.
pub fn certify(runtime: &Runtime, module_path: &Path, vectors_dir: &Path) -> anyhow::Result<CertifyReport> {
    let bytes = std::fs::read(module_path).with_context(|| format!("cannot read {}", module_path.display()))?;
    let module = runtime.load(&module_path.display().to_string(), &bytes)?;
    let vectors = vectors::load_dir(vectors_dir)?;
    let mut report = CertifyReport {
        module: module.label().to_string(),
        sha256: module.sha256().to_string(),
        vectors: vectors.len(),
        ..Default::default()
    };
    let wasm = WasmSubject(&module);
    let wasm_report = vectors::run(&wasm, &vectors).map_err(anyhow::Error::msg)?;
    report.wasm_passed = wasm_report.passed;
    report.mismatches.extend(wasm_report.mismatches.into_iter().map(|m| ("wasm".to_string(), m)));

    if let Some(native) = crate::native::module(&module.info().id) {
        let native_report = vectors::run(&native, &vectors).map_err(anyhow::Error::msg)?;
        report.native_passed = Some(native_report.passed);
        report.mismatches.extend(native_report.mismatches.into_iter().map(|m| ("native".to_string(), m)));
        // The two builds of one source must agree to the last field.
        for v in &vectors {
            let from_wasm = serde_json::to_value(wasm.run(v).map_err(anyhow::Error::msg)?)?;
            let from_native = serde_json::to_value(native.run(v).map_err(anyhow::Error::msg)?)?;
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

/// Prints a report the way `juzhu certify` shows it; errors when it failed.
pub fn print(report: &CertifyReport) -> anyhow::Result<()> {
    println!("module {} sha256 {}", report.module, report.sha256);
    println!("wasm:   {} of {} vectors passed", report.wasm_passed, report.vectors);
    match report.native_passed {
        Some(n) => println!("native: {n} of {} vectors passed", report.vectors),
        None => println!("native: no native build of this module is linked into juzhu; wasm only"),
    }
    for (build, m) in &report.mismatches {
        println!("FAIL [{build}] {m}");
    }
    if !report.passed() {
        bail!("{} mismatches", report.mismatches.len());
    }
    println!("{} passed, 0 failed", report.vectors);
    Ok(())
}
