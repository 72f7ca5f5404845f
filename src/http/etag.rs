//! Entity tags: a resource's version, quoted, sent as `ETag` and compared with `If-Match` and
//! `If-None-Match`.

use axum::Json;
use axum::http::header::ETAG;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use axum::extract::FromRequestParts;
use axum::http::header::{IF_MATCH, IF_NONE_MATCH};
use axum::http::request::Parts;

use super::error::ApiError;

fn header(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"v{version}\"")).expect("an ETag is ASCII")
}

/// The version in a strong tag made by [`header`]; `None` for anything else.
pub fn parse(tag: &str) -> Option<i64> {
    tag.strip_prefix("\"v")?.strip_suffix('"')?.parse().ok()
}

/// A JSON answer about one resource, tagged with its version.
pub fn tagged<T: Serialize>(version: i64, body: T) -> Response {
    ([(ETAG, header(version))], Json(body)).into_response()
}

/// The answer to a GET of one resource: 304 with its ETag and no body when the client already
/// has this version, else the tagged body.
pub fn conditional<T: Serialize>(
    condition: &IfNoneMatch,
    version: i64,
    body: impl FnOnce() -> T,
) -> Response {
    if condition.matches(version) {
        (StatusCode::NOT_MODIFIED, [(ETAG, header(version))]).into_response()
    } else {
        tagged(version, body())
    }
}

/// The versions an `If-Match` header accepts: `None` when there is no header or it is `*` (any
/// existing version). Weak tags never match (RFC 9110 uses the strong comparison for If-Match).
pub struct IfMatch(pub Option<Vec<i64>>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let mut versions = Vec::new();
        let mut present = false;
        for value in parts.headers.get_all(IF_MATCH) {
            present = true;
            let value = value
                .to_str()
                .map_err(|_| ApiError::BadRequest("If-Match: malformed header".into()))?;
            for tag in value
                .split(',')
                .map(str::trim)
                .filter(|tag| !tag.is_empty())
            {
                if tag == "*" {
                    return Ok(Self(None));
                }
                if let Some(version) = parse(tag) {
                    versions.push(version);
                }
            }
        }
        Ok(Self(present.then_some(versions)))
    }
}

impl IfMatch {
    pub fn versions(&self) -> Option<&[i64]> {
        self.0.as_deref()
    }
}

/// The versions an `If-None-Match` header names (RFC 9110, 13.1.2: weak comparison, so `W/"v3"`
/// names version 3), or any version for `*`. A GET of one resource answers 304 when it names the
/// current one.
#[derive(Default)]
pub struct IfNoneMatch {
    any: bool,
    versions: Vec<i64>,
}

impl<S: Send + Sync> FromRequestParts<S> for IfNoneMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let mut condition = Self::default();
        for value in parts.headers.get_all(IF_NONE_MATCH) {
            let value = value
                .to_str()
                .map_err(|_| ApiError::BadRequest("If-None-Match: malformed header".into()))?;
            for tag in value.split(',').map(str::trim) {
                if tag == "*" {
                    condition.any = true;
                } else if let Some(version) = parse(tag.trim_start_matches("W/")) {
                    condition.versions.push(version);
                }
            }
        }
        Ok(condition)
    }
}

impl IfNoneMatch {
    /// Whether a resource at `version` is one the client already has.
    pub fn matches(&self, version: i64) -> bool {
        self.any || self.versions.contains(&version)
    }
}
