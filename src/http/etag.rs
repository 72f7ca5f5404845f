//! Entity tags: a resource's version, quoted, sent as `ETag` and compared with `If-Match`.

use axum::http::HeaderValue;

pub fn header(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"v{version}\"")).expect("an ETag is ASCII")
}

/// The version in a strong tag made by [`header`]; `None` for anything else.
pub fn parse(tag: &str) -> Option<i64> {
    tag.strip_prefix("\"v")?.strip_suffix('"')?.parse().ok()
}
