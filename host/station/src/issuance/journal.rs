//! The issuance journal's rows and its transitions. Every transition
//! commits together with its audit entry, so the journal and the audit log
//! never disagree, and a crash leaves the last committed state.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::json;

use juzhu_card::CardImage;
use juzhu_store::{Store, StoreError, audit};

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

/// One journal row.
#[derive(Clone, Debug, Serialize)]
pub struct Issuance {
    pub id: i64,
    pub permit_number: String,
    pub kind: Kind,
    pub encoder: String,
    pub state: State,
    pub attempt: u32,
    pub chip_uid: Option<String>,
    pub card_serial: Option<String>,
    pub image_sha256: Option<String>,
    pub replaces_serial: Option<String>,
    pub legal_date: String,
    pub error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip)]
    pub image: Option<CardImage>,
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

const COLUMNS: &str = "id, permit_number, kind, encoder, state, attempt, chip_uid, card_serial, image, image_sha256, replaces_serial, legal_date, error, created_at, updated_at";

fn corrupt(detail: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, detail.into())
}

fn issuance_row(r: &Row<'_>) -> rusqlite::Result<Issuance> {
    let kind: String = r.get(2)?;
    let state: String = r.get(4)?;
    let image: Option<String> = r.get(8)?;
    Ok(Issuance {
        id: r.get(0)?,
        permit_number: r.get(1)?,
        kind: match kind.as_str() {
            "issue" => Kind::Issue,
            "reissue" => Kind::Reissue,
            "endorse" => Kind::Endorse,
            other => return Err(corrupt(format!("issuance kind `{other}`"))),
        },
        encoder: r.get(3)?,
        state: State::parse(&state).ok_or_else(|| corrupt(format!("issuance state `{state}`")))?,
        attempt: r.get(5)?,
        chip_uid: r.get(6)?,
        card_serial: r.get(7)?,
        image: image
            .map(|t| serde_json::from_str(&t).map_err(|e| corrupt(format!("issuance image: {e}"))))
            .transpose()?,
        image_sha256: r.get(9)?,
        replaces_serial: r.get(10)?,
        legal_date: r.get(11)?,
        error: r.get(12)?,
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
    })
}

fn card_row(r: &Row<'_>) -> rusqlite::Result<CardRecord> {
    Ok(CardRecord {
        serial: r.get(0)?,
        permit_number: r.get(1)?,
        chip_uid: r.get(2)?,
        issuance_id: r.get(3)?,
        verified_at: r.get(4)?,
        revoked_at: r.get(5)?,
        revoked_reason: r.get(6)?,
    })
}

const CARD_COLUMNS: &str = "serial, permit_number, chip_uid, issuance_id, verified_at, revoked_at, revoked_reason";

pub fn load(store: &Store, id: i64) -> Result<Option<Issuance>, StoreError> {
    Ok(store
        .conn()
        .query_row(&format!("SELECT {COLUMNS} FROM card_issuances WHERE id = ?1"), [id], issuance_row)
        .optional()?)
}

pub fn of_permit(store: &Store, permit: &str) -> Result<Vec<Issuance>, StoreError> {
    let mut stmt =
        store.conn().prepare(&format!("SELECT {COLUMNS} FROM card_issuances WHERE permit_number = ?1 ORDER BY id"))?;
    let rows = stmt.query_map([permit], issuance_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Issuances a crash may have left between `pending` and `done`.
pub fn unfinished(store: &Store) -> Result<Vec<Issuance>, StoreError> {
    let mut stmt = store.conn().prepare(&format!(
        "SELECT {COLUMNS} FROM card_issuances WHERE state NOT IN ('done', 'rejected', 'failed') ORDER BY id"
    ))?;
    let rows = stmt.query_map([], issuance_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The permit's valid (not revoked) card.
pub fn valid_card(store: &Store, permit: &str) -> Result<Option<CardRecord>, StoreError> {
    Ok(store
        .conn()
        .query_row(
            &format!("SELECT {CARD_COLUMNS} FROM cards WHERE permit_number = ?1 AND revoked_at IS NULL"),
            [permit],
            card_row,
        )
        .optional()?)
}

pub fn cards_of_permit(store: &Store, permit: &str) -> Result<Vec<CardRecord>, StoreError> {
    let mut stmt = store
        .conn()
        .prepare(&format!("SELECT {CARD_COLUMNS} FROM cards WHERE permit_number = ?1 ORDER BY verified_at, serial"))?;
    let rows = stmt.query_map([permit], card_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn card_by_serial(store: &Store, serial: &str) -> Result<Option<CardRecord>, StoreError> {
    Ok(store
        .conn()
        .query_row(&format!("SELECT {CARD_COLUMNS} FROM cards WHERE serial = ?1"), [serial], card_row)
        .optional()?)
}

fn subject(id: i64) -> String {
    format!("card_issuance:{id}")
}

fn reload(tx: &Connection, id: i64) -> rusqlite::Result<Issuance> {
    tx.query_row(&format!("SELECT {COLUMNS} FROM card_issuances WHERE id = ?1"), [id], issuance_row)
}

/// Records a new issuance in `pending`.
pub fn create(
    store: &mut Store,
    actor: &str,
    permit: &str,
    kind: Kind,
    encoder: &str,
    legal_date: &str,
    replaces_serial: Option<&str>,
) -> Result<Issuance, StoreError> {
    let tx = store.write()?;
    let now = juzhu_store::now();
    tx.execute(
        "INSERT INTO card_issuances (permit_number, kind, encoder, state, legal_date, replaces_serial, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?6)",
        params![permit, kind.as_str(), encoder, legal_date, replaces_serial, now],
    )?;
    let id = tx.last_insert_rowid();
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
    ImageBuilt {
        chip_uid: &'a str,
        image: &'a CardImage,
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
pub fn advance(store: &mut Store, actor: &str, id: i64, step: Step<'_>) -> Result<Issuance, StoreError> {
    let tx = store.write()?;
    let now = juzhu_store::now();
    let before = reload(&tx, id)?;
    let (state, details) = match &step {
        Step::ImageBuilt { chip_uid, image } => {
            let sha = image.sha256();
            tx.execute(
                "UPDATE card_issuances SET state = 'image_built', chip_uid = ?2, card_serial = ?3, image = ?4, image_sha256 = ?5, updated_at = ?6 WHERE id = ?1",
                params![id, chip_uid, image.card_serial, serde_json::to_string(image).expect("an image serializes"), sha, now],
            )?;
            (State::ImageBuilt, json!({ "chip_uid": chip_uid, "card_serial": image.card_serial, "image_sha256": sha }))
        }
        Step::Encoding { attempt } => {
            tx.execute(
                "UPDATE card_issuances SET state = 'encoding', attempt = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, attempt, now],
            )?;
            (State::Encoding, json!({ "attempt": attempt, "chip_uid": before.chip_uid }))
        }
        Step::Written => {
            tx.execute(
                "UPDATE card_issuances SET state = 'written', error = NULL, updated_at = ?2 WHERE id = ?1",
                params![id, now],
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
                            params![old, now, format!("reissued as {serial}")],
                        )?;
                    }
                    tx.execute(
                        "INSERT INTO cards (serial, permit_number, chip_uid, issuance_id, verified_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![serial, before.permit_number, uid, id, now],
                    )?;
                }
                Kind::Endorse => {
                    tx.execute("UPDATE cards SET issuance_id = ?2 WHERE serial = ?1", params![serial, id])?;
                }
            }
            tx.execute(
                "UPDATE card_issuances SET state = 'verified', updated_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
            (
                State::Verified,
                json!({ "card_serial": serial, "chip_uid": uid, "revoked_serial": before.replaces_serial }),
            )
        }
        Step::Done => {
            tx.execute("UPDATE card_issuances SET state = 'done', updated_at = ?2 WHERE id = ?1", params![id, now])?;
            (State::Done, json!({ "card_serial": before.card_serial }))
        }
        Step::Rejected { reason } => {
            tx.execute(
                "UPDATE card_issuances SET state = 'rejected', error = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, reason, now],
            )?;
            (State::Rejected, json!({ "reason": reason, "chip_uid": before.chip_uid }))
        }
        Step::Failed { reason } => {
            tx.execute(
                "UPDATE card_issuances SET state = 'failed', error = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, reason, now],
            )?;
            (State::Failed, json!({ "reason": reason }))
        }
        Step::AttemptFailed { reason } => {
            tx.execute(
                "UPDATE card_issuances SET error = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, reason, now],
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
