//! The local identity provider as a minimal OpenID provider (docs/API.md, "The web app" and
//! "Authentication"): discovery, an authorization page where one picks a role, a token endpoint
//! for the authorization code grant with PKCE `S256` only, the JWKS (published by
//! the API) and an end-session endpoint. Its issuer is the server's base URL; its one
//! client is the web app, a confidential client whose secret is derived from the signing key.
//!
//! Authorization codes live in the database, as the SHA-256 of the code, so that any instance
//! can redeem a code another issued; redeeming is one `DELETE ... RETURNING`, so a code works
//! once even when two redemptions race. A code is bound to the client, the redirect URI, the
//! nonce and the PKCE challenge, and expires after [`CODE_TTL`].

use std::time::Duration;

use askama::Template;
use aws_lc_rs::digest;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, LOCATION, PRAGMA, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, routing::post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::json;

use crate::auth::discovery::ProviderMetadata;
use crate::auth::{Authenticator, LOCAL_CLIENT_ID, Role, unix_now};
use crate::kit::page::{self, Layout};
use crate::storage::{Database, on_pool};

/// How long an authorization code can be redeemed.
pub const CODE_TTL: Duration = Duration::from_secs(60);
/// How long the access and ID tokens of a sign-in are valid.
pub const TOKEN_TTL: Duration = Duration::from_secs(3600);

pub const AUTHORIZE_PATH: &str = "/oidc/authorize";
pub const TOKEN_PATH: &str = "/oidc/token";
pub const END_SESSION_PATH: &str = "/oidc/logout";
const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";
const JWKS_PATH: &str = "/.well-known/jwks.json";

/// The provider's one client, the web app: the paths (on the issuer's origin) it registered.
#[derive(Debug, Clone, Copy)]
pub struct WebClient {
    /// Where the browser comes back with a code.
    pub redirect_path: &'static str,
    /// Where the browser comes back after signing out.
    pub post_logout_redirect_path: &'static str,
}

#[derive(Clone)]
struct Provider {
    auth: Authenticator,
    db: Database,
    /// The API audience access tokens are for.
    audience: String,
    client: WebClient,
}

impl Provider {
    fn issuer(&self) -> &str {
        self.auth.issuer()
    }

    fn redirect_uri(&self) -> String {
        format!("{}{}", self.issuer(), self.client.redirect_path)
    }

    fn post_logout_redirect_uri(&self) -> String {
        format!("{}{}", self.issuer(), self.client.post_logout_redirect_path)
    }

    fn client_secret(&self) -> &str {
        self.auth
            .local_identity()
            .map_or("", |local| local.client_secret())
    }
}

/// The provider's routes, in local mode only.
pub fn router(
    auth: &Authenticator,
    db: Database,
    audience: String,
    client: WebClient,
) -> Option<Router> {
    auth.local_identity()?;
    let provider = Provider {
        auth: auth.clone(),
        db,
        audience,
        client,
    };
    Some(
        Router::new()
            .route(DISCOVERY_PATH, get(discovery))
            .route(AUTHORIZE_PATH, get(authorize_page).post(authorize))
            .route(TOKEN_PATH, post(token))
            .route(END_SESSION_PATH, get(end_session))
            .with_state(provider),
    )
}

/// The provider's metadata, as its discovery document publishes it: the web app of the same
/// server takes it from here, in process, rather than fetching it through `PUBLIC_URL` (which
/// behind a TLS-ending proxy the server itself may not reach).
pub fn metadata(issuer: &str) -> ProviderMetadata {
    ProviderMetadata {
        issuer: issuer.to_owned(),
        authorization_endpoint: format!("{issuer}{AUTHORIZE_PATH}"),
        token_endpoint: format!("{issuer}{TOKEN_PATH}"),
        jwks_uri: format!("{issuer}{JWKS_PATH}"),
        end_session_endpoint: Some(format!("{issuer}{END_SESSION_PATH}")),
        token_endpoint_auth_methods_supported: Some(
            TOKEN_ENDPOINT_AUTH_METHODS.map(str::to_owned).to_vec(),
        ),
    }
}

const TOKEN_ENDPOINT_AUTH_METHODS: [&str; 2] = ["client_secret_basic", "client_secret_post"];

async fn discovery(State(provider): State<Provider>) -> Response {
    let metadata = metadata(provider.issuer());
    Json(json!({
        "issuer": metadata.issuer,
        "authorization_endpoint": metadata.authorization_endpoint,
        "token_endpoint": metadata.token_endpoint,
        "jwks_uri": metadata.jwks_uri,
        "end_session_endpoint": metadata.end_session_endpoint,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile"],
        "token_endpoint_auth_methods_supported": TOKEN_ENDPOINT_AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "name"],
    }))
    .into_response()
}

/// The parameters of an authorization request, from the query or from the role picker's form.
#[derive(Debug, Default, Deserialize)]
struct AuthorizeParams {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    audience: Option<String>,
    response_mode: Option<String>,
    /// Only in the role picker's form.
    role: Option<String>,
}

/// An authorization request that names our client and its redirect URI: what is wrong with it
/// can be told to the client, at that URI.
struct Refusal {
    redirect_uri: String,
    state: Option<String>,
    error: &'static str,
    description: &'static str,
}

/// What a request that passed every check asks for.
struct Grant {
    redirect_uri: String,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: String,
}

enum Checked {
    Valid(Grant),
    /// Sent back to the client's redirect URI.
    Refused(Refusal),
    /// Shown to the person: the client or redirect URI is not ours, so nothing is redirected.
    Rejected(&'static str),
}

fn check(provider: &Provider, params: &AuthorizeParams) -> Checked {
    if params.client_id.as_deref() != Some(LOCAL_CLIENT_ID) {
        return Checked::Rejected("The sign-in request names a client this server does not know.");
    }
    let registered = provider.redirect_uri();
    let Some(redirect_uri) = params.redirect_uri.clone().filter(|uri| *uri == registered) else {
        return Checked::Rejected(
            "The sign-in request names a redirect URI that is not registered.",
        );
    };
    let refuse = |error, description| {
        Checked::Refused(Refusal {
            redirect_uri: redirect_uri.clone(),
            state: params.state.clone(),
            error,
            description,
        })
    };
    if params.response_type.as_deref() != Some("code") {
        return refuse(
            "unsupported_response_type",
            "only the authorization code flow is supported",
        );
    }
    if params
        .response_mode
        .as_deref()
        .is_some_and(|mode| mode != "query")
    {
        return refuse("invalid_request", "only response_mode=query is supported");
    }
    let scopes = params.scope.as_deref().unwrap_or_default();
    if !scopes.split(' ').any(|scope| scope == "openid") {
        return refuse("invalid_scope", "the openid scope is required");
    }
    let Some(code_challenge) = params.code_challenge.clone() else {
        return refuse("invalid_request", "PKCE is required: send code_challenge");
    };
    if params.code_challenge_method.as_deref() != Some("S256") {
        return refuse("invalid_request", "code_challenge_method must be S256");
    }
    let well_formed = code_challenge.len() == 43
        && code_challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return refuse(
            "invalid_request",
            "code_challenge must be a base64url SHA-256",
        );
    }
    if params
        .audience
        .as_deref()
        .is_some_and(|audience| audience != provider.audience)
    {
        return refuse("invalid_request", "the audience is not this API's");
    }
    Checked::Valid(Grant {
        redirect_uri,
        state: params.state.clone(),
        nonce: params.nonce.clone(),
        code_challenge,
    })
}

/// `uri` with these query parameters added.
fn redirect_to(uri: &str, pairs: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(uri) else {
        return page::error_page(StatusCode::INTERNAL_SERVER_ERROR, "internal server error");
    };
    if !pairs.is_empty() {
        url.query_pairs_mut().extend_pairs(pairs);
    }
    let location = HeaderValue::from_str(url.as_str()).expect("a URL is a header value");
    (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response()
}

fn refuse(refusal: Refusal, issuer: &str) -> Response {
    let mut pairs = vec![
        ("error", refusal.error),
        ("error_description", refusal.description),
        ("iss", issuer),
    ];
    if let Some(state) = &refusal.state {
        pairs.push(("state", state));
    }
    redirect_to(&refusal.redirect_uri, &pairs)
}

fn rejected(message: &'static str) -> Response {
    page::error_page(StatusCode::BAD_REQUEST, message)
}

#[derive(Template)]
#[template(path = "provider/sign_in.html")]
struct SignInPage {
    layout: Layout,
    action: &'static str,
    hidden: Vec<(&'static str, String)>,
    roles: Vec<RoleChoice>,
}

struct RoleChoice {
    value: &'static str,
    label: &'static str,
    description: String,
}

/// `GET /oidc/authorize`: the role picker, for a request that passes every check.
async fn authorize_page(State(provider): State<Provider>, RawQuery(query): RawQuery) -> Response {
    let Ok(params) =
        serde_urlencoded::from_str::<AuthorizeParams>(query.as_deref().unwrap_or_default())
    else {
        return rejected("The sign-in request is malformed (a parameter is repeated).");
    };
    if params.role.is_some() {
        return rejected("The sign-in request is malformed.");
    }
    match check(&provider, &params) {
        Checked::Rejected(message) => return rejected(message),
        Checked::Refused(refusal) => return refuse(refusal, provider.issuer()),
        Checked::Valid(_) => {}
    }
    let fields = [
        ("response_type", &params.response_type),
        ("client_id", &params.client_id),
        ("redirect_uri", &params.redirect_uri),
        ("scope", &params.scope),
        ("state", &params.state),
        ("nonce", &params.nonce),
        ("code_challenge", &params.code_challenge),
        ("code_challenge_method", &params.code_challenge_method),
        ("audience", &params.audience),
    ];
    let hidden = fields
        .into_iter()
        .filter_map(|(name, value)| value.clone().map(|value| (name, value)))
        .collect();
    let roles = Role::ALL
        .into_iter()
        .map(|role| RoleChoice {
            value: role.as_str(),
            label: role.label(),
            description: describe(role),
        })
        .collect();
    page::render(
        StatusCode::OK,
        &SignInPage {
            layout: Layout::bare("Sign in"),
            action: AUTHORIZE_PATH,
            hidden,
            roles,
        },
    )
}

/// What a role may do, in words, beside its button.
fn describe(role: Role) -> String {
    let permissions: Vec<&str> = role.permissions().iter().map(|p| p.as_str()).collect();
    format!("Permissions: {}", permissions.join(", "))
}

/// `POST /oidc/authorize`: the role picked; issues a code and sends the browser back.
async fn authorize(State(provider): State<Provider>, headers: HeaderMap, body: Bytes) -> Response {
    if !crate::kit::csrf::same_origin(&headers, provider.issuer()) {
        return page::error_page(
            StatusCode::FORBIDDEN,
            "The sign-in form was sent from another site.",
        );
    }
    let Ok(params) = serde_urlencoded::from_bytes::<AuthorizeParams>(&body) else {
        return rejected("The sign-in form is malformed.");
    };
    let grant = match check(&provider, &params) {
        Checked::Rejected(message) => return rejected(message),
        Checked::Refused(refusal) => return refuse(refusal, provider.issuer()),
        Checked::Valid(grant) => grant,
    };
    let Some(role) = params
        .role
        .as_deref()
        .and_then(|name| Role::ALL.into_iter().find(|role| role.as_str() == name))
    else {
        return rejected("Pick one of the roles.");
    };
    let code = random_token();
    let expires_at = unix_now().saturating_add(CODE_TTL.as_secs()) as i64;
    let stored = on_pool!(&provider.db, pool => {
        // Expired codes go as new ones come: the table holds a minute of sign-ins at most.
        let purged = sqlx::query("DELETE FROM oidc_codes WHERE expires_at < $1")
            .bind(unix_now() as i64)
            .execute(pool)
            .await;
        match purged {
            Ok(_) => sqlx::query(
                "INSERT INTO oidc_codes (code_hash, client_id, redirect_uri, nonce, code_challenge, role, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(digest_of(&code))
            .bind(LOCAL_CLIENT_ID)
            .bind(&grant.redirect_uri)
            .bind(grant.nonce.as_deref())
            .bind(&grant.code_challenge)
            .bind(role.as_str())
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ()),
            Err(error) => Err(error),
        }
    });
    if let Err(error) = stored {
        return page::storage_error_page(error.into());
    }
    let mut pairs = vec![("code", code.as_str()), ("iss", provider.issuer())];
    if let Some(state) = &grant.state {
        pairs.push(("state", state));
    }
    redirect_to(&grant.redirect_uri, &pairs)
}

/// 32 random bytes, base64url.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).expect("the system's random source works");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// base64url(SHA-256(text)): how codes are stored, and the PKCE `S256` transform.
fn digest_of(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, text.as_bytes()))
}

#[derive(Debug, Default, Deserialize)]
struct TokenParams {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// An error of the token endpoint (RFC 6749, 5.2).
fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"movie-manager\""),
        );
    }
    response
}

fn invalid_grant(description: &str) -> Response {
    token_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// The client's credentials: HTTP Basic (form-encoded id and secret, RFC 6749 2.3.1) or the
/// body, not both.
fn client_credentials(headers: &HeaderMap, params: &TokenParams) -> Option<(String, String)> {
    let basic = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, encoded) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(encoded)?;
            let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
            let (id, secret) = decoded.split_once(':')?;
            let decode = |part: &str| {
                form_urlencoded::parse(format!("x={part}").as_bytes())
                    .next()
                    .map(|(_, value)| value.into_owned())
            };
            Some((decode(id)?, decode(secret)?))
        });
    match (basic, &params.client_id, &params.client_secret) {
        (Some(credentials), None, None) => Some(credentials),
        (Some(credentials), Some(id), None) if *id == credentials.0 => Some(credentials),
        (None, Some(id), Some(secret)) => Some((id.clone(), secret.clone())),
        _ => None,
    }
}

/// A code as it was stored, once redeemed.
#[derive(sqlx::FromRow)]
struct Redeemed {
    client_id: String,
    redirect_uri: String,
    nonce: Option<String>,
    code_challenge: String,
    role: String,
    expires_at: i64,
}

/// `POST /oidc/token`: a code and its PKCE verifier for an access token and an ID token.
async fn token(State(provider): State<Provider>, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(params) = serde_urlencoded::from_bytes::<TokenParams>(&body) else {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body is not a form, or repeats a parameter",
        );
    };
    let authenticated = client_credentials(&headers, &params).is_some_and(|(id, secret)| {
        id == LOCAL_CLIENT_ID
            && aws_lc_rs::constant_time::verify_slices_are_equal(
                secret.as_bytes(),
                provider.client_secret().as_bytes(),
            )
            .is_ok()
    });
    if !authenticated {
        return token_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    if params.grant_type.as_deref() != Some("authorization_code") {
        return token_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only the authorization_code grant is supported",
        );
    }
    let Some(code) = params.code.as_deref() else {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "code is required",
        );
    };
    let redeemed = on_pool!(&provider.db, pool => {
        sqlx::query_as::<_, Redeemed>(
            "DELETE FROM oidc_codes WHERE code_hash = $1 \
             RETURNING client_id, redirect_uri, nonce, code_challenge, role, expires_at",
        )
        .bind(digest_of(code))
        .fetch_optional(pool)
        .await
    });
    let redeemed = match redeemed {
        Ok(Some(redeemed)) => redeemed,
        Ok(None) => return invalid_grant("the code is unknown or was used already"),
        Err(error) => {
            tracing::warn!(%error, "cannot redeem an authorization code");
            return token_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "the database is unavailable",
            );
        }
    };
    if redeemed.expires_at < unix_now() as i64 {
        return invalid_grant("the code has expired");
    }
    if redeemed.client_id != LOCAL_CLIENT_ID {
        return invalid_grant("the code was issued to another client");
    }
    if params.redirect_uri.as_deref() != Some(redeemed.redirect_uri.as_str()) {
        return invalid_grant("redirect_uri is not the one the code was issued for");
    }
    let verifier_ok = params.code_verifier.as_deref().is_some_and(|verifier| {
        (43..=128).contains(&verifier.len())
            && verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
            && digest_of(verifier) == redeemed.code_challenge
    });
    if !verifier_ok {
        return invalid_grant("the code_verifier does not match the code_challenge");
    }
    let Some(role) = Role::ALL
        .into_iter()
        .find(|role| role.as_str() == redeemed.role)
    else {
        return invalid_grant("the code names no role");
    };
    match issue_tokens(&provider, role, redeemed.nonce.as_deref()) {
        Ok(tokens) => {
            let mut response = Json(tokens).into_response();
            let headers = response.headers_mut();
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "cannot sign tokens");
            token_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "the tokens could not be signed",
            )
        }
    }
}

fn issue_tokens(
    provider: &Provider,
    role: Role,
    nonce: Option<&str>,
) -> anyhow::Result<serde_json::Value> {
    let local = provider
        .auth
        .local_identity()
        .ok_or_else(|| anyhow::anyhow!("not the local provider"))?;
    let issuer = provider.issuer();
    let access_token = local.issue(issuer, &provider.audience, role, TOKEN_TTL)?;
    let now = unix_now();
    let mut claims = json!({
        "iss": issuer,
        "sub": format!("local|{}", role.as_str()),
        "aud": LOCAL_CLIENT_ID,
        "iat": now,
        "auth_time": now,
        "exp": now.saturating_add(TOKEN_TTL.as_secs()),
        "name": format!("Local {}", role.label().to_lowercase()),
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    let id_token = local.sign(&claims)?;
    Ok(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL.as_secs(),
        "id_token": id_token,
        "scope": "openid profile",
    }))
}

#[derive(Debug, Default, Deserialize)]
struct EndSessionParams {
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
    #[serde(rename = "id_token_hint")]
    _id_token_hint: Option<String>,
    #[serde(rename = "client_id")]
    _client_id: Option<String>,
}

#[derive(Template)]
#[template(path = "provider/signed_out.html")]
struct SignedOutPage {
    layout: Layout,
}

/// `GET /oidc/logout`: the provider keeps no session of its own, so there is nothing to end
/// here; it sends the browser back to the web app's registered page, or says it is done.
async fn end_session(State(provider): State<Provider>, RawQuery(query): RawQuery) -> Response {
    let Ok(params) =
        serde_urlencoded::from_str::<EndSessionParams>(query.as_deref().unwrap_or_default())
    else {
        return rejected("The sign-out request is malformed.");
    };
    match params.post_logout_redirect_uri {
        None => page::render(
            StatusCode::OK,
            &SignedOutPage {
                layout: Layout::bare("Signed out"),
            },
        ),
        Some(uri) if uri == provider.post_logout_redirect_uri() => {
            let pairs: Vec<(&str, &str)> = params
                .state
                .as_deref()
                .map(|state| ("state", state))
                .into_iter()
                .collect();
            redirect_to(&uri, &pairs)
        }
        Some(_) => rejected("The sign-out request names a redirect URI that is not registered."),
    }
}
