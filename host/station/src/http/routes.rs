//! The JSON API. Each handler checks the caller and the body, calls one
//! service operation, and returns its answer: no rules live here.

use std::sync::Arc;

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{State, delete, get, post};
use serde::{Deserialize, Serialize};

use super::access_log::LogLine;
use super::body::{Checked, OrDefault};
use super::error::ApiError;
use super::guard::{Admin, Clerk, Supervisor};
use crate::service::{Benefits, EndorsementCheck, Evaluation, JurisdictionModule, ModuleDetails, Service};
use juzhu_domain::Transition;
use juzhu_runtime::contract::types::Application;
use juzhu_store::PermitRecord;
use juzhu_store::audit::AuditEntry;
use juzhu_store::lifecycle::Receipt;

type Svc<'r> = &'r State<Arc<Service>>;
/// A body the route needs.
type Body<T> = Result<Checked<T>, ApiError>;
/// A body the route may go without: absent means every field at its default.
type OptionalBody<T> = Result<OrDefault<T>, ApiError>;

/// An application and, optionally, the legal date (default: today in the
/// jurisdiction's time zone).
#[derive(Deserialize)]
pub struct ApplicationRequest {
    pub application: Application,
    #[serde(default)]
    pub legal_date: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct DateRequest {
    #[serde(default)]
    pub legal_date: Option<String>,
}

/// A transition's body: its legal date and, for an endorsement, the
/// holder's facts as of it (recorded with the endorsement).
#[derive(Deserialize, Default)]
pub struct TransitionRequest {
    #[serde(default)]
    pub legal_date: Option<String>,
    #[serde(default)]
    pub facts: Option<Application>,
}

#[derive(Deserialize, Default)]
pub struct IssueRequest {
    #[serde(default)]
    pub issued_on: Option<String>,
}

/// Up, and whether the store answers: `503` with the reason while the
/// database cannot be reached (the station recovers by itself when it returns).
#[get("/health")]
pub fn health(svc: Svc<'_>) -> (Status, Json<serde_json::Value>) {
    match svc.store_health() {
        Ok(()) => (Status::Ok, Json(serde_json::json!({ "status": "ok", "store": "reachable" }))),
        Err(e) => (
            Status::ServiceUnavailable,
            Json(serde_json::json!({ "status": "unavailable", "store": "unreachable", "error": e.to_string() })),
        ),
    }
}

#[post("/v1/evaluate", data = "<body>")]
pub fn evaluate(
    _who: Clerk,
    log: LogLine<'_>,
    svc: Svc<'_>,
    body: Body<ApplicationRequest>,
) -> Result<Json<Evaluation>, ApiError> {
    let Checked(req) = body?;
    log.holder(&req.application.identity.citizen_id);
    Ok(Json(svc.evaluate(&req.application, req.legal_date)?))
}

/// `POST /v1/what-if`: a holder's facts and a permit not on record.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatIfRequest {
    pub application: Application,
    pub permit: crate::service::SupposedPermit,
    #[serde(default)]
    pub legal_date: Option<String>,
}

/// Where a supposed permit would stand, and what it would bring; nothing is
/// recorded.
#[post("/v1/what-if", data = "<body>")]
pub fn what_if(
    _who: Clerk,
    log: LogLine<'_>,
    svc: Svc<'_>,
    body: Body<WhatIfRequest>,
) -> Result<Json<crate::service::WhatIf>, ApiError> {
    let Checked(req) = body?;
    log.holder(&req.application.identity.citizen_id);
    Ok(Json(svc.what_if(&req.application, &req.permit, req.legal_date)?))
}

/// One jurisdiction's column of `POST /v1/compare`.
#[derive(Serialize)]
pub struct CompareColumn {
    pub division: String,
    pub name: String,
    pub own: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<Evaluation>,
    /// Why this jurisdiction did not decide, as the API states errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<ApiError>,
}

#[derive(Serialize)]
pub struct Comparison {
    pub jurisdictions: Vec<CompareColumn>,
}

/// The application decided in every jurisdiction served, side by side.
#[post("/v1/compare", data = "<body>")]
pub fn compare(
    _who: Clerk,
    log: LogLine<'_>,
    svc: Svc<'_>,
    body: Body<ApplicationRequest>,
) -> Result<Json<Comparison>, ApiError> {
    let Checked(req) = body?;
    log.holder(&req.application.identity.citizen_id);
    let jurisdictions = svc
        .compare(&req.application, req.legal_date)?
        .into_iter()
        .map(|c| {
            let (evaluation, refusal) = match c.result {
                Ok(e) => (Some(e), None),
                Err(e) => (None, Some(ApiError::from(e))),
            };
            CompareColumn { division: c.division, name: c.name, own: c.own, evaluation, refusal }
        })
        .collect();
    Ok(Json(Comparison { jurisdictions }))
}

/// Async because a submission waits for its commit to reach the disk: the
/// wait happens on the blocking pool, so the executor keeps serving, and many
/// waiting submissions share one commit.
#[post("/v1/applications", data = "<body>")]
pub async fn submit(
    who: Clerk,
    log: LogLine<'_>,
    svc: Svc<'_>,
    body: Body<ApplicationRequest>,
) -> Result<(Status, Json<Receipt>), ApiError> {
    let Checked(req) = body?;
    log.holder(&req.application.identity.citizen_id);
    let svc = Arc::clone(svc);
    let receipt =
        rocket::tokio::task::spawn_blocking(move || svc.submit(&who.0.name, &req.application, req.legal_date))
            .await
            .map_err(|e| {
            ApiError::new(Status::InternalServerError, "internal", format!("the submission task failed: {e}"))
        })??;
    Ok((Status::Created, Json(receipt)))
}

#[post("/v1/decisions/<id>/permit", data = "<body>")]
pub fn issue(
    who: Supervisor,
    svc: Svc<'_>,
    id: i64,
    body: OptionalBody<IssueRequest>,
) -> Result<(Status, Json<PermitRecord>), ApiError> {
    // No body: issued today in the jurisdiction's time zone.
    let OrDefault(req) = body?;
    Ok((Status::Created, Json(svc.issue(&who.0.name, id, req.issued_on)?)))
}

#[get("/v1/permits/<number>")]
pub fn permit(_who: Clerk, svc: Svc<'_>, number: &str) -> Result<Json<PermitRecord>, ApiError> {
    Ok(Json(svc.permit_record(number)?))
}

#[get("/v1/permits/<number>/endorsement?<legal_date>")]
pub fn endorsement(
    _who: Clerk,
    svc: Svc<'_>,
    number: &str,
    legal_date: Option<String>,
) -> Result<Json<EndorsementCheck>, ApiError> {
    Ok(Json(svc.endorsement_status(number, legal_date)?))
}

#[post("/v1/permits/<number>/<action>", data = "<body>")]
pub fn act(
    who: Supervisor,
    svc: Svc<'_>,
    number: &str,
    action: &str,
    body: OptionalBody<TransitionRequest>,
) -> Result<Json<PermitRecord>, ApiError> {
    let action = match Transition::parse(action) {
        Some(t) => t,
        None => {
            return Err(ApiError::new(
                Status::NotFound,
                "not_found",
                format!("no action `{action}`; use endorse, suspend, restore or cancel"),
            ));
        }
    };
    // No body: the transition is as of today in the jurisdiction's time zone.
    let OrDefault(req) = body?;
    match (action, req.facts) {
        (Transition::Endorse, Some(facts)) => {
            Ok(Json(svc.endorse_on_facts(&who.0.name, number, req.legal_date, facts)?))
        }
        (_, Some(_)) => Err(ApiError::field(
            Status::UnprocessableEntity,
            "invalid_input",
            "facts",
            format!("only endorse takes the holder's facts; {action} acts on the facts on record: leave `facts` out"),
        )),
        (_, None) => Ok(Json(svc.act(&who.0.name, number, action, req.legal_date)?)),
    }
}

#[get("/v1/permits/<number>/benefits?<legal_date>")]
pub fn benefits(
    _who: Clerk,
    svc: Svc<'_>,
    number: &str,
    legal_date: Option<String>,
) -> Result<Json<Benefits>, ApiError> {
    Ok(Json(svc.benefits(number, legal_date)?))
}

#[get("/v1/audit?<after>&<limit>")]
pub fn audit(
    _who: Supervisor,
    svc: Svc<'_>,
    after: Option<i64>,
    limit: Option<u32>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    Ok(Json(svc.audit(after.unwrap_or(0), limit.unwrap_or(100))?))
}

/// The station's signed checkpoints of the audit log's head, oldest first,
/// for operators and other stations to keep copies of.
#[get("/v1/audit/checkpoints")]
pub fn audit_checkpoints(_who: Supervisor, svc: Svc<'_>) -> Result<Json<Vec<crate::checkpoint::Checkpoint>>, ApiError> {
    let path = crate::checkpoint::log_path(&svc.with_store(|st| st.path().to_path_buf()));
    crate::checkpoint::read_log(&path)
        .map(Json)
        .map_err(|e| ApiError::new(Status::InternalServerError, "checkpoints_unreadable", e.to_string()))
}

/// Applicants for `places` of a limited service.
#[derive(Deserialize)]
pub struct RankRequest {
    pub places: usize,
    pub applicants: Vec<crate::service::Applicant>,
    #[serde(default)]
    pub legal_date: Option<String>,
}

#[post("/v1/rank", data = "<body>")]
pub fn rank(_who: Clerk, svc: Svc<'_>, body: Body<RankRequest>) -> Result<Json<crate::service::Ranking>, ApiError> {
    let Checked(req) = body?;
    Ok(Json(svc.rank(&req.applicants, req.places, req.legal_date)?))
}

/// The holders on record ranked for `places` of a limited service. Async:
/// the first ranking after a new version takes effect scores every holder,
/// which runs on the blocking pool while the executor keeps serving.
#[get("/v1/rankings/<division>?<places>")]
pub async fn ranking_on_record(
    _who: Clerk,
    svc: Svc<'_>,
    division: &str,
    places: Option<&str>,
) -> Result<Json<crate::service::RecordRanking>, ApiError> {
    let places = match places.map(str::parse::<u64>) {
        Some(Ok(n)) => n,
        Some(Err(_)) | None => {
            return Err(ApiError::field(
                Status::UnprocessableEntity,
                "invalid_input",
                "places",
                format!(
                    "is {}; give the number of places of the service as a whole number, e.g. ?places=100",
                    places.map_or("missing".to_string(), |p| format!("`{p}`"))
                ),
            ));
        }
    };
    let (svc, division) = (Arc::clone(svc), division.to_string());
    rocket::tokio::task::spawn_blocking(move || svc.rank_on_record(&division, places))
        .await
        .map_err(|e| ApiError::new(Status::InternalServerError, "internal", format!("the ranking task failed: {e}")))?
        .map(Json)
        .map_err(ApiError::from)
}

#[get("/v1/jurisdictions")]
pub fn jurisdictions(_who: Clerk, svc: Svc<'_>) -> Json<Vec<JurisdictionModule>> {
    Json(svc.jurisdictions())
}

/// The module deciding a division on a legal date, with its clause table.
#[get("/v1/jurisdictions/<division>?<legal_date>")]
pub fn jurisdiction(
    _who: Clerk,
    svc: Svc<'_>,
    division: &str,
    legal_date: Option<String>,
) -> Result<Json<ModuleDetails>, ApiError> {
    Ok(Json(svc.module_details(division, legal_date)?))
}

#[get("/v1/tokens")]
pub fn tokens(_who: Admin, svc: Svc<'_>) -> Result<Json<Vec<crate::auth::TokenInfo>>, ApiError> {
    svc.with_store(|s| crate::auth::list(s))
        .map(Json)
        .map_err(|e| ApiError::new(Status::InternalServerError, "store_error", e.to_string()))
}

#[get("/openapi.json")]
pub fn openapi(_who: Clerk) -> (rocket::http::ContentType, &'static str) {
    (rocket::http::ContentType::JSON, super::openapi::DOCUMENT)
}

#[get("/metrics")]
pub fn metrics(_who: Clerk, svc: Svc<'_>) -> (rocket::http::ContentType, String) {
    let content_type = rocket::http::ContentType::parse_flexible(crate::metrics::CONTENT_TYPE)
        .unwrap_or(rocket::http::ContentType::Plain);
    (content_type, svc.metrics().encode())
}

/// Which encoder writes the card, and the legal date of its content.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardRequest {
    pub encoder: String,
    #[serde(default)]
    pub legal_date: Option<String>,
}

/// Starts writing a permit onto a card (`issue`, `reissue` a lost card, or
/// write its endorsements: `endorse`). Answers 202 with the journal row;
/// follow it at `/v1/card-issuances/<id>`.
#[post("/v1/permits/<number>/card/<kind>", data = "<body>")]
pub fn card_start(
    who: Supervisor,
    svc: Svc<'_>,
    number: &str,
    kind: &str,
    body: Body<CardRequest>,
) -> Result<(Status, Json<crate::issuance::Issuance>), ApiError> {
    use crate::issuance::Kind;
    let kind = match kind {
        "issue" => Kind::Issue,
        "reissue" => Kind::Reissue,
        "endorse" => Kind::Endorse,
        other => {
            return Err(ApiError::new(
                Status::NotFound,
                "not_found",
                format!("no card operation `{other}`; use issue, reissue or endorse"),
            ));
        }
    };
    let Checked(req) = body?;
    let started = svc.card_start(&who.0.name, number, kind, &req.encoder, req.legal_date)?;
    let service = Arc::clone(svc.inner());
    let (actor, id) = (who.0.name.clone(), started.id);
    // The encoder works for seconds; the journal records every step, so the
    // caller follows it instead of waiting.
    std::thread::spawn(move || {
        if let Err(e) = service.card_run(&actor, id, &|_| {}) {
            tracing::error!(issuance = id, "card issuance {id}: {e}");
        }
    });
    Ok((Status::Accepted, Json(started)))
}

#[get("/v1/permits/<number>/card")]
pub fn card_status(_who: Clerk, svc: Svc<'_>, number: &str) -> Result<Json<crate::service::CardStatus>, ApiError> {
    Ok(Json(svc.card_status(number)?))
}

#[get("/v1/card-issuances/<id>")]
pub fn card_issuance(_who: Clerk, svc: Svc<'_>, id: i64) -> Result<Json<crate::issuance::Issuance>, ApiError> {
    Ok(Json(svc.card_issuance(id)?))
}

#[get("/v1/encoders")]
pub fn encoders(_who: Clerk, svc: Svc<'_>) -> Json<Vec<String>> {
    Json(svc.cards().encoder_names())
}

/// The version to hold a division at.
#[derive(Deserialize)]
pub struct PinRequest {
    pub version: String,
}

#[get("/v1/modules")]
pub fn modules(_who: Clerk, svc: Svc<'_>) -> Json<Vec<crate::service::DivisionModules>> {
    Json(svc.module_versions())
}

#[post("/v1/modules/<division>/pin", data = "<body>")]
pub fn pin(
    who: Admin,
    svc: Svc<'_>,
    division: &str,
    body: Body<PinRequest>,
) -> Result<Json<crate::service::PinReport>, ApiError> {
    let Checked(req) = body?;
    Ok(Json(svc.pin(&who.0.name, division, &req.version)?))
}

#[delete("/v1/modules/<division>/pin")]
pub fn unpin(who: Admin, svc: Svc<'_>, division: &str) -> Result<Json<crate::service::PinReport>, ApiError> {
    Ok(Json(svc.unpin(&who.0.name, division)?))
}

/// What the division's next version would change in the cases on record.
#[get("/v1/modules/<division>/shadow")]
pub fn shadow(_who: Supervisor, svc: Svc<'_>, division: &str) -> Result<Json<crate::service::ShadowReport>, ApiError> {
    Ok(Json(svc.shadow(division)?))
}

#[post("/v1/modules/<division>/rollback")]
pub fn rollback(who: Admin, svc: Svc<'_>, division: &str) -> Result<Json<crate::service::PinReport>, ApiError> {
    Ok(Json(svc.rollback(&who.0.name, division)?))
}

#[get("/v1/registry")]
pub fn registry_status(_who: Admin, svc: Svc<'_>) -> Result<Json<crate::follower::RegistryStatus>, ApiError> {
    Ok(Json(svc.registry_status()?))
}

#[post("/v1/registry/refresh")]
pub fn registry_refresh(_who: Admin, svc: Svc<'_>) -> Result<Json<crate::follower::RegistryStatus>, ApiError> {
    Ok(Json(svc.refresh_registry()?))
}

/// The followed registry's metadata and targets, as a static file server
/// would serve them: any TUF client (or another station) can follow this
/// station's registry. Public, like any TUF repository: everything in it is
/// signed.
#[get("/registry/<path..>")]
pub fn registry_file(svc: Svc<'_>, path: std::path::PathBuf) -> Result<(rocket::http::ContentType, Vec<u8>), ApiError> {
    let path =
        path.to_str().ok_or_else(|| ApiError::new(Status::NotFound, "not_found", "the registry has no such file"))?;
    let bytes = svc.registry_file(path)?;
    let content_type =
        if path.ends_with(".json") { rocket::http::ContentType::JSON } else { rocket::http::ContentType::Binary };
    Ok((content_type, bytes))
}
