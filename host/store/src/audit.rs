//! The append-only, hash-chained audit log.
//!
//! Entry `n` stores `hash = sha256(canonical JSON of {seq, at, actor, action,
//! subject, details, prev_hash})` and `prev_hash` = the hash of entry `n - 1`
//! (64 zeros for entry 1). Canonical JSON is compact with object keys sorted
//! by their UTF-8 bytes, so the hash does not depend on how serde_json was
//! built (`preserve_order`) or how the details were formatted on disk.
//!
//! Because `seq` is hashed and must run 1, 2, 3…, an edited, deleted,
//! inserted or reordered entry breaks the chain at a seq that
//! [`verify_audit`] names. Deleting the *newest* entries leaves a shorter
//! valid chain; detecting that needs the head ([`audit_head`]) anchored
//! outside the database: the station's signed checkpoints.
//!
//! Since migration 6 an entry also hashes `records`, the sha256 of each
//! record its transaction wrote ([`crate::commitments`]), so a record edited
//! behind the log's back is named too. Entries written before that migration
//! have no `records` and are verified as before.
//!
//! Since migration 7 an entry also names its `station` (hashed with it), so
//! one chain serves every station on a shared database: appends are
//! serialised by the write lock every write transaction holds
//! ([`crate::PG_WRITE_LOCK`] on PostgreSQL, SQLite's file lock), and a
//! deleted, reordered or edited entry of any station breaks the one chain.
//! Entries written without a station (before migration 7, or by a store not
//! opened for a station) have none and are verified as before.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::db::{Db, DbError, Row};
use crate::params;

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// Wall-clock time of the write, RFC 3339 UTC.
    pub at: String,
    /// Who did it: a token name, `cli`, `system`.
    pub actor: String,
    /// What was done, e.g. `decision.submit`, `permit.suspend`.
    pub action: String,
    /// What it was done to, e.g. `decision:12`, `permit:330105-2017-000001`.
    pub subject: String,
    /// The station that wrote it; absent on entries written before
    /// migration 7 or by a store opened for no station.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
    pub details: Value,
    /// Record id → sha256 of the record as this entry's transaction left it;
    /// absent on entries written before record commitments (migration 6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<Value>,
    pub prev_hash: String,
    pub hash: String,
}

/// What a successful [`verify_audit_report`] checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditReport {
    /// Entries in the chain.
    pub entries: usize,
    /// Of those, entries written before record commitments began: their
    /// chain is verified, the records they wrote cannot be.
    pub before_commitments: usize,
    /// Records recomputed and found as the newest entry that wrote them left them.
    pub records: usize,
}

/// Where and why the chain breaks.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(
        "audit log breaks at seq {expected}: the next entry found is seq {found}; entries were deleted, inserted or renumbered"
    )]
    Gap { expected: i64, found: i64 },
    #[error("audit log breaks at seq {seq}: its hash does not match its contents; the entry was edited")]
    Edited { seq: i64 },
    #[error(
        "audit log breaks at seq {seq}: its prev_hash is not the hash of seq {}; entries were deleted, inserted or reordered", seq - 1
    )]
    Unlinked { seq: i64 },
    #[error("audit log entry seq {seq} has details that are not JSON ({detail}); the entry was edited")]
    Unreadable { seq: i64, detail: String },
    #[error(
        "audit log entry seq {seq} commits to no records, but every entry from seq {since} on must; the entry was edited"
    )]
    MissingCommitment { seq: i64, since: i64 },
    #[error(
        "{record} was edited or deleted behind the log's back: it no longer matches what audit entry seq {seq} committed to (sha256 {committed}, now {found})"
    )]
    RecordEdited { record: String, seq: i64, committed: String, found: String },
    #[error("reading the audit log: {0}")]
    Sql(#[from] DbError),
}

impl From<rusqlite::Error> for AuditError {
    fn from(e: rusqlite::Error) -> Self {
        AuditError::Sql(DbError::Sqlite(e))
    }
}

impl AuditError {
    /// The seq at which the chain breaks (`None` for a database error).
    pub fn seq(&self) -> Option<i64> {
        match self {
            AuditError::Gap { expected, .. } => Some(*expected),
            AuditError::Edited { seq }
            | AuditError::Unlinked { seq }
            | AuditError::Unreadable { seq, .. }
            | AuditError::MissingCommitment { seq, .. }
            | AuditError::RecordEdited { seq, .. } => Some(*seq),
            AuditError::Sql(_) => None,
        }
    }
}

/// Writes `v` as compact JSON with object keys sorted.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        // Scalars have one serde_json spelling already.
        other => out.push_str(&other.to_string()),
    }
}

/// The hash of `e`'s contents (its own `hash` field aside).
fn entry_hash(e: &AuditEntry) -> String {
    let mut body = serde_json::json!({
        "seq": e.seq,
        "at": e.at,
        "actor": e.actor,
        "action": e.action,
        "subject": e.subject,
        "details": e.details,
        "prev_hash": e.prev_hash,
    });
    if let Some(records) = &e.records {
        body["records"] = records.clone();
    }
    if let Some(station) = &e.station {
        body["station"] = Value::String(station.clone());
    }
    hex::encode(Sha256::digest(canonical_json(&body).as_bytes()))
}

/// Appends an entry inside the caller's transaction, so the entry commits or
/// rolls back with the change it records.
pub fn append(
    tx: &super::Write<'_>,
    actor: &str,
    action: &str,
    subject: &str,
    details: &Value,
) -> Result<AuditEntry, DbError> {
    // The writer holds the write lock (SQLite's IMMEDIATE transaction, or
    // PostgreSQL's advisory write lock), so max(seq) cannot move under us.
    let (seq, prev_hash) = match audit_head(tx)? {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_string()),
    };
    let at = super::now();
    // Read inside the transaction, after the caller's change: the records as
    // this commit leaves them.
    let records = crate::commitments::commit(tx, subject)?;
    let mut entry = AuditEntry {
        seq,
        at,
        actor: actor.to_string(),
        action: action.to_string(),
        subject: subject.to_string(),
        station: tx.station().map(str::to_string),
        details: details.clone(),
        records: Some(records),
        prev_hash,
        hash: String::new(),
    };
    entry.hash = entry_hash(&entry);
    let e = &entry;
    tx.execute(
        "INSERT INTO audit_log (seq, at, actor, action, subject, station, details, records, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            e.seq,
            &e.at,
            &e.actor,
            &e.action,
            &e.subject,
            &e.station,
            canonical_json(&e.details),
            e.records.as_ref().map(canonical_json),
            &e.prev_hash,
            &e.hash
        ],
    )?;
    Ok(entry)
}

/// The newest entry's seq and hash: the value to anchor outside the database.
pub fn audit_head(db: &impl Db) -> Result<Option<(i64, String)>, DbError> {
    db.query_opt("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", &[])?
        .map(|r| Ok((r.int(0)?, r.text(1)?)))
        .transpose()
}

/// The hash of the entry at `seq`, if there is one.
pub fn hash_at(db: &impl Db, seq: i64) -> Result<Option<String>, DbError> {
    db.query_opt("SELECT hash FROM audit_log WHERE seq = ?1", params![seq])?.map(|r| r.text(0)).transpose()
}

/// Entries with `seq > after`, oldest first, at most `limit`.
pub fn entries(db: &impl Db, after: i64, limit: u32) -> Result<Vec<AuditEntry>, AuditError> {
    let rows = db.query(
        &format!("SELECT {COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"),
        params![after, limit],
    )?;
    rows.iter().map(read_entry).collect()
}

const COLUMNS: &str = "seq, at, actor, action, subject, details, records, prev_hash, hash, station";

fn json_column(seq: i64, text: &str) -> Result<Value, AuditError> {
    serde_json::from_str(text).map_err(|e| AuditError::Unreadable { seq, detail: e.to_string() })
}

fn read_entry(r: &Row) -> Result<AuditEntry, AuditError> {
    let seq = r.int(0)?;
    Ok(AuditEntry {
        seq,
        at: r.text(1)?,
        actor: r.text(2)?,
        action: r.text(3)?,
        subject: r.text(4)?,
        station: r.opt_text(9)?,
        details: json_column(seq, &r.text(5)?)?,
        records: r.opt_text(6)?.map(|t| json_column(seq, &t)).transpose()?,
        prev_hash: r.text(7)?,
        hash: r.text(8)?,
    })
}

/// The first seq whose entry must commit to its records (recorded by
/// migration 6: the head at the time plus one).
fn commitments_since(db: &impl Db) -> Result<i64, DbError> {
    db.query_one("SELECT since_seq FROM audit_commitments", &[])?.int(0)
}

/// Walks the whole chain from seq 1 and returns the number of entries, or
/// the first seq at which it breaks; see [`verify_audit_report`].
pub fn verify_audit(db: &impl Db) -> Result<usize, AuditError> {
    verify_audit_report(db).map(|r| r.entries)
}

/// Walks the whole chain from seq 1, then recomputes every record to which an
/// entry committed and compares it with the newest entry that wrote it.
pub fn verify_audit_report(db: &impl Db) -> Result<AuditReport, AuditError> {
    let since = commitments_since(db)?;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS_HASH.to_string();
    // Record id → (seq, sha256) of the newest entry that wrote it.
    let mut newest: BTreeMap<String, (i64, String)> = BTreeMap::new();
    // In pages, so a long trail is never held in memory at once.
    const PAGE: u32 = 10_000;
    // The first page has no lower bound: an entry numbered below 1 is a gap.
    let mut from = i64::MIN;
    loop {
        let page = db.query(
            &format!("SELECT {COLUMNS} FROM audit_log WHERE seq >= ?1 ORDER BY seq LIMIT ?2"),
            params![from, PAGE],
        )?;
        let last_page = page.len() < PAGE as usize;
        for r in &page {
            let seq = r.int(0)?;
            if seq != expected_seq {
                return Err(AuditError::Gap { expected: expected_seq, found: seq });
            }
            let e = read_entry(r)?;
            let recomputed = entry_hash(&e);
            // Contents first: an edited entry is reported as edited even when a
            // forger also patched prev_hash links around it.
            if recomputed != e.hash {
                return Err(AuditError::Edited { seq });
            }
            if e.prev_hash != prev {
                return Err(AuditError::Unlinked { seq });
            }
            match &e.records {
                Some(Value::Object(map)) => {
                    for (id, sha) in map {
                        let sha = sha.as_str().ok_or_else(|| AuditError::Unreadable {
                            seq,
                            detail: format!("records[{id}] is not a sha256 string"),
                        })?;
                        newest.insert(id.clone(), (seq, sha.to_string()));
                    }
                }
                Some(other) => {
                    return Err(AuditError::Unreadable { seq, detail: format!("records is not an object: {other}") });
                }
                None if seq >= since => return Err(AuditError::MissingCommitment { seq, since }),
                None => {}
            }
            prev = e.hash;
            expected_seq += 1;
        }
        if last_page {
            break;
        }
        from = expected_seq;
    }
    let entries = (expected_seq - 1) as usize;
    // Oldest committing entry first, so the report names the earliest edit.
    let mut checks: Vec<(i64, String, String)> = newest.into_iter().map(|(id, (seq, sha))| (seq, id, sha)).collect();
    checks.sort();
    for (seq, id, committed) in &checks {
        let record = crate::commitments::RecordKey::parse(id).ok_or_else(|| AuditError::Unreadable {
            seq: *seq,
            detail: format!("records names `{id}`, which is not a record kind"),
        })?;
        let found = crate::commitments::record_sha256(db, &record)?;
        if &found != committed {
            return Err(AuditError::RecordEdited {
                record: record.to_string(),
                seq: *seq,
                committed: committed.clone(),
                found,
            });
        }
    }
    let before_commitments = entries.min((since - 1).max(0) as usize);
    Ok(AuditReport { entries, before_commitments, records: checks.len() })
}
