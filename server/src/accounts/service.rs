//! Account rules: anonymous seeker sign-up, enrolment of workers and administrators, sign-in,
//! refresh-token rotation, devices, and deletion.

use super::store::{self, AccountRow};
use crate::auth::secrets::{constant_time_eq, random_bytes, random_token};
use crate::auth::tokens::{TokenSubject, hash_token};
use crate::auth::{Audience, ClientAddress, Principal, totp};
use crate::bus::BusEvent;
use crate::clock::{day_of, minute_of};
use crate::db::{Db, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::kv::Kv;
use crate::language::canonical_languages;
use crate::state::AppState;
use actix_web::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use quietline_protocol::api::{
    AcceptInvite, AccountInfo, Challenge, DeviceInfo, Enrolment, InstanceSetup, Login,
    RecoveryCodes, Role, SeekerSignup, SessionGrant, TotpEnrolment, WorkerProfile,
};
use quietline_protocol::{AccountId, DeviceId, ErrorCode, OrganisationId, Secret, pow};

/// How long a sign-up challenge may be worked on.
const CHALLENGE_TTL: i64 = 600;
const CHALLENGE_LEN: usize = 16 + 8 + 1 + 32;
/// Sign-in attempts per handle in a window, before further attempts are refused for a while.
const LOGIN_ATTEMPTS: u64 = 10;
/// Wrong codes allowed when confirming a second factor, per account and window.
const CONFIRM_ATTEMPTS: u64 = 5;
const CONFIRM_WINDOW: u64 = 900;
const LOGIN_WINDOW: u64 = 900;

fn invalid(message: &'static str) -> ApiError {
    ApiError::unprocessable(ErrorCode::InvalidBody, message)
}

pub fn validate_handle(handle: &str) -> ApiResult<()> {
    let ok = (3..=32).contains(&handle.len())
        && handle
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    ok.then_some(())
        .ok_or_else(|| invalid("A handle has 3 to 32 characters: a-z, 0-9, '.', '_' or '-'."))
}

pub fn validate_passphrase(passphrase: &str) -> ApiResult<()> {
    (12..=1024)
        .contains(&passphrase.chars().count())
        .then_some(())
        .ok_or_else(|| invalid("A passphrase has at least 12 characters."))
}

fn validate_device_name(name: &str) -> ApiResult<()> {
    let ok = (1..=64).contains(&name.chars().count()) && !name.chars().any(char::is_control);
    ok.then_some(())
        .ok_or_else(|| invalid("A device name has 1 to 64 characters."))
}

fn new_account_id() -> ApiResult<String> {
    Ok(random_token::<16>()?)
}

fn role_of(account: &AccountRow) -> ApiResult<Role> {
    Role::parse(&account.role).ok_or_else(|| ApiError::internal("account with an unknown role"))
}

fn device_number(device_id: i32) -> ApiResult<u32> {
    u32::try_from(device_id).map_err(|_| ApiError::internal("negative device number"))
}

/// Opens a session for a device and issues its first token pair (inside the caller's transaction).
fn open_session(
    state: &AppState,
    conn: &mut DbConn,
    account: &AccountRow,
    device_id: i32,
) -> ApiResult<SessionGrant> {
    let session_id = random_token::<16>()?;
    let expires_at = minute_of(state.clock.now() + ttl(state.config.refresh_token_ttl));
    store::insert_session(conn, &session_id, &account.id, device_id, expires_at)?;
    grant(state, conn, account, device_id, &session_id)
}

fn ttl(seconds: u64) -> i64 {
    i64::try_from(seconds).unwrap_or(i64::MAX / 2)
}

/// A fresh refresh token in the session, and an access token naming it.
fn grant(
    state: &AppState,
    conn: &mut DbConn,
    account: &AccountRow,
    device_id: i32,
    session_id: &str,
) -> ApiResult<SessionGrant> {
    let now = state.clock.now();
    let refresh_token = random_token::<32>()?;
    let refresh_expires_at = minute_of(now + ttl(state.config.refresh_token_ttl));
    store::insert_refresh_token(
        conn,
        &hash_token(&refresh_token),
        session_id,
        refresh_expires_at,
    )?;
    let role = role_of(account)?;
    let subject = TokenSubject {
        account_id: account.id.clone(),
        role,
        organisation_id: account.organisation_id.clone(),
        instance_admin: account.instance_admin,
        device_id: device_number(device_id)?,
        session_id: session_id.to_string(),
    };
    let (access_token, access_expires_at) =
        state
            .tokens
            .issue(&subject, now, state.config.access_token_ttl)?;
    Ok(SessionGrant {
        account_id: AccountId(account.id.clone()),
        device_id: DeviceId(subject.device_id),
        role,
        organisation_id: account.organisation_id.clone().map(OrganisationId),
        access_token: access_token.into(),
        access_expires_at,
        refresh_token: refresh_token.into(),
        refresh_expires_at,
        must_enrol_totp: false,
    })
}

/// Device numbers go up to 127, the range Signal's protocol addresses devices in.
const MAX_DEVICE_NUMBER: i32 = 127;

/// Adds a device to an account, refusing past the configured number of devices.
fn add_device(
    state: &AppState,
    conn: &mut DbConn,
    account_id: &str,
    name: Option<&str>,
) -> ApiResult<i32> {
    let too_many = || {
        ApiError::conflict(
            ErrorCode::TooManyDevices,
            "This account has as many devices as allowed. Remove one first.",
        )
    };
    if store::count_devices(conn, account_id)? >= i64::from(state.config.max_devices) {
        return Err(too_many());
    }
    if store::find_account(conn, account_id)?.is_none() {
        return Err(ApiError::unauthenticated());
    }
    let day = day_of(state.clock.now());
    store::add_device(conn, account_id, name, day, MAX_DEVICE_NUMBER)?.ok_or_else(too_many)
}

// ---- Seekers ----------------------------------------------------------------------------------

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
async fn address_key(state: &AppState, address: &ClientAddress) -> ApiResult<String> {
    let day = day_of(state.clock.now()).to_le_bytes();
    let address = address.0.map(|a| a.to_string()).unwrap_or_default();
    let hash = state
        .sealer
        .keyed_hash(&[b"client-address", &day, address.as_bytes()]);
    Ok(URL_SAFE_NO_PAD.encode(&hash[..16]))
}

pub async fn sign_up_seeker(
    state: &actix_web::web::Data<AppState>,
    address: ClientAddress,
    request: SeekerSignup,
) -> ApiResult<SessionGrant> {
    let invalid_challenge = || {
        ApiError::unprocessable(
            ErrorCode::InvalidChallenge,
            "The challenge is unknown, expired or used. Ask for a new one.",
        )
    };
    let data = URL_SAFE_NO_PAD
        .decode(request.challenge.as_bytes())
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
    if !pow::verify(&data, request.solution, signed[24]) {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidProofOfWork,
            "The proof of work does not solve the challenge.",
        ));
    }
    // An unknown entry point is refused before the challenge is spent, so the person can retry.
    if let Some(code) = request.entry_point.clone() {
        state
            .db
            .read(move |conn| crate::entry_points::service::resolve(conn, &code).map(|_| ()))
            .await?;
    }
    let key = address_key(state, &address).await?;
    let limit = u64::from(state.config.signup_rate_limit);
    crate::limits::within(
        state,
        &format!("signup:{key}"),
        3_600,
        limit,
        crate::limits::Outage::Refuse,
    )
    .await?;
    let challenge_key = format!("challenge:{}", hash_token(&request.challenge));
    if !state
        .kv
        .claim(&challenge_key, remaining.unsigned_abs())
        .await?
    {
        return Err(invalid_challenge());
    }
    let state = state.clone();
    state
        .db
        .clone()
        .write(move |conn| {
            let id = new_account_id()?;
            let day = day_of(state.clock.now());
            store::insert_account(conn, &id, Role::Seeker.as_str(), None, false, day)?;
            if let Some(code) = &request.entry_point {
                let (entry_point_id, ..) = crate::entry_points::service::resolve(conn, code)?;
                crate::entry_points::store::link_account(conn, &id, &entry_point_id)?;
            }
            let device = add_device(&state, conn, &id, None)?;
            let account = store::find_account(conn, &id)?
                .ok_or_else(|| ApiError::internal("account vanished"))?;
            open_session(&state, conn, &account, device)
        })
        .await
}

// ---- Workers and administrators ----------------------------------------------------------------

/// A new TOTP seed, sealed for storage, with what the person's authenticator app needs.
fn new_totp(
    state: &AppState,
    account_id: &str,
    handle: &str,
) -> ApiResult<(Vec<u8>, TotpEnrolment)> {
    let seed = random_bytes::<20>()?;
    let sealed = state.sealer.seal(&seed, account_id.as_bytes())?;
    Ok((
        sealed,
        TotpEnrolment {
            secret: totp::base32(&seed).into(),
            otpauth_uri: totp::provisioning_uri(&seed, handle).into(),
        },
    ))
}

struct NewMember {
    role: Role,
    organisation_id: Option<String>,
    instance_admin: bool,
    handle: String,
    passphrase_hash: String,
    languages: Vec<String>,
    device_name: String,
}

/// Creates a worker or administrator with credentials, languages, a first device and session.
fn create_member(state: &AppState, conn: &mut DbConn, member: NewMember) -> ApiResult<Enrolment> {
    if store::handle_exists(conn, &member.handle)? {
        return Err(ApiError::conflict(
            ErrorCode::HandleTaken,
            "That handle is taken. Choose another.",
        ));
    }
    let id = new_account_id()?;
    let day = day_of(state.clock.now());
    store::insert_account(
        conn,
        &id,
        member.role.as_str(),
        member.organisation_id.as_deref(),
        member.instance_admin,
        day,
    )?;
    let totp = if member.role == Role::Admin && state.config.admin_totp_required {
        Some(new_totp(state, &id, &member.handle)?)
    } else {
        None
    };
    store::insert_credentials(
        conn,
        &id,
        &member.handle,
        &member.passphrase_hash,
        totp.as_ref().map(|(sealed, _)| sealed.as_slice()),
    )
    .map_err(|e| match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => ApiError::conflict(
            ErrorCode::HandleTaken,
            "That handle is taken. Choose another.",
        ),
        other => ApiError::from(other),
    })?;
    store::set_languages(conn, &id, &member.languages)?;
    let device = add_device(state, conn, &id, Some(&member.device_name))?;
    let account =
        store::find_account(conn, &id)?.ok_or_else(|| ApiError::internal("account vanished"))?;
    let mut session = open_session(state, conn, &account, device)?;
    session.must_enrol_totp = totp.is_some();
    Ok(Enrolment {
        session,
        totp: totp.map(|(_, enrolment)| enrolment),
    })
}

/// Each passphrase check costs Argon2: counted per (hashed) client address over this window.
const PASSPHRASE_WINDOW: u64 = 900;

/// Refuses (429) a client address past its share of passphrase checks, before any is made:
/// rotating handles or invite codes does not buy more Argon2.
async fn limit_passphrase_work(state: &AppState, address: &ClientAddress) -> ApiResult<()> {
    let key = address_key(state, address).await?;
    let limit = u64::from(state.config.passphrase_rate_limit);
    crate::limits::within(
        state,
        &format!("passphrase:{key}"),
        PASSPHRASE_WINDOW,
        limit,
        crate::limits::Outage::Refuse,
    )
    .await
}

/// Redeems an invite of `role` (workers on the public listener, administrators on the admin one).
pub async fn accept_invite(
    state: &actix_web::web::Data<AppState>,
    address: &ClientAddress,
    request: AcceptInvite,
    role: Role,
) -> ApiResult<Enrolment> {
    validate_handle(&request.handle)?;
    validate_passphrase(request.passphrase.expose())?;
    validate_device_name(&request.device_name)?;
    let languages = canonical_languages(&request.languages)?;
    limit_passphrase_work(state, address).await?;
    let invalid_invite = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::InvalidInvite,
            "This invite does not exist, has expired or has been used.",
        )
    };
    // The code is checked before the passphrase is hashed: a wrong code costs no Argon2. It is
    // taken (once only) in the transaction below.
    let code_hash = hash_token(request.code.expose());
    let (lookup, now) = (code_hash.clone(), state.clock.now());
    let open = state
        .db
        .read(move |conn| {
            crate::organisations::store::invite_is_open(conn, &lookup, role.as_str(), now)
                .map_err(ApiError::from)
        })
        .await?;
    if !open {
        return Err(invalid_invite());
    }
    let passphrase_hash = state.passphrases.hash(request.passphrase).await?;
    let state = state.clone();
    state
        .db
        .clone()
        .write(move |conn| {
            let organisation_id = crate::organisations::store::take_invite(
                conn,
                &code_hash,
                role.as_str(),
                state.clock.now(),
            )?
            .ok_or_else(invalid_invite)?;
            create_member(
                &state,
                conn,
                NewMember {
                    role,
                    organisation_id: Some(organisation_id),
                    instance_admin: false,
                    handle: request.handle,
                    passphrase_hash,
                    languages,
                    device_name: request.device_name,
                },
            )
        })
        .await
}

/// Creates an instance administrator directly (the `create-admin` command).
pub async fn create_instance_admin(
    state: &actix_web::web::Data<AppState>,
    handle: String,
    passphrase: Secret,
) -> ApiResult<Option<TotpEnrolment>> {
    validate_handle(&handle)?;
    validate_passphrase(passphrase.expose())?;
    let passphrase_hash = state.passphrases.hash(passphrase).await?;
    let data_dir = state.config.data_dir.clone();
    let state = state.clone();
    state
        .db
        .clone()
        .write(move |conn| {
            store::replace_setup_token(conn, None)?;
            create_member(
                &state,
                conn,
                NewMember {
                    role: Role::Admin,
                    organisation_id: None,
                    instance_admin: true,
                    handle,
                    passphrase_hash,
                    languages: Vec::new(),
                    device_name: "command line".into(),
                },
            )
            .map(|enrolment| enrolment.totp)
        })
        .await
        .inspect(|_| forget_setup_token(&data_dir))
}

/// Uses the one-time setup token to create the first instance administrator.
pub async fn set_up_instance(
    state: &actix_web::web::Data<AppState>,
    address: &ClientAddress,
    request: InstanceSetup,
) -> ApiResult<Enrolment> {
    validate_handle(&request.handle)?;
    validate_passphrase(request.passphrase.expose())?;
    validate_device_name(&request.device_name)?;
    limit_passphrase_work(state, address).await?;
    let passphrase_hash = state.passphrases.hash(request.passphrase).await?;
    let token_hash = hash_token(request.setup_token.expose());
    let data_dir = state.config.data_dir.clone();
    let state = state.clone();
    state
        .db
        .clone()
        .write(move |conn| {
            let stored = store::setup_token_hash(conn)?;
            let matches =
                stored.is_some_and(|s| constant_time_eq(s.as_bytes(), token_hash.as_bytes()));
            if !matches || store::count_admins(conn)? > 0 {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::InvalidSetupToken,
                    "The setup token is wrong, or this instance is already set up.",
                ));
            }
            store::replace_setup_token(conn, None)?;
            create_member(
                &state,
                conn,
                NewMember {
                    role: Role::Admin,
                    organisation_id: None,
                    instance_admin: true,
                    handle: request.handle,
                    passphrase_hash,
                    languages: Vec::new(),
                    device_name: request.device_name,
                },
            )
        })
        .await
        .inspect(|_| forget_setup_token(&data_dir))
}

/// The file in the data directory that holds the pending setup token (mode 0600), for an
/// operator who did not see the terminal; removed once an administrator exists.
pub const SETUP_TOKEN_FILE: &str = "setup-token";

/// While no administrator exists, a fresh one-time setup token replaces any earlier one; the
/// database keeps only its hash, the data directory's `setup-token` file the token itself.
/// Returns the token to show on the terminal.
pub async fn prepare_setup_token(
    db: &Db,
    data_dir: &std::path::Path,
) -> Result<Option<String>, ApiError> {
    let token = db
        .write(|conn| -> ApiResult<Option<String>> {
            if store::count_admins(conn)? > 0 {
                store::replace_setup_token(conn, None)?;
                return Ok(None);
            }
            let token = random_token::<24>()?;
            store::replace_setup_token(conn, Some(&hash_token(&token)))?;
            Ok(Some(token))
        })
        .await?;
    let file = data_dir.join(SETUP_TOKEN_FILE);
    match &token {
        Some(token) => crate::auth::secrets::write_private(&file, token)
            .map_err(|_| ApiError::internal("the setup token file could not be written"))?,
        None => forget_setup_token(data_dir),
    }
    Ok(token)
}

/// The setup token is spent: its file goes too.
fn forget_setup_token(data_dir: &std::path::Path) {
    let _ = std::fs::remove_file(data_dir.join(SETUP_TOKEN_FILE));
}

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
        .read(move |conn| store::find_credentials_by_handle(conn, &handle).map_err(ApiError::from))
        .await?
        .filter(|(_, account)| {
            Role::parse(&account.role)
                .is_some_and(|r| Audience::of(r) == audience && r != Role::Seeker)
        });
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
        Some(found) if verified => found,
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
    let must_enrol = account.role == Role::Admin.as_str()
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
        announce_revocation(state, grant.account_id.0.clone(), Some(grant.device_id.0)).await;
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

fn invalid_totp() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidTotp,
        "The code is wrong, expired or already used.",
    )
}

fn check_totp(state: &AppState, credentials: &store::CredentialRow, code: &str) -> ApiResult<i64> {
    let sealed = credentials
        .totp_sealed
        .as_deref()
        .ok_or_else(invalid_totp)?;
    let seed = state
        .sealer
        .open(sealed, credentials.account_id.as_bytes())?;
    totp::accepted_step(&seed, code, state.clock.now(), credentials.totp_last_step)
        .ok_or_else(invalid_totp)
}

/// What a refresh came to; a reuse must commit the revocation before it is reported.
enum Refreshed {
    Granted(Box<SessionGrant>),
    Reused { account_id: String, device_id: u32 },
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
            if Audience::of(role_of(&account)?) != audience || expires_at <= now {
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
async fn announce_revocation(state: &AppState, account_id: String, device_id: Option<u32>) {
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
        account_id: AccountId(principal.account_id.clone()),
        role: principal.role,
        organisation_id: principal.organisation_id.clone().map(OrganisationId),
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
    let handed = state
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
            Ok(handed)
        })
        .await?;
    announce_revocation(state, principal.account_id, None).await;
    crate::conversations::service::announce_handed_back(state, handed).await;
    Ok(())
}

/// Removes another member's account (an administrator acting on their organisation).
pub async fn remove_account(
    state: &actix_web::web::Data<AppState>,
    account_id: String,
) -> ApiResult<()> {
    let id = account_id.clone();
    let handed = state
        .db
        .write(move |conn| {
            let handed = crate::conversations::service::hand_back(conn, &id)?;
            store::delete_account(conn, &id)?;
            Ok::<_, ApiError>(handed)
        })
        .await?;
    announce_revocation(state, account_id, None).await;
    crate::conversations::service::announce_handed_back(state, handed).await;
    Ok(())
}

// ---- Devices ----------------------------------------------------------------------------------

pub async fn list_devices(state: &AppState, principal: &Principal) -> ApiResult<Vec<DeviceInfo>> {
    let account_id = principal.account_id.clone();
    let current = principal.device_id;
    let rows = state
        .db
        .read(move |conn| store::list_devices(conn, &account_id).map_err(ApiError::from))
        .await?;
    rows.into_iter()
        .map(|(id, name, day)| {
            let id = device_number(id)?;
            Ok(DeviceInfo {
                device_id: DeviceId(id),
                name,
                created_at: day * 86_400,
                current: id == current,
            })
        })
        .collect()
}

/// Adds a device to the caller's account and returns its first tokens, for the caller to hand
/// to the new device (e.g. shown as a QR code).
pub async fn link_device(
    state: &actix_web::web::Data<AppState>,
    principal: Principal,
    name: Option<String>,
) -> ApiResult<SessionGrant> {
    if let Some(name) = &name {
        validate_device_name(name)?;
    }
    let st = state.clone();
    state
        .db
        .write(move |conn| {
            let account = store::find_account(conn, &principal.account_id)?
                .ok_or_else(ApiError::unauthenticated)?;
            let device = add_device(&st, conn, &account.id, name.as_deref())?;
            open_session(&st, conn, &account, device)
        })
        .await
}

pub async fn remove_device(
    state: &actix_web::web::Data<AppState>,
    principal: Principal,
    device_id: u32,
) -> ApiResult<()> {
    let account_id = principal.account_id.clone();
    let device = i32::try_from(device_id).map_err(|_| ApiError::not_found())?;
    state
        .db
        .write(move |conn| {
            if store::delete_device(conn, &account_id, device)? == 0 {
                return Err(ApiError::not_found());
            }
            // Checked after the delete, in the same transaction, so two concurrent removals
            // cannot together remove the last device.
            if store::count_devices(conn, &account_id)? == 0 {
                return Err(ApiError::conflict(
                    ErrorCode::LastDevice,
                    "The last device cannot be removed. Delete the account instead.",
                ));
            }
            Ok(())
        })
        .await?;
    announce_revocation(state, principal.account_id, Some(device_id)).await;
    Ok(())
}

// ---- Worker profile ---------------------------------------------------------------------------

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
                account_id: AccountId(account_id),
                organisation_id: OrganisationId(organisation_id),
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
    let attempts_key = crate::limits::key(state, "totp-confirm", &[&account_id]);
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
    state
        .db
        .write(move |conn| {
            let (credentials, _) = store::find_credentials_by_handle(conn, &handle)?
                .ok_or_else(ApiError::not_found)?;
            store::clear_totp(conn, &credentials.account_id)?;
            Ok(())
        })
        .await
}

/// Recovery codes: 80 random bits each, written in four groups of base32 letters.
mod recovery {
    use crate::auth::secrets::random_bytes;
    use crate::auth::tokens::hash_token;
    use crate::error::ApiResult;

    const COUNT: usize = 10;

    pub fn generate() -> ApiResult<Vec<String>> {
        (0..COUNT)
            .map(|_| {
                let letters = crate::auth::totp::base32(&random_bytes::<10>()?).to_lowercase();
                let groups: Vec<&str> = (0..4).map(|i| &letters[i * 4..i * 4 + 4]).collect();
                Ok(groups.join("-"))
            })
            .collect()
    }

    /// Six digits are a TOTP code; anything else offered as the second factor is taken for a
    /// recovery code.
    pub fn looks_like_code(code: &str) -> bool {
        !(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()))
    }

    /// Case, spaces and dashes do not matter when a person types one in.
    pub fn hash(code: &str) -> String {
        let normal: String = code
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        hash_token(&normal)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn codes_are_distinct_and_hash_alike_however_typed() {
            let codes = generate().unwrap_or_default();
            assert_eq!(codes.len(), COUNT);
            assert!(codes.iter().all(|c| c.len() == 19 && looks_like_code(c)));
            assert_ne!(codes[0], codes[1]);
            assert_eq!(
                hash(&codes[0]),
                hash(&codes[0].to_uppercase().replace('-', " "))
            );
            assert!(!looks_like_code("123456"));
        }
    }
}
