//! Reading the audit log (it is written only by the changes it records).

use super::{Action, Filter};
use crate::auth::{AdminAuth, OrganisationAdmin};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{get, web};
use quietline_protocol::api::AuditEntry;
use quietline_protocol::{ErrorBody, ErrorCode};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure_admin(cfg: &mut ServiceConfig) {
    cfg.service(instance_audit).service(organisation_audit);
}

/// Most entries in one answer.
const MAX_LIMIT: u32 = 500;

/// What to read of the log, as the API and the console ask it.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// An account id, or `operator`.
    pub actor: Option<String>,
    /// An action (`card.publish`) or a family of them (`card.`).
    pub action: Option<String>,
    /// From this Unix time (inclusive).
    pub since: Option<i64>,
    /// To this Unix time (exclusive).
    pub until: Option<i64>,
    /// Entries numbered below this: the next page.
    pub before: Option<i64>,
    /// 1 to 500; 100 unless given.
    pub limit: Option<u32>,
}

/// The whole log (instance administrators only), newest first.
pub async fn read_instance(
    state: &AppState,
    admin: &AdminAuth,
    query: AuditQuery,
) -> ApiResult<Vec<AuditEntry>> {
    if !admin.0.instance_admin {
        return Err(ApiError::forbidden());
    }
    super::list(state, query.into_filter()?).await
}

/// One organisation's entries, newest first.
pub async fn read_organisation(
    state: &AppState,
    admin: &OrganisationAdmin,
    query: AuditQuery,
) -> ApiResult<Vec<AuditEntry>> {
    let mut filter = query.into_filter()?;
    filter.organisation_id = Some(admin.organisation_id().clone());
    super::list(state, filter).await
}

impl AuditQuery {
    fn into_filter(self) -> ApiResult<Filter> {
        let limit = self.limit.unwrap_or(100);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::unprocessable(
                ErrorCode::InvalidBody,
                "limit is 1 to 500.",
            ));
        }
        if let Some(action) = &self.action {
            let family = action.strip_suffix('.').is_some_and(|family| {
                Action::ALL
                    .iter()
                    .any(|a| a.as_str().split('.').next() == Some(family))
            });
            if !family && Action::parse(action).is_none() {
                return Err(ApiError::unprocessable(
                    ErrorCode::InvalidBody,
                    "action is an action's name (card.publish) or a family's (card.).",
                ));
            }
        }
        Ok(Filter {
            organisation_id: None,
            actor: self.actor,
            action: self.action,
            since: self.since,
            until: self.until,
            before: self.before,
            limit: i64::from(limit),
        })
    }
}

/// GET /admin/v1/audit — the whole audit log, newest first (instance administrators).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(AuditQuery), responses(
    (status = 200, body = Vec<AuditEntry>),
    (status = 403, body = ErrorBody),
    (status = 422, description = "invalid_body", body = ErrorBody),
))]
#[get("/admin/v1/audit")]
async fn instance_audit(
    state: web::Data<AppState>,
    admin: AdminAuth,
    query: web::Query<AuditQuery>,
) -> ApiResult<web::Json<Vec<AuditEntry>>> {
    read_instance(&state, &admin, query.into_inner())
        .await
        .map(web::Json)
}

/// GET /admin/v1/organisations/{organisation_id}/audit — what was changed in one organisation,
/// newest first.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("organisation_id" = String, Path), AuditQuery), responses(
    (status = 200, body = Vec<AuditEntry>),
    (status = 403, body = ErrorBody),
    (status = 422, description = "invalid_body", body = ErrorBody),
))]
#[get("/admin/v1/organisations/{organisation_id}/audit")]
async fn organisation_audit(
    state: web::Data<AppState>,
    admin: OrganisationAdmin,
    query: web::Query<AuditQuery>,
) -> ApiResult<web::Json<Vec<AuditEntry>>> {
    read_organisation(&state, &admin, query.into_inner())
        .await
        .map(web::Json)
}
