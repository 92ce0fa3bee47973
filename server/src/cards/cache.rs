//! Signed card bundles and published card sets already built, held by the application state
//! for every request of the instance.

use crate::error::ApiResult;
use quietline_protocol::cards::CardContent;
use quietline_protocol::{CardId, OrganisationId};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A signed bundle as served: its JSON, the same gzipped, and its entity tag.
pub struct Bundle {
    pub json: actix_web::web::Bytes,
    pub gzip: actix_web::web::Bytes,
    pub etag: String,
}

/// What a bundle is built from. The generation moves with every publication and the key with
/// every rotation (both in the database, so instances agree); the day decides staleness marks.
/// A region counts only through the cards it matches: regions that match the same cards share
/// one bundle, so naming many places builds no more bundles than there are distinct answers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BundleId {
    pub organisation_id: OrganisationId,
    pub generation: i64,
    pub chain: Vec<String>,
    /// The cards the region matched, by a digest of their ids (all cards without a region).
    pub matched: [u8; 32],
    pub as_of: String,
    pub key_id: String,
}

/// An organisation's published cards at one generation, and the locales they have.
pub struct PublishedSet {
    pub cards: Vec<(CardId, CardContent)>,
    pub locales: Vec<String>,
}

/// Bundles and published sets already built, in bounded caches (`quick_cache`: entries weighed
/// by their bytes, the least useful evicted first, each missing entry built once however many
/// ask for it at the same moment). Entries are keyed by everything that decides their bytes, so
/// nothing is ever invalidated: old generations just stop being asked for.
pub struct BundleCache {
    bundles: quick_cache::sync::Cache<BundleId, Arc<Bundle>, BundleWeight>,
    published: quick_cache::sync::Cache<(OrganisationId, i64), Arc<PublishedSet>>,
    builds: AtomicU64,
}

/// Bytes of bundles kept at most.
const BUNDLE_BYTES: u64 = 64 * 1024 * 1024;
/// Published sets kept at most (one per organisation in use, and the generation before).
const PUBLISHED_SETS: usize = 256;

#[derive(Clone)]
struct BundleWeight;

impl quick_cache::Weighter<BundleId, Arc<Bundle>> for BundleWeight {
    fn weight(&self, _: &BundleId, bundle: &Arc<Bundle>) -> u64 {
        u64::try_from(bundle.json.len() + bundle.gzip.len()).unwrap_or(u64::MAX)
    }
}

impl Default for BundleCache {
    fn default() -> BundleCache {
        BundleCache {
            bundles: quick_cache::sync::Cache::with_weighter(1_024, BUNDLE_BYTES, BundleWeight),
            published: quick_cache::sync::Cache::new(PUBLISHED_SETS),
            builds: AtomicU64::new(0),
        }
    }
}

impl BundleCache {
    /// How many bundles were built (signed and compressed) since start.
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
    }

    /// The published set of an organisation at a generation, if it is kept.
    pub fn published(&self, id: &(OrganisationId, i64)) -> Option<Arc<PublishedSet>> {
        self.published.get(id)
    }

    pub fn keep_published(&self, id: (OrganisationId, i64), set: Arc<PublishedSet>) {
        self.published.insert(id, set);
    }

    /// The bundle for `id`, built by `build` if it is not kept; of concurrent requests for the
    /// same missing bundle, one builds it and the others wait for it.
    pub async fn bundle_or_build(
        &self,
        id: &BundleId,
        build: impl Future<Output = ApiResult<Bundle>>,
    ) -> ApiResult<Arc<Bundle>> {
        self.bundles
            .get_or_insert_async(id, async {
                let built = build.await?;
                self.builds.fetch_add(1, Ordering::Relaxed);
                Ok(Arc::new(built))
            })
            .await
    }
}
