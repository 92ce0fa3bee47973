//! What an unlocked page receives: its content rendered by the site, in the visitor's language,
//! and the words its codenames are made of.

use super::service::Opened;
use crate::error::{ApiError, ApiResult};
use crate::face::Site;
use crate::state::AppState;
use quietline_protocol::web::{OfferedLanguage, Unlocked};

/// Words in a codename: 66 bits from BIP-39's 2,048-word lists.
pub const CODENAME_WORDS: u8 = 6;

/// The BIP-39 list in the script of `tag` where there is one, English otherwise.
fn word_list(tag: &str) -> &'static [&'static str; 2048] {
    let primary = tag.split('-').next().unwrap_or_default();
    let language = match primary {
        "fr" => bip39::Language::French,
        "es" => bip39::Language::Spanish,
        "zh" => bip39::Language::SimplifiedChinese,
        _ => bip39::Language::English,
    };
    language.word_list()
}

/// The languages a page is read in: those its script gave, else `Accept-Language`.
pub fn requested(languages: &[String], accept_language: Option<&str>) -> Vec<String> {
    crate::language::requested(
        (!languages.is_empty())
            .then(|| languages.join(","))
            .as_deref(),
        accept_language,
    )
}

pub async fn unlocked(
    state: &AppState,
    site: &Site,
    opened: Opened,
    languages: &[String],
    accept_language: Option<&str>,
) -> ApiResult<Unlocked> {
    let requested = requested(languages, accept_language);
    let tag = site.language_for(&requested);
    let query = crate::cards::serve::CardQuery {
        locales: Some(requested.join(",")),
        ..Default::default()
    };
    let cards =
        crate::cards::serve::published(state, opened.organisation_id.clone(), query, None, false)
            .await?;
    let offered: Vec<OfferedLanguage> = opened
        .languages
        .iter()
        .map(|tag| OfferedLanguage {
            tag: tag.clone(),
            name: site.language_name(tag),
        })
        .collect();
    let words = word_list(tag);
    let data = crate::face::EntryData {
        pass: &opened.pass,
        words,
        codename_words: CODENAME_WORDS,
    };
    let html = site
        .entry(tag, cards, offered.clone(), opened.topics.clone(), &data)
        .map_err(ApiError::internal)?;
    Ok(Unlocked {
        pass: opened.pass,
        html,
        language: tag.to_owned(),
        words: words.iter().map(|w| (*w).to_owned()).collect(),
        codename_words: CODENAME_WORDS,
        languages: offered,
        topics: opened.topics,
    })
}
