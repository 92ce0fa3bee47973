//! HTTP handlers for entry points: their administration (admin listener) and what a seeker may
//! learn of their own (public listener).

use super::service;
use crate::auth::{OrganisationAdmin, SeekerAuth};
use crate::error::ApiResult;
use crate::padded::Padded;
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, post, web};
use quietline_protocol::api::{CreateEntryPoint, EntryPoint};
use quietline_protocol::{EntryPointId, ErrorBody, OrganisationId};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure_public(cfg: &mut ServiceConfig) {
    cfg.service(entry_point_topics);
}

/// GET /v1/entry-point/topics — (seekers) the topics offered through the seeker's entry point.
#[utoipa::path(tag = "conversations", security(("bearer" = [])), responses(
    (status = 200, body = Vec<String>),
    (status = 422, description = "entry_point_required, invalid_entry_point", body = ErrorBody),
))]
#[get("/v1/entry-point/topics")]
async fn entry_point_topics(
    state: web::Data<AppState>,
    seeker: SeekerAuth,
) -> ApiResult<Padded<Vec<String>>> {
    service::topics(&state, &seeker).await.map(Padded)
}

pub fn configure_admin(cfg: &mut ServiceConfig) {
    cfg.service(create_entry_point)
        .service(list_entry_points)
        .service(delete_entry_point);
}

/// POST /admin/v1/organisations/{organisation_id}/entry-points — a new entry point; its code is
/// in this answer only.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path)), request_body = CreateEntryPoint, responses(
    (status = 200, body = EntryPoint),
    (status = 403, body = ErrorBody),
))]
#[post("/admin/v1/organisations/{organisation_id}/entry-points")]
async fn create_entry_point(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    body: web::Json<CreateEntryPoint>,
) -> ApiResult<web::Json<EntryPoint>> {
    service::create(&state, &admin, body.into_inner())
        .await
        .map(web::Json)
}

/// GET /admin/v1/organisations/{organisation_id}/entry-points — the organisation's entry points.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path)), responses(
    (status = 200, body = Vec<EntryPoint>),
    (status = 403, body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}/entry-points")]
async fn list_entry_points(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
) -> ApiResult<web::Json<Vec<EntryPoint>>> {
    service::list(&state, &admin).await.map(web::Json)
}

/// DELETE /admin/v1/organisations/{organisation_id}/entry-points/{entry_point_id} — retires one.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), ("entry_point_id" = String, Path)), responses(
    (status = 204),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody),
))]
#[delete("/admin/v1/organisations/{organisation_id}/entry-points/{entry_point_id}")]
async fn delete_entry_point(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, EntryPointId)>,
) -> ApiResult<HttpResponse> {
    let (_, id) = path.into_inner();
    service::delete(&state, &admin, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
