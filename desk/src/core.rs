//! The desk's core: one thread owns the worker's client (its Signal identity, sessions and
//! tokens), its delivery WebSocket and what this run has read. Pages ask it for work as jobs,
//! run one at a time between the frames the server pushes, so nothing races on the sessions.

use futures_util::future::LocalBoxFuture;
use quietline_protocol::api::{
    AcceptInvite, CannedReply, Colleague, Conversation, Partner, WaitingConversation,
    WorkerAvailability, WorkerProfile,
};
use quietline_protocol::cards::{BundleKey, ServedCard, WorkersOnly};
use quietline_protocol::client::{Client, ClientError, Socket, vault};
use quietline_protocol::relay::{Envelope, ServerFrame};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc, oneshot};

/// Alerts kept for the page, newest first.
const ALERTS_KEPT: usize = 8;
/// Wait before another try at the delivery socket after it closed or could not open.
const RECONNECT_EVERY: Duration = Duration::from_secs(3);
/// How long a verified card bundle is used before it is fetched again.
const CARDS_KEPT: Duration = Duration::from_secs(300);

/// What was fetched for one question (its key), kept for [`CARDS_KEPT`]: a page shown again
/// asks the server nothing new.
struct Kept<T> {
    key: String,
    fetched: Instant,
    value: T,
}

impl<T: Clone> Kept<T> {
    fn new(key: String, value: T) -> Kept<T> {
        Kept {
            key,
            fetched: Instant::now(),
            value,
        }
    }

    /// The value kept for `key`, while it is fresh.
    fn fresh(slot: &Option<Kept<T>>, key: &str) -> Option<T> {
        slot.as_ref()
            .filter(|kept| kept.key == key && kept.fetched.elapsed() < CARDS_KEPT)
            .map(|kept| kept.value.clone())
    }
}
/// The access token is exchanged this long before it expires.
const REFRESH_AHEAD: i64 = 60;

/// What the page is told happened (never what was said).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A seeker is waiting in the queue.
    Waiting,
    /// Something shown changed: read the page again.
    Changed,
}

impl Event {
    pub fn name(self) -> &'static str {
        match self {
            Event::Waiting => "waiting",
            Event::Changed => "changed",
        }
    }
}

/// Something that happened, for the alert region: a message id and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    pub message: &'static str,
    pub values: Vec<(&'static str, String)>,
    /// The waiting conversation it announces, dropped once someone takes it.
    pub waiting: Option<String>,
}

/// One line of a conversation, decrypted here.
#[derive(Clone, Debug)]
pub struct Line {
    /// Written by this worker (else by the seeker).
    pub mine: bool,
    pub text: String,
    /// Unix seconds, when it was sent or received here.
    pub at: i64,
    /// A seeker's callback request (`text` says when it is safe to answer).
    pub callback: bool,
}

/// Where a request to pass a hand-off summary stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handoff {
    Asked,
    Granted,
    Declined,
}

/// A hand-off summary a colleague passed on with the seeker's yes.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The colleague's handle.
    pub from: String,
    pub text: String,
    pub at: i64,
}

/// Whom a worker hands a conversation to.
pub enum HandOver {
    Colleague(quietline_protocol::AccountId),
    Queue,
}

/// Why a page's request could not be done, for the person.
#[derive(Debug)]
pub enum Refusal {
    /// A message id of the desk's words.
    Say(&'static str),
    /// What the server said.
    Server(String),
}

impl From<ClientError> for Refusal {
    fn from(error: ClientError) -> Refusal {
        match &error {
            ClientError::Http { body, .. } => Refusal::Server(
                body["error"]["message"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| error.to_string()),
            ),
            ClientError::Transport(_) => Refusal::Say("error-unreachable"),
            _ => Refusal::Server(error.to_string()),
        }
    }
}

pub struct Options {
    /// The server's public address.
    pub server: String,
    /// The encrypted state file.
    pub state: PathBuf,
    /// After this long without a request from the page, the desk asks for the passphrase again.
    pub idle: Duration,
}

/// The worker's desk once unlocked.
pub struct Open {
    pub client: Client,
    state: PathBuf,
    passphrase: String,
    pub profile: WorkerProfile,
    pub availability: WorkerAvailability,
    pub mine: Vec<Conversation>,
    pub queue: Vec<WaitingConversation>,
    /// Conversation numbers for this run, by conversation id.
    pub numbers: BTreeMap<String, usize>,
    /// What was said, by conversation id.
    pub lines: HashMap<String, Vec<Line>>,
    /// Seekers whose safety number changed and who the worker has not yet accepted.
    pub changed_identity: BTreeSet<String>,
    /// Hand-off requests of this run, by conversation id.
    pub handoffs: HashMap<String, Handoff>,
    /// Hand-off summaries received, by conversation id.
    pub summaries: HashMap<String, Vec<Summary>>,
    pub alerts: VecDeque<Alert>,
    colleagues: Vec<Colleague>,
    partners: Option<Vec<Partner>>,
    replies: Option<Vec<CannedReply>>,
    /// Keys of the organisation's card bundles, pinned on first use in this run.
    bundle_keys: Option<Vec<BundleKey>>,
    /// The last verified bundle, by what it was asked for: every live refresh of a conversation
    /// page needs its cards, not a new bundle.
    cards: Option<Kept<Vec<ServedCard>>>,
    /// The same cards' details for workers only (by card id), from the organisation's listing.
    workers_only: Option<Kept<Vec<(String, WorkersOnly)>>>,
}

pub struct Core {
    pub options: Options,
    pub events: broadcast::Sender<Event>,
    pub desk: Option<Open>,
    pub locked: bool,
    /// What the last request could not do, shown once on the next page.
    pub flash: Option<Refusal>,
    last_seen: Instant,
}

/// Work for the core, run on its thread.
pub type Job = Box<dyn for<'a> FnOnce(&'a mut Core) -> LocalBoxFuture<'a, ()> + Send>;

/// How the pages reach the core.
#[derive(Clone)]
pub struct Handle {
    jobs: mpsc::UnboundedSender<Job>,
    pub events: broadcast::Sender<Event>,
}

/// The core has stopped.
#[derive(Debug)]
pub struct Gone;

impl Handle {
    /// Runs `work` on the core and answers what it returns.
    pub async fn run<T, W>(&self, work: W) -> Result<T, Gone>
    where
        T: Send + 'static,
        W: for<'a> FnOnce(&'a mut Core) -> LocalBoxFuture<'a, T> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |core| {
            Box::pin(async move {
                let _ = answer.send(work(core).await);
            })
        });
        self.jobs.send(job).map_err(|_| Gone)?;
        answered.await.map_err(|_| Gone)
    }
}

/// Starts the core on a thread of its own.
pub fn start(options: Options) -> Handle {
    let (jobs, queue) = mpsc::unbounded_channel::<Job>();
    let (events, _) = broadcast::channel(64);
    let core_events = events.clone();
    std::thread::spawn(move || {
        // The client is not `Send`: the core is made on the thread that runs it.
        let core = Core {
            options,
            events: core_events,
            desk: None,
            locked: false,
            flash: None,
            last_seen: Instant::now(),
        };
        actix_rt::System::new().block_on(run(core, queue));
    });
    Handle { jobs, events }
}

async fn next_frame(
    socket: &mut Option<Socket>,
) -> Option<Result<Option<ServerFrame>, ClientError>> {
    match socket {
        Some(socket) => Some(socket.next_frame().await),
        None => std::future::pending().await,
    }
}

async fn run(mut core: Core, mut jobs: mpsc::UnboundedReceiver<Job>) {
    let mut socket: Option<Socket> = None;
    let mut retry = tokio::time::interval(RECONNECT_EVERY);
    let mut connect_now = true;
    loop {
        if socket.is_none() && connect_now {
            connect_now = false;
            if let Some(desk) = core.desk.as_mut() {
                socket = desk.connect().await;
            }
        }
        tokio::select! {
            job = jobs.recv() => {
                let Some(job) = job else { break };
                let was_open = core.desk.is_some();
                job(&mut core).await;
                if !was_open && core.desk.is_some() {
                    connect_now = true;
                }
            }
            frame = next_frame(&mut socket) => match frame {
                Some(Ok(Some(frame))) => {
                    if let (Some(desk), Some(open)) = (core.desk.as_mut(), socket.as_mut()) {
                        let event = desk.frame(frame, open).await;
                        if let Some(event) = event {
                            let _ = core.events.send(event);
                        }
                    }
                }
                _ => socket = None,
            },
            _ = retry.tick(), if socket.is_none() => connect_now = true,
        }
    }
}

impl Core {
    /// Notes a request from the page: after the idle time, the desk is locked first. The page
    /// reading itself again on a live event is no sign of the worker (`by_worker` false).
    pub fn seen(&mut self, by_worker: bool) {
        if self.desk.is_some() && self.last_seen.elapsed() > self.options.idle {
            self.locked = true;
        }
        if by_worker {
            self.last_seen = Instant::now();
        }
    }

    pub fn has_state(&self) -> bool {
        self.options.state.exists()
    }

    /// The unlocked desk, for pages that need one.
    pub fn open(&mut self) -> Option<&mut Open> {
        if self.locked {
            return None;
        }
        self.desk.as_mut()
    }

    pub fn changed(&self) {
        let _ = self.events.send(Event::Changed);
    }

    /// First run: redeems the invite, publishes this device's keys, writes the state file.
    pub async fn enrol(
        &mut self,
        server: String,
        code: String,
        handle: String,
        languages: Vec<String>,
        passphrase: String,
    ) -> Result<(), Refusal> {
        if self.has_state() {
            return Err(Refusal::Say("error-already-enrolled"));
        }
        let invite = AcceptInvite {
            code: code.into(),
            handle,
            passphrase: passphrase.clone().into(),
            languages,
            device_name: "desk".into(),
        };
        let client = Client::accept_invite(server.trim_end_matches('/'), invite).await?;
        client.save(&self.options.state, &passphrase).await?;
        self.options.server = server;
        self.desk = Some(Open::start(client, self.options.state.clone(), passphrase).await?);
        self.locked = false;
        Ok(())
    }

    /// Opens the state file with the passphrase (or, when the desk is only locked, checks it).
    pub async fn unlock(&mut self, passphrase: String) -> Result<(), Refusal> {
        let sealed =
            std::fs::read(&self.options.state).map_err(|_| Refusal::Say("error-no-state"))?;
        let check = passphrase.clone();
        let opened = tokio::task::spawn_blocking(move || vault::open(&sealed, &check).is_ok())
            .await
            .unwrap_or(false);
        if !opened {
            return Err(Refusal::Say("error-wrong-passphrase"));
        }
        if self.desk.is_none() {
            let client = Client::load(&self.options.state, &passphrase).await?;
            self.desk = Some(Open::start(client, self.options.state.clone(), passphrase).await?);
        }
        self.locked = false;
        Ok(())
    }
}

impl Open {
    async fn start(
        client: Client,
        state: PathBuf,
        passphrase: String,
    ) -> Result<Open, ClientError> {
        let mut open = Open {
            state,
            profile: client.worker_profile().await?,
            availability: client.availability().await?,
            client,
            passphrase,
            mine: Vec::new(),
            queue: Vec::new(),
            numbers: BTreeMap::new(),
            lines: HashMap::new(),
            changed_identity: BTreeSet::new(),
            handoffs: HashMap::new(),
            summaries: HashMap::new(),
            alerts: VecDeque::new(),
            colleagues: Vec::new(),
            partners: None,
            replies: None,
            bundle_keys: None,
            cards: None,
            workers_only: None,
        };
        open.fresh().await?;
        open.refresh().await?;
        Ok(open)
    }

    async fn connect(&mut self) -> Option<Socket> {
        self.fresh().await.ok()?;
        self.client.connect().await.ok()
    }

    /// Saves the state file (sessions, keys and tokens) after a change.
    pub async fn save(&self) -> Result<(), ClientError> {
        self.client.save(&self.state, &self.passphrase).await
    }

    /// Exchanges the refresh token shortly before the access token expires (and saves the new
    /// pair: a refresh token is good once).
    pub async fn fresh(&mut self) -> Result<(), ClientError> {
        if self.client.refresh_if_expiring(REFRESH_AHEAD).await? {
            self.save().await?;
        }
        Ok(())
    }

    /// Reads the worker's conversations and the queue again.
    pub async fn refresh(&mut self) -> Result<(), ClientError> {
        self.mine = self.client.conversations().await?;
        self.queue = self.client.waiting().await?;
        self.availability = self.client.availability().await?;
        for id in self.mine.iter().map(|c| c.id.clone()).collect::<Vec<_>>() {
            self.number(&id);
        }
        Ok(())
    }

    pub fn number(&mut self, conversation_id: &str) -> usize {
        let next = self.numbers.len() + 1;
        *self
            .numbers
            .entry(conversation_id.to_string())
            .or_insert(next)
    }

    pub fn conversation(&self, id: &str) -> Option<&Conversation> {
        self.mine.iter().find(|c| c.id == id)
    }

    fn alert(&mut self, message: &'static str, values: Vec<(&'static str, String)>) {
        self.alerts.push_front(Alert {
            message,
            values,
            waiting: None,
        });
        self.alerts.truncate(ALERTS_KEPT);
    }

    /// Someone took a waiting conversation: its announcement has done its work.
    pub fn taken(&mut self, conversation_id: &str) {
        self.alerts
            .retain(|alert| alert.waiting.as_deref() != Some(conversation_id));
    }

    /// Sends `text` to the conversation's seeker; a changed safety number stops it until the
    /// worker accepts the new one.
    pub async fn send(&mut self, conversation_id: &str, text: &str) -> Result<(), Refusal> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Refusal::Say("error-empty"));
        }
        let seeker = self
            .conversation(conversation_id)
            .map(|c| c.seeker.0.clone())
            .ok_or(Refusal::Say("error-not-yours"))?;
        if self.changed_identity.contains(&seeker) {
            return Err(Refusal::Say("safety-blocks-sending"));
        }
        self.fresh().await?;
        let sent = self.client.send_text(&seeker, text.as_bytes()).await;
        self.save().await?;
        match sent {
            Ok(_) => {
                self.lines
                    .entry(conversation_id.to_string())
                    .or_default()
                    .push(Line {
                        mine: true,
                        text: text.to_string(),
                        at: jiff::Timestamp::now().as_second(),
                        callback: false,
                    });
                Ok(())
            }
            Err(ClientError::IdentityChanged { account_id, .. }) => {
                self.changed_identity.insert(account_id);
                Err(Refusal::Say("safety-blocks-sending"))
            }
            Err(error) => Err(error.into()),
        }
    }

    /// The worker compared and accepts the seeker's new safety number.
    pub async fn accept_identity(&mut self, conversation_id: &str) -> Result<(), Refusal> {
        let seeker = self
            .conversation(conversation_id)
            .map(|c| c.seeker.0.clone())
            .ok_or(Refusal::Say("error-not-yours"))?;
        if self.changed_identity.remove(&seeker) {
            self.client.accept_new_identity(&seeker).await?;
            self.save().await?;
        }
        Ok(())
    }

    /// Asks the seeker whether a summary may go to whoever takes the conversation over.
    pub async fn ask_handoff(&mut self, conversation_id: &str) -> Result<(), Refusal> {
        self.fresh().await?;
        self.client.ask_handoff(conversation_id).await?;
        self.handoffs
            .insert(conversation_id.to_string(), Handoff::Asked);
        Ok(())
    }

    /// Hands a conversation to a colleague (or back to the queue with `None`), with the summary
    /// the seeker allowed, if any: it goes to the colleague once they have it.
    pub async fn transfer(
        &mut self,
        conversation_id: &str,
        to: HandOver,
        summary: Option<String>,
    ) -> Result<(), Refusal> {
        let to = match to {
            HandOver::Colleague(account) => Some(account),
            HandOver::Queue => None,
        };
        let summary = summary
            .filter(|text| !text.trim().is_empty())
            .filter(|_| self.handoffs.get(conversation_id) == Some(&Handoff::Granted));
        if summary.is_some() && to.is_none() {
            return Err(Refusal::Say("handoff-needs-colleague"));
        }
        let handle = to.as_ref().and_then(|to| {
            self.colleagues
                .iter()
                .find(|c| c.account_id == *to)
                .map(|c| c.handle.clone())
        });
        self.fresh().await?;
        self.client.transfer(conversation_id, to.clone()).await?;
        if let (Some(text), Some(colleague)) = (summary, &to) {
            let summary = quietline_protocol::relay::HandoffSummary {
                conversation_id: conversation_id.to_string(),
                text: text.trim().to_string(),
            };
            let sent = self.client.send_summary(&colleague.0, &summary).await;
            self.save().await?;
            sent?;
            self.handoffs.remove(conversation_id);
        }
        let number = self.number(conversation_id).to_string();
        match handle {
            Some(handle) => self.alert("alert-moved", vec![("number", number), ("handle", handle)]),
            None => self.alert("alert-requeued", vec![("number", number)]),
        }
        self.refresh().await?;
        Ok(())
    }

    /// The lead adds a colleague as a supporting worker, or takes one out (`add` false); a
    /// supporter takes themselves out.
    pub async fn support(
        &mut self,
        conversation_id: &str,
        worker: quietline_protocol::AccountId,
        add: bool,
    ) -> Result<(), Refusal> {
        self.fresh().await?;
        if add {
            self.client.add_supporter(conversation_id, worker).await?;
        } else {
            self.client
                .remove_supporter(conversation_id, &worker)
                .await?;
        }
        self.refresh().await?;
        Ok(())
    }

    /// Whether this worker leads the conversation.
    pub fn leads(&self, conversation: &Conversation) -> bool {
        conversation
            .lead
            .as_ref()
            .is_some_and(|lead| lead.0 == self.client.account_id())
    }

    pub async fn colleagues(&mut self) -> Result<&[Colleague], ClientError> {
        self.colleagues = self.client.colleagues().await?;
        Ok(&self.colleagues)
    }

    pub async fn partners(&mut self) -> Result<&[Partner], ClientError> {
        if self.partners.is_none() {
            self.partners = Some(self.client.partners().await?);
        }
        Ok(self.partners.as_deref().unwrap_or_default())
    }

    /// The organisation's canned replies in one of the conversation's languages.
    pub async fn replies_for(
        &mut self,
        languages: &[String],
    ) -> Result<Vec<CannedReply>, ClientError> {
        if self.replies.is_none() {
            self.replies = Some(self.client.canned_replies().await?);
        }
        let primary = |tag: &str| tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
        let wanted: Vec<String> = languages.iter().map(|l| primary(l)).collect();
        Ok(self
            .replies
            .iter()
            .flatten()
            .filter(|reply| !reply.deleted && wanted.contains(&primary(&reply.language)))
            .cloned()
            .collect())
    }

    /// The organisation's published cards in the conversation's languages and region, from
    /// the signed bundle verified here.
    pub async fn cards_for(
        &mut self,
        conversation: &Conversation,
    ) -> Result<Vec<ServedCard>, ClientError> {
        let organisation = conversation.organisation_id.as_str().to_string();
        if self.bundle_keys.is_none() {
            self.bundle_keys = Some(self.client.card_bundle_keys(&organisation).await?);
        }
        let keys = self.bundle_keys.clone().unwrap_or_default();
        let mut locales: Vec<&str> = conversation.languages.iter().map(String::as_str).collect();
        locales.extend(self.profile.languages.iter().map(String::as_str));
        let asked = format!(
            "{organisation}|{}|{}",
            locales.join(","),
            conversation.region.as_deref().unwrap_or_default()
        );
        if let Some(cards) = Kept::fresh(&self.cards, &asked) {
            return Ok(cards);
        }
        let bundle = self
            .client
            .card_bundle(
                &organisation,
                &locales,
                conversation.region.as_deref(),
                &keys,
                jiff::Timestamp::now().as_second(),
            )
            .await?;
        self.cards = Some(Kept::new(asked, bundle.payload.cards.clone()));
        Ok(bundle.payload.cards)
    }

    /// What the organisation tells its workers only about its cards (a confidential address, a
    /// contact person), by card id: never part of what is shared with the person.
    pub async fn workers_only_for(
        &mut self,
        conversation: &Conversation,
    ) -> Result<Vec<(String, WorkersOnly)>, ClientError> {
        let organisation = conversation.organisation_id.as_str().to_string();
        let locales: Vec<&str> = self.profile.languages.iter().map(String::as_str).collect();
        let asked = format!("{organisation}|{}", locales.join(","));
        if let Some(details) = Kept::fresh(&self.workers_only, &asked) {
            return Ok(details);
        }
        let details: Vec<(String, WorkersOnly)> = self
            .client
            .card_listing(&organisation, &locales)
            .await?
            .into_iter()
            .filter_map(|card| Some((card.id, card.workers_only?)))
            .filter(|(_, details)| {
                details.confidential_address.is_some() || details.contact_person.is_some()
            })
            .collect();
        self.workers_only = Some(Kept::new(asked, details.clone()));
        Ok(details)
    }

    async fn receive(&mut self, envelope: &Envelope, socket: &mut Socket) -> Option<Event> {
        // A new identity is read at once (the person is waiting), but replies wait until the
        // worker accepts it.
        let opened = self.client.open_noting_new_identity(envelope).await;
        if let Ok((received, true)) = &opened {
            self.changed_identity.insert(received.from_account.clone());
        }
        let _ = socket.acknowledge(vec![envelope.id]).await;
        let _ = self.save().await;
        let received = match opened {
            Ok((received, _)) => received,
            Err(_) => {
                self.alert("alert-unreadable", Vec::new());
                return Some(Event::Changed);
            }
        };
        if received.summary {
            return self.received_summary(&received).await;
        }
        if self.conversation_of(&received.from_account).is_none() {
            let _ = self.refresh().await;
        }
        let conversation = self.conversation_of(&received.from_account)?;
        let (text, callback) = match received.callback_request() {
            Some(details) => (
                [Some(details.window), details.note]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" — "),
                true,
            ),
            None => (
                String::from_utf8_lossy(&received.plaintext).into_owned(),
                false,
            ),
        };
        self.lines.entry(conversation).or_default().push(Line {
            mine: false,
            text,
            at: jiff::Timestamp::now().as_second(),
            callback,
        });
        Some(Event::Changed)
    }

    /// A colleague passed on what the seeker allowed: kept with its conversation.
    async fn received_summary(
        &mut self,
        received: &quietline_protocol::client::Received,
    ) -> Option<Event> {
        let summary = received.handoff_summary()?;
        let from = match self.colleagues().await {
            Ok(colleagues) => colleagues
                .iter()
                .find(|c| c.account_id.0 == received.from_account)
                .map(|c| c.handle.clone()),
            Err(_) => None,
        }
        .unwrap_or_default();
        let _ = self.refresh().await;
        let number = self.number(&summary.conversation_id).to_string();
        self.summaries
            .entry(summary.conversation_id)
            .or_default()
            .push(Summary {
                from: from.clone(),
                text: summary.text,
                at: jiff::Timestamp::now().as_second(),
            });
        self.alert("alert-summary", vec![("number", number), ("handle", from)]);
        Some(Event::Changed)
    }

    fn conversation_of(&self, seeker: &str) -> Option<String> {
        self.mine
            .iter()
            .find(|c| c.seeker.0 == seeker)
            .map(|c| c.id.clone())
    }

    fn describe(&self, id: &str) -> Vec<(&'static str, String)> {
        let number = self.numbers.get(id).copied().unwrap_or_default();
        vec![("number", number.to_string())]
    }

    /// What a frame from the server changes; the event to tell the page.
    async fn frame(&mut self, frame: ServerFrame, socket: &mut Socket) -> Option<Event> {
        match frame {
            ServerFrame::Envelope { envelope } => self.receive(&envelope, socket).await,
            ServerFrame::PreKeysLow { .. } => {
                if self.client.replenish().await.is_ok() {
                    let _ = self.save().await;
                }
                None
            }
            ServerFrame::ConversationWaiting { conversation_id } => {
                let _ = self.refresh().await;
                if let Some(waiting) = self.queue.iter().find(|w| w.id == conversation_id) {
                    let languages = waiting.languages.join(", ");
                    self.alerts.push_front(Alert {
                        message: "alert-waiting",
                        values: vec![("languages", languages)],
                        waiting: Some(conversation_id),
                    });
                    self.alerts.truncate(ALERTS_KEPT);
                }
                Some(Event::Waiting)
            }
            ServerFrame::ConversationClaimed {
                conversation_id, ..
            } => {
                self.taken(&conversation_id);
                let _ = self.refresh().await;
                Some(Event::Changed)
            }
            ServerFrame::WorkersChanged {
                conversation_id,
                workers,
                handles,
            } => {
                let had = self.conversation(&conversation_id).is_some();
                let _ = self.refresh().await;
                let has = self.conversation(&conversation_id).is_some();
                let number = self.number(&conversation_id).to_string();
                let mine = workers.iter().any(|w| *w == self.client.account_id());
                if has && mine && !had {
                    self.alert("alert-handed-to-you", vec![("number", number)]);
                } else if had && !has {
                    let handle = handles.first().cloned().unwrap_or_default();
                    self.alert("alert-moved", vec![("number", number), ("handle", handle)]);
                }
                Some(Event::Changed)
            }
            ServerFrame::ReferralAnswered {
                conversation_id,
                accepted,
            } => {
                let partner = self
                    .conversation(&conversation_id)
                    .and_then(|c| c.referral.as_ref())
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                let mut values = self.describe(&conversation_id);
                values.push(("partner", partner));
                let message = if accepted {
                    "alert-referral-accepted"
                } else {
                    "alert-referral-declined"
                };
                self.alert(message, values);
                let _ = self.refresh().await;
                Some(Event::Changed)
            }
            ServerFrame::HandoffConsentAnswered {
                conversation_id,
                granted,
            } => {
                // Only the desk that asked acts on the answer (supporters hear it too).
                if self.handoffs.get(&conversation_id) != Some(&Handoff::Asked) {
                    return None;
                }
                let state = if granted {
                    Handoff::Granted
                } else {
                    Handoff::Declined
                };
                self.handoffs.insert(conversation_id.clone(), state);
                let values = self.describe(&conversation_id);
                let message = if granted {
                    "alert-handoff-yes"
                } else {
                    "alert-handoff-no"
                };
                self.alert(message, values);
                Some(Event::Changed)
            }
            ServerFrame::IdentityChanged { account_id } => {
                // Their old phone is gone: replies wait until the worker accepts the new one.
                self.client.peer_identity_changed(&account_id);
                self.changed_identity.insert(account_id.clone());
                if let Some(conversation) = self.conversation_of(&account_id) {
                    let values = self.describe(&conversation);
                    self.alert("alert-new-phone", values);
                }
                Some(Event::Changed)
            }
            ServerFrame::ConversationEnded { conversation_id } => {
                let values = self.describe(&conversation_id);
                self.alert("alert-ended", values);
                let _ = self.refresh().await;
                Some(Event::Changed)
            }
            ServerFrame::DisappearingTimer { .. } => {
                let _ = self.refresh().await;
                Some(Event::Changed)
            }
            _ => None,
        }
    }
}
