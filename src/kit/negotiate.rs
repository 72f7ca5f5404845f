//! Content negotiation by `Accept` (RFC 9110, 12.5.1), as far as this service needs it: which of
//! two media types a client prefers. A type's quality is that of the most specific range that
//! matches it; no `Accept` at all accepts anything equally.

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, CONTENT_TYPE};

/// Whether the request's body is of `media_type` (`type/subtype`), with or without parameters
/// such as `charset`, whatever its case.
pub fn body_is(headers: &HeaderMap, media_type: &str) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(media_type))
}

/// The quality the request's `Accept` gives `media_type` (`type/subtype`, lower case).
pub fn quality(headers: &HeaderMap, media_type: &str) -> f32 {
    let mut ranges = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .peekable();
    if ranges.peek().is_none() {
        return 1.0;
    }
    let (kind, _) = media_type.split_once('/').unwrap_or((media_type, ""));
    let mut best: Option<(u8, f32)> = None;
    for range in ranges {
        let mut parts = range.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default().to_ascii_lowercase();
        let q = parts
            .filter_map(|param| param.split_once('='))
            .find(|(key, _)| key.trim().eq_ignore_ascii_case("q"))
            .and_then(|(_, value)| value.trim().parse::<f32>().ok())
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
        let specificity = if name == media_type {
            3
        } else if name == format!("{kind}/*") {
            2
        } else if name == "*/*" {
            1
        } else {
            continue;
        };
        if best.is_none_or(|(known, _)| specificity > known) {
            best = Some((specificity, q));
        }
    }
    best.map_or(0.0, |(_, q)| q)
}

/// Whether the client would rather have `wanted` than `other`: accepted, and ranked higher.
pub fn prefers(headers: &HeaderMap, wanted: &str, other: &str) -> bool {
    let q = quality(headers, wanted);
    q > 0.0 && q > quality(headers, other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn browsers_prefer_html_and_api_clients_json() {
        let browser = accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
        );
        assert!(prefers(&browser, "text/html", "application/json"));
        for client in ["*/*", "application/json", "application/json, text/html"] {
            assert!(
                !prefers(&accept(client), "text/html", "application/json"),
                "{client}"
            );
        }
        assert!(!prefers(&HeaderMap::new(), "text/html", "application/json"));
    }

    #[test]
    fn csv_is_given_to_who_asks_for_it() {
        assert!(prefers(&accept("text/csv"), "text/csv", "application/json"));
        assert!(prefers(
            &accept("text/*, application/json;q=0.5"),
            "text/csv",
            "application/json"
        ));
        assert!(!prefers(
            &accept("text/csv;q=0, */*"),
            "text/csv",
            "application/json"
        ));
        assert!(!prefers(
            &accept("application/json, text/csv"),
            "text/csv",
            "application/json"
        ));
    }
}
