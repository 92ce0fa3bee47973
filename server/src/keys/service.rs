//! Key directory rules: every key is checked against the device's identity key before it is
//! stored; a bundle fetch hands each one-time prekey to one requester only.

use super::store;
use crate::auth::Principal;
use crate::bus::BusEvent;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::http::StatusCode;
use quietline_protocol::keys::{
    KeyError, MAX_PRE_KEYS_PER_DEVICE, check_device_keys, check_upload,
};
use quietline_protocol::relay::{
    DeviceBundle, DeviceKeys, PreKeyBundles, PreKeyCount, PreKeyUpload, SealedDevice,
};
use quietline_protocol::{AccountId, DeviceId, ErrorCode};

/// Below this many one-time EC prekeys, the device is told to upload more.
pub const LOW_PRE_KEYS: i64 = 10;

fn key_error(error: &KeyError) -> ApiError {
    match error {
        KeyError::Signature(_) => ApiError::unprocessable(
            ErrorCode::InvalidSignature,
            "A key is malformed or its signature does not verify against the identity key.",
        ),
        KeyError::Shape(_) => ApiError::unprocessable(
            ErrorCode::InvalidKeys,
            "The keys are malformed: duplicate ids or too many keys.",
        ),
    }
}

fn too_many() -> ApiError {
    ApiError::unprocessable(
        ErrorCode::InvalidKeys,
        "A device holds at most 500 prekeys of each kind.",
    )
}

/// Publishes (or replaces) all keys of the calling device.
pub async fn set_device_keys(
    state: &AppState,
    principal: &Principal,
    keys: DeviceKeys,
) -> ApiResult<()> {
    check_device_keys(&keys).map_err(|e| key_error(&e))?;
    if keys.pre_keys.len() > MAX_PRE_KEYS_PER_DEVICE
        || keys.pq_pre_keys.len() > MAX_PRE_KEYS_PER_DEVICE
    {
        return Err(too_many());
    }
    let account_id = principal.account_id.clone();
    let device_id = principal.device_row()?;
    let previous = state
        .db
        .write(move |conn| {
            let previous = store::replace_device_keys(conn, &account_id, device_id, &keys)?;
            let intake = keys
                .intake_key
                .as_ref()
                .map(|k| (k.public_key.as_slice(), Some(k.signature.as_slice())));
            crate::web::store::set_intake_key(conn, &account_id, device_id, intake)?;
            Ok::<_, ApiError>(previous)
        })
        .await?;
    if previous.is_some() {
        tracing::info!("a device re-registered its identity key");
    }
    Ok(())
}

/// Adds one-time prekeys, or rotates the signed or last-resort prekey.
pub async fn upload_pre_keys(
    state: &AppState,
    principal: &Principal,
    upload: PreKeyUpload,
) -> ApiResult<PreKeyCount> {
    let account_id = principal.account_id.clone();
    let device_id = principal.device_row()?;
    state
        .db
        .write(move |conn| {
            let identity =
                store::identity_key(conn, &account_id, device_id)?.ok_or_else(keys_missing)?;
            check_upload(&identity, &upload).map_err(|e| key_error(&e))?;
            let (ec, pq) = store::count(conn, &account_id, device_id)?;
            let limit = i64::try_from(MAX_PRE_KEYS_PER_DEVICE).unwrap_or(i64::MAX);
            if ec + i64::try_from(upload.pre_keys.len()).unwrap_or(i64::MAX) > limit
                || pq + i64::try_from(upload.pq_pre_keys.len()).unwrap_or(i64::MAX) > limit
            {
                return Err(too_many());
            }
            store::add_pre_keys(conn, &account_id, device_id, &upload)?;
            store::count(conn, &account_id, device_id)
                .map(to_count)
                .map_err(ApiError::from)
        })
        .await
}

fn keys_missing() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::KeysMissing,
        "No keys have been published for this device yet.",
    )
}

fn to_count((ec, pq): (i64, i64)) -> PreKeyCount {
    PreKeyCount {
        ec: u32::try_from(ec).unwrap_or_default(),
        pq: u32::try_from(pq).unwrap_or_default(),
    }
}

pub async fn count(state: &AppState, principal: &Principal) -> ApiResult<PreKeyCount> {
    let account_id = principal.account_id.clone();
    let device_id = principal.device_row()?;
    state
        .db
        .read(move |conn| {
            store::count(conn, &account_id, device_id)
                .map(to_count)
                .map_err(ApiError::from)
        })
        .await
}

/// Bundles for every device of `account_id` that has published keys. Each includes at most one
/// one-time EC prekey and one one-time Kyber prekey (else the last-resort Kyber prekey), removed in
/// the same transaction that hands them out.
pub async fn fetch_bundles(
    state: &AppState,
    principal: &Principal,
    account_id: AccountId,
) -> ApiResult<PreKeyBundles> {
    let limit = u64::from(state.config.bundle_rate_limit);
    let key = crate::limits::key(state, "bundles", &[principal.account_id.as_str()]);
    crate::limits::within(state, &key, 60, limit, crate::limits::Outage::Admit).await?;
    let target = account_id.clone();
    let caller = principal.clone();
    let (bundles, sealed, low) = state
        .db
        .write(move |conn| {
            // Bundles are for those who may message the account; nobody else can drain its
            // one-time prekeys or learn which devices it has.
            if !crate::conversations::service::may_reach(conn, &caller, &target)? {
                return Err(ApiError::forbidden());
            }
            let mut bundles = Vec::new();
            let mut low = Vec::new();
            for (device, registration_id, identity_key, signed_pre_key, last_resort) in
                store::published_devices(conn, &target)?
            {
                let pre_key = store::take_ec_pre_key(conn, &target, device)?;
                let pq_pre_key =
                    store::take_pq_pre_key(conn, &target, device)?.unwrap_or(last_resort);
                let (ec_left, _) = store::count(conn, &target, device)?;
                if ec_left < LOW_PRE_KEYS {
                    low.push(device);
                }
                bundles.push(DeviceBundle {
                    device_id: DeviceId(u32::try_from(device).unwrap_or_default()),
                    registration_id: u32::try_from(registration_id).unwrap_or_default(),
                    identity_key,
                    signed_pre_key,
                    pre_key,
                    pq_pre_key,
                });
            }
            // Devices without Signal keys (a seeker in a browser) are reached by sealing.
            let sealed: Vec<SealedDevice> = crate::web::store::intake_keys_of(conn, &target)?
                .into_iter()
                .filter_map(|(device, public_key)| {
                    let device_id = DeviceId(u32::try_from(device).ok()?);
                    (!bundles.iter().any(|b| b.device_id == device_id)).then_some(SealedDevice {
                        device_id,
                        public_key,
                    })
                })
                .collect();
            Ok::<_, ApiError>((bundles, sealed, low))
        })
        .await?;
    if bundles.is_empty() && sealed.is_empty() {
        return Err(keys_missing());
    }
    for device in low {
        let event = BusEvent::PreKeysLow {
            account_id: account_id.clone(),
            device_id: u32::try_from(device).unwrap_or_default(),
        };
        if let Err(error) = state.bus.publish(event).await {
            tracing::warn!(%error, "low prekey notice not published");
        }
    }
    Ok(PreKeyBundles {
        account_id,
        devices: bundles,
        sealed_devices: sealed,
    })
}
