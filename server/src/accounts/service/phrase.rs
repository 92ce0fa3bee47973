//! A seeker's recovery phrase: the way back to their account and its open conversations from a
//! new phone. The phrase stays on the seeker's device; it derives a lookup and a key from it
//! (see the reference client's `recovery` module). The server keeps a keyed hash of the lookup
//! and the Argon2id hash of the key, and wipes both with the account.

use super::*;
use quietline_protocol::api::{Recover, RecoverySetup};

/// Wrong keys for one account in a window before every further try for it answers as a wrong
/// phrase does, right or not.
const ACCOUNT_ATTEMPTS: u64 = 5;
const WINDOW: u64 = 3_600;
const PART_LEN: usize = 32;

fn part(value: &Secret) -> ApiResult<[u8; PART_LEN]> {
    URL_SAFE_NO_PAD
        .decode(value.expose().as_bytes())
        .ok()
        .and_then(|bytes| <[u8; PART_LEN]>::try_from(bytes).ok())
        .ok_or_else(|| {
            ApiError::unprocessable(
                ErrorCode::InvalidBody,
                "A lookup and a key are 32 bytes each, base64url without padding.",
            )
        })
}

/// The keyed hash a lookup is found by: a dump of the database cannot be searched for a phrase
/// without the server's key.
fn lookup_hash(state: &AppState, lookup: &[u8; PART_LEN]) -> String {
    URL_SAFE_NO_PAD.encode(state.sealer.keyed_hash(&[b"seeker-recovery", lookup]))
}

/// A wrong phrase, an unknown one and one for an account locked by wrong tries: one answer.
fn refused() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidCredentials,
        "That recovery phrase is not right.",
    )
}

/// A seeker sets (or replaces) the recovery of their account.
pub async fn set_recovery(
    state: &AppState,
    principal: &Principal,
    request: RecoverySetup,
) -> ApiResult<()> {
    if principal.role != Role::Seeker {
        return Err(ApiError::forbidden());
    }
    let lookup = lookup_hash(state, &part(&request.lookup)?);
    part(&request.key)?;
    let key_hash = state.passphrases.hash(request.key).await?;
    let account_id = principal.account_id.clone();
    state
        .db
        .write(move |conn| {
            if store::find_account(conn, &account_id)?.is_none() {
                return Err(ApiError::unauthenticated());
            }
            store::replace_seeker_recovery(conn, &account_id, &lookup, &key_hash)?;
            Ok(())
        })
        .await
}

/// A new device presents the phrase: the account's other devices are removed (their queues and
/// sessions with them), the new device gets a session, and the workers of the seeker's open
/// conversations are told that the seeker's identity changed.
pub async fn recover(
    state: &actix_web::web::Data<AppState>,
    address: &ClientAddress,
    request: Recover,
) -> ApiResult<SessionGrant> {
    let address_hash = address_key(state, address).await?;
    crate::limits::within(
        state,
        &crate::limits::key(state, "recover", &[&address_hash]),
        WINDOW,
        u64::from(state.config.recovery_rate_limit),
        crate::limits::Outage::Refuse,
    )
    .await?;
    limit_passphrase_work(state, address).await?;
    let lookup = lookup_hash(state, &part(&request.lookup)?);
    part(&request.key)?;
    let found = state
        .db
        .read(move |conn| store::find_seeker_recovery(conn, &lookup).map_err(ApiError::from))
        .await?;
    let failures_key = found
        .as_ref()
        .map(|(account_id, _)| crate::limits::key(state, "recover-account", &[&account_id.0]));
    let locked = match &failures_key {
        Some(key) => {
            state
                .kv
                .counted_in_window(key, WINDOW, state.clock.now())
                .await?
                >= ACCOUNT_ATTEMPTS
        }
        None => false,
    };
    // The same Argon2 work whether the lookup is known or not.
    let stored = found.as_ref().map(|(_, key_hash)| key_hash.clone());
    let right = state.passphrases.verify(request.key, stored).await?;
    let Some((account_id, _)) = found.filter(|_| right && !locked) else {
        if let (Some(key), false) = (&failures_key, right) {
            state
                .kv
                .count_in_window(key, WINDOW, state.clock.now())
                .await?;
        }
        return Err(refused());
    };
    let st = state.clone();
    let id = account_id.clone();
    let (grant, workers) = state
        .db
        .write(move |conn| {
            let Some(account) = store::find_account(conn, &id)? else {
                return Err(refused());
            };
            for (device, ..) in store::list_devices(conn, &id)? {
                store::delete_device(conn, &id, device)?;
            }
            let device = add_device(&st, conn, &id, None)?;
            let mut workers = Vec::new();
            for conversation in crate::conversations::store::open_for_member(conn, &id)? {
                for member in crate::conversations::store::members(conn, &conversation.id)? {
                    if member != id && !workers.contains(&member) {
                        workers.push(member);
                    }
                }
            }
            let grant = open_session(&st, conn, &account, device)?;
            Ok::<_, ApiError>((grant, workers))
        })
        .await?;
    // One notice for the whole account: a socket closes only if its own session ended, so the
    // new device's (its number may be a freed one) stays open.
    announce_revocation(state, account_id.clone(), None).await;
    if !workers.is_empty()
        && let Err(error) = state
            .bus
            .publish(BusEvent::IdentityChanged {
                account_id,
                members: workers,
            })
            .await
    {
        tracing::warn!(%error, "identity change not announced; workers see it on their next send");
    }
    Ok(grant)
}
