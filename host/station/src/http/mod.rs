//! The HTTP API (Rocket): JSON routes over the [`Service`](crate::service::Service).
//!
//! - [`routes`]: one thin handler per operation;
//! - [`guard`]: bearer-token authentication and roles;
//! - [`access_log`]: one structured line per request, ID numbers masked;
//! - [`body`]: the size-limited JSON body that names a bad field;
//! - [`error`]: every error as JSON with a stable code;
//! - [`openapi`]: the OpenAPI document served at `/openapi.json`.

pub mod access_log;
pub mod body;
pub mod error;
pub mod guard;
pub mod openapi;
pub mod routes;

use std::sync::Arc;

use rocket::http::Status;
use rocket::{Build, Request, Rocket, catch, catchers, routes};

use crate::service::Service;
use error::ApiError;
use guard::Refusal;

/// Request limits the body guard reads.
pub struct Limits {
    pub max_body_bytes: u64,
}

fn refusal(req: &Request<'_>, fallback: &str) -> String {
    req.local_cache(Refusal::default).0.clone().unwrap_or_else(|| fallback.to_string())
}

#[catch(401)]
fn unauthorized(req: &Request<'_>) -> ApiError {
    ApiError::new(Status::Unauthorized, "unauthorized", refusal(req, "send `Authorization: Bearer <token>`"))
}

#[catch(403)]
fn forbidden(req: &Request<'_>) -> ApiError {
    ApiError::new(Status::Forbidden, "forbidden", refusal(req, "this token's role may not do this"))
}

#[catch(404)]
fn not_found(req: &Request<'_>) -> ApiError {
    ApiError::new(
        Status::NotFound,
        "not_found",
        format!("no route {} {}; see /openapi.json", req.method(), req.uri().path()),
    )
}

#[catch(422)]
fn unprocessable() -> ApiError {
    ApiError::new(Status::UnprocessableEntity, "invalid_input", "the request could not be read; see /openapi.json")
}

#[catch(default)]
fn other(status: Status, _req: &Request<'_>) -> ApiError {
    ApiError::new(status, "error", status.reason_lossy().to_string())
}

/// Counts every response by method, route and status, and times it.
struct RequestMetrics;

#[derive(Clone, Copy)]
struct Started(std::time::Instant);

#[rocket::async_trait]
impl rocket::fairing::Fairing for RequestMetrics {
    fn info(&self) -> rocket::fairing::Info {
        rocket::fairing::Info {
            name: "request metrics",
            kind: rocket::fairing::Kind::Request | rocket::fairing::Kind::Response,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut rocket::Data<'_>) {
        req.local_cache(|| Started(std::time::Instant::now()));
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut rocket::Response<'r>) {
        let started = req.local_cache(|| Started(std::time::Instant::now()));
        // The route's pattern, not the path, so permit numbers do not explode the label set.
        let route = req.route().map(|r| r.uri.origin.path().to_string()).unwrap_or_else(|| "unmatched".into());
        if let Some(service) = req.rocket().state::<Arc<Service>>() {
            service.metrics().http_request(req.method().as_str(), &route, res.status().code, started.0.elapsed());
        }
    }
}

/// The Rocket application for `service`, configured by `figment`.
pub fn app(service: Arc<Service>, limits: Limits, figment: rocket::figment::Figment) -> Rocket<Build> {
    rocket::custom(figment)
        .manage(service)
        .manage(limits)
        .mount(
            "/",
            routes![
                routes::health,
                routes::evaluate,
                routes::compare,
                routes::what_if,
                routes::submit,
                routes::issue,
                routes::permit,
                routes::endorsement,
                routes::act,
                routes::benefits,
                routes::audit,
                routes::audit_checkpoints,
                routes::rank,
                routes::ranking_on_record,
                routes::jurisdictions,
                routes::jurisdiction,
                routes::tokens,
                routes::openapi,
                routes::metrics,
                routes::card_start,
                routes::card_status,
                routes::card_issuance,
                routes::encoders,
                routes::modules,
                routes::pin,
                routes::unpin,
                routes::rollback,
                routes::shadow,
                routes::registry_status,
                routes::registry_refresh,
                routes::registry_file,
            ],
        )
        .attach(RequestMetrics)
        .register("/", catchers![unauthorized, forbidden, not_found, unprocessable, other])
}
