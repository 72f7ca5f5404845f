//! `/actors/{id}/history` and `/movies/{id}/history` (and the roles' through [`history_answer`]):
//! every change made to a resource, newest first, a page at a time or as CSV; still readable
//! once the resource is deleted.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{Authorized, PathIds, Query, can};
use crate::kit::csv;
use crate::kit::lists::{HistoryPage, HistoryQuery, read_page};
use crate::kit::query::{Paging, Sort};
use crate::storage::Kind;
use crate::storage::history::Newest;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(actor_history))
        .routes(routes!(movie_history))
}

/// A page of the history of `kind` `id`, or with `Accept: text/csv` all of it, as CSV.
pub(super) async fn history_answer(
    state: &AppState,
    kind: Kind,
    id: i64,
    headers: &HeaderMap,
    query: &HistoryQuery,
) -> Result<Response, ApiError> {
    if csv::wanted(headers) {
        let paging = Paging {
            limit: query.limit.as_ref(),
            cursor: query.cursor.as_ref(),
            sort: Some(Sort {
                key: Newest,
                descending: true,
            }),
        };
        return Ok(csv::history(state.db.clone(), kind, id, paging).await?);
    }
    let page = read_page(
        &state.db,
        kind,
        id,
        query.limit.as_ref(),
        query.cursor.as_ref(),
    )
    .await?;
    Ok(super::listed(page))
}

/// Every change made to an actor, newest first: who, when, what changed, from what, to what.
#[utoipa::path(
    get, path = "/actors/{id}/history", tag = "actors",
    security(("bearer" = ["get:actors"])),
    params(("id" = i64, Path, minimum = 1), HistoryQuery),
    responses(
        (status = 200, description = "A page of the history; with `Accept: text/csv`, all of it, as CSV (no `limit` or `cursor`).", content(
            (HistoryPage = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No actor with this id ever existed."),
        (status = 503, body = ErrorBody),
    )
)]
async fn actor_history(
    _: Authorized<can::GetActors>,
    State(state): State<AppState>,
    path: PathIds<1>,
    headers: HeaderMap,
    Query(query): Query<HistoryQuery>,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    history_answer(&state, Kind::Actor, id, &headers, &query).await
}

/// Every change made to a movie, its cast's included, newest first.
#[utoipa::path(
    get, path = "/movies/{id}/history", tag = "movies",
    security(("bearer" = ["get:movies"])),
    params(("id" = i64, Path, minimum = 1), HistoryQuery),
    responses(
        (status = 200, description = "A page of the history; with `Accept: text/csv`, all of it, as CSV (no `limit` or `cursor`).", content(
            (HistoryPage = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No movie with this id ever existed."),
        (status = 503, body = ErrorBody),
    )
)]
async fn movie_history(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    path: PathIds<1>,
    headers: HeaderMap,
    Query(query): Query<HistoryQuery>,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    history_answer(&state, Kind::Movie, id, &headers, &query).await
}
