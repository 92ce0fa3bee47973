//! HTTP handlers for resource cards.

use super::serve::{self, CardQuery};
use super::service::{self, Step};
use super::transfer::{self, Format};
use crate::auth::{OrganisationAdmin, Principal};
use crate::error::{ApiError, ApiResult};
use crate::padded::Padded;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header::{
    ACCEPT_ENCODING, ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_ENCODING,
    CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use quietline_protocol::cards::{
    BundleKey, Card, CardContent, CardExport, CardImport, CardSettings, CardVersion,
    CoverageReport, ImportReport, PutTranslation, Rollback, ServedCard, SignedBundle, StaleCard,
    UpdateCard,
};
use quietline_protocol::{CardId, ErrorBody, ErrorCode, OrganisationId};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure_public(cfg: &mut ServiceConfig) {
    cfg.service(served_cards)
        .service(card_bundle)
        .service(bundle_keys);
}

pub fn configure_admin(cfg: &mut ServiceConfig) {
    // The fixed paths first: `/cards/{card_id}` would otherwise take them.
    cfg.service(export_cards)
        .service(import_cards)
        .service(card_coverage)
        .service(stale_cards)
        .service(list_cards)
        .service(create_card)
        .service(get_card)
        .service(update_card)
        .service(put_translation)
        .service(submit_card)
        .service(publish_card)
        .service(archive_card)
        .service(rollback_card)
        .service(card_history)
        .service(card_settings)
        .service(set_card_settings)
        .service(rotate_bundle_key);
}

fn accept_language(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// GET /v1/organisations/{organisation_id}/cards — published cards, filtered and searched, each
/// in the best locale it has.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path), CardQuery), responses(
    (status = 200, body = Vec<ServedCard>),
    (status = 404, body = ErrorBody),
    (status = 422, body = ErrorBody),
))]
#[get("/v1/organisations/{organisation_id}/cards")]
async fn served_cards(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<OrganisationId>,
    query: web::Query<CardQuery>,
    req: HttpRequest,
) -> ApiResult<Padded<Vec<ServedCard>>> {
    serve::cards(
        &state,
        &principal,
        path.into_inner(),
        query.into_inner(),
        accept_language(&req),
    )
    .await
    .map(Padded)
}

/// GET /v1/organisations/{organisation_id}/cards/bundle — every published card for the locales
/// and region, signed; gzip when accepted; `304` for a matching `If-None-Match`.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path), CardQuery), responses(
    (status = 200, body = SignedBundle),
    (status = 304, description = "unchanged since the entity tag given"),
    (status = 404, body = ErrorBody),
))]
#[get("/v1/organisations/{organisation_id}/cards/bundle")]
async fn card_bundle(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<OrganisationId>,
    query: web::Query<CardQuery>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let bundle = serve::bundle(
        &state,
        &principal,
        path.into_inner(),
        query.into_inner(),
        accept_language(&req),
    )
    .await?;
    let unchanged = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim() == bundle.etag || t.trim() == "*")
        });
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((ETAG, bundle.etag.clone()))
        .insert_header((CACHE_CONTROL, "private, no-cache"))
        .insert_header((VARY, "Accept-Encoding, Accept-Language"));
    if unchanged {
        return Ok(response.finish());
    }
    let gzip = req
        .headers()
        .get(ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    if gzip {
        return Ok(response
            .content_type("application/json")
            .insert_header((CONTENT_ENCODING, "gzip"))
            .body(bundle.gzip.clone()));
    }
    Ok(response
        .content_type("application/json")
        .body(bundle.json.clone()))
}

/// GET /v1/organisations/{organisation_id}/cards/keys — the public keys bundles are signed with
/// (the current one, and retired ones within their grace period).
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path)), responses(
    (status = 200, body = Vec<BundleKey>),
    (status = 404, body = ErrorBody),
))]
#[get("/v1/organisations/{organisation_id}/cards/keys")]
async fn bundle_keys(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<OrganisationId>,
) -> ApiResult<Padded<Vec<BundleKey>>> {
    serve::keys(&state, &principal, path.into_inner())
        .await
        .map(Padded)
}

/// GET /admin/v1/organisations/{organisation_id}/cards — every card, in any state.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path)), responses(
    (status = 200, body = Vec<Card>),
    (status = 403, body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}/cards")]
async fn list_cards(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
) -> ApiResult<web::Json<Vec<Card>>> {
    service::list(&state, &admin).await.map(web::Json)
}

/// POST /admin/v1/organisations/{organisation_id}/cards — a new draft card.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path)), request_body = CardContent, responses(
    (status = 200, body = Card),
    (status = 422, description = "invalid_card, with every problem by field", body = ErrorBody),
))]
#[post("/admin/v1/organisations/{organisation_id}/cards")]
async fn create_card(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    body: web::Json<CardContent>,
) -> ApiResult<web::Json<Card>> {
    service::create(&state, &admin, body.into_inner())
        .await
        .map(web::Json)
}

/// GET /admin/v1/organisations/{organisation_id}/cards/{card_id}
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path), ("card_id" = String, Path)), responses(
    (status = 200, body = Card),
    (status = 404, body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}/cards/{card_id}")]
async fn get_card(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, CardId)>,
) -> ApiResult<web::Json<Card>> {
    let (_, card_id) = path.into_inner();
    service::get(&state, &admin, card_id).await.map(web::Json)
}

/// PUT /admin/v1/organisations/{organisation_id}/cards/{card_id} — replaces the working copy,
/// naming the version edited; the card returns to draft.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path), ("card_id" = String, Path)), request_body = UpdateCard, responses(
    (status = 200, body = Card),
    (status = 409, description = "version_conflict", body = ErrorBody),
    (status = 422, description = "invalid_card", body = ErrorBody),
))]
#[put("/admin/v1/organisations/{organisation_id}/cards/{card_id}")]
async fn update_card(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, CardId)>,
    body: web::Json<UpdateCard>,
) -> ApiResult<web::Json<Card>> {
    let (_, card_id) = path.into_inner();
    service::update(&state, &admin, card_id, body.into_inner())
        .await
        .map(web::Json)
}

/// PUT /admin/v1/organisations/{organisation_id}/cards/{card_id}/translations/{locale} — adds or
/// replaces a translation, recorded as made from the current revision.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path), ("card_id" = String, Path), ("locale" = String, Path)), request_body = PutTranslation, responses(
    (status = 200, body = Card),
    (status = 422, description = "invalid_card", body = ErrorBody),
))]
#[put("/admin/v1/organisations/{organisation_id}/cards/{card_id}/translations/{locale}")]
async fn put_translation(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, CardId, String)>,
    body: web::Json<PutTranslation>,
) -> ApiResult<web::Json<Card>> {
    let (_, card_id, locale) = path.into_inner();
    service::put_translation(&state, &admin, card_id, locale, body.into_inner())
        .await
        .map(web::Json)
}

/// POST /admin/v1/organisations/{organisation_id}/cards/{card_id}/submit — draft to review.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path), ("card_id" = String, Path)), responses(
    (status = 200, body = Card),
    (status = 409, description = "invalid_state", body = ErrorBody),
))]
#[post("/admin/v1/organisations/{organisation_id}/cards/{card_id}/submit")]
async fn submit_card(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, CardId)>,
) -> ApiResult<web::Json<Card>> {
    let (_, card_id) = path.into_inner();
    service::step(&state, &admin, card_id, Step::Submit)
        .await
        .map(web::Json)
}

/// POST /admin/v1/organisations/{organisation_id}/cards/{card_id}/publish — publishes (approves,
/// when the organisation requires a second administrator).
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path), ("card_id" = String, Path)), responses(
    (status = 200, body = Card),
    (status = 409, description = "second_approval_required, invalid_state", body = ErrorBody),
))]
#[post("/admin/v1/organisations/{organisation_id}/cards/{card_id}/publish")]
async fn publish_card(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, CardId)>,
) -> ApiResult<web::Json<Card>> {
    let (_, card_id) = path.into_inner();
    service::step(&state, &admin, card_id, Step::Publish)
        .await
        .map(web::Json)
}

/// POST /admin/v1/organisations/{organisation_id}/cards/{card_id}/archive — no longer served.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path), ("card_id" = String, Path)), responses(
    (status = 200, body = Card),
    (status = 409, description = "invalid_state", body = ErrorBody),
))]
#[post("/admin/v1/organisations/{organisation_id}/cards/{card_id}/archive")]
async fn archive_card(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, CardId)>,
) -> ApiResult<web::Json<Card>> {
    let (_, card_id) = path.into_inner();
    service::step(&state, &admin, card_id, Step::Archive)
        .await
        .map(web::Json)
}

/// POST /admin/v1/organisations/{organisation_id}/cards/{card_id}/rollback — publishes again a
/// version that was published before.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path), ("card_id" = String, Path)), request_body = Rollback, responses(
    (status = 200, body = Card),
    (status = 422, body = ErrorBody),
))]
#[post("/admin/v1/organisations/{organisation_id}/cards/{card_id}/rollback")]
async fn rollback_card(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, CardId)>,
    body: web::Json<Rollback>,
) -> ApiResult<web::Json<Card>> {
    let (_, card_id) = path.into_inner();
    service::rollback(&state, &admin, card_id, body.version)
        .await
        .map(web::Json)
}

/// GET /admin/v1/organisations/{organisation_id}/cards/{card_id}/history — who changed what, when.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path), ("card_id" = String, Path)), responses(
    (status = 200, body = Vec<CardVersion>),
    (status = 404, body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}/cards/{card_id}/history")]
async fn card_history(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, CardId)>,
) -> ApiResult<web::Json<Vec<CardVersion>>> {
    let (_, card_id) = path.into_inner();
    service::history(&state, &admin, card_id)
        .await
        .map(web::Json)
}

/// GET /admin/v1/organisations/{organisation_id}/card-settings
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path)), responses((status = 200, body = CardSettings)))]
#[get("/admin/v1/organisations/{organisation_id}/card-settings")]
async fn card_settings(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
) -> ApiResult<web::Json<CardSettings>> {
    service::settings(&state, &admin).await.map(web::Json)
}

/// PUT /admin/v1/organisations/{organisation_id}/card-settings — whether publishing needs a
/// second administrator.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path)), request_body = CardSettings, responses((status = 200, body = CardSettings)))]
#[put("/admin/v1/organisations/{organisation_id}/card-settings")]
async fn set_card_settings(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    body: web::Json<CardSettings>,
) -> ApiResult<web::Json<CardSettings>> {
    service::set_settings(&state, &admin, body.into_inner())
        .await
        .map(web::Json)
}

/// POST /admin/v1/organisations/{organisation_id}/bundle-keys/rotate — a new signing key; the
/// previous one keeps verifying for 14 days.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path)), responses((status = 200, body = Vec<BundleKey>)))]
#[post("/admin/v1/organisations/{organisation_id}/bundle-keys/rotate")]
async fn rotate_bundle_key(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
) -> ApiResult<web::Json<Vec<BundleKey>>> {
    serve::rotate_key(&state, &admin).await.map(web::Json)
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `json` (the default) or `csv`.
    pub format: Option<String>,
}

/// GET /admin/v1/organisations/{organisation_id}/cards/export — every card's working copy, as
/// JSON or as CSV (UTF-8, one row per card × locale; the card's details on its source-locale row).
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path), ExportQuery), responses(
    (status = 200, body = CardExport, description = "JSON, or text/csv with format=csv"),
    (status = 403, body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}/cards/export")]
async fn export_cards(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    match query.format.as_deref().unwrap_or("json") {
        "json" => {
            let export = transfer::export_json(&state, &admin).await?;
            Ok(HttpResponse::Ok()
                .insert_header((CONTENT_DISPOSITION, "attachment; filename=\"cards.json\""))
                .json(export))
        }
        "csv" => {
            let csv = transfer::export_csv(&state, &admin).await?;
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((CONTENT_DISPOSITION, "attachment; filename=\"cards.csv\""))
                .body(csv))
        }
        _ => Err(ApiError::unprocessable(
            ErrorCode::InvalidParameter,
            "format is json or csv.",
        )),
    }
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Check everything and report what would be done; write nothing.
    pub dry_run: Option<bool>,
}

/// POST /admin/v1/organisations/{organisation_id}/cards/import — imports JSON
/// (`application/json`, `{"cards": [...]}`) or CSV (`text/csv`, the export's columns). Every
/// problem is reported by row and field and nothing is imported when there is any; imported cards
/// are drafts. `dry_run=true` reports and writes nothing.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path), ImportQuery),
    request_body(content = CardImport, description = "application/json, or text/csv with the export's columns"),
    responses(
        (status = 200, body = ImportReport),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 422, description = "invalid_import, with every problem by row and field", body = ErrorBody),
))]
#[post("/admin/v1/organisations/{organisation_id}/cards/import")]
async fn import_cards(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    query: web::Query<ImportQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<web::Json<ImportReport>> {
    let media = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let format = if media.starts_with("application/json") {
        Format::Json
    } else if media.starts_with("text/csv") {
        Format::Csv
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "Import application/json or text/csv.",
        ));
    };
    let bytes = payload
        .to_bytes_limited(transfer::IMPORT_LIMIT)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                "The import is too large; split it.",
            )
        })?
        .map_err(|_| {
            ApiError::bad_request(
                ErrorCode::MalformedJson,
                "The request body could not be read.",
            )
        })?;
    let import = transfer::Import {
        organisation_id: admin.organisation_id().clone(),
        format,
        bytes: bytes.to_vec(),
        dry_run: query.dry_run.unwrap_or(false),
        by: (*admin).clone(),
    };
    transfer::import(&state, import).await.map(web::Json)
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    /// Locales to report, comma-separated; otherwise every locale in use and the default.
    pub locales: Option<String>,
}

/// GET /admin/v1/organisations/{organisation_id}/cards/coverage — cards × locales: current,
/// outdated (translated from an older revision) or missing; archived cards left out.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path), CoverageQuery), responses(
    (status = 200, body = CoverageReport),
    (status = 403, body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}/cards/coverage")]
async fn card_coverage(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    query: web::Query<CoverageQuery>,
) -> ApiResult<web::Json<CoverageReport>> {
    super::report::coverage(&state, &admin, query.into_inner().locales)
        .await
        .map(web::Json)
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StaleQuery {
    /// Also list cards due for review within this many days.
    pub within_days: Option<u32>,
}

/// GET /admin/v1/organisations/{organisation_id}/cards/stale — cards past their review date
/// (served as "may be out of date"), most overdue first.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path), StaleQuery), responses(
    (status = 200, body = Vec<StaleCard>),
    (status = 403, body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}/cards/stale")]
async fn stale_cards(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    query: web::Query<StaleQuery>,
) -> ApiResult<web::Json<Vec<StaleCard>>> {
    super::report::stale(&state, &admin, query.within_days)
        .await
        .map(web::Json)
}
