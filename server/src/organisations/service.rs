//! Organisation rules: only instance administrators create organisations; an organisation's
//! administrators (and instance administrators) manage its invites and members; workers see
//! their own organisation only.

use super::store;
use crate::accounts::store as accounts_store;
use crate::audit::{self, Action, Entry};
use crate::auth::secrets::random_token;
use crate::auth::tokens::hash_token;
use crate::auth::{OrganisationAdmin, Principal};
use crate::error::{ApiError, ApiResult};
use crate::language::canonical_one;
use crate::state::AppState;
use quietline_protocol::api::{
    CreateInvite, CreateOrganisation, Invite, Member, Organisation, Partner, PendingInvite, Role,
    TotpReset, TotpResetState,
};
use quietline_protocol::{AccountId, ErrorCode, OrganisationId};

fn to_api(row: store::OrganisationRow) -> Organisation {
    Organisation {
        id: row.id,
        name: row.name,
        default_language: row.default_language,
        created_at: row.created_at,
        disappearing_seconds: row.disappearing_seconds.and_then(|s| u64::try_from(s).ok()),
    }
}

pub async fn create_organisation(
    state: &AppState,
    admin: &Principal,
    request: CreateOrganisation,
) -> ApiResult<Organisation> {
    if !admin.instance_admin {
        return Err(ApiError::forbidden());
    }
    let name = request.name.trim().to_string();
    if !(1..=100).contains(&name.chars().count()) || name.chars().any(char::is_control) {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidBody,
            "A name has 1 to 100 characters.",
        ));
    }
    let language = canonical_one(&request.default_language)?;
    let timer = crate::conversations::service::checked_timer(request.disappearing_seconds)?;
    let row = store::OrganisationRow {
        id: OrganisationId(uuid::Uuid::new_v4().to_string()),
        name,
        default_language: language,
        created_at: state.clock.now(),
        disappearing_seconds: timer,
    };
    let entry = Entry::new(admin, Some(&row.id), Action::OrganisationCreate).on(row.id.0.clone());
    audit::write(state, entry, move |conn| {
        if store::name_exists(conn, &row.name)? {
            return Err(ApiError::conflict(
                ErrorCode::OrganisationExists,
                "An organisation of that name exists already.",
            ));
        }
        store::insert_organisation(conn, &row)?;
        Ok(to_api(row))
    })
    .await
}

pub async fn list_organisations(
    state: &AppState,
    admin: &Principal,
) -> ApiResult<Vec<Organisation>> {
    let only = match (&admin.organisation_id, admin.instance_admin) {
        (_, true) => None,
        (Some(own), false) => Some(own.clone()),
        (None, false) => return Ok(Vec::new()),
    };
    state
        .db
        .read(move |conn| {
            store::list_organisations(conn, only.as_ref())
                .map(|rows| rows.into_iter().map(to_api).collect())
                .map_err(ApiError::from)
        })
        .await
}

async fn find(state: &AppState, organisation_id: OrganisationId) -> ApiResult<Organisation> {
    state
        .db
        .read(move |conn| store::find_organisation(conn, &organisation_id).map_err(ApiError::from))
        .await?
        .map(to_api)
        .ok_or_else(ApiError::not_found)
}

/// An organisation as its administrators (or an instance administrator) see it.
pub async fn get_organisation(
    state: &AppState,
    admin: &OrganisationAdmin,
) -> ApiResult<Organisation> {
    let organisation_id = admin.organisation_id().clone();
    find(state, organisation_id).await
}

/// An organisation as its own workers see it.
pub async fn get_own_organisation(
    state: &AppState,
    principal: &Principal,
    organisation_id: OrganisationId,
) -> ApiResult<Organisation> {
    if principal.role != Role::Worker
        || principal.organisation_id.as_ref() != Some(&organisation_id)
    {
        return Err(ApiError::forbidden());
    }
    find(state, organisation_id).await
}

pub async fn create_invite(
    state: &AppState,
    admin: &OrganisationAdmin,
    request: CreateInvite,
) -> ApiResult<Invite> {
    let organisation_id = admin.organisation_id().clone();
    if request.role == Role::Seeker {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidBody,
            "Invites are for workers and administrators; seekers sign up anonymously.",
        ));
    }
    let hours = request
        .expires_in_hours
        .unwrap_or(state.config.invite_ttl_hours);
    if !(1..=720).contains(&hours) {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidBody,
            "An invite lasts 1 to 720 hours.",
        ));
    }
    let code = random_token::<32>()?;
    let code_hash = hash_token(&code);
    let expires_at = state.clock.now() + i64::from(hours) * 3_600;
    let role = request.role;
    let org = organisation_id.clone();
    let entry =
        Entry::new(admin, Some(&organisation_id), Action::InviteCreate).on(invite_id(&code_hash));
    audit::write(state, entry, move |conn| {
        store::insert_invite(conn, &code_hash, &org, role, expires_at).map_err(ApiError::from)
    })
    .await?;
    Ok(Invite {
        code: code.into(),
        role,
        organisation_id,
        expires_at,
    })
}

/// An invite's public name: a prefix of its code's hash, which says nothing of the code.
fn invite_id(code_hash: &str) -> String {
    code_hash.chars().take(INVITE_ID_LEN).collect()
}

const INVITE_ID_LEN: usize = 16;

/// The organisation's invites not yet used or expired, without their codes.
pub async fn list_invites(
    state: &AppState,
    admin: &OrganisationAdmin,
) -> ApiResult<Vec<PendingInvite>> {
    let organisation_id = admin.organisation_id().clone();
    let now = state.clock.now();
    state
        .db
        .read(move |conn| {
            store::pending_invites(conn, &organisation_id, now)?
                .into_iter()
                .map(|(hash, role, expires_at)| {
                    Ok(PendingInvite {
                        id: invite_id(&hash),
                        role,
                        expires_at,
                    })
                })
                .collect()
        })
        .await
}

/// Revokes an invite: its code no longer redeems anything.
pub async fn revoke_invite(
    state: &AppState,
    admin: &OrganisationAdmin,
    id: String,
) -> ApiResult<()> {
    let organisation_id = admin.organisation_id().clone();
    let now = state.clock.now();
    let entry = Entry::new(admin, Some(&organisation_id), Action::InviteRevoke).on(id.clone());
    audit::write(state, entry, move |conn| {
        let hash = store::pending_invites(conn, &organisation_id, now)?
            .into_iter()
            .map(|(hash, _, _)| hash)
            .find(|hash| invite_id(hash) == id)
            .ok_or_else(ApiError::not_found)?;
        store::delete_invite(conn, &organisation_id, &hash)?;
        Ok(())
    })
    .await
}

fn members_of(
    conn: &mut crate::db::DbConn,
    organisation_id: &OrganisationId,
) -> ApiResult<Vec<Member>> {
    store::list_members(conn, organisation_id)?
        .into_iter()
        .map(|(id, role, handle, totp_enabled)| {
            Ok(Member {
                languages: accounts_store::languages(conn, &id)?,
                deactivated: accounts_store::is_deactivated(conn, &id)?,
                account_id: id,
                role,
                handle,
                totp_enabled,
            })
        })
        .collect()
}

pub async fn list_members(state: &AppState, admin: &OrganisationAdmin) -> ApiResult<Vec<Member>> {
    let organisation_id = admin.organisation_id().clone();
    state
        .db
        .read(move |conn| members_of(conn, &organisation_id))
        .await
}

/// Deactivates a member: see [`crate::accounts::service::deactivate_account`]. Not oneself.
pub async fn deactivate_member(
    state: &actix_web::web::Data<AppState>,
    admin: &OrganisationAdmin,
    account_id: AccountId,
) -> ApiResult<()> {
    let organisation_id = admin.organisation_id().clone();
    if account_id == admin.account_id {
        return Err(ApiError::conflict(
            ErrorCode::InvalidState,
            "Another administrator deactivates you.",
        ));
    }
    let id = account_id.clone();
    let member = state
        .db
        .read(move |conn| store::is_member(conn, &organisation_id, &id).map_err(ApiError::from))
        .await?;
    if !member {
        return Err(ApiError::not_found());
    }
    let entry = Entry::new(
        admin,
        Some(admin.organisation_id()),
        Action::MemberDeactivate,
    )
    .on(account_id.0.clone());
    crate::accounts::service::deactivate_account(state, account_id, entry).await
}

/// Lets a deactivated member sign in again.
pub async fn reactivate_member(
    state: &AppState,
    admin: &OrganisationAdmin,
    account_id: AccountId,
) -> ApiResult<()> {
    let organisation_id = admin.organisation_id().clone();
    let entry = Entry::new(admin, Some(&organisation_id), Action::MemberReactivate)
        .on(account_id.0.clone());
    audit::write(state, entry, move |conn| {
        if !store::is_member(conn, &organisation_id, &account_id)? {
            return Err(ApiError::not_found());
        }
        accounts_store::reactivate(conn, &account_id)?;
        Ok(())
    })
    .await
}

/// Sets the languages a member reads, which decide the queues a worker is shown first.
pub async fn set_member_languages(
    state: &AppState,
    admin: &OrganisationAdmin,
    account_id: AccountId,
    languages: &[String],
) -> ApiResult<Member> {
    let organisation_id = admin.organisation_id().clone();
    let languages = crate::language::canonical_languages(languages)?;
    let entry = Entry::new(admin, Some(&organisation_id), Action::MemberLanguagesSet)
        .on(account_id.0.clone());
    audit::write(state, entry, move |conn| {
        if !store::is_member(conn, &organisation_id, &account_id)? {
            return Err(ApiError::not_found());
        }
        accounts_store::set_languages(conn, &account_id, &languages)?;
        members_of(conn, &organisation_id)?
            .into_iter()
            .find(|m| m.account_id == account_id)
            .ok_or_else(ApiError::not_found)
    })
    .await
}

/// Removes a worker or administrator from the organisation: their account and sessions end.
pub async fn remove_member(
    state: &actix_web::web::Data<AppState>,
    admin: &OrganisationAdmin,
    account_id: AccountId,
) -> ApiResult<()> {
    let organisation_id = admin.organisation_id().clone();
    let id = account_id.clone();
    let member = state
        .db
        .read(move |conn| store::is_member(conn, &organisation_id, &id).map_err(ApiError::from))
        .await?;
    if !member {
        return Err(ApiError::not_found());
    }
    let entry = Entry::new(admin, Some(admin.organisation_id()), Action::MemberRemove)
        .on(account_id.0.clone());
    crate::accounts::service::remove_account(state, account_id, entry).await
}

/// Changes the organisation's default (and longest) disappearing timer. Conversations keep
/// theirs, except that none may stay longer than the new default.
pub async fn set_disappearing(
    state: &AppState,
    admin: &OrganisationAdmin,
    seconds: Option<u64>,
) -> ApiResult<Organisation> {
    let organisation_id = admin.organisation_id().clone();
    let timer = crate::conversations::service::checked_timer(seconds)?;
    let entry = Entry::new(admin, Some(&organisation_id), Action::DisappearingSet);
    audit::write(state, entry, move |conn| {
        if store::set_disappearing(conn, &organisation_id, timer)? == 0 {
            return Err(ApiError::not_found());
        }
        if let Some(limit) = timer {
            crate::conversations::store::cap_timers(conn, &organisation_id, limit)?;
        }
        store::find_organisation(conn, &organisation_id)?
            .map(to_api)
            .ok_or_else(ApiError::not_found)
    })
    .await
}

/// Most partners an organisation declares.
const MAX_PARTNERS: usize = 100;

fn partners_of(
    conn: &mut crate::db::DbConn,
    organisation_id: &OrganisationId,
) -> ApiResult<Vec<Partner>> {
    Ok(store::partners(conn, organisation_id)?
        .into_iter()
        .map(|(id, name, mutual)| Partner {
            organisation_id: id,
            name,
            mutual,
        })
        .collect())
}

/// The partners an organisation declares, and whether each declares it back.
pub async fn list_partners(state: &AppState, admin: &OrganisationAdmin) -> ApiResult<Vec<Partner>> {
    let organisation_id = admin.organisation_id().clone();
    state
        .db
        .read(move |conn| partners_of(conn, &organisation_id))
        .await
}

/// Replaces the organisation's declared partners. Referrals go only between organisations that
/// declare each other.
pub async fn set_partners(
    state: &AppState,
    admin: &OrganisationAdmin,
    partners: Vec<OrganisationId>,
) -> ApiResult<Vec<Partner>> {
    let organisation_id = admin.organisation_id().clone();
    let mut ids = partners;
    ids.sort();
    ids.dedup();
    if ids.len() > MAX_PARTNERS || ids.contains(&organisation_id) {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidBody,
            "Up to 100 partners, other than the organisation itself.",
        ));
    }
    let entry = Entry::new(admin, Some(&organisation_id), Action::PartnersSet);
    audit::write(state, entry, move |conn| {
        for id in &ids {
            if store::find_organisation(conn, id)?.is_none() {
                return Err(ApiError::unprocessable(
                    ErrorCode::InvalidBody,
                    "A partner in the list is not an organisation of this instance.",
                ));
            }
        }
        store::set_partners(conn, &organisation_id, &ids)?;
        partners_of(conn, &organisation_id)
    })
    .await
}

/// The organisations a worker's organisation can refer seekers to: partners both ways.
pub async fn referral_partners(state: &AppState, worker: &Principal) -> ApiResult<Vec<Partner>> {
    let organisation_id = worker
        .organisation_id
        .clone()
        .ok_or_else(ApiError::forbidden)?;
    let partners = state
        .db
        .read(move |conn| partners_of(conn, &organisation_id))
        .await?;
    Ok(partners.into_iter().filter(|p| p.mutual).collect())
}

/// How long a reset request waits for a second administrator.
const TOTP_RESET_WINDOW: i64 = 86_400;

/// Resets a member's lost second factor, with two administrators: the first call asks for it,
/// a call by another administrator of the organisation (or an instance administrator) within a
/// day carries it out. One administrator alone can never take a member's factor away, so a
/// stolen administrator session cannot open another account to a passphrase guess.
pub async fn reset_member_totp(
    state: &AppState,
    admin: &OrganisationAdmin,
    account_id: AccountId,
) -> ApiResult<TotpReset> {
    let organisation_id = admin.organisation_id().clone();
    if account_id == admin.account_id {
        return Err(ApiError::conflict(
            ErrorCode::InvalidState,
            "Another administrator resets your second factor.",
        ));
    }
    let requester = if admin.account_id.0.is_empty() {
        audit::OPERATOR.to_string()
    } else {
        admin.account_id.0.clone()
    };
    let now = state.clock.now();
    let principal = (**admin).clone();
    let target = account_id.clone();
    let org = organisation_id.clone();
    let entry = move |reset: &TotpReset| {
        let action = match reset.state {
            TotpResetState::Requested => Action::TotpResetRequest,
            TotpResetState::Done => Action::TotpReset,
        };
        Entry::new(&principal, Some(&organisation_id), action).on(target.0.clone())
    };
    let outcome = audit::write_with(state, entry, move |conn| {
        if !store::is_member(conn, &org, &account_id)? {
            return Err(ApiError::not_found());
        }
        match store::pending_totp_reset(conn, &account_id, now)? {
            Some(by) if by == requester => Err(ApiError::conflict(
                ErrorCode::SecondApprovalRequired,
                "Another administrator must approve the reset you asked for.",
            )),
            Some(_) => {
                store::clear_totp_reset(conn, &account_id)?;
                accounts_store::clear_totp(conn, &account_id)?;
                Ok(TotpReset {
                    state: TotpResetState::Done,
                })
            }
            None => {
                store::request_totp_reset(conn, &account_id, &requester, now + TOTP_RESET_WINDOW)?;
                Ok(TotpReset {
                    state: TotpResetState::Requested,
                })
            }
        }
    })
    .await?;
    Ok(outcome)
}
