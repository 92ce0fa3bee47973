//! Resource cards: the organisation's signed bundle, checked against the keys the app trusts,
//! and kept for offline use.

use super::*;

/// A card bundle that verified: what to keep for offline use (`signed`) and what it says.
#[derive(Clone, Debug)]
pub struct VerifiedBundle {
    pub signed: crate::cards::SignedBundle,
    pub payload: crate::cards::BundlePayload,
}

impl VerifiedBundle {
    /// The bytes an app stores for offline browsing.
    pub fn to_stored(&self) -> Vec<u8> {
        serde_json::to_vec(&self.signed).unwrap_or_default()
    }

    /// Reads a stored bundle back, verifying it again: a bundle changed on the phone (or
    /// anywhere since it was fetched) is refused.
    pub fn from_stored(
        bytes: &[u8],
        trusted: &[crate::cards::BundleKey],
        now: i64,
    ) -> Result<VerifiedBundle> {
        let signed: crate::cards::SignedBundle = serde_json::from_slice(bytes).map_err(|e| {
            ClientError::Bundle(crate::cards::BundleError::Malformed(e.to_string()))
        })?;
        let payload =
            crate::cards::verify_bundle(&signed, trusted, now).map_err(ClientError::Bundle)?;
        Ok(VerifiedBundle { signed, payload })
    }
}

impl Client {
    /// The public keys that sign an organisation's card bundles. An app pins them (shipped with
    /// it, or on first use) and passes them to [`Client::card_bundle`].
    pub async fn card_bundle_keys(
        &self,
        organisation_id: &str,
    ) -> Result<Vec<crate::cards::BundleKey>> {
        self.call::<(), _>(
            awc::http::Method::GET,
            &format!("/v1/organisations/{organisation_id}/cards/keys"),
            None,
        )
        .await
    }

    /// The organisation's published cards as its own workers are listed them, in the best of
    /// `locales`: with the details for workers only (a confidential address, a contact person)
    /// that no bundle and no seeker's listing carries. Unsigned: for the worker's eyes, never to
    /// share.
    pub async fn card_listing(
        &self,
        organisation_id: &str,
        locales: &[&str],
    ) -> Result<Vec<crate::cards::ServedCard>> {
        let path = format!(
            "/v1/organisations/{organisation_id}/cards?locales={}",
            query_encoded(&locales.join(","))
        );
        self.call::<(), _>(awc::http::Method::GET, &path, None)
            .await
    }

    /// Every published card of an organisation for the locales (best first) and region, in one
    /// signed bundle to browse and search offline, so that the server never learns which card is
    /// read. The bundle is verified against `trusted` keys at `now`: one altered on the way or
    /// at rest, or signed by a key not trusted, is refused.
    pub async fn card_bundle(
        &self,
        organisation_id: &str,
        locales: &[&str],
        region: Option<&str>,
        trusted: &[crate::cards::BundleKey],
        now: i64,
    ) -> Result<VerifiedBundle> {
        let mut path = format!(
            "/v1/organisations/{organisation_id}/cards/bundle?locales={}",
            query_encoded(&locales.join(","))
        );
        if let Some(region) = region {
            path.push_str(&format!("&region={}", query_encoded(region)));
        }
        let signed: crate::cards::SignedBundle = self
            .call::<(), _>(awc::http::Method::GET, &path, None)
            .await?;
        let payload =
            crate::cards::verify_bundle(&signed, trusted, now).map_err(ClientError::Bundle)?;
        Ok(VerifiedBundle { signed, payload })
    }
}
