//! Ranking from storage (issue 13): the holders of Jiaxing permits on record
//! are ranked by the points recorded when each permit was issued, with an
//! index; the totals are the module's own (the same facts through
//! `POST /v1/rank` give the same totals), a lost or missing row is scored
//! again. (That a suspended or cancelled permit has no row is the store's
//! test, `host/store/tests/points.rs`.)

use juzhu_test_support::station::Station;
use juzhu_test_support::workspace;
use rocket::http::Status;
use serde_json::{Value, json};

const JIAXING: &str = "330402";
/// The eligibility vector's legal date: the pilot text is in force then.
const DECIDED_ON: &str = "2015-06-15";

fn vector_facts(file: &str, id: &str) -> Value {
    let path = workspace().join("plugins/jiaxing/vectors").join(file);
    let v = juzhu_sdk::vectors::load_file(&path).unwrap().into_iter().find(|v| v.id == id).unwrap();
    serde_json::to_value(&v.facts).unwrap()
}

/// A valid citizen ID number for holder `n` (check character computed).
fn citizen_id(n: u32) -> String {
    let first17 = format!("41152719850312{n:03}");
    let check = juzhu_sdk::citizen_id::check_character(first17.as_bytes());
    format!("{first17}{check}")
}

/// Jiaxing's eligible applicant (`jx-emp-contract-met`) with the points facts
/// of the points vector `points_of`.
fn holder(n: u32, points_of: &str) -> Value {
    let mut facts = vector_facts("eligibility-employment.yaml", "jx-emp-contract-met");
    facts["identity"]["citizen_id"] = json!(citizen_id(n));
    facts["identity"]["name"] = json!(format!("持证人{n}"));
    facts["points"] = vector_facts("points.yaml", points_of)["points"].clone();
    // The vectors date their violations 2016; the points here are as of the
    // day of issue in 2015, which reads only what happened by then.
    for violation in facts["points"]["violations"].as_array_mut().unwrap() {
        violation["on"] = json!("2015-01-10");
    }
    facts
}

/// Submits and issues: returns the permit number.
fn issue(s: &Station, facts: &Value) -> String {
    let (status, receipt) =
        s.post(&s.clerk, "/v1/applications", &json!({ "application": facts, "legal_date": DECIDED_ON }));
    assert_eq!(status, Status::Created, "{receipt}");
    assert_eq!(receipt["outcome"], "Eligible", "{receipt}");
    let id = receipt["decision_id"].as_i64().unwrap();
    let (status, permit) =
        s.post(&s.supervisor, &format!("/v1/decisions/{id}/permit"), &json!({ "issued_on": DECIDED_ON }));
    assert_eq!(status, Status::Created, "{permit}");
    permit["number"].as_str().unwrap().to_string()
}

/// The module's total for `facts` held under a permit, through the ranking of
/// applicants not on record.
fn total_from_rank(s: &Station, facts: &Value) -> i64 {
    let mut facts = facts.clone();
    facts["tier_held"] = json!("Standard");
    let request = json!({ "places": 1, "legal_date": DECIDED_ON, "applicants": [{ "id": "x", "facts": facts }] });
    let (status, body) = s.post(&s.clerk, "/v1/rank", &request);
    assert_eq!(status, Status::Ok, "{body}");
    body["ranking"][0]["total"].as_i64().unwrap()
}

fn rank(s: &Station, places: u64) -> Value {
    let (status, body) = s.get(&s.clerk, &format!("/v1/rankings/{JIAXING}?places={places}"));
    assert_eq!(status, Status::Ok, "{body}");
    body
}

fn permit_numbers(ranking: &Value) -> Vec<String> {
    ranking["admitted"].as_array().unwrap().iter().map(|a| a["permit"].as_str().unwrap().to_string()).collect()
}

#[test]
fn holders_on_record_are_ranked_by_the_points_recorded_at_issue() {
    let s = Station::new(&["jiaxing"]);
    let plain = holder(1, "jx-pts-no-permit-tier-held");
    let plain_too = holder(2, "jx-pts-no-permit-tier-held");
    let penalised = holder(3, "jx-pts-deduction");
    let vetoed = holder(4, "jx-pts-veto");
    let numbers: Vec<String> = [&plain, &plain_too, &penalised, &vetoed].iter().map(|f| issue(&s, f)).collect();

    let ranking = rank(&s, 2);
    assert_eq!(ranking["module"]["id"], "jiaxing");
    assert_eq!(ranking["scored_now"], 0, "issuing recorded each holder's points: {ranking}");
    assert_eq!(ranking["ranked"], 3, "{ranking}");
    assert_eq!(ranking["excluded"], 1, "the vetoed holder is counted, not ranked: {ranking}");
    // Equal totals by permit number; the deduction comes after.
    assert_eq!(permit_numbers(&ranking), [numbers[0].clone(), numbers[1].clone()]);
    let admitted = ranking["admitted"].as_array().unwrap();
    assert_eq!(admitted[0]["rank"], 1);
    assert_eq!(admitted[0]["points_as_of"], DECIDED_ON, "points are as of the day of issue");
    assert_eq!(admitted[0]["total"].as_i64().unwrap(), total_from_rank(&s, &plain), "the module's own total");
    assert_eq!(ranking["cut_off"]["total"], admitted[1]["total"]);
    assert_eq!(ranking["cut_off"]["tied_not_admitted"], 0);

    // One place: the two plain holders tie at the cut-off and the permit
    // number decides; the ranking says one tied holder got no place.
    let one = rank(&s, 1);
    assert_eq!(permit_numbers(&one), [numbers[0].clone()]);
    assert_eq!(one["cut_off"]["tied_not_admitted"], 1, "{one}");

    // All places: the penalised holder ranks third with the module's total.
    let all = rank(&s, 10);
    assert_eq!(permit_numbers(&all), [numbers[0].clone(), numbers[1].clone(), numbers[2].clone()]);
    assert_eq!(all["admitted"][2]["total"].as_i64().unwrap(), total_from_rank(&s, &penalised));
    assert!(all["admitted"][2]["total"].as_i64() < all["admitted"][0]["total"].as_i64(), "{all}");
    assert!(all["basis"].as_str().unwrap().contains("last endorsement"), "{all}");
}

#[test]
fn a_lost_points_row_is_scored_again_before_ranking() {
    let s = Station::new(&["jiaxing"]);
    let numbers: Vec<String> = (1..=3).map(|n| issue(&s, &holder(n, "jx-pts-no-permit-tier-held"))).collect();
    let before = rank(&s, 3);
    // As if the station had died between issuing a permit and recording its
    // points, or the rows predate this build.
    let deleted = s.service.with_store(|st| st.conn().execute("DELETE FROM permit_points", []).unwrap());
    assert_eq!(deleted, 3);
    let after = rank(&s, 3);
    assert_eq!(after["scored_now"], 3, "{after}");
    assert_eq!(after["admitted"], before["admitted"], "scoring again gives the same ranking");
    assert_eq!(permit_numbers(&after), numbers);
    assert_eq!(rank(&s, 3)["scored_now"], 0, "scored once, then read");

    // The station's points keeper does the same between requests.
    s.service.with_store(|st| st.conn().execute("DELETE FROM permit_points", []).unwrap());
    assert_eq!(s.service.keep_points_current(), 3);
    assert_eq!(s.service.keep_points_current(), 0, "nothing left to score");
    let kept = rank(&s, 3);
    assert_eq!(kept["scored_now"], 0, "{kept}");
    assert_eq!(kept["admitted"], before["admitted"]);
}

#[test]
fn bad_requests_name_what_is_wrong() {
    let s = Station::new(&["jiaxing"]);
    for (path, field) in [
        (format!("/v1/rankings/{JIAXING}"), "places"),
        (format!("/v1/rankings/{JIAXING}?places=ten"), "places"),
        (format!("/v1/rankings/{JIAXING}?places=0"), "places"),
        ("/v1/rankings/33040?places=3".to_string(), "division"),
    ] {
        let (status, body) = s.get(&s.clerk, &path);
        assert_eq!(status, Status::UnprocessableEntity, "{path}: {body}");
        assert_eq!(body["error"]["field"], field, "{path}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().len() > 10, "{body}");
    }
    let (status, body) = s.get(&s.clerk, "/v1/rankings/110101?places=3");
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert_eq!(body["error"]["code"], "unknown_jurisdiction");
}
