//! Actors: their rows, and the movies each is cast in. Every read is one statement, so a body and
//! its ETag always come from one moment.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use utoipa::ToSchema;

use super::{
    Database, Dialect, KeyType, Keyset, Kind, Page, SortKey, Sql, StorageError, StorageResult,
    Value, WRITE_ATTEMPTS, bind_args, like_contains, missed, on_pool,
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
    fn value(self, actor: &Actor) -> Value {
        match self {
            Self::Id => Value::Int(actor.id),
            Self::Name => Value::Text(actor.name.clone()),
            Self::Age => Value::Int(actor.age.into()),
        }
    }
}

/// The text that case-insensitive filters compare against, folded the same way for both databases.
pub fn search_key(text: &str) -> String {
    text.to_lowercase()
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

#[tracing::instrument(level = "debug", skip(db))]
pub async fn create(db: &Database, actor: &NewActor) -> StorageResult<Actor> {
    let now = super::now();
    let mut sql = Sql::new(
        "INSERT INTO actors (name, name_key, age, gender, gender_key, created_at, updated_at) VALUES (",
    );
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
    let actor = on_pool!(db, pool, dialect => {
        sql.push(&returning(dialect));
        bind_args!(sqlx::query_as::<_, Actor>(&sql.text), sql.args).fetch_one(pool).await?
    });
    Ok(actor)
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn get(db: &Database, id: i64) -> StorageResult<Actor> {
    let actor = on_pool!(db, pool, dialect => {
        let query = format!("{} WHERE a.id = $1", select(dialect));
        sqlx::query_as::<_, Actor>(&query).bind(id).fetch_optional(pool).await?
    });
    actor.ok_or(StorageError::NotFound(Kind::Actor.name(), id))
}

/// One page of actors, with their movies, in one statement: the page's ids are chosen by the
/// filters and the keyset alone (an index walk), then only those rows are read whole.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn list(
    db: &Database,
    filter: &ActorFilter,
    keyset: &Keyset<ActorSort>,
) -> StorageResult<Page<Actor>> {
    let mut sql = Sql::new("SELECT id FROM actors");
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
    keyset.finish(&mut sql);
    let rows = on_pool!(db, pool, dialect => {
        let query = format!(
            "{} WHERE a.id IN ({}) ORDER BY {}",
            select(dialect),
            sql.text,
            keyset.order_by("a.")
        );
        bind_args!(sqlx::query_as::<_, Actor>(&query), sql.args).fetch_all(pool).await?
    });
    Ok(Page::from_rows(rows, keyset, |actor| {
        (keyset.sort.value(actor), actor.id)
    }))
}

/// The `SET` list of a change, after `version = version + 1, updated_at = ...`.
fn set_changes(sql: &mut Sql, changes: &ActorChanges) {
    sql.push("UPDATE actors SET version = version + 1, updated_at = ");
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
}

/// Changes the given fields in one `UPDATE`, so concurrent changes of other fields are kept.
///
/// A rename also changes the movies the actor is cast in (their casts show the name), so it
/// bumps their versions in the same transaction. Movies are locked before actors in every write
/// that touches both; here that means bumping the movies of the castings read at the start, then
/// updating the actor only if its version is still the one read then. A casting changes the
/// actor's version too, so the movies bumped are exactly the actor's; if the version moved on,
/// the attempt is rolled back and made again.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn update(
    db: &Database,
    id: i64,
    changes: &ActorChanges,
    if_match: Option<&[i64]>,
) -> StorageResult<Actor> {
    let mut sql = Sql::default();
    set_changes(&mut sql, changes);
    if changes.name.is_none() {
        return update_alone(db, id, sql, if_match).await;
    }
    sql.push(" WHERE id = ").bind(Value::Int(id));
    sql.push(" AND version = ");
    let version_arg = sql.args.len();
    sql.bind(Value::Int(0));
    on_pool!(db, pool, dialect => {
        sql.push(&returning(dialect));
        for _ in 0..WRITE_ATTEMPTS {
            let mut tx = pool.begin_with(dialect.begin_write).await?;
            let seen: Option<i64> = sqlx::query_scalar("SELECT version FROM actors WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            let seen = seen.ok_or(StorageError::NotFound(Kind::Actor.name(), id))?;
            if if_match.is_some_and(|versions| !versions.contains(&seen)) {
                return Err(StorageError::VersionMismatch(Kind::Actor.name()));
            }
            sqlx::query(
                "UPDATE movies SET version = version + 1 \
                 WHERE id IN (SELECT movie_id FROM castings WHERE actor_id = $1)",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sql.args[version_arg] = Value::Int(seen);
            let updated = bind_args!(sqlx::query_as::<_, Actor>(&sql.text), sql.args.clone())
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(actor) = updated {
                tx.commit().await?;
                return Ok(actor);
            }
        }
        Err(StorageError::Unavailable)
    })
}

/// A change the movies do not show: one conditional `UPDATE` that answers the whole actor.
async fn update_alone(
    db: &Database,
    id: i64,
    mut sql: Sql,
    if_match: Option<&[i64]>,
) -> StorageResult<Actor> {
    sql.push(" WHERE id = ").bind(Value::Int(id));
    if let Some(versions) = if_match {
        sql.push(" AND version IN ").bind_list(versions);
    }
    on_pool!(db, pool, dialect => {
        sql.push(&returning(dialect));
        let mut connection = pool.acquire().await?;
        let updated = bind_args!(sqlx::query_as::<_, Actor>(&sql.text), sql.args)
            .fetch_optional(&mut *connection)
            .await?;
        match updated {
            Some(actor) => Ok(actor),
            None => Err(missed!(&mut *connection, Kind::Actor, id)),
        }
    })
}

/// Deletes an actor and (by cascade) its castings, with the version bump of the movies it was
/// cast in, locking in the same order as [`update`] does for a rename.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn delete(db: &Database, id: i64, if_match: Option<&[i64]>) -> StorageResult<()> {
    on_pool!(db, pool, dialect => {
        for _ in 0..WRITE_ATTEMPTS {
            let mut tx = pool.begin_with(dialect.begin_write).await?;
            let seen: Option<i64> = sqlx::query_scalar("SELECT version FROM actors WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            let seen = seen.ok_or(StorageError::NotFound(Kind::Actor.name(), id))?;
            if if_match.is_some_and(|versions| !versions.contains(&seen)) {
                return Err(StorageError::VersionMismatch(Kind::Actor.name()));
            }
            sqlx::query(
                "UPDATE movies SET version = version + 1 \
                 WHERE id IN (SELECT movie_id FROM castings WHERE actor_id = $1)",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let deleted = sqlx::query("DELETE FROM actors WHERE id = $1 AND version = $2")
                .bind(id)
                .bind(seen)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if deleted > 0 {
                tx.commit().await?;
                return Ok(());
            }
        }
        Err(StorageError::Unavailable)
    })
}
