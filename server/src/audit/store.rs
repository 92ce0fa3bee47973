//! Queries over the audit log. Only appends and reads: nothing here updates or deletes an entry.

use crate::db::DbConn;
use crate::db::schema::{audit_head, audit_log, credentials};
use diesel::prelude::*;
use diesel::result::QueryResult;
use quietline_protocol::OrganisationId;
use quietline_protocol::api::AuditEntry;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub organisation_id: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Takes the next number and the current head's hash. The update takes the head's row lock
/// first (PostgreSQL) or the write lock (SQLite), so concurrent appends queue rather than fork
/// the chain.
pub fn advance_head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
    crate::on_backend!(conn, |c| diesel::update(audit_head::table.find(1))
        .set(audit_head::seq.eq(audit_head::seq + 1))
        .returning((audit_head::seq, audit_head::hash))
        .get_result(c))
}

pub fn insert(conn: &mut DbConn, row: &AuditRow, hash: &str) -> QueryResult<()> {
    crate::on_backend!(conn, |c| diesel::insert_into(audit_log::table)
        .values((
            audit_log::seq.eq(row.seq),
            audit_log::at.eq(row.at),
            audit_log::actor.eq(&row.actor),
            audit_log::organisation_id.eq(&row.organisation_id),
            audit_log::action.eq(&row.action),
            audit_log::target.eq(&row.target),
            audit_log::prev_hash.eq(&row.prev_hash),
            audit_log::hash.eq(hash),
        ))
        .execute(c))?;
    crate::on_backend!(conn, |c| diesel::update(audit_head::table.find(1))
        .set(audit_head::hash.eq(hash))
        .execute(c))?;
    Ok(())
}

/// Entries after `after`, in order.
pub fn page(conn: &mut DbConn, after: i64, limit: i64) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::seq.gt(after))
        .order(audit_log::seq.asc())
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)
}

pub fn head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
    audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash))
        .get_result(conn)
}

/// Which entries to read.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// One organisation's entries only (an organisation administrator's view).
    pub organisation_id: Option<OrganisationId>,
    /// An account id, or `operator`.
    pub actor: Option<String>,
    /// An action's name, or its prefix up to a dot (`card.`).
    pub action: Option<String>,
    /// From this time (inclusive) …
    pub since: Option<i64>,
    /// … to this one (exclusive).
    pub until: Option<i64>,
    /// Entries numbered below this (the next page, newest first).
    pub before: Option<i64>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConn, filter: &Filter) -> QueryResult<Vec<AuditEntry>> {
    let mut query = audit_log::table
        .left_join(credentials::table.on(credentials::account_id.eq(audit_log::actor)))
        .select((AuditRow::as_select(), credentials::handle.nullable()))
        .order(audit_log::seq.desc())
        .limit(filter.limit)
        .into_boxed();
    if let Some(organisation) = &filter.organisation_id {
        query = query.filter(audit_log::organisation_id.eq(organisation.0.clone()));
    }
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_log::actor.eq(actor.clone()));
    }
    if let Some(action) = &filter.action {
        query = if action.ends_with('.') {
            // Names are [a-z_.] only, so a prefix has no pattern characters to escape.
            query.filter(audit_log::action.like(format!("{action}%")))
        } else {
            query.filter(audit_log::action.eq(action.clone()))
        };
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_log::at.ge(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_log::at.lt(until));
    }
    if let Some(before) = filter.before {
        query = query.filter(audit_log::seq.lt(before));
    }
    let rows: Vec<(AuditRow, Option<String>)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(row, handle)| AuditEntry {
            seq: u64::try_from(row.seq).unwrap_or_default(),
            at: row.at,
            actor: row.actor,
            actor_handle: handle,
            organisation_id: row.organisation_id.map(OrganisationId),
            action: row.action,
            target: row.target,
            hash: row.hash,
        })
        .collect())
}
