//! Push wake-ups: a device registers where its pushes go — a Web Push subscription (RFC 8030, as
//! browsers and UnifiedPush distributors hand them out), or an APNs or FCM device token where the
//! server is configured with that vendor's credentials. When envelopes wait and the device has no
//! live connection, the server asks its push service to wake it with a payload that says nothing.

use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// What a push carries, before RFC 8291 encryption: always these bytes, for every device and
/// every wake-up. No sender, no count, no text: the words on the lock screen are the app's own.
pub const WAKE_PAYLOAD: &[u8; 32] = b"{\"wake\":true}                   ";

/// Where a device's pushes go, told apart by `kind`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PushSubscription {
    /// A Web Push subscription: its endpoint and its RFC 8291 keys.
    WebPush(WebPushSubscription),
    /// An Apple Push Notification service device token (hex), for an iOS app.
    Apns { token: String },
    /// A Firebase Cloud Messaging registration token, for an Android app with Google's services.
    Fcm { token: String },
}

/// A Web Push subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebPushSubscription {
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

/// What an APNs wake-up carries: a silent background push, the same bytes for every device.
/// The app fetches what waits and chooses its own words, if any, for the lock screen.
pub const APNS_WAKE_BODY: &str = r#"{"aps":{"content-available":1}}"#;

/// The data an FCM wake-up carries (a data message, no notification): the same for every device.
pub const FCM_WAKE_DATA: (&str, &str) = ("wake", "1");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_told_apart_on_the_wire() {
        let web: PushSubscription = serde_json::from_str(
            r#"{"kind":"web_push","endpoint":"https://p.example/x","p256dh":"a","auth":"b"}"#,
        )
        .unwrap();
        assert!(matches!(web, PushSubscription::WebPush(_)));
        let apns: PushSubscription =
            serde_json::from_str(r#"{"kind":"apns","token":"ab12"}"#).unwrap();
        assert_eq!(
            apns,
            PushSubscription::Apns {
                token: "ab12".into()
            }
        );
        assert!(serde_json::from_str::<PushSubscription>(r#"{"token":"ab12"}"#).is_err());
        assert!(
            serde_json::from_str::<PushSubscription>(r#"{"kind":"fcm","token":"t","x":1}"#)
                .is_err()
        );
    }
}
