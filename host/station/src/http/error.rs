//! Every error the API returns, as JSON: a stable `code`, a `message` that
//! says what is wrong and what would be right, the `field` at fault where
//! there is one, and (for an illegal transition) what is `allowed`.

use rocket::Request;
use rocket::http::{ContentType, Status};
use rocket::response::{self, Responder};
use serde::Serialize;

use crate::service::ServiceError;
use juzhu_runtime::CallError;
use juzhu_store::lifecycle::{LifecycleError, Transition};

#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: Status,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<Transition>>,
}

impl ApiError {
    pub fn new(status: Status, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), field: None, allowed: None }
    }

    pub fn field(status: Status, code: &'static str, field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError { field: Some(field.into()), ..Self::new(status, code, message) }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        let message = e.to_string();
        match e {
            ServiceError::BadInput { field, message } => {
                ApiError::field(Status::UnprocessableEntity, "invalid_input", field, message)
            }
            ServiceError::UnknownJurisdiction(_) => ApiError::field(
                Status::UnprocessableEntity,
                "unknown_jurisdiction",
                "application.jurisdiction",
                message,
            ),
            ServiceError::NotFound(_) => ApiError::new(Status::NotFound, "not_found", message),
            ServiceError::NotInForce(_) => {
                ApiError::field(Status::UnprocessableEntity, "no_version_in_force", "legal_date", message)
            }
            ServiceError::Refused(_) => ApiError::new(Status::Conflict, "refused", message),
            ServiceError::Module(call) => {
                let code = match call {
                    CallError::OutOfFuel { .. } => "module_out_of_fuel",
                    CallError::Timeout { .. } => "module_timeout",
                    CallError::MemoryLimit { .. } => "module_memory_limit",
                    CallError::ResultTooLarge { .. } => "module_result_too_large",
                    CallError::Trap { .. } => "module_trap",
                    CallError::Instantiate { .. } => "module_unavailable",
                };
                ApiError::new(Status::BadGateway, code, message)
            }
            ServiceError::Lifecycle(l) => lifecycle(l, message),
            ServiceError::Store(_) => ApiError::new(Status::InternalServerError, "store_error", message),
            ServiceError::NotKept(_) => ApiError::new(Status::ServiceUnavailable, "not_kept", message),
            ServiceError::Card(c) => card(c, message),
        }
    }
}

fn lifecycle(e: LifecycleError, message: String) -> ApiError {
    use LifecycleError::*;
    match e {
        InvalidDate(e) => ApiError::field(Status::UnprocessableEntity, "invalid_input", e.field, message),
        InvalidJurisdiction(_) | InvalidModuleDigest(_) | EligibleWithoutTier { .. } => {
            ApiError::new(Status::UnprocessableEntity, "invalid_input", message)
        }
        DecisionNotFound(_) | PermitNotFound(_) => ApiError::new(Status::NotFound, "not_found", message),
        IllegalTransition { state, .. } => ApiError {
            allowed: Some(state.allowed().to_vec()),
            ..ApiError::new(Status::Conflict, "illegal_transition", message)
        },
        NotEligible { .. }
        | AlreadyIssued { .. }
        | IssuedBeforeDecision { .. }
        | BeforeIssue { .. }
        | NotDirected { .. }
        | AlreadyEndorsed { .. }
        | EndorsementOutOfOrder { .. }
        | SerialsExhausted { .. } => ApiError::new(Status::Conflict, "not_allowed", message),
        Store(_) => ApiError::new(Status::InternalServerError, "store_error", message),
    }
}

fn card(e: crate::issuance::CardError, message: String) -> ApiError {
    use crate::issuance::CardError::*;
    match e {
        UnknownEncoder { .. } => ApiError::field(Status::UnprocessableEntity, "invalid_input", "encoder", message),
        NoAuthorityKey | Key(_) => ApiError::new(Status::ServiceUnavailable, "card_unavailable", message),
        PermitNotFound(_) => ApiError::new(Status::NotFound, "not_found", message),
        NotAllowed(_) => ApiError::new(Status::Conflict, "not_allowed", message),
        Content(_) => ApiError::new(Status::UnprocessableEntity, "invalid_input", message),
        Store(_) => ApiError::new(Status::InternalServerError, "store_error", message),
    }
}

impl<'r> Responder<'r, 'static> for ApiError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let body = serde_json::json!({ "error": &self }).to_string();
        response::Response::build_from(body.respond_to(req)?).status(self.status).header(ContentType::JSON).ok()
    }
}
