//! Photos in the web app: the actor's page uploads them (a file input, and drag-and-drop where
//! scripts run), makes one primary and deletes them; the primary photo's thumbnail shows in the
//! actor list, the search that adds candidates and the board, each `<img>` with its size, its
//! `alt` and lazy loading, fetched with the session as a bearer token would be. Over HTTP as a
//! form-sending browser would, on both databases; then in Chromium, at a desk's width and a
//! phone's.

use image::ImageFormat;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::browser::{Browser, button};
use crate::helpers::web::{LocalApp, Page, Visitor, unescape};
use crate::helpers::{Backend, backend_tests};
use crate::photos::{picture, stored_files};

/// A file as a browser sends it: its name, its declared type and its bytes.
type File<'a> = (&'a str, &'a str, Vec<u8>);

/// A multipart form as the actor page's upload form sends it: the CSRF token and, if given,
/// the file `photo` (named and typed as a browser does, whatever its bytes are).
fn upload_form(csrf: &str, photo: Option<File<'_>>) -> (String, Vec<u8>) {
    let boundary = "----page-upload-4f2a";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n")
            .into_bytes();
    if let Some((file_name, content_type, bytes)) = photo {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; \
                 filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// An actor made through the API with a producer's token, and that token.
async fn actor(app: &LocalApp, name: &str) -> (String, i64) {
    let token = app.api_token("executive-producer").await;
    let created = app
        .api_send(
            &token,
            Method::POST,
            "/actors",
            json!({"name": name, "age": 38, "gender": "female",
                "playing_age_min": 30, "playing_age_max": 40}),
        )
        .await;
    (token, created["created"].as_i64().expect("an id"))
}

async fn photos(app: &LocalApp, token: &str, actor: i64) -> Vec<Value> {
    app.api_get(token, &format!("/actors/{actor}/photos")).await["photos"]
        .as_array()
        .expect("photos")
        .clone()
}

/// Uploads `file` from the actor's page, as its form does.
async fn upload(visitor: &mut Visitor, actor: i64, file: Vec<u8>) -> Page {
    let csrf = visitor.csrf_token().await;
    let (content_type, body) = upload_form(&csrf, Some(("headshot.jpg", "image/jpeg", file)));
    visitor
        .post_multipart(&format!("/app/actors/{actor}/photos"), &content_type, body)
        .await
}

/// Every `<img ...>` tag of a page.
fn images(html: &str) -> Vec<String> {
    regex::Regex::new(r"<img [^>]*>")
        .expect("a pattern")
        .find_iter(html)
        .map(|found| found.as_str().to_owned())
        .collect()
}

/// The value of `attribute` in the tag `tag`.
fn attribute(tag: &str, attribute: &str) -> Option<String> {
    let pattern = format!(r#"\s{attribute}="([^"]*)""#);
    regex::Regex::new(&pattern)
        .expect("a pattern")
        .captures(tag)
        .map(|captures| unescape(&captures[1]))
}

/// The thumbnail of `name` on a page: it has its size, its text and loads lazily.
fn thumbnail_of(page: &Page, name: &str) -> String {
    let alt = format!("Photo of {name}");
    let tag = images(&page.body)
        .into_iter()
        .find(|tag| attribute(tag, "alt").as_deref() == Some(alt.as_str()))
        .unwrap_or_else(|| panic!("no thumbnail of {name} in {}", page.body));
    assert_eq!(attribute(&tag, "loading").as_deref(), Some("lazy"), "{tag}");
    for size in ["width", "height"] {
        let value = attribute(&tag, size).unwrap_or_default();
        assert!(value.parse::<u32>().is_ok_and(|pixels| pixels > 0), "{tag}");
    }
    tag
}

backend_tests! {
    spawn = LocalApp::spawn;

    async fn a_photo_uploaded_from_the_actors_page_shows_in_the_lists_and_on_the_board(app) {
        let (token, actor) = actor(&app, "Viola Davis").await;
        let mut director = app.signed_in("casting-director").await;
        let page = director.get(&format!("/app/actors/{actor}")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("No photos yet."), "{}", page.body);
        assert!(page.body.contains(r#"<input type="file" id="photo" name="photo" accept="image/jpeg,image/png,image/webp""#), "{}", page.body);
        assert!(page.body.contains(r#"enctype="multipart/form-data""#));

        let sent = upload(&mut director, actor, picture(800, 1000, ImageFormat::Jpeg)).await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        assert_eq!(sent.location(), format!("/app/actors/{actor}?done=photo-added#photos"));
        let stored = photos(&app, &token, actor).await;
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0]["primary"], json!(true));

        let page = director.get(sent.location()).await;
        assert!(page.body.contains("The photo was added."), "{}", page.body);
        let card = images(&page.body)
            .into_iter()
            .find(|tag| tag.contains("Primary photo of Viola Davis"))
            .expect("the primary photo at the top of the page");
        assert_eq!(attribute(&card, "src").as_deref(), stored[0]["urls"]["card"].as_str());
        assert_eq!((attribute(&card, "width").as_deref(), attribute(&card, "height").as_deref()), (Some("480"), Some("600")));
        assert!(page.body.contains(r#"<p class="muted">Primary</p>"#), "{}", page.body);

        let list = director.get("/app/actors").await;
        let thumb = thumbnail_of(&list, "Viola Davis");
        let src = attribute(&thumb, "src").unwrap();
        assert_eq!(Some(src.as_str()), stored[0]["urls"]["thumb"].as_str());
        assert_eq!((attribute(&thumb, "width").as_deref(), attribute(&thumb, "height").as_deref()), (Some("200"), Some("250")));

        // The page's <img> reaches the file with the session, as a bearer token would.
        let (status, headers, file) = director.get_file(&src).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "image/jpeg");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["cache-control"], "private, max-age=31536000, immutable");
        let image = image::load_from_memory(&file).expect("a thumbnail");
        assert_eq!((image.width(), image.height()), (200, 250));
        let (status, _, _) = app.visitor().get_file(&src).await;
        assert_eq!(status, 401, "without a session or a token, no photo");

        let movie = app
            .api_send(&token, Method::POST, "/movies", json!({"title": "Fences", "release_date": "2016-12-16"}))
            .await["created"]
            .as_i64()
            .unwrap();
        let role = app
            .api_send(&token, Method::POST, &format!("/movies/{movie}/roles"), json!({"name": "Rose"}))
            .await["created"]
            .as_i64()
            .unwrap();
        let search = director.get(&format!("/app/roles/{role}/add?q=Viola")).await;
        assert_eq!(search.status, 200);
        thumbnail_of(&search, "Viola Davis");
        app.api_send(&token, Method::PUT, &format!("/roles/{role}/candidates/{actor}"), json!({"status": "submitted"}))
            .await;
        let board = director.get(&format!("/app/roles/{role}")).await;
        thumbnail_of(&board, "Viola Davis");
    }

    async fn make_primary_and_delete_from_the_page_change_the_photos_and_their_files(app) {
        let (token, actor) = actor(&app, "Angela Bassett").await;
        let mut director = app.signed_in("casting-director").await;
        for width in [600, 700] {
            let sent = upload(&mut director, actor, picture(width, 800, ImageFormat::Png)).await;
            assert_eq!(sent.status, 303, "{}", sent.body);
        }
        let stored = photos(&app, &token, actor).await;
        let (first, second) = (stored[0]["id"].as_i64().unwrap(), stored[1]["id"].as_i64().unwrap());
        assert_eq!(stored[0]["primary"], json!(true));
        assert_eq!(stored_files(&app).len(), 8);

        let csrf = director.csrf_token().await;
        let made = director
            .post(&format!("/app/actors/{actor}/photos/{second}/primary"), &[("_csrf", &csrf)])
            .await;
        assert_eq!(made.status, 303, "{}", made.body);
        assert_eq!(made.location(), format!("/app/actors/{actor}?done=photo-primary#photos"));
        let stored = photos(&app, &token, actor).await;
        assert_eq!((stored[0]["id"].as_i64(), stored[0]["primary"].clone()), (Some(second), json!(true)));
        let page = director.get(made.location()).await;
        assert!(page.body.contains("The primary photo was changed."));

        let deleted = director
            .post(&format!("/app/actors/{actor}/photos/{second}/delete"), &[("_csrf", &csrf)])
            .await;
        assert_eq!(deleted.status, 303, "{}", deleted.body);
        let stored = photos(&app, &token, actor).await;
        assert_eq!(stored.len(), 1);
        assert_eq!((stored[0]["id"].as_i64(), stored[0]["primary"].clone()), (Some(first), json!(true)), "the other is promoted");
        assert_eq!(stored_files(&app).len(), 4, "the deleted photo's files are gone");

        let history = app.api_get(&token, &format!("/actors/{actor}/history")).await;
        let photo_entries = history["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|entry| entry["action"] == json!("photo"))
            .count();
        assert!(photo_entries >= 4, "added twice, made primary, deleted: {history}");
    }

    async fn a_refused_upload_shows_why_on_the_page_and_stores_nothing(app) {
        let (token, actor) = actor(&app, "Lupita Nyong'o").await;
        let mut director = app.signed_in("casting-director").await;
        let csrf = director.csrf_token().await;
        let path = format!("/app/actors/{actor}/photos");
        let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec();
        let html = b"<!doctype html><script>alert(1)</script>".to_vec();
        let refused: [(Option<File>, u16, &str); 4] = [
            (Some(("a.gif", "image/gif", gif)), 415, "A photo must be JPEG, PNG or WebP"),
            (Some(("a.jpg", "image/jpeg", html)), 415, "A photo must be JPEG, PNG or WebP"),
            (Some(("cut.jpg", "image/jpeg", picture(400, 400, ImageFormat::Jpeg)[..600].to_vec())), 422, "The image cannot be read"),
            (None, 422, "Photo: the form holds no file"),
        ];
        for (photo, status, message) in refused {
            let (content_type, body) = upload_form(&csrf, photo);
            let page = director.post_multipart(&path, &content_type, body).await;
            assert_eq!(page.status, status, "{}", page.body);
            assert!(unescape(&page.body).contains(message), "{message}: {}", page.body);
            assert!(page.body.contains(r#"role="alert""#), "the reason is announced");
            assert!(unescape(&page.body).contains("<h1><bdi>Lupita Nyong'o</bdi></h1>"), "the actor's page again");
        }

        // Without the session's CSRF token, and for someone who may not edit actors: refused.
        let (content_type, body) = upload_form("forged", Some(("a.jpg", "image/jpeg", picture(50, 50, ImageFormat::Jpeg))));
        let page = director.post_multipart(&path, &content_type, body).await;
        assert_eq!(page.status, 403, "{}", page.body);
        let mut assistant = app.signed_in("casting-assistant").await;
        let csrf = assistant.csrf_token().await;
        let (content_type, body) = upload_form(&csrf, Some(("a.jpg", "image/jpeg", picture(50, 50, ImageFormat::Jpeg))));
        let page = assistant.post_multipart(&path, &content_type, body).await;
        assert_eq!(page.status, 403, "{}", page.body);
        let shown = assistant.get(&format!("/app/actors/{actor}")).await;
        assert!(!shown.body.contains("Add a photo"), "no upload form for an assistant");

        assert!(photos(&app, &token, actor).await.is_empty(), "no row");
        assert!(stored_files(&app).is_empty(), "no file");
    }
}

/// Starts a browser signed in as a casting director, at the actor's page.
async fn director_at(app: &LocalApp, actor: i64) -> Browser {
    let browser = Browser::start().await;
    browser
        .sign_in_locally(
            &format!("{}/app/actors/{actor}", app.address),
            "Casting Director",
        )
        .await;
    browser.wait_for_heading("Meryl Streep").await;
    browser
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_director_uploads_with_the_file_input_and_by_dropping_an_image() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let (token, actor) = actor(&app, "Meryl Streep").await;
    let folder = crate::helpers::temp_dir::TempDir::new("upload");
    let file = folder.path().join("headshot.jpg");
    std::fs::write(&file, picture(900, 1200, ImageFormat::Jpeg)).unwrap();
    let browser = director_at(&app, actor).await;

    browser
        .find("//input[@type='file' and @name='photo']")
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("a file chosen");
    browser.click(&button("Upload")).await;
    browser.wait_for_text("The photo was added.").await;
    let loaded = "const image = document.querySelector(\"img[alt='Primary photo of Meryl Streep']\"); \
                  return image !== null && image.complete && image.naturalWidth;";
    assert_eq!(
        browser.run(loaded).await,
        json!(450),
        "the card, fetched with the session"
    );

    // A drop: the image goes into the form's input and the form is sent.
    let drop = r##"
        const bytes = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], "dropped.png", {type: "image/png"}));
        const section = document.querySelector("#photos");
        section.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        section.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        return true;"##;
    use base64::Engine;
    let png = base64::engine::general_purpose::STANDARD.encode(picture(300, 300, ImageFormat::Png));
    browser
        .client
        .execute(drop, vec![json!(png)])
        .await
        .expect("the drop runs");
    browser.find("//img[@alt='Photo 2 of Meryl Streep']").await;
    let stored = photos(&app, &token, actor).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(
        (stored[1]["type"].clone(), stored[1]["width"].clone()),
        (json!("image/png"), json!(300))
    );

    browser
        .click("//button[@aria-label='Make photo 2 primary']")
        .await;
    browser
        .wait_for_text("The primary photo was changed.")
        .await;
    assert_eq!(
        photos(&app, &token, actor).await[0]["type"],
        json!("image/png")
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_actor_list_and_page_with_photos_fit_a_phones_width() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let (token, actor) = actor(&app, "Meryl Streep").await;
    for size in [(1200, 800), (800, 1200), (1000, 1000)] {
        let (width, height) = size;
        let reply = app
            .client
            .post(format!("{}/actors/{actor}/photos", app.address))
            .bearer_auth(&token)
            .header("content-type", "image/jpeg")
            .body(picture(width, height, ImageFormat::Jpeg))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
    }
    let browser = Browser::start_phone().await;
    browser
        .sign_in_locally(
            &format!("{}/app/actors/{actor}", app.address),
            "Casting Director",
        )
        .await;
    for page in [
        format!("{}/app/actors/{actor}", app.address),
        format!("{}/app/actors", app.address),
    ] {
        browser.assert_fits_width(&page).await;
        assert!(
            browser
                .has("//img[@loading='lazy' and @width and @height]")
                .await,
            "{page}"
        );
    }
    browser.close().await;
}
