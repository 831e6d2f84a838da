//! The records the store keeps (applications, decisions, permits) and how
//! each maps to and from its rows. Only this crate writes them, inside the
//! lifecycle's transactions.

use serde::Serialize;

use juzhu_domain::{ModuleRef, PermitState, Transition};
use juzhu_runtime::contract::types::{Application, Decision, Outcome, Permit, PermitTier};

use crate::db::{Db, DbError};
use crate::{StoreError, Write, params};

/// A submitted application as stored.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationRecord {
    pub id: i64,
    pub jurisdiction: String,
    pub legal_date: String,
    pub facts: Application,
    /// Undated flags the stored facts set to `true` before contract 1.1
    /// dated them (see [`UNDATED_FLAGS`]); empty for facts stored since.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub undated: Vec<String>,
    pub input_sha256: String,
    pub received_at: String,
}

/// A recorded decision.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionRecord {
    pub id: i64,
    pub application_id: i64,
    pub outcome: Outcome,
    pub tier: Option<PermitTier>,
    pub decision: Decision,
    pub module: ModuleRef,
    pub legal_date: String,
    pub decided_at: String,
}

/// A permit and where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct PermitRecord {
    pub number: String,
    pub jurisdiction: String,
    pub tier: PermitTier,
    pub state: PermitState,
    pub issued_on: String,
    pub holder_citizen_id: String,
    /// The holder's facts the module reads for endorsement and benefits.
    pub facts: Application,
    /// Undated flags these facts set to `true` before contract 1.1 (see
    /// [`UNDATED_FLAGS`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub undated: Vec<String>,
    pub decision_id: i64,
    pub suspended_since: Option<String>,
    pub cancelled_on: Option<String>,
    /// Every endorsement date, oldest first.
    pub endorsements: Vec<String>,
    /// The holder's facts as given at endorsements, oldest first: each is
    /// what the holder's facts were from its date on (see [`Self::facts_on`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fact_sets: Vec<FactSet>,
    /// The last transition and its legal date (none yet: only issued). A
    /// transition may not be dated before it.
    pub last_transition: Option<LastTransition>,
    pub updated_at: String,
}

/// The holder's facts as recorded with an endorsement on `as_of`.
#[derive(Debug, Clone, Serialize)]
pub struct FactSet {
    pub as_of: String,
    pub facts: Application,
    /// Undated flags these facts set to `true` before contract 1.1 (see
    /// [`UNDATED_FLAGS`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub undated: Vec<String>,
}

/// A permit's last transition: what it was and its legal date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastTransition {
    pub transition: Transition,
    pub legal_date: String,
}

impl PermitRecord {
    /// The holder's facts as known on `legal_date` (ISO): the newest fact set
    /// recorded on or before it, else the facts the permit was issued on. A
    /// fact set recorded later is not read, so a decision on a past date
    /// reads only what was on record that day.
    pub fn facts_on(&self, legal_date: &str) -> &Application {
        self.fact_sets.iter().rev().find(|f| f.as_of.as_str() <= legal_date).map_or(&self.facts, |f| &f.facts)
    }

    /// The undated pre-1.1 flags of the fact set [`Self::facts_on`] reads
    /// on `legal_date` (empty for facts stored since contract 1.1).
    pub fn undated_on(&self, legal_date: &str) -> &[String] {
        self.fact_sets.iter().rev().find(|f| f.as_of.as_str() <= legal_date).map_or(&self.undated, |f| &f.undated)
    }

    /// The permit as the contract passes it to a module.
    pub fn to_contract(&self) -> Permit {
        Permit {
            number: self.number.clone(),
            jurisdiction: self.jurisdiction.clone(),
            tier: self.tier,
            issued_on: self.issued_on.clone(),
            endorsements: self.endorsements.clone(),
        }
    }
}

/// Wall-clock time for `received_at`, `decided_at` and audit entries.
pub fn now() -> String {
    jiff::Timestamp::now().to_string()
}

pub(crate) fn corrupt(what: impl Into<String>, detail: impl ToString) -> StoreError {
    StoreError::Corrupt { what: what.into(), detail: detail.to_string() }
}

pub fn outcome_str(o: Outcome) -> &'static str {
    match o {
        Outcome::Eligible => "eligible",
        Outcome::Ineligible => "ineligible",
        Outcome::Incomplete => "incomplete",
    }
}

fn parse_outcome(s: &str) -> Result<Outcome, StoreError> {
    match s {
        "eligible" => Ok(Outcome::Eligible),
        "ineligible" => Ok(Outcome::Ineligible),
        "incomplete" => Ok(Outcome::Incomplete),
        other => Err(corrupt("decision outcome", format!("unknown outcome `{other}`"))),
    }
}

pub fn tier_str(t: PermitTier) -> &'static str {
    match t {
        PermitTier::Standard => "standard",
        PermitTier::Temporary => "temporary",
    }
}

fn parse_tier(s: &str) -> Result<PermitTier, StoreError> {
    match s {
        "standard" => Ok(PermitTier::Standard),
        "temporary" => Ok(PermitTier::Temporary),
        other => Err(corrupt("permit tier", format!("unknown tier `{other}`"))),
    }
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(what, e))
}

/// Facts as stored, read into contract 1.1. Facts stored before 1.1 split
/// aquaculture in two may carry 1.0's employment kind `Fishery` ("a state
/// licence or collective contract"); it is read as `FisheryLicence`, the
/// kind whose material 1.0 named (its `fishery-licence`). The row itself is
/// never rewritten, so its audit commitment still verifies.
///
/// Facts stored before contract 1.1 may carry the undated flags 1.1 replaced
/// by dated `events` ([`UNDATED_FLAGS`]). A flag stored `false` or `null`
/// says nothing an event list could hold (no event is on record either way)
/// and is dropped. A flag stored `true` cannot become an event: it never had
/// a date, and inventing one (the legal date, the issue date) would make a
/// module decide on a day the record does not show. So the facts read
/// without it (a module sees no such event) and the record names it in its
/// `undated` list, for display and for a clerk to record the event with its
/// date. Nothing is lost and the stored row is never rewritten.
///
/// An address change stored under 1.0 may carry the caller's `in_time` flag;
/// 1.1 has none (the module decides from the dates), so it is not read.
fn facts_from_json(what: &str, text: &str) -> Result<(Application, Vec<String>), StoreError> {
    let mut json: serde_json::Value = from_json(what, text)?;
    let mut undated = Vec::new();
    for path in UNDATED_FLAGS {
        let (parent, key) = path.rsplit_once('.').map_or(("", path), |(p, k)| (p, k));
        let holder = if parent.is_empty() { Some(&mut json) } else { json.get_mut(parent) };
        if let Some(old) = holder.and_then(|h| h.as_object_mut()).and_then(|h| h.remove(key))
            && old == serde_json::Value::Bool(true)
        {
            undated.push(path.to_string());
        }
    }
    if let Some(jobs) = json.get_mut("employment").and_then(|e| e.as_array_mut()) {
        for job in jobs.iter_mut().filter(|j| j["kind"] == "Fishery") {
            job["kind"] = "FisheryLicence".into();
        }
    }
    let facts = serde_json::from_value(json).map_err(|e| corrupt(what, e))?;
    Ok((facts, undated))
}

/// The undated flags of contract 1.0's facts that 1.1 replaced by dated
/// `events` (`ConvertedToLocalHukou`, `FalseMaterials`), as paths into the
/// stored JSON.
pub const UNDATED_FLAGS: [&str; 2] = ["converted_to_local_hukou", "points.false_materials"];

pub(crate) fn to_json<T: Serialize>(v: &T) -> String {
    // The contract types are plain records and enums: serialization cannot fail.
    serde_json::to_string(v).expect("contract types serialize to JSON")
}

// ---- rows -----------------------------------------------------------------

pub(crate) fn insert_application(
    tx: &Write<'_>,
    jurisdiction: &str,
    legal_date: &str,
    facts: &Application,
    input_sha256: &str,
) -> Result<i64, DbError> {
    tx.query_one(
        "INSERT INTO applications (jurisdiction, legal_date, facts, input_sha256, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        params![jurisdiction, legal_date, to_json(facts), input_sha256, now()],
    )?
    .int(0)
}

pub(crate) fn insert_decision(
    tx: &Write<'_>,
    application_id: i64,
    decision: &Decision,
    module: &ModuleRef,
    legal_date: &str,
) -> Result<i64, DbError> {
    tx.query_one(
        "INSERT INTO decisions (application_id, outcome, tier, decision, module_id, module_version,
                                module_sha256, legal_date, decided_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
        params![
            application_id,
            outcome_str(decision.outcome),
            decision.tier.map(tier_str),
            to_json(decision),
            &module.id,
            &module.version,
            &module.sha256,
            legal_date,
            now()
        ],
    )?
    .int(0)
}

/// Takes the next serial for (jurisdiction, year) inside the issuing
/// transaction: a rolled-back issue does not consume a number.
pub(crate) fn next_permit_serial(tx: &Write<'_>, jurisdiction: &str, year: i32) -> Result<i64, DbError> {
    tx.query_one(
        "INSERT INTO permit_serials (jurisdiction, year, last_serial) VALUES (?1, ?2, 1)
         ON CONFLICT (jurisdiction, year) DO UPDATE SET last_serial = permit_serials.last_serial + 1
         RETURNING last_serial",
        params![jurisdiction, year],
    )?
    .int(0)
}

pub(crate) struct NewPermit<'a> {
    pub number: &'a str,
    pub jurisdiction: &'a str,
    pub tier: PermitTier,
    pub issued_on: &'a str,
    pub holder_citizen_id: &'a str,
    pub facts: &'a Application,
    pub decision_id: i64,
}

pub(crate) fn insert_permit(tx: &Write<'_>, p: &NewPermit<'_>) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO permits (number, jurisdiction, tier, state, issued_on, holder_citizen_id,
                              facts, decision_id, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            p.number,
            p.jurisdiction,
            tier_str(p.tier),
            PermitState::Active.as_str(),
            p.issued_on,
            p.holder_citizen_id,
            to_json(p.facts),
            p.decision_id,
            now()
        ],
    )?;
    Ok(())
}

fn one_row(n: u64, what: &str) -> Result<(), DbError> {
    if n != 1 {
        return Err(DbError::Shape(format!("{what} changed {n} rows, expected 1")));
    }
    Ok(())
}

/// Moves a permit to `state`, recording the day it was suspended or
/// cancelled (restoring clears the suspension day).
pub(crate) fn set_permit_state(
    tx: &Write<'_>,
    number: &str,
    state: PermitState,
    on: Option<&str>,
) -> Result<(), DbError> {
    let n = match state {
        PermitState::Active => tx.execute(
            "UPDATE permits SET state = ?2, suspended_since = NULL, updated_at = ?3 WHERE number = ?1",
            params![number, state.as_str(), now()],
        )?,
        PermitState::Suspended => tx.execute(
            "UPDATE permits SET state = ?2, suspended_since = ?3, updated_at = ?4 WHERE number = ?1",
            params![number, state.as_str(), on, now()],
        )?,
        PermitState::Cancelled => tx.execute(
            "UPDATE permits SET state = ?2, cancelled_on = ?3, updated_at = ?4 WHERE number = ?1",
            params![number, state.as_str(), on, now()],
        )?,
    };
    one_row(n, "setting a permit's state")?;
    if state != PermitState::Active {
        // Out of use: no standing in a ranking (see points.rs).
        crate::points::forget(tx, number)?;
    }
    Ok(())
}

/// Records `t` on `on` as the permit's last transition.
pub(crate) fn set_last_transition(tx: &Write<'_>, number: &str, t: Transition, on: &str) -> Result<(), DbError> {
    let n = tx.execute(
        "UPDATE permits SET last_transition = ?2, last_transition_on = ?3 WHERE number = ?1",
        params![number, t.as_str(), on],
    )?;
    one_row(n, "recording a permit's last transition")
}

/// Records an endorsement, with the holder's facts as of it where given.
pub(crate) fn insert_endorsement(
    tx: &Write<'_>,
    number: &str,
    on: &str,
    facts: Option<&Application>,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO endorsements (permit_number, endorsed_on, facts) VALUES (?1, ?2, ?3)",
        params![number, on, facts.map(to_json)],
    )?;
    tx.execute("UPDATE permits SET updated_at = ?2 WHERE number = ?1", params![number, now()])?;
    Ok(())
}

pub(crate) fn load_application(db: &impl Db, id: i64) -> Result<Option<ApplicationRecord>, StoreError> {
    let Some(r) = db.query_opt(
        "SELECT id, jurisdiction, legal_date, facts, input_sha256, received_at FROM applications WHERE id = ?1",
        params![id],
    )?
    else {
        return Ok(None);
    };
    let id = r.int(0)?;
    let (facts, undated) = facts_from_json(&format!("facts of application {id}"), &r.text(3)?)?;
    Ok(Some(ApplicationRecord {
        id,
        jurisdiction: r.text(1)?,
        legal_date: r.text(2)?,
        facts,
        undated,
        input_sha256: r.text(4)?,
        received_at: r.text(5)?,
    }))
}

pub(crate) fn load_decision(db: &impl Db, id: i64) -> Result<Option<DecisionRecord>, StoreError> {
    let Some(r) = db.query_opt(
        "SELECT id, application_id, outcome, tier, decision, module_id, module_version,
                module_sha256, legal_date, decided_at
         FROM decisions WHERE id = ?1",
        params![id],
    )?
    else {
        return Ok(None);
    };
    let id = r.int(0)?;
    Ok(Some(DecisionRecord {
        id,
        application_id: r.int(1)?,
        outcome: parse_outcome(&r.text(2)?)?,
        tier: r.opt_text(3)?.as_deref().map(parse_tier).transpose()?,
        decision: from_json(&format!("decision {id}"), &r.text(4)?)?,
        module: ModuleRef { id: r.text(5)?, version: r.text(6)?, sha256: r.text(7)? },
        legal_date: r.text(8)?,
        decided_at: r.text(9)?,
    }))
}

pub(crate) fn permit_for_decision(db: &impl Db, decision_id: i64) -> Result<Option<PermitRecord>, StoreError> {
    match db.query_opt("SELECT number FROM permits WHERE decision_id = ?1", params![decision_id])? {
        Some(r) => load_permit(db, &r.text(0)?),
        None => Ok(None),
    }
}

pub(crate) fn load_permit(db: &impl Db, number: &str) -> Result<Option<PermitRecord>, StoreError> {
    let Some(r) = db.query_opt(
        "SELECT number, jurisdiction, tier, state, issued_on, holder_citizen_id, facts,
                decision_id, suspended_since, cancelled_on, updated_at,
                last_transition, last_transition_on
         FROM permits WHERE number = ?1",
        params![number],
    )?
    else {
        return Ok(None);
    };
    let number = r.text(0)?;
    let tier = r.text(2)?;
    let state = r.text(3)?;
    let rows = db.query(
        "SELECT endorsed_on, facts FROM endorsements WHERE permit_number = ?1 ORDER BY endorsed_on",
        params![&number],
    )?;
    let mut endorsements = Vec::with_capacity(rows.len());
    let mut fact_sets = Vec::new();
    for e in &rows {
        let on = e.text(0)?;
        if let Some(facts) = e.opt_text(1)? {
            let (facts, undated) = facts_from_json(&format!("facts of permit {number} endorsed on {on}"), &facts)?;
            fact_sets.push(FactSet { as_of: on.clone(), facts, undated });
        }
        endorsements.push(on);
    }
    let last_transition = match (r.opt_text(11)?, r.opt_text(12)?) {
        (Some(t), Some(legal_date)) => Some(LastTransition {
            transition: Transition::parse(&t)
                .ok_or_else(|| corrupt(format!("last transition of permit {number}"), format!("unknown `{t}`")))?,
            legal_date,
        }),
        _ => None,
    };
    let (facts, undated) = facts_from_json(&format!("facts of permit {number}"), &r.text(6)?)?;
    Ok(Some(PermitRecord {
        last_transition,
        undated,
        tier: parse_tier(&tier)?,
        state: PermitState::parse(&state)
            .ok_or_else(|| corrupt(format!("state of permit {number}"), format!("unknown state `{state}`")))?,
        facts,
        jurisdiction: r.text(1)?,
        issued_on: r.text(4)?,
        holder_citizen_id: r.text(5)?,
        decision_id: r.int(7)?,
        suspended_since: r.opt_text(8)?,
        cancelled_on: r.opt_text(9)?,
        endorsements,
        fact_sets,
        updated_at: r.text(10)?,
        number,
    }))
}
