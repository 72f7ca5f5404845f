//! `/movies/{id}/roles` and `/roles/{id}`: a movie's breakdown. Reading needs `get:movies`;
//! writing, `patch:movie`.

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
use super::history::history_answer;
use super::{AppState, Deleted, etag};
use crate::kit::lists::{HistoryPage, HistoryQuery};
use crate::model::{NewRole, RoleChanges};
use crate::storage::Kind;
use crate::storage::roles::{self, Role};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_roles, create_role))
        .routes(routes!(get_role, patch_role, delete_role))
        .routes(routes!(role_history))
}

/// A movie's roles, whole.
#[derive(Serialize, ToSchema)]
pub struct RoleList {
    success: bool,
    roles: Vec<Role>,
}

/// One role.
#[derive(Serialize, ToSchema)]
pub struct RoleResponse {
    success: bool,
    role: Role,
}

/// A newly created role.
#[derive(Serialize, ToSchema)]
pub struct RoleCreated {
    success: bool,
    /// The new role's id.
    created: i64,
    role: Role,
}

fn role_response(role: Role) -> Response {
    etag::tagged(
        role.version,
        RoleResponse {
            success: true,
            role,
        },
    )
}

/// A movie's roles (its breakdown), in the order they were created, each with the counts of
/// its candidates. A movie has at most 200.
#[utoipa::path(
    get, path = "/movies/{id}/roles", tag = "roles",
    security(("bearer" = ["get:movies"])),
    params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, body = RoleList),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn list_roles(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    path: PathIds<1>,
) -> Result<Json<RoleList>, ApiError> {
    let [movie_id] = path.0;
    let roles = roles::list(&state.db, movie_id).await?;
    Ok(Json(RoleList {
        success: true,
        roles,
    }))
}

/// Add a role to a movie's breakdown.
#[utoipa::path(
    post, path = "/movies/{id}/roles", tag = "roles",
    security(("bearer" = ["patch:movie"])),
    params(("id" = i64, Path, minimum = 1)),
    request_body = NewRole,
    responses(
        (status = 200, body = RoleCreated, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The movie has a role of this name (regardless of case), or 200 roles already."),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody),
    )
)]
async fn create_role(
    caller: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<1>,
    Body(new_role): Body<NewRole>,
) -> Result<Response, ApiError> {
    let [movie_id] = path.0;
    let role = roles::create(&state.db, movie_id, &new_role, &caller.editor()).await?;
    Ok(etag::tagged(
        role.version,
        RoleCreated {
            success: true,
            created: role.id,
            role,
        },
    ))
}

/// Read a role, with the counts of its candidates.
#[utoipa::path(
    get, path = "/roles/{id}", tag = "roles",
    security(("bearer" = ["get:movies"])),
    params(("id" = i64, Path, minimum = 1), ("If-None-Match" = Option<String>, Header, description = "Answer 304 without a body if the ETag is one of these.")),
    responses(
        (status = 200, body = RoleResponse, headers(("ETag" = String))),
        (status = 304, description = "The client's copy is current.", headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn get_role(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    path: PathIds<1>,
    condition: IfNoneMatch,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    let role = roles::get(&state.db, id).await?;
    Ok(etag::conditional(&condition, role.version, || {
        RoleResponse {
            success: true,
            role,
        }
    }))
}

/// Change some of a role's fields. A new name renames its booked actors' character in the cast.
#[utoipa::path(
    patch, path = "/roles/{id}", tag = "roles",
    security(("bearer" = ["patch:movie"])),
    params(("id" = i64, Path, minimum = 1), ("If-Match" = Option<String>, Header, description = "Change only if the ETag still matches.")),
    request_body = RoleChanges,
    responses(
        (status = 200, body = RoleResponse, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Another role of the movie has the name, or fewer positions than are booked."),
        (status = 412, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn patch_role(
    caller: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<1>,
    if_match: IfMatch,
    Body(changes): Body<RoleChanges>,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    let role = roles::update(
        &state.db,
        id,
        &changes,
        if_match.versions(),
        &caller.editor(),
    )
    .await?;
    Ok(role_response(role))
}

/// Delete a role and its candidates; refused while one is booked.
#[utoipa::path(
    delete, path = "/roles/{id}", tag = "roles",
    security(("bearer" = ["patch:movie"])),
    params(("id" = i64, Path, minimum = 1), ("If-Match" = Option<String>, Header, description = "Delete only if the ETag still matches.")),
    responses(
        (status = 200, body = Deleted),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "A candidate is booked: move them first."),
        (status = 412, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn delete_role(
    caller: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<1>,
    if_match: IfMatch,
) -> Result<Json<Deleted>, ApiError> {
    let [id] = path.0;
    roles::delete(&state.db, id, if_match.versions(), &caller.editor()).await?;
    Ok(Json(Deleted::new(id)))
}

/// Every change made to a role, each move of its candidates included, newest first.
#[utoipa::path(
    get, path = "/roles/{id}/history", tag = "roles",
    security(("bearer" = ["get:movies"])),
    params(("id" = i64, Path, minimum = 1), HistoryQuery),
    responses(
        (status = 200, description = "A page of the history; with `Accept: text/csv`, all of it, as CSV (no `limit` or `cursor`).", content(
            (HistoryPage = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No role with this id ever existed."),
        (status = 503, body = ErrorBody),
    )
)]
async fn role_history(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    path: PathIds<1>,
    headers: HeaderMap,
    Query(query): Query<HistoryQuery>,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    history_answer(&state, Kind::Role, id, &headers, &query).await
}
