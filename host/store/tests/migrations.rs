//! Migrations: a fresh store is migrated with durable pragmas, a reopen
//! applies nothing twice, and a database newer than the code or with a
//! changed migration is refused.

mod common;

use juzhu_store::migrations::{self, MIGRATIONS};
use juzhu_store::{Store, StoreError};
use rusqlite::Connection;

use common::count;

#[test]
fn open_migrates_sets_durability_pragmas_and_reopen_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juzhu.db");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), migrations::latest_version());
    let c = store.conn();
    let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
    assert_eq!(sync, 2, "synchronous must be FULL (2)");
    let fk: i64 = c.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
    assert_eq!(fk, 1);
    for table in ["applications", "decisions", "permits", "endorsements", "audit_log"] {
        assert_eq!(count(&store, table), 0, "{table} exists and is empty");
    }
    drop(store);

    // Reopening applies nothing and records nothing twice.
    let store = Store::open(&path).unwrap();
    assert_eq!(count(&store, "schema_migrations"), MIGRATIONS.len() as i64);
    drop(store);
    let mut raw = Connection::open(&path).unwrap();
    assert_eq!(migrations::migrate(&mut raw).unwrap(), Vec::<u32>::new());
    let rows: i64 = raw.query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, MIGRATIONS.len() as i64);
}

#[test]
fn a_database_newer_than_the_code_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juzhu.db");
    drop(Store::open(&path).unwrap());
    Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (99, 'future', 'x', 'now')",
            [],
        )
        .unwrap();
    let err = Store::open(&path).err().expect("a newer schema must be refused");
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, supported } if supported == migrations::latest_version())
    );
    assert!(err.to_string().contains("newer than this juzhu supports"), "{err}");
}

#[test]
fn a_changed_migration_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juzhu.db");
    drop(Store::open(&path).unwrap());
    Connection::open(&path)
        .unwrap()
        .execute("UPDATE schema_migrations SET sha256 = 'edited' WHERE version = 1", [])
        .unwrap();
    let err = Store::open(&path).err().expect("a changed migration must be refused");
    assert!(matches!(err, StoreError::MigrationChanged { version: 1, .. }), "{err}");
}
