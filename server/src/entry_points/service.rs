//! Entry point rules: an organisation's administrators create and retire them; the code is shown
//! once and only its hash is kept.

use super::store::{self, EntryPointRow};
use crate::auth::secrets::random_token;
use crate::auth::tokens::hash_token;
use crate::auth::{OrganisationAdmin, SeekerAuth};
use crate::config::Config;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::language::canonical_one;
use crate::state::AppState;
use quietline_protocol::api::{CreateEntryPoint, EntryPoint};
use quietline_protocol::decoys::DisguiseTheme;
use quietline_protocol::{AccountId, EntryPointId, ErrorCode};

fn invalid(message: &'static str) -> ApiError {
    ApiError::unprocessable(ErrorCode::InvalidBody, message)
}

/// The link printed for an entry point: the public site, the slug in the fragment (never sent
/// to the server by a browser, so never in a log or a `Referer`).
pub fn link_of(config: &Config, public_slug: &str) -> String {
    let base = match &config.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("http://{}", config.public_listen),
    };
    format!("{base}/#{public_slug}")
}

fn to_api(config: &Config, row: EntryPointRow, code: Option<String>) -> EntryPoint {
    EntryPoint {
        link: link_of(config, &row.public_slug),
        id: row.id.0,
        organisation_id: row.organisation_id,
        label: row.label,
        default_language: row.default_language,
        topics: serde_json::from_str(&row.topics).unwrap_or_default(),
        theme: row.theme,
        public_slug: row.public_slug,
        created_at: row.created_at,
        web_entry: row.unlock_hash.is_some(),
        code,
    }
}

pub async fn create(
    state: &AppState,
    admin: &OrganisationAdmin,
    request: CreateEntryPoint,
) -> ApiResult<EntryPoint> {
    let organisation_id = admin.organisation_id().clone();
    let label = request.label.trim().to_string();
    if !(1..=100).contains(&label.chars().count()) || label.chars().any(char::is_control) {
        return Err(invalid("A label has 1 to 100 characters."));
    }
    let topic_ok = |t: &String| {
        (1..=40).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-".contains(&b))
    };
    if request.topics.len() > 20 || !request.topics.iter().all(topic_ok) {
        return Err(invalid(
            "At most 20 topics of 1 to 40 characters: a-z, 0-9, '_' or '-'.",
        ));
    }
    let language = canonical_one(&request.default_language)?;
    let code = random_token::<18>()?;
    let row = EntryPointRow {
        id: EntryPointId(uuid::Uuid::new_v4().to_string()),
        organisation_id,
        label,
        default_language: language,
        topics: serde_json::to_string(&request.topics).map_err(ApiError::internal)?,
        created_at: state.clock.now(),
        theme: request.theme.unwrap_or(DisguiseTheme::Recipes),
        public_slug: random_token::<16>()?,
        unlock_hash: None,
    };
    let code_hash = hash_token(&code);
    let config = state.config.clone();
    let entry = crate::audit::Entry::new(
        admin,
        Some(admin.organisation_id()),
        crate::audit::Action::EntryPointCreate,
    )
    .on(row.id.0.clone());
    crate::audit::write(state, entry, move |conn| {
        store::insert(conn, &row, &code_hash)?;
        Ok(to_api(&config, row, Some(code)))
    })
    .await
}

pub async fn list(state: &AppState, admin: &OrganisationAdmin) -> ApiResult<Vec<EntryPoint>> {
    let organisation_id = admin.organisation_id().clone();
    let config = state.config.clone();
    state
        .db
        .read(move |conn| {
            store::list(conn, &organisation_id)
                .map(|rows| {
                    rows.into_iter()
                        .map(|row| to_api(&config, row, None))
                        .collect()
                })
                .map_err(ApiError::from)
        })
        .await
}

/// One entry point of the administrator's organisation, or 404.
pub async fn find(
    state: &AppState,
    admin: &OrganisationAdmin,
    id: EntryPointId,
) -> ApiResult<EntryPoint> {
    let organisation_id = admin.organisation_id().clone();
    let config = state.config.clone();
    state
        .db
        .read(move |conn| {
            store::find_in(conn, &organisation_id, &id)?
                .map(|row| to_api(&config, row, None))
                .ok_or_else(ApiError::not_found)
        })
        .await
}

/// Retires an entry point. Seekers who came through it keep their accounts.
pub async fn delete(
    state: &AppState,
    admin: &OrganisationAdmin,
    id: EntryPointId,
) -> ApiResult<()> {
    let organisation_id = admin.organisation_id().clone();
    let entry = crate::audit::Entry::new(
        admin,
        Some(admin.organisation_id()),
        crate::audit::Action::EntryPointRetire,
    )
    .on(id.0.clone());
    crate::audit::write(state, entry, move |conn| {
        match store::delete(conn, &organisation_id, &id)? {
            0 => Err(ApiError::not_found()),
            _ => Ok(()),
        }
    })
    .await
}

/// The entry point a code opens, inside the caller's transaction.
pub fn resolve(conn: &mut DbConn, code: &str) -> ApiResult<EntryPointRow> {
    store::find_by_code_hash(conn, &hash_token(code))?.ok_or_else(|| {
        ApiError::unprocessable(
            ErrorCode::InvalidEntryPoint,
            "This code is not known. Check it and try again.",
        )
    })
}

/// The entry point a seeker comes through: the code they give, else the one they signed up with.
pub fn entry_point_of(
    conn: &mut DbConn,
    seeker_id: &AccountId,
    code: Option<&str>,
) -> ApiResult<EntryPointRow> {
    if let Some(code) = code {
        return resolve(conn, code);
    }
    let id = store::of_account(conn, seeker_id)?.ok_or_else(|| {
        ApiError::unprocessable(
            ErrorCode::EntryPointRequired,
            "Open the conversation through an entry point.",
        )
    })?;
    store::find(conn, &id)?.ok_or_else(|| {
        ApiError::unprocessable(
            ErrorCode::InvalidEntryPoint,
            "This entry point is no longer open.",
        )
    })
}

/// (Seekers) The topics offered through the seeker's entry point, to choose from when opening a
/// conversation.
pub async fn topics(state: &AppState, SeekerAuth(seeker): &SeekerAuth) -> ApiResult<Vec<String>> {
    let seeker_id = seeker.account_id.clone();
    state
        .db
        .read(move |conn| {
            let row = entry_point_of(conn, &seeker_id, None)?;
            Ok(serde_json::from_str(&row.topics).unwrap_or_default())
        })
        .await
}
