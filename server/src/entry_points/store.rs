//! Queries over entry points.

use crate::db::DbConn;
use crate::db::schema::{accounts, entry_points};
use diesel::prelude::*;
use diesel::result::QueryResult;

/// id, organisation, label, default language, topics (JSON), created at.
pub type EntryPointRow = (String, String, String, String, String, i64);

pub fn insert(conn: &mut DbConn, row: &EntryPointRow, code_hash: &str) -> QueryResult<()> {
    diesel::insert_into(entry_points::table)
        .values((
            entry_points::id.eq(&row.0),
            entry_points::organisation_id.eq(&row.1),
            entry_points::code_hash.eq(code_hash),
            entry_points::label.eq(&row.2),
            entry_points::default_language.eq(&row.3),
            entry_points::topics.eq(&row.4),
            entry_points::created_at.eq(row.5),
        ))
        .execute(conn)
        .map(|_| ())
}

const COLUMNS: (
    entry_points::id,
    entry_points::organisation_id,
    entry_points::label,
    entry_points::default_language,
    entry_points::topics,
    entry_points::created_at,
) = (
    entry_points::id,
    entry_points::organisation_id,
    entry_points::label,
    entry_points::default_language,
    entry_points::topics,
    entry_points::created_at,
);

pub fn list(conn: &mut DbConn, organisation_id: &str) -> QueryResult<Vec<EntryPointRow>> {
    entry_points::table
        .filter(entry_points::organisation_id.eq(organisation_id))
        .order(entry_points::created_at)
        .select(COLUMNS)
        .load(conn)
}

pub fn find_by_code_hash(conn: &mut DbConn, code_hash: &str) -> QueryResult<Option<EntryPointRow>> {
    entry_points::table
        .filter(entry_points::code_hash.eq(code_hash))
        .select(COLUMNS)
        .first(conn)
        .optional()
}

pub fn delete(conn: &mut DbConn, organisation_id: &str, id: &str) -> QueryResult<usize> {
    diesel::delete(
        entry_points::table
            .filter(entry_points::organisation_id.eq(organisation_id))
            .filter(entry_points::id.eq(id)),
    )
    .execute(conn)
}

pub fn link_account(conn: &mut DbConn, account_id: &str, entry_point_id: &str) -> QueryResult<()> {
    diesel::update(accounts::table.find(account_id))
        .set(accounts::entry_point_id.eq(Some(entry_point_id)))
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<EntryPointRow>> {
    entry_points::table
        .find(id)
        .select(COLUMNS)
        .first(conn)
        .optional()
}

pub fn of_account(conn: &mut DbConn, account_id: &str) -> QueryResult<Option<String>> {
    accounts::table
        .find(account_id)
        .select(accounts::entry_point_id)
        .first::<Option<String>>(conn)
        .optional()
        .map(Option::flatten)
}
