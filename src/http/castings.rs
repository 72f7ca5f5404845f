//! `/movies/{id}/actors/{actor_id}`: casting an actor in a movie, and removing them from its cast.
//! Both change the movie, so both need `patch:movie`.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::extract::{Authorized, IfMatch, OptionalJsonObject, PathIds, can};
use super::movies::{MovieResponse, movie_response};
use super::validate::{self, Body, CHARACTER_MAX};
use crate::error::{ApiError, ErrorBody};
use crate::storage::castings;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(cast_actor, uncast_actor))
}

/// The casting: the part the actor plays. The whole body is optional.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Casting {
    /// Absent, `null` or empty: no character recorded.
    #[schema(max_length = 200, example = "Neytiri")]
    pub character: Option<String>,
}

/// Cast an actor in a movie, or change their character. Repeating it is harmless.
#[utoipa::path(
    put, path = "/movies/{id}/actors/{actor_id}", tag = "castings",
    security(("bearer" = ["patch:movie"])),
    params(
        ("id" = i64, Path, minimum = 1), ("actor_id" = i64, Path, minimum = 1),
        ("If-Match" = Option<String>, Header, description = "Change only if the movie's ETag still matches."),
    ),
    request_body(content = Option<Casting>),
    responses(
        (status = 200, body = MovieResponse, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such movie or actor."), (status = 412, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody),
    )
)]
async fn cast_actor(
    _: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<2>,
    if_match: IfMatch,
    OptionalJsonObject(object): OptionalJsonObject,
) -> Result<Response, ApiError> {
    let [movie_id, actor_id] = path.0;
    let mut body = Body::new(object.unwrap_or_default(), &["character"], &[]);
    let character = body.nullable("character", validate::optional_text(CHARACTER_MAX));
    let character = body.finish(Some(character.flatten()))?;
    let movie = castings::cast(
        &state.db,
        movie_id,
        actor_id,
        character,
        if_match.versions(),
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
    _: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<2>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    let [movie_id, actor_id] = path.0;
    let movie = castings::uncast(&state.db, movie_id, actor_id, if_match.versions()).await?;
    Ok(movie_response(movie))
}
