//! `juzhu store migrate`: a SQLite station's whole record moved into
//! PostgreSQL, history included.
//!
//! Rows are copied as they are (ids, permit numbers, audit entries with
//! their hashes), so every audit entry and every record it commits to hashes
//! the same on the new engine; the trail is verified on the source before
//! and on PostgreSQL after. The copy is one PostgreSQL transaction holding
//! the write lock: a run interrupted at any point (killed, connection lost)
//! leaves the database as it was, and running it again completes it. A
//! database that already holds this station's trail (same head) is left
//! alone and said so; one holding any other trail is refused, since two
//! chains cannot be merged.

use crate::db::{Db, DbError, Val};
use crate::{AuditError, Location, Store, StoreError, audit};

/// The tables copied, parents before children (foreign keys).
/// The tables moved. `permit_points` is not among them: it is derived from
/// these (see points.rs), and the target's first ranking scores it again.
const TABLES: &[&str] = &[
    "applications",
    "decisions",
    "permits",
    "endorsements",
    "permit_serials",
    "api_tokens",
    "module_pins",
    "card_issuances",
    "cards",
    "audit_log",
];

/// Tables with identity ids, whose sequences continue after the copied rows.
const IDENTITIES: &[&str] = &["applications", "decisions", "api_tokens", "card_issuances"];

/// What a migration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Rows were copied: per table, how many; and the verified trail's length.
    Migrated { rows: Vec<(&'static str, usize)>, entries: usize },
    /// The target already holds this trail, to the same head; nothing changed.
    AlreadyDone { entries: usize },
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("the source must be a SQLite store; {0} is PostgreSQL already")]
    SourceNotSqlite(String),
    #[error("the target must be a postgres:// URL; got {0}")]
    TargetNotPostgres(String),
    #[error("the source's audit trail does not verify, so nothing was moved: {0}")]
    SourceBroken(AuditError),
    #[error(
        "{target} already holds a different audit trail (head seq {target_seq}, this station's is seq {source_seq}); two trails cannot be merged, so nothing was moved; migrate into an empty database"
    )]
    TargetHasOtherTrail { target: String, target_seq: i64, source_seq: i64 },
    #[error(
        "card issuance {id} names no station (written before stations were named) and PostgreSQL needs one; finish the station's card work with a juzhu that names stations, or ask for help: nothing was moved"
    )]
    UnnamedIssuance { id: i64 },
    #[error("after the move the trail on {target} does not verify: {source}")]
    TargetBroken { target: String, source: AuditError },
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Db(#[from] DbError),
}

/// A test's hook to stop a migration midway: the copy fails after `after`
/// rows of `table` have been written (`JUZHU_MIGRATE_FAIL_AFTER=table:n`).
fn failpoint() -> Option<(String, usize)> {
    let v = std::env::var("JUZHU_MIGRATE_FAIL_AFTER").ok()?;
    let (t, n) = v.split_once(':')?;
    Some((t.to_string(), n.parse().ok()?))
}

/// Moves `source` (SQLite) into `target` (PostgreSQL), then verifies it.
pub fn migrate(source: &Store, target: &Location) -> Result<Outcome, MigrateError> {
    if source.is_postgres() {
        return Err(MigrateError::SourceNotSqlite(source.location().describe()));
    }
    if !matches!(target, Location::Postgres { .. }) {
        return Err(MigrateError::TargetNotPostgres(target.describe()));
    }
    // One read snapshot of the source for the whole copy (WAL: it blocks no writer).
    source.conn().execute_batch("BEGIN DEFERRED").map_err(StoreError::from)?;
    let result = copy(source, target);
    let _ = source.conn().execute_batch("ROLLBACK");
    result
}

fn copy(source: &Store, target: &Location) -> Result<Outcome, MigrateError> {
    let entries = source.verify_audit_report().map_err(MigrateError::SourceBroken)?.entries;
    let source_head = audit::audit_head(source)?;
    let mut dest = Store::connect(target)?;
    let name = target.describe();
    let mut copied = Vec::new();
    {
        let w = dest.write()?;
        let target_head = audit::audit_head(&w)?;
        if let Some((target_seq, hash)) = &target_head {
            return match &source_head {
                Some((seq, h)) if seq == target_seq && h == hash => Ok(Outcome::AlreadyDone { entries }),
                _ => Err(MigrateError::TargetHasOtherTrail {
                    target: name,
                    target_seq: *target_seq,
                    source_seq: source_head.map_or(0, |(s, _)| s),
                }),
            };
        }
        let fail = failpoint();
        for table in TABLES {
            let rows = source.query(&format!("SELECT * FROM {table}"), &[])?;
            for (n, row) in rows.iter().enumerate() {
                if let Some((t, after)) = &fail
                    && t == table
                    && n == *after
                {
                    return Err(DbError::Shape(format!("failpoint: stopped after {n} rows of {table}")).into());
                }
                let names = row.names();
                if *table == "card_issuances" {
                    let at = names.iter().position(|c| c == "station");
                    if at.is_none_or(|i| row.values()[i] == Val::Null) {
                        let id = row.int(0)?;
                        return Err(MigrateError::UnnamedIssuance { id });
                    }
                }
                let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
                w.execute(
                    &format!("INSERT INTO {table} ({}) VALUES ({})", names.join(", "), placeholders.join(", ")),
                    row.values(),
                )?;
            }
            copied.push((*table, rows.len()));
        }
        for table in IDENTITIES {
            w.query(
                &format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) FROM {table}"),
                &[],
            )?;
        }
        // Which entries must commit to records is the source's fact, fixed
        // when its migration 6 ran; the fresh database recorded its own.
        let since = source.query_one("SELECT since_seq FROM audit_commitments", &[])?.int(0)?;
        w.execute("ALTER TABLE audit_commitments DISABLE TRIGGER audit_commitments_no_update", &[])?;
        w.execute("UPDATE audit_commitments SET since_seq = ?1", crate::params![since])?;
        w.execute("ALTER TABLE audit_commitments ENABLE TRIGGER audit_commitments_no_update", &[])?;
        w.commit()?;
    }
    let report = dest.verify_audit_report().map_err(|source| MigrateError::TargetBroken { target: name, source })?;
    Ok(Outcome::Migrated { rows: copied, entries: report.entries })
}
