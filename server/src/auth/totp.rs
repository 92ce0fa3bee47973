//! Time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30-second steps), as authenticator apps
//! expect. A code is accepted one step early or late for clock drift, and each step only once.

use super::secrets::constant_time_eq;
use totp_rs::{Algorithm, TOTP};

const STEP: u64 = 30;

fn totp(seed: &[u8]) -> Option<TOTP> {
    TOTP::new(Algorithm::SHA1, 6, 1, STEP, seed.to_vec()).ok()
}

/// Base32 form of a seed, as authenticator apps take it.
pub fn base32(seed: &[u8]) -> String {
    totp_rs::Secret::Raw(seed.to_vec()).to_encoded().to_string()
}

/// The `otpauth://` URI an authenticator app scans. Handles are restricted to URI-safe characters.
pub fn provisioning_uri(seed: &[u8], handle: &str) -> String {
    format!(
        "otpauth://totp/Quietline:{handle}?secret={}&issuer=Quietline&algorithm=SHA1&digits=6&period={STEP}",
        base32(seed)
    )
}

/// The time step a code matches, if it matches one within ±1 step of `now` that is later than
/// `last_step` (the step of the last accepted code).
pub fn accepted_step(seed: &[u8], code: &str, now: i64, last_step: i64) -> Option<i64> {
    let totp = totp(seed)?;
    let now = u64::try_from(now).ok()?;
    let current = now / STEP;
    [current.saturating_sub(1), current, current + 1]
        .into_iter()
        .filter(|step| i64::try_from(*step).is_ok_and(|s| s > last_step))
        .find(|step| {
            constant_time_eq(
                totp.generate(step * STEP).as_bytes(),
                code.trim().as_bytes(),
            )
        })
        .and_then(|step| i64::try_from(step).ok())
}

/// The code for `now` (used by tests and the reference client, as an authenticator app would).
pub fn code_at(seed: &[u8], now: i64) -> String {
    totp(seed)
        .map(|t| t.generate(u64::try_from(now).unwrap_or(0)))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_accepted_once_and_within_the_drift_window() {
        let seed = [42u8; 20];
        let now = 1_800_000_000;
        let code = code_at(&seed, now);
        let step = accepted_step(&seed, &code, now, 0);
        assert_eq!(step, Some(now / 30));
        // Replaying the same code after it was accepted fails.
        assert_eq!(accepted_step(&seed, &code, now, now / 30), None);
        // Two minutes later the code no longer matches.
        assert_eq!(accepted_step(&seed, &code, now + 120, 0), None);
    }

    #[test]
    fn base32_matches_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
    }
}
