//! HTTP handlers for entry points: their administration (admin listener) and what a seeker may
//! learn of their own (public listener).

use super::{decoys, printable, service};
use crate::auth::{OrganisationAdmin, SeekerAuth};
use crate::error::ApiResult;
use crate::padded::Padded;
use crate::state::AppState;
use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use quietline_protocol::api::{CreateEntryPoint, EntryPoint};
use quietline_protocol::decoys::{CuratedDecoy, DecoyContent, DecoyPage};
use quietline_protocol::{EntryPointId, ErrorBody, OrganisationId};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure_public(cfg: &mut ServiceConfig) {
    cfg.service(entry_point_topics).service(decoy_content);
}

#[derive(Deserialize, utoipa::IntoParams)]
struct DecoyQuery {
    /// Languages wanted, as BCP 47 tags separated by commas [default: from `Accept-Language`].
    lang: Option<String>,
}

/// GET /v1/decoys/{slug} — (anyone) the decoy content of the entry point with this public slug,
/// in the best language for the visitor; always exactly 16 KiB. The slug opens nothing else.
#[utoipa::path(tag = "entry points", params(("slug" = String, Path), DecoyQuery), responses(
    (status = 200, body = DecoyPage),
    (status = 404, body = ErrorBody),
))]
#[get("/v1/decoys/{slug}")]
async fn decoy_content(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<DecoyQuery>,
) -> ApiResult<HttpResponse> {
    let requested = crate::language::requested(
        query.lang.as_deref(),
        req.headers()
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let body = decoys::public(&state, slug.into_inner(), requested).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
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
        .service(delete_entry_point)
        .service(list_decoys)
        .service(put_decoy)
        .service(delete_decoy)
        .service(qr_code);
}

/// GET /admin/v1/organisations/{organisation_id}/entry-points/{entry_point_id}/decoys — the decoy
/// content curated for an entry point, every language (the seed fills the others).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), ("entry_point_id" = String, Path)), responses(
    (status = 200, body = Vec<CuratedDecoy>),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}/entry-points/{entry_point_id}/decoys")]
async fn list_decoys(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, EntryPointId)>,
) -> ApiResult<web::Json<Vec<CuratedDecoy>>> {
    let (_, id) = path.into_inner();
    decoys::list(&state, &admin, id).await.map(web::Json)
}

/// PUT /admin/v1/organisations/{organisation_id}/entry-points/{entry_point_id}/decoys/{language}
/// — replaces one language's decoy content; its theme must be the entry point's.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), ("entry_point_id" = String, Path), ("language" = String, Path)), request_body = DecoyContent, responses(
    (status = 200, body = CuratedDecoy),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody),
    (status = 422, description = "invalid_body, invalid_language_tag", body = ErrorBody),
))]
#[put("/admin/v1/organisations/{organisation_id}/entry-points/{entry_point_id}/decoys/{language}")]
async fn put_decoy(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, EntryPointId, String)>,
    body: web::Json<DecoyContent>,
) -> ApiResult<web::Json<CuratedDecoy>> {
    let (_, id, language) = path.into_inner();
    decoys::put(&state, &admin, id, &language, body.into_inner())
        .await
        .map(web::Json)
}

/// DELETE /admin/v1/organisations/{organisation_id}/entry-points/{entry_point_id}/decoys/{language}
/// — removes one language's curated content; the seed is served again.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), ("entry_point_id" = String, Path), ("language" = String, Path)), responses(
    (status = 204),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody),
    (status = 422, description = "invalid_language_tag", body = ErrorBody),
))]
#[delete(
    "/admin/v1/organisations/{organisation_id}/entry-points/{entry_point_id}/decoys/{language}"
)]
async fn delete_decoy(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, EntryPointId, String)>,
) -> ApiResult<HttpResponse> {
    let (_, id, language) = path.into_inner();
    decoys::remove(&state, &admin, id, &language).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// GET /admin/v1/organisations/{organisation_id}/entry-points/{entry_point_id}/qr.{format} — the
/// entry point's link as a QR code, for print: `qr.svg` or `qr.png`.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), ("entry_point_id" = String, Path), ("format" = inline(printable::Format), Path)), responses(
    (status = 200, content((String = "image/svg+xml"), (String = "image/png"))),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}/entry-points/{entry_point_id}/qr.{format}")]
async fn qr_code(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, EntryPointId, printable::Format)>,
) -> ApiResult<HttpResponse> {
    let (_, id, format) = path.into_inner();
    let entry = service::find(&state, &admin, id).await?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .body(printable::qr_code(&entry.link, format)?))
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
