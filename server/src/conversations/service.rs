//! Conversation rules. Seekers open conversations with the organisation behind their entry point;
//! that organisation's workers see the waiting ones (those speaking one of the seeker's languages
//! first) and claim them, one worker winning a race; members close them. Envelopes and prekey
//! bundles flow only between members of an active conversation.

use super::statistics;
use super::store::{self, ConversationRow};
use crate::accounts::store as accounts_store;
use crate::auth::Principal;
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
use quietline_protocol::api::{
    CloseConversation, Conversation, ConversationState, OpenConversation, Partner, Role,
    WaitingConversation,
};
use quietline_protocol::{AccountId, ErrorCode, OrganisationId};

/// Disappearing-message timers offered: 5 minutes, 1 hour, 1 day, 1 week (or none).
pub const TIMERS: [u64; 4] = [300, 3_600, 86_400, 604_800];

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

/// Outcome categories of a closed conversation, for aggregate statistics only.
pub const OUTCOMES: [&str; 5] = [
    "information_given",
    "referred",
    "no_response",
    "safety_concern",
    "other",
];
/// Waiting conversations shown to a worker at once.
const QUEUE_PAGE: i64 = 200;

fn invalid(message: &'static str) -> ApiError {
    ApiError::unprocessable(ErrorCode::InvalidBody, message)
}

fn state_of(row: &ConversationRow) -> ConversationState {
    match row.state.as_str() {
        "waiting" => ConversationState::Waiting,
        "active" => ConversationState::Active,
        _ => ConversationState::Closed,
    }
}

fn languages_of(row: &ConversationRow) -> Vec<String> {
    serde_json::from_str(&row.languages).unwrap_or_default()
}

fn to_api(conn: &mut DbConn, row: ConversationRow) -> ApiResult<Conversation> {
    let workers: Vec<AccountId> = store::members(conn, &row.id)?
        .into_iter()
        .filter(|member| *member != row.seeker_id)
        .map(AccountId)
        .collect();
    let worker_handles = workers
        .iter()
        .map(|worker| Ok(accounts_store::handle_of(conn, &worker.0)?.unwrap_or_default()))
        .collect::<ApiResult<Vec<String>>>()?;
    Ok(Conversation {
        state: state_of(&row),
        languages: languages_of(&row),
        id: row.id,
        organisation_id: OrganisationId(row.organisation_id),
        region: row.region,
        topic: row.topic,
        opened_at: row.opened_at,
        seeker: AccountId(row.seeker_id),
        workers,
        worker_handles,
        disappearing_seconds: row.disappearing_seconds.and_then(|s| u64::try_from(s).ok()),
        referral: match row.referred_to {
            None => None,
            Some(partner) => organisations::find_organisation(conn, &partner)?.map(|org| Partner {
                organisation_id: OrganisationId(org.0),
                name: org.1,
                mutual: true,
            }),
        },
    })
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

/// Opens (or returns the already open) conversation of a seeker with the organisation behind
/// their entry point.
pub async fn open(
    state: &AppState,
    principal: &Principal,
    request: OpenConversation,
) -> ApiResult<Conversation> {
    if principal.role != Role::Seeker {
        return Err(ApiError::forbidden());
    }
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
            let (_, organisation_id, _, _, topics, _) = entry;
            let topics: Vec<String> = serde_json::from_str(&topics).unwrap_or_default();
            if request.topic.as_ref().is_some_and(|t| !topics.contains(t)) {
                return Err(invalid("The topic is not one this organisation offers."));
            }
            if let Some(open) = store::open_for_seeker(conn, &seeker_id, &organisation_id)? {
                return Ok((to_api(conn, open)?, false));
            }
            let row = ConversationRow {
                id: uuid::Uuid::new_v4().to_string(),
                organisation_id: organisation_id.clone(),
                seeker_id,
                state: "waiting".into(),
                languages: serde_json::to_string(&languages).map_err(ApiError::internal)?,
                region: request.region,
                topic: request.topic,
                opened_at: now,
                claimed_at: None,
                closed_at: None,
                outcome: None,
                disappearing_seconds: store::organisation_timer(conn, &organisation_id)?,
                referred_to: None,
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
async fn announce_waiting(state: &AppState, conversation: &Conversation) {
    announce(
        state,
        BusEvent::ConversationWaiting {
            organisation_id: conversation.organisation_id.0.clone(),
            conversation_id: conversation.id.clone(),
        },
    )
    .await;
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
async fn announce_workers(state: &AppState, conversation: &Conversation, members: Vec<String>) {
    announce(
        state,
        BusEvent::WorkersChanged {
            conversation_id: conversation.id.clone(),
            members,
            workers: conversation.workers.iter().map(|w| w.0.clone()).collect(),
            handles: conversation.worker_handles.clone(),
        },
    )
    .await;
}

/// A worker is leaving (their account deleted or removed): their active conversations go back to
/// the queue, as a transfer back to it would, so no seeker is left writing to nobody. Runs in the
/// caller's transaction; what it returns is announced with [`announce_handed_back`] once that
/// commits.
pub fn hand_back(
    conn: &mut DbConn,
    worker_id: &str,
) -> ApiResult<Vec<(Conversation, Vec<String>)>> {
    let mut handed = Vec::new();
    for row in store::open_for_member(conn, worker_id)? {
        if row.seeker_id == worker_id || row.state != "active" {
            continue;
        }
        let members = store::members(conn, &row.id)?;
        store::remove_member(conn, &row.id, worker_id)?;
        let others = members
            .iter()
            .any(|m| *m != row.seeker_id && m != worker_id);
        if !others {
            store::requeue(conn, &row.id)?;
        }
        let row = store::find(conn, &row.id)?.ok_or_else(ApiError::not_found)?;
        handed.push((to_api(conn, row)?, members));
    }
    Ok(handed)
}

/// Tells the members of conversations [`hand_back`] changed who answers now, and the
/// organisation's workers that they wait in the queue again.
pub async fn announce_handed_back(state: &AppState, handed: Vec<(Conversation, Vec<String>)>) {
    for (conversation, members) in handed {
        announce_workers(state, &conversation, members).await;
        if conversation.state == ConversationState::Waiting {
            announce_waiting(state, &conversation).await;
        }
    }
}

fn conflict_state(message: &'static str) -> ApiError {
    ApiError::conflict(ErrorCode::InvalidState, message)
}

/// A conversation about to be checked against the caller. One that does not exist answers as
/// one the caller may not see (403), so ids cannot be probed for what exists or was wiped.
fn visible(conn: &mut DbConn, conversation_id: &str) -> ApiResult<ConversationRow> {
    store::find(conn, conversation_id)?.ok_or_else(ApiError::forbidden)
}

/// The conversation, if the caller is one of its workers.
fn as_worker_member(
    conn: &mut DbConn,
    worker: &Principal,
    conversation_id: &str,
) -> ApiResult<(ConversationRow, Vec<String>)> {
    let row = visible(conn, conversation_id)?;
    let members = store::members(conn, conversation_id)?;
    if worker.role != Role::Worker || !members.contains(&worker.account_id) {
        return Err(ApiError::forbidden());
    }
    Ok((row, members))
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
                id: row.id,
                languages,
                region: row.region,
                topic: row.topic,
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
    conversation_id: String,
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
            if row.state == "waiting" && !desk::has_room(conn, &account_id)? {
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
            if row.claimed_at.is_none() {
                statistics::claimed(
                    conn,
                    day_of(now),
                    &row.organisation_id,
                    &first_language(&row),
                    now - row.opened_at,
                )?;
            }
            let row = store::find(conn, &row.id)?.ok_or_else(ApiError::not_found)?;
            to_api(conn, row)
        })
        .await?;
    // The seeker learns who answers; colleagues, that it left the queue.
    let mut told = vec![conversation.seeker.0.clone()];
    told.extend(conversation.workers.iter().map(|w| w.0.clone()));
    announce_workers(state, &conversation, told).await;
    let handle = conversation
        .workers
        .iter()
        .zip(&conversation.worker_handles)
        .find(|(worker, _)| worker.0 == worker_id)
        .map(|(_, handle)| handle.clone())
        .unwrap_or_default();
    announce(
        state,
        BusEvent::ConversationClaimed {
            organisation_id: conversation.organisation_id.0.clone(),
            conversation_id: conversation.id.clone(),
            handle,
        },
    )
    .await;
    Ok(conversation)
}

/// Closes a conversation the caller takes part in, with an outcome for statistics.
pub async fn close(
    state: &AppState,
    principal: &Principal,
    conversation_id: String,
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
            let row = visible(conn, &conversation_id)?;
            let members = store::members(conn, &conversation_id)?;
            if !members.contains(&account_id) {
                return Err(ApiError::forbidden());
            }
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
            Ok(None)
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

/// Whether `sender` may send envelopes to, and fetch prekey bundles of, `recipient`: their own
/// other devices; members of one active conversation; workers of the same organisation (for the
/// notes they keep encrypted to each other).
pub fn may_reach(conn: &mut DbConn, sender: &Principal, recipient: &str) -> ApiResult<bool> {
    reach(conn, sender, recipient).map(|reach| reach.is_some())
}

/// [`may_reach`], with the disappearing timer messages between them are under: `None` when they
/// may not reach each other; `Some(None)` when no timer applies. Of several shared conversations,
/// the shortest timer wins.
pub fn reach(
    conn: &mut DbConn,
    sender: &Principal,
    recipient: &str,
) -> ApiResult<Option<Option<i64>>> {
    if sender.account_id == recipient {
        return Ok(Some(None));
    }
    let timers = store::shared_active_timers(conn, &sender.account_id, recipient)?;
    if !timers.is_empty() {
        return Ok(Some(timers.into_iter().flatten().min()));
    }
    if sender.role == Role::Worker {
        let colleague =
            store::role_and_organisation(conn, recipient)?.is_some_and(|(role, organisation)| {
                role == "worker" && organisation == sender.organisation_id
            });
        return Ok(colleague.then_some(None));
    }
    Ok(None)
}

/// Changes a conversation's disappearing timer. Either side may; nobody may make it longer than
/// the organisation's default. Both sides are told.
pub async fn set_timer(
    state: &AppState,
    principal: &Principal,
    conversation_id: String,
    seconds: Option<u64>,
) -> ApiResult<Conversation> {
    let timer = checked_timer(seconds)?;
    let account_id = principal.account_id.clone();
    let (conversation, members) = state
        .db
        .write(move |conn| {
            let row = visible(conn, &conversation_id)?;
            let members = store::members(conn, &conversation_id)?;
            if !members.contains(&account_id) {
                return Err(ApiError::forbidden());
            }
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
        conversation_id: conversation.id.clone(),
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
    admin: &Principal,
    organisation_id: String,
    from: Option<i64>,
    to: Option<i64>,
    period: quietline_protocol::api::StatisticsPeriod,
) -> ApiResult<Vec<quietline_protocol::api::DailyStatistics>> {
    admin.must_administer(&organisation_id)?;
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

/// Hands an active conversation from the calling worker to another worker of the organisation
/// (available, with room), or back to the queue. The seeker is told that the workers changed; the
/// server re-shares nothing of what was said.
pub async fn transfer(
    state: &AppState,
    worker: &Principal,
    conversation_id: String,
    to: Option<String>,
) -> ApiResult<Conversation> {
    let caller = worker.clone();
    let (conversation, told) = state
        .db
        .write(move |conn| {
            let (row, members) = as_worker_member(conn, &caller, &conversation_id)?;
            if row.state != "active" {
                return Err(conflict_state(
                    "Only an active conversation can be transferred.",
                ));
            }
            match &to {
                Some(target) => {
                    if *target == caller.account_id || members.contains(target) {
                        return Err(invalid("Transfer to another worker."));
                    }
                    let colleague = store::role_and_organisation(conn, target)?.is_some_and(
                        |(role, organisation)| {
                            role == "worker"
                                && organisation.as_deref() == Some(&row.organisation_id)
                        },
                    );
                    if !colleague {
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
    conversation_id: String,
    partner: String,
) -> ApiResult<Conversation> {
    let caller = worker.clone();
    let (conversation, partner_name) = state
        .db
        .write(move |conn| {
            let (row, _) = as_worker_member(conn, &caller, &conversation_id)?;
            if row.state != "active" {
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
            conversation_id: conversation.id.clone(),
            seeker: conversation.seeker.0.clone(),
            organisation_id: conversation
                .referral
                .as_ref()
                .map(|p| p.organisation_id.0.clone())
                .unwrap_or_default(),
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
    conversation_id: String,
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
            let workers: Vec<String> = members.into_iter().filter(|m| *m != seeker_id).collect();
            let Some(partner) = row.referred_to.clone().filter(|_| row.state == "active") else {
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
            conversation_id: conversation.id.clone(),
            members: workers_before.clone(),
            accepted: accept,
        },
    )
    .await;
    if accept {
        let mut told = workers_before;
        told.push(conversation.seeker.0.clone());
        announce_workers(state, &conversation, told).await;
        announce_waiting(state, &conversation).await;
    }
    Ok(conversation)
}

/// The seeker reopens a closed conversation within the retention period (after it, the
/// conversation is purged). It waits in the queue again.
pub async fn reopen(
    state: &AppState,
    seeker: &Principal,
    conversation_id: String,
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
            if row.state != "closed" {
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
