//! The bus carries events between parts of the server and, with Redis, between instances: a
//! device revoked on one instance must lose its live connections on every instance. Events carry
//! identifiers only, never content.
//!
//! In-process by default; with `QUIETLINE_REDIS_URL`, published on a Redis channel that every
//! instance subscribes to, and fanned out locally from there.

use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::broadcast;

/// Local fan-out capacity; a subscriber that lags further behind misses events and must resync.
const CAPACITY: usize = 4096;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BusEvent {
    /// Sessions were revoked: of one device, or of every device of the account when `device_id`
    /// is absent. Live connections of those devices must close.
    SessionsRevoked {
        account_id: String,
        device_id: Option<u32>,
    },
    /// New envelopes wait in this device's queue.
    EnvelopesQueued { account_id: String, device_id: u32 },
    /// This device has envelopes waiting and no live connection: a push service may wake it,
    /// without content.
    WakeUp { account_id: String, device_id: u32 },
    /// This device is running out of one-time prekeys.
    PreKeysLow { account_id: String, device_id: u32 },
    /// A conversation ended for these members (e.g. the seeker left with a quick exit).
    ConversationEnded {
        conversation_id: String,
        members: Vec<String>,
    },
    /// A conversation's disappearing timer changed; its members are told.
    DisappearingTimer {
        conversation_id: String,
        members: Vec<String>,
        seconds: Option<u64>,
    },
    /// A conversation is waiting in this organisation's queue.
    ConversationWaiting {
        organisation_id: String,
        conversation_id: String,
    },
    /// A conversation's workers changed; `members` are those to tell (before and after).
    WorkersChanged {
        conversation_id: String,
        members: Vec<String>,
        workers: Vec<String>,
        /// The handles of `workers`, in the same order.
        handles: Vec<String>,
    },
    /// A worker of this organisation claimed a waiting conversation.
    ConversationClaimed {
        organisation_id: String,
        conversation_id: String,
        handle: String,
    },
    /// A referral to a partner organisation awaits this seeker's answer.
    ReferralOffered {
        conversation_id: String,
        seeker: String,
        organisation_id: String,
        organisation_name: String,
    },
    /// The seeker answered a referral; `members` are the workers to tell.
    ReferralAnswered {
        conversation_id: String,
        members: Vec<String>,
        accepted: bool,
    },
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
        let publisher = redis::aio::ConnectionManager::new(client.clone())
            .await
            .map_err(|e| BusError(e.to_string()))?;
        let local = broadcast::channel(CAPACITY).0;
        let pubsub = subscribe(client, &channel).await?;
        tokio::spawn(relay(
            client.clone(),
            channel.clone(),
            pubsub,
            local.clone(),
        ));
        Ok(Bus {
            local,
            redis: Some(RedisBus { publisher, channel }),
        })
    }

    pub async fn publish(&self, event: BusEvent) -> Result<(), BusError> {
        match &self.redis {
            None => {
                // No subscriber is not an error: nobody needed to hear it.
                let _ = self.local.send(event);
                Ok(())
            }
            Some(redis) => {
                let payload = serde_json::to_string(&event).map_err(|e| BusError(e.to_string()))?;
                let mut conn = redis.publisher.clone();
                conn.publish::<_, _, i64>(&redis.channel, payload)
                    .await
                    .map(|_| ())
                    .map_err(|e| BusError(e.to_string()))
            }
        }
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
                redis::cmd("PING")
                    .query_async::<String>(&mut conn)
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
) {
    use futures_util::StreamExt;
    loop {
        {
            let mut messages = pubsub.on_message();
            while let Some(message) = messages.next().await {
                let Ok(payload) = message.get_payload::<String>() else {
                    continue;
                };
                match serde_json::from_str::<BusEvent>(&payload) {
                    // No local subscriber is fine: nobody here needed to hear it.
                    Ok(event) => drop(local.send(event)),
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
    }
}
