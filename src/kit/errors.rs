//! The error JSON of every failed request, whichever presenter answers it:
//! `{"success": false, "error": status, "code": ..., "message": ...}` (docs/API.md, Errors).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::csv::RowProblem;

/// Seconds a client is asked to wait before retrying when the server cannot answer now.
pub const RETRY_AFTER_SECONDS: &str = "5";

/// The error body of every failed request.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"success": false, "error": 422, "code": "validation_failed", "message": "age: must be between 0 and 150"}))]
pub struct ErrorBody {
    /// Always `false`.
    pub success: bool,
    /// The HTTP status code, repeated.
    pub error: u16,
    /// A stable, machine-readable code.
    pub code: &'static str,
    /// What went wrong, for a person.
    pub message: String,
    /// For an import, each broken rule with its row (the header is row 1) and column: the
    /// first 100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<RowProblem>>,
}

/// The machine-readable code of an error status: the one place codes come from.
pub fn code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        409 => "conflict",
        410 => "gone",
        412 => "precondition_failed",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "validation_failed",
        503 => "service_unavailable",
        _ if status.is_server_error() => "internal_error",
        _ => "error",
    }
}

/// The message for a bare status, for responses made outside the handlers (the router's 404 and
/// 405, the body limit, timeouts, load shedding).
pub fn default_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad request",
        401 => "authentication required",
        403 => "forbidden",
        404 => "no such resource or route",
        405 => "method not allowed",
        408 => "the request took too long",
        409 => "the request breaks a rule of the current state",
        410 => "it is no longer available",
        412 => "If-Match does not match",
        413 => "request body is too large",
        415 => "request body must be JSON",
        422 => "the request breaks a rule of the resource",
        503 => "service unavailable",
        _ if status.is_server_error() => "internal server error",
        _ => "request failed",
    }
}

/// The error JSON response for a status with a message.
pub fn error_response(status: StatusCode, message: String) -> Response {
    respond(status, message, None)
}

pub fn respond(status: StatusCode, message: String, errors: Option<Vec<RowProblem>>) -> Response {
    let body = ErrorBody {
        success: false,
        error: status.as_u16(),
        code: code(status),
        message,
        errors,
    };
    let mut response = (status, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    match status {
        StatusCode::UNAUTHORIZED => {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"movie-manager\""),
            );
        }
        StatusCode::SERVICE_UNAVAILABLE => {
            headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
        _ => {}
    }
    response
}
