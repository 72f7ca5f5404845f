//! Errors are JSON everywhere: the router's 404 and 405, bodies that are not JSON, too large or
//! not JSON at all, panics, and the role matrix of docs/API.md (401 / 403 / success for every
//! endpoint and every caller).

use std::io::{Read, Write};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::refusals::{assert_bearer_challenge, assert_no_internals, assert_refused};
use crate::helpers::{Caller, Reply, TestApp, backend_tests, once_tests};

/// How a body is framed on the wire.
#[derive(Clone, Copy)]
enum Framing {
    ContentLength,
    Chunked,
}

/// Sends a request with `body` over a plain TCP connection, framed as asked, and returns the
/// status and the JSON body of the answer. Unlike an HTTP client library, it reads the answer
/// even when the server answers and closes before the whole body was sent, as it may for a body
/// past the limit.
async fn send_over_tcp(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Vec<u8>,
    framing: Framing,
) -> (u16, Value) {
    let address = app.socket_address().to_owned();
    let length = match framing {
        Framing::ContentLength => format!("Content-Length: {}", body.len()),
        Framing::Chunked => "Transfer-Encoding: chunked".to_owned(),
    };
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\n{length}\r\nConnection: close\r\n\r\n"
    );
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&address).expect("a connection");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        // The server may answer and close before it has read everything: a failed write is not
        // the test's concern, the answer is.
        let _ = match framing {
            Framing::ContentLength => stream.write_all(&body),
            Framing::Chunked => body
                .chunks(8 * 1024)
                .try_for_each(|chunk| {
                    stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())?;
                    stream.write_all(chunk)?;
                    stream.write_all(b"\r\n")
                })
                .and_then(|()| stream.write_all(b"0\r\n\r\n")),
        };
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let status = answer
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("an HTTP answer, got {answer:?}"));
        // The JSON body, whether it came with a Content-Length or in chunks of its own.
        let (_, content) = answer.split_once("\r\n\r\n").unwrap_or(("", ""));
        let json = match (content.find('{'), content.rfind('}')) {
            (Some(start), Some(end)) => serde_json::from_str(&content[start..=end]).ok(),
            _ => None,
        };
        (status, json.unwrap_or(Value::String(content.to_owned())))
    })
    .await
    .unwrap()
}

async fn post_chunked(app: &TestApp, path: &str, token: &str, body: Vec<u8>) -> (u16, Value) {
    send_over_tcp(app, Method::POST, path, token, body, Framing::Chunked).await
}

fn actor_body() -> Value {
    json!({"name": "Ana", "age": 30, "gender": "female"})
}

/// `body` padded with spaces (still valid JSON) to exactly `size` bytes.
fn padded(body: &Value, size: usize) -> Vec<u8> {
    let mut text = body.to_string();
    assert!(text.len() <= size);
    text.insert_str(1, &" ".repeat(size - text.len()));
    assert_eq!(text.len(), size);
    text.into_bytes()
}

once_tests! {
    async fn an_unknown_route_is_404_in_the_error_json(app) {
        for (caller, method, path) in [
            (Caller::Anonymous, Method::GET, "/nothing-here"),
            (Caller::ExecutiveProducer, Method::GET, "/nothing-here"),
            (Caller::ExecutiveProducer, Method::POST, "/actor"),
            (Caller::ExecutiveProducer, Method::GET, "/actors/1/movies"),
            (Caller::ExecutiveProducer, Method::GET, "/movies/1/actors"),
            (Caller::ExecutiveProducer, Method::DELETE, "/movies/1/actors/2/3"),
        ] {
            let reply = app.call(caller, method.clone(), path).send().await;
            assert_refused(&reply, 404, "not_found", "", &format!("{method} {path} as {caller:?}"));
        }
    }

    async fn a_method_the_route_does_not_have_is_405_with_an_allow_header(app) {
        for (method, path, allowed) in [
            (Method::POST, "/healthz", &["GET"][..]),
            (Method::DELETE, "/readyz", &["GET"][..]),
            (Method::PUT, "/actors", &["GET", "POST"][..]),
            (Method::DELETE, "/actors", &["GET", "POST"][..]),
            (Method::POST, "/actors/1", &["GET", "PATCH", "DELETE"][..]),
            (Method::PUT, "/movies", &["GET", "POST"][..]),
            (Method::PUT, "/movies/1", &["GET", "PATCH", "DELETE"][..]),
            (Method::GET, "/movies/1/actors/1", &["PUT", "DELETE"][..]),
            (Method::PATCH, "/movies/1/actors/1", &["PUT", "DELETE"][..]),
        ] {
            let case = format!("{method} {path}");
            let reply = app.call(Caller::ExecutiveProducer, method, path).send().await;
            assert_refused(&reply, 405, "method_not_allowed", "", &case);
            let allow = reply
                .header("allow")
                .unwrap_or_else(|| panic!("{case}: no Allow header"))
                .to_ascii_uppercase();
            let listed: Vec<&str> = allow.split(',').map(str::trim).collect();
            for expected in allowed {
                assert!(listed.contains(expected), "{case}: Allow is {allow:?}, lacks {expected}");
            }
        }
    }

    async fn a_missing_or_invalid_token_is_401_with_a_bearer_challenge(app) {
        let cases = [
            ("no Authorization header", None),
            ("a token that is not a JWT", Some("Bearer not-a-token")),
            ("another scheme", Some("Basic dXNlcjpwYXNz")),
            ("an empty bearer token", Some("Bearer ")),
        ];
        for (case, authorization) in cases {
            let mut call = app.request(Method::GET, "/actors");
            if let Some(value) = authorization {
                call = call.header("Authorization", value);
            }
            let reply = call.send().await;
            assert_refused(&reply, 401, "unauthorized", "", case);
            assert_bearer_challenge(&reply, case);
        }
    }
}

backend_tests! {
    async fn a_body_that_is_not_valid_json_is_400_and_changes_nothing(app) {
        let id = app.create_actor("Ana", 30, "female").await;
        let movie = app.create_movie("Heat", "1995-12-15").await;
        let before = app.everything().await;
        let bad_bodies: [&[u8]; 7] = [
            b"",
            b"{",
            b"{\"name\": \"Bo\",}",
            b"not json",
            b"{'name': 'Bo'}",
            b"{\"name\": \"Bo\"} {}",
            b"{\"name\": \"\xff\xfe\"}",
        ];
        for body in bad_bodies {
            for (method, path) in [
                (Method::POST, "/actors".to_owned()),
                (Method::PATCH, format!("/actors/{id}")),
                (Method::POST, "/movies".to_owned()),
                (Method::PATCH, format!("/movies/{movie}")),
            ] {
                let case = format!("{method} {path} with {:?}", String::from_utf8_lossy(body));
                let reply = app
                    .call(Caller::ExecutiveProducer, method, &path)
                    .body("application/json", body.to_vec())
                    .send()
                    .await;
                assert_refused(&reply, 400, "bad_request", "", &case);
            }
        }
        assert_eq!(app.everything().await, before, "a body that is not JSON changed something");
    }

    async fn a_body_that_is_not_declared_as_json_is_415_and_changes_nothing(app) {
        let id = app.create_actor("Ana", 30, "female").await;
        let movie = app.create_movie("Heat", "1995-12-15").await;
        let before = app.everything().await;
        let token = app.token(Caller::ExecutiveProducer).unwrap();
        let targets = [
            (Method::POST, "/actors".to_owned(), actor_body()),
            (Method::PATCH, format!("/actors/{id}"), json!({"age": 31})),
            (Method::POST, "/movies".to_owned(), json!({"title": "Ran", "release_date": "1985-06-01"})),
            (Method::PATCH, format!("/movies/{movie}"), json!({"title": "Ran"})),
        ];
        for (method, path, body) in targets {
            let bytes = body.to_string().into_bytes();
            for content_type in [
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "text/json",
                "application/xml",
                "application/merge-patch+json",
            ] {
                let case = format!("{method} {path} as {content_type}");
                let reply = app
                    .call(Caller::ExecutiveProducer, method.clone(), &path)
                    .body(content_type, bytes.clone())
                    .send()
                    .await;
                assert_refused(&reply, 415, "unsupported_media_type", "", &case);
            }
            let case = format!("{method} {path} without a Content-Type");
            let reply = Reply::of(
                app.client
                    .request(method.clone(), format!("{}{path}", app.address))
                    .bearer_auth(&token)
                    .body(bytes.clone()),
            )
            .await;
            assert_refused(&reply, 415, "unsupported_media_type", "", &case);
        }
        assert_eq!(app.everything().await, before, "a body that is not JSON changed something");
    }

    async fn json_with_a_charset_or_in_capitals_is_still_json(app) {
        for content_type in ["application/json; charset=utf-8", "Application/JSON"] {
            let reply = app
                .call(Caller::ExecutiveProducer, Method::POST, "/actors")
                .body(content_type, actor_body().to_string())
                .send()
                .await;
            assert_eq!(reply.status, 200, "{content_type}: {}", reply.body);
        }
        assert_eq!(app.list_all("/actors", "actors").await.len(), 2);
    }

    async fn a_body_of_exactly_64_kib_is_accepted_and_one_byte_more_is_413(app) {
        let reply = app
            .call(Caller::ExecutiveProducer, Method::POST, "/actors")
            .body("application/json", padded(&actor_body(), 64 * 1024))
            .send()
            .await;
        reply.assert_status(200);
        let reply = app
            .call(Caller::ExecutiveProducer, Method::POST, "/actors")
            .body("application/json", padded(&actor_body(), 64 * 1024 + 1))
            .send()
            .await;
        assert_refused(&reply, 413, "payload_too_large", "", "POST /actors of 64 KiB + 1 byte");
        assert_eq!(app.list_all("/actors", "actors").await.len(), 1, "the large body created an actor");
    }

    async fn a_large_body_is_413_and_changes_nothing(app) {
        let id = app.create_actor("Ana", 30, "female").await;
        let before = app.everything().await;
        let huge = "x".repeat(100 * 1024);
        let token = app.token(Caller::ExecutiveProducer).unwrap();
        for (method, path, body) in [
            (Method::POST, "/actors".to_owned(), json!({"name": huge, "age": 30, "gender": "female"})),
            (Method::PATCH, format!("/actors/{id}"), json!({"name": huge})),
            (Method::POST, "/movies".to_owned(), json!({"title": huge, "release_date": "2020-10-10"})),
        ] {
            let case = format!("{method} {path} with 100 KiB");
            let body = serde_json::to_vec(&body).unwrap();
            let (status, answer) =
                send_over_tcp(&app, method, &path, &token, body, Framing::ContentLength).await;
            assert_eq!(status, 413, "{case}: {answer}");
            assert_eq!(answer["code"], json!("payload_too_large"), "{case}: {answer}");
            assert_eq!(answer["success"], json!(false), "{case}: {answer}");
        }
        assert_eq!(app.everything().await, before, "a large body changed something");
    }

    async fn a_chunked_body_without_content_length_is_read_and_over_64_kib_is_413(app) {
        let token = app.token(Caller::ExecutiveProducer).unwrap();
        // Under the limit, a chunked body is read like any other: this proves the request is sound.
        let (status, body) =
            post_chunked(&app, "/actors", &token, padded(&actor_body(), 20 * 1024)).await;
        assert_eq!(status, 200, "a small chunked body: {body}");
        let before = app.everything().await;
        let (status, body) =
            post_chunked(&app, "/actors", &token, padded(&actor_body(), 70 * 1024)).await;
        assert_eq!(status, 413, "a chunked body of 70 KiB: {body}");
        assert_eq!(body["code"], json!("payload_too_large"), "body: {body}");
        assert_eq!(body["success"], json!(false), "body: {body}");
        assert_eq!(app.everything().await, before, "the large chunked body changed something");
    }

    async fn no_error_message_shows_sql_or_driver_words(app) {
        let id = app.create_actor("Ana", 30, "female").await;
        let movie = app.create_movie("Heat", "1995-12-15").await;
        let huge_id = i64::MAX;
        let requests = [
            (Method::GET, format!("/actors/{huge_id}"), None),
            (Method::GET, format!("/movies/{huge_id}"), None),
            (Method::DELETE, format!("/actors/{huge_id}"), None),
            (Method::PATCH, format!("/movies/{huge_id}"), Some(json!({"title": "x"}))),
            (Method::PUT, format!("/movies/{movie}/actors/{huge_id}"), None),
            (Method::PUT, format!("/movies/{huge_id}/actors/{id}"), None),
            (Method::DELETE, format!("/movies/{movie}/actors/{id}"), None),
            (Method::POST, "/actors".to_owned(), Some(json!({"name": "'; DROP TABLE actors; --", "age": 999, "gender": ""}))),
            (Method::POST, "/movies".to_owned(), Some(json!({"title": "x", "release_date": "0000-00-00"}))),
            (Method::PATCH, format!("/actors/{id}"), Some(json!({"age": 1e300}))),
            (Method::GET, "/actors?sort=name;DROP".to_owned(), None),
            (Method::GET, "/movies?limit=0".to_owned(), None),
            (Method::GET, "/actors?cursor=bm90IGEgY3Vyc29y".to_owned(), None),
        ];
        for (method, path, body) in requests {
            let case = format!("{method} {path}");
            let mut call = app.call(Caller::ExecutiveProducer, method, &path);
            if let Some(body) = &body {
                call = call.json(body);
            }
            let reply = call.send().await;
            assert!((400..500).contains(&reply.status), "{case}: expected a 4xx, got {}: {}", reply.status, reply.body);
            assert_no_internals(&reply, &case);
        }
        // The SQL-looking name was refused for its age and gender; a valid one is stored as text.
        // (It is the list below that proves the table survived.)
        let reply = app
            .post(Caller::ExecutiveProducer, "/actors", json!({"name": "'; DROP TABLE actors; --", "age": 30, "gender": "x"}))
            .await;
        reply.assert_status(200);
        assert_eq!(app.list_all("/actors", "actors").await.len(), 2);
    }

    async fn a_message_neither_echoes_long_input_nor_carries_control_characters(app) {
        let long_name = "n".repeat(50_000);
        let weird_field = format!("evil\u{0}\n\u{1b}[2J{}", "k".repeat(10_000));
        let cases = [
            ("a 50 000 character name", json!({"name": long_name, "age": 30, "gender": "f"}), "name"),
            (
                "a 10 000 character unknown field with controls",
                json!({"name": "Ana", "age": 30, "gender": "f", weird_field: 1}),
                "evil",
            ),
        ];
        for (case, body, field) in cases {
            let reply = app.post(Caller::ExecutiveProducer, "/actors", body).await;
            assert_refused(&reply, 422, "validation_failed", field, case);
            let message = reply.message();
            assert!(message.len() < 1_000, "{case}: a message of {} bytes", message.len());
            assert!(!message.chars().any(char::is_control), "{case}: control characters in {message:?}");
        }
        assert_eq!(app.list_all("/actors", "actors").await, Vec::<Value>::new());
    }

    async fn a_deeply_nested_body_is_refused_and_the_server_keeps_serving(app) {
        let depth = 30_000;
        let body = format!(
            "{{\"name\": {}1{}, \"age\": 30, \"gender\": \"f\"}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        assert!(body.len() < 64 * 1024);
        let reply = app
            .call(Caller::ExecutiveProducer, Method::POST, "/actors")
            .body("application/json", body)
            .send()
            .await;
        // Too deep for the parser (400) or a name that is not a string (422): either is clear.
        let code = match reply.status {
            422 => "validation_failed",
            _ => "bad_request",
        };
        assert_refused(&reply, if code == "bad_request" { 400 } else { 422 }, code, "", "a body nested 30 000 deep");
        app.get(Caller::CastingAssistant, "/actors").await.assert_status(200);
        assert_eq!(app.list_all("/actors", "actors").await, Vec::<Value>::new());
    }
}

/// A panic in a handler, behind the service's middleware.
#[tokio::test]
async fn a_panic_is_500_internal_error_and_its_message_shows_nothing_of_it() {
    async fn panics_with_a_str() -> &'static str {
        panic!("secret detail: SELECT password FROM users")
    }
    async fn panics_with_a_string() -> &'static str {
        let table = "users";
        panic!("secret detail: sqlx error on {table}")
    }
    let settings = crate::helpers::http_settings();
    let router = axum::Router::new()
        .route("/str", axum::routing::get(panics_with_a_str))
        .route("/string", axum::routing::post(panics_with_a_string));
    let app = movie_manager::http::with_middleware(router, &settings.middleware());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::new();
    for (method, path) in [(Method::GET, "/str"), (Method::POST, "/string")] {
        let case = format!("{method} {path}");
        let reply = Reply::of(client.request(method, format!("http://{address}{path}"))).await;
        assert_refused(&reply, 500, "internal_error", "", &case);
        let message = reply.message().to_lowercase();
        assert!(
            !message.contains("secret") && !message.contains("users"),
            "{case}: the message shows the panic: {message}"
        );
    }
    // The server survives its handlers' panics.
    let reply = Reply::of(client.get(format!("http://{address}/str"))).await;
    assert_eq!(reply.status, 500);
    server.abort();
}

// The role matrix: every endpoint of docs/API.md's table, for every caller.

/// An id that no test creates.
const NO_SUCH_ID: i64 = 987_654_321;

/// An endpoint: `{actor}` and `{movie}` in the path stand for ids of a [`Fixture`].
struct Endpoint {
    method: Method,
    path: &'static str,
    permission: &'static str,
    body: Option<Value>,
}

impl Endpoint {
    fn new(method: Method, path: &'static str, permission: &'static str) -> Self {
        Self {
            method,
            path,
            permission,
            body: None,
        }
    }

    fn with_body(self, body: Value) -> Self {
        Self {
            body: Some(body),
            ..self
        }
    }

    fn path_for(&self, actor: i64, movie: i64) -> String {
        self.path
            .replace("{actor}", &actor.to_string())
            .replace("{movie}", &movie.to_string())
    }
}

/// An actor cast in a movie.
#[derive(Clone, Copy)]
struct Fixture {
    actor: i64,
    movie: i64,
}

impl Fixture {
    async fn create(app: &TestApp) -> Self {
        let actor = app.create_actor("Fixture Actor", 40, "female").await;
        let movie = app.create_movie("Fixture Movie", "2020-10-10").await;
        app.cast(movie, actor, "Lead").await;
        Self { actor, movie }
    }
}

/// Calls each endpoint as each caller, on an existing resource and on a missing one: anonymous
/// is 401 with a Bearer challenge, a caller without the permission 403 (whether or not the
/// resource exists), and neither changes anything; a caller with it succeeds (404 for a missing
/// resource), and a write changes something while a read does not.
async fn check_role_matrix(app: &TestApp, endpoints: &[Endpoint]) {
    let shared = Fixture::create(app).await;
    for endpoint in endpoints {
        let has_ids = endpoint.path.contains('{');
        for caller in Caller::ALL {
            let allowed = caller.permissions().contains(&endpoint.permission);
            for missing in [false, true] {
                if missing && !has_ids {
                    continue;
                }
                // A caller who may write gets a fixture of its own, so that writes don't pile up.
                let fixture = if allowed && !missing {
                    Fixture::create(app).await
                } else {
                    shared
                };
                let path = if missing {
                    endpoint.path_for(NO_SUCH_ID, NO_SUCH_ID)
                } else {
                    endpoint.path_for(fixture.actor, fixture.movie)
                };
                let case = format!(
                    "{} {path} ({}) as {caller:?}, which needs {}",
                    endpoint.method,
                    if missing {
                        "missing resource"
                    } else {
                        "existing resource"
                    },
                    endpoint.permission
                );
                let before = app.everything().await;
                let mut call = app.call(caller, endpoint.method.clone(), &path);
                if let Some(body) = &endpoint.body {
                    call = call.json(body);
                }
                let reply = call.send().await;
                let after = app.everything().await;
                if caller == Caller::Anonymous {
                    assert_refused(&reply, 401, "unauthorized", "", &case);
                    assert_bearer_challenge(&reply, &case);
                } else if !allowed {
                    assert_refused(&reply, 403, "forbidden", "", &case);
                } else if missing {
                    assert_refused(&reply, 404, "not_found", "", &case);
                } else {
                    assert_eq!(
                        reply.status, 200,
                        "{case}: expected success; body: {}",
                        reply.body
                    );
                    assert_eq!(
                        reply.body["success"],
                        json!(true),
                        "{case}: body: {}",
                        reply.body
                    );
                    if endpoint.method != Method::GET {
                        assert_ne!(after, before, "{case}: succeeded but changed nothing");
                    }
                    continue;
                }
                assert_eq!(after, before, "{case}: was refused but changed something");
            }
        }
    }
}

backend_tests! {
    async fn every_actor_endpoint_answers_each_caller_as_the_permission_table_says(app) {
        check_role_matrix(&app, &[
            Endpoint::new(Method::GET, "/actors", "get:actors"),
            Endpoint::new(Method::POST, "/actors", "post:actor").with_body(actor_body()),
            Endpoint::new(Method::GET, "/actors/{actor}", "get:actors"),
            Endpoint::new(Method::PATCH, "/actors/{actor}", "patch:actor").with_body(json!({"age": 41})),
            Endpoint::new(Method::DELETE, "/actors/{actor}", "delete:actor"),
        ])
        .await;
    }

    async fn every_movie_endpoint_answers_each_caller_as_the_permission_table_says(app) {
        check_role_matrix(&app, &[
            Endpoint::new(Method::GET, "/movies", "get:movies"),
            Endpoint::new(Method::POST, "/movies", "post:movie")
                .with_body(json!({"title": "Ran", "release_date": "1985-06-01"})),
            Endpoint::new(Method::GET, "/movies/{movie}", "get:movies"),
            Endpoint::new(Method::PATCH, "/movies/{movie}", "patch:movie").with_body(json!({"title": "Ran"})),
            Endpoint::new(Method::DELETE, "/movies/{movie}", "delete:movie"),
        ])
        .await;
    }

    async fn casting_and_uncasting_need_patch_movie(app) {
        check_role_matrix(&app, &[
            Endpoint::new(Method::PUT, "/movies/{movie}/actors/{actor}", "patch:movie")
                .with_body(json!({"character": "Villain"})),
            Endpoint::new(Method::DELETE, "/movies/{movie}/actors/{actor}", "patch:movie"),
        ])
        .await;
    }

    async fn a_caller_without_the_permission_is_refused_before_the_body_is_read(app) {
        let id = app.create_actor("Ana", 30, "female").await;
        let before = app.everything().await;
        for (method, path) in [(Method::POST, "/actors".to_owned()), (Method::PATCH, format!("/actors/{id}"))] {
            for (what, content_type, body) in [
                ("an invalid body", "application/json", b"{".to_vec()),
                ("a body that is not JSON", "text/plain", b"hello".to_vec()),
            ] {
                let case = format!("{method} {path} with {what} as CastingAssistant");
                let reply = app
                    .call(Caller::CastingAssistant, method.clone(), &path)
                    .body(content_type, body.clone())
                    .send()
                    .await;
                assert_refused(&reply, 403, "forbidden", "", &case);
                let case = format!("{method} {path} with {what} as Anonymous");
                let reply = app
                    .call(Caller::Anonymous, method.clone(), &path)
                    .body(content_type, body)
                    .send()
                    .await;
                assert_refused(&reply, 401, "unauthorized", "", &case);
            }
        }
        assert_eq!(app.everything().await, before);
    }
}
