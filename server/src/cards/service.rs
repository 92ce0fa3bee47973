//! Card rules for administrators: every change makes a new version (who, when, which fields);
//! edits name the version they change; the workflow goes draft → in review → published →
//! archived, with a second administrator's approval when the organisation requires it; a
//! published card can be rolled back to any version that was published before.

use super::store::{self, CardRow, VersionRow};
use super::validate;
use crate::auth::OrganisationAdmin;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use quietline_protocol::cards::{
    Card, CardContent, CardSettings, CardState, CardText, CardVersion, PutTranslation, UpdateCard,
};
use quietline_protocol::{AccountId, CardId, ErrorCode, OrganisationId};
use serde_json::Value;

pub fn content_of(json: &str) -> ApiResult<CardContent> {
    serde_json::from_str(json).map_err(ApiError::internal)
}

fn to_json(content: &CardContent) -> ApiResult<String> {
    serde_json::to_string(content).map_err(ApiError::internal)
}

pub fn to_api(row: &CardRow) -> ApiResult<Card> {
    let content = content_of(&row.content)?;
    let revision = u32::try_from(row.revision).unwrap_or_default();
    let outdated_locales = content
        .translations
        .iter()
        .filter(|(locale, text)| {
            **locale != content.source_locale && text.source_revision < revision
        })
        .map(|(locale, _)| locale.clone())
        .collect();
    Ok(Card {
        id: row.id.0.clone(),
        organisation_id: row.organisation_id.clone(),
        state: row.state,
        revision,
        version: u32::try_from(row.version).unwrap_or_default(),
        published_version: row.published_version.and_then(|v| u32::try_from(v).ok()),
        content,
        updated_at: row.updated_at,
        outdated_locales,
    })
}

fn invalid_card(problems: Vec<quietline_protocol::Problem>) -> ApiError {
    ApiError::problems(
        ErrorCode::InvalidCard,
        "The card has problems; see the list.",
        problems,
    )
}

fn invalid_state(message: &'static str) -> ApiError {
    ApiError::conflict(ErrorCode::InvalidState, message)
}

/// The fields that differ between two versions of a card, as paths.
fn changed_fields(old: &Value, new: &Value, prefix: &str, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                changed_fields(
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                    &path,
                    out,
                );
            }
        }
        (a, b) if a != b => out.push(prefix.to_string()),
        _ => {}
    }
}

fn changes(old: Option<&CardContent>, new: &CardContent) -> Vec<String> {
    let new = serde_json::to_value(new).unwrap_or_default();
    let old = old
        .and_then(|o| serde_json::to_value(o).ok())
        .unwrap_or_else(|| Value::Object(Default::default()));
    let mut out = Vec::new();
    changed_fields(&old, &new, "", &mut out);
    out.retain(|path| !path.ends_with(".source_revision"));
    out
}

/// Writes a card's next version and its history entry.
fn commit(
    conn: &mut DbConn,
    previous: Option<&CardRow>,
    row: CardRow,
    action: &str,
    admin: &AccountId,
) -> ApiResult<Card> {
    let old = previous.map(|p| content_of(&p.content)).transpose()?;
    let new = content_of(&row.content)?;
    let mut changed = changes(old.as_ref(), &new);
    if previous.is_some_and(|p| p.state != row.state) {
        changed.push("state".into());
    }
    match previous {
        None => store::insert(conn, &row)?,
        Some(p) => {
            if !store::update(conn, &row, p.version)? {
                return Err(ApiError::conflict(
                    ErrorCode::VersionConflict,
                    "The card was changed meanwhile; reload it and try again.",
                ));
            }
        }
    }
    store::record_version(
        conn,
        &VersionRow {
            card_id: row.id.clone(),
            version: row.version,
            action: action.to_string(),
            state: row.state,
            content: row.content.clone(),
            changes: serde_json::to_string(&changed).map_err(ApiError::internal)?,
            changed_by: admin.clone(),
            changed_at: row.updated_at,
        },
    )?;
    to_api(&row)
}

/// The card, if it belongs to the organisation.
fn of_organisation(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    card_id: &CardId,
) -> ApiResult<CardRow> {
    store::find(conn, card_id)?
        .filter(|row| &row.organisation_id == organisation_id)
        .ok_or_else(ApiError::not_found)
}

/// Stamps texts with the revision they were written from: the source text and any text that
/// changed get `revision`; unchanged translations keep theirs.
fn stamp(content: &mut CardContent, old: Option<&CardContent>, revision: u32) {
    let source = content.source_locale.clone();
    for (locale, text) in content.translations.iter_mut() {
        let unchanged = old
            .and_then(|o| o.translations.get(locale))
            .filter(|previous| same_text(previous, text));
        text.source_revision = match unchanged {
            Some(previous) if *locale != source => previous.source_revision,
            _ => revision,
        };
    }
}

fn same_text(a: &CardText, b: &CardText) -> bool {
    a.title == b.title
        && a.summary == b.summary
        && a.body == b.body
        && a.risk_disclosure == b.risk_disclosure
        && a.confidentiality == b.confidentiality
}

/// Whether the facts or the source text changed: what makes translations outdated.
fn source_changed(old: &CardContent, new: &CardContent) -> bool {
    let facts = |c: &CardContent| {
        let mut c = c.clone();
        c.translations.clear();
        c
    };
    facts(old) != facts(new)
        || match (
            old.translations.get(&old.source_locale),
            new.translations.get(&new.source_locale),
        ) {
            (Some(a), Some(b)) => !same_text(a, b),
            _ => true,
        }
}

/// Who makes a change, when, and how it is named in the card's history.
#[derive(Clone, Copy, Debug)]
pub struct Change<'a> {
    pub by: &'a AccountId,
    pub at: i64,
    pub action: &'static str,
}

/// Creates a draft card (in a transaction of the caller's).
pub fn create_in(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    mut content: CardContent,
    change: Change<'_>,
) -> ApiResult<Card> {
    let problems = validate::check(&mut content);
    if !problems.is_empty() {
        return Err(invalid_card(problems));
    }
    stamp(&mut content, None, 1);
    let row = CardRow {
        id: CardId(uuid::Uuid::new_v4().to_string()),
        organisation_id: organisation_id.clone(),
        state: CardState::Draft,
        revision: 1,
        version: 1,
        content: to_json(&content)?,
        published_version: None,
        published: None,
        submitted_by: None,
        updated_at: change.at,
    };
    commit(conn, None, row, change.action, change.by)
}

/// Replaces a card's working copy (in a transaction of the caller's). The card returns to draft;
/// its published copy, if any, is served until the next publication.
pub fn update_in(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    card_id: &CardId,
    expected_version: Option<u32>,
    mut content: CardContent,
    change: Change<'_>,
) -> ApiResult<Card> {
    let problems = validate::check(&mut content);
    if !problems.is_empty() {
        return Err(invalid_card(problems));
    }
    let current = of_organisation(conn, organisation_id, card_id)?;
    if expected_version.is_some_and(|v| i64::from(v) != i64::from(current.version)) {
        return Err(ApiError::conflict(
            ErrorCode::VersionConflict,
            "The card was changed since that version; reload it and edit again.",
        ));
    }
    let old = content_of(&current.content)?;
    let mut revision = current.revision;
    if source_changed(&old, &content) {
        revision += 1;
    }
    stamp(
        &mut content,
        Some(&old),
        u32::try_from(revision).unwrap_or_default(),
    );
    if content == old {
        return to_api(&current);
    }
    let row = CardRow {
        state: CardState::Draft,
        revision,
        version: current.version + 1,
        content: to_json(&content)?,
        submitted_by: None,
        updated_at: change.at,
        ..current.clone()
    };
    commit(conn, Some(&current), row, change.action, change.by)
}

pub async fn create(
    state: &AppState,
    admin: &OrganisationAdmin,
    content: CardContent,
) -> ApiResult<Card> {
    let organisation_id = admin.organisation_id().clone();
    let editor = admin.account_id.clone();
    let now = state.clock.now();
    let principal = (**admin).clone();
    let organisation = organisation_id.clone();
    let entry = move |card: &Card| {
        crate::audit::Entry::new(
            &principal,
            Some(&organisation),
            crate::audit::Action::CardCreate,
        )
        .on(card.id.clone())
    };
    crate::audit::write_with(state, entry, move |conn| {
        let change = Change {
            by: &editor,
            at: now,
            action: "created",
        };
        create_in(conn, &organisation_id, content, change)
    })
    .await
}

pub async fn update(
    state: &AppState,
    admin: &OrganisationAdmin,
    card_id: CardId,
    request: UpdateCard,
) -> ApiResult<Card> {
    let organisation_id = admin.organisation_id().clone();
    let editor = admin.account_id.clone();
    let now = state.clock.now();
    let entry = crate::audit::Entry::new(
        admin,
        Some(admin.organisation_id()),
        crate::audit::Action::CardUpdate,
    )
    .on(card_id.0.clone());
    crate::audit::write(state, entry, move |conn| {
        update_in(
            conn,
            &organisation_id,
            &card_id,
            Some(request.version),
            request.content,
            Change {
                by: &editor,
                at: now,
                action: "edited",
            },
        )
    })
    .await
}

/// Adds or replaces one translation, made from the card's current revision.
pub async fn put_translation(
    state: &AppState,
    admin: &OrganisationAdmin,
    card_id: CardId,
    locale: String,
    text: PutTranslation,
) -> ApiResult<Card> {
    let organisation_id = admin.organisation_id().clone();
    let editor = admin.account_id.clone();
    let now = state.clock.now();
    let entry = crate::audit::Entry::new(
        admin,
        Some(admin.organisation_id()),
        crate::audit::Action::CardTranslate,
    )
    .on(format!("{}/{locale}", card_id.0));
    crate::audit::write(state, entry, move |conn| {
        let current = of_organisation(conn, &organisation_id, &card_id)?;
        let mut content = content_of(&current.content)?;
        let revision = u32::try_from(current.revision).unwrap_or_default();
        content.translations.insert(
            locale,
            CardText {
                title: text.title,
                summary: text.summary,
                body: text.body,
                risk_disclosure: text.risk_disclosure,
                confidentiality: text.confidentiality,
                source_revision: revision,
            },
        );
        let problems = validate::check(&mut content);
        if !problems.is_empty() {
            return Err(invalid_card(problems));
        }
        let row = CardRow {
            state: CardState::Draft,
            version: current.version + 1,
            content: to_json(&content)?,
            submitted_by: None,
            updated_at: now,
            ..current.clone()
        };
        commit(conn, Some(&current), row, "translated", &editor)
    })
    .await
}

/// A workflow step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Submit,
    Publish,
    Archive,
}

pub async fn step(
    state: &AppState,
    admin: &OrganisationAdmin,
    card_id: CardId,
    step: Step,
) -> ApiResult<Card> {
    let organisation_id = admin.organisation_id().clone();
    let editor = admin.account_id.clone();
    let now = state.clock.now();
    let entry = crate::audit::Entry::new(
        admin,
        Some(admin.organisation_id()),
        match step {
            Step::Submit => crate::audit::Action::CardSubmit,
            Step::Publish => crate::audit::Action::CardPublish,
            Step::Archive => crate::audit::Action::CardArchive,
        },
    )
    .on(card_id.0.clone());
    crate::audit::write(state, entry, move |conn| {
            let current = of_organisation(conn, &organisation_id, &card_id)?;
            let (two_admins, _) = store::settings(conn, &organisation_id)?;
            let mut row = CardRow {
                version: current.version + 1,
                updated_at: now,
                ..current.clone()
            };
            let action = match step {
                Step::Submit => {
                    if current.state != CardState::Draft {
                        return Err(invalid_state("Only a draft can be submitted for review."));
                    }
                    row.state = CardState::InReview;
                    row.submitted_by = Some(editor.clone());
                    "submitted"
                }
                Step::Publish => {
                    let content = content_of(&current.content)?;
                    if content.sample || content.to_be_completed {
                        // A sample card's words and contacts are placeholders until someone
                        // checked them; a seeker must never be shown them as facts.
                        return Err(invalid_state(
                            "This card is marked sample or to be completed: review it, clear those marks, then publish it.",
                        ));
                    }
                    match (current.state, two_admins) {
                        (CardState::InReview, true) => {
                            if current.submitted_by.as_ref() == Some(&editor) {
                                return Err(ApiError::conflict(
                                    ErrorCode::SecondApprovalRequired,
                                    "Another administrator must approve what you submitted.",
                                ));
                            }
                        }
                        (CardState::Draft, true) => {
                            return Err(ApiError::conflict(
                                ErrorCode::SecondApprovalRequired,
                                "Submit the card for review; another administrator approves it.",
                            ));
                        }
                        (CardState::Draft | CardState::InReview, false) => {}
                        _ => {
                            return Err(invalid_state(
                                "Only a draft or a card in review can be published.",
                            ));
                        }
                    }
                    row.state = CardState::Published;
                    row.published = Some(current.content.clone());
                    row.published_version = Some(row.version);
                    store::bump_generation(conn, &organisation_id)?;
                    "published"
                }
                Step::Archive => {
                    if current.state == CardState::Archived {
                        return Err(invalid_state("The card is archived already."));
                    }
                    row.state = CardState::Archived;
                    row.published = None;
                    row.published_version = None;
                    store::bump_generation(conn, &organisation_id)?;
                    "archived"
                }
            };
            commit(conn, Some(&current), row, action, &editor)
        })
        .await
}

/// Publishes again a version that was published before, as a new version.
pub async fn rollback(
    state: &AppState,
    admin: &OrganisationAdmin,
    card_id: CardId,
    version: u32,
) -> ApiResult<Card> {
    let organisation_id = admin.organisation_id().clone();
    let editor = admin.account_id.clone();
    let now = state.clock.now();
    let entry = crate::audit::Entry::new(
        admin,
        Some(admin.organisation_id()),
        crate::audit::Action::CardRollback,
    )
    .on(format!("{}@{version}", card_id.0));
    crate::audit::write(state, entry, move |conn| {
        let current = of_organisation(conn, &organisation_id, &card_id)?;
        let wanted = i32::try_from(version).map_err(|_| ApiError::not_found())?;
        let earlier = store::version(conn, &card_id, wanted)?
            .filter(|v| v.state == CardState::Published)
            .ok_or(ApiError::unprocessable(
                ErrorCode::InvalidBody,
                "Roll back only to a version that was published.",
            ))?;
        let old = content_of(&current.content)?;
        let mut content = content_of(&earlier.content)?;
        let revision = current.revision + 1;
        // Texts that were current in that version are current again.
        let then = content
            .translations
            .get(&content.source_locale)
            .map(|t| t.source_revision)
            .unwrap_or_default();
        for text in content.translations.values_mut() {
            if text.source_revision >= then {
                text.source_revision = u32::try_from(revision).unwrap_or_default();
            }
        }
        let json = to_json(&content)?;
        let row = CardRow {
            state: CardState::Published,
            revision: if content == old {
                current.revision
            } else {
                revision
            },
            version: current.version + 1,
            content: json.clone(),
            published: Some(json),
            published_version: Some(current.version + 1),
            submitted_by: None,
            updated_at: now,
            ..current.clone()
        };
        store::bump_generation(conn, &organisation_id)?;
        commit(conn, Some(&current), row, "rolled_back", &editor)
    })
    .await
}

pub async fn list(state: &AppState, admin: &OrganisationAdmin) -> ApiResult<Vec<Card>> {
    let organisation_id = admin.organisation_id().clone();
    state
        .db
        .read(move |conn| {
            store::list(conn, &organisation_id)?
                .iter()
                .map(to_api)
                .collect()
        })
        .await
}

pub async fn get(state: &AppState, admin: &OrganisationAdmin, card_id: CardId) -> ApiResult<Card> {
    let organisation_id = admin.organisation_id().clone();
    state
        .db
        .read(move |conn| to_api(&of_organisation(conn, &organisation_id, &card_id)?))
        .await
}

pub async fn history(
    state: &AppState,
    admin: &OrganisationAdmin,
    card_id: CardId,
) -> ApiResult<Vec<CardVersion>> {
    let organisation_id = admin.organisation_id().clone();
    state
        .db
        .read(move |conn| {
            of_organisation(conn, &organisation_id, &card_id)?;
            store::versions(conn, &card_id)?
                .into_iter()
                .map(|v| {
                    Ok(CardVersion {
                        version: u32::try_from(v.version).unwrap_or_default(),
                        action: v.action,
                        state: v.state,
                        changes: serde_json::from_str(&v.changes).unwrap_or_default(),
                        changed_by_handle: crate::accounts::store::handle_of(conn, &v.changed_by)?,
                        changed_by: v.changed_by,
                        changed_at: v.changed_at,
                    })
                })
                .collect()
        })
        .await
}

/// What a card held at one version of its history (for comparing it with another).
pub async fn version_content(
    state: &AppState,
    admin: &OrganisationAdmin,
    card_id: CardId,
    version: u32,
) -> ApiResult<CardContent> {
    let organisation_id = admin.organisation_id().clone();
    state
        .db
        .read(move |conn| {
            of_organisation(conn, &organisation_id, &card_id)?;
            let wanted = i32::try_from(version).map_err(|_| ApiError::not_found())?;
            let found = store::version(conn, &card_id, wanted)?.ok_or_else(ApiError::not_found)?;
            content_of(&found.content)
        })
        .await
}

pub async fn settings(state: &AppState, admin: &OrganisationAdmin) -> ApiResult<CardSettings> {
    let organisation_id = admin.organisation_id().clone();
    let (two_admin_approval, _) = state
        .db
        .read(move |conn| store::settings(conn, &organisation_id).map_err(ApiError::from))
        .await?;
    Ok(CardSettings { two_admin_approval })
}

pub async fn set_settings(
    state: &AppState,
    admin: &OrganisationAdmin,
    settings: CardSettings,
) -> ApiResult<CardSettings> {
    let organisation_id = admin.organisation_id().clone();
    let entry = crate::audit::Entry::new(
        admin,
        Some(admin.organisation_id()),
        crate::audit::Action::CardSettingsSet,
    );
    crate::audit::write(state, entry, move |conn| {
        store::set_two_admin_approval(conn, &organisation_id, settings.two_admin_approval)
            .map_err(ApiError::from)
    })
    .await?;
    Ok(settings)
}
