//! Sessions, kept in the database so that any instance serves any request (backend for
//! frontend: the browser never sees a token). The browser holds one cookie, a random id; a
//! sign-in in progress is bound to it, and signing in replaces it with a new one.
//!
//! [`SignedIn`] is the extractor of every page: it finds the session, renews its access token
//! with the refresh token when it is about to expire, verifies the token with
//! [`crate::auth::Authenticator`] (the API's own check, so that the web's permissions are the
//! token's), and otherwise sends the browser to the provider's sign-in, to come back where it was.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, LOCATION, REFERER, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::form::Form;
use super::secret::{SessionId, digest_of, random_token};
use super::{APP_PREFIX, Web};
use crate::auth::{AuthError, Permission, Principal, Role};
use crate::kit::csrf::{self, TOKEN_FIELD, TOKEN_HEADER};
use crate::kit::page::{self, Refused, User};
use crate::kit::{Refusal, request_ids};
use crate::storage::history::{ClientRequestId, Editor};
use crate::storage::{Database, StorageError, on_pool};

/// A session ends this long after sign-in, however active it is.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// A session ends after this long without a request.
pub const SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// A sign-in must come back from the provider within this.
const SIGN_IN_TTL: Duration = Duration::from_secs(10 * 60);
/// At most this many sign-ins wait for the provider's answer; beyond it the oldest are swept
/// first, so that a flood of sign-ins cannot grow the table without bound.
pub const MAX_PENDING_SIGN_INS: u32 = 10_000;
/// The longest page a sign-in returns to; a longer one is dropped, and the person lands on the
/// home page.
pub const MAX_RETURN_TO_BYTES: usize = 2048;
/// An access token is renewed this long before it expires, so that no request carries one that
/// is about to.
const RENEW_EARLY: Duration = Duration::from_secs(30);
/// The longest gap between two updates of a session's last-seen time.
const TOUCH_INTERVAL_MAX: Duration = Duration::from_secs(60);

/// The current Unix time in milliseconds: the unit of the session tables, fine enough for
/// timeouts of a few seconds in tests.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

/// A duration in the unit of [`unix_now`].
fn millis(duration: Duration) -> i64 {
    duration.as_millis().min(i64::MAX as u128) as i64
}

/// What a session keeps, sealed under its id.
#[derive(Serialize, Deserialize)]
struct Kept {
    who: String,
    access_token: String,
    refresh_token: Option<String>,
    id_token: Option<String>,
}

/// What a sign-in in progress keeps, sealed under the browser's id.
#[derive(Serialize, Deserialize)]
pub struct Pending {
    pub nonce: String,
    pub verifier: String,
    pub return_to: String,
}

/// The signed-in person of a request.
pub struct SignedIn {
    pub principal: Principal,
    pub user: User,
    pub access_token: String,
    /// Unix time at which the access token is renewed or the person signs in again.
    pub access_expires_at: i64,
    /// The server's id of the request, which its writes record in the history.
    request_id: String,
    /// The caller's own id of the request, if well-formed.
    client_request_id: Option<ClientRequestId>,
}

impl SignedIn {
    /// Whether the access token grants `permission`; a 403 page saying so if not.
    pub fn require(&self, permission: Permission) -> Result<(), Refused> {
        if self.principal.has(permission) {
            Ok(())
        } else {
            Err(page::error_page_for(
                Some(&self.user),
                StatusCode::FORBIDDEN,
                format!(
                    "Signed in as {} ({}), you may not do this: it needs the permission {permission}.",
                    self.user.who, self.user.role
                ),
            )
            .into())
        }
    }

    /// The page for a storage error, for `?`.
    pub fn failed(&self, error: StorageError) -> Refused {
        page::storage_error_page_for(Some(&self.user), error).into()
    }

    /// The page for a request that cannot be answered as asked, for `?`.
    pub fn refused(&self, refusal: Refusal) -> Refused {
        match refusal {
            Refusal::BadRequest(message) => {
                self.refuse(StatusCode::BAD_REQUEST, page::capitalized(&message))
            }
            Refusal::Storage(error) => self.failed(error),
        }
    }

    /// An error page with this person's navigation, for `?`.
    pub fn refuse(&self, status: StatusCode, message: impl Into<String>) -> Refused {
        page::error_page_for(Some(&self.user), status, message).into()
    }

    /// Who is writing, as the history records it: the access token's subject, and its name or
    /// else the name the ID token gave.
    pub fn editor(&self) -> Editor {
        Editor {
            subject: self.principal.subject.clone(),
            name: self.principal.name.clone().or_else(|| {
                Some(self.user.who.clone()).filter(|who| *who != self.principal.subject)
            }),
            request_id: self.request_id.clone(),
            client_request_id: self.client_request_id.clone(),
        }
    }

    /// Whether the access token grants `permission`.
    pub fn may(&self, permission: Permission) -> bool {
        self.principal.has(permission)
    }

    /// The body of a form this person sent, if it carries their session's CSRF token (in its
    /// field, or in the htmx header).
    pub fn form(&self, headers: &HeaderMap, body: &[u8]) -> Result<Form, Refused> {
        let form = Form::parse(body);
        self.check_form(headers, form.get(TOKEN_FIELD))?;
        Ok(form)
    }

    /// Whether a form this person sent carries their session's CSRF token: `sent` in its field,
    /// or the htmx header.
    pub fn check_form(&self, headers: &HeaderMap, sent: Option<&str>) -> Result<(), Refused> {
        let header = headers
            .get(TOKEN_HEADER)
            .and_then(|value| value.to_str().ok());
        if csrf::token_matches(&self.user.csrf, sent.or(header)) {
            Ok(())
        } else {
            Err(page::error_page_for(
                Some(&self.user),
                StatusCode::FORBIDDEN,
                "This form was not sent from a page of this session. Reload the page and try again.",
            )
            .into())
        }
    }
}

/// The role a principal's permissions amount to.
pub fn role_label(principal: &Principal) -> String {
    Role::of(principal).map_or_else(
        || "custom permissions".to_owned(),
        |role| role.label().to_owned(),
    )
}

/// The session cookie's name: with the `__Host-` prefix over https, where it can be `Secure`.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-session" } else { "session" }
}

/// The `Set-Cookie` value that gives the browser `id`.
pub fn set_cookie(web: &Web, id: &SessionId) -> HeaderValue {
    let secure = if web.secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={}; Path=/; HttpOnly; SameSite=Lax{secure}",
        web.cookie_name,
        id.encode()
    ))
    .expect("a cookie of base64url is a header value")
}

/// The `Set-Cookie` value that removes the cookie.
pub fn clear_cookie(web: &Web) -> HeaderValue {
    let secure = if web.secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        web.cookie_name
    ))
    .expect("a cookie is a header value")
}

/// The id in the request's session cookie, if it holds one of ours.
pub fn cookie_id(web: &Web, headers: &HeaderMap) -> Option<SessionId> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == web.cookie_name)
        .and_then(|(_, value)| SessionId::parse(value))
}

impl FromRequestParts<Arc<Web>> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, web: &Arc<Web>) -> Result<Self, Response> {
        if !matches!(parts.method, Method::GET | Method::HEAD)
            && !csrf::same_origin(&parts.headers, &web.base_url)
        {
            return Err(page::error_page(
                StatusCode::FORBIDDEN,
                "This request was not sent from a page of this site.",
            ));
        }
        let id = cookie_id(web, &parts.headers);
        if let Some(id) = &id
            && let Some(mut session) = resume(web, id).await?
        {
            (session.request_id, session.client_request_id) = request_ids(parts);
            return Ok(session);
        }
        let return_to = return_path(web, parts);
        Err(start_sign_in(web, &parts.headers, id, return_to).await)
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    sealed: String,
    access_expires_at: i64,
    last_seen_at: i64,
    expires_at: i64,
}

async fn delete_session(db: &Database, key: &str) {
    let deleted = on_pool!(db, pool => {
        sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1").bind(key).execute(pool).await.map(|_| ())
    });
    if let Err(error) = deleted {
        tracing::warn!(%error, "cannot delete a session");
    }
}

/// The session row of `id` and what it keeps, if there is one and it opens.
async fn load(web: &Web, id: &SessionId) -> Result<Option<(Row, Kept)>, Response> {
    let row = on_pool!(&web.db, pool => {
        sqlx::query_as::<_, Row>(
            "SELECT sealed, access_expires_at, last_seen_at, expires_at FROM web_sessions WHERE id_hash = $1",
        )
        .bind(id.lookup_key())
        .fetch_optional(pool)
        .await
    })
    .map_err(|error| page::storage_error_page(error.into()))?;
    Ok(row.and_then(|row| {
        let kept = id
            .open(&row.sealed)
            .and_then(|bytes| serde_json::from_slice::<Kept>(&bytes).ok())?;
        Some((row, kept))
    }))
}

/// New tokens for a session whose access token is about to expire, stored; `Ok(None)` if there
/// is no refresh token or the provider refuses it. Two requests of one session may renew at
/// once; with a provider that rotates refresh tokens the second is refused, and then takes
/// what the first stored.
async fn renew(
    web: &Web,
    id: &SessionId,
    mut kept: Kept,
    now: i64,
) -> Result<Option<(Kept, i64)>, Response> {
    let (Some(refresh_token), Some(oidc)) = (&kept.refresh_token, &web.oidc) else {
        return Ok(None);
    };
    let tokens = match oidc.refresh(refresh_token).await {
        Ok(tokens) => tokens,
        Err(error) => {
            if let Some((row, stored)) = load(web, id).await?
                && row.access_expires_at - millis(RENEW_EARLY) > now
            {
                return Ok(Some((stored, row.access_expires_at)));
            }
            tracing::info!(
                error = format!("{error:#}"),
                "cannot renew a session's access token; signing in again"
            );
            return Ok(None);
        }
    };
    let access_expires_at = access_expiry(&tokens.access_token, tokens.expires_in, now);
    kept.access_token = tokens.access_token;
    if tokens.refresh_token.is_some() {
        kept.refresh_token = tokens.refresh_token;
    }
    if tokens.id_token.is_some() {
        kept.id_token = tokens.id_token;
    }
    let sealed = id.seal(&serde_json::to_vec(&kept).unwrap_or_default());
    let updated = on_pool!(&web.db, pool => {
        sqlx::query(
            "UPDATE web_sessions SET sealed = $2, access_expires_at = $3, last_seen_at = $4 WHERE id_hash = $1",
        )
        .bind(id.lookup_key())
        .bind(&sealed)
        .bind(access_expires_at)
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ())
    });
    updated.map_err(|error| page::storage_error_page(error.into()))?;
    Ok(Some((kept, access_expires_at)))
}

/// The session of `id`, if it is alive; `Ok(None)` sends the person to sign in.
pub(super) async fn resume(web: &Web, id: &SessionId) -> Result<Option<SignedIn>, Response> {
    let key = id.lookup_key();
    let now = unix_now();
    let idle = millis(web.idle_timeout);
    let alive = load(web, id)
        .await?
        .filter(|(row, _)| row.expires_at > now && row.last_seen_at + idle > now);
    let Some((row, mut kept)) = alive else {
        delete_session(&web.db, &key).await;
        return Ok(None);
    };
    let mut access_expires_at = row.access_expires_at;
    let mut touched = false;
    if access_expires_at - millis(RENEW_EARLY) <= now {
        let Some(renewed) = renew(web, id, kept, now).await? else {
            delete_session(&web.db, &key).await;
            return Ok(None);
        };
        (kept, access_expires_at) = renewed;
        touched = true;
    }
    let principal = match web.auth.authenticate(&kept.access_token).await {
        Ok(principal) => principal,
        Err(AuthError::InvalidToken(reason)) => {
            tracing::info!(
                reason,
                "a session's access token is refused; signing in again"
            );
            delete_session(&web.db, &key).await;
            return Ok(None);
        }
        Err(AuthError::KeysUnavailable) => {
            return Err(page::error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "The identity provider's signing keys cannot be had right now. Try again in a moment.",
            ));
        }
    };
    let touch_interval = (idle / 10).min(millis(TOUCH_INTERVAL_MAX));
    if !touched && now - row.last_seen_at >= touch_interval {
        let updated = on_pool!(&web.db, pool => {
            sqlx::query("UPDATE web_sessions SET last_seen_at = $2 WHERE id_hash = $1")
                .bind(&key)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
        });
        updated.map_err(|error| page::storage_error_page(error.into()))?;
    }
    let role = role_label(&principal);
    Ok(Some(SignedIn {
        principal,
        user: User {
            who: kept.who,
            role,
            csrf: id.csrf_token(),
        },
        access_token: kept.access_token,
        access_expires_at,
        request_id: String::new(),
        client_request_id: None,
    }))
}

/// When an access token expires (in the unit of [`unix_now`]): as the token response says, else
/// as the token's own `exp` says, else in five minutes.
pub fn access_expiry(token: &str, expires_in: Option<Duration>, now: i64) -> i64 {
    match expires_in {
        Some(expires_in) => now.saturating_add(millis(expires_in)),
        None => super::oidc::token_expiry(token).map_or(now + 300_000, |exp| {
            (exp.min(i64::MAX as u64 / 1000) as i64).saturating_mul(1000)
        }),
    }
}

/// Where to come back after signing in: the page asked for, or for a form, the page it was on.
fn return_path(web: &Web, parts: &Parts) -> String {
    let asked = if matches!(parts.method, Method::GET | Method::HEAD) {
        parts.uri.path_and_query().map(|pq| pq.as_str().to_owned())
    } else {
        parts
            .headers
            .get(REFERER)
            .and_then(|value| value.to_str().ok())
            .and_then(|referer| referer.strip_prefix(web.base_url.as_str()))
            .map(str::to_owned)
    };
    asked
        .filter(|path| is_app_path(path))
        .unwrap_or_else(|| format!("{APP_PREFIX}/"))
}

/// A path of this web app to return to (never another site's: `//host` is refused), of at most
/// [`MAX_RETURN_TO_BYTES`].
pub fn is_app_path(path: &str) -> bool {
    path.len() <= MAX_RETURN_TO_BYTES
        && path.starts_with(&format!("{APP_PREFIX}/"))
        && !path.contains("//")
        && !path.contains('\\')
}

/// Sends the browser to the provider to sign in, binding the sign-in to its id (`browser`, or
/// a new one set as its cookie), to come back to `return_to`.
pub async fn start_sign_in(
    web: &Web,
    headers: &HeaderMap,
    browser: Option<SessionId>,
    return_to: String,
) -> Response {
    let Some(oidc) = &web.oidc else {
        return page::error_page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sign-in is not configured on this server: it needs the web app's client id and secret \
             at the identity provider (AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET, or OIDC_CLIENT_ID \
             and OIDC_CLIENT_SECRET). The API works without them.",
        );
    };
    let browser = browser.unwrap_or_else(SessionId::random);
    let state = random_token();
    let nonce = random_token();
    let authorization = match oidc.authorize(&state, &nonce).await {
        Ok(authorization) => authorization,
        Err(error) => {
            tracing::warn!(error = format!("{error:#}"), "cannot start a sign-in");
            return page::error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "The identity provider cannot be reached right now. Try again in a moment.",
            );
        }
    };
    let pending = Pending {
        nonce,
        verifier: authorization.verifier,
        return_to,
    };
    let sealed = browser.seal(&serde_json::to_vec(&pending).unwrap_or_default());
    let now = unix_now();
    let stored = on_pool!(&web.db, pool => {
        // Sign-ins that never came back go as new ones start.
        let purged = sqlx::query("DELETE FROM web_sign_ins WHERE expires_at < $1")
            .bind(now)
            .execute(pool)
            .await;
        let inserted = match purged {
            Ok(_) => sqlx::query(
                "INSERT INTO web_sign_ins (state_hash, browser_hash, sealed, expires_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(digest_of(&state))
            .bind(browser.lookup_key())
            .bind(&sealed)
            .bind(now + millis(SIGN_IN_TTL))
            .execute(pool)
            .await,
            Err(error) => Err(error),
        };
        match inserted {
            // Sweeps those older than the newest MAX_PENDING_SIGN_INS (all started within the
            // same millisecond as the last of them stay: a few more at most).
            Ok(_) => sqlx::query(&SWEEP_OLDEST_SIGN_INS).execute(pool).await.map(|_| ()),
            Err(error) => Err(error),
        }
    });
    if let Err(error) = stored {
        return page::storage_error_page(error.into());
    }
    let location =
        HeaderValue::from_str(&authorization.url).expect("an authorization URL is a header value");
    let cookie = set_cookie(web, &browser);
    if headers.contains_key("hx-request") {
        // htmx would follow a redirect inside the page; this makes it navigate instead.
        (
            StatusCode::OK,
            [
                (HeaderName::from_static("hx-redirect"), location),
                (SET_COOKIE, cookie),
            ],
        )
            .into_response()
    } else {
        (
            StatusCode::SEE_OTHER,
            [(LOCATION, location), (SET_COOKIE, cookie)],
        )
            .into_response()
    }
}

static SWEEP_OLDEST_SIGN_INS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "DELETE FROM web_sign_ins WHERE expires_at < (SELECT expires_at FROM web_sign_ins \
         ORDER BY expires_at DESC LIMIT 1 OFFSET {})",
        MAX_PENDING_SIGN_INS - 1
    )
});

#[derive(sqlx::FromRow)]
struct PendingRow {
    browser_hash: String,
    sealed: String,
    expires_at: i64,
}

/// Takes the sign-in that `state` names, if this browser started it and it is still fresh:
/// once only, whatever the answer.
pub async fn take_pending(
    web: &Web,
    browser: &SessionId,
    state: &str,
) -> Result<Option<Pending>, Response> {
    let row = on_pool!(&web.db, pool => {
        sqlx::query_as::<_, PendingRow>(
            "DELETE FROM web_sign_ins WHERE state_hash = $1 RETURNING browser_hash, sealed, expires_at",
        )
        .bind(digest_of(state))
        .fetch_optional(pool)
        .await
    })
    .map_err(|error| page::storage_error_page(error.into()))?;
    Ok(row
        .filter(|row| row.browser_hash == browser.lookup_key() && row.expires_at > unix_now())
        .and_then(|row| browser.open(&row.sealed))
        .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
}

/// Starts a session for a completed sign-in under a new id, and ends the browser's old one.
pub struct NewSession<'a> {
    pub who: String,
    pub access_token: String,
    pub access_expires_at: i64,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub previous: &'a SessionId,
}

pub async fn create(web: &Web, session: NewSession<'_>) -> Result<SessionId, Response> {
    let id = SessionId::random();
    let kept = Kept {
        who: session.who,
        access_token: session.access_token,
        refresh_token: session.refresh_token,
        id_token: session.id_token,
    };
    let sealed = id.seal(&serde_json::to_vec(&kept).unwrap_or_default());
    let now = unix_now();
    let idle = millis(web.idle_timeout);
    let lifetime = millis(web.lifetime);
    let created = on_pool!(&web.db, pool => {
        let purged = sqlx::query(
            "DELETE FROM web_sessions WHERE id_hash = $1 OR expires_at < $2 OR last_seen_at < $3",
        )
        .bind(session.previous.lookup_key())
        .bind(now)
        .bind(now - idle)
        .execute(pool)
        .await;
        match purged {
            Ok(_) => sqlx::query(
                "INSERT INTO web_sessions (id_hash, sealed, access_expires_at, created_at, last_seen_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id.lookup_key())
            .bind(&sealed)
            .bind(session.access_expires_at)
            .bind(now)
            .bind(now)
            .bind(now + lifetime)
            .execute(pool)
            .await
            .map(|_| ()),
            Err(error) => Err(error),
        }
    });
    created.map_err(|error| page::storage_error_page(error.into()))?;
    Ok(id)
}

/// How many sessions are alive now: neither past their lifetime nor idle longer than `idle`.
pub async fn count_active(db: &Database, idle: Duration) -> Result<i64, sqlx::Error> {
    let now = unix_now();
    on_pool!(db, pool => {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM web_sessions WHERE expires_at >= $1 AND last_seen_at >= $2",
        )
        .bind(now)
        .bind(now - millis(idle))
        .fetch_one(pool)
        .await
    })
}

/// Ends the session of `id`; returns its ID token, for the provider's end-session endpoint.
pub async fn end(web: &Web, id: &SessionId) -> Option<String> {
    let key = id.lookup_key();
    let sealed = on_pool!(&web.db, pool => {
        sqlx::query_scalar::<_, String>("DELETE FROM web_sessions WHERE id_hash = $1 RETURNING sealed")
            .bind(&key)
            .fetch_optional(pool)
            .await
    });
    match sealed {
        Ok(sealed) => sealed
            .and_then(|sealed| id.open(&sealed))
            .and_then(|bytes| serde_json::from_slice::<Kept>(&bytes).ok())
            .and_then(|kept| kept.id_token),
        Err(error) => {
            tracing::warn!(%error, "cannot end a session");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_the_app_are_returned_to() {
        assert!(is_app_path("/app/actors?q=a"));
        assert!(!is_app_path("/actors"));
        assert!(!is_app_path("//evil.example/app/"));
        assert!(!is_app_path("/app//evil.example"));
        assert!(!is_app_path("/app/\\evil"));
    }

    #[test]
    fn the_timeouts_are_twelve_hours_and_half_an_hour() {
        assert_eq!(SESSION_LIFETIME, Duration::from_secs(43_200));
        assert_eq!(SESSION_IDLE_TIMEOUT, Duration::from_secs(1_800));
    }

    #[test]
    fn an_access_token_is_renewed_when_its_response_or_its_exp_says() {
        assert_eq!(
            access_expiry("x", Some(Duration::from_secs(60)), 1_000),
            61_000
        );
        assert_eq!(access_expiry("not-a-jwt", None, 1_000), 301_000);
    }
}
