//! The web app's pages over HTTP, where no browser is needed: lists that page both ways with
//! their state in the URL, a refused filter shown with the form, the CSV route, the forms'
//! answers, and htmx requests that must sign in again.

use reqwest::Method;
use serde_json::json;

use crate::helpers::backend_tests;
use crate::helpers::web::{LocalApp, unescape};

/// The `href` of the link whose text is `text`, unescaped.
fn link(html: &str, text: &str) -> Option<String> {
    let pattern = regex::Regex::new(&format!(r#"<a href="([^"]*)"[^>]*>{text}</a>"#)).unwrap();
    pattern
        .captures(html)
        .map(|captures| unescape(&captures[1]))
}

/// The names of the actors a list page shows, in order.
fn names(html: &str) -> Vec<String> {
    regex::Regex::new(r#"<th scope="row"><a href="/app/actors/\d+"><bdi>([^<]*)</bdi></a>"#)
        .unwrap()
        .captures_iter(html)
        .map(|captures| unescape(&captures[1]))
        .collect()
}

/// A field a change changed: its label, from what, to what.
type FieldChange = (String, String, String);

/// The History section of a detail page: one `(action, changed fields)` per entry.
fn history(html: &str) -> Vec<(String, Vec<FieldChange>)> {
    let section = html
        .split(r#"<section id="history""#)
        .nth(1)
        .expect("a History section");
    let entry = regex::Regex::new(
        r"(?s)<li>\s*<p><strong>([^<]+)</strong> by <bdi>[^<]+</bdi>, <time[^>]*>[^<]+</time></p>(.*?)</li>",
    )
    .unwrap();
    let field = regex::Regex::new(
        r#"<tr><th scope="row">([^<]+)</th><td><bdi>([^<]*)</bdi></td><td><bdi>([^<]*)</bdi></td></tr>"#,
    )
    .unwrap();
    entry
        .captures_iter(section)
        .map(|entry| {
            let fields = field
                .captures_iter(&entry[2])
                .map(|change| {
                    (
                        unescape(&change[1]),
                        unescape(&change[2]),
                        unescape(&change[3]),
                    )
                })
                .collect();
            (entry[1].to_owned(), fields)
        })
        .collect()
}

fn change(field: &str, from: &str, to: &str) -> FieldChange {
    (field.to_owned(), from.to_owned(), to.to_owned())
}

backend_tests! {
    spawn = LocalApp::spawn;

    async fn a_detail_page_shows_who_changed_what_when_from_what_to_what(app) {
        let producer = app.api_token("executive-producer").await;
        let actor = app.api_send(&producer, Method::POST, "/actors", json!({"name": "Zoe", "age": 46, "gender": "female"})).await;
        let id = actor["created"].as_i64().unwrap();
        let movie = app.api_send(&producer, Method::POST, "/movies", json!({"title": "Avatar", "release_date": "2009-12-18"})).await;
        let movie_id = movie["created"].as_i64().unwrap();
        app.api_send(&producer, Method::PATCH, &format!("/actors/{id}"), json!({"name": "Zoë Saldaña", "age": 47})).await;
        app.api_send(&producer, Method::PUT, &format!("/movies/{movie_id}/actors/{id}"), json!({"character": "Neytiri"})).await;

        let mut visitor = app.signed_in("casting-assistant").await;
        let page = visitor.get(&format!("/app/actors/{id}")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains(r#"<h2 id="history-heading">History</h2>"#));
        assert!(page.body.contains("by <bdi>Executive Producer</bdi>"), "who made the changes");
        assert_eq!(
            history(&page.body),
            vec![
                ("Cast".to_owned(), vec![
                    change("Movie", "—", &format!("movie {movie_id}")),
                    change("Actor", "—", &format!("actor {id}")),
                    change("Character", "—", "Neytiri"),
                ]),
                ("Changed".to_owned(), vec![change("Name", "Zoe", "Zoë Saldaña"), change("Age", "46", "47")]),
                ("Created".to_owned(), vec![
                    change("Name", "—", "Zoe"),
                    change("Age", "—", "46"),
                    change("Gender", "—", "female"),
                ]),
            ]
        );
        let movie_page = visitor.get(&format!("/app/movies/{movie_id}")).await;
        assert_eq!(history(&movie_page.body)[0].0, "Cast");
    }

    async fn the_actor_form_takes_a_whole_profile_and_the_page_shows_it(app) {
        let mut visitor = app.signed_in("executive-producer").await;
        let token = visitor.csrf_token().await;
        let new_form = visitor.get("/app/actors/new").await;
        for input in ["playing_age_min", "playing_age_max", "height_cm", "skills", "languages", "unions",
            "agent_agency", "agent_name", "agent_email", "agent_phone"] {
            assert!(new_form.body.contains(&format!(r#"name="{input}""#)), "the form has {input}");
        }
        assert!(new_form.body.contains(r#"<textarea id="notes" name="notes""#), "notes take several lines");
        let profile = [
            ("_csrf", token.as_str()),
            ("name", "Adaeze Okafor"), ("age", "29"), ("gender", "female"),
            ("playing_age_min", "22"), ("playing_age_max", "32"), ("height_cm", "168"),
            ("skills", "Stage combat; Singing"), ("languages", "English;Yoruba"), ("unions", ""),
            ("agent_agency", "Talent House"), ("agent_name", ""), ("agent_email", "ada@talent.example"), ("agent_phone", ""),
            ("notes", "Trained at RADA.\r\nAvailable from May."),
        ];
        let saved = visitor.post("/app/actors", &profile).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let page = visitor.get(saved.location()).await;
        for shown in ["22 to 32", "168 cm", "<bdi>Stage combat</bdi>", "<bdi>Yoruba</bdi>", "<bdi>Talent House</bdi>",
            "mailto:ada@talent.example", "Trained at RADA.\r\nAvailable from May."] {
            assert!(page.body.contains(shown), "the page shows {shown:?}: {}", page.body);
        }
        assert!(!page.body.contains("<dt>Unions</dt>"), "an empty list is not shown");
        let id: i64 = saved.location().rsplit('/').next().unwrap().split('?').next().unwrap().parse().unwrap();
        let producer = app.api_token("executive-producer").await;
        let actor = app.api_get(&producer, &format!("/actors/{id}")).await["actor"].clone();
        assert_eq!(actor["skills"], json!(["Stage combat", "Singing"]));
        assert_eq!(actor["agent"], json!({"agency": "Talent House", "name": null, "email": "ada@talent.example", "phone": null}));

        // The edit form holds the profile; emptying an input clears its field.
        let edit = visitor.get(&format!("/app/actors/{id}/edit")).await;
        let skills = regex::Regex::new(r#"name="skills"[^>]*value="([^"]*)""#).unwrap();
        assert_eq!(skills.captures(&edit.body).map(|found| unescape(&found[1])).as_deref(), Some("Stage combat; Singing"));
        let etag = edit.input("etag").expect("the version the form edits");
        let mut changed: Vec<(&str, &str)> = profile.iter().copied().filter(|(name, _)| *name != "height_cm").collect();
        changed.push(("height_cm", ""));
        changed.push(("etag", &etag));
        let saved = visitor.post(&format!("/app/actors/{id}"), &changed).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let actor = app.api_get(&producer, &format!("/actors/{id}")).await["actor"].clone();
        assert_eq!(actor["height_cm"], serde_json::Value::Null);

        // Playing ages out of order are refused beside the form, with nothing saved.
        let crossed: Vec<(&str, &str)> = profile.iter().copied()
            .map(|(name, value)| if name == "playing_age_min" { (name, "40") } else { (name, value) })
            .collect();
        let refused = visitor.post("/app/actors", &crossed).await;
        assert_eq!(refused.status, 422);
        assert!(refused.body.contains(r#"id="playing_age_min-error""#), "{}", refused.body);

        // The list filters by profile: tags separated by semicolons must all match.
        let list = visitor.get("/app/actors?skill=singing%3B+stage+combat&playing_age=30&min_height=100").await;
        assert_eq!(names(&list.body), Vec::<String>::new(), "the height was cleared");
        let list = visitor.get("/app/actors?skill=singing%3B+stage+combat&playing_age=30").await;
        assert_eq!(names(&list.body), vec!["Adaeze Okafor".to_owned()]);
        assert!(list.body.contains(r#"value="singing; stage combat""#), "the filter is kept in its input");
        let none = visitor.get("/app/actors?skill=singing%3B+juggling").await;
        assert!(names(&none.body).is_empty());
    }

    async fn a_long_history_pages_on_to_older_changes(app) {
        let director = app.api_token("casting-director").await;
        let actor = app.api_send(&director, Method::POST, "/actors", json!({"name": "Zoë", "age": 20, "gender": "female"})).await;
        let id = actor["created"].as_i64().unwrap();
        for age in 21..=32 {
            app.api_send(&director, Method::PATCH, &format!("/actors/{id}"), json!({"age": age})).await;
        }
        let mut visitor = app.signed_in("casting-assistant").await;
        let newest = visitor.get(&format!("/app/actors/{id}")).await;
        let shown = history(&newest.body);
        assert_eq!(shown.len(), 10);
        assert_eq!(shown[0].1, vec![change("Age", "31", "32")]);
        let older = link(&newest.body, "Older changes").expect("a link to older changes");
        let rest = visitor.get(&format!("/app/actors/{id}{older}")).await;
        let shown = history(&rest.body);
        assert_eq!(shown.len(), 3);
        assert_eq!(shown[2].0, "Created");
        assert_eq!(link(&rest.body, "Older changes"), None);
    }

    async fn a_list_pages_forwards_and_back_keeping_its_filter_and_sort_in_the_url(app) {
        let director = app.api_token("casting-director").await;
        for index in 0..45 {
            let name = format!("Extra {index:02}");
            app.api_send(&director, Method::POST, "/actors", json!({"name": name, "age": 20 + index, "gender": "any"})).await;
        }
        app.api_send(&director, Method::POST, "/actors", json!({"name": "Someone Else", "age": 30, "gender": "any"})).await;
        let mut visitor = app.signed_in("casting-assistant").await;
        let first = visitor.get("/app/actors?q=extra&sort=-age").await;
        assert_eq!(first.status, 200);
        let expected: Vec<String> = (0..45).rev().map(|index| format!("Extra {index:02}")).collect();
        assert_eq!(names(&first.body), expected[..20]);
        assert_eq!(link(&first.body, "Previous"), None, "the first page has nothing before it");
        assert!(first.body.contains(r#"value="extra""#), "the search is kept in its field");

        let next = link(&first.body, "Next").expect("a Next link");
        assert!(next.starts_with("/app/actors?q=extra&sort=-age&after="), "{next}");
        let second = visitor.get(&next).await;
        assert_eq!(names(&second.body), expected[20..40]);
        let third = visitor.get(&link(&second.body, "Next").unwrap()).await;
        assert_eq!(names(&third.body), expected[40..]);
        assert_eq!(link(&third.body, "Next"), None, "the last page has nothing after it");

        let back = visitor.get(&link(&third.body, "Previous").unwrap()).await;
        assert_eq!(names(&back.body), expected[20..40]);
        let front = visitor.get(&link(&back.body, "Previous").unwrap()).await;
        assert_eq!(names(&front.body), expected[..20]);
        assert_eq!(link(&front.body, "Previous"), None, "back at the start");
        assert_eq!(link(&front.body, "Export CSV").as_deref(), Some("/app/actors.csv?q=extra&sort=-age"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_the_api_would_refuse_is_shown_beside_the_form() {
    let app = LocalApp::spawn(crate::helpers::Backend::Sqlite).await;
    let mut visitor = app.signed_in("casting-assistant").await;
    let page = visitor.get("/app/actors?min_age=abc").await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains(r#"role="alert""#), "{}", page.body);
    assert!(
        page.body
            .contains("Min_age: must be an integer from 0 to 150"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"value="abc""#),
        "what was typed is kept"
    );
    // Empty fields, as a form sends them, are no filter at all.
    let empty = visitor
        .get("/app/movies?q=&released_after=&released_before=&sort=id")
        .await;
    assert_eq!(empty.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_route_streams_the_csv_of_the_filtered_list() {
    let app = LocalApp::spawn(crate::helpers::Backend::Sqlite).await;
    let producer = app.api_token("executive-producer").await;
    for title in ["Up", "Upside Down", "Down"] {
        app.api_send(
            &producer,
            Method::POST,
            "/movies",
            json!({"title": title, "release_date": "2009-05-29"}),
        )
        .await;
    }
    let mut visitor = app.signed_in("casting-assistant").await;
    let csv = visitor.get("/app/movies.csv?q=up&sort=-title").await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        csv.header("content-disposition"),
        Some("attachment; filename=\"movies.csv\"")
    );
    let titles: Vec<&str> = csv
        .body
        .lines()
        .skip(1)
        .map(|line| line.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(titles, ["Upside Down", "Up"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_htmx_request_that_must_sign_in_again_navigates_instead_of_swapping() {
    let app = LocalApp::spawn(crate::helpers::Backend::Sqlite).await;
    let response = app
        .client
        .get(format!("{}/app/movies?q=a", app.address))
        .header("hx-request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let target = response.headers()["hx-redirect"].to_str().unwrap();
    assert!(
        target.starts_with(&format!("{}/oidc/authorize?", app.address)),
        "{target}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_form_answers_see_other_and_a_refused_one_shows_every_message() {
    let app = LocalApp::spawn(crate::helpers::Backend::Sqlite).await;
    let mut visitor = app.signed_in("executive-producer").await;
    let token = visitor.csrf_token().await;
    let refused = visitor
        .post(
            "/app/movies",
            &[
                ("_csrf", &token),
                ("title", " "),
                ("release_date", "2023-02-29"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains(r#"id="title-error""#),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains(r#"aria-describedby="release_date-error""#),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains(r#"value="2023-02-29""#),
        "what was typed is kept"
    );
    let saved = visitor
        .post(
            "/app/movies",
            &[
                ("_csrf", &token),
                ("title", "1917"),
                ("release_date", "2019-12-25"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(
        saved.location().starts_with("/app/movies/"),
        "{}",
        saved.location()
    );
    let page = visitor.get(saved.location()).await;
    assert!(
        page.body.contains("<h1><bdi>1917</bdi></h1>"),
        "a title of digits stays a title"
    );
}
