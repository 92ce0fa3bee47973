//! Server secrets: random keys kept in files (0600), generated on first start, and the sealing of
//! secrets at rest (TOTP seeds) under the storage key. Key bytes are never logged or displayed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use secrecy::{ExposeSecret, SecretSlice};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("key file {path}: {problem}")]
    KeyFile { path: String, problem: String },
    #[error("sealed value could not be opened")]
    Open,
    #[error("random source failed")]
    Random,
}

/// Fills a buffer from the operating system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], SecretError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|_| SecretError::Random)?;
    Ok(bytes)
}

/// A random token of `N` bytes as base64url text.
pub fn random_token<const N: usize>() -> Result<String, SecretError> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<N>()?))
}

/// Compares secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// Writes a secret to `path`, readable by its owner only, replacing what was there.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Reads a 32-byte key (base64url text) from `path`, creating it with mode 0600 when missing.
pub fn load_or_create_key(path: &Path) -> Result<SecretSlice<u8>, SecretError> {
    let fail = |problem: String| SecretError::KeyFile {
        path: path.display().to_string(),
        problem,
    };
    if !path.exists() {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| fail(e.to_string()))?;
        }
        let key = random_bytes::<32>()?;
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(mut file) => {
                file.write_all(URL_SAFE_NO_PAD.encode(key).as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(|e| fail(e.to_string()))?;
            }
            // Another instance created it first: read theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(fail(e.to_string())),
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim())
        .map_err(|_| fail("not base64url text".into()))?;
    if bytes.len() < 32 {
        return Err(fail("a key must hold at least 32 bytes".into()));
    }
    Ok(SecretSlice::from(bytes))
}

/// Encrypts small secrets before they are stored, so a copy of the database alone does not
/// reveal them.
#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
    /// Keyed by a key derived from the storage key, for values that must be stable across
    /// instances yet never stored (the daily salt of address hashes).
    derivation: hmac::Hmac<sha2::Sha256>,
}

impl Sealer {
    pub fn new(key: &SecretSlice<u8>) -> Sealer {
        use hmac::Mac;
        let secret = key.expose_secret();
        let hmac = |key: &[u8]| {
            <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
                .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"))
        };
        // A subkey of its own, rather than the cipher's key in a second primitive.
        let mut subkey = hmac(secret);
        subkey.update(b"quietline keyed hashes");
        let derivation = hmac(&subkey.finalize().into_bytes());
        Sealer {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&secret[..32])),
            derivation,
        }
    }

    /// A keyed hash of `parts` under a key only the instances hold: whoever has a copy of the
    /// database or of Redis cannot recompute it, so it cannot be brute-forced back to its input.
    pub fn keyed_hash(&self, parts: &[&[u8]]) -> [u8; 32] {
        use hmac::Mac;
        let mut mac = self.derivation.clone();
        for part in parts {
            // Lengths first, so ("ab", "c") and ("a", "bc") differ.
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// Nonce ‖ ciphertext. `context` binds the value to its place (e.g. the owning account), so a
    /// sealed value copied to another row does not open.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<Vec<u8>, SecretError> {
        let nonce = random_bytes::<12>()?;
        let payload = chacha20poly1305::aead::Payload {
            msg: plaintext,
            aad: context,
        };
        let mut sealed = nonce.to_vec();
        sealed.extend(
            self.cipher
                .encrypt(Nonce::from_slice(&nonce), payload)
                .map_err(|_| SecretError::Open)?,
        );
        Ok(sealed)
    }

    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, SecretError> {
        if sealed.len() < 12 {
            return Err(SecretError::Open);
        }
        let (nonce, ciphertext) = sealed.split_at(12);
        let payload = chacha20poly1305::aead::Payload {
            msg: ciphertext,
            aad: context,
        };
        self.cipher
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| SecretError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_are_private_and_stable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!(
            "ql-key-{}",
            random_token::<8>().unwrap_or_default()
        ));
        let path = dir.join("k.key");
        let first = load_or_create_key(&path)
            .map(|k| k.expose_secret().to_vec())
            .ok();
        let second = load_or_create_key(&path)
            .map(|k| k.expose_secret().to_vec())
            .ok();
        assert!(first.is_some());
        assert_eq!(first, second);
        let mode = std::fs::metadata(&path)
            .map(|m| m.permissions().mode() & 0o777)
            .ok();
        assert_eq!(mode, Some(0o600));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn sealed_values_open_only_in_their_context() {
        let sealer = Sealer::new(&SecretSlice::from(vec![7u8; 32]));
        let sealed = sealer.seal(b"seed", b"account-a").unwrap_or_default();
        assert_eq!(
            sealer.open(&sealed, b"account-a").ok(),
            Some(b"seed".to_vec())
        );
        assert!(sealer.open(&sealed, b"account-b").is_err());
    }
}
