//! A role's candidates (its pipeline): added, moved, graded and removed one at a time or in bulk;
//! listed with filters, sorts, cursors and as CSV; an actor's candidacies; and the history of it
//! all.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::csv::csv;
use crate::helpers::json::{cast, timestamp};
use crate::helpers::{Caller, Reply, TestApp, backend_tests};
use crate::roles::{
    actor_ids, add_candidates, candidate_path, candidates, counts, counts_of, create_role, move_to,
    put_candidate, role, role_history, snapshot,
};

/// `POST /roles/{role}/candidates/bulk` as a casting director.
pub async fn bulk(app: &TestApp, role: i64, body: Value) -> Reply {
    app.post(
        Caller::CastingDirector,
        &format!("/roles/{role}/candidates/bulk"),
        body,
    )
    .await
}

/// The candidate as an assistant reads it, or `Value::Null` if 404.
async fn candidate(app: &TestApp, role: i64, actor: i64) -> Value {
    let reply = app
        .get(Caller::CastingAssistant, &candidate_path(role, actor))
        .await;
    match reply.status {
        200 => reply.body["candidate"].clone(),
        404 => Value::Null,
        other => panic!(
            "reading candidate {role}/{actor} answered {other}: {}",
            reply.body
        ),
    }
}

/// A movie with a role: (movie, role).
async fn movie_with_a_role(app: &TestApp) -> (i64, i64) {
    let movie = app.create_movie("Avatar", "2009-12-18").await;
    let role = create_role(app, movie, json!({"name": "Neytiri", "positions": 2})).await;
    (movie, role)
}

/// Creates `n` actors named `{prefix} {i}`.
async fn actors(app: &TestApp, prefix: &str, n: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            app.create_actor(&format!("{prefix} {i}"), 20 + i, "female")
                .await,
        );
    }
    ids
}

/// The names of the candidates `GET /roles/{role}/candidates?{query}` lists, cursors followed.
async fn listed_names(app: &TestApp, role: i64, query: &str) -> Vec<String> {
    app.list_all(&format!("/roles/{role}/candidates?{query}"), "candidates")
        .await
        .iter()
        .map(|candidate| candidate["actor"]["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The seven candidates of the list tests: (name, status, rank), in the order they are added.
const SEVEN: [(&str, &str, Option<i64>); 7] = [
    ("Dan Ek", "hold", Some(6)),
    ("Ana Lima", "shortlisted", Some(3)),
    ("Gus Hale", "callback", Some(2)),
    ("Bo Chen", "submitted", Some(1)),
    ("Finn Gray", "passed", None),
    ("Eve Fox", "shortlisted", Some(1)),
    ("Cara Diaz", "audition", None),
];

/// A role with the seven candidates, added in order: (role, actor ids in the order added).
async fn role_with_seven(app: &TestApp) -> (i64, Vec<i64>) {
    let (_, role) = movie_with_a_role(app).await;
    let mut ids = Vec::new();
    for (name, status, rank) in SEVEN {
        let actor = app.create_actor(name, 30, "female").await;
        put_candidate(
            app,
            role,
            actor,
            Some(json!({"status": status, "rank": rank})),
        )
        .await
        .assert_status(200);
        ids.push(actor);
    }
    (role, ids)
}

backend_tests! {
    async fn adding_a_candidate_without_a_body_makes_them_submitted(app) {
        let (_, role_id) = movie_with_a_role(&app).await;
        let created = app.post(Caller::ExecutiveProducer, "/actors", json!({
            "name": "Adaeze Okafor", "age": 29, "gender": "female",
            "playing_age_min": 22, "playing_age_max": 32, "height_cm": 168,
        })).await;
        created.assert_status(200);
        let actor = created.body["created"].as_i64().unwrap();

        let reply = put_candidate(&app, role_id, actor, None).await;
        reply.assert_status(200);
        let added = &reply.body["candidate"];
        assert_eq!(added["role_id"], json!(role_id));
        assert_eq!(added["status"], json!("submitted"));
        assert_eq!(added["rank"], Value::Null);
        assert_eq!(added["note"], Value::Null);
        assert!(added.as_object().unwrap().contains_key("feedback"), "{added}");
        let expected_actor = json!({
            "id": actor, "name": "Adaeze Okafor", "age": 29, "gender": "female",
            "playing_age_min": 22, "playing_age_max": 32, "photo": null,
        });
        for (field, value) in expected_actor.as_object().unwrap() {
            assert_eq!(&added["actor"][field], value, "actor.{field}");
        }
        let added_at = timestamp(&added["added_at"]);
        assert_eq!(timestamp(&added["updated_at"]), added_at);
        let etag = reply.etag();

        let read = app.get(Caller::CastingAssistant, &candidate_path(role_id, actor)).await;
        read.assert_status(200);
        assert_eq!(&read.body["candidate"], added);
        assert_eq!(read.etag(), etag, "the ETag of the write is the candidate's");
        assert_eq!(role(&app, role_id).await["candidates"], counts(&[("submitted", 1)]));
    }

    async fn a_body_changes_the_fields_it_names_and_keeps_the_others(app) {
        let (_, role_id) = movie_with_a_role(&app).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        let reply = put_candidate(&app, role_id, actor, Some(json!({"status": "shortlisted", "rank": 2, "note": "Strong read.\nCall back."}))).await;
        reply.assert_status(200);
        let first = reply.body["candidate"].clone();
        let first_etag = reply.etag();
        assert_eq!(first["status"], json!("shortlisted"));
        assert_eq!(first["rank"], json!(2));
        assert_eq!(first["note"], json!("Strong read.\nCall back."));

        let reply = put_candidate(&app, role_id, actor, Some(json!({"rank": 1}))).await;
        reply.assert_status(200);
        assert_ne!(reply.etag(), first_etag, "a change, a new ETag");
        let ranked = candidate(&app, role_id, actor).await;
        assert_eq!(ranked, reply.body["candidate"]);
        assert_eq!(ranked["rank"], json!(1));
        assert_eq!(ranked["status"], json!("shortlisted"), "a field not named is kept");
        assert_eq!(ranked["note"], json!("Strong read.\nCall back."));
        assert_eq!(ranked["added_at"], first["added_at"]);
        assert!(timestamp(&ranked["updated_at"]) >= timestamp(&first["updated_at"]));

        put_candidate(&app, role_id, actor, Some(json!({"status": "audition", "note": null, "rank": null})))
            .await
            .assert_status(200);
        let cleared = candidate(&app, role_id, actor).await;
        assert_eq!(cleared["status"], json!("audition"));
        assert_eq!(cleared["note"], Value::Null, "null clears the note");
        assert_eq!(cleared["rank"], Value::Null, "null clears the rank");

        // Without a body, an existing candidate is left as it is.
        let reply = put_candidate(&app, role_id, actor, None).await;
        reply.assert_status(200);
        assert_eq!(reply.body["candidate"], cleared);
        assert_eq!(candidate(&app, role_id, actor).await, cleared);
        assert_eq!(role(&app, role_id).await["candidates"], counts(&[("audition", 1)]));

        // Any status may follow any other, back and forth.
        for status in ["passed", "submitted", "callback", "shortlisted"] {
            move_to(&app, role_id, actor, status).await.assert_status(200);
            assert_eq!(candidate(&app, role_id, actor).await["status"], json!(status));
        }
    }

    async fn the_same_candidate_added_many_times_at_once_is_one_candidate(app) {
        let (_, role_id) = movie_with_a_role(&app).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        let app = &app;
        let adds = (0..8).map(|_| async move { put_candidate(app, role_id, actor, None).await });
        for reply in futures_util::future::join_all(adds).await {
            reply.assert_status(200);
            assert_eq!(reply.body["candidate"]["status"], json!("submitted"));
        }
        assert_eq!(actor_ids(&candidates(app, role_id).await), [actor]);
        assert_eq!(role(app, role_id).await["candidates"], counts(&[("submitted", 1)]));
        let history = role_history(app, role_id).await;
        let added = history.iter().filter(|entry| entry["action"] == json!("candidate")).count();
        assert_eq!(added, 1, "one addition is recorded: {history:?}");
    }

    async fn a_candidates_etag_follows_its_actor_and_answers_304_while_unchanged(app) {
        let (_, role_id) = movie_with_a_role(&app).await;
        let actor = app.create_actor("Zoe Saldana", 46, "female").await;
        add_candidates(&app, role_id, &[actor]).await;
        let path = candidate_path(role_id, actor);
        let etag = app.get(Caller::CastingAssistant, &path).await.etag();
        let unchanged = app.call(Caller::CastingAssistant, Method::GET, &path)
            .header("If-None-Match", &etag)
            .send()
            .await;
        assert_eq!(unchanged.status, 304);
        assert_eq!(unchanged.body, Value::Null, "a 304 has no body");

        app.patch(Caller::CastingDirector, &format!("/actors/{actor}"), json!({"name": "Zoë Saldaña", "playing_age_min": 30}))
            .await
            .assert_status(200);
        let changed = app.call(Caller::CastingAssistant, Method::GET, &path)
            .header("If-None-Match", &etag)
            .send()
            .await;
        changed.assert_status(200);
        assert_eq!(changed.body["candidate"]["actor"]["name"], json!("Zoë Saldaña"));
        assert_eq!(changed.body["candidate"]["actor"]["playing_age_min"], json!(30));
        assert_ne!(changed.etag(), etag, "the candidate shows the actor, so its ETag follows the actor's");
        // A client holding the old ETag cannot overwrite what it has not seen.
        app.call(Caller::CastingDirector, Method::PUT, &path)
            .header("If-Match", &etag)
            .json(&json!({"status": "passed"}))
            .send()
            .await
            .assert_error(412, "precondition_failed");
        assert_eq!(candidate(&app, role_id, actor).await["status"], json!("submitted"));
    }

    async fn removing_a_candidate_answers_the_actors_id(app) {
        let (_, role_id) = movie_with_a_role(&app).await;
        let [leaving, staying] = actors(&app, "Actor", 2).await[..] else { unreachable!() };
        add_candidates(&app, role_id, &[leaving, staying]).await;

        let reply = app.delete(Caller::CastingDirector, &candidate_path(role_id, leaving)).await;
        reply.assert_status(200);
        assert_eq!(reply.body["deleted"], json!(leaving));
        assert_eq!(candidate(&app, role_id, leaving).await, Value::Null);
        assert_eq!(actor_ids(&candidates(&app, role_id).await), [staying]);
        assert_eq!(role(&app, role_id).await["candidates"], counts(&[("submitted", 1)]));
        assert_eq!(app.actor(leaving).await["name"], json!("Actor 0"), "the actor stays");

        app.delete(Caller::CastingDirector, &candidate_path(role_id, leaving))
            .await
            .assert_error(404, "not_found");
        // It can be added again, afresh.
        put_candidate(&app, role_id, leaving, None).await.assert_status(200);
        assert_eq!(actor_ids(&candidates(&app, role_id).await), [staying, leaving]);
    }

    async fn a_candidate_of_a_role_or_actor_that_does_not_exist_is_404_and_changes_nothing(app) {
        let (movie, role_id) = movie_with_a_role(&app).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        let outsider = app.create_actor("Not A Candidate", 30, "male").await;
        add_candidates(&app, role_id, &[actor]).await;
        let before = snapshot(&app, movie).await;
        let (missing_role, missing_actor) = (role_id + 1000, outsider + 1000);

        put_candidate(&app, role_id, missing_actor, None).await.assert_error(404, "not_found");
        put_candidate(&app, missing_role, actor, Some(json!({"status": "hold"}))).await.assert_error(404, "not_found");
        app.get(Caller::CastingAssistant, &candidate_path(role_id, outsider)).await.assert_error(404, "not_found");
        app.get(Caller::CastingAssistant, &candidate_path(missing_role, actor)).await.assert_error(404, "not_found");
        app.delete(Caller::CastingDirector, &candidate_path(role_id, outsider)).await.assert_error(404, "not_found");
        app.get(Caller::CastingAssistant, &format!("/roles/{missing_role}/candidates")).await.assert_error(404, "not_found");
        app.get(Caller::CastingAssistant, &format!("/actors/{missing_actor}/candidacies")).await.assert_error(404, "not_found");
        bulk(&app, missing_role, json!({"actor_ids": [actor], "status": "hold"})).await.assert_error(404, "not_found");
        assert_eq!(snapshot(&app, movie).await, before);
    }

    async fn the_candidates_are_filtered_by_status_rank_and_name(app) {
        let (role_id, _) = role_with_seven(&app).await;
        let cases: [(&str, &[&str]); 11] = [
            ("", &["Dan Ek", "Ana Lima", "Gus Hale", "Bo Chen", "Finn Gray", "Eve Fox", "Cara Diaz"]),
            ("status=shortlisted", &["Ana Lima", "Eve Fox"]),
            ("status=shortlisted&status=hold", &["Dan Ek", "Ana Lima", "Eve Fox"]),
            ("status=booked", &[]),
            ("rank=1", &["Bo Chen", "Eve Fox"]),
            ("rank=1&rank=2", &["Gus Hale", "Bo Chen", "Eve Fox"]),
            ("status=shortlisted&rank=1", &["Eve Fox"]),
            ("q=AN", &["Dan Ek", "Ana Lima"]),
            ("q=ra&status=audition&status=passed", &["Finn Gray", "Cara Diaz"]),
            ("q=%25", &[]),
            ("q=_", &[]),
        ];
        for (query, expected) in cases {
            assert_eq!(listed_names(&app, role_id, query).await, expected, "?{query}");
        }
    }

    async fn the_candidates_are_sorted_as_added_by_rank_and_by_name(app) {
        let (role_id, _) = role_with_seven(&app).await;
        let added = ["Dan Ek", "Ana Lima", "Gus Hale", "Bo Chen", "Finn Gray", "Eve Fox", "Cara Diaz"];
        assert_eq!(listed_names(&app, role_id, "sort=added").await, added);
        let mut reversed = added;
        reversed.reverse();
        assert_eq!(listed_names(&app, role_id, "sort=-added").await, reversed);
        let by_name = ["Ana Lima", "Bo Chen", "Cara Diaz", "Dan Ek", "Eve Fox", "Finn Gray", "Gus Hale"];
        assert_eq!(listed_names(&app, role_id, "sort=name").await, by_name);
        let mut by_name_descending = by_name;
        by_name_descending.reverse();
        assert_eq!(listed_names(&app, role_id, "sort=-name").await, by_name_descending);

        let ranks = |sort: &'static str| {
            let app = &app;
            async move {
                app.list_all(&format!("/roles/{role_id}/candidates?sort={sort}"), "candidates")
                    .await
                    .iter()
                    .map(|candidate| candidate["rank"].clone())
                    .collect::<Vec<Value>>()
            }
        };
        let null = Value::Null;
        assert_eq!(ranks("rank").await, [json!(1), json!(1), json!(2), json!(3), json!(6), null.clone(), null.clone()], "1 first, unranked last");
        assert_eq!(ranks("-rank").await, [json!(6), json!(3), json!(2), json!(1), json!(1), null.clone(), null], "6 first, unranked still last");
    }

    async fn following_the_cursors_visits_every_candidate_once_in_order(app) {
        let (role_id, ids) = role_with_seven(&app).await;
        for sort in ["added", "-added", "rank", "-rank", "name", "-name"] {
            for filter in ["", "&status=shortlisted&status=hold&status=passed&status=submitted", "&q=a"] {
                let whole = actor_ids(&app.list_all(&format!("/roles/{role_id}/candidates?limit=100&sort={sort}{filter}"), "candidates").await);
                let mut visited = Vec::new();
                let mut pages = 0;
                let mut next = format!("/roles/{role_id}/candidates?limit=2&sort={sort}{filter}");
                loop {
                    let reply = app.get(Caller::CastingAssistant, &next).await;
                    reply.assert_status(200);
                    let page = reply.body["candidates"].as_array().unwrap();
                    assert!(page.len() <= 2, "a page holds at most the limit");
                    visited.extend(actor_ids(page));
                    pages += 1;
                    assert!(pages <= 10, "the walk ends");
                    match reply.body["next_cursor"].as_str() {
                        Some(cursor) => next = format!("/roles/{role_id}/candidates?limit=2&sort={sort}{filter}&cursor={cursor}"),
                        None => {
                            assert!(reply.body["next_cursor"].is_null(), "next_cursor is null on the last page");
                            break;
                        }
                    }
                }
                assert_eq!(visited, whole, "sort={sort}{filter}: the pages, one after the other, are the list");
                let unique: HashSet<i64> = visited.iter().copied().collect();
                assert_eq!(unique.len(), visited.len(), "sort={sort}{filter}: each once");
                if filter.is_empty() {
                    let all: HashSet<i64> = ids.iter().copied().collect();
                    assert_eq!(unique, all, "sort={sort}: every candidate");
                }
            }
        }
    }

    async fn a_malformed_list_query_is_400(app) {
        let (role_id, _) = role_with_seven(&app).await;
        let path = format!("/roles/{role_id}/candidates");
        for query in ["sort=bogus", "sort=age", "status=maybe", "rank=7", "rank=0", "rank=one", "limit=0", "limit=101", "cursor=garbage"] {
            app.get(Caller::CastingAssistant, &format!("{path}?{query}"))
                .await
                .assert_error(400, "bad_request");
        }
        let first = app.get(Caller::CastingAssistant, &format!("{path}?limit=2&sort=name")).await;
        first.assert_status(200);
        let cursor = first.body["next_cursor"].as_str().expect("a cursor").to_owned();
        app.get(Caller::CastingAssistant, &format!("{path}?limit=2&sort=name&cursor={cursor}"))
            .await
            .assert_status(200);
        for other in ["sort=rank", "sort=-name", "sort=name&status=hold"] {
            app.get(Caller::CastingAssistant, &format!("{path}?limit=2&{other}&cursor={cursor}"))
                .await
                .assert_error(400, "bad_request");
        }
    }

    async fn the_candidates_answer_csv_with_a_header_row(app) {
        let (role_id, _) = role_with_seven(&app).await;
        let (status, content_type, body) = csv(&app, &format!("/roles/{role_id}/candidates")).await;
        assert_eq!(status, 200, "{body}");
        assert!(content_type.starts_with("text/csv"), "{content_type}");
        let lines: Vec<&str> = body.lines().filter(|line| !line.is_empty()).collect();
        assert_eq!(lines.len(), 8, "a header and seven rows: {body}");
        let header = lines[0].to_lowercase();
        for column in ["status", "rank"] {
            assert!(header.split(',').any(|name| name.contains(column)), "{column} in {header}");
        }
        for (name, status, _) in SEVEN {
            assert!(lines[1..].iter().any(|line| line.contains(name) && line.contains(status)), "{name} ({status}) in {body}");
        }
        // The filters apply.
        let (status, _, body) = csv(&app, &format!("/roles/{role_id}/candidates?status=shortlisted")).await;
        assert_eq!(status, 200);
        let lines: Vec<&str> = body.lines().filter(|line| !line.is_empty()).collect();
        assert_eq!(lines.len(), 3, "{body}");
    }

    async fn an_actors_candidacies_name_each_role_and_its_movie(app) {
        let avatar = app.create_movie("Avatar", "2009-12-18").await;
        let alien = app.create_movie("Alien", "1979-05-25").await;
        let neytiri = create_role(&app, avatar, json!({"name": "Neytiri"})).await;
        let ripley = create_role(&app, alien, json!({"name": "Ripley"})).await;
        let unrelated = create_role(&app, alien, json!({"name": "Ash"})).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        let other = app.create_actor("Ian Holm", 80, "male").await;
        put_candidate(&app, neytiri, actor, Some(json!({"status": "callback", "rank": 1}))).await.assert_status(200);
        put_candidate(&app, ripley, actor, None).await.assert_status(200);
        put_candidate(&app, unrelated, other, None).await.assert_status(200);

        let reply = app.get(Caller::CastingAssistant, &format!("/actors/{actor}/candidacies")).await;
        reply.assert_status(200);
        assert!(reply.body.as_object().unwrap().contains_key("next_cursor"), "{}", reply.body);
        let mut candidacies = app.list_all(&format!("/actors/{actor}/candidacies"), "candidacies").await;
        candidacies.sort_by_key(|candidacy| candidacy["role"]["id"].as_i64().unwrap());
        assert_eq!(candidacies.len(), 2, "{candidacies:?}");
        assert_eq!(candidacies[0]["role"]["id"], json!(neytiri));
        assert_eq!(candidacies[0]["role"]["name"], json!("Neytiri"));
        assert_eq!(candidacies[0]["movie"]["id"], json!(avatar));
        assert_eq!(candidacies[0]["movie"]["title"], json!("Avatar"));
        assert_eq!(candidacies[0]["status"], json!("callback"));
        assert_eq!(candidacies[0]["rank"], json!(1));
        assert_eq!(candidacies[1]["role"]["name"], json!("Ripley"));
        assert_eq!(candidacies[1]["movie"]["title"], json!("Alien"));
        assert_eq!(candidacies[1]["status"], json!("submitted"));
        assert_eq!(candidacies[1]["rank"], Value::Null);

        let none = app.create_actor("Nobody", 30, "male").await;
        assert_eq!(app.list_all(&format!("/actors/{none}/candidacies"), "candidacies").await, Vec::<Value>::new());
    }

    async fn an_actors_candidacies_and_a_roles_history_answer_csv_too(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let role_id = create_role(&app, movie, json!({"name": "Neytiri"})).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        put_candidate(&app, role_id, actor, Some(json!({"status": "callback", "rank": 2}))).await.assert_status(200);

        let (status, content_type, body) = csv(&app, &format!("/actors/{actor}/candidacies")).await;
        assert_eq!(status, 200, "{body}");
        assert!(content_type.starts_with("text/csv"), "{content_type}");
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines[0], "role_id,role,movie_id,movie,status,rank,note,added_at,updated_at");
        assert_eq!(lines.len(), 2, "{body}");
        assert!(lines[1].starts_with(&format!("{role_id},Neytiri,{movie},Avatar,callback,2,,")), "{body}");

        let (status, content_type, body) = csv(&app, &format!("/roles/{role_id}/history")).await;
        assert_eq!(status, 200, "{body}");
        assert!(content_type.starts_with("text/csv"), "{content_type}");
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines[0], "id,at,by_sub,by_name,action,changes,request_id,client_request_id");
        assert_eq!(lines.len(), 3, "the role's creation and the candidate's entry, newest first: {body}");
        assert!(lines[1].contains(",candidate,"), "{body}");
        assert!(lines[1].contains("callback"), "{body}");
        assert!(lines[2].contains(",create,"), "{body}");

        // A CSV export is every row: paging it is refused, and a role that never existed is 404.
        let (status, _, body) = csv(&app, &format!("/roles/{role_id}/history?limit=1")).await;
        assert_eq!(status, 400, "{body}");
        let (status, _, body) = csv(&app, &format!("/actors/{actor}/candidacies?limit=1")).await;
        assert_eq!(status, 400, "{body}");
        let (status, _, body) = csv(&app, "/roles/999999/history").await;
        assert_eq!(status, 404, "{body}");

        let (status, _, body) = csv(&app, &format!("/actors/{actor}/history")).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.lines().nth(1).is_some_and(|line| line.contains(",candidate,")), "the actor's history shows the move: {body}");
    }

    async fn bulk_sets_the_status_and_rank_of_many_candidates_at_once(app) {
        let (_, role_id) = movie_with_a_role(&app).await;
        let ids = actors(&app, "Bulk", 4).await;
        add_candidates(&app, role_id, &ids).await;

        let reply = bulk(&app, role_id, json!({"actor_ids": [ids[0], ids[1], ids[2]], "status": "shortlisted", "rank": 2})).await;
        reply.assert_status(200);
        assert_eq!(reply.body["changed"], json!(3));
        let expected = counts(&[("submitted", 1), ("shortlisted", 3)]);
        assert_eq!(reply.body["candidates"], expected);
        assert_eq!(reply.body["role"]["id"], json!(role_id));
        assert_eq!(reply.body["role"]["candidates"], expected);
        assert_eq!(role(&app, role_id).await, reply.body["role"]);
        for actor in &ids[..3] {
            let read = candidate(&app, role_id, *actor).await;
            assert_eq!(read["status"], json!("shortlisted"));
            assert_eq!(read["rank"], json!(2));
        }
        let untouched = candidate(&app, role_id, ids[3]).await;
        assert_eq!((untouched["status"].clone(), untouched["rank"].clone()), (json!("submitted"), Value::Null));

        // The rank alone, or the status alone.
        bulk(&app, role_id, json!({"actor_ids": [ids[0], ids[3]], "rank": 5})).await.assert_status(200);
        assert_eq!(candidate(&app, role_id, ids[0]).await["status"], json!("shortlisted"));
        assert_eq!(candidate(&app, role_id, ids[3]).await["rank"], json!(5));
        let reply = bulk(&app, role_id, json!({"actor_ids": [ids[1]], "status": "passed"})).await;
        reply.assert_status(200);
        assert_eq!(candidate(&app, role_id, ids[1]).await["rank"], json!(2));
        assert_eq!(reply.body["candidates"], counts(&[("submitted", 1), ("shortlisted", 2), ("passed", 1)]));
        assert_eq!(counts_of(&candidates(&app, role_id).await), reply.body["candidates"]);
    }

    async fn bulk_with_add_adds_those_not_yet_candidates(app) {
        let (_, role_id) = movie_with_a_role(&app).await;
        let ids = actors(&app, "Bulk", 3).await;
        add_candidates(&app, role_id, &ids[..1]).await;

        let reply = bulk(&app, role_id, json!({"actor_ids": ids, "status": "audition", "add": true})).await;
        reply.assert_status(200);
        assert_eq!(reply.body["changed"], json!(3));
        assert_eq!(reply.body["candidates"], counts(&[("audition", 3)]));
        let listed = candidates(&app, role_id).await;
        assert_eq!(actor_ids(&listed), ids);
        assert!(listed.iter().all(|candidate| candidate["status"] == json!("audition")));

        // Added without a status, they are submitted.
        let more = actors(&app, "More", 2).await;
        bulk(&app, role_id, json!({"actor_ids": more, "rank": 4, "add": true})).await.assert_status(200);
        for actor in &more {
            let read = candidate(&app, role_id, *actor).await;
            assert_eq!((read["status"].clone(), read["rank"].clone()), (json!("submitted"), json!(4)));
        }
    }

    async fn bulk_without_add_refuses_actors_who_are_not_candidates_naming_them(app) {
        let (movie, role_id) = movie_with_a_role(&app).await;
        let ids = actors(&app, "Bulk", 4).await;
        add_candidates(&app, role_id, &ids[..2]).await;
        let before = snapshot(&app, movie).await;

        for add in [None, Some(false)] {
            let mut body = json!({"actor_ids": ids, "status": "hold"});
            if let Some(add) = add {
                body["add"] = json!(add);
            }
            let reply = bulk(&app, role_id, body).await;
            reply.assert_error(422, "validation_failed");
            for outsider in &ids[2..] {
                assert!(reply.message().contains(&outsider.to_string()), "{outsider} named in {}", reply.message());
            }
        }
        assert_eq!(snapshot(&app, movie).await, before, "all or none: nothing changed");
    }

    async fn bulk_naming_an_actor_that_does_not_exist_is_422_and_changes_nothing(app) {
        let (movie, role_id) = movie_with_a_role(&app).await;
        let ids = actors(&app, "Bulk", 2).await;
        add_candidates(&app, role_id, &ids[..1]).await;
        let missing = 987_654;
        let before = snapshot(&app, movie).await;
        for add in [false, true] {
            let reply = bulk(&app, role_id, json!({"actor_ids": [ids[0], ids[1], missing], "status": "callback", "add": add})).await;
            reply.assert_error(422, "validation_failed");
            assert!(reply.message().contains("987654"), "the missing actor is named: {}", reply.message());
        }
        assert_eq!(snapshot(&app, movie).await, before, "all or none: nothing changed");
    }

    async fn bulk_takes_up_to_1000_actors(app) {
        let (movie, role_id) = movie_with_a_role(&app).await;
        let mut file = String::from("name,age,gender\n");
        for i in 0..1001 {
            file.push_str(&format!("Crowd {i:04},30,female\n"));
        }
        app.call(Caller::CastingDirector, Method::POST, "/actors")
            .body("text/csv", file)
            .send()
            .await
            .assert_status(200);
        let ids: Vec<i64> = app.list_all("/actors?limit=100", "actors").await.iter().map(|actor| actor["id"].as_i64().unwrap()).collect();
        assert_eq!(ids.len(), 1001);

        let before = snapshot(&app, movie).await;
        let reply = bulk(&app, role_id, json!({"actor_ids": ids, "status": "submitted", "add": true})).await;
        reply.assert_error(422, "validation_failed");
        assert!(reply.message().contains("actor_ids"), "{}", reply.message());
        assert_eq!(snapshot(&app, movie).await, before, "1,001 is too many, and nothing changed");

        let reply = bulk(&app, role_id, json!({"actor_ids": ids[..1000], "status": "shortlisted", "add": true})).await;
        reply.assert_status(200);
        assert_eq!(reply.body["changed"], json!(1000));
        assert_eq!(reply.body["candidates"], counts(&[("shortlisted", 1000)]));
        assert_eq!(candidates(&app, role_id).await.len(), 1000);
    }

    async fn each_broken_candidate_rule_is_422_and_changes_nothing(app) {
        let (movie, role_id) = movie_with_a_role(&app).await;
        let ids = actors(&app, "Rules", 3).await;
        add_candidates(&app, role_id, &ids[..2]).await;
        let newcomer = ids[2];
        let before = snapshot(&app, movie).await;

        let puts = [
            (json!({"status": "maybe"}), "status"),
            (json!({"status": "BOOKED"}), "status"),
            (json!({"status": 3}), "status"),
            (json!({"rank": 7}), "rank"),
            (json!({"rank": 0}), "rank"),
            (json!({"rank": -1}), "rank"),
            (json!({"rank": 1.5}), "rank"),
            (json!({"rank": "1"}), "rank"),
            (json!({"note": "n".repeat(2001)}), "note"),
            (json!({"note": "a\u{0}b"}), "note"),
            (json!({"colour": "blue"}), "colour"),
            (json!({"added_at": "2020-01-01T00:00:00Z"}), "added_at"),
            (json!({"feedback": []}), "feedback"),
        ];
        for (body, field) in &puts {
            for actor in [ids[0], newcomer] {
                let reply = put_candidate(&app, role_id, actor, Some(body.clone())).await;
                reply.assert_error(422, "validation_failed");
                assert!(reply.message().contains(field), "PUT {body}: {}", reply.message());
            }
        }
        let mut thousand_and_one: Vec<i64> = (1..=1001).map(|n| n + 10_000).collect();
        thousand_and_one[0] = ids[0];
        let bulks = [
            (json!({"actor_ids": [ids[0]], "status": "maybe"}), "status"),
            (json!({"actor_ids": [ids[0]], "rank": 7}), "rank"),
            (json!({"actor_ids": [ids[0]], "rank": 0}), "rank"),
            (json!({"actor_ids": thousand_and_one, "status": "hold"}), "actor_ids"),
            (json!({"actor_ids": [ids[0], ids[1], ids[0]], "status": "hold"}), "actor_ids"),
            (json!({"actor_ids": [ids[0].to_string()], "status": "hold"}), "actor_ids"),
            (json!({"actor_ids": [ids[0], 1.5], "status": "hold"}), "actor_ids"),
            (json!({"actor_ids": [], "status": "hold"}), "actor_ids"),
            (json!({"actor_ids": ids[0], "status": "hold"}), "actor_ids"),
            (json!({"status": "hold"}), "actor_ids"),
            (json!({"actor_ids": [ids[0]], "status": "hold", "add": "yes"}), "add"),
            (json!({"actor_ids": [ids[0]], "status": "hold", "colour": "blue"}), "colour"),
        ];
        for (body, field) in &bulks {
            let reply = bulk(&app, role_id, body.clone()).await;
            reply.assert_error(422, "validation_failed");
            assert!(reply.message().contains(field), "bulk {body}: {}", reply.message());
        }
        assert_eq!(snapshot(&app, movie).await, before, "no refused write changed anything");
        assert_eq!(candidate(&app, role_id, newcomer).await, Value::Null, "the newcomer was not added");
    }

    async fn a_stale_if_match_on_a_candidate_is_412_and_changes_nothing(app) {
        let (movie, role_id) = movie_with_a_role(&app).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        add_candidates(&app, role_id, &[actor]).await;
        let path = candidate_path(role_id, actor);
        let stale = app.get(Caller::CastingAssistant, &path).await.etag();
        let reply = app.call(Caller::CastingDirector, Method::PUT, &path)
            .header("If-Match", &stale)
            .json(&json!({"status": "shortlisted"}))
            .send()
            .await;
        reply.assert_status(200);
        let current = reply.etag();
        assert_ne!(current, stale);
        assert_eq!(app.get(Caller::CastingAssistant, &path).await.etag(), current);

        let before = snapshot(&app, movie).await;
        for tag in [stale.as_str(), "\"v999\""] {
            app.call(Caller::CastingDirector, Method::PUT, &path)
                .header("If-Match", tag)
                .json(&json!({"status": "passed", "rank": 6}))
                .send()
                .await
                .assert_error(412, "precondition_failed");
            app.call(Caller::CastingDirector, Method::DELETE, &path)
                .header("If-Match", tag)
                .send()
                .await
                .assert_error(412, "precondition_failed");
        }
        assert_eq!(snapshot(&app, movie).await, before, "nothing changed");

        app.call(Caller::CastingDirector, Method::DELETE, &path)
            .header("If-Match", &current)
            .send()
            .await
            .assert_status(200);
        assert_eq!(candidate(&app, role_id, actor).await, Value::Null);
    }

    async fn candidate_changes_are_in_the_histories_of_the_role_and_the_actor(app) {
        let (_, role_id) = movie_with_a_role(&app).await;
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        put_candidate(&app, role_id, actor, None).await.assert_status(200);
        put_candidate(&app, role_id, actor, Some(json!({"status": "shortlisted", "rank": 2}))).await.assert_status(200);
        app.delete(Caller::CastingDirector, &candidate_path(role_id, actor)).await.assert_status(200);

        let history = role_history(&app, role_id).await;
        assert!(history.len() >= 4, "{history:?}");
        for entry in &history[..3] {
            assert_eq!(entry["action"], json!("candidate"), "{entry}");
        }
        let removed = &history[0]["changes"];
        assert_eq!(removed["actor_id"]["from"], json!(actor), "{removed}");
        assert_eq!(removed["status"]["from"], json!("shortlisted"), "{removed}");
        assert_eq!(removed["status"]["to"], Value::Null, "{removed}");
        let moved = &history[1]["changes"];
        assert!(moved["actor_id"]["to"] == json!(actor) || moved["actor_id"]["from"] == json!(actor), "{moved}");
        assert_eq!(moved["status"], json!({"from": "submitted", "to": "shortlisted"}));
        assert_eq!(moved["rank"], json!({"from": null, "to": 2}));
        let added = &history[2]["changes"];
        assert_eq!(added["actor_id"]["to"], json!(actor), "{added}");
        assert_eq!(added["status"], json!({"from": null, "to": "submitted"}));
        assert_eq!(history.last().unwrap()["action"], json!("create"));

        let actor_history = app.list_all(&format!("/actors/{actor}/history"), "history").await;
        let candidate_entries: Vec<&Value> = actor_history.iter().filter(|entry| entry["action"] == json!("candidate")).collect();
        assert_eq!(candidate_entries.len(), 3, "{actor_history:?}");
        assert_eq!(candidate_entries[0]["changes"], history[0]["changes"]);
        assert_eq!(candidate_entries[1]["changes"], history[1]["changes"]);
        assert_eq!(candidate_entries[2]["changes"], history[2]["changes"]);
    }

    async fn deleting_an_actor_removes_its_candidacies(app) {
        let (movie, role_id) = movie_with_a_role(&app).await;
        let other_role = create_role(&app, movie, json!({"name": "Jake Sully"})).await;
        let ids = actors(&app, "Actor", 3).await;
        add_candidates(&app, role_id, &ids).await;
        move_to(&app, role_id, ids[0], "booked").await.assert_status(200);
        move_to(&app, other_role, ids[0], "shortlisted").await.assert_status(200);
        move_to(&app, role_id, ids[1], "shortlisted").await.assert_status(200);
        assert_eq!(role(&app, role_id).await["candidates"], counts(&[("booked", 1), ("shortlisted", 1), ("submitted", 1)]));

        app.delete(Caller::CastingDirector, &format!("/actors/{}", ids[0])).await.assert_status(200);

        assert_eq!(role(&app, role_id).await["candidates"], counts(&[("shortlisted", 1), ("submitted", 1)]));
        assert_eq!(role(&app, other_role).await["candidates"], counts(&[]));
        assert_eq!(actor_ids(&candidates(&app, role_id).await), ids[1..]);
        assert_eq!(candidate(&app, role_id, ids[0]).await, Value::Null);
        assert_eq!(cast(&app.movie(movie).await), vec![], "its casting went with it");
    }

    async fn a_casting_assistant_reads_candidates_and_cannot_change_them(app) {
        let (movie, role_id) = movie_with_a_role(&app).await;
        let ids = actors(&app, "Actor", 2).await;
        add_candidates(&app, role_id, &ids[..1]).await;
        let before = snapshot(&app, movie).await;
        let reads = [
            format!("/roles/{role_id}/candidates"),
            candidate_path(role_id, ids[0]),
            format!("/actors/{}/candidacies", ids[0]),
        ];
        for path in &reads {
            app.get(Caller::CastingAssistant, path).await.assert_status(200);
            app.get(Caller::Anonymous, path).await.assert_error(401, "unauthorized");
        }
        for (caller, status, code) in [(Caller::CastingAssistant, 403, "forbidden"), (Caller::Anonymous, 401, "unauthorized")] {
            for actor in &ids {
                app.put(caller, &candidate_path(role_id, *actor), json!({"status": "hold"})).await.assert_error(status, code);
            }
            app.delete(caller, &candidate_path(role_id, ids[0])).await.assert_error(status, code);
            app.post(caller, &format!("/roles/{role_id}/candidates/bulk"), json!({"actor_ids": ids, "status": "hold", "add": true}))
                .await
                .assert_error(status, code);
        }
        assert_eq!(snapshot(&app, movie).await, before, "no refused write changed anything");
    }
}
