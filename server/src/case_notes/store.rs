//! Queries over case notes and the devices they are sealed to.

use crate::db::DbConn;
use crate::db::schema::{accounts, case_notes, device_keys, devices};
use diesel::prelude::*;
use diesel::result::QueryResult;
use quietline_protocol::api::Role;
use quietline_protocol::{AccountId, ConversationId, OrganisationId};

/// Every published device of the organisation's workers, with its identity key, in a stable
/// order.
pub fn worker_devices(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
) -> QueryResult<Vec<(AccountId, i32, Vec<u8>)>> {
    crate::on_backend!(conn, |c| accounts::table
        .inner_join(devices::table.on(devices::account_id.eq(accounts::id)))
        .inner_join(
            device_keys::table.on(device_keys::account_id
                .eq(devices::account_id)
                .and(device_keys::device_id.eq(devices::device_id))),
        )
        .filter(accounts::organisation_id.eq(organisation_id))
        .filter(accounts::role.eq(Role::Worker))
        .order((accounts::id, devices::device_id))
        .select((accounts::id, devices::device_id, device_keys::identity_key))
        .load(c))
}

/// One sealed copy, as stored.
pub struct CopyRow<'a> {
    pub note_id: &'a str,
    pub conversation_id: &'a ConversationId,
    pub author_id: &'a AccountId,
    pub author_device: i32,
    pub recipient_id: &'a AccountId,
    pub recipient_device: i32,
    pub written_at: i64,
    pub sealed: &'a [u8],
}

/// Stores a copy (the caller has checked the note is new).
pub fn insert_copy(conn: &mut DbConn, row: &CopyRow<'_>) -> QueryResult<()> {
    crate::on_backend!(conn, |c| diesel::insert_into(case_notes::table)
        .values((
            case_notes::note_id.eq(row.note_id),
            case_notes::conversation_id.eq(row.conversation_id),
            case_notes::author_id.eq(row.author_id),
            case_notes::author_device.eq(row.author_device),
            case_notes::recipient_id.eq(row.recipient_id),
            case_notes::recipient_device.eq(row.recipient_device),
            case_notes::written_at.eq(row.written_at),
            case_notes::sealed.eq(row.sealed),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// Whether a note of that id exists (in any conversation).
pub fn note_exists(conn: &mut DbConn, note_id: &str) -> QueryResult<bool> {
    crate::on_backend!(conn, |c| diesel::select(diesel::dsl::exists(
        case_notes::table.filter(case_notes::note_id.eq(note_id))
    ))
    .get_result(c))
}

/// One device's copy: note id, author, author's device, minute written, sealed copy.
pub type StoredCopy = (String, AccountId, i32, i64, Vec<u8>);

/// The copies sealed to one device about one conversation, oldest first.
pub fn copies_for(
    conn: &mut DbConn,
    conversation_id: &ConversationId,
    recipient_id: &AccountId,
    recipient_device: i32,
) -> QueryResult<Vec<StoredCopy>> {
    crate::on_backend!(conn, |c| case_notes::table
        .filter(case_notes::conversation_id.eq(conversation_id))
        .filter(case_notes::recipient_id.eq(recipient_id))
        .filter(case_notes::recipient_device.eq(recipient_device))
        .order((case_notes::written_at, case_notes::note_id))
        .select((
            case_notes::note_id,
            case_notes::author_id,
            case_notes::author_device,
            case_notes::written_at,
            case_notes::sealed,
        ))
        .load(c))
}
