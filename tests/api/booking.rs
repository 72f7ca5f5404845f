//! Booking: a candidate who becomes `booked` is cast in the movie as the role's character, within
//! the role's positions; leaving `booked`, or the cast, undoes it; the cast and the roles never
//! disagree, however the writes race.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::candidates::bulk;
use crate::helpers::json::{cast, roles};
use crate::helpers::{Caller, Reply, TestApp, backend_tests};
use crate::roles::{
    actor_ids, add_candidates, candidate_path, candidates, counts, counts_of, create_role, move_to,
    movie_roles, put_candidate, role, role_and_etag, role_path, role_with_positions, snapshot,
};

fn casting(movie: i64, actor: i64) -> String {
    format!("/movies/{movie}/actors/{actor}")
}

/// Creates `n` actors named `{prefix} {i}`.
async fn actors(app: &TestApp, prefix: &str, n: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            app.create_actor(&format!("{prefix} {i}"), 20 + i, "male")
                .await,
        );
    }
    ids
}

/// (actor id, character) pairs in actor order.
fn sorted(mut members: Vec<(i64, Value)>) -> Vec<(i64, Value)> {
    members.sort_by_key(|(actor, _)| *actor);
    members
}

/// The movie's cast as (actor id, character), in actor order.
fn sorted_cast(movie: &Value) -> Vec<(i64, Value)> {
    sorted(cast(movie))
}

/// The status of a candidate as read now.
async fn status_of(app: &TestApp, role: i64, actor: i64) -> Value {
    let reply = app
        .get(Caller::CastingAssistant, &candidate_path(role, actor))
        .await;
    reply.assert_status(200);
    reply.body["candidate"]["status"].clone()
}

/// Checks the contract's invariant for a role: its booked candidates are exactly the members of
/// the movie's cast who play its name, no more than its positions; and its counts are its list's.
async fn assert_in_step(app: &TestApp, movie: i64, role_id: i64) {
    let role_now = role(app, role_id).await;
    let name = role_now["name"].clone();
    let listed = candidates(app, role_id).await;
    let booked: BTreeSet<i64> = listed
        .iter()
        .filter(|candidate| candidate["status"] == json!("booked"))
        .map(|candidate| candidate["actor"]["id"].as_i64().unwrap())
        .collect();
    let movie_now = app.movie(movie).await;
    let playing: BTreeSet<i64> = cast(&movie_now)
        .into_iter()
        .filter(|(_, character)| *character == name)
        .map(|(actor, _)| actor)
        .collect();
    assert_eq!(
        booked, playing,
        "the booked candidates of {name} are the cast members who play it; cast: {}",
        movie_now["cast"]
    );
    assert!(
        booked.len() as i64 <= role_now["positions"].as_i64().unwrap(),
        "{} booked for {} positions",
        booked.len(),
        role_now["positions"]
    );
    assert_eq!(
        role_now["candidates"],
        counts_of(&listed),
        "the role's counts are those of its candidates"
    );
}

/// A movie with a role "Neytiri" of `positions`: (movie, role).
async fn movie_with_a_role(app: &TestApp, positions: i64) -> (i64, i64) {
    let movie = app.create_movie("Avatar", "2009-12-18").await;
    let role = role_with_positions(app, movie, "Neytiri", positions).await;
    (movie, role)
}

/// The `n`th of the actors alive, round and round.
fn pick(live: &Mutex<Vec<i64>>, n: usize) -> i64 {
    let live = live.lock().unwrap();
    live[n % live.len()]
}

/// Checks a status a request of the stress test may answer: 200, 404, 409, 412, or 503 with a
/// Retry-After; never a fault.
#[track_caller]
fn assert_allowed(reply: &Reply, what: &str) {
    assert!(
        [200, 404, 409, 412, 503].contains(&reply.status),
        "{what} answered {}: {}",
        reply.status,
        reply.body
    );
    if reply.status == 503 {
        assert!(
            reply.header("retry-after").is_some(),
            "{what}: a 503 says when to retry"
        );
    }
    if reply.status != 200 {
        assert_eq!(
            reply.body["success"],
            json!(false),
            "{what}: {}",
            reply.body
        );
    }
}

backend_tests! {
    async fn booking_a_candidate_casts_them_with_the_roles_name(app) {
        let (movie, role_id) = movie_with_a_role(&app, 1).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        let other = app.create_actor("Sam Worthington", 48, "male").await;
        app.cast(movie, other, "Jake Sully").await;
        add_candidates(&app, role_id, &[actor]).await;
        let (_, movie_etag) = app.movie_and_etag(movie).await;
        assert_eq!(roles(&app.actor(actor).await), vec![], "a candidate is not cast");

        let reply = move_to(&app, role_id, actor, "booked").await;
        reply.assert_status(200);
        assert_eq!(reply.body["candidate"]["status"], json!("booked"));
        let (after, etag_after) = app.movie_and_etag(movie).await;
        assert_eq!(sorted_cast(&after), sorted(vec![(other, json!("Jake Sully")), (actor, json!("Neytiri"))]));
        assert_ne!(etag_after, movie_etag, "the cast changed, so did the movie's ETag");
        assert_eq!(roles(&app.actor(actor).await), vec![(movie, json!("Neytiri"))]);
        assert_eq!(role(&app, role_id).await["candidates"], counts(&[("booked", 1)]));
        // The casting is in the movie's history, as every casting is.
        let history = app.list_all(&format!("/movies/{movie}/history"), "history").await;
        assert!(
            history.iter().any(|entry| entry["changes"]["actor_id"]["to"] == json!(actor)
                && entry["changes"]["character"]["to"] == json!("Neytiri")),
            "{history:?}"
        );
        assert_in_step(&app, movie, role_id).await;
    }

    async fn adding_a_candidate_as_booked_casts_them_at_once(app) {
        let (movie, role_id) = movie_with_a_role(&app, 1).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        let reply = put_candidate(&app, role_id, actor, Some(json!({"status": "booked", "rank": 1}))).await;
        reply.assert_status(200);
        assert_eq!(cast(&app.movie(movie).await), vec![(actor, json!("Neytiri"))]);
        assert_in_step(&app, movie, role_id).await;
    }

    async fn booking_past_the_roles_positions_is_409_and_changes_nothing(app) {
        let (movie, role_id) = movie_with_a_role(&app, 2).await;
        let ids = actors(&app, "Hopeful", 4).await;
        add_candidates(&app, role_id, &ids[..3]).await;
        move_to(&app, role_id, ids[0], "booked").await.assert_status(200);
        move_to(&app, role_id, ids[1], "booked").await.assert_status(200);
        let before = snapshot(&app, movie).await;

        move_to(&app, role_id, ids[2], "booked").await.assert_error(409, "conflict");
        // Nor may a newcomer be added as booked.
        put_candidate(&app, role_id, ids[3], Some(json!({"status": "booked"}))).await.assert_error(409, "conflict");
        assert_eq!(snapshot(&app, movie).await, before, "nothing changed");
        assert_eq!(status_of(&app, role_id, ids[2]).await, json!("submitted"));

        // Booking one who is booked already is no booking past the positions.
        move_to(&app, role_id, ids[0], "booked").await.assert_status(200);
        // With one more position, the third fits.
        app.patch(Caller::CastingDirector, &role_path(role_id), json!({"positions": 3})).await.assert_status(200);
        move_to(&app, role_id, ids[2], "booked").await.assert_status(200);
        assert_eq!(role(&app, role_id).await["candidates"], counts(&[("booked", 3)]));
        assert_in_step(&app, movie, role_id).await;
    }

    async fn a_booked_candidate_who_moves_on_leaves_the_cast(app) {
        let (movie, role_id) = movie_with_a_role(&app, 2).await;
        let ids = actors(&app, "Booked", 2).await;
        let other = app.create_actor("Sam Worthington", 48, "male").await;
        app.cast(movie, other, "Jake Sully").await;
        for actor in &ids {
            move_to(&app, role_id, *actor, "booked").await.assert_status(200);
        }
        move_to(&app, role_id, ids[0], "hold").await.assert_status(200);
        assert_eq!(sorted_cast(&app.movie(movie).await), sorted(vec![(other, json!("Jake Sully")), (ids[1], json!("Neytiri"))]));
        move_to(&app, role_id, ids[1], "passed").await.assert_status(200);
        assert_eq!(cast(&app.movie(movie).await), vec![(other, json!("Jake Sully"))]);
        assert_eq!(roles(&app.actor(ids[0]).await), vec![]);
        assert_eq!(role(&app, role_id).await["candidates"], counts(&[("hold", 1), ("passed", 1)]));
        assert_in_step(&app, movie, role_id).await;
    }

    async fn removing_a_booked_actor_from_the_cast_puts_the_candidate_on_hold(app) {
        let (movie, role_id) = movie_with_a_role(&app, 1).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        move_to(&app, role_id, actor, "booked").await.assert_status(200);
        let (_, role_etag) = role_and_etag(&app, role_id).await;

        let reply = app.delete(Caller::CastingDirector, &casting(movie, actor)).await;
        reply.assert_status(200);
        assert_eq!(cast(&reply.body["movie"]), vec![]);
        assert_eq!(cast(&app.movie(movie).await), vec![]);
        assert_eq!(status_of(&app, role_id, actor).await, json!("hold"));
        let (role_now, role_etag_now) = role_and_etag(&app, role_id).await;
        assert_eq!(role_now["candidates"], counts(&[("hold", 1)]));
        assert_ne!(role_etag_now, role_etag, "the role's counts changed, so did its ETag");
        assert_in_step(&app, movie, role_id).await;

        // The freed position can be booked again.
        move_to(&app, role_id, actor, "booked").await.assert_status(200);
        assert_eq!(cast(&app.movie(movie).await), vec![(actor, json!("Neytiri"))]);
    }

    async fn an_actor_booked_for_one_role_cannot_be_booked_for_another_of_the_same_movie(app) {
        let (movie, neytiri) = movie_with_a_role(&app, 1).await;
        let double = create_role(&app, movie, json!({"name": "Neytiri's Double", "positions": 2})).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        move_to(&app, neytiri, actor, "booked").await.assert_status(200);
        add_candidates(&app, double, &[actor]).await;
        let before = snapshot(&app, movie).await;

        move_to(&app, double, actor, "booked").await.assert_error(409, "conflict");
        bulk(&app, double, json!({"actor_ids": [actor], "status": "booked"})).await.assert_error(409, "conflict");
        assert_eq!(snapshot(&app, movie).await, before, "nothing changed");
        assert_eq!(cast(&app.movie(movie).await), vec![(actor, json!("Neytiri"))]);

        // Another movie's role is another cast.
        let sequel = app.create_movie("Avatar 2", "2022-12-16").await;
        let sequel_role = role_with_positions(&app, sequel, "Neytiri", 1).await;
        move_to(&app, sequel_role, actor, "booked").await.assert_status(200);
        let mut filmography = roles(&app.actor(actor).await);
        filmography.sort_by_key(|(movie, _)| *movie);
        assert_eq!(filmography, vec![(movie, json!("Neytiri")), (sequel, json!("Neytiri"))]);
        assert_in_step(&app, movie, neytiri).await;
        assert_in_step(&app, movie, double).await;
        assert_in_step(&app, sequel, sequel_role).await;
    }

    async fn a_booked_actors_character_cannot_be_changed_through_the_cast(app) {
        let (movie, role_id) = movie_with_a_role(&app, 1).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        move_to(&app, role_id, actor, "booked").await.assert_status(200);
        let before = snapshot(&app, movie).await;

        for body in [json!({"character": "Mo'at"}), json!({"character": null}), json!({})] {
            app.put(Caller::CastingDirector, &casting(movie, actor), body.clone())
                .await
                .assert_error(409, "conflict");
        }
        app.call(Caller::CastingDirector, Method::PUT, &casting(movie, actor))
            .send()
            .await
            .assert_error(409, "conflict");
        assert_eq!(snapshot(&app, movie).await, before, "nothing changed");

        // The same character changes nothing, and is fine.
        let reply = app.put(Caller::CastingDirector, &casting(movie, actor), json!({"character": "Neytiri"})).await;
        reply.assert_status(200);
        assert_eq!(cast(&reply.body["movie"]), vec![(actor, json!("Neytiri"))]);
        assert_eq!(status_of(&app, role_id, actor).await, json!("booked"));
        assert_in_step(&app, movie, role_id).await;
    }

    async fn a_booked_candidate_cannot_be_deleted(app) {
        let (movie, role_id) = movie_with_a_role(&app, 1).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        move_to(&app, role_id, actor, "booked").await.assert_status(200);
        let before = snapshot(&app, movie).await;

        app.delete(Caller::CastingDirector, &candidate_path(role_id, actor))
            .await
            .assert_error(409, "conflict");
        assert_eq!(snapshot(&app, movie).await, before, "nothing changed");

        move_to(&app, role_id, actor, "passed").await.assert_status(200);
        app.delete(Caller::CastingDirector, &candidate_path(role_id, actor)).await.assert_status(200);
        assert_eq!(candidates(&app, role_id).await, Vec::<Value>::new());
        assert_in_step(&app, movie, role_id).await;
    }

    async fn bulk_booking_casts_them_all_and_past_the_positions_is_409_and_changes_nothing(app) {
        let (movie, role_id) = movie_with_a_role(&app, 2).await;
        let ids = actors(&app, "Crowd", 4).await;
        add_candidates(&app, role_id, &ids[..3]).await;

        let before = snapshot(&app, movie).await;
        bulk(&app, role_id, json!({"actor_ids": ids[..3], "status": "booked"})).await.assert_error(409, "conflict");
        bulk(&app, role_id, json!({"actor_ids": [ids[0], ids[3]], "status": "booked", "add": true}))
            .await
            .assert_status(200);
        let after_two = snapshot(&app, movie).await;
        assert_ne!(after_two, before);
        let mut booked: Vec<i64> = cast(&app.movie(movie).await).into_iter().map(|(actor, _)| actor).collect();
        booked.sort_unstable();
        assert_eq!(booked, [ids[0], ids[3]]);
        assert!(cast(&app.movie(movie).await).iter().all(|(_, character)| *character == json!("Neytiri")));

        bulk(&app, role_id, json!({"actor_ids": [ids[1]], "status": "booked"})).await.assert_error(409, "conflict");
        bulk(&app, role_id, json!({"actor_ids": [ids[1], ids[2]], "status": "booked", "rank": 1})).await.assert_error(409, "conflict");
        assert_eq!(snapshot(&app, movie).await, after_two, "nothing changed");

        // Unbooking in bulk takes them out of the cast.
        bulk(&app, role_id, json!({"actor_ids": [ids[0], ids[3]], "status": "hold"})).await.assert_status(200);
        assert_eq!(cast(&app.movie(movie).await), vec![]);
        assert_in_step(&app, movie, role_id).await;
    }

    async fn lowering_a_roles_positions_below_its_bookings_is_409_and_changes_nothing(app) {
        let (movie, role_id) = movie_with_a_role(&app, 3).await;
        let ids = actors(&app, "Booked", 2).await;
        for actor in &ids {
            move_to(&app, role_id, *actor, "booked").await.assert_status(200);
        }
        let before = snapshot(&app, movie).await;
        app.patch(Caller::CastingDirector, &role_path(role_id), json!({"positions": 1}))
            .await
            .assert_error(409, "conflict");
        assert_eq!(snapshot(&app, movie).await, before, "nothing changed");
        // Down to the number booked is fine.
        app.patch(Caller::CastingDirector, &role_path(role_id), json!({"positions": 2}))
            .await
            .assert_status(200);
        let third = app.create_actor("Third", 30, "male").await;
        move_to(&app, role_id, third, "booked").await.assert_error(409, "conflict");
        assert_in_step(&app, movie, role_id).await;
    }

    async fn booking_an_actor_already_in_the_cast_gives_them_the_roles_character(app) {
        let (movie, role_id) = movie_with_a_role(&app, 1).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        app.cast(movie, actor, "Na'vi Extra").await;
        move_to(&app, role_id, actor, "booked").await.assert_status(200);
        assert_eq!(cast(&app.movie(movie).await), vec![(actor, json!("Neytiri"))], "once, as the role");
        assert_in_step(&app, movie, role_id).await;
    }

    async fn casting_an_actor_as_a_roles_character_books_them_or_is_refused(app) {
        let (movie, role_id) = movie_with_a_role(&app, 1).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        let before = snapshot(&app, movie).await;
        let reply = app.put(Caller::CastingDirector, &casting(movie, actor), json!({"character": "Neytiri"})).await;
        match reply.status {
            200 => assert_eq!(status_of(&app, role_id, actor).await, json!("booked")),
            409 => {
                reply.assert_error(409, "conflict");
                assert_eq!(snapshot(&app, movie).await, before, "nothing changed");
            }
            other => panic!("casting as a role's character answered {other}: {}", reply.body),
        }
        assert_in_step(&app, movie, role_id).await;
    }

    async fn a_role_named_as_a_character_someone_already_plays_keeps_the_cast_and_the_role_in_step(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let actor = app.create_actor("Sam Worthington", 48, "male").await;
        app.cast(movie, actor, "Jake Sully").await;
        let everything = app.everything().await;
        // Whether the breakdown refuses the name or books the one who plays it, the contract's
        // invariant holds: booked for a role if and only if cast as its character.
        let reply = app.post(Caller::CastingDirector, &format!("/movies/{movie}/roles"), json!({"name": "Jake Sully"})).await;
        match reply.status {
            200 => {
                let role_id = reply.body["created"].as_i64().unwrap();
                assert_in_step(&app, movie, role_id).await;
            }
            409 => {
                reply.assert_error(409, "conflict");
                assert_eq!(app.everything().await, everything, "nothing changed");
                assert_eq!(movie_roles(&app, movie).await, Vec::<Value>::new());
            }
            other => panic!("a role named as a cast character answered {other}: {}", reply.body),
        }
    }

    async fn renaming_a_role_to_a_character_someone_else_plays_keeps_the_cast_and_the_role_in_step(app) {
        let (movie, role_id) = movie_with_a_role(&app, 1).await;
        let booked = app.create_actor("Zoë Saldaña", 46, "female").await;
        let other = app.create_actor("Sam Worthington", 48, "male").await;
        move_to(&app, role_id, booked, "booked").await.assert_status(200);
        app.cast(movie, other, "Jake Sully").await;
        let before = snapshot(&app, movie).await;
        let reply = app.patch(Caller::CastingDirector, &role_path(role_id), json!({"name": "Jake Sully"})).await;
        match reply.status {
            409 => {
                reply.assert_error(409, "conflict");
                assert_eq!(snapshot(&app, movie).await, before, "nothing changed");
            }
            200 => {}
            other => panic!("the rename answered {other}: {}", reply.body),
        }
        assert_in_step(&app, movie, role_id).await;
    }

    async fn twenty_concurrent_bookings_into_three_positions_book_exactly_three(app) {
        let (movie, role_id) = movie_with_a_role(&app, 3).await;
        let ids = actors(&app, "Rival", 20).await;
        bulk(&app, role_id, json!({"actor_ids": ids, "add": true, "status": "callback"})).await.assert_status(200);

        let app = &app;
        let bookings = ids.iter().map(|actor| async move {
            (*actor, move_to(app, role_id, *actor, "booked").await)
        });
        let replies = futures_util::future::join_all(bookings).await;
        let mut won = BTreeSet::new();
        for (actor, reply) in &replies {
            match reply.status {
                200 => {
                    won.insert(*actor);
                }
                409 => {
                    reply.assert_error(409, "conflict");
                }
                other => panic!("a booking of actor {actor} answered {other}: {}", reply.body),
            }
        }
        assert_eq!(won.len(), 3, "exactly three of twenty win three positions");

        let members: BTreeSet<i64> = cast(&app.movie(movie).await)
            .into_iter()
            .inspect(|(_, character)| assert_eq!(*character, json!("Neytiri")))
            .map(|(actor, _)| actor)
            .collect();
        assert_eq!(members, won, "the cast holds the three who won");
        assert_eq!(role(app, role_id).await["candidates"], counts(&[("booked", 3), ("callback", 17)]));
        assert_in_step(app, movie, role_id).await;
    }

    async fn bookings_renames_uncastings_and_deletions_racing_keep_the_cast_and_the_role_in_step(app) {
        let movie = app.create_movie("Stress", "2000-01-01").await;
        let role_id = role_with_positions(&app, movie, "Lead 0", 3).await;
        let pool = actors(&app, "Pool", 8).await;
        bulk(&app, role_id, json!({"actor_ids": pool, "add": true})).await.assert_status(200);

        let app = Arc::new(app);
        let live = Arc::new(Mutex::new(pool.clone()));
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut tasks = Vec::new();

        // Two bookers, one unbooker, one uncaster: each counts its successes.
        for (worker, status) in [(0, "booked"), (1, "booked"), (2, "hold")] {
            let (app, live) = (Arc::clone(&app), Arc::clone(&live));
            tasks.push(tokio::spawn(async move {
                let mut done = 0;
                let mut n = worker * 5;
                while Instant::now() < deadline {
                    n += 3;
                    let actor = pick(&live, n);
                    let reply = move_to(&app, role_id, actor, status).await;
                    assert_allowed(&reply, &format!("moving {actor} to {status}"));
                    done += usize::from(reply.status == 200);
                }
                (status, done)
            }));
        }
        {
            let (app, live) = (Arc::clone(&app), Arc::clone(&live));
            tasks.push(tokio::spawn(async move {
                let mut done = 0;
                let mut n = 1;
                while Instant::now() < deadline {
                    n += 5;
                    let actor = pick(&live, n);
                    let reply = app.delete(Caller::CastingDirector, &casting(movie, actor)).await;
                    assert_allowed(&reply, &format!("uncasting {actor}"));
                    done += usize::from(reply.status == 200);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                ("uncast", done)
            }));
        }
        // A renamer.
        {
            let app = Arc::clone(&app);
            tasks.push(tokio::spawn(async move {
                let mut done = 0;
                let mut n = 0;
                while Instant::now() < deadline {
                    n += 1;
                    let reply = app.patch(Caller::CastingDirector, &role_path(role_id), json!({"name": format!("Lead {n}")})).await;
                    assert_allowed(&reply, "renaming the role");
                    done += usize::from(reply.status == 200);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                ("rename", done)
            }));
        }
        // Actors who come, are booked, and are deleted.
        {
            let (app, live) = (Arc::clone(&app), Arc::clone(&live));
            tasks.push(tokio::spawn(async move {
                let mut done = 0;
                let mut n = 0;
                while Instant::now() < deadline {
                    n += 1;
                    let created = app.post(Caller::CastingDirector, "/actors", json!({"name": format!("Passing {n}"), "age": 30, "gender": "female"})).await;
                    assert_allowed(&created, "creating an actor");
                    let Some(actor) = created.body["created"].as_i64() else { continue };
                    live.lock().unwrap().push(actor);
                    let reply = move_to(&app, role_id, actor, "booked").await;
                    assert_allowed(&reply, &format!("booking the passing actor {actor}"));
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    live.lock().unwrap().retain(|id| *id != actor);
                    let reply = app.delete(Caller::CastingDirector, &format!("/actors/{actor}")).await;
                    assert_allowed(&reply, &format!("deleting the passing actor {actor}"));
                    if reply.status == 200 {
                        done += 1;
                    } else {
                        live.lock().unwrap().push(actor);
                    }
                }
                ("churn", done)
            }));
        }
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.expect("a stress task does not panic"));
        }
        for (what, done) in &outcomes {
            assert!(*done > 0, "{what} succeeded at least once: {outcomes:?}");
        }

        assert_in_step(&app, movie, role_id).await;
        let name = role(&app, role_id).await["name"].clone();
        for (actor, character) in cast(&app.movie(movie).await) {
            assert_eq!(character, name, "cast member {actor} plays the role's current name; only bookings cast here");
        }
        let listed = candidates(&app, role_id).await;
        let remaining: BTreeSet<i64> = actor_ids(&listed).into_iter().collect();
        let alive: BTreeSet<i64> = live.lock().unwrap().iter().copied().collect();
        assert!(remaining.is_subset(&alive), "the deleted actors' candidacies went with them: {remaining:?} of {alive:?}");
        assert!(pool.iter().all(|actor| remaining.contains(actor)), "the pool's candidacies stay: {remaining:?}");
    }
}
