//! The operator's pages: modules and their versions with pin, unpin and
//! rollback; registry status; tokens.

use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{get, post};
use serde_json::json;

use juzhu_station::auth::{self, Role};

use crate::form::FieldError;
use crate::i18n::t;
use crate::pages::apply::service_errors;
use crate::pages::{Reply, need, need_form, status_of};
use crate::session::Visitor;
use crate::web::{FormBody, message, render};

fn modules_page(v: &Visitor, status: Status, errors: Vec<FieldError>, report: Option<serde_json::Value>) -> Reply {
    let registry = v.service.registry_status().ok();
    let data =
        json!({ "divisions": v.service.module_versions(), "registry": registry, "errors": errors, "report": report });
    render(v, status, "modules.html", "/operator/modules", data).into()
}

#[get("/operator/modules")]
pub fn modules(v: Visitor) -> Reply {
    if let Err(r) = need(&v, Role::Admin) {
        return r;
    }
    modules_page(&v, Status::Ok, vec![], None)
}

/// Confirms a pin (`version` given), an unpin or a rollback of `division`.
#[get("/operator/modules/<division>/<action>?<version>")]
pub fn pin_confirm(v: Visitor, division: &str, action: &str, version: Option<&str>) -> Reply {
    if let Err(r) = need(&v, Role::Admin) {
        return r;
    }
    if !["pin", "unpin", "rollback"].contains(&action) {
        return message(&v, Status::NotFound, "error.not-found", action.to_string()).into();
    }
    let path = format!("/operator/modules/{division}/{action}");
    let data = json!({ "action": action, "post": path, "back": "/operator/modules", "division": division, "version": version, "errors": [] });
    render(&v, Status::Ok, "confirm.html", &path, data).into()
}

#[post("/operator/modules/<division>/<action>", data = "<body>")]
pub fn pin(v: Visitor, division: &str, action: &str, body: FormBody) -> Reply {
    if let Err(r) = need_form(&v, Role::Admin, &body) {
        return r;
    }
    let actor = v.who.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    let result = match action {
        "pin" => v.service.pin(&actor, division, body.get("version").map(String::as_str).unwrap_or_default()),
        "unpin" => v.service.unpin(&actor, division),
        "rollback" => v.service.rollback(&actor, division),
        other => return message(&v, Status::NotFound, "error.not-found", other.to_string()).into(),
    };
    match result {
        Ok(report) => modules_page(&v, Status::Ok, vec![], serde_json::to_value(report).ok()),
        Err(e) => modules_page(&v, status_of(&e), service_errors(&v, &e), None),
    }
}

fn tokens_page(v: &Visitor, status: Status, errors: Vec<FieldError>, created: Option<serde_json::Value>) -> Reply {
    match v.service.with_store(|s| auth::list(s)) {
        Ok(tokens) => {
            let data = json!({ "tokens": tokens, "errors": errors, "created": created });
            render(v, status, "tokens.html", "/operator/tokens", data).into()
        }
        Err(e) => message(v, Status::InternalServerError, "error.internal", e.to_string()).into(),
    }
}

#[get("/operator/tokens")]
pub fn tokens(v: Visitor) -> Reply {
    if let Err(r) = need(&v, Role::Admin) {
        return r;
    }
    tokens_page(&v, Status::Ok, vec![], None)
}

/// Creates a token; its secret is shown this once, to the admin who made it.
#[post("/operator/tokens", data = "<body>")]
pub fn token_create(v: Visitor, body: FormBody) -> Reply {
    if let Err(r) = need_form(&v, Role::Admin, &body) {
        return r;
    }
    let name = body.get("name").map(|s| s.trim().to_string()).unwrap_or_default();
    let role = match body.get("role").map(String::as_str) {
        Some("clerk") => Role::Clerk,
        Some("supervisor") => Role::Supervisor,
        Some("admin") => Role::Admin,
        _ => {
            return tokens_page(
                &v,
                Status::UnprocessableEntity,
                vec![FieldError::new("role", t(v.lang(), "error.choose"))],
                None,
            );
        }
    };
    let actor = v.who.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    match v.service.with_store(|s| auth::create(s, &actor, &name, role)) {
        Ok(secret) => tokens_page(
            &v,
            Status::Created,
            vec![],
            Some(json!({ "name": name, "role": role.as_str(), "secret": secret })),
        ),
        Err(e) => tokens_page(&v, Status::UnprocessableEntity, vec![FieldError::new("name", e.to_string())], None),
    }
}

#[post("/operator/tokens/<name>/revoke", data = "<body>")]
pub fn token_revoke(v: Visitor, name: &str, body: FormBody) -> Reply {
    if let Err(r) = need_form(&v, Role::Admin, &body) {
        return r;
    }
    let actor = v.who.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    match v.service.with_store(|s| auth::revoke(s, &actor, name)) {
        Ok(()) => Redirect::to("/operator/tokens").into(),
        Err(e) => tokens_page(&v, Status::Conflict, vec![FieldError::new("", e.to_string())], None),
    }
}
