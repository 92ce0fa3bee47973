//! Passphrases are hashed with Argon2id (OWASP's recommended parameters); only the PHC string is
//! stored.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Hashes a passphrase. Slow on purpose: call it off the async threads.
pub fn hash(passphrase: &str) -> Result<String, super::secrets::SecretError> {
    let salt = super::secrets::random_bytes::<16>()?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| super::secrets::SecretError::Random)?;
    Argon2::default()
        .hash_password(passphrase.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| super::secrets::SecretError::Random)
}

/// Whether `passphrase` matches the stored hash. With no stored hash (unknown handle) it still
/// does the same work, so response time does not tell whether a handle exists.
pub fn verify(passphrase: &str, stored: Option<&str>) -> bool {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$G3tHp5DYoKYSu1+E8aW8wM2OYFLZuwzexk7ZoJcu2qc";
    let (stored, real) = match stored {
        Some(s) => (s, true),
        None => (DUMMY, false),
    };
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    Argon2::default()
        .verify_password(passphrase.as_bytes(), &parsed)
        .is_ok()
        && real
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hash_verifies_its_passphrase_only() {
        let stored = super::hash("correct horse battery").unwrap_or_default();
        assert!(stored.starts_with("$argon2id$"));
        assert!(super::verify("correct horse battery", Some(&stored)));
        assert!(!super::verify("wrong horse battery", Some(&stored)));
        assert!(!super::verify("correct horse battery", None));
    }
}
