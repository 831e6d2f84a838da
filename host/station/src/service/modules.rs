//! The module set in force: following the registry, pins and rollback.
//!
//! Every change of the set goes through [`Service::rebuild_modules`] or a pin,
//! one at a time under the activation lock, and is swapped in atomically.

use std::sync::Arc;

use juzhu_runtime::module_set::ModuleSet;
use serde::Serialize;

use super::{Service, ServiceError};

/// A pin or rollback as done.
#[derive(Debug, Serialize)]
pub struct PinReport {
    pub division: String,
    pub module_id: String,
    /// The version the division is now held at; `None` after an unpin.
    pub pinned: Option<String>,
    /// The version in force today before and after.
    pub in_force_before: Option<String>,
    pub in_force_now: Option<String>,
    pub audit_seq: Option<i64>,
}

/// One version of a division's module, for `GET /v1/modules`.
#[derive(Debug, Serialize)]
pub struct VersionInfo {
    pub version: String,
    pub effective_from: Option<String>,
    pub sha256: String,
    pub revoked: Option<String>,
    pub in_force_today: bool,
}

/// A division's module and all its versions.
#[derive(Debug, Serialize)]
pub struct DivisionModules {
    pub division: String,
    pub module_id: String,
    pub pinned: Option<String>,
    pub versions: Vec<VersionInfo>,
}

impl Service {
    /// Builds a new module set from the current one, applies the operators'
    /// pins, and puts it in force with one swap. Returns the set replaced.
    pub fn rebuild_modules(&self, build: impl FnOnce(&ModuleSet) -> ModuleSet) -> Result<Arc<ModuleSet>, ServiceError> {
        let _one_at_a_time = self.activation.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.modules.snapshot();
        let mut set = build(&current);
        for pin in self.store().pins()? {
            if set.division(&pin.division).is_some_and(|(code, _)| code == pin.division)
                && let Err(e) = set.pin(&pin.division, &pin.version)
            {
                tracing::error!(
                    "ALERT: the pin of {} to {} no longer applies: {e}; the newest version in force applies",
                    pin.division,
                    pin.version
                );
            }
        }
        Ok(self.modules.activate(set))
    }

    /// Makes this service follow a signed registry.
    pub fn follow_registry(&self, follower: Arc<crate::follower::RegistryFollower>) {
        let _ = self.registry.set(follower);
    }

    fn follower(&self) -> Result<&Arc<crate::follower::RegistryFollower>, ServiceError> {
        self.registry.get().ok_or_else(|| {
            ServiceError::Refused(
                "this station follows no registry ([registry] location is not set); its modules come from modules.dir"
                    .into(),
            )
        })
    }

    /// Polls the registry now and activates what it certifies.
    pub fn refresh_registry(&self) -> Result<crate::follower::RegistryStatus, ServiceError> {
        let follower = self.follower()?;
        let verified = follower.verify().map_err(|e| {
            self.metrics.registry_frozen(e.frozen);
            self.metrics.registry_refresh(Err(e.source.kind()));
            ServiceError::Refused(e.to_string())
        })?;
        self.metrics.registry_frozen(false);
        self.metrics.registry_refresh(Ok(()));
        let mut assembled = None;
        self.rebuild_modules(|current| {
            let (set, outcome) = follower.assemble(&verified, self.runtime(), current);
            assembled = Some(outcome);
            set
        })?;
        Ok(follower.record(verified, assembled.expect("rebuild_modules runs the build")))
    }

    /// A file of the followed registry, so stations can mirror it over HTTP.
    pub fn registry_file(&self, path: &str) -> Result<Vec<u8>, ServiceError> {
        self.follower()?
            .read_file(path)
            .ok_or_else(|| ServiceError::NotFound(format!("the registry has no file {path}")))
    }

    /// The outcome of the last registry refresh.
    pub fn registry_status(&self) -> Result<crate::follower::RegistryStatus, ServiceError> {
        Ok(self.follower()?.status())
    }

    /// Every division's module with all its versions, and which is in force today.
    pub fn module_versions(&self) -> Vec<DivisionModules> {
        let set = self.modules.snapshot();
        set.divisions()
            .map(|(division, d)| {
                let today = d.in_force(d.today()).map(|v| v.version().to_string());
                DivisionModules {
                    division: division.to_string(),
                    module_id: d.versions().last().map(|v| v.module.info().id.clone()).unwrap_or_default(),
                    pinned: d.pinned().map(str::to_string),
                    versions: d
                        .versions()
                        .iter()
                        .map(|v| VersionInfo {
                            version: v.version().to_string(),
                            effective_from: (v.effective_from != jiff::civil::Date::MIN)
                                .then(|| v.effective_from.to_string()),
                            sha256: v.module.sha256().to_string(),
                            revoked: v.revoked.clone(),
                            in_force_today: today.as_deref() == Some(v.version()),
                        })
                        .collect(),
                }
            })
            .collect()
    }

    fn in_force_today(set: &ModuleSet, division: &str) -> (String, Option<String>) {
        match set.division(division) {
            Some((_, d)) => (
                d.versions().last().map(|v| v.module.info().id.clone()).unwrap_or_default(),
                d.in_force(d.today()).map(|v| v.version().to_string()),
            ),
            None => (String::new(), None),
        }
    }

    /// Holds `division` at a certified `version` (`module.pin` in the audit log).
    pub fn pin(&self, actor: &str, division: &str, version: &str) -> Result<PinReport, ServiceError> {
        self.set_pin(actor, "module.pin", division, |_| Ok(version.to_string()))
    }

    /// Pins `division` to the certified version before the one in force
    /// today (`module.rollback` in the audit log).
    pub fn rollback(&self, actor: &str, division: &str) -> Result<PinReport, ServiceError> {
        self.set_pin(actor, "module.rollback", division, |set| {
            set.rollback_target(division).map_err(|e| ServiceError::Refused(e.to_string()))
        })
    }

    fn set_pin(
        &self,
        actor: &str,
        action: &str,
        division: &str,
        choose: impl FnOnce(&ModuleSet) -> Result<String, ServiceError>,
    ) -> Result<PinReport, ServiceError> {
        let _one_at_a_time = self.activation.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.modules.snapshot();
        let version = choose(&current)?;
        let mut set = (*current).clone();
        set.pin(division, &version).map_err(|e| ServiceError::Refused(e.to_string()))?;
        let (module_id, before) = Self::in_force_today(&current, division);
        let (_, now) = Self::in_force_today(&set, division);
        let details = serde_json::json!({ "module_id": module_id, "version": version, "in_force_before": before, "in_force_now": now });
        let entry = self.store().set_pin(actor, action, division, &module_id, &version, details)?;
        self.modules.activate(set);
        Ok(PinReport {
            division: division.into(),
            module_id,
            pinned: Some(version),
            in_force_before: before,
            in_force_now: now,
            audit_seq: Some(entry.seq),
        })
    }

    /// Lifts a pin: the newest certified version in force applies again.
    pub fn unpin(&self, actor: &str, division: &str) -> Result<PinReport, ServiceError> {
        let _one_at_a_time = self.activation.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.modules.snapshot();
        let mut set = (*current).clone();
        set.unpin(division).map_err(|e| ServiceError::Refused(e.to_string()))?;
        let (module_id, before) = Self::in_force_today(&current, division);
        let (_, now) = Self::in_force_today(&set, division);
        let entry = self.store().clear_pin(actor, division)?;
        self.modules.activate(set);
        Ok(PinReport {
            division: division.into(),
            module_id,
            pinned: None,
            in_force_before: before,
            in_force_now: now,
            audit_seq: entry.map(|e| e.seq),
        })
    }
}
