//! Running the service: probes, the front door, the OpenAPI document and the docs page, CORS,
//! request ids, a database that goes away and comes back, graceful shutdown, slow clients, the
//! local identity provider with the `token` command, and `seed --demo`.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use movie_manager::auth::{AuthSettings, KeySource};
use movie_manager::config::{HttpSettings, Settings};
use movie_manager::photos::PhotoStore;
use movie_manager::startup::Application;
use movie_manager::storage::DatabaseSettings;
use movie_manager::web::WebSettings;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;

use crate::helpers::cli::run_cli;
use crate::helpers::database::postgres_admin_url;
use crate::helpers::identity::{Answer, keys};
use crate::helpers::temp_dir::TempDir;
use crate::helpers::{AUDIENCE, Backend, Caller, JwksServer, TestApp, backend_tests, once_tests};

/// Checks that a text field's pattern is the server's rule: outer whitespace trimmed, then 1 to
/// `max` characters without control characters.
#[track_caller]
fn assert_text_rule(schema: &Value, max: usize) {
    assert_eq!(schema["type"], json!("string"), "{schema}");
    let pattern = regex::Regex::new(schema["pattern"].as_str().expect("a pattern")).unwrap();
    let longest = "é".repeat(max);
    let cases = [
        (longest.clone(), true),
        (format!("  {longest}\t"), true),
        (format!("{longest}x"), false),
        ("x".to_owned(), true),
        (String::new(), false),
        ("   ".to_owned(), false),
        ("a\u{0}b".to_owned(), false),
        ("a\nb".to_owned(), false),
    ];
    for (text, accepted) in cases {
        assert_eq!(
            pattern.is_match(&text),
            accepted,
            "{text:?} against {schema}"
        );
    }
}

/// The `src`/`href` attribute values of an HTML page.
fn linked_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    let lower = html.to_ascii_lowercase();
    for attribute in ["src=", "href="] {
        let mut rest = lower.as_str();
        let mut offset = 0;
        while let Some(found) = rest.find(attribute) {
            let start = offset + found + attribute.len();
            let value = &html[start..];
            let (quote, value) = match value.chars().next() {
                Some(quote @ ('"' | '\'')) => (quote, &value[1..]),
                _ => (' ', value),
            };
            let end = value
                .find(|c: char| c == quote || (quote == ' ' && (c == '>' || c.is_whitespace())))
                .unwrap_or(value.len());
            urls.push(value[..end].trim().to_owned());
            offset = start;
            rest = &lower[offset..];
        }
    }
    urls
}

/// Follows `$ref`s to `#/components/schemas/...`.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("an unexpected $ref {reference}"));
            resolve(document, &document["components"]["schemas"][name])
        }
        None => schema,
    }
}

fn request_schema<'a>(document: &'a Value, method: &str, path: &str) -> &'a Value {
    let schema =
        &document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"];
    assert!(!schema.is_null(), "{method} {path} documents its JSON body");
    // An optional body may be documented as one of `null` and the object.
    let schema = match schema["oneOf"].as_array() {
        Some(variants) => variants
            .iter()
            .find(|variant| variant.get("$ref").is_some() || variant.get("properties").is_some())
            .expect("an object variant"),
        None => schema,
    };
    resolve(document, schema)
}

async fn wait_until_refused(address: &str) {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match TcpStream::connect(address).await {
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => return,
            // Caught in the backlog as the listener closed: not accepted either; look again.
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(error) => panic!("connecting to {address}: {error}"),
            Ok(_) if Instant::now() > deadline => panic!("{address} still accepts connections"),
            Ok(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

backend_tests! {
    async fn the_probes_answer_while_the_service_is_up(app) {
        let live = app.get(Caller::Anonymous, "/healthz").await;
        live.assert_status(200);
        let ready = app.get(Caller::Anonymous, "/readyz").await;
        ready.assert_status(200);
        assert_eq!(ready.body["success"], json!(true));
        // Probes need no token, and ignore a bad one.
        app.request(Method::GET, "/readyz").bearer("not-a-token").send().await.assert_status(200);
    }
}

once_tests! {
    async fn the_front_door_redirects_to_the_web_app(app) {
        let reply = app.get(Caller::Anonymous, "/").await;
        assert_eq!(reply.status, 302);
        assert_eq!(reply.header("location"), Some("/app/"));
    }

    async fn the_openapi_document_is_3_1_and_lists_every_path_of_the_contract(app) {
        let reply = app.get(Caller::Anonymous, "/openapi.json").await;
        assert_eq!(reply.status, 200);
        let document = &reply.body;
        let version = document["openapi"].as_str().expect("an openapi version");
        assert!(version.starts_with("3.1."), "OpenAPI {version}");

        // docs/API.md's table: method, path, permission.
        let table = [
            ("get", "/", None),
            ("get", "/actors", Some("get:actors")),
            ("get", "/movies", Some("get:movies")),
            ("get", "/actors/{id}", Some("get:actors")),
            ("get", "/movies/{id}", Some("get:movies")),
            ("post", "/actors", Some("post:actor")),
            ("post", "/movies", Some("post:movie")),
            ("patch", "/actors/{id}", Some("patch:actor")),
            ("patch", "/movies/{id}", Some("patch:movie")),
            ("delete", "/actors/{id}", Some("delete:actor")),
            ("delete", "/movies/{id}", Some("delete:movie")),
            ("put", "/movies/{id}/actors/{actor_id}", Some("patch:movie")),
            ("delete", "/movies/{id}/actors/{actor_id}", Some("patch:movie")),
            ("get", "/healthz", None),
            ("get", "/readyz", None),
            ("get", "/openapi.json", None),
            ("get", "/docs", None),
        ];
        for (method, path, permission) in table {
            let operation = &document["paths"][path][method];
            assert!(operation.is_object(), "{method} {path} is documented");
            let security = operation["security"].to_string();
            match permission {
                Some(permission) => assert!(
                    security.contains(&format!("\"{permission}\"")),
                    "{method} {path} requires {permission}: {security}"
                ),
                None => assert!(
                    !security.contains("bearer"),
                    "{method} {path} needs no token: {security}"
                ),
            }
        }
    }

    async fn the_openapi_document_states_the_rules_the_server_enforces(app) {
        let document = app.get(Caller::Anonymous, "/openapi.json").await.body;

        let create_actor = request_schema(&document, "post", "/actors");
        assert_eq!(create_actor["additionalProperties"], json!(false), "{create_actor}");
        let properties = &create_actor["properties"];
        assert_text_rule(&properties["name"], 200);
        assert_text_rule(&properties["gender"], 50);
        assert_eq!(properties["age"]["type"], json!("integer"), "{create_actor}");
        assert_eq!(properties["age"]["minimum"], json!(0), "{create_actor}");
        assert_eq!(properties["age"]["maximum"], json!(150), "{create_actor}");
        assert_eq!(create_actor["required"], json!(["name", "age", "gender"]));

        let patch_actor = request_schema(&document, "patch", "/actors/{id}");
        assert_eq!(patch_actor["additionalProperties"], json!(false), "{patch_actor}");
        assert_eq!(patch_actor["minProperties"], json!(1), "{patch_actor}");
        assert_eq!(patch_actor["required"], Value::Null, "{patch_actor}");
        for field in ["name", "age", "gender"] {
            let kind = &patch_actor["properties"][field]["type"];
            assert!(kind.is_string(), "{field} is not nullable: {kind}");
        }

        let create_movie = request_schema(&document, "post", "/movies");
        assert_eq!(create_movie["additionalProperties"], json!(false), "{create_movie}");
        assert_text_rule(&create_movie["properties"]["title"], 300);
        let date = &create_movie["properties"]["release_date"];
        assert_eq!(date["format"], json!("date"), "{date}");
        let years = regex::Regex::new(date["pattern"].as_str().expect("a date pattern")).unwrap();
        for (text, accepted) in [("1800-01-01", true), ("9999-12-31", true), ("1799-12-31", false), ("0848-08-21", false)] {
            assert_eq!(years.is_match(text), accepted, "{text}");
        }

        let casting_put = &document["paths"]["/movies/{id}/actors/{actor_id}"]["put"];
        assert_eq!(casting_put["requestBody"]["required"], json!(false), "the body is optional");
        let casting = request_schema(&document, "put", "/movies/{id}/actors/{actor_id}");
        assert_eq!(casting["type"], json!("object"), "a present body is an object, not null");
        assert_eq!(casting["additionalProperties"], json!(false), "{casting}");
        assert_eq!(casting["properties"]["character"]["type"], json!(["string", "null"]));

        let parameters = document["paths"]["/actors"]["get"]["parameters"]
            .as_array()
            .expect("list parameters");
        let parameter = |name: &str| {
            parameters
                .iter()
                .find(|parameter| parameter["name"] == json!(name))
                .unwrap_or_else(|| panic!("GET /actors documents {name}"))["schema"]
                .clone()
        };
        assert_eq!(parameter("limit")["minimum"], json!(1));
        assert_eq!(parameter("limit")["maximum"], json!(100));
        assert_eq!(parameter("sort")["enum"], json!(["id", "-id", "name", "-name", "age", "-age"]));
        assert_eq!(parameter("min_age")["maximum"], json!(150));
        for name in ["cursor", "q", "gender", "max_age"] {
            parameter(name);
        }
    }

    async fn the_docs_page_loads_nothing_from_another_host(app) {
        let reply = app.get(Caller::Anonymous, "/docs/").await;
        assert_eq!(reply.status, 200);
        let content_type = reply.header("content-type").unwrap_or("");
        assert!(content_type.starts_with("text/html"), "{content_type}");
        let html = reply.body.as_str().expect("an HTML page");
        let urls = linked_urls(html);
        assert!(!urls.is_empty(), "the page loads its assets: {html}");
        let mut initializer_checked = false;
        for url in &urls {
            let lower = url.to_ascii_lowercase();
            assert!(
                !(lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("//")),
                "the docs page loads {url} from another host"
            );
            // Every asset is served by this binary.
            if !url.starts_with("data:") {
                let path = match url.strip_prefix("./") {
                    Some(relative) => format!("/docs/{relative}"),
                    None if url.starts_with('/') => url.clone(),
                    None => format!("/docs/{url}"),
                };
                let asset = app.get(Caller::Anonymous, &path).await;
                assert_eq!(asset.status, 200, "{path} is served");
                if path.ends_with("swagger-initializer.js") {
                    let script = asset.body.as_str().expect("a script");
                    assert!(script.contains("\"/openapi.json\""), "{script}");
                    assert!(!script.contains("http://") && !script.contains("https://"), "{script}");
                    // Swagger UI's default online validator would load a badge from
                    // validator.swagger.io, sending it the document's URL.
                    let compact: String = script.split_whitespace().collect();
                    assert!(compact.contains("\"validatorUrl\":\"none\""), "{script}");
                    initializer_checked = true;
                }
            }
        }
        assert!(initializer_checked, "the page configures Swagger UI: {urls:?}");
        // `/docs` itself, as docs/API.md spells it, leads there too.
        let bare = app.get(Caller::Anonymous, "/docs").await;
        match bare.status {
            200 => {}
            301..=308 => {
                let location = bare.header("location").expect("a Location");
                assert!(location.ends_with("/docs/"), "{location}");
            }
            other => panic!("/docs answered {other}"),
        }
    }

    async fn every_response_carries_a_request_id(app) {
        let actor = app.create_actor("Traced", 30, "male").await;
        let replies = vec![
            app.get(Caller::Anonymous, "/healthz").await,
            app.get(Caller::Anonymous, "/readyz").await,
            app.get(Caller::Anonymous, "/").await,
            app.get(Caller::Anonymous, "/openapi.json").await,
            app.get(Caller::Anonymous, "/docs/").await,
            app.get(Caller::CastingAssistant, "/actors").await,
            app.get(Caller::CastingAssistant, &format!("/actors/{actor}")).await,
            app.get(Caller::Anonymous, "/actors").await,
            app.delete(Caller::CastingAssistant, &format!("/actors/{actor}")).await,
            app.get(Caller::CastingAssistant, "/actors/999999").await,
            app.get(Caller::Anonymous, "/no/such/route").await,
            app.call(Caller::Anonymous, Method::DELETE, "/healthz").send().await,
            app.get(Caller::CastingAssistant, "/actors?limit=0").await,
            app.call(Caller::ExecutiveProducer, Method::POST, "/actors").body("text/plain", "x").send().await,
            app.post(Caller::ExecutiveProducer, "/actors", json!({"name": ""})).await,
            app.call(Caller::Anonymous, Method::OPTIONS, "/actors")
                .header("Origin", "https://app.example")
                .header("Access-Control-Request-Method", "GET")
                .send()
                .await,
        ];
        let mut seen = std::collections::HashSet::new();
        for reply in &replies {
            let id = reply
                .header("x-request-id")
                .unwrap_or_else(|| panic!("a {} answer has no x-request-id", reply.status));
            assert!(!id.is_empty());
            assert!(seen.insert(id.to_owned()), "request ids are unique: {id}");
        }
    }

    async fn any_origin_may_call_the_api_by_default(app) {
        let reply = app
            .call(Caller::CastingAssistant, Method::GET, "/actors")
            .header("Origin", "https://anywhere.example")
            .send()
            .await;
        reply.assert_status(200);
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    }

    async fn the_local_jwks_is_not_published_with_an_external_provider(app) {
        app.get(Caller::Anonymous, "/.well-known/jwks.json")
            .await
            .assert_error(404, "not_found");
    }
}

/// An app that allows one origin, `https://app.example`.
async fn spawn_allowing_one_origin(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |settings| {
        settings.http.cors_origins = Some(vec![reqwest::header::HeaderValue::from_static(
            "https://app.example",
        )]);
    })
    .await
}

once_tests! {
    spawn = spawn_allowing_one_origin;

    async fn only_the_configured_origins_may_call_the_api_from_a_browser(app) {
        let with_origin = |caller: Caller, method: Method, path: &str, origin: &str| {
            app.call(caller, method, path).header("Origin", origin)
        };

        // A success and each kind of refusal: all carry the header for an allowed origin only.
        let requests = [
            (200, Caller::CastingAssistant, Method::GET, "/actors", None),
            (401, Caller::Anonymous, Method::GET, "/actors", None),
            (403, Caller::CastingAssistant, Method::POST, "/actors", Some(json!({"name": "X", "age": 1, "gender": "x"}))),
            (404, Caller::CastingAssistant, Method::GET, "/actors/424242", None),
            (404, Caller::Anonymous, Method::GET, "/no/such/route", None),
        ];
        for origin in ["https://app.example", "https://evil.example"] {
            let allowed = origin == "https://app.example";
            for (status, caller, method, path, body) in requests.clone() {
                let mut call = with_origin(caller, method, path, origin);
                if let Some(body) = &body {
                    call = call.json(body);
                }
                let reply = call.send().await;
                assert_eq!(reply.status, status, "{origin}: {}", reply.body);
                let header = reply.header("access-control-allow-origin");
                if allowed {
                    assert_eq!(header, Some(origin), "{origin} on a {status}");
                } else {
                    assert_eq!(header, None, "{origin} on a {status}");
                }
            }
        }

        // The browser may read the ETag and the request id of an allowed origin's responses.
        let reply = with_origin(
            Caller::CastingAssistant,
            Method::GET,
            "/actors",
            "https://app.example",
        )
        .send()
        .await;
        let exposed = reply
            .header("access-control-expose-headers")
            .unwrap_or("")
            .to_ascii_lowercase();
        assert!(
            exposed.contains("etag") && exposed.contains("x-request-id"),
            "{exposed}"
        );

        // A preflight for a conditional PATCH with a token.
        let preflight = with_origin(
            Caller::Anonymous,
            Method::OPTIONS,
            "/actors/1",
            "https://app.example",
        )
        .header("Access-Control-Request-Method", "PATCH")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type, if-match",
        )
        .send()
        .await;
        assert!(
            (200..300).contains(&preflight.status),
            "preflight answered {}",
            preflight.status
        );
        assert_eq!(
            preflight.header("access-control-allow-origin"),
            Some("https://app.example")
        );
        let methods = preflight
            .header("access-control-allow-methods")
            .unwrap_or("")
            .to_ascii_uppercase();
        assert!(methods.contains("PATCH"), "{methods}");
        let headers = preflight
            .header("access-control-allow-headers")
            .unwrap_or("")
            .to_ascii_lowercase();
        for header in ["authorization", "content-type", "if-match"] {
            assert!(headers.contains(header), "{header} in {headers}");
        }
        let refused = with_origin(
            Caller::Anonymous,
            Method::OPTIONS,
            "/actors/1",
            "https://evil.example",
        )
        .header("Access-Control-Request-Method", "PATCH")
        .send()
        .await;
        assert_eq!(refused.header("access-control-allow-origin"), None);
    }
}

backend_tests! {
    async fn a_request_in_flight_at_shutdown_completes(app) {
        // Told to stop, the server finishes the request in flight and refuses new connections.
        let address = app.socket_address().to_owned();
        let token = app.token(Caller::ExecutiveProducer).expect("a token");
        let body = json!({"name": "Slow Sender", "age": 40, "gender": "male"}).to_string();
        let (head, tail) = body.split_at(12);

        let mut stream = TcpStream::connect(&address).await.expect("a connection");
        let request = format!(
            "POST /actors HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{head}",
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .await
            .expect("the head is sent");
        // Let the server read the headers and start handling the request.
        tokio::time::sleep(Duration::from_millis(300)).await;

        let stopping = tokio::spawn(app.stop());
        wait_until_refused(&address).await;
        assert!(
            !stopping.is_finished(),
            "the server waits for the request in flight"
        );

        stream
            .write_all(tail.as_bytes())
            .await
            .expect("the rest of the body is sent");
        let mut response = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response))
            .await
            .expect("the response comes, and the connection is then closed")
            .expect("the response is read");
        let response = String::from_utf8_lossy(&response);
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.contains("\"Slow Sender\""), "{response}");

        tokio::time::timeout(Duration::from_secs(5), stopping)
            .await
            .expect("the server stops once the request is done")
            .expect("the server task does not panic")
            .expect("the server stops cleanly");
        assert!(
            TcpStream::connect(&address).await.is_err(),
            "a stopped server accepts no connection"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_sends_no_complete_request_head_in_time_is_disconnected() {
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.http.header_read_timeout = Duration::from_secs(1);
    })
    .await;
    let address = app.socket_address().to_owned();

    // Half a request line, half the headers, and a slowloris that trickles a byte at a time...
    let half_line = async {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream.write_all(b"GET /hea").await.unwrap();
        stream
    };
    let half_headers = async {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            .await
            .unwrap();
        stream
    };
    // And two that send nothing: one silent from the start, one idle after a first request.
    let silent = async { TcpStream::connect(&address).await.unwrap() };
    let idle_after_a_request = async {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await
            .unwrap();
        let mut first = [0; 12];
        stream.read_exact(&mut first).await.unwrap();
        assert_eq!(&first, b"HTTP/1.1 200");
        stream
    };
    let (half_line, half_headers, silent, idle_after_a_request) =
        tokio::join!(half_line, half_headers, silent, idle_after_a_request);
    let trickle = TcpStream::connect(&address).await.unwrap();
    let (mut trickle_read, mut trickle_write) = trickle.into_split();
    let trickler = tokio::spawn(async move {
        let _ = trickle_write
            .write_all(b"GET /healthz HTTP/1.1\r\nX-Slow: ")
            .await;
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(150)).await;
            if trickle_write.write_all(b"a").await.is_err() {
                break;
            }
        }
    });
    let started = Instant::now();

    async fn cut_after(mut read: impl AsyncReadExt + Unpin, started: Instant) -> Duration {
        let mut buffer = Vec::new();
        let outcome =
            tokio::time::timeout(Duration::from_secs(3), read.read_to_end(&mut buffer)).await;
        assert!(
            outcome.is_ok(),
            "the server still holds the connection after 3 s"
        );
        started.elapsed()
    }
    let (a, b, c, d, e) = tokio::join!(
        cut_after(half_line, started),
        cut_after(half_headers, started),
        cut_after(&mut trickle_read, started),
        cut_after(silent, started),
        cut_after(idle_after_a_request, started),
    );
    trickler.abort();
    for elapsed in [a, b, c, d, e] {
        assert!(
            elapsed >= Duration::from_millis(800),
            "cut after {elapsed:?}, before the timeout"
        );
    }
    // Others are served all along.
    app.get(Caller::Anonymous, "/healthz")
        .await
        .assert_status(200);
}

/// A TCP proxy in front of PostgreSQL that the test can take down (it stops listening and drops
/// every proxied connection) and bring back up (it listens again on the same port).
struct DatabaseProxy {
    port: u16,
    up: watch::Sender<bool>,
}

impl DatabaseProxy {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a proxy port");
        let port = listener.local_addr().unwrap().port();
        let (up, mut state) = watch::channel(true);
        let target = Arc::new(target);
        tokio::spawn(async move {
            let mut listener = Some(listener);
            loop {
                if *state.borrow_and_update() {
                    if listener.is_none() {
                        listener = Some(Self::listen(port).await);
                    }
                    let current = listener.as_ref().unwrap();
                    tokio::select! {
                        accepted = current.accept() => {
                            if let Ok((client, _)) = accepted {
                                tokio::spawn(Self::pipe(client, Arc::clone(&target), state.clone()));
                            }
                        }
                        changed = state.changed() => if changed.is_err() { return },
                    }
                } else {
                    // Down: nothing listens, so connections are refused.
                    listener = None;
                    if state.changed().await.is_err() {
                        return;
                    }
                }
            }
        });
        Self { port, up }
    }

    async fn listen(port: u16) -> TcpListener {
        for _ in 0..50 {
            let socket = TcpSocket::new_v4().expect("a socket");
            socket.set_reuseaddr(true).expect("SO_REUSEADDR");
            if socket.bind(([127, 0, 0, 1], port).into()).is_ok()
                && let Ok(listener) = socket.listen(128)
            {
                return listener;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("cannot listen on 127.0.0.1:{port} again");
    }

    async fn pipe(mut client: TcpStream, target: Arc<String>, mut state: watch::Receiver<bool>) {
        let Ok(mut server) = TcpStream::connect(target.as_str()).await else {
            return;
        };
        tokio::select! {
            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
            _ = state.wait_for(|up| !*up) => {}
        }
    }

    fn set_up(&self, up: bool) {
        self.up.send_replace(up);
    }
}

/// `host:port` of a `postgres://[user[:password]@]host[:port]/...` URL.
fn host_port(url: &str) -> String {
    let authority = url.split_once("://").expect("a URL").1;
    let authority = authority.split(['/', '?']).next().unwrap_or(authority);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    }
}

/// The URL with its `host[:port]` replaced.
fn with_host_port(url: &str, replacement: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let user = authority
        .rsplit_once('@')
        .map(|(user, _)| format!("{user}@"))
        .unwrap_or_default();
    format!("{scheme}://{user}{replacement}{tail}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_goes_down_answers_503_and_the_server_recovers_by_itself() {
    let proxy = DatabaseProxy::start(host_port(&postgres_admin_url())).await;
    let via_proxy = format!("127.0.0.1:{}", proxy.port);
    let app = TestApp::spawn_with(Backend::Postgres, |settings| {
        settings.database.url = with_host_port(&settings.database.url, &via_proxy);
    })
    .await;
    let actor = app.create_actor("Resilient", 30, "female").await;
    app.get(Caller::Anonymous, "/readyz")
        .await
        .assert_status(200);

    proxy.set_up(false);
    let path = format!("/actors/{actor}");
    let (read, write, ready, live) = tokio::join!(
        app.get(Caller::CastingAssistant, &path),
        app.post(
            Caller::ExecutiveProducer,
            "/actors",
            json!({"name": "Lost", "age": 1, "gender": "x"})
        ),
        app.get(Caller::Anonymous, "/readyz"),
        async {
            // Liveness does not depend on the database.
            tokio::time::sleep(Duration::from_millis(100)).await;
            app.get(Caller::Anonymous, "/healthz").await
        },
    );
    for reply in [&read, &write, &ready] {
        reply.assert_error(503, "service_unavailable");
        let retry_after = reply.header("retry-after").expect("a Retry-After");
        assert!(
            retry_after.parse::<u32>().is_ok(),
            "Retry-After: {retry_after}"
        );
        assert!(
            !reply.message().to_lowercase().contains("pool"),
            "no internals: {}",
            reply.message()
        );
    }
    live.assert_status(200);

    proxy.set_up(true);
    let reply = app
        .get(Caller::CastingAssistant, &format!("/actors/{actor}"))
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["actor"]["name"], json!("Resilient"));
    app.get(Caller::Anonymous, "/readyz")
        .await
        .assert_status(200);
    let names: Vec<Value> = app
        .list_all("/actors", "actors")
        .await
        .into_iter()
        .map(|actor| actor["name"].clone())
        .collect();
    assert_eq!(
        names,
        vec![json!("Resilient")],
        "the write refused while down left nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_is_not_ready_until_the_signing_keys_are_loaded() {
    let jwks = JwksServer::answering(Answer::Status(StatusCode::INTERNAL_SERVER_ERROR)).await;
    let jwks_url = jwks.url();
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.auth.source = KeySource::Remote { jwks_url };
    })
    .await;

    let ready = app.get(Caller::Anonymous, "/readyz").await;
    ready.assert_error(503, "service_unavailable");
    assert!(ready.header("retry-after").is_some());
    app.get(Caller::Anonymous, "/healthz")
        .await
        .assert_status(200);
    let unavailable = app.get(Caller::CastingAssistant, "/actors").await;
    unavailable.assert_error(503, "service_unavailable");
    assert!(unavailable.header("retry-after").is_some());

    // The provider answers again: the next token brings the keys in (after the cooldown).
    jwks.publish(&[&keys()[0]]);
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let reply = app.get(Caller::CastingAssistant, "/actors").await;
        if reply.status == 200 {
            break;
        }
        reply.assert_error(503, "service_unavailable");
        assert!(Instant::now() < deadline, "the keys never came");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.get(Caller::Anonymous, "/readyz")
        .await
        .assert_status(200);
}

/// Settings for the local identity provider over a SQLite file in `dir`.
fn local_settings(dir: &Path, host: IpAddr) -> Settings {
    Settings {
        database: DatabaseSettings {
            url: format!("sqlite://{}", dir.join("app.db").display()),
            max_connections: 2,
        },
        photos: PhotoStore::open(dir.join("photos").to_str().unwrap()).unwrap(),
        http: HttpSettings {
            host,
            public_url: Some(PUBLIC_URL.into()),
            ..crate::helpers::http_settings()
        },
        auth: AuthSettings {
            // The local provider's issuer is the server's base URL, set when it starts.
            issuer: String::new(),
            audience: AUDIENCE.into(),
            source: KeySource::Local {
                key_file: dir.join("local.key.pem"),
            },
            refresh_cooldown: Duration::from_millis(200),
            max_key_age: Duration::from_secs(600),
        },
        web: WebSettings::default(),
    }
}

/// The base URL the local-provider tests give their servers (as `PUBLIC_URL`) and the token
/// command alike, since the local provider's issuer is the server's base URL.
const PUBLIC_URL: &str = "http://localhost:8080";

/// The JWS header of a compact token.
fn token_header(token: &str) -> Value {
    use base64::Engine;
    let header = token.split('.').next().expect("a header");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("a JSON header")
}

async fn cli_token(dir: &Path, key_file: &Path, role: &str, audience: &str) -> String {
    let key_file = key_file.to_str().expect("a UTF-8 path");
    let output = run_cli(
        dir,
        &[
            "token",
            "--role",
            role,
            "--local-key-file",
            key_file,
            "--public-url",
            PUBLIC_URL,
            "--api-audience",
            audience,
        ],
    )
    .await;
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    assert!(
        output.status.success(),
        "token failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = stdout.trim().to_owned();
    assert!(
        !token.contains(char::is_whitespace) && token.split('.').count() == 3,
        "the token command prints the token and nothing else: {stdout:?}"
    );
    token
}

/// The app with the local identity provider, signing with the key in `key_file`.
async fn spawn_with_local_key(key_file: &Path) -> TestApp {
    let key_file = key_file.to_owned();
    TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.http.public_url = Some(PUBLIC_URL.into());
        settings.auth.source = KeySource::Local { key_file };
    })
    .await
}

/// Checks that the key file exists and that only its owner may read it.
#[track_caller]
fn assert_private(key_file: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(key_file)
        .expect("the key file is created")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the key file is private: {mode:o}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_identity_provider_signs_tokens_the_server_accepts() {
    let dir = TempDir::new("ops");
    let key_file = dir.path().join("local.key.pem");
    let app = spawn_with_local_key(&key_file).await;

    assert_private(&key_file);
    let pem = std::fs::read_to_string(&key_file).expect("a readable key file");
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));

    let jwks = app.get(Caller::Anonymous, "/.well-known/jwks.json").await;
    assert_eq!(jwks.status, 200);
    let keys = jwks.body["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1, "{}", jwks.body);
    let key = &keys[0];
    assert_eq!(key["kty"], json!("RSA"));
    assert!(key["n"].is_string() && key["e"].is_string(), "{key}");
    for private in ["d", "p", "q", "dp", "dq", "qi"] {
        assert!(
            key.get(private).is_none(),
            "the JWKS publishes the private {private}"
        );
    }
    let kid = key["kid"].as_str().expect("a kid");

    let director = cli_token(dir.path(), &key_file, "casting-director", AUDIENCE).await;
    assert_eq!(token_header(&director)["kid"], json!(kid));
    assert_eq!(token_header(&director)["alg"], json!("RS256"));
    let as_director = |method: Method, path: &str| app.request(method, path).bearer(&director);
    as_director(Method::GET, "/actors")
        .send()
        .await
        .assert_status(200);
    as_director(Method::POST, "/actors")
        .json(&json!({"name": "Locally Made", "age": 30, "gender": "female"}))
        .send()
        .await
        .assert_status(200);
    as_director(Method::POST, "/movies")
        .json(&json!({"title": "Forbidden", "release_date": "2020-10-10"}))
        .send()
        .await
        .assert_error(403, "forbidden");

    let assistant = cli_token(dir.path(), &key_file, "casting-assistant", AUDIENCE).await;
    app.request(Method::POST, "/actors")
        .bearer(&assistant)
        .json(&json!({"name": "Nope", "age": 30, "gender": "female"}))
        .send()
        .await
        .assert_error(403, "forbidden");
    let producer = cli_token(dir.path(), &key_file, "executive-producer", AUDIENCE).await;
    app.request(Method::POST, "/movies")
        .bearer(&producer)
        .json(&json!({"title": "Allowed", "release_date": "2020-10-10"}))
        .send()
        .await
        .assert_status(200);

    // A token for another audience passes no check here.
    let elsewhere = cli_token(dir.path(), &key_file, "executive-producer", "another-api").await;
    app.request(Method::GET, "/actors")
        .bearer(&elsewhere)
        .send()
        .await
        .assert_error(401, "unauthorized");
    // Nor does a token of the test provider's key, which this server does not publish.
    app.get(Caller::ExecutiveProducer, "/actors")
        .await
        .assert_error(401, "unauthorized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_command_prints_only_the_token_when_it_creates_the_key() {
    let dir = TempDir::new("ops");
    let key_file = dir.path().join("fresh.key.pem");
    let token = cli_token(dir.path(), &key_file, "casting-director", AUDIENCE).await;
    assert_private(&key_file);
    // The server adopts the key the command made.
    let app = spawn_with_local_key(&key_file).await;
    app.request(Method::POST, "/actors")
        .bearer(&token)
        .json(&json!({"name": "Early Bird", "age": 30, "gender": "female"}))
        .send()
        .await
        .assert_status(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_identity_provider_refuses_to_listen_beyond_loopback_unless_allowed() {
    for host in ["0.0.0.0", "::", "192.0.2.1"] {
        let dir = TempDir::new("ops");
        let settings = local_settings(dir.path(), host.parse().unwrap());
        let key_file = dir.path().join("local.key.pem");
        match Application::build(settings).await {
            Ok(_) => panic!("the local identity provider was served on {host}"),
            Err(error) => assert!(format!("{error:#}").contains(host), "{error:#}"),
        }
        assert!(!key_file.exists(), "nothing is created before the refusal");
    }

    let dir = TempDir::new("ops");
    let mut settings = local_settings(dir.path(), "0.0.0.0".parse().unwrap());
    settings.http.allow_local_auth_on_network = true;
    let application = Application::build(settings)
        .await
        .expect("allowed explicitly");
    assert_ne!(application.port(), 0);

    // An external identity provider may serve on any address.
    let jwks = JwksServer::publishing(&[]).await;
    let dir = TempDir::new("ops");
    let mut settings = local_settings(dir.path(), "0.0.0.0".parse().unwrap());
    settings.auth.source = KeySource::Remote {
        jwks_url: jwks.url(),
    };
    Application::build(settings)
        .await
        .expect("an external provider on 0.0.0.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeding_a_fresh_database_fills_a_demo_catalogue_once() {
    let dir = TempDir::new("ops");
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let seed = ["seed", "--demo", "--database-url", url.as_str()];
    let output = run_cli(dir.path(), &seed).await;
    assert!(
        output.status.success(),
        "seed failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let seeded = url.clone();
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| settings.database.url = seeded).await;
    let actors = app.list_all("/actors?limit=100", "actors").await;
    let movies = app.list_all("/movies?limit=100", "movies").await;
    assert!(actors.len() >= 24, "a few dozen actors: {}", actors.len());
    assert!(movies.len() >= 24, "a few dozen movies: {}", movies.len());
    for movie in &movies {
        let cast = movie["cast"].as_array().expect("a cast");
        assert!(!cast.is_empty(), "{} has a cast", movie["title"]);
        assert!(
            cast.iter().all(|member| member["character"].is_string()),
            "{movie}"
        );
    }
    let cast_actors = actors
        .iter()
        .filter(|actor| !actor["movies"].as_array().unwrap().is_empty())
        .count();
    assert!(
        cast_actors * 2 > actors.len(),
        "most actors have roles: {cast_actors}"
    );
    let mut names: Vec<&str> = actors
        .iter()
        .map(|actor| actor["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), actors.len(), "no actor twice");

    // Seeding again adds nothing.
    let output = run_cli(dir.path(), &seed).await;
    assert!(
        output.status.success(),
        "seed failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        app.list_all("/actors?limit=100", "actors").await.len(),
        actors.len()
    );
    assert_eq!(
        app.list_all("/movies?limit=100", "movies").await.len(),
        movies.len()
    );
}
