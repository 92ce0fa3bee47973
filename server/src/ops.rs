//! Operations endpoints, on the admin listener only: the OpenAPI document, the interactive docs
//! page (assets compiled into the binary), metrics and health.

use crate::error::ApiError;
use crate::openapi::ApiDoc;
use crate::state::AppState;
use actix_web::ResponseError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use quietline_protocol::api::Health;
use std::sync::Arc;
use utoipa::OpenApi;

pub fn configure_admin(cfg: &mut web::ServiceConfig) {
    cfg.service(openapi_document)
        .service(docs_page)
        .service(metrics)
        .service(health);
}

/// GET /openapi.json — the OpenAPI 3 document of both listeners.
#[utoipa::path(tag = "operations", responses((status = 200, description = "OpenAPI 3 document", content_type = "application/json")))]
#[get("/openapi.json")]
async fn openapi_document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

/// GET /docs/{path} — the interactive API documentation (Swagger UI, served from the binary).
#[utoipa::path(tag = "operations", params(("path" = String, Path)), responses((status = 200, description = "Documentation page or asset")))]
#[get("/docs/{path:.*}")]
async fn docs_page(path: web::Path<String>) -> HttpResponse {
    let path = path.into_inner();
    let path = if path.is_empty() {
        "index.html".to_string()
    } else {
        path
    };
    let config = Arc::new(utoipa_swagger_ui::Config::from("/openapi.json"));
    match utoipa_swagger_ui::serve(&path, config) {
        Ok(Some(file)) => HttpResponse::Ok()
            .content_type(file.content_type)
            .body(file.bytes.into_owned()),
        Ok(None) => ApiError::not_found().error_response(),
        Err(error) => ApiError::internal(error).error_response(),
    }
}

/// GET /metrics — Prometheus metrics (request counts; never per-user values).
#[utoipa::path(tag = "operations", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
#[get("/metrics")]
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

/// GET /healthz — whether the database and bus answer (503 when one does not).
#[utoipa::path(tag = "operations", responses((status = 200, body = Health), (status = 503, body = Health)))]
#[get("/healthz")]
async fn health(state: web::Data<AppState>) -> HttpResponse {
    let health = Health {
        database: state.db.ping().await,
        bus: state.bus.ping().await,
    };
    let status = if health.database && health.bus {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    HttpResponse::build(status).json(health)
}
