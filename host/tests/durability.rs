//! An acknowledged submission survives `kill -9` of the service.
//!
//! Runs the real `juzhu serve` binary on a loopback port, submits an
//! application, and as soon as the 201 arrives kills the process with SIGKILL.
//! The database reopened afterwards must hold the decision and an intact audit
//! chain.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use juzhu_test_support::process::{Killed, free_port, request};
use juzhu_test_support::{ApplicationBuilder, component, workspace};

#[test]
fn an_acknowledged_submission_survives_kill_9() {
    let modules = workspace().join("target/durability-modules");
    std::fs::create_dir_all(&modules).unwrap();
    std::fs::copy(component("hangzhou-gongshu"), modules.join("hangzhou-gongshu.wasm")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = dir.path().join("station.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndata_dir = \"{}\"\n[modules]\ndir = \"{}\"\n",
            dir.path().join("data").display(),
            modules.display()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_juzhu"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The first start prints the admin token, then that it is listening.
    let stdout = child.stdout.take().unwrap();
    let mut server = Killed(child);
    // Keep reading the server's output for its whole life: a closed pipe
    // would kill it at its next print.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(t) = line.split_whitespace().find(|w| w.starts_with("jz_")) {
                let _ = tx.send(t.to_string());
            }
        }
    });
    let token = rx.recv_timeout(Duration::from_secs(120)).expect("the first start prints an admin token");
    let deadline = Instant::now() + Duration::from_secs(60);
    while request(port, "GET", "/health", "", "").is_err() {
        assert!(Instant::now() < deadline, "juzhu serve did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }

    let application = serde_json::json!({
        "legal_date": "2017-06-15",
        "application": ApplicationBuilder::gongshu_employed().address("x").no_materials().json(),
    });
    let (status, body) = request(port, "POST", "/v1/applications", &token, &application.to_string()).unwrap();
    assert_eq!(status, 201, "{body}");
    // Acknowledged: now pull the plug. On Unix `Child::kill` is SIGKILL
    // (kill -9): no chance to flush or shut down.
    server.0.kill().unwrap();
    let exit = server.0.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(exit.signal(), Some(9), "the service died of SIGKILL");

    let receipt: serde_json::Value = serde_json::from_str(&body).unwrap();
    let decision_id = receipt["decision_id"].as_i64().unwrap();
    let store = juzhu_store::Store::open(dir.path().join("data/juzhu.db")).unwrap();
    let decision = store.decision(decision_id).unwrap().expect("the acknowledged decision is in the database");
    assert_eq!(decision.legal_date, "2017-06-15");
    assert_eq!(decision.module.id, "hangzhou-gongshu");
    let entries = store.verify_audit().expect("the audit chain is intact after kill -9");
    assert!(entries >= 2, "token creation and the submission are audited: {entries}");
}
