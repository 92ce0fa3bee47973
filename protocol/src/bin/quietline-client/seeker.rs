//! The seeker's side: open a conversation through the entry point, learn how soon someone can
//! answer, write (lines typed before anyone joins wait on this device until someone does), be
//! told who answers, answer a referral, leave at once with `/exit`.

use crate::terminal::{self, Device, Terminal, event, failure};
use quietline_protocol::api::{Conversation, ConversationState, OpenConversation};
use quietline_protocol::client::{Client, ClientError, Socket};
use quietline_protocol::relay::ServerFrame;
use std::path::Path;

const HELP: &str = "\
Type a message and press Enter to send it. Commands:
  /status    whether someone is there, and how soon someone usually answers
  /recovery  twelve words that bring this conversation back on a new phone
  /share     yes: the person helping you may pass on what you told them to who helps you next
  /keep      no: pass nothing on
  /accept    go to the other organisation that was suggested
  /decline   stay in this conversation
  /exit      leave now: deletes your account, this conversation and this device's file
  /quit      close this program; come back later with `resume`
  /help      this list";

/// What a seeker chose on the command line.
pub struct Start {
    pub languages: Vec<String>,
    pub topic: Option<String>,
    pub region: Option<String>,
}

/// The conversation this seeker is in, as the chat loop keeps it.
struct Chat<'a> {
    device: Device<'a>,
    conversation: Conversation,
    /// Lines typed before a worker joined; sent when one does.
    pending: Vec<String>,
    /// A referral awaits an answer.
    referral_offered: bool,
}

/// Right after sign-up: opens the conversation, then chats.
pub async fn start(
    client: Client,
    state: &Path,
    passphrase: &str,
    start: Start,
    terminal: &mut Terminal,
) -> Result<(), ClientError> {
    let topic = match start.topic {
        Some(topic) => Some(topic),
        None => choose_topic(&client, terminal).await?,
    };
    let request = OpenConversation {
        languages: start.languages,
        entry_point: None,
        region: start.region,
        topic,
        callback: false,
    };
    // Someone may be watching: the person chooses to talk now or to be answered later.
    let now = terminal
        .ask("Is it safe to talk now? Press Enter for yes, or type `later` to be answered at a safer time.")
        .await;
    if now.trim().eq_ignore_ascii_case("later") {
        let window = terminal
            .ask("When is it safe to answer you? (for example: weekdays after 6 pm)")
            .await;
        let note = terminal
            .ask("Anything else they should know to reach you safely? (Enter to skip)")
            .await;
        let details = quietline_protocol::relay::CallbackDetails {
            window: window.trim().to_string(),
            note: Some(note.trim().to_string()).filter(|n| !n.is_empty()),
        };
        client.request_callback(&request, details).await?;
        client.save(state, passphrase).await?;
        println!(
            "Your request waits for someone who reads your language; only they can read when to answer. Come back then with `resume`."
        );
        return Ok(());
    }
    let conversation = client.open_conversation(&request).await?;
    let chat = Chat {
        device: Device::new(client, state, passphrase),
        conversation,
        pending: Vec::new(),
        referral_offered: false,
    };
    chat.run(terminal).await
}

/// From the state file: continues the open conversation, if there still is one.
pub async fn resume(
    client: Client,
    state: &Path,
    passphrase: &str,
    terminal: &mut Terminal,
) -> Result<(), ClientError> {
    let Some(conversation) = client.conversations().await?.into_iter().next() else {
        println!("This conversation has ended.");
        return Ok(());
    };
    let chat = Chat {
        device: Device::new(client, state, passphrase),
        referral_offered: conversation.referral.is_some(),
        conversation,
        pending: Vec::new(),
    };
    chat.run(terminal).await
}

async fn choose_topic(
    client: &Client,
    terminal: &mut Terminal,
) -> Result<Option<String>, ClientError> {
    let topics = client.topics().await?;
    if topics.is_empty() {
        return Ok(None);
    }
    let list: Vec<String> = topics
        .iter()
        .enumerate()
        .map(|(i, topic)| format!("{}) {topic}", i + 1))
        .collect();
    let answer = terminal
        .ask(&format!(
            "What would you like to talk about? {} (a number, or Enter to skip)",
            list.join("  ")
        ))
        .await;
    Ok(answer
        .parse::<usize>()
        .ok()
        .and_then(|n| topics.get(n.wrapping_sub(1)).cloned()))
}

impl Chat<'_> {
    async fn run(mut self, terminal: &mut Terminal) -> Result<(), ClientError> {
        self.status().await;
        println!("Write when you are ready. /help lists the commands.");
        let mut socket = self.device.client.connect().await?;
        loop {
            tokio::select! {
                line = terminal.next() => {
                    let Some(line) = line else { break };
                    match self.command(&line).await? {
                        Next::Continue => {}
                        Next::Quit => break,
                        Next::Exited => return Ok(()),
                    }
                }
                frame = socket.next_frame() => match frame? {
                    Some(frame) => self.frame(frame, &mut socket).await?,
                    None => {
                        println!("The connection closed. Run `resume` to come back.");
                        break;
                    }
                }
            }
        }
        self.device.save().await
    }

    async fn command(&mut self, line: &str) -> Result<Next, ClientError> {
        terminal::fresh(&mut self.device.client).await?;
        match line {
            "" => {}
            "/help" => println!("{HELP}"),
            "/quit" => return Ok(Next::Quit),
            "/exit" => {
                // Quick exit: the account and this device's state file are wiped at once.
                self.device
                    .client
                    .quick_exit(Some(self.device.state))
                    .await?;
                println!("done");
                return Ok(Next::Exited);
            }
            "/status" => self.status().await,
            "/recovery" => {
                let phrase = self.device.client.set_up_recovery().await?;
                println!(
                    "Your recovery phrase (any earlier one no longer works):\n\n  {}\n\n\
                     Keep these words where only you can find them, not on this phone. On a new \
                     phone, `quietline-client recover` and these words bring you back to this \
                     conversation. Anyone with them can do the same; /exit deletes them too.",
                    phrase.expose()
                );
            }
            "/accept" | "/decline" => self.answer_referral(line == "/accept").await?,
            "/share" | "/keep" => {
                let granted = line == "/share";
                match self
                    .device
                    .client
                    .answer_handoff(&self.conversation.id, granted)
                    .await
                {
                    Ok(()) if granted => println!("Thank you. You will not need to tell it again."),
                    Ok(()) => println!("Nothing will be passed on."),
                    Err(error) => println!("{}", terminal::failure(&error)),
                }
            }
            _ if line.starts_with('/') => println!("Unknown command. /help lists them."),
            text => {
                if self.conversation.workers.is_empty() {
                    self.pending.push(text.to_string());
                    println!("Nobody has joined yet; this will be sent as soon as someone does.");
                } else {
                    self.send(text).await?;
                }
            }
        }
        Ok(Next::Continue)
    }

    /// Services open day and night, from the organisation's signed cards (verified here), for
    /// while nobody can answer: hotlines for the seeker's region first.
    async fn meanwhile(&self) {
        let client = &self.device.client;
        let organisation = self.conversation.organisation_id.as_str();
        let Ok(keys) = client.card_bundle_keys(organisation).await else {
            return;
        };
        let locales: Vec<&str> = self
            .conversation
            .languages
            .iter()
            .map(String::as_str)
            .collect();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or_default())
            .unwrap_or_default();
        let region = self.conversation.region.as_deref();
        let Ok(bundle) = client
            .card_bundle(organisation, &locales, region, &keys, now)
            .await
        else {
            return;
        };
        let open = quietline_protocol::cards::meanwhile(&bundle.payload.cards);
        if open.is_empty() {
            return;
        }
        println!("Meanwhile, these are open day and night:");
        for card in open.iter().take(3) {
            let contact = &card.contact;
            let reach = contact
                .phones
                .first()
                .or(contact.sms.first())
                .or(contact.web.first())
                .cloned()
                .unwrap_or_default();
            if card.risk_disclosure.is_empty() {
                println!("  {}: {reach}", card.title);
            } else {
                // What to weigh comes before how to reach them.
                println!("  {} ({}): {reach}", card.title, card.risk_disclosure);
            }
        }
    }

    /// Whether someone who reads the seeker's languages is there, and the usual wait.
    async fn status(&self) {
        if let Some(handle) = self.conversation.worker_handles.first() {
            println!("You are talking with {handle}.");
            return;
        }
        match self
            .device
            .client
            .outlook(&self.conversation.languages)
            .await
        {
            Ok(outlook) => {
                let wait = outlook
                    .expected_wait_seconds
                    .map(|s| {
                        format!(
                            " People usually answer within about {} minutes.",
                            s.div_ceil(60)
                        )
                    })
                    .unwrap_or_default();
                if outlook.available_now {
                    println!("Someone who reads your language is available now.{wait}");
                } else {
                    println!(
                        "Nobody who reads your language is available right now.{wait} You can write now; your words wait here until someone joins."
                    );
                    self.meanwhile().await;
                }
            }
            Err(error) => println!("Could not check: {}", failure(&error)),
        }
    }

    /// Sends to every worker of the conversation: the lead and those supporting.
    async fn send(&mut self, text: &str) -> Result<(), ClientError> {
        let workers: Vec<String> = self
            .conversation
            .workers
            .iter()
            .map(|w| w.0.clone())
            .collect();
        for worker in workers {
            self.device
                .send(&worker, text, "the person you talk with")
                .await?;
        }
        Ok(())
    }

    async fn answer_referral(&mut self, accept: bool) -> Result<(), ClientError> {
        if !self.referral_offered {
            println!("There is no suggestion to answer.");
            return Ok(());
        }
        match self
            .device
            .client
            .answer_referral(&self.conversation.id, accept)
            .await
        {
            Ok(conversation) => {
                self.referral_offered = false;
                self.conversation = conversation;
                if accept {
                    println!(
                        "You have moved. Someone there will answer; nothing you wrote was passed on."
                    );
                } else {
                    println!("You stay in this conversation.");
                }
            }
            Err(error) => println!("Not answered: {}", failure(&error)),
        }
        Ok(())
    }

    async fn frame(&mut self, frame: ServerFrame, socket: &mut Socket) -> Result<(), ClientError> {
        match frame {
            ServerFrame::Envelope { envelope } => {
                let incoming = self.device.receive(&envelope, socket).await?;
                let name = incoming
                    .sender()
                    .map_or_else(|| "someone".to_string(), |from| self.handle_of(from));
                terminal::show(&incoming, &name);
            }
            ServerFrame::PreKeysLow { .. } => self.device.replenish().await?,
            ServerFrame::WorkersChanged {
                conversation_id, ..
            } if conversation_id == self.conversation.id => self.workers_changed().await?,
            ServerFrame::HandoffConsentAsked { conversation_id }
                if conversation_id == self.conversation.id =>
            {
                event(&format!(
                    "{} may hand this conversation to a colleague. May they pass on what you told them, so you do not have to tell it again? /share for yes, /keep for no.",
                    self.current_worker()
                ));
            }
            ServerFrame::ReferralOffered {
                conversation_id, ..
            } if conversation_id == self.conversation.id => {
                self.referral_offered = true;
                let about = self
                    .conversation
                    .topic
                    .clone()
                    .unwrap_or_else(|| "this".into());
                event(&format!(
                    "{} suggests another organisation that can help with {about}. /accept to go there, /decline to stay.",
                    self.current_worker()
                ));
            }
            ServerFrame::ConversationEnded { conversation_id }
                if conversation_id == self.conversation.id =>
            {
                event("The conversation has ended. Thank you for writing.");
                self.conversation.state = ConversationState::Closed;
                self.conversation.workers.clear();
                self.conversation.worker_handles.clear();
            }
            ServerFrame::DisappearingTimer {
                conversation_id,
                seconds,
            } if conversation_id == self.conversation.id => {
                let text = match seconds {
                    Some(s) => format!(
                        "Messages now disappear {} minutes after they are sent.",
                        s / 60
                    ),
                    None => "Messages no longer disappear.".to_string(),
                };
                event(&text);
            }
            _ => {}
        }
        Ok(())
    }

    /// The conversation's workers changed: read them again (from the server, which is what the
    /// next message is encrypted to), say who answers now, and send what waited.
    async fn workers_changed(&mut self) -> Result<(), ClientError> {
        let Some(conversation) = self
            .device
            .client
            .conversations()
            .await?
            .into_iter()
            .find(|c| c.id == self.conversation.id)
        else {
            return Ok(());
        };
        let before: Vec<String> = self.conversation.worker_handles.clone();
        let lead_before = before.first().cloned();
        self.conversation = conversation;
        let now = &self.conversation.worker_handles;
        match now.first() {
            Some(handle) if lead_before.as_ref() != Some(handle) => {
                event(&format!("You are now talking with {handle}."))
            }
            Some(_) => {}
            None => event("Waiting for someone to answer."),
        }
        // Supporting workers: who joins and who leaves, by name.
        for handle in now.iter().skip(1).filter(|h| !before.contains(h)) {
            event(&format!(
                "{handle} joins to help; they read what you write."
            ));
        }
        if !now.is_empty() {
            for handle in before.iter().filter(|h| !now.contains(h)) {
                event(&format!("{handle} has left this conversation."));
            }
        }
        for text in std::mem::take(&mut self.pending) {
            self.send(&text).await?;
        }
        Ok(())
    }

    fn handle_of(&self, account_id: &str) -> String {
        self.conversation
            .workers
            .iter()
            .zip(&self.conversation.worker_handles)
            .find(|(worker, _)| worker.0 == account_id)
            .map(|(_, handle)| handle.clone())
            .unwrap_or_else(|| "someone".into())
    }

    fn current_worker(&self) -> String {
        self.conversation
            .worker_handles
            .first()
            .cloned()
            .unwrap_or_else(|| "The worker".into())
    }
}

enum Next {
    Continue,
    Quit,
    Exited,
}
