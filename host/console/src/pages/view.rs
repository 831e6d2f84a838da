//! Module answers shaped for the templates: each reason in the chosen
//! language with its clause and the title of the document it cites.

use serde_json::{Value, json};

use juzhu_runtime::contract::types::{Citation, Decision, MissingMaterial, Reason};
use juzhu_station::service::Service;

use crate::i18n::Lang;
use crate::web::kebab;

/// The titles of the documents a module cites, by id.
pub struct Documents(Vec<(String, String)>);

impl Documents {
    /// The documents of the module with this sha256, if it is still loaded.
    pub fn of(service: &Service, sha256: &str) -> Self {
        let set = service.modules().snapshot();
        let docs = set
            .by_sha256(sha256)
            .map(|m| m.info().documents.iter().map(|d| (d.id.clone(), d.title.clone())).collect())
            .unwrap_or_default();
        Documents(docs)
    }

    fn title(&self, id: &str) -> String {
        self.0.iter().find(|(d, _)| d == id).map(|(_, t)| t.clone()).unwrap_or_else(|| id.to_string())
    }

    pub fn citation(&self, c: &Citation) -> Value {
        json!({ "document": c.document, "title": self.title(&c.document), "clause": c.clause })
    }

    pub fn reason(&self, lang: Lang, r: &Reason) -> Value {
        let text = if lang == Lang::Zh { &r.zh } else { &r.en };
        json!({ "code": r.code, "text": text, "citation": self.citation(&r.citation), "met": r.code.ends_with(".met") })
    }

    pub fn reasons(&self, lang: Lang, rs: &[Reason]) -> Vec<Value> {
        rs.iter().map(|r| self.reason(lang, r)).collect()
    }

    fn missing(&self, lang: Lang, m: &[MissingMaterial]) -> Vec<Value> {
        m.iter()
            .map(|m| {
                json!({
                    "material": kebab(serde_json::to_value(m.material).unwrap_or_default().as_str().unwrap_or_default()),
                    "route": m.route.map(|r| kebab(serde_json::to_value(r).unwrap_or_default().as_str().unwrap_or_default())),
                    "reason": self.reason(lang, &m.reason),
                })
            })
            .collect()
    }

    /// A decision: outcome, tier, shared reasons, every route, every missing material.
    pub fn decision(&self, lang: Lang, d: &Decision) -> Value {
        let name = |v: Value| kebab(v.as_str().unwrap_or_default());
        json!({
            "outcome": name(serde_json::to_value(d.outcome).unwrap_or_default()),
            "tier": d.tier.map(|t| name(serde_json::to_value(t).unwrap_or_default())),
            "reasons": self.reasons(lang, &d.reasons),
            "routes": d.routes.iter().map(|r| json!({
                "route": name(serde_json::to_value(r.route).unwrap_or_default()),
                "tier": r.tier.map(|t| name(serde_json::to_value(t).unwrap_or_default())),
                "status": name(serde_json::to_value(r.status).unwrap_or_default()),
                "reasons": self.reasons(lang, &r.reasons),
                "missing": self.missing(lang, &r.missing),
            })).collect::<Vec<_>>(),
            "missing": self.missing(lang, &d.missing),
            "clauses": clauses(d),
        })
    }
}

/// Every clause the missing materials cite, once each, in order.
fn clauses(d: &Decision) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in &d.missing {
        if !out.contains(&m.reason.citation.clause) {
            out.push(m.reason.citation.clause.clone());
        }
    }
    out
}
