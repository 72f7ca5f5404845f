//! `/movies/{id}/sessions` and `/sessions/{id}`: audition sessions, their slots and their
//! calendar. Reading needs `get:movies`; writing, `patch:movie`, except the door's states of an
//! appointment (`checked_in`, `seen`, `no_show`), which `patch:session` may set.

use axum::Json;
use axum::extract::{FromRequestParts, RawPathParams, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, VARY};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::etag::{IfMatch, IfNoneMatch};
use super::extract::{Authenticated, Authorized, Body, PathIds, Query, can};
use super::history::history_answer;
use super::{AppState, Deleted, etag};
use crate::auth::Permission;
use crate::kit::calendar::{self, CALENDAR_TYPE};
use crate::kit::lists::{HistoryPage, HistoryQuery};
use crate::kit::{negotiate, parse_id};
use crate::model::{Autofill, Booking, NewSession, SessionChanges, StateChange};
use crate::storage::Kind;
use crate::storage::sessions::{self, Session};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sessions, create_session))
        .routes(routes!(get_session, patch_session, delete_session))
        .routes(routes!(session_history))
        .routes(routes!(book_slot, free_slot, set_state))
        .routes(routes!(autofill))
}

/// A movie's sessions, whole.
#[derive(Serialize, ToSchema)]
pub struct SessionList {
    success: bool,
    sessions: Vec<Session>,
}

/// One session, with its appointments.
#[derive(Serialize, ToSchema)]
pub struct SessionResponse {
    success: bool,
    session: Session,
}

/// A newly created session.
#[derive(Serialize, ToSchema)]
pub struct SessionCreated {
    success: bool,
    /// The new session's id.
    created: i64,
    session: Session,
}

/// What autofill did.
#[derive(Serialize, ToSchema)]
pub struct Scheduled {
    success: bool,
    /// How many candidates it gave a slot.
    scheduled: usize,
    session: Session,
}

fn session_response(session: Session) -> Response {
    etag::tagged(
        session.version,
        SessionResponse {
            success: true,
            session,
        },
    )
}

/// The session and slot of `/sessions/{id}/slots/{slot}`. A slot is any integer; one the
/// session does not have is 404, as a slot that does not exist.
pub struct SlotPath {
    session: i64,
    slot: i32,
}

impl<S: Send + Sync> FromRequestParts<S> for SlotPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::BadRequest("malformed path".into()))?;
        let mut params = params.iter();
        let (Some((name, id)), Some((_, slot))) = (params.next(), params.next()) else {
            return Err(ApiError::internal(
                "the route and its handler disagree on path ids",
            ));
        };
        let session = parse_id(name, id)?;
        let slot: i64 = slot
            .parse()
            .map_err(|_| ApiError::BadRequest(format!("slot: {slot:?} is not a slot number")))?;
        // Past i32 is past every session's slots: the storage says so, with the session's range.
        let slot = i32::try_from(slot).unwrap_or(i32::MAX);
        Ok(Self { session, slot })
    }
}

const SLOT_PARAMS: &str = "The slot's number, from 0; one the session does not have is 404.";

/// A movie's sessions, in the order they start, each with its appointments. A movie has at
/// most 200.
#[utoipa::path(
    get, path = "/movies/{id}/sessions", tag = "sessions",
    security(("bearer" = ["get:movies"])),
    params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, body = SessionList),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn list_sessions(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    path: PathIds<1>,
) -> Result<Json<SessionList>, ApiError> {
    let [movie_id] = path.0;
    let sessions = sessions::list(&state.db, movie_id).await?;
    Ok(Json(SessionList {
        success: true,
        sessions,
    }))
}

/// Add an audition or callback session to a movie.
#[utoipa::path(
    post, path = "/movies/{id}/sessions", tag = "sessions",
    security(("bearer" = ["patch:movie"])),
    params(("id" = i64, Path, minimum = 1)),
    request_body = NewSession,
    responses(
        (status = 200, body = SessionCreated, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The movie has 200 sessions already."),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody),
    )
)]
async fn create_session(
    caller: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<1>,
    Body(new_session): Body<NewSession>,
) -> Result<Response, ApiError> {
    let [movie_id] = path.0;
    let session = sessions::create(&state.db, movie_id, &new_session, &caller.editor()).await?;
    Ok(etag::tagged(
        session.version,
        SessionCreated {
            success: true,
            created: session.id,
            session,
        },
    ))
}

/// Read a session with its appointments; with `Accept: text/calendar`, its appointments as an
/// iCalendar file (RFC 5545): one event each, in UTC, with a UID that stays the same.
#[utoipa::path(
    get, path = "/sessions/{id}", tag = "sessions",
    security(("bearer" = ["get:movies"])),
    params(("id" = i64, Path, minimum = 1), ("If-None-Match" = Option<String>, Header, description = "Answer 304 without a body if the ETag is one of these.")),
    responses(
        (status = 200, description = "The session; with `Accept: text/calendar`, its appointments as iCalendar.", content(
            (SessionResponse = "application/json"),
            (String = "text/calendar"),
        ), headers(("ETag" = String))),
        (status = 304, description = "The client's copy is current.", headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn get_session(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    path: PathIds<1>,
    headers: HeaderMap,
    condition: IfNoneMatch,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    let session = sessions::get(&state.db, id).await?;
    if negotiate::prefers(&headers, "text/calendar", "application/json") {
        let disposition = format!("attachment; filename=\"session-{id}.ics\"");
        return Ok((
            [
                (CONTENT_TYPE, HeaderValue::from_static(CALENDAR_TYPE)),
                (VARY, HeaderValue::from_static("Accept")),
                (
                    CONTENT_DISPOSITION,
                    HeaderValue::from_str(&disposition)
                        .map_err(|_| ApiError::internal("a file name is not a header"))?,
                ),
            ],
            calendar::of_session(&session),
        )
            .into_response());
    }
    let mut response = etag::conditional(&condition, session.version, || SessionResponse {
        success: true,
        session,
    });
    response
        .headers_mut()
        .insert(VARY, HeaderValue::from_static("Accept"));
    Ok(response)
}

/// Change some of a session's fields. A new start or slot length moves every appointment.
#[utoipa::path(
    patch, path = "/sessions/{id}", tag = "sessions",
    security(("bearer" = ["patch:movie"])),
    params(("id" = i64, Path, minimum = 1), ("If-Match" = Option<String>, Header, description = "Change only if the ETag still matches.")),
    request_body = SessionChanges,
    responses(
        (status = 200, body = SessionResponse, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Fewer slots than a booked slot needs."),
        (status = 412, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn patch_session(
    caller: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<1>,
    if_match: IfMatch,
    Body(changes): Body<SessionChanges>,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    let session = sessions::update(
        &state.db,
        id,
        &changes,
        if_match.versions(),
        &caller.editor(),
    )
    .await?;
    Ok(session_response(session))
}

/// Delete a session and its appointments.
#[utoipa::path(
    delete, path = "/sessions/{id}", tag = "sessions",
    security(("bearer" = ["patch:movie"])),
    params(("id" = i64, Path, minimum = 1), ("If-Match" = Option<String>, Header, description = "Delete only if the ETag still matches.")),
    responses(
        (status = 200, body = Deleted),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
async fn delete_session(
    caller: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<1>,
    if_match: IfMatch,
) -> Result<Json<Deleted>, ApiError> {
    let [id] = path.0;
    sessions::delete(&state.db, id, if_match.versions(), &caller.editor()).await?;
    Ok(Json(Deleted::new(id)))
}

/// Every change made to a session, each booking and state of its slots included, newest first.
#[utoipa::path(
    get, path = "/sessions/{id}/history", tag = "sessions",
    security(("bearer" = ["get:movies"])),
    params(("id" = i64, Path, minimum = 1), HistoryQuery),
    responses(
        (status = 200, description = "A page of the history; with `Accept: text/csv`, all of it, as CSV (no `limit` or `cursor`).", content(
            (HistoryPage = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No session with this id ever existed."),
        (status = 503, body = ErrorBody),
    )
)]
async fn session_history(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    path: PathIds<1>,
    headers: HeaderMap,
    Query(query): Query<HistoryQuery>,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    history_answer(&state, Kind::Session, id, &headers, &query).await
}

/// Book a slot with a candidate of one of the movie's roles; the appointment starts
/// `invited`. The same booking again changes nothing.
#[utoipa::path(
    put, path = "/sessions/{id}/slots/{slot}", tag = "sessions",
    security(("bearer" = ["patch:movie"])),
    params(("id" = i64, Path, minimum = 1), ("slot" = i32, Path, description = SLOT_PARAMS)),
    request_body = Booking,
    responses(
        (status = 200, body = SessionResponse, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such session, or a slot it does not have."),
        (status = 409, body = ErrorBody, description = "The slot is taken, or the actor has another slot of the session."),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "The actor is not a candidate for that role, or the role is of another movie."),
        (status = 503, body = ErrorBody),
    )
)]
async fn book_slot(
    caller: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: SlotPath,
    Body(booking): Body<Booking>,
) -> Result<Response, ApiError> {
    let session = sessions::book(
        &state.db,
        path.session,
        path.slot,
        &booking,
        &caller.editor(),
    )
    .await?;
    Ok(session_response(session))
}

/// Free a booked slot.
#[utoipa::path(
    delete, path = "/sessions/{id}/slots/{slot}", tag = "sessions",
    security(("bearer" = ["patch:movie"])),
    params(("id" = i64, Path, minimum = 1), ("slot" = i32, Path, description = SLOT_PARAMS)),
    responses(
        (status = 200, body = SessionResponse, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such session or slot, or the slot is free."),
        (status = 503, body = ErrorBody),
    )
)]
async fn free_slot(
    caller: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: SlotPath,
) -> Result<Response, ApiError> {
    let session = sessions::free(&state.db, path.session, path.slot, &caller.editor()).await?;
    Ok(session_response(session))
}

/// Set a booked slot's state: the office (`patch:movie`) sets `invited`, `confirmed` and
/// `declined`; the door (`patch:session`) sets `checked_in`, `seen` and `no_show`.
#[utoipa::path(
    patch, path = "/sessions/{id}/slots/{slot}", tag = "sessions",
    security(("bearer" = ["patch:movie"]), ("bearer" = ["patch:session"])),
    params(("id" = i64, Path, minimum = 1), ("slot" = i32, Path, description = SLOT_PARAMS)),
    request_body = StateChange,
    responses(
        (status = 200, body = SessionResponse, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "The caller may not set this state."),
        (status = 404, body = ErrorBody, description = "No such session or slot, or the slot is free."),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody),
    )
)]
async fn set_state(
    caller: Authenticated,
    State(state): State<AppState>,
    path: SlotPath,
    Body(change): Body<StateChange>,
) -> Result<Response, ApiError> {
    let door = change.state.at_the_door() && caller.principal.has(Permission::PatchSession);
    if !door {
        caller.require(Permission::PatchMovie)?;
    }
    let session = sessions::set_state(
        &state.db,
        path.session,
        path.slot,
        change.state,
        &caller.editor(),
    )
    .await?;
    Ok(session_response(session))
}

/// Fill the free slots, in order, with the role's candidates in `status` who are not in the
/// session yet, best rank first, and move them to `audition` (or `callback` for a callback
/// session).
#[utoipa::path(
    post, path = "/sessions/{id}/autofill", tag = "sessions",
    security(("bearer" = ["patch:movie"])),
    params(("id" = i64, Path, minimum = 1)),
    request_body = Autofill,
    responses(
        (status = 200, body = Scheduled, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "The role is of another movie, or the status is `booked`."),
        (status = 503, body = ErrorBody),
    )
)]
async fn autofill(
    caller: Authorized<can::PatchMovie>,
    State(state): State<AppState>,
    path: PathIds<1>,
    Body(request): Body<Autofill>,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    let filled = sessions::autofill(&state.db, id, &request, &caller.editor()).await?;
    Ok(etag::tagged(
        filled.session.version,
        Scheduled {
            success: true,
            scheduled: filled.scheduled,
            session: filled.session,
        },
    ))
}
