//! Offline verification of a card as read: every finding says what is wrong
//! with which file, so an operator can tell a half-written card from a
//! tampered or a copied one.

use std::fmt;

use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::content::CardContent;
use crate::dump::CardDump;
use crate::layout::{self, LAYOUT_VERSION};
use crate::security::{SecurityObject, key_id};
use crate::tlv::{Tlv, TlvError};

/// One thing wrong with a card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// The card carries no juzhu application: blank, or another card.
    NoApplication,
    /// The security object is absent or blank: writing never finished.
    Unfinished {
        detail: String,
    },
    /// A file's TLV runs past its end.
    Truncated {
        file: String,
        detail: String,
    },
    Malformed {
        file: String,
        detail: String,
    },
    /// Bytes after a data group's TLV that are not padding.
    TrailingData {
        file: String,
        at: usize,
    },
    WrongLayoutVersion {
        found: u8,
        supported: u8,
    },
    /// Signed by a key this verifier does not trust.
    UnknownSigner {
        key_id: String,
    },
    BadSignature,
    /// The data was signed for another chip.
    ForeignChip {
        signed_for: String,
        chip: String,
    },
    /// A data group's bytes differ from what was signed.
    Tampered {
        file: String,
    },
    /// A data group the security object covers is missing.
    MissingDataGroup {
        file: String,
    },
    /// A data group present on the card that the security object does not cover.
    Uncovered {
        file: String,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::NoApplication => write!(
                f,
                "no juzhu application (AID {}) on the card: blank, or not a residence-permit card",
                hex::encode_upper(layout::AID)
            ),
            Finding::Unfinished { detail } => {
                write!(f, "unfinished: {detail}; the card was not completely written (re-issue it)")
            }
            Finding::Truncated { file, detail } => write!(f, "{file} is truncated: {detail}"),
            Finding::Malformed { file, detail } => write!(f, "{file} is malformed: {detail}"),
            Finding::TrailingData { file, at } => {
                write!(f, "{file} has data after its end, at byte {at}; only 00 padding may follow")
            }
            Finding::WrongLayoutVersion { found, supported } => {
                write!(f, "layout version {found}; this verifier reads version {supported}")
            }
            Finding::UnknownSigner { key_id } => {
                write!(f, "signed by key {key_id}, which is not a trusted issuing authority key")
            }
            Finding::BadSignature => {
                write!(f, "the security object's signature does not verify: the signed data was altered")
            }
            Finding::ForeignChip { signed_for, chip } => write!(
                f,
                "signed for chip UID {signed_for} but this chip is {chip}: the data was copied from another card"
            ),
            Finding::Tampered { file } => {
                write!(f, "{file} does not match its signed hash: it was altered")
            }
            Finding::MissingDataGroup { file } => write!(f, "{file} is signed for but missing"),
            Finding::Uncovered { file } => {
                write!(f, "{file} is present but not covered by the signature")
            }
        }
    }
}

/// The outcome of verifying one card.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub chip_uid: String,
    pub issuance_id: Option<String>,
    pub card_serial: Option<String>,
    pub findings: Vec<Finding>,
    /// The content, when every data group could be read.
    pub content: Option<CardContent>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }
}

fn name(fid: u16) -> String {
    layout::file(fid).map_or_else(|| format!("file {fid:04X}"), |s| s.name.to_string())
}

fn is_padding(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| *b == 0x00)
}

/// A data group's bytes without padding, or the finding that stops reading it.
fn data_of(fid: u16, raw: &[u8]) -> Result<Vec<u8>, Finding> {
    let file = name(fid);
    let tlv_err = |e: TlvError| match e {
        TlvError::Truncated { .. } => Finding::Truncated { file: file.clone(), detail: e.to_string() },
        TlvError::Malformed { .. } => Finding::Malformed { file: file.clone(), detail: e.to_string() },
    };
    if fid == layout::ENDORSEMENTS.fid {
        // Records until the padding starts.
        let mut at = 0;
        while at < raw.len() && raw[at] != 0x00 {
            let (_, used) = Tlv::decode(&raw[at..]).map_err(|e| tlv_err(shift(e, at)))?;
            at += used;
        }
        if !is_padding(&raw[at..]) {
            return Err(Finding::TrailingData { file, at });
        }
        return Ok(raw[..at].to_vec());
    }
    let (_, used) = Tlv::decode(raw).map_err(tlv_err)?;
    if !is_padding(&raw[used..]) {
        return Err(Finding::TrailingData { file, at: used });
    }
    Ok(raw[..used].to_vec())
}

fn shift(e: TlvError, by: usize) -> TlvError {
    match e {
        TlvError::Truncated { at, needed, present } => {
            TlvError::Truncated { at: at + by, needed: needed + by, present: present + by }
        }
        TlvError::Malformed { at, detail } => TlvError::Malformed { at: at + by, detail },
    }
}

/// Checks `card` against the trusted authority keys.
pub fn verify(card: &CardDump, trusted: &[VerifyingKey]) -> Report {
    let mut report = Report {
        chip_uid: hex::encode_upper(&card.chip_uid),
        issuance_id: None,
        card_serial: None,
        findings: Vec::new(),
        content: None,
    };
    if card.files.is_empty() {
        report.findings.push(Finding::NoApplication);
        return report;
    }
    let so_name = layout::SECURITY_OBJECT.name.to_string();
    let Some(raw_so) = card.files.get(&layout::SECURITY_OBJECT.fid) else {
        report.findings.push(Finding::Unfinished { detail: "the security object file does not exist".into() });
        return report;
    };
    if raw_so.first().is_none_or(|b| *b == 0x00) {
        report
            .findings
            .push(Finding::Unfinished { detail: "the security object is not committed (its first byte is 00)".into() });
        return report;
    }
    let so = match SecurityObject::parse(raw_so) {
        Ok((so, _)) => so,
        Err(crate::security::SecurityObjectError::Tlv(e @ TlvError::Truncated { .. })) => {
            report.findings.push(Finding::Truncated { file: so_name, detail: e.to_string() });
            return report;
        }
        Err(e) => {
            report.findings.push(Finding::Malformed { file: so_name, detail: e.to_string() });
            return report;
        }
    };
    let signed = &so.content;
    report.issuance_id = Some(signed.issuance_id.clone());
    report.card_serial = Some(signed.card_serial.clone());
    if signed.layout_version != LAYOUT_VERSION {
        report.findings.push(Finding::WrongLayoutVersion { found: signed.layout_version, supported: LAYOUT_VERSION });
    }
    match trusted.iter().find(|k| key_id(k) == signed.key_id) {
        None => report.findings.push(Finding::UnknownSigner { key_id: hex::encode(signed.key_id) }),
        Some(key) if !so.signature_valid(key) => report.findings.push(Finding::BadSignature),
        Some(_) => {}
    }
    if signed.chip_uid != card.chip_uid {
        report.findings.push(Finding::ForeignChip {
            signed_for: hex::encode_upper(&signed.chip_uid),
            chip: hex::encode_upper(&card.chip_uid),
        });
    }
    let mut data = std::collections::BTreeMap::new();
    for (fid, hash) in &signed.hashes {
        let Some(raw) = card.files.get(fid) else {
            report.findings.push(Finding::MissingDataGroup { file: name(*fid) });
            continue;
        };
        match data_of(*fid, raw) {
            Ok(bytes) => {
                if Sha256::digest(&bytes).as_slice() != hash {
                    report.findings.push(Finding::Tampered { file: name(*fid) });
                }
                data.insert(*fid, bytes);
            }
            Err(finding) => report.findings.push(finding),
        }
    }
    for (fid, raw) in &card.files {
        if *fid != layout::SECURITY_OBJECT.fid && !signed.hashes.iter().any(|(f, _)| f == fid) && !is_padding(raw) {
            report.findings.push(Finding::Uncovered { file: name(*fid) });
        }
    }
    match CardContent::from_data_groups(|fid| data.get(&fid).cloned()) {
        Ok(content) => report.content = Some(content),
        Err(e) => {
            if report.findings.is_empty() {
                report.findings.push(Finding::Malformed { file: "data groups".into(), detail: e.to_string() });
            }
        }
    }
    report
}
