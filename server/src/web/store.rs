//! Queries of the web entry: intake keys, the handles seekers come back by, and what waits
//! sealed for a conversation's first worker.

use crate::db::DbConn;
use crate::db::schema::{accounts, envelopes, held_envelopes, intake_keys, web_seekers};
use diesel::prelude::*;
use diesel::result::QueryResult;
use quietline_protocol::api::Role;
use quietline_protocol::{AccountId, ConversationId, OrganisationId};

/// Publishes (or replaces, or with `None` removes) a device's intake key.
pub fn set_intake_key(
    conn: &mut DbConn,
    account_id: &AccountId,
    device_id: i32,
    key: Option<(&[u8], Option<&[u8]>)>,
) -> QueryResult<()> {
    diesel::delete(
        intake_keys::table
            .filter(intake_keys::account_id.eq(account_id))
            .filter(intake_keys::device_id.eq(device_id)),
    )
    .execute(conn)?;
    if let Some((public_key, signature)) = key {
        diesel::insert_into(intake_keys::table)
            .values((
                intake_keys::account_id.eq(account_id),
                intake_keys::device_id.eq(device_id),
                intake_keys::public_key.eq(public_key),
                intake_keys::signature.eq(signature),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The intake keys of an account's devices, by device.
pub fn intake_keys_of(
    conn: &mut DbConn,
    account_id: &AccountId,
) -> QueryResult<Vec<(i32, Vec<u8>)>> {
    intake_keys::table
        .filter(intake_keys::account_id.eq(account_id))
        .order(intake_keys::device_id)
        .select((intake_keys::device_id, intake_keys::public_key))
        .load(conn)
}

/// The intake keys of every device of the organisation's workers, in a stable order.
pub fn worker_intake_keys(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
) -> QueryResult<Vec<(AccountId, i32, Vec<u8>)>> {
    crate::on_backend!(conn, |c| accounts::table
        .inner_join(intake_keys::table.on(intake_keys::account_id.eq(accounts::id)))
        .filter(accounts::organisation_id.eq(organisation_id))
        .filter(accounts::role.eq(Role::Worker))
        .order((accounts::id, intake_keys::device_id))
        .select((
            accounts::id,
            intake_keys::device_id,
            intake_keys::public_key
        ))
        .load(c))
}

/// Whether a device has published an intake key.
pub fn has_intake_key(
    conn: &mut DbConn,
    account_id: &AccountId,
    device_id: i32,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        intake_keys::table
            .filter(intake_keys::account_id.eq(account_id))
            .filter(intake_keys::device_id.eq(device_id)),
    ))
    .get_result(conn)
}

pub fn insert_seeker(
    conn: &mut DbConn,
    handle_hash: &str,
    account_id: &AccountId,
) -> QueryResult<()> {
    diesel::insert_into(web_seekers::table)
        .values((
            web_seekers::handle_hash.eq(handle_hash),
            web_seekers::account_id.eq(account_id),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn seeker_by_handle(conn: &mut DbConn, handle_hash: &str) -> QueryResult<Option<AccountId>> {
    web_seekers::table
        .filter(web_seekers::handle_hash.eq(handle_hash))
        .select(web_seekers::account_id)
        .first(conn)
        .optional()
}

/// One sealed copy waiting for the conversation's first worker.
pub struct HeldRow<'a> {
    pub conversation_id: &'a ConversationId,
    pub guid: &'a str,
    pub account_id: &'a AccountId,
    pub device_id: i32,
    pub source_account: &'a AccountId,
    pub source_device: i32,
    pub server_received: i64,
    pub expires_at: i64,
    pub content: &'a [u8],
}

/// Holds a copy; a retried message (same id) is kept once.
pub fn hold(conn: &mut DbConn, row: &HeldRow<'_>) -> QueryResult<usize> {
    crate::on_backend!(conn, |c| diesel::insert_into(held_envelopes::table)
        .values((
            held_envelopes::conversation_id.eq(row.conversation_id),
            held_envelopes::guid.eq(row.guid),
            held_envelopes::account_id.eq(row.account_id),
            held_envelopes::device_id.eq(row.device_id),
            held_envelopes::source_account.eq(row.source_account),
            held_envelopes::source_device.eq(row.source_device),
            held_envelopes::server_received.eq(row.server_received),
            held_envelopes::expires_at.eq(row.expires_at),
            held_envelopes::content.eq(row.content),
        ))
        .on_conflict_do_nothing()
        .execute(c))
}

/// Messages held for a conversation (distinct ids).
pub fn held_messages(conn: &mut DbConn, conversation_id: &ConversationId) -> QueryResult<usize> {
    held_envelopes::table
        .filter(held_envelopes::conversation_id.eq(conversation_id))
        .select(held_envelopes::guid)
        .distinct()
        .load::<String>(conn)
        .map(|ids| ids.len())
}

/// Queues the claimer's held copies as ordinary envelopes (with the conversation's timer) and
/// deletes every held copy of the conversation; answers the claimer's devices that got some.
pub fn release(
    conn: &mut DbConn,
    conversation_id: &ConversationId,
    claimer: &AccountId,
    timer: Option<i64>,
    now: i64,
) -> QueryResult<Vec<i32>> {
    type Held = (String, i32, AccountId, i32, i64, i64, Vec<u8>);
    let rows: Vec<Held> = held_envelopes::table
        .filter(held_envelopes::conversation_id.eq(conversation_id))
        .filter(held_envelopes::account_id.eq(claimer))
        .filter(held_envelopes::expires_at.gt(now))
        .order((held_envelopes::server_received, held_envelopes::guid))
        .select((
            held_envelopes::guid,
            held_envelopes::device_id,
            held_envelopes::source_account,
            held_envelopes::source_device,
            held_envelopes::server_received,
            held_envelopes::expires_at,
            held_envelopes::content,
        ))
        .load(conn)?;
    let mut devices = Vec::new();
    for (guid, device_id, source_account, source_device, received, expires_at, content) in rows {
        crate::on_backend!(conn, |c| diesel::insert_into(envelopes::table)
            .values((
                envelopes::account_id.eq(claimer),
                envelopes::device_id.eq(device_id),
                envelopes::guid.eq(&guid),
                envelopes::kind.eq(quietline_protocol::relay::EnvelopeType::Sealed.code()),
                envelopes::source_account.eq(Some(&source_account)),
                envelopes::source_device.eq(Some(source_device)),
                envelopes::server_received.eq(received),
                envelopes::expires_at.eq(expires_at),
                envelopes::disappearing_seconds.eq(timer),
                envelopes::content.eq(&content),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
        if !devices.contains(&device_id) {
            devices.push(device_id);
        }
    }
    diesel::delete(
        held_envelopes::table.filter(held_envelopes::conversation_id.eq(conversation_id)),
    )
    .execute(conn)?;
    Ok(devices)
}

/// The languages the organisation's workers read, each once, in order.
pub fn worker_languages(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
) -> QueryResult<Vec<String>> {
    use crate::db::schema::member_languages;
    crate::on_backend!(conn, |c| member_languages::table
        .inner_join(accounts::table.on(accounts::id.eq(member_languages::account_id)))
        .filter(accounts::organisation_id.eq(organisation_id))
        .filter(accounts::role.eq(Role::Worker))
        .select(member_languages::language)
        .distinct()
        .order(member_languages::language)
        .load(c))
}
