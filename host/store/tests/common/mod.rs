//! What the store's tests share: a module reference, an application, a
//! module's decisions and endorsement answers, a store in a temporary
//! directory, and the shortcuts to a receipt or a permit in a given state.
//!
//! Each test file uses a part of it.
#![allow(dead_code, reason = "each test file uses a part of the helpers")]

use juzhu_runtime::contract::types::*;
use juzhu_store::Store;
use juzhu_store::lifecycle::{self, LifecycleError, ModuleRef, PermitState, Receipt, Submission, Transition};

pub const ACTOR: &str = "test-supervisor";

pub fn module() -> ModuleRef {
    ModuleRef { id: "hangzhou-gongshu".into(), version: "1.2.0".into(), sha256: "ab".repeat(32) }
}

pub fn application(citizen_id: &str) -> Application {
    Application {
        jurisdiction: "330105".into(),
        identity: Identity {
            name: "张三".into(),
            citizen_id: citizen_id.into(),
            sex: Some(Sex::Female),
            ethnicity: None,
            birth_date: Some("1949-12-31".into()),
            hukou_address: None,
            hukou_division: None,
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
            family_planning_compliant: None,
            assigned: vec![],
            rental_registration_receipt: None,
            tax_receipts: None,
        },
        tier_requested: None,
        tier_held: None,
        events: None,
    }
}

pub fn reason(code: &str) -> Reason {
    Reason {
        code: code.into(),
        zh: "理由".into(),
        en: format!("reason {code}"),
        citation: Citation { document: "doc".into(), clause: "三(一)".into() },
        effect: Some(Effect::Information),
        decisive: Some(false),
    }
}

pub fn decision(outcome: Outcome, tier: Option<PermitTier>) -> Decision {
    Decision { outcome, tier, reasons: vec![reason("residence.ok")], routes: vec![], missing: vec![] }
}

pub fn answer(status: EndorsementStatus, allowed: bool) -> EndorsementAnswer {
    EndorsementAnswer {
        status,
        endorsement_allowed: allowed,
        reasons: if allowed { vec![] } else { vec![reason("endorsement.not-due")] },
        residence_years: 1,
        residence_counted_from: "2024-01-01".into(),
    }
}

pub fn window() -> Window {
    Window { opens: "2025-05-01".into(), closes: "2025-06-30".into() }
}

/// An answer that directs `t` (the module's word for it).
pub fn directing(t: Transition) -> EndorsementAnswer {
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
        Transition::Cancel => answer(
            EndorsementStatus::ToBeCancelled(Cancellation {
                ground: reason("hukou.converted"),
                since: "2024-01-01".into(),
            }),
            false,
        ),
    }
}

pub fn open_temp() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("juzhu.db")).unwrap();
    (dir, store)
}

pub fn count(store: &Store, table: &str) -> i64 {
    store.conn().query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

pub fn submit(store: &mut Store, outcome: Outcome, tier: Option<PermitTier>, legal_date: &str) -> Receipt {
    let app = application("11010519491231002X");
    let d = decision(outcome, tier);
    let m = module();
    let legal_date = legal(legal_date);
    lifecycle::submit(store, "clerk-1", Submission { application: &app, legal_date, decision: &d, module: &m }).unwrap()
}

/// A legal date, as the station parses it at its edge.
pub fn legal(text: &str) -> juzhu_domain::LegalDate {
    juzhu_domain::parse_legal_date("legal_date", text).unwrap()
}

/// A permit issued from a fresh eligible decision, then moved to `state`.
pub fn permit_in(store: &mut Store, state: PermitState) -> String {
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

pub fn attempt(
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
