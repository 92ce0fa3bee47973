//! Short-lived counters and markers: rate-limit windows, single-use challenge markers, the daily
//! salt for hashing client addresses. They live only in memory, or in Redis with a TTL when
//! instances must share them; never in the database.

use crate::clock::SharedClock;
use redis::aio::ConnectionManager;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

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
            clock,
            last_sweep: AtomicI64::new(0),
        }))
    }

    pub async fn redis(client: &redis::Client, prefix: &str) -> Result<Kv, KvError> {
        Ok(Kv::Redis {
            conn: ConnectionManager::new(client.clone()).await?,
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
                redis::cmd("GET")
                    .arg(format!("{prefix}{key}"))
                    .query_async::<Option<u64>>(&mut conn)
                    .await
                    .map(Option::unwrap_or_default)
                    .map_err(KvError::from)
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
                let (_, count): (Option<String>, u64) = redis::pipe()
                    .cmd("SET")
                    .arg(&key)
                    .arg(0)
                    .arg("EX")
                    .arg(ttl.max(1))
                    .arg("NX")
                    .cmd("INCR")
                    .arg(&key)
                    .query_async(&mut conn)
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
                let set: Option<String> = redis::cmd("SET")
                    .arg(format!("{prefix}{key}"))
                    .arg(1)
                    .arg("EX")
                    .arg(ttl.max(1))
                    .arg("NX")
                    .query_async(&mut conn)
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
                redis::cmd("SET")
                    .arg(format!("{prefix}{key}"))
                    .arg(1)
                    .arg("EX")
                    .arg(ttl.max(1))
                    .query_async::<()>(&mut conn)
                    .await
                    .map_err(KvError::from)
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
                redis::cmd("DEL")
                    .arg(format!("{prefix}{key}"))
                    .query_async::<()>(&mut conn)
                    .await
                    .map_err(KvError::from)
            }
        }
    }

    /// Whether `key` is marked.
    pub async fn is_marked(&self, key: &str) -> Result<bool, KvError> {
        match self {
            Kv::Memory(kv) => kv.with_live(|entries, now| live(entries.get(key), now).is_some()),
            Kv::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                redis::cmd("EXISTS")
                    .arg(format!("{prefix}{key}"))
                    .query_async::<i64>(&mut conn)
                    .await
                    .map(|n| n > 0)
                    .map_err(KvError::from)
            }
        }
    }

    /// The value under `key`, set to `candidate` for `ttl` seconds if there is none yet; every
    /// instance sharing the store gets the same value.
    pub async fn get_or_set(
        &self,
        key: &str,
        candidate: &str,
        ttl: u64,
    ) -> Result<String, KvError> {
        match self {
            Kv::Memory(kv) => kv.with_live(|entries, now| {
                if let Some(value) = live(entries.get(key), now) {
                    return value.clone();
                }
                entries.insert(
                    key.to_string(),
                    (candidate.to_string(), now + ttl_secs(ttl)),
                );
                candidate.to_string()
            }),
            Kv::Redis { conn, prefix } => {
                let key = format!("{prefix}{key}");
                let mut conn = conn.clone();
                let _: Option<String> = redis::cmd("SET")
                    .arg(&key)
                    .arg(candidate)
                    .arg("EX")
                    .arg(ttl.max(1))
                    .arg("NX")
                    .query_async(&mut conn)
                    .await?;
                let value: Option<String> =
                    redis::cmd("GET").arg(&key).query_async(&mut conn).await?;
                value.ok_or_else(|| KvError("value vanished".into()))
            }
        }
    }
}

fn ttl_secs(ttl: u64) -> i64 {
    i64::try_from(ttl.max(1)).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

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
    async fn memory_claims_are_single_use_until_expiry() {
        let clock = ManualClock::starting_now();
        let kv = Kv::memory(clock.clone());
        assert_eq!(kv.claim("c", 10).await.ok(), Some(true));
        assert_eq!(kv.claim("c", 10).await.ok(), Some(false));
        clock.advance(11);
        assert_eq!(kv.claim("c", 10).await.ok(), Some(true));
        assert_eq!(kv.get_or_set("s", "x", 10).await.ok().as_deref(), Some("x"));
        assert_eq!(kv.get_or_set("s", "y", 10).await.ok().as_deref(), Some("x"));
    }
}
