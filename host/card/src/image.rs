//! A card image: the exact bytes of every file, built and signed before
//! anything is written, so that every retry writes the same bytes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::content::{CardContent, ContentError};
use crate::layout::{self, FileSpec};
use crate::security::{Authority, SignedContent, key_id};

/// What to write on one chip.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardImage {
    pub layout_version: u8,
    pub issuance_id: String,
    pub card_serial: String,
    #[serde(with = "hex::serde")]
    pub chip_uid: Vec<u8>,
    /// Every file's bytes without padding, data groups in layout order and
    /// the security object last.
    pub files: Vec<ImageFile>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageFile {
    pub fid: u16,
    #[serde(with = "hex::serde")]
    pub bytes: Vec<u8>,
}

impl CardImage {
    /// Builds the data groups of `content` and the security object binding
    /// them to `chip_uid`, signed by `authority`.
    pub fn build(
        content: &CardContent,
        issuance_id: &str,
        chip_uid: &[u8],
        authority: &Authority,
    ) -> Result<CardImage, ContentError> {
        let groups = content.data_groups()?;
        let signed = SignedContent {
            layout_version: layout::LAYOUT_VERSION,
            issuance_id: issuance_id.to_string(),
            card_serial: content.card_serial.clone(),
            chip_uid: chip_uid.to_vec(),
            key_id: key_id(&authority.public()),
            hashes: groups.iter().map(|(spec, bytes)| (spec.fid, Sha256::digest(bytes).into())).collect(),
        };
        let so = authority.sign(&signed);
        if so.len() > layout::SECURITY_OBJECT.capacity {
            return Err(ContentError::TooLarge {
                file: layout::SECURITY_OBJECT.name,
                len: so.len(),
                capacity: layout::SECURITY_OBJECT.capacity,
            });
        }
        let mut files: Vec<ImageFile> =
            groups.into_iter().map(|(spec, bytes)| ImageFile { fid: spec.fid, bytes }).collect();
        files.push(ImageFile { fid: layout::SECURITY_OBJECT.fid, bytes: so });
        Ok(CardImage {
            layout_version: layout::LAYOUT_VERSION,
            issuance_id: issuance_id.to_string(),
            card_serial: content.card_serial.clone(),
            chip_uid: chip_uid.to_vec(),
            files,
        })
    }

    /// The files with their layout specs, in write order.
    pub fn specs(&self) -> impl Iterator<Item = (FileSpec, &[u8])> {
        self.files.iter().filter_map(|f| layout::file(f.fid).map(|s| (s, f.bytes.as_slice())))
    }

    /// SHA-256 of the image's JSON, quoted in the journal and audit log.
    pub fn sha256(&self) -> String {
        hex::encode(Sha256::digest(serde_json::to_vec(self).expect("an image serializes")))
    }
}
