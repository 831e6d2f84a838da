//! Signed checkpoints of the audit log's head: the anchor outside the
//! database that makes deleting the newest entries detectable.
//!
//! Anyone holding the database file can drop the append-only triggers and
//! delete the last entries; what remains is a shorter chain that verifies.
//! So the station signs `(station, seq, head hash, time)` with its own
//! Ed25519 key, as Certificate Transparency logs sign tree heads, after every
//! `audit.checkpoint_every_entries` entries and at the latest
//! `audit.checkpoint_every_secs` after the last checkpoint. Checkpoints are
//! appended durably, one JSON object a line, to [`log_path`] beside the
//! database, and served at `GET /v1/audit/checkpoints` so that operators or a
//! second station can keep copies. `juzhu audit verify` checks the chain
//! against the newest one ([`check_chain`]).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use juzhu_store::{Db, DbError, Store};
use serde::{Deserialize, Serialize};

use crate::config::StationConfig;

/// The station's checkpoint signing key in the data directory: 64 hex digits
/// (the Ed25519 seed), mode 0600, made at first start.
pub const KEY_FILE: &str = "audit-checkpoint.key";

/// Domain separation: a checkpoint signature can never be mistaken for a
/// card's or a registry's.
const CONTEXT: &str = "juzhu audit checkpoint v1";

/// The checkpoint log of the database at `db`: `<db>-checkpoints.jsonl`.
pub fn log_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push("-checkpoints.jsonl");
    db.with_file_name(name)
}

/// One signed head of the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// `audit.station_name` of the station that signed.
    pub station: String,
    /// The newest entry's seq when signed: the checkpoint covers 1..=seq.
    pub seq: i64,
    /// That entry's hash.
    pub head: String,
    /// When it was signed, RFC 3339 UTC.
    pub at: String,
    /// The signer's Ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// Ed25519 over [`Checkpoint::message`], 128 hex digits.
    pub signature: String,
}

impl Checkpoint {
    /// The signed bytes: one field a line after a context string, so that no
    /// two different checkpoints share a message.
    pub fn message(station: &str, seq: i64, head: &str, at: &str) -> Vec<u8> {
        format!("{CONTEXT}\nstation {station}\nseq {seq}\nhead {head}\nat {at}\n").into_bytes()
    }

    pub fn sign(key: &SigningKey, station: &str, seq: i64, head: &str, at: &str) -> Checkpoint {
        let signature = key.sign(&Self::message(station, seq, head, at));
        Checkpoint {
            station: station.to_string(),
            seq,
            head: head.to_string(),
            at: at.to_string(),
            public_key: hex::encode(key.verifying_key().as_bytes()),
            signature: hex::encode(signature.to_bytes()),
        }
    }

    /// Whether `trusted` signed exactly this checkpoint.
    pub fn verify(&self, trusted: &VerifyingKey) -> Result<(), String> {
        let expected = hex::encode(trusted.as_bytes());
        if self.public_key != expected {
            return Err(format!("it is signed by key {}, not by this station's key {expected}", self.public_key));
        }
        let bytes: [u8; 64] = hex::decode(&self.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("its signature is not 128 hex digits")?;
        trusted
            .verify(&Self::message(&self.station, self.seq, &self.head, &self.at), &Signature::from_bytes(&bytes))
            .map_err(|_| "its signature does not match its contents: it was altered or forged".to_string())
    }
}

/// Why checkpoints could not be read, written or trusted, or why the chain
/// does not reach the newest one.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint key {}: {detail}", path.display())]
    Key { path: PathBuf, detail: String },
    #[error("checkpoint log {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("checkpoint log {} line {line}: {detail}; expected one signed checkpoint object per line", path.display())]
    Unreadable { path: PathBuf, line: usize, detail: String },
    #[error("checkpoint log {} line {line} (seq {seq}) is refused: {detail}", path.display())]
    Refused { path: PathBuf, line: usize, seq: i64, detail: String },
    #[error(
        "checkpoint log {} line {line} goes back from seq {previous} to {seq}; checkpoints only move forward, so lines were reordered or forged", path.display()
    )]
    Backwards { path: PathBuf, line: usize, previous: i64, seq: i64 },
    #[error(
        "audit log truncated: the checkpoint signed at {at} covers entries up to seq {covered} (head {head}), but the log ends at {}; the entries after it were deleted", match found { Some(s) => format!("seq {s}"), None => "nothing (it is empty)".into() }
    )]
    Truncated { covered: i64, head: String, at: String, found: Option<i64> },
    #[error(
        "audit log rewritten: entry seq {seq} has hash {found}, but the checkpoint signed at {at} has {head} for it; the chain was recomputed after an edit"
    )]
    Rewritten { seq: i64, head: String, found: String, at: String },
    #[error("reading the audit log: {0}")]
    Sql(#[from] DbError),
}

fn key_error(path: &Path, detail: impl ToString) -> CheckpointError {
    CheckpointError::Key { path: path.to_path_buf(), detail: detail.to_string() }
}

/// Reads the station's signing key, if it has one.
pub fn read_key(data_dir: &Path) -> Result<Option<SigningKey>, CheckpointError> {
    let path = data_dir.join(KEY_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(key_error(&path, e)),
    };
    let seed: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| key_error(&path, "is not an Ed25519 seed; expected 64 hex digits"))?;
    Ok(Some(SigningKey::from_bytes(&seed)))
}

/// Reads the signing key, creating it (0600, written atomically) at first start.
pub fn load_or_create_key(data_dir: &Path) -> Result<SigningKey, CheckpointError> {
    if let Some(key) = read_key(data_dir)? {
        return Ok(key);
    }
    let path = data_dir.join(KEY_FILE);
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| key_error(&path, format!("no randomness for a new key: {e}")))?;
    juzhu_durable::write_atomic_with_mode(&path, format!("{}\n", hex::encode(seed)).as_bytes(), 0o600)
        .map_err(|e| key_error(&path, e))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Every checkpoint in the log at `path`, oldest first (empty when there is
/// no log yet). Only parses: see [`verify_log`].
pub fn read_log(path: &Path) -> Result<Vec<Checkpoint>, CheckpointError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(CheckpointError::Io { path: path.to_path_buf(), source }),
    };
    parse_log(path, &text)
}

/// Parses checkpoint lines; `path` names the source in errors.
pub fn parse_log(path: &Path, text: &str) -> Result<Vec<Checkpoint>, CheckpointError> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| CheckpointError::Unreadable {
                path: path.to_path_buf(),
                line: i + 1,
                detail: e.to_string(),
            })
        })
        .collect()
}

/// Checks that `trusted` signed every checkpoint and that they only move
/// forward; returns the newest.
pub fn verify_log<'a>(
    path: &Path,
    checkpoints: &'a [Checkpoint],
    trusted: &VerifyingKey,
) -> Result<Option<&'a Checkpoint>, CheckpointError> {
    let mut previous: Option<i64> = None;
    for (i, cp) in checkpoints.iter().enumerate() {
        let line = i + 1;
        cp.verify(trusted).map_err(|detail| CheckpointError::Refused {
            path: path.to_path_buf(),
            line,
            seq: cp.seq,
            detail,
        })?;
        if let Some(prev) = previous
            && cp.seq < prev
        {
            return Err(CheckpointError::Backwards { path: path.to_path_buf(), line, previous: prev, seq: cp.seq });
        }
        previous = Some(cp.seq);
    }
    Ok(checkpoints.last())
}

/// Checks that the chain in `conn` still reaches `cp`: an entry at `cp.seq`
/// whose hash is the signed head. (That the chain itself is whole is
/// `verify_audit`'s job.)
pub fn check_chain(conn: &impl Db, cp: &Checkpoint) -> Result<(), CheckpointError> {
    let at_seq = juzhu_store::audit::hash_at(conn, cp.seq)?;
    match at_seq {
        Some(found) if found == cp.head => Ok(()),
        Some(found) => Err(CheckpointError::Rewritten { seq: cp.seq, head: cp.head.clone(), found, at: cp.at.clone() }),
        None => Err(CheckpointError::Truncated {
            covered: cp.seq,
            head: cp.head.clone(),
            at: cp.at.clone(),
            found: juzhu_store::audit_head(conn)?.map(|(seq, _)| seq),
        }),
    }
}

/// Signs checkpoints for one station as its audit log grows.
pub struct Checkpointer {
    key: SigningKey,
    station: String,
    path: PathBuf,
    every_entries: i64,
    every: Duration,
    /// The newest checkpoint and when this process last signed or loaded it.
    last: Mutex<(Option<Checkpoint>, Instant)>,
}

impl Checkpointer {
    /// Loads (or makes) the key and the log of the database at `db`, and
    /// refuses a chain that no longer reaches the newest checkpoint: a station
    /// must not sign over a truncation.
    pub fn open(config: &StationConfig, db: &Path, conn: &impl Db) -> Result<Checkpointer, CheckpointError> {
        let key = load_or_create_key(&config.data_dir)?;
        let path = log_path(db);
        let all = read_log(&path)?;
        let newest = verify_log(&path, &all, &key.verifying_key())?.cloned();
        if let Some(cp) = &newest {
            check_chain(conn, cp)?;
        }
        Ok(Checkpointer {
            key,
            station: config.audit.station_name.clone(),
            path,
            every_entries: config.audit.checkpoint_every_entries.try_into().unwrap_or(i64::MAX),
            every: Duration::from_secs(config.audit.checkpoint_every_secs),
            last: Mutex::new((newest, Instant::now())),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Signs a checkpoint if one is due: `every_entries` new entries, or any
    /// new entry once `every` has passed.
    pub fn tick(&self, conn: &impl Db) -> Result<Option<Checkpoint>, CheckpointError> {
        self.sign_if(conn, false)
    }

    /// Signs the head now if it moved since the last checkpoint.
    pub fn sign_now(&self, conn: &impl Db) -> Result<Option<Checkpoint>, CheckpointError> {
        self.sign_if(conn, true)
    }

    fn sign_if(&self, conn: &impl Db, force: bool) -> Result<Option<Checkpoint>, CheckpointError> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let Some((seq, head)) = juzhu_store::audit_head(conn)? else { return Ok(None) };
        let covered = last.0.as_ref().map_or(0, |cp| cp.seq);
        if seq == covered {
            return Ok(None);
        }
        if let Some(cp) = &last.0 {
            // Never sign a head that does not extend the last one.
            check_chain(conn, cp)?;
        }
        if !force && seq - covered < self.every_entries && last.1.elapsed() < self.every {
            return Ok(None);
        }
        let cp = Checkpoint::sign(&self.key, &self.station, seq, &head, &juzhu_store::now());
        let mut line = serde_json::to_string(&cp).expect("a checkpoint serializes");
        line.push('\n');
        juzhu_durable::append(&self.path, line.as_bytes())
            .map_err(|source| CheckpointError::Io { path: self.path.clone(), source })?;
        *last = (Some(cp.clone()), Instant::now());
        Ok(Some(cp))
    }

    /// Checks for a due checkpoint every 200 ms on a thread of its own, with
    /// its own read connection to the database at `db`.
    pub fn spawn(self: std::sync::Arc<Self>, db: juzhu_store::Location, station: String) {
        std::thread::Builder::new()
            .name("audit-checkpoint".into())
            .spawn(move || {
                let mut failing = false;
                let conn = match Store::connect(&db) {
                    Ok(c) => c.for_station(&station),
                    Err(e) => return tracing::error!("audit checkpoints stopped: cannot open {}: {e}", db.describe()),
                };
                loop {
                    std::thread::sleep(Duration::from_millis(200));
                    match self.tick(&conn) {
                        Ok(Some(cp)) => {
                            failing = false;
                            tracing::debug!(seq = cp.seq, "audit checkpoint signed at seq {}", cp.seq);
                        }
                        Ok(None) => failing = false,
                        // Logged once per failure spell, not every tick.
                        Err(e) if !failing => {
                            failing = true;
                            tracing::error!("no audit checkpoint signed: {e}");
                        }
                        Err(_) => {}
                    }
                }
            })
            .expect("a thread starts");
    }
}
