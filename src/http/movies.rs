//! `/movies`: list, read, create, change and delete movies.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::etag::{IfMatch, IfNoneMatch};
use super::extract::{Authorized, Body, PathIds, Query, can};
use super::{AppState, Deleted, etag};
use crate::kit::csv;
use crate::kit::lists::MovieListQuery;
use crate::kit::query::PageRequest;
use crate::model::{MovieChanges, NewMovie};
use crate::storage::movies::{self, Movie};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_movies, create_movie))
        .routes(routes!(get_movie, patch_movie, delete_movie))
}

/// A page of movies.
#[derive(Serialize, ToSchema)]
pub struct MoviePage {
    success: bool,
    movies: Vec<Movie>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// One movie.
#[derive(Serialize, ToSchema)]
pub struct MovieResponse {
    success: bool,
    movie: Movie,
}

/// A newly created movie.
#[derive(Serialize, ToSchema)]
pub struct MovieCreated {
    success: bool,
    /// The new movie's id.
    created: i64,
    movie: Movie,
}

/// Answers a movie with its ETag; casting answers this way too.
pub fn movie_response(movie: Movie) -> Response {
    etag::tagged(
        movie.version,
        MovieResponse {
            success: true,
            movie,
        },
    )
}

/// List movies, a page at a time.
#[utoipa::path(
    get, path = "/movies", tag = "movies",
    security(("bearer" = ["get:movies"])),
    params(MovieListQuery),
    responses(
        (status = 200, description = "A page of movies; with `Accept: text/csv`, every movie the filters keep, as CSV (no `limit` or `cursor`).", content(
            (MoviePage = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, body = ErrorBody, description = "A malformed or out-of-range parameter, a cursor of another sort or filter, or `limit` or `cursor` with `Accept: text/csv`."),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn list_movies(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<MovieListQuery>,
) -> Result<Response, ApiError> {
    let filter = query.filter();
    if csv::wanted(&headers) {
        return Ok(csv::movies(state.db.clone(), filter, query.paging()).await?);
    }
    let request = PageRequest::new(query.paging(), &filter)?;
    let page = movies::list(&state.db, &filter, &request.keyset).await?;
    Ok(super::listed(MoviePage {
        success: true,
        next_cursor: request.next_cursor(page.next),
        movies: page.items,
    }))
}

/// Read a movie, with its cast.
#[utoipa::path(
    get, path = "/movies/{id}", tag = "movies",
    security(("bearer" = ["get:movies"])),
    params(("id" = i64, Path, minimum = 1), ("If-None-Match" = Option<String>, Header, description = "Answer 304 without a body if the ETag is one of these.")),
    responses(
        (status = 200, body = MovieResponse, headers(("ETag" = String))),
        (status = 304, description = "The client's copy is current.", headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn get_movie(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    path: PathIds<1>,
    condition: IfNoneMatch,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    let movie = movies::get(&state.db, id).await?;
    Ok(etag::conditional(&condition, movie.version, || {
        MovieResponse {
            success: true,
            movie,
        }
    }))
}

/// Add a movie.
#[utoipa::path(
    post, path = "/movies", tag = "movies",
    security(("bearer" = ["post:movie"])),
    request_body = NewMovie,
    responses(
        (status = 200, body = MovieCreated, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody),
    )
)]
async fn create_movie(
    caller: Authorized<can::PostMovie>,
    State(state): State<AppState>,
    Body(new_movie): Body<NewMovie>,
) -> Result<Response, ApiError> {
    let movie = movies::create(&state.db, &new_movie, &caller.editor()).await?;
    Ok(etag::tagged(
        movie.version,
        MovieCreated {
            success: true,
            created: movie.id,
            movie,
        },
    ))
}

/// Change some of a movie's fields.
#[utoipa::path(
    patch, path = "/movies/{id}", tag = "movies",
    security(("bearer" = ["patch:movie"])),
    params(("id" = i64, Path, minimum = 1), ("If-Match" = Option<String>, Header, description = "Change only if the ETag still matches.")),
    request_body = MovieChanges,
    responses(
        (status = 200, body = MovieResponse, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn patch_movie(
    caller: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<1>,
    if_match: IfMatch,
    Body(changes): Body<MovieChanges>,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    Ok(movie_response(
        movies::update(
            &state.db,
            id,
            &changes,
            if_match.versions(),
            &caller.editor(),
        )
        .await?,
    ))
}

/// Delete a movie and its castings.
#[utoipa::path(
    delete, path = "/movies/{id}", tag = "movies",
    security(("bearer" = ["delete:movie"])),
    params(("id" = i64, Path, minimum = 1), ("If-Match" = Option<String>, Header, description = "Delete only if the ETag still matches.")),
    responses(
        (status = 200, body = Deleted),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn delete_movie(
    caller: Authorized<can::DeleteMovie>,
    State(state): State<AppState>,
    path: PathIds<1>,
    if_match: IfMatch,
) -> Result<Json<Deleted>, ApiError> {
    let [id] = path.0;
    movies::delete(&state.db, id, if_match.versions(), &caller.editor()).await?;
    Ok(Json(Deleted::new(id)))
}
