//! Hand-off without retelling: before handing a conversation over, its lead may ask the seeker
//! whether a summary may go to the worker who takes it; only after a yes does the relay accept
//! one envelope of type `summary` from that worker to a worker of the conversation. The summary
//! is end-to-end encrypted like any message: the server stores who asked and the answer, never
//! the text.

use super::*;

/// The lead asks the seeker (a `handoff_consent_asked` event); any earlier request of the
/// conversation is replaced.
pub async fn ask_handoff(
    state: &AppState,
    worker: &Principal,
    conversation_id: ConversationId,
) -> ApiResult<()> {
    let caller = worker.clone();
    let (conversation, seeker) = state
        .db
        .write(move |conn| {
            let (row, _) = as_lead(conn, &caller, &conversation_id)?;
            if row.state != ConversationState::Active {
                return Err(conflict_state(
                    "Only an active conversation is handed over.",
                ));
            }
            store::ask_handoff(conn, &row.id, &caller.account_id)?;
            Ok((row.id, row.seeker_id))
        })
        .await?;
    announce(
        state,
        BusEvent::HandoffConsentAsked {
            conversation_id: conversation,
            seeker,
        },
    )
    .await;
    Ok(())
}

/// The seeker answers the request awaiting an answer; the conversation's workers and the one
/// who asked are told.
pub async fn answer_handoff(
    state: &AppState,
    seeker: &Principal,
    conversation_id: ConversationId,
    granted: bool,
) -> ApiResult<()> {
    let seeker_id = seeker.account_id.clone();
    let (id, told) = state
        .db
        .write(move |conn| {
            let row = visible(conn, &conversation_id)?;
            if row.seeker_id != seeker_id {
                return Err(ApiError::forbidden());
            }
            let Some(asked_by) = store::answer_handoff(conn, &row.id, granted)? else {
                return Err(conflict_state("Nobody asked to pass a summary."));
            };
            let mut told: Vec<AccountId> = store::members(conn, &row.id)?
                .into_iter()
                .filter(|m| *m != seeker_id)
                .collect();
            if !told.contains(&asked_by) {
                told.push(asked_by);
            }
            Ok((row.id, told))
        })
        .await?;
    announce(
        state,
        BusEvent::HandoffConsentAnswered {
            conversation_id: id,
            members: told,
            granted,
        },
    )
    .await;
    Ok(())
}
