//! Hand-over: back to the queue when a worker leaves, transfer to a colleague, referral to a
//! partner.

use super::*;
use quietline_protocol::AccountId;

/// A worker is leaving (their account deleted or removed): their active conversations go back to
/// the queue, as a transfer back to it would, so no seeker is left writing to nobody. Runs in the
/// caller's transaction; what it returns is announced with [`announce_handed_back`] once that
/// commits.
pub fn hand_back(
    conn: &mut DbConn,
    worker_id: &AccountId,
) -> ApiResult<Vec<(Conversation, Vec<AccountId>)>> {
    let mut handed = Vec::new();
    for row in store::open_for_member(conn, worker_id)? {
        if row.seeker_id == *worker_id || row.state != ConversationState::Active {
            continue;
        }
        let members = store::members(conn, &row.id)?;
        let supporters = store::supporters(conn, &row.id)?;
        store::remove_member(conn, &row.id, worker_id)?;
        // A supporting worker just leaves; when the lead leaves, a supporter (the first by id)
        // leads, and without one the conversation waits in the queue again.
        if !supporters.contains(worker_id) {
            match supporters.first() {
                Some(next) => {
                    store::make_lead(conn, &row.id, next)?;
                }
                None => {
                    store::requeue(conn, &row.id)?;
                }
            }
        }
        let row = store::find(conn, &row.id)?.ok_or_else(ApiError::not_found)?;
        handed.push((to_api(conn, row)?, members));
    }
    Ok(handed)
}

/// Tells the members of conversations [`hand_back`] changed who answers now, and the
/// organisation's workers that they wait in the queue again.
pub async fn announce_handed_back(state: &AppState, handed: Vec<(Conversation, Vec<AccountId>)>) {
    for (conversation, members) in handed {
        announce_workers(state, &conversation, members).await;
        if conversation.state == ConversationState::Waiting {
            announce_waiting(state, &conversation).await;
        }
    }
}

/// Hands an active conversation from the calling worker to another worker of the organisation
/// (available, with room), or back to the queue. The seeker is told that the workers changed; the
/// server re-shares nothing of what was said.
pub async fn transfer(
    state: &AppState,
    worker: &Principal,
    conversation_id: ConversationId,
    to: Option<AccountId>,
) -> ApiResult<Conversation> {
    let caller = worker.clone();
    let (conversation, told) = state
        .db
        .write(move |conn| {
            let (row, members) = as_lead(conn, &caller, &conversation_id)?;
            if row.state != ConversationState::Active {
                return Err(conflict_state(
                    "Only an active conversation can be transferred.",
                ));
            }
            let supporters = store::supporters(conn, &row.id)?;
            match &to {
                // A supporting worker takes the lead.
                Some(target) if supporters.contains(target) => {
                    store::remove_member(conn, &row.id, &caller.account_id)?;
                    store::make_lead(conn, &row.id, target)?;
                    store::set_referral(conn, &row.id, None)?;
                }
                Some(target) => {
                    if *target == caller.account_id || members.contains(target) {
                        return Err(invalid("Transfer to another worker."));
                    }
                    if !is_worker_of(conn, target, &row.organisation_id)? {
                        return Err(invalid("Transfer to a worker of the same organisation."));
                    }
                    if !desk::can_take(conn, target)? {
                        return Err(ApiError::conflict(
                            ErrorCode::WorkerUnavailable,
                            "That worker is away or has no room for another conversation.",
                        ));
                    }
                    store::remove_member(conn, &row.id, &caller.account_id)?;
                    store::add_member(conn, &row.id, target)?;
                    // A pending referral was the previous worker's offer.
                    store::set_referral(conn, &row.id, None)?;
                }
                None => {
                    if !store::requeue(conn, &row.id)? {
                        return Err(conflict_state(
                            "Only an active conversation can be transferred.",
                        ));
                    }
                    store::remove_workers(conn, &row.id, &row.seeker_id)?;
                }
            }
            let mut told = members;
            told.extend(to);
            let row = store::find(conn, &row.id)?.ok_or_else(ApiError::not_found)?;
            Ok((to_api(conn, row)?, told))
        })
        .await?;
    announce_workers(state, &conversation, told).await;
    if conversation.state == ConversationState::Waiting {
        announce_waiting(state, &conversation).await;
    }
    Ok(conversation)
}

/// A worker offers the seeker a referral to a partner organisation (partners both ways). Nothing
/// moves until the seeker accepts.
pub async fn refer(
    state: &AppState,
    worker: &Principal,
    conversation_id: ConversationId,
    partner: OrganisationId,
) -> ApiResult<Conversation> {
    let caller = worker.clone();
    let partner_id = partner.clone();
    let (conversation, partner_name) = state
        .db
        .write(move |conn| {
            let (row, _) = as_lead(conn, &caller, &conversation_id)?;
            if row.state != ConversationState::Active {
                return Err(conflict_state(
                    "Only an active conversation can be referred.",
                ));
            }
            if !organisations::mutual_partners(conn, &row.organisation_id, &partner)? {
                return Err(ApiError::unprocessable(
                    ErrorCode::NotAPartner,
                    "Refer only to an organisation that is a partner both ways.",
                ));
            }
            store::set_referral(conn, &row.id, Some(&partner))?;
            let row = store::find(conn, &row.id)?.ok_or_else(ApiError::not_found)?;
            let conversation = to_api(conn, row)?;
            let name = conversation
                .referral
                .as_ref()
                .map(|p| p.name.clone())
                .unwrap_or_default();
            Ok((conversation, name))
        })
        .await?;
    announce(
        state,
        BusEvent::ReferralOffered {
            conversation_id: id_of(&conversation),
            seeker: conversation.seeker.clone(),
            organisation_id: partner_id,
            organisation_name: partner_name,
        },
    )
    .await;
    Ok(conversation)
}

/// The seeker answers a referral. Accepted: the conversation leaves this organisation's workers
/// and waits in the partner's queue (counted as referred here, opened there). Declined: it stays
/// as it was.
pub async fn answer_referral(
    state: &AppState,
    seeker: &Principal,
    conversation_id: ConversationId,
    accept: bool,
) -> ApiResult<Conversation> {
    let seeker_id = seeker.account_id.clone();
    let now = crate::clock::minute_of(state.clock.now());
    let (conversation, workers_before) = state
        .db
        .write(move |conn| {
            let row = visible(conn, &conversation_id)?;
            if row.seeker_id != seeker_id {
                return Err(ApiError::forbidden());
            }
            let members = store::members(conn, &row.id)?;
            let workers: Vec<AccountId> = members.into_iter().filter(|m| *m != seeker_id).collect();
            let Some(partner) = row
                .referred_to
                .clone()
                .filter(|_| row.state == ConversationState::Active)
            else {
                return Err(conflict_state("There is no referral to answer."));
            };
            if !accept {
                store::set_referral(conn, &row.id, None)?;
            } else {
                if !organisations::mutual_partners(conn, &row.organisation_id, &partner)? {
                    store::set_referral(conn, &row.id, None)?;
                    return Err(ApiError::unprocessable(
                        ErrorCode::NotAPartner,
                        "This referral is no longer possible.",
                    ));
                }
                if store::open_for_seeker(conn, &seeker_id, &partner)?.is_some() {
                    return Err(conflict_state(
                        "There is already a conversation with that organisation.",
                    ));
                }
                let timer = match (
                    row.disappearing_seconds,
                    store::organisation_timer(conn, &partner)?,
                ) {
                    (Some(mine), Some(limit)) => Some(mine.min(limit)),
                    (mine, limit) => mine.or(limit),
                };
                if !store::move_to_partner(conn, &row.id, &partner, now, timer)? {
                    return Err(conflict_state("There is no referral to answer."));
                }
                store::remove_workers(conn, &row.id, &seeker_id)?;
                let language = first_language(&row);
                statistics::closed(
                    conn,
                    day_of(now),
                    &row.organisation_id,
                    &language,
                    Some("referred"),
                )?;
                statistics::opened(conn, day_of(now), &partner, &language)?;
            }
            let row = store::find(conn, &row.id)?.ok_or_else(ApiError::not_found)?;
            Ok((to_api(conn, row)?, workers))
        })
        .await?;
    announce(
        state,
        BusEvent::ReferralAnswered {
            conversation_id: id_of(&conversation),
            members: workers_before.clone(),
            accepted: accept,
        },
    )
    .await;
    if accept {
        let mut told = workers_before;
        told.push(conversation.seeker.clone());
        announce_workers(state, &conversation, told).await;
        announce_waiting(state, &conversation).await;
    }
    Ok(conversation)
}
