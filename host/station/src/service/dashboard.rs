//! The operator's dashboard: recorded decisions counted by outcome and by
//! deciding reason, per jurisdiction and month of legal date. Counts only:
//! every outcome and reason is the module's, as recorded.

use std::collections::BTreeMap;

use serde::Serialize;

use juzhu_store::outcome_str;

use super::{Service, ServiceError};

/// One month's decisions in one jurisdiction.
#[derive(Debug, Default, Serialize)]
pub struct MonthCounts {
    /// `YYYY-MM` of the legal date.
    pub month: String,
    /// outcome (`eligible`, `ineligible`, `incomplete`) → decisions.
    pub outcomes: BTreeMap<String, u32>,
}

/// A deciding reason and how many decisions it decided.
#[derive(Debug, Serialize)]
pub struct ReasonCount {
    pub code: String,
    pub clause: String,
    pub count: u32,
}

/// One jurisdiction's decisions over time.
#[derive(Debug, Serialize)]
pub struct JurisdictionStats {
    pub jurisdiction: String,
    pub total: u32,
    pub months: Vec<MonthCounts>,
    /// Most frequent first.
    pub reasons: Vec<ReasonCount>,
}

/// One jurisdiction's counts while the decisions are read.
#[derive(Default)]
struct Tally {
    months: BTreeMap<String, MonthCounts>,
    reasons: BTreeMap<String, ReasonCount>,
    total: u32,
}

impl Service {
    /// Decisions by outcome and deciding reason, per jurisdiction and month.
    pub fn decision_stats(&self) -> Result<Vec<JurisdictionStats>, ServiceError> {
        let decisions = self.store().decisions_with_jurisdiction()?;
        let mut by: BTreeMap<String, Tally> = BTreeMap::new();
        for (jurisdiction, _, d) in decisions {
            let Tally { months, reasons, total } = by.entry(jurisdiction).or_default();
            *total += 1;
            let month = d.legal_date.get(..7).unwrap_or(&d.legal_date).to_string();
            let m = months.entry(month.clone()).or_insert_with(|| MonthCounts { month, ..Default::default() });
            *m.outcomes.entry(outcome_str(d.outcome).to_string()).or_default() += 1;
            let deciding = d.decision.reasons.iter().chain(d.decision.routes.iter().flat_map(|r| r.reasons.iter()));
            let mut seen = std::collections::BTreeSet::new();
            for r in deciding.filter(|r| r.decisive == Some(true)) {
                if seen.insert(r.code.clone()) {
                    let clause = format!("{} {}", r.citation.document, r.citation.clause);
                    reasons
                        .entry(r.code.clone())
                        .or_insert_with(|| ReasonCount { code: r.code.clone(), clause, count: 0 })
                        .count += 1;
                }
            }
        }
        Ok(by
            .into_iter()
            .map(|(jurisdiction, Tally { months, reasons, total })| {
                let mut reasons: Vec<_> = reasons.into_values().collect();
                reasons.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
                JurisdictionStats { jurisdiction, total, months: months.into_values().collect(), reasons }
            })
            .collect())
    }
}
