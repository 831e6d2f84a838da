//! The work queues: which permits and applications need someone to act,
//! on a legal date. Every permit's place comes from its module's
//! endorsement answer on that date, and every application's from its
//! recorded decision; the host adds no rule of its own.

use serde::Serialize;

use juzhu_domain::PermitState;
use juzhu_runtime::contract::types::{EndorsementStatus, MissingMaterial, Outcome, Suspension, Window};

use super::{Service, ServiceError};

/// A permit in a queue, with what its module answered.
#[derive(Debug, Serialize)]
pub struct QueuedPermit {
    pub number: String,
    pub jurisdiction: String,
    pub holder_citizen_id: String,
    pub legal_date: String,
    /// The endorsement window, when one is open.
    pub window: Option<Window>,
    /// The suspension the module states, when the permit is overdue.
    pub suspension: Option<Suspension>,
}

/// An Incomplete application still awaiting its materials.
#[derive(Debug, Serialize)]
pub struct AwaitingMaterials {
    pub decision_id: i64,
    pub jurisdiction: String,
    pub citizen_id: String,
    pub legal_date: String,
    pub missing: Vec<MissingMaterial>,
}

/// A permit the module could not answer for: it is listed, not dropped.
#[derive(Debug, Serialize)]
pub struct Unanswered {
    pub number: String,
    pub error: String,
}

/// The four queues on one legal date.
#[derive(Debug, Default, Serialize)]
pub struct Queues {
    /// Active permits whose endorsement window is open.
    pub endorsement_open: Vec<QueuedPermit>,
    /// Active permits the module says are overdue and suspended from a day:
    /// the suspension waits to be recorded.
    pub overdue: Vec<QueuedPermit>,
    /// Suspended permits a late endorsement may still restore (the module
    /// allows an endorsement on the date).
    pub restorable: Vec<QueuedPermit>,
    /// Incomplete decisions not followed by a later decision for the same
    /// citizen in the same jurisdiction.
    pub awaiting_materials: Vec<AwaitingMaterials>,
    pub unanswered: Vec<Unanswered>,
}

impl Service {
    /// The work queues on `legal_date` (default: today in each permit's
    /// jurisdiction).
    pub fn queues(&self, legal_date: Option<String>) -> Result<Queues, ServiceError> {
        if let Some(d) = &legal_date {
            juzhu_domain::parse_legal_date("legal_date", d)?;
        }
        let permits = self.store().live_permits()?;
        let decisions = self.store().decisions_with_jurisdiction()?;
        let mut q = Queues::default();
        for permit in permits {
            let answer = match self.endorsement_status(&permit.number, legal_date.clone()) {
                Ok(a) => a,
                Err(e) => {
                    q.unanswered.push(Unanswered { number: permit.number.clone(), error: e.to_string() });
                    continue;
                }
            };
            let (answer, date) = (answer.answer, answer.legal_date);
            let mut item = QueuedPermit {
                number: permit.number.clone(),
                jurisdiction: permit.jurisdiction.clone(),
                holder_citizen_id: permit.holder_citizen_id.clone(),
                legal_date: date.to_string(),
                window: None,
                suspension: None,
            };
            match (permit.state, answer.status) {
                (PermitState::Active, EndorsementStatus::WindowOpen(w)) => {
                    item.window = Some(w);
                    q.endorsement_open.push(item);
                }
                (PermitState::Active, EndorsementStatus::OverdueSuspended(s)) => {
                    item.suspension = Some(s);
                    q.overdue.push(item);
                }
                (PermitState::Suspended, status) if answer.endorsement_allowed => {
                    if let EndorsementStatus::OverdueSuspended(s) = status {
                        item.suspension = Some(s);
                    }
                    q.restorable.push(item);
                }
                _ => {}
            }
        }
        for (i, (jurisdiction, citizen, d)) in decisions.iter().enumerate() {
            let superseded = decisions[i + 1..].iter().any(|(j, c, _)| j == jurisdiction && c == citizen);
            if d.outcome == Outcome::Incomplete && !superseded {
                q.awaiting_materials.push(AwaitingMaterials {
                    decision_id: d.id,
                    jurisdiction: jurisdiction.clone(),
                    citizen_id: citizen.clone(),
                    legal_date: d.legal_date.clone(),
                    missing: d.decision.missing.clone(),
                });
            }
        }
        Ok(q)
    }
}
