//! The console's session: one cookie, sealed with the server's storage key (so it can be neither
//! read nor altered in the browser), holding the administrator's access and refresh tokens, the
//! form token that every form carries, and when the administrator was last seen. A session left
//! alone for [`IDLE`] is over; signing out ends it on the server too.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieAge};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use quietline_server::auth::secrets::{constant_time_eq, random_token};
use quietline_server::state::AppState;
use serde::{Deserialize, Serialize};

/// The cookie's name.
pub const COOKIE: &str = "quietline_console";
/// The form field that carries the form token.
pub const CSRF_FIELD: &str = "csrf";
/// How long a session may go unused.
pub const IDLE: i64 = 15 * 60;
/// What the sealed cookie is sealed for: a sealed value from elsewhere does not open as one.
const CONTEXT: &[u8] = b"quietline console session v1";

/// An administrator's tokens, as a sign-in or refresh granted them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tokens {
    pub access: String,
    pub access_expires_at: i64,
    pub refresh: String,
}

/// What the cookie holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Session {
    /// The form token of this browser's session.
    pub csrf: String,
    /// When the session was last used (Unix seconds).
    pub seen: i64,
    /// Present once signed in.
    pub tokens: Option<Tokens>,
}

impl Session {
    /// A session not yet signed in, with a new form token.
    pub fn fresh(now: i64) -> Session {
        Session {
            csrf: random_token::<24>().unwrap_or_default(),
            seen: now,
            tokens: None,
        }
    }

    /// Whether it went unused for longer than [`IDLE`].
    pub fn is_idle(&self, now: i64) -> bool {
        now.saturating_sub(self.seen) > IDLE
    }

    /// Whether `token` is this session's form token (compared in constant time; an empty one
    /// never is).
    pub fn accepts(&self, token: &str) -> bool {
        !self.csrf.is_empty() && constant_time_eq(self.csrf.as_bytes(), token.as_bytes())
    }

    /// The session the request's cookie holds, if it opens.
    pub fn of(state: &AppState, req: &HttpRequest) -> Option<Session> {
        let cookie = req.cookie(COOKIE)?;
        let sealed = URL_SAFE_NO_PAD.decode(cookie.value()).ok()?;
        let json = state.sealer.open(&sealed, CONTEXT).ok()?;
        serde_json::from_slice(&json).ok()
    }

    /// The cookie that carries this session: `HttpOnly`, `SameSite=Strict`, only under
    /// `/console`, and `Secure` when the console is reached over TLS.
    pub fn cookie(&self, state: &AppState, secure: bool) -> Cookie<'static> {
        let value = serde_json::to_vec(self)
            .ok()
            .and_then(|json| state.sealer.seal(&json, CONTEXT).ok())
            .map(|sealed| URL_SAFE_NO_PAD.encode(sealed))
            .unwrap_or_default();
        Cookie::build(COOKIE, value)
            .path("/console")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(secure)
            .finish()
    }

    /// The cookie that removes the session from the browser.
    pub fn removal(secure: bool) -> Cookie<'static> {
        Cookie::build(COOKIE, "")
            .path("/console")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(secure)
            .max_age(CookieAge::ZERO)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_unused_for_longer_than_the_idle_time_is_over() {
        let session = Session::fresh(1_000);
        assert!(!session.is_idle(1_000 + IDLE));
        assert!(session.is_idle(1_000 + IDLE + 1));
    }

    #[test]
    fn only_the_sessions_own_form_token_is_accepted() {
        let session = Session::fresh(0);
        assert_eq!(session.csrf.len(), 32);
        assert!(session.accepts(&session.csrf.clone()));
        assert!(!session.accepts(""));
        assert!(!session.accepts(&Session::fresh(0).csrf));
        let empty = Session {
            csrf: String::new(),
            ..session
        };
        assert!(!empty.accepts(""));
    }
}
