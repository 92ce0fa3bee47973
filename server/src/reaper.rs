//! The reaper: what is not kept cannot be exposed. On a fixed interval (and on demand in tests) it
//! deletes expired envelopes (never delivered after their expiry anyway), expired sessions with
//! their refresh tokens, expired invites and send receipts, and wipes seeker accounts unused for
//! longer than the configured number of days (not while in an active conversation). Every
//! instance runs it; the deletes are idempotent.
//! It queries the tables of several domains itself: each purge is one delete by a time column,
//! the same rule for every table, and keeping them together lets one pass show what it removed.

use crate::bus::BusEvent;
use crate::clock::day_of;
use crate::db::DbError;
use crate::db::schema::{
    accounts, conversations, envelopes, held_envelopes, invites, refresh_tokens, send_receipts,
    sessions,
};
use crate::state::AppState;
use diesel::prelude::*;
use quietline_protocol::AccountId;
use quietline_protocol::api::ConversationState;
use quietline_protocol::api::Role;
use std::time::Duration;

/// Rows deleted by one pass.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reaped {
    pub envelopes: usize,
    pub sessions: usize,
    pub refresh_tokens: usize,
    pub invites: usize,
    pub send_receipts: usize,
    pub inactive_seekers: usize,
    pub closed_conversations: usize,
}

/// Inactive seekers wiped per transaction: a bounded id list (PostgreSQL takes at most 65,535
/// bound values in a statement, SQLite 32,766) and short write locks, however many there are.
const WIPE_BATCH: i64 = 1_000;

/// The limits of one pass: what is expired now, closed too long ago, or unused too long.
#[derive(Clone, Copy)]
struct Horizon {
    now: i64,
    oldest_active_day: i64,
    closed_before: i64,
}

impl Horizon {
    fn of(state: &AppState) -> Horizon {
        let now = state.clock.now();
        Horizon {
            now,
            oldest_active_day: day_of(now) - i64::from(state.config.seeker_inactivity_days),
            closed_before: now - i64::from(state.config.closed_retention_days) * 86_400,
        }
    }
}

/// Every delete of a pass but the seekers' (which go in batches), in the caller's transaction.
fn delete_expired(conn: &mut crate::db::DbConn, horizon: Horizon) -> Result<Reaped, DbError> {
    let Horizon {
        now, closed_before, ..
    } = horizon;
    Ok(Reaped {
        envelopes: diesel::delete(envelopes::table.filter(envelopes::expires_at.le(now)))
            .execute(conn)?
            + diesel::delete(held_envelopes::table.filter(held_envelopes::expires_at.le(now)))
                .execute(conn)?,
        refresh_tokens: diesel::delete(
            refresh_tokens::table.filter(refresh_tokens::expires_at.le(now)),
        )
        .execute(conn)?,
        sessions: diesel::delete(sessions::table.filter(sessions::expires_at.le(now)))
            .execute(conn)?,
        invites: diesel::delete(invites::table.filter(invites::expires_at.le(now)))
            .execute(conn)?,
        send_receipts: diesel::delete(
            send_receipts::table.filter(send_receipts::expires_at.le(now)),
        )
        .execute(conn)?,
        // Only the aggregate counters outlive a closed conversation.
        closed_conversations: diesel::delete(
            conversations::table
                .filter(conversations::state.eq(ConversationState::Closed))
                .filter(conversations::closed_at.le(closed_before)),
        )
        .execute(conn)?,
        inactive_seekers: 0,
    })
}

fn inactive_seekers(
    horizon: Horizon,
) -> accounts::BoxedQuery<'static, <crate::db::DbConn as diesel::Connection>::Backend> {
    // Support can last years (a prosecution): a seeker in an active conversation stays however
    // long they are quiet.
    accounts::table
        .filter(accounts::role.eq(Role::Seeker))
        .filter(accounts::active_day.lt(horizon.oldest_active_day))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            conversations::table
                .filter(conversations::seeker_id.eq(accounts::id))
                .filter(conversations::state.eq(ConversationState::Active)),
        )))
        .into_boxed()
}

/// A rehearsal's outcome, carried out of the transaction it rolls back.
enum Rehearsal {
    Counted(Reaped),
    Failed(DbError),
}

impl From<DbError> for Rehearsal {
    fn from(error: DbError) -> Rehearsal {
        Rehearsal::Failed(error)
    }
}

impl From<diesel::result::Error> for Rehearsal {
    fn from(error: diesel::result::Error) -> Rehearsal {
        Rehearsal::Failed(error.into())
    }
}

/// What a pass would delete now, as counts: the same deletes as [`reap`], in a transaction that
/// is rolled back (`quietline-admin purge --dry-run`).
pub async fn rehearse(state: &AppState) -> Result<Reaped, DbError> {
    let horizon = Horizon::of(state);
    let outcome = state
        .db
        .write(move |conn| {
            let mut reaped = delete_expired(conn, horizon)?;
            let seekers: i64 = inactive_seekers(horizon).count().get_result(conn)?;
            reaped.inactive_seekers = usize::try_from(seekers).unwrap_or_default();
            Err::<(), _>(Rehearsal::Counted(reaped))
        })
        .await;
    match outcome {
        Err(Rehearsal::Counted(reaped)) => Ok(reaped),
        Err(Rehearsal::Failed(error)) => Err(error),
        Ok(()) => Err(DbError::Blocking),
    }
}

/// One pass over everything that has expired at the clock's current time.
pub async fn reap(state: &AppState) -> Result<Reaped, DbError> {
    let horizon = Horizon::of(state);
    let mut reaped = state
        .db
        .write(move |conn| delete_expired(conn, horizon))
        .await?;
    loop {
        let wiped = state
            .db
            .write(move |conn| {
                let wiped: Vec<AccountId> = inactive_seekers(horizon)
                    .select(accounts::id)
                    .limit(WIPE_BATCH)
                    .load(conn)?;
                // Envelopes such a seeker sent go with them: nothing links to a wiped account.
                diesel::delete(envelopes::table.filter(envelopes::source_account.eq_any(&wiped)))
                    .execute(conn)?;
                diesel::delete(accounts::table.filter(accounts::id.eq_any(&wiped)))
                    .execute(conn)?;
                Ok::<_, DbError>(wiped)
            })
            .await?;
        if wiped.is_empty() {
            break;
        }
        reaped.inactive_seekers += wiped.len();
        for account_id in wiped {
            let _ = state
                .bus
                .publish(BusEvent::SessionsRevoked {
                    account_id,
                    device_id: None,
                })
                .await;
        }
    }
    if reaped != Reaped::default() {
        // Deleted ciphertext and accounts should not linger in SQLite's log.
        if let Err(error) = state.db.checkpoint().await {
            tracing::warn!(%error, "checkpoint after reaping failed");
        }
        tracing::info!(
            envelopes = reaped.envelopes,
            sessions = reaped.sessions,
            refresh_tokens = reaped.refresh_tokens,
            invites = reaped.invites,
            send_receipts = reaped.send_receipts,
            inactive_seekers = reaped.inactive_seekers,
            closed_conversations = reaped.closed_conversations,
            "reaped expired data"
        );
    }
    Ok(reaped)
}

/// Runs [`reap`] every `QUIETLINE_REAPER_INTERVAL` seconds until the server stops.
pub async fn run(state: actix_web::web::Data<AppState>) {
    let mut shutdown = state.shutdown.subscribe();
    let mut interval = tokio::time::interval(Duration::from_secs(state.config.reaper_interval));
    loop {
        tokio::select! {
            _ = interval.tick() => {
                match reap(&state).await {
                    Ok(_) => state.reaper_passes.send_modify(|n| *n += 1),
                    Err(error) => tracing::warn!(%error, "reaper pass failed; retrying next interval"),
                }
            }
            _ = shutdown.changed() => break,
        }
    }
}
