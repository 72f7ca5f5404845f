//! What the presenters (the API, the web app, the built-in OpenID provider) share, beneath all
//! of them: page pieces (layout, CSRF, error pages, assets), the list queries and their CSV
//! exports, and content negotiation. Nothing here imports a presenter.

pub mod assets;
pub mod calendar;
pub mod csrf;
pub mod csv;
pub mod errors;
pub mod lists;
pub mod negotiate;
pub mod page;
pub mod photo_file;
pub mod query;
pub mod upload;

use axum::http::HeaderName;
use axum::http::request::Parts;

use crate::storage::StorageError;
use crate::storage::history::ClientRequestId;

/// Where a presentation's pages live: this, then its token.
pub const SHARE_PATH: &str = "/share/";

/// The header of a request's id: the server's own, set on every request and sent back.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The server's id of a request (its [`REQUEST_ID`], set by the server) and the caller's own,
/// which the middleware set aside: what a write records in the history.
pub fn request_ids(parts: &Parts) -> (String, Option<ClientRequestId>) {
    let server = parts
        .headers
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (server, parts.extensions.get::<ClientRequestId>().cloned())
}

/// A request that cannot be answered as asked, before a presenter says so in its own form (the
/// API's error JSON, a page).
#[derive(Debug)]
pub enum Refusal {
    /// A parameter cannot be read (400).
    BadRequest(String),
    /// The storage refused or failed.
    Storage(StorageError),
}

impl From<StorageError> for Refusal {
    fn from(error: StorageError) -> Self {
        Self::Storage(error)
    }
}

/// What a 5xx response hides: the layer that logs errors reads it from the response's extensions.
#[derive(Debug, Clone)]
pub struct InternalDetail(pub String);

/// Parses a path segment that names a resource: a positive 64-bit integer in canonical form
/// (digits only, no sign, no leading zero).
pub fn parse_id(name: &str, raw: &str) -> Result<i64, Refusal> {
    let canonical = !raw.starts_with('0') && raw.bytes().all(|b| b.is_ascii_digit());
    match raw.parse::<i64>() {
        Ok(id) if canonical && id > 0 => Ok(id),
        _ => Err(Refusal::BadRequest(format!(
            "{name}: must be a positive integer no larger than {}",
            i64::MAX
        ))),
    }
}
