//! HTTP handlers for organisations, invites and members.

use super::service;
use crate::auth::{AdminAuth, OrganisationAdmin, Principal, WorkerAuth};
use crate::error::ApiResult;
use crate::padded::Padded;
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, post, put, web};
use quietline_protocol::api::{
    CreateInvite, CreateOrganisation, Invite, Member, Organisation, Partner, PendingInvite,
    SetLanguages, SetPartners, TotpReset,
};
use quietline_protocol::{AccountId, ErrorBody, OrganisationId};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure_public(cfg: &mut ServiceConfig) {
    cfg.service(get_own_organisation).service(referral_partners);
}

pub fn configure_admin(cfg: &mut ServiceConfig) {
    cfg.service(list_organisations)
        .service(create_organisation)
        .service(get_organisation)
        .service(create_invite)
        .service(list_invites)
        .service(revoke_invite)
        .service(list_members)
        .service(remove_member)
        .service(reset_member_totp)
        .service(set_member_languages)
        .service(deactivate_member)
        .service(reactivate_member)
        .service(organisation_statistics)
        .service(set_disappearing)
        .service(list_partners)
        .service(set_partners);
}

/// GET /v1/organisations/{organisation_id} — a worker's own organisation.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(("organisation_id" = String, Path)), responses(
    (status = 200, body = Organisation),
    (status = 403, body = ErrorBody),
))]
#[get("/v1/organisations/{organisation_id}")]
async fn get_own_organisation(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<OrganisationId>,
) -> ApiResult<web::Json<Organisation>> {
    service::get_own_organisation(&state, &principal, path.into_inner())
        .await
        .map(web::Json)
}

/// GET /admin/v1/organisations — all organisations (instance administrators) or one's own.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses((status = 200, body = Vec<Organisation>)))]
#[get("/admin/v1/organisations")]
async fn list_organisations(
    state: web::Data<AppState>,
    admin: AdminAuth,
) -> ApiResult<web::Json<Vec<Organisation>>> {
    service::list_organisations(&state, &admin.0)
        .await
        .map(web::Json)
}

/// POST /admin/v1/organisations — an instance administrator adds an organisation.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = CreateOrganisation, responses(
    (status = 200, body = Organisation),
    (status = 409, description = "organisation_exists", body = ErrorBody),
))]
#[post("/admin/v1/organisations")]
async fn create_organisation(
    state: web::Data<AppState>,
    admin: AdminAuth,
    body: web::Json<CreateOrganisation>,
) -> ApiResult<web::Json<Organisation>> {
    service::create_organisation(&state, &admin.0, body.into_inner())
        .await
        .map(web::Json)
}

/// GET /admin/v1/organisations/{organisation_id} — one organisation.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path)), responses(
    (status = 200, body = Organisation),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}")]
async fn get_organisation(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
) -> ApiResult<web::Json<Organisation>> {
    service::get_organisation(&state, &admin)
        .await
        .map(web::Json)
}

/// GET /admin/v1/organisations/{organisation_id}/invites — invites not yet used or expired,
/// without their codes.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path)), responses(
    (status = 200, body = Vec<PendingInvite>),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}/invites")]
async fn list_invites(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
) -> ApiResult<web::Json<Vec<PendingInvite>>> {
    service::list_invites(&state, &admin).await.map(web::Json)
}

/// DELETE /admin/v1/organisations/{organisation_id}/invites/{invite_id} — revokes an invite.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), ("invite_id" = String, Path)), responses(
    (status = 204),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody),
))]
#[delete("/admin/v1/organisations/{organisation_id}/invites/{invite_id}")]
async fn revoke_invite(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, String)>,
) -> ApiResult<HttpResponse> {
    let (_, invite_id) = path.into_inner();
    service::revoke_invite(&state, &admin, invite_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /admin/v1/organisations/{organisation_id}/invites — a single-use invite for a worker or
/// administrator.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path)), request_body = CreateInvite, responses(
    (status = 200, body = Invite),
    (status = 403, body = ErrorBody),
))]
#[post("/admin/v1/organisations/{organisation_id}/invites")]
async fn create_invite(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    body: web::Json<CreateInvite>,
) -> ApiResult<web::Json<Invite>> {
    service::create_invite(&state, &admin, body.into_inner())
        .await
        .map(web::Json)
}

/// GET /admin/v1/organisations/{organisation_id}/members — workers and administrators.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path)), responses(
    (status = 200, body = Vec<Member>),
    (status = 403, body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}/members")]
async fn list_members(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
) -> ApiResult<web::Json<Vec<Member>>> {
    service::list_members(&state, &admin).await.map(web::Json)
}

/// POST /admin/v1/organisations/{organisation_id}/members/{account_id}/deactivate — ends the
/// member's sessions, hands their conversations back to the queue, and refuses their sign-ins
/// until they are reactivated.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), ("account_id" = String, Path)), responses(
    (status = 204),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody),
    (status = 409, description = "invalid_state", body = ErrorBody),
))]
#[post("/admin/v1/organisations/{organisation_id}/members/{account_id}/deactivate")]
async fn deactivate_member(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, AccountId)>,
) -> ApiResult<HttpResponse> {
    let (_, account_id) = path.into_inner();
    service::deactivate_member(&state, &admin, account_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /admin/v1/organisations/{organisation_id}/members/{account_id}/reactivate — lets a
/// deactivated member sign in again.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), ("account_id" = String, Path)), responses(
    (status = 204),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody),
))]
#[post("/admin/v1/organisations/{organisation_id}/members/{account_id}/reactivate")]
async fn reactivate_member(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, AccountId)>,
) -> ApiResult<HttpResponse> {
    let (_, account_id) = path.into_inner();
    service::reactivate_member(&state, &admin, account_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// PUT /admin/v1/organisations/{organisation_id}/members/{account_id}/languages — the languages
/// a member reads (a worker is shown waiting conversations in them first).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), ("account_id" = String, Path)), request_body = SetLanguages, responses(
    (status = 200, body = Member),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody),
))]
#[put("/admin/v1/organisations/{organisation_id}/members/{account_id}/languages")]
async fn set_member_languages(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, AccountId)>,
    body: web::Json<SetLanguages>,
) -> ApiResult<web::Json<Member>> {
    let (_, account_id) = path.into_inner();
    service::set_member_languages(&state, &admin, account_id, &body.languages)
        .await
        .map(web::Json)
}

/// POST /admin/v1/organisations/{organisation_id}/members/{account_id}/totp-reset — asks for
/// the reset of a member's lost second factor (`requested`), or approves another
/// administrator's request (`done`).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), ("account_id" = String, Path)), responses(
    (status = 200, body = TotpReset),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody),
    (status = 409, description = "second_approval_required, invalid_state", body = ErrorBody),
))]
#[post("/admin/v1/organisations/{organisation_id}/members/{account_id}/totp-reset")]
async fn reset_member_totp(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, AccountId)>,
) -> ApiResult<web::Json<TotpReset>> {
    let (_, account_id) = path.into_inner();
    service::reset_member_totp(&state, &admin, account_id)
        .await
        .map(web::Json)
}

/// DELETE /admin/v1/organisations/{organisation_id}/members/{account_id} — removes a member.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), ("account_id" = String, Path)), responses(
    (status = 204),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody),
))]
#[delete("/admin/v1/organisations/{organisation_id}/members/{account_id}")]
async fn remove_member(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, AccountId)>,
) -> ApiResult<HttpResponse> {
    let (_, account_id) = path.into_inner();
    service::remove_member(&state, &admin, account_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct Period {
    /// Unix seconds; default: 30 days before `to`.
    from: Option<i64>,
    /// Unix seconds; default: now.
    to: Option<i64>,
    /// `day` (default), `week` or `month`: totals per period.
    #[serde(default)]
    #[param(value_type = Option<quietline_protocol::api::StatisticsPeriod>)]
    period: quietline_protocol::api::StatisticsPeriod,
}

/// GET /admin/v1/organisations/{organisation_id}/statistics — aggregate counts per day, week or
/// month and language; counts from 1 to 4 read "<5".
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), Period), responses(
    (status = 200, body = Vec<quietline_protocol::api::DailyStatistics>),
    (status = 403, body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}/statistics")]
async fn organisation_statistics(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    period: web::Query<Period>,
) -> ApiResult<web::Json<Vec<quietline_protocol::api::DailyStatistics>>> {
    crate::conversations::service::statistics(&state, &admin, period.from, period.to, period.period)
        .await
        .map(web::Json)
}

/// PUT /admin/v1/organisations/{organisation_id}/disappearing — the default and longest
/// disappearing-message timer of the organisation's conversations.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path)), request_body = quietline_protocol::api::SetTimer, responses(
    (status = 200, body = Organisation),
    (status = 403, body = ErrorBody),
    (status = 422, body = ErrorBody),
))]
#[put("/admin/v1/organisations/{organisation_id}/disappearing")]
async fn set_disappearing(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    body: web::Json<quietline_protocol::api::SetTimer>,
) -> ApiResult<web::Json<Organisation>> {
    service::set_disappearing(&state, &admin, body.into_inner().seconds)
        .await
        .map(web::Json)
}

/// GET /admin/v1/organisations/{organisation_id}/partners — the partners the organisation
/// declares, and whether each declares it back (referrals need both).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path)), responses(
    (status = 200, body = Vec<Partner>),
    (status = 403, body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}/partners")]
async fn list_partners(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
) -> ApiResult<web::Json<Vec<Partner>>> {
    service::list_partners(&state, &admin).await.map(web::Json)
}

/// PUT /admin/v1/organisations/{organisation_id}/partners — replaces the declared partners.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path)), request_body = SetPartners, responses(
    (status = 200, body = Vec<Partner>),
    (status = 403, body = ErrorBody),
    (status = 422, body = ErrorBody),
))]
#[put("/admin/v1/organisations/{organisation_id}/partners")]
async fn set_partners(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    body: web::Json<SetPartners>,
) -> ApiResult<web::Json<Vec<Partner>>> {
    service::set_partners(&state, &admin, body.into_inner().partners)
        .await
        .map(web::Json)
}

/// GET /v1/desk/partners — the organisations a worker may refer a conversation to.
#[utoipa::path(tag = "desk", security(("bearer" = [])), responses((status = 200, body = Vec<Partner>)))]
#[get("/v1/desk/partners")]
async fn referral_partners(
    state: web::Data<AppState>,
    worker: WorkerAuth,
) -> ApiResult<Padded<Vec<Partner>>> {
    service::referral_partners(&state, &worker.0)
        .await
        .map(Padded)
}
