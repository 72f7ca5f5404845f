//! The resources' rules, said once: the database's `CHECK`s agree with the limits the API
//! enforces, the OpenAPI document is the one committed (so a change to it is a visible change),
//! and the edge cases where a rule's wording or reach was decided.

use std::path::Path;

use movie_manager::model::{
    AGE_MAX, CHARACTER_MAX, GENDER_MAX, NAME_MAX, TITLE_MAX, YEAR_MAX, YEAR_MIN,
};
use serde_json::{Value, json};

use crate::helpers::temp_dir::TempDir;
use crate::helpers::{Backend, Caller, TestApp, backend_tests};

/// Runs one statement straight on the app's database; `Err` carries the database's refusal.
async fn execute(app: &TestApp, sql: &str) -> Result<(), String> {
    let url = app.database_url();
    let outcome = if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let outcome = sqlx::query(sql).execute(&pool).await.map(|_| ());
        pool.close().await;
        outcome
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let outcome = sqlx::query(sql).execute(&pool).await.map(|_| ());
        pool.close().await;
        outcome
    };
    outcome.map_err(|error| error.to_string())
}

fn actor_row(name: &str, age: i64, gender: &str) -> String {
    format!(
        "INSERT INTO actors (name, name_key, age, gender, gender_key, created_at, updated_at) \
         VALUES ('{name}', '{name}', {age}, '{gender}', '{gender}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
    )
}

fn movie_row(title: &str, date: &str) -> String {
    format!(
        "INSERT INTO movies (title, title_key, release_date, created_at, updated_at) \
         VALUES ('{title}', '{title}', '{date}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
    )
}

#[track_caller]
fn assert_refused(outcome: Result<(), String>, what: &str) {
    let error = outcome.expect_err(what);
    assert!(error.to_lowercase().contains("check"), "{what}: {error}");
}

backend_tests! {
    async fn the_databases_checks_hold_the_same_limits_as_the_api(app) {
        let longest = |max: usize| "é".repeat(max);
        execute(&app, &actor_row(&longest(NAME_MAX), 30, "f")).await.expect("the longest name");
        assert_refused(execute(&app, &actor_row(&longest(NAME_MAX + 1), 30, "f")).await, "a name too long");
        execute(&app, &actor_row("a", 30, &longest(GENDER_MAX))).await.expect("the longest gender");
        assert_refused(execute(&app, &actor_row("a", 30, &longest(GENDER_MAX + 1))).await, "a gender too long");
        execute(&app, &actor_row("a", 0, "f")).await.expect("age 0");
        execute(&app, &actor_row("a", AGE_MAX.into(), "f")).await.expect("the oldest age");
        assert_refused(execute(&app, &actor_row("a", -1, "f")).await, "a negative age");
        assert_refused(execute(&app, &actor_row("a", i64::from(AGE_MAX) + 1, "f")).await, "an age too old");
        assert_refused(execute(&app, &actor_row("", 30, "f")).await, "an empty name");

        execute(&app, &movie_row(&longest(TITLE_MAX), "2000-01-01")).await.expect("the longest title");
        assert_refused(execute(&app, &movie_row(&longest(TITLE_MAX + 1), "2000-01-01")).await, "a title too long");
        execute(&app, &movie_row("m", &format!("{YEAR_MIN}-01-01"))).await.expect("the first day");
        execute(&app, &movie_row("m", &format!("{YEAR_MAX}-12-31"))).await.expect("the last day");
        assert_refused(
            execute(&app, &movie_row("m", &format!("{}-12-31", YEAR_MIN - 1))).await,
            "a year too early",
        );

        let casting = |character: &str| {
            format!(
                "INSERT INTO castings (movie_id, actor_id, character, created_at) \
                 VALUES (1, 1, '{character}', '2026-01-01T00:00:00Z')"
            )
        };
        assert_refused(execute(&app, &casting(&longest(CHARACTER_MAX + 1))).await, "a character too long");
        execute(&app, &casting(&longest(CHARACTER_MAX))).await.expect("the longest character");
    }

    async fn an_age_written_with_a_zero_fraction_is_a_whole_number(app) {
        let reply = app
            .post(Caller::CastingDirector, "/actors", json!({"name": "Zoë", "age": 117.0, "gender": "female"}))
            .await;
        reply.assert_status(200);
        assert_eq!(reply.body["actor"]["age"], json!(117));
        let id = reply.body["created"].as_i64().unwrap();
        let patched = app.patch(Caller::CastingDirector, &format!("/actors/{id}"), json!({"age": 1e2})).await;
        patched.assert_status(200);
        assert_eq!(patched.body["actor"]["age"], json!(100));
        let before = app.actor(id).await;
        let fraction = app.patch(Caller::CastingDirector, &format!("/actors/{id}"), json!({"age": 30.5})).await;
        fraction.assert_error(422, "validation_failed");
        assert!(fraction.message().starts_with("age: "), "{}", fraction.message());
        assert_eq!(app.actor(id).await, before);
    }

    async fn an_integer_release_date_that_is_not_a_date_is_told_both_forms(app) {
        for date in [json!(1995), json!(20230229), json!("1995")] {
            let reply = app
                .post(Caller::ExecutiveProducer, "/movies", json!({"title": "Heat", "release_date": date}))
                .await;
            reply.assert_error(422, "validation_failed");
            let message = reply.message();
            assert!(message.contains("\"YYYY-MM-DD\"") && message.contains("integer YYYYMMDD"), "{date}: {message}");
        }
        assert_eq!(app.list_all("/movies", "movies").await, Vec::<Value>::new());
    }

    async fn a_range_whose_ends_cross_matches_nothing(app) {
        app.create_actor("Zoë Saldaña", 35, "female").await;
        app.create_movie("Avatar", "2009-12-18").await;
        let actors = app.get(Caller::CastingAssistant, "/actors?min_age=40&max_age=30").await;
        actors.assert_status(200);
        assert_eq!(actors.body["actors"], json!([]));
        let movies = app
            .get(Caller::CastingAssistant, "/movies?released_after=2010-01-01&released_before=2009-01-01")
            .await;
        movies.assert_status(200);
        assert_eq!(movies.body["movies"], json!([]));
    }

    async fn an_empty_cursor_asks_for_the_first_page(app) {
        for index in 0..3 {
            app.create_actor(&format!("Actor {index}"), 30, "female").await;
        }
        let first = app.get(Caller::CastingAssistant, "/actors?limit=2").await;
        let empty = app.get(Caller::CastingAssistant, "/actors?limit=2&cursor=").await;
        empty.assert_status(200);
        assert_eq!(empty.body, first.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_the_one_committed() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let document = app.get(Caller::Anonymous, "/openapi.json").await.body;
    let written = serde_json::to_string_pretty(&document).unwrap() + "\n";
    let snapshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/snapshots/openapi.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot, &written).unwrap();
    }
    let committed = std::fs::read_to_string(&snapshot).unwrap_or_default();
    assert!(
        committed == written,
        "/openapi.json differs from tests/api/snapshots/openapi.json; if the change is meant, \
         run the tests with UPDATE_SNAPSHOTS=1 and commit the file"
    );
}

#[tokio::test]
async fn a_malformed_cors_origin_stops_the_server_and_names_the_entry() {
    let dir = TempDir::new("cors");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_movie-manager"))
        .args(["serve", "--port", "0"])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("cors.db").display()),
        )
        .env("CORS_ORIGINS", "https://ok.example, app.example/path")
        .env_remove("AUTH0_DOMAIN")
        .env_remove("JWKS_URL")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success(), "the server refused to start");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("CORS_ORIGINS") && stderr.contains("\"app.example/path\""),
        "{stderr}"
    );
}
