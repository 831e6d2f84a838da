//! juzhu's signed module registry, after The Update Framework (TUF 1.0).
//!
//! - [`canonical`]: canonical JSON, the bytes signatures and key ids cover;
//! - [`keys`]: ed25519 key files (0600, optionally passphrase-encrypted), TUF
//!   public keys and signatures;
//! - [`metadata`]: the TUF roles and their signatures over canonical JSON;
//! - [`names`]: which target and role names are allowed, and delegation paths;
//! - [`fields`]: juzhu's `custom` fields on module and attestation targets;
//! - [`repo`]: the publishing side: init, delegate, publish, attest, revoke,
//!   refresh the timestamp, status;
//! - [`client`]: the verifying side, the TUF client workflow over a registry
//!   directory opened with cap-std, returning certified modules with bytes;
//! - `fixture` (cargo feature `fixture`): a registry with keys for every
//!   role, for tests and benchmarks.
//!
//! # Layout of a registry directory
//! ```text
//! metadata/1.root.json, 2.root.json, …   every root, for the rotation chain
//! metadata/root.json                     a copy of the newest root
//! metadata/timestamp.json
//! metadata/<v>.snapshot.json, <v>.targets.json, <v>.<role>.json
//! targets/districts/<code>/<sha256>.<module>-<version>.wasm
//! targets/attestations/<code>/<sha256>.<module>-<version>.json
//! ```
//! Snapshots are consistent: every file is named by version or content hash,
//! so a mirror can be updated in place while clients read it.

pub mod canonical;
pub mod client;
pub mod fields;
#[cfg(feature = "fixture")]
pub mod fixture;
pub mod keys;
pub mod metadata;
pub mod names;
pub mod repo;

pub use client::{Client, TrustState, Update, VerifiedModule};
pub use keys::SigningKey;
pub use repo::{Keyring, Repository};

/// The name of the role that certifies modules.
pub const CERTIFICATION: &str = "certification";

/// Everything that can go wrong, each naming the file or role and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {detail}")]
    Io { path: String, detail: String },
    /// A registry file could not be written durably: the error names the
    /// file and the step ([`juzhu_durable::WriteError`]) and keeps its kind.
    #[error(transparent)]
    Write(std::io::Error),
    #[error("{0}")]
    Key(String),
    #[error("{file} is malformed: {detail}")]
    Malformed { file: String, detail: String },
    #[error("{file} is larger than the {limit} bytes allowed for it; refusing to read further")]
    TooLarge { file: String, limit: u64 },
    #[error("{file} is missing from the registry")]
    Missing { file: String },
    #[error("{role} has {valid} valid signature(s) of the {threshold} required: {detail}")]
    BelowThreshold { role: String, valid: usize, threshold: u32, detail: String },
    #[error(
        "{role} metadata expired at {expires}; the registry is frozen until it is re-signed (`juzhu registry refresh-timestamp`)"
    )]
    Expired { role: String, expires: String },
    #[error("rollback of {role}: offered version {offered} is older than the trusted version {trusted}")]
    Rollback { role: String, trusted: u64, offered: u64 },
    #[error("{file} holds version {found} of {role}; expected version {expected}")]
    VersionMismatch { file: String, role: String, expected: u64, found: u64 },
    #[error("{file}: sha256 is {found}, but the signed sha256 is {expected}")]
    HashMismatch { file: String, expected: String, found: String },
    #[error("{file} is longer than its signed length of {length} bytes")]
    TooLong { file: String, length: u64 },
    #[error("{file} is {found} bytes, but its signed length is {length}")]
    WrongLength { file: String, length: u64, found: u64 },
    #[error("mix-and-match: {0}")]
    MixAndMatch(String),
    #[error("unsafe {what} name {name:?}: {detail}")]
    UnsafeName { what: &'static str, name: String, detail: String },
    #[error("refused: {0}")]
    Refused(String),
}

impl Error {
    pub fn io(path: &std::path::Path, e: std::io::Error) -> Self {
        Error::Io { path: path.display().to_string(), detail: e.to_string() }
    }

    /// A short, stable name for the kind of failure, for metrics labels.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::Write(_) => "write",
            Error::Key(_) => "key",
            Error::Malformed { .. } => "malformed",
            Error::TooLarge { .. } => "too_large",
            Error::Missing { .. } => "missing",
            Error::BelowThreshold { .. } => "signature_threshold",
            Error::Expired { .. } => "expired",
            Error::Rollback { .. } => "rollback",
            Error::VersionMismatch { .. } => "version_mismatch",
            Error::HashMismatch { .. } => "hash_mismatch",
            Error::TooLong { .. } => "too_long",
            Error::WrongLength { .. } => "wrong_length",
            Error::MixAndMatch(_) => "mix_and_match",
            Error::UnsafeName { .. } => "unsafe_name",
            Error::Refused(_) => "refused",
        }
    }

    /// An expired timestamp (or any expired role): keep what runs, activate nothing new.
    pub fn is_freeze(&self) -> bool {
        matches!(self, Error::Expired { .. })
    }
}
