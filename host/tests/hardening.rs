//! Regression tests for what an outside probe broke (issue 15): each test is
//! named after its defect and failed before the fix.

use std::sync::{Arc, Barrier};

use juzhu_runtime::module_set::ModuleSet;
use juzhu_runtime::{Runtime, SandboxLimits};
use juzhu_station::auth::{self, Role};
use juzhu_station::http::{Limits, app};
use juzhu_station::service::Service;
use juzhu_store::Store;
use rocket::http::{Header, Status};
use rocket::local::blocking::Client;
use serde_json::{Value, json};

struct Station {
    client: Client,
    service: Arc<Service>,
    clerk: String,
    supervisor: String,
    _dir: tempfile::TempDir,
}

fn station() -> Station {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("juzhu.db")).unwrap();
    let clerk = auth::create(&mut store, "test", "clerk-li", Role::Clerk).unwrap();
    let supervisor = auth::create(&mut store, "test", "supervisor-wang", Role::Supervisor).unwrap();
    let runtime = Runtime::new(SandboxLimits::default(), None).unwrap();
    let mut set = ModuleSet::default();
    let path = juzhu_test_support::component("hangzhou-gongshu");
    set.insert(runtime.load(&path.display().to_string(), &std::fs::read(&path).unwrap()).unwrap()).unwrap();
    let service = Arc::new(Service::new(runtime, set, store).unwrap());
    let figment = rocket::Config::figment().merge(("log_level", "off"));
    let client = Client::tracked(app(service.clone(), Limits { max_body_bytes: 64 * 1024 }, figment)).unwrap();
    Station { client, service, clerk, supervisor, _dir: dir }
}

fn bearer(token: &str) -> Header<'static> {
    Header::new("Authorization", format!("Bearer {token}"))
}

/// A Gongshu applicant eligible on 2017-06-15 through employment, insured
/// through 2018-07 (so a late endorsement in July 2018 is allowed).
fn application() -> Value {
    juzhu_test_support::ApplicationBuilder::gongshu_employed().insured_until("2018-07").json()
}

fn post_raw(s: &Station, token: &str, path: &str, body: &str) -> (Status, Value) {
    let r = s.client.post(path).header(bearer(token)).body(body).dispatch();
    let status = r.status();
    (status, r.into_json().unwrap_or(Value::Null))
}

fn post(s: &Station, token: &str, path: &str, body: &Value) -> (Status, Value) {
    post_raw(s, token, path, &body.to_string())
}

fn audit_len(s: &Station) -> usize {
    s.service.with_store(|st| st.verify_audit().unwrap())
}

/// A decision for the sample applicant on 2017-06-15.
fn decision(s: &Station) -> i64 {
    let (status, receipt) =
        post(s, &s.clerk, "/v1/applications", &json!({ "application": application(), "legal_date": "2017-06-15" }));
    assert_eq!(status, Status::Created, "{receipt}");
    receipt["decision_id"].as_i64().unwrap()
}

/// A permit issued on 2017-06-20: its first endorsement window is
/// 2018-05-20 to 2018-06-20, and use is suspended from 2018-06-21.
fn permit(s: &Station) -> String {
    let id = decision(s);
    let (status, p) =
        post(s, &s.supervisor, &format!("/v1/decisions/{id}/permit"), &json!({ "issued_on": "2017-06-20" }));
    assert_eq!(status, Status::Created, "{p}");
    p["number"].as_str().unwrap().to_string()
}

fn act(s: &Station, number: &str, action: &str, date: &str) -> (Status, Value) {
    post(s, &s.supervisor, &format!("/v1/permits/{number}/{action}"), &json!({ "legal_date": date }))
}

#[test]
fn bearer_scheme_in_any_case_is_accepted() {
    let s = station();
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let r = s
            .client
            .get("/v1/jurisdictions")
            .header(Header::new("Authorization", format!("{scheme} {}", s.clerk)))
            .dispatch();
        assert_eq!(r.status(), Status::Ok, "scheme `{scheme}`");
    }
    let r =
        s.client.get("/v1/jurisdictions").header(Header::new("Authorization", format!("Basic {}", s.clerk))).dispatch();
    assert_eq!(r.status(), Status::Unauthorized, "another scheme is still refused");
}

#[test]
fn json_array_where_an_object_is_expected_is_refused_and_writes_nothing() {
    let s = station();
    let id = decision(&s);
    let number = permit(&s);
    let before = audit_len(&s);
    let cases = [
        (format!("/v1/decisions/{id}/permit"), "[]"),
        (format!("/v1/permits/{number}/suspend"), "[]"),
        (format!("/v1/permits/{number}/endorse"), "[\"2018-06-01\"]"),
        ("/v1/evaluate".to_string(), "[]"),
        ("/v1/applications".to_string(), "\"text\""),
    ];
    for (path, body) in &cases {
        let (status, err) = post_raw(&s, &s.supervisor, path, body);
        assert_eq!(status, Status::UnprocessableEntity, "{path} {body}: {err}");
        assert_eq!(err["error"]["code"], "not_an_object", "{err}");
        assert!(err["error"]["message"].as_str().unwrap().contains("must be a JSON object"), "{err}");
    }
    // A body is required where the route says so; an absent one is refused.
    let (status, err) = post_raw(&s, &s.clerk, "/v1/evaluate", "");
    assert_eq!(status, Status::UnprocessableEntity, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("got no body"), "{err}");
    assert_eq!(audit_len(&s), before, "refused bodies wrote nothing");
}

#[test]
fn issued_on_after_today_in_the_jurisdiction_is_refused_with_422() {
    let s = station();
    let id = decision(&s);
    let before = audit_len(&s);
    let tomorrow =
        jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap()).date().tomorrow().unwrap();
    for future in ["9999-12-31".to_string(), tomorrow.to_string()] {
        let (status, err) =
            post(&s, &s.supervisor, &format!("/v1/decisions/{id}/permit"), &json!({ "issued_on": future }));
        assert_eq!(status, Status::UnprocessableEntity, "{future}: {err}");
        assert_eq!(err["error"]["field"], "issued_on", "{err}");
        assert!(err["error"]["message"].as_str().unwrap().contains("in the future"), "{err}");
    }
    assert_eq!(audit_len(&s), before, "nothing was issued");
    let (status, p) =
        post(&s, &s.supervisor, &format!("/v1/decisions/{id}/permit"), &json!({ "issued_on": "2017-06-20" }));
    assert_eq!(status, Status::Created, "{p}");
}

#[test]
fn extreme_legal_date_is_refused_with_422_naming_legal_date_not_a_trap() {
    let s = station();
    let number = permit(&s);
    let before = audit_len(&s);
    for date in ["9999-12-31", "0000-01-01", "1000-01-01", "2200-01-01"] {
        for path in ["/v1/evaluate", "/v1/applications"] {
            let (status, err) = post(&s, &s.clerk, path, &json!({ "application": application(), "legal_date": date }));
            assert_eq!(status, Status::UnprocessableEntity, "{path} {date}: {err}");
            assert_eq!(err["error"]["field"], "legal_date", "{err}");
        }
        for path in [
            format!("/v1/permits/{number}/endorsement?legal_date={date}"),
            format!("/v1/permits/{number}/benefits?legal_date={date}"),
        ] {
            let r = s.client.get(path.as_str()).header(bearer(&s.clerk)).dispatch();
            let status = r.status();
            let text = r.into_string().unwrap_or_default();
            assert!(status.code == 422, "{path}: {status} {text}");
            assert!(!text.contains("backtrace"), "{text}");
        }
    }
    assert_eq!(audit_len(&s), before);
}

#[test]
fn stale_transition_is_refused_with_409_naming_the_last_transition() {
    let s = station();
    let number = permit(&s);
    assert_eq!(act(&s, &number, "suspend", "2018-07-01").0, Status::Ok);
    // A backdated (on-time) endorsement after the later suspension.
    let before = audit_len(&s);
    let (status, err) = act(&s, &number, "endorse", "2018-06-10");
    assert_eq!(status, Status::Conflict, "{err}");
    assert_eq!(err["error"]["code"], "stale_transition", "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("last transition was suspend on 2018-07-01"), "{err}");
    assert_eq!(audit_len(&s), before, "a stale request writes nothing");

    let (status, p) = act(&s, &number, "endorse", "2018-07-10");
    assert_eq!(status, Status::Ok, "{p}");
    let (status, p) = act(&s, &number, "restore", "2018-07-10");
    assert_eq!(status, Status::Ok, "{p}");
    assert_eq!(p["last_transition"], json!({ "transition": "restore", "legal_date": "2018-07-10" }));
    // The suspension replayed, as often as it is sent.
    for _ in 0..3 {
        let (status, err) = act(&s, &number, "suspend", "2018-07-01");
        assert_eq!(status, Status::Conflict, "{err}");
        assert!(
            err["error"]["message"].as_str().unwrap().contains("last transition was restore on 2018-07-10"),
            "{err}"
        );
    }
    let r = s.client.get(format!("/v1/permits/{number}")).header(bearer(&s.clerk)).dispatch();
    assert_eq!(r.into_json::<Value>().unwrap()["state"], "active");
}

#[test]
fn racing_on_time_endorse_and_overdue_suspend_never_both_succeed() {
    let s = station();
    for round in 0..24 {
        let number = permit(&s);
        let barrier = Arc::new(Barrier::new(2));
        let run = |action: juzhu_domain::Transition, date: &'static str| {
            let (service, barrier, number) = (s.service.clone(), barrier.clone(), number.clone());
            std::thread::spawn(move || {
                barrier.wait();
                service.act("supervisor-wang", &number, action, Some(date.into())).is_ok()
            })
        };
        let endorse = run(juzhu_domain::Transition::Endorse, "2018-06-10");
        let suspend = run(juzhu_domain::Transition::Suspend, "2018-07-01");
        let (endorsed, suspended) = (endorse.join().unwrap(), suspend.join().unwrap());
        assert!(endorsed ^ suspended, "round {round}: endorsed {endorsed}, suspended {suspended}: exactly one may win");
        let p = s.service.permit_record(&number).unwrap();
        assert_eq!(p.state == juzhu_store::lifecycle::PermitState::Suspended, suspended, "round {round}");
        assert_eq!(p.endorsements.is_empty(), !endorsed, "round {round}");
    }
}

#[test]
fn compiled_cache_file_swapped_under_data_compiled_is_not_loaded_as_native_code() {
    let dir = tempfile::tempdir().unwrap();
    let compiled = dir.path().join("compiled");
    let cwasm = |dir: &std::path::Path| -> Vec<std::path::PathBuf> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
            .collect();
        files.sort();
        files
    };
    let gongshu = juzhu_test_support::component_bytes("hangzhou-gongshu");
    let zhejiang = juzhu_test_support::component_bytes("zhejiang");
    let (gongshu_file, zhejiang_file) = {
        let runtime = Runtime::new(SandboxLimits::default(), Some(compiled.clone())).unwrap();
        runtime.load("gongshu", &gongshu).unwrap();
        let before = cwasm(&compiled);
        runtime.load("zhejiang", &zhejiang).unwrap();
        let after = cwasm(&compiled);
        let z = after.iter().find(|p| !before.contains(p)).unwrap().clone();
        (before[0].clone(), z)
    };
    // Someone with write access to data/compiled/ swaps Gongshu's entry.
    std::fs::copy(&zhejiang_file, &gongshu_file).unwrap();
    let runtime = Runtime::new(SandboxLimits::default(), Some(compiled.clone())).unwrap();
    let module = runtime.load("gongshu", &gongshu).unwrap();
    assert_eq!(module.info().id, "hangzhou-gongshu", "the swapped native code was loaded");
    assert_eq!(module.info().jurisdiction, "330105");
    assert_ne!(std::fs::read(&gongshu_file).unwrap(), std::fs::read(&zhejiang_file).unwrap(), "recompiled");
    // The recompiled entry is trusted again on the next start.
    drop(runtime);
    let runtime = Runtime::new(SandboxLimits::default(), Some(compiled)).unwrap();
    assert_eq!(runtime.load("gongshu", &gongshu).unwrap().info().id, "hangzhou-gongshu");
}

#[test]
fn district_whose_certified_module_cannot_load_refuses_its_cases_and_never_falls_back_to_the_province() {
    use juzhu_registry::fixture::{Fixture, describe, stand_in_module};
    use juzhu_registry::repo::ModuleDescription;
    let zhejiang = juzhu_test_support::component_bytes("zhejiang");
    let info =
        Runtime::new(SandboxLimits::default(), None).unwrap().load("zhejiang", &zhejiang).unwrap().info().clone();
    let provincial = ModuleDescription {
        module_id: info.id.clone(),
        version: info.version.clone(),
        contract_version: info.contract_version.clone(),
    };
    // Gongshu's certified module is signed by its district and the
    // certification role, but is not a component the station can load.
    let f = Fixture::builder()
        .district("330105")
        .district("330000")
        .time_zone(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .certified("330000", provincial, zhejiang, 50)
        .certified("330105", describe("hangzhou-gongshu", "1.0.0"), stand_in_module("gongshu"), 101)
        .build()
        .unwrap();
    let service = juzhu_station::server::build(&juzhu_test_support::registry::station_config(&f)).unwrap().0;
    let typed: juzhu_runtime::contract::types::Application = serde_json::from_value(application()).unwrap();
    let err = service.evaluate(&typed, Some("2017-06-15".into())).expect_err("not decided by the province");
    assert!(matches!(err, juzhu_station::service::ServiceError::ModuleUnavailable(_)), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("330105") && message.contains("cannot be loaded"), "{message}");
    assert!(message.contains("not a WebAssembly component"), "says why: {message}");
    // Over HTTP: a clear 503 naming the district, nothing written.
    let figment = rocket::Config::figment().merge(("log_level", "off"));
    let client = Client::tracked(app(service.clone(), Limits { max_body_bytes: 64 * 1024 }, figment)).unwrap();
    let clerk = service.with_store(|st| auth::create(st, "test", "clerk-li", Role::Clerk)).unwrap();
    let r = client
        .post("/v1/applications")
        .header(bearer(&clerk))
        .body(json!({ "application": application(), "legal_date": "2017-06-15" }).to_string())
        .dispatch();
    assert_eq!(r.status(), Status::ServiceUnavailable);
    let body: Value = r.into_json().unwrap();
    assert_eq!(body["error"]["code"], "module_unavailable", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("330105"), "{body}");
}

/// A station file for `juzhu serve` on loopback `port` over `data`, serving
/// Gongshu's component; returns its path.
fn station_file(dir: &std::path::Path, port: u16) -> std::path::PathBuf {
    let modules = dir.join("modules");
    std::fs::create_dir_all(&modules).unwrap();
    std::fs::copy(juzhu_test_support::component("hangzhou-gongshu"), modules.join("hangzhou-gongshu.wasm")).unwrap();
    let config = dir.join("station.toml");
    let text = format!(
        "listen = \"127.0.0.1:{port}\"\ndata_dir = \"{}\"\n[modules]\ndir = \"{}\"\n",
        dir.join("data").display(),
        modules.display()
    );
    std::fs::write(&config, text).unwrap();
    config
}

/// `juzhu serve` until it prints its admin token (a new station) or exits;
/// returns the token, or the exit's stderr.
fn serve_until_token(config: &std::path::Path, extra: &[&str]) -> Result<String, String> {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_juzhu"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let token = stdout
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.split_whitespace().find(|w| w.starts_with("jz_")).map(String::from));
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    token.ok_or_else(|| String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn zero_byte_or_missing_database_beside_an_earlier_station_is_refused_unless_init() {
    let dir = tempfile::tempdir().unwrap();
    let config = station_file(dir.path(), 0);
    // The first start on an empty data directory creates the station.
    serve_until_token(&config, &[]).expect("the first start creates a station");
    let data = dir.path().join("data");
    assert!(data.join("compiled").is_dir(), "the earlier station left its compiled cache");
    let db = data.join("juzhu.db");
    for (state, lose) in [("empty (0 bytes)", true), ("missing", false)] {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        if lose {
            std::fs::write(&db, b"").unwrap();
        }
        let err = serve_until_token(&config, &[]).expect_err("a lost database is not a new station");
        assert!(err.contains(&format!("the database {} is {state}", db.display())), "{err}");
        assert!(err.contains("compiled/ (the compiled-code cache)"), "says what it found: {err}");
        assert!(err.contains("juzhu serve --init"), "says how to proceed: {err}");
        assert!(!db.exists() || std::fs::metadata(&db).unwrap().len() == 0, "nothing was created");
    }
    // Creating a new station there is explicit.
    serve_until_token(&config, &["--init"]).expect("--init creates a new station");
    assert!(std::fs::metadata(&db).unwrap().len() > 0);
}
