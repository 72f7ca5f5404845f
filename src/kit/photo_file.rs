//! A photo's file as an answer: by its content-addressed key, with a strong `ETag`, cached for
//! good, `nosniff`, and 304 for a client that has it. The API serves them to whoever may read
//! actors; a presentation's pages, to whoever holds its link.

use axum::http::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::photos::{PhotoStore, store};

/// How long a served file may be kept: its URL names its content, so for good.
const IMMUTABLE: &str = "private, max-age=31536000, immutable";

/// Why a file is not served.
#[derive(Debug, thiserror::Error)]
pub enum FileRefused {
    #[error("there is no such photo")]
    NoSuchPhoto,
    #[error(transparent)]
    Store(store::StoreError),
}

/// The file under `key`, or 304 when the request's `If-None-Match` names it.
pub async fn serve(
    store: &PhotoStore,
    key: &str,
    headers: &HeaderMap,
) -> Result<Response, FileRefused> {
    let (Some(kind), true) = (store::type_of(key), store::is_key(key)) else {
        return Err(FileRefused::NoSuchPhoto);
    };
    let tag = format!("\"{}\"", store::hash_of(key));
    let etag = HeaderValue::from_str(&tag).map_err(|_| FileRefused::NoSuchPhoto)?;
    let cached = headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == tag);
    if cached {
        return if store.exists(key).await.map_err(FileRefused::Store)? {
            Ok((StatusCode::NOT_MODIFIED, immutable(etag)).into_response())
        } else {
            Err(FileRefused::NoSuchPhoto)
        };
    }
    let file = store
        .get(key)
        .await
        .map_err(FileRefused::Store)?
        .ok_or(FileRefused::NoSuchPhoto)?;
    let content_type = [(CONTENT_TYPE, HeaderValue::from_static(kind.mime()))];
    Ok((immutable(etag), content_type, file).into_response())
}

/// The headers of a photo file's answer, 200 or 304.
fn immutable(etag: HeaderValue) -> [(axum::http::HeaderName, HeaderValue); 3] {
    [
        (ETAG, etag),
        (CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ]
}
