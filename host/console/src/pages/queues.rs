//! The work queues: a thin page over the station's `Service::queues`.

use rocket::get;
use rocket::http::Status;
use rocket::serde::json::Json;
use serde_json::json;

use juzhu_station::auth::Role;
use juzhu_station::service::Queues;

use crate::pages::apply::service_errors;
use crate::pages::{Reply, need, status_of};
use crate::session::Visitor;
use crate::web::render;

/// The four queues on `legal_date` (default: today).
#[get("/queues?<legal_date>")]
pub fn queues(v: Visitor, legal_date: Option<&str>) -> Reply {
    if let Err(r) = need(&v, Role::Clerk) {
        return r;
    }
    let date = legal_date.map(str::trim).filter(|d| !d.is_empty());
    // The language switch comes back to the same date.
    let path = date.map(|d| format!("/queues?legal_date={d}")).unwrap_or_else(|| "/queues".into());
    let page = match v.service.queues(date.map(str::to_string)) {
        Ok(q) => render(&v, Status::Ok, "queues.html", &path, json!({ "q": q, "legal_date": date, "errors": [] })),
        Err(e) => render(
            &v,
            status_of(&e),
            "queues.html",
            &path,
            json!({ "q": null, "legal_date": date, "errors": service_errors(&v, &e) }),
        ),
    };
    page.into()
}

/// The same queues as JSON, for the visitor's session.
#[get("/queues.json?<legal_date>")]
pub fn queues_json(v: Visitor, legal_date: Option<&str>) -> Result<Json<Queues>, Status> {
    if !v.can(Role::Clerk) {
        return Err(Status::Forbidden);
    }
    v.service.queues(legal_date.map(str::to_string)).map(Json).map_err(|e| status_of(&e))
}
