//! The actors' pages: the list (with its CSV export), an actor with their movies, the form for a
//! new or changed actor, deleting one, and casting them from their own page.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};

use super::Web;
use super::form::{
    CastAttempt, Choice, ConfirmDelete, ConflictPage, ConflictRow, FieldErrors, FormPage, FormSpec,
    Input, unchosen,
};
use super::history::{self, History};
use super::list::{self, ListQuery};
use super::page::{self, Layout, PageResult, Refused, redirect};
use super::session::SignedIn;
use crate::auth::Permission;
use crate::http::actors::ActorListQuery;
use crate::http::csv;
use crate::http::extract::parse_id;
use crate::model::{ActorChanges, NewActor, RequestBody};
use crate::storage::actors::{self, Actor, ActorSort, search_key};
use crate::storage::movies::{self, MovieFilter, MovieSort};
use crate::storage::{Keyset, Kind, StorageError, Value, castings};

pub fn routes() -> Router<Arc<Web>> {
    Router::new()
        .route("/app/actors", get(list).post(create))
        .route("/app/actors.csv", get(export))
        .route("/app/actors/new", get(new_form))
        .route("/app/actors/{id}", get(show).post(update))
        .route("/app/actors/{id}/edit", get(edit_form))
        .route("/app/actors/{id}/delete", get(confirm_delete).post(delete))
        .route("/app/actors/{id}/movies", post(cast))
        .route("/app/actors/{id}/movies/{movie_id}/remove", post(uncast))
}

/// The sorts offered, as the API names them.
const SORTS: [(&str, &str); 6] = [
    ("id", "First added first"),
    ("-id", "Last added first"),
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
    ("age", "Youngest first"),
    ("-age", "Oldest first"),
];

/// How many movies the casting form offers at once.
const CHOICES: u32 = 20;

fn key(sort: ActorSort, actor: &Actor) -> Value {
    match sort {
        ActorSort::Id => Value::Int(actor.id),
        ActorSort::Name => Value::Text(actor.name.clone()),
        ActorSort::Age => Value::Int(actor.age.into()),
    }
}

/// The id in a path, or the page for a path that names nothing.
fn id_of(session: &SignedIn, raw: &str) -> Result<i64, Refused> {
    parse_id("id", raw)
        .map_err(|_| session.refuse(StatusCode::NOT_FOUND, "There is no such actor."))
}

#[derive(Template)]
#[template(path = "actors/list.html")]
struct ListPage {
    layout: Layout,
    q: String,
    gender: String,
    min_age: String,
    max_age: String,
    sorts: Vec<Choice>,
    actors: Vec<Actor>,
    next: Option<String>,
    previous: Option<String>,
    csv: String,
    can_create: bool,
    problem: Option<String>,
    notice: Option<&'static str>,
}

/// `GET /app/actors`.
async fn list(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    RawQuery(raw): RawQuery,
) -> PageResult {
    session.require(Permission::GetActors)?;
    let query = ListQuery::parse(raw.as_deref());
    let db = &web.db;
    let window = async {
        let api: ActorListQuery = query.api()?;
        let filter = api.filter();
        let filter = &filter;
        list::window(
            filter,
            api.paging().sort,
            &query,
            |keyset| async move { actors::list(db, filter, &keyset).await },
            key,
            |actor| actor.id,
        )
        .await
    }
    .await;
    let (status, window, problem) = list::shown(window).map_err(|error| session.failed(error))?;
    let notice = (query.done.as_deref() == Some("deleted")).then_some("The actor was deleted.");
    Ok(page::render(
        status,
        &ListPage {
            layout: Layout::for_user("Actors", &session.user, "actors"),
            q: query.value("q"),
            gender: query.value("gender"),
            min_age: query.value("min_age"),
            max_age: query.value("max_age"),
            sorts: list::sorts(&SORTS, &query),
            next: window
                .next
                .map(|cursor| query.href("/app/actors", Some(("after", &cursor)))),
            previous: window
                .previous
                .map(|cursor| query.href("/app/actors", Some(("before", &cursor)))),
            actors: window.items,
            csv: query.href("/app/actors.csv", None),
            can_create: session.may(Permission::PostActor),
            problem,
            notice,
        },
    ))
}

/// `GET /app/actors.csv`: the whole filtered list, as the API's `Accept: text/csv` gives it.
async fn export(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    RawQuery(raw): RawQuery,
) -> PageResult {
    session.require(Permission::GetActors)?;
    let query = ListQuery::parse(raw.as_deref());
    let exported = async {
        let api: ActorListQuery = query.api()?;
        csv::actors(web.db.clone(), api.filter(), api.paging()).await
    }
    .await;
    exported.map_err(|error| session.refuse(error.status(), page::capitalized(&error.to_string())))
}

#[derive(Template)]
#[template(path = "actors/show.html")]
struct ShowPage {
    layout: Layout,
    actor: Actor,
    can_edit: bool,
    can_delete: bool,
    can_cast: bool,
    movie_q: String,
    choices: Vec<Choice>,
    character: String,
    csrf: String,
    errors: FieldErrors,
    notice: Option<&'static str>,
    history: History,
}

/// The movies offered for casting: those whose title holds `search`, by title.
async fn movie_choices(web: &Web, search: &str) -> Result<Vec<(i64, String)>, StorageError> {
    let filter = MovieFilter {
        title_contains: Some(search.trim())
            .filter(|text| !text.is_empty())
            .map(search_key),
        ..MovieFilter::default()
    };
    let keyset = Keyset {
        sort: MovieSort::Title,
        descending: false,
        after: None,
        limit: CHOICES,
    };
    let page = movies::list(&web.db, &filter, &keyset).await?;
    Ok(page
        .items
        .into_iter()
        .map(|movie| {
            (
                movie.id,
                format!("{} ({})", movie.title, movie.release_date),
            )
        })
        .collect())
}

/// The actor's page; with a refused casting, its messages and what was typed.
async fn show_page(
    web: &Web,
    session: &SignedIn,
    id: i64,
    movie_q: String,
    attempt: Option<CastAttempt>,
    notice: Option<&'static str>,
    history_cursor: &str,
) -> PageResult {
    let actor = actors::get(&web.db, id)
        .await
        .map_err(|error| session.failed(error))?;
    let history = history::section(web, session, Kind::Actor, id, history_cursor).await?;
    let can_cast = session.may(Permission::PatchMovie);
    let choices = if can_cast {
        movie_choices(web, &movie_q)
            .await
            .map_err(|error| session.failed(error))?
    } else {
        Vec::new()
    };
    let status = match attempt {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    let attempt = attempt.unwrap_or_default();
    Ok(page::render(
        status,
        &ShowPage {
            layout: Layout::for_user(actor.name.clone(), &session.user, "actors"),
            can_edit: session.may(Permission::PatchActor),
            can_delete: session.may(Permission::DeleteActor),
            can_cast,
            movie_q,
            choices: Choice::list(choices, attempt.chosen.as_ref()),
            character: attempt.character,
            csrf: session.user.csrf.clone(),
            errors: attempt.errors,
            notice,
            history,
            actor,
        },
    ))
}

fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "created" => Some("The actor was added."),
        "saved" => Some("Your changes were saved."),
        "cast" => Some("The cast was updated."),
        "removed" => Some("The actor was removed from the cast."),
        _ => None,
    }
}

/// `GET /app/actors/{id}`.
async fn show(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult {
    session.require(Permission::GetActors)?;
    let id = id_of(&session, &raw)?;
    let query = ListQuery::parse(query.as_deref());
    let notice = notice(query.done.as_deref());
    let history = query.value("history");
    show_page(
        &web,
        &session,
        id,
        query.value("movie_q"),
        None,
        notice,
        &history,
    )
    .await
}

fn inputs(name: String, age: String, gender: String) -> Vec<Input> {
    vec![
        Input::text("name", "Name", name),
        Input::text("age", "Age", age).kind("number", "0", "150"),
        Input::text("gender", "Gender", gender),
    ]
}

/// The form, for a new actor (no `etag`) or a change, with the messages of a refused one.
fn form_page(
    session: &SignedIn,
    heading: String,
    action: String,
    inputs: Vec<Input>,
    etag: Option<i64>,
    errors: Option<FieldErrors>,
) -> PageResult {
    let form = FormSpec {
        session,
        section: "actors",
        heading,
        action,
        etag,
    };
    Ok(FormPage::render(form, inputs, errors))
}

/// `GET /app/actors/new`.
async fn new_form(session: SignedIn) -> PageResult {
    session.require(Permission::PostActor)?;
    let empty = inputs(String::new(), String::new(), String::new());
    form_page(
        &session,
        "New actor".into(),
        "/app/actors".into(),
        empty,
        None,
        None,
    )
}

/// `POST /app/actors`.
async fn create(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(Permission::PostActor)?;
    let form = session.form(&headers, &body)?;
    match NewActor::from_object(form.object(NewActor::FIELDS, &["age"])) {
        Ok(new_actor) => {
            let actor = actors::create(&web.db, &new_actor, &session.editor())
                .await
                .map_err(|error| session.failed(error))?;
            Ok(redirect(&format!("/app/actors/{}?done=created", actor.id)))
        }
        Err(invalid) => {
            let typed = inputs(form.text("name"), form.text("age"), form.text("gender"));
            form_page(
                &session,
                "New actor".into(),
                "/app/actors".into(),
                typed,
                None,
                Some(invalid.into()),
            )
        }
    }
}

/// `GET /app/actors/{id}/edit`: the form, carrying the version it shows.
async fn edit_form(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
) -> PageResult {
    session.require(Permission::PatchActor)?;
    let id = id_of(&session, &raw)?;
    let actor = actors::get(&web.db, id)
        .await
        .map_err(|error| session.failed(error))?;
    let current = inputs(actor.name.clone(), actor.age.to_string(), actor.gender);
    let heading = format!("Edit {}", actor.name);
    form_page(
        &session,
        heading,
        format!("/app/actors/{id}"),
        current,
        Some(actor.version),
        None,
    )
}

/// `POST /app/actors/{id}`: the edit form, saved only if the actor is still as it was opened;
/// otherwise the conflict page, from which the person's values can be saved again.
async fn update(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(Permission::PatchActor)?;
    let id = id_of(&session, &raw)?;
    let form = session.form(&headers, &body)?;
    let (name, age, gender) = (form.text("name"), form.text("age"), form.text("gender"));
    let changes = match ActorChanges::from_object(form.object(ActorChanges::FIELDS, &["age"])) {
        Ok(changes) => changes,
        Err(invalid) => {
            let typed = inputs(name, age, gender);
            let action = format!("/app/actors/{id}");
            return form_page(
                &session,
                "Edit actor".into(),
                action,
                typed,
                form.version(),
                Some(invalid.into()),
            );
        }
    };
    let version = form.version().ok_or_else(|| {
        session.refuse(
            StatusCode::BAD_REQUEST,
            "The form does not say which version it edits.",
        )
    })?;
    match actors::update(&web.db, id, &changes, Some(&[version]), &session.editor()).await {
        Ok(_) => Ok(redirect(&format!("/app/actors/{id}?done=saved"))),
        Err(StorageError::VersionMismatch(_)) => {
            let current = actors::get(&web.db, id)
                .await
                .map_err(|error| session.failed(error))?;
            let rows = vec![
                ConflictRow::new("Name", &current.name, &name),
                ConflictRow::new("Age", &current.age.to_string(), &age),
                ConflictRow::new("Gender", &current.gender, &gender),
            ];
            Ok(page::render(
                StatusCode::CONFLICT,
                &ConflictPage {
                    layout: Layout::for_user(
                        format!("{} changed", current.name),
                        &session.user,
                        "actors",
                    ),
                    what: "actor",
                    rows,
                    hidden: vec![("name", name), ("age", age), ("gender", gender)],
                    name: current.name,
                    action: format!("/app/actors/{id}"),
                    etag: current.version,
                    cancel: format!("/app/actors/{id}"),
                },
            ))
        }
        Err(error) => Err(session.failed(error)),
    }
}

fn confirm_page(session: &SignedIn, actor: &Actor, changed: bool) -> PageResult {
    let consequence = match actor.movies.len() {
        0 => "They are in no movie's cast.".to_owned(),
        1 => "They will also be removed from the cast of 1 movie.".to_owned(),
        n => format!("They will also be removed from the casts of {n} movies."),
    };
    Ok(page::render(
        if changed {
            StatusCode::CONFLICT
        } else {
            StatusCode::OK
        },
        &ConfirmDelete {
            layout: Layout::for_user(format!("Delete {}", actor.name), &session.user, "actors"),
            what: "actor",
            name: actor.name.clone(),
            consequence,
            action: format!("/app/actors/{}/delete", actor.id),
            etag: actor.version,
            cancel: format!("/app/actors/{}", actor.id),
            changed,
        },
    ))
}

/// `GET /app/actors/{id}/delete`: asks first.
async fn confirm_delete(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
) -> PageResult {
    session.require(Permission::DeleteActor)?;
    let id = id_of(&session, &raw)?;
    let actor = actors::get(&web.db, id)
        .await
        .map_err(|error| session.failed(error))?;
    confirm_page(&session, &actor, false)
}

/// `POST /app/actors/{id}/delete`: deletes the actor as the confirmation showed it; if it changed
/// meanwhile, asks again.
async fn delete(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(Permission::DeleteActor)?;
    let id = id_of(&session, &raw)?;
    let form = session.form(&headers, &body)?;
    let versions = form.version().map(|version| [version]);
    match actors::delete(
        &web.db,
        id,
        versions.as_ref().map(|v| &v[..]),
        &session.editor(),
    )
    .await
    {
        Ok(()) => Ok(redirect("/app/actors?done=deleted")),
        Err(StorageError::VersionMismatch(_)) => {
            let actor = actors::get(&web.db, id)
                .await
                .map_err(|error| session.failed(error))?;
            confirm_page(&session, &actor, true)
        }
        Err(error) => Err(session.failed(error)),
    }
}

/// `POST /app/actors/{id}/movies`: casts the actor in the movie chosen.
async fn cast(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(Permission::PatchMovie)?;
    let id = id_of(&session, &raw)?;
    let form = session.form(&headers, &body)?;
    let movie_id = form.id("movie_id");
    let refused = |errors: FieldErrors| CastAttempt {
        chosen: movie_id,
        character: form.text("character"),
        errors,
    };
    let (casting, movie_id) = match (form.casting(), movie_id) {
        (Ok(casting), Some(movie_id)) => (casting, movie_id),
        (Err(errors), _) => {
            return show_page(
                &web,
                &session,
                id,
                form.text("movie_q"),
                Some(refused(errors)),
                None,
                "",
            )
            .await;
        }
        (Ok(_), None) => {
            let errors = unchosen("movie_id", "choose a movie");
            return show_page(
                &web,
                &session,
                id,
                form.text("movie_q"),
                Some(refused(errors)),
                None,
                "",
            )
            .await;
        }
    };
    castings::cast(
        &web.db,
        movie_id,
        id,
        casting.character,
        None,
        &session.editor(),
    )
    .await
    .map_err(|error| session.failed(error))?;
    Ok(redirect(&format!("/app/actors/{id}?done=cast#movies")))
}

/// `POST /app/actors/{id}/movies/{movie_id}/remove`.
async fn uncast(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path((raw, raw_movie)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(Permission::PatchMovie)?;
    let (Ok(id), Ok(movie_id)) = (parse_id("id", &raw), parse_id("movie_id", &raw_movie)) else {
        return Err(session.refuse(StatusCode::NOT_FOUND, "There is no such casting."));
    };
    session.form(&headers, &body)?;
    castings::uncast(&web.db, movie_id, id, None, &session.editor())
        .await
        .map_err(|error| session.failed(error))?;
    Ok(redirect(&format!("/app/actors/{id}?done=removed#movies")))
}
