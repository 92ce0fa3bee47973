//! Short-lived counters and markers: rate-limit windows, single-use challenge markers, presence.
//! They live only in memory, or in Redis with a TTL when instances must share them; never in the
//! database.
//!
//! Every Redis operation is bounded by [`REDIS_PATIENCE`]: an unreachable or stalled Redis costs
//! a request at most that, and the caller decides what an outage means (see `limits`).

use crate::clock::SharedClock;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The longest a Redis command, or an attempt to connect, may take before it counts as failed.
pub const REDIS_PATIENCE: Duration = Duration::from_secs(1);

/// A Redis connection whose commands and reconnections give up after [`REDIS_PATIENCE`] instead
/// of waiting for Redis to come back; it keeps reconnecting in the background.
pub async fn redis_connection(client: &redis::Client) -> redis::RedisResult<ConnectionManager> {
    let config = ConnectionManagerConfig::new()
        .set_response_timeout(Some(REDIS_PATIENCE))
        .set_connection_timeout(Some(REDIS_PATIENCE))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(500));
    ConnectionManager::new_with_config(client.clone(), config).await
}

/// Runs one Redis exchange, failing after [`REDIS_PATIENCE`] whatever the connection does.
pub async fn bounded<T>(
    exchange: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T, KvError> {
    match tokio::time::timeout(REDIS_PATIENCE, exchange).await {
        Ok(result) => result.map_err(KvError::from),
        Err(_) => Err(KvError("no answer in time".into())),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("ephemeral store: {0}")]
pub struct KvError(String);

impl From<redis::RedisError> for KvError {
    fn from(e: redis::RedisError) -> KvError {
        KvError(e.to_string())
    }
}

#[derive(Clone)]
pub enum Kv {
    Memory(Arc<MemoryKv>),
    Redis {
        conn: ConnectionManager,
        prefix: String,
    },
}

pub struct MemoryKv {
    entries: Mutex<HashMap<String, (String, i64)>>,
    /// Leases by key: holder → expiry.
    leases: Mutex<HashMap<String, HashMap<String, i64>>>,
    clock: SharedClock,
    last_sweep: AtomicI64,
}

/// Seconds between sweeps of expired entries.
const SWEEP_EVERY: i64 = 60;

impl MemoryKv {
    fn with_live<T>(
        &self,
        work: impl FnOnce(&mut HashMap<String, (String, i64)>, i64) -> T,
    ) -> Result<T, KvError> {
        let now = self.clock.now();
        let mut entries = self
            .entries
            .lock()
            .map_err(|_| KvError("lock poisoned".into()))?;
        // Reads ignore expired entries; removing them is needed only now and then.
        let last = self.last_sweep.load(Ordering::Relaxed);
        if now - last >= SWEEP_EVERY
            && self
                .last_sweep
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            entries.retain(|_, (_, expires)| *expires > now);
        }
        Ok(work(&mut entries, now))
    }
}

fn live(entry: Option<&(String, i64)>, now: i64) -> Option<&String> {
    entry.filter(|(_, expires)| *expires > now).map(|(v, _)| v)
}

impl Kv {
    pub fn memory(clock: SharedClock) -> Kv {
        Kv::Memory(Arc::new(MemoryKv {
            entries: Mutex::new(HashMap::new()),
            leases: Mutex::new(HashMap::new()),
            clock,
            last_sweep: AtomicI64::new(0),
        }))
    }

    pub async fn redis(client: &redis::Client, prefix: &str) -> Result<Kv, KvError> {
        Ok(Kv::Redis {
            conn: redis_connection(client).await?,
            prefix: format!("{prefix}kv:"),
        })
    }

    /// Counts an event in the fixed window of `window` seconds that `now` falls in, and returns
    /// the count so far. Windows follow the injected clock, on both stores.
    pub async fn count_in_window(&self, key: &str, window: u64, now: i64) -> Result<u64, KvError> {
        let index = now.div_euclid(i64::try_from(window.max(1)).unwrap_or(i64::MAX));
        self.increment(&format!("{key}:{index}"), window).await
    }

    /// Seconds from `now` until the fixed window of `window` seconds it falls in ends: what a
    /// refused caller is told to wait (`Retry-After`).
    pub fn window_left(window: u64, now: i64) -> u64 {
        let window = i64::try_from(window.max(1)).unwrap_or(i64::MAX);
        u64::try_from(window - now.rem_euclid(window)).unwrap_or(1)
    }

    /// The count of the window `now` falls in, without counting anything.
    pub async fn counted_in_window(
        &self,
        key: &str,
        window: u64,
        now: i64,
    ) -> Result<u64, KvError> {
        let index = now.div_euclid(i64::try_from(window.max(1)).unwrap_or(i64::MAX));
        let key = format!("{key}:{index}");
        match self {
            Kv::Memory(kv) => kv.with_live(|entries, now| {
                live(entries.get(&key), now)
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
            }),
            Kv::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                bounded(
                    redis::cmd("GET")
                        .arg(format!("{prefix}{key}"))
                        .query_async::<Option<u64>>(&mut conn),
                )
                .await
                .map(Option::unwrap_or_default)
            }
        }
    }

    /// Adds one to the counter `key`, which starts a window of `ttl` seconds when it is new.
    /// Returns the count within the window.
    async fn increment(&self, key: &str, ttl: u64) -> Result<u64, KvError> {
        match self {
            Kv::Memory(kv) => kv.with_live(|entries, now| {
                let count = live(entries.get(key), now)
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
                    + 1;
                let expires = match entries.get(key) {
                    Some((_, expires)) if *expires > now => *expires,
                    _ => now + ttl_secs(ttl),
                };
                entries.insert(key.to_string(), (count.to_string(), expires));
                count
            }),
            Kv::Redis { conn, prefix } => {
                let key = format!("{prefix}{key}");
                let mut conn = conn.clone();
                let (_, count): (Option<String>, u64) = bounded(
                    redis::pipe()
                        .cmd("SET")
                        .arg(&key)
                        .arg(0)
                        .arg("EX")
                        .arg(ttl.max(1))
                        .arg("NX")
                        .cmd("INCR")
                        .arg(&key)
                        .query_async(&mut conn),
                )
                .await?;
                Ok(count)
            }
        }
    }

    /// Marks `key` as used for `ttl` seconds. True the first time, false while the mark lasts.
    pub async fn claim(&self, key: &str, ttl: u64) -> Result<bool, KvError> {
        match self {
            Kv::Memory(kv) => kv.with_live(|entries, now| {
                if live(entries.get(key), now).is_some() {
                    false
                } else {
                    entries.insert(key.to_string(), (String::new(), now + ttl_secs(ttl)));
                    true
                }
            }),
            Kv::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let set: Option<String> = bounded(
                    redis::cmd("SET")
                        .arg(format!("{prefix}{key}"))
                        .arg(1)
                        .arg("EX")
                        .arg(ttl.max(1))
                        .arg("NX")
                        .query_async(&mut conn),
                )
                .await?;
                Ok(set.is_some())
            }
        }
    }

    /// Marks `key` for `ttl` seconds (renewing the mark if it exists).
    pub async fn mark(&self, key: &str, ttl: u64) -> Result<(), KvError> {
        match self {
            Kv::Memory(kv) => kv.with_live(|entries, now| {
                entries.insert(key.to_string(), (String::new(), now + ttl_secs(ttl)));
            }),
            Kv::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                bounded(
                    redis::cmd("SET")
                        .arg(format!("{prefix}{key}"))
                        .arg(1)
                        .arg("EX")
                        .arg(ttl.max(1))
                        .query_async::<()>(&mut conn),
                )
                .await
            }
        }
    }

    /// Removes the mark `key`.
    pub async fn unmark(&self, key: &str) -> Result<(), KvError> {
        match self {
            Kv::Memory(kv) => kv.with_live(|entries, _| {
                entries.remove(key);
            }),
            Kv::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                bounded(
                    redis::cmd("DEL")
                        .arg(format!("{prefix}{key}"))
                        .query_async::<()>(&mut conn),
                )
                .await
            }
        }
    }

    /// Takes or renews `holder`'s lease under `key` for `ttl` seconds, unless `cap` other live
    /// leases are held there. A holder that vanishes without releasing (a crashed instance) stops
    /// counting when its lease runs out. True when the lease is held.
    pub async fn lease(
        &self,
        key: &str,
        holder: &str,
        cap: u32,
        ttl: u64,
        now: i64,
    ) -> Result<bool, KvError> {
        let expires = now + ttl_secs(ttl);
        match self {
            Kv::Memory(kv) => {
                let mut leases = kv
                    .leases
                    .lock()
                    .map_err(|_| KvError("lock poisoned".into()))?;
                let held = leases.entry(key.to_string()).or_default();
                held.retain(|_, until| *until > now);
                let room = held.contains_key(holder)
                    || held.len() < usize::try_from(cap).unwrap_or(usize::MAX);
                if room {
                    held.insert(holder.to_string(), expires);
                }
                Ok(room)
            }
            Kv::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                bounded(
                    redis::cmd("EVAL")
                        .arg(LEASE_SCRIPT)
                        .arg(1)
                        .arg(format!("{prefix}{key}"))
                        .arg(now)
                        .arg(holder)
                        .arg(cap)
                        .arg(expires)
                        .arg(ttl.max(1))
                        .query_async::<i64>(&mut conn),
                )
                .await
                .map(|held| held == 1)
            }
        }
    }

    /// Gives up `holder`'s lease under `key`.
    pub async fn release(&self, key: &str, holder: &str) -> Result<(), KvError> {
        match self {
            Kv::Memory(kv) => {
                let mut leases = kv
                    .leases
                    .lock()
                    .map_err(|_| KvError("lock poisoned".into()))?;
                if let Some(held) = leases.get_mut(key) {
                    held.remove(holder);
                    if held.is_empty() {
                        leases.remove(key);
                    }
                }
                Ok(())
            }
            Kv::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                bounded(
                    redis::cmd("ZREM")
                        .arg(format!("{prefix}{key}"))
                        .arg(holder)
                        .query_async::<()>(&mut conn),
                )
                .await
            }
        }
    }

    /// Whether `key` is marked.
    pub async fn is_marked(&self, key: &str) -> Result<bool, KvError> {
        match self {
            Kv::Memory(kv) => kv.with_live(|entries, now| live(entries.get(key), now).is_some()),
            Kv::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                bounded(
                    redis::cmd("EXISTS")
                        .arg(format!("{prefix}{key}"))
                        .query_async::<i64>(&mut conn),
                )
                .await
                .map(|n| n > 0)
            }
        }
    }
}

/// Leases as a sorted set of holders scored by expiry: drop the expired, then add or renew the
/// holder if it holds one already or there is room. One script, so two instances cannot both
/// take the last place.
const LEASE_SCRIPT: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[2]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0
";

fn ttl_secs(ttl: u64) -> i64 {
    i64::try_from(ttl.max(1)).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};

    #[tokio::test]
    async fn memory_counters_reset_after_their_window() {
        let clock = ManualClock::starting_now();
        let kv = Kv::memory(clock.clone());
        assert_eq!(kv.increment("a", 60).await.ok(), Some(1));
        assert_eq!(kv.increment("a", 60).await.ok(), Some(2));
        clock.advance(61);
        assert_eq!(kv.increment("a", 60).await.ok(), Some(1));
    }

    #[tokio::test]
    async fn memory_leases_hold_a_place_until_released_or_expired() {
        let clock = ManualClock::starting_now();
        let kv = Kv::memory(clock.clone());
        let now = clock.now();
        assert_eq!(kv.lease("d", "a", 2, 60, now).await.ok(), Some(true));
        assert_eq!(kv.lease("d", "b", 2, 60, now).await.ok(), Some(true));
        assert_eq!(kv.lease("d", "c", 2, 60, now).await.ok(), Some(false));
        assert_eq!(
            kv.lease("d", "a", 2, 60, now).await.ok(),
            Some(true),
            "a renewal"
        );
        kv.release("d", "a").await.unwrap();
        assert_eq!(kv.lease("d", "c", 2, 60, now).await.ok(), Some(true));
        // "b" and "c" vanish without releasing: their places come back when the leases run out.
        assert_eq!(kv.lease("d", "e", 2, 60, now + 61).await.ok(), Some(true));
    }

    #[tokio::test]
    async fn memory_claims_are_single_use_until_expiry() {
        let clock = ManualClock::starting_now();
        let kv = Kv::memory(clock.clone());
        assert_eq!(kv.claim("c", 10).await.ok(), Some(true));
        assert_eq!(kv.claim("c", 10).await.ok(), Some(false));
        clock.advance(11);
        assert_eq!(kv.claim("c", 10).await.ok(), Some(true));
    }
}
