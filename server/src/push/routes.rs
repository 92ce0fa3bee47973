//! HTTP handlers for push subscriptions (public listener, any signed-in device).

use super::service;
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::padded::Padded;
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, put, web};
use quietline_protocol::ErrorBody;
use quietline_protocol::push::{PushServerKey, PushSubscription};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure_public(cfg: &mut ServiceConfig) {
    cfg.service(push_server_key)
        .service(put_push_subscription)
        .service(delete_push_subscription);
}

/// GET /v1/push/server-key — the server's VAPID public key, to subscribe with.
#[utoipa::path(tag = "push", security(("bearer" = [])), responses(
    (status = 200, body = PushServerKey),
    (status = 401, body = ErrorBody),
))]
#[get("/v1/push/server-key")]
async fn push_server_key(
    state: web::Data<AppState>,
    _principal: Principal,
) -> ApiResult<Padded<PushServerKey>> {
    Ok(Padded(service::server_key(&state)))
}

/// PUT /v1/push/subscription — registers (or replaces) where this device's pushes go: a Web Push
/// subscription, or an APNs or FCM token where the server has that vendor's credentials.
#[utoipa::path(tag = "push", security(("bearer" = [])), request_body = PushSubscription, responses(
    (status = 204),
    (status = 401, body = ErrorBody),
    (status = 422, description = "invalid_body", body = ErrorBody),
))]
#[put("/v1/push/subscription")]
async fn put_push_subscription(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<PushSubscription>,
) -> ApiResult<HttpResponse> {
    service::subscribe(&state, &principal, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// DELETE /v1/push/subscription — this device gets no more pushes.
#[utoipa::path(tag = "push", security(("bearer" = [])), responses(
    (status = 204),
    (status = 401, body = ErrorBody),
))]
#[delete("/v1/push/subscription")]
async fn delete_push_subscription(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<HttpResponse> {
    service::unsubscribe(&state, &principal).await?;
    Ok(HttpResponse::NoContent().finish())
}
