//! Actors: their rows, and the movies each is cast in. Every read is one statement, so a body and
//! its ETag always come from one moment.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Connection, FromRow};
use utoipa::ToSchema;

use super::history::{Action, Editor, Entry, FieldChanges, create_recorded, record_changes};
use super::{
    Database, Dialect, KeyType, Keyset, Kind, Listing, Page, SortKey, Sql, StorageError,
    StorageResult, Value, WRITE_ATTEMPTS, bind_args, gather, like_contains, on_pool, search_key,
};
use crate::model::{ActorChanges, Age, Field, Gender, Name, NewActor, ReleaseDate, Title};

/// An actor, with the movies it is cast in.
#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Actor {
    pub id: i64,
    #[schema(schema_with = Name::schema)]
    pub name: String,
    #[schema(schema_with = Age::schema)]
    pub age: i32,
    #[schema(schema_with = Gender::schema)]
    pub gender: String,
    #[serde(serialize_with = "super::json::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::timestamp")]
    pub updated_at: DateTime<Utc>,
    /// The movies this actor is cast in, by release date.
    #[sqlx(json)]
    pub movies: Vec<Role>,
    /// Bumped on every change to this representation; the ETag.
    #[serde(skip)]
    pub version: i64,
}

/// A movie an actor is cast in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Role {
    /// The movie's id.
    pub id: i64,
    #[schema(schema_with = Title::schema)]
    pub title: String,
    #[schema(schema_with = ReleaseDate::schema)]
    #[serde(serialize_with = "super::json::date")]
    pub release_date: NaiveDate,
    /// The part the actor plays, if recorded.
    pub character: Option<String>,
}

/// What a list keeps; text filters are compared case-insensitively. It is also what a cursor is
/// bound to, so every field counts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ActorFilter {
    /// A case-folded substring of the name ([`search_key`]).
    pub name_contains: Option<String>,
    /// A case-folded gender ([`search_key`]).
    pub gender: Option<String>,
    pub min_age: Option<Age>,
    pub max_age: Option<Age>,
}

/// The columns an actor list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorSort {
    Id,
    Name,
    Age,
}

impl SortKey for ActorSort {
    const ALL: &'static [Self] = &[Self::Id, Self::Name, Self::Age];

    fn column(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Name => "name",
            Self::Age => "age",
        }
    }

    fn key_type(self) -> KeyType {
        match self {
            Self::Id | Self::Age => KeyType::Int,
            Self::Name => KeyType::Text,
        }
    }
}

impl ActorSort {
    /// The row's value of this column, as the next page's cursor carries it.
    pub fn value(self, actor: &Actor) -> Value {
        match self {
            Self::Id => Value::Int(actor.id),
            Self::Name => Value::Text(actor.name.clone()),
            Self::Age => Value::Int(actor.age.into()),
        }
    }
}

/// The columns of a whole actor, with its movies, from the row of `actors` named `table`.
fn columns(dialect: &Dialect, table: &str) -> String {
    let movies = dialect.json_rows(
        "'id', m.id, 'title', m.title, 'release_date', m.release_date, 'character', c.character",
        &format!("castings c JOIN movies m ON m.id = c.movie_id WHERE c.actor_id = {table}.id"),
        "m.release_date, m.id",
    );
    format!(
        "{table}.id, {table}.name, {table}.age, {table}.gender, {table}.version, \
         {table}.created_at, {table}.updated_at, {movies} AS movies"
    )
}

/// `SELECT` of whole actors (alias `a`).
fn select(dialect: &Dialect) -> String {
    format!("SELECT {} FROM actors a", columns(dialect, "a"))
}

/// What an `UPDATE actors` or `INSERT INTO actors` answers: the whole actor. Both databases
/// name the written row by its table's own name here.
fn returning(dialect: &Dialect) -> String {
    format!(" RETURNING {}", columns(dialect, "actors"))
}

const INSERT: &str =
    "INSERT INTO actors (name, name_key, age, gender, gender_key, created_at, updated_at) VALUES ";

/// Appends the values of one new actor's row, created at `now`.
fn push_row(sql: &mut Sql, actor: &NewActor, now: DateTime<Utc>) {
    sql.push("(");
    sql.bind(Value::Text(actor.name.as_str().to_owned()))
        .push(", ");
    sql.bind(Value::Text(search_key(actor.name.as_str())))
        .push(", ");
    sql.bind(Value::Int(actor.age.years().into())).push(", ");
    sql.bind(Value::Text(actor.gender.as_str().to_owned()))
        .push(", ");
    sql.bind(Value::Text(search_key(actor.gender.as_str())))
        .push(", ");
    sql.bind(Value::Time(now)).push(", ");
    sql.bind(Value::Time(now)).push(")");
}

/// What the history records of a new actor.
fn created(actor: &NewActor) -> FieldChanges {
    FieldChanges::new()
        .field("name", None::<&str>, actor.name.as_str())
        .field("age", None::<i32>, actor.age.years())
        .field("gender", None::<&str>, actor.gender.as_str())
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn create(db: &Database, actor: &NewActor, editor: &Editor) -> StorageResult<Actor> {
    let mut sql = Sql::new(INSERT);
    push_row(&mut sql, actor, super::now());
    let changes = created(actor);
    Ok(on_pool!(db, pool, dialect => {
        create_recorded!(pool, dialect, Actor, sql, columns, returning, Kind::Actor, changes, editor)
    }))
}

/// Rows an import writes per statement (7 parameters each, well under either database's limit).
const IMPORT_BATCH: usize = 500;

/// Creates every actor of `actors`, with their history, in one transaction: all or none. After
/// each batch, `progress` is told how many are written so far.
#[tracing::instrument(level = "debug", skip_all, fields(actors = actors.len()))]
pub async fn import(
    db: &Database,
    actors: &[NewActor],
    editor: &Editor,
    progress: impl Fn(usize) + Send + Sync,
) -> StorageResult<usize> {
    let now = super::now();
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        let mut written = 0;
        for batch in actors.chunks(IMPORT_BATCH) {
            let mut sql = Sql::new(INSERT);
            for (index, actor) in batch.iter().enumerate() {
                if index > 0 {
                    sql.push(", ");
                }
                push_row(&mut sql, actor, now);
            }
            sql.push(" RETURNING id");
            let mut ids: Vec<i64> = bind_args!(sqlx::query_scalar(&sql.text), sql.args)
                .fetch_all(&mut *tx)
                .await?;
            // One statement takes its ids in the order of its rows.
            ids.sort_unstable();
            let entries: Vec<Entry> = ids
                .into_iter()
                .zip(batch)
                .map(|(id, actor)| Entry { kind: Kind::Actor, id, action: Action::Create, changes: created(actor) })
                .collect();
            record_changes!(&mut *tx, &entries, editor);
            written += batch.len();
            progress(written);
        }
        tx.commit().await?;
        Ok(written)
    })
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn get(db: &Database, id: i64) -> StorageResult<Actor> {
    let actor = on_pool!(db, pool, dialect => {
        let query = format!("{} WHERE a.id = $1", select(dialect));
        sqlx::query_as::<_, Actor>(&query).bind(id).fetch_optional(&mut *super::acquire(pool).await?).await?
    });
    actor.ok_or(StorageError::NotFound(Kind::Actor.name(), id))
}

/// A page of actors, each with its movies: see [`Listing`].
const LISTING: Listing = Listing {
    table: "actors",
    columns: &[
        "id",
        "name",
        "age",
        "gender",
        "version",
        "created_at",
        "updated_at",
    ],
    link: "c.actor_id",
    other: "movies m ON m.id = c.movie_id",
    joined: &[
        ("m.id", "movie_id"),
        ("m.title", "movie_title"),
        ("m.release_date", "movie_release_date"),
        ("c.character", "character"),
    ],
    joined_order: &["movie_release_date", "movie_id"],
};

/// A row of [`LISTING`]: an actor, and one of its movies if it has any.
#[derive(FromRow)]
struct ListedActor {
    id: i64,
    name: String,
    age: i32,
    gender: String,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    movie_id: Option<i64>,
    movie_title: Option<String>,
    movie_release_date: Option<NaiveDate>,
    character: Option<String>,
}

/// One page of actors, with their movies, in one statement. A substring filter walks the ids
/// (an index-only scan of ids and folded names), any other page reads its rows directly.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn list(
    db: &Database,
    filter: &ActorFilter,
    keyset: &Keyset<ActorSort>,
) -> StorageResult<Page<Actor>> {
    let conditions = |sql: &mut Sql| {
        if let Some(needle) = &filter.name_contains {
            sql.and().push("name_key LIKE ");
            sql.bind(Value::Text(like_contains(needle)))
                .push(" ESCAPE '\\'");
        }
        if let Some(gender) = &filter.gender {
            sql.and()
                .push("gender_key = ")
                .bind(Value::Text(gender.clone()));
        }
        if let Some(min_age) = filter.min_age {
            sql.and()
                .push("age >= ")
                .bind(Value::Int(min_age.years().into()));
        }
        if let Some(max_age) = filter.max_age {
            sql.and()
                .push("age <= ")
                .bind(Value::Int(max_age.years().into()));
        }
    };
    let rows = on_pool!(db, pool, dialect => {
        let sql = LISTING.page(dialect, keyset, filter.name_contains.is_some(), conditions);
        bind_args!(sqlx::query_as::<_, ListedActor>(&sql.text), sql.args)
            .fetch_all(&mut *super::acquire(pool).await?)
            .await?
    });
    let actors = gather(
        rows,
        |row| row.id,
        |row| Actor {
            id: row.id,
            name: row.name.clone(),
            age: row.age,
            gender: row.gender.clone(),
            created_at: row.created_at,
            updated_at: row.updated_at,
            movies: Vec::new(),
            version: row.version,
        },
        |actor, row| {
            if let (Some(id), Some(title), Some(release_date)) =
                (row.movie_id, row.movie_title, row.movie_release_date)
            {
                actor.movies.push(Role {
                    id,
                    title,
                    release_date,
                    character: row.character,
                });
            }
        },
    );
    Ok(Page::from_rows(actors, keyset, |actor| {
        (keyset.sort.value(actor), actor.id)
    }))
}

/// An actor's own fields as they are now, read to tell what a change changes.
#[derive(FromRow)]
struct Current {
    name: String,
    age: i32,
    gender: String,
    version: i64,
}

const CURRENT: &str = "SELECT name, age, gender, version FROM actors WHERE id = $1";

impl Current {
    /// What `changes` would change, field by field.
    fn diff(&self, changes: &ActorChanges) -> FieldChanges {
        let mut diff = FieldChanges::new();
        if let Some(name) = &changes.name {
            diff = diff.field("name", &self.name, name.as_str());
        }
        if let Some(age) = changes.age {
            diff = diff.field("age", self.age, age.years());
        }
        if let Some(gender) = &changes.gender {
            diff = diff.field("gender", &self.gender, gender.as_str());
        }
        diff
    }

    /// Every field, as a delete records it.
    fn deleted(&self) -> FieldChanges {
        FieldChanges::new()
            .field("name", &self.name, None::<&str>)
            .field("age", self.age, None::<i32>)
            .field("gender", &self.gender, None::<&str>)
    }
}

/// `UPDATE` of the fields `changes` sets, with the version bump, for the actor at `version`.
fn update_statement(id: i64, version: i64, changes: &ActorChanges, dialect: &Dialect) -> Sql {
    let mut sql = Sql::new("UPDATE actors SET version = version + 1, updated_at = ");
    sql.bind(Value::Time(super::now()));
    if let Some(name) = &changes.name {
        sql.push(", name = ")
            .bind(Value::Text(name.as_str().to_owned()));
        sql.push(", name_key = ")
            .bind(Value::Text(search_key(name.as_str())));
    }
    if let Some(age) = changes.age {
        sql.push(", age = ").bind(Value::Int(age.years().into()));
    }
    if let Some(gender) = &changes.gender {
        sql.push(", gender = ")
            .bind(Value::Text(gender.as_str().to_owned()));
        sql.push(", gender_key = ")
            .bind(Value::Text(search_key(gender.as_str())));
    }
    sql.push(" WHERE id = ").bind(Value::Int(id));
    sql.push(" AND version = ").bind(Value::Int(version));
    sql.push(&returning(dialect));
    sql
}

const BUMP_MOVIES: &str = "UPDATE movies SET version = version + 1 \
     WHERE id IN (SELECT movie_id FROM castings WHERE actor_id = $1)";

/// Changes the fields that differ from what is stored, in one `UPDATE` of only those fields (so
/// concurrent changes of other fields are kept), with their history, in one transaction. A change
/// that changes nothing writes nothing.
///
/// A rename also changes the movies the actor is cast in (their casts show the name), so it
/// bumps their versions in the same transaction. Movies are locked before actors in every write
/// that touches both; so a rename reads the actor without locking it, bumps the movies of its
/// castings, then updates the actor only if its version is still the one read. A casting changes
/// the actor's version too, so the movies bumped are exactly the actor's; if the version moved
/// on, the attempt is rolled back and made again. A change that is not a rename locks the actor
/// as it reads it, and never has to try again.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn update(
    db: &Database,
    id: i64,
    changes: &ActorChanges,
    if_match: Option<&[i64]>,
    editor: &Editor,
) -> StorageResult<Actor> {
    on_pool!(db, pool, dialect => {
        let lock = if changes.name.is_some() { "" } else { dialect.for_update };
        let read = format!("{CURRENT}{lock}");
        let mut connection = super::acquire(pool).await?;
        for _ in 0..WRITE_ATTEMPTS {
            let mut tx = connection.begin_with(dialect.begin_write).await?;
            let current = sqlx::query_as::<_, Current>(&read)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StorageError::NotFound(Kind::Actor.name(), id))?;
            super::expect_version(if_match, current.version, Kind::Actor)?;
            let diff = current.diff(changes);
            if diff.is_empty() {
                let query = format!("{} WHERE a.id = $1", select(dialect));
                let actor = sqlx::query_as::<_, Actor>(&query).bind(id).fetch_one(&mut *tx).await?;
                tx.commit().await?;
                return Ok(actor);
            }
            if changes.name.as_ref().is_some_and(|name| name.as_str() != current.name) {
                sqlx::query(BUMP_MOVIES).bind(id).execute(&mut *tx).await?;
            }
            let sql = update_statement(id, current.version, changes, dialect);
            let updated = bind_args!(sqlx::query_as::<_, Actor>(&sql.text), sql.args)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(actor) = updated {
                let entry = Entry { kind: Kind::Actor, id, action: Action::Update, changes: diff };
                record_changes!(&mut *tx, &[entry], editor);
                tx.commit().await?;
                return Ok(actor);
            }
        }
        Err(StorageError::Unavailable)
    })
}

/// Deletes an actor and (by cascade) its castings, with the version bump of the movies it was
/// cast in and the history of both, locking in the same order as [`update`] does for a rename.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn delete(
    db: &Database,
    id: i64,
    if_match: Option<&[i64]>,
    editor: &Editor,
) -> StorageResult<()> {
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        for _ in 0..WRITE_ATTEMPTS {
            let mut tx = connection.begin_with(dialect.begin_write).await?;
            let current = sqlx::query_as::<_, Current>(CURRENT)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StorageError::NotFound(Kind::Actor.name(), id))?;
            super::expect_version(if_match, current.version, Kind::Actor)?;
            sqlx::query(BUMP_MOVIES).bind(id).execute(&mut *tx).await?;
            let roles: Vec<(i64, Option<String>)> =
                sqlx::query_as("SELECT movie_id, character FROM castings WHERE actor_id = $1")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            let deleted = sqlx::query("DELETE FROM actors WHERE id = $1 AND version = $2")
                .bind(id)
                .bind(current.version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if deleted > 0 {
                let mut entries = vec![Entry {
                    kind: Kind::Actor,
                    id,
                    action: Action::Delete,
                    changes: current.deleted(),
                }];
                entries.extend(roles.into_iter().map(|(movie_id, character)| Entry {
                    kind: Kind::Movie,
                    id: movie_id,
                    action: Action::Uncast,
                    changes: super::history::uncasting(movie_id, id, character),
                }));
                record_changes!(&mut *tx, &entries, editor);
                tx.commit().await?;
                return Ok(());
            }
        }
        Err(StorageError::Unavailable)
    })
}
