//! Push rules: which subscriptions are accepted, how they are kept, and the server's VAPID key.

use super::store;
use crate::auth::Principal;
use crate::auth::secrets::{SecretError, load_or_create_key};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use quietline_protocol::push::{PushServerKey, PushSubscription};
use quietline_protocol::{AccountId, ErrorCode};
use secrecy::ExposeSecret;
use std::path::Path;

/// The server's side of push: its VAPID key pair and a count of wake-ups handled.
pub struct Push {
    vapid: p256::SecretKey,
    /// Wake-ups this instance has finished with (pushed, coalesced or found nothing to push to).
    pub handled: tokio::sync::watch::Sender<u64>,
}

impl Push {
    /// Loads the VAPID key from `path`, generating it when missing, like the other secrets.
    pub fn load(path: &Path) -> Result<Push, SecretError> {
        let key = load_or_create_key(path)?;
        let vapid =
            p256::SecretKey::from_slice(key.expose_secret()).map_err(|_| SecretError::KeyFile {
                path: path.display().to_string(),
                problem: "not a P-256 private key; remove it to generate a new one".into(),
            })?;
        Ok(Push {
            vapid,
            handled: tokio::sync::watch::channel(0).0,
        })
    }

    pub fn vapid(&self) -> &p256::SecretKey {
        &self.vapid
    }

    /// The VAPID public key: an uncompressed point, base64url.
    pub fn public_key(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.vapid.public_key().to_encoded_point(false).as_bytes())
    }
}

fn invalid(message: &'static str) -> ApiError {
    ApiError::unprocessable(ErrorCode::InvalidBody, message)
}

/// A subscription's parts, checked.
pub struct Checked {
    pub endpoint: http::Uri,
    pub p256dh: p256::PublicKey,
    pub auth: [u8; 16],
}

/// Checks a subscription: an https endpoint (plain http only where configured, for local
/// distributors and tests), a P-256 public key and a 16-byte secret.
pub fn check(subscription: &PushSubscription, allow_http: bool) -> ApiResult<Checked> {
    let endpoint: http::Uri = subscription
        .endpoint
        .parse()
        .map_err(|_| invalid("The endpoint is not a URL."))?;
    let scheme_ok = match endpoint.scheme_str() {
        Some("https") => true,
        Some("http") => allow_http,
        _ => false,
    };
    if !scheme_ok || endpoint.host().is_none() || subscription.endpoint.len() > 1024 {
        return Err(invalid(
            "The endpoint is an https URL of at most 1024 characters.",
        ));
    }
    let p256dh = URL_SAFE_NO_PAD
        .decode(subscription.p256dh.trim_end_matches('='))
        .ok()
        .filter(|bytes| bytes.len() == 65)
        .and_then(|bytes| p256::PublicKey::from_sec1_bytes(&bytes).ok())
        .ok_or_else(|| invalid("p256dh is an uncompressed P-256 public key, base64url."))?;
    let auth: [u8; 16] = URL_SAFE_NO_PAD
        .decode(subscription.auth.trim_end_matches('='))
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| invalid("auth is 16 bytes, base64url."))?;
    Ok(Checked {
        endpoint,
        p256dh,
        auth,
    })
}

/// What the sealed subscription is bound to: its device.
pub fn seal_context(account_id: &AccountId, device_id: i32) -> Vec<u8> {
    format!("push-subscription:{}:{device_id}", account_id.as_str()).into_bytes()
}

fn device_of(principal: &Principal) -> ApiResult<i32> {
    i32::try_from(principal.device_id).map_err(|_| ApiError::unauthenticated())
}

/// Registers (or replaces) the caller's device's subscription.
pub async fn subscribe(
    state: &AppState,
    principal: &Principal,
    subscription: PushSubscription,
) -> ApiResult<()> {
    check(&subscription, state.config.push_allow_http)?;
    let account_id = principal.account_id.clone();
    let device_id = device_of(principal)?;
    let plain = serde_json::to_vec(&subscription).map_err(ApiError::internal)?;
    let sealed = state
        .sealer
        .seal(&plain, &seal_context(&account_id, device_id))
        .map_err(ApiError::internal)?;
    state
        .db
        .write(move |conn| {
            store::put(conn, &account_id, device_id, &sealed).map_err(ApiError::from)
        })
        .await
}

/// Removes the caller's device's subscription; no push reaches it afterwards.
pub async fn unsubscribe(state: &AppState, principal: &Principal) -> ApiResult<()> {
    let account_id = principal.account_id.clone();
    let device_id = device_of(principal)?;
    state
        .db
        .write(move |conn| {
            store::remove(conn, &account_id, device_id)
                .map(|_| ())
                .map_err(ApiError::from)
        })
        .await
}

pub fn server_key(state: &AppState) -> PushServerKey {
    PushServerKey {
        public_key: state.push.public_key(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription(endpoint: &str) -> PushSubscription {
        let key = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
        PushSubscription {
            endpoint: endpoint.into(),
            p256dh: URL_SAFE_NO_PAD.encode(key.public_key().to_encoded_point(false).as_bytes()),
            auth: URL_SAFE_NO_PAD.encode([1u8; 16]),
        }
    }

    #[test]
    fn only_well_formed_https_subscriptions_are_accepted() {
        assert!(check(&subscription("https://push.example.org/send/abc"), false).is_ok());
        assert!(check(&subscription("http://127.0.0.1:9/push"), false).is_err());
        assert!(check(&subscription("http://127.0.0.1:9/push"), true).is_ok());
        assert!(check(&subscription("ftp://push.example.org/x"), true).is_err());
        assert!(check(&subscription("not a url"), true).is_err());
        let mut bad_key = subscription("https://push.example.org/x");
        bad_key.p256dh = URL_SAFE_NO_PAD.encode([4u8; 65]);
        assert!(check(&bad_key, false).is_err());
        let mut bad_auth = subscription("https://push.example.org/x");
        bad_auth.auth = URL_SAFE_NO_PAD.encode([1u8; 15]);
        assert!(check(&bad_auth, false).is_err());
    }
}
