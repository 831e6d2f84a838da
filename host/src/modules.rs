//! The modules in force: which component decides which jurisdiction.
//!
//! A [`ModuleSet`] is immutable once built. [`ActiveModules`] holds the current
//! one behind an atomic pointer: activating a new set is a single swap, and a
//! request that took a [`snapshot`](ActiveModules::snapshot) keeps deciding on
//! the set it started with even if a swap happens meanwhile. The registry
//! (issue 4) builds sets from signed metadata; until then they come from a
//! local directory of components.
//!
//! A case is decided by the module of the nearest enclosing division that has
//! one: district (`330105`), then city (`330100`), then province (`330000`).
//! So an application to 350602 (芗城区) is decided by Zhangzhou's city module.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use arc_swap::ArcSwap;

use crate::runtime::{LoadedModule, Runtime};

/// Components by the division they were written for.
#[derive(Default)]
pub struct ModuleSet {
    by_division: BTreeMap<String, Arc<LoadedModule>>,
}

impl ModuleSet {
    /// Adds a module, refusing a second module for the same division.
    pub fn insert(&mut self, module: LoadedModule) -> anyhow::Result<()> {
        let division = module.info().jurisdiction.clone();
        if let Some(existing) = self.by_division.get(&division) {
            bail!(
                "both {} and {} claim division {division}; a module set has one module per division",
                existing.label(),
                module.label()
            );
        }
        self.by_division.insert(division, Arc::new(module));
        Ok(())
    }

    /// Loads every `*.wasm` component in `dir`.
    pub fn load_dir(runtime: &Runtime, dir: &Path) -> anyhow::Result<Self> {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read the module directory {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
            .collect();
        paths.sort();
        let mut set = ModuleSet::default();
        for path in paths {
            let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            set.insert(runtime.load(&path.display().to_string(), &bytes)?)?;
        }
        Ok(set)
    }

    /// The module that decides cases of `division`: its own, its city's, or
    /// its province's.
    pub fn for_division(&self, division: &str) -> Option<&Arc<LoadedModule>> {
        if division.len() != 6 || !division.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let city = format!("{}00", &division[..4]);
        let province = format!("{}0000", &division[..2]);
        [division, city.as_str(), province.as_str()].into_iter().find_map(|d| self.by_division.get(d))
    }

    /// Every module, by division.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arc<LoadedModule>)> {
        self.by_division.iter().map(|(d, m)| (d.as_str(), m))
    }

    pub fn len(&self) -> usize {
        self.by_division.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_division.is_empty()
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
