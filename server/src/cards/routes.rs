//! HTTP handlers for resource cards.

use super::serve::{self, CardQuery};
use super::service::{self, Step};
use crate::auth::{AdminAuth, Principal};
use crate::error::ApiResult;
use crate::padded::Padded;
use crate::state::AppState;
use actix_web::http::header::{
    ACCEPT_ENCODING, ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_ENCODING, ETAG, IF_NONE_MATCH, VARY,
};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use quietline_protocol::ErrorBody;
use quietline_protocol::cards::{
    BundleKey, Card, CardContent, CardSettings, CardVersion, PutTranslation, Rollback, ServedCard,
    SignedBundle, UpdateCard,
};
use std::io::Write;

pub fn configure_public(cfg: &mut web::ServiceConfig) {
    cfg.service(served_cards)
        .service(card_bundle)
        .service(bundle_keys);
}

pub fn configure_admin(cfg: &mut web::ServiceConfig) {
    cfg.service(list_cards)
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
    path: web::Path<String>,
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
    path: web::Path<String>,
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
    let json = serde_json::to_vec(&bundle.signed).map_err(crate::error::ApiError::internal)?;
    let gzip = req
        .headers()
        .get(ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    if gzip {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder
            .write_all(&json)
            .map_err(crate::error::ApiError::internal)?;
        let body = encoder.finish().map_err(crate::error::ApiError::internal)?;
        return Ok(response
            .content_type("application/json")
            .insert_header((CONTENT_ENCODING, "gzip"))
            .body(body));
    }
    Ok(response.content_type("application/json").body(json))
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
    path: web::Path<String>,
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
    admin: AdminAuth,
    path: web::Path<String>,
) -> ApiResult<web::Json<Vec<Card>>> {
    service::list(&state, &admin.0, path.into_inner())
        .await
        .map(web::Json)
}

/// POST /admin/v1/organisations/{organisation_id}/cards — a new draft card.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path)), request_body = CardContent, responses(
    (status = 200, body = Card),
    (status = 422, description = "invalid_card, with every problem by field", body = ErrorBody),
))]
#[post("/admin/v1/organisations/{organisation_id}/cards")]
async fn create_card(
    state: web::Data<AppState>,
    admin: AdminAuth,
    path: web::Path<String>,
    body: web::Json<CardContent>,
) -> ApiResult<web::Json<Card>> {
    service::create(&state, &admin.0, path.into_inner(), body.into_inner())
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
    admin: AdminAuth,
    path: web::Path<(String, String)>,
) -> ApiResult<web::Json<Card>> {
    let (organisation_id, card_id) = path.into_inner();
    service::get(&state, &admin.0, organisation_id, card_id)
        .await
        .map(web::Json)
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
    admin: AdminAuth,
    path: web::Path<(String, String)>,
    body: web::Json<UpdateCard>,
) -> ApiResult<web::Json<Card>> {
    let (organisation_id, card_id) = path.into_inner();
    service::update(
        &state,
        &admin.0,
        organisation_id,
        card_id,
        body.into_inner(),
    )
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
    admin: AdminAuth,
    path: web::Path<(String, String, String)>,
    body: web::Json<PutTranslation>,
) -> ApiResult<web::Json<Card>> {
    let (organisation_id, card_id, locale) = path.into_inner();
    service::put_translation(
        &state,
        &admin.0,
        organisation_id,
        card_id,
        locale,
        body.into_inner(),
    )
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
    admin: AdminAuth,
    path: web::Path<(String, String)>,
) -> ApiResult<web::Json<Card>> {
    let (organisation_id, card_id) = path.into_inner();
    service::step(&state, &admin.0, organisation_id, card_id, Step::Submit)
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
    admin: AdminAuth,
    path: web::Path<(String, String)>,
) -> ApiResult<web::Json<Card>> {
    let (organisation_id, card_id) = path.into_inner();
    service::step(&state, &admin.0, organisation_id, card_id, Step::Publish)
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
    admin: AdminAuth,
    path: web::Path<(String, String)>,
) -> ApiResult<web::Json<Card>> {
    let (organisation_id, card_id) = path.into_inner();
    service::step(&state, &admin.0, organisation_id, card_id, Step::Archive)
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
    admin: AdminAuth,
    path: web::Path<(String, String)>,
    body: web::Json<Rollback>,
) -> ApiResult<web::Json<Card>> {
    let (organisation_id, card_id) = path.into_inner();
    service::rollback(&state, &admin.0, organisation_id, card_id, body.version)
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
    admin: AdminAuth,
    path: web::Path<(String, String)>,
) -> ApiResult<web::Json<Vec<CardVersion>>> {
    let (organisation_id, card_id) = path.into_inner();
    service::history(&state, &admin.0, organisation_id, card_id)
        .await
        .map(web::Json)
}

/// GET /admin/v1/organisations/{organisation_id}/card-settings
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path)), responses((status = 200, body = CardSettings)))]
#[get("/admin/v1/organisations/{organisation_id}/card-settings")]
async fn card_settings(
    state: web::Data<AppState>,
    admin: AdminAuth,
    path: web::Path<String>,
) -> ApiResult<web::Json<CardSettings>> {
    service::settings(&state, &admin.0, path.into_inner())
        .await
        .map(web::Json)
}

/// PUT /admin/v1/organisations/{organisation_id}/card-settings — whether publishing needs a
/// second administrator.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path)), request_body = CardSettings, responses((status = 200, body = CardSettings)))]
#[put("/admin/v1/organisations/{organisation_id}/card-settings")]
async fn set_card_settings(
    state: web::Data<AppState>,
    admin: AdminAuth,
    path: web::Path<String>,
    body: web::Json<CardSettings>,
) -> ApiResult<web::Json<CardSettings>> {
    service::set_settings(&state, &admin.0, path.into_inner(), body.into_inner())
        .await
        .map(web::Json)
}

/// POST /admin/v1/organisations/{organisation_id}/bundle-keys/rotate — a new signing key; the
/// previous one keeps verifying for 14 days.
#[utoipa::path(tag = "cards", security(("bearer" = [])), params(("organisation_id" = String, Path)), responses((status = 200, body = Vec<BundleKey>)))]
#[post("/admin/v1/organisations/{organisation_id}/bundle-keys/rotate")]
async fn rotate_bundle_key(
    state: web::Data<AppState>,
    admin: AdminAuth,
    path: web::Path<String>,
) -> ApiResult<web::Json<Vec<BundleKey>>> {
    serve::rotate_key(&state, &admin.0, path.into_inner())
        .await
        .map(web::Json)
}
