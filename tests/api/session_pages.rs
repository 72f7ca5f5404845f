//! Audition sessions in the web app: the form that makes one at a local time in its own time
//! zone (a time the clocks skip, and an unknown zone, refused with the form), the movie's list
//! of sessions, the session's page with every slot at its local time, booking, autofill, the
//! door's forms (an assistant checks in and marks seen, and may not confirm), deletion and the
//! calendar download. Over HTTP as a form-sending browser would, on both databases, and checked
//! through the API; then in Chromium, a page that shows a booking made elsewhere without being
//! reloaded.

use image::ImageFormat;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::browser::Browser;
use crate::helpers::web::{LocalApp, Page, Visitor, unescape};
use crate::helpers::{Backend, backend_tests};
use crate::photos::picture;

/// What a test starts from: a movie with one role, three candidates of it (Ada and Grace
/// shortlisted, Alan submitted), and a producer's token.
struct Stage {
    token: String,
    movie: i64,
    role: i64,
    ada: i64,
    grace: i64,
    alan: i64,
}

async fn create(app: &LocalApp, token: &str, path: &str, body: Value) -> i64 {
    app.api_send(token, Method::POST, path, body).await["created"]
        .as_i64()
        .expect("an id")
}

async fn stage(app: &LocalApp) -> Stage {
    let token = app.api_token("executive-producer").await;
    let movie = create(
        app,
        &token,
        "/movies",
        json!({"title": "The Engine", "release_date": "1843-10-10"}),
    )
    .await;
    let role = create(
        app,
        &token,
        &format!("/movies/{movie}/roles"),
        json!({"name": "The Countess"}),
    )
    .await;
    let actor = |name: &str| json!({"name": name, "age": 36, "gender": "female"});
    let ada = create(app, &token, "/actors", actor("Ada Lovelace")).await;
    let grace = create(app, &token, "/actors", actor("Grace Hopper")).await;
    let alan = create(app, &token, "/actors", actor("Alan Turing")).await;
    let add =
        |ids: Vec<i64>, status: &str| json!({"actor_ids": ids, "add": true, "status": status});
    let bulk = format!("/roles/{role}/candidates/bulk");
    app.api_send(
        &token,
        Method::POST,
        &bulk,
        add(vec![ada, grace], "shortlisted"),
    )
    .await;
    app.api_send(&token, Method::POST, &bulk, add(vec![alan], "submitted"))
        .await;
    Stage {
        token,
        movie,
        role,
        ada,
        grace,
        alan,
    }
}

/// A session of the stage's movie through the API: 09:00 in London on the morning the clocks
/// go forward (08:00 UTC), six slots of 20 minutes.
async fn london_session(app: &LocalApp, stage: &Stage) -> i64 {
    create(
        app,
        &stage.token,
        &format!("/movies/{}/sessions", stage.movie),
        json!({"name": "Open call", "starts_at": "2027-03-28T09:00:00+01:00",
            "time_zone": "Europe/London", "slot_minutes": 20, "slots": 6,
            "location": "Stage 4, Pinewood"}),
    )
    .await
}

/// The session as the API answers it.
async fn session(app: &LocalApp, stage: &Stage, id: i64) -> Value {
    app.api_get(&stage.token, &format!("/sessions/{id}")).await["session"].clone()
}

/// The movie's sessions as the API answers them.
async fn sessions(app: &LocalApp, stage: &Stage) -> Vec<Value> {
    app.api_get(&stage.token, &format!("/movies/{}/sessions", stage.movie))
        .await["sessions"]
        .as_array()
        .expect("sessions")
        .clone()
}

/// `(slot, actor id, state)` of each appointment.
fn appointments(session: &Value) -> Vec<(i64, i64, String)> {
    session["appointments"]
        .as_array()
        .expect("appointments")
        .iter()
        .map(|appointment| {
            (
                appointment["slot"].as_i64().unwrap(),
                appointment["actor"]["id"].as_i64().unwrap(),
                appointment["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Books `slot` with `actor` as the role's candidate, through the API.
async fn book(app: &LocalApp, stage: &Stage, id: i64, slot: i64, actor: i64) {
    app.api_send(
        &stage.token,
        Method::PUT,
        &format!("/sessions/{id}/slots/{slot}"),
        json!({"role_id": stage.role, "actor_id": actor}),
    )
    .await;
}

/// The page's text with tags taken out and spaces squeezed, as a person reads it.
fn text(html: &str) -> String {
    let tags = regex::Regex::new(r"<[^>]*>").unwrap();
    let spaces = regex::Regex::new(r"\s+").unwrap();
    unescape(&spaces.replace_all(&tags.replace_all(html, " "), " "))
}

/// `(slot, instant, local time)` of each row of the day's schedule.
fn schedule(html: &str) -> Vec<(i64, String, String)> {
    regex::Regex::new(
        r#"<tr id="slot-(\d+)" data-slot="\d+">\s*<th scope="row"><time datetime="([^"]+)">([^<]+)</time></th>"#,
    )
    .unwrap()
    .captures_iter(html)
    .map(|row| (row[1].parse().unwrap(), row[2].to_owned(), row[3].to_owned()))
    .collect()
}

/// The HTML of one slot's row.
fn row(html: &str, slot: i64) -> String {
    let start = html
        .find(&format!(r#"<tr id="slot-{slot}""#))
        .unwrap_or_else(|| panic!("a row of slot {slot}"));
    let end = html[start..].find("</tr>").expect("the row's end");
    html[start..start + end].to_owned()
}

/// The form fields of a new session at `date` and `time` in `zone`.
fn session_form<'a>(
    csrf: &'a str,
    date: &'a str,
    time: &'a str,
    zone: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", csrf),
        ("name", "Open call"),
        ("kind", "audition"),
        ("date", date),
        ("time", time),
        ("time_zone", zone),
        ("slot_minutes", "20"),
        ("slots", "6"),
        ("location", "Stage 4, Pinewood"),
    ]
}

async fn signed_in(app: &LocalApp, role: &str) -> (Visitor, String) {
    let mut visitor = app.signed_in(role).await;
    let csrf = visitor.csrf_token().await;
    (visitor, csrf)
}

/// Sends a slot's state form from the session's page.
async fn set_state(visitor: &mut Visitor, csrf: &str, id: i64, slot: i64, state: &str) -> Page {
    let path = format!("/app/sessions/{id}/slots/{slot}/state");
    visitor
        .post(&path, &[("_csrf", csrf), ("state", state)])
        .await
}

backend_tests! {
    spawn = LocalApp::spawn;

    async fn a_session_made_with_the_form_at_nine_in_london_starts_at_eight_utc(app) {
        let stage = stage(&app).await;
        let (mut director, csrf) = signed_in(&app, "casting-director").await;
        let movie_page = director.get(&format!("/app/movies/{}", stage.movie)).await;
        assert!(
            movie_page.body.contains("No sessions yet."),
            "{}",
            movie_page.body
        );
        let new = format!("/app/movies/{}/sessions/new", stage.movie);
        assert!(
            movie_page
                .body
                .contains(&format!(r#"href="{new}">New session</a>"#))
        );

        let form = director.get(&new).await;
        assert_eq!(form.status, 200);
        for input in [
            r#"name="date" type="date""#,
            r#"name="time" type="time""#,
            r#"name="time_zone""#,
            r#"name="kind""#,
            r#"name="slot_minutes""#,
            r#"name="slots""#,
            r#"name="location""#,
        ] {
            assert!(form.body.contains(input), "the form has {input}");
        }
        assert!(
            form.body.contains(r#"<option value="Europe/London">"#),
            "the zones are offered"
        );
        assert!(
            form.body.contains(r#"value="UTC""#),
            "UTC unless said otherwise"
        );

        let action = format!("/app/movies/{}/sessions", stage.movie);
        let created = director
            .post(
                &action,
                &session_form(&csrf, "2027-03-28", "09:00", "Europe/London"),
            )
            .await;
        assert_eq!(created.status, 303, "{}", created.body);
        let page_path = created.location().to_owned();
        assert!(
            page_path.starts_with("/app/sessions/") && page_path.ends_with("?done=created"),
            "{page_path}"
        );
        let id: i64 = page_path
            .trim_start_matches("/app/sessions/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let stored = session(&app, &stage, id).await;
        assert_eq!(stored["starts_at"], "2027-03-28T08:00:00Z");
        assert_eq!(stored["time_zone"], "Europe/London");
        assert_eq!(
            (stored["slots"].as_i64(), stored["slot_minutes"].as_i64()),
            (Some(6), Some(20))
        );
        assert_eq!(stored["location"], "Stage 4, Pinewood");

        let page = director.get(&page_path).await;
        assert_eq!(page.status, 200);
        let said = text(&page.body);
        assert!(said.contains("The session was added."), "{said}");
        assert!(said.contains("Sunday 28 March 2027"), "{said}");
        assert!(said.contains("09:00 to 11:00"), "{said}");
        assert!(said.contains("Europe/London (BST, UTC+01:00)"), "{said}");

        let movie_page = director.get(&format!("/app/movies/{}", stage.movie)).await;
        assert!(movie_page.body.contains(&format!(
            r#"<a href="/app/sessions/{id}"><bdi>Open call</bdi></a>"#
        )));
        let listed = text(&movie_page.body);
        let row = "Open call Audition 2027-03-28 09:00 BST Europe/London 6 × 20 min, 0 booked \
            Stage 4, Pinewood";
        assert!(listed.contains(row), "{listed}");

        // The edit form shows the start on the session's clocks, and takes a new one there.
        let edit = director.get(&format!("/app/sessions/{id}/edit")).await;
        assert_eq!(edit.status, 200);
        assert!(
            edit.body
                .contains(r#"name="date" type="date" value="2027-03-28""#),
            "{}",
            edit.body
        );
        assert!(
            edit.body
                .contains(r#"name="time" type="time" value="09:00""#),
            "{}",
            edit.body
        );
        let etag = edit.input("etag").expect("the version the form edits");
        let mut changed = session_form(&csrf, "2027-03-28", "10:30", "America/New_York");
        changed.push(("etag", &etag));
        let saved = director
            .post(&format!("/app/sessions/{id}"), &changed)
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        assert_eq!(saved.location(), format!("/app/sessions/{id}?done=saved"));
        let stored = session(&app, &stage, id).await;
        assert_eq!(
            stored["starts_at"], "2027-03-28T14:30:00Z",
            "10:30 in New York, on summer time"
        );
        assert_eq!(stored["time_zone"], "America/New_York");
    }

    async fn a_time_the_clocks_skip_and_an_unknown_zone_are_refused_with_the_form_and_nothing_is_made(app) {
        let stage = stage(&app).await;
        let (mut director, csrf) = signed_in(&app, "casting-director").await;
        let action = format!("/app/movies/{}/sessions", stage.movie);

        let skipped = director
            .post(
                &action,
                &session_form(&csrf, "2027-03-28", "01:30", "Europe/London"),
            )
            .await;
        assert_eq!(skipped.status, 422, "{}", skipped.body);
        let said = text(&skipped.body);
        assert!(
            said.contains("Not saved: one field needs a change."),
            "{said}"
        );
        let why = "Start time: 01:30 on 2027-03-28 does not exist in Europe/London: the clocks \
            go forward over it. Choose another time";
        assert!(said.contains(why), "{said}");
        assert!(
            skipped.body.contains(
                r#"id="time" name="time" type="time" value="01:30" required aria-invalid="true""#
            ),
            "{}",
            skipped.body
        );
        assert!(
            skipped.body.contains(r#"value="Open call""#),
            "what was typed is kept"
        );

        let unknown = director
            .post(
                &action,
                &session_form(&csrf, "2027-03-28", "09:00", "Europe/Atlantis"),
            )
            .await;
        assert_eq!(unknown.status, 422, "{}", unknown.body);
        let said = text(&unknown.body);
        assert!(
            said.contains(r#"Time zone: must be an IANA time zone name, such as "Europe/London""#),
            "{said}"
        );
        assert!(
            unknown.body.contains(r#"value="Europe/Atlantis""#),
            "what was typed is kept"
        );

        let blank = director
            .post(&action, &session_form(&csrf, "", "", "UTC"))
            .await;
        assert_eq!(blank.status, 422, "{}", blank.body);
        let said = text(&blank.body);
        assert!(
            said.contains("Date: is required") && said.contains("Start time: is required"),
            "{said}"
        );
        assert!(
            sessions(&app, &stage).await.is_empty(),
            "nothing was created"
        );

        // The clocks go back over 01:30 on the last Sunday of October: the first 01:30 it is.
        let twice = director
            .post(
                &action,
                &session_form(&csrf, "2027-10-31", "01:30", "Europe/London"),
            )
            .await;
        assert_eq!(twice.status, 303, "{}", twice.body);
        let made = sessions(&app, &stage).await;
        assert_eq!(made.len(), 1);
        assert_eq!(made[0]["starts_at"], "2027-10-31T00:30:00Z");
    }

    async fn the_schedule_lists_every_slot_at_its_local_time_and_a_free_one_is_booked_from_it(app) {
        let stage = stage(&app).await;
        let id = london_session(&app, &stage).await;
        let (mut director, csrf) = signed_in(&app, "casting-director").await;
        let path = format!("/app/sessions/{id}");
        let page = director.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(
            schedule(&page.body),
            [
                (0, "08:00", "09:00"),
                (1, "08:20", "09:20"),
                (2, "08:40", "09:40"),
                (3, "09:00", "10:00"),
                (4, "09:20", "10:20"),
                (5, "09:40", "10:40")
            ]
            .map(|(slot, utc, local)| (slot, format!("2027-03-28T{utc}:00Z"), local.to_owned()))
            .to_vec()
        );
        let live = format!(
            concat!(
                r#"<section id="schedule" data-live-events="/sessions/{id}/events" "#,
                r#"data-live-refresh="/app/sessions/{id}""#
            ),
            id = id
        );
        assert!(page.body.contains(&live), "the schedule follows the session's events");
        assert!(page.body.contains(
            r#"<p data-live-status role="status" hidden>Live updates lost. Reconnecting…</p>"#
        ));
        assert!(
            regex::Regex::new(r#"<script src="/assets/live\.[0-9a-f]+\.js" defer></script>"#)
                .unwrap()
                .is_match(&page.body)
        );
        let offered = format!(
            r#"<option dir="auto" value="{}-{}">Ada Lovelace — The Countess (Shortlisted)</option>"#,
            stage.role, stage.ada
        );
        assert!(
            page.body.contains(&offered),
            "the candidates are offered: {}",
            page.body
        );
        assert!(
            row(&page.body, 1)
                .contains(r#"<button type="submit" form="book" name="slot" value="1""#)
        );

        let booked = director
            .post(
                &format!("{path}/book"),
                &[
                    ("_csrf", &csrf),
                    ("candidate", &format!("{}-{}", stage.role, stage.ada)),
                    ("slot", "1"),
                ],
            )
            .await;
        assert_eq!(booked.status, 303, "{}", booked.body);
        assert_eq!(booked.location(), format!("{path}?done=booked#slot-1"));
        assert_eq!(
            appointments(&session(&app, &stage, id).await),
            [(1, stage.ada, "invited".to_owned())]
        );

        let page = director.get(booked.location()).await;
        let said = text(&page.body);
        assert!(
            said.contains("The slot was booked: the actor is invited."),
            "{said}"
        );
        assert!(said.contains("1 of 6 slots booked."), "{said}");
        let ada_row = row(&page.body, 1);
        assert!(
            ada_row.contains(&format!(
                r#"<a href="/app/actors/{}"><bdi>Ada Lovelace</bdi></a>"#,
                stage.ada
            )),
            "{ada_row}"
        );
        assert!(
            ada_row.contains(&format!(
                r#"<a href="/app/roles/{}"><bdi>The Countess</bdi></a>"#,
                stage.role
            )),
            "{ada_row}"
        );
        assert!(
            text(&ada_row).contains("09:20 Ada Lovelace The Countess Invited"),
            "{ada_row}"
        );
        assert!(!page.body.contains(&offered), "Ada is offered no more");

        // Booking her again elsewhere is the API's conflict, said on the page.
        let twice = director
            .post(
                &format!("{path}/book"),
                &[
                    ("_csrf", &csrf),
                    ("candidate", &format!("{}-{}", stage.role, stage.ada)),
                    ("slot", "2"),
                ],
            )
            .await;
        assert_eq!(twice.status, 409, "{}", twice.body);
        assert!(
            text(&twice.body).contains("Nothing was changed: Actor"),
            "{}",
            text(&twice.body)
        );
        let no_slot = director
            .post(
                &format!("{path}/book"),
                &[
                    ("_csrf", &csrf),
                    ("candidate", &format!("{}-{}", stage.role, stage.grace)),
                ],
            )
            .await;
        assert_eq!(no_slot.status, 422, "{}", no_slot.body);
        assert_eq!(
            appointments(&session(&app, &stage, id).await).len(),
            1,
            "nothing else was booked"
        );

        // The director frees it again.
        let freed = director
            .post(
                &format!("{path}/slots/1/free"),
                &[("_csrf", &csrf), ("actor_id", &stage.ada.to_string())],
            )
            .await;
        assert_eq!(freed.status, 303, "{}", freed.body);
        assert!(appointments(&session(&app, &stage, id).await).is_empty());
    }

    async fn autofill_from_the_page_schedules_a_roles_candidates_and_says_how_many(app) {
        let stage = stage(&app).await;
        let id = london_session(&app, &stage).await;
        let (mut director, csrf) = signed_in(&app, "casting-director").await;
        let path = format!("/app/sessions/{id}");
        let page = director.get(&path).await;
        assert!(page.body.contains(&format!(
            r#"<option dir="auto" value="{}">The Countess</option>"#,
            stage.role
        )));
        assert!(
            page.body
                .contains(r#"<option value="shortlisted" selected>Shortlisted</option>"#),
            "an audition fills from the shortlist"
        );
        assert!(
            !page.body.contains(r#"<option value="booked""#),
            "booked actors are cast: not offered"
        );

        let role = stage.role.to_string();
        let filled = director
            .post(
                &format!("{path}/autofill"),
                &[
                    ("_csrf", &csrf),
                    ("role_id", &role),
                    ("status", "shortlisted"),
                ],
            )
            .await;
        assert_eq!(filled.status, 303, "{}", filled.body);
        assert_eq!(
            filled.location(),
            format!("{path}?done=scheduled-2#schedule")
        );
        let page = director.get(filled.location()).await;
        assert!(
            text(&page.body).contains("Scheduled 2 candidates."),
            "{}",
            text(&page.body)
        );
        let stored = session(&app, &stage, id).await;
        assert_eq!(
            appointments(&stored),
            [
                (0, stage.ada, "invited".to_owned()),
                (1, stage.grace, "invited".to_owned())
            ]
        );
        assert!(text(&row(&page.body, 0)).contains("Ada Lovelace"));
        assert!(text(&row(&page.body, 1)).contains("Grace Hopper"));
        let ada = app
            .api_get(
                &stage.token,
                &format!("/roles/{}/candidates/{}", stage.role, stage.ada),
            )
            .await;
        assert_eq!(
            ada["candidate"]["status"], "audition",
            "scheduled candidates move to audition"
        );

        let booked = director
            .post(
                &format!("{path}/autofill"),
                &[("_csrf", &csrf), ("role_id", &role), ("status", "booked")],
            )
            .await;
        assert_eq!(booked.status, 422, "{}", booked.body);
        assert!(
            text(&booked.body)
                .contains("Nothing was changed: status: booked candidates are cast already"),
            "{}",
            text(&booked.body)
        );
        let again = director
            .post(
                &format!("{path}/autofill"),
                &[
                    ("_csrf", &csrf),
                    ("role_id", &role),
                    ("status", "submitted"),
                ],
            )
            .await;
        assert_eq!(
            again.location(),
            format!("{path}?done=scheduled-1#schedule")
        );
        assert_eq!(
            appointments(&session(&app, &stage, id).await)[2],
            (2, stage.alan, "invited".to_owned())
        );
    }

    async fn an_assistant_checks_someone_in_and_marks_them_seen_but_may_not_confirm(app) {
        let stage = stage(&app).await;
        let id = london_session(&app, &stage).await;
        book(&app, &stage, id, 0, stage.ada).await;
        let (mut assistant, csrf) = signed_in(&app, "casting-assistant").await;
        let page = assistant.get(&format!("/app/sessions/{id}")).await;
        assert_eq!(page.status, 200);
        let ada_row = row(&page.body, 0);
        for button in ["Check in", "Seen", "No show"] {
            assert!(
                ada_row.contains(&format!(">{button}</button>")),
                "the assistant may press {button}: {ada_row}"
            );
        }
        for button in ["Confirm", "Decline", "Free"] {
            assert!(
                !ada_row.contains(&format!(">{button}</button>")),
                "the assistant sees no {button}: {ada_row}"
            );
        }
        assert!(
            !page.body.contains(">Book</button>") && !page.body.contains("Autofill"),
            "nor the office's forms"
        );
        assert!(!page.body.contains("Edit session"));

        let checked_in = set_state(&mut assistant, &csrf, id, 0, "checked_in").await;
        assert_eq!(checked_in.status, 303, "{}", checked_in.body);
        assert_eq!(
            checked_in.location(),
            format!("/app/sessions/{id}?done=checked_in#slot-0")
        );
        assert_eq!(
            appointments(&session(&app, &stage, id).await),
            [(0, stage.ada, "checked_in".to_owned())]
        );
        let page = assistant.get(checked_in.location()).await;
        assert!(text(&page.body).contains("Checked in."));
        assert!(
            !row(&page.body, 0).contains(">Check in</button>"),
            "no button for the state it is in"
        );

        let seen = set_state(&mut assistant, &csrf, id, 0, "seen").await;
        assert_eq!(seen.status, 303, "{}", seen.body);
        assert_eq!(
            appointments(&session(&app, &stage, id).await),
            [(0, stage.ada, "seen".to_owned())]
        );

        let confirmed = set_state(&mut assistant, &csrf, id, 0, "confirmed").await;
        assert_eq!(confirmed.status, 403, "{}", confirmed.body);
        assert!(
            text(&confirmed.body).contains("it needs the permission patch:movie"),
            "{}",
            text(&confirmed.body)
        );
        assert_eq!(
            appointments(&session(&app, &stage, id).await),
            [(0, stage.ada, "seen".to_owned())],
            "nothing changed"
        );
        let freed = assistant
            .post(
                &format!("/app/sessions/{id}/slots/0/free"),
                &[("_csrf", &csrf)],
            )
            .await;
        assert_eq!(freed.status, 403);

        // The director confirms; a free slot has no appointment to change.
        let (mut director, director_csrf) = signed_in(&app, "casting-director").await;
        let page = director.get(&format!("/app/sessions/{id}")).await;
        for button in ["Confirm", "Decline", "Free", "Check in", "No show"] {
            assert!(
                row(&page.body, 0).contains(&format!(">{button}</button>")),
                "the director may press {button}"
            );
        }
        let confirmed = set_state(&mut director, &director_csrf, id, 0, "confirmed").await;
        assert_eq!(confirmed.status, 303, "{}", confirmed.body);
        assert_eq!(
            appointments(&session(&app, &stage, id).await),
            [(0, stage.ada, "confirmed".to_owned())]
        );
        let free_slot = set_state(&mut director, &director_csrf, id, 3, "confirmed").await;
        assert_eq!(free_slot.status, 404, "{}", free_slot.body);
        assert!(
            text(&free_slot.body).contains("Nothing was changed: Slot 3"),
            "{}",
            text(&free_slot.body)
        );
        let unknown = set_state(&mut director, &director_csrf, id, 0, "asleep").await;
        assert_eq!(unknown.status, 422, "{}", unknown.body);
        let forged = director
            .post(
                &format!("/app/sessions/{id}/slots/0/state"),
                &[("_csrf", "forged"), ("state", "declined")],
            )
            .await;
        assert_eq!(
            forged.status, 403,
            "a form without the session's token changes nothing"
        );
        assert_eq!(
            appointments(&session(&app, &stage, id).await),
            [(0, stage.ada, "confirmed".to_owned())]
        );
    }

    async fn a_slot_freed_and_rebooked_meanwhile_is_not_changed_from_a_stale_page(app) {
        let stage = stage(&app).await;
        let id = london_session(&app, &stage).await;
        book(&app, &stage, id, 0, stage.ada).await;
        let (mut director, csrf) = signed_in(&app, "casting-director").await;
        let page = director.get(&format!("/app/sessions/{id}")).await;
        assert!(row(&page.body, 0).contains(&format!(r#"name="actor_id" value="{}""#, stage.ada)));
        app.api_send(
            &stage.token,
            Method::DELETE,
            &format!("/sessions/{id}/slots/0"),
            json!({}),
        )
        .await;
        book(&app, &stage, id, 0, stage.grace).await;

        let ada = stage.ada.to_string();
        let stale = director
            .post(
                &format!("/app/sessions/{id}/slots/0/free"),
                &[("_csrf", &csrf), ("actor_id", &ada)],
            )
            .await;
        assert_eq!(stale.status, 409, "{}", stale.body);
        assert!(text(&stale.body).contains("the slot changed since this page was opened"));
        assert!(
            text(&row(&stale.body, 0)).contains("Grace Hopper"),
            "the schedule as it is now"
        );
        assert_eq!(
            appointments(&session(&app, &stage, id).await),
            [(0, stage.grace, "invited".to_owned())]
        );
    }

    async fn the_calendar_downloads_from_the_page_as_an_icalendar_file(app) {
        let stage = stage(&app).await;
        let id = london_session(&app, &stage).await;
        book(&app, &stage, id, 1, stage.ada).await;
        let (mut assistant, _) = signed_in(&app, "casting-assistant").await;
        let page = assistant.get(&format!("/app/sessions/{id}")).await;
        let link = format!(
            r#"href="/app/sessions/{id}/calendar.ics" download>Download calendar (.ics)</a>"#
        );
        assert!(page.body.contains(&link), "{}", page.body);

        let file = assistant
            .get(&format!("/app/sessions/{id}/calendar.ics"))
            .await;
        assert_eq!(file.status, 200, "{}", file.body);
        assert_eq!(
            file.header("content-type"),
            Some("text/calendar; charset=utf-8")
        );
        assert_eq!(
            file.header("content-disposition"),
            Some(format!("attachment; filename=\"session-{id}.ics\"").as_str())
        );
        assert_eq!(file.header("cache-control"), Some("no-store"));
        assert!(
            file.body.starts_with("BEGIN:VCALENDAR\r\n"),
            "{}",
            file.body
        );
        for line in [
            format!("UID:session-{id}-actor-{}@movie-manager", stage.ada),
            "DTSTART:20270328T082000Z".to_owned(),
            "DTEND:20270328T084000Z".to_owned(),
            "SUMMARY:Ada Lovelace for The Countess".to_owned(),
            "LOCATION:Stage 4\\, Pinewood".to_owned(),
        ] {
            assert!(
                file.body.contains(&format!("{line}\r\n")),
                "{line} in {}",
                file.body
            );
        }
        assert_eq!(file.body.matches("BEGIN:VEVENT").count(), 1);
        let missing = assistant.get("/app/sessions/999999/calendar.ics").await;
        assert_eq!(missing.status, 404);
    }

    async fn a_session_is_deleted_after_asking_and_its_movie_says_so(app) {
        let stage = stage(&app).await;
        let id = london_session(&app, &stage).await;
        book(&app, &stage, id, 0, stage.ada).await;
        let (mut director, csrf) = signed_in(&app, "casting-director").await;
        let asked = director.get(&format!("/app/sessions/{id}/delete")).await;
        assert_eq!(asked.status, 200);
        let asking = "Deleting this session cannot be undone. Its 1 appointment goes with it; the \
            actor stays a candidate.";
        assert!(text(&asked.body).contains(asking), "{}", text(&asked.body));
        let etag = asked.input("etag").expect("the version asked about");
        book(&app, &stage, id, 1, stage.grace).await;
        let changed = director
            .post(
                &format!("/app/sessions/{id}/delete"),
                &[("_csrf", &csrf), ("etag", &etag)],
            )
            .await;
        assert_eq!(
            changed.status, 412,
            "it changed since the question: asked again"
        );
        assert!(text(&changed.body).contains("Its 2 appointments go with it"));
        let etag = changed.input("etag").unwrap();
        let deleted = director
            .post(
                &format!("/app/sessions/{id}/delete"),
                &[("_csrf", &csrf), ("etag", &etag)],
            )
            .await;
        assert_eq!(deleted.status, 303, "{}", deleted.body);
        assert_eq!(
            deleted.location(),
            format!("/app/movies/{}?done=session-deleted#sessions", stage.movie)
        );
        assert!(sessions(&app, &stage).await.is_empty());
        let movie_page = director.get(deleted.location()).await;
        assert!(text(&movie_page.body).contains("The session was deleted."));
        let gone = director.get(&format!("/app/sessions/{id}")).await;
        assert_eq!(gone.status, 404);
    }

    async fn a_booked_actors_photo_shows_in_the_schedule(app) {
        let stage = stage(&app).await;
        let id = london_session(&app, &stage).await;
        let uploaded = app
            .client
            .post(format!("{}/actors/{}/photos", app.address, stage.ada))
            .bearer_auth(&stage.token)
            .header("content-type", "image/jpeg")
            .body(picture(600, 800, ImageFormat::Jpeg))
            .send()
            .await
            .unwrap();
        assert_eq!(uploaded.status(), 200);
        book(&app, &stage, id, 0, stage.ada).await;
        book(&app, &stage, id, 1, stage.grace).await;
        let (mut assistant, _) = signed_in(&app, "casting-assistant").await;
        let page = assistant.get(&format!("/app/sessions/{id}")).await;
        assert!(
            row(&page.body, 0).contains(r#"alt="Photo of Ada Lovelace" loading="lazy""#),
            "{}",
            row(&page.body, 0)
        );
        assert!(
            row(&page.body, 1)
                .contains(r#"<span class="thumb no-photo" aria-hidden="true"></span>"#),
            "no photo, no image"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_session_page_shows_a_booking_and_a_check_in_made_elsewhere_without_a_reload() {
    let app = LocalApp::spawn(Backend::Sqlite).await;
    let stage = stage(&app).await;
    let id = london_session(&app, &stage).await;
    let browser = Browser::start().await;
    let page_url = format!("{}/app/sessions/{id}", app.address);
    browser.sign_in_locally(&page_url, "Casting Director").await;
    browser.wait_for_heading("Open call").await;
    // A mark only this loaded page holds: a reload would lose it.
    browser.run("window.sameLoad = true; return true;").await;
    // The page listens before anything changes: a new stream tells only of what happens after
    // it opens.
    browser
        .wait_until(
            "document.documentElement.dataset.live === 'open'",
            "the session's event stream opening",
        )
        .await;

    book(&app, &stage, id, 2, stage.grace).await;
    let slot = "//tr[@id='slot-2']";
    browser
        .wait_until(
            "document.querySelector('#slot-2').textContent.includes('Grace Hopper')",
            "the booking showing",
        )
        .await;
    assert!(browser.text(slot).await.contains("Invited"));
    browser
        .wait_until(
            "document.querySelector('#history').textContent.includes('Appointment')",
            "the history showing the booking",
        )
        .await;

    let door = app.api_token("casting-assistant").await;
    app.api_send(
        &door,
        Method::PATCH,
        &format!("/sessions/{id}/slots/2"),
        json!({"state": "checked_in"}),
    )
    .await;
    browser
        .wait_until(
            "document.querySelector('#slot-2 .state').textContent === 'Checked in'",
            "the check-in showing",
        )
        .await;

    // The director's own form is sent in place too (htmx), with its message.
    browser
        .click("//tr[@id='slot-2']//button[normalize-space()='Confirm']")
        .await;
    browser
        .wait_until(
            "document.querySelector('#slot-2 .state').textContent === 'Confirmed'",
            "the confirmation showing",
        )
        .await;
    browser
        .wait_for_text("The appointment was confirmed.")
        .await;
    assert_eq!(
        browser.run("return window.sameLoad === true;").await,
        Value::Bool(true),
        "the page was not reloaded"
    );
    assert!(
        browser
            .run("return document.querySelector('[data-live-status]').hidden;")
            .await
            == Value::Bool(true),
        "the stream is not lost"
    );
    browser.close().await;
}
