//! OpenID Connect Discovery: the provider metadata published at
//! `ISSUER/.well-known/openid-configuration`, read for the JWKS (when only `JWT_ISSUER` is
//! configured) and for the web app's sign-in endpoints.

use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;

/// How long one discovery fetch may take, connection included.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest discovery document accepted; real ones are a few kilobytes.
const MAX_BYTES: usize = 256 * 1024;

/// What this service reads of a provider's metadata.
#[derive(Debug, Clone, Deserialize)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

/// Where an issuer publishes its metadata (OpenID Connect Discovery 1.0, section 4).
pub fn discovery_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// An HTTP client for talking to identity providers: bounded time, no redirects (a provider's
/// endpoints answer directly; following redirects would let an answer send us elsewhere).
pub fn provider_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("cannot build the HTTP client for the identity provider")
}

/// Fetches and checks the metadata of `issuer`: its `issuer` must be exactly the configured one,
/// and every endpoint an http(s) URL.
pub async fn fetch(client: &reqwest::Client, issuer: &str) -> anyhow::Result<ProviderMetadata> {
    let url = discovery_url(issuer);
    let mut response = client
        .get(&url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .with_context(|| format!("cannot fetch {url}"))?
        .error_for_status()
        .with_context(|| format!("{url} answered an error"))?;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_BYTES {
            bail!("{url} is larger than {MAX_BYTES} bytes");
        }
        body.extend_from_slice(&chunk);
    }
    let metadata: ProviderMetadata =
        serde_json::from_slice(&body).with_context(|| format!("{url} is not provider metadata"))?;
    if metadata.issuer != issuer {
        bail!(
            "{url} names the issuer {:?}, not the configured {issuer:?}",
            metadata.issuer
        );
    }
    let endpoints = [
        &metadata.authorization_endpoint,
        &metadata.token_endpoint,
        &metadata.jwks_uri,
    ];
    for endpoint in endpoints.into_iter().chain(&metadata.end_session_endpoint) {
        if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
            bail!("{url} names an endpoint that is not an http(s) URL: {endpoint:?}");
        }
    }
    Ok(metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_discovery_document_is_under_the_issuer() {
        assert_eq!(
            discovery_url("https://tenant.auth0.com/"),
            "https://tenant.auth0.com/.well-known/openid-configuration"
        );
        assert_eq!(
            discovery_url("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080/.well-known/openid-configuration"
        );
    }
}
