//! `juzhu-bench certify`: the in-tree modules' vectors through the wasm
//! component and the native build, each mismatch named for both.

use std::process::Command;

use juzhu_test_support::{component, workspace};

/// A vector whose expectation is wrong, for a Zhangzhou applicant employed
/// since 2017-02-01 and registered since 2017-01-10.
const VECTORS: &str = r#"
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
vectors:
  - id: wrong-expectation
    clause: 二(二)1
    legal_date: "2017-07-10"
    facts: { <<: *base }
    expect: { outcome: Ineligible }
"#;

#[test]
fn certify_names_the_mismatch_in_wasm_and_in_the_native_build() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("case.yaml"), VECTORS).unwrap();
    let module = component("zhangzhou");
    let out = Command::new(env!("CARGO_BIN_EXE_juzhu-bench"))
        .current_dir(workspace())
        .args(["certify", module.to_str().unwrap(), "--vectors", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    let shown = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("FAIL [wasm] wrong-expectation: outcome: expected Ineligible, got Eligible"), "{shown}");
    assert!(shown.contains("FAIL [native] wrong-expectation: outcome: expected Ineligible, got Eligible"), "{shown}");
}
