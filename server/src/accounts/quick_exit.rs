//! Quick exit: a seeker whose phone may be taken wipes their account at once. It must not stand
//! out: request and response have the same method, status, headers and padded sizes as an
//! ordinary sync, and repeating it (a retry, a double tap) answers the same.

use crate::auth::Audience;
use crate::bus::BusEvent;
use crate::conversations::store as conversations;
use crate::db::schema::{accounts, devices, envelopes};
use crate::error::{ApiError, ApiResult};
use crate::messages::service::presence_key;
use crate::state::AppState;
use diesel::prelude::*;
use quietline_protocol::api::Role;

/// What the wipe removed that others must hear about.
struct Wiped {
    devices: Vec<i32>,
    conversations: Vec<(String, Vec<String>)>,
}

/// Wipes the account the token names: devices, keys, sessions, conversations and memberships,
/// and envelopes both ways. Only the token's signature and expiry are checked, not its session,
/// so a repeated call (after the session is gone) succeeds the same way.
pub async fn quick_exit(state: &AppState, token: Option<String>) -> ApiResult<()> {
    let token = token.ok_or_else(ApiError::unauthenticated)?;
    let subject = state
        .tokens
        .verify(&token, Audience::Api, state.clock.now())
        .ok_or_else(ApiError::unauthenticated)?;
    if subject.role != Role::Seeker {
        return Err(ApiError::forbidden());
    }
    let account_id = subject.account_id.clone();
    let wiped = state
        .db
        .write(move |conn| {
            let devices: Vec<i32> = devices::table
                .filter(devices::account_id.eq(&account_id))
                .select(devices::device_id)
                .load(conn)?;
            let mut ended = Vec::new();
            for conversation in conversations::open_for_member(conn, &account_id)? {
                let others = conversations::members(conn, &conversation.id)?
                    .into_iter()
                    .filter(|m| *m != account_id)
                    .collect();
                ended.push((conversation.id, others));
            }
            // Envelopes the seeker sent wait in others' queues; those sent to the seeker go with
            // their devices. Conversations, memberships, keys and sessions go by cascade.
            diesel::delete(envelopes::table.filter(envelopes::source_account.eq(&account_id)))
                .execute(conn)?;
            diesel::delete(accounts::table.find(&account_id)).execute(conn)?;
            Ok::<_, ApiError>(Wiped {
                devices,
                conversations: ended,
            })
        })
        .await?;
    // A seized SQLite file should not hold the account's rows in its log either.
    if let Err(error) = state.db.checkpoint().await {
        tracing::warn!(%error, "checkpoint after quick exit failed");
    }
    for device in &wiped.devices {
        let device = u32::try_from(*device).unwrap_or_default();
        let _ = state
            .kv
            .unmark(&presence_key(&subject.account_id, device))
            .await;
    }
    let mut events = vec![BusEvent::SessionsRevoked {
        account_id: subject.account_id,
        device_id: None,
    }];
    events.extend(
        wiped
            .conversations
            .into_iter()
            .map(|(conversation_id, members)| BusEvent::ConversationEnded {
                conversation_id,
                members,
            }),
    );
    for event in events {
        if let Err(error) = state.bus.publish(event).await {
            tracing::warn!(%error, "quick exit not announced on the bus");
        }
    }
    Ok(())
}
