//! Authentication: secrets, passphrases, second factors, access tokens, and the extractors that
//! turn a request's bearer token into a [`Principal`] of a given role.

pub mod passwords;
pub mod secrets;
pub mod tokens;
pub mod totp;

use crate::db::schema::sessions;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use diesel::prelude::*;
use futures_util::future::LocalBoxFuture;
use quietline_protocol::api::Role;
use std::net::IpAddr;
pub use tokens::Audience;

/// The authenticated caller: an account, one of its devices, and the session it signed in with.
#[derive(Clone, Debug)]
pub struct Principal {
    pub account_id: String,
    pub device_id: u32,
    pub role: Role,
    pub organisation_id: Option<String>,
    pub instance_admin: bool,
    pub session_id: String,
}

impl Principal {
    /// The operator at the server's own console (`quietline-admin`): an instance administrator
    /// who reached the storage directly rather than through a session.
    pub fn operator() -> Principal {
        Principal {
            account_id: String::new(),
            device_id: 0,
            role: Role::Admin,
            organisation_id: None,
            instance_admin: true,
            session_id: String::new(),
        }
    }

    /// Refuses (403) unless this administrator may manage `organisation_id`.
    pub fn must_administer(&self, organisation_id: &str) -> Result<(), ApiError> {
        if self.administers(organisation_id) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// Whether this administrator may manage `organisation_id`.
    pub fn administers(&self, organisation_id: &str) -> bool {
        self.role == Role::Admin
            && (self.instance_admin || self.organisation_id.as_deref() == Some(organisation_id))
    }
}

pub fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_string())
}

/// Verifies the token and that its session still exists: logout, device removal and account
/// deletion take effect at once, not when the token expires.
pub async fn authenticate(
    state: web::Data<AppState>,
    token: Option<String>,
    audience: Audience,
) -> Result<Principal, ApiError> {
    let token = token.ok_or_else(ApiError::unauthenticated)?;
    let now = state.clock.now();
    let subject = state
        .tokens
        .verify(&token, audience, now)
        .ok_or_else(ApiError::unauthenticated)?;
    let sid = subject.session_id.clone();
    let account = subject.account_id.clone();
    let device = i32::try_from(subject.device_id).map_err(|_| ApiError::unauthenticated())?;
    let live = state
        .db
        .read(move |conn| {
            sessions::table
                .filter(sessions::id.eq(&sid))
                .filter(sessions::account_id.eq(&account))
                .filter(sessions::device_id.eq(device))
                .filter(sessions::expires_at.gt(now))
                .count()
                .get_result::<i64>(conn)
                .map_err(ApiError::from)
        })
        .await?;
    if live == 0 {
        return Err(ApiError::unauthenticated());
    }
    Ok(Principal {
        account_id: subject.account_id,
        device_id: subject.device_id,
        role: subject.role,
        organisation_id: subject.organisation_id,
        instance_admin: subject.instance_admin,
        session_id: subject.session_id,
    })
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Principal, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let audience = req.app_data::<Audience>().copied();
        let token = bearer(req);
        Box::pin(async move {
            let (Some(state), Some(audience)) = (state, audience) else {
                return Err(ApiError::internal("authentication used outside a listener"));
            };
            authenticate(state, token, audience).await
        })
    }
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $role:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name(pub Principal);

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = LocalBoxFuture<'static, Result<$name, ApiError>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let principal = Principal::from_request(req, payload);
                Box::pin(async move {
                    let principal = principal.await?;
                    if principal.role == $role {
                        Ok($name(principal))
                    } else {
                        Err(ApiError::forbidden())
                    }
                })
            }
        }
    };
}

role_extractor!(
    /// An authenticated outreach worker.
    WorkerAuth,
    Role::Worker
);
role_extractor!(
    /// An authenticated administrator (on the admin listener), whether or not they still have to
    /// enrol a second factor: only for enrolling it, signing out and saying who they are.
    AdminEnrolling,
    Role::Admin
);

/// An authenticated administrator (on the admin listener) with the second factor the instance
/// requires. One who has yet to confirm one gets `403 totp_enrolment_required`.
#[derive(Clone, Debug)]
pub struct AdminAuth(pub Principal);

impl FromRequest for AdminAuth {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<AdminAuth, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let admin = AdminEnrolling::from_request(req, payload);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let AdminEnrolling(principal) = admin.await?;
            let Some(state) = state.filter(|s| s.config.admin_totp_required) else {
                return Ok(AdminAuth(principal));
            };
            let account_id = principal.account_id.clone();
            let confirmed = state
                .db
                .read(move |conn| {
                    crate::accounts::store::find_credentials(conn, &account_id)
                        .map(|c| c.is_some_and(|c| c.totp_confirmed))
                        .map_err(ApiError::from)
                })
                .await?;
            if !confirmed {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::FORBIDDEN,
                    quietline_protocol::ErrorCode::TotpEnrolmentRequired,
                    "Set up a second factor first: POST /admin/v1/totp, then confirm a code.",
                ));
            }
            Ok(AdminAuth(principal))
        })
    }
}

/// The client's address, used only to key rate limits through a salted hash; never stored or
/// logged. Taken from X-Forwarded-For only when the operator says a trusted proxy sets it.
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequest for ClientAddress {
    type Error = ApiError;
    type Future = std::future::Ready<Result<ClientAddress, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let trust_forwarded = req
            .app_data::<web::Data<AppState>>()
            .is_some_and(|s| s.config.trust_forwarded_for);
        let forwarded = trust_forwarded
            .then(|| {
                req.headers()
                    .get("x-forwarded-for")?
                    .to_str()
                    .ok()?
                    .split(',')
                    .next()?
                    .trim()
                    .parse()
                    .ok()
            })
            .flatten();
        std::future::ready(Ok(ClientAddress(
            forwarded.or_else(|| req.peer_addr().map(|a| a.ip())),
        )))
    }
}
