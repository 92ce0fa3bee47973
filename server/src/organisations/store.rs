//! Queries over organisations, invites and members.

use crate::db::DbConn;
use crate::db::schema::{
    accounts, credentials, invites, organisation_partners, organisations, totp_resets,
};
use diesel::prelude::*;
use diesel::result::QueryResult;
use quietline_protocol::api::Role;
use quietline_protocol::{AccountId, OrganisationId};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: OrganisationId,
    pub name: String,
    pub default_language: String,
    pub created_at: i64,
    /// The longest disappearing timer its conversations may have, if it sets one.
    pub disappearing_seconds: Option<i64>,
}

pub fn insert_organisation(conn: &mut DbConn, row: &OrganisationRow) -> QueryResult<()> {
    diesel::insert_into(organisations::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn name_exists(conn: &mut DbConn, name: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        organisations::table.filter(organisations::name.eq(name)),
    ))
    .get_result(conn)
}

pub fn find_organisation(
    conn: &mut DbConn,
    id: &OrganisationId,
) -> QueryResult<Option<OrganisationRow>> {
    organisations::table.find(id).first(conn).optional()
}

pub fn list_organisations(
    conn: &mut DbConn,
    only: Option<&OrganisationId>,
) -> QueryResult<Vec<OrganisationRow>> {
    let mut query = organisations::table.order(organisations::name).into_boxed();
    if let Some(id) = only {
        query = query.filter(organisations::id.eq(id.to_string()));
    }
    query.load(conn)
}

pub fn insert_invite(
    conn: &mut DbConn,
    code_hash: &str,
    organisation_id: &OrganisationId,
    role: Role,
    expires_at: i64,
) -> QueryResult<()> {
    diesel::insert_into(invites::table)
        .values((
            invites::code_hash.eq(code_hash),
            invites::organisation_id.eq(organisation_id),
            invites::role.eq(role),
            invites::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// An organisation's unexpired invites: (code hash, role, expiry), soonest to expire first.
pub fn pending_invites(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    now: i64,
) -> QueryResult<Vec<(String, Role, i64)>> {
    invites::table
        .filter(invites::organisation_id.eq(organisation_id))
        .filter(invites::expires_at.gt(now))
        .select((invites::code_hash, invites::role, invites::expires_at))
        .order(invites::expires_at)
        .load(conn)
}

/// Deletes one of an organisation's invites by its code hash; how many went.
pub fn delete_invite(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    code_hash: &str,
) -> QueryResult<usize> {
    diesel::delete(
        invites::table
            .filter(invites::organisation_id.eq(organisation_id))
            .filter(invites::code_hash.eq(code_hash)),
    )
    .execute(conn)
}

/// Whether an unexpired invite of `role` has this code hash (without taking it).
pub fn invite_is_open(
    conn: &mut DbConn,
    code_hash: &str,
    role: Role,
    now: i64,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        invites::table
            .filter(invites::code_hash.eq(code_hash))
            .filter(invites::role.eq(role))
            .filter(invites::expires_at.gt(now)),
    ))
    .get_result(conn)
}

/// Consumes an unexpired invite of `role`: returns its organisation, or `None` when there is no
/// such invite. Deleting it is what makes it single use, even under concurrent redemption.
pub fn take_invite(
    conn: &mut DbConn,
    code_hash: &str,
    role: Role,
    now: i64,
) -> QueryResult<Option<OrganisationId>> {
    let found: Option<OrganisationId> = invites::table
        .filter(invites::code_hash.eq(code_hash))
        .filter(invites::role.eq(role))
        .filter(invites::expires_at.gt(now))
        .select(invites::organisation_id)
        .first(conn)
        .optional()?;
    let Some(organisation_id) = found else {
        return Ok(None);
    };
    let deleted =
        diesel::delete(invites::table.filter(invites::code_hash.eq(code_hash))).execute(conn)?;
    Ok((deleted == 1).then_some(organisation_id))
}

/// Workers and administrators of an organisation: (account, role, handle, TOTP active).
pub fn list_members(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
) -> QueryResult<Vec<(AccountId, Role, String, bool)>> {
    accounts::table
        .inner_join(credentials::table)
        .filter(accounts::organisation_id.eq(organisation_id))
        .select((
            accounts::id,
            accounts::role,
            credentials::handle,
            credentials::totp_confirmed,
        ))
        .order(credentials::handle)
        .load(conn)
}

/// Whether `account_id` is a worker or administrator of `organisation_id`.
pub fn is_member(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    account_id: &AccountId,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        accounts::table
            .filter(accounts::id.eq(account_id))
            .filter(accounts::organisation_id.eq(organisation_id)),
    ))
    .get_result(conn)
}

pub fn set_disappearing(
    conn: &mut DbConn,
    id: &OrganisationId,
    seconds: Option<i64>,
) -> QueryResult<usize> {
    diesel::update(organisations::table.find(id))
        .set(organisations::disappearing_seconds.eq(seconds))
        .execute(conn)
}

/// The partners an organisation declares: (id, name, whether the partner declares it too).
pub fn partners(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
) -> QueryResult<Vec<(OrganisationId, String, bool)>> {
    let declared: Vec<(OrganisationId, String)> = organisation_partners::table
        .inner_join(
            organisations::table.on(organisations::id.eq(organisation_partners::partner_id)),
        )
        .filter(organisation_partners::organisation_id.eq(organisation_id))
        .order(organisations::name)
        .select((organisations::id, organisations::name))
        .load(conn)?;
    let declaring_us: Vec<OrganisationId> = organisation_partners::table
        .filter(organisation_partners::partner_id.eq(organisation_id))
        .select(organisation_partners::organisation_id)
        .load(conn)?;
    Ok(declared
        .into_iter()
        .map(|(id, name)| {
            let mutual = declaring_us.contains(&id);
            (id, name, mutual)
        })
        .collect())
}

pub fn set_partners(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    partners: &[OrganisationId],
) -> QueryResult<()> {
    diesel::delete(
        organisation_partners::table
            .filter(organisation_partners::organisation_id.eq(organisation_id)),
    )
    .execute(conn)?;
    for partner in partners {
        diesel::insert_into(organisation_partners::table)
            .values((
                organisation_partners::organisation_id.eq(organisation_id),
                organisation_partners::partner_id.eq(partner),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether two organisations have declared each other partners.
pub fn mutual_partners(
    conn: &mut DbConn,
    a: &OrganisationId,
    b: &OrganisationId,
) -> QueryResult<bool> {
    let declared: i64 = organisation_partners::table
        .filter(
            organisation_partners::organisation_id
                .eq(a)
                .and(organisation_partners::partner_id.eq(b))
                .or(organisation_partners::organisation_id
                    .eq(b)
                    .and(organisation_partners::partner_id.eq(a))),
        )
        .count()
        .get_result(conn)?;
    Ok(declared == 2)
}

/// Who asked for a reset of this account's second factor, if the request has not expired.
pub fn pending_totp_reset(
    conn: &mut DbConn,
    account_id: &AccountId,
    now: i64,
) -> QueryResult<Option<String>> {
    totp_resets::table
        .find(account_id)
        .filter(totp_resets::expires_at.gt(now))
        .select(totp_resets::requested_by)
        .first(conn)
        .optional()
}

/// Asks for a reset, replacing an expired request.
pub fn request_totp_reset(
    conn: &mut DbConn,
    account_id: &AccountId,
    requested_by: &str,
    expires_at: i64,
) -> QueryResult<()> {
    clear_totp_reset(conn, account_id)?;
    diesel::insert_into(totp_resets::table)
        .values((
            totp_resets::account_id.eq(account_id),
            totp_resets::requested_by.eq(requested_by),
            totp_resets::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn clear_totp_reset(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<()> {
    diesel::delete(totp_resets::table.find(account_id)).execute(conn)?;
    Ok(())
}
