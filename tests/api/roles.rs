//! A movie's roles (its breakdown): created, listed, read, changed and deleted; their counts of
//! candidates in every status; their history; and what renaming or deleting does to the cast.
//!
//! The helpers here (`create_role`, `candidates`, `snapshot`...) serve the candidate and booking
//! tests too.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::identity::SUBJECT;
use crate::helpers::json::{cast, roles, timestamp};
use crate::helpers::{Caller, Reply, TestApp, backend_tests};

/// A candidate's statuses, in pipeline order.
pub const STATUSES: [&str; 7] = [
    "submitted",
    "shortlisted",
    "audition",
    "callback",
    "hold",
    "booked",
    "passed",
];

pub fn role_path(role: i64) -> String {
    format!("/roles/{role}")
}

pub fn candidate_path(role: i64, actor: i64) -> String {
    format!("/roles/{role}/candidates/{actor}")
}

/// Creates a role of `movie` from `body` as a casting director, answering its id.
pub async fn create_role(app: &TestApp, movie: i64, body: Value) -> i64 {
    let reply = app
        .post(
            Caller::CastingDirector,
            &format!("/movies/{movie}/roles"),
            body.clone(),
        )
        .await;
    assert_eq!(
        reply.status, 200,
        "creating the role {body}: {}",
        reply.body
    );
    reply.body["created"].as_i64().expect("an id")
}

/// A role named `name` that books `positions` actors.
pub async fn role_with_positions(app: &TestApp, movie: i64, name: &str, positions: i64) -> i64 {
    create_role(app, movie, json!({"name": name, "positions": positions})).await
}

/// The role as an assistant reads it (the `role` object), or `Value::Null` if 404.
pub async fn role(app: &TestApp, id: i64) -> Value {
    let reply = app.get(Caller::CastingAssistant, &role_path(id)).await;
    match reply.status {
        200 => reply.body["role"].clone(),
        404 => Value::Null,
        other => panic!("reading role {id} answered {other}: {}", reply.body),
    }
}

/// The role and its ETag; the role must exist.
pub async fn role_and_etag(app: &TestApp, id: i64) -> (Value, String) {
    let reply = app.get(Caller::CastingAssistant, &role_path(id)).await;
    reply.assert_status(200);
    (reply.body["role"].clone(), reply.etag())
}

/// The roles of a movie, as listed.
pub async fn movie_roles(app: &TestApp, movie: i64) -> Vec<Value> {
    let reply = app
        .get(Caller::CastingAssistant, &format!("/movies/{movie}/roles"))
        .await;
    reply.assert_status(200);
    reply.body["roles"]
        .as_array()
        .expect("a list of roles")
        .clone()
}

/// `PUT /roles/{role}/candidates/{actor}` as a casting director, with `body` or with none.
pub async fn put_candidate(app: &TestApp, role: i64, actor: i64, body: Option<Value>) -> Reply {
    let call = app.call(
        Caller::CastingDirector,
        Method::PUT,
        &candidate_path(role, actor),
    );
    match body {
        Some(body) => call.json(&body).send().await,
        None => call.send().await,
    }
}

/// Adds each actor as a candidate (`submitted`), in order.
pub async fn add_candidates(app: &TestApp, role: i64, actors: &[i64]) {
    for actor in actors {
        put_candidate(app, role, *actor, None)
            .await
            .assert_status(200);
    }
}

/// Moves a candidate (added if need be) to `status`.
pub async fn move_to(app: &TestApp, role: i64, actor: i64, status: &str) -> Reply {
    put_candidate(app, role, actor, Some(json!({"status": status}))).await
}

/// Every candidate of a role, cursors followed.
pub async fn candidates(app: &TestApp, role: i64) -> Vec<Value> {
    app.list_all(&format!("/roles/{role}/candidates?limit=100"), "candidates")
        .await
}

/// The actor ids of a list of candidates, in order.
pub fn actor_ids(candidates: &[Value]) -> Vec<i64> {
    candidates
        .iter()
        .map(|candidate| candidate["actor"]["id"].as_i64().expect("an actor id"))
        .collect()
}

/// Counts with every status, zero unless given.
pub fn counts(given: &[(&str, i64)]) -> Value {
    let mut counts = serde_json::Map::new();
    for status in STATUSES {
        let n = given
            .iter()
            .find(|(named, _)| *named == status)
            .map_or(0, |(_, n)| *n);
        counts.insert(status.to_owned(), json!(n));
    }
    Value::Object(counts)
}

/// The counts of a list of candidates by status, every status present.
pub fn counts_of(candidates: &[Value]) -> Value {
    let mut counts = counts(&[]);
    for candidate in candidates {
        let status = candidate["status"].as_str().expect("a status");
        let count = counts
            .get_mut(status)
            .unwrap_or_else(|| panic!("an unknown status {status}"));
        *count = json!(count.as_i64().unwrap() + 1);
    }
    counts
}

/// Everything a movie's casting work shows: the movie (with its cast) and its ETag, its roles,
/// and each role's candidates. Two equal snapshots mean nothing changed.
pub async fn snapshot(app: &TestApp, movie: i64) -> Value {
    let (movie_now, movie_etag) = app.movie_and_etag(movie).await;
    let roles = movie_roles(app, movie).await;
    let mut role_candidates = serde_json::Map::new();
    for role in &roles {
        let id = role["id"].as_i64().expect("a role id");
        let etag = role_and_etag(app, id).await.1;
        role_candidates.insert(
            id.to_string(),
            json!({"etag": etag, "candidates": candidates(app, id).await}),
        );
    }
    json!({
        "movie": movie_now,
        "movie_etag": movie_etag,
        "roles": roles,
        "candidates": role_candidates,
    })
}

/// The whole history of a role, newest first.
pub async fn role_history(app: &TestApp, role: i64) -> Vec<Value> {
    app.list_all(&format!("/roles/{role}/history"), "history")
        .await
}

/// (action, changes) of each entry.
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

async fn patch_role(app: &TestApp, role: i64, body: Value) -> Reply {
    app.patch(Caller::CastingDirector, &role_path(role), body)
        .await
}

/// A movie with a role "Neytiri" in it: (movie, role).
async fn movie_with_a_role(app: &TestApp) -> (i64, i64) {
    let movie = app.create_movie("Avatar", "2009-12-18").await;
    let role = create_role(
        app,
        movie,
        json!({"name": "Neytiri", "gender": "female", "age_min": 18, "age_max": 30}),
    )
    .await;
    (movie, role)
}

backend_tests! {
    async fn creating_a_role_answers_it_with_its_id_and_an_etag(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let body = json!({
            "name": "Neytiri",
            "description": "A Na'vi huntress.\nFierce,\tproud.",
            "gender": "female",
            "age_min": 18,
            "age_max": 30,
            "positions": 2,
        });
        let reply = app.post(Caller::CastingDirector, &format!("/movies/{movie}/roles"), body.clone()).await;
        reply.assert_status(200);
        let id = reply.body["created"].as_i64().expect("the new role's id");
        let created = &reply.body["role"];
        assert_eq!(created["id"], json!(id));
        assert_eq!(created["movie_id"], json!(movie));
        for (field, value) in body.as_object().unwrap() {
            assert_eq!(&created[field], value, "{field}");
        }
        assert_eq!(created["candidates"], counts(&[]), "every status, each zero");
        let created_at = timestamp(&created["created_at"]);
        assert_eq!(timestamp(&created["updated_at"]), created_at);
        assert!(created_at <= chrono::Utc::now());
        let etag = reply.etag();

        let (read_back, read_etag) = role_and_etag(&app, id).await;
        assert_eq!(&read_back, created, "the role reads back as it was answered");
        assert_eq!(read_etag, etag, "the ETag of the write is the role's ETag");
    }

    async fn a_role_takes_defaults_for_what_is_not_given_and_its_name_is_trimmed(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let id = create_role(&app, movie, json!({"name": "  Na'vi Warrior \n"})).await;
        let created = role(&app, id).await;
        assert_eq!(created["name"], json!("Na'vi Warrior"));
        assert_eq!(created["positions"], json!(1), "a role books one actor by default");
        for field in ["description", "gender", "age_min", "age_max"] {
            assert_eq!(created[field], Value::Null, "{field}");
        }
        // At the limits, each field is accepted.
        let longest = create_role(&app, movie, json!({
            "name": "é".repeat(200), "description": "d".repeat(4000), "gender": "g".repeat(50),
            "age_min": 0, "age_max": 150, "positions": 100,
        })).await;
        let read_back = role(&app, longest).await;
        assert_eq!(read_back["name"], json!("é".repeat(200)));
        assert_eq!(read_back["positions"], json!(100));
        assert_eq!(read_back["age_max"], json!(150));
        let equal_ages = create_role(&app, movie, json!({"name": "Twin", "age_min": 40, "age_max": 40})).await;
        assert_eq!(role(&app, equal_ages).await["age_min"], json!(40));
    }

    async fn a_movies_roles_are_listed_whole_in_creation_order(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let other = app.create_movie("Alien", "1979-05-25").await;
        assert_eq!(movie_roles(&app, movie).await, Vec::<Value>::new(), "no roles yet");
        let mut created = Vec::new();
        for name in ["Zed", "Alpha", "Mid"] {
            created.push(create_role(&app, movie, json!({"name": name})).await);
        }
        create_role(&app, other, json!({"name": "Ripley"})).await;

        let listed = movie_roles(&app, movie).await;
        let names: Vec<&str> = listed.iter().map(|role| role["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Zed", "Alpha", "Mid"]);
        let listed_ids: Vec<i64> = listed.iter().map(|role| role["id"].as_i64().unwrap()).collect();
        assert_eq!(listed_ids, created);
        for (listed, id) in listed.iter().zip(&created) {
            assert_eq!(listed, &role(&app, *id).await, "a listed role is the role");
        }
        let other_roles = movie_roles(&app, other).await;
        assert_eq!(other_roles.len(), 1);
        assert_eq!(other_roles[0]["movie_id"], json!(other));

        app.get(Caller::CastingAssistant, &format!("/movies/{}/roles", other + 1000))
            .await
            .assert_error(404, "not_found");
    }

    async fn a_role_answers_304_to_its_current_etag(app) {
        let (_, id) = movie_with_a_role(&app).await;
        let path = role_path(id);
        let first = app.get(Caller::CastingAssistant, &path).await;
        first.assert_status(200);
        let etag = first.etag();
        for condition in [etag.clone(), "*".to_owned(), format!("\"v999\", {etag}")] {
            let reply = app.call(Caller::CastingAssistant, Method::GET, &path)
                .header("If-None-Match", &condition)
                .send()
                .await;
            assert_eq!(reply.status, 304, "If-None-Match: {condition}");
            assert_eq!(reply.header("etag"), Some(etag.as_str()));
            assert_eq!(reply.body, Value::Null, "a 304 has no body");
        }
        let other = app.call(Caller::CastingAssistant, Method::GET, &path)
            .header("If-None-Match", "\"v999\"")
            .send()
            .await;
        other.assert_status(200);
        assert_eq!(other.body, first.body);
        // After a change, the old ETag gets the new role.
        patch_role(&app, id, json!({"positions": 2})).await.assert_status(200);
        let changed = app.call(Caller::CastingAssistant, Method::GET, &path)
            .header("If-None-Match", &etag)
            .send()
            .await;
        changed.assert_status(200);
        assert_eq!(changed.body["role"]["positions"], json!(2));
        assert_ne!(changed.etag(), etag);
    }

    async fn patching_a_role_changes_only_the_fields_it_names(app) {
        let (_, id) = movie_with_a_role(&app).await;
        let (before, etag) = role_and_etag(&app, id).await;

        let reply = patch_role(&app, id, json!({"description": "Daughter of Mo'at.", "positions": 3})).await;
        reply.assert_status(200);
        assert_ne!(reply.etag(), etag);
        let after = role(&app, id).await;
        assert_eq!(reply.body["role"], after);
        assert_eq!(after["description"], json!("Daughter of Mo'at."));
        assert_eq!(after["positions"], json!(3));
        for field in ["id", "movie_id", "name", "gender", "age_min", "age_max", "created_at", "candidates"] {
            assert_eq!(after[field], before[field], "{field} is kept");
        }
        assert!(timestamp(&after["updated_at"]) >= timestamp(&before["updated_at"]));

        // null clears an optional field; a required one refuses it.
        patch_role(&app, id, json!({"gender": null, "age_min": null})).await.assert_status(200);
        let cleared = role(&app, id).await;
        assert_eq!(cleared["gender"], Value::Null);
        assert_eq!(cleared["age_min"], Value::Null);
        assert_eq!(cleared["age_max"], json!(30));
        for field in ["name", "positions"] {
            let reply = patch_role(&app, id, json!({field: null})).await;
            reply.assert_error(422, "validation_failed");
            assert!(reply.message().contains(field), "{field}: {}", reply.message());
        }
        assert_eq!(role(&app, id).await, cleared);
    }

    async fn a_write_with_the_current_etag_succeeds_and_a_stale_one_is_412_and_changes_nothing(app) {
        let (movie, id) = movie_with_a_role(&app).await;
        let path = role_path(id);
        let (_, stale) = role_and_etag(&app, id).await;
        let reply = app.call(Caller::CastingDirector, Method::PATCH, &path)
            .header("If-Match", &stale)
            .json(&json!({"positions": 2}))
            .send()
            .await;
        reply.assert_status(200);
        let current = reply.etag();
        assert_eq!(role_and_etag(&app, id).await.1, current);

        let before = snapshot(&app, movie).await;
        for tag in [stale.as_str(), "\"v999\"", "garbage"] {
            app.call(Caller::CastingDirector, Method::PATCH, &path)
                .header("If-Match", tag)
                .json(&json!({"name": "Lost Update", "positions": 5}))
                .send()
                .await
                .assert_error(412, "precondition_failed");
            app.call(Caller::CastingDirector, Method::DELETE, &path)
                .header("If-Match", tag)
                .send()
                .await
                .assert_error(412, "precondition_failed");
        }
        assert_eq!(snapshot(&app, movie).await, before, "no stale write changed anything");

        app.call(Caller::CastingDirector, Method::DELETE, &path)
            .header("If-Match", &current)
            .send()
            .await
            .assert_status(200);
        assert_eq!(role(&app, id).await, Value::Null);
    }

    async fn deleting_a_role_answers_its_id_and_takes_its_candidates_with_it(app) {
        let (movie, id) = movie_with_a_role(&app).await;
        let stays = create_role(&app, movie, json!({"name": "Jake Sully"})).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        add_candidates(&app, id, &[actor]).await;
        add_candidates(&app, stays, &[actor]).await;

        let reply = app.delete(Caller::CastingDirector, &role_path(id)).await;
        reply.assert_status(200);
        assert_eq!(reply.body["deleted"], json!(id));

        assert_eq!(role(&app, id).await, Value::Null);
        app.get(Caller::CastingAssistant, &role_path(id)).await.assert_error(404, "not_found");
        app.get(Caller::CastingAssistant, &format!("/roles/{id}/candidates"))
            .await
            .assert_error(404, "not_found");
        app.get(Caller::CastingAssistant, &candidate_path(id, actor))
            .await
            .assert_error(404, "not_found");
        let listed: Vec<i64> = movie_roles(&app, movie).await.iter().map(|role| role["id"].as_i64().unwrap()).collect();
        assert_eq!(listed, [stays]);
        let candidacies = app.list_all(&format!("/actors/{actor}/candidacies"), "candidacies").await;
        assert_eq!(candidacies.len(), 1, "only the other role's candidacy is left: {candidacies:?}");
        assert_eq!(candidacies[0]["role"]["id"], json!(stays));
        assert_eq!(app.actor(actor).await["name"], json!("Zoë Saldaña"), "the actor stays");

        // Again: there is nothing to delete.
        app.delete(Caller::CastingDirector, &role_path(id)).await.assert_error(404, "not_found");
        // Its history stays readable, the deletion first.
        let history = role_history(&app, id).await;
        assert_eq!(history[0]["action"], json!("delete"), "{history:?}");
        assert_eq!(history.last().unwrap()["action"], json!("create"));
    }

    async fn a_roles_history_lists_its_creation_and_changes_newest_first(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let id = create_role(&app, movie, json!({"name": "Neytiri", "positions": 1})).await;
        patch_role(&app, id, json!({"name": "Ney'tiri"})).await.assert_status(200);
        patch_role(&app, id, json!({"positions": 2, "description": "Huntress"})).await.assert_status(200);

        let entries = role_history(&app, id).await;
        let history = actions(&entries);
        assert_eq!(history.len(), 3, "{history:?}");
        assert_eq!(history[0], ("update".to_owned(), json!({
            "positions": {"from": 1, "to": 2},
            "description": {"from": null, "to": "Huntress"},
        })));
        assert_eq!(history[1], ("update".to_owned(), json!({"name": {"from": "Neytiri", "to": "Ney'tiri"}})));
        assert_eq!(history[2].0, "create");
        assert_eq!(history[2].1["name"], json!({"from": null, "to": "Neytiri"}));
        assert_eq!(entries[0]["by"]["sub"], json!(SUBJECT));
        let ids: Vec<i64> = entries.iter().map(|entry| entry["id"].as_i64().unwrap()).collect();
        assert!(ids.windows(2).all(|pair| pair[0] > pair[1]), "newest first: {ids:?}");

        app.get(Caller::CastingAssistant, &format!("/roles/{}/history", id + 1000))
            .await
            .assert_error(404, "not_found");
    }

    async fn a_role_counts_its_candidates_in_every_status(app) {
        let (movie, id) = movie_with_a_role(&app).await;
        let mut actors = Vec::new();
        for name in ["Ann", "Bea", "Cy", "Di"] {
            actors.push(app.create_actor(name, 30, "female").await);
        }
        let (empty, empty_etag) = role_and_etag(&app, id).await;
        assert_eq!(empty["candidates"], counts(&[]));
        assert_eq!(empty["candidates"].as_object().unwrap().len(), 7, "exactly the seven statuses");

        add_candidates(&app, id, &actors).await;
        assert_eq!(role(&app, id).await["candidates"], counts(&[("submitted", 4)]));
        assert_ne!(role_and_etag(&app, id).await.1, empty_etag, "the counts changed, so did the ETag");

        move_to(&app, id, actors[0], "shortlisted").await.assert_status(200);
        move_to(&app, id, actors[1], "hold").await.assert_status(200);
        move_to(&app, id, actors[2], "passed").await.assert_status(200);
        let expected = counts(&[("submitted", 1), ("shortlisted", 1), ("hold", 1), ("passed", 1)]);
        assert_eq!(role(&app, id).await["candidates"], expected);
        assert_eq!(movie_roles(&app, movie).await[0]["candidates"], expected, "the list counts too");

        move_to(&app, id, actors[1], "shortlisted").await.assert_status(200);
        app.delete(Caller::CastingDirector, &candidate_path(id, actors[2])).await.assert_status(200);
        let expected = counts(&[("submitted", 1), ("shortlisted", 2)]);
        assert_eq!(role(&app, id).await["candidates"], expected);
        assert_eq!(counts_of(&candidates(&app, id).await), expected, "the counts are the list's");
    }

    async fn a_casting_assistant_reads_roles_and_cannot_write_them_and_nobody_without_a_token_can_do_either(app) {
        let (movie, id) = movie_with_a_role(&app).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        add_candidates(&app, id, &[actor]).await;
        let before = snapshot(&app, movie).await;

        for path in [format!("/movies/{movie}/roles"), role_path(id), format!("/roles/{id}/history")] {
            app.get(Caller::CastingAssistant, &path).await.assert_status(200);
            app.get(Caller::Anonymous, &path).await.assert_error(401, "unauthorized");
        }
        let roles_path = format!("/movies/{movie}/roles");
        for caller in [Caller::CastingAssistant, Caller::Anonymous] {
            let (status, code) = if caller == Caller::Anonymous { (401, "unauthorized") } else { (403, "forbidden") };
            app.post(caller, &roles_path, json!({"name": "Jake"})).await.assert_error(status, code);
            app.patch(caller, &role_path(id), json!({"name": "Changed"})).await.assert_error(status, code);
            app.delete(caller, &role_path(id)).await.assert_error(status, code);
        }
        assert_eq!(snapshot(&app, movie).await, before, "no refused write changed anything");

        // A casting director may.
        create_role(&app, movie, json!({"name": "Jake"})).await;
    }

    async fn a_second_role_with_the_same_name_in_any_case_is_409_and_changes_nothing(app) {
        let (movie, id) = movie_with_a_role(&app).await;
        let other = create_role(&app, movie, json!({"name": "Jake Sully"})).await;
        let before = snapshot(&app, movie).await;
        let everything = app.everything().await;

        for name in ["Neytiri", "NEYTIRI", "neytiri", "  Neytiri  "] {
            let reply = app.post(Caller::CastingDirector, &format!("/movies/{movie}/roles"), json!({"name": name})).await;
            reply.assert_error(409, "conflict");
            let reply = patch_role(&app, other, json!({"name": name})).await;
            reply.assert_error(409, "conflict");
        }
        assert_eq!(snapshot(&app, movie).await, before, "nothing changed");
        assert_eq!(app.everything().await, everything);

        // The same name is fine in another movie, and a role may change the case of its own.
        let elsewhere = app.create_movie("Avatar 2", "2022-12-16").await;
        create_role(&app, elsewhere, json!({"name": "Neytiri"})).await;
        patch_role(&app, id, json!({"name": "NEYTIRI"})).await.assert_status(200);
        assert_eq!(role(&app, id).await["name"], json!("NEYTIRI"));
    }

    async fn each_broken_role_rule_is_422_and_changes_nothing(app) {
        let (movie, id) = movie_with_a_role(&app).await;
        let with = |field: &str, value: Value| {
            let mut body = json!({"name": "Jake Sully"});
            body[field] = value;
            body
        };
        let cases = [
            (json!({"name": "Jake", "age_min": 40, "age_max": 30}), "age_m"),
            (with("positions", json!(0)), "positions"),
            (with("positions", json!(101)), "positions"),
            (with("positions", json!(-1)), "positions"),
            (with("positions", json!("two")), "positions"),
            (with("positions", json!(1.5)), "positions"),
            (with("age_min", json!(-1)), "age_min"),
            (with("age_max", json!(151)), "age_max"),
            (with("name", json!("")), "name"),
            (with("name", json!("   ")), "name"),
            (with("name", json!("x".repeat(201))), "name"),
            (with("name", json!(42)), "name"),
            (with("name", json!("a\u{0}b")), "name"),
            (with("description", json!("d".repeat(4001))), "description"),
            (with("description", json!("bell\u{7}")), "description"),
            (with("gender", json!("g".repeat(51))), "gender"),
            (with("gender", json!("")), "gender"),
            (with("colour", json!("blue")), "colour"),
            (with("id", json!(99)), "id"),
            (with("created_at", json!("2020-01-01T00:00:00Z")), "created_at"),
            (with("candidates", json!({"booked": 1})), "candidates"),
        ];
        let before = snapshot(&app, movie).await;
        let roles_path = format!("/movies/{movie}/roles");
        for (body, field) in &cases {
            let reply = app.post(Caller::CastingDirector, &roles_path, body.clone()).await;
            reply.assert_error(422, "validation_failed");
            assert!(reply.message().contains(field), "POST {body}: {}", reply.message());
            // The same change of the existing role.
            let mut change = body.as_object().unwrap().clone();
            if *field != "name" {
                change.remove("name");
            }
            let reply = patch_role(&app, id, Value::Object(change.clone())).await;
            reply.assert_error(422, "validation_failed");
            assert!(reply.message().contains(field), "PATCH {change:?}: {}", reply.message());
        }
        // A role needs a name; a PATCH needs a field; a change is judged with what is stored
        // (the stored age_max is 30).
        let reply = app.post(Caller::CastingDirector, &roles_path, json!({"positions": 2})).await;
        reply.assert_error(422, "validation_failed");
        assert!(reply.message().contains("name"), "{}", reply.message());
        patch_role(&app, id, json!({})).await.assert_error(422, "validation_failed");
        let reply = patch_role(&app, id, json!({"age_min": 31})).await;
        reply.assert_error(422, "validation_failed");
        assert!(reply.message().contains("age_m"), "{}", reply.message());
        assert_eq!(snapshot(&app, movie).await, before, "no refused write changed anything");
    }

    async fn a_role_of_a_movie_that_does_not_exist_is_404_and_changes_nothing(app) {
        let (movie, id) = movie_with_a_role(&app).await;
        let before = snapshot(&app, movie).await;
        let everything = app.everything().await;
        let missing = movie + 1000;
        app.post(Caller::CastingDirector, &format!("/movies/{missing}/roles"), json!({"name": "Ghost"}))
            .await
            .assert_error(404, "not_found");
        let missing_role = id + 1000;
        app.get(Caller::CastingAssistant, &role_path(missing_role)).await.assert_error(404, "not_found");
        app.patch(Caller::CastingDirector, &role_path(missing_role), json!({"name": "Ghost"}))
            .await
            .assert_error(404, "not_found");
        app.delete(Caller::CastingDirector, &role_path(missing_role)).await.assert_error(404, "not_found");
        assert_eq!(snapshot(&app, movie).await, before);
        assert_eq!(app.everything().await, everything);
        // A malformed id is 400, not 404.
        app.get(Caller::CastingAssistant, "/roles/abc").await.assert_error(400, "bad_request");
    }

    async fn a_role_with_a_booked_candidate_cannot_be_deleted(app) {
        let (movie, id) = movie_with_a_role(&app).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        move_to(&app, id, actor, "booked").await.assert_status(200);
        let before = snapshot(&app, movie).await;

        app.delete(Caller::CastingDirector, &role_path(id)).await.assert_error(409, "conflict");
        assert_eq!(snapshot(&app, movie).await, before, "nothing changed");
        assert_eq!(cast(&app.movie(movie).await), vec![(actor, json!("Neytiri"))]);

        // Once no one is booked, it can.
        move_to(&app, id, actor, "hold").await.assert_status(200);
        app.delete(Caller::CastingDirector, &role_path(id)).await.assert_status(200);
        assert_eq!(role(&app, id).await, Value::Null);
        assert_eq!(cast(&app.movie(movie).await), vec![]);
    }

    async fn renaming_a_role_renames_the_character_of_its_booked_actors(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let id = role_with_positions(&app, movie, "Na'vi Warrior", 2).await;
        let booked = [
            app.create_actor("First Warrior", 30, "male").await,
            app.create_actor("Second Warrior", 31, "female").await,
        ];
        let waiting = app.create_actor("Hopeful", 25, "male").await;
        let other = app.create_actor("Stephen Lang", 72, "male").await;
        app.cast(movie, other, "Quaritch").await;
        for actor in booked {
            move_to(&app, id, actor, "booked").await.assert_status(200);
        }
        move_to(&app, id, waiting, "shortlisted").await.assert_status(200);
        let (_, movie_etag) = app.movie_and_etag(movie).await;

        patch_role(&app, id, json!({"name": "Omaticaya Warrior"})).await.assert_status(200);

        let (after, etag_after) = app.movie_and_etag(movie).await;
        let mut members = cast(&after);
        members.sort_by_key(|(actor, _)| *actor);
        let mut expected = vec![
            (booked[0], json!("Omaticaya Warrior")),
            (booked[1], json!("Omaticaya Warrior")),
            (other, json!("Quaritch")),
        ];
        expected.sort_by_key(|(actor, _)| *actor);
        assert_eq!(members, expected, "the booked actors play the new name; no one else changed");
        assert_ne!(etag_after, movie_etag, "the cast changed, so did the movie's ETag");
        assert_eq!(roles(&app.actor(booked[0]).await), vec![(movie, json!("Omaticaya Warrior"))]);
        assert_eq!(roles(&app.actor(waiting).await), vec![], "a shortlisted candidate is not cast");
    }

    async fn deleting_a_movie_deletes_its_roles_and_their_candidates(app) {
        let (movie, id) = movie_with_a_role(&app).await;
        let other = create_role(&app, movie, json!({"name": "Jake Sully"})).await;
        let staying = app.create_movie("Alien", "1979-05-25").await;
        let kept = create_role(&app, staying, json!({"name": "Ripley"})).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        move_to(&app, id, actor, "booked").await.assert_status(200);
        add_candidates(&app, other, &[actor]).await;
        add_candidates(&app, kept, &[actor]).await;

        app.delete(Caller::ExecutiveProducer, &format!("/movies/{movie}")).await.assert_status(200);

        for gone in [id, other] {
            app.get(Caller::CastingAssistant, &role_path(gone)).await.assert_error(404, "not_found");
            app.get(Caller::CastingAssistant, &candidate_path(gone, actor))
                .await
                .assert_error(404, "not_found");
        }
        let candidacies = app.list_all(&format!("/actors/{actor}/candidacies"), "candidacies").await;
        assert_eq!(candidacies.len(), 1, "{candidacies:?}");
        assert_eq!(candidacies[0]["role"]["id"], json!(kept));
        assert_eq!(role(&app, kept).await["candidates"], counts(&[("submitted", 1)]));
        assert_eq!(roles(&app.actor(actor).await), vec![]);
    }

    async fn roles_created_at_once_with_one_name_in_several_cases_make_one_role(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let path = format!("/movies/{movie}/roles");
        let names = ["Neytiri", "NEYTIRI", "neytiri", "NeYtIrI", "Neytiri", "nEYTIRI", "Neytiri ", " neytiri"];
        let app = &app;
        let creations = names.iter().map(|name| {
            let path = path.clone();
            async move { app.post(Caller::CastingDirector, &path, json!({"name": name})).await }
        });
        let replies = futures_util::future::join_all(creations).await;
        let mut won = 0;
        for reply in &replies {
            match reply.status {
                200 => won += 1,
                _ => {
                    reply.assert_error(409, "conflict");
                }
            }
        }
        assert_eq!(won, 1, "exactly one of {} wins", names.len());
        assert_eq!(movie_roles(app, movie).await.len(), 1);
    }

    async fn a_movie_has_at_most_200_roles(app) {
        let movie = app.create_movie("Epic", "2000-01-01").await;
        let roles_path = format!("/movies/{movie}/roles");
        for batch in 0..20 {
            let creations = (0..10).map(|n| {
                let path = roles_path.clone();
                let app = &app;
                async move {
                    app.post(Caller::CastingDirector, &path, json!({"name": format!("Extra {}", batch * 10 + n)})).await
                }
            });
            for reply in futures_util::future::join_all(creations).await {
                reply.assert_status(200);
            }
        }
        assert_eq!(movie_roles(&app, movie).await.len(), 200);
        app.post(Caller::CastingDirector, &roles_path, json!({"name": "One Too Many"}))
            .await
            .assert_error(409, "conflict");
        let listed = movie_roles(&app, movie).await;
        assert_eq!(listed.len(), 200, "nothing was added");
        assert!(listed.iter().all(|role| role["name"] != json!("One Too Many")));
    }
}
