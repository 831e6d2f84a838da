//! The [`Repository`] value: the newest metadata of every role, as loaded
//! from a registry directory (or made by `init`), and read access to it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::spec::Lifetimes;
use crate::Error;
use crate::metadata::{DelegatedRole, Envelope, Role, Root, SPEC_VERSION, Snapshot, Targets, Timestamp};

/// A registry on disk, opened for signing.
pub struct Repository {
    pub(super) dir: PathBuf,
    pub(super) root: Root,
    pub(super) targets: Targets,
    pub(super) delegated: BTreeMap<String, Targets>,
    pub(super) snapshot: Snapshot,
    pub(super) timestamp: Timestamp,
    pub lifetimes: Lifetimes,
    pub(super) now: jiff::Timestamp,
}

pub(super) fn empty_targets(version: u64, expires: String) -> Targets {
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

impl Repository {
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
}
