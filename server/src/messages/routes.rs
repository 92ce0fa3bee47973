//! HTTP handlers of the relay. Request and response bodies are padded to size buckets.

use super::{service, socket};
use crate::auth::Principal;
use crate::error::{ApiResult, extractors};
use crate::padded::Padded;
use crate::state::AppState;
use actix_web::{HttpRequest, get, post, web};
use quietline_protocol::relay::{
    AckReceipt, Acknowledge, EnvelopePage, SendMessage, SendReceipt, Sync,
};
use quietline_protocol::{AccountId, ErrorBody};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure_public(cfg: &mut ServiceConfig) {
    // `/v1/messages/ack` before `/v1/messages/{account_id}`, which would also match it.
    cfg.service(acknowledge_messages)
        .service(sync)
        .service(send_message)
        .service(fetch_messages)
        .service(socket::connect);
}

/// POST /v1/messages/{account_id} — one ciphertext per device of the recipient.
#[utoipa::path(tag = "messages", security(("bearer" = [])), params(("account_id" = String, Path)), request_body = SendMessage, responses(
    (status = 200, body = SendReceipt),
    (status = 404, body = ErrorBody),
    (status = 409, description = "device_mismatch, with the devices to add, drop or refresh", body = ErrorBody),
    (status = 413, description = "ciphertext_too_large", body = ErrorBody),
    (status = 507, description = "queue_full", body = ErrorBody),
    (status = 429, description = "rate_limited", body = quietline_protocol::ErrorBody),
))]
#[post("/v1/messages/{account_id}")]
async fn send_message(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<AccountId>,
    payload: web::Payload,
) -> ApiResult<Padded<SendReceipt>> {
    let message: SendMessage = extractors::read_json(&req, payload, service::MAX_SEND_BODY).await?;
    service::send(&state, &principal, path.into_inner(), message)
        .await
        .map(Padded)
}

/// GET /v1/messages — the first page of this device's queue (fallback to the WebSocket).
#[utoipa::path(tag = "messages", security(("bearer" = [])), responses((status = 200, body = EnvelopePage)))]
#[get("/v1/messages")]
async fn fetch_messages(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<Padded<EnvelopePage>> {
    service::fetch(&state, &principal).await.map(Padded)
}

/// POST /v1/messages/ack — deletes delivered envelopes of this device.
#[utoipa::path(tag = "messages", security(("bearer" = [])), request_body = Acknowledge, responses((status = 200, body = AckReceipt)))]
#[post("/v1/messages/ack")]
async fn acknowledge_messages(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<Acknowledge>,
) -> ApiResult<Padded<AckReceipt>> {
    let count = service::acknowledge(&state, &principal, body.into_inner()).await?;
    Ok(Padded(AckReceipt {
        acknowledged: u32::try_from(count).unwrap_or(u32::MAX),
    }))
}

/// POST /v1/sync — the first page of this device's queue; what clients poll with.
#[utoipa::path(tag = "messages", security(("bearer" = [])), request_body = Sync, responses((status = 200, body = EnvelopePage)))]
#[post("/v1/sync")]
async fn sync(
    state: web::Data<AppState>,
    principal: Principal,
    _body: web::Json<Sync>,
) -> ApiResult<Padded<EnvelopePage>> {
    service::fetch(&state, &principal).await.map(Padded)
}
