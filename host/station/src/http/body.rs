//! The JSON body guard: reads at most the configured size and names the
//! field at fault for malformed JSON, wrong types, unknown keys and unknown
//! enum values (an unknown material code, for instance).

use rocket::State;
use rocket::data::{self, Data, FromData, ToByteUnit};
use rocket::http::Status;
use rocket::request::Request;
use serde::de::DeserializeOwned;

use super::Limits;
use super::error::ApiError;

/// A request body of type `T`, checked.
pub struct Checked<T>(pub T);

/// Parses JSON, naming the path of a wrong or unknown field.
///
/// A good body is read once, noting unknown fields on the way. Only a body
/// that fails is read again with path tracking, to name where it went wrong:
/// the common case does not pay for the bookkeeping.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut unknown = Vec::new();
    let mut note = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
    let mut json = serde_json::Deserializer::from_slice(bytes);
    let value: T = match T::deserialize(serde_ignored::Deserializer::new(&mut json, &mut note))
        .and_then(|v| json.end().map(|()| v))
    {
        Ok(value) => value,
        Err(_) => return Err(locate_error::<T>(bytes)),
    };
    if let Some(field) = unknown.into_iter().next() {
        let message =
            format!("unknown field `{field}`; field names are snake_case as in wit/policy.wit (see /openapi.json)");
        return Err(ApiError::field(Status::UnprocessableEntity, "unknown_field", field, message));
    }
    Ok(value)
}

/// Reads a body known to be bad again, tracking paths, to name the field.
fn locate_error<T: DeserializeOwned>(bytes: &[u8]) -> ApiError {
    let mut json = serde_json::Deserializer::from_slice(bytes);
    let error = match serde_path_to_error::deserialize::<_, T>(&mut json) {
        Err(e) => e,
        // Only trailing characters after the value can fail here.
        Ok(_) => match json.end() {
            Err(inner) => {
                return ApiError::field(
                    Status::UnprocessableEntity,
                    "malformed_json",
                    ".".to_string(),
                    inner.to_string(),
                );
            }
            Ok(()) => return ApiError::new(Status::UnprocessableEntity, "invalid_input", "the body could not be read"),
        },
    };
    let field = error.path().to_string();
    let inner = error.into_inner();
    let code = if inner.is_syntax() || inner.is_eof() { "malformed_json" } else { "invalid_input" };
    ApiError::field(Status::UnprocessableEntity, code, field, inner.to_string())
}

#[rocket::async_trait]
impl<'r, T: DeserializeOwned> FromData<'r> for Checked<T> {
    type Error = ApiError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let limit = req.guard::<&State<Limits>>().await.succeeded().map(|l| l.max_body_bytes).unwrap_or(1 << 20);
        let bytes = match data.open(limit.bytes()).into_bytes().await {
            Ok(b) if b.is_complete() => b.into_inner(),
            Ok(_) => {
                let e = ApiError::new(
                    Status::PayloadTooLarge,
                    "body_too_large",
                    format!("the request body is over the {limit}-byte limit"),
                );
                return data::Outcome::Error((Status::PayloadTooLarge, e));
            }
            Err(e) => {
                let e = ApiError::new(Status::BadRequest, "unreadable_body", e.to_string());
                return data::Outcome::Error((Status::BadRequest, e));
            }
        };
        match parse(&bytes) {
            Ok(value) => data::Outcome::Success(Checked(value)),
            Err(e) => data::Outcome::Error((e.status, e)),
        }
    }
}
