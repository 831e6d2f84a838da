//! The permit lifecycle as storage transitions: issuing only from an
//! eligible decision, the whole lifecycle persisted and audited, the state
//! machine's refusals, and transitions only where the module directs them.

mod common;

use juzhu_runtime::contract::types::*;
use juzhu_store::Store;
use juzhu_store::lifecycle::{self, LifecycleError, PermitState, Transition};

use common::{
    ACTOR, answer, application, attempt, count, directing, legal, module, open_temp, permit_in, submit, window,
};

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
