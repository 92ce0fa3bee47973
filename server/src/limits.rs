//! Rate limits: events counted per fixed window in the ephemeral store (memory, or Redis shared
//! by every instance), and refused past the limit with `429 rate_limited` and `Retry-After`.

use crate::error::{ApiError, ApiResult};
use crate::kv::Kv;
use crate::state::AppState;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The counter key of `scope` for `subjects` (an account, a handle, an address hash): a keyed
/// hash, so a dump of Redis names nobody, and a wiped account leaves no id behind in it.
pub fn key(state: &AppState, scope: &str, subjects: &[&str]) -> String {
    let mut parts: Vec<&[u8]> = vec![scope.as_bytes()];
    parts.extend(subjects.iter().map(|s| s.as_bytes()));
    let hash = state.sealer.keyed_hash(&parts);
    format!("{scope}:{}", URL_SAFE_NO_PAD.encode(&hash[..16]))
}

/// What a limit does when the store that counts does not answer (Redis is down).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outage {
    /// Refuse with `503`: the limit stands between a guesser and a secret, or keeps costly
    /// work (Argon2, sign-up) from being spent freely.
    Refuse,
    /// Let the request through: the limit only shares out capacity that other limits also
    /// guard (a queue's length, the last-resort prekey), and refusing would stop the relay.
    Admit,
}

/// Counts one event under `key`; refuses once more than `limit` fell in the current window.
pub async fn within(
    state: &AppState,
    key: &str,
    window: u64,
    limit: u64,
    outage: Outage,
) -> ApiResult<()> {
    let now = state.clock.now();
    let count = match state.kv.count_in_window(key, window, now).await {
        Ok(count) => count,
        Err(error) if outage == Outage::Admit => {
            tracing::warn!(%error, "rate limit not counted; admitted");
            return Ok(());
        }
        Err(error) => return Err(error.into()),
    };
    if count > limit {
        return Err(ApiError::rate_limited(Kv::window_left(window, now)));
    }
    Ok(())
}
