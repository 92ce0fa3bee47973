//! What administrators review: which translations are current, outdated or missing, and which
//! cards are past (or near) their review date.

use super::serve::today;
use super::service;
use crate::auth::OrganisationAdmin;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use quietline_protocol::ErrorCode;
use quietline_protocol::cards::{
    Card, CardContent, CardCoverage, CardState, Coverage, CoverageReport, CoverageTotals, StaleCard,
};
use std::collections::BTreeMap;

/// The cards administrators still curate: archived ones are left out.
async fn curated(state: &AppState, admin: &OrganisationAdmin) -> ApiResult<Vec<Card>> {
    let cards = service::list(state, admin).await?;
    Ok(cards
        .into_iter()
        .filter(|card| card.state != CardState::Archived)
        .collect())
}

fn source_title(content: &CardContent) -> String {
    content
        .translations
        .get(&content.source_locale)
        .map(|t| t.title.clone())
        .unwrap_or_default()
}

/// Cards × locales. The locales are those asked for, or else every locale any card has plus the
/// organisation's default.
pub async fn coverage(
    state: &AppState,
    admin: &OrganisationAdmin,
    locales: Option<String>,
) -> ApiResult<CoverageReport> {
    let organisation_id = admin.organisation_id().clone();
    let cards = curated(state, admin).await?;
    let mut wanted: Vec<String> = match locales {
        Some(list) => {
            let tags: Vec<String> = list
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect();
            crate::language::canonical_languages(&tags).map_err(|_| {
                ApiError::unprocessable(ErrorCode::InvalidParameter, "A locale is not BCP 47.")
            })?
        }
        None => {
            let default = state
                .db
                .read(move |conn| {
                    crate::organisations::store::find_organisation(conn, &organisation_id)
                        .map_err(crate::db::DbError::from)
                })
                .await?
                .map(|organisation| organisation.default_language);
            cards
                .iter()
                .flat_map(|card| card.content.translations.keys().cloned())
                .chain(default)
                .collect()
        }
    };
    wanted.sort();
    wanted.dedup();
    let mut totals: BTreeMap<String, CoverageTotals> = wanted
        .iter()
        .map(|l| (l.clone(), CoverageTotals::default()))
        .collect();
    let cards = cards
        .into_iter()
        .map(|card| {
            let content = &card.content;
            let locales = wanted
                .iter()
                .map(|locale| {
                    let status = match content.translations.get(locale) {
                        None => Coverage::Missing,
                        Some(_) if card.outdated_locales.contains(locale) => Coverage::Outdated,
                        Some(_) => Coverage::Current,
                    };
                    if let Some(total) = totals.get_mut(locale) {
                        match status {
                            Coverage::Current => total.current += 1,
                            Coverage::Outdated => total.outdated += 1,
                            Coverage::Missing => total.missing += 1,
                        }
                    }
                    (locale.clone(), status)
                })
                .collect();
            CardCoverage {
                id: card.id.clone(),
                title: source_title(content),
                state: card.state,
                source_locale: content.source_locale.clone(),
                locales,
            }
        })
        .collect();
    Ok(CoverageReport {
        locales: wanted,
        cards,
        totals,
    })
}

/// Days from `from` to `to` (YYYY-MM-DD); `None` if either is not a date.
fn days_between(from: &str, to: &str) -> Option<i64> {
    let from: jiff::civil::Date = from.parse().ok()?;
    let to: jiff::civil::Date = to.parse().ok()?;
    let span = from.until((jiff::Unit::Day, to)).ok()?;
    Some(i64::from(span.get_days()))
}

/// Cards whose review date has passed, or comes within `within_days`, most overdue first.
pub async fn stale(
    state: &AppState,
    admin: &OrganisationAdmin,
    within_days: Option<u32>,
) -> ApiResult<Vec<StaleCard>> {
    let cards = curated(state, admin).await?;
    let today = today(state.clock.now());
    let within = i64::from(within_days.unwrap_or(0));
    let mut stale: Vec<StaleCard> = cards
        .into_iter()
        .filter_map(|card| {
            let content = &card.content;
            let review_by = content.review_by.clone()?;
            let overdue_days = days_between(&review_by, &today)?;
            // Past the review date (as bundles judge it), or due within the days asked for.
            let due = overdue_days > 0 || (within > 0 && overdue_days >= -within);
            due.then(|| StaleCard {
                id: card.id.clone(),
                title: source_title(content),
                state: card.state,
                review_by,
                overdue_days,
                last_verified: content.last_verified.clone(),
            })
        })
        .collect();
    stale.sort_by(|a, b| {
        b.overdue_days
            .cmp(&a.overdue_days)
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_between_dates_count_both_ways() {
        assert_eq!(days_between("2026-11-20", "2026-11-23"), Some(3));
        assert_eq!(days_between("2026-12-01", "2026-11-23"), Some(-8));
        assert_eq!(days_between("2024-02-28", "2024-03-01"), Some(2));
        assert_eq!(days_between("not a date", "2026-11-23"), None);
    }
}
