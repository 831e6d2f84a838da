//! The records the store keeps (applications, decisions, permits) and how
//! each maps to and from its rows. Only this crate writes them, inside the
//! lifecycle's transactions.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use juzhu_domain::{ModuleRef, PermitState, Transition};
use juzhu_runtime::contract::types::{Application, Decision, Outcome, Permit, PermitTier};

use crate::{StoreError, Write};

/// A submitted application as stored.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationRecord {
    pub id: i64,
    pub jurisdiction: String,
    pub legal_date: String,
    pub facts: Application,
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
    pub decision_id: i64,
    pub suspended_since: Option<String>,
    pub cancelled_on: Option<String>,
    /// Every endorsement date, oldest first.
    pub endorsements: Vec<String>,
    /// The last transition and its legal date (none yet: only issued). A
    /// transition may not be dated before it.
    pub last_transition: Option<LastTransition>,
    pub updated_at: String,
}

/// A permit's last transition: what it was and its legal date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastTransition {
    pub transition: Transition,
    pub legal_date: String,
}

impl PermitRecord {
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
) -> rusqlite::Result<i64> {
    tx.execute(
        "INSERT INTO applications (jurisdiction, legal_date, facts, input_sha256, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![jurisdiction, legal_date, to_json(facts), input_sha256, now()],
    )?;
    Ok(tx.last_insert_rowid())
}

pub(crate) fn insert_decision(
    tx: &Write<'_>,
    application_id: i64,
    decision: &Decision,
    module: &ModuleRef,
    legal_date: &str,
) -> rusqlite::Result<i64> {
    tx.execute(
        "INSERT INTO decisions (application_id, outcome, tier, decision, module_id, module_version,
                                module_sha256, legal_date, decided_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            application_id,
            outcome_str(decision.outcome),
            decision.tier.map(tier_str),
            to_json(decision),
            module.id,
            module.version,
            module.sha256,
            legal_date,
            now()
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Takes the next serial for (jurisdiction, year) inside the issuing
/// transaction: a rolled-back issue does not consume a number.
pub(crate) fn next_permit_serial(tx: &Write<'_>, jurisdiction: &str, year: i32) -> rusqlite::Result<i64> {
    tx.query_row(
        "INSERT INTO permit_serials (jurisdiction, year, last_serial) VALUES (?1, ?2, 1)
         ON CONFLICT (jurisdiction, year) DO UPDATE SET last_serial = last_serial + 1
         RETURNING last_serial",
        params![jurisdiction, year],
        |r| r.get(0),
    )
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

pub(crate) fn insert_permit(tx: &Write<'_>, p: &NewPermit<'_>) -> rusqlite::Result<()> {
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

/// Moves a permit to `state`, recording the day it was suspended or
/// cancelled (restoring clears the suspension day).
pub(crate) fn set_permit_state(
    tx: &Write<'_>,
    number: &str,
    state: PermitState,
    on: Option<&str>,
) -> rusqlite::Result<()> {
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
    if n != 1 {
        return Err(rusqlite::Error::StatementChangedRows(n));
    }
    Ok(())
}

/// Records `t` on `on` as the permit's last transition.
pub(crate) fn set_last_transition(tx: &Write<'_>, number: &str, t: Transition, on: &str) -> rusqlite::Result<()> {
    let n = tx.execute(
        "UPDATE permits SET last_transition = ?2, last_transition_on = ?3 WHERE number = ?1",
        params![number, t.as_str(), on],
    )?;
    if n != 1 {
        return Err(rusqlite::Error::StatementChangedRows(n));
    }
    Ok(())
}

pub(crate) fn insert_endorsement(tx: &Write<'_>, number: &str, on: &str) -> rusqlite::Result<()> {
    tx.execute("INSERT INTO endorsements (permit_number, endorsed_on) VALUES (?1, ?2)", params![number, on])?;
    tx.execute("UPDATE permits SET updated_at = ?2 WHERE number = ?1", params![number, now()])?;
    Ok(())
}

pub(crate) fn load_application(conn: &Connection, id: i64) -> Result<Option<ApplicationRecord>, StoreError> {
    let row = conn
        .query_row(
            "SELECT id, jurisdiction, legal_date, facts, input_sha256, received_at
             FROM applications WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()?;
    let Some((id, jurisdiction, legal_date, facts, input_sha256, received_at)) = row else {
        return Ok(None);
    };
    Ok(Some(ApplicationRecord {
        id,
        jurisdiction,
        legal_date,
        facts: from_json(&format!("facts of application {id}"), &facts)?,
        input_sha256,
        received_at,
    }))
}

pub(crate) fn load_decision(conn: &Connection, id: i64) -> Result<Option<DecisionRecord>, StoreError> {
    let row = conn
        .query_row(
            "SELECT id, application_id, outcome, tier, decision, module_id, module_version,
                    module_sha256, legal_date, decided_at
             FROM decisions WHERE id = ?1",
            [id],
            |r: &Row<'_>| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    ModuleRef { id: r.get(5)?, version: r.get(6)?, sha256: r.get(7)? },
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                ))
            },
        )
        .optional()?;
    let Some((id, application_id, outcome, tier, decision, module, legal_date, decided_at)) = row else {
        return Ok(None);
    };
    Ok(Some(DecisionRecord {
        id,
        application_id,
        outcome: parse_outcome(&outcome)?,
        tier: tier.as_deref().map(parse_tier).transpose()?,
        decision: from_json(&format!("decision {id}"), &decision)?,
        module,
        legal_date,
        decided_at,
    }))
}

pub(crate) fn permit_for_decision(conn: &Connection, decision_id: i64) -> Result<Option<PermitRecord>, StoreError> {
    let number: Option<String> =
        conn.query_row("SELECT number FROM permits WHERE decision_id = ?1", [decision_id], |r| r.get(0)).optional()?;
    match number {
        Some(n) => load_permit(conn, &n),
        None => Ok(None),
    }
}

pub(crate) fn load_permit(conn: &Connection, number: &str) -> Result<Option<PermitRecord>, StoreError> {
    let row = conn
        .query_row(
            "SELECT number, jurisdiction, tier, state, issued_on, holder_citizen_id, facts,
                    decision_id, suspended_since, cancelled_on, updated_at,
                    last_transition, last_transition_on
             FROM permits WHERE number = ?1",
            [number],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, i64>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, Option<String>>(9)?,
                    r.get::<_, String>(10)?,
                    r.get::<_, Option<String>>(11)?,
                    r.get::<_, Option<String>>(12)?,
                ))
            },
        )
        .optional()?;
    let Some((
        number,
        jurisdiction,
        tier,
        state,
        issued_on,
        holder_citizen_id,
        facts,
        decision_id,
        suspended_since,
        cancelled_on,
        updated_at,
        last_transition,
        last_transition_on,
    )) = row
    else {
        return Ok(None);
    };
    let endorsements = conn
        .prepare("SELECT endorsed_on FROM endorsements WHERE permit_number = ?1 ORDER BY endorsed_on")?
        .query_map([&number], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    let last_transition = match (last_transition, last_transition_on) {
        (Some(t), Some(legal_date)) => Some(LastTransition {
            transition: Transition::parse(&t)
                .ok_or_else(|| corrupt(format!("last transition of permit {number}"), format!("unknown `{t}`")))?,
            legal_date,
        }),
        _ => None,
    };
    Ok(Some(PermitRecord {
        last_transition,
        tier: parse_tier(&tier)?,
        state: PermitState::parse(&state)
            .ok_or_else(|| corrupt(format!("state of permit {number}"), format!("unknown state `{state}`")))?,
        facts: from_json(&format!("facts of permit {number}"), &facts)?,
        number,
        jurisdiction,
        issued_on,
        holder_citizen_id,
        decision_id,
        suspended_since,
        cancelled_on,
        endorsements,
        updated_at,
    }))
}
