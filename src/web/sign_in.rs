//! Signing in and out: the provider's callback, the sign-out form, the signed-out page, and the
//! page that shows the signed-in person's API token.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::form::Form;
use super::session::{self, NewSession, SignedIn, cookie_id, is_app_path, unix_now};
use super::{APP_PREFIX, CALLBACK_PATH, SIGNED_OUT_PATH, Web};
use crate::auth::AuthError;
use crate::kit::csrf::{self, TOKEN_FIELD};
use crate::kit::page::{self, Layout};

pub fn routes() -> Router<Arc<Web>> {
    Router::new()
        .route("/app/sign-in", get(sign_in))
        .route(CALLBACK_PATH, get(callback))
        .route("/app/sign-out", post(sign_out))
        .route(SIGNED_OUT_PATH, get(signed_out))
        .route("/app/token", get(token_page))
}

#[derive(Deserialize)]
struct SignInQuery {
    return_to: Option<String>,
}

/// `GET /app/sign-in`: straight to the provider (or back, if already signed in).
async fn sign_in(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let return_to = serde_urlencoded::from_str::<SignInQuery>(query.as_deref().unwrap_or_default())
        .ok()
        .and_then(|query| query.return_to)
        .filter(|path| is_app_path(path))
        .unwrap_or_else(|| format!("{APP_PREFIX}/"));
    session::start_sign_in(&web, &headers, cookie_id(&web, &headers), return_to).await
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    iss: Option<String>,
}

#[derive(Template)]
#[template(path = "sign_in_failed.html")]
struct SignInFailed {
    layout: Layout,
    message: String,
}

fn failed(status: StatusCode, message: impl Into<String>) -> Response {
    page::render(
        status,
        &SignInFailed {
            layout: Layout::bare("Sign-in failed"),
            message: message.into(),
        },
    )
}

/// `GET /app/callback`: the provider's answer. The sign-in must be one this browser started;
/// the code is redeemed, the ID token verified, the access token checked as the API checks it,
/// and a new session begins under a new id.
async fn callback(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Ok(query) =
        serde_urlencoded::from_str::<CallbackQuery>(query.as_deref().unwrap_or_default())
    else {
        return failed(
            StatusCode::BAD_REQUEST,
            "The identity provider's answer is malformed.",
        );
    };
    let Some(oidc) = &web.oidc else {
        return failed(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sign-in is not configured on this server.",
        );
    };
    // RFC 9207: an answer that names another issuer is not our provider's.
    if query
        .iss
        .as_deref()
        .is_some_and(|iss| iss != web.auth.issuer())
    {
        return failed(
            StatusCode::BAD_REQUEST,
            "The answer came from another identity provider.",
        );
    }
    let (Some(browser), Some(state)) = (cookie_id(&web, &headers), query.state.as_deref()) else {
        return failed(
            StatusCode::BAD_REQUEST,
            "This browser did not start this sign-in (are cookies blocked?).",
        );
    };
    let pending = match session::take_pending(&web, &browser, state).await {
        Ok(Some(pending)) => pending,
        Ok(None) => {
            return failed(
                StatusCode::BAD_REQUEST,
                "This sign-in is unknown, was finished already, or took too long.",
            );
        }
        Err(response) => return response,
    };
    if let Some(error) = &query.error {
        let message = match error.as_str() {
            "access_denied" => "Sign-in was cancelled.".to_owned(),
            _ => format!(
                "The identity provider refused the sign-in ({error}{}).",
                query
                    .error_description
                    .as_deref()
                    .map(|description| format!(": {description}"))
                    .unwrap_or_default()
            ),
        };
        return failed(StatusCode::FORBIDDEN, message);
    }
    let Some(code) = &query.code else {
        return failed(
            StatusCode::BAD_REQUEST,
            "The identity provider sent no code.",
        );
    };
    let tokens = match oidc.exchange(code, &pending.verifier).await {
        Ok(tokens) => tokens,
        Err(error) => {
            tracing::warn!(
                error = format!("{error:#}"),
                "a sign-in's code could not be redeemed"
            );
            return failed(StatusCode::BAD_GATEWAY, format!("{error:#}."));
        }
    };
    let Some(id_token) = &tokens.id_token else {
        return failed(
            StatusCode::BAD_GATEWAY,
            "The identity provider sent no ID token.",
        );
    };
    let claims = match web
        .auth
        .verify_id_token(id_token, oidc.client_id(), &pending.nonce)
        .await
    {
        Ok(claims) => claims,
        Err(error) => {
            return failed(
                StatusCode::BAD_GATEWAY,
                format!("The ID token is refused: {error}."),
            );
        }
    };
    if let Err(error) = web.auth.authenticate(&tokens.access_token).await {
        let reason = match error {
            AuthError::InvalidToken(reason) => reason,
            AuthError::KeysUnavailable => "the signing keys are unavailable",
        };
        return failed(
            StatusCode::FORBIDDEN,
            format!(
                "You signed in, but the access token is not one this API accepts ({reason}). \
                 The provider must issue RS256 JWT access tokens for the API's audience."
            ),
        );
    }
    let now = unix_now();
    let created = session::create(
        &web,
        NewSession {
            who: claims.name.or(claims.email).unwrap_or(claims.subject),
            access_expires_at: session::access_expiry(&tokens.access_token, tokens.expires_in, now),
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            id_token: tokens.id_token,
            previous: &browser,
        },
    )
    .await;
    let id = match created {
        Ok(id) => id,
        Err(response) => return response,
    };
    let location =
        HeaderValue::from_str(&pending.return_to).unwrap_or(HeaderValue::from_static("/app/"));
    (
        StatusCode::SEE_OTHER,
        [
            (LOCATION, location),
            (SET_COOKIE, session::set_cookie(&web, &id)),
        ],
    )
        .into_response()
}

/// `POST /app/sign-out`: ends the session here, then at the provider where it can.
async fn sign_out(State(web): State<Arc<Web>>, headers: HeaderMap, body: Bytes) -> Response {
    if !csrf::same_origin(&headers, &web.base_url) {
        return page::error_page(
            StatusCode::FORBIDDEN,
            "This request was not sent from a page of this site.",
        );
    }
    let clear = session::clear_cookie(&web);
    let Some(id) = cookie_id(&web, &headers) else {
        return (
            StatusCode::SEE_OTHER,
            [
                (LOCATION, HeaderValue::from_static(SIGNED_OUT_PATH)),
                (SET_COOKIE, clear),
            ],
        )
            .into_response();
    };
    let form = Form::parse(&body);
    if !csrf::token_matches(&id.csrf_token(), form.get(TOKEN_FIELD)) {
        return page::error_page(
            StatusCode::FORBIDDEN,
            "This form was not sent from a page of this session. Reload the page and try again.",
        );
    }
    let id_token = session::end(&web, &id).await;
    let end_session = match &web.oidc {
        Some(oidc) => oidc.end_session_url(id_token.as_deref()).await,
        None => None,
    };
    let location = end_session
        .and_then(|url| HeaderValue::from_str(&url).ok())
        .unwrap_or(HeaderValue::from_static(SIGNED_OUT_PATH));
    (
        StatusCode::SEE_OTHER,
        [(LOCATION, location), (SET_COOKIE, clear)],
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "signed_out.html")]
struct SignedOut {
    layout: Layout,
}

/// `GET /app/signed-out`.
async fn signed_out() -> Response {
    page::render(
        StatusCode::OK,
        &SignedOut {
            layout: Layout::bare("Signed out"),
        },
    )
}

#[derive(Template)]
#[template(path = "token.html")]
struct TokenPage {
    layout: Layout,
    token: String,
    expires: String,
    permissions: Vec<&'static str>,
}

/// `GET /app/token`: the signed-in person's access token, for curl and Postman.
async fn token_page(session: SignedIn) -> Response {
    let expires = DateTime::<Utc>::from_timestamp_millis(session.access_expires_at)
        .map(|time| time.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    page::render(
        StatusCode::OK,
        &TokenPage {
            layout: Layout::for_user("API token", &session.user, "token"),
            permissions: session
                .principal
                .permissions()
                .map(|p| p.as_str())
                .collect(),
            token: session.access_token,
            expires,
        },
    )
}
