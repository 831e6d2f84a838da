//! Facts dated after the legal date never change an answer (issue 10: "future-dated
//! endorsements and events, which must be ignored").
//!
//! A decision on a legal date is made on what was true that day. A station that
//! replays an old case, or a clerk who asks "where did this holder stand on 1
//! March", must get the same answer however much of the holder's later life is on
//! file. For every vector of every module, each kind of later-dated fact is added
//! in turn (an endorsement, a registration, a job, an insurance period, an award,
//! a violation, each starting after the legal date) and the module's answer must
//! be byte-for-byte the one it gave without it.

use jiff::civil::Date;
use juzhu_sdk::NativeModule;
use juzhu_sdk::types::{Application, Permit};
use juzhu_sdk::vectors::{Call, Vector, load_dir};
use juzhu_test_support::{MODULES, workspace};
use serde_json::{Value, json};

/// A call's result as JSON: `{"ok": answer}` or `{"err": refusal}`.
fn as_json<T: serde::Serialize, E: serde::Serialize>(result: Result<T, E>) -> Value {
    match result {
        Ok(v) => json!({ "ok": v }),
        Err(e) => json!({ "err": e }),
    }
}

/// The module's whole answer to `call`, as JSON (a refusal included).
fn answer(native: &NativeModule, call: Call, facts: Application, permit: Option<Permit>, date: &str) -> Value {
    let date = date.to_string();
    let permit_for = |permit: Option<Permit>| permit.expect("a vector of this call has a permit");
    match call {
        Call::Evaluate => as_json((native.evaluate)(facts, date)),
        Call::Endorsement => as_json((native.endorsement)(permit_for(permit), facts, date)),
        Call::Services => as_json((native.services)(permit_for(permit), facts, date)),
        Call::Points => as_json((native.points)(permit, facts, date)),
        Call::Card => as_json((native.card)(permit_for(permit), facts, date)),
    }
}

/// The later-dated facts tried, each on its own: a name, and how it changes
/// the facts (as JSON) and the permit.
type Addition = (&'static str, fn(&mut Value, &mut Option<Value>, Date));

fn day(d: Date, days: i64) -> String {
    d.checked_add(jiff::Span::new().days(days)).unwrap().to_string()
}

fn month(d: Date, months: i64) -> String {
    let m = d.first_of_month().checked_add(jiff::Span::new().months(months)).unwrap();
    format!("{:04}-{:02}", m.year(), m.month())
}

/// Endorsements stay oldest first, as the contract has them.
fn push_endorsement(permit: &mut Value, date: String) {
    let list = permit["endorsements"].as_array_mut().unwrap();
    list.push(json!(date));
    list.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
}

/// The first place two answers differ, as a JSON path with both values.
fn first_difference(path: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                first_difference(
                    &format!("{path}.{k}"),
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (p, q))| first_difference(&format!("{path}[{i}]"), p, q))
        }
        _ if a == b => None,
        _ => Some(format!("{path}: {a} → {b}")),
    }
}

const ADDITIONS: &[Addition] = &[
    ("an endorsement the day after", |_, permit, d| {
        if let Some(p) = permit {
            push_endorsement(p, day(d, 1));
        }
    }),
    ("an endorsement a year later", |_, permit, d| {
        if let Some(p) = permit {
            push_endorsement(p, day(d, 400));
        }
    }),
    ("a registration starting the day after", |facts, _, d| {
        let division = facts["jurisdiction"].clone();
        facts["registrations"].as_array_mut().unwrap().push(
            json!({ "registered_on": day(d, 1), "division": division, "address": "登记于法定日期之后", "changes": [] }),
        );
    }),
    ("a job starting the day after", |facts, _, d| {
        let division = facts["jurisdiction"].clone();
        facts["employment"].as_array_mut().unwrap().push(
            json!({ "kind": "LabourContract", "division": division, "started_on": day(d, 1), "registered": true }),
        );
    }),
    ("an insurance period starting two months later", |facts, _, d| {
        let division = facts["jurisdiction"].clone();
        facts["insurance"].as_array_mut().unwrap().push(json!({
            "from": month(d, 2), "to": month(d, 14), "division": division, "scope": "Full", "back_paid": false
        }));
    }),
    ("a national award the day after", |facts, _, d| {
        facts["points"]["awards"]
            .as_array_mut()
            .unwrap()
            .push(json!({ "level": "National", "name": "法定日期之后的奖项", "awarded_on": day(d, 1) }));
    }),
    ("a detention the day after", |facts, _, d| {
        facts["points"]["violations"]
            .as_array_mut()
            .unwrap()
            .push(json!({ "kind": "Detention", "on": day(d, 1), "description": "法定日期之后" }));
    }),
    ("each dated event the day after", |facts, _, d| {
        if !facts["events"].is_array() {
            facts["events"] = json!([]);
        }
        let events = facts["events"].as_array_mut().unwrap();
        for kind in ["FalseMaterials", "ConvertedToLocalHukou", "LeftArea"] {
            events.push(json!({ "kind": kind, "on": day(d, 1), "note": "法定日期之后" }));
        }
    }),
];

fn check(name: &str, native: &NativeModule, vectors: &[Vector]) -> Vec<String> {
    let mut differences = Vec::new();
    for v in vectors {
        let Ok(date) = v.legal_date.parse::<Date>() else { continue };
        let before = answer(native, v.call, v.facts.clone(), v.permit.clone(), &v.legal_date);
        if before.get("err").is_some() {
            continue; // A refused request has no decision for a later fact to change.
        }
        for (what, add) in ADDITIONS {
            let mut facts = serde_json::to_value(&v.facts).unwrap();
            let mut permit = v.permit.as_ref().map(|p| serde_json::to_value(p).unwrap());
            add(&mut facts, &mut permit, date);
            let facts: Application = serde_json::from_value(facts).unwrap();
            let permit: Option<Permit> = permit.map(|p| serde_json::from_value(p).unwrap());
            let after = answer(native, v.call, facts, permit, &v.legal_date);
            if after != before {
                let at = first_difference("", &before, &after).unwrap_or_default();
                differences.push(format!("{name} {} ({:?} on {}): {what} changed {at}", v.id, v.call, v.legal_date));
            }
        }
    }
    differences
}

#[test]
fn facts_dated_after_the_legal_date_never_change_an_answer() {
    let mut differences = Vec::new();
    let mut cases = 0;
    for (name, _) in MODULES {
        let native = juzhu_bench::native::module(name).expect("a native build of every in-tree module");
        let vectors = load_dir(&workspace().join("plugins").join(name).join("vectors")).unwrap();
        cases += vectors.len() * ADDITIONS.len();
        differences.extend(check(name, &native, &vectors));
    }
    println!("{cases} later-dated variants tried, {} changed an answer", differences.len());
    assert!(differences.is_empty(), "{} answers changed:\n{}", differences.len(), differences.join("\n"));
}
