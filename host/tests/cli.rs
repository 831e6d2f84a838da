//! The `juzhu` command line as an author or tester meets it: help for every
//! subcommand, certification that names each mismatch, and bad vectors that
//! are refused (naming the field) before anything is evaluated.

use std::path::Path;
use std::process::{Command, Output};

use juzhu_test_support::component;

fn juzhu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_juzhu")).args(args).output().expect("run juzhu")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// A Zhangzhou applicant: registered since 2017-01-10, employed since 2017-02-01.
const BASE: &str = r#"
defaults:
  facts: &base
    jurisdiction: "350602"
    identity: { name: 李明, citizen_id: "360102199001010034", sex: Male, hukou_division: "360102" }
    registrations:
      - { registered_on: "2017-01-10", division: "350602", address: 芗城区新华西路1号, changes: [] }
    insurance: []
    employment:
      - { kind: LabourContract, division: "350602", started_on: "2017-02-01" }
    housing: []
    schooling: []
    guardians: []
    special_statuses: []
    materials: []
    points: { awards: [], violations: [], assigned: [] }
"#;

/// Writes one vector file (BASE plus `vectors`) into a fresh directory.
fn vectors_dir(vectors: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("case.yaml"), format!("{BASE}\nvectors:\n{vectors}")).unwrap();
    dir
}

fn certify(dir: &Path) -> Output {
    juzhu(&["certify", component("zhangzhou").to_str().unwrap(), "--vectors", dir.to_str().unwrap()])
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        &["--help"][..],
        &["module", "--help"],
        &["module", "build", "--help"],
        &["module", "inspect", "--help"],
        &["certify", "--help"],
    ] {
        let out = juzhu(args);
        assert!(out.status.success(), "juzhu {args:?} --help failed: {}", text(&out));
        assert!(text(&out).contains("Usage:"), "{args:?}: {}", text(&out));
    }
}

#[test]
fn certify_passes_a_true_vector() {
    let dir = vectors_dir(
        r#"
  - id: ok-employed
    clause: 二(二)1
    legal_date: "2017-07-10"
    facts: { <<: *base }
    expect: { outcome: Eligible, routes: { Employment: Met } }
"#,
    );
    let out = certify(dir.path());
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("1 passed, 0 failed"), "{}", text(&out));
}

#[test]
fn certify_names_vector_field_expected_and_actual_on_a_mismatch() {
    let dir = vectors_dir(
        r#"
  - id: wrong-expectation
    clause: 二(二)1
    legal_date: "2017-07-10"
    facts: { <<: *base }
    expect: { outcome: Ineligible }
"#,
    );
    let out = certify(dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = text(&out);
    assert!(shown.contains("FAIL [wasm] wrong-expectation: outcome: expected Ineligible, got Eligible"), "{shown}");
    // The station binary links no policy code; `juzhu-bench certify` runs the
    // native build (tests/bench/tests/certify.rs asserts its FAIL [native] line).
    assert!(shown.contains("native: not run"), "{shown}");
}

/// A vector that cannot be valid input is refused when loaded, naming the
/// file, the vector and the field, and nothing is evaluated.
fn assert_refused(vector_facts: &str, field: &str, words: &str) {
    let dir = vectors_dir(&format!(
        r#"
  - id: bad-input
    clause: 二(二)
    legal_date: "2017-07-10"
    facts: {vector_facts}
    expect: {{ outcome: Eligible }}
"#
    ));
    let out = certify(dir.path());
    let shown = text(&out);
    assert!(!out.status.success(), "accepted a bad vector: {shown}");
    assert!(shown.contains("case.yaml"), "names the file: {shown}");
    assert!(shown.contains(field), "names the field `{field}`: {shown}");
    assert!(shown.contains(words), "says `{words}`: {shown}");
    assert!(!shown.contains("vectors passed"), "evaluated a bad vector: {shown}");
}

#[test]
fn an_impossible_date_is_refused_naming_the_field() {
    assert_refused(
        r#"{ <<: *base, registrations: [{ registered_on: "2017-02-30", division: "350602", address: x, changes: [] }] }"#,
        "registrations[0].registered_on",
        "not a real calendar date",
    );
}

#[test]
fn negative_months_are_refused_naming_the_field() {
    assert_refused(
        r#"{ <<: *base, employment: [{ kind: LabourContract, division: "350602", started_on: "2017-02-01", contract_months: -6 }] }"#,
        "employment[0].contract_months",
        "-6",
    );
}

#[test]
fn an_unknown_material_code_is_refused_naming_the_field() {
    assert_refused(
        r#"{ <<: *base, materials: [{ kind: HouseDeed, source: Submitted }] }"#,
        "materials[0].kind",
        "unknown variant `HouseDeed`",
    );
}

#[test]
fn an_unknown_field_is_refused_naming_it() {
    assert_refused(r#"{ <<: *base, insurence: [] }"#, "insurence", "unknown field");
}

#[test]
fn a_period_ending_before_it_starts_is_refused() {
    assert_refused(
        r#"{ <<: *base, insurance: [{ from: "2017-05", to: "2017-01", division: "350602", scope: Full, back_paid: false }] }"#,
        "insurance[0].to",
        "must run forwards",
    );
}

#[test]
fn a_bad_citizen_id_check_digit_is_refused() {
    assert_refused(
        r#"{ <<: *base, identity: { name: 李明, citizen_id: "360102199001010035" } }"#,
        "identity.citizen_id",
        "check character",
    );
}

#[test]
fn inspect_prints_metadata_and_digest() {
    let out = juzhu(&["module", "inspect", component("zhangzhou").to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["module"]["id"], "zhangzhou");
    assert_eq!(json["module"]["jurisdiction"], "350600");
    assert_eq!(json["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(json["imports"], serde_json::json!([]));
}

#[test]
fn certify_refuses_a_file_that_is_not_a_component() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus.wasm");
    std::fs::write(&bogus, b"\0asm\x01\0\0\0").unwrap();
    let out = juzhu(&["certify", bogus.to_str().unwrap(), "--vectors", "."]);
    assert!(!out.status.success());
    assert!(text(&out).contains("not a WebAssembly component"), "{}", text(&out));
}

#[test]
fn compare_prints_every_jurisdiction_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let modules = dir.path().join("modules");
    std::fs::create_dir_all(&modules).unwrap();
    for name in ["hangzhou-gongshu", "jiaxing", "ningbo-jiangbei", "zhangzhou", "zhejiang"] {
        std::fs::copy(component(name), modules.join(format!("{name}.wasm"))).unwrap();
    }
    let app = dir.path().join("application.json");
    let body = serde_json::json!({
        "application": juzhu_test_support::ApplicationBuilder::gongshu_employed().json(),
        "legal_date": "2017-06-15"
    });
    std::fs::write(&app, body.to_string()).unwrap();
    let out = juzhu(&["compare", app.to_str().unwrap(), "--modules", modules.to_str().unwrap()]);
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    for line in [
        "330105 杭州市拱墅区 (the application's own)",
        "eligible (standard) by hangzhou-gongshu@1.0.0 on 2017-06-15",
        "330400 嘉兴市",
        "not decided: legal_date 2017-06-15 is outside the in-force window",
        "350600 漳州市",
        "330205",
        "330000",
    ] {
        assert!(shown.contains(line), "missing {line:?} in:\n{shown}");
    }
    // --json is what POST /v1/compare answers.
    let out = juzhu(&["compare", app.to_str().unwrap(), "--modules", modules.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["jurisdictions"].as_array().unwrap().len(), 5);
    assert_eq!(json["jurisdictions"][3]["refusal"]["field"], "legal_date");
    // A file that is not an application names the field.
    std::fs::write(&app, r#"{"application": {"jurisdiction": 330105}}"#).unwrap();
    let out = juzhu(&["compare", app.to_str().unwrap(), "--modules", modules.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out).contains("application.jurisdiction"), "{}", text(&out));
}
