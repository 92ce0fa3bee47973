//! An administrator's own steps on the admin listener, each written to the audit log: the admin
//! API's handlers and the console call these, so neither can forget the entry.

use super::*;
use crate::audit::{self, Action, Entry};

/// Signs an administrator in.
pub async fn admin_sign_in(
    state: &actix_web::web::Data<AppState>,
    address: &ClientAddress,
    request: Login,
) -> ApiResult<SessionGrant> {
    let grant = log_in(state, address, request, Audience::Admin).await?;
    audit::record(state, Entry::granted(&grant, Action::AdminSignIn)).await?;
    Ok(grant)
}

/// Ends an administrator's session.
pub async fn admin_sign_out(
    state: &actix_web::web::Data<AppState>,
    admin: Principal,
) -> ApiResult<()> {
    let entry = Entry::new(&admin, admin.organisation_id.as_ref(), Action::AdminSignOut);
    log_out(state, admin).await?;
    audit::record(state, entry).await
}

/// Starts enrolling an administrator's second factor (the passphrase asked again).
pub async fn admin_begin_totp(
    state: &actix_web::web::Data<AppState>,
    address: &ClientAddress,
    admin: &Principal,
    passphrase: Secret,
) -> ApiResult<TotpEnrolment> {
    let enrolment = begin_totp(state, address, admin, passphrase).await?;
    let entry = Entry::new(admin, admin.organisation_id.as_ref(), Action::TotpEnrol);
    audit::record(state, entry).await?;
    Ok(enrolment)
}

/// Activates an administrator's second factor with its first code.
pub async fn admin_confirm_totp(
    state: &actix_web::web::Data<AppState>,
    admin: &Principal,
    code: &str,
) -> ApiResult<RecoveryCodes> {
    let codes = confirm_totp(state, admin, code).await?;
    let entry = Entry::new(admin, admin.organisation_id.as_ref(), Action::TotpConfirm);
    audit::record(state, entry).await?;
    Ok(codes)
}

/// Creates the first instance administrator with the setup token.
pub async fn admin_set_up(
    state: &actix_web::web::Data<AppState>,
    address: &ClientAddress,
    request: InstanceSetup,
) -> ApiResult<Enrolment> {
    let enrolment = set_up_instance(state, address, request).await?;
    audit::record(
        state,
        Entry::granted(&enrolment.session, Action::InstanceSetUp),
    )
    .await?;
    Ok(enrolment)
}
