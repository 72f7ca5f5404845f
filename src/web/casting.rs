//! A resource's own page, with its castings and the editor to change them: from a movie's page
//! one picks an actor, from an actor's page a movie. Either [`Side`] casts through the same
//! handlers; a refused casting shows the page again with its messages and what was typed.

use std::future::Future;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

use super::Web;
use super::form::{Choice, FieldErrors};
use super::history::{self, History};
use super::list::ListQuery;
use super::resource::{Resource, id_of, read};
use super::session::SignedIn;
use crate::auth::Permission;
use crate::kit::page::{self, Layout, PageResult, redirect};
use crate::kit::parse_id;
use crate::model::{Invalid, Problem};
use crate::storage::photos::Photo;
use crate::storage::search_key;
use crate::storage::{Database, Keyset, StorageResult, castings};

/// A casting changes the movie, on either side, as the API's `PUT /movies/{id}/actors/{id}`.
const CAST: Permission = Permission::PatchMovie;

/// A resource whose page edits its castings.
pub trait Side: Resource {
    /// What is chosen on this side's page.
    type Other: Side;
    /// The section of the page that holds the castings, which is also their path below the
    /// resource's: `"movies"`.
    const CASTINGS: &'static str;
    /// The casting editor's heading, and its search form's label.
    const ADD: &'static str;
    const FIND: &'static str;
    /// The message for a casting sent without a choice: `"choose a movie"`.
    const UNCHOSEN: &'static str;

    /// `(movie_id, actor_id)` of the casting of `id`, on this side, with `other`.
    fn casting(id: i64, other: i64) -> (i64, i64);
    /// The first of this side's resources whose name holds `search`, by name, as the other
    /// side's casting editor offers them.
    fn choices(
        db: &Database,
        search: &str,
    ) -> impl Future<Output = StorageResult<Vec<(i64, String)>>> + Send;
    /// How many castings its page lists.
    fn castings(&self) -> usize;
    /// Its part of the casting workflow, as its page shows it: a movie's roles, the roles an
    /// actor is considered for.
    fn pipeline(db: &Database, id: i64) -> impl Future<Output = StorageResult<Pipeline>> + Send;
    /// Its photos, the primary first: an actor's.
    fn photos(_db: &Database, _id: i64) -> impl Future<Output = StorageResult<Vec<Photo>>> + Send {
        async { Ok(Vec::new()) }
    }
    fn show_page(self, layout: Layout, detail: Detail) -> impl Template + Send;
}

/// How many choices the casting editor offers at once.
const CHOICES: u32 = 20;

/// The case-folded text the name of a choice must hold; nothing to hold for an empty search.
pub fn searched(search: &str) -> Option<String> {
    Some(search.trim())
        .filter(|text| !text.is_empty())
        .map(search_key)
}

/// The choices to offer, the first in `sort`.
pub fn first<K>(sort: K) -> Keyset<K> {
    Keyset {
        sort,
        descending: false,
        after: None,
        limit: CHOICES,
    }
}

/// The casting routes below a resource's page.
pub fn routes<R: Side>() -> Router<Arc<Web>> {
    let castings = format!("/app/{}/{{id}}/{}", R::SECTION, R::CASTINGS);
    let remove = format!("{castings}/{{other_id}}/remove");
    Router::new()
        .route(&castings, post(cast::<R>))
        .route(&remove, post(uncast::<R>))
}

/// What a resource's page shows besides the resource: the controls the person may use, the
/// casting editor and the history.
pub struct Detail {
    pub name: String,
    /// The page's own path.
    pub path: String,
    pub can_edit: bool,
    pub can_delete: bool,
    pub can_cast: bool,
    pub castings: usize,
    pub csrf: String,
    pub notice: Option<String>,
    pub editor: CastEditor,
    pub pipeline: Pipeline,
    pub photos: Vec<Photo>,
    /// Why a photo just sent was refused.
    pub photo_error: Option<String>,
    pub history: History,
}

/// A resource's part of the casting workflow: a movie's roles, or the roles an actor is
/// considered for.
#[derive(Default)]
pub struct Pipeline {
    pub roles: Vec<super::roles::RoleSummary>,
    /// A movie's audition sessions, in the order they start.
    pub sessions: Vec<super::sessions::SessionSummary>,
    pub candidacies: Vec<crate::storage::candidates::Candidacy>,
    /// Whether the actor is considered for more roles than are shown.
    pub more: bool,
}

/// The form that casts from a resource's page, with what a refused casting sent.
pub struct CastEditor {
    /// [`Side::CASTINGS`].
    pub section: &'static str,
    /// Where the casting is sent.
    pub action: String,
    pub heading: &'static str,
    pub find: &'static str,
    /// What is chosen, one and several: `"movie"`, `"movies"`.
    pub other: &'static str,
    pub others: &'static str,
    /// The search's field and what it holds.
    pub search_field: String,
    pub search: String,
    /// The choice's field and its options.
    pub choice_field: String,
    pub choices: Vec<Choice>,
    pub character: String,
    pub errors: FieldErrors,
}

/// What was sent from the page and refused, which the page shows again with why.
pub enum Attempt {
    Cast(CastAttempt),
    /// A photo, refused with this status and message.
    Photo(StatusCode, String),
}

/// A casting that was refused: what was chosen and typed, and why.
#[derive(Default)]
pub struct CastAttempt {
    chosen: Option<i64>,
    character: String,
    errors: FieldErrors,
}

/// The editor's search field: `"movie_q"`.
fn search_field<R: Side>() -> String {
    format!("{}_q", R::Other::ONE)
}

/// The editor's choice field: `"movie_id"`.
fn choice_field<R: Side>() -> String {
    format!("{}_id", R::Other::ONE)
}

/// The status message for what was just done (`done` in the URL).
fn notice<R: Resource>(done: Option<&str>) -> Option<String> {
    let notice = match done? {
        "created" => format!("The {} was added.", R::ONE),
        "saved" => "Your changes were saved.".to_owned(),
        "cast" => "The cast was updated.".to_owned(),
        "removed" => "The actor was removed from the cast.".to_owned(),
        "role-deleted" => "The role was deleted.".to_owned(),
        "session-deleted" => "The session was deleted.".to_owned(),
        "photo-added" => "The photo was added.".to_owned(),
        "photo-primary" => "The primary photo was changed.".to_owned(),
        "photo-deleted" => "The photo was deleted.".to_owned(),
        _ => return None,
    };
    Some(notice)
}

/// The resource's page; with a refused casting, its messages and what was typed.
pub(super) async fn show_page<R: Side>(
    web: &Web,
    session: &SignedIn,
    id: i64,
    search: String,
    attempt: Option<Attempt>,
    notice: Option<String>,
    history_cursor: &str,
) -> PageResult {
    let shown = read::<R>(web, session, id).await?;
    let history = history::section(web, session, R::KIND, id, history_cursor).await?;
    let pipeline = R::pipeline(&web.db, id)
        .await
        .map_err(|error| session.failed(error))?;
    let can_cast = session.may(CAST);
    let choices = if can_cast {
        R::Other::choices(&web.db, &search)
            .await
            .map_err(|error| session.failed(error))?
    } else {
        Vec::new()
    };
    let photos = R::photos(&web.db, id)
        .await
        .map_err(|error| session.failed(error))?;
    let (status, attempt, photo_error) = match attempt {
        None => (StatusCode::OK, CastAttempt::default(), None),
        Some(Attempt::Cast(attempt)) => (StatusCode::UNPROCESSABLE_ENTITY, attempt, None),
        Some(Attempt::Photo(status, message)) => (status, CastAttempt::default(), Some(message)),
    };
    let path = R::path(id);
    let detail = Detail {
        name: shown.name().to_owned(),
        can_edit: session.may(R::EDIT),
        can_delete: session.may(R::DELETE),
        can_cast,
        castings: shown.castings(),
        csrf: session.user.csrf.clone(),
        notice,
        editor: CastEditor {
            section: R::CASTINGS,
            action: format!("{path}/{}", R::CASTINGS),
            heading: R::ADD,
            find: R::FIND,
            other: R::Other::ONE,
            others: R::Other::SECTION,
            search_field: search_field::<R>(),
            search,
            choice_field: choice_field::<R>(),
            choices: Choice::list(choices, attempt.chosen.as_ref()),
            character: attempt.character,
            errors: attempt.errors,
        },
        pipeline,
        photos,
        photo_error,
        history,
        path,
    };
    let layout = Layout::for_user(shown.name(), &session.user, R::SECTION);
    Ok(page::render(status, &shown.show_page(layout, detail)))
}

/// `GET /app/actors/{id}`.
pub async fn show<R: Side>(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult {
    session.require(R::READ)?;
    let id = id_of::<R>(&session, &raw)?;
    let query = ListQuery::parse(query.as_deref());
    let notice = notice::<R>(query.done.as_deref());
    let search = query.value(&search_field::<R>());
    show_page::<R>(
        &web,
        &session,
        id,
        search,
        None,
        notice,
        &query.value("history"),
    )
    .await
}

/// `POST /app/actors/{id}/movies`: casts in the one chosen, or changes the character.
async fn cast<R: Side>(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(CAST)?;
    let id = id_of::<R>(&session, &raw)?;
    let form = session.form(&headers, &body)?;
    let field = choice_field::<R>();
    let chosen = form.id(&field);
    let casting = match (form.casting(), chosen) {
        (Ok(casting), Some(other)) => Ok((casting, other)),
        (Err(errors), _) => Err(errors),
        (Ok(_), None) => Err(FieldErrors::from(Invalid(vec![Problem {
            field: Some(field),
            message: R::UNCHOSEN.to_owned(),
        }]))),
    };
    let (casting, other) = match casting {
        Ok(casting) => casting,
        Err(errors) => {
            let attempt = CastAttempt {
                chosen,
                character: form.text("character"),
                errors,
            };
            let search = form.text(&search_field::<R>());
            let attempt = Some(Attempt::Cast(attempt));
            return show_page::<R>(&web, &session, id, search, attempt, None, "").await;
        }
    };
    let (movie_id, actor_id) = R::casting(id, other);
    castings::cast(
        &web.db,
        movie_id,
        actor_id,
        casting.character,
        None,
        &session.editor(),
    )
    .await
    .map_err(|error| session.failed(error))?;
    Ok(redirect(&format!(
        "{}?done=cast#{}",
        R::path(id),
        R::CASTINGS
    )))
}

/// `POST /app/actors/{id}/movies/{movie_id}/remove`.
async fn uncast<R: Side>(
    State(web): State<Arc<Web>>,
    session: SignedIn,
    Path((raw, raw_other)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(CAST)?;
    let (Ok(id), Ok(other)) = (parse_id("id", &raw), parse_id("other_id", &raw_other)) else {
        return Err(session.refuse(StatusCode::NOT_FOUND, "There is no such casting."));
    };
    session.form(&headers, &body)?;
    let (movie_id, actor_id) = R::casting(id, other);
    castings::uncast(&web.db, movie_id, actor_id, None, &session.editor())
        .await
        .map_err(|error| session.failed(error))?;
    Ok(redirect(&format!(
        "{}?done=removed#{}",
        R::path(id),
        R::CASTINGS
    )))
}
