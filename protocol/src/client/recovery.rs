//! The recovery phrase: twelve words from BIP-39's English list (128 random bits and a checksum),
//! made on the seeker's device and shown to them once. From a new phone the words bring back the
//! account and its open conversations (not what was said: the server never had it).
//!
//! The words never leave the device. Their BIP-39 seed (PBKDF2-HMAC-SHA512, 2,048 rounds) goes
//! through HKDF-SHA256 into two 32-byte values: a *lookup*, by which the server finds the
//! account (it keeps only a keyed hash of it), and a *key*, which it checks (it keeps only an
//! Argon2id hash of it).

use super::*;
use crate::Secret;
use crate::api::{Recover, RecoverySetup};
use bip39::{Language, Mnemonic};
use hkdf::Hkdf;
use sha2::Sha256;

const SALT: &[u8] = b"quietline recovery v1";
const WORDS: usize = 12;

/// A phrase typed by a person: case and spacing do not matter; a word that is not on the list, or
/// a checksum that does not add up, is refused before anything is sent.
fn parsed(phrase: &str) -> Result<Mnemonic> {
    let normal = phrase
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ");
    Mnemonic::parse_in_normalized(Language::English, &normal)
        .ok()
        .filter(|mnemonic| mnemonic.word_count() >= WORDS)
        .ok_or_else(|| ClientError::Transport("that is not a recovery phrase".into()))
}

/// The lookup and the key a phrase stands for, base64url.
fn derived(mnemonic: &Mnemonic) -> (Secret, Secret) {
    let seed = mnemonic.to_seed_normalized("");
    let hkdf = Hkdf::<Sha256>::new(Some(SALT), &seed);
    let mut lookup = [0u8; 32];
    let mut key = [0u8; 32];
    // 32 bytes are far below HKDF-SHA256's limit of 8,160.
    let _ = hkdf.expand(b"lookup", &mut lookup);
    let _ = hkdf.expand(b"key", &mut key);
    (
        Secret::from(URL_SAFE_NO_PAD.encode(lookup)),
        Secret::from(URL_SAFE_NO_PAD.encode(key)),
    )
}

/// The request a new device makes with `phrase` (for clients that send it themselves).
pub fn recovery_request(phrase: &str) -> Result<Recover> {
    let (lookup, key) = derived(&parsed(phrase)?);
    Ok(Recover { lookup, key })
}

impl Client {
    /// Makes a new recovery phrase for this seeker's account and registers what it derives; an
    /// earlier phrase stops working. Show the words to the person once; do not store them.
    pub async fn set_up_recovery(&self) -> Result<Secret> {
        let mnemonic = Mnemonic::from_entropy(&rand::random::<[u8; 16]>()).map_err(transport)?;
        let (lookup, key) = derived(&mnemonic);
        self.call::<_, ()>(
            awc::http::Method::PUT,
            "/v1/recovery",
            Some(&RecoverySetup { lookup, key }),
        )
        .await?;
        Ok(Secret::from(mnemonic.to_string()))
    }

    /// A new phone: the account of `phrase`, on a new device with a new Signal identity (the
    /// account's other devices are removed, and the workers of its open conversations are told
    /// that the safety number changed).
    pub async fn recover(base: &str, phrase: &str) -> Result<Client> {
        // Checked before anything is sent.
        let request = recovery_request(phrase)?;
        let http = new_http();
        let session: SessionGrant = exchange(
            &http,
            awc::http::Method::POST,
            format!("{}/v1/recovery", base.trim_end_matches('/')),
            None,
            Some(&request),
        )
        .await?;
        Self::with_session(base, session).await
    }

    /// After [`crate::relay::ServerFrame::IdentityChanged`]: the peer's old devices are gone.
    /// The next send to them fetches their devices again and stops with
    /// [`ClientError::IdentityChanged`] until the person accepts the new safety number.
    pub fn peer_identity_changed(&mut self, account_id: &str) {
        self.peers.remove(account_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phrase_derives_the_same_values_however_it_is_typed() {
        let mnemonic = Mnemonic::from_entropy(&[7u8; 16]).unwrap();
        let typed = format!(
            "  {}  ",
            mnemonic.to_string().to_uppercase().replace(' ', "\n ")
        );
        let (lookup, key) = derived(&parsed(&typed).unwrap());
        let (again_lookup, again_key) = derived(&mnemonic);
        assert_eq!(lookup.expose(), again_lookup.expose());
        assert_eq!(key.expose(), again_key.expose());
        assert_ne!(lookup.expose(), key.expose());
        assert_eq!(mnemonic.word_count(), 12);
    }

    #[test]
    fn a_wrong_word_or_checksum_is_refused_before_sending() {
        let words = Mnemonic::from_entropy(&[7u8; 16]).unwrap().to_string();
        let mut swapped: Vec<&str> = words.split(' ').collect();
        swapped.swap(0, 1);
        assert!(
            parsed(&swapped.join(" ")).is_err(),
            "a checksum that does not add up"
        );
        assert!(parsed(&words.replacen(' ', " notaword ", 1)).is_err());
        assert!(parsed("abandon abandon abandon").is_err(), "too few words");
    }

    #[test]
    fn different_phrases_derive_different_values() {
        let one = derived(&Mnemonic::from_entropy(&[1u8; 16]).unwrap());
        let two = derived(&Mnemonic::from_entropy(&[2u8; 16]).unwrap());
        assert_ne!(one.0.expose(), two.0.expose());
        assert_ne!(one.1.expose(), two.1.expose());
    }
}
