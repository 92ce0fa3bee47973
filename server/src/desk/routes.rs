//! HTTP handlers for availability at the desk.

use super::service;
use crate::auth::{SeekerAuth, WorkerAuth};
use crate::error::ApiResult;
use crate::padded::Padded;
use crate::state::AppState;
use actix_web::{get, post, put, web};
use quietline_protocol::ErrorBody;
use quietline_protocol::api::{
    AvailabilityQuery, Colleague, Outlook, SetAvailability, WorkerAvailability,
};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure_public(cfg: &mut ServiceConfig) {
    cfg.service(get_availability)
        .service(set_availability)
        .service(outlook)
        .service(list_colleagues);
}

/// GET /v1/desk/colleagues — the other workers of the organisation, by handle, and whether each
/// can take a conversation now.
#[utoipa::path(tag = "desk", security(("bearer" = [])), responses((status = 200, body = Vec<Colleague>)))]
#[get("/v1/desk/colleagues")]
async fn list_colleagues(
    state: web::Data<AppState>,
    worker: WorkerAuth,
) -> ApiResult<Padded<Vec<Colleague>>> {
    service::colleagues(&state, &worker.0).await.map(Padded)
}

/// GET /v1/desk/availability — the calling worker's availability and limit.
#[utoipa::path(tag = "desk", security(("bearer" = [])), responses((status = 200, body = WorkerAvailability)))]
#[get("/v1/desk/availability")]
async fn get_availability(
    state: web::Data<AppState>,
    worker: WorkerAuth,
) -> ApiResult<Padded<WorkerAvailability>> {
    service::get(&state, &worker.0).await.map(Padded)
}

/// PUT /v1/desk/availability — a worker sets themselves available or away, and their limit on
/// active conversations.
#[utoipa::path(tag = "desk", security(("bearer" = [])), request_body = SetAvailability, responses(
    (status = 200, body = WorkerAvailability),
    (status = 422, body = ErrorBody),
))]
#[put("/v1/desk/availability")]
async fn set_availability(
    state: web::Data<AppState>,
    worker: WorkerAuth,
    body: web::Json<SetAvailability>,
) -> ApiResult<Padded<WorkerAvailability>> {
    service::set(&state, &worker.0, body.into_inner())
        .await
        .map(Padded)
}

/// POST /v1/desk/outlook — a seeker asks whether someone reading one of their languages is
/// available now, and the typical wait. The answer names nobody.
#[utoipa::path(tag = "desk", security(("bearer" = [])), request_body = AvailabilityQuery, responses(
    (status = 200, body = Outlook),
    (status = 422, description = "entry_point_required, invalid_entry_point, invalid_language_tag", body = ErrorBody),
))]
#[post("/v1/desk/outlook")]
async fn outlook(
    state: web::Data<AppState>,
    seeker: SeekerAuth,
    body: web::Json<AvailabilityQuery>,
) -> ApiResult<Padded<Outlook>> {
    service::outlook(&state, &seeker, body.into_inner())
        .await
        .map(Padded)
}
