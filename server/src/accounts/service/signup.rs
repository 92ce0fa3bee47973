//! Anonymous seekers: a proof-of-work challenge, then sign-up, limited per client address.

use super::*;

pub fn issue_challenge(state: &AppState) -> ApiResult<Challenge> {
    let expires_at = state.clock.now() + CHALLENGE_TTL;
    let bits = state.config.signup_pow_bits;
    let mut data = random_bytes::<16>()?.to_vec();
    data.extend(expires_at.to_be_bytes());
    data.push(bits);
    let mac = state.tokens.challenge_mac(&data);
    data.extend(mac);
    Ok(Challenge {
        challenge: URL_SAFE_NO_PAD.encode(&data),
        bits,
        expires_at,
    })
}

/// A keyed hash of the client address and the day, for rate limits. The key is derived from the
/// storage key and never stored: a dump of Redis holds counters under these hashes, and no salt to
/// brute-force them back to addresses; a new day gives every address a new, unlinkable key.
pub async fn address_key(state: &AppState, address: &ClientAddress) -> ApiResult<String> {
    let day = day_of(state.clock.now()).to_le_bytes();
    let address = address.0.map(|a| a.to_string()).unwrap_or_default();
    let hash = state
        .sealer
        .keyed_hash(&[b"client-address", &day, address.as_bytes()]);
    Ok(URL_SAFE_NO_PAD.encode(&hash[..16]))
}

/// Checks a solved challenge without spending it; answers the seconds it has left.
fn checked_challenge(state: &AppState, challenge: &str, solution: u64) -> ApiResult<i64> {
    let invalid_challenge = || {
        ApiError::unprocessable(
            ErrorCode::InvalidChallenge,
            "The challenge is unknown, expired or used. Ask for a new one.",
        )
    };
    let data = URL_SAFE_NO_PAD
        .decode(challenge.as_bytes())
        .map_err(|_| invalid_challenge())?;
    if data.len() != CHALLENGE_LEN {
        return Err(invalid_challenge());
    }
    let (signed, mac) = data.split_at(CHALLENGE_LEN - 32);
    let expected = state.tokens.challenge_mac(signed);
    if !constant_time_eq(&expected, mac) {
        return Err(invalid_challenge());
    }
    let mut expiry = [0u8; 8];
    expiry.copy_from_slice(&signed[16..24]);
    let expires_at = i64::from_be_bytes(expiry);
    let remaining = expires_at - state.clock.now();
    if remaining <= 0 {
        return Err(invalid_challenge());
    }
    if !pow::verify(&data, solution, signed[24]) {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidProofOfWork,
            "The proof of work does not solve the challenge.",
        ));
    }
    Ok(remaining)
}

/// Counts a sign-up against the client address's limit, then spends its challenge.
async fn admit(
    state: &AppState,
    address: &ClientAddress,
    challenge: &str,
    remaining: i64,
) -> ApiResult<()> {
    let key = address_key(state, address).await?;
    let limit = u64::from(state.config.signup_rate_limit);
    crate::limits::within(
        state,
        &format!("signup:{key}"),
        3_600,
        limit,
        crate::limits::Outage::Refuse,
    )
    .await?;
    let challenge_key = format!("challenge:{}", hash_token(challenge));
    if !state
        .kv
        .claim(&challenge_key, remaining.unsigned_abs())
        .await?
    {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidChallenge,
            "The challenge is unknown, expired or used. Ask for a new one.",
        ));
    }
    Ok(())
}

pub async fn sign_up_seeker(
    state: &actix_web::web::Data<AppState>,
    address: ClientAddress,
    request: SeekerSignup,
) -> ApiResult<SessionGrant> {
    let remaining = checked_challenge(state, &request.challenge, request.solution)?;
    // An unknown entry point is refused before the challenge is spent, so the person can retry.
    if let Some(code) = request.entry_point.clone() {
        state
            .db
            .read(move |conn| crate::entry_points::service::resolve(conn, &code).map(|_| ()))
            .await?;
    }
    admit(state, &address, &request.challenge, remaining).await?;
    let state = state.clone();
    state
        .db
        .clone()
        .write(move |conn| {
            let id = new_account_id()?;
            let day = day_of(state.clock.now());
            store::insert_account(conn, &id, Role::Seeker, None, false, day)?;
            if let Some(code) = &request.entry_point {
                let entry_point = crate::entry_points::service::resolve(conn, code)?;
                crate::entry_points::store::link_account(conn, &id, &entry_point.id)?;
            }
            let device = add_device(&state, conn, &id, None)?;
            let account = store::find_account(conn, &id)?
                .ok_or_else(|| ApiError::internal("account vanished"))?;
            open_session(&state, conn, &account, device)
        })
        .await
}

/// A seeker in a browser at an entry point's web entry: the same proof of work and limit as any
/// sign-up; its one device is reached by sealing to `public_key`, and the person comes back by
/// the handle whose keyed hash is `handle_hash`.
pub async fn sign_up_web_seeker(
    state: &actix_web::web::Data<AppState>,
    address: ClientAddress,
    challenge: &str,
    solution: u64,
    entry_point: EntryPointId,
    handle_hash: String,
    public_key: Vec<u8>,
) -> ApiResult<SessionGrant> {
    let remaining = checked_challenge(state, challenge, solution)?;
    admit(state, &address, challenge, remaining).await?;
    let state = state.clone();
    state
        .db
        .clone()
        .write(move |conn| {
            if crate::web::store::seeker_by_handle(conn, &handle_hash)?.is_some() {
                return Err(ApiError::conflict(
                    ErrorCode::InvalidState,
                    "Choose another codename.",
                ));
            }
            let id = new_account_id()?;
            let day = day_of(state.clock.now());
            store::insert_account(conn, &id, Role::Seeker, None, false, day)?;
            crate::entry_points::store::link_account(conn, &id, &entry_point)?;
            let device = add_device(&state, conn, &id, None)?;
            crate::web::store::set_intake_key(conn, &id, device, Some((&public_key, None)))?;
            crate::web::store::insert_seeker(conn, &handle_hash, &id)?;
            let account = store::find_account(conn, &id)?
                .ok_or_else(|| ApiError::internal("account vanished"))?;
            open_session(&state, conn, &account, device)
        })
        .await
}

/// A seeker in a browser comes back: a new session on their device, or `None` for a handle
/// nobody has (after the same reads and the same write transaction).
pub async fn resume_web_seeker(
    state: &actix_web::web::Data<AppState>,
    handle_hash: String,
) -> ApiResult<Option<SessionGrant>> {
    let state = state.clone();
    state
        .db
        .clone()
        .write(move |conn| {
            let Some(id) = crate::web::store::seeker_by_handle(conn, &handle_hash)? else {
                return Ok(None);
            };
            let Some(account) = store::find_account(conn, &id)? else {
                return Ok(None);
            };
            let Some(device) = store::first_device(conn, &id)? else {
                return Ok(None);
            };
            open_session(&state, conn, &account, device).map(Some)
        })
        .await
}
