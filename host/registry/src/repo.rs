//! The publishing side: create a registry and sign every change to it.
//!
//! Each operation loads the newest metadata, changes one role, and re-signs
//! that role, then snapshot and timestamp, with the keys given in a
//! [`Keyring`]. Every signature is made before any file is written, so a
//! refusal (a missing key, a bad date, a duplicate version) leaves the
//! registry as it was. Each operation returns what it signed, line by line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::fields::{self, AttestationFields, ModuleFields, Revocation};
use crate::keys::SigningKey;
use crate::metadata::{
    DelegatedRole, Delegations, Envelope, Key, MetaFile, Role, RoleKeys, Root, SPEC_VERSION, Snapshot, TargetFile,
    Targets, Timestamp, format_expiry, short,
};
use crate::names;
use crate::{CERTIFICATION, Error};

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
    fn for_role(&self, role: &str, keyids: &[String], threshold: u32) -> Result<Vec<&SigningKey>, Error> {
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
    fn check(&self, role: &str) -> Result<(), Error> {
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

    fn keyids(&self) -> Vec<String> {
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

/// A module target as the registry lists it, for `status` and lookups.
#[derive(Clone, Debug)]
pub struct PublishedModule {
    pub district: String,
    pub target: String,
    pub file: TargetFile,
    pub fields: ModuleFields,
    pub attestation: Option<AttestationFields>,
}

/// A registry on disk, opened for signing.
pub struct Repository {
    dir: PathBuf,
    root: Root,
    targets: Targets,
    delegated: BTreeMap<String, Targets>,
    snapshot: Snapshot,
    timestamp: Timestamp,
    pub lifetimes: Lifetimes,
    now: jiff::Timestamp,
}

fn empty_targets(version: u64, expires: String) -> Targets {
    Targets {
        kind: "targets".into(),
        spec_version: SPEC_VERSION.into(),
        version,
        expires,
        targets: BTreeMap::new(),
        delegations: None,
    }
}

fn read_role<R: Role>(dir: &Path, file: &str) -> Result<R, Error> {
    let path = dir.join("metadata").join(file);
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    Ok(Envelope::parse::<R>(file, &bytes)?.1)
}

/// Files to write once every signature has been made.
#[derive(Default)]
struct Batch {
    files: Vec<(String, Vec<u8>)>,
    report: Vec<String>,
}

impl Batch {
    fn add(&mut self, path: String, bytes: Vec<u8>) {
        self.files.push((path, bytes));
    }
}

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

    /// Opens the registry in `dir` at its newest metadata.
    pub fn open(dir: &Path, now: jiff::Timestamp) -> Result<Self, Error> {
        if !dir.join("metadata/root.json").exists() {
            return Err(Error::Refused(format!(
                "{} is not a juzhu registry (no metadata/root.json); create one with `juzhu registry init`",
                dir.display()
            )));
        }
        let root: Root = read_role(dir, "root.json")?;
        let timestamp: Timestamp = read_role(dir, "timestamp.json")?;
        let snap_version = timestamp
            .meta
            .get("snapshot.json")
            .ok_or_else(|| Error::Malformed { file: "timestamp.json".into(), detail: "no snapshot.json entry".into() })?
            .version;
        let snapshot: Snapshot = read_role(dir, &format!("{snap_version}.snapshot.json"))?;
        let version_of = |role: &str| -> Result<u64, Error> {
            Ok(snapshot
                .meta
                .get(&format!("{role}.json"))
                .ok_or_else(|| Error::Malformed {
                    file: format!("{snap_version}.snapshot.json"),
                    detail: format!("no {role}.json entry"),
                })?
                .version)
        };
        let targets: Targets = read_role(dir, &format!("{}.targets.json", version_of("targets")?))?;
        let mut delegated = BTreeMap::new();
        for d in targets.delegations.iter().flat_map(|d| &d.roles) {
            if snapshot.meta.contains_key(&format!("{}.json", d.name)) {
                let body: Targets = read_role(dir, &format!("{}.{}.json", version_of(&d.name)?, d.name))?;
                delegated.insert(d.name.clone(), body);
            }
        }
        Ok(Repository {
            dir: dir.to_path_buf(),
            root,
            targets,
            delegated,
            snapshot,
            timestamp,
            lifetimes: Lifetimes::default(),
            now,
        })
    }

    pub fn root(&self) -> &Root {
        &self.root
    }

    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    pub fn timestamp(&self) -> &Timestamp {
        &self.timestamp
    }

    /// A delegated role's metadata, if it has been signed yet.
    pub fn delegated(&self, role: &str) -> Option<&Targets> {
        self.delegated.get(role)
    }

    pub fn delegation(&self, role: &str) -> Option<&DelegatedRole> {
        self.targets.delegations.as_ref()?.roles.iter().find(|d| d.name == role)
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

    /// Publishes a module for `code`, effective from `effective_from`
    /// (a legal date no earlier than `today`).
    pub fn publish(
        &mut self,
        code: &str,
        module: &ModuleDescription,
        bytes: &[u8],
        effective_from: &str,
        today: jiff::civil::Date,
        keyring: &Keyring,
    ) -> Result<Vec<String>, Error> {
        names::check_district(code)?;
        let role = names::district_role(code);
        if self.delegation(&role).is_none() {
            return Err(Error::Refused(format!(
                "district {code} has no role in this registry; delegate it first with `juzhu registry delegate {code}`"
            )));
        }
        let date = fields::parse_date("--effective-from", effective_from).map_err(Error::Refused)?;
        if date < today {
            return Err(Error::Refused(format!(
                "effective-from {effective_from} is before today ({today}); a version may not take effect in the past, give {today} or later"
            )));
        }
        let version = semver::Version::parse(&module.version).map_err(|e| {
            Error::Refused(format!("module version \"{}\" is not a semantic version like 1.2.0: {e}", module.version))
        })?;
        let target = fields::module_target(code, &module.module_id, &module.version);
        names::check_target(&target)?;
        let existing = self.delegated.get(&role).map(|t| t.targets.clone()).unwrap_or_default();
        let mut latest: Option<semver::Version> = None;
        for (name, file) in &existing {
            let Some(f) = file.custom.clone().and_then(|c| serde_json::from_value::<ModuleFields>(c).ok()) else {
                continue;
            };
            if f.module_id != module.module_id {
                continue;
            }
            if name == &target {
                return Err(Error::Refused(format!(
                    "{target} is already published (sha256 {}); a version is immutable, publish a higher version",
                    file.sha256().unwrap_or("?")
                )));
            }
            if let Ok(v) = semver::Version::parse(&f.version) {
                if latest.as_ref().is_none_or(|l| &v > l) {
                    latest = Some(v);
                }
            }
        }
        if let Some(l) = &latest {
            if &version <= l {
                return Err(Error::Refused(format!(
                    "{} {} is not newer than the published {l}; publish a version above {l}",
                    module.module_id, module.version
                )));
            }
        }
        let sha256 = hex::encode(Sha256::digest(bytes));
        let custom = ModuleFields {
            module_id: module.module_id.clone(),
            version: module.version.clone(),
            contract_version: module.contract_version.clone(),
            effective_from: effective_from.into(),
            supersedes: latest.map(|l| l.to_string()),
            revoked: None,
        };
        let entry = TargetFile {
            length: bytes.len() as u64,
            hashes: BTreeMap::from([("sha256".into(), sha256.clone())]),
            custom: Some(serde_json::to_value(&custom).expect("fields serialize")),
        };
        let mut body = self.delegated.get(&role).cloned().unwrap_or_else(|| empty_targets(0, String::new()));
        body.targets.insert(target.clone(), entry);
        self.delegated.insert(role.clone(), body);
        let mut batch = Batch::default();
        batch.add(names::stored_path(&target, &sha256), bytes.to_vec());
        batch.report.push(format!(
            "published {target}: {} bytes, sha256 {sha256}, effective from {effective_from}{}",
            bytes.len(),
            custom.supersedes.as_ref().map(|s| format!(", supersedes {s}")).unwrap_or_default()
        ));
        self.commit(batch, keyring, &[role], false)
    }

    /// Every module target with its attestation, if any.
    pub fn modules(&self) -> Vec<PublishedModule> {
        let attestations: BTreeMap<String, AttestationFields> = self
            .delegated
            .get(CERTIFICATION)
            .into_iter()
            .flat_map(|t| t.targets.values())
            .filter_map(|f| f.custom.clone().and_then(|c| serde_json::from_value::<AttestationFields>(c).ok()))
            .map(|a| (a.attests.clone(), a))
            .collect();
        let mut out = Vec::new();
        for (role, body) in &self.delegated {
            let Some(code) = role.strip_prefix("district-") else {
                continue;
            };
            for (target, file) in &body.targets {
                let Some(f) = file.custom.clone().and_then(|c| serde_json::from_value::<ModuleFields>(c).ok()) else {
                    continue;
                };
                out.push(PublishedModule {
                    district: code.into(),
                    target: target.clone(),
                    file: file.clone(),
                    fields: f,
                    attestation: attestations.get(target).cloned(),
                });
            }
        }
        out
    }

    /// Signs an attestation for the published module whose bytes are
    /// `bytes`, after its vectors passed (`vectors_passed` of them).
    pub fn attest(&mut self, bytes: &[u8], vectors_passed: u64, keyring: &Keyring) -> Result<Vec<String>, Error> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let module = self.modules().into_iter().find(|m| m.file.sha256() == Some(sha256.as_str())).ok_or_else(|| {
            Error::Refused(format!(
                "no district has published a module with sha256 {sha256}; publish it with `juzhu publish` before attesting"
            ))
        })?;
        if module.attestation.is_some() {
            return Err(Error::Refused(format!("{} is already attested", module.target)));
        }
        if module.fields.revoked.is_some() {
            return Err(Error::Refused(format!(
                "{} is revoked by its district; a revoked version is not certified",
                module.target
            )));
        }
        let fields = AttestationFields {
            attests: module.target.clone(),
            sha256,
            length: module.file.length,
            module_id: module.fields.module_id.clone(),
            version: module.fields.version.clone(),
            effective_from: module.fields.effective_from.clone(),
            vectors_passed,
            revoked: None,
        };
        self.sign_attestation(&module.district, fields, keyring)
    }

    /// Adds an attestation entry exactly as given. [`Repository::attest`]
    /// derives the fields from the published module; this is the signing step.
    pub fn sign_attestation(
        &mut self,
        code: &str,
        fields: AttestationFields,
        keyring: &Keyring,
    ) -> Result<Vec<String>, Error> {
        let target = fields::attestation_target(code, &fields.module_id, &fields.version);
        names::check_target(&target)?;
        let mut document = serde_json::to_vec_pretty(&fields).expect("fields serialize");
        document.push(b'\n');
        let doc_sha = hex::encode(Sha256::digest(&document));
        let entry = TargetFile {
            length: document.len() as u64,
            hashes: BTreeMap::from([("sha256".into(), doc_sha.clone())]),
            custom: Some(serde_json::to_value(&fields).expect("fields serialize")),
        };
        let mut body = self.delegated.get(CERTIFICATION).cloned().unwrap_or_else(|| empty_targets(0, String::new()));
        body.targets.insert(target.clone(), entry);
        self.delegated.insert(CERTIFICATION.into(), body);
        let mut batch = Batch::default();
        batch.add(names::stored_path(&target, &doc_sha), document);
        batch.report.push(format!(
            "attested {}: sha256 {}, {} bytes, {} {} effective from {} ({} vectors passed), as {target}",
            fields.attests,
            fields.sha256,
            fields.length,
            fields.module_id,
            fields.version,
            fields.effective_from,
            fields.vectors_passed
        ));
        self.commit(batch, keyring, &[CERTIFICATION.to_string()], false)
    }

    /// Marks `<module>@<version>` of `code` revoked, signed by the district
    /// role if its keys are given, else by the certification role.
    pub fn revoke_module(
        &mut self,
        code: &str,
        module_id: &str,
        version: &str,
        reason: &str,
        today: jiff::civil::Date,
        keyring: &Keyring,
    ) -> Result<Vec<String>, Error> {
        let target = fields::module_target(code, module_id, version);
        let role = names::district_role(code);
        let module = self.modules().into_iter().find(|m| m.target == target).ok_or_else(|| {
            Error::Refused(format!("{target} is not published in this registry; `juzhu registry status` lists what is"))
        })?;
        if reason.trim().is_empty() {
            return Err(Error::Refused("give a --reason; a revocation says why".into()));
        }
        let revocation = Revocation { reason: reason.into(), revoked_on: today.to_string() };
        let district_keys = self.delegation(&role).expect("a published module's role is delegated").clone();
        let (signer, entry_name) = if keyring.for_role(&role, &district_keys.keyids, district_keys.threshold).is_ok() {
            if module.fields.revoked.is_some() {
                return Err(Error::Refused(format!("{target} is already revoked by {role}")));
            }
            let body = self.delegated.get_mut(&role).expect("published");
            let entry = body.targets.get_mut(&target).expect("published");
            let mut f = module.fields.clone();
            f.revoked = Some(revocation);
            entry.custom = Some(serde_json::to_value(&f).expect("fields serialize"));
            (role, target.clone())
        } else {
            let Some(mut a) = module.attestation.clone() else {
                return Err(Error::Refused(format!(
                    "{target} is not attested, and the keys given cannot sign {role}; pass the district's keys"
                )));
            };
            if a.revoked.is_some() {
                return Err(Error::Refused(format!("{target}'s attestation is already revoked")));
            }
            a.revoked = Some(revocation);
            let name = fields::attestation_target(code, module_id, version);
            let body = self.delegated.get_mut(CERTIFICATION).expect("attested");
            let entry = body.targets.get_mut(&name).expect("attested");
            entry.custom = Some(serde_json::to_value(&a).expect("fields serialize"));
            (CERTIFICATION.to_string(), name)
        };
        let mut batch = Batch::default();
        batch.report.push(format!("revoked {target} in {signer} ({entry_name}): {reason}"));
        self.commit(batch, keyring, &[signer], false)
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

    fn sign_root(&mut self, batch: &mut Batch, keyring: &Keyring, previous: Option<&Root>) -> Result<(), Error> {
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

    fn sign_timestamp(&mut self, batch: &mut Batch, keyring: &Keyring) -> Result<(), Error> {
        let snapshot_file = format!("metadata/{}.snapshot.json", self.snapshot.version);
        let snapshot_bytes = match batch.files.iter().find(|(p, _)| p == &snapshot_file) {
            Some((_, b)) => b.clone(),
            None => {
                let path = self.dir.join(&snapshot_file);
                std::fs::read(&path).map_err(|e| Error::io(&path, e))?
            }
        };
        self.timestamp.version += 1;
        self.timestamp.expires = format_expiry(days_after(self.now, self.lifetimes.timestamp_days));
        self.timestamp.meta = BTreeMap::from([(
            "snapshot.json".to_string(),
            MetaFile {
                version: self.snapshot.version,
                length: Some(snapshot_bytes.len() as u64),
                hashes: Some(BTreeMap::from([("sha256".into(), hex::encode(Sha256::digest(&snapshot_bytes)))])),
            },
        )]);
        let k = &self.root.roles["timestamp"];
        let signers = keyring.for_role("timestamp", &k.keyids, k.threshold)?;
        let envelope = Envelope::sign(&self.timestamp, &signers);
        batch.add("metadata/timestamp.json".into(), envelope.to_bytes());
        batch.report.push(signed_line("timestamp", self.timestamp.version, &self.timestamp.expires, &signers));
        Ok(())
    }

    /// Re-signs the changed delegated roles (and targets, if it changed),
    /// then snapshot and timestamp, then writes everything.
    fn commit(
        &mut self,
        mut batch: Batch,
        keyring: &Keyring,
        roles: &[String],
        targets_changed: bool,
    ) -> Result<Vec<String>, Error> {
        let now = self.now;
        for role in roles {
            let d = self.delegation(role).expect("a changed role is delegated").clone();
            let body = self.delegated.get_mut(role).expect("a changed role has metadata");
            body.version += 1;
            body.expires = format_expiry(days_after(now, self.lifetimes.targets_days));
            let signers = keyring.for_role(role, &d.keyids, d.threshold)?;
            let envelope = Envelope::sign(&*body, &signers);
            batch.add(format!("metadata/{}.{role}.json", body.version), envelope.to_bytes());
            batch.report.push(signed_line(role, body.version, &body.expires, &signers));
            self.snapshot
                .meta
                .insert(format!("{role}.json"), MetaFile { version: body.version, length: None, hashes: None });
        }
        if targets_changed {
            self.targets.version += 1;
            self.targets.expires = format_expiry(days_after(now, self.lifetimes.targets_days));
            let k = &self.root.roles["targets"];
            let signers = keyring.for_role("targets", &k.keyids, k.threshold)?;
            let envelope = Envelope::sign(&self.targets, &signers);
            batch.add(format!("metadata/{}.targets.json", self.targets.version), envelope.to_bytes());
            batch.report.push(signed_line("targets", self.targets.version, &self.targets.expires, &signers));
            self.snapshot
                .meta
                .insert("targets.json".into(), MetaFile { version: self.targets.version, length: None, hashes: None });
        }
        self.snapshot.version += 1;
        self.snapshot.expires = format_expiry(days_after(now, self.lifetimes.snapshot_days));
        let k = &self.root.roles["snapshot"];
        let signers = keyring.for_role("snapshot", &k.keyids, k.threshold)?;
        let envelope = Envelope::sign(&self.snapshot, &signers);
        batch.add(format!("metadata/{}.snapshot.json", self.snapshot.version), envelope.to_bytes());
        batch.report.push(signed_line("snapshot", self.snapshot.version, &self.snapshot.expires, &signers));
        self.sign_timestamp(&mut batch, keyring)?;
        self.write(batch)
    }

    /// Writes content-addressed and versioned files first and timestamp.json
    /// last, each through a temporary file and a rename, so a client reading
    /// meanwhile sees either the old registry or the new one.
    fn write(&self, batch: Batch) -> Result<Vec<String>, Error> {
        let (mut last, first): (Vec<_>, Vec<_>) =
            batch.files.into_iter().partition(|(p, _)| p == "metadata/timestamp.json" || p == "metadata/root.json");
        last.sort_by_key(|(p, _)| p == "metadata/timestamp.json");
        for (rel, bytes) in first.into_iter().chain(last) {
            let path = self.dir.join(&rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, &bytes).map_err(|e| Error::io(&tmp, e))?;
            std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        }
        Ok(batch.report)
    }

    /// The registry at a glance: each role's version, expiry and keys, and each module's state.
    pub fn status(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let role_line = |name: &str, version: u64, expires: &str, keys: &RoleKeys| {
            format!(
                "{name:<22} version {version:<4} expires {expires}  threshold {} of [{}]",
                keys.threshold,
                keys.keyids.iter().map(|k| short(k)).collect::<Vec<_>>().join(", ")
            )
        };
        lines.push(role_line("root", self.root.version, &self.root.expires, &self.root.roles["root"]));
        lines.push(role_line("targets", self.targets.version, &self.targets.expires, &self.root.roles["targets"]));
        lines.push(role_line("snapshot", self.snapshot.version, &self.snapshot.expires, &self.root.roles["snapshot"]));
        lines.push(role_line(
            "timestamp",
            self.timestamp.version,
            &self.timestamp.expires,
            &self.root.roles["timestamp"],
        ));
        for d in self.targets.delegations.iter().flat_map(|d| &d.roles) {
            let keys = RoleKeys { keyids: d.keyids.clone(), threshold: d.threshold };
            match self.delegated.get(&d.name) {
                Some(b) => lines.push(role_line(&d.name, b.version, &b.expires, &keys)),
                None => lines.push(format!("{:<22} not signed yet (nothing published)", d.name)),
            }
        }
        if let Ok(expires) = self.timestamp.expires.parse::<jiff::Timestamp>() {
            if expires <= self.now {
                lines.push(format!(
                    "ALERT: timestamp expired at {expires}; clients are frozen until `juzhu registry refresh-timestamp`"
                ));
            } else if expires.duration_since(self.now).as_secs() < 86_400 {
                lines.push(format!(
                    "warning: timestamp expires within a day ({expires}); run `juzhu registry refresh-timestamp`"
                ));
            }
        }
        for m in self.modules() {
            let state = match (&m.fields.revoked, &m.attestation) {
                (Some(r), _) => format!("revoked by district on {}: {}", r.revoked_on, r.reason),
                (None, Some(a)) if a.revoked.is_some() => {
                    let r = a.revoked.as_ref().expect("checked");
                    format!("certification revoked on {}: {}", r.revoked_on, r.reason)
                }
                (None, Some(a)) => format!("certified ({} vectors passed)", a.vectors_passed),
                (None, None) => "NOT certified: awaiting `juzhu attest`".into(),
            };
            lines.push(format!(
                "module {} {}@{} effective {} sha256 {}…: {state}",
                m.district,
                m.fields.module_id,
                m.fields.version,
                m.fields.effective_from,
                &m.file.sha256().unwrap_or("?")[..12.min(m.file.sha256().unwrap_or("?").len())]
            ));
        }
        lines
    }
}

fn signed_line(role: &str, version: u64, expires: &str, signers: &[&SigningKey]) -> String {
    format!(
        "signed {role} version {version} (expires {expires}) with key(s) {}",
        signers.iter().map(|k| short(k.keyid())).collect::<Vec<_>>().join(", ")
    )
}

fn days_after(now: jiff::Timestamp, days: i64) -> jiff::Timestamp {
    let t = now + jiff::SignedDuration::from_hours(24 * days);
    // Whole seconds: TUF's expiry format has no fraction.
    jiff::Timestamp::from_second(t.as_second()).expect("in range")
}
