//! Conversation rules. Seekers open conversations with the organisation behind their entry point;
//! that organisation's workers see the waiting ones (those speaking one of the seeker's languages
//! first) and claim them, one worker winning a race; members close them. Envelopes and prekey
//! bundles flow only between members of an active conversation.

mod handoff;
mod handover;
mod lifecycle;
mod queue;
mod reach;
mod support;

pub use handoff::*;
pub use handover::*;
pub use lifecycle::*;
pub use queue::*;
pub use reach::*;
pub use support::*;

use super::statistics;
use super::store::{self, ConversationRow};
use crate::accounts::store as accounts_store;
use crate::auth::{OrganisationAdmin, Principal, SeekerAuth};
use crate::bus::BusEvent;
use crate::clock::day_of;
use crate::db::DbConn;
use crate::desk::service as desk;
use crate::entry_points::service as entry_points;
use crate::error::{ApiError, ApiResult};
use crate::language::{canonical_languages, speaks_any};
use crate::organisations::store as organisations;
use crate::state::AppState;
use actix_web::http::StatusCode;
use quietline_protocol::ConversationId;
use quietline_protocol::api::{
    CloseConversation, Conversation, ConversationState, OpenConversation, Partner, Role,
    WaitingConversation,
};
use quietline_protocol::{AccountId, ErrorCode, OrganisationId};

pub use quietline_protocol::api::{OUTCOMES, TIMERS};

/// Checks a timer against the offered values.
pub fn checked_timer(seconds: Option<u64>) -> ApiResult<Option<i64>> {
    match seconds {
        None => Ok(None),
        Some(s) if TIMERS.contains(&s) => Ok(i64::try_from(s).ok()),
        Some(_) => Err(invalid(
            "A timer is 300, 3600, 86400 or 604800 seconds, or none.",
        )),
    }
}

/// Waiting conversations shown to a worker at once.
const QUEUE_PAGE: i64 = 200;

fn invalid(message: &'static str) -> ApiError {
    ApiError::unprocessable(ErrorCode::InvalidBody, message)
}

fn languages_of(row: &ConversationRow) -> Vec<String> {
    serde_json::from_str(&row.languages).unwrap_or_default()
}

fn to_api(conn: &mut DbConn, row: ConversationRow) -> ApiResult<Conversation> {
    let workers: Vec<AccountId> = store::members(conn, &row.id)?
        .into_iter()
        .filter(|member| *member != row.seeker_id)
        .collect();
    let supporters = store::supporters(conn, &row.id)?;
    let lead = workers.iter().find(|w| !supporters.contains(w)).cloned();
    let worker_handles = workers
        .iter()
        .map(|worker| Ok(accounts_store::handle_of(conn, worker)?.unwrap_or_default()))
        .collect::<ApiResult<Vec<String>>>()?;
    Ok(Conversation {
        state: row.state,
        languages: languages_of(&row),
        id: row.id.0,
        organisation_id: row.organisation_id,
        region: row.region,
        topic: row.topic,
        opened_at: row.opened_at,
        seeker: row.seeker_id,
        workers,
        lead,
        worker_handles,
        disappearing_seconds: row.disappearing_seconds.and_then(|s| u64::try_from(s).ok()),
        callback: row.callback,
        referral: match row.referred_to {
            None => None,
            Some(partner) => organisations::find_organisation(conn, &partner)?.map(|org| Partner {
                organisation_id: org.id,
                name: org.name,
                mutual: true,
            }),
        },
    })
}

/// The id of a conversation as the API gave it.
fn id_of(conversation: &Conversation) -> ConversationId {
    ConversationId::from(conversation.id.as_str())
}

/// The seeker's first language: what statistics are kept by.
fn first_language(row: &ConversationRow) -> String {
    languages_of(row)
        .into_iter()
        .next()
        .unwrap_or_else(|| "und".into())
}

fn validate_region(region: &Option<String>) -> ApiResult<()> {
    let ok = region.as_ref().is_none_or(|r| {
        (2..=64).contains(&r.len()) && r.chars().all(|c| c.is_alphanumeric() || "-/ ".contains(c))
    });
    ok.then_some(()).ok_or_else(|| {
        invalid("A region is a code such as CA-BC, optionally with a city: CA-BC/Surrey.")
    })
}

/// Publishes a control event. Not fatal when it fails: clients see the change on their next
/// refresh.
async fn announce(state: &AppState, event: BusEvent) {
    if let Err(error) = state.bus.publish(event).await {
        tracing::warn!(%error, "conversation change not announced; clients see it on their next refresh");
    }
}

/// Tells `members` (those concerned before and after the change) who the conversation's workers
/// are now.
async fn announce_workers(state: &AppState, conversation: &Conversation, members: Vec<AccountId>) {
    announce(
        state,
        BusEvent::WorkersChanged {
            conversation_id: id_of(conversation),
            members,
            workers: conversation.workers.clone(),
            handles: conversation.worker_handles.clone(),
        },
    )
    .await;
}

fn conflict_state(message: &'static str) -> ApiError {
    ApiError::conflict(ErrorCode::InvalidState, message)
}

/// A conversation about to be checked against the caller. One that does not exist answers as
/// one the caller may not see (403), so ids cannot be probed for what exists or was wiped.
fn visible(conn: &mut DbConn, conversation_id: &ConversationId) -> ApiResult<ConversationRow> {
    store::find(conn, conversation_id)?.ok_or_else(ApiError::forbidden)
}

/// The conversation and its members, if the account is one of them (403 otherwise, as for a
/// conversation that does not exist).
fn as_member(
    conn: &mut DbConn,
    account_id: &AccountId,
    conversation_id: &ConversationId,
) -> ApiResult<(ConversationRow, Vec<AccountId>)> {
    let row = visible(conn, conversation_id)?;
    let members = store::members(conn, conversation_id)?;
    if !members.iter().any(|m| m == account_id) {
        return Err(ApiError::forbidden());
    }
    Ok((row, members))
}

/// Whether `account` is a worker of `organisation`.
pub(super) fn is_worker_of(
    conn: &mut DbConn,
    account: &AccountId,
    organisation: &OrganisationId,
) -> ApiResult<bool> {
    Ok(store::role_and_organisation(conn, account)?
        .is_some_and(|(role, of)| role == Role::Worker && of.as_ref() == Some(organisation)))
}

/// The conversation and its members, when `worker` is its lead.
pub(super) fn as_lead(
    conn: &mut DbConn,
    worker: &Principal,
    conversation_id: &ConversationId,
) -> ApiResult<(ConversationRow, Vec<AccountId>)> {
    let (row, members) = as_worker_member(conn, worker, conversation_id)?;
    if store::supporters(conn, &row.id)?.contains(&worker.account_id) {
        return Err(ApiError::forbidden());
    }
    Ok((row, members))
}

/// [`as_member`], for a worker only.
pub(super) fn as_worker_member(
    conn: &mut DbConn,
    worker: &Principal,
    conversation_id: &ConversationId,
) -> ApiResult<(ConversationRow, Vec<AccountId>)> {
    if worker.role != Role::Worker {
        return Err(ApiError::forbidden());
    }
    as_member(conn, &worker.account_id, conversation_id)
}
