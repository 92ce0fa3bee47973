//! HTTP handlers for accounts, sessions and devices. Thin: extract, call the service, answer.

use super::service;
use crate::audit::{self, Action, Entry};
use crate::auth::{AdminAuth, AdminEnrolling, Audience, ClientAddress, Principal, WorkerAuth};
use crate::error::ApiResult;
use crate::padded::Padded;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use quietline_protocol::ErrorBody;
use quietline_protocol::api::{
    AcceptInvite, AccountInfo, AddDevice, BeginTotp, Challenge, ConfirmTotp, DeviceInfo, Enrolment,
    InstanceSetup, Login, Recover, RecoveryCodes, RecoverySetup, Refresh, Role, SeekerSignup,
    SessionGrant, SetLanguages, TotpEnrolment, WorkerProfile,
};
use quietline_protocol::relay::{EnvelopePage, Sync};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure_public(cfg: &mut ServiceConfig) {
    cfg.service(create_challenge)
        .service(quick_exit)
        .service(sign_up_seeker)
        .service(accept_worker_invite)
        .service(log_in_worker)
        .service(set_recovery)
        .service(recover)
        .service(refresh_session)
        .service(log_out)
        .service(get_account)
        .service(delete_account)
        .service(list_devices)
        .service(add_device)
        .service(remove_device)
        .service(get_worker_profile)
        .service(set_worker_languages)
        .service(begin_worker_totp)
        .service(confirm_worker_totp);
}

pub fn configure_admin(cfg: &mut ServiceConfig) {
    cfg.service(set_up_instance)
        .service(accept_admin_invite)
        .service(log_in_admin)
        .service(refresh_admin_session)
        .service(log_out_admin)
        .service(get_admin_account)
        .service(delete_admin_account)
        .service(begin_admin_totp)
        .service(confirm_admin_totp)
        .service(list_admin_devices)
        .service(remove_admin_device);
}

/// POST /v1/signup/challenge — a proof-of-work challenge for anonymous sign-up.
#[utoipa::path(tag = "accounts", responses((status = 200, body = Challenge)))]
#[post("/v1/signup/challenge")]
async fn create_challenge(state: web::Data<AppState>) -> ApiResult<web::Json<Challenge>> {
    service::issue_challenge(&state).map(web::Json)
}

/// POST /v1/seekers — anonymous sign-up: no phone number, e-mail or name.
#[utoipa::path(tag = "accounts", request_body = SeekerSignup, responses(
    (status = 200, body = SessionGrant),
    (status = 422, description = "invalid_challenge, invalid_proof_of_work", body = ErrorBody),
    (status = 429, description = "rate_limited", body = ErrorBody),
))]
#[post("/v1/seekers")]
async fn sign_up_seeker(
    state: web::Data<AppState>,
    address: ClientAddress,
    body: web::Json<SeekerSignup>,
) -> ApiResult<web::Json<SessionGrant>> {
    service::sign_up_seeker(&state, address, body.into_inner())
        .await
        .map(web::Json)
}

/// POST /v1/invites/accept — a worker redeems an invite and chooses handle and passphrase.
#[utoipa::path(tag = "accounts", request_body = AcceptInvite, responses(
    (status = 200, body = Enrolment),
    (status = 404, description = "invalid_invite", body = ErrorBody),
    (status = 409, description = "handle_taken", body = ErrorBody),
    (status = 429, description = "rate_limited", body = quietline_protocol::ErrorBody),
))]
#[post("/v1/invites/accept")]
async fn accept_worker_invite(
    state: web::Data<AppState>,
    address: ClientAddress,
    body: web::Json<AcceptInvite>,
) -> ApiResult<web::Json<Enrolment>> {
    service::accept_invite(&state, &address, body.into_inner(), Role::Worker)
        .await
        .map(web::Json)
}

/// POST /v1/sessions — a worker signs in on a new device.
#[utoipa::path(tag = "accounts", request_body = Login, responses(
    (status = 200, body = SessionGrant),
    (status = 401, description = "invalid_credentials, totp_required, invalid_totp", body = ErrorBody),
    (status = 429, description = "rate_limited", body = quietline_protocol::ErrorBody),
))]
#[post("/v1/sessions")]
async fn log_in_worker(
    state: web::Data<AppState>,
    address: ClientAddress,
    body: web::Json<Login>,
) -> ApiResult<web::Json<SessionGrant>> {
    service::log_in(&state, &address, body.into_inner(), Audience::Api)
        .await
        .map(web::Json)
}

/// PUT /v1/recovery — a seeker sets (or replaces) the recovery phrase of their account, as the
/// lookup and key their device derived from it.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), request_body = RecoverySetup, responses(
    (status = 204),
    (status = 401, description = "unauthenticated", body = ErrorBody),
    (status = 403, description = "forbidden: only a seeker has a recovery phrase", body = ErrorBody),
    (status = 422, description = "invalid_body", body = ErrorBody),
))]
#[put("/v1/recovery")]
async fn set_recovery(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<RecoverySetup>,
) -> ApiResult<HttpResponse> {
    service::set_recovery(&state, &principal, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /v1/recovery — a seeker comes back on a new device by their recovery phrase: a session
/// for this new device, and the account's other devices removed. A wrong phrase, an unknown one
/// and one locked by wrong tries answer alike.
#[utoipa::path(tag = "accounts", request_body = Recover, responses(
    (status = 200, body = SessionGrant),
    (status = 401, description = "invalid_credentials", body = ErrorBody),
    (status = 409, description = "too_many_devices", body = ErrorBody),
    (status = 422, description = "invalid_body", body = ErrorBody),
    (status = 429, description = "rate_limited", body = ErrorBody),
))]
#[post("/v1/recovery")]
async fn recover(
    state: web::Data<AppState>,
    address: ClientAddress,
    body: web::Json<Recover>,
) -> ApiResult<web::Json<SessionGrant>> {
    service::recover(&state, &address, body.into_inner())
        .await
        .map(web::Json)
}

/// POST /v1/sessions/refresh — exchanges a refresh token (valid once) for a new token pair.
#[utoipa::path(tag = "accounts", request_body = Refresh, responses(
    (status = 200, body = SessionGrant),
    (status = 401, description = "invalid_refresh_token, refresh_token_reused", body = ErrorBody),
))]
#[post("/v1/sessions/refresh")]
async fn refresh_session(
    state: web::Data<AppState>,
    body: web::Json<Refresh>,
) -> ApiResult<web::Json<SessionGrant>> {
    service::refresh(&state, body.refresh_token.expose(), Audience::Api)
        .await
        .map(web::Json)
}

/// POST /v1/sessions/logout — ends this device's session.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), responses((status = 204)))]
#[post("/v1/sessions/logout")]
async fn log_out(state: web::Data<AppState>, principal: Principal) -> ApiResult<HttpResponse> {
    service::log_out(&state, principal).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// GET /v1/account — who the caller is.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), responses((status = 200, body = AccountInfo)))]
#[get("/v1/account")]
async fn get_account(principal: Principal) -> web::Json<AccountInfo> {
    web::Json(service::account_info(&principal))
}

/// DELETE /v1/account — deletes the caller's account and everything linked to it.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), responses((status = 204)))]
#[delete("/v1/account")]
async fn delete_account(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<HttpResponse> {
    service::delete_account(&state, principal).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// GET /v1/devices — the caller's devices.
#[utoipa::path(tag = "devices", security(("bearer" = [])), responses((status = 200, body = Vec<DeviceInfo>)))]
#[get("/v1/devices")]
async fn list_devices(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<web::Json<Vec<DeviceInfo>>> {
    service::list_devices(&state, &principal)
        .await
        .map(web::Json)
}

/// POST /v1/devices — adds a device and returns its first tokens.
#[utoipa::path(tag = "devices", security(("bearer" = [])), request_body = AddDevice, responses(
    (status = 200, body = SessionGrant),
    (status = 409, description = "too_many_devices", body = ErrorBody),
))]
#[post("/v1/devices")]
async fn add_device(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<AddDevice>,
) -> ApiResult<web::Json<SessionGrant>> {
    service::link_device(&state, principal, body.into_inner().name)
        .await
        .map(web::Json)
}

/// DELETE /v1/devices/{device_id} — removes a device; its sessions end at once.
#[utoipa::path(tag = "devices", security(("bearer" = [])), params(("device_id" = u32, Path)), responses(
    (status = 204),
    (status = 404, body = ErrorBody),
    (status = 409, description = "last_device", body = ErrorBody),
))]
#[delete("/v1/devices/{device_id}")]
async fn remove_device(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<u32>,
) -> ApiResult<HttpResponse> {
    service::remove_device(&state, principal, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// GET /v1/worker/profile — the worker's own profile.
#[utoipa::path(tag = "workers", security(("bearer" = [])), responses((status = 200, body = WorkerProfile)))]
#[get("/v1/worker/profile")]
async fn get_worker_profile(
    state: web::Data<AppState>,
    worker: WorkerAuth,
) -> ApiResult<web::Json<WorkerProfile>> {
    service::worker_profile(&state, &worker.0)
        .await
        .map(web::Json)
}

/// PUT /v1/worker/languages — the languages the worker speaks (BCP 47).
#[utoipa::path(tag = "workers", security(("bearer" = [])), request_body = SetLanguages, responses(
    (status = 200, body = WorkerProfile),
    (status = 422, description = "invalid_language_tag", body = ErrorBody),
))]
#[put("/v1/worker/languages")]
async fn set_worker_languages(
    state: web::Data<AppState>,
    worker: WorkerAuth,
    body: web::Json<SetLanguages>,
) -> ApiResult<web::Json<WorkerProfile>> {
    service::set_worker_languages(&state, &worker.0, &body.languages)
        .await
        .map(web::Json)
}

/// POST /v1/worker/totp — starts enrolling a second factor (the passphrase is asked again).
#[utoipa::path(tag = "workers", security(("bearer" = [])), request_body = BeginTotp, responses(
    (status = 200, body = TotpEnrolment),
    (status = 401, description = "invalid_credentials", body = ErrorBody),
    (status = 409, description = "totp_already_enabled", body = ErrorBody),
    (status = 429, description = "rate_limited", body = ErrorBody),
))]
#[post("/v1/worker/totp")]
async fn begin_worker_totp(
    state: web::Data<AppState>,
    worker: WorkerAuth,
    address: ClientAddress,
    body: web::Json<BeginTotp>,
) -> ApiResult<web::Json<TotpEnrolment>> {
    service::begin_totp(&state, &address, &worker.0, body.into_inner().passphrase)
        .await
        .map(web::Json)
}

/// POST /v1/worker/totp/confirm — activates the second factor with a first code; answers
/// one-time recovery codes.
#[utoipa::path(tag = "workers", security(("bearer" = [])), request_body = ConfirmTotp, responses(
    (status = 200, body = RecoveryCodes),
    (status = 401, description = "invalid_totp", body = ErrorBody),
    (status = 429, description = "rate_limited", body = quietline_protocol::ErrorBody),
))]
#[post("/v1/worker/totp/confirm")]
async fn confirm_worker_totp(
    state: web::Data<AppState>,
    worker: WorkerAuth,
    body: web::Json<ConfirmTotp>,
) -> ApiResult<web::Json<RecoveryCodes>> {
    service::confirm_totp(&state, &worker.0, body.code.expose())
        .await
        .map(web::Json)
}

/// POST /admin/v1/totp — starts enrolling the administrator's second factor (the passphrase is
/// asked again).
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = BeginTotp, responses(
    (status = 200, body = TotpEnrolment),
    (status = 401, description = "invalid_credentials", body = ErrorBody),
    (status = 409, description = "totp_already_enabled", body = ErrorBody),
    (status = 429, description = "rate_limited", body = ErrorBody),
))]
#[post("/admin/v1/totp")]
async fn begin_admin_totp(
    state: web::Data<AppState>,
    admin: AdminEnrolling,
    address: ClientAddress,
    body: web::Json<BeginTotp>,
) -> ApiResult<web::Json<TotpEnrolment>> {
    service::admin_begin_totp(&state, &address, &admin.0, body.into_inner().passphrase)
        .await
        .map(web::Json)
}

/// POST /admin/v1/totp/confirm — activates the administrator's second factor with a first
/// code; answers one-time recovery codes.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = ConfirmTotp, responses(
    (status = 200, body = RecoveryCodes),
    (status = 401, description = "invalid_totp", body = ErrorBody),
    (status = 429, description = "rate_limited", body = quietline_protocol::ErrorBody),
))]
#[post("/admin/v1/totp/confirm")]
async fn confirm_admin_totp(
    state: web::Data<AppState>,
    admin: AdminEnrolling,
    body: web::Json<ConfirmTotp>,
) -> ApiResult<web::Json<RecoveryCodes>> {
    service::admin_confirm_totp(&state, &admin.0, body.code.expose())
        .await
        .map(web::Json)
}

/// GET /admin/v1/devices — the administrator's own devices (sign-ins).
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses((status = 200, body = Vec<DeviceInfo>)))]
#[get("/admin/v1/devices")]
async fn list_admin_devices(
    state: web::Data<AppState>,
    admin: AdminEnrolling,
) -> ApiResult<web::Json<Vec<DeviceInfo>>> {
    service::list_devices(&state, &admin.0).await.map(web::Json)
}

/// DELETE /admin/v1/devices/{device_id} — signs one of the administrator's devices out.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("device_id" = u32, Path)), responses(
    (status = 204),
    (status = 404, body = ErrorBody),
    (status = 409, description = "last_device", body = ErrorBody),
))]
#[delete("/admin/v1/devices/{device_id}")]
async fn remove_admin_device(
    state: web::Data<AppState>,
    admin: AdminEnrolling,
    path: web::Path<u32>,
) -> ApiResult<HttpResponse> {
    let device = path.into_inner();
    let entry = Entry::new(
        &admin.0,
        admin.0.organisation_id.as_ref(),
        Action::AdminDeviceRemove,
    )
    .on(device.to_string());
    service::remove_device(&state, admin.0, device).await?;
    audit::record(&state, entry).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /admin/v1/setup — creates the first instance administrator with the setup token.
#[utoipa::path(tag = "admin", request_body = InstanceSetup, responses(
    (status = 200, body = Enrolment),
    (status = 403, description = "invalid_setup_token", body = ErrorBody),
    (status = 429, description = "rate_limited", body = quietline_protocol::ErrorBody),
))]
#[post("/admin/v1/setup")]
async fn set_up_instance(
    state: web::Data<AppState>,
    address: ClientAddress,
    body: web::Json<InstanceSetup>,
) -> ApiResult<web::Json<Enrolment>> {
    service::admin_set_up(&state, &address, body.into_inner())
        .await
        .map(web::Json)
}

/// POST /admin/v1/invites/accept — an administrator redeems an invite.
#[utoipa::path(tag = "admin", request_body = AcceptInvite, responses(
    (status = 200, body = Enrolment),
    (status = 404, description = "invalid_invite", body = ErrorBody),
    (status = 429, description = "rate_limited", body = quietline_protocol::ErrorBody),
))]
#[post("/admin/v1/invites/accept")]
async fn accept_admin_invite(
    state: web::Data<AppState>,
    address: ClientAddress,
    body: web::Json<AcceptInvite>,
) -> ApiResult<web::Json<Enrolment>> {
    let enrolment =
        service::accept_invite(&state, &address, body.into_inner(), Role::Admin).await?;
    audit::record(
        &state,
        Entry::granted(&enrolment.session, Action::AdminInviteAccept),
    )
    .await?;
    Ok(web::Json(enrolment))
}

/// POST /admin/v1/sessions — an administrator signs in.
#[utoipa::path(tag = "admin", request_body = Login, responses(
    (status = 200, body = SessionGrant),
    (status = 401, description = "invalid_credentials, totp_required, invalid_totp", body = ErrorBody),
    (status = 429, description = "rate_limited", body = quietline_protocol::ErrorBody),
))]
#[post("/admin/v1/sessions")]
async fn log_in_admin(
    state: web::Data<AppState>,
    address: ClientAddress,
    body: web::Json<Login>,
) -> ApiResult<web::Json<SessionGrant>> {
    service::admin_sign_in(&state, &address, body.into_inner())
        .await
        .map(web::Json)
}

/// POST /admin/v1/sessions/refresh — rotates an administrator's refresh token.
#[utoipa::path(tag = "admin", request_body = Refresh, responses(
    (status = 200, body = SessionGrant),
    (status = 401, description = "invalid_refresh_token, refresh_token_reused", body = ErrorBody),
))]
#[post("/admin/v1/sessions/refresh")]
async fn refresh_admin_session(
    state: web::Data<AppState>,
    body: web::Json<Refresh>,
) -> ApiResult<web::Json<SessionGrant>> {
    service::refresh(&state, body.refresh_token.expose(), Audience::Admin)
        .await
        .map(web::Json)
}

/// POST /admin/v1/sessions/logout — ends the administrator's session.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses((status = 204)))]
#[post("/admin/v1/sessions/logout")]
async fn log_out_admin(
    state: web::Data<AppState>,
    admin: AdminEnrolling,
) -> ApiResult<HttpResponse> {
    service::admin_sign_out(&state, admin.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// GET /admin/v1/account — who the administrator is.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses((status = 200, body = AccountInfo)))]
#[get("/admin/v1/account")]
async fn get_admin_account(admin: AdminEnrolling) -> web::Json<AccountInfo> {
    web::Json(service::account_info(&admin.0))
}

/// DELETE /admin/v1/account — deletes the administrator's own account.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 204),
    (status = 409, description = "last_instance_admin", body = ErrorBody),
))]
#[delete("/admin/v1/account")]
async fn delete_admin_account(
    state: web::Data<AppState>,
    admin: AdminAuth,
) -> ApiResult<HttpResponse> {
    service::delete_account(&state, admin.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /v1/quick-exit — wipes the seeker's account and everything linked to it, at once.
/// Looks like a sync on the wire: same method, body, status, headers and padded sizes.
#[utoipa::path(tag = "messages", security(("bearer" = [])), request_body = Sync, responses((status = 200, body = EnvelopePage)))]
#[post("/v1/quick-exit")]
async fn quick_exit(
    req: HttpRequest,
    state: web::Data<AppState>,
    _body: web::Json<Sync>,
) -> ApiResult<Padded<EnvelopePage>> {
    super::quick_exit::quick_exit(&state, crate::auth::bearer(&req)).await?;
    Ok(Padded(EnvelopePage {
        envelopes: Vec::new(),
        more: false,
    }))
}
