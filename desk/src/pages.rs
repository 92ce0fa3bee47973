//! The desk's pages: each is rendered on the core from what this device decrypted, through
//! compiled templates and the desk's words; each form posts one change and comes back.

use crate::App;
use crate::core::{Core, HandOver, Handoff, Open, Refusal};
use crate::guard::Form;
use crate::words::Text;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use quietline_protocol::AccountId;
use quietline_protocol::api::{Conversation, OUTCOMES, TIMERS, fill_placeholders};
use std::collections::HashMap;

/// Sent by the page's script when it reads itself again after a live event.
const LIVE_HEADER: &str = "x-desk-live";

/// What a page job answers.
pub enum Page {
    Html(String),
    Redirect(String),
    NotFound,
}

impl Page {
    fn respond(self) -> HttpResponse {
        match self {
            Page::Html(html) => HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(html),
            Page::Redirect(to) => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, to))
                .finish(),
            Page::NotFound => HttpResponse::NotFound()
                .content_type("text/plain; charset=utf-8")
                .body("Not found."),
        }
    }
}

fn html(template: &impl Template) -> Page {
    match template.render() {
        Ok(html) => Page::Html(html),
        Err(error) => {
            tracing::error!(%error, "a desk page could not be rendered");
            Page::NotFound
        }
    }
}

/// The request's language preference and the page's CSRF token, carried to the core.
#[derive(Clone)]
pub struct Context {
    app: web::Data<App>,
    accept: String,
    /// The page's own live refresh, not the worker.
    live: bool,
}

impl Context {
    fn of(app: &web::Data<App>, request: &HttpRequest) -> Context {
        let accept = request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        Context {
            app: app.clone(),
            accept,
            live: request.headers().contains_key(LIVE_HEADER),
        }
    }
}

/// What every page shows around its content.
pub struct Frame<'a> {
    pub t: &'a Text<'a>,
    pub csrf: &'a str,
    pub signed_in: Option<String>,
    pub alerts: Vec<String>,
    pub flash: Option<String>,
    /// After this long without the worker, the page shows the lock (the desk asks again).
    pub idle_seconds: u64,
}

fn frame<'a>(core: &mut Core, t: &'a Text<'a>, csrf: &'a str) -> Frame<'a> {
    let flash = core.flash.take().map(|refusal| match refusal {
        Refusal::Say(id) => t.get(id),
        Refusal::Server(message) => message,
    });
    let (signed_in, alerts) = match core.open() {
        Some(open) => (
            Some(t.with("signed-in-as", &[("handle", &open.profile.handle)])),
            open.alerts
                .iter()
                .map(|alert| {
                    let values: Vec<(&str, &str)> =
                        alert.values.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    t.with(alert.message, &values)
                })
                .collect(),
        ),
        None => (None, Vec::new()),
    };
    Frame {
        t,
        csrf,
        signed_in,
        alerts,
        flash,
        idle_seconds: core.options.idle.as_secs(),
    }
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage<'a> {
    frame: Frame<'a>,
    title: String,
    server: String,
}

#[derive(Template)]
#[template(path = "unlock.html")]
struct UnlockPage<'a> {
    frame: Frame<'a>,
    title: String,
}

struct QueueRow {
    id: String,
    languages: String,
    region: String,
    topic: String,
    waiting: String,
    yours: bool,
    claim_label: String,
    /// A callback request.
    callback: bool,
}

struct MineRow {
    id: String,
    label: String,
    details: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    frame: Frame<'a>,
    title: String,
    availability_now: String,
    available: bool,
    max_active: String,
    queue: Vec<QueueRow>,
    mine: Vec<MineRow>,
}

struct LineRow {
    mine: bool,
    who: String,
    text: String,
    time: String,
    /// A callback request: what it says before its text.
    callback: Option<String>,
}

struct NoteRow {
    text: String,
    by: String,
}

struct ReplyForm {
    id: String,
    body: String,
    placeholders: Vec<String>,
}

#[derive(Template)]
#[template(path = "conversation.html")]
struct ConversationPage<'a> {
    frame: Frame<'a>,
    title: String,
    details: String,
    id: String,
    safety_changed: bool,
    safety_numbers: Vec<String>,
    /// The seeker writes from the web entry's page: there is no safety number to compare.
    from_a_page: bool,
    timer_now: String,
    lines: Vec<LineRow>,
    replies: Vec<(String, String, bool)>,
    chosen_reply: Option<ReplyForm>,
    cards: Vec<(String, String)>,
    /// For the worker only: a card's title, confidential address and contact person.
    workers_only: Vec<(String, String, String)>,
    notes: Vec<NoteRow>,
    timer_options: Vec<(String, String, bool)>,
    referral_pending: Option<String>,
    partners: Vec<(String, String, bool)>,
    outcomes: Vec<(String, String)>,
    /// This worker leads the conversation (else supports it).
    leads: bool,
    /// For a supporter: whom they support.
    lead: String,
    /// Supporting workers: account id, handle, and the label of the button that takes them out.
    supporters: Vec<(String, String, String)>,
    /// This worker's account id.
    own_id: String,
    /// Colleagues the lead may add as supporters: account id and handle.
    may_support: Vec<(String, String)>,
    /// Where a hand-off request stands, for the person at the desk.
    handoff: Option<String>,
    /// The lead may ask (again).
    may_ask_handoff: bool,
    /// Summaries colleagues passed on: who and when, and what.
    summaries: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "transfer.html")]
struct TransferPage<'a> {
    frame: Frame<'a>,
    title: String,
    id: String,
    colleagues: Vec<(String, String, bool)>,
    /// The seeker said yes to a hand-off summary.
    summary_allowed: bool,
}

fn local_time(at: i64) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::system())
                .strftime("%H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

fn details(conversation: &Conversation) -> String {
    let mut parts = vec![conversation.languages.join(", ")];
    parts.extend(conversation.region.clone());
    parts.extend(conversation.topic.clone());
    parts.join(" · ")
}

fn timer_label(t: &Text<'_>, seconds: Option<u64>) -> String {
    match seconds {
        None => t.get("timer-none"),
        Some(s) => t.get(&format!("timer-{s}")),
    }
}

/// The page for a desk that is not open: set-up on first run, else the passphrase.
fn closed_page(core: &mut Core, t: &Text<'_>, csrf: &str) -> Option<Page> {
    if !core.has_state() {
        let server = core.options.server.clone();
        return Some(html(&SetupPage {
            title: t.get("setup-title"),
            server,
            frame: frame(core, t, csrf),
        }));
    }
    if core.open().is_none() {
        return Some(html(&UnlockPage {
            title: t.get("unlock-title"),
            frame: frame(core, t, csrf),
        }));
    }
    None
}

async fn home_page(core: &mut Core, t: &Text<'_>, csrf: &str) -> Page {
    if let Some(page) = closed_page(core, t, csrf) {
        return page;
    }
    let Some(open) = core.open() else {
        return Page::NotFound;
    };
    if open.fresh().await.is_ok() {
        let _ = open.refresh().await;
    }
    let availability = &open.availability;
    let availability_now = match (availability.available, availability.max_active) {
        (false, _) => t.get("availability-away"),
        (true, None) => t.count("availability-on", "active", availability.active.into()),
        (true, Some(max)) => t.with(
            "availability-on-limit",
            &[
                ("active", &availability.active.to_string()),
                ("max", &max.to_string()),
            ],
        ),
    };
    let available = availability.available;
    let max_active = availability
        .max_active
        .map(|m| m.to_string())
        .unwrap_or_default();
    let queue = open
        .queue
        .iter()
        .map(|w| {
            let languages = w.languages.join(", ");
            QueueRow {
                id: w.id.clone(),
                claim_label: t.with("claim-label", &[("languages", &languages)]),
                languages,
                region: w.region.clone().unwrap_or_default(),
                topic: w.topic.clone().unwrap_or_default(),
                waiting: t.count("waiting-minutes", "minutes", w.waiting_seconds / 60),
                yours: w.speaks_language,
                callback: w.callback,
            }
        })
        .collect();
    let conversations = open.mine.clone();
    let mine = conversations
        .iter()
        .map(|c| MineRow {
            id: c.id.clone(),
            label: t.with(
                "conversation-number",
                &[("number", &open.number(&c.id).to_string())],
            ),
            details: details(c),
        })
        .collect();
    html(&HomePage {
        title: t.get("home-title"),
        availability_now,
        available,
        max_active,
        queue,
        mine,
        frame: frame(core, t, csrf),
    })
}

async fn conversation_page(
    core: &mut Core,
    t: &Text<'_>,
    csrf: &str,
    id: &str,
    reply: Option<String>,
) -> Page {
    if let Some(page) = closed_page(core, t, csrf) {
        return page;
    }
    let Some(open) = core.open() else {
        return Page::NotFound;
    };
    if open.fresh().await.is_ok() {
        let _ = open.refresh().await;
    }
    let Some(conversation) = open.conversation(id).cloned() else {
        return Page::Redirect("/".into());
    };
    let seeker = conversation.seeker.0.clone();
    let number = open.number(id);
    let now = jiff::Timestamp::now().as_second();
    let keep = conversation
        .disappearing_seconds
        .and_then(|s| i64::try_from(s).ok());
    let lines: Vec<LineRow> = open
        .lines
        .get(id)
        .into_iter()
        .flatten()
        .filter(|line| keep.is_none_or(|keep| now - line.at < keep))
        .map(|line| LineRow {
            mine: line.mine,
            who: if line.mine {
                t.get("line-you")
            } else {
                t.get("line-seeker")
            },
            text: line.text.clone(),
            time: local_time(line.at),
            callback: line.callback.then(|| t.get("line-callback")),
        })
        .collect();
    let from_a_page = open.client.writes_from_a_page(&seeker);
    let safety_numbers = open
        .client
        .safety_numbers(&seeker)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(_, number)| number)
        .collect();
    let replies_all = open
        .replies_for(&conversation.languages)
        .await
        .unwrap_or_default();
    let chosen_reply = reply
        .as_deref()
        .and_then(|wanted| replies_all.iter().find(|r| r.id == wanted))
        .map(|r| ReplyForm {
            id: r.id.clone(),
            body: r.body.clone(),
            placeholders: r.placeholders.clone(),
        });
    let replies = replies_all
        .iter()
        .map(|r| {
            (
                r.id.clone(),
                r.title.clone(),
                reply.as_deref() == Some(&r.id),
            )
        })
        .collect();
    let cards = open
        .cards_for(&conversation)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|card| (card.id, card.title))
        .collect::<Vec<_>>();
    let workers_only = open
        .workers_only_for(&conversation)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(id, details)| {
            let (_, title) = cards.iter().find(|(card, _)| *card == id)?;
            Some((
                title.clone(),
                details.confidential_address.unwrap_or_default(),
                details.contact_person.unwrap_or_default(),
            ))
        })
        .collect();
    let notes = match open.client.case_notes(id).await {
        Ok(notes) => notes
            .into_iter()
            .map(|note| NoteRow {
                text: note.text.unwrap_or_else(|| t.get("notes-unreadable")),
                by: t.with(
                    "notes-by",
                    &[
                        ("handle", &note.author_handle),
                        ("time", &local_time(note.written_at)),
                    ],
                ),
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let current = conversation.disappearing_seconds;
    let mut timer_options: Vec<(String, String, bool)> = TIMERS
        .iter()
        .filter(|s| current.is_none_or(|c| **s <= c))
        .map(|s| (s.to_string(), timer_label(t, Some(*s)), current == Some(*s)))
        .collect();
    if current.is_none() {
        timer_options.insert(0, (String::new(), timer_label(t, None), true));
    }
    let referral_pending = conversation
        .referral
        .as_ref()
        .map(|partner| t.with("referral-pending", &[("partner", &partner.name)]));
    let partners = open
        .partners()
        .await
        .map(|partners| {
            partners
                .iter()
                .map(|p| {
                    (
                        p.organisation_id.as_str().to_string(),
                        p.name.clone(),
                        p.mutual,
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let outcomes = OUTCOMES
        .iter()
        .map(|o| (o.to_string(), t.get(&format!("outcome-{o}"))))
        .collect();
    let safety_changed = open.changed_identity.contains(&seeker);
    let leads = open.leads(&conversation);
    let own = open.client.account_id().to_string();
    let handles: Vec<(String, String)> = conversation
        .workers
        .iter()
        .map(|w| w.0.clone())
        .zip(conversation.worker_handles.iter().cloned())
        .collect();
    let lead_id = conversation.lead.as_ref().map(|l| l.0.clone());
    let lead_handle = handles
        .iter()
        .find(|(id, _)| Some(id) == lead_id.as_ref())
        .map(|(_, handle)| handle.clone())
        .unwrap_or_default();
    let lead = t.with("team-you-support", &[("handle", &lead_handle)]);
    let supporters: Vec<(String, String, String)> = handles
        .iter()
        .filter(|(id, _)| Some(id) != lead_id.as_ref())
        .map(|(id, handle)| {
            let label = t.with("team-remove-label", &[("handle", handle)]);
            (id.clone(), handle.clone(), label)
        })
        .collect();
    let may_support = if leads && supporters.len() < quietline_protocol::api::MAX_SUPPORTERS {
        open.colleagues()
            .await
            .map(|colleagues| {
                colleagues
                    .iter()
                    .filter(|c| {
                        c.account_id.0 != own
                            && !handles.iter().any(|(id, _)| *id == c.account_id.0)
                    })
                    .map(|c| (c.account_id.0.clone(), c.handle.clone()))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let handoff_state = open.handoffs.get(id).copied();
    let handoff = handoff_state.map(|state| {
        t.get(match state {
            Handoff::Asked => "handoff-asked",
            Handoff::Granted => "handoff-granted",
            Handoff::Declined => "handoff-declined",
        })
    });
    let may_ask_handoff =
        leads && !from_a_page && matches!(handoff_state, None | Some(Handoff::Declined));
    let summaries = open
        .summaries
        .get(id)
        .into_iter()
        .flatten()
        .map(|summary| {
            (
                t.with(
                    "handoff-summary-from",
                    &[("handle", &summary.from), ("time", &local_time(summary.at))],
                ),
                summary.text.clone(),
            )
        })
        .collect();
    html(&ConversationPage {
        own_id: own.clone(),
        leads,
        lead,
        supporters,
        may_support,
        handoff,
        may_ask_handoff,
        summaries,
        title: t.with("conversation-number", &[("number", &number.to_string())]),
        details: details(&conversation),
        id: id.to_string(),
        safety_changed,
        safety_numbers,
        from_a_page,
        timer_now: t.with("timer-now", &[("timer", &timer_label(t, current))]),
        lines,
        replies,
        chosen_reply,
        cards,
        workers_only,
        notes,
        timer_options,
        referral_pending,
        partners,
        outcomes,
        frame: frame(core, t, csrf),
    })
}

async fn transfer_page(core: &mut Core, t: &Text<'_>, csrf: &str, id: &str) -> Page {
    if let Some(page) = closed_page(core, t, csrf) {
        return page;
    }
    let Some(open) = core.open() else {
        return Page::NotFound;
    };
    let Some(number) = open.conversation(id).is_some().then(|| open.number(id)) else {
        return Page::Redirect("/".into());
    };
    let own = open.client.account_id().to_string();
    let colleagues = open
        .colleagues()
        .await
        .map(|colleagues| {
            colleagues
                .iter()
                .filter(|c| c.account_id.0 != own)
                .map(|c| {
                    let label = if c.can_take {
                        t.with(
                            "transfer-colleague",
                            &[
                                ("handle", &c.handle),
                                ("languages", &c.languages.join(", ")),
                            ],
                        )
                    } else {
                        t.with("transfer-colleague-busy", &[("handle", &c.handle)])
                    };
                    (c.account_id.0.clone(), label, c.can_take)
                })
                .collect()
        })
        .unwrap_or_default();
    let summary_allowed = open.handoffs.get(id) == Some(&Handoff::Granted);
    html(&TransferPage {
        title: t.with("transfer-title", &[("number", &number.to_string())]),
        id: id.to_string(),
        colleagues,
        summary_allowed,
        frame: frame(core, t, csrf),
    })
}

/// GET / — set-up, unlock, or the queue and the worker's conversations.
pub async fn home(app: web::Data<App>, request: HttpRequest) -> HttpResponse {
    let context = Context::of(&app, &request);
    app.show(context, |core, context| {
        Box::pin(async move {
            let t = context.app.words.negotiate(&context.accept);
            home_page(core, &t, &context.app.session.csrf).await
        })
    })
    .await
}

#[derive(serde::Deserialize)]
pub struct ConversationQuery {
    reply: Option<String>,
}

/// GET /c/{id} — one conversation: what was said, notes, replies, cards and actions.
pub async fn conversation(
    app: web::Data<App>,
    request: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ConversationQuery>,
) -> HttpResponse {
    let context = Context::of(&app, &request);
    let id = path.into_inner();
    let reply = query.into_inner().reply;
    app.show(context, move |core, context| {
        Box::pin(async move {
            let t = context.app.words.negotiate(&context.accept);
            conversation_page(core, &t, &context.app.session.csrf, &id, reply).await
        })
    })
    .await
}

/// GET /c/{id}/transfer — the transfer dialog.
pub async fn transfer_dialog(
    app: web::Data<App>,
    request: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    let context = Context::of(&app, &request);
    let id = path.into_inner();
    app.show(context, move |core, context| {
        Box::pin(async move {
            let t = context.app.words.negotiate(&context.accept);
            transfer_page(core, &t, &context.app.session.csrf, &id).await
        })
    })
    .await
}

impl App {
    /// Runs a page on the core.
    async fn show<W>(&self, context: Context, work: W) -> HttpResponse
    where
        W: for<'a> FnOnce(&'a mut Core, Context) -> futures_util::future::LocalBoxFuture<'a, Page>
            + Send
            + 'static,
    {
        let page = self
            .core
            .run(move |core| {
                core.seen(!context.live);
                work(core, context)
            })
            .await;
        page.unwrap_or(Page::NotFound).respond()
    }

    /// Runs a change on the open desk; a refusal is shown on the page it comes back to.
    async fn change<W>(&self, back: String, work: W) -> HttpResponse
    where
        W: for<'a> FnOnce(
                &'a mut Open,
            ) -> futures_util::future::LocalBoxFuture<
                'a,
                Result<Option<String>, Refusal>,
            > + Send
            + 'static,
    {
        let to = self
            .core
            .run(move |core| {
                Box::pin(async move {
                    core.seen(true);
                    let Some(open) = core.open() else {
                        return "/".to_string();
                    };
                    if let Err(error) = open.fresh().await {
                        core.flash = Some(error.into());
                        return back;
                    }
                    let outcome = work(open).await;
                    core.changed();
                    match outcome {
                        Ok(to) => to.unwrap_or(back),
                        Err(refusal) => {
                            core.flash = Some(refusal);
                            back
                        }
                    }
                })
            })
            .await;
        Page::Redirect(to.unwrap_or_else(|_| "/".into())).respond()
    }
}

/// POST /enrol — first run: the invite, a handle, languages and a passphrase.
pub async fn enrol(app: web::Data<App>, form: Form) -> HttpResponse {
    let server = form.get("server").trim().to_string();
    let code = form.get("code").trim().to_string();
    let handle = form.get("handle").trim().to_string();
    let languages = form
        .get("languages")
        .split([',', ' '])
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let passphrase = form.get("passphrase").to_string();
    let _ = app
        .core
        .run(move |core| {
            Box::pin(async move {
                core.seen(true);
                if let Err(refusal) = core
                    .enrol(server, code, handle, languages, passphrase)
                    .await
                {
                    core.flash = Some(refusal);
                }
            })
        })
        .await;
    Page::Redirect("/".into()).respond()
}

/// POST /unlock — the passphrase opens the state file (or unlocks an idle desk).
pub async fn unlock(app: web::Data<App>, form: Form) -> HttpResponse {
    let passphrase = form.get("passphrase").to_string();
    let _ = app
        .core
        .run(move |core| {
            Box::pin(async move {
                core.seen(true);
                if let Err(refusal) = core.unlock(passphrase).await {
                    core.flash = Some(refusal);
                }
            })
        })
        .await;
    Page::Redirect("/".into()).respond()
}

/// POST /lock — asks for the passphrase before anything is shown again.
pub async fn lock(app: web::Data<App>, _form: Form) -> HttpResponse {
    let _ = app
        .core
        .run(|core| {
            Box::pin(async move {
                core.locked = core.desk.is_some();
            })
        })
        .await;
    Page::Redirect("/".into()).respond()
}

/// POST /availability — available (with an optional limit) or away.
pub async fn availability(app: web::Data<App>, form: Form) -> HttpResponse {
    let available = form.get("available") == "yes";
    let max_active = form.get("max_active").trim().parse::<u32>().ok();
    app.change("/".into(), move |open| {
        Box::pin(async move {
            open.availability = open.client.set_availability(available, max_active).await?;
            Ok(None)
        })
    })
    .await
}

/// POST /claim — takes a waiting conversation and opens it.
pub async fn claim(app: web::Data<App>, form: Form) -> HttpResponse {
    let id = form.get("conversation").to_string();
    app.change("/".into(), move |open| {
        Box::pin(async move {
            let conversation = open.client.claim(&id).await?;
            open.taken(&id);
            open.refresh().await?;
            open.number(&conversation.id);
            Ok(Some(format!("/c/{}", conversation.id)))
        })
    })
    .await
}

/// POST /c/{id}/send — a message, encrypted here.
pub async fn send(app: web::Data<App>, path: web::Path<String>, form: Form) -> HttpResponse {
    let id = path.into_inner();
    let text = form.get("text").to_string();
    app.change(format!("/c/{id}"), move |open| {
        Box::pin(async move {
            open.send(&id, &text).await?;
            Ok(None)
        })
    })
    .await
}

/// POST /c/{id}/reply — a canned reply, its placeholders filled in.
pub async fn reply(app: web::Data<App>, path: web::Path<String>, form: Form) -> HttpResponse {
    let id = path.into_inner();
    let reply_id = form.get("reply").to_string();
    let values: HashMap<String, String> = form
        .0
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("ph-")?.to_string(), v.trim().to_string())))
        .collect();
    app.change(format!("/c/{id}?reply={reply_id}"), move |open| {
        Box::pin(async move {
            let languages = open
                .conversation(&id)
                .map(|c| c.languages.clone())
                .ok_or(Refusal::Say("error-not-yours"))?;
            let replies = open.replies_for(&languages).await?;
            let reply = replies
                .iter()
                .find(|r| r.id == reply_id)
                .ok_or(Refusal::Say("error-no-reply"))?;
            let filled: HashMap<&str, &str> = values
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let text = fill_placeholders(&reply.body, &filled)
                .map_err(|_| Refusal::Say("error-placeholder"))?;
            open.send(&id, &text).await?;
            Ok(Some(format!("/c/{id}")))
        })
    })
    .await
}

/// POST /c/{id}/card — shares a card of the verified bundle, its risk disclosure first.
pub async fn card(app: web::Data<App>, path: web::Path<String>, form: Form) -> HttpResponse {
    let id = path.into_inner();
    let card_id = form.get("card").to_string();
    app.change(format!("/c/{id}"), move |open| {
        Box::pin(async move {
            let conversation = open
                .conversation(&id)
                .cloned()
                .ok_or(Refusal::Say("error-not-yours"))?;
            let cards = open.cards_for(&conversation).await?;
            let card = cards
                .iter()
                .find(|c| c.id == card_id)
                .ok_or(Refusal::Say("error-no-card"))?;
            open.send(&id, &card.shared_text()).await?;
            Ok(None)
        })
    })
    .await
}

/// POST /c/{id}/timer — shortens (or sets) the disappearing-message timer.
pub async fn timer(app: web::Data<App>, path: web::Path<String>, form: Form) -> HttpResponse {
    let id = path.into_inner();
    let seconds = form.get("seconds").parse::<u64>().ok();
    app.change(format!("/c/{id}"), move |open| {
        Box::pin(async move {
            open.client.set_timer(&id, seconds).await?;
            open.refresh().await?;
            Ok(None)
        })
    })
    .await
}

/// POST /c/{id}/trust — the worker accepts the seeker's new safety number.
pub async fn trust(app: web::Data<App>, path: web::Path<String>, _form: Form) -> HttpResponse {
    let id = path.into_inner();
    app.change(format!("/c/{id}"), move |open| {
        Box::pin(async move {
            open.accept_identity(&id).await?;
            Ok(None)
        })
    })
    .await
}

/// POST /c/{id}/transfer — to a colleague, or back to the queue.
pub async fn transfer(app: web::Data<App>, path: web::Path<String>, form: Form) -> HttpResponse {
    let id = path.into_inner();
    let to = match form.get("to") {
        "" => None,
        "queue" => Some(HandOver::Queue),
        account => Some(HandOver::Colleague(AccountId(account.to_string()))),
    };
    let summary = Some(form.get("summary").to_string());
    app.change(format!("/c/{id}/transfer"), move |open| {
        Box::pin(async move {
            let to = to.ok_or(Refusal::Say("error-choose"))?;
            open.transfer(&id, to, summary).await?;
            Ok(Some("/".into()))
        })
    })
    .await
}

/// POST /c/{id}/handoff — asks the seeker whether a summary may go to whoever takes over.
pub async fn handoff(app: web::Data<App>, path: web::Path<String>, _form: Form) -> HttpResponse {
    let id = path.into_inner();
    app.change(format!("/c/{id}"), move |open| {
        Box::pin(async move {
            open.ask_handoff(&id).await?;
            Ok(None)
        })
    })
    .await
}

/// POST /c/{id}/support — the lead adds a supporting worker (`add`) or takes one out
/// (`remove`); a supporter takes themselves out.
pub async fn support(app: web::Data<App>, path: web::Path<String>, form: Form) -> HttpResponse {
    let id = path.into_inner();
    let add = form.get("add").to_string();
    let remove = form.get("remove").to_string();
    app.change(format!("/c/{id}"), move |open| {
        Box::pin(async move {
            let (worker, adding) = match (add.is_empty(), remove.is_empty()) {
                (false, true) => (add, true),
                (true, false) => (remove, false),
                _ => return Err(Refusal::Say("error-choose")),
            };
            let leaving = worker == open.client.account_id();
            open.support(&id, AccountId(worker), adding).await?;
            Ok(leaving.then(|| "/".into()))
        })
    })
    .await
}

/// POST /c/{id}/refer — offers the seeker a partner organisation.
pub async fn refer(app: web::Data<App>, path: web::Path<String>, form: Form) -> HttpResponse {
    let id = path.into_inner();
    let partner_id = form.get("partner").to_string();
    app.change(format!("/c/{id}"), move |open| {
        Box::pin(async move {
            let partner = open
                .partners()
                .await?
                .iter()
                .find(|p| p.organisation_id.as_str() == partner_id)
                .cloned()
                .ok_or(Refusal::Say("error-no-partner"))?;
            open.client.refer(&id, &partner).await?;
            open.refresh().await?;
            Ok(None)
        })
    })
    .await
}

/// POST /c/{id}/close — ends the conversation with an outcome.
pub async fn close(app: web::Data<App>, path: web::Path<String>, form: Form) -> HttpResponse {
    let id = path.into_inner();
    let outcome = form.get("outcome").to_string();
    app.change(format!("/c/{id}"), move |open| {
        Box::pin(async move {
            let outcome = (!outcome.is_empty()).then_some(outcome.as_str());
            open.client.close_conversation(&id, outcome).await?;
            open.refresh().await?;
            Ok(Some("/".into()))
        })
    })
    .await
}

/// POST /c/{id}/note — a case note, sealed here to every worker's device.
pub async fn note(app: web::Data<App>, path: web::Path<String>, form: Form) -> HttpResponse {
    let id = path.into_inner();
    let text = form.get("note").trim().to_string();
    app.change(format!("/c/{id}"), move |open| {
        Box::pin(async move {
            if text.is_empty() {
                return Err(Refusal::Say("error-empty"));
            }
            open.client.write_case_note(&id, &text).await?;
            Ok(None)
        })
    })
    .await
}
