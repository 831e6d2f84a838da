//! The permit lifecycle: submit → issue → endorse / suspend / restore /
//! cancel, as a persisted state machine over the [`Store`].
//!
//! This layer never calls a module. The caller evaluates the module and
//! passes its answer (a [`Decision`] or an [`EndorsementAnswer`]) with the
//! [`ModuleRef`] that produced it; each operation checks that the answer
//! directs the change asked for, then commits the change and its audit entry
//! in one transaction. Any rejection happens before the commit, so a
//! rejected request writes nothing.
//!
//! Permit numbers are `<division>-<year>-<serial>`, e.g.
//! `330105-2017-000001`: the application's six-digit division, the year of
//! the issue date, and a six-digit serial counted per division and year,
//! starting at 1, taken in the issuing transaction (gap-free).

use juzhu_domain::{DateError, Division, LegalDate};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate as store;
use crate::{NewPermit, PermitRecord, Store, StoreError, audit, outcome_str, tier_str};
use juzhu_runtime::contract::types::{
    Application, Decision, EndorsementAnswer, EndorsementStatus, Outcome, PermitTier,
};

pub use juzhu_domain::{ModuleRef, PermitState, Transition};

/// Why a lifecycle operation was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error(transparent)]
    InvalidDate(#[from] DateError),
    #[error("jurisdiction `{0}` is not a six-digit GB/T 2260 division code")]
    InvalidJurisdiction(String),
    #[error("module sha256 `{0}` is not 64 lowercase hex digits")]
    InvalidModuleDigest(String),
    #[error(
        "module {module} returned an eligible decision with no tier; an eligible decision must name the tier granted"
    )]
    EligibleWithoutTier { module: String },
    #[error("decision {0} does not exist")]
    DecisionNotFound(i64),
    #[error("decision {decision_id} is {outcome}; a permit is issued only from an eligible decision")]
    NotEligible { decision_id: i64, outcome: &'static str },
    #[error("decision {decision_id} already has permit {number}; a decision issues one permit")]
    AlreadyIssued { decision_id: i64, number: String },
    #[error("cannot issue on {issued_on}: decision {decision_id} was decided for {legal_date}")]
    IssuedBeforeDecision { decision_id: i64, issued_on: String, legal_date: String },
    #[error("jurisdiction {jurisdiction} has used every permit serial for {year}")]
    SerialsExhausted { jurisdiction: String, year: i16 },
    #[error("permit {0} does not exist")]
    PermitNotFound(String),
    #[error("{}", illegal_message(number, *state, *attempted))]
    IllegalTransition { number: String, state: PermitState, attempted: Transition },
    #[error("cannot {attempted} permit {number} on {legal_date}: it was issued on {issued_on}")]
    BeforeIssue { number: String, attempted: Transition, legal_date: String, issued_on: String },
    #[error(
        "cannot {attempted} permit {number}: the module's endorsement answer ({status}) does not direct it; {rule}"
    )]
    NotDirected { number: String, attempted: Transition, status: String, rule: String },
    #[error("permit {number} is already endorsed on {date}")]
    AlreadyEndorsed { number: String, date: String },
    #[error("cannot endorse permit {number} on {date}: it was last endorsed later, on {latest}")]
    EndorsementOutOfOrder { number: String, date: String, latest: String },
    #[error(
        "cannot {attempted} permit {number} on {legal_date}: its last transition was {last} on {last_on}; \
         a transition may not be dated before the permit's last one (a replayed or backdated request?)"
    )]
    Stale { number: String, attempted: Transition, legal_date: String, last: Transition, last_on: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::DbError> for LifecycleError {
    fn from(e: crate::DbError) -> Self {
        LifecycleError::Store(StoreError::Sql(e))
    }
}

impl LifecycleError {
    /// The transitions allowed from the permit's current state, for an
    /// illegal-transition error (an API turns this into a machine-readable list).
    pub fn allowed(&self) -> Option<&'static [Transition]> {
        match self {
            LifecycleError::IllegalTransition { state, .. } => Some(state.allowed()),
            _ => None,
        }
    }
}

fn illegal_message(number: &str, state: PermitState, attempted: Transition) -> String {
    let allowed = state.allowed();
    if allowed.is_empty() {
        format!("cannot {attempted} permit {number}: it is {state}; nothing is allowed from {state}")
    } else {
        let list: Vec<&str> = allowed.iter().map(|t| t.as_str()).collect();
        format!("cannot {attempted} permit {number}: it is {state}; allowed from {state}: {}", list.join(", "))
    }
}

/// What a submission records.
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    pub application: &'a Application,
    pub legal_date: LegalDate,
    /// The module's decision for `application` on `legal_date`.
    pub decision: &'a Decision,
    pub module: &'a ModuleRef,
}

/// What the applicant is given for a recorded decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Receipt {
    pub application_id: i64,
    pub decision_id: i64,
    pub outcome: Outcome,
    pub tier: Option<PermitTier>,
    pub module: ModuleRef,
    pub legal_date: String,
    /// [`input_sha256`] of the application and legal date.
    pub input_sha256: String,
    /// The audit entry that records the decision.
    pub audit_seq: i64,
}

/// The hash a receipt quotes: sha256 of the canonical JSON (sorted keys,
/// compact) of `{"application": …, "legal_date": …}`, exactly what the module
/// was given, so anyone holding the input can check the receipt.
pub fn input_sha256(application: &Application, legal_date: &str) -> String {
    let input = json!({ "application": application, "legal_date": legal_date });
    hex::encode(Sha256::digest(audit::canonical_json(&input).as_bytes()))
}

fn check_module(module: &ModuleRef) -> Result<(), LifecycleError> {
    if module.has_valid_digest() { Ok(()) } else { Err(LifecycleError::InvalidModuleDigest(module.sha256.clone())) }
}

/// A date the store wrote; only a damaged database holds a bad one.
fn stored_date(what: &str, text: &str) -> Result<LegalDate, StoreError> {
    juzhu_domain::parse_legal_date("stored date", text)
        .map_err(|e| StoreError::Corrupt { what: what.to_string(), detail: e.to_string() })
}

/// Records an application and the module's decision on it, with an audit
/// entry, in one transaction.
pub fn submit(store: &mut Store, actor: &str, s: Submission<'_>) -> Result<Receipt, LifecycleError> {
    let jurisdiction = &s.application.jurisdiction;
    Division::parse(jurisdiction).map_err(|_| LifecycleError::InvalidJurisdiction(jurisdiction.clone()))?;
    let legal_date = s.legal_date.to_string();
    check_module(s.module)?;
    if s.decision.outcome == Outcome::Eligible && s.decision.tier.is_none() {
        return Err(LifecycleError::EligibleWithoutTier { module: format!("{} {}", s.module.id, s.module.version) });
    }
    let input_sha256 = input_sha256(s.application, &legal_date);

    let tx = store.write()?;
    let application_id = store::insert_application(&tx, jurisdiction, &legal_date, s.application, &input_sha256)?;
    let decision_id = store::insert_decision(&tx, application_id, s.decision, s.module, &legal_date)?;
    let entry = audit::append(
        &tx,
        actor,
        "decision.submit",
        &format!("decision:{decision_id}"),
        &json!({
            "application_id": application_id,
            "jurisdiction": jurisdiction,
            "legal_date": legal_date,
            "input_sha256": input_sha256,
            "outcome": outcome_str(s.decision.outcome),
            "tier": s.decision.tier.map(tier_str),
            "module": s.module,
        }),
    )?;
    tx.commit()?;
    Ok(Receipt {
        application_id,
        decision_id,
        outcome: s.decision.outcome,
        tier: s.decision.tier,
        module: s.module.clone(),
        legal_date,
        input_sha256,
        audit_seq: entry.seq,
    })
}

/// Issues the permit an eligible decision grants, active from `issued_on`.
pub fn issue(
    store: &mut Store,
    actor: &str,
    decision_id: i64,
    issued_on: LegalDate,
) -> Result<PermitRecord, LifecycleError> {
    let year = issued_on.year();
    let tx = store.write()?;
    let decision = store::load_decision(&tx, decision_id)?.ok_or(LifecycleError::DecisionNotFound(decision_id))?;
    if decision.outcome != Outcome::Eligible {
        return Err(LifecycleError::NotEligible { decision_id, outcome: outcome_str(decision.outcome) });
    }
    let Some(tier) = decision.tier else {
        // The schema's CHECK keeps this from being stored; say so if it was.
        return Err(StoreError::Corrupt {
            what: format!("decision {decision_id}"),
            detail: "eligible with no tier".into(),
        }
        .into());
    };
    if let Some(p) = store::permit_for_decision(&tx, decision_id)? {
        return Err(LifecycleError::AlreadyIssued { decision_id, number: p.number });
    }
    if issued_on < stored_date(&format!("decision {decision_id}"), &decision.legal_date)? {
        return Err(LifecycleError::IssuedBeforeDecision {
            decision_id,
            issued_on: issued_on.to_string(),
            legal_date: decision.legal_date,
        });
    }
    let issued_on = &issued_on.to_string();
    let application = store::load_application(&tx, decision.application_id)?.ok_or_else(|| StoreError::Corrupt {
        what: format!("decision {decision_id}"),
        detail: format!("its application {} is missing", decision.application_id),
    })?;
    let serial = store::next_permit_serial(&tx, &application.jurisdiction, year.into())?;
    if serial > 999_999 {
        return Err(LifecycleError::SerialsExhausted { jurisdiction: application.jurisdiction, year });
    }
    let number = format!("{}-{:04}-{:06}", application.jurisdiction, year, serial);
    store::insert_permit(
        &tx,
        &NewPermit {
            number: &number,
            jurisdiction: &application.jurisdiction,
            tier,
            issued_on,
            holder_citizen_id: &application.facts.identity.citizen_id,
            facts: &application.facts,
            decision_id,
        },
    )?;
    audit::append(
        &tx,
        actor,
        "permit.issue",
        &format!("permit:{number}"),
        &json!({
            "decision_id": decision_id,
            "tier": tier_str(tier),
            "issued_on": issued_on,
            "state": PermitState::Active,
            "module": decision.module,
        }),
    )?;
    tx.commit()?;
    loaded(store, &number)
}

/// A short, human description of an endorsement status for error messages.
fn describe(status: &EndorsementStatus) -> String {
    match status {
        EndorsementStatus::NotDue(w) => format!("not due; the next window opens {}", w.opens),
        EndorsementStatus::WindowOpen(w) => format!("window open {} to {}", w.opens, w.closes),
        EndorsementStatus::OverdueSuspended(s) => match &s.restore_by {
            Some(by) => format!("overdue, suspended since {}, restorable until {by}", s.since),
            None => format!("overdue, suspended since {}", s.since),
        },
        EndorsementStatus::ToBeCancelled(c) => {
            format!("to be cancelled since {}: {} ({})", c.since, c.ground.code, c.ground.en)
        }
    }
}

/// Whether `answer` directs `t`; the `Err` is the rule that was not met.
fn directs(t: Transition, answer: &EndorsementAnswer) -> Result<(), String> {
    use EndorsementStatus as S;
    match (t, &answer.status) {
        (Transition::Endorse, _) if answer.endorsement_allowed => Ok(()),
        (Transition::Endorse, _) => {
            let codes: Vec<&str> = answer.reasons.iter().map(|r| r.code.as_str()).collect();
            Err(if codes.is_empty() {
                "an endorsement needs endorsement-allowed to be true".to_string()
            } else {
                format!("an endorsement needs endorsement-allowed to be true (reasons: {})", codes.join(", "))
            })
        }
        (Transition::Suspend, S::OverdueSuspended(_)) => Ok(()),
        (Transition::Suspend, _) => Err("suspend only when the status is overdue-suspended".into()),
        (Transition::Restore, S::NotDue(_) | S::WindowOpen(_)) => Ok(()),
        (Transition::Restore, _) => Err(
            "restore only when the status is not-due or window-open (endorse late first where the module allows it)"
                .into(),
        ),
        (Transition::Cancel, S::ToBeCancelled(_)) => Ok(()),
        (Transition::Cancel, _) => Err("cancel only when the status is to-be-cancelled".into()),
    }
}

/// Moves a permit by `t` on `legal_date`, if the module's endorsement answer
/// directs it:
/// - endorse: `endorsement-allowed` is true;
/// - suspend: the permit is `overdue-suspended`;
/// - restore: it is `not-due` or `window-open` again (after a late endorsement);
/// - cancel: it is `to-be-cancelled`.
///
/// `answer` must have been computed from the permit as it is now; the
/// station uses [`transition_with`], which computes it inside the write.
pub fn transition(
    store: &mut Store,
    actor: &str,
    number: &str,
    t: Transition,
    legal_date: LegalDate,
    answer: &EndorsementAnswer,
    module: &ModuleRef,
) -> Result<PermitRecord, LifecycleError> {
    check_module(module)?;
    transition_with(store, actor, number, t, legal_date, |_| Ok::<_, LifecycleError>((answer.clone(), module.clone())))
}

/// [`transition`], with the module's answer computed by `ask` from the
/// permit as read inside the write transaction, so two racing transitions
/// see each other: the second is decided on the permit the first left, as
/// in some serial order. `ask` runs only when the state machine allows `t`
/// on `legal_date`.
///
/// `legal_date` may not precede the permit's last transition (a replayed or
/// backdated request): that is [`LifecycleError::Stale`].
pub fn transition_with<E: From<LifecycleError>>(
    store: &mut Store,
    actor: &str,
    number: &str,
    t: Transition,
    legal_date: LegalDate,
    ask: impl FnOnce(&PermitRecord) -> Result<(EndorsementAnswer, ModuleRef), E>,
) -> Result<PermitRecord, E> {
    transition_recording(store, actor, number, t, legal_date, None, ask)
}

/// Endorses on `legal_date` on the holder's facts as of that day, and records
/// them with the endorsement: from then on they are the facts the permit's
/// later answers read ([`PermitRecord::facts_on`]). `ask` must decide on
/// `facts`. Nothing is written unless the endorsement is.
pub fn endorse_on_facts<E: From<LifecycleError>>(
    store: &mut Store,
    actor: &str,
    number: &str,
    legal_date: LegalDate,
    facts: &Application,
    ask: impl FnOnce(&PermitRecord) -> Result<(EndorsementAnswer, ModuleRef), E>,
) -> Result<PermitRecord, E> {
    transition_recording(store, actor, number, Transition::Endorse, legal_date, Some(facts), ask)
}

fn transition_recording<E: From<LifecycleError>>(
    store: &mut Store,
    actor: &str,
    number: &str,
    t: Transition,
    legal_date: LegalDate,
    facts: Option<&Application>,
    ask: impl FnOnce(&PermitRecord) -> Result<(EndorsementAnswer, ModuleRef), E>,
) -> Result<PermitRecord, E> {
    let tx = store.write().map_err(LifecycleError::from)?;
    let permit = store::load_permit(&tx, number)
        .map_err(LifecycleError::from)?
        .ok_or_else(|| LifecycleError::PermitNotFound(number.to_string()))?;
    let Some(next) = permit.state.after(t) else {
        return Err(
            LifecycleError::IllegalTransition { number: permit.number, state: permit.state, attempted: t }.into()
        );
    };
    if legal_date < stored_date(&format!("permit {number}"), &permit.issued_on).map_err(LifecycleError::from)? {
        return Err(LifecycleError::BeforeIssue {
            number: permit.number,
            attempted: t,
            legal_date: legal_date.to_string(),
            issued_on: permit.issued_on,
        }
        .into());
    }
    // An endorsement before the last endorsement gets the more specific
    // `EndorsementOutOfOrder`, below.
    if let Some(last) = &permit.last_transition
        && !(t == Transition::Endorse && last.transition == Transition::Endorse)
        && legal_date < stored_date(&format!("permit {number}"), &last.legal_date).map_err(LifecycleError::from)?
    {
        return Err(LifecycleError::Stale {
            number: permit.number.clone(),
            attempted: t,
            legal_date: legal_date.to_string(),
            last: last.transition,
            last_on: last.legal_date.clone(),
        }
        .into());
    }
    let (answer, module) = ask(&permit)?;
    check_module(&module)?;
    Ok(commit_transition(tx, actor, permit, t, next, legal_date, &answer, &module, facts)?)
}

/// The checks on the module's answer and the write, in the transaction `tx`.
#[allow(clippy::too_many_arguments)]
fn commit_transition(
    tx: crate::Write<'_>,
    actor: &str,
    permit: PermitRecord,
    t: Transition,
    next: PermitState,
    legal_date: LegalDate,
    answer: &EndorsementAnswer,
    module: &ModuleRef,
    facts: Option<&Application>,
) -> Result<PermitRecord, LifecycleError> {
    let number = &permit.number.clone();
    let date = legal_date;
    let legal_date = &date.to_string();
    directs(t, answer).map_err(|rule| LifecycleError::NotDirected {
        number: permit.number.clone(),
        attempted: t,
        status: describe(&answer.status),
        rule,
    })?;

    let mut details = json!({
        "legal_date": legal_date,
        "from": permit.state,
        "to": next,
        "module": module,
        "answer": answer,
    });
    match t {
        Transition::Endorse => {
            if let Some(latest) = permit.endorsements.last() {
                let latest_date = stored_date(&format!("permit {number}"), latest)?;
                if latest_date == date {
                    return Err(LifecycleError::AlreadyEndorsed {
                        number: permit.number,
                        date: legal_date.to_string(),
                    });
                }
                if latest_date > date {
                    return Err(LifecycleError::EndorsementOutOfOrder {
                        number: permit.number,
                        date: legal_date.to_string(),
                        latest: latest.clone(),
                    });
                }
            }
            store::insert_endorsement(&tx, number, legal_date, facts)?;
            if facts.is_some() {
                details["facts_recorded"] = Value::Bool(true);
            }
        }
        Transition::Suspend => {
            let EndorsementStatus::OverdueSuspended(s) = &answer.status else { unreachable!("checked by directs") };
            // The module says from when use is suspended; keep its date.
            store::set_permit_state(&tx, number, next, Some(&s.since))?;
        }
        Transition::Restore => store::set_permit_state(&tx, number, next, None)?,
        Transition::Cancel => {
            // The permit is cancelled on the legal date of the transition;
            // the ground keeps its own date (since when it held).
            if let EndorsementStatus::ToBeCancelled(c) = &answer.status {
                details["ground"] = Value::String(c.ground.code.clone());
                details["ground_since"] = Value::String(c.since.clone());
            }
            store::set_permit_state(&tx, number, next, Some(legal_date))?;
        }
    }
    store::set_last_transition(&tx, number, t, legal_date)?;
    audit::append(&tx, actor, &format!("permit.{t}"), &format!("permit:{number}"), &details)?;
    let after = store::load_permit(&tx, number)?;
    tx.commit()?;
    after.ok_or_else(|| LifecycleError::PermitNotFound(number.to_string()))
}

fn loaded(store: &Store, number: &str) -> Result<PermitRecord, LifecycleError> {
    store.permit(number)?.ok_or_else(|| LifecycleError::PermitNotFound(number.to_string()))
}
