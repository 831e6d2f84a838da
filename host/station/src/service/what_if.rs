//! What-if for a holder: where a permit would stand in its endorsement cycle,
//! and the services and points it would bring, without one on record.
//!
//! `POST /v1/evaluate` answers "would this person get a permit"; a clerk also
//! gets asked "if I had held one since last spring, what would I have now, and
//! when must I endorse it". The permit is supposed (its tier, issue date and
//! endorsements are given), the module answers as it would for a recorded one,
//! and nothing is written.

use serde::{Deserialize, Serialize};

use super::{Service, ServiceError, input, module_ref};
use juzhu_runtime::contract::types::{
    Application, EndorsementAnswer, Entitlements, Permit, PermitTier, PointsBreakdown,
};
use juzhu_store::lifecycle::ModuleRef;

/// The number a supposed permit carries: never a real permit's (those are
/// `<division>-<year>-<serial>`), so no answer can be mistaken for one.
pub const SUPPOSED_NUMBER: &str = "WHAT-IF";

/// A permit that is not on record, as the question supposes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupposedPermit {
    pub tier: PermitTier,
    pub issued_on: String,
    /// Endorsement dates, oldest first.
    #[serde(default)]
    pub endorsements: Vec<String>,
}

/// The module's answers for the supposed permit.
#[derive(Debug, Serialize)]
pub struct WhatIf {
    pub legal_date: String,
    pub module: ModuleRef,
    pub endorsement: EndorsementAnswer,
    pub services: Entitlements,
    pub points: PointsBreakdown,
}

impl Service {
    /// The endorsement answer, services and points the module gives a holder
    /// of `permit` with `facts` on `legal_date` (default: today in the
    /// jurisdiction's time zone). Records nothing.
    pub fn what_if(
        &self,
        facts: &Application,
        permit: &SupposedPermit,
        legal_date: Option<String>,
    ) -> Result<WhatIf, ServiceError> {
        Self::check_identity(facts)?;
        let set = self.modules.snapshot();
        let (module, date) = Self::module_for(&set, &facts.jurisdiction, legal_date.as_deref())?;
        let legal_date = date.to_string();
        let permit = Permit {
            number: SUPPOSED_NUMBER.to_string(),
            jurisdiction: facts.jurisdiction.clone(),
            tier: permit.tier,
            issued_on: permit.issued_on.clone(),
            endorsements: permit.endorsements.clone(),
        };
        let endorsement =
            input(self.observe(&module, "endorsement", module.endorsement(&permit, facts, &legal_date))?)?;
        let services = input(self.observe(&module, "services", module.services(&permit, facts, &legal_date))?)?;
        let points = input(self.observe(&module, "points", module.points(Some(&permit), facts, &legal_date))?)?;
        Ok(WhatIf { legal_date, module: module_ref(&module), endorsement, services, points })
    }
}
