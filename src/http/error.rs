//! The API's one error type: every failure, whatever produced it, becomes the error JSON
//! `{"success": false, "error": status, "code": ..., "message": ...}` (docs/API.md, Errors).
//! What went wrong inside is never shown; it travels with the response to the one layer that
//! logs errors ([`super`]'s `json_errors`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::kit::csv::RowProblem;
use crate::kit::{InternalDetail, Refusal};
use crate::model::Invalid;
use crate::storage::StorageError;

/// Seconds a client is asked to wait before retrying when the server cannot answer now.
pub const RETRY_AFTER_SECONDS: &str = "5";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("a bearer token is required (Authorization: Bearer <token>)")]
    MissingToken,
    #[error("{0}")]
    InvalidToken(&'static str),
    #[error("missing permission {0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("the request body did not arrive within {} seconds", .0.as_secs())]
    RequestTimeout(std::time::Duration),
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// The body is not of a type the endpoint takes; the message names those it does.
    #[error("{0}")]
    UnsupportedMediaType(&'static str),
    #[error("{0}")]
    Validation(String),
    /// Rows of an import that break the resource's rules: each with its row and column.
    #[error("{}", describe_rows(.0))]
    Rows(Vec<RowProblem>),
    #[error("{0}")]
    Unavailable(&'static str),
    /// A fault of the server; the detail is logged, never shown.
    #[error("internal server error")]
    Internal(String),
}

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

impl ApiError {
    /// A fault of the server, with what to log about it.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::Internal(detail.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::MissingToken | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) | Self::Rows(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
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

/// An import's broken rules in a sentence: the first, and how many more the list holds.
fn describe_rows(problems: &[RowProblem]) -> String {
    match problems {
        [] => "the file breaks a rule of the resource".to_owned(),
        [only] => only.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more; see errors)", rest.len()),
    }
}

fn respond(status: StatusCode, message: String, errors: Option<Vec<RowProblem>>) -> Response {
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let errors = match &self {
            Self::Rows(problems) => Some(problems.clone()),
            _ => None,
        };
        let mut response = respond(self.status(), self.to_string(), errors);
        match self {
            Self::InvalidToken(reason) => {
                // RFC 6750: say why the token was refused, in the challenge too.
                let challenge = format!(
                    "Bearer realm=\"movie-manager\", error=\"invalid_token\", error_description=\"{reason}\""
                );
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    response
                        .headers_mut()
                        .insert(header::WWW_AUTHENTICATE, value);
                }
            }
            Self::Internal(detail) => {
                response.extensions_mut().insert(InternalDetail(detail));
            }
            // What is left of the body may still be arriving: the connection cannot be reused.
            Self::RequestTimeout(_) => {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            _ => {}
        }
        response
    }
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        Self::Validation(invalid.to_string())
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::BadRequest(message) => Self::BadRequest(message),
            Refusal::Storage(error) => error.into(),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound(..)
            | StorageError::NotInCast { .. }
            | StorageError::NotCandidate { .. } => Self::NotFound(error.to_string()),
            StorageError::VersionMismatch(_) => Self::PreconditionFailed(format!(
                "{error}: If-Match does not match its current ETag"
            )),
            StorageError::Conflict(message) => Self::Conflict(message),
            StorageError::Invalid(invalid) => invalid.into(),
            StorageError::Unavailable => Self::Unavailable("the database is unavailable"),
            StorageError::Fault(error) => Self::internal(format!("database fault: {error}")),
        }
    }
}
