//! `/actors/{id}/history` and `/movies/{id}/history`: every change made to a resource, newest
//! first, a page at a time; still readable once the resource is deleted.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::extract::{Authorized, PathIds, can};
use super::query::{CursorText, Limit, PageRequest, Paging, Param, ParamValue, Query, Sort};
use crate::error::{ApiError, ErrorBody};
use crate::storage::history::{self, Change, Newest};
use crate::storage::{Database, Kind};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(actor_history))
        .routes(routes!(movie_history))
}

/// The query of a history. Unknown and repeated parameters are refused.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    #[param(schema_with = Limit::schema)]
    limit: Option<Param<Limit>>,
    #[param(schema_with = CursorText::schema)]
    cursor: Option<Param<CursorText>>,
}

/// A page of a resource's history, newest first.
#[derive(Serialize, ToSchema)]
pub struct HistoryPage {
    success: bool,
    pub history: Vec<Change>,
    /// Pass as `cursor` for the next (older) page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A page of the history of the resource `kind` `id`, for the API and the web app alike: its
/// cursors are bound to that resource.
pub async fn read_page(
    db: &Database,
    kind: Kind,
    id: i64,
    limit: Option<&Param<Limit>>,
    cursor: Option<&Param<CursorText>>,
) -> Result<HistoryPage, ApiError> {
    let newest = Sort {
        key: Newest,
        descending: true,
    };
    let paging = Paging {
        limit,
        cursor,
        sort: Some(newest),
    };
    let request = PageRequest::new(paging, &(kind.name(), id))?;
    let page = history::list(db, kind, id, &request.keyset).await?;
    Ok(HistoryPage {
        success: true,
        next_cursor: request.next_cursor(page.next),
        history: page.items,
    })
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
