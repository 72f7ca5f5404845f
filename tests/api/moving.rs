//! Backups, and outgrowing SQLite: `movie-manager backup PATH` copies a live SQLite database
//! and its photos, and `movie-manager copy --to URL --photos-to STORE` moves a whole catalogue,
//! history and photo files included, between the two databases and between a folder and an
//! S3-compatible bucket (a real moto_server), with ids, ETags and photo URLs kept. Both run the
//! real binary on real files, buckets and databases.

use std::path::PathBuf;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::s3::S3Server;
use crate::helpers::{Backend, Caller, TestApp};
use crate::photos::{fetch, spawn_on_a_bucket, stored_files};

/// A test app's photo store, as the binary is told of it.
enum Store {
    Folder(PathBuf),
    /// `s3://BUCKET/PREFIX` on the tests' S3 server.
    Bucket(String),
}

impl Store {
    fn location(&self) -> String {
        match self {
            Self::Folder(path) => path.display().to_string(),
            Self::Bucket(location) => location.clone(),
        }
    }

    /// The variables that reach it, their names after `prefix` (`PHOTOS_TO_` for a target).
    async fn variables(&self, prefix: &str) -> Vec<(String, String)> {
        match self {
            Self::Folder(_) => Vec::new(),
            Self::Bucket(_) => S3Server::get()
                .await
                .env()
                .into_iter()
                .map(|(name, value)| (format!("{prefix}{name}"), value))
                .collect(),
        }
    }
}

/// An app on `backend`, with its photos in a folder or in a bucket.
async fn spawn(backend: Backend, in_bucket: bool) -> (TestApp, Store) {
    if in_bucket {
        let (app, location) = spawn_on_a_bucket(backend).await;
        (app, Store::Bucket(location))
    } else {
        let app = TestApp::spawn(backend).await;
        let folder = app.photo_folder().to_owned();
        (app, Store::Folder(folder))
    }
}

/// Runs the binary on the app's database and photo store, with arguments; (success, stdout,
/// stderr).
async fn movie_manager(app: &TestApp, store: &Store, args: &[&str]) -> (bool, String, String) {
    movie_manager_on(app.database_url(), store, &[], args).await
}

/// Runs the binary on `database_url` and `store` (the `PHOTO_STORE`), with `more` variables
/// and arguments; (success, stdout, stderr).
async fn movie_manager_on(
    database_url: &str,
    store: &Store,
    more: &[(String, String)],
    args: &[&str],
) -> (bool, String, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_movie-manager"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("PHOTO_STORE", store.location())
        .envs(store.variables("").await)
        .envs(more.iter().cloned())
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
/// Fills a catalogue; (the movie, the deleted actor, the path of a presentation's link).
async fn fill(app: &TestApp) -> (i64, i64, String) {
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
    let mut roles = Vec::new();
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
        roles.push(role);
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
    // A session with a confirmed appointment, and a presentation with an answer.
    let session = app
        .post(
            Caller::CastingDirector,
            &format!("/movies/{movie}/sessions"),
            json!({"name": "Day one", "starts_at": "2027-03-28T09:00:00+01:00",
                "time_zone": "Europe/London", "slots": 4, "location": "Studio 2"}),
        )
        .await;
    session.assert_status(200);
    let session = session.body["created"].as_i64().unwrap();
    let slot = format!("/sessions/{session}/slots/1");
    app.put(
        Caller::CastingDirector,
        &slot,
        json!({"role_id": roles[0], "actor_id": actor}),
    )
    .await
    .assert_status(200);
    app.patch(
        Caller::CastingDirector,
        &slot,
        json!({"state": "confirmed"}),
    )
    .await
    .assert_status(200);
    let presentation = app
        .post(
            Caller::CastingDirector,
            &format!("/roles/{}/presentations", roles[0]),
            json!({"actor_ids": [actor], "title": "Our choice"}),
        )
        .await;
    presentation.assert_status(200);
    let url = presentation.body["presentation"]["url"].as_str().unwrap();
    let share = url[url.find("/share/").unwrap()..].to_owned();
    app.request(Method::POST, &format!("{share}/feedback"))
        .json(&json!({"actor_id": actor, "answer": "yes", "comment": "Perfect."}))
        .send()
        .await
        .assert_status(200);
    app.delete(Caller::CastingDirector, &format!("/actors/{gone}"))
        .await
        .assert_status(200);
    (movie, gone, share)
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
        let sessions = app
            .get(
                Caller::CastingAssistant,
                &format!("/movies/{}/sessions", movie["id"]),
            )
            .await;
        for session in sessions.body["sessions"].as_array().unwrap() {
            let path = format!("/sessions/{}", session["id"]);
            let reply = app.get(Caller::CastingAssistant, &path).await;
            let history = app.list_all(&format!("{path}/history"), "history").await;
            resources.push(json!([path, reply.header("etag"), reply.body, history]));
        }
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
            let presentations = app
                .get(Caller::CastingAssistant, &format!("{path}/presentations"))
                .await;
            resources.push(json!([
                path,
                reply.header("etag"),
                reply.body,
                candidates,
                history,
                presentations.body
            ]));
        }
    }
    let deleted_history = app
        .list_all(&format!("/actors/{deleted}/history"), "history")
        .await;
    json!({"resources": resources, "deleted": deleted_history})
}

/// Every photo file of the app's actors, by URL, as the API serves them.
async fn photo_files(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for actor in app.list_all("/actors", "actors").await {
        let photos = app
            .get(
                Caller::CastingAssistant,
                &format!("/actors/{}/photos", actor["id"]),
            )
            .await;
        for photo in photos.body["photos"].as_array().unwrap() {
            for url in photo["urls"].as_object().unwrap().values() {
                let url = url.as_str().unwrap();
                let (status, _, file) = fetch(app, Caller::CastingAssistant, url).await;
                assert_eq!(status, 200, "{url}");
                files.push((url.to_owned(), file));
            }
        }
    }
    assert!(!files.is_empty(), "the catalogue has photos");
    files
}

/// The copy's target and where its photos go: `--photos-to` and its `PHOTOS_TO_AWS_*`.
async fn photos_to(store: &Store) -> (String, Vec<(String, String)>) {
    (store.location(), store.variables("PHOTOS_TO_").await)
}

/// Copies from a database on `from` to one on `to`, the photos from a folder to a bucket when
/// the source is SQLite, and from a bucket to a folder when it is PostgreSQL.
async fn copies_the_whole_catalogue(from: Backend, to: Backend) {
    let source_in_bucket = from == Backend::Postgres;
    let (source, source_store) = spawn(from, source_in_bucket).await;
    let (target, target_store) = spawn(to, !source_in_bucket).await;
    let (_, deleted, share) = fill(&source).await;
    let before = snapshot(&source, deleted).await;
    let files = photo_files(&source).await;

    let (location, variables) = photos_to(&target_store).await;
    let copy = [
        "copy",
        "--to",
        target.database_url(),
        "--photos-to",
        &location,
    ];
    let (copied, stdout, stderr) =
        movie_manager_on(source.database_url(), &source_store, &variables, &copy).await;
    assert!(copied, "{stderr}");
    assert!(
        stdout.contains(
            "copied 1 actors, 1 movies, 1 castings, 2 roles, 1 candidates, 1 photos, 1 sessions, \
             1 appointments, 1 presentations"
        ),
        "{stdout}"
    );
    assert_eq!(
        snapshot(&target, deleted).await,
        before,
        "ids, ETags and history kept"
    );
    assert_eq!(
        photo_files(&target).await,
        files,
        "the same files at the same URLs"
    );

    // The presentation's link opens on the target, with its answer.
    let shared = target.request(Method::GET, &share).send().await;
    shared.assert_status(200);
    assert_eq!(
        shared.body["presentation"]["candidates"][0]["feedback"]["answer"],
        "yes"
    );

    // The profile's tags are searched by in the target too.
    let archers = target.list_all("/actors?skill=archery", "actors").await;
    assert_eq!(archers.len(), 1, "the tags are indexed in the target");

    // The target goes on assigning ids after the ones copied, never reusing the deleted one.
    let next = target.create_actor("Sigourney Weaver", 75, "female").await;
    assert!(next > deleted, "{next} comes after {deleted}");

    // A second copy finds the target in use, refuses, and changes nothing.
    let after_write = snapshot(&target, deleted).await;
    let (again, _, stderr) =
        movie_manager_on(source.database_url(), &source_store, &variables, &copy).await;
    assert!(!again, "a non-empty target is refused");
    assert!(stderr.contains("not empty"), "{stderr}");
    assert_eq!(snapshot(&target, deleted).await, after_write);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalogue_moves_from_sqlite_and_a_folder_to_postgres_and_a_bucket_with_ids_etags_history_and_photo_urls()
 {
    copies_the_whole_catalogue(Backend::Sqlite, Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalogue_moves_from_postgres_and_a_bucket_to_sqlite_and_a_folder_too() {
    copies_the_whole_catalogue(Backend::Postgres, Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_sqlite_database_is_backed_up_with_its_photos_to_files_a_server_can_open() {
    let (app, store) = spawn(Backend::Sqlite, false).await;
    let (_, deleted, _) = fill(&app).await;
    let files = photo_files(&app).await;
    let directory =
        std::env::temp_dir().join(format!("movie-manager-backup-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&directory).unwrap();
    let backup: PathBuf = directory.join("backup.db");
    let path = backup.to_str().unwrap();

    // Into the live photo folder, a backup would lose its photos with the live ones: refused.
    let live = store.location();
    let (shared, _, stderr) =
        movie_manager(&app, &store, &["backup", path, "--photos-to", &live]).await;
    assert!(
        !shared && stderr.contains("share the live folder"),
        "{stderr}"
    );
    assert!(!backup.exists(), "nothing written");

    let (done, stdout, stderr) = movie_manager(&app, &store, &["backup", path]).await;
    assert!(done, "{stderr}");
    assert!(stdout.contains("backed up"), "{stdout}");
    let beside = Store::Folder(directory.join("movie-manager-photos"));
    let Store::Folder(folder) = &beside else {
        unreachable!()
    };
    assert_eq!(
        std::fs::read_dir(folder).unwrap().count(),
        1,
        "the photos beside the backup, where a server on it looks: {stdout}"
    );
    // A server on the backup reads what the live one does, photos included.
    let (restored, restored_store) = spawn(Backend::Postgres, false).await;
    let (location, variables) = photos_to(&restored_store).await;
    let (copied, _, stderr) = movie_manager_on(
        &format!("sqlite://{path}"),
        &beside,
        &variables,
        &[
            "copy",
            "--to",
            restored.database_url(),
            "--photos-to",
            &location,
        ],
    )
    .await;
    assert!(copied, "{stderr}");
    assert_eq!(
        snapshot(&restored, deleted).await,
        snapshot(&app, deleted).await
    );
    assert_eq!(photo_files(&restored).await, files);

    let (again, _, stderr) = movie_manager(&app, &store, &["backup", path]).await;
    assert!(!again && stderr.contains("already exists"), "{stderr}");
    let _ = std::fs::remove_dir_all(&directory);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_backup_points_to_pg_dump_and_the_photo_stores_own_tools() {
    let (app, store) = spawn(Backend::Postgres, false).await;
    let (done, _, stderr) = movie_manager(&app, &store, &["backup", "unused.dump"]).await;
    assert!(!done);
    assert!(
        stderr.contains("pg_dump") && stderr.contains("photo store"),
        "{stderr}"
    );
    assert!(stored_files(&app).is_empty());
}
