//! Compare: the clerk's draft application decided in every jurisdiction the
//! station serves, side by side. Only the application's `jurisdiction`
//! changes between columns; each column is that jurisdiction's module's own
//! decision, through the same `Service::evaluate` the API uses.

use rocket::get;
use rocket::http::Status;
use rocket::response::Redirect;
use serde_json::{Value, json};

use juzhu_station::auth::Role;

use crate::pages::apply::Draft;
use crate::pages::view::Documents;
use crate::pages::{Reply, need};
use crate::session::Visitor;
use crate::web::render;

#[get("/apply/compare")]
pub fn compare(v: Visitor) -> Reply {
    if let Err(r) = need(&v, Role::Clerk) {
        return r;
    }
    let Some(Draft { application: Some(app), legal_date, .. }) = v.session.draft.clone() else {
        return Redirect::to("/apply").into();
    };
    let columns: Vec<Value> = v
        .service
        .jurisdictions()
        .into_iter()
        .map(|j| {
            let mut case = app.clone();
            case.jurisdiction = j.division.clone();
            let own = j.division == app.jurisdiction;
            match v.service.evaluate(&case, legal_date.clone()) {
                Ok(evaluation) => {
                    let docs = Documents::of(&v.service, &evaluation.module.sha256);
                    json!({
                        "division": j.division, "name": j.name, "own": own,
                        "module": evaluation.module, "legal_date": evaluation.legal_date.to_string(),
                        "decision": docs.decision(v.lang(), &evaluation.decision),
                    })
                }
                // Not decided here (no version in force on the date, a module
                // that cannot run): said in the column, never left blank.
                Err(e) => json!({ "division": j.division, "name": j.name, "own": own, "error": e.to_string() }),
            }
        })
        .collect();
    render(
        &v,
        Status::Ok,
        "compare.html",
        "/apply/compare",
        json!({ "columns": columns, "applicant": app.identity.name, "jurisdiction": app.jurisdiction }),
    )
    .into()
}
