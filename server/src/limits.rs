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

/// Counts one event under `key`; refuses once more than `limit` fell in the current window.
pub async fn within(state: &AppState, key: &str, window: u64, limit: u64) -> ApiResult<()> {
    let now = state.clock.now();
    let count = state.kv.count_in_window(key, window, now).await?;
    if count > limit {
        return Err(ApiError::rate_limited(Kv::window_left(window, now)));
    }
    Ok(())
}
