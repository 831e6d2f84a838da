//! A full disk (issue 14): the store at its size cap refuses a write whole.
//! The station answers 507 naming what to do, records nothing of the refused
//! request, keeps everything it acknowledged, and takes writes again once
//! there is room. The cap is SQLite's own `max_page_count`, so the refusal is
//! SQLite's real `SQLITE_FULL`, the error a full filesystem gives.

use std::sync::Arc;

use juzhu_store::db::Db;
use juzhu_test_support::station::{Station, service, store_in};
use rocket::http::Status;
use serde_json::{Value, json};

fn submission(n: usize) -> Value {
    let mut application = juzhu_test_support::ApplicationBuilder::gongshu_employed().json();
    // Distinct applicants, so every submission is a new record.
    application["identity"]["name"] = json!(format!("申请人{n}"));
    json!({ "legal_date": "2017-06-15", "application": application })
}

fn decisions(s: &Station) -> u32 {
    s.service.decision_stats().unwrap().iter().map(|j| j.total).sum()
}

#[test]
fn a_full_store_refuses_the_write_whole_and_takes_writes_again_when_there_is_room() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    let station = Station::serve(Arc::new(service(store, &["hangzhou-gongshu"])));
    // A cap just above the fresh store: a few submissions fit, then none.
    let fresh: u64 = station.service.with_store(|st| {
        st.query_one("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()", &[])
            .unwrap()
            .int(0)
            .unwrap() as u64
    });
    station.service.with_store(|st| st.cap_size(fresh + 64 * 1024).unwrap());

    let mut acknowledged = Vec::new();
    let refused = loop {
        assert!(acknowledged.len() < 500, "the cap never filled");
        let (status, body) = station.post(&station.clerk, "/v1/applications", &submission(acknowledged.len()));
        if status != Status::Created {
            break (status, body);
        }
        acknowledged.push(body["decision_id"].as_i64().unwrap());
    };
    assert!(!acknowledged.is_empty(), "some submissions fit under the cap");
    let (status, body) = refused;
    assert_eq!(status, Status::InsufficientStorage, "{body}");
    assert_eq!(body["error"]["code"], "store_full", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("nothing of it was recorded") && message.contains("free space"), "{message}");

    // Nothing of the refused request; everything acknowledged; the trail whole.
    let entries = station.audit_len();
    assert_eq!(decisions(&station) as usize, acknowledged.len());
    for id in &acknowledged {
        let record = station.service.with_store(|st| st.decision(*id).unwrap());
        assert!(record.is_some(), "acknowledged decision {id} is on record");
    }
    // Reading and deciding without recording still work.
    let (status, _) = station.post(&station.clerk, "/v1/evaluate", &submission(9_999));
    assert_eq!(status, Status::Ok);
    // Refused again, still nothing written.
    let (status, _) = station.post(&station.clerk, "/v1/applications", &submission(10_000));
    assert_eq!(status, Status::InsufficientStorage);
    assert_eq!(station.audit_len(), entries);

    // Room again: the same request is taken.
    station.service.with_store(|st| st.cap_size(1 << 30).unwrap());
    let (status, body) = station.post(&station.clerk, "/v1/applications", &submission(10_000));
    assert_eq!(status, Status::Created, "{body}");
    assert_eq!(decisions(&station) as usize, acknowledged.len() + 1);
    assert!(station.audit_len() > entries);
}

#[test]
fn a_size_cap_is_refused_for_postgres_and_zero_naming_the_key() {
    let parse =
        |text: &str| juzhu_station::config::StationConfig::from_toml_str(text, "station.toml").unwrap_err().to_string();
    let e = parse("[store]\nmax_size_mib = 0\n");
    assert!(e.contains("store.max_size_mib") && e.contains("at least 1"), "{e}");
    let e = parse("[store]\nurl = \"postgres://u:p@h:5432/db\"\nmax_size_mib = 10\n");
    assert!(e.contains("store.max_size_mib") && e.contains("SQLite store only"), "{e}");
}

/// The value of the sample `name` (no labels) in the metrics text.
fn sample(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no {name} in:\n{metrics}"))
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn commit_latency_batch_sizes_and_waiting_writers_are_on_metrics() {
    let station = Station::new(&["hangzhou-gongshu"]);
    // Six writers at once, through the service the HTTP handlers call.
    std::thread::scope(|scope| {
        for n in 0..6 {
            let service = station.service.clone();
            scope.spawn(move || {
                let application = serde_json::from_value(submission(n)["application"].clone()).unwrap();
                service.submit("clerk-li", &application, Some("2017-06-15".into())).unwrap();
            });
        }
    });
    let metrics = station.service.metrics().encode();
    assert_eq!(sample(&metrics, "juzhu_store_batch_writes_sum"), 6.0, "every write was committed in some batch");
    let batches = sample(&metrics, "juzhu_store_commit_duration_seconds_count");
    assert!((1.0..=6.0).contains(&batches), "{batches} commits for 6 writes");
    assert!(sample(&metrics, "juzhu_store_commit_duration_seconds_sum") > 0.0);
    assert_eq!(sample(&metrics, "juzhu_store_waiting"), 0.0, "no writer waits at rest");
    assert_eq!(sample(&metrics, "juzhu_store_commit_failures_total"), 0.0);
}
