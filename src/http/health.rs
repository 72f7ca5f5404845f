//! Liveness and readiness probes, and the front door `/`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ErrorBody, error_response};

/// The liveness probe's path: load shedding never refuses it.
pub const LIVENESS_PATH: &str = "/healthz";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(root))
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

/// The probes' answer.
#[derive(Serialize, ToSchema)]
pub struct Health {
    success: bool,
    status: &'static str,
}

/// The front door: sends visitors to the web app, which sends them on to sign in.
#[utoipa::path(get, path = "/", tag = "health", responses((status = 302, description = "To the web app, `/app/`.", headers(("Location" = String)))))]
async fn root() -> impl IntoResponse {
    (StatusCode::FOUND, [(LOCATION, "/app/")])
}

/// 200 while the process runs.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health {
        success: true,
        status: "alive",
    })
}

/// 200 when the database answers and signing keys are loaded, else 503.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
async fn readyz(State(state): State<AppState>) -> Response {
    if !state.auth.is_ready() {
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "the identity provider's signing keys are not loaded".into(),
        );
    }
    if !state.db.ping().await {
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "the database does not answer".into(),
        );
    }
    Json(Health {
        success: true,
        status: "ready",
    })
    .into_response()
}
