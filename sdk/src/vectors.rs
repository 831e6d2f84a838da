//! Test vectors: cases drawn from a policy text, one YAML schema for every
//! module, run against the native build (here) and the wasm component (by
//! `juzhu certify`).
//!
//! A vector file holds a list of vectors and, optionally, `defaults` where
//! YAML anchors for shared facts live (`<<: *base` merges them):
//!
//! ```yaml
//! defaults:
//!   facts: &base { jurisdiction: "330205", identity: {...}, ... }
//! vectors:
//!   - id: nb-emp-insurance-12-months
//!     clause: 三(一)1(1)
//!     legal_date: 2017-06-01
//!     facts: { <<: *base, insurance: [...] }
//!     expect:
//!       outcome: Eligible
//!       routes: { Employment: Met }
//!       missing: []
//! ```
//!
//! `call` picks the function (`evaluate`, the default; `endorsement`,
//! `services`, `points`, `card`). What `expect` may say is [`Expect`]; lists
//! of codes and materials are compared as sets. A vector whose facts are not
//! valid is refused when it is loaded, naming the field, unless it expects that
//! error (`expect.error.field`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::types::*;
use crate::validate;

/// Which contract function a vector exercises.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Call {
    #[default]
    Evaluate,
    Endorsement,
    Services,
    Points,
    Card,
}

/// One case.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    pub id: String,
    /// The clause the case exercises, in the text's numbering.
    pub clause: String,
    #[serde(default)]
    pub description: Option<String>,
    pub legal_date: String,
    #[serde(default)]
    pub call: Call,
    pub facts: Application,
    #[serde(default)]
    pub permit: Option<Permit>,
    pub expect: Expect,
}

/// What the result must show. Every field is optional; only what is given is
/// compared.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The call must fail with an input error on this field.
    pub error: Option<ExpectError>,
    /// The call must be refused: the legal date is outside this document's
    /// in-force window.
    pub not_in_force: Option<ExpectNotInForce>,
    pub outcome: Option<Outcome>,
    pub tier: Option<PermitTier>,
    /// Route → status, for the routes named.
    pub routes: Option<BTreeMap<String, RouteStatus>>,
    /// Every reason code in the decision (shared and per route), as a set.
    pub reasons: Option<BTreeSet<String>>,
    /// Reason codes that must appear.
    pub reasons_include: Option<BTreeSet<String>>,
    /// Reason codes that must not appear.
    pub reasons_exclude: Option<BTreeSet<String>>,
    /// Reason codes that must appear marked as deciding the answer.
    pub deciding_include: Option<BTreeSet<String>>,
    /// Reason codes that must not be marked as deciding (they may appear as
    /// supporting facts or information).
    pub deciding_exclude: Option<BTreeSet<String>>,
    /// Reason code → words its Chinese or English text must contain (e.g. the
    /// name of a configured parameter the reason relies on, or a cited text).
    pub reason_text: Option<BTreeMap<String, String>>,
    /// The decision's missing materials, as a set.
    pub missing: Option<BTreeSet<MaterialKind>>,
    pub endorsement: Option<ExpectEndorsement>,
    pub services: Option<ExpectServices>,
    pub points: Option<ExpectPoints>,
    pub card: Option<ExpectCard>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectError {
    pub field: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectNotInForce {
    /// The document id the refusal names.
    pub document: String,
    /// Its window as the refusal states it (`Some(None)`, written `null`:
    /// open at that end).
    #[serde(default, deserialize_with = "present")]
    pub from: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub until: Option<Option<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusKind {
    NotDue,
    WindowOpen,
    OverdueSuspended,
    ToBeCancelled,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectEndorsement {
    pub status: Option<StatusKind>,
    /// Window dates (not due, window open).
    pub opens: Option<String>,
    pub closes: Option<String>,
    /// The first day of a suspension (overdue), or of a cancellation ground
    /// (to be cancelled).
    pub since: Option<String>,
    /// `Some(None)`, written `restore_by: null`, asserts there is no deadline.
    #[serde(default, deserialize_with = "present")]
    pub restore_by: Option<Option<String>>,
    /// The cancellation ground's reason code.
    pub ground: Option<String>,
    pub allowed: Option<bool>,
    pub residence_years: Option<u32>,
    pub counted_from: Option<String>,
    pub reasons_include: Option<BTreeSet<String>>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectServices {
    pub include: Option<BTreeSet<String>>,
    pub exclude: Option<BTreeSet<String>>,
    pub count: Option<usize>,
    /// Service code → responsible department.
    pub departments: Option<BTreeMap<String, String>>,
    /// Service codes that must name no responsible department (the text names none).
    pub without_department: Option<BTreeSet<String>>,
    pub reasons_include: Option<BTreeSet<String>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectPoints {
    pub total: Option<i32>,
    pub vetoed: Option<bool>,
    pub frozen: Option<bool>,
    /// Indicator → points, for the indicators named.
    pub lines: Option<BTreeMap<String, i32>>,
    /// Indicators that must not appear.
    pub absent: Option<BTreeSet<String>>,
    pub reasons_include: Option<BTreeSet<String>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectCard {
    /// Top-level fields of `card-content` (snake_case) → expected JSON value.
    pub fields: Option<BTreeMap<String, serde_json::Value>>,
    /// Extra field tag → value.
    pub extra: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VectorFile {
    #[serde(default)]
    #[allow(dead_code)]
    defaults: Option<serde_yaml::Value>,
    vectors: Vec<Vector>,
}

/// A vector file that cannot be used, with where and why.
#[derive(Debug)]
pub struct LoadError {
    pub file: PathBuf,
    pub field: String,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file.display(), self.field, self.message)
    }
}

impl std::error::Error for LoadError {}

/// Deserializes `value`, naming the path of a wrong or unknown field.
pub fn from_value<T: DeserializeOwned>(value: serde_yaml::Value) -> Result<T, (String, String)> {
    let mut unknown: Vec<String> = Vec::new();
    let mut note_unknown = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
    let ignored = serde_ignored::Deserializer::new(value, &mut note_unknown);
    let parsed: T = serde_path_to_error::deserialize(ignored).map_err(|e| {
        let path = e.path().to_string();
        (path, e.into_inner().to_string())
    })?;
    if let Some(field) = unknown.into_iter().next() {
        return Err((
            field.clone(),
            format!("unknown field `{field}`; check its spelling against wit/policy.wit (snake_case)"),
        ));
    }
    Ok(parsed)
}

/// Loads one vector file.
pub fn load_file(path: &Path) -> Result<Vec<Vector>, LoadError> {
    let fail = |field: String, message: String| LoadError { file: path.to_path_buf(), field, message };
    let text = std::fs::read_to_string(path).map_err(|e| fail(String::new(), format!("cannot read: {e}")))?;
    let mut value: serde_yaml::Value =
        serde_yaml::from_str(&text).map_err(|e| fail(String::new(), format!("not YAML: {e}")))?;
    value.apply_merge().map_err(|e| fail(String::new(), format!("bad `<<` merge: {e}")))?;
    // `defaults` only carries anchors; drop it so its (partial) facts are not checked.
    if let serde_yaml::Value::Mapping(m) = &mut value {
        m.remove("defaults");
    }
    let file: VectorFile = from_value(value).map_err(|(field, message)| fail(field, message))?;
    let mut ids = BTreeSet::new();
    for (i, v) in file.vectors.iter().enumerate() {
        let at = |field: &str| format!("vectors[{i}] ({}).{field}", v.id);
        if !ids.insert(v.id.clone()) {
            return Err(fail(at("id"), format!("duplicate vector id `{}`", v.id)));
        }
        if v.clause.trim().is_empty() {
            return Err(fail(at("clause"), "is empty; name the clause the vector exercises".into()));
        }
        if v.expect.error.is_some() && v.expect.not_in_force.is_some() {
            return Err(fail(at("expect"), "expects both an input error and not-in-force; keep one".into()));
        }
        if v.expect.error.is_none() {
            // A vector that does not expect an error must be valid input.
            validate::legal_date(&v.legal_date).map_err(|e| fail(at(&e.field), e.message))?;
            let root = if v.call == Call::Evaluate { "application" } else { "facts" };
            validate::application(root, &v.facts)
                .map_err(|e| fail(at(&e.field.replacen(root, "facts", 1)), e.message))?;
            if let Some(p) = &v.permit {
                validate::permit("permit", p).map_err(|e| fail(at(&e.field), e.message))?;
            }
            if v.call != Call::Evaluate && v.call != Call::Points && v.permit.is_none() {
                return Err(fail(at("permit"), format!("is required for call `{:?}`", v.call).to_lowercase()));
            }
        }
    }
    Ok(file.vectors)
}

/// Loads every `*.yaml` file in `dir`, in name order.
pub fn load_dir(dir: &Path) -> Result<Vec<Vector>, LoadError> {
    let fail = |message: String| LoadError { file: dir.to_path_buf(), field: String::new(), message };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| fail(format!("cannot read vector directory: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(fail("holds no .yaml vector files".into()));
    }
    let mut all = Vec::new();
    let mut ids = BTreeMap::new();
    for f in files {
        for v in load_file(&f)? {
            if let Some(other) = ids.insert(v.id.clone(), f.clone()) {
                return Err(LoadError {
                    file: f,
                    field: format!("vector `{}`", v.id),
                    message: format!("id also used in {}", other.display()),
                });
            }
            all.push(v);
        }
    }
    Ok(all)
}

/// The result of running a vector, in contract types.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Actual {
    Decision(Decision),
    Endorsement(EndorsementAnswer),
    Services(Entitlements),
    Points(PointsBreakdown),
    Card(CardContent),
}

/// Something that can run a vector: the native build, or (in the host) the
/// wasm component. `Err` is a failure of the call itself (a trap, a limit).
pub trait Subject {
    fn info(&self) -> Result<ModuleInfo, String>;
    fn run(&self, vector: &Vector) -> Result<Result<Actual, Refusal>, String>;
}

impl Subject for crate::NativeModule {
    fn info(&self) -> Result<ModuleInfo, String> {
        Ok((self.info)())
    }

    fn run(&self, v: &Vector) -> Result<Result<Actual, Refusal>, String> {
        let facts = v.facts.clone();
        let date = v.legal_date.clone();
        let permit = || v.permit.clone().ok_or_else(|| "vector has no permit".to_string());
        Ok(match v.call {
            Call::Evaluate => (self.evaluate)(facts, date).map(Actual::Decision),
            Call::Endorsement => (self.endorsement)(permit()?, facts, date).map(Actual::Endorsement),
            Call::Services => (self.services)(permit()?, facts, date).map(Actual::Services),
            Call::Points => (self.points)(v.permit.clone(), facts, date).map(Actual::Points),
            Call::Card => (self.card)(permit()?, facts, date).map(Actual::Card),
        })
    }
}

/// One difference between what a vector expects and what came back.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    pub vector: String,
    pub field: String,
    pub expected: String,
    pub actual: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: expected {}, got {}", self.vector, self.field, self.expected, self.actual)
    }
}

struct Checker<'a> {
    vector: &'a str,
    found: Vec<Mismatch>,
}

impl Checker<'_> {
    fn eq<T: Serialize + PartialEq>(&mut self, field: &str, expected: &Option<T>, actual: &T) {
        if let Some(e) = expected
            && e != actual
        {
            self.push(field, show(e), show(actual));
        }
    }

    fn push(&mut self, field: &str, expected: String, actual: String) {
        self.found.push(Mismatch { vector: self.vector.to_string(), field: field.to_string(), expected, actual });
    }

    fn set(&mut self, field: &str, expected: &Option<BTreeSet<String>>, actual: &BTreeSet<String>) {
        self.eq(field, expected, actual);
    }

    fn include(&mut self, field: &str, expected: &Option<BTreeSet<String>>, actual: &BTreeSet<String>) {
        if let Some(e) = expected {
            let absent: BTreeSet<_> = e.difference(actual).collect();
            if !absent.is_empty() {
                self.push(field, format!("to include {}", show(&absent)), show(actual));
            }
        }
    }

    fn exclude(&mut self, field: &str, expected: &Option<BTreeSet<String>>, actual: &BTreeSet<String>) {
        if let Some(e) = expected {
            let present: BTreeSet<_> = e.intersection(actual).collect();
            if !present.is_empty() {
                self.push(field, format!("not to include {}", show(&present)), show(actual));
            }
        }
    }

    fn wrong_kind(&mut self, what: &str, actual: &Actual) {
        let got = match actual {
            Actual::Decision(_) => "a decision",
            Actual::Endorsement(_) => "an endorsement answer",
            Actual::Services(_) => "services",
            Actual::Points(_) => "points",
            Actual::Card(_) => "card content",
        };
        self.push("expect", format!("a {what} result (check the vector's `call`)"), got.into());
    }
}

fn codes<'a>(reasons: impl IntoIterator<Item = &'a Reason>) -> BTreeSet<String> {
    reasons.into_iter().map(|r| r.code.clone()).collect()
}

/// A value as a vector spells it: plain text for strings and enum values,
/// compact JSON otherwise.
fn show<T: Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "(unprintable)".into(),
    }
}

/// The CamelCase name serde gives a unit enum value.
fn name_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

/// Every reason a result gives, wherever it sits.
pub fn all_reasons(actual: &Actual) -> Vec<&Reason> {
    match actual {
        Actual::Decision(d) => d
            .reasons
            .iter()
            .chain(d.routes.iter().flat_map(|r| r.reasons.iter().chain(r.missing.iter().map(|m| &m.reason))))
            .chain(d.missing.iter().map(|m| &m.reason))
            .collect(),
        Actual::Endorsement(e) => {
            let mut all: Vec<&Reason> = e.reasons.iter().collect();
            if let EndorsementStatus::ToBeCancelled(c) = &e.status {
                all.push(&c.ground);
            }
            all
        }
        Actual::Services(s) => s.reasons.iter().collect(),
        Actual::Points(p) => p.reasons.iter().collect(),
        Actual::Card(_) => Vec::new(),
    }
}

/// Whether a module was built against contract 1.0, which had no clause
/// table and stated no effects: its vectors are checked as 1.0 checked them.
fn is_1_0(info: &ModuleInfo) -> bool {
    info.contract_version.starts_with("1.0.")
}

/// Citations that do not resolve: under 1.1, to a clause the module's table
/// lists for that document; under 1.0 (no table), to one of its documents
/// (or Decree 663) and a non-empty clause. Every rule must cite its clause.
pub fn uncited(actual: &Actual, info: &ModuleInfo) -> Vec<String> {
    let legacy = is_1_0(info);
    let known = |c: &Citation| {
        if legacy {
            (c.document == crate::framework::DECREE_663 || info.documents.iter().any(|d| d.id == c.document))
                && !c.clause.trim().is_empty()
        } else {
            crate::table::resolves(&info.documents, &c.document, &c.clause)
        }
    };
    let mut bad = Vec::new();
    let mut check = |what: String, c: &Citation| {
        if !known(c) {
            let table = if legacy { "" } else { " (not in the module's clause table)" };
            bad.push(format!("{what} cites `{}` `{}`{table}", c.document, c.clause));
        }
    };
    for r in all_reasons(actual) {
        check(format!("reason `{}`", r.code), &r.citation);
    }
    match actual {
        Actual::Services(s) => s.services.iter().for_each(|x| check(format!("service `{}`", x.code), &x.citation)),
        Actual::Points(p) => p.lines.iter().for_each(|l| check(format!("indicator `{}`", l.indicator), &l.citation)),
        Actual::Card(c) => check("card".into(), &c.citation),
        _ => {}
    }
    bad
}

/// A refusal as a mismatch shows it.
fn show_refusal(refusal: &Refusal) -> String {
    match refusal {
        Refusal::Input(err) => format!("input error on `{}`: {}", err.field, err.message),
        Refusal::NotInForce(n) => format!(
            "not in force: `{}` {} from {} until {} (legal date {})",
            n.document,
            n.title,
            n.in_force_from.as_deref().unwrap_or("(open)"),
            n.in_force_until.as_deref().unwrap_or("(open)"),
            n.legal_date
        ),
    }
}

/// Reasons that do not say honestly what they do (contract 1.1): each states
/// its effect and whether it decided; a code's stated effect
/// ([`stated_effect`](crate::cite::stated_effect)) agrees with the effect;
/// the deciding reasons of each list come first.
pub fn dishonest(actual: &Actual, info: &ModuleInfo) -> Vec<String> {
    if is_1_0(info) {
        return Vec::new();
    }
    let mut bad = Vec::new();
    for r in all_reasons(actual) {
        let (Some(effect), Some(_)) = (r.effect, r.decisive) else {
            bad.push(format!("reason `{}` does not state its effect and whether it decided", r.code));
            continue;
        };
        let stated = crate::cite::stated_effect(&r.code);
        if stated != Effect::Information && stated != effect {
            bad.push(format!("reason `{}` has effect {} but its code says {}", r.code, show(&effect), show(&stated)));
        }
        if effect == Effect::Information && r.decisive == Some(true) {
            bad.push(format!("reason `{}` is information but marked as deciding", r.code));
        }
    }
    let mut order = |what: &str, list: &[Reason]| {
        if list.windows(2).any(|w| w[0].decisive != Some(true) && w[1].decisive == Some(true)) {
            bad.push(format!("{what}: a deciding reason follows one that did not decide"));
        }
    };
    match actual {
        Actual::Decision(d) => {
            order("decision.reasons", &d.reasons);
            for r in &d.routes {
                order(&format!("routes.{}.reasons", name_of(&r.route)), &r.reasons);
            }
        }
        Actual::Endorsement(e) => order("endorsement.reasons", &e.reasons),
        Actual::Services(s) => order("services.reasons", &s.reasons),
        Actual::Points(p) => order("points.reasons", &p.reasons),
        Actual::Card(_) => {}
    }
    bad
}

/// Compares a result with what the vector expects.
pub fn compare(v: &Vector, result: &Result<Actual, Refusal>) -> Vec<Mismatch> {
    let mut c = Checker { vector: &v.id, found: Vec::new() };
    let e = &v.expect;
    let actual = match (result, &e.error, &e.not_in_force) {
        (Err(Refusal::Input(err)), Some(want), _) => {
            if err.field != want.field {
                c.push("error.field", want.field.clone(), format!("{} ({})", err.field, err.message));
            }
            return c.found;
        }
        (Err(Refusal::NotInForce(n)), _, Some(want)) => {
            c.eq("not_in_force.document", &Some(want.document.clone()), &n.document);
            if let Some(from) = &want.from {
                c.eq("not_in_force.from", &Some(from.clone()), &n.in_force_from);
            }
            if let Some(until) = &want.until {
                c.eq("not_in_force.until", &Some(until.clone()), &n.in_force_until);
            }
            return c.found;
        }
        (Err(refusal), Some(want), _) => {
            c.push("error.field", want.field.clone(), show_refusal(refusal));
            return c.found;
        }
        (Err(refusal), None, Some(want)) => {
            c.push("not_in_force", format!("not in force: `{}`", want.document), show_refusal(refusal));
            return c.found;
        }
        (Err(refusal), None, None) => {
            c.push("result", "a result".into(), show_refusal(refusal));
            return c.found;
        }
        (Ok(_), Some(want), _) => {
            c.push("error.field", want.field.clone(), "no error".into());
            return c.found;
        }
        (Ok(_), None, Some(want)) => {
            c.push("not_in_force", format!("not in force: `{}`", want.document), "an answer".into());
            return c.found;
        }
        (Ok(a), None, None) => a,
    };
    let reason_codes = codes(all_reasons(actual));
    let wants_decision = e.outcome.is_some() || e.tier.is_some() || e.routes.is_some() || e.missing.is_some();
    match actual {
        Actual::Decision(d) => {
            c.eq("outcome", &e.outcome, &d.outcome);
            if e.tier.is_some() {
                c.eq("tier", &e.tier.map(Some), &d.tier);
            }
            if let Some(routes) = &e.routes {
                for (name, want) in routes {
                    let got: Vec<RouteStatus> =
                        d.routes.iter().filter(|r| &name_of(&r.route) == name).map(|r| r.status).collect();
                    // A route evaluated once per tier is met if any tier's evaluation is.
                    let status = if got.contains(want) { Some(*want) } else { got.first().copied() };
                    match status {
                        Some(s) if s == *want => {}
                        Some(s) => c.push(&format!("routes.{name}"), show(want), show(&s)),
                        None => c.push(&format!("routes.{name}"), show(want), "no such route".into()),
                    }
                }
            }
            let missing: BTreeSet<MaterialKind> = d.missing.iter().map(|m| m.material).collect();
            c.eq("missing", &e.missing, &missing);
        }
        other if wants_decision => c.wrong_kind("decision", other),
        _ => {}
    }
    c.set("reasons", &e.reasons, &reason_codes);
    c.include("reasons_include", &e.reasons_include, &reason_codes);
    c.exclude("reasons_exclude", &e.reasons_exclude, &reason_codes);
    let deciding = codes(all_reasons(actual).into_iter().filter(|r| r.decisive == Some(true)));
    c.include("deciding_include", &e.deciding_include, &deciding);
    c.exclude("deciding_exclude", &e.deciding_exclude, &deciding);
    for (code, words) in e.reason_text.iter().flatten() {
        let reasons = all_reasons(actual);
        let said = reasons
            .iter()
            .filter(|r| &r.code == code)
            .any(|r| r.zh.contains(words.as_str()) || r.en.contains(words.as_str()));
        if !said {
            let got: Vec<String> =
                reasons.iter().filter(|r| &r.code == code).map(|r| format!("{} / {}", r.zh, r.en)).collect();
            c.push(&format!("reason_text.{code}"), format!("to contain {words:?}"), show(&got));
        }
    }
    if let Some(want) = &e.endorsement {
        match actual {
            Actual::Endorsement(a) => compare_endorsement(&mut c, want, a),
            other => c.wrong_kind("endorsement", other),
        }
    }
    if let Some(want) = &e.services {
        match actual {
            Actual::Services(s) => {
                let got: BTreeSet<String> = s.services.iter().map(|x| x.code.clone()).collect();
                c.include("services.include", &want.include, &got);
                c.exclude("services.exclude", &want.exclude, &got);
                c.eq("services.count", &want.count, &s.services.len());
                for (code, dept) in want.departments.iter().flatten() {
                    let got = s.services.iter().find(|x| &x.code == code).map(|x| x.department.clone());
                    c.eq(&format!("services.departments.{code}"), &Some(Some(Some(dept.clone()))), &got);
                }
                for code in want.without_department.iter().flatten() {
                    let got = s.services.iter().find(|x| &x.code == code).map(|x| x.department.clone());
                    c.eq(&format!("services.without_department.{code}"), &Some(Some(None)), &got);
                }
                c.include("services.reasons_include", &want.reasons_include, &codes(&s.reasons));
            }
            other => c.wrong_kind("services", other),
        }
    }
    if let Some(want) = &e.points {
        match actual {
            Actual::Points(p) => {
                c.eq("points.total", &want.total, &p.total);
                c.eq("points.vetoed", &want.vetoed, &p.vetoed);
                c.eq("points.frozen", &want.frozen, &p.frozen);
                for (indicator, points) in want.lines.iter().flatten() {
                    let got: Option<i32> =
                        p.lines.iter().filter(|l| &l.indicator == indicator).map(|l| l.points).reduce(|a, b| a + b);
                    c.eq(&format!("points.lines.{indicator}"), &Some(Some(*points)), &got);
                }
                let present: BTreeSet<String> = p.lines.iter().map(|l| l.indicator.clone()).collect();
                c.exclude("points.absent", &want.absent, &present);
                c.include("points.reasons_include", &want.reasons_include, &codes(&p.reasons));
            }
            other => c.wrong_kind("points", other),
        }
    }
    if let Some(want) = &e.card {
        match actual {
            Actual::Card(card) => {
                let json = serde_json::to_value(card).unwrap_or_default();
                for (field, value) in want.fields.iter().flatten() {
                    let got = json.get(field).cloned().unwrap_or(serde_json::Value::Null);
                    c.eq(&format!("card.fields.{field}"), &Some(value.clone()), &got);
                }
                for (tag, value) in want.extra.iter().flatten() {
                    let got = card.extra.iter().find(|f| &f.tag == tag).map(|f| f.value.clone());
                    c.eq(&format!("card.extra.{tag}"), &Some(Some(value.clone())), &got);
                }
            }
            other => c.wrong_kind("card", other),
        }
    }
    c.found
}

fn compare_endorsement(c: &mut Checker, want: &ExpectEndorsement, a: &EndorsementAnswer) {
    let (kind, window, suspension, ground) = match &a.status {
        EndorsementStatus::NotDue(w) => (StatusKind::NotDue, Some(w), None, None),
        EndorsementStatus::WindowOpen(w) => (StatusKind::WindowOpen, Some(w), None, None),
        EndorsementStatus::OverdueSuspended(s) => (StatusKind::OverdueSuspended, None, Some(s), None),
        EndorsementStatus::ToBeCancelled(c) => (StatusKind::ToBeCancelled, None, None, Some(c)),
    };
    let since = match (&a.status, suspension) {
        (_, Some(s)) => Some(s.since.clone()),
        (EndorsementStatus::ToBeCancelled(c), _) => Some(c.since.clone()),
        _ => None,
    };
    c.eq("endorsement.status", &want.status, &kind);
    if want.opens.is_some() || want.closes.is_some() {
        c.eq("endorsement.opens", &want.opens.clone().map(Some), &window.map(|w| w.opens.clone()));
        c.eq("endorsement.closes", &want.closes.clone().map(Some), &window.map(|w| w.closes.clone()));
    }
    if want.since.is_some() {
        c.eq("endorsement.since", &want.since.clone().map(Some), &since);
    }
    if let Some(restore_by) = &want.restore_by {
        c.eq("endorsement.restore_by", &Some(Some(restore_by.clone())), &suspension.map(|s| s.restore_by.clone()));
    }
    if want.ground.is_some() {
        c.eq("endorsement.ground", &want.ground.clone().map(Some), &ground.map(|g| g.ground.code.clone()));
    }
    c.eq("endorsement.allowed", &want.allowed, &a.endorsement_allowed);
    c.eq("endorsement.residence_years", &want.residence_years, &a.residence_years);
    c.eq("endorsement.counted_from", &want.counted_from, &a.residence_counted_from);
    c.include("endorsement.reasons_include", &want.reasons_include, &codes(&a.reasons));
}

/// The outcome of running a set of vectors against one subject.
#[derive(Debug, Default)]
pub struct Report {
    pub passed: usize,
    pub mismatches: Vec<Mismatch>,
}

/// Runs every vector against `subject`, checking expectations and citations.
pub fn run(subject: &dyn Subject, vectors: &[Vector]) -> Result<Report, String> {
    let info = subject.info()?;
    let mut report = Report::default();
    for v in vectors {
        // A call that fails (a trap, an exhausted budget) fails its vector
        // and the run goes on: one broken case must not hide the others.
        let result = match subject.run(v) {
            Ok(result) => result,
            Err(e) => {
                report.mismatches.push(Mismatch {
                    vector: v.id.clone(),
                    field: "call".into(),
                    expected: "an answer or a refusal".into(),
                    actual: format!("the call failed: {e}"),
                });
                continue;
            }
        };
        let mut found = compare(v, &result);
        if let Ok(actual) = &result {
            for bad in uncited(actual, &info) {
                found.push(Mismatch {
                    vector: v.id.clone(),
                    field: "citation".into(),
                    expected: "a clause of the module's clause table".into(),
                    actual: bad,
                });
            }
            for bad in dishonest(actual, &info) {
                found.push(Mismatch {
                    vector: v.id.clone(),
                    field: "effect".into(),
                    expected: "every reason saying what it does".into(),
                    actual: bad,
                });
            }
        }
        if found.is_empty() {
            report.passed += 1;
        } else {
            report.mismatches.extend(found);
        }
    }
    Ok(report)
}

/// Loads `dir` and runs it against a native module, panicking with every
/// mismatch: the body of a module's `tests/vectors.rs`.
pub fn assert_native(module: crate::NativeModule, dir: &Path) {
    let vectors = load_dir(dir).unwrap_or_else(|e| panic!("{e}"));
    let report = run(&module, &vectors).unwrap_or_else(|e| panic!("{e}"));
    if !report.mismatches.is_empty() {
        let lines: Vec<String> = report.mismatches.iter().map(|m| format!("  {m}")).collect();
        panic!("{} of {} vectors failed:\n{}", vectors.len() - report.passed, vectors.len(), lines.join("\n"));
    }
    eprintln!("{} vectors passed natively", report.passed);
}
