//! Queries over conversations and their members.

use crate::db::DbConn;
use crate::db::schema::{
    accounts, awaiting_replies, conversation_members, conversations, handoff_consents,
};
use diesel::prelude::*;
use diesel::result::QueryResult;
use quietline_protocol::api::{ConversationState, Role};
use quietline_protocol::{AccountId, ConversationId, OrganisationId};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = conversations)]
pub struct ConversationRow {
    pub id: ConversationId,
    pub organisation_id: OrganisationId,
    pub seeker_id: AccountId,
    pub state: ConversationState,
    pub languages: String,
    pub region: Option<String>,
    pub topic: Option<String>,
    pub opened_at: i64,
    pub claimed_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub outcome: Option<String>,
    pub disappearing_seconds: Option<i64>,
    pub referred_to: Option<OrganisationId>,
    /// A callback request rather than a conversation now.
    pub callback: bool,
}

pub fn insert(conn: &mut DbConn, row: &ConversationRow) -> QueryResult<()> {
    diesel::insert_into(conversations::table)
        .values(row)
        .execute(conn)?;
    add_member(conn, &row.id, &row.seeker_id)
}

pub fn add_member(
    conn: &mut DbConn,
    conversation_id: &ConversationId,
    account_id: &AccountId,
) -> QueryResult<()> {
    diesel::insert_into(conversation_members::table)
        .values((
            conversation_members::conversation_id.eq(conversation_id),
            conversation_members::account_id.eq(account_id),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &ConversationId) -> QueryResult<Option<ConversationRow>> {
    conversations::table.find(id).first(conn).optional()
}

/// The seeker's conversation with an organisation that is not closed, if any.
pub fn open_for_seeker(
    conn: &mut DbConn,
    seeker_id: &AccountId,
    organisation_id: &OrganisationId,
) -> QueryResult<Option<ConversationRow>> {
    conversations::table
        .filter(conversations::seeker_id.eq(seeker_id))
        .filter(conversations::organisation_id.eq(organisation_id))
        .filter(conversations::state.ne(ConversationState::Closed))
        .first(conn)
        .optional()
}

/// The members: the seeker and the lead worker before supporting workers.
pub fn members(conn: &mut DbConn, conversation_id: &ConversationId) -> QueryResult<Vec<AccountId>> {
    conversation_members::table
        .filter(conversation_members::conversation_id.eq(conversation_id))
        .select(conversation_members::account_id)
        .order((
            conversation_members::supporting,
            conversation_members::account_id,
        ))
        .load(conn)
}

/// The supporting workers, by account id.
pub fn supporters(
    conn: &mut DbConn,
    conversation_id: &ConversationId,
) -> QueryResult<Vec<AccountId>> {
    conversation_members::table
        .filter(conversation_members::conversation_id.eq(conversation_id))
        .filter(conversation_members::supporting.eq(true))
        .select(conversation_members::account_id)
        .order(conversation_members::account_id)
        .load(conn)
}

/// Adds a supporting worker.
pub fn add_supporter(
    conn: &mut DbConn,
    conversation_id: &ConversationId,
    account_id: &AccountId,
) -> QueryResult<()> {
    diesel::insert_into(conversation_members::table)
        .values((
            conversation_members::conversation_id.eq(conversation_id),
            conversation_members::account_id.eq(account_id),
            conversation_members::supporting.eq(true),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Makes a supporting worker the lead (the previous lead has left or handed over).
pub fn make_lead(
    conn: &mut DbConn,
    conversation_id: &ConversationId,
    account_id: &AccountId,
) -> QueryResult<usize> {
    diesel::update(
        conversation_members::table
            .filter(conversation_members::conversation_id.eq(conversation_id))
            .filter(conversation_members::account_id.eq(account_id)),
    )
    .set(conversation_members::supporting.eq(false))
    .execute(conn)
}

/// Conversations an account takes part in that are not closed, oldest first.
pub fn open_for_member(
    conn: &mut DbConn,
    account_id: &AccountId,
) -> QueryResult<Vec<ConversationRow>> {
    conversations::table
        .inner_join(conversation_members::table)
        .filter(conversation_members::account_id.eq(account_id))
        .filter(conversations::state.ne(ConversationState::Closed))
        .order(conversations::opened_at)
        .select(conversations::all_columns)
        .load(conn)
}

/// Waiting conversations of an organisation, oldest first.
pub fn waiting(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    limit: i64,
) -> QueryResult<Vec<ConversationRow>> {
    conversations::table
        .filter(conversations::organisation_id.eq(organisation_id))
        .filter(conversations::state.eq(ConversationState::Waiting))
        .order((conversations::opened_at, conversations::id))
        .limit(limit)
        .load(conn)
}

/// Moves a waiting conversation to active. Only one of concurrent claims changes the row.
/// `claimed_at` is the first claim's minute; a conversation back from the queue keeps it.
pub fn claim(
    conn: &mut DbConn,
    id: &ConversationId,
    organisation_id: &OrganisationId,
    claimed_at: i64,
) -> QueryResult<bool> {
    diesel::update(
        conversations::table
            .filter(conversations::id.eq(id))
            .filter(conversations::organisation_id.eq(organisation_id))
            .filter(conversations::state.eq(ConversationState::Waiting)),
    )
    .set((
        conversations::state.eq(ConversationState::Active),
        conversations::claimed_at.eq(Some(claimed_at)),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn close(
    conn: &mut DbConn,
    id: &ConversationId,
    now: i64,
    outcome: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(
        conversations::table
            .find(id)
            .filter(conversations::state.ne(ConversationState::Closed)),
    )
    .set((
        conversations::state.eq(ConversationState::Closed),
        conversations::closed_at.eq(Some(now)),
        conversations::outcome.eq(outcome),
        conversations::referred_to.eq(None::<OrganisationId>),
    ))
    .execute(conn)
}

/// The role and organisation of an account.
pub fn role_and_organisation(
    conn: &mut DbConn,
    account_id: &AccountId,
) -> QueryResult<Option<(Role, Option<OrganisationId>)>> {
    accounts::table
        .find(account_id)
        .select((accounts::role, accounts::organisation_id))
        .first(conn)
        .optional()
}

/// The disappearing timers of the active conversations two accounts share; empty when they share
/// none.
pub fn shared_active_timers(
    conn: &mut DbConn,
    a: &AccountId,
    b: &AccountId,
) -> QueryResult<Vec<Option<i64>>> {
    let (first, second) = diesel::alias!(
        conversation_members as first_member,
        conversation_members as second_member
    );
    first
        .inner_join(
            second.on(second
                .field(conversation_members::conversation_id)
                .eq(first.field(conversation_members::conversation_id))),
        )
        .inner_join(
            conversations::table
                .on(conversations::id.eq(first.field(conversation_members::conversation_id))),
        )
        .filter(first.field(conversation_members::account_id).eq(a))
        .filter(second.field(conversation_members::account_id).eq(b))
        .filter(conversations::state.eq(ConversationState::Active))
        .select(conversations::disappearing_seconds)
        .load(conn)
}

pub fn set_timer(
    conn: &mut DbConn,
    id: &ConversationId,
    seconds: Option<i64>,
) -> QueryResult<usize> {
    diesel::update(conversations::table.find(id))
        .set(conversations::disappearing_seconds.eq(seconds))
        .execute(conn)
}

pub fn organisation_timer(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
) -> QueryResult<Option<i64>> {
    use crate::db::schema::organisations;
    organisations::table
        .find(organisation_id)
        .select(organisations::disappearing_seconds)
        .first::<Option<i64>>(conn)
        .optional()
        .map(Option::flatten)
}

/// Shortens the timers of an organisation's open conversations to at most `limit`.
pub fn cap_timers(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    limit: i64,
) -> QueryResult<usize> {
    diesel::update(
        conversations::table
            .filter(conversations::organisation_id.eq(organisation_id))
            .filter(conversations::state.ne(ConversationState::Closed))
            .filter(
                conversations::disappearing_seconds
                    .is_null()
                    .or(conversations::disappearing_seconds.gt(limit)),
            ),
    )
    .set(conversations::disappearing_seconds.eq(Some(limit)))
    .execute(conn)
}

pub fn remove_member(
    conn: &mut DbConn,
    conversation_id: &ConversationId,
    account_id: &AccountId,
) -> QueryResult<usize> {
    diesel::delete(
        conversation_members::table
            .filter(conversation_members::conversation_id.eq(conversation_id))
            .filter(conversation_members::account_id.eq(account_id)),
    )
    .execute(conn)
}

/// Removes every member but the seeker.
pub fn remove_workers(
    conn: &mut DbConn,
    conversation_id: &ConversationId,
    seeker_id: &AccountId,
) -> QueryResult<usize> {
    diesel::delete(
        conversation_members::table
            .filter(conversation_members::conversation_id.eq(conversation_id))
            .filter(conversation_members::account_id.ne(seeker_id)),
    )
    .execute(conn)
}

/// Puts an active conversation back in its organisation's queue. Only one of concurrent changes
/// takes effect.
pub fn requeue(conn: &mut DbConn, id: &ConversationId) -> QueryResult<bool> {
    diesel::update(
        conversations::table
            .find(id)
            .filter(conversations::state.eq(ConversationState::Active)),
    )
    .set((
        conversations::state.eq(ConversationState::Waiting),
        conversations::referred_to.eq(None::<OrganisationId>),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn set_referral(
    conn: &mut DbConn,
    id: &ConversationId,
    partner: Option<&OrganisationId>,
) -> QueryResult<usize> {
    diesel::update(conversations::table.find(id))
        .set(conversations::referred_to.eq(partner))
        .execute(conn)
}

/// Moves a conversation whose referral was accepted to the partner's queue, as if opened now
/// there.
pub fn move_to_partner(
    conn: &mut DbConn,
    id: &ConversationId,
    partner: &OrganisationId,
    now: i64,
    timer: Option<i64>,
) -> QueryResult<bool> {
    diesel::update(
        conversations::table
            .find(id)
            .filter(conversations::state.eq(ConversationState::Active))
            .filter(conversations::referred_to.eq(partner)),
    )
    .set((
        conversations::organisation_id.eq(partner),
        conversations::state.eq(ConversationState::Waiting),
        conversations::opened_at.eq(now),
        conversations::claimed_at.eq(None::<i64>),
        conversations::referred_to.eq(None::<OrganisationId>),
        conversations::disappearing_seconds.eq(timer),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Reopens a closed conversation: back in the queue, as if opened now.
pub fn reopen(conn: &mut DbConn, id: &ConversationId, now: i64) -> QueryResult<bool> {
    diesel::update(
        conversations::table
            .find(id)
            .filter(conversations::state.eq(ConversationState::Closed)),
    )
    .set((
        conversations::state.eq(ConversationState::Waiting),
        conversations::opened_at.eq(now),
        conversations::claimed_at.eq(None::<i64>),
        conversations::closed_at.eq(None::<i64>),
        conversations::outcome.eq(None::<String>),
        conversations::referred_to.eq(None::<OrganisationId>),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// How many active conversations an account takes part in.
pub fn active_count(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<i64> {
    conversations::table
        .inner_join(conversation_members::table)
        .filter(conversation_members::account_id.eq(account_id))
        .filter(conversations::state.eq(ConversationState::Active))
        .count()
        .get_result(conn)
}

/// Languages and minutes waited of an organisation's conversations first claimed since `since`.
pub fn recent_waits(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    since: i64,
) -> QueryResult<Vec<(String, i64)>> {
    let rows: Vec<(String, i64, Option<i64>)> = conversations::table
        .filter(conversations::organisation_id.eq(organisation_id))
        .filter(conversations::claimed_at.ge(since))
        .select((
            conversations::languages,
            conversations::opened_at,
            conversations::claimed_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(languages, opened, claimed)| claimed.map(|c| (languages, c - opened)))
        .collect())
}

/// The seeker's answer to a hand-off request, as stored.
pub const HANDOFF_GRANTED: &str = "granted";
pub const HANDOFF_DECLINED: &str = "declined";

/// A worker asks the seeker about a hand-off summary; an earlier request (answered or not) of
/// the conversation is replaced.
pub fn ask_handoff(
    conn: &mut DbConn,
    conversation_id: &ConversationId,
    asked_by: &AccountId,
) -> QueryResult<()> {
    diesel::delete(handoff_consents::table.find(conversation_id)).execute(conn)?;
    diesel::insert_into(handoff_consents::table)
        .values((
            handoff_consents::conversation_id.eq(conversation_id),
            handoff_consents::asked_by.eq(asked_by),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Records the seeker's answer to the request awaiting one; the worker who asked, or `None`
/// when no request awaits an answer.
pub fn answer_handoff(
    conn: &mut DbConn,
    conversation_id: &ConversationId,
    granted: bool,
) -> QueryResult<Option<AccountId>> {
    let asked_by: Option<AccountId> = handoff_consents::table
        .find(conversation_id)
        .filter(handoff_consents::answer.is_null())
        .select(handoff_consents::asked_by)
        .first(conn)
        .optional()?;
    if asked_by.is_some() {
        let answer = if granted {
            HANDOFF_GRANTED
        } else {
            HANDOFF_DECLINED
        };
        diesel::update(handoff_consents::table.find(conversation_id))
            .set(handoff_consents::answer.eq(answer))
            .execute(conn)?;
    }
    Ok(asked_by)
}

/// Whether `sender` may pass the summary `guid` to `recipient`: a request of theirs that the
/// seeker granted, of an active conversation `recipient` is now a worker of, and no other
/// summary sent under it. The grant is then spent on `guid` (a retry of it passes again).
pub fn spend_handoff(
    conn: &mut DbConn,
    sender: &AccountId,
    recipient: &AccountId,
    guid: &str,
) -> QueryResult<bool> {
    let grants: Vec<(ConversationId, Option<String>)> = handoff_consents::table
        .inner_join(conversations::table)
        .filter(handoff_consents::asked_by.eq(sender))
        .filter(handoff_consents::answer.eq(HANDOFF_GRANTED))
        .filter(conversations::state.eq(ConversationState::Active))
        .filter(conversations::seeker_id.ne(recipient))
        .select((
            handoff_consents::conversation_id,
            handoff_consents::summary_guid,
        ))
        .load(conn)?;
    for (conversation_id, spent) in grants {
        if spent.as_deref().is_some_and(|spent| spent != guid)
            || !members(conn, &conversation_id)?.contains(recipient)
        {
            continue;
        }
        diesel::update(handoff_consents::table.find(&conversation_id))
            .set(handoff_consents::summary_guid.eq(guid))
            .execute(conn)?;
        return Ok(true);
    }
    Ok(false)
}

/// A conversation's first claim, at `claimed_at` (a reopened or referred conversation is
/// claimed for a first time again): it now waits for a worker's first reply.
pub fn await_reply(
    conn: &mut DbConn,
    conversation_id: &ConversationId,
    claimed_at: i64,
) -> QueryResult<()> {
    diesel::delete(awaiting_replies::table.find(conversation_id)).execute(conn)?;
    diesel::insert_into(awaiting_replies::table)
        .values((
            awaiting_replies::conversation_id.eq(conversation_id),
            awaiting_replies::claimed_at.eq(claimed_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The active conversation of `seeker` that `worker` works on and that waits for a first reply.
pub fn awaiting_reply(
    conn: &mut DbConn,
    worker: &AccountId,
    seeker: &AccountId,
) -> QueryResult<Option<ConversationId>> {
    awaiting_replies::table
        .inner_join(conversations::table)
        .filter(conversations::seeker_id.eq(seeker))
        .filter(conversations::state.eq(ConversationState::Active))
        .filter(diesel::dsl::exists(
            conversation_members::table
                .filter(conversation_members::conversation_id.eq(conversations::id))
                .filter(conversation_members::account_id.eq(worker)),
        ))
        .select(awaiting_replies::conversation_id)
        .first(conn)
        .optional()
}

/// Ends a conversation's wait for a first reply: when it was first claimed, if it was waiting
/// (of concurrent replies, one ends it).
pub fn end_wait_for_reply(
    conn: &mut DbConn,
    conversation_id: &ConversationId,
) -> QueryResult<Option<i64>> {
    let claimed_at: Option<i64> = awaiting_replies::table
        .find(conversation_id)
        .select(awaiting_replies::claimed_at)
        .first(conn)
        .optional()?;
    let deleted = diesel::delete(awaiting_replies::table.find(conversation_id)).execute(conn)?;
    Ok(claimed_at.filter(|_| deleted == 1))
}
