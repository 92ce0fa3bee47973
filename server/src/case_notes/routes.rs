//! HTTP handlers for case notes.

use super::service;
use crate::auth::WorkerAuth;
use crate::error::ApiResult;
use crate::padded::Padded;
use crate::state::AppState;
use actix_web::{get, post, web};
use quietline_protocol::api::{CaseNote, CaseNoteRecipient, CaseNoteWritten, WriteCaseNote};
use quietline_protocol::{ConversationId, ErrorBody};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure_public(cfg: &mut ServiceConfig) {
    cfg.service(note_recipients)
        .service(write_note)
        .service(list_notes);
}

/// GET /v1/conversations/{conversation_id}/notes/recipients — the devices of the organisation's
/// workers, with their identity keys, that a case note is sealed to.
#[utoipa::path(tag = "case notes", security(("bearer" = [])), params(("conversation_id" = String, Path)), responses(
    (status = 200, body = Vec<CaseNoteRecipient>),
    (status = 403, body = ErrorBody),
))]
#[get("/v1/conversations/{conversation_id}/notes/recipients")]
async fn note_recipients(
    state: web::Data<AppState>,
    worker: WorkerAuth,
    path: web::Path<ConversationId>,
) -> ApiResult<Padded<Vec<CaseNoteRecipient>>> {
    service::recipients(&state, &worker.0, path.into_inner())
        .await
        .map(Padded)
}

/// POST /v1/conversations/{conversation_id}/notes — stores a case note sealed to each device of
/// the organisation's workers.
#[utoipa::path(tag = "case notes", security(("bearer" = [])), params(("conversation_id" = String, Path)), request_body = WriteCaseNote, responses(
    (status = 200, body = CaseNoteWritten),
    (status = 403, body = ErrorBody),
    (status = 409, description = "recipients_changed: seal to the devices listed now; invalid_state: the id is taken", body = ErrorBody),
    (status = 422, body = ErrorBody),
))]
#[post("/v1/conversations/{conversation_id}/notes")]
async fn write_note(
    state: web::Data<AppState>,
    worker: WorkerAuth,
    path: web::Path<ConversationId>,
    body: web::Json<WriteCaseNote>,
) -> ApiResult<Padded<CaseNoteWritten>> {
    let note = body.into_inner();
    let id = note.id.clone();
    let written_at = service::write(&state, &worker.0, path.into_inner(), note).await?;
    Ok(Padded(CaseNoteWritten { id, written_at }))
}

/// GET /v1/conversations/{conversation_id}/notes — the case notes sealed to the calling device.
#[utoipa::path(tag = "case notes", security(("bearer" = [])), params(("conversation_id" = String, Path)), responses(
    (status = 200, body = Vec<CaseNote>),
    (status = 403, body = ErrorBody),
))]
#[get("/v1/conversations/{conversation_id}/notes")]
async fn list_notes(
    state: web::Data<AppState>,
    worker: WorkerAuth,
    path: web::Path<ConversationId>,
) -> ApiResult<Padded<Vec<CaseNote>>> {
    service::list(&state, &worker.0, path.into_inner())
        .await
        .map(Padded)
}
