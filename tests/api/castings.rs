//! Castings (`/movies/{id}/actors/{actor_id}`), what deleting either side does to them, and
//! concurrency: `If-Match` preconditions and simultaneous writes.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::identity;
use crate::helpers::json::{cast, roles};
use crate::helpers::{Caller, TestApp, backend_tests};

fn casting(movie: i64, actor: i64) -> String {
    format!("/movies/{movie}/actors/{actor}")
}

/// A movie with an actor ready to cast in it.
async fn movie_and_actor(app: &TestApp) -> (i64, i64) {
    let movie = app.create_movie("Avatar", "2009-12-18").await;
    let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
    (movie, actor)
}

backend_tests! {
    async fn casting_an_actor_answers_the_movie_with_its_cast(app) {
        let (movie, actor) = movie_and_actor(&app).await;
        let reply = app
            .put(Caller::CastingDirector, &casting(movie, actor), json!({"character": "Neytiri"}))
            .await;
        reply.assert_status(200);
        assert!(reply.header("etag").is_some(), "a write returns an ETag");
        assert_eq!(reply.body["movie"]["id"], json!(movie));
        assert_eq!(reply.body["movie"]["title"], json!("Avatar"));
        assert_eq!(
            reply.body["movie"]["cast"],
            json!([{"id": actor, "name": "Zoë Saldaña", "character": "Neytiri"}])
        );
        assert_eq!(app.movie(movie).await["cast"], reply.body["movie"]["cast"]);
        let read_back = app.actor(actor).await;
        assert_eq!(
            read_back["movies"],
            json!([{"id": movie, "title": "Avatar", "release_date": "2009-12-18", "character": "Neytiri"}])
        );
    }

    async fn casting_without_a_body_records_no_character(app) {
        let (movie, actor) = movie_and_actor(&app).await;
        let reply = app.call(Caller::CastingDirector, Method::PUT, &casting(movie, actor)).send().await;
        reply.assert_status(200);
        assert_eq!(cast(&reply.body["movie"]), vec![(actor, Value::Null)]);
        assert_eq!(roles(&app.actor(actor).await), vec![(movie, Value::Null)]);

        // An empty object, a null and a blank character all mean "no character" too.
        let other = app.create_actor("Sam Worthington", 48, "male").await;
        for body in [json!({}), json!({"character": null}), json!({"character": "   "})] {
            let reply = app.put(Caller::CastingDirector, &casting(movie, other), body.clone()).await;
            reply.assert_status(200);
            assert_eq!(cast(&reply.body["movie"]), vec![(actor, Value::Null), (other, Value::Null)], "{body}");
        }
    }

    async fn the_character_is_trimmed_and_may_be_200_characters(app) {
        let (movie, actor) = movie_and_actor(&app).await;
        let reply = app
            .put(Caller::CastingDirector, &casting(movie, actor), json!({"character": "  Neytiri \n"}))
            .await;
        reply.assert_status(200);
        assert_eq!(cast(&reply.body["movie"]), vec![(actor, json!("Neytiri"))]);

        let longest = "é".repeat(200);
        let reply = app
            .put(Caller::CastingDirector, &casting(movie, actor), json!({"character": longest}))
            .await;
        reply.assert_status(200);
        assert_eq!(cast(&reply.body["movie"]), vec![(actor, json!(longest))]);
    }

    async fn casting_again_is_harmless(app) {
        let (movie, actor) = movie_and_actor(&app).await;
        let first = app
            .put(Caller::CastingDirector, &casting(movie, actor), json!({"character": "Neytiri"}))
            .await;
        first.assert_status(200);
        let (_, actor_etag) = app.actor_and_etag(actor).await;

        let again = app
            .put(Caller::CastingDirector, &casting(movie, actor), json!({"character": "Neytiri"}))
            .await;
        again.assert_status(200);
        assert_eq!(again.body["movie"]["cast"], first.body["movie"]["cast"]);
        assert_eq!(again.etag(), first.etag(), "nothing changed, so neither did the ETag");
        assert_eq!(again.body["movie"]["updated_at"], first.body["movie"]["updated_at"]);
        let (read_back, movie_etag) = app.movie_and_etag(movie).await;
        assert_eq!(movie_etag, first.etag());
        assert_eq!(cast(&read_back), vec![(actor, json!("Neytiri"))]);
        assert_eq!(app.actor_and_etag(actor).await.1, actor_etag);

        // The same goes for a casting without a character.
        let other = app.create_actor("Sigourney Weaver", 75, "female").await;
        let first = app.call(Caller::CastingDirector, Method::PUT, &casting(movie, other)).send().await;
        let again = app.call(Caller::CastingDirector, Method::PUT, &casting(movie, other)).send().await;
        again.assert_status(200);
        assert_eq!(again.etag(), first.etag());
        assert_eq!(again.body["movie"]["cast"], first.body["movie"]["cast"]);
    }

    async fn casting_again_with_another_character_changes_it(app) {
        let (movie, actor) = movie_and_actor(&app).await;
        let first = app
            .put(Caller::CastingDirector, &casting(movie, actor), json!({"character": "Neytiri"}))
            .await;
        let changed = app
            .put(Caller::CastingDirector, &casting(movie, actor), json!({"character": "Mo'at"}))
            .await;
        changed.assert_status(200);
        assert_eq!(cast(&changed.body["movie"]), vec![(actor, json!("Mo'at"))]);
        assert_ne!(changed.etag(), first.etag());
        assert_eq!(roles(&app.actor(actor).await), vec![(movie, json!("Mo'at"))]);

        // And back to no character at all.
        let cleared = app
            .put(Caller::CastingDirector, &casting(movie, actor), json!({"character": null}))
            .await;
        cleared.assert_status(200);
        assert_eq!(cast(&cleared.body["movie"]), vec![(actor, Value::Null)]);
        assert_eq!(roles(&app.actor(actor).await), vec![(movie, Value::Null)]);
    }

    async fn an_actor_is_in_every_movie_it_is_cast_in_and_a_movie_lists_its_whole_cast(app) {
        let first = app.create_movie("First", "2001-01-01").await;
        let second = app.create_movie("Second", "1999-01-01").await;
        let ann = app.create_actor("Ann", 30, "female").await;
        let bob = app.create_actor("Bob", 40, "male").await;
        app.cast(first, ann, "Lead").await;
        app.cast(first, bob, "Villain").await;
        app.cast(second, ann, "Cameo").await;

        assert_eq!(cast(&app.movie(first).await), vec![(ann, json!("Lead")), (bob, json!("Villain"))]);
        assert_eq!(cast(&app.movie(second).await), vec![(ann, json!("Cameo"))]);
        // By release date.
        assert_eq!(roles(&app.actor(ann).await), vec![(second, json!("Cameo")), (first, json!("Lead"))]);
        assert_eq!(roles(&app.actor(bob).await), vec![(first, json!("Villain"))]);
        // Lists carry the same.
        let actors = app.list_all("/actors", "actors").await;
        assert_eq!(roles(&actors[0]), vec![(second, json!("Cameo")), (first, json!("Lead"))]);
        let movies = app.list_all("/movies", "movies").await;
        assert_eq!(cast(&movies[0]), vec![(ann, json!("Lead")), (bob, json!("Villain"))]);
    }

    async fn removing_an_actor_from_the_cast(app) {
        let (movie, actor) = movie_and_actor(&app).await;
        let stays = app.create_actor("Stephen Lang", 72, "male").await;
        app.cast(movie, actor, "Neytiri").await;
        app.cast(movie, stays, "Quaritch").await;
        let (_, before) = app.movie_and_etag(movie).await;

        let reply = app.delete(Caller::CastingDirector, &casting(movie, actor)).await;
        reply.assert_status(200);
        assert_eq!(reply.body["movie"]["id"], json!(movie));
        assert_eq!(cast(&reply.body["movie"]), vec![(stays, json!("Quaritch"))]);
        assert_ne!(reply.etag(), before);
        assert_eq!(cast(&app.movie(movie).await), vec![(stays, json!("Quaritch"))]);
        assert_eq!(roles(&app.actor(actor).await), vec![]);
        assert_eq!(app.actor(actor).await["name"], json!("Zoë Saldaña"), "the actor stays");

        // Again: there is nothing to remove.
        let (_, after) = app.movie_and_etag(movie).await;
        app.delete(Caller::CastingDirector, &casting(movie, actor))
            .await
            .assert_error(404, "not_found");
        assert_eq!(app.movie_and_etag(movie).await.1, after);
    }

    async fn casting_a_missing_actor_is_404_and_changes_nothing(app) {
        let (movie, actor) = movie_and_actor(&app).await;
        app.cast(movie, actor, "Neytiri").await;
        let (before, movie_etag) = app.movie_and_etag(movie).await;

        let missing = actor + 1000;
        app.put(Caller::CastingDirector, &casting(movie, missing), json!({"character": "Ghost"}))
            .await
            .assert_error(404, "not_found");
        app.delete(Caller::CastingDirector, &casting(movie, missing))
            .await
            .assert_error(404, "not_found");
        let (after, etag_after) = app.movie_and_etag(movie).await;
        assert_eq!(after, before);
        assert_eq!(etag_after, movie_etag);
    }

    async fn casting_in_a_missing_movie_is_404_and_changes_nothing(app) {
        let (movie, actor) = movie_and_actor(&app).await;
        app.cast(movie, actor, "Neytiri").await;
        let (before, actor_etag) = app.actor_and_etag(actor).await;

        let missing = movie + 1000;
        app.put(Caller::CastingDirector, &casting(missing, actor), json!({"character": "Ghost"}))
            .await
            .assert_error(404, "not_found");
        app.delete(Caller::CastingDirector, &casting(missing, actor))
            .await
            .assert_error(404, "not_found");
        app.put(Caller::CastingDirector, &casting(missing, actor + 1000), json!({}))
            .await
            .assert_error(404, "not_found");
        let (after, etag_after) = app.actor_and_etag(actor).await;
        assert_eq!(after, before);
        assert_eq!(etag_after, actor_etag);
    }

    async fn malformed_ids_in_a_casting_path_are_400(app) {
        let (movie, actor) = movie_and_actor(&app).await;
        for path in [
            format!("/movies/abc/actors/{actor}"),
            format!("/movies/{movie}/actors/abc"),
            format!("/movies/0/actors/{actor}"),
            format!("/movies/{movie}/actors/0"),
            format!("/movies/-1/actors/{actor}"),
            format!("/movies/{movie}/actors/1.5"),
            format!("/movies/{movie}/actors/99999999999999999999"),
            format!("/movies/%20{movie}/actors/{actor}"),
        ] {
            app.put(Caller::CastingDirector, &path, json!({"character": "X"}))
                .await
                .assert_error(400, "bad_request");
            app.delete(Caller::CastingDirector, &path).await.assert_error(400, "bad_request");
        }
        assert_eq!(cast(&app.movie(movie).await), vec![]);
    }

    async fn an_invalid_casting_body_is_422_and_changes_nothing(app) {
        let (movie, actor) = movie_and_actor(&app).await;
        app.cast(movie, actor, "Neytiri").await;
        let (before, movie_etag) = app.movie_and_etag(movie).await;
        let (actor_before, actor_etag) = app.actor_and_etag(actor).await;

        for (body, field) in [
            (json!({"character": "x".repeat(201)}), "character"),
            (json!({"character": 42}), "character"),
            (json!({"character": true}), "character"),
            (json!({"character": ["Neytiri"]}), "character"),
            (json!({"character": {"name": "Neytiri"}}), "character"),
            (json!({"character": "Ney\u{0}tiri"}), "character"),
            (json!({"character": "Mo'at", "role": "lead"}), "role"),
            (json!({"actor_id": actor}), "actor_id"),
            (json!({"id": actor}), "id"),
            (json!(["Neytiri"]), ""),
            (json!("Neytiri"), ""),
        ] {
            let reply = app.put(Caller::CastingDirector, &casting(movie, actor), body.clone()).await;
            reply.assert_error(422, "validation_failed");
            assert!(reply.message().contains(field), "{body}: {}", reply.message());
        }
        // A second, uncast actor is not cast by a refused request either.
        let other = app.create_actor("Joel David Moore", 47, "male").await;
        app.put(Caller::CastingDirector, &casting(movie, other), json!({"character": 7}))
            .await
            .assert_error(422, "validation_failed");

        assert_eq!(app.movie_and_etag(movie).await, (before, movie_etag));
        assert_eq!(app.actor_and_etag(actor).await, (actor_before, actor_etag));
        assert_eq!(roles(&app.actor(other).await), vec![]);
    }

    async fn a_casting_body_that_is_not_json_is_refused(app) {
        let (movie, actor) = movie_and_actor(&app).await;
        app.call(Caller::CastingDirector, Method::PUT, &casting(movie, actor))
            .body("application/json", "{\"character\": ")
            .send()
            .await
            .assert_error(400, "bad_request");
        app.call(Caller::CastingDirector, Method::PUT, &casting(movie, actor))
            .body("text/plain", "Neytiri")
            .send()
            .await
            .assert_error(415, "unsupported_media_type");
        assert_eq!(cast(&app.movie(movie).await), vec![]);
    }

    async fn deleting_an_actor_removes_its_castings_and_keeps_the_movies(app) {
        let first = app.create_movie("First", "2001-01-01").await;
        let second = app.create_movie("Second", "2002-01-01").await;
        let leaving = app.create_actor("Leaving", 30, "female").await;
        let staying = app.create_actor("Staying", 40, "male").await;
        app.cast(first, leaving, "Lead").await;
        app.cast(first, staying, "Friend").await;
        app.cast(second, leaving, "Lead").await;
        let (_, first_etag) = app.movie_and_etag(first).await;

        app.delete(Caller::CastingDirector, &format!("/actors/{leaving}")).await.assert_status(200);

        assert_eq!(app.actor(leaving).await, Value::Null);
        let (first_after, first_etag_after) = app.movie_and_etag(first).await;
        assert_eq!(first_after["title"], json!("First"));
        assert_eq!(cast(&first_after), vec![(staying, json!("Friend"))]);
        assert_ne!(first_etag_after, first_etag, "the movie's cast changed, so did its ETag");
        assert_eq!(cast(&app.movie(second).await), vec![]);
        assert_eq!(roles(&app.actor(staying).await), vec![(first, json!("Friend"))]);
        // The castings are gone, not hidden: casting the id again finds no actor.
        app.put(Caller::CastingDirector, &casting(second, leaving), json!({}))
            .await
            .assert_error(404, "not_found");
    }

    async fn deleting_a_movie_removes_its_castings_and_keeps_the_actors(app) {
        let leaving = app.create_movie("Leaving", "2001-01-01").await;
        let staying = app.create_movie("Staying", "2002-01-01").await;
        let ann = app.create_actor("Ann", 30, "female").await;
        let bob = app.create_actor("Bob", 40, "male").await;
        app.cast(leaving, ann, "Lead").await;
        app.cast(leaving, bob, "Villain").await;
        app.cast(staying, ann, "Cameo").await;
        let (_, ann_etag) = app.actor_and_etag(ann).await;

        app.delete(Caller::ExecutiveProducer, &format!("/movies/{leaving}")).await.assert_status(200);

        assert_eq!(app.movie(leaving).await, Value::Null);
        let (ann_after, ann_etag_after) = app.actor_and_etag(ann).await;
        assert_eq!(ann_after["name"], json!("Ann"));
        assert_eq!(roles(&ann_after), vec![(staying, json!("Cameo"))]);
        assert_ne!(ann_etag_after, ann_etag, "the actor's movies changed, so did its ETag");
        assert_eq!(roles(&app.actor(bob).await), vec![]);
        assert_eq!(cast(&app.movie(staying).await), vec![(ann, json!("Cameo"))]);
    }

    async fn a_casting_director_casts_and_a_casting_assistant_cannot(app) {
        let (movie, actor) = movie_and_actor(&app).await;
        app.put(Caller::CastingDirector, &casting(movie, actor), json!({"character": "Neytiri"}))
            .await
            .assert_status(200);
        let (before, movie_etag) = app.movie_and_etag(movie).await;

        let other = app.create_actor("CCH Pounder", 72, "female").await;
        app.put(Caller::CastingAssistant, &casting(movie, other), json!({"character": "Mo'at"}))
            .await
            .assert_error(403, "forbidden");
        app.put(Caller::CastingAssistant, &casting(movie, actor), json!({"character": "Changed"}))
            .await
            .assert_error(403, "forbidden");
        app.delete(Caller::CastingAssistant, &casting(movie, actor))
            .await
            .assert_error(403, "forbidden");
        app.put(Caller::Anonymous, &casting(movie, other), json!({}))
            .await
            .assert_error(401, "unauthorized");
        app.delete(Caller::Anonymous, &casting(movie, actor))
            .await
            .assert_error(401, "unauthorized");
        assert_eq!(app.movie_and_etag(movie).await, (before, movie_etag));

        // A token with only patch:movie (and nothing to read with) is enough.
        let token = app.key.sign(&identity::claims(&["patch:movie"]));
        app.request(Method::PUT, &casting(movie, other))
            .bearer(&token)
            .json(&json!({"character": "Mo'at"}))
            .send()
            .await
            .assert_status(200);
        app.delete(Caller::CastingDirector, &casting(movie, actor)).await.assert_status(200);
        assert_eq!(cast(&app.movie(movie).await), vec![(other, json!("Mo'at"))]);
    }

    async fn a_write_with_the_current_etag_succeeds(app) {
        let actor = app.create_actor("Current", 30, "female").await;
        let (_, tag) = app.actor_and_etag(actor).await;
        let reply = app
            .call(Caller::CastingDirector, Method::PATCH, &format!("/actors/{actor}"))
            .header("If-Match", &tag)
            .json(&json!({"age": 31}))
            .send()
            .await;
        reply.assert_status(200);
        assert_ne!(reply.etag(), tag);
        let (read_back, tag_now) = app.actor_and_etag(actor).await;
        assert_eq!(read_back["age"], json!(31));
        assert_eq!(tag_now, reply.etag(), "the ETag of a write is the resource's new ETag");

        // A list of tags matches if any of them does.
        let movie = app.create_movie("Current", "2000-01-01").await;
        let (_, movie_tag) = app.movie_and_etag(movie).await;
        let reply = app
            .call(Caller::ExecutiveProducer, Method::PATCH, &format!("/movies/{movie}"))
            .header("If-Match", &format!("\"v999\", {movie_tag}"))
            .json(&json!({"title": "Current, Again"}))
            .send()
            .await;
        reply.assert_status(200);
        let (_, movie_tag) = app.movie_and_etag(movie).await;

        // Casting and uncasting are writes of the movie, and take its ETag too.
        let reply = app
            .call(Caller::CastingDirector, Method::PUT, &casting(movie, actor))
            .header("If-Match", &movie_tag)
            .json(&json!({"character": "Lead"}))
            .send()
            .await;
        reply.assert_status(200);
        let reply = app
            .call(Caller::CastingDirector, Method::DELETE, &casting(movie, actor))
            .header("If-Match", &reply.etag())
            .send()
            .await;
        reply.assert_status(200);
        let (_, movie_tag) = app.movie_and_etag(movie).await;

        let (_, actor_tag) = app.actor_and_etag(actor).await;
        app.call(Caller::CastingDirector, Method::DELETE, &format!("/actors/{actor}"))
            .header("If-Match", &actor_tag)
            .send()
            .await
            .assert_status(200);
        assert_eq!(app.actor(actor).await, Value::Null);
        app.call(Caller::ExecutiveProducer, Method::DELETE, &format!("/movies/{movie}"))
            .header("If-Match", &movie_tag)
            .send()
            .await
            .assert_status(200);
        assert_eq!(app.movie(movie).await, Value::Null);
    }

    async fn a_write_with_a_stale_etag_is_412_and_writes_nothing(app) {
        let actor = app.create_actor("Stale", 30, "female").await;
        let (_, stale) = app.actor_and_etag(actor).await;
        app.patch(Caller::CastingDirector, &format!("/actors/{actor}"), json!({"name": "Fresh"}))
            .await
            .assert_status(200);
        let (current, current_tag) = app.actor_and_etag(actor).await;
        assert_ne!(current_tag, stale);

        let path = format!("/actors/{actor}");
        for tag in [stale.as_str(), "\"v999\"", "W/\"v2\"", "garbage", "\"\""] {
            app.call(Caller::CastingDirector, Method::PATCH, &path)
                .header("If-Match", tag)
                .json(&json!({"name": "Lost Update", "age": 99}))
                .send()
                .await
                .assert_error(412, "precondition_failed");
            app.call(Caller::CastingDirector, Method::DELETE, &path)
                .header("If-Match", tag)
                .send()
                .await
                .assert_error(412, "precondition_failed");
        }
        assert_eq!(app.actor_and_etag(actor).await, (current, current_tag));

        let movie = app.create_movie("Stale", "2000-01-01").await;
        let (_, stale) = app.movie_and_etag(movie).await;
        app.cast(movie, actor, "Lead").await;
        let (current, current_tag) = app.movie_and_etag(movie).await;
        let path = format!("/movies/{movie}");
        app.call(Caller::ExecutiveProducer, Method::PATCH, &path)
            .header("If-Match", &stale)
            .json(&json!({"title": "Lost Update"}))
            .send()
            .await
            .assert_error(412, "precondition_failed");
        app.call(Caller::ExecutiveProducer, Method::DELETE, &path)
            .header("If-Match", &stale)
            .send()
            .await
            .assert_error(412, "precondition_failed");
        app.call(Caller::CastingDirector, Method::PUT, &casting(movie, actor))
            .header("If-Match", &stale)
            .json(&json!({"character": "Lost Update"}))
            .send()
            .await
            .assert_error(412, "precondition_failed");
        app.call(Caller::CastingDirector, Method::DELETE, &casting(movie, actor))
            .header("If-Match", &stale)
            .send()
            .await
            .assert_error(412, "precondition_failed");
        assert_eq!(app.movie_and_etag(movie).await, (current, current_tag));
    }

    async fn if_match_star_succeeds_for_an_existing_resource(app) {
        let actor = app.create_actor("Star", 30, "female").await;
        let movie = app.create_movie("Star", "2000-01-01").await;
        app.call(Caller::CastingDirector, Method::PATCH, &format!("/actors/{actor}"))
            .header("If-Match", "*")
            .json(&json!({"age": 32}))
            .send()
            .await
            .assert_status(200);
        assert_eq!(app.actor(actor).await["age"], json!(32));
        app.call(Caller::CastingDirector, Method::PUT, &casting(movie, actor))
            .header("If-Match", "*")
            .send()
            .await
            .assert_status(200);
        app.call(Caller::ExecutiveProducer, Method::PATCH, &format!("/movies/{movie}"))
            .header("If-Match", "*")
            .json(&json!({"title": "Star Two"}))
            .send()
            .await
            .assert_status(200);
        app.call(Caller::ExecutiveProducer, Method::DELETE, &format!("/movies/{movie}"))
            .header("If-Match", "*")
            .send()
            .await
            .assert_status(200);
        app.call(Caller::CastingDirector, Method::DELETE, &format!("/actors/{actor}"))
            .header("If-Match", "*")
            .send()
            .await
            .assert_status(200);
        assert_eq!(app.actor(actor).await, Value::Null);
        assert_eq!(app.movie(movie).await, Value::Null);
    }

    async fn concurrent_patches_of_different_fields_both_take_effect(app) {
        let actor = app.create_actor("Racer", 30, "female").await;
        let path = format!("/actors/{actor}");
        for round in 0..10 {
            let name = format!("Racer {round}");
            let (by_name, by_age) = tokio::join!(
                app.patch(Caller::CastingDirector, &path, json!({"name": name})),
                app.patch(Caller::CastingDirector, &path, json!({"age": 40 + round})),
            );
            by_name.assert_status(200);
            by_age.assert_status(200);
            let read_back = app.actor(actor).await;
            assert_eq!(read_back["name"], json!(name), "round {round}");
            assert_eq!(read_back["age"], json!(40 + round), "round {round}");
            assert_eq!(read_back["gender"], json!("female"));
        }

        let movie = app.create_movie("Racing", "2000-01-01").await;
        let path = format!("/movies/{movie}");
        for round in 0..5 {
            let title = format!("Racing {round}");
            let date = format!("201{round}-06-01");
            let (by_title, by_date) = tokio::join!(
                app.patch(Caller::ExecutiveProducer, &path, json!({"title": title})),
                app.patch(Caller::ExecutiveProducer, &path, json!({"release_date": date})),
            );
            by_title.assert_status(200);
            by_date.assert_status(200);
            let read_back = app.movie(movie).await;
            assert_eq!(read_back["title"], json!(title), "round {round}");
            assert_eq!(read_back["release_date"], json!(date), "round {round}");
        }
    }

    async fn concurrent_castings_in_one_movie_all_take_effect(app) {
        let movie = app.create_movie("Ensemble", "2000-01-01").await;
        let mut actors = Vec::new();
        for i in 0..6 {
            actors.push(app.create_actor(&format!("Ensemble {i}"), 30 + i, "male").await);
        }
        let app = &app;
        let castings = actors.iter().map(|actor| {
            let path = casting(movie, *actor);
            async move {
                app.put(Caller::CastingDirector, &path, json!({"character": format!("Part {actor}")}))
                    .await
            }
        });
        for reply in futures_util::future::join_all(castings).await {
            reply.assert_status(200);
        }
        let mut cast_ids: Vec<i64> = cast(&app.movie(movie).await).into_iter().map(|(id, _)| id).collect();
        cast_ids.sort_unstable();
        assert_eq!(cast_ids, actors);

        // Removing them all at once leaves no one.
        let removals = actors.iter().map(|actor| {
            let path = casting(movie, *actor);
            async move { app.delete(Caller::CastingDirector, &path).await }
        });
        for reply in futures_util::future::join_all(removals).await {
            reply.assert_status(200);
        }
        assert_eq!(cast(&app.movie(movie).await), vec![]);
    }

    async fn two_writers_with_the_same_etag_cannot_both_win(app) {
        let actor = app.create_actor("Contended", 30, "female").await;
        let path = format!("/actors/{actor}");
        for round in 0..5 {
            let (_, tag) = app.actor_and_etag(actor).await;
            let (first, second) = tokio::join!(
                app.call(Caller::CastingDirector, Method::PATCH, &path)
                    .header("If-Match", &tag)
                    .json(&json!({"name": format!("First {round}")}))
                    .send(),
                app.call(Caller::CastingDirector, Method::PATCH, &path)
                    .header("If-Match", &tag)
                    .json(&json!({"name": format!("Second {round}")}))
                    .send(),
            );
            let mut statuses = [first.status, second.status];
            statuses.sort_unstable();
            assert_eq!(statuses, [200, 412], "round {round}: one wins, the other is told");
            let winner = if first.status == 200 { &first } else { &second };
            assert_eq!(app.actor(actor).await["name"], winner.body["actor"]["name"]);
        }
    }
}
