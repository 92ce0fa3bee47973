//! Logging and metrics. Each request gets a random id and one log line with its method, route
//! pattern (never the raw path), status and duration. Client addresses, user agents, headers,
//! query strings and bodies are never recorded.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Installs the global log subscriber. Later calls are ignored (tests start many servers).
pub fn init<W>(filter: &str, writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(writer)
        .with_ansi(false)
        .finish();
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Which listener a request came in on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listener {
    Public,
    Admin,
}

/// What `observe` needs of its listener, registered as that listener's app data.
#[derive(Clone)]
pub struct Observed {
    pub metrics: Arc<Metrics>,
    pub listener: Listener,
}

/// Request counters by listener and status class, exposed on the admin listener.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: [[AtomicU64; 5]; 2],
}

impl Metrics {
    fn record(&self, listener: Listener, status: u16) {
        let listener = usize::from(listener == Listener::Admin);
        let class = usize::from((status / 100).clamp(1, 5) - 1);
        self.requests[listener][class].fetch_add(1, Ordering::Relaxed);
    }

    /// Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# HELP quietline_http_requests_total HTTP responses by listener and status class.\n\
             # TYPE quietline_http_requests_total counter\n",
        );
        for (listener, name) in ["public", "admin"].iter().enumerate() {
            for class in 0..5 {
                out.push_str(&format!(
                    "quietline_http_requests_total{{listener=\"{name}\",class=\"{}xx\"}} {}\n",
                    class + 1,
                    self.requests[listener][class].load(Ordering::Relaxed)
                ));
            }
        }
        out
    }
}

/// Routes logged as the route they imitate: a seized log must not show that someone used the
/// quick exit, whose request looks like a sync on the wire too.
const LOGGED_AS: [(&str, &str); 1] = [("/v1/quick-exit", "/v1/sync")];

fn logged_route(pattern: String) -> String {
    LOGGED_AS
        .iter()
        .find(|(route, _)| *route == pattern)
        .map_or(pattern, |(_, shown)| (*shown).to_string())
}

/// A random id for a request's log line and `X-Request-Id` (72 bits, base64url).
fn request_id() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 9];
    match getrandom::fill(&mut bytes) {
        Ok(()) => base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        Err(_) => String::new(),
    }
}

/// Middleware: request id, one log line per request, metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = request_id();
    let observed = req.app_data::<Observed>().cloned();
    let method = req.method().clone();
    let span = tracing::info_span!("request", id = %request_id);
    let started = Instant::now();
    let mut response = next.call(req).instrument(span.clone()).await?;
    let status = response.status().as_u16();
    let route = logged_route(
        response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into()),
    );
    span.in_scope(|| {
        tracing::info!(
            method = %method,
            route = %route,
            status,
            ms = started.elapsed().as_millis() as u64,
            "request"
        );
    });
    if let Some(observed) = observed {
        observed.metrics.record(observed.listener, status);
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}
