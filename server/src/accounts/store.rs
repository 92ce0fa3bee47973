//! Queries over accounts, credentials, devices and sessions. Every function runs inside the
//! caller's connection or transaction.

use crate::db::DbConn;
use crate::db::schema::{
    accounts, credentials, deactivated_members, devices, instance_setup, member_languages,
    recovery_codes, refresh_tokens, seeker_recovery, sessions,
};
use diesel::prelude::*;
use diesel::result::QueryResult;
use quietline_protocol::api::Role;
use quietline_protocol::{AccountId, EntryPointId, OrganisationId};

#[derive(Debug, Clone, Queryable)]
pub struct AccountRow {
    pub id: AccountId,
    pub role: Role,
    pub organisation_id: Option<OrganisationId>,
    pub instance_admin: bool,
    pub created_day: i64,
    pub active_day: i64,
    pub entry_point_id: Option<EntryPointId>,
}

#[derive(Debug, Clone, Queryable)]
pub struct CredentialRow {
    pub account_id: AccountId,
    pub handle: String,
    pub passphrase_hash: String,
    pub totp_sealed: Option<Vec<u8>>,
    pub totp_confirmed: bool,
    pub totp_last_step: i64,
}

pub fn insert_account(
    conn: &mut DbConn,
    id: &AccountId,
    role: Role,
    organisation_id: Option<&OrganisationId>,
    instance_admin: bool,
    day: i64,
) -> QueryResult<()> {
    diesel::insert_into(accounts::table)
        .values((
            accounts::id.eq(id),
            accounts::role.eq(role),
            accounts::organisation_id.eq(organisation_id),
            accounts::instance_admin.eq(instance_admin),
            accounts::created_day.eq(day),
            accounts::active_day.eq(day),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find_account(conn: &mut DbConn, id: &AccountId) -> QueryResult<Option<AccountRow>> {
    accounts::table.find(id).first(conn).optional()
}

pub fn touch_account(conn: &mut DbConn, id: &AccountId, day: i64) -> QueryResult<()> {
    diesel::update(
        accounts::table
            .find(id)
            .filter(accounts::active_day.lt(day)),
    )
    .set(accounts::active_day.eq(day))
    .execute(conn)
    .map(|_| ())
}

/// Deletes the account; devices, sessions, tokens, credentials and languages go with it by
/// cascade, in the caller's transaction.
pub fn delete_account(conn: &mut DbConn, id: &AccountId) -> QueryResult<usize> {
    diesel::delete(accounts::table.find(id)).execute(conn)
}

pub fn count_instance_admins(conn: &mut DbConn) -> QueryResult<i64> {
    accounts::table
        .filter(accounts::instance_admin.eq(true))
        .count()
        .get_result(conn)
}

pub fn count_admins(conn: &mut DbConn) -> QueryResult<i64> {
    accounts::table
        .filter(accounts::role.eq(Role::Admin))
        .count()
        .get_result(conn)
}

pub fn insert_credentials(
    conn: &mut DbConn,
    account_id: &AccountId,
    handle: &str,
    passphrase_hash: &str,
    totp_sealed: Option<&[u8]>,
) -> QueryResult<()> {
    diesel::insert_into(credentials::table)
        .values((
            credentials::account_id.eq(account_id),
            credentials::handle.eq(handle),
            credentials::passphrase_hash.eq(passphrase_hash),
            credentials::totp_sealed.eq(totp_sealed),
            credentials::totp_confirmed.eq(false),
            credentials::totp_last_step.eq(0i64),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn handle_exists(conn: &mut DbConn, handle: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        credentials::table.filter(credentials::handle.eq(handle)),
    ))
    .get_result(conn)
}

pub fn find_credentials_by_handle(
    conn: &mut DbConn,
    handle: &str,
) -> QueryResult<Option<(CredentialRow, AccountRow)>> {
    credentials::table
        .inner_join(accounts::table)
        .filter(credentials::handle.eq(handle))
        .first(conn)
        .optional()
}

pub fn find_credentials(
    conn: &mut DbConn,
    account_id: &AccountId,
) -> QueryResult<Option<CredentialRow>> {
    credentials::table.find(account_id).first(conn).optional()
}

/// The handle of a worker or administrator.
pub fn handle_of(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<Option<String>> {
    credentials::table
        .find(account_id)
        .select(credentials::handle)
        .first(conn)
        .optional()
}

/// Replaces an account's recovery codes (hashes).
pub fn replace_recovery_codes(
    conn: &mut DbConn,
    account_id: &AccountId,
    hashes: &[String],
) -> QueryResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::account_id.eq(account_id)))
        .execute(conn)?;
    for hash in hashes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::account_id.eq(account_id),
                recovery_codes::code_hash.eq(hash),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Uses up a recovery code: true when it was one of the account's (and is gone now).
pub fn spend_recovery_code(
    conn: &mut DbConn,
    account_id: &AccountId,
    hash: &str,
) -> QueryResult<bool> {
    diesel::delete(
        recovery_codes::table
            .filter(recovery_codes::account_id.eq(account_id))
            .filter(recovery_codes::code_hash.eq(hash)),
    )
    .execute(conn)
    .map(|n| n == 1)
}

/// Removes a second factor and its recovery codes (an operator's reset for a lost one).
pub fn clear_totp(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<()> {
    diesel::update(credentials::table.find(account_id))
        .set((
            credentials::totp_sealed.eq(None::<Vec<u8>>),
            credentials::totp_confirmed.eq(false),
        ))
        .execute(conn)?;
    replace_recovery_codes(conn, account_id, &[])
}

pub fn set_totp(conn: &mut DbConn, account_id: &AccountId, sealed: &[u8]) -> QueryResult<()> {
    diesel::update(credentials::table.find(account_id))
        .set((
            credentials::totp_sealed.eq(Some(sealed)),
            credentials::totp_confirmed.eq(false),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Records an accepted TOTP step; false when a code of that step or a later one was already
/// accepted (a replay racing the first use).
pub fn accept_totp_step(conn: &mut DbConn, account_id: &AccountId, step: i64) -> QueryResult<bool> {
    diesel::update(
        credentials::table
            .find(account_id)
            .filter(credentials::totp_last_step.lt(step)),
    )
    .set((
        credentials::totp_last_step.eq(step),
        credentials::totp_confirmed.eq(true),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn set_languages(
    conn: &mut DbConn,
    account_id: &AccountId,
    languages: &[String],
) -> QueryResult<()> {
    diesel::delete(member_languages::table.filter(member_languages::account_id.eq(account_id)))
        .execute(conn)?;
    for language in languages {
        diesel::insert_into(member_languages::table)
            .values((
                member_languages::account_id.eq(account_id),
                member_languages::language.eq(language),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn languages(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<Vec<String>> {
    member_languages::table
        .filter(member_languages::account_id.eq(account_id))
        .select(member_languages::language)
        .order(member_languages::language)
        .load(conn)
}

/// Adds a device with the next unused number. Numbers are never reused, so a removed device's
/// number cannot be mistaken for a new one by peers.
/// Adds a device under the lowest number the account does not use (1 to `max_number`), so that
/// numbers freed by removed devices serve again; `None` when the account is gone or every
/// number is taken.
pub fn add_device(
    conn: &mut DbConn,
    account_id: &AccountId,
    name: Option<&str>,
    day: i64,
    max_number: i32,
) -> QueryResult<Option<i32>> {
    if find_account(conn, account_id)?.is_none() {
        return Ok(None);
    }
    let used: Vec<i32> = devices::table
        .filter(devices::account_id.eq(account_id))
        .select(devices::device_id)
        .order(devices::device_id)
        .load(conn)?;
    let Some(device_id) = (1..=max_number).find(|n| used.binary_search(n).is_err()) else {
        return Ok(None);
    };
    diesel::insert_into(devices::table)
        .values((
            devices::account_id.eq(account_id),
            devices::device_id.eq(device_id),
            devices::name.eq(name),
            devices::created_day.eq(day),
        ))
        .execute(conn)?;
    Ok(Some(device_id))
}

/// Whether the account has this device.
pub fn has_device(conn: &mut DbConn, account_id: &AccountId, device_id: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        devices::table
            .filter(devices::account_id.eq(account_id))
            .filter(devices::device_id.eq(device_id)),
    ))
    .get_result(conn)
}

/// Ends every session of one device (signing in again on it replaces them).
/// Whether the session exists, belongs to the account's device and has not expired.
pub fn session_is_live(
    conn: &mut DbConn,
    session_id: &str,
    account_id: &AccountId,
    device_id: i32,
    now: i64,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        sessions::table
            .filter(sessions::id.eq(session_id))
            .filter(sessions::account_id.eq(account_id))
            .filter(sessions::device_id.eq(device_id))
            .filter(sessions::expires_at.gt(now)),
    ))
    .get_result(conn)
}

pub fn delete_device_sessions(
    conn: &mut DbConn,
    account_id: &AccountId,
    device_id: i32,
) -> QueryResult<usize> {
    diesel::delete(
        sessions::table
            .filter(sessions::account_id.eq(account_id))
            .filter(sessions::device_id.eq(device_id)),
    )
    .execute(conn)
}

pub fn count_devices(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<i64> {
    devices::table
        .filter(devices::account_id.eq(account_id))
        .count()
        .get_result(conn)
}

/// The account's lowest-numbered device.
pub fn first_device(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<Option<i32>> {
    devices::table
        .filter(devices::account_id.eq(account_id))
        .select(devices::device_id)
        .order(devices::device_id)
        .first(conn)
        .optional()
}

pub fn list_devices(
    conn: &mut DbConn,
    account_id: &AccountId,
) -> QueryResult<Vec<(i32, Option<String>, i64)>> {
    devices::table
        .filter(devices::account_id.eq(account_id))
        .select((devices::device_id, devices::name, devices::created_day))
        .order(devices::device_id)
        .load(conn)
}

pub fn delete_device(
    conn: &mut DbConn,
    account_id: &AccountId,
    device_id: i32,
) -> QueryResult<usize> {
    diesel::delete(
        devices::table
            .filter(devices::account_id.eq(account_id))
            .filter(devices::device_id.eq(device_id)),
    )
    .execute(conn)
}

pub fn insert_session(
    conn: &mut DbConn,
    id: &str,
    account_id: &AccountId,
    device_id: i32,
    expires_at: i64,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::account_id.eq(account_id),
            sessions::device_id.eq(device_id),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn extend_session(conn: &mut DbConn, id: &str, expires_at: i64) -> QueryResult<()> {
    diesel::update(sessions::table.find(id))
        .set(sessions::expires_at.eq(expires_at))
        .execute(conn)
        .map(|_| ())
}

pub fn delete_session(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(id)).execute(conn)
}

pub fn insert_refresh_token(
    conn: &mut DbConn,
    hash: &str,
    session_id: &str,
    expires_at: i64,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(hash),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::spent.eq(false),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The refresh token's session and account: (session id, device id, expiry, account).
pub fn find_refresh_token(
    conn: &mut DbConn,
    hash: &str,
) -> QueryResult<Option<(String, i32, i64, AccountRow)>> {
    refresh_tokens::table
        .inner_join(sessions::table)
        .inner_join(accounts::table.on(accounts::id.eq(sessions::account_id)))
        .filter(refresh_tokens::token_hash.eq(hash))
        .select((
            sessions::id,
            sessions::device_id,
            refresh_tokens::expires_at,
            accounts::all_columns,
        ))
        .first(conn)
        .optional()
}

/// Marks a refresh token spent; false if it already was (the token is being reused).
pub fn spend_refresh_token(conn: &mut DbConn, hash: &str) -> QueryResult<bool> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(hash))
            .filter(refresh_tokens::spent.eq(false)),
    )
    .set(refresh_tokens::spent.eq(true))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn setup_token_hash(conn: &mut DbConn) -> QueryResult<Option<String>> {
    instance_setup::table
        .select(instance_setup::token_hash)
        .first(conn)
        .optional()
}

pub fn replace_setup_token(conn: &mut DbConn, hash: Option<&str>) -> QueryResult<()> {
    diesel::delete(instance_setup::table).execute(conn)?;
    if let Some(hash) = hash {
        diesel::insert_into(instance_setup::table)
            .values((
                instance_setup::id.eq(1),
                instance_setup::token_hash.eq(hash),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether an administrator deactivated this member.
pub fn is_deactivated(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        deactivated_members::table.find(account_id),
    ))
    .get_result(conn)
}

/// Deactivates a member (again, harmlessly) and ends every session of theirs.
pub fn deactivate(conn: &mut DbConn, account_id: &AccountId, day: i64) -> QueryResult<()> {
    if !is_deactivated(conn, account_id)? {
        diesel::insert_into(deactivated_members::table)
            .values((
                deactivated_members::account_id.eq(account_id),
                deactivated_members::deactivated_day.eq(day),
            ))
            .execute(conn)?;
    }
    diesel::delete(sessions::table.filter(sessions::account_id.eq(account_id))).execute(conn)?;
    Ok(())
}

pub fn reactivate(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<usize> {
    diesel::delete(deactivated_members::table.find(account_id)).execute(conn)
}

/// Sets the account's recovery, replacing any earlier one.
pub fn replace_seeker_recovery(
    conn: &mut DbConn,
    account_id: &AccountId,
    lookup_hash: &str,
    key_hash: &str,
) -> QueryResult<()> {
    diesel::delete(seeker_recovery::table.filter(seeker_recovery::account_id.eq(account_id)))
        .execute(conn)?;
    diesel::insert_into(seeker_recovery::table)
        .values((
            seeker_recovery::lookup_hash.eq(lookup_hash),
            seeker_recovery::account_id.eq(account_id),
            seeker_recovery::key_hash.eq(key_hash),
        ))
        .execute(conn)?;
    Ok(())
}

/// The account a recovery lookup belongs to, with the hash of its key.
pub fn find_seeker_recovery(
    conn: &mut DbConn,
    lookup_hash: &str,
) -> QueryResult<Option<(AccountId, String)>> {
    seeker_recovery::table
        .find(lookup_hash)
        .select((seeker_recovery::account_id, seeker_recovery::key_hash))
        .first::<(String, String)>(conn)
        .optional()
        .map(|found| found.map(|(account, key)| (AccountId(account), key)))
}
