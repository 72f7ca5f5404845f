//! A presentation's pages, `/share/{token}`: open to whoever holds the link, without signing in.
//! They show the presented candidates only (name, playing ages, card photo, the office's note),
//! take a yes, maybe or no with a comment for each through plain forms, and serve those
//! candidates' photos through the link's own URLs. A browser gets HTML; any other client, JSON.
//! Every answer, errors included, asks not to be indexed and to send no referrer, so that the
//! link does not leak through a click or a crawler.

use std::sync::Arc;

use askama::Template;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::header::{REFERRER_POLICY, VARY};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Web;
use crate::kit::assets::{ASSETS, Assets};
use crate::kit::errors::error_response;
use crate::kit::page::Refused;
use crate::kit::photo_file::{self, FileRefused};
use crate::kit::{SHARE_PATH, negotiate, page, request_ids};
use crate::model::{Answer, COMMENT_MAX, Feedback, RequestBody};
use crate::storage::StorageError;
use crate::storage::history::Editor;
use crate::storage::photos::PHOTO_PATH;
use crate::storage::presentations::{self, Opened, ShareToken, Shown};

const X_ROBOTS_TAG: HeaderName = HeaderName::from_static("x-robots-tag");

pub fn routes() -> Router<Arc<Web>> {
    Router::new()
        .route("/share/{token}", get(show))
        .route("/share/{token}/feedback", post(answer))
        .route("/share/{token}/photos/{upload}/{file}", get(photo))
        .layer(axum::middleware::from_fn(unlisted))
}

/// Every answer of a presentation's pages: not indexed, no referrer, and a page's security
/// headers (the app's pages get theirs elsewhere).
async fn unlisted(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let is_html = headers
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if is_html {
        page::secure(headers);
    }
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_ROBOTS_TAG, HeaderValue::from_static("noindex, nofollow"));
    headers.append(VARY, HeaderValue::from_static("Accept"));
    response
}

#[derive(Template)]
#[template(path = "share.html")]
struct SharePage<'a> {
    assets: &'static Assets,
    heading: String,
    expires: String,
    opened: &'a Opened,
    token: &'a str,
    feedback_action: String,
    answers: Vec<(&'static str, &'static str)>,
    comment_max: usize,
    problem: Option<String>,
}

impl SharePage<'_> {
    /// A photo's URL through this link.
    fn shared(&self, src: &str) -> String {
        shared_url(self.token, src)
    }

    fn answered(&self, candidate: &Shown, value: &str) -> bool {
        candidate
            .feedback
            .as_ref()
            .is_some_and(|feedback| feedback["answer"] == value)
    }

    fn comment(&self, candidate: &Shown) -> String {
        candidate
            .feedback
            .as_ref()
            .and_then(|feedback| feedback["comment"].as_str())
            .unwrap_or_default()
            .to_owned()
    }
}

/// `/photos/KEY` as `/share/TOKEN/photos/KEY`.
fn shared_url(token: &str, src: &str) -> String {
    let key = src.strip_prefix(PHOTO_PATH).unwrap_or(src);
    format!("{SHARE_PATH}{token}{PHOTO_PATH}{key}")
}

/// The JSON of a presentation, for clients other than browsers.
#[derive(Serialize)]
struct Presented<'a> {
    success: bool,
    presentation: PresentedBody<'a>,
}

#[derive(Serialize)]
struct PresentedBody<'a> {
    title: Option<&'a str>,
    movie: &'a str,
    role: &'a str,
    #[serde(serialize_with = "crate::storage::json::timestamp")]
    expires_at: chrono::DateTime<chrono::Utc>,
    candidates: Vec<PresentedCandidate<'a>>,
}

#[derive(Serialize)]
struct PresentedCandidate<'a> {
    #[serde(flatten)]
    shown: &'a Shown,
    /// The card, thumbnail and large renditions of the primary photo, through the link.
    photo: Option<Value>,
}

fn wants_html(headers: &HeaderMap) -> bool {
    negotiate::prefers(headers, "text/html", "application/json")
}

/// A refusal in the form the client takes: a page for a browser, the error JSON otherwise.
fn refusal(headers: &HeaderMap, status: StatusCode, message: String) -> Response {
    if wants_html(headers) {
        page::error_page(status, page::capitalized(&message))
    } else {
        error_response(status, message)
    }
}

fn storage_refusal(headers: &HeaderMap, error: StorageError) -> Response {
    match error {
        StorageError::Missing(message) => refusal(headers, StatusCode::NOT_FOUND, message),
        StorageError::Gone(message) => refusal(headers, StatusCode::GONE, message),
        StorageError::Invalid(invalid) => refusal(
            headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            invalid.to_string(),
        ),
        error if wants_html(headers) => page::storage_error_page(error),
        error => {
            let status = match error {
                StorageError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let mut response =
                error_response(status, "the presentation cannot be shown now".into());
            response
                .extensions_mut()
                .insert(crate::kit::InternalDetail(error.to_string()));
            response
        }
    }
}

/// The token of a link; one that cannot be a token never existed.
fn token_of(headers: &HeaderMap, raw: &str) -> Result<ShareToken, Refused> {
    ShareToken::parse(raw).ok_or_else(|| {
        refusal(
            headers,
            StatusCode::NOT_FOUND,
            "there is no such presentation".into(),
        )
        .into()
    })
}

async fn show(
    State(web): State<Arc<Web>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let parsed = match token_of(&headers, &token) {
        Ok(parsed) => parsed,
        Err(refused) => return refused.into_response(),
    };
    match presentations::open(&web.db, &parsed).await {
        Ok(opened) => present(&headers, &token, &opened, None, StatusCode::OK),
        Err(error) => storage_refusal(&headers, error),
    }
}

fn present(
    headers: &HeaderMap,
    token: &str,
    opened: &Opened,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    if !wants_html(headers) {
        let candidates = opened
            .candidates
            .iter()
            .map(|shown| PresentedCandidate {
                shown,
                photo: shown.photo.0.as_ref().map(|photo| {
                    json!({
                        "thumb": shared_url(token, &photo.urls.thumb),
                        "card": shared_url(token, &photo.urls.card),
                        "large": shared_url(token, &photo.urls.large),
                    })
                }),
            })
            .collect();
        return Json(Presented {
            success: true,
            presentation: PresentedBody {
                title: opened.title.as_deref(),
                movie: &opened.movie,
                role: &opened.role,
                expires_at: opened.expires_at,
                candidates,
            },
        })
        .into_response();
    }
    let page = SharePage {
        assets: &ASSETS,
        heading: opened
            .title
            .clone()
            .unwrap_or_else(|| format!("Casting {}", opened.role)),
        expires: opened.expires_at.format("%-d %B %Y, %H:%M UTC").to_string(),
        opened,
        token,
        feedback_action: format!("{SHARE_PATH}{token}/feedback"),
        answers: Answer::ALL
            .iter()
            .map(|answer| (answer.as_str(), answer.label()))
            .collect(),
        comment_max: COMMENT_MAX,
        problem,
    };
    page::render(status, &page)
}

/// A form's fields as the JSON object the answer's rules read: the id as a number when it is
/// one, an empty comment as none.
fn form_object(body: &[u8]) -> Map<String, Value> {
    let mut object = Map::new();
    for (name, value) in form_urlencoded::parse(body) {
        let value = match name.as_ref() {
            "actor_id" => value
                .trim()
                .parse::<i64>()
                .map_or_else(|_| Value::String(value.to_string()), Value::from),
            "comment" if value.trim().is_empty() => Value::Null,
            _ => Value::String(value.to_string()),
        };
        object.insert(name.into_owned(), value);
    }
    object
}

/// Records an answer: from a form, then back to the page at that candidate; as JSON, the answer
/// recorded.
async fn answer(
    State(web): State<Arc<Web>>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let parsed = match token_of(headers, &token) {
        Ok(parsed) => parsed,
        Err(refused) => return refused.into_response(),
    };
    let Ok(body): Result<Bytes, _> = axum::body::to_bytes(body, usize::MAX).await else {
        return refusal(
            headers,
            StatusCode::BAD_REQUEST,
            "the body cannot be read".into(),
        );
    };
    let json = negotiate::body_is(headers, "application/json");
    let object = if json {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(object)) => object,
            Ok(_) => {
                return refusal(
                    headers,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "the body must be a JSON object".into(),
                );
            }
            Err(_) => {
                return refusal(
                    headers,
                    StatusCode::BAD_REQUEST,
                    "the body is not JSON".into(),
                );
            }
        }
    } else if negotiate::body_is(headers, "application/x-www-form-urlencoded") {
        form_object(&body)
    } else {
        return refusal(
            headers,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the form (application/x-www-form-urlencoded) or JSON".into(),
        );
    };
    let feedback = match Feedback::from_object(object) {
        Ok(feedback) => feedback,
        Err(invalid) => {
            return answer_refused(&web, headers, &token, &parsed, invalid.to_string()).await;
        }
    };
    let (request_id, client_request_id) = request_ids(&parts);
    let editor = Editor {
        subject: String::new(),
        name: None,
        request_id,
        client_request_id,
    };
    match presentations::answer(&web.db, &parsed, &feedback, &editor).await {
        Ok(recorded) if json || !wants_html(headers) => {
            Json(json!({"success": true, "feedback": recorded})).into_response()
        }
        Ok(_) => page::redirect(&format!(
            "{SHARE_PATH}{token}#actor-{}",
            feedback.actor_id.get()
        )),
        Err(StorageError::Invalid(invalid)) => {
            answer_refused(&web, headers, &token, &parsed, invalid.to_string()).await
        }
        Err(error) => storage_refusal(headers, error),
    }
}

/// An answer that breaks a rule: the page again with the reason, for a browser; 422 otherwise.
async fn answer_refused(
    web: &Web,
    headers: &HeaderMap,
    token: &str,
    parsed: &ShareToken,
    message: String,
) -> Response {
    if !wants_html(headers) {
        return refusal(headers, StatusCode::UNPROCESSABLE_ENTITY, message);
    }
    match presentations::open(&web.db, parsed).await {
        Ok(opened) => {
            let problem = Some(page::capitalized(&message));
            let page_headers = HeaderMap::from_iter([(
                axum::http::header::ACCEPT,
                HeaderValue::from_static("text/html"),
            )]);
            present(
                &page_headers,
                token,
                &opened,
                problem,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(error) => storage_refusal(headers, error),
    }
}

/// A photo of one of the presentation's candidates, through its link; any other file is 404.
async fn photo(
    State(web): State<Arc<Web>>,
    Path((token, upload, file)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let parsed = match token_of(&headers, &token) {
        Ok(parsed) => parsed,
        Err(refused) => return refused.into_response(),
    };
    let key = format!("{upload}/{file}");
    let no_such = || {
        refusal(
            &headers,
            StatusCode::NOT_FOUND,
            "there is no such photo".into(),
        )
    };
    match presentations::shows_file(&web.db, &parsed, &key).await {
        Ok(true) => {}
        Ok(false) => return no_such(),
        Err(error) => return storage_refusal(&headers, error),
    }
    match photo_file::serve(&web.photos, &key, &headers).await {
        Ok(response) => response,
        Err(FileRefused::NoSuchPhoto) => no_such(),
        Err(FileRefused::Store(error)) => {
            tracing::error!(%error, "the photo store failed");
            refusal(
                &headers,
                StatusCode::SERVICE_UNAVAILABLE,
                "the photo store is unavailable".into(),
            )
        }
    }
}
