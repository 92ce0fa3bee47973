//! The one error type of the HTTP layer. What the client sees (a stable code and a fixed message)
//! is kept apart from what is logged (the internal cause, which never holds request data).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use quietline_protocol::relay::DeviceMismatch;
use quietline_protocol::{ErrorBody, ErrorCode, ErrorDetail};
use std::fmt;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: &'static str,
    /// With `device_mismatch`: the devices a send must add, drop or refresh.
    pub devices: Option<Box<DeviceMismatch>>,
    /// With `invalid_card`: every problem found.
    pub problems: Option<Vec<quietline_protocol::Problem>>,
    /// With `rate_limited` and `service_unavailable`: seconds to wait (the `Retry-After` header).
    pub retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Seconds a client is asked to wait after a `503`.
const UNAVAILABLE_RETRY_AFTER: u64 = 5;

impl ApiError {
    pub const fn new(status: StatusCode, code: ErrorCode, message: &'static str) -> ApiError {
        ApiError {
            status,
            code,
            message,
            devices: None,
            problems: None,
            retry_after: None,
        }
    }

    pub const fn bad_request(code: ErrorCode, message: &'static str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub const fn unprocessable(code: ErrorCode, message: &'static str) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub const fn conflict(code: ErrorCode, message: &'static str) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, message)
    }

    pub const fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "A valid access token is required.",
        )
    }

    pub const fn forbidden() -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, "Not allowed.")
    }

    pub const fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "Not found.")
    }

    /// A limit was reached; it allows again after `retry_after` seconds.
    pub const fn rate_limited(retry_after: u64) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "Too many requests. Please try again later.",
        );
        error.retry_after = Some(retry_after);
        error
    }

    /// A failure the client cannot fix. The cause is logged here, once, without request data.
    pub fn internal(cause: impl fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalError,
            "Something went wrong. Nothing was changed; please try again.",
        )
    }

    /// 422 with every problem found in a submitted card.
    pub fn problems(
        code: ErrorCode,
        message: &'static str,
        problems: Vec<quietline_protocol::Problem>,
    ) -> ApiError {
        ApiError {
            problems: Some(problems),
            ..ApiError::unprocessable(code, message)
        }
    }

    /// 409: the send did not target exactly the recipient's current devices.
    pub fn device_mismatch(devices: DeviceMismatch) -> ApiError {
        ApiError {
            devices: Some(Box::new(devices)),
            ..ApiError::conflict(
                ErrorCode::DeviceMismatch,
                "The message does not match the recipient's devices. Update sessions and retry.",
            )
        }
    }

    pub fn unavailable(cause: impl fmt::Display) -> ApiError {
        tracing::warn!(error = %cause, "backing service unavailable");
        let mut error = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ServiceUnavailable,
            "The service is busy. Please try again shortly.",
        );
        error.retry_after = Some(UNAVAILABLE_RETRY_AFTER);
        error
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status.as_u16(), self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        self.response_saying(self.message)
    }
}

impl ApiError {
    /// The padded JSON answer for this error, with `message` for people (the i18n layer passes
    /// a translation) and every header the error carries.
    pub fn response_saying(&self, message: &str) -> HttpResponse {
        let mut response = padded_error(
            self.status,
            &ErrorBody {
                error: ErrorDetail {
                    code: self.code,
                    message: message.to_string(),
                    devices: self.devices.as_deref().cloned(),
                    problems: self.problems.clone(),
                },
            },
        );
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(seconds.max(1)),
            );
        }
        response
    }
}

/// Error bodies are padded like the messaging API's, so a refusal cannot be told from an answer
/// by its size.
pub fn padded_error(status: StatusCode, body: &ErrorBody) -> HttpResponse {
    let bytes = quietline_protocol::padding::to_padded_json(body).unwrap_or_default();
    HttpResponse::build(status)
        .content_type("application/json")
        .body(bytes)
}

impl From<crate::db::DbError> for ApiError {
    fn from(error: crate::db::DbError) -> ApiError {
        match error {
            crate::db::DbError::Unavailable(cause) => ApiError::unavailable(cause),
            other => ApiError::internal(other),
        }
    }
}

impl From<crate::auth::secrets::SecretError> for ApiError {
    fn from(error: crate::auth::secrets::SecretError) -> ApiError {
        ApiError::internal(error)
    }
}

impl From<crate::kv::KvError> for ApiError {
    fn from(error: crate::kv::KvError) -> ApiError {
        ApiError::unavailable(error)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> ApiError {
        ApiError::internal(crate::db::DbError::Query(error))
    }
}

/// Extractor errors: malformed or mistyped input is the client's to fix, never a 500.
/// Messages name the position of the problem but never echo the input.
pub mod extractors {
    use super::ApiError;
    use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
    use actix_web::http::StatusCode;
    use actix_web::{HttpRequest, web};
    use quietline_protocol::ErrorCode;

    /// Largest JSON body any endpoint accepts.
    pub const JSON_LIMIT: usize = 64 * 1024;

    pub fn json_config() -> web::JsonConfig {
        web::JsonConfig::default()
            .limit(JSON_LIMIT)
            .error_handler(|error, _req: &HttpRequest| json_error(&error).into())
    }

    pub fn json_error(error: &JsonPayloadError) -> ApiError {
        match error {
            JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    "The request body is too large.",
                )
            }
            JsonPayloadError::ContentType => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                "The request body must be application/json.",
            ),
            JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::unprocessable(
                ErrorCode::InvalidBody,
                "The request body has a missing, unknown or mistyped field.",
            ),
            JsonPayloadError::Deserialize(_) => ApiError::bad_request(
                ErrorCode::MalformedJson,
                "The request body is not valid JSON.",
            ),
            _ => ApiError::bad_request(
                ErrorCode::MalformedJson,
                "The request body could not be read.",
            ),
        }
    }

    pub fn path_config() -> web::PathConfig {
        web::PathConfig::default().error_handler(|_: PathError, _| {
            ApiError::bad_request(ErrorCode::InvalidParameter, "A path parameter is invalid.")
                .into()
        })
    }

    pub fn query_config() -> web::QueryConfig {
        web::QueryConfig::default().error_handler(|_: QueryPayloadError, _| {
            ApiError::bad_request(ErrorCode::InvalidParameter, "A query parameter is invalid.")
                .into()
        })
    }

    /// Reads a JSON body with a larger limit than the default, for the few routes that need one.
    pub async fn read_json<T: serde::de::DeserializeOwned>(
        req: &HttpRequest,
        payload: web::Payload,
        limit: usize,
    ) -> Result<T, ApiError> {
        let is_json = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(json_error(&JsonPayloadError::ContentType));
        }
        let bytes = payload
            .to_bytes_limited(limit)
            .await
            .map_err(|_| json_error(&JsonPayloadError::Overflow { limit }))?
            .map_err(|_| {
                ApiError::bad_request(
                    ErrorCode::MalformedJson,
                    "The request body could not be read.",
                )
            })?;
        serde_json::from_slice(&bytes).map_err(|e| json_error(&JsonPayloadError::Deserialize(e)))
    }

    pub fn payload_config() -> web::PayloadConfig {
        web::PayloadConfig::default().limit(JSON_LIMIT)
    }
}
