//! `/actors/{id}/photos` and the photos' files: upload (the image as the body, or a multipart
//! form with one file `photo`), list, make primary, delete; and each rendition, served by its
//! content-addressed URL to whoever may read actors.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::extract::{Authorized, Body, PathIds, can, read_body};
use super::{AppState, Deleted};
use crate::kit::negotiate;
use crate::kit::photo_file::{self, FileRefused};
use crate::kit::upload::{self, FileFormError};
use crate::model::MakePrimary;
use crate::photos::{ACCEPTED_TYPES, ImageError, PHOTO_BYTES_MAX, PhotoStore, store};
use crate::storage::photos::{self, Photo, UploadError};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_photos, upload_photo))
        .routes(routes!(make_primary, delete_photo))
        .routes(routes!(photo_file))
}

/// An actor's photos.
#[derive(Serialize, ToSchema)]
pub struct PhotoList {
    success: bool,
    photos: Vec<Photo>,
}

/// A photo just added.
#[derive(Serialize, ToSchema)]
pub struct PhotoCreated {
    success: bool,
    created: i64,
    photo: Photo,
}

/// One photo.
#[derive(Serialize, ToSchema)]
pub struct PhotoResponse {
    success: bool,
    photo: Photo,
}

impl From<ImageError> for ApiError {
    fn from(error: ImageError) -> Self {
        match error {
            ImageError::TooLarge => Self::PayloadTooLarge(PHOTO_BYTES_MAX),
            ImageError::Unsupported => Self::UnsupportedMediaType(ACCEPTED_TYPES),
            ImageError::Empty | ImageError::TooManyPixels { .. } | ImageError::Undecodable => {
                Self::Validation(error.to_string())
            }
        }
    }
}

fn store_failed(error: store::StoreError) -> ApiError {
    tracing::error!(error = %error, "the photo store failed");
    ApiError::Unavailable("the photo store is unavailable")
}

impl From<UploadError> for ApiError {
    fn from(error: UploadError) -> Self {
        match error {
            UploadError::Image(error) => error.into(),
            UploadError::Store(error) => store_failed(error),
            UploadError::Storage(error) => error.into(),
        }
    }
}

/// The image of an upload: the body itself, or the one file `photo` of a multipart form.
async fn image_of(request: Request, state: &AppState) -> Result<Bytes, ApiError> {
    if !negotiate::body_is(request.headers(), "multipart/form-data") {
        return read_body(request.into_body(), PHOTO_BYTES_MAX + 1).await;
    }
    let unreadable = |_| ApiError::Validation(FileFormError::Unreadable.to_string());
    let form = Multipart::from_request(request, state)
        .await
        .map_err(unreadable)?;
    let form = upload::one_file(form, "photo")
        .await
        .map_err(|error| ApiError::Validation(error.to_string()))?;
    Ok(form.file)
}

/// Add a photo: JPEG, PNG or WebP, as the body or as the file `photo` of a multipart form.
/// The first is primary. Thumb, card and large renditions are made at once.
#[utoipa::path(
    post, path = "/actors/{id}/photos", tag = "photos",
    security(("bearer" = ["patch:actor"])),
    params(("id" = i64, Path, minimum = 1)),
    request_body(description = "The image (up to 20 MiB and 50 megapixels), or `multipart/form-data` with one file `photo`.", content(
        (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp"),
        (Vec<u8> = "multipart/form-data"),
    )),
    responses(
        (status = 200, body = PhotoCreated),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The actor has 15 photos already."),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody, description = "Not a JPEG, PNG or WebP image, whatever it was sent as."),
        (status = 422, body = ErrorBody, description = "An empty body, a damaged image, too many pixels, or a form without exactly one file `photo`."),
        (status = 503, body = ErrorBody),
    )
)]
async fn upload_photo(
    caller: Authorized<can::PatchActor>,
    State(state): State<AppState>,
    path: PathIds<1>,
    request: Request,
) -> Result<Json<PhotoCreated>, ApiError> {
    let [actor_id] = path.0;
    let image = image_of(request, &state).await?;
    let photo = photos::upload(
        &state.db,
        &state.photos,
        &state.workshop,
        actor_id,
        image,
        &caller.editor(),
    )
    .await?;
    Ok(Json(PhotoCreated {
        success: true,
        created: photo.id,
        photo,
    }))
}

/// An actor's photos, the primary first.
#[utoipa::path(
    get, path = "/actors/{id}/photos", tag = "photos",
    security(("bearer" = ["get:actors"])),
    params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, body = PhotoList),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn list_photos(
    _: Authorized<can::GetActors>,
    State(state): State<AppState>,
    path: PathIds<1>,
) -> Result<Json<PhotoList>, ApiError> {
    let [actor_id] = path.0;
    let photos = photos::list(&state.db, actor_id).await?;
    Ok(Json(PhotoList {
        success: true,
        photos,
    }))
}

/// Make a photo its actor's primary one.
#[utoipa::path(
    patch, path = "/actors/{id}/photos/{photo_id}", tag = "photos",
    security(("bearer" = ["patch:actor"])),
    params(("id" = i64, Path, minimum = 1), ("photo_id" = i64, Path, minimum = 1)),
    request_body = MakePrimary,
    responses(
        (status = 200, body = PhotoResponse),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn make_primary(
    caller: Authorized<can::PatchActor>,
    State(state): State<AppState>,
    path: PathIds<2>,
    Body(MakePrimary): Body<MakePrimary>,
) -> Result<Json<PhotoResponse>, ApiError> {
    let [actor_id, photo_id] = path.0;
    let photo = photos::make_primary(&state.db, actor_id, photo_id, &caller.editor()).await?;
    Ok(Json(PhotoResponse {
        success: true,
        photo,
    }))
}

/// Delete a photo and its files; if it was primary, the oldest of the others becomes primary.
#[utoipa::path(
    delete, path = "/actors/{id}/photos/{photo_id}", tag = "photos",
    security(("bearer" = ["patch:actor"])),
    params(("id" = i64, Path, minimum = 1), ("photo_id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, body = Deleted, description = "`deleted` is the photo's id."),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn delete_photo(
    caller: Authorized<can::PatchActor>,
    State(state): State<AppState>,
    path: PathIds<2>,
) -> Result<Json<Deleted>, ApiError> {
    let [actor_id, photo_id] = path.0;
    let keys = photos::delete(&state.db, actor_id, photo_id, &caller.editor()).await?;
    state.photos.remove_all(&keys).await;
    Ok(Json(Deleted::new(photo_id)))
}

/// One file of a photo. Its URL names its content: it never changes, and may be kept for good
/// by the one who fetched it (never by a shared cache: a photo is personal data).
#[utoipa::path(
    get, path = "/photos/{upload}/{file}", tag = "photos",
    security(("bearer" = ["get:actors"])),
    params(("upload" = String, Path), ("file" = String, Path)),
    responses(
        (status = 200, description = "The image.", content(
            (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp"),
        )),
        (status = 304, description = "The client has it already."),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn photo_file(
    _: Authorized<can::GetActors>,
    State(state): State<AppState>,
    Path((upload, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    serve_file(&state.photos, &format!("{upload}/{file}"), &headers).await
}

/// Answers the file under `key` with its immutable caching headers, or 304 when `If-None-Match`
/// names it.
async fn serve_file(
    store: &PhotoStore,
    key: &str,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    photo_file::serve(store, key, headers)
        .await
        .map_err(|refused| match refused {
            FileRefused::NoSuchPhoto => ApiError::NotFound(refused.to_string()),
            FileRefused::Store(error) => store_failed(error),
        })
}
