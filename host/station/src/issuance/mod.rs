//! IC-card issuance: the station's encoders and the write-ahead journal
//! that drives them.
//!
//! One issuance runs `pending → image_built → encoding (attempt n, chip UID)
//! → written → verified → done`, or ends `rejected` (a faulty card, set
//! aside: insert a new blank) or `failed` (no card, the wrong card, or
//! transient errors on all 3 attempts). Each state is committed, with its
//! audit entry, before the step it announces, so a crash at any point leaves
//! a state [`Desk::recover`] can resolve by reading back the card in the
//! encoder. The image and its signature are stored before the first write,
//! so every retry writes the same bytes. A permit counts as carded only
//! through a `cards` row, written in the `verified` transition.

pub mod content;
pub mod journal;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ed25519_dalek::VerifyingKey;
use juzhu_card::{Authority, CardContent, CardImage, Encoder, EncoderError, MemoryEncoder};

use crate::config::{CardConfig, EncoderConfig, EncoderDriver};
use journal::Step;
pub use journal::{CardRecord, Issuance, Kind, State};
use juzhu_store::{Store, StoreError};

/// Attempts at writing one card before the issuance fails.
pub const MAX_ATTEMPTS: u32 = 3;

/// Why a card request was refused or could not finish.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("no encoder named `{name}`; this station has: {known}")]
    UnknownEncoder { name: String, known: String },
    #[error(
        "card.authority_key is not set in the station file; generate a key with `juzhu card keygen --out authority.key` and set card.authority_key to its path"
    )]
    NoAuthorityKey,
    #[error("{0}")]
    Key(#[from] juzhu_card::security::KeyError),
    #[error("permit {0} does not exist")]
    PermitNotFound(String),
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0}")]
    Content(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One process drives a station's cards at a time: `juzhu serve` for its
/// lifetime, or one `juzhu card` command. Otherwise a command's recovery
/// could take over an issuance the running service is still writing.
pub struct CardLock {
    _file: std::fs::File,
}

impl CardLock {
    /// Takes the lock in `data_dir`, or says who holds it.
    pub fn acquire(data_dir: &std::path::Path) -> Result<CardLock, CardError> {
        let path = data_dir.join("cards.lock");
        let file = std::fs::File::create(&path)
            .map_err(|e| CardError::NotAllowed(format!("cannot create {}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => Ok(CardLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(CardError::NotAllowed(format!(
                "another juzhu process (juzhu serve, or a juzhu card command) is driving this station's cards ({} is locked); use the API of the running service, or wait",
                path.display()
            ))),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(CardError::NotAllowed(format!("cannot lock {}: {e}", path.display())))
            }
        }
    }
}

/// The station's encoders, its signing key and the keys it trusts.
pub struct Desk {
    encoders: BTreeMap<String, Mutex<Box<dyn Encoder>>>,
    authority: Option<Authority>,
    trusted: Vec<VerifyingKey>,
    /// Pause before retrying after a transient error (card pulled).
    pub retry_delay: Duration,
    photo_dir: Option<std::path::PathBuf>,
    /// Memory encoders, kept so tests (and demonstrations) can insert cards.
    memory: BTreeMap<String, MemoryEncoder>,
}

impl Desk {
    /// The desk a station file describes.
    pub fn from_config(card: &CardConfig, encoders: &[EncoderConfig]) -> Result<Desk, CardError> {
        let authority = card.authority_key.as_deref().map(Authority::load).transpose()?;
        let mut trusted: Vec<VerifyingKey> = authority.iter().map(|a| a.public()).collect();
        for key in &card.trusted_keys {
            trusted.push(juzhu_card::security::public_key_from_hex(key)?);
        }
        let mut desk = Desk {
            encoders: BTreeMap::new(),
            authority,
            trusted,
            retry_delay: Duration::from_millis(card.retry_delay_ms),
            photo_dir: card.photo_dir.clone(),
            memory: BTreeMap::new(),
        };
        for e in encoders {
            match e.driver {
                EncoderDriver::Memory => {
                    let enc = MemoryEncoder::with_hopper(&e.name);
                    desk.memory.insert(e.name.clone(), enc.clone());
                    desk.add(Box::new(enc));
                }
                EncoderDriver::Pcsc => {
                    desk.add(Box::new(juzhu_card::pcsc_driver::PcscEncoder::new(&e.name, e.reader.as_deref())))
                }
            };
        }
        Ok(desk)
    }

    /// A desk with no encoders signing with `authority` (tests).
    pub fn new(authority: Option<Authority>) -> Desk {
        let trusted = authority.iter().map(|a| a.public()).collect();
        Desk {
            encoders: BTreeMap::new(),
            authority,
            trusted,
            retry_delay: Duration::from_millis(200),
            photo_dir: None,
            memory: BTreeMap::new(),
        }
    }

    /// Where holders' photos are, by the module's `photo_ref`.
    pub fn set_photo_dir(&mut self, dir: Option<std::path::PathBuf>) {
        self.photo_dir = dir;
    }

    pub fn add(&mut self, encoder: Box<dyn Encoder>) {
        self.encoders.insert(encoder.name().to_string(), Mutex::new(encoder));
    }

    /// Adds a memory encoder and returns its handle.
    pub fn add_memory(&mut self, name: &str) -> MemoryEncoder {
        let enc = MemoryEncoder::new(name);
        self.memory.insert(name.to_string(), enc.clone());
        self.add(Box::new(enc.clone()));
        enc
    }

    pub fn memory_encoder(&self, name: &str) -> Option<&MemoryEncoder> {
        self.memory.get(name)
    }

    pub fn encoder_names(&self) -> Vec<String> {
        self.encoders.keys().cloned().collect()
    }

    pub fn trusted(&self) -> &[VerifyingKey] {
        &self.trusted
    }

    pub fn photo_dir(&self) -> Option<&std::path::Path> {
        self.photo_dir.as_deref()
    }

    pub fn check_encoder(&self, name: &str) -> Result<(), CardError> {
        if self.encoders.contains_key(name) {
            Ok(())
        } else {
            let known = if self.encoders.is_empty() {
                "none; add an [[encoders]] table to the station file".to_string()
            } else {
                self.encoder_names().join(", ")
            };
            Err(CardError::UnknownEncoder { name: name.to_string(), known })
        }
    }

    pub fn check_authority(&self) -> Result<(), CardError> {
        self.authority.as_ref().map(|_| ()).ok_or(CardError::NoAuthorityKey)
    }

    fn with_encoder<R>(&self, name: &str, f: impl FnOnce(&mut dyn Encoder) -> R) -> Result<R, CardError> {
        self.check_encoder(name)?;
        let mut guard = self.encoders[name].lock().unwrap_or_else(|e| e.into_inner());
        Ok(f(guard.as_mut()))
    }

    /// Detects a card, waiting up to `retry_delay × MAX_ATTEMPTS` for one.
    fn detect(&self, encoder: &str) -> Result<Result<juzhu_card::Detected, EncoderError>, CardError> {
        let deadline = Instant::now() + self.retry_delay * MAX_ATTEMPTS;
        loop {
            let found = self.with_encoder(encoder, |e| e.detect())?;
            match found {
                Err(e) if e.is_transient() && Instant::now() < deadline => {
                    std::thread::sleep(self.retry_delay.min(Duration::from_millis(200)))
                }
                other => return Ok(other),
            }
        }
    }

    /// Drives issuance `id` from wherever it stands to a terminal state.
    /// `content` gives the card's content for the serial the journal chose;
    /// `progress` sees each committed state.
    pub fn run(
        &self,
        store: &Mutex<Store>,
        actor: &str,
        id: i64,
        content: &dyn Fn(&str) -> Result<CardContent, CardError>,
        progress: &dyn Fn(&Issuance),
    ) -> Result<Issuance, CardError> {
        let lock = || store.lock().unwrap_or_else(|e| e.into_inner());
        let step = |s: Step<'_>| -> Result<Issuance, CardError> {
            let row = journal::advance(&mut lock(), actor, id, s)?;
            progress(&row);
            Ok(row)
        };
        let mut row = journal::load(&lock(), id)?
            .ok_or_else(|| CardError::NotAllowed(format!("card issuance {id} does not exist")))?;
        if row.state == State::Pending {
            let detected = match self.detect(&row.encoder)? {
                Ok(d) => d,
                Err(e) => return step(Step::Failed { reason: &format!("{e}; nothing was written") }),
            };
            let uid = hex::encode_upper(&detected.chip_uid);
            let serial = match row.kind {
                Kind::Endorse => {
                    let card = journal::valid_card(&lock(), &row.permit_number)?;
                    match card {
                        Some(c) if c.chip_uid == uid => c.serial,
                        Some(c) => {
                            return step(Step::Failed {
                                reason: &format!(
                                    "the card in encoder `{}` is chip {uid}, but permit {}'s card {} is chip {}; insert that card",
                                    row.encoder, row.permit_number, c.serial, c.chip_uid
                                ),
                            });
                        }
                        None => {
                            return step(Step::Failed {
                                reason: &format!("permit {} has no valid card to endorse", row.permit_number),
                            });
                        }
                    }
                }
                Kind::Issue | Kind::Reissue => {
                    if detected.has_application {
                        return step(Step::Failed {
                            reason: &format!(
                                "the card in encoder `{}` (chip {uid}) already carries a juzhu application; insert a blank card",
                                row.encoder
                            ),
                        });
                    }
                    format!("{}-{:04}", row.permit_number, row.id)
                }
            };
            let content = match content(&serial) {
                Ok(c) => c,
                Err(e) => return step(Step::Failed { reason: &format!("the card content could not be built: {e}") }),
            };
            let authority = self.authority.as_ref().ok_or(CardError::NoAuthorityKey)?;
            let image = match CardImage::build(&content, &row.id.to_string(), &detected.chip_uid, authority) {
                Ok(i) => i,
                Err(e) => return step(Step::Failed { reason: &e.to_string() }),
            };
            row = step(Step::ImageBuilt { chip_uid: &uid, image: &image })?;
        }
        self.finish(&row, &step)
    }

    /// From `image_built` (or a crash after it) to a terminal state.
    fn finish(
        &self,
        row: &Issuance,
        step: &dyn Fn(Step<'_>) -> Result<Issuance, CardError>,
    ) -> Result<Issuance, CardError> {
        let Some(image) = row.image.clone() else {
            return step(Step::Failed { reason: "the journal holds no image for this issuance" });
        };
        let mut row = row.clone();
        // A crash after `verified`: the card counts already; hand it out.
        if row.state == State::Verified {
            let _ = self.with_encoder(&row.encoder, |e| e.accept())?;
            return step(Step::Done);
        }
        let mut attempt = row.attempt;
        // A crash after `written`, or in `encoding`: the card may be complete.
        if matches!(row.state, State::Encoding | State::Written) {
            match self.check_card(&row, &image)? {
                Check::Verified => return self.verified(&row, step),
                Check::WrongCard(why) | Check::Unavailable(why) => return step(Step::Failed { reason: &why }),
                Check::Incomplete(_) | Check::Unreadable(_) => {}
            }
        }
        loop {
            if attempt >= MAX_ATTEMPTS {
                let last = row.error.clone().unwrap_or_else(|| "no error recorded".into());
                return step(Step::Failed { reason: &format!("{MAX_ATTEMPTS} attempts failed; last: {last}") });
            }
            // The image is bound to one chip: never write it onto another.
            if let Ok(d) = self.detect(&row.encoder)? {
                let found = hex::encode_upper(&d.chip_uid);
                if Some(&found) != row.chip_uid.as_ref() {
                    return step(Step::Failed {
                        reason: &format!(
                            "the card in encoder `{}` is chip {found}, not chip {} this issuance writes; nothing was written to it, and the issuance's card never verified: issue again",
                            row.encoder,
                            row.chip_uid.clone().unwrap_or_default()
                        ),
                    });
                }
            }
            attempt += 1;
            step(Step::Encoding { attempt })?;
            let written = self.with_encoder(&row.encoder, |e| e.write(&image))?;
            match written {
                Ok(()) => {
                    step(Step::Written)?;
                    match self.check_card(&row, &image)? {
                        Check::Verified => return self.verified(&row, step),
                        Check::WrongCard(why) | Check::Unavailable(why) => return step(Step::Failed { reason: &why }),
                        Check::Unreadable(why) => {
                            row = step(Step::AttemptFailed { reason: &format!("read-back: {why}") })?;
                            std::thread::sleep(self.retry_delay);
                        }
                        Check::Incomplete(why) => {
                            let reason = format!("read-back did not verify: {why}");
                            let _ = self.with_encoder(&row.encoder, |e| e.reject(&reason))?;
                            return step(Step::Rejected {
                                reason: &format!("{reason}; card set aside, insert a new blank card and issue again"),
                            });
                        }
                    }
                }
                Err(e) if e.is_transient() => {
                    row = step(Step::AttemptFailed { reason: &e.to_string() })?;
                    std::thread::sleep(self.retry_delay);
                }
                Err(e @ (EncoderError::CardFault { .. } | EncoderError::Protocol { .. })) => {
                    let _ = self.with_encoder(&row.encoder, |enc| enc.reject(&e.to_string()))?;
                    return step(Step::Rejected {
                        reason: &format!("{e}; card set aside, insert a new blank card and issue again"),
                    });
                }
                Err(e) => return step(Step::Failed { reason: &e.to_string() }),
            }
        }
    }

    fn verified(
        &self,
        row: &Issuance,
        step: &dyn Fn(Step<'_>) -> Result<Issuance, CardError>,
    ) -> Result<Issuance, CardError> {
        step(Step::Verified)?;
        // Handing the card out is not part of what counts: it verified.
        let _ = self.with_encoder(&row.encoder, |e| e.accept())?;
        step(Step::Done)
    }

    /// Reads back the card in the encoder and checks it holds `image`.
    fn check_card(&self, row: &Issuance, image: &CardImage) -> Result<Check, CardError> {
        let dump = match self.with_encoder(&row.encoder, |e| e.read_back())? {
            Ok(d) => d,
            Err(e) if e.is_transient() => return Ok(Check::Unreadable(e.to_string())),
            Err(e @ EncoderError::Unavailable { .. }) => return Ok(Check::Unavailable(e.to_string())),
            Err(e) => return Ok(Check::Incomplete(e.to_string())),
        };
        let uid = hex::encode_upper(&dump.chip_uid);
        if Some(&uid) != row.chip_uid.as_ref() {
            return Ok(Check::WrongCard(format!(
                "the card in encoder `{}` is chip {uid}, not chip {} this issuance was writing; that card is not valid (it never verified): issue again",
                row.encoder,
                row.chip_uid.clone().unwrap_or_default()
            )));
        }
        let report = juzhu_card::verify(&dump, &self.trusted);
        if !report.ok() {
            let findings: Vec<String> = report.findings.iter().map(|f| f.to_string()).collect();
            return Ok(Check::Incomplete(findings.join("; ")));
        }
        if report.issuance_id.as_deref() != Some(image.issuance_id.as_str()) {
            return Ok(Check::Incomplete(format!(
                "the card holds issuance {:?}, not {}",
                report.issuance_id, image.issuance_id
            )));
        }
        Ok(Check::Verified)
    }

    /// Resolves every issuance a crash left unfinished, by reading back the
    /// card in its encoder. Returns the issuances as resolved.
    pub fn recover(&self, store: &Mutex<Store>, actor: &str) -> Result<Vec<Issuance>, CardError> {
        let open = journal::unfinished(&store.lock().unwrap_or_else(|e| e.into_inner()))?;
        let mut out = Vec::new();
        for row in open {
            let step = |s: Step<'_>| -> Result<Issuance, CardError> {
                Ok(journal::advance(&mut store.lock().unwrap_or_else(|e| e.into_inner()), actor, row.id, s)?)
            };
            if self.check_encoder(&row.encoder).is_err() {
                out.push(step(Step::Failed {
                    reason: &format!("encoder `{}` is no longer configured; the card never verified", row.encoder),
                })?);
                continue;
            }
            let resolved = match row.state {
                State::Pending => {
                    step(Step::Failed { reason: "interrupted before a card was read; nothing was written" })?
                }
                _ => self.finish(&row, &step)?,
            };
            out.push(resolved);
        }
        Ok(out)
    }
}

enum Check {
    Verified,
    /// Not this issuance's chip.
    WrongCard(String),
    /// This chip, but not (yet) holding the image.
    Incomplete(String),
    /// The card could not be read (pulled, reset): try again.
    Unreadable(String),
    /// The reader or PC/SC service failed: not the card's fault.
    Unavailable(String),
}
