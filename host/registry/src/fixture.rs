//! A registry for tests and benchmarks, made in one call (cargo feature
//! `fixture`, off by default).
//!
//! [`Fixture::builder`] generates one ed25519 key for each top-level role
//! (root, targets, snapshot, timestamp) and for the certification role, each
//! at threshold 1, and [`Repository::init`]s a registry with them. Then it
//! delegates each district given with [`Builder::district`] (one key,
//! threshold 1) or [`Builder::district_with_keys`] (n keys, threshold t), and
//! publishes and attests each module given with [`Builder::certified`]. The
//! [`Fixture`] keeps every key, so a test can sign further changes
//! ([`Fixture::publish`], [`Fixture::attest`], or any [`Repository`]
//! operation with [`Fixture::online`] keys) or forge metadata as an attacker
//! holding some of them would.
//!
//! ```
//! # fn main() -> Result<(), juzhu_registry::Error> {
//! use juzhu_registry::fixture::{Fixture, describe, stand_in_module};
//!
//! let bytes = stand_in_module("gongshu 1.0.0");
//! let f = Fixture::builder().district("330105").certified("330105", describe("gongshu", "1.0.0"), bytes, 12).build()?;
//! let (_client, update) = f.updated_client()?;
//! assert_eq!(update.modules.len(), 1);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::client::open_registry;
use crate::repo::{InitSpec, Keyring, ModuleDescription, Repository, RoleSpec};
use crate::{Client, Error, SigningKey, Update};

/// The contract version [`describe`] gives a module.
pub const STAND_IN_CONTRACT: &str = "1.0.0";

/// Stand-in module bytes: the registry never runs what it signs, so any
/// distinct bytes serve where no real component is needed.
pub fn stand_in_module(tag: &str) -> Vec<u8> {
    format!("\0asm component {tag}").into_bytes()
}

/// A module description with contract version [`STAND_IN_CONTRACT`].
pub fn describe(module_id: &str, version: &str) -> ModuleDescription {
    ModuleDescription {
        module_id: module_id.into(),
        version: version.into(),
        contract_version: STAND_IN_CONTRACT.into(),
    }
}

/// The public half of `keys`, at `threshold`.
pub fn role_spec(keys: &[&SigningKey], threshold: u32) -> RoleSpec {
    RoleSpec { keys: keys.iter().map(|k| k.public().clone()).collect(), threshold }
}

/// The keys of the top-level roles and the certification role, one each.
pub struct Keys {
    pub root: SigningKey,
    pub targets: SigningKey,
    pub snapshot: SigningKey,
    pub timestamp: SigningKey,
    pub certification: SigningKey,
}

/// What [`Builder::build`] makes; see the [module](self) docs.
#[must_use]
pub struct Builder {
    dir: Option<PathBuf>,
    districts: Vec<(String, usize, u32)>,
    certified: Vec<(String, ModuleDescription, Vec<u8>, u64)>,
    now: Option<jiff::Timestamp>,
    time_zone: jiff::tz::TimeZone,
}

impl Builder {
    /// Creates the registry in `dir` (absent or empty), which the caller
    /// owns. Without it, the fixture makes a temporary directory, removed
    /// with the fixture, and the registry is its `registry` subdirectory.
    pub fn at(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// Delegates `districts/<code>/*` to `district-<code>` with one key.
    pub fn district(self, code: &str) -> Self {
        self.district_with_keys(code, 1, 1)
    }

    /// Delegates `districts/<code>/*` to `district-<code>` with `keys` keys,
    /// `threshold` of which must sign.
    pub fn district_with_keys(mut self, code: &str, keys: usize, threshold: u32) -> Self {
        self.districts.push((code.into(), keys, threshold));
        self
    }

    /// Publishes `bytes` as `module` for district `code` (delegated before),
    /// effective from today, and attests it with `vectors_passed` vectors.
    pub fn certified(mut self, code: &str, module: ModuleDescription, bytes: Vec<u8>, vectors_passed: u64) -> Self {
        self.certified.push((code.into(), module, bytes, vectors_passed));
        self
    }

    /// The time every operation is signed and verified at; default: now.
    pub fn now(mut self, now: jiff::Timestamp) -> Self {
        self.now = Some(now);
        self
    }

    /// The time zone that says which date is today; default: UTC.
    pub fn time_zone(mut self, time_zone: jiff::tz::TimeZone) -> Self {
        self.time_zone = time_zone;
        self
    }

    pub fn build(self) -> Result<Fixture, Error> {
        let (tmp, dir) = match self.dir {
            Some(dir) => (None, dir),
            None => {
                let tmp = tempfile::tempdir().map_err(|e| Error::io(&std::env::temp_dir(), e))?;
                let dir = tmp.path().join("registry");
                (Some(tmp), dir)
            }
        };
        let now = self.now.unwrap_or_else(jiff::Timestamp::now);
        let keys = Keys {
            root: SigningKey::generate(),
            targets: SigningKey::generate(),
            snapshot: SigningKey::generate(),
            timestamp: SigningKey::generate(),
            certification: SigningKey::generate(),
        };
        let districts = self
            .districts
            .iter()
            .map(|(code, n, _)| (code.clone(), (0..*n).map(|_| SigningKey::generate()).collect()))
            .collect();
        let f = Fixture { keys, now, today: now.to_zoned(self.time_zone).date(), dir, districts, tmp };
        let k = &f.keys;
        let init = InitSpec {
            root: role_spec(&[&k.root], 1),
            targets: role_spec(&[&k.targets], 1),
            snapshot: role_spec(&[&k.snapshot], 1),
            timestamp: role_spec(&[&k.timestamp], 1),
            certification: role_spec(&[&k.certification], 1),
        };
        Repository::init(&f.dir, &init, &f.keyring(&[&k.root, &k.targets, &k.snapshot, &k.timestamp]), now)?;
        for (code, _, threshold) in &self.districts {
            let spec = role_spec(&f.district_keys(code), *threshold);
            f.repo()?.delegate(code, &spec, &f.online(&[&k.targets]))?;
        }
        for (code, module, bytes, vectors_passed) in &self.certified {
            f.publish(code, module, bytes, &f.today.to_string())?;
            f.attest(bytes, *vectors_passed)?;
        }
        Ok(f)
    }
}

/// A registry on disk and every key that signs it; see the [module](self) docs.
pub struct Fixture {
    pub keys: Keys,
    /// The time every operation is signed and verified at.
    pub now: jiff::Timestamp,
    /// `now`'s date in the builder's time zone: the earliest effective date.
    pub today: jiff::civil::Date,
    dir: PathBuf,
    districts: BTreeMap<String, Vec<SigningKey>>,
    tmp: Option<tempfile::TempDir>,
}

impl Fixture {
    pub fn builder() -> Builder {
        Builder {
            dir: None,
            districts: Vec::new(),
            certified: Vec::new(),
            now: None,
            time_zone: jiff::tz::TimeZone::UTC,
        }
    }

    /// The registry directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A file of the registry, e.g. `metadata/1.root.json`.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// The temporary directory the fixture owns (the registry is its
    /// `registry` subdirectory), free for other files; `None` after
    /// [`Builder::at`].
    pub fn scratch(&self) -> Option<&Path> {
        self.tmp.as_ref().map(tempfile::TempDir::path)
    }

    /// The keys of district `code`'s role; none for a district not delegated.
    pub fn district_keys(&self, code: &str) -> Vec<&SigningKey> {
        self.districts.get(code).map(|keys| keys.iter().collect()).unwrap_or_default()
    }

    /// Exactly `keys`.
    pub fn keyring(&self, keys: &[&SigningKey]) -> Keyring {
        Keyring::new(keys.iter().map(|k| (*k).clone()).collect())
    }

    /// `keys` and the online snapshot and timestamp keys: what a change to
    /// one role needs.
    pub fn online(&self, keys: &[&SigningKey]) -> Keyring {
        let mut ring = self.keyring(keys);
        ring.add(self.keys.snapshot.clone());
        ring.add(self.keys.timestamp.clone());
        ring
    }

    /// The registry, opened for signing at [`Fixture::now`].
    pub fn repo(&self) -> Result<Repository, Error> {
        Repository::open(&self.dir, self.now)
    }

    /// Publishes `bytes` as `module` for district `code`, signed by the
    /// district's keys, effective from `effective_from` (`YYYY-MM-DD`, not
    /// before [`Fixture::today`]).
    pub fn publish(
        &self,
        code: &str,
        module: &ModuleDescription,
        bytes: &[u8],
        effective_from: &str,
    ) -> Result<Vec<String>, Error> {
        let keys = self.online(&self.district_keys(code));
        self.repo()?.publish(code, module, bytes, effective_from, self.today, &keys)
    }

    /// Publishes [`stand_in_module`]`("<module_id> <version>")` as
    /// [`describe`]`(module_id, version)`, and returns the bytes.
    pub fn publish_stand_in(
        &self,
        code: &str,
        module_id: &str,
        version: &str,
        effective_from: &str,
    ) -> Result<Vec<u8>, Error> {
        let bytes = stand_in_module(&format!("{module_id} {version}"));
        self.publish(code, &describe(module_id, version), &bytes, effective_from)?;
        Ok(bytes)
    }

    /// Attests the published module whose bytes are `bytes`, signed by the
    /// certification key.
    pub fn attest(&self, bytes: &[u8], vectors_passed: u64) -> Result<Vec<String>, Error> {
        self.repo()?.attest(bytes, vectors_passed, &self.online(&[&self.keys.certification]))
    }

    /// A client that trusts the registry's first root.
    pub fn client(&self) -> Result<Client, Error> {
        let root = self.path("metadata/1.root.json");
        Client::new(&std::fs::read(&root).map_err(|e| Error::io(&root, e))?)
    }

    /// Updates `client` from the registry directory at [`Fixture::now`].
    pub fn update(&self, client: &mut Client) -> Result<Update, Error> {
        client.update(&open_registry(&self.dir)?, self.now)
    }

    /// A client that has updated once.
    pub fn updated_client(&self) -> Result<(Client, Update), Error> {
        let mut client = self.client()?;
        let update = self.update(&mut client)?;
        Ok((client, update))
    }
}
