//! `/roles/{id}/candidates` and `/actors/{id}/candidacies`: the pipeline. Reading needs
//! `get:movies`; changing it, `patch:movie` (booking casts, which changes the movie).

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
use super::extract::{Authorized, Body, OptionalBody, PathIds, Query, can};
use super::{AppState, Deleted, etag};
use crate::kit::csv;
use crate::kit::lists::{CandidateListQuery, HistoryQuery};
use crate::kit::query::{PageRequest, Paging, Sort};
use crate::model::{Bulk, CandidateChanges, CandidateWrite};
use crate::storage::candidates::{self, Begun, Candidacy, Candidate, Target};
use crate::storage::roles::{Counts, Role};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_candidates))
        .routes(routes!(get_candidate, put_candidate, delete_candidate))
        .routes(routes!(bulk_candidates))
        .routes(routes!(list_candidacies))
}

/// A page of a role's candidates.
#[derive(Serialize, ToSchema)]
pub struct CandidatePage {
    success: bool,
    candidates: Vec<Candidate>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// One candidate.
#[derive(Serialize, ToSchema)]
pub struct CandidateResponse {
    success: bool,
    candidate: Candidate,
}

/// What a bulk change did.
#[derive(Serialize, ToSchema)]
pub struct BulkDone {
    success: bool,
    /// How many candidates changed (those already as asked are left as they were).
    changed: usize,
    /// The role's new counts.
    candidates: Counts,
    role: Role,
}

/// A page of the roles an actor is a candidate for.
#[derive(Serialize, ToSchema)]
pub struct CandidacyPage {
    success: bool,
    candidacies: Vec<Candidacy>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// A role's candidates, a page at a time; with `Accept: text/csv`, every one the filters keep.
#[utoipa::path(
    get, path = "/roles/{id}/candidates", tag = "candidates",
    security(("bearer" = ["get:movies"])),
    params(("id" = i64, Path, minimum = 1), CandidateListQuery),
    responses(
        (status = 200, description = "A page of candidates; with `Accept: text/csv`, every candidate the filters keep, as CSV (no `limit` or `cursor`).", content(
            (CandidatePage = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn list_candidates(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    path: PathIds<1>,
    headers: HeaderMap,
    Query(query): Query<CandidateListQuery>,
) -> Result<Response, ApiError> {
    let [role_id] = path.0;
    let filter = query.filter();
    if csv::wanted(&headers) {
        let of = csv::OfRole { role_id, filter };
        return Ok(csv::candidates(state.db.clone(), of, query.paging()).await?);
    }
    let request = PageRequest::new(query.paging(), &(role_id, &filter))?;
    let page = candidates::list(&state.db, role_id, &filter, &request.keyset).await?;
    Ok(super::listed(CandidatePage {
        success: true,
        next_cursor: request.next_cursor(page.next),
        candidates: page.items,
    }))
}

fn candidate_response(candidate: Candidate) -> Response {
    etag::tagged(
        candidate.version,
        CandidateResponse {
            success: true,
            candidate,
        },
    )
}

/// Read one candidate of a role.
#[utoipa::path(
    get, path = "/roles/{id}/candidates/{actor_id}", tag = "candidates",
    security(("bearer" = ["get:movies"])),
    params(
        ("id" = i64, Path, minimum = 1), ("actor_id" = i64, Path, minimum = 1),
        ("If-None-Match" = Option<String>, Header, description = "Answer 304 without a body if the ETag is one of these."),
    ),
    responses(
        (status = 200, body = CandidateResponse, headers(("ETag" = String))),
        (status = 304, description = "The client's copy is current.", headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such role or actor, or the actor is not its candidate."),
        (status = 503, body = ErrorBody),
    )
)]
async fn get_candidate(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    path: PathIds<2>,
    condition: IfNoneMatch,
) -> Result<Response, ApiError> {
    let [role_id, actor_id] = path.0;
    let candidate = candidates::get(&state.db, role_id, actor_id).await?;
    Ok(etag::conditional(&condition, candidate.version, || {
        CandidateResponse {
            success: true,
            candidate,
        }
    }))
}

/// Add an actor to a role's candidates, or change a candidate's status, grade or note.
/// `booked` casts the actor as the role's character; leaving it leaves the cast.
#[utoipa::path(
    put, path = "/roles/{id}/candidates/{actor_id}", tag = "candidates",
    security(("bearer" = ["patch:movie"])),
    params(
        ("id" = i64, Path, minimum = 1), ("actor_id" = i64, Path, minimum = 1),
        ("If-Match" = Option<String>, Header, description = "Change only if the candidate's ETag still matches."),
    ),
    request_body(content = CandidateWrite, description = "Optional: the fields to set."),
    responses(
        (status = 200, body = CandidateResponse, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such role or actor."),
        (status = 409, body = ErrorBody, description = "Booking past the role's positions, or an actor booked for another role of the movie."),
        (status = 412, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn put_candidate(
    caller: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<2>,
    if_match: IfMatch,
    OptionalBody(CandidateWrite(changes)): OptionalBody<CandidateWrite>,
) -> Result<Response, ApiError> {
    let [role_id, actor_id] = path.0;
    let target = Target::One {
        actor_id,
        if_match: if_match.versions(),
    };
    candidates::write(&state.db, role_id, target, &changes, &caller.editor()).await?;
    let candidate = candidates::get(&state.db, role_id, actor_id).await?;
    Ok(candidate_response(candidate))
}

/// Remove a candidate; refused while booked.
#[utoipa::path(
    delete, path = "/roles/{id}/candidates/{actor_id}", tag = "candidates",
    security(("bearer" = ["patch:movie"])),
    params(
        ("id" = i64, Path, minimum = 1), ("actor_id" = i64, Path, minimum = 1),
        ("If-Match" = Option<String>, Header, description = "Remove only if the candidate's ETag still matches."),
    ),
    responses(
        (status = 200, body = Deleted, description = "`deleted` is the actor's id."),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The candidate is booked: move them first."),
        (status = 412, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn delete_candidate(
    caller: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<2>,
    if_match: IfMatch,
) -> Result<Json<Deleted>, ApiError> {
    let [role_id, actor_id] = path.0;
    candidates::remove(
        &state.db,
        role_id,
        actor_id,
        if_match.versions(),
        &caller.editor(),
    )
    .await?;
    Ok(Json(Deleted::new(actor_id)))
}

/// Move, grade or add up to 1,000 candidates at once: all of them, or none.
#[utoipa::path(
    post, path = "/roles/{id}/candidates/bulk", tag = "candidates",
    security(("bearer" = ["patch:movie"])),
    params(("id" = i64, Path, minimum = 1)),
    request_body = Bulk,
    responses(
        (status = 200, body = BulkDone),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Booking past the role's positions, or an actor booked for another role of the movie."),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A broken rule; or an actor that does not exist, or is not a candidate (without `add`), named."),
        (status = 503, body = ErrorBody),
    )
)]
async fn bulk_candidates(
    caller: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<1>,
    Body(bulk): Body<Bulk>,
) -> Result<Json<BulkDone>, ApiError> {
    let [role_id] = path.0;
    let changes = CandidateChanges {
        status: bulk.status,
        rank: bulk.rank,
        note: None,
    };
    let target = Target::Many {
        actor_ids: bulk.actor_ids.ids(),
        add: bulk.add,
    };
    let written = candidates::write(&state.db, role_id, target, &changes, &caller.editor()).await?;
    Ok(Json(BulkDone {
        success: true,
        changed: written.changed,
        candidates: written.role.candidates,
        role: written.role,
    }))
}

/// Every role an actor is a candidate for, with its movie and the actor's status, in the order
/// they were added.
#[utoipa::path(
    get, path = "/actors/{id}/candidacies", tag = "candidates",
    security(("bearer" = ["get:movies"])),
    params(("id" = i64, Path, minimum = 1), HistoryQuery),
    responses(
        (status = 200, description = "A page of candidacies; with `Accept: text/csv`, all of them, as CSV (no `limit` or `cursor`).", content(
            (CandidacyPage = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn list_candidacies(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    path: PathIds<1>,
    headers: HeaderMap,
    Query(query): Query<HistoryQuery>,
) -> Result<Response, ApiError> {
    let [actor_id] = path.0;
    let paging = Paging {
        limit: query.limit.as_ref(),
        cursor: query.cursor.as_ref(),
        sort: Some(Sort::<Begun>::by_id()),
    };
    if csv::wanted(&headers) {
        return Ok(csv::candidacies(state.db.clone(), actor_id, paging).await?);
    }
    let request = PageRequest::new(paging, &("candidacies", actor_id))?;
    let page = candidates::candidacies(&state.db, actor_id, &request.keyset).await?;
    Ok(super::listed(CandidacyPage {
        success: true,
        next_cursor: request.next_cursor(page.next),
        candidacies: page.items,
    }))
}
