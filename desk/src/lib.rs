//! `quietline-desk`: the outreach worker's desk. It is the reference client, run on the worker's
//! own machine: the Signal identity, sessions and keys stay in the encrypted state file there,
//! every message and case note is encrypted and decrypted there, and the desk is served as web
//! pages to the worker's own browser only, on `127.0.0.1`.

pub mod core;
mod guard;
mod pages;
pub mod words;

use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{App as Routes, HttpResponse, HttpServer, web};
use std::net::SocketAddr;
use std::sync::Arc;

pub use crate::core::Options;
pub use guard::{COOKIE, CSRF_FIELD};

/// What every request reaches: the core, the words and this run's secrets.
pub struct App {
    core: core::Handle,
    words: Arc<words::Words>,
    session: web::Data<guard::Session>,
}

/// A running desk.
pub struct Running {
    pub address: SocketAddr,
    /// The one-time address that opens the desk in a browser.
    pub launch_url: String,
    pub server: actix_web::dev::Server,
}

const STYLE: &str = include_str!("../assets/desk.css");
const SCRIPT: &str = include_str!("../assets/desk.js");

async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .body(STYLE)
}

async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .body(SCRIPT)
}

/// GET /events — server-sent events naming what changed (never what was said).
async fn events(app: web::Data<App>) -> HttpResponse {
    let receiver = app.core.events.subscribe();
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(event) => {
                    let line = format!("event: {0}\ndata: {0}\n\n", event.name());
                    return Some((Ok::<_, actix_web::Error>(web::Bytes::from(line)), receiver));
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .streaming(stream)
}

/// Starts the desk on `127.0.0.1` at a free port (or `port`), with its core.
pub fn start(options: Options, port: u16) -> std::io::Result<Running> {
    let words = Arc::new(words::Words::load().map_err(std::io::Error::other)?);
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
    let address = listener.local_addr()?;
    let session = web::Data::new(guard::Session::new(address.to_string()));
    let launch_url = session.launch_url();
    let app = web::Data::new(App {
        core: core::start(options),
        words,
        session: session.clone(),
    });
    let server = HttpServer::new(move || {
        Routes::new()
            .app_data(app.clone())
            .app_data(session.clone())
            .app_data(web::FormConfig::default().limit(64 * 1024))
            .wrap(from_fn(guard::gate))
            .route("/launch", web::get().to(guard::launch))
            .route("/assets/desk.css", web::get().to(style))
            .route("/assets/desk.js", web::get().to(script))
            .route("/events", web::get().to(events))
            .route("/", web::get().to(pages::home))
            .route("/enrol", web::post().to(pages::enrol))
            .route("/unlock", web::post().to(pages::unlock))
            .route("/lock", web::post().to(pages::lock))
            .route("/availability", web::post().to(pages::availability))
            .route("/claim", web::post().to(pages::claim))
            .route("/c/{id}", web::get().to(pages::conversation))
            .route("/c/{id}/transfer", web::get().to(pages::transfer_dialog))
            .route("/c/{id}/transfer", web::post().to(pages::transfer))
            .route("/c/{id}/send", web::post().to(pages::send))
            .route("/c/{id}/reply", web::post().to(pages::reply))
            .route("/c/{id}/card", web::post().to(pages::card))
            .route("/c/{id}/timer", web::post().to(pages::timer))
            .route("/c/{id}/trust", web::post().to(pages::trust))
            .route("/c/{id}/refer", web::post().to(pages::refer))
            .route("/c/{id}/handoff", web::post().to(pages::handoff))
            .route("/c/{id}/support", web::post().to(pages::support))
            .route("/c/{id}/close", web::post().to(pages::close))
            .route("/c/{id}/note", web::post().to(pages::note))
    })
    .workers(1)
    // The live-update stream never ends by itself: stopping does not wait for it.
    .shutdown_timeout(1)
    .disable_signals()
    .listen(listener)?
    .run();
    Ok(Running {
        address,
        launch_url,
        server,
    })
}
