//! HTTP handlers of the web entry (public listener) and of its word (admin listener). Answers
//! are padded to size buckets.

use super::service;
use crate::auth::{ClientAddress, OrganisationAdmin, SeekerAuth};
use crate::error::{ApiError, ApiResult};
use crate::padded::{Padded, PaddedAtLeast};
use crate::state::AppState;
use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use quietline_protocol::relay::SendReceipt;
use quietline_protocol::web::{
    Resume, Resumed, SetUnlockWord, Unlock, Unlocked, WebMessage, WebRecipients, WebSignup,
};
use quietline_protocol::{EntryPointId, ErrorBody, OrganisationId};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure_public(cfg: &mut ServiceConfig) {
    cfg.service(search)
        .service(unlock)
        .service(sign_up)
        .service(resume)
        .service(recipients)
        .service(send);
}

pub fn configure_admin(cfg: &mut ServiceConfig) {
    cfg.service(set_unlock_word);
}

/// POST /v1/web/unlock — (anyone) opens an entry point's page with its word: the page's content
/// in the best language for the visitor. A wrong word and an unknown slug answer alike.
#[utoipa::path(tag = "web entry", request_body = Unlock, responses(
    (status = 200, body = Unlocked),
    (status = 404, body = ErrorBody),
    (status = 429, description = "rate_limited", body = ErrorBody),
))]
#[post("/v1/web/unlock")]
async fn unlock(
    state: web::Data<AppState>,
    req: HttpRequest,
    address: ClientAddress,
    body: web::Json<Unlock>,
) -> ApiResult<Padded<Unlocked>> {
    let request = body.into_inner();
    let site = crate::face::Face::site_of(&req).ok_or_else(ApiError::not_found)?;
    let opened = service::unlock(&state, &address, &request)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let accept_language = req
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    super::page::unlocked(&state, &site, opened, &request.languages, accept_language)
        .await
        .map(Padded)
}

/// What the site's search box sends: the words, the key a link carried (an entry point's slug)
/// and the browser's languages.
#[derive(Deserialize, utoipa::ToSchema)]
struct SearchForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    k: String,
    #[serde(default)]
    l: String,
}

/// POST /search — (anyone) the site's search: the front page's content with the articles that
/// match; with an entry point's slug and its word, that entry point's page instead, rendered in
/// the browser's language, with the script that runs it.
#[utoipa::path(tag = "web entry", request_body(content = inline(SearchForm), content_type = "application/x-www-form-urlencoded"), responses(
    (status = 200, description = "an HTML fragment", content_type = "text/html"),
    (status = 429, description = "rate_limited", body = ErrorBody),
))]
#[post("/search")]
async fn search(
    state: web::Data<AppState>,
    req: HttpRequest,
    address: ClientAddress,
    form: web::Form<SearchForm>,
) -> ApiResult<HttpResponse> {
    let site = crate::face::Face::site_of(&req).ok_or_else(ApiError::not_found)?;
    let form = form.into_inner();
    let accept_language = req
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let languages: Vec<String> = form
        .l
        .split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(10)
        .map(str::to_owned)
        .collect();
    // Only a search that carries a key can open anything, and only it is counted and hashed.
    if !form.k.is_empty() && !form.q.trim().is_empty() {
        let request = Unlock {
            slug: form.k,
            word: form.q.clone().into(),
            languages: languages.clone(),
        };
        if let Some(opened) = service::unlock(&state, &address, &request).await? {
            let unlocked =
                super::page::unlocked(&state, &site, opened, &languages, accept_language).await?;
            return Ok(crate::face::fragment(&unlocked.language, unlocked.html));
        }
    }
    let requested = super::page::requested(&languages, accept_language);
    Ok(site.search(site.language_for(&requested), &form.q))
}

/// POST /v1/web/seekers — (anyone with an unlocked page) a seeker in a browser starts, with the
/// proof of work of `POST /v1/signup/challenge`.
#[utoipa::path(tag = "web entry", request_body = WebSignup, responses(
    (status = 200, body = quietline_protocol::api::SessionGrant),
    (status = 409, description = "invalid_state: the handle is taken", body = ErrorBody),
    (status = 422, description = "invalid_challenge, invalid_proof_of_work, invalid_body", body = ErrorBody),
    (status = 429, description = "rate_limited", body = ErrorBody),
))]
#[post("/v1/web/seekers")]
async fn sign_up(
    state: web::Data<AppState>,
    address: ClientAddress,
    body: web::Json<WebSignup>,
) -> ApiResult<Padded<quietline_protocol::api::SessionGrant>> {
    service::sign_up(&state, address, body.into_inner())
        .await
        .map(Padded)
}

/// POST /v1/web/sessions — (anyone) comes back by the handle a codename gives: a session, or
/// none, in answers of the same status and size.
#[utoipa::path(tag = "web entry", request_body = Resume, responses(
    (status = 200, body = Resumed),
    (status = 429, description = "rate_limited", body = ErrorBody),
))]
#[post("/v1/web/sessions")]
async fn resume(
    state: web::Data<AppState>,
    address: ClientAddress,
    body: web::Json<Resume>,
) -> ApiResult<PaddedAtLeast<Resumed>> {
    let session = service::resume(&state, &address, &body.into_inner()).await?;
    // A session fills the 1 KiB bucket; no session is padded to it too.
    Ok(PaddedAtLeast(Resumed { session }, 1024))
}

/// GET /v1/web/recipients — (seekers) the devices the next message is sealed to.
#[utoipa::path(tag = "web entry", security(("bearer" = [])), responses(
    (status = 200, body = WebRecipients),
    (status = 409, description = "invalid_state: no open conversation", body = ErrorBody),
))]
#[get("/v1/web/recipients")]
async fn recipients(
    state: web::Data<AppState>,
    seeker: SeekerAuth,
) -> ApiResult<Padded<WebRecipients>> {
    service::recipients(&state, &seeker).await.map(Padded)
}

/// POST /v1/web/messages — (seekers) a message sealed in the browser, one copy per device.
#[utoipa::path(tag = "web entry", security(("bearer" = [])), request_body = WebMessage, responses(
    (status = 200, body = Vec<SendReceipt>),
    (status = 409, description = "recipients_changed, device_mismatch", body = ErrorBody),
    (status = 413, description = "ciphertext_too_large", body = ErrorBody),
    (status = 507, description = "queue_full", body = ErrorBody),
))]
#[post("/v1/web/messages")]
async fn send(
    state: web::Data<AppState>,
    seeker: SeekerAuth,
    body: web::Json<WebMessage>,
) -> ApiResult<Padded<Vec<SendReceipt>>> {
    service::send(&state, &seeker, body.into_inner())
        .await
        .map(Padded)
}

/// PUT /admin/v1/organisations/{organisation_id}/entry-points/{entry_point_id}/unlock-word —
/// sets the word that opens the entry point's page in a browser (`null` closes it).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), ("entry_point_id" = String, Path)), request_body = SetUnlockWord, responses(
    (status = 204),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody),
    (status = 422, body = ErrorBody),
))]
#[put("/admin/v1/organisations/{organisation_id}/entry-points/{entry_point_id}/unlock-word")]
async fn set_unlock_word(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    path: web::Path<(OrganisationId, EntryPointId)>,
    body: web::Json<SetUnlockWord>,
) -> ApiResult<HttpResponse> {
    let (_, id) = path.into_inner();
    service::set_unlock_word(&state, &admin, id, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
