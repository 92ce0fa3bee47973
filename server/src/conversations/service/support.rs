//! Supporting workers: beside the lead, up to [`MAX_SUPPORTERS`] colleagues of the organisation
//! whose devices receive the seeker's messages too, for support that lasts as long as it takes.
//! The lead chooses them; a supporter may leave; the seeker is told who joins or leaves.

use super::*;
use quietline_protocol::api::MAX_SUPPORTERS;

/// The lead adds a colleague of the organisation (a worker, not deactivated, not yet in it).
pub async fn add_supporter(
    state: &AppState,
    worker: &Principal,
    conversation_id: ConversationId,
    supporter: AccountId,
) -> ApiResult<Conversation> {
    let caller = worker.clone();
    let (conversation, told) = state
        .db
        .write(move |conn| {
            let (row, members) = as_lead(conn, &caller, &conversation_id)?;
            if row.state != ConversationState::Active {
                return Err(conflict_state(
                    "Only an active conversation has supporting workers.",
                ));
            }
            let colleague = is_worker_of(conn, &supporter, &row.organisation_id)?
                && !accounts_store::is_deactivated(conn, &supporter)?;
            if !colleague || members.contains(&supporter) {
                return Err(invalid(
                    "A supporting worker is another worker of the same organisation.",
                ));
            }
            if store::supporters(conn, &row.id)?.len() >= MAX_SUPPORTERS {
                return Err(ApiError::conflict(
                    ErrorCode::CapacityReached,
                    "This conversation has as many supporting workers as it may.",
                ));
            }
            store::add_supporter(conn, &row.id, &supporter)?;
            let mut told = members;
            told.push(supporter);
            let row = store::find(conn, &row.id)?.ok_or_else(ApiError::not_found)?;
            Ok((to_api(conn, row)?, told))
        })
        .await?;
    announce_workers(state, &conversation, told).await;
    Ok(conversation)
}

/// The lead removes a supporting worker, or a supporting worker leaves.
pub async fn remove_supporter(
    state: &AppState,
    worker: &Principal,
    conversation_id: ConversationId,
    supporter: AccountId,
) -> ApiResult<Conversation> {
    let caller = worker.clone();
    let (conversation, told) = state
        .db
        .write(move |conn| {
            let (row, members) = if caller.account_id == supporter {
                as_worker_member(conn, &caller, &conversation_id)?
            } else {
                as_lead(conn, &caller, &conversation_id)?
            };
            if !store::supporters(conn, &row.id)?.contains(&supporter) {
                return Err(ApiError::not_found());
            }
            store::remove_member(conn, &row.id, &supporter)?;
            let row = store::find(conn, &row.id)?.ok_or_else(ApiError::not_found)?;
            Ok((to_api(conn, row)?, members))
        })
        .await?;
    announce_workers(state, &conversation, told).await;
    Ok(conversation)
}
