//! HTTP handlers of the key directory. Responses are padded to size buckets.

use super::service;
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::padded::Padded;
use crate::state::AppState;
use actix_web::{get, post, put, web};
use quietline_protocol::relay::{DeviceKeys, PreKeyBundles, PreKeyCount, PreKeyUpload};
use quietline_protocol::{AccountId, ErrorBody};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure_public(cfg: &mut ServiceConfig) {
    cfg.service(set_device_keys)
        .service(upload_pre_keys)
        .service(count_pre_keys)
        .service(fetch_bundles);
}

/// PUT /v1/keys — publishes (or replaces) all keys of the calling device.
#[utoipa::path(tag = "keys", security(("bearer" = [])), request_body = DeviceKeys, responses(
    (status = 200, body = PreKeyCount),
    (status = 422, description = "invalid_signature, invalid_keys", body = ErrorBody),
))]
#[put("/v1/keys")]
async fn set_device_keys(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<DeviceKeys>,
) -> ApiResult<Padded<PreKeyCount>> {
    service::set_device_keys(&state, &principal, body.into_inner()).await?;
    service::count(&state, &principal).await.map(Padded)
}

/// POST /v1/keys/prekeys — more one-time prekeys, or a rotated signed or last-resort prekey.
#[utoipa::path(tag = "keys", security(("bearer" = [])), request_body = PreKeyUpload, responses(
    (status = 200, body = PreKeyCount),
    (status = 404, description = "keys_missing", body = ErrorBody),
    (status = 422, description = "invalid_signature, invalid_keys", body = ErrorBody),
))]
#[post("/v1/keys/prekeys")]
async fn upload_pre_keys(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<PreKeyUpload>,
) -> ApiResult<Padded<PreKeyCount>> {
    service::upload_pre_keys(&state, &principal, body.into_inner())
        .await
        .map(Padded)
}

/// GET /v1/keys/count — one-time prekeys the calling device has left.
#[utoipa::path(tag = "keys", security(("bearer" = [])), responses((status = 200, body = PreKeyCount)))]
#[get("/v1/keys/count")]
async fn count_pre_keys(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<Padded<PreKeyCount>> {
    service::count(&state, &principal).await.map(Padded)
}

/// GET /v1/keys/{account_id} — prekey bundles of every device of an account.
#[utoipa::path(tag = "keys", security(("bearer" = [])), params(("account_id" = String, Path)), responses(
    (status = 200, body = PreKeyBundles),
    (status = 403, description = "not a member of an active conversation with the account", body = ErrorBody),
    (status = 404, description = "keys_missing", body = ErrorBody),
    (status = 429, description = "rate_limited", body = quietline_protocol::ErrorBody),
))]
#[get("/v1/keys/{account_id}")]
async fn fetch_bundles(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<AccountId>,
) -> ApiResult<Padded<PreKeyBundles>> {
    service::fetch_bundles(&state, &principal, path.into_inner())
        .await
        .map(Padded)
}
