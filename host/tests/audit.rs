//! `juzhu audit verify` against each attack on the audit log by someone who
//! holds the database file (and drops the append-only triggers): a truncated
//! tail, an edited record, a deleted middle entry, and a forged or altered
//! checkpoint.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use juzhu_runtime::contract::types::{Application, Decision, Outcome, PermitTier};
use juzhu_station::auth::{self, Role};
use juzhu_station::checkpoint::{self, Checkpoint, Checkpointer};
use juzhu_station::config::StationConfig;
use juzhu_store::Store;
use juzhu_store::lifecycle::{self, ModuleRef, Submission};
use rusqlite::Connection;

struct Station {
    dir: tempfile::TempDir,
    config_file: PathBuf,
    config: StationConfig,
}

impl Station {
    fn db(&self) -> PathBuf {
        self.config.data_dir.join(juzhu_station::server::DATABASE)
    }

    fn verify(&self, extra: &[&str]) -> Output {
        let mut args = vec!["audit", "verify", "--config", self.config_file.to_str().unwrap()];
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_juzhu")).args(&args).output().expect("run juzhu")
    }

    /// The attacker's connection, with the append-only triggers dropped.
    fn attacker(&self) -> Connection {
        let conn = Connection::open(self.db()).unwrap();
        conn.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;").unwrap();
        conn
    }
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn legal(text: &str) -> juzhu_domain::LegalDate {
    juzhu_domain::parse_legal_date("legal_date", text).unwrap()
}

/// A station with 5 entries (two tokens, a decision, a permit, a token) and a
/// checkpoint signed at seq 5; `audit verify` passes on it.
fn station() -> Station {
    let dir = tempfile::tempdir().unwrap();
    let config_file = dir.path().join("station.toml");
    std::fs::write(
        &config_file,
        format!("data_dir = {:?}\n[audit]\nstation_name = \"test-hall\"\n", dir.path().join("data")),
    )
    .unwrap();
    let config = StationConfig::load(&config_file).unwrap();
    std::fs::create_dir_all(&config.data_dir).unwrap();
    let s = Station { dir, config_file, config };
    let mut store = Store::open(s.db()).unwrap();
    auth::create(&mut store, "system", "admin", Role::Admin).unwrap();
    auth::create(&mut store, "admin", "clerk-li", Role::Clerk).unwrap();
    let app: Application = serde_json::from_value(serde_json::json!({
        "jurisdiction": "330105",
        "identity": { "name": "王伟", "citizen_id": "340102198503150012" },
        "registrations": [], "insurance": [], "employment": [], "housing": [], "schooling": [],
        "guardians": [], "special_statuses": [], "materials": [],
        "points": { "awards": [], "violations": [], "assigned": [] }
    }))
    .unwrap();
    let decision = Decision {
        outcome: Outcome::Eligible,
        tier: Some(PermitTier::Standard),
        reasons: vec![],
        routes: vec![],
        missing: vec![],
    };
    let module = ModuleRef { id: "hangzhou-gongshu".into(), version: "1.2.0".into(), sha256: "ab".repeat(32) };
    let submission =
        Submission { application: &app, legal_date: legal("2024-03-01"), decision: &decision, module: &module };
    let receipt = lifecycle::submit(&mut store, "clerk-li", submission).unwrap();
    lifecycle::issue(&mut store, "clerk-li", receipt.decision_id, legal("2024-03-02")).unwrap();
    auth::create(&mut store, "admin", "supervisor-wang", Role::Supervisor).unwrap();
    let signer = Checkpointer::open(&s.config, &s.db(), store.conn()).unwrap();
    let cp = signer.sign_now(store.conn()).unwrap().expect("the head moved");
    assert_eq!(cp.seq, 5);
    assert!(signer.sign_now(store.conn()).unwrap().is_none(), "no new checkpoint without new entries");
    let ok = s.verify(&[]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("audit log intact: 5 entries"), "{}", text(&ok));
    assert!(text(&ok).contains("reaches the newest checkpoint: seq 5 signed by test-hall"), "{}", text(&ok));
    s
}

fn assert_fails(output: &Output, words: &[&str]) {
    assert!(!output.status.success(), "verify passed:\n{}", text(output));
    for w in words {
        assert!(text(output).contains(w), "missing {w:?} in:\n{}", text(output));
    }
}

#[test]
fn audit_verify_detects_a_truncated_tail() {
    let s = station();
    s.attacker().execute("DELETE FROM audit_log WHERE seq > 3", []).unwrap();
    // The shorter chain links up on its own…
    assert_eq!(juzhu_store::verify_audit(&Connection::open(s.db()).unwrap()).unwrap_or(0), 3);
    // …but not to the checkpoint.
    assert_fails(
        &s.verify(&[]),
        &["audit log truncated", "covers entries up to seq 5", "the log ends at seq 3", "were deleted"],
    );
    // Nor does the station start on it and sign over the truncation.
    let conn = Connection::open(s.db()).unwrap();
    let err = Checkpointer::open(&s.config, &s.db(), &conn).err().expect("refused");
    assert!(err.to_string().contains("audit log truncated"), "{err}");
}

#[test]
fn audit_verify_detects_an_edited_record() {
    let s = station();
    s.attacker().execute("UPDATE decisions SET outcome = 'ineligible', tier = NULL WHERE id = 1", []).unwrap();
    assert_fails(&s.verify(&[]), &["decision 1 was edited or deleted behind the log's back", "seq 3"]);
}

#[test]
fn audit_verify_detects_a_deleted_middle_entry() {
    let s = station();
    s.attacker().execute("DELETE FROM audit_log WHERE seq = 2", []).unwrap();
    assert_fails(&s.verify(&[]), &["audit log breaks at seq 2", "deleted"]);
}

fn rewrite_log(s: &Station, edit: impl FnOnce(&mut Checkpoint)) -> PathBuf {
    let path = checkpoint::log_path(&s.db());
    let mut all = checkpoint::read_log(&path).unwrap();
    edit(all.last_mut().unwrap());
    let lines: Vec<String> = all.iter().map(|cp| serde_json::to_string(cp).unwrap() + "\n").collect();
    std::fs::write(&path, lines.concat()).unwrap();
    path
}

#[test]
fn audit_checkpoints_are_signed_and_a_forged_or_altered_one_is_refused() {
    let s = station();
    let key = checkpoint::read_key(&s.config.data_dir).unwrap().unwrap().verifying_key();
    let key_file = s.config.data_dir.join(checkpoint::KEY_FILE);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    let path = checkpoint::log_path(&s.db());
    let cp = checkpoint::read_log(&path).unwrap().pop().unwrap();
    cp.verify(&key).unwrap();
    // Copies kept elsewhere verify with the public key alone.
    let copy = s.dir.path().join("copy.jsonl");
    std::fs::copy(&path, &copy).unwrap();
    let ok = s.verify(&["--checkpoints", copy.to_str().unwrap(), "--public-key", &hex::encode(key.as_bytes())]);
    assert!(ok.status.success(), "{}", text(&ok));

    // Altered: a truncating attacker lowers the checkpoint's seq to match.
    rewrite_log(&s, |cp| cp.seq = 3);
    assert_fails(&s.verify(&[]), &["line 1 (seq 3) is refused", "altered or forged"]);

    // Forged: re-signed with the attacker's own key.
    let attacker = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    rewrite_log(&s, |cp| *cp = Checkpoint::sign(&attacker, &cp.station, 3, &cp.head, &cp.at));
    assert_fails(&s.verify(&[]), &["is refused", "not by this station's key", &hex::encode(key.as_bytes())]);

    // Not a checkpoint at all.
    std::fs::write(&path, "{\"seq\": 9}\n").unwrap();
    assert_fails(&s.verify(&[]), &["line 1", "expected one signed checkpoint object per line"]);
    // A bad --public-key is refused naming the flag.
    assert_fails(&s.verify(&["--public-key", "xyz"]), &["--public-key", "64 hex digits"]);
}

#[test]
fn a_station_signs_checkpoints_every_n_entries() {
    let s = station();
    let mut config = s.config.clone();
    config.audit.checkpoint_every_entries = 2;
    config.audit.checkpoint_every_secs = 3600;
    let mut store = Store::open(s.db()).unwrap();
    let signer = Checkpointer::open(&config, &s.db(), store.conn()).unwrap();
    auth::create(&mut store, "admin", "clerk-2", Role::Clerk).unwrap();
    assert!(signer.tick(store.conn()).unwrap().is_none(), "one entry is not yet due");
    auth::create(&mut store, "admin", "clerk-3", Role::Clerk).unwrap();
    assert_eq!(signer.tick(store.conn()).unwrap().map(|cp| cp.seq), Some(7));
    assert_eq!(checkpoint::read_log(&checkpoint::log_path(&s.db())).unwrap().len(), 2);
    assert!(Path::new(&checkpoint::log_path(&s.db())).exists());
}
