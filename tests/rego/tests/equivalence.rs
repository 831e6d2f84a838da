//! The Rego policy decides every Gongshu `evaluate` vector as the native module
//! does: same outcome, route statuses, missing materials, and the same reason
//! codes with the same citations (document and clause label).

use std::path::Path;

use juzhu_rego_gongshu::{RegoGongshu, View};
use juzhu_sdk::vectors::{Call, load_dir};

// The benchmark's own application is checked in tests/bench/tests/rego.rs
// (juzhu-bench depends on this crate, so the check lives there).

/// Vectors the Rego port does not decide, with why. Only the SDK's input
/// validation, which juzhu runs before any Gongshu rule for every module, is
/// left out of the port; the module's own refusals (jurisdiction, in force,
/// legal-date range) are ported.
const EXCLUDED: &[(&str, &str)] = &[
    ("hz-err-impossible-registration-date", "SDK validation: 2017-02-30 is not a calendar date"),
    ("hz-err-insurance-backwards", "SDK validation: an insurance period ending before it starts"),
    ("hz-err-bad-citizen-id", "SDK validation: the citizen ID check character (GB 11643)"),
];

#[test]
fn every_evaluate_vector_decides_the_same_in_rego_as_natively() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins/hangzhou-gongshu/vectors");
    let vectors = load_dir(&dir).expect("Gongshu vectors load");
    let native = juzhu_plugin_hangzhou_gongshu::native();
    let mut rego = RegoGongshu::new().expect("policy parses");
    let (mut matched, mut excluded, mut mismatches) = (0, 0, Vec::new());
    for v in vectors.iter().filter(|v| v.call == Call::Evaluate) {
        let expected = View::of_juzhu(&(native.evaluate)(v.facts.clone(), v.legal_date.clone())).unwrap();
        if let Some((_, why)) = EXCLUDED.iter().find(|(id, _)| *id == v.id) {
            // Still an input error natively: the exclusion is about validation only.
            assert!(matches!(expected, View::Error { .. }), "{} is excluded ({why}) but decides natively", v.id);
            excluded += 1;
            continue;
        }
        match rego.decide(&v.facts, &v.legal_date) {
            Ok(actual) if actual == expected => matched += 1,
            Ok(actual) => mismatches.push(format!("{}:\n  native {expected:?}\n  rego   {actual:?}", v.id)),
            Err(e) => mismatches.push(format!("{}: rego failed: {e:#}", v.id)),
        }
    }
    println!("Gongshu evaluate vectors: {matched} matched, {excluded} excluded");
    for (id, _) in EXCLUDED {
        assert!(vectors.iter().any(|v| v.id == *id), "excluded vector {id} no longer exists");
    }
    assert!(mismatches.is_empty(), "{} vectors differ:\n{}", mismatches.len(), mismatches.join("\n"));
    assert_eq!(excluded, EXCLUDED.len());
    assert!(matched >= 80, "only {matched} vectors compared");
}
