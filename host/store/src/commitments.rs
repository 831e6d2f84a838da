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

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::audit::canonical_json;

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
pub(crate) fn records_of(conn: &Connection, subject: &str) -> rusqlite::Result<Vec<RecordKey>> {
    let Some(key) = RecordKey::parse(subject) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    match key.kind {
        Kind::Decision => {
            let app: Option<i64> = conn
                .query_row("SELECT application_id FROM decisions WHERE id = ?1", [int_key(&key.key)], |r| r.get(0))
                .optional()?;
            if let Some(app) = app {
                out.push(RecordKey { kind: Kind::Application, key: app.to_string() });
            }
        }
        Kind::CardIssuance => {
            let serials: Option<(Option<String>, Option<String>)> = conn
                .query_row(
                    "SELECT card_serial, replaces_serial FROM card_issuances WHERE id = ?1",
                    [int_key(&key.key)],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((written, replaced)) = serials {
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
pub fn record_sha256(conn: &Connection, record: &RecordKey) -> rusqlite::Result<String> {
    let (table, column, integer) = record.kind.table_and_key();
    let sql = format!("SELECT * FROM {table} WHERE {column} = ?1");
    let mut stmt = conn.prepare(&sql)?;
    let names: Vec<String> = stmt.column_names().into_iter().map(String::from).collect();
    let key: Box<dyn rusqlite::ToSql> =
        if integer { Box::new(int_key(&record.key)) } else { Box::new(record.key.clone()) };
    let row = stmt
        .query_row([key], |r| {
            let mut map = Map::new();
            for (i, name) in names.iter().enumerate() {
                let v = match r.get_ref(i)? {
                    ValueRef::Null => continue,
                    ValueRef::Integer(n) => Value::from(n),
                    ValueRef::Real(x) => Value::from(x),
                    ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::String(hex::encode(b)),
                };
                map.insert(name.clone(), v);
            }
            Ok(map)
        })
        .optional()?;
    let value = match row {
        None => Value::Null,
        Some(mut map) => {
            if record.kind == Kind::Permit {
                // Endorsements live in their own table but belong to the permit.
                let dates: Vec<String> = conn
                    .prepare("SELECT endorsed_on FROM endorsements WHERE permit_number = ?1 ORDER BY endorsed_on")?
                    .query_map([&record.key], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                map.insert("endorsements".into(), Value::from(dates));
            }
            Value::Object(map)
        }
    };
    Ok(hex::encode(Sha256::digest(canonical_json(&value).as_bytes())))
}

/// The `records` map an entry with this subject stores: record id → sha256.
pub(crate) fn commit(conn: &Connection, subject: &str) -> rusqlite::Result<Value> {
    let mut map = BTreeMap::new();
    for record in records_of(conn, subject)? {
        map.insert(record.id(), Value::String(record_sha256(conn, &record)?));
    }
    Ok(Value::Object(map.into_iter().collect()))
}
