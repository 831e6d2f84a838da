//! The station's domain layer: what each API call does, independent of HTTP.
//!
//! One request takes one snapshot of the module set (so a swap never changes
//! the rules mid-request), picks the module in force for the case's
//! jurisdiction, calls it in a fresh sandbox, and hands its answer to the
//! lifecycle, which commits the change with its audit entry in one
//! transaction. The host never interprets rules: every outcome, status and
//! ground comes from the module.

use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;

use crate::lifecycle::{self, LifecycleError, ModuleRef, Receipt, Submission};
use crate::modules::{ActiveModules, ModuleSet};
use crate::runtime::contract::types::*;
use crate::runtime::{CallError, LoadedModule};
use crate::store::audit::AuditEntry;
use crate::store::{PermitRecord, Store, StoreError};

/// Why a request was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request names a field that is wrong.
    #[error("{field}: {message}")]
    BadInput { field: String, message: String },
    #[error("no module in force decides jurisdiction {0}; GET /jurisdictions lists the ones this station serves")]
    UnknownJurisdiction(String),
    #[error("{0}")]
    NotFound(String),
    /// The jurisdiction has a module, but no version of it applies on the legal date.
    #[error("{0}")]
    NotInForce(String),
    /// A pin, rollback or registry refresh was refused.
    #[error("{0}")]
    Refused(String),
    /// The module failed (trap, limit); the call failed alone.
    #[error(transparent)]
    Module(#[from] CallError),
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The write's group commit failed; nothing of it was kept.
    #[error(transparent)]
    NotKept(#[from] crate::store::group_commit::BatchError),
    #[error(transparent)]
    Card(#[from] crate::issuance::CardError),
}

impl ServiceError {
    fn bad(field: &str, message: impl Into<String>) -> Self {
        ServiceError::BadInput { field: field.into(), message: message.into() }
    }
}

/// A decision and the module that made it, not recorded.
#[derive(Debug, Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    pub module: ModuleRef,
    pub legal_date: String,
}

/// A holder's services and points.
#[derive(Debug, Serialize)]
pub struct Benefits {
    pub permit: String,
    pub legal_date: String,
    pub services: Entitlements,
    pub points: PointsBreakdown,
    pub module: ModuleRef,
}

/// One applicant for a limited service.
#[derive(Debug, serde::Deserialize)]
pub struct Applicant {
    /// The caller's id for the applicant; also the final tie-break.
    pub id: String,
    pub facts: Application,
}

/// One applicant's place in a ranking.
#[derive(Debug, Serialize)]
pub struct Ranked {
    /// 1-based; `None` for an applicant excluded by a veto or a freeze.
    pub rank: Option<usize>,
    pub id: String,
    pub total: i32,
    pub admitted: bool,
    pub breakdown: PointsBreakdown,
}

/// The allocation of `places` among applicants, by points.
#[derive(Debug, Serialize)]
pub struct Ranking {
    pub places: usize,
    pub legal_date: String,
    pub module: ModuleRef,
    /// The admitted applicants' ids, best first.
    pub admitted: Vec<String>,
    pub ranking: Vec<Ranked>,
    pub tie_break: &'static str,
}

/// How equal totals are ordered, stated in every ranking.
pub const TIE_BREAK: &str = "higher total first; equal totals by applicant id, ascending (byte order), so the same input always gives the same allocation; vetoed (一票否决) and frozen (冻结) applicants are not ranked";

/// A jurisdiction's module in force.
#[derive(Debug, Serialize)]
pub struct JurisdictionModule {
    pub division: String,
    pub name: String,
    pub module: ModuleRef,
    pub contract_version: String,
    pub time_zone: String,
    pub tiers: Vec<PermitTier>,
}

/// What a supervisor asks of a permit; the module's endorsement answer must
/// direct it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PermitAction {
    Endorse,
    Suspend,
    Restore,
    Cancel,
}

/// The station's domain operations.
pub struct Service {
    /// Kept alive for the modules' engine (and its epoch ticker).
    _runtime: crate::runtime::Runtime,
    modules: ActiveModules,
    store: Mutex<Store>,
    /// A second connection for token checks: under WAL it reads the last
    /// commit without waiting for a batch that is syncing to disk.
    reader: Mutex<Store>,
    /// Submissions from concurrent requests share one commit (one fsync).
    group_commit: crate::store::group_commit::GroupCommit,
    metrics: Arc<crate::metrics::Metrics>,
    cards: crate::issuance::Desk,
    /// Held while a new module set is built and swapped in, so a refresh and
    /// a pin never overwrite each other's set.
    activation: Mutex<()>,
    registry: std::sync::OnceLock<Arc<crate::registry_client::RegistryFollower>>,
}

/// A permit's cards and the journal of writing them.
#[derive(Debug, Serialize)]
pub struct CardStatus {
    pub permit: String,
    /// Whether the permit has a verified card that is not revoked.
    pub carded: bool,
    /// That card.
    pub card: Option<crate::issuance::CardRecord>,
    /// Every card the permit had, revoked ones included.
    pub cards: Vec<crate::issuance::CardRecord>,
    pub issuances: Vec<crate::issuance::Issuance>,
}

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

fn module_ref(module: &LoadedModule) -> ModuleRef {
    ModuleRef {
        id: module.info().id.clone(),
        version: module.info().version.clone(),
        sha256: module.sha256().to_string(),
    }
}

/// Turns a module's refusal of its input into a request error.
fn input<T>(result: Result<T, InputError>) -> Result<T, ServiceError> {
    result.map_err(|e| ServiceError::BadInput { field: e.field, message: e.message })
}

impl Service {
    pub fn new(runtime: crate::runtime::Runtime, modules: ModuleSet, store: Store) -> Result<Self, StoreError> {
        let reader = Store::open(store.path())?;
        Ok(Service {
            _runtime: runtime,
            modules: ActiveModules::new(modules),
            store: Mutex::new(store),
            reader: Mutex::new(reader),
            group_commit: Default::default(),
            metrics: Arc::new(crate::metrics::Metrics::new()),
            activation: Mutex::new(()),
            registry: std::sync::OnceLock::new(),
            cards: crate::issuance::Desk::new(None),
        })
    }

    /// Who `token` belongs to, if anyone.
    pub fn authenticate(&self, token: &str) -> Result<Option<crate::auth::Principal>, crate::auth::TokenError> {
        crate::auth::verify(&self.reader.lock().unwrap_or_else(|e| e.into_inner()), token)
    }

    /// The service with the station's card encoders and signing key.
    pub fn with_cards(mut self, desk: crate::issuance::Desk) -> Self {
        self.cards = desk;
        self
    }

    pub fn cards(&self) -> &crate::issuance::Desk {
        &self.cards
    }

    /// The engine modules are compiled with.
    pub fn runtime(&self) -> &crate::runtime::Runtime {
        &self._runtime
    }

    /// Builds a new module set from the current one, applies the operators'
    /// pins, and puts it in force with one swap. Returns the set replaced.
    pub fn rebuild_modules(&self, build: impl FnOnce(&ModuleSet) -> ModuleSet) -> Result<Arc<ModuleSet>, ServiceError> {
        let _one_at_a_time = self.activation.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.modules.snapshot();
        let mut set = build(&current);
        for pin in self.store().pins()? {
            if set.division(&pin.division).is_some_and(|(code, _)| code == pin.division) {
                if let Err(e) = set.pin(&pin.division, &pin.version) {
                    eprintln!(
                        "ALERT: the pin of {} to {} no longer applies: {e}; the newest version in force applies",
                        pin.division, pin.version
                    );
                }
            }
        }
        Ok(self.modules.activate(set))
    }

    /// Makes this service follow a signed registry.
    pub fn follow_registry(&self, follower: Arc<crate::registry_client::RegistryFollower>) {
        let _ = self.registry.set(follower);
    }

    fn follower(&self) -> Result<&Arc<crate::registry_client::RegistryFollower>, ServiceError> {
        self.registry.get().ok_or_else(|| {
            ServiceError::Refused(
                "this station follows no registry ([registry] location is not set); its modules come from modules.dir"
                    .into(),
            )
        })
    }

    /// Polls the registry now and activates what it certifies.
    pub fn refresh_registry(&self) -> Result<crate::registry_client::RegistryStatus, ServiceError> {
        self.follower()?.refresh(self)
    }

    /// A file of the followed registry, so stations can mirror it over HTTP.
    pub fn registry_file(&self, path: &str) -> Result<Vec<u8>, ServiceError> {
        self.follower()?
            .read_file(path)
            .ok_or_else(|| ServiceError::NotFound(format!("the registry has no file {path}")))
    }

    /// The outcome of the last registry refresh.
    pub fn registry_status(&self) -> Result<crate::registry_client::RegistryStatus, ServiceError> {
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

    pub fn metrics(&self) -> &Arc<crate::metrics::Metrics> {
        &self.metrics
    }

    /// Records a module call's cost, or its failure, in the metrics.
    fn observe<T>(
        &self,
        module: &LoadedModule,
        function: &str,
        result: Result<(T, crate::runtime::CallStats), CallError>,
    ) -> Result<T, ServiceError> {
        match result {
            Ok((value, stats)) => {
                self.metrics.module_call(module.label(), function, stats.elapsed, stats.fuel_used);
                Ok(value)
            }
            Err(e) => {
                self.metrics.module_failure(module.label(), e.kind());
                Err(e.into())
            }
        }
    }

    /// The module set in force, for swapping in a new one.
    pub fn modules(&self) -> &ActiveModules {
        &self.modules
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave a half-written
        // transaction (SQLite rolls back), so a poisoned lock is still usable.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` with the store (token checks, CLI maintenance).
    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self.store())
    }

    /// The module in force for `division` on the legal date given (default:
    /// today in the jurisdiction's time zone), in this request's snapshot,
    /// and that legal date. A date the host cannot read picks today's
    /// version, which then refuses the date with the field's path.
    fn module_for(
        set: &Arc<ModuleSet>,
        division: &str,
        given: Option<String>,
    ) -> Result<(Arc<LoadedModule>, String), ServiceError> {
        let Some((_, d)) = set.division(division) else {
            return Err(ServiceError::UnknownJurisdiction(division.to_string()));
        };
        let today = d.today();
        let legal_date = given.unwrap_or_else(|| today.to_string());
        let date = legal_date.parse::<jiff::civil::Date>().unwrap_or(today);
        let module = set.for_case(division, date).map_err(|e| match e {
            crate::modules::NotInForce::NoModule(d) => ServiceError::UnknownJurisdiction(d),
            other => ServiceError::NotInForce(other.to_string()),
        })?;
        Ok((module.clone(), legal_date))
    }

    /// Checks what the host checks before any module runs: the jurisdiction
    /// code and the citizen ID number. Dates and periods are checked by the
    /// SDK inside the module, which refuses them with the field's path.
    fn check_identity(application: &Application) -> Result<(), ServiceError> {
        let j = &application.jurisdiction;
        if j.len() != 6 || !j.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ServiceError::bad(
                "application.jurisdiction",
                format!("`{j}` is not a GB/T 2260 division code; expected six digits, e.g. 330105"),
            ));
        }
        juzhu_sdk::citizen_id::check(&application.identity.citizen_id)
            .map_err(|m| ServiceError::bad("application.identity.citizen_id", m))
    }

    /// Decides an application without recording anything (a what-if).
    pub fn evaluate(&self, application: &Application, legal_date: Option<String>) -> Result<Evaluation, ServiceError> {
        Self::check_identity(application)?;
        let set = self.modules.snapshot();
        let (module, legal_date) = Self::module_for(&set, &application.jurisdiction, legal_date)?;
        let decision = input(self.observe(&module, "evaluate", module.evaluate(application, &legal_date))?)?;
        let outcome = match decision.outcome {
            Outcome::Eligible => "eligible",
            Outcome::Ineligible => "ineligible",
            Outcome::Incomplete => "incomplete",
        };
        self.metrics.decision(&module.info().jurisdiction, outcome);
        Ok(Evaluation { decision, module: module_ref(&module), legal_date })
    }

    /// Decides an application and records the decision with its audit entry.
    pub fn submit(
        &self,
        actor: &str,
        application: &Application,
        legal_date: Option<String>,
    ) -> Result<Receipt, ServiceError> {
        let evaluation = self.evaluate(application, legal_date)?;
        let (actor, application) = (actor.to_string(), application.clone());
        self.group_commit.run(&self.store, move |store| {
            let submission = Submission {
                application: &application,
                legal_date: &evaluation.legal_date,
                decision: &evaluation.decision,
                module: &evaluation.module,
            };
            Ok(lifecycle::submit(store, &actor, submission)?)
        })
    }

    /// Issues the permit an eligible decision grants.
    pub fn issue(
        &self,
        actor: &str,
        decision_id: i64,
        issued_on: Option<String>,
    ) -> Result<PermitRecord, ServiceError> {
        let issued_on = match issued_on {
            Some(d) => d,
            None => {
                let decision = self
                    .store()
                    .decision(decision_id)?
                    .ok_or_else(|| ServiceError::NotFound(format!("decision {decision_id} does not exist")))?;
                let set = self.modules.snapshot();
                let jurisdiction =
                    self.store().application(decision.application_id)?.map(|a| a.jurisdiction).unwrap_or_default();
                Self::module_for(&set, &jurisdiction, None)?.1
            }
        };
        Ok(lifecycle::issue(&mut self.store(), actor, decision_id, &issued_on)?)
    }

    fn permit(&self, number: &str) -> Result<PermitRecord, ServiceError> {
        self.store().permit(number)?.ok_or_else(|| ServiceError::NotFound(format!("permit {number} does not exist")))
    }

    /// Where a permit stands in its endorsement cycle, as its module says.
    pub fn endorsement_status(
        &self,
        number: &str,
        legal_date: Option<String>,
    ) -> Result<(EndorsementAnswer, ModuleRef, String), ServiceError> {
        let permit = self.permit(number)?;
        let set = self.modules.snapshot();
        let (module, legal_date) = Self::module_for(&set, &permit.jurisdiction, legal_date)?;
        let answer = self.observe(
            &module,
            "endorsement",
            module.endorsement(&permit.to_contract(), &permit.facts, &legal_date),
        )?;
        Ok((input(answer)?, module_ref(&module), legal_date))
    }

    /// Endorses, suspends, restores or cancels a permit, as the module's
    /// endorsement answer on `legal_date` directs.
    pub fn act(
        &self,
        actor: &str,
        number: &str,
        action: PermitAction,
        legal_date: Option<String>,
    ) -> Result<PermitRecord, ServiceError> {
        let (answer, module, legal_date) = self.endorsement_status(number, legal_date)?;
        let mut store = self.store();
        let record = match action {
            PermitAction::Endorse => lifecycle::endorse(&mut store, actor, number, &legal_date, &answer, &module),
            PermitAction::Suspend => lifecycle::suspend(&mut store, actor, number, &legal_date, &answer, &module),
            PermitAction::Restore => lifecycle::restore(&mut store, actor, number, &legal_date, &answer, &module),
            PermitAction::Cancel => lifecycle::cancel(&mut store, actor, number, &legal_date, &answer, &module),
        }?;
        Ok(record)
    }

    /// A holder's services and points on `legal_date`.
    pub fn benefits(&self, number: &str, legal_date: Option<String>) -> Result<Benefits, ServiceError> {
        let permit = self.permit(number)?;
        let set = self.modules.snapshot();
        let (module, legal_date) = Self::module_for(&set, &permit.jurisdiction, legal_date)?;
        let contract = permit.to_contract();
        let services = self.observe(&module, "services", module.services(&contract, &permit.facts, &legal_date))?;
        let points = self.observe(&module, "points", module.points(Some(&contract), &permit.facts, &legal_date))?;
        Ok(Benefits {
            permit: permit.number,
            legal_date,
            services: input(services)?,
            points: input(points)?,
            module: module_ref(&module),
        })
    }

    /// Ranks applicants for `places` of a limited service (e.g. 积分入学) by
    /// the points their jurisdiction's module gives them.
    pub fn rank(
        &self,
        applicants: &[Applicant],
        places: usize,
        legal_date: Option<String>,
    ) -> Result<Ranking, ServiceError> {
        let Some(first) = applicants.first() else {
            return Err(ServiceError::bad("applicants", "is empty; give at least one applicant"));
        };
        let set = self.modules.snapshot();
        let (module, legal_date) = Self::module_for(&set, &first.facts.jurisdiction, legal_date)?;
        let mut seen = std::collections::HashSet::with_capacity(applicants.len());
        // Divisions already found to be decided by `module`: one lookup each.
        let mut same_module = std::collections::HashSet::from([first.facts.jurisdiction.as_str()]);
        for (i, a) in applicants.iter().enumerate() {
            if !seen.insert(a.id.as_str()) {
                return Err(ServiceError::bad(
                    &format!("applicants[{i}].id"),
                    format!("`{}` appears twice; ids must be unique", a.id),
                ));
            }
            if same_module.contains(a.facts.jurisdiction.as_str()) {
                continue;
            }
            let (theirs, _) = Self::module_for(&set, &a.facts.jurisdiction, Some(legal_date.clone()))?;
            same_module.insert(a.facts.jurisdiction.as_str());
            if !Arc::ptr_eq(&theirs, &module) {
                return Err(ServiceError::bad(
                    &format!("applicants[{i}].facts.jurisdiction"),
                    format!(
                        "is decided by {}, but applicants[0] by {}; one ranking is for one jurisdiction's service",
                        theirs.label(),
                        module.label()
                    ),
                ));
            }
        }
        let mut ranking = Vec::with_capacity(applicants.len());
        for (i, (a, answer)) in applicants.iter().zip(self.points_of_all(&module, applicants, &legal_date)?).enumerate()
        {
            let breakdown =
                answer.map_err(|e| ServiceError::bad(&format!("applicants[{i}].{}", e.field), e.message))?;
            ranking.push(Ranked { rank: None, id: a.id.clone(), total: breakdown.total, admitted: false, breakdown });
        }
        let excluded = |r: &Ranked| r.breakdown.vetoed || r.breakdown.frozen;
        ranking.sort_by(|a, b| excluded(a).cmp(&excluded(b)).then(b.total.cmp(&a.total)).then(a.id.cmp(&b.id)));
        let mut admitted = Vec::new();
        for (i, r) in ranking.iter_mut().enumerate() {
            if excluded(r) {
                continue;
            }
            r.rank = Some(i + 1);
            if admitted.len() < places {
                r.admitted = true;
                admitted.push(r.id.clone());
            }
        }
        Ok(Ranking { places, legal_date, module: module_ref(&module), admitted, ranking, tie_break: TIE_BREAK })
    }

    /// Every applicant's points, in order: the pool is split across the cores,
    /// and each core's share is scored in batches that share one sandbox.
    fn points_of_all(
        &self,
        module: &LoadedModule,
        applicants: &[Applicant],
        legal_date: &str,
    ) -> Result<Vec<Result<PointsBreakdown, InputError>>, ServiceError> {
        /// Applicants per sandbox: enough to make instantiation negligible,
        /// few enough that a leaky module cannot fill its memory cap.
        const BATCH: usize = 1024;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let share = applicants.len().div_ceil(cores).max(1);
        let shares: Vec<Result<Vec<_>, ServiceError>> = std::thread::scope(|scope| {
            let workers: Vec<_> = applicants
                .chunks(share)
                .map(|part| {
                    scope.spawn(move || {
                        let mut answers = Vec::with_capacity(part.len());
                        for batch in part.chunks(BATCH) {
                            answers.extend(self.observe(
                                module,
                                "points",
                                module.points_batch(batch.iter().map(|a| &a.facts), legal_date),
                            )?);
                        }
                        Ok(answers)
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
        });
        let mut all = Vec::with_capacity(applicants.len());
        for share in shares {
            all.extend(share?);
        }
        Ok(all)
    }

    /// A permit as recorded.
    pub fn permit_record(&self, number: &str) -> Result<PermitRecord, ServiceError> {
        self.permit(number)
    }

    /// Audit entries after `after_seq`, at most `limit`.
    pub fn audit(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditEntry>, ServiceError> {
        self.store()
            .audit_entries(after_seq, limit.min(1000))
            .map_err(|e| ServiceError::Store(StoreError::Corrupt { what: "audit log".into(), detail: e.to_string() }))
    }

    /// Starts writing a permit onto a card: checks the request and records
    /// the issuance as `pending`. [`Service::card_run`] then drives it.
    pub fn card_start(
        &self,
        actor: &str,
        number: &str,
        kind: crate::issuance::Kind,
        encoder: &str,
        legal_date: Option<String>,
    ) -> Result<crate::issuance::Issuance, ServiceError> {
        use crate::issuance::{CardError, Kind, journal};
        self.cards.check_encoder(encoder)?;
        self.cards.check_authority()?;
        let permit = self.permit(number)?;
        if permit.state == crate::lifecycle::PermitState::Cancelled {
            return Err(CardError::NotAllowed(format!(
                "permit {number} is cancelled; a cancelled permit gets no card"
            ))
            .into());
        }
        let set = self.modules.snapshot();
        let (_, legal_date) = Self::module_for(&set, &permit.jurisdiction, legal_date)?;
        let mut store = self.store();
        if let Some(open) = journal::of_permit(&store, number)?.into_iter().find(|i| !i.state.is_terminal()) {
            return Err(CardError::NotAllowed(format!(
                "card issuance {} for permit {number} is still {}; follow it (GET /v1/card-issuances/{}) or resolve it with `juzhu card recover`",
                open.id,
                open.state.as_str(),
                open.id
            ))
            .into());
        }
        if let Some(busy) = journal::unfinished(&store)?.into_iter().find(|i| i.encoder == encoder) {
            return Err(CardError::NotAllowed(format!(
                "encoder `{encoder}` is busy with card issuance {} (permit {}, {}); wait for it, or use another encoder",
                busy.id,
                busy.permit_number,
                busy.state.as_str()
            ))
            .into());
        }
        let valid = journal::valid_card(&store, number)?;
        let replaces = match (kind, &valid) {
            (Kind::Issue, Some(card)) => {
                return Err(CardError::NotAllowed(format!(
                    "permit {number} already has card {}; replace a lost card with a reissue",
                    card.serial
                ))
                .into());
            }
            (Kind::Issue, None) => None,
            (Kind::Reissue | Kind::Endorse, None) => {
                return Err(CardError::NotAllowed(format!("permit {number} has no valid card; issue one first")).into());
            }
            (Kind::Reissue, Some(card)) => Some(card.serial.clone()),
            (Kind::Endorse, Some(_)) => {
                if permit.endorsements.is_empty() {
                    return Err(CardError::NotAllowed(format!("permit {number} has no endorsement to write; endorse it first (POST /v1/permits/{number}/endorse)")).into());
                }
                None
            }
        };
        Ok(journal::create(&mut store, actor, number, kind, encoder, &legal_date, replaces.as_deref())?)
    }

    /// Drives card issuance `id` to its end: reads the card, builds and
    /// signs the image from the module's `card` answer, writes, reads back
    /// and verifies. `progress` sees every committed state.
    pub fn card_run(
        &self,
        actor: &str,
        id: i64,
        progress: &dyn Fn(&crate::issuance::Issuance),
    ) -> Result<crate::issuance::Issuance, ServiceError> {
        use crate::issuance::{CardError, journal};
        let row = journal::load(&self.store(), id)?
            .ok_or_else(|| ServiceError::NotFound(format!("card issuance {id} does not exist")))?;
        let permit = self.permit(&row.permit_number)?;
        let set = self.modules.snapshot();
        // The rules in force on the content's legal date write the card.
        let (module, _) = Self::module_for(&set, &permit.jurisdiction, Some(row.legal_date.clone()))?;
        let content = |serial: &str| -> Result<juzhu_card::CardContent, CardError> {
            let answer = self
                .observe(&module, "card", module.card(&permit.to_contract(), &permit.facts, &row.legal_date))
                .map_err(|e| CardError::Content(e.to_string()))?
                .map_err(|e| CardError::Content(format!("{}: {}", e.field, e.message)))?;
            crate::issuance::content::from_contract(&answer, serial, self.cards.photo_dir()).map_err(CardError::Content)
        };
        Ok(self.cards.run(&self.store, actor, id, &content, progress)?)
    }

    /// Resolves issuances a crash left unfinished by reading back the cards
    /// in their encoders.
    pub fn card_recover(&self, actor: &str) -> Result<Vec<crate::issuance::Issuance>, ServiceError> {
        Ok(self.cards.recover(&self.store, actor)?)
    }

    /// One card issuance, as the journal holds it.
    pub fn card_issuance(&self, id: i64) -> Result<crate::issuance::Issuance, ServiceError> {
        crate::issuance::journal::load(&self.store(), id)?
            .ok_or_else(|| ServiceError::NotFound(format!("card issuance {id} does not exist")))
    }

    /// A permit's cards and issuances.
    pub fn card_status(&self, number: &str) -> Result<CardStatus, ServiceError> {
        use crate::issuance::journal;
        self.permit(number)?;
        let store = self.store();
        let card = journal::valid_card(&store, number)?;
        Ok(CardStatus {
            permit: number.to_string(),
            carded: card.is_some(),
            card,
            cards: journal::cards_of_permit(&store, number)?,
            issuances: journal::of_permit(&store, number)?,
        })
    }

    /// The jurisdictions served and their modules in force.
    pub fn jurisdictions(&self) -> Vec<JurisdictionModule> {
        self.modules
            .snapshot()
            .iter()
            .map(|(division, m)| JurisdictionModule {
                division: division.to_string(),
                name: m.info().jurisdiction_name.clone(),
                module: module_ref(m),
                contract_version: m.info().contract_version.clone(),
                time_zone: m.info().time_zone.clone(),
                tiers: m.info().tiers.clone(),
            })
            .collect()
    }
}
