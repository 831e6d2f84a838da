//! Cards: the service side of issuance. The rules for which card a permit
//! may get live here; the journal and the encoders live in `issuance`.

use serde::Serialize;

use super::{Service, ServiceError};

/// A permit's cards and the journal of writing them.
#[derive(Debug, Serialize)]
pub struct CardStatus {
    pub permit: String,
    /// Whether the permit has a verified card that is not revoked.
    pub carded: bool,
    /// That card.
    pub card: Option<crate::issuance::CardRecord>,
    /// Every card the permit had, revoked ones included.
    pub cards: Vec<crate::issuance::CardRecord>,
    pub issuances: Vec<crate::issuance::Issuance>,
}

impl Service {
    /// Starts writing a permit onto a card: checks the request and records
    /// the issuance as `pending`. [`Service::card_run`] then drives it.
    pub fn card_start(
        &self,
        actor: &str,
        number: &str,
        kind: crate::issuance::Kind,
        encoder: &str,
        legal_date: Option<String>,
    ) -> Result<crate::issuance::Issuance, ServiceError> {
        use crate::issuance::{CardError, Kind, journal};
        self.cards.check_encoder(encoder)?;
        self.cards.check_authority()?;
        let permit = self.permit(number)?;
        if permit.state == juzhu_store::lifecycle::PermitState::Cancelled {
            return Err(CardError::NotAllowed(format!(
                "permit {number} is cancelled; a cancelled permit gets no card"
            ))
            .into());
        }
        let set = self.modules.snapshot();
        let (_, legal_date) = Self::module_for(&set, &permit.jurisdiction, legal_date.as_deref())?;
        let mut store = self.store();
        if let Some(open) = journal::of_permit(&store, number)?.into_iter().find(|i| !i.state.is_terminal()) {
            return Err(CardError::NotAllowed(format!(
                "card issuance {} for permit {number} is still {}; follow it (GET /v1/card-issuances/{}) or resolve it with `juzhu card recover`",
                open.id,
                open.state.as_str(),
                open.id
            ))
            .into());
        }
        if let Some(busy) = journal::unfinished(&store)?.into_iter().find(|i| i.encoder == encoder) {
            return Err(CardError::NotAllowed(format!(
                "encoder `{encoder}` is busy with card issuance {} (permit {}, {}); wait for it, or use another encoder",
                busy.id,
                busy.permit_number,
                busy.state.as_str()
            ))
            .into());
        }
        let valid = journal::valid_card(&store, number)?;
        let replaces = match (kind, &valid) {
            (Kind::Issue, Some(card)) => {
                return Err(CardError::NotAllowed(format!(
                    "permit {number} already has card {}; replace a lost card with a reissue",
                    card.serial
                ))
                .into());
            }
            (Kind::Issue, None) => None,
            (Kind::Reissue | Kind::Endorse, None) => {
                return Err(CardError::NotAllowed(format!("permit {number} has no valid card; issue one first")).into());
            }
            (Kind::Reissue, Some(card)) => Some(card.serial.clone()),
            (Kind::Endorse, Some(_)) => {
                if permit.endorsements.is_empty() {
                    return Err(CardError::NotAllowed(format!("permit {number} has no endorsement to write; endorse it first (POST /v1/permits/{number}/endorse)")).into());
                }
                None
            }
        };
        Ok(journal::create(&mut store, actor, number, kind, encoder, &legal_date.to_string(), replaces.as_deref())?)
    }

    /// Drives card issuance `id` to its end: reads the card, builds and
    /// signs the image from the module's `card` answer, writes, reads back
    /// and verifies. `progress` sees every committed state.
    pub fn card_run(
        &self,
        actor: &str,
        id: i64,
        progress: &dyn Fn(&crate::issuance::Issuance),
    ) -> Result<crate::issuance::Issuance, ServiceError> {
        use crate::issuance::{CardError, journal};
        let row = journal::load(&self.store(), id)?
            .ok_or_else(|| ServiceError::NotFound(format!("card issuance {id} does not exist")))?;
        let permit = self.permit(&row.permit_number)?;
        let set = self.modules.snapshot();
        // The rules in force on the content's legal date write the card.
        let (module, _) = Self::module_for(&set, &permit.jurisdiction, Some(&row.legal_date))?;
        let content = |serial: &str| -> Result<juzhu_card::CardContent, CardError> {
            let answer = self
                .observe(
                    &module,
                    "card",
                    module.card(&permit.to_contract(), permit.facts_on(&row.legal_date), &row.legal_date),
                )
                .map_err(|e| CardError::Content(e.to_string()))?
                .map_err(|e| CardError::Content(super::ServiceError::from(e).to_string()))?;
            crate::issuance::content::from_contract(&answer, serial, self.cards.photo_dir()).map_err(CardError::Content)
        };
        Ok(self.cards.run(&self.store, actor, id, &content, progress)?)
    }

    /// Resolves issuances a crash left unfinished by reading back the cards
    /// in their encoders.
    pub fn card_recover(&self, actor: &str) -> Result<Vec<crate::issuance::Issuance>, ServiceError> {
        Ok(self.cards.recover(&self.store, actor)?)
    }

    /// One card issuance, as the journal holds it.
    pub fn card_issuance(&self, id: i64) -> Result<crate::issuance::Issuance, ServiceError> {
        crate::issuance::journal::load(&self.store(), id)?
            .ok_or_else(|| ServiceError::NotFound(format!("card issuance {id} does not exist")))
    }

    /// A permit's cards and issuances.
    pub fn card_status(&self, number: &str) -> Result<CardStatus, ServiceError> {
        use crate::issuance::journal;
        self.permit(number)?;
        let store = self.store();
        let card = journal::valid_card(&store, number)?;
        Ok(CardStatus {
            permit: number.to_string(),
            carded: card.is_some(),
            card,
            cards: journal::cards_of_permit(&store, number)?,
            issuances: journal::of_permit(&store, number)?,
        })
    }
}
