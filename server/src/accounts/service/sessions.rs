//! Sign-in, second factors at sign-in, refresh-token rotation, sign-out and deletion.

use super::*;

/// Signs a worker (public listener) or administrator (admin listener) in on a new device.
pub async fn log_in(
    state: &actix_web::web::Data<AppState>,
    address: &ClientAddress,
    request: Login,
    audience: Audience,
) -> ApiResult<SessionGrant> {
    validate_device_name(&request.device_name)?;
    // Only failures count, and only those from the same address on the same listener: someone
    // guessing elsewhere must never lock the person out (they back off; the person does not).
    let listener = match audience {
        Audience::Api => "public",
        Audience::Admin => "admin",
    };
    let address_hash = address_key(state, address).await?;
    let failures_key =
        crate::limits::key(state, "login", &[listener, &request.handle, &address_hash]);
    let failures = state
        .kv
        .counted_in_window(&failures_key, LOGIN_WINDOW, state.clock.now())
        .await?;
    if failures >= LOGIN_ATTEMPTS {
        return Err(ApiError::rate_limited(Kv::window_left(
            LOGIN_WINDOW,
            state.clock.now(),
        )));
    }
    limit_passphrase_work(state, address).await?;
    let outcome = sign_in(state, request, audience).await;
    if matches!(&outcome, Err(e) if e.status == StatusCode::UNAUTHORIZED) {
        state
            .kv
            .count_in_window(&failures_key, LOGIN_WINDOW, state.clock.now())
            .await?;
    }
    outcome
}

/// Checks the credentials and opens the session of a sign-in.
async fn sign_in(
    state: &actix_web::web::Data<AppState>,
    request: Login,
    audience: Audience,
) -> ApiResult<SessionGrant> {
    let handle = request.handle.clone();
    let found = state
        .db
        .read(move |conn| {
            let found = store::find_credentials_by_handle(conn, &handle)?;
            // A deactivated member answers as a wrong passphrase does, after the same work.
            let deactivated = match &found {
                Some((credentials, _)) => store::is_deactivated(conn, &credentials.account_id)?,
                None => false,
            };
            Ok::<_, ApiError>(found.map(|found| (found, deactivated)))
        })
        .await?
        .filter(|((_, account), _)| {
            Audience::of(account.role) == audience && account.role != Role::Seeker
        });
    let deactivated = found.as_ref().is_some_and(|(_, d)| *d);
    let found = found.map(|(found, _)| found);
    let stored_hash = found.as_ref().map(|(c, _)| c.passphrase_hash.clone());
    let verified = state
        .passphrases
        .verify(request.passphrase.clone(), stored_hash)
        .await?;
    let invalid_credentials = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidCredentials,
            "The handle or passphrase is wrong.",
        )
    };
    let (credentials, account) = match found {
        Some(found) if verified && !deactivated => found,
        _ => return Err(invalid_credentials()),
    };
    // A second factor counts from its first confirmed code: an enrolment never finished
    // locks nobody out.
    let second_factor = if credentials.totp_confirmed {
        let code = request.totp.as_ref().map(Secret::expose).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::TotpRequired,
                "Enter the code from your authenticator app.",
            )
        })?;
        Some(if recovery::looks_like_code(code) {
            SecondFactor::Recovery(recovery::hash(code))
        } else {
            SecondFactor::Step(check_totp(state, &credentials, code)?)
        })
    } else {
        None
    };
    let must_enrol = account.role == Role::Admin
        && state.config.admin_totp_required
        && !credentials.totp_confirmed;
    let st = state.clone();
    let (grant, replaced) = st
        .db
        .clone()
        .write(move |conn| {
            let state = st;
            let accepted = match &second_factor {
                None => true,
                Some(SecondFactor::Step(step)) => {
                    store::accept_totp_step(conn, &account.id, *step)?
                }
                Some(SecondFactor::Recovery(hash)) => {
                    store::spend_recovery_code(conn, &account.id, hash)?
                }
            };
            if !accepted {
                return Err(invalid_totp());
            }
            store::touch_account(conn, &account.id, day_of(state.clock.now()))?;
            // Signing in again from the same client takes its device back rather than adding one.
            let known = request
                .device_id
                .and_then(|d| i32::try_from(d.0).ok())
                .map(|d| store::has_device(conn, &account.id, d).map(|has| has.then_some(d)))
                .transpose()?
                .flatten();
            let device = match known {
                Some(device) => {
                    store::delete_device_sessions(conn, &account.id, device)?;
                    device
                }
                None => add_device(&state, conn, &account.id, Some(&request.device_name))?,
            };
            let mut grant = open_session(&state, conn, &account, device)?;
            grant.must_enrol_totp = must_enrol;
            Ok((grant, known.is_some()))
        })
        .await?;
    if replaced {
        // The device's earlier sessions ended: their live connections close everywhere.
        announce_revocation(state, grant.account_id.clone(), Some(grant.device_id.0)).await;
    }
    Ok(grant)
}

/// What stands in for the second factor at a sign-in.
enum SecondFactor {
    /// A TOTP code, by its time step (each is accepted once).
    Step(i64),
    /// A recovery code, by its hash.
    Recovery(String),
}

pub(super) fn invalid_totp() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidTotp,
        "The code is wrong, expired or already used.",
    )
}

pub(super) fn check_totp(
    state: &AppState,
    credentials: &store::CredentialRow,
    code: &str,
) -> ApiResult<i64> {
    let sealed = credentials
        .totp_sealed
        .as_deref()
        .ok_or_else(invalid_totp)?;
    let seed = state
        .sealer
        .open(sealed, credentials.account_id.as_str().as_bytes())?;
    totp::accepted_step(&seed, code, state.clock.now(), credentials.totp_last_step)
        .ok_or_else(invalid_totp)
}

/// What a refresh came to; a reuse must commit the revocation before it is reported.
enum Refreshed {
    Granted(Box<SessionGrant>),
    Reused {
        account_id: AccountId,
        device_id: u32,
    },
}

/// Exchanges a refresh token for a new pair. A token is valid once: presenting a spent one means
/// it was copied, so the whole session is revoked.
pub async fn refresh(
    state: &actix_web::web::Data<AppState>,
    refresh_token: &str,
    audience: Audience,
) -> ApiResult<SessionGrant> {
    let hash = hash_token(refresh_token);
    let st = state.clone();
    let outcome = state
        .db
        .write(move |conn| {
            let invalid = || {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    ErrorCode::InvalidRefreshToken,
                    "The refresh token is unknown or expired. Sign in again.",
                )
            };
            let now = st.clock.now();
            let (session_id, device_id, expires_at, account) =
                store::find_refresh_token(conn, &hash)?.ok_or_else(invalid)?;
            if Audience::of(account.role) != audience || expires_at <= now {
                return Err(invalid());
            }
            if !store::spend_refresh_token(conn, &hash)? {
                store::delete_session(conn, &session_id)?;
                return Ok(Refreshed::Reused {
                    account_id: account.id,
                    device_id: device_number(device_id)?,
                });
            }
            store::extend_session(
                conn,
                &session_id,
                minute_of(now + ttl(st.config.refresh_token_ttl)),
            )?;
            store::touch_account(conn, &account.id, day_of(now))?;
            grant(&st, conn, &account, device_id, &session_id)
                .map(|g| Refreshed::Granted(Box::new(g)))
        })
        .await?;
    match outcome {
        Refreshed::Granted(grant) => Ok(*grant),
        Refreshed::Reused {
            account_id,
            device_id,
        } => {
            announce_revocation(state, account_id, Some(device_id)).await;
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::RefreshTokenReused,
                "This refresh token was already used; the session has been ended. Sign in again.",
            ))
        }
    }
}

/// Tells every instance that sessions ended, so live connections close. Revocation itself is
/// already committed; a bus failure is logged, and the next request is refused anyway.
pub(super) async fn announce_revocation(
    state: &AppState,
    account_id: AccountId,
    device_id: Option<u32>,
) {
    if let Err(error) = state
        .bus
        .publish(BusEvent::SessionsRevoked {
            account_id,
            device_id,
        })
        .await
    {
        tracing::warn!(%error, "revocation not announced on the bus");
    }
}

/// Ends this device's session. An administrator's device is freed with it (it holds no keys and
/// no messages), so signing in and out never runs into the device limit; a worker's or seeker's
/// device stays, with its keys and queued messages, until removed.
pub async fn log_out(
    state: &actix_web::web::Data<AppState>,
    principal: Principal,
) -> ApiResult<()> {
    let session_id = principal.session_id.clone();
    let account_id = principal.account_id.clone();
    let device = i32::try_from(principal.device_id).map_err(|_| ApiError::unauthenticated())?;
    let free_device = principal.role == Role::Admin;
    state
        .db
        .write(move |conn| {
            if free_device {
                store::delete_device(conn, &account_id, device)?;
            }
            store::delete_session(conn, &session_id).map_err(ApiError::from)
        })
        .await?;
    announce_revocation(state, principal.account_id, Some(principal.device_id)).await;
    Ok(())
}

pub fn account_info(principal: &Principal) -> AccountInfo {
    AccountInfo {
        account_id: principal.account_id.clone(),
        role: principal.role,
        organisation_id: principal.organisation_id.clone(),
        instance_admin: principal.instance_admin,
        device_id: DeviceId(principal.device_id),
    }
}

/// Deletes the caller's account and everything linked to it, in one transaction.
pub async fn delete_account(
    state: &actix_web::web::Data<AppState>,
    principal: Principal,
) -> ApiResult<()> {
    let account_id = principal.account_id.clone();
    // An administrator leaving is an administrative change; a worker's or seeker's is not.
    let entry = (principal.role == Role::Admin).then(|| {
        crate::audit::Entry::new(
            &principal,
            principal.organisation_id.as_ref(),
            crate::audit::Action::AdminAccountDelete,
        )
        .on(principal.account_id.0.clone())
    });
    let now = state.clock.now();
    let (handed, head) = state
        .db
        .write(move |conn| {
            if principal.instance_admin && store::count_instance_admins(conn)? <= 1 {
                return Err(ApiError::conflict(
                    ErrorCode::LastInstanceAdmin,
                    "The last instance administrator cannot be removed. Create another first.",
                ));
            }
            let handed = crate::conversations::service::hand_back(conn, &account_id)?;
            store::delete_account(conn, &account_id)?;
            let head = entry.map(|e| e.append(conn, now)).transpose()?;
            Ok::<_, ApiError>((handed, head))
        })
        .await?;
    if let Some(head) = head {
        head.announce();
    }
    announce_revocation(state, principal.account_id, None).await;
    crate::conversations::service::announce_handed_back(state, handed).await;
    Ok(())
}

/// Deactivates a member (an administrator acting on their organisation), with the audit log's
/// entry for it: their sessions end at once, their conversations go back to the queue, and
/// they cannot sign in until reactivated. Their account, handle and devices stay.
pub async fn deactivate_account(
    state: &actix_web::web::Data<AppState>,
    account_id: AccountId,
    entry: crate::audit::Entry,
) -> ApiResult<()> {
    let id = account_id.clone();
    let day = crate::clock::day_of(state.clock.now());
    let handed = crate::audit::write(state, entry, move |conn| {
        let handed = crate::conversations::service::hand_back(conn, &id)?;
        store::deactivate(conn, &id, day)?;
        Ok::<_, ApiError>(handed)
    })
    .await?;
    announce_revocation(state, account_id, None).await;
    crate::conversations::service::announce_handed_back(state, handed).await;
    Ok(())
}

/// Removes another member's account (an administrator acting on their organisation), with the
/// audit log's entry for it.
pub async fn remove_account(
    state: &actix_web::web::Data<AppState>,
    account_id: AccountId,
    entry: crate::audit::Entry,
) -> ApiResult<()> {
    let id = account_id.clone();
    let handed = crate::audit::write(state, entry, move |conn| {
        let handed = crate::conversations::service::hand_back(conn, &id)?;
        store::delete_account(conn, &id)?;
        Ok::<_, ApiError>(handed)
    })
    .await?;
    announce_revocation(state, account_id, None).await;
    crate::conversations::service::announce_handed_back(state, handed).await;
    Ok(())
}
