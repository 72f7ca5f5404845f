//! Live updates: a role's and a session's changes as `text/event-stream`, each event its history
//! entry with that entry's id; `Last-Event-ID` replaying what a client missed, or a `reset` first
//! when that cannot be done; changes made on another instance; and streams that do not count as
//! requests in flight.

use std::time::Duration;

use serde_json::{Value, json};

use crate::candidates::bulk;
use crate::helpers::{Backend, Caller, TestApp, backend_tests, once_tests};
use crate::presentations::{post_feedback, share};
use crate::roles::{create_role, move_to, put_candidate, role_history};
use crate::sessions::{book, create_session, london_session, session_history, set_state};

/// How long a test waits for an event: generous, this is not a test of speed.
const WAIT: Duration = Duration::from_secs(10);

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: Option<String>,
    pub event: String,
    pub data: String,
}

impl Event {
    /// The data, which must be JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|_| panic!("the data of {self:?} is not JSON"))
    }

    /// The id, which must be a history entry's.
    #[track_caller]
    pub fn history_id(&self) -> i64 {
        self.id
            .as_deref()
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("{self:?} has no id of a history entry"))
    }
}

/// An open `text/event-stream`, read as it comes.
pub struct EventStream {
    response: reqwest::Response,
    /// Bytes received and not yet read as lines.
    buffer: Vec<u8>,
    /// The fields of the event being read.
    lines: Vec<String>,
}

/// Opens `path` as `caller`, with `Last-Event-ID` if given; the answer must be a 200 event stream.
pub async fn open_stream(
    app: &TestApp,
    caller: Caller,
    path: &str,
    last_event_id: Option<&str>,
) -> EventStream {
    let mut request = app
        .client
        .get(format!("{}{path}", app.address))
        .header("Accept", "text/event-stream");
    if let Some(token) = app.token(caller) {
        request = request.bearer_auth(token);
    }
    if let Some(id) = last_event_id {
        request = request.header("Last-Event-ID", id);
    }
    let response = tokio::time::timeout(WAIT, request.send())
        .await
        .unwrap_or_else(|_| panic!("{path} answers within {WAIT:?}"))
        .expect("the server answers");
    let status = response.status().as_u16();
    if status != 200 {
        let body = response.text().await.unwrap_or_default();
        panic!("{path} answered {status}: {body}");
    }
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{path} is served as {content_type:?}"
    );
    EventStream {
        response,
        buffer: Vec::new(),
        lines: Vec::new(),
    }
}

impl EventStream {
    /// The next event (comments, such as heartbeats, skipped); fails after [`WAIT`].
    pub async fn next_event(&mut self) -> Event {
        tokio::time::timeout(WAIT, self.read_event())
            .await
            .unwrap_or_else(|_| panic!("no event within {WAIT:?}"))
    }

    async fn read_event(&mut self) -> Event {
        loop {
            while let Some(end) = self.buffer.iter().position(|byte| *byte == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                let line = String::from_utf8(line).expect("the stream is UTF-8");
                let line = line.trim_end_matches('\n').trim_end_matches('\r');
                if !line.is_empty() {
                    self.lines.push(line.to_owned());
                    continue;
                }
                if let Some(event) = dispatch(std::mem::take(&mut self.lines)) {
                    return event;
                }
            }
            let chunk = self
                .response
                .chunk()
                .await
                .expect("the stream can be read")
                .expect("the stream is still open");
            self.buffer.extend_from_slice(&chunk);
        }
    }
}

/// The event the lines of one block make, if any (a block of comments makes none).
fn dispatch(lines: Vec<String>) -> Option<Event> {
    let mut id = None;
    let mut event = None;
    let mut data: Vec<String> = Vec::new();
    for line in lines {
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line.as_str(), ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "id" => id = Some(value.to_owned()),
            "event" => event = Some(value.to_owned()),
            "data" => data.push(value.to_owned()),
            _ => {}
        }
    }
    if event.is_none() && data.is_empty() {
        return None;
    }
    Some(Event {
        id,
        event: event.unwrap_or_else(|| "message".to_owned()),
        data: data.join("\n"),
    })
}

pub fn role_events(role: i64) -> String {
    format!("/roles/{role}/events")
}

pub fn session_events(session: i64) -> String {
    format!("/sessions/{session}/events")
}

/// Reads from `stream` the events of every entry of `history` (newest first, as listed) newer
/// than `after`, and checks that each is that entry: its action as the type, its id as the id,
/// the entry as the data, oldest first. Answers the newest id.
async fn assert_events_are(stream: &mut EventStream, history: &[Value], after: i64) -> i64 {
    let mut expected: Vec<&Value> = history
        .iter()
        .filter(|entry| entry["id"].as_i64().unwrap() > after)
        .collect();
    expected.reverse();
    assert!(
        !expected.is_empty(),
        "nothing newer than {after} in {history:?}"
    );
    let mut newest = after;
    for entry in expected {
        let event = stream.next_event().await;
        assert_eq!(
            event.history_id(),
            entry["id"].as_i64().unwrap(),
            "{event:?}"
        );
        assert_eq!(event.event, entry["action"].as_str().unwrap(), "{event:?}");
        assert_eq!(&event.json(), entry, "the data is the history entry");
        newest = event.history_id();
    }
    newest
}

/// A movie with a role and an actor who is not yet its candidate: (movie, role, actor).
async fn a_role(app: &TestApp) -> (i64, i64, i64) {
    let movie = app.create_movie("Avatar", "2009-12-18").await;
    let role = create_role(app, movie, json!({"name": "Neytiri"})).await;
    let actor = app.create_actor("Zoë Saldaña", 46, "female").await;
    (movie, role, actor)
}

/// The newest `limit` entries of a role's history, newest first.
async fn recent(app: &TestApp, role: i64, limit: usize) -> Vec<Value> {
    let reply = app
        .get(
            Caller::CastingAssistant,
            &format!("/roles/{role}/history?limit={limit}"),
        )
        .await;
    reply.assert_status(200);
    reply.body["history"]
        .as_array()
        .cloned()
        .expect("a history")
}

/// The id of the newest entry of a role's history.
async fn newest_id(app: &TestApp, role: i64) -> i64 {
    recent(app, role, 1).await[0]["id"].as_i64().unwrap()
}

backend_tests! {
    async fn a_roles_stream_sends_each_change_of_its_candidates_as_its_history_entry(app) {
        let (_, role, actor) = a_role(&app).await;
        let mut stream = open_stream(&app, Caller::CastingAssistant, &role_events(role), None).await;
        let start = newest_id(&app, role).await;

        put_candidate(&app, role, actor, None).await.assert_status(200);
        let added = stream.next_event().await;
        assert_eq!(added.event, "candidate");
        let history = role_history(&app, role).await;
        assert_eq!(added.history_id(), history[0]["id"].as_i64().unwrap());
        assert!(added.history_id() > start);
        assert_eq!(added.json(), history[0], "the data is the history entry");

        move_to(&app, role, actor, "shortlisted").await.assert_status(200);
        let moved = stream.next_event().await;
        assert_eq!(moved.event, "candidate");
        assert!(moved.history_id() > added.history_id(), "ids increase");
        assert_eq!(moved.json(), role_history(&app, role).await[0]);
        assert_eq!(moved.json()["changes"]["status"], json!({"from": "submitted", "to": "shortlisted"}));

        // A change of the role itself, and several changes at once, in order.
        app.patch(Caller::CastingDirector, &format!("/roles/{role}"), json!({"positions": 2})).await.assert_status(200);
        let others = [app.create_actor("Ana Lima", 30, "female").await, app.create_actor("Bo Chen", 31, "male").await];
        bulk(&app, role, json!({"actor_ids": others, "status": "hold", "add": true})).await.assert_status(200);
        let history = role_history(&app, role).await;
        assert_events_are(&mut stream, &history, moved.history_id()).await;
    }

    async fn last_event_id_resumes_with_the_events_missed_after_it(app) {
        let (_, role, actor) = a_role(&app).await;
        let mut stream = open_stream(&app, Caller::CastingAssistant, &role_events(role), None).await;
        put_candidate(&app, role, actor, None).await.assert_status(200);
        let seen = stream.next_event().await;
        drop(stream);

        // Missed while disconnected.
        let other = app.create_actor("Ana Lima", 30, "female").await;
        move_to(&app, role, actor, "shortlisted").await.assert_status(200);
        put_candidate(&app, role, other, None).await.assert_status(200);
        put_candidate(&app, role, actor, Some(json!({"rank": 2}))).await.assert_status(200);

        let last = seen.id.clone().expect("an id");
        let mut resumed = open_stream(&app, Caller::CastingAssistant, &role_events(role), Some(&last)).await;
        let history = role_history(&app, role).await;
        let newest = assert_events_are(&mut resumed, &history, seen.history_id()).await;
        // Then the live ones.
        put_candidate(&app, role, other, Some(json!({"note": "Live"}))).await.assert_status(200);
        let live = resumed.next_event().await;
        assert_eq!(live.json(), role_history(&app, role).await[0]);
        assert!(live.history_id() > newest);

        // Resuming from the newest event replays nothing: the next event is the next change.
        let mut current = open_stream(&app, Caller::CastingAssistant, &role_events(role), live.id.as_deref()).await;
        move_to(&app, role, other, "hold").await.assert_status(200);
        let next = current.next_event().await;
        assert_eq!(next.event, "candidate");
        assert_eq!(next.json(), role_history(&app, role).await[0]);
    }

    async fn a_last_event_id_that_cannot_be_resumed_gets_a_reset_first(app) {
        let (movie, role, actor) = a_role(&app).await;
        put_candidate(&app, role, actor, None).await.assert_status(200);
        // An event of another role's stream is not one of this stream.
        let elsewhere = create_role(&app, movie, json!({"name": "Jake Sully"})).await;
        put_candidate(&app, elsewhere, actor, None).await.assert_status(200);
        let foreign = newest_id(&app, elsewhere).await.to_string();

        for (n, last) in ["garbage", "-1", "1.5", "0x10", "99999999999", "99999999999999999999999", foreign.as_str()].into_iter().enumerate() {
            let mut stream = open_stream(&app, Caller::CastingAssistant, &role_events(role), Some(last)).await;
            put_candidate(&app, role, actor, Some(json!({"note": format!("Change {n}")}))).await.assert_status(200);
            let reset = stream.next_event().await;
            assert_eq!(reset.event, "reset", "Last-Event-ID {last:?}: {reset:?}");
            assert!(reset.json()["reason"].as_str().is_some_and(|reason| !reason.is_empty()), "{reset:?}");
            let live = stream.next_event().await;
            assert_eq!(live.event, "candidate", "then the live events: {live:?}");
            assert_eq!(live.json(), role_history(&app, role).await[0]);
        }
    }

    async fn a_last_event_id_more_than_1000_events_behind_gets_a_reset_first(app) {
        let (_, role, actor) = a_role(&app).await;
        put_candidate(&app, role, actor, None).await.assert_status(200);
        let far_behind = newest_id(&app, role).await;
        let rows: String = (0..1000).map(|i| format!("Extra {i:04},30,female\n")).collect();
        app.call(Caller::CastingDirector, reqwest::Method::POST, "/actors")
            .body("text/csv", format!("name,age,gender\n{rows}"))
            .send()
            .await
            .assert_status(200);
        let extras: Vec<i64> = app.list_all("/actors?q=Extra&limit=100", "actors").await.iter().map(|a| a["id"].as_i64().unwrap()).collect();
        assert_eq!(extras.len(), 1000);
        bulk(&app, role, json!({"actor_ids": extras, "add": true})).await.assert_status(200);
        let last_of_the_bulk = newest_id(&app, role).await;
        move_to(&app, role, actor, "shortlisted").await.assert_status(200);
        move_to(&app, role, actor, "hold").await.assert_status(200);
        let history = app.list_all(&format!("/roles/{role}/history?limit=100"), "history").await;
        let behind = history.iter().filter(|entry| entry["id"].as_i64().unwrap() > far_behind).count();
        assert!(behind > 1000, "{behind} events since");

        let mut stream = open_stream(&app, Caller::CastingAssistant, &role_events(role), Some(&far_behind.to_string())).await;
        let reset = stream.next_event().await;
        assert_eq!(reset.event, "reset", "{reset:?}");
        move_to(&app, role, actor, "callback").await.assert_status(200);
        let live = stream.next_event().await;
        assert_eq!(live.event, "candidate", "no replay after a reset, the live events: {live:?}");
        assert_eq!(live.json(), recent(&app, role, 1).await[0]);

        // Three events behind is resumed.
        let mut near = open_stream(&app, Caller::CastingAssistant, &role_events(role), Some(&last_of_the_bulk.to_string())).await;
        assert_eq!(assert_events_are(&mut near, &recent(&app, role, 10).await, last_of_the_bulk).await, live.history_id());
    }

    async fn an_unknown_role_or_session_has_no_stream_and_a_stream_needs_a_token(app) {
        let (movie, role, _) = a_role(&app).await;
        let session = create_session(&app, movie, london_session()).await;
        for path in [role_events(role + 1000), session_events(session + 1000)] {
            app.get(Caller::CastingAssistant, &path).await.assert_error(404, "not_found");
        }
        for path in [role_events(role), session_events(session)] {
            app.get(Caller::Anonymous, &path).await.assert_error(401, "unauthorized");
        }
        app.get(Caller::CastingAssistant, "/roles/abc/events").await.assert_error(400, "bad_request");
    }

    async fn a_sessions_stream_sends_each_change_of_its_appointments(app) {
        let (movie, role, actor) = a_role(&app).await;
        put_candidate(&app, role, actor, Some(json!({"status": "shortlisted", "rank": 1}))).await.assert_status(200);
        let other = app.create_actor("Ana Lima", 30, "female").await;
        put_candidate(&app, role, other, Some(json!({"status": "shortlisted"}))).await.assert_status(200);
        let session = create_session(&app, movie, london_session()).await;
        let start = session_history(&app, session).await[0]["id"].as_i64().unwrap();
        let mut stream = open_stream(&app, Caller::CastingAssistant, &session_events(session), None).await;

        book(&app, session, 2, role, actor).await.assert_status(200);
        let booked = stream.next_event().await;
        assert_eq!(booked.event, "appointment");
        assert_eq!(booked.json(), session_history(&app, session).await[0]);
        assert!(booked.history_id() > start);

        set_state(&app, Caller::CastingDirector, session, 2, "confirmed").await.assert_status(200);
        set_state(&app, Caller::CastingAssistant, session, 2, "checked_in").await.assert_status(200);
        app.post(Caller::CastingDirector, &format!("/sessions/{session}/autofill"), json!({"role_id": role, "status": "shortlisted"}))
            .await
            .assert_status(200);
        app.patch(Caller::CastingDirector, &format!("/sessions/{session}"), json!({"location": "Stage 5"})).await.assert_status(200);
        app.delete(Caller::CastingDirector, &format!("/sessions/{session}/slots/2")).await.assert_status(200);
        let newest = assert_events_are(&mut stream, &session_history(&app, session).await, booked.history_id()).await;

        // Resumed from the booking, it replays the rest.
        let mut resumed = open_stream(&app, Caller::CastingAssistant, &session_events(session), booked.id.as_deref()).await;
        assert_eq!(assert_events_are(&mut resumed, &session_history(&app, session).await, booked.history_id()).await, newest);
        let mut reset = open_stream(&app, Caller::CastingAssistant, &session_events(session), Some("garbage")).await;
        assert_eq!(reset.next_event().await.event, "reset");
    }

    async fn feedback_from_a_presentation_is_an_event_of_the_roles_stream(app) {
        let (_, role, actor) = a_role(&app).await;
        put_candidate(&app, role, actor, None).await.assert_status(200);
        let shared = share(&app, role, &[actor], "Picks").await;
        let mut stream = open_stream(&app, Caller::CastingAssistant, &role_events(role), None).await;
        post_feedback(&app, &shared.path, json!({"actor_id": actor, "answer": "yes", "comment": "Book her"})).await.assert_status(200);
        let event = stream.next_event().await;
        assert_eq!(event.event, "feedback");
        assert_eq!(event.json(), role_history(&app, role).await[0]);
        assert_eq!(event.json()["by"]["presentation"], json!(shared.id));
    }

}

/// Instances behind a load balancer share one PostgreSQL (SQLite is one process's database):
/// a change written through one reaches the streams open on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_on_another_instance_reaches_the_stream() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let (_, role, actor) = a_role(&app).await;
    let beside = app.spawn_beside().await;
    let mut stream = open_stream(&app, Caller::CastingAssistant, &role_events(role), None).await;
    put_candidate(&beside, role, actor, Some(json!({"status": "hold"})))
        .await
        .assert_status(200);
    let event = stream.next_event().await;
    assert_eq!(event.event, "candidate");
    assert_eq!(event.json(), role_history(&app, role).await[0]);
    // And the other way round.
    let mut there = open_stream(&beside, Caller::CastingAssistant, &role_events(role), None).await;
    move_to(&app, role, actor, "passed")
        .await
        .assert_status(200);
    assert_eq!(
        there.next_event().await.json(),
        role_history(&app, role).await[0]
    );
    assert_eq!(
        stream.next_event().await.json(),
        role_history(&app, role).await[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listening_for_other_instances_takes_no_connection_of_the_pool_requests_share() {
    let app = TestApp::spawn_with(Backend::Postgres, |settings| {
        settings.database.max_connections = 1;
    })
    .await;
    let (_, role, actor) = a_role(&app).await;
    let mut stream = open_stream(&app, Caller::CastingAssistant, &role_events(role), None).await;
    move_to(&app, role, actor, "hold").await.assert_status(200);
    assert_eq!(
        stream.next_event().await.json(),
        role_history(&app, role).await[0]
    );
}

/// A server that takes two requests in flight at most.
async fn spawn_with_two_in_flight(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |settings| settings.http.max_in_flight = 2).await
}

once_tests! {
    spawn = spawn_with_two_in_flight;

    async fn event_streams_do_not_count_as_requests_in_flight(app) {
        let (_, role, actor) = a_role(&app).await;
        let mut streams = Vec::new();
        for _ in 0..4 {
            streams.push(open_stream(&app, Caller::CastingAssistant, &role_events(role), None).await);
        }
        for _ in 0..3 {
            app.get(Caller::CastingAssistant, &format!("/roles/{role}")).await.assert_status(200);
        }
        put_candidate(&app, role, actor, None).await.assert_status(200);
        for stream in &mut streams {
            assert_eq!(stream.next_event().await.event, "candidate");
        }
    }
}

/// A server that keeps two event streams open at most.
async fn spawn_with_two_streams(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |settings| settings.http.max_event_streams = 2).await
}

once_tests! {
    spawn = spawn_with_two_streams;

    async fn past_its_limit_of_streams_a_new_stream_is_503_with_retry_after_until_one_closes(app) {
        let (movie, role, actor) = a_role(&app).await;
        let session = create_session(&app, movie, london_session()).await;
        let first = open_stream(&app, Caller::CastingAssistant, &role_events(role), None).await;
        let mut second = open_stream(&app, Caller::CastingAssistant, &session_events(session), None).await;

        for path in [role_events(role), session_events(session)] {
            let reply = app.get(Caller::CastingAssistant, &path).await;
            reply.assert_error(503, "service_unavailable");
            assert!(reply.header("retry-after").is_some_and(|value| value.parse::<u64>().is_ok()), "a Retry-After in seconds: {:?}", reply.header("retry-after"));
        }
        // Other requests are served as usual.
        app.get(Caller::CastingAssistant, &format!("/roles/{role}")).await.assert_status(200);
        put_candidate(&app, role, actor, None).await.assert_status(200);

        // Once a stream closes, a new one opens (the server may take a moment to see it gone).
        drop(first);
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let reply = app.client.get(format!("{}{}", app.address, role_events(role)))
                .bearer_auth(app.token(Caller::CastingAssistant).unwrap())
                .send()
                .await
                .unwrap();
            if reply.status() == 200 {
                break;
            }
            assert_eq!(reply.status(), 503);
            assert!(tokio::time::Instant::now() < deadline, "no stream opens within {WAIT:?} of one closing");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The streams still open go on.
        let id = crate::sessions::book(&app, session, 0, role, actor).await;
        id.assert_status(200);
        assert_eq!(second.next_event().await.event, "appointment");
    }
}
