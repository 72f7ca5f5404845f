//! `/actors/{id}/history` and `/movies/{id}/history`: every change made to a resource, newest
//! first, a page at a time; still readable once the resource is deleted.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{Authorized, PathIds, Query, can};
use crate::kit::lists::{HistoryPage, HistoryQuery, read_page};
use crate::storage::Kind;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(actor_history))
        .routes(routes!(movie_history))
}

async fn history_page(
    state: &AppState,
    kind: Kind,
    id: i64,
    query: &HistoryQuery,
) -> Result<Json<HistoryPage>, ApiError> {
    let page = read_page(
        &state.db,
        kind,
        id,
        query.limit.as_ref(),
        query.cursor.as_ref(),
    )
    .await?;
    Ok(Json(page))
}

/// Every change made to an actor, newest first: who, when, what changed, from what, to what.
#[utoipa::path(
    get, path = "/actors/{id}/history", tag = "actors",
    security(("bearer" = ["get:actors"])),
    params(("id" = i64, Path, minimum = 1), HistoryQuery),
    responses(
        (status = 200, body = HistoryPage),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No actor with this id ever existed."),
        (status = 503, body = ErrorBody),
    )
)]
async fn actor_history(
    _: Authorized<can::GetActors>,
    State(state): State<AppState>,
    path: PathIds<1>,
    Query(query): Query<HistoryQuery>,
) -> Result<Json<HistoryPage>, ApiError> {
    let [id] = path.0;
    history_page(&state, Kind::Actor, id, &query).await
}

/// Every change made to a movie, its cast's included, newest first.
#[utoipa::path(
    get, path = "/movies/{id}/history", tag = "movies",
    security(("bearer" = ["get:movies"])),
    params(("id" = i64, Path, minimum = 1), HistoryQuery),
    responses(
        (status = 200, body = HistoryPage),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No movie with this id ever existed."),
        (status = 503, body = ErrorBody),
    )
)]
async fn movie_history(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    path: PathIds<1>,
    Query(query): Query<HistoryQuery>,
) -> Result<Json<HistoryPage>, ApiError> {
    let [id] = path.0;
    history_page(&state, Kind::Movie, id, &query).await
}
