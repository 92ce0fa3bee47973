//! The worker's desk on a terminal: availability, the queue (own languages first), claims, the
//! worker's conversations by number, transfers, referrals and closing, with every desk event as a
//! line of text. Seekers are shown by conversation number, colleagues by handle, never by id.

use crate::terminal::{self, Device, Terminal, event, failure};
use quietline_protocol::api::{Colleague, Conversation, Partner, WaitingConversation};
use quietline_protocol::client::{Client, ClientError, Socket};
use quietline_protocol::relay::ServerFrame;
use std::collections::BTreeMap;
use std::path::Path;

const HELP: &str = "\
Type a message and press Enter to send it to the current conversation. Commands:
  /available [LIMIT]   take conversations (at most LIMIT at once)
  /away                take no new conversations
  /waiting             the queue, your languages first
  /claim N             take conversation N of the queue
  /list                your conversations; * marks the current one
  /switch N            write in your conversation N
  /colleagues          who can take a conversation now
  /handoff             ask the seeker whether you may pass a summary to whoever takes it over
  /transfer HANDLE     hand the current conversation to a colleague (/transfer queue: back to the queue)
  /summary TEXT        after the seeker's yes and a transfer: the summary, to the one who took it
  /support HANDLE      add a colleague to the current conversation as a supporting worker
  /unsupport HANDLE    take them out again (/unsupport me: stop supporting it yourself)
  /partners            organisations you may refer to
  /refer N             offer the seeker partner N (the seeker decides)
  /close OUTCOME       end the current conversation: information_given, referred,
                       no_response, safety_concern or other
  /quit                close this program (your conversations stay open)
  /help                this list";

struct Desk<'a> {
    device: Device<'a>,
    /// Conversation numbers, stable for this run: id → number.
    numbers: BTreeMap<String, usize>,
    /// The worker's own conversations, as last read.
    mine: Vec<Conversation>,
    current: Option<String>,
    /// The queue as last listed, for `/claim N`.
    queue: Vec<WaitingConversation>,
    partners: Vec<Partner>,
    colleagues: Vec<Colleague>,
    /// The last conversation handed over and the colleague it went to, for `/summary`.
    handed: Option<(String, String)>,
}

pub async fn desk(
    client: Client,
    state: &Path,
    passphrase: &str,
    terminal: &mut Terminal,
) -> Result<(), ClientError> {
    let profile = client.worker_profile().await?;
    let availability = client.availability().await?;
    let mut desk = Desk {
        device: Device::new(client, state, passphrase),
        numbers: BTreeMap::new(),
        mine: Vec::new(),
        current: None,
        queue: Vec::new(),
        partners: Vec::new(),
        colleagues: Vec::new(),
        handed: None,
    };
    println!(
        "Signed in as {} ({}). You are {}. /help lists the commands.",
        profile.handle,
        profile.languages.join(", "),
        if availability.available {
            "available"
        } else {
            "away: /available to take conversations"
        }
    );
    desk.refresh_mine().await?;
    if !desk.mine.is_empty() {
        desk.list();
    }
    let mut socket = desk.device.client.connect().await?;
    loop {
        tokio::select! {
            line = terminal.next() => {
                let Some(line) = line else { break };
                if line == "/quit" {
                    break;
                }
                terminal::fresh(&mut desk.device.client).await?;
                if let Err(error) = desk.command(&line).await {
                    match error {
                        ClientError::Http { .. } => println!("{}", failure(&error)),
                        other => return Err(other),
                    }
                }
            }
            frame = socket.next_frame() => match frame? {
                Some(frame) => desk.frame(frame, &mut socket).await?,
                None => {
                    println!("The connection closed. Run `resume` to come back.");
                    break;
                }
            }
        }
    }
    desk.device.save().await
}

impl Desk<'_> {
    fn number(&mut self, conversation_id: &str) -> usize {
        let next = self.numbers.len() + 1;
        *self
            .numbers
            .entry(conversation_id.to_string())
            .or_insert(next)
    }

    fn describe(languages: &[String], region: Option<&str>, topic: Option<&str>) -> String {
        let mut parts = vec![languages.join(", ")];
        parts.extend(region.map(str::to_string));
        parts.extend(topic.map(str::to_string));
        parts.join(" · ")
    }

    async fn refresh_mine(&mut self) -> Result<(), ClientError> {
        self.mine = self.device.client.conversations().await?;
        for conversation in self.mine.clone() {
            self.number(&conversation.id);
        }
        let still_mine = |id: &String| self.mine.iter().any(|c| c.id == *id);
        if !self.current.as_ref().is_some_and(still_mine) {
            self.current = self.mine.first().map(|c| c.id.clone());
        }
        Ok(())
    }

    fn current(&self) -> Option<&Conversation> {
        let id = self.current.as_ref()?;
        self.mine.iter().find(|c| c.id == *id)
    }

    fn list(&mut self) {
        if self.mine.is_empty() {
            println!("You have no conversations.");
        }
        for conversation in self.mine.clone() {
            let mark = if self.current.as_deref() == Some(&conversation.id) {
                "*"
            } else {
                " "
            };
            let number = self.number(&conversation.id);
            println!(
                "{mark} #{number} {}",
                Self::describe(
                    &conversation.languages,
                    conversation.region.as_deref(),
                    conversation.topic.as_deref()
                )
            );
        }
    }

    async fn command(&mut self, line: &str) -> Result<(), ClientError> {
        let (verb, argument) = line.split_once(' ').unwrap_or((line, ""));
        let argument = argument.trim();
        match verb {
            "" => {}
            "/help" => println!("{HELP}"),
            "/available" => {
                let limit = argument.parse().ok();
                let now = self.device.client.set_availability(true, limit).await?;
                match now.max_active {
                    Some(max) => println!("You are available, for up to {max} conversations."),
                    None => println!("You are available."),
                }
            }
            "/away" => {
                self.device.client.set_availability(false, None).await?;
                println!("You are away: no new conversations come to you.");
            }
            "/waiting" => self.waiting().await?,
            "/claim" => self.claim(argument).await?,
            "/list" => {
                self.refresh_mine().await?;
                self.list();
            }
            "/switch" => {
                let wanted = argument.trim_start_matches('#').parse::<usize>().ok();
                let found = self
                    .mine
                    .iter()
                    .find(|c| Some(self.numbers.get(&c.id).copied().unwrap_or(0)) == wanted)
                    .map(|c| c.id.clone());
                match found {
                    Some(id) => {
                        self.current = Some(id);
                        println!("Writing in #{}.", argument.trim_start_matches('#'));
                    }
                    None => {
                        println!("You have no conversation with that number. /list shows them.")
                    }
                }
            }
            "/colleagues" => {
                self.colleagues = self.device.client.colleagues().await?;
                for colleague in &self.colleagues {
                    println!(
                        "  {} ({}) {}",
                        colleague.handle,
                        colleague.languages.join(", "),
                        if colleague.can_take {
                            "can take a conversation"
                        } else {
                            "away or full"
                        }
                    );
                }
            }
            "/transfer" => self.transfer(argument).await?,
            "/handoff" => match self.current().cloned() {
                Some(conversation) => {
                    self.device.client.ask_handoff(&conversation.id).await?;
                    println!("The seeker is asked; you will see their answer here.");
                }
                None => println!("Choose a conversation first: /list, /switch N."),
            },
            "/summary" => self.summary(argument).await?,
            "/support" | "/unsupport" => self.support(verb == "/support", argument).await?,
            "/partners" => {
                self.partners = self.device.client.partners().await?;
                for (i, partner) in self.partners.iter().enumerate() {
                    let note = if partner.mutual {
                        ""
                    } else {
                        " (has not named you a partner yet)"
                    };
                    println!("  {}) {}{note}", i + 1, partner.name);
                }
            }
            "/refer" => self.refer(argument).await?,
            "/close" => self.close(argument).await?,
            _ if verb.starts_with('/') => println!("Unknown command. /help lists them."),
            _ => self.send(line).await?,
        }
        Ok(())
    }

    async fn waiting(&mut self) -> Result<(), ClientError> {
        self.queue = self.device.client.waiting().await?;
        if self.queue.is_empty() {
            println!("Nobody is waiting.");
        }
        for (i, waiting) in self.queue.iter().enumerate() {
            let yours = if waiting.speaks_language {
                ""
            } else {
                " (not in your languages)"
            };
            let later = if waiting.callback {
                " (answer later)"
            } else {
                ""
            };
            println!(
                "  {}) {} · waiting {} min{later}{yours}",
                i + 1,
                Self::describe(
                    &waiting.languages,
                    waiting.region.as_deref(),
                    waiting.topic.as_deref()
                ),
                waiting.waiting_seconds / 60
            );
        }
        Ok(())
    }

    async fn claim(&mut self, argument: &str) -> Result<(), ClientError> {
        if self.queue.is_empty() {
            self.queue = self.device.client.waiting().await?;
        }
        let index = argument.parse::<usize>().unwrap_or(1);
        let Some(waiting) = self.queue.get(index.wrapping_sub(1)).cloned() else {
            println!("There is no such conversation in the queue. /waiting lists it.");
            return Ok(());
        };
        let conversation = self.device.client.claim(&waiting.id).await?;
        self.queue.clear();
        let number = self.number(&conversation.id);
        self.current = Some(conversation.id.clone());
        self.refresh_mine().await?;
        println!(
            "You took #{number}; you are writing in it. The seeker has been told you are here."
        );
        Ok(())
    }

    async fn transfer(&mut self, argument: &str) -> Result<(), ClientError> {
        let Some(conversation) = self.current().cloned() else {
            println!("Choose a conversation first: /list, /switch N.");
            return Ok(());
        };
        let to = if argument == "queue" {
            None
        } else {
            if self.colleagues.iter().all(|c| c.handle != argument) {
                self.colleagues = self.device.client.colleagues().await?;
            }
            match self.colleagues.iter().find(|c| c.handle == argument) {
                Some(colleague) => Some(colleague.account_id.clone()),
                None => {
                    println!("No colleague has that handle. /colleagues lists them.");
                    return Ok(());
                }
            }
        };
        let taken = self.device.client.transfer(&conversation.id, to).await?;
        self.handed = taken.lead.map(|lead| (conversation.id.clone(), lead.0));
        let number = self.number(&conversation.id);
        match argument {
            "queue" => println!("#{number} is back in the queue."),
            handle => println!("#{number} is now with {handle}."),
        }
        self.refresh_mine().await
    }

    /// Sends the hand-off summary to the colleague the last conversation went to.
    async fn summary(&mut self, text: &str) -> Result<(), ClientError> {
        let Some((conversation_id, to)) = self.handed.clone() else {
            println!("Hand a conversation over first: /handoff, then /transfer HANDLE.");
            return Ok(());
        };
        let summary = quietline_protocol::relay::HandoffSummary {
            conversation_id,
            text: text.to_string(),
        };
        match self.device.client.send_summary(&to, &summary).await {
            Ok(_) => println!("Summary passed on."),
            Err(error) => println!("Not passed on: {}", terminal::failure(&error)),
        }
        self.device.save().await
    }

    /// Adds (or removes) a supporting worker of the current conversation, by handle.
    async fn support(&mut self, add: bool, argument: &str) -> Result<(), ClientError> {
        let Some(conversation) = self.current().cloned() else {
            println!("Choose a conversation first: /list, /switch N.");
            return Ok(());
        };
        let colleague = if !add && argument == "me" {
            Some(quietline_protocol::AccountId(
                self.device.client.account_id().to_string(),
            ))
        } else {
            if self.colleagues.iter().all(|c| c.handle != argument) {
                self.colleagues = self.device.client.colleagues().await?;
            }
            self.colleagues
                .iter()
                .find(|c| c.handle == argument)
                .map(|c| c.account_id.clone())
        };
        let Some(colleague) = colleague else {
            println!("No colleague has that handle. /colleagues lists them.");
            return Ok(());
        };
        let number = self.number(&conversation.id);
        if add {
            self.device
                .client
                .add_supporter(&conversation.id, colleague)
                .await?;
            println!("{argument} now supports #{number}: they read what the seeker writes.");
        } else {
            self.device
                .client
                .remove_supporter(&conversation.id, &colleague)
                .await?;
            println!("{argument} no longer supports #{number}.");
        }
        self.refresh_mine().await
    }

    async fn refer(&mut self, argument: &str) -> Result<(), ClientError> {
        let Some(conversation) = self.current().cloned() else {
            println!("Choose a conversation first: /list, /switch N.");
            return Ok(());
        };
        if self.partners.is_empty() {
            self.partners = self.device.client.partners().await?;
        }
        let index = argument.parse::<usize>().unwrap_or(1);
        let Some(partner) = self.partners.get(index.wrapping_sub(1)).cloned() else {
            println!("There is no such partner. /partners lists them.");
            return Ok(());
        };
        self.device.client.refer(&conversation.id, &partner).await?;
        println!(
            "Offered {} to the seeker of #{}; they decide.",
            partner.name,
            self.number(&conversation.id)
        );
        Ok(())
    }

    async fn close(&mut self, outcome: &str) -> Result<(), ClientError> {
        let Some(conversation) = self.current().cloned() else {
            println!("Choose a conversation first: /list, /switch N.");
            return Ok(());
        };
        let outcome = (!outcome.is_empty()).then_some(outcome);
        self.device
            .client
            .close_conversation(&conversation.id, outcome)
            .await?;
        println!("#{} is closed.", self.number(&conversation.id));
        self.refresh_mine().await
    }

    async fn send(&mut self, text: &str) -> Result<(), ClientError> {
        let Some(seeker) = self.current().map(|c| c.seeker.0.clone()) else {
            println!("Choose a conversation first: /waiting, /claim N, or /list, /switch N.");
            return Ok(());
        };
        self.device.send(&seeker, text, "the seeker").await
    }

    /// Who a sender is, as the desk shows them: `#N` for a seeker, a handle for a colleague.
    async fn sender(&mut self, account_id: &str) -> Result<String, ClientError> {
        if let Some(conversation) = self.mine.iter().find(|c| c.seeker.0 == account_id) {
            let id = conversation.id.clone();
            return Ok(format!("#{}", self.number(&id)));
        }
        if self.colleagues.iter().all(|c| c.account_id.0 != account_id) {
            self.colleagues = self.device.client.colleagues().await?;
        }
        Ok(self
            .colleagues
            .iter()
            .find(|c| c.account_id.0 == account_id)
            .map(|c| c.handle.clone())
            .unwrap_or_else(|| "someone".into()))
    }

    async fn frame(&mut self, frame: ServerFrame, socket: &mut Socket) -> Result<(), ClientError> {
        match frame {
            ServerFrame::Envelope { envelope } => {
                let incoming = self.device.receive(&envelope, socket).await?;
                let name = match incoming.sender() {
                    Some(from) => self.sender(from).await?,
                    None => "someone".to_string(),
                };
                terminal::show(&incoming, &name);
            }
            ServerFrame::PreKeysLow { .. } => self.device.replenish().await?,
            ServerFrame::ConversationWaiting { conversation_id } => {
                let queue = self.device.client.waiting().await?;
                if let Some(waiting) = queue.iter().find(|w| w.id == conversation_id) {
                    let yours = if waiting.speaks_language {
                        ""
                    } else {
                        " (not in your languages)"
                    };
                    let what = if waiting.callback {
                        "Someone asks to be answered later"
                    } else {
                        "Someone is waiting"
                    };
                    event(&format!(
                        "{what}: {}{yours}. /waiting to see the queue.",
                        Self::describe(
                            &waiting.languages,
                            waiting.region.as_deref(),
                            waiting.topic.as_deref()
                        )
                    ));
                }
                self.queue = queue;
            }
            ServerFrame::ConversationClaimed {
                conversation_id,
                handle,
            } => {
                self.queue.retain(|w| w.id != conversation_id);
                if !self.numbers.contains_key(&conversation_id) {
                    event(&format!("{handle} took a waiting conversation."));
                }
            }
            ServerFrame::WorkersChanged {
                conversation_id,
                workers,
                handles,
            } => {
                let had = self.mine.iter().any(|c| c.id == conversation_id);
                self.refresh_mine().await?;
                let has = self.mine.iter().any(|c| c.id == conversation_id);
                let number = self.number(&conversation_id);
                let mine = workers
                    .iter()
                    .any(|w| *w == self.device.client.account_id());
                if has && mine && !had {
                    event(&format!(
                        "#{number} was handed to you. /switch {number} to write in it."
                    ));
                } else if had && !has {
                    match handles.first() {
                        Some(handle) => event(&format!("#{number} is now with {handle}.")),
                        None => event(&format!("#{number} has left your conversations.")),
                    }
                }
            }
            ServerFrame::ReferralAnswered {
                conversation_id,
                accepted,
            } => {
                let number = self.number(&conversation_id);
                if accepted {
                    event(&format!(
                        "The seeker of #{number} accepted the referral; the conversation has moved."
                    ));
                } else {
                    event(&format!(
                        "The seeker of #{number} declined the referral; the conversation stays with you."
                    ));
                }
                self.refresh_mine().await?;
            }
            ServerFrame::HandoffConsentAnswered {
                conversation_id,
                granted,
            } => {
                let number = self.number(&conversation_id);
                if granted {
                    event(&format!(
                        "The seeker of #{number} said yes: once handed over, /summary TEXT passes on what the next worker needs."
                    ));
                } else {
                    event(&format!(
                        "The seeker of #{number} said no: pass nothing on; the next worker starts afresh."
                    ));
                }
            }
            ServerFrame::IdentityChanged { account_id } => {
                self.device.client.peer_identity_changed(&account_id);
                let conversation = self
                    .mine
                    .iter()
                    .find(|c| c.seeker.0 == account_id)
                    .map(|c| c.id.clone());
                if let Some(conversation_id) = conversation {
                    let number = self.number(&conversation_id);
                    event(&format!(
                        "The seeker of #{number} came back on a new phone with their recovery phrase: their safety number changed."
                    ));
                }
            }
            ServerFrame::ConversationEnded { conversation_id } => {
                let number = self.number(&conversation_id);
                event(&format!("#{number} has ended."));
                self.refresh_mine().await?;
            }
            ServerFrame::DisappearingTimer {
                conversation_id,
                seconds,
            } => {
                let number = self.number(&conversation_id);
                match seconds {
                    Some(s) => event(&format!(
                        "#{number}: messages now disappear after {} minutes.",
                        s / 60
                    )),
                    None => event(&format!("#{number}: messages no longer disappear.")),
                }
            }
            _ => {}
        }
        Ok(())
    }
}
