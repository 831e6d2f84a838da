//! Both contract worlds load: a module built against the frozen 1.0 contract
//! (`tests/fixtures/contract-1-0-module`, bindings straight from
//! `wit/1.0/policy.wit`) and a 1.1 module (Gongshu, built with the SDK). The
//! host answers both in 1.1's shape, saying what the 1.0 module did not state.

use std::sync::OnceLock;

use juzhu_runtime::contract::types::*;
use juzhu_runtime::{Runtime, SandboxLimits, module_build};

fn runtime() -> Runtime {
    Runtime::new(SandboxLimits::default(), None).expect("the runtime starts")
}

fn contract_1_0_component() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let root = juzhu_test_support::workspace();
        let path =
            module_build::build(root, &root.join("tests/fixtures/contract-1-0-module"), &root.join("target/fixtures"))
                .expect("the 1.0 fixture builds and componentizes");
        std::fs::read(path).expect("the built component is readable")
    })
}

fn application(jurisdiction: &str, registered: bool) -> Application {
    let mut app = juzhu_test_support::ApplicationBuilder::gongshu_employed().typed();
    app.jurisdiction = jurisdiction.into();
    if !registered {
        app.registrations.clear();
    }
    app
}

#[test]
fn a_1_0_module_loads_and_answers_in_the_1_1_shape() {
    let runtime = runtime();
    let module = runtime.load("contract-1-0-fixture", contract_1_0_component()).expect("a 1.0 module still loads");
    assert_eq!(module.contract(), "1.0");
    let info = module.info();
    assert_eq!(info.contract_version, "1.0.0");
    assert_eq!(info.documents.len(), 1);
    let doc = &info.documents[0];
    assert_eq!(doc.in_force_from.as_deref(), Some("2000-01-01"));
    assert!(doc.clauses.is_empty(), "a 1.0 module has no clause table");
    assert_eq!((doc.issuer.as_ref(), doc.source), (None, None), "not stated by a 1.0 module");

    let (answer, _) = module.evaluate(&application("999998", true), "2024-06-01").expect("the call completes");
    let decision = answer.expect("a decision");
    assert_eq!(decision.outcome, Outcome::Eligible);
    let reason = &decision.reasons[0];
    assert_eq!(reason.code, "residence.registered");
    assert_eq!((reason.effect, reason.decisive), (None, None), "1.0 states no effect; the host invents none");

    let (answer, _) = module.evaluate(&application("999998", false), "2024-06-01").expect("the call completes");
    assert_eq!(answer.expect("a decision").outcome, Outcome::Ineligible);

    // A 1.0 input error is 1.1's refusal::input.
    let (answer, _) = module.evaluate(&application("999998", true), "1999-12-31").expect("the call completes");
    match answer {
        Err(Refusal::Input(e)) => assert_eq!(e.field, "legal_date"),
        other => panic!("expected an input error on legal_date, got {other:?}"),
    }
    let (points, _) = module.points(None, &application("999998", true), "2024-06-01").expect("the call completes");
    assert!(matches!(points, Err(Refusal::Input(e)) if e.field == "permit"));
}

/// Facts only 1.1 can state reach a 1.0 module in its own terms: both
/// aquaculture kinds are its `fishery`, the collective contract its
/// `fishery-licence` ("渔业养殖证或养殖承包合同" in 1.0), and the hukou division is
/// left out. The call completes and decides as 1.0 would.
#[test]
fn facts_new_in_1_1_reach_a_1_0_module_in_its_own_terms() {
    use juzhu_runtime::contract::{types as t, upgrade};
    let mut app = application("999998", true);
    app.identity.hukou_division = Some("360102".into());
    app.employment.push(t::Employment {
        kind: t::EmploymentKind::FisheryContract,
        division: "999998".into(),
        started_on: "2020-01-01".into(),
        ended_on: None,
        contract_months: None,
        registered: None,
    });
    app.materials.push(t::Material { kind: t::MaterialKind::FisheryContract, source: t::MaterialSource::Submitted });
    app.housing.push(t::Housing {
        kind: t::HousingKind::Rented,
        division: "999998".into(),
        since: None,
        rental: Some(t::Rental {
            lease_start: None,
            lease_end: None,
            title: None,
            police_registered: None,
            commercial_housing: None,
            housing_filing: None,
            compliant: None,
            safety: Some(t::RentalSafety {
                non_residential_space: None,
                partitioned: Some(false),
                occupants: vec![
                    t::Occupant { duty_of_support: Some(true) },
                    t::Occupant { duty_of_support: None },
                    t::Occupant { duty_of_support: Some(true) },
                ],
                living_area_m2: None,
                safety_kit_complete: None,
                other_serious_hazard: Some(false),
                structural_hazard: None,
            }),
        }),
    });
    let old = serde_json::to_value(upgrade::application(&app, "2024-06-01")).unwrap();
    assert_eq!(old["employment"].as_array().unwrap().last().unwrap()["kind"], "Fishery");
    assert_eq!(old["materials"].as_array().unwrap().last().unwrap()["kind"], "FisheryLicence");
    assert!(old["identity"].get("hukou_division").is_none(), "1.0 has no hukou division: {old}");
    // Counted by person in 1.1, a head count in 1.0; an unrecorded item
    // reaches 1.0 as the answer that fails its condition.
    let safety = &old["housing"][0]["rental"]["safety"];
    assert_eq!(safety["occupants"], 3);
    assert_eq!(safety["occupants_are_family"], false, "one tie unknown: not all known to be family");
    assert_eq!(safety["non_residential_space"], true);
    assert_eq!(safety["partitioned"], false, "recorded items pass as recorded");
    assert_eq!(safety["safety_kit_complete"], false);
    assert_eq!(safety["structural_hazard"], true);
    assert_eq!(safety["living_area_m2"], 0.0);

    let runtime = runtime();
    let module = runtime.load("contract-1-0-fixture", contract_1_0_component()).unwrap();
    let (answer, _) = module.evaluate(&app, "2024-06-01").expect("the call completes");
    assert_eq!(answer.expect("a decision").outcome, Outcome::Eligible);
}

#[test]
fn a_1_1_module_loads_with_its_clause_table_and_states_each_reason_s_effect() {
    let runtime = runtime();
    let bytes = juzhu_test_support::component_bytes("hangzhou-gongshu");
    let module = runtime.load("hangzhou-gongshu", &bytes).expect("a 1.1 module loads");
    assert_eq!(module.contract(), "1.1");
    assert_eq!(module.info().contract_version, juzhu_sdk::CONTRACT_VERSION);
    let (answer, _) = module.evaluate(&application("330105", true), "2017-06-15").expect("the call completes");
    let decision = answer.expect("a decision");
    let all = decision.reasons.iter().chain(decision.routes.iter().flat_map(|r| r.reasons.iter()));
    for reason in all {
        assert!(reason.effect.is_some() && reason.decisive.is_some(), "{} states no effect", reason.code);
    }
}

/// A decision stored by a station before 1.1 is the JSON of a 1.0 decision:
/// it reads into 1.1's `Decision` with every reason's effect not stated, so
/// it displays, and the stored text (which the audit log's record
/// commitments hash) is never rewritten.
#[test]
fn a_stored_1_0_decision_reads_into_the_1_1_shape() {
    let stored = r#"{"outcome":"Ineligible","tier":null,"reasons":[{"code":"age.under-16.not-met","zh":"年满16周岁","en":"aged 16 or over","citation":{"document":"002_f9217923c518aad0","clause":"三(一)"}}],"routes":[{"route":"Employment","tier":null,"status":"NotMet","reasons":[],"missing":[]}],"missing":[]}"#;
    let decision: Decision = serde_json::from_str(stored).expect("a 1.0 decision reads as 1.1");
    assert_eq!(decision.reasons[0].code, "age.under-16.not-met");
    assert_eq!((decision.reasons[0].effect, decision.reasons[0].decisive), (None, None));
}

/// 1.1's dated events reach a 1.0 module as its undated flags, read on the
/// legal date of the call: `true` only for an event dated on or before it,
/// otherwise not known (`none`), never `false`.
#[test]
fn dated_events_reach_a_1_0_module_as_its_undated_flags_on_the_legal_date() {
    use juzhu_runtime::contract::upgrade;
    let event = |kind, on: &str| HolderEvent { kind, on: on.into(), note: None };
    let mut app = application("999998", true);
    app.events = Some(vec![
        event(HolderEventKind::ConvertedToLocalHukou, "2024-05-01"),
        event(HolderEventKind::FalseMaterials, "2024-07-01"),
    ]);
    let old = serde_json::to_value(upgrade::application(&app, "2024-06-01")).unwrap();
    assert!(old.get("events").is_none(), "1.0 has no event list: {old}");
    assert_eq!(old["converted_to_local_hukou"], true, "converted before the legal date");
    assert!(old["points"]["false_materials"].is_null(), "found after the legal date: not known then, never false");
    let earlier = serde_json::to_value(upgrade::application(&app, "2024-04-30")).unwrap();
    assert!(earlier["converted_to_local_hukou"].is_null(), "the day before the conversion: not known, never false");
    let on_the_day = serde_json::to_value(upgrade::application(&app, "2024-07-01")).unwrap();
    assert_eq!(on_the_day["points"]["false_materials"], true, "an event dated the legal date counts");
    app.events = None;
    let none = serde_json::to_value(upgrade::application(&app, "2024-06-01")).unwrap();
    assert!(none["converted_to_local_hukou"].is_null() && none["points"]["false_materials"].is_null());

    let runtime = runtime();
    let module = runtime.load("contract-1-0-fixture", contract_1_0_component()).unwrap();
    app.events = Some(vec![event(HolderEventKind::ConvertedToLocalHukou, "2024-05-01")]);
    let (answer, _) = module.evaluate(&app, "2024-06-01").expect("the call completes");
    assert_eq!(answer.expect("a decision").outcome, Outcome::Eligible);
}

/// A 1.0 module's `to-be-cancelled(reason)` stated no date: in 1.1's shape
/// the cancellation is dated the legal date asked about.
#[test]
fn a_1_0_cancellation_is_dated_the_legal_date_it_was_asked_about() {
    use juzhu_runtime::contract::upgrade;
    use juzhu_runtime::contract::v1_0::exports::juzhu::policy::types as old;
    let ground = old::Reason {
        code: "cancellation.local-hukou".into(),
        zh: "已转为本地户籍".into(),
        en: "converted to local hukou".into(),
        citation: old::Citation { document: "doc".into(), clause: "三(二)2(4)".into() },
    };
    let answer = old::EndorsementAnswer {
        status: old::EndorsementStatus::ToBeCancelled(ground),
        endorsement_allowed: false,
        reasons: vec![],
        residence_years: 1,
        residence_counted_from: "2023-01-01".into(),
    };
    let new = upgrade::endorsement(Ok(answer), "2024-06-01").expect("an answer");
    let EndorsementStatus::ToBeCancelled(c) = new.status else { panic!("still to be cancelled: {:?}", new.status) };
    assert_eq!(c.since, "2024-06-01");
    assert_eq!(c.ground.code, "cancellation.local-hukou");
    assert_eq!((c.ground.effect, c.ground.decisive), (None, None), "1.0 stated neither");
}
