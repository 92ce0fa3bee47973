//! The reference client: what a mobile app embeds to use Quietline, and what the tests drive.
//! It signs up (a seeker) or takes an enrolled session (a worker), publishes and replenishes
//! prekeys, starts Signal sessions from bundles, encrypts to every device of a peer, retries on a
//! device mismatch, decrypts, acknowledges, and holds the delivery WebSocket.

mod desk;
pub mod signal;
pub mod vault;

use crate::api::{Challenge, SeekerSignup, SessionGrant};
use crate::padding;
use crate::relay::{
    AckReceipt, Acknowledge, ClientFrame, DeviceMismatch, Envelope, EnvelopePage,
    OutgoingCiphertext, PreKeyBundles, PreKeyCount, SendMessage, SendReceipt, ServerFrame,
};
use crate::{DeviceId, pow};
use awc::ws;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use signal::{SignalDevice, SignalError};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// One-time prekeys published at registration and per replenishment.
pub const PRE_KEY_BATCH: u32 = 20;
/// Sends retried after a device mismatch before giving up.
const SEND_ATTEMPTS: usize = 3;
/// Further tries of a request whose connection could not be made.
const CONNECT_ATTEMPTS: u32 = 5;

/// Waits 100 ms, then 200, 400 … before another connection attempt.
async fn connect_backoff(attempt: u32) {
    tokio::time::sleep(Duration::from_millis(100 << attempt.min(6))).await;
}

#[derive(Debug)]
pub enum ClientError {
    /// The server refused: its status, stable error code and body.
    Http {
        status: u16,
        code: String,
        body: serde_json::Value,
    },
    Signal(SignalError),
    Transport(String),
    /// These devices of the peer present a new identity key (a reinstall, or someone else):
    /// show the person that the safety number changed, and call
    /// [`Client::accept_new_identity`] only once they accept it.
    IdentityChanged {
        account_id: String,
        devices: Vec<u32>,
    },
    /// A card bundle was refused: altered, or signed by a key not trusted.
    Bundle(crate::cards::BundleError),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Http { status, code, .. } => write!(f, "server answered {status} {code}"),
            ClientError::Signal(e) => e.fmt(f),
            ClientError::Transport(e) => write!(f, "transport: {e}"),
            ClientError::Bundle(e) => e.fmt(f),
            ClientError::IdentityChanged {
                account_id,
                devices,
            } => {
                write!(
                    f,
                    "safety number changed for {account_id} devices {devices:?}"
                )
            }
        }
    }
}

impl std::error::Error for ClientError {}

impl From<SignalError> for ClientError {
    fn from(e: SignalError) -> ClientError {
        ClientError::Signal(e)
    }
}

fn transport(e: impl std::fmt::Display) -> ClientError {
    ClientError::Transport(e.to_string())
}

pub type Result<T> = std::result::Result<T, ClientError>;

/// A decrypted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub envelope_id: i64,
    pub from_account: String,
    pub from_device: u32,
    pub plaintext: Vec<u8>,
}

pub struct Client {
    base: String,
    http: awc::Client,
    pub session: SessionGrant,
    pub signal: SignalDevice,
    /// Devices of each peer this client holds sessions with.
    peers: HashMap<String, BTreeSet<u32>>,
}

fn new_http() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish()
}

async fn exchange<B: Serialize, R: DeserializeOwned>(
    http: &awc::Client,
    method: awc::http::Method,
    url: String,
    token: Option<&str>,
    body: Option<&B>,
) -> Result<R> {
    let mut request = http.request(method, url);
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let bytes = body
        .map(|body| padding::to_padded_json(body).map_err(transport))
        .transpose()?;
    if bytes.is_some() {
        request = request.insert_header(("Content-Type", "application/json"));
    }
    let request = request.freeze().map_err(transport)?;
    let mut attempt = 0;
    let mut response = loop {
        let sent = match &bytes {
            Some(bytes) => request.send_body(bytes.clone()).await,
            None => request.send().await,
        };
        match sent {
            // Nothing reached the server when the connection could not be made: trying again
            // cannot repeat a request, and rides out a busy or restarting server.
            Err(awc::error::SendRequestError::Connect(_)) if attempt < CONNECT_ATTEMPTS => {
                attempt += 1;
                connect_backoff(attempt).await;
            }
            other => break other.map_err(transport)?,
        }
    };
    let bytes = response
        .body()
        .limit(16 * 1024 * 1024)
        .await
        .map_err(transport)?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let code = body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        return Err(ClientError::Http { status, code, body });
    }
    serde_json::from_slice(&bytes).map_err(transport)
}

/// A card bundle that verified: what to keep for offline use (`signed`) and what it says.
#[derive(Clone, Debug)]
pub struct VerifiedBundle {
    pub signed: crate::cards::SignedBundle,
    pub payload: crate::cards::BundlePayload,
}

impl VerifiedBundle {
    /// The bytes an app stores for offline browsing.
    pub fn to_stored(&self) -> Vec<u8> {
        serde_json::to_vec(&self.signed).unwrap_or_default()
    }

    /// Reads a stored bundle back, verifying it again: a bundle changed on the phone (or
    /// anywhere since it was fetched) is refused.
    pub fn from_stored(
        bytes: &[u8],
        trusted: &[crate::cards::BundleKey],
        now: i64,
    ) -> Result<VerifiedBundle> {
        let signed: crate::cards::SignedBundle = serde_json::from_slice(bytes).map_err(|e| {
            ClientError::Bundle(crate::cards::BundleError::Malformed(e.to_string()))
        })?;
        let payload =
            crate::cards::verify_bundle(&signed, trusted, now).map_err(ClientError::Bundle)?;
        Ok(VerifiedBundle { signed, payload })
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
fn query_encoded(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Client {
    /// Signs up an anonymous seeker (solving the proof of work) and publishes fresh keys.
    pub async fn sign_up_seeker(base: &str) -> Result<Client> {
        Self::sign_up_seeker_through(base, None).await
    }

    /// Signs up a seeker who came through an entry point (its code decides which organisation
    /// their conversations reach).
    pub async fn sign_up_seeker_through(base: &str, entry_point: Option<&str>) -> Result<Client> {
        let http = new_http();
        let challenge: Challenge = exchange(
            &http,
            awc::http::Method::POST,
            format!("{base}/v1/signup/challenge"),
            None,
            Some(&serde_json::json!({})),
        )
        .await?;
        let bytes = URL_SAFE_NO_PAD
            .decode(&challenge.challenge)
            .map_err(transport)?;
        let solution = pow::solve(&bytes, challenge.bits);
        let signup = SeekerSignup {
            challenge: challenge.challenge,
            solution,
            entry_point: entry_point.map(str::to_string),
        };
        let session: SessionGrant = exchange(
            &http,
            awc::http::Method::POST,
            format!("{base}/v1/seekers"),
            None,
            Some(&signup),
        )
        .await?;
        Self::with_session(base, session).await
    }

    /// Redeems a worker invite (handle and passphrase chosen by the worker) and publishes keys.
    pub async fn accept_invite(base: &str, invite: crate::api::AcceptInvite) -> Result<Client> {
        let http = new_http();
        let enrolment: crate::api::Enrolment = exchange(
            &http,
            awc::http::Method::POST,
            format!("{base}/v1/invites/accept"),
            None,
            Some(&invite),
        )
        .await?;
        Self::with_session(base, enrolment.session).await
    }

    /// Signs a worker in (a new device of their account, with a new Signal identity) and
    /// publishes its keys.
    pub async fn log_in_worker(base: &str, login: &crate::api::Login) -> Result<Client> {
        let http = new_http();
        let session: SessionGrant = exchange(
            &http,
            awc::http::Method::POST,
            format!("{base}/v1/sessions"),
            None,
            Some(login),
        )
        .await?;
        Self::with_session(base, session).await
    }

    /// A client for a device that already has a session (e.g. a worker after enrolment): makes a
    /// new Signal identity for it and publishes its keys.
    pub async fn with_session(base: &str, session: SessionGrant) -> Result<Client> {
        let mut client = Client {
            base: base.trim_end_matches('/').to_string(),
            http: new_http(),
            session,
            signal: SignalDevice::generate()?,
            peers: HashMap::new(),
        };
        client.publish_keys().await?;
        Ok(client)
    }

    pub fn account_id(&self) -> &str {
        &self.session.account_id.0
    }

    pub fn device_id(&self) -> u32 {
        self.session.device_id.0
    }

    async fn call<B: Serialize, R: DeserializeOwned>(
        &self,
        method: awc::http::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<R> {
        exchange(
            &self.http,
            method,
            format!("{}{path}", self.base),
            Some(self.session.access_token.expose()),
            body,
        )
        .await
    }

    /// Publishes this device's identity, signed prekeys and a batch of one-time prekeys.
    pub async fn publish_keys(&mut self) -> Result<PreKeyCount> {
        let keys = self.signal.device_keys(PRE_KEY_BATCH).await?;
        self.call(awc::http::Method::PUT, "/v1/keys", Some(&keys))
            .await
    }

    /// Uploads more one-time prekeys and rotates the signed prekey.
    pub async fn replenish(&mut self) -> Result<PreKeyCount> {
        let upload = self.signal.replenish(PRE_KEY_BATCH).await?;
        self.call(awc::http::Method::POST, "/v1/keys/prekeys", Some(&upload))
            .await
    }

    pub async fn pre_key_count(&self) -> Result<PreKeyCount> {
        self.call::<(), _>(awc::http::Method::GET, "/v1/keys/count", None)
            .await
    }

    pub async fn fetch_bundles(&self, account_id: &str) -> Result<PreKeyBundles> {
        self.call::<(), _>(
            awc::http::Method::GET,
            &format!("/v1/keys/{account_id}"),
            None,
        )
        .await
    }

    /// Starts sessions with the listed devices of a peer (all of them when `only` is empty).
    /// A device whose identity key changed is not trusted silently: the send stops with
    /// [`ClientError::IdentityChanged`].
    async fn start_sessions(&mut self, account_id: &str, only: &BTreeSet<u32>) -> Result<()> {
        let bundles = self.fetch_bundles(account_id).await?;
        let mut changed = Vec::new();
        for bundle in bundles.devices {
            if only.is_empty() || only.contains(&bundle.device_id.0) {
                if self.signal.identity_changed(account_id, &bundle).await? {
                    changed.push(bundle.device_id.0);
                    continue;
                }
                self.signal.start_session(account_id, &bundle).await?;
                self.peers
                    .entry(account_id.to_string())
                    .or_default()
                    .insert(bundle.device_id.0);
            }
        }
        if changed.is_empty() {
            Ok(())
        } else {
            Err(ClientError::IdentityChanged {
                account_id: account_id.to_string(),
                devices: changed,
            })
        }
    }

    /// After the person accepted a changed safety number: trusts the peer's new identity keys
    /// and starts fresh sessions with those devices.
    pub async fn accept_new_identity(&mut self, account_id: &str) -> Result<()> {
        let bundles = self.fetch_bundles(account_id).await?;
        for bundle in bundles.devices {
            if self.signal.identity_changed(account_id, &bundle).await? {
                self.signal.trust_identity(account_id, &bundle).await?;
                self.signal.start_session(account_id, &bundle).await?;
                self.peers
                    .entry(account_id.to_string())
                    .or_default()
                    .insert(bundle.device_id.0);
            }
        }
        Ok(())
    }

    /// Replaces this device's Signal identity and keys, as a reinstall does. Peers see a changed
    /// safety number on their next send.
    pub async fn reregister(&mut self) -> Result<PreKeyCount> {
        self.signal = SignalDevice::generate()?;
        self.peers.clear();
        self.publish_keys().await
    }

    /// Encrypts `plaintext` to every device of `recipient` and sends it under a new message id.
    pub async fn send_text(&mut self, recipient: &str, plaintext: &[u8]) -> Result<SendReceipt> {
        let id = uuid::Uuid::new_v4().to_string();
        self.send_with_id(recipient, &id, plaintext).await
    }

    /// Sends under a chosen message id (a retry reuses it, and is accepted once). On a device
    /// mismatch, fetches bundles for new and re-registered devices, drops removed ones, retries.
    pub async fn send_with_id(
        &mut self,
        recipient: &str,
        id: &str,
        plaintext: &[u8],
    ) -> Result<SendReceipt> {
        if !self.peers.contains_key(recipient) {
            self.start_sessions(recipient, &BTreeSet::new()).await?;
        }
        let mut last = None;
        for _ in 0..SEND_ATTEMPTS {
            let devices = self.peers.get(recipient).cloned().unwrap_or_default();
            let mut messages = Vec::with_capacity(devices.len());
            for device in devices {
                let (kind, content, registration_id) =
                    self.signal.encrypt(recipient, device, plaintext).await?;
                messages.push(OutgoingCiphertext {
                    device_id: DeviceId(device),
                    registration_id,
                    kind,
                    content,
                });
            }
            let message = SendMessage {
                id: id.to_string(),
                messages,
            };
            match self
                .call(
                    awc::http::Method::POST,
                    &format!("/v1/messages/{recipient}"),
                    Some(&message),
                )
                .await
            {
                Err(ClientError::Http {
                    status: 409,
                    body,
                    code,
                }) => {
                    let mismatch: DeviceMismatch =
                        serde_json::from_value(body["error"]["devices"].clone())
                            .unwrap_or_default();
                    self.apply_mismatch(recipient, &mismatch).await?;
                    last = Some(ClientError::Http {
                        status: 409,
                        body,
                        code,
                    });
                }
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| transport("send failed")))
    }

    async fn apply_mismatch(&mut self, recipient: &str, mismatch: &DeviceMismatch) -> Result<()> {
        let known = self.peers.entry(recipient.to_string()).or_default();
        for device in &mismatch.extra_devices {
            known.remove(&device.0);
        }
        for device in mismatch.extra_devices.iter().chain(&mismatch.stale_devices) {
            self.signal.forget_session(recipient, device.0).await?;
        }
        let refresh: BTreeSet<u32> = mismatch
            .missing_devices
            .iter()
            .chain(&mismatch.stale_devices)
            .map(|d| d.0)
            .collect();
        if refresh.is_empty() && mismatch.extra_devices.is_empty() {
            // The server named nothing (a device vanished mid-send): start over from bundles.
            self.peers.remove(recipient);
            return self.start_sessions(recipient, &BTreeSet::new()).await;
        }
        if !refresh.is_empty() {
            self.start_sessions(recipient, &refresh).await?;
        }
        Ok(())
    }

    /// The first page of this device's queue, over HTTP.
    pub async fn fetch(&self) -> Result<EnvelopePage> {
        self.call::<(), _>(awc::http::Method::GET, "/v1/messages", None)
            .await
    }

    pub async fn acknowledge(&self, ids: Vec<i64>) -> Result<AckReceipt> {
        self.call(
            awc::http::Method::POST,
            "/v1/messages/ack",
            Some(&Acknowledge { ids }),
        )
        .await
    }

    /// The conversations this account takes part in that are not closed. A seeker's client
    /// encrypts to the `workers` listed here; after a `workers_changed` event it reads them again.
    pub async fn conversations(&self) -> Result<Vec<crate::api::Conversation>> {
        self.call::<(), _>(awc::http::Method::GET, "/v1/conversations", None)
            .await
    }

    /// (Seekers) Answers a referral offered in a conversation: the conversation moves to the
    /// partner organisation only when `accept` is true.
    pub async fn answer_referral(
        &self,
        conversation_id: &str,
        accept: bool,
    ) -> Result<crate::api::Conversation> {
        let answer = if accept { "accept" } else { "decline" };
        self.call::<(), _>(
            awc::http::Method::POST,
            &format!("/v1/conversations/{conversation_id}/referral/{answer}"),
            None,
        )
        .await
    }

    /// The public keys that sign an organisation's card bundles. An app pins them (shipped with
    /// it, or on first use) and passes them to [`Client::card_bundle`].
    pub async fn card_bundle_keys(
        &self,
        organisation_id: &str,
    ) -> Result<Vec<crate::cards::BundleKey>> {
        self.call::<(), _>(
            awc::http::Method::GET,
            &format!("/v1/organisations/{organisation_id}/cards/keys"),
            None,
        )
        .await
    }

    /// Every published card of an organisation for the locales (best first) and region, in one
    /// signed bundle to browse and search offline, so that the server never learns which card is
    /// read. The bundle is verified against `trusted` keys at `now`: one altered on the way or
    /// at rest, or signed by a key not trusted, is refused.
    pub async fn card_bundle(
        &self,
        organisation_id: &str,
        locales: &[&str],
        region: Option<&str>,
        trusted: &[crate::cards::BundleKey],
        now: i64,
    ) -> Result<VerifiedBundle> {
        let mut path = format!(
            "/v1/organisations/{organisation_id}/cards/bundle?locales={}",
            query_encoded(&locales.join(","))
        );
        if let Some(region) = region {
            path.push_str(&format!("&region={}", query_encoded(region)));
        }
        let signed: crate::cards::SignedBundle = self
            .call::<(), _>(awc::http::Method::GET, &path, None)
            .await?;
        let payload =
            crate::cards::verify_bundle(&signed, trusted, now).map_err(ClientError::Bundle)?;
        Ok(VerifiedBundle { signed, payload })
    }

    /// Decrypts an envelope. A message from a device not yet known becomes a known peer device.
    pub async fn open(&mut self, envelope: &Envelope) -> Result<Received> {
        let from_account = envelope
            .source_account
            .as_ref()
            .map(|a| a.0.clone())
            .ok_or_else(|| transport("envelope without sender"))?;
        let from_device = envelope
            .source_device
            .map(|d| d.0)
            .ok_or_else(|| transport("envelope without sender device"))?;
        if envelope.kind == crate::relay::EnvelopeType::Prekey
            && self
                .signal
                .prekey_identity_changed(&from_account, from_device, &envelope.content)
                .await?
        {
            return Err(ClientError::IdentityChanged {
                account_id: from_account,
                devices: vec![from_device],
            });
        }
        let plaintext = self
            .signal
            .decrypt(&from_account, from_device, envelope.kind, &envelope.content)
            .await?;
        self.peers
            .entry(from_account.clone())
            .or_default()
            .insert(from_device);
        Ok(Received {
            envelope_id: envelope.id,
            from_account,
            from_device,
            plaintext,
        })
    }

    /// Quick exit: wipes this seeker's account on the server, then the local state file. Sent
    /// exactly like a sync, so the traffic does not show it.
    pub async fn quick_exit(&self, state_file: Option<&std::path::Path>) -> Result<()> {
        let _: EnvelopePage = self
            .call(
                awc::http::Method::POST,
                "/v1/quick-exit",
                Some(&crate::relay::Sync {}),
            )
            .await?;
        if let Some(path) = state_file {
            let _ = std::fs::remove_file(path);
        }
        Ok(())
    }

    /// Ties the quick exit to a duress code: writes, next to the state file, a small file sealed
    /// under the code holding only what the wipe needs (the server address and this device's
    /// tokens). Entering the code instead of the passphrase then wipes everything
    /// ([`Client::exit_under_duress`]).
    pub fn arm_duress_code(&self, state_file: &std::path::Path, duress_code: &str) -> Result<()> {
        let armed = DuressState {
            base: self.base.clone(),
            access_token: self.session.access_token.clone(),
            refresh_token: self.session.refresh_token.clone(),
        };
        let json = serde_json::to_vec(&armed).map_err(transport)?;
        write_private(
            &duress_file(state_file),
            &vault::seal(&json, duress_code).map_err(transport)?,
        )
    }

    /// If `code` is the duress code, wipes the account on the server and both local files, and
    /// returns true: the app can then show an empty start screen. Returns false for any other code.
    pub async fn exit_under_duress(state_file: &std::path::Path, code: &str) -> Result<bool> {
        let Ok(sealed) = std::fs::read(duress_file(state_file)) else {
            return Ok(false);
        };
        let Ok(json) = vault::open(&sealed, code) else {
            return Ok(false);
        };
        // The files go first: whatever happens on the network, nothing is left to find here.
        let _ = std::fs::remove_file(state_file);
        let _ = std::fs::remove_file(duress_file(state_file));
        let armed: DuressState = serde_json::from_slice(&json).map_err(transport)?;
        let http = new_http();
        let url = format!("{}/v1/quick-exit", armed.base);
        let body = crate::relay::Sync {};
        let exited: Result<EnvelopePage> = exchange(
            &http,
            awc::http::Method::POST,
            url.clone(),
            Some(armed.access_token.expose()),
            Some(&body),
        )
        .await;
        if exited.is_err() {
            // The access token may have expired since it was armed: refresh, then wipe.
            let refresh = crate::api::Refresh {
                refresh_token: armed.refresh_token,
            };
            let session: SessionGrant = exchange(
                &http,
                awc::http::Method::POST,
                format!("{}/v1/sessions/refresh", armed.base),
                None,
                Some(&refresh),
            )
            .await?;
            let _: EnvelopePage = exchange(
                &http,
                awc::http::Method::POST,
                url,
                Some(session.access_token.expose()),
                Some(&body),
            )
            .await?;
        }
        Ok(true)
    }

    /// Writes this client's whole state (tokens, Signal identity, prekeys, sessions) to `path`,
    /// encrypted under `passphrase`.
    pub async fn save(&self, path: &std::path::Path, passphrase: &str) -> Result<()> {
        let peers: Vec<(String, u32)> = self
            .peers
            .iter()
            .flat_map(|(account, devices)| devices.iter().map(move |d| (account.clone(), *d)))
            .collect();
        let state = SavedState {
            base: self.base.clone(),
            session: self.session.clone(),
            peers: self
                .peers
                .iter()
                .map(|(a, d)| (a.clone(), d.iter().copied().collect()))
                .collect(),
            signal: URL_SAFE_NO_PAD.encode(self.signal.export(&peers).await?),
        };
        let json = serde_json::to_vec(&state).map_err(transport)?;
        let sealed = vault::seal(&json, passphrase).map_err(transport)?;
        write_private(path, &sealed)
    }

    /// Restores a client saved with [`Client::save`].
    pub async fn load(path: &std::path::Path, passphrase: &str) -> Result<Client> {
        let sealed = std::fs::read(path).map_err(transport)?;
        let json = vault::open(&sealed, passphrase).map_err(transport)?;
        let state: SavedState = serde_json::from_slice(&json).map_err(transport)?;
        let snapshot = URL_SAFE_NO_PAD.decode(&state.signal).map_err(transport)?;
        Ok(Client {
            base: state.base,
            http: new_http(),
            session: state.session,
            signal: SignalDevice::import(&snapshot).await?,
            peers: state
                .peers
                .into_iter()
                .map(|(a, d)| (a, d.into_iter().collect()))
                .collect(),
        })
    }

    /// Exchanges the refresh token for a new token pair (before the access token expires).
    pub async fn refresh(&mut self) -> Result<()> {
        let body = crate::api::Refresh {
            refresh_token: self.session.refresh_token.clone(),
        };
        self.session = exchange(
            &self.http,
            awc::http::Method::POST,
            format!("{}/v1/sessions/refresh", self.base),
            None,
            Some(&body),
        )
        .await?;
        Ok(())
    }

    /// Opens the delivery WebSocket, authenticated by header.
    pub async fn connect(&self) -> Result<Socket> {
        let url = format!("{}/v1/websocket", self.base.replacen("http", "ws", 1));
        let (_, framed) = self
            .http
            .ws(url)
            .bearer_auth(self.session.access_token.expose())
            .max_frame_size(1024 * 1024)
            .connect()
            .await
            .map_err(transport)?;
        Ok(Socket { framed })
    }
}

/// Readable by its owner only; written whole to a temporary file, then renamed, so a crash never
/// leaves half a file.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let temporary = path.with_extension("tmp");
    {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)
            .map_err(transport)?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(transport)?;
    }
    std::fs::rename(&temporary, path).map_err(transport)
}

fn duress_file(state_file: &std::path::Path) -> std::path::PathBuf {
    let mut name = state_file.as_os_str().to_owned();
    name.push(".d");
    std::path::PathBuf::from(name)
}

#[derive(serde::Serialize, serde::Deserialize)]
struct DuressState {
    base: String,
    access_token: crate::Secret,
    refresh_token: crate::Secret,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SavedState {
    base: String,
    session: SessionGrant,
    peers: Vec<(String, Vec<u32>)>,
    signal: String,
}

/// The delivery WebSocket of one device.
pub struct Socket {
    framed: actix_codec::Framed<awc::BoxedSocket, ws::Codec>,
}

impl Socket {
    /// The next frame from the server; `None` once the server closed the socket.
    pub async fn next_frame(&mut self) -> Result<Option<ServerFrame>> {
        while let Some(frame) = self.framed.next().await {
            match frame.map_err(transport)? {
                ws::Frame::Text(bytes) => {
                    return serde_json::from_slice(&bytes).map(Some).map_err(transport);
                }
                ws::Frame::Ping(bytes) => self
                    .framed
                    .send(ws::Message::Pong(bytes))
                    .await
                    .map_err(transport)?,
                ws::Frame::Close(_) => return Ok(None),
                _ => {}
            }
        }
        Ok(None)
    }

    /// Acknowledges delivered envelopes over the socket.
    pub async fn acknowledge(&mut self, ids: Vec<i64>) -> Result<()> {
        let bytes = padding::to_padded_json(&ClientFrame::Ack { ids }).map_err(transport)?;
        let text = String::from_utf8(bytes).map_err(transport)?;
        self.framed
            .send(ws::Message::Text(text.into()))
            .await
            .map_err(transport)
    }

    /// Closes the socket and waits for the server's closing frame (the closing handshake), so
    /// that the server has let go of the connection when this returns.
    pub async fn close(mut self) -> Result<()> {
        self.framed
            .send(ws::Message::Close(None))
            .await
            .map_err(transport)?;
        while let Some(frame) = self.framed.next().await {
            if matches!(frame.map_err(transport)?, ws::Frame::Close(_)) {
                break;
            }
        }
        Ok(())
    }
}
