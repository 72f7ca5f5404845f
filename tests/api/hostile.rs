//! Hostile traffic: what an attacker can send must neither exhaust the server nor write into the
//! audit trail. Made-up methods add no metric series, slow bodies take no request slot, the
//! history keeps the server's own request ids, sign-ins are bounded in size and number, requests
//! without one `Host` are refused, repeated JSON keys are refused, the built-in provider works
//! behind a TLS-ending proxy, and the docs page is neither sniffed nor framed.

use std::process::Stdio;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::temp_dir::TempDir;
use crate::helpers::web::LocalApp;
use crate::helpers::{Backend, Caller, Reply, TestApp, backend_tests, once_tests};

/// Sends `request` as it is on a connection of its own and reads the answer to its end (the
/// request should say `Connection: close`): the status and the body.
async fn raw(address: &str, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(address)
        .await
        .expect("the server accepts");
    stream
        .write_all(request)
        .await
        .expect("the request is sent");
    read_answer(&mut stream, Duration::from_secs(10))
        .await
        .expect("an answer in time")
}

/// The status and body of the answer on `stream`, read to the end of the connection.
async fn read_answer(stream: &mut TcpStream, within: Duration) -> Option<(u16, String)> {
    let mut answer = Vec::new();
    tokio::time::timeout(within, stream.read_to_end(&mut answer))
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.get(9..12)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    Some((status, body.to_owned()))
}

/// A JSON error body as the contract has it, with the status and code given.
#[track_caller]
fn assert_error_json(body: &str, status: u16, code: &str) -> Value {
    let error: Value =
        serde_json::from_str(body.trim()).unwrap_or_else(|_| panic!("an error JSON, not {body:?}"));
    assert_eq!(error["success"], json!(false), "{error}");
    assert_eq!(error["error"], json!(status), "{error}");
    assert_eq!(error["code"], json!(code), "{error}");
    assert!(!error["message"].as_str().unwrap_or_default().is_empty());
    error
}

/// The server's binary as its own process, in local mode over SQLite, with `/metrics` served:
/// for measuring what requests cost it (its memory, its series) apart from the tests' process.
struct ServerProcess {
    child: tokio::process::Child,
    address: String,
    metrics: String,
    _dir: TempDir,
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("an address").port()
}

impl ServerProcess {
    async fn start() -> Self {
        let dir = TempDir::new("hostile");
        let (port, metrics_port) = (free_port(), free_port());
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_movie-manager"))
            .arg("serve")
            .current_dir(dir.path())
            .env_clear()
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", dir.join("app.db").display()),
            )
            .env("PORT", port.to_string())
            .env("METRICS_ADDR", format!("127.0.0.1:{metrics_port}"))
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the server starts");
        let server = Self {
            child,
            address: format!("127.0.0.1:{port}"),
            metrics: format!("http://127.0.0.1:{metrics_port}/metrics"),
            _dir: dir,
        };
        let started = Instant::now();
        while reqwest::get(format!("http://{}/healthz", server.address))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server answers in time"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    /// The resident memory of the server process, in bytes.
    fn resident_bytes(&self) -> u64 {
        self.memory("VmRSS:")
    }

    /// The most resident memory the server process ever had, in bytes.
    fn peak_bytes(&self) -> u64 {
        self.memory("VmHWM:")
    }

    /// A memory `field` of the process's status, in bytes.
    fn memory(&self, field: &str) -> u64 {
        let pid = self.child.id().expect("the server runs");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("its status");
        let kib: u64 = status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{field} in the process's status"));
        kib * 1024
    }

    /// A token of its local identity provider for `role`, as `movie-manager token` prints it.
    async fn token(&self, role: &str) -> String {
        let port = self.address.rsplit_once(':').expect("a port").1;
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_movie-manager"))
            .args(["token", "--role", role])
            .current_dir(self._dir.path())
            .env_clear()
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", self._dir.join("app.db").display()),
            )
            .env("PORT", port)
            .output()
            .await
            .expect("the token command runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout)
            .expect("a token")
            .trim()
            .to_owned()
    }

    async fn metrics(&self) -> String {
        reqwest::get(&self.metrics)
            .await
            .expect("the metrics listener answers")
            .text()
            .await
            .expect("the metrics")
    }
}

/// A request with a made-up method (`len` letters, distinct by `seed`) to a made-up path.
fn made_up_request(seed: usize, len: usize) -> Vec<u8> {
    let mut method: String = format!("X{seed}")
        .chars()
        .map(|digit| char::from(b'A' + digit.to_digit(10).map_or(23, |d| d as u8)))
        .collect();
    method.extend(std::iter::repeat_n('Q', len.saturating_sub(method.len())));
    format!("{method} /made/up/{seed} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .into_bytes()
}

/// The request series of the metrics (`http_requests_total`), one line each.
fn request_series(metrics: &str) -> Vec<&str> {
    metrics
        .lines()
        .filter(|line| line.starts_with("http_requests_total{"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_png_claiming_60000_by_60000_pixels_is_refused_before_decoding_and_the_servers_peak_memory_stays_put()
 {
    let server = ServerProcess::start().await;
    let token = server.token("casting-director").await;
    let client = reqwest::Client::new();
    let base = format!("http://{}", server.address);
    let created: Value = client
        .post(format!("{base}/actors"))
        .bearer_auth(&token)
        .json(&json!({"name": "Giovanni Ribisi", "age": 51, "gender": "male"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actor = created["created"].as_i64().expect("an actor");
    let photos = format!("{base}/actors/{actor}/photos");
    // A small photo first, so that what the image work allocates once is there before the
    // measure starts.
    let small = client
        .post(&photos)
        .bearer_auth(&token)
        .header("content-type", "image/png")
        .body(crate::photos::picture(64, 64, image::ImageFormat::Png))
        .send()
        .await
        .unwrap();
    assert_eq!(small.status(), 200);
    let peak_before = server.peak_bytes();

    // Decoded, 60,000 x 60,000 pixels would take 10 GiB.
    let claiming = crate::photos::png_claiming(60_000, 60_000);
    for _ in 0..5 {
        let reply = client
            .post(&photos)
            .bearer_auth(&token)
            .header("content-type", "image/png")
            .body(claiming.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 422);
        let body = reply.text().await.unwrap();
        let error = assert_error_json(&body, 422, "validation_failed");
        assert!(
            error["message"].as_str().unwrap().contains("60000x60000"),
            "{body}"
        );
    }

    let grown = server.peak_bytes().saturating_sub(peak_before);
    assert!(
        grown < 8 * 1024 * 1024,
        "the peak RSS grew by {grown} bytes"
    );
    let listed: Value = client
        .get(&photos)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["photos"].as_array().map(Vec::len),
        Some(1),
        "nothing recorded"
    );
    let uploads = std::fs::read_dir(server._dir.join("movie-manager-photos")).unwrap();
    assert_eq!(
        uploads.count(),
        1,
        "nothing stored but the small photo's files"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_made_up_methods_and_paths_add_no_metric_series_and_little_memory() {
    const METHOD_BYTES: usize = 60 * 1024;
    let server = ServerProcess::start().await;
    // A first round, so that what the server allocates once (buffers, the `other` series) is
    // there before the measure starts.
    for seed in 0..50 {
        let (status, body) = raw(&server.address, &made_up_request(seed, METHOD_BYTES)).await;
        assert_eq!(status, 404, "{body}");
    }
    let metrics_before = server.metrics().await;
    let series_before = request_series(&metrics_before).len();
    let resident_before = server.resident_bytes();

    for seed in 1_000..2_000 {
        let (status, body) = raw(&server.address, &made_up_request(seed, METHOD_BYTES)).await;
        assert_eq!(status, 404);
        assert_error_json(&body, 404, "not_found");
    }

    let grown = server.resident_bytes().saturating_sub(resident_before);
    assert!(grown < 16 * 1024 * 1024, "RSS grew by {grown} bytes");
    let metrics_after = server.metrics().await;
    let series_after = request_series(&metrics_after);
    assert!(
        series_after.len() <= series_before + 2,
        "{series_before} request series before, {} after",
        series_after.len()
    );
    assert!(
        series_after
            .iter()
            .any(|line| line.contains(r#"method="other""#)
                && line.contains(r#"route="unmatched""#)
                && line.contains(r#"status="404""#)),
        "made-up methods count as `other`: {series_after:?}"
    );
    assert!(
        metrics_after.len() < 64 * 1024,
        "/metrics is {} bytes",
        metrics_after.len()
    );
    assert!(
        !metrics_after.contains("QQQQ"),
        "no label holds a made-up method"
    );
}

/// Opens a connection that sends a POST's head and the first bytes of a body it never finishes.
async fn start_slow_body(address: &str, path: &str, headers: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address)
        .await
        .expect("the server accepts");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 1000\r\n{headers}\r\ngrant_type="
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("the head is sent");
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_bodies_take_no_request_slot_and_are_cut_off_after_a_few_seconds() {
    const MAX_IN_FLIGHT: usize = 4;
    let app = LocalApp::spawn_with(Backend::Sqlite, |settings| {
        settings.http.max_in_flight = MAX_IN_FLIGHT;
    })
    .await;
    let token = app.api_token("casting-assistant").await;
    let address = app.socket_address().to_owned();
    let origin = format!("Origin: {}\r\n", app.address);
    let mut slow = Vec::new();
    for path in ["/app/sign-out", "/oidc/token", "/oidc/authorize"] {
        for _ in 0..MAX_IN_FLIGHT {
            slow.push(start_slow_body(&address, path, &origin).await);
        }
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;

    app.get(Caller::Anonymous, "/readyz")
        .await
        .assert_status(200);
    let actors = app
        .request(Method::GET, "/actors")
        .bearer(&token)
        .send()
        .await;
    actors.assert_status(200);
    let created = app
        .request(Method::POST, "/actors")
        .bearer(&app.api_token("casting-director").await)
        .json(&json!({"name": "Still served", "age": 30, "gender": "female"}))
        .send()
        .await;
    created.assert_status(200);

    for mut stream in slow {
        let (status, body) = read_answer(&mut stream, Duration::from_secs(15))
            .await
            .expect("a slow body is answered, and its connection closed");
        assert_eq!(status, 408, "{body}");
        assert_error_json(&body, 408, "request_timeout");
    }
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(12), "cut off after {waited:?}");
}

once_tests! {
    async fn a_request_id_of_the_caller_is_never_echoed_and_the_server_sets_its_own(app) {
        let huge = "x".repeat(390 * 1024);
        for sent in ["mine-1", huge.as_str()] {
            let reply = app
                .request(Method::GET, "/healthz")
                .header("x-request-id", sent)
                .send()
                .await;
            reply.assert_status(200);
            let echoed = reply.header("x-request-id").expect("a request id");
            assert_ne!(echoed, sent);
            assert!(uuid::Uuid::parse_str(echoed).is_ok(), "the server's own id: {echoed}");
        }
    }

    async fn an_http_1_1_request_without_one_host_header_is_refused(app) {
        let address = app.socket_address().to_owned();
        let no_host = b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n";
        let (status, body) = raw(&address, no_host).await;
        assert_eq!(status, 400, "{body}");
        assert_error_json(&body, 400, "bad_request");

        let two_hosts =
            b"GET /healthz HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n";
        let (status, body) = raw(&address, two_hosts).await;
        assert_eq!(status, 400, "{body}");
        assert_error_json(&body, 400, "bad_request");

        let one_host = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        assert_eq!(raw(&address, one_host).await.0, 200);
        let http_1_0 = b"GET /healthz HTTP/1.0\r\n\r\n";
        assert_eq!(raw(&address, http_1_0).await.0, 200, "HTTP/1.0 needs no Host");
    }

    async fn the_docs_page_is_never_sniffed_nor_framed(app) {
        for path in ["/docs/", "/openapi.json"] {
            let reply = app.get(Caller::Anonymous, path).await;
            assert_eq!(reply.status, 200, "{path}");
            assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{path}");
            let policy = reply.header("content-security-policy").unwrap_or_default();
            assert!(policy.contains("frame-ancestors 'none'"), "{path}: {policy:?}");
        }
    }
}

/// Reads one number with SQL from the app's own database.
async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let url = app.database_url();
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
    }
}

async fn execute(app: &TestApp, sql: &str) {
    let url = app.database_url();
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
}

const SIGN_IN_BYTES: &str = "SELECT CAST(COALESCE(SUM(LENGTH(sealed) + LENGTH(state_hash) + LENGTH(browser_hash)), 0) AS BIGINT) FROM web_sign_ins";

async fn spawn_local(backend: Backend) -> LocalApp {
    LocalApp::spawn(backend).await
}

backend_tests! {
    spawn = spawn_local;

    async fn sign_ins_that_ask_to_return_to_a_huge_path_store_little_and_land_on_the_home_page(app) {
        let huge = format!("/app/actors?q={}", "a".repeat(60 * 1024));
        let before = scalar(&app, SIGN_IN_BYTES).await;
        for _ in 0..200 {
            let page = app
                .visitor()
                .get(&format!("/app/sign-in?return_to={huge}"))
                .await;
            assert_eq!(page.status, 303, "{}", page.body);
        }
        let grown = scalar(&app, SIGN_IN_BYTES).await - before;
        assert!(grown < 2 * 1024 * 1024, "200 sign-ins stored {grown} bytes");

        let mut visitor = app.visitor();
        let longest = format!("/app/movies?q={}", "b".repeat(2048 - "/app/movies?q=".len()));
        for (return_to, lands_on) in [(huge.as_str(), "/app/"), (longest.as_str(), longest.as_str())] {
            let start = visitor.get(&format!("/app/sign-in?return_to={return_to}")).await;
            assert_eq!(start.status, 303);
            let picker = visitor.get(start.location()).await;
            let origin = visitor.origin.clone();
            let picked = visitor.pick_role(&picker, "casting-assistant", &origin).await;
            assert_eq!(picked.status, 303, "{}", picked.body);
            let back = visitor.get(picked.location()).await;
            assert_eq!(back.status, 303, "{}", back.body);
            assert_eq!(back.location(), lands_on);
        }
    }

    async fn pending_sign_ins_are_bounded_and_the_oldest_go_first(app) {
        let soon = chrono::Utc::now().timestamp_millis() + 60_000;
        execute(
            &app,
            &format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10005) \
                 INSERT INTO web_sign_ins (state_hash, browser_hash, sealed, expires_at) \
                 SELECT 'state-' || i, 'browser', 'sealed', {soon} - i FROM n"
            ),
        )
        .await;
        let page = app.visitor().get("/app/sign-in").await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM web_sign_ins").await, 10_000);
        let oldest_left = scalar(
            &app,
            "SELECT COUNT(*) FROM web_sign_ins WHERE state_hash IN ('state-10005', 'state-10000')",
        )
        .await;
        assert_eq!(oldest_left, 0, "the oldest were swept");
        let newest = scalar(&app, "SELECT COUNT(*) FROM web_sign_ins WHERE state_hash NOT LIKE 'state-%'").await;
        assert_eq!(newest, 1, "the new sign-in is kept");
    }
}

backend_tests! {
    async fn a_json_body_that_repeats_a_key_is_refused_and_changes_nothing(app) {
        let actor = app.create_actor("Once", 30, "female").await;
        let movie = app.create_movie("Only", "2020-01-01").await;
        let before = app.everything().await;
        let cases = [
            (Method::POST, "/actors".to_owned(), r#"{"name": "A", "name": "B", "age": 3, "gender": "f"}"#, "name"),
            (Method::PATCH, format!("/actors/{actor}"), r#"{"age": 31, "age": 32}"#, "age"),
            (Method::POST, "/movies".to_owned(), r#"{"title": "A", "release_date": "2020-01-01", "release_date": "2021-01-01"}"#, "release_date"),
            (Method::PATCH, format!("/movies/{movie}"), r#"{"movie": "A", "title": "B"}"#, "title"),
            (Method::PATCH, format!("/movies/{movie}"), r#"{"movie": "A", "movie": "B"}"#, "movie"),
            (Method::PUT, format!("/movies/{movie}/actors/{actor}"), r#"{"character": "A", "character": "B"}"#, "character"),
        ];
        for (method, path, body, field) in cases {
            let reply: Reply = app
                .call(Caller::ExecutiveProducer, method.clone(), &path)
                .body("application/json", body)
                .send()
                .await;
            reply.assert_error(422, "validation_failed");
            assert!(reply.message().starts_with(field), "{method} {path}: {}", reply.message());
        }
        assert_eq!(app.everything().await, before, "nothing changed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_in_provider_signs_in_behind_a_tls_ending_proxy() {
    const PUBLIC_URL: &str = "https://movies.example.test";
    let app = LocalApp::spawn_with(Backend::Sqlite, |settings| {
        settings.http.public_url = Some(PUBLIC_URL.into());
    })
    .await;
    // The proxy: what the browser is sent to on the public origin reaches this server.
    let through_proxy = |url: &str| url.replacen(PUBLIC_URL, &app.address, 1);
    let mut browser = app.visitor();
    let start = browser.get("/app/movies").await;
    assert_eq!(start.status, 303, "{}", start.body);
    assert!(
        start
            .location()
            .starts_with(&format!("{PUBLIC_URL}/oidc/authorize?"))
    );
    let picker = browser.get(&through_proxy(start.location())).await;
    let picked = browser
        .pick_role(&picker, "casting-director", PUBLIC_URL)
        .await;
    assert_eq!(picked.status, 303, "{}", picked.body);
    assert!(
        picked
            .location()
            .starts_with(&format!("{PUBLIC_URL}/app/callback?"))
    );
    let back = browser.get(&through_proxy(picked.location())).await;
    assert_eq!(back.status, 303, "signed in: {}", back.body);
    let cookie = browser.set_cookies.last().expect("a session cookie");
    assert!(cookie.starts_with("__Host-session="), "{cookie}");
    assert!(cookie.contains("; Secure"), "{cookie}");
    let movies = browser.get("/app/movies").await;
    assert_eq!(movies.status, 200, "{}", movies.body);
    assert!(
        movies.body.contains("Casting Director"),
        "signed in as the role picked"
    );
}
