//! Authentication and authorization of API callers.
//!
//! This module owns everything about access tokens: checking them (RS256 JWS, issuer, audience,
//! expiry, the `permissions` claim; docs/API.md, "Authentication"), the signing keys they are
//! checked against (a remote JWKS, fetched, cached and refreshed; or the local identity
//! provider's key), the cache of tokens already verified, and the permissions and roles of
//! docs/API.md, "Roles and permissions". The HTTP layer only extracts the bearer token, calls
//! [`Authenticator::authenticate`] and checks [`Principal::has`].

mod cache;
pub mod discovery;
mod id_token;
mod jwks;
mod key_store;
mod local;
mod permissions;

mod token;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};

pub use id_token::IdClaims;
pub use permissions::{Permission, Principal, Role};

use cache::{TokenCache, TokenDigest};
use jwks::KeySet;
use key_store::{JwksLocation, KeyStore};
pub use local::LocalIdentity;
pub use token::unix_now;
use token::{TokenHeader, TokenVerifier};

/// What tokens are accepted, and where their signing keys come from.
#[derive(Clone, Debug)]
pub struct AuthSettings {
    /// The exact `iss` tokens must carry.
    pub issuer: String,
    /// The `aud` tokens must be for (their `aud` is this string or an array containing it).
    pub audience: String,
    pub source: KeySource,
    /// The minimum gap between JWKS fetches triggered by tokens with an unknown `kid`.
    pub refresh_cooldown: Duration,
    /// How often the JWKS is fetched again in the background, so that removed keys go away.
    pub max_key_age: Duration,
}

/// Where the signing keys come from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// An external identity provider's JWKS.
    Remote { jwks_url: String },
    /// An external identity provider's JWKS, at the URL its discovery document names
    /// (`ISSUER/.well-known/openid-configuration`).
    Discovered,
    /// The local identity provider: an RSA key in this file (PKCS#8 PEM), created if missing.
    Local { key_file: PathBuf },
}

/// Why a token was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The token fails a check; the reason is short, fixed and safe to show to the client.
    #[error("{0}")]
    InvalidToken(&'static str),
    /// No signing keys could be obtained yet (the JWKS has never been fetched successfully).
    #[error("signing keys are unavailable")]
    KeysUnavailable,
}

/// The metrics of checking tokens: JWKS fetches by outcome, and verified-token cache lookups.
pub const JWKS_REFRESHES: &str = "jwks_refreshes_total";
pub const TOKEN_CACHE: &str = "token_cache_lookups_total";

/// Accepts `tenant.auth0.com`, `https://tenant.auth0.com` and `https://tenant.auth0.com/`.
pub fn normalize_domain(domain: &str) -> String {
    domain
        .trim()
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_owned()
}

/// The client id of the web app at the local provider.
pub const LOCAL_CLIENT_ID: &str = "movie-manager";

/// Checks access tokens. Cheap to clone: clones share the keys and the verified-token cache.
#[derive(Clone)]
pub struct Authenticator {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    verifier: TokenVerifier,
    keys: Arc<KeyStore>,
    cache: Arc<TokenCache>,
    local: Option<LocalIdentity>,
}

impl Authenticator {
    /// Local: loads the key file, or creates it (RSA 2048, PKCS#8 PEM, mode 0600; its directory
    /// must exist). Remote: tries a first JWKS fetch and starts the background refresh. A failed
    /// first fetch is not an error: the authenticator is not ready and answers
    /// [`AuthError::KeysUnavailable`] until keys arrive, by the background refresh or by a
    /// token's fetch.
    pub async fn start(settings: AuthSettings) -> anyhow::Result<Self> {
        let cache = Arc::new(TokenCache::default());
        let verifier = TokenVerifier::new(&settings.issuer, &settings.audience);
        let (keys, local) = match settings.source {
            KeySource::Local { key_file } => {
                let identity = load_identity(key_file).await?;
                // Local tokens go through the same path as remote ones: the published JWKS.
                let keys = KeySet::from_jwks(identity.jwks().to_string().as_bytes())?;
                (KeyStore::fixed(keys, Arc::clone(&cache)), Some(identity))
            }
            KeySource::Remote { jwks_url } => {
                let keys = KeyStore::start_remote(
                    JwksLocation::Fixed(jwks_url),
                    settings.refresh_cooldown,
                    settings.max_key_age,
                    Arc::clone(&cache),
                )
                .await?;
                (keys, None)
            }
            KeySource::Discovered => {
                let keys = KeyStore::start_remote(
                    JwksLocation::discovered(settings.issuer.clone()),
                    settings.refresh_cooldown,
                    settings.max_key_age,
                    Arc::clone(&cache),
                )
                .await?;
                (keys, None)
            }
        };
        Ok(Authenticator {
            inner: Arc::new(Inner {
                issuer: settings.issuer,
                verifier,
                keys,
                cache,
                local,
            }),
        })
    }

    /// Verifies a bearer token (without the `Bearer ` prefix) and returns whom it speaks for.
    pub async fn authenticate(&self, token: &str) -> Result<Principal, AuthError> {
        let digest = TokenDigest::of(token);
        let now = unix_now();
        let cached = self.inner.cache.get(&digest, now);
        let result = if cached.is_some() { "hit" } else { "miss" };
        metrics::counter!(TOKEN_CACHE, "result" => result).increment(1);
        if let Some(principal) = cached {
            return Ok(principal);
        }
        let header = TokenHeader::parse(token)?;
        let key = self.inner.keys.key_for(&header.kid).await?;
        let verified = self.inner.verifier.verify(token, &key.decoding)?;
        self.inner.cache.insert(
            key.generation,
            digest,
            verified.principal.clone(),
            verified.valid_until,
            now,
        );
        Ok(verified.principal)
    }

    /// Verifies the ID token of a sign-in of the web app's client `client_id`, which sent `nonce`.
    pub async fn verify_id_token(
        &self,
        token: &str,
        client_id: &str,
        nonce: &str,
    ) -> Result<IdClaims, AuthError> {
        let header = TokenHeader::parse(token)?;
        let key = self.inner.keys.key_for(&header.kid).await?;
        id_token::verify(token, &key.decoding, &self.inner.issuer, client_id, nonce)
    }

    /// The local identity provider's key, in local mode.
    pub fn local_identity(&self) -> Option<&LocalIdentity> {
        self.inner.local.as_ref()
    }

    /// The web app's client secret at the local provider; `None` with an external provider.
    pub fn local_client_secret(&self) -> Option<String> {
        self.local_identity()
            .map(|local| local.client_secret().to_owned())
    }

    /// The issuer whose tokens are accepted.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// Whether a usable key set is held (what `/readyz` reports for authentication).
    pub fn is_ready(&self) -> bool {
        !self.inner.keys.snapshot().is_empty()
    }

    /// In local mode, the JWKS to publish at `/.well-known/jwks.json`; `None` in remote mode.
    pub fn local_jwks(&self) -> Option<serde_json::Value> {
        self.inner.local.as_ref().map(LocalIdentity::jwks)
    }
}

/// For `movie-manager token`: loads or creates the local key file as [`Authenticator::start`]
/// does, and signs a token for `role` valid for `ttl`: `iss` and `aud` from the settings, `sub`
/// `local|<role>`, `iat`, `exp`, the key's `kid` and the role's permissions. Blocking (file
/// I/O, possibly key generation). An error if the settings name a remote identity provider.
pub fn issue_local_token(
    settings: &AuthSettings,
    role: Role,
    ttl: Duration,
) -> anyhow::Result<String> {
    let KeySource::Local { key_file } = &settings.source else {
        bail!(
            "tokens can only be issued by the local identity provider, and a JWKS URL is configured"
        );
    };
    LocalIdentity::load_or_create(key_file)?.issue(&settings.issuer, &settings.audience, role, ttl)
}

/// Loads or creates the local key off the async workers: key generation takes a while.
async fn load_identity(key_file: PathBuf) -> anyhow::Result<LocalIdentity> {
    tokio::task::spawn_blocking(move || LocalIdentity::load_or_create(&key_file))
        .await
        .context("loading the local signing key was interrupted")?
}
