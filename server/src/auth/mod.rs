//! Authentication: secrets, passphrases, second factors, access tokens, and the extractors that
//! turn a request's bearer token into a [`Principal`] of a given role.

pub mod passwords;
pub mod secrets;
pub mod tokens;
pub mod totp;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use quietline_protocol::api::Role;
use quietline_protocol::{AccountId, OrganisationId};
use std::net::IpAddr;
pub use tokens::Audience;

/// The authenticated caller: an account, one of its devices, and the session it signed in with.
#[derive(Clone, Debug)]
pub struct Principal {
    pub account_id: AccountId,
    pub device_id: u32,
    pub role: Role,
    pub organisation_id: Option<OrganisationId>,
    pub instance_admin: bool,
    pub session_id: String,
}

impl Principal {
    /// The operator at the server's own console (`quietline-admin`): an instance administrator
    /// who reached the storage directly rather than through a session.
    pub fn operator() -> Principal {
        Principal {
            account_id: AccountId(String::new()),
            device_id: 0,
            role: Role::Admin,
            organisation_id: None,
            instance_admin: true,
            session_id: String::new(),
        }
    }

    /// The device id as the stores keep it; a token naming one beyond that range is no session.
    pub fn device_row(&self) -> Result<i32, crate::error::ApiError> {
        i32::try_from(self.device_id).map_err(|_| crate::error::ApiError::unauthenticated())
    }

    /// Whether this administrator may manage `organisation_id`.
    fn administers(&self, organisation_id: &OrganisationId) -> bool {
        self.role == Role::Admin
            && (self.instance_admin || self.organisation_id.as_ref() == Some(organisation_id))
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
            crate::accounts::store::session_is_live(conn, &sid, &account, device, now)
                .map_err(ApiError::from)
        })
        .await?;
    if !live {
        return Err(ApiError::unauthenticated());
    }
    Ok(Principal::from(subject))
}

/// Who a verified token names (its session not yet looked at).
impl From<tokens::TokenSubject> for Principal {
    fn from(subject: tokens::TokenSubject) -> Principal {
        Principal {
            account_id: subject.account_id,
            device_id: subject.device_id,
            role: subject.role,
            organisation_id: subject.organisation_id,
            instance_admin: subject.instance_admin,
            session_id: subject.session_id,
        }
    }
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
    /// An authenticated seeker.
    SeekerAuth,
    Role::Seeker
);
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

impl AdminAuth {
    /// An administrator's session as proof, once the instance's second-factor rule is met:
    /// `403 totp_enrolment_required` for one who has yet to confirm a second factor.
    pub async fn check(state: &AppState, principal: Principal) -> ApiResult<AdminAuth> {
        if principal.role != Role::Admin {
            return Err(ApiError::forbidden());
        }
        if !state.config.admin_totp_required {
            return Ok(AdminAuth(principal));
        }
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
    }
}

impl FromRequest for AdminAuth {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<AdminAuth, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let admin = AdminEnrolling::from_request(req, payload);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let AdminEnrolling(principal) = admin.await?;
            let Some(state) = state else {
                return Err(ApiError::internal("authentication used outside a listener"));
            };
            AdminAuth::check(&state, principal).await
        })
    }
}

/// The client's address in `X-Forwarded-For` behind `hops` trusted proxies: the entry the
/// outermost trusted proxy appended, `hops` from the right. Entries further left were written by
/// the client and prove nothing; a chain shorter than the proxies is not believed at all.
fn forwarded_client<'a>(values: impl Iterator<Item = &'a str>, hops: u8) -> Option<IpAddr> {
    let entries: Vec<&str> = values.flat_map(|v| v.split(',')).map(str::trim).collect();
    let index = entries.len().checked_sub(usize::from(hops.max(1)))?;
    entries.get(index)?.parse().ok()
}

/// An administrator of the organisation named by the path's `{organisation_id}`: authorisation
/// is decided first (403 for anyone else, whether or not it exists), then existence (404, which
/// only an instance administrator can meet). Every admin route under an organisation takes it,
/// so none can forget either check.
#[derive(Clone, Debug)]
pub struct OrganisationAdmin {
    principal: Principal,
    organisation_id: OrganisationId,
}

impl OrganisationAdmin {
    /// Authorisation first (403 unless `principal` administers the organisation), then
    /// existence (404).
    async fn check(
        state: &AppState,
        principal: Principal,
        organisation_id: OrganisationId,
    ) -> ApiResult<OrganisationAdmin> {
        if !principal.administers(&organisation_id) {
            return Err(ApiError::forbidden());
        }
        let id = organisation_id.clone();
        let exists = state
            .db
            .read(move |conn| {
                crate::organisations::store::find_organisation(conn, &id)
                    .map(|found| found.is_some())
                    .map_err(ApiError::from)
            })
            .await?;
        if !exists {
            return Err(ApiError::not_found());
        }
        Ok(OrganisationAdmin {
            principal,
            organisation_id,
        })
    }

    /// An administrator, proven by [`AdminAuth`], as administrator of `organisation_id`: the
    /// same checks, in the same order, as on a route under `{organisation_id}`.
    pub async fn of(
        state: &AppState,
        AdminAuth(principal): AdminAuth,
        organisation_id: OrganisationId,
    ) -> ApiResult<OrganisationAdmin> {
        OrganisationAdmin::check(state, principal, organisation_id).await
    }

    /// The instance's operator (the console's tasks) as administrator of an organisation that
    /// exists.
    pub async fn operator(
        state: &AppState,
        organisation_id: OrganisationId,
    ) -> ApiResult<OrganisationAdmin> {
        OrganisationAdmin::check(state, Principal::operator(), organisation_id).await
    }

    /// The organisation this administrator was checked against: the path's.
    pub fn organisation_id(&self) -> &OrganisationId {
        &self.organisation_id
    }
}

/// An organisation administrator is a principal with a proof; read it as one.
impl std::ops::Deref for OrganisationAdmin {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.principal
    }
}

impl FromRequest for OrganisationAdmin {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<OrganisationAdmin, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let admin = AdminAuth::from_request(req, payload);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let organisation_id = req
            .match_info()
            .get("organisation_id")
            .map(OrganisationId::from);
        Box::pin(async move {
            let admin = admin.await?;
            let (Some(state), Some(organisation_id)) = (state, organisation_id) else {
                return Err(ApiError::internal(
                    "OrganisationAdmin used on a route without {organisation_id}",
                ));
            };
            OrganisationAdmin::of(&state, admin, organisation_id).await
        })
    }
}

/// The client's address, used only to key rate limits through a keyed hash; never stored or
/// logged. Taken from X-Forwarded-For only when the operator says a trusted proxy sets it.
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequest for ClientAddress {
    type Error = ApiError;
    type Future = std::future::Ready<Result<ClientAddress, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let hops = req
            .app_data::<web::Data<AppState>>()
            .filter(|s| s.config.trust_forwarded_for)
            .map(|s| s.config.forwarded_hops);
        let forwarded = hops.and_then(|hops| {
            let values = req.headers().get_all("x-forwarded-for");
            forwarded_client(values.filter_map(|v| v.to_str().ok()), hops)
        });
        std::future::ready(Ok(ClientAddress(
            forwarded.or_else(|| req.peer_addr().map(|a| a.ip())),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::forwarded_client;

    #[test]
    fn the_forwarded_address_is_the_one_the_trusted_proxy_appended() {
        let one = |header: &str, hops| forwarded_client(std::iter::once(header), hops);
        let real = Some("203.0.113.7".parse().unwrap_or_else(|_| unreachable!()));
        // The client wrote the first entry; the proxy appended the last.
        assert_eq!(one("198.51.100.1, 203.0.113.7", 1), real);
        assert_eq!(one("198.51.100.1, 203.0.113.7, 10.0.0.2", 2), real);
        assert_eq!(one("203.0.113.7", 2), None, "fewer entries than proxies");
        assert_eq!(one("not-an-address", 1), None);
        // Several headers read as one list, in order.
        let split = ["198.51.100.1", "203.0.113.7"];
        assert_eq!(forwarded_client(split.into_iter(), 1), real);
    }
}
