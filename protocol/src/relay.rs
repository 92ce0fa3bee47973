//! Wire types of the encrypted relay: the key directory, envelopes, and WebSocket frames. The
//! server stores and forwards these; it never reads `content`.

use crate::ids::{AccountId, DeviceId};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A one-time elliptic-curve prekey (Curve25519, 33 bytes with its type byte).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EcPreKey {
    pub key_id: u32,
    #[serde(with = "crate::bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub public_key: Vec<u8>,
}

/// A prekey signed by the device's identity key: the signed EC prekey, or a Kyber prekey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignedPreKey {
    pub key_id: u32,
    #[serde(with = "crate::bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub public_key: Vec<u8>,
    #[serde(with = "crate::bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub signature: Vec<u8>,
}

/// A device's key for messages sealed without a session (the web entry): X25519, with its type
/// byte like every EC key, signed by the device's identity key (a browser's key has no signature:
/// it has no identity key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IntakeKey {
    #[serde(with = "crate::bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub public_key: Vec<u8>,
    #[serde(with = "crate::bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub signature: Vec<u8>,
}

/// Everything a device publishes so others can start sessions with it (PQXDH).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeviceKeys {
    #[serde(with = "crate::bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub identity_key: Vec<u8>,
    pub registration_id: u32,
    pub signed_pre_key: SignedPreKey,
    /// The Kyber prekey handed out when no one-time Kyber prekey is left.
    pub pq_last_resort_pre_key: SignedPreKey,
    #[serde(default)]
    pub pre_keys: Vec<EcPreKey>,
    #[serde(default)]
    pub pq_pre_keys: Vec<SignedPreKey>,
    /// The key browsers seal to (the web entry); workers' devices publish one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intake_key: Option<IntakeKey>,
}

/// More one-time prekeys, and optionally a rotated signed prekey or last-resort Kyber prekey.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PreKeyUpload {
    #[serde(default)]
    pub pre_keys: Vec<EcPreKey>,
    #[serde(default)]
    pub pq_pre_keys: Vec<SignedPreKey>,
    #[serde(default)]
    pub signed_pre_key: Option<SignedPreKey>,
    #[serde(default)]
    pub pq_last_resort_pre_key: Option<SignedPreKey>,
}

/// How many one-time prekeys a device has left.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PreKeyCount {
    pub ec: u32,
    pub pq: u32,
}

/// What one device of the recipient offers to start a session.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DeviceBundle {
    pub device_id: DeviceId,
    pub registration_id: u32,
    #[serde(with = "crate::bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub identity_key: Vec<u8>,
    pub signed_pre_key: SignedPreKey,
    /// Absent when the device has run out of one-time EC prekeys.
    pub pre_key: Option<EcPreKey>,
    /// A one-time Kyber prekey, or the last-resort one.
    pub pq_pre_key: SignedPreKey,
}

/// A device reached only by sealing to its intake key: a seeker in a browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SealedDevice {
    pub device_id: DeviceId,
    /// X25519, with its type byte.
    #[serde(with = "crate::bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub public_key: Vec<u8>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PreKeyBundles {
    pub account_id: AccountId,
    pub devices: Vec<DeviceBundle>,
    /// Devices without Signal keys: send them `sealed` envelopes, registration id 0.
    #[serde(default)]
    pub sealed_devices: Vec<SealedDevice>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EnvelopeType {
    /// Starts a session (PQXDH PreKey message).
    Prekey,
    /// A message within a session.
    Message,
    /// A control event between clients (e.g. timer changed); also end to end encrypted.
    Control,
    /// Sealed to the recipient device's intake key without a session (the web entry): HPKE
    /// base mode (RFC 9180: X25519, HKDF-SHA256, AES-128-GCM), info `quietline web v1`, the
    /// message id as associated data; content is the encapsulated key then the ciphertext.
    Sealed,
    /// A hand-off summary from the worker handing a conversation over to the one taking it,
    /// accepted only under the seeker's consent: a Signal ciphertext whose first byte is its own
    /// type's code (prekey or message).
    Summary,
}

impl EnvelopeType {
    pub fn code(self) -> i16 {
        match self {
            EnvelopeType::Prekey => 1,
            EnvelopeType::Message => 2,
            EnvelopeType::Control => 3,
            EnvelopeType::Sealed => 4,
            EnvelopeType::Summary => 5,
        }
    }

    pub fn from_code(code: i16) -> Option<EnvelopeType> {
        match code {
            1 => Some(EnvelopeType::Prekey),
            2 => Some(EnvelopeType::Message),
            3 => Some(EnvelopeType::Control),
            4 => Some(EnvelopeType::Sealed),
            5 => Some(EnvelopeType::Summary),
            _ => None,
        }
    }
}

/// One device's copy of a message, encrypted for that device.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OutgoingCiphertext {
    pub device_id: DeviceId,
    /// The registration id the sender's session was built with; a mismatch means stale.
    pub registration_id: u32,
    #[serde(rename = "type")]
    pub kind: EnvelopeType,
    #[serde(with = "crate::bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub content: Vec<u8>,
}

/// A message to every device of one account.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    /// Chosen by the sender (a UUID); a retried send with the same id is accepted once.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub id: String,
    /// One ciphertext per device of the recipient, each device once.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub messages: Vec<OutgoingCiphertext>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SendReceipt {
    pub id: String,
    /// False when this id had been accepted before (a retry); nothing was queued twice.
    pub queued: bool,
}

/// The devices a send must target, when it did not: fetch bundles for `missing`, drop `extra`,
/// rebuild sessions with `stale`, then retry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DeviceMismatch {
    pub missing_devices: Vec<DeviceId>,
    pub extra_devices: Vec<DeviceId>,
    pub stale_devices: Vec<DeviceId>,
}

/// A queued message for this device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Envelope {
    /// Server id; acknowledge with it.
    pub id: i64,
    /// The sender's message id.
    pub guid: String,
    #[serde(rename = "type")]
    pub kind: EnvelopeType,
    pub source_account: Option<AccountId>,
    pub source_device: Option<DeviceId>,
    /// When the server accepted it, to the minute.
    pub server_received: i64,
    pub expires_at: i64,
    /// The conversation's disappearing timer when this was sent: a client deletes the message
    /// this many seconds after reading it.
    #[serde(default)]
    pub disappearing_seconds: Option<u64>,
    #[serde(with = "crate::bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub content: Vec<u8>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EnvelopePage {
    pub envelopes: Vec<Envelope>,
    /// More are queued beyond this page.
    pub more: bool,
}

/// Body of a sync, and of a quick exit, which must look the same on the wire.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Sync {}

/// What a callback request holds, sealed to the organisation's workers while it waits (never
/// seen by the server): when it is safe to answer, and anything else the seeker wants them to
/// know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackRequest {
    pub callback: CallbackDetails,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackDetails {
    /// When it is safe, in the seeker's words (e.g. "weekdays after 6 pm").
    pub window: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// What a hand-off summary holds, end to end encrypted (never seen by the server): which
/// conversation it is about, and what the incoming worker needs to know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffSummary {
    pub conversation_id: String,
    pub text: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Acknowledge {
    pub ids: Vec<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AckReceipt {
    /// Envelopes deleted (ids already gone are not counted).
    pub acknowledged: u32,
}

/// Frames the server sends over the WebSocket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Authentication succeeded; queued envelopes follow.
    Ready,
    Envelope {
        envelope: Envelope,
    },
    /// Everything queued so far has been sent.
    QueueEmpty,
    /// These acknowledgements could not be recorded (the server could not write): the envelopes
    /// stay queued and will be delivered again; a client drops the duplicates by id.
    AcknowledgementFailed {
        ids: Vec<i64>,
    },
    /// A conversation this device takes part in has ended (the other side left it). Its session
    /// keys should be dropped.
    ConversationEnded {
        conversation_id: String,
    },
    /// A conversation's disappearing-message timer changed.
    DisappearingTimer {
        conversation_id: String,
        seconds: Option<u64>,
    },
    /// (Workers) A conversation is waiting in the organisation's queue.
    ConversationWaiting {
        conversation_id: String,
    },
    /// The workers of a conversation changed (a transfer, a return to the queue, a referral that
    /// was accepted): encrypt to these workers' devices from now on. The server re-shares nothing
    /// of what was said before.
    WorkersChanged {
        conversation_id: String,
        workers: Vec<String>,
        /// The handles of `workers`, in the same order.
        #[serde(default)]
        handles: Vec<String>,
    },
    /// (Workers) A colleague claimed a waiting conversation of the organisation: it has left the
    /// queue.
    ConversationClaimed {
        conversation_id: String,
        handle: String,
    },
    /// (Seekers) A worker offers a referral to a partner organisation; the conversation moves
    /// only if the seeker accepts.
    ReferralOffered {
        conversation_id: String,
        organisation_id: String,
        organisation_name: String,
    },
    /// (Seekers) The worker asks whether they may pass a summary of the conversation to the
    /// worker who takes it over, so the seeker need not tell it again. Answer with
    /// `POST /v1/conversations/{id}/handoff/answer`.
    HandoffConsentAsked {
        conversation_id: String,
    },
    /// (Workers) The seeker answered a hand-off request.
    HandoffConsentAnswered {
        conversation_id: String,
        granted: bool,
    },
    /// (Workers) The seeker answered a referral.
    ReferralAnswered {
        conversation_id: String,
        accepted: bool,
    },
    /// (Workers) A seeker of one of your conversations came back on a new device with their
    /// recovery phrase: their old devices are gone and their safety number changed. Show it, and
    /// start new sessions once the worker accepts it.
    IdentityChanged {
        account_id: String,
    },
    /// One-time prekeys are running low: upload more.
    PreKeysLow {
        count: PreKeyCount,
    },
}

/// Frames a client sends over the WebSocket.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// First frame, when the token was not sent in the `Authorization` header.
    Auth {
        token: crate::Secret,
    },
    Ack {
        ids: Vec<i64>,
    },
}
