//! Presentations: a role's chosen candidates shown to producers at a URL that opens without
//! signing in, as JSON and as an HTML page with plain forms; their feedback recorded on the
//! candidates and in the role's history; their photos served through the URL and only theirs;
//! revoked, forged and broken ones refused, changing nothing.

use image::ImageFormat;
use reqwest::Method;
use serde_json::{Value, json};

use crate::candidates::bulk;
use crate::helpers::json::timestamp;
use crate::helpers::{Caller, Reply, TestApp, backend_tests};
use crate::photos::picture;
use crate::roles::{create_role, put_candidate, role_history};
use crate::sessions::candidate;

/// `POST /roles/{role}/presentations` as a casting director.
pub async fn present(app: &TestApp, role: i64, body: Value) -> Reply {
    app.post(
        Caller::CastingDirector,
        &format!("/roles/{role}/presentations"),
        body,
    )
    .await
}

/// A presentation as created: its id, its URL, and the path of that URL on this server.
pub struct Shared {
    pub id: i64,
    pub url: String,
    pub path: String,
}

/// Creates a presentation of `actors` as a casting director.
pub async fn share(app: &TestApp, role: i64, actors: &[i64], title: &str) -> Shared {
    let reply = present(app, role, json!({"actor_ids": actors, "title": title})).await;
    reply.assert_status(200);
    let presentation = &reply.body["presentation"];
    let url = presentation["url"].as_str().expect("a URL").to_owned();
    Shared {
        id: presentation["id"].as_i64().expect("an id"),
        path: local(app, &url),
        url,
    }
}

/// The path of a URL of this server.
pub fn local(app: &TestApp, url: &str) -> String {
    url.strip_prefix(&app.address)
        .unwrap_or_else(|| panic!("{url} is not a URL of the server at {}", app.address))
        .to_owned()
}

/// `GET path` without a token, asking for `accept`.
async fn open(app: &TestApp, path: &str, accept: &str) -> Reply {
    app.request(Method::GET, path)
        .header("Accept", accept)
        .send()
        .await
}

/// What a browser asks for.
const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// The form a page posts, as a browser posts it: `application/x-www-form-urlencoded` fields to
/// `{path}/feedback`.
pub async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Reply {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    app.request(Method::POST, &format!("{path}/feedback"))
        .header("Accept", BROWSER_ACCEPT)
        .body("application/x-www-form-urlencoded", body)
        .send()
        .await
}

/// Feedback as JSON to `{path}/feedback`, without a token.
pub async fn post_feedback(app: &TestApp, path: &str, body: Value) -> Reply {
    app.request(Method::POST, &format!("{path}/feedback"))
        .json(&body)
        .send()
        .await
}

/// Checks the headers every answer under `/share/` carries: no referrer leaks the URL, and no
/// search engine indexes it.
#[track_caller]
fn assert_private(reply: &Reply, case: &str) {
    assert_eq!(
        reply.header("referrer-policy"),
        Some("no-referrer"),
        "{case}: Referrer-Policy"
    );
    let robots = reply.header("x-robots-tag").unwrap_or("");
    assert!(
        robots
            .split(',')
            .any(|directive| directive.trim() == "noindex"),
        "{case}: X-Robots-Tag is {robots:?}"
    );
}

/// The presentations of a role, as listed to an assistant.
async fn listed(app: &TestApp, role: i64) -> Vec<Value> {
    let reply = app
        .get(
            Caller::CastingAssistant,
            &format!("/roles/{role}/presentations"),
        )
        .await;
    reply.assert_status(200);
    reply.body["presentations"]
        .as_array()
        .expect("a list of presentations")
        .clone()
}

/// Everything a refused presentation request could have touched: the role's presentations, its
/// history, and each of `actors` as a candidate.
async fn state_of(app: &TestApp, role: i64, actors: &[i64]) -> Value {
    let mut candidates = Vec::new();
    for actor in actors {
        candidates.push(candidate(app, role, *actor).await);
    }
    json!({
        "presentations": listed(app, role).await,
        "history": role_history(app, role).await,
        "candidates": candidates,
    })
}

/// A movie's role with three candidates: two to present, `shown`, and one not, `hidden`.
struct Pitch {
    role: i64,
    shown: [i64; 2],
    hidden: i64,
}

async fn pitch(app: &TestApp) -> Pitch {
    let movie = app.create_movie("Avatar", "2009-12-18").await;
    let role = create_role(app, movie, json!({"name": "Neytiri"})).await;
    let mut ids = Vec::new();
    let people = [
        (
            "Zoë Saldaña",
            json!(20),
            json!(30),
            json!("Strong read.\nCall back."),
            1,
        ),
        (
            "Ana Lima",
            json!(null),
            json!(null),
            json!("<script>alert(1)</script>"),
            2,
        ),
        (
            "Hidden Candidate",
            json!(25),
            json!(35),
            json!("Not for the producers"),
            3,
        ),
    ];
    for (name, min, max, note, rank) in people {
        let reply = app
            .post(
                Caller::ExecutiveProducer,
                "/actors",
                json!({"name": name, "age": 30, "gender": "female",
                       "playing_age_min": min, "playing_age_max": max}),
            )
            .await;
        reply.assert_status(200);
        let actor = reply.body["created"].as_i64().unwrap();
        put_candidate(
            app,
            role,
            actor,
            Some(json!({"status": "shortlisted", "rank": rank, "note": note})),
        )
        .await
        .assert_status(200);
        ids.push(actor);
    }
    Pitch {
        role,
        shown: [ids[0], ids[1]],
        hidden: ids[2],
    }
}

/// Uploads a JPEG for `actor` as a casting director, answering the photo.
async fn upload(app: &TestApp, actor: i64, width: u32) -> Value {
    let reply = app
        .call(
            Caller::CastingDirector,
            Method::POST,
            &format!("/actors/{actor}/photos"),
        )
        .body("image/jpeg", picture(width, 300, ImageFormat::Jpeg))
        .send()
        .await;
    reply.assert_status(200);
    reply.body["photo"].clone()
}

/// A file requested without a token: (status, headers, bytes).
async fn fetch_anonymously(
    app: &TestApp,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

/// A token of the form the server makes (43 characters of base64url) that it never made.
const FORGED: &str = "q7Xk2mP9vR4tY8wZ1aB3cD5eF6gH0iJ-lN_oS2uV4xA";

backend_tests! {
    async fn a_presentation_answers_a_url_with_a_random_token_that_expires_in_the_days_asked(app) {
        let p = pitch(&app).await;
        let reply = present(&app, p.role, json!({"actor_ids": p.shown, "title": "Neytiri: our picks", "expires_in_days": 3})).await;
        reply.assert_status(200);
        let presentation = &reply.body["presentation"];
        let id = presentation["id"].as_i64().expect("an id");
        let url = presentation["url"].as_str().expect("a URL");
        let token = url
            .strip_prefix(&format!("{}/share/", app.address))
            .unwrap_or_else(|| panic!("{url} is the server's /share/ URL"));
        assert_eq!(token.len(), 43, "256 bits in base64url: {token}");
        assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{token}");
        let expires = timestamp(&presentation["expires_at"]);
        let expected = chrono::Utc::now() + chrono::Duration::days(3);
        assert!((expires - expected).num_minutes().abs() <= 5, "expires {expires}, not about {expected}");

        // The default is a week; every token is new.
        let reply = present(&app, p.role, json!({"actor_ids": [p.shown[0]]})).await;
        reply.assert_status(200);
        let second = &reply.body["presentation"];
        let expires = timestamp(&second["expires_at"]);
        let expected = chrono::Utc::now() + chrono::Duration::days(7);
        assert!((expires - expected).num_minutes().abs() <= 5, "expires {expires}, not about {expected}");
        assert_ne!(second["url"], presentation["url"]);
        let second_id = second["id"].as_i64().unwrap();

        // The role lists them, without their URLs: the server keeps no token.
        let list = listed(&app, p.role).await;
        let ids: Vec<i64> = list.iter().map(|item| item["id"].as_i64().unwrap()).collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&id) && ids.contains(&second_id), "{list:?}");
        let first = list.iter().find(|item| item["id"] == json!(id)).unwrap();
        assert_eq!(first["title"], json!("Neytiri: our picks"));
        assert_eq!(first["candidates"], json!(2), "how many it shows");
        assert_eq!(first["role_id"], json!(p.role));
        assert_eq!(first["expires_at"], presentation["expires_at"]);
        assert_eq!(first["revoked_at"], Value::Null);
        assert!(first.get("url").is_none(), "{first}");
        let listing = serde_json::to_string(&list).unwrap();
        assert!(!listing.contains(token), "the listing shows no token");
        let history = serde_json::to_string(&role_history(&app, p.role).await).unwrap();
        assert!(!history.contains(token), "the history shows no token");
    }

    async fn a_presentation_shows_only_its_candidates_as_json_without_signing_in(app) {
        let p = pitch(&app).await;
        let shared = share(&app, p.role, &p.shown, "Neytiri: our picks").await;

        let reply = open(&app, &shared.path, "application/json").await;
        reply.assert_status(200);
        assert_private(&reply, "the JSON");
        let shown = &reply.body["presentation"];
        assert_eq!(shown["title"], json!("Neytiri: our picks"));
        assert!(shown["role"].to_string().contains("Neytiri"), "the role is named: {}", shown["role"]);
        let mut candidates = shown["candidates"].as_array().cloned().expect("candidates");
        candidates.sort_by_key(|candidate| candidate["actor_id"].as_i64());
        assert_eq!(candidates, [
            json!({"actor_id": p.shown[0], "name": "Zoë Saldaña", "playing_age_min": 20, "playing_age_max": 30,
                   "photo": null, "note": "Strong read.\nCall back.", "feedback": null}),
            json!({"actor_id": p.shown[1], "name": "Ana Lima", "playing_age_min": null, "playing_age_max": null,
                   "photo": null, "note": "<script>alert(1)</script>", "feedback": null}),
        ], "exactly these fields of exactly these candidates");
        let text = reply.body.to_string();
        for hidden in ["Hidden Candidate", "Not for the producers", "shortlisted"] {
            assert!(!text.contains(hidden), "the presentation shows {hidden:?}: {text}");
        }
        // Without Accept, an API client gets JSON too.
        let plain = app.request(Method::GET, &shared.path).send().await;
        plain.assert_status(200);
        assert_eq!(plain.body, reply.body);
    }

    async fn a_presentation_is_an_html_page_with_plain_forms_for_its_candidates_only(app) {
        let p = pitch(&app).await;
        let shared = share(&app, p.role, &p.shown, "Neytiri: our picks").await;

        let reply = open(&app, &shared.path, BROWSER_ACCEPT).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_private(&reply, "the page");
        assert!(reply.header("content-type").is_some_and(|value| value.starts_with("text/html")), "{:?}", reply.header("content-type"));
        let html = reply.body.as_str().expect("an HTML page");
        for name in ["Zoë Saldaña", "Ana Lima", "Neytiri: our picks"] {
            assert!(html.contains(name), "the page shows {name}");
        }
        assert!(html.contains("Strong read."), "the page shows the note");
        for hidden in ["Hidden Candidate", "Not for the producers"] {
            assert!(!html.contains(hidden), "the page shows {hidden:?}");
        }
        assert!(!html.contains("<script>alert(1)"), "a note is escaped, never markup");
        // One plain form per candidate, posting actor_id, answer and comment to {url}/feedback.
        let action = format!("{}/feedback", shared.path);
        assert!(html.matches("<form").count() >= 2, "a form for each candidate: {html}");
        assert!(html.contains(&format!("action=\"{action}\"")) || html.contains(&format!("action=\"{}/feedback\"", shared.url)), "the forms post to {action}: {html}");
        assert!(html.to_lowercase().contains("method=\"post\""), "{html}");
        for field in ["actor_id", "answer", "comment"] {
            assert!(html.contains(&format!("name=\"{field}\"")), "the form has {field}");
        }
        for answer in ["yes", "maybe", "no"] {
            assert!(html.contains(&format!("value=\"{answer}\"")), "the form offers {answer}");
        }
        for actor in p.shown {
            assert!(html.contains(&format!("value=\"{actor}\"")), "a form for actor {actor}");
        }
        assert!(!html.contains(&format!("value=\"{}\"", p.hidden)), "no form for the hidden candidate");
    }

    async fn feedback_posted_from_the_form_is_the_candidates_feedback_and_in_the_roles_history(app) {
        let p = pitch(&app).await;
        let shared = share(&app, p.role, &p.shown, "Neytiri: our picks").await;
        let before = candidate(&app, p.role, p.shown[0]).await;

        let actor = p.shown[0].to_string();
        let reply = post_form(&app, &shared.path, &[("actor_id", &actor), ("answer", "maybe"), ("comment", "Loved the read, but too young?\nSee her again.")]).await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        let location = reply.header("location").expect("a Location");
        let page = location.split('#').next().unwrap();
        assert!(page == shared.url || page == shared.path, "back to the page: {location}");
        assert_private(&reply, "the redirect");

        let after = candidate(&app, p.role, p.shown[0]).await;
        let feedback = &after["feedback"];
        assert_eq!(feedback["answer"], json!("maybe"));
        assert_eq!(feedback["comment"], json!("Loved the read, but too young?\nSee her again."));
        assert_eq!(feedback["presentation_id"], json!(shared.id));
        let at = timestamp(&feedback["at"]);
        assert!(at <= chrono::Utc::now());
        for field in ["status", "rank", "note", "added_at"] {
            assert_eq!(after[field], before[field], "{field} is kept");
        }
        let history = role_history(&app, p.role).await;
        assert_eq!(history[0]["action"], json!("feedback"), "{:?}", history[0]);
        assert_eq!(history[0]["by"], json!({"presentation": shared.id, "name": "Neytiri: our picks"}));
        let page = open(&app, &shared.path, "application/json").await;
        let shown = page.body["presentation"]["candidates"].as_array().unwrap().iter().find(|c| c["actor_id"] == json!(p.shown[0])).cloned().unwrap();
        assert_eq!(shown["feedback"]["answer"], json!("maybe"), "the page shows the answer given");

        // As JSON, and a second answer replaces the first.
        let reply = post_feedback(&app, &shared.path, json!({"actor_id": p.shown[1], "answer": "yes"})).await;
        reply.assert_status(200);
        assert_eq!(reply.body["feedback"]["answer"], json!("yes"));
        assert_eq!(candidate(&app, p.role, p.shown[1]).await["feedback"]["answer"], json!("yes"));
        let reply = post_feedback(&app, &shared.path, json!({"actor_id": p.shown[0], "answer": "no", "comment": "c".repeat(1000)})).await;
        reply.assert_status(200);
        let replaced = candidate(&app, p.role, p.shown[0]).await;
        assert_eq!(replaced["feedback"]["answer"], json!("no"));
        assert_eq!(replaced["feedback"]["comment"], json!("c".repeat(1000)), "1,000 characters are allowed");
        let feedbacks = role_history(&app, p.role).await.iter().filter(|entry| entry["action"] == json!("feedback")).count();
        assert_eq!(feedbacks, 3);
        assert_eq!(candidate(&app, p.role, p.hidden).await["feedback"], Value::Null);
    }

    async fn bad_feedback_is_refused_and_changes_nothing(app) {
        let p = pitch(&app).await;
        let shared = share(&app, p.role, &p.shown, "Neytiri: our picks").await;
        let everyone = [p.shown[0], p.shown[1], p.hidden];
        let before = state_of(&app, p.role, &everyone).await;
        let cases = [
            (json!({"actor_id": p.shown[0], "answer": "perhaps"}), "answer"),
            (json!({"actor_id": p.shown[0], "answer": null}), "answer"),
            (json!({"actor_id": p.shown[0]}), "answer"),
            (json!({"actor_id": p.shown[0], "answer": "yes", "comment": "c".repeat(1001)}), "comment"),
            (json!({"actor_id": p.shown[0], "answer": "yes", "comment": "bell\u{7}"}), "comment"),
            (json!({"actor_id": p.hidden, "answer": "yes"}), "actor_id"),
            (json!({"actor_id": p.hidden + 1000, "answer": "yes"}), "actor_id"),
            (json!({"answer": "yes"}), "actor_id"),
            (json!({"actor_id": p.shown[0], "answer": "yes", "rank": 1}), "rank"),
        ];
        for (body, field) in &cases {
            let reply = post_feedback(&app, &shared.path, body.clone()).await;
            reply.assert_error(422, "validation_failed");
            assert!(reply.message().contains(field), "{body}: {}", reply.message());
            assert_private(&reply, "an error");
        }
        let hidden = p.hidden.to_string();
        let shown = p.shown[0].to_string();
        // From the page's form, the page again, with the reason.
        for (fields, reason) in [(vec![("actor_id", shown.as_str()), ("answer", "perhaps")], "answer"), (vec![("actor_id", hidden.as_str()), ("answer", "yes")], "actor_id")] {
            let reply = post_form(&app, &shared.path, &fields).await;
            assert_eq!(reply.status, 422, "{fields:?}: {}", reply.body);
            assert!(reply.header("content-type").is_some_and(|value| value.starts_with("text/html")), "{fields:?}");
            assert_private(&reply, "a refused form");
            let html = reply.body.as_str().expect("the page");
            assert!(html.contains("Zoë Saldaña"), "the page again");
            assert!(html.to_lowercase().contains(reason), "the page names {reason}: {html}");
        }
        assert_eq!(state_of(&app, p.role, &everyone).await, before, "nothing changed");
    }

    async fn a_presentation_of_101_candidates_or_of_someone_not_a_candidate_is_422_and_creates_nothing(app) {
        let p = pitch(&app).await;
        let rows: String = (0..101).map(|i| format!("Extra {i:03},30,female\n")).collect();
        app.call(Caller::CastingDirector, Method::POST, "/actors")
            .body("text/csv", format!("name,age,gender\n{rows}"))
            .send()
            .await
            .assert_status(200);
        let extras: Vec<i64> = app.list_all("/actors?q=Extra&limit=100", "actors").await.iter().map(|actor| actor["id"].as_i64().unwrap()).collect();
        assert_eq!(extras.len(), 101);
        bulk(&app, p.role, json!({"actor_ids": extras, "add": true})).await.assert_status(200);
        let stranger = app.create_actor("Nobody's Candidate", 30, "male").await;
        let before = state_of(&app, p.role, &[p.shown[0], p.hidden]).await;

        let with = |field: &str, value: Value| {
            let mut body = json!({"actor_ids": p.shown, "title": "Picks"});
            body[field] = value;
            body
        };
        let cases = [
            (with("actor_ids", json!(extras)), "actor_ids"),
            (with("actor_ids", json!([])), "actor_ids"),
            (with("actor_ids", json!([p.shown[0], p.shown[0]])), "actor_ids"),
            (with("actor_ids", json!([p.shown[0], stranger])), "actor_ids"),
            (with("actor_ids", json!([p.shown[0], stranger + 1000])), "actor_ids"),
            (with("actor_ids", json!("all")), "actor_ids"),
            (json!({"title": "Picks"}), "actor_ids"),
            (with("expires_in_days", json!(0)), "expires_in_days"),
            (with("expires_in_days", json!(31)), "expires_in_days"),
            (with("expires_in_days", json!(-1)), "expires_in_days"),
            (with("expires_in_days", json!(1.5)), "expires_in_days"),
            (with("title", json!("")), "title"),
            (with("title", json!("t".repeat(201))), "title"),
            (with("url", json!("https://example.com")), "url"),
        ];
        for (body, field) in &cases {
            let reply = present(&app, p.role, body.clone()).await;
            reply.assert_error(422, "validation_failed");
            assert!(reply.message().contains(field), "{field}: {}", reply.message());
            assert_eq!(state_of(&app, p.role, &[p.shown[0], p.hidden]).await, before, "{field}: nothing created");
        }
        // At the limits, it is created.
        present(&app, p.role, json!({"actor_ids": extras[..100]})).await.assert_status(200);
        for days in [1, 30] {
            let reply = present(&app, p.role, with("expires_in_days", json!(days))).await;
            reply.assert_status(200);
            let expires = timestamp(&reply.body["presentation"]["expires_at"]);
            let expected = chrono::Utc::now() + chrono::Duration::days(days);
            assert!((expires - expected).num_minutes().abs() <= 5, "{days} days: {expires}");
        }
        assert_eq!(listed(&app, p.role).await.len(), 3);
        // A role that does not exist has no presentations.
        present(&app, p.role + 1000, json!({"actor_ids": p.shown})).await.assert_error(404, "not_found");
    }

    async fn a_revoked_presentation_is_410_and_a_forged_token_is_404(app) {
        let p = pitch(&app).await;
        let shared = share(&app, p.role, &p.shown, "Neytiri: our picks").await;
        let other = share(&app, p.role, &p.shown[..1], "Second thoughts").await;
        open(&app, &shared.path, "application/json").await.assert_status(200);

        // Only those who may change the movie revoke it.
        app.delete(Caller::CastingAssistant, &format!("/presentations/{}", shared.id)).await.assert_error(403, "forbidden");
        app.delete(Caller::Anonymous, &format!("/presentations/{}", shared.id)).await.assert_error(401, "unauthorized");
        open(&app, &shared.path, "application/json").await.assert_status(200);

        let reply = app.delete(Caller::CastingDirector, &format!("/presentations/{}", shared.id)).await;
        reply.assert_status(200);
        assert_eq!(reply.body["deleted"], json!(shared.id));

        let everyone = [p.shown[0], p.shown[1], p.hidden];
        let before = state_of(&app, p.role, &everyone).await;
        for accept in ["application/json", "text/html"] {
            let reply = open(&app, &shared.path, accept).await;
            assert_eq!(reply.status, 410, "{accept}: {}", reply.body);
            assert_private(&reply, "a revoked presentation");
        }
        open(&app, &shared.path, "application/json").await.assert_error(410, "gone");
        let actor = p.shown[0].to_string();
        let reply = post_form(&app, &shared.path, &[("actor_id", &actor), ("answer", "yes")]).await;
        assert_eq!(reply.status, 410, "{}", reply.body);
        post_feedback(&app, &shared.path, json!({"actor_id": p.shown[0], "answer": "yes"})).await.assert_error(410, "gone");
        assert_eq!(state_of(&app, p.role, &everyone).await["candidates"], before["candidates"], "no feedback was recorded");
        assert_eq!(state_of(&app, p.role, &everyone).await["history"], before["history"]);
        let revoked = listed(&app, p.role).await.into_iter().find(|item| item["id"] == json!(shared.id)).unwrap();
        assert!(timestamp(&revoked["revoked_at"]) <= chrono::Utc::now(), "{revoked}");
        // The other presentation of the role still opens.
        open(&app, &other.path, "application/json").await.assert_status(200);

        // A token that never existed is 404, whatever its form.
        let token = shared.path.strip_prefix("/share/").unwrap();
        let mut altered: Vec<char> = token.chars().collect();
        altered[0] = if altered[0] == 'A' { 'B' } else { 'A' };
        let altered: String = altered.into_iter().collect();
        for forged in [FORGED, altered.as_str(), "abc", "not a token at all"] {
            let path = format!("/share/{}", forged.replace(' ', "%20"));
            let reply = open(&app, &path, "application/json").await;
            reply.assert_error(404, "not_found");
            assert_private(&reply, forged);
            post_feedback(&app, &path, json!({"actor_id": p.shown[0], "answer": "yes"})).await.assert_error(404, "not_found");
        }
        assert_eq!(state_of(&app, p.role, &everyone).await["candidates"], before["candidates"]);
        app.delete(Caller::CastingDirector, &format!("/presentations/{}", other.id + 1000)).await.assert_error(404, "not_found");
    }

    async fn a_presentation_serves_its_candidates_primary_photos_and_no_one_elses(app) {
        let p = pitch(&app).await;
        let primary = upload(&app, p.shown[0], 400).await;
        let second = upload(&app, p.shown[0], 500).await;
        assert_eq!(second["primary"], json!(false));
        let hidden = upload(&app, p.hidden, 600).await;
        let shared = share(&app, p.role, &p.shown, "Neytiri: our picks").await;

        let page = open(&app, &shared.path, "application/json").await;
        page.assert_status(200);
        let candidates = page.body["presentation"]["candidates"].as_array().cloned().unwrap();
        let photo_of = |actor: i64| candidates.iter().find(|c| c["actor_id"] == json!(actor)).unwrap()["photo"].clone();
        assert_eq!(photo_of(p.shown[1]), Value::Null, "no photo, null");
        let photo = photo_of(p.shown[0]);
        let card = primary["urls"]["card"].as_str().unwrap();
        let upload_and_file = card.strip_prefix("/photos/").expect("a photo path");
        let url = photo["card"].as_str().unwrap_or_else(|| panic!("the primary photo's card: {photo}"));
        assert_eq!(url, format!("{}/photos/{upload_and_file}", shared.path), "the card of the primary photo, through the presentation's URL");
        for rendition in ["thumb", "card", "large"] {
            let through = photo[rendition].as_str().unwrap();
            let own = primary["urls"][rendition].as_str().unwrap();
            assert_eq!(through, format!("{}{own}", shared.path), "{rendition}");
            assert_eq!(fetch_anonymously(&app, through).await.0, 200, "{rendition}");
        }
        let url = url.to_owned();

        let (status, headers, file) = fetch_anonymously(&app, &url).await;
        assert_eq!(status, 200);
        assert!(headers["content-type"].to_str().unwrap().starts_with("image/"), "{headers:?}");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert!(headers["x-robots-tag"].to_str().unwrap().contains("noindex"));
        assert!(image::load_from_memory(&file).is_ok(), "an image");
        // The photo's own URL still needs a token.
        let (status, _, _) = fetch_anonymously(&app, card).await;
        assert_eq!(status, 401);

        // Another candidate's photo, a candidate's other photo, anything else: 404.
        let not_shown = [
            hidden["urls"]["card"].as_str().unwrap(),
            hidden["urls"]["original"].as_str().unwrap(),
            second["urls"]["card"].as_str().unwrap(),
            second["urls"]["original"].as_str().unwrap(),
            "/photos/nothing/here.jpg",
        ];
        for photo in not_shown {
            let path = format!("{}{photo}", shared.path);
            let (status, headers, _) = fetch_anonymously(&app, &path).await;
            assert_eq!(status, 404, "{path}");
            assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        }
        // Nor through a token that never existed.
        let forged = format!("/share/{FORGED}/photos/{upload_and_file}");
        assert_eq!(fetch_anonymously(&app, &forged).await.0, 404);
        // Nor once revoked.
        app.delete(Caller::CastingDirector, &format!("/presentations/{}", shared.id)).await.assert_status(200);
        let (status, headers, _) = fetch_anonymously(&app, &url).await;
        assert_eq!(status, 410, "a revoked presentation's photo");
        assert_eq!(headers["referrer-policy"], "no-referrer");
    }

    async fn a_casting_assistant_lists_presentations_and_cannot_create_them(app) {
        let p = pitch(&app).await;
        let before = state_of(&app, p.role, &p.shown).await;
        let path = format!("/roles/{}/presentations", p.role);
        app.post(Caller::CastingAssistant, &path, json!({"actor_ids": p.shown})).await.assert_error(403, "forbidden");
        app.post(Caller::Anonymous, &path, json!({"actor_ids": p.shown})).await.assert_error(401, "unauthorized");
        app.get(Caller::Anonymous, &path).await.assert_error(401, "unauthorized");
        assert_eq!(state_of(&app, p.role, &p.shown).await, before, "nothing created");
        app.get(Caller::CastingAssistant, &format!("/roles/{}/presentations", p.role + 1000)).await.assert_error(404, "not_found");
    }
}
