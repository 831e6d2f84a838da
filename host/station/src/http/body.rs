//! The JSON body guard: reads at most the configured size and names the
//! field at fault for malformed JSON, wrong types, unknown keys and unknown
//! enum values (an unknown material code, for instance).
//!
//! A body must be a JSON object: an array, a string or a number is refused
//! (serde would otherwise read `[]` as a struct whose fields all default).
//! Whether a route may be called with no body at all is the route's choice:
//! [`Checked`] needs one, [`OrDefault`] reads an absent (empty) body as `{}`.

use rocket::State;
use rocket::data::{self, Data, FromData, ToByteUnit};
use rocket::http::Status;
use rocket::request::Request;
use serde::de::DeserializeOwned;

use super::Limits;
use super::error::ApiError;

/// A request body of type `T`, checked; the body must be present.
pub struct Checked<T>(pub T);

/// A request body of type `T`, checked; an absent (empty) body means `{}`,
/// every field at its default. Only routes whose fields are all optional use it.
pub struct OrDefault<T>(pub T);

/// Refuses a body that is not a JSON object, naming what was expected.
fn require_object(bytes: &[u8]) -> Result<(), ApiError> {
    let got = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => return Ok(()),
        None => "no body",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(b'-' | b'0'..=b'9') => "a number",
        Some(_) => "something that is not JSON",
    };
    Err(ApiError::field(
        Status::UnprocessableEntity,
        "not_an_object",
        ".",
        format!("the request body must be a JSON object (`{{ ... }}`, see /openapi.json); got {got}"),
    ))
}

/// Whether the body is empty (or only whitespace): no body was sent.
fn is_absent(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| b.is_ascii_whitespace())
}

/// Parses JSON, naming the path of a wrong or unknown field.
///
/// A good body is read once, noting unknown fields on the way. Only a body
/// that fails is read again with path tracking, to name where it went wrong:
/// the common case does not pay for the bookkeeping.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    require_object(bytes)?;
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
        let message = match retired(&field) {
            Some(replacement) => format!("unknown field `{field}`: contract 1.1 replaced it by {replacement}"),
            None => {
                format!("unknown field `{field}`; field names are snake_case as in wit/policy.wit (see /openapi.json)")
            }
        };
        return Err(ApiError::field(Status::UnprocessableEntity, "unknown_field", field, message));
    }
    Ok(value)
}

/// What replaced a field of contract 1.0's facts that 1.1 no longer has:
/// its undated flags became dated events, and an address change's `in_time`
/// flag is decided by the module from the change's dates.
fn retired(field: &str) -> Option<&'static str> {
    if field.ends_with(".in_time") && field.contains("changes") {
        Some(
            "nothing: the module decides whether a move was reported in time from `moved_on`, `reported_on` and the deadline its text sets; give `reported_on`",
        )
    } else if field.ends_with("converted_to_local_hukou") {
        Some("a dated event in `events`: `{ \"kind\": \"ConvertedToLocalHukou\", \"on\": \"YYYY-MM-DD\" }`")
    } else if field.ends_with("points.false_materials") {
        Some(
            "a dated event in `events`: `{ \"kind\": \"FalseMaterials\", \"on\": \"YYYY-MM-DD\" }` (the day it was found)",
        )
    } else {
        None
    }
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

/// Reads the body, at most the configured size.
async fn read<'r>(req: &'r Request<'_>, data: Data<'r>) -> Result<Vec<u8>, ApiError> {
    let limit = req.guard::<&State<Limits>>().await.succeeded().map(|l| l.max_body_bytes).unwrap_or(1 << 20);
    match data.open(limit.bytes()).into_bytes().await {
        Ok(b) if b.is_complete() => Ok(b.into_inner()),
        Ok(_) => Err(ApiError::new(
            Status::PayloadTooLarge,
            "body_too_large",
            format!("the request body is over the {limit}-byte limit"),
        )),
        Err(e) => Err(ApiError::new(Status::BadRequest, "unreadable_body", e.to_string())),
    }
}

#[rocket::async_trait]
impl<'r, T: DeserializeOwned> FromData<'r> for Checked<T> {
    type Error = ApiError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        match read(req, data).await.and_then(|bytes| parse(&bytes)) {
            Ok(value) => data::Outcome::Success(Checked(value)),
            Err(e) => data::Outcome::Error((e.status, e)),
        }
    }
}

#[rocket::async_trait]
impl<'r, T: DeserializeOwned + Default> FromData<'r> for OrDefault<T> {
    type Error = ApiError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let parsed =
            read(req, data).await.and_then(|bytes| if is_absent(&bytes) { Ok(T::default()) } else { parse(&bytes) });
        match parsed {
            Ok(value) => data::Outcome::Success(OrDefault(value)),
            Err(e) => data::Outcome::Error((e.status, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Default, Debug)]
    struct Dated {
        #[serde(default)]
        #[allow(dead_code)]
        legal_date: Option<String>,
    }

    #[test]
    fn a_json_array_where_an_object_is_expected_is_refused_naming_the_object() {
        for (body, got) in [
            ("[]", "an array"),
            ("  [\"2018-01-01\"]", "an array"),
            ("null", "null"),
            ("7", "a number"),
            ("", "no body"),
        ] {
            let e = parse::<Dated>(body.as_bytes()).unwrap_err();
            assert_eq!(e.status, Status::UnprocessableEntity, "{body}");
            assert_eq!(e.code, "not_an_object", "{body}");
            assert!(e.message.contains("must be a JSON object") && e.message.contains(got), "{body}: {}", e.message);
        }
        assert!(parse::<Dated>(b"{}").is_ok());
    }
}
