//! Who may sign what: creating a registry (root, the top-level roles and the
//! certification role), delegating a district, revoking a delegated key,
//! rotating the top-level roles' keys (a new root), and refreshing the
//! timestamp that keeps clients from freezing.

use std::collections::BTreeMap;
use std::path::Path;

use super::signing::{Batch, days_after};
use super::spec::{InitSpec, Keyring, Lifetimes, RoleSpec, Rotation};
use super::state::Repository;
use super::state::empty_targets;
use crate::metadata::{
    DelegatedRole, Delegations, RoleKeys, Root, SPEC_VERSION, Snapshot, Timestamp, format_expiry, short,
};
use crate::names;
use crate::{CERTIFICATION, Error};

impl Repository {
    /// Creates a registry in `dir` (absent or empty) with root, targets,
    /// snapshot and timestamp, and targets' delegation of `attestations/*/*`
    /// to the certification role.
    pub fn init(dir: &Path, spec: &InitSpec, keyring: &Keyring, now: jiff::Timestamp) -> Result<Vec<String>, Error> {
        if dir.exists() && std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?.next().is_some() {
            return Err(Error::Refused(format!(
                "{} is not empty; a registry is created in a new or empty directory",
                dir.display()
            )));
        }
        for (role, s) in [
            ("root", &spec.root),
            ("targets", &spec.targets),
            ("snapshot", &spec.snapshot),
            ("timestamp", &spec.timestamp),
            (CERTIFICATION, &spec.certification),
        ] {
            s.check(role)?;
        }
        let lifetimes = Lifetimes::default();
        let mut keys = BTreeMap::new();
        let mut roles = BTreeMap::new();
        for (role, s) in [
            ("root", &spec.root),
            ("targets", &spec.targets),
            ("snapshot", &spec.snapshot),
            ("timestamp", &spec.timestamp),
        ] {
            for k in &s.keys {
                keys.insert(k.keyid(), k.clone());
            }
            roles.insert(role.to_string(), RoleKeys { keyids: s.keyids(), threshold: s.threshold });
        }
        let root = Root {
            kind: "root".into(),
            spec_version: SPEC_VERSION.into(),
            consistent_snapshot: true,
            version: 1,
            expires: format_expiry(days_after(now, lifetimes.root_days)),
            keys,
            roles,
        };
        let mut targets = empty_targets(0, String::new());
        targets.delegations = Some(Delegations {
            keys: spec.certification.keys.iter().map(|k| (k.keyid(), k.clone())).collect(),
            roles: vec![DelegatedRole {
                name: CERTIFICATION.into(),
                keyids: spec.certification.keyids(),
                threshold: spec.certification.threshold,
                terminating: true,
                paths: vec![names::ATTESTATION_PATTERN.into()],
            }],
        });
        let mut repo = Repository {
            dir: dir.to_path_buf(),
            root,
            targets,
            delegated: BTreeMap::new(),
            snapshot: Snapshot {
                kind: "snapshot".into(),
                spec_version: SPEC_VERSION.into(),
                version: 0,
                expires: String::new(),
                meta: BTreeMap::new(),
            },
            timestamp: Timestamp {
                kind: "timestamp".into(),
                spec_version: SPEC_VERSION.into(),
                version: 0,
                expires: String::new(),
                meta: BTreeMap::new(),
            },
            lifetimes,
            now,
        };
        let mut batch = Batch::default();
        repo.sign_root(&mut batch, keyring, None)?;
        repo.commit(batch, keyring, &[], true)
    }

    /// Delegates `districts/<code>/*` to a new terminating role `district-<code>`.
    pub fn delegate(&mut self, code: &str, spec: &RoleSpec, keyring: &Keyring) -> Result<Vec<String>, Error> {
        names::check_district(code)?;
        let role = names::district_role(code);
        spec.check(&role)?;
        if self.delegation(&role).is_some() {
            return Err(Error::Refused(format!(
                "{role} is already delegated; to change its keys, revoke a key with `juzhu registry revoke --key`"
            )));
        }
        let delegations = self.targets.delegations.get_or_insert_with(Delegations::default);
        for k in &spec.keys {
            delegations.keys.insert(k.keyid(), k.clone());
        }
        delegations.roles.push(DelegatedRole {
            name: role.clone(),
            keyids: spec.keyids(),
            threshold: spec.threshold,
            terminating: true,
            paths: vec![names::district_pattern(code)],
        });
        let mut batch = Batch::default();
        batch.report.push(format!(
            "delegated districts/{code}/* to {role}: threshold {} of [{}], terminating",
            spec.threshold,
            spec.keyids().iter().map(|k| short(k)).collect::<Vec<_>>().join(", ")
        ));
        self.commit(batch, keyring, &[], true)
    }

    /// Removes a key from every delegation that lists it (targets signs).
    pub fn revoke_key(&mut self, keyid_prefix: &str, keyring: &Keyring) -> Result<Vec<String>, Error> {
        let delegations = self.targets.delegations.as_mut().ok_or_else(|| Error::Refused("no delegations".into()))?;
        let matching: Vec<String> = delegations
            .keys
            .keys()
            .filter(|id| id.starts_with(keyid_prefix) && !keyid_prefix.is_empty())
            .cloned()
            .collect();
        let keyid = match matching.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(Error::Refused(format!(
                    "no delegated key has an id starting {keyid_prefix:?}; `juzhu registry status` lists the key ids (top-level keys change by root rotation)"
                )));
            }
            _ => {
                return Err(Error::Refused(format!(
                    "{keyid_prefix:?} matches {} keys; give more of the id",
                    matching.len()
                )));
            }
        };
        let mut report = Vec::new();
        for d in delegations.roles.iter_mut().filter(|d| d.keyids.contains(&keyid)) {
            if d.keyids.len() - 1 < d.threshold as usize {
                return Err(Error::Refused(format!(
                    "removing {} would leave {} with {} key(s) for a threshold of {}; delegate a replacement key first",
                    short(&keyid),
                    d.name,
                    d.keyids.len() - 1,
                    d.threshold
                )));
            }
            d.keyids.retain(|k| k != &keyid);
            report.push(format!("revoked key {} from {}: its signatures no longer count", short(&keyid), d.name));
        }
        delegations.keys.remove(&keyid);
        let batch = Batch { files: Vec::new(), report };
        self.commit(batch, keyring, &[], true)
    }

    /// Signs a new timestamp over the current snapshot, extending the freeze deadline.
    pub fn refresh_timestamp(&mut self, keyring: &Keyring) -> Result<Vec<String>, Error> {
        let mut batch = Batch::default();
        self.sign_timestamp(&mut batch, keyring)?;
        self.write(batch)
    }

    /// Replaces the keys of top-level roles with a new root version (signed by
    /// the previous root's threshold and the new one's), then re-signs each
    /// role whose keys changed with its new keys, so clients can follow.
    pub fn rotate_keys(&mut self, rotation: &Rotation, keyring: &Keyring) -> Result<Vec<String>, Error> {
        let changes = [
            ("root", &rotation.root),
            ("targets", &rotation.targets),
            ("snapshot", &rotation.snapshot),
            ("timestamp", &rotation.timestamp),
        ];
        if changes.iter().all(|(_, c)| c.is_none()) {
            return Err(Error::Refused(
                "give new keys for at least one role (--root, --targets, --snapshot, --timestamp)".into(),
            ));
        }
        for (role, change) in &changes {
            if let Some(spec) = change {
                spec.check(role)?;
            }
        }
        let old = self.root.clone();
        let mut report = Vec::new();
        for (role, change) in &changes {
            if let Some(spec) = change {
                for k in &spec.keys {
                    self.root.keys.insert(k.keyid(), k.clone());
                }
                self.root.roles.insert(role.to_string(), RoleKeys { keyids: spec.keyids(), threshold: spec.threshold });
                report.push(format!(
                    "{role} keys are now threshold {} of [{}]",
                    spec.threshold,
                    spec.keyids().iter().map(|k| short(k)).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        let used: std::collections::BTreeSet<String> =
            self.root.roles.values().flat_map(|r| r.keyids.iter().cloned()).collect();
        self.root.keys.retain(|id, _| used.contains(id));
        let mut batch = Batch { files: Vec::new(), report };
        self.sign_root(&mut batch, keyring, Some(&old))?;
        if rotation.targets.is_some() || rotation.snapshot.is_some() || rotation.timestamp.is_some() {
            self.commit(batch, keyring, &[], rotation.targets.is_some())
        } else {
            self.write(batch)
        }
    }

    /// Writes a new root version after `change`, signed by the old root's
    /// keys and threshold and by the new one's.
    pub fn rotate_root(&mut self, change: impl FnOnce(&mut Root), keyring: &Keyring) -> Result<Vec<String>, Error> {
        let old = self.root.clone();
        change(&mut self.root);
        let mut batch = Batch::default();
        self.sign_root(&mut batch, keyring, Some(&old))?;
        self.write(batch)
    }
}
