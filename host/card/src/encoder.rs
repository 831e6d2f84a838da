//! The encoder trait the issuance journal drives and the in-memory driver.
//! The error classes the journal decides on are [`crate::error`]'s
//! [`EncoderError`], re-exported here.

use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;

use crate::apdu::{Session, Transport};
use crate::dump::CardDump;
pub use crate::error::EncoderError;
use crate::image::CardImage;
use crate::sim::{Reply, SimCard};

/// A card found in the encoder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Detected {
    #[serde(with = "hex::serde")]
    pub atr: Vec<u8>,
    #[serde(with = "hex::serde")]
    pub chip_uid: Vec<u8>,
    /// Whether the card already carries a juzhu application.
    pub has_application: bool,
}

/// A card encoder attached to the station.
pub trait Encoder: Send {
    fn name(&self) -> &str;
    /// The card in the encoder: ATR and chip UID.
    fn detect(&mut self) -> Result<Detected, EncoderError>;
    /// Writes the image's files, the security object last.
    fn write(&mut self, image: &CardImage) -> Result<(), EncoderError>;
    /// Reads every file of the application back.
    fn read_back(&mut self) -> Result<CardDump, EncoderError>;
    /// Hands the finished card out.
    fn accept(&mut self) -> Result<(), EncoderError>;
    /// Voids a faulty card (as far as it still takes writes) and sets it aside.
    fn reject(&mut self, reason: &str) -> Result<(), EncoderError>;
}

/// Where a card went when it left a memory encoder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Disposition {
    Accepted,
    Rejected(String),
}

#[derive(Default)]
struct Slot {
    card: Option<SimCard>,
    /// Cards handed out, oldest first.
    out: Vec<(SimCard, Disposition)>,
    /// With a hopper, a new blank drops in when a card is handed out; the
    /// number is the last UID's serial.
    hopper: Option<u32>,
}

/// An encoder whose cards are [`SimCard`]s in memory, shared with the test
/// that inserts them and injects faults.
#[derive(Clone)]
pub struct MemoryEncoder {
    name: String,
    slot: Arc<Mutex<Slot>>,
}

impl MemoryEncoder {
    pub fn new(name: &str) -> Self {
        MemoryEncoder { name: name.to_string(), slot: Arc::default() }
    }

    /// An encoder fed from a hopper of blank cards (UIDs `04 4A 5A 00 00 00 01`,
    /// `…02`, …): what a station file's `driver = "memory"` gets, for
    /// demonstrations without hardware.
    pub fn with_hopper(name: &str) -> Self {
        let enc = MemoryEncoder::new(name);
        enc.slot().hopper = Some(0);
        enc.refill();
        enc
    }

    fn refill(&self) {
        let mut slot = self.slot();
        if let (Some(n), None) = (slot.hopper, &slot.card) {
            let next = n + 1;
            let mut uid = vec![0x04, 0x4A, 0x5A];
            uid.extend_from_slice(&next.to_be_bytes());
            slot.card = Some(SimCard::blank(&uid));
            slot.hopper = Some(next);
        }
    }

    fn slot(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn insert(&self, card: SimCard) {
        self.slot().card = Some(card);
    }

    /// Takes the card out without accepting or rejecting it.
    pub fn remove(&self) -> Option<SimCard> {
        self.slot().card.take()
    }

    /// Runs `f` on the card in the encoder.
    pub fn with_card<R>(&self, f: impl FnOnce(&mut SimCard) -> R) -> Option<R> {
        self.slot().card.as_mut().map(f)
    }

    /// Cards accepted or rejected so far.
    pub fn handed_out(&self) -> Vec<(SimCard, Disposition)> {
        self.slot().out.clone()
    }

    fn hand_out(&mut self, d: Disposition) -> Result<(), EncoderError> {
        {
            let mut slot = self.slot();
            let card = slot.card.take().ok_or(EncoderError::NoCard { encoder: self.name.clone() })?;
            slot.out.push((card, d));
        }
        self.refill();
        Ok(())
    }
}

impl Transport for MemoryEncoder {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, EncoderError> {
        let mut slot = self.slot();
        let card = slot.card.as_mut().ok_or(EncoderError::NoCard { encoder: self.name.clone() })?;
        match card.process(apdu) {
            Reply::Apdu(r) => Ok(r),
            // The clerk puts the pulled card straight back: it stays in the
            // slot, reset, and the next attempt finds it.
            Reply::Pulled => Err(EncoderError::Transient { detail: "the card was removed during the command".into() }),
        }
    }
}

impl Encoder for MemoryEncoder {
    fn name(&self) -> &str {
        &self.name
    }

    fn detect(&mut self) -> Result<Detected, EncoderError> {
        let atr = self.with_card(|c| {
            c.reset();
            c.atr.clone()
        });
        let atr = atr.ok_or(EncoderError::NoCard { encoder: self.name.clone() })?;
        let mut s = Session::new(self);
        let chip_uid = s.chip_uid()?;
        let has_application = s.select_application()?;
        Ok(Detected { atr, chip_uid, has_application })
    }

    fn write(&mut self, image: &CardImage) -> Result<(), EncoderError> {
        Session::new(self).write_image(image)
    }

    fn read_back(&mut self) -> Result<CardDump, EncoderError> {
        let atr = self.with_card(|c| c.atr.clone()).unwrap_or_default();
        Session::new(self).read_back(&atr)
    }

    fn accept(&mut self) -> Result<(), EncoderError> {
        self.hand_out(Disposition::Accepted)
    }

    fn reject(&mut self, reason: &str) -> Result<(), EncoderError> {
        // Best effort: a card too faulty to take the write is voided anyway.
        let _ = Session::new(self).void();
        self.hand_out(Disposition::Rejected(reason.to_string()))
    }
}
