//! `/actors`: list, read, create, change and delete actors.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Authorized, IfMatch, JsonObject, PathIds, can};
use super::paging::{KeyType, ListQuery, SortColumn};
use super::validate::{self, Body, GENDER_MAX, NAME_MAX};
use super::{AppState, Deleted, etag};
use crate::error::{ApiError, ErrorBody};
use crate::storage::actors::{self, Actor, ActorChanges, ActorFilter, NewActor};

const SORT_COLUMNS: &[SortColumn] = &[
    ("id", KeyType::Int),
    ("name", KeyType::Text),
    ("age", KeyType::Int),
];
const LIST_PARAMS: &[&str] = &[
    "limit", "cursor", "sort", "q", "gender", "min_age", "max_age",
];
const WRITABLE: &[&str] = &["name", "age", "gender"];

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

/// A new actor. No other fields are accepted.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateActor {
    #[schema(min_length = 1, max_length = 200, example = "Zoë Saldaña")]
    pub name: String,
    #[schema(minimum = 0, maximum = 150, example = 46)]
    pub age: i32,
    #[schema(min_length = 1, max_length = 50, example = "female")]
    pub gender: String,
}

/// Changes to an actor: at least one field; `null` is refused. No other fields are accepted.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchActor {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(minimum = 0, maximum = 150)]
    pub age: Option<i32>,
    #[schema(min_length = 1, max_length = 50)]
    pub gender: Option<String>,
}

/// List actors, a page at a time.
#[utoipa::path(
    get, path = "/actors", tag = "actors",
    security(("bearer" = ["get:actors"])),
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Page size (default 20)."),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page."),
        ("sort" = Option<String>, Query, pattern = "^-?(id|name|age)$", description = "`id` (default), `name` or `age`; a leading `-` sorts descending; ties are broken by id in the same direction."),
        ("q" = Option<String>, Query, max_length = 200, description = "Case-insensitive substring of the name."),
        ("gender" = Option<String>, Query, max_length = 200, description = "Case-insensitive gender."),
        ("min_age" = Option<i32>, Query, minimum = 0, maximum = 150),
        ("max_age" = Option<i32>, Query, minimum = 0, maximum = 150),
    ),
    responses(
        (status = 200, body = ActorPage),
        (status = 400, body = ErrorBody, description = "A malformed or out-of-range parameter, or a cursor of another sort or filter."),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn list_actors(
    _: Authorized<can::GetActors>,
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<ActorPage>, ApiError> {
    let query = ListQuery::parse(query.as_deref(), LIST_PARAMS)?;
    let filter = ActorFilter {
        name_contains: query.text("q")?,
        gender: query.text("gender")?,
        min_age: query
            .integer("min_age", 0, validate::AGE_MAX)?
            .map(|age| age as i32),
        max_age: query
            .integer("max_age", 0, validate::AGE_MAX)?
            .map(|age| age as i32),
    };
    if let (Some(min), Some(max)) = (filter.min_age, filter.max_age)
        && min > max
    {
        return Err(ApiError::BadRequest(
            "min_age: must not exceed max_age".into(),
        ));
    }
    let filters = format!(
        "{:?}|{:?}|{:?}|{:?}",
        filter.name_contains.as_deref().map(actors::search_key),
        filter.gender.as_deref().map(actors::search_key),
        filter.min_age,
        filter.max_age
    );
    let keyset = query.keyset(SORT_COLUMNS, &filters)?;
    let page = actors::list(&state.db, &filter, &keyset).await?;
    Ok(Json(ActorPage {
        success: true,
        next_cursor: query.next_cursor(page.next, &filters),
        actors: page.items,
    }))
}

/// Read an actor, with the movies it is cast in.
#[utoipa::path(
    get, path = "/actors/{id}", tag = "actors",
    security(("bearer" = ["get:actors"])),
    params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, body = ActorResponse, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn get_actor(
    _: Authorized<can::GetActors>,
    State(state): State<AppState>,
    path: PathIds<1>,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    let actor = actors::get(&state.db, id).await?;
    Ok(etag::tagged(
        actor.version,
        ActorResponse {
            success: true,
            actor,
        },
    ))
}

/// Add an actor.
#[utoipa::path(
    post, path = "/actors", tag = "actors",
    security(("bearer" = ["post:actor"])),
    request_body = CreateActor,
    responses(
        (status = 200, body = ActorCreated, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody),
    )
)]
async fn create_actor(
    _: Authorized<can::PostActor>,
    State(state): State<AppState>,
    JsonObject(object): JsonObject,
) -> Result<Response, ApiError> {
    let mut body = Body::new(object, WRITABLE, &[]);
    let name = body.required("name", validate::text(NAME_MAX));
    let age = body.required("age", validate::age);
    let gender = body.required("gender", validate::text(GENDER_MAX));
    let new_actor = body.finish(
        name.zip(age)
            .zip(gender)
            .map(|((name, age), gender)| NewActor { name, age, gender }),
    )?;
    let actor = actors::create(&state.db, &new_actor).await?;
    Ok(etag::tagged(
        actor.version,
        ActorCreated {
            success: true,
            created: actor.id,
            actor,
        },
    ))
}

/// Change some of an actor's fields.
#[utoipa::path(
    patch, path = "/actors/{id}", tag = "actors",
    security(("bearer" = ["patch:actor"])),
    params(("id" = i64, Path, minimum = 1), ("If-Match" = Option<String>, Header, description = "Change only if the ETag still matches.")),
    request_body = PatchActor,
    responses(
        (status = 200, body = ActorResponse, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn patch_actor(
    _: Authorized<can::PatchActor>,
    State(state): State<AppState>,
    path: PathIds<1>,
    if_match: IfMatch,
    JsonObject(object): JsonObject,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    let mut body = Body::changes(object, WRITABLE, &[]);
    let changes = ActorChanges {
        name: body.optional("name", validate::text(NAME_MAX)),
        age: body.optional("age", validate::age),
        gender: body.optional("gender", validate::text(GENDER_MAX)),
    };
    let changes = body.finish(Some(changes))?;
    let actor = actors::update(&state.db, id, &changes, if_match.versions()).await?;
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
    _: Authorized<can::DeleteActor>,
    State(state): State<AppState>,
    path: PathIds<1>,
    if_match: IfMatch,
) -> Result<Json<Deleted>, ApiError> {
    let [id] = path.0;
    actors::delete(&state.db, id, if_match.versions()).await?;
    Ok(Json(Deleted::new(id)))
}
