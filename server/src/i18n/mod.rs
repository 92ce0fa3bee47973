//! Languages of what seekers read. Error messages a seeker's app may show come from Fluent files
//! (`errors/*.ftl`, one message per error code) in the language negotiated from
//! `Accept-Language` (RFC 4647 filtering with fallbacks, by fluent-langneg), English when none
//! of the person's languages is available.

use crate::error::ApiError;
use crate::language::LanguageIdentifier;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{ACCEPT_LANGUAGE, CONTENT_LANGUAGE, HeaderValue};
use actix_web::middleware::Next;
use fluent_bundle::FluentResource;
use fluent_bundle::concurrent::FluentBundle;
use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use std::sync::OnceLock;

/// Languages every seeker-facing message exists in.
pub const SUPPORTED: [&str; 6] = ["en", "fr", "es", "tl", "zh-Hans", "ar"];
pub const FALLBACK: &str = "en";

/// The error messages of each language in [`SUPPORTED`], in that order.
const FILES: [(&str, &str); 6] = [
    ("en", include_str!("errors/en.ftl")),
    ("fr", include_str!("errors/fr.ftl")),
    ("es", include_str!("errors/es.ftl")),
    ("tl", include_str!("errors/tl.ftl")),
    ("zh-Hans", include_str!("errors/zh-Hans.ftl")),
    ("ar", include_str!("errors/ar.ftl")),
];

/// A language's Fluent bundle, as every text of the server is formatted.
pub type Bundle = FluentBundle<FluentResource>;

/// Parses one language's Fluent file into a bundle: any syntax error or duplicate message is
/// an error. Bidirectional isolation marks are off: pages set each element's direction
/// themselves, and the marks would show up in titles, attributes and JSON.
pub fn bundle(tag: &str, source: &str) -> Result<Bundle, String> {
    let id = tag.parse().map_err(|e| format!("language tag: {e}"))?;
    let resource =
        FluentResource::try_new(source.to_owned()).map_err(|(_, errors)| format!("{errors:?}"))?;
    let mut bundle = Bundle::new_concurrent(vec![id]);
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .map_err(|errors| format!("{errors:?}"))?;
    Ok(bundle)
}

/// One bundle per language, parsed once. A file that does not parse is left out (its messages
/// fall back to the English written where the error arose); the tests catch it.
fn bundles() -> &'static [(&'static str, Bundle)] {
    static BUNDLES: OnceLock<Vec<(&'static str, Bundle)>> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        FILES
            .iter()
            .filter_map(|(tag, source)| Some((*tag, bundle(tag, source).ok()?)))
            .collect()
    })
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

/// The message for an error code in a language, if there is one.
pub fn message(code: &str, language: &str) -> Option<String> {
    let (_, bundle) = bundles().iter().find(|(tag, _)| *tag == language)?;
    let pattern = bundle.get_message(code)?.value()?;
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, None, &mut errors);
    errors.is_empty().then(|| text.into_owned())
}

/// What an error says in a language that has a message for its code (English keeps the more
/// specific message written where the error arose); `None` where the language has none.
pub fn explain(error: &ApiError, language: &str) -> Option<String> {
    let code = serde_json::to_value(error.code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let text = message(&code, language)?;
    Some(if language == FALLBACK {
        error.message.to_string()
    } else {
        text
    })
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
    let Some(text) = explain(error, language) else {
        return Ok(response);
    };
    let mut localised = error.response_saying(&text);
    localised
        .headers_mut()
        .insert(CONTENT_LANGUAGE, HeaderValue::from_static(language));
    Ok(response.into_response(localised))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids a file defines, parsed strictly.
    fn ids(source: &str) -> Vec<String> {
        let resource = FluentResource::try_new(source.to_owned())
            .unwrap_or_else(|(_, errors)| panic!("does not parse: {errors:?}"));
        resource
            .entries()
            .filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_message_exists_in_every_supported_language() {
        assert_eq!(
            FILES.map(|(tag, _)| tag),
            SUPPORTED,
            "one file per supported language"
        );
        let english = ids(FILES[0].1);
        assert!(english.len() >= 15, "{english:?}");
        for (tag, source) in FILES {
            assert_eq!(
                ids(source),
                english,
                "{tag} has other messages than English"
            );
            for code in &english {
                assert!(
                    message(code, tag).is_some_and(|t| !t.trim().is_empty()),
                    "{code} has no {tag} message"
                );
            }
        }
        // Every message is an error code's.
        for code in &english {
            let parsed: Result<quietline_protocol::ErrorCode, _> =
                serde_json::from_value(serde_json::Value::String(code.clone()));
            assert!(parsed.is_ok(), "{code} is not an error code");
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
