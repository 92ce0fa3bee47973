//! Queries over conversations and their members.

use crate::db::DbConn;
use crate::db::schema::{accounts, conversation_members, conversations};
use diesel::prelude::*;
use diesel::result::QueryResult;

#[derive(Debug, Clone, Queryable)]
pub struct ConversationRow {
    pub id: String,
    pub organisation_id: String,
    pub seeker_id: String,
    pub state: String,
    pub languages: String,
    pub region: Option<String>,
    pub topic: Option<String>,
    pub opened_at: i64,
    pub claimed_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub outcome: Option<String>,
    pub disappearing_seconds: Option<i64>,
}

pub fn insert(conn: &mut DbConn, row: &ConversationRow) -> QueryResult<()> {
    diesel::insert_into(conversations::table)
        .values((
            conversations::id.eq(&row.id),
            conversations::organisation_id.eq(&row.organisation_id),
            conversations::seeker_id.eq(&row.seeker_id),
            conversations::state.eq(&row.state),
            conversations::languages.eq(&row.languages),
            conversations::region.eq(&row.region),
            conversations::topic.eq(&row.topic),
            conversations::opened_at.eq(row.opened_at),
            conversations::disappearing_seconds.eq(row.disappearing_seconds),
        ))
        .execute(conn)?;
    add_member(conn, &row.id, &row.seeker_id)
}

pub fn add_member(conn: &mut DbConn, conversation_id: &str, account_id: &str) -> QueryResult<()> {
    diesel::insert_into(conversation_members::table)
        .values((
            conversation_members::conversation_id.eq(conversation_id),
            conversation_members::account_id.eq(account_id),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<ConversationRow>> {
    conversations::table.find(id).first(conn).optional()
}

/// The seeker's conversation with an organisation that is not closed, if any.
pub fn open_for_seeker(
    conn: &mut DbConn,
    seeker_id: &str,
    organisation_id: &str,
) -> QueryResult<Option<ConversationRow>> {
    conversations::table
        .filter(conversations::seeker_id.eq(seeker_id))
        .filter(conversations::organisation_id.eq(organisation_id))
        .filter(conversations::state.ne("closed"))
        .first(conn)
        .optional()
}

pub fn members(conn: &mut DbConn, conversation_id: &str) -> QueryResult<Vec<String>> {
    conversation_members::table
        .filter(conversation_members::conversation_id.eq(conversation_id))
        .select(conversation_members::account_id)
        .order(conversation_members::account_id)
        .load(conn)
}

/// Conversations an account takes part in that are not closed, oldest first.
pub fn open_for_member(conn: &mut DbConn, account_id: &str) -> QueryResult<Vec<ConversationRow>> {
    conversations::table
        .inner_join(conversation_members::table)
        .filter(conversation_members::account_id.eq(account_id))
        .filter(conversations::state.ne("closed"))
        .order(conversations::opened_at)
        .select(conversations::all_columns)
        .load(conn)
}

/// Waiting conversations of an organisation, oldest first.
pub fn waiting(
    conn: &mut DbConn,
    organisation_id: &str,
    limit: i64,
) -> QueryResult<Vec<ConversationRow>> {
    conversations::table
        .filter(conversations::organisation_id.eq(organisation_id))
        .filter(conversations::state.eq("waiting"))
        .order((conversations::opened_at, conversations::id))
        .limit(limit)
        .load(conn)
}

/// Moves a waiting conversation to active. Only one of concurrent claims changes the row.
pub fn claim(conn: &mut DbConn, id: &str, organisation_id: &str, now: i64) -> QueryResult<bool> {
    diesel::update(
        conversations::table
            .filter(conversations::id.eq(id))
            .filter(conversations::organisation_id.eq(organisation_id))
            .filter(conversations::state.eq("waiting")),
    )
    .set((
        conversations::state.eq("active"),
        conversations::claimed_at.eq(Some(now)),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn close(conn: &mut DbConn, id: &str, now: i64, outcome: Option<&str>) -> QueryResult<usize> {
    diesel::update(
        conversations::table
            .find(id)
            .filter(conversations::state.ne("closed")),
    )
    .set((
        conversations::state.eq("closed"),
        conversations::closed_at.eq(Some(now)),
        conversations::outcome.eq(outcome),
    ))
    .execute(conn)
}

/// The role and organisation of an account.
pub fn role_and_organisation(
    conn: &mut DbConn,
    account_id: &str,
) -> QueryResult<Option<(String, Option<String>)>> {
    accounts::table
        .find(account_id)
        .select((accounts::role, accounts::organisation_id))
        .first(conn)
        .optional()
}

/// The disappearing timers of the active conversations two accounts share; empty when they share
/// none.
pub fn shared_active_timers(conn: &mut DbConn, a: &str, b: &str) -> QueryResult<Vec<Option<i64>>> {
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
        .filter(conversations::state.eq("active"))
        .select(conversations::disappearing_seconds)
        .load(conn)
}

pub fn set_timer(conn: &mut DbConn, id: &str, seconds: Option<i64>) -> QueryResult<usize> {
    diesel::update(conversations::table.find(id))
        .set(conversations::disappearing_seconds.eq(seconds))
        .execute(conn)
}

pub fn organisation_timer(conn: &mut DbConn, organisation_id: &str) -> QueryResult<Option<i64>> {
    use crate::db::schema::organisations;
    organisations::table
        .find(organisation_id)
        .select(organisations::disappearing_seconds)
        .first::<Option<i64>>(conn)
        .optional()
        .map(Option::flatten)
}

/// Shortens the timers of an organisation's open conversations to at most `limit`.
pub fn cap_timers(conn: &mut DbConn, organisation_id: &str, limit: i64) -> QueryResult<usize> {
    diesel::update(
        conversations::table
            .filter(conversations::organisation_id.eq(organisation_id))
            .filter(conversations::state.ne("closed"))
            .filter(
                conversations::disappearing_seconds
                    .is_null()
                    .or(conversations::disappearing_seconds.gt(limit)),
            ),
    )
    .set(conversations::disappearing_seconds.eq(Some(limit)))
    .execute(conn)
}
