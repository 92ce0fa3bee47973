//! A JSON response padded to a size bucket (see `quietline_protocol::padding`), for the
//! messaging API, whose sizes on the wire must not reveal message lengths or operations.

use crate::error::ApiError;
use actix_web::body::BoxBody;
use actix_web::{HttpRequest, HttpResponse, Responder};
use serde::Serialize;

pub struct Padded<T>(pub T);

impl<T: Serialize> Responder for Padded<T> {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        match quietline_protocol::padding::to_padded_json(&self.0) {
            Ok(body) => HttpResponse::Ok()
                .content_type("application/json")
                .body(body),
            Err(error) => actix_web::ResponseError::error_response(&ApiError::internal(error)),
        }
    }
}

/// A JSON response padded to its bucket and never below `smallest` bytes: for answers whose
/// variants must not differ in size (a session, or none).
pub struct PaddedAtLeast<T>(pub T, pub usize);

impl<T: Serialize> Responder for PaddedAtLeast<T> {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        match serde_json::to_vec(&self.0) {
            Ok(mut body) => {
                let target = quietline_protocol::padding::padded_len(body.len().max(self.1));
                body.resize(target, b' ');
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(body)
            }
            Err(error) => actix_web::ResponseError::error_response(&ApiError::internal(error)),
        }
    }
}
