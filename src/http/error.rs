//! The API's one error type: every failure, whatever produced it, becomes the error JSON
//! `{"success": false, "error": status, "code": ..., "message": ...}` (docs/API.md, Errors).
//! What went wrong inside is never shown; it travels with the response to the one layer that
//! logs errors ([`super`]'s `json_errors`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::kit::csv::RowProblem;
use crate::kit::errors::respond;
pub use crate::kit::errors::{ErrorBody, code, default_message, error_response};
use crate::kit::{InternalDetail, Refusal};
use crate::model::Invalid;
use crate::storage::StorageError;

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
    /// It existed, and is no more (an expired or revoked presentation).
    #[error("{0}")]
    Gone(String),
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
            Self::Gone(_) => StatusCode::GONE,
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

/// An import's broken rules in a sentence: the first, and how many more the list holds.
fn describe_rows(problems: &[RowProblem]) -> String {
    match problems {
        [] => "the file breaks a rule of the resource".to_owned(),
        [only] => only.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more; see errors)", rest.len()),
    }
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
            | StorageError::Missing(_)
            | StorageError::NotInCast { .. }
            | StorageError::NotCandidate { .. } => Self::NotFound(error.to_string()),
            StorageError::VersionMismatch(_) => Self::PreconditionFailed(format!(
                "{error}: If-Match does not match its current ETag"
            )),
            StorageError::Conflict(message) => Self::Conflict(message),
            StorageError::Gone(message) => Self::Gone(message),
            StorageError::Invalid(invalid) => invalid.into(),
            StorageError::Unavailable => Self::Unavailable("the database is unavailable"),
            StorageError::Fault(error) => Self::internal(format!("database fault: {error}")),
        }
    }
}
