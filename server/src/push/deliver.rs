//! Delivery of wake-ups: hears the bus, coalesces per device across instances, pushes off the
//! request path, retries with backoff and forgets endpoints that are gone.

use super::service::{Checked, Target, seal_context};
use super::{service, store};
use crate::auth::secrets::Sealer;
use crate::bus::BusEvent;
use crate::state::AppState;
use actix_web::web;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::pkcs8::EncodePrivateKey;
use quietline_protocol::AccountId;
use quietline_protocol::push::WAKE_PAYLOAD;
use std::time::Duration;

/// Attempts per push, and the wait before the first retry (doubled each time).
const ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// How long a push service may hold a wake-up for an unreachable device (every transport).
pub(super) const PUSH_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// What became of one push attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// The push service no longer knows the endpoint (404, 410): remove the subscription.
    Gone,
    /// Worth trying again (a network error, 429, 5xx).
    Retry,
    /// Refused for good (another 4xx).
    Refused(u16),
}

/// The mark that makes one instance, once per interval, the one that pushes to a device. Keyed
/// by a keyed hash, so that Redis holds nothing that names an account (nor anything left of one
/// after a quick exit).
pub fn coalescing_key(sealer: &Sealer, account_id: &AccountId, device_id: u32) -> String {
    format!("push:{}", device_mark(sealer, account_id, device_id))
}

fn pending_key(sealer: &Sealer, account_id: &AccountId, device_id: u32) -> String {
    format!(
        "push-pending:{}",
        device_mark(sealer, account_id, device_id)
    )
}

fn device_mark(sealer: &Sealer, account_id: &AccountId, device_id: u32) -> String {
    let hash = sealer.keyed_hash(&[
        b"push wake-up",
        account_id.as_str().as_bytes(),
        &device_id.to_le_bytes(),
    ]);
    URL_SAFE_NO_PAD.encode(&hash[..16])
}

/// Hears wake-ups on the bus until the server stops.
pub async fn run(state: web::Data<AppState>) {
    let mut events = state.bus.subscribe();
    let mut shutdown = state.shutdown.subscribe();
    loop {
        let event = tokio::select! {
            event = events.recv() => event,
            _ = shutdown.changed() => return,
        };
        match event {
            Ok(BusEvent::WakeUp {
                account_id,
                device_id,
            }) => {
                actix_web::rt::spawn(wake(state.clone(), account_id, device_id));
            }
            Ok(_) => {}
            Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(
                    missed,
                    "push wake-ups missed; those devices find their envelopes on their next fetch"
                );
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// One wake-up: pushes if this instance claims the device's interval, else leaves a note that
/// one more push is due at the interval's end.
async fn wake(state: web::Data<AppState>, account_id: AccountId, device_id: u32) {
    let interval = state.config.push_interval;
    match state
        .kv
        .claim(
            &coalescing_key(&state.sealer, &account_id, device_id),
            interval,
        )
        .await
    {
        Ok(true) => {
            push_once(&state, &account_id, device_id).await;
            actix_web::rt::spawn(trailing(state.clone(), account_id, device_id));
        }
        Ok(false) => {
            if let Err(error) = state
                .kv
                .mark(
                    &pending_key(&state.sealer, &account_id, device_id),
                    interval.saturating_mul(2),
                )
                .await
            {
                tracing::warn!(%error, "a coalesced wake-up was not noted");
            }
        }
        Err(error) => tracing::warn!(%error, "push coalescing unavailable; no push sent"),
    }
    state.push.handled.send_modify(|n| *n += 1);
}

/// At the end of an interval, one more push if wake-ups came during it.
async fn trailing(state: web::Data<AppState>, account_id: AccountId, device_id: u32) {
    let mut shutdown = state.shutdown.subscribe();
    tokio::select! {
        _ = actix_web::rt::time::sleep(Duration::from_secs(state.config.push_interval)) => {}
        _ = shutdown.changed() => return,
    }
    let pending = pending_key(&state.sealer, &account_id, device_id);
    if state.kv.is_marked(&pending).await.unwrap_or(false) {
        let _ = state.kv.unmark(&pending).await;
        wake(state, account_id, device_id).await;
    }
}

/// Pushes to the device's subscription, if it has one, with retries.
async fn push_once(state: &AppState, account_id: &AccountId, device_id: u32) {
    let Ok(device) = i32::try_from(device_id) else {
        return;
    };
    let owner = account_id.clone();
    let sealed = match state
        .db
        .read(move |conn| store::find(conn, &owner, device).map_err(crate::error::ApiError::from))
        .await
    {
        Ok(Some(sealed)) => sealed,
        Ok(None) => return,
        Err(_) => {
            tracing::warn!("push subscription unreadable; no push sent");
            return;
        }
    };
    let Some(subscription) = state
        .sealer
        .open(&sealed, &seal_context(account_id, device))
        .ok()
        .and_then(|plain| service::read_stored(&plain))
    else {
        tracing::warn!("push subscription does not open; no push sent");
        return;
    };
    // A subscription that no longer passes the checks (the configuration changed) is as good as
    // gone.
    let target = service::check(
        &subscription,
        state.config.push_allow_http,
        &state.push.vendors,
    );
    let client = state.push.client();
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        let outcome = match &target {
            Ok(target) => send(state, &client, target).await,
            Err(_) => Outcome::Gone,
        };
        match outcome {
            Outcome::Delivered => return,
            Outcome::Gone => {
                let owner = account_id.clone();
                let _ = state
                    .db
                    .write(move |conn| {
                        store::remove_if(conn, &owner, device, &sealed)
                            .map_err(crate::error::ApiError::from)
                    })
                    .await;
                tracing::info!("push endpoint gone; subscription removed");
                return;
            }
            Outcome::Refused(status) => {
                tracing::warn!(status, "push refused by the push service");
                return;
            }
            Outcome::Retry if attempt < ATTEMPTS => {
                actix_web::rt::time::sleep(backoff).await;
                backoff *= 2;
            }
            Outcome::Retry => tracing::warn!("push service unreachable; wake-up dropped"),
        }
    }
}

/// The RFC 8292 `Authorization` header for an endpoint: a JWT (ES256) naming the endpoint's
/// origin, valid 12 hours, and the server's public key.
fn vapid_header(state: &AppState, endpoint: &http::Uri) -> Option<String> {
    #[derive(serde::Serialize)]
    struct Claims<'a> {
        aud: String,
        exp: i64,
        sub: &'a str,
    }
    let origin = format!("{}://{}", endpoint.scheme_str()?, endpoint.authority()?);
    let der = state.push.vapid().to_pkcs8_der().ok()?;
    let claims = Claims {
        aud: origin,
        exp: state.clock.now() + 12 * 60 * 60,
        sub: state
            .config
            .public_url
            .as_deref()
            .unwrap_or("mailto:push@invalid"),
    };
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256),
        &claims,
        &jsonwebtoken::EncodingKey::from_ec_der(der.as_bytes()),
    )
    .ok()?;
    Some(format!("vapid t={token}, k={}", state.push.public_key()))
}

/// One push attempt, through the target's push service.
async fn send(state: &AppState, client: &awc::Client, target: &Target) -> Outcome {
    let now = state.clock.now();
    match target {
        Target::WebPush(checked) => send_web_push(state, client, checked).await,
        // A vendor configured when the device subscribed and since removed: as good as gone.
        Target::Apns(token) => match &state.push.vendors.apns {
            Some(apns) => apns.send(client, now, token).await,
            None => Outcome::Gone,
        },
        Target::Fcm(token) => match &state.push.vendors.fcm {
            Some(fcm) => fcm.send(client, now, token).await,
            None => Outcome::Gone,
        },
    }
}

/// One Web Push attempt: the wake-up encrypted for the device (RFC 8291), signed for (RFC 8292).
async fn send_web_push(state: &AppState, client: &awc::Client, checked: &Checked) -> Outcome {
    let auth = web_push_native::Auth::clone_from_slice(&checked.auth);
    let request =
        match web_push_native::WebPushBuilder::new(checked.endpoint.clone(), checked.p256dh, auth)
            .with_valid_duration(PUSH_TTL)
            .build(WAKE_PAYLOAD.to_vec())
        {
            Ok(request) => request,
            Err(error) => {
                tracing::warn!(%error, "push not encrypted");
                return Outcome::Refused(0);
            }
        };
    let Some(authorization) = vapid_header(state, &checked.endpoint) else {
        return Outcome::Refused(0);
    };
    let mut outgoing = client
        .post(checked.endpoint.to_string())
        .insert_header(("Authorization", authorization))
        // Wake-ups replace one another at the push service: one waits at most.
        .insert_header(("Topic", "wake"))
        .insert_header(("Urgency", "normal"));
    for (name, value) in request.headers() {
        if let Ok(value) = value.to_str() {
            outgoing = outgoing.insert_header((name.as_str(), value));
        }
    }
    match outgoing.send_body(request.into_body()).await {
        Ok(response) => match response.status().as_u16() {
            200..=299 => Outcome::Delivered,
            404 | 410 => Outcome::Gone,
            429 | 500..=599 => Outcome::Retry,
            status => Outcome::Refused(status),
        },
        Err(_) => Outcome::Retry,
    }
}
