//! Backups, and outgrowing SQLite: `movie-manager backup PATH` copies a live SQLite database,
//! and `movie-manager copy --to URL` moves a whole catalogue, history included, between the two
//! databases with ids and ETags kept. Both run the real binary on real files and databases.

use std::path::PathBuf;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Caller, TestApp};

/// Runs the binary with `DATABASE_URL` and arguments; (success, stdout, stderr).
async fn movie_manager(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_movie-manager"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A catalogue with something of everything: castings, a change, a deleted actor's history.
async fn fill(app: &TestApp) -> (i64, i64) {
    let movie = app.create_movie("Avatar", "2009-12-18").await;
    let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
    let gone = app.create_actor("Stephen Lang", 72, "male").await;
    app.cast(movie, actor, "Neytiri").await;
    app.cast(movie, gone, "Quaritch").await;
    app.patch(
        Caller::CastingDirector,
        &format!("/actors/{actor}"),
        json!({
            "age": 47,
            "playing_age_min": 30,
            "playing_age_max": 45,
            "height_cm": 163,
            "skills": ["Motion capture", "Archery"],
            "languages": ["English"],
            "unions": ["SAG-AFTRA"],
            "agent": {"agency": "WME", "name": null, "email": "agent@wme.example", "phone": null},
            "notes": "Works in motion capture.\nLeft-handed.",
        }),
    )
    .await
    .assert_status(200);
    // A breakdown: a role with a booked candidate, another with the actor deleted below.
    for (name, candidate, body) in [
        (
            "Jake Sully",
            actor,
            json!({"status": "booked", "rank": 1, "note": "Strong read."}),
        ),
        ("Grace", gone, json!({"status": "shortlisted"})),
    ] {
        let role = app
            .post(
                Caller::CastingDirector,
                &format!("/movies/{movie}/roles"),
                json!({"name": name, "positions": 2}),
            )
            .await;
        role.assert_status(200);
        let role = role.body["created"].as_i64().unwrap();
        app.put(
            Caller::CastingDirector,
            &format!("/roles/{role}/candidates/{candidate}"),
            body,
        )
        .await
        .assert_status(200);
    }
    let mut headshot = std::io::Cursor::new(Vec::new());
    image::DynamicImage::new_rgb8(30, 40)
        .write_to(&mut headshot, image::ImageFormat::Png)
        .unwrap();
    app.call(
        Caller::CastingDirector,
        Method::POST,
        &format!("/actors/{actor}/photos"),
    )
    .body("image/png", headshot.into_inner())
    .send()
    .await
    .assert_status(200);
    app.delete(Caller::CastingDirector, &format!("/actors/{gone}"))
        .await
        .assert_status(200);
    (movie, gone)
}

/// Everything a client can read of a catalogue: each actor and movie with its ETag, and every
/// history, the deleted actor's included.
async fn snapshot(app: &TestApp, deleted: i64) -> Value {
    let mut resources = Vec::new();
    for (collection, field) in [("actors", "actors"), ("movies", "movies")] {
        for item in app.list_all(&format!("/{collection}"), field).await {
            let id = item["id"].as_i64().unwrap();
            let path = format!("/{collection}/{id}");
            let reply = app.get(Caller::CastingAssistant, &path).await;
            let history = app.list_all(&format!("{path}/history"), "history").await;
            let photos = match collection {
                "actors" => {
                    app.get(Caller::CastingAssistant, &format!("{path}/photos"))
                        .await
                        .body
                }
                _ => Value::Null,
            };
            resources.push(json!([
                path,
                reply.header("etag"),
                reply.body,
                history,
                photos
            ]));
        }
    }
    for movie in app.list_all("/movies", "movies").await {
        let roles = app
            .get(
                Caller::CastingAssistant,
                &format!("/movies/{}/roles", movie["id"]),
            )
            .await;
        for role in roles.body["roles"].as_array().unwrap() {
            let path = format!("/roles/{}", role["id"]);
            let reply = app.get(Caller::CastingAssistant, &path).await;
            let candidates = app
                .list_all(&format!("{path}/candidates"), "candidates")
                .await;
            let history = app.list_all(&format!("{path}/history"), "history").await;
            resources.push(json!([
                path,
                reply.header("etag"),
                reply.body,
                candidates,
                history
            ]));
        }
    }
    let deleted_history = app
        .list_all(&format!("/actors/{deleted}/history"), "history")
        .await;
    json!({"resources": resources, "deleted": deleted_history})
}

async fn copies_the_whole_catalogue(from: Backend, to: Backend) {
    let source = TestApp::spawn(from).await;
    let target = TestApp::spawn(to).await;
    let (_, deleted) = fill(&source).await;
    let before = snapshot(&source, deleted).await;

    let (copied, stdout, stderr) = movie_manager(
        source.database_url(),
        &["copy", "--to", target.database_url()],
    )
    .await;
    assert!(copied, "{stderr}");
    assert!(
        stdout.contains("copied 1 actors, 1 movies, 1 castings, 2 roles, 1 candidates, 1 photos"),
        "{stdout}"
    );
    assert_eq!(
        snapshot(&target, deleted).await,
        before,
        "ids, ETags and history kept"
    );

    // The profile's tags are searched by in the target too.
    let archers = target.list_all("/actors?skill=archery", "actors").await;
    assert_eq!(archers.len(), 1, "the tags are indexed in the target");

    // The target goes on assigning ids after the ones copied, never reusing the deleted one.
    let next = target.create_actor("Sigourney Weaver", 75, "female").await;
    assert!(next > deleted, "{next} comes after {deleted}");

    // A second copy finds the target in use, refuses, and changes nothing.
    let after_write = snapshot(&target, deleted).await;
    let (again, _, stderr) = movie_manager(
        source.database_url(),
        &["copy", "--to", target.database_url()],
    )
    .await;
    assert!(!again, "a non-empty target is refused");
    assert!(stderr.contains("not empty"), "{stderr}");
    assert_eq!(snapshot(&target, deleted).await, after_write);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalogue_moves_from_sqlite_to_postgres_with_ids_etags_and_history() {
    copies_the_whole_catalogue(Backend::Sqlite, Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalogue_moves_from_postgres_to_sqlite_too() {
    copies_the_whole_catalogue(Backend::Postgres, Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_sqlite_database_is_backed_up_to_a_file_a_server_can_open() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, deleted) = fill(&app).await;
    let directory =
        std::env::temp_dir().join(format!("movie-manager-backup-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&directory).unwrap();
    let backup: PathBuf = directory.join("backup.db");
    let path = backup.to_str().unwrap();

    let (done, stdout, stderr) = movie_manager(app.database_url(), &["backup", path]).await;
    assert!(done, "{stderr}");
    assert!(stdout.contains("backed up"), "{stdout}");
    // A server on the backup reads what the live one does.
    let restored = TestApp::spawn(Backend::Postgres).await;
    let (copied, _, stderr) = movie_manager(
        &format!("sqlite://{path}"),
        &["copy", "--to", restored.database_url()],
    )
    .await;
    assert!(copied, "{stderr}");
    assert_eq!(
        snapshot(&restored, deleted).await,
        snapshot(&app, deleted).await
    );

    let (again, _, stderr) = movie_manager(app.database_url(), &["backup", path]).await;
    assert!(!again && stderr.contains("already exists"), "{stderr}");
    let _ = std::fs::remove_dir_all(&directory);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_backup_points_to_pg_dump() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let (done, _, stderr) = movie_manager(app.database_url(), &["backup", "unused.dump"]).await;
    assert!(!done);
    assert!(stderr.contains("pg_dump"), "{stderr}");
}
