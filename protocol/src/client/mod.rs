//! The reference client: what a mobile app embeds to use Quietline, and what the tests drive.
//! It signs up (a seeker) or takes an enrolled session (a worker), publishes and replenishes
//! prekeys, starts Signal sessions from bundles, encrypts to every device of a peer, retries on a
//! device mismatch, decrypts, acknowledges, and holds the delivery WebSocket.

mod cards;
mod desk;
mod duress;
mod http;
mod messaging;
mod notes;
mod recovery;
pub use recovery::recovery_request;
pub mod sealed;
pub mod signal;
mod socket;
mod state;
pub mod vault;

pub use cards::VerifiedBundle;
use http::*;
pub use notes::ReadCaseNote;
pub use socket::Socket;
use state::*;

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
    /// A hand-off summary from the colleague who handed the conversation over, sent with the
    /// seeker's consent: show it as such, apart from the conversation.
    pub summary: bool,
}

impl Received {
    /// The callback request this holds, when it is one (sealed by a seeker while it waited).
    pub fn callback_request(&self) -> Option<crate::relay::CallbackDetails> {
        serde_json::from_slice::<crate::relay::CallbackRequest>(&self.plaintext)
            .ok()
            .map(|request| request.callback)
    }

    /// The hand-off summary this holds, when it is one.
    pub fn handoff_summary(&self) -> Option<crate::relay::HandoffSummary> {
        self.summary
            .then(|| serde_json::from_slice(&self.plaintext).ok())
            .flatten()
    }
}

pub struct Client {
    base: String,
    http: awc::Client,
    pub session: SessionGrant,
    pub signal: SignalDevice,
    /// Devices of each peer this client holds sessions with.
    peers: HashMap<String, BTreeSet<u32>>,
    /// Peers reached by sealing to their intake keys (seekers in a browser), with those keys.
    sealed_peers: HashMap<String, Vec<crate::relay::SealedDevice>>,
    /// Peers who wrote sealed messages: seekers in a browser, whatever keys are known yet.
    sealed_senders: BTreeSet<String>,
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
            sealed_peers: HashMap::new(),
            sealed_senders: BTreeSet::new(),
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

    /// Whether a peer writes from the web entry's page (no Signal keys, so no safety number).
    pub fn writes_from_a_page(&self, account_id: &str) -> bool {
        self.sealed_peers.contains_key(account_id) || self.sealed_senders.contains(account_id)
    }
}
