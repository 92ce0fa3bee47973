//! Queries over push subscriptions: one sealed row per device.

use crate::db::DbConn;
use crate::db::schema::push_subscriptions;
use diesel::prelude::*;
use diesel::result::QueryResult;
use quietline_protocol::AccountId;

pub fn put(
    conn: &mut DbConn,
    account_id: &AccountId,
    device_id: i32,
    sealed: &[u8],
) -> QueryResult<()> {
    remove(conn, account_id, device_id)?;
    diesel::insert_into(push_subscriptions::table)
        .values((
            push_subscriptions::account_id.eq(account_id),
            push_subscriptions::device_id.eq(device_id),
            push_subscriptions::sealed.eq(sealed),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find(
    conn: &mut DbConn,
    account_id: &AccountId,
    device_id: i32,
) -> QueryResult<Option<Vec<u8>>> {
    push_subscriptions::table
        .find((account_id, device_id))
        .select(push_subscriptions::sealed)
        .first(conn)
        .optional()
}

pub fn remove(conn: &mut DbConn, account_id: &AccountId, device_id: i32) -> QueryResult<usize> {
    diesel::delete(push_subscriptions::table.find((account_id, device_id))).execute(conn)
}

/// Removes a subscription only if it is still the one that was pushed to (the device may have
/// registered a new one meanwhile).
pub fn remove_if(
    conn: &mut DbConn,
    account_id: &AccountId,
    device_id: i32,
    sealed: &[u8],
) -> QueryResult<usize> {
    diesel::delete(
        push_subscriptions::table
            .find((account_id, device_id))
            .filter(push_subscriptions::sealed.eq(sealed)),
    )
    .execute(conn)
}
