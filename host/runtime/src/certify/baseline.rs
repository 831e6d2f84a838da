//! Version comparison: `juzhu certify --baseline <previous.wasm>`.
//!
//! The vectors and the generated cases run through both versions; every case
//! whose outcome, tier, route statuses or missing materials changed is
//! listed, grouped by the reason codes that appeared or went. A district's
//! change log can then be checked against what really changed.

use std::collections::{BTreeMap, BTreeSet};

use juzhu_sdk::vectors::{self, Actual, Call, Subject, Vector};
use serde::Serialize;
use serde_json::Value;

use super::invariants::verdict;

/// Example cases kept per group.
const EXAMPLES: usize = 5;

/// One case that changed.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub case: String,
    pub legal_date: String,
    pub before: Value,
    pub after: Value,
    /// The application, to re-run the case.
    pub application: Value,
}

/// Cases that changed the same way.
#[derive(Clone, Debug, Serialize)]
pub struct ChangeGroup {
    /// The reason codes that appeared (`+code`) and went (`-code`).
    pub reasons: Vec<String>,
    pub count: usize,
    pub examples: Vec<Change>,
}

/// What changed between the baseline and the module certified.
#[derive(Clone, Debug, Serialize)]
pub struct BaselineDiff {
    pub baseline: String,
    pub baseline_sha256: String,
    pub cases: usize,
    pub changed: usize,
    pub groups: Vec<ChangeGroup>,
}

/// What a case's answer is, for comparing versions: a decision's outcome,
/// tier, routes and missing materials; any other answer whole, without its
/// prose; an error as its text.
fn summary(r: &Result<Result<Actual, juzhu_sdk::types::Refusal>, String>) -> Value {
    match r {
        Ok(Ok(Actual::Decision(d))) => verdict(d),
        Ok(Ok(other)) => {
            let mut v = serde_json::to_value(other).expect("answers serialize");
            strip_prose(&mut v);
            v
        }
        Ok(Err(refusal)) => serde_json::json!({ "refused": refusal }),
        Err(e) => serde_json::json!({ "failed": e }),
    }
}

/// Drops the zh/en wording, which a version may reword without changing a rule.
fn strip_prose(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("zh");
            m.remove("en");
            m.values_mut().for_each(strip_prose);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_prose),
        _ => {}
    }
}

fn codes(r: &Result<Result<Actual, juzhu_sdk::types::Refusal>, String>) -> BTreeSet<String> {
    match r {
        Ok(Ok(a)) => vectors::all_reasons(a).into_iter().map(|r| r.code.clone()).collect(),
        _ => BTreeSet::new(),
    }
}

/// Runs `cases` through `current` and `baseline` and groups the changes.
pub fn compare(
    current: &dyn Subject,
    baseline: &dyn Subject,
    baseline_label: &str,
    baseline_sha256: &str,
    cases: &[Vector],
) -> BaselineDiff {
    let mut groups: BTreeMap<Vec<String>, ChangeGroup> = BTreeMap::new();
    let mut changed = 0;
    for case in cases {
        let (now, before) = (current.run(case), baseline.run(case));
        let (a, b) = (summary(&now), summary(&before));
        if a == b {
            continue;
        }
        changed += 1;
        let (new, old) = (codes(&now), codes(&before));
        let mut key: Vec<String> = new.difference(&old).map(|c| format!("+{c}")).collect();
        key.extend(old.difference(&new).map(|c| format!("-{c}")));
        let group =
            groups.entry(key.clone()).or_insert_with(|| ChangeGroup { reasons: key, count: 0, examples: Vec::new() });
        group.count += 1;
        if group.examples.len() < EXAMPLES {
            group.examples.push(Change {
                case: format!("{}{}", case.id, if case.call == Call::Evaluate { "" } else { " (not evaluate)" }),
                legal_date: case.legal_date.clone(),
                before: b,
                after: a,
                application: serde_json::to_value(&case.facts).expect("applications serialize"),
            });
        }
    }
    let mut groups: Vec<ChangeGroup> = groups.into_values().collect();
    groups.sort_by(|a, b| b.count.cmp(&a.count).then(a.reasons.cmp(&b.reasons)));
    BaselineDiff {
        baseline: baseline_label.to_string(),
        baseline_sha256: baseline_sha256.to_string(),
        cases: cases.len(),
        changed,
        groups,
    }
}
