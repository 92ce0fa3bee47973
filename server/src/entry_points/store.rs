//! Queries over entry points.

use crate::db::DbConn;
use crate::db::schema::{accounts, decoy_content, entry_points};
use diesel::prelude::*;
use diesel::result::QueryResult;
use quietline_protocol::decoys::DisguiseTheme;
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
    pub theme: DisguiseTheme,
    pub public_slug: String,
    /// Argon2 hash of the word that opens the web entry; none while it is closed.
    pub unlock_hash: Option<String>,
}

/// Decoy content an administrator curated for one language (JSON of a `DecoyContent`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = decoy_content)]
pub struct DecoyRow {
    pub entry_point_id: EntryPointId,
    pub language: String,
    pub content: String,
    pub updated_at: i64,
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
    if find_in(conn, organisation_id, id)?.is_none() {
        return Ok(0);
    }
    diesel::delete(decoy_content::table.filter(decoy_content::entry_point_id.eq(id)))
        .execute(conn)?;
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

/// Sets (or with `None` clears) the hash of the word that opens the entry point's web entry.
pub fn set_unlock_hash(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    id: &EntryPointId,
    hash: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(
        entry_points::table
            .filter(entry_points::organisation_id.eq(organisation_id))
            .filter(entry_points::id.eq(id)),
    )
    .set(entry_points::unlock_hash.eq(hash))
    .execute(conn)
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<EntryPointRow>> {
    entry_points::table
        .filter(entry_points::public_slug.eq(slug))
        .select(EntryPointRow::as_select())
        .first(conn)
        .optional()
}

/// One entry point of an organisation.
pub fn find_in(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    id: &EntryPointId,
) -> QueryResult<Option<EntryPointRow>> {
    entry_points::table
        .filter(entry_points::organisation_id.eq(organisation_id))
        .filter(entry_points::id.eq(id))
        .select(EntryPointRow::as_select())
        .first(conn)
        .optional()
}

/// An entry point's curated decoy content, every language.
pub fn decoys(conn: &mut DbConn, id: &EntryPointId) -> QueryResult<Vec<DecoyRow>> {
    decoy_content::table
        .filter(decoy_content::entry_point_id.eq(id))
        .order(decoy_content::language)
        .select(DecoyRow::as_select())
        .load(conn)
}

/// Replaces the decoy content of one language.
pub fn put_decoy(conn: &mut DbConn, row: &DecoyRow) -> QueryResult<()> {
    delete_decoy(conn, &row.entry_point_id, &row.language)?;
    diesel::insert_into(decoy_content::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn delete_decoy(conn: &mut DbConn, id: &EntryPointId, language: &str) -> QueryResult<usize> {
    diesel::delete(
        decoy_content::table
            .filter(decoy_content::entry_point_id.eq(id))
            .filter(decoy_content::language.eq(language)),
    )
    .execute(conn)
}
