//! `/roles/{id}/presentations` and `/presentations/{id}`: the links that show some of a role's
//! candidates to producers who do not sign in. Their pages (`/share/{token}`) are the web
//! app's; making, listing and withdrawing the links is here (`patch:movie`, `get:movies`).

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{Authorized, Body, PathIds, can};
use crate::kit::SHARE_PATH;
use crate::model::NewPresentation;
use crate::storage::presentations::{self, Presentation};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_presentations, create_presentation))
        .routes(routes!(revoke_presentation))
}

/// A link just made: the only answer that holds its URL (the server keeps a hash of its token).
#[derive(Serialize, ToSchema)]
pub struct Link {
    id: i64,
    /// Opens without signing in, until it expires or is withdrawn.
    url: String,
    #[serde(serialize_with = "crate::storage::json::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    expires_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct PresentationCreated {
    success: bool,
    presentation: Link,
}

/// A role's presentations, newest first.
#[derive(Serialize, ToSchema)]
pub struct PresentationList {
    success: bool,
    presentations: Vec<Presentation>,
}

/// A withdrawn presentation.
#[derive(Serialize, ToSchema)]
pub struct PresentationRevoked {
    success: bool,
    /// The withdrawn presentation's id.
    deleted: i64,
    presentation: Presentation,
}

/// A role's presentations, newest first, withdrawn and expired ones included (never their
/// links: only a hash of each token is kept).
#[utoipa::path(
    get, path = "/roles/{id}/presentations", tag = "presentations",
    security(("bearer" = ["get:movies"])),
    params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, body = PresentationList),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn list_presentations(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    path: PathIds<1>,
) -> Result<Json<PresentationList>, ApiError> {
    let [role_id] = path.0;
    let presentations = presentations::list(&state.db, role_id).await?;
    Ok(Json(PresentationList {
        success: true,
        presentations,
    }))
}

/// Make a link that shows 1 to 100 of the role's candidates (name, playing ages, photo and the
/// office's note) to people who do not sign in, and takes their yes, maybe or no.
#[utoipa::path(
    post, path = "/roles/{id}/presentations", tag = "presentations",
    security(("bearer" = ["patch:movie"])),
    params(("id" = i64, Path, minimum = 1)),
    request_body = NewPresentation,
    responses(
        (status = 200, body = PresentationCreated),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "More than 100 actors, or one who is not a candidate for the role."),
        (status = 503, body = ErrorBody),
    )
)]
async fn create_presentation(
    _: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<1>,
    Body(new): Body<NewPresentation>,
) -> Result<Json<PresentationCreated>, ApiError> {
    let [role_id] = path.0;
    let created = presentations::create(&state.db, role_id, &new).await?;
    Ok(Json(PresentationCreated {
        success: true,
        presentation: Link {
            id: created.id,
            url: format!("{}{SHARE_PATH}{}", state.base_url, created.token),
            expires_at: created.expires_at,
        },
    }))
}

/// Withdraw a presentation: its link answers 410 from now on.
#[utoipa::path(
    delete, path = "/presentations/{id}", tag = "presentations",
    security(("bearer" = ["patch:movie"])),
    params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, body = PresentationRevoked),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn revoke_presentation(
    _: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<1>,
) -> Result<Json<PresentationRevoked>, ApiError> {
    let [id] = path.0;
    let presentation = presentations::revoke(&state.db, id).await?;
    Ok(Json(PresentationRevoked {
        success: true,
        deleted: id,
        presentation,
    }))
}
