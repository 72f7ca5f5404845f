//! `/roles/{id}/events` and `/sessions/{id}/events`: live updates as server-sent events. Each
//! event is an entry of the resource's history (`id` its entry's id, `event` its action, `data`
//! the entry as the history answers it); `Last-Event-ID` resumes after one. A stream holds one
//! of its own places (`MAX_EVENT_STREAMS`), not a request's: the in-flight limit counts a
//! request until its answer starts, and a stream's answer starts at once.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt, stream};
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{Authorized, PathIds, can};
use crate::storage::events::{RefusedStream, Reset, Subscription, Topic};
use crate::storage::history::Change;

/// How often a stream with nothing to say sends a comment, so that proxies and browsers keep
/// it open and a dead one is noticed (the contract asks for at most 30 seconds).
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// The header a reconnecting `EventSource` sends.
const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(role_events))
        .routes(routes!(session_events))
}

/// The changes of a role's candidates as they happen, on any instance: each entry of the
/// role's history as an event whose `id` is the entry's, `event` its action (`candidate`,
/// `feedback`, ...) and `data` the entry. A heartbeat comment every 15 seconds.
#[utoipa::path(
    get, path = "/roles/{id}/events", tag = "roles",
    security(("bearer" = ["get:movies"])),
    params(
        ("id" = i64, Path, minimum = 1),
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event. One that cannot be resumed from (unknown, older than a day, or more than 1,000 events behind) gets a `reset` event first: reload."),
    ),
    responses(
        (status = 200, description = "An event stream.", content_type = "text/event-stream", body = String),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "The server has `MAX_EVENT_STREAMS` streams open, or the database is unavailable."),
    )
)]
async fn role_events(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    path: PathIds<1>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    stream_of(&state, Topic::role(id), &headers).await
}

/// The changes of a session's appointments as they happen, on any instance: each entry of the
/// session's history as an event (`appointment`, `update`, ...). A heartbeat every 15 seconds.
#[utoipa::path(
    get, path = "/sessions/{id}/events", tag = "sessions",
    security(("bearer" = ["get:movies"])),
    params(
        ("id" = i64, Path, minimum = 1),
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event. One that cannot be resumed from (unknown, older than a day, or more than 1,000 events behind) gets a `reset` event first: reload."),
    ),
    responses(
        (status = 200, description = "An event stream.", content_type = "text/event-stream", body = String),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "The server has `MAX_EVENT_STREAMS` streams open, or the database is unavailable."),
    )
)]
async fn session_events(
    _: Authorized<can::GetMovies>,
    State(state): State<AppState>,
    path: PathIds<1>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let [id] = path.0;
    stream_of(&state, Topic::session(id), &headers).await
}

async fn stream_of(
    state: &AppState,
    topic: Topic,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    // A header that is not text is as unusable as one that names no event: both reset.
    let last_event_id = headers
        .get(LAST_EVENT_ID)
        .map(|value| value.to_str().unwrap_or_default());
    let subscription = state
        .events
        .subscribe(topic, last_event_id)
        .await
        .map_err(|refused| match refused {
            RefusedStream::Full(_) => {
                ApiError::Unavailable("the server has as many event streams open as it may")
            }
            RefusedStream::Storage(error) => error.into(),
        })?;
    let mut response = Sse::new(events(subscription))
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat"))
        .into_response();
    // Proxies that buffer answers (nginx) would hold the events back.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

/// The stream's events: the reset, if any, what it missed, then each new entry until the
/// server shuts down.
fn events(subscription: Subscription) -> impl Stream<Item = Result<Event, Infallible>> {
    let Subscription {
        reset,
        replay,
        live,
        closing,
        permit,
    } = subscription;
    let head = reset
        .map(reset_event)
        .into_iter()
        .chain(replay.iter().map(change_event))
        .map(Ok)
        .collect::<Vec<_>>();
    let tail = stream::unfold(
        (live, closing, permit),
        |(mut live, mut closing, permit)| async move {
            let event = tokio::select! {
                _ = closing.wait_for(|closing| *closing) => return None,
                received = live.recv() => match received {
                    Ok(change) => change_event(&change),
                    Err(RecvError::Lagged(_)) => reset_event(Reset::Missed),
                    Err(RecvError::Closed) => return None,
                },
            };
            Some((Ok(event), (live, closing, permit)))
        },
    );
    stream::iter(head).chain(tail)
}

fn change_event(change: &Change) -> Event {
    Event::default()
        .id(change.id.to_string())
        .event(change.action.as_str())
        .json_data(change)
        .unwrap_or_else(|_| Event::default().comment("an entry could not be written"))
}

fn reset_event(reset: Reset) -> Event {
    Event::default()
        .event("reset")
        .data(json!({"reason": reset.reason()}).to_string())
}
