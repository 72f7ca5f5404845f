//! Importing actors from a spreadsheet: `POST /actors` with a CSV file, and
//! `movie-manager import actors FILE.csv`. Every row or none; the export's own columns; files as
//! spreadsheet programs write them.

use reqwest::Method;
use serde_json::{Value, json};

use crate::csv::csv;
use crate::helpers::cli::run_cli;
use crate::helpers::temp_dir::TempDir;
use crate::helpers::{Caller, Reply, TestApp, backend_tests};

/// Names and genders that a round trip must keep byte for byte: several scripts, quotes, commas,
/// cells a spreadsheet would run, and cells that begin with the `'` that defuses them.
const AWKWARD: [(&str, i64, &str); 10] = [
    ("Zoë Saldaña", 46, "female"),
    ("李小龙", 32, "male"),
    ("Арнольд Шварценеггер", 77, "male"),
    ("عمر الشريف", 83, "male"),
    ("Smith, \"Jane\"", 30, "female"),
    ("=HYPERLINK(\"http://x\")", 20, "-"),
    ("'Tis Himself", 40, "+male"),
    ("''Double", 41, "@home"),
    ("@mention", 42, "non-binary"),
    ("-30-", 43, "\u{202E}reversed"),
];

/// Profiles that a round trip must keep too: tags that look like formulas or hold quotes and
/// commas, an agent, notes over several lines.
fn awkward_profile(index: usize) -> Value {
    match index % 3 {
        0 => json!({
            "skills": ["=SUM(A1)", "Stage \"combat\", armed", "'quoted"],
            "languages": ["Русский", "中文"],
            "notes": "Line one,\r\nline \"two\"\n=not a formula\n\ttabbed",
            "agent": {"agency": "@Agency, \"Best\"", "name": null, "email": "a@b.example", "phone": "+1 555 0100"},
        }),
        1 => {
            json!({"playing_age_min": 18, "playing_age_max": 25, "height_cm": 181, "unions": ["SAG-AFTRA"]})
        }
        _ => json!({}),
    }
}

/// The actors as an executive producer lists them, without what the server assigns, in name
/// order.
async fn actors_as_entered(app: &TestApp) -> Vec<Value> {
    let mut actors: Vec<Value> = app
        .list_all("/actors?sort=name", "actors")
        .await
        .into_iter()
        .map(|mut actor| {
            let fields = actor.as_object_mut().unwrap();
            for assigned in ["id", "created_at", "updated_at", "movies"] {
                fields.remove(assigned);
            }
            actor
        })
        .collect();
    actors.sort_by_key(|actor| actor.to_string());
    actors
}

/// `POST /actors` with `body` as `content_type`, by `caller`.
async fn import(
    app: &TestApp,
    caller: Caller,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> Reply {
    app.call(caller, Method::POST, "/actors")
        .body(content_type, body)
        .send()
        .await
}

/// Checks an import refused with 422, naming `row` and `field` among its errors, with nothing
/// created.
async fn assert_refused_rows(app: &TestApp, file: &str, row: u64, field: Option<&str>) {
    let before = app.everything().await;
    let reply = import(app, Caller::CastingDirector, "text/csv", file.to_owned()).await;
    reply.assert_error(422, "validation_failed");
    let errors = reply.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("errors: {}", reply.body));
    assert!(
        errors
            .iter()
            .any(|error| error["row"] == json!(row) && error["field"] == json!(field)),
        "row {row}, {field:?} among {errors:?} for {file:?}"
    );
    assert!(
        errors
            .iter()
            .all(|error| error["message"].as_str().is_some_and(|m| !m.is_empty()))
    );
    assert_eq!(
        app.everything().await,
        before,
        "nothing was created by {file:?}"
    );
}

backend_tests! {
    async fn an_export_imported_into_an_empty_catalogue_gives_the_same_actors(app) {
        for (index, (name, age, gender)) in AWKWARD.into_iter().enumerate() {
            let mut actor = awkward_profile(index);
            actor["name"] = json!(name);
            actor["age"] = json!(age);
            actor["gender"] = json!(gender);
            app.post(Caller::ExecutiveProducer, "/actors", actor).await.assert_status(200);
        }
        let movie = app.create_movie("Cast, \"Quoted\"", "2001-01-01").await;
        let first = app.list_all("/actors", "actors").await[0]["id"].as_i64().unwrap();
        app.cast(movie, first, "Lead").await;
        let (status, _, file) = csv(&app, "/actors").await;
        assert_eq!(status, 200);

        let empty = app.spawn_beside_empty().await;
        let reply = import(&empty, Caller::CastingDirector, "text/csv; charset=utf-8", file).await;
        reply.assert_status(200);
        assert_eq!(reply.body["created"], json!(AWKWARD.len()));
        let entered = actors_as_entered(&app).await;
        assert!(entered.iter().any(|actor| actor["notes"].as_str().is_some_and(|notes| notes.contains('\n'))));
        assert_eq!(actors_as_entered(&empty).await, entered);
        let found = empty.list_all("/actors?skill=%3DSUM(A1)&language=%D1%80%D1%83%D1%81%D1%81%D0%BA%D0%B8%D0%B9", "actors").await;
        assert_eq!(found.len(), 4, "the imported tags are searched by");
        let imported = empty.list_all("/actors", "actors").await;
        let history = empty.get(Caller::CastingAssistant, &format!("/actors/{}/history", imported[0]["id"])).await;
        assert_eq!(history.body["history"][0]["action"], json!("create"), "each import is in the history");
    }

    async fn a_file_as_spreadsheet_programs_write_it_just_works(app) {
        let file = "\u{feff}gender,id,age,name\r\n".to_owned()
            + "female,,36,\"Lovelace, Ada\"\r\n"
            + "male,17,30,\"Grace \"\"Amazing\"\" Hopper\"\r\n"
            + "\"non-binary\",,25,'=1+1\r\n";
        let reply = import(&app, Caller::CastingDirector, "text/csv", file).await;
        reply.assert_status(200);
        assert_eq!(reply.body["created"], json!(3));
        let actors: Vec<Value> = actors_as_entered(&app)
            .await
            .iter()
            .map(|actor| json!([actor["name"], actor["age"], actor["gender"]]))
            .collect();
        assert_eq!(
            actors,
            vec![
                json!(["=1+1", 25, "non-binary"]),
                json!(["Grace \"Amazing\" Hopper", 30, "male"]),
                json!(["Lovelace, Ada", 36, "female"]),
            ]
        );
    }

    async fn a_file_with_one_broken_row_imports_nothing_and_names_each_broken_rule(app) {
        app.create_actor("Already here", 50, "female").await;
        assert_refused_rows(&app, "name,age,gender\nGood,30,female\nBad,151,male\n,20,x\n", 3, Some("age")).await;
        assert_refused_rows(&app, "name,age,gender\nGood,30,female\nBad,151,male\n,20,x\n", 4, Some("name")).await;
        assert_refused_rows(&app, "name,age,gender\nNo gender,30,\n", 2, Some("gender")).await;
        assert_refused_rows(&app, "name,age,gender\nAged,thirty,female\n", 2, Some("age")).await;
        assert_refused_rows(&app, "name,age,gender,skills\nA,30,f,Singing; singing\n", 2, Some("skills")).await;
        assert_refused_rows(&app, "name,age,gender,height_cm\nA,30,f,300\n", 2, Some("height_cm")).await;
        assert_refused_rows(&app, "name,age,gender,agent_email\nA,30,f,a@b.example\n", 2, Some("agent")).await;
        assert_refused_rows(&app, "name,age,gender,playing_age_min,playing_age_max\nA,30,f,40,30\n", 2, Some("playing_age_min")).await;
    }

    async fn a_bad_file_is_refused_whole_with_nothing_created(app) {
        app.create_actor("Already here", 50, "female").await;
        // An unknown column, a required one missing, the same one twice.
        assert_refused_rows(&app, "name,age,gender,nickname\nA,30,f\n", 1, Some("nickname")).await;
        assert_refused_rows(&app, "name,gender\nA,f\n", 1, Some("age")).await;
        assert_refused_rows(&app, "name,age,gender,age\nA,30,f,31\n", 1, Some("age")).await;
        // Ragged rows.
        assert_refused_rows(&app, "name,age,gender\nA,30,f\nB,31\n", 3, None).await;
        assert_refused_rows(&app, "name,age,gender\nA,30,f,extra\n", 2, None).await;
        // Not UTF-8.
        let before = app.everything().await;
        let latin1 = b"name,age,gender\nZo\xeb,30,f\n".to_vec();
        let reply = import(&app, Caller::CastingDirector, "text/csv", latin1).await;
        reply.assert_error(422, "validation_failed");
        assert_eq!(reply.body["errors"][0]["row"], json!(2), "{}", reply.body);
        assert_eq!(app.everything().await, before);
    }

    async fn a_file_past_10_mib_is_413_and_another_type_is_415(app) {
        let before = app.everything().await;
        let header = "name,age,gender\n";
        let row = "Somebody,30,female\n";
        let mut file = header.to_owned();
        while file.len() + row.len() <= 10 * 1024 * 1024 {
            file.push_str(row);
        }
        file.push_str(&"x".repeat(10 * 1024 * 1024 + 1 - file.len()));
        assert_eq!(file.len(), 10 * 1024 * 1024 + 1);
        let reply = import(&app, Caller::CastingDirector, "text/csv", file).await;
        reply.assert_error(413, "payload_too_large");
        for content_type in ["text/plain", "application/vnd.ms-excel", "text/tab-separated-values"] {
            let reply = import(&app, Caller::CastingDirector, content_type, "name,age,gender\nA,30,f\n").await;
            reply.assert_error(415, "unsupported_media_type");
            assert!(reply.message().contains("text/csv"), "{}", reply.message());
        }
        assert_eq!(app.everything().await, before, "nothing was created");
    }

    async fn an_import_needs_the_permission_to_add_actors(app) {
        let before = app.everything().await;
        import(&app, Caller::CastingAssistant, "text/csv", "name,age,gender\nA,30,f\n").await.assert_error(403, "forbidden");
        import(&app, Caller::Anonymous, "text/csv", "name,age,gender\nA,30,f\n").await.assert_error(401, "unauthorized");
        assert_eq!(app.everything().await, before);
    }

    async fn the_command_line_imports_a_file_in_one_transaction_and_refuses_a_broken_one_whole(app) {
        let dir = TempDir::new("import");
        let good = dir.join("actors.csv");
        let mut file = "name,age,gender\r\n".to_owned();
        for index in 0..1_234 {
            file.push_str(&format!("\"Imported, number {index}\",{},female\r\n", index % 151));
        }
        std::fs::write(&good, &file).unwrap();
        let output = run_cli(dir.path(), &["import", "actors", good.to_str().unwrap(), "--database-url", app.database_url()]).await;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains("imported 1234 actors"), "{stdout}");
        assert_eq!(app.list_all("/actors?limit=100", "actors").await.len(), 1_234);

        let before = app.everything().await;
        let broken = dir.join("broken.csv");
        std::fs::write(&broken, "name,age,gender\nFine,30,female\nOld,151,male\n").unwrap();
        let output = run_cli(dir.path(), &["import", "actors", broken.to_str().unwrap(), "--database-url", app.database_url()]).await;
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("row 3, age: must be between 0 and 150"), "{stderr}");
        assert_eq!(app.everything().await, before, "nothing was imported");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_may_take_longer_to_arrive_than_a_json_body() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let file = "name,age,gender\nSlow,30,female\nSteady,31,male\n";
    let (first, rest) = file.split_at(20);
    let mut stream = tokio::net::TcpStream::connect(app.socket_address())
        .await
        .unwrap();
    let head = format!(
        "POST /actors HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: text/csv\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{first}",
        app.socket_address(),
        app.token(Caller::CastingDirector).unwrap(),
        file.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // Past the 5 s a JSON body gets, within the 60 s an import gets.
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    stream.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""created":2"#), "{answer}");
}
