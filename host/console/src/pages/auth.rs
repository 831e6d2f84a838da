//! Sign in, sign out, the language switch and the start page.

use rocket::http::{CookieJar, Status};
use rocket::response::Redirect;
use rocket::{get, post};
use serde_json::json;

use crate::i18n::{Lang, t};
use crate::pages::Reply;
use crate::session::Visitor;
use crate::web::{FormBody, local, message, render};

#[get("/")]
pub fn home(v: Visitor) -> Reply {
    if v.who.is_none() {
        return Redirect::to("/sign-in").into();
    }
    let jurisdictions = v.service.jurisdictions();
    render(&v, Status::Ok, "home.html", "/", json!({ "jurisdictions": jurisdictions })).into()
}

#[get("/sign-in")]
pub fn sign_in_page(v: Visitor) -> Reply {
    render(&v, Status::Ok, "sign_in.html", "/sign-in", json!({})).into()
}

#[post("/sign-in", data = "<form>")]
pub fn sign_in(v: Visitor, jar: &CookieJar<'_>, form: FormBody) -> Reply {
    if !v.csrf_ok(form.get("csrf")) {
        return message(&v, Status::Forbidden, "error.forbidden", t(v.lang(), "error.csrf")).into();
    }
    let token = form.get("token").map(|s| s.trim().to_string()).unwrap_or_default();
    let error = if token.is_empty() {
        Some("error.token-empty")
    } else {
        match v.service.authenticate(&token) {
            Ok(Some(_)) => None,
            Ok(None) => Some("error.token-unknown"),
            Err(e) => {
                tracing::error!("console sign-in: {e}");
                Some("error.internal")
            }
        }
    };
    if let Some(key) = error {
        // The token typed is not shown again.
        let errors = [crate::form::FieldError::new("token", t(v.lang(), key))];
        return render(&v, Status::UnprocessableEntity, "sign_in.html", "/sign-in", json!({ "errors": errors })).into();
    }
    v.sessions.sign_in(jar, &v.id, v.lang(), token);
    Redirect::to("/").into()
}

#[post("/sign-out", data = "<form>")]
pub fn sign_out(v: Visitor, jar: &CookieJar<'_>, form: FormBody) -> Reply {
    if !v.csrf_ok(form.get("csrf")) {
        return message(&v, Status::Forbidden, "error.forbidden", t(v.lang(), "error.csrf")).into();
    }
    v.sessions.sign_out(jar, &v.id, v.lang());
    Redirect::to("/sign-in").into()
}

/// One click switches the language and returns to the page.
#[get("/lang/<code>?<back>")]
pub fn language(v: Visitor, code: &str, back: Option<&str>) -> Redirect {
    if let Some(lang) = Lang::parse(code) {
        v.update(|s| s.lang = lang);
    }
    Redirect::to(local(back))
}
