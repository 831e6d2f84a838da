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
    /// For `not_in_force`: the document and its in-force window, as the
    /// module states them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_in_force: Option<juzhu_runtime::contract::types::NotInForce>,
    /// For a failure whose details are only in the station's log: the id
    /// that finds them there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_id: Option<String>,
}

impl ApiError {
    pub fn new(status: Status, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            allowed: None,
            not_in_force: None,
            error_id: None,
        }
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
            ServiceError::TextNotInForce(n) => ApiError {
                not_in_force: Some(n),
                ..ApiError::field(Status::UnprocessableEntity, "not_in_force", "legal_date", message)
            },
            ServiceError::ModuleUnavailable(_) => {
                ApiError::new(Status::ServiceUnavailable, "module_unavailable", message)
            }
            ServiceError::Refused(_) => ApiError::new(Status::Conflict, "refused", message),
            ServiceError::Module(call) => module_failure(call),
            ServiceError::Lifecycle(l) => lifecycle(l, message),
            ServiceError::Store(e) => store(&e, message),
            ServiceError::NotKept(_) => ApiError::new(Status::ServiceUnavailable, "not_kept", message),
            ServiceError::Card(c) => card(c, message),
        }
    }
}

/// A module call that failed. A trap's detail (the wasm backtrace) and a
/// sandbox's start-up error go to the station's log under a short error id;
/// the caller gets the id and the module's name and version, never the
/// backtrace.
fn module_failure(call: CallError) -> ApiError {
    let (code, module, detail) = match &call {
        CallError::OutOfFuel { module, .. } => ("module_out_of_fuel", module, None),
        CallError::Timeout { module, .. } => ("module_timeout", module, None),
        CallError::MemoryLimit { module, .. } => ("module_memory_limit", module, None),
        CallError::ResultTooLarge { module, .. } => ("module_result_too_large", module, None),
        CallError::Trap { module, detail } => ("module_trap", module, Some(detail)),
        CallError::Instantiate { module, detail } => ("module_unavailable", module, Some(detail)),
    };
    let Some(detail) = detail else {
        return ApiError::new(Status::BadGateway, code, call.to_string());
    };
    let id = error_id();
    tracing::error!(error_id = %id, module = %module, code, "module {module} failed ({code}), error id {id}: {detail}");
    let what = if code == "module_trap" { "trapped" } else { "could not start" };
    ApiError {
        error_id: Some(id.clone()),
        ..ApiError::new(
            Status::BadGateway,
            code,
            format!("module {module} {what} on this request; error id {id} (the station's log has the details)"),
        )
    }
}

/// A short id for a failure, to find its details in the log: 12 hex digits.
fn error_id() -> String {
    let mut bytes = [0u8; 6];
    if getrandom::fill(&mut bytes).is_err() {
        // The time is unique enough to find a log line by.
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        bytes.copy_from_slice(&nanos.to_be_bytes()[10..16]);
    }
    hex::encode(bytes)
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
        Stale { .. } => ApiError::new(Status::Conflict, "stale_transition", message),
        NotEligible { .. }
        | AlreadyIssued { .. }
        | IssuedBeforeDecision { .. }
        | BeforeIssue { .. }
        | NotDirected { .. }
        | AlreadyEndorsed { .. }
        | EndorsementOutOfOrder { .. }
        | SerialsExhausted { .. } => ApiError::new(Status::Conflict, "not_allowed", message),
        Store(e) => store(&e, message),
    }
}

/// A store failure: `503 store_unavailable` while the database cannot be
/// reached (nothing of the request was written; retry later), else `500`.
pub(crate) fn store(e: &juzhu_store::StoreError, message: String) -> ApiError {
    if e.is_unavailable() {
        ApiError::new(Status::ServiceUnavailable, "store_unavailable", message)
    } else if e.is_storage_full() {
        ApiError::new(
            Status::InsufficientStorage,
            "store_full",
            format!(
                "the station's database has no room for this write, so nothing of it was recorded; free space on the data directory's filesystem (or raise [store] max_size_mib) and send it again ({message})"
            ),
        )
    } else {
        ApiError::new(Status::InternalServerError, "store_error", message)
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
        Store(e) => store(&e, message),
    }
}

impl<'r> Responder<'r, 'static> for ApiError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let body = serde_json::json!({ "error": &self }).to_string();
        response::Response::build_from(body.respond_to(req)?).status(self.status).header(ContentType::JSON).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn a_module_trap_answers_an_error_id_and_the_module_never_the_backtrace() {
        let buffer = Arc::new(Mutex::new(Vec::<u8>::new()));
        let writer = crate::logging::SinkWriter(buffer.clone());
        let detail = "error while executing at wasm backtrace:\n    0: 0x1f2e3 - juzhu_sdk::date::add_months";
        let call = CallError::Trap { module: "hangzhou-gongshu@1.0.0".into(), detail: detail.into() };
        let error = tracing::dispatcher::with_default(
            &crate::logging::dispatch(crate::config::LogFormat::Json, writer),
            || ApiError::from(ServiceError::Module(call)),
        );
        assert_eq!(error.status, Status::BadGateway);
        assert_eq!(error.code, "module_trap");
        let body = serde_json::to_string(&error).unwrap();
        assert!(!body.contains("backtrace") && !body.contains("add_months"), "the answer leaks the backtrace: {body}");
        let id = error.error_id.clone().expect("an error id");
        assert_eq!(id.len(), 12);
        assert!(error.message.contains("hangzhou-gongshu@1.0.0") && error.message.contains(&id), "{}", error.message);
        let log = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        assert!(log.contains(&id) && log.contains("add_months"), "the backtrace goes to the log with the id: {log}");
    }
}
