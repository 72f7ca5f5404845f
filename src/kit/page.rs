//! What every HTML page shares: the layout's data, rendering a template into a response with
//! the security headers, and the error pages (also the ones the API gives browsers).

use askama::Template;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::InternalDetail;
use super::assets::{ASSETS, Assets};
use crate::storage::StorageError;

/// The Content-Security-Policy of every page, before its `form-action` list: nothing but this
/// origin's own files, no inline script or style, no framing.
const CSP_BASE: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
    object-src 'none'";

/// The Content-Security-Policy for pages whose forms may lead to `form_origins` besides this
/// origin (Chrome applies `form-action` to the redirects after a form is sent: signing out goes
/// on to the provider's end-session endpoint).
pub fn content_security_policy(form_origins: &[&str]) -> HeaderValue {
    let mut policy = format!("{CSP_BASE}; form-action 'self'");
    for origin in form_origins {
        policy.push(' ');
        policy.push_str(origin);
    }
    HeaderValue::from_str(&policy).unwrap_or_else(|_| HeaderValue::from_static(CSP_BASE))
}

/// Who is signed in, as every page's header shows it.
#[derive(Debug, Clone)]
pub struct User {
    /// The ID token's name or email, else its subject.
    pub who: String,
    /// The role the access token's permissions amount to.
    pub role: String,
    /// The session's CSRF token, for forms and htmx requests.
    pub csrf: String,
}

/// The layout's data: the title, the assets, who is signed in, and the section for navigation.
pub struct Layout {
    pub title: String,
    pub assets: &'static Assets,
    pub user: Option<User>,
    /// `"actors"`, `"movies"`, `"token"`, or `""`.
    pub section: &'static str,
}

impl Layout {
    /// A page for nobody in particular (sign-in, signed out, errors outside a session).
    pub fn bare(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            assets: &ASSETS,
            user: None,
            section: "",
        }
    }

    pub fn for_user(title: impl Into<String>, user: &User, section: &'static str) -> Self {
        Self {
            title: title.into(),
            assets: &ASSETS,
            user: Some(user.clone()),
            section,
        }
    }
}

/// A response given instead of the page asked for (an error page, a redirect to sign in), for
/// `?` in handlers; boxed, since a response is large.
pub struct Refused(Box<Response>);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<Response> for Refused {
    fn from(response: Response) -> Self {
        Self(Box::new(response))
    }
}

/// What a page handler answers.
pub type PageResult = Result<Response, Refused>;

/// `303 See Other` to `location`, where a form's answer sends the browser.
pub fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response(),
        Err(_) => error_page(StatusCode::INTERNAL_SERVER_ERROR, "internal server error"),
    }
}

/// Adds the security headers of an HTML page that does not already have them.
pub fn secure(headers: &mut HeaderMap) {
    headers
        .entry(CONTENT_SECURITY_POLICY)
        .or_insert_with(|| content_security_policy(&[]));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Pages show what the signed-in person may see: never kept by shared or browser caches.
    headers
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
}

/// A rendered page as a response.
pub fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure(headers);
    response
}

/// Renders `template`; a template that fails to render is a fault of the server.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => html(status, body),
        Err(error) => {
            let mut response =
                error_page(StatusCode::INTERNAL_SERVER_ERROR, "internal server error");
            response.extensions_mut().insert(InternalDetail(format!(
                "a template failed to render: {error}"
            )));
            response
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    heading: &'static str,
    message: String,
    signed_in: bool,
}

/// The heading of an error page.
fn heading(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "That request is not right",
        401 => "Sign-in needed",
        403 => "Not allowed",
        404 => "Not found",
        405 => "Not allowed here",
        409 => "That cannot be done now",
        410 => "No longer available",
        412 => "It changed meanwhile",
        413 => "Too large",
        503 => "Unavailable for now",
        _ if status.is_server_error() => "Something went wrong",
        _ => "That did not work",
    }
}

/// An error page outside a session.
pub fn error_page(status: StatusCode, message: impl Into<String>) -> Response {
    error_page_for(None, status, message)
}

/// An error page, with the navigation of `user` if someone is signed in.
pub fn error_page_for(
    user: Option<&User>,
    status: StatusCode,
    message: impl Into<String>,
) -> Response {
    let page = ErrorPage {
        layout: match user {
            Some(user) => Layout::for_user(heading(status), user, ""),
            None => Layout::bare(heading(status)),
        },
        status: status.as_u16(),
        heading: heading(status),
        message: message.into(),
        signed_in: user.is_some(),
    };
    match page.render() {
        Ok(body) => html(status, body),
        // The error page itself cannot fail to render in practice; say it plainly if it does.
        Err(_) => (status, "error").into_response(),
    }
}

/// The page for a storage error; faults are logged with their detail, never shown.
pub fn storage_error_page(error: StorageError) -> Response {
    storage_error_page_for(None, error)
}

pub fn storage_error_page_for(user: Option<&User>, error: StorageError) -> Response {
    match error {
        StorageError::NotFound(..)
        | StorageError::Missing(_)
        | StorageError::NotInCast { .. }
        | StorageError::NotCandidate { .. } => {
            error_page_for(user, StatusCode::NOT_FOUND, capitalized(&error.to_string()))
        }
        StorageError::VersionMismatch(_) => error_page_for(
            user,
            StatusCode::PRECONDITION_FAILED,
            format!(
                "{}. Open it again to see what changed.",
                capitalized(&error.to_string())
            ),
        ),
        StorageError::Invalid(invalid) => {
            error_page_for(user, StatusCode::UNPROCESSABLE_ENTITY, invalid.to_string())
        }
        StorageError::Conflict(message) => {
            error_page_for(user, StatusCode::CONFLICT, capitalized(&message))
        }
        StorageError::Gone(message) => {
            error_page_for(user, StatusCode::GONE, capitalized(&message))
        }
        StorageError::Unavailable => error_page_for(
            user,
            StatusCode::SERVICE_UNAVAILABLE,
            "The database is unavailable. Try again in a moment.",
        ),
        StorageError::Fault(fault) => {
            let mut response = error_page_for(
                user,
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server failed to do that. It has been logged.",
            );
            response
                .extensions_mut()
                .insert(InternalDetail(format!("database fault: {fault}")));
            response
        }
    }
}

/// `text` with its first letter in upper case: messages of the API start in lower case.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
