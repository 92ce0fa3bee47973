//! The site's words: one Fluent bundle per language, parsed once at start from the files in
//! `locales/` (compiled into the binary). A message missing in a language falls back to English;
//! a test makes sure none is missing.

use crate::face::themes::{Article, Theme};
use crate::i18n::Bundle;
use crate::i18n::FALLBACK;

/// The locale files, by language tag, in the order of [`SUPPORTED`].
const FILES: [(&str, &str); 6] = [
    ("en", include_str!("locales/en.ftl")),
    ("fr", include_str!("locales/fr.ftl")),
    ("es", include_str!("locales/es.ftl")),
    ("tl", include_str!("locales/tl.ftl")),
    ("zh-Hans", include_str!("locales/zh-Hans.ftl")),
    ("ar", include_str!("locales/ar.ftl")),
];

/// Languages written right to left.
const RIGHT_TO_LEFT: [&str; 1] = ["ar"];

pub struct Words {
    bundles: Vec<(&'static str, Bundle)>,
}

#[derive(Debug, thiserror::Error)]
#[error("the site's {language} words: {problem}")]
pub struct WordsError {
    language: &'static str,
    problem: String,
}

impl Words {
    /// Parses every locale file; any syntax error or duplicate message is an error.
    pub fn load() -> Result<Words, WordsError> {
        let mut bundles = Vec::with_capacity(FILES.len());
        for (tag, source) in FILES {
            let bundle = crate::i18n::bundle(tag, source).map_err(|problem| WordsError {
                language: tag,
                problem,
            })?;
            bundles.push((tag, bundle));
        }
        Ok(Words { bundles })
    }

    /// The words of one supported language (English for any other tag).
    pub fn language(&self, tag: &str, theme: Theme) -> Text<'_> {
        let position = |tag: &str| self.bundles.iter().position(|(t, _)| *t == tag);
        let fallback = position(FALLBACK).unwrap_or(0);
        let chosen = position(tag).unwrap_or(fallback);
        Text {
            tag: self.bundles[chosen].0,
            bundle: &self.bundles[chosen].1,
            fallback: &self.bundles[fallback].1,
            theme,
        }
    }

    /// Every language the site is written in, in the order of [`SUPPORTED`].
    pub fn tags(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.bundles.iter().map(|(tag, _)| *tag)
    }

    /// Message ids of a language, for the completeness test.
    #[cfg(test)]
    fn ids(&self, tag: &str) -> Vec<String> {
        FILES
            .iter()
            .filter(|(t, _)| *t == tag)
            .filter_map(|(_, source)| {
                fluent_bundle::FluentResource::try_new((*source).to_owned()).ok()
            })
            .flat_map(|resource| {
                resource
                    .entries()
                    .filter_map(|entry| match entry {
                        fluent_syntax::ast::Entry::Message(message) => Some(
                            std::iter::once(message.id.name.to_owned())
                                .chain(
                                    message
                                        .attributes
                                        .iter()
                                        .map(|a| format!("{}.{}", message.id.name, a.id.name)),
                                )
                                .collect::<Vec<_>>(),
                        ),
                        _ => None,
                    })
                    .flatten()
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// The words of one language, for one theme.
pub struct Text<'a> {
    pub tag: &'static str,
    bundle: &'a Bundle,
    fallback: &'a Bundle,
    theme: Theme,
}

impl Text<'_> {
    /// A message, or one of its attributes.
    fn lookup(&self, id: &str, attribute: Option<&str>) -> String {
        for bundle in [self.bundle, self.fallback] {
            let Some(message) = bundle.get_message(id) else {
                continue;
            };
            let pattern = match attribute {
                None => message.value(),
                Some(name) => message.get_attribute(name).map(|a| a.value()),
            };
            if let Some(pattern) = pattern {
                let mut errors = Vec::new();
                return bundle
                    .format_pattern(pattern, None, &mut errors)
                    .into_owned();
            }
        }
        String::new()
    }

    /// A message shared by every theme.
    pub fn get(&self, id: &str) -> String {
        self.lookup(id, None)
    }

    /// A message of the current theme (`name` is `recipes-name` on the recipe site).
    pub fn own(&self, key: &str) -> String {
        self.lookup(&format!("{}-{key}", self.theme.key()), None)
    }

    /// An article's title.
    pub fn title_of(&self, article: &Article) -> String {
        self.lookup(&self.theme.message_id(article), None)
    }

    /// One attribute of an article (`summary`, `p1`, `li3`, …).
    pub fn part_of(&self, article: &Article, part: &str) -> String {
        self.lookup(&self.theme.message_id(article), Some(part))
    }

    /// `rtl` or `ltr`, for the `dir` attribute.
    pub fn direction(&self) -> &'static str {
        if RIGHT_TO_LEFT.contains(&self.tag) {
            "rtl"
        } else {
            "ltr"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_of_the_seeker_messages_has_a_locale_file() {
        let words = Words::load().expect("every locale file parses");
        assert_eq!(
            words.tags().collect::<Vec<_>>(),
            crate::i18n::SUPPORTED.to_vec()
        );
    }

    #[test]
    fn every_message_exists_in_every_language_and_no_language_has_extra_ones() {
        let words = Words::load().expect("every locale file parses");
        let mut english = words.ids("en");
        english.sort();
        assert!(english.len() > 50, "{english:?}");
        for tag in words.tags() {
            let mut ids = words.ids(tag);
            ids.sort();
            assert_eq!(ids, english, "{tag}");
        }
    }

    #[test]
    fn every_article_has_its_title_summary_paragraphs_and_items() {
        let words = Words::load().expect("every locale file parses");
        for theme in Theme::ALL {
            for tag in words.tags() {
                let text = words.language(tag, theme);
                for name in [
                    "name",
                    "tagline",
                    "intro",
                    "list-heading",
                    "about-p1",
                    "about-p2",
                ] {
                    assert!(!text.own(name).is_empty(), "{tag} {theme} {name}");
                }
                for article in theme.articles() {
                    assert!(!text.title_of(article).is_empty());
                    let mut parts = vec!["summary".to_string(), "p1".into(), "p2".into()];
                    parts.extend((1..=article.items).map(|n| format!("li{n}")));
                    for part in &parts {
                        assert!(
                            !text.part_of(article, part).is_empty(),
                            "{tag} {} {part}",
                            article.slug
                        );
                    }
                    // No item beyond the count the theme declares.
                    assert_eq!(
                        words
                            .ids(tag)
                            .iter()
                            .filter(
                                |id| id.starts_with(&format!("{}.li", theme.message_id(article)))
                            )
                            .count(),
                        article.items,
                        "{tag} {}",
                        article.slug
                    );
                }
            }
        }
    }

    #[test]
    fn each_language_reads_in_its_own_words_and_direction() {
        let words = Words::load().expect("every locale file parses");
        let english = words.language("en", Theme::Recipes);
        let arabic = words.language("ar", Theme::Recipes);
        assert_eq!(english.get("language-name"), "English");
        assert_eq!(arabic.get("language-name"), "العربية");
        assert_ne!(english.own("name"), "");
        assert_ne!(english.get("nav-home"), arabic.get("nav-home"));
        assert_eq!(arabic.direction(), "rtl");
        assert_eq!(english.direction(), "ltr");
        // Unknown tags read in English.
        assert_eq!(words.language("xx", Theme::Weather).tag, "en");
    }
}
