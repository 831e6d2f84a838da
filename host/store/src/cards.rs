//! The card issuance journal and the cards that verified, as stored. Every
//! transition commits together with its audit entry, so the journal and the
//! audit log never disagree, and a crash leaves the last committed state.
//!
//! Encoders belong to their station: each journal row names the station
//! whose encoder writes it, and [`unfinished`] returns only that station's
//! rows, so a restart resolves its own cards and never another hall's. The
//! image is kept as the JSON the station built (this crate knows no card
//! layout); the station reads it back into its card type.

use serde::Serialize;
use serde_json::{Value, json};

use crate::db::{Db, DbError, Row};
use crate::{Store, StoreError, audit, now, params};

/// Where an issuance stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Recorded; no card read yet.
    Pending,
    /// The image is built for a chip UID and signed; nothing written yet.
    ImageBuilt,
    /// Writing (attempt n); the card may hold part of the image.
    Encoding,
    /// Every file written; not yet read back.
    Written,
    /// Read back and verified: the card counts.
    Verified,
    /// Handed out.
    Done,
    /// The card was faulty and set aside; a new blank is needed.
    Rejected,
    /// Gave up (no card, transient errors after 3 attempts, wrong card).
    Failed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::ImageBuilt => "image_built",
            State::Encoding => "encoding",
            State::Written => "written",
            State::Verified => "verified",
            State::Done => "done",
            State::Rejected => "rejected",
            State::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<State> {
        [
            State::Pending,
            State::ImageBuilt,
            State::Encoding,
            State::Written,
            State::Verified,
            State::Done,
            State::Rejected,
            State::Failed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, State::Done | State::Rejected | State::Failed)
    }
}

/// What an issuance writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The permit's first card.
    Issue,
    /// A new card for a lost one; the old serial is revoked when it verifies.
    Reissue,
    /// An endorsement record appended to the permit's card.
    Endorse,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Issue => "issue",
            Kind::Reissue => "reissue",
            Kind::Endorse => "endorse",
        }
    }
}

/// One journal row; `image` is the card image's JSON.
#[derive(Clone, Debug)]
pub struct IssuanceRow {
    pub id: i64,
    pub permit_number: String,
    pub kind: Kind,
    pub encoder: String,
    pub state: State,
    pub attempt: u32,
    pub chip_uid: Option<String>,
    pub card_serial: Option<String>,
    pub image: Option<String>,
    pub image_sha256: Option<String>,
    pub replaces_serial: Option<String>,
    pub legal_date: String,
    pub error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// The station whose encoder writes it (none: written before schema 7).
    pub station: Option<String>,
}

/// A card that verified.
#[derive(Clone, Debug, Serialize)]
pub struct CardRecord {
    pub serial: String,
    pub permit_number: String,
    pub chip_uid: String,
    /// The issuance whose image the card holds now.
    pub issuance_id: i64,
    pub verified_at: String,
    pub revoked_at: Option<String>,
    pub revoked_reason: Option<String>,
}

const COLUMNS: &str = "id, permit_number, kind, encoder, state, attempt, chip_uid, card_serial, image, image_sha256, replaces_serial, legal_date, error, created_at, updated_at, station";

fn corrupt(detail: String) -> StoreError {
    StoreError::Corrupt { what: "card issuance".into(), detail }
}

fn issuance_row(r: &Row) -> Result<IssuanceRow, StoreError> {
    let kind = r.text(2)?;
    let state = r.text(4)?;
    Ok(IssuanceRow {
        id: r.int(0)?,
        permit_number: r.text(1)?,
        kind: match kind.as_str() {
            "issue" => Kind::Issue,
            "reissue" => Kind::Reissue,
            "endorse" => Kind::Endorse,
            other => return Err(corrupt(format!("issuance kind `{other}`"))),
        },
        encoder: r.text(3)?,
        state: State::parse(&state).ok_or_else(|| corrupt(format!("issuance state `{state}`")))?,
        attempt: u32::try_from(r.int(5)?).map_err(|e| corrupt(format!("attempt: {e}")))?,
        chip_uid: r.opt_text(6)?,
        card_serial: r.opt_text(7)?,
        image: r.opt_text(8)?,
        image_sha256: r.opt_text(9)?,
        replaces_serial: r.opt_text(10)?,
        legal_date: r.text(11)?,
        error: r.opt_text(12)?,
        created_at: r.text(13)?,
        updated_at: r.text(14)?,
        station: r.opt_text(15)?,
    })
}

fn card_row(r: &Row) -> Result<CardRecord, StoreError> {
    Ok(CardRecord {
        serial: r.text(0)?,
        permit_number: r.text(1)?,
        chip_uid: r.text(2)?,
        issuance_id: r.int(3)?,
        verified_at: r.text(4)?,
        revoked_at: r.opt_text(5)?,
        revoked_reason: r.opt_text(6)?,
    })
}

const CARD_COLUMNS: &str = "serial, permit_number, chip_uid, issuance_id, verified_at, revoked_at, revoked_reason";

fn load_in(db: &impl Db, id: i64) -> Result<Option<IssuanceRow>, StoreError> {
    db.query_opt(&format!("SELECT {COLUMNS} FROM card_issuances WHERE id = ?1"), params![id])?
        .map(|r| issuance_row(&r))
        .transpose()
}

pub fn load(store: &Store, id: i64) -> Result<Option<IssuanceRow>, StoreError> {
    load_in(store, id)
}

pub fn of_permit(store: &Store, permit: &str) -> Result<Vec<IssuanceRow>, StoreError> {
    store
        .query(&format!("SELECT {COLUMNS} FROM card_issuances WHERE permit_number = ?1 ORDER BY id"), params![permit])?
        .iter()
        .map(issuance_row)
        .collect()
}

/// This station's issuances a crash may have left between `pending` and
/// `done` (with rows written before stations were named, which belong to the
/// database's only station).
pub fn unfinished(store: &Store) -> Result<Vec<IssuanceRow>, StoreError> {
    store
        .query(
            &format!(
                "SELECT {COLUMNS} FROM card_issuances WHERE state NOT IN ('done', 'rejected', 'failed')
                 AND (station IS NULL OR station = ?1) ORDER BY id"
            ),
            params![store.station()],
        )?
        .iter()
        .map(issuance_row)
        .collect()
}

/// The permit's valid (not revoked) card.
pub fn valid_card(store: &Store, permit: &str) -> Result<Option<CardRecord>, StoreError> {
    store
        .query_opt(
            &format!("SELECT {CARD_COLUMNS} FROM cards WHERE permit_number = ?1 AND revoked_at IS NULL"),
            params![permit],
        )?
        .map(|r| card_row(&r))
        .transpose()
}

pub fn cards_of_permit(store: &Store, permit: &str) -> Result<Vec<CardRecord>, StoreError> {
    store
        .query(
            &format!("SELECT {CARD_COLUMNS} FROM cards WHERE permit_number = ?1 ORDER BY verified_at, serial"),
            params![permit],
        )?
        .iter()
        .map(card_row)
        .collect()
}

pub fn card_by_serial(store: &Store, serial: &str) -> Result<Option<CardRecord>, StoreError> {
    store
        .query_opt(&format!("SELECT {CARD_COLUMNS} FROM cards WHERE serial = ?1"), params![serial])?
        .map(|r| card_row(&r))
        .transpose()
}

fn subject(id: i64) -> String {
    format!("card_issuance:{id}")
}

fn reload(db: &impl Db, id: i64) -> Result<IssuanceRow, StoreError> {
    load_in(db, id)?.ok_or_else(|| StoreError::Sql(DbError::Shape(format!("card issuance {id} vanished"))))
}

/// Records a new issuance in `pending`, for this store's station.
pub fn create(
    store: &mut Store,
    actor: &str,
    permit: &str,
    kind: Kind,
    encoder: &str,
    legal_date: &str,
    replaces_serial: Option<&str>,
) -> Result<IssuanceRow, StoreError> {
    let tx = store.write()?;
    let now = now();
    let id = tx
        .query_one(
            "INSERT INTO card_issuances (permit_number, kind, encoder, state, legal_date, replaces_serial, created_at, updated_at, station)
             VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?6, ?7) RETURNING id",
            params![permit, kind.as_str(), encoder, legal_date, replaces_serial, &now, tx.station()],
        )?
        .int(0)?;
    audit::append(
        &tx,
        actor,
        &format!("card.{}", kind.as_str()),
        &subject(id),
        &json!({ "permit": permit, "encoder": encoder, "state": "pending", "replaces_serial": replaces_serial }),
    )?;
    let row = reload(&tx, id)?;
    tx.commit()?;
    Ok(row)
}

/// A change of state, with what it records.
pub enum Step<'a> {
    /// The signed image (its JSON and sha256) for the chip and serial.
    ImageBuilt {
        chip_uid: &'a str,
        card_serial: &'a str,
        image_json: String,
        image_sha256: String,
    },
    Encoding {
        attempt: u32,
    },
    Written,
    /// Read back and verified: records the card (a reissue revokes the old
    /// serial; an endorsement moves the card to this issuance's image).
    Verified,
    Done,
    Rejected {
        reason: &'a str,
    },
    Failed {
        reason: &'a str,
    },
    /// A transient error during an attempt; the state stays.
    AttemptFailed {
        reason: &'a str,
    },
}

/// Applies `step` to issuance `id` and appends its audit entry, in one transaction.
pub fn advance(store: &mut Store, actor: &str, id: i64, step: Step<'_>) -> Result<IssuanceRow, StoreError> {
    let tx = store.write()?;
    let now = now();
    let before = reload(&tx, id)?;
    let (state, details): (State, Value) = match &step {
        Step::ImageBuilt { chip_uid, card_serial, image_json, image_sha256 } => {
            tx.execute(
                "UPDATE card_issuances SET state = 'image_built', chip_uid = ?2, card_serial = ?3, image = ?4, image_sha256 = ?5, updated_at = ?6 WHERE id = ?1",
                params![id, *chip_uid, *card_serial, image_json, image_sha256, &now],
            )?;
            (
                State::ImageBuilt,
                json!({ "chip_uid": chip_uid, "card_serial": card_serial, "image_sha256": image_sha256 }),
            )
        }
        Step::Encoding { attempt } => {
            tx.execute(
                "UPDATE card_issuances SET state = 'encoding', attempt = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, *attempt, &now],
            )?;
            (State::Encoding, json!({ "attempt": attempt, "chip_uid": before.chip_uid }))
        }
        Step::Written => {
            tx.execute(
                "UPDATE card_issuances SET state = 'written', error = NULL, updated_at = ?2 WHERE id = ?1",
                params![id, &now],
            )?;
            (State::Written, json!({ "attempt": before.attempt }))
        }
        Step::Verified => {
            let serial = before.card_serial.clone().unwrap_or_default();
            let uid = before.chip_uid.clone().unwrap_or_default();
            match before.kind {
                Kind::Issue | Kind::Reissue => {
                    if let Some(old) = &before.replaces_serial {
                        tx.execute(
                            "UPDATE cards SET revoked_at = ?2, revoked_reason = ?3 WHERE serial = ?1 AND revoked_at IS NULL",
                            params![old, &now, format!("reissued as {serial}")],
                        )?;
                    }
                    tx.execute(
                        "INSERT INTO cards (serial, permit_number, chip_uid, issuance_id, verified_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![&serial, &before.permit_number, &uid, id, &now],
                    )?;
                }
                Kind::Endorse => {
                    tx.execute("UPDATE cards SET issuance_id = ?2 WHERE serial = ?1", params![&serial, id])?;
                }
            }
            tx.execute(
                "UPDATE card_issuances SET state = 'verified', updated_at = ?2 WHERE id = ?1",
                params![id, &now],
            )?;
            (
                State::Verified,
                json!({ "card_serial": serial, "chip_uid": uid, "revoked_serial": before.replaces_serial }),
            )
        }
        Step::Done => {
            tx.execute("UPDATE card_issuances SET state = 'done', updated_at = ?2 WHERE id = ?1", params![id, &now])?;
            (State::Done, json!({ "card_serial": before.card_serial }))
        }
        Step::Rejected { reason } => {
            tx.execute(
                "UPDATE card_issuances SET state = 'rejected', error = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, *reason, &now],
            )?;
            (State::Rejected, json!({ "reason": reason, "chip_uid": before.chip_uid }))
        }
        Step::Failed { reason } => {
            tx.execute(
                "UPDATE card_issuances SET state = 'failed', error = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, *reason, &now],
            )?;
            (State::Failed, json!({ "reason": reason }))
        }
        Step::AttemptFailed { reason } => {
            tx.execute(
                "UPDATE card_issuances SET error = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, *reason, &now],
            )?;
            (before.state, json!({ "attempt": before.attempt, "transient": reason }))
        }
    };
    let action = match step {
        Step::AttemptFailed { .. } => "card.attempt_failed".to_string(),
        _ => format!("card.{}", state.as_str()),
    };
    audit::append(&tx, actor, &action, &subject(id), &details)?;
    let row = reload(&tx, id)?;
    tx.commit()?;
    Ok(row)
}
