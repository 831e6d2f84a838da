//! Durability: an acknowledged submission survives a SIGKILL of the writer.
//!
//! `an_acknowledged_submission_survives_sigkill` re-executes this test
//! binary to run `durability_child_writer` (by its exact name) as the
//! process it kills.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use juzhu_runtime::contract::types::*;
use juzhu_store::Store;
use juzhu_store::lifecycle;

use common::{ACTOR, count, legal, submit};

const CHILD_DB: &str = "JUZHU_STORE_DURABILITY_DB";

/// Run only as the child of `an_acknowledged_submission_survives_sigkill`:
/// submits, prints the receipt, then keeps writing until it is killed.
#[test]
#[ignore = "child process of an_acknowledged_submission_survives_sigkill"]
fn durability_child_writer() {
    let Ok(path) = std::env::var(CHILD_DB) else {
        return;
    };
    let mut store = Store::open(&path).unwrap();
    let r = submit(&mut store, Outcome::Eligible, Some(PermitTier::Standard), "2024-03-01");
    // The acknowledgement: only printed after commit returned.
    let mut out = std::io::stdout().lock();
    writeln!(out, "ACK {} {}", r.decision_id, r.input_sha256).unwrap();
    out.flush().unwrap();
    drop(out);
    // Keep the writer busy so the kill lands mid-transaction.
    loop {
        let r = submit(&mut store, Outcome::Incomplete, None, "2024-03-02");
        let _ = lifecycle::issue(&mut store, ACTOR, r.decision_id, legal("2024-03-02"));
    }
}

#[cfg(unix)]
#[test]
fn an_acknowledged_submission_survives_sigkill() {
    use std::os::unix::process::ExitStatusExt;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juzhu.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["durability_child_writer", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_DB, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut ack = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        // libtest prints "test … ... " before the child's own output, on the same line.
        if let Some((_, rest)) = line.split_once("ACK ") {
            ack = Some(rest.to_string());
            break;
        }
    }
    // SIGKILL right after the acknowledgement: no destructors, no checkpoint.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    let ack = ack.expect("the child never acknowledged a submission");
    assert_eq!(status.signal(), Some(9), "the child was killed, not finished: {status:?}");

    let (id, sha) = ack.split_once(' ').unwrap();
    let store = Store::open(&path).unwrap();
    let rec = store.decision(id.parse().unwrap()).unwrap().expect("the acknowledged decision survived");
    assert_eq!(rec.outcome, Outcome::Eligible);
    assert_eq!(store.application(rec.application_id).unwrap().unwrap().input_sha256, sha);
    let check: String = store.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    // Every committed write came with its audit entry, and the chain holds.
    let entries = store.verify_audit().unwrap();
    assert_eq!(entries as i64, count(&store, "decisions"));
    assert!(entries >= 1);
}
