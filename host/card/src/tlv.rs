//! BER-TLV (ISO/IEC 7816-4 §5.2, ISO/IEC 8825-1) as the card uses it.
//!
//! A small codec of our own rather than a crate: the verifier must say
//! *where* a file stops making sense (a length that runs past the bytes
//! present is a truncated or half-written file, not "parse error"), and the
//! hashes are over the exact bytes, so every TLV keeps its encoded span.
//! Tags are one to three bytes, lengths use the definite short or long form
//! (up to four length bytes); indefinite lengths are refused, as DER does.

use std::fmt;

/// A decoded TLV: its tag (as the big-endian tag bytes), its value, and
/// whether the tag says the value is itself TLVs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tlv {
    pub tag: u32,
    pub value: Vec<u8>,
}

/// Why bytes are not a TLV.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    /// The bytes end before the tag, the length or the value does.
    #[error("ends at byte {present} but the TLV at byte {at} needs {needed} bytes")]
    Truncated { at: usize, needed: usize, present: usize },
    #[error("byte {at}: {detail}")]
    Malformed { at: usize, detail: String },
}

impl Tlv {
    pub fn new(tag: u32, value: impl Into<Vec<u8>>) -> Self {
        Tlv { tag, value: value.into() }
    }

    /// A constructed TLV holding `children`, encoded in order.
    pub fn constructed(tag: u32, children: &[Tlv]) -> Self {
        let mut value = Vec::new();
        for c in children {
            c.encode_into(&mut value);
        }
        Tlv { tag, value }
    }

    /// Whether the tag's first byte has the constructed bit (b6) set.
    pub fn is_constructed(&self) -> bool {
        first_tag_byte(self.tag) & 0x20 != 0
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.value.len() + 6);
        self.encode_into(&mut out);
        out
    }

    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let tag_bytes = self.tag.to_be_bytes();
        let skip = tag_bytes.iter().take_while(|b| **b == 0).count().min(3);
        out.extend_from_slice(&tag_bytes[skip..]);
        let len = self.value.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let len_bytes = (len as u32).to_be_bytes();
            let skip = len_bytes.iter().take_while(|b| **b == 0).count();
            out.push(0x80 | (4 - skip) as u8);
            out.extend_from_slice(&len_bytes[skip..]);
        }
        out.extend_from_slice(&self.value);
    }

    /// Decodes one TLV at the start of `bytes`; returns it and its encoded length.
    pub fn decode(bytes: &[u8]) -> Result<(Tlv, usize), TlvError> {
        decode_at(bytes, 0)
    }

    /// The children of a constructed TLV, in order.
    pub fn children(&self) -> Result<Vec<Tlv>, TlvError> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < self.value.len() {
            let (tlv, used) = decode_at(&self.value[at..], at)?;
            out.push(tlv);
            at += used;
        }
        Ok(out)
    }
}

/// Decodes a run of TLVs that fills `bytes` (a record file's content).
pub fn decode_all(bytes: &[u8]) -> Result<Vec<Tlv>, TlvError> {
    Tlv { tag: 0x20, value: bytes.to_vec() }.children()
}

fn first_tag_byte(tag: u32) -> u8 {
    let bytes = tag.to_be_bytes();
    *bytes.iter().find(|b| **b != 0).unwrap_or(&0)
}

/// `base` is the offset of `bytes` in the enclosing buffer, for messages.
fn decode_at(bytes: &[u8], base: usize) -> Result<(Tlv, usize), TlvError> {
    let truncated = |needed: usize| TlvError::Truncated { at: base, needed, present: base + bytes.len() };
    let first = *bytes.first().ok_or_else(|| truncated(2))?;
    if first == 0x00 || first == 0xFF {
        return Err(TlvError::Malformed { at: base, detail: format!("tag byte {first:02X} is padding, not a tag") });
    }
    let mut tag = first as u32;
    let mut i = 1;
    if first & 0x1F == 0x1F {
        loop {
            let b = *bytes.get(i).ok_or_else(|| truncated(i + 2))?;
            tag = (tag << 8) | b as u32;
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            if i >= 3 {
                return Err(TlvError::Malformed { at: base, detail: "tag longer than three bytes".into() });
            }
        }
    }
    let l0 = *bytes.get(i).ok_or_else(|| truncated(i + 1))?;
    i += 1;
    let len = if l0 < 0x80 {
        l0 as usize
    } else if l0 == 0x80 {
        return Err(TlvError::Malformed {
            at: base + i - 1,
            detail: "indefinite length; the card uses definite lengths only".into(),
        });
    } else {
        let n = (l0 & 0x7F) as usize;
        if n > 4 {
            return Err(TlvError::Malformed {
                at: base + i - 1,
                detail: format!("{n} length bytes; at most 4 are allowed"),
            });
        }
        let len_bytes = bytes.get(i..i + n).ok_or_else(|| truncated(i + n))?;
        i += n;
        len_bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize)
    };
    let value = bytes.get(i..i + len).ok_or_else(|| truncated(i + len))?;
    Ok((Tlv { tag, value: value.to_vec() }, i + len))
}

impl fmt::Display for Tlv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}[{} bytes]", self.tag, self.value.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_lengths_round_trip() {
        for len in [0usize, 1, 127, 128, 255, 256, 70_000] {
            let tlv = Tlv::new(0x5F37, vec![0xAB; len]);
            let bytes = tlv.encode();
            let (back, used) = Tlv::decode(&bytes).unwrap();
            assert_eq!(back, tlv);
            assert_eq!(used, bytes.len());
        }
        assert_eq!(Tlv::new(0x80, vec![1, 2]).encode(), vec![0x80, 2, 1, 2]);
        assert_eq!(Tlv::new(0x5F37, vec![0; 200]).encode()[..5], [0x5F, 0x37, 0x81, 200, 0]);
    }

    #[test]
    fn constructed_children_in_order() {
        let t = Tlv::constructed(0x61, &[Tlv::new(0x80, b"a".to_vec()), Tlv::new(0x81, b"bc".to_vec())]);
        assert!(t.is_constructed());
        let kids = t.children().unwrap();
        assert_eq!(kids.iter().map(|k| k.tag).collect::<Vec<_>>(), vec![0x80, 0x81]);
        assert_eq!(kids[1].value, b"bc");
    }

    #[test]
    fn cut_short_names_what_is_missing() {
        let bytes = Tlv::new(0x63, vec![7; 300]).encode();
        let err = Tlv::decode(&bytes[..100]).unwrap_err();
        assert_eq!(err, TlvError::Truncated { at: 0, needed: 304, present: 100 });
        assert!(matches!(Tlv::decode(&[0x5F]), Err(TlvError::Truncated { .. })));
        assert!(matches!(Tlv::decode(&[]), Err(TlvError::Truncated { .. })));
    }

    #[test]
    fn padding_and_indefinite_lengths_are_refused() {
        assert!(matches!(Tlv::decode(&[0x00, 0x00]), Err(TlvError::Malformed { .. })));
        assert!(matches!(Tlv::decode(&[0x61, 0x80, 0, 0]), Err(TlvError::Malformed { .. })));
        assert!(matches!(Tlv::decode(&[0x61, 0x85, 1, 1, 1, 1, 1]), Err(TlvError::Malformed { .. })));
    }
}
