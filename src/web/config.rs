//! The web app's settings: its client at the identity provider, and how long sessions last.

use std::fmt;
use std::time::Duration;

use anyhow::bail;
use clap::Args;

use super::session::{SESSION_IDLE_TIMEOUT, SESSION_LIFETIME};
use crate::auth::normalize_domain;

/// The web app's client at an external identity provider.
#[derive(Clone)]
pub struct ClientCredentials {
    pub id: String,
    pub secret: String,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The client at an external provider; `None` there leaves sign-in unconfigured (the API
    /// still works). The local provider has a client of its own.
    pub client: Option<ClientCredentials>,
    /// Where to end the provider's session when its discovery document names no
    /// `end_session_endpoint`: Auth0's `/oidc/logout`.
    pub end_session_fallback: Option<String>,
    /// A session ends this long after sign-in, however active.
    pub session_lifetime: Duration,
    /// A session ends after this long without a request.
    pub session_idle_timeout: Duration,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            client: None,
            end_session_fallback: None,
            session_lifetime: SESSION_LIFETIME,
            session_idle_timeout: SESSION_IDLE_TIMEOUT,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct WebArgs {
    /// The web app's client id at Auth0 (a Regular Web Application).
    #[arg(long, env = "AUTH0_CLIENT_ID")]
    pub auth0_client_id: Option<String>,
    /// The web app's client secret at Auth0.
    #[arg(long, env = "AUTH0_CLIENT_SECRET", hide_env_values = true)]
    pub auth0_client_secret: Option<String>,
    /// The web app's client id at any OpenID provider (the same setting as AUTH0_CLIENT_ID).
    #[arg(long, env = "OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// The web app's client secret at any OpenID provider (the same as AUTH0_CLIENT_SECRET).
    #[arg(long, env = "OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
}

impl WebArgs {
    /// The settings, given `AUTH0_DOMAIN` (for Auth0's logout endpoint).
    pub fn settings(&self, auth0_domain: Option<&str>) -> anyhow::Result<WebSettings> {
        let id = either(
            "AUTH0_CLIENT_ID",
            &self.auth0_client_id,
            "OIDC_CLIENT_ID",
            &self.oidc_client_id,
        )?;
        let secret = either(
            "AUTH0_CLIENT_SECRET",
            &self.auth0_client_secret,
            "OIDC_CLIENT_SECRET",
            &self.oidc_client_secret,
        )?;
        let client = match (id, secret) {
            (Some(id), Some(secret)) => Some(ClientCredentials { id, secret }),
            (None, None) => None,
            (Some(_), None) => bail!("a client id is set without its client secret"),
            (None, Some(_)) => bail!("a client secret is set without its client id"),
        };
        Ok(WebSettings {
            client,
            end_session_fallback: auth0_domain
                .map(normalize_domain)
                .map(|domain| format!("https://{domain}/oidc/logout")),
            ..WebSettings::default()
        })
    }
}

/// One setting known by two names: either may be set, or both to the same value.
fn either(
    name: &str,
    value: &Option<String>,
    other_name: &str,
    other: &Option<String>,
) -> anyhow::Result<Option<String>> {
    let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty());
    let other = other.as_deref().map(str::trim).filter(|v| !v.is_empty());
    match (value, other) {
        (Some(a), Some(b)) if a != b => bail!("{name} and {other_name} differ; set one of them"),
        (a, b) => Ok(a.or(b).map(str::to_owned)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(id: Option<&str>, secret: Option<&str>) -> WebArgs {
        WebArgs {
            auth0_client_id: id.map(Into::into),
            auth0_client_secret: secret.map(Into::into),
            oidc_client_id: None,
            oidc_client_secret: None,
        }
    }

    #[test]
    fn a_client_needs_both_its_id_and_its_secret() {
        assert!(args(Some("id"), None).settings(None).is_err());
        assert!(args(None, Some("secret")).settings(None).is_err());
        assert!(args(None, None).settings(None).unwrap().client.is_none());
        let client = args(Some("id"), Some("s3cr3t"))
            .settings(None)
            .unwrap()
            .client
            .unwrap();
        assert_eq!(
            (client.id.as_str(), client.secret.as_str()),
            ("id", "s3cr3t")
        );
        assert!(!format!("{client:?}").contains("s3cr3t"));
    }

    #[test]
    fn the_oidc_names_are_the_same_settings_as_the_auth0_ones() {
        let mut both = args(Some("id"), Some("secret"));
        both.oidc_client_id = Some("id".into());
        assert!(both.settings(None).is_ok());
        both.oidc_client_id = Some("other".into());
        assert!(both.settings(None).is_err());
        let oidc = WebArgs {
            auth0_client_id: None,
            auth0_client_secret: None,
            oidc_client_id: Some("id".into()),
            oidc_client_secret: Some("s".into()),
        };
        assert_eq!(oidc.settings(None).unwrap().client.unwrap().id, "id");
    }

    #[test]
    fn auth0_ends_sessions_at_its_oidc_logout_endpoint() {
        let settings = args(None, None)
            .settings(Some("https://tenant.eu.auth0.com/"))
            .unwrap();
        assert_eq!(
            settings.end_session_fallback.as_deref(),
            Some("https://tenant.eu.auth0.com/oidc/logout")
        );
    }
}
