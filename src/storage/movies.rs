//! Movies: their rows, and each movie's cast. Every read is one statement, so a body and its ETag
//! always come from one moment.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Connection, FromRow};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};

use super::fields;
use super::history::{Action, Editor, Entry, create_recorded, record_changes};
use super::{
    Database, Dialect, KeyType, Keyset, Kind, Listing, Page, SortKey, Sql, StorageError,
    StorageResult, Value, bind_args, gather, like_contains, on_pool,
};
use crate::model::{Field, Fields, MovieChanges, MovieFields, Name, NewMovie};

/// A movie, with its cast.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Movie {
    pub id: i64,
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub fields: MovieFields,
    #[serde(serialize_with = "super::json::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::timestamp")]
    pub updated_at: DateTime<Utc>,
    /// The actors cast in this movie, in the order they were cast.
    #[sqlx(json)]
    pub cast: Vec<CastMember>,
    /// Bumped on every change to this representation, the cast's included; the ETag.
    #[serde(skip)]
    pub version: i64,
}

impl utoipa::PartialSchema for Movie {
    fn schema() -> RefOr<Schema> {
        let cast = ArrayBuilder::new()
            .items(Ref::from_schema_name("CastMember"))
            .description(Some(
                "The actors cast in this movie, in the order they were cast.",
            ));
        let more = ObjectBuilder::new().property("cast", cast).required("cast");
        fields::representation::<MovieFields>("A movie, with its cast.", more)
    }
}

impl ToSchema for Movie {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            "CastMember".to_owned(),
            <CastMember as utoipa::PartialSchema>::schema(),
        ));
    }
}

/// An actor in a movie's cast.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CastMember {
    /// The actor's id.
    pub id: i64,
    #[schema(schema_with = Name::schema)]
    pub name: String,
    /// The part the actor plays, if recorded.
    pub character: Option<String>,
}

/// What a list keeps; the title filter is case-insensitive, dates are inclusive. It is also what
/// a cursor is bound to, so every field counts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MovieFilter {
    /// A case-folded substring of the title ([`search_key`]).
    pub title_contains: Option<String>,
    pub released_after: Option<NaiveDate>,
    pub released_before: Option<NaiveDate>,
}

/// The columns a movie list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovieSort {
    Id,
    Title,
    ReleaseDate,
}

impl SortKey for MovieSort {
    const ALL: &'static [Self] = &[Self::Id, Self::Title, Self::ReleaseDate];

    fn column(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Title => "title",
            Self::ReleaseDate => "release_date",
        }
    }

    fn key_type(self) -> KeyType {
        match self {
            Self::Id => KeyType::Int,
            Self::Title => KeyType::Text,
            Self::ReleaseDate => KeyType::Date,
        }
    }
}

impl MovieSort {
    pub fn value(self, movie: &Movie) -> Value {
        match self {
            Self::Id => Value::Int(movie.id),
            Self::Title => Value::Text(movie.fields.title.as_str().to_owned()),
            Self::ReleaseDate => Value::Date(movie.fields.release_date.date()),
        }
    }
}

/// The columns of a whole movie, with its cast, from the row of `movies` named `table`.
fn columns(dialect: &Dialect, table: &str) -> String {
    let cast = dialect.json_rows(
        "'id', a.id, 'name', a.name, 'character', c.character",
        &format!("castings c JOIN actors a ON a.id = c.actor_id WHERE c.movie_id = {table}.id"),
        "c.created_at, a.id",
    );
    format!(
        "{table}.id, {}, {table}.version, {table}.created_at, {table}.updated_at, {cast} AS cast",
        fields::read_columns::<MovieFields>(table)
    )
}

/// `SELECT` of whole movies (alias `m`).
pub(super) fn select(dialect: &Dialect) -> String {
    format!("SELECT {} FROM movies m", columns(dialect, "m"))
}

/// What an `UPDATE movies` or `INSERT INTO movies` answers: the whole movie. Both databases name
/// the written row by its table's own name here.
fn returning(dialect: &Dialect) -> String {
    format!(" RETURNING {}", columns(dialect, "movies"))
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn create(db: &Database, movie: &NewMovie, editor: &Editor) -> StorageResult<Movie> {
    let mut sql = fields::insert::<MovieFields>("movies");
    fields::push_row(&mut sql, movie, super::now());
    let changes = fields::created(movie);
    Ok(on_pool!(db, pool, dialect => {
        create_recorded!(pool, dialect, Movie, sql, columns, returning, Kind::Movie, changes, editor)
    }))
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn get(db: &Database, id: i64) -> StorageResult<Movie> {
    let movie = on_pool!(db, pool, dialect => {
        let query = format!("{} WHERE m.id = $1", select(dialect));
        sqlx::query_as::<_, Movie>(&query).bind(id).fetch_optional(&mut *super::acquire(pool).await?).await?
    });
    movie.ok_or(StorageError::NotFound(Kind::Movie.name(), id))
}

/// A page of movies, each with its cast: see [`Listing`].
fn listing() -> Listing {
    Listing {
        table: "movies",
        columns: fields::listed_columns::<MovieFields>(),
        link: "c.movie_id",
        other: "actors a ON a.id = c.actor_id",
        joined: &[
            ("a.id", "actor_id"),
            ("a.name", "actor_name"),
            ("c.character", "character"),
            ("c.created_at", "cast_at"),
        ],
        joined_order: &["cast_at", "actor_id"],
    }
}

/// A row of [`listing`]: a movie, and one of its cast if it has any.
#[derive(FromRow)]
struct ListedMovie {
    id: i64,
    #[sqlx(flatten)]
    fields: MovieFields,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    character: Option<String>,
}

impl ListedMovie {
    /// The movie of this row, and the cast member it brings.
    fn split(self) -> (Movie, Option<CastMember>) {
        let member = match (self.actor_id, self.actor_name) {
            (Some(id), Some(name)) => Some(CastMember {
                id,
                name,
                character: self.character,
            }),
            _ => None,
        };
        let movie = Movie {
            id: self.id,
            fields: self.fields,
            created_at: self.created_at,
            updated_at: self.updated_at,
            cast: Vec::new(),
            version: self.version,
        };
        (movie, member)
    }
}

/// One page of movies, with their casts, in one statement (see [`super::actors::list`]).
#[tracing::instrument(level = "debug", skip(db))]
pub async fn list(
    db: &Database,
    filter: &MovieFilter,
    keyset: &Keyset<MovieSort>,
) -> StorageResult<Page<Movie>> {
    let conditions = |sql: &mut Sql| {
        if let Some(needle) = &filter.title_contains {
            sql.and().push("title_key LIKE ");
            sql.bind(Value::Text(like_contains(needle)))
                .push(" ESCAPE '\\'");
        }
        if let Some(after) = filter.released_after {
            sql.and().push("release_date >= ").bind(Value::Date(after));
        }
        if let Some(before) = filter.released_before {
            sql.and().push("release_date <= ").bind(Value::Date(before));
        }
    };
    let rows = on_pool!(db, pool, dialect => {
        let sql = listing().page(dialect, keyset, filter.title_contains.is_some(), conditions);
        bind_args!(sqlx::query_as::<_, ListedMovie>(&sql.text), sql.args)
            .fetch_all(&mut *super::acquire(pool).await?)
            .await?
    });
    let movies = gather(
        rows,
        |row| row.id,
        ListedMovie::split,
        |movie, member| {
            movie.cast.push(member);
        },
    );
    Ok(Page::from_rows(movies, keyset, |movie| {
        (keyset.sort.value(movie), movie.id)
    }))
}

/// A movie's own fields as they are now, read (and locked) to tell what a change changes.
#[derive(FromRow)]
struct Current {
    #[sqlx(flatten)]
    fields: MovieFields,
    version: i64,
}

/// Reads a movie's own fields and locks its row, for the rest of the transaction.
fn lock(dialect: &Dialect) -> String {
    format!(
        "SELECT {}, version FROM movies WHERE id = $1{}",
        fields::read_columns::<MovieFields>("movies"),
        dialect.for_update
    )
}

const BUMP_ACTORS: &str = "UPDATE actors SET version = version + 1 \
     WHERE id IN (SELECT actor_id FROM castings WHERE movie_id = $1)";

/// Changes the fields that differ from what is stored, in one `UPDATE` of only those fields (so
/// concurrent changes of other fields are kept), with their history. The actors cast in the
/// movie list its title and release date, so their versions are bumped in the same transaction,
/// after the movie's row is locked (movies before actors, always): no casting of this movie can
/// come or go meanwhile. A change that changes nothing writes nothing.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn update(
    db: &Database,
    id: i64,
    changes: &MovieChanges,
    if_match: Option<&[i64]>,
    editor: &Editor,
) -> StorageResult<Movie> {
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        let current = sqlx::query_as::<_, Current>(&lock(dialect))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StorageError::NotFound(Kind::Movie.name(), id))?;
        super::expect_version(if_match, current.version, Kind::Movie)?;
        let changed = current.fields.changed(changes).checked().map_err(StorageError::Invalid)?;
        let movie = if changed == current.fields {
            let query = format!("{} WHERE m.id = $1", select(dialect));
            sqlx::query_as::<_, Movie>(&query).bind(id).fetch_one(&mut *tx).await?
        } else {
            let mut sql = Sql::new("UPDATE movies SET version = version + 1, updated_at = ");
            sql.bind(Value::Time(super::now()));
            fields::push_assignments(&mut sql, &current.fields, &changed);
            sql.push(" WHERE id = ").bind(Value::Int(id));
            sql.push(&returning(dialect));
            let diff = fields::changed(&current.fields, &changed);
            let movie = bind_args!(sqlx::query_as::<_, Movie>(&sql.text), sql.args)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(BUMP_ACTORS).bind(id).execute(&mut *tx).await?;
            let entry = Entry { kind: Kind::Movie, id, action: Action::Update, changes: diff };
            record_changes!(&mut *tx, &[entry], editor);
            movie
        };
        tx.commit().await?;
        Ok(movie)
    })
}

/// Deletes a movie and (by cascade) its castings, with the version bump of the actors cast in
/// it and the history of both: the movie's row is locked first, so its cast cannot change
/// meanwhile.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn delete(
    db: &Database,
    id: i64,
    if_match: Option<&[i64]>,
    editor: &Editor,
) -> StorageResult<()> {
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        let current = sqlx::query_as::<_, Current>(&lock(dialect))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StorageError::NotFound(Kind::Movie.name(), id))?;
        super::expect_version(if_match, current.version, Kind::Movie)?;
        let cast: Vec<(i64, Option<String>)> =
            sqlx::query_as("SELECT actor_id, character FROM castings WHERE movie_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        sqlx::query(BUMP_ACTORS).bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM movies WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let mut entries = vec![Entry {
            kind: Kind::Movie,
            id,
            action: Action::Delete,
            changes: fields::deleted(&current.fields),
        }];
        entries.extend(cast.into_iter().map(|(actor_id, character)| Entry {
            kind: Kind::Actor,
            id: actor_id,
            action: Action::Uncast,
            changes: super::history::uncasting(id, actor_id, character),
        }));
        record_changes!(&mut *tx, &entries, editor);
        tx.commit().await?;
        Ok(())
    })
}
