//! `/actors`: list, read, create, change and delete actors.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::etag::{IfMatch, IfNoneMatch};
use super::extract::{Authorized, Body, OneOrFile, PathIds, Query, can};
use super::{AppState, Deleted, etag};
use crate::kit::csv;
use crate::kit::lists::ActorListQuery;
use crate::kit::query::PageRequest;
use crate::model::{ActorChanges, NewActor};
use crate::storage::actors::{self, Actor};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_actors, create_actor))
        .routes(routes!(get_actor, patch_actor, delete_actor))
}

/// A page of actors.
#[derive(Serialize, ToSchema)]
pub struct ActorPage {
    success: bool,
    actors: Vec<Actor>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// One actor.
#[derive(Serialize, ToSchema)]
pub struct ActorResponse {
    success: bool,
    actor: Actor,
}

/// A newly created actor.
#[derive(Serialize, ToSchema)]
pub struct ActorCreated {
    success: bool,
    /// The new actor's id.
    created: i64,
    actor: Actor,
}

/// List actors, a page at a time.
#[utoipa::path(
    get, path = "/actors", tag = "actors",
    security(("bearer" = ["get:actors"])),
    params(ActorListQuery),
    responses(
        (status = 200, description = "A page of actors; with `Accept: text/csv`, every actor the filters keep, as CSV (no `limit` or `cursor`).", content(
            (ActorPage = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, body = ErrorBody, description = "A malformed or out-of-range parameter, a cursor of another sort or filter, or `limit` or `cursor` with `Accept: text/csv`."),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn list_actors(
    _: Authorized<can::GetActors>,
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ActorListQuery>,
) -> Result<Response, ApiError> {
    let filter = query.filter();
    if csv::wanted(&headers) {
        return Ok(csv::actors(state.db.clone(), filter, query.paging()).await?);
    }
    let request = PageRequest::new(query.paging(), &filter)?;
    let page = actors::list(&state.db, &filter, &request.keyset).await?;
    Ok(super::listed(ActorPage {
        success: true,
        next_cursor: request.next_cursor(page.next),
        actors: page.items,
    }))
}

/// Read an actor, with the movies it is cast in.
#[utoipa::path(
    get, path = "/actors/{id}", tag = "actors",
    security(("bearer" = ["get:actors"])),
    params(("id" = i64, Path, minimum = 1), ("If-None-Match" = Option<String>, Header, description = "Answer 304 without a body if the ETag is one of these.")),
    responses(
        (status = 200, body = ActorResponse, headers(("ETag" = String))),
        (status = 304, description = "The client's copy is current.", headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn get_actor(
    _: Authorized<can::GetActors>,
    State(state): State<AppState>,
    path: PathIds<1>,
    condition: IfNoneMatch,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    let actor = actors::get(&state.db, id).await?;
    Ok(etag::conditional(&condition, actor.version, || {
        ActorResponse {
            success: true,
            actor,
        }
    }))
}

/// Add an actor.
///
/// With `Content-Type: text/csv` the body is instead a CSV file of actors, with the columns of
/// the CSV export, to import: every row or none (docs/API.md, "Import").
#[utoipa::path(
    post, path = "/actors", tag = "actors",
    security(("bearer" = ["post:actor"])),
    request_body = NewActor,
    responses(
        (status = 200, body = ActorCreated, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody),
    )
)]
async fn create_actor(
    caller: Authorized<can::PostActor>,
    State(state): State<AppState>,
    body: OneOrFile<NewActor>,
) -> Result<Response, ApiError> {
    let new_actor = match body {
        OneOrFile::One(new_actor) => new_actor,
        OneOrFile::File(file) => return import_actors(&state, &caller, &file).await,
    };
    let actor = actors::create(&state.db, &new_actor, &caller.editor()).await?;
    Ok(etag::tagged(
        actor.version,
        ActorCreated {
            success: true,
            created: actor.id,
            actor,
        },
    ))
}

/// The answer to an import.
#[derive(Serialize)]
struct ActorsImported {
    success: bool,
    /// How many actors were created.
    created: usize,
}

/// `POST /actors` with a CSV file: every row an actor, all or none.
async fn import_actors(
    state: &AppState,
    caller: &Authorized<can::PostActor>,
    file: &[u8],
) -> Result<Response, ApiError> {
    let new_actors = csv::read_actors(file).map_err(ApiError::Rows)?;
    let created = actors::import(&state.db, &new_actors, &caller.editor(), |_| {}).await?;
    Ok(Json(ActorsImported {
        success: true,
        created,
    })
    .into_response())
}

/// Change some of an actor's fields.
#[utoipa::path(
    patch, path = "/actors/{id}", tag = "actors",
    security(("bearer" = ["patch:actor"])),
    params(("id" = i64, Path, minimum = 1), ("If-Match" = Option<String>, Header, description = "Change only if the ETag still matches.")),
    request_body = ActorChanges,
    responses(
        (status = 200, body = ActorResponse, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn patch_actor(
    caller: Authorized<can::PatchActor>,
    State(state): State<AppState>,
    path: PathIds<1>,
    if_match: IfMatch,
    Body(changes): Body<ActorChanges>,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    let actor = actors::update(
        &state.db,
        id,
        &changes,
        if_match.versions(),
        &caller.editor(),
    )
    .await?;
    Ok(etag::tagged(
        actor.version,
        ActorResponse {
            success: true,
            actor,
        },
    ))
}

/// Delete an actor and its castings.
#[utoipa::path(
    delete, path = "/actors/{id}", tag = "actors",
    security(("bearer" = ["delete:actor"])),
    params(("id" = i64, Path, minimum = 1), ("If-Match" = Option<String>, Header, description = "Delete only if the ETag still matches.")),
    responses(
        (status = 200, body = Deleted),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn delete_actor(
    caller: Authorized<can::DeleteActor>,
    State(state): State<AppState>,
    path: PathIds<1>,
    if_match: IfMatch,
) -> Result<Json<Deleted>, ApiError> {
    let [id] = path.0;
    let files = actors::delete(&state.db, id, if_match.versions(), &caller.editor()).await?;
    state.photos.remove_all(&files).await;
    Ok(Json(Deleted::new(id)))
}
