//! Queries over canned replies and their versions.

use crate::db::DbConn;
use crate::db::schema::{canned_replies, canned_reply_versions};
use diesel::prelude::*;
use diesel::result::QueryResult;
use quietline_protocol::{AccountId, OrganisationId};

#[derive(Debug, Clone, Queryable)]
pub struct CannedRow {
    pub id: String,
    pub organisation_id: OrganisationId,
    pub language: String,
    pub title: String,
    pub body: String,
    pub version: i32,
    pub updated_at: i64,
    pub deleted: bool,
}

#[derive(Debug, Clone, Queryable)]
pub struct VersionRow {
    pub reply_id: String,
    pub version: i32,
    pub language: String,
    pub title: String,
    pub body: String,
    pub deleted: bool,
    pub edited_by: AccountId,
    pub edited_at: i64,
}

pub fn insert(conn: &mut DbConn, row: &CannedRow) -> QueryResult<()> {
    diesel::insert_into(canned_replies::table)
        .values((
            canned_replies::id.eq(&row.id),
            canned_replies::organisation_id.eq(&row.organisation_id),
            canned_replies::language.eq(&row.language),
            canned_replies::title.eq(&row.title),
            canned_replies::body.eq(&row.body),
            canned_replies::version.eq(row.version),
            canned_replies::updated_at.eq(row.updated_at),
            canned_replies::deleted.eq(row.deleted),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Replaces the content of a reply if it is still at `expected_version`; the version goes up by
/// one. Only one of concurrent edits of the same version succeeds.
pub fn update(conn: &mut DbConn, row: &CannedRow, expected_version: i32) -> QueryResult<bool> {
    diesel::update(
        canned_replies::table
            .find(&row.id)
            .filter(canned_replies::version.eq(expected_version))
            .filter(canned_replies::deleted.eq(false)),
    )
    .set((
        canned_replies::language.eq(&row.language),
        canned_replies::title.eq(&row.title),
        canned_replies::body.eq(&row.body),
        canned_replies::version.eq(row.version),
        canned_replies::updated_at.eq(row.updated_at),
        canned_replies::deleted.eq(row.deleted),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn record_version(
    conn: &mut DbConn,
    row: &CannedRow,
    edited_by: &AccountId,
) -> QueryResult<()> {
    diesel::insert_into(canned_reply_versions::table)
        .values((
            canned_reply_versions::reply_id.eq(&row.id),
            canned_reply_versions::version.eq(row.version),
            canned_reply_versions::language.eq(&row.language),
            canned_reply_versions::title.eq(&row.title),
            canned_reply_versions::body.eq(&row.body),
            canned_reply_versions::deleted.eq(row.deleted),
            canned_reply_versions::edited_by.eq(edited_by),
            canned_reply_versions::edited_at.eq(row.updated_at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<CannedRow>> {
    canned_replies::table.find(id).first(conn).optional()
}

/// An organisation's replies, by language then title.
pub fn list(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    include_deleted: bool,
) -> QueryResult<Vec<CannedRow>> {
    let mut query = canned_replies::table
        .filter(canned_replies::organisation_id.eq(organisation_id))
        .order((
            canned_replies::language,
            canned_replies::title,
            canned_replies::id,
        ))
        .into_boxed();
    if !include_deleted {
        query = query.filter(canned_replies::deleted.eq(false));
    }
    query.load(conn)
}

pub fn versions(conn: &mut DbConn, reply_id: &str) -> QueryResult<Vec<VersionRow>> {
    canned_reply_versions::table
        .filter(canned_reply_versions::reply_id.eq(reply_id))
        .order(canned_reply_versions::version)
        .load(conn)
}
