//! The station's SQLite database: applications, decisions, permits,
//! endorsements and the audit log.
//!
//! Opening a [`Store`] sets the connection up for durability (WAL,
//! `synchronous=FULL`: a commit that returned survives a crash or power loss)
//! and applies the schema migrations. Reads are public; every write goes
//! through [`lifecycle`], which commits each change together with its
//! audit entry in one transaction, so a rejected request writes nothing.

pub mod audit;
pub mod commitments;
pub mod group_commit;
pub mod lifecycle;
pub mod migrations;
pub mod pins;
mod records;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, Savepoint, Transaction, TransactionBehavior};

pub use juzhu_domain::ModuleRef;

pub use audit::{AuditEntry, AuditError, AuditReport, audit_head, verify_audit, verify_audit_report};
pub(crate) use records::*;
pub use records::{ApplicationRecord, DecisionRecord, LastTransition, PermitRecord, now, outcome_str, tier_str};

/// How long a writer waits for another connection's write lock before
/// failing with "database is locked".
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the store could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {}: {source}", path.display())]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error(
        "database {} cannot use WAL journaling (got `{mode}`); put the data directory on a local filesystem", path.display()
    )]
    NoWal { path: PathBuf, mode: String },
    #[error(
        "database schema is at version {found}, newer than this juzhu supports (up to {supported}); run the juzhu release that migrated it, or a newer one"
    )]
    SchemaTooNew { found: u32, supported: u32 },
    #[error(
        "schema migration {version} was applied with sha256 {recorded} but this build has {current}; a released migration must never change"
    )]
    MigrationChanged { version: u32, recorded: String, current: String },
    #[error("schema migration {version} ({name}) failed: {source}")]
    Migration { version: u32, name: &'static str, source: rusqlite::Error },
    #[error("stored {what} cannot be read back: {detail}")]
    Corrupt { what: String, detail: String },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// An open database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Inside a [`group_commit`] batch: writes become savepoints of the
    /// batch's transaction.
    in_batch: bool,
}

/// One write in progress: its own IMMEDIATE transaction, or, inside a group
/// commit, a savepoint of the batch's transaction. Either way, dropping it
/// uncommitted undoes exactly its own changes, and `commit` keeps them.
pub struct Write<'c>(WriteScope<'c>);

enum WriteScope<'c> {
    Transaction(Transaction<'c>),
    Savepoint(Savepoint<'c>),
}

impl std::ops::Deref for Write<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match &self.0 {
            WriteScope::Transaction(t) => t,
            WriteScope::Savepoint(s) => s,
        }
    }
}

impl Write<'_> {
    /// Keeps the changes: commits the transaction (one fsync), or releases
    /// the savepoint into the batch, whose commit makes it durable.
    pub fn commit(self) -> rusqlite::Result<()> {
        match self.0 {
            WriteScope::Transaction(t) => t.commit(),
            WriteScope::Savepoint(s) => s.commit(),
        }
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let open_err = |source| StoreError::Open { path: path.clone(), source };
        let mut conn = Connection::open(&path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // WAL: readers never block the writer, and a commit is one fsync of
        // the log rather than of the database file.
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NoWal { path, mode });
        }
        // FULL (not WAL's usual NORMAL) syncs the log on every commit, so an
        // acknowledged submission survives power loss, not only a crash.
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;").map_err(open_err)?;
        migrations::migrate(&mut conn)?;
        Ok(Store { conn, path, in_batch: false })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for reads and for `verify_audit`.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self.conn.query_row("SELECT coalesce(max(version), 0) FROM schema_migrations", [], |r| r.get(0))?)
    }

    /// Starts a write. IMMEDIATE takes the write lock up front, so two
    /// writers queue on the busy timeout instead of one failing at commit.
    pub fn write(&mut self) -> rusqlite::Result<Write<'_>> {
        if self.in_batch {
            return Ok(Write(WriteScope::Savepoint(self.conn.savepoint()?)));
        }
        Ok(Write(WriteScope::Transaction(self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?)))
    }

    /// Walks the audit chain; see [`audit::verify_audit`].
    pub fn verify_audit(&self) -> Result<usize, AuditError> {
        verify_audit(&self.conn)
    }

    /// Walks the audit chain and recomputes the records its entries commit to.
    pub fn verify_audit_report(&self) -> Result<AuditReport, AuditError> {
        verify_audit_report(&self.conn)
    }

    /// Audit entries after `after_seq`, oldest first.
    pub fn audit_entries(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditEntry>, AuditError> {
        audit::entries(&self.conn, after_seq, limit)
    }

    pub fn application(&self, id: i64) -> Result<Option<ApplicationRecord>, StoreError> {
        load_application(&self.conn, id)
    }

    pub fn decision(&self, id: i64) -> Result<Option<DecisionRecord>, StoreError> {
        load_decision(&self.conn, id)
    }

    pub fn permit(&self, number: &str) -> Result<Option<PermitRecord>, StoreError> {
        load_permit(&self.conn, number)
    }

    /// The permit issued from a decision, if any.
    pub fn permit_for_decision(&self, decision_id: i64) -> Result<Option<PermitRecord>, StoreError> {
        permit_for_decision(&self.conn, decision_id)
    }

    /// Every permit a citizen holds or held, oldest first.
    pub fn permits_of_holder(&self, citizen_id: &str) -> Result<Vec<PermitRecord>, StoreError> {
        let numbers: Vec<String> = self
            .conn
            .prepare("SELECT number FROM permits WHERE holder_citizen_id = ?1 ORDER BY issued_on, number")?
            .query_map([citizen_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        numbers
            .iter()
            .map(|n| {
                load_permit(&self.conn, n)?.ok_or_else(|| corrupt(format!("permit {n}"), "vanished while reading"))
            })
            .collect()
    }
}
