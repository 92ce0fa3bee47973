//! Languages of what seekers read. Error messages a seeker's app may show come from
//! `messages.toml` in the language negotiated from `Accept-Language` (RFC 4647 filtering with
//! fallbacks, by fluent-langneg), English when none of the person's languages is available.

use crate::error::ApiError;
use crate::language::LanguageIdentifier;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{ACCEPT_LANGUAGE, CONTENT_LANGUAGE, HeaderValue};
use actix_web::middleware::Next;
use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Languages every seeker-facing message exists in.
pub const SUPPORTED: [&str; 6] = ["en", "fr", "es", "tl", "zh-Hans", "ar"];
pub const FALLBACK: &str = "en";

type Catalog = HashMap<String, HashMap<String, String>>;

/// The message catalog, parsed once. A malformed catalog is caught by the tests, not in service.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| toml::from_str(include_str!("messages.toml")).unwrap_or_default())
}

fn supported() -> &'static [LanguageIdentifier] {
    static IDS: OnceLock<Vec<LanguageIdentifier>> = OnceLock::new();
    IDS.get_or_init(|| {
        SUPPORTED
            .iter()
            .filter_map(|tag| tag.parse().ok())
            .collect()
    })
}

/// The best supported language for an `Accept-Language` value.
pub fn negotiate(accept_language: Option<&str>) -> &'static str {
    let requested = accept_language
        .map(fluent_langneg::parse_accepted_languages)
        .unwrap_or_default();
    let fallback: &'static LanguageIdentifier = &supported()[0];
    let chosen = negotiate_languages(
        &requested,
        supported(),
        Some(fallback),
        NegotiationStrategy::Filtering,
    );
    let chosen = chosen.first().copied().unwrap_or(fallback);
    SUPPORTED
        .iter()
        .zip(supported())
        .find(|(_, id)| *id == chosen)
        .map_or(FALLBACK, |(tag, _)| tag)
}

/// The message for an error code in a language, if the catalog has it.
pub fn message(code: &str, language: &str) -> Option<&'static str> {
    catalog().get(code)?.get(language).map(String::as_str)
}

/// Middleware: error answers carry their message in the caller's language, and say which.
pub async fn localise(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let language = negotiate(
        req.headers()
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let response = next.call(req).await?.map_into_boxed_body();
    let Some(error) = response
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
    else {
        return Ok(response);
    };
    let code = serde_json::to_value(error.code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let Some(text) = message(&code, language) else {
        return Ok(response);
    };
    // English keeps the more specific message written where the error arose.
    let text = if language == FALLBACK {
        error.message
    } else {
        text
    };
    let mut localised = error.response_saying(text);
    localised
        .headers_mut()
        .insert(CONTENT_LANGUAGE, HeaderValue::from_static(language));
    Ok(response.into_response(localised))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_exists_in_every_supported_language() {
        let catalog = catalog();
        assert!(catalog.len() >= 15, "the catalog did not parse");
        for (code, texts) in catalog {
            for language in SUPPORTED {
                assert!(
                    texts.get(language).is_some_and(|t| !t.trim().is_empty()),
                    "{code} has no {language} message"
                );
            }
            assert_eq!(
                texts.len(),
                SUPPORTED.len(),
                "{code} has a language not in SUPPORTED"
            );
        }
    }

    #[test]
    fn negotiation_falls_back_through_region_and_script_to_english() {
        assert_eq!(negotiate(Some("fr-CA,fr;q=0.9,en;q=0.5")), "fr");
        assert_eq!(negotiate(Some("tl-PH")), "tl");
        assert_eq!(negotiate(Some("zh-CN")), "zh-Hans");
        assert_eq!(negotiate(Some("ti-ER, ar;q=0.8")), "ar");
        assert_eq!(negotiate(Some("uk")), "en");
        assert_eq!(negotiate(None), "en");
        assert_eq!(negotiate(Some("garbage;;;")), "en");
    }
}
