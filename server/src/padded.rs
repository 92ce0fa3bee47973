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
