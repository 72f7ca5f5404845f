//! `/movies`: list, read, create, change and delete movies.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Authorized, IfMatch, JsonObject, PathIds, can};
use super::paging::{KeyType, ListQuery, SortColumn};
use super::validate::{self, Body, TITLE_MAX};
use super::{AppState, Deleted, etag};
use crate::error::{ApiError, ErrorBody};
use crate::storage::actors::search_key;
use crate::storage::movies::{self, Movie, MovieChanges, MovieFilter, NewMovie};

const SORT_COLUMNS: &[SortColumn] = &[
    ("id", KeyType::Int),
    ("title", KeyType::Text),
    ("release_date", KeyType::Date),
];
const LIST_PARAMS: &[&str] = &[
    "limit",
    "cursor",
    "sort",
    "q",
    "released_after",
    "released_before",
];
const WRITABLE: &[&str] = &["title", "release_date"];
/// The seed's clients call the title `movie`.
const ALIASES: &[(&str, &str)] = &[("movie", "title")];

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

/// A new movie. `movie` is accepted as another name for `title`, and `release_date` as the
/// integer `YYYYMMDD`. No other fields are accepted.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMovie {
    #[schema(min_length = 1, max_length = 300, example = "The Casting Couch")]
    pub title: String,
    #[schema(value_type = String, format = Date, example = "2020-10-10")]
    pub release_date: chrono::NaiveDate,
}

/// Changes to a movie: at least one field; `null` is refused. No other fields are accepted.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchMovie {
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub release_date: Option<chrono::NaiveDate>,
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
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Page size (default 20)."),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page."),
        ("sort" = Option<String>, Query, pattern = "^-?(id|title|release_date)$", description = "`id` (default), `title` or `release_date`; a leading `-` sorts descending; ties are broken by id in the same direction."),
        ("q" = Option<String>, Query, max_length = 200, description = "Case-insensitive substring of the title."),
        ("released_after" = Option<String>, Query, format = Date, description = "Inclusive."),
        ("released_before" = Option<String>, Query, format = Date, description = "Inclusive."),
    ),
    responses(
        (status = 200, body = MoviePage),
        (status = 400, body = ErrorBody, description = "A malformed or out-of-range parameter, or a cursor of another sort or filter."),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn list_movies(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<MoviePage>, ApiError> {
    let query = ListQuery::parse(query.as_deref(), LIST_PARAMS)?;
    let filter = MovieFilter {
        title_contains: query.text("q")?,
        released_after: query.date("released_after")?,
        released_before: query.date("released_before")?,
    };
    if let (Some(after), Some(before)) = (filter.released_after, filter.released_before)
        && after > before
    {
        return Err(ApiError::BadRequest(
            "released_after: must not be later than released_before".into(),
        ));
    }
    let filters = format!(
        "{:?}|{:?}|{:?}",
        filter.title_contains.as_deref().map(search_key),
        filter.released_after,
        filter.released_before
    );
    let keyset = query.keyset(SORT_COLUMNS, &filters)?;
    let page = movies::list(&state.db, &filter, &keyset).await?;
    Ok(Json(MoviePage {
        success: true,
        next_cursor: query.next_cursor(page.next, &filters),
        movies: page.items,
    }))
}

/// Read a movie, with its cast.
#[utoipa::path(
    get, path = "/movies/{id}", tag = "movies",
    security(("bearer" = ["get:movies"])),
    params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, body = MovieResponse, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn get_movie(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    path: PathIds<1>,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    Ok(movie_response(movies::get(&state.db, id).await?))
}

/// Add a movie.
#[utoipa::path(
    post, path = "/movies", tag = "movies",
    security(("bearer" = ["post:movie"])),
    request_body = CreateMovie,
    responses(
        (status = 200, body = MovieCreated, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody),
    )
)]
async fn create_movie(
    _: Authorized<can::PostMovie>,
    State(state): State<AppState>,
    JsonObject(object): JsonObject,
) -> Result<Response, ApiError> {
    let mut body = Body::new(object, WRITABLE, ALIASES);
    let title = body.required("title", validate::text(TITLE_MAX));
    let release_date = body.required("release_date", validate::release_date);
    let new_movie = body.finish(
        title
            .zip(release_date)
            .map(|(title, release_date)| NewMovie {
                title,
                release_date,
            }),
    )?;
    let movie = movies::create(&state.db, &new_movie).await?;
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
    request_body = PatchMovie,
    responses(
        (status = 200, body = MovieResponse, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn patch_movie(
    _: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<1>,
    if_match: IfMatch,
    JsonObject(object): JsonObject,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    let mut body = Body::changes(object, WRITABLE, ALIASES);
    let changes = MovieChanges {
        title: body.optional("title", validate::text(TITLE_MAX)),
        release_date: body.optional("release_date", validate::release_date),
    };
    let changes = body.finish(Some(changes))?;
    Ok(movie_response(
        movies::update(&state.db, id, &changes, if_match.versions()).await?,
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
    _: Authorized<can::DeleteMovie>,
    State(state): State<AppState>,
    path: PathIds<1>,
    if_match: IfMatch,
) -> Result<Json<Deleted>, ApiError> {
    let [id] = path.0;
    movies::delete(&state.db, id, if_match.versions()).await?;
    Ok(Json(Deleted::new(id)))
}
