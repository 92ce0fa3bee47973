//! Disguises of entry points: the theme an app built on an entry point passes for, and the decoy
//! content that makes it genuinely usable as that (recipes, a calculator's settings, a week of
//! flashcards, a news digest). Anyone may fetch it by the entry point's public slug; the slug
//! opens nothing else.

use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Every decoy answer has exactly this many bytes (the 16 KiB padding bucket), whatever the
/// content and the language, so that its size tells nothing either.
pub const DECOY_BODY_SIZE: usize = 16 * 1024;

/// What an app built on an entry point looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum DisguiseTheme {
    Recipes,
    Weather,
    Calculator,
    Flashcards,
    NewsDigest,
}

impl DisguiseTheme {
    pub const ALL: [DisguiseTheme; 5] = [
        DisguiseTheme::Recipes,
        DisguiseTheme::Weather,
        DisguiseTheme::Calculator,
        DisguiseTheme::Flashcards,
        DisguiseTheme::NewsDigest,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            DisguiseTheme::Recipes => "recipes",
            DisguiseTheme::Weather => "weather",
            DisguiseTheme::Calculator => "calculator",
            DisguiseTheme::Flashcards => "flashcards",
            DisguiseTheme::NewsDigest => "news_digest",
        }
    }

    pub fn parse(s: &str) -> Option<DisguiseTheme> {
        DisguiseTheme::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The decoy content of one entry point in one language; its variant is the entry point's theme.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "theme", rename_all = "snake_case", deny_unknown_fields)]
pub enum DecoyContent {
    Recipes { recipes: Vec<Recipe> },
    Weather { tips: Vec<WeatherTip> },
    Calculator { settings: CalculatorSettings },
    Flashcards { cards: Vec<Flashcard> },
    NewsDigest { items: Vec<NewsItem> },
}

impl DecoyContent {
    pub fn theme(&self) -> DisguiseTheme {
        match self {
            DecoyContent::Recipes { .. } => DisguiseTheme::Recipes,
            DecoyContent::Weather { .. } => DisguiseTheme::Weather,
            DecoyContent::Calculator { .. } => DisguiseTheme::Calculator,
            DecoyContent::Flashcards { .. } => DisguiseTheme::Flashcards,
            DecoyContent::NewsDigest { .. } => DisguiseTheme::NewsDigest,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    pub title: String,
    pub summary: String,
    pub ingredients: Vec<String>,
    pub steps: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WeatherTip {
    pub title: String,
    pub text: String,
}

/// How the calculator looks and behaves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CalculatorSettings {
    /// `.` or `,`.
    pub decimal_separator: String,
    /// Between groups of three digits: `,`, `.`, a space, or nothing.
    pub group_separator: String,
    /// Digits shown after the separator (0 to 12).
    pub precision: u8,
    /// Memory keys (M+, M−, MR, MC).
    pub memory_keys: bool,
    /// Square root, percent and powers.
    pub scientific: bool,
    /// Past calculations kept on the device (0 to 50).
    pub history_size: u8,
}

/// One card of a week of flashcards.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Flashcard {
    /// Day of the week the card is for, 1 (Monday) to 7.
    pub day: u8,
    pub front: String,
    pub back: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewsItem {
    pub headline: String,
    pub summary: String,
    pub section: String,
}

/// What `GET /v1/decoys/{slug}` answers: the content in the language chosen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DecoyPage {
    pub language: String,
    pub content: DecoyContent,
}

/// An administrator's decoy content for one language, as listed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CuratedDecoy {
    pub language: String,
    pub content: DecoyContent,
    pub updated_at: i64,
}
