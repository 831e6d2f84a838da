//! Gongshu's eligibility rules (二(一)2-3 of policy text 003_7477c59a98b1b6f9)
//! written in Rego (`gongshu.rego`) and evaluated by regorus, Microsoft's Rego
//! interpreter: the policy-engine baseline of the benchmark (issue 13).
//!
//! The comparison is only fair if the Rego policy decides what the module
//! decides, so `tests/equivalence.rs` runs every Gongshu `evaluate` vector
//! through both and requires the same [`View`]: outcome, route statuses,
//! missing materials, and every reason's code and citation.

use std::collections::BTreeSet;

use anyhow::Context;
use juzhu_sdk::types::{Application, Decision, Refusal};
use serde_json::{Value as Json, json};

/// The policy source.
pub const POLICY: &str = include_str!("../gongshu.rego");

/// The rule that answers a request.
pub const RULE: &str = "data.gongshu.result";

/// A regorus engine with the Gongshu policy parsed and prepared once.
pub struct RegoGongshu {
    engine: regorus::Engine,
}

impl RegoGongshu {
    /// Parses the policy and prepares the engine (done once; each call then
    /// only sets its input and evaluates [`RULE`]).
    pub fn new() -> anyhow::Result<Self> {
        let mut engine = regorus::Engine::new();
        engine.add_policy("gongshu.rego".into(), POLICY.into()).context("gongshu.rego does not parse")?;
        let mut this = RegoGongshu { engine };
        // The first evaluation prepares the engine (rule index, scheduling).
        this.engine.set_input(regorus::Value::new_object());
        this.engine.eval_rule(RULE.into()).context("preparing the engine")?;
        Ok(this)
    }

    /// The Rego input for an application and legal date: the application as
    /// the station receives it (serde JSON of the contract type).
    pub fn input(application: &Application, legal_date: &str) -> anyhow::Result<regorus::Value> {
        let text = serde_json::to_string(&json!({ "application": application, "legal_date": legal_date }))?;
        regorus::Value::from_json_str(&text).context("the application as Rego input")
    }

    /// Evaluates one prepared input: `{"decision": …}` or `{"error": {"field": …}}`.
    pub fn evaluate(&mut self, input: regorus::Value) -> anyhow::Result<regorus::Value> {
        self.engine.set_input(input);
        let result = self.engine.eval_rule(RULE.into())?;
        anyhow::ensure!(result != regorus::Value::Undefined, "{RULE} is undefined for this input");
        Ok(result)
    }

    /// Evaluates an application and returns its comparable [`View`].
    pub fn decide(&mut self, application: &Application, legal_date: &str) -> anyhow::Result<View> {
        let result = self.evaluate(Self::input(application, legal_date)?)?;
        View::of_rego(&serde_json::to_value(&result)?)
    }
}

/// What both engines must agree on, with lists as sets and message texts left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum View {
    /// The request is refused, naming this field.
    Error { field: String },
    Decision {
        outcome: String,
        tier: Option<String>,
        /// Shared reasons: (code, document, clause).
        reasons: BTreeSet<(String, String, String)>,
        /// Route → (status, reasons, missing materials).
        routes: BTreeSet<RouteView>,
        /// (material, route, reason code, document, clause).
        missing: BTreeSet<Missing>,
    },
}

/// One route of a decision.
pub type RouteView = (String, String, BTreeSet<(String, String, String)>, BTreeSet<Missing>);
/// One missing material and the reason that asks for it.
pub type Missing = (String, Option<String>, String, String, String);

fn text(v: &Json, key: &str) -> anyhow::Result<String> {
    v.get(key).and_then(Json::as_str).map(str::to_string).with_context(|| format!("no string `{key}` in {v}"))
}

fn opt_text(v: &Json, key: &str) -> Option<String> {
    v.get(key).and_then(Json::as_str).map(str::to_string)
}

fn list<'a>(v: &'a Json, key: &str) -> anyhow::Result<&'a Vec<Json>> {
    v.get(key).and_then(Json::as_array).with_context(|| format!("no list `{key}` in {v}"))
}

fn reason(r: &Json) -> anyhow::Result<(String, String, String)> {
    let c = r.get("citation").with_context(|| format!("no citation in {r}"))?;
    Ok((text(r, "code")?, text(c, "document")?, text(c, "clause")?))
}

fn reasons(v: &Json) -> anyhow::Result<BTreeSet<(String, String, String)>> {
    list(v, "reasons")?.iter().map(reason).collect()
}

fn missing(v: &Json) -> anyhow::Result<BTreeSet<Missing>> {
    list(v, "missing")?
        .iter()
        .map(|m| {
            let (code, document, clause) = reason(m.get("reason").with_context(|| format!("no reason in {m}"))?)?;
            Ok((text(m, "material")?, opt_text(m, "route"), code, document, clause))
        })
        .collect()
}

impl View {
    /// The view of a decision as JSON (juzhu's serde form, or the Rego policy's).
    fn of_decision(d: &Json) -> anyhow::Result<Self> {
        let routes = list(d, "routes")?
            .iter()
            .map(|r| Ok((text(r, "route")?, text(r, "status")?, reasons(r)?, missing(r)?)))
            .collect::<anyhow::Result<_>>()?;
        Ok(View::Decision {
            outcome: text(d, "outcome")?,
            tier: opt_text(d, "tier"),
            reasons: reasons(d)?,
            routes,
            missing: missing(d)?,
        })
    }

    /// The view of the Rego policy's result.
    pub fn of_rego(result: &Json) -> anyhow::Result<Self> {
        if let Some(e) = result.get("error") {
            return Ok(View::Error { field: text(e, "field")? });
        }
        Self::of_decision(result.get("decision").with_context(|| format!("neither decision nor error: {result}"))?)
    }

    /// The view of juzhu's answer (native or wasm).
    /// A date outside the text's in-force window is refused on `legal_date`,
    /// as the Rego policy refuses it.
    pub fn of_juzhu(result: &Result<Decision, Refusal>) -> anyhow::Result<Self> {
        match result {
            Ok(d) => Self::of_decision(&serde_json::to_value(d)?),
            Err(Refusal::Input(e)) => Ok(View::Error { field: e.field.clone() }),
            Err(Refusal::NotInForce(_)) => Ok(View::Error { field: "legal_date".into() }),
        }
    }

    /// The outcome, or `error` for a refused request.
    pub fn outcome(&self) -> &str {
        match self {
            View::Error { .. } => "error",
            View::Decision { outcome, .. } => outcome,
        }
    }
}
