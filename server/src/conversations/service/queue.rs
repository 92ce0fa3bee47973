//! Opening a conversation, the workers' queue, claims, and what each party lists.

use super::*;

/// Opens (or returns the already open) conversation of a seeker with the organisation behind
/// their entry point.
pub async fn open(
    state: &AppState,
    SeekerAuth(principal): &SeekerAuth,
    request: OpenConversation,
) -> ApiResult<Conversation> {
    let languages = canonical_languages(&request.languages)?;
    if languages.is_empty() || languages.len() > 10 {
        return Err(invalid("Give one to ten languages the seeker can read."));
    }
    validate_region(&request.region)?;
    let seeker_id = principal.account_id.clone();
    let now = crate::clock::minute_of(state.clock.now());
    let (conversation, created) = state
        .db
        .write(move |conn| {
            let entry =
                entry_points::entry_point_of(conn, &seeker_id, request.entry_point.as_deref())?;
            let organisation_id = entry.organisation_id;
            let topics: Vec<String> = serde_json::from_str(&entry.topics).unwrap_or_default();
            if request.topic.as_ref().is_some_and(|t| !topics.contains(t)) {
                return Err(invalid("The topic is not one this organisation offers."));
            }
            if let Some(open) = store::open_for_seeker(conn, &seeker_id, &organisation_id)? {
                return Ok((to_api(conn, open)?, false));
            }
            let row = ConversationRow {
                id: ConversationId(uuid::Uuid::new_v4().to_string()),
                organisation_id: organisation_id.clone(),
                seeker_id,
                state: ConversationState::Waiting,
                languages: serde_json::to_string(&languages).map_err(ApiError::internal)?,
                region: request.region,
                topic: request.topic,
                opened_at: now,
                claimed_at: None,
                closed_at: None,
                outcome: None,
                disappearing_seconds: store::organisation_timer(conn, &organisation_id)?,
                referred_to: None,
                callback: request.callback,
            };
            store::insert(conn, &row)?;
            statistics::opened(
                conn,
                day_of(now),
                &row.organisation_id,
                &first_language(&row),
            )?;
            Ok((to_api(conn, row)?, true))
        })
        .await?;
    if created {
        announce_waiting(state, &conversation).await;
    }
    Ok(conversation)
}

/// Tells the organisation's workers that a conversation waits in their queue.
pub(super) async fn announce_waiting(state: &AppState, conversation: &Conversation) {
    announce(
        state,
        BusEvent::ConversationWaiting {
            organisation_id: conversation.organisation_id.clone(),
            conversation_id: id_of(conversation),
        },
    )
    .await;
}

/// The caller's conversations that are not closed.
pub async fn list(state: &AppState, principal: &Principal) -> ApiResult<Vec<Conversation>> {
    let account_id = principal.account_id.clone();
    state
        .db
        .read(move |conn| {
            store::open_for_member(conn, &account_id)?
                .into_iter()
                .map(|row| to_api(conn, row))
                .collect()
        })
        .await
}

/// The organisation's waiting conversations as one worker sees them: those in a language the
/// worker speaks first, then the rest; oldest first within each.
pub async fn waiting(state: &AppState, worker: &Principal) -> ApiResult<Vec<WaitingConversation>> {
    let organisation_id = worker
        .organisation_id
        .clone()
        .ok_or_else(ApiError::forbidden)?;
    let account_id = worker.account_id.clone();
    let now = state.clock.now();
    let (rows, spoken) = state
        .db
        .read(move |conn| {
            Ok::<_, ApiError>((
                store::waiting(conn, &organisation_id, QUEUE_PAGE)?,
                accounts_store::languages(conn, &account_id)?,
            ))
        })
        .await?;
    let mut waiting: Vec<WaitingConversation> = rows
        .into_iter()
        .map(|row| {
            let languages = languages_of(&row);
            WaitingConversation {
                speaks_language: speaks_any(&spoken, &languages),
                waiting_seconds: (now - row.opened_at).max(0),
                id: row.id.0,
                languages,
                region: row.region,
                topic: row.topic,
                callback: row.callback,
            }
        })
        .collect();
    // Stable: within each group the oldest stays first.
    waiting.sort_by_key(|w| !w.speaks_language);
    Ok(waiting)
}

/// Claims a waiting conversation of the worker's organisation. Of concurrent claims, one wins;
/// the others get 409 `already_claimed`.
pub async fn claim(
    state: &AppState,
    worker: &Principal,
    conversation_id: ConversationId,
) -> ApiResult<Conversation> {
    let organisation_id = worker
        .organisation_id
        .clone()
        .ok_or_else(ApiError::forbidden)?;
    let account_id = worker.account_id.clone();
    let worker_id = account_id.clone();
    let now = crate::clock::minute_of(state.clock.now());
    let conversation = state
        .db
        .write(move |conn| {
            let row = visible(conn, &conversation_id)?;
            if row.organisation_id != organisation_id {
                return Err(ApiError::forbidden());
            }
            if row.state == ConversationState::Waiting && !desk::has_room(conn, &account_id)? {
                return Err(ApiError::conflict(
                    ErrorCode::CapacityReached,
                    "You have as many active conversations as your limit.",
                ));
            }
            let first_claim = row.claimed_at.unwrap_or(now);
            if !store::claim(conn, &conversation_id, &organisation_id, first_claim)? {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    ErrorCode::AlreadyClaimed,
                    "Another worker has taken this conversation.",
                ));
            }
            store::add_member(conn, &conversation_id, &account_id)?;
            // What a seeker in a browser wrote while waiting reaches the claimer only.
            let released = crate::web::store::release(
                conn,
                &conversation_id,
                &account_id,
                row.disappearing_seconds,
                now,
            )?;
            if row.claimed_at.is_none() {
                statistics::claimed(
                    conn,
                    day_of(now),
                    &row.organisation_id,
                    &first_language(&row),
                    now - row.opened_at,
                )?;
                store::await_reply(conn, &row.id, now)?;
            }
            let row = store::find(conn, &row.id)?.ok_or_else(ApiError::not_found)?;
            Ok::<_, ApiError>((to_api(conn, row)?, released))
        })
        .await?;
    let (conversation, released) = conversation;
    for device_id in released {
        let queued = BusEvent::EnvelopesQueued {
            account_id: worker_id.clone(),
            device_id: u32::try_from(device_id).unwrap_or_default(),
        };
        announce(state, queued).await;
    }
    // The seeker learns who answers; colleagues, that it left the queue.
    let mut told = vec![conversation.seeker.clone()];
    told.extend(conversation.workers.iter().cloned());
    announce_workers(state, &conversation, told).await;
    let handle = conversation
        .workers
        .iter()
        .zip(&conversation.worker_handles)
        .find(|(worker, _)| **worker == worker_id)
        .map(|(_, handle)| handle.clone())
        .unwrap_or_default();
    announce(
        state,
        BusEvent::ConversationClaimed {
            organisation_id: conversation.organisation_id.clone(),
            conversation_id: id_of(&conversation),
            handle,
        },
    )
    .await;
    Ok(conversation)
}
