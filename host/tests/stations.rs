//! Two `juzhu serve` processes on one PostgreSQL database (a real server,
//! `juzhu_test_support::postgres`): a permit issued through one is read and
//! suspended through either; both suspend one permit at once and exactly one
//! wins, the other told the state it is in;
//! `kill -9` of one during a burst of submissions loses nothing acknowledged
//! and the one audit trail verifies.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use juzhu_test_support::postgres::PgServer;
use juzhu_test_support::process::{free_port, request_json as request};
use juzhu_test_support::{ApplicationBuilder, component, workspace};
use serde_json::{Value, json};

/// A `juzhu serve` process, killed with SIGKILL on drop.
struct Serve {
    child: Child,
    port: u16,
    /// The admin token, if this start created it.
    token: Option<String>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn modules_dir() -> std::path::PathBuf {
    let modules = workspace().join("target/stations-modules");
    std::fs::create_dir_all(&modules).unwrap();
    std::fs::copy(component("hangzhou-gongshu"), modules.join("hangzhou-gongshu.wasm")).unwrap();
    modules
}

fn serve(dir: &Path, name: &str, url: &str, modules: &Path) -> Serve {
    let port = free_port();
    let data = dir.join(name);
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndata_dir = \"{}\"\n[modules]\ndir = \"{}\"\n[audit]\nstation_name = \"{name}\"\n[store]\nurl = \"{url}\"\n",
            data.display(),
            modules.display()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_juzhu"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join(format!("{name}.log"))).unwrap())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    // Read the output for the process's whole life: a closed pipe would kill
    // it at its next print.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(t) = line.split_whitespace().find(|w| w.starts_with("jz_")) {
                let _ = tx.send(t.to_string());
            }
        }
    });
    let mut serve = Serve { child, port, token: None };
    let deadline = Instant::now() + Duration::from_secs(120);
    while request(port, "GET", "/health", "", "").is_err() {
        assert!(Instant::now() < deadline, "juzhu serve ({name}) did not come up");
        assert!(serve.child.try_wait().unwrap().is_none(), "juzhu serve ({name}) exited");
        std::thread::sleep(Duration::from_millis(100));
    }
    serve.token = rx.try_recv().ok();
    serve
}

/// The first string value under `key` anywhere in `v`.
fn find_key(v: &Value, key: &str) -> Option<String> {
    match v {
        Value::Object(map) => map
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| map.values().find_map(|v| find_key(v, key))),
        Value::Array(items) => items.iter().find_map(|v| find_key(v, key)),
        _ => None,
    }
}

fn application() -> String {
    json!({ "legal_date": "2017-06-15", "application": ApplicationBuilder::gongshu_employed().json() }).to_string()
}

fn verify_trail(url: &str) -> usize {
    let store = juzhu_store::Store::connect(&juzhu_store::Location::Postgres {
        url: url.to_string(),
        files: std::path::PathBuf::from("/nonexistent/juzhu.db"),
    })
    .unwrap();
    store.verify_audit().expect("the one audit trail verifies")
}

#[test]
fn a_permit_issued_at_one_station_is_seen_and_moved_at_the_other_and_one_of_two_racing_suspensions_wins() {
    let pg = PgServer::start();
    let url = pg.database();
    let dir = tempfile::tempdir().unwrap();
    let modules = modules_dir();
    let a = serve(dir.path(), "hall-a", &url, &modules);
    let token = a.token.clone().expect("the first station on a new database prints the admin token");
    let b = serve(dir.path(), "hall-b", &url, &modules);
    assert_eq!(b.token, None, "the second station finds the admin token the first made");

    let (status, receipt) = request(a.port, "POST", "/v1/applications", &token, &application()).unwrap();
    assert_eq!(status, 201, "{receipt}");
    let decision = receipt["decision_id"].as_i64().unwrap();
    let (status, permit) =
        request(b.port, "POST", &format!("/v1/decisions/{decision}/permit"), &token, r#"{"issued_on":"2017-06-20"}"#)
            .unwrap();
    assert_eq!(status, 201, "{permit}");
    let number = permit["number"].as_str().unwrap().to_string();

    // Decided at A, issued at B: A sees the permit B issued.
    let (status, seen) = request(a.port, "GET", &format!("/v1/permits/{number}"), &token, "").unwrap();
    assert_eq!((status, seen["state"].as_str()), (200, Some("active")), "{seen}");

    // The first day the module says the permit is overdue and suspended
    // (this holder's facts never allow an endorsement), by its own answer.
    let mut overdue = None;
    'search: for year in 2018..=2020 {
        for month in ["06-25", "07-15", "09-01"] {
            let date = format!("{year}-{month}");
            let (status, answer) =
                request(b.port, "GET", &format!("/v1/permits/{number}/endorsement?legal_date={date}"), &token, "")
                    .unwrap();
            assert_eq!(status, 200, "{answer}");
            if find_key(&answer, "since").is_some() {
                overdue = Some(date);
                break 'search;
            }
        }
    }
    let overdue = overdue.expect("the module suspends an unendorsed permit");

    // Both stations suspend it at once: one wins, the other gets 409 naming
    // the state the winner left.
    let barrier = Arc::new(Barrier::new(2));
    let suspend = |port: u16| {
        let (barrier, token, number, date) = (barrier.clone(), token.clone(), number.clone(), overdue.clone());
        std::thread::spawn(move || {
            barrier.wait();
            let body = json!({ "legal_date": date }).to_string();
            request(port, "POST", &format!("/v1/permits/{number}/suspend"), &token, &body).unwrap()
        })
    };
    let (at_a, at_b) = (suspend(a.port), suspend(b.port));
    let results = [at_a.join().unwrap(), at_b.join().unwrap()];
    let statuses: Vec<u16> = results.iter().map(|r| r.0).collect();
    assert!(statuses.contains(&200) && statuses.contains(&409), "one wins, one conflicts: {results:?}");
    let lost = &results.iter().find(|r| r.0 == 409).unwrap().1;
    assert_eq!(lost["error"]["code"], "illegal_transition", "{lost}");
    assert!(lost["error"]["message"].as_str().unwrap().contains("it is suspended"), "{lost}");

    let (_, after) = request(a.port, "GET", &format!("/v1/permits/{number}"), &token, "").unwrap();
    assert_eq!(after["state"], "suspended", "{after}");
    let (_, trail) = request(a.port, "GET", "/v1/audit?after=0&limit=100", &token, "").unwrap();
    let stations: Vec<&str> = trail.as_array().unwrap().iter().filter_map(|e| e["station"].as_str()).collect();
    assert!(stations.contains(&"hall-a") && stations.contains(&"hall-b"), "{stations:?}");
    assert_eq!(verify_trail(&url), trail.as_array().unwrap().len());
}

#[test]
fn kill_9_of_one_station_during_a_burst_loses_nothing_acknowledged() {
    let pg = PgServer::start();
    let url = pg.database();
    let dir = tempfile::tempdir().unwrap();
    let modules = modules_dir();
    let mut a = serve(dir.path(), "hall-a", &url, &modules);
    let token = a.token.clone().unwrap();
    let b = serve(dir.path(), "hall-b", &url, &modules);

    let burst = |port: u16, n: usize| {
        let token = token.clone();
        std::thread::spawn(move || {
            let mut acknowledged = Vec::new();
            for _ in 0..n {
                // Refused or cut off by the kill: not acknowledged, no promise.
                if let Ok((201, receipt)) = request(port, "POST", "/v1/applications", &token, &application()) {
                    acknowledged.push(receipt["decision_id"].as_i64().unwrap());
                }
            }
            acknowledged
        })
    };
    let at_a: Vec<_> = (0..4).map(|_| burst(a.port, 40)).collect();
    let at_b: Vec<_> = (0..2).map(|_| burst(b.port, 15)).collect();
    std::thread::sleep(Duration::from_millis(700));
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let mut acknowledged: Vec<i64> = at_a.into_iter().chain(at_b).flat_map(|t| t.join().unwrap()).collect();
    acknowledged.sort();
    assert!(acknowledged.len() >= 30, "the burst was acknowledged in part at least: {}", acknowledged.len());
    // Station B goes on serving after A died.
    let (status, receipt) = request(b.port, "POST", "/v1/applications", &token, &application()).unwrap();
    assert_eq!(status, 201, "{receipt}");
    acknowledged.push(receipt["decision_id"].as_i64().unwrap());
    let store = juzhu_store::Store::connect(&juzhu_store::Location::Postgres {
        url: url.clone(),
        files: std::path::PathBuf::from("/nonexistent/juzhu.db"),
    })
    .unwrap();
    for id in &acknowledged {
        assert!(store.decision(*id).unwrap().is_some(), "acknowledged decision {id} is in the database");
    }
    verify_trail(&url);
}

#[test]
fn the_database_stopped_and_restarted_under_load_gives_503s_then_recovers_without_a_restart() {
    let pg = PgServer::start();
    let url = pg.database();
    let dir = tempfile::tempdir().unwrap();
    let modules = modules_dir();
    let a = serve(dir.path(), "hall-a", &url, &modules);
    let token = a.token.clone().unwrap();
    let port = a.port;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Load throughout: every 201 is a promise the database must keep.
    let load = {
        let (stop, token) = (stop.clone(), token.clone());
        std::thread::spawn(move || {
            let (mut acknowledged, mut unavailable) = (Vec::new(), 0);
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                match request(port, "POST", "/v1/applications", &token, &application()) {
                    Ok((201, receipt)) => acknowledged.push(receipt["decision_id"].as_i64().unwrap()),
                    Ok((503, _)) => unavailable += 1,
                    Ok((status, body)) => panic!("neither committed nor unavailable: {status} {body}"),
                    Err(e) => panic!("the station stopped answering: {e}"),
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            (acknowledged, unavailable)
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    pg.stop();
    let (status, health) = request(port, "GET", "/health", "", "").unwrap();
    assert_eq!(status, 503, "{health}");
    assert_eq!(health["store"], "unreachable", "{health}");
    assert!(health["error"].as_str().unwrap().contains("cannot be reached"), "{health}");
    let (status, body) = request(port, "POST", "/v1/applications", &token, &application()).unwrap();
    assert_eq!(status, 503, "{body}");
    std::thread::sleep(Duration::from_millis(500));
    pg.start_again();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, health) = request(port, "GET", "/health", "", "").unwrap();
        if status == 200 {
            assert_eq!(health["store"], "reachable");
            break;
        }
        assert!(Instant::now() < deadline, "the station did not recover: {health}");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (acknowledged, unavailable) = load.join().unwrap();
    assert!(unavailable > 0, "submissions were refused with 503 while the database was down");
    let (status, body) = request(port, "POST", "/v1/applications", &token, &application()).unwrap();
    assert_eq!(status, 201, "service is back without restarting the station: {body}");
    let store = juzhu_store::Store::connect(&juzhu_store::Location::Postgres {
        url: url.clone(),
        files: std::path::PathBuf::from("/nonexistent/juzhu.db"),
    })
    .unwrap();
    for id in &acknowledged {
        assert!(store.decision(*id).unwrap().is_some(), "acknowledged decision {id} survived the database's stop");
    }
    verify_trail(&url);
}
