//! `juzhu store migrate --to postgres://…`: a SQLite station's record built
//! through the real service moves into a real PostgreSQL server with its
//! history; an interrupted run changes nothing and a second run completes
//! it; a run after that changes nothing and says so; the migrated station
//! serves the same permits, decisions and verifiable trail.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use juzhu_store::{Db, Location, Store};
use juzhu_test_support::postgres::PgServer;
use juzhu_test_support::process::{Killed, free_port, request_json};
use juzhu_test_support::{ApplicationBuilder, component};

/// One request; the status and the JSON body.
fn request(port: u16, method: &str, path: &str, token: &str, body: &str) -> (u16, Value) {
    request_json(port, method, path, token, body).unwrap()
}
use serde_json::{Value, json};

fn config(dir: &Path, name: &str, store: Option<&str>) -> (std::path::PathBuf, u16) {
    let modules = dir.join("modules");
    std::fs::create_dir_all(&modules).unwrap();
    std::fs::copy(component("hangzhou-gongshu"), modules.join("hangzhou-gongshu.wasm")).unwrap();
    let port = free_port();
    let path = dir.join(format!("{name}.toml"));
    let mut text = format!(
        "listen = \"127.0.0.1:{port}\"\ndata_dir = \"{}\"\n[modules]\ndir = \"{}\"\n[audit]\nstation_name = \"hall-a\"\n",
        dir.join("data").display(),
        modules.display()
    );
    if let Some(url) = store {
        text.push_str(&format!("[store]\nurl = \"{url}\"\n"));
    }
    std::fs::write(&path, text).unwrap();
    (path, port)
}

fn serve(config: &Path, port: u16) -> (Killed, Option<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_juzhu"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(t) = line.split_whitespace().find(|w| w.starts_with("jz_")) {
                let _ = tx.send(t.to_string());
            }
        }
    });
    let serve = Killed(child);
    let deadline = Instant::now() + Duration::from_secs(120);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "juzhu serve did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(200));
    (serve, rx.try_recv().ok())
}

fn juzhu(args: &[&str], fail_after: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_juzhu"));
    cmd.args(args);
    if let Some(f) = fail_after {
        cmd.env("JUZHU_MIGRATE_FAIL_AFTER", f);
    }
    cmd.output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn pg_count(url: &str, table: &str) -> i64 {
    let store = Store::connect(&Location::Postgres { url: url.into(), files: "/nonexistent/juzhu.db".into() }).unwrap();
    store.query_one(&format!("SELECT count(*) FROM {table}"), &[]).unwrap().int(0).unwrap()
}

#[test]
fn the_quick_start_record_moves_into_postgres_with_its_history_and_a_rerun_is_safe() {
    let pg = PgServer::start();
    let url = pg.database();
    let dir = tempfile::tempdir().unwrap();

    // A SQLite station, built through its API.
    let (sqlite_cfg, port) = config(dir.path(), "sqlite", None);
    let (station, token) = serve(&sqlite_cfg, port);
    let token = token.expect("the first start prints the admin token");
    let application =
        json!({ "legal_date": "2017-06-15", "application": ApplicationBuilder::gongshu_employed().json() }).to_string();
    let mut decisions = Vec::new();
    for _ in 0..3 {
        let (status, receipt) = request(port, "POST", "/v1/applications", &token, &application);
        assert_eq!(status, 201, "{receipt}");
        decisions.push(receipt["decision_id"].as_i64().unwrap());
    }
    let (status, permit) = request(
        port,
        "POST",
        &format!("/v1/decisions/{}/permit", decisions[0]),
        &token,
        r#"{"issued_on":"2017-06-20"}"#,
    );
    assert_eq!(status, 201, "{permit}");
    let number = permit["number"].as_str().unwrap().to_string();
    let (_, permit_before) = request(port, "GET", &format!("/v1/permits/{number}"), &token, "");
    let (_, trail_before) = request(port, "GET", "/v1/audit?after=0&limit=1000", &token, "");
    let trail_len = trail_before.as_array().unwrap().len();
    assert!(trail_len >= 5, "{trail_before}");

    // Refused while the station serves.
    let cfg = sqlite_cfg.to_str().unwrap();
    let out = juzhu(&["store", "migrate", "--to", &url, "--config", cfg], None);
    assert!(!out.status.success());
    assert!(text(&out).contains("stop it before migrating"), "{}", text(&out));
    drop(station);

    // Interrupted midway through the audit trail: nothing lands.
    let out = juzhu(&["store", "migrate", "--to", &url, "--config", cfg], Some("audit_log:2"));
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("nothing was changed"), "{}", text(&out));
    for table in ["applications", "decisions", "permits", "audit_log", "api_tokens"] {
        assert_eq!(pg_count(&url, table), 0, "the interrupted run left rows in {table}");
    }

    // Run again: completes and verifies.
    let out = juzhu(&["store", "migrate", "--to", &url, "--config", cfg], None);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(&format!("audit trail of {trail_len} entries verified")), "{}", text(&out));
    assert!(text(&out).contains("3 decisions") && text(&out).contains("1 permits"), "{}", text(&out));

    // And again: nothing changes, and it says so.
    let out = juzhu(&["store", "migrate", "--to", &url, "--config", cfg], None);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("nothing was changed"), "{}", text(&out));
    assert_eq!(pg_count(&url, "audit_log"), trail_len as i64);
    assert_eq!(pg_count(&url, "decisions"), 3);

    // The station on PostgreSQL: same permit, same decisions, same trail,
    // the same token; `juzhu audit verify` passes (against the SQLite
    // station's own signed checkpoints too), and new work continues the chain.
    let (pg_cfg, pg_port) = config(dir.path(), "pg", Some(&url));
    let verify = juzhu(&["audit", "verify", "--config", pg_cfg.to_str().unwrap()], None);
    assert!(verify.status.success(), "{}", text(&verify));
    assert!(text(&verify).contains(&format!("{trail_len} entries")), "{}", text(&verify));
    let (_station, new_token) = serve(&pg_cfg, pg_port);
    assert_eq!(new_token, None, "the migrated tokens are found; no new admin token");
    let (status, permit_after) = request(pg_port, "GET", &format!("/v1/permits/{number}"), &token, "");
    assert_eq!(status, 200, "{permit_after}");
    assert_eq!(permit_after, permit_before);
    let (_, trail_after) = request(pg_port, "GET", "/v1/audit?after=0&limit=1000", &token, "");
    assert_eq!(trail_after.as_array().unwrap()[..trail_len], trail_before.as_array().unwrap()[..]);
    let (status, receipt) = request(pg_port, "POST", "/v1/applications", &token, &application);
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(receipt["decision_id"].as_i64().unwrap(), decisions[2] + 1, "ids continue after the copied rows");
    let verify = juzhu(&["audit", "verify", "--config", pg_cfg.to_str().unwrap()], None);
    assert!(verify.status.success(), "{}", text(&verify));
}
