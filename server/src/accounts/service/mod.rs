//! Account rules: anonymous seeker sign-up, enrolment of workers and administrators, sign-in,
//! refresh-token rotation, devices, and deletion.

mod admin;
mod devices;
mod enrolment;
mod phrase;
mod profile;
mod recovery;
mod sessions;
mod signup;

pub use admin::*;
pub use devices::*;
pub use enrolment::*;
pub use phrase::*;
pub use profile::*;
pub use sessions::*;
pub use signup::*;

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
use quietline_protocol::{AccountId, DeviceId, EntryPointId, ErrorCode, Secret, pow};

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

fn new_account_id() -> ApiResult<AccountId> {
    Ok(AccountId(random_token::<16>()?))
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
    let role = account.role;
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
        account_id: account.id.clone(),
        device_id: DeviceId(subject.device_id),
        role,
        organisation_id: account.organisation_id.clone(),
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
    account_id: &AccountId,
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
