//! Encrypted client state on disk: a key derived from the person's passphrase with Argon2id
//! seals the file with ChaCha20-Poly1305. A phone that is taken shows an opaque file.

use argon2::Argon2;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

const MAGIC: &[u8; 4] = b"QLV1";

#[derive(Debug)]
pub struct VaultError(pub &'static str);

impl std::fmt::Display for VaultError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for VaultError {}

fn key(passphrase: &str, salt: &[u8]) -> Result<[u8; 32], VaultError> {
    let mut key = [0u8; 32];
    Argon2::default()
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|_| VaultError("the passphrase could not be turned into a key"))?;
    Ok(key)
}

/// Magic ‖ salt ‖ nonce ‖ ciphertext.
pub fn seal(plaintext: &[u8], passphrase: &str) -> Result<Vec<u8>, VaultError> {
    let salt: [u8; 16] = rand::random();
    let nonce: [u8; 12] = rand::random();
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&key(passphrase, &salt)?));
    let ciphertext = cipher
        .encrypt(Nonce::from_slice(&nonce), plaintext)
        .map_err(|_| VaultError("encryption failed"))?;
    Ok([MAGIC.as_slice(), &salt, &nonce, &ciphertext].concat())
}

pub fn open(sealed: &[u8], passphrase: &str) -> Result<Vec<u8>, VaultError> {
    if sealed.len() < 4 + 16 + 12 || &sealed[..4] != MAGIC {
        return Err(VaultError("not a Quietline state file"));
    }
    let (salt, rest) = sealed[4..].split_at(16);
    let (nonce, ciphertext) = rest.split_at(12);
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&key(passphrase, salt)?));
    cipher
        .decrypt(Nonce::from_slice(nonce), ciphertext)
        .map_err(|_| VaultError("wrong passphrase, or the file was altered"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_sealed_file_opens_only_with_its_passphrase() {
        let sealed = super::seal(b"state", "correct horse").unwrap_or_default();
        assert!(!sealed.windows(5).any(|w| w == b"state"));
        assert_eq!(
            super::open(&sealed, "correct horse").ok(),
            Some(b"state".to_vec())
        );
        assert!(super::open(&sealed, "wrong horse").is_err());
        let mut tampered = sealed.clone();
        if let Some(last) = tampered.last_mut() {
            *last ^= 1;
        }
        assert!(super::open(&tampered, "correct horse").is_err());
    }
}
