//! What an audit entry commits to besides itself: the sha256 of each record
//! its transaction wrote (application, decision, permit, card issuance,
//! card), so that a record edited behind the log's back (`UPDATE decisions
//! SET outcome = …`) no longer matches the newest entry that wrote it.
//!
//! The records an entry touches are derived from its subject, so every writer
//! gets commitments without passing them:
//! - `decision:<id>`: the decision and its application;
//! - `permit:<number>`: the permit with its endorsements;
//! - `card_issuance:<id>`: the journal row, and the card it writes or revokes.
//!
//! A record's hash is sha256 of the canonical JSON of its row, keyed by
//! column name, with NULL columns left out: a later migration that adds a
//! nullable column then does not change the hash of any existing row.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::audit::canonical_json;
use crate::db::{Db, DbError, Val};
use crate::params;

/// A record kind an audit entry can commit to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Application,
    Decision,
    Permit,
    CardIssuance,
    Card,
}

impl Kind {
    const ALL: [Kind; 5] = [Kind::Application, Kind::Decision, Kind::Permit, Kind::CardIssuance, Kind::Card];

    /// The prefix in a subject and in an entry's `records` map.
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Application => "application",
            Kind::Decision => "decision",
            Kind::Permit => "permit",
            Kind::CardIssuance => "card_issuance",
            Kind::Card => "card",
        }
    }

    fn table_and_key(self) -> (&'static str, &'static str, bool) {
        match self {
            Kind::Application => ("applications", "id", true),
            Kind::Decision => ("decisions", "id", true),
            Kind::Permit => ("permits", "number", false),
            Kind::CardIssuance => ("card_issuances", "id", true),
            Kind::Card => ("cards", "serial", false),
        }
    }
}

/// One record, e.g. `decision:12` or `permit:330105-2017-000001`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordKey {
    pub kind: Kind,
    pub key: String,
}

impl RecordKey {
    /// Parses `kind:key`; `None` for a subject that is not a record
    /// (`token:…`, `module:…`).
    pub fn parse(s: &str) -> Option<RecordKey> {
        let (prefix, key) = s.split_once(':')?;
        let kind = Kind::ALL.into_iter().find(|k| k.prefix() == prefix)?;
        Some(RecordKey { kind, key: key.to_string() })
    }

    /// The form stored in an entry's `records` map.
    pub fn id(&self) -> String {
        format!("{}:{}", self.kind.prefix(), self.key)
    }
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Kind::CardIssuance => "card issuance",
            other => other.prefix(),
        };
        write!(f, "{kind} {}", self.key)
    }
}

/// The records a write with this subject touched, as seen inside its
/// transaction.
pub(crate) fn records_of(db: &impl Db, subject: &str) -> Result<Vec<RecordKey>, DbError> {
    let Some(key) = RecordKey::parse(subject) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    match key.kind {
        Kind::Decision => {
            if let Some(r) =
                db.query_opt("SELECT application_id FROM decisions WHERE id = ?1", params![int_key(&key.key)])?
            {
                out.push(RecordKey { kind: Kind::Application, key: r.int(0)?.to_string() });
            }
        }
        Kind::CardIssuance => {
            if let Some(r) = db.query_opt(
                "SELECT card_serial, replaces_serial FROM card_issuances WHERE id = ?1",
                params![int_key(&key.key)],
            )? {
                let (written, replaced) = (r.opt_text(0)?, r.opt_text(1)?);
                out.extend(written.into_iter().chain(replaced).map(|key| RecordKey { kind: Kind::Card, key }));
            }
        }
        Kind::Application | Kind::Permit | Kind::Card => {}
    }
    out.push(key);
    Ok(out)
}

/// A non-numeric id matches no row (rather than SQLite's text comparison).
fn int_key(key: &str) -> i64 {
    key.parse().unwrap_or(-1)
}

/// sha256 of the record as stored now; a missing record hashes as `null`.
/// Both engines hash a row alike: integers as numbers, text as strings.
pub fn record_sha256(db: &impl Db, record: &RecordKey) -> Result<String, DbError> {
    let (table, column, integer) = record.kind.table_and_key();
    let sql = format!("SELECT * FROM {table} WHERE {column} = ?1");
    let key = if integer { Val::Int(int_key(&record.key)) } else { Val::Text(record.key.clone()) };
    let row = db.query_opt(&sql, &[key])?;
    let value = match row {
        None => Value::Null,
        Some(row) => {
            let mut map = Map::new();
            for (name, v) in row.names().iter().zip(row.values()) {
                let v = match v {
                    Val::Null => continue,
                    Val::Int(n) => Value::from(*n),
                    Val::Real(x) => Value::from(*x),
                    Val::Text(t) => Value::String(t.clone()),
                };
                map.insert(name.clone(), v);
            }
            if record.kind == Kind::Permit {
                // Endorsements live in their own table but belong to the permit,
                // with the facts recorded at them (only where there are any, so
                // a permit without them hashes as before migration 8).
                let rows = db.query(
                    "SELECT endorsed_on, facts FROM endorsements WHERE permit_number = ?1 ORDER BY endorsed_on",
                    params![&record.key],
                )?;
                let mut dates = Vec::with_capacity(rows.len());
                let mut facts = Map::new();
                for r in &rows {
                    let on = r.text(0)?;
                    if let Some(f) = r.opt_text(1)? {
                        facts.insert(on.clone(), Value::String(f));
                    }
                    dates.push(on);
                }
                map.insert("endorsements".into(), Value::from(dates));
                if !facts.is_empty() {
                    map.insert("endorsement_facts".into(), Value::Object(facts));
                }
            }
            Value::Object(map)
        }
    };
    Ok(hex::encode(Sha256::digest(canonical_json(&value).as_bytes())))
}

/// The `records` map an entry with this subject stores: record id → sha256.
pub(crate) fn commit(db: &impl Db, subject: &str) -> Result<Value, DbError> {
    let mut map = BTreeMap::new();
    for record in records_of(db, subject)? {
        map.insert(record.id(), Value::String(record_sha256(db, &record)?));
    }
    Ok(Value::Object(map.into_iter().collect()))
}
