//! Performers' photos: uploads as the body or a multipart form, renditions made once and never
//! enlarged, the camera's orientation applied, no metadata served, the primary photo, the limits,
//! and the files kept in step with the rows, in a folder and in an S3-compatible bucket (a real
//! moto_server) on both databases.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, RgbImage};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::s3::S3Server;
use crate::helpers::{Backend, Caller, Reply, TestApp, backend_tests};
use movie_manager::photos::PhotoStore;

/// A photo of `width` x `height` with a gradient, as `format`.
pub fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut file = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image)
        .write_to(&mut file, format)
        .expect("the test image encodes");
    file.into_inner()
}

/// The marker a phone's GPS tags carry in these tests.
const GPS_MARK: &[u8] = b"51N HOME ADDRESS";

/// A JPEG as a phone makes it: an EXIF block that says "turn me 90 degrees clockwise" and holds
/// GPS tags, with [`GPS_MARK`] in them.
fn phone_jpeg(width: u32, height: u32) -> Vec<u8> {
    let jpeg = picture(width, height, ImageFormat::Jpeg);
    // TIFF, big-endian: IFD0 with Orientation = 6 and a pointer to a GPS IFD whose one entry,
    // GPSAreaInformation, holds the marker.
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\x00\x2a\x00\x00\x00\x08");
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x06, 0, 0]);
    let gps_ifd = 8 + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&[0x88, 0x25, 0x00, 0x04, 0, 0, 0, 1]);
    tiff.extend_from_slice(&(gps_ifd as u32).to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    let gps_data = gps_ifd + 2 + 12 + 4;
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&[0x00, 0x1c, 0x00, 0x07]);
    tiff.extend_from_slice(&(GPS_MARK.len() as u32).to_be_bytes());
    tiff.extend_from_slice(&(gps_data as u32).to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(GPS_MARK);
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend_from_slice(&tiff);
    let mut file = jpeg[..2].to_vec();
    file.extend_from_slice(&[0xFF, 0xE1]);
    file.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    file.extend_from_slice(&app1);
    file.extend_from_slice(&jpeg[2..]);
    file
}

/// A PNG whose header claims `width` x `height`, with almost nothing after it.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut file = picture(8, 8, ImageFormat::Png);
    // The IHDR chunk's width and height, then its CRC, which must match for a decoder to go on.
    file[16..20].copy_from_slice(&width.to_be_bytes());
    file[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32fast::hash(&file[12..29]);
    file[29..33].copy_from_slice(&crc.to_be_bytes());
    file
}

async fn upload(app: &TestApp, actor: i64, content_type: &str, body: Vec<u8>) -> Reply {
    app.call(
        Caller::CastingDirector,
        Method::POST,
        &format!("/actors/{actor}/photos"),
    )
    .body(content_type, body)
    .send()
    .await
}

/// A multipart form with a file field for each of `files`.
pub fn form(files: &[(&str, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = "photo-boundary-7d1f";
    let mut body = Vec::new();
    for (index, (name, file)) in files.iter().enumerate() {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"head{index}.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes());
        body.extend_from_slice(file);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn photos(app: &TestApp, actor: i64) -> Vec<Value> {
    let reply = app
        .get(Caller::CastingAssistant, &format!("/actors/{actor}/photos"))
        .await;
    reply.assert_status(200);
    reply.body["photos"].as_array().cloned().unwrap()
}

/// A file as the API serves it: status, headers and bytes.
pub async fn fetch(
    app: &TestApp,
    caller: Caller,
    url: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = app.client.get(format!("{}{url}", app.address));
    if let Some(token) = app.token(caller) {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn size_of(file: &[u8]) -> (u32, u32) {
    let image = image::load_from_memory(file).expect("a served file decodes");
    (image.width(), image.height())
}

/// Every file of the photo folder.
pub fn stored_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(app.photo_folder(), &mut found);
    found
}

backend_tests! {
    async fn an_uploaded_jpeg_is_primary_with_renditions_that_are_never_enlarged(app) {
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        let reply = upload(&app, actor, "image/jpeg", picture(800, 600, ImageFormat::Jpeg)).await;
        reply.assert_status(200);
        let photo = &reply.body["photo"];
        assert_eq!(reply.body["created"], photo["id"]);
        assert_eq!(photo["actor_id"], json!(actor));
        assert_eq!((photo["width"].clone(), photo["height"].clone()), (json!(800), json!(600)));
        assert_eq!(photo["type"], json!("image/jpeg"));
        assert_eq!(photo["primary"], json!(true));
        let expected = [("thumb", (200, 150)), ("card", (480, 360)), ("large", (800, 600)), ("original", (800, 600))];
        for (rendition, size) in expected {
            let url = photo["urls"][rendition].as_str().unwrap();
            let (status, headers, file) = fetch(&app, Caller::CastingAssistant, url).await;
            assert_eq!(status, 200, "{rendition}");
            assert_eq!(headers["content-type"], "image/jpeg");
            assert_eq!(headers["cache-control"], "private, max-age=31536000, immutable");
            assert_eq!(headers["x-content-type-options"], "nosniff");
            assert!(headers["etag"].to_str().unwrap().starts_with('"'), "a strong ETag");
            assert_eq!(size_of(&file), size, "{rendition}");
            if rendition == "original" {
                assert_eq!(photo["bytes"], json!(file.len()), "bytes is the original's size");
            }
        }
        assert_eq!(photos(&app, actor).await.len(), 1);
        let history = app.get(Caller::CastingAssistant, &format!("/actors/{actor}/history")).await;
        assert_eq!(history.body["history"][0]["action"], json!("photo"));
    }

    async fn a_phones_photo_is_turned_upright_and_served_without_its_metadata(app) {
        let actor = app.create_actor("Sam Worthington", 48, "male").await;
        let file = phone_jpeg(600, 400);
        assert!(file.windows(GPS_MARK.len()).any(|window| window == GPS_MARK));
        let reply = upload(&app, actor, "image/jpeg", file).await;
        reply.assert_status(200);
        let photo = &reply.body["photo"];
        assert_eq!((photo["width"].clone(), photo["height"].clone()), (json!(400), json!(600)), "turned upright");
        for rendition in ["thumb", "card", "large", "original"] {
            let (status, _, file) = fetch(&app, Caller::CastingAssistant, photo["urls"][rendition].as_str().unwrap()).await;
            assert_eq!(status, 200);
            let (width, height) = size_of(&file);
            assert!(height > width, "{rendition} is upright: {width}x{height}");
            for marker in [GPS_MARK, b"Exif".as_slice(), b"http://ns.adobe.com/xap".as_slice(), b"Photoshop 3.0".as_slice()] {
                assert!(!file.windows(marker.len()).any(|window| window == marker), "{rendition} carries no metadata");
            }
        }
    }

    async fn a_multipart_form_with_one_file_photo_is_taken_and_two_files_or_none_are_422(app) {
        let actor = app.create_actor("Michelle Rodriguez", 46, "female").await;
        let (content_type, body) = form(&[("photo", picture(300, 400, ImageFormat::Png))]);
        let reply = upload(&app, actor, &content_type, body).await;
        reply.assert_status(200);
        assert_eq!(reply.body["photo"]["type"], json!("image/png"));
        let files = stored_files(&app).len();

        let two = form(&[("photo", picture(30, 40, ImageFormat::Png)), ("photo", picture(30, 40, ImageFormat::Png))]);
        let none = form(&[]);
        let other_name = form(&[("picture", picture(30, 40, ImageFormat::Png))]);
        for (content_type, body) in [two, none, other_name] {
            let reply = upload(&app, actor, &content_type, body).await;
            reply.assert_error(422, "validation_failed");
            assert!(reply.message().contains("photo"), "{}", reply.message());
        }
        assert_eq!(photos(&app, actor).await.len(), 1, "nothing was recorded");
        assert_eq!(stored_files(&app).len(), files, "nothing was stored");
    }

    async fn each_bad_upload_is_refused_and_nothing_is_stored(app) {
        let actor = app.create_actor("Stephen Lang", 70, "male").await;
        let jpeg = picture(64, 64, ImageFormat::Jpeg);
        let mut too_large = picture(64, 64, ImageFormat::Jpeg);
        too_large.resize(20 * 1024 * 1024 + 1, 0);
        let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
            ("a truncated JPEG", "image/jpeg", jpeg[..jpeg.len() / 2].to_vec(), 422, "validation_failed"),
            ("a PNG that claims 60,000 x 60,000 pixels", "image/png", png_claiming(60_000, 60_000), 422, "validation_failed"),
            ("20 MiB + 1 byte", "image/jpeg", too_large, 413, "payload_too_large"),
            ("a GIF", "image/jpeg", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec(), 415, "unsupported_media_type"),
            ("an SVG", "image/jpeg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(), 415, "unsupported_media_type"),
            ("an HTML page", "image/jpeg", b"<!doctype html><html><body><script>alert(1)</script></body></html>".to_vec(), 415, "unsupported_media_type"),
            ("an empty body", "image/jpeg", Vec::new(), 422, "validation_failed"),
        ];
        for (what, content_type, body, status, code) in cases {
            let reply = upload(&app, actor, content_type, body).await;
            assert_eq!(reply.status, status, "{what}: {:?}", reply.body);
            reply.assert_error(status, code);
            assert_eq!(photos(&app, actor).await, Vec::<Value>::new(), "{what}: no row");
            assert_eq!(stored_files(&app), Vec::<std::path::PathBuf>::new(), "{what}: no file");
        }
        let reply = upload(&app, actor, "image/gif", b"GIF89a".to_vec()).await;
        assert!(reply.message().contains("JPEG, PNG or WebP"), "the 415 names the accepted types: {}", reply.message());
    }

    async fn an_html_jpeg_polyglot_is_accepted_and_served_only_as_a_jpeg_without_the_html(app) {
        let actor = app.create_actor("CCH Pounder", 74, "female").await;
        // A valid JPEG whose comment segment, right after the start, is an HTML page: a browser
        // sniffing it would run the script.
        let html = b"<html><body><script>alert(document.cookie)</script></body></html>";
        let jpeg = picture(120, 160, ImageFormat::Jpeg);
        let mut polyglot = jpeg[..2].to_vec();
        polyglot.extend_from_slice(&[0xFF, 0xFE]);
        polyglot.extend_from_slice(&((html.len() + 2) as u16).to_be_bytes());
        polyglot.extend_from_slice(html);
        polyglot.extend_from_slice(&jpeg[2..]);
        assert_eq!(size_of(&polyglot), (120, 160), "a valid JPEG");
        for sent_as in ["image/jpeg", "text/html"] {
            let reply = upload(&app, actor, sent_as, polyglot.clone()).await;
            reply.assert_status(200);
            let photo = &reply.body["photo"];
            assert_eq!(photo["type"], json!("image/jpeg"), "told by its bytes, sent as {sent_as}");
            for rendition in ["thumb", "card", "large", "original"] {
                let (status, headers, file) = fetch(&app, Caller::CastingAssistant, photo["urls"][rendition].as_str().unwrap()).await;
                assert_eq!(status, 200);
                assert_eq!(headers["content-type"], "image/jpeg");
                assert_eq!(headers["x-content-type-options"], "nosniff");
                assert!(!file.windows(7).any(|window| window.eq_ignore_ascii_case(b"<script")), "{rendition} carries no HTML");
            }
        }
    }

    async fn an_actor_has_at_most_15_photos_and_a_16th_is_409(app) {
        let actor = app.create_actor("Joel David Moore", 48, "male").await;
        let file = picture(20, 25, ImageFormat::Png);
        for _ in 0..15 {
            upload(&app, actor, "image/png", file.clone()).await.assert_status(200);
        }
        let files = stored_files(&app).len();
        let reply = upload(&app, actor, "image/png", file).await;
        reply.assert_error(409, "conflict");
        assert!(reply.message().contains("15"), "{}", reply.message());
        assert_eq!(photos(&app, actor).await.len(), 15);
        assert_eq!(stored_files(&app).len(), files, "the 16th's files were removed");
    }

    async fn make_primary_moves_the_mark_and_deleting_the_primary_promotes_the_next(app) {
        let actor = app.create_actor("CCH Pounder", 73, "female").await;
        let mut ids = Vec::new();
        for width in [100, 110, 120] {
            let reply = upload(&app, actor, "image/jpeg", picture(width, 100, ImageFormat::Jpeg)).await;
            ids.push(reply.body["created"].as_i64().unwrap());
        }
        let primary = |list: &[Value]| list.iter().filter(|photo| photo["primary"] == json!(true)).map(|photo| photo["id"].as_i64().unwrap()).collect::<Vec<_>>();
        assert_eq!(primary(&photos(&app, actor).await), vec![ids[0]]);

        let reply = app.call(Caller::CastingDirector, Method::PATCH, &format!("/actors/{actor}/photos/{}", ids[2]))
            .json(&json!({"primary": true})).send().await;
        reply.assert_status(200);
        assert_eq!(reply.body["photo"]["primary"], json!(true));
        let listed = photos(&app, actor).await;
        assert_eq!(primary(&listed), vec![ids[2]]);
        assert_eq!(listed[0]["id"], json!(ids[2]), "the primary is listed first");

        let reply = app.call(Caller::CastingDirector, Method::PATCH, &format!("/actors/{actor}/photos/{}", ids[1]))
            .json(&json!({"primary": false})).send().await;
        reply.assert_error(422, "validation_failed");
        assert_eq!(primary(&photos(&app, actor).await), vec![ids[2]]);

        let deleted = &listed[0];
        let reply = app.call(Caller::CastingDirector, Method::DELETE, &format!("/actors/{actor}/photos/{}", ids[2])).send().await;
        reply.assert_status(200);
        assert_eq!(reply.body["deleted"], json!(ids[2]));
        assert_eq!(primary(&photos(&app, actor).await), vec![ids[0]], "the oldest left is primary");
        let (status, _, _) = fetch(&app, Caller::CastingAssistant, deleted["urls"]["thumb"].as_str().unwrap()).await;
        assert_eq!(status, 404, "its files are gone");
        assert_eq!(stored_files(&app).len(), 8);

        let history = app.get(Caller::CastingAssistant, &format!("/actors/{actor}/history")).await;
        let actions: Vec<&Value> = history.body["history"].as_array().unwrap().iter().map(|entry| &entry["action"]).collect();
        assert_eq!(actions.iter().filter(|action| **action == "photo").count(), 7, "3 added, 2 made primary or not, 1 removed, 1 promoted: {actions:?}");
    }

    async fn a_photo_is_served_only_to_who_may_read_actors_and_answers_304_to_its_etag(app) {
        let actor = app.create_actor("Giovanni Ribisi", 50, "male").await;
        let reply = upload(&app, actor, "image/jpeg", picture(50, 60, ImageFormat::Jpeg)).await;
        let url = reply.body["photo"]["urls"]["thumb"].as_str().unwrap().to_owned();
        let (status, _, _) = fetch(&app, Caller::Anonymous, &url).await;
        assert_eq!(status, 401, "a photo is never public");
        let (status, headers, _) = fetch(&app, Caller::CastingAssistant, &url).await;
        assert_eq!(status, 200);
        let etag = headers["etag"].to_str().unwrap().to_owned();
        let response = app.client.get(format!("{}{url}", app.address))
            .bearer_auth(app.token(Caller::CastingAssistant).unwrap())
            .header("if-none-match", &etag)
            .send().await.unwrap();
        assert_eq!(response.status().as_u16(), 304);
        assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);
        for held in [format!("\"other\", W/{etag}"), "*".to_owned()] {
            let response = app.client.get(format!("{}{url}", app.address))
                .bearer_auth(app.token(Caller::CastingAssistant).unwrap())
                .header("if-none-match", &held)
                .send().await.unwrap();
            assert_eq!(response.status().as_u16(), 304, "{held}");
        }
        for missing in ["/photos/0123456789abcdef0123456789abcdef/thumb-0123456789abcdef0123456789abcdef.jpg", "/photos/x/..%2F..%2Fetc%2Fpasswd"] {
            let (status, _, _) = fetch(&app, Caller::CastingAssistant, missing).await;
            assert_eq!(status, 404, "{missing}");
        }
    }

    async fn the_primary_photos_urls_show_in_the_actor_its_lists_and_its_candidacies(app) {
        let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
        assert_eq!(app.actor(actor).await["photo"], Value::Null);
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let role = crate::roles::create_role(&app, movie, json!({"name": "Neytiri"})).await;
        crate::roles::add_candidates(&app, role, &[actor]).await;
        upload(&app, actor, "image/jpeg", picture(90, 120, ImageFormat::Jpeg)).await.assert_status(200);
        let second = upload(&app, actor, "image/jpeg", picture(120, 90, ImageFormat::Jpeg)).await;
        let primary = photos(&app, actor).await[0]["urls"].clone();
        assert_eq!(app.actor(actor).await["photo"], primary);
        let listed = app.get(Caller::CastingAssistant, "/actors?q=Zo").await;
        assert_eq!(listed.body["actors"][0]["photo"], primary);
        let candidates = app.get(Caller::CastingAssistant, &format!("/roles/{role}/candidates")).await;
        assert_eq!(candidates.body["candidates"][0]["actor"]["photo"], primary);

        let id = second.body["created"].as_i64().unwrap();
        app.call(Caller::CastingDirector, Method::PATCH, &format!("/actors/{actor}/photos/{id}"))
            .json(&json!({"primary": true})).send().await.assert_status(200);
        assert_eq!(app.actor(actor).await["photo"], second.body["photo"]["urls"], "the new primary shows");
    }

    async fn deleting_an_actor_removes_its_photos_files(app) {
        let actor = app.create_actor("Dileep Rao", 52, "male").await;
        let keep = app.create_actor("Laz Alonso", 52, "male").await;
        let uploaded = upload(&app, actor, "image/jpeg", picture(40, 50, ImageFormat::Jpeg)).await;
        uploaded.assert_status(200);
        let thumb = uploaded.body["photo"]["urls"]["thumb"].as_str().unwrap().to_owned();
        upload(&app, keep, "image/jpeg", picture(40, 50, ImageFormat::Jpeg)).await.assert_status(200);
        assert_eq!(stored_files(&app).len(), 8);
        assert_eq!(fetch(&app, Caller::CastingAssistant, &thumb).await.0, 200);
        app.call(Caller::ExecutiveProducer, Method::DELETE, &format!("/actors/{actor}")).send().await.assert_status(200);
        assert_eq!(stored_files(&app).len(), 4, "the deleted actor's files went with it");
        assert_eq!(fetch(&app, Caller::CastingAssistant, &thumb).await.0, 404, "and are served no more");
        assert_eq!(photos(&app, keep).await.len(), 1);
    }
}

/// An app whose photo store is a fresh bucket of the test's S3-compatible server.
async fn spawn_on_bucket(backend: Backend) -> TestApp {
    spawn_on_a_bucket(backend).await.0
}

/// An app on a fresh bucket, and the bucket's location (`s3://BUCKET/PREFIX`).
pub async fn spawn_on_a_bucket(backend: Backend) -> (TestApp, String) {
    let server = S3Server::get().await;
    let location = format!("s3://{}/headshots", server.bucket().await);
    let variables = server.env();
    let app = TestApp::spawn_with(backend, |settings| {
        settings.photos = PhotoStore::open_with(&location, &variables).expect("the bucket opens");
    })
    .await;
    (app, location)
}

/// An app whose photo store is a bucket on a server that is not there.
async fn spawn_without_store(backend: Backend) -> TestApp {
    let port = crate::helpers::oidc::free_port();
    let variables = vec![
        ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}")),
        ("AWS_ACCESS_KEY_ID", "test".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
    ];
    TestApp::spawn_with(backend, |settings| {
        settings.photos = PhotoStore::open_with("s3://gone", &variables).expect("the store opens");
    })
    .await
}

backend_tests! {
    spawn = spawn_on_bucket;

    async fn photos_live_in_an_s3_bucket_the_same_way(app) {
        let actor = app.create_actor("Wes Studi", 78, "male").await;
        let reply = upload(&app, actor, "image/webp", picture(300, 200, ImageFormat::WebP)).await;
        reply.assert_status(200);
        let photo = reply.body["photo"].clone();
        assert_eq!(photo["type"], json!("image/webp"));
        let (status, headers, file) = fetch(&app, Caller::CastingAssistant, photo["urls"]["thumb"].as_str().unwrap()).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "image/webp");
        assert_eq!(size_of(&file), (200, 133));
        let id = photo["id"].as_i64().unwrap();
        app.call(Caller::CastingDirector, Method::DELETE, &format!("/actors/{actor}/photos/{id}")).send().await.assert_status(200);
        for rendition in ["original", "thumb"] {
            let (status, _, _) = fetch(&app, Caller::CastingAssistant, photo["urls"][rendition].as_str().unwrap()).await;
            assert_eq!(status, 404, "the {rendition} left the bucket, and the server forgot the one it served");
        }
    }
}

backend_tests! {
    spawn = spawn_without_store;

    async fn an_upload_while_the_store_is_down_is_503_and_records_nothing(app) {
        let actor = app.create_actor("Matt Gerald", 56, "male").await;
        let before = app.actor(actor).await;
        let reply = upload(&app, actor, "image/jpeg", picture(40, 50, ImageFormat::Jpeg)).await;
        reply.assert_error(503, "service_unavailable");
        assert_eq!(photos(&app, actor).await, Vec::<Value>::new());
        assert_eq!(app.actor(actor).await, before, "the actor did not change");
    }
}

/// `movie-manager photos check` with `args`, on the app's database and photo folder: (exit
/// code, stdout).
async fn check(app: &TestApp, args: &[&str]) -> (i32, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_movie-manager"))
        .args(["photos", "check"])
        .args(args)
        .env("DATABASE_URL", app.database_url())
        .env("PHOTO_STORE", app.photo_folder())
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

backend_tests! {
    async fn photos_check_lists_rows_without_files_and_old_files_without_rows_and_repair_removes_those(app) {
        let actor = app.create_actor("Sigourney Weaver", 75, "female").await;
        let reply = upload(&app, actor, "image/jpeg", picture(60, 80, ImageFormat::Jpeg)).await;
        let photo = reply.body["photo"].clone();
        let (code, stdout) = check(&app, &[]).await;
        assert_eq!(code, 0, "{stdout}");
        assert!(stdout.contains("4 photo files"), "{stdout}");

        // A file a crash left behind (older than any upload in flight), and a row's file lost.
        let orphan = app.photo_folder().join("0123456789abcdef0123456789abcdef");
        std::fs::create_dir_all(&orphan).unwrap();
        let orphan_file = orphan.join("thumb-0123456789abcdef0123456789abcdef.jpg");
        std::fs::write(&orphan_file, b"left behind").unwrap();
        let touched = std::process::Command::new("touch").args(["-d", "1 hour ago"]).arg(&orphan_file).status().unwrap();
        assert!(touched.success());
        let fresh = orphan.join("card-0123456789abcdef0123456789abcdef.jpg");
        std::fs::write(&fresh, b"an upload in flight").unwrap();
        let lost = photo["urls"]["large"].as_str().unwrap().trim_start_matches("/photos/").to_owned();
        std::fs::remove_file(app.photo_folder().join(&lost)).unwrap();

        let (code, stdout) = check(&app, &[]).await;
        assert_eq!(code, 1, "{stdout}");
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines, vec![
            format!("missing file: {lost}"),
            "orphan file: 0123456789abcdef0123456789abcdef/thumb-0123456789abcdef0123456789abcdef.jpg".to_owned(),
        ], "one line each; the fresh file may be an upload's and is left alone");
        assert!(orphan_file.exists(), "check alone removes nothing");

        let (code, stdout) = check(&app, &["--repair"]).await;
        assert_eq!(code, 1, "a row without its file cannot be repaired: {stdout}");
        assert!(stdout.contains("removed orphan file: 0123456789abcdef0123456789abcdef/thumb-"), "{stdout}");
        assert!(!orphan_file.exists(), "the orphan is gone");
        assert!(fresh.exists(), "the fresh file stays");
        assert_eq!(photos(&app, actor).await.len(), 1, "rows are never touched");
    }
}
