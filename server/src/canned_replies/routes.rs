//! HTTP handlers for canned replies.

use super::service;
use crate::auth::{OrganisationAdmin, WorkerAuth};
use crate::error::ApiResult;
use crate::padded::Padded;
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, post, put, web};
use quietline_protocol::api::{
    CannedReply, CannedReplyVersion, CreateCannedReply, UpdateCannedReply,
};
use quietline_protocol::{ErrorBody, OrganisationId};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure_public(cfg: &mut ServiceConfig) {
    cfg.service(worker_replies);
}

pub fn configure_admin(cfg: &mut ServiceConfig) {
    cfg.service(list_replies)
        .service(create_reply)
        .service(update_reply)
        .service(delete_reply)
        .service(reply_versions);
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct LanguageFilter {
    /// Only replies in this language (BCP 47; `fr` matches `fr-CA`).
    language: Option<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct Listing {
    /// Include deleted replies (for audit).
    #[serde(default)]
    include_deleted: bool,
}

/// GET /v1/desk/canned-replies — the worker's organisation's canned replies.
#[utoipa::path(tag = "desk", security(("bearer" = [])), params(LanguageFilter), responses(
    (status = 200, body = Vec<CannedReply>),
    (status = 422, description = "invalid_language_tag", body = ErrorBody),
))]
#[get("/v1/desk/canned-replies")]
async fn worker_replies(
    state: web::Data<AppState>,
    worker: WorkerAuth,
    filter: web::Query<LanguageFilter>,
) -> ApiResult<Padded<Vec<CannedReply>>> {
    service::for_worker(&state, &worker.0, filter.into_inner().language)
        .await
        .map(Padded)
}

/// GET /admin/v1/organisations/{organisation_id}/canned-replies — the organisation's canned
/// replies, by language and title.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), Listing), responses(
    (status = 200, body = Vec<CannedReply>),
    (status = 403, body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}/canned-replies")]
async fn list_replies(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    listing: web::Query<Listing>,
) -> ApiResult<web::Json<Vec<CannedReply>>> {
    service::list(&state, &admin, listing.include_deleted)
        .await
        .map(web::Json)
}

/// POST /admin/v1/organisations/{organisation_id}/canned-replies — a new canned reply.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path)), request_body = CreateCannedReply, responses(
    (status = 200, body = CannedReply),
    (status = 403, body = ErrorBody),
    (status = 422, body = ErrorBody),
))]
#[post("/admin/v1/organisations/{organisation_id}/canned-replies")]
async fn create_reply(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    body: web::Json<CreateCannedReply>,
) -> ApiResult<web::Json<CannedReply>> {
    service::create(&state, &admin, body.into_inner())
        .await
        .map(web::Json)
}

/// PUT /admin/v1/organisations/{organisation_id}/canned-replies/{reply_id} — edits a reply,
/// naming the version edited.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), ("reply_id" = String, Path)), request_body = UpdateCannedReply, responses(
    (status = 200, body = CannedReply),
    (status = 404, body = ErrorBody),
    (status = 409, description = "version_conflict", body = ErrorBody),
    (status = 422, body = ErrorBody),
))]
#[put("/admin/v1/organisations/{organisation_id}/canned-replies/{reply_id}")]
async fn update_reply(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, String)>,
    body: web::Json<UpdateCannedReply>,
) -> ApiResult<web::Json<CannedReply>> {
    let (_, reply_id) = path.into_inner();
    service::update(&state, &admin, reply_id, body.into_inner())
        .await
        .map(web::Json)
}

/// DELETE /admin/v1/organisations/{organisation_id}/canned-replies/{reply_id} — deletes a reply
/// (softly: its versions stay for audit).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), ("reply_id" = String, Path)), responses(
    (status = 204),
    (status = 404, body = ErrorBody),
))]
#[delete("/admin/v1/organisations/{organisation_id}/canned-replies/{reply_id}")]
async fn delete_reply(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, String)>,
) -> ApiResult<HttpResponse> {
    let (_, reply_id) = path.into_inner();
    service::delete(&state, &admin, reply_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// GET /admin/v1/organisations/{organisation_id}/canned-replies/{reply_id}/versions — every
/// version of a reply, with who made it and when.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), ("reply_id" = String, Path)), responses(
    (status = 200, body = Vec<CannedReplyVersion>),
    (status = 404, body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}/canned-replies/{reply_id}/versions")]
async fn reply_versions(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, String)>,
) -> ApiResult<web::Json<Vec<CannedReplyVersion>>> {
    let (_, reply_id) = path.into_inner();
    service::versions(&state, &admin, reply_id)
        .await
        .map(web::Json)
}
