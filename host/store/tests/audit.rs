//! The hash-chained audit log: every kind of tampering (an edit, an edit
//! with its hash recomputed, a deletion, a reordering) is caught, and an
//! untouched chain links head to tail.

mod common;

use std::path::{Path, PathBuf};

use juzhu_store::audit::canonical_json;
use juzhu_store::lifecycle::{self, PermitState, Transition};
use juzhu_store::{AuditError, Store, verify_audit};
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use common::{ACTOR, directing, legal, module, open_temp, permit_in};

/// A store with five audit entries, its path, and the triggers dropped the
/// way someone with the file would.
fn tampered_store() -> (tempfile::TempDir, PathBuf) {
    let (dir, mut store) = open_temp();
    let n = permit_in(&mut store, PermitState::Active);
    let m = module();
    lifecycle::transition(
        &mut store,
        ACTOR,
        &n,
        Transition::Endorse,
        legal("2025-05-10"),
        &directing(Transition::Endorse),
        &m,
    )
    .unwrap();
    lifecycle::transition(
        &mut store,
        ACTOR,
        &n,
        Transition::Suspend,
        legal("2025-07-02"),
        &directing(Transition::Suspend),
        &m,
    )
    .unwrap();
    lifecycle::transition(
        &mut store,
        ACTOR,
        &n,
        Transition::Cancel,
        legal("2025-07-03"),
        &directing(Transition::Cancel),
        &m,
    )
    .unwrap();
    assert_eq!(store.verify_audit().unwrap(), 5);
    let path = store.path().to_path_buf();
    // The triggers refuse an ordinary edit…
    let err = store.conn().execute("UPDATE audit_log SET actor = 'x' WHERE seq = 2", []).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = store.conn().execute("DELETE FROM audit_log WHERE seq = 2", []).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    // …so the attacker drops them; the chain must still tell.
    store.conn().execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;").unwrap();
    drop(store);
    (dir, path)
}

fn verify(path: &Path) -> Result<usize, AuditError> {
    verify_audit(&Connection::open(path).unwrap())
}

#[test]
fn audit_verify_catches_an_edited_entry() {
    let (_dir, path) = tampered_store();
    Connection::open(&path)
        .unwrap()
        .execute("UPDATE audit_log SET details = json_set(details, '$.tier', 'temporary') WHERE seq = 2", [])
        .unwrap();
    let err = verify(&path).unwrap_err();
    assert!(matches!(err, AuditError::Edited { seq: 2 }), "{err}");
    assert_eq!(err.seq(), Some(2));
    assert!(err.to_string().contains("breaks at seq 2"), "{err}");

    // Editing the actor alone is caught too.
    let (_dir, path) = tampered_store();
    Connection::open(&path).unwrap().execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 4", []).unwrap();
    assert!(matches!(verify(&path).unwrap_err(), AuditError::Edited { seq: 4 }));
}

#[test]
fn audit_verify_catches_an_edit_whose_hash_was_recomputed() {
    let (_dir, path) = tampered_store();
    let conn = Connection::open(&path).unwrap();
    // A forger who knows the scheme rewrites entry 3 and its hash.
    let (at, actor, action, subject, prev, records): (String, String, String, String, String, String) = conn
        .query_row("SELECT at, actor, action, subject, prev_hash, records FROM audit_log WHERE seq = 3", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })
        .unwrap();
    let details = serde_json::json!({"forged": true});
    // Since migration 6 the hashed body includes the record commitments.
    let records: serde_json::Value = serde_json::from_str(&records).unwrap();
    let body = serde_json::json!({
        "seq": 3, "at": at, "actor": actor, "action": action, "subject": subject,
        "details": details, "records": records, "prev_hash": prev,
    });
    let hash = hex::encode(Sha256::digest(canonical_json(&body).as_bytes()));
    conn.execute(
        "UPDATE audit_log SET details = ?1, hash = ?2 WHERE seq = 3",
        rusqlite::params![canonical_json(&details), hash],
    )
    .unwrap();
    // Entry 3 is self-consistent now, so the break shows at the next link.
    let err = verify(&path).unwrap_err();
    assert!(matches!(err, AuditError::Unlinked { seq: 4 }), "{err}");
    assert!(err.to_string().contains("breaks at seq 4"), "{err}");
}

#[test]
fn audit_verify_catches_a_deleted_entry() {
    let (_dir, path) = tampered_store();
    Connection::open(&path).unwrap().execute("DELETE FROM audit_log WHERE seq = 3", []).unwrap();
    let err = verify(&path).unwrap_err();
    assert!(matches!(err, AuditError::Gap { expected: 3, found: 4 }), "{err}");
    assert_eq!(err.seq(), Some(3));

    // Deleting and renumbering the rest to close the gap breaks the hashes.
    let (_dir, path) = tampered_store();
    Connection::open(&path)
        .unwrap()
        .execute_batch(
            "DELETE FROM audit_log WHERE seq = 3;
             UPDATE audit_log SET seq = seq - 1 WHERE seq = 4;
             UPDATE audit_log SET seq = seq - 1 WHERE seq = 5;",
        )
        .unwrap();
    assert!(matches!(verify(&path).unwrap_err(), AuditError::Edited { seq: 3 }));
}

#[test]
fn audit_verify_catches_reordered_entries() {
    let (_dir, path) = tampered_store();
    // Swap entries 2 and 3 (their seqs), keeping every other column.
    Connection::open(&path)
        .unwrap()
        .execute_batch(
            "UPDATE audit_log SET seq = -2 WHERE seq = 2;
             UPDATE audit_log SET seq = 2 WHERE seq = 3;
             UPDATE audit_log SET seq = 3 WHERE seq = -2;",
        )
        .unwrap();
    let err = verify(&path).unwrap_err();
    assert_eq!(err.seq(), Some(2), "{err}");
    assert!(err.to_string().contains("breaks at seq 2"), "{err}");
}

#[test]
fn an_untouched_chain_verifies_and_links_head_to_tail() {
    let (_dir, path) = tampered_store();
    assert_eq!(verify(&path).unwrap(), 5);
    let store = Store::open(&path).unwrap();
    let entries = store.audit_entries(0, 100).unwrap();
    for pair in entries.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
        assert_eq!(pair[1].seq, pair[0].seq + 1);
    }
    let head = juzhu_store::audit_head(store.conn()).unwrap().unwrap();
    assert_eq!(head, (5, entries[4].hash.clone()));
}
