//! Module answers shaped for the templates: each reason in the chosen
//! language with its clause, the title of the document it cites, the
//! clause's own words where the module has a clause table (contract 1.1),
//! and what the reason does (its effect, and whether it decided).

use serde_json::{Value, json};

use juzhu_runtime::contract::types::{Citation, Decision, Document, Effect, MissingMaterial, Reason};
use juzhu_station::service::Service;

use crate::i18n::Lang;
use crate::web::kebab;

/// The documents a module cites, with their clause tables, by id.
pub struct Documents(Vec<Document>);

impl Documents {
    /// The documents of the module with this sha256, if it is still loaded.
    pub fn of(service: &Service, sha256: &str) -> Self {
        let set = service.modules().snapshot();
        Documents(set.by_sha256(sha256).map(|m| m.info().documents.clone()).unwrap_or_default())
    }

    fn title(&self, id: &str) -> String {
        self.0.iter().find(|d| d.id == id).map(|d| d.title.clone()).unwrap_or_else(|| id.to_string())
    }

    /// The cited clause's verbatim words, where the module's table has them.
    fn words(&self, c: &Citation) -> Option<String> {
        let doc = self.0.iter().find(|d| d.id == c.document)?;
        doc.clauses.iter().find(|k| k.label == c.clause).map(|k| k.text.clone()).filter(|t| !t.trim().is_empty())
    }

    pub fn citation(&self, c: &Citation) -> Value {
        json!({ "document": c.document, "title": self.title(&c.document), "clause": c.clause, "words": self.words(c) })
    }

    /// A reason: its text, citation (with the clause's words), and effect
    /// (`met`, `not-met`, `unknown`, `information`; `not-stated` for a
    /// contract 1.0 module, which stated none).
    pub fn reason(&self, lang: Lang, r: &Reason) -> Value {
        let text = if lang == Lang::Zh { &r.zh } else { &r.en };
        let effect = match r.effect {
            Some(Effect::Met) => "met",
            Some(Effect::NotMet) => "not-met",
            Some(Effect::Unknown) => "unknown",
            Some(Effect::Information) => "information",
            None => "not-stated",
        };
        json!({
            "code": r.code,
            "text": text,
            "citation": self.citation(&r.citation),
            // Shown plainly unless it is a condition not met or not known.
            "met": r.effect.map_or(r.code.ends_with(".met"), |e| !matches!(e, Effect::NotMet | Effect::Unknown)),
            "effect": effect,
            "decisive": r.decisive == Some(true),
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use juzhu_runtime::contract::types::{Clause, ClauseKind, DocumentSource};

    fn reason(code: &str, clause: &str, effect: Option<Effect>, decisive: Option<bool>) -> Reason {
        Reason {
            code: code.into(),
            zh: "理由".into(),
            en: "reason".into(),
            citation: Citation { document: "d".into(), clause: clause.into() },
            effect,
            decisive,
        }
    }

    #[test]
    fn a_reason_shows_its_clause_s_words_and_what_it_does() {
        let docs = Documents(vec![Document {
            id: "d".into(),
            title: "标题".into(),
            issued_on: None,
            in_force_from: None,
            issuer: Some("某市人民政府".into()),
            in_force_until: None,
            window_basis: None,
            source: Some(DocumentSource::Corpus),
            clauses: vec![Clause {
                label: "二(一)2".into(),
                text: "在杭州市区办理居住登记满半年".into(),
                kind: ClauseKind::Condition,
                note: None,
            }],
        }]);
        let shown = docs.reason(Lang::En, &reason("period.not-met", "二(一)2", Some(Effect::NotMet), Some(true)));
        assert_eq!(shown["citation"]["words"], "在杭州市区办理居住登记满半年");
        assert_eq!(shown["effect"], "not-met");
        assert_eq!(shown["decisive"], true);
        assert_eq!(shown["met"], false);
        // A clause the table lacks, and a 1.0 module's reason: no words, effect not stated.
        let old = docs.reason(Lang::En, &reason("x.met", "三", None, None));
        assert_eq!(old["citation"]["words"], Value::Null);
        assert_eq!(old["effect"], "not-stated");
        assert_eq!(old["met"], true);
    }
}
