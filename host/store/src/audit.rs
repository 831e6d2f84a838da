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
//! outside the database (printed, sent to a supervisor, or signed).

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

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
    pub details: Value,
    pub prev_hash: String,
    pub hash: String,
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
    #[error("reading the audit log: {0}")]
    Sql(#[from] rusqlite::Error),
}

impl AuditError {
    /// The seq at which the chain breaks (`None` for a database error).
    pub fn seq(&self) -> Option<i64> {
        match self {
            AuditError::Gap { expected, .. } => Some(*expected),
            AuditError::Edited { seq } | AuditError::Unlinked { seq } | AuditError::Unreadable { seq, .. } => {
                Some(*seq)
            }
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

fn entry_hash(
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    subject: &str,
    details: &Value,
    prev_hash: &str,
) -> String {
    let body = serde_json::json!({
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "subject": subject,
        "details": details,
        "prev_hash": prev_hash,
    });
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
) -> rusqlite::Result<AuditEntry> {
    // The writer holds the write lock (IMMEDIATE transaction), so max(seq)
    // cannot move under us.
    let (seq, prev_hash) = match audit_head(tx)? {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_string()),
    };
    let at = super::now();
    let hash = entry_hash(seq, &at, actor, action, subject, details, &prev_hash);
    tx.execute(
        "INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, at, actor, action, subject, canonical_json(details), prev_hash, hash],
    )?;
    Ok(AuditEntry {
        seq,
        at,
        actor: actor.to_string(),
        action: action.to_string(),
        subject: subject.to_string(),
        details: details.clone(),
        prev_hash,
        hash,
    })
}

/// The newest entry's seq and hash: the value to anchor outside the database.
pub fn audit_head(conn: &Connection) -> rusqlite::Result<Option<(i64, String)>> {
    conn.query_row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// Entries with `seq > after`, oldest first, at most `limit`.
pub fn entries(conn: &Connection, after: i64, limit: u32) -> Result<Vec<AuditEntry>, AuditError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, subject, details, prev_hash, hash
         FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get::<_, String>(5)?,
            r.get(6)?,
            r.get(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, at, actor, action, subject, details, prev_hash, hash) = row?;
        let details =
            serde_json::from_str(&details).map_err(|e| AuditError::Unreadable { seq, detail: e.to_string() })?;
        out.push(AuditEntry { seq, at, actor, action, subject, details, prev_hash, hash });
    }
    Ok(out)
}

/// Walks the whole chain from seq 1 and returns the number of entries, or
/// the first seq at which it breaks.
pub fn verify_audit(conn: &Connection) -> Result<usize, AuditError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, subject, details, prev_hash, hash
         FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS_HASH.to_string();
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        if seq != expected_seq {
            return Err(AuditError::Gap { expected: expected_seq, found: seq });
        }
        let details: String = r.get(5)?;
        let details: Value =
            serde_json::from_str(&details).map_err(|e| AuditError::Unreadable { seq, detail: e.to_string() })?;
        let prev_hash: String = r.get(6)?;
        let hash: String = r.get(7)?;
        let recomputed = entry_hash(
            seq,
            &r.get::<_, String>(1)?,
            &r.get::<_, String>(2)?,
            &r.get::<_, String>(3)?,
            &r.get::<_, String>(4)?,
            &details,
            &prev_hash,
        );
        // Contents first: an edited entry is reported as edited even when a
        // forger also patched prev_hash links around it.
        if recomputed != hash {
            return Err(AuditError::Edited { seq });
        }
        if prev_hash != prev {
            return Err(AuditError::Unlinked { seq });
        }
        prev = hash;
        expected_seq += 1;
    }
    Ok((expected_seq - 1) as usize)
}
