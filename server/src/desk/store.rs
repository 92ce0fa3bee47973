//! Queries over workers' availability.

use crate::db::DbConn;
use crate::db::schema::{accounts, member_languages, worker_availability};
use diesel::prelude::*;
use diesel::result::QueryResult;
use quietline_protocol::api::Role;
use quietline_protocol::{AccountId, OrganisationId};

/// A worker's availability: (available, max_active). Without a row, away and without a limit.
pub fn availability(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<(bool, Option<i32>)> {
    Ok(worker_availability::table
        .find(account_id)
        .select((
            worker_availability::available,
            worker_availability::max_active,
        ))
        .first(conn)
        .optional()?
        .unwrap_or((false, None)))
}

pub fn set_availability(
    conn: &mut DbConn,
    account_id: &AccountId,
    available: bool,
    max_active: Option<i32>,
    now: i64,
) -> QueryResult<()> {
    diesel::delete(worker_availability::table.find(account_id)).execute(conn)?;
    diesel::insert_into(worker_availability::table)
        .values((
            worker_availability::account_id.eq(account_id),
            worker_availability::available.eq(available),
            worker_availability::max_active.eq(max_active),
            worker_availability::changed_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Takes the row lock on a worker's availability (PostgreSQL), so that two claims by the same
/// worker cannot both pass the limit check. SQLite serialises writers already.
pub fn lock(conn: &mut DbConn, account_id: &AccountId) -> QueryResult<()> {
    diesel::update(worker_availability::table.find(account_id))
        .set(worker_availability::changed_at.eq(worker_availability::changed_at))
        .execute(conn)
        .map(|_| ())
}

/// An available worker: account id, limit on active conversations, languages spoken.
pub type AvailableWorker = (AccountId, Option<i32>, Vec<String>);

/// The available workers of an organisation with their limits and languages.
pub fn available_workers(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
) -> QueryResult<Vec<AvailableWorker>> {
    let workers: Vec<(AccountId, Option<i32>)> = worker_availability::table
        .inner_join(accounts::table)
        .filter(accounts::organisation_id.eq(organisation_id))
        .filter(accounts::role.eq(Role::Worker))
        .filter(worker_availability::available.eq(true))
        .select((
            worker_availability::account_id,
            worker_availability::max_active,
        ))
        .load(conn)?;
    let ids: Vec<&AccountId> = workers.iter().map(|(id, _)| id).collect();
    let languages: Vec<(AccountId, String)> = member_languages::table
        .filter(member_languages::account_id.eq_any(ids))
        .select((member_languages::account_id, member_languages::language))
        .load(conn)?;
    Ok(workers
        .into_iter()
        .map(|(id, max)| {
            let spoken = languages
                .iter()
                .filter(|(account, _)| *account == id)
                .map(|(_, language)| language.clone())
                .collect();
            (id, max, spoken)
        })
        .collect())
}
