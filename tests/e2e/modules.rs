//! Every jurisdiction module, built as a wasm component, passes all its
//! vectors in the sandbox and natively, with identical results.

use juzhu_runtime::certify::{CertifyOptions, certify};
use juzhu_runtime::{Runtime, SandboxLimits};
use juzhu_test_support::{MODULES, component, workspace};

fn runtime() -> Runtime {
    Runtime::new(SandboxLimits::default(), None).expect("engine")
}

fn certify_module(name: &str, code: &str) {
    let runtime = runtime();
    let path = component(name);
    let vectors = workspace().join("plugins").join(name).join("vectors");
    let native = juzhu_bench::native::module(name);
    let options =
        CertifyOptions { native: native.as_ref().map(|n| n as &dyn juzhu_sdk::vectors::Subject), ..Default::default() };
    let report = certify(&runtime, &path, &vectors, &options).unwrap_or_else(|e| panic!("{name}: {e:#}"));
    // The figures the README quotes.
    let inv = &report.invariants;
    eprintln!(
        "{name}: coverage {:.1}% ({} of {} clauses), {} generated cases, {} violations, {} departures declared, profile {}",
        report.coverage.percent,
        report.coverage.covered,
        report.coverage.total,
        inv.cases,
        inv.violations.len(),
        inv.departures.len(),
        report
            .profile
            .measures
            .iter()
            .map(|m| format!("{} max {} ({:.2}%)", m.name, m.max, m.share_of_limit * 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let failures = report.failures();
    assert!(failures.is_empty(), "{name}: {} failures:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(inv.cases, juzhu_runtime::certify::DEFAULT_CASES, "{name}: the kit's full run");
    assert!(report.profile.calls > report.vectors, "{name}: every call is profiled");
    assert!(report.coverage.total > 0 && report.coverage.covered > 0, "{name}: coverage is measured");
    let dir = tempfile::tempdir().unwrap();
    let written = juzhu_runtime::certify::report::write(&report, dir.path()).unwrap();
    let html = std::fs::read_to_string(&written.html).unwrap();
    assert!(html.contains("data-passed=\"true\"") && html.contains(&report.sha256), "{name}: report.html");
    assert!(report.vectors >= 40, "{name}: only {} vectors", report.vectors);
    assert_eq!(report.wasm_passed, report.vectors, "{name}: wasm");
    assert_eq!(report.native_passed, Some(report.vectors), "{name}: native build must be linked and pass");

    let module = runtime.load(name, &std::fs::read(&path).unwrap()).unwrap();
    let info = module.info();
    assert_eq!(info.jurisdiction, code, "{name}: jurisdiction code");
    assert_eq!(info.id, name);
    assert!(info.contract_version.starts_with("1."), "{name}: contract {}", info.contract_version);
    assert!(!info.documents.is_empty(), "{name}: lists no policy document");
    // The module's own texts are in shared/policy-texts; texts it reads its
    // own through (Decree 663, the provincial regulation) are listed in its
    // clause table as external and are not.
    for doc in &info.documents {
        let text = workspace().join("../shared/policy-texts").join(format!("{}.txt", doc.id));
        let external = doc.source == Some(juzhu_runtime::contract::types::DocumentSource::External);
        if !external && doc.id != juzhu_sdk::framework::DECREE_663 {
            assert!(text.exists(), "{name}: document id {} names no text in shared/policy-texts", doc.id);
        }
    }
    assert!(
        info.documents.iter().any(|d| d.source == Some(juzhu_runtime::contract::types::DocumentSource::Corpus)),
        "{name}: its clause table lists none of its own texts"
    );
}

#[test]
fn zhejiang_certifies() {
    certify_module(MODULES[0].0, MODULES[0].1);
}

#[test]
fn ningbo_jiangbei_certifies() {
    certify_module(MODULES[1].0, MODULES[1].1);
}

#[test]
fn hangzhou_gongshu_certifies() {
    certify_module(MODULES[2].0, MODULES[2].1);
}

#[test]
fn jiaxing_certifies() {
    certify_module(MODULES[3].0, MODULES[3].1);
}

#[test]
fn zhangzhou_certifies() {
    certify_module(MODULES[4].0, MODULES[4].1);
}

/// A policy module must import nothing; the builder and the host both check.
#[test]
fn every_component_imports_nothing() {
    for (name, _) in MODULES {
        let bytes = std::fs::read(component(name)).unwrap();
        juzhu_runtime::check_no_imports(name, &bytes).unwrap_or_else(|e| panic!("{e}"));
    }
}
