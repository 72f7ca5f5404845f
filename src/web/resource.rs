//! What the actors' and the movies' pages do the same way, written once: the list with its CSV
//! export, the form for a new or changed one (with the conflict page when it changed since the
//! form was opened), and deleting one after asking. A [`Resource`] says what differs: its words,
//! form fields, permissions, storage calls and templates. The paths in the handlers' docs are
//! the actors'; the movies' are alike.

use std::future::Future;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;

use super::Web;
use super::form::{
    Choice, ConfirmDelete, ConflictPage, ConflictRow, FieldErrors, Form, FormPage, FormSpec, Input,
};
use super::list::{self, ListError, ListQuery, Window};
use super::session::SignedIn;
use crate::auth::Permission;
use crate::kit::Refusal;
use crate::kit::page::{self, Layout, PageResult, Refused, redirect};
use crate::kit::parse_id;
use crate::model::Fields;
use crate::storage::history::Editor;
use crate::storage::{Database, Kind, StorageError, StorageResult};

/// An actor or a movie, as its pages see it.
pub trait Resource: Sized + Send + Sync + 'static {
    /// What the pages call one: `"actor"`.
    const ONE: &'static str;
    /// Its section of the app, which is also its path under `/app/`: `"actors"`.
    const SECTION: &'static str;
    const KIND: Kind;
    /// What it takes to see, add, change and delete one.
    const READ: Permission;
    const CREATE: Permission;
    const EDIT: Permission;
    const DELETE: Permission;
    /// The sorts the list offers, as the API names them, with their labels.
    const SORTS: &'static [(&'static str, &'static str)];

    /// Its declared fields: the form's inputs, and what a new one and a change are.
    type Fields: Fields;

    fn id(&self) -> i64;
    fn version(&self) -> i64;
    fn fields(&self) -> &Self::Fields;
    /// Its name or title, as headings show it.
    fn name(&self) -> &str;
    /// What else goes when it is deleted, for the confirmation.
    fn consequence(&self) -> String;
    fn list_page(layout: Layout, list: Listing<Self>) -> impl Template + Send;

    fn get(db: &Database, id: i64) -> impl Future<Output = StorageResult<Self>> + Send;
    fn create(
        db: &Database,
        new: &Self::Fields,
        editor: &Editor,
    ) -> impl Future<Output = StorageResult<Self>> + Send;
    fn update(
        db: &Database,
        id: i64,
        changes: &<Self::Fields as Fields>::Changes,
        if_match: Option<&[i64]>,
        editor: &Editor,
    ) -> impl Future<Output = StorageResult<Self>> + Send;
    /// Deletes it; answers the keys of the photo files to remove now that it is gone.
    fn delete(
        db: &Database,
        id: i64,
        if_match: Option<&[i64]>,
        editor: &Editor,
    ) -> impl Future<Output = StorageResult<Vec<String>>> + Send;
    /// The page of the list that `query` names, read with the API's query type.
    fn window(
        db: &Database,
        query: &ListQuery,
    ) -> impl Future<Output = Result<Window<Self>, ListError>> + Send;
    /// The whole list `query` keeps, as the API's `Accept: text/csv` gives it.
    fn export(
        db: Database,
        query: &ListQuery,
    ) -> impl Future<Output = Result<Response, Refusal>> + Send;

    /// The form's inputs, empty.
    fn inputs() -> Vec<Input> {
        Input::all::<Self::Fields>()
    }

    /// Its values as the form shows them, in the order of [`Resource::inputs`].
    fn values(&self) -> Vec<String> {
        self.fields().cells()
    }

    /// `/app/actors`.
    fn list_path() -> String {
        format!("/app/{}", Self::SECTION)
    }

    /// `/app/actors/{id}`.
    fn path(id: i64) -> String {
        format!("/app/{}/{id}", Self::SECTION)
    }

    /// The route of [`Resource::path`]: `/app/actors/{id}`.
    fn path_template() -> String {
        format!("/app/{}/{{id}}", Self::SECTION)
    }
}

/// The routes of a resource's list, forms and deletion; its page itself is shown by
/// [`super::casting`], and saved by [`update`].
pub fn routes<R: Resource>() -> Router<Arc<Web>> {
    let all = R::list_path();
    let one = R::path_template();
    let delete_one = format!("{one}/delete");
    Router::new()
        .route(&all, get(list::<R>).post(create::<R>))
        .route(&format!("{all}.csv"), get(export::<R>))
        .route(&format!("{all}/new"), get(new_form::<R>))
        .route(&format!("{one}/edit"), get(edit_form::<R>))
        .route(&delete_one, get(confirm_delete::<R>).post(delete::<R>))
}

/// The id in a path, or the page for a path that names nothing.
pub fn id_of<R: Resource>(session: &SignedIn, raw: &str) -> Result<i64, Refused> {
    parse_id("id", raw).map_err(|_| {
        session.refuse(
            StatusCode::NOT_FOUND,
            format!("There is no such {}.", R::ONE),
        )
    })
}

/// The resource as it is stored now, or the page for why it cannot be read.
pub async fn read<R: Resource>(web: &Web, session: &SignedIn, id: i64) -> Result<R, Refused> {
    R::get(&web.db, id)
        .await
        .map_err(|error| session.failed(error))
}

/// What every list page shows; the resource's template adds its filters and its table.
pub struct Listing<R> {
    pub one: &'static str,
    pub section: &'static str,
    pub heading: String,
    /// The list's own path, where its search form is sent.
    pub path: String,
    pub query: ListQuery,
    pub sorts: Vec<Choice>,
    pub items: Vec<R>,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub csv: String,
    pub can_create: bool,
    pub problem: Option<String>,
    pub notice: Option<String>,
}

impl<R> Listing<R> {
    /// A filter's value as the person typed it.
    pub fn value(&self, name: &str) -> String {
        self.query.value(name)
    }
}

/// `GET /app/actors`.
async fn list<R: Resource>(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    RawQuery(raw): RawQuery,
) -> PageResult {
    session.require(R::READ)?;
    let query = ListQuery::parse(raw.as_deref());
    let window = R::window(&web.db, &query).await;
    let (status, window, problem) = list::shown(window).map_err(|error| session.failed(error))?;
    let path = R::list_path();
    let heading = page::capitalized(R::SECTION);
    let listing = Listing {
        one: R::ONE,
        section: R::SECTION,
        sorts: list::sorts(R::SORTS, &query),
        next: window
            .next
            .map(|cursor| query.href(&path, Some(("after", &cursor)))),
        previous: window
            .previous
            .map(|cursor| query.href(&path, Some(("before", &cursor)))),
        items: window.items,
        csv: query.href(&format!("{path}.csv"), None),
        can_create: session.may(R::CREATE),
        problem,
        notice: (query.done.as_deref() == Some("deleted"))
            .then(|| format!("The {} was deleted.", R::ONE)),
        query,
        path,
        heading: heading.clone(),
    };
    let layout = Layout::for_user(heading, &session.user, R::SECTION);
    Ok(page::render(status, &R::list_page(layout, listing)))
}

/// `GET /app/actors.csv`: the whole filtered list, as the API's `Accept: text/csv` gives it.
async fn export<R: Resource>(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    RawQuery(raw): RawQuery,
) -> PageResult {
    session.require(R::READ)?;
    let query = ListQuery::parse(raw.as_deref());
    R::export(web.db.clone(), &query)
        .await
        .map_err(|refusal| session.refused(refusal))
}

/// The form's inputs, holding what `form` sent.
fn typed<R: Resource>(form: &Form) -> Vec<Input> {
    R::inputs()
        .into_iter()
        .map(|input| {
            let value = form.text(&input.name);
            input.holding(value)
        })
        .collect()
}

/// The form, for a new resource (no `etag`) or a change, with the messages of a refused one.
fn form_page<R: Resource>(
    session: &SignedIn,
    heading: String,
    action: String,
    inputs: Vec<Input>,
    etag: Option<i64>,
    errors: Option<FieldErrors>,
) -> PageResult {
    let form = FormSpec {
        user: &session.user,
        section: R::SECTION,
        heading,
        action,
        etag,
    };
    Ok(FormPage::render(form, inputs, errors))
}

/// `GET /app/actors/new`.
async fn new_form<R: Resource>(session: SignedIn) -> PageResult {
    session.require(R::CREATE)?;
    let heading = format!("New {}", R::ONE);
    form_page::<R>(&session, heading, R::list_path(), R::inputs(), None, None)
}

/// `POST /app/actors`.
async fn create<R: Resource>(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(R::CREATE)?;
    let form = session.form(&headers, &body)?;
    match form.body::<R::Fields, R::Fields>() {
        Ok(new) => {
            let created = R::create(&web.db, &new, &session.editor())
                .await
                .map_err(|error| session.failed(error))?;
            Ok(redirect(&format!("{}?done=created", R::path(created.id()))))
        }
        Err(invalid) => form_page::<R>(
            &session,
            format!("New {}", R::ONE),
            R::list_path(),
            typed::<R>(&form),
            None,
            Some(invalid.into()),
        ),
    }
}

/// `GET /app/actors/{id}/edit`: the form, carrying the version it shows.
async fn edit_form<R: Resource>(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
) -> PageResult {
    session.require(R::EDIT)?;
    let id = id_of::<R>(&session, &raw)?;
    let current = read::<R>(&web, &session, id).await?;
    let inputs = R::inputs()
        .into_iter()
        .zip(current.values())
        .map(|(input, value)| input.holding(value))
        .collect();
    let heading = format!("Edit {}", current.name());
    form_page::<R>(
        &session,
        heading,
        R::path(id),
        inputs,
        Some(current.version()),
        None,
    )
}

/// `POST /app/actors/{id}`: the edit form, saved only if the resource is still as it was
/// opened; otherwise the conflict page, from which the person's values can be saved again.
pub async fn update<R: Resource>(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(R::EDIT)?;
    let id = id_of::<R>(&session, &raw)?;
    let form = session.form(&headers, &body)?;
    let changes = match form.body::<R::Fields, <R::Fields as Fields>::Changes>() {
        Ok(changes) => changes,
        Err(invalid) => {
            return form_page::<R>(
                &session,
                format!("Edit {}", R::ONE),
                R::path(id),
                typed::<R>(&form),
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
    match R::update(&web.db, id, &changes, Some(&[version]), &session.editor()).await {
        Ok(_) => Ok(redirect(&format!("{}?done=saved", R::path(id)))),
        Err(StorageError::Invalid(invalid)) => form_page::<R>(
            &session,
            format!("Edit {}", R::ONE),
            R::path(id),
            typed::<R>(&form),
            Some(version),
            Some(invalid.into()),
        ),
        Err(StorageError::VersionMismatch(_)) => {
            let current = read::<R>(&web, &session, id).await?;
            Ok(conflict_page(&session, &current, &form))
        }
        Err(error) => Err(session.failed(error)),
    }
}

/// The resource as it is now beside what `form` sent, to be sent again at the current version.
fn conflict_page<R: Resource>(session: &SignedIn, current: &R, form: &Form) -> Response {
    let inputs = R::inputs();
    let rows = inputs
        .iter()
        .zip(current.values())
        .map(|(input, now)| ConflictRow::new(input.label.clone(), &now, &form.text(&input.name)))
        .collect();
    let hidden = inputs
        .iter()
        .map(|input| (input.name.clone(), form.text(&input.name)))
        .collect();
    let name = current.name().to_owned();
    page::render(
        StatusCode::CONFLICT,
        &ConflictPage {
            layout: Layout::for_user(format!("{name} changed"), &session.user, R::SECTION),
            what: R::ONE,
            rows,
            hidden,
            name,
            action: R::path(current.id()),
            etag: current.version(),
            cancel: R::path(current.id()),
        },
    )
}

/// Asks before deleting; `changed` says the resource changed since the question was first put.
fn confirm_page<R: Resource>(session: &SignedIn, current: &R, changed: bool) -> PageResult {
    let status = if changed {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    Ok(page::render(
        status,
        &ConfirmDelete {
            layout: Layout::for_user(
                format!("Delete {}", current.name()),
                &session.user,
                R::SECTION,
            ),
            what: R::ONE,
            name: current.name().to_owned(),
            consequence: current.consequence(),
            action: format!("{}/delete", R::path(current.id())),
            etag: current.version(),
            cancel: R::path(current.id()),
            changed,
        },
    ))
}

/// `GET /app/actors/{id}/delete`: asks first.
async fn confirm_delete<R: Resource>(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
) -> PageResult {
    session.require(R::DELETE)?;
    let id = id_of::<R>(&session, &raw)?;
    let current = read::<R>(&web, &session, id).await?;
    confirm_page(&session, &current, false)
}

/// `POST /app/actors/{id}/delete`: deletes the resource as the confirmation showed it; if it
/// changed meanwhile, asks again.
async fn delete<R: Resource>(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(R::DELETE)?;
    let id = id_of::<R>(&session, &raw)?;
    let form = session.form(&headers, &body)?;
    let versions = form.version().map(|version| [version]);
    let if_match = versions.as_ref().map(|v| &v[..]);
    match R::delete(&web.db, id, if_match, &session.editor()).await {
        Ok(files) => {
            web.photos.remove_all(&files).await;
            Ok(redirect(&format!("{}?done=deleted", R::list_path())))
        }
        Err(StorageError::VersionMismatch(_)) => {
            let current = read::<R>(&web, &session, id).await?;
            confirm_page(&session, &current, true)
        }
        Err(error) => Err(session.failed(error)),
    }
}
