//! Writes racing each other: conflicting writes never starve the pool, and a resource's ETag
//! changes whenever its representation does, however the writes interleave.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Caller, TestApp, backend_tests};

/// A server whose pool has two connections: any request that held two at once would wait for
/// itself as soon as two requests ran together.
async fn spawn_with_a_pool_of_two(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |settings| settings.database.max_connections = 2).await
}

/// The movie as read now: its ETag and its cast (actor ids).
async fn observe(app: &TestApp, movie: i64) -> Option<(String, Vec<i64>)> {
    let reply = app
        .get(Caller::CastingAssistant, &format!("/movies/{movie}"))
        .await;
    if reply.status != 200 {
        return None;
    }
    let etag = reply.etag();
    let cast = reply.body["movie"]["cast"]
        .as_array()
        .expect("a cast")
        .iter()
        .map(|member| member["id"].as_i64().expect("an actor id"))
        .collect();
    Some((etag, cast))
}

backend_tests! {
    spawn = spawn_with_a_pool_of_two;

    async fn stale_writes_of_every_kind_are_412_at_once_and_reads_keep_being_answered(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        let cast_actor = app.create_actor("Sam Worthington", 48, "male").await;
        app.cast(movie, cast_actor, "Jake Sully").await;
        app.patch(Caller::CastingDirector, &format!("/actors/{actor}"), json!({"age": 45}))
            .await
            .assert_status(200);
        // Every resource has moved past its first version, which is what these clients last saw.
        let stale = "\"v1\"";
        let writes = [
            (Method::PATCH, format!("/actors/{actor}"), Some(json!({"age": 47}))),
            (Method::PATCH, format!("/movies/{movie}"), Some(json!({"title": "Avatar 2"}))),
            (Method::DELETE, format!("/actors/{cast_actor}"), None),
            (Method::DELETE, format!("/movies/{movie}"), None),
            (Method::PUT, format!("/movies/{movie}/actors/{actor}"), Some(json!({"character": "Neytiri"}))),
            (Method::DELETE, format!("/movies/{movie}/actors/{cast_actor}"), None),
        ];
        let before = (app.movie(movie).await, app.actor(actor).await, app.actor(cast_actor).await);
        let app = Arc::new(app);

        let started = Instant::now();
        let mut stale_writes = Vec::new();
        for index in 0..32 {
            let (method, path, body) = writes[index % writes.len()].clone();
            let app = Arc::clone(&app);
            stale_writes.push(tokio::spawn(async move {
                let call = app
                    .call(Caller::ExecutiveProducer, method.clone(), &path)
                    .header("If-Match", stale);
                let call = match &body {
                    Some(body) => call.json(body),
                    None => call,
                };
                (method, path, call.send().await)
            }));
        }
        let reads: Vec<_> = (0..16)
            .map(|_| {
                let app = Arc::clone(&app);
                tokio::spawn(async move { app.get(Caller::CastingAssistant, "/actors").await.status })
            })
            .collect();
        for write in stale_writes {
            let (method, path, reply) = write.await.unwrap();
            assert_eq!(reply.status, 412, "{method} {path}: {}", reply.body);
            reply.assert_error(412, "precondition_failed");
        }
        let elapsed = started.elapsed();
        for read in reads {
            assert_eq!(read.await.unwrap(), 200, "reads are answered meanwhile");
        }
        assert!(
            elapsed < Duration::from_secs(1),
            "32 stale writes on a pool of two took {elapsed:?}, as if they waited for connections"
        );
        let after = (app.movie(movie).await, app.actor(actor).await, app.actor(cast_actor).await);
        assert_eq!(before, after, "no stale write changed anything");
    }
}

backend_tests! {
    async fn renaming_an_actor_changes_the_etag_of_the_movies_that_list_it(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let actor = app.create_actor("Zoe Saldana", 46, "female").await;
        app.cast(movie, actor, "Neytiri").await;
        let (old_etag, _) = observe(&app, movie).await.unwrap();

        app.patch(Caller::CastingDirector, &format!("/actors/{actor}"), json!({"age": 47}))
            .await
            .assert_status(200);
        assert_eq!(observe(&app, movie).await.unwrap().0, old_etag, "the cast does not show the age");

        app.patch(Caller::CastingDirector, &format!("/actors/{actor}"), json!({"name": "Zoë Saldaña"}))
            .await
            .assert_status(200);
        let reply = app.get(Caller::CastingAssistant, &format!("/movies/{movie}")).await;
        assert_eq!(reply.body["movie"]["cast"][0]["name"], json!("Zoë Saldaña"));
        let new_etag = reply.etag();
        assert_ne!(new_etag, old_etag, "the cast shows the new name, so the ETag is new");

        // A client holding the old ETag cannot overwrite what it has not seen.
        let stale = app
            .call(Caller::CastingDirector, Method::PATCH, &format!("/movies/{movie}"))
            .header("If-Match", &old_etag)
            .json(&json!({"title": "Avatar 2"}))
            .send()
            .await;
        stale.assert_error(412, "precondition_failed");
        assert_eq!(app.movie(movie).await["title"], json!("Avatar"));
    }

    async fn changing_a_movie_changes_the_etag_of_the_actors_that_list_it(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        app.cast(movie, actor, "Neytiri").await;
        for change in [json!({"title": "Avatar: Extended"}), json!({"release_date": "2009-12-17"})] {
            let before = app.get(Caller::CastingAssistant, &format!("/actors/{actor}")).await;
            app.patch(Caller::ExecutiveProducer, &format!("/movies/{movie}"), change.clone())
                .await
                .assert_status(200);
            let after = app.get(Caller::CastingAssistant, &format!("/actors/{actor}")).await;
            assert_ne!(after.body["actor"]["movies"], before.body["actor"]["movies"], "{change}");
            assert_ne!(after.header("etag"), before.header("etag"), "{change}");
        }
    }

    async fn a_movies_cast_never_changes_under_an_unchanged_etag_while_actors_are_cast_and_deleted(app) {
        let movies = [
            app.create_movie("Avatar", "2009-12-18").await,
            app.create_movie("Alien", "1979-05-25").await,
        ];
        let app = Arc::new(app);
        let mut seen: HashMap<(i64, String), Vec<i64>> = HashMap::new();
        for round in 0..40 {
            let actor = app.create_actor(&format!("Actor {round}"), 30, "female").await;
            let casting = {
                let app = Arc::clone(&app);
                tokio::spawn(async move {
                    for movie in movies {
                        let path = format!("/movies/{movie}/actors/{actor}");
                        let status = app.put(Caller::CastingDirector, &path, json!({})).await.status;
                        assert!(status == 200 || status == 404, "casting answered {status}");
                    }
                })
            };
            let deleting = {
                let app = Arc::clone(&app);
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(round % 5)).await;
                    let status = app.delete(Caller::CastingDirector, &format!("/actors/{actor}")).await.status;
                    assert_eq!(status, 200, "the delete succeeds");
                })
            };
            let reading = {
                let app = Arc::clone(&app);
                tokio::spawn(async move {
                    let mut observations = Vec::new();
                    for _ in 0..6 {
                        for movie in movies {
                            if let Some((etag, cast)) = observe(&app, movie).await {
                                observations.push((movie, etag, cast));
                            }
                        }
                    }
                    observations
                })
            };
            casting.await.unwrap();
            deleting.await.unwrap();
            let mut observations = reading.await.unwrap();
            for movie in movies {
                observations.extend(observe(&app, movie).await.map(|(etag, cast)| (movie, etag, cast)));
            }
            for (movie, etag, cast) in observations {
                let first = seen.entry((movie, etag.clone())).or_insert_with(|| cast.clone());
                assert_eq!(*first, cast, "movie {movie} showed two casts under ETag {etag}");
            }
        }
        for movie in movies {
            assert_eq!(app.movie(movie).await["cast"], Value::Array(vec![]), "every actor was deleted");
        }
    }
}
