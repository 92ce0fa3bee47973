//! Language tags (BCP 47): checking, the canonical form every table stores, and when two tags
//! name the same language. Depends on no domain module, so every domain can use it.

use crate::error::{ApiError, ApiResult};
use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use quietline_protocol::ErrorCode;
use std::str::FromStr;
pub use unic_langid::LanguageIdentifier;

/// Most languages a list (a worker's, a seeker's request) may hold.
pub const MAX_LANGUAGES: usize = 20;

fn not_bcp47() -> ApiError {
    ApiError::unprocessable(
        ErrorCode::InvalidLanguageTag,
        "A language tag is not valid BCP 47.",
    )
}

/// The canonical form of one tag (`fr-ca` becomes `fr-CA`); `None` if it is not BCP 47 or is
/// `und`.
pub fn canonical(tag: &str) -> Option<String> {
    let tag = LanguageIdentifier::from_str(tag).ok()?.to_string();
    (tag != "und").then_some(tag)
}

/// The canonical form of one required tag, or `422 invalid_language_tag`.
pub fn canonical_one(tag: &str) -> ApiResult<String> {
    canonical(tag).ok_or_else(not_bcp47)
}

/// Checks and canonicalises a list of tags, without duplicates, in the order given.
pub fn canonical_languages(tags: &[String]) -> ApiResult<Vec<String>> {
    if tags.len() > MAX_LANGUAGES {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidBody,
            "At most 20 languages.",
        ));
    }
    let mut languages = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = canonical_one(tag)?;
        if !languages.contains(&tag) {
            languages.push(tag);
        }
    }
    Ok(languages)
}

/// `fr-CA` and `fr` are the same language for matching a worker to a seeker.
pub fn same_language(a: &str, b: &str) -> bool {
    let base = |tag: &str| {
        tag.split('-')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    base(a) == base(b)
}

/// The locale fallback chain: the requested locales matched against those the cards have (with
/// `fr-CA` finding `fr`), then the organisation's default, then English.
pub fn locale_chain(requested: &[String], available: &[String], default: &str) -> Vec<String> {
    let parse = |tags: &[String]| -> Vec<LanguageIdentifier> {
        tags.iter().filter_map(|t| t.parse().ok()).collect()
    };
    let requested = parse(requested);
    let available_ids = parse(available);
    let mut chain: Vec<String> = negotiate_languages(
        &requested,
        &available_ids,
        None,
        NegotiationStrategy::Filtering,
    )
    .into_iter()
    .map(|id| id.to_string())
    .collect();
    for fallback in [default, "en"] {
        if !chain.iter().any(|c| c == fallback) {
            chain.push(fallback.to_string());
        }
    }
    chain
}

/// The languages a request asks for: an explicit comma-separated list when given, else the
/// `Accept-Language` header's, best first.
pub fn requested(list: Option<&str>, accept_language: Option<&str>) -> Vec<String> {
    match list {
        Some(list) => list
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        None => accept_language
            .map(fluent_langneg::parse_accepted_languages)
            .unwrap_or_default()
            .into_iter()
            .map(|id| id.to_string())
            .collect(),
    }
}

/// Whether someone who speaks `spoken` speaks one of `wanted`.
pub fn speaks_any(spoken: &[String], wanted: &[String]) -> bool {
    wanted
        .iter()
        .any(|w| spoken.iter().any(|s| same_language(w, s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_canonicalised_and_deduplicated() {
        let tags = ["fr-ca", "FR-CA", "tl", "zh-hans"].map(String::from);
        assert_eq!(
            canonical_languages(&tags).unwrap(),
            ["fr-CA", "tl", "zh-Hans"]
        );
        assert!(canonical_languages(&["und".to_string()]).is_err());
        assert!(canonical_languages(&["not a tag".to_string()]).is_err());
        assert!(canonical_languages(&vec!["en".to_string(); MAX_LANGUAGES + 1]).is_err());
    }

    #[test]
    fn a_regional_tag_is_the_same_language_as_its_base() {
        assert!(same_language("fr-CA", "fr"));
        assert!(!same_language("fr", "en"));
        assert!(speaks_any(&["tl".into(), "en".into()], &["TL".into()]));
        assert!(!speaks_any(&["en".into()], &["ar".into(), "fa".into()]));
    }
}
