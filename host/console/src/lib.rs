//! The station console: server-rendered pages for clerks, supervisors and
//! operators, mounted by the station at `/` beside the JSON API, over the
//! same service layer ([`juzhu_station::service::Service`]).
//!
//! - [`schema`]: the application form's shape, read from `wit/policy.wit`;
//! - [`form`]: the form drawn from the schema, and read back into JSON;
//! - [`session`]: server-side sessions, HttpOnly SameSite=Strict cookies, CSRF;
//! - [`i18n`]: the zh and en message catalogues;
//! - [`web`]: templates, HTML responses, the CSP, assets;
//! - [`pages`]: one thin handler per page.
//!
//! Every asset is served by the station; the CSP forbids inline script and
//! any other origin, and Rocket's own security headers stay on.

pub mod form;
pub mod i18n;
pub mod pages;
pub mod schema;
pub mod session;
pub mod web;

use std::sync::Arc;

use rocket::{Build, Rocket};

/// Mounts the console on a station's Rocket (which manages the service).
pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket.manage(Arc::new(session::Sessions::default())).mount("/", pages::routes()).attach(web::Csp)
}
