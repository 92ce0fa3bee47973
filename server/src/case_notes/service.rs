//! Case note rules: only workers of the conversation's organisation list the recipients, write
//! and read notes; a note is sealed to exactly the current devices of those workers; each device
//! gets its own copy back.

use super::store::{self, CopyRow};
use crate::accounts::store as accounts_store;
use crate::auth::Principal;
use crate::conversations::store as conversations;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use quietline_protocol::api::{CaseNote, CaseNoteRecipient, WriteCaseNote};
use quietline_protocol::{AccountId, ConversationId, DeviceId, ErrorCode, OrganisationId};
use std::collections::{BTreeSet, HashMap};

/// The largest sealed copy accepted: a long note, its sealing and its signature.
pub const MAX_SEALED: usize = 16 * 1024;
/// The most copies of one note (devices of the organisation's workers).
pub const MAX_COPIES: usize = 500;

/// The conversation's organisation, if it is the worker's (403 otherwise, as for a
/// conversation that does not exist).
fn organisation_of(
    conn: &mut DbConn,
    worker: &Principal,
    conversation_id: &ConversationId,
) -> ApiResult<OrganisationId> {
    let row = conversations::find(conn, conversation_id)?.ok_or_else(ApiError::forbidden)?;
    if worker.organisation_id.as_ref() != Some(&row.organisation_id) {
        return Err(ApiError::forbidden());
    }
    Ok(row.organisation_id)
}

fn recipients_of(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
) -> ApiResult<Vec<CaseNoteRecipient>> {
    Ok(store::worker_devices(conn, organisation_id)?
        .into_iter()
        .filter_map(|(account_id, device, identity_key)| {
            Some(CaseNoteRecipient {
                account_id,
                device_id: DeviceId(u32::try_from(device).ok()?),
                identity_key,
            })
        })
        .collect())
}

/// The devices a note about this conversation is to be sealed to.
pub async fn recipients(
    state: &AppState,
    worker: &Principal,
    conversation_id: ConversationId,
) -> ApiResult<Vec<CaseNoteRecipient>> {
    let worker = worker.clone();
    state
        .db
        .read(move |conn| {
            let organisation_id = organisation_of(conn, &worker, &conversation_id)?;
            recipients_of(conn, &organisation_id)
        })
        .await
}

fn checked(note: &WriteCaseNote) -> ApiResult<()> {
    if uuid::Uuid::parse_str(&note.id).is_err() {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidBody,
            "A case note's id is a UUID.",
        ));
    }
    if note.copies.is_empty() || note.copies.len() > MAX_COPIES {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidBody,
            "A case note has one copy for each device of the organisation's workers.",
        ));
    }
    if note
        .copies
        .iter()
        .any(|copy| copy.sealed.len() > MAX_SEALED)
    {
        return Err(ApiError::unprocessable(
            ErrorCode::CiphertextTooLarge,
            "A sealed case note is at most 16 KiB.",
        ));
    }
    Ok(())
}

/// Stores a note's copies, one per current device of the organisation's workers; answers the
/// minute it was written.
pub async fn write(
    state: &AppState,
    worker: &Principal,
    conversation_id: ConversationId,
    note: WriteCaseNote,
) -> ApiResult<i64> {
    checked(&note)?;
    let author_device = worker.device_row()?;
    let worker = worker.clone();
    let written_at = crate::clock::minute_of(state.clock.now());
    state
        .db
        .write(move |conn| {
            let organisation_id = organisation_of(conn, &worker, &conversation_id)?;
            let wanted: BTreeSet<_> = recipients_of(conn, &organisation_id)?
                .into_iter()
                .map(|r| (r.account_id, r.device_id))
                .collect();
            let given: BTreeSet<_> = note
                .copies
                .iter()
                .map(|c| (c.account_id.clone(), c.device_id))
                .collect();
            if given != wanted || given.len() != note.copies.len() {
                return Err(ApiError::conflict(
                    ErrorCode::RecipientsChanged,
                    "The organisation's workers' devices have changed: seal the note again.",
                ));
            }
            if store::note_exists(conn, &note.id)? {
                return Err(ApiError::conflict(
                    ErrorCode::InvalidState,
                    "A case note with this id exists already.",
                ));
            }
            for copy in &note.copies {
                let recipient_device =
                    i32::try_from(copy.device_id.0).map_err(|_| ApiError::forbidden())?;
                store::insert_copy(
                    conn,
                    &CopyRow {
                        note_id: &note.id,
                        conversation_id: &conversation_id,
                        author_id: &worker.account_id,
                        author_device,
                        recipient_id: &copy.account_id,
                        recipient_device,
                        written_at,
                        sealed: &copy.sealed,
                    },
                )?;
            }
            Ok(written_at)
        })
        .await
}

/// The notes about a conversation sealed to the calling device, oldest first.
pub async fn list(
    state: &AppState,
    worker: &Principal,
    conversation_id: ConversationId,
) -> ApiResult<Vec<CaseNote>> {
    let device = worker.device_row()?;
    let worker = worker.clone();
    state
        .db
        .read(move |conn| {
            organisation_of(conn, &worker, &conversation_id)?;
            let copies = store::copies_for(conn, &conversation_id, &worker.account_id, device)?;
            let mut handles: HashMap<AccountId, String> = HashMap::new();
            copies
                .into_iter()
                .map(|(id, author, author_device, written_at, sealed)| {
                    let author_handle = match handles.get(&author) {
                        Some(handle) => handle.clone(),
                        None => {
                            let handle =
                                accounts_store::handle_of(conn, &author)?.unwrap_or_default();
                            handles.insert(author.clone(), handle.clone());
                            handle
                        }
                    };
                    Ok(CaseNote {
                        id,
                        author,
                        author_device: DeviceId(u32::try_from(author_device).unwrap_or_default()),
                        author_handle,
                        written_at,
                        sealed,
                    })
                })
                .collect()
        })
        .await
}
