//! The APDUs juzhu sends, the status words it expects, and the write and
//! read-back procedures over any [`Transport`]. Both drivers share this
//! code: only how an APDU reaches the card differs.

use std::collections::BTreeMap;

use crate::dump::CardDump;
use crate::error::EncoderError;
use crate::image::CardImage;
use crate::layout::{self, FileSpec};
use crate::tlv::Tlv;

/// Sends one command APDU and returns the response APDU (data and SW1 SW2).
pub trait Transport {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, EncoderError>;
}

pub const SW_OK: u16 = 0x9000;
/// End of file reached before Le bytes (READ BINARY).
pub const SW_END_OF_FILE: u16 = 0x6282;
/// Memory failure: the card could not store the data. A card fault.
pub const SW_MEMORY_FAILURE: u16 = 0x6581;
pub const SW_FILE_NOT_FOUND: u16 = 0x6A82;
pub const SW_WRONG_OFFSET: u16 = 0x6B00;

/// Bytes per UPDATE BINARY; fits a short APDU with room to spare.
pub const WRITE_CHUNK: usize = 240;

pub fn select_aid(aid: &[u8]) -> Vec<u8> {
    let mut a = vec![0x00, 0xA4, 0x04, 0x0C, aid.len() as u8];
    a.extend_from_slice(aid);
    a
}

/// SELECT by file identifier (`p1` = 00 MF/any, 01 child DF, 02 EF under the current DF).
pub fn select_fid(p1: u8, fid: u16) -> Vec<u8> {
    let [hi, lo] = fid.to_be_bytes();
    vec![0x00, 0xA4, p1, 0x0C, 0x02, hi, lo]
}

/// CREATE FILE with its FCP template (ISO 7816-4 §7.3.2, `62`).
pub fn create_file(fcp: &[Tlv]) -> Vec<u8> {
    let fcp = Tlv::constructed(0x62, fcp).encode();
    let mut a = vec![0x00, 0xE0, 0x00, 0x00, fcp.len() as u8];
    a.extend_from_slice(&fcp);
    a
}

pub fn create_df(fid: u16, aid: &[u8]) -> Vec<u8> {
    create_file(&[Tlv::new(0x82, vec![0x38]), Tlv::new(0x83, fid.to_be_bytes().to_vec()), Tlv::new(0x84, aid.to_vec())])
}

/// A transparent EF of `size` bytes.
pub fn create_ef(fid: u16, size: usize) -> Vec<u8> {
    create_file(&[
        Tlv::new(0x82, vec![0x01]),
        Tlv::new(0x83, fid.to_be_bytes().to_vec()),
        Tlv::new(0x80, (size as u16).to_be_bytes().to_vec()),
    ])
}

pub fn update_binary(offset: usize, data: &[u8]) -> Vec<u8> {
    let [hi, lo] = (offset as u16).to_be_bytes();
    let mut a = vec![0x00, 0xD6, hi & 0x7F, lo, data.len() as u8];
    a.extend_from_slice(data);
    a
}

pub fn read_binary(offset: usize, le: u8) -> Vec<u8> {
    let [hi, lo] = (offset as u16).to_be_bytes();
    vec![0x00, 0xB0, hi & 0x7F, lo, le]
}

/// GET DATA for the chip UID, the pseudo-APDU PC/SC readers answer
/// (PC/SC part 3, §3.2.2.1.3).
pub const GET_UID: [u8; 5] = [0xFF, 0xCA, 0x00, 0x00, 0x00];

/// Splits a response APDU into data and status word.
pub fn split(resp: &[u8]) -> Result<(&[u8], u16), EncoderError> {
    if resp.len() < 2 {
        return Err(EncoderError::Protocol { detail: format!("response of {} bytes has no status word", resp.len()) });
    }
    let (data, sw) = resp.split_at(resp.len() - 2);
    Ok((data, u16::from_be_bytes([sw[0], sw[1]])))
}

/// The write and read-back procedures on one connected card.
pub struct Session<'a, T: Transport + ?Sized> {
    t: &'a mut T,
}

impl<'a, T: Transport + ?Sized> Session<'a, T> {
    pub fn new(t: &'a mut T) -> Self {
        Session { t }
    }

    /// Sends `apdu`; a status word not in `accept` is a card fault (6581)
    /// or a protocol error (anything else), naming `what` was being done.
    fn command(&mut self, what: &str, apdu: &[u8], accept: &[u16]) -> Result<(Vec<u8>, u16), EncoderError> {
        let resp = self.t.transmit(apdu)?;
        let (data, sw) = split(&resp)?;
        if sw == SW_OK || accept.contains(&sw) {
            return Ok((data.to_vec(), sw));
        }
        if sw == SW_MEMORY_FAILURE {
            return Err(EncoderError::CardFault { detail: format!("{what}: the card reports memory failure (6581)") });
        }
        Err(EncoderError::Protocol { detail: format!("{what}: the card answered {sw:04X}; expected 9000") })
    }

    pub fn chip_uid(&mut self) -> Result<Vec<u8>, EncoderError> {
        let (uid, _) = self.command("GET DATA (chip UID)", &GET_UID, &[])?;
        if uid.is_empty() {
            return Err(EncoderError::Protocol { detail: "GET DATA (chip UID) returned no UID".into() });
        }
        Ok(uid)
    }

    /// Selects the application; `false` when the card does not have it.
    pub fn select_application(&mut self) -> Result<bool, EncoderError> {
        let (_, sw) = self.command("SELECT application", &select_aid(&layout::AID), &[SW_FILE_NOT_FOUND])?;
        Ok(sw == SW_OK)
    }

    fn select_ef(&mut self, spec: FileSpec) -> Result<bool, EncoderError> {
        let (_, sw) =
            self.command(&format!("SELECT {}", spec.name), &select_fid(0x02, spec.fid), &[SW_FILE_NOT_FOUND])?;
        Ok(sw == SW_OK)
    }

    /// Writes `bytes` padded with 00 to the file's capacity. With
    /// `commit_last`, byte 0 is written as 00 first and set by a final
    /// one-byte UPDATE BINARY: until then the file reads as unwritten.
    fn write_file(&mut self, spec: FileSpec, bytes: &[u8], commit_last: bool) -> Result<(), EncoderError> {
        if !self.select_ef(spec)? {
            self.command(&format!("CREATE FILE {}", spec.name), &create_ef(spec.fid, spec.capacity), &[])?;
            if !self.select_ef(spec)? {
                return Err(EncoderError::Protocol {
                    detail: format!("{} was created but cannot be selected", spec.name),
                });
            }
        }
        let mut padded = bytes.to_vec();
        padded.resize(spec.capacity, 0);
        let first = padded[0];
        if commit_last {
            padded[0] = 0;
        }
        for (i, chunk) in padded.chunks(WRITE_CHUNK).enumerate() {
            self.command(
                &format!("UPDATE BINARY {} at {}", spec.name, i * WRITE_CHUNK),
                &update_binary(i * WRITE_CHUNK, chunk),
                &[],
            )?;
        }
        if commit_last {
            self.command(&format!("UPDATE BINARY {} commit byte", spec.name), &update_binary(0, &[first]), &[])?;
        }
        Ok(())
    }

    /// Writes the image: un-commits an existing security object first (so
    /// the card cannot verify until the write completes), then the data
    /// groups, then the new security object, committed by its first byte.
    pub fn write_image(&mut self, image: &CardImage) -> Result<(), EncoderError> {
        if !self.select_application()? {
            self.command("SELECT MF", &select_fid(0x00, 0x3F00), &[])?;
            self.command("CREATE FILE application DF", &create_df(layout::DF_FID, &layout::AID), &[])?;
            if !self.select_application()? {
                return Err(EncoderError::Protocol {
                    detail: "the application DF was created but cannot be selected".into(),
                });
            }
        }
        if self.select_ef(layout::SECURITY_OBJECT)? {
            self.command("UPDATE BINARY security object un-commit", &update_binary(0, &[0]), &[])?;
        }
        for (spec, bytes) in image.specs() {
            if spec != layout::SECURITY_OBJECT {
                self.write_file(spec, bytes, false)?;
            }
        }
        let so = image
            .files
            .iter()
            .find(|f| f.fid == layout::SECURITY_OBJECT.fid)
            .ok_or_else(|| EncoderError::Protocol { detail: "the image has no security object".into() })?;
        self.write_file(layout::SECURITY_OBJECT, &so.bytes, true)
    }

    /// Un-commits the security object, so the card cannot verify. Used on
    /// a card being rejected: whatever it holds, it must not pass as issued.
    pub fn void(&mut self) -> Result<(), EncoderError> {
        if self.select_application()? && self.select_ef(layout::SECURITY_OBJECT)? {
            self.command("UPDATE BINARY security object void", &update_binary(0, &[0]), &[])?;
        }
        Ok(())
    }

    fn read_file(&mut self, spec: FileSpec) -> Result<Option<Vec<u8>>, EncoderError> {
        if !self.select_ef(spec)? {
            return Ok(None);
        }
        let mut out = Vec::new();
        loop {
            let (data, sw) = self.command(
                &format!("READ BINARY {} at {}", spec.name, out.len()),
                &read_binary(out.len(), 0),
                &[SW_END_OF_FILE, SW_WRONG_OFFSET],
            )?;
            let n = data.len();
            out.extend_from_slice(&data);
            if sw != SW_OK || n < 256 || out.len() > 0x7FFF {
                return Ok(Some(out));
            }
        }
    }

    /// Reads every file of the application, as the verifier needs it.
    pub fn read_back(&mut self, atr: &[u8]) -> Result<CardDump, EncoderError> {
        let chip_uid = self.chip_uid()?;
        let mut files = BTreeMap::new();
        if self.select_application()? {
            for spec in layout::ALL_FILES {
                if let Some(bytes) = self.read_file(spec)? {
                    files.insert(spec.fid, bytes);
                }
            }
        }
        Ok(CardDump { chip_uid, atr: atr.to_vec(), files })
    }
}
