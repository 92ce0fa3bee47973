//! Messages sealed without a session: what a browser at the web entry sends, and what is sent
//! to it. HPKE (RFC 9180) in its base mode, with the one suite a browser's WebCrypto can do
//! without a library: X25519, HKDF-SHA256 and AES-128-GCM. The message id is the associated
//! data, so a copy cannot be replayed under another id. Plaintexts are padded as Signal's are.
//!
//! Unlike a Signal session there is no ratchet: whoever later holds the recipient's private key
//! can open every message ever sealed to it.

use super::signal::{SignalError, pad_plaintext, unpad_plaintext};
use hpke::{Deserializable, Kem as _, Serializable};

type Kem = hpke::kem::X25519HkdfSha256;
type Kdf = hpke::kdf::HkdfSha256;
type Aead = hpke::aead::AesGcm128;

/// Binds every sealed message to its purpose.
pub const INFO: &[u8] = b"quietline web v1";
/// The type byte EC public keys carry on the wire.
const KEY_TYPE: u8 = 0x05;

type Result<T> = std::result::Result<T, SignalError>;

fn err(e: impl std::fmt::Display) -> SignalError {
    SignalError(e.to_string())
}

/// A private key for sealed messages, with its public half.
pub struct SealedKeyPair {
    secret: <Kem as hpke::Kem>::PrivateKey,
    public: <Kem as hpke::Kem>::PublicKey,
}

impl SealedKeyPair {
    /// The key pair derived from `seed` (RFC 9180 `DeriveKeyPair`): the same seed, the same keys.
    pub fn derive(seed: &[u8]) -> SealedKeyPair {
        let (secret, public) = Kem::derive_keypair(seed);
        SealedKeyPair { secret, public }
    }

    /// A key pair from a raw X25519 private key, as a browser's WebCrypto holds it.
    pub fn from_secret(secret: &[u8]) -> Result<SealedKeyPair> {
        let secret = <Kem as hpke::Kem>::PrivateKey::from_bytes(secret).map_err(err)?;
        let public = Kem::sk_to_pk(&secret);
        Ok(SealedKeyPair { secret, public })
    }

    /// The public key with its type byte, as published.
    pub fn public_key(&self) -> Vec<u8> {
        [&[KEY_TYPE][..], self.public.to_bytes().as_slice()].concat()
    }

    /// Opens a message sealed to this key under message id `id`.
    pub fn open(&self, id: &str, content: &[u8]) -> Result<Vec<u8>> {
        let size = <<Kem as hpke::Kem>::EncappedKey as Serializable>::size();
        if content.len() < size {
            return Err(SignalError("the sealed message is cut short".into()));
        }
        let (encapped, ciphertext) = content.split_at(size);
        let encapped = <Kem as hpke::Kem>::EncappedKey::from_bytes(encapped).map_err(err)?;
        let padded = hpke::single_shot_open::<Aead, Kdf, Kem>(
            &hpke::OpModeR::Base,
            &self.secret,
            &encapped,
            INFO,
            ciphertext,
            id.as_bytes(),
        )
        .map_err(err)?;
        unpad_plaintext(&padded)
    }
}

/// Seals `plaintext` under message id `id` to a published intake key (with its type byte).
pub fn seal(recipient: &[u8], id: &str, plaintext: &[u8]) -> Result<Vec<u8>> {
    let raw = match recipient {
        [KEY_TYPE, raw @ ..] => raw,
        _ => return Err(SignalError("an intake key has its type byte".into())),
    };
    let recipient = <Kem as hpke::Kem>::PublicKey::from_bytes(raw).map_err(err)?;
    let (encapped, ciphertext) = hpke::single_shot_seal::<Aead, Kdf, Kem, _>(
        &hpke::OpModeS::Base,
        &recipient,
        INFO,
        &pad_plaintext(plaintext),
        id.as_bytes(),
        &mut rand::rng(),
    )
    .map_err(err)?;
    Ok([encapped.to_bytes().as_slice(), &ciphertext].concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_sealed_to_a_key_opens_with_it_under_its_id_only() {
        let pair = SealedKeyPair::derive(b"a seed of some length, 32 bytes!");
        let sealed = seal(&pair.public_key(), "m-1", b"hello").expect("seal");
        assert_eq!(pair.open("m-1", &sealed).expect("open"), b"hello");
        assert!(pair.open("m-2", &sealed).is_err(), "bound to its id");
        let other = SealedKeyPair::derive(b"another seed, also 32 bytes long");
        assert!(other.open("m-1", &sealed).is_err(), "only its recipient");
        let mut altered = sealed.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert!(pair.open("m-1", &altered).is_err(), "altered");
        assert!(pair.open("m-1", &sealed[..10]).is_err(), "cut short");
    }

    #[test]
    fn a_browser_held_secret_gives_the_same_public_key() {
        let pair = SealedKeyPair::derive(b"a seed of some length, 32 bytes!");
        let again = SealedKeyPair::from_secret(&pair.secret.to_bytes()).expect("secret");
        assert_eq!(pair.public_key(), again.public_key());
        assert_eq!(pair.public_key().len(), 33);
        assert!(
            seal(&pair.public_key()[1..], "m", b"x").is_err(),
            "type byte"
        );
    }
}
