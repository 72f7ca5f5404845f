//! The checks one access token must pass (docs/API.md, "Authentication"), given the key its header
//! names: header first (RS256 and a `kid`, nothing critical we do not understand), then the
//! signature and the registered claims through jsonwebtoken, then the claims this service reads.
//! Every failure maps to a short fixed reason; library error text never reaches a client.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::permissions::PermissionSet;
use super::{AuthError, Principal};

/// The clock skew tolerated on `exp` and `nbf`, in seconds.
pub(super) const LEEWAY_SECS: u64 = 30;

/// What the header of a token says about how to verify it.
pub(super) struct TokenHeader {
    pub(super) kid: String,
}

impl TokenHeader {
    /// Reads the header and refuses any token that is not RS256 with a `kid`, before any key is
    /// looked up or fetched: a forged header must not be able to make us fetch anything.
    /// `jku`, `x5u`, `jwk` and the like are never read: keys come from configuration alone.
    pub(super) fn parse(token: &str) -> Result<Self, AuthError> {
        #[derive(Deserialize)]
        struct Header {
            alg: String,
            kid: Option<String>,
            crit: Option<serde_json::Value>,
        }

        let encoded = token.split('.').next().unwrap_or_default();
        let header: Header = URL_SAFE_NO_PAD
            .decode(encoded)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or(AuthError::InvalidToken("token is malformed"))?;
        if header.alg != "RS256" {
            return Err(AuthError::InvalidToken("token algorithm is not accepted"));
        }
        // RFC 7515: a recipient must refuse a token whose critical extensions it does not
        // implement, and we implement none.
        if header.crit.is_some() {
            return Err(AuthError::InvalidToken(
                "token has critical header parameters",
            ));
        }
        let kid = header
            .kid
            .ok_or(AuthError::InvalidToken("token has no key id"))?;
        Ok(TokenHeader { kid })
    }
}

/// A token that passed every check.
pub(super) struct Verified {
    pub(super) principal: Principal,
    /// Unix time (seconds) after which the token is expired, leeway included.
    pub(super) valid_until: u64,
}

/// The claims this module reads itself; `iss`, `aud`, `exp` and `nbf` are checked by
/// jsonwebtoken's [`Validation`]. Fields it checks are optional here so that its precise reason
/// (e.g. "no expiry") is the one reported.
#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    sub: Option<String>,
    /// Who the token is for, as a person reads it; anything but a string is ignored.
    #[serde(default)]
    name: Option<serde_json::Value>,
    #[serde(default)]
    email: Option<serde_json::Value>,
    /// Read only to refuse an `iss` that is not a string: jsonwebtoken accepts an array that
    /// contains the issuer, the contract wants `iss` to equal it.
    #[serde(default, rename = "iss")]
    _issuer: Option<String>,
    #[serde(default)]
    exp: Option<f64>,
    #[serde(default)]
    permissions: PermissionSet,
}

/// Checks tokens against one issuer and audience.
pub(super) struct TokenVerifier {
    validation: Validation,
}

impl TokenVerifier {
    pub(super) fn new(issuer: &str, audience: &str) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        TokenVerifier { validation }
    }

    /// Verifies the signature with `key` (the key the header's `kid` names) and every claim.
    pub(super) fn verify(&self, token: &str, key: &DecodingKey) -> Result<Verified, AuthError> {
        let claims = jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map_err(|e| AuthError::InvalidToken(reason(e.kind())))?
            .claims;
        let exp = claims
            .exp
            .ok_or(AuthError::InvalidToken("token has no expiry"))?;
        Ok(Verified {
            principal: Principal::with_set(
                claims.sub.unwrap_or_default(),
                [claims.name, claims.email]
                    .into_iter()
                    .flatten()
                    .find_map(|value| value.as_str().map(str::to_owned)),
                claims.permissions,
            ),
            // `as` saturates, and validation has already refused a negative or non-finite exp.
            valid_until: (exp.floor() as u64).saturating_add(LEEWAY_SECS),
        })
    }
}

/// The reason shown to the client for a jsonwebtoken error.
fn reason(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidSignature => "token signature is invalid",
        ErrorKind::InvalidAlgorithm => "token algorithm is not accepted",
        ErrorKind::ExpiredSignature => "token expired",
        ErrorKind::ImmatureSignature => "token is not valid yet",
        ErrorKind::InvalidIssuer => "token issuer is not accepted",
        ErrorKind::InvalidAudience => "token audience is not accepted",
        ErrorKind::MissingRequiredClaim(claim) => match claim.as_str() {
            "exp" => "token has no expiry",
            "iss" => "token has no issuer",
            "aud" => "token has no audience",
            _ => "token lacks a required claim",
        },
        ErrorKind::InvalidClaimFormat(_) | ErrorKind::Json(_) => "token claims are malformed",
        _ => "token is malformed",
    }
}

/// The current Unix time in seconds.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
