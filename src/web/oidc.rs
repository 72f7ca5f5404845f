//! The web app's OpenID Connect client: the authorization code flow with PKCE `S256`, `state`
//! and `nonce`, as a confidential client, through the `oauth2` crate over the project's own
//! reqwest. The provider's endpoints come from its discovery document, fetched on first use and
//! kept once it has been read. The same code serves Auth0, any OpenID provider, and the local
//! provider (whose metadata and token endpoint it reaches in process).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use axum::Router;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AsyncHttpClient, AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointNotSet, EndpointSet, ExtraTokenFields, HttpClientError, HttpRequest, HttpResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tower::ServiceExt;

use crate::auth::discovery::{self, ProviderMetadata};

/// The largest answer read from the token endpoint.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// The scopes asked for: who signed in, and a refresh token where the provider gives one.
const SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// The token response's `id_token`, which OAuth 2.0 alone does not know.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdTokenField {
    #[serde(default)]
    id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

type OidcTokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;

type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    OidcTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// How the web app reaches its provider.
pub enum Provider {
    /// Any OpenID provider: its metadata from its discovery document, fetched on first use.
    Discovered,
    /// The server's own provider (local mode): its metadata known in process, and its token
    /// endpoint called in process through its router, never through `PUBLIC_URL`.
    InProcess {
        metadata: ProviderMetadata,
        router: Router,
    },
}

/// `oauth2`'s HTTP client: over reqwest (no redirects, bounded time and size), or in process.
enum ProviderHttp {
    Network(reqwest::Client),
    InProcess(Router),
}

impl<'c> AsyncHttpClient<'c> for ProviderHttp {
    type Error = HttpClientError<reqwest::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let client = match self {
                Self::Network(client) => client,
                Self::InProcess(router) => {
                    let Ok(response) = router
                        .clone()
                        .oneshot(request.map(axum::body::Body::from))
                        .await;
                    let (parts, body) = response.into_parts();
                    let bytes = axum::body::to_bytes(body, MAX_RESPONSE_BYTES)
                        .await
                        .map_err(|error| HttpClientError::Other(error.to_string()))?;
                    return Ok(HttpResponse::from_parts(parts, bytes.to_vec()));
                }
            };
            let (parts, body) = request.into_parts();
            let mut response = client
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body)
                .send()
                .await
                .map_err(Box::new)?;
            let mut builder = axum::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(Box::new)? {
                if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(HttpClientError::Other(format!(
                        "the answer is larger than {MAX_RESPONSE_BYTES} bytes"
                    )));
                }
                bytes.extend_from_slice(&chunk);
            }
            builder.body(bytes).map_err(HttpClientError::Http)
        })
    }
}

/// Where to send the browser to sign in, and the PKCE verifier to keep until it comes back.
pub struct Authorization {
    pub url: String,
    pub verifier: String,
}

/// What the token endpoint gave.
pub struct Tokens {
    pub access_token: String,
    pub expires_in: Option<Duration>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
}

impl From<OidcTokenResponse> for Tokens {
    fn from(response: OidcTokenResponse) -> Self {
        Tokens {
            access_token: response.access_token().secret().clone(),
            expires_in: response.expires_in(),
            refresh_token: response.refresh_token().map(|token| token.secret().clone()),
            id_token: response.extra_fields().id_token.clone(),
        }
    }
}

pub struct OidcClient {
    issuer: String,
    client_id: String,
    client_secret: String,
    audience: String,
    redirect_uri: String,
    post_logout_redirect_uri: String,
    end_session_fallback: Option<String>,
    http: ProviderHttp,
    /// Known from the start in process; else fetched on first use, and kept once read.
    metadata: Mutex<Option<Arc<ProviderMetadata>>>,
}

/// The settings of an [`OidcClient`].
pub struct ClientConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub audience: String,
    pub redirect_uri: String,
    pub post_logout_redirect_uri: String,
    pub end_session_fallback: Option<String>,
    pub provider: Provider,
}

impl OidcClient {
    pub fn new(config: ClientConfig) -> anyhow::Result<Self> {
        let (http, metadata) = match config.provider {
            Provider::Discovered => (ProviderHttp::Network(discovery::provider_client()?), None),
            Provider::InProcess { metadata, router } => {
                (ProviderHttp::InProcess(router), Some(Arc::new(metadata)))
            }
        };
        Ok(Self {
            issuer: config.issuer,
            client_id: config.client_id,
            client_secret: config.client_secret,
            audience: config.audience,
            redirect_uri: config.redirect_uri,
            post_logout_redirect_uri: config.post_logout_redirect_uri,
            end_session_fallback: config.end_session_fallback,
            http,
            metadata: Mutex::new(metadata),
        })
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The provider's metadata: fetched once, again after a failure.
    async fn metadata(&self) -> anyhow::Result<Arc<ProviderMetadata>> {
        let mut held = self.metadata.lock().await;
        if let Some(metadata) = held.as_ref() {
            return Ok(Arc::clone(metadata));
        }
        let ProviderHttp::Network(client) = &self.http else {
            anyhow::bail!("an in-process provider's metadata is known from the start");
        };
        let metadata = Arc::new(discovery::fetch(client, &self.issuer).await?);
        *held = Some(Arc::clone(&metadata));
        Ok(metadata)
    }

    fn oauth(&self, metadata: &ProviderMetadata) -> anyhow::Result<OAuthClient> {
        // client_secret_post where offered (Auth0's default for its Regular Web Applications),
        // else client_secret_basic, OAuth's default.
        let post = metadata
            .token_endpoint_auth_methods_supported
            .as_ref()
            .is_some_and(|methods| methods.iter().any(|m| m == "client_secret_post"));
        Ok(oauth2::Client::new(ClientId::new(self.client_id.clone()))
            .set_client_secret(ClientSecret::new(self.client_secret.clone()))
            .set_auth_uri(AuthUrl::new(metadata.authorization_endpoint.clone())?)
            .set_token_uri(TokenUrl::new(metadata.token_endpoint.clone())?)
            .set_redirect_uri(RedirectUrl::new(self.redirect_uri.clone())?)
            .set_auth_type(if post {
                AuthType::RequestBody
            } else {
                AuthType::BasicAuth
            }))
    }

    /// The authorization request for a sign-in with this `state` and `nonce`: the API's
    /// audience (Auth0's `audience` parameter), and a new PKCE challenge.
    pub async fn authorize(&self, state: &str, nonce: &str) -> anyhow::Result<Authorization> {
        let metadata = self.metadata().await?;
        let client = self.oauth(&metadata)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = state.to_owned();
        let (url, _) = client
            .authorize_url(move || CsrfToken::new(state))
            .add_scopes(SCOPES.map(|scope| Scope::new(scope.to_owned())))
            .add_extra_param("nonce", nonce)
            .add_extra_param("audience", &self.audience)
            .set_pkce_challenge(challenge)
            .url();
        Ok(Authorization {
            url: url.into(),
            verifier: verifier.secret().clone(),
        })
    }

    /// Redeems the code the provider sent back.
    pub async fn exchange(&self, code: &str, verifier: &str) -> anyhow::Result<Tokens> {
        let metadata = self.metadata().await?;
        let response = self
            .oauth(&metadata)?
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(describe)?;
        Ok(response.into())
    }

    /// New tokens for a refresh token.
    pub async fn refresh(&self, refresh_token: &str) -> anyhow::Result<Tokens> {
        let metadata = self.metadata().await?;
        let refresh_token = RefreshToken::new(refresh_token.to_owned());
        let response = self
            .oauth(&metadata)?
            .exchange_refresh_token(&refresh_token)
            .request_async(&self.http)
            .await
            .map_err(describe)?;
        Ok(response.into())
    }

    /// Where to end the provider's session after ours, coming back to the signed-out page;
    /// `None` if the provider has no end-session endpoint.
    pub async fn end_session_url(&self, id_token: Option<&str>) -> Option<String> {
        let endpoint = match self.metadata().await {
            Ok(metadata) => metadata
                .end_session_endpoint
                .clone()
                .or_else(|| self.end_session_fallback.clone()),
            Err(_) => self.end_session_fallback.clone(),
        }?;
        let mut url = url::Url::parse(&endpoint).ok()?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(id_token) = id_token {
                query.append_pair("id_token_hint", id_token);
            }
            query
                .append_pair("client_id", &self.client_id)
                .append_pair("post_logout_redirect_uri", &self.post_logout_redirect_uri);
        }
        Some(url.into())
    }
}

/// A token request's failure, with what the provider said (its error code and description).
fn describe(
    error: RequestTokenError<HttpClientError<reqwest::Error>, BasicErrorResponse>,
) -> anyhow::Error {
    match error {
        RequestTokenError::ServerResponse(response) => {
            let code = response.error().to_string();
            match response.error_description() {
                Some(description) => anyhow!("the provider answered {code}: {description}"),
                None => anyhow!("the provider answered {code}"),
            }
        }
        RequestTokenError::Request(error) => {
            anyhow::Error::new(error).context("cannot reach the provider's token endpoint")
        }
        RequestTokenError::Parse(error, _) => {
            anyhow::Error::new(error).context("the token endpoint's answer is not a token response")
        }
        RequestTokenError::Other(message) => anyhow!(message),
    }
    .context("the token request failed")
}

/// The `exp` of a JWT access token, for knowing when to renew it when the token response did
/// not say (the token is verified separately; this is only timing).
pub fn token_expiry(token: &str) -> Option<u64> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("exp")?.as_u64()
}

impl std::fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcClient")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}
