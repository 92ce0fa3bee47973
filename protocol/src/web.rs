//! Wire types of the web entry: the page an entry point's link opens in a browser, which unlocks
//! with the entry point's word, shows the organisation's resource cards and lets a seeker who
//! cannot install an app write to a worker. The browser seals every message to the workers'
//! devices' intake keys ([`crate::relay::EnvelopeType::Sealed`]); a codename, never sent, gives it
//! the handle it comes back by and the key replies are sealed to.

use crate::api::{ConversationState, SessionGrant};
use crate::ids::{AccountId, DeviceId};
use crate::relay::SealedDevice;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Opens an entry point's web entry: its public slug and the word its administrators chose.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Unlock {
    pub slug: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub word: Secret,
    /// Languages the page is read in, BCP 47, most preferred first [default: from
    /// `Accept-Language`].
    #[serde(default)]
    pub languages: Vec<String>,
}

/// A language a seeker may write in: one the organisation's workers read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OfferedLanguage {
    pub tag: String,
    /// Its name, in itself.
    pub name: String,
}

/// What an unlocked page shows and needs.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Unlocked {
    /// Proves the word was known, for [`WebSignup`]; valid for an hour.
    pub pass: String,
    /// The page's content: the resource cards and the way to talk to someone, rendered in the
    /// page's language.
    pub html: String,
    /// The page's language.
    pub language: String,
    /// Words a codename is made of, in the page's language where it has a list.
    pub words: Vec<String>,
    /// How many of them a codename has.
    pub codename_words: u8,
    pub languages: Vec<OfferedLanguage>,
    /// The entry point's topics.
    pub topics: Vec<String>,
}

/// A seeker in a browser starts: the proof of work of any sign-up, the handle derived from
/// their codename (only a keyed hash of it is kept) and the public key replies are sealed to.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebSignup {
    pub pass: String,
    /// 32 bytes, base64url without padding.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub handle: Secret,
    /// X25519, with its type byte (33 bytes).
    #[serde(with = "crate::bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub public_key: Vec<u8>,
    pub challenge: String,
    pub solution: u64,
}

/// A seeker comes back by the handle derived from their codename.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Resume {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub handle: Secret,
}

/// The answer to [`Resume`], the same status and size whether or not the handle is known.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Resumed {
    pub session: Option<SessionGrant>,
}

/// A device a browser seals to, and whose it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SealedRecipient {
    pub account_id: AccountId,
    #[serde(flatten)]
    pub device: SealedDevice,
}

/// Whom the seeker's next message is sealed to: while the conversation waits, every device of
/// the organisation's workers (the copies of the worker who claims it reach them, the others are
/// deleted); once claimed, the devices of its workers.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WebRecipients {
    pub conversation_id: String,
    pub state: ConversationState,
    pub recipients: Vec<SealedRecipient>,
}

/// One sealed copy for one device.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SealedCopy {
    pub device_id: DeviceId,
    #[serde(with = "crate::bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub content: Vec<u8>,
}

/// A message to one account: its own id (the associated data of each copy) and a copy for each
/// of the account's devices in [`WebRecipients`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SealedSend {
    pub to: AccountId,
    pub id: String,
    pub copies: Vec<SealedCopy>,
}

/// One message of a seeker in a browser, to every account in [`WebRecipients`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebMessage {
    pub sends: Vec<SealedSend>,
}

/// Sets the word that opens an entry point's web entry, or (`null`) closes it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetUnlockWord {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub word: Option<Secret>,
}

/// Brings a word to the form its hash is taken of: trimmed, lowercase, one space between words.
pub fn normalise_word(word: &str) -> String {
    word.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}
