//! The performer profile: playing ages, height, skills, languages, unions, agent and notes, all
//! optional; written and cleared through the API, recorded in the history, and searched by.

use serde_json::{Value, json};

use crate::helpers::{Caller, TestApp, backend_tests};

/// A whole profile, as a casting office would enter it.
fn full_profile() -> Value {
    json!({
        "name": "Adaeze Okafor",
        "age": 29,
        "gender": "female",
        "playing_age_min": 22,
        "playing_age_max": 32,
        "height_cm": 168,
        "skills": ["Stage combat", "Horse riding", "Singing"],
        "languages": ["English", "Yoruba"],
        "unions": ["Equity"],
        "agent": {"agency": "Talent House", "name": "Ada Brown", "email": "ada@talent.example", "phone": "+44 20 7946 0000"},
        "notes": "Trained at RADA.\nAvailable from May.\tNo nudity."
    })
}

/// Creates an actor from `body`, answering its id.
async fn create(app: &TestApp, body: Value) -> i64 {
    let reply = app.post(Caller::ExecutiveProducer, "/actors", body).await;
    reply.assert_status(200);
    reply.body["created"].as_i64().expect("an id")
}

/// An actor with these tags and measures, the rest plain.
fn performer(name: &str, skills: &[&str], playing: (i64, i64), height: i64) -> Value {
    json!({
        "name": name, "age": 30, "gender": "female",
        "skills": skills, "playing_age_min": playing.0, "playing_age_max": playing.1,
        "height_cm": height,
    })
}

/// The names `GET /actors` lists for `query`, every page followed.
async fn names(app: &TestApp, query: &str) -> Vec<String> {
    app.list_all(&format!("/actors?{query}"), "actors")
        .await
        .iter()
        .map(|actor| actor["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Checks that `body` sent to `path` with `method` is refused with 422 naming `field`, and
/// that nothing changed.
async fn assert_refused(app: &TestApp, patch_of: Option<i64>, body: Value, field: &str) {
    let before = app.everything().await;
    let reply = match patch_of {
        Some(id) => {
            app.patch(
                Caller::ExecutiveProducer,
                &format!("/actors/{id}"),
                body.clone(),
            )
            .await
        }
        None => {
            app.post(Caller::ExecutiveProducer, "/actors", body.clone())
                .await
        }
    };
    reply.assert_error(422, "validation_failed");
    assert!(
        reply.message().contains(field),
        "{field} in {} for {body}",
        reply.message()
    );
    assert_eq!(app.everything().await, before, "nothing changed for {body}");
}

backend_tests! {
    async fn a_full_profile_is_kept_and_shown_as_entered(app) {
        let id = create(&app, full_profile()).await;
        let actor = app.actor(id).await;
        for (field, value) in full_profile().as_object().unwrap() {
            assert_eq!(&actor[field], value, "{field}");
        }
    }

    async fn an_actor_without_a_profile_shows_every_profile_field_as_unknown(app) {
        let id = app.create_actor("Plain", 40, "male").await;
        let actor = app.actor(id).await;
        for field in ["playing_age_min", "playing_age_max", "height_cm", "agent", "notes"] {
            assert_eq!(actor[field], Value::Null, "{field}");
        }
        for field in ["skills", "languages", "unions"] {
            assert_eq!(actor[field], json!([]), "{field}");
        }
    }

    async fn null_clears_an_optional_field_and_an_empty_list_clears_a_list(app) {
        let id = create(&app, full_profile()).await;
        let reply = app.patch(Caller::ExecutiveProducer, &format!("/actors/{id}"), json!({
            "height_cm": null, "agent": null, "notes": null, "skills": [], "languages": null,
        })).await;
        reply.assert_status(200);
        let actor = app.actor(id).await;
        assert_eq!(actor["height_cm"], Value::Null);
        assert_eq!(actor["agent"], Value::Null);
        assert_eq!(actor["notes"], Value::Null);
        assert_eq!(actor["skills"], json!([]));
        assert_eq!(actor["languages"], json!([]));
        assert_eq!(actor["unions"], json!(["Equity"]), "a field not named is kept");
        assert_eq!(actor["playing_age_min"], json!(22));
        let found = names(&app, "skill=singing").await;
        assert!(found.is_empty(), "a cleared skill is no longer found: {found:?}");
    }

    async fn a_required_field_still_refuses_null(app) {
        let id = create(&app, full_profile()).await;
        for field in ["name", "age", "gender"] {
            assert_refused(&app, Some(id), json!({field: null}), field).await;
        }
    }

    async fn tags_are_kept_as_typed_and_compared_regardless_of_case(app) {
        let id = create(&app, json!({"name": "A", "age": 30, "gender": "f", "skills": [" Fencing ", "SINGING"]})).await;
        assert_eq!(app.actor(id).await["skills"], json!(["Fencing", "SINGING"]));
        assert_eq!(names(&app, "skill=singing").await, ["A"]);
        assert_eq!(names(&app, "skill=FENCING").await, ["A"]);
        assert!(names(&app, "skill=sing").await.is_empty(), "a filter matches a whole tag");
    }

    async fn each_broken_profile_rule_is_refused_with_nothing_changed(app) {
        let id = create(&app, full_profile()).await;
        let base = || json!({"name": "New", "age": 30, "gender": "f"});
        let with = |field: &str, value: Value| {
            let mut body = base();
            body[field] = value;
            body
        };
        let cases = [
            (with("playing_age_min", json!(151)), "playing_age_min"),
            (with("playing_age_max", json!(-1)), "playing_age_max"),
            (json!({"name": "New", "age": 30, "gender": "f", "playing_age_min": 40, "playing_age_max": 30}), "playing_age_min"),
            (with("height_cm", json!(49)), "height_cm"),
            (with("height_cm", json!(251)), "height_cm"),
            (with("height_cm", json!("tall")), "height_cm"),
            (with("skills", json!(["Singing", "singing"])), "skills"),
            (with("skills", json!(["a;b"])), "skills"),
            (with("skills", json!([""])), "skills"),
            (with("skills", json!(["x".repeat(51)])), "skills"),
            (with("skills", json!((0..31).map(|n| format!("skill {n}")).collect::<Vec<_>>())), "skills"),
            (with("languages", json!((0..21).map(|n| format!("language {n}")).collect::<Vec<_>>())), "languages"),
            (with("unions", json!((0..11).map(|n| format!("union {n}")).collect::<Vec<_>>())), "unions"),
            (with("unions", json!("Equity")), "unions"),
            (with("agent", json!({"name": "No agency"})), "agent"),
            (with("agent", json!({"agency": "A", "email": "not an address"})), "agent"),
            (with("agent", json!({"agency": "A", "fax": "1"})), "agent"),
            (with("agent", json!({"agency": "x".repeat(201)})), "agent"),
            (with("agent", json!({"agency": "A", "phone": "1".repeat(51)})), "agent"),
            (with("notes", json!("n".repeat(4001))), "notes"),
            (with("notes", json!("a\u{0}b")), "notes"),
        ];
        for (body, field) in cases {
            assert_refused(&app, None, body.clone(), field).await;
            let mut change = body.as_object().unwrap().clone();
            change.retain(|name, _| !["name", "age", "gender"].contains(&name.as_str()));
            assert_refused(&app, Some(id), Value::Object(change), field).await;
        }
        // A change is judged with what is stored: the stored maximum is 32.
        assert_refused(&app, Some(id), json!({"playing_age_min": 40}), "playing_age_min").await;
        // At the limits, each is accepted.
        let longest = json!({"name": "Longest", "age": 30, "gender": "f",
            "playing_age_min": 0, "playing_age_max": 150, "height_cm": 250,
            "skills": (0..30).map(|n| format!("{n}{}", "s".repeat(48))).collect::<Vec<_>>(),
            "notes": "n".repeat(4000)});
        create(&app, longest).await;
    }

    async fn a_profile_change_is_in_the_history_from_what_to_what(app) {
        let id = create(&app, full_profile()).await;
        app.patch(Caller::ExecutiveProducer, &format!("/actors/{id}"), json!({"height_cm": 170, "unions": ["Equity", "SAG-AFTRA"], "notes": null}))
            .await
            .assert_status(200);
        let history = app.get(Caller::CastingAssistant, &format!("/actors/{id}/history")).await;
        let changes = &history.body["history"][0]["changes"];
        assert_eq!(changes["height_cm"], json!({"from": 168, "to": 170}));
        assert_eq!(changes["unions"], json!({"from": ["Equity"], "to": ["Equity", "SAG-AFTRA"]}));
        assert_eq!(changes["notes"]["to"], Value::Null);
        assert!(changes.get("skills").is_none(), "an unchanged field is left out: {changes}");
        let created = &history.body["history"][1]["changes"];
        assert_eq!(created["agent"]["to"]["agency"], json!("Talent House"));
    }

    async fn actors_are_found_by_every_profile_filter_together(app) {
        create(&app, performer("Fencer", &["Fencing", "Singing"], (20, 30), 170)).await;
        create(&app, performer("Singer", &["Singing"], (25, 40), 160)).await;
        create(&app, performer("Rider", &["Horse riding"], (35, 50), 185)).await;
        create(&app, json!({"name": "Unknown", "age": 30, "gender": "f", "languages": ["French"], "unions": ["Equity"]})).await;

        assert_eq!(names(&app, "skill=singing&sort=name").await, ["Fencer", "Singer"]);
        assert_eq!(names(&app, "skill=singing&skill=fencing").await, ["Fencer"], "every skill given must match");
        assert_eq!(names(&app, "language=french").await, ["Unknown"]);
        assert_eq!(names(&app, "union=EQUITY&language=French").await, ["Unknown"]);
        assert_eq!(names(&app, "playing_age=30&sort=name").await, ["Fencer", "Singer"]);
        assert_eq!(names(&app, "playing_age=45").await, ["Rider"]);
        assert_eq!(names(&app, "min_height=165&sort=name").await, ["Fencer", "Rider"]);
        assert_eq!(names(&app, "max_height=170&sort=name").await, ["Fencer", "Singer"]);
        assert_eq!(names(&app, "min_height=161&max_height=184").await, ["Fencer"]);
        assert_eq!(names(&app, "skill=singing&playing_age=38&max_height=165").await, ["Singer"]);
        assert!(names(&app, "skill=juggling").await.is_empty());
    }

    async fn a_profile_search_pages_by_keyset_with_its_cursor_bound_to_every_filter(app) {
        for index in 0..7 {
            create(&app, performer(&format!("Singer {index}"), &["Singing"], (20, 30), 170)).await;
            create(&app, performer(&format!("Dancer {index}"), &["Dancing"], (20, 30), 170)).await;
        }
        let first = app.get(Caller::CastingAssistant, "/actors?skill=singing&limit=3&sort=-name").await;
        first.assert_status(200);
        let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
        let all = names(&app, "skill=singing&sort=-name").await;
        assert_eq!(all.len(), 7);
        let second = app.get(Caller::CastingAssistant, &format!("/actors?skill=singing&limit=3&sort=-name&cursor={cursor}")).await;
        second.assert_status(200);
        let page: Vec<&str> = second.body["actors"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
        assert_eq!(page, all[3..6].iter().map(String::as_str).collect::<Vec<_>>());
        for other in ["skill=dancing", "skill=singing&skill=x", "skill=singing&min_height=100", "skill=singing&playing_age=25", "skill=singing&language=en"] {
            let reply = app.get(Caller::CastingAssistant, &format!("/actors?{other}&limit=3&sort=-name&cursor={cursor}")).await;
            reply.assert_error(400, "bad_request");
        }
    }

    async fn a_tag_thousands_hold_is_searched_as_well_as_a_rare_one(app) {
        // Past 5,000 holders a tag no longer leads the search: the list is walked instead.
        let mut file = "name,age,gender,skills\r\n".to_owned();
        for index in 0..5_010 {
            let skills = if index % 1_000 == 7 { "Singing; Fencing" } else { "Singing" };
            file.push_str(&format!("Singer {index:05},30,female,{skills}\r\n"));
        }
        app.call(Caller::ExecutiveProducer, reqwest::Method::POST, "/actors")
            .body("text/csv", file)
            .send()
            .await
            .assert_status(200);
        create(&app, performer("Not a singer", &["Fencing"], (20, 30), 170)).await;
        let page = app.get(Caller::CastingAssistant, "/actors?skill=singing&sort=-name&limit=3").await;
        page.assert_status(200);
        let first: Vec<&str> = page.body["actors"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
        assert_eq!(first, ["Singer 05009", "Singer 05008", "Singer 05007"]);
        let cursor = page.body["next_cursor"].as_str().unwrap();
        let next = app.get(Caller::CastingAssistant, &format!("/actors?skill=singing&sort=-name&limit=2&cursor={cursor}")).await;
        let second: Vec<&str> = next.body["actors"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
        assert_eq!(second, ["Singer 05006", "Singer 05005"]);
        assert_eq!(
            names(&app, "skill=singing&skill=fencing&sort=name").await,
            ["Singer 00007", "Singer 01007", "Singer 02007", "Singer 03007", "Singer 04007", "Singer 05007"]
        );
        assert_eq!(names(&app, "skill=fencing&sort=-name").await.len(), 7);
        let by_id = app.get(Caller::CastingAssistant, "/actors?skill=singing&limit=2").await;
        let by_id: Vec<&str> = by_id.body["actors"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
        assert_eq!(by_id, ["Singer 00000", "Singer 00001"]);
    }

    async fn a_bad_profile_filter_is_400_naming_it(app) {
        for (query, parameter) in [
            ("min_height=49", "min_height"),
            ("max_height=tall", "max_height"),
            ("playing_age=151", "playing_age"),
            ("skill=a%00b", "skill"),
            ("min_age=3&min_age=4", "min_age"),
        ] {
            let reply = app.get(Caller::CastingAssistant, &format!("/actors?{query}")).await;
            reply.assert_error(400, "bad_request");
            assert!(reply.message().contains(parameter), "{query}: {}", reply.message());
        }
    }

    async fn deleting_an_actor_takes_its_tags_from_the_search(app) {
        let id = create(&app, performer("Gone", &["Juggling"], (20, 30), 170)).await;
        app.delete(Caller::ExecutiveProducer, &format!("/actors/{id}")).await.assert_status(200);
        assert!(names(&app, "skill=juggling").await.is_empty());
    }
}
