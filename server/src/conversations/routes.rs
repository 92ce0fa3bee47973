//! HTTP handlers for conversations and the workers' queue.

use super::service;
use crate::auth::{Principal, SeekerAuth, WorkerAuth};
use crate::error::ApiResult;
use crate::padded::Padded;
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, post, put, web};
use quietline_protocol::api::{
    AddSupporter, AnswerHandoff, CloseConversation, Conversation, OpenConversation,
    ReferConversation, SetTimer, TransferConversation, WaitingConversation,
};
use quietline_protocol::{ConversationId, ErrorBody};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure_public(cfg: &mut ServiceConfig) {
    cfg.service(open_conversation)
        .service(list_conversations)
        .service(waiting_conversations)
        .service(claim_conversation)
        .service(close_conversation)
        .service(set_conversation_timer)
        .service(transfer_conversation)
        .service(ask_handoff)
        .service(answer_handoff)
        .service(add_supporter)
        .service(remove_supporter)
        .service(refer_conversation)
        .service(accept_referral)
        .service(decline_referral)
        .service(reopen_conversation);
}

/// POST /v1/conversations — a seeker opens a conversation with the organisation behind their
/// entry point (or returns the one already open).
#[utoipa::path(tag = "conversations", security(("bearer" = [])), request_body = OpenConversation, responses(
    (status = 200, body = Conversation),
    (status = 422, description = "entry_point_required, invalid_entry_point, invalid_language_tag", body = ErrorBody),
))]
#[post("/v1/conversations")]
async fn open_conversation(
    state: web::Data<AppState>,
    seeker: SeekerAuth,
    body: web::Json<OpenConversation>,
) -> ApiResult<Padded<Conversation>> {
    service::open(&state, &seeker, body.into_inner())
        .await
        .map(Padded)
}

/// GET /v1/conversations — the caller's conversations that are not closed.
#[utoipa::path(tag = "conversations", security(("bearer" = [])), responses((status = 200, body = Vec<Conversation>)))]
#[get("/v1/conversations")]
async fn list_conversations(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<Padded<Vec<Conversation>>> {
    service::list(&state, &principal).await.map(Padded)
}

/// GET /v1/desk/waiting — the organisation's waiting conversations, those in the worker's
/// languages first.
#[utoipa::path(tag = "conversations", security(("bearer" = [])), responses((status = 200, body = Vec<WaitingConversation>)))]
#[get("/v1/desk/waiting")]
async fn waiting_conversations(
    state: web::Data<AppState>,
    worker: WorkerAuth,
) -> ApiResult<Padded<Vec<WaitingConversation>>> {
    service::waiting(&state, &worker.0).await.map(Padded)
}

/// POST /v1/conversations/{conversation_id}/claim — a worker takes a waiting conversation.
#[utoipa::path(tag = "conversations", security(("bearer" = [])), params(("conversation_id" = String, Path)), responses(
    (status = 200, body = Conversation),
    (status = 404, body = ErrorBody),
    (status = 409, description = "already_claimed", body = ErrorBody),
))]
#[post("/v1/conversations/{conversation_id}/claim")]
async fn claim_conversation(
    state: web::Data<AppState>,
    worker: WorkerAuth,
    path: web::Path<ConversationId>,
) -> ApiResult<Padded<Conversation>> {
    service::claim(&state, &worker.0, path.into_inner())
        .await
        .map(Padded)
}

/// POST /v1/conversations/{conversation_id}/close — a member closes the conversation.
#[utoipa::path(tag = "conversations", security(("bearer" = [])), params(("conversation_id" = String, Path)), request_body = CloseConversation, responses(
    (status = 200, body = Vec<Conversation>),
    (status = 404, body = ErrorBody),
))]
#[post("/v1/conversations/{conversation_id}/close")]
async fn close_conversation(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<ConversationId>,
    body: web::Json<CloseConversation>,
) -> ApiResult<Padded<Vec<Conversation>>> {
    service::close(&state, &principal, path.into_inner(), body.into_inner()).await?;
    service::list(&state, &principal).await.map(Padded)
}

/// PUT /v1/conversations/{conversation_id}/timer — changes the disappearing-message timer.
#[utoipa::path(tag = "conversations", security(("bearer" = [])), params(("conversation_id" = String, Path)), request_body = SetTimer, responses(
    (status = 200, body = Conversation),
    (status = 403, body = ErrorBody),
    (status = 422, description = "not an offered value, or longer than the organisation's default", body = ErrorBody),
))]
#[put("/v1/conversations/{conversation_id}/timer")]
async fn set_conversation_timer(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<ConversationId>,
    body: web::Json<SetTimer>,
) -> ApiResult<Padded<Conversation>> {
    service::set_timer(
        &state,
        &principal,
        path.into_inner(),
        body.into_inner().seconds,
    )
    .await
    .map(Padded)
}

/// POST /v1/conversations/{conversation_id}/transfer — the worker hands the conversation to
/// another worker of the organisation, or back to the queue.
#[utoipa::path(tag = "conversations", security(("bearer" = [])), params(("conversation_id" = String, Path)), request_body = TransferConversation, responses(
    (status = 200, body = Conversation),
    (status = 403, body = ErrorBody),
    (status = 409, description = "invalid_state, worker_unavailable", body = ErrorBody),
    (status = 422, body = ErrorBody),
))]
#[post("/v1/conversations/{conversation_id}/transfer")]
async fn transfer_conversation(
    state: web::Data<AppState>,
    worker: WorkerAuth,
    path: web::Path<ConversationId>,
    body: web::Json<TransferConversation>,
) -> ApiResult<Padded<Conversation>> {
    let to = body.into_inner().worker;
    service::transfer(&state, &worker.0, path.into_inner(), to)
        .await
        .map(Padded)
}

/// POST /v1/conversations/{conversation_id}/handoff — the lead asks the seeker whether a summary
/// may go to the worker who takes the conversation over (a `handoff_consent_asked` event).
#[utoipa::path(tag = "conversations", security(("bearer" = [])), params(("conversation_id" = String, Path)), responses(
    (status = 204),
    (status = 403, body = ErrorBody),
    (status = 409, description = "invalid_state", body = ErrorBody),
))]
#[post("/v1/conversations/{conversation_id}/handoff")]
async fn ask_handoff(
    state: web::Data<AppState>,
    worker: WorkerAuth,
    path: web::Path<ConversationId>,
) -> ApiResult<HttpResponse> {
    service::ask_handoff(&state, &worker.0, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /v1/conversations/{conversation_id}/handoff/answer — the seeker says yes or no to a
/// hand-off summary; only after a yes does one summary pass.
#[utoipa::path(tag = "conversations", security(("bearer" = [])), params(("conversation_id" = String, Path)), request_body = AnswerHandoff, responses(
    (status = 204),
    (status = 403, body = ErrorBody),
    (status = 409, description = "invalid_state: nobody asked", body = ErrorBody),
))]
#[post("/v1/conversations/{conversation_id}/handoff/answer")]
async fn answer_handoff(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<ConversationId>,
    body: web::Json<AnswerHandoff>,
) -> ApiResult<HttpResponse> {
    service::answer_handoff(&state, &principal, path.into_inner(), body.granted).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /v1/conversations/{conversation_id}/supporters — the lead worker adds a colleague of the
/// organisation as a supporting worker: their devices receive the seeker's messages too.
#[utoipa::path(tag = "conversations", security(("bearer" = [])), params(("conversation_id" = String, Path)), request_body = AddSupporter, responses(
    (status = 200, body = Conversation),
    (status = 403, body = ErrorBody),
    (status = 409, description = "invalid_state, capacity_reached", body = ErrorBody),
    (status = 422, body = ErrorBody),
))]
#[post("/v1/conversations/{conversation_id}/supporters")]
async fn add_supporter(
    state: web::Data<AppState>,
    worker: WorkerAuth,
    path: web::Path<ConversationId>,
    body: web::Json<AddSupporter>,
) -> ApiResult<Padded<Conversation>> {
    service::add_supporter(
        &state,
        &worker.0,
        path.into_inner(),
        body.into_inner().worker,
    )
    .await
    .map(Padded)
}

/// DELETE /v1/conversations/{conversation_id}/supporters/{worker_id} — the lead removes a
/// supporting worker, or a supporting worker leaves.
#[utoipa::path(tag = "conversations", security(("bearer" = [])), params(("conversation_id" = String, Path), ("worker_id" = String, Path)), responses(
    (status = 200, body = Conversation),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody),
))]
#[delete("/v1/conversations/{conversation_id}/supporters/{worker_id}")]
async fn remove_supporter(
    state: web::Data<AppState>,
    worker: WorkerAuth,
    path: web::Path<(ConversationId, quietline_protocol::AccountId)>,
) -> ApiResult<Padded<Conversation>> {
    let (conversation_id, supporter) = path.into_inner();
    service::remove_supporter(&state, &worker.0, conversation_id, supporter)
        .await
        .map(Padded)
}

/// POST /v1/conversations/{conversation_id}/referral — the worker offers the seeker a referral
/// to a partner organisation.
#[utoipa::path(tag = "conversations", security(("bearer" = [])), params(("conversation_id" = String, Path)), request_body = ReferConversation, responses(
    (status = 200, body = Conversation),
    (status = 403, body = ErrorBody),
    (status = 409, description = "invalid_state", body = ErrorBody),
    (status = 422, description = "not_a_partner", body = ErrorBody),
))]
#[post("/v1/conversations/{conversation_id}/referral")]
async fn refer_conversation(
    state: web::Data<AppState>,
    worker: WorkerAuth,
    path: web::Path<ConversationId>,
    body: web::Json<ReferConversation>,
) -> ApiResult<Padded<Conversation>> {
    service::refer(
        &state,
        &worker.0,
        path.into_inner(),
        body.into_inner().organisation_id,
    )
    .await
    .map(Padded)
}

/// POST /v1/conversations/{conversation_id}/referral/accept — the seeker accepts the referral:
/// the conversation moves to the partner's queue.
#[utoipa::path(tag = "conversations", security(("bearer" = [])), params(("conversation_id" = String, Path)), responses(
    (status = 200, body = Conversation),
    (status = 403, body = ErrorBody),
    (status = 409, description = "invalid_state", body = ErrorBody),
))]
#[post("/v1/conversations/{conversation_id}/referral/accept")]
async fn accept_referral(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<ConversationId>,
) -> ApiResult<Padded<Conversation>> {
    service::answer_referral(&state, &principal, path.into_inner(), true)
        .await
        .map(Padded)
}

/// POST /v1/conversations/{conversation_id}/referral/decline — the seeker declines the
/// referral: the conversation stays where it is.
#[utoipa::path(tag = "conversations", security(("bearer" = [])), params(("conversation_id" = String, Path)), responses(
    (status = 200, body = Conversation),
    (status = 403, body = ErrorBody),
    (status = 409, description = "invalid_state", body = ErrorBody),
))]
#[post("/v1/conversations/{conversation_id}/referral/decline")]
async fn decline_referral(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<ConversationId>,
) -> ApiResult<Padded<Conversation>> {
    service::answer_referral(&state, &principal, path.into_inner(), false)
        .await
        .map(Padded)
}

/// POST /v1/conversations/{conversation_id}/reopen — the seeker reopens a closed conversation
/// within the retention period; it waits in the queue again.
#[utoipa::path(tag = "conversations", security(("bearer" = [])), params(("conversation_id" = String, Path)), responses(
    (status = 200, body = Conversation),
    (status = 403, body = ErrorBody),
    (status = 409, description = "invalid_state, reopen_window_passed", body = ErrorBody),
))]
#[post("/v1/conversations/{conversation_id}/reopen")]
async fn reopen_conversation(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<ConversationId>,
) -> ApiResult<Padded<Conversation>> {
    service::reopen(&state, &principal, path.into_inner())
        .await
        .map(Padded)
}
