//! Passphrases are hashed with Argon2id (OWASP's recommended parameters); only the PHC string is
//! stored. [`PassphraseWork`] is the one door to Argon2 for the server: it runs on the blocking
//! pool, never more at once than there are cores, so a flood of sign-ins cannot take the threads
//! every database query needs.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use quietline_protocol::Secret;

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

/// Argon2 work, bounded and counted.
pub struct PassphraseWork {
    permits: tokio::sync::Semaphore,
    runs: std::sync::atomic::AtomicU64,
}

impl PassphraseWork {
    /// At most `parallel` hashes at once (at least one).
    pub fn new(parallel: usize) -> PassphraseWork {
        PassphraseWork {
            permits: tokio::sync::Semaphore::new(parallel.max(1)),
            runs: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// How many times Argon2 has run: what an unchecked request would make grow.
    pub fn runs(&self) -> u64 {
        self.runs.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> crate::error::ApiResult<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(crate::error::ApiError::internal)?;
        self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tokio::task::spawn_blocking(work)
            .await
            .map_err(crate::error::ApiError::internal)
    }

    pub async fn hash(&self, passphrase: Secret) -> crate::error::ApiResult<String> {
        self.run(move || hash(passphrase.expose()))
            .await?
            .map_err(Into::into)
    }

    pub async fn verify(
        &self,
        passphrase: Secret,
        stored: Option<String>,
    ) -> crate::error::ApiResult<bool> {
        self.run(move || verify(passphrase.expose(), stored.as_deref()))
            .await
    }
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

    #[test]
    fn a_hash_waits_while_every_permit_is_taken() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let work = std::sync::Arc::new(super::PassphraseWork::new(1));
        runtime.block_on(async {
            let held = work
                .permits
                .acquire()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let waiting = {
                let work = work.clone();
                tokio::spawn(async move { work.hash("a passphrase".into()).await })
            };
            for _ in 0..100 {
                tokio::task::yield_now().await;
            }
            assert_eq!(work.runs(), 0, "no Argon2 while the only permit is held");
            drop(held);
            let hashed = waiting.await.unwrap_or_else(|e| panic!("{e}"));
            assert!(hashed.is_ok_and(|h| h.starts_with("$argon2id$")));
            assert_eq!(work.runs(), 1);
        });
    }
}
