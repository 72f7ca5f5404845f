//! The API's one error type: every failure, whatever produced it, becomes the contract's error JSON
//! `{"success": false, "error": status, "code": ..., "message": ...}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::storage::StorageError;

/// Seconds a client is asked to wait before retrying when a dependency is down.
const RETRY_AFTER_SECONDS: &str = "5";

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
    PreconditionFailed(String),
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    Unavailable(&'static str),
    #[error("internal server error")]
    Internal,
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
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::MissingToken | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The code and message for a bare status, for responses made outside the handlers (the router's
/// 404 and 405, timeouts, panics).
pub fn code_and_message(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("bad_request", "bad request"),
        401 => ("unauthorized", "authentication required"),
        403 => ("forbidden", "forbidden"),
        404 => ("not_found", "no such resource or route"),
        405 => ("method_not_allowed", "method not allowed"),
        408 => ("request_timeout", "the request took too long"),
        412 => ("precondition_failed", "If-Match does not match"),
        413 => ("payload_too_large", "request body is too large"),
        415 => ("unsupported_media_type", "request body must be JSON"),
        422 => (
            "validation_failed",
            "the request breaks a rule of the resource",
        ),
        503 => ("service_unavailable", "service unavailable"),
        _ if status.is_server_error() => ("internal_error", "internal server error"),
        _ => ("error", "request failed"),
    }
}

/// Builds the error JSON response for a status with a message.
pub fn error_response(status: StatusCode, code: &'static str, message: String) -> Response {
    let body = ErrorBody {
        success: false,
        error: status.as_u16(),
        code,
        message,
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
        let status = self.status();
        let code = match &self {
            Self::BadRequest(_) => "bad_request",
            Self::MissingToken | Self::InvalidToken(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::PreconditionFailed(_) => "precondition_failed",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Validation(_) => "validation_failed",
            Self::Unavailable(_) => "service_unavailable",
            Self::Internal => "internal_error",
        };
        let mut response = error_response(status, code, self.to_string());
        if let Self::InvalidToken(reason) = self {
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
        response
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound(..) | StorageError::NotInCast { .. } => {
                Self::NotFound(error.to_string())
            }
            StorageError::VersionMismatch(_) => Self::PreconditionFailed(format!(
                "{error}: If-Match does not match its current ETag"
            )),
            StorageError::Unavailable => Self::Unavailable("the database is unavailable"),
            StorageError::Fault(error) => {
                tracing::error!(error = %error, "database fault");
                Self::Internal
            }
        }
    }
}
