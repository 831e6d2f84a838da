//! The PC/SC driver: real contact and contactless readers (and pcscd's
//! virtual reader, vpcd) through the `pcsc` crate.
//!
//! Each operation connects afresh, so a card swapped between operations is
//! seen as the new card it is; PC/SC errors are mapped onto the journal's
//! classes: removed, reset, timeout and no card are transient, a missing
//! service or reader means the encoder is unavailable.

use std::ffi::CString;

use pcsc::{Context, Protocols, Scope, ShareMode};

use crate::apdu::{Session, Transport};
use crate::dump::CardDump;
use crate::encoder::{Detected, Encoder};
use crate::error::EncoderError;
use crate::image::CardImage;

/// A reader as PC/SC lists it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReaderInfo {
    pub name: String,
    /// The card present, if any.
    pub card: Option<Detected>,
}

pub fn map_error(e: pcsc::Error, reader: &str) -> EncoderError {
    use pcsc::Error::*;
    match e {
        // SharingViolation: another process (or one just killed, whose
        // handle pcscd has not released yet) holds the card.
        RemovedCard | ResetCard | Timeout | UnpoweredCard | UnresponsiveCard | CommError | NotTransacted
        | SharingViolation => EncoderError::Transient { detail: format!("reader `{reader}`: {e}") },
        NoSmartcard => EncoderError::NoCard { encoder: reader.to_string() },
        NoService | ServiceStopped | NoReadersAvailable => EncoderError::Unavailable {
            detail: format!("{e}; start pcscd (scripts/pcsc-setup.sh installs it) and attach a reader"),
        },
        UnknownReader | ReaderUnavailable => EncoderError::Unavailable {
            detail: format!("reader `{reader}`: {e}; `juzhu card readers` lists the attached readers"),
        },
        // Anything else is the reader's or the service's trouble, not the
        // card's: it must not get a card rejected.
        other => EncoderError::Unavailable { detail: format!("reader `{reader}`: {other}") },
    }
}

fn context() -> Result<Context, EncoderError> {
    Context::establish(Scope::User).map_err(|e| map_error(e, "-"))
}

/// Every reader PC/SC knows, with the card in it.
pub fn list_readers() -> Result<Vec<ReaderInfo>, EncoderError> {
    let ctx = context()?;
    let names = match ctx.list_readers_owned() {
        Ok(n) => n,
        Err(pcsc::Error::NoReadersAvailable) => return Ok(Vec::new()),
        Err(e) => return Err(map_error(e, "-")),
    };
    let mut out = Vec::new();
    for name in names {
        let shown = name.to_string_lossy().into_owned();
        let mut encoder = PcscEncoder { name: shown.clone(), reader: Some(shown.clone()), card: None };
        out.push(ReaderInfo { name: shown, card: encoder.detect().ok() });
    }
    Ok(out)
}

/// An encoder on one PC/SC reader.
pub struct PcscEncoder {
    name: String,
    /// `None` takes the first reader listed.
    reader: Option<String>,
    card: Option<(pcsc::Card, String, Vec<u8>)>,
}

impl PcscEncoder {
    pub fn new(name: &str, reader: Option<&str>) -> Self {
        PcscEncoder { name: name.to_string(), reader: reader.map(str::to_string), card: None }
    }

    fn reader_name(&self, ctx: &Context) -> Result<CString, EncoderError> {
        match &self.reader {
            Some(r) => CString::new(r.as_str())
                .map_err(|_| EncoderError::Unavailable { detail: format!("reader name {r:?} has a NUL byte") }),
            None => {
                let names = ctx.list_readers_owned().map_err(|e| map_error(e, "-"))?;
                names.into_iter().next().ok_or(EncoderError::Unavailable {
                    detail: "no reader attached; `juzhu card readers` lists them".into(),
                })
            }
        }
    }

    /// Connects to the card in the reader (exclusive: nobody else writes
    /// while we do) and returns its ATR.
    fn connect(&mut self) -> Result<Vec<u8>, EncoderError> {
        self.card = None;
        let ctx = context()?;
        let reader = self.reader_name(&ctx)?;
        let shown = reader.to_string_lossy().into_owned();
        let card = ctx.connect(&reader, ShareMode::Exclusive, Protocols::ANY).map_err(|e| map_error(e, &shown))?;
        let atr = card.status2_owned().map_err(|e| map_error(e, &shown))?.atr().to_vec();
        self.card = Some((card, shown, atr.clone()));
        Ok(atr)
    }

    fn disconnect(&mut self, disposition: pcsc::Disposition) -> Result<(), EncoderError> {
        if let Some((card, reader, _)) = self.card.take() {
            card.disconnect(disposition).map_err(|(_, e)| map_error(e, &reader))?;
        }
        Ok(())
    }
}

impl Transport for PcscEncoder {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, EncoderError> {
        let Some((card, reader, _)) = &self.card else {
            return Err(EncoderError::Transient { detail: "not connected to a card".into() });
        };
        let mut buf = [0u8; pcsc::MAX_BUFFER_SIZE];
        let result = match card.transmit(apdu, &mut buf) {
            // vpcd answers nothing when the card left mid-command.
            Ok([]) => Err(EncoderError::Transient {
                detail: format!("reader `{reader}`: no answer from the card; it was removed during the command"),
            }),
            Ok(r) => Ok(r.to_vec()),
            Err(e) => Err(map_error(e, reader)),
        };
        if result.is_err() {
            // A card that went away leaves a handle that is no use.
            self.card = None;
        }
        result
    }
}

impl Encoder for PcscEncoder {
    fn name(&self) -> &str {
        &self.name
    }

    fn detect(&mut self) -> Result<Detected, EncoderError> {
        let atr = self.connect()?;
        let mut s = Session::new(self);
        let chip_uid = s.chip_uid()?;
        let has_application = s.select_application()?;
        Ok(Detected { atr, chip_uid, has_application })
    }

    fn write(&mut self, image: &CardImage) -> Result<(), EncoderError> {
        self.connect()?;
        Session::new(self).write_image(image)
    }

    fn read_back(&mut self) -> Result<CardDump, EncoderError> {
        let atr = self.connect()?;
        Session::new(self).read_back(&atr)
    }

    fn accept(&mut self) -> Result<(), EncoderError> {
        self.disconnect(pcsc::Disposition::LeaveCard)
    }

    fn reject(&mut self, _reason: &str) -> Result<(), EncoderError> {
        // Powered down, for the clerk to take out and set aside. (EjectCard
        // is not used: most readers have no mechanism, and pcscd's vpcd
        // stops noticing cards after a failed eject.)
        if self.connect().is_ok() {
            // Best effort: a card too faulty to take the write is voided anyway.
            let _ = Session::new(self).void();
        }
        match self.card.take() {
            Some((card, reader, _)) => {
                card.disconnect(pcsc::Disposition::UnpowerCard).map_err(|(_, e)| map_error(e, &reader))
            }
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_card_answers_can_make_a_card_fault() {
        for e in [pcsc::Error::RemovedCard, pcsc::Error::ResetCard, pcsc::Error::Timeout, pcsc::Error::SharingViolation]
        {
            assert!(map_error(e, "r").is_transient(), "{e:?}");
        }
        assert!(matches!(map_error(pcsc::Error::NoSmartcard, "r"), EncoderError::NoCard { .. }));
        let e = map_error(pcsc::Error::NoService, "r");
        assert!(matches!(&e, EncoderError::Unavailable { detail } if detail.contains("pcscd")), "{e}");
        let e = map_error(pcsc::Error::UnknownReader, "Reader X");
        assert!(
            matches!(&e, EncoderError::Unavailable { detail } if detail.contains("Reader X") && detail.contains("juzhu card readers")),
            "{e}"
        );
        assert!(matches!(map_error(pcsc::Error::InsufficientBuffer, "r"), EncoderError::Unavailable { .. }));
    }
}
