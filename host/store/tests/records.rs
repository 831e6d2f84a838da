//! Submissions: an application, its decision and its audit entry are
//! recorded together, or, refused or failing, not at all.

mod common;

use juzhu_runtime::contract::types::*;
use juzhu_store::Store;
use juzhu_store::audit::GENESIS_HASH;
use juzhu_store::lifecycle::{self, ModuleRef, Submission};

use common::{application, count, decision, legal, module, open_temp};

#[test]
fn submit_records_application_decision_and_audit_entry() {
    let (_dir, mut store) = open_temp();
    let app = application("11010519491231002X");
    let d = decision(Outcome::Eligible, Some(PermitTier::Standard));
    let m = module();
    let receipt = lifecycle::submit(
        &mut store,
        "clerk-1",
        Submission { application: &app, legal_date: legal("2024-03-01"), decision: &d, module: &m },
    )
    .unwrap();
    assert_eq!(receipt.input_sha256, lifecycle::input_sha256(&app, "2024-03-01"));
    assert_eq!(receipt.module, m);

    let rec = store.decision(receipt.decision_id).unwrap().unwrap();
    assert_eq!(rec.decision, d);
    assert_eq!(rec.outcome, Outcome::Eligible);
    assert_eq!(rec.module, m);
    assert_eq!(rec.legal_date, "2024-03-01");
    let a = store.application(rec.application_id).unwrap().unwrap();
    assert_eq!(a.facts, app);
    assert_eq!(a.jurisdiction, "330105");
    assert_eq!(a.input_sha256, receipt.input_sha256);

    let entries = store.audit_entries(0, 10).unwrap();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!((e.seq, e.action.as_str(), e.actor.as_str()), (receipt.audit_seq, "decision.submit", "clerk-1"));
    assert_eq!(e.subject, format!("decision:{}", receipt.decision_id));
    assert_eq!(e.details["input_sha256"], receipt.input_sha256.as_str());
    assert_eq!(e.details["module"]["sha256"], m.sha256.as_str());
    assert_eq!(e.prev_hash, GENESIS_HASH);
    assert_eq!(store.verify_audit().unwrap(), 1);
}

#[test]
fn a_rejected_submission_writes_nothing() {
    let (_dir, mut store) = open_temp();
    let app = application("11010519491231002X");
    let ok = decision(Outcome::Eligible, Some(PermitTier::Standard));
    let no_tier = decision(Outcome::Eligible, None);
    let m = module();
    let bad_digest = ModuleRef { sha256: "not-hex".into(), ..module() };
    let mut other = application("11010519491231002X");
    other.jurisdiction = "3301".into();

    // An impossible date never becomes a legal date: it is refused where it is parsed.
    let err = juzhu_domain::parse_legal_date("legal_date", "2023-02-29").unwrap_err();
    assert!(err.to_string().contains("not a valid date"), "`{err}` should mention not a valid date");
    let cases: Vec<(Submission<'_>, &str)> = vec![
        (Submission { application: &app, legal_date: legal("2024-03-01"), decision: &no_tier, module: &m }, "no tier"),
        (
            Submission { application: &app, legal_date: legal("2024-03-01"), decision: &ok, module: &bad_digest },
            "sha256",
        ),
        (Submission { application: &other, legal_date: legal("2024-03-01"), decision: &ok, module: &m }, "six-digit"),
    ];
    for (s, needle) in cases {
        let err = lifecycle::submit(&mut store, "clerk-1", s).unwrap_err();
        assert!(err.to_string().contains(needle), "`{err}` should mention {needle}");
    }
    for table in ["applications", "decisions", "audit_log"] {
        assert_eq!(count(&store, table), 0, "{table} must be untouched");
    }
}

#[test]
fn decision_and_audit_entry_commit_or_roll_back_together() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juzhu.db");
    let mut store = Store::open(&path).unwrap();
    // Make the audit insert fail after the decision rows were written.
    store
        .conn()
        .execute_batch(
            "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit disk full'); END;",
        )
        .unwrap();
    let app = application("11010519491231002X");
    let d = decision(Outcome::Eligible, Some(PermitTier::Standard));
    let m = module();
    let err = lifecycle::submit(
        &mut store,
        "clerk-1",
        Submission { application: &app, legal_date: legal("2024-03-01"), decision: &d, module: &m },
    )
    .unwrap_err();
    assert!(err.to_string().contains("audit disk full"), "{err}");
    assert_eq!(count(&store, "applications"), 0, "the application rolled back with the audit entry");
    assert_eq!(count(&store, "decisions"), 0, "the decision rolled back with the audit entry");
}

/// Facts stored before contract 1.1 split aquaculture in two carry 1.0's
/// employment kind `Fishery`; they still read, as `FisheryLicence` (the kind
/// whose material 1.0 named), without the row being rewritten.
#[test]
fn facts_stored_with_1_0_s_fishery_kind_still_read() {
    let (_dir, mut store) = open_temp();
    let receipt = common::submit(&mut store, Outcome::Eligible, Some(PermitTier::Standard), "2024-03-01");
    let id = store.decision(receipt.decision_id).unwrap().unwrap().application_id;
    // The row as a 1.0-era build wrote it (an UPDATE stands in for the old row).
    let old = r#"[{"kind":"Fishery","division":"330105","started_on":"2020-01-01","ended_on":null,"contract_months":null,"registered":null}]"#;
    store
        .conn()
        .execute("UPDATE applications SET facts = json_set(facts, '$.employment', json(?1)) WHERE id = ?2", (old, id))
        .unwrap();
    let a = store.application(id).unwrap().expect("an old row still reads");
    assert_eq!(a.facts.employment[0].kind, EmploymentKind::FisheryLicence);
}

/// Facts stored before contract 1.1 dated events carry its undated flags
/// (`converted_to_local_hukou`, `points.false_materials`). They still read,
/// and the decision recorded with them still reads and verifies: a flag
/// stored `true` is not turned into an event (it never had a date; none is
/// invented) but named in the record's `undated` list for display; one
/// stored `false` or `null` says nothing an event list holds and is dropped.
#[test]
fn facts_stored_with_1_0_s_undated_flags_still_read_and_verify() {
    let (_dir, mut store) = open_temp();
    let receipt = common::submit(&mut store, Outcome::Eligible, Some(PermitTier::Standard), "2024-03-01");
    let rec = store.decision(receipt.decision_id).unwrap().unwrap();
    let id = rec.application_id;
    // The row as a 1.0-era build wrote it, with the audit entry that build
    // wrote for it (an UPDATE and an entry in one transaction stand in).
    let tx = store.write().unwrap();
    juzhu_store::db::Db::execute(
        &tx,
        "UPDATE applications SET facts = json_set(facts, '$.converted_to_local_hukou', json('true'), \
         '$.points.false_materials', json('false')) WHERE id = ?1",
        &[juzhu_store::db::Val::from(id)],
    )
    .unwrap();
    juzhu_store::audit::append(
        &tx,
        "clerk-1",
        "application.submit",
        &format!("decision:{}", receipt.decision_id),
        &serde_json::json!({}),
    )
    .unwrap();
    tx.commit().unwrap();

    let a = store.application(id).unwrap().expect("an old row still reads");
    assert_eq!(a.undated, vec!["converted_to_local_hukou".to_string()], "a stored true is named, not dated");
    assert_eq!(a.facts.events, None, "no event is invented for an undated flag");
    let shown = serde_json::to_value(&a).unwrap();
    assert_eq!(shown["undated"][0], "converted_to_local_hukou", "displayed with the record: {shown}");
    assert_eq!(store.decision(receipt.decision_id).unwrap().unwrap().decision, rec.decision);
    assert_eq!(store.verify_audit().unwrap(), 2, "the chain with the 1.0-era row verifies");
}
