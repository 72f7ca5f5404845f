//! Cross-site request forgery: every state-changing request must come from one of our own pages
//! (its `Origin`, or `Sec-Fetch-Site: same-origin` when a browser sends no `Origin`) and carry
//! the session's CSRF token (a hidden form field, or a header for htmx requests).

use axum::http::HeaderMap;
use axum::http::header::ORIGIN;

/// The header htmx requests carry the CSRF token in (set by `hx-headers` on the page's body).
pub const TOKEN_HEADER: &str = "x-csrf-token";
/// The form field forms carry it in.
pub const TOKEN_FIELD: &str = "_csrf";

/// Whether the request was sent by a page of `origin` (`scheme://host[:port]`). A request with
/// neither header is refused: every browser in use sends at least one of them.
pub fn same_origin(headers: &HeaderMap, origin: &str) -> bool {
    match headers.get(ORIGIN) {
        Some(value) => value.as_bytes() == origin.as_bytes(),
        None => headers
            .get("sec-fetch-site")
            .is_some_and(|value| value.as_bytes() == b"same-origin"),
    }
}

/// Whether `given` is the session's token, compared in constant time.
pub fn token_matches(expected: &str, given: Option<&str>) -> bool {
    given.is_some_and(|given| {
        aws_lc_rs::constant_time::verify_slices_are_equal(expected.as_bytes(), given.as_bytes())
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn only_our_own_origin_may_change_anything() {
        let ours = "http://127.0.0.1:8080";
        assert!(same_origin(
            &headers(&[("origin", "http://127.0.0.1:8080")]),
            ours
        ));
        assert!(!same_origin(
            &headers(&[("origin", "http://evil.example")]),
            ours
        ));
        assert!(!same_origin(&headers(&[("origin", "null")]), ours));
        assert!(same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            ours
        ));
        assert!(!same_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            ours
        ));
        assert!(!same_origin(&headers(&[]), ours));
        // Origin, when sent, decides.
        let both = headers(&[
            ("origin", "http://evil.example"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert!(!same_origin(&both, ours));
    }

    #[test]
    fn the_token_must_be_the_sessions() {
        assert!(token_matches("abc", Some("abc")));
        assert!(!token_matches("abc", Some("abd")));
        assert!(!token_matches("abc", Some("")));
        assert!(!token_matches("abc", None));
    }
}
