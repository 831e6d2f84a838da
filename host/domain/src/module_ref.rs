//! Which module version made a decision.

use serde::{Deserialize, Serialize};

/// The policy module that made a decision or answer: what a receipt quotes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleRef {
    pub id: String,
    pub version: String,
    /// Hex sha256 of the component bytes.
    pub sha256: String,
}

impl ModuleRef {
    /// Whether `sha256` is 64 lowercase hex digits, as every digest juzhu
    /// writes is.
    pub fn has_valid_digest(&self) -> bool {
        self.sha256.len() == 64 && self.sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
}
