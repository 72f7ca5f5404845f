//! A movie's audition sessions in the web app: the form that adds or changes one (its start
//! taken as a local date and time in the session's own time zone), and the session's page with
//! the day's schedule, where the office books, confirms and frees slots, fills them from a role,
//! and the door checks people in. Every control is a plain form; the schedule follows the
//! session's event stream where scripts run. Reading needs `get:movies`; the office's changes
//! `patch:movie`; the door's states (`checked_in`, `seen`, `no_show`) `patch:session`, as in
//! the API.

use std::collections::HashSet;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::Web;
use super::form::{Choice, ConfirmDelete, FieldErrors, Form};
use super::history::{self, History};
use super::session::SignedIn;
use crate::auth::Permission;
use crate::kit::calendar::{self, CALENDAR_TYPE};
use crate::kit::page::{self, Layout, PageResult, Refused, redirect};
use crate::kit::parse_id;
use crate::model::{
    AppointmentState, Autofill, Booking, Fields, Invalid, NewSession, Problem, RequestBody,
    SessionChanges, SessionFields, SessionKind, StateChange, Status, Whole,
};
use crate::storage::candidates::{self, CandidateFilter, CandidateSort};
use crate::storage::photos::PrimaryPhoto;
use crate::storage::roles::{self, Role};
use crate::storage::sessions::{self, Session};
use crate::storage::{Keyset, Kind, StorageError, movies};

/// Reading sessions.
const READ: Permission = Permission::GetMovies;
/// The office's changes: the session itself, bookings, invitations and answers.
const WRITE: Permission = Permission::PatchMovie;
/// The door's changes: who came, and who was seen.
const DOOR: Permission = Permission::PatchSession;
/// Sessions belong to the movies' section of the app.
const SECTION: &str = "movies";
/// The most candidates the booking form offers: a movie's waiting candidates can be many, and
/// the page stays light; autofill schedules from a role's whole list.
const OFFERED_MAX: usize = 200;
/// The statuses of the candidates who may still be auditioned: a booked actor is cast, a passed
/// one is out.
const WAITING: [Status; 5] = [
    Status::Submitted,
    Status::Shortlisted,
    Status::Audition,
    Status::Callback,
    Status::Hold,
];

pub fn routes() -> Router<Arc<Web>> {
    Router::new()
        .route("/app/movies/{id}/sessions", post(create))
        .route("/app/movies/{id}/sessions/new", get(new_form))
        .route("/app/sessions/{id}", get(show).post(update))
        .route("/app/sessions/{id}/edit", get(edit_form))
        .route(
            "/app/sessions/{id}/delete",
            get(confirm_delete).post(delete),
        )
        .route("/app/sessions/{id}/calendar.ics", get(calendar_file))
        .route("/app/sessions/{id}/book", post(book))
        .route("/app/sessions/{id}/autofill", post(autofill))
        .route("/app/sessions/{id}/slots/{slot}/state", post(set_state))
        .route("/app/sessions/{id}/slots/{slot}/free", post(free))
}

/// `/app/sessions/{id}`.
fn session_path(id: i64) -> String {
    format!("/app/sessions/{id}")
}

fn no_such(session: &SignedIn, what: &str) -> Refused {
    session.refuse(StatusCode::NOT_FOUND, format!("There is no such {what}."))
}

fn id_in(session: &SignedIn, raw: &str, what: &str) -> Result<i64, Refused> {
    parse_id("id", raw).map_err(|_| no_such(session, what))
}

async fn read_session(web: &Web, signed_in: &SignedIn, id: i64) -> Result<Session, Refused> {
    sessions::get(&web.db, id)
        .await
        .map_err(|error| signed_in.failed(error))
}

async fn movie_title(web: &Web, session: &SignedIn, id: i64) -> Result<String, Refused> {
    let movie = movies::get(&web.db, id)
        .await
        .map_err(|error| session.failed(error))?;
    Ok(movie.fields.title.as_str().to_owned())
}

/// A message of the API (lower case, no full stop) as a sentence.
fn sentence(message: &str) -> String {
    let message = page::capitalized(message.trim_end());
    if message.ends_with('.') {
        message
    } else {
        format!("{message}.")
    }
}

// ---------------------------------------------------------------------------------------------
// Local times.

/// The instant that a date and a time on the clocks of `zone` name. A time the clocks skip
/// (they go forward over it) names no instant and is refused; one they show twice (they go
/// back over it) is the earlier of the two, as a person who writes it most likely means the
/// first time the clock reads it.
fn instant_in(zone: Tz, date: NaiveDate, time: NaiveTime) -> Result<DateTime<Utc>, String> {
    zone.from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|instant| instant.with_timezone(&Utc))
        .ok_or_else(|| {
            format!(
                "{} on {date} does not exist in {}: the clocks go forward over it. Choose another time",
                time.format("%H:%M"),
                zone.name()
            )
        })
}

/// A time as the session's clocks show it: `09:00`, with seconds only if it has some.
fn clock(time: &DateTime<Tz>) -> String {
    if time.second() == 0 {
        time.format("%H:%M").to_string()
    } else {
        time.format("%H:%M:%S").to_string()
    }
}

/// The session's start on its own clocks.
fn local_start(fields: &SessionFields) -> DateTime<Tz> {
    fields
        .starts_at
        .time()
        .with_timezone(&fields.time_zone.zone())
}

// ---------------------------------------------------------------------------------------------
// The session's form.

/// What the session's form holds, as typed.
#[derive(Default)]
struct Typed {
    name: String,
    kind: String,
    date: String,
    time: String,
    time_zone: String,
    slot_minutes: String,
    slots: String,
    location: String,
}

impl Typed {
    fn sent(form: &Form) -> Self {
        Self {
            name: form.text("name"),
            kind: form.text("kind"),
            date: form.text("date"),
            time: form.text("time"),
            time_zone: form.text("time_zone"),
            slot_minutes: form.text("slot_minutes"),
            slots: form.text("slots"),
            location: form.text("location"),
        }
    }

    /// A new session's form: in UTC, with the API's slot defaults.
    fn blank() -> Self {
        Self {
            kind: SessionKind::default().as_str().to_owned(),
            time_zone: Tz::UTC.name().to_owned(),
            slot_minutes: crate::model::SlotMinutes::default().to_string(),
            slots: crate::model::SlotCount::default().to_string(),
            ..Self::default()
        }
    }

    /// The form of a stored session, its start on its own clocks.
    fn of(session: &Session) -> Self {
        let fields = &session.fields;
        let start = local_start(fields);
        Self {
            name: fields.name.as_str().to_owned(),
            kind: fields.kind.as_str().to_owned(),
            date: start.format("%Y-%m-%d").to_string(),
            time: clock(&start),
            time_zone: fields.time_zone.name().to_owned(),
            slot_minutes: fields.slot_minutes.to_string(),
            slots: fields.slots.to_string(),
            location: fields
                .location
                .as_ref()
                .map(|location| location.as_str().to_owned())
                .unwrap_or_default(),
        }
    }

    /// The zone's name as the model reads it: blank is the default, UTC.
    fn zone_name(&self) -> &str {
        match self.time_zone.trim() {
            "" => Tz::UTC.name(),
            name => name,
        }
    }

    /// The local date and time typed, or what is wrong with them.
    fn local(&self) -> Result<(NaiveDate, NaiveTime), Vec<Problem>> {
        let problem = |field: &str, message: &str| Problem {
            field: Some(field.to_owned()),
            message: message.to_owned(),
        };
        let date = match self.date.trim() {
            "" => Err(problem("date", "is required")),
            text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| problem("date", "must be a date such as 2027-03-28")),
        };
        let time = match self.time.trim() {
            "" => Err(problem("time", "is required")),
            text => NaiveTime::parse_from_str(text, "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
                .map_err(|_| problem("time", "must be a time such as 09:30")),
        };
        match (date, time) {
            (Ok(date), Ok(time)) => Ok((date, time)),
            (date, time) => Err(date.err().into_iter().chain(time.err()).collect()),
        }
    }

    /// The body the API would have received: the start as an instant, converted from the
    /// session's clocks; the rest as typed, each judged by the model. A blank kind or slot
    /// field is the default for a new session and unchanged for an edited one.
    fn body<B: RequestBody>(&self) -> Result<B, Invalid> {
        let mut problems = Vec::new();
        let zone = self.zone_name().parse::<Tz>().ok();
        let start = match (zone, self.local()) {
            (Some(zone), Ok((date, time))) => match instant_in(zone, date, time) {
                Ok(start) => Some(start),
                Err(message) => {
                    problems.push(Problem {
                        field: Some("time".to_owned()),
                        message,
                    });
                    None
                }
            },
            (_, Err(local)) => {
                problems.extend(local);
                None
            }
            // An unknown zone: the model says so, in the API's words.
            (None, Ok(_)) => None,
        };
        let starts_at = start.map(|start| start.to_rfc3339_opts(SecondsFormat::Secs, true));
        let object = SessionFields::object_from_cells(|cell| match cell {
            "name" => Some(self.name.as_str()),
            "kind" => defaulted(&self.kind),
            "starts_at" => starts_at.as_deref(),
            "time_zone" => Some(self.zone_name()),
            "slot_minutes" => defaulted(&self.slot_minutes),
            "slots" => defaulted(&self.slots),
            "location" => Some(self.location.as_str()),
            _ => None,
        });
        match B::from_object(object) {
            Ok(body) if problems.is_empty() => Ok(body),
            Ok(_) => Err(Invalid(problems)),
            Err(Invalid(refused)) => {
                // The start is the date's and time's: the model's word on it goes beside them,
                // unless they were refused already (a missing start is theirs to explain).
                problems.extend(refused.into_iter().filter_map(|problem| {
                    match problem.field.as_deref() {
                        Some("starts_at") if start.is_none() => None,
                        Some("starts_at") => Some(Problem {
                            field: Some("date".to_owned()),
                            message: format!(
                                "must be in the years {} to {}",
                                crate::model::YEAR_MIN,
                                crate::model::YEAR_MAX
                            ),
                        }),
                        _ => Some(problem),
                    }
                }));
                Err(Invalid(problems))
            }
        }
    }
}

/// A field's text, unless blank: a blank field the model's default or the stored value stands
/// for.
fn defaulted(text: &str) -> Option<&str> {
    Some(text).filter(|text| !text.trim().is_empty())
}

#[derive(Template)]
#[template(path = "sessions/form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    /// The version an edit was opened at.
    etag: Option<i64>,
    csrf: String,
    typed: Typed,
    kinds: Vec<Choice>,
    zones: &'static [Tz],
    errors: FieldErrors,
    /// Why a well-formed form was not saved, in words.
    refusal: Option<String>,
}

/// Where a session's form goes and what it is called.
struct FormSpec {
    heading: String,
    action: String,
    cancel: String,
    etag: Option<i64>,
}

impl FormSpec {
    fn new_session(movie_id: i64, title: &str) -> Self {
        Self {
            heading: format!("New session of {title}"),
            action: format!("/app/movies/{movie_id}/sessions"),
            cancel: format!("/app/movies/{movie_id}#sessions"),
            etag: None,
        }
    }

    fn edit(id: i64, name: &str, etag: i64) -> Self {
        Self {
            heading: format!("Edit {name}"),
            action: session_path(id),
            cancel: session_path(id),
            etag: Some(etag),
        }
    }
}

/// The form holding `typed`; with `errors` beside their fields, or a `refusal` of the whole.
fn form_page(
    session: &SignedIn,
    spec: FormSpec,
    typed: Typed,
    status: StatusCode,
    errors: FieldErrors,
    refusal: Option<String>,
) -> Response {
    let kinds = SessionKind::ALL
        .iter()
        .map(|kind| (kind.as_str(), kind.label().to_owned()))
        .collect();
    page::render(
        status,
        &FormPage {
            layout: Layout::for_user(spec.heading.clone(), &session.user, SECTION),
            heading: spec.heading,
            action: spec.action,
            cancel: spec.cancel,
            etag: spec.etag,
            csrf: session.user.csrf.clone(),
            kinds: Choice::list(kinds, Some(&typed.kind.trim())),
            typed,
            zones: &chrono_tz::TZ_VARIANTS,
            errors,
            refusal,
        },
    )
}

/// `GET /app/movies/{id}/sessions/new`.
async fn new_form(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
) -> PageResult {
    session.require(WRITE)?;
    let movie_id = id_in(&session, &raw, "movie")?;
    let title = movie_title(&web, &session, movie_id).await?;
    let spec = FormSpec::new_session(movie_id, &title);
    Ok(form_page(
        &session,
        spec,
        Typed::blank(),
        StatusCode::OK,
        FieldErrors::default(),
        None,
    ))
}

/// `POST /app/movies/{id}/sessions`: adds the session, and opens its page.
async fn create(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(WRITE)?;
    let movie_id = id_in(&session, &raw, "movie")?;
    let form = session.form(&headers, &body)?;
    let title = movie_title(&web, &session, movie_id).await?;
    let typed = Typed::sent(&form);
    let refused = |typed, status, errors, refusal| {
        let spec = FormSpec::new_session(movie_id, &title);
        Ok(form_page(&session, spec, typed, status, errors, refusal))
    };
    let new = match typed.body::<NewSession>() {
        Ok(new) => new,
        Err(invalid) => {
            return refused(
                typed,
                StatusCode::UNPROCESSABLE_ENTITY,
                invalid.into(),
                None,
            );
        }
    };
    match sessions::create(&web.db, movie_id, &new, &session.editor()).await {
        Ok(created) => Ok(redirect(&format!(
            "{}?done=created",
            session_path(created.id)
        ))),
        Err(StorageError::Conflict(message)) => refused(
            typed,
            StatusCode::CONFLICT,
            FieldErrors::default(),
            Some(sentence(&message)),
        ),
        Err(StorageError::Invalid(invalid)) => refused(
            typed,
            StatusCode::UNPROCESSABLE_ENTITY,
            invalid.into(),
            None,
        ),
        Err(error) => Err(session.failed(error)),
    }
}

/// `GET /app/sessions/{id}/edit`: the form, carrying the version it shows.
async fn edit_form(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
) -> PageResult {
    session.require(WRITE)?;
    let id = id_in(&session, &raw, "session")?;
    let current = read_session(&web, &session, id).await?;
    let spec = FormSpec::edit(id, current.fields.name.as_str(), current.version);
    Ok(form_page(
        &session,
        spec,
        Typed::of(&current),
        StatusCode::OK,
        FieldErrors::default(),
        None,
    ))
}

/// `POST /app/sessions/{id}`: the edit form, saved only if the session is still as it was
/// opened; otherwise the form again, with what was typed, to be saved over the session as it is
/// now.
async fn update(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(WRITE)?;
    let id = id_in(&session, &raw, "session")?;
    let form = session.form(&headers, &body)?;
    let typed = Typed::sent(&form);
    let refused = |typed, etag, status, errors, refusal| {
        let spec = FormSpec::edit(id, "session", etag);
        Ok(form_page(&session, spec, typed, status, errors, refusal))
    };
    let version = form.version().ok_or_else(|| {
        session.refuse(
            StatusCode::BAD_REQUEST,
            "The form does not say which version it edits.",
        )
    })?;
    let changes = match typed.body::<SessionChanges>() {
        Ok(changes) => changes,
        Err(invalid) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refused(typed, version, status, invalid.into(), None);
        }
    };
    match sessions::update(&web.db, id, &changes, Some(&[version]), &session.editor()).await {
        Ok(_) => Ok(redirect(&format!("{}?done=saved", session_path(id)))),
        Err(StorageError::Conflict(message)) => refused(
            typed,
            version,
            StatusCode::CONFLICT,
            FieldErrors::default(),
            Some(sentence(&message)),
        ),
        Err(StorageError::VersionMismatch(_)) => {
            let current = read_session(&web, &session, id).await?;
            let refusal = "the session changed since you opened this form (it was edited, or \
                its slots were booked). Your values are kept below: save again to apply them to \
                the session as it is now."
                .to_owned();
            refused(
                typed,
                current.version,
                StatusCode::PRECONDITION_FAILED,
                FieldErrors::default(),
                Some(refusal),
            )
        }
        Err(StorageError::Invalid(invalid)) => refused(
            typed,
            version,
            StatusCode::UNPROCESSABLE_ENTITY,
            invalid.into(),
            None,
        ),
        Err(error) => Err(session.failed(error)),
    }
}

// ---------------------------------------------------------------------------------------------
// Deleting.

/// Asks before deleting; `changed` says the session changed since the question was first put.
fn confirm_page(signed_in: &SignedIn, session: &Session, changed: bool) -> Response {
    let status = if changed {
        StatusCode::PRECONDITION_FAILED
    } else {
        StatusCode::OK
    };
    let name = session.fields.name.as_str().to_owned();
    let consequence = match session.appointments.len() {
        0 => "No slot is booked.".to_owned(),
        1 => "Its 1 appointment goes with it; the actor stays a candidate.".to_owned(),
        n => format!("Its {n} appointments go with it; the actors stay candidates."),
    };
    page::render(
        status,
        &ConfirmDelete {
            layout: Layout::for_user(format!("Delete {name}"), &signed_in.user, SECTION),
            what: "session",
            name,
            consequence,
            action: format!("{}/delete", session_path(session.id)),
            etag: session.version,
            cancel: session_path(session.id),
            changed,
        },
    )
}

/// `GET /app/sessions/{id}/delete`: asks first.
async fn confirm_delete(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
) -> PageResult {
    session.require(WRITE)?;
    let id = id_in(&session, &raw, "session")?;
    let current = read_session(&web, &session, id).await?;
    Ok(confirm_page(&session, &current, false))
}

/// `POST /app/sessions/{id}/delete`: deletes the session as the confirmation showed it, and goes
/// back to its movie; if it changed meanwhile, asks again.
async fn delete(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(WRITE)?;
    let id = id_in(&session, &raw, "session")?;
    let form = session.form(&headers, &body)?;
    let current = read_session(&web, &session, id).await?;
    let versions = form.version().map(|version| [version]);
    let if_match = versions.as_ref().map(|v| &v[..]);
    match sessions::delete(&web.db, id, if_match, &session.editor()).await {
        Ok(()) => Ok(redirect(&format!(
            "/app/movies/{}?done=session-deleted#sessions",
            current.movie_id
        ))),
        Err(StorageError::VersionMismatch(_)) => {
            let current = read_session(&web, &session, id).await?;
            Ok(confirm_page(&session, &current, true))
        }
        Err(error) => Err(session.failed(error)),
    }
}

// ---------------------------------------------------------------------------------------------
// The calendar.

/// `GET /app/sessions/{id}/calendar.ics`: the appointments as an iCalendar file, as the API's
/// `Accept: text/calendar` gives it, for a link to download.
async fn calendar_file(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
) -> PageResult {
    session.require(READ)?;
    let id = id_in(&session, &raw, "session")?;
    let current = read_session(&web, &session, id).await?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"session-{id}.ics\""))
        .map_err(|_| session.refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal server error"))?;
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static(CALENDAR_TYPE)),
            (CONTENT_DISPOSITION, disposition),
            // Who comes when is for the signed-in staff: no cache keeps it.
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        calendar::of_session(&current),
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// The session's page.

/// A movie's session, as the movie's page lists it.
pub struct SessionSummary {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    /// Its start on its own clocks: `2027-03-28 09:00 BST`.
    pub starts: String,
    /// The instant, for `<time datetime>`.
    pub at: String,
    pub time_zone: &'static str,
    pub slots: String,
    pub location: Option<String>,
}

impl SessionSummary {
    pub fn of(session: &Session) -> Self {
        let fields = &session.fields;
        Self {
            id: session.id,
            name: fields.name.as_str().to_owned(),
            kind: fields.kind.label(),
            starts: local_start(fields).format("%Y-%m-%d %H:%M %Z").to_string(),
            at: instant_text(fields.starts_at.time()),
            time_zone: fields.time_zone.name(),
            slots: format!(
                "{} × {} min, {} booked",
                fields.slots,
                fields.slot_minutes,
                session.appointments.len()
            ),
            location: fields
                .location
                .as_ref()
                .map(|location| location.as_str().to_owned()),
        }
    }
}

fn instant_text(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A booked slot, as the schedule shows it.
struct Booked {
    actor_id: i64,
    name: String,
    photo: PrimaryPhoto,
    role_id: i64,
    role: String,
    state: &'static str,
    /// The forms that set another state, the door's and the office's: those the person may use.
    buttons: Vec<StateButton>,
}

/// One slot of the day's schedule, free or booked.
struct SlotRow {
    slot: i32,
    /// The slot's start: the instant, for `<time datetime>`, and on the session's clocks.
    at: String,
    time: String,
    booked: Option<Booked>,
}

/// A form of a booked slot that sets its state: the state, and the button's word.
struct StateButton {
    state: &'static str,
    label: &'static str,
}

/// The office's buttons (`patch:movie`) and the door's (`patch:session`, or `patch:movie`).
const OFFICE: [(AppointmentState, &str); 2] = [
    (AppointmentState::Confirmed, "Confirm"),
    (AppointmentState::Declined, "Decline"),
];
const AT_THE_DOOR: [(AppointmentState, &str); 3] = [
    (AppointmentState::CheckedIn, "Check in"),
    (AppointmentState::Seen, "Seen"),
    (AppointmentState::NoShow, "No show"),
];

#[derive(Template)]
#[template(path = "sessions/show.html")]
struct SessionPage {
    layout: Layout,
    id: i64,
    movie_id: i64,
    movie: String,
    name: String,
    kind: &'static str,
    /// The day, and the hours, on the session's clocks.
    date: String,
    hours: String,
    /// `Europe/London (BST, UTC+01:00)`.
    time_zone: String,
    location: Option<String>,
    slot_minutes: String,
    booked: usize,
    slots: i32,
    can_write: bool,
    /// Whether the door's buttons show: `patch:session`, or the office's `patch:movie`.
    can_door: bool,
    csrf: String,
    notice: Option<String>,
    problem: Option<String>,
    rows: Vec<SlotRow>,
    /// `"{role_id}-{actor_id}"` and "Actor — Role (status)", for the booking form.
    offered: Vec<Choice>,
    /// Whether more candidates wait than the booking form offers.
    more_offered: bool,
    roles: Vec<Choice>,
    statuses: Vec<Choice>,
    history: History,
}

/// What the session's page shows besides the session: its answer's status, a message, and
/// where its history starts.
#[derive(Default)]
struct Shown {
    status: Option<StatusCode>,
    notice: Option<String>,
    problem: Option<String>,
    history: String,
}

impl Shown {
    fn refused(status: StatusCode, problem: String) -> Self {
        Self {
            status: Some(status),
            problem: Some(problem),
            ..Self::default()
        }
    }
}

/// The message for what was just done (`done` in the URL).
fn notice(done: &str) -> Option<String> {
    let notice = match done {
        "created" => "The session was added.".to_owned(),
        "saved" => "Your changes were saved.".to_owned(),
        "booked" => "The slot was booked: the actor is invited.".to_owned(),
        "freed" => "The slot was freed.".to_owned(),
        "invited" => "The appointment is back to invited.".to_owned(),
        "confirmed" => "The appointment was confirmed.".to_owned(),
        "declined" => "The appointment was declined.".to_owned(),
        "checked_in" => "Checked in.".to_owned(),
        "seen" => "Marked as seen.".to_owned(),
        "no_show" => "Marked as a no-show.".to_owned(),
        done => match done.strip_prefix("scheduled-")?.parse::<usize>().ok()? {
            0 => "Scheduled 0 candidates: no one in that status was waiting, or no slot was free."
                .to_owned(),
            1 => "Scheduled 1 candidate.".to_owned(),
            n => format!("Scheduled {n} candidates."),
        },
    };
    Some(notice)
}

/// The candidates the booking form offers: those of the movie's roles who may still be
/// auditioned and are not in the session yet, role by role, best grade first; at most
/// [`OFFERED_MAX`], and whether more wait.
async fn offered(
    web: &Web,
    roles: &[Role],
    current: &Session,
) -> Result<(Vec<(String, String)>, bool), StorageError> {
    let scheduled: HashSet<i64> = current
        .appointments
        .iter()
        .map(|appointment| appointment.actor.id)
        .collect();
    let filter = CandidateFilter {
        statuses: WAITING.to_vec(),
        ..CandidateFilter::default()
    };
    let mut offered = Vec::new();
    for role in roles {
        let waiting: i64 = WAITING
            .iter()
            .map(|&status| role.candidates.of(status))
            .sum();
        if waiting == 0 {
            continue;
        }
        // Enough to fill the form even if every scheduled actor is among them.
        let wanted = OFFERED_MAX - offered.len() + scheduled.len() + 1;
        let keyset = Keyset {
            sort: CandidateSort::Rank,
            descending: false,
            after: None,
            limit: u32::try_from(wanted).unwrap_or(u32::MAX),
        };
        let page = candidates::list(&web.db, role.id, &filter, &keyset).await?;
        for candidate in page.items {
            if scheduled.contains(&candidate.actor.id) {
                continue;
            }
            if offered.len() == OFFERED_MAX {
                return Ok((offered, true));
            }
            offered.push((
                format!("{}-{}", role.id, candidate.actor.id),
                format!(
                    "{} — {} ({})",
                    candidate.actor.name,
                    role.fields.name.as_str(),
                    candidate.fields.status.label()
                ),
            ));
        }
    }
    Ok((offered, false))
}

/// The status autofill offers first: the one before the session's own.
fn usual_source(kind: SessionKind) -> Status {
    match kind {
        SessionKind::Audition => Status::Shortlisted,
        SessionKind::Callback => Status::Audition,
    }
}

/// The session's page: its facts, the day's schedule with the forms that change it, and its
/// history.
async fn session_page(web: &Web, signed_in: &SignedIn, id: i64, shown: Shown) -> PageResult {
    signed_in.require(READ)?;
    let current = read_session(web, signed_in, id).await?;
    let movie = movie_title(web, signed_in, current.movie_id).await?;
    let history = history::section(web, signed_in, Kind::Session, id, &shown.history).await?;
    let can_write = signed_in.may(WRITE);
    let fields = &current.fields;
    let zone = fields.time_zone.zone();
    let start = local_start(fields);
    let end = (fields.slot_start(fields.slots.get())).with_timezone(&zone);
    let (offered, more_offered, role_choices) = if can_write {
        let roles = roles::list(&web.db, current.movie_id)
            .await
            .map_err(|error| signed_in.failed(error))?;
        let (offered, more) = offered(web, &roles, &current)
            .await
            .map_err(|error| signed_in.failed(error))?;
        let role_choices = roles
            .iter()
            .map(|role| (role.id, role.fields.name.as_str().to_owned()))
            .collect();
        (offered, more, role_choices)
    } else {
        (Vec::new(), false, Vec::new())
    };
    let can_door = signed_in.may(DOOR) || can_write;
    // A booked slot's buttons: those the person may use, but for the state it is in.
    let buttons = |now: AppointmentState| {
        let door = AT_THE_DOOR.iter().filter(|_| can_door);
        let office = OFFICE.iter().filter(|_| can_write);
        door.chain(office)
            .filter(|&&(state, _)| state != now)
            .map(|&(state, label)| StateButton {
                state: state.as_str(),
                label,
            })
            .collect()
    };
    let rows = (0..fields.slots.get())
        .map(|slot| {
            let starts = fields.slot_start(slot);
            let local = starts.with_timezone(&zone);
            SlotRow {
                slot,
                at: instant_text(starts),
                // A session that runs past midnight says which day its late slots are on.
                time: if local.date_naive() == start.date_naive() {
                    local.format("%H:%M").to_string()
                } else {
                    local.format("%Y-%m-%d %H:%M").to_string()
                },
                booked: current.appointment(slot).map(|appointment| Booked {
                    actor_id: appointment.actor.id,
                    name: appointment.actor.name.clone(),
                    photo: appointment.actor.photo.clone(),
                    role_id: appointment.role_id,
                    role: appointment.role.clone(),
                    state: appointment.state.label(),
                    buttons: buttons(appointment.state),
                }),
            }
        })
        .collect();
    let statuses = Status::ALL
        .into_iter()
        .filter(|status| *status != Status::Booked)
        .map(|status| (status.as_str(), status.label().to_owned()))
        .collect();
    let name = fields.name.as_str().to_owned();
    let page = SessionPage {
        layout: Layout::for_user(name.clone(), &signed_in.user, SECTION),
        id,
        movie_id: current.movie_id,
        movie,
        kind: fields.kind.label(),
        date: start.format("%A %-d %B %Y").to_string(),
        hours: format!("{} to {}", clock(&start), clock(&end)),
        time_zone: format!(
            "{} ({}, UTC{})",
            zone.name(),
            start.format("%Z"),
            start.format("%:z")
        ),
        location: fields
            .location
            .as_ref()
            .map(|location| location.as_str().to_owned()),
        slot_minutes: fields.slot_minutes.to_string(),
        booked: current.appointments.len(),
        slots: fields.slots.get(),
        can_write,
        can_door,
        csrf: signed_in.user.csrf.clone(),
        notice: shown.notice,
        problem: shown.problem,
        rows,
        offered: Choice::list(offered, None),
        more_offered,
        roles: Choice::list(role_choices, None),
        statuses: Choice::list(statuses, Some(&usual_source(fields.kind).as_str())),
        history,
        name,
    };
    Ok(page::render(shown.status.unwrap_or(StatusCode::OK), &page))
}

/// `GET /app/sessions/{id}`.
async fn show(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult {
    session.require(READ)?;
    let id = id_in(&session, &raw, "session")?;
    let mut shown = Shown::default();
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match &*name {
            "done" => shown.notice = notice(&value),
            "history" => shown.history = value.into_owned(),
            _ => {}
        }
    }
    session_page(&web, &session, id, shown).await
}

/// Where a change of a slot sends the browser back: the slot's row, with what was done.
fn back_to_slot(id: i64, slot: i32, done: &str) -> Response {
    redirect(&format!("{}?done={done}#slot-{slot}", session_path(id)))
}

/// The page again after a refused change, with why in words.
async fn refused_change(
    web: &Web,
    signed_in: &SignedIn,
    id: i64,
    error: StorageError,
) -> PageResult {
    let (status, problem) = match error {
        StorageError::Conflict(message) => (StatusCode::CONFLICT, sentence(&message)),
        StorageError::Missing(message) => (StatusCode::NOT_FOUND, sentence(&message)),
        StorageError::Invalid(invalid) => (StatusCode::UNPROCESSABLE_ENTITY, invalid.to_string()),
        error => return Err(signed_in.failed(error)),
    };
    let problem = format!("Nothing was changed: {problem}");
    session_page(web, signed_in, id, Shown::refused(status, problem)).await
}

/// The ids of `/app/sessions/{id}/slots/{slot}/...`.
fn slot_of(session: &SignedIn, (raw, raw_slot): &(String, String)) -> Result<(i64, i32), Refused> {
    let id = id_in(session, raw, "session")?;
    let slot = raw_slot
        .parse::<i32>()
        .map_err(|_| no_such(session, "slot"))?;
    Ok((id, slot))
}

/// Refuses a change of a slot whose appointment is no longer the one the page showed (the
/// form's `actor_id`): someone freed or rebooked it meanwhile.
async fn still_booked(
    web: &Web,
    signed_in: &SignedIn,
    id: i64,
    slot: i32,
    form: &Form,
) -> Result<(), Response> {
    let current = read_session(web, signed_in, id)
        .await
        .map_err(IntoResponse::into_response)?;
    let shown = form.id("actor_id");
    let now = current.appointment(slot).map(|booked| booked.actor.id);
    if shown.is_none() || shown == now {
        return Ok(());
    }
    let problem = "Nothing was changed: the slot changed since this page was opened (it was \
        freed or booked again). Here is the schedule as it is now."
        .to_owned();
    let shown = Shown::refused(StatusCode::CONFLICT, problem);
    Err(session_page(web, signed_in, id, shown)
        .await
        .into_response())
}

/// `POST /app/sessions/{id}/slots/{slot}/state`: sets the state of a booked slot. The door's
/// states take `patch:session`; the office's, `patch:movie` (which may set any).
async fn set_state(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(ids): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(READ)?;
    let (id, slot) = slot_of(&session, &ids)?;
    let form = session.form(&headers, &body)?;
    let mut object = Map::new();
    object.insert("state".into(), Value::from(form.text("state")));
    let change = match StateChange::from_object(object) {
        Ok(change) => change,
        Err(invalid) => {
            let problem = format!("Nothing was changed: {invalid}");
            let shown = Shown::refused(StatusCode::UNPROCESSABLE_ENTITY, problem);
            return session_page(&web, &session, id, shown).await;
        }
    };
    if !(change.state.at_the_door() && session.may(DOOR)) {
        session.require(WRITE)?;
    }
    if let Err(page) = still_booked(&web, &session, id, slot, &form).await {
        return Ok(page);
    }
    match sessions::set_state(&web.db, id, slot, change.state, &session.editor()).await {
        Ok(_) => Ok(back_to_slot(id, slot, change.state.as_str())),
        Err(error) => refused_change(&web, &session, id, error).await,
    }
}

/// `POST /app/sessions/{id}/slots/{slot}/free`.
async fn free(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(ids): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(WRITE)?;
    let (id, slot) = slot_of(&session, &ids)?;
    let form = session.form(&headers, &body)?;
    if let Err(page) = still_booked(&web, &session, id, slot, &form).await {
        return Ok(page);
    }
    match sessions::free(&web.db, id, slot, &session.editor()).await {
        Ok(_) => Ok(back_to_slot(id, slot, "freed")),
        Err(error) => refused_change(&web, &session, id, error).await,
    }
}

/// A number typed in a form, as the API would receive it: a number when it reads as one, else
/// the text (which the model refuses in its words).
fn number_or_text(text: &str) -> Value {
    text.trim()
        .parse::<i64>()
        .map_or_else(|_| Value::from(text), Value::from)
}

/// `POST /app/sessions/{id}/book`: books the slot whose button was pressed (`slot`) with the
/// candidate chosen (`candidate`, `"{role_id}-{actor_id}"`).
async fn book(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(WRITE)?;
    let id = id_in(&session, &raw, "session")?;
    let form = session.form(&headers, &body)?;
    let refused = |problem: &str| {
        let problem = format!("Nothing was booked: {problem}");
        Shown::refused(StatusCode::UNPROCESSABLE_ENTITY, problem)
    };
    let Some(slot) = form.get("slot").and_then(|slot| slot.parse::<i32>().ok()) else {
        let shown = refused("press the Book button of a free slot.");
        return session_page(&web, &session, id, shown).await;
    };
    let chosen = form.text("candidate");
    let Some((role_id, actor_id)) = chosen.split_once('-') else {
        let shown = refused("choose the candidate to book first.");
        return session_page(&web, &session, id, shown).await;
    };
    let mut object = Map::new();
    object.insert("role_id".into(), number_or_text(role_id));
    object.insert("actor_id".into(), number_or_text(actor_id));
    let booking = match Booking::from_object(object) {
        Ok(booking) => booking,
        Err(invalid) => {
            let shown = refused(&invalid.to_string());
            return session_page(&web, &session, id, shown).await;
        }
    };
    match sessions::book(&web.db, id, slot, &booking, &session.editor()).await {
        Ok(_) => Ok(back_to_slot(id, slot, "booked")),
        Err(error) => refused_change(&web, &session, id, error).await,
    }
}

/// `POST /app/sessions/{id}/autofill`: fills the free slots with the role's candidates in the
/// status chosen, as the API's autofill.
async fn autofill(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(WRITE)?;
    let id = id_in(&session, &raw, "session")?;
    let form = session.form(&headers, &body)?;
    let mut object = Map::new();
    object.insert("role_id".into(), number_or_text(&form.text("role_id")));
    object.insert("status".into(), Value::from(form.text("status")));
    let request = match Autofill::from_object(object) {
        Ok(request) => request,
        Err(invalid) => {
            let problem = format!("Nothing was scheduled: {invalid}");
            let shown = Shown::refused(StatusCode::UNPROCESSABLE_ENTITY, problem);
            return session_page(&web, &session, id, shown).await;
        }
    };
    match sessions::autofill(&web.db, id, &request, &session.editor()).await {
        Ok(filled) => Ok(redirect(&format!(
            "{}?done=scheduled-{}#schedule",
            session_path(id),
            filled.scheduled
        ))),
        Err(error) => refused_change(&web, &session, id, error).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(date: &str, time: &str) -> (NaiveDate, NaiveTime) {
        (
            NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
            NaiveTime::parse_from_str(time, "%H:%M").unwrap(),
        )
    }

    #[test]
    fn a_local_time_in_summer_is_an_hour_ahead_of_utc_in_london() {
        let (date, time) = local("2027-03-28", "09:00");
        let start = instant_in(chrono_tz::Europe::London, date, time).unwrap();
        assert_eq!(instant_text(start), "2027-03-28T08:00:00Z");
    }

    #[test]
    fn a_time_the_clocks_skip_is_refused_with_the_zone_named() {
        let (date, time) = local("2027-03-28", "01:30");
        let message = instant_in(chrono_tz::Europe::London, date, time).unwrap_err();
        assert!(
            message.contains("01:30 on 2027-03-28 does not exist in Europe/London"),
            "{message}"
        );
    }

    #[test]
    fn a_time_the_clocks_show_twice_is_the_earlier() {
        let (date, time) = local("2027-10-31", "01:30");
        let start = instant_in(chrono_tz::Europe::London, date, time).unwrap();
        assert_eq!(instant_text(start), "2027-10-31T00:30:00Z");
    }

    #[test]
    fn the_form_is_read_by_the_models_rules() {
        let typed = Typed {
            name: "First round".into(),
            date: "2027-03-28".into(),
            time: "09:00".into(),
            time_zone: "Europe/London".into(),
            slots: "3".into(),
            ..Typed::default()
        };
        let new: NewSession = typed.body().unwrap();
        assert_eq!(instant_text(new.starts_at.time()), "2027-03-28T08:00:00Z");
        assert_eq!(new.slots.get(), 3);
        assert_eq!(new.slot_minutes.get(), 15, "a blank length is the default");
        assert_eq!(new.location, None);

        let unknown = Typed {
            time_zone: "Mars/Olympus".into(),
            slot_minutes: "1".into(),
            ..typed
        };
        let errors = FieldErrors::from(unknown.body::<NewSession>().unwrap_err());
        assert!(errors.get("time_zone").unwrap().contains("IANA"));
        assert!(errors.get("slot_minutes").is_some());
        assert_eq!(
            errors.get("starts_at"),
            None,
            "the start is the date's and time's"
        );
        assert_eq!(errors.count(), 2);
    }

    #[test]
    fn a_missing_date_is_said_beside_the_date() {
        let typed = Typed {
            name: "First round".into(),
            time: "9am".into(),
            ..Typed::default()
        };
        let errors = FieldErrors::from(typed.body::<NewSession>().unwrap_err());
        assert_eq!(errors.get("date").as_deref(), Some("is required"));
        assert!(errors.get("time").unwrap().contains("09:30"));
        assert_eq!(errors.count(), 2);
    }
}
