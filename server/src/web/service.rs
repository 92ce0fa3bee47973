//! Web entry rules. The page unlocks only with the entry point's word (Argon2, the same work
//! for an unknown slug); a seeker starts with the proof of work of any sign-up; a handle is
//! looked up by its keyed hash, and an unknown one is answered like a known one; every message
//! is sealed in the browser, the server checks only whom each copy is for.

use super::store::{self, HeldRow};
use crate::auth::{ClientAddress, Principal, SeekerAuth};
use crate::conversations::store as conversations;
use crate::db::DbConn;
use crate::entry_points::store as entry_points;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::web;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use quietline_protocol::api::{ConversationState, SessionGrant};
use quietline_protocol::relay::{
    EnvelopeType, OutgoingCiphertext, SealedDevice, SendMessage, SendReceipt,
};
use quietline_protocol::web::{
    Resume, SealedRecipient, SetUnlockWord, Unlock, WebMessage, WebRecipients, WebSignup,
    normalise_word,
};
use quietline_protocol::{AccountId, DeviceId, EntryPointId, ErrorCode, OrganisationId, Secret};
use std::collections::BTreeSet;

/// How long an unlocked page may start a conversation.
const PASS_TTL: i64 = 3_600;
/// Messages one waiting conversation may hold for its first worker.
const MAX_HELD: usize = 20;
/// Most copies of one message (the devices of the organisation's workers).
const MAX_COPIES: usize = 500;
/// The largest sealed copy: a long message, padded, and its sealing.
const MAX_SEALED: usize = 16 * 1024;
const HANDLE_LEN: usize = 32;
const PUBLIC_KEY_LEN: usize = 33;

fn invalid(message: &'static str) -> ApiError {
    ApiError::unprocessable(ErrorCode::InvalidBody, message)
}

fn pass_data(expires_at: i64, entry_point: &EntryPointId) -> Vec<u8> {
    [
        b"web-pass\0".as_slice(),
        &expires_at.to_be_bytes(),
        entry_point.0.as_bytes(),
    ]
    .concat()
}

/// A pass for an unlocked page of `entry_point`: its expiry and id, under the server's MAC.
fn issue_pass(state: &AppState, entry_point: &EntryPointId) -> String {
    let expires_at = state.clock.now() + PASS_TTL;
    let mac = state
        .tokens
        .challenge_mac(&pass_data(expires_at, entry_point));
    let body = [&expires_at.to_be_bytes(), entry_point.0.as_bytes()].concat();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(body),
        URL_SAFE_NO_PAD.encode(mac)
    )
}

/// The entry point a pass was issued for, if it is genuine and current.
fn checked_pass(state: &AppState, pass: &str) -> ApiResult<EntryPointId> {
    let refused = || {
        ApiError::unprocessable(
            ErrorCode::InvalidChallenge,
            "The page is no longer open. Open it again.",
        )
    };
    let (body, mac) = pass.split_once('.').ok_or_else(refused)?;
    let body = URL_SAFE_NO_PAD.decode(body).map_err(|_| refused())?;
    let mac = URL_SAFE_NO_PAD.decode(mac).map_err(|_| refused())?;
    if body.len() < 9 {
        return Err(refused());
    }
    let (expiry, id) = body.split_at(8);
    let expires_at = i64::from_be_bytes(expiry.try_into().map_err(|_| refused())?);
    let id = EntryPointId(String::from_utf8(id.to_vec()).map_err(|_| refused())?);
    let expected = state.tokens.challenge_mac(&pass_data(expires_at, &id));
    if !crate::auth::secrets::constant_time_eq(&expected, &mac) || expires_at <= state.clock.now() {
        return Err(refused());
    }
    Ok(id)
}

/// Counts one web entry attempt of the client address (a word, a codename).
async fn attempt(state: &AppState, address: &ClientAddress, scope: &str) -> ApiResult<()> {
    let key = crate::accounts::service::address_key(state, address).await?;
    crate::limits::within(
        state,
        &format!("{scope}:{key}"),
        3_600,
        u64::from(state.config.web_attempt_rate_limit),
        crate::limits::Outage::Refuse,
    )
    .await
}

/// The keyed hash a handle is looked up by: a dump of the database cannot be searched for a
/// handle without the server's key.
fn handle_hash(state: &AppState, handle: &Secret) -> ApiResult<String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(handle.expose().as_bytes())
        .ok()
        .filter(|b| b.len() == HANDLE_LEN)
        .ok_or_else(|| invalid("A handle is 32 bytes, base64url without padding."))?;
    Ok(URL_SAFE_NO_PAD.encode(state.sealer.keyed_hash(&[b"web-handle", &bytes])))
}

/// What an unlocked page needs, before it is rendered: the entry point and what it offers.
pub struct Opened {
    pub pass: String,
    pub organisation_id: OrganisationId,
    pub topics: Vec<String>,
    pub languages: Vec<String>,
}

/// Checks the word of an entry point's web entry. A wrong word, an unknown slug and an entry
/// point without a web entry are all `None`, after the same Argon2 work.
pub async fn unlock(
    state: &AppState,
    address: &ClientAddress,
    request: &Unlock,
) -> ApiResult<Option<Opened>> {
    attempt(state, address, "web-unlock").await?;
    let word = normalise_word(request.word.expose());
    let slug = request.slug.clone();
    let entry = if slug.len() <= 64 {
        state
            .db
            .read(move |conn| entry_points::find_by_slug(conn, &slug).map_err(ApiError::from))
            .await?
    } else {
        None
    };
    let stored = entry.as_ref().and_then(|e| e.unlock_hash.clone());
    let known = state
        .passphrases
        .verify(Secret::from(word.as_str()), stored)
        .await?;
    let Some(entry) = entry.filter(|_| known && !word.is_empty()) else {
        return Ok(None);
    };
    let organisation_id = entry.organisation_id.clone();
    let languages = state
        .db
        .read(move |conn| store::worker_languages(conn, &organisation_id).map_err(ApiError::from))
        .await?;
    Ok(Some(Opened {
        pass: issue_pass(state, &entry.id),
        organisation_id: entry.organisation_id,
        topics: serde_json::from_str(&entry.topics).unwrap_or_default(),
        languages,
    }))
}

/// A seeker starts at an unlocked page.
pub async fn sign_up(
    state: &web::Data<AppState>,
    address: ClientAddress,
    request: WebSignup,
) -> ApiResult<SessionGrant> {
    let entry_point = checked_pass(state, &request.pass)?;
    if request.public_key.len() != PUBLIC_KEY_LEN || request.public_key[0] != 0x05 {
        return Err(invalid(
            "A public key is X25519 with its type byte: 33 bytes.",
        ));
    }
    let hash = handle_hash(state, &request.handle)?;
    crate::accounts::service::sign_up_web_seeker(
        state,
        address,
        &request.challenge,
        request.solution,
        entry_point,
        hash,
        request.public_key,
    )
    .await
}

/// A seeker comes back by their handle: a session, or none, in answers alike.
pub async fn resume(
    state: &web::Data<AppState>,
    address: &ClientAddress,
    request: &Resume,
) -> ApiResult<Option<SessionGrant>> {
    attempt(state, address, "web-resume").await?;
    let hash = handle_hash(state, &request.handle)?;
    crate::accounts::service::resume_web_seeker(state, hash).await
}

/// The seeker's one open conversation (a web seeker has one entry point, so one organisation).
fn open_conversation(
    conn: &mut DbConn,
    seeker: &Principal,
) -> ApiResult<conversations::ConversationRow> {
    conversations::open_for_member(conn, &seeker.account_id)?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::conflict(ErrorCode::InvalidState, "Open a conversation first."))
}

/// Whom the conversation's next message is sealed to.
fn recipients_in(
    conn: &mut DbConn,
    row: &conversations::ConversationRow,
) -> ApiResult<Vec<SealedRecipient>> {
    let keys = if row.state == ConversationState::Waiting {
        store::worker_intake_keys(conn, &row.organisation_id)?
    } else {
        let mut keys = Vec::new();
        for member in conversations::members(conn, &row.id)? {
            if member == row.seeker_id {
                continue;
            }
            for (device, key) in store::intake_keys_of(conn, &member)? {
                keys.push((member.clone(), device, key));
            }
        }
        keys
    };
    Ok(keys
        .into_iter()
        .filter_map(|(account_id, device, public_key)| {
            Some(SealedRecipient {
                account_id,
                device: SealedDevice {
                    device_id: DeviceId(u32::try_from(device).ok()?),
                    public_key,
                },
            })
        })
        .collect())
}

pub async fn recipients(
    state: &AppState,
    SeekerAuth(seeker): &SeekerAuth,
) -> ApiResult<WebRecipients> {
    let seeker = seeker.clone();
    state
        .db
        .read(move |conn| {
            let row = open_conversation(conn, &seeker)?;
            Ok(WebRecipients {
                conversation_id: row.id.0.clone(),
                state: row.state,
                recipients: recipients_in(conn, &row)?,
            })
        })
        .await
}

fn recipients_changed() -> ApiError {
    ApiError::conflict(
        ErrorCode::RecipientsChanged,
        "Whom this message is for has changed: seal it again.",
    )
}

fn checked(message: &WebMessage) -> ApiResult<()> {
    let copies: usize = message.sends.iter().map(|s| s.copies.len()).sum();
    if message.sends.is_empty() || copies == 0 || copies > MAX_COPIES {
        return Err(invalid(
            "A message has a copy for each device it is sealed to.",
        ));
    }
    if message
        .sends
        .iter()
        .any(|s| s.id.is_empty() || s.id.len() > 64)
    {
        return Err(invalid("A message id has 1 to 64 characters."));
    }
    if message
        .sends
        .iter()
        .flat_map(|s| &s.copies)
        .any(|c| c.content.is_empty() || c.content.len() > MAX_SEALED)
    {
        return Err(ApiError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::CiphertextTooLarge,
            "A sealed copy is empty or larger than 16 KiB.",
        ));
    }
    Ok(())
}

/// What holding a message came to.
enum Held {
    /// Kept for the conversation's first worker.
    Kept(Vec<SendReceipt>),
    /// The conversation no longer waits: send it to its workers.
    Active,
}

/// A message of a seeker in a browser: held for the first worker while the conversation waits,
/// relayed to its workers once claimed.
pub async fn send(
    state: &AppState,
    SeekerAuth(seeker): &SeekerAuth,
    message: WebMessage,
) -> ApiResult<Vec<SendReceipt>> {
    checked(&message)?;
    // One message of the page counts once against the sender's limit, however many accounts it
    // goes to.
    crate::messages::service::count_send(state, seeker).await?;
    let source_device = seeker.device_row()?;
    let caller = seeker.clone();
    let now = state.clock.now();
    let max_age = i64::try_from(state.config.message_ttl).unwrap_or(i64::MAX / 2);
    let to_hold = message.clone();
    let held = state
        .db
        .write(move |conn| {
            let row = open_conversation(conn, &caller)?;
            if row.state != ConversationState::Waiting {
                return Ok(Held::Active);
            }
            let wanted: BTreeSet<(AccountId, u32)> = recipients_in(conn, &row)?
                .into_iter()
                .map(|r| (r.account_id, r.device.device_id.0))
                .collect();
            let given: BTreeSet<(AccountId, u32)> = to_hold
                .sends
                .iter()
                .flat_map(|s| s.copies.iter().map(|c| (s.to.clone(), c.device_id.0)))
                .collect();
            let copies: usize = to_hold.sends.iter().map(|s| s.copies.len()).sum();
            if wanted.is_empty() || given != wanted || given.len() != copies {
                return Err(recipients_changed());
            }
            if store::held_messages(conn, &row.id)? >= MAX_HELD {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::INSUFFICIENT_STORAGE,
                    ErrorCode::QueueFull,
                    "Wait for someone to answer before writing more.",
                ));
            }
            let timer = row.disappearing_seconds;
            let expires_at =
                crate::clock::minute_of(now + timer.map_or(max_age, |t| t.min(max_age)));
            let mut receipts = Vec::new();
            for send in &to_hold.sends {
                let mut queued = false;
                for copy in &send.copies {
                    let device_id =
                        i32::try_from(copy.device_id.0).map_err(|_| recipients_changed())?;
                    queued |= store::hold(
                        conn,
                        &HeldRow {
                            conversation_id: &row.id,
                            guid: &send.id,
                            account_id: &send.to,
                            device_id,
                            source_account: &caller.account_id,
                            source_device,
                            server_received: crate::clock::minute_of(now),
                            expires_at,
                            content: &copy.content,
                        },
                    )? == 1;
                }
                receipts.push(SendReceipt {
                    id: send.id.clone(),
                    queued,
                });
            }
            Ok::<_, ApiError>(Held::Kept(receipts))
        })
        .await?;
    match held {
        Held::Kept(receipts) => Ok(receipts),
        Held::Active => {
            let mut receipts = Vec::with_capacity(message.sends.len());
            for send in message.sends {
                let relayed = SendMessage {
                    id: send.id,
                    messages: send
                        .copies
                        .into_iter()
                        .map(|copy| OutgoingCiphertext {
                            device_id: copy.device_id,
                            registration_id: 0,
                            kind: EnvelopeType::Sealed,
                            content: copy.content,
                        })
                        .collect(),
                };
                receipts
                    .push(crate::messages::service::send(state, seeker, send.to, relayed).await?);
            }
            Ok(receipts)
        }
    }
}

/// Sets or clears the word of an entry point's web entry (only its Argon2 hash is kept).
pub async fn set_unlock_word(
    state: &AppState,
    admin: &crate::auth::OrganisationAdmin,
    id: EntryPointId,
    request: SetUnlockWord,
) -> ApiResult<()> {
    let hash = match request.word {
        None => None,
        Some(word) => {
            let word = normalise_word(word.expose());
            let length = word.chars().count();
            if !(3..=40).contains(&length) || word.chars().any(char::is_control) {
                return Err(invalid("A word has 3 to 40 characters."));
            }
            Some(state.passphrases.hash(Secret::from(word)).await?)
        }
    };
    let organisation_id = admin.organisation_id().clone();
    let entry = crate::audit::Entry::new(
        admin,
        Some(admin.organisation_id()),
        crate::audit::Action::EntryPointUnlockWordSet,
    )
    .on(id.0.clone());
    crate::audit::write(state, entry, move |conn| {
        if entry_points::set_unlock_hash(conn, &organisation_id, &id, hash.as_deref())? == 0 {
            return Err(ApiError::not_found());
        }
        Ok(())
    })
    .await
}
