//! A card as read: chip UID, ATR, and every file of the application with
//! its padding. This is what `juzhu card verify` checks, from a reader or
//! from a card image file (`.jzc`), and what the test card persists.
//!
//! The file is BER-TLV too:
//! `7F70 { 80 format(01), 81 chip UID, 82 ATR?, A1 { 80 FID, 81 bytes }* }`.

use std::collections::BTreeMap;

use crate::tlv::{Tlv, TlvError, decode_all};

const FORMAT: u8 = 1;
const DUMP_TAG: u32 = 0x7F70;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardDump {
    pub chip_uid: Vec<u8>,
    pub atr: Vec<u8>,
    /// Every file found in the application DF, by FID, as read (padding
    /// included). Empty when the card has no juzhu application.
    pub files: BTreeMap<u16, Vec<u8>>,
}

/// Why a card image file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    #[error("not a juzhu card image: {0}")]
    NotAnImage(String),
    #[error("the card image is truncated: {0}")]
    Truncated(TlvError),
}

impl CardDump {
    pub fn encode(&self) -> Vec<u8> {
        let mut kids = vec![Tlv::new(0x80, vec![FORMAT]), Tlv::new(0x81, self.chip_uid.clone())];
        if !self.atr.is_empty() {
            kids.push(Tlv::new(0x82, self.atr.clone()));
        }
        for (fid, bytes) in &self.files {
            kids.push(Tlv::constructed(
                0xA1,
                &[Tlv::new(0x80, fid.to_be_bytes().to_vec()), Tlv::new(0x81, bytes.clone())],
            ));
        }
        Tlv::constructed(DUMP_TAG, &kids).encode()
    }

    /// Parses an image file. A file cut short is an error that says where,
    /// never a shorter card.
    pub fn decode(bytes: &[u8]) -> Result<CardDump, DumpError> {
        if !bytes.starts_with(&[0x7F, 0x70]) {
            let head = hex::encode_upper(&bytes[..bytes.len().min(4)]);
            return Err(DumpError::NotAnImage(format!("starts with {head}; a card image starts with 7F70")));
        }
        let (outer, _) = Tlv::decode(bytes).map_err(|e| match e {
            TlvError::Truncated { .. } => DumpError::Truncated(e),
            other => DumpError::NotAnImage(other.to_string()),
        })?;
        if outer.tag != DUMP_TAG {
            return Err(DumpError::NotAnImage(format!(
                "starts with tag {:X}; a card image starts with 7F70",
                outer.tag
            )));
        }
        let bad = |s: String| DumpError::NotAnImage(s);
        let mut dump = CardDump::default();
        for kid in decode_all(&outer.value).map_err(|e| bad(e.to_string()))? {
            match kid.tag {
                0x80 if kid.value == [FORMAT] => {}
                0x80 => {
                    return Err(bad(format!("format {:02X?}; this juzhu reads format 01", kid.value)));
                }
                0x81 => dump.chip_uid = kid.value,
                0x82 => dump.atr = kid.value,
                0xA1 => {
                    let parts = kid.children().map_err(|e| bad(e.to_string()))?;
                    let get = |t: u32| parts.iter().find(|p| p.tag == t).map(|p| p.value.clone());
                    let fid: [u8; 2] = get(0x80)
                        .and_then(|v| v.try_into().ok())
                        .ok_or_else(|| bad("a file entry has no 2-byte FID".into()))?;
                    dump.files.insert(u16::from_be_bytes(fid), get(0x81).unwrap_or_default());
                }
                other => return Err(bad(format!("unknown entry tag {other:X}"))),
            }
        }
        Ok(dump)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_a_cut_file() {
        let mut dump = CardDump { chip_uid: vec![1, 2, 3, 4], atr: vec![0x3B, 0x80], files: BTreeMap::new() };
        dump.files.insert(0x0101, vec![0x61, 0x00, 0, 0]);
        let bytes = dump.encode();
        assert_eq!(CardDump::decode(&bytes).unwrap(), dump);
        assert!(matches!(CardDump::decode(&bytes[..bytes.len() - 3]), Err(DumpError::Truncated(_))));
        assert!(matches!(CardDump::decode(b"{\"json\": 1}"), Err(DumpError::NotAnImage(_))));
    }
}
