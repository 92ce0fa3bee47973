//! Serving cards to seekers and workers: the locale negotiated per card along a fallback chain
//! (requested → organisation default → English), filters, accent- and case-insensitive search,
//! and whole signed bundles for offline browsing. The same code serves both backends, so results
//! cannot differ between them.

use super::cache::{Bundle, BundleId, PublishedSet};
use super::store;
use crate::auth::{OrganisationAdmin, Principal};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::language::locale_chain;
use crate::state::AppState;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use quietline_protocol::cards::{
    BundleKey, BundlePayload, CardCategory, CardContent, ServedCard, SignedBundle, Weekday, is_rtl,
    search_folded,
};
use quietline_protocol::{CardId, ErrorCode, OrganisationId};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::Arc;

/// How long a retired signing key still verifies.
pub const KEY_GRACE_SECONDS: i64 = 14 * 86_400;

/// What a client asks for; every filter is optional.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CardQuery {
    /// Preferred locales, BCP 47, comma-separated, best first; otherwise `Accept-Language`.
    pub locales: Option<String>,
    pub category: Option<String>,
    /// Where the person is: "CA-QC" or "CA-QC/Montréal". National cards always match.
    pub region: Option<String>,
    /// One of the eligibility groups, e.g. `any_status`.
    pub eligibility: Option<String>,
    /// A language the service itself should speak.
    pub language: Option<String>,
    /// Only services open at this moment (or always open).
    pub open_now: Option<bool>,
    /// Words to search for in the served text, any case and accents.
    pub q: Option<String>,
}

fn invalid(message: &'static str) -> ApiError {
    ApiError::unprocessable(ErrorCode::InvalidParameter, message)
}

fn requested_locales(query: &CardQuery, accept_language: Option<&str>) -> Vec<String> {
    crate::language::requested(query.locales.as_deref(), accept_language)
}

/// Whether a card serving `served` regions is relevant to someone in `wanted` (folded, as
/// [`wanted_region`] gives it, so a filter over many cards folds it once): national cards always;
/// otherwise a region containing the person's, or within it.
fn folded_region_matches(served: &[String], wanted: &str) -> bool {
    served.iter().any(|region| {
        let region = search_folded(region);
        region == "national"
            || region == wanted
            || within(wanted, &region)
            || within(&region, wanted)
    })
}

/// Whether `inner` lies within `outer`: "ca-qc/montreal" within "ca-qc" within "ca".
fn within(inner: &str, outer: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.starts_with('-') || rest.starts_with('/'))
}

/// Longest region a client may name.
const MAX_REGION: usize = 80;

/// The region a query names, checked and folded (case and accents): up to three `/`-separated
/// parts ("CA", "CA-QC", "CA-QC/Montréal"), of letters, digits, spaces and `-.'`. Anything else
/// is refused (422) before it reaches a filter or a cache.
fn wanted_region(query: &CardQuery) -> ApiResult<Option<String>> {
    let Some(region) = query.region.as_deref() else {
        return Ok(None);
    };
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, ' ' | '-' | '.' | '\'' | '’');
    let parts: Vec<&str> = region.split('/').collect();
    let valid = region.chars().count() <= MAX_REGION
        && parts.len() <= 3
        && parts
            .iter()
            .all(|part| !part.trim().is_empty() && part.chars().all(allowed));
    if valid {
        Ok(Some(search_folded(region)))
    } else {
        Err(ApiError::unprocessable(
            ErrorCode::InvalidParameter,
            "A region looks like CA, CA-QC or CA-QC/Montréal.",
        ))
    }
}

fn weekday(day: jiff::civil::Weekday) -> Weekday {
    match day {
        jiff::civil::Weekday::Monday => Weekday::Mon,
        jiff::civil::Weekday::Tuesday => Weekday::Tue,
        jiff::civil::Weekday::Wednesday => Weekday::Wed,
        jiff::civil::Weekday::Thursday => Weekday::Thu,
        jiff::civil::Weekday::Friday => Weekday::Fri,
        jiff::civil::Weekday::Saturday => Weekday::Sat,
        jiff::civil::Weekday::Sunday => Weekday::Sun,
    }
}

/// Whether the service is open at `now` in its own time zone.
pub fn open_at(content: &CardContent, now: i64) -> bool {
    let contact = &content.contact;
    if contact.always_open {
        return true;
    }
    let Some(zone) = contact
        .time_zone
        .as_deref()
        .and_then(|z| jiff::tz::TimeZone::get(z).ok())
    else {
        return false;
    };
    let Ok(instant) = jiff::Timestamp::from_second(now) else {
        return false;
    };
    let local = instant.to_zoned(zone);
    let day = weekday(local.weekday());
    let time = format!("{:02}:{:02}", local.hour(), local.minute());
    contact.hours.iter().any(|h| {
        h.days.contains(&day)
            && h.opens.as_str() <= time.as_str()
            && time.as_str() < h.closes.as_str()
    })
}

/// Today's date, UTC, as YYYY-MM-DD.
pub fn today(now: i64) -> String {
    jiff::Timestamp::from_second(now)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
        .unwrap_or_default()
}

/// A published card in the best locale of the chain it has.
fn served(id: &CardId, content: CardContent, chain: &[String], today: &str) -> Option<ServedCard> {
    let locale = chain
        .iter()
        .find(|l| content.translations.contains_key(*l))
        .cloned()
        .unwrap_or_else(|| content.source_locale.clone());
    let source_revision = content
        .translations
        .get(&content.source_locale)
        .map(|t| t.source_revision)
        .unwrap_or_default();
    let text = content.translations.get(&locale)?.clone();
    Some(ServedCard {
        id: id.to_string(),
        category: content.category,
        rtl: is_rtl(&locale),
        translation_outdated: text.source_revision < source_revision,
        locale,
        title: text.title,
        summary: text.summary,
        body: text.body,
        risk_disclosure: text.risk_disclosure,
        confidentiality: text.confidentiality,
        may_be_out_of_date: content.review_by.as_deref().is_some_and(|d| d < today),
        regions: content.regions,
        languages: content.languages,
        eligibility: content.eligibility,
        cost: content.cost,
        contact: content.contact,
        tags: content.tags,
        last_verified: content.last_verified,
        review_by: content.review_by,
        sample: content.sample,
        to_be_completed: content.to_be_completed,
        source: content.source,
        reports: content.reports,
        admission: content.admission,
        referral: content.referral,
        length_of_stay_days: content.length_of_stay_days,
        security_level: content.security_level,
        // Added by `cards` for the organisation's workers only, never here: bundles are
        // built from this and shared by seekers and workers alike.
        workers_only: None,
    })
}

/// The organisation's default language and the generation of its published cards.
fn generation(conn: &mut DbConn, organisation_id: &OrganisationId) -> ApiResult<(String, i64)> {
    let organisation = crate::organisations::store::find_organisation(conn, organisation_id)?
        .ok_or_else(ApiError::not_found)?;
    let (_, generation) = store::settings(conn, organisation_id)?;
    Ok((organisation.default_language, generation))
}

/// The organisation's published cards at `generation`, read and parsed once per generation.
async fn published_set(
    state: &AppState,
    organisation_id: &OrganisationId,
    generation: i64,
) -> ApiResult<Arc<PublishedSet>> {
    let set_id = (organisation_id.clone(), generation);
    if let Some(set) = state.bundles.published(&set_id) {
        return Ok(set);
    }
    let id = organisation_id.clone();
    let rows = state
        .db
        .read(move |conn| store::published(conn, &id).map_err(ApiError::from))
        .await?;
    let cards: Vec<(CardId, CardContent)> = rows
        .into_iter()
        .filter_map(|(id, json)| serde_json::from_str(&json).ok().map(|c| (id, c)))
        .collect();
    // A publication between the two reads only makes this set newer than its generation says;
    // entity tags follow the bytes either way.
    let set = Arc::new(PublishedSet {
        locales: available_locales(&cards),
        cards,
    });
    state.bundles.keep_published(set_id, set.clone());
    Ok(set)
}

fn available_locales(cards: &[(CardId, CardContent)]) -> Vec<String> {
    let mut locales: Vec<String> = cards
        .iter()
        .flat_map(|(_, c)| c.translations.keys().cloned())
        .collect();
    locales.sort();
    locales.dedup();
    locales
}

fn must_be_client(principal: &Principal) -> ApiResult<()> {
    match principal.role {
        quietline_protocol::api::Role::Admin => Err(ApiError::forbidden()),
        _ => Ok(()),
    }
}

/// Published cards of an organisation, filtered and searched, each in its negotiated locale.
pub async fn cards(
    state: &AppState,
    principal: &Principal,
    organisation_id: OrganisationId,
    query: CardQuery,
    accept_language: Option<String>,
) -> ApiResult<Vec<ServedCard>> {
    must_be_client(principal)?;
    // What a card keeps for workers goes to its own organisation's workers, no one else.
    let for_own_workers = principal.role == quietline_protocol::api::Role::Worker
        && principal.organisation_id.as_ref() == Some(&organisation_id);
    published(
        state,
        organisation_id,
        query,
        accept_language,
        for_own_workers,
    )
    .await
}

/// [`cards`] for whoever may read them: with what cards keep for workers only when
/// `for_own_workers`.
pub async fn published(
    state: &AppState,
    organisation_id: OrganisationId,
    query: CardQuery,
    accept_language: Option<String>,
    for_own_workers: bool,
) -> ApiResult<Vec<ServedCard>> {
    let category = match query.category.as_deref() {
        None => None,
        Some(c) => Some(CardCategory::parse(c).ok_or(invalid("Unknown category."))?),
    };
    let region = wanted_region(&query)?;
    let requested = requested_locales(&query, accept_language.as_deref());
    let now = state.clock.now();
    let id = organisation_id.clone();
    let (default, generation) = state.db.read(move |conn| generation(conn, &id)).await?;
    let set = published_set(state, &organisation_id, generation).await?;
    let chain = locale_chain(&requested, &set.locales, &default);
    let today = today(now);
    let terms: Vec<String> = query
        .q
        .as_deref()
        .map(|q| {
            search_folded(q)
                .split_whitespace()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let language = query
        .language
        .as_deref()
        .map(|l| l.split('-').next().unwrap_or_default().to_ascii_lowercase());
    Ok(set
        .cards
        .iter()
        .filter(|(_, c)| category.is_none_or(|wanted| c.category == wanted))
        .filter(|(_, c)| {
            region
                .as_deref()
                .is_none_or(|r| folded_region_matches(&c.regions, r))
        })
        .filter(|(_, c)| {
            query
                .eligibility
                .as_ref()
                .is_none_or(|e| c.eligibility.contains(e))
        })
        .filter(|(_, c)| {
            language.as_deref().is_none_or(|wanted| {
                c.languages.iter().any(|l| {
                    l.split('-')
                        .next()
                        .unwrap_or_default()
                        .eq_ignore_ascii_case(wanted)
                })
            })
        })
        .filter(|(_, c)| query.open_now != Some(true) || open_at(c, now))
        .filter_map(|(id, c)| {
            let mut card = served(id, c.clone(), &chain, &today)?;
            if for_own_workers && !c.workers_only.is_empty() {
                card.workers_only = Some(c.workers_only.clone());
            }
            Some(card)
        })
        .filter(|card| {
            if terms.is_empty() {
                return true;
            }
            let text = search_folded(&format!(
                "{} {} {} {}",
                card.title,
                card.summary,
                card.body,
                card.tags.join(" ")
            ));
            terms.iter().all(|term| text.contains(term.as_str()))
        })
        .collect())
}

/// The organisation's signing keys that still verify: the current one and retired ones within
/// their grace period.
pub async fn keys(
    state: &AppState,
    principal: &Principal,
    organisation_id: OrganisationId,
) -> ApiResult<Vec<BundleKey>> {
    must_be_client(principal)?;
    let now = state.clock.now();
    let id = organisation_id.clone();
    let mut rows = state
        .db
        .read(move |conn| store::keys(conn, &id).map_err(ApiError::from))
        .await?;
    if !rows.iter().any(|k| k.retired_at.is_none()) {
        // Made on first use, so that a client can pin it before its first bundle.
        current_key(state, &organisation_id).await?;
        rows = state
            .db
            .read(move |conn| store::keys(conn, &organisation_id).map_err(ApiError::from))
            .await?;
    }
    Ok(rows
        .into_iter()
        .map(bundle_key)
        .filter(|key| key.valid_until.is_none_or(|until| now < until))
        .collect())
}

fn bundle_key(key: store::KeyRow) -> BundleKey {
    BundleKey {
        key_id: key.key_id,
        public_key: key.public_key,
        valid_until: key.retired_at.map(|r| r + KEY_GRACE_SECONDS),
    }
}

/// A sealed signing key, opened.
fn open_key(state: &AppState, key_id: &str, sealed: &[u8]) -> ApiResult<ed25519_dalek::SigningKey> {
    let secret = state
        .sealer
        .open(sealed, key_id.as_bytes())
        .map_err(ApiError::internal)?;
    let secret: [u8; 32] = secret
        .try_into()
        .map_err(|_| ApiError::internal("signing key length"))?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&secret))
}

/// The id and sealed secret of the organisation's current signing key, made on first use.
async fn current_key(
    state: &AppState,
    organisation_id: &OrganisationId,
) -> ApiResult<(String, Vec<u8>)> {
    let organisation = organisation_id.clone();
    let sealer = state.sealer.clone();
    let now = state.clock.now();
    state
        .db
        .write(move |conn| {
            if let Some(key) = current_key_row(conn, &organisation)? {
                return Ok::<_, ApiError>(key);
            }
            if crate::organisations::store::find_organisation(conn, &organisation)?.is_none() {
                return Err(ApiError::not_found());
            }
            new_key(conn, &sealer, &organisation, now)
        })
        .await
}

fn new_key(
    conn: &mut DbConn,
    sealer: &crate::auth::secrets::Sealer,
    organisation_id: &OrganisationId,
    now: i64,
) -> ApiResult<(String, Vec<u8>)> {
    let secret: [u8; 32] = crate::auth::secrets::random_bytes().map_err(ApiError::internal)?;
    let signing = ed25519_dalek::SigningKey::from_bytes(&secret);
    let key_id = uuid::Uuid::new_v4().to_string();
    let sealed = sealer
        .seal(&secret, key_id.as_bytes())
        .map_err(ApiError::internal)?;
    let public = STANDARD.encode(signing.verifying_key().as_bytes());
    store::insert_key(
        conn,
        &store::KeyRow {
            key_id: key_id.clone(),
            organisation_id: organisation_id.clone(),
            public_key: public,
            secret_sealed: sealed.clone(),
            created_at: now,
            retired_at: None,
        },
    )?;
    Ok((key_id, sealed))
}

/// Retires the current signing key and makes a new one; the old one verifies for the grace
/// period.
pub async fn rotate_key(state: &AppState, admin: &OrganisationAdmin) -> ApiResult<Vec<BundleKey>> {
    let organisation_id = admin.organisation_id().clone();
    let sealer = state.sealer.clone();
    let now = state.clock.now();
    let organisation = organisation_id.clone();
    let entry = crate::audit::Entry::new(
        admin,
        Some(admin.organisation_id()),
        crate::audit::Action::BundleKeyRotate,
    );
    crate::audit::write(state, entry, move |conn| {
        store::retire_keys(conn, &organisation, now)?;
        new_key(conn, &sealer, &organisation, now).map(|_| ())
    })
    .await?;
    let rows = state
        .db
        .read(move |conn| store::keys(conn, &organisation_id).map_err(ApiError::from))
        .await?;
    Ok(rows.into_iter().map(bundle_key).collect())
}

/// The organisation's default language, published generation and current key (if it has one).
type BundleBasis = (String, i64, Option<(String, Vec<u8>)>);

fn basis(conn: &mut DbConn, organisation_id: &OrganisationId) -> ApiResult<BundleBasis> {
    let (default, generation) = generation(conn, organisation_id)?;
    Ok((default, generation, current_key_row(conn, organisation_id)?))
}

/// The id and sealed secret of the organisation's current key, if it has one.
fn current_key_row(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
) -> ApiResult<Option<(String, Vec<u8>)>> {
    Ok(store::keys(conn, organisation_id)?
        .into_iter()
        .find(|k| k.retired_at.is_none())
        .map(|k| (k.key_id, k.secret_sealed)))
}

/// Every published card for the requested locales and region, signed with the organisation's
/// current key. The entity tag changes exactly when the bytes would. Built once per generation,
/// locale chain, matched cards, day and key, on the blocking pool (signing and compressing take
/// a while); a request for a bundle already built reads two small rows.
pub async fn bundle(
    state: &AppState,
    principal: &Principal,
    organisation_id: OrganisationId,
    query: CardQuery,
    accept_language: Option<String>,
) -> ApiResult<Arc<Bundle>> {
    must_be_client(principal)?;
    let region = wanted_region(&query)?;
    let requested = requested_locales(&query, accept_language.as_deref());
    let now = state.clock.now();
    let id = organisation_id.clone();
    let (default, generation, key) = state.db.read(move |conn| basis(conn, &id)).await?;
    let (key_id, sealed) = match key {
        Some(key) => key,
        None => current_key(state, &organisation_id).await?,
    };
    let set = published_set(state, &organisation_id, generation).await?;
    let chain = locale_chain(&requested, &set.locales, &default);
    let matched: Vec<usize> = set
        .cards
        .iter()
        .enumerate()
        .filter(|(_, (_, c))| {
            region
                .as_deref()
                .is_none_or(|r| folded_region_matches(&c.regions, r))
        })
        .map(|(index, _)| index)
        .collect();
    let mut digest = Sha256::new();
    for index in &matched {
        digest.update(set.cards[*index].0.as_str().as_bytes());
        digest.update([0]);
    }
    let bundle_id = BundleId {
        organisation_id,
        generation,
        chain,
        matched: digest.finalize().into(),
        as_of: today(now),
        key_id,
    };
    state
        .bundles
        .bundle_or_build(&bundle_id, async {
            let key = open_key(state, &bundle_id.key_id, &sealed)?;
            let id = bundle_id.clone();
            actix_web::web::block(move || build(&id, &set, &matched, &key))
                .await
                .map_err(ApiError::internal)?
        })
        .await
}

/// Serves, signs and compresses the matched cards of `set`.
fn build(
    id: &BundleId,
    set: &PublishedSet,
    matched: &[usize],
    key: &ed25519_dalek::SigningKey,
) -> ApiResult<Bundle> {
    let cards = matched
        .iter()
        .filter_map(|index| set.cards.get(*index))
        .filter_map(|(card, content)| served(card, content.clone(), &id.chain, &id.as_of))
        .collect();
    let payload = BundlePayload {
        organisation_id: id.organisation_id.clone(),
        locales: id.chain.clone(),
        generation: id.generation,
        as_of: id.as_of.clone(),
        cards,
    };
    let payload = serde_json::to_string(&payload).map_err(ApiError::internal)?;
    use ed25519_dalek::Signer;
    let signature = STANDARD.encode(key.sign(payload.as_bytes()).to_bytes());
    let digest = Sha256::new()
        .chain_update(id.key_id.as_bytes())
        .chain_update([0])
        .chain_update(payload.as_bytes())
        .finalize();
    let etag = format!("\"{}\"", &hex(&digest)[..32]);
    let json = serde_json::to_vec(&SignedBundle {
        key_id: id.key_id.clone(),
        signature,
        payload,
    })
    .map_err(ApiError::internal)?;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&json).map_err(ApiError::internal)?;
    let gzip = encoder.finish().map_err(ApiError::internal)?;
    Ok(Bundle {
        json: json.into(),
        gzip: gzip.into(),
        etag,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region_matches(served: &[String], wanted: &str) -> bool {
        folded_region_matches(served, &search_folded(wanted))
    }

    #[test]
    fn the_chain_finds_the_language_of_a_regional_tag_then_falls_back() {
        let available = vec!["en".to_string(), "fr".to_string(), "tl".to_string()];
        assert_eq!(
            locale_chain(&["fr-CA".into()], &available, "en"),
            vec!["fr", "en"]
        );
        assert_eq!(
            locale_chain(&["pa".into()], &available, "fr"),
            vec!["fr", "en"]
        );
        assert_eq!(
            locale_chain(&["tl".into(), "fr".into()], &available, "en"),
            vec!["tl", "fr", "en"]
        );
    }

    #[test]
    fn regions_match_up_and_down_the_hierarchy_and_national_everywhere() {
        let quebec = vec!["CA-QC".to_string()];
        assert!(region_matches(&quebec, "CA-QC/Montréal"));
        assert!(region_matches(&quebec, "CA"));
        assert!(!region_matches(&quebec, "CA-ON"));
        assert!(!region_matches(
            &["CA-QC/Montréal".to_string()],
            "CA-QC/Québec"
        ));
        assert!(region_matches(&["national".to_string()], "CA-BC"));
        assert!(!within("ca-qcx", "ca-qc"));
    }
}
