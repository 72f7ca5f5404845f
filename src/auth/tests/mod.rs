//! Tests of the auth module through its public API: tokens are signed with test RSA keys and the
//! JWKS is served over HTTP on 127.0.0.1, by the identity provider the black-box tests use too.
//! This file holds what the test modules share.

mod id_tokens;
mod key_rotation;
mod local_provider;
mod verification;

#[path = "../../../tests/api/helpers/identity.rs"]
mod identity;

use std::time::Duration;

use serde_json::Value;

pub(super) use identity::{AUDIENCE, Answer, ISSUER, JwksServer, SUBJECT, TestKey, keys};

use super::token::unix_now;
use super::{AuthSettings, Authenticator, KeySource};

/// Claims that pass every check, with two permissions.
pub(super) fn valid_claims() -> Value {
    identity::claims(&["get:actors", "post:movie"])
}

/// `valid_claims` with one claim changed.
pub(super) fn claims_with(name: &str, value: Value) -> Value {
    let mut claims = valid_claims();
    claims[name] = value;
    claims
}

/// `valid_claims` without one claim.
pub(super) fn claims_without(name: &str) -> Value {
    let mut claims = valid_claims();
    claims.as_object_mut().map(|c| c.remove(name));
    claims
}

/// Settings for a remote provider at `url`; no background refresh within a test.
pub(super) fn remote_settings(url: &str, refresh_cooldown: Duration) -> AuthSettings {
    AuthSettings {
        issuer: ISSUER.to_owned(),
        audience: AUDIENCE.to_owned(),
        source: KeySource::Remote {
            jwks_url: url.to_owned(),
        },
        refresh_cooldown,
        max_key_age: Duration::from_secs(3600),
    }
}

/// Whether `auth` has `token` in its verified-token cache.
pub(super) fn is_cached(auth: &Authenticator, token: &str) -> bool {
    let digest = super::cache::TokenDigest::of(token);
    auth.inner.cache.get(&digest, unix_now()).is_some()
}

pub(super) async fn start_remote(server: &JwksServer, refresh_cooldown: Duration) -> Authenticator {
    Authenticator::start(remote_settings(&server.url(), refresh_cooldown))
        .await
        .expect("a remote authenticator starts")
}
