//! The HTTP API: one module per resource (router, handlers, request and response types), the
//! extractors they share, and the middleware that every response passes through.

pub mod actors;
pub mod candidates;
pub mod castings;
pub mod docs;
pub mod error;
mod etag;
pub mod events;
pub mod extract;
pub mod health;
pub mod history;
pub mod instruments;
pub mod movies;
pub mod photos;
pub mod presentations;
pub mod roles;
pub mod sessions;

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HOST, VARY};
use axum::http::{Method, Request, StatusCode, Version};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tokio::sync::Semaphore;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::cors::{AllowOrigin, Any as AnyOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::ToSchema;
use utoipa::openapi::OpenApi as OpenApiDocument;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::Authenticator;
use crate::kit::negotiate;
use crate::kit::{InternalDetail, REQUEST_ID};
use crate::photos::{PhotoStore, Workshop};
use crate::storage::Database;
use crate::storage::events::Events;
use crate::storage::history::ClientRequestId;
use error::{ApiError, default_message, error_response};

/// What the middleware of every response needs to know.
#[derive(Debug, Clone)]
pub struct MiddlewareSettings {
    /// The browser origins allowed to call the API; `None` allows any.
    pub cors_origins: Option<Vec<axum::http::HeaderValue>>,
    /// The whole request, body included, must be handled within this.
    pub request_timeout: Duration,
    /// Beyond this many requests in flight, the server answers 503 at once.
    pub max_in_flight: usize,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub auth: Authenticator,
    pub photos: PhotoStore,
    /// Where uploads are decoded and resized, within the image memory budget.
    pub workshop: Workshop,
    /// The live updates' streams.
    pub events: Events,
    /// The server's origin, `scheme://host[:port]`: what the links it makes start with.
    pub base_url: Arc<str>,
}

/// The answer to a successful DELETE.
#[derive(Serialize, ToSchema)]
pub struct Deleted {
    success: bool,
    /// The id of the deleted resource.
    deleted: i64,
}

impl Deleted {
    pub fn new(id: i64) -> Self {
        Self {
            success: true,
            deleted: id,
        }
    }
}

/// The API's routes and their OpenAPI document, built from the same annotated handlers.
pub fn api() -> (Router<AppState>, OpenApiDocument) {
    use utoipa::OpenApi;
    let (router, mut openapi) = OpenApiRouter::with_openapi(docs::ApiDoc::openapi())
        .merge(health::router())
        .merge(actors::router())
        .merge(movies::router())
        .merge(castings::router())
        .merge(history::router())
        .merge(roles::router())
        .merge(candidates::router())
        .merge(photos::router())
        .merge(sessions::router())
        .merge(presentations::router())
        .merge(events::router())
        .split_for_parts();
    docs::finish(&mut openapi);
    (router, openapi)
}

/// The whole application: routes, docs, the local identity provider's keys, the routes of
/// `others` (the web app, the local provider), and middleware. `around_api` wraps the API's
/// routes alone (the web app lets its session reach the photos' files there).
pub fn router(
    state: AppState,
    settings: &MiddlewareSettings,
    others: Router,
    around_api: impl FnOnce(Router) -> Router,
) -> Router {
    let (api, openapi) = api();
    let mut app = api.merge(docs::swagger_ui(openapi));
    if state.auth.local_jwks().is_some() {
        app = app.route("/.well-known/jwks.json", get(local_jwks));
    }
    let app = around_api(app.fallback(not_found).with_state(state));
    with_middleware(app.merge(others), settings)
}

/// How hard responses are compressed: a moderate level, where gzip and brotli cost little CPU
/// per request and already shrink JSON several times.
const COMPRESSION_LEVEL: CompressionLevel = CompressionLevel::Precise(4);
/// Bodies smaller than this are sent as they are: compressing them saves a few bytes at best.
const COMPRESSION_MIN_BYTES: u16 = 256;

/// How a request's body is received, before the request takes one of the `max_in_flight`
/// permits (so that slow senders hold one of these slots instead): at most `size` bytes, within
/// `time` of the request's head (past it, 408 and the connection is closed), at most `at_once`
/// of them on their way in (past it, 503). Memory is bounded by `size` times `at_once`.
pub struct Reception {
    pub size: usize,
    pub time: Duration,
    pub at_once: usize,
}

/// Any body but an import's: 64 MiB for all at once.
pub const BODY_RECEPTION: Reception = Reception {
    size: extract::BODY_LIMIT,
    time: Duration::from_secs(5),
    at_once: 1024,
};

/// A CSV import's: 10 MiB, with the time a slow office line needs for it, four at once (40 MiB).
pub const IMPORT_RECEPTION: Reception = Reception {
    size: crate::kit::csv::IMPORT_LIMIT,
    time: Duration::from_secs(60),
    at_once: 4,
};

/// A photo's upload: 20 MiB and a form's framing, with the time a slow line needs, four at once
/// (80 MiB).
pub const PHOTO_RECEPTION: Reception = Reception {
    size: crate::photos::PHOTO_BYTES_MAX + 64 * 1024,
    time: Duration::from_secs(60),
    at_once: 4,
};

/// Wraps routes in the middleware every response passes through: request ids, tracing without
/// secrets, CORS, compression, the JSON error shape (and the one log of errors), the `Host`
/// check, body reception, load shedding, the timeout and panic recovery.
pub fn with_middleware(app: Router, settings: &MiddlewareSettings) -> Router {
    let admission = Arc::new(Admission {
        in_flight: Semaphore::new(settings.max_in_flight),
        bodies: Semaphore::new(BODY_RECEPTION.at_once),
        imports: Semaphore::new(IMPORT_RECEPTION.at_once),
        uploads: Semaphore::new(PHOTO_RECEPTION.at_once),
    });
    let inner = ServiceBuilder::new()
        .layer(axum::middleware::from_fn(one_host))
        .layer(axum::middleware::from_fn_with_state(admission, admit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            settings.request_timeout,
        ))
        .layer(CatchPanicLayer::custom(panic_response));
    let outer = ServiceBuilder::new()
        .layer(axum::middleware::from_fn(instruments::track_requests))
        .layer(axum::middleware::from_fn(set_aside_client_request_id))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(SetSensitiveRequestHeadersLayer::new([
            AUTHORIZATION,
            COOKIE,
        ]))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<Body>| {
                    // The path only: a query string may carry what must not be logged.
                    let request_id = request
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|value| value.to_str().ok())
                        .unwrap_or("");
                    tracing::info_span!(
                        "request",
                        method = instruments::method_label(request.method()),
                        path = %request.uri().path(),
                        request_id = %request_id,
                    )
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO))
                // Errors are logged once, with their detail, by `json_errors`.
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(cors(settings))
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .br(true)
                .quality(COMPRESSION_LEVEL)
                .compress_when(
                    SizeAbove::new(COMPRESSION_MIN_BYTES)
                        .and(NotForContentType::GRPC)
                        .and(NotForContentType::IMAGES)
                        .and(NotForContentType::SSE),
                ),
        );
    // Inside out: limits and panics nearest the handlers, then the JSON error shape over all of
    // them, then CORS, request ids and tracing, which see every response as the client will.
    app.layer(inner)
        .layer(axum::middleware::from_fn(json_errors))
        .layer(outer)
}

/// The history keeps the server's own id of each request; the caller's `X-Request-Id` is taken
/// off the request before the server sets its own, and kept aside only if it is a well-formed id.
async fn set_aside_client_request_id(mut request: Request<Body>, next: Next) -> Response {
    let client = request
        .headers_mut()
        .remove(REQUEST_ID)
        .and_then(|value| ClientRequestId::parse(value.to_str().ok()?));
    if let Some(client) = client {
        request.extensions_mut().insert(client);
    }
    next.run(request).await
}

/// RFC 9112, 3.2: an HTTP/1.1 request without a `Host`, or with more than one, is answered 400.
async fn one_host(request: Request<Body>, next: Next) -> Response {
    if request.version() == Version::HTTP_11 && request.headers().get_all(HOST).iter().count() != 1
    {
        return ApiError::BadRequest(
            "an HTTP/1.1 request must carry exactly one Host header".into(),
        )
        .into_response();
    }
    next.run(request).await
}

/// What [`admit`] counts: requests being handled, and bodies being received.
struct Admission {
    in_flight: Semaphore,
    bodies: Semaphore,
    imports: Semaphore,
    uploads: Semaphore,
}

/// Receives a request's body, then admits it among the `max_in_flight` requests being handled,
/// or answers 503 at once rather than queueing without bound. A body is received first, as its
/// [`Reception`] says and without an in-flight permit, so that slow senders cannot take the
/// permits that other requests (`/readyz` among them) need. `/healthz` is always answered, so
/// that a busy server is not taken for a dead one.
async fn admit(
    State(admission): State<Arc<Admission>>,
    request: Request<Body>,
    next: Next,
) -> Response {
    if request.uri().path() == health::LIVENESS_PATH {
        return next.run(request).await;
    }
    let request = if axum::body::HttpBody::is_end_stream(request.body()) {
        request
    } else {
        let (reception, slots) = if negotiate::body_is(request.headers(), "text/csv") {
            (&IMPORT_RECEPTION, &admission.imports)
        } else if request.method() == Method::POST && request.uri().path().ends_with("/photos") {
            (&PHOTO_RECEPTION, &admission.uploads)
        } else {
            (&BODY_RECEPTION, &admission.bodies)
        };
        let Ok(_receiving) = slots.try_acquire() else {
            return shed();
        };
        match receive(request, reception).await {
            Ok(request) => request,
            Err(error) => return error.into_response(),
        }
    };
    match admission.in_flight.try_acquire() {
        Ok(_permit) => next.run(request).await,
        Err(_) => shed(),
    }
}

fn shed() -> Response {
    metrics::counter!(instruments::HTTP_SHED).increment(1);
    ApiError::Unavailable("the server is busy; try again shortly").into_response()
}

/// The request with its whole body received, as `reception` says.
async fn receive(request: Request<Body>, reception: &Reception) -> Result<Request<Body>, ApiError> {
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > reception.size as u64) {
        return Err(ApiError::PayloadTooLarge(reception.size));
    }
    let bytes = tokio::time::timeout(reception.time, extract::read_body(body, reception.size))
        .await
        .map_err(|_| ApiError::RequestTimeout(reception.time))??;
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

async fn local_jwks(State(state): State<AppState>) -> Response {
    match state.auth.local_jwks() {
        Some(jwks) => Json(jwks).into_response(),
        None => not_found().await.into_response(),
    }
}

async fn not_found() -> ApiError {
    ApiError::NotFound(default_message(StatusCode::NOT_FOUND).into())
}

fn cors(settings: &MiddlewareSettings) -> CorsLayer {
    let origins = match &settings.cors_origins {
        None => AllowOrigin::from(AnyOrigin),
        Some(origins) => AllowOrigin::list(origins.iter().cloned()),
    };
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE, axum::http::header::IF_MATCH])
        .expose_headers([axum::http::header::ETAG, REQUEST_ID])
}

/// Gives every error the API's JSON shape, whatever produced it (the router's 405, the body
/// limit, the timeout): a response that is an error but not JSON gets the JSON body for its
/// status, keeping its headers (such as `Allow`). A browser, which prefers HTML, gets an HTML
/// error page instead, unless the response is a page already (the web app's own). It is also
/// the one place errors are logged: a server error with the detail its response carries, never
/// shown to the client.
async fn json_errors(request: Request<Body>, next: Next) -> Response {
    let wants_html = negotiate::prefers(request.headers(), "text/html", "application/json");
    let mut response = next.run(request).await;
    let status = response.status();
    if let Some(InternalDetail(detail)) = response.extensions_mut().remove::<InternalDetail>() {
        tracing::error!(status = status.as_u16(), error = %detail, "request failed");
    } else if status.is_server_error() {
        tracing::warn!(status = status.as_u16(), "request not served");
    }
    let content_type = response.headers().get(CONTENT_TYPE);
    let is_json =
        content_type.is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    let is_html = content_type.is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if !(status.is_client_error() || status.is_server_error())
        || is_html
        || (is_json && !wants_html)
    {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let replacement = if wants_html {
        crate::kit::page::error_page(
            status,
            crate::kit::page::capitalized(default_message(status)),
        )
    } else {
        error_response(status, default_message(status).to_owned())
    };
    let (replacement_parts, body) = replacement.into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    for (name, value) in &replacement_parts.headers {
        parts.headers.insert(name, value.clone());
    }
    parts
        .headers
        .append(VARY, axum::http::HeaderValue::from_static("Accept"));
    Response::from_parts(parts, body)
}

/// A list's page as JSON, from a route that answers CSV too: caches must key it by `Accept`.
fn listed(page: impl Serialize) -> Response {
    let mut response = Json(page).into_response();
    response
        .headers_mut()
        .insert(VARY, axum::http::HeaderValue::from_static("Accept"));
    response
}

/// A panic answers 500 with a message that shows nothing of it; what it said is logged.
fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    ApiError::internal(format!("a handler panicked: {detail}")).into_response()
}
