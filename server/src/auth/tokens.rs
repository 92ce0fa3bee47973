//! Access tokens: short-lived JWTs (HS256) with role, organisation, device and session in the
//! claims, and `kid` naming the signing key so keys can rotate. One audience per listener: an
//! administrator's token is worthless on the public listener and the reverse.
//!
//! Expiry is checked against the injected clock, not by the JWT library, so tests can move time.

use super::secrets::SecretError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use quietline_protocol::api::Role;
use quietline_protocol::{AccountId, OrganisationId};
use secrecy::{ExposeSecret, SecretSlice};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

const ISSUER: &str = "quietline";
/// Allowed clock skew between instances, in seconds.
const LEEWAY: i64 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// The public listener: seekers and workers.
    Api,
    /// The admin listener: administrators.
    Admin,
}

impl Audience {
    fn as_str(self) -> &'static str {
        match self {
            Audience::Api => "quietline-api",
            Audience::Admin => "quietline-admin",
        }
    }

    /// The listener on which accounts of `role` hold their sessions.
    pub fn of(role: Role) -> Audience {
        match role {
            Role::Admin => Audience::Admin,
            Role::Seeker | Role::Worker => Audience::Api,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inst: bool,
    pub dev: u32,
    pub sid: String,
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// What an access token says, once verified.
#[derive(Clone, Debug)]
pub struct TokenSubject {
    pub account_id: AccountId,
    pub role: Role,
    pub organisation_id: Option<OrganisationId>,
    pub instance_admin: bool,
    pub device_id: u32,
    pub session_id: String,
}

pub struct TokenKeys {
    kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    challenge_mac: SecretSlice<u8>,
}

fn key_id(key: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(key)[..6])
}

impl TokenKeys {
    /// `current` signs; `previous` keys are still accepted so that tokens issued before a rotation
    /// stay valid until they expire.
    pub fn new(current: &SecretSlice<u8>, previous: &[SecretSlice<u8>]) -> TokenKeys {
        let kid = key_id(current.expose_secret());
        let decoding = std::iter::once(current)
            .chain(previous)
            .map(|k| {
                (
                    key_id(k.expose_secret()),
                    DecodingKey::from_secret(k.expose_secret()),
                )
            })
            .collect();
        let mut mac = Hmac::<Sha256>::new_from_slice(current.expose_secret())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"quietline signup challenge v1");
        TokenKeys {
            kid,
            encoding: EncodingKey::from_secret(current.expose_secret()),
            decoding,
            challenge_mac: SecretSlice::from(mac.finalize().into_bytes().to_vec()),
        }
    }

    pub fn issue(
        &self,
        subject: &TokenSubject,
        now: i64,
        ttl: u64,
    ) -> Result<(String, i64), SecretError> {
        let exp = now + i64::try_from(ttl).unwrap_or(600);
        let claims = AccessClaims {
            sub: subject.account_id.0.clone(),
            role: subject.role,
            org: subject.organisation_id.as_ref().map(|id| id.0.clone()),
            inst: subject.instance_admin,
            dev: subject.device_id,
            sid: subject.session_id.clone(),
            aud: Audience::of(subject.role).as_str().to_string(),
            iss: ISSUER.to_string(),
            iat: now,
            nbf: now,
            exp,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map(|token| (token, exp))
            .map_err(|_| SecretError::Random)
    }

    /// Verifies signature, issuer, audience and time; `None` for any failure (the caller answers
    /// 401 without saying which check failed).
    pub fn verify(&self, token: &str, audience: Audience, now: i64) -> Option<TokenSubject> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        let key = self.decoding.get(header.kid.as_deref()?)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[audience.as_str()]);
        validation.set_issuer(&[ISSUER]);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
        let claims = jsonwebtoken::decode::<AccessClaims>(token, key, &validation)
            .ok()?
            .claims;
        if claims.exp + LEEWAY < now || claims.nbf - LEEWAY > now {
            return None;
        }
        if Audience::of(claims.role) != audience {
            return None;
        }
        Some(TokenSubject {
            account_id: AccountId(claims.sub),
            role: claims.role,
            organisation_id: claims.org.map(OrganisationId),
            instance_admin: claims.inst,
            device_id: claims.dev,
            session_id: claims.sid,
        })
    }

    /// MAC binding a sign-up challenge to this deployment (shared by instances sharing the key).
    pub fn challenge_mac(&self, data: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.challenge_mac.expose_secret())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

/// Tokens are random, so a fast hash suffices to store them without storing them.
pub fn hash_token(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(role: Role) -> TokenSubject {
        TokenSubject {
            account_id: "acct".into(),
            role,
            organisation_id: None,
            instance_admin: false,
            device_id: 1,
            session_id: "sid".into(),
        }
    }

    #[test]
    fn tokens_verify_until_expiry_and_only_for_their_audience() {
        let keys = TokenKeys::new(&SecretSlice::from(vec![1u8; 32]), &[]);
        let (token, exp) = keys
            .issue(&subject(Role::Seeker), 1_000, 600)
            .unwrap_or_default();
        assert_eq!(exp, 1_600);
        assert!(keys.verify(&token, Audience::Api, 1_100).is_some());
        assert!(keys.verify(&token, Audience::Admin, 1_100).is_none());
        assert!(keys.verify(&token, Audience::Api, 1_700).is_none());
    }

    #[test]
    fn a_rotated_key_still_verifies_old_tokens_but_an_unknown_key_does_not() {
        let old = SecretSlice::from(vec![1u8; 32]);
        let new = SecretSlice::from(vec![2u8; 32]);
        let before = TokenKeys::new(&old, &[]);
        let (token, _) = before
            .issue(&subject(Role::Worker), 1_000, 600)
            .unwrap_or_default();
        let after = TokenKeys::new(&new, &[old]);
        assert!(after.verify(&token, Audience::Api, 1_000).is_some());
        let stranger = TokenKeys::new(&new, &[]);
        assert!(stranger.verify(&token, Audience::Api, 1_000).is_none());
    }
}
