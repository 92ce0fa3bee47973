//! The devices of an account: listing, linking, removing.

use super::*;

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
