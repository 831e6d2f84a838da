//! The security object: the issuing authority's Ed25519 signature over the
//! data groups' SHA-256 hashes, the chip UID, the issuance id, the card
//! serial and the layout version.
//!
//! Binding the chip UID means data copied onto another chip does not verify;
//! writing the object last, and blanking it first on every rewrite, means a
//! half-written card does not verify either.

use std::path::Path;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::layout::tag;
use crate::tlv::{Tlv, TlvError};

/// Domain separation: a signature over a security object is never a valid
/// signature over anything else the authority signs.
const SIGNING_CONTEXT: &[u8] = b"juzhu-card-security-object\0";

/// What the authority signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedContent {
    pub layout_version: u8,
    pub issuance_id: String,
    pub card_serial: String,
    pub chip_uid: Vec<u8>,
    /// The first 8 bytes of SHA-256 of the authority's public key.
    pub key_id: [u8; 8],
    /// `(fid, sha256 of the data group's bytes)`, in layout order.
    pub hashes: Vec<(u16, [u8; 32])>,
}

/// A parsed security object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityObject {
    pub content: SignedContent,
    /// The exact bytes of the signed template, as the signature covers them.
    pub signed_bytes: Vec<u8>,
    pub signature: [u8; 64],
}

/// An issuing authority's signing key.
pub struct Authority {
    key: SigningKey,
}

/// Why a key could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read key file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{what} must be {expected} hex digits (got {got} characters); generate one with `juzhu card keygen`")]
    Length { what: &'static str, expected: usize, got: usize },
    #[error("{what} is not hex: {detail}")]
    NotHex { what: &'static str, detail: String },
    #[error("{0} is not a valid Ed25519 public key")]
    BadPoint(String),
}

fn hex32(what: &'static str, text: &str) -> Result<[u8; 32], KeyError> {
    let text = text.trim();
    if text.len() != 64 {
        return Err(KeyError::Length { what, expected: 64, got: text.len() });
    }
    let bytes = hex::decode(text).map_err(|e| KeyError::NotHex { what, detail: e.to_string() })?;
    Ok(bytes.try_into().expect("64 hex digits are 32 bytes"))
}

pub fn key_id(public: &VerifyingKey) -> [u8; 8] {
    Sha256::digest(public.as_bytes())[..8].try_into().expect("8 of 32 bytes")
}

/// Shows the key id, never the secret.
impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Authority(key id {})", hex::encode(key_id(&self.public())))
    }
}

impl Authority {
    /// A new key from the operating system's random source.
    pub fn generate() -> Authority {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).expect("the operating system's random source is available");
        Authority { key: SigningKey::from_bytes(&seed) }
    }

    /// The key from its 32-byte seed in hex (what a key file holds).
    pub fn from_seed_hex(text: &str) -> Result<Authority, KeyError> {
        Ok(Authority { key: SigningKey::from_bytes(&hex32("the signing key seed", text)?) })
    }

    /// Reads a key file (64 hex digits, the seed).
    pub fn load(path: &Path) -> Result<Authority, KeyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| KeyError::Read { path: path.display().to_string(), source })?;
        Self::from_seed_hex(&text)
    }

    pub fn seed_hex(&self) -> String {
        hex::encode(self.key.to_bytes())
    }

    pub fn public(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Builds and signs the security object's bytes.
    pub fn sign(&self, content: &SignedContent) -> Vec<u8> {
        let signed = content.encode();
        let mut message = SIGNING_CONTEXT.to_vec();
        message.extend_from_slice(&signed);
        let signature = self.key.sign(&message);
        let mut value = signed;
        Tlv::new(tag::SIGNATURE, signature.to_bytes().to_vec()).encode_into(&mut value);
        Tlv::new(tag::SECURITY_OBJECT, value).encode()
    }
}

/// Reads a public key from 64 hex digits.
pub fn public_key_from_hex(text: &str) -> Result<VerifyingKey, KeyError> {
    let bytes = hex32("the authority public key", text)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::BadPoint(text.trim().to_string()))
}

impl SignedContent {
    pub fn encode(&self) -> Vec<u8> {
        let hashes: Vec<Tlv> = self
            .hashes
            .iter()
            .map(|(fid, h)| {
                Tlv::constructed(
                    tag::HASH_ENTRY,
                    &[Tlv::new(0x80, fid.to_be_bytes().to_vec()), Tlv::new(0x81, h.to_vec())],
                )
            })
            .collect();
        Tlv::constructed(
            tag::SIGNED,
            &[
                Tlv::new(0x80, vec![self.layout_version]),
                Tlv::new(0x81, self.issuance_id.as_bytes().to_vec()),
                Tlv::new(0x82, self.card_serial.as_bytes().to_vec()),
                Tlv::new(0x83, self.chip_uid.clone()),
                Tlv::new(0x84, self.key_id.to_vec()),
                Tlv::constructed(tag::HASHES, &hashes),
            ],
        )
        .encode()
    }
}

/// Why a security object's bytes do not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SecurityObjectError {
    #[error(transparent)]
    Tlv(#[from] TlvError),
    #[error("{0}")]
    Invalid(String),
}

fn invalid(s: impl Into<String>) -> SecurityObjectError {
    SecurityObjectError::Invalid(s.into())
}

impl SecurityObject {
    /// Parses the object at the start of `bytes`; returns it and its length.
    pub fn parse(bytes: &[u8]) -> Result<(SecurityObject, usize), SecurityObjectError> {
        let (outer, used) = Tlv::decode(bytes)?;
        if outer.tag != tag::SECURITY_OBJECT {
            return Err(invalid(format!("starts with tag {:X}; expected 77", outer.tag)));
        }
        let (signed, signed_len) = Tlv::decode(&outer.value)?;
        if signed.tag != tag::SIGNED {
            return Err(invalid(format!("signed part has tag {:X}; expected 70", signed.tag)));
        }
        let signed_bytes = outer.value[..signed_len].to_vec();
        let (sig, _) = Tlv::decode(&outer.value[signed_len..])?;
        if sig.tag != tag::SIGNATURE {
            return Err(invalid(format!("signature has tag {:X}; expected 5F37", sig.tag)));
        }
        let signature: [u8; 64] = sig
            .value
            .as_slice()
            .try_into()
            .map_err(|_| invalid(format!("signature is {} bytes; Ed25519 signatures are 64", sig.value.len())))?;
        let kids = signed.children()?;
        let field = |t: u32, name: &str| {
            kids.iter()
                .find(|k| k.tag == t)
                .map(|k| k.value.clone())
                .ok_or_else(|| invalid(format!("has no {name} (tag {t:X})")))
        };
        let utf8 = |t: u32, name: &str| {
            String::from_utf8(field(t, name)?).map_err(|_| invalid(format!("{name} is not UTF-8")))
        };
        let version = field(0x80, "layout version")?;
        let [layout_version] = version.as_slice() else {
            return Err(invalid("layout version is not one byte"));
        };
        let key_id: [u8; 8] =
            field(0x84, "key id")?.as_slice().try_into().map_err(|_| invalid("key id is not 8 bytes"))?;
        let hash_list =
            kids.iter().find(|k| k.tag == tag::HASHES).ok_or_else(|| invalid("has no data-group hashes (tag A0)"))?;
        let mut hashes = Vec::new();
        for entry in hash_list.children()? {
            let e = entry.children()?;
            let get = |t: u32| e.iter().find(|k| k.tag == t).map(|k| k.value.clone());
            let fid: [u8; 2] = get(0x80)
                .and_then(|v| v.try_into().ok())
                .ok_or_else(|| invalid("a hash entry has no 2-byte file id"))?;
            let hash: [u8; 32] = get(0x81)
                .and_then(|v| v.try_into().ok())
                .ok_or_else(|| invalid("a hash entry has no 32-byte SHA-256"))?;
            hashes.push((u16::from_be_bytes(fid), hash));
        }
        let content = SignedContent {
            layout_version: *layout_version,
            issuance_id: utf8(0x81, "issuance id")?,
            card_serial: utf8(0x82, "card serial")?,
            chip_uid: field(0x83, "chip UID")?,
            key_id,
            hashes,
        };
        Ok((SecurityObject { content, signed_bytes, signature }, used))
    }

    /// Whether `key` made the signature.
    pub fn signature_valid(&self, key: &VerifyingKey) -> bool {
        let mut message = SIGNING_CONTEXT.to_vec();
        message.extend_from_slice(&self.signed_bytes);
        key.verify(&message, &Signature::from_bytes(&self.signature)).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(authority: &Authority) -> SignedContent {
        SignedContent {
            layout_version: 1,
            issuance_id: "iss-1".into(),
            card_serial: "S1".into(),
            chip_uid: vec![1, 2, 3, 4],
            key_id: key_id(&authority.public()),
            hashes: vec![(0x0101, [7; 32])],
        }
    }

    #[test]
    fn signs_and_parses() {
        let a = Authority::generate();
        let bytes = a.sign(&content(&a));
        let (so, used) = SecurityObject::parse(&bytes).unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(so.content, content(&a));
        assert!(so.signature_valid(&a.public()));
        assert!(!so.signature_valid(&Authority::generate().public()));
    }

    #[test]
    fn a_changed_byte_breaks_the_signature() {
        let a = Authority::generate();
        let mut bytes = a.sign(&content(&a));
        let i = bytes.iter().position(|b| *b == 7).unwrap();
        bytes[i] = 8;
        let (so, _) = SecurityObject::parse(&bytes).unwrap();
        assert!(!so.signature_valid(&a.public()));
    }

    #[test]
    fn key_text_errors_say_what_is_expected() {
        let a = Authority::generate();
        assert_eq!(Authority::from_seed_hex(&a.seed_hex()).unwrap().public(), a.public());
        let e = Authority::from_seed_hex("abcd").unwrap_err().to_string();
        assert!(e.contains("64 hex digits") && e.contains("got 4"), "{e}");
        let e = public_key_from_hex(&"zz".repeat(32)).unwrap_err().to_string();
        assert!(e.contains("not hex"), "{e}");
    }
}
