//! The history of every write (`GET /actors/{id}/history`, `GET /movies/{id}/history`): who
//! changed what, when, from what to what, with the request it came in; newest first, paged, and
//! still there once the resource is deleted.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::identity::{self, SUBJECT};
use crate::helpers::{Caller, TestApp, backend_tests};

/// The whole history of a resource, newest first, following the cursors.
async fn history(app: &TestApp, path: &str) -> Vec<Value> {
    app.list_all(&format!("{path}/history"), "history").await
}

/// (action, changes) of each entry, newest first.
fn actions(entries: &[Value]) -> Vec<(String, Value)> {
    entries
        .iter()
        .map(|entry| {
            (
                entry["action"].as_str().expect("an action").to_owned(),
                entry["changes"].clone(),
            )
        })
        .collect()
}

fn change(from: Value, to: Value) -> Value {
    json!({"from": from, "to": to})
}

backend_tests! {
    async fn every_write_of_an_actor_is_in_its_history_newest_first(app) {
        let created = app
            .post(Caller::CastingDirector, "/actors", json!({"name": "Zoe", "age": 46, "gender": "female"}))
            .await;
        created.assert_status(200);
        let id = created.body["created"].as_i64().unwrap();
        let path = format!("/actors/{id}");
        app.patch(Caller::CastingDirector, &path, json!({"name": "Zoë Saldaña", "age": 46}))
            .await
            .assert_status(200);
        app.patch(Caller::CastingDirector, &path, json!({"gender": "woman"}))
            .await
            .assert_status(200);

        let entries = history(&app, &path).await;
        assert_eq!(
            actions(&entries),
            vec![
                ("update".into(), json!({"gender": change(json!("female"), json!("woman"))})),
                ("update".into(), json!({"name": change(json!("Zoe"), json!("Zoë Saldaña"))})),
                ("create".into(), json!({
                    "name": change(Value::Null, json!("Zoe")),
                    "age": change(Value::Null, json!(46)),
                    "gender": change(Value::Null, json!("female")),
                })),
            ],
            "an update records only the fields it changed"
        );
        let newest = &entries[0];
        assert_eq!(newest["by"]["sub"], json!(SUBJECT));
        let at = chrono::DateTime::parse_from_rfc3339(newest["at"].as_str().unwrap()).unwrap();
        assert!(at.timestamp() <= chrono::Utc::now().timestamp());
        let ids: Vec<i64> = entries.iter().map(|entry| entry["id"].as_i64().unwrap()).collect();
        assert!(ids.windows(2).all(|pair| pair[0] > pair[1]), "newest first: {ids:?}");
        assert_eq!(entries[2]["request_id"], json!(created.header("x-request-id").unwrap()));
    }

    async fn the_history_says_who_by_the_tokens_sub_and_name_with_the_servers_request_id_and_the_callers(app) {
        let mut claims = identity::claims(&Caller::CastingDirector.permissions());
        claims["sub"] = json!("auth0|ana");
        claims["name"] = json!("Ana Lima");
        let named = app.key.sign(&claims);
        claims["sub"] = json!("auth0|bo");
        claims.as_object_mut().unwrap().remove("name");
        claims["email"] = json!("bo@example.com");
        let emailed = app.key.sign(&claims);

        let reply = app
            .request(Method::POST, "/actors")
            .bearer(&named)
            .header("x-request-id", "req-from-the-client")
            .json(&json!({"name": "Zoë", "age": 46, "gender": "female"}))
            .send()
            .await;
        reply.assert_status(200);
        let server_id = reply.header("x-request-id").unwrap().to_owned();
        assert_ne!(server_id, "req-from-the-client", "the answer carries the server's own id");
        let id = reply.body["created"].as_i64().unwrap();
        app.request(Method::PATCH, &format!("/actors/{id}"))
            .bearer(&emailed)
            .json(&json!({"age": 47}))
            .send()
            .await
            .assert_status(200);
        let entries = history(&app, &format!("/actors/{id}")).await;
        assert_eq!(entries[0]["by"], json!({"sub": "auth0|bo", "name": "bo@example.com"}));
        assert_eq!(entries[0]["client_request_id"], Value::Null);
        assert_eq!(entries[1]["by"], json!({"sub": "auth0|ana", "name": "Ana Lima"}));
        assert_eq!(entries[1]["request_id"], json!(server_id));
        assert_eq!(entries[1]["client_request_id"], json!("req-from-the-client"));
    }

    async fn a_callers_request_id_that_is_too_long_or_has_other_characters_is_not_kept(app) {
        let id = app.create_actor("Traced", 30, "female").await;
        let longest = "a".repeat(64);
        let cases = [
            ("a".repeat(65), Value::Null),
            ("x".repeat(390 * 1024), Value::Null),
            ("has space".to_owned(), Value::Null),
            ("semi;colon".to_owned(), Value::Null),
            ("ünïcode".to_owned(), Value::Null),
            (longest.clone(), json!(longest)),
            ("Ok.id_1-2".to_owned(), json!("Ok.id_1-2")),
        ];
        for (age, (sent, kept)) in (31..).zip(cases) {
            let reply = app
                .call(Caller::CastingDirector, Method::PATCH, &format!("/actors/{id}"))
                .header("x-request-id", &sent)
                .json(&json!({"age": age}))
                .send()
                .await;
            reply.assert_status(200);
            let echoed = reply.header("x-request-id").unwrap().to_owned();
            assert_ne!(echoed, sent, "the answer echoes the server's id, not the caller's");
            let newest = history(&app, &format!("/actors/{id}")).await.remove(0);
            assert_eq!(newest["changes"]["age"]["to"], json!(age));
            assert_eq!(newest["request_id"], json!(echoed));
            assert_eq!(newest["client_request_id"], kept, "sent {} bytes", sent.len());
        }
    }

    async fn a_caller_cannot_reuse_another_requests_id_in_the_history(app) {
        let created = app
            .call(Caller::CastingDirector, Method::POST, "/actors")
            .json(&json!({"name": "First", "age": 30, "gender": "female"}))
            .send()
            .await;
        created.assert_status(200);
        let taken = created.header("x-request-id").unwrap().to_owned();
        let id = created.body["created"].as_i64().unwrap();
        let reply = app
            .call(Caller::CastingDirector, Method::PATCH, &format!("/actors/{id}"))
            .header("x-request-id", &taken)
            .json(&json!({"age": 31}))
            .send()
            .await;
        reply.assert_status(200);
        let entries = history(&app, &format!("/actors/{id}")).await;
        assert_ne!(entries[0]["request_id"], entries[1]["request_id"]);
        assert_eq!(entries[1]["request_id"], json!(taken));
        assert_eq!(entries[0]["client_request_id"], json!(taken));
    }

    async fn castings_are_in_the_history_of_both_the_movie_and_the_actor(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        let casting = format!("/movies/{movie}/actors/{actor}");
        app.put(Caller::CastingDirector, &casting, json!({"character": "Neytiri"})).await.assert_status(200);
        app.put(Caller::CastingDirector, &casting, json!({"character": "Neytiri"})).await.assert_status(200);
        app.put(Caller::CastingDirector, &casting, json!({"character": "Ney'tiri"})).await.assert_status(200);
        app.delete(Caller::CastingDirector, &casting).await.assert_status(200);

        let expected = [
            ("uncast".to_owned(), json!({
                "movie_id": change(json!(movie), Value::Null),
                "actor_id": change(json!(actor), Value::Null),
                "character": change(json!("Ney'tiri"), Value::Null),
            })),
            ("cast".to_owned(), json!({
                "movie_id": change(json!(movie), json!(movie)),
                "actor_id": change(json!(actor), json!(actor)),
                "character": change(json!("Neytiri"), json!("Ney'tiri")),
            })),
            ("cast".to_owned(), json!({
                "movie_id": change(Value::Null, json!(movie)),
                "actor_id": change(Value::Null, json!(actor)),
                "character": change(Value::Null, json!("Neytiri")),
            })),
        ];
        let movie_history = actions(&history(&app, &format!("/movies/{movie}")).await);
        assert_eq!(movie_history[..3], expected[..], "repeating a casting records nothing");
        assert_eq!(movie_history[3].0, "create");
        let actor_history = actions(&history(&app, &format!("/actors/{actor}")).await);
        assert_eq!(actor_history[..3], expected[..]);
    }

    async fn a_deleted_resources_history_stays_readable_with_its_cascade(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        app.cast(movie, actor, "Neytiri").await;
        app.delete(Caller::CastingDirector, &format!("/actors/{actor}")).await.assert_status(200);

        let actor_history = actions(&history(&app, &format!("/actors/{actor}")).await);
        assert_eq!(actor_history[0], ("delete".to_owned(), json!({
            "name": change(json!("Zoë Saldaña"), Value::Null),
            "age": change(json!(46), Value::Null),
            "gender": change(json!("female"), Value::Null),
        })));
        let movie_history = actions(&history(&app, &format!("/movies/{movie}")).await);
        assert_eq!(movie_history[0], ("uncast".to_owned(), json!({
            "movie_id": change(json!(movie), Value::Null),
            "actor_id": change(json!(actor), Value::Null),
            "character": change(json!("Neytiri"), Value::Null),
        })), "the cascade is recorded on the movie");

        app.delete(Caller::ExecutiveProducer, &format!("/movies/{movie}")).await.assert_status(200);
        let movie_history = actions(&history(&app, &format!("/movies/{movie}")).await);
        assert_eq!(movie_history[0].0, "delete");
        assert_eq!(movie_history.len(), 4, "create, cast, uncast, delete");
    }

    async fn a_history_is_paged_newest_first_and_every_entry_comes_once(app) {
        let actor = app.create_actor("Zoë Saldaña", 20, "female").await;
        for age in 21..=26 {
            app.patch(Caller::CastingDirector, &format!("/actors/{actor}"), json!({"age": age}))
                .await
                .assert_status(200);
        }
        let first = app.get(Caller::CastingAssistant, &format!("/actors/{actor}/history?limit=3")).await;
        first.assert_status(200);
        assert_eq!(first.body["history"].as_array().unwrap().len(), 3);
        assert_eq!(first.body["history"][0]["changes"]["age"]["to"], json!(26));
        let all = history(&app, &format!("/actors/{actor}")).await;
        let ages: Vec<Value> = all.iter().map(|entry| entry["changes"]["age"]["to"].clone()).collect();
        assert_eq!(ages, [26, 25, 24, 23, 22, 21, 20].map(|age| json!(age)));
        // A cursor belongs to its resource.
        let cursor = first.body["next_cursor"].as_str().unwrap();
        let other = app.create_actor("Sam Worthington", 48, "male").await;
        let misused = app
            .get(Caller::CastingAssistant, &format!("/actors/{other}/history?cursor={cursor}"))
            .await;
        misused.assert_error(400, "bad_request");
    }

    async fn writes_that_change_nothing_or_fail_record_nothing(app) {
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        let path = format!("/actors/{actor}");
        let before = app.get(Caller::CastingAssistant, &path).await;
        let same = app.patch(Caller::CastingDirector, &path, json!({"age": 46, "name": "Zoë Saldaña"})).await;
        same.assert_status(200);
        assert_eq!(same.header("etag"), before.header("etag"), "a change that changes nothing keeps the ETag");
        assert_eq!(same.body["actor"]["updated_at"], before.body["actor"]["updated_at"]);
        app.patch(Caller::CastingDirector, &path, json!({"age": 151})).await.assert_error(422, "validation_failed");
        app.call(Caller::CastingDirector, Method::PATCH, &path)
            .header("If-Match", "\"v99\"")
            .json(&json!({"age": 50}))
            .send()
            .await
            .assert_error(412, "precondition_failed");
        assert_eq!(history(&app, &path).await.len(), 1, "only the create");
    }

    async fn a_history_needs_the_list_permission_and_an_id_that_existed(app) {
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        app.get(Caller::Anonymous, &format!("/actors/{actor}/history")).await.assert_error(401, "unauthorized");
        let movies_only = app.key.sign(&identity::claims(&["get:movies"]));
        app.request(Method::GET, &format!("/actors/{actor}/history"))
            .bearer(&movies_only)
            .send()
            .await
            .assert_error(403, "forbidden");
        app.request(Method::GET, &format!("/movies/{movie}/history"))
            .bearer(&movies_only)
            .send()
            .await
            .assert_status(200);
        for path in ["/actors/999/history", "/movies/999/history"] {
            app.get(Caller::CastingAssistant, path).await.assert_error(404, "not_found");
        }
        app.get(Caller::CastingAssistant, "/actors/abc/history").await.assert_error(400, "bad_request");
    }
}
