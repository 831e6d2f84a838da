//! The kit's framework invariants: subjects that break one invariant each
//! are caught with a shrunk counterexample, and a module's declared departure
//! is what lets it pass. (The five modules' full kit runs, wasm against
//! native, are in `tests/e2e/modules.rs`.)

use std::path::{Path, PathBuf};

use juzhu_runtime::certify::invariants::{self, DEFAULT_SEED, InvariantReport};
use juzhu_sdk::NativeModule;
use juzhu_sdk::types::{Effect, ModuleInfo, Outcome, Refusal, RouteStatus};
use juzhu_sdk::vectors::{self, Actual, Subject, Vector};

const CASES: u32 = 10_000;

fn plugin_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins").join(name).join("vectors")
}

fn kit(subject: &dyn Subject, dir: &str, cases: u32) -> InvariantReport {
    let vectors = vectors::load_dir(&plugin_dir(dir)).expect("vectors load");
    let info = subject.info().expect("info");
    let departures = invariants::load_departures(&plugin_dir(dir).join("../departures.yaml")).expect("departures load");
    invariants::check(subject, None, &info, &vectors, &departures, DEFAULT_SEED, cases)
}

/// A native module with one defect grafted on.
struct Broken {
    inner: NativeModule,
    defect: Defect,
}

#[derive(Clone, Copy)]
enum Defect {
    /// Eligible whenever the applicant's name contains 李.
    NameDecides,
    /// Eligible whenever the birth date is unknown.
    UnknownIsTrue,
    /// Cites a clause its table does not list.
    Uncited,
    /// Every other call answers a little differently.
    Flaky,
}

impl Subject for Broken {
    fn info(&self) -> Result<ModuleInfo, String> {
        self.inner.info()
    }

    fn run(&self, v: &Vector) -> Result<Result<Actual, Refusal>, String> {
        let mut result = self.inner.run(v)?;
        let Ok(Actual::Decision(d)) = &mut result else { return Ok(result) };
        let eligible = |d: &mut juzhu_sdk::types::Decision| {
            d.outcome = Outcome::Eligible;
            if let Some(r) = d.routes.first_mut() {
                r.status = RouteStatus::Met;
            }
        };
        match self.defect {
            Defect::NameDecides if v.facts.identity.name.contains('测') => eligible(d),
            Defect::UnknownIsTrue if v.facts.identity.birth_date.is_none() => eligible(d),
            Defect::Uncited => {
                if let Some(r) = d.reasons.first_mut() {
                    r.citation.clause = "九十九".into();
                }
            }
            Defect::Flaky => {
                use std::sync::atomic::{AtomicUsize, Ordering};
                static CALLS: AtomicUsize = AtomicUsize::new(0);
                if CALLS.fetch_add(1, Ordering::Relaxed) % 2 == 1
                    && let Some(r) = d.reasons.first_mut()
                {
                    r.effect = Some(Effect::Information);
                }
            }
            _ => {}
        }
        Ok(result)
    }
}

fn caught(defect: Defect, invariant: &str) -> InvariantReport {
    let subject = Broken { inner: juzhu_plugin_zhejiang::native(), defect };
    let report = kit(&subject, "zhejiang", 2_000);
    let v = report
        .violations
        .iter()
        .find(|v| v.invariant == invariant)
        .unwrap_or_else(|| panic!("{invariant} not caught: {:?}", report.violations));
    assert!(!v.detail.is_empty());
    assert!(v.application.get("identity").is_some(), "the counterexample carries the application");
    report
}

#[test]
fn an_outcome_that_reads_the_name_is_caught() {
    let report = caught(Defect::NameDecides, "irrelevant-facts");
    let v = report.violations.iter().find(|v| v.invariant == "irrelevant-facts").unwrap();
    assert!(v.detail.contains("Eligible"), "{}", v.detail);
}

#[test]
fn an_unknown_treated_as_true_is_caught_and_shrunk() {
    let report = caught(Defect::UnknownIsTrue, "unknown-is-not-true");
    let v = report.violations.iter().find(|v| v.invariant == "unknown-is-not-true").unwrap();
    assert!(v.detail.contains("unknown"), "{}", v.detail);
    // Shrinking leaves at most the one mutation that makes the birth date
    // unknown (the seed application itself fails once it is).
    assert!(v.mutations.len() <= 1, "not shrunk: {:?}", v.mutations);
}

#[test]
fn a_reason_citing_a_clause_not_in_the_table_is_caught() {
    let report = caught(Defect::Uncited, "cited");
    let v = report.violations.iter().find(|v| v.invariant == "cited").unwrap();
    assert!(v.detail.contains("九十九"), "{}", v.detail);
}

#[test]
fn an_answer_that_changes_between_calls_is_caught() {
    caught(Defect::Flaky, "deterministic");
}

#[test]
fn the_same_seed_finds_the_same_counterexample() {
    let a = caught(Defect::NameDecides, "irrelevant-facts");
    let b = caught(Defect::NameDecides, "irrelevant-facts");
    let json = |r: &InvariantReport| serde_json::to_string(&r.violations).unwrap();
    assert_eq!(json(&a), json(&b));
}

/// Jiaxing's declared departure (its text makes the lease the proof of a
/// rented home) is what lets it pass: without the declaration the same run
/// finds the case, and with it the report lists the departure.
#[test]
fn a_departure_passes_only_when_declared_and_is_listed() {
    let native = juzhu_plugin_jiaxing::native();
    let vectors = vectors::load_dir(&plugin_dir("jiaxing")).unwrap();
    let info = native.info().unwrap();
    let undeclared = invariants::check(&native, None, &info, &vectors, &[], DEFAULT_SEED, CASES);
    let found = undeclared.violations.iter().find(|v| v.invariant == "unknown-is-not-true").expect("found undeclared");
    assert!(found.detail.contains("/rental/compliant"), "{}", found.detail);

    let departures = invariants::load_departures(&plugin_dir("jiaxing").join("../departures.yaml")).unwrap();
    assert_eq!(departures.len(), 1);
    let declared = invariants::check(&native, None, &info, &vectors, &departures, DEFAULT_SEED, CASES);
    assert!(declared.violations.is_empty(), "{:?}", declared.violations);
    assert_eq!(declared.departures, departures, "the report lists the departure for the tester");
}

#[test]
fn a_departures_file_naming_no_invariant_or_no_ground_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("departures.yaml");
    std::fs::write(&path, "departures:\n  - { invariant: unknown-is-true, field: /x, clause: 一, ground: because }\n")
        .unwrap();
    let e = invariants::load_departures(&path).unwrap_err();
    assert!(e.contains("`unknown-is-true`") && e.contains("unknown-is-not-true"), "{e}");
    std::fs::write(&path, "departures:\n  - { invariant: cited, field: /x, clause: 一, ground: \" \" }\n").unwrap();
    let e = invariants::load_departures(&path).unwrap_err();
    assert!(e.contains("states no ground"), "{e}");
    std::fs::write(&path, "departures:\n  - { invariant: cited, field: x, clause: 一, ground: g }\n").unwrap();
    assert!(invariants::load_departures(&path).unwrap_err().contains("JSON pointer"));
    assert!(invariants::load_departures(&dir.path().join("none.yaml")).unwrap().is_empty());
}
