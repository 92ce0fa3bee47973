//! Request and response bodies of the HTTP API. Requests refuse unknown fields, so a typo in a
//! client is an error rather than a silently ignored setting. Times are Unix seconds.

use crate::Secret;
use crate::ids::{AccountId, DeviceId, OrganisationId};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The three kinds of user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Seeker,
    Worker,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Seeker => "seeker",
            Role::Worker => "worker",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "seeker" => Some(Role::Seeker),
            "worker" => Some(Role::Worker),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A sign-up challenge: find a proof of work for it, then sign up before it expires.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Challenge {
    /// Opaque bytes, base64url without padding; hash them as decoded bytes.
    pub challenge: String,
    /// Leading zero bits the solution's SHA-256 must have.
    pub bits: u8,
    pub expires_at: i64,
}

/// Anonymous sign-up of a seeker: nothing about the person is asked.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SeekerSignup {
    pub challenge: String,
    pub solution: u64,
    /// The entry point code the seeker came through, if any: it decides which organisation
    /// their conversations reach.
    #[serde(default)]
    pub entry_point: Option<String>,
}

/// An entry point as its organisation's administrators see it. The code is shown once, at
/// creation: only its hash is stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EntryPoint {
    pub id: String,
    pub organisation_id: OrganisationId,
    /// For administrators only (e.g. "recipes poster, Surrey"); never shown to seekers.
    pub label: String,
    pub default_language: String,
    /// Topics the organisation offers through this entry point (e.g. work, housing, safety).
    pub topics: Vec<String>,
    /// What an app built on it passes for.
    pub theme: crate::decoys::DisguiseTheme,
    /// Opens the entry point's decoy content (`GET /v1/decoys/{public_slug}`) and nothing else:
    /// unguessable, printable, distinct from the code.
    pub public_slug: String,
    /// The link to print (on a card or a sticker, and in the QR code): the public site, with the
    /// slug in the fragment, which browsers never send to the server.
    pub link: String,
    pub created_at: i64,
    /// Whether a word opens the link's page in a browser (the web entry).
    #[serde(default)]
    pub web_entry: bool,
    /// Present only in the answer that created it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateEntryPoint {
    pub label: String,
    pub default_language: String,
    #[serde(default)]
    pub topics: Vec<String>,
    /// What an app built on it passes for [default: recipes].
    #[serde(default)]
    pub theme: Option<crate::decoys::DisguiseTheme>,
}

/// Tokens for one device. The access token goes in `Authorization: Bearer …`; the refresh token is
/// exchanged for a new pair before the access token expires, and is valid once.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionGrant {
    pub account_id: AccountId,
    pub device_id: DeviceId,
    pub role: Role,
    pub organisation_id: Option<OrganisationId>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub access_token: Secret,
    pub access_expires_at: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub refresh_token: Secret,
    pub refresh_expires_at: i64,
    /// (Administrators) A second factor is required and this account has none yet: until one
    /// is confirmed, this session may only enrol it (`/admin/v1/totp`) or sign out.
    #[serde(default)]
    pub must_enrol_totp: bool,
}

/// A new TOTP secret for an authenticator app. Shown once.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TotpEnrolment {
    /// Base32 secret, for apps that cannot read the URI.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub secret: Secret,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub otpauth_uri: Secret,
}

/// One-time codes that stand in for the second factor once each, when the authenticator is
/// lost. Shown once, at confirmation; only their hashes are kept.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RecoveryCodes {
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub codes: Vec<Secret>,
}

/// The result of creating a worker or administrator account.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Enrolment {
    pub session: SessionGrant,
    /// Present when the account must (administrators) or chose to use a second factor.
    pub totp: Option<TotpEnrolment>,
}

/// Redeems an invite: the new worker or administrator chooses a handle and passphrase.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptInvite {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: Secret,
    /// 3–32 characters of a–z, 0–9, '.', '_' or '-'.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9._-]{3,32}$"))]
    pub handle: String,
    /// At least 12 characters.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 12, max_length = 1024))]
    pub passphrase: Secret,
    /// BCP 47 tags of the languages this person speaks.
    #[serde(default)]
    pub languages: Vec<String>,
    /// A name for this device, seen only by its owner (e.g. "work phone").
    pub device_name: String,
}

/// Creates the first instance administrator with the setup token printed at first start.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InstanceSetup {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub setup_token: Secret,
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9._-]{3,32}$"))]
    pub handle: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 12, max_length = 1024))]
    pub passphrase: Secret,
    pub device_name: String,
}

/// `PUT /v1/recovery`: what a seeker's device derived from the recovery phrase it showed them
/// (see the reference client's `recovery` module). The server keeps a keyed hash of `lookup` and
/// the Argon2id hash of `key`; the phrase never leaves the device.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecoverySetup {
    /// 32 bytes, base64url without padding.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 43, max_length = 43))]
    pub lookup: Secret,
    /// 32 bytes, base64url without padding.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 43, max_length = 43))]
    pub key: Secret,
}

/// `POST /v1/recovery`: a new device presents what it derived from the recovery phrase the
/// person typed. On success the account's other devices are removed.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Recover {
    /// 32 bytes, base64url without padding.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 43, max_length = 43))]
    pub lookup: Secret,
    /// 32 bytes, base64url without padding.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 43, max_length = 43))]
    pub key: Secret,
}

/// Signs a worker or administrator in on a new device.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Login {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9._-]{3,32}$"))]
    pub handle: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub passphrase: Secret,
    /// Six-digit code from the authenticator app, when the account has one, or one of its
    /// recovery codes.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub totp: Option<Secret>,
    pub device_name: String,
    /// The device this client signed in as before: signing in again replaces that device's
    /// session instead of adding a device.
    #[serde(default)]
    pub device_id: Option<DeviceId>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Refresh {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub refresh_token: Secret,
}

/// Who the caller is.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AccountInfo {
    pub account_id: AccountId,
    pub role: Role,
    pub organisation_id: Option<OrganisationId>,
    pub instance_admin: bool,
    pub device_id: DeviceId,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DeviceInfo {
    pub device_id: DeviceId,
    pub name: Option<String>,
    pub created_at: i64,
    /// Whether this is the device making the request.
    pub current: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddDevice {
    #[serde(default)]
    pub name: Option<String>,
}

/// A worker's own profile.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WorkerProfile {
    pub account_id: AccountId,
    pub organisation_id: OrganisationId,
    pub handle: String,
    pub languages: Vec<String>,
    pub totp_enabled: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetLanguages {
    pub languages: Vec<String>,
}

/// Starts enrolling a second factor: the passphrase again, so a stolen access token alone cannot
/// put the thief's authenticator on the account.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BeginTotp {
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 12, max_length = 1024))]
    pub passphrase: Secret,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConfirmTotp {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: Secret,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: String,
    pub default_language: String,
    pub created_at: i64,
    /// Default and longest disappearing-message timer of its conversations, in seconds.
    pub disappearing_seconds: Option<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateOrganisation {
    pub name: String,
    /// BCP 47 tag used when a seeker's languages are not known.
    pub default_language: String,
    /// Default and longest disappearing-message timer: 300, 3600, 86400 or 604800 seconds, or
    /// absent for none.
    #[serde(default)]
    pub disappearing_seconds: Option<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateInvite {
    /// `worker` or `admin`.
    pub role: Role,
    /// Hours until the invite expires (default set by the server, at most 720).
    #[serde(default)]
    pub expires_in_hours: Option<u32>,
}

/// An invite code: pass it to the person out of band. Shown once; only its hash is stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Invite {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: Secret,
    pub role: Role,
    pub organisation_id: OrganisationId,
    pub expires_at: i64,
}

/// A pending invite as administrators see it: never its code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PendingInvite {
    /// Names the invite for revoking it; the code cannot be derived from it.
    pub id: String,
    pub role: Role,
    pub expires_at: i64,
}

/// A worker or administrator of an organisation, as its administrators see them.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Member {
    pub account_id: AccountId,
    pub role: Role,
    pub handle: String,
    pub languages: Vec<String>,
    pub totp_enabled: bool,
    /// Deactivated by an administrator: cannot sign in until reactivated.
    #[serde(default)]
    pub deactivated: bool,
}

/// Liveness of the instance and its backing services.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Health {
    pub database: bool,
    pub bus: bool,
    /// Whether this instance can take messages: its envelope writer runs and its last commit
    /// succeeded.
    pub envelope_writer: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum ConversationState {
    Waiting,
    Active,
    Closed,
}

impl ConversationState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationState::Waiting => "waiting",
            ConversationState::Active => "active",
            ConversationState::Closed => "closed",
        }
    }

    pub fn parse(value: &str) -> Option<ConversationState> {
        match value {
            "waiting" => Some(ConversationState::Waiting),
            "active" => Some(ConversationState::Active),
            "closed" => Some(ConversationState::Closed),
            _ => None,
        }
    }
}

/// Opens a conversation with the organisation behind an entry point. Nothing typed by the seeker
/// travels here in the clear: only choices from lists.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpenConversation {
    /// Languages the seeker can read, BCP 47, most preferred first.
    pub languages: Vec<String>,
    /// The entry point code, when the seeker did not present one at sign-up.
    #[serde(default)]
    pub entry_point: Option<String>,
    /// Province or territory, optionally a city: e.g. "CA-BC" or "CA-BC/Surrey".
    #[serde(default)]
    pub region: Option<String>,
    /// One of the entry point's topics.
    #[serde(default)]
    pub topic: Option<String>,
    /// Not safe to talk now: a callback request, which waits in the queue like a conversation.
    /// When and how to call back is sealed to the organisation's workers, like a message
    /// (`relay::CallbackRequest`).
    #[serde(default)]
    pub callback: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Conversation {
    pub id: String,
    pub organisation_id: OrganisationId,
    pub state: ConversationState,
    pub languages: Vec<String>,
    pub region: Option<String>,
    pub topic: Option<String>,
    /// Minute the conversation was opened.
    pub opened_at: i64,
    /// The seeker, for the workers of the conversation; the seeker's own id for the seeker.
    pub seeker: AccountId,
    /// The workers in the conversation (whose devices the seeker's client encrypts to), the lead
    /// first, then those supporting.
    pub workers: Vec<AccountId>,
    /// The lead worker: who claimed it or was handed it, and alone transfers, refers and chooses
    /// supporting workers.
    #[serde(default)]
    pub lead: Option<AccountId>,
    /// The handles of `workers`, in the same order: how people are shown, never by id.
    #[serde(default)]
    pub worker_handles: Vec<String>,
    /// Messages disappear this many seconds after sending; undelivered ones are purged then.
    pub disappearing_seconds: Option<u64>,
    /// A referral to a partner organisation awaiting the seeker's answer.
    #[serde(default)]
    pub referral: Option<Partner>,
    /// Opened as a callback request.
    #[serde(default)]
    pub callback: bool,
}

/// The lead adds a colleague of the organisation as a supporting worker.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddSupporter {
    pub worker: AccountId,
}

/// The seeker's answer to a hand-off request.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnswerHandoff {
    /// Whether the worker may pass a summary to the worker who takes the conversation over.
    pub granted: bool,
}

/// Supporting workers a conversation may have beside its lead.
pub const MAX_SUPPORTERS: usize = 3;

/// Hands an active conversation to another worker of the organisation, or back to the queue.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferConversation {
    /// The worker who takes over; absent to put the conversation back in the queue.
    #[serde(default)]
    pub worker: Option<AccountId>,
}

/// Offers the seeker a referral to a partner organisation.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReferConversation {
    pub organisation_id: OrganisationId,
}

/// A partner organisation: one a conversation may be referred to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Partner {
    pub organisation_id: OrganisationId,
    pub name: String,
    /// Whether the partner has declared this organisation a partner too; referrals need both.
    pub mutual: bool,
}

/// The organisations an organisation declares as partners (replacing the previous list).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetPartners {
    pub partners: Vec<OrganisationId>,
}

/// A worker's availability at the desk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WorkerAvailability {
    /// Whether the worker takes new conversations now (rather than away).
    pub available: bool,
    /// Most active conversations the worker takes at once; absent for no limit.
    pub max_active: Option<u32>,
    /// Active conversations the worker is in now.
    pub active: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetAvailability {
    pub available: bool,
    /// 1 to 50, or absent for no limit.
    #[serde(default)]
    pub max_active: Option<u32>,
}

/// A seeker asks whether someone reading one of their languages is available, before or while
/// waiting. The answer names nobody.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AvailabilityQuery {
    /// Languages the seeker can read, BCP 47.
    pub languages: Vec<String>,
    /// The entry point code, when the seeker did not present one at sign-up.
    #[serde(default)]
    pub entry_point: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Outlook {
    /// Someone who reads one of the languages is available and has room now.
    pub available_now: bool,
    /// Typical wait before a worker answers, from the last two weeks, rounded up to the minute;
    /// absent when there is too little history to say.
    pub expected_wait_seconds: Option<u64>,
}

/// A canned reply, for workers' clients to insert into messages. Placeholders are written
/// `{name}` and filled in by the worker's client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CannedReply {
    pub id: String,
    pub language: String,
    pub title: String,
    pub body: String,
    /// The placeholder names in the body, in order of first appearance.
    pub placeholders: Vec<String>,
    /// Starts at 1; each edit adds one.
    pub version: u32,
    pub updated_at: i64,
    pub deleted: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateCannedReply {
    pub language: String,
    pub title: String,
    pub body: String,
}

/// An edit; `version` is the version being edited, so two administrators' edits cannot silently
/// overwrite each other.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateCannedReply {
    pub version: u32,
    pub language: String,
    pub title: String,
    pub body: String,
}

/// One version of a canned reply, for audit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CannedReplyVersion {
    pub version: u32,
    pub language: String,
    pub title: String,
    pub body: String,
    pub deleted: bool,
    /// The administrator who made this version.
    pub edited_by: AccountId,
    pub edited_at: i64,
}

/// Placeholder names in a canned reply body (`{name}`: lowercase letters, digits and `_`), in
/// order of first appearance; `None` when a brace is unbalanced or a name is not of that form.
/// `{{` and `}}` stand for literal braces.
pub fn placeholders(body: &str) -> Option<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        c if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' => {
                            name.push(c)
                        }
                        _ => return None,
                    }
                }
                if name.is_empty() || name.len() > 32 {
                    return None;
                }
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            '}' => return None,
            _ => {}
        }
    }
    Some(names)
}

/// Fills a canned reply's placeholders; `Err` names the first placeholder without a value.
pub fn fill_placeholders(
    body: &str,
    values: &std::collections::HashMap<&str, &str>,
) -> Result<String, String> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                match values.get(name.as_str()) {
                    Some(value) => out.push_str(value),
                    None => return Err(name),
                }
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Disappearing-message timers offered, in seconds: 5 minutes, 1 hour, 1 day, 1 week (or none).
pub const TIMERS: [u64; 4] = [300, 3_600, 86_400, 604_800];

/// Outcome categories of a closed conversation, for aggregate statistics only.
pub const OUTCOMES: [&str; 5] = [
    "information_given",
    "referred",
    "no_response",
    "safety_concern",
    "other",
];

/// Changes a conversation's disappearing-message timer (never beyond the organisation's default).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetTimer {
    /// 300, 3600, 86400 or 604800 seconds, or absent for none.
    #[serde(default)]
    pub seconds: Option<u64>,
}

/// A waiting conversation as workers see it in their queue.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WaitingConversation {
    pub id: String,
    pub languages: Vec<String>,
    pub region: Option<String>,
    pub topic: Option<String>,
    pub waiting_seconds: i64,
    /// Whether the calling worker speaks one of the seeker's languages.
    pub speaks_language: bool,
    /// A callback request: the seeker asks to be answered later, at a time sealed in it.
    #[serde(default)]
    pub callback: bool,
}

/// A colleague of the calling worker, as the desk shows them (e.g. to choose whom to transfer to).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Colleague {
    pub account_id: AccountId,
    pub handle: String,
    pub languages: Vec<String>,
    /// Available and with room for another conversation: a transfer to them would be accepted.
    pub can_take: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CloseConversation {
    /// Outcome category for aggregate statistics: information_given, referred, no_response,
    /// safety_concern or other.
    #[serde(default)]
    pub outcome: Option<String>,
}

/// A count in published statistics: exact from 5 up, "<5" below, so nobody can be singled out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(untagged)]
pub enum Count {
    Exact(u64),
    Suppressed(String),
}

/// How statistics are grouped in time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatisticsPeriod {
    #[default]
    Day,
    /// Weeks starting on Monday (UTC).
    Week,
    /// Calendar months (UTC).
    Month,
}

/// One period's conversations of an organisation in one language (the seeker's first): a day,
/// or a week's or month's totals.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DailyStatistics {
    /// Start of the day (or of the week or month totalled), Unix seconds (UTC).
    pub day: i64,
    pub language: String,
    pub opened: Count,
    pub claimed: Count,
    /// Closed conversations by outcome.
    pub closed: std::collections::BTreeMap<String, Count>,
    /// Time from opening to first claim, as a range, when at least 5 were claimed.
    pub first_claim_median: Option<String>,
    pub first_claim_p90: Option<String>,
    /// Time from the first claim to a worker's first message to the seeker, as ranges, when at
    /// least 5 conversations had a first reply (else none).
    #[serde(default)]
    pub first_reply_median: Option<String>,
    #[serde(default)]
    pub first_reply_p90: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_named_in_order_and_literal_braces_escape() {
        assert_eq!(
            placeholders("Hi {name}, call {hotline} or {name}. {{not one}}"),
            Some(vec!["name".to_string(), "hotline".to_string()])
        );
        assert_eq!(placeholders("no placeholders"), Some(vec![]));
        for bad in ["{", "}", "{}", "{Name}", "{a b}", "open {name"] {
            assert_eq!(placeholders(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn filling_replaces_every_placeholder_or_names_the_missing_one() {
        let values = std::collections::HashMap::from([("name", "Ana"), ("hotline", "211")]);
        assert_eq!(
            fill_placeholders("Hi {name}, call {hotline}. {{ok}}", &values).as_deref(),
            Ok("Hi Ana, call 211. {ok}")
        );
        assert_eq!(
            fill_placeholders("{name} {city}", &values),
            Err("city".to_string())
        );
    }
}

/// A device a case note is sealed to: every device of every worker of the organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CaseNoteRecipient {
    pub account_id: AccountId,
    pub device_id: DeviceId,
    /// The device's Signal identity key as it published it (type byte and 32 bytes).
    #[serde(with = "crate::bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub identity_key: Vec<u8>,
}

/// One recipient device's copy of a case note, sealed by the writer's client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SealedCaseNote {
    pub account_id: AccountId,
    pub device_id: DeviceId,
    #[serde(with = "crate::bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub sealed: Vec<u8>,
}

/// A case note about a conversation, sealed to each device of the organisation's workers.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WriteCaseNote {
    /// Chosen by the writer's client (a UUID), and bound into every sealed copy.
    pub id: String,
    pub copies: Vec<SealedCaseNote>,
}

/// A case note as one device receives it: its own sealed copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CaseNote {
    pub id: String,
    pub author: AccountId,
    pub author_device: DeviceId,
    pub author_handle: String,
    /// Minute the note was written.
    pub written_at: i64,
    #[serde(with = "crate::bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub sealed: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CaseNoteWritten {
    pub id: String,
    /// Minute the note was written.
    pub written_at: i64,
}

/// One entry of the audit log: who changed what, to the minute. Never content: the target is an
/// id (a card's, an entry point's, a member's), never a name, a text or a code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditEntry {
    /// Its place in the log, from 1, without gaps.
    pub seq: u64,
    /// The minute it happened (Unix seconds, rounded down).
    pub at: i64,
    /// The administrator's account id, or `operator` for the server's command line.
    pub actor: String,
    /// The administrator's handle, while their account exists.
    pub actor_handle: Option<String>,
    pub organisation_id: Option<OrganisationId>,
    /// What was done, e.g. `card.publish`.
    pub action: String,
    /// The id of what it was done to, if it has one.
    pub target: Option<String>,
    /// SHA-256 (base64url) over the entry and the previous entry's hash.
    pub hash: String,
}

/// Where a second factor reset stands: the first administrator asks, a second approves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TotpResetState {
    /// Asked for; another administrator must approve within a day.
    Requested,
    /// The second factor and recovery codes are gone: the member signs in with their
    /// passphrase and enrols a new one.
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TotpReset {
    pub state: TotpResetState,
}
