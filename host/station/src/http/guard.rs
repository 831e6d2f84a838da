//! Authentication: every route but `/health` needs `Authorization: Bearer
//! <token>`, and each route names the least role it needs.

use rocket::State;
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};

use crate::auth::{Principal, Role};
use crate::service::Service;

/// Why a request was not let in; the 401/403 catchers show it.
#[derive(Clone, Default)]
pub struct Refusal(pub Option<String>);

/// The token of a `Bearer` credential. The scheme is matched in any case
/// (RFC 7235 §2.1), and one or more spaces may follow it.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, rest) = header.split_once(' ')?;
    let token = rest.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

async fn authenticate(req: &Request<'_>, needed: Role) -> Outcome<Principal, ()> {
    let refuse = |status: Status, why: String| {
        req.local_cache(|| Refusal(Some(why)));
        Outcome::Error((status, ()))
    };
    let Some(header) = req.headers().get_one("Authorization") else {
        return refuse(
            Status::Unauthorized,
            "no Authorization header; send `Authorization: Bearer <token>` (create one with `juzhu token create`)"
                .into(),
        );
    };
    let Some(token) = bearer_token(header) else {
        return refuse(Status::Unauthorized, "the Authorization header is not `Bearer <token>`".into());
    };
    let Some(service) = req.guard::<&State<std::sync::Arc<Service>>>().await.succeeded() else {
        return Outcome::Error((Status::InternalServerError, ()));
    };
    match service.authenticate(token) {
        Ok(Some(principal)) if principal.role.covers(needed) => {
            super::access_log::actor(req, &principal.name);
            Outcome::Success(principal)
        }
        Ok(Some(principal)) => refuse(
            Status::Forbidden,
            format!(
                "token `{}` has role {}; this needs {} or above",
                principal.name,
                principal.role.as_str(),
                needed.as_str()
            ),
        ),
        Ok(None) => refuse(Status::Unauthorized, "unknown or revoked token".into()),
        Err(crate::auth::TokenError::Store(e)) if e.is_unavailable() => {
            refuse(Status::ServiceUnavailable, e.to_string())
        }
        Err(e) => refuse(Status::InternalServerError, e.to_string()),
    }
}

macro_rules! role_guard {
    ($name:ident, $role:expr, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(pub Principal);

        #[rocket::async_trait]
        impl<'r> FromRequest<'r> for $name {
            type Error = ();
            async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
                authenticate(req, $role).await.map($name)
            }
        }
    };
}

role_guard!(Clerk, Role::Clerk, "A caller with at least the clerk role.");
role_guard!(Supervisor, Role::Supervisor, "A caller with at least the supervisor role.");
role_guard!(Admin, Role::Admin, "A caller with the admin role.");
