//! An actor's photos in the web app: the upload form (a file input, and drag-and-drop where
//! scripts run), "Make primary" and "Delete"; and the session standing for a bearer token when
//! a page's `<img>` fetches a photo's file from the API.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::post;

use super::Web;
use super::casting::{Attempt, show_page};
use super::resource::{Resource, id_of};
use super::session::{SignedIn, cookie_id, resume};
use crate::auth::Permission;
use crate::kit::csrf::TOKEN_FIELD;
use crate::kit::page::{self, PageResult, Refused, redirect};
use crate::kit::parse_id;
use crate::kit::upload::{self, FileFormError};
use crate::photos::{ACCEPTED_TYPES, ImageError};
use crate::storage::StorageError;
use crate::storage::actors::Actor;
use crate::storage::photos::{self, PHOTO_PATH, UploadError};

/// Photos are part of the actor: changing them takes what editing the actor does.
const CHANGE_PHOTOS: Permission = Permission::PatchActor;

pub fn routes() -> Router<Arc<Web>> {
    Router::new()
        .route("/app/actors/{id}/photos", post(upload))
        .route(
            "/app/actors/{id}/photos/{photo_id}/primary",
            post(make_primary),
        )
        .route("/app/actors/{id}/photos/{photo_id}/delete", post(delete))
}

/// Where the actor's page shows its photos, with what was done.
fn photos_section(id: i64, done: &str) -> String {
    format!("{}?done={done}#photos", Actor::path(id))
}

/// `POST /app/actors/{id}/photos`: a multipart form with the CSRF token and one file `photo`.
async fn upload(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    request: Request,
) -> PageResult {
    session.require(CHANGE_PHOTOS)?;
    let id = id_of::<Actor>(&session, &raw)?;
    let headers = request.headers().clone();
    let form = match Multipart::from_request(request, &web).await {
        Ok(form) => upload::one_file(form, "photo").await,
        Err(_) => Err(FileFormError::Unreadable),
    };
    let form = match form {
        Ok(form) => form,
        Err(error) => {
            let refused = (StatusCode::UNPROCESSABLE_ENTITY, error.to_string());
            return refused_photo(&web, &session, id, refused).await;
        }
    };
    session.check_form(&headers, form.text(TOKEN_FIELD))?;
    let uploaded = photos::upload(
        &web.db,
        &web.photos,
        &web.workshop,
        id,
        form.file,
        &session.editor(),
    )
    .await;
    let refused = match uploaded {
        Ok(_) => return Ok(redirect(&photos_section(id, "photo-added"))),
        Err(UploadError::Image(error)) => (image_status(&error), image_message(error)),
        Err(UploadError::Store(error)) => {
            tracing::error!(%error, "the photo store failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the photo store cannot be reached right now: try again in a moment".to_owned(),
            )
        }
        Err(UploadError::Storage(StorageError::Conflict(message))) => {
            (StatusCode::CONFLICT, message)
        }
        Err(UploadError::Storage(error)) => return Err(session.failed(error)),
    };
    refused_photo(&web, &session, id, refused).await
}

fn image_status(error: &ImageError) -> StatusCode {
    match error {
        ImageError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ImageError::Unsupported => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ImageError::Empty | ImageError::TooManyPixels { .. } | ImageError::Undecodable => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }
}

fn image_message(error: ImageError) -> String {
    match error {
        ImageError::Unsupported => ACCEPTED_TYPES.to_owned(),
        error => error.to_string(),
    }
}

/// The actor's page again, with why the photo was refused.
async fn refused_photo(
    web: &Web,
    session: &SignedIn,
    id: i64,
    (status, message): (StatusCode, String),
) -> PageResult {
    let attempt = Some(Attempt::Photo(status, page::capitalized(&message)));
    show_page::<Actor>(web, session, id, String::new(), attempt, None, "").await
}

/// A form sent about one photo (its "Make primary" or "Delete"): the actor's id and the
/// photo's, once the person may change photos and the form is theirs.
fn photo_form(
    session: &SignedIn,
    (raw, raw_photo): &(String, String),
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(i64, i64), Refused> {
    session.require(CHANGE_PHOTOS)?;
    let (Ok(id), Ok(photo_id)) = (parse_id("id", raw), parse_id("photo_id", raw_photo)) else {
        return Err(session.refuse(StatusCode::NOT_FOUND, "There is no such photo."));
    };
    session.form(headers, body)?;
    Ok((id, photo_id))
}

/// `POST /app/actors/{id}/photos/{photo_id}/primary`.
async fn make_primary(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(ids): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    let (id, photo_id) = photo_form(&session, &ids, &headers, &body)?;
    photos::make_primary(&web.db, id, photo_id, &session.editor())
        .await
        .map_err(|error| session.failed(error))?;
    Ok(redirect(&photos_section(id, "photo-primary")))
}

/// `POST /app/actors/{id}/photos/{photo_id}/delete`: the files go once the row is gone.
async fn delete(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(ids): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    let (id, photo_id) = photo_form(&session, &ids, &headers, &body)?;
    let keys = photos::delete(&web.db, id, photo_id, &session.editor())
        .await
        .map_err(|error| session.failed(error))?;
    web.photos.remove_all(&keys).await;
    Ok(redirect(&photos_section(id, "photo-deleted")))
}

/// How the paths of the live-updates streams end (`/roles/{id}/events`).
const EVENTS_PATH_END: &str = "/events";

/// Lets a page's `<img>` fetch a photo's file, and its `EventSource` a live-updates stream,
/// which the API serves to a bearer token: such a GET without a token, from a browser whose
/// session is alive, carries the session's access token, so that the API checks its
/// permissions as for any other. The session cookie is `SameSite=Lax`, so another site's page
/// never reads either this way.
pub async fn session_for_reads(
    State(web): State<Arc<Web>>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let wanted = request.method() == axum::http::Method::GET
        && (path.starts_with(PHOTO_PATH) || path.ends_with(EVENTS_PATH_END))
        && !request.headers().contains_key(AUTHORIZATION);
    if wanted
        && let Some(id) = cookie_id(&web, request.headers())
        && let Ok(Some(session)) = resume(&web, &id).await
        && let Ok(bearer) = HeaderValue::from_str(&format!("Bearer {}", session.access_token))
    {
        request.headers_mut().insert(AUTHORIZATION, bearer);
    }
    next.run(request).await
}
