//! The console's pages. Each handler checks the visitor's role and the
//! form's CSRF token, calls the station's service, and renders the answer:
//! no rule lives here.

pub mod apply;
pub mod auth;
pub mod compare;
pub mod dashboard;
pub mod operator;
pub mod permits;
pub mod queues;
pub mod view;

use rocket::Responder;
use rocket::http::Status;
use rocket::response::Redirect;

use juzhu_station::auth::Role;
use juzhu_station::service::ServiceError;

use crate::i18n::t;
use crate::session::Visitor;
use crate::web::{Page, message};

/// A page, or a redirect to one.
#[derive(Responder)]
pub enum Reply {
    Page(Page),
    /// Boxed: a redirect is much larger than a page.
    Redirect(Box<Redirect>),
}

impl From<Page> for Reply {
    fn from(p: Page) -> Self {
        Reply::Page(p)
    }
}

impl From<Redirect> for Reply {
    fn from(r: Redirect) -> Self {
        Reply::Redirect(Box::new(r))
    }
}

/// Lets the visitor through if they hold `role`: otherwise to sign-in, or
/// a refusal page that names the role needed.
pub fn need(v: &Visitor, role: Role) -> Result<(), Reply> {
    if v.who.is_none() {
        return Err(Redirect::to("/sign-in").into());
    }
    if v.can(role) {
        return Ok(());
    }
    let detail = format!("{} {}", t(v.lang(), "error.role-needed"), t(v.lang(), &format!("role.{}", role.as_str())));
    Err(message(v, Status::Forbidden, "error.forbidden", detail).into())
}

/// Like [`need`], and the form must carry the session's CSRF token.
pub fn need_form(v: &Visitor, role: Role, form: &crate::web::FormBody) -> Result<(), Reply> {
    need(v, role)?;
    if !v.csrf_ok(form.get("csrf")) {
        return Err(message(v, Status::Forbidden, "error.forbidden", t(v.lang(), "error.csrf")).into());
    }
    Ok(())
}

/// A service refusal as the status a page answers with.
pub fn status_of(e: &ServiceError) -> Status {
    match e {
        ServiceError::BadInput { .. } | ServiceError::UnknownJurisdiction(_) | ServiceError::NotInForce(_) => {
            Status::UnprocessableEntity
        }
        ServiceError::NotFound(_) => Status::NotFound,
        ServiceError::Refused(_) | ServiceError::Lifecycle(_) | ServiceError::Card(_) => Status::Conflict,
        ServiceError::Module(_) => Status::BadGateway,
        _ => Status::InternalServerError,
    }
}

/// Every console route.
pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![
        crate::web::asset,
        auth::home,
        auth::sign_in_page,
        auth::sign_in,
        auth::sign_out,
        auth::language,
        apply::form_page,
        apply::form_post,
        apply::decision_page,
        apply::submit,
        apply::record_page,
        apply::notice,
        apply::draft_notice,
        apply::issue_confirm,
        apply::issue,
        compare::compare,
        permits::find,
        queues::queues,
        queues::queues_json,
        permits::permit_page,
        permits::act_confirm,
        permits::act,
        permits::card_start,
        permits::card_page,
        permits::card_state,
        dashboard::dashboard,
        operator::modules,
        operator::pin_confirm,
        operator::pin,
        operator::tokens,
        operator::token_create,
        operator::token_revoke,
    ]
}
