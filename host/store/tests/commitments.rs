//! Audit entries commit to the records they write (migration 6): a record
//! edited behind the log's back is named by `verify_audit`, and entries
//! written before the migration are verified as before and counted apart.

use juzhu_runtime::contract::types::{Application, Decision, Outcome, PermitTier};
use juzhu_store::audit::canonical_json;
use juzhu_store::lifecycle::{self, ModuleRef, Submission};
use juzhu_store::migrations::MIGRATIONS;
use juzhu_store::{AuditError, Store, verify_audit_report};
use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};

fn application() -> Application {
    serde_json::from_value(serde_json::json!({
        "jurisdiction": "330105",
        "identity": { "name": "王伟", "citizen_id": "340102198503150012" },
        "registrations": [], "insurance": [], "employment": [], "housing": [], "schooling": [],
        "guardians": [], "special_statuses": [], "materials": [],
        "points": { "awards": [], "violations": [], "assigned": [] }
    }))
    .unwrap()
}

fn legal(text: &str) -> juzhu_domain::LegalDate {
    juzhu_domain::parse_legal_date("legal_date", text).unwrap()
}

/// An application, its eligible decision and the permit it grants.
fn decided_and_issued(store: &mut Store) -> (i64, String) {
    let app = application();
    let decision = Decision {
        outcome: Outcome::Eligible,
        tier: Some(PermitTier::Standard),
        reasons: vec![],
        routes: vec![],
        missing: vec![],
    };
    let module = ModuleRef { id: "hangzhou-gongshu".into(), version: "1.2.0".into(), sha256: "ab".repeat(32) };
    let s = Submission { application: &app, legal_date: legal("2024-03-01"), decision: &decision, module: &module };
    let receipt = lifecycle::submit(store, "clerk-1", s).unwrap();
    let permit = lifecycle::issue(store, "clerk-1", receipt.decision_id, legal("2024-03-02")).unwrap();
    (receipt.decision_id, permit.number)
}

fn store_with_records() -> (tempfile::TempDir, Store, i64, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("juzhu.db")).unwrap();
    let (decision, permit) = decided_and_issued(&mut store);
    let report = store.verify_audit_report().unwrap();
    assert_eq!((report.entries, report.before_commitments, report.records), (2, 0, 3));
    (dir, store, decision, permit)
}

fn edited(sql: &str) -> AuditError {
    let (_dir, store, _, _) = store_with_records();
    store.conn().execute_batch(sql).unwrap();
    store.verify_audit_report().unwrap_err()
}

#[test]
fn an_edited_decision_is_named() {
    let err = edited("UPDATE decisions SET outcome = 'ineligible', tier = NULL WHERE id = 1");
    assert!(matches!(&err, AuditError::RecordEdited { record, seq: 1, .. } if record == "decision 1"), "{err}");
    assert!(err.to_string().contains("decision 1 was edited or deleted behind the log's back"), "{err}");
    assert_eq!(err.seq(), Some(1));
}

#[test]
fn an_edited_application_permit_or_endorsement_is_named() {
    let err = edited("UPDATE applications SET facts = json_set(facts, '$.identity.name', '李四')");
    assert!(matches!(&err, AuditError::RecordEdited { record, .. } if record == "application 1"), "{err}");
    let err = edited("UPDATE permits SET state = 'suspended'");
    assert!(
        matches!(&err, AuditError::RecordEdited { record, seq: 2, .. } if record.starts_with("permit 330105-2024-"))
    );
    let err = edited("INSERT INTO endorsements (permit_number, endorsed_on) SELECT number, '2025-03-01' FROM permits");
    assert!(matches!(&err, AuditError::RecordEdited { record, .. } if record.starts_with("permit ")), "{err}");
    let err = edited("PRAGMA foreign_keys = OFF; DELETE FROM permits");
    assert!(matches!(&err, AuditError::RecordEdited { record, .. } if record.starts_with("permit ")), "{err}");
}

#[test]
fn a_recomputed_chain_without_commitments_is_refused() {
    let (_dir, store, _, _) = store_with_records();
    // A forger strips entry 2's commitments and recomputes its hash the old way.
    let conn = store.conn();
    conn.execute_batch("DROP TRIGGER audit_log_no_update;").unwrap();
    let (at, actor, action, subject, details, prev): (String, String, String, String, String, String) = conn
        .query_row("SELECT at, actor, action, subject, details, prev_hash FROM audit_log WHERE seq = 2", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })
        .unwrap();
    let details: serde_json::Value = serde_json::from_str(&details).unwrap();
    let body = serde_json::json!({ "seq": 2, "at": at, "actor": actor, "action": action, "subject": subject,
        "details": details, "prev_hash": prev });
    let hash = hex::encode(Sha256::digest(canonical_json(&body).as_bytes()));
    conn.execute("UPDATE audit_log SET records = NULL, hash = ?1 WHERE seq = 2", [hash]).unwrap();
    let err = store.verify_audit_report().unwrap_err();
    assert!(matches!(err, AuditError::MissingCommitment { seq: 2, since: 1 }), "{err}");
}

/// A database as schema 4 left it, with one entry hashed the old way.
fn schema_4_database(path: &std::path::Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL);",
    )
    .unwrap();
    for m in &MIGRATIONS[..4] {
        conn.execute_batch(m.sql).unwrap();
        let sum = hex::encode(Sha256::digest(m.sql.as_bytes()));
        conn.execute(
            "INSERT INTO schema_migrations VALUES (?1, ?2, ?3, '2024-01-01T00:00:00Z')",
            params![m.version, m.name, sum],
        )
        .unwrap();
    }
    let details = serde_json::json!({ "role": "admin" });
    let body = serde_json::json!({ "seq": 1, "at": "2024-01-01T00:00:00Z", "actor": "system",
        "action": "token.create", "subject": "token:admin", "details": details,
        "prev_hash": juzhu_store::audit::GENESIS_HASH });
    let hash = hex::encode(Sha256::digest(canonical_json(&body).as_bytes()));
    conn.execute(
        "INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash)
         VALUES (1, '2024-01-01T00:00:00Z', 'system', 'token.create', 'token:admin', ?1, ?2, ?3)",
        params![canonical_json(&details), juzhu_store::audit::GENESIS_HASH, hash],
    )
    .unwrap();
}

#[test]
fn entries_before_migration_6_are_verified_as_before_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juzhu.db");
    schema_4_database(&path);
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), juzhu_store::migrations::latest_version());
    let report = store.verify_audit_report().unwrap();
    assert_eq!((report.entries, report.before_commitments, report.records), (1, 1, 0));
    decided_and_issued(&mut store);
    let report = verify_audit_report(store.conn()).unwrap();
    assert_eq!((report.entries, report.before_commitments, report.records), (3, 1, 3));
    // The old entry's chain is still checked: editing it is caught.
    store
        .conn()
        .execute_batch("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'x' WHERE seq = 1;")
        .unwrap();
    assert!(matches!(store.verify_audit_report().unwrap_err(), AuditError::Edited { seq: 1 }));
}
