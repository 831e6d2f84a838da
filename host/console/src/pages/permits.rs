//! Finding a permit, its page, the supervisor's transitions and card issuance.

use std::sync::Arc;

use rocket::http::Status;
use rocket::response::Redirect;
use rocket::serde::json::Json;
use rocket::{get, post};
use serde_json::{Value, json};

use juzhu_domain::Transition;
use juzhu_station::auth::Role;
use juzhu_station::issuance::Kind;

use crate::form::FieldError;
use crate::i18n::t;
use crate::pages::apply::service_errors;
use crate::pages::view::Documents;
use crate::pages::{Reply, need, need_form, status_of};
use crate::session::Visitor;
use crate::web::{FormBody, message, render};

/// Find by permit number, or by citizen ID (the list shows it masked).
#[get("/permits?<q>")]
pub fn find(v: Visitor, q: Option<&str>) -> Reply {
    if let Err(r) = need(&v, Role::Clerk) {
        return r;
    }
    let q = q.map(str::trim).unwrap_or_default();
    if q.is_empty() {
        return render(&v, Status::Ok, "find.html", "/permits", json!({ "q": "", "results": null })).into();
    }
    let found = v.service.with_store(|s| -> Result<_, juzhu_store::StoreError> {
        if let Some(p) = s.permit(q)? {
            return Ok(vec![p]);
        }
        s.permits_of_holder(q)
    });
    match found {
        Ok(ps) if ps.len() == 1 && ps[0].number == q => Redirect::to(format!("/permits/{q}")).into(),
        Ok(ps) => {
            let errors: Vec<FieldError> =
                if ps.is_empty() { vec![FieldError::new("q", t(v.lang(), "error.no-permit"))] } else { vec![] };
            let results: Vec<Value> = ps
                .iter()
                .map(|p| json!({ "number": p.number, "holder": p.holder_citizen_id, "state": p.state.as_str(), "issued_on": p.issued_on, "jurisdiction": p.jurisdiction }))
                .collect();
            let status = if ps.is_empty() { Status::NotFound } else { Status::Ok };
            // The language switch returns to this search.
            let path: String =
                q.bytes()
                    .map(|b| {
                        if b.is_ascii_alphanumeric() || b == b'-' {
                            (b as char).to_string()
                        } else {
                            format!("%{b:02X}")
                        }
                    })
                    .collect();
            let path = format!("/permits?q={path}");
            render(&v, status, "find.html", &path, json!({ "q": q, "results": results, "errors": errors })).into()
        }
        Err(e) => message(&v, Status::InternalServerError, "error.internal", e.to_string()).into(),
    }
}

/// Everything the permit page shows; each part that fails says why in its place.
fn permit_data(v: &Visitor, number: &str) -> Result<Value, Reply> {
    let svc = &v.service;
    let permit = match svc.permit_record(number) {
        Ok(p) => p,
        Err(e) => return Err(message(v, status_of(&e), "error.not-found", e.to_string()).into()),
    };
    let lang = v.lang();
    let endorsement = svc.endorsement_status(number, None).map(|check| {
        let (answer, module, date) = (check.answer, check.module, check.legal_date);
        let docs = Documents::of(svc, &module.sha256);
        let status = serde_json::to_value(&answer.status).unwrap_or_default();
        json!({
            "status": status,
            "allowed": answer.endorsement_allowed,
            "reasons": docs.reasons(lang, &answer.reasons),
            "years": answer.residence_years,
            "counted_from": answer.residence_counted_from,
            "legal_date": date.to_string(),
        })
    });
    let benefits = svc.benefits(number, None).map(|b| {
        let docs = Documents::of(svc, &b.module.sha256);
        let text = |zh: &String, en: &String| if lang == crate::i18n::Lang::Zh { zh.clone() } else { en.clone() };
        json!({
            "services": b.services.services.iter().map(|s| json!({ "text": text(&s.zh, &s.en), "kind": serde_json::to_value(s.kind).unwrap_or_default(), "department": s.department, "citation": docs.citation(&s.citation) })).collect::<Vec<_>>(),
            "service_reasons": docs.reasons(lang, &b.services.reasons),
            "points": b.points.lines.iter().map(|l| json!({ "indicator": l.indicator, "kind": serde_json::to_value(l.kind).unwrap_or_default(), "points": l.points, "text": text(&l.zh, &l.en), "parameter": l.parameter, "citation": docs.citation(&l.citation), "bar": l.points.unsigned_abs().min(100) })).collect::<Vec<_>>(),
            "total": b.points.total, "vetoed": b.points.vetoed, "frozen": b.points.frozen, "scheme": b.points.scheme,
        })
    });
    let cards = svc.card_status(number);
    let subject = format!("permit:{number}");
    let decision_subject = format!("decision:{}", permit.decision_id);
    let history: Vec<Value> = svc
        .audit(0, 1000)
        .unwrap_or_default()
        .into_iter()
        .filter(|e| {
            e.subject == subject
                || e.subject == decision_subject
                || e.details.get("permit").and_then(Value::as_str) == Some(number)
        })
        .map(|e| json!({ "seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "hash": e.hash.get(..12) }))
        .collect();
    let error_text = |e: &juzhu_station::service::ServiceError| e.to_string();
    Ok(json!({
        "permit": permit,
        "actions": permit.state.allowed().iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        "endorsement": endorsement.as_ref().ok(),
        "endorsement_error": endorsement.as_ref().err().map(error_text),
        "benefits": benefits.as_ref().ok(),
        "benefits_error": benefits.as_ref().err().map(error_text),
        "cards": cards.as_ref().ok(),
        "cards_error": cards.as_ref().err().map(error_text),
        "history": history,
        "encoders": svc.cards().encoder_names(),
    }))
}

#[get("/permits/<number>")]
pub fn permit_page(v: Visitor, number: &str) -> Reply {
    if let Err(r) = need(&v, Role::Clerk) {
        return r;
    }
    match permit_data(&v, number) {
        Ok(data) => render(&v, Status::Ok, "permit.html", &format!("/permits/{number}"), data).into(),
        Err(r) => r,
    }
}

fn confirm(v: &Visitor, status: Status, number: &str, action: Transition, errors: Vec<FieldError>) -> Reply {
    match permit_data(v, number) {
        Ok(data) => {
            let path = format!("/permits/{number}/{}", action.as_str());
            let data = json!({ "action": action.as_str(), "post": path, "back": format!("/permits/{number}"), "permit": data, "errors": errors });
            render(v, status, "confirm.html", &path, data).into()
        }
        Err(r) => r,
    }
}

/// The confirmation states what the module's endorsement answer directs.
#[get("/permits/<number>/<action>", rank = 2)]
pub fn act_confirm(v: Visitor, number: &str, action: &str) -> Reply {
    if let Err(r) = need(&v, Role::Supervisor) {
        return r;
    }
    let Some(action) = Transition::parse(action) else {
        return message(&v, Status::NotFound, "error.not-found", action.to_string()).into();
    };
    confirm(&v, Status::Ok, number, action, vec![])
}

#[post("/permits/<number>/<action>", data = "<body>", rank = 2)]
pub fn act(v: Visitor, number: &str, action: &str, body: FormBody) -> Reply {
    if let Err(r) = need_form(&v, Role::Supervisor, &body) {
        return r;
    }
    let Some(action) = Transition::parse(action) else {
        return message(&v, Status::NotFound, "error.not-found", action.to_string()).into();
    };
    let actor = v.who.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    match v.service.act(&actor, number, action, None) {
        Ok(_) => Redirect::to(format!("/permits/{number}")).into(),
        Err(e) => confirm(&v, status_of(&e), number, action, service_errors(&v, &e)),
    }
}

/// Starts writing the permit onto a card; the journal page follows it.
#[post("/permits/<number>/card", data = "<body>")]
pub fn card_start(v: Visitor, number: &str, body: FormBody) -> Reply {
    if let Err(r) = need_form(&v, Role::Supervisor, &body) {
        return r;
    }
    let kind = match body.get("kind").map(String::as_str) {
        Some("reissue") => Kind::Reissue,
        Some("endorse") => Kind::Endorse,
        _ => Kind::Issue,
    };
    let encoder = body.get("encoder").cloned().unwrap_or_default();
    let actor = v.who.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    match v.service.card_start(&actor, number, kind, &encoder, None) {
        Ok(started) => {
            let (service, id) = (Arc::clone(&v.service), started.id);
            std::thread::spawn(move || {
                if let Err(e) = service.card_run(&actor, id, &|_| {}) {
                    tracing::error!(issuance = id, "card issuance {id}: {e}");
                }
            });
            Redirect::to(format!("/cards/{id}")).into()
        }
        Err(e) => message(&v, status_of(&e), "error.refused", e.to_string()).into(),
    }
}

/// The journal's steps, and how far this issuance has come.
fn journal(v: &Visitor, id: i64) -> Option<Value> {
    let i = v.service.card_issuance(id).ok()?;
    const STEPS: [&str; 6] = ["pending", "image_built", "encoding", "written", "verified", "done"];
    let state = i.state.as_str();
    let reached = STEPS.iter().position(|s| *s == state);
    let steps: Vec<Value> = STEPS
        .iter()
        .enumerate()
        .map(|(n, s)| json!({ "step": s, "label": t(v.lang(), &format!("card.{s}")), "reached": reached.is_some_and(|r| n <= r) }))
        .collect();
    let events: Vec<Value> = v
        .service
        .audit(0, 1000)
        .unwrap_or_default()
        .into_iter()
        .filter(|e| {
            e.action.starts_with("card.") && e.details.get("issuance").and_then(Value::as_i64) == Some(id)
                || e.subject == format!("card_issuance:{id}")
        })
        .map(|e| json!({ "seq": e.seq, "at": e.at, "action": e.action, "label": event_label(v, &e.action) }))
        .collect();
    Some(json!({
        "id": i.id, "permit": i.permit_number, "encoder": i.encoder, "state": state,
        "state_label": t(v.lang(), &format!("card.{state}")), "attempt": i.attempt, "serial": i.card_serial,
        "error": i.error, "terminal": i.state.is_terminal(), "steps": steps, "events": events,
    }))
}

/// A journal event in the visitor's language: the issuance's kind, an
/// attempt that failed, or the state it reached.
fn event_label(v: &Visitor, action: &str) -> String {
    let key = match action.strip_prefix("card.") {
        Some(kind @ ("issue" | "reissue" | "endorse")) => format!("card.kind-{kind}"),
        _ => action.to_string(),
    };
    t(v.lang(), &key)
}

#[get("/cards/<id>")]
pub fn card_page(v: Visitor, id: i64) -> Reply {
    if let Err(r) = need(&v, Role::Clerk) {
        return r;
    }
    match journal(&v, id) {
        Some(j) => render(&v, Status::Ok, "card.html", &format!("/cards/{id}"), json!({ "card": j })).into(),
        None => message(&v, Status::NotFound, "error.not-found", id.to_string()).into(),
    }
}

/// The journal as JSON, for the page's polling script.
#[get("/cards/<id>/state")]
pub fn card_state(v: Visitor, id: i64) -> Option<Json<Value>> {
    if !v.can(Role::Clerk) {
        return None;
    }
    journal(&v, id).map(Json)
}
