//! The certification kit's framework invariants, checked on generated
//! applications.
//!
//! A module's vectors show what its authors thought of; these properties hold
//! for every module, whatever its policy, so the kit states them once and
//! module authors never write them. Applications are generated from the
//! module's own `evaluate` vectors by a list of mutations (drop a list item,
//! flip a flag, make a known fact unknown) with a recorded seed; a failing
//! case is shrunk by proptest to the fewest mutations that still fail, and
//! the report carries the seed and the shrunk application as JSON so it can
//! be re-run by hand.
//!
//! The invariants:
//! - `unknown-is-not-true`: replacing a known fact with an unknown never turns
//!   a non-Eligible outcome into Eligible nor a NotMet route into Met;
//! - `told-at-once` (一次性告知): supplying every material an Incomplete
//!   decision lists never yields a decision asking for one it did not list;
//! - `irrelevant-facts`: the name, the free-text addresses and the photo
//!   reference never change the outcome, tier, route statuses or missing list;
//! - `deterministic`: the same input gives byte-identical output on a repeated
//!   call (and, given a second build of the same source, the same output there);
//! - `cited`: every reason cites a clause in the module's clause table and has
//!   non-empty Chinese and English text;
//! - `eligible-has-route`: an Eligible decision has some route Met;
//! - `residence-period`: an Eligible decision on a legal date when Decree 663
//!   is in force (from 2016-01-01) has its 第二条's half year of residence
//!   behind it (a registration begun six months or more before);
//! - `monotone-facts`: extending every registration and insurance run a year
//!   further back never turns Eligible into Ineligible;
//! - `no-failure`: a valid application gets an answer or a named refusal,
//!   never a trap.

use std::collections::BTreeSet;

use juzhu_sdk::types::{Application, Decision, MaterialSource, ModuleInfo, Outcome, Refusal, RouteStatus};
use juzhu_sdk::vectors::{self, Actual, Call, Subject, Vector};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde::Serialize;
use serde_json::Value;

/// Every invariant the kit checks, by the name reports use.
pub const INVARIANTS: [&str; 9] = [
    "unknown-is-not-true",
    "told-at-once",
    "irrelevant-facts",
    "deterministic",
    "cited",
    "eligible-has-route",
    "residence-period",
    "monotone-facts",
    "no-failure",
];

/// The seed the kit uses unless told otherwise; recorded in every report.
pub const DEFAULT_SEED: u64 = 0x006a_757a_6875_2026;

/// One failing invariant, with everything needed to reproduce it.
#[derive(Clone, Debug, Serialize)]
pub struct Violation {
    pub invariant: String,
    pub seed: u64,
    /// The vector the application was generated from.
    pub vector: String,
    pub legal_date: String,
    /// The mutations left after shrinking, as applied.
    pub mutations: Vec<String>,
    /// The shrunk application, ready to POST to `/v1/evaluate`.
    pub application: Value,
    pub detail: String,
}

/// A module's declared departure from a framework invariant: where its text
/// reads a fact so that the invariant does not hold, and the legal ground.
/// The kit does not fail on it; the report lists it for the tester, who
/// accepts it or refuses the module. Modules declare them in
/// `departures.yaml` beside their `vectors/` directory.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Departure {
    /// The invariant departed from (one of [`INVARIANTS`]).
    pub invariant: String,
    /// The fact, as a JSON pointer into the application; `*` stands for any
    /// list index (`/housing/*/rental/compliant`).
    pub field: String,
    /// The clause the reading rests on, as the module's table labels it.
    pub clause: String,
    /// Why the text reads so, for the tester.
    pub ground: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DepartureFile {
    departures: Vec<Departure>,
}

/// Reads a module's `departures.yaml`; a missing file declares none.
pub fn load_departures(path: &std::path::Path) -> Result<Vec<Departure>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let file: DepartureFile = serde_yaml::from_str(&text).map_err(|e| {
        format!(
            "{}: not a departures file (a `departures:` list of invariant, field, clause, ground): {e}",
            path.display()
        )
    })?;
    for d in &file.departures {
        if !INVARIANTS.contains(&d.invariant.as_str()) {
            return Err(format!(
                "{}: departure from `{}`, which is not an invariant of the kit; expected one of {}",
                path.display(),
                d.invariant,
                INVARIANTS.join(", ")
            ));
        }
        if !d.field.starts_with('/') {
            return Err(format!("{}: field `{}` is not a JSON pointer (it starts with `/`)", path.display(), d.field));
        }
        if d.ground.trim().is_empty() {
            return Err(format!("{}: the departure at `{}` states no ground", path.display(), d.field));
        }
    }
    Ok(file.departures)
}

/// Whether `path` is the field a departure from `invariant` names.
fn declared(departures: &[Departure], invariant: &str, path: &[String]) -> bool {
    departures.iter().any(|d| {
        let want: Vec<&str> = d.field.split('/').skip(1).collect();
        d.invariant == invariant
            && want.len() == path.len()
            && want.iter().zip(path).all(|(w, p)| *w == p || (*w == "*" && p.parse::<usize>().is_ok()))
    })
}

/// What the invariant run found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct InvariantReport {
    pub seed: u64,
    /// Generated applications checked (shrinking steps not counted).
    pub cases: u32,
    pub invariants: Vec<String>,
    /// The departures the module declared: not failures, for the tester to
    /// accept.
    pub departures: Vec<Departure>,
    pub violations: Vec<Violation>,
}

/// One change to a seed application. The index picks the place among the
/// candidates the application offers, so a shrunk list stays meaningful.
#[derive(Clone, Debug)]
enum Mutation {
    DropItem(Index),
    FlipBool(Index),
    MakeUnknown(Index),
}

/// A generated case: a seed vector, mutations, and where to test unknowns.
type Case = (Index, Vec<Mutation>, Index);

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::DropItem),
        any::<Index>().prop_map(Mutation::FlipBool),
        any::<Index>().prop_map(Mutation::MakeUnknown),
    ]
}

/// Paths (JSON pointer segments) to every value in `v`, depth first.
fn paths(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                at.push(k.clone());
                out.push(at.clone());
                paths(x, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                at.push(i.to_string());
                out.push(at.clone());
                paths(x, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn pointer(path: &[String]) -> String {
    path.iter().map(|s| format!("/{s}")).collect()
}

fn parse(v: &Value) -> Option<Application> {
    serde_json::from_value(v.clone()).ok()
}

/// Optional fields whose `none` the contract gives another meaning than
/// "not known" (wit/policy.wit): a registration, job or schooling that still
/// runs, a contract or lease with no fixed term, a move not reported, no
/// tier asked for or held, housing that is not rented. Emptying them states a different
/// fact, not an unknown one.
const NONE_IS_NOT_UNKNOWN: &[&str] =
    &["ended_on", "left_on", "contract_months", "lease_end", "reported_on", "tier_requested", "tier_held", "rental"];

/// Sets the value at `path` to null when the contract lets that fact be
/// unknown (the result still reads as an application).
fn make_unknown(app: &Value, path: &[String]) -> Option<Value> {
    if path.last().is_some_and(|field| NONE_IS_NOT_UNKNOWN.contains(&field.as_str())) {
        return None;
    }
    let mut next = app.clone();
    let slot = next.pointer_mut(&pointer(path))?;
    if slot.is_null() {
        return None;
    }
    *slot = Value::Null;
    parse(&next).map(|_| next)
}

/// Applies one mutation; returns its description, or `None` where it did
/// not apply (the application is left as it was).
fn apply(app: &mut Value, m: &Mutation) -> Option<String> {
    let mut all = Vec::new();
    paths(app, &mut Vec::new(), &mut all);
    match m {
        Mutation::DropItem(i) => {
            let items: Vec<_> =
                all.iter().filter(|p| p.last().is_some_and(|s| s.parse::<usize>().is_ok())).cloned().collect();
            if items.is_empty() {
                return None;
            }
            let p = &items[i.index(items.len())];
            let (last, parent) = p.split_last()?;
            let n: usize = last.parse().ok()?;
            let mut next = app.clone();
            next.pointer_mut(&pointer(parent))?.as_array_mut()?.remove(n);
            parse(&next)?;
            *app = next;
            Some(format!("drop {}", pointer(p)))
        }
        Mutation::FlipBool(i) => {
            let flags: Vec<_> =
                all.iter().filter(|p| app.pointer(&pointer(p)).is_some_and(Value::is_boolean)).collect();
            if flags.is_empty() {
                return None;
            }
            let p = flags[i.index(flags.len())];
            let slot = app.pointer_mut(&pointer(p))?;
            *slot = Value::Bool(!slot.as_bool()?);
            Some(format!("flip {}", pointer(p)))
        }
        Mutation::MakeUnknown(i) => {
            if all.is_empty() {
                return None;
            }
            let start = i.index(all.len());
            (0..all.len()).map(|k| &all[(start + k) % all.len()]).find_map(|p| {
                let next = make_unknown(app, p)?;
                *app = next;
                Some(format!("unknown {}", pointer(p)))
            })
        }
    }
}

type Outcome3 = Result<Result<Actual, Refusal>, String>;

fn run(subject: &dyn Subject, base: &Vector, app: &Value) -> Outcome3 {
    let facts = parse(app).ok_or_else(|| "generated application does not read".to_string())?;
    subject.run(&Vector { facts, ..base.clone() })
}

fn decision(r: &Outcome3) -> Option<&Decision> {
    match r {
        Ok(Ok(Actual::Decision(d))) => Some(d),
        _ => None,
    }
}

/// What the outcome is, for the invariants that compare outcomes.
pub(crate) fn verdict(d: &Decision) -> Value {
    let json = |v: &dyn erased::Json| v.json();
    let missing: BTreeSet<String> = d.missing.iter().map(|m| json(&m.material).to_string()).collect();
    serde_json::json!({
        "outcome": json(&d.outcome),
        "tier": json(&d.tier),
        "routes": d
            .routes
            .iter()
            .map(|r| serde_json::json!({ "route": json(&r.route), "tier": json(&r.tier), "status": json(&r.status) }))
            .collect::<Vec<_>>(),
        "missing": missing.iter().map(|m| m.trim_matches('"')).collect::<Vec<_>>(),
    })
}

/// Contract values as their JSON forms (`"Eligible"`, not `Outcome::Eligible`).
mod erased {
    pub trait Json {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).expect("contract types serialize")
        }
    }
}

fn listed_materials(d: &Decision) -> BTreeSet<String> {
    d.missing
        .iter()
        .chain(d.routes.iter().flat_map(|r| r.missing.iter()))
        .map(|m| format!("{:?}", m.material))
        .collect()
}

/// Decree 663 (居住证暂行条例) is in force from this day (its 第二十三条).
const DECREE_663_IN_FORCE: jiff::civil::Date = jiff::civil::date(2016, 1, 1);

/// Whether some registration began six months or more before `legal_date`,
/// or the legal date is before Decree 663 was in force.
fn half_year_registered(app: &Value, legal_date: &str) -> bool {
    let Ok(on) = legal_date.parse::<jiff::civil::Date>() else { return true };
    if on < DECREE_663_IN_FORCE {
        return true;
    }
    // Six months are complete on the day that many months after the start,
    // a month end standing for a day the shorter month lacks (2016-08-31 →
    // 2017-02-28), as the SDK's `months_completed` counts them.
    app.get("registrations").and_then(Value::as_array).is_some_and(|regs| {
        regs.iter().any(|r| {
            r.get("registered_on")
                .and_then(Value::as_str)
                .and_then(|d| d.parse::<jiff::civil::Date>().ok())
                .and_then(|start| start.checked_add(jiff::Span::new().months(6)).ok())
                .is_some_and(|complete| complete <= on)
        })
    })
}

/// The application with every registration begun a year earlier and every
/// insurance period begun twelve months earlier; `None` when there is
/// neither to extend.
fn extended_back(app: &Value) -> Option<Value> {
    let mut next = app.clone();
    let mut changed = false;
    let year_earlier = |text: &str, format: &str| -> Option<String> {
        let date = if format == "month" { format!("{text}-01") } else { text.to_string() };
        let d = date.parse::<jiff::civil::Date>().ok()?.checked_sub(jiff::Span::new().years(1)).ok()?;
        Some(if format == "month" { d.strftime("%Y-%m").to_string() } else { d.to_string() })
    };
    for (list, field, format) in [("registrations", "registered_on", "day"), ("insurance", "from", "month")] {
        for item in next.get_mut(list).and_then(Value::as_array_mut).into_iter().flatten() {
            if let Some(earlier) = item.get(field).and_then(Value::as_str).and_then(|t| year_earlier(t, format)) {
                item[field] = Value::String(earlier);
                changed = true;
            }
        }
    }
    (changed && parse(&next).is_some()).then_some(next)
}

/// The kit's fixed replacements for facts no rule may read.
fn with_irrelevant_changed(app: &Value) -> Value {
    let mut next = app.clone();
    if let Some(id) = next.get_mut("identity").and_then(Value::as_object_mut) {
        id.insert("name".into(), Value::String("欧阳测试".into()));
        for key in ["current_address", "photo_ref"] {
            if id.get(key).is_some_and(|v| !v.is_null()) {
                id.insert(key.into(), Value::String(format!("kit-changed-{key}")));
            }
        }
    }
    if let Some(regs) = next.get_mut("registrations").and_then(Value::as_array_mut) {
        for r in regs {
            if let Some(o) = r.as_object_mut() {
                o.insert("address".into(), Value::String("某市某区某路99号".into()));
            }
        }
    }
    next
}

/// Checks every invariant not in `skip` on one application; the first that
/// fails names itself in the error.
#[allow(clippy::too_many_arguments)] // one case's whole context; a struct would only rename it
fn check_one(
    subject: &dyn Subject,
    other: Option<&dyn Subject>,
    info: &ModuleInfo,
    base: &Vector,
    app: &Value,
    unknown_at: &Index,
    skip: &BTreeSet<String>,
    departures: &[Departure],
) -> Result<(), (String, String)> {
    let fail = |inv: &str, detail: String| Err((inv.to_string(), detail));
    let on = |inv: &str| !skip.contains(inv);
    let first = run(subject, base, app);
    if let Err(e) = &first
        && on("no-failure")
    {
        return fail("no-failure", format!("the call failed: {e}"));
    }
    if on("deterministic") {
        let bytes = |r: &Outcome3| serde_json::to_vec(r).expect("results serialize");
        let again = run(subject, base, app);
        if bytes(&first) != bytes(&again) {
            return fail("deterministic", "a repeated call gave different bytes".into());
        }
        if let Some(other) = other {
            let there = run(other, base, app);
            if bytes(&first) != bytes(&there) {
                return fail(
                    "deterministic",
                    format!(
                        "the other build differs: {} vs {}",
                        String::from_utf8_lossy(&bytes(&first)),
                        String::from_utf8_lossy(&bytes(&there))
                    ),
                );
            }
        }
    }
    let Ok(Ok(actual)) = &first else { return Ok(()) };
    if on("cited") {
        let mut bad = vectors::uncited(actual, info);
        for r in vectors::all_reasons(actual) {
            if r.zh.trim().is_empty() || r.en.trim().is_empty() {
                bad.push(format!("reason `{}` has empty zh or en text", r.code));
            }
        }
        if !bad.is_empty() {
            return fail("cited", bad.join("; "));
        }
    }
    let Some(d) = decision(&first) else { return Ok(()) };
    if on("eligible-has-route")
        && d.outcome == Outcome::Eligible
        && !d.routes.iter().any(|r| r.status == RouteStatus::Met)
    {
        return fail("eligible-has-route", "the decision is Eligible but no route is Met".into());
    }
    if on("residence-period") && d.outcome == Outcome::Eligible && !half_year_registered(app, &base.legal_date) {
        return fail(
            "residence-period",
            format!(
                "the decision is Eligible on {} but no registration began six months before it (Decree 663 第二条 居住半年以上)",
                base.legal_date
            ),
        );
    }
    if on("monotone-facts")
        && d.outcome == Outcome::Eligible
        && let Some(longer) = extended_back(app)
        && let Some(d2) = decision(&run(subject, base, &longer))
        && d2.outcome == Outcome::Ineligible
    {
        return fail(
            "monotone-facts",
            "registration and insurance a year longer turned Eligible into Ineligible".to_string(),
        );
    }
    if on("irrelevant-facts") {
        let changed = with_irrelevant_changed(app);
        if let Some(d2) = decision(&run(subject, base, &changed))
            && verdict(d) != verdict(d2)
        {
            return fail(
                "irrelevant-facts",
                format!("changing the name, addresses and photo reference changed {} into {}", verdict(d), verdict(d2)),
            );
        }
    }
    if on("unknown-is-not-true") {
        let mut all = Vec::new();
        paths(app, &mut Vec::new(), &mut all);
        if !all.is_empty() {
            let start = unknown_at.index(all.len());
            let found = (0..all.len())
                .map(|k| &all[(start + k) % all.len()])
                .filter(|p| !declared(departures, "unknown-is-not-true", p))
                .find_map(|p| make_unknown(app, p).map(|v| (p.clone(), v)));
            if let Some((p, unknown)) = found
                && let Some(d2) = decision(&run(subject, base, &unknown))
            {
                if d.outcome != Outcome::Eligible && d2.outcome == Outcome::Eligible {
                    return fail(
                        "unknown-is-not-true",
                        format!("making {} unknown turned {:?} into Eligible", pointer(&p), d.outcome),
                    );
                }
                // Every route is evaluated, in the module's fixed order; a
                // module may hold several routes of one kind and tier, so
                // routes are matched by place.
                for (r, r2) in d.routes.iter().zip(&d2.routes) {
                    if r.status == RouteStatus::NotMet
                        && r2.status == RouteStatus::Met
                        && (r2.route, r2.tier) == (r.route, r.tier)
                    {
                        return fail(
                            "unknown-is-not-true",
                            format!("making {} unknown turned route {:?} from NotMet into Met", pointer(&p), r.route),
                        );
                    }
                }
            }
        }
    }
    if on("told-at-once") && d.outcome == Outcome::Incomplete {
        let listed = listed_materials(d);
        let mut supplied = app.clone();
        if let Some(list) = supplied.get_mut("materials").and_then(Value::as_array_mut) {
            for m in d.missing.iter().chain(d.routes.iter().flat_map(|r| r.missing.iter())) {
                list.push(serde_json::json!({"kind": m.material, "source": MaterialSource::Submitted}));
            }
        }
        if let Some(d2) = decision(&run(subject, base, &supplied)) {
            let new: Vec<_> = listed_materials(d2).difference(&listed).cloned().collect();
            if !new.is_empty() {
                return fail(
                    "told-at-once",
                    format!("after supplying every listed material {listed:?}, the decision asks for {new:?}"),
                );
            }
        }
    }
    Ok(())
}

fn build(seeds: &[&Vector], case: &Case) -> (usize, Value, Vec<String>) {
    let k = case.0.index(seeds.len());
    let mut app = serde_json::to_value(&seeds[k].facts).expect("applications serialize");
    let applied = case.1.iter().filter_map(|m| apply(&mut app, m)).collect();
    (k, app, applied)
}

/// The kit's strategy for one generated case.
fn strategy() -> impl Strategy<Value = Case> {
    (any::<Index>(), prop::collection::vec(mutation(), 0..8), any::<Index>())
}

fn runner(seed: u64, cases: u32) -> TestRunner {
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config { cases, failure_persistence: None, max_shrink_iters: 2048, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes))
}

/// `cases` applications generated from the `evaluate` vectors as the
/// invariant run generates them, as vectors named `<seed vector>~<n>`: the
/// same seed gives the same cases, so two module versions can be compared
/// on them.
pub fn generate(all_vectors: &[Vector], seed: u64, cases: u32) -> Vec<Vector> {
    let seeds = evaluate_seeds(all_vectors);
    if seeds.is_empty() {
        return Vec::new();
    }
    let mut runner = runner(seed, cases);
    let strategy = strategy();
    (0..cases)
        .filter_map(|n| {
            let case = strategy.new_tree(&mut runner).ok()?.current();
            let (k, app, _) = build(&seeds, &case);
            let facts = parse(&app)?;
            Some(Vector { id: format!("{}~{n}", seeds[k].id), facts, ..seeds[k].clone() })
        })
        .collect()
}

fn evaluate_seeds(all_vectors: &[Vector]) -> Vec<&Vector> {
    all_vectors
        .iter()
        .filter(|v| v.call == Call::Evaluate && v.expect.error.is_none() && v.expect.not_in_force.is_none())
        .collect()
}

/// Runs `cases` generated applications against `subject`, seeded from its
/// `evaluate` vectors. `other`, when given, is another build of the same
/// source that must answer byte for byte the same. Each failing invariant is
/// reported once, with its shrunk counterexample; the search then goes on
/// without it, so one failure does not hide another.
pub fn check(
    subject: &dyn Subject,
    other: Option<&dyn Subject>,
    info: &ModuleInfo,
    all_vectors: &[Vector],
    departures: &[Departure],
    seed: u64,
    cases: u32,
) -> InvariantReport {
    let seeds = evaluate_seeds(all_vectors);
    let mut report = InvariantReport {
        seed,
        invariants: INVARIANTS.iter().map(|s| s.to_string()).collect(),
        departures: departures.to_vec(),
        ..Default::default()
    };
    if seeds.is_empty() {
        return report;
    }
    let mut skip = BTreeSet::new();
    loop {
        let result = runner(seed, cases).run(&strategy(), |case| {
            let (k, app, _) = build(&seeds, &case);
            check_one(subject, other, info, seeds[k], &app, &case.2, &skip, departures)
                .map_err(|(inv, detail)| TestCaseError::fail(format!("{inv}\u{1f}{detail}")))
        });
        report.cases = cases;
        match result {
            Ok(()) => break,
            Err(TestError::Fail(why, case)) => {
                let (k, app, mutations) = build(&seeds, &case);
                let why = why.message().to_string();
                let (inv, detail) = why.split_once('\u{1f}').unwrap_or(("unknown", &why));
                report.violations.push(Violation {
                    invariant: inv.to_string(),
                    seed,
                    vector: seeds[k].id.clone(),
                    legal_date: seeds[k].legal_date.clone(),
                    mutations,
                    application: app,
                    detail: detail.to_string(),
                });
                if !skip.insert(inv.to_string()) || skip.len() >= INVARIANTS.len() {
                    break;
                }
            }
            Err(TestError::Abort(why)) => {
                report.violations.push(Violation {
                    invariant: "kit".into(),
                    seed,
                    vector: String::new(),
                    legal_date: String::new(),
                    mutations: Vec::new(),
                    application: Value::Null,
                    detail: format!("the generator gave up: {why}"),
                });
                break;
            }
        }
    }
    report
}
