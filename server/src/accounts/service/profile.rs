//! A worker's profile: languages and second factor.

use super::*;

pub async fn worker_profile(state: &AppState, principal: &Principal) -> ApiResult<WorkerProfile> {
    let account_id = principal.account_id.clone();
    let organisation_id = principal
        .organisation_id
        .clone()
        .ok_or_else(|| ApiError::internal("worker without organisation"))?;
    state
        .db
        .read(move |conn| {
            let credentials = store::find_credentials(conn, &account_id)?
                .ok_or_else(ApiError::unauthenticated)?;
            Ok(WorkerProfile {
                languages: store::languages(conn, &account_id)?,
                account_id,
                organisation_id,
                handle: credentials.handle,
                totp_enabled: credentials.totp_confirmed,
            })
        })
        .await
}

pub async fn set_worker_languages(
    state: &AppState,
    principal: &Principal,
    languages: &[String],
) -> ApiResult<WorkerProfile> {
    let languages = canonical_languages(languages)?;
    let account_id = principal.account_id.clone();
    state
        .db
        .write(move |conn| {
            store::set_languages(conn, &account_id, &languages).map_err(ApiError::from)
        })
        .await?;
    worker_profile(state, principal).await
}

/// Starts (or restarts) TOTP enrolment, once the passphrase is given again. It takes effect once
/// a code is confirmed.
pub async fn begin_totp(
    state: &actix_web::web::Data<AppState>,
    address: &ClientAddress,
    principal: &Principal,
    passphrase: Secret,
) -> ApiResult<TotpEnrolment> {
    limit_passphrase_work(state, address).await?;
    let account_id = principal.account_id.clone();
    let lookup = account_id.clone();
    let stored = state
        .db
        .read(move |conn| store::find_credentials(conn, &lookup).map_err(ApiError::from))
        .await?
        .map(|c| c.passphrase_hash);
    if !state.passphrases.verify(passphrase, stored).await? {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidCredentials,
            "The passphrase is wrong.",
        ));
    }
    let st = state.clone();
    state
        .db
        .write(move |conn| {
            let credentials = store::find_credentials(conn, &account_id)?
                .ok_or_else(ApiError::unauthenticated)?;
            if credentials.totp_confirmed {
                return Err(ApiError::conflict(
                    ErrorCode::TotpAlreadyEnabled,
                    "A second factor is already active.",
                ));
            }
            let (sealed, enrolment) = new_totp(&st, &account_id, &credentials.handle)?;
            store::set_totp(conn, &account_id, &sealed)?;
            Ok(enrolment)
        })
        .await
}

/// Activates the second factor with a first code, and hands out fresh recovery codes (shown
/// once; only their hashes are kept).
pub async fn confirm_totp(
    state: &actix_web::web::Data<AppState>,
    principal: &Principal,
    code: &str,
) -> ApiResult<RecoveryCodes> {
    let account_id = principal.account_id.clone();
    let credentials = state
        .db
        .read({
            let account_id = account_id.clone();
            move |conn| store::find_credentials(conn, &account_id).map_err(ApiError::from)
        })
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    // A six-digit code falls to guessing without a limit: a few tries per window.
    let attempts_key = crate::limits::key(state, "totp-confirm", &[account_id.as_str()]);
    let now = state.clock.now();
    let tried = state
        .kv
        .counted_in_window(&attempts_key, CONFIRM_WINDOW, now)
        .await?;
    if tried >= CONFIRM_ATTEMPTS {
        return Err(ApiError::rate_limited(Kv::window_left(CONFIRM_WINDOW, now)));
    }
    let step = match check_totp(state, &credentials, code) {
        Ok(step) => step,
        Err(error) => {
            state
                .kv
                .count_in_window(&attempts_key, CONFIRM_WINDOW, now)
                .await?;
            return Err(error);
        }
    };
    let codes = recovery::generate()?;
    let hashes: Vec<String> = codes.iter().map(|c| recovery::hash(c)).collect();
    state
        .db
        .write(move |conn| {
            if !store::accept_totp_step(conn, &account_id, step)? {
                return Err(invalid_totp());
            }
            store::replace_recovery_codes(conn, &account_id, &hashes)?;
            Ok(())
        })
        .await?;
    Ok(RecoveryCodes {
        codes: codes.into_iter().map(Secret::from).collect(),
    })
}

/// Removes the second factor of the worker or administrator with this handle, so that they can
/// sign in with their passphrase and enrol a new one (`quietline-admin reset-totp`).
pub async fn reset_totp(state: &AppState, handle: String) -> ApiResult<()> {
    let entry = |account: &AccountId| {
        crate::audit::Entry::new(
            &Principal::operator(),
            None,
            crate::audit::Action::TotpReset,
        )
        .on(account.0.clone())
    };
    crate::audit::write_with(state, entry, move |conn| {
        let (credentials, _) =
            store::find_credentials_by_handle(conn, &handle)?.ok_or_else(ApiError::not_found)?;
        store::clear_totp(conn, &credentials.account_id)?;
        Ok(credentials.account_id)
    })
    .await
    .map(|_| ())
}
