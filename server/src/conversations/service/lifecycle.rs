//! Closing, reopening and the disappearing timer of a conversation; statistics of the closed ones.

use super::*;

/// Closes a conversation the caller takes part in, with an outcome for statistics.
pub async fn close(
    state: &AppState,
    principal: &Principal,
    conversation_id: ConversationId,
    request: CloseConversation,
) -> ApiResult<()> {
    if request
        .outcome
        .as_deref()
        .is_some_and(|o| !OUTCOMES.contains(&o))
    {
        return Err(invalid(
            "The outcome is one of information_given, referred, no_response, safety_concern, other.",
        ));
    }
    let account_id = principal.account_id.clone();
    let now = crate::clock::minute_of(state.clock.now());
    let closed = state
        .db
        .write(move |conn| {
            let (row, members) = as_member(conn, &account_id, &conversation_id)?;
            if store::close(conn, &conversation_id, now, request.outcome.as_deref())? == 1 {
                statistics::closed(
                    conn,
                    day_of(now),
                    &row.organisation_id,
                    &first_language(&row),
                    request.outcome.as_deref(),
                )?;
                return Ok(Some((conversation_id, members)));
            }
            Ok::<_, ApiError>(None)
        })
        .await?;
    if let Some((conversation_id, members)) = closed {
        let members = members
            .into_iter()
            .filter(|member| *member != principal.account_id)
            .collect();
        announce(
            state,
            BusEvent::ConversationEnded {
                conversation_id,
                members,
            },
        )
        .await;
    }
    Ok(())
}

/// Changes a conversation's disappearing timer. Either side may; nobody may make it longer than
/// the organisation's default. Both sides are told.
pub async fn set_timer(
    state: &AppState,
    principal: &Principal,
    conversation_id: ConversationId,
    seconds: Option<u64>,
) -> ApiResult<Conversation> {
    let timer = checked_timer(seconds)?;
    let account_id = principal.account_id.clone();
    let (conversation, members) = state
        .db
        .write(move |conn| {
            let (row, members) = as_member(conn, &account_id, &conversation_id)?;
            if let Some(limit) = store::organisation_timer(conn, &row.organisation_id)?
                && timer.is_none_or(|t| t > limit)
            {
                return Err(invalid(
                    "The timer cannot be longer than the organisation's default.",
                ));
            }
            store::set_timer(conn, &conversation_id, timer)?;
            let row = visible(conn, &conversation_id)?;
            Ok((to_api(conn, row)?, members))
        })
        .await?;
    let event = BusEvent::DisappearingTimer {
        conversation_id: id_of(&conversation),
        members,
        seconds: conversation.disappearing_seconds,
    };
    if let Err(error) = state.bus.publish(event).await {
        tracing::warn!(%error, "timer change not announced; clients see it on their next refresh");
    }
    Ok(conversation)
}

/// An organisation's statistics between two instants, for its administrators.
pub async fn statistics(
    state: &AppState,
    admin: &OrganisationAdmin,
    from: Option<i64>,
    to: Option<i64>,
    period: quietline_protocol::api::StatisticsPeriod,
) -> ApiResult<Vec<quietline_protocol::api::DailyStatistics>> {
    let organisation_id = admin.organisation_id().clone();
    let now = state.clock.now();
    let to_day = day_of(to.unwrap_or(now));
    let from_day = from.map_or(to_day - 30, day_of);
    state
        .db
        .read(move |conn| {
            statistics::report(conn, &organisation_id, from_day, to_day, period)
                .map_err(ApiError::from)
        })
        .await
}

/// The seeker reopens a closed conversation within the retention period (after it, the
/// conversation is purged). It waits in the queue again.
pub async fn reopen(
    state: &AppState,
    seeker: &Principal,
    conversation_id: ConversationId,
) -> ApiResult<Conversation> {
    let seeker_id = seeker.account_id.clone();
    let now = crate::clock::minute_of(state.clock.now());
    let window = i64::from(state.config.closed_retention_days) * 86_400;
    let conversation = state
        .db
        .write(move |conn| {
            let row = visible(conn, &conversation_id)?;
            if row.seeker_id != seeker_id {
                return Err(ApiError::forbidden());
            }
            if row.state != ConversationState::Closed {
                return Err(conflict_state(
                    "Only a closed conversation can be reopened.",
                ));
            }
            if row.closed_at.is_none_or(|closed| closed + window <= now) {
                return Err(ApiError::conflict(
                    ErrorCode::ReopenWindowPassed,
                    "This conversation can no longer be reopened.",
                ));
            }
            if store::open_for_seeker(conn, &seeker_id, &row.organisation_id)?.is_some() {
                return Err(conflict_state(
                    "There is already an open conversation with this organisation.",
                ));
            }
            if !store::reopen(conn, &row.id, now)? {
                return Err(conflict_state(
                    "Only a closed conversation can be reopened.",
                ));
            }
            store::remove_workers(conn, &row.id, &seeker_id)?;
            statistics::opened(
                conn,
                day_of(now),
                &row.organisation_id,
                &first_language(&row),
            )?;
            let row = store::find(conn, &row.id)?.ok_or_else(ApiError::not_found)?;
            to_api(conn, row)
        })
        .await?;
    announce_waiting(state, &conversation).await;
    Ok(conversation)
}
