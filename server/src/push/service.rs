//! Push rules: which subscriptions are accepted, how they are kept, and the server's VAPID key.

use super::store;
use super::vendors::Vendors;
use crate::auth::Principal;
use crate::auth::secrets::{SecretError, load_or_create_key};
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use quietline_protocol::push::{PushServerKey, PushSubscription, WebPushSubscription};
use quietline_protocol::{AccountId, ErrorCode};
use secrecy::ExposeSecret;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The server's side of push: its VAPID key pair, the TLS settings for push services, the
/// vendors configured, and a count of wake-ups handled.
pub struct Push {
    vapid: p256::SecretKey,
    tls: Arc<rustls::ClientConfig>,
    pub vendors: Vendors,
    /// Wake-ups this instance has finished with (pushed, coalesced or found nothing to push to).
    pub handled: tokio::sync::watch::Sender<u64>,
}

impl Push {
    /// Loads the VAPID key (`DATA_DIR/vapid.key`, generated when missing, like the other
    /// secrets), the certificate authorities and the vendors' credentials.
    pub fn load(config: &Config) -> anyhow::Result<Push> {
        let path = config.data_dir.join("vapid.key");
        let key = load_or_create_key(&path)?;
        let vapid =
            p256::SecretKey::from_slice(key.expose_secret()).map_err(|_| SecretError::KeyFile {
                path: path.display().to_string(),
                problem: "not a P-256 private key; remove it to generate a new one".into(),
            })?;
        Ok(Push {
            vapid,
            tls: Arc::new(tls_settings(config.push_ca_file.as_deref())?),
            vendors: Vendors::load(config)?,
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

    /// An HTTP client for push services: TLS (HTTP/2 where offered, as APNs requires), a
    /// deadline, and no redirects.
    pub fn client(&self) -> awc::Client {
        awc::Client::builder()
            .connector(awc::Connector::new().rustls_0_23(self.tls.clone()))
            .timeout(Duration::from_secs(10))
            .disable_redirects()
            .finish()
    }
}

/// The system's certificate authorities, and those of `extra` (PEM), on the ring provider.
fn tls_settings(extra: Option<&Path>) -> anyhow::Result<rustls::ClientConfig> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    let system = rustls_native_certs::load_native_certs();
    let (added, _) = roots.add_parsable_certificates(system.certs);
    if let Some(path) = extra {
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|error| {
                anyhow::anyhow!("QUIETLINE_PUSH_CA_FILE: {}: {error}", path.display())
            })?;
        if certs.is_empty() {
            anyhow::bail!(
                "QUIETLINE_PUSH_CA_FILE: {} holds no certificate",
                path.display()
            );
        }
        for cert in certs {
            roots.add(cert).map_err(|error| {
                anyhow::anyhow!("QUIETLINE_PUSH_CA_FILE: {}: {error}", path.display())
            })?;
        }
    }
    if added == 0 && extra.is_none() {
        tracing::warn!(
            "no certificate authorities found on this system (install ca-certificates); pushes will fail"
        );
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut settings = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS settings for push services")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    settings.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(settings)
}

fn invalid(message: &'static str) -> ApiError {
    ApiError::unprocessable(ErrorCode::InvalidBody, message)
}

/// A Web Push subscription's parts, checked.
pub struct Checked {
    pub endpoint: http::Uri,
    pub p256dh: p256::PublicKey,
    pub auth: [u8; 16],
}

/// Where pushes go, checked.
pub enum Target {
    WebPush(Checked),
    Apns(String),
    Fcm(String),
}

/// Checks a subscription. Web Push: an https endpoint (plain http only where configured, for
/// local distributors and tests), a P-256 public key and a 16-byte secret. APNs and FCM: the
/// vendor is configured, and the token has the vendor's form.
pub fn check(
    subscription: &PushSubscription,
    allow_http: bool,
    vendors: &Vendors,
) -> ApiResult<Target> {
    match subscription {
        PushSubscription::WebPush(web) => check_web_push(web, allow_http).map(Target::WebPush),
        PushSubscription::Apns { token } => {
            if vendors.apns.is_none() {
                return Err(invalid("This server does not push through APNs."));
            }
            // Apple's tokens are hex, 32 bytes today; longer ones are allowed for.
            let hex = token.len() % 2 == 0 && token.chars().all(|c| c.is_ascii_hexdigit());
            if !hex || !(16..=400).contains(&token.len()) {
                return Err(invalid("An APNs token is hex, of 8 to 200 bytes."));
            }
            Ok(Target::Apns(token.to_ascii_lowercase()))
        }
        PushSubscription::Fcm { token } => {
            if vendors.fcm.is_none() {
                return Err(invalid("This server does not push through FCM."));
            }
            let form = token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'));
            if !form || !(1..=4096).contains(&token.len()) {
                return Err(invalid(
                    "An FCM token is at most 4096 letters, digits and - _ : .",
                ));
            }
            Ok(Target::Fcm(token.clone()))
        }
    }
}

fn check_web_push(subscription: &WebPushSubscription, allow_http: bool) -> ApiResult<Checked> {
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

/// Registers (or replaces) the caller's device's subscription.
pub async fn subscribe(
    state: &AppState,
    principal: &Principal,
    subscription: PushSubscription,
) -> ApiResult<()> {
    check(
        &subscription,
        state.config.push_allow_http,
        &state.push.vendors,
    )?;
    let account_id = principal.account_id.clone();
    let device_id = principal.device_row()?;
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
    let device_id = principal.device_row()?;
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

/// Reads a stored subscription back; those kept before the `kind` field are Web Push.
pub fn read_stored(plain: &[u8]) -> Option<PushSubscription> {
    serde_json::from_slice::<PushSubscription>(plain)
        .ok()
        .or_else(|| {
            serde_json::from_slice::<WebPushSubscription>(plain)
                .ok()
                .map(PushSubscription::WebPush)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web(endpoint: &str) -> WebPushSubscription {
        let key = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
        WebPushSubscription {
            endpoint: endpoint.into(),
            p256dh: URL_SAFE_NO_PAD.encode(key.public_key().to_encoded_point(false).as_bytes()),
            auth: URL_SAFE_NO_PAD.encode([1u8; 16]),
        }
    }

    fn accepted(subscription: WebPushSubscription, allow_http: bool) -> bool {
        check(
            &PushSubscription::WebPush(subscription),
            allow_http,
            &Vendors::default(),
        )
        .is_ok()
    }

    #[test]
    fn only_well_formed_https_subscriptions_are_accepted() {
        assert!(accepted(web("https://push.example.org/send/abc"), false));
        assert!(!accepted(web("http://127.0.0.1:9/push"), false));
        assert!(accepted(web("http://127.0.0.1:9/push"), true));
        assert!(!accepted(web("ftp://push.example.org/x"), true));
        assert!(!accepted(web("not a url"), true));
        let mut bad_key = web("https://push.example.org/x");
        bad_key.p256dh = URL_SAFE_NO_PAD.encode([4u8; 65]);
        assert!(!accepted(bad_key, false));
        let mut bad_auth = web("https://push.example.org/x");
        bad_auth.auth = URL_SAFE_NO_PAD.encode([1u8; 15]);
        assert!(!accepted(bad_auth, false));
    }

    #[test]
    fn vendor_tokens_need_the_vendor_configured() {
        let none = Vendors::default();
        let apns = PushSubscription::Apns {
            token: "ab".repeat(32),
        };
        let fcm = PushSubscription::Fcm {
            token: "dGVzdA:APA91b-x_y".into(),
        };
        assert!(check(&apns, false, &none).is_err());
        assert!(check(&fcm, false, &none).is_err());
    }

    #[test]
    fn subscriptions_stored_before_kinds_read_as_web_push() {
        let old = serde_json::to_vec(&web("https://push.example.org/x")).unwrap();
        assert!(matches!(
            read_stored(&old),
            Some(PushSubscription::WebPush(_))
        ));
        let apns = serde_json::to_vec(&PushSubscription::Apns {
            token: "abcd".into(),
        })
        .unwrap();
        assert!(matches!(
            read_stored(&apns),
            Some(PushSubscription::Apns { .. })
        ));
        assert!(read_stored(b"{}").is_none());
    }
}
