//! The JSON API against real modules, a real database and Rocket's local
//! client: what each role may do, what each bad input gets back, and that a
//! refused request writes nothing.

use juzhu_test_support::station::{Station, bearer};
use juzhu_test_support::{ApplicationBuilder, workspace};
use rocket::http::Status;
use serde_json::{Value, json};

/// Gongshu and Jiaxing over a fresh store.
fn station() -> Station {
    Station::new(&["hangzhou-gongshu", "jiaxing"])
}

/// A Gongshu applicant eligible on 2017-06-15 through employment.
fn application() -> Value {
    ApplicationBuilder::gongshu_employed().json()
}

#[test]
fn health_needs_no_token_but_everything_else_does() {
    let s = station();
    assert_eq!(s.client.get("/health").dispatch().status(), Status::Ok);
    for path in ["/v1/jurisdictions", "/openapi.json", "/metrics", "/v1/audit"] {
        let r = s.client.get(path).dispatch();
        assert_eq!(r.status(), Status::Unauthorized, "{path}");
        let body: Value = r.into_json().unwrap();
        assert_eq!(body["error"]["code"], "unauthorized", "{path}");
    }
    let r = s.client.get("/v1/jurisdictions").header(bearer("jz_not-a-token")).dispatch();
    assert_eq!(r.status(), Status::Unauthorized);
    assert!(r.into_string().unwrap().contains("unknown or revoked token"));
}

#[test]
fn evaluate_decides_without_recording() {
    let s = station();
    let before = s.audit_len();
    let (status, body) =
        s.post(&s.clerk, "/v1/evaluate", &json!({ "application": application(), "legal_date": "2017-06-15" }));
    assert_eq!(status, Status::Ok, "{body}");
    assert_eq!(body["decision"]["outcome"], "Eligible");
    assert_eq!(body["decision"]["tier"], "Standard");
    assert_eq!(body["module"]["id"], "hangzhou-gongshu");
    assert_eq!(body["module"]["sha256"].as_str().unwrap().len(), 64);
    let reasons = body["decision"]["routes"][0]["reasons"].as_array().unwrap();
    assert!(reasons.iter().all(|r| r["citation"]["document"] == "003_7477c59a98b1b6f9"), "{reasons:?}");
    assert_eq!(s.audit_len(), before, "a what-if writes nothing");
}

/// Issue 10, contract 1.1: a legal date outside the text's window is not a
/// decision. Gongshu's text is in force from 2017-01-01 ("本通知自2017年1月1日起施行"):
/// on 2016-12-31 the station answers 422 `not_in_force` with the document and its
/// window, and writes nothing.
#[test]
fn evaluate_outside_the_text_s_window_answers_422_with_the_document_and_window() {
    let s = station();
    let before = s.audit_len();
    for path in ["/v1/evaluate", "/v1/applications"] {
        let (status, body) =
            s.post(&s.clerk, path, &json!({ "application": application(), "legal_date": "2016-12-31" }));
        assert_eq!(status, Status::UnprocessableEntity, "{path}: {body}");
        let error = &body["error"];
        assert_eq!(error["code"], "not_in_force", "{body}");
        assert_eq!(error["field"], "legal_date");
        assert_eq!(error["not_in_force"]["document"], "003_7477c59a98b1b6f9");
        assert_eq!(error["not_in_force"]["in_force_from"], "2017-01-01");
        assert_eq!(error["not_in_force"]["in_force_until"], Value::Null);
        assert_eq!(error["not_in_force"]["legal_date"], "2016-12-31");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains("from 2017-01-01") && message.contains("003_7477c59a98b1b6f9"), "{message}");
    }
    assert_eq!(s.audit_len(), before, "a refused request writes nothing");
}

/// The module-info route gives the clause table: documents, windows, clauses.
#[test]
fn the_module_route_exposes_the_clause_table() {
    let s = station();
    let r = s.client.get("/v1/jurisdictions/330105?legal_date=2017-06-15").header(bearer(&s.clerk)).dispatch();
    assert_eq!(r.status(), Status::Ok);
    let body: Value = r.into_json().unwrap();
    assert_eq!(body["module"]["id"], "hangzhou-gongshu");
    assert_eq!(body["contract_version"], "1.1.0");
    let doc = &body["documents"][0];
    assert_eq!(doc["id"], "003_7477c59a98b1b6f9");
    assert_eq!(doc["in_force_from"], "2017-01-01");
    assert_eq!(doc["source"], "Corpus");
    let labels: Vec<&str> = doc["clauses"].as_array().unwrap().iter().map(|c| c["label"].as_str().unwrap()).collect();
    assert!(labels.contains(&"二(一)2(1)"), "{labels:?}");
    // A date the station cannot read is refused naming the field.
    let r = s.client.get("/v1/jurisdictions/330105?legal_date=not-a-date").header(bearer(&s.clerk)).dispatch();
    assert_eq!(r.status(), Status::UnprocessableEntity);
}

#[test]
fn submit_records_a_receipt_and_a_supervisor_issues_the_permit() {
    let s = station();
    let (status, receipt) =
        s.post(&s.clerk, "/v1/applications", &json!({ "application": application(), "legal_date": "2017-06-15" }));
    assert_eq!(status, Status::Created, "{receipt}");
    assert_eq!(receipt["outcome"], "Eligible");
    assert_eq!(receipt["legal_date"], "2017-06-15");
    assert_eq!(receipt["module"]["version"], "1.0.0");
    assert_eq!(receipt["input_sha256"].as_str().unwrap().len(), 64);
    let decision = receipt["decision_id"].as_i64().unwrap();

    // A clerk may not issue; a supervisor may.
    let path = format!("/v1/decisions/{decision}/permit");
    let (status, body) = s.post(&s.clerk, &path, &json!({ "issued_on": "2017-06-20" }));
    assert_eq!(status, Status::Forbidden, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("needs supervisor"), "{body}");
    let (status, permit) = s.post(&s.supervisor, &path, &json!({ "issued_on": "2017-06-20" }));
    assert_eq!(status, Status::Created, "{permit}");
    assert_eq!(permit["number"], "330105-2017-000001");
    assert_eq!(permit["state"], "active");

    // A second permit from the same decision is refused.
    let (status, body) = s.post(&s.supervisor, &path, &json!({ "issued_on": "2017-06-20" }));
    assert_eq!(status, Status::Conflict, "{body}");

    // Restoring an active permit is illegal, and the error lists what is allowed.
    let (status, body) =
        s.post(&s.supervisor, "/v1/permits/330105-2017-000001/restore", &json!({ "legal_date": "2017-07-01" }));
    assert_eq!(status, Status::Conflict, "{body}");
    assert_eq!(body["error"]["code"], "illegal_transition");
    assert_eq!(body["error"]["allowed"], json!(["endorse", "suspend", "cancel"]));

    // Suspending needs the module to direct it: not due in July 2017.
    let (status, body) =
        s.post(&s.supervisor, "/v1/permits/330105-2017-000001/suspend", &json!({ "legal_date": "2017-07-01" }));
    assert_eq!(status, Status::Conflict, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("does not direct"), "{body}");

    // Every write is in the audit log, and the chain verifies.
    let r = s.client.get("/v1/audit?after=0&limit=100").header(bearer(&s.supervisor)).dispatch();
    let entries: Value = r.into_json().unwrap();
    let actions: Vec<&str> = entries.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"decision.submit") || actions.iter().any(|a| a.contains("submit")), "{actions:?}");
    assert!(actions.iter().any(|a| a.contains("issue")), "{actions:?}");
    assert_eq!(s.audit_len(), actions.len());
}

#[test]
fn bad_input_gets_a_422_naming_the_field_and_writes_nothing() {
    let s = station();
    let before = s.audit_len();
    let mut bad_id = application();
    bad_id["identity"]["citizen_id"] = json!("340102198503150013");
    let mut bad_date = application();
    bad_date["registrations"][0]["registered_on"] = json!("2016-02-30");
    let mut bad_material = application();
    bad_material["materials"][0]["kind"] = json!("HouseDeed");
    let mut wrong_type = application();
    wrong_type["insurance"][0]["back_paid"] = json!("no");
    let mut unknown_field = application();
    unknown_field["insurence"] = json!([]);
    let mut negative = application();
    negative["employment"][0]["contract_months"] = json!(-6);
    let mut nowhere = application();
    nowhere["jurisdiction"] = json!("110105");
    let mut retired = application();
    retired["converted_to_local_hukou"] = json!(true);
    let mut bad_event = application();
    bad_event["events"] = json!([{ "kind": "LeftArea", "on": "2017-02-30" }]);
    let cases = [
        (bad_id, "application.identity.citizen_id", "invalid_input"),
        (bad_date, "application.registrations[0].registered_on", "invalid_input"),
        (bad_material, "application.materials[0].kind", "invalid_input"),
        (wrong_type, "application.insurance[0].back_paid", "invalid_input"),
        (unknown_field, "application.insurence", "unknown_field"),
        (negative, "application.employment[0].contract_months", "invalid_input"),
        (nowhere, "application.jurisdiction", "unknown_jurisdiction"),
        (retired, "application.converted_to_local_hukou", "unknown_field"),
        (bad_event, "application.events[0].on", "invalid_input"),
    ];
    for (app, field, code) in cases {
        let (status, body) =
            s.post(&s.clerk, "/v1/applications", &json!({ "application": app, "legal_date": "2017-06-15" }));
        assert_eq!(status, Status::UnprocessableEntity, "{field}: {body}");
        assert_eq!(body["error"]["field"], field, "{body}");
        assert_eq!(body["error"]["code"], code, "{body}");
        if field.ends_with("converted_to_local_hukou") {
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.contains("`events`") && message.contains("ConvertedToLocalHukou"), "{message}");
        }
    }
    // 1.0's `in_time` flag on an address change: contract 1.1 decides timeliness from the dates.
    let mut flagged = application();
    flagged["registrations"][0]["changes"] = json!([{
        "moved_on": "2016-09-01", "reported_on": "2016-09-30", "in_time": true,
        "division": "330105", "address": "拱墅区湖墅南路1号"
    }]);
    let (status, body) =
        s.post(&s.clerk, "/v1/applications", &json!({ "application": flagged, "legal_date": "2017-06-15" }));
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert_eq!(body["error"]["code"], "unknown_field", "{body}");
    let field = body["error"]["field"].as_str().unwrap();
    assert!(field.starts_with("application.registrations") && field.ends_with("in_time"), "{field}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("`reported_on`") && message.contains("deadline its text sets"), "{message}");
    // Malformed JSON.
    let r = s.client.post("/v1/applications").header(bearer(&s.clerk)).body("{\"application\": {").dispatch();
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert_eq!(r.into_json::<Value>().unwrap()["error"]["code"], "malformed_json");
    // An oversized body.
    let huge = json!({ "application": application(), "padding": "x".repeat(100 * 1024) });
    let (status, body) = s.post(&s.clerk, "/v1/applications", &huge);
    assert_eq!(status, Status::PayloadTooLarge, "{body}");
    assert_eq!(body["error"]["code"], "body_too_large");
    assert_eq!(s.audit_len(), before, "refused requests wrote nothing");
}

#[test]
fn every_route_is_in_the_openapi_document() {
    let s = station();
    let r = s.client.get("/openapi.json").header(bearer(&s.clerk)).dispatch();
    assert_eq!(r.status(), Status::Ok);
    let doc: Value = r.into_json().unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for route in s.client.rocket().routes() {
        let path = route.uri.origin.path().to_string();
        let documented = if path == "/v1/permits/<number>/<action>" {
            ["endorse", "suspend", "restore", "cancel"]
                .iter()
                .all(|a| paths.contains_key(&format!("/v1/permits/{{number}}/{a}")))
        } else {
            // `<path..>` (a trailing-segments parameter) is `{path}` in OpenAPI.
            let openapi_path = path.replace("..>", ">").replace('<', "{").replace('>', "}");
            paths.contains_key(&openapi_path)
        };
        assert!(documented, "route {path} is not in /openapi.json");
    }
}

#[test]
fn metrics_count_decisions_by_outcome_and_jurisdiction() {
    let s = station();
    s.post(&s.clerk, "/v1/evaluate", &json!({ "application": application(), "legal_date": "2017-06-15" }));
    let r = s.client.get("/metrics").header(bearer(&s.clerk)).dispatch();
    assert_eq!(r.status(), Status::Ok);
    let text = r.into_string().unwrap();
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("juzhu_decisions_total{")
                && l.contains("jurisdiction=\"330105\"")
                && l.contains("outcome=\"eligible\"")
        })
        .unwrap_or_else(|| panic!("no decision counter in:\n{text}"));
    assert!(line.ends_with(" 1"), "{line}");
    assert!(
        text.lines().any(|l| l.starts_with("juzhu_module_fuel_total{") && l.contains("hangzhou-gongshu@1.0.0")),
        "{text}"
    );
}

#[test]
fn jurisdictions_list_the_modules_in_force() {
    let s = station();
    let r = s.client.get("/v1/jurisdictions").header(bearer(&s.clerk)).dispatch();
    let list: Value = r.into_json().unwrap();
    let ids: Vec<&str> = list.as_array().unwrap().iter().map(|j| j["module"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["hangzhou-gongshu", "jiaxing"]);
    // Tokens are for admins only.
    let r = s.client.get("/v1/tokens").header(bearer(&s.supervisor)).dispatch();
    assert_eq!(r.status(), Status::Forbidden);
}

/// Jiaxing full-permit holders from the module's own points vectors: the
/// totals below are the module's, not the test's.
fn jiaxing_holder(vector: &str) -> Value {
    let file = workspace().join("plugins/jiaxing/vectors/points.yaml");
    let v = juzhu_sdk::vectors::load_file(&file).unwrap().into_iter().find(|v| v.id == vector).unwrap();
    serde_json::to_value(&v.facts).unwrap()
}

#[test]
fn ranking_allocates_places_by_points_with_a_deterministic_tie_break() {
    let s = station();
    let plain = jiaxing_holder("jx-pts-no-permit-tier-held");
    let mut penalised = jiaxing_holder("jx-pts-deduction");
    let mut vetoed = jiaxing_holder("jx-pts-veto");
    // Rank as applicants who hold a full permit, without a permit record.
    penalised["tier_held"] = json!("Standard");
    vetoed["tier_held"] = json!("Standard");
    let applicants = json!([
        { "id": "c-penalised", "facts": penalised },
        { "id": "d-vetoed", "facts": vetoed },
        { "id": "b-plain", "facts": plain.clone() },
        { "id": "a-plain", "facts": plain },
    ]);
    let request = json!({ "places": 2, "legal_date": "2017-03-01", "applicants": applicants });
    let (status, body) = s.post(&s.clerk, "/v1/rank", &request);
    assert_eq!(status, Status::Ok, "{body}");
    assert_eq!(body["module"]["id"], "jiaxing");
    // Equal totals: ordered by id, so the same input always gives the same allocation.
    assert_eq!(body["admitted"], json!(["a-plain", "b-plain"]));
    let ranking = body["ranking"].as_array().unwrap();
    let order: Vec<&str> = ranking.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(order, ["a-plain", "b-plain", "c-penalised", "d-vetoed"]);
    let total = |i: usize| ranking[i]["total"].as_i64().unwrap();
    assert_eq!(total(0), total(1));
    assert!(total(2) < total(0), "a deduction lowers the total: {body}");
    assert_eq!(ranking[2]["rank"], 3);
    assert_eq!(ranking[2]["admitted"], false);
    assert_eq!(ranking[3]["rank"], Value::Null, "a vetoed applicant is not ranked");
    assert_eq!(ranking[3]["breakdown"]["vetoed"], true);
    assert!(body["tie_break"].as_str().unwrap().contains("applicant id"));

    // The same applicants in another order give the same allocation.
    let mut reversed = request.clone();
    reversed["applicants"].as_array_mut().unwrap().reverse();
    let (_, again) = s.post(&s.clerk, "/v1/rank", &reversed);
    assert_eq!(again["admitted"], body["admitted"]);

    // Applicants of another jurisdiction's module are refused, naming the one.
    let mut mixed = request.clone();
    mixed["applicants"][1]["facts"] = application();
    let (status, err) = s.post(&s.clerk, "/v1/rank", &mixed);
    assert_eq!(status, Status::UnprocessableEntity, "{err}");
    assert_eq!(err["error"]["field"], "applicants[1].facts.jurisdiction");
}

#[test]
fn the_access_log_names_route_status_and_caller_and_masks_the_citizen_id() {
    let s = station();
    let (status, _) =
        s.post(&s.clerk, "/v1/applications", &json!({ "application": application(), "legal_date": "2017-06-15" }));
    assert_eq!(status, Status::Created);
    s.client.get("/v1/jurisdictions").dispatch();

    let text = String::from_utf8(s.log.lock().unwrap().clone()).unwrap();
    let lines: Vec<Value> =
        text.lines().map(|l| serde_json::from_str(l).expect("each log line is one JSON object")).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["method"], "POST");
    assert_eq!(lines[0]["route"], "/v1/applications");
    assert_eq!(lines[0]["status"], 201);
    assert_eq!(lines[0]["actor"], "clerk-li");
    assert_eq!(lines[0]["holder"], "340102***********2");
    assert_eq!(lines[1]["status"], 401);
    assert_eq!(lines[1]["actor"], Value::Null);
    assert!(!text.contains("340102198503150012"), "the full citizen ID number reached the log: {text}");
    assert!(!text.contains(&s.clerk), "a token reached the log: {text}");
}

/// The five modules of the workspace, each deciding the same application.
#[test]
fn compare_decides_one_application_in_all_five_jurisdictions_and_records_nothing() {
    let s = Station::new(&["hangzhou-gongshu", "jiaxing", "ningbo-jiangbei", "zhangzhou", "zhejiang"]);
    let before = s.audit_len();
    let request = json!({ "application": application(), "legal_date": "2017-06-15" });
    let (status, body) = s.post(&s.clerk, "/v1/compare", &request);
    assert_eq!(status, Status::Ok, "{body}");
    let columns = body["jurisdictions"].as_array().unwrap();
    let divisions: Vec<&str> = columns.iter().map(|c| c["division"].as_str().unwrap()).collect();
    assert_eq!(divisions, ["330000", "330105", "330205", "330400", "350600"], "one column per module, in code order");
    for c in columns {
        let division = c["division"].as_str().unwrap();
        assert_eq!(c["own"], division == "330105", "{c}");
        // Each column is exactly what evaluate says for that jurisdiction.
        let mut case = application();
        case["jurisdiction"] = json!(division);
        let (status, alone) =
            s.post(&s.clerk, "/v1/evaluate", &json!({ "application": case, "legal_date": "2017-06-15" }));
        if status == Status::Ok {
            assert_eq!(c["decision"], alone["decision"], "{division}");
            assert_eq!(c["module"], alone["module"], "{division}");
            assert!(c.get("refusal").is_none(), "{c}");
        } else {
            assert!(c.get("decision").is_none(), "{c}");
            assert_eq!(c["refusal"], alone["error"], "{division}: the column gives evaluate's own error");
        }
    }
    // Gongshu decides its own applicant; Jiaxing's pilot text is not in force in 2017 and says so.
    assert_eq!(columns[1]["decision"]["outcome"], "Eligible");
    assert_eq!(columns[3]["refusal"]["code"], "not_in_force", "{}", columns[3]);
    assert_eq!(columns[3]["refusal"]["field"], "legal_date", "{}", columns[3]);
    assert!(columns[3]["refusal"]["message"].as_str().unwrap().contains("2015-10-30"), "{}", columns[3]);
    assert_eq!(s.audit_len(), before, "a comparison writes nothing");
}

#[test]
fn compare_refuses_a_bad_citizen_id_once_for_the_whole_comparison() {
    let s = station();
    let mut bad = application();
    bad["identity"]["citizen_id"] = json!("340102198503150013");
    let (status, body) = s.post(&s.clerk, "/v1/compare", &json!({ "application": bad }));
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert_eq!(body["error"]["field"], "application.identity.citizen_id");
}

/// The files in `examples/` that the README posts after the quick start: each
/// is decided by the module serving its own jurisdiction (a county's case by
/// its city's module, unchanged), or says which text is not in force.
#[test]
fn every_example_is_decided_in_its_own_jurisdiction_or_names_the_text_not_in_force() {
    let s = Station::new(&["hangzhou-gongshu", "jiaxing", "ningbo-jiangbei", "zhangzhou", "zhejiang"]);
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let expected = [
        ("330000-zhejiang.json", "330000", "Incomplete"),
        ("330105-hangzhou-gongshu.json", "330105", "Eligible"),
        ("330205-ningbo-jiangbei.json", "330205", "Eligible"),
        ("330400-jiaxing.json", "330400", "not_in_force"),
        ("350600-zhangzhou.json", "350600", "Eligible"),
    ];
    let mut files: Vec<String> = std::fs::read_dir(&examples)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    files.sort();
    assert_eq!(files, expected.map(|(f, ..)| f.to_string()), "one example per jurisdiction");
    for (file, division, answer) in expected {
        let mut request: Value = serde_json::from_slice(&std::fs::read(examples.join(file)).unwrap()).unwrap();
        // The examples leave the legal date to the station (today); the test fixes one.
        assert!(request.get("legal_date").is_none(), "{file} should leave legal_date to the station");
        request["legal_date"] = json!("2026-12-15");
        let (status, body) = s.post(&s.clerk, "/v1/compare", &request);
        assert_eq!(status, Status::Ok, "{file}: {body}");
        let own: Vec<&Value> = body["jurisdictions"].as_array().unwrap().iter().filter(|c| c["own"] == true).collect();
        assert_eq!(own.len(), 1, "{file}: exactly one column is the application's own: {body}");
        assert_eq!(own[0]["division"], division, "{file}");
        let got = own[0]["decision"]["outcome"].as_str().or(own[0]["refusal"]["code"].as_str()).unwrap();
        assert_eq!(got, answer, "{file}: {}", own[0]);
        if division == "330000" {
            // The provincial notice sets no conditions: the routes are for the city's rules.
            let reasons = own[0]["decision"].to_string();
            assert!(reasons.contains("city-conditions.undecided"), "{file}: {reasons}");
        }
        // The own column is the application exactly as submitted.
        let (_, alone) = s.post(&s.clerk, "/v1/evaluate", &request);
        match own[0].get("decision") {
            Some(decision) => assert_eq!(decision, &alone["decision"], "{file}"),
            None => assert_eq!(own[0]["refusal"], alone["error"], "{file}"),
        }
    }
}

/// The annual endorsement is a fresh check on the holder's facts as of its
/// date (issue 10): the supervisor gives them with the endorsement, the station
/// records them as a dated fact set on the permit, and later answers read
/// them. Facts of another person, facts with another transition, or facts the
/// module refuses write nothing.
#[test]
fn endorsement_takes_the_holders_current_facts_and_records_them_dated() {
    let s = station();
    let (status, receipt) =
        s.post(&s.clerk, "/v1/applications", &json!({ "application": application(), "legal_date": "2017-06-15" }));
    assert_eq!(status, Status::Created, "{receipt}");
    let path = format!("/v1/decisions/{}/permit", receipt["decision_id"]);
    let (status, permit) = s.post(&s.supervisor, &path, &json!({ "issued_on": "2017-06-20" }));
    assert_eq!(status, Status::Created, "{permit}");
    let number = permit["number"].as_str().unwrap().to_string();
    let endorse = format!("/v1/permits/{number}/endorse");
    // A year on: insured a year longer, and living at a new address.
    let current = ApplicationBuilder::gongshu_employed().insured_until("2018-06").address("拱墅区湖墅南路88号").json();

    let before = s.audit_len();
    let stranger = ApplicationBuilder::gongshu_employed().citizen_id("11010519491231002X").json();
    let (status, body) = s.post(&s.supervisor, &endorse, &json!({ "legal_date": "2018-06-01", "facts": stranger }));
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert_eq!(body["error"]["field"], "facts.identity.citizen_id", "{body}");
    let elsewhere = ApplicationBuilder::gongshu_employed().jurisdiction("330400").json();
    let (status, body) = s.post(&s.supervisor, &endorse, &json!({ "legal_date": "2018-06-01", "facts": elsewhere }));
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert_eq!(body["error"]["field"], "facts.jurisdiction", "{body}");
    let suspend = format!("/v1/permits/{number}/suspend");
    let (status, body) = s.post(&s.supervisor, &suspend, &json!({ "legal_date": "2018-06-01", "facts": current }));
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert_eq!(body["error"]["field"], "facts", "{body}");
    let mut impossible = current.clone();
    impossible["registrations"][0]["registered_on"] = json!("2017-02-30");
    let (status, body) = s.post(&s.supervisor, &endorse, &json!({ "legal_date": "2018-06-01", "facts": impossible }));
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert!(body["error"]["field"].as_str().unwrap().contains("registered_on"), "{body}");
    // The module checks the conditions afresh: insurance that stopped in May
    // no longer meets 二(一)2(1) in June, so the endorsement is not directed.
    let lapsed = ApplicationBuilder::gongshu_employed().insured_until("2018-05").json();
    let (status, body) = s.post(&s.supervisor, &endorse, &json!({ "legal_date": "2018-06-01", "facts": lapsed }));
    assert_eq!(status, Status::Conflict, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("employment.insured-in-application-month.not-met"),
        "{body}"
    );
    assert_eq!(s.audit_len(), before, "refused endorsements write nothing");
    let (_, unchanged) = s.get(&s.clerk, &format!("/v1/permits/{number}"));
    assert!(unchanged.get("fact_sets").is_none(), "{unchanged}");
    assert_eq!(unchanged["endorsements"], json!([]), "{unchanged}");

    let (status, endorsed) = s.post(&s.supervisor, &endorse, &json!({ "legal_date": "2018-06-01", "facts": current }));
    assert_eq!(status, Status::Ok, "{endorsed}");
    assert_eq!(endorsed["endorsements"], json!(["2018-06-01"]));
    assert_eq!(endorsed["fact_sets"][0]["as_of"], "2018-06-01", "{endorsed}");
    let recorded = &endorsed["fact_sets"][0]["facts"];
    assert_eq!(recorded["insurance"], current["insurance"], "the facts are recorded as given");
    assert_eq!(recorded["registrations"][0]["address"], "拱墅区湖墅南路88号");
    assert_eq!(endorsed["facts"]["insurance"][0]["to"], "2017-06", "the facts of issue stay as they were");
    assert_eq!(s.audit_len(), before + 1);
    let r = s.client.get("/v1/audit?after=0&limit=100").header(bearer(&s.supervisor)).dispatch();
    let entries: Value = r.into_json().unwrap();
    let last = entries.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "permit.endorse", "{last}");
    assert_eq!(last["details"]["facts_recorded"], true, "{last}");
    let (_, stored) = s.get(&s.clerk, &format!("/v1/permits/{number}"));
    assert_eq!(stored["fact_sets"], endorsed["fact_sets"], "read back as written");
}

/// A permit whose stored facts carry a flag contract 1.0 kept without a date
/// (`converted_to_local_hukou`): the 1.1 module cannot read it, so the
/// endorsement check names it and says what to do; once the holder's
/// current facts are recorded (dated events, no old flag), the warning goes.
#[test]
fn an_endorsement_check_over_an_undated_1_0_flag_warns_and_names_it() {
    let s = station();
    let (_, receipt) =
        s.post(&s.clerk, "/v1/applications", &json!({ "application": application(), "legal_date": "2017-06-15" }));
    let path = format!("/v1/decisions/{}/permit", receipt["decision_id"]);
    let (status, permit) = s.post(&s.supervisor, &path, &json!({ "issued_on": "2017-06-20" }));
    assert_eq!(status, Status::Created, "{permit}");
    let number = permit["number"].as_str().unwrap().to_string();
    let check = format!("/v1/permits/{number}/endorsement?legal_date=2018-06-01");
    let (status, clean) = s.get(&s.clerk, &check);
    assert_eq!(status, Status::Ok, "{clean}");
    assert_eq!(clean["undated"], json!([]), "{clean}");
    assert!(clean.get("warning").is_none(), "no warning without an old flag: {clean}");

    // The row as a 1.0-era build wrote it (an UPDATE stands in for the old row).
    s.service.with_store(|store| {
        store
            .conn()
            .execute(
                "UPDATE permits SET facts = json_set(facts, '$.converted_to_local_hukou', json('true')) WHERE number = ?1",
                [&number],
            )
            .unwrap()
    });
    let (status, flagged) = s.get(&s.clerk, &check);
    assert_eq!(status, Status::Ok, "{flagged}");
    assert_eq!(flagged["undated"], json!(["converted_to_local_hukou"]), "{flagged}");
    let warning = flagged["warning"].as_str().expect("a warning");
    assert!(
        warning.contains("converted_to_local_hukou") && warning.contains("ConvertedToLocalHukou"),
        "names the flag and the event to record: {warning}"
    );
    assert!(warning.contains(&format!("/v1/permits/{number}/endorse")), "says where: {warning}");
    assert_eq!(flagged["answer"], clean["answer"], "the module answered without the flag");

    // Current facts recorded at the endorsement replace the old set from that day.
    let current = ApplicationBuilder::gongshu_employed().insured_until("2018-06").json();
    let (status, endorsed) = s.post(
        &s.supervisor,
        &format!("/v1/permits/{number}/endorse"),
        &json!({ "legal_date": "2018-06-01", "facts": current }),
    );
    assert_eq!(status, Status::Ok, "{endorsed}");
    let (_, after) = s.get(&s.clerk, &check);
    assert_eq!(after["undated"], json!([]), "{after}");
    assert!(after.get("warning").is_none(), "{after}");
}

/// What-if for a holder (issue 10): the endorsement answer, services and
/// points of a permit not on record are exactly what the module answers for
/// the same permit once it is on record, and asking writes nothing.
#[test]
fn what_if_answers_for_a_supposed_permit_as_for_a_recorded_one_and_records_nothing() {
    let s = station();
    let before = s.audit_len();
    let supposed = json!({ "tier": "Standard", "issued_on": "2017-06-20", "endorsements": [] });
    let request = json!({ "application": application(), "permit": supposed, "legal_date": "2018-06-01" });
    let (status, what_if) = s.post(&s.clerk, "/v1/what-if", &request);
    assert_eq!(status, Status::Ok, "{what_if}");
    assert_eq!(s.audit_len(), before, "a what-if writes nothing");
    assert_eq!(what_if["legal_date"], "2018-06-01");
    assert_eq!(what_if["module"]["id"], "hangzhou-gongshu");
    assert!(what_if["endorsement"]["status"].get("WindowOpen").is_some(), "{}", what_if["endorsement"]);

    // The same permit, on record: the module's answers are the same.
    let (_, receipt) =
        s.post(&s.clerk, "/v1/applications", &json!({ "application": application(), "legal_date": "2017-06-15" }));
    let (_, permit) = s.post(
        &s.supervisor,
        &format!("/v1/decisions/{}/permit", receipt["decision_id"]),
        &json!({ "issued_on": "2017-06-20" }),
    );
    let number = permit["number"].as_str().unwrap();
    let (_, endorsement) = s.get(&s.clerk, &format!("/v1/permits/{number}/endorsement?legal_date=2018-06-01"));
    let (_, benefits) = s.get(&s.clerk, &format!("/v1/permits/{number}/benefits?legal_date=2018-06-01"));
    assert_eq!(what_if["endorsement"]["status"], endorsement["answer"]["status"], "{endorsement}");
    assert_eq!(what_if["services"], benefits["services"]);
    assert_eq!(what_if["points"], benefits["points"]);

    // A supposed permit is checked as a recorded one is.
    let mut bad = request.clone();
    bad["permit"]["issued_on"] = json!("2017-02-30");
    let (status, body) = s.post(&s.clerk, "/v1/what-if", &bad);
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert_eq!(body["error"]["field"], "permit.issued_on", "{body}");
    let mut unknown = request.clone();
    unknown["permit"]["number"] = json!("330105-2017-000001");
    let (status, body) = s.post(&s.clerk, "/v1/what-if", &unknown);
    assert!(status.code >= 400 && status.code < 500, "{status}: {body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("number"), "{body}");
}

/// A station serving a contract 1.0 module beside 1.1 ones (issue 10: "stored
/// decisions of 1.0 modules still verify and display"): its decision is
/// recorded in 1.1's shape with what the module did not state left unstated,
/// read back as written, and the audit chain with its record commitments
/// verifies after it and after 1.1 decisions alike.
#[test]
fn a_contract_1_0_modules_decision_is_recorded_read_back_and_verifies_beside_1_1_ones() {
    use juzhu_runtime::{Runtime, SandboxLimits, module_build};
    let root = workspace();
    let fixture =
        module_build::build(root, &root.join("tests/fixtures/contract-1-0-module"), &root.join("target/fixtures"))
            .expect("the 1.0 fixture builds");
    let runtime = Runtime::new(SandboxLimits::default(), None).unwrap();
    let mut set = juzhu_test_support::station::module_set(&runtime, &["hangzhou-gongshu"]);
    set.insert(runtime.load("contract-1-0-fixture", &std::fs::read(&fixture).unwrap()).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = juzhu_test_support::station::store_in(dir.path());
    let service = std::sync::Arc::new(juzhu_station::service::Service::new(runtime, set, store).unwrap());
    let s = Station::serve(service.clone());

    let (_, jurisdictions) = s.get(&s.clerk, "/v1/jurisdictions");
    let old = jurisdictions.as_array().unwrap().iter().find(|j| j["division"] == "999998").expect("served");
    assert_eq!(old["contract_version"], "1.0.0", "{old}");

    let before = s.audit_len();
    let mut case = application();
    case["jurisdiction"] = json!("999998");
    let (status, receipt) =
        s.post(&s.clerk, "/v1/applications", &json!({ "application": case, "legal_date": "2017-06-15" }));
    assert_eq!(status, Status::Created, "{receipt}");
    assert_eq!(receipt["outcome"], "Eligible");
    assert_eq!(receipt["module"]["id"], "contract-1-0-fixture");
    let (status, newer) =
        s.post(&s.clerk, "/v1/applications", &json!({ "application": application(), "legal_date": "2017-06-15" }));
    assert_eq!(status, Status::Created, "{newer}");

    let stored = service.with_store(|st| st.decision(receipt["decision_id"].as_i64().unwrap()).unwrap().unwrap());
    assert_eq!(stored.module.id, "contract-1-0-fixture");
    let reason = &stored.decision.reasons[0];
    assert_eq!(reason.code, "residence.registered");
    assert_eq!(reason.citation.document, "contract-1-0-fixture-doc");
    assert_eq!((reason.effect, reason.decisive), (None, None), "a 1.0 module states neither: left unstated");
    let stored_newer = service.with_store(|st| st.decision(newer["decision_id"].as_i64().unwrap()).unwrap().unwrap());
    assert!(stored_newer.decision.reasons.iter().all(|r| r.effect.is_some()), "1.1 reasons state their effect");
    // Both decisions' entries commit to their records, and the chain verifies.
    assert_eq!(s.audit_len(), before + 2);
}
