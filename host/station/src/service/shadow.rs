//! Shadow evaluation: a version published ahead of its effective date runs
//! on the station's own recorded applications before it decides anything.
//!
//! Each recorded decision of the division's module is decided again by the
//! new version twice: at the case's own legal date (against what was
//! recorded) and at the new version's effective date (against the version in
//! force the day before, on the same date), which is what changes at
//! midnight when the new version takes over. The result counts the cases by
//! outcome change, with a few example cases whose citizen IDs are masked.
//! Nothing is written to the decision records: it only reads them.
//!
//! `GET /v1/modules/{division}/shadow` and `juzhu shadow <module.wasm> --data
//! <dir>` (offline, for an operator with a copy of the store) both run
//! [`compare`].

use std::collections::BTreeMap;

use jiff::civil::Date;
use juzhu_runtime::LoadedModule;
use juzhu_store::{DecisionRecord, Store, outcome_str};
use serde::Serialize;

use super::{Service, ServiceError};

/// Example cases kept per outcome change.
const EXAMPLES: usize = 5;

/// A case whose outcome would change, without who it is.
#[derive(Debug, Clone, Serialize)]
pub struct ShadowCase {
    pub decision_id: i64,
    /// The citizen ID with its birth date and sequence masked.
    pub citizen_id: String,
    pub legal_date: String,
}

/// The cases whose outcome goes from `from` to `to`.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeChange {
    pub from: String,
    pub to: String,
    pub count: usize,
    pub examples: Vec<ShadowCase>,
}

/// One comparison: how many cases, how many changed, and how.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Comparison {
    /// The date the cases were decided at: `legal_date` (each case's own) or
    /// the new version's effective date.
    pub at: String,
    pub cases: usize,
    pub unchanged: usize,
    pub changes: Vec<OutcomeChange>,
}

/// What the new version would do to the division's recorded cases.
#[derive(Debug, Clone, Serialize)]
pub struct ShadowReport {
    pub division: String,
    pub module_id: String,
    pub version: String,
    pub sha256: String,
    /// When it takes over; `None` offline, where no date was given.
    pub effective_from: Option<String>,
    /// The version in force the day before, that the effective-date
    /// comparison is made against.
    pub replaces: Option<String>,
    pub at_legal_date: Comparison,
    pub at_effective_date: Option<Comparison>,
}

/// The outcome of a call, as a label: the outcome, or why there is none.
fn answer(module: &LoadedModule, facts: &juzhu_runtime::contract::types::Application, on: &str) -> String {
    match module.evaluate(facts, on) {
        Ok((Ok(d), _)) => outcome_str(d.outcome).to_string(),
        Ok((Err(refusal), _)) => match refusal {
            juzhu_runtime::contract::types::Refusal::NotInForce(_) => "not-in-force".into(),
            juzhu_runtime::contract::types::Refusal::Input(_) => "input-error".into(),
        },
        Err(e) => format!("failed: {}", e.kind()),
    }
}

fn masked(citizen_id: &str) -> String {
    String::from_utf8_lossy(&crate::logging::mask_citizen_ids(citizen_id.as_bytes())).into_owned()
}

/// Tallies `(from, to, case)` into a comparison.
fn tally(at: &str, rows: Vec<(String, String, ShadowCase)>) -> Comparison {
    let mut groups: BTreeMap<(String, String), OutcomeChange> = BTreeMap::new();
    let cases = rows.len();
    let mut unchanged = 0;
    for (from, to, case) in rows {
        if from == to {
            unchanged += 1;
            continue;
        }
        let g = groups.entry((from.clone(), to.clone())).or_insert_with(|| OutcomeChange {
            from,
            to,
            count: 0,
            examples: Vec::new(),
        });
        g.count += 1;
        if g.examples.len() < EXAMPLES {
            g.examples.push(case);
        }
    }
    let mut changes: Vec<OutcomeChange> = groups.into_values().collect();
    changes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| (&a.from, &a.to).cmp(&(&b.from, &b.to))));
    Comparison { at: at.to_string(), cases, unchanged, changes }
}

/// Runs `new` on every recorded decision of its module in `store`. With
/// `effective` (the new version's first day and the version in force the day
/// before), it also compares the two on that day.
pub fn compare(
    store: &Store,
    new: &LoadedModule,
    effective: Option<(Date, &LoadedModule)>,
) -> Result<ShadowReport, ServiceError> {
    let id = &new.info().id;
    let recorded: Vec<(String, String, DecisionRecord)> =
        store.decisions_with_jurisdiction()?.into_iter().filter(|(_, _, d)| &d.module.id == id).collect();
    let mut at_legal = Vec::new();
    let mut at_effective = Vec::new();
    for (_, citizen, d) in &recorded {
        let Some(application) = store.application(d.application_id)? else { continue };
        let facts = &application.facts;
        let case = || ShadowCase { decision_id: d.id, citizen_id: masked(citizen), legal_date: d.legal_date.clone() };
        at_legal.push((outcome_str(d.outcome).to_string(), answer(new, facts, &d.legal_date), case()));
        if let Some((date, old)) = effective {
            let on = date.to_string();
            at_effective.push((answer(old, facts, &on), answer(new, facts, &on), case()));
        }
    }
    Ok(ShadowReport {
        division: new.info().jurisdiction.clone(),
        module_id: id.clone(),
        version: new.info().version.clone(),
        sha256: new.sha256().to_string(),
        effective_from: effective.map(|(d, _)| d.to_string()),
        replaces: effective.map(|(_, old)| old.info().version.clone()),
        at_legal_date: tally("legal_date", at_legal),
        at_effective_date: effective.map(|(d, _)| tally(&d.to_string(), at_effective)),
    })
}

impl Service {
    /// The shadow run of `division`'s next version: the earliest certified,
    /// non-revoked version whose effective date is after today.
    pub fn shadow(&self, division: &str) -> Result<ShadowReport, ServiceError> {
        let set = self.modules.snapshot();
        let (code, history) = set
            .division(division)
            .filter(|(code, _)| *code == division)
            .ok_or_else(|| ServiceError::NotFound(format!("division {division} has no module on this station")))?;
        let today = history.today();
        let next = history
            .versions()
            .iter()
            .filter(|v| v.revoked.is_none() && v.effective_from > today)
            .min_by_key(|v| v.effective_from)
            .ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "division {code} has no version awaiting its effective date (today is {today}); publish one with a later effective date to shadow it"
                ))
            })?;
        let day_before = next.effective_from.yesterday().map_err(|e| ServiceError::BadInput {
            field: "effective_from".into(),
            message: format!("{}: {e}", next.effective_from),
        })?;
        let replaced = history.in_force(day_before).ok_or_else(|| {
            ServiceError::NotFound(format!(
                "division {code}: no version is in force on {day_before}, so there is nothing for {} to replace",
                next.version()
            ))
        })?;
        let report = compare(&self.store(), &next.module, Some((next.effective_from, &replaced.module)))?;
        for c in [Some(&report.at_legal_date), report.at_effective_date.as_ref()].into_iter().flatten() {
            let changed = c.cases - c.unchanged;
            self.metrics.shadow(
                code,
                &report.version,
                if c.at == "legal_date" { "legal_date" } else { "effective_date" },
                c.cases,
                changed,
            );
        }
        Ok(report)
    }
}
