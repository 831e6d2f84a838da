//! Signing and writing: every change is collected in a [`Batch`], signed
//! role by role with [`Batch::sign`] (targets and delegated targets, then
//! snapshot, then timestamp; root by [`Repository::sign_root`]), and written
//! only once every signature has been made, timestamp last, each file
//! through [`juzhu_durable::write_atomic`].

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::spec::Keyring;
use super::state::Repository;
use crate::Error;
use crate::keys::SigningKey;
use crate::metadata::{Envelope, MetaFile, Role, Root, Snapshot, Targets, Timestamp, format_expiry, short};

/// Files to write once every signature has been made, and what was signed.
#[derive(Default)]
pub(super) struct Batch {
    pub(super) files: Vec<(String, Vec<u8>)>,
    pub(super) report: Vec<String>,
}

/// A role whose version and expiry move forward each time it is signed.
pub(super) trait Bump: Role {
    /// Increments the version, sets the expiry, and returns the new version.
    fn bump(&mut self, expires: String) -> u64;
}

macro_rules! bump {
    ($($t:ty),*) => {$(
        impl Bump for $t {
            fn bump(&mut self, expires: String) -> u64 {
                self.version += 1;
                self.expires = expires;
                self.version
            }
        }
    )*};
}
bump!(Targets, Snapshot, Timestamp);

impl Batch {
    pub(super) fn add(&mut self, path: String, bytes: Vec<u8>) {
        self.files.push((path, bytes));
    }

    /// Signs one role: bumps `body`'s version, sets it to expire at
    /// `expires`, signs it with the keys of `keyring` among `keyids` (at
    /// least `threshold` of them, or a refusal), adds it to the batch as
    /// `metadata/<version>.<role>.json` (`metadata/timestamp.json` for the
    /// timestamp), and reports it. Returns the new version.
    pub(super) fn sign<R: Bump>(
        &mut self,
        keyring: &Keyring,
        role: &str,
        (keyids, threshold): (&[String], u32),
        body: &mut R,
        expires: jiff::Timestamp,
    ) -> Result<u64, Error> {
        let version = body.bump(format_expiry(expires));
        let signers = keyring.for_role(role, keyids, threshold)?;
        let file = if role == "timestamp" {
            "metadata/timestamp.json".to_string()
        } else {
            format!("metadata/{version}.{role}.json")
        };
        self.add(file, Envelope::sign(&*body, &signers).to_bytes());
        self.report.push(signed_line(role, version, body.expires(), &signers));
        Ok(version)
    }
}

impl Repository {
    pub(super) fn sign_root(
        &mut self,
        batch: &mut Batch,
        keyring: &Keyring,
        previous: Option<&Root>,
    ) -> Result<(), Error> {
        self.root.version = previous.map_or(1, |p| p.version + 1);
        self.root.expires = format_expiry(days_after(self.now, self.lifetimes.root_days));
        let new_keys = &self.root.roles["root"];
        let mut signers = keyring.for_role("root", &new_keys.keyids, new_keys.threshold)?;
        if let Some(old) = previous {
            for k in
                keyring.for_role("root (previous version)", &old.roles["root"].keyids, old.roles["root"].threshold)?
            {
                if !signers.iter().any(|s| s.keyid() == k.keyid()) {
                    signers.push(k);
                }
            }
        }
        let envelope = Envelope::sign(&self.root, &signers);
        let bytes = envelope.to_bytes();
        batch.add(format!("metadata/{}.root.json", self.root.version), bytes.clone());
        batch.add("metadata/root.json".into(), bytes);
        batch.report.push(signed_line("root", self.root.version, &self.root.expires, &signers));
        Ok(())
    }

    pub(super) fn sign_timestamp(&mut self, batch: &mut Batch, keyring: &Keyring) -> Result<(), Error> {
        let snapshot_file = format!("metadata/{}.snapshot.json", self.snapshot.version);
        let snapshot_bytes = match batch.files.iter().find(|(p, _)| p == &snapshot_file) {
            Some((_, b)) => b.clone(),
            None => {
                let path = self.dir.join(&snapshot_file);
                std::fs::read(&path).map_err(|e| Error::io(&path, e))?
            }
        };
        self.timestamp.meta = BTreeMap::from([(
            "snapshot.json".to_string(),
            MetaFile {
                version: self.snapshot.version,
                length: Some(snapshot_bytes.len() as u64),
                hashes: Some(BTreeMap::from([("sha256".into(), hex::encode(Sha256::digest(&snapshot_bytes)))])),
            },
        )]);
        let k = &self.root.roles["timestamp"];
        let expires = days_after(self.now, self.lifetimes.timestamp_days);
        batch.sign(keyring, "timestamp", (&k.keyids, k.threshold), &mut self.timestamp, expires)?;
        Ok(())
    }

    /// Re-signs the changed delegated roles (and targets, if it changed),
    /// then snapshot and timestamp, then writes everything.
    pub(super) fn commit(
        &mut self,
        mut batch: Batch,
        keyring: &Keyring,
        roles: &[String],
        targets_changed: bool,
    ) -> Result<Vec<String>, Error> {
        let targets_expire = days_after(self.now, self.lifetimes.targets_days);
        for role in roles {
            let d = self.delegation(role).expect("a changed role is delegated").clone();
            let body = self.delegated.get_mut(role).expect("a changed role has metadata");
            let version = batch.sign(keyring, role, (&d.keyids, d.threshold), body, targets_expire)?;
            self.snapshot.meta.insert(format!("{role}.json"), MetaFile { version, length: None, hashes: None });
        }
        if targets_changed {
            let k = &self.root.roles["targets"];
            let version =
                batch.sign(keyring, "targets", (&k.keyids, k.threshold), &mut self.targets, targets_expire)?;
            self.snapshot.meta.insert("targets.json".into(), MetaFile { version, length: None, hashes: None });
        }
        let k = &self.root.roles["snapshot"];
        let expires = days_after(self.now, self.lifetimes.snapshot_days);
        batch.sign(keyring, "snapshot", (&k.keyids, k.threshold), &mut self.snapshot, expires)?;
        self.sign_timestamp(&mut batch, keyring)?;
        self.write(batch)
    }

    /// Writes content-addressed and versioned files first, root.json next
    /// and timestamp.json last, each through [`juzhu_durable::write_atomic`],
    /// so a client reading meanwhile sees either the old registry or the new
    /// one, and a power loss leaves no empty or half-written file.
    pub(super) fn write(&self, batch: Batch) -> Result<Vec<String>, Error> {
        let (mut last, first): (Vec<_>, Vec<_>) =
            batch.files.into_iter().partition(|(p, _)| p == "metadata/timestamp.json" || p == "metadata/root.json");
        last.sort_by_key(|(p, _)| p == "metadata/timestamp.json");
        for (rel, bytes) in first.into_iter().chain(last) {
            let path = self.dir.join(&rel);
            if let Some(parent) = path.parent() {
                juzhu_durable::create_dir_all(parent).map_err(Error::Write)?;
            }
            juzhu_durable::write_atomic(&path, &bytes).map_err(Error::Write)?;
        }
        Ok(batch.report)
    }
}

fn signed_line(role: &str, version: u64, expires: &str, signers: &[&SigningKey]) -> String {
    format!(
        "signed {role} version {version} (expires {expires}) with key(s) {}",
        signers.iter().map(|k| short(k.keyid())).collect::<Vec<_>>().join(", ")
    )
}

pub(super) fn days_after(now: jiff::Timestamp, days: i64) -> jiff::Timestamp {
    let t = now + jiff::SignedDuration::from_hours(24 * days);
    // Whole seconds: TUF's expiry format has no fraction.
    jiff::Timestamp::from_second(t.as_second()).expect("in range")
}
