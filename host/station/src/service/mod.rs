//! The station's domain layer: what each API call does, independent of HTTP.
//!
//! One request takes one snapshot of the module set (so a swap never changes
//! the rules mid-request), picks the module in force for the case's
//! jurisdiction, calls it in a fresh sandbox, and hands its answer to the
//! lifecycle, which commits the change with its audit entry in one
//! transaction. The host never interprets rules: every outcome, status and
//! ground comes from the module.

mod cards;
mod compare;
mod dashboard;
mod modules;
mod queues;
mod ranking;
pub mod shadow;
mod what_if;

use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;

pub use cards::CardStatus;
pub use compare::Column;
pub use dashboard::{JurisdictionStats, MonthCounts, ReasonCount};
pub use modules::{DivisionModules, PinReport, VersionInfo};
pub use queues::{AwaitingMaterials, QueuedPermit, Queues, Unanswered};
pub use ranking::{
    AdmittedHolder, Applicant, CutOff, RECORD_BASIS, RECORD_TIE_BREAK, Ranked, Ranking, RecordRanking, TIE_BREAK,
};
pub use shadow::ShadowReport;
pub use what_if::{SUPPOSED_NUMBER, SupposedPermit, WhatIf};

use juzhu_domain::{DateError, Division, LegalDate, Transition, parse_legal_date};
use juzhu_runtime::contract::types::*;
use juzhu_runtime::module_set::{ActiveModules, ModuleSet};
use juzhu_runtime::{CallError, LoadedModule};
use juzhu_store::audit::AuditEntry;
use juzhu_store::lifecycle::{self, LifecycleError, ModuleRef, Receipt, Submission};
use juzhu_store::{PermitRecord, Store, StoreError};

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
    /// The module in force says the legal date is outside the in-force
    /// window of a text it decides by: it gives no decision.
    #[error("{}", not_in_force_message(.0))]
    TextNotInForce(NotInForce),
    /// The jurisdiction's certified module cannot be loaded: its cases are
    /// refused, never decided by another jurisdiction's module.
    #[error("{0}")]
    ModuleUnavailable(String),
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
    NotKept(#[from] juzhu_store::group_commit::BatchError),
    #[error(transparent)]
    Card(#[from] crate::issuance::CardError),
}

impl From<DateError> for ServiceError {
    fn from(e: DateError) -> Self {
        ServiceError::BadInput { field: e.field.to_string(), message: e.to_string() }
    }
}

impl ServiceError {
    pub(super) fn bad(field: &str, message: impl Into<String>) -> Self {
        ServiceError::BadInput { field: field.into(), message: message.into() }
    }
}

/// A decision and the module that made it, not recorded.
#[derive(Debug, Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    pub module: ModuleRef,
    pub legal_date: LegalDate,
}

/// Where a permit stands in its endorsement cycle on a legal date, as its
/// module answered, and what the module could not read.
#[derive(Debug, Serialize)]
pub struct EndorsementCheck {
    pub permit: String,
    pub legal_date: LegalDate,
    pub answer: EndorsementAnswer,
    pub module: ModuleRef,
    /// Flags of the fact set the module read that were stored under
    /// contract 1.0 without a date (e.g. `converted_to_local_hukou`). 1.1
    /// reads only dated events, so the module answered without them.
    pub undated: Vec<String>,
    /// The same in words, with what to do, when `undated` is not empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl EndorsementCheck {
    fn warning_for(number: &str, undated: &[String]) -> Option<String> {
        (!undated.is_empty()).then(|| {
            format!(
                "the module answered without {}: stored under contract 1.0 with no date, which contract 1.1 cannot read; \
                 record each as a dated event (`events`, e.g. {{ \"kind\": \"ConvertedToLocalHukou\", \"on\": \"YYYY-MM-DD\" }}) \
                 in the holder's current facts with POST /v1/permits/{number}/endorse, then check again",
                undated.join(", ")
            )
        })
    }
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

/// The module that decides a division on a legal date, with its clause
/// table: the documents it decides by, their in-force windows, and every
/// clause's words (empty for a contract 1.0 module, which has none).
#[derive(Debug, Serialize)]
pub struct ModuleDetails {
    pub division: String,
    pub legal_date: LegalDate,
    pub module: ModuleRef,
    pub name: String,
    pub contract_version: String,
    pub time_zone: String,
    pub tiers: Vec<PermitTier>,
    pub documents: Vec<Document>,
}

/// The station's domain operations.
pub struct Service {
    /// Kept alive for the modules' engine (and its epoch ticker).
    _runtime: juzhu_runtime::Runtime,
    modules: ActiveModules,
    store: Mutex<Store>,
    /// A second connection for token checks: under WAL it reads the last
    /// commit without waiting for a batch that is syncing to disk.
    reader: Mutex<Store>,
    /// Submissions from concurrent requests share one commit (one fsync).
    group_commit: juzhu_store::group_commit::GroupCommit,
    metrics: Arc<crate::metrics::Metrics>,
    cards: crate::issuance::Desk,
    /// Held while a new module set is built and swapped in, so a refresh and
    /// a pin never overwrite each other's set.
    activation: Mutex<()>,
    registry: std::sync::OnceLock<Arc<crate::follower::RegistryFollower>>,
}

pub(super) fn module_ref(module: &LoadedModule) -> ModuleRef {
    ModuleRef {
        id: module.info().id.clone(),
        version: module.info().version.clone(),
        sha256: module.sha256().to_string(),
    }
}

/// Turns a module's refusal into a request error.
pub(super) fn input<T>(result: Result<T, Refusal>) -> Result<T, ServiceError> {
    result.map_err(ServiceError::from)
}

impl From<Refusal> for ServiceError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Input(e) => ServiceError::BadInput { field: e.field, message: e.message },
            Refusal::NotInForce(n) => ServiceError::TextNotInForce(n),
        }
    }
}

/// "legal_date 2013-05-01 is outside the in-force window of 《…》 (`id`):
/// from 2014-10-31 until 2015-10-30 (basis)".
pub(super) fn not_in_force_message(n: &NotInForce) -> String {
    let from = n.in_force_from.as_deref().map_or("no stated start".to_string(), |d| format!("from {d}"));
    let until = n.in_force_until.as_deref().map_or("open-ended".to_string(), |d| format!("until {d}"));
    let basis = n.basis.as_deref().map(|b| format!(" ({b})")).unwrap_or_default();
    format!(
        "legal_date {} is outside the in-force window of 《{}》 (`{}`): {from}, {until}{basis}; \
         the module gives no decision for a date its text does not govern",
        n.legal_date, n.title, n.document
    )
}

impl Service {
    pub fn new(runtime: juzhu_runtime::Runtime, modules: ModuleSet, store: Store) -> Result<Self, StoreError> {
        let reader = store.reopen()?;
        let metrics = Arc::new(crate::metrics::Metrics::new());
        let group_commit = juzhu_store::group_commit::GroupCommit::default();
        let watching = metrics.clone();
        group_commit.observe(move |o| watching.store(o));
        Ok(Service {
            _runtime: runtime,
            modules: ActiveModules::new(modules),
            store: Mutex::new(store),
            reader: Mutex::new(reader),
            group_commit,
            metrics,
            activation: Mutex::new(()),
            registry: std::sync::OnceLock::new(),
            cards: crate::issuance::Desk::new(None),
        })
    }

    /// Who `token` belongs to, if anyone.
    pub fn authenticate(&self, token: &str) -> Result<Option<crate::auth::Principal>, crate::auth::TokenError> {
        crate::auth::verify(&self.reader.lock().unwrap_or_else(|e| e.into_inner()), token)
    }

    /// Whether the store answers now (its read session: never queued behind
    /// a write).
    pub fn store_health(&self) -> Result<(), StoreError> {
        self.reader.lock().unwrap_or_else(|e| e.into_inner()).ping()
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
    pub fn runtime(&self) -> &juzhu_runtime::Runtime {
        &self._runtime
    }

    pub fn metrics(&self) -> &Arc<crate::metrics::Metrics> {
        &self.metrics
    }

    /// Records a module call's cost, or its failure, in the metrics.
    pub(super) fn observe<T>(
        &self,
        module: &LoadedModule,
        function: &str,
        result: Result<(T, juzhu_runtime::CallStats), CallError>,
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

    pub(super) fn store(&self) -> MutexGuard<'_, Store> {
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
    pub(super) fn module_for(
        set: &Arc<ModuleSet>,
        division: &str,
        given: Option<&str>,
    ) -> Result<(Arc<LoadedModule>, LegalDate), ServiceError> {
        let Some((_, d)) = set.division(division) else {
            return Err(ServiceError::UnknownJurisdiction(division.to_string()));
        };
        let date = match given {
            Some(text) => parse_legal_date("legal_date", text)?,
            None => d.today(),
        };
        let module = set.for_case(division, date).map_err(|e| match e {
            juzhu_runtime::module_set::NotInForce::NoModule(d) => ServiceError::UnknownJurisdiction(d),
            e @ juzhu_runtime::module_set::NotInForce::Unavailable { .. } => {
                ServiceError::ModuleUnavailable(e.to_string())
            }
            other => ServiceError::NotInForce(other.to_string()),
        })?;
        Ok((module.clone(), date))
    }

    /// Checks what the host checks before any module runs: the jurisdiction
    /// code and the citizen ID number. Dates and periods are checked by the
    /// SDK inside the module, which refuses them with the field's path.
    fn check_identity(application: &Application) -> Result<(), ServiceError> {
        Division::parse(&application.jurisdiction)
            .map_err(|e| ServiceError::bad("application.jurisdiction", e.to_string()))?;
        juzhu_sdk::citizen_id::check(&application.identity.citizen_id)
            .map_err(|m| ServiceError::bad("application.identity.citizen_id", m))
    }

    /// Decides an application without recording anything (a what-if).
    pub fn evaluate(&self, application: &Application, legal_date: Option<String>) -> Result<Evaluation, ServiceError> {
        Self::check_identity(application)?;
        let set = self.modules.snapshot();
        let (module, date) = Self::module_for(&set, &application.jurisdiction, legal_date.as_deref())?;
        let legal_date = date.to_string();
        let decision = input(self.observe(&module, "evaluate", module.evaluate(application, &legal_date))?)?;
        let outcome = match decision.outcome {
            Outcome::Eligible => "eligible",
            Outcome::Ineligible => "ineligible",
            Outcome::Incomplete => "incomplete",
        };
        self.metrics.decision(&module.info().jurisdiction, outcome);
        Ok(Evaluation { decision, module: module_ref(&module), legal_date: date })
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
                legal_date: evaluation.legal_date,
                decision: &evaluation.decision,
                module: &evaluation.module,
            };
            Ok(lifecycle::submit(store, &actor, submission)?)
        })
    }

    /// Issues the permit an eligible decision grants, on `issued_on`
    /// (default: today in the jurisdiction's time zone). A permit cannot be
    /// issued in the future: `issued_on` after today in the jurisdiction's
    /// time zone is refused, with no tolerance (a clerk in another zone
    /// sees the jurisdiction's date in the error).
    pub fn issue(
        &self,
        actor: &str,
        decision_id: i64,
        issued_on: Option<String>,
    ) -> Result<PermitRecord, ServiceError> {
        let given = issued_on.map(|d| parse_legal_date("issued_on", &d)).transpose()?;
        let decision = self
            .store()
            .decision(decision_id)?
            .ok_or_else(|| ServiceError::NotFound(format!("decision {decision_id} does not exist")))?;
        let jurisdiction =
            self.store().application(decision.application_id)?.map(|a| a.jurisdiction).unwrap_or_default();
        let set = self.modules.snapshot();
        let today = Self::module_for(&set, &jurisdiction, None)?.1;
        let issued_on = match given {
            Some(date) if date > today => {
                return Err(ServiceError::bad(
                    "issued_on",
                    format!(
                        "issued_on {date} is in the future: today in jurisdiction {jurisdiction} is {today}; \
                         a permit is issued on or before today"
                    ),
                ));
            }
            Some(date) => date,
            None => today,
        };
        let permit = lifecycle::issue(&mut self.store(), actor, decision_id, issued_on)?;
        self.record_points_of(&permit);
        Ok(permit)
    }

    pub(super) fn permit(&self, number: &str) -> Result<PermitRecord, ServiceError> {
        self.store().permit(number)?.ok_or_else(|| ServiceError::NotFound(format!("permit {number} does not exist")))
    }

    /// Where a permit stands in its endorsement cycle, as its module says,
    /// with a warning when the facts it read carry flags stored under
    /// contract 1.0 without a date (the module could not read them).
    pub fn endorsement_status(
        &self,
        number: &str,
        legal_date: Option<String>,
    ) -> Result<EndorsementCheck, ServiceError> {
        let permit = self.permit(number)?;
        let set = self.modules.snapshot();
        let (module, date) = Self::module_for(&set, &permit.jurisdiction, legal_date.as_deref())?;
        let on = date.to_string();
        let answer =
            self.observe(&module, "endorsement", module.endorsement(&permit.to_contract(), permit.facts_on(&on), &on))?;
        let undated = permit.undated_on(&on).to_vec();
        Ok(EndorsementCheck {
            warning: EndorsementCheck::warning_for(number, &undated),
            permit: permit.number,
            legal_date: date,
            answer: input(answer)?,
            module: module_ref(&module),
            undated,
        })
    }

    /// Endorses, suspends, restores or cancels a permit, as the module's
    /// endorsement answer on `legal_date` directs. The answer is computed
    /// from the permit as read inside the store's write transaction, so a
    /// transition racing this one is decided on what this one left (and
    /// the other way round), never on a permit both read before either wrote.
    pub fn act(
        &self,
        actor: &str,
        number: &str,
        action: Transition,
        legal_date: Option<String>,
    ) -> Result<PermitRecord, ServiceError> {
        let set = self.modules.snapshot();
        // The date is read before the write; the jurisdiction (for the
        // default date, today in its zone) never changes once issued.
        let jurisdiction = self.permit(number)?.jurisdiction;
        let (_, date) = Self::module_for(&set, &jurisdiction, legal_date.as_deref())?;
        let permit = lifecycle::transition_with(&mut self.store(), actor, number, action, date, |permit| {
            let (module, _) = Self::module_for(&set, &permit.jurisdiction, Some(&date.to_string()))?;
            let legal_date = date.to_string();
            let answer = self.observe(
                &module,
                "endorsement",
                module.endorsement(&permit.to_contract(), permit.facts_on(&legal_date), &legal_date),
            )?;
            Ok::<_, ServiceError>((input(answer)?, module_ref(&module)))
        })?;
        // Suspending or cancelling deleted its points with the transition.
        self.record_points_of(&permit);
        Ok(permit)
    }

    /// Endorses a permit on the holder's facts as of the endorsement (the
    /// annual endorsement is a fresh check that the holder still meets the
    /// conditions), and records them with it as a dated fact set. The facts
    /// must be the holder's (same citizen ID) in the permit's jurisdiction;
    /// the module checks the rest. A refused endorsement records nothing.
    pub fn endorse_on_facts(
        &self,
        actor: &str,
        number: &str,
        legal_date: Option<String>,
        facts: Application,
    ) -> Result<PermitRecord, ServiceError> {
        let set = self.modules.snapshot();
        let held = self.permit(number)?;
        if facts.jurisdiction != held.jurisdiction {
            return Err(ServiceError::bad(
                "facts.jurisdiction",
                format!(
                    "permit {number} is of jurisdiction {}; the facts name {}: give the holder's facts in the permit's jurisdiction",
                    held.jurisdiction, facts.jurisdiction
                ),
            ));
        }
        if facts.identity.citizen_id != held.holder_citizen_id {
            return Err(ServiceError::bad(
                "facts.identity.citizen_id",
                format!(
                    "the facts are of another person than permit {number}'s holder ({}); give the holder's own facts",
                    String::from_utf8_lossy(&crate::logging::mask_citizen_ids(held.holder_citizen_id.as_bytes()))
                ),
            ));
        }
        let (_, date) = Self::module_for(&set, &held.jurisdiction, legal_date.as_deref())?;
        let permit = lifecycle::endorse_on_facts(&mut self.store(), actor, number, date, &facts, |permit| {
            let (module, _) = Self::module_for(&set, &permit.jurisdiction, Some(&date.to_string()))?;
            let answer = self.observe(
                &module,
                "endorsement",
                module.endorsement(&permit.to_contract(), &facts, &date.to_string()),
            )?;
            Ok::<_, ServiceError>((input(answer)?, module_ref(&module)))
        })?;
        self.record_points_of(&permit);
        Ok(permit)
    }

    /// A holder's services and points on `legal_date`.
    pub fn benefits(&self, number: &str, legal_date: Option<String>) -> Result<Benefits, ServiceError> {
        let permit = self.permit(number)?;
        let set = self.modules.snapshot();
        let (module, date) = Self::module_for(&set, &permit.jurisdiction, legal_date.as_deref())?;
        let legal_date = date.to_string();
        let contract = permit.to_contract();
        let facts = permit.facts_on(&legal_date);
        let services = self.observe(&module, "services", module.services(&contract, facts, &legal_date))?;
        let points = self.observe(&module, "points", module.points(Some(&contract), facts, &legal_date))?;
        Ok(Benefits {
            permit: permit.number,
            legal_date,
            services: input(services)?,
            points: input(points)?,
            module: module_ref(&module),
        })
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

    /// The module that decides `division` on `legal_date` (default: today in
    /// its time zone), with its clause table.
    pub fn module_details(&self, division: &str, legal_date: Option<String>) -> Result<ModuleDetails, ServiceError> {
        Division::parse(division).map_err(|e| ServiceError::bad("division", e.to_string()))?;
        let set = self.modules.snapshot();
        let (module, date) = Self::module_for(&set, division, legal_date.as_deref())?;
        let info = module.info();
        Ok(ModuleDetails {
            division: division.to_string(),
            legal_date: date,
            module: module_ref(&module),
            name: info.jurisdiction_name.clone(),
            contract_version: info.contract_version.clone(),
            time_zone: info.time_zone.clone(),
            tiers: info.tiers.clone(),
            documents: info.documents.clone(),
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
