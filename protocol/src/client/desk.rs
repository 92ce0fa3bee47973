//! The outreach desk as the client library offers it: a seeker opens a conversation and asks how
//! soon someone can answer; a worker sees the queue, claims, hands over, refers and closes. The
//! command line, the desk app and the tests all call these.

use super::{Client, ClientError, Result, SEND_ATTEMPTS, transport};
use crate::AccountId;
use crate::api::{
    AvailabilityQuery, CloseConversation, Colleague, Conversation, OpenConversation, Outlook,
    Partner, ReferConversation, SetAvailability, TransferConversation, WaitingConversation,
    WorkerAvailability, WorkerProfile,
};
use awc::http::Method;

impl Client {
    /// (Seekers) Opens a conversation with the organisation behind the seeker's entry point, or
    /// returns the one already open there.
    pub async fn open_conversation(&self, request: &OpenConversation) -> Result<Conversation> {
        self.call(Method::POST, "/v1/conversations", Some(request))
            .await
    }

    /// (Seekers) Not safe to talk now: opens the conversation as a callback request and seals
    /// when and how to answer to every device of the organisation's workers; the worker who
    /// claims it opens it, the other copies are deleted.
    pub async fn request_callback(
        &self,
        request: &OpenConversation,
        details: crate::relay::CallbackDetails,
    ) -> Result<Conversation> {
        let mut request = request.clone();
        request.callback = true;
        let conversation = self.open_conversation(&request).await?;
        let plaintext = serde_json::to_vec(&crate::relay::CallbackRequest { callback: details })
            .map_err(transport)?;
        let mut last = None;
        // The workers' devices may change between reading them and sending: read them again.
        for _ in 0..SEND_ATTEMPTS {
            let recipients: crate::web::WebRecipients = self
                .call::<(), _>(Method::GET, "/v1/web/recipients", None)
                .await?;
            let mut sends: Vec<crate::web::SealedSend> = Vec::new();
            for recipient in &recipients.recipients {
                let position = match sends.iter().position(|s| s.to == recipient.account_id) {
                    Some(position) => position,
                    None => {
                        sends.push(crate::web::SealedSend {
                            to: recipient.account_id.clone(),
                            id: uuid::Uuid::new_v4().to_string(),
                            copies: Vec::new(),
                        });
                        sends.len() - 1
                    }
                };
                let send = &mut sends[position];
                let content =
                    super::sealed::seal(&recipient.device.public_key, &send.id, &plaintext)?;
                send.copies.push(crate::web::SealedCopy {
                    device_id: recipient.device.device_id,
                    content,
                });
            }
            if sends.is_empty() {
                return Err(transport("nobody at the organisation can receive it yet"));
            }
            match self
                .call::<_, Vec<crate::relay::SendReceipt>>(
                    Method::POST,
                    "/v1/web/messages",
                    Some(&crate::web::WebMessage { sends }),
                )
                .await
            {
                Err(error @ ClientError::Http { status: 409, .. }) => last = Some(error),
                Err(error) => return Err(error),
                Ok(_) => return Ok(conversation),
            }
        }
        Err(last.unwrap_or_else(|| transport("the request was not sent")))
    }

    /// (Seekers) The topics offered through the seeker's entry point.
    pub async fn topics(&self) -> Result<Vec<String>> {
        self.call::<(), _>(Method::GET, "/v1/entry-point/topics", None)
            .await
    }

    /// (Seekers) Whether someone reading one of `languages` is available now, and the typical
    /// wait.
    pub async fn outlook(&self, languages: &[String]) -> Result<Outlook> {
        let query = AvailabilityQuery {
            languages: languages.to_vec(),
            entry_point: None,
        };
        self.call(Method::POST, "/v1/desk/outlook", Some(&query))
            .await
    }

    /// (Workers) The organisation's waiting conversations, those in the worker's languages first.
    pub async fn waiting(&self) -> Result<Vec<WaitingConversation>> {
        self.call::<(), _>(Method::GET, "/v1/desk/waiting", None)
            .await
    }

    /// (Workers) Takes a waiting conversation; `409 already_claimed` when a colleague was first.
    pub async fn claim(&self, conversation_id: &str) -> Result<Conversation> {
        self.call::<(), _>(
            Method::POST,
            &format!("/v1/conversations/{conversation_id}/claim"),
            None,
        )
        .await
    }

    /// Closes a conversation, with an outcome category for the statistics; answers the
    /// conversations still open.
    pub async fn close_conversation(
        &self,
        conversation_id: &str,
        outcome: Option<&str>,
    ) -> Result<Vec<Conversation>> {
        let body = CloseConversation {
            outcome: outcome.map(str::to_string),
        };
        self.call(
            Method::POST,
            &format!("/v1/conversations/{conversation_id}/close"),
            Some(&body),
        )
        .await
    }

    /// (Workers) Hands a conversation to a colleague, or back to the queue with `None`.
    pub async fn transfer(
        &self,
        conversation_id: &str,
        worker: Option<AccountId>,
    ) -> Result<Conversation> {
        self.call(
            Method::POST,
            &format!("/v1/conversations/{conversation_id}/transfer"),
            Some(&TransferConversation { worker }),
        )
        .await
    }

    /// (Workers) The lead asks the seeker whether a summary may go to whoever takes the
    /// conversation over.
    pub async fn ask_handoff(&self, conversation_id: &str) -> Result<()> {
        self.call::<(), _>(
            Method::POST,
            &format!("/v1/conversations/{conversation_id}/handoff"),
            None,
        )
        .await
    }

    /// (Seekers) Answers a hand-off request: `granted` lets one summary pass.
    pub async fn answer_handoff(&self, conversation_id: &str, granted: bool) -> Result<()> {
        self.call(
            Method::POST,
            &format!("/v1/conversations/{conversation_id}/handoff/answer"),
            Some(&crate::api::AnswerHandoff { granted }),
        )
        .await
    }

    /// (Workers) The lead adds a colleague as a supporting worker of a conversation.
    pub async fn add_supporter(
        &self,
        conversation_id: &str,
        worker: AccountId,
    ) -> Result<Conversation> {
        self.call(
            Method::POST,
            &format!("/v1/conversations/{conversation_id}/supporters"),
            Some(&crate::api::AddSupporter { worker }),
        )
        .await
    }

    /// (Workers) The lead removes a supporting worker, or a supporting worker leaves (their own
    /// account id).
    pub async fn remove_supporter(
        &self,
        conversation_id: &str,
        worker: &AccountId,
    ) -> Result<Conversation> {
        self.call::<(), _>(
            Method::DELETE,
            &format!(
                "/v1/conversations/{conversation_id}/supporters/{}",
                worker.0
            ),
            None,
        )
        .await
    }

    /// (Workers) Offers the seeker a referral to a partner organisation.
    pub async fn refer(&self, conversation_id: &str, partner: &Partner) -> Result<Conversation> {
        self.call(
            Method::POST,
            &format!("/v1/conversations/{conversation_id}/referral"),
            Some(&ReferConversation {
                organisation_id: partner.organisation_id.clone(),
            }),
        )
        .await
    }

    /// (Workers) The organisations a conversation may be referred to.
    pub async fn partners(&self) -> Result<Vec<Partner>> {
        self.call::<(), _>(Method::GET, "/v1/desk/partners", None)
            .await
    }

    /// (Workers) The other workers of the organisation, and whether each can take a conversation.
    pub async fn colleagues(&self) -> Result<Vec<Colleague>> {
        self.call::<(), _>(Method::GET, "/v1/desk/colleagues", None)
            .await
    }

    /// (Workers) Available or away, with an optional limit on active conversations.
    pub async fn set_availability(
        &self,
        available: bool,
        max_active: Option<u32>,
    ) -> Result<WorkerAvailability> {
        self.call(
            Method::PUT,
            "/v1/desk/availability",
            Some(&SetAvailability {
                available,
                max_active,
            }),
        )
        .await
    }

    /// (Workers) The worker's own availability and how many conversations they are in.
    pub async fn availability(&self) -> Result<WorkerAvailability> {
        self.call::<(), _>(Method::GET, "/v1/desk/availability", None)
            .await
    }

    /// (Workers) The organisation's canned replies, to fill in and insert.
    pub async fn canned_replies(&self) -> Result<Vec<crate::api::CannedReply>> {
        self.call::<(), _>(Method::GET, "/v1/desk/canned-replies", None)
            .await
    }

    /// Changes a conversation's disappearing-message timer (`None`: messages do not disappear).
    pub async fn set_timer(
        &self,
        conversation_id: &str,
        seconds: Option<u64>,
    ) -> Result<Conversation> {
        self.call(
            Method::PUT,
            &format!("/v1/conversations/{conversation_id}/timer"),
            Some(&crate::api::SetTimer { seconds }),
        )
        .await
    }

    /// (Workers) The worker's own handle and languages.
    pub async fn worker_profile(&self) -> Result<WorkerProfile> {
        self.call::<(), _>(Method::GET, "/v1/worker/profile", None)
            .await
    }
}
