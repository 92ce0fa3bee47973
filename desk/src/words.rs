//! The desk's words: one Fluent bundle per language from `locales/` (compiled in), chosen from
//! the browser's languages. A message missing in a language falls back to English; a test makes
//! sure none is missing.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

type Bundle = FluentBundle<FluentResource>;

/// The locale files, English (the fallback) first.
const FILES: [(&str, &str); 2] = [
    ("en", include_str!("../locales/en.ftl")),
    ("fr", include_str!("../locales/fr.ftl")),
];

pub struct Words {
    bundles: Vec<(&'static str, Bundle)>,
}

impl Words {
    /// Parses every locale file; a syntax error or a duplicate message is an error.
    pub fn load() -> Result<Words, String> {
        let mut bundles = Vec::with_capacity(FILES.len());
        for (tag, source) in FILES {
            let id: LanguageIdentifier = tag.parse().map_err(|e| format!("{tag}: {e}"))?;
            let resource = FluentResource::try_new(source.to_owned())
                .map_err(|(_, errors)| format!("{tag}: {errors:?}"))?;
            let mut bundle = Bundle::new_concurrent(vec![id]);
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .map_err(|errors| format!("{tag}: {errors:?}"))?;
            bundles.push((tag, bundle));
        }
        Ok(Words { bundles })
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
        let position = self
            .bundles
            .iter()
            .position(|(t, _)| *t == tag)
            .unwrap_or(0);
        Text {
            tag: self.bundles[position].0,
            bundle: &self.bundles[position].1,
            fallback: &self.bundles[0].1,
        }
    }

    /// Message ids of one language file, for the completeness test.
    #[cfg(test)]
    fn ids(source: &str) -> Vec<String> {
        FluentResource::try_new(source.to_owned())
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
}

/// The words of one language.
pub struct Text<'a> {
    pub tag: &'static str,
    bundle: &'a Bundle,
    fallback: &'a Bundle,
}

impl Text<'_> {
    fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        for bundle in [self.bundle, self.fallback] {
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
    pub fn count(&self, id: &str, name: &str, value: i64) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(value));
        self.format(id, Some(&args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_message_and_parses() {
        assert!(Words::load().is_ok());
        let english = Words::ids(FILES[0].1);
        assert!(english.len() > 40);
        for (tag, source) in &FILES[1..] {
            let ids = Words::ids(source);
            let missing: Vec<_> = english.iter().filter(|id| !ids.contains(id)).collect();
            assert!(missing.is_empty(), "{tag} lacks {missing:?}");
        }
    }

    #[test]
    fn the_browsers_language_is_chosen() {
        let words = Words::load().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(words.negotiate("fr-CA,fr;q=0.9,en;q=0.5").tag, "fr");
        assert_eq!(words.negotiate("tl").tag, "en");
        assert_eq!(words.negotiate("").tag, "en");
    }
}
