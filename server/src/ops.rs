//! Operations endpoints, on the admin listener only: the OpenAPI document, the interactive docs
//! page (assets compiled into the binary), metrics and health; and the one cross-origin door the
//! public listener may open, for that docs page to try the public API.

use crate::auth::Audience;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, get, web};
use quietline_protocol::api::Health;
use std::sync::Arc;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure_admin(cfg: &mut ServiceConfig) {
    cfg.service(openapi_document)
        .service(docs_page)
        .service(metrics)
        .service(health);
}

/// GET /openapi.json — the OpenAPI 3 document of both listeners.
#[utoipa::path(tag = "operations", responses((status = 200, description = "OpenAPI 3 document", content_type = "application/json")))]
#[get("/openapi.json")]
async fn openapi_document(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(document(&state.config))
}

/// The OpenAPI document, naming both listeners as its servers: the public one where clients
/// reach it, and this (admin) one, relative to the page that reads the document.
pub fn document(config: &crate::config::Config) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::server::ServerBuilder;
    let mut document = crate::openapi::document();
    document.servers = Some(vec![
        ServerBuilder::new()
            .url(config.public_url.clone().unwrap_or_default())
            .description(Some("public listener: /v1 (clients)"))
            .build(),
        ServerBuilder::new()
            .url("/")
            .description(Some("admin listener: /admin/v1 and operations"))
            .build(),
    ]);
    document
}

/// Middleware: on the public listener, answers cross-origin requests from the configured docs
/// origin (`QUIETLINE_DOCS_ORIGIN`) and from nothing else, so the docs page's "try it out" works
/// there too. Without that setting, or for any other origin, nothing changes.
pub async fn allow_docs_origin(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let allowed = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.config.docs_origin.clone())
        .filter(|_| req.app_data::<Audience>() == Some(&Audience::Api));
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_string);
    let Some(origin) = origin.filter(|o| allowed.as_deref() == Some(o.as_str())) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let preflight = req.method() == actix_web::http::Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let mut response = HttpResponse::NoContent()
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_METHODS,
                "GET, POST, PUT, DELETE",
            ))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "authorization, content-type",
            ))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
            .finish();
        allow_origin(response.headers_mut(), &origin);
        return Ok(req.into_response(response).map_into_right_body());
    }
    let mut response = next.call(req).await?;
    allow_origin(response.headers_mut(), &origin);
    Ok(response.map_into_left_body())
}

fn allow_origin(headers: &mut header::HeaderMap, origin: &str) {
    if let Ok(value) = header::HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.insert(header::VARY, header::HeaderValue::from_static("Origin"));
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

/// GET /healthz — whether the database and bus answer and messages can be committed (503 when
/// one of them cannot), for a load balancer to send traffic elsewhere.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health), (status = 503, body = Health)))]
#[get("/healthz")]
async fn health(state: web::Data<AppState>) -> HttpResponse {
    let health = Health {
        database: state.db.ping().await,
        bus: state.bus.ping().await,
        envelope_writer: state.writer.healthy(),
    };
    let status = if health.database && health.bus && health.envelope_writer {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    HttpResponse::build(status).json(health)
}
