//! Canned reply rules: administrators of the organisation create, edit (naming the version they
//! edit) and delete them; each change is a new version, kept with who made it; workers of the
//! organisation read the live ones.

use super::store::{self, CannedRow, VersionRow};
use crate::auth::{OrganisationAdmin, Principal};
use crate::error::{ApiError, ApiResult};
use crate::language::{canonical_one, same_language};
use crate::state::AppState;
use quietline_protocol::ErrorCode;
use quietline_protocol::OrganisationId;
use quietline_protocol::api::{
    CannedReply, CannedReplyVersion, CreateCannedReply, UpdateCannedReply, placeholders,
};

const MAX_TITLE: usize = 120;
const MAX_BODY: usize = 4_000;

fn invalid(message: &'static str) -> ApiError {
    ApiError::unprocessable(ErrorCode::InvalidBody, message)
}

fn to_api(row: CannedRow) -> CannedReply {
    CannedReply {
        placeholders: placeholders(&row.body).unwrap_or_default(),
        id: row.id,
        language: row.language,
        title: row.title,
        body: row.body,
        version: u32::try_from(row.version).unwrap_or_default(),
        updated_at: row.updated_at,
        deleted: row.deleted,
    }
}

fn version_to_api(row: VersionRow) -> CannedReplyVersion {
    CannedReplyVersion {
        version: u32::try_from(row.version).unwrap_or_default(),
        language: row.language,
        title: row.title,
        body: row.body,
        deleted: row.deleted,
        edited_by: row.edited_by,
        edited_at: row.edited_at,
    }
}

/// Checks and normalises language, title and body.
fn checked(language: &str, title: &str, body: &str) -> ApiResult<(String, String, String)> {
    let language = canonical_one(language)?;
    let title = title.trim();
    if !(1..=MAX_TITLE).contains(&title.chars().count()) || title.chars().any(char::is_control) {
        return Err(invalid("A title has 1 to 120 characters on one line."));
    }
    if !(1..=MAX_BODY).contains(&body.chars().count()) {
        return Err(invalid("A body has 1 to 4000 characters."));
    }
    if placeholders(body).is_none() {
        return Err(invalid(
            "Placeholders are written {name} with lowercase letters, digits and _; write {{ and }} for braces.",
        ));
    }
    Ok((language, title.to_string(), body.to_string()))
}

/// The reply, if it belongs to the organisation.
fn of_organisation(
    conn: &mut crate::db::DbConn,
    organisation_id: &OrganisationId,
    reply_id: &str,
) -> ApiResult<CannedRow> {
    store::find(conn, reply_id)?
        .filter(|row| &row.organisation_id == organisation_id)
        .ok_or_else(ApiError::not_found)
}

pub async fn create(
    state: &AppState,
    admin: &OrganisationAdmin,
    request: CreateCannedReply,
) -> ApiResult<CannedReply> {
    let organisation_id = admin.organisation_id().clone();
    let (language, title, body) = checked(&request.language, &request.title, &request.body)?;
    let row = CannedRow {
        id: uuid::Uuid::new_v4().to_string(),
        organisation_id,
        language,
        title,
        body,
        version: 1,
        updated_at: state.clock.now(),
        deleted: false,
    };
    let editor = admin.account_id.clone();
    let entry = crate::audit::Entry::new(
        admin,
        Some(admin.organisation_id()),
        crate::audit::Action::CannedReplyCreate,
    )
    .on(row.id.clone());
    crate::audit::write(state, entry, move |conn| {
        store::insert(conn, &row)?;
        store::record_version(conn, &row, &editor)?;
        Ok(to_api(row))
    })
    .await
}

pub async fn update(
    state: &AppState,
    admin: &OrganisationAdmin,
    reply_id: String,
    request: UpdateCannedReply,
) -> ApiResult<CannedReply> {
    let organisation_id = admin.organisation_id().clone();
    let (language, title, body) = checked(&request.language, &request.title, &request.body)?;
    let expected = i32::try_from(request.version).map_err(|_| invalid("Unknown version."))?;
    let editor = admin.account_id.clone();
    let now = state.clock.now();
    let entry = crate::audit::Entry::new(
        admin,
        Some(admin.organisation_id()),
        crate::audit::Action::CannedReplyUpdate,
    )
    .on(reply_id.clone());
    crate::audit::write(state, entry, move |conn| {
        let current = of_organisation(conn, &organisation_id, &reply_id)?;
        if current.deleted {
            return Err(ApiError::not_found());
        }
        let row = CannedRow {
            language,
            title,
            body,
            version: expected.saturating_add(1),
            updated_at: now,
            ..current
        };
        if !store::update(conn, &row, expected)? {
            return Err(ApiError::conflict(
                ErrorCode::VersionConflict,
                "This reply was changed since that version; reload it and edit again.",
            ));
        }
        store::record_version(conn, &row, &editor)?;
        Ok(to_api(row))
    })
    .await
}

/// Soft deletion: workers no longer see the reply; its versions stay for audit. Deleting a
/// deleted reply changes nothing.
pub async fn delete(
    state: &AppState,
    admin: &OrganisationAdmin,
    reply_id: String,
) -> ApiResult<()> {
    let organisation_id = admin.organisation_id().clone();
    let editor = admin.account_id.clone();
    let now = state.clock.now();
    let entry = crate::audit::Entry::new(
        admin,
        Some(admin.organisation_id()),
        crate::audit::Action::CannedReplyDelete,
    )
    .on(reply_id.clone());
    crate::audit::write(state, entry, move |conn| {
        let current = of_organisation(conn, &organisation_id, &reply_id)?;
        if current.deleted {
            return Ok(());
        }
        let expected = current.version;
        let row = CannedRow {
            version: expected.saturating_add(1),
            updated_at: now,
            deleted: true,
            ..current
        };
        if !store::update(conn, &row, expected)? {
            return Err(ApiError::conflict(
                ErrorCode::VersionConflict,
                "This reply is being changed; try again.",
            ));
        }
        store::record_version(conn, &row, &editor).map_err(ApiError::from)
    })
    .await
}

pub async fn list(
    state: &AppState,
    admin: &OrganisationAdmin,
    include_deleted: bool,
) -> ApiResult<Vec<CannedReply>> {
    let organisation_id = admin.organisation_id().clone();
    state
        .db
        .read(move |conn| {
            Ok(store::list(conn, &organisation_id, include_deleted)?
                .into_iter()
                .map(to_api)
                .collect())
        })
        .await
}

pub async fn versions(
    state: &AppState,
    admin: &OrganisationAdmin,
    reply_id: String,
) -> ApiResult<Vec<CannedReplyVersion>> {
    let organisation_id = admin.organisation_id().clone();
    state
        .db
        .read(move |conn| {
            of_organisation(conn, &organisation_id, &reply_id)?;
            Ok(store::versions(conn, &reply_id)?
                .into_iter()
                .map(version_to_api)
                .collect())
        })
        .await
}

/// The live replies of the worker's organisation, optionally only those in a language (`fr`
/// matches `fr-CA`).
pub async fn for_worker(
    state: &AppState,
    worker: &Principal,
    language: Option<String>,
) -> ApiResult<Vec<CannedReply>> {
    let organisation_id = worker
        .organisation_id
        .clone()
        .ok_or_else(ApiError::forbidden)?;
    let language = match language {
        None => None,
        Some(tag) => Some(canonical_one(&tag)?),
    };
    let rows = state
        .db
        .read(move |conn| store::list(conn, &organisation_id, false).map_err(ApiError::from))
        .await?;
    Ok(rows
        .into_iter()
        .filter(|row| {
            language
                .as_deref()
                .is_none_or(|l| same_language(l, &row.language))
        })
        .map(to_api)
        .collect())
}
