//! Quick exit: a seeker whose phone may be taken wipes their account at once. It must not stand
//! out: request and response have the same method, status, headers and padded sizes as an
//! ordinary sync, and repeating it (a retry, a double tap) answers the same. It takes the time of
//! a sync too: the answer comes after the reads a sync makes, and the wipe (a write, a checkpoint,
//! notices) runs right after it, tracked so that a stopping server finishes it first.

use super::store;
use crate::auth::tokens::TokenSubject;
use crate::auth::{Audience, Principal};
use crate::bus::BusEvent;
use crate::conversations::store as conversations;
use crate::error::{ApiError, ApiResult};
use crate::messages::service::presence_key;
use crate::state::AppState;
use actix_web::web;
use quietline_protocol::api::Role;
use quietline_protocol::{AccountId, ConversationId};
use std::time::Duration;

/// What the wipe removed that others must hear about.
struct Wiped {
    devices: Vec<i32>,
    conversations: Vec<(ConversationId, Vec<AccountId>)>,
}

/// Wipes under way; a stopping server waits for them.
pub struct QuickExits(tokio::sync::watch::Sender<usize>);

impl Default for QuickExits {
    fn default() -> QuickExits {
        QuickExits(tokio::sync::watch::channel(0).0)
    }
}

impl QuickExits {
    /// Returns once no wipe is under way.
    pub async fn settled(&self) {
        let mut pending = self.0.subscribe();
        let _ = pending.wait_for(|n| *n == 0).await;
    }
}

/// Counts one wipe as under way for as long as it lives.
struct UnderWay(tokio::sync::watch::Sender<usize>);

impl UnderWay {
    fn start(exits: &QuickExits) -> UnderWay {
        exits.0.send_modify(|n| *n += 1);
        UnderWay(exits.0.clone())
    }
}

impl Drop for UnderWay {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// Attempts at a wipe the storage refused (busy, failing over) before it is left to the reaper.
const WIPE_ATTEMPTS: u32 = 6;

/// Answers like a sync, then wipes the account the token names: devices, keys, sessions,
/// conversations and memberships, and envelopes both ways. Only the token's signature and expiry
/// are checked, not its session, so a repeated call (after the session is gone) succeeds the
/// same way.
pub async fn quick_exit(state: &web::Data<AppState>, token: Option<String>) -> ApiResult<()> {
    let token = token.ok_or_else(ApiError::unauthenticated)?;
    let subject = state
        .tokens
        .verify(&token, Audience::Api, state.clock.now())
        .ok_or_else(ApiError::unauthenticated)?;
    if subject.role != Role::Seeker {
        return Err(ApiError::forbidden());
    }
    // The reads of a sync: the session, then a page of the device's queue. Their answers do not
    // matter; their time does.
    let _ = crate::auth::authenticate(state.clone(), Some(token), Audience::Api).await;
    let _ = crate::messages::service::fetch(state, &Principal::from(subject.clone())).await;
    let under_way = UnderWay::start(&state.quick_exits);
    let state = state.clone();
    actix_web::rt::spawn(async move {
        let mut delay = Duration::from_millis(100);
        for attempt in 1..=WIPE_ATTEMPTS {
            match wipe(&state, &subject).await {
                Ok(()) => break,
                Err(_) if attempt == WIPE_ATTEMPTS => {
                    tracing::error!(
                        "quick exit not carried out; the reaper will remove the account"
                    );
                }
                Err(_) => {
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
            }
        }
        drop(under_way);
    });
    Ok(())
}

async fn wipe(state: &AppState, subject: &TokenSubject) -> ApiResult<()> {
    let account_id = subject.account_id.clone();
    let wiped = state
        .db
        .write(move |conn| {
            let devices: Vec<i32> = store::list_devices(conn, &account_id)?
                .into_iter()
                .map(|(device, ..)| device)
                .collect();
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
            crate::messages::store::delete_sent_by(conn, &account_id)?;
            store::delete_account(conn, &account_id)?;
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
        account_id: subject.account_id.clone(),
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
