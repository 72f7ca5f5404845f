//! Castings: who is cast in what. Casting changes the movie (its version and `updated_at`) and
//! the actor's version, since both representations list the casting.

use super::movies::{self, Movie};
use super::{Database, Kind, StorageError, StorageResult, missed, on_pool};
use crate::model::Character;

/// What a casting write does once both sides are known to exist.
#[derive(Debug)]
enum Change {
    Upsert(Option<String>),
    Remove,
}

/// Casts an actor in a movie, or changes the character of an existing casting. Repeating it
/// changes nothing, not even the movie's ETag.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn cast(
    db: &Database,
    movie_id: i64,
    actor_id: i64,
    character: Character,
    if_match: Option<&[i64]>,
) -> StorageResult<Movie> {
    let change = Change::Upsert(character.into_text());
    write(db, movie_id, actor_id, change, if_match).await
}

/// Removes an actor from a movie's cast.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn uncast(
    db: &Database,
    movie_id: i64,
    actor_id: i64,
    if_match: Option<&[i64]>,
) -> StorageResult<Movie> {
    write(db, movie_id, actor_id, Change::Remove, if_match).await
}

/// One transaction: bump the movie's version (which locks it, and proves it exists at the version
/// the client expects), then the actor's, then change the casting row, and read the movie back.
/// A change that changes nothing is rolled back and the movie read as it is.
async fn write(
    db: &Database,
    movie_id: i64,
    actor_id: i64,
    change: Change,
    if_match: Option<&[i64]>,
) -> StorageResult<Movie> {
    let mut bump_movie = super::Sql::new("UPDATE movies SET version = version + 1, updated_at = ");
    bump_movie.bind(super::Value::Time(super::now()));
    bump_movie
        .push(" WHERE id = ")
        .bind(super::Value::Int(movie_id));
    if let Some(versions) = if_match {
        bump_movie.push(" AND version IN ").bind_list(versions);
    }
    let changed: Option<Movie> = on_pool!(db, pool, dialect => {
        let mut tx = pool.begin_with(dialect.begin_write).await?;
        let movie_bumped = super::bind_args!(sqlx::query(&bump_movie.text), bump_movie.args)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if movie_bumped == 0 {
            return Err(missed!(&mut *tx, Kind::Movie, movie_id));
        }
        let actor_bumped = sqlx::query("UPDATE actors SET version = version + 1 WHERE id = $1")
            .bind(actor_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if actor_bumped == 0 {
            return Err(StorageError::NotFound(Kind::Actor.name(), actor_id));
        }
        let rows = match &change {
            Change::Upsert(character) => sqlx::query(
                "INSERT INTO castings (movie_id, actor_id, character, created_at) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (movie_id, actor_id) DO UPDATE SET character = excluded.character \
                 WHERE castings.character IS DISTINCT FROM excluded.character",
            )
            .bind(movie_id)
            .bind(actor_id)
            .bind(character.as_deref())
            .bind(super::now())
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            Change::Remove => {
                sqlx::query("DELETE FROM castings WHERE movie_id = $1 AND actor_id = $2")
                    .bind(movie_id)
                    .bind(actor_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
            }
        };
        match (rows, &change) {
            (0, Change::Remove) => return Err(StorageError::NotInCast { movie_id, actor_id }),
            (0, Change::Upsert(_)) => None,
            _ => {
                let query = format!("{} WHERE m.id = $1", movies::select(dialect));
                let movie = sqlx::query_as::<_, Movie>(&query)
                    .bind(movie_id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Some(movie)
            }
        }
    });
    match changed {
        Some(movie) => Ok(movie),
        // The transaction is over and its connection back in the pool: one connection at a time.
        None => movies::get(db, movie_id).await,
    }
}
