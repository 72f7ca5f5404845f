//! Audition sessions: created in a time zone and answered in UTC, their slots booked with a role's
//! candidates and freed, filled from a status best rank first, the appointments' states (the
//! director invites and confirms, the assistant checks people in and marks them seen or absent),
//! every refusal changing nothing, and the iCalendar export read back by a real parser.
//!
//! The helpers here (`create_session`, `book`, `appointments`...) serve the presentation and event
//! tests too.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::helpers::json::timestamp;
use crate::helpers::{Caller, Reply, TestApp, backend_tests};
use crate::roles::{candidate_path, candidates, create_role, put_candidate, role_history};

pub fn session_path(session: i64) -> String {
    format!("/sessions/{session}")
}

pub fn slot_path(session: i64, slot: i64) -> String {
    format!("/sessions/{session}/slots/{slot}")
}

/// The session of the tests that need one at a known time: 09:00 in London on the morning the
/// clocks go forward (08:00 UTC), six slots of 20 minutes.
pub fn london_session() -> Value {
    json!({
        "name": "Open call",
        "kind": "audition",
        "starts_at": "2027-03-28T09:00:00+01:00",
        "time_zone": "Europe/London",
        "slot_minutes": 20,
        "slots": 6,
        "location": "Stage 4, Pinewood",
    })
}

/// `london_session()` at 08:00 UTC.
pub const LONDON_START: &str = "2027-03-28T08:00:00Z";

/// `POST /movies/{movie}/sessions` as a casting director.
pub async fn post_session(app: &TestApp, movie: i64, body: Value) -> Reply {
    app.post(
        Caller::CastingDirector,
        &format!("/movies/{movie}/sessions"),
        body,
    )
    .await
}

/// Creates a session of `movie` from `body` as a casting director, answering its id.
pub async fn create_session(app: &TestApp, movie: i64, body: Value) -> i64 {
    let reply = post_session(app, movie, body.clone()).await;
    assert_eq!(
        reply.status, 200,
        "creating the session {body}: {}",
        reply.body
    );
    reply.body["created"].as_i64().expect("an id")
}

/// The session as an assistant reads it (the `session` object), or `Value::Null` if 404.
pub async fn session(app: &TestApp, id: i64) -> Value {
    let reply = app.get(Caller::CastingAssistant, &session_path(id)).await;
    match reply.status {
        200 => reply.body["session"].clone(),
        404 => Value::Null,
        other => panic!("reading session {id} answered {other}: {}", reply.body),
    }
}

/// The session and its ETag; the session must exist.
pub async fn session_and_etag(app: &TestApp, id: i64) -> (Value, String) {
    let reply = app.get(Caller::CastingAssistant, &session_path(id)).await;
    reply.assert_status(200);
    (reply.body["session"].clone(), reply.etag())
}

/// The sessions of a movie, as listed.
pub async fn movie_sessions(app: &TestApp, movie: i64) -> Vec<Value> {
    let reply = app
        .get(
            Caller::CastingAssistant,
            &format!("/movies/{movie}/sessions"),
        )
        .await;
    reply.assert_status(200);
    reply.body["sessions"]
        .as_array()
        .expect("a list of sessions")
        .clone()
}

/// The whole history of a session, newest first.
pub async fn session_history(app: &TestApp, id: i64) -> Vec<Value> {
    app.list_all(&format!("/sessions/{id}/history"), "history")
        .await
}

/// `PUT /sessions/{session}/slots/{slot}` as a casting director.
pub async fn book(app: &TestApp, session: i64, slot: i64, role: i64, actor: i64) -> Reply {
    app.put(
        Caller::CastingDirector,
        &slot_path(session, slot),
        json!({"role_id": role, "actor_id": actor}),
    )
    .await
}

/// `PATCH /sessions/{session}/slots/{slot}` to `state`, by `caller`.
pub async fn set_state(
    app: &TestApp,
    caller: Caller,
    session: i64,
    slot: i64,
    state: &str,
) -> Reply {
    app.patch(caller, &slot_path(session, slot), json!({"state": state}))
        .await
}

/// `POST /sessions/{session}/autofill` as a casting director.
pub async fn autofill(app: &TestApp, session: i64, role: i64, status: &str) -> Reply {
    app.post(
        Caller::CastingDirector,
        &format!("/sessions/{session}/autofill"),
        json!({"role_id": role, "status": status}),
    )
    .await
}

/// The appointments of a session as (slot, actor id, state), in the order answered.
pub fn appointments(session: &Value) -> Vec<(i64, i64, String)> {
    session["appointments"]
        .as_array()
        .unwrap_or_else(|| panic!("a list of appointments in {session}"))
        .iter()
        .map(|appointment| {
            (
                appointment["slot"].as_i64().expect("a slot"),
                appointment["actor"]["id"].as_i64().expect("an actor id"),
                appointment["state"].as_str().expect("a state").to_owned(),
            )
        })
        .collect()
}

/// The candidate as an assistant reads it now; it must exist.
pub async fn candidate(app: &TestApp, role: i64, actor: i64) -> Value {
    let reply = app
        .get(Caller::CastingAssistant, &candidate_path(role, actor))
        .await;
    reply.assert_status(200);
    reply.body["candidate"].clone()
}

/// A movie with a role and `n` shortlisted candidates for it, named `Actor {i}`.
pub struct Casting {
    pub movie: i64,
    pub role: i64,
    pub actors: Vec<i64>,
}

pub async fn casting(app: &TestApp, n: usize) -> Casting {
    let movie = app.create_movie("Avatar", "2009-12-18").await;
    let role = create_role(app, movie, json!({"name": "Neytiri", "positions": 2})).await;
    let mut actors = Vec::new();
    for i in 0..n {
        let reply = app
            .post(
                Caller::ExecutiveProducer,
                "/actors",
                json!({"name": format!("Actor {i}"), "age": 20 + i, "gender": "female",
                       "playing_age_min": 18, "playing_age_max": 25 + i}),
            )
            .await;
        reply.assert_status(200);
        let actor = reply.body["created"].as_i64().unwrap();
        put_candidate(app, role, actor, Some(json!({"status": "shortlisted"})))
            .await
            .assert_status(200);
        actors.push(actor);
    }
    Casting {
        movie,
        role,
        actors,
    }
}

/// Everything a refused session write could have touched: the session and its ETag, its history,
/// the role's candidates and the role's history. Two equal states mean nothing changed.
pub async fn state_of(app: &TestApp, session_id: i64, role: i64) -> Value {
    let (now, etag) = session_and_etag(app, session_id).await;
    json!({
        "session": now,
        "etag": etag,
        "session_history": session_history(app, session_id).await,
        "candidates": candidates(app, role).await,
        "role_history": role_history(app, role).await,
    })
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|_| panic!("not RFC 3339: {text}"))
        .with_timezone(&Utc)
}

/// Where the test command installs the calendar's parser (Python's `icalendar`, pinned in
/// tests/calendar/requirements.txt), unless `ICALENDAR_PYTHON` names the interpreter.
fn calendar_python() -> PathBuf {
    if let Some(path) = std::env::var_os("ICALENDAR_PYTHON") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("calendar/bin/python")
}

/// Reads an iCalendar file from stdin with `icalendar` and prints what the tests check, as JSON:
/// the parser's complaints, the calendar's VERSION, and each VEVENT's UID, DTSTART and DTEND
/// (ISO 8601 with their offset as parsed), SUMMARY and LOCATION unescaped and unfolded.
const READ_CALENDAR: &str = r#"
import json, sys
from icalendar import Calendar

calendar = Calendar.from_ical(sys.stdin.buffer.read())
errors = [repr(error) for error in calendar.errors]
events = []
for event in calendar.walk("VEVENT"):
    errors += [repr(error) for error in event.errors]
    events.append({
        "uid": str(event["UID"]),
        "dtstart": event.decoded("DTSTART").isoformat(),
        "dtend": event.decoded("DTEND").isoformat(),
        "dtstamp": "DTSTAMP" in event,
        "summary": str(event["SUMMARY"]),
        "location": str(event["LOCATION"]) if "LOCATION" in event else None,
    })
print(json.dumps({
    "errors": errors,
    "version": str(calendar.get("VERSION")),
    "prodid": "PRODID" in calendar,
    "events": events,
}))
"#;

/// The calendar as `icalendar` reads it (see [`READ_CALENDAR`]). Fails, never skips, without
/// the parser.
async fn parse_calendar(file: &[u8]) -> Value {
    let python = calendar_python();
    assert!(
        python.exists(),
        "Python's icalendar is required and its virtualenv is not at {} (scripts/test installs \
         it from tests/calendar/requirements.txt; or set ICALENDAR_PYTHON)",
        python.display()
    );
    let mut child = tokio::process::Command::new(&python)
        .arg("-c")
        .arg(READ_CALENDAR)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python runs");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(file).await.unwrap();
    drop(stdin);
    let output = child.wait_with_output().await.unwrap();
    assert!(
        output.status.success(),
        "icalendar cannot read the file: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(file)
    );
    serde_json::from_slice(&output.stdout).expect("the script prints JSON")
}

/// `GET /sessions/{id}` as an iCalendar file: (status, content type, bytes).
async fn calendar(app: &TestApp, session_id: i64) -> (u16, String, Vec<u8>) {
    let response = app
        .client
        .get(format!("{}{}", app.address, session_path(session_id)))
        .bearer_auth(app.token(Caller::CastingAssistant).unwrap())
        .header("Accept", "text/calendar")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

/// Checks RFC 5545's form of a file: CRLF after every line and nothing else, no line longer
/// than 75 octets, each line whole UTF-8 (a fold never splits a character), and every DTSTART
/// and DTEND in UTC.
#[track_caller]
fn assert_rfc5545_lines(file: &[u8]) {
    assert!(file.ends_with(b"\r\n"), "the file ends with CRLF");
    // Every line, each with the LF after it removed; the one after the last LF is empty.
    let body = &file[..file.len() - 1];
    for line in body.split(|byte| *byte == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or_else(|| {
            panic!(
                "a line ends with a bare LF: {:?}",
                String::from_utf8_lossy(line)
            )
        });
        assert!(
            !line.contains(&b'\r'),
            "a bare CR: {:?}",
            String::from_utf8_lossy(line)
        );
        assert!(
            line.len() <= 75,
            "a line of {} octets is not folded: {:?}",
            line.len(),
            String::from_utf8_lossy(line)
        );
        let text = std::str::from_utf8(line)
            .unwrap_or_else(|_| panic!("a fold splits a character: {line:?}"));
        if text.starts_with("DTSTART") || text.starts_with("DTEND") {
            assert!(text.ends_with('Z'), "not in UTC: {text}");
            assert!(!text.contains("TZID"), "not in UTC: {text}");
        }
    }
}

backend_tests! {
    async fn a_session_created_in_a_time_zone_starts_at_the_instant_it_names_answered_in_utc(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let reply = post_session(&app, movie, london_session()).await;
        reply.assert_status(200);
        let id = reply.body["created"].as_i64().expect("the new session's id");
        let created = &reply.body["session"];
        assert_eq!(created["id"], json!(id));
        assert_eq!(created["movie_id"], json!(movie));
        assert_eq!(created["starts_at"], json!(LONDON_START), "09:00 BST is 08:00 UTC");
        for field in ["name", "kind", "time_zone", "slot_minutes", "slots", "location"] {
            assert_eq!(created[field], london_session()[field], "{field}");
        }
        assert_eq!(created["appointments"], json!([]));
        let created_at = timestamp(&created["created_at"]);
        assert_eq!(timestamp(&created["updated_at"]), created_at);
        let etag = reply.etag();

        let (read_back, read_etag) = session_and_etag(&app, id).await;
        assert_eq!(&read_back, created, "the session reads back as it was answered");
        assert_eq!(read_etag, etag, "the ETag of the write is the session's");
        assert_eq!(movie_sessions(&app, movie).await, vec![created.clone()]);

        // The same instant written in UTC, and the day before the clocks change (GMT, +00:00).
        let utc = create_session(&app, movie, json!({"name": "Same time", "starts_at": "2027-03-28T08:00:00Z", "time_zone": "Europe/London"})).await;
        assert_eq!(session(&app, utc).await["starts_at"], json!(LONDON_START));
        let winter = create_session(&app, movie, json!({"name": "Day before", "starts_at": "2027-03-27T09:00:00+00:00", "time_zone": "Europe/London"})).await;
        assert_eq!(session(&app, winter).await["starts_at"], json!("2027-03-27T09:00:00Z"));
        // Listed by start.
        let listed: Vec<i64> = movie_sessions(&app, movie).await.iter().map(|s| s["id"].as_i64().unwrap()).collect();
        assert_eq!(listed, [winter, id, utc]);
        app.get(Caller::CastingAssistant, &format!("/movies/{}/sessions", movie + 1000))
            .await
            .assert_error(404, "not_found");
    }

    async fn a_session_takes_defaults_for_what_is_not_given(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let id = create_session(&app, movie, json!({"name": "  Walk-ins ", "starts_at": "2027-01-05T10:30:00-05:00"})).await;
        let created = session(&app, id).await;
        assert_eq!(created["name"], json!("Walk-ins"));
        assert_eq!(created["kind"], json!("audition"));
        assert_eq!(created["time_zone"], json!("UTC"));
        assert_eq!(created["slot_minutes"], json!(15));
        assert_eq!(created["slots"], json!(20));
        assert_eq!(created["location"], Value::Null);
        assert_eq!(created["starts_at"], json!("2027-01-05T15:30:00Z"));
        // At the limits, each field is accepted.
        let widest = create_session(&app, movie, json!({
            "name": "é".repeat(200), "kind": "callback", "starts_at": "2027-01-05T10:30:00Z",
            "time_zone": "America/New_York", "slot_minutes": 240, "slots": 200, "location": "l".repeat(300),
        })).await;
        let read = session(&app, widest).await;
        assert_eq!((read["kind"].clone(), read["slot_minutes"].clone(), read["slots"].clone()), (json!("callback"), json!(240), json!(200)));
        let narrowest = create_session(&app, movie, json!({"name": "x", "starts_at": "2027-01-05T10:30:00Z", "slot_minutes": 5, "slots": 1})).await;
        assert_eq!(session(&app, narrowest).await["slots"], json!(1));
    }

    async fn an_unknown_time_zone_or_any_broken_session_rule_is_422_and_creates_nothing(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let existing = create_session(&app, movie, london_session()).await;
        let with = |field: &str, value: Value| {
            let mut body = london_session();
            body[field] = value;
            body
        };
        let without = |field: &str| {
            let mut body = london_session();
            body.as_object_mut().unwrap().remove(field);
            body
        };
        let cases = [
            (with("time_zone", json!("Mars/Olympus")), "time_zone"),
            (with("time_zone", json!("")), "time_zone"),
            (with("time_zone", json!(1)), "time_zone"),
            (with("starts_at", json!("2027-03-28T09:00:00")), "starts_at"),
            (with("starts_at", json!("28/03/2027 09:00")), "starts_at"),
            (with("starts_at", json!("2027-02-30T09:00:00Z")), "starts_at"),
            (without("starts_at"), "starts_at"),
            (with("kind", json!("screen test")), "kind"),
            (with("slot_minutes", json!(4)), "slot_minutes"),
            (with("slot_minutes", json!(241)), "slot_minutes"),
            (with("slots", json!(0)), "slots"),
            (with("slots", json!(201)), "slots"),
            (with("slots", json!(1.5)), "slots"),
            (with("name", json!("")), "name"),
            (with("name", json!("x".repeat(201))), "name"),
            (with("name", json!("a\u{0}b")), "name"),
            (without("name"), "name"),
            (with("location", json!("l".repeat(301))), "location"),
            (with("appointments", json!([])), "appointments"),
            (with("id", json!(7)), "id"),
        ];
        let before = movie_sessions(&app, movie).await;
        let path = format!("/movies/{movie}/sessions");
        for (body, field) in &cases {
            let reply = app.post(Caller::CastingDirector, &path, body.clone()).await;
            reply.assert_error(422, "validation_failed");
            assert!(reply.message().contains(field), "POST {body}: {}", reply.message());
        }
        // The same rules hold for a change.
        for (field, value) in [("time_zone", json!("Mars/Olympus")), ("slots", json!(0)), ("kind", json!("table read")), ("starts_at", json!("soon"))] {
            let reply = app.patch(Caller::CastingDirector, &session_path(existing), json!({field: value})).await;
            reply.assert_error(422, "validation_failed");
            assert!(reply.message().contains(field), "PATCH {field}: {}", reply.message());
        }
        assert_eq!(movie_sessions(&app, movie).await, before, "nothing was created or changed");
    }

    async fn booking_a_slot_makes_an_invited_appointment_at_its_time_and_freeing_it_removes_it(app) {
        let cast = casting(&app, 2).await;
        let id = create_session(&app, cast.movie, london_session()).await;
        let (_, etag) = session_and_etag(&app, id).await;

        let reply = book(&app, id, 2, cast.role, cast.actors[0]).await;
        reply.assert_status(200);
        assert_ne!(reply.etag(), etag, "a booking changes the session's ETag");
        let booked = reply.body["session"].clone();
        assert_eq!(booked, session(&app, id).await, "the answer is the session as stored");
        let appointment = &booked["appointments"][0];
        assert_eq!(appointments(&booked), [(2, cast.actors[0], "invited".to_owned())]);
        assert_eq!(appointment["role_id"], json!(cast.role));
        assert_eq!(appointment["starts_at"], json!("2027-03-28T08:40:00Z"), "slot 2 of 20 minutes");
        assert_eq!(appointment["ends_at"], json!("2027-03-28T09:00:00Z"));
        let actor = &appointment["actor"];
        assert_eq!(actor["name"], json!("Actor 0"));
        assert_eq!((actor["playing_age_min"].clone(), actor["playing_age_max"].clone()), (json!(18), json!(25)));
        assert_eq!(actor["photo"], Value::Null);

        // Appointments come in slot order, whatever the order of booking.
        book(&app, id, 0, cast.role, cast.actors[1]).await.assert_status(200);
        let both = session(&app, id).await;
        assert_eq!(appointments(&both), [(0, cast.actors[1], "invited".to_owned()), (2, cast.actors[0], "invited".to_owned())]);
        assert_eq!(both["appointments"][0]["starts_at"], json!(LONDON_START));

        // The same booking again changes nothing.
        let history = session_history(&app, id).await;
        let again = book(&app, id, 2, cast.role, cast.actors[0]).await;
        again.assert_status(200);
        assert_eq!(again.body["session"], both);
        assert_eq!(session(&app, id).await, both);
        assert_eq!(session_history(&app, id).await, history, "nothing recorded");

        // Freeing a slot removes its appointment; a free slot cannot be freed.
        let freed = app.delete(Caller::CastingDirector, &slot_path(id, 2)).await;
        freed.assert_status(200);
        assert_eq!(appointments(&freed.body["session"]), [(0, cast.actors[1], "invited".to_owned())]);
        assert_eq!(freed.body["session"], session(&app, id).await);
        app.delete(Caller::CastingDirector, &slot_path(id, 2)).await.assert_error(404, "not_found");
        // The actor can be booked again, in another slot.
        book(&app, id, 5, cast.role, cast.actors[0]).await.assert_status(200);
        assert_eq!(session(&app, id).await["appointments"][1]["starts_at"], json!("2027-03-28T09:40:00Z"));

        // Each booking and freeing is in the session's history, newest first.
        let history = session_history(&app, id).await;
        let actions: Vec<&str> = history.iter().map(|entry| entry["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["appointment", "appointment", "appointment", "appointment", "create"], "{history:?}");
    }

    async fn a_slot_outside_the_session_is_404_and_changes_nothing(app) {
        let cast = casting(&app, 2).await;
        let id = create_session(&app, cast.movie, london_session()).await; // slots 0 to 5
        book(&app, id, 5, cast.role, cast.actors[0]).await.assert_status(200);
        let before = state_of(&app, id, cast.role).await;

        for slot in [6, 7, 200, 1_000_000] {
            let reply = book(&app, id, slot, cast.role, cast.actors[1]).await;
            reply.assert_error(404, "not_found");
            set_state(&app, Caller::CastingDirector, id, slot, "confirmed").await.assert_error(404, "not_found");
            app.delete(Caller::CastingDirector, &slot_path(id, slot)).await.assert_error(404, "not_found");
        }
        assert_eq!(state_of(&app, id, cast.role).await, before, "nothing changed");

        // A session that does not exist has no slots.
        let missing = id + 1000;
        book(&app, missing, 0, cast.role, cast.actors[1]).await.assert_error(404, "not_found");
        app.get(Caller::CastingAssistant, &session_path(missing)).await.assert_error(404, "not_found");
        autofill(&app, missing, cast.role, "shortlisted").await.assert_error(404, "not_found");
        assert_eq!(state_of(&app, id, cast.role).await, before, "nothing changed");
        // A malformed id is 400, not 404.
        app.get(Caller::CastingAssistant, "/sessions/abc").await.assert_error(400, "bad_request");
    }

    async fn an_actor_who_is_not_a_candidate_of_the_role_is_422_and_changes_nothing(app) {
        let cast = casting(&app, 1).await;
        let other_role = create_role(&app, cast.movie, json!({"name": "Jake Sully"})).await;
        let elsewhere = app.create_actor("Sam Worthington", 48, "male").await;
        put_candidate(&app, other_role, elsewhere, None).await.assert_status(200);
        let stranger = app.create_actor("Nobody's Candidate", 30, "male").await;
        let id = create_session(&app, cast.movie, london_session()).await;
        let before = state_of(&app, id, cast.role).await;
        let other_before = candidates(&app, other_role).await;

        // A candidate of another role, an actor who is no one's, an actor who does not exist.
        for actor in [elsewhere, stranger, stranger + 1000] {
            let reply = book(&app, id, 0, cast.role, actor).await;
            reply.assert_error(422, "validation_failed");
            assert!(reply.message().contains("actor_id"), "actor {actor}: {}", reply.message());
        }
        for body in [json!({"role_id": cast.role}), json!({"actor_id": cast.actors[0]}), json!({"role_id": cast.role, "actor_id": "one"})] {
            app.put(Caller::CastingDirector, &slot_path(id, 0), body.clone())
                .await
                .assert_error(422, "validation_failed");
        }
        assert_eq!(state_of(&app, id, cast.role).await, before, "nothing changed");
        assert_eq!(candidates(&app, other_role).await, other_before);

        // The candidate of the other role is booked for that role.
        book(&app, id, 0, other_role, elsewhere).await.assert_status(200);
    }

    async fn a_role_of_another_movie_is_422_and_changes_nothing(app) {
        let cast = casting(&app, 1).await;
        let other_movie = app.create_movie("Alien", "1979-05-25").await;
        let other_role = create_role(&app, other_movie, json!({"name": "Ripley"})).await;
        // The actor is a candidate of both.
        put_candidate(&app, other_role, cast.actors[0], None).await.assert_status(200);
        let id = create_session(&app, cast.movie, london_session()).await;
        let before = state_of(&app, id, cast.role).await;
        let other_before = (candidates(&app, other_role).await, role_history(&app, other_role).await);

        let reply = book(&app, id, 0, other_role, cast.actors[0]).await;
        reply.assert_error(422, "validation_failed");
        assert!(reply.message().contains("role_id"), "{}", reply.message());
        let reply = autofill(&app, id, other_role, "submitted").await;
        reply.assert_error(422, "validation_failed");
        assert!(reply.message().contains("role_id"), "{}", reply.message());

        assert_eq!(state_of(&app, id, cast.role).await, before, "nothing changed");
        assert_eq!((candidates(&app, other_role).await, role_history(&app, other_role).await), other_before);
    }

    async fn an_actor_booked_twice_in_one_session_is_409_and_changes_nothing(app) {
        let cast = casting(&app, 1).await;
        let actor = cast.actors[0];
        let other_role = create_role(&app, cast.movie, json!({"name": "Jake Sully"})).await;
        put_candidate(&app, other_role, actor, None).await.assert_status(200);
        let id = create_session(&app, cast.movie, london_session()).await;
        book(&app, id, 0, cast.role, actor).await.assert_status(200);
        let before = state_of(&app, id, cast.role).await;

        // In another slot, for the same role or for another.
        book(&app, id, 1, cast.role, actor).await.assert_error(409, "conflict");
        book(&app, id, 3, other_role, actor).await.assert_error(409, "conflict");
        assert_eq!(state_of(&app, id, cast.role).await, before, "nothing changed");

        // Another session may have them.
        let other = create_session(&app, cast.movie, london_session()).await;
        book(&app, other, 1, cast.role, actor).await.assert_status(200);
        assert_eq!(state_of(&app, id, cast.role).await["session"], before["session"]);
    }

    async fn a_slot_that_is_taken_is_409_and_changes_nothing(app) {
        let cast = casting(&app, 2).await;
        let id = create_session(&app, cast.movie, london_session()).await;
        book(&app, id, 4, cast.role, cast.actors[0]).await.assert_status(200);
        let before = state_of(&app, id, cast.role).await;

        let reply = book(&app, id, 4, cast.role, cast.actors[1]).await;
        reply.assert_error(409, "conflict");
        assert_eq!(state_of(&app, id, cast.role).await, before, "nothing changed");
        assert_eq!(appointments(&session(&app, id).await), [(4, cast.actors[0], "invited".to_owned())]);
    }

    async fn two_actors_booked_into_one_slot_at_once_get_one_appointment(app) {
        let cast = casting(&app, 6).await;
        let id = create_session(&app, cast.movie, london_session()).await;
        let app = &app;
        let role = cast.role;
        let bookings = cast.actors.iter().map(|actor| async move { book(app, id, 3, role, *actor).await });
        let replies = futures_util::future::join_all(bookings).await;
        let mut won = 0;
        for reply in &replies {
            match reply.status {
                200 => won += 1,
                _ => {
                    reply.assert_error(409, "conflict");
                }
            }
        }
        assert_eq!(won, 1, "exactly one booking wins");
        assert_eq!(session(app, id).await["appointments"].as_array().unwrap().len(), 1);
    }

    async fn the_director_confirms_and_the_assistant_checks_in_and_marks_seen_or_no_show(app) {
        let cast = casting(&app, 2).await;
        let id = create_session(&app, cast.movie, london_session()).await;
        book(&app, id, 0, cast.role, cast.actors[0]).await.assert_status(200);
        book(&app, id, 1, cast.role, cast.actors[1]).await.assert_status(200);

        let reply = set_state(&app, Caller::CastingDirector, id, 0, "confirmed").await;
        reply.assert_status(200);
        assert_eq!(appointments(&reply.body["session"])[0], (0, cast.actors[0], "confirmed".to_owned()));
        assert_eq!(reply.body["session"], session(&app, id).await);
        for state in ["checked_in", "seen"] {
            let reply = set_state(&app, Caller::CastingAssistant, id, 0, state).await;
            reply.assert_status(200);
            assert_eq!(appointments(&session(&app, id).await)[0].2, state);
        }
        set_state(&app, Caller::CastingDirector, id, 1, "declined").await.assert_status(200);
        set_state(&app, Caller::CastingDirector, id, 1, "invited").await.assert_status(200);
        set_state(&app, Caller::CastingAssistant, id, 1, "no_show").await.assert_status(200);
        assert_eq!(appointments(&session(&app, id).await), [
            (0, cast.actors[0], "seen".to_owned()),
            (1, cast.actors[1], "no_show".to_owned()),
        ]);
        // A director may check people in too (patch:movie covers patch:session).
        set_state(&app, Caller::CastingDirector, id, 1, "checked_in").await.assert_status(200);
        assert_eq!(appointments(&session(&app, id).await)[1].2, "checked_in");

        // A free slot has no state; an unknown state is 422.
        set_state(&app, Caller::CastingAssistant, id, 2, "seen").await.assert_error(404, "not_found");
        let before = state_of(&app, id, cast.role).await;
        for state in [json!("late"), json!(""), json!(null), json!(3)] {
            let reply = app.patch(Caller::CastingDirector, &slot_path(id, 0), json!({"state": state})).await;
            reply.assert_error(422, "validation_failed");
            assert!(reply.message().contains("state"), "{state}: {}", reply.message());
        }
        assert_eq!(state_of(&app, id, cast.role).await, before, "nothing changed");
    }

    async fn an_assistant_confirming_an_appointment_is_403_and_changes_nothing(app) {
        let cast = casting(&app, 2).await;
        let id = create_session(&app, cast.movie, london_session()).await;
        book(&app, id, 0, cast.role, cast.actors[0]).await.assert_status(200);
        let before = state_of(&app, id, cast.role).await;

        for state in ["confirmed", "declined", "invited"] {
            set_state(&app, Caller::CastingAssistant, id, 0, state).await.assert_error(403, "forbidden");
        }
        for state in ["confirmed", "checked_in", "seen"] {
            set_state(&app, Caller::Anonymous, id, 0, state).await.assert_error(401, "unauthorized");
        }
        assert_eq!(state_of(&app, id, cast.role).await, before, "nothing changed");
    }

    async fn a_casting_assistant_reads_sessions_and_cannot_write_them_and_nobody_without_a_token_can_do_either(app) {
        let cast = casting(&app, 2).await;
        let id = create_session(&app, cast.movie, london_session()).await;
        book(&app, id, 0, cast.role, cast.actors[0]).await.assert_status(200);
        let before = state_of(&app, id, cast.role).await;
        let sessions_before = movie_sessions(&app, cast.movie).await;

        for path in [format!("/movies/{}/sessions", cast.movie), session_path(id), format!("/sessions/{id}/history")] {
            app.get(Caller::CastingAssistant, &path).await.assert_status(200);
            app.get(Caller::Anonymous, &path).await.assert_error(401, "unauthorized");
        }
        for caller in [Caller::CastingAssistant, Caller::Anonymous] {
            let (status, code) = if caller == Caller::Anonymous { (401, "unauthorized") } else { (403, "forbidden") };
            app.post(caller, &format!("/movies/{}/sessions", cast.movie), london_session()).await.assert_error(status, code);
            app.patch(caller, &session_path(id), json!({"name": "Changed"})).await.assert_error(status, code);
            app.delete(caller, &session_path(id)).await.assert_error(status, code);
            app.put(caller, &slot_path(id, 1), json!({"role_id": cast.role, "actor_id": cast.actors[1]})).await.assert_error(status, code);
            app.delete(caller, &slot_path(id, 0)).await.assert_error(status, code);
            app.post(caller, &format!("/sessions/{id}/autofill"), json!({"role_id": cast.role, "status": "shortlisted"}))
                .await
                .assert_error(status, code);
        }
        assert_eq!(state_of(&app, id, cast.role).await, before, "no refused write changed anything");
        assert_eq!(movie_sessions(&app, cast.movie).await, sessions_before);
    }

    async fn autofill_books_the_free_slots_best_rank_first_and_moves_them_to_audition(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        let role = create_role(&app, movie, json!({"name": "Neytiri"})).await;
        // Added in this order: (name, status, rank).
        let people = [
            ("Unranked First", "shortlisted", None),
            ("Rank Three", "shortlisted", Some(3)),
            ("Still Submitted", "submitted", Some(1)),
            ("Rank One", "shortlisted", Some(1)),
            ("Unranked Second", "shortlisted", None),
            ("Already Booked In", "shortlisted", Some(1)),
        ];
        let mut ids = Vec::new();
        for (name, status, rank) in people {
            let actor = app.create_actor(name, 30, "female").await;
            put_candidate(&app, role, actor, Some(json!({"status": status, "rank": rank}))).await.assert_status(200);
            ids.push(actor);
        }
        let [unranked_first, rank_three, submitted, rank_one, unranked_second, booked_in] = ids[..] else { unreachable!() };
        let id = create_session(&app, movie, json!({"name": "Round one", "starts_at": LONDON_START, "slots": 6})).await;
        book(&app, id, 1, role, booked_in).await.assert_status(200);

        let reply = autofill(&app, id, role, "shortlisted").await;
        reply.assert_status(200);
        assert_eq!(reply.body["scheduled"], json!(4));
        let filled = session(&app, id).await;
        assert_eq!(reply.body["session"], filled);
        let invited = |slot: i64, actor: i64| (slot, actor, "invited".to_owned());
        assert_eq!(appointments(&filled), [
            invited(0, rank_one),
            invited(1, booked_in),
            invited(2, rank_three),
            invited(3, unranked_first),
            invited(4, unranked_second),
        ], "rank 1, then rank 3, then the unranked in the order they were added, in free slots in order");

        for actor in [rank_one, rank_three, unranked_first, unranked_second] {
            assert_eq!(candidate(&app, role, actor).await["status"], json!("audition"), "actor {actor}");
        }
        assert_eq!(candidate(&app, role, submitted).await["status"], json!("submitted"), "another status is left alone");
        assert_eq!(candidate(&app, role, booked_in).await["status"], json!("shortlisted"), "one already in the session is not scheduled");
        let moves = role_history(&app, role).await.iter().take(4).filter(|entry| entry["action"] == json!("candidate")).count();
        assert_eq!(moves, 4, "each move is in the role's history");

        // Nobody is left in that status who is not in the session: nothing more is scheduled.
        let again = autofill(&app, id, role, "shortlisted").await;
        again.assert_status(200);
        assert_eq!(again.body["scheduled"], json!(0));
        assert_eq!(session(&app, id).await, filled);
    }

    async fn autofill_that_schedules_one_candidate_works_after_bookings_on_every_connection(app) {
        // A booking and an autofill of one candidate write the same row: they must agree on how
        // (a prepared statement of one, reused by the other on the same connection, once made
        // autofill fail with a 500 on PostgreSQL).
        let cast = casting(&app, 2).await;
        for round in 0..12 {
            let id = create_session(&app, cast.movie, json!({"name": format!("Round {round}"), "starts_at": LONDON_START, "slots": 2})).await;
            book(&app, id, 0, cast.role, cast.actors[0]).await.assert_status(200);
            put_candidate(&app, cast.role, cast.actors[1], Some(json!({"status": "shortlisted"}))).await.assert_status(200);
            let reply = autofill(&app, id, cast.role, "shortlisted").await;
            reply.assert_status(200);
            assert_eq!(reply.body["scheduled"], json!(1), "round {round}");
            assert_eq!(appointments(&session(&app, id).await), [
                (0, cast.actors[0], "invited".to_owned()),
                (1, cast.actors[1], "invited".to_owned()),
            ]);
        }
    }

    async fn autofill_stops_when_the_session_is_full(app) {
        let cast = casting(&app, 5).await;
        for (actor, rank) in cast.actors.iter().zip([None, Some(2), None, Some(1), Some(6)]) {
            put_candidate(&app, cast.role, *actor, Some(json!({"rank": rank}))).await.assert_status(200);
        }
        let id = create_session(&app, cast.movie, json!({"name": "Short", "starts_at": LONDON_START, "slots": 3})).await;
        let reply = autofill(&app, id, cast.role, "shortlisted").await;
        reply.assert_status(200);
        assert_eq!(reply.body["scheduled"], json!(3));
        let a = &cast.actors;
        let slots: Vec<(i64, i64)> = appointments(&session(&app, id).await).into_iter().map(|(slot, actor, _)| (slot, actor)).collect();
        assert_eq!(slots, [(0, a[3]), (1, a[1]), (2, a[4])]);
        for (actor, status) in [(a[0], "shortlisted"), (a[1], "audition"), (a[2], "shortlisted"), (a[3], "audition"), (a[4], "audition")] {
            assert_eq!(candidate(&app, cast.role, actor).await["status"], json!(status), "actor {actor}");
        }
        let before = state_of(&app, id, cast.role).await;
        let full = autofill(&app, id, cast.role, "shortlisted").await;
        full.assert_status(200);
        assert_eq!(full.body["scheduled"], json!(0));
        assert_eq!(state_of(&app, id, cast.role).await, before, "a full session changes nothing");
    }

    async fn autofill_of_a_callback_session_moves_the_candidates_to_callback(app) {
        let cast = casting(&app, 2).await;
        for actor in &cast.actors {
            put_candidate(&app, cast.role, *actor, Some(json!({"status": "audition"}))).await.assert_status(200);
        }
        let mut body = london_session();
        body["kind"] = json!("callback");
        let id = create_session(&app, cast.movie, body).await;
        let reply = autofill(&app, id, cast.role, "audition").await;
        reply.assert_status(200);
        assert_eq!(reply.body["scheduled"], json!(2));
        for actor in &cast.actors {
            assert_eq!(candidate(&app, cast.role, *actor).await["status"], json!("callback"));
        }
        let scheduled: Vec<i64> = appointments(&session(&app, id).await).iter().map(|(_, actor, _)| *actor).collect();
        assert_eq!(scheduled, cast.actors, "unranked, in the order they were added");
    }

    async fn autofill_from_booked_or_an_unknown_status_is_422_and_changes_nothing(app) {
        let cast = casting(&app, 2).await;
        put_candidate(&app, cast.role, cast.actors[0], Some(json!({"status": "booked"}))).await.assert_status(200);
        let id = create_session(&app, cast.movie, london_session()).await;
        let before = state_of(&app, id, cast.role).await;
        let movie_before = app.movie(cast.movie).await;
        for status in ["booked", "famous", ""] {
            let reply = autofill(&app, id, cast.role, status).await;
            reply.assert_error(422, "validation_failed");
            assert!(reply.message().contains("status"), "{status}: {}", reply.message());
        }
        assert_eq!(state_of(&app, id, cast.role).await, before, "nothing changed");
        assert_eq!(app.movie(cast.movie).await, movie_before, "the cast is untouched");
    }

    async fn patching_a_session_moves_its_appointments_and_fewer_slots_than_a_booking_needs_is_409(app) {
        let cast = casting(&app, 2).await;
        let id = create_session(&app, cast.movie, london_session()).await;
        book(&app, id, 4, cast.role, cast.actors[0]).await.assert_status(200);
        let (before, etag) = session_and_etag(&app, id).await;

        // Slot 4 needs five slots.
        let reply = app.patch(Caller::CastingDirector, &session_path(id), json!({"slots": 4})).await;
        reply.assert_error(409, "conflict");
        assert!(reply.message().contains("slot"), "{}", reply.message());
        assert_eq!(session_and_etag(&app, id).await, (before.clone(), etag.clone()), "nothing changed");

        let reply = app.call(Caller::CastingDirector, Method::PATCH, &session_path(id))
            .header("If-Match", &etag)
            .json(&json!({"slots": 5, "starts_at": "2027-03-29T10:00:00+01:00", "slot_minutes": 30, "location": null}))
            .send()
            .await;
        reply.assert_status(200);
        let after = reply.body["session"].clone();
        assert_eq!(after, session(&app, id).await);
        assert_eq!(after["slots"], json!(5));
        assert_eq!(after["starts_at"], json!("2027-03-29T09:00:00Z"));
        assert_eq!(after["location"], Value::Null);
        assert_eq!(after["name"], before["name"], "a field not named is kept");
        assert_eq!(after["appointments"][0]["starts_at"], json!("2027-03-29T11:00:00Z"), "slot 4 of 30 minutes");
        assert_eq!(after["appointments"][0]["ends_at"], json!("2027-03-29T11:30:00Z"));
        // The old ETag is stale now.
        app.call(Caller::CastingDirector, Method::PATCH, &session_path(id))
            .header("If-Match", &etag)
            .json(&json!({"name": "Lost update"}))
            .send()
            .await
            .assert_error(412, "precondition_failed");
        assert_eq!(session(&app, id).await, after);
        let history = session_history(&app, id).await;
        assert_eq!(history[0]["action"], json!("update"));
        assert_eq!(history[0]["changes"]["slots"], json!({"from": 6, "to": 5}));
    }

    async fn deleting_a_session_answers_its_id_and_its_history_stays(app) {
        let cast = casting(&app, 1).await;
        let id = create_session(&app, cast.movie, london_session()).await;
        let stays = create_session(&app, cast.movie, london_session()).await;
        book(&app, id, 0, cast.role, cast.actors[0]).await.assert_status(200);

        let reply = app.delete(Caller::CastingDirector, &session_path(id)).await;
        reply.assert_status(200);
        assert_eq!(reply.body["deleted"], json!(id));
        assert_eq!(session(&app, id).await, Value::Null);
        app.delete(Caller::CastingDirector, &session_path(id)).await.assert_error(404, "not_found");
        let listed: Vec<i64> = movie_sessions(&app, cast.movie).await.iter().map(|s| s["id"].as_i64().unwrap()).collect();
        assert_eq!(listed, [stays]);
        assert_eq!(candidate(&app, cast.role, cast.actors[0]).await["status"], json!("shortlisted"), "the candidate stays");
        let history = session_history(&app, id).await;
        assert_eq!(history[0]["action"], json!("delete"), "{history:?}");
        assert_eq!(history.last().unwrap()["action"], json!("create"));

        // Deleting the movie deletes its sessions.
        app.delete(Caller::ExecutiveProducer, &format!("/movies/{}", cast.movie)).await.assert_status(200);
        assert_eq!(session(&app, stays).await, Value::Null);
    }

    async fn deleting_an_actor_frees_their_slots(app) {
        let cast = casting(&app, 2).await;
        let id = create_session(&app, cast.movie, london_session()).await;
        book(&app, id, 0, cast.role, cast.actors[0]).await.assert_status(200);
        book(&app, id, 1, cast.role, cast.actors[1]).await.assert_status(200);
        app.delete(Caller::ExecutiveProducer, &format!("/actors/{}", cast.actors[0])).await.assert_status(200);
        assert_eq!(appointments(&session(&app, id).await), [(1, cast.actors[1], "invited".to_owned())]);
        // The slot is free again.
        book(&app, id, 0, cast.role, cast.actors[1]).await.assert_error(409, "conflict");
        let newcomer = app.create_actor("Newcomer", 22, "female").await;
        put_candidate(&app, cast.role, newcomer, None).await.assert_status(200);
        book(&app, id, 0, cast.role, newcomer).await.assert_status(200);
    }

    async fn a_movie_has_at_most_200_sessions(app) {
        let movie = app.create_movie("Epic", "2000-01-01").await;
        let path = format!("/movies/{movie}/sessions");
        for batch in 0..20 {
            let creations = (0..10).map(|n| {
                let path = path.clone();
                let app = &app;
                async move {
                    app.post(Caller::CastingDirector, &path, json!({"name": format!("Day {}", batch * 10 + n), "starts_at": LONDON_START})).await
                }
            });
            for reply in futures_util::future::join_all(creations).await {
                reply.assert_status(200);
            }
        }
        assert_eq!(movie_sessions(&app, movie).await.len(), 200);
        app.post(Caller::CastingDirector, &path, json!({"name": "One too many", "starts_at": LONDON_START}))
            .await
            .assert_error(409, "conflict");
        let listed = movie_sessions(&app, movie).await;
        assert_eq!(listed.len(), 200, "nothing was added");
        assert!(listed.iter().all(|s| s["name"] != json!("One too many")));
    }

    async fn the_calendar_export_is_rfc_5545_that_icalendar_reads_back_in_utc_with_stable_uids(app) {
        let movie = app.create_movie("Avatar", "2009-12-18").await;
        // Long names with accents and the characters iCalendar escapes, so that lines fold.
        let role = create_role(&app, movie, json!({"name": "Neytiri, daughter of Mo'at; huntress of the Omaticaya"})).await;
        let names = ["Zoë Saldaña-Perego de la Cruz y Montenegro Ñúñez", "Ana Lima", "Bo Chen"];
        let mut actors = Vec::new();
        for name in names {
            let actor = app.create_actor(name, 30, "female").await;
            put_candidate(&app, role, actor, None).await.assert_status(200);
            actors.push(actor);
        }
        let mut body = london_session();
        body["location"] = json!("Stage 4, Pinewood Studios; Pinewood Road, Iver Heath, Buckinghamshire SL0 0NH, United Kingdom");
        let id = create_session(&app, movie, body.clone()).await;
        book(&app, id, 0, role, actors[0]).await.assert_status(200);
        book(&app, id, 3, role, actors[1]).await.assert_status(200);
        book(&app, id, 5, role, actors[2]).await.assert_status(200);

        let (status, content_type, file) = calendar(&app, id).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&file));
        assert!(content_type.starts_with("text/calendar"), "{content_type}");
        assert_rfc5545_lines(&file);
        let text = String::from_utf8(file.clone()).unwrap();
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
        assert!(text.ends_with("END:VCALENDAR\r\n"), "{text}");

        let parsed = parse_calendar(&file).await;
        assert_eq!(parsed["errors"], json!([]), "icalendar finds nothing wrong: {text}");
        assert_eq!(parsed["version"], json!("2.0"));
        assert_eq!(parsed["prodid"], json!(true), "PRODID is required");
        let role_name = "Neytiri, daughter of Mo'at; huntress of the Omaticaya";
        let location = body["location"].clone();
        let event = |actor: i64, name: &str, start: &str, end: &str| json!({
            "uid": format!("session-{id}-actor-{actor}@movie-manager"),
            "dtstart": start, "dtend": end, "dtstamp": true,
            "summary": format!("{name} for {role_name}"),
            "location": location,
        });
        let mut events = parsed["events"].as_array().cloned().unwrap();
        events.sort_by_key(|event| event["dtstart"].as_str().unwrap().to_owned());
        assert_eq!(events, [
            event(actors[0], names[0], "2027-03-28T08:00:00+00:00", "2027-03-28T08:20:00+00:00"),
            event(actors[1], names[1], "2027-03-28T09:00:00+00:00", "2027-03-28T09:20:00+00:00"),
            event(actors[2], names[2], "2027-03-28T09:40:00+00:00", "2027-03-28T10:00:00+00:00"),
        ]);

        // Exported again, after a change of slot, each appointment keeps its UID.
        app.delete(Caller::CastingDirector, &slot_path(id, 3)).await.assert_status(200);
        book(&app, id, 1, role, actors[1]).await.assert_status(200);
        let (status, _, again) = calendar(&app, id).await;
        assert_eq!(status, 200);
        assert_rfc5545_lines(&again);
        let reparsed = parse_calendar(&again).await;
        let uids = |parsed: &Value| {
            let mut uids: Vec<String> = parsed["events"].as_array().unwrap().iter().map(|e| e["uid"].as_str().unwrap().to_owned()).collect();
            uids.sort();
            uids
        };
        assert_eq!(uids(&reparsed), uids(&parsed), "the UIDs are stable");
        let moved = reparsed["events"].as_array().unwrap().iter().find(|e| e["uid"] == json!(format!("session-{id}-actor-{}@movie-manager", actors[1]))).unwrap();
        assert_eq!(moved["dtstart"], json!("2027-03-28T08:20:00+00:00"));

        // A session without a location has events without one; a session with no appointments
        // is a calendar with no events; the calendar needs get:movies.
        let plain = create_session(&app, movie, json!({"name": "No place", "starts_at": "2027-07-01T12:00:00+02:00", "time_zone": "Europe/Paris"})).await;
        let (status, _, empty) = calendar(&app, plain).await;
        assert_eq!(status, 200);
        assert_rfc5545_lines(&empty);
        assert_eq!(parse_calendar(&empty).await["events"], json!([]));
        book(&app, plain, 2, role, actors[0]).await.assert_status(200);
        let (_, _, one) = calendar(&app, plain).await;
        let one = parse_calendar(&one).await;
        assert_eq!(one["events"][0]["location"], Value::Null);
        assert_eq!(one["events"][0]["dtstart"], json!("2027-07-01T10:30:00+00:00"), "slot 2 of 15 minutes after 10:00 UTC");
        let anonymous = app.request(Method::GET, &session_path(id)).header("Accept", "text/calendar").send().await;
        anonymous.assert_error(401, "unauthorized");
        let (status, _, _) = calendar(&app, id + 1000).await;
        assert_eq!(status, 404);
    }

    async fn the_calendar_times_follow_the_sessions_start_across_a_change_of_clocks(app) {
        // From 00:50 GMT in London on the night the clocks go forward at 01:00 UTC: the slots
        // are 15 minutes apart in UTC, whatever the local clock does (slot 3 is 02:35 BST).
        let cast = casting(&app, 1).await;
        let id = create_session(&app, cast.movie, json!({"name": "Night shoot", "starts_at": "2027-03-28T00:50:00+00:00", "time_zone": "Europe/London", "slots": 4})).await;
        book(&app, id, 3, cast.role, cast.actors[0]).await.assert_status(200);
        let start = instant(session(&app, id).await["appointments"][0]["starts_at"].as_str().unwrap());
        assert_eq!(start, instant("2027-03-28T00:50:00Z") + Duration::minutes(45));
        let (_, _, file) = calendar(&app, id).await;
        let parsed = parse_calendar(&file).await;
        assert_eq!(parsed["events"][0]["dtstart"], json!("2027-03-28T01:35:00+00:00"));
    }
}
