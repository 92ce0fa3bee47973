//! Local-only by construction. The desk answers only requests addressed to its own
//! `127.0.0.1:port` (a page of another site that resolves its name to 127.0.0.1 is refused), only
//! from the browser that opened the one-time launch address (an `HttpOnly`, `SameSite=Strict`
//! cookie), and changes nothing without the page's CSRF token. Every answer forbids framing,
//! caching and any source but the desk itself.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::LocalBoxFuture;
use std::collections::HashMap;
use std::sync::Mutex;
use subtle::ConstantTimeEq;

/// The cookie the launch address sets.
pub const COOKIE: &str = "quietline_desk";
/// The form field every state change carries.
pub const CSRF_FIELD: &str = "csrf";

const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'";

fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn same(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// The secrets of one run of the desk.
pub struct Session {
    /// `127.0.0.1:port`, the only `Host` answered.
    pub host: String,
    /// Good once: the browser that presents it gets the cookie.
    launch: Mutex<Option<String>>,
    cookie: String,
    pub csrf: String,
}

impl Session {
    pub fn new(host: String) -> Session {
        Session {
            host,
            launch: Mutex::new(Some(random_token())),
            cookie: random_token(),
            csrf: random_token(),
        }
    }

    /// The address that opens the desk in a browser, once.
    pub fn launch_url(&self) -> String {
        let secret = self
            .launch
            .lock()
            .ok()
            .and_then(|secret| secret.clone())
            .unwrap_or_default();
        format!("http://{}/launch?secret={secret}", self.host)
    }

    /// Spends the launch secret: the cookie value when `offered` is it.
    fn launch(&self, offered: &str) -> Option<&str> {
        let mut secret = self.launch.lock().ok()?;
        let good = secret.as_deref().is_some_and(|s| same(s, offered));
        if good {
            *secret = None;
            Some(&self.cookie)
        } else {
            None
        }
    }

    fn admits(&self, request: &ServiceRequest) -> bool {
        request
            .cookie(COOKIE)
            .is_some_and(|cookie| same(cookie.value(), &self.cookie))
    }

    fn addressed_to_me(&self, request: &ServiceRequest) -> bool {
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok());
        host == Some(self.host.as_str())
    }

    /// A state change must come from the desk's own pages: an `Origin` or fetch site, when the
    /// browser sends one, must say so.
    fn came_from_my_pages(&self, request: &ServiceRequest) -> bool {
        let headers = request.headers();
        let origin_ok = headers
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
            .is_none_or(|origin| origin == format!("http://{}", self.host));
        let site_ok = headers
            .get("sec-fetch-site")
            .and_then(|s| s.to_str().ok())
            .is_none_or(|site| site == "same-origin" || site == "none");
        origin_ok && site_ok
    }
}

fn refused(status: StatusCode, text: &'static str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .body(text)
}

/// Adds the headers every answer carries.
fn hardened(mut response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
    ] {
        headers.insert(name, header::HeaderValue::from_static(value));
    }
    response
}

/// The gate in front of every route.
pub async fn gate(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(session) = request.app_data::<web::Data<Session>>().cloned() else {
        return Ok(request.into_response(refused(StatusCode::INTERNAL_SERVER_ERROR, "")));
    };
    if !session.addressed_to_me(&request) {
        let answer = refused(
            StatusCode::MISDIRECTED_REQUEST,
            "This is not the address of this desk.",
        );
        return Ok(hardened(request.into_response(answer)));
    }
    let path = request.path();
    let open_to_all = path == "/launch" || path.starts_with("/assets/");
    if !open_to_all && !session.admits(&request) {
        let answer = refused(
            StatusCode::FORBIDDEN,
            "Open the desk from the address quietline-desk printed when it started.",
        );
        return Ok(hardened(request.into_response(answer)));
    }
    if request.method() != Method::GET && !session.came_from_my_pages(&request) {
        let answer = refused(
            StatusCode::FORBIDDEN,
            "This change did not come from the desk.",
        );
        return Ok(hardened(request.into_response(answer)));
    }
    let response = next.call(request).await?.map_into_boxed_body();
    Ok(hardened(response))
}

#[derive(serde::Deserialize)]
pub struct Launch {
    secret: String,
}

/// GET /launch?secret=… — the browser that brings the launch secret gets the cookie.
pub async fn launch(session: web::Data<Session>, query: web::Query<Launch>) -> HttpResponse {
    match session.launch(&query.secret) {
        Some(cookie) => {
            let cookie = actix_web::cookie::Cookie::build(COOKIE, cookie.to_string())
                .path("/")
                .http_only(true)
                .same_site(actix_web::cookie::SameSite::Strict)
                .finish();
            HttpResponse::SeeOther()
                .cookie(cookie)
                .insert_header((header::LOCATION, "/"))
                .finish()
        }
        None => refused(
            StatusCode::FORBIDDEN,
            "This launch address has been used. Start quietline-desk again for a new one.",
        ),
    }
}

/// A submitted form whose CSRF token was checked: the only way handlers read a form.
pub struct Form(pub HashMap<String, String>);

impl Form {
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or_default()
    }
}

impl FromRequest for Form {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Form, actix_web::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = request.app_data::<web::Data<Session>>().cloned();
        let form = web::Form::<HashMap<String, String>>::from_request(request, payload);
        Box::pin(async move {
            let fields = form.await?.into_inner();
            let good = match (&session, fields.get(CSRF_FIELD)) {
                (Some(session), Some(token)) => same(token, &session.csrf),
                _ => false,
            };
            if good {
                Ok(Form(fields))
            } else {
                Err(actix_web::error::InternalError::from_response(
                    "csrf",
                    refused(
                        StatusCode::FORBIDDEN,
                        "This form has expired: reload the page.",
                    ),
                )
                .into())
            }
        })
    }
}
