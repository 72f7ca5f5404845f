//! The tests' identity provider: RSA keys that sign access tokens, a JWKS endpoint the test
//! controls, and the forged tokens an attacker would send.
//!
//! Both the auth module's unit tests and the black-box tests include this file, so it uses only
//! crates the library itself depends on, and nothing of the library.
#![allow(dead_code, reason = "each of the two test crates uses a part of it")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaEncoding, RsaKeyPair};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const ISSUER: &str = "https://issuer.test/";
pub const AUDIENCE: &str = "movie-manager-tests";
pub const SUBJECT: &str = "auth0|tester";

/// Seconds since the Unix epoch, as the `exp`, `nbf` and `iat` claims count time.
pub fn now() -> i64 {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970");
    i64::try_from(elapsed.as_secs()).expect("a time in range")
}

/// Claims that pass every check, valid for an hour, carrying `permissions`.
pub fn claims(permissions: &[&str]) -> Value {
    let now = now();
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": SUBJECT,
        "iat": now,
        "exp": now + 3600,
        "permissions": permissions,
    })
}

/// Base64url without padding, as JWS encodes each part.
pub fn base64url(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The JWS signing input: the encoded header and claims, joined by a dot.
fn signing_input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        base64url(header.to_string()),
        base64url(claims.to_string())
    )
}

/// An RSA key of the test identity provider, published under `kid`.
#[derive(Clone)]
pub struct TestKey {
    pair: Arc<RsaKeyPair>,
    pub kid: String,
}

/// Three keys for the whole process: generating RSA keys is the slow part of these tests.
pub fn keys() -> &'static [TestKey; 3] {
    static KEYS: OnceLock<[TestKey; 3]> = OnceLock::new();
    KEYS.get_or_init(|| ["key-1", "key-2", "key-3"].map(TestKey::generate))
}

impl TestKey {
    pub fn generate(kid: &str) -> Self {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("an RSA key");
        Self {
            pair: Arc::new(pair),
            kid: kid.to_owned(),
        }
    }

    /// The same key pair published under another `kid`.
    pub fn named(&self, kid: &str) -> Self {
        Self {
            pair: Arc::clone(&self.pair),
            kid: kid.to_owned(),
        }
    }

    /// The public key as a JWK for RS256 signatures.
    pub fn jwk(&self) -> Value {
        let public = self.pair.public_key();
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": base64url(public.modulus().big_endian_without_leading_zero()),
            "e": base64url(public.exponent().big_endian_without_leading_zero()),
        })
    }

    /// The public key in each form an attacker could find it, as HMAC secrets for the
    /// key-confusion attack: SubjectPublicKeyInfo DER, PKCS#1 DER, and the JWK's text.
    pub fn public_key_secrets(&self) -> [Vec<u8>; 3] {
        let public = self.pair.public_key();
        let spki = public.as_der().expect("a DER public key").as_ref().to_vec();
        [
            spki,
            public.as_ref().to_vec(),
            self.jwk().to_string().into_bytes(),
        ]
    }

    /// An RS256 token for `claims` with the usual header, naming this key.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(
            &json!({"alg": "RS256", "typ": "JWT", "kid": self.kid}),
            claims,
        )
    }

    /// An RS256 signature over any header and claims.
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        self.sign_with(&RSA_PKCS1_SHA256, header, claims)
    }

    /// A signature by another RSA scheme (RS384, PS256...), whatever `header` claims.
    pub fn sign_with(
        &self,
        scheme: &'static dyn RsaEncoding,
        header: &Value,
        claims: &Value,
    ) -> String {
        let input = signing_input(header, claims);
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                scheme,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut signature,
            )
            .expect("a signature");
        format!("{input}.{}", base64url(signature))
    }
}

/// `alg: none`: no signature at all.
pub fn unsigned(claims: &Value, kid: &str) -> String {
    let header = json!({"alg": "none", "typ": "JWT", "kid": kid});
    format!("{}.", signing_input(&header, claims))
}

/// HS256 with `secret` as the HMAC key (the key-confusion attack uses the public key).
pub fn hs256(claims: &Value, kid: &str, secret: &[u8]) -> String {
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": kid});
    let input = signing_input(&header, claims);
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), input.as_bytes());
    format!("{input}.{}", base64url(tag))
}

/// What the test JWKS endpoint answers.
#[derive(Clone)]
pub enum Answer {
    /// This JSON document, whether or not it is a JWKS.
    Keys(Value),
    /// This status and no body.
    Status(StatusCode),
    /// 200 with this text.
    Body(&'static str),
}

/// The JWKS document publishing `keys`.
pub fn jwks(keys: &[&TestKey]) -> Value {
    json!({ "keys": keys.iter().map(|key| key.jwk()).collect::<Vec<_>>() })
}

struct Endpoint {
    answer: Mutex<Answer>,
    delay: Mutex<Duration>,
    requests: AtomicUsize,
}

async fn serve(State(endpoint): State<Arc<Endpoint>>) -> Response {
    endpoint.requests.fetch_add(1, Ordering::SeqCst);
    let delay = *endpoint.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    let answer = endpoint.answer.lock().unwrap().clone();
    match answer {
        Answer::Keys(document) => axum::Json(document).into_response(),
        Answer::Status(status) => status.into_response(),
        Answer::Body(body) => body.into_response(),
    }
}

/// A JWKS endpoint on 127.0.0.1 whose answer the test controls, and which counts its requests.
pub struct JwksServer {
    url: String,
    endpoint: Arc<Endpoint>,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl JwksServer {
    /// A server publishing these keys.
    pub async fn publishing(keys: &[&TestKey]) -> Self {
        Self::answering(Answer::Keys(jwks(keys))).await
    }

    pub async fn answering(answer: Answer) -> Self {
        let endpoint = Arc::new(Endpoint {
            answer: Mutex::new(answer),
            delay: Mutex::new(Duration::ZERO),
            requests: AtomicUsize::new(0),
        });
        let app = axum::Router::new()
            .route("/.well-known/jwks.json", get(serve))
            .with_state(Arc::clone(&endpoint));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the JWKS server");
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
        Self {
            url,
            endpoint,
            shutdown,
            task,
        }
    }

    pub fn url(&self) -> String {
        self.url.clone()
    }

    pub fn publish(&self, keys: &[&TestKey]) {
        self.answer(Answer::Keys(jwks(keys)));
    }

    pub fn answer(&self, answer: Answer) {
        *self.endpoint.answer.lock().unwrap() = answer;
    }

    /// Makes every answer take this long, so that concurrent fetches would overlap.
    pub fn delay_answers(&self, delay: Duration) {
        *self.endpoint.delay.lock().unwrap() = delay;
    }

    /// How many times the endpoint was asked.
    pub fn requests(&self) -> usize {
        self.endpoint.requests.load(Ordering::SeqCst)
    }

    /// Stops listening and closes every connection: the endpoint is down.
    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        self.task.await.unwrap();
    }
}
