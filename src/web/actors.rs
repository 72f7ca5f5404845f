//! The actors' pages, as far as they differ from the movies': an actor's fields and words, the
//! storage calls, and the templates of the list and of an actor with their movies, from which
//! they are cast in one. The flows are [`super::resource`]'s and [`super::casting`]'s.

use askama::Template;
use axum::response::Response;

use super::casting::{self, Detail, Pipeline, Side};
use super::list::{self, ListError, ListQuery, Window};
use super::resource::{Listing, Resource};
use crate::auth::Permission;
use crate::kit::Refusal;
use crate::kit::csv;
use crate::kit::lists::ActorListQuery;
use crate::kit::page::Layout;
use crate::model::{ActorChanges, ActorFields, NewActor};
use crate::storage::actors::{self, Actor, ActorFilter, ActorSort};
use crate::storage::candidates::{self, Begun};
use crate::storage::history::Editor;
use crate::storage::movies::Movie;
use crate::storage::photos::{self, Photo};
use crate::storage::{Database, Keyset, Kind, StorageResult};

/// How many of the roles an actor is considered for their page lists.
const CANDIDACIES_SHOWN: u32 = 100;

#[derive(Template)]
#[template(path = "actors/list.html")]
struct ListPage {
    layout: Layout,
    list: Listing<Actor>,
}

#[derive(Template)]
#[template(path = "actors/show.html")]
struct ShowPage {
    layout: Layout,
    actor: Actor,
    detail: Detail,
}

impl Resource for Actor {
    const ONE: &'static str = "actor";
    const SECTION: &'static str = "actors";
    const KIND: Kind = Kind::Actor;
    const READ: Permission = Permission::GetActors;
    const CREATE: Permission = Permission::PostActor;
    const EDIT: Permission = Permission::PatchActor;
    const DELETE: Permission = Permission::DeleteActor;
    const SORTS: &'static [(&'static str, &'static str)] = &[
        ("id", "First added first"),
        ("-id", "Last added first"),
        ("name", "Name, A to Z"),
        ("-name", "Name, Z to A"),
        ("age", "Youngest first"),
        ("-age", "Oldest first"),
    ];

    type Fields = ActorFields;

    fn id(&self) -> i64 {
        self.id
    }

    fn version(&self) -> i64 {
        self.version
    }

    fn fields(&self) -> &ActorFields {
        &self.fields
    }

    fn name(&self) -> &str {
        self.fields.name.as_str()
    }

    fn consequence(&self) -> String {
        match self.movies.len() {
            0 => "They are in no movie's cast.".to_owned(),
            1 => "They will also be removed from the cast of 1 movie.".to_owned(),
            n => format!("They will also be removed from the casts of {n} movies."),
        }
    }

    fn list_page(layout: Layout, list: Listing<Self>) -> impl Template + Send {
        ListPage { layout, list }
    }

    async fn get(db: &Database, id: i64) -> StorageResult<Self> {
        actors::get(db, id).await
    }

    async fn create(db: &Database, new: &NewActor, editor: &Editor) -> StorageResult<Self> {
        actors::create(db, new, editor).await
    }

    async fn update(
        db: &Database,
        id: i64,
        changes: &ActorChanges,
        if_match: Option<&[i64]>,
        editor: &Editor,
    ) -> StorageResult<Self> {
        actors::update(db, id, changes, if_match, editor).await
    }

    async fn delete(
        db: &Database,
        id: i64,
        if_match: Option<&[i64]>,
        editor: &Editor,
    ) -> StorageResult<Vec<String>> {
        actors::delete(db, id, if_match, editor).await
    }

    async fn window(db: &Database, query: &ListQuery) -> Result<Window<Self>, ListError> {
        let api: ActorListQuery = query.api()?;
        let filter = &api.filter();
        let fetch = |keyset| async move { actors::list(db, filter, &keyset).await };
        let sort = api.paging().sort;
        list::window(filter, sort, query, fetch, ActorSort::value, Self::id).await
    }

    async fn export(db: Database, query: &ListQuery) -> Result<Response, Refusal> {
        let api: ActorListQuery = query.api()?;
        csv::actors(db, api.filter(), api.paging()).await
    }
}

impl Side for Actor {
    type Other = Movie;
    const CASTINGS: &'static str = "movies";
    const ADD: &'static str = "Cast in a movie";
    const FIND: &'static str = "Find movies to cast in";
    const UNCHOSEN: &'static str = "choose a movie";

    fn casting(id: i64, movie_id: i64) -> (i64, i64) {
        (movie_id, id)
    }

    /// Labelled with their age and gender, to tell apart actors of one name.
    async fn choices(db: &Database, search: &str) -> StorageResult<Vec<(i64, String)>> {
        let filter = ActorFilter {
            name_contains: casting::searched(search),
            ..ActorFilter::default()
        };
        let page = actors::list(db, &filter, &casting::first(ActorSort::Name)).await?;
        Ok(page
            .items
            .into_iter()
            .map(|actor| {
                let fields = &actor.fields;
                let label = format!("{} ({}, {})", fields.name, fields.age, fields.gender);
                (actor.id, label)
            })
            .collect())
    }

    fn castings(&self) -> usize {
        self.movies.len()
    }

    /// The roles they are considered for, the first [`CANDIDACIES_SHOWN`].
    async fn pipeline(db: &Database, id: i64) -> StorageResult<Pipeline> {
        let keyset = Keyset {
            sort: Begun,
            descending: false,
            after: None,
            limit: CANDIDACIES_SHOWN,
        };
        let page = candidates::candidacies(db, id, &keyset).await?;
        Ok(Pipeline {
            candidacies: page.items,
            more: page.next.is_some(),
            ..Pipeline::default()
        })
    }

    async fn photos(db: &Database, id: i64) -> StorageResult<Vec<Photo>> {
        photos::list(db, id).await
    }

    fn show_page(self, layout: Layout, detail: Detail) -> impl Template + Send {
        ShowPage {
            layout,
            actor: self,
            detail,
        }
    }
}
