//! Compare: the clerk's draft application decided in every jurisdiction the
//! station serves, side by side. Only the application's `jurisdiction`
//! changes between columns; each column is that jurisdiction's module's own
//! decision, through `Service::compare`, which `POST /v1/compare` uses too.

use rocket::get;
use rocket::http::Status;
use rocket::response::Redirect;
use serde_json::{Value, json};

use juzhu_station::auth::Role;

use crate::pages::apply::Draft;
use crate::pages::view::Documents;
use crate::pages::{Reply, need, status_of};
use crate::session::Visitor;
use crate::web::{message, render};

#[get("/apply/compare")]
pub fn compare(v: Visitor) -> Reply {
    if let Err(r) = need(&v, Role::Clerk) {
        return r;
    }
    let Some(Draft { application: Some(app), legal_date, .. }) = v.session.draft.clone() else {
        return Redirect::to("/apply").into();
    };
    let columns: Vec<Value> = match v.service.compare(&app, legal_date) {
        Ok(columns) => columns
            .into_iter()
            .map(|c| match c.result {
                Ok(evaluation) => {
                    let docs = Documents::of(&v.service, &evaluation.module.sha256);
                    json!({
                        "division": c.division, "name": c.name, "own": c.own,
                        "module": evaluation.module, "legal_date": evaluation.legal_date.to_string(),
                        "decision": docs.decision(v.lang(), &evaluation.decision),
                    })
                }
                // Not decided here: said in the column, never left blank.
                Err(e) => json!({ "division": c.division, "name": c.name, "own": c.own, "error": e.to_string() }),
            })
            .collect(),
        Err(e) => return message(&v, status_of(&e), "error.refused", e.to_string()).into(),
    };
    render(
        &v,
        Status::Ok,
        "compare.html",
        "/apply/compare",
        json!({ "columns": columns, "applicant": app.identity.name, "jurisdiction": app.jurisdiction }),
    )
    .into()
}
