//! Running in production: metrics on their own listener, load shedding, and several instances
//! on one database.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::helpers::web::LocalApp;
use crate::helpers::{Backend, Caller, TestApp, backend_tests};

async fn spawn_with_metrics(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |settings| {
        settings.http.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
    })
    .await
}

async fn spawn_with_two_requests_in_flight_at_most(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |settings| settings.http.max_in_flight = 2).await
}

/// The actors table, locked from outside the server until the guard is dropped: a write of an
/// actor waits for it inside its handler, in flight.
enum TableLock {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl TableLock {
    async fn take(app: &TestApp) -> Self {
        use sqlx::Connection;
        let url = app.database_url();
        if url.starts_with("sqlite:") {
            let mut connection = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::query("BEGIN EXCLUSIVE")
                .execute(&mut connection)
                .await
                .unwrap();
            Self::Sqlite(connection)
        } else {
            let mut connection = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query("BEGIN").execute(&mut connection).await.unwrap();
            sqlx::query("LOCK TABLE actors IN EXCLUSIVE MODE")
                .execute(&mut connection)
                .await
                .unwrap();
            Self::Postgres(connection)
        }
    }

    async fn release(self) {
        match self {
            Self::Sqlite(mut connection) => sqlx::query("COMMIT")
                .execute(&mut connection)
                .await
                .map(|_| ()),
            Self::Postgres(mut connection) => sqlx::query("COMMIT")
                .execute(&mut connection)
                .await
                .map(|_| ()),
        }
        .unwrap();
    }
}

backend_tests! {
    spawn = spawn_with_metrics;

    async fn metrics_count_requests_by_route_template_on_their_own_listener(app) {
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        app.get(Caller::CastingAssistant, &format!("/actors/{actor}")).await.assert_status(200);
        app.get(Caller::CastingAssistant, &format!("/actors/{actor}")).await.assert_status(200);
        app.get(Caller::CastingAssistant, "/actors/987654").await.assert_error(404, "not_found");
        app.get(Caller::CastingAssistant, "/no/such/route/31337").await.assert_error(404, "not_found");

        let metrics_address = app.metrics_address.clone().expect("a metrics listener");
        let reply = app.client.get(format!("{metrics_address}/metrics")).send().await.unwrap();
        assert_eq!(reply.status(), 200);
        assert!(reply.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
        let text = reply.text().await.unwrap();
        for expected in [
            r#"http_requests_total{method="GET",route="/actors/{id}",status="200"}"#,
            r#"http_requests_total{method="GET",route="/actors/{id}",status="404"}"#,
            r#"http_requests_total{method="POST",route="/actors",status="200"}"#,
            r#"http_requests_total{method="GET",route="unmatched",status="404"}"#,
            r#"http_request_duration_seconds_bucket{method="GET",route="/actors/{id}",le="0.005"}"#,
            r#"db_pool_connections{state="idle"}"#,
            r#"db_pool_connections{state="in_use"}"#,
            "db_pool_acquire_seconds_count",
            r#"jwks_refreshes_total{outcome="installed"}"#,
            r#"token_cache_lookups_total{result="hit"}"#,
            r#"token_cache_lookups_total{result="miss"}"#,
        ] {
            assert!(text.contains(expected), "/metrics lacks {expected}:\n{text}");
        }
        let token = app.token(Caller::CastingAssistant).unwrap();
        for secret in [format!("/actors/{actor}\""), "987654".to_owned(), "31337".to_owned(), token] {
            assert!(!text.contains(&secret), "a label holds {secret}");
        }
        let public = app.get(Caller::Anonymous, "/metrics").await;
        public.assert_error(404, "not_found");
    }
}

backend_tests! {
    spawn = spawn_with_two_requests_in_flight_at_most;

    async fn past_the_requests_in_flight_limit_the_server_answers_503_at_once_and_recovers(app) {
        // The held requests must be held in their handlers, not answered at once for want of
        // keys: the server is first seen answering a token.
        app.get(Caller::ExecutiveProducer, "/actors").await.assert_status(200);
        let lock = TableLock::take(&app).await;
        let app = Arc::new(app);
        // One at a time, each given time to reach its handler before anything else is sent, so
        // that no probe of the limit takes the permit a held request needs.
        let mut held = Vec::new();
        for index in 0..2 {
            let app = Arc::clone(&app);
            held.push(tokio::spawn(async move {
                app.post(Caller::ExecutiveProducer, "/actors", json!({"name": format!("Held {index}"), "age": 30, "gender": "female"}))
                    .await
            }));
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        // Both held requests are in flight once the server has begun to handle them.
        let started = Instant::now();
        let refused = loop {
            let reply = app.get(Caller::CastingAssistant, "/actors").await;
            if reply.status == 503 || started.elapsed() > Duration::from_secs(10) {
                break reply;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert!(held.iter().all(|request| !request.is_finished()), "the held requests are still in flight");
        refused.assert_error(503, "service_unavailable");
        assert!(refused.header("retry-after").is_some(), "503 says when to retry");
        app.get(Caller::Anonymous, "/healthz").await.assert_status(200);

        lock.release().await;
        let released = Instant::now();
        for request in held {
            request.await.unwrap().assert_status(200);
        }
        loop {
            let reply = app.get(Caller::CastingAssistant, "/actors").await;
            if reply.status == 200 {
                break;
            }
            assert!(released.elapsed() < Duration::from_secs(10), "the server recovers: {}", reply.status);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        eprintln!("load shedding: served again {:?} after the held requests ended", released.elapsed());
        app.post(Caller::ExecutiveProducer, "/movies", json!({"title": "Avatar", "release_date": "2009-12-18"}))
            .await
            .assert_status(200);
    }
}

/// Two instances of the server on one PostgreSQL database, sharing nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_serve_the_same_catalogue() {
    let first = Arc::new(TestApp::spawn(Backend::Postgres).await);
    let second = Arc::new(first.spawn_beside().await);
    let instances = [Arc::clone(&first), Arc::clone(&second)];

    // Writes split between them: every acknowledged write is visible on both.
    let mut writes = Vec::new();
    for index in 0..20 {
        let instance = Arc::clone(&instances[index % 2]);
        writes.push(tokio::spawn(async move {
            instance
                .create_actor(&format!("Actor {index}"), 20 + index as i64, "female")
                .await
        }));
    }
    let mut ids = Vec::new();
    for write in writes {
        ids.push(write.await.unwrap());
    }
    for instance in &instances {
        let listed = instance.list_all("/actors?limit=7", "actors").await;
        assert_eq!(listed.len(), ids.len());
        for id in &ids {
            instance
                .get(Caller::CastingAssistant, &format!("/actors/{id}"))
                .await
                .assert_status(200);
        }
    }

    // An If-Match conflict is caught whichever instance the writers reach.
    let id = ids[0];
    let path = format!("/actors/{id}");
    let etag = first
        .get(Caller::CastingAssistant, &path)
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    second
        .call(Caller::CastingDirector, Method::PATCH, &path)
        .header("If-Match", &etag)
        .json(&json!({"age": 60}))
        .send()
        .await
        .assert_status(200);
    let late = first
        .call(Caller::CastingDirector, Method::PATCH, &path)
        .header("If-Match", &etag)
        .json(&json!({"age": 61}))
        .send()
        .await;
    late.assert_error(412, "precondition_failed");
    assert_eq!(second.actor(id).await["age"], json!(60));

    // Concurrent casts of one movie through both instances all take effect, each in the history.
    let movie = first.create_movie("Avatar", "2009-12-18").await;
    let mut casts = Vec::new();
    for (index, actor) in ids.iter().copied().enumerate() {
        let instance = Arc::clone(&instances[index % 2]);
        casts.push(tokio::spawn(async move {
            instance.cast(movie, actor, &format!("Role {index}")).await
        }));
    }
    for cast in casts {
        cast.await.unwrap();
    }
    for instance in &instances {
        assert_eq!(
            instance.movie(movie).await["cast"]
                .as_array()
                .unwrap()
                .len(),
            ids.len()
        );
        let history = instance
            .list_all(&format!("/movies/{movie}/history"), "history")
            .await;
        assert_eq!(
            history.len(),
            ids.len() + 1,
            "a create and one cast per actor"
        );
    }
}

/// A web session lives in the database: signed in on one instance, a person goes on on another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_session_started_on_one_instance_continues_on_the_other() {
    let first = LocalApp::spawn_with(Backend::Postgres, |settings| {
        settings.http.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let second = first.spawn_beside().await;
    let mut visitor = first.signed_in("executive-producer").await;
    let csrf = visitor.csrf_token().await;

    visitor.origin = second.address.clone();
    let page = visitor.get("/app/movies").await;
    assert_eq!(page.status, 200, "signed in on the second instance too");
    assert!(page.body.contains("Sign out"), "{}", page.body);
    // A form sent to the second instance, from the public URL both are reached at.
    let created = visitor
        .post_from(
            "/app/actors",
            &[
                ("_csrf", &csrf),
                ("name", "Zoë Saldaña"),
                ("age", "46"),
                ("gender", "female"),
            ],
            Some(&first.address),
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let token = first.api_token("casting-assistant").await;
    let actors = first.api_get(&token, "/actors").await;
    assert_eq!(actors["actors"][0]["name"], json!("Zoë Saldaña"));
    let history = first.api_get(&token, "/actors/1/history").await;
    assert_eq!(
        history["history"][0]["by"]["sub"],
        json!("local|executive-producer")
    );

    let metrics = first.metrics_address.clone().expect("metrics");
    let text = first
        .client
        .get(format!("{metrics}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let active = text
        .lines()
        .find_map(|line| line.strip_prefix("web_sessions_active "))
        .expect("the active sessions");
    assert_eq!(
        active, "2",
        "the producer's session and the assistant's: {text}"
    );
}
