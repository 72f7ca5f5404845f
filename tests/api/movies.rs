//! Movies: create, read, change, delete, the seed's field names, and every bad input refused
//! without a change.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::json::{roles, timestamp, with_field, without_field};
use crate::helpers::refusals::assert_refused;
use crate::helpers::{Caller, backend_tests};

fn new_movie() -> Value {
    json!({"title": "Heat", "release_date": "1995-12-15"})
}

/// Values the title refuses.
fn bad_titles() -> Vec<(String, Value)> {
    vec![
        ("null".into(), Value::Null),
        ("a number".into(), json!(1995)),
        ("a boolean".into(), json!(false)),
        ("an array".into(), json!(["Heat"])),
        ("an object".into(), json!({"en": "Heat"})),
        ("an empty string".into(), json!("")),
        ("spaces only".into(), json!("    ")),
        ("whitespace only".into(), json!("\n\t\u{a0}")),
        ("a NUL inside".into(), json!("He\u{0}at")),
        ("a newline inside".into(), json!("He\nat")),
        ("a carriage return inside".into(), json!("He\rat")),
        ("a bell inside".into(), json!("He\u{7}at")),
        ("301 characters".into(), json!("t".repeat(301))),
        ("301 emoji".into(), json!("🎬".repeat(301))),
    ]
}

/// Release dates that are refused: impossible, malformed, out of range, of the wrong type.
fn bad_dates() -> Vec<Value> {
    vec![
        json!("2023-02-29"),
        json!(20230229),
        json!("2020-13-01"),
        json!(20201301),
        json!("2020-00-10"),
        json!("2020-04-31"),
        json!(20200431),
        json!("2020-1-10"),
        json!("2020-10-1"),
        json!("20201010"),
        json!("2020/10/10"),
        json!("10-10-2020"),
        json!("2020-10-10T00:00:00Z"),
        json!(" 2020-10-10x"),
        json!("+2020-10-10"),
        json!("1799-12-31"),
        json!(17991231),
        json!("0000-01-01"),
        json!("10000-01-01"),
        json!(100000101),
        json!(2020101),
        json!(-20201010),
        json!(20201010.5),
        json!(0),
        json!(""),
        json!(true),
        json!(["2020-10-10"]),
        json!({"year": 2020}),
    ]
}

/// Every refused new movie: a description, the body, and the field its message must name.
fn bad_new_movies() -> Vec<(String, Value, &'static str)> {
    let mut cases = Vec::new();
    for (what, value) in bad_titles() {
        cases.push((
            format!("title {what}"),
            with_field(new_movie(), "title", value.clone()),
            "title",
        ));
        // The seed's name for the title follows the same rules, and the message names the field.
        cases.push((
            format!("movie {what}"),
            json!({"movie": value, "release_date": "1995-12-15"}),
            "title",
        ));
    }
    for date in bad_dates() {
        cases.push((
            format!("release_date {date}"),
            with_field(new_movie(), "release_date", date),
            "release_date",
        ));
    }
    cases.push((
        "release_date null".into(),
        with_field(new_movie(), "release_date", Value::Null),
        "release_date",
    ));
    for field in ["title", "release_date"] {
        cases.push((
            format!("without {field}"),
            without_field(new_movie(), field),
            field,
        ));
    }
    for field in ["id", "created_at", "updated_at", "cast"] {
        cases.push((
            format!("with the server-owned {field}"),
            with_field(new_movie(), field, json!(7)),
            field,
        ));
    }
    cases.push((
        "with an unknown field".into(),
        with_field(new_movie(), "director", json!("Michael Mann")),
        "director",
    ));
    cases.push((
        "with both title and movie".into(),
        with_field(new_movie(), "movie", json!("Heat")),
        "movie",
    ));
    cases
}

/// Every refused PATCH of a movie: a description, the body, and the field its message names.
fn bad_movie_patches() -> Vec<(String, Value, &'static str)> {
    let mut cases = Vec::new();
    for (what, value) in bad_titles() {
        cases.push((
            format!("title {what}"),
            json!({"title": value.clone()}),
            "title",
        ));
        cases.push((format!("movie {what}"), json!({"movie": value}), "title"));
    }
    for date in bad_dates() {
        cases.push((
            format!("release_date {date}"),
            json!({"release_date": date}),
            "release_date",
        ));
    }
    cases.push((
        "release_date null".into(),
        json!({"release_date": null}),
        "release_date",
    ));
    for field in ["id", "created_at", "updated_at", "cast"] {
        cases.push((
            format!("the server-owned {field}"),
            json!({field: 1}),
            field,
        ));
    }
    cases.push((
        "an unknown field".into(),
        json!({"director": "Michael Mann"}),
        "director",
    ));
    cases.push((
        "both title and movie".into(),
        json!({"title": "Ran", "movie": "Ran"}),
        "movie",
    ));
    cases.push((
        "a valid title with an impossible date".into(),
        json!({"title": "Ran", "release_date": "2023-02-29"}),
        "release_date",
    ));
    cases.push((
        "a valid date with a null title".into(),
        json!({"release_date": "1985-06-01", "title": null}),
        "title",
    ));
    cases
}

backend_tests! {
    async fn an_executive_producer_creates_a_movie_and_reads_it_back(app) {
        let reply = app.post(Caller::ExecutiveProducer, "/movies", new_movie()).await;
        reply.assert_status(200);
        let id = reply.body["created"].as_i64().expect("the new id");
        assert!(id > 0);
        let created = &reply.body["movie"];
        assert_eq!(created["id"], json!(id));
        assert_eq!(created["title"], json!("Heat"));
        assert_eq!(created["release_date"], json!("1995-12-15"));
        assert_eq!(created["cast"], json!([]));
        assert_eq!(timestamp(&created["created_at"]), timestamp(&created["updated_at"]));
        let post_etag = reply.header("etag").expect("an ETag on POST").to_owned();
        let (movie, etag) = app.movie_and_etag(id).await;
        assert_eq!(&movie, created, "the read differs from what POST answered");
        assert_eq!(etag, post_etag);
        assert!(etag.starts_with('"') && etag.ends_with('"'), "not a strong ETag: {etag}");
    }

    async fn the_seeds_clients_create_a_movie_with_movie_and_an_integer_date(app) {
        let reply = app
            .post(Caller::ExecutiveProducer, "/movies", json!({"movie": "Tenet", "release_date": 20201010}))
            .await;
        reply.assert_status(200);
        let movie = &reply.body["movie"];
        assert_eq!(movie["title"], json!("Tenet"));
        assert_eq!(movie["release_date"], json!("2020-10-10"));
        assert!(movie.get("movie").is_none(), "the answer is not canonical: {movie}");
        let id = reply.body["created"].as_i64().unwrap();
        let (read_back, _) = app.movie_and_etag(id).await;
        assert_eq!(read_back["title"], json!("Tenet"));
        assert_eq!(read_back["release_date"], json!("2020-10-10"));
    }

    async fn the_seeds_field_names_also_change_a_movie(app) {
        let id = app.create_movie("Heat", "1995-12-15").await;
        let reply = app
            .patch(Caller::CastingDirector, &format!("/movies/{id}"), json!({"movie": "Tenet", "release_date": 20200826}))
            .await;
        reply.assert_status(200);
        assert_eq!(reply.body["movie"]["title"], json!("Tenet"));
        assert_eq!(reply.body["movie"]["release_date"], json!("2020-08-26"));
        let (movie, _) = app.movie_and_etag(id).await;
        assert_eq!(movie["title"], json!("Tenet"));
        assert_eq!(movie["release_date"], json!("2020-08-26"));
    }

    async fn sending_both_title_and_movie_is_refused_and_changes_nothing(app) {
        let reply = app
            .post(Caller::ExecutiveProducer, "/movies", json!({"title": "Tenet", "movie": "Tenet", "release_date": 20201010}))
            .await;
        assert_refused(&reply, 422, "validation_failed", "movie", "POST with title and movie");
        assert_eq!(app.list_all("/movies", "movies").await, Vec::<Value>::new());
        let id = app.create_movie("Heat", "1995-12-15").await;
        let before = app.movie_and_etag(id).await;
        let reply = app
            .patch(Caller::ExecutiveProducer, &format!("/movies/{id}"), json!({"title": "Tenet", "movie": "Ran"}))
            .await;
        assert_refused(&reply, 422, "validation_failed", "movie", "PATCH with title and movie");
        assert_eq!(app.movie_and_etag(id).await, before);
    }

    async fn patching_the_title_keeps_the_date_and_moves_updated_at_and_the_etag(app) {
        let id = app.create_movie("Heat", "1995-12-15").await;
        let (before, etag_before) = app.movie_and_etag(id).await;
        let reply = app
            .patch(Caller::CastingDirector, &format!("/movies/{id}"), json!({"title": "Heat (director's cut)"}))
            .await;
        reply.assert_status(200);
        let patched = &reply.body["movie"];
        assert_eq!(patched["title"], json!("Heat (director's cut)"));
        assert_eq!(patched["release_date"], before["release_date"]);
        assert_eq!(patched["created_at"], before["created_at"]);
        assert_eq!(patched["cast"], before["cast"]);
        assert!(timestamp(&patched["updated_at"]) > timestamp(&before["updated_at"]), "updated_at did not move");
        let patch_etag = reply.header("etag").expect("an ETag on PATCH").to_owned();
        assert_ne!(patch_etag, etag_before);
        let (after, etag_after) = app.movie_and_etag(id).await;
        assert_eq!(&after, patched);
        assert_eq!(etag_after, patch_etag);
    }

    async fn patching_the_date_keeps_the_title_and_the_cast(app) {
        let id = app.create_movie("Heat", "1995-12-15").await;
        let actor = app.create_actor("Al", 55, "male").await;
        app.cast(id, actor, "Vincent Hanna").await;
        let (before, _) = app.movie_and_etag(id).await;
        app.patch(Caller::ExecutiveProducer, &format!("/movies/{id}"), json!({"release_date": "1996-02-23"}))
            .await
            .assert_status(200);
        let (after, _) = app.movie_and_etag(id).await;
        assert_eq!(after["release_date"], json!("1996-02-23"));
        assert_eq!(after["title"], before["title"]);
        assert_eq!(after["cast"], before["cast"]);
        assert_eq!(after["cast"][0]["id"], json!(actor));
    }

    async fn deleting_a_movie_answers_its_id_and_a_second_delete_is_404(app) {
        let id = app.create_movie("Heat", "1995-12-15").await;
        let other = app.create_movie("Ran", "1985-06-01").await;
        let actor = app.create_actor("Al", 55, "male").await;
        app.cast(id, actor, "Vincent Hanna").await;
        app.cast(other, actor, "Hidetora").await;
        let reply = app.delete(Caller::ExecutiveProducer, &format!("/movies/{id}")).await;
        reply.assert_status(200);
        assert_eq!(reply.body, json!({"success": true, "deleted": id}));
        assert_eq!(app.movie(id).await, Value::Null, "the movie can still be read");
        let again = app.delete(Caller::ExecutiveProducer, &format!("/movies/{id}")).await;
        assert_refused(&again, 404, "not_found", "", "the second DELETE");
        // Its castings went with it, and nothing else did.
        let roles = roles(&app.actor(actor).await);
        assert_eq!(roles, [(other, json!("Hidetora"))], "roles after deleting the movie");
        assert_eq!(app.movie(other).await["title"], json!("Ran"));
    }

    async fn outer_whitespace_is_trimmed_from_titles(app) {
        let reply = app
            .post(Caller::ExecutiveProducer, "/movies", json!({"title": " \t The  Godfather \n", "release_date": "1972-03-24"}))
            .await;
        reply.assert_status(200);
        assert_eq!(reply.body["movie"]["title"], json!("The  Godfather"));
        let id = reply.body["created"].as_i64().unwrap();
        app.patch(Caller::ExecutiveProducer, &format!("/movies/{id}"), json!({"movie": "\u{3000}Godfather II  "}))
            .await
            .assert_status(200);
        assert_eq!(app.movie(id).await["title"], json!("Godfather II"));
    }

    async fn unicode_titles_round_trip_byte_for_byte(app) {
        let titles = ["Amélie 🎬", "Ame\u{301}lie", "千と千尋の神隠し", "Léon: The Professional", "😀‍🎥"];
        for title in titles {
            let reply = app
                .post(Caller::ExecutiveProducer, "/movies", json!({"title": title, "release_date": "2001-04-25"}))
                .await;
            assert_eq!(reply.status, 200, "{title:?}: {}", reply.body);
            assert_eq!(reply.body["movie"]["title"], json!(title));
            let id = reply.body["created"].as_i64().unwrap();
            let movie = app.movie(id).await;
            assert_eq!(movie["title"].as_str().map(str::as_bytes), Some(title.as_bytes()), "read of {title:?}");
        }
        let listed: Vec<Value> = app
            .list_all("/movies", "movies")
            .await
            .iter()
            .map(|movie| movie["title"].clone())
            .collect();
        assert_eq!(listed, titles.map(|title| json!(title)));
    }

    async fn a_title_of_300_characters_is_accepted(app) {
        for title in ["t".repeat(300), "é".repeat(300), "🎬".repeat(300)] {
            let reply = app.post(Caller::ExecutiveProducer, "/movies", with_field(new_movie(), "title", json!(title))).await;
            assert_eq!(reply.status, 200, "{} bytes of title: {}", title.len(), reply.body);
            let id = reply.body["created"].as_i64().unwrap();
            assert_eq!(app.movie(id).await["title"], json!(title));
        }
    }

    async fn a_title_of_301_characters_is_refused_and_nothing_is_created(app) {
        let reply = app.post(Caller::ExecutiveProducer, "/movies", with_field(new_movie(), "title", json!("t".repeat(301)))).await;
        assert_refused(&reply, 422, "validation_failed", "title", "a title of 301 characters");
        assert_eq!(app.list_all("/movies", "movies").await, Vec::<Value>::new());
    }

    async fn dates_at_the_ends_of_the_years_1800_to_9999_are_accepted(app) {
        for (date, expected) in [
            (json!("1800-01-01"), "1800-01-01"),
            (json!(18000101), "1800-01-01"),
            (json!("9999-12-31"), "9999-12-31"),
            (json!(99991231), "9999-12-31"),
            (json!("2024-02-29"), "2024-02-29"),
            (json!(20000229), "2000-02-29"),
        ] {
            let reply = app.post(Caller::ExecutiveProducer, "/movies", with_field(new_movie(), "release_date", date.clone())).await;
            assert_eq!(reply.status, 200, "{date}: {}", reply.body);
            assert_eq!(reply.body["movie"]["release_date"], json!(expected), "{date}");
            let id = reply.body["created"].as_i64().unwrap();
            assert_eq!(app.movie(id).await["release_date"], json!(expected), "{date} read back");
        }
    }

    async fn every_bad_new_movie_is_refused_with_422_naming_the_field_and_nothing_is_created(app) {
        let existing = app.create_movie("Ran", "1985-06-01").await;
        let before = app.list_all("/movies", "movies").await;
        for (case, body, field) in bad_new_movies() {
            let case = format!("POST /movies with {case}: {body}");
            let reply = app.post(Caller::ExecutiveProducer, "/movies", body).await;
            assert_refused(&reply, 422, "validation_failed", field, &case);
            assert_eq!(app.list_all("/movies", "movies").await, before, "{case}: the list changed");
        }
        assert_eq!(app.movie(existing).await["title"], json!("Ran"));
    }

    async fn every_bad_patch_is_refused_with_422_naming_the_field_and_the_movie_is_unchanged(app) {
        let id = app.create_movie("Heat", "1995-12-15").await;
        let before = app.movie_and_etag(id).await;
        for (case, body, field) in bad_movie_patches() {
            let case = format!("PATCH /movies/{id} with {case}: {body}");
            let reply = app.patch(Caller::ExecutiveProducer, &format!("/movies/{id}"), body).await;
            assert_refused(&reply, 422, "validation_failed", field, &case);
            assert_eq!(app.movie_and_etag(id).await, before, "{case}: the movie or its ETag changed");
        }
    }

    async fn an_empty_patch_is_refused_with_422_and_the_movie_is_unchanged(app) {
        let id = app.create_movie("Heat", "1995-12-15").await;
        let before = app.movie_and_etag(id).await;
        let reply = app.patch(Caller::ExecutiveProducer, &format!("/movies/{id}"), json!({})).await;
        assert_refused(&reply, 422, "validation_failed", "", "PATCH with {}");
        assert_eq!(app.movie_and_etag(id).await, before);
    }

    async fn a_body_that_is_not_an_object_is_refused_with_422_and_changes_nothing(app) {
        let id = app.create_movie("Heat", "1995-12-15").await;
        let before = app.everything().await;
        for body in [json!([new_movie()]), json!([]), json!("Heat"), json!(1995), json!(null)] {
            let reply = app.post(Caller::ExecutiveProducer, "/movies", body.clone()).await;
            assert_refused(&reply, 422, "validation_failed", "", &format!("POST /movies with {body}"));
            let reply = app.patch(Caller::ExecutiveProducer, &format!("/movies/{id}"), body.clone()).await;
            assert_refused(&reply, 422, "validation_failed", "", &format!("PATCH /movies/{id} with {body}"));
        }
        assert_eq!(app.everything().await, before);
    }

    async fn an_id_that_is_not_a_positive_integer_is_400_and_changes_nothing(app) {
        app.create_movie("Heat", "1995-12-15").await;
        let before = app.everything().await;
        for raw in ["abc", "99999999999999999999", "9223372036854775808", "0", "-1", "1.5", "heat"] {
            for method in [Method::GET, Method::PATCH, Method::DELETE] {
                let path = format!("/movies/{raw}");
                let case = format!("{method} {path}");
                let reply = app
                    .call(Caller::ExecutiveProducer, method, &path)
                    .json(&json!({"title": "Ran"}))
                    .send()
                    .await;
                assert_refused(&reply, 400, "bad_request", "id", &case);
            }
        }
        assert_eq!(app.everything().await, before);
    }

    async fn a_missing_movie_is_404_to_read_patch_and_delete(app) {
        let id = app.create_movie("Heat", "1995-12-15").await;
        let before = app.everything().await;
        for missing in [id + 1, 987_654_321, i64::MAX] {
            let path = format!("/movies/{missing}");
            let reply = app.get(Caller::CastingAssistant, &path).await;
            assert_refused(&reply, 404, "not_found", "", &format!("GET {path}"));
            let reply = app.patch(Caller::CastingDirector, &path, json!({"title": "Ran"})).await;
            assert_refused(&reply, 404, "not_found", "", &format!("PATCH {path}"));
            let reply = app.delete(Caller::ExecutiveProducer, &path).await;
            assert_refused(&reply, 404, "not_found", "", &format!("DELETE {path}"));
        }
        assert_eq!(app.everything().await, before, "a write to a missing movie changed something");
    }
}
