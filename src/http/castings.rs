//! `/movies/{id}/actors/{actor_id}`: casting an actor in a movie, and removing them from its cast.
//! Both change the movie, so both need `patch:movie`.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::etag::IfMatch;
use super::extract::{Authorized, OptionalBody, PathIds, can};
use super::movies::{MovieResponse, movie_response};
use crate::model::Casting;
use crate::storage::castings;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(cast_actor, uncast_actor))
}

/// Cast an actor in a movie, or change their character. Repeating it is harmless.
#[utoipa::path(
    put, path = "/movies/{id}/actors/{actor_id}", tag = "castings",
    security(("bearer" = ["patch:movie"])),
    params(
        ("id" = i64, Path, minimum = 1), ("actor_id" = i64, Path, minimum = 1),
        ("If-Match" = Option<String>, Header, description = "Change only if the movie's ETag still matches."),
    ),
    request_body(content = Casting, description = "Optional: no body records no character."),
    responses(
        (status = 200, body = MovieResponse, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such movie or actor."),
        (status = 409, body = ErrorBody, description = "The actor is booked for a role, whose name is their character; or the character is a role's name and the actor is not booked for it."),
        (status = 412, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody),
    )
)]
async fn cast_actor(
    caller: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<2>,
    if_match: IfMatch,
    OptionalBody(casting): OptionalBody<Casting>,
) -> Result<Response, ApiError> {
    let [movie_id, actor_id] = path.0;
    let movie = castings::cast(
        &state.db,
        movie_id,
        actor_id,
        casting.character,
        if_match.versions(),
        &caller.editor(),
    )
    .await?;
    Ok(movie_response(movie))
}

/// Remove an actor from a movie's cast.
#[utoipa::path(
    delete, path = "/movies/{id}/actors/{actor_id}", tag = "castings",
    security(("bearer" = ["patch:movie"])),
    params(
        ("id" = i64, Path, minimum = 1), ("actor_id" = i64, Path, minimum = 1),
        ("If-Match" = Option<String>, Header, description = "Change only if the movie's ETag still matches."),
    ),
    responses(
        (status = 200, body = MovieResponse, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such movie or actor, or the actor is not in its cast."),
        (status = 412, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn uncast_actor(
    caller: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<2>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    let [movie_id, actor_id] = path.0;
    let movie = castings::uncast(
        &state.db,
        movie_id,
        actor_id,
        if_match.versions(),
        &caller.editor(),
    )
    .await?;
    Ok(movie_response(movie))
}
