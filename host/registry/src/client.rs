//! The verifying client: TUF's client workflow over a registry directory.
//!
//! The registry is opened once as a cap-std [`Dir`]; every file is read
//! beneath it, so no name in metadata reaches outside. The workflow is the
//! specification's (section 5): root rotation chain, timestamp, snapshot,
//! targets, then the delegated roles, each checked for signatures at the
//! role's threshold, version against what was trusted before (no rollback),
//! agreement with the file that lists it (no mix-and-match), and expiry (a
//! freeze). Then juzhu's own rule: a module counts only where its district
//! role and the certification role sign the same sha256, length, module id,
//! version and effective date. Its bytes are read up to the signed length and
//! checked against the signed sha256.
//!
//! An update either succeeds as a whole or changes nothing: the trusted
//! versions move forward only when every check has passed (a verified new
//! root is kept, as the specification asks).

use std::collections::BTreeMap;
use std::io::Read;

use cap_std::fs::Dir;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::fields::{AttestationFields, ModuleFields};
use crate::metadata::{Envelope, MetaFile, Role, Root, Snapshot, Targets, Timestamp, parse_expiry};
use crate::names;
use crate::{CERTIFICATION, Error};

/// Upper bounds on what the client reads, before any signature is checked.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub root: u64,
    pub timestamp: u64,
    pub metadata: u64,
    /// The longest root rotation chain followed in one update.
    pub max_root_rotations: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { root: 512 * 1024, timestamp: 16 * 1024, metadata: 4 * 1024 * 1024, max_root_rotations: 32 }
    }
}

/// What the client trusts between updates: the newest verified root and the
/// version of every other role it has seen.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct TrustState {
    pub root: Envelope,
    pub versions: BTreeMap<String, u64>,
}

/// A certified module with its verified bytes.
#[derive(Clone, Debug)]
pub struct VerifiedModule {
    pub district: String,
    pub target: String,
    pub sha256: String,
    pub length: u64,
    pub fields: ModuleFields,
    /// Why it is withdrawn, if the district or the certification role revoked it.
    pub revoked: Option<String>,
    pub bytes: Vec<u8>,
}

/// A target that did not become a module, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub target: String,
    pub reason: String,
}

/// The result of one successful update.
#[derive(Debug)]
pub struct Update {
    pub modules: Vec<VerifiedModule>,
    /// Published but not (yet) certified: waiting for `juzhu attest`.
    pub pending: Vec<Skipped>,
    /// Signed entries that break a rule: outside the role's paths, an
    /// attestation that disagrees with the district, bad custom fields.
    pub rejected: Vec<Skipped>,
    pub timestamp_version: u64,
    pub timestamp_expires: jiff::Timestamp,
    pub root_version: u64,
}

pub struct Client {
    root_envelope: Envelope,
    root: Root,
    versions: BTreeMap<String, u64>,
    pub limits: Limits,
}

/// Where the client reads a registry from: a directory (cap-std), or any
/// transport that can fetch a file by its path in the registry, e.g. HTTP.
pub trait Source {
    /// The file at `path` (such as `metadata/timestamp.json`), `None` if it
    /// does not exist, [`Error::TooLarge`] if it holds more than `limit` bytes.
    fn read(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>, Error>;
}

impl Source for Dir {
    fn read(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>, Error> {
        read_limited(self, path, limit)
    }
}

fn read_limited(dir: &Dir, path: &str, limit: u64) -> Result<Option<Vec<u8>>, Error> {
    let file = match dir.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Io { path: path.into(), detail: format!("cannot open inside the registry: {e}") });
        }
    };
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| Error::Io { path: path.into(), detail: e.to_string() })?;
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge { file: path.into(), limit });
    }
    Ok(Some(bytes))
}

fn require<S: Source + ?Sized>(source: &S, path: &str, limit: u64) -> Result<Vec<u8>, Error> {
    source.read(path, limit)?.ok_or_else(|| Error::Missing { file: path.into() })
}

fn check_fresh<R: Role>(role: &str, body: &R, now: jiff::Timestamp) -> Result<(), Error> {
    let expires = parse_expiry(role, body.expires())?;
    if expires <= now {
        return Err(Error::Expired { role: role.into(), expires: body.expires().into() });
    }
    Ok(())
}

fn check_version(file: &str, role: &str, expected: u64, found: u64) -> Result<(), Error> {
    if expected != found {
        return Err(Error::VersionMismatch { file: file.into(), role: role.into(), expected, found });
    }
    Ok(())
}

fn check_rollback(role: &str, trusted: Option<u64>, offered: u64) -> Result<(), Error> {
    match trusted {
        Some(t) if offered < t => Err(Error::Rollback { role: role.into(), trusted: t, offered }),
        _ => Ok(()),
    }
}

fn check_hashes(file: &str, meta: &MetaFile, bytes: &[u8]) -> Result<(), Error> {
    if let Some(expected) = meta.hashes.as_ref().and_then(|h| h.get("sha256")) {
        let found = hex::encode(Sha256::digest(bytes));
        if &found != expected {
            return Err(Error::HashMismatch { file: file.into(), expected: expected.clone(), found });
        }
    }
    Ok(())
}

impl Client {
    /// Starts from a root the operator trusts (e.g. the registry's `1.root.json`,
    /// obtained out of band). The root must be signed by its own threshold.
    pub fn new(trusted_root: &[u8]) -> Result<Self, Error> {
        let (envelope, root) = Envelope::parse::<Root>("trusted root", trusted_root)?;
        let keys = &root
            .roles
            .get("root")
            .ok_or_else(|| Error::Malformed { file: "trusted root".into(), detail: "no root role".into() })?;
        envelope.verify("root", &root.keys, &keys.keyids, keys.threshold)?;
        Ok(Client { root_envelope: envelope, root, versions: BTreeMap::new(), limits: Limits::default() })
    }

    pub fn from_state(state: TrustState) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(&state.root).expect("an envelope serializes");
        let mut client = Client::new(&bytes)?;
        client.versions = state.versions;
        Ok(client)
    }

    pub fn state(&self) -> TrustState {
        TrustState { root: self.root_envelope.clone(), versions: self.versions.clone() }
    }

    pub fn root(&self) -> &Root {
        &self.root
    }

    /// The trusted version of a role, if it has been seen.
    pub fn trusted_version(&self, role: &str) -> Option<u64> {
        if role == "root" { Some(self.root.version) } else { self.versions.get(role).copied() }
    }

    /// Runs the client workflow against `registry` at time `now`.
    pub fn update<S: Source + ?Sized>(&mut self, registry: &S, now: jiff::Timestamp) -> Result<Update, Error> {
        self.update_root(registry)?;
        check_fresh("root", &self.root, now)?;
        let mut seen = self.versions.clone();

        // Timestamp.
        let ts_bytes = require(registry, "metadata/timestamp.json", self.limits.timestamp)?;
        let (env, timestamp) = Envelope::parse::<Timestamp>("metadata/timestamp.json", &ts_bytes)?;
        self.verify_top(&env, "timestamp")?;
        check_rollback("timestamp", seen.get("timestamp").copied(), timestamp.version)?;
        let snap_meta = timestamp.meta.get("snapshot.json").ok_or_else(|| Error::Malformed {
            file: "metadata/timestamp.json".into(),
            detail: "meta has no snapshot.json entry".into(),
        })?;
        check_rollback("snapshot", seen.get("snapshot").copied(), snap_meta.version)?;
        check_fresh("timestamp", &timestamp, now)?;
        seen.insert("timestamp".into(), timestamp.version);

        // Snapshot.
        let snap_file = format!("metadata/{}.snapshot.json", snap_meta.version);
        let snap_bytes =
            require(registry, &snap_file, snap_meta.length.unwrap_or(self.limits.metadata).min(self.limits.metadata))?;
        check_hashes(&snap_file, snap_meta, &snap_bytes)?;
        let (env, snapshot) = Envelope::parse::<Snapshot>(&snap_file, &snap_bytes)?;
        self.verify_top(&env, "snapshot")?;
        check_version(&snap_file, "snapshot", snap_meta.version, snapshot.version)?;
        for (role, &trusted) in &self.versions {
            if matches!(role.as_str(), "timestamp" | "snapshot") {
                continue;
            }
            match snapshot.meta.get(&format!("{role}.json")) {
                None => {
                    return Err(Error::MixAndMatch(format!(
                        "{snap_file} no longer lists {role}.json, which was trusted at version {trusted}"
                    )));
                }
                Some(m) => check_rollback(role, Some(trusted), m.version)?,
            }
        }
        check_fresh("snapshot", &snapshot, now)?;
        seen.insert("snapshot".into(), snapshot.version);

        // Targets.
        let targets_meta = snapshot
            .meta
            .get("targets.json")
            .ok_or_else(|| Error::MixAndMatch(format!("{snap_file} does not list targets.json")))?;
        let targets_file = format!("metadata/{}.targets.json", targets_meta.version);
        let bytes = require(registry, &targets_file, self.limits.metadata)?;
        check_hashes(&targets_file, targets_meta, &bytes)?;
        let (env, targets) = Envelope::parse::<Targets>(&targets_file, &bytes)?;
        self.verify_top(&env, "targets")?;
        check_version(&targets_file, "targets", targets_meta.version, targets.version)?;
        check_fresh("targets", &targets, now)?;
        seen.insert("targets".into(), targets.version);

        // Delegated roles: each district, and certification.
        let mut rejected = Vec::new();
        let mut entries: BTreeMap<String, Vec<(String, crate::metadata::TargetFile)>> = BTreeMap::new();
        let delegations = targets.delegations.clone().unwrap_or_default();
        for d in &delegations.roles {
            names::check_role(&d.name)?;
            for p in &d.paths {
                names::check_target(&p.replace('*', "x")).map_err(|_| Error::UnsafeName {
                    what: "delegation path",
                    name: p.clone(),
                    detail: format!("in the delegation to {}; paths look like districts/330105/*", d.name),
                })?;
            }
            let Some(meta) = snapshot.meta.get(&format!("{}.json", d.name)) else {
                // Delegated but never signed: nothing published yet. (A role
                // once trusted and now missing was refused above.)
                continue;
            };
            let file = format!("metadata/{}.{}.json", meta.version, d.name);
            let bytes = require(registry, &file, self.limits.metadata)?;
            check_hashes(&file, meta, &bytes)?;
            let (env, body) = Envelope::parse::<Targets>(&file, &bytes)?;
            env.verify(&d.name, &delegations.keys, &d.keyids, d.threshold)?;
            check_version(&file, &d.name, meta.version, body.version)?;
            check_fresh(&d.name, &body, now)?;
            seen.insert(d.name.clone(), body.version);
            if body.delegations.as_ref().is_some_and(|x| !x.roles.is_empty()) {
                rejected.push(Skipped {
                    target: d.name.clone(),
                    reason: format!(
                        "{} delegates further; juzhu registries have one level of delegation, so those are ignored",
                        d.name
                    ),
                });
            }
            for (name, file) in body.targets {
                if let Err(e) = names::check_target(&name) {
                    rejected.push(Skipped { target: name.clone(), reason: format!("in {}: {e}", d.name) });
                    continue;
                }
                if !d.paths.iter().any(|p| names::matches(p, &name)) {
                    rejected.push(Skipped {
                        target: name.clone(),
                        reason: format!("{} signed {name}, outside its delegated paths {}", d.name, d.paths.join(", ")),
                    });
                    continue;
                }
                // Terminating delegations: the first delegation whose paths
                // match a target is the only one trusted for it.
                let owner = delegations.roles.iter().find(|o| o.paths.iter().any(|p| names::matches(p, &name)));
                if owner.is_some_and(|o| o.name != d.name) {
                    rejected.push(Skipped {
                        target: name.clone(),
                        reason: format!(
                            "{name} belongs to {} (an earlier terminating delegation), not {}",
                            owner.unwrap().name,
                            d.name
                        ),
                    });
                    continue;
                }
                entries.entry(d.name.clone()).or_default().push((name, file));
            }
        }

        // juzhu's rule: district and certification agree on all five fields.
        let mut attestations: BTreeMap<String, AttestationFields> = BTreeMap::new();
        for (name, file) in entries.get(CERTIFICATION).into_iter().flatten() {
            match file.custom.clone().map(serde_json::from_value::<AttestationFields>) {
                Some(Ok(a)) => {
                    attestations.insert(a.attests.clone(), a);
                }
                _ => rejected.push(Skipped {
                    target: name.clone(),
                    reason: "certification entry without valid attestation fields (attests, sha256, length, module_id, version, effective_from)".into(),
                }),
            }
        }
        let mut modules = Vec::new();
        let mut pending = Vec::new();
        for (role, list) in &entries {
            let Some(code) = role.strip_prefix("district-") else {
                continue;
            };
            for (name, file) in list {
                let fields = match file.custom.clone().map(serde_json::from_value::<ModuleFields>) {
                    Some(Ok(f)) => f,
                    Some(Err(e)) => {
                        rejected.push(Skipped { target: name.clone(), reason: format!("custom fields: {e}") });
                        continue;
                    }
                    None => {
                        rejected.push(Skipped {
                            target: name.clone(),
                            reason:
                                "no custom fields (module_id, version, contract_version, effective_from, supersedes)"
                                    .into(),
                        });
                        continue;
                    }
                };
                if let Err(e) = crate::fields::parse_date("effective_from", &fields.effective_from) {
                    rejected.push(Skipped { target: name.clone(), reason: e });
                    continue;
                }
                let Some(sha256) = file.sha256().map(str::to_string) else {
                    rejected.push(Skipped { target: name.clone(), reason: "no sha256 hash".into() });
                    continue;
                };
                let Some(a) = attestations.get(name) else {
                    pending.push(Skipped {
                        target: name.clone(),
                        reason: format!("not certified: the certification role has signed no attestation for {name}"),
                    });
                    continue;
                };
                let disagreements: Vec<String> = [
                    ("sha256", a.sha256.clone(), sha256.clone()),
                    ("length", a.length.to_string(), file.length.to_string()),
                    ("module_id", a.module_id.clone(), fields.module_id.clone()),
                    ("version", a.version.clone(), fields.version.clone()),
                    ("effective_from", a.effective_from.clone(), fields.effective_from.clone()),
                ]
                .into_iter()
                .filter(|(_, attested, signed)| attested != signed)
                .map(|(field, attested, signed)| format!("{field}: attested {attested}, {role} signed {signed}"))
                .collect();
                if !disagreements.is_empty() {
                    rejected.push(Skipped {
                        target: name.clone(),
                        reason: format!(
                            "the attestation does not match the district's entry: {}",
                            disagreements.join("; ")
                        ),
                    });
                    continue;
                }
                let revoked = match (&fields.revoked, &a.revoked) {
                    (Some(r), _) => Some(format!("revoked by {role} on {}: {}", r.revoked_on, r.reason)),
                    (None, Some(r)) => Some(format!("certification revoked on {}: {}", r.revoked_on, r.reason)),
                    (None, None) => None,
                };
                let stored = names::stored_path(name, &sha256);
                let bytes = read_target(registry, &stored, file.length, &sha256)?;
                modules.push(VerifiedModule {
                    district: code.to_string(),
                    target: name.clone(),
                    sha256,
                    length: file.length,
                    fields,
                    revoked,
                    bytes,
                });
            }
        }

        let timestamp_expires = parse_expiry("timestamp", &timestamp.expires)?;
        self.versions = seen;
        Ok(Update {
            modules,
            pending,
            rejected,
            timestamp_version: timestamp.version,
            timestamp_expires,
            root_version: self.root.version,
        })
    }

    fn verify_top(&self, envelope: &Envelope, role: &str) -> Result<(), Error> {
        let keys = self
            .root
            .roles
            .get(role)
            .ok_or_else(|| Error::Malformed { file: "root".into(), detail: format!("no {role} role") })?;
        envelope.verify(role, &self.root.keys, &keys.keyids, keys.threshold)
    }

    /// Follows `N.root.json` from the trusted version upward. Each new root
    /// must be signed by the previous root's threshold and its own, and
    /// carry exactly the version its file name says: a skipped version is
    /// refused.
    fn update_root<S: Source + ?Sized>(&mut self, registry: &S) -> Result<(), Error> {
        for _ in 0..self.limits.max_root_rotations {
            let next = self.root.version + 1;
            let file = format!("metadata/{next}.root.json");
            let Some(bytes) = registry.read(&file, self.limits.root)? else {
                return Ok(());
            };
            let (envelope, new) = Envelope::parse::<Root>(&file, &bytes)?;
            let old_keys = &self.root.roles["root"];
            envelope.verify(
                "root (by the previous root's keys)",
                &self.root.keys,
                &old_keys.keyids,
                old_keys.threshold,
            )?;
            let new_keys = new
                .roles
                .get("root")
                .ok_or_else(|| Error::Malformed { file: file.clone(), detail: "no root role".into() })?;
            envelope.verify("root (by its own keys)", &new.keys, &new_keys.keyids, new_keys.threshold)?;
            if new.version != next {
                return Err(Error::VersionMismatch { file, role: "root".into(), expected: next, found: new.version });
            }
            for role in ["timestamp", "snapshot"] {
                if new.roles.get(role) != self.root.roles.get(role) {
                    // Keys rotated: forget the versions they signed, so a
                    // recovery from a compromised key can start over.
                    self.versions.remove(role);
                }
            }
            self.root = new;
            self.root_envelope = envelope;
        }
        Ok(())
    }
}

/// Reads a target's bytes: no more than its signed length, and exactly its sha256.
fn read_target<S: Source + ?Sized>(registry: &S, stored: &str, length: u64, sha256: &str) -> Result<Vec<u8>, Error> {
    let bytes = match registry.read(stored, length) {
        Ok(Some(b)) => b,
        Ok(None) => return Err(Error::Missing { file: stored.into() }),
        Err(Error::TooLarge { file, .. }) => return Err(Error::TooLong { file, length }),
        Err(e) => return Err(e),
    };
    if bytes.len() as u64 != length {
        return Err(Error::WrongLength { file: stored.into(), length, found: bytes.len() as u64 });
    }
    let found = hex::encode(Sha256::digest(&bytes));
    if found != sha256 {
        return Err(Error::HashMismatch { file: stored.into(), expected: sha256.into(), found });
    }
    Ok(bytes)
}

/// Opens a registry directory: the one use of ambient authority.
pub fn open_registry(path: &std::path::Path) -> Result<Dir, Error> {
    Dir::open_ambient_dir(path, cap_std::ambient_authority()).map_err(|e| Error::io(path, e))
}
