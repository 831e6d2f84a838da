//! TUF 1.0 metadata: the four top-level roles, delegated targets roles, and
//! their signatures.
//!
//! Signatures cover the canonical JSON (olpc-cjson, the form securesystemslib
//! writes) of the `signed` object exactly as it was received, so fields this
//! model does not know are still covered. Field names follow the
//! specification, which is what lets python-tuf read a juzhu registry.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Error;
pub use crate::canonical::canonical;
use crate::keys::SigningKey;
pub use crate::keys::{Key, KeyVal, Signature};

/// The TUF specification version written into every role.
pub const SPEC_VERSION: &str = "1.0.31";

/// Which keys sign a role, and how many of them must.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RoleKeys {
    pub keyids: Vec<String>,
    pub threshold: u32,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Root {
    #[serde(rename = "_type")]
    pub kind: String,
    pub spec_version: String,
    pub consistent_snapshot: bool,
    pub version: u64,
    pub expires: String,
    pub keys: BTreeMap<String, Key>,
    pub roles: BTreeMap<String, RoleKeys>,
}

/// A versioned metadata file as listed in timestamp and snapshot.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MetaFile {
    pub version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashes: Option<BTreeMap<String, String>>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Timestamp {
    #[serde(rename = "_type")]
    pub kind: String,
    pub spec_version: String,
    pub version: u64,
    pub expires: String,
    pub meta: BTreeMap<String, MetaFile>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Snapshot {
    #[serde(rename = "_type")]
    pub kind: String,
    pub spec_version: String,
    pub version: u64,
    pub expires: String,
    pub meta: BTreeMap<String, MetaFile>,
}

/// One target file: its length and digest, and juzhu's fields in `custom`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TargetFile {
    pub length: u64,
    pub hashes: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<serde_json::Value>,
}

impl TargetFile {
    pub fn sha256(&self) -> Option<&str> {
        self.hashes.get("sha256").map(String::as_str)
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DelegatedRole {
    pub name: String,
    pub keyids: Vec<String>,
    pub threshold: u32,
    pub terminating: bool,
    pub paths: Vec<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Delegations {
    pub keys: BTreeMap<String, Key>,
    pub roles: Vec<DelegatedRole>,
}

/// The top-level targets role and every delegated targets role.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Targets {
    #[serde(rename = "_type")]
    pub kind: String,
    pub spec_version: String,
    pub version: u64,
    pub expires: String,
    pub targets: BTreeMap<String, TargetFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegations: Option<Delegations>,
}

/// A role's body: what `_type` it must carry and its version and expiry.
pub trait Role: Serialize + DeserializeOwned {
    const TYPE: &'static str;
    fn kind(&self) -> &str;
    fn version(&self) -> u64;
    fn expires(&self) -> &str;
}

macro_rules! role {
    ($t:ty, $name:literal) => {
        impl Role for $t {
            const TYPE: &'static str = $name;
            fn kind(&self) -> &str {
                &self.kind
            }
            fn version(&self) -> u64 {
                self.version
            }
            fn expires(&self) -> &str {
                &self.expires
            }
        }
    };
}
role!(Root, "root");
role!(Timestamp, "timestamp");
role!(Snapshot, "snapshot");
role!(Targets, "targets");

/// A metadata file: the signed body as received, and its signatures.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Envelope {
    pub signatures: Vec<Signature>,
    pub signed: serde_json::Value,
}

impl Envelope {
    /// Signs `body` with every key in `keys`.
    pub fn sign<R: Role>(body: &R, keys: &[&SigningKey]) -> Self {
        Self::sign_value(serde_json::to_value(body).expect("metadata serializes"), keys)
    }

    /// Signs a body given as JSON, as it is.
    pub fn sign_value(signed: serde_json::Value, keys: &[&SigningKey]) -> Self {
        let message = canonical(&signed).expect("our metadata is canonical JSON");
        Envelope { signatures: keys.iter().map(|k| k.sign(&message)).collect(), signed }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("metadata serializes");
        bytes.push(b'\n');
        bytes
    }

    /// Parses a metadata file named `file`, checking it is a `R` role.
    pub fn parse<R: Role>(file: &str, bytes: &[u8]) -> Result<(Self, R), Error> {
        let malformed = |detail: String| Error::Malformed { file: file.to_string(), detail };
        let envelope: Envelope = serde_json::from_slice(bytes)
            .map_err(|e| malformed(format!("{e}; expected {{\"signatures\": [...], \"signed\": {{...}}}}")))?;
        let body: R = serde_json::from_value(envelope.signed.clone())
            .map_err(|e| malformed(format!("not a TUF {} role: {e}", R::TYPE)))?;
        if body.kind() != R::TYPE {
            return Err(malformed(format!("_type is \"{}\"; expected \"{}\"", body.kind(), R::TYPE)));
        }
        Ok((envelope, body))
    }

    /// Checks that at least `threshold` distinct keys among `keyids` signed
    /// the body. A key that signs twice counts once; so does one public key
    /// listed under two ids.
    pub fn verify(
        &self,
        role: &str,
        keys: &BTreeMap<String, Key>,
        keyids: &[String],
        threshold: u32,
    ) -> Result<(), Error> {
        if threshold == 0 {
            return Err(Error::BelowThreshold {
                role: role.into(),
                valid: 0,
                threshold,
                detail: "a threshold of 0 would accept unsigned metadata; it must be at least 1".into(),
            });
        }
        let message = canonical(&self.signed).map_err(|detail| Error::Malformed { file: role.into(), detail })?;
        let mut signers = BTreeSet::new();
        let mut problems = Vec::new();
        for sig in &self.signatures {
            if !keyids.contains(&sig.keyid) {
                problems.push(format!("key {} is not a key of {role}", short(&sig.keyid)));
                continue;
            }
            let Some(key) = keys.get(&sig.keyid) else {
                problems.push(format!("key {} is listed for {role} but not defined", short(&sig.keyid)));
                continue;
            };
            let verifying = match key.verifying_key() {
                Ok(v) => v,
                Err(e) => {
                    problems.push(format!("key {}: {e}", short(&sig.keyid)));
                    continue;
                }
            };
            let Some(bytes) = hex::decode(&sig.sig).ok().and_then(|b| <[u8; 64]>::try_from(b).ok()) else {
                problems.push(format!("signature by {} is not 64 bytes of hex", short(&sig.keyid)));
                continue;
            };
            let signature = ed25519_dalek::Signature::from_bytes(&bytes);
            if verifying.verify_strict(&message, &signature).is_err() {
                problems.push(format!("signature by {} does not match the content", short(&sig.keyid)));
                continue;
            }
            if !signers.insert(verifying.to_bytes()) {
                problems.push(format!("key {} signed more than once; counted once", short(&sig.keyid)));
            }
        }
        if (signers.len() as u64) < threshold as u64 {
            return Err(Error::BelowThreshold {
                role: role.into(),
                valid: signers.len(),
                threshold,
                detail: if problems.is_empty() { "no other signatures".into() } else { problems.join("; ") },
            });
        }
        Ok(())
    }
}

/// The first 8 hex digits of a key id, for messages.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}

/// TUF's timestamp form, `2027-01-01T00:00:00Z`.
pub fn format_expiry(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn parse_expiry(role: &str, expires: &str) -> Result<jiff::Timestamp, Error> {
    expires.parse().map_err(|e| Error::Malformed {
        file: role.into(),
        detail: format!("expires \"{expires}\" is not a UTC time like 2027-01-01T00:00:00Z: {e}"),
    })
}
