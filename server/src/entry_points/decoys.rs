//! Decoy content: what makes the app built on an entry point genuinely usable as what it
//! pretends to be. Anyone may fetch it by the entry point's public slug, without the code; every
//! answer has the same size. Administrators curate it per language; where they have not, the
//! theme's seed content (`seeds/`, original text in several languages) is served.

use super::store::{self, DecoyRow, EntryPointRow};
use crate::auth::OrganisationAdmin;
use crate::error::{ApiError, ApiResult};
use crate::language::{canonical_one, locale_chain};
use crate::state::AppState;
use quietline_protocol::decoys::{
    CuratedDecoy, DECOY_BODY_SIZE, DecoyContent, DecoyPage, DisguiseTheme,
};
use quietline_protocol::{EntryPointId, ErrorCode};
use std::collections::BTreeMap;
use std::sync::OnceLock;

type Seeds = BTreeMap<DisguiseTheme, BTreeMap<String, DecoyContent>>;

const SEED_FILES: [(DisguiseTheme, &str); 5] = [
    (DisguiseTheme::Recipes, include_str!("seeds/recipes.json")),
    (DisguiseTheme::Weather, include_str!("seeds/weather.json")),
    (
        DisguiseTheme::Calculator,
        include_str!("seeds/calculator.json"),
    ),
    (
        DisguiseTheme::Flashcards,
        include_str!("seeds/flashcards.json"),
    ),
    (
        DisguiseTheme::NewsDigest,
        include_str!("seeds/news_digest.json"),
    ),
];

/// The seed content of every theme, by language, parsed once. A seed that does not parse is
/// missing (and a test fails).
fn seeds() -> &'static Seeds {
    static SEEDS: OnceLock<Seeds> = OnceLock::new();
    SEEDS.get_or_init(|| {
        SEED_FILES
            .iter()
            .map(|(theme, json)| (*theme, serde_json::from_str(json).unwrap_or_default()))
            .collect()
    })
}

/// The seed content of a theme in a language (English where the language has none): what an
/// entry point serves until an administrator curates its own.
pub fn seed(theme: DisguiseTheme, language: &str) -> Option<DecoyContent> {
    let seed = seeds().get(&theme)?;
    seed.get(language).or_else(|| seed.get("en")).cloned()
}

fn invalid(message: &'static str) -> ApiError {
    ApiError::unprocessable(ErrorCode::InvalidBody, message)
}

/// A line of text: 1 to `max` characters, no control characters.
fn line_ok(text: &str, max: usize) -> bool {
    let n = text.chars().count();
    (1..=max).contains(&n) && !text.chars().any(char::is_control)
}

/// Checks content against its entry point's theme and the limits that keep every answer within
/// one size.
pub fn validate(theme: DisguiseTheme, content: &DecoyContent) -> ApiResult<()> {
    if content.theme() != theme {
        return Err(invalid("The content's theme is not the entry point's."));
    }
    let lines_ok = |lines: &[String], most: usize, max: usize| {
        (1..=most).contains(&lines.len()) && lines.iter().all(|l| line_ok(l, max))
    };
    let ok = match content {
        DecoyContent::Recipes { recipes } => {
            (1..=10).contains(&recipes.len())
                && recipes.iter().all(|r| {
                    line_ok(&r.title, 80)
                        && line_ok(&r.summary, 200)
                        && lines_ok(&r.ingredients, 20, 120)
                        && lines_ok(&r.steps, 15, 300)
                })
        }
        DecoyContent::Weather { tips } => {
            (1..=15).contains(&tips.len())
                && tips
                    .iter()
                    .all(|t| line_ok(&t.title, 80) && line_ok(&t.text, 400))
        }
        DecoyContent::Calculator { settings } => {
            [".", ","].contains(&settings.decimal_separator.as_str())
                && [",", ".", " ", ""].contains(&settings.group_separator.as_str())
                && settings.group_separator != settings.decimal_separator
                && settings.precision <= 12
                && settings.history_size <= 50
        }
        DecoyContent::Flashcards { cards } => {
            (1..=50).contains(&cards.len())
                && cards.iter().all(|c| {
                    (1..=7).contains(&c.day) && line_ok(&c.front, 80) && line_ok(&c.back, 200)
                })
        }
        DecoyContent::NewsDigest { items } => {
            (1..=15).contains(&items.len())
                && items.iter().all(|i| {
                    line_ok(&i.headline, 120) && line_ok(&i.summary, 400) && line_ok(&i.section, 40)
                })
        }
    };
    if !ok {
        return Err(invalid(
            "Decoy content has at most a few items of short, plain text (see the API document).",
        ));
    }
    // The answer's size is fixed: the content must fit in it in any language.
    let page = DecoyPage {
        language: "zh-Hans-CN".into(),
        content: content.clone(),
    };
    if serde_json::to_vec(&page).map_err(ApiError::internal)?.len() > DECOY_BODY_SIZE {
        return Err(invalid("Decoy content for one language fits in 16 KiB."));
    }
    Ok(())
}

/// A decoy page as its answer's body: JSON padded to exactly [`DECOY_BODY_SIZE`] bytes.
fn body_of(page: &DecoyPage) -> ApiResult<Vec<u8>> {
    let mut body = serde_json::to_vec(page).map_err(ApiError::internal)?;
    if body.len() > DECOY_BODY_SIZE {
        return Err(ApiError::internal("a decoy page outgrew its size"));
    }
    body.resize(DECOY_BODY_SIZE, b' ');
    Ok(body)
}

/// The page for an entry point in the best language for the visitor: curated content first,
/// then the seed, through the chain of requested, the entry point's default, English.
fn page_for(entry: &EntryPointRow, curated: Vec<DecoyRow>, requested: &[String]) -> DecoyPage {
    let seed = seeds().get(&entry.theme);
    let curated: BTreeMap<String, DecoyContent> = curated
        .into_iter()
        .filter_map(|row| Some((row.language, serde_json::from_str(&row.content).ok()?)))
        .collect();
    let mut available: Vec<String> = curated.keys().cloned().collect();
    available.extend(seed.into_iter().flat_map(|s| s.keys().cloned()));
    for language in locale_chain(requested, &available, &entry.default_language) {
        if let Some(content) = curated
            .get(&language)
            .or_else(|| seed.and_then(|s| s.get(&language)))
        {
            return DecoyPage {
                language,
                content: content.clone(),
            };
        }
    }
    // Every theme has English seed content (a test checks); this is never reached.
    DecoyPage {
        language: "en".into(),
        content: DecoyContent::Weather { tips: Vec::new() },
    }
}

/// (Anyone) The decoy content of the entry point with this public slug, as the answer's body.
/// An unknown slug is a plain 404.
pub async fn public(state: &AppState, slug: String, requested: Vec<String>) -> ApiResult<Vec<u8>> {
    let page = state
        .db
        .read(move |conn| {
            let entry = store::find_by_slug(conn, &slug)?.ok_or_else(ApiError::not_found)?;
            let curated = store::decoys(conn, &entry.id)?;
            Ok::<_, ApiError>(page_for(&entry, curated, &requested))
        })
        .await?;
    body_of(&page)
}

/// The administrator's entry point, or 404.
fn entry_of(
    conn: &mut crate::db::DbConn,
    admin_organisation: &quietline_protocol::OrganisationId,
    id: &EntryPointId,
) -> ApiResult<EntryPointRow> {
    store::find_in(conn, admin_organisation, id)?.ok_or_else(ApiError::not_found)
}

fn curated(row: DecoyRow) -> ApiResult<CuratedDecoy> {
    Ok(CuratedDecoy {
        content: serde_json::from_str(&row.content).map_err(ApiError::internal)?,
        language: row.language,
        updated_at: row.updated_at,
    })
}

/// (Administrators) The decoy content curated for an entry point, every language.
pub async fn list(
    state: &AppState,
    admin: &OrganisationAdmin,
    id: EntryPointId,
) -> ApiResult<Vec<CuratedDecoy>> {
    let organisation_id = admin.organisation_id().clone();
    state
        .db
        .read(move |conn| {
            let entry = entry_of(conn, &organisation_id, &id)?;
            store::decoys(conn, &entry.id)?
                .into_iter()
                .map(curated)
                .collect()
        })
        .await
}

/// (Administrators) Replaces the decoy content of one language.
pub async fn put(
    state: &AppState,
    admin: &OrganisationAdmin,
    id: EntryPointId,
    language: &str,
    content: DecoyContent,
) -> ApiResult<CuratedDecoy> {
    let organisation_id = admin.organisation_id().clone();
    let language = canonical_one(language)?;
    let now = state.clock.now();
    let entry = crate::audit::Entry::new(
        admin,
        Some(admin.organisation_id()),
        crate::audit::Action::DecoySet,
    )
    .on(format!("{}/{language}", id.0));
    crate::audit::write(state, entry, move |conn| {
        let entry = entry_of(conn, &organisation_id, &id)?;
        validate(entry.theme, &content)?;
        let row = DecoyRow {
            entry_point_id: entry.id,
            language,
            content: serde_json::to_string(&content).map_err(ApiError::internal)?,
            updated_at: now,
        };
        store::put_decoy(conn, &row)?;
        curated(row)
    })
    .await
}

/// (Administrators) Removes one language's curated content: the seed is served again.
pub async fn remove(
    state: &AppState,
    admin: &OrganisationAdmin,
    id: EntryPointId,
    language: &str,
) -> ApiResult<()> {
    let organisation_id = admin.organisation_id().clone();
    let language = canonical_one(language)?;
    let entry = crate::audit::Entry::new(
        admin,
        Some(admin.organisation_id()),
        crate::audit::Action::DecoyDelete,
    )
    .on(format!("{}/{language}", id.0));
    crate::audit::write(state, entry, move |conn| {
        let entry = entry_of(conn, &organisation_id, &id)?;
        match store::delete_decoy(conn, &entry.id, &language)? {
            0 => Err(ApiError::not_found()),
            _ => Ok(()),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_theme_has_valid_seed_content_in_several_languages() {
        for theme in DisguiseTheme::ALL {
            let seed = seeds().get(&theme).expect("a seed file for every theme");
            for language in ["en", "fr", "es"] {
                let content = seed
                    .get(language)
                    .unwrap_or_else(|| panic!("{theme:?} {language}"));
                validate(theme, content).unwrap_or_else(|e| panic!("{theme:?} {language}: {e:?}"));
                let body = body_of(&DecoyPage {
                    language: language.into(),
                    content: content.clone(),
                })
                .expect("fits");
                assert_eq!(body.len(), DECOY_BODY_SIZE);
            }
            // Each language's seed is its own text, not a copy of English.
            if theme != DisguiseTheme::Calculator {
                assert_ne!(seed.get("en"), seed.get("fr"), "{theme:?}");
            }
        }
    }

    #[test]
    fn content_of_another_theme_or_too_large_is_refused() {
        let recipes = seeds()[&DisguiseTheme::Recipes]["en"].clone();
        assert!(validate(DisguiseTheme::Recipes, &recipes).is_ok());
        assert!(validate(DisguiseTheme::Weather, &recipes).is_err());
        let DecoyContent::Recipes { recipes: mut list } = recipes else {
            unreachable!()
        };
        list[0].title = "a\u{7}".into();
        assert!(
            validate(
                DisguiseTheme::Recipes,
                &DecoyContent::Recipes {
                    recipes: list.clone()
                }
            )
            .is_err()
        );
        list[0].title = "Soup".into();
        list[0].steps = vec!["x".repeat(300); 15];
        let big = DecoyContent::Recipes {
            recipes: vec![list[0].clone(); 10],
        };
        assert!(validate(DisguiseTheme::Recipes, &big).is_err());
    }
}
