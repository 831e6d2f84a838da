//! The issuance journal as the station sees it: the store's rows
//! (`juzhu_store::cards`, where the SQL lives) with the card image read back
//! into the card layout's type.

use serde::Serialize;

use juzhu_card::CardImage;
use juzhu_store::cards::{self as stored, IssuanceRow};
use juzhu_store::{Store, StoreError};

pub use juzhu_store::cards::{CardRecord, Kind, State};

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

fn issuance(row: IssuanceRow) -> Result<Issuance, StoreError> {
    let image = row.image.map(|t| serde_json::from_str(&t)).transpose().map_err(|e| StoreError::Corrupt {
        what: format!("card issuance {}", row.id),
        detail: format!("image: {e}"),
    })?;
    Ok(Issuance {
        id: row.id,
        permit_number: row.permit_number,
        kind: row.kind,
        encoder: row.encoder,
        state: row.state,
        attempt: row.attempt,
        chip_uid: row.chip_uid,
        card_serial: row.card_serial,
        image_sha256: row.image_sha256,
        replaces_serial: row.replaces_serial,
        legal_date: row.legal_date,
        error: row.error,
        created_at: row.created_at,
        updated_at: row.updated_at,
        image,
    })
}

pub fn load(store: &Store, id: i64) -> Result<Option<Issuance>, StoreError> {
    stored::load(store, id)?.map(issuance).transpose()
}

pub fn of_permit(store: &Store, permit: &str) -> Result<Vec<Issuance>, StoreError> {
    stored::of_permit(store, permit)?.into_iter().map(issuance).collect()
}

/// This station's issuances a crash may have left between `pending` and `done`.
pub fn unfinished(store: &Store) -> Result<Vec<Issuance>, StoreError> {
    stored::unfinished(store)?.into_iter().map(issuance).collect()
}

/// The permit's valid (not revoked) card.
pub fn valid_card(store: &Store, permit: &str) -> Result<Option<CardRecord>, StoreError> {
    stored::valid_card(store, permit)
}

pub fn cards_of_permit(store: &Store, permit: &str) -> Result<Vec<CardRecord>, StoreError> {
    stored::cards_of_permit(store, permit)
}

pub fn card_by_serial(store: &Store, serial: &str) -> Result<Option<CardRecord>, StoreError> {
    stored::card_by_serial(store, serial)
}

/// Records a new issuance in `pending`, for this station.
pub fn create(
    store: &mut Store,
    actor: &str,
    permit: &str,
    kind: Kind,
    encoder: &str,
    legal_date: &str,
    replaces_serial: Option<&str>,
) -> Result<Issuance, StoreError> {
    issuance(stored::create(store, actor, permit, kind, encoder, legal_date, replaces_serial)?)
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
    let step = match step {
        Step::ImageBuilt { chip_uid, image } => stored::Step::ImageBuilt {
            chip_uid,
            card_serial: &image.card_serial,
            image_json: serde_json::to_string(image).expect("an image serializes"),
            image_sha256: image.sha256(),
        },
        Step::Encoding { attempt } => stored::Step::Encoding { attempt },
        Step::Written => stored::Step::Written,
        Step::Verified => stored::Step::Verified,
        Step::Done => stored::Step::Done,
        Step::Rejected { reason } => stored::Step::Rejected { reason },
        Step::Failed { reason } => stored::Step::Failed { reason },
        Step::AttemptFailed { reason } => stored::Step::AttemptFailed { reason },
    };
    issuance(stored::advance(store, actor, id, step)?)
}
