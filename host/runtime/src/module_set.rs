//! The modules in force: which component decides which jurisdiction, on
//! which legal date.
//!
//! A [`ModuleSet`] is immutable once built. [`ActiveModules`] holds the current
//! one behind an atomic pointer: activating a new set is a single swap, and a
//! request that took a [`snapshot`](ActiveModules::snapshot) keeps deciding on
//! the set it started with even if a swap happens meanwhile.
//!
//! A case is decided by the module of the nearest enclosing division that has
//! one: district (`330105`), then city (`330100`), then province (`330000`).
//! So an application to 350602 (芗城区) is decided by Zhangzhou's city module.
//! A division whose certified module could not be loaded is still in the set,
//! [unavailable](ModuleSet::mark_unavailable): its cases are refused with the
//! reason, and never decided by its city's or province's module.
//!
//! A division keeps every certified version it has had. The version applied to
//! a case is the non-revoked one with the latest effective date on or before
//! the case's legal date, so a decision for a past date re-runs with the rules
//! then in force, and a version published ahead takes over at midnight in the
//! jurisdiction's time zone without any swap. An operator's pin holds back
//! every version after the pinned one. Modules from a local directory have no
//! effective date: they apply to every date.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use arc_swap::ArcSwap;
use jiff::civil::Date;

use juzhu_domain::Division;

use crate::{LoadError, LoadedModule, Runtime};

/// One version of a division's module.
#[derive(Clone)]
pub struct ModuleVersion {
    pub module: Arc<LoadedModule>,
    /// The first legal date it applies to.
    pub effective_from: Date,
    /// Why it was withdrawn; a revoked version applies to no case.
    pub revoked: Option<String>,
}

impl ModuleVersion {
    pub fn version(&self) -> &str {
        &self.module.info().version
    }
}

/// Every version of one division's module, oldest effective date first.
#[derive(Clone, Default)]
pub struct VersionHistory {
    versions: Vec<ModuleVersion>,
    pinned: Option<String>,
    /// Why the division's certified module could not be loaded.
    unavailable: Option<String>,
}

impl VersionHistory {
    pub fn versions(&self) -> &[ModuleVersion] {
        &self.versions
    }

    pub fn pinned(&self) -> Option<&str> {
        self.pinned.as_deref()
    }

    /// Why the division's cases are refused, when its certified module could
    /// not be loaded.
    pub fn unavailable(&self) -> Option<&str> {
        self.unavailable.as_deref()
    }

    /// The version in force on `date`: not revoked, effective on or before
    /// `date`, and not after the pinned version. An unavailable division has
    /// none.
    pub fn in_force(&self, date: Date) -> Option<&ModuleVersion> {
        if self.unavailable.is_some() {
            return None;
        }
        let ceiling = self
            .pinned
            .as_ref()
            .and_then(|p| self.versions.iter().position(|v| v.version() == p))
            .unwrap_or(usize::MAX);
        self.versions
            .iter()
            .enumerate()
            .filter(|(i, v)| *i <= ceiling && v.revoked.is_none() && v.effective_from <= date)
            .map(|(_, v)| v)
            .next_back()
    }

    /// Today in the division's time zone (the newest version's).
    pub fn today(&self) -> Date {
        let zone = self
            .versions
            .last()
            .and_then(|v| jiff::tz::TimeZone::get(&v.module.info().time_zone).ok())
            .unwrap_or(jiff::tz::TimeZone::UTC);
        jiff::Timestamp::now().to_zoned(zone).date()
    }
}

/// Why no module decides a case.
#[derive(Debug, thiserror::Error)]
pub enum NotInForce {
    #[error("no module decides jurisdiction {0}")]
    NoModule(String),
    #[error("no certified, non-revoked version of {module} for {division} is in force on {date}{}", .earliest.as_ref().map(|e| format!("; the earliest takes effect on {e}")).unwrap_or_default())]
    NoVersion { division: String, module: String, date: Date, earliest: Option<Date> },
    #[error(
        "jurisdiction {division}'s certified module cannot be loaded, so its cases are refused (no other jurisdiction's module decides them): {reason}. Publish and certify a module that loads, or fix the station's copy"
    )]
    Unavailable { division: String, reason: String },
}

/// Why a pin or rollback was refused.
#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("no module serves division {0}; GET /v1/jurisdictions lists the divisions served")]
    UnknownDivision(String),
    #[error("{division} has no certified version {version}; its certified versions are {known}")]
    UnknownVersion { division: String, version: String, known: String },
    #[error("{division} version {version} is revoked ({reason}); a revoked version cannot be pinned")]
    Revoked { division: String, version: String, reason: String },
    #[error("{division} has no certified, non-revoked version before {current}; there is nothing to roll back to")]
    NothingBefore { division: String, current: String },
}

/// Why a module could not join a set.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    #[error("both {existing} and {added} claim division {division}; a module set has one module per division")]
    TwoModules { existing: String, added: String, division: String },
    #[error("{0} is already in the set")]
    DuplicateVersion(String),
    #[error("module {module} declares jurisdiction {code:?}, which is not a six-digit division code")]
    BadJurisdiction { module: String, code: String },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: std::path::PathBuf, source: std::io::Error },
    #[error(transparent)]
    Load(#[from] LoadError),
}

/// Components by the division they were written for, with their versions.
#[derive(Clone, Default)]
pub struct ModuleSet {
    by_division: BTreeMap<String, VersionHistory>,
}

fn sort_key(v: &ModuleVersion) -> (Date, Option<semver::Version>) {
    (v.effective_from, semver::Version::parse(v.version()).ok())
}

impl ModuleSet {
    /// Adds a module that applies to every date, refusing a second module
    /// for the same division.
    pub fn insert(&mut self, module: LoadedModule) -> Result<(), SetError> {
        let division = module.info().jurisdiction.clone();
        if let Some(existing) = self.by_division.get(&division).and_then(|d| d.versions.last()) {
            return Err(SetError::TwoModules {
                existing: existing.module.label().to_string(),
                added: module.label().to_string(),
                division,
            });
        }
        self.insert_version(ModuleVersion { module: Arc::new(module), effective_from: Date::MIN, revoked: None })
    }

    /// Adds one version of a division's module (from the registry).
    pub fn insert_version(&mut self, version: ModuleVersion) -> Result<(), SetError> {
        let info = version.module.info();
        if Division::parse(&info.jurisdiction).is_err() {
            return Err(SetError::BadJurisdiction {
                module: version.module.label().to_string(),
                code: info.jurisdiction.clone(),
            });
        }
        let division = self.by_division.entry(info.jurisdiction.clone()).or_default();
        if let Some(other) = division.versions.iter().find(|v| v.module.info().id != info.id) {
            return Err(SetError::TwoModules {
                existing: other.module.label().to_string(),
                added: version.module.label().to_string(),
                division: info.jurisdiction.clone(),
            });
        }
        if division.versions.iter().any(|v| v.version() == info.version) {
            return Err(SetError::DuplicateVersion(version.module.label().to_string()));
        }
        division.versions.push(version);
        division.versions.sort_by_key(sort_key);
        Ok(())
    }

    /// Marks `division` unavailable: its certified module could not be loaded
    /// for `reason`. Its cases are refused with the reason; they never fall
    /// through to its city's or province's module.
    pub fn mark_unavailable(&mut self, division: &str, reason: String) {
        self.by_division.entry(division.to_string()).or_default().unavailable = Some(reason);
    }

    /// Loads every `*.wasm` component in `dir`.
    pub fn load_dir(runtime: &Runtime, dir: &Path) -> Result<Self, SetError> {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(|source| SetError::Read { path: dir.to_path_buf(), source })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
            .collect();
        paths.sort();
        let mut set = ModuleSet::default();
        for path in paths {
            let bytes = std::fs::read(&path).map_err(|source| SetError::Read { path: path.clone(), source })?;
            set.insert(runtime.load(&path.display().to_string(), &bytes)?)?;
        }
        Ok(set)
    }

    /// The division whose module decides cases of `division`: its own, its
    /// city's, or its province's.
    pub fn division(&self, division: &str) -> Option<(&str, &VersionHistory)> {
        let division = Division::parse(division).ok()?;
        division
            .enclosing()
            .iter()
            .find_map(|d| self.by_division.get_key_value(d.as_str()).map(|(k, v)| (k.as_str(), v)))
    }

    /// The module in force today for cases of `division`.
    pub fn for_division(&self, division: &str) -> Option<&Arc<LoadedModule>> {
        let (_, d) = self.division(division)?;
        d.in_force(d.today()).map(|v| &v.module)
    }

    /// The module that decides a case of `division` on `legal_date`.
    pub fn for_case(&self, division: &str, legal_date: Date) -> Result<&Arc<LoadedModule>, NotInForce> {
        let (code, d) = self.division(division).ok_or_else(|| NotInForce::NoModule(division.to_string()))?;
        if let Some(reason) = &d.unavailable {
            return Err(NotInForce::Unavailable { division: code.to_string(), reason: reason.clone() });
        }
        d.in_force(legal_date).map(|v| &v.module).ok_or_else(|| NotInForce::NoVersion {
            division: code.to_string(),
            module: d.versions.last().map(|v| v.module.info().id.clone()).unwrap_or_default(),
            date: legal_date,
            earliest: d.versions.iter().filter(|v| v.revoked.is_none()).map(|v| v.effective_from).min(),
        })
    }

    /// Every division's module in force today.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arc<LoadedModule>)> {
        self.by_division.iter().filter_map(|(d, div)| div.in_force(div.today()).map(|v| (d.as_str(), &v.module)))
    }

    /// Every division with all its versions.
    pub fn divisions(&self) -> impl Iterator<Item = (&str, &VersionHistory)> {
        self.by_division.iter().map(|(d, div)| (d.as_str(), div))
    }

    /// The module with this sha256, in any division and version.
    pub fn by_sha256(&self, sha256: &str) -> Option<&Arc<LoadedModule>> {
        self.by_division.values().flat_map(|d| &d.versions).map(|v| &v.module).find(|m| m.sha256() == sha256)
    }

    pub fn len(&self) -> usize {
        self.by_division.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_division.is_empty()
    }

    /// Holds `division` at `version`: later versions do not take over.
    pub fn pin(&mut self, division: &str, version: &str) -> Result<(), PinError> {
        let d = self.by_division.get_mut(division).ok_or_else(|| PinError::UnknownDivision(division.to_string()))?;
        let Some(v) = d.versions.iter().find(|v| v.version() == version) else {
            return Err(PinError::UnknownVersion {
                division: division.into(),
                version: version.into(),
                known: d.versions.iter().map(|v| v.version().to_string()).collect::<Vec<_>>().join(", "),
            });
        };
        if let Some(reason) = &v.revoked {
            return Err(PinError::Revoked {
                division: division.into(),
                version: version.into(),
                reason: reason.clone(),
            });
        }
        d.pinned = Some(version.to_string());
        Ok(())
    }

    /// Lifts a pin; the newest version in force applies again.
    pub fn unpin(&mut self, division: &str) -> Result<(), PinError> {
        let d = self.by_division.get_mut(division).ok_or_else(|| PinError::UnknownDivision(division.to_string()))?;
        d.pinned = None;
        Ok(())
    }

    /// The version a rollback of `division` would pin: the certified,
    /// non-revoked version before the one in force today.
    pub fn rollback_target(&self, division: &str) -> Result<String, PinError> {
        let d = self.by_division.get(division).ok_or_else(|| PinError::UnknownDivision(division.to_string()))?;
        let today = d.today();
        let current = d
            .in_force(today)
            .ok_or_else(|| PinError::NothingBefore { division: division.into(), current: "none".into() })?;
        let at = d.versions.iter().position(|v| v.version() == current.version()).expect("in force is listed");
        d.versions[..at].iter().rev().find(|v| v.revoked.is_none()).map(|v| v.version().to_string()).ok_or_else(|| {
            PinError::NothingBefore { division: division.into(), current: current.version().to_string() }
        })
    }
}

/// The module set in force, swapped atomically.
pub struct ActiveModules {
    current: ArcSwap<ModuleSet>,
}

impl ActiveModules {
    pub fn new(set: ModuleSet) -> Self {
        ActiveModules { current: ArcSwap::from_pointee(set) }
    }

    /// The set in force now; hold it for the whole of one request.
    pub fn snapshot(&self) -> Arc<ModuleSet> {
        self.current.load_full()
    }

    /// Puts `set` in force for every request that starts from now on, and
    /// returns the set it replaced.
    pub fn activate(&self, set: ModuleSet) -> Arc<ModuleSet> {
        self.current.swap(Arc::new(set))
    }
}
