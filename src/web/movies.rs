//! The movies' pages, as far as they differ from the actors': a movie's fields and words, the
//! storage calls, and the templates of the list and of a movie with its cast editor. The flows
//! are [`super::resource`]'s and [`super::casting`]'s.

use askama::Template;
use axum::response::Response;

use super::casting::{self, Detail, Pipeline, Side};
use super::list::{self, ListError, ListQuery, Window};
use super::resource::{Listing, Resource};
use super::roles::RoleSummary;
use super::sessions::SessionSummary;
use crate::auth::Permission;
use crate::kit::Refusal;
use crate::kit::csv;
use crate::kit::lists::MovieListQuery;
use crate::kit::page::Layout;
use crate::model::{MovieChanges, MovieFields, NewMovie};
use crate::storage::actors::Actor;
use crate::storage::history::Editor;
use crate::storage::movies::{self, Movie, MovieFilter, MovieSort};
use crate::storage::{Database, Kind, StorageResult};

#[derive(Template)]
#[template(path = "movies/list.html")]
struct ListPage {
    layout: Layout,
    list: Listing<Movie>,
}

#[derive(Template)]
#[template(path = "movies/show.html")]
struct ShowPage {
    layout: Layout,
    movie: Movie,
    detail: Detail,
}

impl Resource for Movie {
    const ONE: &'static str = "movie";
    const SECTION: &'static str = "movies";
    const KIND: Kind = Kind::Movie;
    const READ: Permission = Permission::GetMovies;
    const CREATE: Permission = Permission::PostMovie;
    const EDIT: Permission = Permission::PatchMovie;
    const DELETE: Permission = Permission::DeleteMovie;
    const SORTS: &'static [(&'static str, &'static str)] = &[
        ("id", "First added first"),
        ("-id", "Last added first"),
        ("title", "Title, A to Z"),
        ("-title", "Title, Z to A"),
        ("release_date", "Earliest release first"),
        ("-release_date", "Latest release first"),
    ];

    type Fields = MovieFields;

    fn id(&self) -> i64 {
        self.id
    }

    fn version(&self) -> i64 {
        self.version
    }

    fn fields(&self) -> &MovieFields {
        &self.fields
    }

    fn name(&self) -> &str {
        self.fields.title.as_str()
    }

    fn consequence(&self) -> String {
        match self.cast.len() {
            0 => "It has no cast.".to_owned(),
            1 => "Its cast of 1 actor goes with it; the actor stays.".to_owned(),
            n => format!("Its cast of {n} actors goes with it; the actors stay."),
        }
    }

    fn list_page(layout: Layout, list: Listing<Self>) -> impl Template + Send {
        ListPage { layout, list }
    }

    async fn get(db: &Database, id: i64) -> StorageResult<Self> {
        movies::get(db, id).await
    }

    async fn create(db: &Database, new: &NewMovie, editor: &Editor) -> StorageResult<Self> {
        movies::create(db, new, editor).await
    }

    async fn update(
        db: &Database,
        id: i64,
        changes: &MovieChanges,
        if_match: Option<&[i64]>,
        editor: &Editor,
    ) -> StorageResult<Self> {
        movies::update(db, id, changes, if_match, editor).await
    }

    async fn delete(
        db: &Database,
        id: i64,
        if_match: Option<&[i64]>,
        editor: &Editor,
    ) -> StorageResult<Vec<String>> {
        movies::delete(db, id, if_match, editor).await?;
        Ok(Vec::new())
    }

    async fn window(db: &Database, query: &ListQuery) -> Result<Window<Self>, ListError> {
        let api: MovieListQuery = query.api()?;
        let filter = &api.filter();
        let fetch = |keyset| async move { movies::list(db, filter, &keyset).await };
        let sort = api.paging().sort;
        list::window(filter, sort, query, fetch, MovieSort::value, Self::id).await
    }

    async fn export(db: Database, query: &ListQuery) -> Result<Response, Refusal> {
        let api: MovieListQuery = query.api()?;
        csv::movies(db, api.filter(), api.paging()).await
    }
}

impl Side for Movie {
    type Other = Actor;
    const CASTINGS: &'static str = "cast";
    const ADD: &'static str = "Add to cast";
    const FIND: &'static str = "Find actors to cast";
    const UNCHOSEN: &'static str = "choose an actor";

    fn casting(id: i64, actor_id: i64) -> (i64, i64) {
        (id, actor_id)
    }

    /// Labelled with their release date, to tell apart remakes.
    async fn choices(db: &Database, search: &str) -> StorageResult<Vec<(i64, String)>> {
        let filter = MovieFilter {
            title_contains: casting::searched(search),
            ..MovieFilter::default()
        };
        let page = movies::list(db, &filter, &casting::first(MovieSort::Title)).await?;
        Ok(page
            .items
            .into_iter()
            .map(|movie| {
                let label = format!("{} ({})", movie.fields.title, movie.fields.release_date);
                (movie.id, label)
            })
            .collect())
    }

    fn castings(&self) -> usize {
        self.cast.len()
    }

    /// Its roles, each with how many candidates it has in each status, and its audition
    /// sessions.
    async fn pipeline(db: &Database, id: i64) -> StorageResult<Pipeline> {
        let roles = crate::storage::roles::list(db, id).await?;
        let sessions = crate::storage::sessions::list(db, id).await?;
        Ok(Pipeline {
            roles: roles.iter().map(RoleSummary::of).collect(),
            sessions: sessions.iter().map(SessionSummary::of).collect(),
            ..Pipeline::default()
        })
    }

    fn show_page(self, layout: Layout, detail: Detail) -> impl Template + Send {
        ShowPage {
            layout,
            movie: self,
            detail,
        }
    }
}
