//! Tests of the auth module through its public API: tokens are minted with test RSA keys and the
//! JWKS is served over HTTP by a small axum server on 127.0.0.1, which counts its requests.
//! This file holds what the test modules share.

mod id_tokens;
mod key_rotation;
mod local_provider;
mod verification;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RsaKeyPair};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::jwks::rsa_signing_jwk;
use super::local::sign_rs256;
use super::token::unix_now;
use super::{AuthSettings, Authenticator, KeySource};

pub(super) const ISSUER: &str = "https://issuer.example/";
pub(super) const AUDIENCE: &str = "movie-manager";

/// An RSA key of a test identity provider, published under `kid`.
pub(super) struct TestKey {
    pub(super) pair: RsaKeyPair,
    pub(super) kid: String,
}

impl TestKey {
    fn generate(kid: &str) -> Self {
        TestKey {
            pair: RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key generation"),
            kid: kid.to_owned(),
        }
    }

    pub(super) fn jwk(&self) -> Value {
        let public = self.pair.public_key();
        rsa_signing_jwk(
            &self.kid,
            public.modulus().big_endian_without_leading_zero(),
            public.exponent().big_endian_without_leading_zero(),
        )
    }

    /// An RS256 token for `claims`, naming this key.
    pub(super) fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(
            &json!({"alg": "RS256", "typ": "JWT", "kid": self.kid}),
            claims,
        )
    }

    pub(super) fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        sign_rs256(&self.pair, header, claims).expect("signing")
    }
}

/// Three keys, generated once per test run: key generation is the slow part of these tests.
pub(super) fn keys() -> &'static [TestKey; 3] {
    static KEYS: OnceLock<[TestKey; 3]> = OnceLock::new();
    KEYS.get_or_init(|| ["key-1", "key-2", "key-3"].map(TestKey::generate))
}

/// Claims that pass every check: valid for ten minutes, two permissions.
pub(super) fn valid_claims() -> Value {
    let now = unix_now();
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "auth0|alice",
        "iat": now,
        "exp": now + 600,
        "permissions": ["get:actors", "post:movie"],
    })
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

/// What the test JWKS endpoint answers.
#[derive(Clone)]
pub(super) enum Answer {
    Keys(Value),
    Status(StatusCode),
    Body(&'static str),
}

struct ServerState {
    answer: Mutex<Answer>,
    delay: Mutex<Duration>,
    requests: AtomicUsize,
}

async fn serve_jwks(State(state): State<Arc<ServerState>>) -> Response {
    state.requests.fetch_add(1, Ordering::SeqCst);
    let delay = *state.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    let answer = state.answer.lock().unwrap().clone();
    match answer {
        Answer::Keys(document) => axum::Json(document).into_response(),
        Answer::Status(status) => status.into_response(),
        Answer::Body(body) => body.into_response(),
    }
}

/// A JWKS endpoint on 127.0.0.1 whose answer the test controls.
pub(super) struct JwksServer {
    pub(super) url: String,
    state: Arc<ServerState>,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl JwksServer {
    /// A server publishing these keys.
    pub(super) async fn publishing(keys: &[&TestKey]) -> Self {
        Self::answering(Answer::Keys(jwks(keys))).await
    }

    pub(super) async fn answering(answer: Answer) -> Self {
        let state = Arc::new(ServerState {
            answer: Mutex::new(answer),
            delay: Mutex::new(Duration::ZERO),
            requests: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/.well-known/jwks.json", get(serve_jwks))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        JwksServer {
            url,
            state,
            shutdown,
            task,
        }
    }

    pub(super) fn publish(&self, keys: &[&TestKey]) {
        self.answer(Answer::Keys(jwks(keys)));
    }

    pub(super) fn answer(&self, answer: Answer) {
        *self.state.answer.lock().unwrap() = answer;
    }

    /// Makes every answer take this long, so that concurrent fetches would overlap.
    pub(super) fn delay_answers(&self, delay: Duration) {
        *self.state.delay.lock().unwrap() = delay;
    }

    pub(super) fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Stops listening and closes every connection: the endpoint is down.
    pub(super) async fn stop(self) {
        let _ = self.shutdown.send(());
        self.task.await.unwrap();
    }
}

pub(super) fn jwks(keys: &[&TestKey]) -> Value {
    json!({ "keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() })
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
    Authenticator::start(remote_settings(&server.url, refresh_cooldown))
        .await
        .expect("a remote authenticator starts")
}
