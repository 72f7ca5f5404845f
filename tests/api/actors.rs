//! Actors: create, read, change, delete, and every bad input refused without a change.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::json::{cast, ids, timestamp, with_field, without_field};
use crate::helpers::refusals::assert_refused;
use crate::helpers::{Caller, backend_tests};

fn new_actor() -> Value {
    json!({"name": "Ana", "age": 30, "gender": "female"})
}

/// Values every text field refuses, with what makes them bad.
fn bad_texts(max: usize) -> Vec<(String, Value)> {
    vec![
        ("null".into(), Value::Null),
        ("a number".into(), json!(5)),
        ("a boolean".into(), json!(true)),
        ("an array".into(), json!(["Ana"])),
        ("an object".into(), json!({"first": "Ana"})),
        ("an empty string".into(), json!("")),
        ("spaces only".into(), json!("   ")),
        ("whitespace only".into(), json!("\t\n\u{3000} ")),
        ("a NUL inside".into(), json!("An\u{0}a")),
        ("a newline inside".into(), json!("An\na")),
        ("a tab inside".into(), json!("An\ta")),
        ("an escape inside".into(), json!("An\u{1b}[31ma")),
        ("a DEL inside".into(), json!("An\u{7f}a")),
        ("a C1 control inside".into(), json!("An\u{85}a")),
        (
            format!("{} characters", max + 1),
            json!("a".repeat(max + 1)),
        ),
        (
            format!("{} two-byte characters", max + 1),
            json!("é".repeat(max + 1)),
        ),
    ]
}

/// Values the age refuses.
fn bad_ages() -> Vec<(&'static str, Value)> {
    vec![
        ("-1", json!(-1)),
        ("151", json!(151)),
        ("30.5", json!(30.5)),
        ("\"30\"", json!("30")),
        ("1e30", json!(1e30)),
        ("2^63", json!(9_223_372_036_854_775_808_u64)),
        ("-2^63", json!(i64::MIN)),
        ("null", Value::Null),
        ("true", json!(true)),
        ("[30]", json!([30])),
    ]
}

/// Every refused new actor: a description, the body, and the field its message must name.
fn bad_new_actors() -> Vec<(String, Value, &'static str)> {
    let mut cases = Vec::new();
    for (field, max) in [("name", 200), ("gender", 50)] {
        for (what, value) in bad_texts(max) {
            cases.push((
                format!("{field} {what}"),
                with_field(new_actor(), field, value),
                field,
            ));
        }
    }
    for (what, value) in bad_ages() {
        cases.push((
            format!("age {what}"),
            with_field(new_actor(), "age", value),
            "age",
        ));
    }
    for field in ["name", "age", "gender"] {
        cases.push((
            format!("without {field}"),
            without_field(new_actor(), field),
            field,
        ));
    }
    for field in ["id", "created_at", "updated_at", "movies"] {
        cases.push((
            format!("with the server-owned {field}"),
            with_field(new_actor(), field, json!(7)),
            field,
        ));
    }
    cases.push((
        "with an unknown field".into(),
        with_field(new_actor(), "nickname", json!("Annie")),
        "nickname",
    ));
    cases.push((
        "with a field of another case".into(),
        with_field(new_actor(), "Name", json!("Annie")),
        "Name",
    ));
    cases
}

/// Every refused PATCH of an actor: a description, the body, and the field its message names.
fn bad_actor_patches() -> Vec<(String, Value, &'static str)> {
    let mut cases = Vec::new();
    for (field, max) in [("name", 200), ("gender", 50)] {
        for (what, value) in bad_texts(max) {
            cases.push((format!("{field} {what}"), json!({field: value}), field));
        }
    }
    for (what, value) in bad_ages() {
        cases.push((format!("age {what}"), json!({"age": value}), "age"));
    }
    for field in ["id", "created_at", "updated_at", "movies"] {
        cases.push((
            format!("the server-owned {field}"),
            json!({field: "2020-01-01T00:00:00Z"}),
            field,
        ));
    }
    cases.push((
        "an unknown field".into(),
        json!({"nickname": "Annie"}),
        "nickname",
    ));
    cases.push((
        "a valid name with an invalid age".into(),
        json!({"name": "Bea", "age": 151}),
        "age",
    ));
    cases.push((
        "a valid age with an unknown field".into(),
        json!({"age": 31, "nickname": "Annie"}),
        "nickname",
    ));
    cases.push((
        "a valid gender with a null name".into(),
        json!({"gender": "male", "name": null}),
        "name",
    ));
    cases
}

backend_tests! {
    async fn an_executive_producer_creates_an_actor_and_reads_it_back(app) {
        let reply = app
            .post(Caller::ExecutiveProducer, "/actors", json!({"name": "Zoë 🎬", "age": 30, "gender": "female"}))
            .await;
        reply.assert_status(200);
        let id = reply.body["created"].as_i64().unwrap();
        assert_eq!(reply.body["actor"]["id"], json!(id));
        let actor = app.actor(id).await;
        assert_eq!(actor["name"], json!("Zoë 🎬"));
        assert_eq!(actor["age"], json!(30));
        assert_eq!(actor["gender"], json!("female"));
        assert_eq!(actor["movies"], json!([]));
    }

    async fn creating_an_actor_answers_the_whole_actor_and_an_etag(app) {
        let reply = app.post(Caller::CastingDirector, "/actors", new_actor()).await;
        reply.assert_status(200);
        assert_eq!(reply.body["success"], json!(true));
        let id = reply.body["created"].as_i64().expect("the new id");
        assert!(id > 0);
        let created = &reply.body["actor"];
        assert_eq!(created["id"], json!(id));
        assert_eq!(created["name"], json!("Ana"));
        assert_eq!(created["age"], json!(30));
        assert_eq!(created["gender"], json!("female"));
        assert_eq!(created["movies"], json!([]));
        assert_eq!(timestamp(&created["created_at"]), timestamp(&created["updated_at"]));
        let post_etag = reply.header("etag").expect("an ETag on POST").to_owned();
        let (actor, etag) = app.actor_and_etag(id).await;
        assert_eq!(&actor, created, "the read differs from what POST answered");
        assert_eq!(etag, post_etag);
        assert!(etag.starts_with('"') && etag.ends_with('"'), "not a strong ETag: {etag}");
    }

    async fn created_actors_get_distinct_ids_and_all_appear_in_the_list(app) {
        let first = app.create_actor("Ana", 30, "female").await;
        let second = app.create_actor("Bo", 40, "male").await;
        assert_ne!(first, second);
        assert_eq!(ids(&app.list_all("/actors", "actors").await), [first, second]);
    }

    async fn patching_one_field_changes_only_it_and_moves_updated_at_and_the_etag(app) {
        let id = app.create_actor("Ana", 30, "female").await;
        let (before, etag_before) = app.actor_and_etag(id).await;
        let reply = app.patch(Caller::CastingDirector, &format!("/actors/{id}"), json!({"age": 31})).await;
        reply.assert_status(200);
        let patched = &reply.body["actor"];
        assert_eq!(patched["age"], json!(31));
        assert_eq!(patched["name"], before["name"]);
        assert_eq!(patched["gender"], before["gender"]);
        assert_eq!(patched["id"], json!(id));
        assert_eq!(patched["created_at"], before["created_at"]);
        assert!(timestamp(&patched["updated_at"]) > timestamp(&before["updated_at"]), "updated_at did not move");
        let patch_etag = reply.header("etag").expect("an ETag on PATCH").to_owned();
        assert_ne!(patch_etag, etag_before);
        let (after, etag_after) = app.actor_and_etag(id).await;
        assert_eq!(&after, patched);
        assert_eq!(etag_after, patch_etag);
    }

    async fn patching_two_fields_leaves_the_third_unchanged(app) {
        let id = app.create_actor("Ana", 30, "female").await;
        let (before, _) = app.actor_and_etag(id).await;
        app.patch(Caller::ExecutiveProducer, &format!("/actors/{id}"), json!({"name": "Ana María", "gender": "woman"}))
            .await
            .assert_status(200);
        let (after, _) = app.actor_and_etag(id).await;
        assert_eq!(after["name"], json!("Ana María"));
        assert_eq!(after["gender"], json!("woman"));
        assert_eq!(after["age"], before["age"]);
    }

    async fn patching_a_field_to_its_current_value_is_accepted(app) {
        let id = app.create_actor("Ana", 30, "female").await;
        let reply = app.patch(Caller::ExecutiveProducer, &format!("/actors/{id}"), json!({"age": 30})).await;
        reply.assert_status(200);
        assert_eq!(reply.body["actor"]["age"], json!(30));
    }

    async fn deleting_an_actor_answers_its_id_and_a_second_delete_is_404(app) {
        let id = app.create_actor("Ana", 30, "female").await;
        let other = app.create_actor("Bo", 40, "male").await;
        let reply = app.delete(Caller::CastingDirector, &format!("/actors/{id}")).await;
        reply.assert_status(200);
        assert_eq!(reply.body, json!({"success": true, "deleted": id}));
        assert_eq!(app.actor(id).await, Value::Null, "the actor can still be read");
        let again = app.delete(Caller::CastingDirector, &format!("/actors/{id}")).await;
        assert_refused(&again, 404, "not_found", "", "the second DELETE");
        assert_eq!(app.actor(other).await["name"], json!("Bo"), "another actor was touched");
        assert_eq!(app.list_all("/actors", "actors").await.len(), 1);
    }

    async fn outer_whitespace_is_trimmed_on_create_and_on_patch(app) {
        let reply = app
            .post(
                Caller::ExecutiveProducer,
                "/actors",
                json!({"name": "  \t Ana \n", "age": 30, "gender": "\u{3000}female\u{a0}"}),
            )
            .await;
        reply.assert_status(200);
        assert_eq!(reply.body["actor"]["name"], json!("Ana"));
        assert_eq!(reply.body["actor"]["gender"], json!("female"));
        let id = reply.body["created"].as_i64().unwrap();
        app.patch(Caller::ExecutiveProducer, &format!("/actors/{id}"), json!({"name": "  Ana  María  "}))
            .await
            .assert_status(200);
        let actor = app.actor(id).await;
        assert_eq!(actor["name"], json!("Ana  María"), "inner whitespace must be kept");
        assert_eq!(actor["gender"], json!("female"));
    }

    async fn unicode_names_round_trip_byte_for_byte(app) {
        let names = [
            "Zoë 🎬",
            "Zoe\u{308}",
            "Björk Guðmundsdóttir",
            "渡辺謙",
            "محمد",
            "👩🏽‍🎤",
            "Ǆemal \u{200b}Ćatić",
        ];
        for name in names {
            let reply = app
                .post(Caller::ExecutiveProducer, "/actors", json!({"name": name, "age": 30, "gender": "ﬁ"}))
                .await;
            assert_eq!(reply.status, 200, "{name:?}: {}", reply.body);
            assert_eq!(reply.body["actor"]["name"], json!(name), "POST answer for {name:?}");
            let id = reply.body["created"].as_i64().unwrap();
            let actor = app.actor(id).await;
            assert_eq!(actor["name"].as_str().map(str::as_bytes), Some(name.as_bytes()), "read of {name:?}");
            assert_eq!(actor["gender"], json!("ﬁ"));
        }
        let listed: Vec<Value> = app
            .list_all("/actors", "actors")
            .await
            .iter()
            .map(|actor| actor["name"].clone())
            .collect();
        assert_eq!(listed, names.map(|name| json!(name)));
    }

    async fn a_name_of_200_characters_and_a_gender_of_50_are_accepted(app) {
        for (name, gender) in [
            ("a".repeat(200), "g".repeat(50)),
            ("é".repeat(200), "ß".repeat(50)),
            ("🎬".repeat(200), "ü".repeat(50)),
        ] {
            let reply = app
                .post(Caller::ExecutiveProducer, "/actors", json!({"name": name, "age": 30, "gender": gender}))
                .await;
            assert_eq!(reply.status, 200, "{} bytes of name: {}", name.len(), reply.body);
            let id = reply.body["created"].as_i64().unwrap();
            let actor = app.actor(id).await;
            assert_eq!(actor["name"], json!(name));
            assert_eq!(actor["gender"], json!(gender));
        }
        // The limits count what is left after trimming.
        let padded_name = format!(" \t{} \n", "a".repeat(200));
        let padded_gender = format!("  {}  ", "g".repeat(50));
        let reply = app
            .post(Caller::ExecutiveProducer, "/actors", json!({"name": padded_name, "age": 30, "gender": padded_gender}))
            .await;
        assert_eq!(reply.status, 200, "200 characters with outer whitespace: {}", reply.body);
        assert_eq!(reply.body["actor"]["name"], json!("a".repeat(200)));
        let id = app.create_actor("Ana", 30, "female").await;
        app.patch(Caller::ExecutiveProducer, &format!("/actors/{id}"), json!({"name": "ñ".repeat(200), "gender": "x".repeat(50)}))
            .await
            .assert_status(200);
        assert_eq!(app.actor(id).await["name"], json!("ñ".repeat(200)));
    }

    async fn a_name_of_201_characters_is_refused_and_nothing_is_created(app) {
        let reply = app
            .post(Caller::ExecutiveProducer, "/actors", with_field(new_actor(), "name", json!("a".repeat(201))))
            .await;
        assert_refused(&reply, 422, "validation_failed", "name", "a name of 201 characters");
        assert_eq!(app.list_all("/actors", "actors").await, Vec::<Value>::new());
    }

    async fn a_gender_of_51_characters_is_refused_and_nothing_is_created(app) {
        let reply = app
            .post(Caller::ExecutiveProducer, "/actors", with_field(new_actor(), "gender", json!("g".repeat(51))))
            .await;
        assert_refused(&reply, 422, "validation_failed", "gender", "a gender of 51 characters");
        assert_eq!(app.list_all("/actors", "actors").await, Vec::<Value>::new());
    }

    async fn ages_0_and_150_are_accepted(app) {
        for age in [0, 150] {
            let reply = app.post(Caller::ExecutiveProducer, "/actors", with_field(new_actor(), "age", json!(age))).await;
            assert_eq!(reply.status, 200, "age {age}: {}", reply.body);
            assert_eq!(reply.body["actor"]["age"], json!(age));
        }
    }

    async fn every_bad_new_actor_is_refused_with_422_naming_the_field_and_nothing_is_created(app) {
        let existing = app.create_actor("Bo", 40, "male").await;
        let before = app.list_all("/actors", "actors").await;
        for (case, body, field) in bad_new_actors() {
            let case = format!("POST /actors with {case}: {body}");
            let reply = app.post(Caller::ExecutiveProducer, "/actors", body).await;
            assert_refused(&reply, 422, "validation_failed", field, &case);
            assert_eq!(app.list_all("/actors", "actors").await, before, "{case}: the list changed");
        }
        assert_eq!(app.actor(existing).await["name"], json!("Bo"));
    }

    async fn a_new_actor_with_several_faults_is_told_of_each(app) {
        let reply = app
            .post(Caller::ExecutiveProducer, "/actors", json!({"name": "", "age": 151, "gender": null}))
            .await;
        for field in ["name", "age", "gender"] {
            assert_refused(&reply, 422, "validation_failed", field, "three bad fields");
        }
        assert_eq!(app.list_all("/actors", "actors").await, Vec::<Value>::new());
    }

    async fn every_bad_patch_is_refused_with_422_naming_the_field_and_the_actor_is_unchanged(app) {
        let id = app.create_actor("Ana", 30, "female").await;
        let before = app.actor_and_etag(id).await;
        for (case, body, field) in bad_actor_patches() {
            let case = format!("PATCH /actors/{id} with {case}: {body}");
            let reply = app.patch(Caller::ExecutiveProducer, &format!("/actors/{id}"), body).await;
            assert_refused(&reply, 422, "validation_failed", field, &case);
            assert_eq!(app.actor_and_etag(id).await, before, "{case}: the actor or its ETag changed");
        }
    }

    async fn an_empty_patch_is_refused_with_422_and_the_actor_is_unchanged(app) {
        let id = app.create_actor("Ana", 30, "female").await;
        let before = app.actor_and_etag(id).await;
        let reply = app.patch(Caller::ExecutiveProducer, &format!("/actors/{id}"), json!({})).await;
        assert_refused(&reply, 422, "validation_failed", "", "PATCH with {}");
        assert_eq!(app.actor_and_etag(id).await, before);
    }

    async fn a_body_that_is_not_an_object_is_refused_with_422_and_changes_nothing(app) {
        let id = app.create_actor("Ana", 30, "female").await;
        let before = app.everything().await;
        for body in [json!([new_actor()]), json!([]), json!("Ana"), json!(30), json!(null), json!(true)] {
            let reply = app.post(Caller::ExecutiveProducer, "/actors", body.clone()).await;
            assert_refused(&reply, 422, "validation_failed", "", &format!("POST /actors with {body}"));
            let reply = app.patch(Caller::ExecutiveProducer, &format!("/actors/{id}"), body.clone()).await;
            assert_refused(&reply, 422, "validation_failed", "", &format!("PATCH /actors/{id} with {body}"));
        }
        assert_eq!(app.everything().await, before);
    }

    async fn an_id_that_is_not_a_positive_integer_is_400_and_changes_nothing(app) {
        app.create_actor("Ana", 30, "female").await;
        let before = app.everything().await;
        for raw in ["abc", "99999999999999999999", "9223372036854775808", "0", "-1", "1.5", "1e3", "0x1", "%20", "+1", "01"] {
            for method in [Method::GET, Method::PATCH, Method::DELETE] {
                let path = format!("/actors/{raw}");
                let case = format!("{method} {path}");
                let mut call = app.call(Caller::ExecutiveProducer, method, &path);
                call = call.json(&json!({"age": 31}));
                let reply = call.send().await;
                assert_refused(&reply, 400, "bad_request", "id", &case);
            }
        }
        assert_eq!(app.everything().await, before);
    }

    async fn a_missing_actor_is_404_to_read_patch_and_delete(app) {
        let id = app.create_actor("Ana", 30, "female").await;
        let before = app.everything().await;
        for missing in [id + 1, 987_654_321, i64::MAX] {
            let path = format!("/actors/{missing}");
            let reply = app.get(Caller::CastingAssistant, &path).await;
            assert_refused(&reply, 404, "not_found", "", &format!("GET {path}"));
            let reply = app.patch(Caller::CastingDirector, &path, json!({"age": 31})).await;
            assert_refused(&reply, 404, "not_found", "", &format!("PATCH {path}"));
            let reply = app.delete(Caller::CastingDirector, &path).await;
            assert_refused(&reply, 404, "not_found", "", &format!("DELETE {path}"));
        }
        assert_eq!(app.everything().await, before, "a write to a missing actor changed something");
    }

    async fn an_actor_lists_the_movies_it_is_cast_in_and_deleting_it_removes_only_its_castings(app) {
        let ana = app.create_actor("Ana", 30, "female").await;
        let bo = app.create_actor("Bo", 40, "male").await;
        let movie = app.create_movie("Heat", "1995-12-15").await;
        app.cast(movie, ana, "Lead").await;
        app.cast(movie, bo, "Sidekick").await;
        let actor = app.actor(ana).await;
        assert_eq!(actor["movies"].as_array().map(Vec::len), Some(1), "{actor}");
        assert_eq!(actor["movies"][0]["id"], json!(movie));
        assert_eq!(actor["movies"][0]["title"], json!("Heat"));
        assert_eq!(actor["movies"][0]["character"], json!("Lead"));
        app.delete(Caller::CastingDirector, &format!("/actors/{ana}")).await.assert_status(200);
        let cast = cast(&app.movie(movie).await);
        assert_eq!(cast, [(bo, json!("Sidekick"))], "cast after deleting Ana");
        assert_eq!(app.actor(bo).await["movies"][0]["id"], json!(movie));
    }
}
