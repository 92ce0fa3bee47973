//! Case notes as the client library offers them: written once, sealed on this device to every
//! device of the organisation's workers, read back by each of them and by no one else.

use super::{Client, ClientError, Result};
use crate::api::{CaseNote, CaseNoteRecipient, CaseNoteWritten, SealedCaseNote, WriteCaseNote};
use awc::http::Method;

/// Tries of a note whose recipients changed while it was being sealed.
const WRITE_ATTEMPTS: usize = 3;

/// A case note as the desk shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadCaseNote {
    pub id: String,
    pub author_handle: String,
    /// Minute written.
    pub written_at: i64,
    /// `None` when this device's copy could not be opened (altered, or its writer unknown).
    pub text: Option<String>,
}

/// What a sealed copy is bound to: the note, its conversation, its writer and its reader.
fn context(
    note_id: &str,
    conversation_id: &str,
    author: (&str, u32),
    reader: (&str, u32),
) -> Vec<u8> {
    format!(
        "{note_id}\n{conversation_id}\n{}:{}\n{}:{}",
        author.0, author.1, reader.0, reader.1
    )
    .into_bytes()
}

impl Client {
    /// (Workers) The devices a case note about this conversation is sealed to.
    pub async fn note_recipients(&self, conversation_id: &str) -> Result<Vec<CaseNoteRecipient>> {
        self.call::<(), _>(
            Method::GET,
            &format!("/v1/conversations/{conversation_id}/notes/recipients"),
            None,
        )
        .await
    }

    /// (Workers) Writes a case note, sealed here to each device of the organisation's workers.
    pub async fn write_case_note(
        &self,
        conversation_id: &str,
        text: &str,
    ) -> Result<CaseNoteWritten> {
        let id = uuid::Uuid::new_v4().to_string();
        let author = (self.account_id(), self.device_id());
        let mut last = None;
        for _ in 0..WRITE_ATTEMPTS {
            let recipients = self.note_recipients(conversation_id).await?;
            let copies = recipients
                .iter()
                .map(|recipient| {
                    let reader = (recipient.account_id.as_str(), recipient.device_id.0);
                    Ok(SealedCaseNote {
                        account_id: recipient.account_id.clone(),
                        device_id: recipient.device_id,
                        sealed: self.signal.seal_note(
                            &recipient.identity_key,
                            &context(&id, conversation_id, author, reader),
                            text.as_bytes(),
                        )?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let note = WriteCaseNote {
                id: id.clone(),
                copies,
            };
            match self
                .call(
                    Method::POST,
                    &format!("/v1/conversations/{conversation_id}/notes"),
                    Some(&note),
                )
                .await
            {
                Err(error @ ClientError::Http { status: 409, .. }) if matches!(&error, ClientError::Http { code, .. } if code == "recipients_changed") =>
                {
                    last = Some(error);
                }
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| ClientError::Transport("the note was not stored".into())))
    }

    /// (Workers) The case notes about a conversation, opened on this device, oldest first.
    pub async fn case_notes(&self, conversation_id: &str) -> Result<Vec<ReadCaseNote>> {
        let notes: Vec<CaseNote> = self
            .call::<(), _>(
                Method::GET,
                &format!("/v1/conversations/{conversation_id}/notes"),
                None,
            )
            .await?;
        if notes.is_empty() {
            return Ok(Vec::new());
        }
        let writers = self.note_recipients(conversation_id).await?;
        let reader = (self.account_id(), self.device_id());
        Ok(notes
            .into_iter()
            .map(|note| {
                let writer = writers
                    .iter()
                    .find(|w| w.account_id == note.author && w.device_id == note.author_device);
                let text = writer.and_then(|writer| {
                    let author = (note.author.as_str(), note.author_device.0);
                    self.signal
                        .open_note(
                            &writer.identity_key,
                            &context(&note.id, conversation_id, author, reader),
                            &note.sealed,
                        )
                        .ok()
                        .map(|plain| String::from_utf8_lossy(&plain).into_owned())
                });
                ReadCaseNote {
                    id: note.id,
                    author_handle: note.author_handle,
                    written_at: note.written_at,
                    text,
                }
            })
            .collect())
    }
}
