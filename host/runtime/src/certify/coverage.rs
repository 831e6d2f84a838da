//! Clause coverage, measured from what the module answered, never from what
//! its authors declared.
//!
//! A clause of the module's table is covered when some vector's answer cites
//! it once where its condition is met and once where it is not. A clause the
//! module only ever cites to explain (effect `information`: a service
//! granted, a points line, the card's basis) is covered by one citation. A
//! clause no vector reaches is listed with its text, so the tester sees what
//! the vectors leave untried.

use std::collections::BTreeMap;

use juzhu_sdk::types::{Citation, Effect, ModuleInfo};
use juzhu_sdk::vectors::{self, Actual};
use serde::Serialize;

/// How one clause of the table was reached.
#[derive(Clone, Debug, Serialize)]
pub struct ClauseCoverage {
    pub document: String,
    pub label: String,
    pub kind: String,
    /// The clause's words, for the tester.
    pub text: String,
    /// Citations seen, by effect.
    pub met: usize,
    pub not_met: usize,
    pub unknown: usize,
    pub information: usize,
    pub covered: bool,
    /// What a vector would still have to show, when not covered.
    pub wanting: Option<String>,
}

/// The coverage of the clause table by the vectors' answers.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Coverage {
    pub clauses: Vec<ClauseCoverage>,
    pub covered: usize,
    pub total: usize,
    /// The headline figure: covered clauses as a percentage of the table.
    pub percent: f64,
}

/// Every citation in an answer, with the effect its reason states (`None`
/// for a service, points line or card, which state no condition).
fn citations(actual: &Actual) -> Vec<(&Citation, Option<Effect>)> {
    let mut all: Vec<(&Citation, Option<Effect>)> =
        vectors::all_reasons(actual).into_iter().map(|r| (&r.citation, r.effect)).collect();
    match actual {
        Actual::Services(s) => all.extend(s.services.iter().map(|x| (&x.citation, None))),
        Actual::Points(p) => all.extend(p.lines.iter().map(|x| (&x.citation, None))),
        Actual::Card(c) => all.push((&c.citation, None)),
        Actual::Decision(_) | Actual::Endorsement(_) => {}
    }
    all
}

/// Measures the table of `info` against the answers the vectors got.
pub fn measure<'a>(info: &ModuleInfo, answers: impl IntoIterator<Item = &'a Actual>) -> Coverage {
    // (document, label) -> [met, not met, unknown, information]
    let mut seen: BTreeMap<(&str, &str), [usize; 4]> = BTreeMap::new();
    let answers: Vec<&Actual> = answers.into_iter().collect();
    for actual in &answers {
        for (citation, effect) in citations(actual) {
            let slot = match effect {
                Some(Effect::Met) => 0,
                Some(Effect::NotMet) => 1,
                Some(Effect::Unknown) => 2,
                Some(Effect::Information) | None => 3,
            };
            seen.entry((citation.document.as_str(), citation.clause.as_str())).or_default()[slot] += 1;
        }
    }
    let mut clauses = Vec::new();
    for document in &info.documents {
        for clause in &document.clauses {
            let [met, not_met, unknown, information] =
                seen.get(&(document.id.as_str(), clause.label.as_str())).copied().unwrap_or_default();
            let states_a_condition = met + not_met + unknown > 0;
            let wanting = if states_a_condition {
                match (met > 0, not_met > 0) {
                    (true, true) => None,
                    (true, false) => Some("a vector where its condition is not met".to_string()),
                    (false, true) => Some("a vector where its condition is met".to_string()),
                    (false, false) => Some("a vector where its condition is met, and one where it is not".to_string()),
                }
            } else if information > 0 {
                None
            } else {
                Some("any vector whose answer cites it".to_string())
            };
            clauses.push(ClauseCoverage {
                document: document.id.clone(),
                label: clause.label.clone(),
                kind: format!("{:?}", clause.kind),
                text: clause.text.clone(),
                met,
                not_met,
                unknown,
                information,
                covered: wanting.is_none(),
                wanting,
            });
        }
    }
    let total = clauses.len();
    let covered = clauses.iter().filter(|c| c.covered).count();
    let percent = if total == 0 { 0.0 } else { (covered as f64) * 100.0 / (total as f64) };
    Coverage { clauses, covered, total, percent }
}
