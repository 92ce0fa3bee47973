//! The OpenAPI document: every endpoint of both listeners, as their routes are registered.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Quietline",
        description = "Relay of end-to-end encrypted messages between people seeking help and outreach workers. \
            Paths under /v1 are served on the public listener; /admin/v1 and the operations paths on the admin listener.",
        license(name = "AGPL-3.0-only", identifier = "AGPL-3.0-only")
    ),
    components(schemas(quietline_protocol::api::StatisticsPeriod))
)]
struct ApiDoc;

/// The OpenAPI document of both listeners: the paths collected from the routes as they are
/// registered (so none can be served undocumented, or documented and not served), then the
/// answers and security every operation shares.
pub fn document() -> utoipa::openapi::OpenApi {
    use crate::startup::{ADMIN_ROUTES, PUBLIC_ROUTES, routes};
    let mut document = ApiDoc::openapi();
    document.merge(routes(&PUBLIC_ROUTES));
    document.merge(routes(&ADMIN_ROUTES));
    BearerAuth.modify(&mut document);
    SharedAnswers.modify(&mut document);
    document
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .build(),
                ),
            );
        }
    }
}

/// The answers every operation can give because of the layers it goes through, documented once
/// here rather than on each route: authentication (401, and 403 for the wrong role), the JSON
/// body extractor (400 unreadable, 413 too large, 415 not JSON, 422 mistyped), path and query
/// extractors (400, and 404 for what a path names), and a backing service out of reach (503).
struct SharedAnswers;

impl Modify for SharedAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ];
            for operation in operations.into_iter().flatten() {
                let mut answers: Vec<(&str, &str)> = Vec::new();
                if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    answers.push(("401", "No valid access token."));
                    answers.push(("403", "The caller may not do this."));
                }
                if operation.request_body.is_some() {
                    answers.push(("400", "The body is not readable JSON."));
                    answers.push(("413", "The body is too large."));
                    answers.push(("415", "The body is not application/json."));
                    answers.push(("422", "A field is missing, unknown, mistyped or invalid."));
                }
                let places: Vec<&ParameterIn> = operation
                    .parameters
                    .iter()
                    .flatten()
                    .filter_map(|p| match p {
                        utoipa::openapi::RefOr::T(p) => Some(&p.parameter_in),
                        utoipa::openapi::RefOr::Ref(_) => None,
                    })
                    .collect();
                if places.iter().any(|p| **p == ParameterIn::Path) {
                    answers.push(("400", "A path parameter is invalid."));
                    answers.push(("404", "What the path names does not exist here."));
                }
                if places.iter().any(|p| **p == ParameterIn::Query) {
                    answers.push(("400", "A query parameter is invalid."));
                    answers.push(("422", "A query parameter has a value out of range."));
                }
                answers.push((
                    "503",
                    "A backing service is out of reach; try again after Retry-After.",
                ));
                for (status, description) in answers {
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| error_response(description));
                }
            }
        }
    }
}

fn error_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .into()
}
