//! The test harness: [`TestApp`] (the server on a free port, over a fresh database, with an
//! identity provider of its own), request helpers, the checks the test files share, and the
//! macros that choose the backends a test runs on.

pub mod browser;
pub mod cli;
pub mod database;
pub mod identity;
pub mod json;
pub mod oidc;
pub mod postgres_tls;
pub mod refusals;
pub mod s3;
pub mod temp_dir;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use movie_manager::auth::{AuthSettings, KeySource};
use movie_manager::config::{HttpSettings, Settings};
use movie_manager::photos::PhotoStore;
use movie_manager::startup::Application;
use movie_manager::storage::DatabaseSettings;
use movie_manager::web::WebSettings;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub use database::Backend;
pub use identity::{AUDIENCE, ISSUER, JwksServer, TestKey};

/// The caller of a request: one of the three roles of docs/API.md, or nobody; each role holds the
/// permissions of the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Caller {
    Anonymous,
    CastingAssistant,
    CastingDirector,
    ExecutiveProducer,
}

impl Caller {
    pub const ALL: [Caller; 4] = [
        Caller::Anonymous,
        Caller::CastingAssistant,
        Caller::CastingDirector,
        Caller::ExecutiveProducer,
    ];

    /// The permissions of the role, from docs/API.md's table (not from the service's code).
    pub fn permissions(self) -> Vec<&'static str> {
        PERMISSIONS
            .iter()
            .filter(|(_, least)| self >= *least)
            .map(|(permission, _)| *permission)
            .collect()
    }
}

/// docs/API.md's permissions, each with the least role that holds it.
const PERMISSIONS: [(&str, Caller); 9] = [
    ("get:actors", Caller::CastingAssistant),
    ("get:movies", Caller::CastingAssistant),
    ("post:actor", Caller::CastingDirector),
    ("delete:actor", Caller::CastingDirector),
    ("patch:actor", Caller::CastingDirector),
    ("patch:movie", Caller::CastingDirector),
    ("post:movie", Caller::ExecutiveProducer),
    ("delete:movie", Caller::ExecutiveProducer),
    ("patch:session", Caller::CastingAssistant),
];

/// What the test servers listen with: loopback, a free port, any origin, the real timeouts.
pub fn http_settings() -> HttpSettings {
    HttpSettings {
        host: "127.0.0.1".parse().unwrap(),
        port: 0,
        cors_origins: None,
        request_timeout: Duration::from_secs(30),
        header_read_timeout: Duration::from_secs(5),
        shutdown_timeout: Duration::from_secs(5),
        allow_local_auth_on_network: false,
        max_in_flight: 256,
        max_event_streams: movie_manager::storage::events::EVENT_STREAMS_DEFAULT,
        metrics_addr: None,
        public_url: None,
    }
}

/// What the test servers run with: `database_url`, `photos`, [`http_settings`], and `jwks` as the
/// identity provider.
pub fn settings(database_url: String, photos: PhotoStore, jwks: &JwksServer) -> Settings {
    Settings {
        database: DatabaseSettings {
            url: database_url,
            max_connections: 5,
        },
        photos,
        http: http_settings(),
        auth: AuthSettings {
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            source: KeySource::Remote {
                jwks_url: jwks.url(),
            },
            refresh_cooldown: Duration::from_millis(200),
            max_key_age: Duration::from_secs(600),
        },
        web: WebSettings::default(),
    }
}

/// A running server over its own fresh database, with its own identity provider.
pub struct TestApp {
    pub address: String,
    pub backend: Backend,
    pub jwks: Arc<JwksServer>,
    pub key: TestKey,
    pub client: reqwest::Client,
    /// `http://127.0.0.1:PORT` of `/metrics`, when the settings asked for it.
    pub metrics_address: Option<String>,
    /// Dropped with the last app on it: removes the test's database.
    database: Arc<database::TestDatabase>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// The server as production runs it: an external identity provider (the test's JWKS server).
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like [`TestApp::spawn`], with settings adjusted first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let jwks = JwksServer::publishing(&[&identity::keys()[0]]).await;
        let database = Arc::new(database::TestDatabase::create(backend).await);
        Self::start(backend, database, Arc::new(jwks), adjust).await
    }

    /// Another instance of the server beside this one: the same database and identity
    /// provider, nothing else shared.
    pub async fn spawn_beside(&self) -> TestApp {
        self.spawn_beside_with(|_| {}).await
    }

    /// Another instance with the same identity provider, over a fresh database of its own.
    pub async fn spawn_beside_empty(&self) -> TestApp {
        let database = Arc::new(database::TestDatabase::create(self.backend).await);
        Self::start(self.backend, database, Arc::clone(&self.jwks), |_| {}).await
    }

    /// Like [`TestApp::spawn_beside`], with settings adjusted first.
    pub async fn spawn_beside_with(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let (database, jwks) = (Arc::clone(&self.database), Arc::clone(&self.jwks));
        Self::start(self.backend, database, jwks, adjust).await
    }

    async fn start(
        backend: Backend,
        database: Arc<database::TestDatabase>,
        jwks: Arc<JwksServer>,
        adjust: impl FnOnce(&mut Settings),
    ) -> TestApp {
        let mut settings = settings(database.url.clone(), database.photos(), &jwks);
        adjust(&mut settings);
        let application = Application::build(settings)
            .await
            .expect("the application starts");
        let address = format!("http://127.0.0.1:{}", application.port());
        let metrics_address = application
            .metrics_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        let (shutdown, stopped) = oneshot::channel();
        let server = tokio::spawn(application.run_until(async {
            let _ = stopped.await;
        }));
        TestApp {
            address,
            backend,
            jwks,
            key: identity::keys()[0].clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            metrics_address,
            database,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    /// The folder of its photo store (unless the test gave it another store).
    pub fn photo_folder(&self) -> &std::path::Path {
        self.database.photo_folder()
    }

    /// The database this app serves, for tests that look underneath the API.
    pub fn database_url(&self) -> &str {
        &self.database.url
    }

    /// Stops the server as SIGTERM would, and waits until it has finished.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        match self.server.take() {
            Some(server) => server.await.expect("the server task does not panic"),
            None => Ok(()),
        }
    }

    /// `host:port` of the server, for tests that speak HTTP over a socket of their own.
    pub fn socket_address(&self) -> &str {
        self.address
            .strip_prefix("http://")
            .expect("an http address")
    }

    /// A valid token for a caller (`None` for anonymous), signed by the app's key.
    pub fn token(&self, caller: Caller) -> Option<String> {
        (caller != Caller::Anonymous)
            .then(|| self.key.sign(&identity::claims(&caller.permissions())))
    }

    pub fn request(&self, method: Method, path: &str) -> Call {
        Call {
            builder: self
                .client
                .request(method, format!("{}{path}", self.address)),
        }
    }

    /// A request by a caller of one of the roles.
    pub fn call(&self, caller: Caller, method: Method, path: &str) -> Call {
        let call = self.request(method, path);
        match self.token(caller) {
            Some(token) => call.bearer(&token),
            None => call,
        }
    }

    pub async fn get(&self, caller: Caller, path: &str) -> Reply {
        self.call(caller, Method::GET, path).send().await
    }

    pub async fn post(&self, caller: Caller, path: &str, body: Value) -> Reply {
        self.call(caller, Method::POST, path)
            .json(&body)
            .send()
            .await
    }

    pub async fn patch(&self, caller: Caller, path: &str, body: Value) -> Reply {
        self.call(caller, Method::PATCH, path)
            .json(&body)
            .send()
            .await
    }

    pub async fn put(&self, caller: Caller, path: &str, body: Value) -> Reply {
        self.call(caller, Method::PUT, path)
            .json(&body)
            .send()
            .await
    }

    pub async fn delete(&self, caller: Caller, path: &str) -> Reply {
        self.call(caller, Method::DELETE, path).send().await
    }

    /// Creates an actor as an executive producer and returns its id.
    pub async fn create_actor(&self, name: &str, age: i64, gender: &str) -> i64 {
        let reply = self
            .post(
                Caller::ExecutiveProducer,
                "/actors",
                json!({"name": name, "age": age, "gender": gender}),
            )
            .await;
        reply.assert_status(200);
        reply.body["created"].as_i64().expect("an id")
    }

    /// Creates a movie as an executive producer and returns its id.
    pub async fn create_movie(&self, title: &str, release_date: &str) -> i64 {
        let reply = self
            .post(
                Caller::ExecutiveProducer,
                "/movies",
                json!({"title": title, "release_date": release_date}),
            )
            .await;
        reply.assert_status(200);
        reply.body["created"].as_i64().expect("an id")
    }

    /// Casts an actor in a movie as an executive producer.
    pub async fn cast(&self, movie_id: i64, actor_id: i64, character: &str) {
        self.put(
            Caller::ExecutiveProducer,
            &format!("/movies/{movie_id}/actors/{actor_id}"),
            json!({"character": character}),
        )
        .await
        .assert_status(200);
    }

    /// The actor as an executive producer reads it (the `actor` object), or `Value::Null` if 404.
    pub async fn actor(&self, id: i64) -> Value {
        self.read("actors", "actor", id).await
    }

    /// The movie as an executive producer reads it (the `movie` object), or `Value::Null` if 404.
    pub async fn movie(&self, id: i64) -> Value {
        self.read("movies", "movie", id).await
    }

    async fn read(&self, collection: &str, field: &str, id: i64) -> Value {
        let reply = self
            .get(Caller::ExecutiveProducer, &format!("/{collection}/{id}"))
            .await;
        match reply.status {
            200 => reply.body[field].clone(),
            404 => Value::Null,
            other => panic!(
                "reading /{collection}/{id} answered {other}: {}",
                reply.body
            ),
        }
    }

    /// The actor and its ETag, as an executive producer reads them now; the actor must exist.
    pub async fn actor_and_etag(&self, id: i64) -> (Value, String) {
        self.read_with_etag("actors", "actor", id).await
    }

    /// The movie and its ETag, as an executive producer reads them now; the movie must exist.
    pub async fn movie_and_etag(&self, id: i64) -> (Value, String) {
        self.read_with_etag("movies", "movie", id).await
    }

    async fn read_with_etag(&self, collection: &str, field: &str, id: i64) -> (Value, String) {
        let reply = self
            .get(Caller::ExecutiveProducer, &format!("/{collection}/{id}"))
            .await;
        reply.assert_status(200);
        (reply.body[field].clone(), reply.etag())
    }

    /// Everything the service holds, as callers see it: every actor and every movie, each with
    /// its castings, versions (through `updated_at`) included.
    pub async fn everything(&self) -> Value {
        json!({
            "actors": self.list_all("/actors", "actors").await,
            "movies": self.list_all("/movies", "movies").await,
        })
    }

    /// Every item of a list, following the cursors from the first page.
    pub async fn list_all(&self, path_and_query: &str, field: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let separator = if path_and_query.contains('?') {
            '&'
        } else {
            '?'
        };
        let mut next = path_and_query.to_owned();
        loop {
            let reply = self.get(Caller::CastingAssistant, &next).await;
            reply.assert_status(200);
            items.extend(reply.body[field].as_array().unwrap().iter().cloned());
            match reply.body["next_cursor"].as_str() {
                Some(cursor) => next = format!("{path_and_query}{separator}cursor={cursor}"),
                None => return items,
            }
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// A request being built.
pub struct Call {
    builder: reqwest::RequestBuilder,
}

impl Call {
    pub fn bearer(self, token: &str) -> Self {
        self.header("Authorization", &format!("Bearer {token}"))
    }

    pub fn header(self, name: &str, value: &str) -> Self {
        Self {
            builder: self.builder.header(name, value),
        }
    }

    pub fn json(self, body: &Value) -> Self {
        Self {
            builder: self.builder.json(body),
        }
    }

    /// A raw body with the given content type.
    pub fn body(self, content_type: &str, body: impl Into<reqwest::Body>) -> Self {
        Self {
            builder: self.builder.header("Content-Type", content_type).body(body),
        }
    }

    pub async fn send(self) -> Reply {
        Reply::of(self.builder).await
    }
}

/// A response: its status, headers and JSON body (a string if it was not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// Sends a request built with reqwest itself (e.g. with no Content-Type, or to another
    /// server) and reads the answer.
    pub async fn of(request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        if (200..300).contains(&status) {
            assert_eq!(self.body["success"], json!(true), "body: {}", self.body);
        }
        self
    }

    /// Checks the contract's error JSON: status, `success: false`, `error`, `code`, a message.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        assert_eq!(self.body["success"], json!(false), "body: {}", self.body);
        assert_eq!(self.body["error"], json!(status), "body: {}", self.body);
        assert_eq!(self.body["code"], json!(code), "body: {}", self.body);
        let message = self.body["message"].as_str().expect("a message");
        assert!(!message.is_empty());
        self
    }

    /// The error message, for checks that it names the field at fault.
    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    #[track_caller]
    pub fn etag(&self) -> String {
        self.header("etag").expect("an ETag").to_owned()
    }
}

// Which backends a test runs on. A test whose outcome passes through the store (what is written,
// read back, listed, or refused by it; whether a write changed nothing) runs on both, with
// `backend_tests!`: the two databases could answer it differently. A test of what the HTTP layer
// decides before the store has a say (tokens, routing, the OpenAPI document, the docs page,
// request ids, CORS) runs once, on SQLite, with `once_tests!`: the backend cannot change it.

/// Runs each test once over SQLite and once over PostgreSQL:
/// `backend_tests! { async fn a_sentence(app) { ... } }` makes `a_sentence::on_sqlite` and
/// `a_sentence::on_postgres`. `backend_tests! { spawn = f; ... }` starts each app with
/// `f(backend).await` instead of [`TestApp::spawn`].
macro_rules! backend_tests {
    (spawn = $spawn:path; $(async fn $name:ident($app:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let $app = $spawn($crate::helpers::Backend::Sqlite).await;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                let $app = $spawn($crate::helpers::Backend::Postgres).await;
                $body
            }
        }
    )*};
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $crate::helpers::backend_tests! { spawn = $crate::helpers::TestApp::spawn; $(async fn $name($app) $body)* }
    };
}
pub(crate) use backend_tests;

/// Runs each test once, over SQLite: `once_tests! { async fn a_sentence(app) { ... } }` makes
/// the test `a_sentence`. `once_tests! { spawn = f; ... }` starts the app with
/// `f(Backend::Sqlite).await` instead of [`TestApp::spawn`].
macro_rules! once_tests {
    (spawn = $spawn:path; $(async fn $name:ident($app:ident) $body:block)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let $app = $spawn($crate::helpers::Backend::Sqlite).await;
            $body
        }
    )*};
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $crate::helpers::once_tests! { spawn = $crate::helpers::TestApp::spawn; $(async fn $name($app) $body)* }
    };
}
pub(crate) use once_tests;
