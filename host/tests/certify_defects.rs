//! `juzhu certify` refuses a module for each defect the kit checks, one test
//! per defect. The modules are `tests/fixtures/defective-module`, built once,
//! its defect marker rewritten byte for byte per test. Each refusal names the
//! broken check, and `report.json` carries what reproduces it.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Generated cases per run: enough for every defect to show, few enough for
/// a debug build.
const CASES: &str = "150";

fn workspace() -> &'static Path {
    juzhu_test_support::workspace()
}

struct Run {
    success: bool,
    shown: String,
    report: Value,
    dir: tempfile::TempDir,
}

fn certify(defect: &str) -> Run {
    certify_against(defect, None)
}

/// Certifies the fixture carrying `defect`, compared with the one carrying
/// `baseline` when given.
fn certify_against(defect: &str, baseline: Option<&str>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join(format!("defective-{defect}.wasm"));
    std::fs::write(&module, juzhu_test_support::defective_module(defect)).unwrap();
    let report: PathBuf = dir.path().join("report");
    let vectors = workspace().join("tests/fixtures/defective-module/vectors");
    let mut args = vec![
        "certify".to_string(),
        module.display().to_string(),
        "--vectors".into(),
        vectors.display().to_string(),
        "--cases".into(),
        CASES.into(),
        "--report".into(),
        report.display().to_string(),
    ];
    if let Some(baseline) = baseline {
        let previous = dir.path().join(format!("defective-{baseline}.wasm"));
        std::fs::write(&previous, juzhu_test_support::defective_module(baseline)).unwrap();
        args.extend(["--baseline".into(), previous.display().to_string()]);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_juzhu")).args(&args).output().unwrap();
    let shown = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(report.join("report.json")).unwrap_or_else(|e| panic!("{e}: {shown}"));
    Run { success: out.status.success(), shown, report: serde_json::from_str(&text).unwrap(), dir }
}

/// Asserts the run failed on `invariant` alone among the invariants, with a
/// counterexample a tester can POST.
fn refused_for(defect: &str, invariant: &str) -> Value {
    let run = certify(defect);
    assert!(!run.success, "{defect}: certified: {}", run.shown);
    assert!(run.shown.contains(&format!("FAIL [invariant {invariant}]")), "{defect}: {}", run.shown);
    let violations = run.report["invariants"]["violations"].as_array().unwrap().clone();
    let v = violations
        .iter()
        .find(|v| v["invariant"] == invariant)
        .unwrap_or_else(|| panic!("{defect}: no {invariant} violation in {violations:?}"))
        .clone();
    assert!(v["application"]["identity"]["citizen_id"].is_string(), "{defect}: the counterexample is an application");
    assert!(!v["detail"].as_str().unwrap().is_empty());
    let html = std::fs::read_to_string(run.dir.path().join("report/report.html")).unwrap();
    assert!(html.contains("data-passed=\"false\"") && html.contains(invariant), "{defect}: report.html");
    v
}

fn refused_for_profile(defect: &str, measure: &str) {
    let run = certify(defect);
    assert!(!run.success, "{defect}: certified: {}", run.shown);
    assert!(run.shown.contains(&format!("FAIL [profile] {measure}: maximum")), "{defect}: {}", run.shown);
    let m =
        run.report["profile"]["measures"].as_array().unwrap().iter().find(|m| m["name"] == measure).unwrap().clone();
    assert_eq!(m["within"], false, "{defect}: {m}");
    assert!(m["share_of_limit"].as_f64().unwrap() > 0.25, "{defect}: {m}");
    assert!(run.report["invariants"]["violations"].as_array().unwrap().is_empty(), "{defect}: only the profile fails");
}

#[test]
fn the_fixture_without_a_defect_certifies() {
    let run = certify("none");
    assert!(run.success, "{}", run.shown);
    assert_eq!(run.report["coverage"]["percent"], 100.0, "both clauses met and not met: {}", run.report["coverage"]);
    assert_eq!(run.report["invariants"]["cases"], 150);
    assert!(run.shown.contains("6 passed, 0 failed"), "{}", run.shown);
}

#[test]
fn an_unknown_birth_date_granted_as_eligible_is_refused() {
    let v = refused_for("unknown", "unknown-is-not-true");
    assert!(v["detail"].as_str().unwrap().contains("/identity/birth_date"), "{v}");
}

#[test]
fn materials_asked_for_one_at_a_time_are_refused() {
    let v = refused_for("told", "told-at-once");
    assert!(v["detail"].as_str().unwrap().contains("LabourContract"), "{v}");
}

#[test]
fn a_decision_that_reads_the_name_is_refused() {
    refused_for("irrelevant", "irrelevant-facts");
}

#[test]
fn a_citation_outside_the_clause_table_is_refused() {
    let v = refused_for("cited", "cited");
    assert!(v["detail"].as_str().unwrap().contains("九十九"), "{v}");
}

#[test]
fn an_eligible_decision_with_no_route_met_is_refused() {
    refused_for("route", "eligible-has-route");
}

#[test]
fn an_eligible_decision_without_half_a_year_of_residence_is_refused() {
    let v = refused_for("residence", "residence-period");
    assert!(v["detail"].as_str().unwrap().contains("Decree 663"), "{v}");
}

#[test]
fn a_longer_registration_that_turns_eligible_into_ineligible_is_refused() {
    refused_for("upper-limit", "monotone-facts");
}

#[test]
fn a_module_that_traps_on_a_valid_application_is_refused() {
    let v = refused_for("trap", "no-failure");
    assert!(v["application"]["registrations"].as_array().unwrap().is_empty(), "shrunk to the trapping case: {v}");
}

#[test]
fn a_module_using_over_a_quarter_of_the_fuel_limit_is_refused() {
    refused_for_profile("fuel", "fuel");
}

#[test]
fn a_module_using_over_a_quarter_of_the_memory_limit_is_refused() {
    refused_for_profile("memory", "memory_bytes");
}

#[test]
fn a_module_answering_over_a_quarter_of_the_result_limit_is_refused() {
    refused_for_profile("result", "result_bytes");
}

/// A rule change from six months of registration to seven: the comparison
/// lists the cases between six and seven months, grouped by the reasons that
/// changed, and no other.
#[test]
fn the_version_comparison_lists_exactly_the_cases_a_rule_change_moves() {
    let run = certify_against("seven-months", Some("none"));
    let diff = &run.report["baseline"];
    assert!(diff["cases"].as_u64().unwrap() > 150, "the vectors and the generated cases: {diff}");
    let changed = diff["changed"].as_u64().unwrap();
    assert!(changed >= 1, "{diff}");
    let groups = diff["groups"].as_array().unwrap();
    // The largest group is the plain case: the registration condition alone
    // flipped. Cases that were Incomplete become refusals, so they also lose
    // their missing-material reasons, and are grouped apart.
    let reasons = |g: &Value| -> Vec<String> {
        g["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect()
    };
    assert_eq!(reasons(&groups[0]), ["+registration.six-months.not-met", "-registration.six-months.met"], "{diff}");
    let mut counted = 0;
    for g in groups {
        let r = reasons(g);
        assert!(
            r.contains(&"+registration.six-months.not-met".to_string())
                && r.contains(&"-registration.six-months.met".to_string()),
            "every change is the registration rule's: {r:?}"
        );
        assert!(
            r.iter().all(|c| c.contains("registration.six-months") || c.starts_with("-material.missing.")),
            "{r:?}"
        );
        counted += g["count"].as_u64().unwrap();
        for e in g["examples"].as_array().unwrap() {
            assert!(
                e["case"].as_str().unwrap().starts_with("df-six-and-a-half-months"),
                "only the case between six and seven months changes: {e}"
            );
            assert_eq!(e["after"]["outcome"], "Ineligible", "{e}");
        }
    }
    assert_eq!(counted, changed, "every changed case is in a group");
    assert_eq!(groups[0]["examples"][0]["before"]["outcome"], "Eligible");
    assert!(run.shown.contains(&format!("{changed} of")), "{}", run.shown);
    // The same module against itself changes nothing.
    let same = certify_against("none", Some("none"));
    assert_eq!(same.report["baseline"]["changed"], 0, "{}", same.report["baseline"]);
    assert!(same.success, "{}", same.shown);
}
