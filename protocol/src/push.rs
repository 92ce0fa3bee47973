//! Push wake-ups: a device registers a Web Push subscription (RFC 8030, as browsers and
//! UnifiedPush distributors hand them out); when envelopes wait and it has no live connection,
//! the server asks its push service to wake it with a payload that says nothing.

use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// What a push carries, before RFC 8291 encryption: always these bytes, for every device and
/// every wake-up. No sender, no count, no text: the words on the lock screen are the app's own.
pub const WAKE_PAYLOAD: &[u8; 32] = b"{\"wake\":true}                   ";

/// A device's push subscription: its endpoint and its RFC 8291 keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushSubscription {
    /// The push service's URL for this device (https).
    pub endpoint: String,
    /// The device's P-256 public key, uncompressed (65 bytes), base64url.
    pub p256dh: String,
    /// The device's 16-byte authentication secret, base64url.
    pub auth: String,
}

/// The server's VAPID public key (RFC 8292), for the `applicationServerKey` of a subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PushServerKey {
    /// Uncompressed P-256 point, base64url.
    pub public_key: String,
}
