//! Backup and restore of the embedded (SQLite) store.
//!
//! A backup is taken with SQLite's online backup API in one step: on a WAL
//! database that step reads one consistent snapshot while the station keeps
//! committing, so `juzhu backup` is safe while serving. It is written to a
//! temporary file beside the destination, synced, and renamed into place, so
//! a backup file is either whole or absent.
//!
//! A restore checks the backup before anything is replaced: its schema is
//! not newer than this build, and its audit trail verifies (chain and the
//! records the entries commit to). Only then is it copied beside the target,
//! synced, and renamed over it; the old database's WAL and shared-memory
//! files are removed first, since SQLite would otherwise replay the old log
//! onto the restored file.
//!
//! PostgreSQL is backed up with its own tools (`pg_dump`, base backups); see
//! the README's operators section.

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::{AuditError, Store, StoreError, migrations};

/// Why a backup or restore was refused or failed; nothing was replaced.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "this station's store is PostgreSQL ({0}); back it up with PostgreSQL's own tools (pg_dump, or a base backup with pg_basebackup and WAL archiving), as the README's operators section describes"
    )]
    Postgres(String),
    #[error("{} already exists; choose a new file name (a backup never overwrites a file)", .0.display())]
    Exists(PathBuf),
    #[error("{} does not exist or cannot be read: {source}", path.display())]
    Missing { path: PathBuf, source: std::io::Error },
    #[error("{} is not a juzhu SQLite database: {detail}", path.display())]
    NotADatabase { path: PathBuf, detail: String },
    #[error(
        "{} has schema version {found}, newer than this juzhu supports (up to {supported}); restore it with the juzhu release that wrote it, or a newer one", path.display()
    )]
    SchemaTooNew { path: PathBuf, found: u32, supported: u32 },
    #[error("{} fails verification, so it was not restored: {source}", path.display())]
    Tampered { path: PathBuf, source: AuditError },
    #[error("{}: {source}", path.display())]
    Store { path: PathBuf, source: StoreError },
    #[error("cannot write {} ({step}): {source}", path.display())]
    Io { path: PathBuf, step: &'static str, source: std::io::Error },
}

fn io<'a>(path: &'a Path, step: &'static str) -> impl FnOnce(std::io::Error) -> BackupError + 'a {
    move |source| BackupError::Io { path: path.to_path_buf(), step, source }
}

fn sql(path: &Path) -> impl FnOnce(rusqlite::Error) -> BackupError + '_ {
    move |e| BackupError::Store { path: path.to_path_buf(), source: e.into() }
}

/// What a backup or restore holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupReport {
    /// Audit entries in its trail, all verified.
    pub entries: usize,
    /// Its schema version.
    pub schema_version: u32,
}

/// `dest` with a `.partial` suffix: where a file is built before its rename.
fn partial(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    dest.with_file_name(name)
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn sync_file_and_dir(path: &Path) -> Result<(), BackupError> {
    File::open(path).and_then(|f| f.sync_all()).map_err(io(path, "syncing the file"))?;
    File::open(parent(path)).and_then(|d| d.sync_all()).map_err(io(path, "syncing its directory"))
}

/// Copies `store` (SQLite) to `dest`, a new file, while it may be serving;
/// then verifies the copy's audit trail.
pub fn backup(store: &Store, dest: &Path) -> Result<BackupReport, BackupError> {
    if store.is_postgres() {
        return Err(BackupError::Postgres(store.location().describe()));
    }
    if dest.exists() {
        return Err(BackupError::Exists(dest.to_path_buf()));
    }
    let tmp = partial(dest);
    let _ = std::fs::remove_file(&tmp);
    let written = (|| {
        let mut out = Connection::open(&tmp).map_err(sql(&tmp))?;
        {
            let step = rusqlite::backup::Backup::new(store.conn(), &mut out).map_err(sql(&tmp))?;
            // All pages in one step: one read snapshot of the source, which in
            // WAL mode never blocks the station's writers.
            // (`run_to_completion` refuses -1, hence the loop.) A busy or
            // locked source is retried until the copy is whole.
            while step.step(-1).map_err(sql(&tmp))? != rusqlite::backup::StepResult::Done {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
        // The copy is a WAL database like its source: fold the log into the
        // file so the backup is one self-contained file.
        out.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).map_err(sql(&tmp))?;
        out.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(())).map_err(sql(&tmp))?;
        drop(out);
        sync_file_and_dir(&tmp)?;
        std::fs::rename(&tmp, dest).map_err(io(dest, "renaming the finished backup into place"))?;
        sync_file_and_dir(dest)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    check(dest)
}

/// Reads `file`'s schema version and verifies its audit trail, changing
/// nothing in it.
pub fn check(file: &Path) -> Result<BackupReport, BackupError> {
    File::open(file).map_err(|source| BackupError::Missing { path: file.to_path_buf(), source })?;
    let not_db = |e: rusqlite::Error| BackupError::NotADatabase { path: file.to_path_buf(), detail: e.to_string() };
    let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(not_db)?;
    let found: Option<u32> =
        conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get(0)).map_err(not_db)?;
    let found = found.unwrap_or(0);
    let supported = migrations::latest_version();
    if found > supported {
        return Err(BackupError::SchemaTooNew { path: file.to_path_buf(), found, supported });
    }
    let report = crate::verify_audit_report(&conn).map_err(|source| match source {
        AuditError::Sql(e) => BackupError::NotADatabase { path: file.to_path_buf(), detail: e.to_string() },
        source => BackupError::Tampered { path: file.to_path_buf(), source },
    })?;
    Ok(BackupReport { entries: report.entries, schema_version: found })
}

/// Puts the verified backup `file` in place of the SQLite database `target`.
/// The station must not be running on `target` (the caller checks).
pub fn restore(file: &Path, target: &Path) -> Result<BackupReport, BackupError> {
    let report = check(file)?;
    let tmp = partial(target);
    let _ = std::fs::remove_file(&tmp);
    let placed = (|| {
        std::fs::copy(file, &tmp).map_err(io(&tmp, "copying the backup beside the database"))?;
        sync_file_and_dir(&tmp)?;
        // The copy must still be the file that was verified.
        let copied = check(&tmp)?;
        if copied != report {
            return Err(BackupError::NotADatabase {
                path: file.to_path_buf(),
                detail: "it changed while being restored".into(),
            });
        }
        // Fold the old database's log into it (nothing of it is lost if the
        // rename below fails), so its WAL holds nothing when removed.
        if target.exists() {
            let old = Connection::open(target).map_err(sql(target))?;
            old.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).map_err(sql(target))?;
        }
        for suffix in ["-wal", "-shm"] {
            let mut side = target.as_os_str().to_os_string();
            side.push(suffix);
            match std::fs::remove_file(PathBuf::from(side)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(BackupError::Io {
                        path: target.to_path_buf(),
                        step: "removing its old WAL",
                        source: e,
                    });
                }
            }
        }
        std::fs::rename(&tmp, target).map_err(io(target, "renaming the restored database into place"))?;
        sync_file_and_dir(target)
    })();
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(report)
}
