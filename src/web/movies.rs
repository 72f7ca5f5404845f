//! The movies' pages: the list (with its CSV export), a movie with its cast editor, the form for
//! a new or changed movie, and deleting one.

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
use crate::http::csv;
use crate::http::extract::parse_id;
use crate::http::movies::MovieListQuery;
use crate::model::{MovieChanges, NewMovie, RequestBody};
use crate::storage::actors::{self, ActorFilter, ActorSort, search_key};
use crate::storage::movies::{self, Movie, MovieSort};
use crate::storage::{Keyset, Kind, StorageError, Value, castings};

pub fn routes() -> Router<Arc<Web>> {
    Router::new()
        .route("/app/movies", get(list).post(create))
        .route("/app/movies.csv", get(export))
        .route("/app/movies/new", get(new_form))
        .route("/app/movies/{id}", get(show).post(update))
        .route("/app/movies/{id}/edit", get(edit_form))
        .route("/app/movies/{id}/delete", get(confirm_delete).post(delete))
        .route("/app/movies/{id}/cast", post(cast))
        .route("/app/movies/{id}/cast/{actor_id}/remove", post(uncast))
}

/// The sorts offered, as the API names them.
const SORTS: [(&str, &str); 6] = [
    ("id", "First added first"),
    ("-id", "Last added first"),
    ("title", "Title, A to Z"),
    ("-title", "Title, Z to A"),
    ("release_date", "Earliest release first"),
    ("-release_date", "Latest release first"),
];

/// How many actors the casting form offers at once.
const CHOICES: u32 = 20;

fn key(sort: MovieSort, movie: &Movie) -> Value {
    match sort {
        MovieSort::Id => Value::Int(movie.id),
        MovieSort::Title => Value::Text(movie.title.clone()),
        MovieSort::ReleaseDate => Value::Date(movie.release_date),
    }
}

/// The id in a path, or the page for a path that names nothing.
fn id_of(session: &SignedIn, raw: &str) -> Result<i64, Refused> {
    parse_id("id", raw)
        .map_err(|_| session.refuse(StatusCode::NOT_FOUND, "There is no such movie."))
}

#[derive(Template)]
#[template(path = "movies/list.html")]
struct ListPage {
    layout: Layout,
    q: String,
    released_after: String,
    released_before: String,
    sorts: Vec<Choice>,
    movies: Vec<Movie>,
    next: Option<String>,
    previous: Option<String>,
    csv: String,
    can_create: bool,
    problem: Option<String>,
    notice: Option<&'static str>,
}

/// `GET /app/movies`.
async fn list(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    RawQuery(raw): RawQuery,
) -> PageResult {
    session.require(Permission::GetMovies)?;
    let query = ListQuery::parse(raw.as_deref());
    let db = &web.db;
    let window = async {
        let api: MovieListQuery = query.api()?;
        let filter = api.filter();
        let filter = &filter;
        list::window(
            filter,
            api.paging().sort,
            &query,
            |keyset| async move { movies::list(db, filter, &keyset).await },
            key,
            |movie| movie.id,
        )
        .await
    }
    .await;
    let (status, window, problem) = list::shown(window).map_err(|error| session.failed(error))?;
    let notice = (query.done.as_deref() == Some("deleted")).then_some("The movie was deleted.");
    Ok(page::render(
        status,
        &ListPage {
            layout: Layout::for_user("Movies", &session.user, "movies"),
            q: query.value("q"),
            released_after: query.value("released_after"),
            released_before: query.value("released_before"),
            sorts: list::sorts(&SORTS, &query),
            next: window
                .next
                .map(|cursor| query.href("/app/movies", Some(("after", &cursor)))),
            previous: window
                .previous
                .map(|cursor| query.href("/app/movies", Some(("before", &cursor)))),
            movies: window.items,
            csv: query.href("/app/movies.csv", None),
            can_create: session.may(Permission::PostMovie),
            problem,
            notice,
        },
    ))
}

/// `GET /app/movies.csv`: the whole filtered list, as the API's `Accept: text/csv` gives it.
async fn export(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    RawQuery(raw): RawQuery,
) -> PageResult {
    session.require(Permission::GetMovies)?;
    let query = ListQuery::parse(raw.as_deref());
    let exported = async {
        let api: MovieListQuery = query.api()?;
        csv::movies(web.db.clone(), api.filter(), api.paging()).await
    }
    .await;
    exported.map_err(|error| session.refuse(error.status(), page::capitalized(&error.to_string())))
}

#[derive(Template)]
#[template(path = "movies/show.html")]
struct ShowPage {
    layout: Layout,
    movie: Movie,
    can_edit: bool,
    can_delete: bool,
    can_cast: bool,
    actor_q: String,
    choices: Vec<Choice>,
    character: String,
    csrf: String,
    errors: FieldErrors,
    notice: Option<&'static str>,
    history: History,
}

/// The actors offered for casting: those whose name holds `search`, by name.
async fn actor_choices(web: &Web, search: &str) -> Result<Vec<(i64, String)>, StorageError> {
    let filter = ActorFilter {
        name_contains: Some(search.trim())
            .filter(|text| !text.is_empty())
            .map(search_key),
        ..ActorFilter::default()
    };
    let keyset = Keyset {
        sort: ActorSort::Name,
        descending: false,
        after: None,
        limit: CHOICES,
    };
    let page = actors::list(&web.db, &filter, &keyset).await?;
    Ok(page
        .items
        .into_iter()
        .map(|actor| {
            (
                actor.id,
                format!("{} ({}, {})", actor.name, actor.age, actor.gender),
            )
        })
        .collect())
}

/// The movie's page; with a refused casting, its messages and what was typed.
async fn show_page(
    web: &Web,
    session: &SignedIn,
    id: i64,
    actor_q: String,
    attempt: Option<CastAttempt>,
    notice: Option<&'static str>,
    history_cursor: &str,
) -> PageResult {
    let movie = movies::get(&web.db, id)
        .await
        .map_err(|error| session.failed(error))?;
    let history = history::section(web, session, Kind::Movie, id, history_cursor).await?;
    let can_cast = session.may(Permission::PatchMovie);
    let choices = if can_cast {
        actor_choices(web, &actor_q)
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
            layout: Layout::for_user(movie.title.clone(), &session.user, "movies"),
            can_edit: session.may(Permission::PatchMovie),
            can_delete: session.may(Permission::DeleteMovie),
            can_cast,
            actor_q,
            choices: Choice::list(choices, attempt.chosen.as_ref()),
            character: attempt.character,
            csrf: session.user.csrf.clone(),
            errors: attempt.errors,
            notice,
            history,
            movie,
        },
    ))
}

fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "created" => Some("The movie was added."),
        "saved" => Some("Your changes were saved."),
        "cast" => Some("The cast was updated."),
        "removed" => Some("The actor was removed from the cast."),
        _ => None,
    }
}

/// `GET /app/movies/{id}`.
async fn show(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult {
    session.require(Permission::GetMovies)?;
    let id = id_of(&session, &raw)?;
    let query = ListQuery::parse(query.as_deref());
    let notice = notice(query.done.as_deref());
    let history = query.value("history");
    show_page(
        &web,
        &session,
        id,
        query.value("actor_q"),
        None,
        notice,
        &history,
    )
    .await
}

fn inputs(title: String, release_date: String) -> Vec<Input> {
    vec![
        Input::text("title", "Title", title),
        Input::text("release_date", "Release date", release_date).kind(
            "date",
            "1800-01-01",
            "9999-12-31",
        ),
    ]
}

/// The form, for a new movie (no `etag`) or a change, with the messages of a refused one.
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
        section: "movies",
        heading,
        action,
        etag,
    };
    Ok(FormPage::render(form, inputs, errors))
}

/// `GET /app/movies/new`.
async fn new_form(session: SignedIn) -> PageResult {
    session.require(Permission::PostMovie)?;
    let empty = inputs(String::new(), String::new());
    form_page(
        &session,
        "New movie".into(),
        "/app/movies".into(),
        empty,
        None,
        None,
    )
}

/// `POST /app/movies`.
async fn create(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(Permission::PostMovie)?;
    let form = session.form(&headers, &body)?;
    match NewMovie::from_object(form.object(NewMovie::FIELDS, &[])) {
        Ok(new_movie) => {
            let movie = movies::create(&web.db, &new_movie, &session.editor())
                .await
                .map_err(|error| session.failed(error))?;
            Ok(redirect(&format!("/app/movies/{}?done=created", movie.id)))
        }
        Err(invalid) => {
            let typed = inputs(form.text("title"), form.text("release_date"));
            form_page(
                &session,
                "New movie".into(),
                "/app/movies".into(),
                typed,
                None,
                Some(invalid.into()),
            )
        }
    }
}

/// `GET /app/movies/{id}/edit`: the form, carrying the version it shows.
async fn edit_form(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
) -> PageResult {
    session.require(Permission::PatchMovie)?;
    let id = id_of(&session, &raw)?;
    let movie = movies::get(&web.db, id)
        .await
        .map_err(|error| session.failed(error))?;
    let current = inputs(movie.title.clone(), movie.release_date.to_string());
    let heading = format!("Edit {}", movie.title);
    form_page(
        &session,
        heading,
        format!("/app/movies/{id}"),
        current,
        Some(movie.version),
        None,
    )
}

/// `POST /app/movies/{id}`: the edit form, saved only if the movie is still as it was opened;
/// otherwise the conflict page, from which the person's values can be saved again.
async fn update(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(Permission::PatchMovie)?;
    let id = id_of(&session, &raw)?;
    let form = session.form(&headers, &body)?;
    let (title, release_date) = (form.text("title"), form.text("release_date"));
    let changes = match MovieChanges::from_object(form.object(MovieChanges::FIELDS, &[])) {
        Ok(changes) => changes,
        Err(invalid) => {
            let typed = inputs(title, release_date);
            let action = format!("/app/movies/{id}");
            return form_page(
                &session,
                "Edit movie".into(),
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
    match movies::update(&web.db, id, &changes, Some(&[version]), &session.editor()).await {
        Ok(_) => Ok(redirect(&format!("/app/movies/{id}?done=saved"))),
        Err(StorageError::VersionMismatch(_)) => {
            let current = movies::get(&web.db, id)
                .await
                .map_err(|error| session.failed(error))?;
            let rows = vec![
                ConflictRow::new("Title", &current.title, &title),
                ConflictRow::new(
                    "Release date",
                    &current.release_date.to_string(),
                    &release_date,
                ),
            ];
            Ok(page::render(
                StatusCode::CONFLICT,
                &ConflictPage {
                    layout: Layout::for_user(
                        format!("{} changed", current.title),
                        &session.user,
                        "movies",
                    ),
                    what: "movie",
                    rows,
                    hidden: vec![("title", title), ("release_date", release_date)],
                    name: current.title,
                    action: format!("/app/movies/{id}"),
                    etag: current.version,
                    cancel: format!("/app/movies/{id}"),
                },
            ))
        }
        Err(error) => Err(session.failed(error)),
    }
}

fn confirm_page(session: &SignedIn, movie: &Movie, changed: bool) -> PageResult {
    let consequence = match movie.cast.len() {
        0 => "It has no cast.".to_owned(),
        1 => "Its cast of 1 actor goes with it; the actor stays.".to_owned(),
        n => format!("Its cast of {n} actors goes with it; the actors stay."),
    };
    Ok(page::render(
        if changed {
            StatusCode::CONFLICT
        } else {
            StatusCode::OK
        },
        &ConfirmDelete {
            layout: Layout::for_user(format!("Delete {}", movie.title), &session.user, "movies"),
            what: "movie",
            name: movie.title.clone(),
            consequence,
            action: format!("/app/movies/{}/delete", movie.id),
            etag: movie.version,
            cancel: format!("/app/movies/{}", movie.id),
            changed,
        },
    ))
}

/// `GET /app/movies/{id}/delete`: asks first.
async fn confirm_delete(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
) -> PageResult {
    session.require(Permission::DeleteMovie)?;
    let id = id_of(&session, &raw)?;
    let movie = movies::get(&web.db, id)
        .await
        .map_err(|error| session.failed(error))?;
    confirm_page(&session, &movie, false)
}

/// `POST /app/movies/{id}/delete`: deletes the movie as the confirmation showed it; if it
/// changed meanwhile, asks again.
async fn delete(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(Permission::DeleteMovie)?;
    let id = id_of(&session, &raw)?;
    let form = session.form(&headers, &body)?;
    let versions = form.version().map(|version| [version]);
    match movies::delete(
        &web.db,
        id,
        versions.as_ref().map(|v| &v[..]),
        &session.editor(),
    )
    .await
    {
        Ok(()) => Ok(redirect("/app/movies?done=deleted")),
        Err(StorageError::VersionMismatch(_)) => {
            let movie = movies::get(&web.db, id)
                .await
                .map_err(|error| session.failed(error))?;
            confirm_page(&session, &movie, true)
        }
        Err(error) => Err(session.failed(error)),
    }
}

/// `POST /app/movies/{id}/cast`: casts the chosen actor, or changes their character.
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
    let actor_id = form.id("actor_id");
    let refused = |errors: FieldErrors| CastAttempt {
        chosen: actor_id,
        character: form.text("character"),
        errors,
    };
    let (casting, actor_id) = match (form.casting(), actor_id) {
        (Ok(casting), Some(actor_id)) => (casting, actor_id),
        (Err(errors), _) => {
            return show_page(
                &web,
                &session,
                id,
                form.text("actor_q"),
                Some(refused(errors)),
                None,
                "",
            )
            .await;
        }
        (Ok(_), None) => {
            let errors = unchosen("actor_id", "choose an actor");
            return show_page(
                &web,
                &session,
                id,
                form.text("actor_q"),
                Some(refused(errors)),
                None,
                "",
            )
            .await;
        }
    };
    castings::cast(
        &web.db,
        id,
        actor_id,
        casting.character,
        None,
        &session.editor(),
    )
    .await
    .map_err(|error| session.failed(error))?;
    Ok(redirect(&format!("/app/movies/{id}?done=cast#cast")))
}

/// `POST /app/movies/{id}/cast/{actor_id}/remove`.
async fn uncast(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path((raw, raw_actor)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(Permission::PatchMovie)?;
    let (Ok(id), Ok(actor_id)) = (parse_id("id", &raw), parse_id("actor_id", &raw_actor)) else {
        return Err(session.refuse(StatusCode::NOT_FOUND, "There is no such casting."));
    };
    session.form(&headers, &body)?;
    castings::uncast(&web.db, id, actor_id, None, &session.editor())
        .await
        .map_err(|error| session.failed(error))?;
    Ok(redirect(&format!("/app/movies/{id}?done=removed#cast")))
}
