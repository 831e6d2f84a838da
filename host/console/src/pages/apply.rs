//! The clerk's new application: the form, the decision with the answers to
//! check, the submission and its record, the 一次性告知书, and (for a
//! supervisor) issuing the permit an eligible decision grants.

use std::sync::Arc;

use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{get, post};
use serde_json::{Value, json};

use juzhu_runtime::contract::types::Application;
use juzhu_station::auth::Role;
use juzhu_station::service::ServiceError;

use crate::form::{self, FieldError, Raw, Reader, Renderer};
use crate::i18n::t;
use crate::pages::view::Documents;
use crate::pages::{Reply, need, need_form, status_of};
use crate::session::Visitor;
use crate::web::{FormBody, Page, message, render};

/// An application being prepared in the session.
#[derive(Clone, Default)]
pub struct Draft {
    pub raw: Raw,
    pub application: Option<Application>,
    pub legal_date: Option<String>,
    /// The decision of `application`, as the service returned it.
    pub evaluation: Option<Value>,
}

fn schema() -> &'static crate::schema::Kind {
    static SCHEMA: std::sync::OnceLock<crate::schema::Kind> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| crate::schema::application().expect("the contract parses (tested)"))
}

/// A service refusal as errors: beside its field when it names one.
pub fn service_errors(v: &Visitor, e: &ServiceError) -> Vec<FieldError> {
    let lang = v.lang();
    match e {
        ServiceError::BadInput { field, message } => {
            let name = form::input_name(field);
            vec![FieldError::new(&name, format!("{} {message}", t(lang, "error.invalid")))]
        }
        ServiceError::UnknownJurisdiction(_) => vec![FieldError::new("jurisdiction", t(lang, "error.jurisdiction"))],
        ServiceError::NotInForce(m) => {
            vec![FieldError::new("legal_date", format!("{} {m}", t(lang, "error.not-in-force")))]
        }
        other => vec![FieldError::new("", format!("{} {other}", t(lang, "error.refused")))],
    }
}

fn form_page_with(v: &Visitor, status: Status, raw: &Raw, errors: &[FieldError]) -> Page {
    let jurisdictions: Vec<(String, String)> =
        v.service.jurisdictions().into_iter().map(|j| (j.division, j.name)).collect();
    let mut r = Renderer { lang: v.lang(), raw, errors, jurisdictions: &jurisdictions, items: vec![] };
    let crate::schema::Kind::Record { name, fields } = schema() else { unreachable!("application is a record") };
    r.record(name, fields, "", 0);
    let legal_date = raw.get("legal_date").cloned().unwrap_or_default();
    let legal_error = errors.iter().find(|e| e.field == "legal_date").map(|e| e.message.clone());
    render(
        v,
        status,
        "apply.html",
        "/apply",
        json!({ "items": r.items, "errors": errors, "legal_date": legal_date, "legal_error": legal_error }),
    )
}

/// The form, with what was typed so far; `?new` starts a blank one.
#[get("/apply?<new>")]
pub fn form_page(v: Visitor, new: Option<&str>) -> Reply {
    if let Err(r) = need(&v, Role::Clerk) {
        return r;
    }
    if new.is_some() {
        v.update(|s| s.draft = None);
        return Redirect::to("/apply").into();
    }
    let mut raw = v.session.draft.as_ref().map(|d| d.raw.clone()).unwrap_or_default();
    if !raw.contains_key("jurisdiction")
        && let Some(j) = v.service.jurisdictions().first()
    {
        raw.insert("jurisdiction".into(), j.division.clone());
    }
    form_page_with(&v, Status::Ok, &raw, &[]).into()
}

#[post("/apply", data = "<body>")]
pub fn form_post(v: Visitor, body: FormBody) -> Reply {
    if let Err(r) = need_form(&v, Role::Clerk, &body) {
        return r;
    }
    let mut raw = body.0.clone();
    for control in ["csrf", "__add", "__remove", "__decide"] {
        raw.remove(control);
    }
    let keep = |raw: &Raw| v.update(|s| s.draft = Some(Draft { raw: raw.clone(), ..Default::default() }));
    if let Some(target) = body.get("__add") {
        form::add(&mut raw, target);
        keep(&raw);
        return form_page_with(&v, Status::Ok, &raw, &[]).into();
    }
    if let Some(target) = body.get("__remove") {
        form::remove(&mut raw, target);
        keep(&raw);
        return form_page_with(&v, Status::Ok, &raw, &[]).into();
    }
    keep(&raw);
    let mut reader = Reader { lang: v.lang(), raw: &raw, errors: vec![] };
    let json = reader.read(schema(), "");
    if !reader.errors.is_empty() {
        return form_page_with(&v, Status::UnprocessableEntity, &raw, &reader.errors).into();
    }
    let application: Application = match serde_json::from_value(json) {
        Ok(a) => a,
        Err(e) => {
            let errors = [FieldError::new("", format!("{} {e}", t(v.lang(), "error.invalid")))];
            return form_page_with(&v, Status::UnprocessableEntity, &raw, &errors).into();
        }
    };
    let legal_date = raw.get("legal_date").map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
    match v.service.evaluate(&application, legal_date.clone()) {
        Ok(evaluation) => {
            let evaluation = serde_json::to_value(&evaluation).ok();
            v.update(|s| s.draft = Some(Draft { raw, application: Some(application), legal_date, evaluation }));
            Redirect::to("/apply/decision").into()
        }
        Err(e) => form_page_with(&v, status_of(&e), &raw, &service_errors(&v, &e)).into(),
    }
}

/// The decision of the draft, the answers to check, and the one action: submit.
fn decision_view(v: &Visitor, status: Status, errors: &[FieldError]) -> Reply {
    let Some(Draft { application: Some(app), evaluation: Some(eval), legal_date, .. }) = v.session.draft.clone() else {
        return Redirect::to("/apply").into();
    };
    let Ok(decision) = serde_json::from_value(eval["decision"].clone()) else {
        return Redirect::to("/apply").into();
    };
    let docs = Documents::of(&v.service, eval["module"]["sha256"].as_str().unwrap_or_default());
    let answers = answers(&app, legal_date.as_deref().or(eval["legal_date"].as_str()));
    render(
        v,
        status,
        "decision.html",
        "/apply/decision",
        json!({
            "decision": docs.decision(v.lang(), &decision),
            "module": eval["module"],
            "legal_date": eval["legal_date"],
            "answers": answers,
            "errors": errors,
        }),
    )
    .into()
}

/// The summary the clerk checks before submitting.
fn answers(app: &Application, legal_date: Option<&str>) -> Value {
    json!({
        "name": app.identity.name,
        "citizen_id": app.identity.citizen_id,
        "jurisdiction": app.jurisdiction,
        "legal_date": legal_date,
        "registrations": app.registrations.len(),
        "insurance": app.insurance.len(),
        "employment": app.employment.len(),
        "housing": app.housing.len(),
        "schooling": app.schooling.len(),
        "guardians": app.guardians.len(),
        "materials": app.materials.len(),
    })
}

#[get("/apply/decision")]
pub fn decision_page(v: Visitor) -> Reply {
    if let Err(r) = need(&v, Role::Clerk) {
        return r;
    }
    decision_view(&v, Status::Ok, &[])
}

#[post("/apply/submit", data = "<body>")]
pub async fn submit(v: Visitor, body: FormBody) -> Reply {
    if let Err(r) = need_form(&v, Role::Clerk, &body) {
        return r;
    }
    let Some(Draft { application: Some(app), legal_date, .. }) = v.session.draft.clone() else {
        return Redirect::to("/apply").into();
    };
    let actor = v.who.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    let service = Arc::clone(&v.service);
    let result = rocket::tokio::task::spawn_blocking(move || service.submit(&actor, &app, legal_date)).await;
    match result {
        Ok(Ok(receipt)) => {
            v.update(|s| s.draft = None);
            Redirect::to(format!("/decisions/{}", receipt.decision_id)).into()
        }
        Ok(Err(e)) => decision_view(&v, status_of(&e), &service_errors(&v, &e)),
        Err(e) => message(&v, Status::InternalServerError, "error.internal", e.to_string()).into(),
    }
}

/// A recorded decision and what it needs: the record, the decision view.
fn recorded(v: &Visitor, id: i64) -> Result<Value, Reply> {
    let found = v.service.with_store(|s| -> Result<_, juzhu_store::StoreError> {
        let Some(d) = s.decision(id)? else { return Ok(None) };
        let application = s.application(d.application_id)?;
        let permit = s.permit_for_decision(id)?;
        Ok(Some((d, application, permit)))
    });
    let (d, application, permit) = match found {
        Ok(Some(found)) => found,
        Ok(None) => return Err(message(v, Status::NotFound, "error.not-found", format!("{id}")).into()),
        Err(e) => return Err(message(v, Status::InternalServerError, "error.internal", e.to_string()).into()),
    };
    let docs = Documents::of(&v.service, &d.module.sha256);
    let station = v
        .service
        .jurisdictions()
        .into_iter()
        .find(|j| application.as_ref().is_some_and(|a| a.jurisdiction == j.division))
        .map(|j| j.name)
        .unwrap_or_default();
    Ok(json!({
        "id": d.id,
        "receipt": format!("{:08}", d.id),
        "decision": docs.decision(v.lang(), &d.decision),
        "module": d.module,
        "legal_date": d.legal_date,
        "decided_at": d.decided_at,
        "station": station,
        "applicant": application.as_ref().map(|a| json!({
            "name": a.facts.identity.name, "citizen_id": a.facts.identity.citizen_id,
            "jurisdiction": a.jurisdiction, "input_sha256": a.input_sha256,
        })),
        "permit": permit.map(|p| p.number),
    }))
}

#[get("/decisions/<id>")]
pub fn record_page(v: Visitor, id: i64) -> Reply {
    if let Err(r) = need(&v, Role::Clerk) {
        return r;
    }
    match recorded(&v, id) {
        Ok(data) => render(&v, Status::Ok, "record.html", &format!("/decisions/{id}"), data).into(),
        Err(r) => r,
    }
}

#[get("/decisions/<id>/notice")]
pub fn notice(v: Visitor, id: i64) -> Reply {
    if let Err(r) = need(&v, Role::Clerk) {
        return r;
    }
    match recorded(&v, id) {
        Ok(data) => render(&v, Status::Ok, "notice.html", &format!("/decisions/{id}/notice"), data).into(),
        Err(r) => r,
    }
}

/// The 一次性告知书 of the draft, before it is submitted (no receipt number yet).
#[get("/apply/notice")]
pub fn draft_notice(v: Visitor) -> Reply {
    if let Err(r) = need(&v, Role::Clerk) {
        return r;
    }
    let Some(Draft { application: Some(app), evaluation: Some(eval), .. }) = v.session.draft.clone() else {
        return Redirect::to("/apply").into();
    };
    let Ok(decision) = serde_json::from_value(eval["decision"].clone()) else {
        return Redirect::to("/apply").into();
    };
    let docs = Documents::of(&v.service, eval["module"]["sha256"].as_str().unwrap_or_default());
    let station = v.service.jurisdictions().into_iter().find(|j| j.division == app.jurisdiction).map(|j| j.name);
    let data = json!({
        "decision": docs.decision(v.lang(), &decision),
        "module": eval["module"],
        "legal_date": eval["legal_date"],
        "station": station,
        "applicant": { "name": app.identity.name, "citizen_id": app.identity.citizen_id, "jurisdiction": app.jurisdiction },
    });
    render(&v, Status::Ok, "notice.html", "/apply/notice", data).into()
}

#[get("/decisions/<id>/issue")]
pub fn issue_confirm(v: Visitor, id: i64) -> Reply {
    if let Err(r) = need(&v, Role::Supervisor) {
        return r;
    }
    match recorded(&v, id) {
        Ok(data) => {
            let data = json!({ "action": "issue", "post": format!("/decisions/{id}/issue"), "back": format!("/decisions/{id}"), "record": data, "errors": [] });
            render(&v, Status::Ok, "confirm.html", &format!("/decisions/{id}/issue"), data).into()
        }
        Err(r) => r,
    }
}

#[post("/decisions/<id>/issue", data = "<body>")]
pub fn issue(v: Visitor, id: i64, body: FormBody) -> Reply {
    if let Err(r) = need_form(&v, Role::Supervisor, &body) {
        return r;
    }
    let actor = v.who.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    let issued_on = body.get("issued_on").map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
    match v.service.issue(&actor, id, issued_on) {
        Ok(permit) => Redirect::to(format!("/permits/{}", permit.number)).into(),
        Err(e) => {
            let record = recorded(&v, id).unwrap_or_default();
            let data = json!({ "action": "issue", "post": format!("/decisions/{id}/issue"), "back": format!("/decisions/{id}"), "record": record, "errors": service_errors(&v, &e) });
            render(&v, status_of(&e), "confirm.html", &format!("/decisions/{id}/issue"), data).into()
        }
    }
}
