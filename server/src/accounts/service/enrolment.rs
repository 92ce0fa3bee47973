//! Enrolment of workers and administrators: invites, the first administrator, the set-up token.

use super::*;
use quietline_protocol::{AccountId, OrganisationId};

/// A new TOTP seed, sealed for storage, with what the person's authenticator app needs.
pub(super) fn new_totp(
    state: &AppState,
    account_id: &AccountId,
    handle: &str,
) -> ApiResult<(Vec<u8>, TotpEnrolment)> {
    let seed = random_bytes::<20>()?;
    let sealed = state.sealer.seal(&seed, account_id.as_str().as_bytes())?;
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
    organisation_id: Option<OrganisationId>,
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
        member.role,
        member.organisation_id.as_ref(),
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
pub(super) async fn limit_passphrase_work(
    state: &AppState,
    address: &ClientAddress,
) -> ApiResult<()> {
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
            crate::organisations::store::invite_is_open(conn, &lookup, role, now)
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
                role,
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
    let inner = state.clone();
    let entry = |enrolment: &Enrolment| {
        crate::audit::Entry::new(
            &Principal::operator(),
            None,
            crate::audit::Action::AdminCreate,
        )
        .on(enrolment.session.account_id.0.clone())
    };
    crate::audit::write_with(state, entry, move |conn| {
        first_admin(&inner, conn, handle, passphrase_hash, "command line".into())
    })
    .await
    .map(|enrolment| enrolment.totp)
    .inspect(|_| forget_setup_token(&data_dir))
}

/// The instance's first administrator, inside the caller's transaction: the setup token is
/// spent with it.
fn first_admin(
    state: &AppState,
    conn: &mut DbConn,
    handle: String,
    passphrase_hash: String,
    device_name: String,
) -> ApiResult<Enrolment> {
    store::replace_setup_token(conn, None)?;
    create_member(
        state,
        conn,
        NewMember {
            role: Role::Admin,
            organisation_id: None,
            instance_admin: true,
            handle,
            passphrase_hash,
            languages: Vec::new(),
            device_name,
        },
    )
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
            first_admin(
                &state,
                conn,
                request.handle,
                passphrase_hash,
                request.device_name,
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
