//! The console's words: one Fluent bundle per language from `admin/locales/` (compiled in),
//! chosen from the browser's languages. A message missing in a language falls back to English;
//! a test makes sure none is missing.

use fluent_bundle::{FluentArgs, FluentValue};
use quietline_server::i18n::Bundle;
use std::sync::OnceLock;
use unic_langid::LanguageIdentifier;

/// The locale files, English (the fallback) first.
const FILES: [(&str, &str); 2] = [
    ("en", include_str!("../../locales/en.ftl")),
    ("fr", include_str!("../../locales/fr.ftl")),
];

pub struct Words {
    bundles: Vec<(&'static str, Bundle)>,
}

impl Words {
    /// Parses every locale file; a syntax error or a duplicate message is an error.
    pub fn load() -> Result<Words, String> {
        let mut bundles = Vec::with_capacity(FILES.len());
        for (tag, source) in FILES {
            let bundle =
                quietline_server::i18n::bundle(tag, source).map_err(|e| format!("{tag}: {e}"))?;
            bundles.push((tag, bundle));
        }
        Ok(Words { bundles })
    }

    /// The words, parsed once. Files that do not parse leave their messages shown by id (the
    /// tests make sure they parse).
    pub fn get() -> &'static Words {
        static WORDS: OnceLock<Words> = OnceLock::new();
        WORDS.get_or_init(|| {
            Words::load().unwrap_or_else(|problem| {
                tracing::error!(%problem, "the console's words do not parse");
                Words {
                    bundles: Vec::new(),
                }
            })
        })
    }

    /// The best language for an `Accept-Language` header (English when none matches).
    pub fn negotiate(&self, accept_language: &str) -> Text<'_> {
        let requested = fluent_langneg::parse_accepted_languages(accept_language);
        let available: Vec<LanguageIdentifier> = self
            .bundles
            .iter()
            .filter_map(|(tag, _)| tag.parse().ok())
            .collect();
        let default: Option<LanguageIdentifier> = "en".parse().ok();
        let chosen = fluent_langneg::negotiate_languages(
            &requested,
            &available,
            default.as_ref(),
            fluent_langneg::NegotiationStrategy::Lookup,
        );
        let tag = chosen.first().map(|id| id.to_string()).unwrap_or_default();
        let position = self.bundles.iter().position(|(t, _)| *t == tag);
        Text {
            tag: position.map_or("en", |i| self.bundles[i].0),
            bundle: position.map(|i| &self.bundles[i].1),
            fallback: self.bundles.first().map(|(_, b)| b),
        }
    }
}

/// The words of one language.
#[derive(Clone, Copy)]
pub struct Text<'a> {
    pub tag: &'static str,
    bundle: Option<&'a Bundle>,
    fallback: Option<&'a Bundle>,
}

impl Text<'_> {
    fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        for bundle in [self.bundle, self.fallback].into_iter().flatten() {
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return bundle
                    .format_pattern(pattern, args, &mut errors)
                    .into_owned();
            }
        }
        id.to_string()
    }

    /// A message.
    pub fn get(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// A message with named values.
    pub fn with(&self, id: &str, values: &[(&str, &str)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in values {
            args.set(*name, FluentValue::from(*value));
        }
        self.format(id, Some(&args))
    }

    /// A message with a number (plurals are chosen on it).
    pub fn count(&self, id: &str, name: &str, value: impl std::borrow::Borrow<i64>) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(*value.borrow()));
        self.format(id, Some(&args))
    }

    /// The name of an enumerated value (`state-draft`; `action-card-publish` for
    /// `card.publish`, a dot being no part of a message id), or the value itself where no
    /// message names it.
    pub fn name(&self, prefix: &str, value: &str) -> String {
        let id = format!("{prefix}-{}", value.trim_end_matches('.').replace('.', "-"));
        let text = self.get(&id);
        if text == id { value.to_string() } else { text }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(source: &str) -> Vec<String> {
        fluent_bundle::FluentResource::try_new(source.to_owned())
            .map(|resource| {
                resource
                    .entries()
                    .filter_map(|entry| match entry {
                        fluent_syntax::ast::Entry::Message(message) => {
                            Some(message.id.name.to_owned())
                        }
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn every_language_has_every_message_and_parses() {
        assert!(Words::load().is_ok());
        let mut english = ids(FILES[0].1);
        english.sort();
        assert!(english.len() > 80, "{}", english.len());
        for (tag, source) in &FILES[1..] {
            let mut found = ids(source);
            found.sort();
            assert_eq!(found, english, "{tag}");
        }
    }

    #[test]
    fn the_browsers_language_is_chosen() {
        let words = Words::load().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(words.negotiate("fr-CA,fr;q=0.9,en;q=0.5").tag, "fr");
        assert_eq!(words.negotiate("tl").tag, "en");
        assert_eq!(words.negotiate("").tag, "en");
        assert_eq!(words.negotiate("fr").get("nav-cards"), "Fiches");
    }
}
