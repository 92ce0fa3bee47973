//! What every handler can reach: configuration, storage, bus, ephemeral store, keys and clock.

use crate::auth::secrets::Sealer;
use crate::auth::tokens::TokenKeys;
use crate::bus::Bus;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Db;
use crate::kv::Kv;
use crate::telemetry::Metrics;
use std::sync::Arc;

pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub bus: Bus,
    pub kv: Kv,
    pub tokens: TokenKeys,
    pub sealer: Sealer,
    pub clock: SharedClock,
    pub metrics: Arc<Metrics>,
    /// Commits envelopes and acknowledgements in groups.
    pub writer: crate::messages::writer::EnvelopeWriter,
    /// Signed card bundles already built, by what they were built from.
    pub bundles: Arc<crate::cards::cache::BundleCache>,
    /// The one door to Argon2: bounded to the cores, counted.
    pub passphrases: Arc<crate::auth::passwords::PassphraseWork>,
    /// Background reaper passes completed since start.
    pub reaper_passes: tokio::sync::watch::Sender<u64>,
    /// Quick exits whose wipe is under way.
    pub quick_exits: crate::accounts::quick_exit::QuickExits,
    /// Push wake-ups: the VAPID key, and wake-ups handled.
    pub push: Arc<crate::push::Push>,
    /// Set when the server stops, so live connections close cleanly.
    pub shutdown: tokio::sync::watch::Sender<bool>,
}
