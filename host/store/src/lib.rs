//! The station's record: applications, decisions, permits, endorsements,
//! tokens, pins, the card issuance journal and the audit log.
//!
//! Two engines keep it. SQLite (a file in the data directory) is the
//! embedded default for one station; PostgreSQL (`[store] url =
//! "postgres://…"`) is shared by several. [`Store`] is one type over both,
//! an enum inside rather than a trait the station is generic over: the
//! service holds one `Mutex<Store>`, the lifecycle, journal and token logic
//! is written once against [`db::Db`] in SQL both engines accept, and only
//! opening, transaction control and migrations differ. A generic station
//! would carry a type parameter through every handler for no gain.
//!
//! Opening SQLite sets the connection up for durability (WAL,
//! `synchronous=FULL`); opening PostgreSQL sets `synchronous_commit = on`.
//! Either way a commit that returned survives a crash, and the schema
//! migrations are applied. Reads are public; every write goes through
//! [`lifecycle`] (or tokens, pins, cards), which commits each change
//! together with its audit entry in one transaction, so a rejected request
//! writes nothing.
//!
//! Writes are serialised across every station on one database: SQLite's
//! `BEGIN IMMEDIATE` takes the file's write lock, and PostgreSQL's write
//! transactions take one advisory lock ([`pg_write_lock`]) first. Every
//! write appends to the one audit chain, whose head is a serialisation point
//! anyway, so the lock costs no concurrency a chain would not; in exchange a
//! transition reads the permit and writes its successor with no other write
//! in between, on either engine.

pub mod audit;
pub mod backup;
pub mod cards;
pub mod commitments;
pub mod db;
pub mod group_commit;
pub mod lifecycle;
mod listing;
pub mod migrate;
pub mod migrations;
pub mod pg;
pub mod pins;
pub mod points;
mod records;
pub mod tokens;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, Savepoint, Transaction, TransactionBehavior};

pub use juzhu_domain::ModuleRef;

pub use audit::{AuditEntry, AuditError, AuditReport, audit_head, verify_audit, verify_audit_report};
pub use db::{Db, DbError, Row, Val};
pub(crate) use records::*;
pub use records::{
    ApplicationRecord, DecisionRecord, FactSet, LastTransition, PermitRecord, now, outcome_str, tier_str,
};

/// How long a writer waits for another connection's write lock before
/// failing with "database is locked".
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The advisory lock every PostgreSQL write transaction holds until it ends
/// (`pg_advisory_xact_lock`): one writer at a time across all stations.
pub const PG_WRITE_LOCK: i64 = 0x6a75_7a68_7501;

/// `SELECT pg_advisory_xact_lock(…)` for [`PG_WRITE_LOCK`].
pub fn pg_write_lock() -> String {
    format!("SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")
}

/// Where a store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database; `files` is the path beside which the station
    /// keeps what is its own (signed checkpoints), as for a SQLite file.
    Postgres { url: String, files: PathBuf },
}

impl Location {
    /// The path the station's own files are named after.
    pub fn files(&self) -> &Path {
        match self {
            Location::Sqlite(p) => p,
            Location::Postgres { files, .. } => files,
        }
    }

    /// For messages: the file, or `host:port/dbname` (never a password).
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres { url, .. } => pg::redact(url),
        }
    }
}

/// Why the store could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {}: {source}", path.display())]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("cannot open PostgreSQL database {target}: {source}")]
    Connect { target: String, source: DbError },
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
    Migration { version: u32, name: &'static str, source: DbError },
    #[error("stored {what} cannot be read back: {detail}")]
    Corrupt { what: String, detail: String },
    #[error("database error: {0}")]
    Sql(DbError),
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> Self {
        StoreError::Sql(e)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sql(DbError::Sqlite(e))
    }
}

impl StoreError {
    /// Whether the write was refused for want of space (see
    /// [`DbError::is_storage_full`]).
    pub fn is_storage_full(&self) -> bool {
        matches!(self, StoreError::Sql(e) if e.is_storage_full())
    }

    /// Whether the database could not be reached (PostgreSQL down): the
    /// request may succeed later, and nothing of it was written.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Sql(e) | StoreError::Connect { source: e, .. } => e.is_unreachable(),
            _ => false,
        }
    }
}

enum Backend {
    Sqlite {
        conn: Connection,
        /// Inside a [`group_commit`] batch: writes become savepoints of the
        /// batch's transaction.
        in_batch: bool,
    },
    Postgres {
        // Boxed: a session's configuration is much larger than a SQLite handle.
        conn: Box<pg::PgConn>,
        in_batch: bool,
    },
}

/// An open database.
pub struct Store {
    backend: Backend,
    location: Location,
    /// The station whose writes this is; named in every audit entry and
    /// card journal row it writes (none: entries name no station, as before
    /// schema 7).
    station: Option<String>,
}

/// One write in progress: its own transaction, or, inside a group commit, a
/// savepoint of the batch's transaction. Either way, dropping it uncommitted
/// undoes exactly its own changes, and `commit` keeps them.
pub struct Write<'c> {
    scope: WriteScope<'c>,
    station: Option<String>,
}

enum WriteScope<'c> {
    Transaction(Transaction<'c>),
    Savepoint(Savepoint<'c>),
    Postgres(PgWrite<'c>),
}

/// A PostgreSQL transaction or savepoint, driven by SQL (the batch of a
/// group commit spans several writes, so a borrowed client transaction
/// cannot express it).
struct PgWrite<'c> {
    conn: &'c pg::PgConn,
    savepoint: bool,
    open: bool,
}

impl PgWrite<'_> {
    fn finish(&mut self, commit: bool) -> Result<(), DbError> {
        self.open = false;
        let sql = match (self.savepoint, commit) {
            (true, true) => "RELEASE SAVEPOINT juzhu_write",
            (true, false) => "ROLLBACK TO SAVEPOINT juzhu_write; RELEASE SAVEPOINT juzhu_write",
            (false, true) => "COMMIT",
            (false, false) => "ROLLBACK",
        };
        let result = self.conn.batch(sql);
        if !self.savepoint {
            self.conn.set_in_tx(false);
        }
        result
    }
}

impl Drop for PgWrite<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.finish(false);
        }
    }
}

impl Db for Write<'_> {
    fn query(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>, DbError> {
        match &self.scope {
            WriteScope::Transaction(t) => Db::query(&**t, sql, params),
            WriteScope::Savepoint(s) => Db::query(&**s, sql, params),
            WriteScope::Postgres(p) => p.conn.query(sql, params),
        }
    }
    fn execute(&self, sql: &str, params: &[Val]) -> Result<u64, DbError> {
        match &self.scope {
            WriteScope::Transaction(t) => Db::execute(&**t, sql, params),
            WriteScope::Savepoint(s) => Db::execute(&**s, sql, params),
            WriteScope::Postgres(p) => p.conn.execute(sql, params),
        }
    }
}

impl Write<'_> {
    /// Keeps the changes: commits the transaction (durable on return), or
    /// releases the savepoint into the batch, whose commit makes it durable.
    pub fn commit(self) -> Result<(), DbError> {
        match self.scope {
            WriteScope::Transaction(t) => Ok(t.commit()?),
            WriteScope::Savepoint(s) => Ok(s.commit()?),
            WriteScope::Postgres(mut p) => p.finish(true),
        }
    }

    /// The station this write is for, if named.
    pub fn station(&self) -> Option<&str> {
        self.station.as_deref()
    }
}

impl Db for Store {
    fn query(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>, DbError> {
        match &self.backend {
            Backend::Sqlite { conn, .. } => Db::query(conn, sql, params),
            Backend::Postgres { conn, .. } => conn.query(sql, params),
        }
    }
    fn execute(&self, sql: &str, params: &[Val]) -> Result<u64, DbError> {
        match &self.backend {
            Backend::Sqlite { conn, .. } => Db::execute(conn, sql, params),
            Backend::Postgres { conn, .. } => conn.execute(sql, params),
        }
    }
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path` and migrates it.
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
        Ok(Store {
            backend: Backend::Sqlite { conn, in_batch: false },
            location: Location::Sqlite(path),
            station: None,
        })
    }

    /// Caps a SQLite database at `bytes` (`PRAGMA max_page_count`, on this
    /// connection): a write that would grow it past the cap fails whole with
    /// `SQLITE_FULL`, as on a full disk, so a runaway cannot fill the data
    /// directory's filesystem. A cap below the current size holds it at its
    /// current size. PostgreSQL manages its own space: refused.
    pub fn cap_size(&self, bytes: u64) -> Result<(), StoreError> {
        let Backend::Sqlite { conn, .. } = &self.backend else {
            return Err(StoreError::Sql(DbError::Shape(
                "a size cap applies to a SQLite store only; PostgreSQL manages its own space".into(),
            )));
        };
        let page_size: u64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let pages = (bytes / page_size.max(1)).max(1);
        let _: u64 = conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| r.get(0))?;
        Ok(())
    }

    /// Opens the store at `location` and migrates it.
    pub fn connect(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::Sqlite(path) => Store::open(path),
            Location::Postgres { url, .. } => {
                let conn = pg::PgConn::connect(url)
                    .map_err(|source| StoreError::Connect { target: pg::redact(url), source })?;
                migrations::migrate_postgres(&conn)?;
                Ok(Store {
                    backend: Backend::Postgres { conn: Box::new(conn), in_batch: false },
                    location: location.clone(),
                    station: None,
                })
            }
        }
    }

    /// The same store, names the station `station` in what it writes.
    pub fn for_station(mut self, station: &str) -> Self {
        self.station = Some(station.to_string());
        self
    }

    /// A second session to the same database, for the same station.
    pub fn reopen(&self) -> Result<Self, StoreError> {
        let mut store = Store::connect(&self.location)?;
        store.station = self.station.clone();
        Ok(store)
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The station named in this store's writes.
    pub fn station(&self) -> Option<&str> {
        self.station.as_deref()
    }

    /// The SQLite file, or for PostgreSQL the path the station's own files
    /// (checkpoints) are named after.
    pub fn path(&self) -> &Path {
        self.location.files()
    }

    /// Whether this store is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres { .. })
    }

    /// The SQLite connection, for tests and SQLite-only maintenance
    /// (backup, tampering in tests).
    ///
    /// # Panics
    /// On a PostgreSQL store: the station runs every statement through
    /// [`Db`], which both engines implement.
    pub fn conn(&self) -> &Connection {
        match &self.backend {
            Backend::Sqlite { conn, .. } => conn,
            Backend::Postgres { .. } => panic!("Store::conn is the SQLite connection; this store is PostgreSQL"),
        }
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        let v = self.query_one("SELECT coalesce(max(version), 0) FROM schema_migrations", &[])?.int(0)?;
        Ok(v as u32)
    }

    /// Whether the database answers now (for `/health`).
    pub fn ping(&self) -> Result<(), StoreError> {
        self.query_one("SELECT 1", &[])?;
        Ok(())
    }

    /// Starts a write. SQLite: IMMEDIATE takes the write lock up front, so
    /// two writers queue on the busy timeout instead of one failing at
    /// commit. PostgreSQL: the transaction takes [`PG_WRITE_LOCK`] first,
    /// the same guarantee across stations.
    pub fn write(&mut self) -> Result<Write<'_>, DbError> {
        let station = self.station.clone();
        let scope = match &mut self.backend {
            Backend::Sqlite { conn, in_batch: true } => WriteScope::Savepoint(conn.savepoint()?),
            Backend::Sqlite { conn, in_batch: false } => {
                WriteScope::Transaction(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
            }
            Backend::Postgres { conn, in_batch: true } => {
                conn.batch("SAVEPOINT juzhu_write")?;
                WriteScope::Postgres(PgWrite { conn, savepoint: true, open: true })
            }
            Backend::Postgres { conn, in_batch: false } => {
                begin_pg(conn)?;
                WriteScope::Postgres(PgWrite { conn, savepoint: false, open: true })
            }
        };
        Ok(Write { scope, station })
    }

    /// Walks the audit chain; see [`audit::verify_audit`].
    pub fn verify_audit(&self) -> Result<usize, AuditError> {
        verify_audit(self)
    }

    /// Walks the audit chain and recomputes the records its entries commit to.
    pub fn verify_audit_report(&self) -> Result<AuditReport, AuditError> {
        verify_audit_report(self)
    }

    /// Audit entries after `after_seq`, oldest first.
    pub fn audit_entries(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditEntry>, AuditError> {
        audit::entries(self, after_seq, limit)
    }

    pub fn application(&self, id: i64) -> Result<Option<ApplicationRecord>, StoreError> {
        load_application(self, id)
    }

    pub fn decision(&self, id: i64) -> Result<Option<DecisionRecord>, StoreError> {
        load_decision(self, id)
    }

    pub fn permit(&self, number: &str) -> Result<Option<PermitRecord>, StoreError> {
        load_permit(self, number)
    }

    /// The permit issued from a decision, if any.
    pub fn permit_for_decision(&self, decision_id: i64) -> Result<Option<PermitRecord>, StoreError> {
        permit_for_decision(self, decision_id)
    }

    /// Every permit a citizen holds or held, oldest first.
    pub fn permits_of_holder(&self, citizen_id: &str) -> Result<Vec<PermitRecord>, StoreError> {
        let rows = self.query(
            "SELECT number FROM permits WHERE holder_citizen_id = ?1 ORDER BY issued_on, number",
            params![citizen_id],
        )?;
        rows.iter()
            .map(|r| {
                let n = r.text(0)?;
                load_permit(self, &n)?.ok_or_else(|| corrupt(format!("permit {n}"), "vanished while reading"))
            })
            .collect()
    }
}

impl Store {
    /// Opens a group commit's transaction: the writes in it become
    /// savepoints. A transaction a panic left open is rolled back first.
    pub(crate) fn begin_batch(&mut self) -> Result<(), DbError> {
        match &mut self.backend {
            Backend::Sqlite { conn, in_batch } => {
                if !conn.is_autocommit() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                *in_batch = false;
                conn.execute_batch("BEGIN IMMEDIATE")?;
                *in_batch = true;
            }
            Backend::Postgres { conn, in_batch } => {
                if conn.in_tx() {
                    let _ = conn.batch("ROLLBACK");
                    conn.set_in_tx(false);
                }
                *in_batch = false;
                begin_pg(conn)?;
                *in_batch = true;
            }
        }
        Ok(())
    }

    /// Commits the group commit's transaction (rolled back if it cannot).
    pub(crate) fn commit_batch_tx(&mut self) -> Result<(), DbError> {
        match &mut self.backend {
            Backend::Sqlite { conn, in_batch } => {
                *in_batch = false;
                conn.execute_batch("COMMIT").map_err(|e| {
                    let _ = conn.execute_batch("ROLLBACK");
                    e.into()
                })
            }
            Backend::Postgres { conn, in_batch } => {
                *in_batch = false;
                let committed = conn.batch("COMMIT");
                if committed.is_err() {
                    let _ = conn.batch("ROLLBACK");
                }
                conn.set_in_tx(false);
                committed
            }
        }
    }

    /// Leaves batch mode without touching the transaction.
    pub(crate) fn leave_batch(&mut self) {
        match &mut self.backend {
            Backend::Sqlite { in_batch, .. } | Backend::Postgres { in_batch, .. } => *in_batch = false,
        }
    }
}

/// Opens a PostgreSQL write transaction holding the write lock.
fn begin_pg(conn: &pg::PgConn) -> Result<(), DbError> {
    conn.batch("BEGIN ISOLATION LEVEL READ COMMITTED")?;
    conn.set_in_tx(true);
    if let Err(e) = conn.batch(&pg_write_lock()) {
        let _ = conn.batch("ROLLBACK");
        conn.set_in_tx(false);
        return Err(e);
    }
    Ok(())
}
