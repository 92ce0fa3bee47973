//! The sites the public listener can pass for, and the articles each one has. Their words are in
//! `locales/`, under message ids made of the theme's key and the article's slug.

use serde::Deserialize;
use std::fmt;
use std::str::FromStr;

/// What the public listener looks like to a visitor (`QUIETLINE_SITE_THEME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// "Pantry Notes": everyday recipes.
    Recipes,
    /// "Fair Sky Guide": how to read the weather.
    Weather,
    /// "Word Garden": decks of English words.
    Flashcards,
}

/// One article of a theme: a recipe, a guide or a deck.
#[derive(Debug, PartialEq, Eq)]
pub struct Article {
    pub slug: &'static str,
    /// How many list items (`.li1` … `.liN`) its message has.
    pub items: usize,
}

const fn article(slug: &'static str, items: usize) -> Article {
    Article { slug, items }
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::Recipes, Theme::Weather, Theme::Flashcards];

    /// The prefix of the theme's message ids, its CSS class and its icon's name.
    pub const fn key(self) -> &'static str {
        match self {
            Theme::Recipes => "recipes",
            Theme::Weather => "weather",
            Theme::Flashcards => "flashcards",
        }
    }

    /// The first path segment of the theme's articles.
    pub const fn section(self) -> &'static str {
        match self {
            Theme::Recipes => "recipes",
            Theme::Weather => "guides",
            Theme::Flashcards => "decks",
        }
    }

    pub const fn articles(self) -> &'static [Article] {
        const RECIPES: [Article; 3] = [
            article("red-lentil-soup", 5),
            article("fried-rice", 4),
            article("banana-pancakes", 3),
        ];
        const WEATHER: [Article; 3] = [
            article("reading-a-forecast", 3),
            article("cold-days", 3),
            article("summer-storms", 3),
        ];
        const FLASHCARDS: [Article; 3] = [
            article("greetings", 4),
            article("at-the-market", 4),
            article("around-town", 4),
        ];
        match self {
            Theme::Recipes => &RECIPES,
            Theme::Weather => &WEATHER,
            Theme::Flashcards => &FLASHCARDS,
        }
    }

    /// The site's icon, a 16×16 ICO.
    pub const fn favicon(self) -> &'static [u8] {
        match self {
            Theme::Recipes => include_bytes!("assets/recipes.ico"),
            Theme::Weather => include_bytes!("assets/weather.ico"),
            Theme::Flashcards => include_bytes!("assets/flashcards.ico"),
        }
    }

    /// The message id of an article.
    pub fn message_id(self, article: &Article) -> String {
        format!("{}-{}", self.key(), article.slug)
    }

    /// The path of an article.
    pub fn path_of(self, article: &Article) -> String {
        format!("/{}/{}", self.section(), article.slug)
    }
}

impl fmt::Display for Theme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown site theme (recipes, weather or flashcards)")]
pub struct UnknownTheme;

impl FromStr for Theme {
    type Err = UnknownTheme;

    fn from_str(s: &str) -> Result<Theme, UnknownTheme> {
        Theme::ALL
            .into_iter()
            .find(|theme| theme.key().eq_ignore_ascii_case(s))
            .ok_or(UnknownTheme)
    }
}
