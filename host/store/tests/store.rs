//! The store and the permit lifecycle: migrations, decisions committed with
//! their audit entries, the state machine's refusals, tamper detection in the
//! audit chain, and durability across a SIGKILL.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use juzhu_runtime::contract::types::*;
use juzhu_store::audit::{GENESIS_HASH, canonical_json};
use juzhu_store::lifecycle::{self, LifecycleError, ModuleRef, PermitState, Receipt, Submission, Transition};
use juzhu_store::migrations::{self, MIGRATIONS};
use juzhu_store::{AuditError, Store, StoreError, verify_audit};
use rusqlite::Connection;
use sha2::{Digest, Sha256};

const ACTOR: &str = "test-supervisor";

fn module() -> ModuleRef {
    ModuleRef { id: "hangzhou-gongshu".into(), version: "1.2.0".into(), sha256: "ab".repeat(32) }
}

fn application(citizen_id: &str) -> Application {
    Application {
        jurisdiction: "330105".into(),
        identity: Identity {
            name: "张三".into(),
            citizen_id: citizen_id.into(),
            sex: Some(Sex::Female),
            ethnicity: None,
            birth_date: Some("1949-12-31".into()),
            hukou_address: None,
            current_address: None,
            photo_ref: None,
        },
        registrations: vec![],
        insurance: vec![],
        employment: vec![],
        housing: vec![],
        schooling: vec![],
        guardians: vec![],
        special_statuses: vec![],
        materials: vec![Material { kind: MaterialKind::IdCard, source: MaterialSource::Submitted }],
        points: PointsFacts {
            education: None,
            title: None,
            skill: None,
            patents: None,
            awards: vec![],
            annual_tax_yuan: None,
            investment_yuan: None,
            social_service_hours: None,
            violations: vec![],
            false_materials: None,
            family_planning_compliant: None,
            assigned: vec![],
            rental_registration_receipt: None,
            tax_receipts: None,
        },
        tier_requested: None,
        tier_held: None,
        converted_to_local_hukou: None,
    }
}

fn reason(code: &str) -> Reason {
    Reason {
        code: code.into(),
        zh: "理由".into(),
        en: format!("reason {code}"),
        citation: Citation { document: "doc".into(), clause: "三(一)".into() },
    }
}

fn decision(outcome: Outcome, tier: Option<PermitTier>) -> Decision {
    Decision { outcome, tier, reasons: vec![reason("residence.ok")], routes: vec![], missing: vec![] }
}

fn answer(status: EndorsementStatus, allowed: bool) -> EndorsementAnswer {
    EndorsementAnswer {
        status,
        endorsement_allowed: allowed,
        reasons: if allowed { vec![] } else { vec![reason("endorsement.not-due")] },
        residence_years: 1,
        residence_counted_from: "2024-01-01".into(),
    }
}

fn window() -> Window {
    Window { opens: "2025-05-01".into(), closes: "2025-06-30".into() }
}

/// An answer that directs `t` (the module's word for it).
fn directing(t: Transition) -> EndorsementAnswer {
    match t {
        Transition::Endorse => answer(EndorsementStatus::WindowOpen(window()), true),
        Transition::Suspend => answer(
            EndorsementStatus::OverdueSuspended(Suspension {
                since: "2025-07-01".into(),
                restore_by: Some("2025-08-29".into()),
            }),
            true,
        ),
        Transition::Restore => answer(EndorsementStatus::NotDue(window()), false),
        Transition::Cancel => answer(EndorsementStatus::ToBeCancelled(reason("hukou.converted")), false),
    }
}

fn open_temp() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("juzhu.db")).unwrap();
    (dir, store)
}

fn count(store: &Store, table: &str) -> i64 {
    store.conn().query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

fn submit(store: &mut Store, outcome: Outcome, tier: Option<PermitTier>, legal_date: &str) -> Receipt {
    let app = application("11010519491231002X");
    let d = decision(outcome, tier);
    let m = module();
    let legal_date = legal(legal_date);
    lifecycle::submit(store, "clerk-1", Submission { application: &app, legal_date, decision: &d, module: &m }).unwrap()
}

/// A legal date, as the station parses it at its edge.
fn legal(text: &str) -> juzhu_domain::LegalDate {
    juzhu_domain::parse_legal_date("legal_date", text).unwrap()
}

/// A permit issued from a fresh eligible decision, then moved to `state`.
fn permit_in(store: &mut Store, state: PermitState) -> String {
    let r = submit(store, Outcome::Eligible, Some(PermitTier::Standard), "2024-03-01");
    let n = lifecycle::issue(store, ACTOR, r.decision_id, legal("2024-03-02")).unwrap().number;
    let m = module();
    match state {
        PermitState::Active => {}
        PermitState::Suspended => {
            lifecycle::transition(
                store,
                ACTOR,
                &n,
                Transition::Suspend,
                legal("2025-07-02"),
                &directing(Transition::Suspend),
                &m,
            )
            .unwrap();
        }
        PermitState::Cancelled => {
            lifecycle::transition(
                store,
                ACTOR,
                &n,
                Transition::Cancel,
                legal("2025-07-02"),
                &directing(Transition::Cancel),
                &m,
            )
            .unwrap();
        }
    }
    assert_eq!(store.permit(&n).unwrap().unwrap().state, state);
    n
}

fn attempt(
    store: &mut Store,
    t: Transition,
    number: &str,
    date: &str,
    ans: &EndorsementAnswer,
) -> Result<juzhu_store::PermitRecord, LifecycleError> {
    // The station parses the date at its edge; a bad one never reaches the store.
    let date = juzhu_domain::parse_legal_date("legal_date", date)?;
    lifecycle::transition(store, ACTOR, number, t, date, ans, &module())
}

// ---- migrations -------------------------------------------------------------

#[test]
fn open_migrates_sets_durability_pragmas_and_reopen_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juzhu.db");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), migrations::latest_version());
    let c = store.conn();
    let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
    assert_eq!(sync, 2, "synchronous must be FULL (2)");
    let fk: i64 = c.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
    assert_eq!(fk, 1);
    for table in ["applications", "decisions", "permits", "endorsements", "audit_log"] {
        assert_eq!(count(&store, table), 0, "{table} exists and is empty");
    }
    drop(store);

    // Reopening applies nothing and records nothing twice.
    let store = Store::open(&path).unwrap();
    assert_eq!(count(&store, "schema_migrations"), MIGRATIONS.len() as i64);
    drop(store);
    let mut raw = Connection::open(&path).unwrap();
    assert_eq!(migrations::migrate(&mut raw).unwrap(), Vec::<u32>::new());
    let rows: i64 = raw.query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, MIGRATIONS.len() as i64);
}

#[test]
fn a_database_newer_than_the_code_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juzhu.db");
    drop(Store::open(&path).unwrap());
    Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (99, 'future', 'x', 'now')",
            [],
        )
        .unwrap();
    let err = Store::open(&path).err().expect("a newer schema must be refused");
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, supported } if supported == migrations::latest_version())
    );
    assert!(err.to_string().contains("newer than this juzhu supports"), "{err}");
}

#[test]
fn a_changed_migration_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juzhu.db");
    drop(Store::open(&path).unwrap());
    Connection::open(&path)
        .unwrap()
        .execute("UPDATE schema_migrations SET sha256 = 'edited' WHERE version = 1", [])
        .unwrap();
    let err = Store::open(&path).err().expect("a changed migration must be refused");
    assert!(matches!(err, StoreError::MigrationChanged { version: 1, .. }), "{err}");
}

// ---- submit -----------------------------------------------------------------

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

// ---- issue ------------------------------------------------------------------

#[test]
fn a_permit_is_issued_only_from_an_eligible_decision() {
    let (_dir, mut store) = open_temp();
    for outcome in [Outcome::Ineligible, Outcome::Incomplete] {
        let r = submit(&mut store, outcome, None, "2024-03-01");
        let err = lifecycle::issue(&mut store, ACTOR, r.decision_id, legal("2024-03-02")).unwrap_err();
        assert!(matches!(err, LifecycleError::NotEligible { .. }), "{err}");
        assert!(err.to_string().contains("only from an eligible decision"), "{err}");
    }
    let err = lifecycle::issue(&mut store, ACTOR, 9999, legal("2024-03-02")).unwrap_err();
    assert!(matches!(err, LifecycleError::DecisionNotFound(9999)));
    assert_eq!(count(&store, "permits"), 0);

    let r = submit(&mut store, Outcome::Eligible, Some(PermitTier::Temporary), "2024-03-01");
    let audit_before = count(&store, "audit_log");
    let err = lifecycle::issue(&mut store, ACTOR, r.decision_id, legal("2024-02-28")).unwrap_err();
    assert!(matches!(err, LifecycleError::IssuedBeforeDecision { .. }), "{err}");
    assert_eq!(count(&store, "audit_log"), audit_before, "refusals write nothing");

    let p = lifecycle::issue(&mut store, ACTOR, r.decision_id, legal("2024-03-02")).unwrap();
    assert_eq!(p.number, "330105-2024-000001");
    assert_eq!(p.state, PermitState::Active);
    assert_eq!(p.tier, PermitTier::Temporary);
    assert_eq!(p.holder_citizen_id, "11010519491231002X");
    assert_eq!(p.decision_id, r.decision_id);
    assert_eq!(p.facts, application("11010519491231002X"));
    assert_eq!(store.permit_for_decision(r.decision_id).unwrap().unwrap().number, p.number);
    assert_eq!(store.permits_of_holder("11010519491231002X").unwrap().len(), 1);

    let err = lifecycle::issue(&mut store, ACTOR, r.decision_id, legal("2024-03-03")).unwrap_err();
    assert!(matches!(&err, LifecycleError::AlreadyIssued { number, .. } if number == "330105-2024-000001"), "{err}");

    // Serials count per division and year.
    let r2 = submit(&mut store, Outcome::Eligible, Some(PermitTier::Standard), "2024-03-01");
    assert_eq!(
        lifecycle::issue(&mut store, ACTOR, r2.decision_id, legal("2024-12-31")).unwrap().number,
        "330105-2024-000002"
    );
    let r3 = submit(&mut store, Outcome::Eligible, Some(PermitTier::Standard), "2025-01-01");
    assert_eq!(
        lifecycle::issue(&mut store, ACTOR, r3.decision_id, legal("2025-01-01")).unwrap().number,
        "330105-2025-000001"
    );

    let issues: Vec<_> =
        store.audit_entries(0, 100).unwrap().into_iter().filter(|e| e.action == "permit.issue").collect();
    assert_eq!(issues.len(), 3);
    assert_eq!(issues[0].subject, "permit:330105-2024-000001");
    assert_eq!(store.verify_audit().unwrap() as i64, count(&store, "audit_log"));
}

// ---- transitions ------------------------------------------------------------

#[test]
fn the_whole_lifecycle_is_persisted_and_audited() {
    let (_dir, mut store) = open_temp();
    let n = permit_in(&mut store, PermitState::Active);
    let m = module();
    let p = lifecycle::transition(
        &mut store,
        ACTOR,
        &n,
        Transition::Endorse,
        legal("2025-05-10"),
        &directing(Transition::Endorse),
        &m,
    )
    .unwrap();
    assert_eq!(p.endorsements, ["2025-05-10"]);
    assert_eq!(p.state, PermitState::Active);
    let p = lifecycle::transition(
        &mut store,
        ACTOR,
        &n,
        Transition::Suspend,
        legal("2026-07-02"),
        &directing(Transition::Suspend),
        &m,
    )
    .unwrap();
    assert_eq!((p.state, p.suspended_since.as_deref()), (PermitState::Suspended, Some("2025-07-01")));
    // A late endorsement the module allows, then the restore it makes possible.
    let late = answer(
        EndorsementStatus::OverdueSuspended(Suspension {
            since: "2025-07-01".into(),
            restore_by: Some("2026-08-29".into()),
        }),
        true,
    );
    let p = lifecycle::transition(&mut store, ACTOR, &n, Transition::Endorse, legal("2026-07-03"), &late, &m).unwrap();
    assert_eq!(p.state, PermitState::Suspended);
    let p = lifecycle::transition(
        &mut store,
        ACTOR,
        &n,
        Transition::Restore,
        legal("2026-07-03"),
        &directing(Transition::Restore),
        &m,
    )
    .unwrap();
    assert_eq!((p.state, p.suspended_since), (PermitState::Active, None));
    let p = lifecycle::transition(
        &mut store,
        ACTOR,
        &n,
        Transition::Cancel,
        legal("2026-09-01"),
        &directing(Transition::Cancel),
        &m,
    )
    .unwrap();
    assert_eq!((p.state, p.cancelled_on.as_deref()), (PermitState::Cancelled, Some("2026-09-01")));
    assert_eq!(p.endorsements, ["2025-05-10", "2026-07-03"]);
    assert_eq!(p.to_contract().endorsements, p.endorsements);

    // Reopen: the state lives in the database, not in memory.
    let path = store.path().to_path_buf();
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.permit(&n).unwrap().unwrap().state, PermitState::Cancelled);
    let actions: Vec<String> = store.audit_entries(0, 100).unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            "decision.submit",
            "permit.issue",
            "permit.endorse",
            "permit.suspend",
            "permit.endorse",
            "permit.restore",
            "permit.cancel"
        ]
    );
    let cancel = store.audit_entries(6, 1).unwrap().remove(0);
    assert_eq!(cancel.details["ground"], "hukou.converted");
    assert_eq!((cancel.details["from"].as_str(), cancel.details["to"].as_str()), (Some("active"), Some("cancelled")));
    assert_eq!(store.verify_audit().unwrap(), 7);
}

#[test]
fn every_illegal_transition_is_rejected_naming_what_is_allowed() {
    let (_dir, mut store) = open_temp();
    let mut refused = 0;
    for state in PermitState::ALL {
        let n = permit_in(&mut store, state);
        for t in Transition::ALL {
            if state.allowed().contains(&t) {
                continue;
            }
            let before = (count(&store, "audit_log"), count(&store, "endorsements"));
            // The module's answer would direct `t`; the state machine still says no.
            let err = attempt(&mut store, t, &n, "2025-07-03", &directing(t)).unwrap_err();
            let msg = err.to_string();
            assert!(
                matches!(&err, LifecycleError::IllegalTransition { state: s, attempted, .. } if *s == state && *attempted == t),
                "{msg}"
            );
            assert_eq!(err.allowed(), Some(state.allowed()));
            assert!(msg.contains(&format!("cannot {t} permit {n}: it is {state}")), "{msg}");
            if state == PermitState::Cancelled {
                assert!(msg.ends_with("nothing is allowed from cancelled"), "{msg}");
            } else {
                let list: Vec<&str> = state.allowed().iter().map(|t| t.as_str()).collect();
                assert!(msg.ends_with(&format!("allowed from {state}: {}", list.join(", "))), "{msg}");
            }
            assert_eq!(store.permit(&n).unwrap().unwrap().state, state, "state unchanged");
            assert_eq!((count(&store, "audit_log"), count(&store, "endorsements")), before, "nothing written");
            refused += 1;
        }
    }
    // active: restore; suspended: suspend; cancelled: all four.
    assert_eq!(refused, 6);
    assert_eq!(
        attempt(&mut store, Transition::Cancel, "330105-2017-000001", "2025-07-03", &directing(Transition::Cancel))
            .unwrap_err()
            .to_string(),
        "permit 330105-2017-000001 does not exist"
    );
}

#[test]
fn a_transition_needs_the_module_answer_to_direct_it() {
    let (_dir, mut store) = open_temp();
    let active = permit_in(&mut store, PermitState::Active);
    let suspended = permit_in(&mut store, PermitState::Suspended);
    let audit_before = count(&store, "audit_log");
    let cases = [
        (Transition::Endorse, &active, answer(EndorsementStatus::NotDue(window()), false), "endorsement-allowed"),
        (Transition::Suspend, &active, directing(Transition::Endorse), "overdue-suspended"),
        (Transition::Suspend, &active, directing(Transition::Cancel), "overdue-suspended"),
        (Transition::Cancel, &active, directing(Transition::Suspend), "to-be-cancelled"),
        (Transition::Cancel, &suspended, directing(Transition::Restore), "to-be-cancelled"),
        (Transition::Restore, &suspended, directing(Transition::Suspend), "not-due or window-open"),
        (Transition::Restore, &suspended, directing(Transition::Cancel), "not-due or window-open"),
    ];
    for (t, n, ans, rule) in cases {
        let state = store.permit(n).unwrap().unwrap().state;
        let err = attempt(&mut store, t, n, "2025-07-03", &ans).unwrap_err();
        assert!(matches!(err, LifecycleError::NotDirected { attempted, .. } if attempted == t), "{err}");
        let msg = err.to_string();
        assert!(msg.contains(rule), "`{msg}` should state the rule `{rule}`");
        assert!(msg.contains("does not direct it"), "{msg}");
        assert_eq!(store.permit(n).unwrap().unwrap().state, state);
    }
    // The refusal names the module's reasons and the status it saw.
    let msg = attempt(&mut store, Transition::Cancel, &active, "2025-07-03", &directing(Transition::Suspend))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("overdue, suspended since 2025-07-01"), "{msg}");
    let msg = attempt(
        &mut store,
        Transition::Endorse,
        &active,
        "2025-07-03",
        &answer(EndorsementStatus::NotDue(window()), false),
    )
    .unwrap_err()
    .to_string();
    assert!(msg.contains("endorsement.not-due"), "{msg}");
    assert_eq!(count(&store, "audit_log"), audit_before, "refusals write nothing");
    assert_eq!(count(&store, "endorsements"), 0);
}

#[test]
fn endorsements_are_dated_once_in_order_and_not_before_issue() {
    let (_dir, mut store) = open_temp();
    let n = permit_in(&mut store, PermitState::Active);
    let ok = directing(Transition::Endorse);
    attempt(&mut store, Transition::Endorse, &n, "2025-05-10", &ok).unwrap();
    let err = attempt(&mut store, Transition::Endorse, &n, "2025-05-10", &ok).unwrap_err();
    assert!(matches!(err, LifecycleError::AlreadyEndorsed { .. }), "{err}");
    let err = attempt(&mut store, Transition::Endorse, &n, "2025-05-01", &ok).unwrap_err();
    assert!(matches!(err, LifecycleError::EndorsementOutOfOrder { .. }), "{err}");
    let err = attempt(&mut store, Transition::Endorse, &n, "2024-03-01", &ok).unwrap_err();
    assert!(matches!(err, LifecycleError::BeforeIssue { .. }), "{err}");
    let err = attempt(&mut store, Transition::Endorse, &n, "2025-13-01", &ok).unwrap_err();
    assert!(matches!(&err, LifecycleError::InvalidDate(e) if e.field == "legal_date"), "{err}");
    assert_eq!(store.permit(&n).unwrap().unwrap().endorsements, ["2025-05-10"]);
}

// ---- audit chain ------------------------------------------------------------

/// A store with five audit entries, its path, and the triggers dropped the
/// way someone with the file would.
fn tampered_store() -> (tempfile::TempDir, PathBuf) {
    let (dir, mut store) = open_temp();
    let n = permit_in(&mut store, PermitState::Active);
    let m = module();
    lifecycle::transition(
        &mut store,
        ACTOR,
        &n,
        Transition::Endorse,
        legal("2025-05-10"),
        &directing(Transition::Endorse),
        &m,
    )
    .unwrap();
    lifecycle::transition(
        &mut store,
        ACTOR,
        &n,
        Transition::Suspend,
        legal("2025-07-02"),
        &directing(Transition::Suspend),
        &m,
    )
    .unwrap();
    lifecycle::transition(
        &mut store,
        ACTOR,
        &n,
        Transition::Cancel,
        legal("2025-07-03"),
        &directing(Transition::Cancel),
        &m,
    )
    .unwrap();
    assert_eq!(store.verify_audit().unwrap(), 5);
    let path = store.path().to_path_buf();
    // The triggers refuse an ordinary edit…
    let err = store.conn().execute("UPDATE audit_log SET actor = 'x' WHERE seq = 2", []).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = store.conn().execute("DELETE FROM audit_log WHERE seq = 2", []).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    // …so the attacker drops them; the chain must still tell.
    store.conn().execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;").unwrap();
    drop(store);
    (dir, path)
}

fn verify(path: &Path) -> Result<usize, AuditError> {
    verify_audit(&Connection::open(path).unwrap())
}

#[test]
fn audit_verify_catches_an_edited_entry() {
    let (_dir, path) = tampered_store();
    Connection::open(&path)
        .unwrap()
        .execute("UPDATE audit_log SET details = json_set(details, '$.tier', 'temporary') WHERE seq = 2", [])
        .unwrap();
    let err = verify(&path).unwrap_err();
    assert!(matches!(err, AuditError::Edited { seq: 2 }), "{err}");
    assert_eq!(err.seq(), Some(2));
    assert!(err.to_string().contains("breaks at seq 2"), "{err}");

    // Editing the actor alone is caught too.
    let (_dir, path) = tampered_store();
    Connection::open(&path).unwrap().execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 4", []).unwrap();
    assert!(matches!(verify(&path).unwrap_err(), AuditError::Edited { seq: 4 }));
}

#[test]
fn audit_verify_catches_an_edit_whose_hash_was_recomputed() {
    let (_dir, path) = tampered_store();
    let conn = Connection::open(&path).unwrap();
    // A forger who knows the scheme rewrites entry 3 and its hash.
    let (at, actor, action, subject, prev, records): (String, String, String, String, String, String) = conn
        .query_row("SELECT at, actor, action, subject, prev_hash, records FROM audit_log WHERE seq = 3", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })
        .unwrap();
    let details = serde_json::json!({"forged": true});
    // Since migration 5 the hashed body includes the record commitments.
    let records: serde_json::Value = serde_json::from_str(&records).unwrap();
    let body = serde_json::json!({
        "seq": 3, "at": at, "actor": actor, "action": action, "subject": subject,
        "details": details, "records": records, "prev_hash": prev,
    });
    let hash = hex::encode(Sha256::digest(canonical_json(&body).as_bytes()));
    conn.execute(
        "UPDATE audit_log SET details = ?1, hash = ?2 WHERE seq = 3",
        rusqlite::params![canonical_json(&details), hash],
    )
    .unwrap();
    // Entry 3 is self-consistent now, so the break shows at the next link.
    let err = verify(&path).unwrap_err();
    assert!(matches!(err, AuditError::Unlinked { seq: 4 }), "{err}");
    assert!(err.to_string().contains("breaks at seq 4"), "{err}");
}

#[test]
fn audit_verify_catches_a_deleted_entry() {
    let (_dir, path) = tampered_store();
    Connection::open(&path).unwrap().execute("DELETE FROM audit_log WHERE seq = 3", []).unwrap();
    let err = verify(&path).unwrap_err();
    assert!(matches!(err, AuditError::Gap { expected: 3, found: 4 }), "{err}");
    assert_eq!(err.seq(), Some(3));

    // Deleting and renumbering the rest to close the gap breaks the hashes.
    let (_dir, path) = tampered_store();
    Connection::open(&path)
        .unwrap()
        .execute_batch(
            "DELETE FROM audit_log WHERE seq = 3;
             UPDATE audit_log SET seq = seq - 1 WHERE seq = 4;
             UPDATE audit_log SET seq = seq - 1 WHERE seq = 5;",
        )
        .unwrap();
    assert!(matches!(verify(&path).unwrap_err(), AuditError::Edited { seq: 3 }));
}

#[test]
fn audit_verify_catches_reordered_entries() {
    let (_dir, path) = tampered_store();
    // Swap entries 2 and 3 (their seqs), keeping every other column.
    Connection::open(&path)
        .unwrap()
        .execute_batch(
            "UPDATE audit_log SET seq = -2 WHERE seq = 2;
             UPDATE audit_log SET seq = 2 WHERE seq = 3;
             UPDATE audit_log SET seq = 3 WHERE seq = -2;",
        )
        .unwrap();
    let err = verify(&path).unwrap_err();
    assert_eq!(err.seq(), Some(2), "{err}");
    assert!(err.to_string().contains("breaks at seq 2"), "{err}");
}

#[test]
fn an_untouched_chain_verifies_and_links_head_to_tail() {
    let (_dir, path) = tampered_store();
    assert_eq!(verify(&path).unwrap(), 5);
    let store = Store::open(&path).unwrap();
    let entries = store.audit_entries(0, 100).unwrap();
    for pair in entries.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
        assert_eq!(pair[1].seq, pair[0].seq + 1);
    }
    let head = juzhu_store::audit_head(store.conn()).unwrap().unwrap();
    assert_eq!(head, (5, entries[4].hash.clone()));
}

// ---- durability -------------------------------------------------------------

const CHILD_DB: &str = "JUZHU_STORE_DURABILITY_DB";

/// Run only as the child of `an_acknowledged_submission_survives_sigkill`:
/// submits, prints the receipt, then keeps writing until it is killed.
#[test]
#[ignore = "child process of an_acknowledged_submission_survives_sigkill"]
fn durability_child_writer() {
    let Ok(path) = std::env::var(CHILD_DB) else {
        return;
    };
    let mut store = Store::open(&path).unwrap();
    let r = submit(&mut store, Outcome::Eligible, Some(PermitTier::Standard), "2024-03-01");
    // The acknowledgement: only printed after commit returned.
    let mut out = std::io::stdout().lock();
    writeln!(out, "ACK {} {}", r.decision_id, r.input_sha256).unwrap();
    out.flush().unwrap();
    drop(out);
    // Keep the writer busy so the kill lands mid-transaction.
    loop {
        let r = submit(&mut store, Outcome::Incomplete, None, "2024-03-02");
        let _ = lifecycle::issue(&mut store, ACTOR, r.decision_id, legal("2024-03-02"));
    }
}

#[cfg(unix)]
#[test]
fn an_acknowledged_submission_survives_sigkill() {
    use std::os::unix::process::ExitStatusExt;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juzhu.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["durability_child_writer", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_DB, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut ack = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        // libtest prints "test … ... " before the child's own output, on the same line.
        if let Some((_, rest)) = line.split_once("ACK ") {
            ack = Some(rest.to_string());
            break;
        }
    }
    // SIGKILL right after the acknowledgement: no destructors, no checkpoint.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    let ack = ack.expect("the child never acknowledged a submission");
    assert_eq!(status.signal(), Some(9), "the child was killed, not finished: {status:?}");

    let (id, sha) = ack.split_once(' ').unwrap();
    let store = Store::open(&path).unwrap();
    let rec = store.decision(id.parse().unwrap()).unwrap().expect("the acknowledged decision survived");
    assert_eq!(rec.outcome, Outcome::Eligible);
    assert_eq!(store.application(rec.application_id).unwrap().unwrap().input_sha256, sha);
    let check: String = store.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    // Every committed write came with its audit entry, and the chain holds.
    let entries = store.verify_audit().unwrap();
    assert_eq!(entries as i64, count(&store, "decisions"));
    assert!(entries >= 1);
}

// ---- group commit -------------------------------------------------------------

#[test]
fn concurrent_submissions_share_commits_and_a_failing_one_undoes_only_itself() {
    use juzhu_store::group_commit::{BatchError, GroupCommit};
    use std::sync::{Arc, Barrier, Mutex};

    #[derive(Debug)]
    enum Failed {
        Lifecycle(LifecycleError),
        Batch(#[allow(dead_code, reason = "shown through Debug when a writer fails")] BatchError),
    }
    impl From<BatchError> for Failed {
        fn from(e: BatchError) -> Self {
            Failed::Batch(e)
        }
    }

    let (dir, store) = open_temp();
    // One writer's audit entry fails after its application and decision rows
    // were written inside the shared transaction.
    store
        .conn()
        .execute_batch(
            "CREATE TRIGGER fail_one BEFORE INSERT ON audit_log WHEN NEW.actor = 'clerk-unlucky' \
             BEGIN SELECT RAISE(ABORT, 'audit disk full'); END;",
        )
        .unwrap();
    let store = Arc::new(Mutex::new(store));
    let group = Arc::new(GroupCommit::default());
    let writers = 48;
    let start = Arc::new(Barrier::new(writers));
    let handles: Vec<_> = (0..writers)
        .map(|i| {
            let (store, group, start) = (store.clone(), group.clone(), start.clone());
            std::thread::spawn(move || {
                let actor = if i == 17 { "clerk-unlucky".to_string() } else { format!("clerk-{i}") };
                start.wait();
                group.run(&store, move |s| {
                    let (app, d, m) =
                        (application("11010519491231002X"), decision(Outcome::Ineligible, None), module());
                    lifecycle::submit(
                        s,
                        &actor,
                        Submission { application: &app, legal_date: legal("2024-03-01"), decision: &d, module: &m },
                    )
                    .map_err(Failed::Lifecycle)
                })
            })
        })
        .collect();
    let results: Vec<Result<Receipt, Failed>> = handles.into_iter().map(|h| h.join().unwrap()).collect();

    for (i, result) in results.iter().enumerate() {
        match (i, result) {
            (17, Err(Failed::Lifecycle(e))) => assert!(e.to_string().contains("audit disk full"), "{e}"),
            (17, other) => panic!("the unlucky writer should fail on its audit entry, got {other:?}"),
            (_, Ok(_)) => {}
            (_, Err(e)) => panic!("writer {i} failed for its neighbour's sake: {e:?}"),
        }
    }
    let mut ids: Vec<i64> = results.iter().filter_map(|r| r.as_ref().ok()).map(|r| r.decision_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), writers - 1, "every successful writer got its own decision");

    // What the writers were told is what a fresh connection finds on disk.
    drop(store);
    let reopened = Store::open(dir.path().join("juzhu.db")).unwrap();
    for table in ["applications", "decisions", "audit_log"] {
        assert_eq!(count(&reopened, table), (writers - 1) as i64, "{table}");
    }
    assert_eq!(verify_audit(reopened.conn()).unwrap(), writers - 1, "the audit chain is whole");
    let unlucky: i64 = reopened
        .conn()
        .query_row("SELECT count(*) FROM audit_log WHERE actor = 'clerk-unlucky'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(unlucky, 0);
}
