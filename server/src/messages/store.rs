//! Reads of envelope queues and of the devices a message must reach. Writes go through the
//! envelope writer.

use crate::db::DbConn;
use crate::db::schema::{device_keys, envelopes};
use diesel::prelude::*;
use diesel::result::QueryResult;
use quietline_protocol::relay::{Envelope, EnvelopeType};
use quietline_protocol::{AccountId, DeviceId};

/// Devices that can receive: those that have published keys, with their registration ids.
pub fn receiving_devices(
    conn: &mut DbConn,
    account_id: &AccountId,
) -> QueryResult<Vec<(i32, i32)>> {
    device_keys::table
        .filter(device_keys::account_id.eq(account_id))
        .select((device_keys::device_id, device_keys::registration_id))
        .order(device_keys::device_id)
        .load(conn)
}

type Row = (
    i64,
    String,
    i16,
    Option<AccountId>,
    Option<i32>,
    i64,
    i64,
    Option<i64>,
    Vec<u8>,
);

fn to_envelope(row: Row) -> Envelope {
    let (
        id,
        guid,
        kind,
        source_account,
        source_device,
        server_received,
        expires_at,
        timer,
        content,
    ) = row;
    Envelope {
        id,
        guid,
        kind: EnvelopeType::from_code(kind).unwrap_or(EnvelopeType::Message),
        source_account,
        source_device: source_device
            .and_then(|d| u32::try_from(d).ok())
            .map(DeviceId),
        server_received,
        expires_at,
        disappearing_seconds: timer.and_then(|t| u64::try_from(t).ok()),
        content,
    }
}

/// Deletes the envelopes an account sent that still wait in others' queues.
pub fn delete_sent_by(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<usize> {
    diesel::delete(envelopes::table.filter(envelopes::source_account.eq(account_id))).execute(conn)
}

/// Unexpired envelopes of one device in queue order, after `after` (exclusive).
pub fn queued(
    conn: &mut DbConn,
    account_id: &AccountId,
    device_id: i32,
    after: i64,
    now: i64,
    limit: i64,
) -> QueryResult<Vec<Envelope>> {
    envelopes::table
        .filter(envelopes::account_id.eq(account_id))
        .filter(envelopes::device_id.eq(device_id))
        .filter(envelopes::id.gt(after))
        .filter(envelopes::expires_at.gt(now))
        .order(envelopes::id)
        .limit(limit)
        .select((
            envelopes::id,
            envelopes::guid,
            envelopes::kind,
            envelopes::source_account,
            envelopes::source_device,
            envelopes::server_received,
            envelopes::expires_at,
            envelopes::disappearing_seconds,
            envelopes::content,
        ))
        .load::<Row>(conn)
        .map(|rows| rows.into_iter().map(to_envelope).collect())
}
