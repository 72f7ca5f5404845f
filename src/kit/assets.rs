//! The web app's static files, embedded in the binary and served under names that carry a hash
//! of their bytes, so that they can be cached for a year: a changed file is a new URL.

use std::sync::LazyLock;

use aws_lc_rs::digest;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One embedded file.
pub struct Asset {
    /// Where it is served: `/assets/NAME.HASH.EXT`.
    pub path: String,
    bytes: &'static [u8],
    content_type: &'static str,
}

impl Asset {
    fn new(stem: &str, extension: &str, content_type: &'static str, bytes: &'static [u8]) -> Self {
        let hash = digest::digest(&digest::SHA256, bytes);
        let hex: String = hash.as_ref()[..6]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Self {
            path: format!("/assets/{stem}.{hex}.{extension}"),
            bytes,
            content_type,
        }
    }

    fn response(&self, cache_control: &'static str) -> Response {
        (
            [
                (CONTENT_TYPE, HeaderValue::from_static(self.content_type)),
                (CACHE_CONTROL, HeaderValue::from_static(cache_control)),
            ],
            self.bytes,
        )
            .into_response()
    }
}

/// Every asset the pages use.
pub struct Assets {
    pub css: Asset,
    /// htmx 2.0.11 (npm package `htmx.org`, `dist/htmx.min.js`), unmodified; Zero-Clause BSD.
    pub htmx: Asset,
    pub script: Asset,
    /// The role board's keyboard shortcuts.
    pub board: Asset,
    /// Dropping an image on an actor's photos to upload it.
    pub photos: Asset,
    /// Live updates: parts of a page swapped in place as their event stream tells of changes.
    pub live: Asset,
    pub icon: Asset,
}

impl Assets {
    fn all(&self) -> [&Asset; 7] {
        [
            &self.css,
            &self.htmx,
            &self.script,
            &self.board,
            &self.photos,
            &self.live,
            &self.icon,
        ]
    }
}

pub static ASSETS: LazyLock<Assets> = LazyLock::new(|| Assets {
    css: Asset::new(
        "app",
        "css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/app.css"),
    ),
    htmx: Asset::new(
        "htmx",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/htmx.min.js"),
    ),
    script: Asset::new(
        "app",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/app.js"),
    ),
    board: Asset::new(
        "board",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/board.js"),
    ),
    photos: Asset::new(
        "photos",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/photos.js"),
    ),
    live: Asset::new(
        "live",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/live.js"),
    ),
    icon: Asset::new(
        "favicon",
        "ico",
        "image/x-icon",
        include_bytes!("../../assets/favicon.ico"),
    ),
});

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `GET /assets/{file}`.
pub async fn asset(Path(file): Path<String>) -> Response {
    let path = format!("/assets/{file}");
    match ASSETS.all().into_iter().find(|asset| asset.path == path) {
        Some(asset) => asset.response(IMMUTABLE),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `GET /favicon.ico`, which browsers ask for whatever the page says: under a fixed name, so
/// cached for a day only.
pub async fn favicon() -> Response {
    ASSETS.icon.response("public, max-age=86400")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_names_carry_a_hash_of_their_bytes() {
        let a = Asset::new("app", "css", "text/css", b"a");
        let b = Asset::new("app", "css", "text/css", b"b");
        assert!(a.path.starts_with("/assets/app.") && a.path.ends_with(".css"));
        assert_ne!(a.path, b.path);
        assert_eq!(a.path, Asset::new("app", "css", "text/css", b"a").path);
    }
}
