//! Entity tags: a resource's version, quoted, sent as `ETag` and compared with `If-Match` and
//! `If-None-Match`.

use axum::Json;
use axum::http::header::ETAG;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::extract::IfNoneMatch;

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
