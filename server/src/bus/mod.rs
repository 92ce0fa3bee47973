//! The bus carries events between parts of the server and, with Redis, between instances: a
//! device revoked on one instance must lose its live connections on every instance. Events carry
//! identifiers only, never content.
//!
//! In-process by default; with `QUIETLINE_REDIS_URL`, published on a Redis channel that every
//! instance subscribes to, and fanned out locally from there.
//!
//! Publishing never waits longer than [`crate::kv::REDIS_PATIENCE`]. An event Redis did not take
//! is fanned out locally at once, kept (a bounded number) and published again once Redis answers;
//! and after the subscription was lost, every local connection looks at its queue again
//! ([`BusEvent::Resync`]), so that a lost notice costs the outage, not a keepalive period.

use crate::kv::bounded;
use quietline_protocol::{AccountId, ConversationId, OrganisationId};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// Local fan-out capacity; a subscriber that lags further behind misses events and must resync.
const CAPACITY: usize = 4096;
/// Events kept for publishing again while Redis does not take them; the oldest go first.
const UNSENT_BOUND: usize = 10_000;
/// How often kept events are offered to Redis again.
const RETRY_EVERY: Duration = Duration::from_secs(1);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BusEvent {
    /// Sessions were revoked: of one device, or of every device of the account when `device_id`
    /// is absent. Live connections of those devices must close.
    SessionsRevoked {
        account_id: AccountId,
        device_id: Option<u32>,
    },
    /// New envelopes wait in this device's queue.
    EnvelopesQueued {
        account_id: AccountId,
        device_id: u32,
    },
    /// This device has envelopes waiting and no live connection: a push service may wake it,
    /// without content.
    WakeUp {
        account_id: AccountId,
        device_id: u32,
    },
    /// A seeker came back on a new device by their recovery phrase; `members` are the workers of
    /// their open conversations.
    IdentityChanged {
        account_id: AccountId,
        members: Vec<AccountId>,
    },
    /// This device is running out of one-time prekeys.
    PreKeysLow {
        account_id: AccountId,
        device_id: u32,
    },
    /// A conversation ended for these members (e.g. the seeker left with a quick exit).
    ConversationEnded {
        conversation_id: ConversationId,
        members: Vec<AccountId>,
    },
    /// A conversation's disappearing timer changed; its members are told.
    DisappearingTimer {
        conversation_id: ConversationId,
        members: Vec<AccountId>,
        seconds: Option<u64>,
    },
    /// A conversation is waiting in this organisation's queue.
    ConversationWaiting {
        organisation_id: OrganisationId,
        conversation_id: ConversationId,
    },
    /// A conversation's workers changed; `members` are those to tell (before and after).
    WorkersChanged {
        conversation_id: ConversationId,
        members: Vec<AccountId>,
        workers: Vec<AccountId>,
        /// The handles of `workers`, in the same order.
        handles: Vec<String>,
    },
    /// A worker of this organisation claimed a waiting conversation.
    ConversationClaimed {
        organisation_id: OrganisationId,
        conversation_id: ConversationId,
        handle: String,
    },
    /// A referral to a partner organisation awaits this seeker's answer.
    ReferralOffered {
        conversation_id: ConversationId,
        seeker: AccountId,
        organisation_id: OrganisationId,
        organisation_name: String,
    },
    /// A worker asks the seeker about passing a hand-off summary.
    HandoffConsentAsked {
        conversation_id: ConversationId,
        seeker: AccountId,
    },
    /// The seeker answered a hand-off request; `members` are the workers to tell.
    HandoffConsentAnswered {
        conversation_id: ConversationId,
        members: Vec<AccountId>,
        granted: bool,
    },
    /// The seeker answered a referral; `members` are the workers to tell.
    ReferralAnswered {
        conversation_id: ConversationId,
        members: Vec<AccountId>,
        accepted: bool,
    },
    /// Notices may have been missed (the subscription was lost): every connection looks at its
    /// queue again. Local only, never published.
    Resync,
}

#[derive(Clone)]
pub struct Bus {
    local: broadcast::Sender<BusEvent>,
    redis: Option<RedisBus>,
}

#[derive(Clone)]
struct RedisBus {
    publisher: redis::aio::ConnectionManager,
    channel: String,
    /// Events Redis did not take, oldest first, already heard here.
    unsent: Arc<Mutex<VecDeque<String>>>,
    /// This instance, among those on the channel.
    instance: u64,
}

/// An event as it travels on the Redis channel.
#[derive(Serialize, Deserialize)]
struct OnChannel {
    /// The instance that published it.
    from: u64,
    /// Whether that instance's own subscribers already heard it (a late, second publication).
    heard_there: bool,
    event: BusEvent,
}

#[derive(Debug, thiserror::Error)]
#[error("bus: {0}")]
pub struct BusError(String);

impl Bus {
    pub fn in_process() -> Bus {
        Bus {
            local: broadcast::channel(CAPACITY).0,
            redis: None,
        }
    }

    /// Connects to Redis and subscribes before returning, so that nothing published after this
    /// returns is missed.
    pub async fn redis(client: &redis::Client, prefix: &str) -> Result<Bus, BusError> {
        let channel = format!("{prefix}bus");
        let publisher = crate::kv::redis_connection(client)
            .await
            .map_err(|e| BusError(e.to_string()))?;
        let local = broadcast::channel(CAPACITY).0;
        let pubsub = subscribe(client, &channel).await?;
        let instance = u64::from_le_bytes(
            crate::auth::secrets::random_bytes().map_err(|e| BusError(e.to_string()))?,
        );
        tokio::spawn(relay(
            client.clone(),
            channel.clone(),
            pubsub,
            local.clone(),
            instance,
        ));
        let redis = RedisBus {
            publisher,
            channel,
            unsent: Arc::default(),
            instance,
        };
        tokio::spawn(republish(redis.clone()));
        Ok(Bus {
            local,
            redis: Some(redis),
        })
    }

    /// Tells every instance. With Redis unreachable, this instance's subscribers hear it at once
    /// and the others once Redis is back; the error says only that Redis did not take it.
    pub async fn publish(&self, event: BusEvent) -> Result<(), BusError> {
        match &self.redis {
            None => {
                // No subscriber is not an error: nobody needed to hear it.
                let _ = self.local.send(event);
                Ok(())
            }
            Some(redis) => {
                let mut on_channel = OnChannel {
                    from: redis.instance,
                    heard_there: false,
                    event,
                };
                let payload =
                    serde_json::to_string(&on_channel).map_err(|e| BusError(e.to_string()))?;
                let mut conn = redis.publisher.clone();
                let sent = bounded(conn.publish::<_, _, i64>(&redis.channel, payload)).await;
                sent.map(|_| ()).map_err(|error| {
                    on_channel.heard_there = true;
                    if let Ok(payload) = serde_json::to_string(&on_channel) {
                        redis.keep(payload);
                    }
                    let _ = self.local.send(on_channel.event);
                    BusError(error.to_string())
                })
            }
        }
    }

    /// How many events wait to be published again.
    pub fn unsent(&self) -> usize {
        self.redis
            .as_ref()
            .and_then(|r| r.unsent.lock().ok().map(|u| u.len()))
            .unwrap_or(0)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<BusEvent> {
        self.local.subscribe()
    }

    /// Whether the bus can publish right now.
    pub async fn ping(&self) -> bool {
        match &self.redis {
            None => true,
            Some(redis) => {
                let mut conn = redis.publisher.clone();
                bounded(redis::cmd("PING").query_async::<String>(&mut conn))
                    .await
                    .is_ok()
            }
        }
    }
}

async fn subscribe(client: &redis::Client, channel: &str) -> Result<redis::aio::PubSub, BusError> {
    let mut pubsub = client
        .get_async_pubsub()
        .await
        .map_err(|e| BusError(e.to_string()))?;
    pubsub
        .subscribe(channel)
        .await
        .map_err(|e| BusError(e.to_string()))?;
    Ok(pubsub)
}

/// Forwards Redis messages to local subscribers; reconnects when Redis goes away.
async fn relay(
    client: redis::Client,
    channel: String,
    mut pubsub: redis::aio::PubSub,
    local: broadcast::Sender<BusEvent>,
    instance: u64,
) {
    use futures_util::StreamExt;
    loop {
        {
            let mut messages = pubsub.on_message();
            while let Some(message) = messages.next().await {
                let Ok(payload) = message.get_payload::<String>() else {
                    continue;
                };
                match serde_json::from_str::<OnChannel>(&payload) {
                    Ok(OnChannel {
                        from,
                        heard_there: true,
                        ..
                    }) if from == instance => {}
                    // No local subscriber is fine: nobody here needed to hear it.
                    Ok(OnChannel { event, .. }) => drop(local.send(event)),
                    Err(_) => tracing::warn!("ignored a bus message of unknown shape"),
                }
            }
        }
        tracing::warn!("bus subscription lost; reconnecting");
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if let Ok(fresh) = subscribe(&client, &channel).await {
                pubsub = fresh;
                break;
            }
        }
        // Whatever was published meanwhile was not heard here.
        drop(local.send(BusEvent::Resync));
    }
}

impl RedisBus {
    fn keep(&self, payload: String) {
        if let Ok(mut unsent) = self.unsent.lock() {
            if unsent.len() >= UNSENT_BOUND {
                unsent.pop_front();
            }
            unsent.push_back(payload);
        }
    }
}

/// Offers kept events to Redis again, oldest first, until it takes them all.
async fn republish(redis: RedisBus) {
    let mut tick = tokio::time::interval(RETRY_EVERY);
    loop {
        tick.tick().await;
        while let Some(payload) = redis.unsent.lock().ok().and_then(|u| u.front().cloned()) {
            let mut conn = redis.publisher.clone();
            if bounded(conn.publish::<_, _, i64>(&redis.channel, payload.as_str()))
                .await
                .is_err()
            {
                break;
            }
            if let Ok(mut unsent) = redis.unsent.lock() {
                unsent.pop_front();
            }
        }
    }
}
