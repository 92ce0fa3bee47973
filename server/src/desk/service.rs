//! Availability rules. A worker is away until they say otherwise; a limit on active
//! conversations stops claims and transfers beyond it. A seeker's question about availability is
//! answered with a yes or no and a typical wait: never who, nor how many.

use super::store;
use crate::auth::{Principal, SeekerAuth};
use crate::conversations::store as conversations;
use crate::db::DbConn;
use crate::entry_points::service::entry_point_of;
use crate::error::{ApiError, ApiResult};
use crate::language::canonical_languages;
use crate::language::speaks_any;
use crate::state::AppState;
use quietline_protocol::api::{
    AvailabilityQuery, Colleague, Outlook, Role, SetAvailability, WorkerAvailability,
};
use quietline_protocol::{AccountId, ErrorCode};

/// The most a worker may set as their limit.
const MAX_ACTIVE_LIMIT: u32 = 50;
/// How far back the typical wait looks.
const HISTORY_SECONDS: i64 = 14 * 86_400;
/// Fewer first claims than this say too little about the wait.
const MIN_SAMPLES: usize = 3;

fn describe(conn: &mut DbConn, account_id: &AccountId) -> ApiResult<WorkerAvailability> {
    let (available, max_active) = store::availability(conn, account_id)?;
    let active = conversations::active_count(conn, account_id)?;
    Ok(WorkerAvailability {
        available,
        max_active: max_active.and_then(|m| u32::try_from(m).ok()),
        active: u32::try_from(active).unwrap_or(u32::MAX),
    })
}

/// Whether a worker may take one more active conversation under their own limit.
pub fn has_room(conn: &mut DbConn, account_id: &AccountId) -> ApiResult<bool> {
    store::lock(conn, account_id)?;
    within_limit(conn, account_id)
}

fn within_limit(conn: &mut DbConn, account_id: &AccountId) -> ApiResult<bool> {
    let (_, max_active) = store::availability(conn, account_id)?;
    match max_active {
        None => Ok(true),
        Some(max) => Ok(conversations::active_count(conn, account_id)? < i64::from(max)),
    }
}

/// The other workers of the caller's organisation, by handle, and whether each can take a
/// conversation now (what a transfer needs).
pub async fn colleagues(state: &AppState, worker: &Principal) -> ApiResult<Vec<Colleague>> {
    let organisation_id = worker
        .organisation_id
        .clone()
        .ok_or_else(ApiError::forbidden)?;
    let me = worker.account_id.clone();
    state
        .db
        .read(move |conn| {
            let members = crate::organisations::store::list_members(conn, &organisation_id)?;
            let mut colleagues = Vec::new();
            for (account_id, role, handle, _) in members {
                if role != Role::Worker || account_id == me {
                    continue;
                }
                let (available, _) = store::availability(conn, &account_id)?;
                colleagues.push(Colleague {
                    can_take: available && within_limit(conn, &account_id)?,
                    languages: crate::accounts::store::languages(conn, &account_id)?,
                    account_id,
                    handle,
                });
            }
            Ok(colleagues)
        })
        .await
}

/// Whether a worker is available and has room: who a conversation may be transferred to.
pub fn can_take(conn: &mut DbConn, account_id: &AccountId) -> ApiResult<bool> {
    let (available, _) = store::availability(conn, account_id)?;
    Ok(available && has_room(conn, account_id)?)
}

pub async fn get(state: &AppState, worker: &Principal) -> ApiResult<WorkerAvailability> {
    let account_id = worker.account_id.clone();
    state.db.read(move |conn| describe(conn, &account_id)).await
}

pub async fn set(
    state: &AppState,
    worker: &Principal,
    request: SetAvailability,
) -> ApiResult<WorkerAvailability> {
    let max_active = match request.max_active {
        None => None,
        Some(max) if (1..=MAX_ACTIVE_LIMIT).contains(&max) => i32::try_from(max).ok(),
        Some(_) => {
            return Err(ApiError::unprocessable(
                ErrorCode::InvalidBody,
                "The limit is between 1 and 50 conversations, or none.",
            ));
        }
    };
    let account_id = worker.account_id.clone();
    let now = state.clock.now();
    state
        .db
        .write(move |conn| {
            store::set_availability(conn, &account_id, request.available, max_active, now)?;
            describe(conn, &account_id)
        })
        .await
}

/// Whether someone who reads one of the seeker's languages is available with room now at the
/// organisation behind their entry point, and the typical wait for a first answer there.
pub async fn outlook(
    state: &AppState,
    SeekerAuth(principal): &SeekerAuth,
    query: AvailabilityQuery,
) -> ApiResult<Outlook> {
    let languages = canonical_languages(&query.languages)?;
    if languages.is_empty() {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidBody,
            "Give at least one language the seeker can read.",
        ));
    }
    let seeker_id = principal.account_id.clone();
    let since = state.clock.now() - HISTORY_SECONDS;
    state
        .db
        .read(move |conn| {
            let organisation_id =
                entry_point_of(conn, &seeker_id, query.entry_point.as_deref())?.organisation_id;
            let mut available_now = false;
            for (worker, max_active, spoken) in store::available_workers(conn, &organisation_id)? {
                if !speaks_any(&spoken, &languages) {
                    continue;
                }
                let room = match max_active {
                    None => true,
                    Some(max) => conversations::active_count(conn, &worker)? < i64::from(max),
                };
                if room {
                    available_now = true;
                    break;
                }
            }
            let waits = conversations::recent_waits(conn, &organisation_id, since)?;
            let in_language: Vec<i64> = waits
                .iter()
                .filter(|(tags, _)| {
                    speaks_any(
                        &serde_json::from_str::<Vec<String>>(tags).unwrap_or_default(),
                        &languages,
                    )
                })
                .map(|(_, wait)| *wait)
                .collect();
            let sample = if in_language.len() >= MIN_SAMPLES {
                in_language
            } else {
                waits.into_iter().map(|(_, wait)| wait).collect()
            };
            Ok(Outlook {
                available_now,
                expected_wait_seconds: typical_wait(sample),
            })
        })
        .await
}

/// The median wait, rounded up to whole minutes (at least one); `None` with too few samples.
fn typical_wait(mut waits: Vec<i64>) -> Option<u64> {
    if waits.len() < MIN_SAMPLES {
        return None;
    }
    waits.sort_unstable();
    let median = waits[waits.len() / 2].max(1);
    u64::try_from((median + 59) / 60 * 60).ok()
}

#[cfg(test)]
mod tests {
    use super::typical_wait;

    #[test]
    fn the_typical_wait_is_the_median_rounded_up_to_the_minute() {
        assert_eq!(typical_wait(vec![60, 600]), None);
        assert_eq!(typical_wait(vec![0, 0, 0]), Some(60));
        assert_eq!(typical_wait(vec![3_600, 61, 120, 125, 10]), Some(120));
        assert_eq!(typical_wait(vec![121, 30, 500]), Some(180));
    }
}
