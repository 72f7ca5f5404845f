//! A JWKS endpoint the tests control: which keys it publishes, whether it answers at all, and
//! how many times it was asked.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

#[derive(Default)]
struct Published {
    keys: Mutex<Vec<Value>>,
    down: AtomicBool,
    fetches: AtomicUsize,
}

#[derive(Clone)]
pub struct JwksServer {
    port: u16,
    published: Arc<Published>,
}

impl JwksServer {
    pub async fn start(keys: Vec<Value>) -> Self {
        let published = Arc::new(Published {
            keys: Mutex::new(keys),
            ..Published::default()
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = axum::Router::new()
            .route("/.well-known/jwks.json", get(serve))
            .with_state(Arc::clone(&published));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { port, published }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/.well-known/jwks.json", self.port)
    }

    pub fn publish(&self, keys: Vec<Value>) {
        *self.published.keys.lock().unwrap() = keys;
    }

    /// While down, every fetch answers 500.
    pub fn set_down(&self, down: bool) {
        self.published.down.store(down, Ordering::SeqCst);
    }

    pub fn fetches(&self) -> usize {
        self.published.fetches.load(Ordering::SeqCst)
    }
}

async fn serve(State(published): State<Arc<Published>>) -> Response {
    published.fetches.fetch_add(1, Ordering::SeqCst);
    if published.down.load(Ordering::SeqCst) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "down").into_response();
    }
    let keys = published.keys.lock().unwrap().clone();
    Json(json!({ "keys": keys })).into_response()
}
