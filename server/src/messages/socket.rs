//! GET /v1/websocket — live delivery. The device authenticates with its access token (in the
//! `Authorization` header, or as the first frame: never in the URL), receives its queue in order,
//! then new envelopes as they arrive on any instance, and acknowledges them. Text frames carry
//! padded JSON (`ServerFrame` / `ClientFrame`).
//!
//! A device holds at most `sockets_per_device` of them across all instances, each by a lease in
//! the ephemeral store renewed at every keepalive: one more is refused with `429` and
//! `Retry-After` at the upgrade (or closed with "try again later" after a first-frame
//! authentication), and a crashed instance's places come back when their leases run out.

use super::{service, store};
use crate::auth::{Audience, Principal, authenticate, bearer};
use crate::bus::BusEvent;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, web};
use actix_ws::{CloseCode, CloseReason, Message, MessageStream, Session};
use futures_util::StreamExt;
use quietline_protocol::relay::{ClientFrame, PreKeyCount, ServerFrame};
use quietline_protocol::{AccountId, ErrorCode, padding};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// Whether the socket's session is still live; `false` when that cannot be read.
async fn session_still_live(state: &AppState, principal: &Principal) -> bool {
    let session_id = principal.session_id.clone();
    let account_id = principal.account_id.clone();
    let device = i32::try_from(principal.device_id).unwrap_or_default();
    let now = state.clock.now();
    state
        .db
        .read(move |conn| {
            crate::accounts::store::session_is_live(conn, &session_id, &account_id, device, now)
                .map_err(ApiError::from)
        })
        .await
        .unwrap_or(false)
}

/// Envelopes sent and not yet acknowledged, at most: a slow reader is not flooded.
const IN_FLIGHT: usize = 64;
const KEEPALIVE: Duration = Duration::from_secs(30);
/// Presence lasts a little longer than two keepalives.
const PRESENCE_TTL: u64 = 75;
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_FRAME: usize = 64 * 1024;

/// GET /v1/websocket — upgrades to the delivery WebSocket.
#[utoipa::path(tag = "messages", security(("bearer" = [])), responses(
    (status = 101, description = "WebSocket of padded JSON text frames: ServerFrame from the server, ClientFrame from the device"),
    (status = 400, description = "not a WebSocket upgrade", body = quietline_protocol::ErrorBody),
    (status = 401, body = quietline_protocol::ErrorBody),
    (status = 429, description = "the device holds as many sockets as it may", body = quietline_protocol::ErrorBody),
))]
#[get("/v1/websocket")]
pub async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let place = match bearer(&req) {
        Some(token) => {
            let principal = authenticate(state.clone(), Some(token), Audience::Api).await?;
            let place = Place::take(&state, &principal)
                .await
                .ok_or_else(|| ApiError::rate_limited(PRESENCE_TTL))?;
            Some((principal, place))
        }
        None => None,
    };
    let (response, session, stream) = actix_ws::handle(&req, body).map_err(|_| {
        ApiError::bad_request(
            ErrorCode::InvalidParameter,
            "A WebSocket upgrade is expected.",
        )
    })?;
    actix_web::rt::spawn(run(state, place, session, stream.max_frame_size(MAX_FRAME)));
    Ok(response)
}

/// One of the device's places for a live socket, held by a lease.
struct Place {
    key: String,
    holder: String,
}

impl Place {
    /// The device's next place, if it has one free. With the store unreachable the socket is let
    /// in: delivery matters more than the cap.
    async fn take(state: &AppState, principal: &Principal) -> Option<Place> {
        let device = principal.device_id.to_string();
        let place = Place {
            key: crate::limits::key(state, "sockets", &[principal.account_id.as_str(), &device]),
            holder: uuid::Uuid::new_v4().to_string(),
        };
        place.renew(state).await.then_some(place)
    }

    async fn renew(&self, state: &AppState) -> bool {
        let cap = state.config.sockets_per_device;
        let now = state.clock.now();
        state
            .kv
            .lease(&self.key, &self.holder, cap, PRESENCE_TTL, now)
            .await
            .unwrap_or(true)
    }

    async fn release(self, state: &AppState) {
        let _ = state.kv.release(&self.key, &self.holder).await;
    }
}

fn reason(code: CloseCode, description: &str) -> Option<CloseReason> {
    Some(CloseReason {
        code,
        description: Some(description.to_string()),
    })
}

async fn send_frame(session: &mut Session, frame: &ServerFrame) -> bool {
    let Ok(bytes) = padding::to_padded_json(frame) else {
        return false;
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return false;
    };
    session.text(text).await.is_ok()
}

/// Waits for `{"type":"auth","token":…}` as the first frame.
async fn authenticate_first_frame(
    state: &web::Data<AppState>,
    stream: &mut MessageStream,
) -> Option<Principal> {
    let frame = tokio::time::timeout(AUTH_TIMEOUT, stream.next())
        .await
        .ok()??
        .ok()?;
    let Message::Text(text) = frame else {
        return None;
    };
    match serde_json::from_str::<ClientFrame>(text.trim()) {
        Ok(ClientFrame::Auth { token }) => authenticate(
            state.clone(),
            Some(token.expose().to_string()),
            Audience::Api,
        )
        .await
        .ok(),
        _ => None,
    }
}

/// What this connection has sent and not yet seen acknowledged.
struct Delivery {
    account_id: AccountId,
    device_id: i32,
    cursor: i64,
    unacknowledged: BTreeSet<i64>,
    /// Whether `queue_empty` has been sent: once, when what was queued at connection is all sent.
    drained: bool,
}

impl Delivery {
    /// Sends queued envelopes past the cursor, up to the in-flight bound. With `rescan`, starts
    /// from the queue's head, skipping what is in flight: an envelope committed late by another
    /// instance, behind the cursor, is still delivered. Returns false when the socket is gone.
    async fn push(&mut self, state: &AppState, session: &mut Session, rescan: bool) -> bool {
        let room = IN_FLIGHT.saturating_sub(self.unacknowledged.len());
        if room == 0 {
            return true;
        }
        let (account_id, device_id) = (self.account_id.clone(), self.device_id);
        let after = if rescan { 0 } else { self.cursor };
        let now = state.clock.now();
        let limit = i64::try_from(room + self.unacknowledged.len()).unwrap_or(i64::MAX);
        let Ok(envelopes) = state
            .db
            .read(move |conn| {
                store::queued(conn, &account_id, device_id, after, now, limit)
                    .map_err(ApiError::from)
            })
            .await
        else {
            return true;
        };
        let found = envelopes.len();
        let mut fresh: Vec<_> = envelopes
            .into_iter()
            .filter(|e| !self.unacknowledged.contains(&e.id))
            .collect();
        let all_sent = fresh.len() <= room;
        fresh.truncate(room);
        for envelope in fresh {
            self.cursor = self.cursor.max(envelope.id);
            self.unacknowledged.insert(envelope.id);
            if !send_frame(session, &ServerFrame::Envelope { envelope }).await {
                return false;
            }
        }
        // The query returned fewer than asked for and all of them were sent: nothing queued is
        // left unsent.
        if !self.drained && all_sent && found < usize::try_from(limit).unwrap_or(usize::MAX) {
            self.drained = true;
            return send_frame(session, &ServerFrame::QueueEmpty).await;
        }
        true
    }
}

async fn run(
    state: web::Data<AppState>,
    place: Option<(Principal, Place)>,
    mut session: Session,
    mut stream: MessageStream,
) {
    let (principal, place) = match place {
        Some(place) => place,
        None => {
            let Some(principal) = authenticate_first_frame(&state, &mut stream).await else {
                let _ = session
                    .close(reason(CloseCode::Policy, "unauthenticated"))
                    .await;
                return;
            };
            let Some(place) = Place::take(&state, &principal).await else {
                let _ = session
                    .close(reason(CloseCode::Again, "too many connections"))
                    .await;
                return;
            };
            (principal, place)
        }
    };
    let Ok(device_id) = i32::try_from(principal.device_id) else {
        return;
    };
    let mut bus = state.bus.subscribe();
    let mut shutdown = state.shutdown.subscribe();
    let presence = service::presence_key(&principal.account_id, principal.device_id);
    let _ = state.kv.mark(&presence, PRESENCE_TTL).await;
    let mut delivery = Delivery {
        account_id: principal.account_id.clone(),
        device_id,
        cursor: 0,
        unacknowledged: BTreeSet::new(),
        drained: false,
    };
    let mut open = send_frame(&mut session, &ServerFrame::Ready).await
        && delivery.push(&state, &mut session, false).await;
    let mut keepalive =
        tokio::time::interval_at(tokio::time::Instant::now() + KEEPALIVE, KEEPALIVE);
    let mine = |account: &AccountId, device: u32| {
        *account == principal.account_id && device == principal.device_id
    };
    let mut close = None;
    while open {
        tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<ClientFrame>(text.trim()) {
                    Ok(ClientFrame::Ack { ids }) => {
                        let acknowledged = state.writer.acknowledge(principal.account_id.clone(), device_id, ids.clone()).await;
                        // Acknowledged or not, these leave the in-flight window: a failed write
                        // (a full disk, a failover) must not silence the socket for good. The
                        // client is told, and the envelopes, still queued, come again.
                        for id in &ids {
                            delivery.unacknowledged.remove(id);
                        }
                        open = match acknowledged {
                            Ok(_) => delivery.push(&state, &mut session, false).await,
                            Err(_) => {
                                send_frame(&mut session, &ServerFrame::AcknowledgementFailed { ids }).await
                                    && delivery.push(&state, &mut session, true).await
                            }
                        };
                    }
                    _ => {
                        close = reason(CloseCode::Invalid, "unexpected frame");
                        open = false;
                    }
                },
                Some(Ok(Message::Ping(bytes))) => open = session.pong(&bytes).await.is_ok(),
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => open = false,
                Some(Ok(_)) => {}
            },
            event = bus.recv() => match event {
                Ok(BusEvent::EnvelopesQueued { account_id, device_id }) if mine(&account_id, device_id) => {
                    open = delivery.push(&state, &mut session, false).await;
                }
                Ok(BusEvent::SessionsRevoked { account_id, device_id })
                    if account_id == principal.account_id && device_id.is_none_or(|d| d == principal.device_id)
                        // A device number serves again once freed (a seeker's recovery): only
                        // a socket whose own session ended closes.
                        && !session_still_live(&state, &principal).await =>
                {
                    close = reason(CloseCode::Policy, "session ended");
                    open = false;
                }
                Ok(BusEvent::PreKeysLow { account_id, device_id }) if mine(&account_id, device_id) => {
                    let count = crate::keys::service::count(&state, &principal).await.unwrap_or(PreKeyCount { ec: 0, pq: 0 });
                    open = send_frame(&mut session, &ServerFrame::PreKeysLow { count }).await;
                }
                Ok(BusEvent::IdentityChanged { account_id, members }) if members.contains(&principal.account_id) => {
                    open = send_frame(&mut session, &ServerFrame::IdentityChanged { account_id: account_id.0 }).await;
                }
                Ok(BusEvent::DisappearingTimer { conversation_id, members, seconds }) if members.contains(&principal.account_id) => {
                    open = send_frame(&mut session, &ServerFrame::DisappearingTimer { conversation_id: conversation_id.0, seconds }).await;
                }
                Ok(BusEvent::ConversationEnded { conversation_id, members }) if members.contains(&principal.account_id) => {
                    open = send_frame(&mut session, &ServerFrame::ConversationEnded { conversation_id: conversation_id.0 }).await;
                }
                Ok(BusEvent::ConversationWaiting { organisation_id, conversation_id })
                    if principal.role == quietline_protocol::api::Role::Worker
                        && principal.organisation_id.as_ref() == Some(&organisation_id) =>
                {
                    open = send_frame(&mut session, &ServerFrame::ConversationWaiting { conversation_id: conversation_id.0 }).await;
                }
                Ok(BusEvent::WorkersChanged { conversation_id, members, workers, handles }) if members.contains(&principal.account_id) => {
                    open = send_frame(&mut session, &ServerFrame::WorkersChanged { conversation_id: conversation_id.0, workers: workers.into_iter().map(|w| w.0).collect(), handles }).await;
                }
                Ok(BusEvent::ConversationClaimed { organisation_id, conversation_id, handle })
                    if principal.role == quietline_protocol::api::Role::Worker
                        && principal.organisation_id.as_ref() == Some(&organisation_id) =>
                {
                    open = send_frame(&mut session, &ServerFrame::ConversationClaimed { conversation_id: conversation_id.0, handle }).await;
                }
                Ok(BusEvent::ReferralOffered { conversation_id, seeker, organisation_id, organisation_name }) if seeker == principal.account_id => {
                    open = send_frame(&mut session, &ServerFrame::ReferralOffered { conversation_id: conversation_id.0, organisation_id: organisation_id.0, organisation_name }).await;
                }
                Ok(BusEvent::HandoffConsentAsked { conversation_id, seeker }) if seeker == principal.account_id => {
                    open = send_frame(&mut session, &ServerFrame::HandoffConsentAsked { conversation_id: conversation_id.0 }).await;
                }
                Ok(BusEvent::HandoffConsentAnswered { conversation_id, members, granted }) if members.contains(&principal.account_id) => {
                    open = send_frame(&mut session, &ServerFrame::HandoffConsentAnswered { conversation_id: conversation_id.0, granted }).await;
                }
                Ok(BusEvent::ReferralAnswered { conversation_id, members, accepted }) if members.contains(&principal.account_id) => {
                    open = send_frame(&mut session, &ServerFrame::ReferralAnswered { conversation_id: conversation_id.0, accepted }).await;
                }
                Ok(BusEvent::Resync) | Err(RecvError::Lagged(_)) => open = delivery.push(&state, &mut session, true).await,
                Err(RecvError::Closed) => open = false,
                Ok(_) => {}
            },
            _ = keepalive.tick() => {
                let _ = state.kv.mark(&presence, PRESENCE_TTL).await;
                place.renew(&state).await;
                open = session.ping(b"").await.is_ok() && delivery.push(&state, &mut session, true).await;
            }
            _ = shutdown.changed() => {
                close = reason(CloseCode::Restart, "server restarting");
                open = false;
            }
        }
    }
    let _ = state.kv.unmark(&presence).await;
    // Released before the closing frame: a client that saw the close may connect again at once.
    place.release(&state).await;
    let _ = session.close(close).await;
}
