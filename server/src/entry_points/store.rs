//! Queries over entry points.

use crate::db::DbConn;
use crate::db::schema::{accounts, entry_points};
use diesel::prelude::*;
use diesel::result::QueryResult;
use quietline_protocol::{AccountId, EntryPointId, OrganisationId};

/// An entry point as stored, without its code's hash.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = entry_points)]
pub struct EntryPointRow {
    pub id: EntryPointId,
    pub organisation_id: OrganisationId,
    pub label: String,
    pub default_language: String,
    /// JSON list.
    pub topics: String,
    pub created_at: i64,
}

pub fn insert(conn: &mut DbConn, row: &EntryPointRow, code_hash: &str) -> QueryResult<()> {
    diesel::insert_into(entry_points::table)
        .values((row, entry_points::code_hash.eq(code_hash)))
        .execute(conn)
        .map(|_| ())
}

pub fn list(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
) -> QueryResult<Vec<EntryPointRow>> {
    entry_points::table
        .filter(entry_points::organisation_id.eq(organisation_id))
        .order(entry_points::created_at)
        .select(EntryPointRow::as_select())
        .load(conn)
}

pub fn find_by_code_hash(conn: &mut DbConn, code_hash: &str) -> QueryResult<Option<EntryPointRow>> {
    entry_points::table
        .filter(entry_points::code_hash.eq(code_hash))
        .select(EntryPointRow::as_select())
        .first(conn)
        .optional()
}

pub fn delete(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    id: &EntryPointId,
) -> QueryResult<usize> {
    diesel::delete(
        entry_points::table
            .filter(entry_points::organisation_id.eq(organisation_id))
            .filter(entry_points::id.eq(id)),
    )
    .execute(conn)
}

pub fn link_account(
    conn: &mut DbConn,
    account_id: &AccountId,
    entry_point_id: &EntryPointId,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(account_id))
        .set(accounts::entry_point_id.eq(Some(entry_point_id)))
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &EntryPointId) -> QueryResult<Option<EntryPointRow>> {
    entry_points::table
        .find(id)
        .select(EntryPointRow::as_select())
        .first(conn)
        .optional()
}

pub fn of_account(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<Option<EntryPointId>> {
    accounts::table
        .find(account_id)
        .select(accounts::entry_point_id)
        .first::<Option<EntryPointId>>(conn)
        .optional()
        .map(Option::flatten)
}
