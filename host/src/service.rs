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

fn module_ref(module: &LoadedModule) -> ModuleRef {
    ModuleRef { id: module.info().id.clone(), version: module.info().version.clone(), sha256: module.sha256().to_string() }
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

    /// The module in force for `division` in this request's snapshot.
    fn module_for(set: &Arc<ModuleSet>, division: &str) -> Result<Arc<LoadedModule>, ServiceError> {
        set.for_division(division).cloned().ok_or_else(|| ServiceError::UnknownJurisdiction(division.to_string()))
    }

    /// The legal date given, or today in the module's time zone.
    fn legal_date(module: &LoadedModule, given: Option<String>) -> Result<String, ServiceError> {
        match given {
            Some(date) => Ok(date),
            None => {
                let zone = jiff::tz::TimeZone::get(&module.info().time_zone).map_err(|e| {
                    ServiceError::bad("legal_date", format!("module {} names time zone `{}`: {e}; give legal_date explicitly", module.label(), module.info().time_zone))
                })?;
                Ok(jiff::Timestamp::now().to_zoned(zone).date().to_string())
            }
        }
    }

    /// Checks what the host checks before any module runs: the jurisdiction
    /// code and the citizen ID number. Dates and periods are checked by the
    /// SDK inside the module, which refuses them with the field's path.
    fn check_identity(application: &Application) -> Result<(), ServiceError> {
        let j = &application.jurisdiction;
        if j.len() != 6 || !j.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ServiceError::bad("application.jurisdiction", format!("`{j}` is not a GB/T 2260 division code; expected six digits, e.g. 330105")));
        }
        juzhu_sdk::citizen_id::check(&application.identity.citizen_id)
            .map_err(|m| ServiceError::bad("application.identity.citizen_id", m))
    }

    /// Decides an application without recording anything (a what-if).
    pub fn evaluate(&self, application: &Application, legal_date: Option<String>) -> Result<Evaluation, ServiceError> {
        Self::check_identity(application)?;
        let set = self.modules.snapshot();
        let module = Self::module_for(&set, &application.jurisdiction)?;
        let legal_date = Self::legal_date(&module, legal_date)?;
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
    pub fn submit(&self, actor: &str, application: &Application, legal_date: Option<String>) -> Result<Receipt, ServiceError> {
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
    pub fn issue(&self, actor: &str, decision_id: i64, issued_on: Option<String>) -> Result<PermitRecord, ServiceError> {
        let issued_on = match issued_on {
            Some(d) => d,
            None => {
                let decision = self.store().decision(decision_id)?.ok_or_else(|| ServiceError::NotFound(format!("decision {decision_id} does not exist")))?;
                let set = self.modules.snapshot();
                let jurisdiction = self.store().application(decision.application_id)?.map(|a| a.jurisdiction).unwrap_or_default();
                let module = Self::module_for(&set, &jurisdiction)?;
                Self::legal_date(&module, None)?
            }
        };
        Ok(lifecycle::issue(&mut self.store(), actor, decision_id, &issued_on)?)
    }

    fn permit(&self, number: &str) -> Result<PermitRecord, ServiceError> {
        self.store().permit(number)?.ok_or_else(|| ServiceError::NotFound(format!("permit {number} does not exist")))
    }

    /// Where a permit stands in its endorsement cycle, as its module says.
    pub fn endorsement_status(&self, number: &str, legal_date: Option<String>) -> Result<(EndorsementAnswer, ModuleRef, String), ServiceError> {
        let permit = self.permit(number)?;
        let set = self.modules.snapshot();
        let module = Self::module_for(&set, &permit.jurisdiction)?;
        let legal_date = Self::legal_date(&module, legal_date)?;
        let answer = self.observe(&module, "endorsement", module.endorsement(&permit.to_contract(), &permit.facts, &legal_date))?;
        Ok((input(answer)?, module_ref(&module), legal_date))
    }

    /// Endorses, suspends, restores or cancels a permit, as the module's
    /// endorsement answer on `legal_date` directs.
    pub fn act(&self, actor: &str, number: &str, action: PermitAction, legal_date: Option<String>) -> Result<PermitRecord, ServiceError> {
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
        let module = Self::module_for(&set, &permit.jurisdiction)?;
        let legal_date = Self::legal_date(&module, legal_date)?;
        let contract = permit.to_contract();
        let services = self.observe(&module, "services", module.services(&contract, &permit.facts, &legal_date))?;
        let points = self.observe(&module, "points", module.points(Some(&contract), &permit.facts, &legal_date))?;
        Ok(Benefits { permit: permit.number, legal_date, services: input(services)?, points: input(points)?, module: module_ref(&module) })
    }

    /// Ranks applicants for `places` of a limited service (e.g. 积分入学) by
    /// the points their jurisdiction's module gives them.
    pub fn rank(&self, applicants: &[Applicant], places: usize, legal_date: Option<String>) -> Result<Ranking, ServiceError> {
        let Some(first) = applicants.first() else {
            return Err(ServiceError::bad("applicants", "is empty; give at least one applicant"));
        };
        let set = self.modules.snapshot();
        let module = Self::module_for(&set, &first.facts.jurisdiction)?;
        let legal_date = Self::legal_date(&module, legal_date)?;
        let mut seen = std::collections::HashSet::with_capacity(applicants.len());
        for (i, a) in applicants.iter().enumerate() {
            if !seen.insert(a.id.as_str()) {
                return Err(ServiceError::bad(&format!("applicants[{i}].id"), format!("`{}` appears twice; ids must be unique", a.id)));
            }
            let theirs = Self::module_for(&set, &a.facts.jurisdiction)?;
            if !Arc::ptr_eq(&theirs, &module) {
                return Err(ServiceError::bad(
                    &format!("applicants[{i}].facts.jurisdiction"),
                    format!("is decided by {}, but applicants[0] by {}; one ranking is for one jurisdiction's service", theirs.label(), module.label()),
                ));
            }
        }
        let mut ranking = Vec::with_capacity(applicants.len());
        for (i, (a, answer)) in applicants.iter().zip(self.points_of_all(&module, applicants, &legal_date)?).enumerate() {
            let breakdown = answer.map_err(|e| ServiceError::bad(&format!("applicants[{i}].{}", e.field), e.message))?;
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
                            answers.extend(self.observe(module, "points", module.points_batch(batch.iter().map(|a| &a.facts), legal_date))?);
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
        self.store().audit_entries(after_seq, limit.min(1000)).map_err(|e| ServiceError::Store(StoreError::Corrupt { what: "audit log".into(), detail: e.to_string() }))
    }

    /// Starts writing a permit onto a card: checks the request and records
    /// the issuance as `pending`. [`Service::card_run`] then drives it.
    pub fn card_start(&self, actor: &str, number: &str, kind: crate::issuance::Kind, encoder: &str, legal_date: Option<String>) -> Result<crate::issuance::Issuance, ServiceError> {
        use crate::issuance::{CardError, Kind, journal};
        self.cards.check_encoder(encoder)?;
        self.cards.check_authority()?;
        let permit = self.permit(number)?;
        if permit.state == crate::lifecycle::PermitState::Cancelled {
            return Err(CardError::NotAllowed(format!("permit {number} is cancelled; a cancelled permit gets no card")).into());
        }
        let set = self.modules.snapshot();
        let module = Self::module_for(&set, &permit.jurisdiction)?;
        let legal_date = Self::legal_date(&module, legal_date)?;
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
                return Err(CardError::NotAllowed(format!("permit {number} already has card {}; replace a lost card with a reissue", card.serial)).into());
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
    pub fn card_run(&self, actor: &str, id: i64, progress: &dyn Fn(&crate::issuance::Issuance)) -> Result<crate::issuance::Issuance, ServiceError> {
        use crate::issuance::{CardError, journal};
        let row = journal::load(&self.store(), id)?.ok_or_else(|| ServiceError::NotFound(format!("card issuance {id} does not exist")))?;
        let permit = self.permit(&row.permit_number)?;
        let set = self.modules.snapshot();
        let module = Self::module_for(&set, &permit.jurisdiction)?;
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
        crate::issuance::journal::load(&self.store(), id)?.ok_or_else(|| ServiceError::NotFound(format!("card issuance {id} does not exist")))
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
