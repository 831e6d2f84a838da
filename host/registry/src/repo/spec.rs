//! What an operation is given: the private keys ([`Keyring`]), the public
//! keys and threshold of a role ([`RoleSpec`]), the roles of a new registry
//! ([`InitSpec`]) or of a rotation ([`Rotation`]), signature lifetimes, and
//! what a module says it is ([`ModuleDescription`]).

use crate::Error;
use crate::keys::{Key, SigningKey};
use crate::metadata::short;

/// The private keys given to one operation.
#[derive(Default)]
pub struct Keyring {
    keys: Vec<SigningKey>,
}

impl Keyring {
    pub fn new(keys: Vec<SigningKey>) -> Self {
        Keyring { keys }
    }

    pub fn add(&mut self, key: SigningKey) {
        self.keys.push(key);
    }

    /// The keys of a role, or a refusal that says which are needed.
    pub(super) fn for_role(&self, role: &str, keyids: &[String], threshold: u32) -> Result<Vec<&SigningKey>, Error> {
        let mut chosen: Vec<&SigningKey> = Vec::new();
        for key in &self.keys {
            if keyids.iter().any(|id| id == key.keyid()) && !chosen.iter().any(|c| c.keyid() == key.keyid()) {
                chosen.push(key);
            }
        }
        if (chosen.len() as u64) < threshold as u64 {
            let wanted: Vec<&str> = keyids.iter().map(|k| short(k)).collect();
            return Err(Error::Refused(format!(
                "cannot sign {role}: it needs {threshold} of the keys [{}], and {} of them were given; pass their key files with --key",
                wanted.join(", "),
                chosen.len()
            )));
        }
        Ok(chosen)
    }
}

/// How long each role's signature stays valid.
#[derive(Clone, Copy, Debug)]
pub struct Lifetimes {
    pub root_days: i64,
    pub targets_days: i64,
    pub snapshot_days: i64,
    pub timestamp_days: i64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes { root_days: 365, targets_days: 365, snapshot_days: 30, timestamp_days: 7 }
    }
}

/// The public keys and threshold of one role.
#[derive(Clone, Debug)]
pub struct RoleSpec {
    pub keys: Vec<Key>,
    pub threshold: u32,
}

impl RoleSpec {
    pub(super) fn check(&self, role: &str) -> Result<(), Error> {
        let distinct: std::collections::BTreeSet<String> = self.keys.iter().map(Key::keyid).collect();
        if self.threshold == 0 || distinct.len() < self.threshold as usize {
            return Err(Error::Refused(format!(
                "{role}: threshold {} with {} distinct key(s); a threshold is between 1 and the number of keys",
                self.threshold,
                distinct.len()
            )));
        }
        Ok(())
    }

    pub(super) fn keyids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.keys.iter().map(Key::keyid).collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

pub struct InitSpec {
    pub root: RoleSpec,
    pub targets: RoleSpec,
    pub snapshot: RoleSpec,
    pub timestamp: RoleSpec,
    pub certification: RoleSpec,
}

/// New keys for top-level roles; `None` keeps a role's keys.
#[derive(Default)]
pub struct Rotation {
    pub root: Option<RoleSpec>,
    pub targets: Option<RoleSpec>,
    pub snapshot: Option<RoleSpec>,
    pub timestamp: Option<RoleSpec>,
}

/// What a module is, as read from its component by the host.
#[derive(Clone, Debug)]
pub struct ModuleDescription {
    pub module_id: String,
    pub version: String,
    pub contract_version: String,
}
