//! Queries over the key directory.

use crate::db::DbConn;
use crate::db::schema::{device_keys, devices, ec_pre_keys, pq_pre_keys};
use diesel::prelude::*;
use diesel::result::QueryResult;
use quietline_protocol::AccountId;
use quietline_protocol::relay::{DeviceKeys, EcPreKey, PreKeyUpload, SignedPreKey};

/// How often a one-time prekey hand-out retries after losing a race for the same key.
const TAKE_ATTEMPTS: usize = 16;

pub fn identity_key(
    conn: &mut DbConn,
    account_id: &AccountId,
    device_id: i32,
) -> QueryResult<Option<Vec<u8>>> {
    device_keys::table
        .find((account_id, device_id))
        .select(device_keys::identity_key)
        .first(conn)
        .optional()
}

fn insert_pre_keys(
    conn: &mut DbConn,
    account_id: &AccountId,
    device_id: i32,
    ec: &[EcPreKey],
    pq: &[SignedPreKey],
) -> QueryResult<()> {
    for key in ec {
        crate::on_backend!(conn, |c| diesel::insert_into(ec_pre_keys::table)
            .values((
                ec_pre_keys::account_id.eq(account_id),
                ec_pre_keys::device_id.eq(device_id),
                ec_pre_keys::key_id.eq(i64::from(key.key_id)),
                ec_pre_keys::public_key.eq(&key.public_key),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    for key in pq {
        crate::on_backend!(conn, |c| diesel::insert_into(pq_pre_keys::table)
            .values((
                pq_pre_keys::account_id.eq(account_id),
                pq_pre_keys::device_id.eq(device_id),
                pq_pre_keys::key_id.eq(i64::from(key.key_id)),
                pq_pre_keys::public_key.eq(&key.public_key),
                pq_pre_keys::signature.eq(&key.signature),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(())
}

/// Replaces every key of a device (a new registration). Returns the previous identity key.
pub fn replace_device_keys(
    conn: &mut DbConn,
    account_id: &AccountId,
    device_id: i32,
    keys: &DeviceKeys,
) -> QueryResult<Option<Vec<u8>>> {
    let previous = identity_key(conn, account_id, device_id)?;
    diesel::delete(device_keys::table.find((account_id, device_id))).execute(conn)?;
    diesel::delete(
        ec_pre_keys::table
            .filter(ec_pre_keys::account_id.eq(account_id))
            .filter(ec_pre_keys::device_id.eq(device_id)),
    )
    .execute(conn)?;
    diesel::delete(
        pq_pre_keys::table
            .filter(pq_pre_keys::account_id.eq(account_id))
            .filter(pq_pre_keys::device_id.eq(device_id)),
    )
    .execute(conn)?;
    diesel::insert_into(device_keys::table)
        .values((
            device_keys::account_id.eq(account_id),
            device_keys::device_id.eq(device_id),
            device_keys::identity_key.eq(&keys.identity_key),
            device_keys::registration_id
                .eq(i32::try_from(keys.registration_id).unwrap_or(i32::MAX)),
            device_keys::signed_pre_key_id.eq(i64::from(keys.signed_pre_key.key_id)),
            device_keys::signed_pre_key.eq(&keys.signed_pre_key.public_key),
            device_keys::signed_pre_key_signature.eq(&keys.signed_pre_key.signature),
            device_keys::pq_last_resort_id.eq(i64::from(keys.pq_last_resort_pre_key.key_id)),
            device_keys::pq_last_resort_key.eq(&keys.pq_last_resort_pre_key.public_key),
            device_keys::pq_last_resort_signature.eq(&keys.pq_last_resort_pre_key.signature),
        ))
        .execute(conn)?;
    insert_pre_keys(
        conn,
        account_id,
        device_id,
        &keys.pre_keys,
        &keys.pq_pre_keys,
    )?;
    Ok(previous)
}

/// Adds one-time prekeys and applies a rotated signed or last-resort prekey.
pub fn add_pre_keys(
    conn: &mut DbConn,
    account_id: &AccountId,
    device_id: i32,
    upload: &PreKeyUpload,
) -> QueryResult<()> {
    insert_pre_keys(
        conn,
        account_id,
        device_id,
        &upload.pre_keys,
        &upload.pq_pre_keys,
    )?;
    let this_device = device_keys::table.find((account_id, device_id));
    if let Some(signed) = &upload.signed_pre_key {
        diesel::update(this_device)
            .set((
                device_keys::signed_pre_key_id.eq(i64::from(signed.key_id)),
                device_keys::signed_pre_key.eq(&signed.public_key),
                device_keys::signed_pre_key_signature.eq(&signed.signature),
            ))
            .execute(conn)?;
    }
    if let Some(last_resort) = &upload.pq_last_resort_pre_key {
        diesel::update(this_device)
            .set((
                device_keys::pq_last_resort_id.eq(i64::from(last_resort.key_id)),
                device_keys::pq_last_resort_key.eq(&last_resort.public_key),
                device_keys::pq_last_resort_signature.eq(&last_resort.signature),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// One-time prekeys left: (EC, Kyber).
pub fn count(conn: &mut DbConn, account_id: &AccountId, device_id: i32) -> QueryResult<(i64, i64)> {
    let ec = ec_pre_keys::table
        .filter(ec_pre_keys::account_id.eq(account_id))
        .filter(ec_pre_keys::device_id.eq(device_id))
        .count()
        .get_result(conn)?;
    let pq = pq_pre_keys::table
        .filter(pq_pre_keys::account_id.eq(account_id))
        .filter(pq_pre_keys::device_id.eq(device_id))
        .count()
        .get_result(conn)?;
    Ok((ec, pq))
}

/// The devices of an account that have published keys, with their registration data:
/// (device, registration id, identity key, signed prekey, last-resort Kyber prekey).
pub type PublishedDevice = (i32, i32, Vec<u8>, SignedPreKey, SignedPreKey);

/// device, registration, identity, signed id, signed key, signed signature, last-resort id,
/// last-resort key, last-resort signature.
type KeyRow = (
    i32,
    i32,
    Vec<u8>,
    i64,
    Vec<u8>,
    Vec<u8>,
    i64,
    Vec<u8>,
    Vec<u8>,
);

pub fn published_devices(
    conn: &mut DbConn,
    account_id: &AccountId,
) -> QueryResult<Vec<PublishedDevice>> {
    let rows: Vec<KeyRow> = device_keys::table
        .inner_join(
            devices::table.on(devices::account_id
                .eq(device_keys::account_id)
                .and(devices::device_id.eq(device_keys::device_id))),
        )
        .filter(device_keys::account_id.eq(account_id))
        .order(device_keys::device_id)
        .select((
            device_keys::device_id,
            device_keys::registration_id,
            device_keys::identity_key,
            device_keys::signed_pre_key_id,
            device_keys::signed_pre_key,
            device_keys::signed_pre_key_signature,
            device_keys::pq_last_resort_id,
            device_keys::pq_last_resort_key,
            device_keys::pq_last_resort_signature,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(device, registration, identity, sid, skey, ssig, lid, lkey, lsig)| {
                (
                    device,
                    registration,
                    identity,
                    SignedPreKey {
                        key_id: u32::try_from(sid).unwrap_or_default(),
                        public_key: skey,
                        signature: ssig,
                    },
                    SignedPreKey {
                        key_id: u32::try_from(lid).unwrap_or_default(),
                        public_key: lkey,
                        signature: lsig,
                    },
                )
            },
        )
        .collect())
}

/// Removes and returns one one-time EC prekey. The delete is what claims it: when a concurrent
/// fetch deleted the same key first, this one moves on to the next.
pub fn take_ec_pre_key(
    conn: &mut DbConn,
    account_id: &AccountId,
    device_id: i32,
) -> QueryResult<Option<EcPreKey>> {
    for _ in 0..TAKE_ATTEMPTS {
        let candidate: Option<(i64, Vec<u8>)> = ec_pre_keys::table
            .filter(ec_pre_keys::account_id.eq(account_id))
            .filter(ec_pre_keys::device_id.eq(device_id))
            .order(ec_pre_keys::key_id)
            .select((ec_pre_keys::key_id, ec_pre_keys::public_key))
            .first(conn)
            .optional()?;
        let Some((key_id, public_key)) = candidate else {
            return Ok(None);
        };
        let claimed = diesel::delete(ec_pre_keys::table.find((account_id, device_id, key_id)))
            .execute(conn)?;
        if claimed == 1 {
            return Ok(Some(EcPreKey {
                key_id: u32::try_from(key_id).unwrap_or_default(),
                public_key,
            }));
        }
    }
    Ok(None)
}

/// Removes and returns one one-time Kyber prekey, claimed as in [`take_ec_pre_key`].
pub fn take_pq_pre_key(
    conn: &mut DbConn,
    account_id: &AccountId,
    device_id: i32,
) -> QueryResult<Option<SignedPreKey>> {
    for _ in 0..TAKE_ATTEMPTS {
        let candidate: Option<(i64, Vec<u8>, Vec<u8>)> = pq_pre_keys::table
            .filter(pq_pre_keys::account_id.eq(account_id))
            .filter(pq_pre_keys::device_id.eq(device_id))
            .order(pq_pre_keys::key_id)
            .select((
                pq_pre_keys::key_id,
                pq_pre_keys::public_key,
                pq_pre_keys::signature,
            ))
            .first(conn)
            .optional()?;
        let Some((key_id, public_key, signature)) = candidate else {
            return Ok(None);
        };
        let claimed = diesel::delete(pq_pre_keys::table.find((account_id, device_id, key_id)))
            .execute(conn)?;
        if claimed == 1 {
            return Ok(Some(SignedPreKey {
                key_id: u32::try_from(key_id).unwrap_or_default(),
                public_key,
                signature,
            }));
        }
    }
    Ok(None)
}
