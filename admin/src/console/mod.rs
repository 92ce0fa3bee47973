//! The administrators' console: server-rendered pages on the admin listener, under `/console`.
//! Every page calls the services the admin API calls, with the same proofs
//! ([`AdminAuth`], [`OrganisationAdmin`]); the console has no rule of its own beyond its session
//! (see [`session`]) and how it shows things.
//!
//! Requests meet, in order: [`Visit`] (the session cookie opened, or a new one), [`Form`] (a
//! posted form, refused without the session's form token), [`Console`] (a signed-in
//! administrator who has their second factor), [`Organisation`] (one allowed to manage the
//! organisation of the path). Each answers what is missing itself: a way to sign in, a page
//! saying it is not allowed.

mod audit;
mod cards;
mod charts;
mod decoys;
mod entry_points;
mod home;
mod people;
pub mod session;
mod settings;
mod sign_in;
pub mod words;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use futures_util::future::LocalBoxFuture;
use quietline_protocol::OrganisationId;
use quietline_server::accounts::service as accounts;
use quietline_server::auth::{AdminAuth, Audience, OrganisationAdmin, Principal};
use quietline_server::error::ApiError;
use quietline_server::state::AppState;
use session::{CSRF_FIELD, Session, Tokens};
use std::fmt;
use words::{Text, Words};

/// Stricter than the admin listener's own policy (which the API docs need): the console's
/// pages run only their own script and style, post only to themselves, and are never framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const STYLE: &str = include_str!("../../assets/console.css");
const SCRIPT: &str = include_str!("../../assets/console.js");

/// Seconds before an access token runs out at which the console refreshes it.
const REFRESH_MARGIN: i64 = 30;

/// Mounts the console on the admin listener (see `quietline_server::startup::AdminPages`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/console")
            .app_data(web::FormConfig::default().limit(5 * 1024 * 1024))
            .route("", web::get().to(home::home))
            .route("/", web::get().to(home::home))
            .route("/assets/console.css", web::get().to(style))
            .route("/assets/console.js", web::get().to(script))
            .configure(sign_in::configure)
            .configure(home::configure)
            .configure(audit::configure)
            .service(
                web::scope("/o/{organisation_id}")
                    .configure(home::configure_organisation)
                    .configure(cards::configure)
                    .configure(entry_points::configure)
                    .configure(decoys::configure)
                    .configure(people::configure)
                    .configure(settings::configure)
                    .configure(audit::configure_organisation),
            ),
    );
    cfg.route(
        "/",
        web::get().to(|| async {
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/console/"))
                .finish()
        }),
    );
}

async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(STYLE)
}

async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(SCRIPT)
}

/// What a console page answers: the page, or a [`Failure`] (itself a page, or a redirect).
pub type Reply = Result<HttpResponse, Failure>;

/// A response that ends a request early: a page saying why, or a redirect (to the sign-in page,
/// say), with the session cookie to set.
#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    location: Option<String>,
    cookie: Option<String>,
    body: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "console answer {}", self.status)
    }
}

impl ResponseError for Failure {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY));
        if let Some(location) = &self.location {
            response.insert_header((header::LOCATION, location.clone()));
        }
        if let Some(cookie) = &self.cookie {
            response.insert_header((header::SET_COOKIE, cookie.clone()));
        }
        response
            .content_type("text/html; charset=utf-8")
            .body(self.body.clone())
    }
}

/// The frame every page is drawn in.
pub struct Frame<'a> {
    pub t: Text<'a>,
    pub title: String,
    pub csrf: String,
    /// Present once signed in.
    pub nav: Option<Nav>,
    /// A message saying what was just done (`?done=` names it; only known messages are shown).
    pub done: Option<String>,
}

/// The signed-in administrator's way round.
pub struct Nav {
    pub instance_admin: bool,
    /// The organisation whose pages are open (or the administrator's own).
    pub organisation: Option<String>,
    /// Which part of the console is open: `dashboard`, `cards`, …
    pub section: &'static str,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    frame: Frame<'a>,
    text: String,
}

/// A language tag as it goes into a query string: tags are letters, digits and `-`, and
/// anything else is left out.
pub fn query_tag(tag: &str) -> String {
    tag.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

/// The console's pages were mounted somewhere without the server's state.
fn outside_a_listener() -> actix_web::Error {
    actix_web::error::ErrorInternalServerError("the console used outside a listener")
}

/// One request to the console: the state, the words of the browser's language, and the session
/// (the request's, or a new one).
pub struct Visit {
    pub state: web::Data<AppState>,
    pub t: Text<'static>,
    pub session: Session,
    /// The tokens of a session that went idle: it is over, and is ended on the server before
    /// anything else is done.
    idle: Option<Tokens>,
    secure: bool,
    done: Option<String>,
}

impl FromRequest for Visit {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Visit, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let visit = Visit::of(req);
        Box::pin(async move {
            let mut visit = visit.ok_or_else(outside_a_listener)?;
            if let Some(tokens) = visit.idle.take() {
                end(&visit.state, &tokens).await;
            }
            Ok(visit)
        })
    }
}

impl Visit {
    fn of(req: &HttpRequest) -> Option<Visit> {
        let state = req.app_data::<web::Data<AppState>>()?.clone();
        let accept = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let t = Words::get().negotiate(accept);
        let now = state.clock.now();
        // An idle session opens nothing, whatever page it comes back to.
        let (session, idle) = match Session::of(&state, req) {
            Some(session) if session.is_idle(now) => (Session::fresh(now), session.tokens),
            Some(session) => (session, None),
            None => (Session::fresh(now), None),
        };
        let done =
            web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
                .ok()
                .and_then(|q| q.get("done").cloned())
                .map(|key| format!("done-{key}"))
                .map(|id| t.get(&id))
                .filter(|text| !text.starts_with("done-"));
        Some(Visit {
            secure: req.connection_info().scheme() == "https",
            state,
            t,
            session,
            idle,
            done,
        })
    }

    /// The frame of a page titled by the message `title`.
    pub fn frame(&self, title: &str) -> Frame<'static> {
        Frame {
            t: self.t,
            title: self.t.get(title),
            csrf: self.session.csrf.clone(),
            nav: None,
            done: self.done.clone(),
        }
    }

    /// The page, with the session's cookie (its last use now).
    pub fn page(&self, page: &impl Template) -> Reply {
        let html = page.render().map_err(|e| self.internal(e))?;
        Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
            .insert_header((header::SET_COOKIE, self.cookie()))
            .content_type("text/html; charset=utf-8")
            .body(html))
    }

    /// A redirect after a posted form (303, so the browser asks with GET).
    pub fn redirect(&self, location: &str) -> Reply {
        Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location.to_string()))
            .insert_header((header::SET_COOKIE, self.cookie()))
            .finish())
    }

    /// A file to download.
    pub fn download(&self, content_type: &str, name: &str, bytes: Vec<u8>) -> Reply {
        Ok(HttpResponse::Ok()
            .content_type(content_type.to_string())
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ))
            .insert_header((header::SET_COOKIE, self.cookie()))
            .body(bytes))
    }

    fn cookie(&self) -> String {
        let mut session = self.session.clone();
        session.seen = self.state.clock.now();
        session.cookie(&self.state, self.secure).to_string()
    }

    /// A page that says `text`, with `status`.
    pub fn message(&self, status: StatusCode, title: &str, text: String) -> Failure {
        let page = MessagePage {
            frame: self.frame(title),
            text,
        };
        Failure {
            status,
            location: None,
            cookie: Some(self.cookie()),
            body: page.render().unwrap_or_default(),
        }
    }

    /// What an API error says, in the visitor's language, as a page.
    pub fn refused(&self, error: ApiError) -> Failure {
        let text = self.explain(&error);
        self.message(error.status, "refused-title", text)
    }

    /// An API error's message in the visitor's language.
    pub fn explain(&self, error: &ApiError) -> String {
        quietline_server::i18n::explain(error, self.t.tag)
            .unwrap_or_else(|| error.message.to_string())
    }

    fn internal(&self, cause: impl fmt::Display) -> Failure {
        tracing::error!(%cause, "a console page failed");
        self.message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "refused-title",
            self.t.get("failure-internal"),
        )
    }

    /// A redirect to `location` that also removes the session from the browser.
    fn away(&self, location: &str) -> Failure {
        Failure {
            status: StatusCode::SEE_OTHER,
            location: Some(location.to_string()),
            cookie: Some(Session::removal(self.secure).to_string()),
            body: String::new(),
        }
    }

    /// The signed-in administrator: their tokens refreshed when close to running out, the
    /// session over when idle or ended on the server. `Err` is where to send them instead.
    async fn principal(&mut self) -> Result<Principal, Failure> {
        let now = self.state.clock.now();
        if let Some(tokens) = self.idle.take() {
            end(&self.state, &tokens).await;
            return Err(self.away("/console/sign-in?done=idle"));
        }
        let Some(tokens) = self.session.tokens.clone() else {
            return Err(self.away("/console/sign-in"));
        };
        let tokens = if tokens.access_expires_at - REFRESH_MARGIN <= now {
            match accounts::refresh(&self.state, &tokens.refresh, Audience::Admin).await {
                Ok(grant) => Tokens {
                    access: grant.access_token.expose().to_string(),
                    access_expires_at: grant.access_expires_at,
                    refresh: grant.refresh_token.expose().to_string(),
                },
                Err(_) => return Err(self.away("/console/sign-in")),
            }
        } else {
            tokens
        };
        let principal = quietline_server::auth::authenticate(
            self.state.clone(),
            Some(tokens.access.clone()),
            Audience::Admin,
        )
        .await
        .map_err(|_| self.away("/console/sign-in"))?;
        self.session.tokens = Some(tokens);
        Ok(principal)
    }
}

/// Ends the session the tokens belong to on the server, as signing out does (best effort: a
/// session already gone is ended).
async fn end(state: &web::Data<AppState>, tokens: &Tokens) {
    let principal = match quietline_server::auth::authenticate(
        state.clone(),
        Some(tokens.access.clone()),
        Audience::Admin,
    )
    .await
    {
        Ok(principal) => Some(principal),
        Err(_) => match accounts::refresh(state, &tokens.refresh, Audience::Admin).await {
            Ok(grant) => quietline_server::auth::authenticate(
                state.clone(),
                Some(grant.access_token.expose().to_string()),
                Audience::Admin,
            )
            .await
            .ok(),
            Err(_) => None,
        },
    };
    if let Some(principal) = principal
        && let Err(error) = accounts::admin_sign_out(state, principal).await
    {
        tracing::warn!(code = ?error.code, "a console session could not be ended");
    }
}

/// A posted form, its form token checked against the session's: a form from anywhere else is
/// refused (`403`) before any handler sees it.
pub struct Form {
    fields: Vec<(String, String)>,
}

impl Form {
    /// A field's value (the last, if given more than once), trimmed of nothing.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value given for a field (checkboxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The fields as a map (the last of each name).
    pub fn map(&self) -> std::collections::HashMap<String, String> {
        self.fields.iter().cloned().collect()
    }
}

impl FromRequest for Form {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Form, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let visit = Visit::of(req);
        let form = web::Form::<Vec<(String, String)>>::from_request(req, payload);
        Box::pin(async move {
            let visit = visit.ok_or_else(outside_a_listener)?;
            let refused = || {
                visit.message(
                    StatusCode::FORBIDDEN,
                    "refused-title",
                    visit.t.get("failure-form-token"),
                )
            };
            let fields = form.await.map_err(|_| refused())?.into_inner();
            let token = fields
                .iter()
                .find(|(name, _)| name == CSRF_FIELD)
                .map(|(_, value)| value.as_str())
                .unwrap_or_default();
            if !visit.session.accepts(token) {
                return Err(refused().into());
            }
            Ok(Form { fields })
        })
    }
}

/// A signed-in administrator who has the second factor the instance requires.
pub struct Console {
    pub visit: Visit,
    pub admin: AdminAuth,
}

impl FromRequest for Console {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Console, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let visit = Visit::of(req);
        Box::pin(async move {
            let mut visit = visit.ok_or_else(outside_a_listener)?;
            let principal = visit.principal().await?;
            match AdminAuth::check(&visit.state, principal).await {
                Ok(admin) => Ok(Console { visit, admin }),
                Err(error)
                    if error.code == quietline_protocol::ErrorCode::TotpEnrolmentRequired =>
                {
                    Err(Failure {
                        status: StatusCode::SEE_OTHER,
                        location: Some("/console/enrol".into()),
                        cookie: Some(visit.cookie()),
                        body: String::new(),
                    }
                    .into())
                }
                Err(error) => Err(visit.refused(error).into()),
            }
        })
    }
}

impl Console {
    /// The frame of a page in `section`, for an organisation's pages or the instance's.
    pub fn frame(
        &self,
        title: &str,
        organisation: Option<&OrganisationId>,
        section: &'static str,
    ) -> Frame<'static> {
        let mut frame = self.visit.frame(title);
        frame.nav = Some(Nav {
            instance_admin: self.admin.0.instance_admin,
            organisation: organisation
                .or(self.admin.0.organisation_id.as_ref())
                .map(|o| o.0.clone()),
            section,
        });
        frame
    }
}

/// A signed-in administrator allowed to manage the organisation named by the path.
pub struct Organisation {
    pub console: Console,
    pub admin: OrganisationAdmin,
}

impl FromRequest for Organisation {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Organisation, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let console = Console::from_request(req, payload);
        let organisation_id = req
            .match_info()
            .get("organisation_id")
            .map(OrganisationId::from);
        Box::pin(async move {
            let console = console.await?;
            let Some(organisation_id) = organisation_id else {
                return Err(console.visit.internal("no organisation in the path").into());
            };
            match OrganisationAdmin::of(
                &console.visit.state,
                console.admin.clone(),
                organisation_id,
            )
            .await
            {
                Ok(admin) => Ok(Organisation { console, admin }),
                Err(error) => Err(console.visit.refused(error).into()),
            }
        })
    }
}

impl Organisation {
    /// The frame of one of the organisation's pages.
    pub fn frame(&self, title: &str, section: &'static str) -> Frame<'static> {
        self.console
            .frame(title, Some(self.admin.organisation_id()), section)
    }

    pub fn visit(&self) -> &Visit {
        &self.console.visit
    }

    pub fn state(&self) -> &AppState {
        &self.console.visit.state
    }

    /// The organisation's id, as in its pages' paths.
    pub fn id(&self) -> &str {
        &self.admin.organisation_id().0
    }

    /// A path under the organisation's pages.
    pub fn path(&self, rest: &str) -> String {
        format!("/console/o/{}{rest}", self.id())
    }
}
