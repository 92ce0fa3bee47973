//! The public listener's face: a small, ordinary website (a recipe site, a weather guide or a
//! word-learning site, by `QUIETLINE_SITE_THEME`), so that whoever opens the server's address in
//! a browser, or probes it, finds that website and nothing else.
//!
//! - Site pages answer at `/`, `/about`, `/privacy`, the theme's articles, `/robots.txt`,
//!   `/sitemap.xml`, `/favicon.ico` and `/assets/site.css`; every other path is the site's 404.
//! - A request that looks like a browser's (no `Authorization`, `Accept` preferring `text/html`)
//!   gets the site's 404 at any API path too, the same bytes as at any unknown path.
//! - API clients say `Accept: application/json` and get the API's JSON errors.
//!
//! The pages need no script, no cookie and nothing from another site, and are padded to the
//! messaging API's size buckets.

mod entry;
mod pages;
pub mod themes;
mod words;

use crate::error::ApiError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, Quality, QualityItem};
use actix_web::middleware::Next;
use actix_web::mime::{self, Mime};
use actix_web::{HttpRequest, HttpResponse};
pub use entry::EntryData;
pub use pages::fragment;
use std::sync::Arc;
pub use themes::Theme;
pub use words::WordsError;

/// The policy of every site answer: its own stylesheet and icon, nothing else.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The website one listener passes for.
pub struct Site {
    theme: Theme,
    words: words::Words,
    /// Where visitors reach the site, for the sitemap's absolute addresses.
    public_url: String,
}

impl Site {
    pub fn new(theme: Theme, public_url: &str) -> Result<Site, WordsError> {
        Ok(Site {
            theme,
            words: words::Words::load()?,
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }

    pub fn theme(&self) -> Theme {
        self.theme
    }

    /// The answer for any request the site takes: its page, or its 404.
    pub fn answer(&self, req: &HttpRequest) -> HttpResponse {
        let page = match *req.method() {
            actix_web::http::Method::GET | actix_web::http::Method::HEAD => {
                pages::Page::at(self.theme, req.path())
            }
            _ => None,
        };
        pages::render(self, page, req)
    }

    /// The site's 404, whatever the path.
    pub fn not_found(&self, req: &HttpRequest) -> HttpResponse {
        pages::render(self, None, req)
    }
}

/// Which face a listener shows: the public one a website, the admin one only its API.
#[derive(Clone)]
pub struct Face(Option<Arc<Site>>);

impl Face {
    pub fn site(site: Arc<Site>) -> Face {
        Face(Some(site))
    }

    pub fn api_only() -> Face {
        Face(None)
    }

    /// The site of the listener a request came to, if it has one.
    pub fn site_of(req: &HttpRequest) -> Option<Arc<Site>> {
        req.app_data::<Face>().and_then(|face| face.0.clone())
    }
}

/// How much a request's `Accept` wants a media type: the quality of the most specific range that
/// covers it (RFC 9110 §12.5.1); no `Accept` at all accepts everything equally, an unreadable one
/// nothing.
fn quality(headers: &HeaderMap, wanted: &Mime) -> Quality {
    if !headers.contains_key(header::ACCEPT) {
        return Quality::MAX;
    }
    let Ok(ranges) =
        header::from_comma_delimited::<_, QualityItem<Mime>>(headers.get_all(header::ACCEPT))
    else {
        return Quality::ZERO;
    };
    ranges
        .iter()
        .filter_map(|range| {
            let specificity = if range.item.type_() == mime::STAR {
                1
            } else if range.item.type_() != wanted.type_() {
                return None;
            } else if range.item.subtype() == mime::STAR {
                2
            } else if range.item.subtype() == wanted.subtype() {
                3
            } else {
                return None;
            };
            Some((specificity, range.quality))
        })
        .max_by_key(|(specificity, _)| *specificity)
        .map_or(Quality::ZERO, |(_, quality)| quality)
}

fn prefers_html(headers: &HeaderMap) -> bool {
    quality(headers, &mime::TEXT_HTML) > quality(headers, &mime::APPLICATION_JSON)
}

fn prefers_json(headers: &HeaderMap) -> bool {
    quality(headers, &mime::APPLICATION_JSON) > quality(headers, &mime::TEXT_HTML)
}

/// A request as a browser sends it when someone opens an address: no credentials, HTML wanted.
fn browser_like(headers: &HeaderMap) -> bool {
    !headers.contains_key(header::AUTHORIZATION) && prefers_html(headers)
}

/// Middleware: a browser-like request for anything but a site page gets the site's 404, before
/// any API route sees it.
pub async fn disguise(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let site = req.app_data::<Face>().and_then(|face| face.0.clone());
    if let Some(site) = site
        && browser_like(req.headers())
        && pages::Page::at(site.theme, req.path()).is_none()
    {
        let (request, _) = req.into_parts();
        let response = site.not_found(&request);
        return Ok(ServiceResponse::new(request, response));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Answers every path no API route claims: the site, unless the client asked for JSON.
pub async fn unknown_route(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    match req.app_data::<Face>().and_then(|face| face.0.as_ref()) {
        Some(site) if !prefers_json(req.headers()) => Ok(site.answer(&req)),
        _ => Err(ApiError::not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn accepting(value: Option<&'static str>, authorization: bool) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = value {
            headers.insert(header::ACCEPT, HeaderValue::from_static(value));
        }
        if authorization {
            headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        }
        headers
    }

    #[test]
    fn browsers_opening_an_address_are_told_from_api_clients() {
        let chromium = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";
        let firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert!(browser_like(&accepting(Some(chromium), false)));
        assert!(browser_like(&accepting(Some(firefox), false)));
        assert!(!browser_like(&accepting(Some(chromium), true)));
        for api in [
            Some("application/json"),
            Some("*/*"),
            None,
            Some("application/json, text/html;q=0.5"),
        ] {
            assert!(!browser_like(&accepting(api, false)), "{api:?}");
        }
        assert!(prefers_json(&accepting(Some("application/json"), false)));
        assert!(prefers_json(&accepting(
            Some("text/html;q=0.2, application/*"),
            false
        )));
        assert!(!prefers_json(&accepting(Some("*/*"), false)));
        assert!(!prefers_json(&accepting(None, false)));
        assert!(!prefers_json(&accepting(Some(chromium), false)));
        // An unreadable Accept wants nothing in particular.
        assert!(!prefers_json(&accepting(Some("not a media range"), false)));
    }
}
