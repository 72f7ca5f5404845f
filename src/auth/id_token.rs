//! ID tokens from the web app's sign-in (OpenID Connect Core 1.0, 3.1.3.7), checked with the
//! same keys as access tokens: RS256 with a known `kid`, `iss` the configured issuer, `aud` the
//! web app's client id (and `azp` too when there are several audiences), `exp`, and the `nonce`
//! the sign-in sent.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;

use super::AuthError;
use super::token::LEEWAY_SECS;

/// Who an ID token says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdClaims {
    pub subject: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    aud: Value,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

pub(super) fn verify(
    token: &str,
    key: &DecodingKey,
    issuer: &str,
    client_id: &str,
    nonce: &str,
) -> Result<IdClaims, AuthError> {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.leeway = LEEWAY_SECS;
    validation.validate_nbf = true;
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
        .map_err(|_| AuthError::InvalidToken("the ID token fails its checks"))?
        .claims;
    let several_audiences = claims.aud.as_array().is_some_and(|aud| aud.len() > 1);
    if several_audiences && claims.azp.as_deref() != Some(client_id) {
        return Err(AuthError::InvalidToken(
            "the ID token is for another authorized party",
        ));
    }
    if claims.nonce.as_deref() != Some(nonce) {
        return Err(AuthError::InvalidToken(
            "the ID token's nonce is not the sign-in's",
        ));
    }
    Ok(IdClaims {
        subject: claims.sub,
        name: claims.name.filter(|name| !name.trim().is_empty()),
        email: claims.email.filter(|email| !email.trim().is_empty()),
    })
}
