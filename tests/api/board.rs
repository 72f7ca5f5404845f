//! The web app's casting workflow: a movie's roles, a role's board (its candidates by status,
//! moved and graded one at a time or several at once), the search that adds candidates, and an
//! actor's "Considered for". Over HTTP as a form-sending browser would, on both databases; then
//! in Chromium: a casting director's whole round, with a keyboard shortcut, and at a phone's
//! width.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::browser::{Browser, button, link};
use crate::helpers::web::{LocalApp, Page, Visitor, unescape};
use crate::helpers::{Backend, backend_tests, once_tests};

/// What a test starts from: a movie, three actors (two who sing) and a producer's token.
pub(crate) struct Stage {
    pub(crate) token: String,
    pub(crate) movie: i64,
    pub(crate) ada: i64,
    pub(crate) grace: i64,
    pub(crate) alan: i64,
}

pub(crate) async fn create(app: &LocalApp, token: &str, path: &str, body: Value) -> i64 {
    app.api_send(token, Method::POST, path, body).await["created"]
        .as_i64()
        .expect("an id")
}

pub(crate) async fn stage(app: &LocalApp) -> Stage {
    let token = app.api_token("executive-producer").await;
    let movie = create(
        app,
        &token,
        "/movies",
        json!({"title": "The Engine", "release_date": "1843-10-10"}),
    )
    .await;
    let actor = |name: &str, age: i64, skills: Value| {
        json!({"name": name, "age": age, "gender": "female", "skills": skills,
            "playing_age_min": age - 5, "playing_age_max": age + 5})
    };
    let ada = create(
        app,
        &token,
        "/actors",
        actor("Ada Lovelace", 36, json!(["Singing"])),
    )
    .await;
    let grace = create(
        app,
        &token,
        "/actors",
        actor("Grace Hopper", 45, json!(["Singing", "Fencing"])),
    )
    .await;
    let alan = create(
        app,
        &token,
        "/actors",
        actor("Alan Turing", 41, json!(["Running"])),
    )
    .await;
    Stage {
        token,
        movie,
        ada,
        grace,
        alan,
    }
}

/// A role of the stage's movie, through the API, with `candidates` added as `status`.
pub(crate) async fn add_role(
    app: &LocalApp,
    stage: &Stage,
    body: Value,
    candidates: &[i64],
    status: &str,
) -> i64 {
    let id = create(
        app,
        &stage.token,
        &format!("/movies/{}/roles", stage.movie),
        body,
    )
    .await;
    if !candidates.is_empty() {
        app.api_send(
            &stage.token,
            Method::POST,
            &format!("/roles/{id}/candidates/bulk"),
            json!({"actor_ids": candidates, "add": true, "status": status}),
        )
        .await;
    }
    id
}

pub(crate) async fn candidate(app: &LocalApp, stage: &Stage, role: i64, actor: i64) -> Value {
    app.api_get(&stage.token, &format!("/roles/{role}/candidates/{actor}"))
        .await["candidate"]
        .clone()
}

async fn counts(app: &LocalApp, stage: &Stage, role: i64) -> Value {
    app.api_get(&stage.token, &format!("/roles/{role}")).await["role"]["candidates"].clone()
}

/// The version a candidate's row carries in its forms.
fn etag_of(page: &Page, actor: i64) -> String {
    let pattern = regex::Regex::new(&format!(
        r#"candidates/{actor}" data-shortcut-field="status"[^>]*>\s*<input type="hidden" name="_csrf" value="[^"]*">\s*<input type="hidden" name="back" value="[^"]*">\s*<input type="hidden" name="etag" value="(\d+)">"#
    ))
    .unwrap();
    pattern
        .captures(&page.body)
        .map(|captures| captures[1].to_owned())
        .unwrap_or_else(|| panic!("a row of actor {actor}: {}", page.body))
}

/// The names of the candidates a board lists, in order.
fn listed(html: &str) -> Vec<String> {
    regex::Regex::new(r#"<th scope="row"><a href="/app/actors/\d+"><bdi>([^<]*)</bdi></a></th>"#)
        .unwrap()
        .captures_iter(html)
        .map(|captures| unescape(&captures[1]))
        .collect()
}

/// The page's text with tags taken out and spaces squeezed, as a person reads it.
pub(crate) fn text(html: &str) -> String {
    let tags = regex::Regex::new(r"<[^>]*>").unwrap();
    let spaces = regex::Regex::new(r"\s+").unwrap();
    unescape(&spaces.replace_all(&tags.replace_all(html, " "), " "))
}

pub(crate) async fn director(app: &LocalApp) -> (Visitor, String) {
    let mut visitor = app.signed_in("casting-director").await;
    let csrf = visitor.csrf_token().await;
    (visitor, csrf)
}

backend_tests! {
    spawn = LocalApp::spawn;

    async fn a_director_creates_a_role_from_the_movie_page_and_a_taken_name_is_explained(app) {
        let stage = stage(&app).await;
        let (mut visitor, csrf) = director(&app).await;
        let movie_page = visitor.get(&format!("/app/movies/{}", stage.movie)).await;
        assert!(movie_page.body.contains("No roles yet."));
        let new = format!("/app/movies/{}/roles/new", stage.movie);
        assert!(movie_page.body.contains(&format!(r#"href="{new}">New role</a>"#)));
        let form = visitor.get(&new).await;
        assert_eq!(form.status, 200);
        for input in ["name", "description", "gender", "age_min", "age_max", "positions"] {
            assert!(form.body.contains(&format!(r#"name="{input}""#)), "the form has {input}");
        }

        let action = format!("/app/movies/{}/roles", stage.movie);
        let invalid = visitor.post(&action, &[("_csrf", &csrf), ("name", " "), ("age_min", "40"), ("age_max", "30")]).await;
        assert_eq!(invalid.status, 422, "{}", invalid.body);
        assert!(invalid.body.contains(r#"id="name-error""#), "the message beside the name");

        let created = visitor.post(&action, &[("_csrf", &csrf), ("name", "The Countess"), ("positions", "2"), ("age_min", "30"), ("age_max", "40")]).await;
        assert_eq!(created.status, 303, "{}", created.body);
        let board = created.location().to_owned();
        assert!(board.starts_with("/app/roles/") && board.ends_with("?done=created"), "{board}");
        let board_page = visitor.get(&board).await;
        assert_eq!(board_page.status, 200);
        assert!(board_page.body.contains("<h1><bdi>The Countess</bdi></h1>"));
        assert!(board_page.body.contains("The role was added."));
        assert!(text(&board_page.body).contains("Booked 0 of 2"), "{}", text(&board_page.body));

        let movie_page = visitor.get(&format!("/app/movies/{}", stage.movie)).await;
        let role_id = board.trim_start_matches("/app/roles/").split('?').next().unwrap();
        assert!(movie_page.body.contains(&format!(r#"<a href="/app/roles/{role_id}"><bdi>The Countess</bdi></a>"#)));

        let taken = visitor.post(&action, &[("_csrf", &csrf), ("name", "the countess"), ("description", "Typed with care")]).await;
        assert_eq!(taken.status, 409, "{}", taken.body);
        let said = text(&taken.body);
        assert!(said.contains("Not saved: the movie already has a role named"), "{said}");
        assert!(said.contains("Choose another name."), "{said}");
        assert!(taken.body.contains(r#"value="the countess""#), "what was typed is kept");
        assert!(taken.body.contains("Typed with care"), "what was typed is kept");
    }

    async fn the_board_lists_its_candidates_with_a_count_for_each_status(app) {
        let stage = stage(&app).await;
        let role = add_role(&app, &stage, json!({"name": "Lead"}), &[stage.ada, stage.grace], "shortlisted").await;
        app.api_send(&stage.token, Method::PUT, &format!("/roles/{role}/candidates/{}", stage.alan), json!({})).await;
        let (mut visitor, _) = director(&app).await;
        let board = visitor.get(&format!("/app/roles/{role}")).await;
        assert_eq!(board.status, 200);
        let said = text(&board.body);
        for tab in ["All (3)", "Submitted (1)", "Shortlisted (2)", "Booked (0)", "Passed (0)"] {
            assert!(said.contains(tab), "{tab} in {said}");
        }
        assert_eq!(listed(&board.body), ["Ada Lovelace", "Grace Hopper", "Alan Turing"]);
        assert!(said.contains("Keyboard shortcuts"));
        let shortlisted = visitor.get(&format!("/app/roles/{role}?status=shortlisted")).await;
        assert_eq!(listed(&shortlisted.body), ["Ada Lovelace", "Grace Hopper"]);
        assert!(shortlisted.body.contains(r#"aria-current="page">Shortlisted (2)</a>"#));
        let by_name = visitor.get(&format!("/app/roles/{role}?sort=name")).await;
        assert_eq!(listed(&by_name.body), ["Ada Lovelace", "Alan Turing", "Grace Hopper"]);
        let refused = visitor.get(&format!("/app/roles/{role}?status=famous")).await;
        assert_eq!(refused.status, 400, "a status the API refuses is explained with the board");
        assert!(refused.body.contains("Status"), "{}", refused.body);

        let mut assistant = app.signed_in("casting-assistant").await;
        let seen = assistant.get(&format!("/app/roles/{role}")).await;
        assert_eq!(seen.status, 200);
        assert_eq!(listed(&seen.body).len(), 3);
        for control in [">Move</button>", ">Grade</button>", "Add candidates", "Edit role", "Keyboard shortcuts", "type=\"checkbox\""] {
            assert!(!seen.body.contains(control), "an assistant sees no {control}");
        }
    }

    async fn one_candidate_is_moved_and_graded_from_the_board_and_a_stale_form_is_explained(app) {
        let stage = stage(&app).await;
        let role = add_role(&app, &stage, json!({"name": "Lead"}), &[stage.ada, stage.grace], "submitted").await;
        let (mut visitor, csrf) = director(&app).await;
        let board = visitor.get(&format!("/app/roles/{role}?status=submitted")).await;
        let etag = etag_of(&board, stage.ada);
        let action = format!("/app/roles/{role}/candidates/{}", stage.ada);
        let moved = visitor.post(&action, &[("_csrf", &csrf), ("back", "status=submitted"), ("etag", &etag), ("status", "audition")]).await;
        assert_eq!(moved.status, 303, "{}", moved.body);
        assert_eq!(moved.location(), format!("/app/roles/{role}?status=submitted&done=moved#candidate-{}", stage.ada));
        assert_eq!(candidate(&app, &stage, role, stage.ada).await["status"], "audition");
        let after = visitor.get(moved.location().split('#').next().unwrap()).await;
        assert!(text(&after.body).contains("The candidate was moved."));
        assert!(text(&after.body).contains("Audition (1)"));
        assert_eq!(listed(&after.body), ["Grace Hopper"], "the tab keeps its filter");

        let board = visitor.get(&format!("/app/roles/{role}")).await;
        let etag = etag_of(&board, stage.ada);
        let graded = visitor.post(&action, &[("_csrf", &csrf), ("back", ""), ("etag", &etag), ("rank", "2")]).await;
        assert_eq!(graded.status, 303, "{}", graded.body);
        assert_eq!(candidate(&app, &stage, role, stage.ada).await["rank"], 2);

        let stale = visitor.post(&action, &[("_csrf", &csrf), ("back", ""), ("etag", &etag), ("rank", "5")]).await;
        assert_eq!(stale.status, 412, "{}", stale.body);
        let said = text(&stale.body);
        assert!(said.contains("Nothing was changed: the candidate changed since this page was opened"), "{said}");
        assert_eq!(candidate(&app, &stage, role, stage.ada).await["rank"], 2);

        let board = visitor.get(&format!("/app/roles/{role}")).await;
        let etag = etag_of(&board, stage.ada);
        let cleared = visitor.post(&action, &[("_csrf", &csrf), ("back", ""), ("etag", &etag), ("rank", "")]).await;
        assert_eq!(cleared.status, 303);
        assert_eq!(candidate(&app, &stage, role, stage.ada).await["rank"], Value::Null);

        let forged = visitor.post(&action, &[("back", ""), ("status", "passed")]).await;
        assert_eq!(forged.status, 403, "a form without the session's CSRF token");
        let mut assistant = app.signed_in("casting-assistant").await;
        let token = assistant.csrf_token().await;
        let refused = assistant.post(&action, &[("_csrf", &token), ("status", "passed")]).await;
        assert_eq!(refused.status, 403, "an assistant may not move candidates");
        assert_eq!(candidate(&app, &stage, role, stage.ada).await["status"], "audition");
    }

    async fn the_selected_candidates_are_moved_and_graded_at_once(app) {
        let stage = stage(&app).await;
        let role = add_role(&app, &stage, json!({"name": "Lead"}), &[stage.ada, stage.grace, stage.alan], "submitted").await;
        let (mut visitor, csrf) = director(&app).await;
        let action = format!("/app/roles/{role}/candidates");
        let (ada, grace) = (stage.ada.to_string(), stage.grace.to_string());
        let moved = visitor.post(&action, &[("_csrf", &csrf), ("back", ""), ("actor_id", &ada), ("actor_id", &grace),
            ("status", "callback"), ("rank", "4"), ("do", "move")]).await;
        assert_eq!(moved.status, 303, "{}", moved.body);
        assert_eq!(moved.location(), format!("/app/roles/{role}?done=moved-2"));
        let counts = counts(&app, &stage, role).await;
        assert_eq!((counts["callback"].as_i64(), counts["submitted"].as_i64()), (Some(2), Some(1)));
        assert_eq!(candidate(&app, &stage, role, stage.ada).await["rank"], Value::Null, "moving grades no one");
        let after = visitor.get(moved.location()).await;
        assert!(text(&after.body).contains("2 candidates were moved."));

        let graded = visitor.post(&action, &[("_csrf", &csrf), ("back", "sort=name"), ("actor_id", &ada), ("actor_id", &grace),
            ("status", "passed"), ("rank", "5"), ("do", "grade")]).await;
        assert_eq!(graded.status, 303, "{}", graded.body);
        assert_eq!(graded.location(), format!("/app/roles/{role}?sort=name&done=graded-2"));
        assert_eq!(candidate(&app, &stage, role, stage.grace).await["rank"], 5);
        assert_eq!(candidate(&app, &stage, role, stage.grace).await["status"], "callback");

        let nothing = visitor.post(&action, &[("_csrf", &csrf), ("back", ""), ("status", "passed"), ("do", "move")]).await;
        assert_eq!(nothing.status, 422);
        assert!(text(&nothing.body).contains("select one or more candidates first"));
    }

    async fn booking_past_the_positions_is_explained_and_the_selection_is_kept(app) {
        let stage = stage(&app).await;
        let role = add_role(&app, &stage, json!({"name": "The Countess", "positions": 1}), &[stage.ada, stage.grace], "callback").await;
        let (mut visitor, csrf) = director(&app).await;
        let action = format!("/app/roles/{role}/candidates");
        let (ada, grace) = (stage.ada.to_string(), stage.grace.to_string());
        let refused = visitor.post(&action, &[("_csrf", &csrf), ("back", "status=callback"), ("actor_id", &ada), ("actor_id", &grace),
            ("status", "booked"), ("do", "move")]).await;
        assert_eq!(refused.status, 409, "{}", refused.body);
        let said = text(&refused.body);
        assert!(said.contains("Nothing was changed:") && said.contains("past its positions"), "{said}");
        for actor in [stage.ada, stage.grace] {
            assert!(refused.body.contains(&format!(r#"value="{actor}" id="select-{actor}" checked"#)), "the selection is kept");
        }
        assert!(refused.body.contains(r#"<option value="booked" selected>Booked</option>"#), "the choice is kept");
        assert_eq!(counts(&app, &stage, role).await["booked"], 0);

        let booked = visitor.post(&action, &[("_csrf", &csrf), ("back", ""), ("actor_id", &ada), ("status", "booked"), ("do", "move")]).await;
        assert_eq!(booked.status, 303, "{}", booked.body);
        let board = visitor.get(booked.location()).await;
        let said = text(&board.body);
        assert!(said.contains("Booked: the actor is in the movie's cast as The Countess."), "{said}");
        assert!(said.contains("Booked (1)") && said.contains("Booked 1 of 1"), "{said}");
        assert!(board.body.contains(r#"<td class="status">Booked</td>"#));
        let movie = visitor.get(&format!("/app/movies/{}", stage.movie)).await;
        assert!(movie.body.contains(&format!(r#"<a href="/app/actors/{}"><bdi>Ada Lovelace</bdi></a>"#, stage.ada)), "in the cast");
        assert!(movie.body.contains(r#"value="The Countess""#), "as the role's character");
        assert!(text(&movie.body).contains("Booked (1)"), "the role's counts on the movie's page");

        let other = add_role(&app, &stage, json!({"name": "Understudy"}), &[stage.ada], "hold").await;
        let etag = etag_of(&visitor.get(&format!("/app/roles/{other}")).await, stage.ada);
        let twice = visitor.post(&format!("/app/roles/{other}/candidates/{}", stage.ada),
            &[("_csrf", &csrf), ("back", ""), ("etag", &etag), ("status", "booked")]).await;
        assert_eq!(twice.status, 409);
        assert!(text(&twice.body).contains("is already booked for the role \"The Countess\""), "{}", text(&twice.body));

        let page = visitor.get(&format!("/app/roles/{role}/delete")).await;
        let version = page.input("etag").expect("the version");
        let delete = visitor.post(&format!("/app/roles/{role}/delete"), &[("_csrf", &csrf), ("etag", &version)]).await;
        assert_eq!(delete.status, 409, "{}", delete.body);
        assert!(text(&delete.body).contains("Not deleted: the role has 1 booked"), "{}", text(&delete.body));
    }

    async fn a_director_adds_candidates_from_a_search_of_the_catalogue(app) {
        let stage = stage(&app).await;
        let role = add_role(&app, &stage, json!({"name": "Singer", "gender": "female"}), &[], "").await;
        let (mut visitor, csrf) = director(&app).await;
        let found = visitor.get(&format!("/app/roles/{role}/add?skill=singing&playing_age=40")).await;
        assert_eq!(found.status, 200, "{}", found.body);
        assert_eq!(listed(&found.body), ["Ada Lovelace", "Grace Hopper"]);
        assert!(text(&found.body).contains("The role asks for: Gender: female"));
        let back = found.input("back").expect("the search, to come back to");
        assert_eq!(back, "skill=singing&playing_age=40");

        let action = format!("/app/roles/{role}/add");
        let one = visitor.post(&action, &[("_csrf", &csrf), ("back", &back), ("actor_id", &stage.ada.to_string())]).await;
        assert_eq!(one.status, 303, "{}", one.body);
        assert_eq!(one.location(), format!("/app/roles/{role}/add?skill=singing&playing_age=40&done=added-1"));
        assert!(text(&visitor.get(one.location()).await.body).contains("Added 1 candidate to the role."));
        let both = visitor.post(&action, &[("_csrf", &csrf), ("back", &back),
            ("actor_id", &stage.ada.to_string()), ("actor_id", &stage.grace.to_string())]).await;
        assert_eq!(both.location(), format!("/app/roles/{role}/add?skill=singing&playing_age=40&done=added-1"), "Ada is one already");
        let counts = counts(&app, &stage, role).await;
        assert_eq!(counts["submitted"], 2);

        let none = visitor.post(&action, &[("_csrf", &csrf), ("back", &back)]).await;
        assert_eq!(none.status, 422);
        assert!(text(&none.body).contains("Nothing was added: select one or more actors first"));
        let gone = visitor.post(&action, &[("_csrf", &csrf), ("back", ""), ("actor_id", "999999")]).await;
        assert_eq!(gone.status, 422);
        assert!(text(&gone.body).contains("no actor has the id 999999"), "{}", text(&gone.body));
    }

    async fn an_actors_page_shows_the_roles_they_are_considered_for(app) {
        let stage = stage(&app).await;
        let lead = add_role(&app, &stage, json!({"name": "Lead"}), &[stage.ada], "shortlisted").await;
        let (mut visitor, _) = director(&app).await;
        let page = visitor.get(&format!("/app/actors/{}", stage.ada)).await;
        assert_eq!(page.status, 200);
        let section = page.body.split(r#"<section id="pipeline""#).nth(1).expect("a Considered for section");
        assert!(section.contains("Considered for"));
        assert!(section.contains(&format!(r#"<a href="/app/roles/{lead}"><bdi>Lead</bdi></a>"#)));
        assert!(section.contains(&format!(r#"<a href="/app/movies/{}"><bdi>The Engine</bdi></a>"#, stage.movie)));
        assert!(section.contains("<td>Shortlisted</td>"));
        let alan = visitor.get(&format!("/app/actors/{}", stage.alan)).await;
        assert!(alan.body.contains("Not a candidate for any role."));
    }

    async fn the_movies_message_is_at_the_top_and_in_place_casting_refreshes_every_part(app) {
        let stage = stage(&app).await;
        let (mut visitor, _) = director(&app).await;
        let page = visitor.get(&format!("/app/movies/{}?done=created", stage.movie)).await;
        let flash = page.body.find(r#"<div id="flash"><p class="notice" role="status">The movie was added.</p></div>"#).expect("the message in the flash");
        let cast = page.body.find(r#"<section id="cast""#).expect("the cast");
        assert!(flash < cast, "the message is at the top, not in the Cast section");
        assert_eq!(page.body.matches(r##"hx-select-oob="#flash,#pipeline,#history""##).count(), 1, "the cast editor refreshes the rest too");
    }
}

/// Sends the board's "Present to producers" with `actors` ticked and `fields` besides.
async fn present(
    visitor: &mut Visitor,
    csrf: &str,
    role: i64,
    actors: &[i64],
    fields: &[(&str, &str)],
) -> Page {
    let ids: Vec<String> = actors.iter().map(i64::to_string).collect();
    let mut form = vec![("_csrf", csrf), ("back", "")];
    form.extend(ids.iter().map(|id| ("actor_id", id.as_str())));
    form.extend_from_slice(fields);
    visitor
        .post(&format!("/app/roles/{role}/presentations"), &form)
        .await
}

/// The link a board shows once, just made, and its presentation's id.
fn made_link(page: &Page) -> (String, i64) {
    let url = regex::Regex::new(r#"<input type="text" id="made-link" value="([^"]*)""#)
        .unwrap()
        .captures(&page.body)
        .map(|captures| unescape(&captures[1]))
        .unwrap_or_else(|| panic!("a new link on the page: {}", page.body));
    let id = regex::Regex::new(r#"class="made notice"(?s:.*?)/presentations/(\d+)/revoke"#)
        .unwrap()
        .captures(&page.body)
        .and_then(|captures| captures[1].parse().ok())
        .expect("the new link's Revoke");
    (url, id)
}

/// The row of a board's list of links for presentation `id`, as a person reads it.
fn link_row(page: &Page, id: i64) -> String {
    let row = page
        .body
        .split(&format!(r#"<tr id="presentation-{id}">"#))
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .unwrap_or_else(|| panic!("presentation {id} listed: {}", page.body));
    row.to_owned()
}

/// The row of candidate `actor` on a board.
fn candidate_row(page: &Page, actor: i64) -> String {
    page.body
        .split(&format!(r#"<tr id="candidate-{actor}""#))
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .unwrap_or_else(|| panic!("candidate {actor} on the board: {}", page.body))
        .to_owned()
}

/// The role's presentations, as the API lists them.
async fn links(app: &LocalApp, stage: &Stage, role: i64) -> Vec<Value> {
    app.api_get(&stage.token, &format!("/roles/{role}/presentations"))
        .await["presentations"]
        .as_array()
        .expect("a list")
        .clone()
}

backend_tests! {
    spawn = LocalApp::spawn;

    async fn a_director_makes_a_link_from_the_board_that_opens_the_presentation_without_signing_in(app) {
        let stage = stage(&app).await;
        let role = add_role(&app, &stage, json!({"name": "Lead"}), &[stage.ada, stage.grace, stage.alan], "shortlisted").await;
        let (mut visitor, csrf) = director(&app).await;
        let board = visitor.get(&format!("/app/roles/{role}")).await;
        assert!(text(&board.body).contains("Present to producers…"));
        assert!(board.body.contains(&format!(r#"formaction="/app/roles/{role}/presentations""#)));
        assert!(board.body.contains(r#"name="expires_in_days" min="1" max="30" value="7""#), "a week unless changed");
        assert!(!board.body.contains(" checked>"), "nothing is ticked at first");
        assert!(text(&board.body).contains("No links yet."));

        let made = present(&mut visitor, &csrf, role, &[stage.ada, stage.grace], &[("title", "Our choices"), ("expires_in_days", "3")]).await;
        assert_eq!(made.status, 200, "{}", made.body);
        let (url, id) = made_link(&made);
        assert!(url.starts_with(&format!("{}/share/", app.address)), "{url}");
        assert!(made.body.contains(&format!(r#"id="made-link" value="{url}" dir="ltr" readonly autofocus>"#)), "the link is in a field to select");
        assert!(made.body.contains(r#"data-copy="made-link""#), "with a Copy link button");
        assert!(text(&made.body).contains("The link was made."), "{}", text(&made.body));
        let row = text(&link_row(&made, id));
        assert!(row.contains("Our choices") && row.contains(" 2 ") && row.contains("Open") && row.contains("Revoke"), "{row}");

        let listed = links(&app, &stage, role).await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["candidates"], 2);
        let expires = chrono::DateTime::parse_from_rfc3339(listed[0]["expires_at"].as_str().unwrap()).unwrap();
        let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours();
        assert!((71..=72).contains(&days), "it expires in 3 days: {days} hours");

        let mut producer = app.visitor();
        let shown = producer.get(&url).await;
        assert_eq!(shown.status, 200, "{}", shown.body);
        let said = text(&shown.body);
        assert!(said.contains("Our choices") && said.contains("Ada Lovelace") && said.contains("Grace Hopper"), "{said}");
        assert!(!said.contains("Alan Turing"), "only the chosen candidates");

        let later = visitor.get(&format!("/app/roles/{role}")).await;
        let token = url.rsplit('/').next().unwrap();
        assert!(!later.body.contains(token), "the link is shown only when it is made");
        assert!(text(&link_row(&later, id)).contains("Open"));
        let back = visitor.get(&format!("/app/roles/{role}/presentations")).await;
        assert_eq!(back.status, 303, "the address a form without scripts leaves leads back to the board");
        assert_eq!(back.location(), format!("/app/roles/{role}#presentations"));
    }

    async fn a_link_revoked_from_the_board_no_longer_opens(app) {
        let stage = stage(&app).await;
        let role = add_role(&app, &stage, json!({"name": "Lead"}), &[stage.ada, stage.grace], "shortlisted").await;
        let (mut visitor, csrf) = director(&app).await;
        let (url, id) = made_link(&present(&mut visitor, &csrf, role, &[stage.ada], &[]).await);
        let (kept_url, kept_id) = made_link(&present(&mut visitor, &csrf, role, &[stage.grace], &[]).await);

        let other = add_role(&app, &stage, json!({"name": "Understudy"}), &[stage.ada], "submitted").await;
        let elsewhere = visitor.post(&format!("/app/roles/{other}/presentations/{kept_id}/revoke"), &[("_csrf", &csrf), ("back", "")]).await;
        assert_eq!(elsewhere.status, 404, "another role's board withdraws none of this role's links");

        let revoked = visitor.post(&format!("/app/roles/{role}/presentations/{id}/revoke"), &[("_csrf", &csrf), ("back", "status=shortlisted")]).await;
        assert_eq!(revoked.status, 303, "{}", revoked.body);
        assert_eq!(revoked.location(), format!("/app/roles/{role}?status=shortlisted&done=revoked#presentations"));
        let mut producer = app.visitor();
        assert_eq!(producer.get(&url).await.status, 410, "a withdrawn link is gone");
        assert_eq!(producer.get(&kept_url).await.status, 200, "the other link still opens");

        let board = visitor.get(revoked.location().split('#').next().unwrap()).await;
        assert!(text(&board.body).contains("The link was withdrawn: it no longer opens."));
        let row = link_row(&board, id);
        assert!(text(&row).contains("Withdrawn"), "{row}");
        assert!(!row.contains("/revoke"), "a withdrawn link has no Revoke");
        assert!(link_row(&board, kept_id).contains("/revoke"));
        assert!(!links(&app, &stage, role).await.iter().find(|link| link["id"] == id).unwrap()["revoked_at"].is_null());
    }

    async fn an_assistant_cannot_make_or_revoke_a_link_from_the_board(app) {
        let stage = stage(&app).await;
        let role = add_role(&app, &stage, json!({"name": "Lead"}), &[stage.ada], "shortlisted").await;
        let made = app.api_send(&stage.token, Method::POST, &format!("/roles/{role}/presentations"), json!({"actor_ids": [stage.ada], "title": "Picks"})).await;
        let id = made["presentation"]["id"].as_i64().unwrap();
        let mut assistant = app.signed_in("casting-assistant").await;
        let csrf = assistant.csrf_token().await;
        let board = assistant.get(&format!("/app/roles/{role}")).await;
        assert_eq!(board.status, 200);
        assert!(!board.body.contains("Make a link") && !board.body.contains("/revoke"), "no controls for an assistant");
        assert!(text(&link_row(&board, id)).contains("Picks"), "an assistant sees the links made");

        let refused = present(&mut assistant, &csrf, role, &[stage.ada], &[]).await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        let revoke = assistant.post(&format!("/app/roles/{role}/presentations/{id}/revoke"), &[("_csrf", &csrf), ("back", "")]).await;
        assert_eq!(revoke.status, 403);
        let listed = links(&app, &stage, role).await;
        assert_eq!(listed.len(), 1, "nothing made");
        assert!(listed[0]["revoked_at"].is_null(), "nothing withdrawn");
    }

    async fn a_link_of_more_than_100_candidates_or_of_none_is_refused_and_nothing_is_made(app) {
        let stage = stage(&app).await;
        let mut crowd = Vec::new();
        for n in 0..101 {
            crowd.push(create(&app, &stage.token, "/actors", json!({"name": format!("Extra {n:03}"), "age": 30, "gender": "female"})).await);
        }
        let role = add_role(&app, &stage, json!({"name": "Crowd"}), &crowd[..50], "submitted").await;
        app.api_send(&stage.token, Method::POST, &format!("/roles/{role}/candidates/bulk"), json!({"actor_ids": &crowd[50..], "add": true, "status": "submitted"})).await;
        let (mut visitor, csrf) = director(&app).await;

        let too_many = present(&mut visitor, &csrf, role, &crowd, &[("title", "Everyone"), ("expires_in_days", "5")]).await;
        assert_eq!(too_many.status, 422, "{}", too_many.body);
        let said = text(&too_many.body);
        assert!(said.contains("No link was made: a link shows at most 100 candidates, and 101 are selected."), "{said}");
        assert!(too_many.body.contains(r#"id="present-title" name="title" maxlength="200" dir="auto" value="Everyone""#), "the title is kept");
        assert!(too_many.body.contains(r#"max="30" value="5""#), "the days are kept");
        let first = crowd[0];
        assert!(too_many.body.contains(&format!(r#"value="{first}" id="select-{first}" checked"#)), "the selection is kept");

        let none = present(&mut visitor, &csrf, role, &[], &[]).await;
        assert_eq!(none.status, 422);
        assert!(text(&none.body).contains("No link was made: select one or more candidates first"));
        let too_long = present(&mut visitor, &csrf, role, &[first], &[("expires_in_days", "31")]).await;
        assert_eq!(too_long.status, 422);
        assert!(text(&too_long.body).contains("expires_in_days"), "{}", text(&too_long.body));
        let stranger = present(&mut visitor, &csrf, role, &[stage.ada], &[]).await;
        assert_eq!(stranger.status, 422, "an actor who is not a candidate");
        assert!(text(&stranger.body).contains("not candidates for this role"), "{}", text(&stranger.body));
        assert!(links(&app, &stage, role).await.is_empty(), "nothing was made");
    }

    async fn each_candidates_row_shows_the_producers_latest_answer(app) {
        let stage = stage(&app).await;
        let role = add_role(&app, &stage, json!({"name": "Lead"}), &[stage.ada, stage.grace], "shortlisted").await;
        let made = app.api_send(&stage.token, Method::POST, &format!("/roles/{role}/presentations"), json!({"actor_ids": [stage.ada, stage.grace]})).await;
        let url = made["presentation"]["url"].as_str().unwrap().to_owned();
        let mut producer = app.visitor();
        let ada = stage.ada.to_string();
        let first = producer.post(&format!("{url}/feedback"), &[("actor_id", &ada), ("answer", "maybe"), ("comment", "")]).await;
        assert_eq!(first.status, 303, "{}", first.body);
        let (mut visitor, _) = director(&app).await;
        let board = visitor.get(&format!("/app/roles/{role}")).await;
        assert!(candidate_row(&board, stage.ada).contains(r#"<span class="answer answer-maybe">Maybe</span> <time"#), "an answer without a comment");

        let latest = producer.post(&format!("{url}/feedback"), &[("actor_id", &ada), ("answer", "yes"), ("comment", "A natural <Countess>")]).await;
        assert_eq!(latest.status, 303);
        let board = visitor.get(&format!("/app/roles/{role}")).await;
        let row = candidate_row(&board, stage.ada);
        assert!(row.contains(r#"<span class="answer answer-yes">Yes</span> <q dir="auto">A natural &#60;Countess&#62;</q>"#), "{row}");
        assert!(!row.contains("Maybe"), "only the latest answer");
        assert!(regex::Regex::new(r#"<time datetime="\d{4}-\d\d-\d\dT[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d UTC</time>"#).unwrap().is_match(&row), "when: {row}");
        assert!(!candidate_row(&board, stage.grace).contains(r#"class="answer"#), "no answer about Grace yet");
    }
}

once_tests! {
    spawn = LocalApp::spawn;

    async fn the_board_follows_the_roles_live_updates_in_the_view_it_shows(app) {
        let stage = stage(&app).await;
        let role = add_role(&app, &stage, json!({"name": "Lead"}), &[stage.ada], "submitted").await;
        let (mut visitor, _) = director(&app).await;
        let board = visitor.get(&format!("/app/roles/{role}?status=submitted&sort=name&done=moved")).await;
        assert_eq!(board.status, 200);
        assert!(board.body.contains(&format!(
            r##"<section id="board" data-live-events="/roles/{role}/events" data-live-refresh="/app/roles/{role}?status=submitted&#38;sort=name" data-live-also="#role-facts,#history""##
        )), "the view, without its message: {}", board.body);
        assert!(board.body.contains(r#"<p data-live-status role="status" hidden>Live updates lost. Reconnecting…</p>"#));
        assert!(board.body.contains(r#"<script src="/assets/live."#), "{}", board.body);
    }
}

/// Waits until `xpath` is in the page.
async fn wait_for(browser: &Browser, xpath: &str) {
    browser.find(xpath).await;
}

/// Presses `keys` in whatever has the focus.
async fn type_keys(browser: &Browser, keys: &str) {
    let focused = browser
        .client
        .active_element()
        .await
        .expect("a focused element");
    focused.send_keys(keys).await.expect("keys");
}

/// Waits until the element that has the focus has the id `id`.
async fn wait_for_focus(browser: &Browser, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let focused = browser
            .run("return document.activeElement && document.activeElement.id")
            .await;
        if focused == id {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the focus is on {focused}, not {id}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_casting_director_creates_a_role_adds_candidates_grades_by_key_and_books_one() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let stage = stage(&app).await;
    let browser = Browser::start().await;
    let movie_url = format!("{}/app/movies/{}", app.address, stage.movie);
    browser
        .sign_in_locally(&movie_url, "Casting Director")
        .await;

    browser.click(&link("New role")).await;
    browser.wait_for_heading("New role in The Engine").await;
    browser.fill("Name", "The Countess").await;
    browser.click(&button("Save")).await;
    browser.wait_for_heading("The Countess").await;
    browser.wait_for_text("The role was added.").await;

    browser.click(&link("Add candidates")).await;
    browser
        .wait_for_heading("Add candidates: The Countess")
        .await;
    browser.fill("Skills", "Singing").await;
    browser.click(&button("Search")).await;
    browser
        .wait_for_url(&format!("{}/app/roles/", app.address))
        .await;
    wait_for(&browser, &link("Grace Hopper")).await;
    assert!(
        !browser.has(&link("Alan Turing")).await,
        "the search keeps singers only"
    );
    browser
        .click(&format!("//input[@id='pick-{}']", stage.ada))
        .await;
    browser
        .click(&format!("//input[@id='pick-{}']", stage.grace))
        .await;
    browser.click(&button("Add selected")).await;
    browser
        .wait_for_text("Added 2 candidates to the role.")
        .await;

    browser.click(&link("See the board")).await;
    browser.wait_for_heading("The Countess").await;
    browser.wait_for_text("Keyboard shortcuts").await;
    browser.wait_for_text("Submitted (2)").await;
    browser.wait_until_live().await;
    let row = format!("candidate-{}", stage.ada);
    browser
        .run(&format!("document.getElementById('{row}').focus()"))
        .await;
    type_keys(&browser, "1").await;
    wait_for(
        &browser,
        &format!(
            "//tr[@id='{row}']/td[contains(@class,'grade') and contains(normalize-space(.),'1')]"
        ),
    )
    .await;
    wait_for_focus(&browser, &row).await;
    let role_id = browser
        .url()
        .await
        .split("/app/roles/")
        .nth(1)
        .and_then(|rest| rest.split(['?', '#']).next())
        .and_then(|id| id.parse::<i64>().ok())
        .expect("the board's URL");
    assert_eq!(candidate(&app, &stage, role_id, stage.ada).await["rank"], 1);

    type_keys(&browser, "b").await;
    wait_for(
        &browser,
        &format!("//tr[@id='{row}']/td[@class='status' and normalize-space()='Booked']"),
    )
    .await;
    browser
        .wait_for_text("Booked: the actor is in the movie's cast as The Countess.")
        .await;
    browser.wait_for_text("Booked (1)").await;
    browser.wait_for_text("1 of 1").await;
    assert!(
        browser
            .has("//section[@id='history']//strong[normalize-space()='Candidate']")
            .await,
        "the history refreshed too"
    );

    browser.click(&link("The Engine")).await;
    browser.wait_for_heading("The Engine").await;
    wait_for(
        &browser,
        "//section[@id='cast']//a[normalize-space()='Ada Lovelace']",
    )
    .await;
    let character = browser
        .run(&format!(
            "return document.getElementById('character-{}').value",
            stage.ada
        ))
        .await;
    assert_eq!(character, "The Countess");
    wait_for(
        &browser,
        "//section[@id='pipeline']//li[normalize-space()='Booked (1)']",
    )
    .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_works_at_a_phones_width() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let stage = stage(&app).await;
    let role = add_role(
        &app,
        &stage,
        json!({"name": "A role whose name is rather long for a phone"}),
        &[stage.ada, stage.grace, stage.alan],
        "submitted",
    )
    .await;
    let browser = Browser::start_phone().await;
    let board = format!("{}/app/roles/{role}", app.address);
    browser.sign_in_locally(&board, "Casting Director").await;
    for page in [
        board.clone(),
        format!("{board}/add"),
        format!("{board}/edit"),
    ] {
        browser.assert_fits_width(&page).await;
    }
    browser.goto(&board).await;
    browser.choose("Move Grace Hopper to", "Shortlisted").await;
    browser
        .click(&format!(
            "//tr[@id='candidate-{}']//button[normalize-space()='Move']",
            stage.grace
        ))
        .await;
    wait_for(
        &browser,
        &format!(
            "//tr[@id='candidate-{}']/td[@class='status' and normalize-space()='Shortlisted']",
            stage.grace
        ),
    )
    .await;
    browser.wait_for_text("Shortlisted (1)").await;
    browser
        .click(&format!("//input[@id='select-{}']", stage.ada))
        .await;
    browser
        .click(&format!("//input[@id='select-{}']", stage.alan))
        .await;
    browser.choose("Move the selected to", "Passed").await;
    browser.click(&button("Move selected")).await;
    browser.wait_for_text("2 candidates were moved.").await;
    browser.wait_for_text("Passed (2)").await;
    let counts = counts(&app, &stage, role).await;
    assert_eq!(
        (counts["passed"].as_i64(), counts["shortlisted"].as_i64()),
        (Some(2), Some(1))
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn casting_in_place_refreshes_the_history_and_says_so_at_the_top() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let stage = stage(&app).await;
    let browser = Browser::start().await;
    let movie_url = format!("{}/app/movies/{}", app.address, stage.movie);
    browser
        .sign_in_locally(&format!("{movie_url}?done=created"), "Casting Director")
        .await;
    browser.wait_for_text("The movie was added.").await;
    assert!(
        browser
            .has("//div[@id='flash']/p[normalize-space()='The movie was added.']")
            .await
    );
    assert!(
        !browser
            .has("//section[@id='history']//strong[normalize-space()='Cast']")
            .await
    );
    browser.choose("Actor", "Ada Lovelace").await;
    browser.fill("Character", "Countess").await;
    browser.click(&button("Add to cast")).await;
    wait_for(
        &browser,
        "//section[@id='cast']//a[normalize-space()='Ada Lovelace']",
    )
    .await;
    wait_for(
        &browser,
        "//section[@id='history']//strong[normalize-space()='Cast']",
    )
    .await;
    wait_for(
        &browser,
        "//div[@id='flash']/p[normalize-space()='The cast was updated.']",
    )
    .await;
    assert!(
        !browser
            .has("//*[normalize-space()='The movie was added.']")
            .await,
        "the old message is gone"
    );
    browser.close().await;
}
