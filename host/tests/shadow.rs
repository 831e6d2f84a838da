//! Shadow evaluation on a station following a registry: a version published
//! ahead of its effective date, with a different threshold (seven months of
//! registration instead of six), is run on the station's recorded cases. The
//! counts match cases built to straddle the threshold, and nothing is
//! written. The versions are `tests/fixtures/defective-module` without a
//! defect (0.1.0) and with its `seven-months` rule change (0.2.0).

use std::sync::Arc;

use juzhu_registry::fixture::Fixture;
use juzhu_registry::repo::ModuleDescription;
use juzhu_runtime::contract::types::Application;
use juzhu_station::service::Service;
use juzhu_test_support::registry::station_config;

const DIVISION: &str = "999998";
const MODULE: &str = "defective-fixture";

fn publish(f: &Fixture, bytes: &[u8], version: &str, effective_from: jiff::civil::Date) {
    let description = ModuleDescription {
        module_id: MODULE.into(),
        version: version.into(),
        contract_version: juzhu_sdk::CONTRACT_VERSION.into(),
    };
    f.publish(DIVISION, &description, bytes, &effective_from.to_string()).unwrap();
    f.attest(bytes, 6).unwrap();
}

/// An applicant registered `months` months and `days` days before `on`,
/// employed throughout, with both materials.
fn applicant(n: u32, on: jiff::civil::Date, months: i64, days: i64) -> Application {
    let registered = on.checked_sub(jiff::Span::new().months(months).days(days)).unwrap();
    let started = on.checked_sub(jiff::Span::new().years(2)).unwrap();
    serde_json::from_value(serde_json::json!({
        "jurisdiction": DIVISION,
        "identity": { "name": format!("申请人{n}"), "citizen_id": "411522198807062018", "sex": "Male", "birth_date": "1988-07-06" },
        "registrations": [{ "registered_on": registered.to_string(), "division": DIVISION, "address": "测试路1号", "changes": [] }],
        "insurance": [],
        "employment": [{ "kind": "LabourContract", "division": DIVISION, "started_on": started.to_string() }],
        "housing": [], "schooling": [], "guardians": [], "special_statuses": [],
        "materials": [{ "kind": "IdCard", "source": "Submitted" }, { "kind": "LabourContract", "source": "Submitted" }],
        "points": { "awards": [], "violations": [], "assigned": [] }
    }))
    .unwrap()
}

fn decisions_on_record(service: &Service) -> u32 {
    service.decision_stats().unwrap().iter().map(|j| j.total).sum()
}

fn audit_entries(service: &Service) -> usize {
    service.audit(0, 10_000).unwrap().len()
}

#[test]
fn a_pending_version_with_another_threshold_is_shadowed_on_the_cases_it_would_change() {
    let f = Fixture::builder()
        .district(DIVISION)
        .time_zone(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .build()
        .unwrap();
    publish(&f, &juzhu_test_support::defective_module("none"), "0.1.0", f.today);
    let config = station_config(&f);
    let service: Arc<Service> = juzhu_station::server::build(&config).unwrap().0;

    // No version is pending yet.
    let err = service.shadow(DIVISION).unwrap_err().to_string();
    assert!(err.contains("no version awaiting its effective date"), "{err}");

    // Cases straddling the new threshold: 6½ months (eligible now, not under
    // seven), 8 months (eligible under both), 5 months (under neither).
    let today = f.today;
    let cases = [(6, 15), (6, 20), (8, 0), (8, 10), (5, 0)];
    for (n, (months, days)) in cases.iter().enumerate() {
        service.submit("clerk", &applicant(n as u32, today, *months, *days), Some(today.to_string())).unwrap();
    }
    let next_week = today.checked_add(jiff::Span::new().days(7)).unwrap();
    publish(&f, &juzhu_test_support::defective_module("seven-months"), "0.2.0", next_week);
    service.refresh_registry().unwrap();

    let before = decisions_on_record(&service);
    let audit_before = audit_entries(&service);
    let report = service.shadow(DIVISION).unwrap();
    assert_eq!((report.version.as_str(), report.replaces.as_deref()), ("0.2.0", Some("0.1.0")));
    assert_eq!(report.effective_from.as_deref(), Some(next_week.to_string().as_str()));

    // At each case's legal date: the two 6½-month cases go from eligible to
    // ineligible; the others stay.
    let at_legal = &report.at_legal_date;
    assert_eq!((at_legal.cases, at_legal.unchanged), (5, 3), "{at_legal:?}");
    assert_eq!(at_legal.changes.len(), 1, "{at_legal:?}");
    let change = &at_legal.changes[0];
    assert_eq!((change.from.as_str(), change.to.as_str(), change.count), ("eligible", "ineligible", 2));
    for e in &change.examples {
        assert_eq!(e.citizen_id, "411522***********8", "IDs are masked");
        assert_eq!(e.legal_date, today.to_string());
    }
    // A week on, under the old rules they are still eligible, under the new not.
    let at_effective = report.at_effective_date.as_ref().unwrap();
    assert_eq!((at_effective.cases, at_effective.unchanged), (5, 3), "{at_effective:?}");
    assert_eq!(at_effective.changes[0].count, 2);

    // Nothing was written.
    assert_eq!(decisions_on_record(&service), before);
    assert_eq!(audit_entries(&service), audit_before, "the shadow run wrote to the audit trail");
    let metrics = service.metrics().encode();
    assert!(
        metrics.contains(&format!(
            "juzhu_shadow_changed{{division=\"{DIVISION}\",version=\"0.2.0\",at=\"legal_date\"}} 2"
        )),
        "{metrics}"
    );

    // The operator's offline run on the same store agrees.
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("v0.1.0.wasm"), dir.path().join("v0.2.0.wasm"));
    std::fs::write(&old, juzhu_test_support::defective_module("none")).unwrap();
    std::fs::write(&new, juzhu_test_support::defective_module("seven-months")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_juzhu"))
        .args(["shadow", new.to_str().unwrap(), "--data", config.data_dir.to_str().unwrap()])
        .args(["--effective-from", &next_week.to_string(), "--against", old.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let offline: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(offline["at_legal_date"], serde_json::to_value(&report.at_legal_date).unwrap());
    assert_eq!(offline["at_effective_date"], serde_json::to_value(&report.at_effective_date).unwrap());
    assert_eq!(decisions_on_record(&service), before, "the offline run wrote nothing");
    let missing = std::process::Command::new(env!("CARGO_BIN_EXE_juzhu"))
        .args(["shadow", new.to_str().unwrap(), "--data", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("holds no juzhu.db"));
    assert!(!dir.path().join("juzhu.db").exists(), "no store is created where there was none");
}
