//! Relay rules: a send must target exactly the recipient's current devices; a message id is
//! accepted once; a send is answered only after it is committed; an acknowledgement deletes.

use super::store;
use super::writer::{NewEnvelope, SendOutcome};
use crate::auth::Principal;
use crate::bus::BusEvent;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::http::StatusCode;
use quietline_protocol::AccountId;
use quietline_protocol::relay::{
    Acknowledge, DeviceMismatch, EnvelopePage, EnvelopeType, SendMessage, SendReceipt,
};
use quietline_protocol::{DeviceId, ErrorCode};
use std::collections::{BTreeMap, BTreeSet};

/// Largest ciphertext for one device.
pub const MAX_CIPHERTEXT: usize = 64 * 1024;
/// Largest send request: a ciphertext per device, base64-encoded, with room to spare.
pub const MAX_SEND_BODY: usize = 2 * 1024 * 1024;
/// Envelopes in one page of the HTTP fallback.
pub const PAGE: i64 = 100;

fn invalid(message: &'static str) -> ApiError {
    ApiError::unprocessable(ErrorCode::InvalidBody, message)
}

pub fn presence_key(account_id: &AccountId, device_id: u32) -> String {
    format!("online:{account_id}:{device_id}")
}

/// Which devices a send must name, compared with the ones it names.
fn mismatch(expected: &BTreeMap<u32, u32>, given: &SendMessage) -> Option<DeviceMismatch> {
    let named: BTreeSet<u32> = given.messages.iter().map(|m| m.device_id.0).collect();
    let missing: Vec<DeviceId> = expected
        .keys()
        .filter(|d| !named.contains(d))
        .map(|d| DeviceId(*d))
        .collect();
    let extra: Vec<DeviceId> = named
        .iter()
        .filter(|d| !expected.contains_key(d))
        .map(|d| DeviceId(*d))
        .collect();
    let stale: Vec<DeviceId> = given
        .messages
        .iter()
        .filter(|m| {
            expected
                .get(&m.device_id.0)
                .is_some_and(|r| *r != m.registration_id)
        })
        .map(|m| m.device_id)
        .collect();
    (!missing.is_empty() || !extra.is_empty() || !stale.is_empty()).then_some(DeviceMismatch {
        missing_devices: missing,
        extra_devices: extra,
        stale_devices: stale,
    })
}

/// The shape every send must have: an id, one ciphertext per named device, none too large.
fn checked(message: &SendMessage) -> ApiResult<()> {
    if message.id.is_empty() || message.id.len() > 64 {
        return Err(invalid("A message id has 1 to 64 characters."));
    }
    if message.messages.is_empty() {
        return Err(invalid(
            "A message needs a ciphertext for at least one device.",
        ));
    }
    let devices: BTreeSet<u32> = message.messages.iter().map(|m| m.device_id.0).collect();
    if devices.len() != message.messages.len() {
        return Err(invalid("Each device appears once."));
    }
    if message
        .messages
        .iter()
        .any(|m| m.content.is_empty() || m.content.len() > MAX_CIPHERTEXT)
    {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::CiphertextTooLarge,
            "A ciphertext is empty or larger than 64 KiB.",
        ));
    }
    Ok(())
}

/// Counts one send of `sender` against their per-minute limit.
pub async fn count_send(state: &AppState, sender: &Principal) -> ApiResult<()> {
    let limit = u64::from(state.config.send_rate_limit);
    let key = crate::limits::key(state, "send", &[sender.account_id.as_str()]);
    crate::limits::within(state, &key, 60, limit, crate::limits::Outage::Admit).await
}

/// Queues one message for every device of `recipient`, durably, and tells their connections.
pub async fn send(
    state: &AppState,
    sender: &Principal,
    recipient: AccountId,
    message: SendMessage,
) -> ApiResult<SendReceipt> {
    checked(&message)?;
    count_send(state, sender).await?;
    relay(state, sender, recipient, message).await
}

/// [`send`] for a send already counted against the sender's limit.
pub async fn relay(
    state: &AppState,
    sender: &Principal,
    recipient: AccountId,
    message: SendMessage,
) -> ApiResult<SendReceipt> {
    checked(&message)?;
    // Copies sealed to intake keys (to or from a browser) go to the devices that have one, and
    // name no registration; a send is all sealed or none.
    let sealed = message
        .messages
        .iter()
        .filter(|m| m.kind == EnvelopeType::Sealed)
        .count();
    if sealed != 0 && sealed != message.messages.len() {
        return Err(invalid("A message is sealed for every device or for none."));
    }
    let sealed = sealed != 0;
    // A hand-off summary passes only under the seeker's yes, once (see
    // `conversations::service::handoff`).
    let summaries = message
        .messages
        .iter()
        .filter(|m| m.kind == EnvelopeType::Summary)
        .count();
    if summaries != 0 {
        if summaries != message.messages.len() {
            return Err(invalid("A summary is sent to every device or to none."));
        }
        let (from, to, guid) = (
            sender.account_id.clone(),
            recipient.clone(),
            message.id.clone(),
        );
        let admitted = state
            .db
            .write(move |conn| {
                crate::conversations::store::spend_handoff(conn, &from, &to, &guid)
                    .map_err(ApiError::from)
            })
            .await?;
        if !admitted {
            return Err(ApiError::forbidden());
        }
    }
    let target = recipient.clone();
    let caller = sender.clone();
    let replying = sender.role == quietline_protocol::api::Role::Worker && summaries == 0;
    let (allowed, receiving, awaiting) = state
        .db
        .read(move |conn| {
            // A worker's first message to a seeker, for the time-to-first-reply statistics.
            let awaiting = if replying {
                crate::conversations::store::awaiting_reply(conn, &caller.account_id, &target)?
            } else {
                None
            };
            let receiving = if sealed {
                crate::web::store::intake_keys_of(conn, &target)?
                    .into_iter()
                    .map(|(device, _)| (device, 0))
                    .collect()
            } else {
                store::receiving_devices(conn, &target)?
            };
            Ok::<_, ApiError>((
                crate::conversations::service::reach(conn, &caller, &target)?,
                receiving,
                awaiting,
            ))
        })
        .await?;
    // Only members of one active conversation message each other. An account that does not
    // exist (or was wiped by a quick exit) answers the same as one the sender may not reach.
    let Some(timer) = allowed else {
        return Err(ApiError::forbidden());
    };
    // A sender's own other devices are recipients too; the sending device is not.
    let expected: BTreeMap<u32, u32> = receiving
        .into_iter()
        .filter_map(|(d, r)| Some((u32::try_from(d).ok()?, u32::try_from(r).ok()?)))
        .filter(|(d, _)| !(recipient == sender.account_id && *d == sender.device_id))
        .collect();
    if let Some(devices) = mismatch(&expected, &message) {
        return Err(ApiError::device_mismatch(devices));
    }

    let now = state.clock.now();
    let server_received = crate::clock::minute_of(now);
    // Undelivered ciphertext lives until the conversation's timer or the maximum queue age,
    // whichever comes first.
    let max_age = i64::try_from(state.config.message_ttl).unwrap_or(i64::MAX / 2);
    let expires_at = crate::clock::minute_of(now + timer.map_or(max_age, |t| t.min(max_age)));
    let source_device = i32::try_from(sender.device_id).ok();
    let envelopes = message
        .messages
        .into_iter()
        .map(|m| NewEnvelope {
            account_id: recipient.clone(),
            device_id: i32::try_from(m.device_id.0).unwrap_or(i32::MAX),
            guid: message.id.clone(),
            kind: m.kind.code(),
            source_account: Some(sender.account_id.clone()),
            source_device,
            server_received,
            expires_at,
            disappearing_seconds: timer,
            content: m.content,
        })
        .collect::<Vec<_>>();
    let targets: Vec<u32> = envelopes
        .iter()
        .filter_map(|e| u32::try_from(e.device_id).ok())
        .collect();
    let outcome = state
        .writer
        .send(
            Some(sender.account_id.clone()),
            message.id.clone(),
            expires_at,
            envelopes,
            i64::from(state.config.queue_limit),
        )
        .await?;
    match outcome {
        SendOutcome::Queued => {
            // The envelope is committed; telling the devices is best effort and must not keep
            // the sender waiting on Redis.
            let (kv, bus) = (state.kv.clone(), state.bus.clone());
            actix_web::rt::spawn(async move { announce(&kv, &bus, &recipient, &targets).await });
            if let Some(conversation_id) = awaiting {
                // Counted once; a failure costs a statistic, never the message.
                let counted = state
                    .db
                    .write(move |conn| {
                        crate::conversations::service::count_first_reply(
                            conn,
                            &conversation_id,
                            now,
                        )
                    })
                    .await;
                if let Err(error) = counted {
                    tracing::warn!(error = %error.message, "a first reply was not counted");
                }
            }
            Ok(SendReceipt {
                id: message.id,
                queued: true,
            })
        }
        SendOutcome::Duplicate => Ok(SendReceipt {
            id: message.id,
            queued: false,
        }),
        SendOutcome::QueueFull => Err(ApiError::new(
            StatusCode::INSUFFICIENT_STORAGE,
            ErrorCode::QueueFull,
            "The recipient has too many undelivered messages. Try again later.",
        )),
        SendOutcome::DeviceGone => Err(ApiError::device_mismatch(DeviceMismatch::default())),
    }
}

/// Tells every instance that envelopes wait; devices with no live connection anywhere also get
/// a content-free wake-up event, for a push service to act on. An unknown presence counts as
/// online: a wake-up is a courtesy, the notice is what delivers.
async fn announce(
    kv: &crate::kv::Kv,
    bus: &crate::bus::Bus,
    account_id: &AccountId,
    devices: &[u32],
) {
    for device_id in devices {
        let queued = BusEvent::EnvelopesQueued {
            account_id: account_id.clone(),
            device_id: *device_id,
        };
        let online = kv
            .is_marked(&presence_key(account_id, *device_id))
            .await
            .unwrap_or(true);
        let wake = (!online).then(|| BusEvent::WakeUp {
            account_id: account_id.clone(),
            device_id: *device_id,
        });
        for event in std::iter::once(queued).chain(wake) {
            if let Err(error) = bus.publish(event).await {
                tracing::warn!(%error, "delivery notice not published; the device will find it on its next fetch");
            }
        }
    }
}

/// The first page of the caller's queue (the HTTP fallback to the WebSocket).
pub async fn fetch(state: &AppState, principal: &Principal) -> ApiResult<EnvelopePage> {
    let account_id = principal.account_id.clone();
    let device_id = principal.device_row()?;
    let now = state.clock.now();
    let mut envelopes = state
        .db
        .read(move |conn| {
            store::queued(conn, &account_id, device_id, 0, now, PAGE + 1).map_err(ApiError::from)
        })
        .await?;
    let more = envelopes.len() > usize::try_from(PAGE).unwrap_or(usize::MAX);
    envelopes.truncate(usize::try_from(PAGE).unwrap_or(usize::MAX));
    Ok(EnvelopePage { envelopes, more })
}

/// Deletes acknowledged envelopes of the caller's device at once.
pub async fn acknowledge(
    state: &AppState,
    principal: &Principal,
    ack: Acknowledge,
) -> ApiResult<usize> {
    if ack.ids.len() > 1_000 {
        return Err(invalid("At most 1000 ids per acknowledgement."));
    }
    let device_id = principal.device_row()?;
    state
        .writer
        .acknowledge(principal.account_id.clone(), device_id, ack.ids)
        .await
}
