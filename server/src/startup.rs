//! Builds the two listeners from a [`Config`]: the public one (mobile clients' API, behind the
//! face of an ordinary website: see [`crate::face`])
//! and the admin one (admin API, OpenAPI, docs, metrics, health). Used by `main` and by tests,
//! which bind port 0 and run many servers in one process.

use crate::auth::Audience;
use crate::auth::secrets::{Sealer, load_or_create_key};
use crate::auth::tokens::TokenKeys;
use crate::bus::Bus;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::connection::{ListenerHeaders, Shaped};
use crate::db::Db;
use crate::error::extractors;
use crate::face::{Face, Site};
use crate::kv::Kv;
use crate::state::AppState;
use crate::telemetry::{self, Metrics};
use crate::{accounts, ops, organisations};
use actix_http::{HttpService, KeepAlive};
use actix_service::{IntoServiceFactory, ServiceFactoryExt, fn_service, map_config};
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Server, ServerHandle, Service, ServiceFactory};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, web};
use anyhow::Context;
use futures_util::FutureExt;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

/// How long in-flight requests may take to finish after a stop signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

pub struct Application {
    public: Server,
    admin: Server,
    public_addr: SocketAddr,
    admin_addr: SocketAddr,
    state: web::Data<AppState>,
    setup_token: Option<String>,
}

/// Stops both listeners of a running application.
#[derive(Clone)]
pub struct StopHandle {
    public: ServerHandle,
    admin: ServerHandle,
    state: web::Data<AppState>,
}

impl StopHandle {
    /// Stops accepting, lets in-flight requests finish (when `graceful`), then returns. The stop
    /// is ordered when this is called; awaiting only waits for it to complete.
    pub fn stop(&self, graceful: bool) -> impl std::future::Future<Output = ()> + use<> {
        // Live WebSockets close with a "restarting" frame rather than being cut.
        self.state.shutdown.send_replace(true);
        let state = self.state.clone();
        // A quick exit answered is finished before the process ends.
        futures_util::future::join(self.public.stop(graceful), self.admin.stop(graceful))
            .then(move |_| async move { state.quick_exits.settled().await })
    }
}

/// Opens storage, bus, ephemeral store and keys: everything but the listeners. Also used by the
/// command-line tasks.
pub async fn build_state(
    config: Config,
    clock: SharedClock,
) -> anyhow::Result<web::Data<AppState>> {
    let pool_size = u32::try_from(config.workers * 2 + 2).unwrap_or(32).min(32);
    let url = config.database_url.clone();
    let db = tokio::task::spawn_blocking(move || Db::connect(&url, pool_size))
        .await
        .context("opening the database")??;
    let (bus, kv) = match &config.redis_url {
        None => (Bus::in_process(), Kv::memory(clock.clone())),
        Some(url) => {
            let client = redis::Client::open(url.expose()).context("QUIETLINE_REDIS_URL")?;
            (
                Bus::redis(&client, &config.redis_prefix)
                    .await
                    .context("connecting the bus")?,
                Kv::redis(&client, &config.redis_prefix)
                    .await
                    .context("connecting to Redis")?,
            )
        }
    };
    let token_key = load_or_create_key(&config.token_key_file)?;
    let previous = config
        .previous_token_key_files
        .iter()
        .map(|path| load_or_create_key(path))
        .collect::<Result<Vec<_>, _>>()?;
    let storage_key = load_or_create_key(&config.storage_key_file)?;
    let push = crate::push::Push::load(&config)?;
    let writer = crate::messages::writer::EnvelopeWriter::start(db.clone())
        .context("starting the envelope writer")?;
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    Ok(web::Data::new(AppState {
        passphrases: Arc::new(crate::auth::passwords::PassphraseWork::new(cores)),
        push: Arc::new(push),
        bundles: Default::default(),
        quick_exits: Default::default(),
        reaper_passes: tokio::sync::watch::channel(0).0,
        writer,
        shutdown: tokio::sync::watch::channel(false).0,
        tokens: TokenKeys::new(&token_key, &previous),
        sealer: Sealer::new(&storage_key),
        config: Arc::new(config),
        db,
        bus,
        kv,
        clock,
        metrics: Arc::new(Metrics::default()),
    }))
}

/// Headers on every response. No header names the software.
fn security_headers(content_security_policy: String) -> ListenerHeaders {
    Arc::from(vec![
        ("x-content-type-options", "nosniff".to_string()),
        ("x-frame-options", "DENY".to_string()),
        ("referrer-policy", "no-referrer".to_string()),
        ("cache-control", "no-store".to_string()),
        ("cross-origin-resource-policy", "same-origin".to_string()),
        ("strict-transport-security", "max-age=63072000".to_string()),
        ("content-security-policy", content_security_policy),
    ])
}

fn default_headers(headers: &ListenerHeaders) -> DefaultHeaders {
    headers
        .iter()
        .fold(DefaultHeaders::new(), |default, (name, value)| {
            default.add((*name, value.clone()))
        })
}

/// Runs one listener: HTTP/1.1 with actix-web's defaults for timeouts, over connection streams
/// whose answers from actix-http itself are shaped like the application's
/// ([`Shaped`]). Signals are handled by [`Application`] rather than by each listener, so that
/// WebSockets are told before the listeners stop.
fn serve<F, I, S, B>(
    name: &str,
    listener: TcpListener,
    workers: usize,
    headers: ListenerHeaders,
    factory: F,
) -> std::io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, actix_http::Request>,
    S: ServiceFactory<actix_http::Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<actix_http::Response<B>> + 'static,
    <S::Service as Service<actix_http::Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let local = listener.local_addr()?;
    let builder = actix_server::Server::build();
    let shutdown = builder.graceful_shutdown_signal();
    Ok(builder
        .workers(workers)
        .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
        .disable_signals()
        .listen(name, listener, move || {
            let headers = headers.clone();
            let shutdown = shutdown.clone();
            let app = factory()
                .into_factory()
                .map_err(|error| error.into().error_response());
            let http = HttpService::build()
                .keep_alive(KeepAlive::Timeout(Duration::from_secs(5)))
                .client_request_timeout(Duration::from_secs(5))
                .client_disconnect_timeout(Duration::from_secs(1))
                .local_addr(local)
                .graceful_shutdown_signal(move || {
                    let shutdown = shutdown.clone();
                    async move { shutdown.notified().await }
                })
                .h1(map_config(app, |_| AppConfig::default()));
            fn_service(move |stream: actix_web::rt::net::TcpStream| {
                let peer = stream.peer_addr().ok();
                let shaped = Shaped::new(stream, headers.clone());
                std::future::ready(Ok::<_, actix_http::error::DispatchError>((shaped, peer)))
            })
            .and_then(http)
        })?
        .run())
}

/// The routes of the public listener, each domain's in one call; the OpenAPI document is collected
/// from the same list.
pub const PUBLIC_ROUTES: [fn(&mut ServiceConfig); 12] = [
    accounts::configure_public,
    organisations::configure_public,
    crate::keys::configure_public,
    crate::messages::configure_public,
    crate::conversations::configure_public,
    crate::entry_points::configure_public,
    crate::desk::configure_public,
    crate::canned_replies::configure_public,
    crate::cards::configure_public,
    crate::push::configure_public,
    crate::case_notes::configure_public,
    crate::web::configure_public,
];

/// The routes of the admin listener.
pub const ADMIN_ROUTES: [fn(&mut ServiceConfig); 8] = [
    crate::audit::configure_admin,
    accounts::configure_admin,
    organisations::configure_admin,
    crate::entry_points::configure_admin,
    crate::canned_replies::configure_admin,
    crate::cards::configure_admin,
    crate::web::configure_admin,
    ops::configure_admin,
];

/// Every route of both listeners, with their OpenAPI paths.
pub fn routes(configure: &[fn(&mut ServiceConfig)]) -> utoipa::openapi::OpenApi {
    let mut app = App::new().into_utoipa_app();
    for routes in configure {
        app = app.configure(routes);
    }
    app.split_for_parts().1
}

macro_rules! app {
    ($state:expr, $audience:expr, $listener:expr, $face:expr, $headers:expr, $routes:expr, $pages:expr) => {{
        let mut app = App::new()
            .app_data($state.clone())
            .app_data($face)
            .app_data($audience)
            .app_data(telemetry::Observed {
                metrics: $state.metrics.clone(),
                listener: $listener,
            })
            .app_data(extractors::json_config())
            .app_data(extractors::path_config())
            .app_data(extractors::query_config())
            .app_data(extractors::payload_config())
            .wrap(from_fn(crate::face::disguise))
            .wrap(from_fn(crate::i18n::localise))
            .wrap(from_fn(crate::ops::allow_docs_origin))
            .wrap(from_fn(telemetry::observe))
            .wrap(default_headers(&$headers))
            .into_utoipa_app();
        for routes in $routes {
            app = app.configure(routes);
        }
        let mut app = app.into_app();
        if let Some(pages) = $pages {
            app = app.configure(pages);
        }
        app.default_service(web::to(crate::face::unknown_route))
    }};
}

/// Pages mounted on the admin listener beside its API (the administrators' console), from a
/// crate that depends on this one. They answer their own requests with HTML; the API's rules are
/// theirs through the services they call.
pub type AdminPages = fn(&mut web::ServiceConfig);

/// SIGTERM or SIGINT.
async fn wait_for_stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

impl Application {
    /// Builds both listeners. With `handle_signals`, SIGINT and SIGTERM stop them gracefully.
    pub async fn build(
        config: Config,
        clock: SharedClock,
        handle_signals: bool,
    ) -> anyhow::Result<Application> {
        Application::build_with(config, clock, handle_signals, None).await
    }

    /// As [`Application::build`], with `admin_pages` mounted on the admin listener.
    pub async fn build_with(
        config: Config,
        clock: SharedClock,
        handle_signals: bool,
        admin_pages: Option<AdminPages>,
    ) -> anyhow::Result<Application> {
        let public_listener = TcpListener::bind(config.public_listen).with_context(|| {
            format!(
                "QUIETLINE_PUBLIC_LISTEN: cannot listen on {}",
                config.public_listen
            )
        })?;
        let admin_listener = TcpListener::bind(config.admin_listen).with_context(|| {
            format!(
                "QUIETLINE_ADMIN_LISTEN: cannot listen on {}",
                config.admin_listen
            )
        })?;
        let mut config = config;
        // Unless configured, clients reach the public listener where it bound (port 0 picks a
        // free one).
        let bound = public_listener.local_addr()?;
        config
            .public_url
            .get_or_insert_with(|| format!("http://{bound}"));
        let workers = config.workers;
        let data_dir = config.data_dir.clone();
        let state = build_state(config, clock).await?;
        let setup_token = accounts::service::prepare_setup_token(&state.db, &data_dir)
            .await
            .map_err(|e| anyhow::anyhow!("preparing the setup token: {e}"))?;

        let site = Arc::new(Site::new(
            state.config.site_theme,
            state.config.public_url.as_deref().unwrap_or_default(),
        )?);
        let public_state = state.clone();
        let public_headers = security_headers("default-src 'none'; frame-ancestors 'none'".into());
        let public_addr = public_listener.local_addr()?;
        let public = serve(
            "public",
            public_listener,
            workers,
            public_headers.clone(),
            move || {
                app!(
                    public_state,
                    Audience::Api,
                    telemetry::Listener::Public,
                    Face::site(site.clone()),
                    public_headers,
                    PUBLIC_ROUTES,
                    None::<AdminPages>
                )
            },
        )?;
        let admin_state = state.clone();
        // The docs page may call the public listener too ("try it out" on its server).
        let admin_headers = security_headers(format!(
            "default-src 'self'; connect-src 'self' {}; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
            state.config.public_url.as_deref().unwrap_or_default()
        ));
        let admin_addr = admin_listener.local_addr()?;
        let admin = serve(
            "admin",
            admin_listener,
            workers.min(2),
            admin_headers.clone(),
            move || {
                app!(
                    admin_state,
                    Audience::Admin,
                    telemetry::Listener::Admin,
                    Face::api_only(),
                    admin_headers,
                    ADMIN_ROUTES,
                    admin_pages
                )
            },
        )?;
        tracing::info!(
            public = %public_addr,
            admin = %admin_addr,
            database = ?state.db.backend(),
            bus = if state.config.redis_url.is_some() { "redis" } else { "in-process" },
            "quietline is serving"
        );
        let application = Application {
            public,
            admin,
            public_addr,
            admin_addr,
            state,
            setup_token,
        };
        actix_web::rt::spawn(crate::reaper::run(application.state.clone()));
        actix_web::rt::spawn(crate::push::deliver::run(application.state.clone()));
        if handle_signals {
            let stop = application.stop_handle();
            actix_web::rt::spawn(async move {
                wait_for_stop_signal().await;
                tracing::info!("stop signal received; finishing in-flight requests");
                stop.stop(true).await;
            });
        }
        Ok(application)
    }

    pub fn public_addr(&self) -> SocketAddr {
        self.public_addr
    }

    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// The one-time token for creating the first administrator, when none exists yet.
    pub fn setup_token(&self) -> Option<&str> {
        self.setup_token.as_deref()
    }

    pub fn stop_handle(&self) -> StopHandle {
        StopHandle {
            public: self.public.handle(),
            admin: self.admin.handle(),
            state: self.state.clone(),
        }
    }

    /// Serves until both listeners have stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (public, admin) = futures_util::future::join(self.public, self.admin).await;
        tracing::info!("quietline stopped");
        public.and(admin)
    }
}
