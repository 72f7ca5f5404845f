//! A movie's roles (its breakdown) and each role's board: the role's page, where its candidates
//! are listed by status, moved and graded one at a time or several at once, presented to
//! producers through a link, and updated in place as anyone changes them; and the director's
//! search of the catalogue to add more. Every control is a plain link or form; htmx only swaps
//! the parts a form changed. Reading needs `get:movies`; every change, `patch:movie`, as in the
//! API (booking casts, which changes the movie).

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};

use super::Web;
use super::form::{Choice, ConfirmDelete, FieldErrors, Form, FormPage, Input};
use super::history::{self, History};
use super::list::{self, ListQuery};
use super::resource::Resource;
use super::session::SignedIn;
use crate::auth::Permission;
use crate::kit::lists::CandidateListQuery;
use crate::kit::page::{self, Layout, PageResult, Refused, redirect};
use crate::kit::{SHARE_PATH, parse_id};
use crate::model::{
    Answer, CandidateChanges, CandidateFields, ExpiresInDays, Fields, NewPresentation, NewRole,
    PRESENTATION_DAYS_MAX, PRESENTATION_TITLE_MAX, PRESENTED_MAX, RequestBody, RoleChanges,
    RoleFields, Status, Whole,
};
use crate::storage::actors::Actor;
use crate::storage::candidates::{self, Candidate, CandidateSort, Target};
use crate::storage::photos::PrimaryPhoto;
use crate::storage::presentations::{self, Presentation};
use crate::storage::roles::{self, Role};
use crate::storage::{Kind, StorageError, Value, movies, search_key};

/// Reading roles and candidates.
const READ: Permission = Permission::GetMovies;
/// Changing them: booking casts, which changes the movie.
const WRITE: Permission = Permission::PatchMovie;
/// The role's fields whose blank input stands for their default (one position).
const DEFAULTED: &[&str] = &["positions"];
/// Roles belong to the movies' section of the app.
const SECTION: &str = "movies";

/// The keys of the board, as its "Keyboard shortcuts" list shows them and its script reads
/// them there: `(key, field, value, what it does)`.
const SHORTCUTS: &[(&str, &str, &str, &str)] = &[
    ("1", "rank", "1", "Grade 1"),
    ("2", "rank", "2", "Grade 2"),
    ("3", "rank", "3", "Grade 3"),
    ("4", "rank", "4", "Grade 4"),
    ("5", "rank", "5", "Grade 5"),
    ("6", "rank", "6", "Grade 6"),
    ("0", "rank", "", "Clear the grade"),
    ("u", "status", "submitted", "Move to Submitted"),
    ("s", "status", "shortlisted", "Move to Shortlisted"),
    ("a", "status", "audition", "Move to Audition"),
    ("c", "status", "callback", "Move to Callback"),
    ("h", "status", "hold", "Move to Hold"),
    ("b", "status", "booked", "Book"),
    ("p", "status", "passed", "Move to Passed"),
];

/// The board's orders, as the API names them, with their labels.
const SORTS: &[(&str, &str)] = &[
    ("added", "First added first"),
    ("-added", "Last added first"),
    ("rank", "Grade, best first"),
    ("name", "Name, A to Z"),
];

pub fn routes() -> Router<Arc<Web>> {
    Router::new()
        .route("/app/movies/{id}/roles", post(create))
        .route("/app/movies/{id}/roles/new", get(new_form))
        .route("/app/roles/{id}", get(board).post(update))
        .route("/app/roles/{id}/edit", get(edit_form))
        .route("/app/roles/{id}/delete", get(confirm_delete).post(delete))
        .route("/app/roles/{id}/candidates", post(move_many))
        .route("/app/roles/{id}/candidates/{actor_id}", post(move_one))
        .route("/app/roles/{id}/add", get(search).post(add))
        .route(
            "/app/roles/{id}/presentations",
            get(to_presentations).post(present),
        )
        .route(
            "/app/roles/{id}/presentations/{presentation_id}/revoke",
            post(revoke),
        )
}

/// `/app/roles/{id}`.
fn role_path(id: i64) -> String {
    format!("/app/roles/{id}")
}

/// A role as a movie's page lists it.
pub struct RoleSummary {
    pub id: i64,
    pub name: String,
    pub positions: String,
    /// `(status, how many)` of the statuses it has candidates in, in pipeline order.
    pub counts: Vec<(&'static str, i64)>,
}

impl RoleSummary {
    pub fn of(role: &Role) -> Self {
        Self {
            id: role.id,
            name: role.fields.name.as_str().to_owned(),
            positions: role.fields.positions.to_string(),
            counts: Status::ALL
                .into_iter()
                .map(|status| (status.label(), role.candidates.of(status)))
                .filter(|(_, count)| *count > 0)
                .collect(),
        }
    }
}

fn no_such(session: &SignedIn, what: &str) -> Refused {
    session.refuse(StatusCode::NOT_FOUND, format!("There is no such {what}."))
}

fn id_in(session: &SignedIn, raw: &str, what: &str) -> Result<i64, Refused> {
    parse_id("id", raw).map_err(|_| no_such(session, what))
}

async fn read_role(web: &Web, session: &SignedIn, id: i64) -> Result<Role, Refused> {
    roles::get(&web.db, id)
        .await
        .map_err(|error| session.failed(error))
}

async fn movie_title(web: &Web, session: &SignedIn, id: i64) -> Result<String, Refused> {
    let movie = movies::get(&web.db, id)
        .await
        .map_err(|error| session.failed(error))?;
    Ok(movie.fields.title.as_str().to_owned())
}

/// A message of the API (lower case, no full stop) as a sentence's end.
fn sentence(message: &str) -> String {
    let message = message.trim_end();
    if message.ends_with('.') {
        message.to_owned()
    } else {
        format!("{message}.")
    }
}

// ---------------------------------------------------------------------------------------------
// The role's form: new and edit.

/// Where a role's form goes and what it is called.
struct RoleForm<'a> {
    session: &'a SignedIn,
    heading: String,
    action: String,
    cancel: String,
    etag: Option<i64>,
}

impl<'a> RoleForm<'a> {
    /// The form that adds a role to a movie.
    fn new_role(session: &'a SignedIn, movie_id: i64, title: &str) -> Self {
        Self {
            session,
            heading: format!("New role in {title}"),
            action: format!("/app/movies/{movie_id}/roles"),
            cancel: format!("/app/movies/{movie_id}#pipeline"),
            etag: None,
        }
    }
}

/// The role's inputs, holding what `form` sent.
fn typed(form: &Form) -> Vec<Input> {
    Input::all::<RoleFields>()
        .into_iter()
        .map(|input| {
            let value = form.text(&input.name);
            input.holding(value)
        })
        .collect()
}

/// The form: with `errors` beside their fields, or a `refusal` of the whole, and `status`.
fn role_form(
    spec: RoleForm<'_>,
    inputs: Vec<Input>,
    status: StatusCode,
    errors: FieldErrors,
    refusal: Option<String>,
) -> Response {
    page::render(
        status,
        &FormPage {
            layout: Layout::for_user(spec.heading.clone(), &spec.session.user, SECTION),
            heading: spec.heading,
            action: spec.action,
            inputs: Input::with_errors(inputs, &errors),
            etag: spec.etag,
            problems: errors.count(),
            general: errors.general,
            refusal,
            cancel: spec.cancel,
        },
    )
}

/// `GET /app/movies/{id}/roles/new`.
async fn new_form(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
) -> PageResult {
    session.require(WRITE)?;
    let movie_id = id_in(&session, &raw, "movie")?;
    let title = movie_title(&web, &session, movie_id).await?;
    let spec = RoleForm::new_role(&session, movie_id, &title);
    let inputs = Input::all::<RoleFields>()
        .into_iter()
        .map(|input| match input.name.as_str() {
            "positions" => input.holding("1".to_owned()),
            _ => input,
        })
        .collect();
    Ok(role_form(
        spec,
        inputs,
        StatusCode::OK,
        FieldErrors::default(),
        None,
    ))
}

/// `POST /app/movies/{id}/roles`: adds the role, and opens its board.
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
    let refused = |status, errors, refusal| {
        let spec = RoleForm::new_role(&session, movie_id, &title);
        Ok(role_form(spec, typed(&form), status, errors, refusal))
    };
    let new = match form.without_blank(DEFAULTED).body::<RoleFields, NewRole>() {
        Ok(new) => new,
        Err(invalid) => {
            return refused(StatusCode::UNPROCESSABLE_ENTITY, invalid.into(), None);
        }
    };
    match roles::create(&web.db, movie_id, &new, &session.editor()).await {
        Ok(role) => Ok(redirect(&format!("{}?done=created", role_path(role.id)))),
        Err(StorageError::Conflict(message)) => {
            let refusal = format!("{} Choose another name.", sentence(&message));
            refused(StatusCode::CONFLICT, FieldErrors::default(), Some(refusal))
        }
        Err(StorageError::Invalid(invalid)) => {
            refused(StatusCode::UNPROCESSABLE_ENTITY, invalid.into(), None)
        }
        Err(error) => Err(session.failed(error)),
    }
}

/// `GET /app/roles/{id}/edit`: the form, carrying the version it shows.
async fn edit_form(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
) -> PageResult {
    session.require(WRITE)?;
    let id = id_in(&session, &raw, "role")?;
    let role = read_role(&web, &session, id).await?;
    let inputs = Input::all::<RoleFields>()
        .into_iter()
        .zip(role.fields.cells())
        .map(|(input, value)| input.holding(value))
        .collect();
    let spec = RoleForm {
        session: &session,
        heading: format!("Edit {}", role.fields.name.as_str()),
        action: role_path(id),
        cancel: role_path(id),
        etag: Some(role.version),
    };
    Ok(role_form(
        spec,
        inputs,
        StatusCode::OK,
        FieldErrors::default(),
        None,
    ))
}

/// `POST /app/roles/{id}`: the edit form, saved only if the role is still as it was opened;
/// otherwise the form again, with what was typed, to be saved over the role as it is now.
async fn update(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(WRITE)?;
    let id = id_in(&session, &raw, "role")?;
    let form = session.form(&headers, &body)?;
    let spec = |etag| RoleForm {
        session: &session,
        heading: "Edit role".to_owned(),
        action: role_path(id),
        cancel: role_path(id),
        etag,
    };
    let changes = match form.body::<RoleFields, RoleChanges>() {
        Ok(changes) => changes,
        Err(invalid) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let spec = spec(form.version());
            return Ok(role_form(spec, typed(&form), status, invalid.into(), None));
        }
    };
    let version = form.version().ok_or_else(|| {
        session.refuse(
            StatusCode::BAD_REQUEST,
            "The form does not say which version it edits.",
        )
    })?;
    match roles::update(&web.db, id, &changes, Some(&[version]), &session.editor()).await {
        Ok(_) => Ok(redirect(&format!("{}?done=saved", role_path(id)))),
        Err(StorageError::Conflict(message)) => Ok(role_form(
            spec(Some(version)),
            typed(&form),
            StatusCode::CONFLICT,
            FieldErrors::default(),
            Some(sentence(&message)),
        )),
        Err(StorageError::VersionMismatch(_)) => {
            let current = read_role(&web, &session, id).await?;
            let refusal = "the role changed since you opened this form (it was edited, or its \
                candidates moved). Your values are kept below: save again to apply them to the \
                role as it is now."
                .to_owned();
            Ok(role_form(
                spec(Some(current.version)),
                typed(&form),
                StatusCode::PRECONDITION_FAILED,
                FieldErrors::default(),
                Some(refusal),
            ))
        }
        Err(StorageError::Invalid(invalid)) => Ok(role_form(
            spec(Some(version)),
            typed(&form),
            StatusCode::UNPROCESSABLE_ENTITY,
            invalid.into(),
            None,
        )),
        Err(error) => Err(session.failed(error)),
    }
}

/// Asks before deleting; `changed` says the role changed since the question was first put.
fn confirm_page(session: &SignedIn, role: &Role, changed: bool) -> Response {
    let status = if changed {
        StatusCode::PRECONDITION_FAILED
    } else {
        StatusCode::OK
    };
    let name = role.fields.name.as_str().to_owned();
    let consequence = match role.candidates.total() {
        0 => "It has no candidates.".to_owned(),
        1 => "Its 1 candidate goes with it; the actor stays.".to_owned(),
        n => format!("Its {n} candidates go with it; the actors stay."),
    };
    page::render(
        status,
        &ConfirmDelete {
            layout: Layout::for_user(format!("Delete {name}"), &session.user, SECTION),
            what: "role",
            name,
            consequence,
            action: format!("{}/delete", role_path(role.id)),
            etag: role.version,
            cancel: role_path(role.id),
            changed,
        },
    )
}

/// `GET /app/roles/{id}/delete`: asks first.
async fn confirm_delete(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
) -> PageResult {
    session.require(WRITE)?;
    let id = id_in(&session, &raw, "role")?;
    let role = read_role(&web, &session, id).await?;
    Ok(confirm_page(&session, &role, false))
}

/// `POST /app/roles/{id}/delete`: deletes the role as the confirmation showed it, and goes back
/// to its movie; while one of its candidates is booked, the board says why it cannot.
async fn delete(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(WRITE)?;
    let id = id_in(&session, &raw, "role")?;
    let form = session.form(&headers, &body)?;
    let role = read_role(&web, &session, id).await?;
    let versions = form.version().map(|version| [version]);
    let if_match = versions.as_ref().map(|v| &v[..]);
    match roles::delete(&web.db, id, if_match, &session.editor()).await {
        Ok(()) => Ok(redirect(&format!(
            "/app/movies/{}?done=role-deleted#pipeline",
            role.movie_id
        ))),
        Err(StorageError::Conflict(message)) => {
            let problem = format!("Not deleted: {}", sentence(&message));
            let shown = Shown::refused(StatusCode::CONFLICT, problem);
            board_page(&web, &session, id, &ListQuery::parse(None), shown).await
        }
        Err(StorageError::VersionMismatch(_)) => {
            let current = read_role(&web, &session, id).await?;
            Ok(confirm_page(&session, &current, true))
        }
        Err(error) => Err(session.failed(error)),
    }
}

// ---------------------------------------------------------------------------------------------
// The board.

/// A tab of the board: one status (or all), with how many candidates it holds.
struct Tab {
    label: &'static str,
    count: i64,
    href: String,
    current: bool,
}

/// A candidate as a row of the board.
struct Row {
    actor_id: i64,
    name: String,
    photo: PrimaryPhoto,
    age: i32,
    plays: String,
    grade: String,
    status: &'static str,
    /// The candidate's version, which its forms are conditional on.
    version: i64,
    statuses: Vec<Choice>,
    ranks: Vec<Choice>,
    /// Selected when the page was sent (a refused change shows the selection again).
    selected: bool,
    /// The producers' latest answer about them, through a presentation.
    feedback: Option<Answered>,
}

/// A producer's answer about a candidate, as their row shows it.
struct Answered {
    /// `yes`, `maybe` or `no`: the badge's class.
    answer: &'static str,
    label: &'static str,
    comment: Option<String>,
    /// When, as RFC 3339 and in words.
    at: String,
    when: String,
}

impl Answered {
    /// The answer a candidate's `feedback` holds (`{"answer", "comment", "at", ...}`); none
    /// if it holds no answer this page knows.
    fn of(feedback: &serde_json::Value) -> Option<Self> {
        let answer = Answer::from_name(feedback["answer"].as_str()?)?;
        let at = feedback["at"].as_str().unwrap_or_default().to_owned();
        let when = chrono::DateTime::parse_from_rfc3339(&at)
            .map(|at| at.format(TIME_IN_WORDS).to_string())
            .unwrap_or_default();
        Some(Self {
            answer: answer.as_str(),
            label: answer.label(),
            comment: feedback["comment"]
                .as_str()
                .filter(|comment| !comment.trim().is_empty())
                .map(str::to_owned),
            at,
            when,
        })
    }
}

/// How the board writes a time: as the history does.
const TIME_IN_WORDS: &str = "%Y-%m-%d %H:%M UTC";

/// A presentation as the board lists it (its link is not known after it was made).
struct Listed {
    id: i64,
    title: String,
    candidates: i64,
    expires_at: String,
    expires: String,
    /// Open, Expired or Withdrawn.
    state: &'static str,
    /// Whether its link still opens, and so may be revoked.
    open: bool,
}

impl Listed {
    fn of(presentation: &Presentation, now: chrono::DateTime<chrono::Utc>) -> Self {
        let state = if presentation.revoked_at.is_some() {
            "Withdrawn"
        } else if presentation.is_open(now) {
            "Open"
        } else {
            "Expired"
        };
        Self {
            id: presentation.id,
            title: presentation
                .title
                .clone()
                .unwrap_or_else(|| "Untitled".to_owned()),
            candidates: presentation.candidates,
            expires_at: presentation.expires_at.to_rfc3339(),
            expires: presentation.expires_at.format(TIME_IN_WORDS).to_string(),
            state,
            open: presentation.is_open(now),
        }
    }
}

/// A presentation just made: the one page that shows its link.
struct Made {
    id: i64,
    url: String,
    expires: String,
}

/// A shortcut, as the page lists it.
struct Shortcut {
    key: &'static str,
    field: &'static str,
    value: &'static str,
    does: &'static str,
}

#[derive(Template)]
#[template(path = "roles/board.html")]
struct BoardPage {
    layout: Layout,
    id: i64,
    name: String,
    movie_id: i64,
    movie: String,
    facts: Vec<(&'static str, String)>,
    booked: i64,
    positions: String,
    can_write: bool,
    csrf: String,
    notice: Option<String>,
    problem: Option<String>,
    tabs: Vec<Tab>,
    rows: Vec<Row>,
    next: Option<String>,
    previous: Option<String>,
    /// The view's query (status, sort, search, page), which the forms send back as `back`.
    view: String,
    /// The status tab shown (empty: all), the search and the sorts, for the search form.
    status: String,
    q: String,
    sorts: Vec<Choice>,
    /// The choices of the forms for the selected candidates.
    bulk_statuses: Vec<Choice>,
    bulk_ranks: Vec<Choice>,
    shortcuts: Vec<Shortcut>,
    history: History,
    /// The role's live updates, and the page that refreshes the board from them (this view).
    live_events: String,
    live_refresh: String,
    /// The role's presentations, newest first; the one just made, with its link.
    presentations: Vec<Listed>,
    made: Option<Made>,
    /// What "Present to producers" holds: as typed when refused, else empty and the default.
    present_title: String,
    present_days: String,
    title_max: usize,
    days_max: i32,
}

/// What the board shows besides the role: its answer's status, a message, and what a refused
/// change had selected and chosen.
#[derive(Default)]
struct Shown {
    status: Option<StatusCode>,
    notice: Option<String>,
    problem: Option<String>,
    selected: Vec<i64>,
    bulk_status: Option<String>,
    bulk_rank: Option<String>,
    history: String,
    made: Option<Made>,
    present_title: Option<String>,
    present_days: Option<String>,
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

/// The status options, `chosen` selected.
fn status_choices(chosen: Option<&str>) -> Vec<Choice> {
    let options = Status::ALL
        .into_iter()
        .map(|status| (status.as_str(), status.label().to_owned()))
        .collect();
    Choice::list(options, chosen.as_ref())
}

/// The grade options, "none" first, `chosen` selected (`""` is none).
fn rank_choices(chosen: Option<&str>) -> Vec<Choice> {
    let mut options = vec![("".to_owned(), "None".to_owned())];
    options.extend((1..=6).map(|rank: i32| (rank.to_string(), rank.to_string())));
    Choice::list(options, chosen.map(str::to_owned).as_ref())
}

/// The playing ages of an actor, in words.
fn plays(min: Option<i32>, max: Option<i32>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("{min}–{max}"),
        (Some(min), None) => format!("{min} and up"),
        (None, Some(max)) => format!("up to {max}"),
        (None, None) => "—".to_owned(),
    }
}

/// A candidate's value of the board's sort column, for the page cursors.
fn sort_key(sort: CandidateSort, candidate: &Candidate) -> Value {
    match sort {
        CandidateSort::Added => Value::Int(candidate.id),
        // Ungraded after 6: right going up; the board offers no "previous" going down.
        CandidateSort::Rank => Value::Int(candidate.fields.rank.map_or(7, Whole::get).into()),
        CandidateSort::Name => Value::Text(search_key(&candidate.actor.name)),
    }
}

/// A board's query string, without the history's cursor (the candidates' query refuses
/// unknown parameters); and that cursor.
fn split_history(raw: Option<&str>) -> (String, String) {
    let mut rest = form_urlencoded::Serializer::new(String::new());
    let mut history = String::new();
    for (name, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if name == "history" {
            history = value.into_owned();
        } else {
            rest.append_pair(&name, &value);
        }
    }
    (rest.finish(), history)
}

/// The board's path with the view of `query` (its filters, sort and page), and `done`.
fn view_href(id: i64, query: &ListQuery, done: Option<&str>) -> String {
    let path = role_path(id);
    let mut href = match &query.after {
        Some(after) => query.href(&path, Some(("after", after))),
        None => query.href(&path, None),
    };
    if let Some(done) = done {
        href.push(if href.contains('?') { '&' } else { '?' });
        href.push_str("done=");
        href.push_str(&form_urlencoded::byte_serialize(done.as_bytes()).collect::<String>());
    }
    href
}

/// The page a live update reloads the board from: this view (without its message, which a
/// refresh should not repeat), with the history's page.
fn live_refresh(id: i64, query: &ListQuery, history: &str) -> String {
    let mut href = view_href(id, query, None);
    if !history.is_empty() {
        href.push(if href.contains('?') { '&' } else { '?' });
        href.push_str("history=");
        href.push_str(&form_urlencoded::byte_serialize(history.as_bytes()).collect::<String>());
    }
    href
}

/// The link of a tab: the board with `status` (or all), the same search and sort.
fn tab_href(id: i64, status: Option<&str>, sort: &str, q: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(status) = status {
        query.append_pair("status", status);
    }
    if !sort.is_empty() {
        query.append_pair("sort", sort);
    }
    if !q.is_empty() {
        query.append_pair("q", q);
    }
    let query = query.finish();
    if query.is_empty() {
        role_path(id)
    } else {
        format!("{}?{query}", role_path(id))
    }
}

/// The message for what was just done (`done` in the URL): `moved`, `graded-3`, ...
fn board_notice(done: Option<&str>, role: &Role) -> Option<String> {
    let (what, count) = match done?.rsplit_once('-') {
        Some((what, count)) => (what, count.parse::<usize>().ok()),
        None => (done?, None),
    };
    let many = |one: &str, several: &str| match count {
        Some(0) => "Nothing changed: they were already so.".to_owned(),
        Some(1) | None => one.to_owned(),
        Some(n) => several.replace("{n}", &n.to_string()),
    };
    let notice = match what {
        "created" => "The role was added.".to_owned(),
        "revoked" => "The link was withdrawn: it no longer opens.".to_owned(),
        "saved" => "Your changes were saved.".to_owned(),
        "moved" => many("The candidate was moved.", "{n} candidates were moved."),
        "graded" => many("The candidate was graded.", "{n} candidates were graded."),
        "booked" => many(
            &format!(
                "Booked: the actor is in the movie's cast as {}.",
                role.fields.name.as_str()
            ),
            &format!(
                "Booked: {{n}} actors are in the movie's cast as {}.",
                role.fields.name.as_str()
            ),
        ),
        _ => return None,
    };
    Some(notice)
}

/// The role's page: its fields, its candidates in the view `query` names, the forms that
/// move and grade them, and its history.
async fn board_page(
    web: &Web,
    session: &SignedIn,
    id: i64,
    query: &ListQuery,
    shown: Shown,
) -> PageResult {
    session.require(READ)?;
    let role = read_role(web, session, id).await?;
    let movie = movie_title(web, session, role.movie_id).await?;
    let history = history::section(web, session, Kind::Role, id, &shown.history).await?;
    let now = crate::storage::now();
    let presentations = presentations::list(&web.db, id)
        .await
        .map_err(|error| session.failed(error))?
        .iter()
        .map(|presentation| Listed::of(presentation, now))
        .collect();
    let window = match query.api::<CandidateListQuery>() {
        Ok(api) => {
            let filter = api.filter();
            let sort = api.paging().sort;
            let fetch = |keyset| {
                let filter = &filter;
                async move { candidates::list(&web.db, id, filter, &keyset).await }
            };
            list::window(&(id, &filter), sort, query, fetch, sort_key, |c| c.id).await
        }
        Err(refusal) => Err(list::ListError::from(refusal)),
    };
    let (list_status, window, list_problem) =
        list::shown(window).map_err(|error| session.failed(error))?;
    let ranked = query.value("sort").trim_start_matches('-') == "rank";
    let status = query.value("status");
    let sort = query.value("sort");
    let q = query.value("q");
    let can_write = session.may(WRITE);
    let mut tabs = vec![Tab {
        label: "All",
        count: role.candidates.total(),
        href: tab_href(id, None, &sort, &q),
        current: status.is_empty(),
    }];
    tabs.extend(Status::ALL.into_iter().map(|each| Tab {
        label: each.label(),
        count: role.candidates.of(each),
        href: tab_href(id, Some(each.as_str()), &sort, &q),
        current: status == each.as_str(),
    }));
    let rows = window
        .items
        .into_iter()
        .map(|candidate| {
            let rank = candidate.fields.rank.map(|rank| rank.get().to_string());
            Row {
                actor_id: candidate.actor.id,
                age: candidate.actor.age,
                plays: plays(
                    candidate.actor.playing_age_min,
                    candidate.actor.playing_age_max,
                ),
                grade: rank.clone().unwrap_or_else(|| "—".to_owned()),
                status: candidate.fields.status.label(),
                version: candidate.version,
                statuses: status_choices(Some(candidate.fields.status.as_str())),
                ranks: rank_choices(Some(rank.as_deref().unwrap_or_default())),
                selected: shown.selected.contains(&candidate.actor.id),
                feedback: candidate.feedback.as_ref().and_then(Answered::of),
                photo: candidate.actor.photo,
                name: candidate.actor.name,
            }
        })
        .collect();
    let facts = RoleFields::DECLARED
        .iter()
        .zip(role.fields.cells())
        .filter(|(field, value)| field.name != "name" && !value.is_empty())
        .map(|(field, value)| (field.label, value))
        .collect();
    let status_code = shown.status.unwrap_or(list_status);
    let name = role.fields.name.as_str().to_owned();
    let board = BoardPage {
        layout: Layout::for_user(name.clone(), &session.user, SECTION),
        id,
        name,
        movie_id: role.movie_id,
        movie,
        facts,
        booked: role.candidates.of(Status::Booked),
        positions: role.fields.positions.to_string(),
        can_write,
        csrf: session.user.csrf.clone(),
        notice: shown
            .notice
            .or_else(|| board_notice(query.done.as_deref(), &role)),
        problem: shown.problem.or(list_problem),
        tabs,
        rows,
        next: window
            .next
            .map(|cursor| query.href(&role_path(id), Some(("after", &cursor)))),
        previous: window
            .previous
            .filter(|_| !ranked)
            .map(|cursor| query.href(&role_path(id), Some(("before", &cursor)))),
        view: view_href(id, query, None)
            .split_once('?')
            .map(|(_, view)| view.to_owned())
            .unwrap_or_default(),
        status,
        q,
        sorts: Choice::list(
            SORTS
                .iter()
                .map(|(value, label)| (*value, (*label).to_owned()))
                .collect(),
            Some(&if sort.is_empty() {
                "added"
            } else {
                sort.as_str()
            }),
        ),
        bulk_statuses: status_choices(shown.bulk_status.as_deref()),
        bulk_ranks: rank_choices(shown.bulk_rank.as_deref()),
        shortcuts: SHORTCUTS
            .iter()
            .map(|&(key, field, value, does)| Shortcut {
                key,
                field,
                value,
                does,
            })
            .collect(),
        history,
        live_events: format!("/roles/{id}/events"),
        live_refresh: live_refresh(id, query, &shown.history),
        presentations,
        made: shown.made,
        present_title: shown.present_title.unwrap_or_default(),
        present_days: shown
            .present_days
            .unwrap_or_else(|| ExpiresInDays::default().get().to_string()),
        title_max: PRESENTATION_TITLE_MAX,
        days_max: PRESENTATION_DAYS_MAX,
    };
    Ok(page::render(status_code, &board))
}

/// `GET /app/roles/{id}`: the board.
async fn board(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    RawQuery(raw_query): RawQuery,
) -> PageResult {
    session.require(READ)?;
    let id = id_in(&session, &raw, "role")?;
    let (rest, history) = split_history(raw_query.as_deref());
    let query = ListQuery::parse(Some(&rest));
    let shown = Shown {
        history,
        ..Shown::default()
    };
    board_page(&web, &session, id, &query, shown).await
}

/// The board's view a form came from (its `back` field).
fn back(form: &Form) -> ListQuery {
    ListQuery::parse(Some(&form.text("back")))
}

/// The change a move or grade form asks for: its `status` or its `rank`, read by the model.
fn change_of(form: &Form, field: &str) -> Result<CandidateChanges, String> {
    form.only(&[field])
        .body::<CandidateFields, CandidateChanges>()
        .map_err(|invalid| invalid.to_string())
}

/// What `done` says of a change of `changes`.
fn done_of(changes: &CandidateChanges) -> &'static str {
    match changes.status {
        Some(Status::Booked) => "booked",
        Some(_) => "moved",
        None => "graded",
    }
}

/// The board again after a refused change, with why in words and nothing of it lost.
async fn refused_change(
    web: &Web,
    session: &SignedIn,
    id: i64,
    query: &ListQuery,
    error: StorageError,
    shown: Shown,
) -> PageResult {
    let (status, problem) = match error {
        StorageError::Conflict(message) => (StatusCode::CONFLICT, sentence(&message)),
        StorageError::VersionMismatch(_) => (
            StatusCode::PRECONDITION_FAILED,
            "the candidate changed since this page was opened (someone moved or graded them \
             meanwhile). Here is the board as it is now: try again."
                .to_owned(),
        ),
        StorageError::Invalid(invalid) => (StatusCode::UNPROCESSABLE_ENTITY, invalid.to_string()),
        error => return Err(session.failed(error)),
    };
    let shown = Shown {
        status: Some(status),
        problem: Some(format!("Nothing was changed: {problem}")),
        ..shown
    };
    board_page(web, session, id, query, shown).await
}

/// `POST /app/roles/{id}/candidates/{actor_id}`: moves or grades one candidate (its `status`
/// or its `rank`), if it is still as the page showed it (`etag`).
async fn move_one(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path((raw, raw_actor)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(WRITE)?;
    let (Ok(id), Ok(actor_id)) = (parse_id("id", &raw), parse_id("actor_id", &raw_actor)) else {
        return Err(no_such(&session, "candidate"));
    };
    let form = session.form(&headers, &body)?;
    let query = back(&form);
    let field = if form.get("status").is_some() {
        "status"
    } else {
        "rank"
    };
    let changes = match change_of(&form, field) {
        Ok(changes) => changes,
        Err(problem) => {
            let problem = format!("Nothing was changed: {}", sentence(&problem));
            let shown = Shown::refused(StatusCode::UNPROCESSABLE_ENTITY, problem);
            return board_page(&web, &session, id, &query, shown).await;
        }
    };
    let versions = form.version().map(|version| [version]);
    let target = Target::One {
        actor_id,
        if_match: versions.as_ref().map(|v| &v[..]),
    };
    match candidates::write(&web.db, id, target, &changes, &session.editor()).await {
        Ok(_) => Ok(redirect(&format!(
            "{}#candidate-{actor_id}",
            view_href(id, &query, Some(done_of(&changes)))
        ))),
        Err(error) => refused_change(&web, &session, id, &query, error, Shown::default()).await,
    }
}

/// The actor ids a form's checkboxes selected, each once; `None` if one is not an id.
fn selected(form: &Form) -> Option<Vec<i64>> {
    let mut ids = Vec::new();
    for raw in form.all("actor_id") {
        let id = parse_id("actor_id", raw).ok()?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Some(ids)
}

/// `POST /app/roles/{id}/candidates`: moves (`do=move`, to `status`) or grades (`do=grade`,
/// with `rank`) every selected candidate, all or none.
async fn move_many(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(WRITE)?;
    let id = id_in(&session, &raw, "role")?;
    let form = session.form(&headers, &body)?;
    let query = back(&form);
    let ids = selected(&form).unwrap_or_default();
    let kept = || Shown {
        selected: ids.clone(),
        bulk_status: form.get("status").map(str::to_owned),
        bulk_rank: form.get("rank").map(str::to_owned),
        ..Shown::default()
    };
    let problem = |message: &str| Shown {
        status: Some(StatusCode::UNPROCESSABLE_ENTITY),
        problem: Some(format!("Nothing was changed: {message}")),
        ..kept()
    };
    if ids.is_empty() {
        let shown = problem("select one or more candidates first, with their checkboxes.");
        return board_page(&web, &session, id, &query, shown).await;
    }
    let field = match form.get("do") {
        Some("move") => "status",
        Some("grade") => "rank",
        _ => {
            let shown = problem("choose Move or Grade.");
            return board_page(&web, &session, id, &query, shown).await;
        }
    };
    let changes = match change_of(&form, field) {
        Ok(changes) => changes,
        Err(message) => {
            let shown = problem(&sentence(&message));
            return board_page(&web, &session, id, &query, shown).await;
        }
    };
    let target = Target::Many {
        actor_ids: &ids,
        add: false,
    };
    match candidates::write(&web.db, id, target, &changes, &session.editor()).await {
        Ok(written) => Ok(redirect(&view_href(
            id,
            &query,
            Some(&format!("{}-{}", done_of(&changes), written.changed)),
        ))),
        Err(error) => refused_change(&web, &session, id, &query, error, kept()).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Presenting candidates to producers: a link that opens without signing in.

/// The body of "Present to producers", as the API would receive it: the selected candidates,
/// the title if one was typed, and the days (left to their default when blank; a number
/// when they read as one, so that the model judges anything else).
fn presentation_body(
    ids: &[i64],
    title: &str,
    days: &str,
) -> serde_json::Map<String, serde_json::Value> {
    let mut body = serde_json::Map::new();
    body.insert("actor_ids".into(), ids.into());
    if !title.trim().is_empty() {
        body.insert("title".into(), title.into());
    }
    let days = days.trim();
    if !days.is_empty() {
        let days = days
            .parse::<i64>()
            .map_or_else(|_| serde_json::Value::from(days), serde_json::Value::from);
        body.insert("expires_in_days".into(), days);
    }
    body
}

/// `POST /app/roles/{id}/presentations`: makes a link that shows the selected candidates to
/// producers, and shows it on the board: the only time it can be shown, since the server keeps
/// only a hash of its token. A refusal shows the board again, the selection kept.
async fn present(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(WRITE)?;
    let id = id_in(&session, &raw, "role")?;
    let form = session.form(&headers, &body)?;
    let query = back(&form);
    let ids = selected(&form).unwrap_or_default();
    let (title, days) = (form.text("title"), form.text("expires_in_days"));
    let refused = |problem: String| Shown {
        status: Some(StatusCode::UNPROCESSABLE_ENTITY),
        problem: Some(format!("No link was made: {problem}")),
        selected: ids.clone(),
        present_title: Some(title.clone()),
        present_days: Some(days.clone()),
        ..Shown::default()
    };
    let problem = if ids.is_empty() {
        Some("select one or more candidates first, with their checkboxes.".to_owned())
    } else if ids.len() > PRESENTED_MAX {
        Some(format!(
            "a link shows at most {PRESENTED_MAX} candidates, and {} are selected.",
            ids.len()
        ))
    } else {
        None
    };
    if let Some(problem) = problem {
        return board_page(&web, &session, id, &query, refused(problem)).await;
    }
    let new = match NewPresentation::from_object(presentation_body(&ids, &title, &days)) {
        Ok(new) => new,
        Err(invalid) => {
            let shown = refused(sentence(&invalid.to_string()));
            return board_page(&web, &session, id, &query, shown).await;
        }
    };
    match presentations::create(&web.db, id, &new).await {
        Ok(created) => {
            let shown = Shown {
                notice: Some(
                    "The link was made. Copy it now, under Presentations to producers: this \
                     page is the only one that shows it."
                        .to_owned(),
                ),
                made: Some(Made {
                    id: created.id,
                    url: format!("{}{SHARE_PATH}{}", web.base_url, created.token),
                    expires: created.expires_at.format(TIME_IN_WORDS).to_string(),
                }),
                ..Shown::default()
            };
            board_page(&web, &session, id, &query, shown).await
        }
        Err(StorageError::Invalid(invalid)) => {
            let shown = refused(sentence(&invalid.to_string()));
            board_page(&web, &session, id, &query, shown).await
        }
        Err(error) => Err(session.failed(error)),
    }
}

/// `GET /app/roles/{id}/presentations`: where the address bar is after a link was made
/// without scripts; loading it again shows the board's list of links (the link itself is
/// not kept).
async fn to_presentations(session: SignedIn, Path(raw): Path<String>) -> PageResult {
    let id = id_in(&session, &raw, "role")?;
    Ok(redirect(&format!("{}#presentations", role_path(id))))
}

/// `POST /app/roles/{id}/presentations/{presentation_id}/revoke`: withdraws one of the role's
/// links; it answers 410 from then on.
async fn revoke(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path((raw, raw_presentation)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(WRITE)?;
    let (Ok(id), Ok(presentation_id)) = (
        parse_id("id", &raw),
        parse_id("presentation_id", &raw_presentation),
    ) else {
        return Err(no_such(&session, "link"));
    };
    let form = session.form(&headers, &body)?;
    let query = back(&form);
    // The link must be this role's: the board withdraws only what it lists.
    let listed = presentations::list(&web.db, id)
        .await
        .map_err(|error| session.failed(error))?;
    if !listed.iter().any(|listed| listed.id == presentation_id) {
        return Err(no_such(&session, "link"));
    }
    presentations::revoke(&web.db, presentation_id)
        .await
        .map_err(|error| session.failed(error))?;
    Ok(redirect(&format!(
        "{}#presentations",
        view_href(id, &query, Some("revoked"))
    )))
}

// ---------------------------------------------------------------------------------------------
// Adding candidates: the director's search of the catalogue.

#[derive(Template)]
#[template(path = "roles/add.html")]
struct AddPage {
    layout: Layout,
    id: i64,
    name: String,
    movie_id: i64,
    movie: String,
    /// What the role asks for, in words.
    wants: String,
    csrf: String,
    /// The search, as typed (the actors list's filters).
    list: ListQuery,
    sorts: Vec<Choice>,
    actors: Vec<Actor>,
    next: Option<String>,
    previous: Option<String>,
    /// The search's query, which the forms send back as `back`.
    view: String,
    notice: Option<String>,
    problem: Option<String>,
    selected: Vec<i64>,
}

/// `/app/roles/{id}/add`.
fn add_path(id: i64) -> String {
    format!("{}/add", role_path(id))
}

/// The search's path with the query of `query` (its filters, sort and page).
fn search_href(id: i64, query: &ListQuery) -> String {
    match (&query.after, &query.before) {
        (Some(after), _) => query.href(&add_path(id), Some(("after", after))),
        (None, Some(before)) => query.href(&add_path(id), Some(("before", before))),
        (None, None) => query.href(&add_path(id), None),
    }
}

/// What `done=added-N` says.
fn added_notice(done: Option<&str>) -> Option<String> {
    let count: usize = done?.strip_prefix("added-")?.parse().ok()?;
    Some(match count {
        0 => "They are candidates already: nothing was added.".to_owned(),
        1 => "Added 1 candidate to the role.".to_owned(),
        n => format!("Added {n} candidates to the role."),
    })
}

/// The role's wants, as a line over the search: "Gender: female; Age from: 20".
fn wants(role: &Role) -> String {
    RoleFields::DECLARED
        .iter()
        .zip(role.fields.cells())
        .filter(|(field, value)| {
            ["gender", "age_min", "age_max"].contains(&field.name) && !value.is_empty()
        })
        .map(|(field, value)| format!("{}: {value}", field.label))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The search page, with `shown`'s status, message and selection.
async fn search_page(
    web: &Web,
    session: &SignedIn,
    id: i64,
    query: ListQuery,
    shown: Shown,
) -> PageResult {
    let role = read_role(web, session, id).await?;
    let movie = movie_title(web, session, role.movie_id).await?;
    let window = <Actor as Resource>::window(&web.db, &query).await;
    let (status, window, problem) = list::shown(window).map_err(|error| session.failed(error))?;
    let path = add_path(id);
    let name = role.fields.name.as_str().to_owned();
    let page = AddPage {
        layout: Layout::for_user(format!("Add candidates: {name}"), &session.user, SECTION),
        id,
        movie_id: role.movie_id,
        movie,
        wants: wants(&role),
        csrf: session.user.csrf.clone(),
        sorts: list::sorts(<Actor as Resource>::SORTS, &query),
        actors: window.items,
        next: window
            .next
            .map(|cursor| query.href(&path, Some(("after", &cursor)))),
        previous: window
            .previous
            .map(|cursor| query.href(&path, Some(("before", &cursor)))),
        view: search_href(id, &query)
            .split_once('?')
            .map(|(_, view)| view.to_owned())
            .unwrap_or_default(),
        notice: shown.notice.or_else(|| added_notice(query.done.as_deref())),
        problem: shown.problem.or(problem),
        selected: shown.selected,
        list: query,
        name,
    };
    Ok(page::render(shown.status.unwrap_or(status), &page))
}

/// `GET /app/roles/{id}/add`: the catalogue, searched by the actors list's filters.
async fn search(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    RawQuery(raw_query): RawQuery,
) -> PageResult {
    session.require(WRITE)?;
    session.require(<Actor as Resource>::READ)?;
    let id = id_in(&session, &raw, "role")?;
    let query = ListQuery::parse(raw_query.as_deref());
    search_page(&web, &session, id, query, Shown::default()).await
}

/// `POST /app/roles/{id}/add`: adds the actors chosen (one `actor_id`, or the checked ones) as
/// candidates, all or none; those who are candidates already stay as they are.
async fn add(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(WRITE)?;
    let id = id_in(&session, &raw, "role")?;
    let form = session.form(&headers, &body)?;
    let query = ListQuery::parse(Some(&form.text("back")));
    let ids = selected(&form).unwrap_or_default();
    let refused = |status: StatusCode, problem: String| Shown {
        status: Some(status),
        problem: Some(format!("Nothing was added: {problem}")),
        selected: ids.clone(),
        ..Shown::default()
    };
    if ids.is_empty() {
        let shown = refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "select one or more actors first, with their checkboxes.".to_owned(),
        );
        return search_page(&web, &session, id, query, shown).await;
    }
    let target = Target::Many {
        actor_ids: &ids,
        add: true,
    };
    let changes = CandidateChanges::default();
    match candidates::write(&web.db, id, target, &changes, &session.editor()).await {
        Ok(written) => {
            let mut href = search_href(id, &query);
            href.push(if href.contains('?') { '&' } else { '?' });
            href.push_str(&format!("done=added-{}", written.changed));
            Ok(redirect(&href))
        }
        Err(StorageError::Conflict(message)) => {
            let shown = refused(StatusCode::CONFLICT, sentence(&message));
            search_page(&web, &session, id, query, shown).await
        }
        Err(StorageError::Invalid(invalid)) => {
            let shown = refused(StatusCode::UNPROCESSABLE_ENTITY, invalid.to_string());
            search_page(&web, &session, id, query, shown).await
        }
        Err(error) => Err(session.failed(error)),
    }
}
