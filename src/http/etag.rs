//! Entity tags: a resource's version, quoted, sent as `ETag` and compared with `If-Match`.

use axum::Json;
use axum::http::HeaderValue;
use axum::http::header::ETAG;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

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
