//! Push services that need a vendor's credentials: APNs (Apple, for iOS apps) and FCM (Google,
//! for Android apps with Google's services). Each is on when its credentials are configured, and
//! sends the same content-free wake-up to every device; what each still tells its vendor is in
//! the README (*Notifications that say nothing*).

use super::deliver::{Outcome, PUSH_TTL};
use crate::config::Config;
use anyhow::Context;
use quietline_protocol::push::{APNS_WAKE_BODY, FCM_WAKE_DATA};
use std::path::Path;
use std::sync::Mutex;

/// How long a signed APNs provider token is reused: Apple refuses tokens older than an hour and
/// tokens renewed more often than every 20 minutes.
const APNS_TOKEN_REUSE: i64 = 40 * 60;
/// [`PUSH_TTL`] in seconds, as the vendors' APIs take it.
const WAKE_TTL: i64 = PUSH_TTL.as_secs() as i64;
/// The OAuth 2.0 scope of FCM's HTTP v1 API.
const FCM_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// The largest error body read back from a vendor.
const REPLY_LIMIT: usize = 16 * 1024;

/// The vendors this server pushes through, as configured.
#[derive(Default)]
pub struct Vendors {
    pub apns: Option<Apns>,
    pub fcm: Option<Fcm>,
}

impl Vendors {
    /// Reads each configured vendor's credentials; a credential that cannot be used stops
    /// start-up rather than the first push.
    pub fn load(config: &Config) -> anyhow::Result<Vendors> {
        Ok(Vendors {
            apns: Apns::load(config)?,
            fcm: Fcm::load(config)?,
        })
    }
}

/// A token cached with the time after which it is renewed.
#[derive(Default)]
struct Cached(Mutex<Option<(String, i64)>>);

impl Cached {
    fn get(&self, now: i64) -> Option<String> {
        let guard = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard
            .as_ref()
            .filter(|(_, renew_at)| now < *renew_at)
            .map(|(token, _)| token.clone())
    }

    fn put(&self, token: &str, renew_at: i64) {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((token.to_owned(), renew_at));
    }

    fn forget(&self) {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }
}

fn read_file(key: &str, path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("{key}: cannot read {}", path.display()))
}

/// The status of a vendor's answer, and its body (for the reason of a refusal).
async fn answer(
    request: awc::ClientRequest,
    body: String,
) -> Result<(u16, serde_json::Value), Outcome> {
    let mut response = request.send_body(body).await.map_err(|_| Outcome::Retry)?;
    let status = response.status().as_u16();
    let reply = response
        .body()
        .limit(REPLY_LIMIT)
        .await
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(serde_json::Value::Null);
    Ok((status, reply))
}

/// Apple Push Notification service: token-based provider authentication (an ES256 JWT from the
/// team's .p8 key), HTTP/2, one silent background push per wake-up.
pub struct Apns {
    signing: jsonwebtoken::EncodingKey,
    key_id: String,
    team_id: String,
    topic: String,
    url: String,
    provider_token: Cached,
}

impl Apns {
    fn load(config: &Config) -> anyhow::Result<Option<Apns>> {
        let Some(path) = &config.push_apns_key_file else {
            return Ok(None);
        };
        let pem = read_file("QUIETLINE_PUSH_APNS_KEY_FILE", path)?;
        let signing = jsonwebtoken::EncodingKey::from_ec_pem(&pem).map_err(|_| {
            anyhow::anyhow!(
                "QUIETLINE_PUSH_APNS_KEY_FILE: {} is not an APNs signing key (.p8)",
                path.display()
            )
        })?;
        // The configuration's cross-check makes these present with a key file.
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let apns = Apns {
            signing,
            key_id: text(&config.push_apns_key_id),
            team_id: text(&config.push_apns_team_id),
            topic: text(&config.push_apns_topic),
            url: config.push_apns_url.clone(),
            provider_token: Cached::default(),
        };
        apns.sign(0).with_context(|| {
            format!(
                "QUIETLINE_PUSH_APNS_KEY_FILE: {} does not sign",
                path.display()
            )
        })?;
        Ok(Some(apns))
    }

    fn sign(&self, now: i64) -> anyhow::Result<String> {
        #[derive(serde::Serialize)]
        struct Claims<'a> {
            iss: &'a str,
            iat: i64,
        }
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.kid = Some(self.key_id.clone());
        Ok(jsonwebtoken::encode(
            &header,
            &Claims {
                iss: &self.team_id,
                iat: now,
            },
            &self.signing,
        )?)
    }

    fn token(&self, now: i64) -> Option<String> {
        if let Some(token) = self.provider_token.get(now) {
            return Some(token);
        }
        let token = self.sign(now).ok()?;
        self.provider_token.put(&token, now + APNS_TOKEN_REUSE);
        Some(token)
    }

    /// One wake-up to one device token.
    pub async fn send(&self, client: &awc::Client, now: i64, device_token: &str) -> Outcome {
        let Some(token) = self.token(now) else {
            return Outcome::Refused(0);
        };
        let request = client
            .post(format!("{}/3/device/{device_token}", self.url))
            .insert_header(("authorization", format!("bearer {token}")))
            .insert_header(("apns-topic", self.topic.as_str()))
            .insert_header(("apns-push-type", "background"))
            // Background pushes go at the lower priority, as Apple requires.
            .insert_header(("apns-priority", "5"))
            .insert_header(("apns-expiration", (now + WAKE_TTL).to_string()))
            .insert_header(("apns-collapse-id", "wake"))
            .content_type("application/json");
        let (status, reply) = match answer(request, APNS_WAKE_BODY.to_owned()).await {
            Ok(answered) => answered,
            Err(outcome) => return outcome,
        };
        let reason = reply["reason"].as_str().unwrap_or_default();
        match (status, reason) {
            (200, _) => Outcome::Delivered,
            (410, _) | (400, "BadDeviceToken" | "DeviceTokenNotForTopic") => Outcome::Gone,
            (403, "ExpiredProviderToken") => {
                self.provider_token.forget();
                Outcome::Retry
            }
            (429 | 500..=599, _) => Outcome::Retry,
            (status, _) => Outcome::Refused(status),
        }
    }
}

/// The parts of a Google service account key file that FCM's HTTP v1 API needs.
#[derive(serde::Deserialize)]
struct ServiceAccount {
    project_id: String,
    private_key_id: Option<String>,
    private_key: String,
    client_email: String,
    token_uri: String,
}

/// Firebase Cloud Messaging, HTTP v1 API: an OAuth 2.0 access token obtained with the service
/// account's key (RFC 7523), one data message per wake-up.
pub struct Fcm {
    signing: jsonwebtoken::EncodingKey,
    key_id: Option<String>,
    client_email: String,
    token_uri: String,
    send_url: String,
    access_token: Cached,
}

impl Fcm {
    fn load(config: &Config) -> anyhow::Result<Option<Fcm>> {
        const KEY: &str = "QUIETLINE_PUSH_FCM_CREDENTIALS_FILE";
        let Some(path) = &config.push_fcm_credentials_file else {
            return Ok(None);
        };
        let account: ServiceAccount =
            serde_json::from_slice(&read_file(KEY, path)?).map_err(|_| {
                anyhow::anyhow!(
                    "{KEY}: {} is not a service account key file",
                    path.display()
                )
            })?;
        let signing = jsonwebtoken::EncodingKey::from_rsa_pem(account.private_key.as_bytes())
            .map_err(|_| {
                anyhow::anyhow!("{KEY}: the private key in {} is unusable", path.display())
            })?;
        if !account.token_uri.starts_with("https://") {
            anyhow::bail!("{KEY}: the token_uri in {} is not https", path.display());
        }
        let project = &account.project_id;
        if project.is_empty()
            || !project
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            anyhow::bail!("{KEY}: the project_id in {} is not one", path.display());
        }
        Ok(Some(Fcm {
            signing,
            key_id: account.private_key_id,
            client_email: account.client_email,
            token_uri: account.token_uri,
            send_url: format!(
                "{}/v1/projects/{project}/messages:send",
                config.push_fcm_url
            ),
            access_token: Cached::default(),
        }))
    }

    async fn token(&self, client: &awc::Client, now: i64) -> Result<String, Outcome> {
        #[derive(serde::Serialize)]
        struct Claims<'a> {
            iss: &'a str,
            scope: &'a str,
            aud: &'a str,
            iat: i64,
            exp: i64,
        }
        #[derive(serde::Deserialize)]
        struct Granted {
            access_token: String,
            expires_in: i64,
        }
        if let Some(token) = self.access_token.get(now) {
            return Ok(token);
        }
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = self.key_id.clone();
        let assertion = jsonwebtoken::encode(
            &header,
            &Claims {
                iss: &self.client_email,
                scope: FCM_SCOPE,
                aud: &self.token_uri,
                iat: now,
                exp: now + 3600,
            },
            &self.signing,
        )
        .map_err(|_| Outcome::Refused(0))?;
        let mut response = client
            .post(&self.token_uri)
            .send_form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .await
            .map_err(|_| Outcome::Retry)?;
        let status = response.status().as_u16();
        if status != 200 {
            tracing::warn!(status, "FCM access token refused");
            return Err(match status {
                429 | 500..=599 => Outcome::Retry,
                status => Outcome::Refused(status),
            });
        }
        let granted: Granted = response
            .json()
            .limit(REPLY_LIMIT)
            .await
            .map_err(|_| Outcome::Retry)?;
        // Renewed five minutes before it lapses.
        self.access_token
            .put(&granted.access_token, now + granted.expires_in - 300);
        Ok(granted.access_token)
    }

    /// One wake-up to one registration token.
    pub async fn send(&self, client: &awc::Client, now: i64, registration_token: &str) -> Outcome {
        let token = match self.token(client, now).await {
            Ok(token) => token,
            Err(outcome) => return outcome,
        };
        let (key, value) = FCM_WAKE_DATA;
        let message = serde_json::json!({
            "message": {
                "token": registration_token,
                "data": { key: value },
                "android": {
                    "priority": "HIGH",
                    "ttl": format!("{WAKE_TTL}s"),
                    "collapse_key": "wake",
                },
            }
        });
        let request = client
            .post(&self.send_url)
            .insert_header(("authorization", format!("Bearer {token}")))
            .content_type("application/json");
        let (status, reply) = match answer(request, message.to_string()).await {
            Ok(answered) => answered,
            Err(outcome) => return outcome,
        };
        let reason = reply["error"]["status"].as_str().unwrap_or_default();
        match (status, reason) {
            (200, _) => Outcome::Delivered,
            (404, _) | (403, "SENDER_ID_MISMATCH") => Outcome::Gone,
            (401, _) => {
                self.access_token.forget();
                Outcome::Retry
            }
            (429 | 500..=599, _) => Outcome::Retry,
            (status, _) => Outcome::Refused(status),
        }
    }
}
