//! Who may message whom, and under which disappearing timer.

use super::*;

/// Whether `sender` may send envelopes to, and fetch prekey bundles of, `recipient`: their own
/// other devices; members of one active conversation; workers of the same organisation (for the
/// notes they keep encrypted to each other).
pub fn may_reach(conn: &mut DbConn, sender: &Principal, recipient: &AccountId) -> ApiResult<bool> {
    reach(conn, sender, recipient).map(|reach| reach.is_some())
}

/// [`may_reach`], with the disappearing timer messages between them are under: `None` when they
/// may not reach each other; `Some(None)` when no timer applies. Of several shared conversations,
/// the shortest timer wins.
pub fn reach(
    conn: &mut DbConn,
    sender: &Principal,
    recipient: &AccountId,
) -> ApiResult<Option<Option<i64>>> {
    if sender.account_id == *recipient {
        return Ok(Some(None));
    }
    let timers = store::shared_active_timers(conn, &sender.account_id, recipient)?;
    if !timers.is_empty() {
        return Ok(Some(timers.into_iter().flatten().min()));
    }
    if let (Role::Worker, Some(organisation)) = (sender.role, &sender.organisation_id) {
        return Ok(is_worker_of(conn, recipient, organisation)?.then_some(None));
    }
    Ok(None)
}

/// A worker's message reached the seeker of a conversation waiting for its first reply: the wait
/// from the first claim is counted in the statistics, once.
pub fn count_first_reply(
    conn: &mut DbConn,
    conversation_id: &ConversationId,
    now: i64,
) -> ApiResult<()> {
    let Some(claimed_at) = store::end_wait_for_reply(conn, conversation_id)? else {
        return Ok(());
    };
    let Some(row) = store::find(conn, conversation_id)? else {
        return Ok(());
    };
    let now = crate::clock::minute_of(now);
    statistics::replied(
        conn,
        day_of(now),
        &row.organisation_id,
        &first_language(&row),
        now - claimed_at,
    )?;
    Ok(())
}
