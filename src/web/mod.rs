//! The staff's web app, served under `/app/` from the same binary as the API: server-rendered
//! pages (askama templates compiled in), htmx 2 only where it helps, every action a plain link
//! or form first. People sign in with OpenID Connect through [`oidc`]; the server keeps their
//! tokens in a [`session`] and answers each page with the same permission checks, model bodies
//! and storage calls as the API.

mod config;
mod form;
mod history;
mod list;
mod oidc;
mod secret;
mod session;
mod sign_in;

mod actors;
mod casting;
mod movies;
mod photos;
mod resource;
mod roles;
mod sessions;
mod share;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub use config::{ClientCredentials, WebArgs, WebSettings};
pub use photos::session_for_reads;
pub use session::count_active as count_active_sessions;

use crate::auth::Authenticator;
use crate::auth::LOCAL_CLIENT_ID;
use crate::auth::discovery::ProviderMetadata;
use crate::kit::{assets, page};
use crate::photos::{PhotoStore, Workshop};
use crate::storage::Database;
use crate::storage::actors::Actor;
use crate::storage::movies::Movie;
use casting::Side;
use oidc::{ClientConfig, OidcClient, Provider};

/// Where the web app lives.
pub const APP_PREFIX: &str = "/app";
/// Where the provider sends the browser back after sign-in.
pub const CALLBACK_PATH: &str = "/app/callback";
/// Where the provider sends the browser back after sign-out.
pub const SIGNED_OUT_PATH: &str = "/app/signed-out";

/// What the pages share.
pub struct Web {
    db: Database,
    /// Where photo files live.
    photos: PhotoStore,
    /// The image work, shared with the API: one memory budget for both.
    workshop: Workshop,
    auth: Authenticator,
    /// The server's origin, `scheme://host[:port]`.
    base_url: String,
    /// Whether the cookie is `Secure` (the base URL is https).
    secure: bool,
    cookie_name: &'static str,
    /// `None` when an external provider is configured without a client: no sign-in.
    oidc: Option<OidcClient>,
    lifetime: Duration,
    idle_timeout: Duration,
    /// The pages' Content-Security-Policy.
    csp: HeaderValue,
}

/// What [`router`] needs from the rest of the server.
pub struct WebConfig<'a> {
    pub db: Database,
    pub photos: PhotoStore,
    pub workshop: Workshop,
    pub auth: Authenticator,
    pub base_url: String,
    pub audience: String,
    pub settings: &'a WebSettings,
    /// The server's own OpenID provider, in local mode: sign-in reaches it in process.
    pub local_provider: Option<LocalProvider>,
}

/// The server's own OpenID provider, as the web app reaches it in process: its metadata, and
/// its routes, whose token endpoint redeems the codes.
pub struct LocalProvider {
    pub metadata: ProviderMetadata,
    pub router: Router,
}

impl Web {
    pub fn new(config: WebConfig<'_>) -> anyhow::Result<Self> {
        let WebConfig {
            db,
            photos,
            workshop,
            auth,
            base_url,
            audience,
            settings,
            local_provider,
        } = config;
        let issuer = auth.issuer().to_owned();
        let client = match auth.local_client_secret() {
            Some(secret) => Some(ClientCredentials {
                id: LOCAL_CLIENT_ID.to_owned(),
                secret,
            }),
            None => settings.client.clone(),
        };
        let oidc = client
            .map(|client| {
                OidcClient::new(ClientConfig {
                    issuer: issuer.clone(),
                    client_id: client.id,
                    client_secret: client.secret,
                    audience,
                    redirect_uri: format!("{base_url}{CALLBACK_PATH}"),
                    post_logout_redirect_uri: format!("{base_url}{SIGNED_OUT_PATH}"),
                    end_session_fallback: settings.end_session_fallback.clone(),
                    provider: match local_provider {
                        Some(LocalProvider { metadata, router }) => {
                            Provider::InProcess { metadata, router }
                        }
                        None => Provider::Discovered,
                    },
                })
            })
            .transpose()?;
        if oidc.is_none() {
            tracing::warn!(
                "the web app's sign-in is not configured: set AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET \
                 (or OIDC_CLIENT_ID and OIDC_CLIENT_SECRET); the API works without them"
            );
        }
        // Signing out is a form whose answer redirects to the provider's end-session endpoint.
        let mut form_origins = Vec::new();
        for url in std::iter::once(&issuer).chain(&settings.end_session_fallback) {
            if let Ok(url) = url::Url::parse(url) {
                let origin = url.origin().ascii_serialization();
                if origin != base_url && !form_origins.contains(&origin) {
                    form_origins.push(origin);
                }
            }
        }
        let form_origins: Vec<&str> = form_origins.iter().map(String::as_str).collect();
        let secure = base_url.starts_with("https://");
        Ok(Self {
            db,
            photos,
            workshop,
            auth,
            secure,
            cookie_name: session::cookie_name(secure),
            base_url,
            oidc,
            lifetime: settings.session_lifetime,
            idle_timeout: settings.session_idle_timeout,
            csp: page::content_security_policy(&form_origins),
        })
    }
}

/// The web app's routes, its assets and the favicon.
pub fn router(web: Arc<Web>) -> Router {
    Router::new()
        .route("/app", get(home))
        .route("/app/", get(home))
        .merge(sign_in::routes())
        .merge(pages::<Actor>())
        .merge(pages::<Movie>())
        .merge(roles::routes())
        .merge(sessions::routes())
        .merge(photos::routes())
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&web),
            secure_pages,
        ))
        .merge(share::routes())
        .with_state(web)
        .route("/assets/{file}", get(assets::asset))
        .route("/favicon.ico", get(assets::favicon))
}

/// A resource's pages: its list, forms and deletion, and its own page with its castings, which
/// a form sent to it saves.
fn pages<R: Side>() -> Router<Arc<Web>> {
    resource::routes::<R>()
        .route(
            &R::path_template(),
            get(casting::show::<R>).post(resource::update::<R>),
        )
        .merge(casting::routes::<R>())
}

/// `/app/`: the movies.
async fn home() -> Response {
    (StatusCode::FOUND, [(LOCATION, "/app/movies")]).into_response()
}

/// Gives every HTML page of the app its Content-Security-Policy (with the provider's origin as
/// a form target) and the other security headers.
async fn secure_pages(State(web): State<Arc<Web>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if is_html {
        let headers = response.headers_mut();
        headers.insert(CONTENT_SECURITY_POLICY, web.csp.clone());
        page::secure(headers);
    }
    response
}
